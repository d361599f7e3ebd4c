//! Control calls for the Salesforce B2C Commerce simulator (`/_sandbox/...` on its
//! `store_url`).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ControlClient, ControlError};
use crate::merchant::SimStore;
use crate::{CallRecord, Fault};

/// The seeded Account Manager API client, SLAS private client and instance ids.
/// `credentials.store::<SfccCredentials>("sfcc")`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SfccCredentials {
    pub client_id: String,
    pub client_secret: String,
    /// `f_ecom_<realm>_<instance>`.
    pub organization_id: String,
    pub site_id: String,
    pub inventory_list_id: String,
    /// The SCAPI short code (`{short_code}.api.commercecloud.salesforce.com`).
    pub short_code: String,
    pub slas_client_id: String,
    pub slas_client_secret: String,
}

/// A B2C Commerce order as the sandbox reads it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SfccOrder {
    pub order_no: String,
    /// `c_tiktokOrderId`.
    pub tiktok_order_id: Option<String>,
    pub channel_type: String,
    pub cancelled: bool,
    pub tracking_numbers: Vec<String>,
    /// The order as `GET /orders/{orderNo}` answers it.
    pub order: Value,
}

impl ControlClient {
    fn sfcc(&self) -> &str {
        self.store_url(SimStore::Sfcc)
    }

    /// Every master and standard product (SCAPI shape: variants with `price` and `ats`).
    pub async fn sfcc_products(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/products", self.sfcc()))
            .await?;
        Ok(v["products"].as_array().cloned().unwrap_or_default())
    }

    /// A new allocation for the SKU's inventory record.
    pub async fn sfcc_set_stock(&self, sku: &str, quantity: i64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/stock", self.sfcc()),
            &json!({"sku": sku, "quantity": quantity}),
        )
        .await
    }

    /// The site price book's entry for the SKU (decimal string).
    pub async fn sfcc_set_price(&self, sku: &str, price: &str) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/price", self.sfcc()),
            &json!({"sku": sku, "price": price}),
        )
        .await
    }

    /// Deletes a master (with its variants) or a standard product.
    pub async fn sfcc_delete_product(&self, id: &str) -> Result<Value, ControlError> {
        let url = format!("{}/_sandbox/products/{id}", self.sfcc());
        self.send(self.http.delete(&url), url).await
    }

    pub async fn sfcc_orders(&self) -> Result<Vec<SfccOrder>, ControlError> {
        let url = format!("{}/_sandbox/orders", self.sfcc());
        let v: Value = self.get(url.clone()).await?;
        serde_json::from_value(v["orders"].clone()).map_err(|e| ControlError::Status {
            url,
            status: 200,
            body: format!("unexpected orders shape ({e})"),
        })
    }

    /// Every shipment of the order shipped with this tracking number.
    pub async fn sfcc_ship(
        &self,
        order_no: &str,
        carrier: &str,
        tracking_number: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_no}/ship", self.sfcc()),
            &json!({"carrier": carrier, "tracking_number": tracking_number}),
        )
        .await
    }

    pub async fn sfcc_cancel_order(&self, order_no: &str) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{order_no}/cancel", self.sfcc()),
            &json!({}),
        )
        .await
    }

    /// Sets the site's currency.
    pub async fn sfcc_set_currency(&self, currency: &str) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/config", self.sfcc()),
            &json!({"currency": currency}),
        )
        .await
    }

    /// Every token issued so far stops working.
    pub async fn sfcc_expire_tokens(&self) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/config", self.sfcc()),
            &json!({"expire_tokens": true}),
        )
        .await
    }

    pub async fn sfcc_calls(&self) -> Result<Vec<CallRecord>, ControlError> {
        self.get(format!("{}/_sandbox/calls", self.sfcc())).await
    }

    /// `rate_limit` → 429 (SCAPI problem or OCAPI fault, `Retry-After: 1`); `http_500` → 500;
    /// `timeout` → held 30 s then 504; `lost_answer` → done, then 504.
    pub async fn sfcc_fault(&self, fault: &Fault) -> Result<(), ControlError> {
        let body = serde_json::to_value(fault).unwrap_or(Value::Null);
        let _: Value = self
            .post(format!("{}/_sandbox/faults", self.sfcc()), &body)
            .await?;
        Ok(())
    }
}
