//! Sales endpoints: orders (list, read, comments, cancel), invoice, ship and refund (credit
//! memo) an order, and the invoice, shipment and credit memo lists. State rules follow
//! `Magento\Sales`: `new` → `processing` once invoiced or shipped, `complete` when both are
//! done, `closed` when everything invoiced was refunded, `canceled` by cancel. MSI: placing
//! reserves stock, shipping deducts it from the source (and compensates the reservation),
//! cancelling and refunding unshipped items compensate the reservation, refunding shipped
//! items with `return_to_stock_items` puts them back on the source.

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::catalog::{Row, rows_search, unknown_column};
use super::input::Obj;
use super::model::{
    DocItem, Document, History, Order, State, Track, TypeId, address_json, mage_date, num,
};
use super::{ApiError, ApiResult, Ctx, Magento, path_id, state};
use crate::common::now_millis;

/// Order statuses Magento assigns to each state by default.
fn statuses_of(state: &str) -> &'static [&'static str] {
    match state {
        "new" => &["pending"],
        "processing" => &["processing", "fraud"],
        "complete" => &["complete"],
        "closed" => &["closed"],
        "canceled" => &["canceled"],
        "holded" => &["holded"],
        _ => &[],
    }
}

fn set_state(order: &mut Order, state: &str) {
    order.state = state.to_string();
    order.status = statuses_of(state)
        .first()
        .copied()
        .unwrap_or(state)
        .to_string();
}

/// `OrderStateResolver`: complete when nothing is left to invoice or ship, closed when
/// everything invoiced was refunded and nothing is left.
fn resolve_state(order: &mut Order) {
    if order.state == "canceled" {
        return;
    }
    let nothing_to_ship = order.top_items().all(|i| i.qty_to_ship().is_zero());
    let nothing_to_invoice = order.top_items().all(|i| i.qty_to_invoice().is_zero());
    let all_refunded = order.top_items().all(|i| i.qty_refunded >= i.qty_invoiced)
        && order.top_items().any(|i| !i.qty_refunded.is_zero());
    if nothing_to_ship && nothing_to_invoice {
        set_state(order, if all_refunded { "closed" } else { "complete" });
    } else if order.state == "new" {
        set_state(order, "processing");
    }
}

fn item_json(order: &Order, i: &super::model::OrderItem) -> Value {
    let row = i.price * i.qty_ordered;
    let mut v = json!({
        "item_id": i.item_id,
        "order_id": order.id,
        "quote_item_id": i.item_id,
        "product_id": i.product_id,
        "product_type": i.product_type.as_str(),
        "sku": i.sku,
        "name": i.name,
        "price": num(i.price),
        "base_price": num(i.price),
        "original_price": num(i.price),
        "price_incl_tax": num(i.price),
        "row_total": num(row),
        "base_row_total": num(row),
        "row_total_incl_tax": num(row),
        "qty_ordered": num(i.qty_ordered),
        "qty_invoiced": num(i.qty_invoiced),
        "qty_shipped": num(i.qty_shipped),
        "qty_canceled": num(i.qty_canceled),
        "qty_refunded": num(i.qty_refunded),
        "amount_refunded": num(i.price * i.qty_refunded),
        "discount_amount": 0,
        "tax_amount": 0,
        "tax_percent": 0,
        "is_virtual": 0,
        "is_qty_decimal": 0,
        "store_id": 1,
        "created_at": mage_date(order.created),
        "updated_at": mage_date(order.updated),
    });
    if let (Some(parent), Some(o)) = (i.parent_item_id, v.as_object_mut()) {
        o.insert("parent_item_id".into(), json!(parent));
    }
    v
}

fn history_json(order: &Order, h: &History) -> Value {
    json!({
        "entity_id": h.id,
        "parent_id": order.id,
        "comment": h.comment,
        "status": h.status,
        "entity_name": h.entity_name,
        "is_customer_notified": h.is_customer_notified,
        "is_visible_on_front": h.is_visible_on_front,
        "created_at": mage_date(h.created),
    })
}

