//! Control calls for the PrestaShop simulator (`/_sandbox/...` on its `store_url`).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ControlClient, ControlError};
use crate::merchant::SimStore;
use crate::{CallRecord, Fault};

/// The seeded webservice key "feedbridge" (Advanced Parameters > Webservice: GET, HEAD, POST
/// and PUT on every resource the simulator serves). `credentials.store::<PrestaShopKey>("prestashop")`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrestaShopKey {
    pub api_key: String,
}

/// A PrestaShop order as the merchant sees it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PrestaShopOrder {
    pub id: u64,
    /// The 9 letters PrestaShop generated.
    pub reference: String,
    /// The current state's name.
    pub state: String,
    /// From the delivery address alias ("TikTok {id}"), else the private message.
    pub tiktok_order_id: Option<String>,
    /// Placed with `ps_wirepayment` and the payment label "TikTok Shop".
    pub is_tiktok: bool,
    /// Its state is "Canceled" or "Refunded".
    pub cancelled: bool,
    pub refunded: bool,
    pub tracking_numbers: Vec<String>,
    pub messages: Vec<String>,
    pub lines: Vec<Value>,
    /// ISO code of the delivery address's state, when it has one.
    pub delivery_state: Option<String>,
    pub total_paid: String,
    pub total_paid_real: String,
    pub module: String,
    pub payment: String,
}

impl ControlClient {
    fn prestashop(&self) -> &str {
        self.store_url(SimStore::Prestashop)
    }

    /// Every product: `{id, name, reference, skus: [{sku, id_product_attribute, price, quantity}]}`.
    pub async fn prestashop_products(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/products", self.prestashop()))
            .await?;
        Ok(v["products"].as_array().cloned().unwrap_or_default())
    }

    pub async fn prestashop_set_stock(
        &self,
        sku: &str,
        quantity: i64,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/stock", self.prestashop()),
            &json!({"sku": sku, "quantity": quantity}),
        )
        .await
    }

    pub async fn prestashop_set_price(
        &self,
        sku: &str,
        price: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/price", self.prestashop()),
            &json!({"sku": sku, "price": price}),
        )
        .await
    }

    pub async fn prestashop_delete_product(&self, id: u64) -> Result<Value, ControlError> {
        let url = format!("{}/_sandbox/products/{id}", self.prestashop());
        self.send(self.http.delete(&url), url).await
    }

    /// Catalog > Products > product > Details > Features: adds the feature value (the feature
    /// and the value made if missing) to the product, which is saved.
    pub async fn prestashop_add_feature(
        &self,
        product: u64,
        feature: &str,
        value: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/products/{product}/features", self.prestashop()),
            &json!({"feature": feature, "value": value}),
        )
        .await
    }

    pub async fn prestashop_orders(&self) -> Result<Vec<PrestaShopOrder>, ControlError> {
        let url = format!("{}/_sandbox/orders", self.prestashop());
        let v: Value = self.get(url.clone()).await?;
        serde_json::from_value(v["orders"].clone()).map_err(|e| ControlError::Status {
            url,
            status: 200,
            body: format!("unexpected orders shape ({e})"),
        })
    }

    /// Sets the carrier (by name, made if missing) and tracking number, then "Shipped".
    pub async fn prestashop_ship(
        &self,
        id: u64,
        carrier: &str,
        tracking_number: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{id}/ship", self.prestashop()),
            &json!({"carrier": carrier, "tracking_number": tracking_number}),
        )
        .await
    }

    pub async fn prestashop_cancel(&self, id: u64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{id}/cancel", self.prestashop()),
            &json!({}),
        )
        .await
    }

    pub async fn prestashop_refund(&self, id: u64) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/orders/{id}/refund", self.prestashop()),
            &json!({}),
        )
        .await
    }

    /// A seeded key: `feedbridge`, `catalog-reader` or `disabled`.
    pub async fn prestashop_key(&self, name: &str) -> Result<PrestaShopKey, ControlError> {
        self.get(format!("{}/_sandbox/keys/{name}", self.prestashop()))
            .await
    }

    /// `{"webservice": false}` turns the webservice off; `{"currency": "EUR"}` changes the
    /// default currency's ISO code.
    pub async fn prestashop_config(&self, body: &Value) -> Result<Value, ControlError> {
        self.post(format!("{}/_sandbox/config", self.prestashop()), body)
            .await
    }

    pub async fn prestashop_calls(&self) -> Result<Vec<CallRecord>, ControlError> {
        self.get(format!("{}/_sandbox/calls", self.prestashop()))
            .await
    }

    pub async fn prestashop_fault(&self, fault: &Fault) -> Result<(), ControlError> {
        let body = serde_json::to_value(fault).unwrap_or(Value::Null);
        let _: Value = self
            .post(format!("{}/_sandbox/faults", self.prestashop()), &body)
            .await?;
        Ok(())
    }
}
