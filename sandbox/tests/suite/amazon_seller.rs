//! The seller's catalog on the Amazon SP-API simulator over real HTTP: Listings Items
//! (search paging, filters, includedData), Catalog Items (families, images, bullets,
//! dimensions), the merchant listings report, FBA delta tokens, and strictness (marketplace,
//! seller, token, rate limits, error shape).
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::amazon::Sp;
use crate::common::sandbox;
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::AmazonSeller;
use serde_json::Value;

const US: &str = "ATVPDKIKX0DER";

fn config() -> SandboxConfig {
    SandboxConfig {
        products: 4,
        variants_per_product: Some(2),
        fba_products: 2,
        ..SandboxConfig::default()
    }
}

fn listings(seller: &str) -> String {
    format!("/listings/2021-08-01/items/{seller}")
}

fn error_code(v: &Value) -> &str {
    v["errors"][0]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn search_pages_every_listing_once_with_the_data_asked_for() {
    let sb = sandbox(config()).await;
    let sp = Sp::new(&sb).await;
    let seller: AmazonSeller = sb.credentials().store("amazon");
    let base = format!(
        "{}?marketplaceIds={US}&includedData=summaries,offers,fulfillmentAvailability,relationships&pageSize=5",
        listings(&seller.seller_id)
    );
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let path = match &token {
            Some(t) => format!("{base}&pageToken={t}"),
            None => base.clone(),
        };
        let (status, page) = sp.call("GET", &path, None).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(
            page["numberOfResults"], 12,
            "4 families: 4 parents, 8 children"
        );
        for item in page["items"].as_array().unwrap() {
            assert!(item["summaries"][0]["asin"].is_string(), "{item}");
            assert!(item["attributes"].is_null(), "not asked for: {item}");
            seen.push(item["sku"].as_str().unwrap().to_string());
        }
        token = page["pagination"]["nextToken"].as_str().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (12, 12));

    // A token with another query is refused; bad values name themselves.
    let (status, v) = sp
        .call(
            "GET",
            &format!(
                "{}?marketplaceIds={US}&pageSize=5",
                listings(&seller.seller_id)
            ),
            None,
        )
        .await;
    let next = v["pagination"]["nextToken"].as_str().unwrap().to_string();
    let (status2, v2) = sp
        .call(
            "GET",
            &format!(
                "{}?marketplaceIds={US}&pageSize=5&sortBy=sku&pageToken={next}",
                listings(&seller.seller_id)
            ),
            None,
        )
        .await;
    assert_eq!(
        (status, status2, error_code(&v2)),
        (200, 400, "InvalidInput"),
        "{v2}"
    );
    // searchListingsItems' burst (5) is spent: the other refusals are checked on
    // getListingsItem, which shares the validation.
}

