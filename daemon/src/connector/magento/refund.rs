//! Refund a whole order (TikTok refunded the buyer) as an offline credit memo (magento2.md §7):
//! `POST /V1/order/{id}/refund` with every refundable line (`qty_invoiced - qty_refunded`),
//! `notify: false`, and, when restocking, those lines in
//! `arguments.extension_attributes.return_to_stock_items`. Shipping not refunded yet goes
//! with it (Magento's default when `shipping_amount` is left out).
//!
//! Magento refunds only invoiced units. feedbridge places orders unpaid (an offline payment
//! method) and invoices them once shipped in full, so:
//! - nothing invoiced and nothing shipped: Magento holds no payment to give back, and its
//!   admin offers only Cancel for such an order; it is cancelled, restocked per the setting,
//!   as a TikTok cancellation would;
//! - otherwise what is not invoiced yet is invoiced first (offline capture: TikTok took the
//!   payment, as on shipment), then everything is refunded and Magento closes the order.
//!
//! Idempotent: the order is read first, and one already closed or cancelled, or with nothing
//! left to refund, is left alone. A credit memo whose answer was lost has closed the order, so
//! the retry finds it closed and makes no second one; an invoice whose answer was lost left
//! nothing to invoice, so the retry goes on to the credit memo.

use super::MagentoClient;
use super::orders::id_of;
use super::wire::{WireOrder, WireOrderItem};
use crate::connector::{ConnectorError, ConnectorResult};
use reqwest::Method;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

/// The credit memo's comment (Magento keeps it on the memo; with `notify` off no email).
const REFUND_COMMENT: &str = "Refunded on TikTok Shop (feedbridge).";

/// What refunding the rest of an order takes next, read off the order as it is now.
#[derive(Debug, PartialEq)]
enum RefundStep {
    /// Closed, cancelled, or nothing left to refund.
    Done,
    /// Nothing invoiced or shipped: cancel the order instead.
    Cancel,
    /// Invoice what is left first, then read the order again.
    Invoice,
    /// The credit memo request.
    CreditMemo(Value),
}

fn next_step(order: &WireOrder, restock: bool) -> RefundStep {
    if matches!(order.state.as_str(), "closed" | "canceled") {
        return RefundStep::Done;
    }
    let positive = |q: Decimal| q > Decimal::ZERO;
    if order.top_items().any(|i| positive(i.to_invoice())) {
        let started = order.top_items().any(|i| {
            positive(WireOrderItem::qty(&i.qty_invoiced))
                || positive(WireOrderItem::qty(&i.qty_shipped))
        });
        return if started {
            RefundStep::Invoice
        } else {
            RefundStep::Cancel
        };
    }
    let lines: Vec<(u64, Decimal)> = order
        .top_items()
        .map(|i| (i.item_id, i.to_refund()))
        .filter(|(_, qty)| positive(*qty))
        .collect();
    if lines.is_empty() {
        return RefundStep::Done;
    }
    let items: Vec<Value> = lines
        .iter()
        .map(|(id, qty)| json!({"order_item_id": id, "qty": qty.to_f64()}))
        .collect();
    let mut body = json!({
        "items": items,
        "notify": false,
        "comment": {"comment": REFUND_COMMENT, "is_visible_on_front": 0},
    });
    if restock {
        let ids: Vec<u64> = lines.iter().map(|(id, _)| *id).collect();
        body["arguments"] = json!({"extension_attributes": {"return_to_stock_items": ids}});
    }
    RefundStep::CreditMemo(body)
}

