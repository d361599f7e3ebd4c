//! [`Storefront`] for Wix: Catalog V1 products, V2 inventory variants, eCommerce orders and
//! fulfillments. The rules are in the module docs.

use super::wire::{self, at, opt_text, text, unexpected};
use super::{WixClient, bug, parse_variant_id};
use crate::connector::{
    Address, ConnectorError, ConnectorResult, InventoryBehaviour, ItemLevels, NewStoreFulfilment,
    NewStoreOrder, Page, ShipmentProgress, StoreFulfilment, StoreInfo, StoreOrderRef,
    StoreOrderUpdate, StoreProduct, Storefront,
};
use async_trait::async_trait;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The Wix Stores app: `catalogReference.appId` of every Stores product line.
pub const STORES_APP_ID: &str = "215238eb-22a5-4c36-9e7b-e7c08025e04e";
/// `channelInfo.type` of the orders feedbridge creates (Wix lists no TikTok channel).
pub const CHANNEL_TYPE: &str = "OTHER_PLATFORM";
/// Products per Query Products page (Wix's maximum).
const PAGE_LIMIT: u64 = 100;
/// Orders per Search Orders page (Wix's maximum).
const SEARCH_LIMIT: u64 = 100;

/// The shipping title that finds a TikTok order again (Search Orders filters on it).
pub fn shipping_title(tiktok_order_id: &str) -> String {
    format!("TikTok Shop order {tiktok_order_id}")
}

fn money(d: Decimal) -> Value {
    json!({"amount": d.round_dp(2).to_string()})
}

fn address_json(a: &Address) -> (Value, Value) {
    let mut address = json!({
        "country": a.country_code,
        "city": a.city,
        "postalCode": a.zip,
        "addressLine1": a.address1,
    });
    if !a.address2.is_empty() {
        address["addressLine2"] = json!(a.address2);
    }
    let province = a.province.trim();
    if !province.is_empty()
        && province.len() <= 3
        && province.chars().all(|c| c.is_ascii_alphanumeric())
    {
        address["subdivision"] = json!(format!(
            "{}-{}",
            a.country_code,
            province.to_ascii_uppercase()
        ));
    }
    let contact = json!({"firstName": a.first_name, "lastName": a.last_name, "phone": a.phone});
    (address, contact)
}

fn order_ref(order: &Value) -> ConnectorResult<StoreOrderRef> {
    let id = text(order, "id", "an order")?;
    let number = opt_text(order, "number");
    Ok(StoreOrderRef {
        name: format!("#{number}"),
        total: wire::decimal(order, "priceSummary.total.amount", "an order").ok(),
        id,
    })
}

/// Whether the order is one feedbridge created for a TikTok order (and which).
fn tiktok_id(order: &Value) -> Option<String> {
    let id = opt_text(order, "channelInfo.externalOrderId");
    (!id.is_empty() && opt_text(order, "shippingInfo.title") == shipping_title(&id)).then_some(id)
}

impl WixClient {
    async fn product_json(&self, product_id: &str) -> ConnectorResult<Option<Value>> {
        let Some(answer) = self
            .get(&format!("/stores/v1/products/{product_id}"))
            .await?
        else {
            return Ok(None);
        };
        at(&answer, "product")
            .cloned()
            .map(Some)
            .ok_or_else(|| unexpected("a product", "product", "an object"))
    }

    pub(super) async fn order_json(&self, order_id: &str) -> ConnectorResult<Option<Value>> {
        let Some(answer) = self.get(&format!("/ecom/v1/orders/{order_id}")).await? else {
            return Ok(None);
        };
        at(&answer, "order")
            .cloned()
            .map(Some)
            .ok_or_else(|| unexpected("an order", "order", "an object"))
    }

