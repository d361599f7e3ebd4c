//! Refund a whole store order (TikTok refunded the buyer): `refundCreate` with every
//! refundable line (restocked per the shop setting: CANCEL for units not yet shipped, RETURN
//! for shipped ones, NO_RESTOCK when off) and REFUND transactions for what the sales took and
//! no refund gave back yet (shopify.md §9; Admin GraphQL `RefundInput`).
//!
//! Idempotent twice over: the order is read first and one already REFUNDED is left alone, and
//! the mutation carries `@idempotent` with a key of the order and what it had refunded, so a
//! retry after a lost answer replays the same refund instead of making a second.

use super::wire::{Connection, MoneyBag, UserError};
use super::{ShopifyClient, refused};
use crate::connector::{ConnectorError, ConnectorResult};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

/// Line items read per order; an order with more is refused rather than half refunded.
const LINE_ITEMS_FIRST: u32 = 100;

const REFUNDABLE_ORDER_QUERY: &str = "query RefundableOrder($id: ID!) {
  order(id: $id) {
    id displayFinancialStatus
    transactions { id kind status gateway amountSet { shopMoney { amount } } }
    lineItems(first: 100) { pageInfo { hasNextPage } nodes { id refundableQuantity unfulfilledQuantity } }
    fulfillmentOrders(first: 5, includeClosed: true) { nodes { assignedLocation { location { id } } } }
  }
}";

