//! The whole catalog through a bulk query (shopify.md; Shopify's "Perform bulk operations with
//! the GraphQL Admin API"): one `bulkOperationRunQuery`, its status polled until it finishes,
//! then its JSONL result read from the signed URL Shopify hands out. Far cheaper than paging:
//! the query's cost is paid once, and the result holds every product, image and variant.
//!
//! The JSONL has one object per line: products, and each image and variant on a line of its
//! own naming its product in `__parentId`. A second export reads every inventory item's level
//! at each location the same way (items, and their levels naming them), so the stock fast path
//! knows every location before the first webhook names one. Shopify does not promise that children follow their
//! parent, so lines are put back together by id; a child whose product never came is an
//! incomplete export, not something to drop.

use super::ShopifyClient;
use super::inventory::{WireLevel, location_level};
use super::wire::{Connection, WireMedia, WireMetafield, WireProduct, WireVariant};
use crate::connector::http;
use crate::connector::{ConnectorError, ConnectorResult, ItemLevels, StoreProduct};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt as _;

/// The catalog query run in bulk: the paged query's fields, with no page sizes (a bulk query
/// reads every node of its connections).
pub(super) const BULK_PRODUCTS_QUERY: &str = "{
  products {
    edges {
      node {
        id title descriptionHtml updatedAt tags vendor
        metafields { edges { node { id namespace key type value } } }
        media { edges { node { ... on MediaImage { id image { url } } } } }
        variants {
          edges {
            node {
              id sku title price inventoryQuantity
              selectedOptions { name value }
              inventoryItem { id measurement { weight { unit value } } }
            }
          }
        }
      }
    }
  }
}";

