//! Logistics, orders, fulfillment (mark shipped, packages) and cancellations, plus the order
//! helpers behind the control API.

use std::collections::HashSet;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::{self as e, ApiError};
use super::model::{Buyer, Cancellation, LineItem, Order, Package, SELLER_CANCEL_REASONS, State};
use super::{Ctx, TikTok, events, page};
use crate::common::{lock, now_secs};

const ORDER_STATUSES: &[&str] = &[
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
];
const PACKAGE_STATUSES: &[&str] = &[
    "TO_FULFILL",
    "PROCESSING",
    "FULFILLING",
    "COMPLETED",
    "CANCELLED",
];
const CANCEL_STATUSES: &[&str] = &[
    "CANCELLATION_REQUEST_PENDING",
    "CANCELLATION_REQUEST_SUCCESS",
    "CANCELLATION_REQUEST_CANCEL",
    "CANCELLATION_REQUEST_COMPLETE",
];

fn bad(code: i64, msg: impl Into<String>) -> ApiError {
    ApiError::biz(code, msg)
}

fn money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

// ---------------------------------------------------------------------------------------------
// Logistics

pub(crate) fn warehouses(st: &State) -> Result<Value, ApiError> {
    let sample = &st.shop.market.sample;
    let list: Vec<Value> = st
        .warehouses
        .iter()
        .map(|w| {
            json!({
                "id": w.id,
                "name": w.name,
                "effect_status": w.effect_status,
                "type": w.kind,
                "sub_type": "DOMESTIC_WAREHOUSE",
                "is_default": w.is_default,
                "address": {
                    "region_code": st.shop.region, "state": w.state, "city": w.city, "postal_code": w.postal_code,
                    "full_address": format!("100 Commerce Way, {}, {} {}", w.city, w.state, w.postal_code),
                    "address_line1": "100 Commerce Way", "address_line2": "", "address_line3": "", "address_line4": "",
                    "contact_person": "Warehouse Manager",
                    "phone_number": format!("(+{}){}0100", sample.dialing_code, sample.phone_prefix),
                },
            })
        })
        .collect();
    Ok(json!({ "warehouses": list }))
}

pub(crate) fn delivery_options(st: &State, warehouse_id: &str) -> Result<Value, ApiError> {
    if !st.warehouses.iter().any(|w| w.id == warehouse_id) {
        return Err(bad(
            e::F_INVALID_PARAM,
            format!("Warehouse '{warehouse_id}' does not exist in this shop."),
        ));
    }
    // The same limits in the market's units (70 lb / 108 in in the US; 30 kg / 150 cm elsewhere).
    let (weight, dimension) = if st.shop.market.imperial_allowed() {
        (
            json!({"max_weight": 70, "min_weight": 0, "unit": "POUND"}),
            json!({"max_height": 108, "max_length": 108, "max_width": 108, "unit": "INCH"}),
        )
    } else {
        (
            json!({"max_weight": 30, "min_weight": 0, "unit": "KILOGRAM"}),
            json!({"max_height": 150, "max_length": 150, "max_width": 150, "unit": "CENTIMETER"}),
        )
    };
    let list: Vec<Value> = st
        .delivery_options
        .iter()
        .filter(|d| d.warehouse_id == warehouse_id)
        .map(|d| {
            json!({
                "id": d.id, "name": d.name, "type": d.kind,
                "description": format!("{} from this warehouse", d.name),
                "weight_limit": weight,
                "dimension_limit": dimension,
            })
        })
        .collect();
    Ok(json!({ "delivery_options": list }))
}

pub(crate) fn shipping_providers(st: &State, option_id: &str) -> Result<Value, ApiError> {
    let Some(option) = st.delivery_options.iter().find(|d| d.id == option_id) else {
        return Err(bad(
            e::F_INVALID_PARAM,
            format!("Delivery option '{option_id}' does not exist in this shop."),
        ));
    };
    let list: Vec<Value> = option
        .provider_ids
        .iter()
        .filter_map(|id| st.provider(id))
        .map(|p| json!({"id": p.id, "name": p.name}))
        .collect();
    Ok(json!({ "shipping_providers": list }))
}

// ---------------------------------------------------------------------------------------------
// Orders

fn mask(s: &str) -> String {
    let first: String = s.chars().take(1).collect();
    format!("{first}***")
}

fn line_item_json(st: &State, o: &Order, li: &LineItem) -> Value {
    let pkg = li.package_id.as_ref().and_then(|p| st.packages.get(p));
    let display = if li.cancelled {
        "CANCELLED".to_string()
    } else if o.status == "PARTIALLY_SHIPPING" {
        if pkg.is_some() {
            "AWAITING_COLLECTION"
        } else {
            "AWAITING_SHIPMENT"
        }
        .to_string()
    } else {
        o.status.clone()
    };
    let package_status = match pkg {
        Some(p) => p.status.clone(),
        None if li.cancelled => "CANCELLED".to_string(),
        None => "TO_FULFILL".to_string(),
    };
    json!({
        "id": li.id,
        "product_id": li.product_id,
        "sku_id": li.sku_id,
        "seller_sku": li.seller_sku,
        "product_name": li.product_name,
        "sku_name": li.sku_name,
        "sku_image": "",
        "original_price": money(li.price),
        "sale_price": money(li.sale_price()),
        "platform_discount": money(li.platform_discount),
        "seller_discount": money(li.seller_discount),
        "currency": st.shop.currency,
        "display_status": display,
        "package_id": li.package_id.clone().unwrap_or_default(),
        "package_status": package_status,
        "tracking_number": pkg.map(|p| p.tracking_number.clone()).unwrap_or_default(),
        "shipping_provider_id": pkg.map(|p| p.shipping_provider_id.clone()).unwrap_or_default(),
        "shipping_provider_name": pkg.map(|p| p.shipping_provider_name.clone()).unwrap_or_default(),
        "cancel_user": li.cancel_user,
        "cancel_reason": if li.cancelled { o.cancel_reason.clone() } else { String::new() },
        "is_gift": false,
        "rts_time": pkg.map_or(0, |p| p.create_time),
    })
}

fn address_json(st: &State, o: &Order) -> Value {
    let b = &o.buyer;
    let sample = &st.shop.market.sample;
    let dialing = &sample.dialing_code;
    let early = o.status == "UNPAID" || o.status == "ON_HOLD";
    let masked = early || o.shipping_type != "SELLER" || o.masked_buyer;
    let (first, last, phone) = if masked {
        (
            mask(&b.first_name),
            mask(&b.last_name),
            format!(
                "(+{dialing}){}*****{}",
                &b.phone[..3],
                &b.phone[b.phone.len() - 2..]
            ),
        )
    } else {
        (
            b.first_name.clone(),
            b.last_name.clone(),
            format!("(+{dialing}){}", b.phone),
        )
    };
    let (line1, full) = if early {
        (String::new(), String::new())
    } else {
        (
            b.address_line1.clone(),
            format!(
                "{}, {}, {}, {}, {}",
                b.address_line1, b.city, b.state, b.postal_code, sample.country
            ),
        )
    };
    let district = if early {
        json!([])
    } else {
        json!([
            {"address_level_name": "Country", "address_name": sample.country, "address_level": "L0"},
            {"address_level_name": "State", "address_name": b.state, "address_level": "L1"},
            {"address_level_name": "City", "address_name": b.city, "address_level": "L3"},
        ])
    };
    json!({
        "name": format!("{first} {last}"),
        "first_name": first,
        "last_name": last,
        "phone_number": phone,
        "full_address": full,
        "address_line1": line1,
        "address_line2": "",
        "address_line3": "",
        "address_line4": "",
        "postal_code": b.postal_code,
        "region_code": st.shop.region,
        "district_info": district,
    })
}

