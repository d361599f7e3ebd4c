//! Root query fields and mutations. Queries return full objects (lists for connections; the
//! executor paginates and projects). Mutations change the state, record webhook effects and
//! return their payload objects.

use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::gql::GqlError;
use super::model::{
    FoLine, Fulfillment, FulfillmentOrder, Level, LineItem, Order, ShippingLine, State, TaxLine,
    Transaction, WebhookSub, gid, mailing_address, parse_gid, ref_,
};
use super::search::{FieldValue, Query};
use crate::common::{iso8601, now_millis, parse_iso8601};

/// Side effects of a mutation, applied after the response is built.
#[derive(Default)]
pub(crate) struct Effects {
    /// (topic, REST payload)
    pub(crate) webhooks: Vec<(String, Value)>,
    pub(crate) cancel_jobs: Vec<CancelJob>,
    /// Bulk operations created, to be run in the background.
    pub(crate) bulk_runs: Vec<u64>,
}

pub(crate) struct CancelJob {
    pub(crate) job_id: u64,
    pub(crate) order_id: u64,
    pub(crate) reason: String,
    pub(crate) restock: bool,
    pub(crate) staff_note: Option<String>,
}

fn s<'v>(args: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    args.get(key).and_then(Value::as_str)
}

fn invalid_gid(id: &str) -> GqlError {
    GqlError::new(format!("Invalid global id '{id}'"))
        .code("argumentLiteralsIncompatible")
        .ext("typeName", json!("CoercionError"))
}

/// Looks up `args[key]` as a GID of `kind`: Ok(None) if well-formed but of another type.
fn gid_arg(args: &Map<String, Value>, key: &str, kind: &str) -> Result<Option<u64>, GqlError> {
    let raw = s(args, key).unwrap_or("");
    let (k, n) = parse_gid(raw).ok_or_else(|| invalid_gid(raw))?;
    Ok((k == kind).then_some(n))
}

// ---------------------------------------------------------------------------------------------
// Queries

/// A location's value of a `locations` / `locationsCount` search field (every seeded location
/// is active).
fn location_field(l: &super::model::Location, field: Option<&str>) -> Option<FieldValue> {
    match field {
        None | Some("name") => Some(FieldValue::Text(vec![l.name.clone()])),
        Some("id") => Some(FieldValue::Number(i64::try_from(l.id).unwrap_or(0))),
        Some("active") => Some(FieldValue::Bool(true)),
        _ => None,
    }
}

pub(crate) fn query_field(
    st: &State,
    name: &str,
    args: &Map<String, Value>,
) -> Result<Value, GqlError> {
    let query = Query::parse(s(args, "query").unwrap_or(""));
    let sort_key = s(args, "sortKey").unwrap_or("ID");
    Ok(match name {
        "shop" => st.shop_json(),
        "product" => gid_arg(args, "id", "Product")?
            .and_then(|n| st.products.get(&n))
            .map_or(Value::Null, |p| st.product_json(p)),
        "products" => {
            let mut list: Vec<&super::model::Product> = st
                .products
                .values()
                .filter(|p| query.matches(|f| product_field(st, p, f)))
                .collect();
            match sort_key {
                "TITLE" => list.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id))),
                "UPDATED_AT" => list.sort_by_key(|p| (st.product_updated(p), p.id)),
                "CREATED_AT" | "PUBLISHED_AT" => list.sort_by_key(|p| (p.created, p.id)),
                "PRODUCT_TYPE" => {
                    list.sort_by(|a, b| a.product_type.cmp(&b.product_type).then(a.id.cmp(&b.id)))
                }
                "VENDOR" => list.sort_by(|a, b| a.vendor.cmp(&b.vendor).then(a.id.cmp(&b.id))),
                _ => {}
            }
            Value::Array(list.into_iter().map(|p| ref_("Product", p.id)).collect())
        }
        "productVariant" => gid_arg(args, "id", "ProductVariant")?
            .and_then(|n| st.variants.get(&n))
            .map_or(Value::Null, |v| st.variant_json(v)),
        "productVariants" => {
            let mut list: Vec<&super::model::Variant> = st
                .variants
                .values()
                .filter(|v| query.matches(|f| variant_field(st, v, f)))
                .collect();
            match sort_key {
                "SKU" => list.sort_by(|a, b| a.sku.cmp(&b.sku).then(a.id.cmp(&b.id))),
                "TITLE" | "NAME" | "FULL_TITLE" => {
                    list.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)))
                }
                "POSITION" => list.sort_by_key(|v| (v.product_id, v.position)),
                "INVENTORY_QUANTITY" => list.sort_by_key(|v| (st.total_available(v), v.id)),
                _ => {}
            }
            Value::Array(
                list.into_iter()
                    .map(|v| ref_("ProductVariant", v.id))
                    .collect(),
            )
        }
        "location" => {
            let id = match s(args, "id") {
                Some(_) => gid_arg(args, "id", "Location")?,
                None => Some(st.default_location()),
            };
            id.and_then(|n| st.locations.iter().find(|l| l.id == n))
                .map_or(Value::Null, |l| st.location_json(l))
        }
        "locations" => {
            let mut list: Vec<&super::model::Location> = st
                .locations
                .iter()
                .filter(|l| query.matches(|f| location_field(l, f)))
                .collect();
            if sort_key == "NAME" {
                list.sort_by(|a, b| a.name.cmp(&b.name));
            }
            Value::Array(list.into_iter().map(|l| st.location_json(l)).collect())
        }
        "locationsCount" => {
            let matching = st
                .locations
                .iter()
                .filter(|l| query.matches(|f| location_field(l, f)))
                .count();
            // `limit` caps the count (default 10000, null for none); a capped count says so.
            let limit = match args.get("limit") {
                Some(Value::Null) => None,
                Some(v) => v.as_u64().and_then(|n| usize::try_from(n).ok()),
                None => Some(10_000),
            };
            let (count, precision) = match limit {
                Some(limit) if matching > limit => (limit, "AT_LEAST"),
                _ => (matching, "EXACT"),
            };
            json!({"count": count, "precision": precision})
        }
        "inventoryItem" => gid_arg(args, "id", "InventoryItem")?
            .and_then(|n| st.items.get(&n))
            .map_or(Value::Null, |i| st.item_json(i)),
        "inventoryItems" => Value::Array(
            st.items
                .values()
                .filter(|i| {
                    query.matches(|f| {
                        let v = st.variants.get(&i.variant_id);
                        match f {
                            Some("sku") | None => Some(FieldValue::Exact(
                                v.and_then(|v| v.sku.clone()).into_iter().collect(),
                            )),
                            Some("id") => {
                                Some(FieldValue::Number(i64::try_from(i.id).unwrap_or(0)))
                            }
                            Some("updated_at") => Some(FieldValue::Time(i.updated)),
                            Some("created_at") => Some(FieldValue::Time(i.created)),
                            _ => None,
                        }
                    })
                })
                .map(|i| ref_("InventoryItem", i.id))
                .collect(),
        ),
        "order" => gid_arg(args, "id", "Order")?
            .and_then(|n| st.orders.get(&n))
            .map_or(Value::Null, |o| st.order_json(o)),
        "orders" => {
            // A single-tag search (the find-before-create) reads the tagged orders only.
            let candidates: Box<dyn Iterator<Item = &Order>> = match query.required_exact("tag") {
                Some(tag) => Box::new(st.orders_tagged(tag)),
                None => Box::new(st.orders.values()),
            };
            let mut list: Vec<&Order> = candidates
                .filter(|o| query.matches(|f| order_field(o, f)))
                .collect();
            let time_of: Option<fn(&Order) -> i64> = match sort_key {
                "CREATED_AT" => Some(|o| o.created),
                "UPDATED_AT" => Some(|o| o.updated),
                "PROCESSED_AT" => Some(|o| o.processed),
                _ => None,
            };
            match (sort_key, time_of) {
                (_, Some(time)) => list.sort_by_key(|o| (time(o), o.id)),
                ("ORDER_NUMBER", _) => list.sort_by_key(|o| o.number),
                ("TOTAL_PRICE", _) => list.sort_by_key(|o| (o.total(), o.id)),
                _ => {}
            }
            Value::Array(
                list.into_iter()
                    .map(|o| {
                        let mut item = ref_("Order", o.id);
                        if let (Some(time), Some(fields)) = (time_of, item.as_object_mut()) {
                            fields.insert(
                                super::gql::SORT_VALUE.to_owned(),
                                json!(format!("{:020}", time(o))),
                            );
                        }
                        item
                    })
                    .collect(),
            )
        }
        "fulfillment" => gid_arg(args, "id", "Fulfillment")?
            .and_then(|n| st.fulfillments.get(&n))
            .map_or(Value::Null, |f| st.fulfillment_json(f)),
        "fulfillmentOrder" => gid_arg(args, "id", "FulfillmentOrder")?
            .and_then(|n| st.fulfillment_orders.get(&n))
            .map_or(Value::Null, |f| st.fo_json(f)),
        "job" => gid_arg(args, "id", "Job")?
            .and_then(|n| st.jobs.get(&n).map(|(done, _)| (n, *done)))
            .map_or(
                Value::Null,
                |(n, done)| json!({"__typename": "Job", "id": gid("Job", n), "done": done}),
            ),
        "node" => {
            let id = s(args, "id").unwrap_or("");
            parse_gid(id).ok_or_else(|| invalid_gid(id))?;
            st.node(id).unwrap_or(Value::Null)
        }
        "nodes" => {
            let ids: Vec<&str> = args
                .get("ids")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if ids.len() > 250 {
                return Err(GqlError::new(
                    "The ids argument may contain at most 250 ids.",
                ));
            }
            let mut out = Vec::new();
            for id in ids {
                parse_gid(id).ok_or_else(|| invalid_gid(id))?;
                out.push(st.node(id).unwrap_or(Value::Null));
            }
            Value::Array(out)
        }
        "currentBulkOperation" => super::bulk::current(st, args),
        "bulkOperation" => gid_arg(args, "id", "BulkOperation")?
            .and_then(|n| super::bulk::node(st, n))
            .unwrap_or(Value::Null),
        "webhookSubscription" => gid_arg(args, "id", "WebhookSubscription")?
            .and_then(|n| st.subscriptions.get(&n))
            .map_or(Value::Null, |w| st.subscription_json(w)),
        "webhookSubscriptions" => {
            let topics: Vec<String> = args
                .get("topics")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            Value::Array(
                st.subscriptions
                    .values()
                    .filter(|w| topics.is_empty() || topics.contains(&w.topic))
                    .filter(|w| s(args, "format").is_none_or(|f| f == w.format))
                    .filter(|w| s(args, "uri").is_none_or(|u| u == w.uri))
                    .map(|w| st.subscription_json(w))
                    .collect(),
            )
        }
        other => {
            return Err(GqlError::new(format!(
                "Field '{other}' is not implemented by the sandbox"
            )));
        }
    })
}

