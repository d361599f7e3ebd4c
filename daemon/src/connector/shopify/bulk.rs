//! The whole catalog through a bulk query (shopify.md; Shopify's "Perform bulk operations with
//! the GraphQL Admin API"): one `bulkOperationRunQuery`, its status polled until it finishes,
//! then its JSONL result read from the signed URL Shopify hands out. Far cheaper than paging:
//! the query's cost is paid once, and the result holds every product, image and variant.
//!
//! The JSONL has one object per line: products, and each image and variant on a line of its
//! own naming its product in `__parentId`. Shopify does not promise that children follow their
//! parent, so lines are put back together by id; a child whose product never came is an
//! incomplete export, not something to drop.

use super::ShopifyClient;
use super::wire::{Connection, WireMedia, WireProduct, WireVariant};
use crate::connector::http;
use crate::connector::{ConnectorError, ConnectorResult, StoreProduct};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// The catalog query run in bulk: the paged query's fields, with no page sizes (a bulk query
/// reads every node of its connections).
pub(super) const BULK_PRODUCTS_QUERY: &str = "{
  products {
    edges {
      node {
        id title descriptionHtml updatedAt
        media { edges { node { ... on MediaImage { id image { url } } } } }
        variants {
          edges {
            node {
              id sku title price inventoryQuantity
              selectedOptions { name value }
              inventoryItem { id }
            }
          }
        }
      }
    }
  }
}";

const RUN_MUTATION: &str = "mutation BulkProducts($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}";

const STATUS_QUERY: &str = "query BulkStatus($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount url partialDataUrl }
  }
}";

const CURRENT_QUERY: &str = "query BulkCurrent {
  currentBulkOperation(type: QUERY) { id status errorCode objectCount url partialDataUrl }
}";