/// Every inventory item's available units per location (two connections deep, as allowed).
pub(super) const BULK_LEVELS_QUERY: &str = "{
  inventoryItems {
    edges {
      node {
        id
        inventoryLevels {
          edges { node { updatedAt location { id } quantities(names: [\"available\"]) { name quantity } } }
        }
      }
    }
  }
}";

/// One bulk export: its operation name (the catalog's or the levels') and query.
#[derive(Clone, Copy, Debug)]
pub(super) struct BulkQuery {
    operation: &'static str,
    mutation: &'static str,
    query: &'static str,
}

pub(super) const PRODUCTS_EXPORT: BulkQuery = BulkQuery {
    operation: "BulkProducts",
    mutation: "mutation BulkProducts($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}",
    query: BULK_PRODUCTS_QUERY,
};

pub(super) const LEVELS_EXPORT: BulkQuery = BulkQuery {
    operation: "BulkLevels",
    mutation: "mutation BulkLevels($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}",
    query: BULK_LEVELS_QUERY,
};

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
    /// The result of one bulk query (the catalog's, or the stock levels'); `None` when it
    /// matched nothing.
    pub(super) async fn bulk_export(
        &self,
        export: BulkQuery,
    ) -> ConnectorResult<Option<BulkExport>> {
        let operation = self.start_bulk_query(export).await?;
        let finished = self.wait_for_bulk(operation).await?;
        match finished.url {
            // Shopify gives no file when the query matched nothing.
            None => Ok(None),
            Some(url) => self.download_bulk_result(&url).await.map(Some),
        }
    }

    /// Start the catalog query; if another bulk query of this app is still running (a restart
    /// cut an earlier read short), let it finish first: Shopify runs one at a time per shop.
    async fn start_bulk_query(&self, export: BulkQuery) -> ConnectorResult<BulkOperation> {
        for _ in 0..2 {
            let data: RunData = self
                .graphql(
                    export.operation,
                    export.mutation,
                    json!({ "query": export.query }),
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

    /// Download the JSONL result (a signed URL: no Shopify token goes with it) to a spool
    /// file, noting where each line sits; products are put back together from it a batch at a
    /// time, so memory follows the batch, not the catalog.
    async fn download_bulk_result(&self, url: &str) -> ConnectorResult<BulkExport> {
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
        let spool = tempfile::tempfile().map_err(spool_error)?;
        let mut writer = tokio::io::BufWriter::new(tokio::fs::File::from_std(spool));
        let mut index = BulkIndex::default();
        let mut pending = Vec::new();
        // Where `pending` starts in the file.
        let mut offset = 0u64;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| http::classify_transport(platform, error))?
        {
            writer.write_all(&chunk).await.map_err(spool_error)?;
            pending.extend_from_slice(&chunk);
            let mut start = 0;
            while let Some(end) = pending[start..].iter().position(|b| *b == b'\n') {
                index.add_line(offset + start as u64, &pending[start..start + end])?;
                start += end + 1;
            }
            pending.drain(..start);
            offset += start as u64;
        }
        index.add_line(offset, &pending)?;
        writer.flush().await.map_err(spool_error)?;
        index.check_complete()?;
        let file = writer.into_inner().into_std().await;
        Ok(BulkExport {
            source: Arc::new(file),
            index,
            next: 0,
        })
    }
}

fn spool_error(error: std::io::Error) -> ConnectorError {
    ConnectorError::Retryable {
        reason: "feedbridge could not keep Shopify's catalog export in a temporary file (is the temporary directory full?); will retry".into(),
        raw: error.to_string(),
        retry_after: None,
    }
}

/// Where one JSONL line sits in the spool.
#[derive(Clone, Copy, Debug)]
struct LineSpan {
    start: u64,
    len: usize,
}

/// The lines of an export by role: products in the order they came, children by the product
/// they name in `__parentId`.
#[derive(Debug, Default)]
struct BulkIndex {
    products: Vec<LineSpan>,
    product_ids: HashSet<String>,
    children: HashMap<String, Vec<LineSpan>>,
}

/// Just enough of a line to file it.
#[derive(Deserialize)]
struct LineKey {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "__parentId")]
    parent: Option<String>,
}

fn shape_error(error: serde_json::Error) -> ConnectorError {
    ConnectorError::Rejected {
        reason: "Shopify's catalog export has a line feedbridge cannot read; this needs a feedbridge update".into(),
        raw: http::truncate(&error.to_string()),
    }
}

impl BulkIndex {
    /// File one line starting at `start` (blank lines are skipped).
    fn add_line(&mut self, start: u64, line: &[u8]) -> ConnectorResult<()> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let key: LineKey = serde_json::from_slice(line).map_err(shape_error)?;
        let span = LineSpan {
            start,
            len: line.len(),
        };
        match key.parent {
            Some(parent) => self.children.entry(parent).or_default().push(span),
            None => {
                let id = key.id.ok_or_else(|| ConnectorError::Rejected {
                    reason: "Shopify's catalog export has a top-level line without an id; this needs a feedbridge update".into(),
                    raw: http::truncate(&String::from_utf8_lossy(line)),
                })?;
                self.product_ids.insert(id);
                self.products.push(span);
            }
        }
        Ok(())
    }

    /// A child (image, variant, level) whose parent never came means the file is cut short.
    fn check_complete(&mut self) -> ConnectorResult<()> {
        if let Some(parent) = self
            .children
            .keys()
            .find(|parent| !self.product_ids.contains(*parent))
        {
            return Err(ConnectorError::Retryable {
                reason: "Shopify's catalog export was incomplete (a line without its parent); will retry".into(),
                raw: format!("no line for {parent}"),
                retry_after: None,
            });
        }
        self.product_ids = HashSet::new();
        Ok(())
    }
}

/// Reads a line back from where the export was kept.
pub(super) trait LineSource: Send + Sync + 'static {
    fn read_span(&self, start: u64, len: usize) -> std::io::Result<Vec<u8>>;
}

impl LineSource for std::fs::File {
    fn read_span(&self, start: u64, len: usize) -> std::io::Result<Vec<u8>> {
        use std::os::unix::fs::FileExt as _;
        let mut line = vec![0; len];
        self.read_exact_at(&mut line, start)?;
        Ok(line)
    }
}

impl LineSource for Vec<u8> {
    fn read_span(&self, start: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let start = usize::try_from(start).map_err(std::io::Error::other)?;
        Ok(self[start..start + len].to_vec())
    }
}

/// A downloaded export, handed out as products a batch at a time.
pub(super) struct BulkExport {
    source: Arc<dyn LineSource>,
    index: BulkIndex,
    next: usize,
}

impl BulkExport {
    /// The next `size` products put back together, in the order their lines came; `None` once
    /// every product has been handed out.
    pub(super) fn next_batch(&mut self, size: usize) -> Option<ConnectorResult<Vec<StoreProduct>>> {
        let spans = self.index.products.get(self.next..)?;
        if spans.is_empty() {
            return None;
        }
        let spans: Vec<LineSpan> = spans.iter().take(size).copied().collect();
        self.next += spans.len();
        Some(spans.into_iter().map(|span| self.product(span)).collect())
    }

    fn read(&self, span: LineSpan) -> ConnectorResult<Vec<u8>> {
        self.source
            .read_span(span.start, span.len)
            .map_err(spool_error)
    }

