//! The TikTok shop that is a store (`SimStore::Tiktok`): its own host and app, as strict as any
//! shop (a request signed with another app's secret or carrying another shop's token is
//! refused), a live seeded catalog whose images it serves, and Seller Center's price and stock
//! changes through its control routes.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common::{now, sandbox, tiktok_sign, with_query};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{ControlClient, TikTokSourceCredentials};
use feedbridge_sandbox::merchant::SimStore;
use serde_json::Value;

const SHOPS: &str = "/authorization/202309/shops";

async fn shops(base: &str, app_key: &str, secret: &str, token: &str) -> (u16, Value) {
    let mut query = vec![
        ("app_key".to_string(), app_key.to_owned()),
        ("timestamp".to_string(), now().to_string()),
    ];
    let sign = tiktok_sign(secret, SHOPS, &query, "");
    query.push(("sign".to_string(), sign));
    let response = reqwest::Client::new()
        .get(with_query(&format!("{base}{SHOPS}"), &query))
        .header("x-tts-access-token", token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn the_source_shop_is_its_own_strict_tiktok_host() {
    let sb = sandbox(SandboxConfig::default()).await;
    let creds = sb.credentials();
    let source: TikTokSourceCredentials = creds.store("tiktok_shop");
    let base = sb.store_url(SimStore::Tiktok);

    let (status, body) = shops(
        &base,
        &source.app_key,
        &source.app_secret,
        &source.access_token,
    )
    .await;
    assert_eq!((status, body["code"].as_i64()), (200, Some(0)), "{body}");
    let shop = &body["data"]["shops"][0];
    assert_eq!(shop["id"], source.shop_id.as_str());
    assert_eq!(shop["region"], "US");

    // Signed with the target shops' app secret: refused as a bad signature.
    let (status, body) = shops(
        &base,
        &source.app_key,
        &creds.tiktok_app_secret,
        &source.access_token,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_i64()),
        (401, Some(106_001)),
        "{body}"
    );
    // A target shop's token is not this shop's.
    let (status, body) = shops(
        &base,
        &source.app_key,
        &source.app_secret,
        &creds.tiktok_access_token,
    )
    .await;
    assert_ne!(body["code"].as_i64(), Some(0), "{status} {body}");
}

#[tokio::test]
async fn the_seller_changes_prices_and_stock_in_seller_center() {
    let sb = sandbox(SandboxConfig {
        products: 2,
        ..SandboxConfig::default()
    })
    .await;
    let control = ControlClient::for_sandbox(&sb);
    let products = control.tiktok_source_products().await.unwrap();
    assert_eq!(products.len(), 2);
    assert!(products.iter().all(|p| p["status"] == "ACTIVATE"));
    let url = products[0]["main_images"][0]["urls"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let image = reqwest::get(&url).await.unwrap();
    assert_eq!(image.status(), 200);
    let sku = products[0]["skus"][0]["seller_sku"]
        .as_str()
        .unwrap()
        .to_owned();

    SimStore::Tiktok
        .set_price(&control, &sku, "9.50")
        .await
        .unwrap();
    SimStore::Tiktok.set_stock(&control, &sku, 4).await.unwrap();
    assert_eq!(SimStore::Tiktok.stock(&control, &sku).await.unwrap(), 4);
    let again = control.tiktok_source_products().await.unwrap();
    let read = again
        .iter()
        .flat_map(|p| p["skus"].as_array().cloned().unwrap_or_default())
        .find(|s| s["seller_sku"] == sku.as_str())
        .unwrap();
    assert_eq!(read["price"]["sale_price"], "9.50");
    assert!(control.tiktok_source_set_price(&sku, "-1").await.is_err());
    assert!(
        SimStore::Tiktok
            .ship(&control, "1", "UPS", "1Z")
            .await
            .is_err()
    );
}
