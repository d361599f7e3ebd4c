//! Control calls for the TikTok shop that is the store (`/_sandbox/...` on its `store_url`):
//! what a seller does in that shop's Seller Center.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ControlClient, ControlError};
use crate::merchant::SimStore;
use crate::{CallRecord, Fault};

/// The source shop and the app it authorized:
/// `credentials.store::<TikTokSourceCredentials>("tiktok_shop")`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TikTokSourceCredentials {
    pub app_key: String,
    pub app_secret: String,
    pub access_token: String,
    pub refresh_token: String,
    pub shop_id: String,
    pub shop_cipher: String,
    /// `"US"`.
    pub region: String,
}

impl ControlClient {
    fn tiktok_source(&self) -> &str {
        self.store_url(SimStore::Tiktok)
    }

    /// Every product of the source shop as Get Product answers it (any status).
    pub async fn tiktok_source_products(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/products", self.tiktok_source()))
            .await?;
        Ok(v["products"].as_array().cloned().unwrap_or_default())
    }

    /// Expires the source shop's access token (its refresh token still works).
    pub async fn tiktok_source_expire_token(&self) -> Result<(), ControlError> {
        let _: Value = self
            .post(
                format!("{}/_sandbox/tokens/expire", self.tiktok_source()),
                &json!({}),
            )
            .await?;
        Ok(())
    }

    /// Sets a SKU's quantity at its first warehouse.
    pub async fn tiktok_source_set_stock(
        &self,
        seller_sku: &str,
        quantity: i64,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/stock", self.tiktok_source()),
            &json!({"seller_sku": seller_sku, "quantity": quantity}),
        )
        .await
    }

    /// Sets a SKU's price (decimal string, USD).
    pub async fn tiktok_source_set_price(
        &self,
        seller_sku: &str,
        price: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/price", self.tiktok_source()),
            &json!({"seller_sku": seller_sku, "price": price}),
        )
        .await
    }

    pub async fn tiktok_source_delete_product(
        &self,
        product_id: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!(
                "{}/_sandbox/products/{product_id}/delete",
                self.tiktok_source()
            ),
            &json!({}),
        )
        .await
    }

    /// The source shop's own buyer orders (none are created for the target shops' orders).
    pub async fn tiktok_source_orders(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/orders", self.tiktok_source()))
            .await?;
        Ok(v["orders"].as_array().cloned().unwrap_or_default())
    }

    pub async fn tiktok_source_calls(&self) -> Result<Vec<CallRecord>, ControlError> {
        self.get(format!("{}/_sandbox/calls", self.tiktok_source()))
            .await
    }

    pub async fn tiktok_source_fault(&self, fault: &Fault) -> Result<(), ControlError> {
        let body = serde_json::to_value(fault).unwrap_or(Value::Null);
        let _: Value = self
            .post(format!("{}/_sandbox/faults", self.tiktok_source()), &body)
            .await?;
        Ok(())
    }
}
