//! [`Storefront`] for BigCommerce: the catalog (V3), orders and shipments (V2), stock per
//! location (Inventory API) and webhooks (V3 hooks). The rules are in the module docs.

use super::orders::{self, BYPASS_LINE, EXTERNAL_SOURCE};
use super::wire::{
    self, Fields, WireHook, WireLine, WireOrder, WireProduct, WireShipment, WireVariant,
};
use super::{
    BigCommerceClient, PAGE_LIMIT, WEBHOOK_SCOPES, WEBHOOK_TOKEN_HEADER, bug, not_found,
    parse_variant_id, variant_id,
};
use crate::connector::{
    ConnectorError, ConnectorResult, InventoryBehaviour, ItemLevels, LocationLevel,
    NewStoreFulfilment, NewStoreOrder, Page, ProductFacts, ShipmentProgress, StoreFulfilment,
    StoreInfo, StoreOrderRef, StoreOrderUpdate, StoreProduct, StoreUnits, StoreVariant, Storefront,
};
use async_trait::async_trait;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// What a product that does not track stock reports as available.
pub const UNTRACKED_IN_STOCK: i64 = 100;
/// The location stock adjustments go to (every store has it).
const DEFAULT_LOCATION: u64 = 1;
/// Variant ids per inventory read.
const INVENTORY_CHUNK: usize = 100;
const TRACKING_NUMBER_MAX: usize = 50;
/// Statuses in which an order holds stock (BigCommerce's default inventory settings).
fn holds_stock(status_id: u64) -> bool {
    !matches!(status_id, 0 | 4 | 5)
}

/// One line of an order with what stock it touches.
#[derive(Clone, Debug)]
pub(super) struct LineStock {
    product_id: u64,
    variant_id: u64,
    pub(super) sku: String,
    pub(super) quantity: i64,
    /// The product counts its stock.
    tracked: bool,
    /// A product without options: its stock is adjusted by product id.
    base: bool,
    level: i64,
}

pub(super) fn parse_order_id(order_id: &str) -> ConnectorResult<u64> {
    order_id
        .trim()
        .parse()
        .map_err(|_| bug(&format!("Order {order_id}")))
}

fn parse_fulfilment_id(id: &str) -> ConnectorResult<(u64, u64)> {
    id.split_once('/')
        .and_then(|(o, s)| Some((o.parse().ok()?, s.parse().ok()?)))
        .ok_or_else(|| bug(&format!("Shipment {id}")))
}

/// The product with its variants; a variant's null figures are the product's.
fn store_product(p: WireProduct, units: StoreUnits) -> StoreProduct {
    let product_measures = p.size.measures(units);
    let tracked = p.inventory_tracking != "none";
    let variants = p
        .variants
        .iter()
        .map(|v| StoreVariant {
            id: variant_id(p.id, v.id),
            sku: v.sku.clone(),
            title: if v.options.is_empty() {
                "Default Title".to_owned()
            } else {
                v.options
                    .iter()
                    .map(|(_, label)| label.as_str())
                    .collect::<Vec<_>>()
                    .join(" / ")
            },
            price: v.price,
            available: if tracked {
                v.inventory_level.max(0)
            } else {
                UNTRACKED_IN_STOCK
            },
            inventory_item_id: Some(v.id.to_string()),
            options: v.options.clone(),
            measures: v.size.measures(units).or(product_measures),
        })
        .collect();
    StoreProduct {
        id: p.id.to_string(),
        title: p.name,
        description_html: p.description,
        image_urls: p.images,
        updated_at: p.date_modified,
        variants,
        // BigCommerce keeps no tags, and its brand is an id (read from the brands API, not
        // yet); custom fields are (name, value) pairs.
        facts: ProductFacts {
            tags: Vec::new(),
            vendor: None,
            fields: p.custom_fields,
        },
    }
}

fn order_ref(o: &WireOrder) -> StoreOrderRef {
    StoreOrderRef {
        id: o.id.to_string(),
        name: format!("#{}", o.id),
        total: Some(o.total_inc_tax),
    }
}

fn is_ours(o: &WireOrder) -> bool {
    o.external_source.as_deref() == Some(EXTERNAL_SOURCE) && o.external_order_id.is_some()
}

