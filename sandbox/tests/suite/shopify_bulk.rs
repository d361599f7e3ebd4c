//! Shopify bulk query operations: run → poll → COMPLETED → JSONL at an unauthenticated URL
//! with `__parentId` lines; one operation at a time before 2026-01, five from it; cancel;
//! failures; refused queries; `bulk_operations/finish`.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use common::{Shopify, receiver, sandbox, shopify_webhook_valid};
use feedbridge_sandbox::control::ControlClient;
use feedbridge_sandbox::{Fault, FaultKind, SHOPIFY_BULK_OPERATION_FAULT, SandboxConfig};
use serde_json::{Value, json};
use std::time::Duration;

const RUN: &str = "mutation Run($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}";

const POLL: &str = "query Poll($id: ID!) {
  node(id: $id) {
    ... on BulkOperation {
      id status errorCode objectCount rootObjectCount fileSize url partialDataUrl
      createdAt completedAt type query
    }
  }
}";

const CANCEL: &str = "mutation Cancel($id: ID!) {
  bulkOperationCancel(id: $id) {
    bulkOperation { id status }
    userErrors { field message }
  }
}";

/// The catalog read the daemon needs, in bulk form.
const PRODUCTS: &str = "{
  products {
    edges { node {
      id title descriptionHtml vendor productType status updatedAt
      options { name values }
      media { edges { node { ... on MediaImage { image { url } } } } }
      variants { edges { node {
        id sku price compareAtPrice inventoryQuantity
        selectedOptions { name value }
        inventoryItem { id tracked }
      } } }
    } }
  }
}";

/// Starts a bulk query; returns the payload (`bulkOperation`, `userErrors`).
async fn run(shop: &Shopify, query: &str) -> Value {
    shop.data(RUN, json!({"query": query})).await["bulkOperationRunQuery"].clone()
}

async fn poll(shop: &Shopify, id: &Value) -> Value {
    shop.data(POLL, json!({"id": id})).await["node"].clone()
}

