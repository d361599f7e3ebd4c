//! Refund a whole store order (TikTok refunded the buyer) through Orders V3 payment actions
//! (bigcommerce.md §2 and §6; BigCommerce's "Order Refunds" guide and Orders V3 spec).
//!
//! **What is refunded.** Every order product for its quantity not yet refunded, priced by a
//! refund quote (`POST .../payment_actions/refund_quotes`); what the order's total holds
//! beyond the products (shipping, TikTok's tax, less its discount) goes as one `ORDER` item,
//! so the refund pays back exactly what is left of the total (the total less the refunds
//! listed). The quote's refund methods name how: our orders are paid outside BigCommerce, so
//! the refund is recorded offline (`custom`), never sent to a gateway; an order with no
//! offline method is refused naming the control panel.
//!
//! **Exactly once.** The order is read first and one in Refunded (4) is not refunded again,
//! and what is left is counted from the order's refund list, so a retry after a lost answer
//! refunds nothing twice.
//!
//! **Restock.** BigCommerce refunds never return stock (its FAQ: "you cannot return items to
//! inventory that you refunded via API"), so with `restock` the units of our refunds (those
//! with [`REFUND_REASON`]) are added back at the default location (relative inventory
//! adjustment) at most once: [`RESTOCKING_LINE`] is written to the staff notes before the
//! adjustment and [`RESTOCKED_LINE`] after it. BigCommerce keeps no readable adjustment
//! history, so a later call that finds the first line without the second (a lost answer or a
//! stop in between) cannot tell whether the units went back: it adds nothing and fails
//! naming the SKUs to check, rather than risk selling stock twice.

use super::storefront::{LineStock, parse_order_id};
use super::wire::{Fields, WireLine};
use super::{BigCommerceClient, REFUNDED, not_found, variant_id};
use crate::connector::{ConnectorError, ConnectorResult};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The reason on every item of our refunds: how a later call knows which refunds are ours.
pub(super) const REFUND_REASON: &str = "Refunded on TikTok Shop (feedbridge)";
/// The staff-notes line written just before the refunded units are added back.
pub(super) const RESTOCKING_LINE: &str = "feedbridge: putting refunded units back in stock";
/// The staff-notes line written once the refunded units are back in stock.
pub(super) const RESTOCKED_LINE: &str = "feedbridge: refunded units put back in stock";
/// The provider BigCommerce offers for refunds recorded as paid back outside it.
const OFFLINE_PROVIDER: &str = "custom";

/// A refund as listed (`GET /v3/orders/{id}/payment_actions/refunds`).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct WireRefund {
    pub total: Decimal,
    /// `(item_type, item_id, quantity, reason)`.
    pub items: Vec<(String, u64, i64, String)>,
}

impl WireRefund {
    fn read(value: &Value, order_id: u64) -> ConnectorResult<Self> {
        let r = Fields::of(value, format!("order {order_id} refund"))?;
        let mut items = Vec::new();
        for item in r.each("items")? {
            items.push((
                item.str("item_type")?,
                item.u64("item_id")?,
                item.opt_u64("quantity")?
                    .map_or(0, |q| i64::try_from(q).unwrap_or(i64::MAX)),
                item.text("reason")?,
            ));
        }
        Ok(Self {
            total: r.money("total_amount")?,
            items,
        })
    }

    /// `(order product id, quantity)` of the products it refunded.
    fn products(&self) -> impl Iterator<Item = (u64, i64)> + '_ {
        self.items
            .iter()
            .filter(|(kind, ..)| kind == "PRODUCT")
            .map(|(_, id, q, _)| (*id, *q))
    }

    fn is_ours(&self) -> bool {
        !self.items.is_empty()
            && self
                .items
                .iter()
                .all(|(.., reason)| reason == REFUND_REASON)
    }
}

/// A refund quote: its total and the payment options of each refund method.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct WireQuote {
    pub total: Decimal,
    /// Each method: `(provider_id, amount, offline)` per payment option.
    pub methods: Vec<Vec<(String, Decimal, bool)>>,
}

