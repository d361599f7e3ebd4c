//! The chaos driver at tiny scale, so it cannot rot: a dozen orders, stock changes, one listing
//! and Amazon MCF on Shopify through two SIGKILLs and scripted faults (no 30 s timeouts); nothing
//! lost, nothing done twice. `feedbridge-bench chaos` runs it at scale on both store platforms.

use feedbridge_sandbox::merchant::SimStore;
use feedbridge_tests::bench::chaos::{ChaosOptions, run_store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_chaos_run_loses_nothing_and_duplicates_nothing() -> anyhow::Result<()> {
    let options = ChaosOptions {
        stores: vec![SimStore::Shopify],
        orders: 12,
        kills: 2,
        secs: 8,
        settle_secs: 90,
        stock_changes: 10,
        listings: 1,
        fault_ms: 600,
        quick: true,
        seed: 11,
    };
    let report = run_store(SimStore::Shopify, &options).await?;
    eprintln!("{}", serde_json::to_string(&report)?);
    assert_eq!(report.tiktok_orders_placed, 12);
    assert_eq!(report.kills, 2);
    assert!(report.faults > 0, "faults were scripted");
    assert_eq!(report.lost.total(), 0, "lost: {:?}", report.lost);
    assert_eq!(
        report.duplicated.total(),
        0,
        "duplicated: {:?}",
        report.duplicated
    );
    assert!(report.settled);
    Ok(())
}