/// The order as `OrderRepository` answers it (`status_histories` newest first).
pub(crate) fn order_json(order: &Order) -> Value {
    let subtotal = order.subtotal();
    let grand = order.grand_total();
    let due = grand - order.total_paid;
    let items: Vec<Value> = order.items.iter().map(|i| item_json(order, i)).collect();
    let mut histories: Vec<&History> = order.histories.iter().collect();
    histories.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
    let shipping_address = address_json(&order.shipping, "shipping", order.id * 2, order.id);
    json!({
        "entity_id": order.id,
        "increment_id": order.increment_id,
        "quote_id": order.quote_id,
        "protect_code": order.protect_code,
        "state": order.state,
        "status": (!order.status.is_empty()).then_some(&order.status),
        "store_id": 1,
        "store_name": "Main Website\nMain Website Store\nDefault Store View",
        "created_at": mage_date(order.created),
        "updated_at": mage_date(order.updated),
        "customer_email": order.customer_email,
        "customer_firstname": order.billing.firstname,
        "customer_lastname": order.billing.lastname,
        "customer_is_guest": 1,
        "customer_group_id": 0,
        "customer_note_notify": 1,
        "email_sent": 1,
        "is_virtual": 0,
        "base_currency_code": "USD",
        "global_currency_code": "USD",
        "order_currency_code": "USD",
        "store_currency_code": "USD",
        "subtotal": num(subtotal),
        "base_subtotal": num(subtotal),
        "subtotal_incl_tax": num(subtotal),
        "shipping_amount": num(order.shipping_amount),
        "base_shipping_amount": num(order.shipping_amount),
        "shipping_incl_tax": num(order.shipping_amount),
        "shipping_refunded": num(order.shipping_refunded),
        "base_shipping_refunded": num(order.shipping_refunded),
        "shipping_description": order.shipping_description,
        "discount_amount": 0,
        "tax_amount": 0,
        "grand_total": num(grand),
        "base_grand_total": num(grand),
        "total_paid": num(order.total_paid),
        "base_total_paid": num(order.total_paid),
        "total_refunded": num(order.total_refunded),
        "base_total_refunded": num(order.total_refunded),
        "total_due": num(due.max(Decimal::ZERO)),
        "base_total_due": num(due.max(Decimal::ZERO)),
        "total_item_count": order.items.len(),
        "total_qty_ordered": num(order.top_items().map(|i| i.qty_ordered).sum()),
        "weight": 0,
        "items": items,
        "billing_address": address_json(&order.billing, "billing", order.id * 2 - 1, order.id),
        "payment": {
            "entity_id": order.id,
            "parent_id": order.id,
            "method": order.payment_method,
            "po_number": order.po_number,
            "amount_ordered": num(grand),
            "base_amount_ordered": num(grand),
            "amount_paid": num(order.total_paid),
            "shipping_amount": num(order.shipping_amount),
            "account_status": null,
            "additional_information": [order.payment_title],
        },
        "status_histories": histories.iter().map(|h| history_json(order, h)).collect::<Vec<_>>(),
        "extension_attributes": {
            "shipping_assignments": [{
                "shipping": {
                    "address": shipping_address,
                    "method": order.shipping_method,
                    "total": {
                        "shipping_amount": num(order.shipping_amount),
                        "base_shipping_amount": num(order.shipping_amount),
                    },
                },
                "items": order.items.iter().map(|i| item_json(order, i)).collect::<Vec<_>>(),
            }],
            "payment_additional_info": [{"key": "method_title", "value": order.payment_title}],
            "applied_taxes": [],
            "item_applied_taxes": [],
        },
    })
}

