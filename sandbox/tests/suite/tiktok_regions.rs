//! TikTok shops in other markets: currency, category tree version, package units, EU
//! compliance data, whole-yen prices, carriers and addresses follow the shop's region.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use common::{TikTok, sandbox};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder, SellerSku};
use serde_json::{Value, json};

async fn shop_in(region: &str) -> (feedbridge_sandbox::RunningSandbox, TikTok) {
    let sb = sandbox(SandboxConfig {
        tiktok_region: region.into(),
        ..SandboxConfig::default()
    })
    .await;
    let tt = TikTok::new(&sb);
    (sb, tt)
}

/// The US test body moved to `region`'s tree, units and currency.
async fn body_for(tt: &TikTok, sku: &str, currency: &str, amount: &str) -> Value {
    let mut body = tt.product_body(&[sku]).await;
    body["category_version"] = json!("v1");
    body["package_weight"] = json!({"value": "0.5", "unit": "KILOGRAM"});
    body["package_dimensions"] =
        json!({"length": "20", "width": "15", "height": "5", "unit": "CENTIMETER"});
    body["skus"][0]["price"] = json!({"amount": amount, "currency": currency});
    body
}

async fn shop_region(tt: &TikTok) -> String {
    let (_, v) = tt
        .send(tt.req("GET", "/authorization/202309/shops", &[], None, false))
        .await;
    v["data"]["shops"][0]["region"].as_str().unwrap().to_owned()
}

async fn provider_names(tt: &TikTok, option: &str) -> Vec<String> {
    let data = tt
        .ok(
            "GET",
            &format!("/logistics/202309/delivery_options/{option}/shipping_providers"),
            &[],
            None,
        )
        .await;
    data["shipping_providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_german_shop_sells_in_euros_in_metric_and_needs_eu_compliance_data() {
    let (_sb, tt) = shop_in("DE").await;
    assert_eq!(shop_region(&tt).await, "DE");

    // The v1 tree (the default when omitted); v2 is the US tree.
    tt.ok("GET", "/product/202309/categories", &[], None).await;
    let (_, v) = tt
        .call(
            "GET",
            "/product/202309/categories",
            &[("category_version", "v2")],
            None,
        )
        .await;
    assert_eq!(v["code"], 12052018, "{v}");
    let rules = tt
        .ok(
            "GET",
            "/product/202309/categories/601226/rules",
            &[("category_version", "v1")],
            None,
        )
        .await;
    assert_eq!(rules["responsible_person"]["is_required"], true);
    assert_eq!(rules["manufacturer"]["is_required"], true);

    let body = body_for(&tt, "TEE-DE", "EUR", "19.99").await;
    let (_, v) = tt
        .call("POST", "/product/202309/products", &[], Some(body.clone()))
        .await;
    assert_eq!(v["code"], 12052001, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("responsible_person_ids"),
        "{v}"
    );

    let (person, maker) = tt.eu_operators().await;
    let mut imperial = body.clone();
    imperial["responsible_person_ids"] = json!([person]);
    imperial["manufacturer_ids"] = json!([maker]);
    let complete = imperial.clone();
    imperial["package_weight"]["unit"] = json!("POUND");
    let (_, v) = tt
        .call("POST", "/product/202309/products", &[], Some(imperial))
        .await;
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("DE shops use KILOGRAM"),
        "{v}"
    );

    let mut usd = complete.clone();
    usd["skus"][0]["price"]["currency"] = json!("USD");
    let (_, v) = tt
        .call("POST", "/product/202309/products", &[], Some(usd))
        .await;
    assert_eq!(v["code"], 12052007, "{v}");

    let created = tt
        .ok("POST", "/product/202309/products", &[], Some(complete))
        .await;
    let id = created["product_id"].as_str().unwrap();
    let p = tt
        .ok("GET", &format!("/product/202309/products/{id}"), &[], None)
        .await;
    assert_eq!(p["skus"][0]["price"]["currency"], "EUR");
    assert_eq!(p["package_weight"]["unit"], "KILOGRAM");
}

#[tokio::test]
async fn us_units_pair_and_only_us_may_use_pounds() {
    let (_sb, tt) = shop_in("US").await;
    let mut body = tt.product_body(&["TEE-US"]).await;
    body["package_dimensions"] =
        json!({"length": "8", "width": "6", "height": "2", "unit": "CENTIMETER"});
    let (_, v) = tt
        .call("POST", "/product/202309/products", &[], Some(body.clone()))
        .await;
    assert!(
        v["message"].as_str().unwrap().contains("POUND with INCH"),
        "{v}"
    );
    body["package_dimensions"]["unit"] = json!("INCH");
    tt.ok("POST", "/product/202309/products", &[], Some(body))
        .await;
}

