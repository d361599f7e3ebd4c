//! The order side: placing an order through the guest checkout, finding it again by its
//! TikTok order id, reading changed orders and their shipments, cancelling, shipping with
//! tracking, and comments (Magento's stand-in for tags and notes).

use super::wire::{self, WireOrder, WireShipment, decimal};
use super::{
    Criteria, FIND_WINDOW_DAYS, MagentoClient, ORDER_MARKER, PAGE_SIZE, decode, next_page,
};
use crate::connector::{
    Address, ConnectorError, ConnectorResult, InventoryBehaviour, NewStoreFulfilment,
    NewStoreOrder, Page, ShipmentProgress, StoreFulfilment, StoreOrderRef, StoreOrderUpdate,
};
use reqwest::Method;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// The source stock is put back on or taken from (`Bypass`, cancel without restock).
const DEFAULT_SOURCE: &str = "default";

/// `"TikTok Shop order {id}"`: the billing company and first comment line of our orders.
pub fn marker(tiktok_order_id: &str) -> String {
    format!("{ORDER_MARKER}{tiktok_order_id}")
}

/// The TikTok order id an order carries in a comment or its billing company.
fn tiktok_id_of(order: &WireOrder) -> Option<String> {
    let after_marker = |text: &str| {
        let at = text.find(ORDER_MARKER)?;
        let id: String = text[at + ORDER_MARKER.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        (!id.is_empty()).then_some(id)
    };
    order
        .status_histories
        .iter()
        .filter_map(|h| h.comment.as_deref())
        .find_map(after_marker)
        .or_else(|| {
            order
                .billing_address
                .as_ref()
                .and_then(|b| b.company.as_deref())
                .and_then(after_marker)
        })
}

fn reference(order: &WireOrder) -> StoreOrderRef {
    StoreOrderRef {
        id: order.entity_id.to_string(),
        name: format!("#{}", order.increment_id),
        total: decimal(&order.grand_total),
    }
}

/// An id Magento answers as a number or a numeric string.
pub(super) fn id_of(v: &Value, what: &str) -> ConnectorResult<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ConnectorError::Rejected {
        reason: format!(
            "Magento answered {what} with {v} instead of an id; this needs a feedbridge update"
        ),
        raw: v.to_string(),
    })
}

/// US states as Magento's directory knows them: `(code, name)`.
const US_STATES: &[(&str, &str)] = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("PR", "Puerto Rico"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
];

/// A Magento checkout address. US states go as `region_code` (Magento looks the region id up
/// by it; TikTok names them in full); elsewhere the region is free text.
fn address_json(a: &Address, email: &str, company: Option<&str>) -> Value {
    let country = match a.country_code.trim().to_ascii_uppercase() {
        c if c.len() == 2 => c,
        _ => "US".to_owned(),
    };
    let province = a.province.trim();
    let state = (country == "US")
        .then(|| {
            US_STATES.iter().find(|(code, name)| {
                code.eq_ignore_ascii_case(province) || name.eq_ignore_ascii_case(province)
            })
        })
        .flatten();
    let or_dash = |s: &str| {
        if s.trim().is_empty() {
            "-".to_owned()
        } else {
            s.trim().to_owned()
        }
    };
    let mut street = vec![or_dash(&a.address1)];
    if !a.address2.trim().is_empty() {
        street.push(a.address2.trim().to_owned());
    }
    let mut v = json!({
        "firstname": or_dash(&a.first_name),
        "lastname": or_dash(&a.last_name),
        "street": street,
        "city": or_dash(&a.city),
        "region": state.map_or(province, |(_, name)| name),
        "postcode": or_dash(&a.zip),
        "country_id": country,
        "telephone": or_dash(&a.phone),
        "email": email,
    });
    if let Some(obj) = v.as_object_mut() {
        if let Some((code, _)) = state {
            obj.insert("region_code".into(), json!(code));
        }
        if let Some(company) = company {
            obj.insert("company".into(), json!(company));
        }
    }
    v
}