fn order_row(order: &Order) -> Row {
    let mut fields = Map::new();
    let mut put = |k: &str, v: Value| {
        fields.insert(k.to_string(), v);
    };
    put("entity_id", json!(order.id));
    put("increment_id", json!(order.increment_id));
    put("quote_id", json!(order.quote_id));
    put("state", json!(order.state));
    put("status", json!(order.status));
    put("store_id", json!(1));
    put("created_at", json!(mage_date(order.created)));
    put("updated_at", json!(mage_date(order.updated)));
    put("customer_email", json!(order.customer_email));
    put("customer_firstname", json!(order.billing.firstname));
    put("customer_lastname", json!(order.billing.lastname));
    put("customer_is_guest", json!(1));
    put("customer_id", Value::Null);
    put("customer_note", Value::Null);
    put("ext_order_id", Value::Null);
    put("grand_total", num(order.grand_total()));
    put("base_grand_total", num(order.grand_total()));
    put("subtotal", num(order.subtotal()));
    put("total_paid", num(order.total_paid));
    put("total_refunded", num(order.total_refunded));
    put("shipping_method", json!(order.shipping_method));
    put("order_currency_code", json!("USD"));
    Row {
        json: order_json(order),
        fields,
    }
}

/// `GET /V1/orders?searchCriteria...`.
pub(crate) fn list(magento: &Magento, ctx: &Ctx) -> ApiResult {
    let rows: Vec<Row> = state(magento).orders.values().map(order_row).collect();
    rows_search(ctx, rows, unknown_column)
}

fn order_mut<'a>(st: &'a mut State, raw_id: &str) -> Result<&'a mut Order, ApiError> {
    let id = path_id(raw_id)?;
    st.orders.get_mut(&id).ok_or_else(ApiError::entity_missing)
}

/// `GET /V1/orders/:id`.
pub(crate) fn get(magento: &Magento, raw_id: &str) -> ApiResult {
    let mut st = state(magento);
    Ok(order_json(order_mut(&mut st, raw_id)?))
}

/// `GET /V1/orders/:id/comments`.
pub(crate) fn comments(magento: &Magento, raw_id: &str) -> ApiResult {
    let id = path_id(raw_id)?;
    let st = state(magento);
    let items: Vec<Value> = st
        .orders
        .get(&id)
        .map(|o| o.histories.iter().map(|h| history_json(o, h)).collect())
        .unwrap_or_default();
    let total = items.len();
    Ok(json!({
        "items": items,
        "search_criteria": {"filter_groups": [{"filters": [{"field": "parent_id", "value": id.to_string(), "condition_type": "eq"}]}]},
        "total_count": total,
    }))
}

/// `POST /V1/orders/:id/comments` `{"statusHistory": {...}}`: `Order::addStatusHistory()` sets
/// the order's status to the history's, so a comment without one leaves the order with none
/// (magento/magento2#34180); send the order's current status.
pub(crate) fn add_comment(magento: &Magento, ctx: &Ctx, raw_id: &str) -> ApiResult {
    let raw = Obj::param(&ctx.body, "statusHistory")
        .ok_or_else(|| ApiError::required("statusHistory"))?;
    let h = Obj::new(
        raw,
        &[
            "comment",
            "created_at",
            "entity_id",
            "entity_name",
            "is_customer_notified",
            "is_visible_on_front",
            "parent_id",
            "status",
            "extension_attributes",
        ],
    )?;
    let comment = h.str("comment")?.unwrap_or_default();
    let status = h.str("status")?;
    let notified = h.int("is_customer_notified")?;
    let visible = h.int("is_visible_on_front")?.unwrap_or(0);
    let entity_name = h.str("entity_name")?.unwrap_or_default();
    let mut st = state(magento);
    let history_id = st.next("history");
    let order = order_mut(&mut st, raw_id)?;
    let now = now_millis();
    order.status = status.clone().unwrap_or_default();
    order.histories.push(History {
        id: history_id,
        comment,
        status: status.unwrap_or_default(),
        entity_name,
        is_customer_notified: notified,
        is_visible_on_front: visible,
        created: now,
    });
    order.updated = now;
    Ok(json!(true))
}

