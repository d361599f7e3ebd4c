//! `feedbridge settings SHOP set KEY VALUE`: strict parsing of one setting into a shop's
//! [`ShopSettings`], [`OrderSettings`] or [`McfSettings`], with errors that say what is accepted. The console's
//! order settings form checks what is typed with the same functions.

use crate::format::plural;
use feedbridge_common::catalog::{LocationWarehouse, PriceMarkup, ShopSettings, StockBuffer};
use feedbridge_common::mcf::{FillPolicy, McfSettings, ShippingSpeed};
use feedbridge_common::orders::{FbtRule, InventoryBehaviour, OrderSettings};
use rust_decimal::Decimal;
use std::str::FromStr;

/// The keys `set` accepts, with what each takes (shown in errors and `--help`).
pub const KEYS: &[(&str, &str)] = &[
    ("buffer", "units held back: 5, 10% or none"),
    ("max", "most units shown on TikTok: a whole number or none"),
    ("markup", "added to the store price: 10%, 2.50 or none"),
    ("round99", "round prices up to .99: true or false"),
    (
        "currency-rate",
        "for a shop in another currency: its units per store unit, e.g. 0.79 (GBP per USD), or none",
    ),
    ("weight-kg", "default package weight in kg, e.g. 0.5"),
    ("length-cm", "default package length in cm"),
    ("width-cm", "default package width in cm"),
    ("height-cm", "default package height in cm"),
    (
        "location",
        "STORE_LOCATION_ID WAREHOUSE_ID to feed a warehouse from a location, or clear",
    ),
];

/// The order rules `set` accepts (kept in the shop's [`OrderSettings`]).
pub const ORDER_KEYS: &[(&str, &str)] = &[
    (
        "hold",
        "minutes to wait after payment before creating the store order: a whole number, 0 = at once",
    ),
    (
        "order-prefix",
        "text before the store order's name, e.g. TT- (no spaces), or none",
    ),
    (
        "fbt-rule",
        "a (create FBT orders at once, deduct store stock) or b (after TikTok's collection, fulfilled, stock untouched)",
    ),
    (
        "fbt-tag",
        "extra tag on store orders TikTok fulfils (no commas), or none",
    ),
    ("inventory", "deduct, deduct-allow-negative or bypass"),
    (
        "restock",
        "on or off (put stock back when a cancellation cancels the store order)",
    ),
    (
        "mirror-refunds",
        "on or off (refund the store order when TikTok refunds a return or refund request)",
    ),
];

/// The Amazon MCF rules `set` accepts (kept in the shop's [`McfSettings`]).
pub const MCF_KEYS: &[(&str, &str)] = &[
    (
        "mcf-speed",
        "Amazon shipping speed: standard, expedited or priority",
    ),
    (
        "mcf-policy",
        "what Amazon does when not everything can ship: fill-or-kill, fill-all or fill-all-available",
    ),
    (
        "mcf-max-units",
        "orders with more units than this ship from the store, not Amazon: a whole number or none",
    ),
    (
        "mcf-max-value",
        "orders worth more than this ship from the store, not Amazon: an amount like 150.00, or none",
    ),
    (
        "mcf-excluded",
        "seller SKUs never sent to Amazon (replaces the list; 'feedbridge mcf SHOP exclude|include' adds or removes), or none",
    ),
];

/// Which settings a key changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Shop,
    Orders,
    Mcf,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    #[error("unknown setting '{0}'; use one of: {keys}", keys = key_names())]
    UnknownKey(String),
    #[error("{key}: '{value}' is not valid; expected {expected}")]
    BadValue {
        key: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{key} takes {expected}; got {}", plural(*got as u64, "value", "values"))]
    WrongArity {
        key: &'static str,
        expected: &'static str,
        got: usize,
    },
}

