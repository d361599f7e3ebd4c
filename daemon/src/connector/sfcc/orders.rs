//! Orders: created through the Orders API's `createOrders` (a marketplace order, TikTok's
//! prices), found again by `c_tiktokOrderId`, read back with their shipments, cancelled.

use super::{
    Api, ConnectorError, ConnectorResult, FIND_WINDOW_DAYS, SfccClient, TIKTOK_ATTRIBUTE, decode,
    enc, error_of, interpret,
};
use crate::connector::{
    InventoryBehaviour, NewStoreFulfilment, NewStoreOrder, Page, ShipmentProgress, StoreFulfilment,
    StoreOrderRef, StoreOrderUpdate,
};
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// Orders per `getOrders` page (the API's maximum).
const LIMIT: u64 = 200;
/// `offset` + `limit` may not pass this.
const MAX_WINDOW: u64 = 10_000;
/// Our shipments on an order (tracking from TikTok), as JSON text.
const SHIPMENTS_ATTRIBUTE: &str = "c_tiktokShipments";
const TAGS_ATTRIBUTE: &str = "c_tiktokTags";
const SHIPMENT_ID: &str = "me";

#[derive(Deserialize)]
struct Orders {
    data: Vec<Order>,
}

#[derive(Deserialize)]
struct Order {
    #[serde(rename = "orderNo")]
    order_no: String,
    #[serde(default)]
    status: String,
    #[serde(default, rename = "lastModified")]
    last_modified: String,
    #[serde(default, rename = "orderTotal", deserialize_with = "super::de_price")]
    order_total: Option<Decimal>,
    #[serde(default, rename = "productItems")]
    product_items: Vec<ProductItem>,
    #[serde(default)]
    shipments: Vec<Shipment>,
    #[serde(flatten)]
    custom: Map<String, Value>,
}