fn time_of(ms: i64) -> Option<FieldValue> {
    Some(FieldValue::Time(ms))
}

fn product_field(st: &State, p: &super::model::Product, field: Option<&str>) -> Option<FieldValue> {
    let variants = || p.variant_ids.iter().filter_map(|v| st.variants.get(v));
    match field {
        None | Some("title") => Some(FieldValue::Text(vec![p.title.clone()])),
        Some("sku") => Some(FieldValue::Exact(
            variants().filter_map(|v| v.sku.clone()).collect(),
        )),
        Some("barcode") => Some(FieldValue::Exact(
            variants().filter_map(|v| v.barcode.clone()).collect(),
        )),
        Some("status") => Some(FieldValue::Exact(vec![p.status.clone()])),
        Some("product_type") => Some(FieldValue::Exact(vec![p.product_type.clone()])),
        Some("vendor") => Some(FieldValue::Exact(vec![p.vendor.clone()])),
        Some("tag") => Some(FieldValue::Exact(p.tags.clone())),
        Some("tag_not") => Some(FieldValue::Exact(p.tags.clone())),
        Some("handle") => Some(FieldValue::Exact(vec![p.handle.clone()])),
        Some("updated_at") => time_of(st.product_updated(p)),
        Some("created_at") | Some("published_at") => time_of(p.created),
        Some("id") => Some(FieldValue::Number(i64::try_from(p.id).unwrap_or(0))),
        Some("inventory_total") => Some(FieldValue::Number(
            variants().map(|v| st.total_available(v)).sum(),
        )),
        _ => None,
    }
}

fn variant_field(st: &State, v: &super::model::Variant, field: Option<&str>) -> Option<FieldValue> {
    let product = st.products.get(&v.product_id);
    match field {
        None => Some(FieldValue::Text(
            [
                Some(v.title.clone()),
                v.sku.clone(),
                product.map(|p| p.title.clone()),
            ]
            .into_iter()
            .flatten()
            .collect(),
        )),
        Some("sku") => Some(FieldValue::Exact(v.sku.clone().into_iter().collect())),
        Some("barcode") => Some(FieldValue::Exact(v.barcode.clone().into_iter().collect())),
        Some("title") => Some(FieldValue::Text(vec![v.title.clone()])),
        Some("product_id") => Some(FieldValue::Number(i64::try_from(v.product_id).unwrap_or(0))),
        Some("id") => Some(FieldValue::Number(i64::try_from(v.id).unwrap_or(0))),
        Some("inventory_quantity") => Some(FieldValue::Number(st.total_available(v))),
        Some("product_status") => Some(FieldValue::Exact(
            product.map(|p| p.status.clone()).into_iter().collect(),
        )),
        Some("updated_at") => time_of(st.variant_updated(v)),
        Some("created_at") => time_of(v.created),
        _ => None,
    }
}

fn order_field(o: &Order, field: Option<&str>) -> Option<FieldValue> {
    match field {
        None => Some(FieldValue::Text(
            [Some(o.name.clone()), o.email.clone()]
                .into_iter()
                .flatten()
                .collect(),
        )),
        Some("tag") => Some(FieldValue::Exact(o.tags.clone())),
        Some("name") => Some(FieldValue::Exact(vec![
            o.name.clone(),
            o.name.trim_start_matches('#').to_string(),
        ])),
        Some("updated_at") => time_of(o.updated),
        Some("created_at") => time_of(o.created),
        Some("processed_at") => time_of(o.processed),
        Some("id") => Some(FieldValue::Number(i64::try_from(o.id).unwrap_or(0))),
        Some("status") => Some(FieldValue::Exact(vec![
            if o.cancelled_at.is_some() {
                "cancelled"
            } else if o.closed_at.is_some() {
                "closed"
            } else {
                "open"
            }
            .to_string(),
        ])),
        Some("financial_status") => {
            Some(FieldValue::Exact(vec![o.financial_status.to_lowercase()]))
        }
        Some("fulfillment_status") => Some(FieldValue::Exact(match o.fulfillment_status() {
            "FULFILLED" => vec!["shipped".into(), "fulfilled".into()],
            "PARTIALLY_FULFILLED" => vec!["partial".into()],
            _ => vec!["unshipped".into(), "unfulfilled".into()],
        })),
        Some("source_name") => Some(FieldValue::Exact(
            o.source_name.clone().into_iter().collect(),
        )),
        Some("source_identifier") => Some(FieldValue::Exact(
            o.source_identifier.clone().into_iter().collect(),
        )),
        Some("email") => Some(FieldValue::Exact(o.email.clone().into_iter().collect())),
        Some("sku") => Some(FieldValue::Exact(
            o.line_items
                .iter()
                .filter_map(|li| li.sku.clone())
                .collect(),
        )),
        Some("test") => Some(FieldValue::Bool(o.test)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

pub(crate) struct MutationCtx<'a> {
    pub(crate) version: &'a str,
    pub(crate) idempotency_key: Option<String>,
}

impl MutationCtx<'_> {
    /// Whether the API version is at least `v` (`unstable` is newest).
    pub(crate) fn at_least(&self, v: &str) -> bool {
        self.version == "unstable" || self.version >= v
    }
}

pub(crate) fn user_error(
    typename: &str,
    field: &[&str],
    message: impl Into<String>,
    code: Option<&str>,
) -> Value {
    let mut e = json!({
        "__typename": typename,
        "field": field,
        "message": message.into(),
    });
    if let Some(c) = code {
        e["code"] = json!(c);
    }
    e
}

pub(crate) fn mutation_field(
    st: &mut State,
    ctx: &MutationCtx<'_>,
    name: &str,
    args: &Map<String, Value>,
    fx: &mut Effects,
) -> Result<Value, GqlError> {
    match name {
        "orderCreate" => Ok(order_create(st, args, fx)),
        "tagsAdd" => tags(st, args, fx, true),
        "tagsRemove" => tags(st, args, fx, false),
        "orderCancel" => order_cancel(st, args, fx),
        "refundCreate" => super::refunds::refund_create(st, ctx, args, fx),
        "inventorySetQuantities" => inventory_set(st, ctx, args, fx),
        "inventoryAdjustQuantities" => inventory_adjust(st, ctx, args, fx),
        "webhookSubscriptionCreate" => Ok(webhook_create(st, ctx, args)),
        "webhookSubscriptionDelete" => webhook_delete(st, args),
        "fulfillmentCreate" => Ok(fulfillment_create(st, args, fx)),
        "fulfillmentTrackingInfoUpdate" => tracking_update(st, args, fx),
        "fulfillmentEventCreate" => Ok(fulfillment_event_create(st, args, fx)),
        "bulkOperationRunQuery" => Ok(super::bulk::run_query(st, ctx.version, args, fx)),
        "bulkOperationCancel" => Ok(super::bulk::cancel(st, args)),
        other => Err(GqlError::new(format!(
            "Mutation '{other}' is not implemented by the sandbox"
        ))),
    }
}

fn money_input(v: Option<&Value>) -> Option<(Decimal, String)> {
    let shop = v?.get("shopMoney")?;
    let amount = Decimal::from_str(shop.get("amount")?.as_str()?).ok()?;
    let currency = shop.get("currencyCode")?.as_str()?.to_string();
    Some((amount, currency))
}

fn split_tags(args: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in args
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        for part in t.split(',') {
            let p = part.trim().to_string();
            if !p.is_empty() && !out.iter().any(|x| x.eq_ignore_ascii_case(&p)) {
                out.push(p);
            }
        }
    }
    out
}

