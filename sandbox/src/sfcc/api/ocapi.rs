//! OCAPI Data 23.2: `product_search`, the site, product inventory records.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::super::model::{Product, State, time};
use super::super::{ApiError, ApiResult, OCAPI_VERSION, Sfcc};
use super::{localized, ok};
use crate::common::{lock, now_millis};

fn ocapi_ok(mut value: Value, kind: &str) -> ApiResult {
    value["_v"] = json!(OCAPI_VERSION);
    value["_type"] = json!(kind);
    ok(value)
}

fn fault(status: StatusCode, kind: &'static str, message: String, arguments: Value) -> ApiError {
    ApiError::Fault {
        status,
        kind,
        message,
        arguments: Some(arguments),
    }
}

pub(crate) fn ocapi(
    sfcc: &Sfcc,
    method: &Method,
    segs: &[&str],
    query: &HashMap<String, String>,
    body: Option<Value>,
) -> ApiResult {
    let _ = query;
    let mut st = lock(&sfcc.state);
    match (method.as_str(), segs) {
        ("POST", ["product_search"]) => product_search(&st, body.unwrap_or(Value::Null)),
        ("GET", ["sites", site]) => {
            if *site != st.site_id {
                return Err(fault(
                    StatusCode::NOT_FOUND,
                    "SiteNotFoundException",
                    format!("No site with ID '{site}' could be found."),
                    json!({"siteId": site}),
                ));
            }
            ocapi_ok(
                json!({
                    "id": st.site_id,
                    "display_name": localized("RefArch Global"),
                    "default_currency": st.currency,
                    "storefront_status": "online",
                }),
                "site",
            )
        }
        (
            "GET",
            [
                "inventory_lists",
                list,
                "product_inventory_records",
                product,
            ],
        ) => {
            check_list(&st, list)?;
            let record = record_json(&st, list, product)?;
            ocapi_ok(record, "product_inventory_record")
        }
        (
            "PATCH",
            [
                "inventory_lists",
                list,
                "product_inventory_records",
                product,
            ],
        ) => {
            check_list(&st, list)?;
            let body = body.ok_or_else(|| {
                fault(
                    StatusCode::BAD_REQUEST,
                    "MissingDocumentException",
                    "The request body is missing.".into(),
                    json!({}),
                )
            })?;
            let Some(fields) = body.as_object() else {
                return Err(fault(
                    StatusCode::BAD_REQUEST,
                    "MalformedDocumentException",
                    "The request body is not a product_inventory_record document.".into(),
                    json!({}),
                ));
            };
            if let Some(key) = fields.keys().find(|k| {
                !matches!(
                    k.as_str(),
                    "allocation"
                        | "perpetual"
                        | "backorderable"
                        | "preorderable"
                        | "in_stock_date"
                        | "_resource_state"
                ) && !k.starts_with("c_")
            }) {
                return Err(fault(
                    StatusCode::BAD_REQUEST,
                    "ReadOnlyPropertyException",
                    format!("The property '{key}' is read-only or unknown."),
                    json!({"property": key}),
                ));
            }
            if !st.inventory.contains_key(*product) {
                return Err(record_missing(list, product));
            }
            if let Some(allocation) = fields.get("allocation") {
                let amount = allocation
                    .get("amount")
                    .and_then(Value::as_f64)
                    .filter(|a| *a >= 0.0 && a.fract() == 0.0)
                    .ok_or_else(|| {
                        fault(
                            StatusCode::BAD_REQUEST,
                            "InvalidPropertyValueException",
                            "The allocation amount must be a non-negative whole number.".into(),
                            json!({"property": "allocation.amount"}),
                        )
                    })?;
                let record = st.inventory.get_mut(*product).expect("checked above");
                record.allocation = amount as i64;
                record.turnover = 0;
                record.modified_ms = now_millis();
            }
            let record = record_json(&st, list, product)?;
            ocapi_ok(record, "product_inventory_record")
        }
        _ => Err(fault(
            StatusCode::NOT_FOUND,
            "ResourcePathNotFoundException",
            format!("Unknown resource path '/{}'.", segs.join("/")),
            json!({"method": method.as_str(), "path": segs.join("/")}),
        )),
    }
}

