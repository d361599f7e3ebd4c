//! The endpoints: the SCAPI routing and Products (`getProduct`) here; SCAPI Orders
//! (`getOrders`, `createOrders`, the status updates) in `orders`; OCAPI Data
//! (`product_search`, the site, product inventory records) in `ocapi`.

mod ocapi;
mod orders;

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::model::{Product, State, num, time};
use super::{ApiError, ApiResult, Sfcc, TokenKind};
use crate::common::{lock, now_millis};
pub(crate) use ocapi::ocapi;
pub(crate) use orders::order_json;
use orders::{create_order, list_orders, set_status};

pub(super) fn ok(value: Value) -> ApiResult {
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

pub(super) fn scapi_not_found(what: &str) -> ApiError {
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

pub(super) fn localized(text: &str) -> Value {
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
        "brand": p.brand,
    });
    if !p.materials.is_empty() {
        v["c_material"] = json!(p.materials);
    }
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
