//! Stores Catalog V1 (`/stores/v1/products`), Inventory V2 (`/stores/v2/inventoryItems`)
//! and Site Properties (`/site-properties/v4/properties`).

use serde_json::{Value, json};

use super::{ApiError, ApiResult, Wix, state};
use crate::common::parse_iso8601;

/// Query Products: at most 100 a page, 10 when `paging.limit` is not set.
const MAX_LIMIT: u64 = 100;
const DEFAULT_LIMIT: u64 = 10;

pub(crate) fn site_properties(wix: &Wix) -> Value {
    let st = state(wix);
    json!({"properties": {
        "categories": {"primary": "onlineStore", "secondary": [], "businessTermId": ""},
        "locale": {"languageCode": "en", "country": "US"},
        "language": "en",
        "paymentCurrency": st.currency,
        "timeZone": "Etc/UTC",
        "email": "owner@feedbridge-demo.example",
        "phone": "555-123-4567",
        "siteDisplayName": "Feedbridge Demo",
        "businessName": "Feedbridge Demo",
        "address": {"street": "500 Harbor Blvd", "city": "Los Angeles", "country": "US", "state": "CA", "zip": "90012"},
        "businessConfig": "UNKNOWN",
    }, "version": "7"})
}

pub(crate) fn products(wix: &Wix, m: &str, rest: &[&str], body: &Value) -> ApiResult {
    match (m, rest) {
        ("POST", ["query"]) => query(wix, body),
        ("GET", [id]) => {
            let st = state(wix);
            let p = st.products.get(*id).ok_or_else(|| {
                ApiError::not_found("NOT_FOUND", format!("Product {id} not found"))
            })?;
            Ok(json!({"product": p.json(&st.base_url, &st.currency, true)}))
        }
        _ => Err(ApiError::not_found("NOT_FOUND", "No such API")),
    }
}

/// A V1 filter or sort: a JSON document inside a string (`"filter": "{\"id\": ...}"`).
fn json_string(query: &Value, field: &str) -> Result<Option<Value>, ApiError> {
    match &query[field] {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => serde_json::from_str(s).map(Some).map_err(|_| {
            ApiError::invalid(&format!("query.{field}"), "is not a valid JSON string")
        }),
        _ => Err(ApiError::invalid(
            &format!("query.{field}"),
            "must be a string holding JSON (Catalog V1 filters and sorts are strings)",
        )),
    }
}