fn order_create(st: &mut State, args: &Map<String, Value>, fx: &mut Effects) -> Value {
    const T: &str = "OrderCreateUserError";
    let fail = |errors: Vec<Value>| json!({"__typename": "OrderCreatePayload", "order": null, "userErrors": errors});
    let empty = Map::new();
    let input = args
        .get("order")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let options = args.get("options").and_then(Value::as_object);
    let behaviour = options
        .and_then(|o| o.get("inventoryBehaviour"))
        .and_then(Value::as_str)
        .unwrap_or("BYPASS")
        .to_string();
    let shop_currency = st.shop.currency.clone();
    let mut errors = Vec::new();

    for key in ["currency", "presentmentCurrency"] {
        if let Some(c) = input.get(key).and_then(Value::as_str)
            && c != shop_currency
        {
            errors.push(user_error(T, &["order", key], format!("The currency {c} does not match the shop currency {shop_currency}; this shop only accepts orders in {shop_currency}."), Some("CURRENCY_MISMATCH")));
        }
    }
    if input.get("fulfillmentStatus").is_some_and(|v| !v.is_null())
        || input.get("fulfillment").is_some_and(|v| !v.is_null())
    {
        errors.push(user_error(T, &["order", "fulfillmentStatus"], "The sandbox does not create pre-fulfilled orders; create the order unfulfilled and fulfil it afterwards.", Some("INVALID")));
    }

    let raw_lines = input
        .get("lineItems")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if raw_lines.is_empty() {
        errors.push(user_error(
            T,
            &["order", "lineItems"],
            "Line items must have at least one line item.",
            Some("REQUIRED"),
        ));
    }
    let mut lines: Vec<LineItem> = Vec::new();
    for (i, li) in raw_lines.iter().enumerate() {
        let idx = i.to_string();
        let qty = li.get("quantity").and_then(Value::as_i64).unwrap_or(0);
        if qty < 1 {
            errors.push(user_error(
                T,
                &["order", "lineItems", &idx, "quantity"],
                "Quantity must be greater than or equal to 1.",
                Some("INVALID"),
            ));
        }
        let price_set = money_input(li.get("priceSet"));
        if let Some((amount, currency)) = &price_set {
            if *currency != shop_currency {
                errors.push(user_error(
                    T,
                    &[
                        "order",
                        "lineItems",
                        &idx,
                        "priceSet",
                        "shopMoney",
                        "currencyCode",
                    ],
                    format!(
                        "The currency {currency} does not match the shop currency {shop_currency}."
                    ),
                    Some("CURRENCY_MISMATCH"),
                ));
            }
            if *amount < Decimal::ZERO {
                errors.push(user_error(
                    T,
                    &["order", "lineItems", &idx, "priceSet"],
                    "Price must be greater than or equal to 0.",
                    Some("INVALID"),
                ));
            }
        }
        match li.get("variantId").and_then(Value::as_str) {
            Some(vid) => {
                let variant = parse_gid(vid)
                    .filter(|(k, _)| *k == "ProductVariant")
                    .and_then(|(_, n)| st.variants.get(&n));
                let Some(v) = variant else {
                    errors.push(user_error(
                        T,
                        &["order", "lineItems", &idx, "variantId"],
                        format!("The product variant {vid} does not exist."),
                        Some("PRODUCT_VARIANT_NOT_FOUND"),
                    ));
                    continue;
                };
                let product = st.products.get(&v.product_id);
                lines.push(LineItem {
                    id: 0,
                    variant_id: Some(v.id),
                    product_id: Some(v.product_id),
                    sku: li
                        .get("sku")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .or_else(|| v.sku.clone()),
                    title: product.map(|p| p.title.clone()).unwrap_or_default(),
                    variant_title: Some(v.title.clone()),
                    vendor: product.map(|p| p.vendor.clone()),
                    quantity: qty,
                    removed: 0,
                    returned: 0,
                    fulfilled: 0,
                    price: price_set.as_ref().map_or(v.price, |(a, _)| *a),
                    requires_shipping: li
                        .get("requiresShipping")
                        .and_then(Value::as_bool)
                        .unwrap_or(true),
                    properties: props(li),
                });
            }
            None => {
                let title = li.get("title").and_then(Value::as_str);
                match (title, &price_set) {
                    (Some(t), Some((amount, _))) if !t.trim().is_empty() => lines.push(LineItem {
                        id: 0,
                        variant_id: None,
                        product_id: None,
                        sku: li.get("sku").and_then(Value::as_str).map(str::to_string),
                        title: t.to_string(),
                        variant_title: li
                            .get("variantTitle")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        vendor: li.get("vendor").and_then(Value::as_str).map(str::to_string),
                        quantity: qty,
                        removed: 0,
                        returned: 0,
                        fulfilled: 0,
                        price: *amount,
                        requires_shipping: li
                            .get("requiresShipping")
                            .and_then(Value::as_bool)
                            .unwrap_or(true),
                        properties: props(li),
                    }),
                    _ => errors.push(user_error(
                        T,
                        &["order", "lineItems", &idx],
                        "A custom line item (no variantId) needs a title and a priceSet.",
                        Some("REQUIRED"),
                    )),
                }
            }
        }
    }

    let currency_error = |path: &[&str], currency: &str| {
        user_error(
            T,
            path,
            format!("The currency {currency} does not match the shop currency {shop_currency}."),
            Some("CURRENCY_MISMATCH"),
        )
    };
    let mut shipping_lines = Vec::new();
    for (i, sl) in input
        .get("shippingLines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let idx = i.to_string();
        let title = sl.get("title").and_then(Value::as_str).unwrap_or("");
        if title.trim().is_empty() {
            errors.push(user_error(
                T,
                &["order", "shippingLines", &idx, "title"],
                "Title can't be blank.",
                Some("REQUIRED"),
            ));
        }
        let Some((amount, currency)) = money_input(sl.get("priceSet")) else {
            errors.push(user_error(
                T,
                &["order", "shippingLines", &idx, "priceSet"],
                "Price set is required.",
                Some("REQUIRED"),
            ));
            continue;
        };
        if currency != shop_currency {
            errors.push(currency_error(
                &["order", "shippingLines", &idx, "priceSet"],
                &currency,
            ));
        }
        if amount < Decimal::ZERO {
            errors.push(user_error(
                T,
                &["order", "shippingLines", &idx, "priceSet"],
                "Price must be greater than or equal to 0.",
                Some("INVALID"),
            ));
        }
        let text = |k: &str| sl.get(k).and_then(Value::as_str).map(str::to_string);
        shipping_lines.push(ShippingLine {
            id: 0,
            title: title.to_string(),
            code: text("code"),
            source: text("source"),
            price: amount,
        });
    }
    let shipping_total: Decimal = shipping_lines.iter().map(|l| l.price).sum();
    let items_total: Decimal = lines
        .iter()
        .map(|l| l.price * Decimal::from(l.quantity))
        .sum();

    // discountCode: exactly one of the three kinds.
    let mut discount_code = None;
    let mut item_discount = Decimal::ZERO;
    let mut shipping_discount = Decimal::ZERO;
    if let Some(dc) = input.get("discountCode").and_then(Value::as_object) {
        let kinds: Vec<(&String, &Value)> = dc.iter().filter(|(_, v)| !v.is_null()).collect();
        match kinds.as_slice() {
            [(kind, v)] => {
                let code = v.get("code").and_then(Value::as_str).unwrap_or("").trim();
                let base = ["order", "discountCode", kind.as_str()];
                if code.is_empty() {
                    let path = [&base[..], &["code"]].concat();
                    errors.push(user_error(T, &path, "Code can't be blank.", Some("REQUIRED")));
                }
                discount_code = Some(code.to_string());
                match kind.as_str() {
                    "itemFixedDiscountCode" => match money_input(v.get("amountSet")) {
                        // Unconfirmed: Shopify's behaviour without an amount is undocumented;
                        // the sandbox requires one.
                        None => {
                            let path = [&base[..], &["amountSet"]].concat();
                            errors.push(user_error(T, &path, "Amount set is required for a fixed amount discount code.", Some("REQUIRED")));
                        }
                        Some((amount, currency)) => {
                            let path = [&base[..], &["amountSet"]].concat();
                            if currency != shop_currency {
                                errors.push(currency_error(&path, &currency));
                            }
                            if amount < Decimal::ZERO {
                                errors.push(user_error(T, &path, "Amount must be greater than or equal to 0.", Some("INVALID")));
                            }
                            item_discount = amount.min(items_total).max(Decimal::ZERO);
                        }
                    },
                    "itemPercentageDiscountCode" => {
                        let pct = v.get("percentage").and_then(Value::as_f64);
                        match pct.and_then(|p| Decimal::try_from(p).ok()) {
                            Some(p) if (Decimal::ZERO..=Decimal::from(100)).contains(&p) => {
                                item_discount = (items_total * p / Decimal::from(100)).round_dp(2);
                            }
                            _ => {
                                let path = [&base[..], &["percentage"]].concat();
                                errors.push(user_error(T, &path, "Percentage must be between 0 and 100.", Some("INVALID")));
                            }
                        }
                    }
                    _ => shipping_discount = shipping_total,
                }
            }
            [] => errors.push(user_error(
                T,
                &["order", "discountCode"],
                "A discount code needs one of itemFixedDiscountCode, itemPercentageDiscountCode or freeShippingDiscountCode.",
                Some("INVALID"),
            )),
            _ => errors.push(user_error(
                T,
                &["order", "discountCode"],
                "Only one type of discount can be applied to an order.",
                Some("INVALID"),
            )),
        }
    }

    let mut tax_lines = Vec::new();
    for (i, tl) in input
        .get("taxLines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let idx = i.to_string();
        let title = tl.get("title").and_then(Value::as_str).unwrap_or("");
        if title.trim().is_empty() {
            errors.push(user_error(
                T,
                &["order", "taxLines", &idx, "title"],
                "Title can't be blank.",
                Some("REQUIRED"),
            ));
        }
        let rate = tl
            .get("rate")
            .and_then(|r| match r {
                Value::String(s) => Decimal::from_str(s).ok(),
                Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
                _ => None,
            })
            .unwrap_or(Decimal::ZERO);
        if !(Decimal::ZERO..=Decimal::ONE).contains(&rate) {
            errors.push(user_error(
                T,
                &["order", "taxLines", &idx, "rate"],
                "Rate must be a fraction between 0 and 1 (0.08 for 8%).",
                Some("INVALID"),
            ));
        }
        let price = match money_input(tl.get("priceSet")) {
            Some((amount, currency)) => {
                if currency != shop_currency {
                    errors.push(currency_error(
                        &["order", "taxLines", &idx, "priceSet"],
                        &currency,
                    ));
                }
                amount
            }
            // Without a price, the tax is the rate applied to the discounted line items.
            None => ((items_total - item_discount) * rate).round_dp(2),
        };
        tax_lines.push(TaxLine {
            title: title.to_string(),
            rate,
            price,
        });
    }
    let tax_total: Decimal = tax_lines.iter().map(|t| t.price).sum();

    if let Some(name) = input.get("name").and_then(Value::as_str) {
        if name.trim().is_empty() {
            errors.push(user_error(
                T,
                &["order", "name"],
                "Name can't be blank.",
                Some("INVALID"),
            ));
        } else if st.order_name_taken(name) {
            errors.push(user_error(
                T,
                &["order", "name"],
                format!("Name has already been taken: an order named {name} exists."),
                Some("INVALID"),
            ));
        }
    }
    let now = now_millis();
    let mut transactions = Vec::new();
    for (i, t) in input
        .get("transactions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some((amount, currency)) = money_input(t.get("amountSet")) else {
            continue;
        };
        if currency != shop_currency {
            errors.push(user_error(
                T,
                &["order", "transactions", &i.to_string(), "amountSet"],
                format!(
                    "The currency {currency} does not match the shop currency {shop_currency}."
                ),
                Some("CURRENCY_MISMATCH"),
            ));
        }
        transactions.push(Transaction {
            id: 0,
            kind: t
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("SALE")
                .to_string(),
            status: t
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("SUCCESS")
                .to_string(),
            gateway: t
                .get("gateway")
                .and_then(Value::as_str)
                .unwrap_or("manual")
                .to_string(),
            amount,
            created: now,
        });
    }

    let tags = split_tags(input);
    if tags.len() > 250 || tags.iter().any(|t| t.chars().count() > 255) {
        errors.push(user_error(
            T,
            &["order", "tags"],
            "An order may have at most 250 tags of at most 255 characters each.",
            Some("INVALID"),
        ));
    }
    if let Some(src) = input.get("sourceName").and_then(Value::as_str)
        && (src.trim().is_empty() || src.len() > 255)
    {
        errors.push(user_error(
            T,
            &["order", "sourceName"],
            "Source name must be 1-255 characters.",
            Some("INVALID"),
        ));
    }

    // Stock (per variant, at the location that fulfils online orders).
    let location = st.default_location();
    let claims = behaviour != "BYPASS";
    if claims && errors.is_empty() {
        let mut wanted: BTreeMap<u64, (i64, usize)> = BTreeMap::new();
        for (i, li) in lines.iter().enumerate() {
            if let Some(v) = li.variant_id {
                let e = wanted.entry(v).or_insert((0, i));
                e.0 += li.quantity;
            }
        }
        for (vid, (qty, i)) in &wanted {
            let Some(v) = st.variants.get(vid) else {
                continue;
            };
            let Some(item) = st.items.get(&v.inventory_item_id) else {
                continue;
            };
            if !item.tracked {
                continue;
            }
            let available = item.levels.get(&location).map(|l| l.available);
            let sku = v.sku.clone().unwrap_or_default();
            match available {
                None => errors.push(user_error(
                    T,
                    &["order", "lineItems", &i.to_string()],
                    format!(
                        "Variant {sku} is not stocked at the location that fulfils online orders."
                    ),
                    Some("INSUFFICIENT_INVENTORY"),
                )),
                Some(a)
                    if behaviour == "DECREMENT_OBEYING_POLICY"
                        && v.policy == "DENY"
                        && a < *qty =>
                {
                    errors.push(user_error(T, &["order", "lineItems", &i.to_string()], format!("Not enough inventory for {sku}: {a} available, {qty} requested (inventory policy DENY)."), Some("INSUFFICIENT_INVENTORY")));
                }
                Some(_) => {}
            }
        }
    }
    if !errors.is_empty() {
        return fail(errors);
    }

    // Create.
    let order_id = st.id();
    let number = st.next_order_number;
    st.next_order_number += 1;
    for li in &mut lines {
        li.id = st.id();
        st.line_item_orders.insert(li.id, order_id);
    }
    for t in &mut transactions {
        t.id = st.id();
    }
    for l in &mut shipping_lines {
        l.id = st.id();
    }
    let mut changed_levels = Vec::new();
    if claims {
        for li in &lines {
            let Some(v) = li.variant_id.and_then(|v| st.variants.get(&v)) else {
                continue;
            };
            let item_id = v.inventory_item_id;
            if let Some(level) = st
                .items
                .get_mut(&item_id)
                .filter(|i| i.tracked)
                .and_then(|i| i.levels.get_mut(&location))
            {
                level.available -= li.quantity;
                level.committed += li.quantity;
                level.updated = now;
                changed_levels.push(item_id);
            }
        }
    }
    let total: Decimal = (items_total - item_discount).max(Decimal::ZERO)
        + (shipping_total - shipping_discount)
        + tax_total;
    let financial_status = input
        .get("financialStatus")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| {
            let paid: Decimal = transactions
                .iter()
                .filter(|t| t.status == "SUCCESS" && (t.kind == "SALE" || t.kind == "CAPTURE"))
                .map(|t| t.amount)
                .sum();
            let authorized = transactions
                .iter()
                .any(|t| t.status == "SUCCESS" && t.kind == "AUTHORIZATION");
            if paid >= total && paid > Decimal::ZERO {
                "PAID"
            } else if paid > Decimal::ZERO {
                "PARTIALLY_PAID"
            } else if authorized {
                "AUTHORIZED"
            } else {
                "PENDING"
            }
            .to_string()
        });
    let fo_id = st.id();
    let fo_lines: Vec<FoLine> = lines
        .iter()
        .filter(|l| l.requires_shipping)
        .map(|l| (l.id, l.quantity))
        .collect::<Vec<_>>()
        .into_iter()
        .map(|(line_item_id, q)| FoLine {
            id: 0,
            line_item_id,
            total: q,
            remaining: q,
        })
        .collect();
    let mut fo_lines = fo_lines;
    for l in &mut fo_lines {
        l.id = st.id();
    }
    let has_fo = !fo_lines.is_empty();
    if has_fo {
        st.fulfillment_orders.insert(
            fo_id,
            FulfillmentOrder {
                id: fo_id,
                order_id,
                status: "OPEN".to_string(),
                location_id: location,
                lines: fo_lines,
                created: now,
                updated: now,
            },
        );
    }
    let processed = input
        .get("processedAt")
        .and_then(Value::as_str)
        .and_then(parse_iso8601)
        .unwrap_or(now);
    let order = Order {
        id: order_id,
        number,
        name: input
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("#{number}"), str::to_string),
        created: now,
        updated: now,
        processed,
        closed_at: input
            .get("closedAt")
            .and_then(Value::as_str)
            .and_then(parse_iso8601),
        cancelled_at: None,
        cancel_reason: None,
        tags,
        note: input
            .get("note")
            .and_then(Value::as_str)
            .map(str::to_string),
        email: input
            .get("email")
            .and_then(Value::as_str)
            .map(str::to_string),
        phone: input
            .get("phone")
            .and_then(Value::as_str)
            .map(str::to_string),
        source_name: input
            .get("sourceName")
            .and_then(Value::as_str)
            .map(str::to_string),
        source_identifier: input
            .get("sourceIdentifier")
            .and_then(Value::as_str)
            .map(str::to_string),
        custom_attributes: input
            .get("customAttributes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| {
                Some((
                    a.get("key")?.as_str()?.to_string(),
                    a.get("value")?.as_str()?.to_string(),
                ))
            })
            .collect(),
        currency: shop_currency,
        financial_status,
        test: input.get("test").and_then(Value::as_bool).unwrap_or(false),
        line_items: lines,
        fulfillment_ids: Vec::new(),
        fulfillment_order_ids: if has_fo { vec![fo_id] } else { Vec::new() },
        shipping_address: input
            .get("shippingAddress")
            .and_then(Value::as_object)
            .map(mailing_address),
        billing_address: input
            .get("billingAddress")
            .and_then(Value::as_object)
            .map(mailing_address),
        transactions,
        refunds: Vec::new(),
        shipping_total,
        tax_total,
        shipping_lines,
        tax_lines,
        discount_code,
        item_discount,
        shipping_discount,
        inventory_behaviour: behaviour,
        claimed_stock: claims,
        location_id: location,
        restocked: false,
    };
    fx.webhooks
        .push(("orders/create".to_string(), st.rest_order(&order)));
    st.insert_order(order);
    for item in changed_levels {
        fx.webhooks.push((
            "inventory_levels/update".to_string(),
            st.rest_inventory_level(item, location),
        ));
    }
    json!({"__typename": "OrderCreatePayload", "order": ref_("Order", order_id), "userErrors": []})
}

