//! Control calls for the WooCommerce simulator (`/_sandbox/...` on `woocommerce_url`).

use serde_json::{Value, json};

use super::{ControlClient, ControlError};
use crate::{CallRecord, Delivery, Fault, WebhookMode};

impl ControlClient {
    /// Every product (trashed ones too) in REST shape; a variable product carries its
    /// variations (REST shape) under `"variations_full"`.
    pub async fn woocommerce_products(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/products", self.woocommerce))
            .await?;
        Ok(v["products"].as_array().cloned().unwrap_or_default())
    }

    /// Sets a product's or variation's stock (stock management on), as the merchant would in
    /// wp-admin; fires `product.updated`. Returns the item.
    pub async fn woocommerce_set_stock(&self, sku: &str, qty: i64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/stock", self.woocommerce),
            &json!({"sku": sku, "quantity": qty}),
        )
        .await
    }

    /// Sets a SKU's `regular_price` (decimal string); fires `product.updated`.
    pub async fn woocommerce_set_price(
        &self,
        sku: &str,
        regular_price: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/price", self.woocommerce),
            &json!({"sku": sku, "regular_price": regular_price}),
        )
        .await
    }

    /// Moves a product to the trash (wp-admin "Move to Trash"); fires `product.deleted`.
    pub async fn woocommerce_delete_product(&self, product_id: u64) -> Result<Value, ControlError> {
        self.delete_product(product_id, false).await
    }

    /// Deletes a product for good (wp-admin "Delete Permanently"); fires `product.deleted`.
    pub async fn woocommerce_delete_product_permanently(
        &self,
        product_id: u64,
    ) -> Result<Value, ControlError> {
        self.delete_product(product_id, true).await
    }

    async fn delete_product(&self, product_id: u64, force: bool) -> Result<Value, ControlError> {
        let url = format!(
            "{}/_sandbox/products/{product_id}?force={force}",
            self.woocommerce
        );
        self.send(self.http.delete(&url), url).await
    }

    pub async fn woocommerce_orders(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/orders", self.woocommerce))
            .await?;
        Ok(v["orders"].as_array().cloned().unwrap_or_default())
    }

    pub async fn woocommerce_order(&self, order_id: u64) -> Result<Value, ControlError> {
        self.get(format!("{}/_sandbox/orders/{order_id}", self.woocommerce))
            .await
    }

    /// Adds a Shipment Tracking item (`provider` e.g. `"USPS"`) and completes the order, as a
    /// merchant shipping it does; fires `order.updated`. Returns the order.
    pub async fn woocommerce_ship(
        &self,
        order_id: u64,
        provider: &str,
        tracking_number: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_id}/ship", self.woocommerce),
            &json!({"provider": provider, "tracking_number": tracking_number}),
        )
        .await
    }

    /// Sets the order `cancelled` as the merchant would in wp-admin (stock goes back).
    pub async fn woocommerce_cancel_order(&self, order_id: u64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_id}/cancel", self.woocommerce),
            &json!({}),
        )
        .await
    }

    /// Refunds the whole order as the merchant would in wp-admin (status `refunded`, stock
    /// left as it is); fires `order.updated`.
    pub async fn woocommerce_refund_order(&self, order_id: u64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_id}/refund", self.woocommerce),
            &json!({}),
        )
        .await
    }

    /// A `read`-only REST API key: `(consumer_key, consumer_secret)`.
    pub async fn woocommerce_read_only_key(&self) -> Result<(String, String), ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/keys/read_only", self.woocommerce))
            .await?;
        let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        Ok((text("consumer_key"), text("consumer_secret")))
    }

    pub async fn woocommerce_calls(&self) -> Result<Vec<CallRecord>, ControlError> {
        self.get(format!("{}/_sandbox/calls", self.woocommerce))
            .await
    }

    /// `rate_limit` → 429 + `Retry-After: 1`; `http_500` → HTML 500; `timeout` → held 30 s.
    pub async fn woocommerce_fault(&self, fault: &Fault) -> Result<(), ControlError> {
        let body = serde_json::to_value(fault).unwrap_or(Value::Null);
        let _: Value = self
            .post(format!("{}/_sandbox/faults", self.woocommerce), &body)
            .await?;
        Ok(())
    }

    /// Every delivery, pings (topic `"ping"`) included.
    pub async fn woocommerce_webhook_deliveries(&self) -> Result<Vec<Delivery>, ControlError> {
        self.get(format!("{}/_sandbox/webhooks/deliveries", self.woocommerce))
            .await
    }

    pub async fn woocommerce_webhook_mode(&self, mode: WebhookMode) -> Result<(), ControlError> {
        let body = serde_json::to_value(mode).unwrap_or(Value::Null);
        let _: Value = self
            .post(
                format!("{}/_sandbox/webhooks/mode", self.woocommerce),
                &body,
            )
            .await?;
        Ok(())
    }

    /// Sends the deliveries held by [`WebhookMode::Reverse`], newest first; returns how many.
    pub async fn woocommerce_flush_webhooks(&self) -> Result<usize, ControlError> {
        let v: Value = self
            .post(
                format!("{}/_sandbox/webhooks/flush", self.woocommerce),
                &json!({}),
            )
            .await?;
        Ok(v["flushed"].as_u64().unwrap_or(0) as usize)
    }

    /// Webhook subscriptions in REST shape plus `failure_count`.
    pub async fn woocommerce_webhooks(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/webhooks", self.woocommerce))
            .await?;
        Ok(v["webhooks"].as_array().cloned().unwrap_or_default())
    }
}