/// One condition of a V1 product filter: `{"lastUpdated": {"$gt": "..."}}`, `{"id": "..."}`.
fn matches(p: &super::model::Product, field: &str, cond: &Value) -> Result<bool, ApiError> {
    let ops: Vec<(String, Value)> = match cond {
        Value::Object(o) if o.keys().all(|k| k.starts_with('$')) => {
            o.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        }
        other => vec![("$eq".into(), other.clone())],
    };
    for (op, arg) in ops {
        let ok = match field {
            "lastUpdated" => {
                let at = arg.as_str().and_then(parse_iso8601).ok_or_else(|| {
                    ApiError::invalid("query.filter", "lastUpdated needs an ISO-8601 date")
                })?;
                match op.as_str() {
                    "$gt" => p.updated_ms > at,
                    "$gte" => p.updated_ms >= at,
                    "$lt" => p.updated_ms < at,
                    "$lte" => p.updated_ms <= at,
                    _ => return Err(unsupported(field, &op)),
                }
            }
            "id" | "name" => {
                let value = if field == "id" { &p.id } else { &p.name };
                match (op.as_str(), &arg) {
                    ("$eq", Value::String(s)) => value == s,
                    ("$ne", Value::String(s)) => value != s,
                    ("$hasSome", Value::Array(list)) => list.iter().any(|v| v == value.as_str()),
                    _ => return Err(unsupported(field, &op)),
                }
            }
            _ => {
                return Err(ApiError::invalid(
                    "query.filter",
                    format!("filtering by {field} is not supported"),
                ));
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn unsupported(field: &str, op: &str) -> ApiError {
    ApiError::invalid(
        "query.filter",
        format!("operator {op} is not supported for {field}"),
    )
}

fn query(wix: &Wix, body: &Value) -> ApiResult {
    let q = &body["query"];
    if !q.is_null() && !q.is_object() {
        return Err(ApiError::invalid("query", "must be an object"));
    }
    let filter = json_string(q, "filter")?;
    let sort = json_string(q, "sort")?;
    let limit = match &q["paging"]["limit"] {
        Value::Null => DEFAULT_LIMIT,
        v => v
            .as_u64()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| ApiError::invalid("query.paging.limit", "must be between 1 and 100"))?,
    };
    let offset = match &q["paging"]["offset"] {
        Value::Null => 0,
        v => v
            .as_u64()
            .ok_or_else(|| ApiError::invalid("query.paging.offset", "must be 0 or more"))?,
    };
    let with_variants = body["includeVariants"].as_bool().unwrap_or(false);
    let st = state(wix);
    let mut found = Vec::new();
    for p in st.products.values() {
        let keep = match &filter {
            None => true,
            Some(Value::Object(conds)) => {
                let mut all = true;
                for (field, cond) in conds {
                    all &= matches(p, field, cond)?;
                }
                all
            }
            Some(_) => return Err(ApiError::invalid("query.filter", "must be a JSON object")),
        };
        if keep {
            found.push(p);
        }
    }
    // Sort: `[{"lastUpdated": "asc"}]`; by creation (numericId) otherwise.
    let mut key = ("numericId".to_owned(), true);
    if let Some(sort) = &sort {
        let first = sort
            .as_array()
            .and_then(|a| a.first())
            .and_then(Value::as_object)
            .and_then(|o| o.iter().next())
            .ok_or_else(|| {
                ApiError::invalid(
                    "query.sort",
                    "must be a list like [{\"lastUpdated\": \"asc\"}]",
                )
            })?;
        let ascending = match first.1.as_str() {
            Some("asc") => true,
            Some("desc") => false,
            _ => return Err(ApiError::invalid("query.sort", "order must be asc or desc")),
        };
        if !matches!(first.0.as_str(), "lastUpdated" | "numericId" | "name") {
            return Err(ApiError::invalid(
                "query.sort",
                format!("sorting by {} is not supported", first.0),
            ));
        }
        key = (first.0.clone(), ascending);
    }
    found.sort_by(|a, b| {
        let ord = match key.0.as_str() {
            "lastUpdated" => a
                .updated_ms
                .cmp(&b.updated_ms)
                .then(a.created_ms.cmp(&b.created_ms)),
            "name" => a.name.cmp(&b.name),
            _ => a.created_ms.cmp(&b.created_ms).then(a.id.cmp(&b.id)),
        };
        if key.1 { ord } else { ord.reverse() }
    });
    let total = found.len();
    let page: Vec<Value> = found
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(100))
        .map(|p| p.json(&st.base_url, &st.currency, with_variants))
        .collect();
    Ok(
        json!({"products": page, "metadata": {"items": limit, "offset": offset}, "totalResults": total}),
    )
}

/// `POST /stores/v2/inventoryItems/{inventoryItemId}/getVariants`.
pub(crate) fn inventory(wix: &Wix, m: &str, rest: &[&str], body: &Value) -> ApiResult {
    let ["POST"] = [m] else {
        return Err(ApiError::not_found("NOT_FOUND", "No such API"));
    };
    let [id, "getVariants"] = rest else {
        return Err(ApiError::not_found("NOT_FOUND", "No such API"));
    };
    let st = state(wix);
    let p = st
        .products
        .values()
        .find(|p| p.inventory_item_id == *id)
        .ok_or_else(|| {
            ApiError::not_found(
                "INVENTORY_ITEM_NOT_FOUND",
                format!("Inventory item {id} not found"),
            )
        })?;
    let mut item = p.inventory_json();
    if let Some(ids) = body["variantIds"].as_array()
        && !ids.is_empty()
        && let Some(rows) = item["variants"].as_array_mut()
    {
        rows.retain(|r| ids.contains(&r["variantId"]));
    }
    Ok(json!({"inventoryItem": item}))
}