impl Order {
    fn tiktok_id(&self) -> Option<String> {
        self.custom
            .get(TIKTOK_ATTRIBUTE)
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    fn ours(&self) -> Vec<OurShipment> {
        self.custom
            .get(SHIPMENTS_ATTRIBUTE)
            .and_then(Value::as_str)
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct ProductItem {
    #[serde(rename = "productId")]
    product_id: String,
    quantity: u32,
    #[serde(default, rename = "shipmentId")]
    shipment_id: String,
}

#[derive(Deserialize)]
struct Shipment {
    #[serde(rename = "shipmentId")]
    shipment_id: String,
    #[serde(default, rename = "shippingStatus")]
    shipping_status: String,
    #[serde(default, rename = "trackingNumber")]
    tracking_number: Option<String>,
    #[serde(default, rename = "shippingMethod")]
    shipping_method: Option<Value>,
    #[serde(default)]
    c_carrier: Option<String>,
}

/// A shipment feedbridge recorded from TikTok's tracking.
#[derive(Clone, Serialize, Deserialize)]
struct OurShipment {
    id: String,
    #[serde(rename = "trackingNumber")]
    tracking_number: String,
    carrier: String,
    #[serde(default)]
    lines: Vec<(String, u32)>,
}

fn money(d: Decimal) -> Value {
    serde_json::from_str(&d.round_dp(2).normalize().to_string()).unwrap_or(Value::Null)
}

fn update_of(o: Order) -> StoreOrderUpdate {
    let mut fulfilments: Vec<StoreFulfilment> = o
        .shipments
        .iter()
        .filter(|s| s.shipping_status != "not_shipped" || s.tracking_number.is_some())
        .filter(|s| s.tracking_number.is_some())
        .map(|s| StoreFulfilment {
            id: format!("{}:{}", o.order_no, s.shipment_id),
            tracking_number: s.tracking_number.clone(),
            carrier: s.c_carrier.clone().or_else(|| {
                let method = s.shipping_method.as_ref()?;
                method["name"]
                    .as_str()
                    .or_else(|| method["id"].as_str())
                    .map(str::to_owned)
            }),
            lines: o
                .product_items
                .iter()
                .filter(|i| i.shipment_id == s.shipment_id)
                .map(|i| (i.product_id.clone(), i.quantity))
                .collect(),
        })
        .collect();
    for ours in o.ours() {
        if fulfilments
            .iter()
            .any(|f| f.tracking_number.as_deref() == Some(ours.tracking_number.as_str()))
        {
            continue;
        }
        fulfilments.push(StoreFulfilment {
            id: ours.id,
            tracking_number: Some(ours.tracking_number),
            carrier: Some(ours.carrier),
            lines: ours.lines,
        });
    }
    StoreOrderUpdate {
        id: o.order_no.clone(),
        name: o.order_no.clone(),
        updated_at: o.last_modified.clone(),
        tiktok_order_id: o.tiktok_id(),
        cancelled: o.status == "cancelled",
        // OCAPI's payment_status has no refunded value: refunds happen in the payment
        // provider, which feedbridge does not see.
        refunded: false,
        fulfilments,
    }
}

/// `{orderNo}` of a fulfilment id `{orderNo}:...`.
fn order_of_fulfilment(id: &str) -> ConnectorResult<&str> {
    id.split_once(':')
        .map(|(no, _)| no)
        .filter(|no| !no.is_empty())
        .ok_or_else(|| ConnectorError::Rejected {
            reason: format!(
                "{id} is not a Salesforce B2C Commerce fulfilment id; this is a feedbridge bug"
            ),
            raw: String::new(),
        })
}

impl SfccClient {
    fn orders_path(&self, rest: &str) -> String {
        self.scapi_path("checkout/orders", &format!("/orders{rest}"))
    }

    async fn order(&self, order_no: &str) -> ConnectorResult<Option<Order>> {
        let path = self.orders_path(&format!("/{}", enc(order_no)));
        match self
            .call(Api::Scapi, Method::GET, &path, &[self.site()], None)
            .await?
        {
            Some(body) => decode("an order", body).map(Some),
            None => Ok(None),
        }
    }

    async fn page(&self, query: Vec<(&str, String)>) -> ConnectorResult<Vec<Order>> {
        let path = self.orders_path("");
        let mut query = query;
        query.push(self.site());
        match self
            .call(Api::Scapi, Method::GET, &path, &query, None)
            .await?
        {
            Some(body) => Ok(decode::<Orders>("the order list", body)?.data),
            None => Err(ConnectorError::Rejected {
                reason: "Salesforce B2C Commerce answered 404 for the order list".into(),
                raw: String::new(),
            }),
        }
    }

    pub(super) async fn find(
        &self,
        tiktok_order_id: &str,
    ) -> ConnectorResult<Option<StoreOrderRef>> {
        let since = feedbridge_common::timestamps::rfc3339_of_unix(
            self.clock.now_secs() - FIND_WINDOW_DAYS * 86_400,
        );
        let mut offset = 0;
        loop {
            let orders = self
                .page(vec![
                    ("creationDateFrom", since.clone()),
                    ("sortBy", "creation_date".into()),
                    ("sortOrder", "desc".into()),
                    ("limit", LIMIT.to_string()),
                    ("offset", offset.to_string()),
                ])
                .await?;
            let full = orders.len() as u64 == LIMIT;
            if let Some(o) = orders
                .into_iter()
                .find(|o| o.tiktok_id().as_deref() == Some(tiktok_order_id))
            {
                return Ok(Some(StoreOrderRef {
                    id: o.order_no.clone(),
                    name: o.order_no,
                    total: o.order_total,
                }));
            }
            offset += LIMIT;
            if !full || offset + LIMIT > MAX_WINDOW {
                return Ok(None);
            }
        }
    }

    /// Checks each line's SKU (it must still exist; with `DecrementObeyingPolicy` it must have
    /// the units), creates the order, then lowers the stock.
    pub(super) async fn place(&self, order: &NewStoreOrder) -> ConnectorResult<StoreOrderRef> {
        for line in &order.lines {
            let Some((_, ats)) = self.sku_state(&line.variant_id).await? else {
                return Err(ConnectorError::Rejected {
                    reason: format!(
                        "SKU {} was deleted from Salesforce B2C Commerce (no product with that id in the site's catalog); relink the TikTok product to an existing SKU",
                        line.variant_id
                    ),
                    raw: String::new(),
                });
            };
            if order.inventory == InventoryBehaviour::DecrementObeyingPolicy
                && ats < i64::from(line.quantity)
            {
                return Err(ConnectorError::Rejected {
                    reason: format!(
                        "SKU {} has {ats} available to sell in the Salesforce B2C Commerce inventory list \"{}\", fewer than the {} ordered; add stock or set the inventory behaviour to allow negative stock",
                        line.variant_id, self.settings.inventory_list_id, line.quantity
                    ),
                    raw: String::new(),
                });
            }
        }
        let order_no = order
            .name
            .clone()
            .unwrap_or_else(|| order.tiktok_order_id.clone());
        let (body, total) = self.order_body(order, &order_no);
        let path = self.orders_path("");
        let answer = self
            .answer(
                Api::ScapiTsob,
                Method::POST,
                &path,
                &[self.site()],
                Some(&body),
            )
            .await?;
        if answer.status == StatusCode::CONFLICT
            && error_of(&answer.text).0 == "order-already-exists"
        {
            // Created by an earlier attempt whose answer was lost, or a number in use.
            return match self.order(&order_no).await? {
                Some(found)
                    if found.tiktok_id().as_deref() == Some(order.tiktok_order_id.as_str()) =>
                {
                    Ok(StoreOrderRef {
                        id: found.order_no.clone(),
                        name: found.order_no,
                        total: found.order_total,
                    })
                }
                _ => Err(ConnectorError::Rejected {
                    reason: format!(
                        "Salesforce B2C Commerce already has an order {order_no} that is not TikTok order {}; change the order-number prefix",
                        order.tiktok_order_id
                    ),
                    raw: String::new(),
                }),
            };
        }
        let secrets = self.secrets();
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        interpret(&answer, &path, &secrets).map_err(|error| match error {
            ConnectorError::Rejected { reason, raw } if raw.contains(TIKTOK_ATTRIBUTE) => {
                ConnectorError::Rejected {
                    reason: format!(
                        "{reason}; define the custom attribute tiktokOrderId (String) on both the Basket and Order system objects in Business Manager > Administration > Site Development > System Object Types"
                    ),
                    raw,
                }
            }
            other => other,
        })?;
        if order.inventory != InventoryBehaviour::Bypass {
            for line in &order.lines {
                self.adjust_stock(&line.variant_id, -i64::from(line.quantity))
                    .await?;
            }
        }
        Ok(StoreOrderRef {
            id: order_no.clone(),
            name: order_no,
            total: Some(total),
        })
    }

    /// The `createOrders` body and its total: line grosses (tax on the first line) plus
    /// shipping less the discount, as B2C Commerce sums it.
    fn order_body(&self, order: &NewStoreOrder, order_no: &str) -> (Value, Decimal) {
        let address = order.address.clone().unwrap_or_default();
        let last_name = Some(address.last_name.clone())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "TikTok Shop buyer".into());
        let mut addr = json!({
            "firstName": address.first_name,
            "lastName": last_name,
            "address1": address.address1,
            "city": address.city,
            "postalCode": address.zip,
            "stateCode": address.province,
            "countryCode": address.country_code,
            "phone": address.phone,
        });
        if !address.address2.is_empty() {
            addr["address2"] = json!(address.address2);
        }
        let mut goods = Decimal::ZERO;
        let items: Vec<Value> = order
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let net = line.unit_price * Decimal::from(line.quantity);
                let tax = if i == 0 { order.tax } else { Decimal::ZERO };
                goods += net + tax;
                json!({
                    "productId": line.variant_id,
                    "quantity": line.quantity,
                    "basePrice": money(line.unit_price),
                    "netPrice": money(net),
                    "tax": money(tax),
                    "grossPrice": money(net + tax),
                    "shipmentId": SHIPMENT_ID,
                })
            })
            .collect();
        let total = goods + order.shipping_fee - order.discount;
        let mut body = json!({
            "orderNo": order_no,
            "channelType": "tiktok",
            "currency": order.currency,
            "paymentStatus": "paid",
            TIKTOK_ATTRIBUTE: order.tiktok_order_id,
            "billingAddress": addr,
            "productItems": items,
            "shipments": [{
                "shipmentId": SHIPMENT_ID,
                "shippingMethod": "TIKTOK_SHOP",
                "shippingAddress": addr,
                "shippingTotal": money(order.shipping_fee),
                "taxTotal": 0,
            }],
            "paymentInstruments": [{
                "paymentMethodId": "TIKTOK_SHOP",
                "paymentTransaction": {"amount": money(total), "transactionId": order.tiktok_order_id},
            }],
            "orderTotal": money(total),
            "taxTotal": money(order.tax),
        });
        if !order.discount.is_zero() {
            body["orderPriceAdjustments"] = json!([{
                "itemText": "TikTok Shop discount",
                "netPrice": money(order.discount),
                "grossPrice": money(order.discount),
                "tax": 0,
            }]);
        }
        if !order.tags.is_empty() {
            body[TAGS_ATTRIBUTE] = json!(order.tags.join(", "));
        }
        (body, total)
    }