fn props(li: &Value) -> Vec<(String, String)> {
    li.get("properties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p.get("name")?.as_str()?.to_string(),
                p.get("value")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

fn tags(
    st: &mut State,
    args: &Map<String, Value>,
    fx: &mut Effects,
    add: bool,
) -> Result<Value, GqlError> {
    let typename = if add {
        "TagsAddPayload"
    } else {
        "TagsRemovePayload"
    };
    let id = s(args, "id").unwrap_or("");
    let (kind, n) = parse_gid(id).ok_or_else(|| invalid_gid(id))?;
    let list = split_tags(args);
    let now = now_millis();
    let apply = |tags: &mut Vec<String>| {
        if add {
            for t in &list {
                if !tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
                    tags.push(t.clone());
                }
            }
        } else {
            tags.retain(|x| !list.iter().any(|t| t.eq_ignore_ascii_case(x)));
        }
    };
    let not_found = || json!({"__typename": typename, "node": null, "userErrors": [user_error("UserError", &["id"], format!("The resource {id} does not exist."), None)]});
    if list.is_empty() {
        return Ok(
            json!({"__typename": typename, "node": null, "userErrors": [user_error("UserError", &["tags"], "Tags can't be blank.", None)]}),
        );
    }
    match kind {
        "Order" => {
            if !st.retag_order(n, apply) {
                return Ok(not_found());
            }
            if let Some(o) = st.orders.get_mut(&n) {
                o.updated = now;
            }
            if let Some(o) = st.orders.get(&n) {
                fx.webhooks
                    .push(("orders/updated".to_string(), st.rest_order(o)));
            }
        }
        "Product" => {
            let Some(p) = st.products.get_mut(&n) else {
                return Ok(not_found());
            };
            apply(&mut p.tags);
            p.updated = now;
            if let Some(p) = st.products.get(&n) {
                fx.webhooks
                    .push(("products/update".to_string(), st.rest_product(p)));
            }
        }
        _ => return Ok(not_found()),
    }
    Ok(json!({"__typename": typename, "node": {"__ref": id}, "userErrors": []}))
}

fn order_cancel(
    st: &mut State,
    args: &Map<String, Value>,
    fx: &mut Effects,
) -> Result<Value, GqlError> {
    let fail = |field: &str, message: String, code: &str| {
        json!({
            "__typename": "OrderCancelPayload",
            "job": null,
            "orderCancelUserErrors": [user_error("OrderCancelUserError", &[field], message.clone(), Some(code))],
            "userErrors": [user_error("UserError", &[field], message, None)],
        })
    };
    let id = s(args, "orderId").unwrap_or("");
    let (kind, n) = parse_gid(id).ok_or_else(|| invalid_gid(id))?;
    let Some(order) = st.orders.get(&n).filter(|_| kind == "Order") else {
        return Ok(fail(
            "orderId",
            format!("Order {id} does not exist."),
            "NOT_FOUND",
        ));
    };
    if order.cancelled_at.is_some() {
        return Ok(fail(
            "orderId",
            "Order has already been cancelled.".to_string(),
            "INVALID",
        ));
    }
    if st.jobs.values().any(|(done, o)| !done && *o == n) {
        return Ok(fail(
            "orderId",
            "Order is already being cancelled.".to_string(),
            "INVALID",
        ));
    }
    if order
        .fulfillment_ids
        .iter()
        .filter_map(|f| st.fulfillments.get(f))
        .any(|f| f.status == "SUCCESS")
    {
        return Ok(fail(
            "orderId",
            "Cannot cancel an order that has fulfillments. Cancel the fulfillments first."
                .to_string(),
            "INVALID",
        ));
    }
    if args.get("refund").is_some_and(|v| !v.is_null())
        && args.get("refundMethod").is_some_and(|v| !v.is_null())
    {
        return Ok(fail(
            "refundMethod",
            "Specify either refund or refundMethod, not both.".to_string(),
            "INVALID",
        ));
    }
    let job_id = st.id();
    st.jobs.insert(job_id, (false, n));
    fx.cancel_jobs.push(CancelJob {
        job_id,
        order_id: n,
        reason: s(args, "reason").unwrap_or("OTHER").to_string(),
        restock: args
            .get("restock")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        staff_note: s(args, "staffNote").map(str::to_string),
    });
    Ok(json!({
        "__typename": "OrderCancelPayload",
        "job": {"__typename": "Job", "id": gid("Job", job_id), "done": false},
        "orderCancelUserErrors": [],
        "userErrors": [],
    }))
}

/// Cancels an order now (the async job's work, also used by the control API).
pub(crate) fn cancel_order_now(
    st: &mut State,
    order_id: u64,
    reason: &str,
    restock: bool,
    fx: &mut Effects,
) -> Result<(), String> {
    let now = now_millis();
    let Some(order) = st.orders.get(&order_id) else {
        return Err(format!("order {order_id} not found"));
    };
    if order.cancelled_at.is_some() {
        return Err(format!("order {} is already cancelled", order.name));
    }
    if order
        .fulfillment_ids
        .iter()
        .filter_map(|f| st.fulfillments.get(f))
        .any(|f| f.status == "SUCCESS")
    {
        return Err(format!(
            "order {} has fulfillments and cannot be cancelled",
            order.name
        ));
    }
    let location = order.location_id;
    let claimed = order.claimed_stock;
    let lines: Vec<(Option<u64>, i64)> = order
        .line_items
        .iter()
        .map(|li| (li.variant_id, li.unfulfilled()))
        .collect();
    let fo_ids = order.fulfillment_order_ids.clone();
    let mut changed = Vec::new();
    for (variant, qty) in lines {
        let Some(item_id) = variant
            .and_then(|v| st.variants.get(&v))
            .map(|v| v.inventory_item_id)
        else {
            continue;
        };
        if let Some(level) = st
            .items
            .get_mut(&item_id)
            .and_then(|i| i.levels.get_mut(&location))
            && claimed
        {
            level.committed = (level.committed - qty).max(0);
            if restock {
                level.available += qty;
            }
            level.updated = now;
            changed.push(item_id);
        }
    }
    for fo in fo_ids {
        if let Some(f) = st.fulfillment_orders.get_mut(&fo) {
            f.status = "CANCELLED".to_string();
            f.updated = now;
        }
    }
    if let Some(o) = st.orders.get_mut(&order_id) {
        o.cancelled_at = Some(now);
        o.closed_at = Some(now);
        o.cancel_reason = Some(reason.to_string());
        o.updated = now;
        o.restocked = restock;
        if restock {
            for li in &mut o.line_items {
                li.removed = li.quantity - li.fulfilled;
            }
        }
    }
    if let Some(o) = st.orders.get(&order_id) {
        fx.webhooks
            .push(("orders/cancelled".to_string(), st.rest_order(o)));
    }
    if claimed && restock {
        for item in changed {
            fx.webhooks.push((
                "inventory_levels/update".to_string(),
                st.rest_inventory_level(item, location),
            ));
        }
    }
    Ok(())
}

const INVENTORY_REASONS: &[&str] = &[
    "correction",
    "cycle_count_available",
    "damaged",
    "movement_created",
    "movement_updated",
    "movement_received",
    "movement_canceled",
    "other",
    "promotion",
    "quality_control",
    "received",
    "reservation_created",
    "reservation_deleted",
    "reservation_updated",
    "restock",
    "safety_stock",
    "shrinkage",
];

/// `@idempotent` handling shared by the inventory mutations. Returns a stored payload to replay.
pub(crate) fn idempotency(
    st: &State,
    ctx: &MutationCtx<'_>,
    mutation: &str,
    args: &Map<String, Value>,
    payload_type: &str,
    error_type: &str,
) -> Result<Option<Value>, GqlError> {
    let Some(key) = &ctx.idempotency_key else {
        if ctx.at_least("2026-04") {
            return Err(GqlError::new(format!(
                "The @idempotent directive is required for {mutation} as of API version 2026-04; add @idempotent(key: \"<unique key>\")."
            ))
            .code("BAD_REQUEST"));
        }
        return Ok(None);
    };
    if key.is_empty() || key.len() > 255 {
        return Err(
            GqlError::new("The @idempotent key must be 1-255 characters.").code("BAD_REQUEST"),
        );
    }
    let fingerprint = format!("{mutation}:{}", Value::Object(args.clone()));
    match st.idempotency.get(key) {
        Some(prev) if prev.fingerprint == fingerprint => Ok(Some(prev.payload.clone())),
        Some(_) => Ok(Some(json!({
            "__typename": payload_type,
            "inventoryAdjustmentGroup": null,
            "userErrors": [user_error(error_type, &["idempotencyKey"], "The idempotency key was already used with different parameters.", Some("IDEMPOTENCY_KEY_PARAMETER_MISMATCH"))],
        }))),
        None => Ok(None),
    }
}

pub(crate) fn remember(
    st: &mut State,
    ctx: &MutationCtx<'_>,
    mutation: &str,
    args: &Map<String, Value>,
    payload: &Value,
) {
    if let Some(key) = &ctx.idempotency_key {
        st.idempotency.insert(
            key.clone(),
            super::model::IdempotentResult {
                fingerprint: format!("{mutation}:{}", Value::Object(args.clone())),
                payload: payload.clone(),
            },
        );
    }
}

struct Target {
    item: u64,
    location: u64,
}

/// Validates an item/location pair of an inventory mutation row.
fn target(st: &State, row: &Value, base: &[&str], error_type: &str) -> Result<Target, Value> {
    let field = |f: &str| -> Vec<String> {
        base.iter()
            .map(|s| (*s).to_string())
            .chain([f.to_string()])
            .collect()
    };
    let err = |f: &str, msg: String, code: &str| {
        let path = field(f);
        let refs: Vec<&str> = path.iter().map(String::as_str).collect();
        user_error(error_type, &refs, msg, Some(code))
    };
    let item_gid = row
        .get("inventoryItemId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let loc_gid = row.get("locationId").and_then(Value::as_str).unwrap_or("");
    let item = parse_gid(item_gid)
        .filter(|(k, _)| *k == "InventoryItem")
        .map(|(_, n)| n)
        .filter(|n| st.items.contains_key(n));
    let Some(item) = item else {
        return Err(err(
            "inventoryItemId",
            format!("The specified inventory item {item_gid} could not be found."),
            "INVALID_INVENTORY_ITEM",
        ));
    };
    let location = parse_gid(loc_gid)
        .filter(|(k, _)| *k == "Location")
        .map(|(_, n)| n)
        .filter(|n| st.locations.iter().any(|l| l.id == *n));
    let Some(location) = location else {
        return Err(err(
            "locationId",
            format!("The specified location {loc_gid} could not be found."),
            "INVALID_LOCATION",
        ));
    };
    let inv = &st.items[&item];
    if !inv.tracked {
        return Err(err(
            "inventoryItemId",
            "The inventory item is not tracked, so its quantities can't be changed.".to_string(),
            "NON_MUTABLE_INVENTORY_ITEM",
        ));
    }
    if !inv.levels.contains_key(&location) {
        return Err(err("locationId", "The inventory item is not stocked at the location. Activate it there first (inventoryActivate).".to_string(), "ITEM_NOT_STOCKED_AT_LOCATION"));
    }
    Ok(Target { item, location })
}

fn reason_and_reference(input: &Map<String, Value>, error_type: &str) -> Option<Value> {
    let reason = input.get("reason").and_then(Value::as_str).unwrap_or("");
    if !INVENTORY_REASONS.contains(&reason) {
        return Some(user_error(
            error_type,
            &["input", "reason"],
            format!(
                "The quantity change reason '{reason}' is invalid. Valid reasons: {}.",
                INVENTORY_REASONS.join(", ")
            ),
            Some("INVALID_REASON"),
        ));
    }
    if let Some(uri) = input.get("referenceDocumentUri").and_then(Value::as_str)
        && (!uri.contains(':') || uri.len() > 255)
    {
        return Some(user_error(
            error_type,
            &["input", "referenceDocumentUri"],
            "The reference document URI must be a URI such as gid://app/Doc/1.",
            Some("INVALID_REFERENCE_DOCUMENT"),
        ));
    }
    None
}

fn adjustment_group(st: &mut State, input: &Map<String, Value>, changes: Vec<Value>) -> Value {
    let id = st.id();
    json!({
        "__typename": "InventoryAdjustmentGroup",
        "id": gid("InventoryAdjustmentGroup", id),
        "createdAt": iso8601(now_millis()),
        "reason": input.get("reason").cloned().unwrap_or(Value::Null),
        "referenceDocumentUri": input.get("referenceDocumentUri").cloned().unwrap_or(Value::Null),
        "changes": changes,
    })
}

fn change(name: &str, delta: i64, after: i64, t: &Target) -> Value {
    json!({
        "__typename": "InventoryChange",
        "name": name, "delta": delta, "quantityAfterChange": after, "ledgerDocumentUri": null,
        "item": ref_("InventoryItem", t.item), "location": ref_("Location", t.location),
    })
}

fn inventory_set(
    st: &mut State,
    ctx: &MutationCtx<'_>,
    args: &Map<String, Value>,
    fx: &mut Effects,
) -> Result<Value, GqlError> {
    const P: &str = "InventorySetQuantitiesPayload";
    const E: &str = "InventorySetQuantitiesUserError";
    if let Some(replay) = idempotency(st, ctx, "inventorySetQuantities", args, P, E)? {
        return Ok(replay);
    }
    let fail =
        |e: Value| json!({"__typename": P, "inventoryAdjustmentGroup": null, "userErrors": [e]});
    let empty = Map::new();
    let input = args
        .get("input")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let rows = input
        .get("quantities")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let cas_2026_04 = ctx.at_least("2026-04");
    // Version-dependent input shape (compare-and-swap redesign).
    if cas_2026_04 {
        if input
            .get("ignoreCompareQuantity")
            .is_some_and(|v| v != &json!(false))
            || rows.iter().any(|r| r.get("compareQuantity").is_some())
        {
            return Err(GqlError::new("compareQuantity and ignoreCompareQuantity were removed in API version 2026-04; use changeFromQuantity (pass null to skip the check).")
                .code("INVALID_VARIABLE"));
        }
    } else if !ctx.at_least("2026-01") && rows.iter().any(|r| r.get("changeFromQuantity").is_some())
    {
        return Err(GqlError::new(format!(
            "changeFromQuantity is not available in API version {}; it was introduced in 2026-01.",
            ctx.version
        ))
        .code("INVALID_VARIABLE"));
    }
    let name = input.get("name").and_then(Value::as_str).unwrap_or("");
    if name != "available" && name != "on_hand" {
        return Ok(fail(user_error(
            E,
            &["input", "name"],
            format!(
                "The quantity name '{name}' is invalid; inventorySetQuantities accepts available or on_hand."
            ),
            Some("INVALID_NAME"),
        )));
    }
    if let Some(e) = reason_and_reference(input, E) {
        return Ok(fail(e));
    }
    let ignore_compare = input
        .get("ignoreCompareQuantity")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut plan: Vec<(Target, i64)> = Vec::new();
    let mut seen = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let idx = i.to_string();
        let base = ["input", "quantities", idx.as_str()];
        let t = match target(st, row, &base, E) {
            Ok(t) => t,
            Err(e) => return Ok(fail(e)),
        };
        if !seen.insert((t.item, t.location)) {
            return Ok(fail(user_error(
                E,
                &base,
                "The same inventory item and location pair appears more than once.",
                Some("NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR"),
            )));
        }
        let qty = row.get("quantity").and_then(Value::as_i64).unwrap_or(0);
        if qty < 0 {
            return Ok(fail(user_error(
                E,
                &["input", "quantities", &idx, "quantity"],
                "The quantity can't be negative.",
                Some("INVALID_QUANTITY_NEGATIVE"),
            )));
        }
        if qty > 1_000_000_000 {
            return Ok(fail(user_error(
                E,
                &["input", "quantities", &idx, "quantity"],
                "The quantity can't be higher than 1,000,000,000.",
                Some("INVALID_QUANTITY_TOO_HIGH"),
            )));
        }
        let current = st.items[&t.item].levels[&t.location].get(name).unwrap_or(0);
        if cas_2026_04 {
            match row.get("changeFromQuantity") {
                None => {
                    return Ok(fail(user_error(
                        E,
                        &["input", "quantities", &idx, "changeFromQuantity"],
                        "changeFromQuantity is required as of API version 2026-04 (pass null explicitly to skip the compare-and-swap check).",
                        Some("CHANGE_FROM_QUANTITY_REQUIRED"),
                    )));
                }
                Some(Value::Null) => {}
                Some(v) if v.as_i64() != Some(current) => {
                    return Ok(fail(user_error(
                        E,
                        &["input", "quantities", &idx, "changeFromQuantity"],
                        format!(
                            "The current {name} quantity is {current}, not {v}; re-read it and retry."
                        ),
                        Some("CHANGE_FROM_QUANTITY_STALE"),
                    )));
                }
                Some(_) => {}
            }
        } else {
            let compare = row.get("compareQuantity").filter(|v| !v.is_null());
            let change_from = row.get("changeFromQuantity").filter(|v| !v.is_null());
            match (compare, change_from) {
                (None, None) if !ignore_compare && row.get("changeFromQuantity").is_none() => {
                    return Ok(fail(user_error(
                        E,
                        &["input", "quantities", &idx, "compareQuantity"],
                        "compareQuantity is required unless ignoreCompareQuantity is true.",
                        Some("COMPARE_QUANTITY_REQUIRED"),
                    )));
                }
                (Some(c), _) if !ignore_compare && c.as_i64() != Some(current) => {
                    return Ok(fail(user_error(
                        E,
                        &["input", "quantities", &idx, "compareQuantity"],
                        format!("The current {name} quantity is {current}, not {c}."),
                        Some("COMPARE_QUANTITY_STALE"),
                    )));
                }
                (_, Some(c)) if c.as_i64() != Some(current) => {
                    return Ok(fail(user_error(
                        E,
                        &["input", "quantities", &idx, "changeFromQuantity"],
                        format!("The current {name} quantity is {current}, not {c}."),
                        Some("CHANGE_FROM_QUANTITY_STALE"),
                    )));
                }
                _ => {}
            }
        }
        plan.push((t, qty));
    }
    let now = now_millis();
    let mut changes = Vec::new();
    for (t, qty) in &plan {
        let Some(level) = st
            .items
            .get_mut(&t.item)
            .and_then(|i| i.levels.get_mut(&t.location))
        else {
            continue;
        };
        let before = level.get(name).unwrap_or(0);
        let delta = qty - before;
        level.available += delta;
        level.updated = now;
        let (avail, on_hand) = (level.available, level.on_hand());
        if let Some(i) = st.items.get_mut(&t.item) {
            i.updated = now;
        }
        changes.push(change("available", delta, avail, t));
        changes.push(change("on_hand", delta, on_hand, t));
        if delta != 0 {
            fx.webhooks.push((
                "inventory_levels/update".to_string(),
                st.rest_inventory_level(t.item, t.location),
            ));
        }
    }
    let group = adjustment_group(st, input, changes);
    let payload = json!({"__typename": P, "inventoryAdjustmentGroup": group, "userErrors": []});
    remember(st, ctx, "inventorySetQuantities", args, &payload);
    Ok(payload)
}

fn inventory_adjust(
    st: &mut State,
    ctx: &MutationCtx<'_>,
    args: &Map<String, Value>,
    fx: &mut Effects,
) -> Result<Value, GqlError> {
    const P: &str = "InventoryAdjustQuantitiesPayload";
    const E: &str = "InventoryAdjustQuantitiesUserError";
    if let Some(replay) = idempotency(st, ctx, "inventoryAdjustQuantities", args, P, E)? {
        return Ok(replay);
    }
    let fail =
        |e: Value| json!({"__typename": P, "inventoryAdjustmentGroup": null, "userErrors": [e]});
    let empty = Map::new();
    let input = args
        .get("input")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let name = input.get("name").and_then(Value::as_str).unwrap_or("");
    const ADJUSTABLE: &[&str] = &[
        "available",
        "damaged",
        "incoming",
        "quality_control",
        "reserved",
        "safety_stock",
    ];
    if !ADJUSTABLE.contains(&name) {
        return Ok(fail(user_error(
            E,
            &["input", "name"],
            format!(
                "The quantity name '{name}' can't be adjusted; use one of {}.",
                ADJUSTABLE.join(", ")
            ),
            Some("INVALID_QUANTITY_NAME"),
        )));
    }
    if let Some(e) = reason_and_reference(input, E) {
        return Ok(fail(e));
    }
    let rows = input
        .get("changes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut plan = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let idx = i.to_string();
        let base = ["input", "changes", idx.as_str()];
        let t = match target(st, row, &base, E) {
            Ok(t) => t,
            Err(e) => return Ok(fail(e)),
        };
        let delta = row.get("delta").and_then(Value::as_i64).unwrap_or(0);
        let current = st.items[&t.item].levels[&t.location].get(name).unwrap_or(0);
        if let Some(c) = row.get("changeFromQuantity").filter(|v| !v.is_null())
            && c.as_i64() != Some(current)
        {
            return Ok(fail(user_error(
                E,
                &["input", "changes", &idx, "changeFromQuantity"],
                format!("The current {name} quantity is {current}, not {c}."),
                Some("CHANGE_FROM_QUANTITY_STALE"),
            )));
        }
        if current + delta > 1_000_000_000 {
            return Ok(fail(user_error(
                E,
                &["input", "changes", &idx, "delta"],
                "The resulting quantity is too high.",
                Some("INVALID_QUANTITY_TOO_HIGH"),
            )));
        }
        if current + delta < -1_000_000_000 {
            return Ok(fail(user_error(
                E,
                &["input", "changes", &idx, "delta"],
                "The resulting quantity is too low.",
                Some("INVALID_QUANTITY_TOO_LOW"),
            )));
        }
        plan.push((t, delta));
    }
    let now = now_millis();
    let mut changes = Vec::new();
    for (t, delta) in &plan {
        let Some(level) = st
            .items
            .get_mut(&t.item)
            .and_then(|i| i.levels.get_mut(&t.location))
        else {
            continue;
        };
        match name {
            "available" => level.available += delta,
            "damaged" => level.damaged += delta,
            "incoming" => level.incoming += delta,
            "quality_control" => level.quality_control += delta,
            "reserved" => level.reserved += delta,
            _ => level.safety_stock += delta,
        }
        level.updated = now;
        let after = level.get(name).unwrap_or(0);
        let on_hand = level.on_hand();
        changes.push(change(name, *delta, after, t));
        if name != "incoming" {
            changes.push(change("on_hand", *delta, on_hand, t));
        }
        if name == "available" && *delta != 0 {
            fx.webhooks.push((
                "inventory_levels/update".to_string(),
                st.rest_inventory_level(t.item, t.location),
            ));
        }
    }
    let group = adjustment_group(st, input, changes);
    let payload = json!({"__typename": P, "inventoryAdjustmentGroup": group, "userErrors": []});
    remember(st, ctx, "inventoryAdjustQuantities", args, &payload);
    Ok(payload)
}

/// Topic enum → header topic (`ORDERS_CANCELLED` → `orders/cancelled`).
pub(crate) fn topic_header(topic: &str) -> String {
    let lower = topic.to_lowercase();
    for prefix in [
        "bulk_operations",
        "inventory_levels",
        "inventory_items",
        "fulfillments",
        "orders",
        "products",
        "refunds",
        "locations",
        "shop",
        "app",
    ] {
        if let Some(rest) = lower.strip_prefix(prefix)
            && let Some(action) = rest.strip_prefix('_')
        {
            return format!("{prefix}/{action}");
        }
    }
    lower
}

fn webhook_create(st: &mut State, ctx: &MutationCtx<'_>, args: &Map<String, Value>) -> Value {
    const P: &str = "WebhookSubscriptionCreatePayload";
    let fail = |field: &[&str], msg: String| json!({"__typename": P, "webhookSubscription": null, "userErrors": [user_error("UserError", field, msg, None)]});
    let topic = s(args, "topic").unwrap_or("").to_string();
    let empty = Map::new();
    let sub = args
        .get("webhookSubscription")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let uri = sub.get("uri").and_then(Value::as_str);
    let callback = sub.get("callbackUrl").and_then(Value::as_str);
    let (address, field) = match (uri, callback) {
        (Some(_), Some(_)) => {
            return fail(
                &["webhookSubscription"],
                "Specify either uri or callbackUrl, not both.".to_string(),
            );
        }
        (Some(u), None) => (u.to_string(), "uri"),
        (None, Some(c)) => (c.to_string(), "callbackUrl"),
        (None, None) => {
            return fail(
                &["webhookSubscription", "uri"],
                "Address can't be blank.".to_string(),
            );
        }
    };
    // Sandbox deviation: Shopify requires https (or pubsub/EventBridge); the sandbox also accepts
    // http:// to loopback hosts so local receivers work, and delivers only over HTTP(S).
    let ok = match reqwest::Url::parse(&address) {
        Ok(u) if u.scheme() == "https" && u.host_str().is_some() => true,
        Ok(u) if u.scheme() == "http" => matches!(
            u.host_str(),
            Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
        ),
        _ => false,
    };
    if !ok {
        return fail(
            &["webhookSubscription", field],
            format!(
                "Address is invalid: {address} (must be an https:// URL; the sandbox also accepts http:// on loopback)."
            ),
        );
    }
    let format = sub
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or("JSON")
        .to_string();
    if format != "JSON" {
        return fail(
            &["webhookSubscription", "format"],
            "The sandbox delivers JSON webhooks only.".to_string(),
        );
    }
    if st
        .subscriptions
        .values()
        .any(|w| w.topic == topic && w.uri == address)
    {
        return fail(
            &["webhookSubscription", field],
            "Address for this topic has already been taken".to_string(),
        );
    }
    let strings = |k: &str| -> Vec<String> {
        sub.get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let id = st.id();
    let now = now_millis();
    let w = WebhookSub {
        id,
        topic,
        uri: address,
        format,
        include_fields: strings("includeFields"),
        metafield_namespaces: strings("metafieldNamespaces"),
        filter: sub
            .get("filter")
            .and_then(Value::as_str)
            .map(str::to_string),
        api_version: ctx.version.to_string(),
        created: now,
        updated: now,
    };
    let json = st.subscription_json(&w);
    st.subscriptions.insert(id, w);
    json!({"__typename": P, "webhookSubscription": json, "userErrors": []})
}

fn webhook_delete(st: &mut State, args: &Map<String, Value>) -> Result<Value, GqlError> {
    let id = s(args, "id").unwrap_or("");
    let (kind, n) = parse_gid(id).ok_or_else(|| invalid_gid(id))?;
    if kind == "WebhookSubscription" && st.subscriptions.remove(&n).is_some() {
        return Ok(
            json!({"__typename": "WebhookSubscriptionDeletePayload", "deletedWebhookSubscriptionId": id, "userErrors": []}),
        );
    }
    Ok(
        json!({"__typename": "WebhookSubscriptionDeletePayload", "deletedWebhookSubscriptionId": null, "userErrors": [user_error("UserError", &["id"], "Webhook subscription does not exist", None)]}),
    )
}

/// Tracking URL Shopify builds for carriers it knows.
pub(crate) fn tracking_url(company: Option<&str>, number: &str) -> Option<String> {
    Some(match company? {
        "UPS" => {
            format!("https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums={number}")
        }
        "USPS" => format!("https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"),
        "FedEx" => format!("https://www.fedex.com/fedextrack/?trknbr={number}"),
        "DHL eCommerce" => format!("https://webtrack.dhlecs.com/?trackingnumber={number}"),
        "DHL Express" => format!("https://www.dhl.com/en/express/tracking.html?AWB={number}"),
        "OnTrac" => format!("https://www.ontrac.com/tracking/?number={number}"),
        _ => return None,
    })
}

type Tracking = Vec<(Option<String>, Option<String>, Option<String>)>;

/// Parses a `FulfillmentTrackingInput`.
fn tracking_input(t: Option<&Value>) -> Result<Tracking, String> {
    let Some(t) = t.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let company = t.get("company").and_then(Value::as_str).map(str::to_string);
    let number = t.get("number").and_then(Value::as_str);
    let numbers: Vec<&str> = t
        .get("numbers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let url = t.get("url").and_then(Value::as_str);
    let urls: Vec<&str> = t
        .get("urls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if number.is_some() && !numbers.is_empty() {
        return Err("Specify either number or numbers, not both.".to_string());
    }
    if url.is_some() && !urls.is_empty() {
        return Err("Specify either url or urls, not both.".to_string());
    }
    if url.is_some() && number.is_none() {
        return Err("A tracking url requires a tracking number.".to_string());
    }
    let nums: Vec<&str> = number.into_iter().chain(numbers).collect();
    let all_urls: Vec<&str> = url.into_iter().chain(urls).collect();
    if nums.is_empty() {
        return Ok(if company.is_some() {
            vec![(company, None, None)]
        } else {
            Vec::new()
        });
    }
    Ok(nums
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let u = all_urls
                .get(i)
                .map(|s| (*s).to_string())
                .or_else(|| tracking_url(company.as_deref(), n));
            (company.clone(), Some((*n).to_string()), u)
        })
        .collect())
}

/// Creates a fulfilment for `(fulfillment order id, fulfillment order line id, quantity)` rows of
/// one order; updates line items, fulfilment orders and committed stock; records webhooks.
pub(crate) fn create_fulfillment(
    st: &mut State,
    order_id: u64,
    rows: &[(u64, u64, i64)],
    tracking: Tracking,
    fx: &mut Effects,
) -> u64 {
    let now = now_millis();
    let fid = st.id();
    let mut lines = Vec::new();
    for (fo_id, fo_line, qty) in rows {
        let li_id = st
            .fulfillment_orders
            .get(fo_id)
            .and_then(|fo| fo.lines.iter().find(|l| l.id == *fo_line))
            .map(|l| l.line_item_id);
        let Some(li_id) = li_id else { continue };
        let flid = st.id();
        lines.push((flid, li_id, *qty));
        if let Some(fo) = st.fulfillment_orders.get_mut(fo_id) {
            if let Some(l) = fo.lines.iter_mut().find(|l| l.id == *fo_line) {
                l.remaining -= qty;
            }
            fo.status = if fo.lines.iter().all(|l| l.remaining <= 0) {
                "CLOSED"
            } else {
                "IN_PROGRESS"
            }
            .to_string();
            fo.updated = now;
        }
    }
    let (location, claimed) = st
        .orders
        .get(&order_id)
        .map_or((0, false), |o| (o.location_id, o.claimed_stock));
    for (_, li_id, qty) in &lines {
        let variant = st
            .orders
            .get_mut(&order_id)
            .and_then(|o| o.line_items.iter_mut().find(|li| li.id == *li_id))
            .map(|li| {
                li.fulfilled += qty;
                li.variant_id
            });
        if claimed {
            let item = variant
                .flatten()
                .and_then(|v| st.variants.get(&v))
                .map(|v| v.inventory_item_id);
            if let Some(level) = item
                .and_then(|i| st.items.get_mut(&i))
                .and_then(|i| i.levels.get_mut(&location))
            {
                level.committed = (level.committed - qty).max(0);
                level.updated = now;
            }
        }
    }
    let n = st
        .orders
        .get(&order_id)
        .map_or(0, |o| o.fulfillment_ids.len())
        + 1;
    let name = st
        .orders
        .get(&order_id)
        .map_or_else(String::new, |o| format!("{}.{n}", o.name));
    st.fulfillments.insert(
        fid,
        Fulfillment {
            id: fid,
            order_id,
            name,
            status: "SUCCESS".to_string(),
            created: now,
            updated: now,
            tracking,
            lines,
            location_id: location,
            events: Vec::new(),
        },
    );
    if let Some(o) = st.orders.get_mut(&order_id) {
        o.fulfillment_ids.push(fid);
        o.updated = now;
    }
    if let Some(f) = st.fulfillments.get(&fid) {
        fx.webhooks
            .push(("fulfillments/create".to_string(), st.rest_fulfillment(f)));
    }
    if let Some(o) = st.orders.get(&order_id) {
        let topic = if o.fulfillment_status() == "FULFILLED" {
            "orders/fulfilled"
        } else {
            "orders/partially_fulfilled"
        };
        fx.webhooks.push((topic.to_string(), st.rest_order(o)));
        fx.webhooks
            .push(("orders/updated".to_string(), st.rest_order(o)));
    }
    fid
}

fn fulfillment_create(st: &mut State, args: &Map<String, Value>, fx: &mut Effects) -> Value {
    const P: &str = "FulfillmentCreatePayload";
    let fail = |field: &[&str], msg: String| json!({"__typename": P, "fulfillment": null, "userErrors": [user_error("UserError", field, msg, None)]});
    let empty = Map::new();
    let input = args
        .get("fulfillment")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let groups = input
        .get("lineItemsByFulfillmentOrder")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if groups.is_empty() {
        return fail(
            &["fulfillment", "lineItemsByFulfillmentOrder"],
            "At least one fulfillment order is required.".to_string(),
        );
    }
    let tracking = match tracking_input(input.get("trackingInfo")) {
        Ok(t) => t,
        Err(msg) => return fail(&["fulfillment", "trackingInfo"], msg),
    };
    let mut order_id = None;
    let mut rows = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let idx = i.to_string();
        let fo_gid = g
            .get("fulfillmentOrderId")
            .and_then(Value::as_str)
            .unwrap_or("");
        let fo = parse_gid(fo_gid)
            .filter(|(k, _)| *k == "FulfillmentOrder")
            .and_then(|(_, n)| st.fulfillment_orders.get(&n));
        let Some(fo) = fo else {
            return fail(
                &[
                    "fulfillment",
                    "lineItemsByFulfillmentOrder",
                    &idx,
                    "fulfillmentOrderId",
                ],
                format!("Fulfillment order {fo_gid} does not exist."),
            );
        };
        if *order_id.get_or_insert(fo.order_id) != fo.order_id {
            return fail(
                &["fulfillment", "lineItemsByFulfillmentOrder"],
                "All fulfillment orders must belong to the same order.".to_string(),
            );
        }
        if fo.status != "OPEN" && fo.status != "IN_PROGRESS" {
            return fail(
                &[
                    "fulfillment",
                    "lineItemsByFulfillmentOrder",
                    &idx,
                    "fulfillmentOrderId",
                ],
                format!(
                    "Fulfillment order {fo_gid} is {} and can't be fulfilled.",
                    fo.status
                ),
            );
        }
        match g.get("fulfillmentOrderLineItems").and_then(Value::as_array) {
            None => rows.extend(
                fo.lines
                    .iter()
                    .filter(|l| l.remaining > 0)
                    .map(|l| (fo.id, l.id, l.remaining)),
            ),
            Some(items) => {
                for (j, it) in items.iter().enumerate() {
                    let lid = it.get("id").and_then(Value::as_str).unwrap_or("");
                    let qty = it.get("quantity").and_then(Value::as_i64).unwrap_or(0);
                    let line = parse_gid(lid)
                        .filter(|(k, _)| *k == "FulfillmentOrderLineItem")
                        .and_then(|(_, n)| fo.lines.iter().find(|l| l.id == n));
                    let Some(line) = line else {
                        return fail(
                            &[
                                "fulfillment",
                                "lineItemsByFulfillmentOrder",
                                &idx,
                                "fulfillmentOrderLineItems",
                                &j.to_string(),
                                "id",
                            ],
                            format!(
                                "Fulfillment order line item {lid} does not belong to {fo_gid}."
                            ),
                        );
                    };
                    if qty < 1 || qty > line.remaining {
                        return fail(
                            &[
                                "fulfillment",
                                "lineItemsByFulfillmentOrder",
                                &idx,
                                "fulfillmentOrderLineItems",
                                &j.to_string(),
                                "quantity",
                            ],
                            format!(
                                "Quantity {qty} is invalid: {} remaining to fulfil.",
                                line.remaining
                            ),
                        );
                    }
                    rows.push((fo.id, line.id, qty));
                }
            }
        }
    }
    let Some(order_id) = order_id else {
        return fail(&["fulfillment"], "Nothing to fulfil.".to_string());
    };
    if st
        .orders
        .get(&order_id)
        .is_some_and(|o| o.cancelled_at.is_some())
    {
        return fail(
            &["fulfillment"],
            "The order is cancelled and can't be fulfilled.".to_string(),
        );
    }
    if rows.is_empty() {
        return fail(
            &["fulfillment", "lineItemsByFulfillmentOrder"],
            "There are no remaining items to fulfil.".to_string(),
        );
    }
    let fid = create_fulfillment(st, order_id, &rows, tracking, fx);
    json!({"__typename": P, "fulfillment": ref_("Fulfillment", fid), "userErrors": []})
}