impl BigCommerceClient {
    /// `GET /v2/store`: name, currency and the units catalog figures are in.
    async fn store_information(&self) -> ConnectorResult<Value> {
        self.get("/v2/store", &[])
            .await?
            .ok_or_else(|| not_found("store information (check the store hash)"))
    }

    /// The store's `weight_units` and `dimension_units`, read once per connection.
    async fn units(&self) -> ConnectorResult<StoreUnits> {
        self.units
            .get_or_try_init(|| async {
                let store = self.store_information().await?;
                let s = Fields::of(&store, "the store information")?;
                let (weight, length) = (s.text("weight_units")?, s.text("dimension_units")?);
                let units = StoreUnits::named(&weight, &length);
                if units.weight.is_none() || units.length.is_none() {
                    tracing::warn!(platform = "bigcommerce", weight_units = %weight, dimension_units = %length,
                        "Unknown store unit; those figures are left to the shop's package defaults.");
                }
                Ok(units)
            })
            .await
            .copied()
    }

    pub(super) async fn order(&self, id: u64) -> ConnectorResult<Option<WireOrder>> {
        match self.get(&format!("/v2/orders/{id}"), &[]).await? {
            None => Ok(None),
            Some(v) => WireOrder::read(&v).map(Some),
        }
    }

    pub(super) async fn order_lines(&self, id: u64) -> ConnectorResult<Vec<WireLine>> {
        self.v2_all(&format!("/v2/orders/{id}/products"))
            .await?
            .iter()
            .map(|v| WireLine::read(v, id))
            .collect()
    }

    async fn shipments(&self, id: u64) -> ConnectorResult<Vec<WireShipment>> {
        self.v2_all(&format!("/v2/orders/{id}/shipments"))
            .await?
            .iter()
            .map(|v| WireShipment::read(v, id))
            .collect()
    }

    async fn order_fulfilments(&self, id: u64) -> ConnectorResult<Vec<StoreFulfilment>> {
        let shipments = self.shipments(id).await?;
        if shipments.is_empty() {
            return Ok(Vec::new());
        }
        let lines = self.order_lines(id).await?;
        let sku_of = |opid: u64| {
            lines
                .iter()
                .find(|l| l.id == opid)
                .map(|l| l.sku.clone())
                .unwrap_or_default()
        };
        Ok(shipments
            .iter()
            .map(|s| StoreFulfilment {
                id: format!("{id}/{}", s.id),
                tracking_number: Some(s.tracking_number.trim().to_owned())
                    .filter(|n| !n.is_empty()),
                carrier: s.carrier(),
                lines: s
                    .items
                    .iter()
                    .map(|(opid, q)| (sku_of(*opid), u32::try_from(*q).unwrap_or(0)))
                    .collect(),
            })
            .collect())
    }

    fn update_of(o: &WireOrder, fulfilments: Vec<StoreFulfilment>) -> StoreOrderUpdate {
        StoreOrderUpdate {
            id: o.id.to_string(),
            name: format!("#{}", o.id),
            updated_at: wire::iso_of_rfc2822(&o.date_modified),
            tiktok_order_id: o.external_order_id.clone(),
            cancelled: super::ends_order(o.status_id, o.items_shipped),
            refunded: o.status_id == super::REFUNDED,
            fulfilments,
        }
    }

    async fn product_of(&self, id: u64) -> ConnectorResult<Option<WireProduct>> {
        let query = [("include", "variants,images,custom_fields".to_owned())];
        match self
            .get(&format!("/v3/catalog/products/{id}"), &query)
            .await?
        {
            None => Ok(None),
            Some(v) => {
                let data = v.get("data").unwrap_or(&Value::Null);
                WireProduct::read(data).map(Some)
            }
        }
    }