    pub(super) async fn updated_since(
        &self,
        since: &str,
        offset: u64,
    ) -> ConnectorResult<Page<StoreOrderUpdate>> {
        let orders = self
            .page(vec![
                ("lastModifiedDateFrom", since.to_owned()),
                ("sortBy", "last_modified_date".into()),
                ("sortOrder", "asc".into()),
                ("limit", LIMIT.to_string()),
                ("offset", offset.to_string()),
            ])
            .await?;
        let full = orders.len() as u64 == LIMIT;
        let next = offset + LIMIT;
        Ok(Page {
            items: orders
                .into_iter()
                .filter(|o| o.tiktok_id().is_some())
                .map(update_of)
                .collect(),
            next: (full && next + LIMIT <= MAX_WINDOW).then(|| next.to_string()),
        })
    }

    pub(super) async fn update_of(
        &self,
        order_no: &str,
    ) -> ConnectorResult<Option<StoreOrderUpdate>> {
        Ok(self.order(order_no).await?.map(update_of))
    }

    async fn put_status(&self, order_no: &str, which: &str, status: &str) -> ConnectorResult<()> {
        let path = self.orders_path(&format!("/{}/{which}", enc(order_no)));
        let body = json!({ "status": status });
        match self
            .call(Api::Scapi, Method::PUT, &path, &[self.site()], Some(&body))
            .await?
        {
            Some(_) => Ok(()),
            None => Err(missing(order_no)),
        }
    }

