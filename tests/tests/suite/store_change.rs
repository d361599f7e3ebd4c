//! An organization's store replaced and disconnected from the CLI while the daemon runs: the
//! store is checked first (a wrong key changes nothing), the config and secrets files are
//! rewritten (valid for a restart, secrets still 0600) and the daemon reloads with them; an
//! Amazon store is connected with its marketplace and merchant token as `--set` settings.

use feedbridge_common::{ConnectionState, ProductView, StatusReport};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_tests::rig::{RIG_WAIT, Rig};
use feedbridge_tests::{daemon_binary, wait_for};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

/// `feedbridge ARGS --socket ...`, with `stdin` piped in.
fn cli(rig: &Rig, args: &[&str], stdin: &str) -> anyhow::Result<Output> {
    let mut child = Command::new(daemon_binary().with_file_name("feedbridge"))
        .args(args)
        .arg("--socket")
        .arg(&rig.daemon.socket)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin.as_bytes())?;
    }
    Ok(child.wait_with_output()?)
}

fn json<T: serde::de::DeserializeOwned>(rig: &Rig, args: &[&str]) -> anyhow::Result<T> {
    let output = cli(rig, args, "")?;
    anyhow::ensure!(output.status.success(), "{output:?}");
    Ok(serde_json::from_slice(&output.stdout)?)
}

