//! Catalog Items 2022-04-01 `getCatalogItem` (amazon-seller-central.md §2; model
//! `catalogItems_2022-04-01.json`): the seller's ASINs, parents and children alike.

use serde_json::Value;

use super::model::State;
use super::seller::{CATALOG_DATA, catalog_json};
use super::{ApiError, Ctx};

pub(super) fn get_item(st: &State, asin: &str, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let marketplaces = ctx.list("marketplaceIds");
    if marketplaces.is_empty() {
        return Err(ApiError::invalid("Missing required marketplaceIds."));
    }
    for id in &marketplaces {
        st.marketplace.check(id).map_err(ApiError::invalid)?;
    }
    let mut included = ctx.list("includedData");
    if included.is_empty() {
        included.push("summaries".to_string());
    }
    if let Some(bad) = included
        .iter()
        .find(|i| !CATALOG_DATA.contains(&i.as_str()))
    {
        return Err(ApiError::invalid(format!(
            "Invalid includedData: {bad}. Valid values: {}.",
            CATALOG_DATA.join(", ")
        )));
    }
    let listing = st.seller.by_asin(asin).ok_or_else(|| {
        ApiError::not_found(format!(
            "Requested item '{asin}' not found in marketplace {}.",
            st.marketplace.id()
        ))
    })?;
    Ok(catalog_json(st, listing, &included))
}