    /// The stock each `(variant id, quantity)` touches, read from the catalog.
    pub(super) async fn line_stock(
        &self,
        lines: &[(String, i64)],
    ) -> ConnectorResult<Vec<LineStock>> {
        let mut products: BTreeMap<u64, Option<WireProduct>> = BTreeMap::new();
        let mut out = Vec::new();
        for (id, quantity) in lines {
            let (product_id, vid) =
                parse_variant_id(id).ok_or_else(|| bug(&format!("Variant {id}")))?;
            if let std::collections::btree_map::Entry::Vacant(slot) = products.entry(product_id) {
                slot.insert(self.product_of(product_id).await?);
            }
            let product = products.get(&product_id).and_then(Option::as_ref);
            let variant: Option<&WireVariant> =
                product.and_then(|p| p.variants.iter().find(|v| v.id == vid));
            let (Some(product), Some(variant)) = (product, variant) else {
                let raw = if product.is_none() {
                    format!("GET /v3/catalog/products/{product_id}: 404 Not Found")
                } else {
                    format!("product {product_id} has no variant {vid}")
                };
                return Err(ConnectorError::Rejected {
                    reason: format!(
                        "BigCommerce variant {id} no longer exists; link the SKU to an existing product"
                    ),
                    raw,
                });
            };
            out.push(LineStock {
                product_id,
                variant_id: vid,
                sku: variant.sku.clone(),
                quantity: *quantity,
                tracked: product.inventory_tracking != "none",
                base: variant.options.is_empty(),
                level: variant.inventory_level,
            });
        }
        Ok(out)
    }

    /// Moves tracked stock by `delta` per line at the default location (relative adjustment).
    pub(super) async fn adjust(
        &self,
        changes: &[(&LineStock, i64)],
        reason: &str,
    ) -> ConnectorResult<()> {
        let items: Vec<Value> = changes
            .iter()
            .filter(|(l, delta)| l.tracked && *delta != 0)
            .map(|(l, delta)| {
                if l.base {
                    json!({"location_id": DEFAULT_LOCATION, "product_id": l.product_id, "quantity": delta})
                } else {
                    json!({"location_id": DEFAULT_LOCATION, "variant_id": l.variant_id, "quantity": delta})
                }
            })
            .collect();
        if items.is_empty() {
            return Ok(());
        }
        self.write(
            Method::POST,
            "/v3/inventory/adjustments/relative",
            &json!({"reason": reason, "items": items}),
            "inventory adjustments route",
        )
        .await
        .map(|_| ())
    }

    /// Units each line needs beyond what the store holds (tracked lines only).
    fn shortfalls(lines: &[LineStock]) -> Vec<i64> {
        let mut wanted: BTreeMap<u64, i64> = BTreeMap::new();
        lines
            .iter()
            .map(|l| {
                let before = *wanted.get(&l.variant_id).unwrap_or(&0);
                wanted.insert(l.variant_id, before + l.quantity);
                if !l.tracked {
                    return 0;
                }
                let free = (l.level - before).max(0);
                (l.quantity - free).max(0)
            })
            .collect()
    }

    /// Why BigCommerce refused an order for stock, naming the SKUs.
    /// A refused create explained: a line whose variant is gone (BigCommerce only says "The
    /// field 'product_id' is invalid."), or the SKUs short of stock. BigCommerce's answer is
    /// kept as the raw error.
    async fn explain_refusal(
        &self,
        order: &NewStoreOrder,
        error: ConnectorError,
    ) -> ConnectorError {
        if !matches!(error, ConnectorError::Rejected { .. }) {
            return error;
        }
        let wanted: Vec<(String, i64)> = order
            .lines
            .iter()
            .map(|l| (l.variant_id.clone(), i64::from(l.quantity)))
            .collect();
        let lines = match self.line_stock(&wanted).await {
            Ok(lines) => lines,
            Err(ConnectorError::Rejected { reason, .. }) => {
                return ConnectorError::Rejected {
                    reason,
                    raw: error.raw().to_owned(),
                };
            }
            Err(_) => return error,
        };
        if wire::out_of_stock(error.raw()).is_empty() {
            return error;
        }
        let short: Vec<String> = lines
            .iter()
            .zip(Self::shortfalls(&lines))
            .filter(|(_, short)| *short > 0)
            .map(|(l, _)| {
                format!(
                    "SKU {} ({} in stock, {} needed)",
                    l.sku, l.level, l.quantity
                )
            })
            .collect();
        ConnectorError::Rejected {
            reason: format!(
                "BigCommerce has too little stock for TikTok order {}: {}; restock it, then retry",
                order.tiktok_order_id,
                short.join(", ")
            ),
            raw: error.raw().to_owned(),
        }
    }

