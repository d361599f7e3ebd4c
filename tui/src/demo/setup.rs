//! The demo's config and secrets files, in the daemon's format (`feedbridge_common::config`).

use anyhow::Context;
use feedbridge_sandbox::Credentials;
use feedbridge_sandbox::merchant::SimStore;
use std::fs::OpenOptions;
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The organization and TikTok shop names the demo configures.
pub const ORGANIZATION: &str = "demo";
pub const SHOP: &str = "demo-us";

/// Where the simulators listen, and where the daemon serves its metrics.
pub struct Endpoints<'a> {
    pub tiktok_url: &'a str,
    /// The simulated store of `Wiring::store`.
    pub store_url: &'a str,
    pub amazon_url: &'a str,
    /// `[daemon] metrics_listen`, when metrics are on.
    pub metrics_listen: Option<SocketAddr>,
}

/// The first line of every config file the demo writes: how a later run recognizes the
/// directory of an earlier one.
const CONFIG_HEADER: &str =
    "# Written by `feedbridge demo`: a daemon wired to the local simulators.";

/// Make `dir` the demo's data dir: created if missing; else it must be empty. A directory an
/// earlier demo used is refused, not resumed: its database names the shops, products and
/// orders of simulators that ended with that run. Returns the directory's absolute path.
pub fn claim_data_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("Failed to create {}", dir.display()))?;
    let dir = std::fs::canonicalize(dir)
        .with_context(|| format!("Failed to resolve {}", dir.display()))?;
    let earlier_demo = std::fs::read_to_string(config_path(&dir))
        .is_ok_and(|text| text.starts_with(CONFIG_HEADER))
        || dir.join(DATABASE_FILE).exists();
    if earlier_demo {
        anyhow::bail!(
            "{} holds an earlier demo run whose simulated shops are gone; remove it or pick another --data-dir.",
            dir.display()
        );
    }
    let mut entries =
        std::fs::read_dir(&dir).with_context(|| format!("Failed to read {}", dir.display()))?;
    if entries.next().is_some() {
        anyhow::bail!(
            "{} is not empty; the demo writes its own config, secrets and database, so give --data-dir a new or empty directory.",
            dir.display()
        );
    }
    Ok(dir)
}

/// The daemon's database file (`feedbridge_daemon::DATABASE_FILE`; the tui does not link
/// the daemon).
const DATABASE_FILE: &str = "feedbridge.sqlite";

/// Who ships the demo's TikTok orders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoFulfilment {
    /// The merchant, from the store (tracking flows back to TikTok).
    #[default]
    Store,
    /// Amazon Multi-Channel Fulfillment from FBA stock.
    Amazon,
}

/// What the demo organization is wired to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wiring {
    pub store: SimStore,
    pub fulfilment: DemoFulfilment,
}

impl Wiring {
    /// The store is an Amazon seller: MCF ships from the same account with the store's grant,
    /// so no second Amazon account is configured.
    pub fn amazon_store(self) -> bool {
        self.store == SimStore::Amazon
    }
}

/// A TOML string literal.
fn q(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}

fn q_path(path: &Path) -> String {
    q(&path.to_string_lossy())
}

pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("feedbridged.sock")
}

pub fn config_path(data_dir: &Path) -> PathBuf {
    data_dir.join("config.toml")
}

pub fn secrets_path(data_dir: &Path) -> PathBuf {
    data_dir.join("secrets.toml")
}

