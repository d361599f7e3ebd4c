//! `refundCreate` (Admin GraphQL, shopify.md §9): refund line items with a restock type per
//! line, and money back through REFUND transactions against the order's sale. Checked as
//! Shopify checks it: lines of this order within what is refundable, CANCEL only for
//! unfulfilled units and RETURN only for fulfilled ones, a location to restock at, refunds
//! within what the parent transaction took, and `@idempotent` from API version 2026-04.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::gql::GqlError;
use super::model::{Refund, State, Transaction, gid, parse_gid};
use super::resolvers::{Effects, MutationCtx, idempotency, remember, user_error};
use crate::common::now_millis;

const PAYLOAD: &str = "RefundCreatePayload";

fn refused(field: &[&str], message: impl Into<String>) -> Value {
    json!({
        "__typename": PAYLOAD,
        "order": null,
        "refund": null,
        "userErrors": [user_error("UserError", field, message, None)],
    })
}

/// One checked refund line: (line item id, quantity, restock type, location).
struct RefundLine {
    line_item: u64,
    quantity: i64,
    restock: String,
    location: Option<u64>,
}

/// One checked REFUND transaction against a sale of the order.
struct RefundMoney {
    gateway: String,
    amount: Decimal,
}

fn id_of(value: Option<&Value>, kind: &str) -> Option<u64> {
    let (k, n) = parse_gid(value?.as_str()?)?;
    (k == kind).then_some(n)
}

pub(crate) fn refund_create(
    st: &mut State,
    ctx: &MutationCtx<'_>,
    args: &Map<String, Value>,
    fx: &mut Effects,
) -> Result<Value, GqlError> {
    if let Some(replay) = idempotency(st, ctx, "refundCreate", args, PAYLOAD, "UserError")? {
        return Ok(replay);
    }
    let input = args
        .get("input")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let Some(order_id) = id_of(input.get("orderId"), "Order") else {
        return Ok(refused(&["orderId"], "Order does not exist."));
    };
    let Some(order) = st.orders.get(&order_id) else {
        return Ok(refused(&["orderId"], "Order does not exist."));
    };

    let mut lines: Vec<RefundLine> = Vec::new();
    let wanted = input
        .get("refundLineItems")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, line) in wanted.iter().enumerate() {
        let at = i.to_string();
        let field = |name: &'static str| vec!["refundLineItems", at.as_str(), name];
        let Some(item) = id_of(line.get("lineItemId"), "LineItem")
            .and_then(|id| order.line_items.iter().find(|li| li.id == id))
        else {
            return Ok(refused(&field("lineItemId"), "Line item does not exist."));
        };
        let quantity = line.get("quantity").and_then(Value::as_i64).unwrap_or(0);
        let restock = line
            .get("restockType")
            .and_then(Value::as_str)
            .unwrap_or("NO_RESTOCK")
            .to_string();
        let refundable = item.current() - item.returned;
        let already: i64 = lines
            .iter()
            .filter(|l| l.line_item == item.id)
            .map(|l| l.quantity)
            .sum();
        if quantity < 1 || quantity + already > refundable {
            return Ok(refused(
                &field("quantity"),
                format!(
                    "Quantity cannot refund more items than were purchased ({refundable} refundable)."
                ),
            ));
        }
        let returnable = item.fulfilled.min(item.current()) - item.returned;
        match restock.as_str() {
            "LEGACY_RESTOCK" => {
                return Ok(refused(
                    &field("restockType"),
                    "Restock type LEGACY_RESTOCK is not accepted when creating a refund.",
                ));
            }
            "CANCEL" if quantity > item.unfulfilled() => {
                return Ok(refused(
                    &field("restockType"),
                    "Restock type CANCEL can only be used for unfulfilled line items.",
                ));
            }
            "RETURN" if quantity > returnable => {
                return Ok(refused(
                    &field("restockType"),
                    "Restock type RETURN can only be used for fulfilled line items.",
                ));
            }
            _ => {}
        }
        let location = match line.get("locationId").filter(|v| !v.is_null()) {
            None if restock != "NO_RESTOCK" => {
                return Ok(refused(
                    &field("locationId"),
                    "A location is required to restock line items.",
                ));
            }
            None => None,
            Some(value) => match id_of(Some(value), "Location")
                .filter(|id| st.locations.iter().any(|l| l.id == *id))
            {
                Some(id) => Some(id),
                None => return Ok(refused(&field("locationId"), "Location does not exist.")),
            },
        };
        lines.push(RefundLine {
            line_item: item.id,
            quantity,
            restock,
            location,
        });
    }

    let mut money: Vec<RefundMoney> = Vec::new();
    let transactions = input
        .get("transactions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, t) in transactions.iter().enumerate() {
        let at = i.to_string();
        let field = |name: &'static str| vec!["transactions", at.as_str(), name];
        if t.get("kind").and_then(Value::as_str) != Some("REFUND") {
            return Ok(refused(
                &field("kind"),
                "Only REFUND transactions can be created with a refund.",
            ));
        }
        if id_of(t.get("orderId"), "Order") != Some(order_id) {
            return Ok(refused(
                &field("orderId"),
                "The transaction must belong to the order being refunded.",
            ));
        }
        let Some(parent) = id_of(t.get("parentId"), "OrderTransaction").and_then(|id| {
            order.transactions.iter().find(|p| {
                p.id == id && p.status == "SUCCESS" && matches!(p.kind.as_str(), "SALE" | "CAPTURE")
            })
        }) else {
            return Ok(refused(
                &field("parentId"),
                "Parent transaction must be a successful sale or capture of this order.",
            ));
        };
        let gateway = t.get("gateway").and_then(Value::as_str).unwrap_or_default();
        if gateway != parent.gateway {
            return Ok(refused(
                &field("gateway"),
                format!(
                    "Gateway must be the parent transaction's ({}).",
                    parent.gateway
                ),
            ));
        }
        let Some(amount) = t
            .get("amount")
            .and_then(Value::as_str)
            .and_then(|a| Decimal::from_str(a).ok())
            .filter(|a| *a > Decimal::ZERO)
        else {
            return Ok(refused(
                &field("amount"),
                "Amount must be greater than zero.",
            ));
        };
        let refunded_before: Decimal = order
            .transactions
            .iter()
            .filter(|r| r.kind == "REFUND" && r.status == "SUCCESS")
            .map(|r| r.amount)
            .sum::<Decimal>()
            + money.iter().map(|m| m.amount).sum::<Decimal>();
        let captured: Decimal = order
            .transactions
            .iter()
            .filter(|p| p.status == "SUCCESS" && matches!(p.kind.as_str(), "SALE" | "CAPTURE"))
            .map(|p| p.amount)
            .sum();
        let over = input.get("allowOverRefunding").and_then(Value::as_bool) == Some(true);
        if !over && refunded_before + amount > captured {
            return Ok(refused(
                &field("amount"),
                format!(
                    "Amount to refund ({amount}) is more than the {} available to refund.",
                    captured - refunded_before
                ),
            ));
        }
        money.push(RefundMoney {
            gateway: gateway.to_string(),
            amount,
        });
    }
    if lines.is_empty() && money.is_empty() && input.get("shipping").is_none_or(Value::is_null) {
        return Ok(refused(
            &["refundLineItems"],
            "Refund must include line items, shipping or transactions.",
        ));
    }

    let payload = apply(st, order_id, &input, lines, money, fx);
    remember(st, ctx, "refundCreate", args, &payload);
    Ok(payload)
}