/// `POST /V1/orders/:id/cancel`: `true`, or `false` when `Order::canCancel()` says no.
pub(crate) fn cancel(magento: &Magento, raw_id: &str) -> ApiResult {
    let mut st = state(magento);
    let order = order_mut(&mut st, raw_id)?;
    let blocked = matches!(
        order.state.as_str(),
        "canceled" | "complete" | "closed" | "holded" | "payment_review"
    );
    let all_invoiced = order.top_items().all(|i| i.qty_to_invoice().is_zero());
    if blocked || all_invoiced {
        return Ok(json!(false));
    }
    let mut compensate = Vec::new();
    for item in order.items.iter_mut() {
        let qty = item.qty_to_cancel();
        item.qty_canceled += qty;
        if item.parent_item_id.is_none() {
            compensate.push((item.sku.clone(), qty));
        }
    }
    set_state(order, "canceled");
    order.updated = now_millis();
    for (sku, qty) in compensate {
        st.reserve(&sku, qty);
    }
    Ok(json!(true))
}

/// `items` of an invoice, shipment or credit memo: `(order_item_id, qty)`; empty = all.
fn doc_items(obj: &Obj, extra: &[&str]) -> Result<Vec<(u64, Decimal)>, ApiError> {
    let mut allowed = vec!["order_item_id", "qty", "extension_attributes"];
    allowed.extend_from_slice(extra);
    obj.list("items")?
        .iter()
        .map(|v| {
            let i = Obj::new(v, &allowed)?;
            let id = i.int("order_item_id")?.unwrap_or(0);
            let qty = i.float("qty")?.unwrap_or(Decimal::ZERO);
            Ok((u64::try_from(id).unwrap_or(0), qty))
        })
        .collect()
}

/// The method parameters of a document call (other top-level keys are ignored, as Magento
/// does); the boolean flags must be booleans.
fn body_obj(ctx: &Ctx, allowed: &[&str]) -> Result<Obj, ApiError> {
    let mut snake = Map::new();
    for (k, v) in &ctx.body {
        let key = super::input::snake(k);
        if allowed.contains(&key.as_str()) {
            snake.insert(key, v.clone());
        }
    }
    let obj = Obj(snake);
    for flag in ["capture", "notify", "append_comment"] {
        obj.bool(flag)?;
    }
    Ok(obj)
}

/// Quantities per top-level item: those asked for, or everything still open.
fn resolve_qtys(
    order: &Order,
    asked: &[(u64, Decimal)],
    open: impl Fn(&super::model::OrderItem) -> Decimal,
) -> Vec<(u64, Decimal)> {
    if asked.is_empty() {
        order
            .top_items()
            .map(|i| (i.item_id, open(i)))
            .filter(|(_, q)| !q.is_zero())
            .collect()
    } else {
        asked.to_vec()
    }
}

fn validation(kind: &str, messages: &[String]) -> ApiError {
    ApiError::bad_request(format!(
        "{kind} Document Validation Error(s):\n{}",
        messages.join("\n")
    ))
}

fn new_document(
    st: &mut State,
    sequence: &'static str,
    order_id: u64,
    qtys: &[(u64, Decimal)],
) -> Document {
    let id = st.next(sequence);
    let now = now_millis();
    let items = qtys
        .iter()
        .map(|(item, qty)| DocItem {
            entity_id: st.next("doc_item"),
            order_item_id: *item,
            qty: *qty,
        })
        .collect();
    Document {
        id,
        increment_id: format!("{id:09}"),
        order_id,
        items,
        tracks: Vec::new(),
        source_code: None,
        grand_total: Decimal::ZERO,
        created: now,
        updated: now,
    }
}

/// Applies `qty` to a top-level item and its configurable child.
fn each_line(order: &mut Order, item_id: u64, mut apply: impl FnMut(&mut super::model::OrderItem)) {
    for i in order.items.iter_mut() {
        if i.item_id == item_id || i.parent_item_id == Some(item_id) {
            apply(i);
        }
    }
}

