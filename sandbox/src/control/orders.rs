//! Control calls for order-side tests: TikTok buyer cancellation requests, webhook delivery
//! modes, store product deletion and a typed view of store orders.

use std::fmt::Display;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ControlClient, ControlError};
use crate::common::WebhookMode;

/// A store order as the sandbox holds it (`GET /_sandbox/orders`, the `sandbox` view of each).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StoreOrder {
    /// `gid://shopify/Order/N`
    pub id: String,
    pub legacy_id: u64,
    pub name: String,
    pub tags: Vec<String>,
    pub note: Option<String>,
    pub source_name: Option<String>,
    pub source_identifier: Option<String>,
    /// `(key, value)` pairs.
    pub custom_attributes: Vec<(String, String)>,
    pub cancelled: bool,
    pub cancelled_at: Option<String>,
    /// `CUSTOMER`, `DECLINED`, `FRAUD`, `INVENTORY`, `OTHER` or `STAFF`.
    pub cancel_reason: Option<String>,
    /// `displayFinancialStatus` (`PAID`, ...).
    pub financial_status: String,
    /// `displayFulfillmentStatus` (`UNFULFILLED`, `FULFILLED`, ...).
    pub fulfillment_status: String,
    pub line_items: Vec<StoreLineItem>,
    /// Decimal strings (`"19.99"`): line items after discounts, shipping (before discounts),
    /// tax, all discounts, and the total.
    pub subtotal: String,
    pub shipping_total: String,
    pub tax_total: String,
    pub discount_total: String,
    pub total: String,
    pub discount_code: Option<String>,
    /// The `inventoryBehaviour` the order was created with (`BYPASS`, ...).
    pub inventory_behaviour: String,
    pub fulfillments: Vec<StoreFulfillment>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StoreLineItem {
    /// `gid://shopify/ProductVariant/N` (None for custom items).
    pub variant_id: Option<String>,
    pub sku: Option<String>,
    pub quantity: i64,
    /// Quantity after removals (restocked cancellations).
    pub current_quantity: i64,
    pub fulfilled_quantity: i64,
    /// Unit price (decimal string).
    pub price: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StoreFulfillment {
    /// `gid://shopify/Fulfillment/N`
    pub id: String,
    pub legacy_id: u64,
    /// `SUCCESS`, `CANCELLED`, ...
    pub status: String,
    /// `FulfillmentDisplayStatus` (`FULFILLED`, `IN_TRANSIT`, `DELIVERED`, ...).
    pub display_status: String,
    pub tracking_company: Option<String>,
    pub tracking_number: Option<String>,
    /// Statuses of its fulfilment events, oldest first.
    pub events: Vec<String>,
}

impl ControlClient {
    /// The buyer requests cancellation of an AWAITING_SHIPMENT (or partially shipped) order:
    /// a pending BUYER_CANCEL cancellation; fires CANCELLATION_STATUS_CHANGE. Returns its id.
    pub async fn tiktok_cancel_request(
        &self,
        order_id: &str,
        reason: Option<&str>,
    ) -> Result<String, ControlError> {
        let v: Value = self
            .post(
                format!("{}/_sandbox/orders/{order_id}/cancel_request", self.tiktok),
                &json!({"reason": reason}),
            )
            .await?;
        Ok(v["cancel_id"].as_str().unwrap_or_default().to_string())
    }

    /// The merchant approves a buyer cancellation request in Seller Center (the order's items
    /// are cancelled); returns the cancellation.
    pub async fn tiktok_cancellation_approve(
        &self,
        cancel_id: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/cancellations/{cancel_id}/approve", self.tiktok),
            &json!({}),
        )
        .await
    }

    /// The merchant rejects a buyer cancellation request in Seller Center (the order stays);
    /// returns the cancellation.
    pub async fn tiktok_cancellation_reject(&self, cancel_id: &str) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/cancellations/{cancel_id}/reject", self.tiktok),
            &json!({}),
        )
        .await
    }

    /// Refunds the whole Shopify order as the merchant would in the admin (financial status
    /// REFUNDED, the order stays open); fires `refunds/create`.
    pub async fn shopify_refund_order(
        &self,
        order_legacy_id: impl std::fmt::Display,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_legacy_id}/refund", self.shopify),
            &json!({}),
        )
        .await
    }

    /// The buyer opens a return or refund request on a shipped order (`return_type` REFUND,
    /// RETURN_AND_REFUND or REPLACEMENT; default RETURN_AND_REFUND); fires
    /// RETURN_STATUS_CHANGE. Returns the request as `returns/search` shows it.
    pub async fn tiktok_return_request(
        &self,
        order_id: &str,
        return_type: Option<&str>,
        reason: Option<&str>,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_id}/return_request", self.tiktok),
            &json!({"return_type": return_type, "reason": reason}),
        )
        .await
    }

    /// Moves a return request to `status` (as Seller Center, the buyer or TikTok would);
    /// fires RETURN_STATUS_CHANGE. `later_version` sends a status this API version does not
    /// list. Returns the request.
    pub async fn tiktok_return_status(
        &self,
        return_id: &str,
        status: &str,
        later_version: bool,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/returns/{return_id}/status", self.tiktok),
            &json!({"status": status, "later_version": later_version}),
        )
        .await
    }

    /// How TikTok webhooks are delivered from now on.
    /// Moves the seeded TikTok shop to `region` (any code of the regions table): its
    /// currency, carriers, addresses and listing rules follow. Returns the shop's currency.
    pub async fn tiktok_set_region(&self, region: &str) -> Result<String, ControlError> {
        let v: Value = self
            .post(
                format!("{}/_sandbox/region", self.tiktok),
                &json!({ "region": region }),
            )
            .await?;
        Ok(v["currency"].as_str().unwrap_or_default().to_owned())
    }

    pub async fn tiktok_webhook_mode(&self, mode: WebhookMode) -> Result<(), ControlError> {
        let body = serde_json::to_value(mode).unwrap_or(Value::Null);
        let _: Value = self
            .post(format!("{}/_sandbox/webhooks/mode", self.tiktok), &body)
            .await?;
        Ok(())
    }

    /// Delivers the TikTok webhooks buffered by [`WebhookMode::Reverse`], newest first; returns
    /// how many there were.
    pub async fn tiktok_webhooks_flush(&self) -> Result<usize, ControlError> {
        let v: Value = self
            .post(
                format!("{}/_sandbox/webhooks/flush", self.tiktok),
                &json!({}),
            )
            .await?;
        Ok(usize::try_from(v["flushed"].as_u64().unwrap_or(0)).unwrap_or(0))
    }

    /// How Shopify webhooks are delivered from now on.
    pub async fn shopify_webhook_mode(&self, mode: WebhookMode) -> Result<(), ControlError> {
        let body = serde_json::to_value(mode).unwrap_or(Value::Null);
        let _: Value = self
            .post(format!("{}/_sandbox/webhooks/mode", self.shopify), &body)
            .await?;
        Ok(())
    }

    /// Delivers the Shopify webhooks buffered by [`WebhookMode::Reverse`], newest first.
    pub async fn shopify_webhooks_flush(&self) -> Result<usize, ControlError> {
        let v: Value = self
            .post(
                format!("{}/_sandbox/webhooks/flush", self.shopify),
                &json!({}),
            )
            .await?;
        Ok(usize::try_from(v["flushed"].as_u64().unwrap_or(0)).unwrap_or(0))
    }

    /// The merchant deletes a product (and its variants); fires products/delete.
    pub async fn shopify_delete_product(
        &self,
        product_legacy_id: impl Display,
    ) -> Result<(), ControlError> {
        let url = format!("{}/_sandbox/products/{product_legacy_id}", self.shopify);
        let _: Value = self.send(self.http.delete(&url), url).await?;
        Ok(())
    }

    /// All store orders, typed (see [`StoreOrder`]).
    pub async fn shopify_store_orders(&self) -> Result<Vec<StoreOrder>, ControlError> {
        let url = format!("{}/_sandbox/orders", self.shopify);
        let v: Value = self.get(url.clone()).await?;
        v["orders"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|o| {
                serde_json::from_value(o["sandbox"].clone()).map_err(|e| ControlError::Status {
                    url: url.clone(),
                    status: 200,
                    body: format!("unexpected order shape ({e}): {o}"),
                })
            })
            .collect()
    }

    /// Sends a signed TikTok notification of `event_type` carrying `data` to that type's
    /// subscription, else to where the shop's other notices go: a test instrument for
    /// payloads the simulator does not make.
    pub async fn tiktok_emit_webhook(
        &self,
        event_type: &str,
        data: serde_json::Value,
    ) -> Result<(), ControlError> {
        let _: serde_json::Value = self
            .post(
                format!("{}/_sandbox/webhooks/emit", self.tiktok),
                &serde_json::json!({"event_type": event_type, "data": data}),
            )
            .await?;
        Ok(())
    }
}