/// The order's `payment`. TikTok's model: every unit has an `original_price`; the seller's and
/// the platform's discounts are spread over the units, and `sale_price` is what the buyer pays.
/// `sub_total` = Σ sale_price, `total_amount` = sub_total + shipping_fee + tax.
///
/// The seller is paid the platform discount back by TikTok (it is a platform subsidy, settled
/// with the payout), so the seller's revenue is `sub_total + platform_discount`, not `sub_total`:
/// that is why the daemon may record the two discounts differently.
fn payment_json(st: &State, o: &Order) -> Value {
    let original: Decimal = o.line_items.iter().map(|li| li.price).sum();
    let seller: Decimal = o.line_items.iter().map(|li| li.seller_discount).sum();
    let platform: Decimal = o.line_items.iter().map(|li| li.platform_discount).sum();
    let sub_total: Decimal = o.line_items.iter().map(LineItem::sale_price).sum();
    // Shipping: without an explicit fee the sandbox's default is free shipping that the
    // platform pays for (5.99 original, fully discounted by the platform).
    let (original_shipping, shipping_platform_discount) = if o.shipping_fee.is_zero() {
        (Decimal::new(599, 2), Decimal::new(599, 2))
    } else {
        (o.shipping_fee, Decimal::ZERO)
    };
    json!({
        "currency": st.shop.currency,
        "original_total_product_price": money(original),
        "seller_discount": money(seller),
        "platform_discount": money(platform),
        "sub_total": money(sub_total),
        "shipping_fee": money(o.shipping_fee),
        "tax": money(o.tax),
        "total_amount": money(sub_total + o.shipping_fee + o.tax),
        "original_shipping_fee": money(original_shipping),
        "shipping_fee_seller_discount": "0.00",
        "shipping_fee_platform_discount": money(shipping_platform_discount),
    })
}

pub(crate) fn order_json(st: &State, o: &Order) -> Value {
    let first_pkg = o.packages.first().and_then(|p| st.packages.get(p));
    let paid = o.paid_time.unwrap_or(0);
    let sla = |secs: i64| if paid > 0 { paid + secs } else { 0 };
    json!({
        "id": o.id,
        "status": o.status,
        "fulfillment_type": o.fulfillment_type,
        "shipping_type": o.shipping_type,
        "delivery_option_id": o.delivery_option_id,
        "delivery_option_name": o.delivery_option_name,
        "delivery_type": "HOME_DELIVERY",
        "warehouse_id": o.warehouse_id,
        "is_on_hold_order": o.status == "ON_HOLD",
        "is_buyer_request_cancel": o.is_buyer_request_cancel,
        "is_cod": false,
        "is_sample_order": false,
        "is_replacement_order": false,
        "create_time": o.create_time,
        "paid_time": paid,
        "update_time": o.update_time,
        "rts_sla_time": sla(2 * 86_400),
        "tts_sla_time": sla(3 * 86_400),
        "shipping_due_time": sla(3 * 86_400),
        "delivery_due_time": sla(10 * 86_400),
        "cancel_order_sla_time": sla(3_600),
        "buyer_email": if o.masked_buyer { String::new() } else { o.buyer_email.clone() },
        "buyer_message": "",
        "user_id": o.user_id,
        "payment": payment_json(st, o),
        "recipient_address": address_json(st, o),
        "line_items": o.line_items.iter().map(|li| line_item_json(st, o, li)).collect::<Vec<_>>(),
        "packages": o.packages.iter().map(|p| json!({"id": p})).collect::<Vec<_>>(),
        "tracking_number": first_pkg.map(|p| p.tracking_number.clone()).unwrap_or_default(),
        "shipping_provider": first_pkg.map(|p| p.shipping_provider_name.clone()).unwrap_or_default(),
        "shipping_provider_id": first_pkg.map(|p| p.shipping_provider_id.clone()).unwrap_or_default(),
        "cancel_reason": o.cancel_reason,
        "cancellation_initiator": o.cancellation_initiator,
        "seller_note": "",
    })
}

#[derive(Deserialize, Default)]
struct OrderSearchReq {
    order_status: Option<String>,
    create_time_ge: Option<i64>,
    create_time_lt: Option<i64>,
    update_time_ge: Option<i64>,
    update_time_lt: Option<i64>,
    shipping_type: Option<String>,
    buyer_user_id: Option<String>,
    is_buyer_request_cancel: Option<bool>,
    warehouse_ids: Option<Vec<String>>,
}

fn sort_params(ctx: &Ctx<'_>, code: i64) -> Result<(String, bool), ApiError> {
    let field = ctx.q("sort_field").unwrap_or("create_time").to_string();
    if field != "create_time" && field != "update_time" {
        return Err(bad(
            code,
            format!(
                "Invalid parameter: 'sort_field' '{field}'; expected create_time or update_time."
            ),
        ));
    }
    let desc = match ctx.q("sort_order").unwrap_or("DESC") {
        "DESC" => true,
        "ASC" => false,
        other => {
            return Err(bad(
                code,
                format!("Invalid parameter: 'sort_order' '{other}'; expected ASC or DESC."),
            ));
        }
    };
    Ok((field, desc))
}

pub(crate) fn search_orders(st: &State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let (size, offset) = ctx.paging(e::O_INVALID_PARAM, 100)?;
    let (field, desc) = sort_params(ctx, e::O_INVALID_PARAM)?;
    let req: OrderSearchReq = ctx.json(e::O_INVALID_PARAM)?;
    if let Some(s) = req
        .order_status
        .as_deref()
        .filter(|s| !ORDER_STATUSES.contains(s))
    {
        return Err(bad(
            e::O_INVALID_PARAM,
            format!("Invalid parameter: 'order_status' '{s}'; expected one of {ORDER_STATUSES:?}."),
        ));
    }
    if let Some(s) = req
        .shipping_type
        .as_deref()
        .filter(|s| !["TIKTOK", "SELLER"].contains(s))
    {
        return Err(bad(
            e::O_INVALID_PARAM,
            format!("Invalid parameter: 'shipping_type' '{s}'; expected TIKTOK or SELLER."),
        ));
    }
    let warehouses = req.warehouse_ids.clone().unwrap_or_default();
    let mut matches: Vec<&Order> = st
        .orders
        .values()
        .filter(|o| req.order_status.as_deref().is_none_or(|s| o.status == s))
        .filter(|o| {
            req.shipping_type
                .as_deref()
                .is_none_or(|s| o.shipping_type == s)
        })
        .filter(|o| req.buyer_user_id.as_deref().is_none_or(|s| o.user_id == s))
        .filter(|o| {
            req.is_buyer_request_cancel
                .is_none_or(|b| o.is_buyer_request_cancel == b)
        })
        .filter(|o| warehouses.is_empty() || warehouses.contains(&o.warehouse_id))
        .filter(|o| req.create_time_ge.is_none_or(|t| o.create_time >= t))
        .filter(|o| req.create_time_lt.is_none_or(|t| o.create_time < t))
        .filter(|o| req.update_time_ge.is_none_or(|t| o.update_time >= t))
        .filter(|o| req.update_time_lt.is_none_or(|t| o.update_time < t))
        .collect();
    matches.sort_by(|a, b| {
        let key = |o: &Order| {
            if field == "update_time" {
                o.update_time
            } else {
                o.create_time
            }
        };
        key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id))
    });
    if desc {
        matches.reverse();
    }
    let total = matches.len();
    let (items, next) = page(matches, size, offset);
    let orders: Vec<Value> = items.iter().map(|o| order_json(st, o)).collect();
    Ok(json!({"orders": orders, "next_page_token": next, "total_count": total}))
}