fn tracking_update(
    st: &mut State,
    args: &Map<String, Value>,
    fx: &mut Effects,
) -> Result<Value, GqlError> {
    const P: &str = "FulfillmentTrackingInfoUpdatePayload";
    let fail = |field: &[&str], msg: String| json!({"__typename": P, "fulfillment": null, "userErrors": [user_error("UserError", field, msg, None)]});
    let id = s(args, "fulfillmentId").unwrap_or("");
    let (kind, n) = parse_gid(id).ok_or_else(|| invalid_gid(id))?;
    if kind != "Fulfillment" || !st.fulfillments.contains_key(&n) {
        return Ok(fail(
            &["fulfillmentId"],
            format!("Fulfillment {id} does not exist."),
        ));
    }
    let tracking = match tracking_input(args.get("trackingInfoInput")) {
        Ok(t) => t,
        Err(msg) => return Ok(fail(&["trackingInfoInput"], msg)),
    };
    let now = now_millis();
    if let Some(f) = st.fulfillments.get_mut(&n) {
        if f.status != "SUCCESS" {
            return Ok(fail(
                &["fulfillmentId"],
                format!(
                    "Fulfillment is {} and its tracking can't be updated.",
                    f.status
                ),
            ));
        }
        f.tracking = tracking;
        f.updated = now;
    }
    if let Some(f) = st.fulfillments.get(&n) {
        fx.webhooks
            .push(("fulfillments/update".to_string(), st.rest_fulfillment(f)));
    }
    Ok(json!({"__typename": P, "fulfillment": ref_("Fulfillment", n), "userErrors": []}))
}

