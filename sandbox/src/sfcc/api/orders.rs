//! SCAPI Orders: `getOrders`, `createOrders` (decoupled from catalog and inventory, totals
//! summed and compared) and the status updates.

use std::collections::HashMap;

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::super::model::{Order, Shipment, State, num, time};
use super::super::{ApiError, ApiResult};
use super::{ok, scapi_not_found};
use crate::common::{now_millis, parse_iso8601};

pub(super) fn set_status(order: &mut Order, which: &str, status: &str) -> Result<(), ApiError> {
    let invalid = || {
        ApiError::bad_request(format!(
            "The value '{status}' is not a valid {which} for order '{}'.",
            order.order_no
        ))
    };
    match which {
        "status" => {
            let from = order.status.as_str();
            let allowed = match status {
                "cancelled" => matches!(from, "new" | "open" | "completed" | "cancelled"),
                "completed" | "open" | "new" => {
                    matches!(from, "new" | "open" | "completed" | "cancelled" | "created")
                }
                "created" | "failed" => from == "created" || from == "failed",
                _ => return Err(invalid()),
            };
            if !allowed {
                return Err(ApiError::problem(
                    StatusCode::CONFLICT,
                    "invalid-order-status",
                    "Invalid Order Status",
                    format!(
                        "The order '{}' can't be changed from status '{from}' to '{status}'.",
                        order.order_no
                    ),
                ));
            }
            order.status = status.to_owned();
        }
        "shipping-status" => {
            if !matches!(status, "not_shipped" | "part_shipped" | "shipped") {
                return Err(invalid());
            }
            order.shipping_status = status.to_owned();
        }
        "payment-status" => {
            if !matches!(status, "not_paid" | "part_paid" | "paid") {
                return Err(invalid());
            }
            order.payment_status = status.to_owned();
        }
        "export-status" => {
            if !matches!(status, "not_exported" | "exported" | "ready" | "failed") {
                return Err(invalid());
            }
            order.export_status = status.to_owned();
        }
        "external-status" => {
            if status.is_empty() || status.len() > 256 {
                return Err(invalid());
            }
            order.external_status = Some(status.to_owned());
        }
        _ => return Err(scapi_not_found(which)),
    }
    Ok(())
}

/// `getOrders`: filters, `sortBy`/`sortOrder`, `limit` 1–200 (100), `offset`, offset + limit
/// ≤ 10000; `{"data": [...]}` with no total.
pub(super) fn list_orders(st: &State, query: &HashMap<String, String>) -> ApiResult {
    let int = |key: &str, default: i64| -> Result<i64, ApiError> {
        query.get(key).map_or(Ok(default), |v| {
            v.parse().map_err(|_| {
                ApiError::bad_request(format!("The query parameter '{key}' must be an integer."))
            })
        })
    };
    let limit = int("limit", 100)?;
    let offset = int("offset", 0)?;
    if !(1..=200).contains(&limit) {
        return Err(ApiError::bad_request(
            "The query parameter 'limit' must be between 1 and 200.",
        ));
    }
    if offset < 0 || offset + limit > 10_000 {
        return Err(ApiError::bad_request(
            "The sum of the offset and limit parameters cannot be greater than 10000.",
        ));
    }
    let date = |key: &str| -> Result<Option<i64>, ApiError> {
        query.get(key).map_or(Ok(None), |v| {
            parse_iso8601(v).map(Some).ok_or_else(|| {
                ApiError::bad_request(format!("The query parameter '{key}' is not a date-time."))
            })
        })
    };
    let modified_from = date("lastModifiedDateFrom")?;
    let modified_to = date("lastModifiedDateTo")?;
    let by_modified = match query.get("sortBy").map(String::as_str) {
        None | Some("creation_date") => false,
        Some("last_modified_date") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "The value '{other}' is not valid for 'sortBy'."
            )));
        }
    };
    let ascending = match query.get("sortOrder").map(String::as_str) {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "The value '{other}' is not valid for 'sortOrder'."
            )));
        }
    };
    let mut orders: Vec<&Order> = st
        .orders
        .iter()
        .filter(|o| modified_from.is_none_or(|from| o.modified_ms >= from))
        .filter(|o| modified_to.is_none_or(|to| o.modified_ms <= to))
        .filter(|o| query.get("status").is_none_or(|s| *s == o.status))
        .filter(|o| {
            query
                .get("shippingStatus")
                .is_none_or(|s| *s == o.shipping_status)
        })
        .collect();
    orders.sort_by_key(|o| {
        (
            if by_modified {
                o.modified_ms
            } else {
                o.created_ms
            },
            o.order_no.clone(),
        )
    });
    if !ascending {
        orders.reverse();
    }
    let data: Vec<Value> = orders
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(0))
        .take(usize::try_from(limit).unwrap_or(0))
        .map(|o| order_json(o, &st.site_id))
        .collect();
    ok(json!({ "data": data }))
}