    fn product(&mut self, span: LineSpan) -> ConnectorResult<StoreProduct> {
        let mut product: WireProduct =
            serde_json::from_slice(&self.read(span)?).map_err(shape_error)?;
        for child in self.index.children.remove(&product.id).unwrap_or_default() {
            let mut value: Value =
                serde_json::from_slice(&self.read(child)?).map_err(shape_error)?;
            if let Some(object) = value.as_object_mut() {
                object.remove("__parentId");
            }
            let kind = value
                .get("id")
                .and_then(Value::as_str)
                .and_then(|id| id.strip_prefix("gid://shopify/"))
                .and_then(|id| id.split('/').next())
                .unwrap_or_default()
                .to_owned();
            if kind == "Metafield" {
                product
                    .metafields
                    .get_or_insert_with(Connection::default)
                    .nodes
                    .push(serde_json::from_value::<WireMetafield>(value).map_err(shape_error)?);
            } else if kind == "ProductVariant" {
                product
                    .variants
                    .get_or_insert_with(Connection::default)
                    .nodes
                    .push(serde_json::from_value::<WireVariant>(value).map_err(shape_error)?);
            } else {
                product
                    .media
                    .get_or_insert_with(Connection::default)
                    .nodes
                    .push(serde_json::from_value::<WireMedia>(value).map_err(shape_error)?);
            }
        }
        Ok(StoreProduct::from(product))
    }

    /// The next `size` inventory items of a levels export with their levels.
    pub(super) fn next_levels_batch(
        &mut self,
        size: usize,
    ) -> Option<ConnectorResult<Vec<ItemLevels>>> {
        let spans = self.index.products.get(self.next..)?;
        if spans.is_empty() {
            return None;
        }
        let spans: Vec<LineSpan> = spans.iter().take(size).copied().collect();
        self.next += spans.len();
        Some(
            spans
                .into_iter()
                .map(|span| self.item_levels(span))
                .collect(),
        )
    }

    fn item_levels(&mut self, span: LineSpan) -> ConnectorResult<ItemLevels> {
        let item: LineKey = serde_json::from_slice(&self.read(span)?).map_err(shape_error)?;
        let id = item.id.unwrap_or_default();
        let mut levels = Vec::new();
        for child in self.index.children.remove(&id).unwrap_or_default() {
            let level: WireLevel =
                serde_json::from_slice(&self.read(child)?).map_err(shape_error)?;
            levels.extend(location_level(level));
        }
        Ok(ItemLevels {
            inventory_item_id: id,
            levels,
        })
    }

    /// The products as a stream of batches; the file reads run off the async threads.
    pub(super) fn into_batches(
        self,
        size: usize,
    ) -> impl futures::Stream<Item = ConnectorResult<Vec<StoreProduct>>> + Send {
        self.into_stream(move |export| export.next_batch(size))
    }

    /// The items' levels as a stream of batches.
    pub(super) fn into_level_batches(
        self,
        size: usize,
    ) -> impl futures::Stream<Item = ConnectorResult<Vec<ItemLevels>>> + Send {
        self.into_stream(move |export| export.next_levels_batch(size))
    }

