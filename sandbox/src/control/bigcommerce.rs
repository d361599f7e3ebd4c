//! Control calls for the BigCommerce simulator (`/_sandbox/...` on its `store_url`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ControlClient, ControlError};
use crate::merchant::SimStore;
use crate::{CallRecord, Delivery, Fault, WebhookMode};

/// The seeded store-level API account (every scope modify):
/// `credentials.store::<BigCommerceAccount>("bigcommerce")`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BigCommerceAccount {
    /// The `{store_hash}` of `/stores/{store_hash}/v3`.
    pub store_hash: String,
    /// Its `X-Auth-Token`.
    pub access_token: String,
    /// The account's client id (owner of its webhooks).
    pub client_id: String,
    /// The account's client secret (signs webhook deliveries, Standard Webhooks).
    pub client_secret: String,
}

impl ControlClient {
    fn bigcommerce(&self) -> &str {
        self.store_url(SimStore::Bigcommerce)
    }

    /// Every product in V3 shape with `variants`; each variant also carries its stock per
    /// location under `"stock_by_location"` (`{"1": 12, "2": 3}`).
    pub async fn bigcommerce_products(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/products", self.bigcommerce()))
            .await?;
        Ok(v["products"].as_array().cloned().unwrap_or_default())
    }

    /// Sets a SKU's stock at the default location, as a merchant would in the control panel;
    /// fires `store/sku/inventory/updated` (or `store/product/inventory/updated` for a product
    /// without options) and `store/product/updated`. Returns the variant.
    pub async fn bigcommerce_set_stock(&self, sku: &str, qty: i64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/stock", self.bigcommerce()),
            &json!({"sku": sku, "quantity": qty}),
        )
        .await
    }

    /// Sets a SKU's stock at one location (`1` default, `2` the pop-up store).
    pub async fn bigcommerce_set_stock_at(
        &self,
        sku: &str,
        location_id: u64,
        qty: i64,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/stock", self.bigcommerce()),
            &json!({"sku": sku, "quantity": qty, "location_id": location_id}),
        )
        .await
    }

    /// Sets a SKU's price (decimal string), clearing any sale price; fires
    /// `store/product/updated`. Returns the variant.
    pub async fn bigcommerce_set_price(
        &self,
        sku: &str,
        price: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/price", self.bigcommerce()),
            &json!({"sku": sku, "price": price}),
        )
        .await
    }

    /// Deletes a product; fires `store/product/deleted`.
    pub async fn bigcommerce_delete_product(&self, product_id: u64) -> Result<Value, ControlError> {
        let url = format!("{}/_sandbox/products/{product_id}", self.bigcommerce());
        self.send(self.http.delete(&url), url).await
    }

    /// Every order (archived too) in V2 shape with `products`, `shipping_addresses` and
    /// `shipments` expanded, plus `tiktok_order_id` (its `external_order_id`), `is_tiktok`
    /// (`external_source` is "TikTok Shop"), `cancelled` and `tracking_numbers`.
    pub async fn bigcommerce_orders(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/orders", self.bigcommerce()))
            .await?;
        Ok(v["orders"].as_array().cloned().unwrap_or_default())
    }

    pub async fn bigcommerce_order(&self, order_id: u64) -> Result<Value, ControlError> {
        self.get(format!("{}/_sandbox/orders/{order_id}", self.bigcommerce()))
            .await
    }

    /// Ships everything unshipped in one shipment (`tracking_carrier` an AfterShip slug such as
    /// `"ups"`, or `""`); fires `store/shipment/created`, `store/order/statusUpdated` and
    /// `store/order/updated`. Returns the shipment.
    pub async fn bigcommerce_ship(
        &self,
        order_id: u64,
        tracking_carrier: &str,
        tracking_number: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_id}/ship", self.bigcommerce()),
            &json!({"tracking_carrier": tracking_carrier, "tracking_number": tracking_number}),
        )
        .await
    }

    /// Sets the order Cancelled (status 5) as the merchant would; stock goes back.
    pub async fn bigcommerce_cancel_order(&self, order_id: u64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_id}/cancel", self.bigcommerce()),
            &json!({}),
        )
        .await
    }

    /// Refunds what is left to refund (offline); the order becomes Refunded (status 4) and
    /// `store/order/refund/created` fires.
    pub async fn bigcommerce_refund_order(&self, order_id: u64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_id}/refund", self.bigcommerce()),
            &json!({}),
        )
        .await
    }

    /// A token of a second API account whose scopes are all read-only.
    pub async fn bigcommerce_read_only_token(&self) -> Result<String, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/tokens/read_only", self.bigcommerce()))
            .await?;
        Ok(v["access_token"].as_str().unwrap_or_default().to_string())
    }

    /// Sets the store's request quota per window (default 150 per 30 s); a new window starts.
    pub async fn bigcommerce_rate_limit(
        &self,
        quota: u32,
        window: Duration,
    ) -> Result<(), ControlError> {
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
        let _: Value = self
            .post(
                format!("{}/_sandbox/rate_limit", self.bigcommerce()),
                &json!({"quota": quota, "window_ms": window_ms}),
            )
            .await?;
        Ok(())
    }

    pub async fn bigcommerce_calls(&self) -> Result<Vec<CallRecord>, ControlError> {
        self.get(format!("{}/_sandbox/calls", self.bigcommerce()))
            .await
    }

    /// `rate_limit` → 429 with `X-Rate-Limit-Time-Reset-Ms: 300`; `http_500` → 500;
    /// `timeout` → held 30 s; `lost_answer` → carried out, then 504.
    pub async fn bigcommerce_fault(&self, fault: &Fault) -> Result<(), ControlError> {
        let body = serde_json::to_value(fault).unwrap_or(Value::Null);
        let _: Value = self
            .post(format!("{}/_sandbox/faults", self.bigcommerce()), &body)
            .await?;
        Ok(())
    }

    /// Hooks of every API account (`id`, `client_id`, `scope`, `destination`, `is_active`,
    /// `headers`).
    pub async fn bigcommerce_webhooks(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/webhooks", self.bigcommerce()))
            .await?;
        Ok(v["webhooks"].as_array().cloned().unwrap_or_default())
    }

    /// Every delivery; `id` is the `webhook-id` header, `topic` the scope.
    pub async fn bigcommerce_webhook_deliveries(&self) -> Result<Vec<Delivery>, ControlError> {
        self.get(format!(
            "{}/_sandbox/webhooks/deliveries",
            self.bigcommerce()
        ))
        .await
    }

    pub async fn bigcommerce_webhook_mode(&self, mode: WebhookMode) -> Result<(), ControlError> {
        let body = serde_json::to_value(mode).unwrap_or(Value::Null);
        let _: Value = self
            .post(
                format!("{}/_sandbox/webhooks/mode", self.bigcommerce()),
                &body,
            )
            .await?;
        Ok(())
    }

    /// Sends the deliveries held by [`WebhookMode::Reverse`], newest first; returns how many.
    pub async fn bigcommerce_flush_webhooks(&self) -> Result<usize, ControlError> {
        let v: Value = self
            .post(
                format!("{}/_sandbox/webhooks/flush", self.bigcommerce()),
                &json!({}),
            )
            .await?;
        Ok(v["flushed"].as_u64().unwrap_or(0) as usize)
    }
}
