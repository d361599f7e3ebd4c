//! Control calls for the Wix simulator (`/_sandbox/...` on its `store_url`).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ControlClient, ControlError};
use crate::merchant::SimStore;
use crate::{CallRecord, Delivery, Fault, WebhookMode};

/// The seeded Wix site and app: `credentials.store::<WixCredentials>("wix")`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WixCredentials {
    /// The site's id (`wix-site-id`).
    pub site_id: String,
    /// An API key of the site owner's account, every Stores and eCommerce permission.
    pub api_key: String,
    /// The Wix app installed on the site (OAuth client credentials).
    pub app_id: String,
    pub app_secret: String,
    /// The app's installation on the site.
    pub instance_id: String,
    /// The app's public key (PEM): verifies the JWT of every webhook.
    pub webhook_public_key: String,
}

impl ControlClient {
    fn wix(&self) -> &str {
        self.store_url(SimStore::Wix)
    }

    /// Every product in Catalog V1 shape with `variants`; each variant also carries
    /// `available` (the quantity when tracked, else 100 in stock / 0 out of stock).
    pub async fn wix_products(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/products", self.wix()))
            .await?;
        Ok(v["products"].as_array().cloned().unwrap_or_default())
    }

    /// Sets a SKU's tracked quantity (tracking turns on for its product); fires
    /// `InventoryVariantsChanged`. Returns the product.
    pub async fn wix_set_stock(&self, sku: &str, quantity: i64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/stock", self.wix()),
            &json!({"sku": sku, "quantity": quantity}),
        )
        .await
    }

    /// Turns quantity tracking off for the SKU's product and sets the SKU in or out of stock.
    pub async fn wix_set_in_stock(&self, sku: &str, in_stock: bool) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/stock", self.wix()),
            &json!({"sku": sku, "in_stock": in_stock}),
        )
        .await
    }

    /// Sets a SKU's price (decimal string); fires `ProductChanged`.
    pub async fn wix_set_price(&self, sku: &str, price: &str) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/price", self.wix()),
            &json!({"sku": sku, "price": price}),
        )
        .await
    }

    /// Sets the site's payment currency (`USD` when seeded).
    pub async fn wix_set_currency(&self, currency: &str) -> Result<(), ControlError> {
        let _: Value = self
            .post(
                format!("{}/_sandbox/currency", self.wix()),
                &json!({"currency": currency}),
            )
            .await?;
        Ok(())
    }

    /// Deletes a product; fires `ProductDeleted`.
    pub async fn wix_delete_product(&self, product_id: &str) -> Result<Value, ControlError> {
        let url = format!("{}/_sandbox/products/{product_id}", self.wix());
        self.send(self.http.delete(&url), url).await
    }

    /// Every order in eCommerce shape plus `tiktok_order_id`, `is_tiktok`, `cancelled`,
    /// `tracking_numbers` and `fulfillments`.
    pub async fn wix_orders(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self.get(format!("{}/_sandbox/orders", self.wix())).await?;
        Ok(v["orders"].as_array().cloned().unwrap_or_default())
    }

    /// Fulfils everything unfulfilled with this tracking (`shipping_provider` e.g. `"ups"`);
    /// fires `fulfillments_updated` and `order_updated`.
    pub async fn wix_ship(
        &self,
        order_id: &str,
        shipping_provider: &str,
        tracking_number: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_id}/ship", self.wix()),
            &json!({"shipping_provider": shipping_provider, "tracking_number": tracking_number}),
        )
        .await
    }

    /// Cancels the order as the dashboard does (stock goes back); fires `order_canceled`.
    pub async fn wix_cancel_order(&self, order_id: &str) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_id}/cancel", self.wix()),
            &json!({}),
        )
        .await
    }

    /// Refunds the whole order as the dashboard does for an order paid outside Wix (recorded
    /// as refunded externally, no restock): `paymentStatus` FULLY_REFUNDED.
    pub async fn wix_refund_order(&self, order_id: &str) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_id}/refund", self.wix()),
            &json!({}),
        )
        .await
    }

    /// Sets the per-instance rate limit (default 200 requests a minute); a new window starts.
    pub async fn wix_rate_limit(&self, limit: u32, window: Duration) -> Result<(), ControlError> {
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
        let _: Value = self
            .post(
                format!("{}/_sandbox/rate_limit", self.wix()),
                &json!({"limit": limit, "window_ms": window_ms}),
            )
            .await?;
        Ok(())
    }

    /// Expires every OAuth access token issued so far.
    pub async fn wix_expire_tokens(&self) -> Result<(), ControlError> {
        let _: Value = self
            .post(format!("{}/_sandbox/tokens/expire", self.wix()), &json!({}))
            .await?;
        Ok(())
    }

    pub async fn wix_calls(&self) -> Result<Vec<CallRecord>, ControlError> {
        self.get(format!("{}/_sandbox/calls", self.wix())).await
    }

    /// `rate_limit` → 429 `RESOURCE_EXHAUSTED`; `http_500` → 500; `timeout` → held 30 s;
    /// `lost_answer` → carried out, then 504.
    pub async fn wix_fault(&self, fault: &Fault) -> Result<(), ControlError> {
        let body = serde_json::to_value(fault).unwrap_or(Value::Null);
        let _: Value = self
            .post(format!("{}/_sandbox/faults", self.wix()), &body)
            .await?;
        Ok(())
    }

    /// Subscribes the app's webhooks to `callback_url` (the app dashboard's Webhooks page);
    /// `None` unsubscribes.
    pub async fn wix_subscribe_webhooks(
        &self,
        callback_url: Option<&str>,
    ) -> Result<(), ControlError> {
        let _: Value = self
            .post(
                format!("{}/_sandbox/app/webhooks", self.wix()),
                &json!({"callback_url": callback_url}),
            )
            .await?;
        Ok(())
    }

    /// Every delivery; `id` is the event id, `topic` the event type (the body is a JWT, so
    /// `body` is null).
    pub async fn wix_webhook_deliveries(&self) -> Result<Vec<Delivery>, ControlError> {
        self.get(format!("{}/_sandbox/webhooks/deliveries", self.wix()))
            .await
    }

    pub async fn wix_webhook_mode(&self, mode: WebhookMode) -> Result<(), ControlError> {
        let body = serde_json::to_value(mode).unwrap_or(Value::Null);
        let _: Value = self
            .post(format!("{}/_sandbox/webhooks/mode", self.wix()), &body)
            .await?;
        Ok(())
    }
}

