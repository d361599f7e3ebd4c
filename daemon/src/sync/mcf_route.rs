//! Where a paid TikTok order that is not in the store yet goes, when Amazon MCF is wired in:
//! to Amazon, to the store, blocked, or waiting for FBA stock. Pure (FBA stock and the shop's
//! MCF rules are read by the caller); `order_flow::decide` asks it, `mcf` carries it out.

use crate::connector::RemoteOrder;
use crate::connector::tiktok::status::{OrderStatus, ShippingType};
use feedbridge_common::mcf::McfSettings;
use std::collections::BTreeMap;

/// Amazon's limits on one fulfilment order (createFulfillmentOrder `items`).
const MAX_LINES: usize = 100;
const MAX_UNITS: u32 = 250;
/// Amazon documents no per-SKU cap beyond the order's 250 units (quantity is an int32), so
/// one SKU may take the whole order's allowance.
const MAX_UNITS_PER_SKU: u32 = MAX_UNITS;
/// `sellerSku` and `sellerFulfillmentOrderItemId` are at most 50 characters.
const MAX_ID_CHARS: usize = 50;

/// Where a paid, unsent order goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    Store,
    /// Not to Amazon for a reason the merchant should see on the order (a SKU excluded from
    /// MCF, or the order's currency not the marketplace's), e.g. "SKU B excluded from MCF
    /// for this shop": to the store where there is one.
    StoreBecause(String),
    Mcf,
    /// Stays where it is until the merchant acts (the reason says how).
    Blocked(String),
    /// FBA stock was never read: look again shortly.
    WaitForStock,
    /// Every line is Amazon's but the order is past waiting for shipment: Amazon may be
    /// shipping it already (sent by a database this one replaced); the store only if not.
    AtAmazonIfKnown,
}

/// Seller SKU -> (units, first TikTok line id): one Amazon item per SKU.
pub(super) fn items_by_sku(order: &RemoteOrder) -> BTreeMap<String, (u32, String)> {
    let mut items: BTreeMap<String, (u32, String)> = BTreeMap::new();
    for line in &order.line_items {
        items
            .entry(line.seller_sku.clone())
            .or_insert_with(|| (0, line.id.clone()))
            .0 += 1;
    }
    items
}

/// What the shop's Amazon account can take: its rules and the marketplace's currency.
pub struct McfRules<'a> {
    pub settings: &'a McfSettings,
    /// The Amazon marketplace's currency, e.g. "GBP": declared values are sent in it.
    pub currency: &'a str,
}

/// The routing decision for an order, from FBA stock (`None` = never read) and the shop's
/// rules. Pure: the caller reads the state. A SKU the shop excluded from MCF counts as one
/// Amazon does not hold.
pub fn route(
    order: &RemoteOrder,
    fba: Option<&BTreeMap<String, i64>>,
    rules: &McfRules<'_>,
) -> Route {
    let settings = rules.settings;
    if order.shipping_type != ShippingType::Seller || order.is_fbt() {
        return Route::Store;
    }
    let awaiting_shipment = order.status == OrderStatus::AwaitingShipment;
    let Some(fba) = fba else {
        return if awaiting_shipment {
            Route::WaitForStock
        } else {
            Route::Store
        };
    };
    let items = items_by_sku(order);
    let at_fba = |sku: &String| fba.get(sku).is_some_and(|units| *units > 0);
    let (amazon, other): (Vec<&String>, Vec<&String>) = items
        .keys()
        .partition(|sku| at_fba(sku) && !settings.is_excluded(sku));
    let excluded: Vec<&str> = other
        .iter()
        .filter(|sku| at_fba(sku))
        .map(|sku| sku.as_str())
        .collect();
    let not_held: Vec<&str> = other
        .iter()
        .filter(|sku| !at_fba(sku))
        .map(|sku| sku.as_str())
        .collect();
    if !awaiting_shipment && not_held.is_empty() && !items.is_empty() {
        // Every line is Amazon's stock: a database this one replaced may have sent it before
        // a SKU was excluded (or under another currency rule); exclusions govern only what is
        // sent from now on, so Amazon is asked first. A mixed one stays blocked.
        return Route::AtAmazonIfKnown;
    }
    if amazon.is_empty() {
        return match excluded.as_slice() {
            [] => Route::Store,
            skus => Route::StoreBecause(format!(
                "SKU {} excluded from MCF for this shop",
                skus.join(", ")
            )),
        };
    }
    if !order.currency.trim().eq_ignore_ascii_case(rules.currency) {
        // Another country's shop: this marketplace's FBA stock does not serve it.
        return Route::StoreBecause(format!(
            "the order is in {}, the Amazon marketplace in {}",
            order.currency, rules.currency
        ));
    }
    if !other.is_empty() {
        let mut parts = Vec::new();
        if !not_held.is_empty() {
            parts.push(format!(
                "Contains items Amazon does not fulfil ({})",
                not_held.join(", ")
            ));
        }
        if !excluded.is_empty() {
            parts.push(format!(
                "{} SKU {} excluded from MCF for this shop",
                if parts.is_empty() { "Contains" } else { "and" },
                excluded.join(", ")
            ));
        }
        return Route::Blocked(format!(
            "{}; ship it from TikTok Seller Center.",
            parts.join(" ")
        ));
    }
    let units: u32 = items.values().map(|(n, _)| *n).sum();
    if settings.max_units.is_some_and(|max| units > max)
        || settings
            .max_order_value
            .is_some_and(|max| order.total > max)
    {
        return Route::Store;
    }
    match limit_problem(&items) {
        Some(problem) => Route::Blocked(format!(
            "Too big for one Amazon fulfilment order: {problem}; ship it from TikTok Seller Center."
        )),
        None => Route::Mcf,
    }
}

