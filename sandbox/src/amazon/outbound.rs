//! Fulfillment Outbound 2020-07-01: create, get, cancel, list, package tracking
//! (amazon-mcf.md §4–§6), and the order lifecycle (see the module docs of `amazon`).

use std::collections::HashSet;
use std::sync::Arc;

use base64::Engine;
use serde_json::{Map, Value, json};

use super::model::{Order, OrderItem, State, Status};
use super::{Amazon, AmazonSim, ApiError, Ctx};
use crate::common::{iso8601, lock, now_millis, parse_iso8601};

const MAX_ORDER_ID: usize = 40;
const MAX_COMMENT: usize = 750;
const MAX_LINES: usize = 100;
const MAX_UNITS: i64 = 250;
const MAX_SKU: usize = 50;
const MAX_ITEM_ID: usize = 50;
const MAX_GIFT_MESSAGE: usize = 512;
const MAX_ITEM_COMMENT: usize = 250;
const MAX_EMAIL: usize = 64;
const MAX_DELIVERY_INSTRUCTIONS: usize = 250;
/// Orders per `listAllFulfillmentOrders` page. Simulator choice: 50.
pub(crate) const LIST_PAGE_SIZE: usize = 50;

fn str_field<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a str>, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(ApiError::invalid(format!("{path}{key} must be a string."))),
    }
}

fn required<'a>(obj: &'a Map<String, Value>, key: &str, path: &str) -> Result<&'a str, ApiError> {
    str_field(obj, key, path)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::invalid(format!("{path}{key} is required.")))
}

fn max_len(value: &str, max: usize, name: &str) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n > max {
        return Err(ApiError::invalid(format!(
            "{name} is {n} characters long; the maximum is {max}."
        )));
    }
    Ok(())
}

fn one_of(value: &str, allowed: &[&str], name: &str) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "Invalid {name}: {value}. Allowed values: {}.",
            allowed.join(", ")
        )))
    }
}

/// A `Money` field, if present: an ISO 4217 code that must be the marketplace's `currency`
/// (simulator choice: Amazon documents no conversion), and a decimal string.
fn money(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
    marketplace_currency: &str,
) -> Result<(), ApiError> {
    let Some(v) = obj.get(key) else {
        return Ok(());
    };
    let name = format!("{path}{key}");
    let m = v
        .as_object()
        .ok_or_else(|| ApiError::invalid(format!("{name} must be an object.")))?;
    let currency = required(m, "currencyCode", &format!("{name}."))?;
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ApiError::invalid(format!(
            "{name}.currencyCode must be an ISO 4217 code, got {currency}."
        )));
    }
    if currency != marketplace_currency {
        return Err(ApiError::invalid(format!(
            "{name}.currencyCode {currency} is not the currency of the marketplace ({marketplace_currency})."
        )));
    }
    let value = required(m, "value", &format!("{name}."))?;
    if value.parse::<rust_decimal::Decimal>().is_err() {
        return Err(ApiError::invalid(format!(
            "{name}.value must be a decimal string, got {value}."
        )));
    }
    Ok(())
}

fn address(obj: &Map<String, Value>) -> Result<(), ApiError> {
    let a = match obj.get("destinationAddress") {
        None | Some(Value::Null) => {
            return Err(ApiError::invalid("destinationAddress is required."));
        }
        Some(Value::Object(a)) => a,
        Some(_) => return Err(ApiError::invalid("destinationAddress must be an object.")),
    };
    let p = "destinationAddress.";
    required(a, "name", p)?;
    required(a, "addressLine1", p)?;
    required(a, "postalCode", p)?;
    let country = required(a, "countryCode", p)?;
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ApiError::invalid(format!(
            "destinationAddress.countryCode must be an ISO 3166-1 alpha-2 code, got {country}."
        )));
    }
    if country != "JP" {
        required(a, "city", p)?;
    }
    // The published model lists stateOrRegion as required (UK addresses too).
    required(a, "stateOrRegion", p)?;
    for key in ["addressLine2", "addressLine3", "districtOrCounty", "phone"] {
        str_field(a, key, p)?;
    }
    Ok(())
}

