//! Control calls for listing and linking tests: seller-side products and deactivation.

use serde_json::{Value, json};

use super::{ControlClient, ControlError};

/// One SKU of a product a seller creates by hand in Seller Center.
#[derive(Clone, Debug)]
pub struct SellerSku {
    pub seller_sku: String,
    pub price: String,
    pub quantity: i64,
}

impl SellerSku {
    pub fn new(seller_sku: impl Into<String>) -> Self {
        Self {
            seller_sku: seller_sku.into(),
            price: "10.00".into(),
            quantity: 1,
        }
    }
}

impl ControlClient {
    /// Creates an ACTIVATE product on TikTok directly, as a seller would in Seller Center
    /// (seller SKUs must be unique in the shop); returns the product in API shape.
    pub async fn tiktok_seller_create_product(
        &self,
        title: &str,
        skus: &[SellerSku],
    ) -> Result<Value, ControlError> {
        let skus: Vec<Value> = skus
            .iter()
            .map(|s| json!({"seller_sku": s.seller_sku, "price": s.price, "quantity": s.quantity}))
            .collect();
        self.post(
            format!("{}/_sandbox/seller/products", self.tiktok),
            &json!({"title": title, "skus": skus}),
        )
        .await
    }

    /// Deactivates a product as the seller would (→ SELLER_DEACTIVATED, webhook fired).
    pub async fn tiktok_deactivate_product(&self, product_id: &str) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/products/{product_id}/deactivate", self.tiktok),
            &json!({}),
        )
        .await
    }
}

impl ControlClient {
    /// Sets a product's TikTok status as the seller or TikTok would (e.g.
    /// PLATFORM_DEACTIVATED, FREEZE, DELETED, DRAFT); PRODUCT_STATUS_CHANGE fires.
    pub async fn tiktok_set_product_status(
        &self,
        product_id: &str,
        status: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/products/{product_id}/status", self.tiktok),
            &json!({"status": status}),
        )
        .await
    }

    /// The shop's warehouses in API shape (id, name, type, effect_status, is_default).
    pub async fn tiktok_warehouses(&self) -> Result<Vec<Value>, ControlError> {
        let all: Value = self
            .get(format!("{}/_sandbox/warehouses", self.tiktok))
            .await?;
        Ok(all["warehouses"].as_array().cloned().unwrap_or_default())
    }

    /// Sets a warehouse's effect_status (ENABLED, DISABLED, RESTRICTED) as Seller Center would.
    pub async fn tiktok_set_warehouse_status(
        &self,
        warehouse_id: &str,
        effect_status: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!(
                "{}/_sandbox/warehouses/{warehouse_id}/effect_status",
                self.tiktok
            ),
            &json!({"effect_status": effect_status}),
        )
        .await
    }

    /// Turns off every delivery option of a warehouse.
    pub async fn tiktok_clear_delivery_options(
        &self,
        warehouse_id: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!(
                "{}/_sandbox/warehouses/{warehouse_id}/delivery_options/clear",
                self.tiktok
            ),
            &json!({}),
        )
        .await
    }

    /// Removes a return warehouse.
    pub async fn tiktok_remove_warehouse(&self, warehouse_id: &str) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/warehouses/{warehouse_id}/remove", self.tiktok),
            &json!({}),
        )
        .await
    }
}
