//! Catalog reads that scale: a slim products page (few variants per product, so many products
//! fit under Shopify's 1,000-point query limit, shopify.md §2.1) and a follow-up query for the
//! rare product with more variants than the page asks for.

use super::ShopifyClient;
use super::wire::{Connection, WireProduct, WireVariant};
use crate::connector::ConnectorResult;
use serde::Deserialize;
use serde_json::json;

/// Main images TikTok takes (§5.1 of the TikTok notes): no point reading more.
const MEDIA_FIRST: u32 = 9;
/// Variants read with the product; most stores have fewer, the rest come in a follow-up.
const VARIANTS_FIRST: u32 = 10;
/// Metafields read with the product, for attribute rules; a field past these is not seen.
pub(super) const METAFIELDS_FIRST: u32 = 20;
/// Variants per follow-up page.
const MORE_VARIANTS_FIRST: u32 = 100;
/// Follow-up pages per product before giving up (Shopify allows at most 2,048 variants).
const MAX_VARIANT_PAGES: usize = 25;

/// Requested cost of one node of the products page (Shopify's rules: objects 1, scalars 0,
/// connections `2 + first + first × node`): media = 2 + 9 + 9 × 1; variants with
/// `inventoryItem { measurement { weight } }` and `selectedOptions`, plus `pageInfo`
/// = 1 + 2 + 10 + 10 × 4; metafields of scalars = 2 + 20 (tags and vendor are scalars).
pub(super) const PRODUCT_NODE_COST: u32 =
    (2 + MEDIA_FIRST * 2) + (3 + VARIANTS_FIRST * 5) + (2 + METAFIELDS_FIRST);

const VARIANT_FIELDS: &str = "id sku title price inventoryQuantity
          selectedOptions { name value }
          inventoryItem { id measurement { weight { unit value } } }";

/// A products page; `$query` narrows it with Shopify's search syntax (null: every product).
pub(super) fn products_query(page_size: u32) -> String {
    format!(
        "query Products($after: String, $query: String) {{
  products(first: {page_size}, after: $after, sortKey: UPDATED_AT, query: $query) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      id title descriptionHtml updatedAt tags vendor
      metafields(first: {METAFIELDS_FIRST}) {{ nodes {{ namespace key type value }} }}
      media(first: {MEDIA_FIRST}) {{ nodes {{ ... on MediaImage {{ image {{ url }} }} }} }}
      variants(first: {VARIANTS_FIRST}) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{
          {VARIANT_FIELDS}
        }}
      }}
    }}
  }}
}}"
    )
}

fn more_variants_query() -> String {
    format!(
        "query ProductVariants($id: ID!, $after: String) {{
  product(id: $id) {{
    variants(first: {MORE_VARIANTS_FIRST}, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
          {VARIANT_FIELDS}
      }}
    }}
  }}
}}"
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MoreVariantsData {
    product: Option<ProductVariants>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ProductVariants {
    variants: Connection<WireVariant>,
}

impl ShopifyClient {
    /// Read the variants past the first page of a product with many, appending them.
    pub(super) async fn complete_variants(&self, product: &mut WireProduct) -> ConnectorResult<()> {
        let Some(variants) = product.variants.as_mut() else {
            return Ok(());
        };
        let query = more_variants_query();
        for _ in 0..MAX_VARIANT_PAGES {
            let Some(after) = variants.page_info.next() else {
                return Ok(());
            };
            let data: MoreVariantsData = self
                .graphql(
                    "ProductVariants",
                    &query,
                    json!({ "id": product.id, "after": after }),
                )
                .await
                .map_err(crate::connector::ConnectorError::from)?;
            let Some(more) = data.product else {
                // Deleted meanwhile: keep what was read; the next import settles it.
                return Ok(());
            };
            variants.nodes.extend(more.variants.nodes);
            variants.page_info = more.variants.page_info;
        }
        tracing::warn!(
            platform = "shopify",
            product_id = %product.id,
            "Product has more variants than feedbridge reads; only the first are synced."
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slim_products_page_holds_many_products_under_the_query_limit() {
        assert_eq!(PRODUCT_NODE_COST, 95);
        // One product node plus the connection overhead, per product, must stay under 1,000.
        let page = (1_000 - 2) / (1 + PRODUCT_NODE_COST);
        assert!(page >= 10, "{page}");
        assert!(products_query(page).contains("metafields(first: 20)"));
        assert!(products_query(page).contains("variants(first: 10)"));
        assert!(more_variants_query().contains("variants(first: 100, after: $after)"));
    }
}