impl WireQuote {
    fn read(value: &Value, order_id: u64) -> ConnectorResult<Self> {
        let q = Fields::of(value, format!("order {order_id} refund quote"))?;
        let mut methods = Vec::new();
        for (i, method) in q.array("refund_methods")?.iter().enumerate() {
            let what = format!("order {order_id} refund quote → refund_methods[{i}]");
            let wrapped = json!({ "options": method });
            let options = Fields::of(&wrapped, what)?;
            let mut payments = Vec::new();
            for option in options.each("options")? {
                payments.push((
                    option.str("provider_id")?,
                    option.money("amount")?,
                    option.bool("offline")?,
                ));
            }
            methods.push(payments);
        }
        Ok(Self {
            total: q.money("total_refund_amount")?,
            methods,
        })
    }

    /// The payments of the offline method (custom first): our orders were paid on TikTok.
    fn offline_payments(&self) -> Option<&[(String, Decimal, bool)]> {
        let offline = |m: &&Vec<(String, Decimal, bool)>| {
            !m.is_empty() && m.iter().all(|(_, _, offline)| *offline)
        };
        self.methods
            .iter()
            .filter(offline)
            .find(|m| m.len() == 1 && m[0].0 == OFFLINE_PROVIDER)
            .or_else(|| self.methods.iter().find(offline))
            .map(Vec::as_slice)
    }
}

/// A 2-decimal amount as the JSON number BigCommerce takes.
fn amount(d: Decimal) -> Value {
    serde_json::from_str(&d.round_dp(2).normalize().to_string()).unwrap_or(Value::Null)
}

/// The `PRODUCT` items for what each line has not had refunded yet.
pub(super) fn product_items(lines: &[WireLine], refunds: &[WireRefund]) -> Vec<Value> {
    let mut refunded: BTreeMap<u64, i64> = BTreeMap::new();
    for (opid, q) in refunds.iter().flat_map(WireRefund::products) {
        *refunded.entry(opid).or_default() += q;
    }
    lines
        .iter()
        .filter_map(|l| {
            let left = l.quantity - refunded.get(&l.id).copied().unwrap_or(0);
            (left > 0).then(|| {
                json!({"item_type": "PRODUCT", "item_id": l.id, "quantity": left, "reason": REFUND_REASON})
            })
        })
        .collect()
}

/// Units our refunds took back, per order product id.
pub(super) fn our_refunded_units(refunds: &[WireRefund]) -> BTreeMap<u64, i64> {
    let mut units = BTreeMap::new();
    for (opid, q) in refunds
        .iter()
        .filter(|r| r.is_ours())
        .flat_map(WireRefund::products)
    {
        *units.entry(opid).or_default() += q;
    }
    units
}

fn has_line(notes: &str, line: &str) -> bool {
    notes.lines().any(|l| l.trim() == line)
}

fn refused(order_id: u64, why: &str) -> ConnectorError {
    ConnectorError::Rejected {
        reason: format!(
            "Cannot refund BigCommerce order #{order_id}: {why}; refund it in the BigCommerce control panel (Orders → the order → Refund)"
        ),
        raw: String::new(),
    }
}

impl BigCommerceClient {
    async fn refunds(&self, id: u64) -> ConnectorResult<Vec<WireRefund>> {
        let body = self
            .get(&format!("/v3/orders/{id}/payment_actions/refunds"), &[])
            .await?
            .ok_or_else(|| not_found(&format!("order {id}")))?;
        let list = Fields::of(&body, format!("order {id} refunds"))?;
        list.array("data")?
            .iter()
            .map(|r| WireRefund::read(r, id))
            .collect()
    }

    async fn quote(&self, id: u64, items: &[Value]) -> ConnectorResult<WireQuote> {
        let body = self
            .write(
                Method::POST,
                &format!("/v3/orders/{id}/payment_actions/refund_quotes"),
                &json!({ "items": items }),
                &format!("order {id}"),
            )
            .await?;
        WireQuote::read(body.get("data").unwrap_or(&Value::Null), id)
    }

