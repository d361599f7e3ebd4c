//! FBA Inventory v1 `getInventorySummaries` (amazon-mcf.md §7).

use base64::Engine;
use serde_json::{Value, json};

use super::model::State;
use super::{ApiError, Ctx};
use crate::common::{now_millis, parse_iso8601};

/// Summaries per page. Simulator choice (the model does not say): 50.
pub(crate) const PAGE_SIZE: usize = 50;
/// A `nextToken` expires this long after it was issued (§7).
const NEXT_TOKEN_TTL_MS: i64 = 30_000;
const MAX_SELLER_SKUS: usize = 50;
/// How far back `startDateTime` may reach (18 months).
const MAX_LOOKBACK_MS: i64 = 548 * 86_400_000;

pub(super) fn summaries(st: &State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    match ctx.q("granularityType") {
        None | Some("") => return Err(ApiError::invalid("granularityType is required.")),
        Some("Marketplace") => {}
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "Invalid granularityType: {other}. The only supported value is Marketplace."
            )));
        }
    }
    let granularity_id = ctx
        .q("granularityId")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid("granularityId is required."))?;
    let marketplaces = ctx.list("marketplaceIds");
    let marketplace = match marketplaces.as_slice() {
        [] => return Err(ApiError::invalid("marketplaceIds is required.")),
        [one] => one.as_str(),
        _ => {
            return Err(ApiError::invalid(
                "marketplaceIds must contain exactly one marketplace id.",
            ));
        }
    };
    st.marketplace
        .check(marketplace)
        .map_err(ApiError::invalid)?;
    if granularity_id != marketplace {
        return Err(ApiError::invalid(format!(
            "granularityId {granularity_id} must be the marketplace id in marketplaceIds ({marketplace})."
        )));
    }
    let details = match ctx.q("details") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "Invalid details: {other}. Use true or false."
            )));
        }
    };
    let now = now_millis();
    let since = match ctx.q("startDateTime").filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => {
            let at = parse_iso8601(raw).ok_or_else(|| {
                ApiError::invalid(format!(
                    "Invalid startDateTime: {raw}. Use an ISO 8601 date-time."
                ))
            })?;
            if at < now - MAX_LOOKBACK_MS {
                return Err(ApiError::invalid(
                    "startDateTime cannot be more than 18 months in the past.",
                ));
            }
            Some(at)
        }
    };
    let mut skus = ctx.list("sellerSkus");
    if skus.len() > MAX_SELLER_SKUS {
        return Err(ApiError::invalid(format!(
            "sellerSkus accepts at most {MAX_SELLER_SKUS} SKUs; got {}.",
            skus.len()
        )));
    }
    if let Some(one) = ctx.q("sellerSku").filter(|s| !s.is_empty()) {
        skus.push(one.to_string());
    }
    let offset = match ctx.q("nextToken").filter(|s| !s.is_empty()) {
        None => 0,
        Some(token) => decode_token(token, now, since)?,
    };

    // With startDateTime, the SKU filters are ignored (§7).
    let matching: Vec<Value> = st
        .stock
        .values()
        .filter(|item| match since {
            Some(at) => item.updated_ms >= at,
            None => skus.is_empty() || skus.contains(&item.sku),
        })
        .map(|item| item.summary(details))
        .collect();
    let total = matching.len();
    let page: Vec<Value> = matching.into_iter().skip(offset).take(PAGE_SIZE).collect();
    let mut out = json!({
        "payload": {
            "granularity": {"granularityType": "Marketplace", "granularityId": marketplace},
            "inventorySummaries": page,
        },
    });
    if offset + PAGE_SIZE < total {
        out["pagination"] = json!({"nextToken": encode_token(offset + PAGE_SIZE, now, since)});
    }
    Ok(out)
}

/// A token remembers the `startDateTime` of its first page (`-` for none): a delta read must
/// keep passing it with `nextToken` (§7, gotcha 7), and a full read must not add one.
fn encode_token(offset: usize, issued_ms: i64, since: Option<i64>) -> String {
    let since = since.map_or_else(|| "-".to_string(), |at| at.to_string());
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("sbx-inv:{offset}:{issued_ms}:{since}"))
}

fn decode_token(token: &str, now: i64, since: Option<i64>) -> Result<usize, ApiError> {
    let invalid = || ApiError::invalid(format!("Invalid nextToken: {token}."));
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| invalid())?;
    let text = String::from_utf8(raw).map_err(|_| invalid())?;
    let mut parts = text
        .strip_prefix("sbx-inv:")
        .ok_or_else(invalid)?
        .split(':');
    let offset: usize = parts
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(invalid)?;
    let issued: i64 = parts
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(invalid)?;
    if now - issued > NEXT_TOKEN_TTL_MS {
        return Err(ApiError::invalid(
            "The nextToken has expired; start again without it.",
        ));
    }
    let bound = parts.next().ok_or_else(invalid)?;
    let asked = since.map_or_else(|| "-".to_string(), |at| at.to_string());
    if bound != asked {
        return Err(ApiError::invalid(
            "The nextToken belongs to a query with another startDateTime; pass the same startDateTime with it.",
        ));
    }
    Ok(offset)
}