impl MagentoClient {
    /// See the module notes. `Ok(true)` once the order is refunded (now or before).
    pub(super) async fn refund_whole(&self, id: u64, restock: bool) -> ConnectorResult<bool> {
        // Invoicing leaves nothing to invoice, so the second read always ends it.
        for attempt in 0..2 {
            let order = self
                .order(id)
                .await?
                .ok_or_else(|| ConnectorError::Rejected {
                    reason: format!("Magento has no order {id}; it may have been deleted"),
                    raw: String::new(),
                })?;
            let refused = |error: ConnectorError| match error {
                ConnectorError::Rejected { reason, raw } => ConnectorError::Rejected {
                    reason: format!(
                        "Magento would not refund order #{} ({reason}); refund it with a credit memo under Sales > Orders in the Magento admin",
                        order.increment_id
                    ),
                    raw,
                },
                other => other,
            };
            match next_step(&order, restock) {
                RefundStep::Done => return Ok(true),
                RefundStep::Cancel => {
                    self.cancel(id, restock).await?;
                    return Ok(true);
                }
                RefundStep::Invoice if attempt == 0 => {
                    let _: Value = self
                        .post(
                            &format!("/order/{id}/invoice"),
                            &json!({"capture": true, "notify": false}),
                            &format!("order {id}"),
                        )
                        .await
                        .map_err(refused)?;
                }
                RefundStep::Invoice => break,
                RefundStep::CreditMemo(body) => {
                    let answer = self
                        .call(
                            Method::POST,
                            &format!("/order/{id}/refund"),
                            Vec::new(),
                            Some(&body),
                        )
                        .await
                        .map_err(refused)?
                        .unwrap_or(Value::Null);
                    let memo = id_of(&answer, "the credit memo")?;
                    tracing::info!(platform = "magento", order_id = id, credit_memo = %memo, restock, "Store order refunded with a credit memo.");
                    return Ok(true);
                }
            }
        }
        Err(ConnectorError::Rejected {
            reason: format!(
                "Magento order {id} still has units to invoice after invoicing them; refund it with a credit memo under Sales > Orders in the Magento admin"
            ),
            raw: String::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An order of two lines (the second a configurable parent with its child), each
    /// `(ordered, invoiced, shipped, refunded)`.
    fn order(state: &str, lines: [(u32, u32, u32, u32); 2]) -> WireOrder {
        let item = |id: u64, parent: Option<u64>, (o, i, s, r): (u32, u32, u32, u32)| {
            json!({"item_id": id, "parent_item_id": parent, "sku": format!("SKU-{id}"),
                   "qty_ordered": o, "qty_invoiced": i, "qty_shipped": s, "qty_refunded": r})
        };
        serde_json::from_value(json!({
            "entity_id": 7, "increment_id": "000000007", "state": state,
            "items": [item(1, None, lines[0]), item(2, None, lines[1]), item(3, Some(2), lines[1])],
        }))
        .unwrap()
    }

    #[test]
    fn every_refundable_line_is_credited_and_restocked_when_asked() {
        let shipped = order("complete", [(2, 2, 2, 1), (1, 1, 1, 0)]);
        let RefundStep::CreditMemo(body) = next_step(&shipped, true) else {
            panic!("a credit memo");
        };
        assert_eq!(
            body["items"],
            json!([{"order_item_id": 1, "qty": 1.0}, {"order_item_id": 2, "qty": 1.0}])
        );
        assert_eq!(body["notify"], false);
        assert_eq!(
            body["arguments"]["extension_attributes"]["return_to_stock_items"],
            json!([1, 2])
        );
        let RefundStep::CreditMemo(body) = next_step(&shipped, false) else {
            panic!("a credit memo");
        };
        assert!(body.get("arguments").is_none(), "{body}");
    }

    #[test]
    fn refunded_cancelled_and_unpaid_orders_take_no_credit_memo() {
        assert_eq!(
            next_step(&order("closed", [(1, 1, 1, 1), (1, 1, 1, 1)]), true),
            RefundStep::Done
        );
        assert_eq!(
            next_step(&order("canceled", [(1, 0, 0, 0), (1, 0, 0, 0)]), true),
            RefundStep::Done
        );
        assert_eq!(
            next_step(&order("complete", [(1, 1, 1, 1), (1, 1, 1, 1)]), true),
            RefundStep::Done
        );
        assert_eq!(
            next_step(&order("new", [(1, 0, 0, 0), (2, 0, 0, 0)]), true),
            RefundStep::Cancel
        );
        assert_eq!(
            next_step(&order("processing", [(1, 0, 1, 0), (2, 0, 0, 0)]), true),
            RefundStep::Invoice
        );
    }
}