/// Validates a create request (§4); returns the checked items.
fn validate(st: &State, body: &Value) -> Result<Vec<OrderItem>, ApiError> {
    let obj = body
        .as_object()
        .ok_or_else(|| ApiError::invalid("The request body must be a JSON object."))?;
    if let Some(m) = str_field(obj, "marketplaceId", "")? {
        st.marketplace.check(m).map_err(ApiError::invalid)?;
    }
    let id = required(obj, "sellerFulfillmentOrderId", "")?;
    max_len(id, MAX_ORDER_ID, "sellerFulfillmentOrderId")?;
    let display = required(obj, "displayableOrderId", "")?;
    max_len(display, MAX_ORDER_ID, "displayableOrderId")?;
    if display != display.trim() || display.contains("  ") {
        return Err(ApiError::invalid(
            "displayableOrderId must not start or end with spaces or contain double spaces.",
        ));
    }
    if display
        .chars()
        .any(|c| u32::from(c) > 0xFF || c.is_control())
    {
        return Err(ApiError::invalid(
            "displayableOrderId must be alphanumeric or ISO 8859-1 text.",
        ));
    }
    let date = required(obj, "displayableOrderDate", "")?;
    if !date.contains('T') || parse_iso8601(date).is_none() {
        return Err(ApiError::invalid(format!(
            "Invalid displayableOrderDate: {date}. Use an ISO 8601 date-time."
        )));
    }
    // Simulator choice: a required comment must not be empty.
    let comment = required(obj, "displayableOrderComment", "")?;
    max_len(comment, MAX_COMMENT, "displayableOrderComment")?;
    let speed = required(obj, "shippingSpeedCategory", "")?;
    one_of(
        speed,
        &["Standard", "Expedited", "Priority", "ScheduledDelivery"],
        "shippingSpeedCategory",
    )?;
    if speed == "ScheduledDelivery" {
        return Err(ApiError::invalid(
            "shippingSpeedCategory ScheduledDelivery is only available in Japan.",
        ));
    }
    address(obj)?;
    if let Some(action) = str_field(obj, "fulfillmentAction", "")? {
        one_of(action, &["Ship", "Hold"], "fulfillmentAction")?;
    }
    if let Some(policy) = str_field(obj, "fulfillmentPolicy", "")? {
        one_of(
            policy,
            &["FillOrKill", "FillAll", "FillAllAvailable"],
            "fulfillmentPolicy",
        )?;
    }
    match obj.get("notificationEmails") {
        None | Some(Value::Null) => {}
        Some(Value::Array(emails)) => {
            for e in emails {
                let e = e
                    .as_str()
                    .ok_or_else(|| ApiError::invalid("notificationEmails must be strings."))?;
                max_len(e, MAX_EMAIL, "A notificationEmails entry")?;
            }
        }
        Some(_) => return Err(ApiError::invalid("notificationEmails must be an array.")),
    }
    match obj.get("featureConstraints") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for f in list {
                let f = f.as_object().ok_or_else(|| {
                    ApiError::invalid("featureConstraints entries must be objects.")
                })?;
                let name = required(f, "featureName", "featureConstraints.")?;
                one_of(
                    name,
                    &[
                        "BLOCK_AMZL",
                        "BLANK_BOX",
                        "OVERBOX",
                        "PACKING_SLIP",
                        "SIGNATURE_CONFIRMATION",
                    ],
                    "featureName",
                )?;
                if let Some(p) = str_field(f, "featureFulfillmentPolicy", "featureConstraints.")? {
                    one_of(p, &["Required", "NotRequired"], "featureFulfillmentPolicy")?;
                }
            }
        }
        Some(_) => return Err(ApiError::invalid("featureConstraints must be an array.")),
    }
    if let Some(prefs) = obj.get("deliveryPreferences").and_then(Value::as_object)
        && let Some(text) = str_field(prefs, "deliveryInstructions", "deliveryPreferences.")?
    {
        max_len(
            text,
            MAX_DELIVERY_INSTRUCTIONS,
            "deliveryPreferences.deliveryInstructions",
        )?;
    }
    items(st, obj)
}