#[tokio::test]
async fn a_japanese_shop_prices_in_whole_yen_and_offers_japanese_carriers() {
    let (sb, tt) = shop_in("JP").await;
    let (_, v) = tt
        .call(
            "POST",
            "/product/202309/products",
            &[],
            Some(body_for(&tt, "TEE-JP", "JPY", "1500.50").await),
        )
        .await;
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("JPY has no minor unit"),
        "{v}"
    );
    tt.ok(
        "POST",
        "/product/202309/products",
        &[],
        Some(body_for(&tt, "TEE-JP", "JPY", "1500").await),
    )
    .await;

    let control = ControlClient::for_sandbox(&sb);
    control
        .tiktok_seller_create_product("Mug", &[SellerSku::new("MUG-JP")])
        .await
        .unwrap();
    let id = control
        .tiktok_create_order(&NewTikTokOrder::single("MUG-JP", 1))
        .await
        .unwrap();
    let data = tt
        .ok("GET", "/order/202309/orders", &[("ids", id.as_str())], None)
        .await;
    let order = &data["orders"][0];
    assert_eq!(order["recipient_address"]["region_code"], "JP");
    assert_eq!(order["payment"]["currency"], "JPY");
    let option = order["delivery_option_id"].as_str().unwrap();
    let names = provider_names(&tt, option).await;
    assert!(names.contains(&"Yamato Transport".to_owned()), "{names:?}");
    assert!(!names.contains(&"USPS".to_owned()), "{names:?}");

    let warehouses = tt
        .ok("GET", "/logistics/202309/warehouses", &[], None)
        .await;
    let address = &warehouses["warehouses"][0]["address"];
    assert_eq!(address["region_code"], "JP");
    assert!(
        address["phone_number"]
            .as_str()
            .unwrap()
            .starts_with("(+81)")
    );
}

#[tokio::test]
async fn the_control_api_moves_the_shop_and_refuses_unknown_regions() {
    let (sb, tt) = shop_in("US").await;
    let control = ControlClient::for_sandbox(&sb);
    assert_eq!(control.tiktok_set_region("sg").await.unwrap(), "SGD");
    assert_eq!(shop_region(&tt).await, "SG");
    assert!(control.tiktok_set_region("XX").await.is_err());
    assert!(
        feedbridge_sandbox::start(
            SandboxConfig {
                tiktok_region: "XX".into(),
                ..SandboxConfig::default()
            },
            "127.0.0.1".parse().unwrap(),
        )
        .await
        .is_err()
    );
}

/// A seller with a US and a GB shop of one app: one host serves both, each request reaches
/// the shop its cipher (or token) names, and one shop's token never opens the other.
#[tokio::test]
async fn two_shops_of_one_app_share_the_host_and_keep_their_data_apart() {
    let sb = sandbox(SandboxConfig {
        more_tiktok_shops: vec!["GB".into()],
        ..SandboxConfig::default()
    })
    .await;
    let us = TikTok::new(&sb);
    let gb_creds = sb.credentials().more_tiktok_shops[0].clone();
    let mut gb = TikTok::new(&sb);
    gb.creds
        .tiktok_shop_cipher
        .clone_from(&gb_creds.shop_cipher);
    gb.token.clone_from(&gb_creds.access_token);
    assert_eq!(shop_region(&us).await, "US");
    assert_eq!(shop_region(&gb).await, "GB");
    assert_ne!(gb_creds.shop_id, sb.credentials().tiktok_shop_id);

    let control = ControlClient::for_sandbox(&sb).with_tiktok(&gb_creds.url);
    control
        .tiktok_seller_create_product("Mug", &[SellerSku::new("MUG-GB")])
        .await
        .unwrap();
    let id = control
        .tiktok_create_order(&NewTikTokOrder::single("MUG-GB", 1))
        .await
        .unwrap();
    let data = gb
        .ok("GET", "/order/202309/orders", &[("ids", id.as_str())], None)
        .await;
    assert_eq!(data["orders"][0]["payment"]["currency"], "GBP");
    let (_, v) = us
        .call("GET", "/order/202309/orders", &[("ids", id.as_str())], None)
        .await;
    assert!(
        v["data"]["orders"].as_array().is_none_or(Vec::is_empty),
        "the US shop shows the GB order: {v}"
    );

    // The GB token with the US cipher: TikTok's "shop not authorized".
    let mut crossed = TikTok::new(&sb);
    crossed.token.clone_from(&gb_creds.access_token);
    let (status, v) = crossed
        .call("GET", "/logistics/202309/warehouses", &[], None)
        .await;
    assert_ne!((status, v["code"].as_i64()), (200, Some(0)), "{v}");
}