fn dec(value: &Value, path: &str) -> Result<Decimal, ApiError> {
    let decoded = match value {
        Value::Number(n) => n.to_string().parse::<Decimal>().ok(),
        _ => None,
    };
    decoded.ok_or_else(|| {
        ApiError::bad_request(format!(
            "Decoding of the property with path '{path}' failed because the expected type is 'Integer|Decimal' but the actual type was '{}'.",
            type_name(value)
        ))
    })
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(_) => "Decimal",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

fn required<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a Value, ApiError> {
    object
        .get(key)
        .filter(|v| !v.is_null())
        .ok_or_else(|| ApiError::bad_request(format!("The property '{path}.{key}' is required.")))
}

fn str_field(object: &Map<String, Value>, key: &str, path: &str) -> Result<String, ApiError> {
    match required(object, key, path)? {
        Value::String(s) if !s.is_empty() && s.len() <= 256 => Ok(s.clone()),
        other => Err(ApiError::bad_request(format!(
            "The property '{path}.{key}' must be a string of 1 to 256 characters, not {}.",
            type_name(other)
        ))),
    }
}

fn array<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    max: usize,
) -> Result<&'a Vec<Value>, ApiError> {
    match required(object, key, "$")? {
        Value::Array(items) if !items.is_empty() && items.len() <= max => Ok(items),
        _ => Err(ApiError::bad_request(format!(
            "The property '$.{key}' must be an array of 1 to {max} items."
        ))),
    }
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ApiError> {
    value.as_object().ok_or_else(|| {
        ApiError::bad_request(format!(
            "Decoding of the property with path '{path}' failed because the expected type is 'Object' but the actual type was '{}'.",
            type_name(value)
        ))
    })
}

/// Only the defined properties and `c_` custom attributes are accepted.
fn only(object: &Map<String, Value>, allowed: &[&str], path: &str) -> Result<(), ApiError> {
    match object
        .keys()
        .find(|k| !k.starts_with("c_") && !allowed.contains(&k.as_str()))
    {
        Some(key) => Err(ApiError::bad_request(format!(
            "The property '{path}.{key}' is not defined; additional properties must start with 'c_'."
        ))),
        None => Ok(()),
    }
}

const ADDRESS_KEYS: &[&str] = &[
    "address1",
    "address2",
    "city",
    "companyName",
    "countryCode",
    "firstName",
    "fullName",
    "jobTitle",
    "lastName",
    "phone",
    "postBox",
    "postalCode",
    "salutation",
    "secondName",
    "stateCode",
    "suffix",
    "suite",
    "title",
];

fn address(value: &Value, path: &str) -> Result<Value, ApiError> {
    let a = object(value, path)?;
    only(a, ADDRESS_KEYS, path)?;
    Ok(value.clone())
}

