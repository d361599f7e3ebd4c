//! Refund a whole order (TikTok refunded the buyer).
//!
//! **Why a state, not a credit slip.** The webservice takes a POST on `order_slip`, but only as
//! a bare row: `OrderSlip`'s `order_slip_details` association is `'setter' => false`, so no slip
//! lines, no refunded quantities on the order details and no stock move, unlike the credit slip
//! the back office's "Partial refund" makes (`OrderSlip::create`). So the order goes to the
//! shop's Refunded state as a merchant does (`POST /api/order_histories`, the state found by its
//! `refund` template), which moves no stock (`OrderHistory::changeIdOrderState` restocks only on
//! Canceled and Payment error); with `restock`, each line's quantity goes back on its
//! `stock_availables` row.
//!
//! **Exactly once**, through retries and crashes, with private messages on the order as the
//! record: (1) "Refunded on TikTok Shop (feedbridge)…", saying whether the stock goes back,
//! before the state changes; (2) the state; (3) per line, "Back in stock…" before its stock is
//! put back. Every attempt reads the order and its messages first. An order refunded without
//! our first message was refunded by the merchant and is left alone; ours resumes where it
//! stopped, restocking only lines without their message. A crash between a line's message and
//! its stock write leaves that line short (its message names it), never restocked twice: a unit
//! too few shows in the back office, a unit too many would sell stock that is not there.

use super::catalog::Located;
use super::orders::{is_refunded, rejected, state_by};
use super::wire::{OrderState, field, id_field, rows};
use super::{PrestaShopClient, one_of};
use crate::connector::ConnectorResult;
use serde_json::Value;
use std::collections::HashSet;

/// The first message of a refund feedbridge makes; the decision about stock follows it.
const REFUND_NOTE: &str = "Refunded on TikTok Shop (feedbridge)";
const RESTOCKING: &str = ": the units go back to stock.";
const NOT_RESTOCKING: &str = ": the stock is left as it is.";
/// One per line put back: this, the order line id, then what went back.
const RESTOCKED: &str = "Back in stock after the TikTok Shop refund (feedbridge), order line ";

/// One order line whose units go back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Restock {
    /// The order detail id (`order_rows` id).
    line: u64,
    sku: String,
    at: Located,
    quantity: i64,
}

/// What a refund still has to do, from the order and its messages as read.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct RefundPlan {
    /// The first message, when no refund of ours was begun.
    note: Option<String>,
    /// The Refunded state, when the order is not in it yet.
    state: Option<u64>,
    restock: Vec<Restock>,
}

fn restocked_note(r: &Restock) -> String {
    format!("{RESTOCKED}{}: {} x {}.", r.line, r.quantity, r.sku)
}

/// The order line a "Back in stock" message names.
fn restocked_line(note: &str) -> Option<u64> {
    let rest = note.strip_prefix(RESTOCKED)?;
    rest.split(':').next()?.trim().parse().ok()
}

/// Whether the order still holds its units: PrestaShop put them back when it went to Canceled
/// or Payment error (`OrderHistory::changeIdOrderState`).
fn holds_units(states: &[OrderState], current: u64) -> bool {
    !states.iter().any(|s| {
        s.id == current && matches!(s.template.as_str(), "order_canceled" | "payment_error")
    })
}

/// See the module notes. `notes`: the texts of the order's messages.
pub(super) fn plan(
    order: &Value,
    states: &[OrderState],
    notes: &[String],
    restock: bool,
) -> ConnectorResult<RefundPlan> {
    let current = id_field(order, "current_state");
    let refunded = is_refunded(states, current);
    let begun = notes
        .iter()
        .find_map(|n| n.strip_prefix(REFUND_NOTE))
        .map(|rest| rest.starts_with(RESTOCKING));
    if refunded && begun.is_none() {
        return Ok(RefundPlan::default());
    }
    let restocks = begun.unwrap_or(restock && holds_units(states, current));
    let note = begun.is_none().then(|| {
        format!(
            "{REFUND_NOTE}{}",
            if restocks { RESTOCKING } else { NOT_RESTOCKING }
        )
    });
    let state = if refunded {
        None
    } else {
        Some(state_by(states, "Refunded", |s| s.template == "refund")?.id)
    };
    let done: HashSet<u64> = notes.iter().filter_map(|n| restocked_line(n)).collect();
    let restock = if restocks {
        rows(order, "order_rows")
            .iter()
            .map(|r| Restock {
                line: id_field(r, "id"),
                sku: field(r, "product_reference"),
                at: Located {
                    product: id_field(r, "product_id"),
                    combination: id_field(r, "product_attribute_id"),
                },
                quantity: field(r, "product_quantity").trim().parse().unwrap_or(0),
            })
            .filter(|r| r.quantity > 0 && !done.contains(&r.line))
            .collect()
    } else {
        Vec::new()
    };
    Ok(RefundPlan {
        note,
        state,
        restock,
    })
}

