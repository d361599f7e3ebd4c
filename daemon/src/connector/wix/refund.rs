//! Refund a whole store order (TikTok refunded the buyer) with eCommerce Order Billing
//! (Wix's Order Billing API: Get Order Refundability, Refund Payments; Order Transactions:
//! Add Payments).
//!
//! **What is refunded.** Every payment of the order for what is left of it, as an *external*
//! refund (`externalRefund: true`: TikTok paid the buyer back, so Wix records the refund
//! without calling a payment provider), with every line quantity and the shipping still
//! refundable as the refund's items. With `restock` the same line quantities go back to
//! stock as the refund's `sideEffects.restock`, in the same call. Afterwards the order's
//! `paymentStatus` is `FULLY_REFUNDED`.
//!
//! **No payment record.** Refund Payments refunds payment records, and an order we created
//! as already paid may carry none; then the TikTok payment is first recorded (Add Payments,
//! offline, "TikTok Shop", the order's total: a record only, nothing is charged), and
//! refunded.
//!
//! **Exactly once.** The order is read first and one already `FULLY_REFUNDED` is left as it
//! is; what is left to refund is read from Get Order Refundability, and the payment record
//! is only added when the order has none. So a retry after a lost answer, or a stop between
//! the calls, neither records a second payment nor refunds (or restocks) twice.

use super::WixClient;
use super::wire::{at, decimal, opt_text, text};
use crate::connector::{ConnectorError, ConnectorResult};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// The reason our refunds carry.
const REFUND_REASON: &str = "Refunded on TikTok Shop (feedbridge)";
/// How the TikTok payment is recorded on an order that has no payment record.
const PAYMENT_METHOD: &str = "TikTok Shop";

fn price(d: Decimal) -> Value {
    json!({ "amount": d.round_dp(2).normalize().to_string() })
}

fn refused(order_id: &str, why: &str) -> ConnectorError {
    ConnectorError::Rejected {
        reason: format!(
            "Cannot refund Wix order {order_id}: {why}; refund it in the Wix dashboard (Sales → Orders → the order → Refund)"
        ),
        raw: String::new(),
    }
}

/// Refund Payments' body for what Get Order Refundability says is left; `None` when no
/// payment has anything left to refund.
pub(super) fn refund_request(
    order_id: &str,
    refundability: &Value,
    restock: bool,
) -> ConnectorResult<Option<Value>> {
    let what = "the order's refundability";
    let mut payments = Vec::new();
    for row in at(refundability, "payments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if at(row, "nonRefundable").is_some() {
            continue;
        }
        let left = decimal(row, "payment.monetary.maxRefund.amount", what)?;
        if left > Decimal::ZERO {
            payments.push(json!({
                "paymentId": text(row, "payment.paymentId", what)?,
                "amount": price(left),
                "externalRefund": true,
            }));
        }
    }
    if payments.is_empty() {
        return Ok(None);
    }
    let mut lines = Vec::new();
    for row in at(refundability, "lineItems")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let left = at(row, "availableRefundQuantity")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if left > 0 {
            lines.push(json!({
                "lineItemId": text(row, "lineItemId", what)?,
                "quantity": left,
            }));
        }
    }
    let mut items = json!({ "lineItems": lines });
    if at(refundability, "shipping.availableRefundAmount").is_some() {
        let shipping = decimal(refundability, "shipping.availableRefundAmount.amount", what)?;
        if shipping > Decimal::ZERO {
            items["shipping"] = json!({ "amount": price(shipping) });
        }
    }
    let mut side_effects = json!({ "notifications": { "sendCustomerEmail": false } });
    if restock && !lines.is_empty() {
        side_effects["restock"] = json!({ "lineItems": lines });
    }
    Ok(Some(json!({
        "orderId": order_id,
        "paymentRefunds": payments,
        "refundItems": items,
        "sideEffects": side_effects,
        "customerReason": REFUND_REASON,
    })))
}