fn check_list(st: &State, list: &str) -> Result<(), ApiError> {
    if list == st.inventory_list_id {
        return Ok(());
    }
    Err(fault(
        StatusCode::NOT_FOUND,
        "InventoryListNotFoundException",
        format!("No inventory list with ID '{list}' could be found."),
        json!({"listId": list}),
    ))
}

fn record_missing(list: &str, product: &str) -> ApiError {
    fault(
        StatusCode::NOT_FOUND,
        "ProductInventoryRecordNotFoundException",
        format!(
            "No inventory record for product '{product}' in inventory list '{list}' could be found."
        ),
        json!({"listId": list, "productId": product}),
    )
}

fn record_json(st: &State, list: &str, product: &str) -> Result<Value, ApiError> {
    let record = st
        .inventory
        .get(product)
        .ok_or_else(|| record_missing(list, product))?;
    Ok(json!({
        "product_id": product,
        "allocation": {"amount": record.allocation, "reset_date": time(record.modified_ms)},
        "ats": record.ats(),
        "stock_level": record.ats(),
        "turnover": record.turnover,
        "on_order": 0,
        "backorderable": false,
        "perpetual": false,
        "preorderable": false,
        "last_modified": time(record.modified_ms),
    }))
}

/// `POST /product_search`: `query` (`match_all_query` or a `term_query` on `id`), `sorts`,
/// `start`, `count` (1–200, 25 by default); hits are products (masters, standard products and
/// variants, as the catalog holds them).
fn product_search(st: &State, body: Value) -> ApiResult {
    let bad = |message: String| {
        fault(
            StatusCode::BAD_REQUEST,
            "InvalidSearchQueryException",
            message,
            json!({}),
        )
    };
    let Some(b) = body.as_object() else {
        return Err(bad(
            "The search request must be a JSON object with a 'query'.".into(),
        ));
    };
    let query = b
        .get("query")
        .ok_or_else(|| bad("The property 'query' is required.".into()))?;
    let start = b
        .get("start")
        .map_or(Some(0), Value::as_u64)
        .ok_or_else(|| bad("'start' must be a non-negative integer.".into()))?;
    let count = b
        .get("count")
        .map_or(Some(25), Value::as_u64)
        .ok_or_else(|| bad("'count' must be an integer.".into()))?;
    if !(1..=200).contains(&count) {
        return Err(bad(format!(
            "The value '{count}' of 'count' is not between 1 and 200."
        )));
    }
    let ids: Option<Vec<String>> = if query.get("match_all_query").is_some() {
        None
    } else if let Some(term) = query.get("term_query") {
        if term["fields"] != json!(["id"]) || term["operator"] != "one_of" {
            return Err(bad(
                "Only term_query on the field 'id' with operator 'one_of' is supported here."
                    .into(),
            ));
        }
        Some(
            term["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        )
    } else {
        return Err(bad("Unsupported query type.".into()));
    };
    let mut products: Vec<&Product> = st
        .products
        .values()
        .filter(|p| ids.as_ref().is_none_or(|ids| ids.contains(&p.id)))
        .collect();
    let sort = b.get("sorts").and_then(|s| s.get(0));
    match sort.and_then(|s| s["field"].as_str()) {
        None | Some("id") => {}
        Some("last_modified") => products.sort_by_key(|p| (p.modified_ms, p.id.clone())),
        Some("creation_date") => products.sort_by_key(|p| (p.created_ms, p.id.clone())),
        Some(other) => return Err(bad(format!("Sorting by '{other}' is not supported."))),
    }
    if sort.is_some_and(|s| s["sort_order"] == "desc") {
        products.reverse();
    }
    let total = products.len() as u64;
    let hits: Vec<Value> = products
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(count).unwrap_or(0))
        .map(|p| {
            json!({
                "_type": "product",
                "id": p.id,
                "name": localized(&p.name),
                "type": if p.variation_attribute.is_some() { json!({"master": true}) } else { json!({"item": true}) },
                "creation_date": time(p.created_ms),
                "last_modified": time(p.modified_ms),
            })
        })
        .collect();
    let mut result = json!({
        "count": hits.len(),
        "hits": hits,
        "query": query,
        "start": start,
        "total": total,
    });
    if start + count < total {
        result["next"] = json!({"_type": "result_page", "count": count, "start": start + count});
    }
    ocapi_ok(result, "product_search_result")
}