impl PrestaShopClient {
    /// See the module notes. `Ok(true)` once the order is refunded (now or before).
    pub(super) async fn refund(&self, id: u64, restock: bool) -> ConnectorResult<bool> {
        let order = self.one("orders", "order", id).await?.ok_or_else(|| {
            rejected(format!(
                "PrestaShop has no order {id}; it may have been deleted"
            ))
        })?;
        let states = self.order_states().await?;
        let notes: Vec<String> = self
            .list(
                "messages",
                &[
                    ("display", "[id,id_order,message]".into()),
                    ("filter[id_order]", one_of(&[id])),
                ],
            )
            .await?
            .iter()
            .map(|m| field(m, "message"))
            .collect();
        let plan = plan(&order, &states, &notes, restock)?;
        if let Some(note) = &plan.note {
            self.message_on(&order, note).await?;
        }
        if let Some(state) = plan.state {
            self.set_state(id, state).await?;
        }
        if plan.restock.is_empty() {
            return Ok(true);
        }
        // Every line's stock row first: one that is gone stops the restock before any message.
        let located: Vec<Located> = plan.restock.iter().map(|r| r.at).collect();
        let stock = self.stock_rows(&located).await?;
        if let Some(gone) = plan
            .restock
            .iter()
            .find(|r| !stock.contains_key(&(r.at.product, r.at.combination)))
        {
            return Err(rejected(format!(
                "PrestaShop order {id} is refunded, but {} has no stock row any more (its product or combination was deleted), so its {} unit(s) cannot go back to stock; put them back by hand under Catalog > Stocks if it returns",
                gone.sku, gone.quantity
            )));
        }
        for line in &plan.restock {
            self.message_on(&order, &restocked_note(line)).await?;
            self.move_stock(line.at, line.quantity).await?;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn states() -> Vec<OrderState> {
        [
            (11, "payment", true, 1),
            (4, "shipped", true, 1),
            (8, "order_canceled", false, 0),
            (9, "refund", true, 0),
            (10, "payment_error", false, 0),
        ]
        .into_iter()
        .map(|(id, template, paid, logable)| OrderState {
            id,
            name: template.into(),
            template: template.into(),
            paid,
            shipped: template == "shipped",
            delivery: false,
            logable: logable == 1,
        })
        .collect()
    }

    fn order(state: u64) -> Value {
        json!({"id": 5, "current_state": state.to_string(), "associations": {"order_rows": [
            {"id": "21", "product_id": "3", "product_attribute_id": "7", "product_quantity": "2", "product_reference": "TEE-M"},
            {"id": "22", "product_id": "4", "product_attribute_id": "0", "product_quantity": "1", "product_reference": "MUG"}
        ]}})
    }

    fn line(line: u64, sku: &str, product: u64, combination: u64, quantity: i64) -> Restock {
        Restock {
            line,
            sku: sku.into(),
            at: Located {
                product,
                combination,
            },
            quantity,
        }
    }

    #[test]
    fn a_shipped_order_is_noted_moved_to_refunded_and_every_line_restocked() {
        let plan = plan(&order(4), &states(), &[], true).unwrap();
        assert_eq!(
            plan.note.as_deref(),
            Some("Refunded on TikTok Shop (feedbridge): the units go back to stock.")
        );
        assert_eq!(plan.state, Some(9));
        assert_eq!(
            plan.restock,
            [line(21, "TEE-M", 3, 7, 2), line(22, "MUG", 4, 0, 1)]
        );
        let off = super::plan(&order(4), &states(), &[], false).unwrap();
        assert!(off.restock.is_empty() && off.state == Some(9));
        assert!(off.note.unwrap().ends_with("the stock is left as it is."));
    }

    #[test]
    fn a_retry_resumes_ours_and_leaves_the_merchants_refund_alone() {
        let noted = vec![
            "TikTok Shop order 576".to_owned(),
            "Refunded on TikTok Shop (feedbridge): the units go back to stock.".to_owned(),
            restocked_note(&line(21, "TEE-M", 3, 7, 2)),
        ];
        // Stopped after line 21: only line 22 is left, whatever this call's setting says.
        let resumed = plan(&order(9), &states(), &noted, false).unwrap();
        assert_eq!(resumed.note, None);
        assert_eq!(resumed.state, None);
        assert_eq!(resumed.restock, [line(22, "MUG", 4, 0, 1)]);
        // Stopped before the state: the state, no second note.
        let before_state = plan(&order(4), &states(), &noted[..2], true).unwrap();
        assert_eq!((before_state.note, before_state.state), (None, Some(9)));
        assert_eq!(before_state.restock.len(), 2);
        // Refunded in the back office: nothing to do.
        assert_eq!(
            plan(&order(9), &states(), &noted[..1], true).unwrap(),
            RefundPlan::default()
        );
    }

    #[test]
    fn a_cancelled_order_already_gave_its_units_back() {
        let plan = plan(&order(8), &states(), &[], true).unwrap();
        assert_eq!(plan.state, Some(9));
        assert!(plan.restock.is_empty());
        assert!(plan.note.unwrap().ends_with("left as it is."));
        assert_eq!(
            restocked_line(
                "Back in stock after the TikTok Shop refund (feedbridge), order line 21: 2 x TEE-M."
            ),
            Some(21)
        );
        assert_eq!(restocked_line("Other"), None);
    }

    #[test]
    fn a_shop_without_a_refunded_state_is_told_where_to_look() {
        let without: Vec<OrderState> = states()
            .into_iter()
            .filter(|s| s.template != "refund")
            .collect();
        let e = plan(&order(4), &without, &[], true).unwrap_err();
        assert!(e.to_string().contains("Orders > Statuses"), "{e}");
    }
}