fn items(st: &State, obj: &Map<String, Value>) -> Result<Vec<OrderItem>, ApiError> {
    let list = match obj.get("items") {
        None | Some(Value::Null) => return Err(ApiError::invalid("items is required.")),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(ApiError::invalid("items must be an array.")),
    };
    if list.is_empty() {
        return Err(ApiError::invalid("items must contain at least one item."));
    }
    if list.len() > MAX_LINES {
        return Err(ApiError::invalid(format!(
            "An order can have at most {MAX_LINES} items; got {}.",
            list.len()
        )));
    }
    let mut seen = HashSet::new();
    let mut units = 0i64;
    let mut out = Vec::new();
    for raw in list {
        let item = raw
            .as_object()
            .ok_or_else(|| ApiError::invalid("items entries must be objects."))?;
        let p = "items.";
        let sku = required(item, "sellerSku", p)?;
        max_len(sku, MAX_SKU, "sellerSku")?;
        let item_id = required(item, "sellerFulfillmentOrderItemId", p)?;
        max_len(item_id, MAX_ITEM_ID, "sellerFulfillmentOrderItemId")?;
        if !seen.insert(item_id.to_string()) {
            return Err(ApiError::invalid(format!(
                "sellerFulfillmentOrderItemId {item_id} is used by more than one item."
            )));
        }
        let quantity = item
            .get("quantity")
            .and_then(Value::as_i64)
            .filter(|q| i32::try_from(*q).is_ok())
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "items.quantity of Item Id: {item_id} must be an integer."
                ))
            })?;
        if quantity < 1 {
            return Err(ApiError::invalid(format!(
                "items.quantity of Item Id: {item_id} must be at least 1."
            )));
        }
        units += quantity;
        if let Some(m) = str_field(item, "giftMessage", p)? {
            max_len(m, MAX_GIFT_MESSAGE, "giftMessage")?;
        }
        if let Some(c) = str_field(item, "displayableComment", p)? {
            max_len(c, MAX_ITEM_COMMENT, "displayableComment")?;
        }
        for key in ["perUnitDeclaredValue", "perUnitPrice", "perUnitTax"] {
            money(item, key, p, st.marketplace.currency())?;
        }
        let stock = st.stock.get(sku).ok_or_else(|| {
            ApiError::invalid(format!("the SellerSKU for Item Id: {item_id} is invalid."))
        })?;
        let mut extra = item.clone();
        extra.remove("quantity");
        out.push(OrderItem {
            sku: sku.to_string(),
            item_id: item_id.to_string(),
            quantity,
            fn_sku: stock.fn_sku.clone(),
            reserved: 0,
            cancelled: 0,
            unfulfillable: 0,
            extra,
        });
    }
    if units > MAX_UNITS {
        return Err(ApiError::invalid(format!(
            "An order can have at most {MAX_UNITS} units in total; got {units}."
        )));
    }
    Ok(out)
}

pub(super) fn create(amazon: &Amazon, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    if !ctx.content_type.starts_with("application/json") {
        return Err(ApiError::invalid(
            "The request body must be JSON (content-type application/json).",
        ));
    }
    let body: Value = serde_json::from_slice(ctx.body)
        .map_err(|e| ApiError::invalid(format!("The request body is not valid JSON: {e}.")))?;
    let now = now_millis();
    let mut st = lock(&amazon.state);
    let mut items = validate(&st, &body)?;
    let id = body["sellerFulfillmentOrderId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if let Some(existing) = st.orders.get(&id) {
        // Simulator choice: an identical resubmission succeeds, a different one is refused.
        return if existing.request == body {
            Ok(json!({}))
        } else {
            Err(ApiError::invalid(format!(
                "A fulfillment order with sellerFulfillmentOrderId {id} already exists with different contents."
            )))
        };
    }

    let marketplace_id = st.marketplace.id().to_string();
    let hold = body["fulfillmentAction"] == "Hold";
    let policy = body["fulfillmentPolicy"].as_str().unwrap_or("FillOrKill");
    let invalid_address = body["destinationAddress"]["addressLine1"]
        .as_str()
        .is_some_and(|a| a.trim().eq_ignore_ascii_case("INVALID"));
    let short = items.iter().any(|i| {
        st.stock
            .get(&i.sku)
            .is_none_or(|s| s.fulfillable < i.quantity)
    });
    let status = if invalid_address {
        Status::Invalid
    } else if short && policy == "FillOrKill" {
        Status::Unfulfillable
    } else {
        Status::Received
    };
    if status == Status::Received {
        for item in &mut items {
            if let Some(stock) = st.stock.get_mut(&item.sku) {
                let held = item.quantity.min(stock.fulfillable.max(0));
                stock.fulfillable -= held;
                stock.reserved += held;
                stock.updated_ms = now;
                item.reserved = held;
                item.unfulfillable = item.quantity - held;
            }
        }
    } else {
        for item in &mut items {
            item.unfulfillable = item.quantity;
        }
    }
    // Nothing at all could be held: the whole order is unfulfillable.
    let status = if status == Status::Received && items.iter().all(|i| i.reserved == 0) {
        Status::Unfulfillable
    } else {
        status
    };
    st.orders.insert(
        id.clone(),
        Order {
            id: id.clone(),
            request: body,
            marketplace_id,
            hold,
            status,
            received_ms: now,
            updated_ms: now,
            items,
            shipments: Vec::new(),
        },
    );
    drop(st);
    if status == Status::Received
        && !hold
        && let Some(delay) = amazon.auto_ship
    {
        spawn_auto_ship(amazon, id, delay);
    }
    Ok(json!({}))
}

/// Received → Planning → Processing → Complete, a third of `delay` each; a step is skipped
/// when the order left the status it expects (cancelled, moved by control).
fn spawn_auto_ship(amazon: &Amazon, id: String, delay: std::time::Duration) {
    let sim: Arc<AmazonSim> = Arc::clone(amazon);
    let step = delay / 3;
    amazon.bg.spawn(async move {
        for from in [Status::Received, Status::Planning, Status::Processing] {
            tokio::time::sleep(step).await;
            let mut st = lock(&sim.state);
            let now = now_millis();
            if st.orders.get(&id).map(|o| o.status) != Some(from) {
                return;
            }
            match from {
                Status::Received => st.plan(&id, now),
                Status::Planning => {
                    if let Some(o) = st.orders.get_mut(&id) {
                        o.status = Status::Processing;
                        o.updated_ms = now;
                    }
                }
                _ => {
                    let carrier = st.marketplace.default_carrier();
                    let tracking = st.tracking_number(carrier);
                    st.ship(&id, carrier, &tracking, now);
                }
            }
        }
    });
}

