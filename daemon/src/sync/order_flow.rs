//! An order's life as one decision. `decide` reads what is known of a TikTok order (its
//! TikTok detail, where we stand with it, the shop's rules, what Amazon holds) and the time,
//! and says what happens next; `orders::sync_order` gathers those facts and carries the answer
//! out. Every rule about when an order waits, is blocked, goes to the store or to Amazon lives
//! here, in the order it is applied. See docs/Architecture.md "An order's life".

use super::mcf_route::{self, McfRules, Route};
use crate::connector::RemoteOrder;
use crate::connector::store_platform::OrderHandling;
use crate::connector::tiktok::status::{OrderStatus, ShippingType};
use feedbridge_common::OrderSyncState;
use feedbridge_common::mcf::McfSettings;
use feedbridge_common::orders::{FbtRule, OrderSettings};
use std::collections::BTreeMap;

pub const WAITING_FOR_PAYMENT: &str = "Waiting for the buyer to pay.";
pub const IN_FREE_CANCEL_WINDOW: &str = "In TikTok's free-cancellation window; syncs when it ends.";
pub const BUYER_ASKED_TO_CANCEL: &str =
    "The buyer asked to cancel; waiting for the answer in TikTok Seller Center.";
pub const FULFILLED_BY_TIKTOK: &str =
    "Fulfilled by TikTok: TikTok ships it from its warehouse; nothing to send to Amazon.";
pub const FBT_RULE_B: &str = "Fulfilled by TikTok (rule B): created in the store, already fulfilled, once TikTok hands it to the carrier.";

/// What is known of one order when deciding.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub order: &'a RemoteOrder,
    pub state: OrderSyncState,
    /// We recorded its store order.
    pub in_store: bool,
    /// We recorded an Amazon fulfilment order for it.
    pub sent_to_amazon: bool,
    pub routing: &'a Routing,
    /// What the source can do with orders (its platform's capability).
    pub handling: OrderHandling,
}

/// What decides between the store and Amazon MCF.
#[derive(Clone, Debug, PartialEq)]
pub enum Routing {
    /// The organization has no Amazon account: everything goes to the store.
    StoreOnly,
    Amazon {
        /// FBA units by seller SKU; `None` until the first read of FBA stock.
        fba: Option<BTreeMap<String, i64>>,
        settings: McfSettings,
        /// The Amazon marketplace's currency, e.g. "GBP".
        currency: String,
        /// Whether Amazon already has its fulfilment order; `None` until asked (asked only
        /// when that decides).
        has_order: Option<bool>,
    },
}

/// What happens next to an order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Final here (cancelled): nothing more to do.
    Nothing,
    /// In the store: carry TikTok's later news across (cancellations, TikTok's shipments).
    FollowInStore,
    /// At Amazon: carry TikTok's news there.
    FollowAtAmazon,
    Wait(&'static str),
    /// The shop's hold window: wait until then (Unix seconds).
    Hold {
        until: i64,
    },
    Block(String),
    /// TikTok cancelled it before it reached the store (which may have it all the same).
    CancelBeforeSync,
    /// TikTok reported a status this version does not handle: leave it alone, visibly.
    Unhandled {
        status: String,
    },
    CreateInStore,
    /// To the store, with why it did not go to Amazon noted on the order.
    CreateInStoreBecause(String),
    SendToAmazon,
    /// Whether Amazon already has it decides: ask, then decide again.
    AskAmazon,
    /// FBA stock was never read: look again shortly.
    WaitForFbaStock,
}

