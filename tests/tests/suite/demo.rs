//! `feedbridge demo --headless` as a newcomer runs it, on each store platform and with Amazon
//! fulfilment: it must end with every order it placed shipped and its tracking on TikTok.

use feedbridge_tests::daemon_binary;
use std::process::Command;

/// Runs the headless demo with `args`; returns its summary line (the last line of stdout).
fn demo(args: &[&str]) -> anyhow::Result<serde_json::Value> {
    let daemon = daemon_binary();
    let console = daemon.with_file_name("feedbridge");
    let output = Command::new(&console)
        .args(["demo", "--headless", "--duration", "90", "--daemon-bin"])
        .arg(&daemon)
        .args(args)
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "feedbridge demo {args:?} exited with {}:\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default();
    Ok(serde_json::from_str(last)?)
}

/// On WooCommerce the merchant refunds one order in full instead of shipping it: that TikTok
/// order is cancelled, the others ship.
#[test]
fn the_demo_runs_on_woocommerce_with_one_refund() -> anyhow::Result<()> {
    let summary = demo(&["--store", "woocommerce"])?;
    assert_eq!(summary["orders_failed"], 0, "{summary}");
    // A second shop in another market and currency lists the same catalog.
    let per_shop = &summary["listed_per_shop"];
    assert_eq!(per_shop["demo-gb"], per_shop["demo-us"], "{summary}");
    assert!(per_shop["demo-gb"].as_u64() > Some(0), "{summary}");
    let created = summary["orders_created_in_store"].as_u64().unwrap_or(0);
    let pushed = summary["tracking_pushed"].as_u64().unwrap_or(0);
    assert_eq!(created, pushed + 1, "{summary}");
    Ok(())
}

/// On Magento the merchant refunds one order with a credit memo instead of shipping it: that
/// TikTok order is cancelled (the demo exits 0 only then), the others ship.
#[test]
fn the_demo_runs_on_magento_with_one_refund() -> anyhow::Result<()> {
    let summary = demo(&["--store", "magento"])?;
    assert_eq!(summary["orders_failed"], 0, "{summary}");
    let created = summary["orders_created_in_store"].as_u64().unwrap_or(0);
    let pushed = summary["tracking_pushed"].as_u64().unwrap_or(0);
    assert_eq!(created, pushed + 1, "{summary}");
    Ok(())
}

/// On PrestaShop too the merchant refunds one order (the "Refunded" state) instead of shipping
/// it: that TikTok order is cancelled, the others ship with their tracking.
#[test]
fn the_demo_runs_on_prestashop_with_one_refund() -> anyhow::Result<()> {
    let summary = demo(&["--store", "prestashop"])?;
    assert_eq!(summary["orders_failed"], 0, "{summary}");
    let created = summary["orders_created_in_store"].as_u64().unwrap_or(0);
    let pushed = summary["tracking_pushed"].as_u64().unwrap_or(0);
    assert_eq!(created, pushed + 1, "{summary}");
    Ok(())
}

/// On Wix the merchant refunds one order in the dashboard (FULLY_REFUNDED) instead of
/// shipping it: that TikTok order is cancelled, the others ship.
#[test]
fn the_demo_runs_on_wix_with_one_refund() -> anyhow::Result<()> {
    let summary = demo(&["--store", "wix"])?;
    assert_eq!(summary["orders_failed"], 0, "{summary}");
    let created = summary["orders_created_in_store"].as_u64().unwrap_or(0);
    let pushed = summary["tracking_pushed"].as_u64().unwrap_or(0);
    assert_eq!(created, pushed + 1, "{summary}");
    Ok(())
}

#[test]
fn the_demo_runs_on_sfcc() -> anyhow::Result<()> {
    let summary = demo(&["--store", "sfcc"])?;
    assert_eq!(summary["orders_failed"], 0, "{summary}");
    assert_eq!(
        summary["orders_created_in_store"], summary["tracking_pushed"],
        "{summary}"
    );
    Ok(())
}

#[test]
fn the_demo_runs_with_amazon_fulfilment() -> anyhow::Result<()> {
    let summary = demo(&["--store", "woocommerce", "--fulfilment", "amazon"])?;
    assert_eq!(summary["orders_failed"], 0, "{summary}");
    assert_eq!(summary["orders_created_in_store"], 0, "{summary}");
    assert_eq!(
        summary["orders_sent_to_amazon"], summary["tracking_pushed"],
        "{summary}"
    );
    Ok(())
}

/// A second demo on the first one's `--data-dir` is refused in one sentence, before it starts
/// anything: the first run's simulated shops are gone, so its database cannot be resumed.
#[test]
fn a_second_demo_on_the_same_data_dir_is_refused() -> anyhow::Result<()> {
    let daemon = daemon_binary();
    let console = daemon.with_file_name("feedbridge");
    let parent = tempfile::tempdir()?;
    let data_dir = parent.path().join("demo");
    let run = || {
        Command::new(&console)
            .args(["demo", "--headless", "--duration", "1", "--daemon-bin"])
            .arg(&daemon)
            .arg("--data-dir")
            .arg(&data_dir)
            .output()
    };
    let first = run()?;
    let first_err = String::from_utf8_lossy(&first.stderr);
    assert!(
        first_err.contains("Metrics while the demo runs: curl http://127.0.0.1:"),
        "{first_err}"
    );
    assert!(data_dir.join("feedbridge.sqlite").exists(), "{first_err}");
    let second = run()?;
    assert!(!second.status.success());
    let refusal = String::from_utf8_lossy(&second.stderr);
    let data_dir = std::fs::canonicalize(&data_dir)?;
    assert_eq!(
        refusal.trim_end(),
        format!(
            "feedbridge: {} holds an earlier demo run whose simulated shops are gone; remove it or pick another --data-dir.",
            data_dir.display()
        )
    );
    Ok(())
}

/// With Amazon Seller Central as the store, the catalog is listed, FBA orders go to Amazon
/// MCF and ship with tracking, and the order of the merchant-fulfilled product is blocked
/// for Seller Center, naming its SKU; nothing is created "in the store".
#[test]
fn the_demo_runs_on_amazon_with_the_fbm_order_blocked() -> anyhow::Result<()> {
    let summary = demo(&["--store", "amazon"])?;
    assert_eq!(summary["orders_failed"], 0, "{summary}");
    assert_eq!(summary["placed_blocked"], 1, "{summary}");
    assert_eq!(summary["orders_created_in_store"], 0, "{summary}");
    let sent = summary["orders_sent_to_amazon"].as_u64().unwrap_or(0);
    assert!(sent > 0, "{summary}");
    assert_eq!(summary["tracking_pushed"].as_u64(), Some(sent), "{summary}");
    Ok(())
}
