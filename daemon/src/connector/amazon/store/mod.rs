//! Amazon Seller Central as the store (amazon-seller-central.md): the seller's listings become
//! the catalog feedbridge lists on TikTok. The first read of a process takes the whole catalog
//! from the `GET_MERCHANT_LISTINGS_ALL_DATA` report, then reads those SKUs' listings items
//! (20 per `searchListingsItems` call) and each family's catalog item; later reads ask only
//! what changed since the last one (listings by `lastUpdatedAfter`, FBA stock by
//! `startDateTime`, both a minute back) and re-read the families concerned.
//!
//! Amazon takes no store orders: TikTok orders of FBA SKUs go to Multi-Channel Fulfillment
//! (the organization's routing), so the order methods refuse, saying why.

mod build;
mod wire;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt as _;
use futures::stream::BoxStream;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::{AmazonClient, Op, Reply, encode_segment, unexpected};
use crate::clock::Clock;
use crate::connector::http::{self, Platform};
use crate::connector::{
    ConnectorError, ConnectorResult, Fulfiller, ItemLevels, LocationLevel, NewStoreFulfilment,
    NewStoreOrder, Page, ShipmentProgress, StoreFulfilment, StoreInfo, StoreOrderRef,
    StoreOrderUpdate, StoreProduct, Storefront,
};
use build::Family;
use wire::{CatalogItem, ListingItem};

const LISTINGS: &str = "/listings/2021-08-01/items";
const CATALOG: &str = "/catalog/2022-04-01/items";
const REPORTS: &str = "/reports/2021-06-30";
const LISTING_DATA: &str = "summaries,attributes,offers,fulfillmentAvailability,relationships";
const CATALOG_DATA: &str = "summaries,attributes,images";
/// `searchListingsItems` takes at most 20 identifiers and returns at most 20 per page.
const PAGE: usize = 20;
/// How far back a change read looks before the last read (clocks differ).
const CHANGE_OVERLAP: Duration = Duration::from_secs(60);
/// Between two `getReport` reads while Amazon builds the report.
const REPORT_POLL: Duration = Duration::from_millis(500);
/// `getReport` reads before a report still not done counts as a failed read (retried later).
const REPORT_POLLS: u32 = 240;
/// The one location an Amazon SKU's stock is at (FBA or the merchant's).
const LOCATION: &str = "amazon";

/// What the last reads saw, to re-read only what changed.
#[derive(Default)]
struct Snapshot {
    listings: BTreeMap<String, ListingItem>,
    fba: HashMap<String, i64>,
    /// Catalog items by ASIN, with the parent's `lastUpdatedDate` they were read at.
    catalog: HashMap<String, (String, CatalogItem)>,
    /// When the last complete read started (ISO-8601), by the daemon's clock.
    read_at: Option<std::time::SystemTime>,
}

pub struct AmazonStore {
    client: AmazonClient,
    seller_id: String,
    currency: String,
    clock: Arc<dyn Clock>,
    snapshot: Mutex<Snapshot>,
}