/// First wait between status reads; doubled up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(250);
const MAX_POLL: Duration = Duration::from_secs(5);
/// Longest a bulk query may run before the read gives up (and is retried later).
const MAX_RUN: Duration = Duration::from_secs(3 * 60 * 60);

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct BulkOperation {
    id: String,
    status: String,
    error_code: Option<String>,
    url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UserError {
    message: String,
    code: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct RunPayload {
    bulk_operation: Option<BulkOperation>,
    user_errors: Vec<UserError>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct RunData {
    bulk_operation_run_query: RunPayload,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StatusData {
    node: Option<BulkOperation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct CurrentData {
    current_bulk_operation: Option<BulkOperation>,
}

impl ShopifyClient {
    /// Every product of the store, read by one bulk query.
    pub(super) async fn bulk_products(&self) -> ConnectorResult<Vec<StoreProduct>> {
        let operation = self.start_bulk_query().await?;
        let finished = self.wait_for_bulk(operation).await?;
        match finished.url {
            // Shopify gives no file when the query matched nothing.
            None => Ok(Vec::new()),
            Some(url) => self.read_bulk_result(&url).await,
        }
    }

    /// Start the catalog query; if another bulk query of this app is still running (a restart
    /// cut an earlier read short), let it finish first: Shopify runs one at a time per shop.
    async fn start_bulk_query(&self) -> ConnectorResult<BulkOperation> {
        for _ in 0..2 {
            let data: RunData = self
                .graphql(
                    "BulkProducts",
                    RUN_MUTATION,
                    json!({ "query": BULK_PRODUCTS_QUERY }),
                )
                .await?;
            let payload = data.bulk_operation_run_query;
            if let Some(operation) = payload.bulk_operation.filter(|op| !op.id.is_empty()) {
                return Ok(operation);
            }
            let in_progress = payload.user_errors.iter().any(|e| {
                e.code.as_deref() == Some("OPERATION_IN_PROGRESS")
                    || e.message.contains("already in progress")
            });
            if !in_progress {
                let messages: Vec<&str> = payload
                    .user_errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect();
                return Err(ConnectorError::Rejected {
                    reason: format!(
                        "Shopify refused the catalog export: {}; this needs a feedbridge update",
                        messages.join("; ")
                    ),
                    raw: http::truncate(&messages.join("; ")),
                });
            }
            let current: CurrentData = self
                .graphql("BulkCurrent", CURRENT_QUERY, json!({}))
                .await?;
            if let Some(running) = current.current_bulk_operation {
                tracing::info!(
                    platform = "shopify",
                    operation = %running.id,
                    "An earlier bulk query is still running; waiting for it before the catalog export."
                );
                let _ = self.wait_for_bulk(running).await;
            }
        }
        Err(ConnectorError::Retryable {
            reason: "Shopify is still running another bulk query for feedbridge; will retry".into(),
            raw: String::new(),
            retry_after: Some(Duration::from_secs(60)),
        })
    }

    /// Read the operation's status until it is over; `Ok` only when it completed.
    async fn wait_for_bulk(&self, mut operation: BulkOperation) -> ConnectorResult<BulkOperation> {
        let started = tokio::time::Instant::now();
        let mut pause = FIRST_POLL;
        loop {
            match operation.status.as_str() {
                "COMPLETED" => return Ok(operation),
                "CREATED" | "RUNNING" | "CANCELING" => {}
                "FAILED" => {
                    let code = operation.error_code.as_deref().unwrap_or("UNKNOWN");
                    return Err(if code == "ACCESS_DENIED" {
                        ConnectorError::Unauthorized {
                            reason: "Shopify denied the catalog export (ACCESS_DENIED); grant the app read_products and reconnect".into(),
                            raw: format!("bulk operation {} failed: {code}", operation.id),
                        }
                    } else {
                        ConnectorError::Retryable {
                            reason: format!("Shopify's catalog export failed ({code}); will retry"),
                            raw: format!("bulk operation {} failed: {code}", operation.id),
                            retry_after: None,
                        }
                    });
                }
                other => {
                    // CANCELED, EXPIRED, or a status this client does not know.
                    return Err(ConnectorError::Retryable {
                        reason: format!("Shopify's catalog export ended {other}; will retry"),
                        raw: format!("bulk operation {} is {other}", operation.id),
                        retry_after: None,
                    });
                }
            }
            if started.elapsed() > MAX_RUN {
                return Err(ConnectorError::Retryable {
                    reason: "Shopify's catalog export ran for three hours; will retry".into(),
                    raw: format!("bulk operation {} still {}", operation.id, operation.status),
                    retry_after: None,
                });
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_POLL);
            let data: StatusData = self
                .graphql("BulkStatus", STATUS_QUERY, json!({ "id": operation.id }))
                .await?;
            operation = data.node.ok_or_else(|| ConnectorError::Retryable {
                reason: "Shopify no longer knows the catalog export it started; will retry".into(),
                raw: format!("node({}) is null", operation.id),
                retry_after: None,
            })?;
        }
    }

    /// Download the JSONL result (a signed URL: no Shopify token goes with it) and put the
    /// products back together.
    async fn read_bulk_result(&self, url: &str) -> ConnectorResult<Vec<StoreProduct>> {
        let platform = super::PLATFORM;
        let mut response = http::send(platform, self.http.get(url))
            .await
            .map_err(|error| http::classify_transport(platform, error))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            return Err(ConnectorError::Retryable {
                reason: format!(
                    "Shopify's catalog export file could not be downloaded (HTTP {}); will retry",
                    status.as_u16()
                ),
                raw: http::truncate(&text),
                retry_after: None,
            });
        }
        let mut catalog = BulkCatalog::default();
        let mut pending = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| http::classify_transport(platform, error))?
        {
            pending.extend_from_slice(&chunk);
            let mut start = 0;
            while let Some(end) = pending[start..].iter().position(|b| *b == b'\n') {
                catalog.add_line(&pending[start..start + end])?;
                start += end + 1;
            }
            pending.drain(..start);
        }
        catalog.add_line(&pending)?;
        catalog.finish()
    }
}

/// Products put back together from JSONL lines, in the order their lines came.
#[derive(Debug, Default)]
pub(super) struct BulkCatalog {
    products: Vec<WireProduct>,
    by_id: HashMap<String, usize>,
    /// Children whose product line has not come yet.
    waiting: HashMap<String, Vec<Child>>,
}

#[derive(Debug)]
enum Child {
    Variant(WireVariant),
    Media(WireMedia),
}

impl BulkCatalog {
    /// Take one JSONL line (blank lines are skipped).
    pub(super) fn add_line(&mut self, line: &[u8]) -> ConnectorResult<()> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let shape_error = |error: serde_json::Error| {
            ConnectorError::Rejected {
            reason: "Shopify's catalog export has a line feedbridge cannot read; this needs a feedbridge update".into(),
            raw: http::truncate(&error.to_string()),
        }
        };
        let mut value: Value = serde_json::from_slice(line).map_err(shape_error)?;
        let parent = value
            .as_object_mut()
            .and_then(|object| object.remove("__parentId"))
            .and_then(|parent| parent.as_str().map(str::to_owned));
        let Some(parent) = parent else {
            let product: WireProduct = serde_json::from_value(value).map_err(shape_error)?;
            let index = self.products.len();
            self.by_id.insert(product.id.clone(), index);
            self.products.push(product);
            let id = self.products[index].id.clone();
            for child in self.waiting.remove(&id).unwrap_or_default() {
                self.attach(index, child);
            }
            return Ok(());
        };
        let is_variant = value
            .get("id")
            .and_then(Value::as_str)
            .is_some_and(|id| id.starts_with("gid://shopify/ProductVariant/"));
        let child = if is_variant {
            Child::Variant(serde_json::from_value(value).map_err(shape_error)?)
        } else {
            Child::Media(serde_json::from_value(value).map_err(shape_error)?)
        };
        match self.by_id.get(&parent) {
            Some(&index) => self.attach(index, child),
            None => self.waiting.entry(parent).or_default().push(child),
        }
        Ok(())
    }

    fn attach(&mut self, index: usize, child: Child) {
        let product = &mut self.products[index];
        match child {
            Child::Variant(variant) => product
                .variants
                .get_or_insert_with(Connection::default)
                .nodes
                .push(variant),
            Child::Media(media) => product
                .media
                .get_or_insert_with(Connection::default)
                .nodes
                .push(media),
        }
    }

    /// The products; an image or variant whose product never came means the file is cut short.
    pub(super) fn finish(self) -> ConnectorResult<Vec<StoreProduct>> {
        if let Some(parent) = self.waiting.keys().next() {
            return Err(ConnectorError::Retryable {
                reason: "Shopify's catalog export was incomplete (a variant without its product); will retry".into(),
                raw: format!("no line for {parent}"),
                retry_after: None,
            });
        }
        Ok(self.products.into_iter().map(StoreProduct::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(lines: &[&str]) -> ConnectorResult<Vec<StoreProduct>> {
        let mut catalog = BulkCatalog::default();
        for line in lines {
            catalog.add_line(line.as_bytes())?;
        }
        catalog.finish()
    }

    #[test]
    fn children_join_their_product_in_any_order() {
        let products = read(&[
            r#"{"id":"gid://shopify/ProductVariant/12","sku":"MUG-2","title":"Large","price":"14.00","inventoryQuantity":3,"selectedOptions":[],"inventoryItem":{"id":"gid://shopify/InventoryItem/22"},"__parentId":"gid://shopify/Product/1"}"#,
            r#"{"id":"gid://shopify/Product/1","title":"Mug","descriptionHtml":"<p>Tea</p>","updatedAt":"2026-12-01T10:00:00Z"}"#,
            r#"{"id":"gid://shopify/MediaImage/5","image":{"url":"https://cdn.example/mug.png"},"__parentId":"gid://shopify/Product/1"}"#,
            r#"{"__parentId":"gid://shopify/Product/1"}"#,
            r#"{"id":"gid://shopify/ProductVariant/11","sku":"MUG-1","title":"Small","price":"12.00","inventoryQuantity":5,"selectedOptions":[{"name":"Size","value":"Small"}],"inventoryItem":{"id":"gid://shopify/InventoryItem/21"},"__parentId":"gid://shopify/Product/1"}"#,
            "",
            r#"{"id":"gid://shopify/Product/2","title":"Empty","descriptionHtml":"","updatedAt":"2026-12-01T11:00:00Z"}"#,
        ])
        .unwrap();
        assert_eq!(products.len(), 2);
        let mug = &products[0];
        assert_eq!(mug.title, "Mug");
        assert_eq!(mug.image_urls, ["https://cdn.example/mug.png"]);
        let skus: Vec<&str> = mug.variants.iter().map(|v| v.sku.as_str()).collect();
        assert_eq!(skus, ["MUG-2", "MUG-1"]);
        assert_eq!(mug.variants[1].available, 5);
        assert_eq!(
            mug.variants[1].inventory_item_id.as_deref(),
            Some("gid://shopify/InventoryItem/21")
        );
        assert!(products[1].variants.is_empty());
    }

    #[test]
    fn a_variant_without_its_product_is_an_incomplete_export() {
        let error = read(&[
            r#"{"id":"gid://shopify/ProductVariant/12","sku":"X","title":"X","price":"1.00","__parentId":"gid://shopify/Product/9"}"#,
        ])
        .unwrap_err();
        assert!(error.to_string().contains("incomplete"), "{error}");
        assert!(error.is_transient());
    }

    #[test]
    fn a_line_that_is_not_json_is_refused() {
        let error = read(&["<html>"]).unwrap_err();
        assert!(
            matches!(error, ConnectorError::Rejected { .. }),
            "{error:?}"
        );
    }
}