/// `POST /V1/order/:orderId/invoice` → invoice id.
pub(crate) fn invoice(magento: &Magento, ctx: &Ctx, raw_id: &str) -> ApiResult {
    let body = body_obj(
        ctx,
        &[
            "capture",
            "items",
            "notify",
            "append_comment",
            "comment",
            "arguments",
        ],
    )?;
    let asked = doc_items(&body, &[])?;
    let mut st = state(magento);
    let order = order_mut(&mut st, raw_id)?.clone();
    let blocked = matches!(
        order.state.as_str(),
        "payment_review" | "holded" | "canceled" | "complete" | "closed"
    );
    if blocked || order.top_items().all(|i| i.qty_to_invoice().is_zero()) {
        return Err(validation(
            "Invoice",
            &[format!(
                "An invoice cannot be created when an order has a status of {}.",
                order.status
            )],
        ));
    }
    let qtys = resolve_qtys(&order, &asked, |i| i.qty_to_invoice());
    let mut problems = Vec::new();
    for (item_id, qty) in &qtys {
        match order.item(*item_id) {
            None => problems.push(format!(
                "The invoice can't be created without products. Add products and try again. (item {item_id})"
            )),
            Some(i) if *qty > i.qty_to_invoice() => problems.push(format!(
                "The quantity to invoice must not be greater than the uninvoiced quantity for product SKU \"{}\".",
                i.sku
            )),
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Err(validation("Invoice", &problems));
    }
    let mut doc = new_document(&mut st, "invoice", order.id, &qtys);
    let Some(order) = st.orders.get_mut(&order.id) else {
        return Err(ApiError::entity_missing());
    };
    let mut paid = Decimal::ZERO;
    for (item_id, qty) in &qtys {
        if let Some(i) = order.item(*item_id) {
            paid += i.price * qty;
        }
        each_line(order, *item_id, |i| i.qty_invoiced += *qty);
    }
    if order.total_paid.is_zero() {
        paid += order.shipping_amount;
    }
    order.total_paid += paid;
    doc.grand_total = paid;
    resolve_state(order);
    order.updated = now_millis();
    let id = doc.id;
    st.invoices.insert(id, doc);
    Ok(json!(id))
}

/// `POST /V1/order/:orderId/ship` → shipment id.
pub(crate) fn ship(magento: &Magento, ctx: &Ctx, raw_id: &str) -> ApiResult {
    let body = body_obj(
        ctx,
        &[
            "items",
            "notify",
            "append_comment",
            "comment",
            "tracks",
            "packages",
            "arguments",
        ],
    )?;
    let asked = doc_items(&body, &[])?;
    let mut tracks = Vec::new();
    for t in body.list("tracks")? {
        let t = Obj::new(
            &t,
            &[
                "track_number",
                "title",
                "carrier_code",
                "extension_attributes",
            ],
        )?;
        tracks.push((
            t.str("track_number")?.unwrap_or_default(),
            t.str("title")?.unwrap_or_default(),
            t.str("carrier_code")?.unwrap_or_default(),
        ));
    }
    let source_code = match body.get("arguments") {
        Some(args) => {
            let args = Obj::new(args, &["extension_attributes"])?;
            match args.get("extension_attributes") {
                Some(ext) => Obj::new(ext, &["source_code"])?.str("source_code")?,
                None => None,
            }
        }
        None => None,
    }
    .unwrap_or_else(|| "default".to_string());
    let mut st = state(magento);
    let order = order_mut(&mut st, raw_id)?.clone();
    let mut problems = Vec::new();
    if matches!(
        order.state.as_str(),
        "payment_review" | "holded" | "canceled"
    ) {
        problems.push(format!(
            "A shipment cannot be created when an order has a status of {}",
            order.status
        ));
    } else if order.top_items().all(|i| i.qty_to_ship().is_zero()) {
        problems.push("The order does not allow a shipment to be created.".to_string());
    }
    let qtys = resolve_qtys(&order, &asked, |i| i.qty_to_ship());
    if problems.is_empty() {
        let mut total = Decimal::ZERO;
        for (item_id, qty) in &qtys {
            match order.item(*item_id) {
                None => problems.push(
                    "The shipment contains product SKU \"\" that is not part of the original order."
                        .to_string(),
                ),
                Some(i) if *qty > i.qty_to_ship() => problems.push(format!(
                    "The quantity to ship must not be greater than the unshipped quantity for product SKU \"{}\".",
                    i.sku
                )),
                Some(_) => total += qty,
            }
        }
        if total <= Decimal::ZERO {
            problems.push("You can't create a shipment without products.".to_string());
        }
    }
    for (number, _, _) in &tracks {
        if number.trim().is_empty() {
            problems.push("Please enter a tracking number.".to_string());
        }
    }
    if !st.sources.iter().any(|s| s.code == source_code) {
        problems.push(format!(
            "Source with code \"{source_code}\" does not exist."
        ));
    }
    if !problems.is_empty() {
        return Err(validation("Shipment", &problems));
    }
    let mut doc = new_document(&mut st, "shipment", order.id, &qtys);
    doc.source_code = Some(source_code.clone());
    for (number, title, carrier) in tracks {
        let id = st.next("track");
        doc.tracks.push(Track {
            id,
            track_number: number,
            title,
            carrier_code: carrier,
            created: doc.created,
        });
    }
    let mut deductions = Vec::new();
    if let Some(order) = st.orders.get_mut(&order.id) {
        for (item_id, qty) in &qtys {
            if let Some(i) = order.item(*item_id) {
                deductions.push((i.sku.clone(), *qty));
            }
            each_line(order, *item_id, |i| i.qty_shipped += *qty);
        }
        resolve_state(order);
        order.updated = now_millis();
    }
    for (sku, qty) in deductions {
        // Source deduction, and the compensation of the reservation made at placement.
        let key = (sku.clone(), source_code.clone());
        let current = st
            .source_items
            .get(&key)
            .map_or(Decimal::ZERO, |i| i.quantity);
        st.set_stock(&sku, &source_code, current - qty);
        st.reserve(&sku, qty);
    }
    let id = doc.id;
    st.shipments.insert(id, doc);
    Ok(json!(id))
}

/// `POST /V1/order/:orderId/refund` (offline credit memo) → credit memo id.
pub(crate) fn refund(magento: &Magento, ctx: &Ctx, raw_id: &str) -> ApiResult {
    let body = body_obj(
        ctx,
        &["items", "notify", "append_comment", "comment", "arguments"],
    )?;
    let asked = doc_items(&body, &[])?;
    let mut shipping_refund = None;
    let mut return_to_stock: Vec<u64> = Vec::new();
    if let Some(args) = body.get("arguments") {
        let args = Obj::new(
            args,
            &[
                "shipping_amount",
                "adjustment_positive",
                "adjustment_negative",
                "extension_attributes",
            ],
        )?;
        shipping_refund = args.float("shipping_amount")?;
        if let Some(ext) = args.get("extension_attributes") {
            let ext = Obj::new(ext, &["return_to_stock_items"])?;
            for v in ext.list("return_to_stock_items")? {
                return_to_stock.push(u64::try_from(super::input::to_int(&v)?).unwrap_or(0));
            }
        }
    }
    let mut st = state(magento);
    let order = order_mut(&mut st, raw_id)?.clone();
    let mut problems = Vec::new();
    if matches!(
        order.state.as_str(),
        "payment_review" | "holded" | "canceled" | "closed"
    ) {
        problems.push(format!(
            "A creditmemo can not be created when an order has a status of {}",
            order.status
        ));
    } else if order.top_items().all(|i| i.qty_to_refund().is_zero()) {
        problems.push("The order does not allow a creditmemo to be created.".to_string());
    }
    if (order.total_paid - order.total_refunded).abs() < Decimal::new(1, 4) {
        problems.push("We can't create creditmemo for the order.".to_string());
    }
    let qtys = resolve_qtys(&order, &asked, |i| i.qty_to_refund());
    for (item_id, qty) in &qtys {
        match order.item(*item_id) {
            None => problems.push(
                "The creditmemo contains product SKU \"\" that is not part of the original order."
                    .to_string(),
            ),
            Some(i) if *qty > i.qty_to_refund() => problems.push(format!(
                "The quantity to creditmemo must not be greater than the unrefunded quantity for product SKU \"{}\".",
                i.sku
            )),
            Some(_) => {}
        }
    }
    // `OrderRefundCreationArguments`: what goes back to stock must be in this credit memo.
    for item_id in &return_to_stock {
        match order.item(*item_id) {
            None => problems.push(
                "The return to stock argument contains product item that is not part of the original order."
                    .to_string(),
            ),
            Some(i) if !qtys.iter().any(|(id, _)| id == item_id) => problems.push(format!(
                "The \"{}\" product is not part of the current creditmemo.",
                i.sku
            )),
            Some(_) => {}
        }
    }
    // Shipping not refunded yet goes back unless `shipping_amount` says otherwise; more is
    // refused while the memo's totals are collected (before validation), in the base currency.
    let shipping_left = (order.shipping_amount - order.shipping_refunded).max(Decimal::ZERO);
    let shipping = shipping_refund.unwrap_or(shipping_left);
    if shipping > shipping_left {
        return Err(ApiError::bad_request_with(
            "Maximum shipping amount allowed to refund is: %1",
            json!([format!("${:.2}", shipping_left.round_dp(2))]),
        ));
    }
    let items_total: Decimal = qtys
        .iter()
        .filter_map(|(id, qty)| order.item(*id).map(|i| i.price * qty))
        .sum();
    if problems.is_empty() && items_total + shipping <= Decimal::ZERO {
        problems.push("The credit memo's total must be positive.".to_string());
    }
    if !problems.is_empty() {
        return Err(validation("Creditmemo", &problems));
    }
    let mut doc = new_document(&mut st, "creditmemo", order.id, &qtys);
    let mut stock_moves = Vec::new();
    let mut refunded = shipping;
    if let Some(order) = st.orders.get_mut(&order.id) {
        for (item_id, qty) in &qtys {
            if let Some(i) = order.item(*item_id).cloned() {
                refunded += i.price * qty;
                let unshipped = (i.qty_ordered - i.qty_shipped - i.qty_refunded - i.qty_canceled)
                    .max(Decimal::ZERO)
                    .min(*qty);
                let shipped_back = if return_to_stock.contains(item_id) {
                    *qty - unshipped
                } else {
                    Decimal::ZERO
                };
                stock_moves.push((i.sku.clone(), unshipped, shipped_back));
            }
            each_line(order, *item_id, |i| i.qty_refunded += *qty);
        }
        order.total_refunded += refunded;
        order.shipping_refunded += shipping;
        resolve_state(order);
        order.updated = now_millis();
    }
    for (sku, unshipped, shipped_back) in stock_moves {
        st.reserve(&sku, unshipped);
        if !shipped_back.is_zero() {
            let key = (sku.clone(), "default".to_string());
            let current = st
                .source_items
                .get(&key)
                .map_or(Decimal::ZERO, |i| i.quantity);
            st.set_stock(&sku, "default", current + shipped_back);
        }
    }
    doc.grand_total = refunded;
    let id = doc.id;
    st.creditmemos.insert(id, doc);
    Ok(json!(id))
}

/// Whether an item is the configurable parent line (for control summaries).
pub(crate) fn is_parent_line(i: &super::model::OrderItem) -> bool {
    i.product_type == TypeId::Configurable
}