fn key_names() -> String {
    KEYS.iter()
        .chain(ORDER_KEYS)
        .chain(MCF_KEYS)
        .map(|(k, _)| *k)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which settings `key` belongs to; an unknown key is refused naming every key.
pub fn target(key: &str) -> Result<Target, SettingError> {
    if KEYS.iter().any(|(k, _)| *k == key) {
        Ok(Target::Shop)
    } else if ORDER_KEYS.iter().any(|(k, _)| *k == key) {
        Ok(Target::Orders)
    } else if MCF_KEYS.iter().any(|(k, _)| *k == key) {
        Ok(Target::Mcf)
    } else {
        Err(SettingError::UnknownKey(key.to_string()))
    }
}

/// Check `KEY VALUE...` without a daemon: the same refusals `apply`/`apply_order` give.
pub fn check(key: &str, values: &[String]) -> Result<Target, SettingError> {
    let target = target(key)?;
    match target {
        Target::Shop => apply(&mut ShopSettings::default(), key, values)?,
        Target::Orders => apply_order(&mut OrderSettings::default(), key, values)?,
        Target::Mcf => apply_mcf(&mut McfSettings::default(), key, values)?,
    }
    Ok(target)
}

/// Change `settings` by one Amazon MCF rule `KEY VALUE` as typed on the command line.
pub fn apply_mcf(
    settings: &mut McfSettings,
    key: &str,
    values: &[String],
) -> Result<(), SettingError> {
    let Some(&(key, expected)) = MCF_KEYS.iter().find(|(k, _)| *k == key) else {
        return Err(SettingError::UnknownKey(key.to_string()));
    };
    if key == "mcf-excluded" {
        let skus: Vec<&str> = values.iter().map(|v| v.trim()).collect();
        if skus.is_empty() || skus.iter().any(|sku| sku.is_empty()) {
            return Err(SettingError::WrongArity {
                key,
                expected: "one or more seller SKUs, or none",
                got: skus.iter().filter(|sku| !sku.is_empty()).count(),
            });
        }
        settings.excluded_skus.clear();
        if skus != ["none"] {
            settings.exclude(skus);
        }
        return Ok(());
    }
    let [value] = values else {
        return Err(SettingError::WrongArity {
            key,
            expected: "one value",
            got: values.len(),
        });
    };
    let value = value.trim();
    let bad = || SettingError::BadValue {
        key,
        value: value.to_string(),
        expected,
    };
    match key {
        "mcf-speed" => settings.speed = ShippingSpeed::parse(value).ok_or_else(bad)?,
        "mcf-policy" => settings.policy = FillPolicy::parse(value).ok_or_else(bad)?,
        "mcf-max-units" => {
            settings.max_units = if value == "none" {
                None
            } else {
                Some(
                    digits(value)
                        .and_then(|d| d.parse::<u32>().ok())
                        .filter(|n| *n > 0)
                        .ok_or_else(bad)?,
                )
            };
        }
        "mcf-max-value" => {
            settings.max_order_value = if value == "none" {
                None
            } else {
                Some(
                    plain_decimal(value)
                        .filter(|v| *v > Decimal::ZERO)
                        .ok_or_else(bad)?,
                )
            };
        }
        _ => return Err(SettingError::UnknownKey(key.to_string())),
    }
    Ok(())
}

/// The names `set` takes for a fill policy, so what is shown can be typed back.
pub fn fill_policy_name(policy: FillPolicy) -> &'static str {
    match policy {
        FillPolicy::FillOrKill => "fill-or-kill",
        FillPolicy::FillAll => "fill-all",
        FillPolicy::FillAllAvailable => "fill-all-available",
    }
}

/// Change `settings` by one order rule `KEY VALUE` as typed on the command line.
pub fn apply_order(
    settings: &mut OrderSettings,
    key: &str,
    values: &[String],
) -> Result<(), SettingError> {
    let Some(&(key, expected)) = ORDER_KEYS.iter().find(|(k, _)| *k == key) else {
        return Err(SettingError::UnknownKey(key.to_string()));
    };
    let [value] = values else {
        return Err(SettingError::WrongArity {
            key,
            expected: "one value",
            got: values.len(),
        });
    };
    let value = value.trim();
    let bad = || SettingError::BadValue {
        key,
        value: value.to_string(),
        expected,
    };
    match key {
        "hold" => settings.hold_minutes = parse_hold(value).ok_or_else(bad)?,
        "order-prefix" => settings.order_number_prefix = parse_prefix(value).ok_or_else(bad)?,
        "fbt-rule" => settings.fbt_rule = parse_fbt_rule(value).ok_or_else(bad)?,
        "fbt-tag" => settings.fbt_tag = parse_tag(value).ok_or_else(bad)?,
        "inventory" => settings.inventory_behaviour = parse_inventory(value).ok_or_else(bad)?,
        "restock" => {
            settings.restock_on_cancel = match value {
                "on" => true,
                "off" => false,
                _ => return Err(bad()),
            };
        }
        "mirror-refunds" => {
            settings.mirror_refunds_to_store = match value {
                "on" => true,
                "off" => false,
                _ => return Err(bad()),
            };
        }
        _ => return Err(SettingError::UnknownKey(key.to_string())),
    }
    Ok(())
}