pub(crate) fn get_orders(st: &State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let raw = ctx.q("ids").unwrap_or("");
    let ids: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() || ids.len() > 50 {
        return Err(bad(
            e::O_INVALID_PARAM,
            format!(
                "Invalid parameter: 'ids' must list 1-50 comma-separated order ids, got {}.",
                ids.len()
            ),
        ));
    }
    let missing: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| !st.orders.contains_key(*id))
        .collect();
    if !missing.is_empty() {
        return Err(bad(
            e::O_NOT_FOUND,
            format!("Order(s) not found in this shop: {}.", missing.join(",")),
        ));
    }
    let orders: Vec<Value> = ids
        .iter()
        .map(|id| order_json(st, &st.orders[*id]))
        .collect();
    Ok(json!({ "orders": orders }))
}

// ---------------------------------------------------------------------------------------------
// Fulfillment

fn valid_tracking(t: &str) -> bool {
    (4..=50).contains(&t.len())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn check_shipping_info(
    st: &State,
    delivery_option_id: &str,
    tracking: Option<&str>,
    provider: Option<&str>,
) -> Result<(String, String), ApiError> {
    let tracking = tracking.unwrap_or("");
    if !valid_tracking(tracking) {
        return Err(bad(
            e::F_TRACKING,
            format!(
                "Invalid parameter: 'tracking_number' '{tracking}' must be 4-50 characters of letters, digits and - _ . /"
            ),
        ));
    }
    let provider = provider.unwrap_or("");
    let allowed = st
        .delivery_options
        .iter()
        .find(|d| d.id == delivery_option_id)
        .is_some_and(|d| d.provider_ids.iter().any(|p| p == provider));
    if !allowed {
        return Err(bad(
            e::F_PROVIDER,
            format!(
                "Invalid parameter: 'shipping_provider_id' '{provider}' is not a shipping provider of the order's delivery option {delivery_option_id}; list them with /logistics/202309/delivery_options/{delivery_option_id}/shipping_providers."
            ),
        ));
    }
    let name = st
        .provider(provider)
        .map(|p| p.name.to_string())
        .unwrap_or_default();
    Ok((provider.to_string(), name))
}

#[derive(Deserialize, Default)]
struct MarkShippedReq {
    order_line_item_ids: Option<Vec<String>>,
    tracking_number: Option<String>,
    shipping_provider_id: Option<String>,
}

pub(crate) fn mark_shipped(tt: &TikTok, ctx: &Ctx<'_>, order_id: &str) -> Result<Value, ApiError> {
    let req: MarkShippedReq = ctx.json(e::F_INVALID_PARAM)?;
    let mut st = lock(&tt.state);
    let Some(o) = st.orders.get(order_id) else {
        return Err(bad(
            e::F_ORDER_NOT_FOUND,
            format!("Order '{order_id}' does not exist in this shop."),
        ));
    };
    if o.fulfillment_type != "FULFILLMENT_BY_SELLER" {
        return Err(bad(
            e::F_NOT_SELLER_SHIPPING,
            format!(
                "Order '{order_id}' is {}; TikTok fulfils it, so the seller cannot ship it.",
                o.fulfillment_type
            ),
        ));
    }
    if o.shipping_type != "SELLER" {
        return Err(bad(
            e::F_NOT_SELLER_SHIPPING,
            format!(
                "Order '{order_id}' uses shipping_type {}; use Ship Package with a handover method instead of Mark Package As Shipped.",
                o.shipping_type
            ),
        ));
    }
    if o.status != "AWAITING_SHIPMENT" && o.status != "PARTIALLY_SHIPPING" {
        return Err(bad(
            e::F_STATUS,
            format!(
                "Order '{order_id}' is {}; only AWAITING_SHIPMENT or PARTIALLY_SHIPPING orders can be marked as shipped.",
                o.status
            ),
        ));
    }
    let (provider_id, provider_name) = check_shipping_info(
        &st,
        &o.delivery_option_id,
        req.tracking_number.as_deref(),
        req.shipping_provider_id.as_deref(),
    )?;
    let ids: Vec<String> = match req.order_line_item_ids.filter(|v| !v.is_empty()) {
        None => o
            .line_items
            .iter()
            .filter(|li| !li.cancelled && li.package_id.is_none())
            .map(|li| li.id.clone())
            .collect(),
        Some(ids) => {
            let mut seen = HashSet::new();
            for id in &ids {
                if !seen.insert(id.clone()) {
                    return Err(bad(
                        e::F_LINE_ITEM,
                        format!("Line item '{id}' is listed twice."),
                    ));
                }
                let Some(li) = o.line_items.iter().find(|li| &li.id == id) else {
                    return Err(bad(
                        e::F_LINE_ITEM,
                        format!("Line item '{id}' does not belong to order '{order_id}'."),
                    ));
                };
                if li.cancelled {
                    return Err(bad(
                        e::F_LINE_ITEM,
                        format!("Line item '{id}' is cancelled and cannot be shipped."),
                    ));
                }
                if let Some(p) = &li.package_id {
                    return Err(bad(
                        e::F_LINE_ITEM,
                        format!("Line item '{id}' was already shipped in package {p}."),
                    ));
                }
            }
            ids
        }
    };
    if ids.is_empty() {
        return Err(bad(
            e::F_LINE_ITEM,
            format!("Order '{order_id}' has no line items left to ship."),
        ));
    }
    let now = now_secs();
    let delivery_option_id = o.delivery_option_id.clone();
    let package_id = st.ids.next_id();
    st.packages.insert(
        package_id.clone(),
        Package {
            id: package_id.clone(),
            order_id: order_id.to_string(),
            line_item_ids: ids.clone(),
            status: "PROCESSING".to_string(),
            tracking_number: req.tracking_number.unwrap_or_default(),
            shipping_provider_id: provider_id,
            shipping_provider_name: provider_name,
            delivery_option_id,
            shipping_type: "SELLER".to_string(),
            create_time: now,
            update_time: now,
        },
    );
    let mut changed = false;
    if let Some(o) = st.orders.get_mut(order_id) {
        for li in &mut o.line_items {
            if ids.contains(&li.id) {
                li.package_id = Some(package_id.clone());
            }
        }
        o.packages.push(package_id.clone());
        let all = o
            .line_items
            .iter()
            .all(|li| li.cancelled || li.package_id.is_some());
        let new_status = if all {
            "AWAITING_COLLECTION"
        } else {
            "PARTIALLY_SHIPPING"
        };
        changed = o.status != new_status;
        o.status = new_status.to_string();
        o.update_time = now;
    }
    if changed {
        emit_order_status(tt, &mut st, order_id);
    }
    events::emit_package_update(tt, &mut st, std::slice::from_ref(&package_id));
    Ok(
        json!({"order_id": order_id, "package_id": package_id, "order_line_item_ids": ids, "warning": {"message": ""}}),
    )
}

fn package_json(st: &State, p: &Package) -> Value {
    let order = st.orders.get(&p.order_id);
    let mut skus: Vec<Value> = Vec::new();
    if let Some(o) = order {
        for li in o
            .line_items
            .iter()
            .filter(|li| p.line_item_ids.contains(&li.id))
        {
            if let Some(s) = skus.iter_mut().find(|s| s["id"] == json!(li.sku_id)) {
                s["quantity"] = json!(s["quantity"].as_i64().unwrap_or(0) + 1);
            } else {
                skus.push(
                    json!({"id": li.sku_id, "name": li.sku_name, "image_url": "", "quantity": 1}),
                );
            }
        }
    }
    json!({
        "id": p.id,
        "package_id": p.id,
        "orders": [{"id": p.order_id, "skus": skus}],
        "status": p.status,
        "package_status": p.status,
        "shipping_type": p.shipping_type,
        "delivery_option_id": p.delivery_option_id,
        "tracking_number": p.tracking_number,
        "shipping_provider_id": p.shipping_provider_id,
        "shipping_provider_name": p.shipping_provider_name,
        "handover_method": "DROP_OFF",
        "order_line_item_ids": p.line_item_ids,
        "create_time": p.create_time,
        "update_time": p.update_time,
    })
}

pub(crate) fn get_package(st: &State, package_id: &str) -> Result<Value, ApiError> {
    let p = st.packages.get(package_id).ok_or_else(|| {
        bad(
            e::F_PACKAGE_NOT_FOUND,
            format!("Package '{package_id}' does not exist in this shop."),
        )
    })?;
    Ok(package_json(st, p))
}

#[derive(Deserialize, Default)]
struct PackageSearchReq {
    create_time_ge: Option<i64>,
    create_time_lt: Option<i64>,
    update_time_ge: Option<i64>,
    update_time_lt: Option<i64>,
    package_status: Option<String>,
}

pub(crate) fn search_packages(st: &State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let (size, offset) = ctx.paging(e::F_INVALID_PARAM, 50)?;
    let (field, desc) = sort_params(ctx, e::F_INVALID_PARAM)?;
    let req: PackageSearchReq = ctx.json(e::F_INVALID_PARAM)?;
    if let Some(s) = req
        .package_status
        .as_deref()
        .filter(|s| !PACKAGE_STATUSES.contains(s))
    {
        return Err(bad(
            e::F_INVALID_PARAM,
            format!(
                "Invalid parameter: 'package_status' '{s}'; expected one of {PACKAGE_STATUSES:?}."
            ),
        ));
    }
    let mut matches: Vec<&Package> = st
        .packages
        .values()
        .filter(|p| req.package_status.as_deref().is_none_or(|s| p.status == s))
        .filter(|p| req.create_time_ge.is_none_or(|t| p.create_time >= t))
        .filter(|p| req.create_time_lt.is_none_or(|t| p.create_time < t))
        .filter(|p| req.update_time_ge.is_none_or(|t| p.update_time >= t))
        .filter(|p| req.update_time_lt.is_none_or(|t| p.update_time < t))
        .collect();
    matches.sort_by(|a, b| {
        let key = |p: &Package| {
            if field == "update_time" {
                p.update_time
            } else {
                p.create_time
            }
        };
        key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id))
    });
    if desc {
        matches.reverse();
    }
    let total = matches.len();
    let (items, next) = page(matches, size, offset);
    let packages: Vec<Value> = items.iter().map(|p| package_json(st, p)).collect();
    Ok(json!({"packages": packages, "next_page_token": next, "total_count": total}))
}