    async fn fulfillments_of(&self, order: &Value) -> ConnectorResult<Vec<StoreFulfilment>> {
        let id = text(order, "id", "an order")?;
        let with = self
            .get(&format!("/ecom/v1/fulfillments/orders/{id}"))
            .await?
            .and_then(|a| a.get("orderWithFulfillments").cloned())
            .unwrap_or(Value::Null);
        wire::fulfilments(order, &with)
    }

    async fn update_of(&self, order: &Value) -> ConnectorResult<StoreOrderUpdate> {
        let r = order_ref(order)?;
        Ok(StoreOrderUpdate {
            fulfilments: self.fulfillments_of(order).await?,
            updated_at: opt_text(order, "updatedDate"),
            tiktok_order_id: tiktok_id(order),
            cancelled: opt_text(order, "status") == "CANCELED",
            refunded: opt_text(order, "paymentStatus") == "FULLY_REFUNDED",
            id: r.id,
            name: r.name,
        })
    }

    /// The request body of Create Order.
    async fn create_body(&self, order: &NewStoreOrder) -> ConnectorResult<Value> {
        let mut products: BTreeMap<String, Value> = BTreeMap::new();
        let mut lines = Vec::new();
        let mut subtotal = Decimal::ZERO;
        for line in &order.lines {
            let (pid, vid) = parse_variant_id(&line.variant_id)
                .ok_or_else(|| bug(&format!("Variant {}", line.variant_id)))?;
            if !products.contains_key(pid) {
                let product = self.product_json(pid).await?.ok_or_else(|| ConnectorError::Rejected {
                    reason: format!("Wix has no product {pid}: the store variant {} no longer exists (deleted from the store)", line.variant_id),
                    raw: format!("HTTP 404 from GET /stores/v1/products/{pid}"),
                })?;
                products.insert(pid.to_owned(), product);
            }
            let product = &products[pid];
            let read = wire::product(product)?;
            let variant = read.variants.iter().find(|v| v.id == line.variant_id).ok_or_else(|| ConnectorError::Rejected {
                reason: format!("Wix product \"{}\": the store variant {} no longer exists (deleted from the store)", read.title, line.variant_id),
                raw: format!("GET /stores/v1/products/{pid} has no variant {vid}"),
            })?;
            if order.inventory == InventoryBehaviour::DecrementObeyingPolicy
                && variant.available < i64::from(line.quantity)
            {
                return Err(ConnectorError::Rejected {
                    reason: format!(
                        "Wix has {} of SKU {} in stock, the TikTok order wants {}; add stock in Wix (Catalog → Inventory) and the order is created on the next try",
                        variant.available, variant.sku, line.quantity
                    ),
                    raw: String::new(),
                });
            }
            let name = if variant.options.is_empty() {
                read.title.clone()
            } else {
                format!("{} - {}", read.title, variant.title)
            };
            let mut item = json!({
                "productName": {"original": name},
                "quantity": line.quantity,
                "price": money(line.unit_price),
                "itemType": {"preset": "PHYSICAL"},
                "physicalProperties": {"sku": variant.sku, "shippable": true},
                "taxDetails": {"taxRate": "0"},
            });
            // Bypass: a custom item, which Wix takes no stock for.
            if order.inventory != InventoryBehaviour::Bypass {
                item["catalogReference"] = json!({"catalogItemId": pid, "appId": STORES_APP_ID, "options": {"variantId": vid}});
            }
            subtotal += line.unit_price * Decimal::from(line.quantity);
            lines.push(item);
        }
        let (address, contact) = order
            .address
            .as_ref()
            .map(address_json)
            .unwrap_or((json!({}), json!({})));
        let email = order
            .email
            .clone()
            .filter(|e| !e.trim().is_empty())
            .unwrap_or_else(|| format!("tiktok-{}@buyer.invalid", order.tiktok_order_id));
        let mut body = json!({"order": {
            "channelInfo": {"type": CHANNEL_TYPE, "externalOrderId": order.tiktok_order_id},
            "lineItems": lines,
            "buyerInfo": {"email": email},
            "billingInfo": {"address": address, "contactDetails": contact},
            "shippingInfo": {
                "title": shipping_title(&order.tiktok_order_id),
                "logistics": {"shippingDestination": {"address": address, "contactDetails": contact}},
                "cost": {"price": money(order.shipping_fee)},
            },
            "priceSummary": {
                "subtotal": money(subtotal),
                "shipping": money(order.shipping_fee),
                "tax": money(order.tax),
                "discount": money(order.discount),
                "total": money(order.total),
            },
            "currency": order.currency,
            "weightUnit": "KG",
            "taxIncludedInPrices": false,
            "paymentStatus": "PAID",
        }});
        if order.address.is_none() {
            body["order"]["shippingInfo"]["logistics"] = json!({});
        }
        Ok(body)
    }
}

