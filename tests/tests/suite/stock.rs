//! Price and stock, store -> TikTok, against the simulators: the shop's rules, bursts
//! coalesced, Seller Center edits overwritten by reconciliation, location mapping, and
//! webhook verification. Assertions are on the simulators' state and call logs.

use anyhow::Context;
use feedbridge_common::ProductFilter;
use feedbridge_common::catalog::{LocationWarehouse, PriceMarkup, ShopSettings, StockBuffer};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_tests::rig::with_sync;
use feedbridge_tests::{Rig, wait_for};
use serde_json::Value;
use std::time::Duration;
use tarpc::context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(60);

/// Sandbox (reviews approved at once) and daemon with a 1 s reconciliation.
async fn rig(products: usize) -> anyhow::Result<Rig> {
    Rig::start(
        SandboxConfig {
            products,
            auto_review: Some(Duration::from_millis(50)),
            ..SandboxConfig::default()
        },
        |config| with_sync(&config, "stock_reconcile_secs = 1"),
    )
    .await
}

/// What the stock tests read from the simulators through the rig.
trait StockChecks {
    /// Wait until TikTok shows `expected` for a SKU, as (warehouse, quantity) pairs or total.
    async fn wait_tiktok<T: PartialEq + std::fmt::Debug>(
        &self,
        what: &str,
        seller_sku: &str,
        expected: T,
        read: impl Fn(&Value) -> T,
    ) -> anyhow::Result<()>;
    async fn store_total(&self, sku: &str) -> anyhow::Result<i64>;
    async fn inventory_update_calls(&self) -> anyhow::Result<usize>;
}

impl StockChecks for Rig {
    async fn wait_tiktok<T: PartialEq + std::fmt::Debug>(
        &self,
        what: &str,
        seller_sku: &str,
        expected: T,
        read: impl Fn(&Value) -> T,
    ) -> anyhow::Result<()> {
        let last = std::sync::Mutex::new(None);
        wait_for(what, WAIT, || async {
            let products = self.control.tiktok_products().await?;
            let shown = tiktok_sku(&products, seller_sku).map(|s| read(&s));
            let done = shown.as_ref() == Some(&expected);
            *last
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(format!("{shown:?}"));
            Ok(done.then_some(()))
        })
        .await
        .map_err(|e| {
            self.with_log(anyhow::anyhow!(
                "{e}; expected {expected:?}, TikTok showed {:?}",
                last.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            ))
        })
    }

    async fn store_total(&self, sku: &str) -> anyhow::Result<i64> {
        let products = self.control.shopify_products().await?;
        products
            .iter()
            .flat_map(|p| p["variants"].as_array().cloned().unwrap_or_default())
            .find(|v| v["sku"] == sku)
            .and_then(|v| v["inventory_quantity"].as_i64())
            .context("store stock of the SKU")
    }

    async fn inventory_update_calls(&self) -> anyhow::Result<usize> {
        Ok(self
            .control
            .tiktok_calls()
            .await?
            .iter()
            .filter(|c| c.path.ends_with("/inventory/update"))
            .count())
    }
}

fn tiktok_sku(products: &[Value], seller_sku: &str) -> Option<Value> {
    products
        .iter()
        .flat_map(|p| p["skus"].as_array().cloned().unwrap_or_default())
        .find(|s| s["seller_sku"] == seller_sku)
}

fn total(sku: &Value) -> i64 {
    sku["inventory"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| r["quantity"].as_i64()).sum())
        .unwrap_or(-1)
}