impl AmazonStore {
    pub fn new(
        client: AmazonClient,
        seller_id: String,
        currency: String,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            client,
            seller_id,
            currency,
            clock,
            snapshot: Mutex::new(Snapshot::default()),
        }
    }

    fn marketplace(&self) -> &str {
        self.client.marketplace_id()
    }

    fn refuse<T>(&self, what: &str) -> ConnectorResult<T> {
        Err(ConnectorError::Rejected {
            reason: format!(
                "Amazon Seller Central cannot {what}: TikTok orders of FBA SKUs go to Amazon Multi-Channel Fulfillment and orders with merchant-fulfilled SKUs are fulfilled in TikTok Seller Center (organization {})",
                self.client.org()
            ),
            raw: String::new(),
        })
    }

    async fn body(
        &self,
        op: Op,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> ConnectorResult<Option<Value>> {
        match self.client.call(op, method, path, body).await? {
            Reply::Body(body) => Ok(Some(body)),
            Reply::NotFound(_) => Ok(None),
        }
    }

    /// One page of `searchListingsItems` with `filter` (already encoded `&k=v` pairs).
    async fn search(
        &self,
        filter: &str,
        token: Option<&str>,
    ) -> ConnectorResult<wire::SearchResults> {
        let m = encode_segment(self.marketplace());
        let mut path = format!(
            "{LISTINGS}/{}?marketplaceIds={m}&includedData={LISTING_DATA}&pageSize={PAGE}{filter}",
            encode_segment(&self.seller_id)
        );
        if let Some(token) = token {
            path.push_str("&pageToken=");
            path.push_str(&encode_segment(token));
        }
        let Some(body) = self
            .body(Op::SearchListings, Method::GET, &path, None)
            .await?
        else {
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "Amazon knows no seller {} at the configured address; check seller_id and api_base of [organization.store]",
                    self.seller_id
                ),
                raw: String::new(),
            });
        };
        serde_json::from_value(body.clone())
            .map_err(|e| unexpected("the seller's listings", &e, &body))
    }

    /// Every page of a search.
    async fn search_all(&self, filter: &str) -> ConnectorResult<Vec<ListingItem>> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self.search(filter, token.as_deref()).await?;
            items.extend(page.items);
            token = page
                .pagination
                .and_then(|p| p.next_token)
                .filter(|t| !t.is_empty());
            if token.is_none() {
                return Ok(items);
            }
        }
    }

    /// These SKUs' listings items, 20 a call.
    async fn listings_of(&self, skus: &[String]) -> ConnectorResult<Vec<ListingItem>> {
        let mut items = Vec::new();
        for chunk in skus.chunks(PAGE) {
            let list = chunk
                .iter()
                .map(|s| encode_segment(s))
                .collect::<Vec<_>>()
                .join(",");
            items.extend(
                self.search_all(&format!("&identifiersType=SKU&identifiers={list}"))
                    .await?,
            );
        }
        Ok(items)
    }

    async fn catalog_item(&self, asin: &str) -> ConnectorResult<Option<CatalogItem>> {
        let path = format!(
            "{CATALOG}/{}?marketplaceIds={}&includedData={CATALOG_DATA}",
            encode_segment(asin),
            encode_segment(self.marketplace())
        );
        let Some(body) = self
            .body(Op::GetCatalogItem, Method::GET, &path, None)
            .await?
        else {
            return Ok(None);
        };
        serde_json::from_value(body.clone())
            .map(Some)
            .map_err(|e| unexpected("a catalog item", &e, &body))
    }

    /// Every FBA SKU's fulfillable units.
    async fn all_fba(&self) -> ConnectorResult<HashMap<String, i64>> {
        let mut stock = HashMap::new();
        let mut cursor = None;
        loop {
            let page = self.client.inventory(cursor).await?;
            stock.extend(
                page.items
                    .into_iter()
                    .map(|s| (s.seller_sku, s.fulfillable)),
            );
            cursor = page.next;
            if cursor.is_none() {
                return Ok(stock);
            }
        }
    }

    /// The merchant listings report's rows: create it, wait until Amazon has built it, fetch
    /// its document.
    async fn listings_report(&self) -> ConnectorResult<Vec<build::ReportRow>> {
        let request = json!({
            "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
            "marketplaceIds": [self.marketplace()],
        });
        let created = self
            .body(
                Op::CreateReport,
                Method::POST,
                &format!("{REPORTS}/reports"),
                Some(&request),
            )
            .await?
            .ok_or_else(|| not_served("the Reports API"))?;
        let created: wire::CreateReportResponse = serde_json::from_value(created.clone())
            .map_err(|e| unexpected("a report request", &e, &created))?;
        let report_path = format!("{REPORTS}/reports/{}", encode_segment(&created.report_id));
        let mut document_id = None;
        for _ in 0..REPORT_POLLS {
            let body = self
                .body(Op::GetReport, Method::GET, &report_path, None)
                .await?
                .ok_or_else(|| not_served("the report Amazon just accepted"))?;
            let report: wire::Report = serde_json::from_value(body.clone())
                .map_err(|e| unexpected("a report's status", &e, &body))?;
            match report.processing_status.as_str() {
                "DONE" => {
                    document_id = report.report_document_id;
                    break;
                }
                "IN_QUEUE" | "IN_PROGRESS" => tokio::time::sleep(REPORT_POLL).await,
                "CANCELLED" | "FATAL" => {
                    return Err(ConnectorError::Retryable {
                        reason: format!(
                            "Amazon could not build the merchant listings report ({}); the catalog is read again later",
                            report.processing_status
                        ),
                        raw: http::truncate(&body.to_string()),
                        retry_after: Some(Duration::from_secs(60)),
                    });
                }
                other => {
                    return Err(ConnectorError::Rejected {
                        reason: format!(
                            "Amazon reports the listings report in status {other}, which feedbridge does not know"
                        ),
                        raw: http::truncate(&body.to_string()),
                    });
                }
            }
        }
        let Some(document_id) = document_id else {
            return Err(ConnectorError::Retryable {
                reason: "Amazon has not finished the merchant listings report yet; the catalog is read again later".into(),
                raw: String::new(),
                retry_after: Some(Duration::from_secs(60)),
            });
        };
        let body = self
            .body(
                Op::GetReportDocument,
                Method::GET,
                &format!("{REPORTS}/documents/{}", encode_segment(&document_id)),
                None,
            )
            .await?
            .ok_or_else(|| not_served("the report's document"))?;
        let document: wire::ReportDocument = serde_json::from_value(body.clone())
            .map_err(|e| unexpected("a report document", &e, &body))?;
        if let Some(compression) = document.compression_algorithm.filter(|c| !c.is_empty()) {
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "Amazon sent the listings report compressed ({compression}), which this version does not read"
                ),
                raw: String::new(),
            });
        }
        // A presigned URL: no SP-API token goes with it.
        let response = http::send(Platform::Amazon, self.client.http().get(&document.url))
            .await
            .map_err(|e| http::classify_transport(Platform::Amazon, e))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| http::classify_transport(Platform::Amazon, e))?;
        if !status.is_success() {
            return Err(ConnectorError::Retryable {
                reason: format!(
                    "Amazon's report download answered HTTP {status}; the catalog is read again later"
                ),
                raw: http::truncate(&text),
                retry_after: None,
            });
        }
        build::parse_listings_report(&text).map_err(|problem| ConnectorError::Rejected {
            reason: format!("Amazon's merchant listings report cannot be read: {problem}"),
            raw: http::truncate(&text),
        })
    }

    /// The first read: the report's SKUs, their listings items and their parents'.
    async fn first_read(&self) -> ConnectorResult<(Vec<ListingItem>, HashMap<String, i64>)> {
        let rows = self.listings_report().await?;
        let skus: Vec<String> = rows.iter().map(|r| r.sku.clone()).collect();
        let mut items = self.listings_of(&skus).await?;
        let known: BTreeSet<String> = items.iter().map(|i| i.sku.clone()).collect();
        let parents: Vec<String> = items
            .iter()
            .filter_map(build::parent_sku)
            .filter(|p| !known.contains(p))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        items.extend(self.listings_of(&parents).await?);
        Ok((items, self.all_fba().await?))
    }

    /// Reads what changed (or everything, the first time) and builds the families it touches.
    async fn read_catalog(&self) -> ConnectorResult<Vec<StoreProduct>> {
        let mut snapshot = self.snapshot.lock().await;
        let started = self.clock.now();
        let changed: BTreeSet<String> = match snapshot.read_at {
            None => {
                let (items, fba) = self.first_read().await?;
                snapshot.listings = items.into_iter().map(|i| (i.sku.clone(), i)).collect();
                snapshot.fba = fba;
                snapshot.listings.keys().cloned().collect()
            }
            Some(last) => {
                let since = feedbridge_common::timestamps::rfc3339_seconds(
                    last.checked_sub(CHANGE_OVERLAP).unwrap_or(last),
                );
                let filter = format!(
                    "&lastUpdatedAfter={}&sortBy=lastUpdatedDate&sortOrder=ASC",
                    encode_segment(&since)
                );
                let items = self.search_all(&filter).await?;
                let mut changed: BTreeSet<String> = items.iter().map(|i| i.sku.clone()).collect();
                for item in items {
                    snapshot.listings.insert(item.sku.clone(), item);
                }
                let mut cursor = None;
                loop {
                    let page = self.client.inventory_changed_since(&since, cursor).await?;
                    for stock in page.items {
                        changed.insert(stock.seller_sku.clone());
                        snapshot.fba.insert(stock.seller_sku, stock.fulfillable);
                    }
                    cursor = page.next;
                    if cursor.is_none() {
                        break;
                    }
                }
                changed
            }
        };
        let products = self.families(&mut snapshot, &changed).await?;
        snapshot.read_at = Some(started);
        Ok(products)
    }

    /// The products of the families holding `skus`, from the snapshot (catalog items read
    /// when new or when their parent changed).
    async fn families(
        &self,
        snapshot: &mut Snapshot,
        skus: &BTreeSet<String>,
    ) -> ConnectorResult<Vec<StoreProduct>> {
        let m = self.marketplace().to_string();
        // Family key: the parent SKU, or the SKU itself.
        let mut keys = BTreeSet::new();
        for sku in skus {
            let Some(item) = snapshot.listings.get(sku) else {
                continue;
            };
            keys.insert(build::parent_sku(item).unwrap_or_else(|| sku.clone()));
        }
        let missing: Vec<String> = keys
            .iter()
            .filter(|k| !snapshot.listings.contains_key(*k))
            .cloned()
            .collect();
        for item in self.listings_of(&missing).await? {
            snapshot.listings.insert(item.sku.clone(), item);
        }
        let mut products = Vec::new();
        let mut skipped = Vec::new();
        for key in keys {
            let head = snapshot.listings.get(&key);
            let parent = head.filter(|h| build::is_parent(h));
            let offers: Vec<&ListingItem> = match parent {
                Some(_) => snapshot
                    .listings
                    .values()
                    .filter(|i| build::parent_sku(i).as_deref() == Some(key.as_str()))
                    .collect(),
                None => head.into_iter().collect(),
            };
            let Some(asin) = head.and_then(|h| build::asin_of(h, &m)) else {
                skipped.push(format!("{key} has no ASIN in the marketplace yet"));
                continue;
            };
            let stamp = head
                .and_then(|h| h.summaries.first())
                .map(|s| s.last_updated_date.clone())
                .unwrap_or_default();
            let fresh = snapshot
                .catalog
                .get(&asin)
                .is_some_and(|(read_at, _)| *read_at == stamp);
            if !fresh && let Some(item) = self.catalog_item(&asin).await? {
                snapshot.catalog.insert(asin.clone(), (stamp, item));
            }
            let family = Family {
                parent,
                offers,
                catalog: snapshot.catalog.get(&asin).map(|(_, c)| c),
            };
            if let Some(product) = build::product_of(&family, &snapshot.fba, &m, &mut skipped) {
                products.push(product);
            }
        }
        for why in skipped {
            tracing::warn!(
                platform = "amazon",
                org = self.client.org(),
                "An Amazon listing was not read as a product: {why}."
            );
        }
        Ok(products)
    }
}