#[async_trait]
impl Storefront for WixClient {
    async fn info(&self) -> ConnectorResult<StoreInfo> {
        let answer = self
            .get("/site-properties/v4/properties")
            .await?
            .ok_or_else(|| ConnectorError::Rejected {
                reason: "Wix has no site properties at this address; check api_base and site_id"
                    .into(),
                raw: String::new(),
            })?;
        let name = opt_text(&answer, "properties.siteDisplayName");
        Ok(StoreInfo {
            name: if name.is_empty() {
                opt_text(&answer, "properties.businessName")
            } else {
                name
            },
            currency: text(&answer, "properties.paymentCurrency", "the site properties")?,
            stock_locations: None,
        })
    }

    async fn products(&self, cursor: Option<String>) -> ConnectorResult<Page<StoreProduct>> {
        let offset: u64 = match cursor {
            None => 0,
            Some(c) => c.parse().map_err(|_| bug(&format!("Page cursor {c}")))?,
        };
        let body = json!({"query": {"sort": "[{\"lastUpdated\":\"asc\"}]",
            "paging": {"limit": PAGE_LIMIT, "offset": offset}}, "includeVariants": true});
        let answer = self.post("/stores/v1/products/query", &body).await?.ok_or_else(|| ConnectorError::Rejected {
            reason: "Wix has no Stores catalog at this address: is Wix Stores installed on the site (and on Catalog V1)?".into(),
            raw: String::new(),
        })?;
        let list = wire::array(&answer, "products", "the product list")?;
        let items = list
            .iter()
            .map(wire::product)
            .collect::<ConnectorResult<Vec<_>>>()?;
        let total = at(&answer, "totalResults")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let next = offset + list.len() as u64;
        Ok(Page {
            items,
            next: (!list.is_empty() && next < total).then(|| next.to_string()),
        })
    }

    async fn find_order(&self, tiktok_order_id: &str) -> ConnectorResult<Option<StoreOrderRef>> {
        let body = json!({"search": {"filter": {"shippingInfo.title": {"$eq": shipping_title(tiktok_order_id)}},
            "cursorPaging": {"limit": SEARCH_LIMIT}}});
        let Some(answer) = self.post("/ecom/v1/orders/search", &body).await? else {
            return Ok(None);
        };
        for order in wire::array(&answer, "orders", "the order search")? {
            if opt_text(order, "channelInfo.externalOrderId") == tiktok_order_id {
                return order_ref(order).map(Some);
            }
        }
        Ok(None)
    }

    async fn create_order(&self, order: &NewStoreOrder) -> ConnectorResult<StoreOrderRef> {
        let body = self.create_body(order).await?;
        let answer =
            self.post("/ecom/v1/orders", &body)
                .await?
                .ok_or_else(|| ConnectorError::Rejected {
                    reason: "Wix has no eCommerce orders at this address; check api_base".into(),
                    raw: String::new(),
                })?;
        let created = at(&answer, "order")
            .ok_or_else(|| unexpected("the created order", "order", "an object"))?;
        let r = order_ref(created)?;
        tracing::info!(platform = "wix", tiktok_order_id = %order.tiktok_order_id, order_id = %r.id, "Store order created.");
        Ok(r)
    }