/// Magento's carrier code for a carrier name (`custom` carries any other name in `title`).
fn carrier_code(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    if lower.contains("usps") || lower.contains("postal service") {
        "usps"
    } else if lower.contains("ups") || lower.contains("united parcel") {
        "ups"
    } else if lower.contains("fedex") {
        "fedex"
    } else if lower.contains("dhl") {
        "dhl"
    } else {
        "custom"
    }
}

fn to_fulfilment(shipment: &WireShipment) -> StoreFulfilment {
    let track = shipment.tracks.first();
    let mut lines: Vec<(String, u32)> = Vec::new();
    for item in &shipment.items {
        let (Some(sku), Some(qty)) = (
            item.sku.clone().filter(|s| !s.is_empty()),
            decimal(&item.qty)
                .and_then(|q| q.to_u32())
                .filter(|q| *q > 0),
        ) else {
            continue;
        };
        // A configurable line and its child carry the same SKU and quantity: count it once.
        match lines.iter_mut().find(|(s, _)| *s == sku) {
            Some(line) => line.1 = line.1.max(qty),
            None => lines.push((sku, qty)),
        }
    }
    StoreFulfilment {
        id: shipment.entity_id.to_string(),
        tracking_number: track
            .map(|t| t.track_number.clone())
            .filter(|t| !t.is_empty()),
        carrier: track
            .map(|t| {
                if t.title.is_empty() {
                    t.carrier_code.clone()
                } else {
                    t.title.clone()
                }
            })
            .filter(|c| !c.is_empty()),
        lines,
    }
}

impl MagentoClient {
    pub(super) async fn order(&self, id: u64) -> ConnectorResult<Option<WireOrder>> {
        self.get(&format!("/orders/{id}"), Vec::new()).await
    }

    fn now_minus_days(&self, days: i64) -> String {
        let then =
            self.clock.now() - Duration::from_secs(u64::try_from(days * 86_400).unwrap_or(0));
        wire::magento_text(then)
    }

    /// Orders created in the last [`FIND_WINDOW_DAYS`] days, newest first, until one carries
    /// the TikTok order id.
    pub(super) async fn find(
        &self,
        tiktok_order_id: &str,
    ) -> ConnectorResult<Option<StoreOrderRef>> {
        let since = self.now_minus_days(FIND_WINDOW_DAYS);
        let mut page = 1;
        loop {
            let found: wire::SearchResult<WireOrder> = self
                .search(
                    "/orders",
                    Criteria::default()
                        .filter("created_at", "gteq", since.clone())
                        .sort("created_at", false)
                        .sort("entity_id", false)
                        .page(PAGE_SIZE, page),
                )
                .await?;
            if let Some(order) = found
                .items
                .iter()
                .find(|o| tiktok_id_of(o).as_deref() == Some(tiktok_order_id))
            {
                return Ok(Some(reference(order)));
            }
            match next_page(page, found.total_count) {
                Some(_) => page += 1,
                None => return Ok(None),
            }
        }
    }