fn check_config(rig: &Rig) -> anyhow::Result<()> {
    let output = Command::new(daemon_binary())
        .arg("--check-config")
        .arg("--config")
        .arg(&rig.config)
        .output()?;
    anyhow::ensure!(output.status.success(), "{output:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_is_replaced_disconnected_then_an_amazon_store_connected_from_the_cli()
-> anyhow::Result<()> {
    let rig = Rig::start(
        SandboxConfig {
            products: 2,
            ..SandboxConfig::default()
        },
        |config| config,
    )
    .await?;
    let shopify_products: Vec<String> = rig
        .listings(2)
        .await?
        .into_iter()
        .map(|p| p.store_product_id)
        .collect();
    let secrets_path = rig.dir.path().join("secrets.toml");
    let woo = SimStore::Woocommerce;
    let woo_url = woo.url(&rig.sandbox);
    let section = woo.store_secrets("demo", &rig.sandbox.credentials());
    // The keys of the section, without its [woocommerce."demo"] header.
    let keys: String = section
        .lines()
        .filter(|line| !line.starts_with('['))
        .map(|line| format!("{line}\n"))
        .collect();
    let credential_file = rig.dir.path().join("woo-keys.toml");
    std::fs::write(&credential_file, &keys)?;
    let credential_arg = credential_file.to_string_lossy().into_owned();

    // A wrong secret: the store refuses it, nothing changes, the secret is not echoed.
    let (config_before, secrets_before) = (
        std::fs::read_to_string(&rig.config)?,
        std::fs::read_to_string(&secrets_path)?,
    );
    let wrong = keys.replace(
        &rig.sandbox.credentials().woocommerce_consumer_secret,
        "cs_wrong_secret_value",
    );
    let refused = cli(
        &rig,
        &[
            "store",
            "demo",
            "replace",
            "--platform",
            "woocommerce",
            "--url",
            &woo_url,
            "--credential-file",
            "-",
        ],
        &wrong,
    )?;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{refused:?}");
    assert!(stderr.contains("Nothing was changed"), "{stderr}");
    assert!(!stderr.contains("cs_wrong_secret_value"), "{stderr}");
    assert!(
        !stderr.contains(&rig.sandbox.credentials().woocommerce_consumer_key),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&rig.config)?, config_before);
    assert_eq!(std::fs::read_to_string(&secrets_path)?, secrets_before);

    // The right keys, from a file: checked, written, reloaded.
    let replaced = cli(
        &rig,
        &[
            "store",
            "demo",
            "replace",
            "--platform",
            "woocommerce",
            "--url",
            &woo_url,
            "--credential-file",
            &credential_arg,
        ],
        "",
    )?;
    assert!(replaced.status.success(), "{replaced:?}");
    let said = String::from_utf8_lossy(&replaced.stdout);
    assert!(said.contains("woocommerce"), "{said}");
    assert!(!said.contains(&rig.sandbox.credentials().woocommerce_consumer_secret));
    let status = wait_for(
        "the daemon to run with the WooCommerce store",
        RIG_WAIT,
        || async {
            let status: StatusReport = json(&rig, &["status", "--json"])?;
            let store = &status.organizations[0].store;
            Ok(
                (store.platform == "woocommerce" && store.state == ConnectionState::Connected)
                    .then_some(status),
            )
        },
    )
    .await
    .map_err(|e| rig.with_log(e))?;
    assert_eq!(status.organizations[0].shops.len(), 1);
    let woo_products = woo.products(&rig.control).await?;
    let listings = wait_for("the WooCommerce catalog", RIG_WAIT, || async {
        let listings: Vec<ProductView> = json(&rig, &["products", "--json"])?;
        Ok((listings.len() == woo_products.len()).then_some(listings))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    let woo_ids: Vec<&str> = woo_products.iter().map(|p| p.id.as_str()).collect();
    assert!(
        listings
            .iter()
            .all(|l| woo_ids.contains(&l.store_product_id.as_str())
                && !shopify_products.contains(&l.store_product_id)),
        "only the new store's products are listed: {listings:?} ({shopify_products:?} dropped)"
    );
    let secrets = std::fs::read_to_string(&secrets_path)?;
    assert!(secrets.contains("[woocommerce.demo]"), "{secrets}");
    assert!(!secrets.contains("[shopify"), "{secrets}");
    let mode = std::fs::metadata(&secrets_path)?.permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    check_config(&rig)?;

    // Disconnected: the organization stays, its store and shop say why nothing syncs.
    let disconnected = cli(&rig, &["store", "demo", "disconnect"], "")?;
    assert!(disconnected.status.success(), "{disconnected:?}");
    let status = wait_for("the store to show as disconnected", RIG_WAIT, || async {
        let status: StatusReport = json(&rig, &["status", "--json"])?;
        let store = &status.organizations[0].store;
        Ok((store.state == ConnectionState::Error
            && store
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("No store connected")))
        .then_some(status))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    let shop = &status.organizations[0].shops[0];
    assert!(
        shop.detail
            .as_deref()
            .is_some_and(|d| d.contains("feedbridge store demo connect")),
        "{shop:?}"
    );
    assert!(!std::fs::read_to_string(&secrets_path)?.contains("[woocommerce"));
    check_config(&rig)?;

    // An Amazon seller's store takes its marketplace and merchant token as settings.
    let amazon = SimStore::Amazon;
    let amazon_url = amazon.url(&rig.sandbox);
    let amazon_keys: String = amazon
        .store_secrets("demo", &rig.sandbox.credentials())
        .lines()
        .filter(|line| !line.starts_with('['))
        .map(|line| format!("{line}\n"))
        .collect();
    let settings: Vec<String> = amazon
        .store_config(&amazon_url, &rig.sandbox.credentials())
        .lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(" = ")?;
            ["marketplace_id", "seller_id", "token_url"]
                .contains(&key)
                .then(|| format!("{key}={}", value.trim_matches('"')))
        })
        .collect();
    assert_eq!(settings.len(), 3, "{settings:?}");
    let mut args = vec![
        "store",
        "demo",
        "connect",
        "--platform",
        "amazon",
        "--url",
        &amazon_url,
        "--credential-file",
        "-",
    ];
    let without_seller: Vec<&str> = settings
        .iter()
        .filter(|s| !s.starts_with("seller_id="))
        .flat_map(|s| ["--set", s.as_str()])
        .collect();
    let refused = cli(&rig, &[args.clone(), without_seller].concat(), &amazon_keys)?;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{refused:?}");
    assert!(stderr.contains("Merchant Token"), "{stderr}");
    args.extend(settings.iter().flat_map(|s| ["--set", s.as_str()]));
    let connected = cli(&rig, &args, &amazon_keys)?;
    assert!(connected.status.success(), "{connected:?}");
    wait_for(
        "the daemon to run with the Amazon store",
        RIG_WAIT,
        || async {
            let status: StatusReport = json(&rig, &["status", "--json"])?;
            let store = &status.organizations[0].store;
            Ok(
                (store.platform == "amazon" && store.state == ConnectionState::Connected)
                    .then_some(()),
            )
        },
    )
    .await
    .map_err(|e| rig.with_log(e))?;
    let config = std::fs::read_to_string(&rig.config)?;
    assert!(config.contains("marketplace_id = "), "{config}");
    assert!(config.contains("seller_id = "), "{config}");
    check_config(&rig)?;
    Ok(())
}