/// Why Amazon would refuse the order as one fulfilment order, naming the limit.
pub(super) fn limit_problem(items: &BTreeMap<String, (u32, String)>) -> Option<String> {
    if items.len() > MAX_LINES {
        return Some(format!(
            "{} different SKUs, more than the {MAX_LINES} lines Amazon accepts in one fulfilment order",
            items.len()
        ));
    }
    let units: u32 = items.values().map(|(n, _)| *n).sum();
    if units > MAX_UNITS {
        return Some(format!(
            "{units} units, more than the {MAX_UNITS} Amazon accepts in one fulfilment order"
        ));
    }
    if let Some((sku, (n, _))) = items.iter().find(|(_, (n, _))| *n > MAX_UNITS_PER_SKU) {
        return Some(format!(
            "{n} units of SKU {sku}, more than the {MAX_UNITS_PER_SKU} Amazon accepts for one SKU"
        ));
    }
    if let Some(sku) = items.keys().find(|sku| sku.chars().count() > MAX_ID_CHARS) {
        return Some(format!(
            "SKU {sku} is longer than the {MAX_ID_CHARS} characters Amazon accepts"
        ));
    }
    None
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::connector::{RemoteAddress, RemoteLineItem};
    use rust_decimal::Decimal;

    pub(in crate::sync) fn order(skus: &[&str]) -> RemoteOrder {
        RemoteOrder {
            create_time: 1_700_000_000,
            paid_time: 1_700_000_060,
            total: Decimal::new(5000, 2),
            recipient: RemoteAddress {
                first_name: "Jane".into(),
                last_name: "Doe".into(),
                address_line1: "1 Main St".into(),
                city: "Troy".into(),
                state: "MI".into(),
                postal_code: "48084".into(),
                region_code: "US".into(),
                ..RemoteAddress::default()
            },
            line_items: skus
                .iter()
                .enumerate()
                .map(|(i, sku)| RemoteLineItem {
                    original_price: Decimal::TEN,
                    sale_price: Decimal::TEN,
                    ..RemoteLineItem::sample(&format!("line{i}"), sku)
                })
                .collect(),
            ..RemoteOrder::sample("576461413038785752")
        }
    }

    fn stock(skus: &[(&str, i64)]) -> BTreeMap<String, i64> {
        skus.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect()
    }

    /// The rules of a US marketplace (the test orders are in USD).
    fn usd(settings: &McfSettings) -> McfRules<'_> {
        McfRules {
            settings,
            currency: "USD",
        }
    }

    #[test]
    fn all_fba_orders_go_to_amazon_and_mixed_ones_are_blocked() {
        let fba = stock(&[("A", 5), ("B", 1), ("GONE", 0)]);
        let settings = McfSettings::default();
        assert_eq!(
            route(&order(&["A", "A", "B"]), Some(&fba), &usd(&settings)),
            Route::Mcf
        );
        assert_eq!(
            route(&order(&["X"]), Some(&fba), &usd(&settings)),
            Route::Store
        );
        let Route::Blocked(reason) =
            route(&order(&["A", "X", "GONE"]), Some(&fba), &usd(&settings))
        else {
            panic!("a mixed order is blocked");
        };
        assert_eq!(
            reason,
            "Contains items Amazon does not fulfil (GONE, X); ship it from TikTok Seller Center."
        );
        assert_eq!(
            route(&order(&["A"]), None, &usd(&settings)),
            Route::WaitForStock
        );
    }

    #[test]
    fn tiktok_shipping_fbt_and_other_statuses_never_go_to_amazon() {
        let fba = stock(&[("A", 5)]);
        let settings = McfSettings::default();
        let mut tiktok = order(&["A"]);
        tiktok.shipping_type = crate::connector::tiktok::status::ShippingType::TikTok;
        assert_eq!(route(&tiktok, Some(&fba), &usd(&settings)), Route::Store);
        let mut fbt = order(&["A"]);
        fbt.fulfillment_type = crate::connector::tiktok::status::FulfillmentType::TikTok;
        assert_eq!(route(&fbt, Some(&fba), &usd(&settings)), Route::Store);
        let mut shipped = order(&["A"]);
        shipped.status = OrderStatus::InTransit;
        assert_eq!(
            route(&shipped, Some(&fba), &usd(&settings)),
            Route::AtAmazonIfKnown
        );
    }

    #[test]
    fn keep_away_rules_send_orders_to_the_store() {
        let fba = stock(&[("A", 500)]);
        let units = McfSettings {
            max_units: Some(2),
            ..McfSettings::default()
        };
        assert_eq!(
            route(&order(&["A", "A"]), Some(&fba), &usd(&units)),
            Route::Mcf
        );
        assert_eq!(
            route(&order(&["A", "A", "A"]), Some(&fba), &usd(&units)),
            Route::Store
        );
        let value = McfSettings {
            max_order_value: Some(Decimal::new(4999, 2)),
            ..McfSettings::default()
        };
        assert_eq!(
            route(&order(&["A"]), Some(&fba), &usd(&value)),
            Route::Store
        );
    }

    #[test]
    fn amazon_limits_block_with_the_limit_named() {
        let fba = stock(&[("A", 500)]);
        let settings = McfSettings::default();
        let big = order(&vec!["A"; 251]);
        let Route::Blocked(reason) = route(&big, Some(&fba), &usd(&settings)) else {
            panic!("over the unit limit");
        };
        assert!(
            reason.contains("251 units") && reason.contains("250"),
            "{reason}"
        );
        let many: Vec<String> = (0..101).map(|i| format!("S{i}")).collect();
        let fba: BTreeMap<String, i64> = many.iter().map(|s| (s.clone(), 1)).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let Route::Blocked(reason) = route(&order(&refs), Some(&fba), &usd(&settings)) else {
            panic!("over the line limit");
        };
        assert!(reason.contains("101 different SKUs"), "{reason}");
    }

    #[test]
    fn an_excluded_sku_is_routed_as_if_amazon_held_none_of_it() {
        let fba = stock(&[("A", 5), ("B", 5)]);
        let mut settings = McfSettings::default();
        settings.exclude(["B"]);
        assert_eq!(
            route(&order(&["A", "A"]), Some(&fba), &usd(&settings)),
            Route::Mcf,
            "the SKUs not excluded still go to Amazon"
        );
        assert_eq!(
            route(&order(&["B", "B"]), Some(&fba), &usd(&settings)),
            Route::StoreBecause("SKU B excluded from MCF for this shop".into())
        );
        assert_eq!(
            route(&order(&["A", "B"]), Some(&fba), &usd(&settings)),
            Route::Blocked(
                "Contains SKU B excluded from MCF for this shop; ship it from TikTok Seller Center."
                    .into()
            ),
            "mixed with an FBA SKU: blocked like any mixed order"
        );
        assert_eq!(
            route(&order(&["A", "B", "X"]), Some(&fba), &usd(&settings)),
            Route::Blocked(
                "Contains items Amazon does not fulfil (X) and SKU B excluded from MCF for this shop; ship it from TikTok Seller Center."
                    .into()
            )
        );
        // A SKU Amazon does not hold needs no exclusion to stay off it: no reason noted.
        settings.exclude(["X"]);
        assert_eq!(
            route(&order(&["X"]), Some(&fba), &usd(&settings)),
            Route::Store
        );
        settings.include(["B"]);
        assert_eq!(
            route(&order(&["A", "B"]), Some(&fba), &usd(&settings)),
            Route::Mcf
        );
        // Past awaiting shipment, Amazon may have it from before the exclusion: ask first.
        settings.exclude(["A", "B"]);
        let mut shipped = order(&["A", "B"]);
        shipped.status = OrderStatus::InTransit;
        assert_eq!(
            route(&shipped, Some(&fba), &usd(&settings)),
            Route::AtAmazonIfKnown
        );
    }

    #[test]
    fn an_order_in_another_currency_than_the_marketplace_goes_to_the_store() {
        let fba = stock(&[("A", 5)]);
        let settings = McfSettings::default();
        let uk = McfRules {
            settings: &settings,
            currency: "GBP",
        };
        assert_eq!(
            route(&order(&["A"]), Some(&fba), &uk),
            Route::StoreBecause("the order is in USD, the Amazon marketplace in GBP".into())
        );
        let mut pounds = order(&["A"]);
        pounds.currency = "GBP".into();
        assert_eq!(route(&pounds, Some(&fba), &uk), Route::Mcf);
    }
}