    /// Places the order through the guest checkout (see the module notes), then comments it.
    pub(super) async fn place(&self, order: &NewStoreOrder) -> ConnectorResult<StoreOrderRef> {
        let subject = format!("TikTok order {}", order.tiktok_order_id);
        let address = order
            .address
            .as_ref()
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!(
                    "{subject} has no shipping address; Magento needs one to place an order"
                ),
                raw: String::new(),
            })?;
        if order.lines.is_empty() {
            return Err(ConnectorError::Rejected {
                reason: format!("{subject} has no lines to order"),
                raw: String::new(),
            });
        }
        let email = order
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| e.contains('@'))
            .map_or_else(
                || format!("tiktok-{}@example.com", order.tiktok_order_id),
                str::to_owned,
            );
        let mark = marker(&order.tiktok_order_id);
        let cart_answer = self
            .call(Method::POST, "/guest-carts", Vec::new(), None)
            .await?
            .unwrap_or(Value::Null);
        let cart: String = decode("the new guest cart", cart_answer)?;
        let cart_path = format!("/guest-carts/{}", super::auth::percent_encode(&cart));
        for line in &order.lines {
            let added = self
                .call(
                    Method::POST,
                    &format!("{cart_path}/items"),
                    Vec::new(),
                    Some(&json!({"cartItem": {"sku": line.variant_id, "qty": line.quantity, "quote_id": cart}})),
                )
                .await;
            // The cart was just made: a 404 here is the product the SKU named.
            if let Ok(None) = added {
                return Err(ConnectorError::Rejected {
                    reason: format!(
                        "SKU {} no longer exists in Magento (the product was deleted or its SKU changed), so {subject} cannot be placed",
                        line.variant_id
                    ),
                    raw: format!(
                        "HTTP 404 adding SKU {} to a guest cart: the product that was requested doesn't exist",
                        line.variant_id
                    ),
                });
            }
            if let Err(ConnectorError::Rejected { reason, raw }) = added {
                return Err(ConnectorError::Rejected {
                    reason: format!(
                        "Magento cannot sell {} × SKU {} for {subject} ({reason}); restock it, enable the product or allow backorders, then retry",
                        line.quantity, line.variant_id
                    ),
                    raw,
                });
            }
            added?;
        }
        let shipping = address_json(address, &email, None);
        let billing = address_json(address, &email, Some(&mark));
        let _: Value = self
            .post(
                &format!("{cart_path}/shipping-information"),
                &json!({"addressInformation": {
                    "shipping_address": shipping,
                    "billing_address": billing,
                    "shipping_carrier_code": self.settings.shipping_carrier,
                    "shipping_method_code": self.settings.shipping_method,
                }}),
                "guest cart",
            )
            .await?;
        let placed: Value = self
            .post(
                &format!("{cart_path}/payment-information"),
                &json!({
                    "email": email,
                    "paymentMethod": {"method": self.settings.payment_method},
                    "billingAddress": billing,
                }),
                "guest cart",
            )
            .await?;
        let id = id_of(&placed, "the placed order")?;
        tracing::info!(platform = "magento", tiktok_order_id = %order.tiktok_order_id, order_id = id, "Store order created.");
        // The order exists now: nothing below may make the caller create it again, so
        // failures are logged (the billing company already marks the order as ours).
        let created = match self.order(id).await {
            Ok(Some(o)) => reference(&o),
            other => {
                tracing::warn!(platform = "magento", order_id = id, answer = ?other.err(), "Could not read the new order back.");
                StoreOrderRef {
                    id: id.to_string(),
                    name: format!("#{id}"),
                    total: None,
                }
            }
        };
        let text = creation_comment(order, &mark, created.total);
        if let Err(error) = self.comment(id, &text).await {
            tracing::warn!(platform = "magento", order_id = id, %error, "Could not add the TikTok comment to the new order.");
        }
        if order.inventory == InventoryBehaviour::Bypass {
            for line in &order.lines {
                if let Err(error) = self
                    .move_stock(&line.variant_id, i64::from(line.quantity))
                    .await
                {
                    tracing::warn!(platform = "magento", order_id = id, sku = %line.variant_id, %error,
                        "Could not put back the stock Magento reserved for an order that must leave stock alone.");
                }
            }
        }
        Ok(created)
    }

    /// Adds a status-history comment, sent with the order's current status.
    pub(super) async fn comment(&self, order_id: u64, text: &str) -> ConnectorResult<()> {
        let order = self
            .order(order_id)
            .await?
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!("Magento has no order {order_id}; it may have been deleted"),
                raw: String::new(),
            })?;
        let _: Value = self
            .post(
                &format!("/orders/{order_id}/comments"),
                &json!({"statusHistory": {
                    "comment": text,
                    "status": order.status,
                    "is_customer_notified": 0,
                    "is_visible_on_front": 0,
                    "parent_id": order_id,
                    "entity_name": "order",
                }}),
                &format!("order {order_id}"),
            )
            .await?;
        Ok(())
    }

    /// Moves a SKU's quantity at the `default` source by `delta` (read, then write).
    async fn move_stock(&self, sku: &str, delta: i64) -> ConnectorResult<()> {
        let found: wire::SearchResult<wire::SourceItem> = self
            .search(
                "/inventory/source-items",
                Criteria::default()
                    .filter("sku", "eq", sku)
                    .filter("source_code", "eq", DEFAULT_SOURCE)
                    .page(1, 1),
            )
            .await?;
        let current = found
            .items
            .first()
            .and_then(|i| decimal(&i.quantity))
            .unwrap_or_default();
        let quantity = current + Decimal::from(delta);
        let _: Value = self
            .post(
                "/inventory/source-items",
                &json!({"sourceItems": [{
                    "sku": sku,
                    "source_code": DEFAULT_SOURCE,
                    "quantity": quantity.to_f64(),
                    "status": i32::from(quantity > Decimal::ZERO),
                }]}),
                "source items route",
            )
            .await?;
        Ok(())
    }

    /// Shipments of these orders, by order.
    pub(super) async fn shipments_of(
        &self,
        order_ids: &[u64],
    ) -> ConnectorResult<HashMap<u64, Vec<StoreFulfilment>>> {
        let mut out: HashMap<u64, Vec<StoreFulfilment>> = HashMap::new();
        if order_ids.is_empty() {
            return Ok(out);
        }
        let ids: Vec<String> = order_ids.iter().map(u64::to_string).collect();
        let mut page = 1;
        loop {
            let found: wire::SearchResult<WireShipment> = self
                .search(
                    "/shipments",
                    Criteria::default()
                        .filter("order_id", "in", ids.join(","))
                        .sort("entity_id", true)
                        .page(PAGE_SIZE, page),
                )
                .await?;
            for shipment in &found.items {
                out.entry(shipment.order_id)
                    .or_default()
                    .push(to_fulfilment(shipment));
            }
            match next_page(page, found.total_count) {
                Some(_) => page += 1,
                None => return Ok(out),
            }
        }
    }

    fn update(order: &WireOrder, fulfilments: Vec<StoreFulfilment>) -> StoreOrderUpdate {
        StoreOrderUpdate {
            id: order.entity_id.to_string(),
            name: format!("#{}", order.increment_id),
            updated_at: wire::iso(&order.updated_at),
            tiktok_order_id: tiktok_id_of(order),
            // `closed`: refunded in full by a credit memo.
            cancelled: matches!(order.state.as_str(), "canceled" | "closed"),
            refunded: order.state == "closed",
            fulfilments,
        }
    }

    pub(super) async fn updated_since(
        &self,
        since: &str,
        page: u64,
    ) -> ConnectorResult<Page<StoreOrderUpdate>> {
        let from = wire::magento_date(since).ok_or_else(|| ConnectorError::Rejected {
            reason: format!("{since} is not an ISO-8601 UTC time; this is a feedbridge bug"),
            raw: String::new(),
        })?;
        let found: wire::SearchResult<WireOrder> = self
            .search(
                "/orders",
                Criteria::default()
                    .filter("updated_at", "gteq", from)
                    .sort("updated_at", true)
                    .sort("entity_id", true)
                    .page(PAGE_SIZE, page),
            )
            .await?;
        let ours: Vec<&WireOrder> = found
            .items
            .iter()
            .filter(|o| tiktok_id_of(o).is_some())
            .collect();
        let ids: Vec<u64> = ours.iter().map(|o| o.entity_id).collect();
        let mut shipments = self.shipments_of(&ids).await?;
        let items = ours
            .into_iter()
            .map(|o| Self::update(o, shipments.remove(&o.entity_id).unwrap_or_default()))
            .collect();
        Ok(Page {
            items,
            next: next_page(page, found.total_count),
        })
    }

    pub(super) async fn update_of(&self, id: u64) -> ConnectorResult<Option<StoreOrderUpdate>> {
        let Some(order) = self.order(id).await? else {
            return Ok(None);
        };
        let fulfilments = self
            .shipments_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        Ok(Some(Self::update(&order, fulfilments)))
    }

    pub(super) async fn cancel(&self, id: u64, restock: bool) -> ConnectorResult<()> {
        let order = self
            .order(id)
            .await?
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!("Magento has no order {id}; it may have been deleted"),
                raw: String::new(),
            })?;
        if matches!(order.state.as_str(), "canceled" | "closed") {
            return Ok(());
        }
        let answer = self
            .call(
                Method::POST,
                &format!("/orders/{id}/cancel"),
                Vec::new(),
                None,
            )
            .await?
            .unwrap_or(Value::Null);
        if answer != Value::Bool(true) {
            let shipped = order
                .top_items()
                .any(|i| wire::WireOrderItem::qty(&i.qty_shipped) > Decimal::ZERO);
            let fix = if shipped {
                "it has shipped, so it can no longer be cancelled; settle it with the buyer on TikTok and refund it in Magento with a credit memo"
            } else {
                "it is invoiced (or on hold); refund it with a credit memo under Sales > Orders in the Magento admin"
            };
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "Magento will not cancel order #{} ({answer}): {fix}",
                    order.increment_id
                ),
                raw: answer.to_string(),
            });
        }
        if !restock {
            for item in order.top_items() {
                let qty = item.to_ship().min(item.to_invoice()).to_i64().unwrap_or(0);
                if qty > 0 {
                    self.move_stock(&item.sku, -qty).await?;
                }
            }
        }
        self.comment(id, "Cancelled on TikTok Shop (feedbridge).")
            .await
    }

    pub(super) async fn ship(
        &self,
        id: u64,
        fulfilment: &NewStoreFulfilment,
    ) -> ConnectorResult<String> {
        // A repeat of a shipment whose answer was lost finds the first one.
        let existing = self
            .shipments_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        if let Some(done) = existing
            .iter()
            .find(|f| f.tracking_number.as_deref() == Some(fulfilment.tracking_number.as_str()))
        {
            return Ok(done.id.clone());
        }
        let order = self
            .order(id)
            .await?
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!("Magento has no order {id}; it may have been deleted"),
                raw: String::new(),
            })?;
        let mut items = Vec::new();
        for (sku, qty) in &fulfilment.lines {
            let item = order
                .top_items()
                .find(|i| i.sku == *sku && i.to_ship() > Decimal::ZERO)
                .ok_or_else(|| ConnectorError::Rejected {
                    reason: format!(
                        "Magento order #{} has no unshipped line for SKU {sku}",
                        order.increment_id
                    ),
                    raw: String::new(),
                })?;
            items.push(json!({"order_item_id": item.item_id, "qty": qty}));
        }
        let answer: Value = self
            .post(
                &format!("/order/{id}/ship"),
                &json!({
                    "items": items,
                    "notify": false,
                    "appendComment": false,
                    "tracks": [{
                        "track_number": fulfilment.tracking_number,
                        "title": fulfilment.carrier,
                        "carrier_code": carrier_code(&fulfilment.carrier),
                    }],
                }),
                &format!("order {id}"),
            )
            .await?;
        let shipment = id_of(&answer, "the shipment")?;
        // Shipped in full: invoice what is left (offline; TikTok took the payment) so the
        // order completes.
        if let Ok(Some(after)) = self.order(id).await {
            let done = after.top_items().all(|i| i.to_ship().is_zero());
            let to_invoice = after.top_items().any(|i| i.to_invoice() > Decimal::ZERO);
            if done && to_invoice {
                let invoiced: ConnectorResult<Value> = self
                    .post(
                        &format!("/order/{id}/invoice"),
                        &json!({"capture": true, "notify": false}),
                        &format!("order {id}"),
                    )
                    .await;
                if let Err(error) = invoiced {
                    tracing::warn!(platform = "magento", order_id = id, %error, "Could not invoice the shipped order.");
                }
            }
        }
        Ok(shipment.to_string())
    }

    pub(super) async fn progress(
        &self,
        shipment_id: u64,
        progress: ShipmentProgress,
    ) -> ConnectorResult<()> {
        let shipment: WireShipment = self
            .get(&format!("/shipment/{shipment_id}"), Vec::new())
            .await?
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!("Magento has no shipment {shipment_id}; it may have been deleted"),
                raw: String::new(),
            })?;
        let tracking = shipment
            .tracks
            .first()
            .map(|t| format!(" (tracking {})", t.track_number))
            .unwrap_or_default();
        let state = match progress {
            ShipmentProgress::InTransit => "is in transit",
            ShipmentProgress::Delivered => "was delivered",
        };
        self.comment(
            shipment.order_id,
            &format!("TikTok Shop: shipment {shipment_id}{tracking} {state}."),
        )
        .await
    }
}