/// Record the checked refund: lines leave the order, stock comes back per restock type, the
/// money goes out as REFUND transactions, and the financial status follows.
fn apply(
    st: &mut State,
    order_id: u64,
    input: &Map<String, Value>,
    lines: Vec<RefundLine>,
    money: Vec<RefundMoney>,
    fx: &mut Effects,
) -> Value {
    let now = now_millis();
    let refund_id = st.id();
    let transaction_ids: Vec<u64> = money.iter().map(|_| st.id()).collect();
    let Some(order) = st.orders.get(&order_id) else {
        return refused(&["orderId"], "Order does not exist.");
    };
    let (claimed, order_location) = (order.claimed_stock, order.location_id);
    // (inventory item, location, committed released, available added)
    let mut stock: Vec<(u64, u64, i64, i64)> = Vec::new();
    for line in &lines {
        let Some(item) = order
            .line_items
            .iter()
            .find(|li| li.id == line.line_item)
            .and_then(|li| li.variant_id)
            .and_then(|v| st.variants.get(&v))
            .map(|v| v.inventory_item_id)
        else {
            continue;
        };
        let unfulfilled = order
            .line_items
            .iter()
            .find(|li| li.id == line.line_item)
            .map_or(0, |li| li.unfulfilled());
        let released = if claimed {
            line.quantity.min(unfulfilled)
        } else {
            0
        };
        let added = if line.restock == "NO_RESTOCK" {
            0
        } else {
            line.quantity
        };
        let location = line.location.unwrap_or(order_location);
        stock.push((item, location, released, added));
    }
    let mut changed = Vec::new();
    for (item, location, released, added) in stock {
        if let Some(level) = st
            .items
            .get_mut(&item)
            .and_then(|i| i.levels.get_mut(&location))
        {
            level.committed = (level.committed - released).max(0);
            level.available += added;
            level.updated = now;
            changed.push((item, location));
        }
    }
    let Some(order) = st.orders.get_mut(&order_id) else {
        return refused(&["orderId"], "Order does not exist.");
    };
    let mut cancelled_units: Vec<(u64, i64)> = Vec::new();
    for line in &lines {
        if let Some(li) = order
            .line_items
            .iter_mut()
            .find(|li| li.id == line.line_item)
        {
            // Unfulfilled units leave the order; fulfilled ones come back as returns.
            let cancelled = line.quantity.min(li.unfulfilled());
            li.removed += cancelled;
            li.returned += line.quantity - cancelled;
            cancelled_units.push((li.id, cancelled));
        }
    }
    let total: Decimal = money.iter().map(|m| m.amount).sum();
    for (m, id) in money.iter().zip(&transaction_ids) {
        order.transactions.push(Transaction {
            id: *id,
            kind: "REFUND".to_string(),
            status: "SUCCESS".to_string(),
            gateway: m.gateway.clone(),
            amount: m.amount,
            created: now,
        });
    }
    let captured: Decimal = order
        .transactions
        .iter()
        .filter(|t| t.status == "SUCCESS" && matches!(t.kind.as_str(), "SALE" | "CAPTURE"))
        .map(|t| t.amount)
        .sum();
    let refunded: Decimal = order
        .transactions
        .iter()
        .filter(|t| t.status == "SUCCESS" && t.kind == "REFUND")
        .map(|t| t.amount)
        .sum();
    if refunded > Decimal::ZERO {
        order.financial_status = if refunded >= captured {
            "REFUNDED"
        } else {
            "PARTIALLY_REFUNDED"
        }
        .to_string();
    }
    order.refunds.push(Refund {
        id: refund_id,
        created: now,
        note: input
            .get("note")
            .and_then(Value::as_str)
            .map(str::to_string),
        amount: total,
        lines: lines
            .iter()
            .map(|l| (l.line_item, l.quantity, l.restock.clone()))
            .collect(),
    });
    order.updated = now;
    let currency = order.currency.clone();
    let fulfillment_orders = order.fulfillment_order_ids.clone();
    // Cancelled units are no longer to be fulfilled; an order left with none closes.
    for fo in fulfillment_orders {
        let Some(fo) = st.fulfillment_orders.get_mut(&fo) else {
            continue;
        };
        for (line_item, mut units) in cancelled_units.iter().copied() {
            for fo_line in fo.lines.iter_mut().filter(|l| l.line_item_id == line_item) {
                let taken = units.min(fo_line.remaining);
                fo_line.remaining -= taken;
                units -= taken;
            }
        }
        if fo.status == "OPEN" && fo.lines.iter().all(|l| l.remaining == 0) {
            fo.status = "CLOSED".to_string();
            fo.updated = now;
        }
    }
    let rest_lines: Vec<Value> = lines
        .iter()
        .map(|l| json!({"line_item_id": l.line_item, "quantity": l.quantity, "restock_type": l.restock.to_lowercase(), "location_id": l.location}))
        .collect();
    fx.webhooks.push((
        "refunds/create".to_string(),
        json!({
            "id": refund_id, "order_id": order_id, "created_at": crate::common::iso8601(now),
            "note": input.get("note"), "restock": lines.iter().any(|l| l.restock != "NO_RESTOCK"),
            "admin_graphql_api_id": gid("Refund", refund_id),
            "refund_line_items": rest_lines,
            "transactions": transaction_ids.iter().zip(&money).map(|(id, m)| json!({
                "id": id, "order_id": order_id, "kind": "refund", "status": "success",
                "gateway": m.gateway, "amount": m.amount.to_string(), "currency": currency,
            })).collect::<Vec<_>>(),
        }),
    ));
    for (item, location) in changed {
        fx.webhooks.push((
            "inventory_levels/update".to_string(),
            st.rest_inventory_level(item, location),
        ));
    }
    json!({
        "__typename": PAYLOAD,
        "order": {"__ref": gid("Order", order_id)},
        "refund": {
            "__typename": "Refund",
            "id": gid("Refund", refund_id),
            "createdAt": crate::common::iso8601(now),
            "note": input.get("note"),
            "totalRefundedSet": super::model::money_bag(total, &currency),
        },
        "userErrors": [],
    })
}