/// What `expected` says for an MCF key (the form shows it under the field).
pub fn mcf_key_help(key: &str) -> &'static str {
    MCF_KEYS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("", |(_, help)| help)
}

/// What `expected` says for an order key (the form shows it under a refused value).
pub fn order_key_help(key: &str) -> &'static str {
    ORDER_KEYS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("", |(_, help)| help)
}

/// Minutes as plain digits.
pub fn parse_hold(value: &str) -> Option<u32> {
    digits(value)?.parse().ok()
}

/// A prefix without whitespace; "none" or nothing clears it.
pub fn parse_prefix(value: &str) -> Option<String> {
    if value.is_empty() || value == "none" {
        return Some(String::new());
    }
    (!value.chars().any(|c| c.is_whitespace() || c.is_control())).then(|| value.to_string())
}

/// A store tag: no commas (they separate tags) or control characters; "none" clears it.
pub fn parse_tag(value: &str) -> Option<String> {
    if value.is_empty() || value == "none" {
        return Some(String::new());
    }
    (!value.chars().any(|c| c == ',' || c.is_control())).then(|| value.to_string())
}

pub fn parse_fbt_rule(value: &str) -> Option<FbtRule> {
    match value {
        "a" | "A" => Some(FbtRule::SyncAtOnce),
        "b" | "B" => Some(FbtRule::AfterCollection),
        _ => None,
    }
}

pub fn parse_inventory(value: &str) -> Option<InventoryBehaviour> {
    INVENTORY_NAMES
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, behaviour)| *behaviour)
}

/// The names `set` takes for each value, so what is shown can be typed back.
pub fn fbt_rule_name(rule: FbtRule) -> &'static str {
    match rule {
        FbtRule::SyncAtOnce => "a",
        FbtRule::AfterCollection => "b",
    }
}

pub fn inventory_name(behaviour: InventoryBehaviour) -> &'static str {
    INVENTORY_NAMES
        .iter()
        .find(|(_, b)| *b == behaviour)
        .map_or("deduct", |(name, _)| name)
}

pub fn on_off(value: bool) -> &'static str {
    if value { "on" } else { "off" }
}

/// The CLI names of the inventory behaviours, in the form's cycling order.
const INVENTORY_NAMES: [(&str, InventoryBehaviour); 3] = [
    ("deduct", InventoryBehaviour::DecrementObeyingPolicy),
    (
        "deduct-allow-negative",
        InventoryBehaviour::DecrementIgnoringPolicy,
    ),
    ("bypass", InventoryBehaviour::Bypass),
];

/// The next inventory behaviour (the form's Enter), wrapping around.
pub fn next_inventory(behaviour: InventoryBehaviour) -> InventoryBehaviour {
    let all = INVENTORY_NAMES;
    let at = all.iter().position(|(_, b)| *b == behaviour).unwrap_or(0);
    all[(at + 1) % all.len()].1
}