    /// Refunds `left` of the order: the products still unrefunded and the rest as an order
    /// amount, on the offline method the quote offers.
    async fn refund_rest(
        &self,
        id: u64,
        mut items: Vec<Value>,
        left: Decimal,
    ) -> ConnectorResult<WireRefund> {
        let order_item = |rest: Decimal| json!({"item_type": "ORDER", "item_id": id, "amount": amount(rest), "reason": REFUND_REASON});
        if items.is_empty() {
            items.push(order_item(left));
        }
        let mut quote = self.quote(id, &items).await?;
        if quote.total < left {
            items.push(order_item(left - quote.total));
            quote = self.quote(id, &items).await?;
        }
        let Some(options) = quote.offline_payments() else {
            let offered: Vec<&str> = quote
                .methods
                .iter()
                .flatten()
                .map(|(provider, ..)| provider.as_str())
                .collect();
            return Err(refused(
                id,
                &format!(
                    "BigCommerce offers no offline refund for it (only {})",
                    offered.join(", ")
                ),
            ));
        };
        let payments: Vec<Value> = options
            .iter()
            .map(|(provider, paid, _)| {
                json!({"provider_id": provider, "amount": amount(*paid), "offline": true})
            })
            .collect();
        let made = self
            .write(
                Method::POST,
                &format!("/v3/orders/{id}/payment_actions/refunds"),
                &json!({ "items": items, "payments": payments }),
                &format!("order {id}"),
            )
            .await?;
        tracing::info!(platform = "bigcommerce", order_id = id, amount = %quote.total, "Store order refunded.");
        WireRefund::read(made.get("data").unwrap_or(&Value::Null), id)
    }

    /// Adds back the units our refunds took, once (see the module notes).
    async fn put_back(&self, id: u64, notes: &str, refunds: &[WireRefund]) -> ConnectorResult<()> {
        let units = our_refunded_units(refunds);
        if units.is_empty() {
            return Ok(());
        }
        let wanted: Vec<(String, i64)> = self
            .order_lines(id)
            .await?
            .iter()
            .filter(|l| l.product_id != 0 && l.variant_id != 0)
            .filter_map(|l| {
                let q = units.get(&l.id).copied().unwrap_or(0);
                (q > 0).then(|| (variant_id(l.product_id, l.variant_id), q))
            })
            .collect();
        let lines: Vec<LineStock> =
            self.line_stock(&wanted)
                .await
                .map_err(|error| match error {
                    ConnectorError::Rejected { reason, raw } => ConnectorError::Rejected {
                        reason: format!(
                            "BigCommerce order #{id} is refunded, but its stock cannot be put back: {reason}; add the units in the BigCommerce control panel"
                        ),
                        raw,
                    },
                    other => other,
                })?;
        let back: Vec<(&LineStock, i64)> = lines.iter().map(|l| (l, l.quantity)).collect();
        let skus: Vec<&str> = lines.iter().map(|l| l.sku.as_str()).collect();
        if has_line(notes, RESTOCKING_LINE) {
            return Err(ConnectorError::Rejected {
                reason: format!(
                    "BigCommerce order #{id} is refunded, but feedbridge cannot tell whether its refunded units went back in stock (an earlier attempt stopped before BigCommerce confirmed it), so it added nothing more: check the stock of {} in the BigCommerce control panel",
                    skus.join(", ")
                ),
                raw: String::new(),
            });
        }
        let started = self.add_staff_note(id, notes, RESTOCKING_LINE).await?;
        self.adjust(&back, &format!("Refunded order {id} (TikTok Shop)"))
            .await?;
        self.add_staff_note(id, &started, RESTOCKED_LINE)
            .await
            .map(|_| ())
    }