    async fn all_hooks(&self) -> ConnectorResult<Vec<WireHook>> {
        let mut all = Vec::new();
        for page in 1..=20 {
            let query = [
                ("page", page.to_string()),
                ("limit", PAGE_LIMIT.to_string()),
            ];
            let body = self
                .get("/v3/hooks", &query)
                .await?
                .ok_or_else(|| not_found("webhooks route"))?;
            let list = Fields::of(&body, "the webhook list")?;
            for hook in list.array("data")? {
                all.push(WireHook::read(hook)?);
            }
            if !wire::has_next_page(&body) {
                break;
            }
        }
        Ok(all)
    }
}

fn page_of(cursor: Option<String>) -> usize {
    cursor
        .and_then(|c| c.trim().parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

#[async_trait]
impl Storefront for BigCommerceClient {
    async fn info(&self) -> ConnectorResult<StoreInfo> {
        let store = self.store_information().await?;
        let s = Fields::of(&store, "the store information")?;
        Ok(StoreInfo {
            name: s.text("name")?,
            currency: s.str("currency")?,
            stock_locations: None,
        })
    }

    async fn products(&self, cursor: Option<String>) -> ConnectorResult<Page<StoreProduct>> {
        let units = self.units().await?;
        let page = page_of(cursor);
        let query = [
            ("include", "variants,images,custom_fields".to_owned()),
            ("sort", "date_modified".to_owned()),
            ("direction", "asc".to_owned()),
            ("limit", PAGE_LIMIT.to_string()),
            ("page", page.to_string()),
        ];
        let body = self
            .get("/v3/catalog/products", &query)
            .await?
            .ok_or_else(|| not_found("catalog products route"))?;
        let list = Fields::of(&body, "the product list")?;
        let items = list
            .array("data")?
            .iter()
            .map(|p| WireProduct::read(p).map(|p| store_product(p, units)))
            .collect::<ConnectorResult<Vec<_>>>()?;
        Ok(Page {
            items,
            next: wire::has_next_page(&body).then(|| (page + 1).to_string()),
        })
    }

    async fn find_order(&self, tiktok_order_id: &str) -> ConnectorResult<Option<StoreOrderRef>> {
        let query = [("external_order_id", tiktok_order_id.to_owned())];
        let found = match self.get("/v2/orders", &query).await? {
            None => return Ok(None),
            Some(answer) => wire::list(answer, "the order list")?,
        };
        for value in &found {
            let order = WireOrder::read(value)?;
            if order.external_order_id.as_deref() == Some(tiktok_order_id) {
                return Ok(Some(order_ref(&order)));
            }
        }
        Ok(None)
    }

    async fn create_order(&self, order: &NewStoreOrder) -> ConnectorResult<StoreOrderRef> {
        let mut body = orders::create_body(order)?;
        let wanted: Vec<(String, i64)> = order
            .lines
            .iter()
            .map(|l| (l.variant_id.clone(), i64::from(l.quantity)))
            .collect();
        let (lines, short) = if order.inventory == InventoryBehaviour::DecrementObeyingPolicy {
            (Vec::new(), Vec::new())
        } else {
            let lines = self.line_stock(&wanted).await?;
            let short = Self::shortfalls(&lines);
            (lines, short)
        };
        if order.inventory == InventoryBehaviour::Bypass {
            let notes = body["staff_notes"].as_str().unwrap_or_default().to_owned();
            body["staff_notes"] = Value::String(format!("{notes}\n{BYPASS_LINE}"));
        }
        let top_up: Vec<(&LineStock, i64)> = lines.iter().zip(short.iter().copied()).collect();
        let reason = format!("TikTok order {}", order.tiktok_order_id);
        self.adjust(&top_up, &reason).await?;
        let created = match self
            .write(Method::POST, "/v2/orders", &body, "orders route")
            .await
        {
            Ok(created) => WireOrder::read(&created)?,
            Err(error) => {
                let undo: Vec<(&LineStock, i64)> = top_up.iter().map(|(l, s)| (*l, -s)).collect();
                if let Err(undo_error) = self.adjust(&undo, &reason).await {
                    tracing::warn!(platform = "bigcommerce", error = %undo_error, "Could not take back the stock added for an order BigCommerce refused.");
                }
                return Err(self.explain_refusal(order, error).await);
            }
        };
        tracing::info!(platform = "bigcommerce", tiktok_order_id = %order.tiktok_order_id, order_id = created.id, "Store order created.");
        // The order exists now: a failure below must not make the caller create it again.
        let after: Vec<(&LineStock, i64)> = match order.inventory {
            InventoryBehaviour::DecrementObeyingPolicy => Vec::new(),
            InventoryBehaviour::DecrementIgnoringPolicy => {
                top_up.iter().map(|(l, s)| (*l, -s)).collect()
            }
            InventoryBehaviour::Bypass => {
                top_up.iter().map(|(l, s)| (*l, l.quantity - s)).collect()
            }
        };
        if let Err(error) = self.adjust(&after, &reason).await {
            tracing::warn!(platform = "bigcommerce", order_id = created.id, %error, "Could not settle the stock of a new order; the catalog shows the count BigCommerce left.");
        }
        Ok(order_ref(&created))
    }

    async fn orders_updated_since(
        &self,
        since: &str,
        cursor: Option<String>,
    ) -> ConnectorResult<Page<StoreOrderUpdate>> {
        let page = page_of(cursor);
        let query = [
            ("min_date_modified", since.to_owned()),
            ("sort", "date_modified:asc".to_owned()),
            ("limit", PAGE_LIMIT.to_string()),
            ("page", page.to_string()),
        ];
        let listed = match self.get("/v2/orders", &query).await? {
            None => Vec::new(),
            Some(answer) => wire::list(answer, "the order list")?,
        };
        let full = listed.len() >= PAGE_LIMIT;
        let mut items = Vec::new();
        for value in &listed {
            let order = WireOrder::read(value)?;
            if !is_ours(&order) {
                continue;
            }
            let fulfilments = if order.items_shipped > 0 {
                self.order_fulfilments(order.id).await?
            } else {
                Vec::new()
            };
            items.push(Self::update_of(&order, fulfilments));
        }
        Ok(Page {
            items,
            next: full.then(|| (page + 1).to_string()),
        })
    }

    async fn fulfilments(&self, order_id: &str) -> ConnectorResult<Vec<StoreFulfilment>> {
        let id = parse_order_id(order_id)?;
        if self.order(id).await?.is_none() {
            return Err(not_found(&format!("order {order_id}")));
        }
        self.order_fulfilments(id).await
    }

    async fn order_update(&self, order_id: &str) -> ConnectorResult<Option<StoreOrderUpdate>> {
        let id = parse_order_id(order_id)?;
        let Some(order) = self.order(id).await? else {
            return Ok(None);
        };
        let fulfilments = self.order_fulfilments(id).await?;
        Ok(Some(Self::update_of(&order, fulfilments)))
    }

    async fn refund_order(&self, order_id: &str, restock: bool) -> ConnectorResult<bool> {
        self.refund_whole_order(order_id, restock).await
    }

    async fn cancel_order(&self, order_id: &str, restock: bool) -> ConnectorResult<()> {
        let id = parse_order_id(order_id)?;
        let order = self
            .order(id)
            .await?
            .ok_or_else(|| not_found(&format!("order {order_id}")))?;
        if order.status_id == 5 {
            return Ok(());
        }
        let bypassed = order.staff_notes.lines().any(|l| l == BYPASS_LINE);
        let take_back = holds_stock(order.status_id) && (bypassed || !restock);
        let lines = if take_back {
            let wanted: Vec<(String, i64)> = self
                .order_lines(id)
                .await?
                .iter()
                .filter(|l| l.product_id != 0 && l.variant_id != 0)
                .map(|l| (variant_id(l.product_id, l.variant_id), l.quantity))
                .collect();
            self.line_stock(&wanted).await?
        } else {
            Vec::new()
        };
        self.write(
            Method::PUT,
            &format!("/v2/orders/{id}"),
            &json!({"status_id": 5}),
            &format!("order {order_id}"),
        )
        .await?;
        // BigCommerce put the units back; these must stay taken.
        let out: Vec<(&LineStock, i64)> = lines.iter().map(|l| (l, -l.quantity)).collect();
        self.adjust(&out, &format!("Cancelled order {id}")).await
    }

    async fn fulfil_order(
        &self,
        order_id: &str,
        fulfilment: &NewStoreFulfilment,
    ) -> ConnectorResult<String> {
        let id = parse_order_id(order_id)?;
        let number = fulfilment.tracking_number.trim();
        if number.chars().count() > TRACKING_NUMBER_MAX {
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "Tracking number {number} is longer than the {TRACKING_NUMBER_MAX} characters BigCommerce takes"
                ),
                raw: String::new(),
            });
        }
        let lines = self.order_lines(id).await?;
        let mut remaining: Vec<(u64, &str, i64)> = lines
            .iter()
            .map(|l| (l.id, l.sku.as_str(), l.quantity - l.quantity_shipped))
            .collect();
        let mut items: Vec<Value> = Vec::new();
        if fulfilment.lines.is_empty() {
            for (opid, _, left) in remaining.iter().filter(|r| r.2 > 0) {
                items.push(json!({"order_product_id": opid, "quantity": left}));
            }
        } else {
            for (sku, quantity) in &fulfilment.lines {
                let mut need = i64::from(*quantity);
                for (opid, _, left) in remaining.iter_mut().filter(|r| r.1 == sku) {
                    let take = need.min(*left);
                    if take > 0 {
                        items.push(json!({"order_product_id": opid, "quantity": take}));
                        *left -= take;
                        need -= take;
                    }
                }
            }
        }
        if items.is_empty() {
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "BigCommerce order {order_id} has nothing left to ship for these lines"
                ),
                raw: String::new(),
            });
        }
        let addresses = self
            .v2_all(&format!("/v2/orders/{id}/shipping_addresses"))
            .await?;
        let address = addresses
            .first()
            .map(|a| {
                Fields::of(a, format!("order {id} shipping address")).and_then(|f| f.u64("id"))
            })
            .transpose()?
            .ok_or_else(|| not_found(&format!("shipping address of order {order_id}")))?;
        let (tracking_carrier, shipping_provider) = orders::carrier_fields(&fulfilment.carrier);
        let created = self
            .write(
                Method::POST,
                &format!("/v2/orders/{id}/shipments"),
                &json!({
                    "order_address_id": address,
                    "tracking_number": number,
                    "tracking_carrier": tracking_carrier,
                    "shipping_provider": shipping_provider,
                    "shipping_method": fulfilment.carrier.trim(),
                    "items": items,
                }),
                &format!("order {order_id}"),
            )
            .await?;
        let shipment = WireShipment::read(&created, id)?;
        Ok(format!("{id}/{}", shipment.id))
    }

    async fn fulfilment_progress(
        &self,
        fulfilment_id: &str,
        progress: ShipmentProgress,
    ) -> ConnectorResult<()> {
        let (order_id, _) = parse_fulfilment_id(fulfilment_id)?;
        if progress != ShipmentProgress::Delivered {
            return Ok(());
        }
        let Some(order) = self.order(order_id).await? else {
            return Err(not_found(&format!("order {order_id}")));
        };
        if order.status_id != 2 {
            return Ok(());
        }
        self.write(
            Method::PUT,
            &format!("/v2/orders/{order_id}"),
            &json!({"status_id": 10}),
            &format!("order {order_id}"),
        )
        .await
        .map(|_| ())
    }

    async fn add_order_tags(&self, order_id: &str, tags: &[String]) -> ConnectorResult<()> {
        let id = parse_order_id(order_id)?;
        let order = self
            .order(id)
            .await?
            .ok_or_else(|| not_found(&format!("order {order_id}")))?;
        let merged = orders::merge_tags(&order.staff_notes, tags);
        if merged == order.staff_notes {
            return Ok(());
        }
        self.write(
            Method::PUT,
            &format!("/v2/orders/{id}"),
            &json!({"staff_notes": merged}),
            &format!("order {order_id}"),
        )
        .await
        .map(|_| ())
    }

    async fn register_webhooks(&self, address: &str) -> ConnectorResult<()> {
        let existing = self.all_hooks().await?;
        let secret = self.settings.webhook_secret.expose();
        let header_key = WEBHOOK_TOKEN_HEADER.to_ascii_lowercase();
        let headers = json!({ WEBHOOK_TOKEN_HEADER: secret });
        for scope in WEBHOOK_SCOPES {
            let ours = existing
                .iter()
                .find(|h| h.scope == scope && h.destination == address);
            match ours {
                Some(hook)
                    if hook.is_active
                        && hook.headers.get(&header_key).map(String::as_str) == Some(secret) => {}
                Some(hook) => {
                    // Deactivated after failed deliveries, or carrying an old secret.
                    self.write(
                        Method::PUT,
                        &format!("/v3/hooks/{}", hook.id),
                        &json!({"is_active": true, "headers": headers}),
                        &format!("webhook {}", hook.id),
                    )
                    .await?;
                    tracing::info!(platform = "bigcommerce", scope, "Webhook re-activated.");
                }
                None => {
                    self.write(
                        Method::POST,
                        "/v3/hooks",
                        &json!({"scope": scope, "destination": address, "is_active": true, "headers": headers}),
                        "webhooks route",
                    )
                    .await?;
                    tracing::info!(platform = "bigcommerce", scope, "Webhook subscribed.");
                }
            }
        }
        Ok(())
    }

    async fn inventory_levels(
        &self,
        inventory_item_ids: &[String],
    ) -> ConnectorResult<Vec<ItemLevels>> {
        let ids: Vec<u64> = inventory_item_ids
            .iter()
            .filter_map(|id| id.trim().parse().ok())
            .collect();
        let mut found: BTreeMap<u64, Vec<LocationLevel>> = BTreeMap::new();
        let read_at = feedbridge_common::timestamps::rfc3339_seconds(self.clock.now());
        for chunk in ids.chunks(INVENTORY_CHUNK) {
            let list: Vec<String> = chunk.iter().map(u64::to_string).collect();
            let query = [
                ("variant_id:in", list.join(",")),
                ("limit", INVENTORY_CHUNK.to_string()),
            ];
            let body = self
                .get("/v3/inventory/items", &query)
                .await?
                .ok_or_else(|| not_found("inventory items route"))?;
            let page = Fields::of(&body, "the inventory items")?;
            for item in page.each("data")? {
                let identity = Fields::of(
                    item.get("identity").unwrap_or(&Value::Null),
                    format!("{} → identity", item.what()),
                )?;
                let variant = identity.u64("variant_id")?;
                let mut levels = Vec::new();
                for location in item.each("locations")? {
                    levels.push(LocationLevel {
                        location_id: location.u64("location_id")?.to_string(),
                        available: location.i64("available_to_sell")?.max(0),
                        updated_at: read_at.clone(),
                    });
                }
                found.insert(variant, levels);
            }
        }
        Ok(inventory_item_ids
            .iter()
            .map(|id| ItemLevels {
                inventory_item_id: id.clone(),
                levels: id
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .and_then(|v| found.get(&v).cloned())
                    .unwrap_or_default(),
            })
            .collect())
    }

    async fn product(&self, product_id: &str) -> ConnectorResult<Option<StoreProduct>> {
        let Ok(id) = product_id.trim().parse::<u64>() else {
            return Ok(None);
        };
        let units = self.units().await?;
        Ok(self.product_of(id).await?.map(|p| store_product(p, units)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(variant: u64, quantity: i64, level: i64, tracked: bool) -> LineStock {
        LineStock {
            product_id: 1,
            variant_id: variant,
            sku: format!("SKU-{variant}"),
            quantity,
            tracked,
            base: false,
            level,
        }
    }

    #[test]
    fn shortfalls_count_repeated_variants_once() {
        let lines = [
            line(1, 2, 3, true),
            line(1, 2, 3, true),
            line(2, 5, 0, false),
            line(3, 1, -2, true),
        ];
        assert_eq!(BigCommerceClient::shortfalls(&lines), vec![0, 1, 0, 1]);
    }

    #[test]
    fn ids() {
        assert_eq!(parse_fulfilment_id("100/7").unwrap(), (100, 7));
        assert!(parse_fulfilment_id("100").is_err());
        assert!(parse_order_id("#100").is_err());
        assert!(holds_stock(11) && !holds_stock(5) && !holds_stock(0));
    }
}
