//! The per-shop rules that turn the store's stock and price into what TikTok shows. Pure
//! functions on decimals and integers (never floats), so every rule is testable on its own.

use feedbridge_common::catalog::{PriceMarkup, ShopSettings, StockBuffer};
use feedbridge_common::regions;
use rust_decimal::{Decimal, RoundingStrategy};

/// TikTok refuses quantities above this (tiktok-shop.md §4.1, "range 1–99,999"; 0 = sold out).
pub const TIKTOK_MAX_QUANTITY: i64 = 99_999;

/// Units to show on TikTok for `sellable` store units: minus the buffer (a percentage is
/// rounded up, so the buffer never holds back less than asked), never below 0, at most
/// `max_quantity` and TikTok's own ceiling.
pub fn tiktok_quantity(sellable: i64, buffer: StockBuffer, max_quantity: Option<u32>) -> i64 {
    let sellable = sellable.max(0);
    let held_back = match buffer {
        StockBuffer::None => 0,
        StockBuffer::Units(units) => i64::from(units),
        StockBuffer::Percent(percent) => {
            // ceil(sellable × percent / 100) in integers.
            (sellable * i64::from(percent) + 99) / 100
        }
    };
    let shown = (sellable - held_back).max(0);
    let cap = max_quantity.map_or(TIKTOK_MAX_QUANTITY, i64::from);
    shown.min(cap).min(TIKTOK_MAX_QUANTITY)
}

/// TikTok's price in `shop_currency` for a store price: converted at the shop's currency rate
/// (when set), then marked up and rounded in the shop's currency.
pub fn shop_price(store_price: Decimal, settings: &ShopSettings, shop_currency: &str) -> Decimal {
    let converted = settings
        .currency_rate
        .map_or(store_price, |rate| store_price * rate);
    tiktok_price(
        converted,
        settings.price_markup,
        settings.round_to_99,
        regions::currency_decimals(shop_currency).unwrap_or(2),
    )
}

/// A TikTok amount in the store's currency: divided by the shop's currency rate and rounded
/// to the store currency's minor unit (half away from zero).
pub fn store_amount(shop_amount: Decimal, rate: Decimal, store_currency: &str) -> Decimal {
    let decimals = regions::currency_decimals(store_currency).unwrap_or(2);
    (shop_amount / rate).round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero)
}

/// A price after the markup, rounded to `decimals` (half away from zero), then optionally
/// raised to the next .99 (10.00 → 10.99; 10.99 stays). A currency without cents (JPY) keeps
/// whole units and has no .99 to round to.
pub fn tiktok_price(
    price: Decimal,
    markup: PriceMarkup,
    round_to_99: bool,
    decimals: u32,
) -> Decimal {
    let marked = match markup {
        PriceMarkup::None => price,
        PriceMarkup::Percent(percent) => price + price * percent / Decimal::ONE_HUNDRED,
        PriceMarkup::Fixed(amount) => price + amount,
    };
    let rounded = marked
        .round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero)
        .max(Decimal::ZERO);
    if !round_to_99 || decimals < 2 {
        return rounded;
    }
    let ninety_nine = rounded.trunc() + Decimal::new(99, 2);
    let raised = if ninety_nine >= rounded {
        ninety_nine
    } else {
        ninety_nine + Decimal::ONE
    };
    raised.round_dp(decimals)
}