pub fn config_toml(
    data_dir: &Path,
    endpoints: &Endpoints<'_>,
    creds: &Credentials,
    wiring: Wiring,
) -> String {
    let store = wiring.store.store_config(endpoints.store_url, creds);
    let amazon = match wiring.fulfilment {
        // The store's own account ships through MCF; this section only polls it faster
        // (its endpoint and grant are the store's).
        _ if wiring.amazon_store() => {
            "\n[organization.amazon]\nmarketplace = \"US\"\nfba_refresh_secs = 5\nmcf_poll_secs = 1\n"
                .to_string()
        }
        DemoFulfilment::Store => String::new(),
        DemoFulfilment::Amazon => format!(
            "\n[organization.amazon]\nmarketplace = \"US\"\napi_base = {}\ntoken_url = {}\nfba_refresh_secs = 5\nmcf_poll_secs = 1\n",
            q(endpoints.amazon_url),
            q(&format!("{}/auth/o2/token", endpoints.amazon_url))
        ),
    };
    let metrics = endpoints
        .metrics_listen
        .map(|address| format!("metrics_listen = {}\n", q(&address.to_string())))
        .unwrap_or_default();
    format!(
        r#"{CONFIG_HEADER}
[daemon]
socket = {socket}
data_dir = {data_dir}
log_level = "info"
# A free port; the daemon registers it with the simulators.
webhook_listen = "127.0.0.1:0"
{metrics}
[sync]
order_poll_secs = 2
catalog_poll_secs = 2
review_poll_secs = 1
fulfilment_poll_secs = 1

[tiktok_app]
app_key = {app_key}
api_base = {tiktok}
auth_base = {tiktok}
requests_per_second = 20

[[organization]]
name = {org}

[organization.store]
{store}{amazon}
[[organization.tiktok_shop]]
name = {shop}
shop_id = {shop_id}
{more_shops}"#,
        socket = q_path(&socket_path(data_dir)),
        data_dir = q_path(data_dir),
        app_key = q(&creds.tiktok_app_key),
        tiktok = q(endpoints.tiktok_url),
        org = q(ORGANIZATION),
        shop = q(SHOP),
        shop_id = q(&creds.tiktok_shop_id),
        more_shops = creds
            .more_tiktok_shops
            .iter()
            .map(|more| format!(
                "\n[[organization.tiktok_shop]]\nname = {}\nshop_id = {}\n",
                q(&more_shop_name(&more.region)),
                q(&more.shop_id)
            ))
            .collect::<String>(),
    )
}

/// The config name of a shop of `Credentials::more_tiktok_shops`: `demo-gb` for a GB shop.
pub fn more_shop_name(region: &str) -> String {
    format!("demo-{}", region.to_ascii_lowercase())
}

pub fn secrets_toml(creds: &Credentials, wiring: Wiring) -> String {
    let store = wiring.store.store_secrets(ORGANIZATION, creds);
    let amazon = match wiring.fulfilment {
        // The store's [amazon.<org>] grant is MCF's too.
        _ if wiring.amazon_store() => String::new(),
        DemoFulfilment::Store => String::new(),
        DemoFulfilment::Amazon => format!(
            "\n[amazon.{org}]\nclient_id = {}\nclient_secret = {}\nrefresh_token = {}\n",
            q(&creds.amazon_client_id),
            q(&creds.amazon_client_secret),
            q(&creds.amazon_refresh_token),
            org = q(ORGANIZATION),
        ),
    };
    format!(
        r#"# Written by `feedbridge demo`: the simulators' test credentials.
[tiktok_app]
app_secret = {app_secret}

{store}{amazon}
[tiktok.{shop}]
access_token = {tiktok_token}
refresh_token = {refresh_token}
{more_shops}"#,
        app_secret = q(&creds.tiktok_app_secret),
        shop = q(SHOP),
        tiktok_token = q(&creds.tiktok_access_token),
        refresh_token = q(&creds.tiktok_refresh_token),
        more_shops = creds
            .more_tiktok_shops
            .iter()
            .map(|more| format!(
                "\n[tiktok.{}]\naccess_token = {}\nrefresh_token = {}\n",
                q(&more_shop_name(&more.region)),
                q(&more.access_token),
                q(&more.refresh_token)
            ))
            .collect::<String>(),
    )
}

