//! Listings Items 2021-08-01: `getListingsItem` and `searchListingsItems`
//! (amazon-seller-central.md §2; model `listingsItems_2021-08-01.json`).
//!
//! Simulator choices: a `pageToken` is only good for the query it came from (another filter or
//! sort with it is 400 `InvalidInput`); a `sellerId` other than the authorized seller's is 403.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use base64::Engine;
use serde_json::{Value, json};

use super::model::State;
use super::seller::{LISTING_DATA, Listing, listing_json, quantity};
use super::{ApiError, Ctx};
use crate::common::parse_iso8601;

const DEFAULT_PAGE_SIZE: usize = 10;
const MAX_PAGE_SIZE: usize = 20;
/// "The maximum number of items (SKUs) that can be returned and paged through is 1000."
const MAX_PAGED: usize = 1000;
const MAX_IDENTIFIERS: usize = 20;

/// `marketplaceIds` (required, each the seller's) and `includedData` (default summaries).
fn common_query(st: &State, ctx: &Ctx<'_>) -> Result<Vec<String>, ApiError> {
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
        .find(|i| !LISTING_DATA.contains(&i.as_str()))
    {
        return Err(ApiError::invalid(format!(
            "Invalid includedData: {bad}. Valid values: {}.",
            LISTING_DATA.join(", ")
        )));
    }
    Ok(included)
}

fn check_seller(st: &State, seller_id: &str) -> Result<(), ApiError> {
    if seller_id == st.seller.seller_id {
        Ok(())
    } else {
        Err(ApiError::denied(""))
    }
}

pub(super) fn get(
    st: &State,
    seller_id: &str,
    sku: &str,
    ctx: &Ctx<'_>,
) -> Result<Value, ApiError> {
    check_seller(st, seller_id)?;
    let included = common_query(st, ctx)?;
    let listing = st.seller.listings.get(sku).ok_or_else(|| {
        ApiError::not_found(format!(
            "SKU '{sku}' not found in marketplace {}",
            st.marketplace.id()
        ))
    })?;
    Ok(listing_json(st, listing, &included))
}

fn time_filter(ctx: &Ctx<'_>, key: &str) -> Result<Option<i64>, ApiError> {
    match ctx.q(key).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(raw) => parse_iso8601(raw).map(Some).ok_or_else(|| {
            ApiError::invalid(format!("Invalid {key}: {raw}. Use an ISO 8601 date-time."))
        }),
    }
}

fn status_of(st: &State, listing: &Listing) -> Vec<&'static str> {
    let mut status = vec!["DISCOVERABLE"];
    if !listing.is_parent() && quantity(st, listing) > 0 {
        status.push("BUYABLE");
    }
    status
}