/// Control API: sets `available` at the default location for a SKU.
pub(crate) fn set_available(
    st: &mut State,
    sku: &str,
    available: i64,
    fx: &mut Effects,
) -> Result<Value, String> {
    let variant = st
        .variant_by_sku(sku)
        .ok_or_else(|| format!("no variant with sku {sku}"))?;
    let item_id = variant.inventory_item_id;
    let location = st.default_location();
    let now = now_millis();
    let item = st
        .items
        .get_mut(&item_id)
        .ok_or_else(|| format!("no inventory item for sku {sku}"))?;
    let level = item.levels.entry(location).or_insert_with(|| Level {
        created: now,
        ..Level::default()
    });
    level.available = available;
    level.updated = now;
    item.updated = now;
    fx.webhooks.push((
        "inventory_levels/update".to_string(),
        st.rest_inventory_level(item_id, location),
    ));
    Ok(st.rest_inventory_level(item_id, location))
}

/// Control API: fulfils an order (all remaining, or the given SKU quantities) with tracking.
pub(crate) fn fulfil_by_sku(
    st: &mut State,
    order_id: u64,
    lines: Option<Vec<(String, i64)>>,
    tracking: Tracking,
    fx: &mut Effects,
) -> Result<u64, String> {
    let order = st
        .orders
        .get(&order_id)
        .ok_or_else(|| format!("order {order_id} not found"))?;
    if order.cancelled_at.is_some() {
        return Err(format!("order {} is cancelled", order.name));
    }
    let fo_ids = order.fulfillment_order_ids.clone();
    let sku_of: BTreeMap<u64, Option<String>> = order
        .line_items
        .iter()
        .map(|li| (li.id, li.sku.clone()))
        .collect();
    let mut rows = Vec::new();
    match lines {
        None => {
            for fo in fo_ids.iter().filter_map(|f| st.fulfillment_orders.get(f)) {
                rows.extend(
                    fo.lines
                        .iter()
                        .filter(|l| l.remaining > 0)
                        .map(|l| (fo.id, l.id, l.remaining)),
                );
            }
        }
        Some(wanted) => {
            for (sku, mut qty) in wanted {
                if qty < 1 {
                    return Err(format!("quantity for {sku} must be at least 1"));
                }
                for fo in fo_ids.iter().filter_map(|f| st.fulfillment_orders.get(f)) {
                    for l in fo.lines.iter().filter(|l| {
                        l.remaining > 0
                            && sku_of.get(&l.line_item_id).cloned().flatten().as_deref()
                                == Some(sku.as_str())
                    }) {
                        let take = qty.min(l.remaining);
                        if take > 0 {
                            rows.push((fo.id, l.id, take));
                            qty -= take;
                        }
                    }
                }
                if qty > 0 {
                    return Err(format!(
                        "order has {qty} fewer unfulfilled units of {sku} than requested"
                    ));
                }
            }
        }
    }
    if rows.is_empty() {
        return Err("nothing left to fulfil".to_string());
    }
    Ok(create_fulfillment(st, order_id, &rows, tracking, fx))
}

