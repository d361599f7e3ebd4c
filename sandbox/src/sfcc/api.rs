//! The endpoints: SCAPI Products (`getProduct`), SCAPI Orders (`getOrders`, `createOrders`,
//! `getOrder`, `updateOrder`, the status updates) and OCAPI Data (`product_search`, product
//! inventory records).

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::model::{Order, Product, Shipment, State, num, time};
use super::{ApiError, ApiResult, OCAPI_VERSION, Sfcc, TokenKind};
use crate::common::{lock, now_millis, parse_iso8601};

fn ok(value: Value) -> ApiResult {
    Ok((StatusCode::OK, Some(value)))
}

fn no_content() -> ApiResult {
    Ok((StatusCode::NO_CONTENT, None))
}

fn order_not_found(order_no: &str) -> ApiError {
    ApiError::problem(
        StatusCode::NOT_FOUND,
        "order-not-found",
        "Order Not Found",
        format!("No order with number '{order_no}' was found."),
    )
}

fn scapi_not_found(what: &str) -> ApiError {
    ApiError::problem(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not Found",
        format!("No API is served at {what}."),
    )
}

pub(super) fn scapi(
    sfcc: &Sfcc,
    method: &Method,
    api: &str,
    rest: &[&str],
    query: &HashMap<String, String>,
    body: Option<Value>,
    token: Option<TokenKind>,
) -> ApiResult {
    let admin = token == Some(TokenKind::Admin);
    let forbidden = || {
        ApiError::problem(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Forbidden",
            "The access token's type is not accepted by this endpoint.",
        )
    };
    let mut st = lock(&sfcc.state);
    match (method.as_str(), api, rest) {
        ("GET", "product/products", ["products", id]) => {
            if !admin {
                return Err(forbidden());
            }
            let missing = || {
                ApiError::problem(
                    StatusCode::NOT_FOUND,
                    "product-not-found",
                    "Product Not Found",
                    format!("No product with ID '{id}' could be found."),
                )
            };
            match st.products.get(*id) {
                Some(product) => ok(product_json(&st, product, &sfcc.base_url)),
                None => {
                    let master = st.product_of_sku(id).ok_or_else(missing)?;
                    ok(variant_json(&st, master, id))
                }
            }
        }
        ("GET", "checkout/orders", ["orders"]) => {
            if !admin {
                return Err(forbidden());
            }
            list_orders(&st, query)
        }
        ("POST", "checkout/orders", ["orders"]) => {
            // createOrders takes a ShopperTokenTsob, not an Account Manager token.
            if token != Some(TokenKind::Tsob) {
                return Err(forbidden());
            }
            let body =
                body.ok_or_else(|| ApiError::bad_request("The request body is required."))?;
            create_order(&mut st, body)
        }
        ("GET", "checkout/orders", ["orders", no]) => {
            if !admin {
                return Err(forbidden());
            }
            let order = st.order(no).ok_or_else(|| order_not_found(no))?;
            ok(order_json(order, &st.site_id))
        }
        ("PATCH", "checkout/orders", ["orders", no]) => {
            let body =
                body.ok_or_else(|| ApiError::bad_request("The request body is required."))?;
            let Value::Object(fields) = body else {
                return Err(ApiError::bad_request(
                    "The request body must be a JSON object.",
                ));
            };
            if let Some(bad) = fields.keys().find(|k| !k.starts_with("c_")) {
                return Err(ApiError::bad_request(format!(
                    "The property '{bad}' is not allowed: only custom attributes (c_) can be updated."
                )));
            }
            let order = st.order_mut(no).ok_or_else(|| order_not_found(no))?;
            for (key, value) in fields {
                order.custom.insert(key, value);
            }
            order.modified_ms = now_millis();
            no_content()
        }
        ("PUT", "checkout/orders", ["orders", no, which]) => {
            if !admin {
                return Err(forbidden());
            }
            let status = body
                .as_ref()
                .and_then(|b| b.get("status"))
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::bad_request("The property 'status' is required."))?
                .to_owned();
            let order = st.order_mut(no).ok_or_else(|| order_not_found(no))?;
            set_status(order, which, &status)?;
            order.modified_ms = now_millis();
            no_content()
        }
        _ => Err(scapi_not_found(&format!(
            "{method} /{api}/v1/.../{}",
            rest.join("/")
        ))),
    }
}