/// Why these settings cannot be saved, in the merchant's words; `None` when they are fine.
pub fn settings_problem(settings: &ShopSettings) -> Option<String> {
    if let StockBuffer::Percent(percent) = settings.inventory_buffer
        && percent > 100
    {
        return Some(format!(
            "The stock buffer of {percent}% is more than 100%; use a value from 0 to 100."
        ));
    }
    if let Some(max) = settings.max_quantity
        && i64::from(max) > TIKTOK_MAX_QUANTITY
    {
        return Some(format!(
            "The maximum quantity {max} is above TikTok's limit of {TIKTOK_MAX_QUANTITY} units; lower it."
        ));
    }
    match settings.price_markup {
        PriceMarkup::Percent(percent) if percent <= -Decimal::ONE_HUNDRED => {
            return Some(format!(
                "A markup of {percent}% would make every price zero or negative; use more than -100%."
            ));
        }
        PriceMarkup::Percent(percent) if percent.scale() > 4 => {
            return Some(format!(
                "The markup {percent}% has too many decimals; use at most 4."
            ));
        }
        PriceMarkup::Fixed(amount) if amount.scale() > 2 => {
            return Some(format!(
                "The fixed markup {amount} has fractions of a cent; use at most 2 decimals."
            ));
        }
        _ => {}
    }
    if let Some(rate) = settings.currency_rate {
        if rate <= Decimal::ZERO {
            return Some(format!(
                "The currency rate {rate} must be more than 0 (units of the shop's currency per unit of the store's)."
            ));
        }
        if rate.scale() > 8 {
            return Some(format!(
                "The currency rate {rate} has too many decimals; use at most 8."
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for mapping in &settings.location_warehouses {
        if mapping.store_location_id.trim().is_empty() || mapping.warehouse_id.trim().is_empty() {
            return Some(
                "Every location mapping needs both a store location and a TikTok warehouse.".into(),
            );
        }
        if !seen.insert(location_key(&mapping.store_location_id)) {
            return Some(format!(
                "Store location {} is mapped twice; a location feeds one warehouse.",
                mapping.store_location_id
            ));
        }
    }
    for (what, value) in [
        ("package weight", settings.package_weight_kg),
        ("package length", settings.package_length_cm),
        ("package width", settings.package_width_cm),
        ("package height", settings.package_height_cm),
    ] {
        if value <= Decimal::ZERO {
            return Some(format!(
                "The default {what} must be more than 0 (it is {value})."
            ));
        }
    }
    None
}

/// A store location id in one form, whether given as `gid://shopify/Location/12` or `12`.
pub fn location_key(location_id: &str) -> String {
    let id = location_id.trim();
    id.rsplit('/').next().unwrap_or(id).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedbridge_common::catalog::LocationWarehouse;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn quantity_without_rules_is_the_store_stock() {
        assert_eq!(tiktok_quantity(12, StockBuffer::None, None), 12);
        assert_eq!(tiktok_quantity(0, StockBuffer::None, None), 0);
    }

    #[test]
    fn quantity_never_goes_below_zero() {
        assert_eq!(tiktok_quantity(0, StockBuffer::Units(2), None), 0);
        assert_eq!(tiktok_quantity(3, StockBuffer::Units(5), None), 0);
        assert_eq!(tiktok_quantity(-4, StockBuffer::None, None), 0);
        assert_eq!(tiktok_quantity(1, StockBuffer::Percent(100), None), 0);
    }

    #[test]
    fn unit_buffer_is_subtracted() {
        assert_eq!(tiktok_quantity(10, StockBuffer::Units(2), None), 8);
        assert_eq!(tiktok_quantity(2, StockBuffer::Units(2), None), 0);
    }

    #[test]
    fn percent_buffer_rounds_up() {
        // 10% of 15 = 1.5 → 2 held back.
        assert_eq!(tiktok_quantity(15, StockBuffer::Percent(10), None), 13);
        // 10% of 10 = exactly 1.
        assert_eq!(tiktok_quantity(10, StockBuffer::Percent(10), None), 9);
        // 10% of 1 = 0.1 → 1 held back.
        assert_eq!(tiktok_quantity(1, StockBuffer::Percent(10), None), 0);
        assert_eq!(tiktok_quantity(0, StockBuffer::Percent(10), None), 0);
    }

    #[test]
    fn cap_limits_what_is_shown_after_the_buffer() {
        assert_eq!(tiktok_quantity(40, StockBuffer::Units(2), Some(25)), 25);
        assert_eq!(tiktok_quantity(20, StockBuffer::Units(2), Some(25)), 18);
        assert_eq!(tiktok_quantity(20, StockBuffer::None, Some(0)), 0);
        assert_eq!(
            tiktok_quantity(1_000_000, StockBuffer::None, None),
            TIKTOK_MAX_QUANTITY
        );
    }

    #[test]
    fn price_without_rules_is_the_store_price_in_cents() {
        assert_eq!(
            tiktok_price(d("19.99"), PriceMarkup::None, false, 2),
            d("19.99")
        );
        assert_eq!(
            tiktok_price(d("19.9"), PriceMarkup::None, false, 2),
            d("19.90")
        );
    }

    #[test]
    fn percent_markup_rounds_to_cents_half_away_from_zero() {
        // 19.99 × 1.10 = 21.989 → 21.99
        assert_eq!(
            tiktok_price(d("19.99"), PriceMarkup::Percent(d("10")), false, 2),
            d("21.99")
        );
        // 10.15 × 1.10 = 11.165 → 11.17 (half away from zero; banker's would give 11.16)
        assert_eq!(
            tiktok_price(d("10.15"), PriceMarkup::Percent(d("10")), false, 2),
            d("11.17")
        );
        // 12.50 × 1.125 = 14.0625 → 14.06
        assert_eq!(
            tiktok_price(d("12.50"), PriceMarkup::Percent(d("12.5")), false, 2),
            d("14.06")
        );
    }

    #[test]
    fn fixed_markup_adds_the_amount() {
        assert_eq!(
            tiktok_price(d("10.00"), PriceMarkup::Fixed(d("2.50")), false, 2),
            d("12.50")
        );
        // A negative amount larger than the price never yields a negative price.
        assert_eq!(
            tiktok_price(d("1.00"), PriceMarkup::Fixed(d("-5")), false, 2),
            d("0.00")
        );
    }

    #[test]
    fn rounding_to_99_goes_up_to_the_next_99() {
        assert_eq!(
            tiktok_price(d("10.00"), PriceMarkup::None, true, 2),
            d("10.99")
        );
        assert_eq!(
            tiktok_price(d("10.99"), PriceMarkup::None, true, 2),
            d("10.99")
        );
        assert_eq!(
            tiktok_price(d("10.50"), PriceMarkup::None, true, 2),
            d("10.99")
        );
        assert_eq!(
            tiktok_price(d("0.01"), PriceMarkup::None, true, 2),
            d("0.99")
        );
        // After markup: 19.99 × 1.10 = 21.99 stays; 20.00 + 10% = 22.00 → 22.99.
        assert_eq!(
            tiktok_price(d("19.99"), PriceMarkup::Percent(d("10")), true, 2),
            d("21.99")
        );
        assert_eq!(
            tiktok_price(d("20.00"), PriceMarkup::Percent(d("10")), true, 2),
            d("22.99")
        );
    }

    #[test]
    fn a_shop_in_another_currency_gets_the_converted_price_then_the_markup() {
        let settings = ShopSettings {
            currency_rate: Some(d("0.79")),
            price_markup: PriceMarkup::Percent(d("10")),
            ..ShopSettings::default()
        };
        // 19.99 USD × 0.79 = 15.7921 GBP, + 10% = 17.37131 → 17.37.
        assert_eq!(shop_price(d("19.99"), &settings, "GBP"), d("17.37"));
        // Yen have no minor unit: 19.99 × 150 = 2998.5 → 2999 (and no .99 to round to).
        let yen = ShopSettings {
            currency_rate: Some(d("150")),
            round_to_99: true,
            ..ShopSettings::default()
        };
        assert_eq!(shop_price(d("19.99"), &yen, "JPY"), d("2999"));
        // Without a rate the store price is the price.
        assert_eq!(
            shop_price(d("19.99"), &ShopSettings::default(), "USD"),
            d("19.99")
        );
    }

    #[test]
    fn a_shop_amount_goes_back_to_the_store_currency_in_its_minor_unit() {
        assert_eq!(store_amount(d("17.37"), d("0.79"), "USD"), d("21.99"));
        assert_eq!(store_amount(d("2999"), d("0.0066"), "JPY"), d("454394"));
    }

    #[test]
    fn settings_validation_names_the_problem() {
        let ok = ShopSettings::default();
        assert_eq!(settings_problem(&ok), None);
        let bad = |f: fn(&mut ShopSettings)| {
            let mut s = ShopSettings::default();
            f(&mut s);
            settings_problem(&s).unwrap()
        };
        assert!(bad(|s| s.inventory_buffer = StockBuffer::Percent(150)).contains("150%"));
        assert!(bad(|s| s.max_quantity = Some(100_000)).contains("99999"));
        assert!(bad(|s| s.price_markup = PriceMarkup::Percent(d("-100"))).contains("-100%"));
        assert!(bad(|s| s.price_markup = PriceMarkup::Fixed(d("0.001"))).contains("cent"));
        assert!(bad(|s| s.package_weight_kg = Decimal::ZERO).contains("weight"));
        assert!(bad(|s| s.currency_rate = Some(Decimal::ZERO)).contains("currency rate"));
        assert!(
            bad(|s| s.location_warehouses = vec![
                LocationWarehouse {
                    store_location_id: "gid://shopify/Location/1".into(),
                    warehouse_id: "w1".into()
                },
                LocationWarehouse {
                    store_location_id: "1".into(),
                    warehouse_id: "w2".into()
                },
            ])
            .contains("mapped twice")
        );
    }

    #[test]
    fn location_ids_compare_in_either_form() {
        assert_eq!(location_key("gid://shopify/Location/42"), "42");
        assert_eq!(location_key(" 42 "), "42");
    }
}
