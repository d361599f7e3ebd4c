//! `feedbridge settings SHOP set KEY VALUE`: strict parsing of one setting into a shop's
//! [`ShopSettings`], with errors that say what is accepted.

use crate::format::plural;
use feedbridge_common::catalog::{LocationWarehouse, PriceMarkup, ShopSettings, StockBuffer};
use rust_decimal::Decimal;
use std::str::FromStr;

/// The keys `set` accepts, with what each takes (shown in errors and `--help`).
pub const KEYS: &[(&str, &str)] = &[
    ("buffer", "units held back: 5, 10% or none"),
    ("max", "most units shown on TikTok: a whole number or none"),
    ("markup", "added to the store price: 10%, 2.50 or none"),
    ("round99", "round prices up to .99: true or false"),
    ("weight-kg", "default package weight in kg, e.g. 0.5"),
    ("length-cm", "default package length in cm"),
    ("width-cm", "default package width in cm"),
    ("height-cm", "default package height in cm"),
    (
        "location",
        "STORE_LOCATION_ID WAREHOUSE_ID to feed a warehouse from a location, or clear",
    ),
];

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
    KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
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
            "unknown setting 'colour'; use one of: buffer, max, markup, round99, weight-kg, \
             length-cm, width-cm, height-cm, location"
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
}