impl WixClient {
    async fn refundability(&self, order_id: &str) -> ConnectorResult<Value> {
        self.post(
            "/ecom/v1/order-billing/get-order-refundability",
            &json!({ "orderId": order_id }),
        )
        .await?
        .ok_or_else(|| refused(order_id, "Wix no longer has the order"))
    }

    /// Records the TikTok payment on an order that has no payment record.
    async fn record_tiktok_payment(&self, order_id: &str, order: &Value) -> ConnectorResult<()> {
        let total = decimal(order, "priceSummary.total.amount", "an order")?;
        let body = json!({ "payments": [{
            "amount": price(total),
            "regularPaymentDetails": {
                "offlinePayment": true,
                "status": "APPROVED",
                "paymentMethod": PAYMENT_METHOD,
            },
        }]});
        self.post(
            &format!("/ecom/v1/payments/orders/{order_id}/add-payment"),
            &body,
        )
        .await?
        .ok_or_else(|| refused(order_id, "Wix no longer has the order"))?;
        Ok(())
    }

    /// See the module notes. `Ok(true)` once the order is refunded (now or before).
    pub(super) async fn refund_whole_order(
        &self,
        order_id: &str,
        restock: bool,
    ) -> ConnectorResult<bool> {
        let order = self
            .order_json(order_id)
            .await?
            .ok_or_else(|| refused(order_id, "Wix no longer has the order"))?;
        let status = opt_text(&order, "paymentStatus");
        if status == "FULLY_REFUNDED" {
            return Ok(true);
        }
        let mut refundability = self.refundability(order_id).await?;
        let no_payments = at(&refundability, "payments")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        if no_payments {
            if status != "PAID" {
                return Err(refused(
                    order_id,
                    &format!("it has no payment to refund (payment status {status})"),
                ));
            }
            self.record_tiktok_payment(order_id, &order).await?;
            refundability = self.refundability(order_id).await?;
        }
        let Some(request) = refund_request(order_id, &refundability, restock)? else {
            // Every payment is paid back already.
            return Ok(true);
        };
        self.post("/ecom/v1/order-billing/refund-payments", &request)
            .await?
            .ok_or_else(|| refused(order_id, "Wix no longer has the order or its payment"))?;
        tracing::info!(platform = "wix", order_id, "Store order refunded.");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refundability(max_refund: &str) -> Value {
        json!({
            "payments": [
                {"payment": {"paymentId": "p-1", "offlinePayment": true,
                             "monetary": {"maxRefund": {"amount": max_refund}}},
                 "manuallyRefundable": {"reason": "OFFLINE"}},
                {"payment": {"paymentId": "p-0", "monetary": {"maxRefund": {"amount": "0"}}},
                 "nonRefundable": {"reason": "ALREADY_REFUNDED"}},
            ],
            "lineItems": [
                {"lineItemId": "l-1", "availableRefundQuantity": 2},
                {"lineItemId": "l-2", "availableRefundQuantity": 0},
            ],
            "shipping": {"availableRefundAmount": {"amount": "5.99"}},
        })
    }

    #[test]
    fn what_is_left_is_refunded_externally_with_the_restock_in_the_same_call() {
        let request = refund_request("o-1", &refundability("45.50"), true)
            .unwrap()
            .unwrap();
        assert_eq!(
            request["paymentRefunds"],
            json!([{"paymentId": "p-1", "amount": {"amount": "45.5"}, "externalRefund": true}])
        );
        assert_eq!(
            request["refundItems"],
            json!({"lineItems": [{"lineItemId": "l-1", "quantity": 2}], "shipping": {"amount": {"amount": "5.99"}}})
        );
        assert_eq!(
            request["sideEffects"]["restock"],
            json!({"lineItems": [{"lineItemId": "l-1", "quantity": 2}]})
        );
        let kept = refund_request("o-1", &refundability("45.50"), false)
            .unwrap()
            .unwrap();
        assert!(kept["sideEffects"].get("restock").is_none());
        assert_eq!(
            refund_request("o-1", &refundability("0"), true).unwrap(),
            None
        );
    }
}