/// The simulated app's public key (PEM), as `WixCredentials::webhook_public_key` has it.
pub const WIX_APP_PUBLIC_KEY_PEM: &str = crate::wix::keys::APP_PUBLIC_KEY_PEM;

/// A webhook JWT as the simulated Wix app sends it (signed with the app's key).
pub fn wix_app_webhook(event_type: &str, instance_id: &str, data: &Value) -> String {
    crate::wix::hooks::token(
        event_type,
        instance_id,
        data,
        crate::wix::keys::APP_PRIVATE_KEY_PEM,
    )
    .unwrap_or_default()
}

/// A webhook JWT shaped as the Wix app's are, for `instance_id`, but signed with a key that is
/// not the app's: a forgery every receiver must refuse.
pub fn wix_forged_webhook(event_type: &str, instance_id: &str, data: &Value) -> String {
    crate::wix::hooks::token(
        event_type,
        instance_id,
        data,
        crate::wix::keys::FORGER_PRIVATE_KEY_PEM,
    )
    .unwrap_or_default()
}

/// The same JWT with no signature at all (`alg: none`).
pub fn wix_unsigned_webhook(event_type: &str, instance_id: &str, data: &Value) -> String {
    use base64::Engine as _;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let envelope =
        json!({"eventType": event_type, "instanceId": instance_id, "data": data.to_string()});
    format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&json!({"data": envelope.to_string(), "iat": 0, "exp": 4_102_444_800_i64}))
    )
}