#[tokio::test]
async fn families_carry_parents_children_fba_and_merchant_quantities() {
    let sb = sandbox(config()).await;
    let sp = Sp::new(&sb).await;
    let seller: AmazonSeller = sb.credentials().store("amazon");
    let all = sp.ctl.amazon_listings().await.unwrap();
    let fba = all.iter().find(|l| l.fba).unwrap();
    let fbm = all
        .iter()
        .find(|l| !l.fba && l.parent_sku.is_some())
        .unwrap();

    let data = "summaries,attributes,offers,fulfillmentAvailability,relationships";
    let (status, item) = sp
        .call(
            "GET",
            &format!(
                "{}/{}?marketplaceIds={US}&includedData={data}",
                listings(&seller.seller_id),
                fba.sku
            ),
            None,
        )
        .await;
    assert_eq!(status, 200, "{item}");
    assert_eq!(
        item["fulfillmentAvailability"][0]["fulfillmentChannelCode"],
        "AMAZON_NA"
    );
    assert_eq!(item["fulfillmentAvailability"][0]["quantity"], fba.quantity);
    assert_eq!(item["offers"][0]["price"]["currencyCode"], "USD");
    let parent_sku = fba.parent_sku.clone().unwrap();
    assert_eq!(
        item["relationships"][0]["relationships"][0]["parentSkus"][0],
        parent_sku.as_str()
    );
    let (_, item) = sp
        .call(
            "GET",
            &format!(
                "{}/{}?marketplaceIds={US}&includedData={data}",
                listings(&seller.seller_id),
                fbm.sku
            ),
            None,
        )
        .await;
    assert_eq!(
        item["fulfillmentAvailability"][0]["fulfillmentChannelCode"],
        "DEFAULT"
    );
    assert_eq!(item["fulfillmentAvailability"][0]["quantity"], fbm.quantity);
    let one = |query: &str| format!("{}/{}?{query}", listings(&seller.seller_id), fbm.sku);
    let refusals = [
        (
            format!(
                "{}/NO-SUCH-SKU?marketplaceIds={US}",
                listings(&seller.seller_id)
            ),
            (404, "NotFound"),
        ),
        (
            one(&format!("marketplaceIds={US}&includedData=prices")),
            (400, "InvalidInput"),
        ),
        (one(""), (400, "InvalidInput")),
        (one("marketplaceIds=A1VC38T7YXB528"), (400, "InvalidInput")),
        (
            format!(
                "{}/{}?marketplaceIds={US}",
                listings("A0THERSELLER99"),
                fbm.sku
            ),
            (403, "Unauthorized"),
        ),
    ];
    for (path, want) in refusals {
        let (status, v) = sp.call("GET", &path, None).await;
        assert_eq!((status, error_code(&v)), want, "{path}: {v}");
    }

    // The parent's catalog item: a variation parent naming its children, images, bullets.
    let parent = all.iter().find(|l| l.sku == parent_sku).unwrap();
    let (status, cat) = sp
        .call(
            "GET",
            &format!("/catalog/2022-04-01/items/{}?marketplaceIds={US}&includedData=summaries,attributes,images,relationships,dimensions", parent.asin),
            None,
        )
        .await;
    assert_eq!(status, 200, "{cat}");
    assert_eq!(
        cat["summaries"][0]["itemClassification"],
        "VARIATION_PARENT"
    );
    assert!(cat["summaries"][0]["brand"].is_string());
    assert_eq!(cat["images"][0]["images"][0]["variant"], "MAIN");
    assert!(
        !cat["attributes"]["bullet_point"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let children = cat["relationships"][0]["relationships"][0]["childAsins"]
        .as_array()
        .unwrap();
    assert_eq!(children.len(), 2);
    let (_, child) = sp
        .call("GET", &format!("/catalog/2022-04-01/items/{}?marketplaceIds={US}&includedData=relationships,dimensions", fba.asin), None)
        .await;
    assert_eq!(
        child["relationships"][0]["relationships"][0]["parentAsins"][0],
        parent.asin.as_str()
    );
    // Burst 2 at 2 per second: the third call at once is throttled.
    let mut codes = Vec::new();
    for _ in 0..4 {
        let (status, _) = sp
            .call(
                "GET",
                &format!("/catalog/2022-04-01/items/{}?marketplaceIds={US}", fba.asin),
                None,
            )
            .await;
        codes.push(status);
    }
    assert!(codes.contains(&429), "{codes:?}");
}

#[tokio::test]
async fn the_merchant_listings_report_is_built_then_downloaded_without_a_token() {
    let sb = sandbox(config()).await;
    let sp = Sp::new(&sb).await;
    let body =
        serde_json::json!({"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US]});
    let (status, created) = sp
        .call("POST", "/reports/2021-06-30/reports", Some(body))
        .await;
    assert_eq!(status, 202, "{created}");
    let id = created["reportId"].as_str().unwrap().to_string();
    let mut statuses = Vec::new();
    let mut document = None;
    for _ in 0..5 {
        let (_, report) = sp
            .call("GET", &format!("/reports/2021-06-30/reports/{id}"), None)
            .await;
        statuses.push(report["processingStatus"].as_str().unwrap().to_string());
        if let Some(doc) = report["reportDocumentId"].as_str() {
            document = Some(doc.to_string());
            break;
        }
    }
    assert_eq!(statuses, ["IN_QUEUE", "IN_PROGRESS", "DONE"]);
    let (status, doc) = sp
        .call(
            "GET",
            &format!("/reports/2021-06-30/documents/{}", document.unwrap()),
            None,
        )
        .await;
    assert_eq!(status, 200, "{doc}");
    let text = reqwest::get(doc["url"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert!(header.contains(&"seller-sku") && header.contains(&"fulfillment-channel"));
    assert_eq!(lines.count(), 8, "one row per offer, no parents");
    let unsigned = reqwest::get(doc["url"].as_str().unwrap().split('?').next().unwrap())
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 403);
    let other = serde_json::json!({"reportType": "GET_FLAT_FILE_OPEN_LISTINGS_DATA", "marketplaceIds": [US]});
    let (status, v) = sp
        .call("POST", "/reports/2021-06-30/reports", Some(other))
        .await;
    assert_eq!((status, error_code(&v)), (400, "InvalidInput"), "{v}");
}

#[tokio::test]
async fn an_fba_delta_token_needs_its_start_date_time() {
    let sb = sandbox(SandboxConfig {
        products: 30,
        variants_per_product: Some(2),
        fba_products: 30,
        ..SandboxConfig::default()
    })
    .await;
    let sp = Sp::new(&sb).await;
    let base = format!(
        "/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId={US}&marketplaceIds={US}"
    );
    let stock = sp.ctl.amazon_fba_stock().await.unwrap();
    let since = stock[0]["lastUpdatedTime"].as_str().unwrap().to_string();
    let (_, first) = sp
        .call("GET", &format!("{base}&startDateTime={since}"), None)
        .await;
    let next = first["pagination"]["nextToken"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, v) = sp
        .call("GET", &format!("{base}&nextToken={next}"), None)
        .await;
    assert_eq!((status, error_code(&v)), (400, "InvalidInput"), "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("startDateTime"),
        "{v}"
    );
    // (The daemon's change read passes it with every page: connector_amazon_store.)
}
