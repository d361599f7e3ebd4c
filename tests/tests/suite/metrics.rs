//! The daemon's metrics and health check, scraped over loopback as Prometheus and a load
//! balancer would while real work goes through it.

use feedbridge_common::OrderSyncState;
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::NewTikTokOrder;
use feedbridge_tests::{Daemon, Rig, wait_for, write_daemon_files};
use std::time::{Duration, Instant};

/// The value of one series (its name and labels exactly as rendered); 0 when absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn with_metrics(config: &str, address: &str) -> String {
    config.replacen(
        "[daemon]\n",
        &format!("[daemon]\nmetrics_listen = \"{address}\"\n"),
        1,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_move_as_an_order_goes_through_and_health_is_ok() -> anyhow::Result<()> {
    let port = free_port()?;
    let sandbox = SandboxConfig {
        products: 1,
        variants_per_product: Some(1),
        ..SandboxConfig::default()
    };
    let rig = Rig::start(sandbox, |config| {
        with_metrics(&config, &format!("127.0.0.1:{port}"))
    })
    .await?;
    let base = format!("http://127.0.0.1:{port}");
    let scrape = || async { reqwest::get(format!("{base}/metrics")).await?.text().await };
    let skus = rig.link_all(50).await?;

    let before = scrape().await?;
    let order = rig
        .control
        .tiktok_create_order(&NewTikTokOrder::single(&skus[0], 1))
        .await?;
    rig.wait_state(&order, OrderSyncState::InStore).await?;
    let after = scrape().await?;

    let grew = |series: &str| {
        let (was, is) = (sample(&before, series), sample(&after, series));
        assert!(is > was, "{series}: {was} then {is}\n{after}");
    };
    grew(r#"feedbridge_orders{state="in_store"}"#);
    grew(r#"feedbridge_jobs{kind="order_sync",state="done"}"#);
    grew(r#"feedbridge_platform_calls_total{platform="tiktok"}"#);
    grew(r#"feedbridge_platform_calls_total{platform="shopify"}"#);
    grew(r#"feedbridge_webhook_receipts_total{source="tiktok"}"#);
    let polled = |text: &str, connection: &str, platform: &str| {
        sample(
            text,
            &format!(
                r#"feedbridge_last_successful_poll_timestamp_seconds{{connection="{connection}",platform="{platform}"}}"#
            ),
        ) > 1.6e9
    };
    assert!(polled(&after, "demo-store", "shopify"), "{after}");
    // The TikTok order poll runs every 2 s once the shop is connected.
    wait_for("a TikTok order poll", Duration::from_secs(10), || async {
        let text = scrape().await?;
        Ok(polled(&text, "demo-us", "tiktok").then_some(()))
    })
    .await?;
    assert_eq!(sample(&after, "feedbridge_storage_degraded"), 0.0);
    // Secrets and shop ids never become labels.
    let credentials = rig.sandbox.credentials();
    for secret in [
        &credentials.tiktok_access_token,
        &credentials.tiktok_shop_id,
        &credentials.shopify_access_token,
    ] {
        assert!(!after.contains(secret.as_str()), "{after}");
    }

    let health = reqwest::get(format!("{base}/healthz")).await?;
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    assert_eq!(health.text().await?, "ok\n");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_on_a_public_address_stop_the_start() -> anyhow::Result<()> {
    let sandbox = feedbridge_tests::start_sandbox(1).await?;
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    let text = std::fs::read_to_string(&config)?;
    std::fs::write(&config, with_metrics(&text, "0.0.0.0:9464"))?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = daemon.child.try_wait()? {
            break status;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "feedbridged kept running with metrics on 0.0.0.0: {}",
            daemon.stderr()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let stderr = daemon.stderr();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("daemon.metrics_listen = \"0.0.0.0:9464\" is not a loopback address"),
        "{stderr}"
    );
    Ok(())
}