fn not_served(what: &str) -> ConnectorError {
    ConnectorError::Rejected {
        reason: format!(
            "Amazon has no {what} at the configured address; check api_base of [organization.store]"
        ),
        raw: String::new(),
    }
}

#[async_trait]
impl Storefront for AmazonStore {
    /// Reads one listing page: the grant works for this seller and marketplace.
    async fn info(&self) -> ConnectorResult<StoreInfo> {
        self.search("&pageSize=1", None).await.map(|_| StoreInfo {
            name: format!("Amazon seller {} ({})", self.seller_id, self.marketplace()),
            currency: self.currency.clone(),
            stock_locations: Some(1),
        })
    }

    async fn products(&self, cursor: Option<String>) -> ConnectorResult<Page<StoreProduct>> {
        if cursor.is_some() {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        Ok(Page {
            items: self.read_catalog().await?,
            next: None,
        })
    }

    fn full_catalog(&self) -> BoxStream<'_, ConnectorResult<Vec<StoreProduct>>> {
        futures::stream::once(self.read_catalog()).boxed()
    }

    /// Amazon holds no store order for a TikTok order (MCF orders are followed apart).
    async fn find_order(&self, _: &str) -> ConnectorResult<Option<StoreOrderRef>> {
        Ok(None)
    }