/// Write `config.toml` and `secrets.toml` (mode 0600) into `data_dir`.
pub fn write_files(
    data_dir: &Path,
    endpoints: &Endpoints<'_>,
    creds: &Credentials,
    wiring: Wiring,
) -> anyhow::Result<PathBuf> {
    let config = config_path(data_dir);
    std::fs::write(&config, config_toml(data_dir, endpoints, creds, wiring))
        .with_context(|| format!("Failed to write {}", config.display()))?;
    let secrets = secrets_path(data_dir);
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&secrets)
        .with_context(|| format!("Failed to create {}", secrets.display()))?;
    // `mode` only applies to new files; an old one keeps its bits unless we set them.
    std::fs::set_permissions(
        &secrets,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .with_context(|| format!("Failed to restrict {}", secrets.display()))?;
    file.write_all(secrets_toml(creds, wiring).as_bytes())
        .with_context(|| format!("Failed to write {}", secrets.display()))?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedbridge_common::config::{Config, Secrets, StorePlatform, StoreSecrets};
    use std::collections::BTreeMap;
    use std::os::unix::fs::PermissionsExt;

    fn creds() -> Credentials {
        Credentials {
            tiktok_app_key: "app\"key".into(),
            tiktok_app_secret: "secret".into(),
            tiktok_access_token: "TTP_access".into(),
            tiktok_refresh_token: "TTP_refresh".into(),
            tiktok_shop_id: "7494".into(),
            tiktok_shop_cipher: "cipher".into(),
            tiktok_shop_region: "US".into(),
            shopify_shop_domain: "feedbridge-demo.myshopify.com".into(),
            shopify_access_token: "shpat_x".into(),
            shopify_webhook_secret: "whsec".into(),
            currency: "USD".into(),
            woocommerce_consumer_key: "ck_x".into(),
            woocommerce_consumer_secret: "cs_x".into(),
            amazon_client_id: "amzn1.application-oa2-client.x".into(),
            amazon_client_secret: "amzn-secret".into(),
            amazon_refresh_token: "Atzr|x".into(),
            stores: seeded_store_credentials(),
            ..Credentials::default()
        }
    }

    /// The credentials of the stores the sandbox serves generically, as it seeds them (a
    /// store's config rules may check their shape, e.g. BigCommerce's store hash).
    fn seeded_store_credentials() -> BTreeMap<String, serde_json::Value> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let sandbox =
                feedbridge_sandbox::start(Default::default(), "127.0.0.1".parse().unwrap())
                    .await
                    .unwrap();
            let stores = sandbox.credentials().stores;
            sandbox.shutdown().await;
            stores
        })
    }

    fn endpoints() -> Endpoints<'static> {
        Endpoints {
            tiktok_url: "http://127.0.0.1:4001",
            store_url: "http://127.0.0.1:4002",
            amazon_url: "http://127.0.0.1:4004",
            metrics_listen: None,
        }
    }

    #[test]
    fn woocommerce_and_amazon_wiring_parses_and_has_its_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let wiring = Wiring {
            store: SimStore::Woocommerce,
            fulfilment: DemoFulfilment::Amazon,
        };
        let config_file = write_files(dir.path(), &endpoints(), &creds(), wiring).unwrap();
        let text = std::fs::read_to_string(&config_file).unwrap();
        let config = Config::from_toml(&text, &config_file).unwrap();
        let org = &config.organizations[0];
        assert_eq!(org.store.as_ref().unwrap().platform.as_str(), "woocommerce");
        assert_eq!(
            org.store.as_ref().unwrap().api_base.as_deref(),
            Some("http://127.0.0.1:4002")
        );
        let amazon = org.amazon.as_ref().unwrap();
        assert_eq!(amazon.api_base(), "http://127.0.0.1:4004");
        assert_eq!(amazon.token_url(), "http://127.0.0.1:4004/auth/o2/token");
        let secrets_file = secrets_path(dir.path());
        let secrets = Secrets::from_toml(
            &std::fs::read_to_string(&secrets_file).unwrap(),
            &secrets_file,
        )
        .unwrap();
        secrets.check_against(&config, &secrets_file).unwrap();
        assert!(matches!(
            secrets.store(StorePlatform::Woocommerce, ORGANIZATION),
            Some(StoreSecrets::Woocommerce(keys)) if keys.consumer_key.expose() == "ck_x"
        ));
        assert_eq!(
            secrets.amazon[ORGANIZATION].refresh_token.expose(),
            "Atzr|x"
        );
        // The WooCommerce section, and the [amazon.demo] grant an Amazon store would use.
        assert_eq!(secrets.stores.len(), 2);
    }

    #[test]
    fn every_simulated_store_is_wired_as_the_daemon_reads_it() {
        for store in SimStore::all().iter().copied() {
            let dir = tempfile::tempdir().unwrap();
            let wiring = Wiring {
                store,
                ..Wiring::default()
            };
            let config_file = write_files(dir.path(), &endpoints(), &creds(), wiring).unwrap();
            let text = std::fs::read_to_string(&config_file).unwrap();
            let config = Config::from_toml(&text, &config_file).unwrap();
            let platform = config.organizations[0].store.as_ref().unwrap().platform;
            assert_eq!(platform.as_str(), store.platform());
            let secrets_file = secrets_path(dir.path());
            let secrets = Secrets::from_toml(
                &std::fs::read_to_string(&secrets_file).unwrap(),
                &secrets_file,
            )
            .unwrap();
            secrets.check_against(&config, &secrets_file).unwrap();
            assert_eq!(
                secrets.store(platform, ORGANIZATION).unwrap().platform(),
                platform
            );
        }
    }

    #[test]
    fn a_second_demo_on_one_data_dir_is_refused_in_one_sentence() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("demo");
        // First run: a new directory is created and used.
        let claimed = claim_data_dir(&dir).unwrap();
        write_files(&claimed, &endpoints(), &creds(), Wiring::default()).unwrap();
        // Second run on the same directory.
        let refused = claim_data_dir(&dir).unwrap_err().to_string();
        assert_eq!(
            refused,
            format!(
                "{} holds an earlier demo run whose simulated shops are gone; remove it or pick another --data-dir.",
                claimed.display()
            )
        );
        // Its database alone (the config removed) is enough to tell.
        std::fs::remove_file(config_path(&claimed)).unwrap();
        std::fs::write(claimed.join(DATABASE_FILE), b"").unwrap();
        assert!(
            claim_data_dir(&dir)
                .unwrap_err()
                .to_string()
                .contains("earlier demo run")
        );
    }

    #[test]
    fn the_demo_uses_only_an_empty_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        assert!(claim_data_dir(dir.path()).is_ok(), "an empty directory");
        std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        let refused = claim_data_dir(dir.path()).unwrap_err().to_string();
        assert!(refused.ends_with("is not empty; the demo writes its own config, secrets and database, so give --data-dir a new or empty directory."), "{refused}");
        assert_eq!(
            std::fs::read(dir.path().join("notes.txt")).unwrap(),
            b"mine"
        );
    }

    #[test]
    fn metrics_are_configured_when_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let endpoints = Endpoints {
            metrics_listen: Some("127.0.0.1:9464".parse().unwrap()),
            ..endpoints()
        };
        let config_file = write_files(dir.path(), &endpoints, &creds(), Wiring::default()).unwrap();
        let text = std::fs::read_to_string(&config_file).unwrap();
        let config = Config::from_toml(&text, &config_file).unwrap();
        assert_eq!(
            config.daemon.metrics_listen,
            Some("127.0.0.1:9464".parse().unwrap())
        );
        let without = write_files(dir.path(), &self::endpoints(), &creds(), Wiring::default());
        let text = std::fs::read_to_string(without.unwrap()).unwrap();
        assert!(!text.contains("metrics_listen"), "{text}");
    }

    #[test]
    fn files_parse_as_the_daemon_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let config_file =
            write_files(dir.path(), &endpoints(), &creds(), Wiring::default()).unwrap();
        let text = std::fs::read_to_string(&config_file).unwrap();
        let config = Config::from_toml(&text, &config_file).unwrap();
        assert_eq!(config.tiktok_app.app_key, "app\"key");
        assert_eq!(config.tiktok_app.api_base, "http://127.0.0.1:4001");
        assert_eq!(config.sync.review_poll_secs, 1);
        assert_eq!(
            config.daemon.socket.as_deref(),
            Some(socket_path(dir.path()).as_path())
        );
        let org = &config.organizations[0];
        assert_eq!(org.name, ORGANIZATION);
        assert_eq!(
            org.store.as_ref().unwrap().api_base.as_deref(),
            Some("http://127.0.0.1:4002")
        );
        assert_eq!(org.tiktok_shops[0].shop_id, "7494");

        let secrets_file = secrets_path(dir.path());
        let mode = std::fs::metadata(&secrets_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let secrets = Secrets::from_toml(
            &std::fs::read_to_string(&secrets_file).unwrap(),
            &secrets_file,
        )
        .unwrap();
        secrets.check_against(&config, &secrets_file).unwrap();
        assert_eq!(secrets.tiktok[SHOP].refresh_token.expose(), "TTP_refresh");
        assert!(matches!(
            secrets.store(StorePlatform::Shopify, ORGANIZATION),
            Some(StoreSecrets::Shopify(keys)) if keys.webhook_secret.expose() == "whsec"
        ));
    }
}