/// `fulfillmentEventCreate`: records a shipment event; the fulfilment's `displayStatus` follows
/// the latest event. Fires fulfillments/update.
fn fulfillment_event_create(st: &mut State, args: &Map<String, Value>, fx: &mut Effects) -> Value {
    const P: &str = "FulfillmentEventCreatePayload";
    let fail = |field: &[&str], msg: String| json!({"__typename": P, "fulfillmentEvent": null, "userErrors": [user_error("UserError", field, msg, None)]});
    let empty = Map::new();
    let input = args
        .get("fulfillmentEvent")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let fid_raw = input
        .get("fulfillmentId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(fid) = parse_gid(fid_raw)
        .filter(|(k, _)| *k == "Fulfillment")
        .map(|(_, n)| n)
        .filter(|n| st.fulfillments.contains_key(n))
    else {
        return fail(
            &["fulfillmentEvent", "fulfillmentId"],
            format!("Fulfillment {fid_raw} does not exist."),
        );
    };
    if st.fulfillments[&fid].status == "CANCELLED" {
        return fail(
            &["fulfillmentEvent", "fulfillmentId"],
            "The fulfillment is cancelled; events can't be added to it.".to_string(),
        );
    }
    let now = now_millis();
    let time = |key: &str| -> Result<Option<i64>, Value> {
        match input.get(key).and_then(Value::as_str) {
            None => Ok(None),
            Some(raw) => parse_iso8601(raw).map(Some).ok_or_else(|| {
                fail(
                    &["fulfillmentEvent", key],
                    format!("{key} '{raw}' is not a valid date-time."),
                )
            }),
        }
    };
    let happened = match time("happenedAt") {
        Ok(t) => t.unwrap_or(now),
        Err(e) => return e,
    };
    let estimated_delivery = match time("estimatedDeliveryAt") {
        Ok(t) => t,
        Err(e) => return e,
    };
    let status = input
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let event_id = st.id();
    let Some(f) = st.fulfillments.get_mut(&fid) else {
        return fail(&["fulfillmentEvent", "fulfillmentId"], "gone".to_string());
    };
    f.events.push(super::model::FulfillmentEvent {
        id: event_id,
        status,
        message: input
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string),
        happened,
        created: now,
        estimated_delivery,
    });
    f.updated = now;
    let order_id = f.order_id;
    if let Some(o) = st.orders.get_mut(&order_id) {
        o.updated = now;
    }
    if let Some(f) = st.fulfillments.get(&fid) {
        fx.webhooks
            .push(("fulfillments/update".to_string(), st.rest_fulfillment(f)));
    }
    json!({"__typename": P, "fulfillmentEvent": {"__ref": gid("FulfillmentEvent", event_id)}, "userErrors": []})
}