/// Change `settings` by one `KEY VALUE...` as typed on the command line.
pub fn apply(
    settings: &mut ShopSettings,
    key: &str,
    values: &[String],
) -> Result<(), SettingError> {
    let Some(&(key, expected)) = KEYS.iter().find(|(k, _)| *k == key) else {
        return Err(SettingError::UnknownKey(key.to_string()));
    };
    if key == "location" {
        return apply_location(settings, values, expected);
    }
    let [value] = values else {
        return Err(SettingError::WrongArity {
            key,
            expected: "one value",
            got: values.len(),
        });
    };
    let value = value.trim();
    let bad = || SettingError::BadValue {
        key,
        value: value.to_string(),
        expected,
    };
    match key {
        "buffer" => settings.inventory_buffer = parse_buffer(value).ok_or_else(bad)?,
        "max" => {
            settings.max_quantity = if value == "none" {
                None
            } else {
                Some(value.parse::<u32>().map_err(|_| bad())?)
            };
        }
        "markup" => settings.price_markup = parse_markup(value).ok_or_else(bad)?,
        "round99" => {
            settings.round_to_99 = match value {
                "true" => true,
                "false" => false,
                _ => return Err(bad()),
            };
        }
        "currency-rate" => {
            settings.currency_rate = if value == "none" {
                None
            } else {
                Some(positive(value).ok_or_else(bad)?)
            };
        }
        "weight-kg" => settings.package_weight_kg = positive(value).ok_or_else(bad)?,
        "length-cm" => settings.package_length_cm = positive(value).ok_or_else(bad)?,
        "width-cm" => settings.package_width_cm = positive(value).ok_or_else(bad)?,
        "height-cm" => settings.package_height_cm = positive(value).ok_or_else(bad)?,
        _ => return Err(SettingError::UnknownKey(key.to_string())),
    }
    Ok(())
}

fn apply_location(
    settings: &mut ShopSettings,
    values: &[String],
    expected: &'static str,
) -> Result<(), SettingError> {
    match values {
        [clear] if clear == "clear" => settings.location_warehouses.clear(),
        [location, warehouse] => {
            let (location, warehouse) = (location.trim(), warehouse.trim());
            for id in [location, warehouse] {
                if id.is_empty() || id.contains(char::is_whitespace) || id == "clear" {
                    return Err(SettingError::BadValue {
                        key: "location",
                        value: id.to_string(),
                        expected,
                    });
                }
            }
            // One warehouse per store location: setting it again replaces it.
            settings
                .location_warehouses
                .retain(|l| l.store_location_id != location);
            settings.location_warehouses.push(LocationWarehouse {
                store_location_id: location.to_string(),
                warehouse_id: warehouse.to_string(),
            });
        }
        _ => {
            return Err(SettingError::WrongArity {
                key: "location",
                expected: "STORE_LOCATION_ID WAREHOUSE_ID, or clear",
                got: values.len(),
            });
        }
    }
    Ok(())
}

/// "5" units, "10%" of stock (0–100), or "none".
fn parse_buffer(value: &str) -> Option<StockBuffer> {
    if value == "none" {
        return Some(StockBuffer::None);
    }
    if let Some(percent) = value.strip_suffix('%') {
        let percent: u8 = digits(percent)?.parse().ok()?;
        return (percent <= 100).then_some(StockBuffer::Percent(percent));
    }
    Some(StockBuffer::Units(digits(value)?.parse().ok()?))
}

/// "10%" or "2.50" (zero or more), or "none".
fn parse_markup(value: &str) -> Option<PriceMarkup> {
    if value == "none" {
        return Some(PriceMarkup::None);
    }
    match value.strip_suffix('%') {
        Some(percent) => Some(PriceMarkup::Percent(non_negative(percent)?)),
        None => Some(PriceMarkup::Fixed(non_negative(value)?)),
    }
}

/// Only ASCII digits: `parse` would take "+5".
fn digits(value: &str) -> Option<&str> {
    (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())).then_some(value)
}

/// A plain decimal like "2.50": digits with at most one point, no sign or exponent.
fn plain_decimal(value: &str) -> Option<Decimal> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, "0"));
    digits(whole)?;
    digits(fraction)?;
    Decimal::from_str(value).ok()
}

fn non_negative(value: &str) -> Option<Decimal> {
    plain_decimal(value)
}