    /// Appends `line` to the order's staff notes (`notes` as last read); the notes written.
    async fn add_staff_note(&self, id: u64, notes: &str, line: &str) -> ConnectorResult<String> {
        let marked = if notes.trim().is_empty() {
            line.to_owned()
        } else {
            format!("{}\n{line}", notes.trim_end())
        };
        self.write(
            Method::PUT,
            &format!("/v2/orders/{id}"),
            &json!({ "staff_notes": marked }),
            &format!("order {id}"),
        )
        .await?;
        Ok(marked)
    }

    /// See the module notes. `Ok(true)` once the order is refunded (now or before).
    pub(super) async fn refund_whole_order(
        &self,
        order_id: &str,
        restock: bool,
    ) -> ConnectorResult<bool> {
        let id = parse_order_id(order_id)?;
        let order = self
            .order(id)
            .await?
            .ok_or_else(|| not_found(&format!("order {order_id}")))?;
        let mut refunds = self.refunds(id).await?;
        if order.status_id != REFUNDED {
            let refunded: Decimal = refunds.iter().map(|r| r.total).sum();
            let left = (order.total_inc_tax - refunded).round_dp(2);
            if left > Decimal::ZERO {
                let lines = self.order_lines(id).await?;
                let items = product_items(&lines, &refunds);
                refunds.push(self.refund_rest(id, items, left).await?);
            }
        }
        if restock && !has_line(&order.staff_notes, RESTOCKED_LINE) {
            self.put_back(id, &order.staff_notes, &refunds).await?;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: u64, quantity: i64) -> WireLine {
        WireLine {
            id,
            product_id: 7,
            variant_id: 70 + id,
            sku: format!("SKU-{id}"),
            quantity,
            quantity_shipped: 0,
        }
    }

    fn refund(items: &[(&str, u64, i64)], reason: &str) -> WireRefund {
        WireRefund {
            total: Decimal::ONE,
            items: items
                .iter()
                .map(|(k, id, q)| ((*k).to_owned(), *id, *q, reason.to_owned()))
                .collect(),
        }
    }

    #[test]
    fn only_units_not_yet_refunded_are_asked_for_and_only_ours_go_back() {
        let lines = [line(1, 3), line(2, 1)];
        let theirs = refund(&[("PRODUCT", 1, 1)], "Damaged");
        assert_eq!(
            product_items(&lines, std::slice::from_ref(&theirs)),
            vec![
                json!({"item_type": "PRODUCT", "item_id": 1, "quantity": 2, "reason": REFUND_REASON}),
                json!({"item_type": "PRODUCT", "item_id": 2, "quantity": 1, "reason": REFUND_REASON}),
            ]
        );
        let ours = refund(
            &[("PRODUCT", 1, 2), ("PRODUCT", 2, 1), ("ORDER", 9, 0)],
            REFUND_REASON,
        );
        let both = [theirs, ours];
        assert!(product_items(&lines, &both).is_empty());
        assert_eq!(our_refunded_units(&both), BTreeMap::from([(1, 2), (2, 1)]));
    }

    #[test]
    fn the_refund_goes_to_the_offline_method() {
        let quote = |methods: Vec<Vec<(&str, bool)>>| WireQuote {
            total: Decimal::TEN,
            methods: methods
                .into_iter()
                .map(|m| {
                    m.into_iter()
                        .map(|(p, offline)| (p.to_owned(), Decimal::TEN, offline))
                        .collect()
                })
                .collect(),
        };
        let both = quote(vec![
            vec![("storecredit", false)],
            vec![("bankdeposit", true)],
            vec![("custom", true)],
        ]);
        assert_eq!(both.offline_payments().unwrap()[0].0, "custom");
        let bank = quote(vec![
            vec![("storecredit", false)],
            vec![("bankdeposit", true)],
        ]);
        assert_eq!(bank.offline_payments().unwrap()[0].0, "bankdeposit");
        assert!(
            quote(vec![vec![("braintree", false)]])
                .offline_payments()
                .is_none()
        );
        assert_eq!(amount(Decimal::new(45_590, 3)), json!(45.59));
        assert_eq!(amount(Decimal::new(4_500, 2)), json!(45));
    }
}