fn set_status(order: &mut Order, which: &str, status: &str) -> Result<(), ApiError> {
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
fn list_orders(st: &State, query: &HashMap<String, String>) -> ApiResult {
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
fn create_order(st: &mut State, body: Value) -> ApiResult {
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

fn localized(text: &str) -> Value {
    json!({ "default": text })
}

/// SCAPI `Product`: a master with `variants` (`productId`, `variationValues`, `price`, `ats`)
/// or a standard product with its own `price` and `ats`.
pub(crate) fn product_json(st: &State, p: &Product, base_url: &str) -> Value {
    let price = |sku: &str| st.prices.get(sku).copied().map(num);
    let ats = |sku: &str| {
        st.inventory
            .get(sku)
            .map_or(0, super::model::InventoryRecord::ats)
    };
    let mut v = json!({
        "id": p.id,
        "name": localized(&p.name),
        "longDescription": {"default": {"markup": p.description, "source": p.description}},
        "online": true,
        "creationDate": time(p.created_ms),
        "lastModified": time(p.modified_ms),
        "owningCatalogId": "apparel-m-catalog",
        "imageGroups": [{
            "viewType": "large",
            "images": [{
                "absUrl": format!("{base_url}/on/demandware.static/-/Sites-apparel-m-catalog/default/images/large/{}.png", p.id),
                "path": format!("large/{}.png", p.id),
                "alt": localized(&p.name),
                "title": localized(&p.name),
            }],
        }],
        "unit": "single",
    });
    match &p.variation_attribute {
        Some(attribute) => {
            v["type"] = json!({"master": true});
            v["master"] = json!({"masterId": p.id, "orderable": true});
            v["variationAttributes"] = json!([{
                "id": attribute,
                "name": localized(&capitalized(attribute)),
                "values": p.variants.iter().map(|(_, value)| json!({"value": value, "name": localized(value), "orderable": true})).collect::<Vec<_>>(),
            }]);
            v["variants"] = Value::Array(
                p.variants
                    .iter()
                    .map(|(sku, value)| {
                        let mut variant = json!({
                            "productId": sku,
                            "variationValues": {attribute.as_str(): value},
                            "online": true,
                            "orderable": true,
                            "ats": ats(sku),
                            "inStock": ats(sku) > 0,
                            "priceCurrency": st.currency,
                        });
                        if let Some(price) = price(sku) {
                            variant["price"] = price;
                        }
                        variant
                    })
                    .collect(),
            );
        }
        None => {
            v["type"] = json!({"item": true});
            v["ats"] = json!(ats(&p.id));
            v["inStock"] = json!(ats(&p.id) > 0);
            v["priceCurrency"] = json!(st.currency);
            if let Some(price) = price(&p.id) {
                v["price"] = price;
            }
        }
    }
    v
}

/// A variant read on its own: `type.variant`, its master, values, price and ATS.
fn variant_json(st: &State, master: &Product, sku: &str) -> Value {
    let value = master
        .variants
        .iter()
        .find(|(v, _)| v == sku)
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let attribute = master.variation_attribute.clone().unwrap_or_default();
    let ats = st
        .inventory
        .get(sku)
        .map_or(0, super::model::InventoryRecord::ats);
    let mut v = json!({
        "id": sku,
        "name": localized(&master.name),
        "type": {"variant": true},
        "master": {"masterId": master.id, "orderable": true},
        "variationValues": {attribute.as_str(): value},
        "online": true,
        "ats": ats,
        "inStock": ats > 0,
        "priceCurrency": st.currency,
        "lastModified": time(master.modified_ms),
    });
    if let Some(price) = st.prices.get(sku) {
        v["price"] = num(*price);
    }
    v
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

// ---- OCAPI Data --------------------------------------------------------------------------

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

pub(super) fn ocapi(
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