fn positive(value: &str) -> Option<Decimal> {
    plain_decimal(value).filter(|d| *d > Decimal::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(settings: &mut ShopSettings, key: &str, values: &[&str]) -> Result<(), SettingError> {
        let values: Vec<String> = values.iter().map(ToString::to_string).collect();
        apply(settings, key, &values)
    }

    #[test]
    fn accepts_each_documented_form() {
        let mut s = ShopSettings::default();
        set(&mut s, "buffer", &["5"]).unwrap();
        assert_eq!(s.inventory_buffer, StockBuffer::Units(5));
        set(&mut s, "buffer", &["10%"]).unwrap();
        assert_eq!(s.inventory_buffer, StockBuffer::Percent(10));
        set(&mut s, "buffer", &["none"]).unwrap();
        assert_eq!(s.inventory_buffer, StockBuffer::None);
        set(&mut s, "max", &["40"]).unwrap();
        assert_eq!(s.max_quantity, Some(40));
        set(&mut s, "max", &["none"]).unwrap();
        assert_eq!(s.max_quantity, None);
        set(&mut s, "markup", &["12.5%"]).unwrap();
        assert_eq!(s.price_markup, PriceMarkup::Percent(Decimal::new(125, 1)));
        set(&mut s, "currency-rate", &["0.79"]).unwrap();
        assert_eq!(s.currency_rate, Some(Decimal::new(79, 2)));
        set(&mut s, "currency-rate", &["none"]).unwrap();
        assert_eq!(s.currency_rate, None);
        set(&mut s, "markup", &["2.50"]).unwrap();
        assert_eq!(s.price_markup, PriceMarkup::Fixed(Decimal::new(250, 2)));
        set(&mut s, "round99", &["true"]).unwrap();
        assert!(s.round_to_99);
        set(&mut s, "weight-kg", &["1.25"]).unwrap();
        assert_eq!(s.package_weight_kg, Decimal::new(125, 2));
        set(&mut s, "height-cm", &["8"]).unwrap();
        assert_eq!(s.package_height_cm, Decimal::new(8, 0));
        set(&mut s, "location", &["LOC-1", "WH-1"]).unwrap();
        set(&mut s, "location", &["LOC-2", "WH-1"]).unwrap();
        set(&mut s, "location", &["LOC-1", "WH-2"]).unwrap();
        let pairs: Vec<(&str, &str)> = s
            .location_warehouses
            .iter()
            .map(|l| (l.store_location_id.as_str(), l.warehouse_id.as_str()))
            .collect();
        assert_eq!(pairs, vec![("LOC-2", "WH-1"), ("LOC-1", "WH-2")]);
        set(&mut s, "location", &["clear"]).unwrap();
        assert!(s.location_warehouses.is_empty());
    }

    #[test]
    fn rejects_anything_else_and_says_what_is_accepted() {
        let mut s = ShopSettings::default();
        for (key, value) in [
            ("buffer", "-5"),
            ("buffer", "+5"),
            ("buffer", "101%"),
            ("buffer", "2.5"),
            ("buffer", "five"),
            ("max", "-1"),
            ("max", "1e3"),
            ("markup", "-10%"),
            ("markup", "1e2"),
            ("markup", "10 %"),
            ("round99", "yes"),
            ("weight-kg", "0"),
            ("weight-kg", "-1"),
            ("length-cm", "abc"),
        ] {
            let error = set(&mut s, key, &[value]).unwrap_err();
            assert!(
                matches!(error, SettingError::BadValue { .. }),
                "{key} {value}: {error}"
            );
            assert!(error.to_string().contains("expected"), "{error}");
        }
        assert_eq!(
            s,
            ShopSettings::default(),
            "a refused value changes nothing"
        );
        let error = set(&mut s, "colour", &["red"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown setting 'colour'; use one of: buffer, max, markup, round99, currency-rate, weight-kg, \
             length-cm, width-cm, height-cm, location, hold, order-prefix, fbt-rule, fbt-tag, \
             inventory, restock, mirror-refunds, mcf-speed, mcf-policy, mcf-max-units, \
             mcf-max-value, mcf-excluded"
        );
        assert!(matches!(
            set(&mut s, "buffer", &[]).unwrap_err(),
            SettingError::WrongArity { got: 0, .. }
        ));
        assert!(matches!(
            set(&mut s, "location", &["LOC-1"]).unwrap_err(),
            SettingError::WrongArity { got: 1, .. }
        ));
    }

    fn set_order(s: &mut OrderSettings, key: &str, value: &str) -> Result<(), SettingError> {
        apply_order(s, key, &[value.to_string()])
    }

    #[test]
    fn order_keys_take_their_documented_values() {
        let mut s = OrderSettings::default();
        set_order(&mut s, "hold", "30").unwrap();
        assert_eq!(s.hold_minutes, 30);
        set_order(&mut s, "order-prefix", "TT-").unwrap();
        assert_eq!(s.order_number_prefix, "TT-");
        set_order(&mut s, "order-prefix", "none").unwrap();
        assert_eq!(s.order_number_prefix, "");
        set_order(&mut s, "fbt-rule", "b").unwrap();
        assert_eq!(s.fbt_rule, FbtRule::AfterCollection);
        set_order(&mut s, "fbt-tag", "TikTok FBT").unwrap();
        assert_eq!(s.fbt_tag, "TikTok FBT");
        set_order(&mut s, "inventory", "deduct-allow-negative").unwrap();
        assert_eq!(
            s.inventory_behaviour,
            InventoryBehaviour::DecrementIgnoringPolicy
        );
        set_order(&mut s, "inventory", "bypass").unwrap();
        assert_eq!(s.inventory_behaviour, InventoryBehaviour::Bypass);
        set_order(&mut s, "restock", "off").unwrap();
        assert!(!s.restock_on_cancel);
        let changed = s.clone();
        for (key, value) in [
            ("hold", "ten"),
            ("hold", "-5"),
            ("hold", "1.5"),
            ("order-prefix", "TT 1"),
            ("fbt-rule", "c"),
            ("fbt-tag", "a,b"),
            ("inventory", "decrement"),
            ("restock", "yes"),
        ] {
            let error = set_order(&mut s, key, value).unwrap_err();
            assert!(
                matches!(error, SettingError::BadValue { .. }),
                "{key} {value}: {error}"
            );
        }
        assert_eq!(s, changed, "a refused value changes nothing");
        assert_eq!(
            set_order(&mut s, "inventory", "x").unwrap_err().to_string(),
            "inventory: 'x' is not valid; expected deduct, deduct-allow-negative or bypass"
        );
        assert_eq!(check("hold", &["5".into()]), Ok(Target::Orders));
        assert_eq!(check("buffer", &["5".into()]), Ok(Target::Shop));
        assert!(check("nope", &["5".into()]).is_err());
    }

    #[test]
    fn mcf_keys_take_their_documented_values() {
        let set =
            |s: &mut McfSettings, key: &str, value: &str| apply_mcf(s, key, &[value.to_string()]);
        let mut s = McfSettings::default();
        set(&mut s, "mcf-speed", "expedited").unwrap();
        assert_eq!(s.speed, ShippingSpeed::Expedited);
        set(&mut s, "mcf-policy", "fill-all-available").unwrap();
        assert_eq!(s.policy, FillPolicy::FillAllAvailable);
        assert_eq!(fill_policy_name(s.policy), "fill-all-available");
        set(&mut s, "mcf-max-units", "10").unwrap();
        assert_eq!(s.max_units, Some(10));
        set(&mut s, "mcf-max-value", "150.50").unwrap();
        assert_eq!(s.max_order_value, Some(Decimal::new(15050, 2)));
        let changed = s.clone();
        for (key, value) in [
            ("mcf-speed", "fast"),
            ("mcf-policy", "kill"),
            ("mcf-max-units", "0"),
            ("mcf-max-units", "-1"),
            ("mcf-max-value", "0"),
            ("mcf-max-value", "-5"),
            ("mcf-max-value", "1e3"),
        ] {
            let error = set(&mut s, key, value).unwrap_err();
            assert!(
                matches!(error, SettingError::BadValue { .. }),
                "{key} {value}: {error}"
            );
        }
        assert_eq!(s, changed, "a refused value changes nothing");
        set(&mut s, "mcf-max-units", "none").unwrap();
        set(&mut s, "mcf-max-value", "none").unwrap();
        assert_eq!((s.max_units, s.max_order_value), (None, None));
        assert_eq!(check("mcf-speed", &["priority".into()]), Ok(Target::Mcf));
    }

    #[test]
    fn inventory_cycles_through_every_behaviour() {
        let mut b = InventoryBehaviour::DecrementObeyingPolicy;
        let mut names = Vec::new();
        for _ in 0..3 {
            names.push(inventory_name(b));
            b = next_inventory(b);
        }
        assert_eq!(names, ["deduct", "deduct-allow-negative", "bypass"]);
        assert_eq!(b, InventoryBehaviour::DecrementObeyingPolicy);
    }
}