pub(super) fn search(st: &State, seller_id: &str, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    check_seller(st, seller_id)?;
    let included = common_query(st, ctx)?;
    let identifiers = ctx.list("identifiers");
    let identifiers_type = ctx.q("identifiersType").filter(|s| !s.is_empty());
    if identifiers.len() > MAX_IDENTIFIERS {
        return Err(ApiError::invalid(format!(
            "identifiers accepts at most {MAX_IDENTIFIERS} values."
        )));
    }
    match (identifiers.is_empty(), identifiers_type) {
        (false, None) => {
            return Err(ApiError::invalid(
                "identifiersType is required when identifiers is provided.",
            ));
        }
        (true, Some(_)) => {
            return Err(ApiError::invalid(
                "identifiers is required when identifiersType is provided.",
            ));
        }
        (_, Some(t))
            if !matches!(
                t,
                "ASIN" | "EAN" | "FNSKU" | "GTIN" | "ISBN" | "JAN" | "MINSAN" | "SKU" | "UPC"
            ) =>
        {
            return Err(ApiError::invalid(format!("Invalid identifiersType: {t}.")));
        }
        _ => {}
    }
    let sort_by = ctx.q("sortBy").unwrap_or("lastUpdatedDate");
    if !matches!(sort_by, "sku" | "createdDate" | "lastUpdatedDate") {
        return Err(ApiError::invalid(format!(
            "Invalid sortBy: {sort_by}. Valid values: sku, createdDate, lastUpdatedDate."
        )));
    }
    let descending = match ctx.q("sortOrder").unwrap_or("DESC") {
        "DESC" => true,
        "ASC" => false,
        other => {
            return Err(ApiError::invalid(format!(
                "Invalid sortOrder: {other}. Valid values: ASC, DESC."
            )));
        }
    };
    let page_size = match ctx.q("pageSize") {
        None => DEFAULT_PAGE_SIZE,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid(format!(
                    "Invalid pageSize: {raw}. It must be between 1 and {MAX_PAGE_SIZE}."
                )));
            }
        },
    };
    let statuses = |key: &str| -> Result<Vec<String>, ApiError> {
        let values = ctx.list(key);
        if let Some(bad) = values
            .iter()
            .find(|v| !matches!(v.as_str(), "BUYABLE" | "DISCOVERABLE"))
        {
            return Err(ApiError::invalid(format!("Invalid {key}: {bad}.")));
        }
        Ok(values)
    };
    let with_status = statuses("withStatus")?;
    let without_status = statuses("withoutStatus")?;
    let created_after = time_filter(ctx, "createdAfter")?;
    let created_before = time_filter(ctx, "createdBefore")?;
    let updated_after = time_filter(ctx, "lastUpdatedAfter")?;
    let updated_before = time_filter(ctx, "lastUpdatedBefore")?;
    let parent_sku = ctx.q("variationParentSku").filter(|s| !s.is_empty());
    let fingerprint = query_fingerprint(ctx);
    let offset = match ctx.q("pageToken").filter(|s| !s.is_empty()) {
        None => 0,
        Some(token) => decode_token(token, fingerprint)?,
    };

    let mut matching: Vec<&Listing> = st
        .seller
        .listings
        .values()
        .filter(|l| match identifiers_type {
            None => true,
            Some("SKU") => identifiers.contains(&l.sku),
            Some("ASIN") => identifiers.contains(&l.asin),
            Some("FNSKU") => st
                .stock
                .get(&l.sku)
                .is_some_and(|s| l.fba && identifiers.contains(&s.fn_sku)),
            // The seeded catalog carries no barcodes.
            Some(_) => false,
        })
        .filter(|l| parent_sku.is_none_or(|p| l.parent_sku.as_deref() == Some(p)))
        .filter(|l| created_after.is_none_or(|at| l.created_ms >= at))
        .filter(|l| created_before.is_none_or(|at| l.created_ms <= at))
        .filter(|l| updated_after.is_none_or(|at| l.updated_ms >= at))
        .filter(|l| updated_before.is_none_or(|at| l.updated_ms <= at))
        .filter(|l| {
            let status = status_of(st, l);
            with_status.iter().all(|s| status.contains(&s.as_str()))
                && without_status.iter().all(|s| !status.contains(&s.as_str()))
        })
        .collect();
    matching.sort_by(|a, b| {
        let order = match sort_by {
            "sku" => a.sku.cmp(&b.sku),
            "createdDate" => a.created_ms.cmp(&b.created_ms),
            _ => a.updated_ms.cmp(&b.updated_ms),
        }
        .then_with(|| a.sku.cmp(&b.sku));
        if descending { order.reverse() } else { order }
    });
    let total = matching.len();
    let reachable = total.min(MAX_PAGED);
    let items: Vec<Value> = matching
        .into_iter()
        .take(reachable)
        .skip(offset)
        .take(page_size)
        .map(|l| listing_json(st, l, &included))
        .collect();
    let mut out = json!({"numberOfResults": total, "items": items});
    let mut pagination = serde_json::Map::new();
    if offset + page_size < reachable {
        pagination.insert(
            "nextToken".into(),
            json!(encode_token(offset + page_size, fingerprint)),
        );
    }
    if offset > 0 {
        pagination.insert(
            "previousToken".into(),
            json!(encode_token(offset.saturating_sub(page_size), fingerprint)),
        );
    }
    if !pagination.is_empty() {
        out["pagination"] = Value::Object(pagination);
    }
    Ok(out)
}

/// What a page token is bound to: every parameter but the token and the page size.
fn query_fingerprint(ctx: &Ctx<'_>) -> u64 {
    let mut params: Vec<&(String, String)> = ctx
        .query
        .iter()
        .filter(|(k, _)| k != "pageToken" && k != "pageSize")
        .collect();
    params.sort();
    let mut hasher = DefaultHasher::new();
    params.hash(&mut hasher);
    hasher.finish()
}

fn encode_token(offset: usize, fingerprint: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("sbx-li:{offset}:{fingerprint:x}"))
}

fn decode_token(token: &str, fingerprint: u64) -> Result<usize, ApiError> {
    let invalid = || ApiError::invalid(format!("Invalid pageToken: {token}."));
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| invalid())?;
    let text = String::from_utf8(raw).map_err(|_| invalid())?;
    let (offset, bound) = text
        .strip_prefix("sbx-li:")
        .and_then(|rest| rest.split_once(':'))
        .ok_or_else(invalid)?;
    if bound != format!("{fingerprint:x}") {
        return Err(ApiError::invalid(
            "The pageToken does not belong to this query; send the same parameters as the first page.",
        ));
    }
    offset.parse().map_err(|_| invalid())
}
