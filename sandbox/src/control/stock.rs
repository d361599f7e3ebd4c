//! Control calls for stock tests: per-location store stock and Seller Center stock edits.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{ControlClient, ControlError};

/// A store location.
#[derive(Clone, Debug, Deserialize)]
pub struct StoreLocation {
    /// `gid://shopify/Location/N`
    pub id: String,
    pub name: String,
}

#[derive(Deserialize)]
struct Locations {
    locations: Vec<StoreLocation>,
}

impl ControlClient {
    /// The store's locations, in the order the store lists them (the default one first).
    pub async fn shopify_locations(&self) -> Result<Vec<StoreLocation>, ControlError> {
        let all: Locations = self
            .get(format!("{}/_sandbox/locations", self.shopify))
            .await?;
        Ok(all.locations)
    }

    /// Sets `available` of a SKU at one location; fires inventory_levels/update.
    pub async fn shopify_set_level(
        &self,
        sku: &str,
        location_id: &str,
        available: i64,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/inventory/level", self.shopify),
            &json!({"sku": sku, "location_id": location_id, "available": available}),
        )
        .await
    }

    /// Changes a SKU's stock on TikTok directly, as a seller editing in Seller Center would
    /// (no API call, no webhook). `warehouse_id` defaults to the SKU's first warehouse.
    pub async fn tiktok_set_stock(
        &self,
        seller_sku: &str,
        quantity: i64,
        warehouse_id: Option<&str>,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/stock", self.tiktok),
            &json!({"seller_sku": seller_sku, "quantity": quantity, "warehouse_id": warehouse_id}),
        )
        .await
    }

    /// Total TikTok stock per seller SKU of the live (not deleted) products: what watching
    /// stock needs, far cheaper for the simulator than [`ControlClient::tiktok_products`].
    pub async fn tiktok_stock(&self) -> Result<HashMap<String, i64>, ControlError> {
        #[derive(Deserialize)]
        struct Stock {
            stock: HashMap<String, i64>,
        }
        let all: Stock = self.get(format!("{}/_sandbox/stock", self.tiktok)).await?;
        Ok(all.stock)
    }
}