#[derive(Deserialize, Default)]
struct ShippingInfoReq {
    tracking_number: Option<String>,
    shipping_provider_id: Option<String>,
}

fn update_shipping_info(tt: &TikTok, ctx: &Ctx<'_>, package_id: &str) -> Result<Value, ApiError> {
    let req: ShippingInfoReq = ctx.json(e::F_INVALID_PARAM)?;
    let mut st = lock(&tt.state);
    let Some(p) = st.packages.get(package_id) else {
        return Err(bad(
            e::F_PACKAGE_NOT_FOUND,
            format!("Package '{package_id}' does not exist in this shop."),
        ));
    };
    if p.shipping_type != "SELLER" {
        return Err(bad(
            e::F_NOT_SELLER_SHIPPING,
            "Only seller-shipped packages can have their shipping info updated.",
        ));
    }
    if p.status != "PROCESSING" && p.status != "FULFILLING" {
        return Err(bad(
            e::F_STATUS,
            format!(
                "Package '{package_id}' is {}; shipping info can no longer be changed.",
                p.status
            ),
        ));
    }
    let (provider_id, provider_name) = check_shipping_info(
        &st,
        &p.delivery_option_id,
        req.tracking_number.as_deref(),
        req.shipping_provider_id.as_deref(),
    )?;
    let now = now_secs();
    if let Some(p) = st.packages.get_mut(package_id) {
        p.tracking_number = req.tracking_number.unwrap_or_default();
        p.shipping_provider_id = provider_id;
        p.shipping_provider_name = provider_name;
        p.update_time = now;
    }
    events::emit_package_update(tt, &mut st, &[package_id.to_string()]);
    Ok(json!({}))
}

pub(crate) fn update_package_shipping_info(
    tt: &TikTok,
    ctx: &Ctx<'_>,
    package_id: &str,
) -> Result<Value, ApiError> {
    update_shipping_info(tt, ctx, package_id)
}

pub(crate) fn update_order_shipping_info(
    tt: &TikTok,
    ctx: &Ctx<'_>,
    order_id: &str,
) -> Result<Value, ApiError> {
    let package_id = {
        let st = lock(&tt.state);
        let Some(o) = st.orders.get(order_id) else {
            return Err(bad(
                e::F_ORDER_NOT_FOUND,
                format!("Order '{order_id}' does not exist in this shop."),
            ));
        };
        match o.packages.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(bad(
                    e::F_STATUS,
                    format!(
                        "Order '{order_id}' has not been shipped yet; mark it as shipped first."
                    ),
                ));
            }
            _ => {
                return Err(bad(
                    e::F_INVALID_PARAM,
                    format!(
                        "Order '{order_id}' has several packages; update each with /fulfillment/202309/packages/{{package_id}}/shipping_info/update."
                    ),
                ));
            }
        }
    };
    update_shipping_info(tt, ctx, &package_id)
}

// ---------------------------------------------------------------------------------------------
// Cancellations