/// `createOrders`: decoupled from products, prices and inventory; the totals are summed and
/// compared; `orderNo` must be unique in the site; the order is placed (`new`).
pub(super) fn create_order(st: &mut State, body: Value) -> ApiResult {
    let o = object(&body, "$")?;
    only(
        o,
        &[
            "billingAddress",
            "businessType",
            "channelType",
            "currency",
            "customerLocale",
            "orderNo",
            "orderPriceAdjustments",
            "orderTotal",
            "paymentInstruments",
            "paymentStatus",
            "productItems",
            "shipments",
            "taxTotal",
        ],
        "$",
    )?;
    let billing = address(required(o, "billingAddress", "$")?, "$.billingAddress")?;
    if billing
        .get("lastName")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(ApiError::bad_request(
            "The billing address name is required: it is the guest customer's name.",
        ));
    }
    let currency = str_field(o, "currency", "$")?;
    if currency != st.currency {
        return Err(ApiError::problem(
            StatusCode::BAD_REQUEST,
            "invalid-currency",
            "Invalid Currency",
            format!(
                "The currency '{currency}' is not allowed for site '{}'.",
                st.site_id
            ),
        ));
    }
    let channel_type = match o.get("channelType") {
        None => "storefront".to_owned(),
        Some(Value::String(c)) if CHANNEL_TYPES.contains(&c.as_str()) => c.clone(),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "The value {other} is not valid for '$.channelType'."
            )));
        }
    };
    let payment_status = match o.get("paymentStatus").and_then(Value::as_str) {
        None => "not_paid",
        Some(s @ ("paid" | "not_paid")) => s,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "The value '{other}' is not valid for '$.paymentStatus'."
            )));
        }
    };
    let order_no = match o.get("orderNo") {
        None => format!("{:08}", st.orders.len() + 1),
        Some(Value::String(n)) if !n.is_empty() && n.len() <= 50 => n.clone(),
        Some(_) => {
            return Err(ApiError::bad_request(
                "The property '$.orderNo' must be a string of 1 to 50 characters.",
            ));
        }
    };
    if st.order(&order_no).is_some() {
        return Err(ApiError::problem(
            StatusCode::CONFLICT,
            "order-already-exists",
            "Order Already Exists",
            format!(
                "An order with number '{order_no}' already exists in site '{}'.",
                st.site_id
            ),
        ));
    }
    let mut shipments = Vec::new();
    for (i, s) in array(o, "shipments", 10)?.iter().enumerate() {
        let path = format!("$.shipments[{i}]");
        let s = object(s, &path)?;
        only(
            s,
            &[
                "shipmentId",
                "shippingMethod",
                "shippingAddress",
                "shippingTotal",
                "taxTotal",
            ],
            &path,
        )?;
        let shipment_no = format!("{:08}", st.next_shipment_no);
        st.next_shipment_no += 1;
        shipments.push(Shipment {
            shipment_id: str_field(s, "shipmentId", &path)?,
            shipment_no,
            shipping_method: str_field(s, "shippingMethod", &path)?,
            shipping_status: "not_shipped".into(),
            tracking_number: None,
            carrier: None,
            address: address(
                required(s, "shippingAddress", &path)?,
                &format!("{path}.shippingAddress"),
            )?,
            shipping_total: dec(
                required(s, "shippingTotal", &path)?,
                &format!("{path}.shippingTotal"),
            )?,
            tax_total: dec(required(s, "taxTotal", &path)?, &format!("{path}.taxTotal"))?,
        });
    }
    let mut items = Vec::new();
    let (mut gross, mut tax) = (Decimal::ZERO, Decimal::ZERO);
    for (i, item) in array(o, "productItems", 200)?.iter().enumerate() {
        let path = format!("$.productItems[{i}]");
        let p = object(item, &path)?;
        only(
            p,
            &[
                "basePrice",
                "brand",
                "grossPrice",
                "itemText",
                "netPrice",
                "optionItems",
                "priceAdjustments",
                "productId",
                "productName",
                "quantity",
                "shipmentId",
                "tax",
                "taxBasis",
                "taxItems",
                "taxRate",
            ],
            &path,
        )?;
        str_field(p, "productId", &path)?;
        let shipment = str_field(p, "shipmentId", &path)?;
        if !shipments.iter().any(|s| s.shipment_id == shipment) {
            return Err(ApiError::problem(
                StatusCode::NOT_FOUND,
                "not-found",
                "Shipment Not Found",
                format!("No shipment with ID '{shipment}' could be found."),
            ));
        }
        match required(p, "quantity", &path)? {
            Value::Number(n) if n.as_u64().is_some_and(|q| q >= 1) => {}
            other => {
                return Err(ApiError::bad_request(format!(
                    "The property '{path}.quantity' must be a positive integer, not {other}."
                )));
            }
        }
        for key in ["basePrice", "netPrice"] {
            dec(required(p, key, &path)?, &format!("{path}.{key}"))?;
        }
        gross += dec(
            required(p, "grossPrice", &path)?,
            &format!("{path}.grossPrice"),
        )?;
        tax += dec(required(p, "tax", &path)?, &format!("{path}.tax"))?;
        items.push(item.clone());
    }
    for s in &shipments {
        gross += s.shipping_total;
        tax += s.tax_total;
    }
    for (i, adjustment) in o
        .get("orderPriceAdjustments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let path = format!("$.orderPriceAdjustments[{i}]");
        let a = object(adjustment, &path)?;
        only(
            a,
            &[
                "amount",
                "basePrice",
                "grossPrice",
                "itemText",
                "netPrice",
                "reasonCode",
                "tax",
                "taxBasis",
            ],
            &path,
        )?;
        dec(required(a, "netPrice", &path)?, &format!("{path}.netPrice"))?;
        gross -= dec(
            required(a, "grossPrice", &path)?,
            &format!("{path}.grossPrice"),
        )?;
        tax -= dec(required(a, "tax", &path)?, &format!("{path}.tax"))?;
    }
    let order_total = dec(required(o, "orderTotal", "$")?, "$.orderTotal")?;
    let tax_total = dec(required(o, "taxTotal", "$")?, "$.taxTotal")?;
    if order_total.round_dp(2) != gross.round_dp(2) {
        return Err(ApiError::problem(
            StatusCode::BAD_REQUEST,
            "invalid-order-total",
            "Invalid Order Total",
            format!(
                "The passed order total '{}' does not match the calculated order total '{}'.",
                order_total.normalize(),
                gross.normalize()
            ),
        ));
    }
    if tax_total.round_dp(2) != tax.round_dp(2) {
        return Err(ApiError::problem(
            StatusCode::BAD_REQUEST,
            "invalid-tax-total",
            "Invalid Tax Total",
            format!(
                "The passed tax total '{}' does not match the calculated tax total '{}'.",
                tax_total.normalize(),
                tax.normalize()
            ),
        ));
    }
    let mut instruments = Vec::new();
    for (i, p) in array(o, "paymentInstruments", 20)?.iter().enumerate() {
        let path = format!("$.paymentInstruments[{i}]");
        let pi = object(p, &path)?;
        only(pi, &["paymentMethodId", "paymentTransaction"], &path)?;
        str_field(pi, "paymentMethodId", &path)?;
        instruments.push(p.clone());
    }
    let custom: Map<String, Value> = o
        .iter()
        .filter(|(k, _)| k.starts_with("c_"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let now = now_millis();
    st.orders.push(Order {
        order_no: order_no.clone(),
        channel_type,
        status: "new".into(),
        payment_status: payment_status.into(),
        shipping_status: "not_shipped".into(),
        export_status: "not_exported".into(),
        external_status: None,
        currency,
        order_total,
        tax_total,
        billing_address: billing,
        product_items: items,
        payment_instruments: instruments,
        shipments,
        custom,
        created_ms: now,
        modified_ms: now,
    });
    // 201 with no content; the Location header is not modelled.
    Ok((StatusCode::CREATED, None))
}

const CHANNEL_TYPES: &[&str] = &[
    "storefront",
    "callcenter",
    "marketplace",
    "dss",
    "store",
    "pinterest",
    "twitter",
    "facebookads",
    "subscriptions",
    "onlinereservation",
    "customerservicecenter",
    "instagramcommerce",
    "tiktok",
    "snapchat",
    "google",
    "whatsapp",
    "youtube",
];

pub(crate) fn order_json(o: &Order, site_id: &str) -> Value {
    let shipments: Vec<Value> = o
        .shipments
        .iter()
        .map(|s| {
            let mut v = json!({
                "shipmentId": s.shipment_id,
                "shipmentNo": s.shipment_no,
                "shippingAddress": s.address,
                "shippingMethod": {"id": s.shipping_method},
                "shippingStatus": s.shipping_status,
                "shippingTotal": num(s.shipping_total),
                "taxTotal": num(s.tax_total),
            });
            if let Some(t) = &s.tracking_number {
                v["trackingNumber"] = json!(t);
            }
            if let Some(c) = &s.carrier {
                v["c_carrier"] = json!(c);
            }
            v
        })
        .collect();
    let mut v = json!({
        "orderNo": o.order_no,
        "siteId": site_id,
        "channelType": o.channel_type,
        "status": o.status,
        "confirmationStatus": "not_confirmed",
        "paymentStatus": o.payment_status,
        "shippingStatus": o.shipping_status,
        "exportStatus": o.export_status,
        "currency": o.currency,
        "orderTotal": num(o.order_total),
        "taxTotal": num(o.tax_total),
        "taxation": "gross",
        "billingAddress": o.billing_address,
        "customerInfo": {"customerName": o.billing_address.get("lastName").cloned().unwrap_or_default()},
        "productItems": o.product_items,
        "paymentInstruments": o.payment_instruments,
        "shipments": shipments,
        "creationDate": time(o.created_ms),
        "lastModified": time(o.modified_ms),
    });
    if let Some(e) = &o.external_status {
        v["externalOrderStatus"] = json!(e);
    }
    for (key, value) in &o.custom {
        v[key] = value.clone();
    }
    v
}