pub(super) fn get(st: &State, id: &str) -> Result<Value, ApiError> {
    let order = st
        .orders
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("Requested order {id} not found")))?;
    Ok(json!({"payload": order.payload(st.marketplace.fulfillment_center())}))
}

pub(super) fn cancel(st: &mut State, id: &str) -> Result<Value, ApiError> {
    let status = st
        .orders
        .get(id)
        .map(|o| o.status)
        .ok_or_else(|| ApiError::not_found(format!("Requested order {id} not found")))?;
    match status {
        Status::Received | Status::Planning => {
            let now = now_millis();
            st.release(id, true, now);
            if let Some(o) = st.orders.get_mut(id) {
                o.status = Status::Cancelled;
                o.updated_ms = now;
            }
            Ok(json!({}))
        }
        // Simulator choice: cancelling a cancelled order again is not an error.
        Status::Cancelled => Ok(json!({})),
        other => Err(ApiError::invalid(format!(
            "Fulfillment order {id} cannot be cancelled because its status is {}.",
            other.as_str()
        ))),
    }
}

pub(super) fn list(st: &State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let since = match ctx.q("queryStartDate").filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(parse_iso8601(raw).ok_or_else(|| {
            ApiError::invalid(format!(
                "Invalid queryStartDate: {raw}. Use an ISO 8601 date-time."
            ))
        })?),
    };
    let offset = match ctx.q("nextToken").filter(|s| !s.is_empty()) {
        None => 0,
        Some(token) => decode_list_token(token)
            .ok_or_else(|| ApiError::invalid(format!("Invalid nextToken: {token}.")))?,
    };
    let mut orders: Vec<&Order> = st
        .orders
        .values()
        .filter(|o| since.is_none_or(|at| o.updated_ms >= at))
        .collect();
    orders.sort_by(|a, b| a.updated_ms.cmp(&b.updated_ms).then(a.id.cmp(&b.id)));
    let total = orders.len();
    let page: Vec<Value> = orders
        .into_iter()
        .skip(offset)
        .take(LIST_PAGE_SIZE)
        .map(Order::summary)
        .collect();
    let mut payload = json!({"fulfillmentOrders": page});
    if offset + LIST_PAGE_SIZE < total {
        payload["nextToken"] = json!(encode_list_token(offset + LIST_PAGE_SIZE));
    }
    Ok(json!({"payload": payload}))
}

fn encode_list_token(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("sbx-mcf:{offset}"))
}

fn decode_list_token(token: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("sbx-mcf:")?
        .parse()
        .ok()
}

pub(super) fn tracking(st: &State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let raw = ctx
        .q("packageNumber")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid("packageNumber is required."))?;
    let number: i32 = raw.parse().map_err(|_| {
        ApiError::invalid(format!(
            "Invalid packageNumber: {raw}. It must be an int32."
        ))
    })?;
    let found = st.orders.values().find_map(|o| {
        o.shipments.iter().find_map(|s| {
            s.package
                .as_ref()
                .filter(|p| p.number == i64::from(number))
                .map(|p| (o, s, p))
        })
    });
    // Simulator choice: an unknown package number is 404 NotFound.
    let (order, shipment, package) =
        found.ok_or_else(|| ApiError::not_found(format!("Package {number} not found")))?;
    let dest = &order.request["destinationAddress"];
    let fc = st.marketplace.fulfillment_center_address();
    let ship_to = json!({
        "city": dest["city"], "state": dest["stateOrRegion"], "country": dest["countryCode"],
    });
    Ok(json!({"payload": {
        "packageNumber": number,
        "trackingNumber": package.tracking,
        "customerTrackingLink": format!("https://www.swiship.com/track?id={}", package.amazon_tracking),
        "carrierCode": package.carrier,
        "shipDate": iso8601(shipment.shipping_ms),
        "estimatedArrivalDate": iso8601(shipment.shipping_ms + 3 * 86_400_000),
        "shipToAddress": ship_to,
        "currentStatus": "IN_TRANSIT",
        "currentStatusDescription": "In transit",
        "trackingEvents": [{
            "eventDate": iso8601(shipment.shipping_ms),
            "eventAddress": {"city": fc.0, "state": fc.1, "country": fc.2},
            "eventCode": "EVENT_101",
            "eventDescription": "Carrier notified to pick up package.",
        }],
    }}))
}