pub(crate) fn cancellation_json(st: &State, c: &Cancellation) -> Value {
    let order = st.orders.get(&c.order_id);
    let items: Vec<Value> = order
        .map(|o| {
            o.line_items
                .iter()
                .filter(|li| c.line_item_ids.contains(&li.id))
                .map(|li| {
                    json!({
                        "cancel_line_item_id": format!("{}{}", c.id, &li.id[li.id.len().saturating_sub(4)..]),
                        "order_line_item_id": li.id, "sku_id": li.sku_id, "seller_sku": li.seller_sku,
                        "product_name": li.product_name, "sku_name": li.sku_name,
                        "refund_amount": {"currency": st.shop.currency, "refund_total": money(li.sale_price())},
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "cancel_id": c.id,
        "order_id": c.order_id,
        "cancel_type": c.cancel_type,
        "cancel_status": c.status,
        "role": c.role,
        "cancel_reason": c.reason,
        "cancel_reason_text": c.reason_text,
        "create_time": c.create_time,
        "update_time": c.update_time,
        "seller_next_action_response": match c.respond_deadline {
            Some(deadline) if c.status == "CANCELLATION_REQUEST_PENDING" => {
                json!([{"action": "SELLER_RESPOND_CANCEL", "deadline": deadline}])
            }
            _ => json!([]),
        },
        "refund_amount": {"currency": st.shop.currency, "refund_total": money(c.refund_amount), "refund_subtotal": money(c.refund_amount), "shipping_fee": "0.00", "tax": "0.00"},
        "cancel_line_items": items,
        "should_replenish_stock": true,
    })
}

#[derive(Deserialize, Default)]
struct CancelSearchReq {
    cancel_ids: Option<Vec<String>>,
    order_ids: Option<Vec<String>>,
    buyer_user_ids: Option<Vec<String>>,
    cancel_types: Option<Vec<String>>,
    cancel_status: Option<Vec<String>>,
    create_time_ge: Option<i64>,
    create_time_lt: Option<i64>,
    update_time_ge: Option<i64>,
    update_time_lt: Option<i64>,
    #[allow(dead_code)]
    locale: Option<String>,
}

pub(crate) fn search_cancellations(st: &State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let (size, offset) = ctx.paging(e::O_INVALID_PARAM, 50)?;
    let (field, desc) = sort_params(ctx, e::O_INVALID_PARAM)?;
    let req: CancelSearchReq = ctx.json(e::O_INVALID_PARAM)?;
    let types = req.cancel_types.unwrap_or_default();
    if let Some(t) = types
        .iter()
        .find(|t| !["CANCEL", "BUYER_CANCEL"].contains(&t.as_str()))
    {
        return Err(bad(
            e::O_INVALID_PARAM,
            format!(
                "Invalid parameter: 'cancel_types' value '{t}'; expected CANCEL or BUYER_CANCEL."
            ),
        ));
    }
    let statuses = req.cancel_status.unwrap_or_default();
    if let Some(s) = statuses
        .iter()
        .find(|s| !CANCEL_STATUSES.contains(&s.as_str()))
    {
        return Err(bad(
            e::O_INVALID_PARAM,
            format!(
                "Invalid parameter: 'cancel_status' value '{s}'; expected one of {CANCEL_STATUSES:?}."
            ),
        ));
    }
    let cancel_ids = req.cancel_ids.unwrap_or_default();
    let order_ids = req.order_ids.unwrap_or_default();
    let buyers = req.buyer_user_ids.unwrap_or_default();
    let mut matches: Vec<&Cancellation> = st
        .cancellations
        .values()
        .filter(|c| cancel_ids.is_empty() || cancel_ids.contains(&c.id))
        .filter(|c| order_ids.is_empty() || order_ids.contains(&c.order_id))
        .filter(|c| {
            buyers.is_empty()
                || st
                    .orders
                    .get(&c.order_id)
                    .is_some_and(|o| buyers.contains(&o.user_id))
        })
        .filter(|c| types.is_empty() || types.contains(&c.cancel_type))
        .filter(|c| statuses.is_empty() || statuses.contains(&c.status))
        .filter(|c| req.create_time_ge.is_none_or(|t| c.create_time >= t))
        .filter(|c| req.create_time_lt.is_none_or(|t| c.create_time < t))
        .filter(|c| req.update_time_ge.is_none_or(|t| c.update_time >= t))
        .filter(|c| req.update_time_lt.is_none_or(|t| c.update_time < t))
        .collect();
    matches.sort_by(|a, b| {
        let key = |c: &Cancellation| {
            if field == "update_time" {
                c.update_time
            } else {
                c.create_time
            }
        };
        key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id))
    });
    if desc {
        matches.reverse();
    }
    let total = matches.len();
    let (items, next) = page(matches, size, offset);
    let list: Vec<Value> = items.iter().map(|c| cancellation_json(st, c)).collect();
    Ok(json!({"cancellations": list, "next_page_token": next, "total_count": total}))
}

#[derive(Deserialize, Default)]
struct SellerCancelReq {
    order_id: Option<String>,
    cancel_reason: Option<String>,
    skus: Option<Vec<CancelSku>>,
    order_line_item_ids: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct CancelSku {
    sku_id: Option<String>,
    quantity: Option<i64>,
}

pub(crate) fn seller_cancel(tt: &TikTok, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let req: SellerCancelReq = ctx.json(e::O_INVALID_PARAM)?;
    let mut st = lock(&tt.state);
    let order_id = req.order_id.unwrap_or_default();
    let Some(o) = st.orders.get(&order_id) else {
        return Err(bad(
            e::O_NOT_FOUND,
            format!("Order '{order_id}' does not exist in this shop."),
        ));
    };
    let reason = req.cancel_reason.unwrap_or_default();
    let Some((_, reason_text)) = SELLER_CANCEL_REASONS.iter().find(|(c, _)| *c == reason) else {
        let codes: Vec<&str> = SELLER_CANCEL_REASONS.iter().map(|(c, _)| *c).collect();
        return Err(bad(
            e::C_REASON,
            format!(
                "Invalid parameter: 'cancel_reason' '{reason}' is not a seller cancel reason code; expected one of {codes:?}."
            ),
        ));
    };
    if !["UNPAID", "ON_HOLD", "AWAITING_SHIPMENT"].contains(&o.status.as_str()) {
        return Err(bad(
            e::C_NOT_ALLOWED,
            format!(
                "Order '{order_id}' is {}; the seller can only cancel before anything has shipped.",
                o.status
            ),
        ));
    }
    if st
        .cancellations
        .values()
        .any(|c| c.order_id == order_id && c.status == "CANCELLATION_REQUEST_PENDING")
    {
        return Err(bad(
            e::C_NOT_ALLOWED,
            format!(
                "Order '{order_id}' has a pending buyer cancellation request; approve or reject it instead."
            ),
        ));
    }
    let open: Vec<&LineItem> = o.line_items.iter().filter(|li| !li.cancelled).collect();
    let ids: Vec<String> = if let Some(ids) = req.order_line_item_ids.filter(|v| !v.is_empty()) {
        for id in &ids {
            if !open.iter().any(|li| &li.id == id) {
                return Err(bad(
                    e::O_INVALID_PARAM,
                    format!("Line item '{id}' is not an open line item of order '{order_id}'."),
                ));
            }
        }
        ids
    } else if let Some(skus) = req.skus.filter(|v| !v.is_empty()) {
        let mut ids = Vec::new();
        for s in skus {
            let sku_id = s.sku_id.unwrap_or_default();
            let qty = usize::try_from(s.quantity.unwrap_or(0)).unwrap_or(0);
            let candidates: Vec<String> = open
                .iter()
                .filter(|li| li.sku_id == sku_id && !ids.contains(&li.id))
                .map(|li| li.id.clone())
                .collect();
            if qty == 0 || candidates.len() < qty {
                return Err(bad(
                    e::O_INVALID_PARAM,
                    format!(
                        "Invalid parameter: order '{order_id}' has {} open unit(s) of SKU '{sku_id}', cannot cancel {qty}.",
                        candidates.len()
                    ),
                ));
            }
            ids.extend(candidates.into_iter().take(qty));
        }
        ids
    } else {
        open.iter().map(|li| li.id.clone()).collect()
    };
    let reason_text = (*reason_text).to_string();
    let cancel_id = cancel_items(
        tt,
        &mut st,
        &order_id,
        &ids,
        "SELLER",
        "CANCEL",
        &reason,
        &reason_text,
    );
    Ok(json!({"cancel_id": cancel_id, "cancel_status": "CANCELLATION_REQUEST_COMPLETE"}))
}

/// Cancels `ids` of an order (restocking them), records a completed cancellation and fires the
/// cancellation and (if the order's status changed) order status webhooks.
#[allow(clippy::too_many_arguments)]
pub(crate) fn cancel_items(
    tt: &TikTok,
    st: &mut State,
    order_id: &str,
    ids: &[String],
    role: &str,
    cancel_type: &str,
    reason: &str,
    reason_text: &str,
) -> String {
    let now = now_secs();
    let cancel_id = st.ids.next_id();
    let (refund, status_changed) = cancel_lines(st, order_id, ids, role, reason_text);
    st.cancellations.insert(
        cancel_id.clone(),
        Cancellation {
            id: cancel_id.clone(),
            order_id: order_id.to_string(),
            cancel_type: cancel_type.to_string(),
            status: "CANCELLATION_REQUEST_COMPLETE".to_string(),
            role: role.to_string(),
            reason: reason.to_string(),
            reason_text: reason_text.to_string(),
            line_item_ids: ids.to_vec(),
            refund_amount: refund,
            create_time: now,
            update_time: now,
            respond_deadline: None,
        },
    );
    emit_cancellation(tt, st, &cancel_id, "CANCELLATION_REQUEST_COMPLETE");
    if status_changed {
        emit_order_status(tt, st, order_id);
    }
    cancel_id
}

/// Fires CANCELLATION_STATUS_CHANGE (type 11) for a cancellation with `webhook_status` (the
/// webhook spells the withdrawn/rejected state `CANCELLATION_REQUEST_CANCELLED`).
pub(crate) fn emit_cancellation(
    tt: &TikTok,
    st: &mut State,
    cancel_id: &str,
    webhook_status: &str,
) {
    let Some(c) = st.cancellations.get(cancel_id) else {
        return;
    };
    let data = json!({"order_id": c.order_id, "cancellations_role": c.role, "cancel_status": webhook_status, "cancel_id": c.id, "create_time": c.create_time});
    events::emit(tt, st, "CANCELLATION_STATUS_CHANGE", data);
}

/// Cancels line items `ids` of an order and restocks them (seller-fulfilled orders). The order
/// becomes CANCELLED when every item is cancelled, or AWAITING_COLLECTION when a partially
/// shipped order has nothing left to ship. Returns (refund = Σ sale_price, status changed).
pub(crate) fn cancel_lines(
    st: &mut State,
    order_id: &str,
    ids: &[String],
    role: &str,
    reason_text: &str,
) -> (Decimal, bool) {
    let now = now_secs();
    let mut refund = Decimal::ZERO;
    let mut restock: Vec<(String, String, String)> = Vec::new();
    let mut status_changed = false;
    if let Some(o) = st.orders.get_mut(order_id) {
        for li in o.line_items.iter_mut().filter(|li| ids.contains(&li.id)) {
            li.cancelled = true;
            li.cancel_user = role.to_string();
            refund += li.sale_price();
            restock.push((
                li.product_id.clone(),
                li.sku_id.clone(),
                li.warehouse_id.clone(),
            ));
        }
        if o.line_items.iter().all(|li| li.cancelled) {
            o.status = "CANCELLED".to_string();
            o.cancel_reason = reason_text.to_string();
            o.cancellation_initiator = role.to_string();
            status_changed = true;
        } else if o.status == "PARTIALLY_SHIPPING"
            && o.line_items
                .iter()
                .all(|li| li.cancelled || li.package_id.is_some())
        {
            o.status = "AWAITING_COLLECTION".to_string();
            status_changed = true;
        }
        o.is_buyer_request_cancel = false;
        o.update_time = now;
    }
    if st
        .orders
        .get(order_id)
        .is_some_and(|o| o.fulfillment_type == "FULFILLMENT_BY_SELLER")
    {
        for (pid, sid, wid) in restock {
            if let Some(sku) = st
                .products
                .get_mut(&pid)
                .and_then(|p| p.skus.iter_mut().find(|s| s.id == sid))
                && let Some(slot) = sku.inventory.iter_mut().find(|(w, _)| *w == wid)
            {
                slot.1 += 1;
            }
        }
    }
    (refund, status_changed)
}

/// Fires ORDER_STATUS_CHANGE with the order's current status (`CANCELLED` is sent as `CANCEL`).
pub(crate) fn emit_order_status(tt: &TikTok, st: &mut State, order_id: &str) {
    let Some(o) = st.orders.get(order_id) else {
        return;
    };
    let status = if o.status == "CANCELLED" {
        "CANCEL".to_string()
    } else {
        o.status.clone()
    };
    let data = json!({"order_id": o.id, "order_status": status, "is_on_hold_order": o.status == "ON_HOLD", "update_time": o.update_time});
    events::emit(tt, st, "ORDER_STATUS_CHANGE", data);
}

// ---------------------------------------------------------------------------------------------
// Control helpers

#[derive(Deserialize)]
pub(crate) struct NewOrderLine {
    pub(crate) seller_sku: String,
    pub(crate) quantity: u32,
}

#[derive(Deserialize)]
pub(crate) struct NewOrder {
    pub(crate) lines: Vec<NewOrderLine>,
    pub(crate) status: Option<String>,
    pub(crate) shipping_type: Option<String>,
    pub(crate) fulfillment_type: Option<String>,
    /// `STANDARD` (default) or `EXPRESS` (sandbox extension).
    pub(crate) delivery_option: Option<String>,
    /// Order-level seller discount (decimal string, default 0), spread over the units.
    pub(crate) seller_discount: Option<String>,
    /// Order-level platform discount (decimal string, default 0), spread over the units.
    pub(crate) platform_discount: Option<String>,
    /// What the buyer pays for shipping (default 0: free shipping paid by the platform).
    pub(crate) shipping_fee: Option<String>,
    /// Order tax (default: 8% of the sub total).
    pub(crate) tax: Option<String>,
    /// Return the buyer masked, as TikTok does for privacy-protected orders.
    #[serde(default)]
    pub(crate) masked_buyer: bool,
}

/// A non-negative amount with at most two decimals.
fn parse_amount(field: &str, raw: Option<&str>) -> Result<Option<Decimal>, String> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    match raw.trim().parse::<Decimal>() {
        Ok(d) if d >= Decimal::ZERO && d.scale() <= 2 => Ok(Some(d)),
        _ => Err(format!(
            "{field} must be a non-negative decimal string with at most 2 decimals, got '{raw}'"
        )),
    }
}

/// Spreads `total` over units in proportion to `weights`, each share rounded to cents and the
/// rounding remainder on the last unit.
fn allocate(total: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
    let sum: Decimal = weights.iter().sum();
    let mut used = Decimal::ZERO;
    let mut out = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let share = if i + 1 == weights.len() {
            total - used
        } else if sum.is_zero() {
            Decimal::ZERO
        } else {
            (total * w / sum).round_dp(2)
        };
        used += share;
        out.push(share);
    }
    out
}

const FIRST_NAMES: &[&str] = &[
    "Jane", "Omar", "Lucia", "Wei", "Priya", "Marcus", "Ana", "Tom",
];
const LAST_NAMES: &[&str] = &[
    "Doe", "Haddad", "Romero", "Chen", "Patel", "Johnson", "Silva", "Baker",
];

/// Places a buyer order (control API). Errors are messages for a 400/404 reply.
pub(crate) fn place_order(tt: &TikTok, req: NewOrder) -> Result<String, String> {
    let mut st = lock(&tt.state);
    if req.lines.is_empty() {
        return Err("lines must not be empty".to_string());
    }
    let status = req
        .status
        .unwrap_or_else(|| "AWAITING_SHIPMENT".to_string());
    if !["AWAITING_SHIPMENT", "UNPAID", "ON_HOLD"].contains(&status.as_str()) {
        return Err(format!(
            "status must be AWAITING_SHIPMENT, UNPAID or ON_HOLD, got {status}"
        ));
    }
    let fulfillment_type = req
        .fulfillment_type
        .unwrap_or_else(|| "FULFILLMENT_BY_SELLER".to_string());
    if !["FULFILLMENT_BY_SELLER", "FULFILLMENT_BY_TIKTOK"].contains(&fulfillment_type.as_str()) {
        return Err(format!(
            "fulfillment_type must be FULFILLMENT_BY_SELLER or FULFILLMENT_BY_TIKTOK, got {fulfillment_type}"
        ));
    }
    let fbt = fulfillment_type == "FULFILLMENT_BY_TIKTOK";
    let shipping_type = req
        .shipping_type
        .unwrap_or_else(|| if fbt { "TIKTOK" } else { "SELLER" }.to_string());
    if !["SELLER", "TIKTOK"].contains(&shipping_type.as_str()) {
        return Err(format!(
            "shipping_type must be SELLER or TIKTOK, got {shipping_type}"
        ));
    }
    if fbt && shipping_type == "SELLER" {
        return Err(
            "FULFILLMENT_BY_TIKTOK orders are shipped by TikTok (shipping_type TIKTOK)".to_string(),
        );
    }
    let option_kind = req
        .delivery_option
        .unwrap_or_else(|| "STANDARD".to_string());
    let seller_discount =
        parse_amount("seller_discount", req.seller_discount.as_deref())?.unwrap_or_default();
    let platform_discount =
        parse_amount("platform_discount", req.platform_discount.as_deref())?.unwrap_or_default();
    let shipping_fee =
        parse_amount("shipping_fee", req.shipping_fee.as_deref())?.unwrap_or_default();
    let tax = parse_amount("tax", req.tax.as_deref())?;

    // Validate every line and plan the stock allocation before changing anything.
    let mut plan: Vec<(String, usize, String, Vec<String>)> = Vec::new(); // product, sku idx, name, warehouses per unit
    for line in &req.lines {
        if line.quantity == 0 {
            return Err(format!(
                "quantity for {} must be at least 1",
                line.seller_sku
            ));
        }
        let Some((p, idx)) = st.find_seller_sku(&line.seller_sku) else {
            return Err(format!(
                "seller_sku {} is not on any TikTok product",
                line.seller_sku
            ));
        };
        if p.status != "ACTIVATE" {
            return Err(format!(
                "product {} with seller_sku {} is {}, buyers can only order ACTIVATE products (approve it via POST /_sandbox/products/{}/review)",
                p.id, line.seller_sku, p.status, p.id
            ));
        }
        let sku = &p.skus[idx];
        let mut units = Vec::new();
        if fbt {
            let w = sku
                .inventory
                .first()
                .map(|(w, _)| w.clone())
                .unwrap_or_default();
            units.resize(line.quantity as usize, w);
        } else {
            let already: usize = plan
                .iter()
                .filter(|(pid, i, _, _)| *pid == p.id && *i == idx)
                .map(|(_, _, _, u)| u.len())
                .sum();
            let mut stock: Vec<(String, i64)> = sku.inventory.clone();
            let mut skip = already;
            for slot in &mut stock {
                let take = i64::try_from(skip).unwrap_or(i64::MAX).min(slot.1);
                slot.1 -= take;
                skip -= usize::try_from(take).unwrap_or(0);
            }
            for _ in 0..line.quantity {
                let Some(slot) = stock.iter_mut().find(|(_, q)| *q > 0) else {
                    return Err(format!(
                        "seller_sku {} has only {} in stock on TikTok, cannot order {}",
                        line.seller_sku,
                        sku.available(),
                        line.quantity
                    ));
                };
                slot.1 -= 1;
                units.push(slot.0.clone());
            }
        }
        plan.push((p.id.clone(), idx, p.title.clone(), units));
    }

    let now = now_secs();
    let order_id = st.ids.next_id();
    let warehouse_id = plan
        .first()
        .and_then(|(_, _, _, u)| u.first().cloned())
        .or_else(|| st.sales_warehouses().next().map(|w| w.id.clone()))
        .unwrap_or_default();
    let (delivery_option_id, delivery_option_name) = st
        .delivery_options
        .iter()
        .find(|d| d.warehouse_id == warehouse_id && d.kind == option_kind)
        .map(|d| (d.id.clone(), d.name.to_string()))
        .ok_or_else(|| format!("delivery_option must be STANDARD or EXPRESS, got {option_kind}"))?;

    let mut line_items = Vec::new();
    for (pid, idx, title, units) in &plan {
        for wid in units {
            let li_id = st.ids.next_id();
            let p = &st.products[pid];
            let sku = &p.skus[*idx];
            line_items.push(LineItem {
                id: li_id,
                product_id: pid.clone(),
                sku_id: sku.id.clone(),
                seller_sku: sku.seller_sku.clone(),
                product_name: title.clone(),
                sku_name: sku.name(),
                price: sku.price,
                seller_discount: Decimal::ZERO,
                platform_discount: Decimal::ZERO,
                warehouse_id: wid.clone(),
                package_id: None,
                cancelled: false,
                cancel_user: String::new(),
            });
        }
        if !fbt && let Some(sku) = st.products.get_mut(pid).map(|p| &mut p.skus[*idx]) {
            for wid in units {
                if let Some(slot) = sku.inventory.iter_mut().find(|(w, _)| w == wid) {
                    slot.1 -= 1;
                }
            }
        }
    }

    let originals: Vec<Decimal> = line_items.iter().map(|li| li.price).collect();
    let original_total: Decimal = originals.iter().sum();
    if seller_discount + platform_discount > original_total {
        return Err(format!(
            "seller_discount + platform_discount ({}) exceed the original product total ({})",
            money(seller_discount + platform_discount),
            money(original_total)
        ));
    }
    let seller_shares = allocate(seller_discount, &originals);
    let platform_shares = allocate(platform_discount, &originals);
    for ((li, sd), pd) in line_items
        .iter_mut()
        .zip(seller_shares)
        .zip(platform_shares)
    {
        li.seller_discount = sd;
        li.platform_discount = pd;
    }
    if line_items.iter().any(|li| li.sale_price() < Decimal::ZERO) {
        return Err("the discounts leave a unit with a negative sale price".to_string());
    }
    let sub_total: Decimal = line_items.iter().map(LineItem::sale_price).sum();
    let tax = tax.unwrap_or_else(|| (sub_total * Decimal::new(8, 2)).round_dp(2));

    let n = st.orders.len();
    let sample = &st.shop.market.sample;
    let (city, state, zip) = sample
        .buyers
        .get(n % sample.buyers.len().max(1))
        .cloned()
        .unwrap_or_default();
    let buyer = Buyer {
        first_name: FIRST_NAMES[n % FIRST_NAMES.len()].to_string(),
        last_name: LAST_NAMES[(n / 2) % LAST_NAMES.len()].to_string(),
        phone: format!("{}{:04}", sample.phone_prefix, 100 + n % 9000),
        address_line1: format!("{} {}", 100 + n, sample.street),
        city,
        state,
        postal_code: zip,
    };
    let user_id = st.ids.next_id();
    let email_key = st.ids.hex(6);
    st.orders.insert(
        order_id.clone(),
        Order {
            id: order_id.clone(),
            status,
            fulfillment_type,
            shipping_type,
            delivery_option_id,
            delivery_option_name,
            warehouse_id,
            create_time: now,
            paid_time: None,
            update_time: now,
            user_id,
            buyer_email: format!("v2_{email_key}@scs.tiktokw.us"),
            buyer,
            line_items,
            packages: Vec::new(),
            cancel_reason: String::new(),
            cancellation_initiator: String::new(),
            is_buyer_request_cancel: false,
            shipping_fee,
            tax,
            masked_buyer: req.masked_buyer,
        },
    );
    if let Some(o) = st.orders.get_mut(&order_id)
        && o.status != "UNPAID"
    {
        o.paid_time = Some(now);
    }
    emit_order_status(tt, &mut st, &order_id);
    Ok(order_id)
}

/// Moves an order to `status` (control API) with the side effects a real transition has.
pub(crate) fn set_status(
    tt: &TikTok,
    order_id: &str,
    status: &str,
) -> Result<Value, (u16, String)> {
    let mut st = lock(&tt.state);
    if !ORDER_STATUSES.contains(&status) {
        return Err((
            400,
            format!("status must be one of {ORDER_STATUSES:?}, got {status}"),
        ));
    }
    let Some(o) = st.orders.get(order_id) else {
        return Err((404, format!("order {order_id} not found")));
    };
    if o.status == "CANCELLED" {
        return Err((
            409,
            format!("order {order_id} is CANCELLED, which is final"),
        ));
    }
    if status == "CANCELLED" {
        let ids: Vec<String> = o
            .line_items
            .iter()
            .filter(|li| !li.cancelled && li.package_id.is_none())
            .map(|li| li.id.clone())
            .collect();
        if o.line_items.iter().any(|li| li.package_id.is_some()) {
            return Err((
                409,
                format!("order {order_id} has shipped packages and cannot be cancelled"),
            ));
        }
        let cancel_type = if o.status == "UNPAID" || o.status == "ON_HOLD" {
            "CANCEL"
        } else {
            "BUYER_CANCEL"
        };
        cancel_items(
            tt,
            &mut st,
            order_id,
            &ids,
            "BUYER",
            cancel_type,
            "buyer_cancel_reason_changed_mind",
            "Buyer changed their mind",
        );
        let o = &st.orders[order_id];
        return Ok(order_json(&st, o));
    }
    let now = now_secs();
    let tiktok_shipped = o.shipping_type != "SELLER";
    let delivery_option_id = o.delivery_option_id.clone();
    let unpackaged: Vec<String> = o
        .line_items
        .iter()
        .filter(|li| !li.cancelled && li.package_id.is_none())
        .map(|li| li.id.clone())
        .collect();
    let shipping_stage = [
        "AWAITING_COLLECTION",
        "IN_TRANSIT",
        "DELIVERED",
        "COMPLETED",
    ]
    .contains(&status);
    // Packages whose tracking or status this change sets (PACKAGE_UPDATE).
    let mut changed_packages: Vec<String> = Vec::new();
    // TikTok-shipped orders get a TikTok label (package + tracking) when they ship.
    if tiktok_shipped && shipping_stage && !unpackaged.is_empty() {
        let provider = st
            .delivery_options
            .iter()
            .find(|d| d.id == delivery_option_id)
            .and_then(|d| d.provider_ids.first().cloned())
            .unwrap_or_default();
        let provider_name = st
            .provider(&provider)
            .map(|p| p.name.to_string())
            .unwrap_or_default();
        let package_id = st.ids.next_id();
        let tracking = format!("9400{}", &st.ids.next_id()[..16]);
        st.packages.insert(
            package_id.clone(),
            Package {
                id: package_id.clone(),
                order_id: order_id.to_string(),
                line_item_ids: unpackaged.clone(),
                status: "PROCESSING".to_string(),
                tracking_number: tracking,
                shipping_provider_id: provider,
                shipping_provider_name: provider_name,
                delivery_option_id,
                shipping_type: "TIKTOK".to_string(),
                create_time: now,
                update_time: now,
            },
        );
        if let Some(o) = st.orders.get_mut(order_id) {
            for li in o
                .line_items
                .iter_mut()
                .filter(|li| unpackaged.contains(&li.id))
            {
                li.package_id = Some(package_id.clone());
            }
            o.packages.push(package_id.clone());
        }
        changed_packages.push(package_id);
    }
    let package_status = match status {
        "IN_TRANSIT" => Some("FULFILLING"),
        "DELIVERED" | "COMPLETED" => Some("COMPLETED"),
        _ => None,
    };
    let package_ids = st.orders[order_id].packages.clone();
    if let Some(ps) = package_status {
        for pid in &package_ids {
            if let Some(p) = st.packages.get_mut(pid)
                && p.status != ps
            {
                p.status = ps.to_string();
                p.update_time = now;
                if !changed_packages.contains(pid) {
                    changed_packages.push(pid.clone());
                }
            }
        }
    }
    if let Some(o) = st.orders.get_mut(order_id) {
        if o.paid_time.is_none() && status != "UNPAID" {
            o.paid_time = Some(now);
        }
        o.status = status.to_string();
        o.update_time = now;
    }
    emit_order_status(tt, &mut st, order_id);
    events::emit_package_update(tt, &mut st, &changed_packages);
    Ok(order_full(&st, order_id).unwrap_or(Value::Null))
}

/// Forward compatibility: the order moves to a status TikTok may add in a later API version
/// (any upper-case name not in today's list), as a client written against today's contract
/// would one day see it. Emits ORDER_STATUS_CHANGE like any status change.
pub(crate) fn set_later_version_status(
    tt: &TikTok,
    order_id: &str,
    status: &str,
) -> Result<Value, (u16, String)> {
    let well_formed =
        !status.is_empty() && status.chars().all(|c| c.is_ascii_uppercase() || c == '_');
    if !well_formed || ORDER_STATUSES.contains(&status) {
        return Err((
            400,
            format!(
                "a later-version status is an upper-case name not in {ORDER_STATUSES:?}, got {status}"
            ),
        ));
    }
    let mut st = lock(&tt.state);
    let Some(o) = st.orders.get_mut(order_id) else {
        return Err((404, format!("order {order_id} not found")));
    };
    o.status = status.to_owned();
    o.update_time = now_secs();
    emit_order_status(tt, &mut st, order_id);
    Ok(order_full(&st, order_id).unwrap_or(Value::Null))
}

/// The order as the API returns it, with `packages` expanded to full package objects.
pub(crate) fn order_full(st: &State, order_id: &str) -> Option<Value> {
    let o = st.orders.get(order_id)?;
    let mut v = order_json(st, o);
    v["packages"] = json!(
        o.packages
            .iter()
            .filter_map(|p| st.packages.get(p))
            .map(|p| package_json(st, p))
            .collect::<Vec<_>>()
    );
    v["cancellations"] = json!(
        st.cancellations
            .values()
            .filter(|c| c.order_id == order_id)
            .map(|c| cancellation_json(st, c))
            .collect::<Vec<_>>()
    );
    Some(v)
}
