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