fn price(sku: &Value) -> String {
    sku["price"]["sale_price"].as_str().unwrap_or("").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buffer_cap_markup_and_99_rounding_reach_tiktok_and_bursts_coalesce() -> anyhow::Result<()>
{
    let rig = rig(2).await?;
    let listings = rig.listings(2).await?;
    rig.settings(ShopSettings {
        inventory_buffer: StockBuffer::Units(2),
        max_quantity: Some(10),
        price_markup: PriceMarkup::Percent("10".parse()?),
        round_to_99: true,
        ..ShopSettings::default()
    })
    .await?;
    let sku = rig.list_active(listings[0].id).await?;

    // Buffer: store 7 (plus any other location) → TikTok shows total − 2.
    rig.control.shopify_set_inventory(&sku, 7).await?;
    let store = rig.store_total(&sku).await?;
    rig.wait_tiktok(
        "stock minus the buffer",
        &sku,
        (store - 2).clamp(0, 10),
        total,
    )
    .await?;
    // Cap: never more than 10.
    rig.control.shopify_set_inventory(&sku, 40).await?;
    rig.wait_tiktok("stock capped at 10", &sku, 10, total)
        .await?;
    // Markup 10% then up to .99: 20.00 → 22.00 → 22.99.
    rig.control.shopify_set_price(&sku, "20.00").await?;
    rig.wait_tiktok("marked-up price", &sku, "22.99".to_owned(), price)
        .await?;

    // Ten rapid changes to one SKU: far fewer TikTok calls, and the last value wins.
    let before = rig.inventory_update_calls().await?;
    // 12, 11, ..., 3: the last one is below the cap, so TikTok must change.
    for available in (3..=12).rev() {
        rig.control.shopify_set_inventory(&sku, available).await?;
    }
    let store = rig.store_total(&sku).await?;
    rig.wait_tiktok(
        "the last of ten changes",
        &sku,
        (store - 2).clamp(0, 10),
        total,
    )
    .await?;
    let calls = rig.inventory_update_calls().await? - before;
    assert!(
        (1..=4).contains(&calls),
        "10 stock changes made {calls} inventory calls"
    );
    let failures = rig.console.failures(context::current()).await?;
    assert!(failures.is_empty(), "{failures:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_edited_on_tiktok_is_overwritten_by_reconciliation() -> anyhow::Result<()> {
    let rig = rig(2).await?;
    let listings = rig.listings(2).await?;
    let sku = rig.list_active(listings[1].id).await?;
    rig.control.shopify_set_inventory(&sku, 12).await?;
    let store = rig.store_total(&sku).await?;
    rig.wait_tiktok("the store's stock", &sku, store, total)
        .await?;

    // A seller types 999 in Seller Center: no webhook, no API call tells feedbridge.
    rig.control.tiktok_set_stock(&sku, 999, None).await?;
    rig.wait_tiktok("the store's stock back on TikTok", &sku, store, total)
        .await?;
    let searches = rig
        .control
        .tiktok_calls()
        .await?
        .iter()
        .filter(|c| c.path.ends_with("/inventory/search"))
        .count();
    assert!(searches > 0, "reconciliation read TikTok's stock");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_mapped_store_locations_feed_the_warehouse() -> anyhow::Result<()> {
    let rig = rig(2).await?;
    let listings = rig.listings(2).await?;
    let sku = rig.list_active(listings[0].id).await?;
    let products = rig.control.tiktok_products().await?;
    let warehouse =
        tiktok_sku(&products, &sku).context("listed SKU")?["inventory"][0]["warehouse_id"]
            .as_str()
            .context("warehouse of the SKU")?
            .to_owned();
    let locations = rig.control.shopify_locations().await?;
    assert!(locations.len() >= 2, "{locations:?}");
    let (main, popup) = (&locations[0].id, &locations[1].id);
    rig.settings(ShopSettings {
        location_warehouses: vec![LocationWarehouse {
            store_location_id: main.clone(),
            warehouse_id: warehouse.clone(),
        }],
        ..ShopSettings::default()
    })
    .await?;

    rig.control.shopify_set_level(&sku, popup, 50).await?;
    rig.control.shopify_set_level(&sku, main, 9).await?;
    let only_main = |sku: &Value| -> Vec<(String, i64)> {
        sku["inventory"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| {
                (
                    r["warehouse_id"].as_str().unwrap_or("").to_owned(),
                    r["quantity"].as_i64().unwrap_or(-1),
                )
            })
            .collect()
    };
    rig.wait_tiktok(
        "only the main location's stock",
        &sku,
        vec![(warehouse.clone(), 9)],
        only_main,
    )
    .await?;
    // Once the daemon holds the pop-up's 50, a main change still shows main alone.
    wait_for("the daemon to know both locations", WAIT, || async {
        let products = rig
            .console
            .products(context::current(), ProductFilter::default())
            .await?;
        let known = products
            .iter()
            .flat_map(|p| p.skus.iter())
            .any(|s| s.seller_sku == sku && s.store_stock == 59);
        Ok(known.then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    rig.control.shopify_set_level(&sku, main, 4).await?;
    rig.wait_tiktok(
        "the new main stock alone",
        &sku,
        vec![(warehouse, 4)],
        only_main,
    )
    .await?;
    Ok(())
}

/// POST raw bytes over HTTP/1.1 and return the status code.
async fn post(url: &str, headers: &[(&str, &str)], body: &str) -> anyhow::Result<u16> {
    let rest = url.strip_prefix("http://").context("http URL")?;
    let (host, path) = rest.split_once('/').context("URL with a path")?;
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    let mut request = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .context("HTTP status line")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_webhook_with_a_bad_hmac_is_refused_and_changes_nothing() -> anyhow::Result<()> {
    let rig = rig(2).await?;
    let listings = rig.listings(2).await?;
    let sku = &listings[0].skus[0];
    let org = &listings[0].organization;
    let log = rig.daemon.stderr();
    let base = log
        .lines()
        .find(|l| l.contains("Receiving webhooks."))
        .and_then(|l| l.split("http://").nth(1))
        .map(|rest| {
            let address: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':'))
                .collect();
            format!("http://{address}")
        })
        .context("webhook address in the daemon log")?;
    let item = rig
        .control
        .shopify_products()
        .await?
        .iter()
        .flat_map(|p| p["variants"].as_array().cloned().unwrap_or_default())
        .find(|v| v["sku"] == sku.seller_sku.as_str())
        .and_then(|v| v["inventory_item_id"].as_i64())
        .context("inventory item of the SKU")?;
    let body = format!(r#"{{"inventory_item_id":{item},"location_id":1,"available":0}}"#);
    let status = post(
        &format!("{base}/webhooks/shopify/{org}"),
        &[
            ("X-Shopify-Topic", "inventory_levels/update"),
            ("X-Shopify-Hmac-Sha256", "bm90IHRoZSByaWdodCBobWFj"),
            ("X-Shopify-Webhook-Id", "forged-1"),
        ],
        &body,
    )
    .await?;
    assert_eq!(status, 401);
    // Nothing was recorded: the store stock the daemon holds is unchanged.
    let after = rig
        .console
        .products(context::current(), ProductFilter::default())
        .await?;
    let still = after
        .iter()
        .flat_map(|p| p.skus.iter())
        .find(|s| s.seller_sku == sku.seller_sku)
        .context("SKU still listed")?;
    assert_eq!(still.store_stock, sku.store_stock);
    Ok(())
}