/// Polls (bounded) until the operation's status is one of `wanted`.
async fn wait_status(shop: &Shopify, id: &Value, wanted: &[&str]) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let op = poll(shop, id).await;
        if wanted.iter().any(|w| op["status"] == *w) {
            return op;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still {op} after 20 s, wanted {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A bulk operation slow enough to be caught running (the seeded catalog is a few dozen
/// objects: at 2 objects/s it runs for many seconds unless canceled).
fn slow() -> SandboxConfig {
    SandboxConfig {
        shopify_bulk_objects_per_sec: 2.0,
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn a_bulk_query_completes_with_jsonl_lines_linked_by_parent_id() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let rx = receiver(0).await;
    shop.subscribe("BULK_OPERATIONS_FINISH", &rx.url).await;

    let started = run(&shop, PRODUCTS).await;
    assert_eq!(started["userErrors"], json!([]), "{started}");
    assert_eq!(started["bulkOperation"]["status"], "CREATED");
    let id = started["bulkOperation"]["id"].clone();
    assert!(
        id.as_str()
            .unwrap()
            .starts_with("gid://shopify/BulkOperation/")
    );

    let op = wait_status(&shop, &id, &["COMPLETED"]).await;
    assert_eq!(op["type"], "QUERY");
    assert_eq!(op["errorCode"], Value::Null);
    assert_eq!(op["partialDataUrl"], Value::Null);
    assert_eq!(op["query"], PRODUCTS);
    assert!(op["completedAt"].is_string());
    let current = shop
        .data(
            "{ currentBulkOperation { id status url } byType: currentBulkOperation(type: QUERY) { id } mutations: currentBulkOperation(type: MUTATION) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(current["currentBulkOperation"]["id"], id);
    assert_eq!(current["currentBulkOperation"]["url"], op["url"]);
    assert_eq!(current["byType"]["id"], id);
    assert_eq!(current["mutations"], Value::Null);
    let by_id = shop
        .data(
            "query($id: ID!) { bulkOperation(id: $id) { status } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(by_id["bulkOperation"]["status"], "COMPLETED");

    // The file: no token needed, one object per line, children after their parent.
    let url = op["url"].as_str().unwrap();
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert_eq!(op["fileSize"], body.len().to_string());
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(op["objectCount"], lines.len().to_string());
    let products: Vec<&Value> = lines
        .iter()
        .filter(|l| l.get("__parentId").is_none())
        .collect();
    assert_eq!(products.len(), 6);
    assert_eq!(op["rootObjectCount"], "6");

    let paged = shop
        .data(
            "{ products(first: 10) { nodes { id title variants(first: 10) { nodes { id sku price inventoryQuantity } } media(first: 10) { nodes { ... on MediaImage { image { url } } } } } } }",
            json!({}),
        )
        .await;
    let mut parent = None;
    let mut variants_seen = 0;
    for line in &lines {
        assert!(line.get("edges").is_none() && line.get("pageInfo").is_none());
        assert!(line.get("variants").is_none() && line.get("media").is_none());
        match line.get("__parentId") {
            None => parent = line["id"].as_str(),
            Some(p) => {
                assert_eq!(
                    p.as_str(),
                    parent,
                    "a child line follows its parent: {line}"
                );
                if line["id"]
                    .as_str()
                    .is_some_and(|v| v.contains("ProductVariant"))
                {
                    variants_seen += 1;
                    assert!(line["inventoryItem"]["id"].is_string(), "{line}");
                } else {
                    assert!(line["image"]["url"].is_string(), "{line}");
                }
            }
        }
    }
    // The same products, variants and images a paged read gives.
    for node in paged["products"]["nodes"].as_array().unwrap() {
        let line = products.iter().find(|p| p["id"] == node["id"]).unwrap();
        assert_eq!(line["title"], node["title"]);
        assert!(line["descriptionHtml"].is_string() && line["options"].is_array());
        for v in node["variants"]["nodes"].as_array().unwrap() {
            let child = lines.iter().find(|l| l["id"] == v["id"]).unwrap();
            assert_eq!(child["__parentId"], node["id"]);
            assert_eq!(child["sku"], v["sku"]);
            assert_eq!(child["price"], v["price"]);
            assert_eq!(child["inventoryQuantity"], v["inventoryQuantity"]);
        }
        let images = node["media"]["nodes"].as_array().unwrap();
        let image_lines = lines
            .iter()
            .filter(|l| l["__parentId"] == node["id"] && l.get("image").is_some())
            .count();
        assert_eq!(image_lines, images.len());
    }
    let variants_paged: usize = paged["products"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["variants"]["nodes"].as_array().unwrap().len())
        .sum();
    assert_eq!(variants_seen, variants_paged);

    let hit = rx
        .wait_for("bulk_operations/finish", |h| {
            h.header("x-shopify-topic") == "bulk_operations/finish"
        })
        .await;
    assert!(shopify_webhook_valid(&shop.creds, &hit));
    let finish = hit.json();
    assert_eq!(finish["admin_graphql_api_id"], id);
    assert_eq!(finish["status"], "completed");
    assert_eq!(finish["type"], "query");
    assert_eq!(finish["error_code"], Value::Null);

    let missing = reqwest::get(format!("{}/_bulk/nope.jsonl", shop.base))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn one_bulk_query_at_a_time_before_2026_01_five_from_it_and_cancel() {
    let sb = sandbox(slow()).await;
    let mut shop = Shopify::new(&sb);
    shop.version = "2025-10".into();
    let first = run(&shop, PRODUCTS).await;
    let first_id = first["bulkOperation"]["id"].clone();
    wait_status(&shop, &first_id, &["RUNNING"]).await;
    let second = run(&shop, PRODUCTS).await;
    assert_eq!(second["bulkOperation"], Value::Null);
    assert_eq!(
        second["userErrors"],
        json!([{
            "field": null,
            "code": "OPERATION_IN_PROGRESS",
            "message": format!("A bulk query operation for this app and shop is already in progress: {}.", first_id.as_str().unwrap()),
        }])
    );

    // 2026-01 and later: up to five at once.
    shop.version = "2026-07".into();
    let mut ids = vec![first_id.clone()];
    for _ in 0..4 {
        let more = run(&shop, PRODUCTS).await;
        assert_eq!(more["userErrors"], json!([]), "{more}");
        ids.push(more["bulkOperation"]["id"].clone());
    }
    let sixth = run(&shop, PRODUCTS).await;
    assert_eq!(sixth["userErrors"][0]["code"], "OPERATION_IN_PROGRESS");

    // Cancel: CANCELING, then CANCELED; a finished operation cannot be canceled.
    let canceled = shop.data(CANCEL, json!({"id": first_id})).await;
    assert_eq!(canceled["bulkOperationCancel"]["userErrors"], json!([]));
    assert_eq!(
        canceled["bulkOperationCancel"]["bulkOperation"]["status"],
        "CANCELING"
    );
    let op = wait_status(&shop, &first_id, &["CANCELED"]).await;
    assert_eq!(op["url"], Value::Null);
    let again = shop.data(CANCEL, json!({"id": first_id})).await;
    assert_eq!(
        again["bulkOperationCancel"]["userErrors"],
        json!([{"field": null, "message": "A bulk operation cannot be canceled when it is canceled"}])
    );
    let unknown = shop
        .data(CANCEL, json!({"id": "gid://shopify/BulkOperation/1"}))
        .await;
    assert_eq!(
        unknown["bulkOperationCancel"],
        json!({"bulkOperation": null, "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}]})
    );
    // With one canceled, there is room for one more.
    let room = run(&shop, PRODUCTS).await;
    assert_eq!(room["userErrors"], json!([]), "{room}");
    for id in ids.iter().skip(1) {
        shop.data(CANCEL, json!({"id": id})).await;
    }
}

#[tokio::test]
async fn a_failed_bulk_query_reports_its_error_code() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let control = ControlClient::for_sandbox(&sb);
    for (kind, code) in [
        (FaultKind::Http500, "INTERNAL_SERVER_ERROR"),
        (FaultKind::Timeout, "TIMEOUT"),
    ] {
        control
            .shopify_fault(&Fault {
                path_contains: SHOPIFY_BULK_OPERATION_FAULT.into(),
                kind,
                count: 1,
            })
            .await
            .unwrap();
        let started = run(&shop, PRODUCTS).await;
        let id = started["bulkOperation"]["id"].clone();
        let op = wait_status(&shop, &id, &["FAILED"]).await;
        assert_eq!(op["errorCode"], code);
        assert_eq!(op["url"], Value::Null);
        // It failed before writing anything: no partial data.
        assert_eq!(op["partialDataUrl"], Value::Null);
        assert_eq!(op["objectCount"], "0");
    }
}

#[tokio::test]
async fn queries_shopify_refuses_in_bulk_are_refused() {
    let sb = sandbox(SandboxConfig::default()).await;
    let shop = Shopify::new(&sb);
    let too_deep = "{ products { edges { node { id variants { edges { node { id inventoryItem { inventoryLevels { edges { node { id } } } } } } } } } } }";
    let refused = run(&shop, too_deep).await;
    assert_eq!(
        refused,
        json!({"bulkOperation": null, "userErrors": [{
            "field": ["query"],
            "code": "INVALID",
            "message": "Bulk queries cannot contain connections with a nesting depth greater than 2.",
        }]})
    );
    let refused = run(&shop, "{ shop { name } }").await;
    assert_eq!(
        refused["userErrors"][0]["message"],
        "Bulk queries must contain at least one connection."
    );
    // Stock per location: its own bulk query, two levels deep.
    let levels = "{ inventoryItems { edges { node { id variant { id sku } inventoryLevels { edges { node { location { id } quantities(names: [\"available\"]) { name quantity } } } } } } } }";
    let started = run(&shop, levels).await;
    assert_eq!(started["userErrors"], json!([]), "{started}");
    let op = wait_status(&shop, &started["bulkOperation"]["id"], &["COMPLETED"]).await;
    let body = reqwest::get(op["url"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let level = body
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l.get("__parentId").is_some())
        .unwrap();
    assert!(
        level["__parentId"]
            .as_str()
            .unwrap()
            .contains("InventoryItem")
    );
    assert!(level["location"]["id"].is_string());
    assert_eq!(level["quantities"][0]["name"], "available");
}