    async fn patch(&self, order_no: &str, fields: Value) -> ConnectorResult<()> {
        let path = self.orders_path(&format!("/{}", enc(order_no)));
        match self
            .call(
                Api::Scapi,
                Method::PATCH,
                &path,
                &[self.site()],
                Some(&fields),
            )
            .await?
        {
            Some(_) => Ok(()),
            None => Err(missing(order_no)),
        }
    }

    pub(super) async fn cancel(&self, order_no: &str, restock: bool) -> ConnectorResult<()> {
        let order = self
            .order(order_no)
            .await?
            .ok_or_else(|| missing(order_no))?;
        if order.status == "cancelled" {
            return Ok(());
        }
        self.put_status(order_no, "status", "cancelled").await?;
        if restock {
            for item in &order.product_items {
                self.adjust_stock(&item.product_id, i64::from(item.quantity))
                    .await?;
            }
        }
        Ok(())
    }

    pub(super) async fn ship(
        &self,
        order_no: &str,
        fulfilment: &NewStoreFulfilment,
    ) -> ConnectorResult<String> {
        let order = self
            .order(order_no)
            .await?
            .ok_or_else(|| missing(order_no))?;
        let mut ours = order.ours();
        if let Some(existing) = ours
            .iter()
            .find(|s| s.tracking_number == fulfilment.tracking_number)
        {
            return Ok(existing.id.clone());
        }
        let id = format!("{order_no}:tiktok:{}", ours.len() + 1);
        ours.push(OurShipment {
            id: id.clone(),
            tracking_number: fulfilment.tracking_number.clone(),
            carrier: fulfilment.carrier.clone(),
            lines: fulfilment.lines.clone(),
        });
        let text = serde_json::to_string(&ours).unwrap_or_default();
        self.patch(order_no, json!({ SHIPMENTS_ATTRIBUTE: text }))
            .await?;
        self.put_status(order_no, "shipping-status", "shipped")
            .await?;
        Ok(id)
    }

    pub(super) async fn progress(
        &self,
        fulfilment_id: &str,
        progress: ShipmentProgress,
    ) -> ConnectorResult<()> {
        let order_no = order_of_fulfilment(fulfilment_id)?;
        let status = match progress {
            ShipmentProgress::InTransit => "in_transit",
            ShipmentProgress::Delivered => "delivered",
        };
        self.put_status(order_no, "external-status", status).await
    }

    pub(super) async fn tag(&self, order_no: &str, tags: &[String]) -> ConnectorResult<()> {
        self.patch(order_no, json!({ TAGS_ATTRIBUTE: tags.join(", ") }))
            .await
    }
}

fn missing(order_no: &str) -> ConnectorError {
    ConnectorError::Rejected {
        reason: format!(
            "Salesforce B2C Commerce has no order {order_no}; it may have been deleted"
        ),
        raw: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipments_read_back_with_tracking_carrier_and_lines() {
        let order: Order = serde_json::from_value(json!({
            "orderNo": "TT1",
            "status": "new",
            "lastModified": "2026-01-01T00:00:00.000Z",
            "c_tiktokOrderId": "576",
            "c_tiktokShipments": "[{\"id\":\"TT1:tiktok:1\",\"trackingNumber\":\"T2\",\"carrier\":\"USPS\",\"lines\":[]}]",
            "productItems": [{"productId": "TEE-S", "quantity": 2, "shipmentId": "me"}],
            "shipments": [
                {"shipmentId": "me", "shippingStatus": "shipped", "trackingNumber": "1Z", "shippingMethod": {"id": "ground"}, "c_carrier": "UPS"},
                {"shipmentId": "two", "shippingStatus": "not_shipped"}
            ]
        }))
        .unwrap();
        let update = update_of(order);
        assert_eq!(update.tiktok_order_id.as_deref(), Some("576"));
        assert!(!update.cancelled);
        assert_eq!(update.fulfilments.len(), 2);
        assert_eq!(update.fulfilments[0].id, "TT1:me");
        assert_eq!(update.fulfilments[0].carrier.as_deref(), Some("UPS"));
        assert_eq!(update.fulfilments[0].lines, vec![("TEE-S".to_owned(), 2)]);
        assert_eq!(update.fulfilments[1].tracking_number.as_deref(), Some("T2"));
        assert_eq!(order_of_fulfilment("TT1:tiktok:1").unwrap(), "TT1");
        assert!(order_of_fulfilment("nope").is_err());
    }
}