    async fn orders_updated_since(
        &self,
        since: &str,
        cursor: Option<String>,
    ) -> ConnectorResult<Page<StoreOrderUpdate>> {
        let body = match &cursor {
            Some(c) => json!({"search": {"cursorPaging": {"limit": SEARCH_LIMIT, "cursor": c}}}),
            None => json!({"search": {"filter": {"updatedDate": {"$gt": since}},
                "sort": [{"fieldName": "updatedDate", "order": "ASC"}],
                "cursorPaging": {"limit": SEARCH_LIMIT}}}),
        };
        let answer = self
            .post("/ecom/v1/orders/search", &body)
            .await?
            .unwrap_or(json!({"orders": []}));
        let mut items = Vec::new();
        for order in wire::array(&answer, "orders", "the order search")? {
            if tiktok_id(order).is_some() {
                items.push(self.update_of(order).await?);
            }
        }
        let next = (at(&answer, "metadata.hasNext").and_then(Value::as_bool) == Some(true))
            .then(|| opt_text(&answer, "metadata.cursors.next"))
            .filter(|c| !c.is_empty());
        Ok(Page { items, next })
    }

    async fn fulfilments(&self, order_id: &str) -> ConnectorResult<Vec<StoreFulfilment>> {
        match self.order_json(order_id).await? {
            Some(order) => self.fulfillments_of(&order).await,
            None => Ok(Vec::new()),
        }
    }

    async fn order_update(&self, order_id: &str) -> ConnectorResult<Option<StoreOrderUpdate>> {
        match self.order_json(order_id).await? {
            Some(order) => self.update_of(&order).await.map(Some),
            None => Ok(None),
        }
    }

    async fn refund_order(&self, order_id: &str, restock: bool) -> ConnectorResult<bool> {
        self.refund_whole_order(order_id, restock).await
    }