pub fn decide(facts: &Facts<'_>, settings: &OrderSettings, now: i64) -> Next {
    let order = facts.order;
    if facts.state == OrderSyncState::Cancelled {
        return Next::Nothing;
    }
    if facts.in_store {
        return Next::FollowInStore;
    }
    if facts.sent_to_amazon {
        return Next::FollowAtAmazon;
    }
    let stage = match &order.status {
        OrderStatus::Unpaid => return Next::Wait(WAITING_FOR_PAYMENT),
        OrderStatus::OnHold => return Next::Wait(IN_FREE_CANCEL_WINDOW),
        OrderStatus::Cancelled => return Next::CancelBeforeSync,
        status => match status.shipping_stage() {
            Some(stage) => stage,
            None => {
                return Next::Unhandled {
                    status: status.as_str().to_owned(),
                };
            }
        },
    };
    if facts.handling == OrderHandling::AmazonMcf
        && (order.is_fbt() || order.shipping_type != ShippingType::Seller)
    {
        return Next::Wait(FULFILLED_BY_TIKTOK);
    }
    if order.is_fbt() && settings.fbt_rule == FbtRule::AfterCollection && stage < 2 {
        return Next::Block(FBT_RULE_B.to_owned());
    }
    if let Some(until) = hold_until(order, settings)
        && until > now
    {
        return Next::Hold { until };
    }
    if order.is_buyer_request_cancel {
        return Next::Wait(BUYER_ASKED_TO_CANCEL);
    }
    let Routing::Amazon {
        fba,
        settings: mcf_settings,
        currency,
        has_order,
    } = facts.routing
    else {
        return match facts.handling {
            OrderHandling::AmazonMcf => Next::Block(
                "The Amazon account's MCF access is not set up, so the order cannot go to Amazon; \
                 ship it from TikTok Seller Center, or check the Amazon connection."
                    .to_owned(),
            ),
            OrderHandling::CreateInStore | OrderHandling::SourceShop => Next::CreateInStore,
        };
    };
    let rules = McfRules {
        settings: mcf_settings,
        currency,
    };
    let to_store = match mcf_route::route(order, fba.as_ref(), &rules) {
        Route::Store => None,
        Route::StoreBecause(why) => Some(why),
        Route::Mcf => return Next::SendToAmazon,
        Route::Blocked(reason) => return Next::Block(reason),
        Route::WaitForStock => return Next::WaitForFbaStock,
        Route::AtAmazonIfKnown => match has_order {
            None => return Next::AskAmazon,
            Some(true) => return Next::SendToAmazon,
            Some(false) if facts.handling == OrderHandling::AmazonMcf => {
                return Next::Block(
                    "Not sent to Amazon MCF: TikTok shows it past awaiting shipment and Amazon \
                     has no fulfilment order for it; ship it from TikTok Seller Center."
                        .to_owned(),
                );
            }
            Some(false) => None,
        },
    };
    match (facts.handling, to_store) {
        (OrderHandling::AmazonMcf, why) => {
            let why = why.unwrap_or_else(|| not_for_amazon(order, fba.as_ref()));
            Next::Block(format!(
                "Not for Amazon MCF: {why}; ship it from TikTok Seller Center."
            ))
        }
        (_, None) => Next::CreateInStore,
        (_, Some(why)) => Next::CreateInStoreBecause(format!(
            "Not sent to Amazon MCF: {why}; created in the store."
        )),
    }
}

/// Why routing kept an order from Amazon without a stated reason: the items Amazon does not
/// hold (merchant-fulfilled), or the shop's MCF limits.
fn not_for_amazon(order: &RemoteOrder, fba: Option<&BTreeMap<String, i64>>) -> String {
    let not_held: Vec<String> = mcf_route::items_by_sku(order)
        .into_keys()
        .filter(|sku| fba.is_none_or(|fba| fba.get(sku).is_none_or(|units| *units <= 0)))
        .collect();
    match not_held.as_slice() {
        [] => "over this shop's MCF limits (units or order value)".to_owned(),
        [sku] => format!("SKU {sku} is merchant-fulfilled (FBM) or out of FBA stock"),
        skus => format!(
            "SKUs {} are merchant-fulfilled (FBM) or out of FBA stock",
            skus.join(", ")
        ),
    }
}

