//! Reading back what TikTok shows: stock per warehouse (`inventory/search`, tiktok-shop.md
//! §4.1) and prices of active products (`products/search`, 100 a page — far fewer calls than
//! one product detail per listing).

use super::wire::{de_decimal, de_i64, de_string};
use super::{MAX_SEARCH_PAGES, PRODUCT_PAGE_SIZE, Scope, TikTokClient};
use crate::connector::{
    ConnectorError, ConnectorResult, INVENTORY_SEARCH_MAX_PRODUCTS, RemoteSkuPrice, RemoteSkuStock,
};
use reqwest::Method;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InventoryData {
    inventory: Option<Vec<WireProductInventory>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireProductInventory {
    #[serde(deserialize_with = "de_string")]
    product_id: String,
    skus: Option<Vec<WireSkuInventory>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireSkuInventory {
    #[serde(deserialize_with = "de_string")]
    id: String,
    warehouse_inventory: Option<Vec<WireWarehouseInventory>>,
}

/// One warehouse's stock of a SKU. TikTok names the sellable figure
/// `available_quantity` (newer docs also give `total_available_quantity` per SKU).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireWarehouseInventory {
    #[serde(deserialize_with = "de_string")]
    warehouse_id: String,
    #[serde(deserialize_with = "de_i64")]
    available_quantity: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PriceSearchData {
    products: Option<Vec<WirePricedProduct>>,
    #[serde(deserialize_with = "de_string")]
    next_page_token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WirePricedProduct {
    #[serde(deserialize_with = "de_string")]
    id: String,
    skus: Option<Vec<WirePricedSku>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WirePricedSku {
    #[serde(deserialize_with = "de_string")]
    id: String,
    price: Option<WirePrice>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WirePrice {
    #[serde(deserialize_with = "de_decimal")]
    sale_price: Decimal,
}

impl TikTokClient {
    pub(super) async fn search_inventory(
        &self,
        product_ids: &[String],
    ) -> ConnectorResult<Vec<RemoteSkuStock>> {
        let mut out = Vec::new();
        for batch in product_ids.chunks(INVENTORY_SEARCH_MAX_PRODUCTS) {
            let body = json!({ "product_ids": batch });
            let data: InventoryData = self
                .call(
                    Method::POST,
                    "/product/202309/inventory/search",
                    Vec::new(),
                    Some(&body),
                    Scope::Shop,
                )
                .await?;
            for product in data.inventory.unwrap_or_default() {
                for sku in product.skus.unwrap_or_default() {
                    out.push(RemoteSkuStock {
                        product_id: product.product_id.clone(),
                        sku_id: sku.id,
                        warehouses: sku
                            .warehouse_inventory
                            .unwrap_or_default()
                            .into_iter()
                            .map(|w| (w.warehouse_id, w.available_quantity))
                            .collect(),
                    });
                }
            }
        }
        Ok(out)
    }

    pub(super) async fn search_active_prices(&self) -> ConnectorResult<Vec<RemoteSkuPrice>> {
        let body = json!({ "status": "ACTIVATE" });
        let mut out = Vec::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_SEARCH_PAGES {
            let mut query = vec![("page_size".to_owned(), PRODUCT_PAGE_SIZE.to_owned())];
            if let Some(token) = page_token.take() {
                query.push(("page_token".into(), token));
            }
            let data: PriceSearchData = self
                .call(
                    Method::POST,
                    "/product/202309/products/search",
                    query,
                    Some(&body),
                    Scope::Shop,
                )
                .await?;
            for product in data.products.unwrap_or_default() {
                for sku in product.skus.unwrap_or_default() {
                    if let Some(price) = sku.price {
                        out.push(RemoteSkuPrice {
                            product_id: product.id.clone(),
                            sku_id: sku.id,
                            price: price.sale_price,
                        });
                    }
                }
            }
            if data.next_page_token.is_empty() {
                return Ok(out);
            }
            page_token = Some(data.next_page_token);
        }
        Err(ConnectorError::Retryable {
            reason: format!(
                "TikTok Shop product search did not finish within {MAX_SEARCH_PAGES} pages"
            ),
            raw: String::new(),
            retry_after: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_answer_decodes() {
        let data: InventoryData = serde_json::from_value(json!({"inventory": [{
            "product_id": "P1",
            "skus": [{"id": "K1", "seller_sku": "MUG", "total_available_quantity": 7,
                      "total_committed_quantity": 0,
                      "warehouse_inventory": [{"warehouse_id": "W1", "available_quantity": 7,
                                               "committed_quantity": 0}]}]
        }]}))
        .unwrap();
        let product = &data.inventory.unwrap()[0];
        assert_eq!(product.product_id, "P1");
        let sku = &product.skus.as_ref().unwrap()[0];
        let warehouse = &sku.warehouse_inventory.as_ref().unwrap()[0];
        assert_eq!(
            (
                warehouse.warehouse_id.as_str(),
                warehouse.available_quantity
            ),
            ("W1", 7)
        );
    }
}