    async fn create_order(&self, order: &NewStoreOrder) -> ConnectorResult<StoreOrderRef> {
        self.refuse(&format!(
            "take TikTok order {} as a store order",
            order.tiktok_order_id
        ))
    }

    async fn orders_updated_since(
        &self,
        _: &str,
        _: Option<String>,
    ) -> ConnectorResult<Page<StoreOrderUpdate>> {
        Ok(Page {
            items: Vec::new(),
            next: None,
        })
    }

    async fn fulfilments(&self, _: &str) -> ConnectorResult<Vec<StoreFulfilment>> {
        Ok(Vec::new())
    }

    async fn order_update(&self, _: &str) -> ConnectorResult<Option<StoreOrderUpdate>> {
        Ok(None)
    }

    async fn cancel_order(&self, order_id: &str, _: bool) -> ConnectorResult<()> {
        self.refuse(&format!("cancel store order {order_id}"))
    }

    async fn fulfil_order(
        &self,
        order_id: &str,
        _: &NewStoreFulfilment,
    ) -> ConnectorResult<String> {
        self.refuse(&format!("record a shipment on store order {order_id}"))
    }

    async fn fulfilment_progress(
        &self,
        fulfilment_id: &str,
        _: ShipmentProgress,
    ) -> ConnectorResult<()> {
        self.refuse(&format!("record the progress of shipment {fulfilment_id}"))
    }