/// When a paid order may go to the store under the shop's hold window.
pub fn hold_until(order: &RemoteOrder, settings: &OrderSettings) -> Option<i64> {
    if settings.hold_minutes == 0 {
        return None;
    }
    let paid = if order.paid_time > 0 {
        order.paid_time
    } else {
        order.create_time
    };
    Some(paid + i64::from(settings.hold_minutes) * 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::RemoteLineItem;
    use crate::connector::tiktok::status::{FulfillmentType, ShippingType};
    use rust_decimal::Decimal;

    const NOW: i64 = 10_000;

    fn order(status: OrderStatus) -> RemoteOrder {
        RemoteOrder {
            status,
            update_time: NOW,
            create_time: NOW - 600,
            paid_time: NOW - 500,
            sub_total: Decimal::ONE,
            line_items: vec![RemoteLineItem::sample("l1", "A")],
            ..RemoteOrder::sample("576")
        }
    }

    fn amazon(units: Option<i64>, has_order: Option<bool>) -> Routing {
        Routing::Amazon {
            fba: units.map(|n| BTreeMap::from([("A".to_owned(), n)])),
            settings: McfSettings::default(),
            currency: "USD".into(),
            has_order,
        }
    }

    /// One row of the decision table.
    struct Case {
        name: &'static str,
        order: RemoteOrder,
        state: OrderSyncState,
        in_store: bool,
        sent_to_amazon: bool,
        routing: Routing,
        settings: OrderSettings,
        handling: OrderHandling,
        expect: Next,
    }

    fn case(name: &'static str, order: RemoteOrder, expect: Next) -> Case {
        Case {
            name,
            order,
            state: OrderSyncState::Pending,
            in_store: false,
            sent_to_amazon: false,
            routing: Routing::StoreOnly,
            settings: OrderSettings::default(),
            handling: OrderHandling::CreateInStore,
            expect,
        }
    }

    fn with(mut order: RemoteOrder, change: impl FnOnce(&mut RemoteOrder)) -> RemoteOrder {
        change(&mut order);
        order
    }

    #[test]
    fn every_row_of_the_decision_table() {
        let fbt = |status: OrderStatus| {
            with(order(status), |o| {
                o.fulfillment_type = FulfillmentType::TikTok;
            })
        };
        let rule_b = OrderSettings {
            fbt_rule: FbtRule::AfterCollection,
            ..OrderSettings::default()
        };
        let hold_hour = OrderSettings {
            hold_minutes: 60,
            ..OrderSettings::default()
        };
        let cases = [
            case(
                "unpaid",
                order(OrderStatus::Unpaid),
                Next::Wait(WAITING_FOR_PAYMENT),
            ),
            case(
                "on hold",
                order(OrderStatus::OnHold),
                Next::Wait(IN_FREE_CANCEL_WINDOW),
            ),
            case(
                "cancelled before sync",
                order(OrderStatus::Cancelled),
                Next::CancelBeforeSync,
            ),
            case(
                "cancelled (webhook spelling)",
                order(OrderStatus::Cancelled),
                Next::CancelBeforeSync,
            ),
            Case {
                state: OrderSyncState::Cancelled,
                ..case("cancelled here is final", order(OrderStatus::InTransit), Next::Nothing)
            },
            case(
                "unknown status",
                order(OrderStatus::Unknown("RETURNED_TO_SELLER".into())),
                Next::Unhandled {
                    status: "RETURNED_TO_SELLER".into(),
                },
            ),
            case(
                "paid: create it",
                order(OrderStatus::AwaitingShipment),
                Next::CreateInStore,
            ),
            case(
                "already shipped on TikTok: still recorded in the store",
                order(OrderStatus::InTransit),
                Next::CreateInStore,
            ),
            case(
                "FBT rule A: created at once",
                fbt(OrderStatus::AwaitingShipment),
                Next::CreateInStore,
            ),
            Case {
                settings: rule_b.clone(),
                ..case(
                    "FBT rule B: blocked until collection",
                    fbt(OrderStatus::AwaitingShipment),
                    Next::Block(FBT_RULE_B.into()),
                )
            },
            Case {
                settings: rule_b,
                ..case(
                    "FBT rule B: created once collected",
                    fbt(OrderStatus::AwaitingCollection),
                    Next::CreateInStore,
                )
            },
            Case {
                settings: hold_hour.clone(),
                ..case(
                    "hold window not over",
                    order(OrderStatus::AwaitingShipment),
                    Next::Hold {
                        until: NOW - 500 + 3_600,
                    },
                )
            },
            Case {
                settings: hold_hour,
                ..case(
                    "hold window over",
                    with(order(OrderStatus::AwaitingShipment), |o| o.paid_time = NOW - 3_601),
                    Next::CreateInStore,
                )
            },
            case(
                "buyer asked to cancel",
                with(order(OrderStatus::AwaitingShipment), |o| o.is_buyer_request_cancel = true),
                Next::Wait(BUYER_ASKED_TO_CANCEL),
            ),
            Case {
                in_store: true,
                ..case(
                    "already in the store",
                    order(OrderStatus::Cancelled),
                    Next::FollowInStore,
                )
            },
            Case {
                sent_to_amazon: true,
                ..case(
                    "already at Amazon",
                    order(OrderStatus::AwaitingShipment),
                    Next::FollowAtAmazon,
                )
            },
            Case {
                routing: amazon(Some(5), None),
                ..case(
                    "MCF: every line at FBA",
                    order(OrderStatus::AwaitingShipment),
                    Next::SendToAmazon,
                )
            },
            Case {
                routing: amazon(Some(0), None),
                ..case(
                    "MCF: nothing at FBA goes to the store",
                    order(OrderStatus::AwaitingShipment),
                    Next::CreateInStore,
                )
            },
            Case {
                routing: Routing::Amazon {
                    fba: Some(BTreeMap::from([("A".to_owned(), 5)])),
                    settings: McfSettings {
                        excluded_skus: ["A".to_owned()].into(),
                        ..McfSettings::default()
                    },
                    currency: "USD".into(),
                    has_order: None,
                },
                ..case(
                    "MCF: an excluded SKU goes to the store, saying so",
                    order(OrderStatus::AwaitingShipment),
                    Next::CreateInStoreBecause(
                        "Not sent to Amazon MCF: SKU A excluded from MCF for this shop; created in the store."
                            .into(),
                    ),
                )
            },
            Case {
                routing: amazon(None, None),
                ..case(
                    "MCF: FBA stock not read yet",
                    order(OrderStatus::AwaitingShipment),
                    Next::WaitForFbaStock,
                )
            },
            Case {
                routing: amazon(Some(5), None),
                ..case(
                    "MCF: mixed lines are blocked",
                    with(order(OrderStatus::AwaitingShipment), |o| {
                        let mut other = o.line_items[0].clone();
                        other.seller_sku = "B".into();
                        o.line_items.push(other);
                    }),
                    Next::Block(
                        "Contains items Amazon does not fulfil (B); ship it from TikTok Seller Center."
                            .into(),
                    ),
                )
            },
            Case {
                routing: amazon(Some(5), None),
                ..case(
                    "MCF: past awaiting shipment, ask Amazon",
                    order(OrderStatus::InTransit),
                    Next::AskAmazon,
                )
            },
            Case {
                routing: amazon(Some(5), Some(true)),
                ..case(
                    "MCF: Amazon already has it",
                    order(OrderStatus::InTransit),
                    Next::SendToAmazon,
                )
            },
            Case {
                routing: amazon(Some(5), Some(false)),
                ..case(
                    "MCF: Amazon does not have it",
                    order(OrderStatus::InTransit),
                    Next::CreateInStore,
                )
            },
            Case {
                routing: amazon(Some(5), None),
                ..case(
                    "MCF: TikTok ships it",
                    with(order(OrderStatus::AwaitingShipment), |o| o.shipping_type = ShippingType::TikTok),
                    Next::CreateInStore,
                )
            },
            Case {
                routing: amazon(Some(5), None),
                handling: OrderHandling::AmazonMcf,
                ..case(
                    "Amazon source: FBA lines go to MCF",
                    order(OrderStatus::AwaitingShipment),
                    Next::SendToAmazon,
                )
            },
            Case {
                routing: amazon(Some(0), None),
                handling: OrderHandling::AmazonMcf,
                ..case(
                    "Amazon source: an FBM order is blocked naming its SKU",
                    order(OrderStatus::AwaitingShipment),
                    Next::Block(
                        "Not for Amazon MCF: SKU A is merchant-fulfilled (FBM) or out of FBA stock; ship it from TikTok Seller Center."
                            .into(),
                    ),
                )
            },
            Case {
                routing: Routing::Amazon {
                    fba: Some(BTreeMap::from([("A".to_owned(), 5)])),
                    settings: McfSettings {
                        excluded_skus: ["A".to_owned()].into(),
                        ..McfSettings::default()
                    },
                    currency: "USD".into(),
                    has_order: None,
                },
                handling: OrderHandling::AmazonMcf,
                ..case(
                    "Amazon source: an excluded SKU is blocked, saying so",
                    order(OrderStatus::AwaitingShipment),
                    Next::Block(
                        "Not for Amazon MCF: SKU A excluded from MCF for this shop; ship it from TikTok Seller Center."
                            .into(),
                    ),
                )
            },
            Case {
                routing: amazon(Some(5), Some(false)),
                handling: OrderHandling::AmazonMcf,
                ..case(
                    "Amazon source: past awaiting shipment and unknown to Amazon",
                    order(OrderStatus::InTransit),
                    Next::Block(
                        "Not sent to Amazon MCF: TikTok shows it past awaiting shipment and Amazon has no fulfilment order for it; ship it from TikTok Seller Center."
                            .into(),
                    ),
                )
            },
            Case {
                routing: amazon(Some(5), None),
                handling: OrderHandling::AmazonMcf,
                ..case(
                    "Amazon source: fulfilled by TikTok",
                    fbt(OrderStatus::AwaitingShipment),
                    Next::Wait(FULFILLED_BY_TIKTOK),
                )
            },
            Case {
                handling: OrderHandling::AmazonMcf,
                ..case(
                    "Amazon source without MCF access",
                    order(OrderStatus::AwaitingShipment),
                    Next::Block(
                        "The Amazon account's MCF access is not set up, so the order cannot go to Amazon; ship it from TikTok Seller Center, or check the Amazon connection."
                            .into(),
                    ),
                )
            },
            Case {
                handling: OrderHandling::SourceShop,
                ..case(
                    "source shop: taken off its stock like a store order",
                    order(OrderStatus::AwaitingShipment),
                    Next::CreateInStore,
                )
            },
        ];
        for case in cases {
            let facts = Facts {
                order: &case.order,
                state: case.state,
                in_store: case.in_store,
                sent_to_amazon: case.sent_to_amazon,
                routing: &case.routing,
                handling: case.handling,
            };
            assert_eq!(
                decide(&facts, &case.settings, NOW),
                case.expect,
                "{}",
                case.name
            );
        }
    }

    #[test]
    fn hold_window_counts_from_payment() {
        let o = order(OrderStatus::AwaitingShipment);
        let mut settings = OrderSettings::default();
        assert_eq!(hold_until(&o, &settings), None);
        settings.hold_minutes = 60;
        assert_eq!(hold_until(&o, &settings), Some(NOW - 500 + 3_600));
        let unpaid = with(o, |o| o.paid_time = 0);
        assert_eq!(hold_until(&unpaid, &settings), Some(NOW - 600 + 3_600));
    }
}
