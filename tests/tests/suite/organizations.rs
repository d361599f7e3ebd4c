//! One daemon serving several organizations, each with its own store connection and catalog.

use feedbridge_common::{ConnectionState, ProductFilter};
use feedbridge_tests::{Daemon, start_sandbox, wait_for, write_daemon_files};
use std::time::Duration;
use tarpc::context;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_daemon_serves_two_organizations() -> anyhow::Result<()> {
    let sandbox = start_sandbox(2).await?;
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    // A second organization: its own store connection (here the same simulated store under
    // another name) and no TikTok shop yet.
    let creds = sandbox.credentials();
    let mut text = std::fs::read_to_string(&config)?;
    text.push_str(&format!(
        "\n[[organization]]\nname = \"outlet\"\n\n[organization.store]\nplatform = \"shopify\"\nshop_domain = \"{}\"\napi_base = \"{}\"\n",
        creds.shopify_shop_domain,
        sandbox.shopify_url()
    ));
    std::fs::write(&config, text)?;
    let secrets = dir.path().join("secrets.toml");
    let mut secret_text = std::fs::read_to_string(&secrets)?;
    secret_text.push_str(&format!(
        "\n[shopify.outlet]\naccess_token = \"{}\"\nwebhook_secret = \"{}\"\n",
        creds.shopify_access_token, creds.shopify_webhook_secret
    ));
    std::fs::write(&secrets, secret_text)?;

    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    let status = wait_for(
        "both organizations connected",
        Duration::from_secs(60),
        || async {
            let status = console.status(context::current()).await?;
            let connected = status.organizations.len() == 2
                && status
                    .organizations
                    .iter()
                    .all(|o| o.store.state == ConnectionState::Connected);
            Ok(connected.then_some(status))
        },
    )
    .await?;
    let names: Vec<&str> = status
        .organizations
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(names, ["demo", "outlet"]);
    assert!(status.organizations[1].shops.is_empty());

    // Each organization's catalog is its own: listings exist only where a TikTok shop does.
    let products = wait_for("the demo catalog", Duration::from_secs(60), || async {
        let products = console
            .products(context::current(), ProductFilter::default())
            .await?;
        Ok((products.len() >= 2).then_some(products))
    })
    .await?;
    assert!(
        products.iter().all(|p| p.organization == "demo"),
        "{products:?}"
    );

    assert!(daemon.terminate()?.success());
    sandbox.shutdown().await;
    Ok(())
}