const REFUND_CREATE_MUTATION: &str = "mutation RefundCreate($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) {
    refund { id }
    order { id displayFinancialStatus }
    userErrors { field message }
  }
}";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OrderData {
    order: Option<RefundableOrder>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct RefundableOrder {
    id: String,
    display_financial_status: Option<String>,
    transactions: Vec<WireTransaction>,
    line_items: Connection<WireRefundLine>,
    fulfillment_orders: Connection<WireAssignment>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct WireTransaction {
    id: String,
    kind: String,
    status: String,
    gateway: Option<String>,
    amount_set: MoneyBag,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct WireRefundLine {
    id: String,
    refundable_quantity: i64,
    unfulfilled_quantity: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct WireAssignment {
    assigned_location: Option<WireAssignedLocation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireAssignedLocation {
    location: Option<WireLocation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireLocation {
    id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct RefundData {
    refund_create: Option<RefundPayload>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct RefundPayload {
    user_errors: Vec<UserError>,
}

/// What to send to refund what is left of the order: `None` when nothing is (already
/// refunded, or nothing refundable and no money left); `Err` says why it cannot be done.
pub(super) fn refund_input(
    order: &RefundableOrder,
    restock: bool,
) -> Result<Option<(Value, String)>, String> {
    if order.display_financial_status.as_deref() == Some("REFUNDED") {
        return Ok(None);
    }
    if order.line_items.page_info.has_next_page {
        return Err(format!(
            "the order has more than {LINE_ITEMS_FIRST} line items; refund it in the Shopify admin"
        ));
    }
    let location = order
        .fulfillment_orders
        .nodes
        .iter()
        .find_map(|fo| fo.assigned_location.as_ref()?.location.as_ref())
        .map(|l| l.id.clone());
    let mut lines = Vec::new();
    for line in order
        .line_items
        .nodes
        .iter()
        .filter(|l| l.refundable_quantity > 0)
    {
        let unshipped = line.unfulfilled_quantity.clamp(0, line.refundable_quantity);
        let shipped = line.refundable_quantity - unshipped;
        for (quantity, restock_type) in [(unshipped, "CANCEL"), (shipped, "RETURN")] {
            if quantity == 0 {
                continue;
            }
            let mut entry = json!({ "lineItemId": line.id, "quantity": quantity });
            match (&location, restock) {
                (Some(location), true) => {
                    entry["restockType"] = json!(restock_type);
                    entry["locationId"] = json!(location);
                }
                (None, true) => {
                    return Err(
                        "Shopify names no location to put the stock back at; refund the order in the Shopify admin".into(),
                    );
                }
                (_, false) => entry["restockType"] = json!("NO_RESTOCK"),
            }
            lines.push(entry);
        }
    }
    let succeeded = |kinds: &[&str]| {
        order
            .transactions
            .iter()
            .filter(|t| t.status == "SUCCESS" && kinds.contains(&t.kind.as_str()))
            .map(|t| t.amount_set.shop_money.amount)
            .sum::<Decimal>()
    };
    // Refunds so far are taken from the sales in order; what remains of each is refunded.
    let mut refunded_before = succeeded(&["REFUND"]);
    let mut transactions = Vec::new();
    for sale in order
        .transactions
        .iter()
        .filter(|t| t.status == "SUCCESS" && matches!(t.kind.as_str(), "SALE" | "CAPTURE"))
    {
        let amount = sale.amount_set.shop_money.amount;
        let covered = refunded_before.min(amount);
        refunded_before -= covered;
        let left = amount - covered;
        if left > Decimal::ZERO {
            transactions.push(json!({
                "orderId": order.id,
                "parentId": sale.id,
                "kind": "REFUND",
                "gateway": sale.gateway.clone().unwrap_or_default(),
                "amount": left.round_dp(2).to_string(),
            }));
        }
    }
    if lines.is_empty() && transactions.is_empty() {
        return Ok(None);
    }
    let key = format!(
        "feedbridge-refund-{}-{}",
        order.id.rsplit('/').next().unwrap_or_default(),
        succeeded(&["REFUND"]).normalize()
    );
    let input = json!({
        "orderId": order.id,
        "note": "Refunded on TikTok Shop (feedbridge).",
        "notify": false,
        "refundLineItems": lines,
        "transactions": transactions,
    });
    Ok(Some((input, key)))
}

impl ShopifyClient {
    /// See the module notes. `Ok(true)` once the order is refunded (now or before).
    pub(super) async fn refund_whole_order(
        &self,
        order_id: &str,
        restock: bool,
    ) -> ConnectorResult<bool> {
        let data: OrderData = self
            .graphql(
                "RefundableOrder",
                REFUNDABLE_ORDER_QUERY,
                json!({ "id": order_id }),
            )
            .await?;
        let Some(order) = data.order else {
            return Err(ConnectorError::Rejected {
                reason: format!("Shopify order {order_id} no longer exists"),
                raw: String::new(),
            });
        };
        let (input, key) = match refund_input(&order, restock) {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(true),
            Err(reason) => {
                return Err(ConnectorError::Rejected {
                    reason: format!("Cannot refund Shopify order {order_id}: {reason}"),
                    raw: String::new(),
                });
            }
        };
        let data: RefundData = self
            .graphql(
                "RefundCreate",
                REFUND_CREATE_MUTATION,
                json!({ "input": input, "key": key }),
            )
            .await?;
        let payload = data.refund_create.unwrap_or_default();
        refused(&format!("to refund order {order_id}"), &payload.user_errors)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(
        status: &str,
        lines: &[(&str, i64, i64)],
        sales: &[(&str, &str, &str)],
    ) -> RefundableOrder {
        let value = json!({
            "id": "gid://shopify/Order/7",
            "displayFinancialStatus": status,
            "transactions": sales.iter().map(|(id, kind, amount)| json!({
                "id": id, "kind": kind, "status": "SUCCESS", "gateway": "TikTok Shop",
                "amountSet": {"shopMoney": {"amount": amount}},
            })).collect::<Vec<_>>(),
            "lineItems": {"pageInfo": {"hasNextPage": false}, "nodes": lines.iter().map(|(id, refundable, unfulfilled)| json!({
                "id": id, "refundableQuantity": refundable, "unfulfilledQuantity": unfulfilled,
            })).collect::<Vec<_>>()},
            "fulfillmentOrders": {"nodes": [{"assignedLocation": {"location": {"id": "gid://shopify/Location/1"}}}]},
        });
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn unshipped_units_are_cancelled_shipped_ones_returned_and_the_rest_of_the_sale_refunded() {
        let paid = order(
            "PARTIALLY_REFUNDED",
            &[
                ("gid://shopify/LineItem/1", 3, 1),
                ("gid://shopify/LineItem/2", 0, 0),
            ],
            &[
                ("gid://shopify/OrderTransaction/9", "SALE", "50.00"),
                ("gid://shopify/OrderTransaction/10", "REFUND", "5.00"),
            ],
        );
        let (input, key) = refund_input(&paid, true).unwrap().unwrap();
        assert_eq!(
            input["refundLineItems"],
            json!([
                {"lineItemId": "gid://shopify/LineItem/1", "quantity": 1, "restockType": "CANCEL", "locationId": "gid://shopify/Location/1"},
                {"lineItemId": "gid://shopify/LineItem/1", "quantity": 2, "restockType": "RETURN", "locationId": "gid://shopify/Location/1"},
            ])
        );
        assert_eq!(
            input["transactions"],
            json!([{"orderId": "gid://shopify/Order/7", "parentId": "gid://shopify/OrderTransaction/9",
                    "kind": "REFUND", "gateway": "TikTok Shop", "amount": "45.00"}])
        );
        assert_eq!(key, "feedbridge-refund-7-5");

        let (input, _) = refund_input(&paid, false).unwrap().unwrap();
        assert_eq!(input["refundLineItems"][0]["restockType"], "NO_RESTOCK");
        assert!(input["refundLineItems"][0].get("locationId").is_none());
    }

    #[test]
    fn a_refunded_order_or_one_with_nothing_left_is_left_alone() {
        let sale = [("gid://shopify/OrderTransaction/9", "SALE", "50.00")];
        let done = order("REFUNDED", &[("gid://shopify/LineItem/1", 1, 1)], &sale);
        assert_eq!(refund_input(&done, true), Ok(None));
        let spent = order(
            "PAID",
            &[("gid://shopify/LineItem/1", 0, 0)],
            &[
                ("gid://shopify/OrderTransaction/9", "SALE", "50.00"),
                ("gid://shopify/OrderTransaction/10", "REFUND", "50.00"),
            ],
        );
        assert_eq!(refund_input(&spent, true), Ok(None));
        let mut nowhere = order("PAID", &[("gid://shopify/LineItem/1", 1, 1)], &sale);
        nowhere.fulfillment_orders.nodes.clear();
        assert!(
            refund_input(&nowhere, true)
                .unwrap_err()
                .contains("Shopify admin")
        );
        assert!(refund_input(&nowhere, false).is_ok());
    }
}
