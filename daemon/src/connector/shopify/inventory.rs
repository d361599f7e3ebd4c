//! Stock per location and single-product reads: the cheap reads behind the stock fast path.
//! Levels are read only for items that changed, a few at a time, never for the whole catalog
//! (the query cost limit, shopify.md §2.1).

use super::ShopifyClient;
use super::wire::{self, WireProduct};
use crate::connector::{ConnectorResult, ItemLevels, LocationLevel, StoreProduct};
use serde::Deserialize;
use serde_json::json;

/// Items per levels query. Cost per item: the node (1) + `inventoryLevels(first: 20)`
/// (2 + 20 + 20 × (level 1 + location 1 + quantities 1)) = 83; 10 items stay under 1,000.
pub(super) const LEVELS_BATCH: usize = 10;

const LEVELS_QUERY: &str = "query InventoryLevels($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevels(first: 20) {
        nodes { updatedAt location { id } quantities(names: [\"available\"]) { name quantity } }
      }
    }
  }
}";

const PRODUCT_QUERY: &str = "query Product($id: ID!) {
  product(id: $id) {
    id title descriptionHtml updatedAt tags vendor
    metafields(first: 20) { nodes { namespace key type value } }
    media(first: 10) { nodes { ... on MediaImage { image { url } } } }
    variants(first: 100) {
      pageInfo { hasNextPage }
      nodes {
        id sku title price inventoryQuantity
        selectedOptions { name value }
        inventoryItem { id measurement { weight { unit value } } }
      }
    }
  }
}";

/// The GraphQL id of an inventory item given as a REST number (webhooks) or a GID.
pub fn inventory_item_gid(id: &str) -> String {
    if id.starts_with("gid://") {
        id.to_owned()
    } else {
        format!("gid://shopify/InventoryItem/{id}")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LevelsData {
    nodes: Vec<Option<WireItem>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct WireItem {
    id: String,
    inventory_levels: Option<wire::Connection<WireLevel>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct WireLevel {
    updated_at: String,
    location: Option<wire::WireId>,
    quantities: Vec<WireQuantity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireQuantity {
    name: String,
    quantity: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ProductData {
    product: Option<WireProduct>,
}

/// One level as stored: its location and available units (`None` without a location).
pub(super) fn location_level(level: WireLevel) -> Option<LocationLevel> {
    let location = level.location?.id;
    let available = level
        .quantities
        .iter()
        .find(|q| q.name == "available")
        .map_or(0, |q| q.quantity);
    Some(LocationLevel {
        location_id: location,
        available,
        updated_at: level.updated_at,
    })
}

impl ShopifyClient {
    pub(super) async fn read_inventory_levels(
        &self,
        inventory_item_ids: &[String],
    ) -> ConnectorResult<Vec<ItemLevels>> {
        let mut out = Vec::with_capacity(inventory_item_ids.len());
        for batch in inventory_item_ids.chunks(LEVELS_BATCH) {
            let ids: Vec<String> = batch.iter().map(|id| inventory_item_gid(id)).collect();
            let data: LevelsData = self
                .graphql("InventoryLevels", LEVELS_QUERY, json!({ "ids": ids }))
                .await?;
            // A deleted item comes back as null: it has no stock anywhere.
            for (asked, item) in ids.iter().zip(data.nodes) {
                let levels = item
                    .and_then(|i| i.inventory_levels)
                    .map(|c| c.nodes)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(location_level)
                    .collect();
                out.push(ItemLevels {
                    inventory_item_id: asked.clone(),
                    levels,
                });
            }
        }
        Ok(out)
    }

    pub(super) async fn read_product(
        &self,
        product_id: &str,
    ) -> ConnectorResult<Option<StoreProduct>> {
        let id = if product_id.starts_with("gid://") {
            product_id.to_owned()
        } else {
            format!("gid://shopify/Product/{product_id}")
        };
        let data: ProductData = self
            .graphql("Product", PRODUCT_QUERY, json!({ "id": id }))
            .await?;
        Ok(data.product.map(StoreProduct::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_ids_become_gids() {
        assert_eq!(inventory_item_gid("42"), "gid://shopify/InventoryItem/42");
        assert_eq!(
            inventory_item_gid("gid://shopify/InventoryItem/42"),
            "gid://shopify/InventoryItem/42"
        );
    }

    #[test]
    fn levels_answer_decodes_with_missing_items() {
        let data: LevelsData = serde_json::from_value(json!({"nodes": [
            {"id": "gid://shopify/InventoryItem/1", "inventoryLevels": {"nodes": [
                {"location": {"id": "gid://shopify/Location/7"},
                 "quantities": [{"name": "available", "quantity": 4}]}
            ]}},
            null
        ]}))
        .unwrap();
        assert_eq!(data.nodes.len(), 2);
        assert!(data.nodes[1].is_none());
    }
}