    fn into_stream<T: Send + 'static>(
        self,
        next: impl Fn(&mut Self) -> Option<ConnectorResult<Vec<T>>> + Copy + Send + 'static,
    ) -> impl futures::Stream<Item = ConnectorResult<Vec<T>>> + Send {
        futures::stream::unfold(Some(self), move |export| async move {
            let mut export = export?;
            let (batch, export) = tokio::task::spawn_blocking(move || {
                let batch = next(&mut export);
                (batch, export)
            })
            .await
            .ok()?;
            Some((batch?, Some(export)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The products of an export whose lines are `lines`, read back a few at a time.
    fn read(lines: &[&str]) -> ConnectorResult<Vec<StoreProduct>> {
        let mut file = Vec::new();
        let mut index = BulkIndex::default();
        for line in lines {
            index.add_line(file.len() as u64, line.as_bytes())?;
            file.extend_from_slice(line.as_bytes());
            file.push(b'\n');
        }
        index.check_complete()?;
        let mut export = BulkExport {
            source: Arc::new(file),
            index,
            next: 0,
        };
        let mut products = Vec::new();
        while let Some(batch) = export.next_batch(1) {
            products.extend(batch?);
        }
        Ok(products)
    }

    #[test]
    fn children_join_their_product_in_any_order() {
        let products = read(&[
            r#"{"id":"gid://shopify/ProductVariant/12","sku":"MUG-2","title":"Large","price":"14.00","inventoryQuantity":3,"selectedOptions":[],"inventoryItem":{"id":"gid://shopify/InventoryItem/22"},"__parentId":"gid://shopify/Product/1"}"#,
            r#"{"id":"gid://shopify/Product/1","title":"Mug","descriptionHtml":"<p>Tea</p>","updatedAt":"2026-12-01T10:00:00Z","tags":["kitchen","material:Ceramic"],"vendor":"Acme"}"#,
            r#"{"id":"gid://shopify/MediaImage/5","image":{"url":"https://cdn.example/mug.png"},"__parentId":"gid://shopify/Product/1"}"#,
            r#"{"id":"gid://shopify/Metafield/7","namespace":"custom","key":"material","type":"list.single_line_text_field","value":"[\"Ceramic\",\"Glass\"]","__parentId":"gid://shopify/Product/1"}"#,
            r#"{"id":"gid://shopify/Metafield/8","namespace":"custom","key":"care","type":"single_line_text_field","value":"Hand wash","__parentId":"gid://shopify/Product/1"}"#,
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
        assert_eq!(mug.facts.tags, ["kitchen", "material:Ceramic"]);
        assert_eq!(mug.facts.vendor.as_deref(), Some("Acme"));
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            mug.facts.fields,
            [
                pair("custom.material", "Ceramic"),
                pair("custom.material", "Glass"),
                pair("custom.care", "Hand wash")
            ]
        );
        assert_eq!(products[1].facts, Default::default());
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
    fn products_are_handed_out_a_batch_at_a_time_in_file_order() {
        let mut file = Vec::new();
        let mut index = BulkIndex::default();
        let mut push = |line: String| {
            index.add_line(file.len() as u64, line.as_bytes()).unwrap();
            file.extend_from_slice(line.as_bytes());
            file.push(b'\n');
        };
        // The last product's variant comes first.
        push(r#"{"id":"gid://shopify/ProductVariant/9","sku":"P5","title":"One","price":"1.00","__parentId":"gid://shopify/Product/5"}"#.into());
        for n in 1..=5 {
            push(format!(
                r#"{{"id":"gid://shopify/Product/{n}","title":"P{n}","descriptionHtml":"","updatedAt":"2026-12-01T10:00:00Z"}}"#
            ));
        }
        index.check_complete().unwrap();
        let mut export = BulkExport {
            source: Arc::new(file),
            index,
            next: 0,
        };
        let mut sizes = Vec::new();
        let mut titles = Vec::new();
        while let Some(batch) = export.next_batch(2) {
            let batch = batch.unwrap();
            sizes.push(batch.len());
            titles.extend(batch.into_iter().map(|p| (p.title, p.variants.len())));
        }
        assert_eq!(sizes, [2, 2, 1]);
        assert_eq!(
            titles,
            [("P1", 0), ("P2", 0), ("P3", 0), ("P4", 0), ("P5", 1)].map(|(t, n)| (t.to_owned(), n))
        );
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
    fn levels_join_their_item_in_any_order() {
        let mut file = Vec::new();
        let mut index = BulkIndex::default();
        let lines = [
            r#"{"updatedAt":"2026-12-01T10:00:00Z","location":{"id":"gid://shopify/Location/2"},"quantities":[{"name":"available","quantity":4}],"__parentId":"gid://shopify/InventoryItem/21"}"#,
            r#"{"id":"gid://shopify/InventoryItem/21"}"#,
            r#"{"updatedAt":"2026-12-01T11:00:00Z","location":{"id":"gid://shopify/Location/1"},"quantities":[{"name":"available","quantity":-1}],"__parentId":"gid://shopify/InventoryItem/21"}"#,
            r#"{"id":"gid://shopify/InventoryItem/22"}"#,
        ];
        for line in lines {
            index.add_line(file.len() as u64, line.as_bytes()).unwrap();
            file.extend_from_slice(line.as_bytes());
            file.push(b'\n');
        }
        index.check_complete().unwrap();
        let mut export = BulkExport {
            source: Arc::new(file),
            index,
            next: 0,
        };
        let items = export.next_levels_batch(10).unwrap().unwrap();
        assert!(export.next_levels_batch(10).is_none());
        let read: Vec<(&str, Vec<(&str, i64)>)> = items
            .iter()
            .map(|item| {
                let levels = item
                    .levels
                    .iter()
                    .map(|l| (l.location_id.as_str(), l.available))
                    .collect();
                (item.inventory_item_id.as_str(), levels)
            })
            .collect();
        assert_eq!(
            read,
            [
                (
                    "gid://shopify/InventoryItem/21",
                    vec![
                        ("gid://shopify/Location/2", 4),
                        ("gid://shopify/Location/1", -1)
                    ]
                ),
                ("gid://shopify/InventoryItem/22", vec![]),
            ]
        );
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