/// Control API: deletes a product with its variants and inventory items (fires
/// products/delete with `{"id": legacy_id}`). Orders keep their line items.
pub(crate) fn delete_product(
    st: &mut State,
    product_id: u64,
    fx: &mut Effects,
) -> Result<(), String> {
    let product = st
        .products
        .remove(&product_id)
        .ok_or_else(|| format!("product {product_id} not found"))?;
    for vid in &product.variant_ids {
        st.remove_variant(*vid);
    }
    fx.webhooks
        .push(("products/delete".to_string(), json!({"id": product_id})));
    Ok(())
}

/// Control API: replaces a fulfilment's tracking (fires fulfillments/update).
pub(crate) fn update_tracking(
    st: &mut State,
    fulfillment_id: u64,
    tracking: Tracking,
    fx: &mut Effects,
) -> Result<(), String> {
    let now = now_millis();
    let f = st
        .fulfillments
        .get_mut(&fulfillment_id)
        .ok_or_else(|| format!("fulfillment {fulfillment_id} not found"))?;
    f.tracking = tracking;
    f.updated = now;
    if let Some(f) = st.fulfillments.get(&fulfillment_id) {
        fx.webhooks
            .push(("fulfillments/update".to_string(), st.rest_fulfillment(f)));
    }
    Ok(())
}

/// Control API: sets a variant's price (fires products/update).
pub(crate) fn set_price(
    st: &mut State,
    sku: &str,
    price: Decimal,
    compare_at: Option<Decimal>,
    fx: &mut Effects,
) -> Result<Value, String> {
    let vid = st
        .variant_by_sku(sku)
        .map(|v| v.id)
        .ok_or_else(|| format!("no variant with sku {sku}"))?;
    let now = now_millis();
    let mut product_id = 0;
    if let Some(v) = st.variants.get_mut(&vid) {
        v.price = price;
        v.compare_at = compare_at;
        v.updated = now;
        product_id = v.product_id;
    }
    if let Some(p) = st.products.get_mut(&product_id) {
        p.updated = now;
    }
    let body = st
        .products
        .get(&product_id)
        .map(|p| st.rest_product(p))
        .unwrap_or(Value::Null);
    fx.webhooks
        .push(("products/update".to_string(), body.clone()));
    Ok(body)
}