    async fn cancel_order(&self, order_id: &str, restock: bool) -> ConnectorResult<()> {
        let order = self
            .order_json(order_id)
            .await?
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!("Wix has no order {order_id}; it may have been deleted"),
                raw: String::new(),
            })?;
        if opt_text(&order, "status") == "CANCELED" {
            return Ok(());
        }
        let body = json!({"sendOrderCanceledEmail": false, "restockAllItems": restock});
        self.post(&format!("/ecom/v1/orders/{order_id}/cancel"), &body)
            .await?;
        Ok(())
    }

    async fn fulfil_order(
        &self,
        order_id: &str,
        fulfilment: &NewStoreFulfilment,
    ) -> ConnectorResult<String> {
        let order = self
            .order_json(order_id)
            .await?
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!("Wix has no order {order_id}; it may have been deleted"),
                raw: String::new(),
            })?;
        let done = self.fulfillments_of(&order).await?;
        let lines = wire::array(&order, "lineItems", "an order")?;
        let mut left: Vec<(String, String, u32)> = lines
            .iter()
            .map(|l| {
                let sku = opt_text(l, "physicalProperties.sku");
                let quantity = l["quantity"]
                    .as_u64()
                    .and_then(|q| u32::try_from(q).ok())
                    .unwrap_or(0);
                (opt_text(l, "id"), sku, quantity)
            })
            .collect();
        // What the fulfillments so far took, line by line (by SKU, as they are read).
        for (sku, q) in done.iter().flat_map(|f| &f.lines) {
            let mut q = *q;
            for (_, _, left) in left.iter_mut().filter(|(_, s, _)| s == sku) {
                let take = q.min(*left);
                *left -= take;
                q -= take;
            }
        }
        let wanted: Vec<(String, u32)> = if fulfilment.lines.is_empty() {
            left.iter()
                .filter(|(_, _, q)| *q > 0)
                .map(|(id, _, q)| (id.clone(), *q))
                .collect()
        } else {
            let mut out = Vec::new();
            for (sku, q) in &fulfilment.lines {
                let mut q = *q;
                for (id, _, left) in left.iter_mut().filter(|(_, s, _)| s == sku) {
                    let take = q.min(*left);
                    if take > 0 {
                        out.push((id.clone(), take));
                        *left -= take;
                        q -= take;
                    }
                }
            }
            out
        };
        if wanted.is_empty() {
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "Wix order {order_id} has nothing left to fulfil for this shipment"
                ),
                raw: String::new(),
            });
        }
        let body = json!({"fulfillment": {
            "lineItems": wanted.iter().map(|(id, q)| json!({"id": id, "quantity": q})).collect::<Vec<_>>(),
            "trackingInfo": {"trackingNumber": fulfilment.tracking_number,
                "shippingProvider": wire::shipping_provider(&fulfilment.carrier)},
        }});
        let answer = self
            .post(
                &format!("/ecom/v1/fulfillments/orders/{order_id}/create-fulfillment"),
                &body,
            )
            .await?
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!("Wix has no order {order_id}; it may have been deleted"),
                raw: String::new(),
            })?;
        let id = text(&answer, "fulfillmentId", "the created fulfillment")?;
        Ok(format!("{order_id}/{id}"))
    }

    /// Wix fulfillments have no in-transit or delivered state the API sets.
    async fn fulfilment_progress(
        &self,
        _fulfilment_id: &str,
        _progress: ShipmentProgress,
    ) -> ConnectorResult<()> {
        Ok(())
    }

    /// Wix eCommerce orders have no tags; the TikTok id is on `channelInfo`.
    async fn add_order_tags(&self, order_id: &str, tags: &[String]) -> ConnectorResult<()> {
        tracing::debug!(
            platform = "wix",
            order_id,
            ?tags,
            "Wix orders have no tags; not recorded on the store order."
        );
        Ok(())
    }

    /// Wix has no API to subscribe webhooks: a Wix app's dashboard does it.
    async fn register_webhooks(&self, address: &str) -> ConnectorResult<()> {
        tracing::info!(
            platform = "wix",
            address,
            "Wix sends webhooks only to a Wix app: in the app's dashboard (Develop → Webhooks) subscribe the order, fulfillment, product and inventory events with this callback URL, and put the app's public key in webhook_public_key; until then polling sees every change."
        );
        Ok(())
    }

    async fn inventory_levels(
        &self,
        inventory_item_ids: &[String],
    ) -> ConnectorResult<Vec<ItemLevels>> {
        let mut by_item: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for id in inventory_item_ids {
            let (item, variant) =
                parse_variant_id(id).ok_or_else(|| bug(&format!("Inventory item {id}")))?;
            by_item.entry(item).or_default().push(variant);
        }
        let mut out = Vec::new();
        for (item, variants) in by_item {
            let body = json!({"variantIds": variants});
            let Some(answer) = self
                .post(
                    &format!("/stores/v2/inventoryItems/{item}/getVariants"),
                    &body,
                )
                .await?
            else {
                continue;
            };
            let what = format!("inventory item {item}");
            let inventory = at(&answer, "inventoryItem")
                .ok_or_else(|| unexpected(&what, "inventoryItem", "an object"))?;
            for (variant, level) in wire::inventory_levels(inventory, &what)? {
                if variants.contains(&variant.as_str()) {
                    out.push(ItemLevels {
                        inventory_item_id: format!("{item}/{variant}"),
                        levels: vec![level],
                    });
                }
            }
        }
        Ok(out)
    }

    async fn product(&self, product_id: &str) -> ConnectorResult<Option<StoreProduct>> {
        match self.product_json(product_id).await? {
            Some(p) => wire::product(&p).map(Some),
            None => Ok(None),
        }
    }
}
