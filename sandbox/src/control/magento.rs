//! Control calls for the Magento simulator (`/_sandbox/...` on its `store_url`).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ControlClient, ControlError};
use crate::merchant::SimStore;
use crate::{CallRecord, Fault};

/// The seeded integration "feedbridge" (System > Extensions > Integrations, all resources):
/// OAuth 1.0a consumer key and secret, access token and token secret (32 characters each);
/// the access token also works as `Authorization: Bearer` (integration tokens as bearer tokens
/// are on). `credentials.store::<MagentoKeys>("magento")`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MagentoKeys {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub access_token: String,
    pub access_token_secret: String,
}

/// A Magento order as the sandbox reads it (`sandbox` view of `GET /_sandbox/orders`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MagentoOrder {
    /// `entity_id`.
    pub id: u64,
    pub increment_id: String,
    pub state: String,
    pub status: String,
    /// The id after "TikTok Shop order " in a status-history comment, else in the billing
    /// company.
    pub tiktok_order_id: Option<String>,
    pub tiktok_in_comment: bool,
    pub tiktok_in_billing: bool,
    pub is_tiktok: bool,
    pub cancelled: bool,
    /// A credit memo was made.
    pub refunded: bool,
    pub closed: bool,
    pub comments: Vec<String>,
    pub tracking_numbers: Vec<String>,
    pub lines: Vec<MagentoLine>,
    pub grand_total: Value,
    pub customer_email: String,
    pub payment_method: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MagentoLine {
    pub sku: String,
    pub qty: Value,
    pub price: Value,
    /// Ordered as a configurable parent with options (not as the child SKU itself).
    pub configurable: bool,
}

/// Credentials of a seeded Magento integration.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MagentoIntegration {
    pub name: String,
    pub consumer_key: String,
    pub consumer_secret: String,
    pub access_token: String,
    pub access_token_secret: String,
}

/// Store settings the simulator can change (`None` = leave as is).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct MagentoConfig {
    /// `oauth/consumer/enable_integration_as_bearer` (on at start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration_as_bearer: Option<bool>,
    /// Developer mode: errors carry a `trace` (off at start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub developer_mode: Option<bool>,
    /// Web API input limits: page size ≤ 300, 20 by default (on at start).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_limits: Option<bool>,
}

impl ControlClient {
    fn magento(&self) -> &str {
        self.store_url(SimStore::Magento)
    }

    /// Every product (REST shape, with `stock_item`); simple products also carry
    /// `source_items`, `salable_quantity` and `final_price`, configurable parents their
    /// children under `children_full`.
    pub async fn magento_products(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/products", self.magento()))
            .await?;
        Ok(v["products"].as_array().cloned().unwrap_or_default())
    }

    /// Sets a SKU's quantity at the `default` source from the product form (saves the product).
    pub async fn magento_set_stock(&self, sku: &str, quantity: i64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/stock", self.magento()),
            &json!({"sku": sku, "quantity": quantity}),
        )
        .await
    }

    /// Sets a SKU's quantity at one MSI source (`default` or `east`).
    pub async fn magento_set_source_stock(
        &self,
        sku: &str,
        source_code: &str,
        quantity: i64,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/stock", self.magento()),
            &json!({"sku": sku, "quantity": quantity, "source_code": source_code}),
        )
        .await
    }

    /// Sets a product's price (decimal string) and clears its special price.
    pub async fn magento_set_price(&self, sku: &str, price: &str) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/price", self.magento()),
            &json!({"sku": sku, "price": price}),
        )
        .await
    }

    /// Deletes a product from the admin grid.
    pub async fn magento_delete_product(&self, sku: &str) -> Result<Value, ControlError> {
        let url = format!("{}/_sandbox/products/{sku}", self.magento());
        self.send(self.http.delete(&url), url).await
    }

    /// All orders, typed (see [`MagentoOrder`]).
    pub async fn magento_orders(&self) -> Result<Vec<MagentoOrder>, ControlError> {
        let url = format!("{}/_sandbox/orders", self.magento());
        let v: Value = self.get(url.clone()).await?;
        v["orders"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|o| view(&url, &o))
            .collect()
    }

    /// One order in REST shape plus `sandbox` (see [`MagentoOrder`]), `shipments` and
    /// `creditmemos`.
    pub async fn magento_order(&self, id: u64) -> Result<Value, ControlError> {
        self.get(format!("{}/_sandbox/orders/{id}", self.magento()))
            .await
    }

    /// Ships what is left with one track, as the admin "Ship" button does (`carrier_code`
    /// `custom` unless given). Returns the order.
    pub async fn magento_ship(
        &self,
        id: u64,
        carrier_code: &str,
        title: &str,
        track_number: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{id}/ship", self.magento()),
            &json!({"carrier_code": carrier_code, "title": title, "track_number": track_number}),
        )
        .await
    }

    /// Cancels the order from the admin (HTTP 409 when Magento would not).
    pub async fn magento_cancel_order(&self, id: u64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{id}/cancel", self.magento()),
            &json!({}),
        )
        .await
    }

    /// Invoices what is left (offline).
    pub async fn magento_invoice(&self, id: u64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{id}/invoice", self.magento()),
            &json!({}),
        )
        .await
    }

    /// Refunds the whole order with an offline credit memo (invoicing it first if needed);
    /// the order ends `closed`.
    pub async fn magento_refund(&self, id: u64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{id}/refund", self.magento()),
            &json!({}),
        )
        .await
    }

    /// A seeded integration's credentials: `feedbridge` or `catalog-reader`.
    pub async fn magento_integration(
        &self,
        name: &str,
    ) -> Result<MagentoIntegration, ControlError> {
        self.get(format!("{}/_sandbox/integrations/{name}", self.magento()))
            .await
    }

    /// Changes store settings; returns them all.
    pub async fn magento_config(&self, config: &MagentoConfig) -> Result<Value, ControlError> {
        let body = serde_json::to_value(config).unwrap_or(Value::Null);
        self.post(format!("{}/_sandbox/config", self.magento()), &body)
            .await
    }

    pub async fn magento_calls(&self) -> Result<Vec<CallRecord>, ControlError> {
        self.get(format!("{}/_sandbox/calls", self.magento())).await
    }

    /// `rate_limit` → 429 `{"message":"Too Many Requests","trace":null}`; `http_500` → the
    /// masked internal error; `timeout` → held 30 s; `lost_answer` → done, then 504.
    pub async fn magento_fault(&self, fault: &Fault) -> Result<(), ControlError> {
        let body = serde_json::to_value(fault).unwrap_or(Value::Null);
        let _: Value = self
            .post(format!("{}/_sandbox/faults", self.magento()), &body)
            .await?;
        Ok(())
    }
}

fn view(url: &str, order: &Value) -> Result<MagentoOrder, ControlError> {
    serde_json::from_value(order["sandbox"].clone()).map_err(|e| ControlError::Status {
        url: url.to_string(),
        status: 200,
        body: format!("unexpected order shape ({e}): {order}"),
    })
}