/// The first comment of an order: the marker, the sync's note, TikTok's amounts (Magento
/// prices the order itself) and tags.
fn creation_comment(order: &NewStoreOrder, mark: &str, magento_total: Option<Decimal>) -> String {
    let mut lines = vec![mark.to_owned()];
    if !order.note.trim().is_empty() && order.note.trim() != mark {
        lines.push(order.note.trim().to_owned());
    }
    lines.push(format!(
        "TikTok total {} {} (discount {}, shipping {}, tax {}); Magento total {}.",
        order.total,
        order.currency,
        order.discount,
        order.shipping_fee,
        order.tax,
        magento_total.map_or_else(|| "unknown".to_owned(), |t| t.to_string()),
    ));
    if !order.tags.is_empty() {
        lines.push(format!("TikTok Shop tags: {}.", order.tags.join(", ")));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_map_us_states_and_mark_the_billing_company() {
        let a = Address {
            first_name: "Jane".into(),
            province: "california".into(),
            country_code: "us".into(),
            ..Address::default()
        };
        let v = address_json(&a, "e@x.y", Some("TikTok Shop order 1"));
        assert_eq!(v["region_code"], "CA");
        assert_eq!(v["region"], "California");
        assert_eq!(v["country_id"], "US");
        assert_eq!(v["lastname"], "-");
        assert_eq!(v["company"], "TikTok Shop order 1");
        let v = address_json(
            &Address {
                province: "Bavaria".into(),
                country_code: "DE".into(),
                ..Address::default()
            },
            "e@x.y",
            None,
        );
        assert!(v.get("region_code").is_none() && v.get("company").is_none());
    }

    #[test]
    fn carriers_map_to_magento_codes() {
        assert_eq!(carrier_code("USPS"), "usps");
        assert_eq!(carrier_code("UPS"), "ups");
        assert_eq!(carrier_code("FedEx Ground"), "fedex");
        assert_eq!(carrier_code("Yun Express"), "custom");
    }

    #[test]
    fn the_tiktok_id_is_read_from_a_comment_or_the_billing_company() {
        let order = |comment: Option<&str>, company: Option<&str>| -> WireOrder {
            serde_json::from_value(json!({
                "entity_id": 1, "increment_id": "000000001",
                "status_histories": [{"comment": comment}],
                "billing_address": {"company": company},
            }))
            .unwrap()
        };
        assert_eq!(
            tiktok_id_of(&order(Some("TikTok Shop order 576\nmore"), None)).as_deref(),
            Some("576")
        );
        assert_eq!(
            tiktok_id_of(&order(None, Some("TikTok Shop order 577"))).as_deref(),
            Some("577")
        );
        assert_eq!(tiktok_id_of(&order(Some("hello"), Some("ACME"))), None);
    }
}