    async fn add_order_tags(&self, order_id: &str, _: &[String]) -> ConnectorResult<()> {
        self.refuse(&format!("tag store order {order_id}"))
    }

    /// SP-API notifications need an AWS destination; feedbridge polls.
    async fn register_webhooks(&self, _: &str) -> ConnectorResult<()> {
        Ok(())
    }

    async fn inventory_levels(&self, ids: &[String]) -> ConnectorResult<Vec<ItemLevels>> {
        let items = self.listings_of(ids).await?;
        let fba = if items.iter().any(build::is_fba) {
            self.all_fba().await?
        } else {
            HashMap::new()
        };
        let now = feedbridge_common::timestamps::rfc3339_seconds(self.clock.now());
        Ok(items
            .iter()
            .map(|item| {
                let available = if build::is_fba(item) {
                    fba.get(&item.sku).copied().unwrap_or(0)
                } else {
                    item.fulfillment_availability
                        .iter()
                        .find(|a| a.fulfillment_channel_code == "DEFAULT")
                        .and_then(|a| a.quantity)
                        .unwrap_or(0)
                };
                ItemLevels {
                    inventory_item_id: item.sku.clone(),
                    levels: vec![LocationLevel {
                        location_id: LOCATION.to_string(),
                        available,
                        updated_at: now.clone(),
                    }],
                }
            })
            .collect())
    }

    /// The family of this ASIN, read again.
    async fn product(&self, product_id: &str) -> ConnectorResult<Option<StoreProduct>> {
        let heads = self
            .search_all(&format!(
                "&identifiersType=ASIN&identifiers={}",
                encode_segment(product_id)
            ))
            .await?;
        let Some(head) = heads.into_iter().next() else {
            return Ok(None);
        };
        let mut snapshot = self.snapshot.lock().await;
        let children = build::child_skus(&head);
        let key = head.sku.clone();
        snapshot.listings.insert(key.clone(), head);
        for item in self.listings_of(&children).await? {
            snapshot.listings.insert(item.sku.clone(), item);
        }
        snapshot.fba = self.all_fba().await?;
        let keys = BTreeSet::from([key]);
        Ok(self
            .families(&mut snapshot, &keys)
            .await?
            .into_iter()
            .next())
    }
}
