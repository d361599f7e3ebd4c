//! Weights and sizes as feedbridge keeps them: kilograms and centimetres, converted exactly
//! from whatever unit a store reports (international yard and pound definitions).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A unit a store reports a weight in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightUnit {
    Kilogram,
    Gram,
    Pound,
    Ounce,
}

impl WeightUnit {
    /// Kilograms in one of this unit: 1 lb = 0.45359237 kg exactly, 1 oz = 1/16 lb.
    fn kilograms(self) -> Decimal {
        match self {
            Self::Kilogram => Decimal::ONE,
            Self::Gram => Decimal::new(1, 3),
            Self::Pound => Decimal::new(45_359_237, 8),
            Self::Ounce => Decimal::new(28_349_523_125, 12),
        }
    }

    /// The weight in kilograms; `None` for a missing, zero or negative figure.
    pub fn to_kg(self, value: Decimal) -> Option<Decimal> {
        positive(value).map(|v| (v * self.kilograms()).normalize())
    }

    /// The unit as stores name it (`kg`, `KILOGRAMS`, `lbs`, `Ounces`, ...), case-insensitive.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "kg" | "kgs" | "kilogram" | "kilograms" => Self::Kilogram,
            "g" | "gr" | "gram" | "grams" => Self::Gram,
            "lb" | "lbs" | "pound" | "pounds" => Self::Pound,
            "oz" | "ounce" | "ounces" => Self::Ounce,
            _ => return None,
        })
    }
}

/// A unit a store reports a length in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthUnit {
    Centimetre,
    Millimetre,
    Metre,
    Inch,
    Yard,
}

impl LengthUnit {
    /// Centimetres in one of this unit: 1 in = 2.54 cm, 1 yd = 36 in exactly.
    fn centimetres(self) -> Decimal {
        match self {
            Self::Centimetre => Decimal::ONE,
            Self::Millimetre => Decimal::new(1, 1),
            Self::Metre => Decimal::new(100, 0),
            Self::Inch => Decimal::new(254, 2),
            Self::Yard => Decimal::new(9144, 2),
        }
    }

    /// The length in centimetres; `None` for a missing, zero or negative figure.
    pub fn to_cm(self, value: Decimal) -> Option<Decimal> {
        positive(value).map(|v| (v * self.centimetres()).normalize())
    }

    /// The unit as stores name it (`cm`, `in`, `Inches`, `mm`, `m`, ...), case-insensitive.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "cm" | "centimeter" | "centimeters" | "centimetre" | "centimetres" => Self::Centimetre,
            "mm" | "millimeter" | "millimeters" | "millimetre" | "millimetres" => Self::Millimetre,
            "m" | "meter" | "meters" | "metre" | "metres" => Self::Metre,
            "in" | "inch" | "inches" => Self::Inch,
            "yd" | "yard" | "yards" => Self::Yard,
            _ => return None,
        })
    }
}

/// The units a store records weights and sizes in, read once per connection; `None` for a
/// unit feedbridge does not know (its figures are then treated as missing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreUnits {
    pub weight: Option<WeightUnit>,
    pub length: Option<LengthUnit>,
}

impl StoreUnits {
    /// Units named as the store's settings name them (`kg`, `lbs`, `Ounces`, `in`, ...).
    pub fn named(weight: &str, length: &str) -> Self {
        Self {
            weight: WeightUnit::parse(weight),
            length: LengthUnit::parse(length),
        }
    }

    /// A store's figures (weight; length, width, height) read in these units.
    pub fn measures(
        self,
        weight: Option<Decimal>,
        dimensions: (Option<Decimal>, Option<Decimal>, Option<Decimal>),
    ) -> Measures {
        let mut measures = Measures::default();
        if let Some(unit) = self.weight {
            measures = Measures::weight(weight, unit);
        }
        if let Some(unit) = self.length {
            measures = measures.with_dimensions(dimensions, unit);
        }
        measures
    }
}

fn positive(value: Decimal) -> Option<Decimal> {
    (value > Decimal::ZERO).then_some(value)
}

/// A figure written as text by a store ("1.5", " 2 ", ""): `None` when empty or not a number.
pub fn parse_figure(text: &str) -> Option<Decimal> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(text).ok())
}

/// What a store says one product or variant weighs and measures, in kg and cm. A figure the
/// store lacks (missing, empty or zero) is `None`, never zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measures {
    #[serde(with = "rust_decimal::serde::str_option", default)]
    pub weight_kg: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option", default)]
    pub length_cm: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option", default)]
    pub width_cm: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option", default)]
    pub height_cm: Option<Decimal>,
}

impl Measures {
    /// A weight alone (stores such as Shopify record no dimensions).
    pub fn weight(value: Option<Decimal>, unit: WeightUnit) -> Self {
        Self {
            weight_kg: value.and_then(|v| unit.to_kg(v)),
            ..Self::default()
        }
    }

    /// These length, width and height in `unit`, kept alongside the weight.
    pub fn with_dimensions(
        self,
        (length, width, height): (Option<Decimal>, Option<Decimal>, Option<Decimal>),
        unit: LengthUnit,
    ) -> Self {
        let cm = |v: Option<Decimal>| v.and_then(|v| unit.to_cm(v));
        Self {
            length_cm: cm(length),
            width_cm: cm(width),
            height_cm: cm(height),
            ..self
        }
    }

    /// Each figure of `self`, or `parent`'s where `self` has none (a variant inheriting its
    /// product's weight, as WooCommerce and Wix do).
    pub fn or(self, parent: Self) -> Self {
        Self {
            weight_kg: self.weight_kg.or(parent.weight_kg),
            length_cm: self.length_cm.or(parent.length_cm),
            width_cm: self.width_cm.or(parent.width_cm),
            height_cm: self.height_cm.or(parent.height_cm),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn weights_convert_exactly_to_kilograms() {
        assert_eq!(WeightUnit::Pound.to_kg(d("1")), Some(d("0.45359237")));
        assert_eq!(WeightUnit::Pound.to_kg(d("2.5")), Some(d("1.133980925")));
        assert_eq!(WeightUnit::Ounce.to_kg(d("16")), Some(d("0.45359237")));
        assert_eq!(WeightUnit::Gram.to_kg(d("250")), Some(d("0.25")));
        assert_eq!(WeightUnit::Kilogram.to_kg(d("1.200")), Some(d("1.2")));
    }

    #[test]
    fn lengths_convert_exactly_to_centimetres() {
        assert_eq!(LengthUnit::Inch.to_cm(d("10")), Some(d("25.4")));
        assert_eq!(LengthUnit::Millimetre.to_cm(d("55")), Some(d("5.5")));
        assert_eq!(LengthUnit::Metre.to_cm(d("1.25")), Some(d("125")));
        assert_eq!(LengthUnit::Centimetre.to_cm(d("20")), Some(d("20")));
        assert_eq!(LengthUnit::Yard.to_cm(d("1")), Some(d("91.44")));
    }

    #[test]
    fn figures_in_an_unknown_store_unit_are_missing() {
        let units = StoreUnits::named("stone", "in");
        let measures = units.measures(Some(d("3")), (Some(d("1")), None, Some(d("2"))));
        assert_eq!(measures.weight_kg, None);
        assert_eq!(measures.length_cm, Some(d("2.54")));
        assert_eq!(measures.width_cm, None);
    }

    #[test]
    fn zero_or_negative_figures_are_missing() {
        assert_eq!(WeightUnit::Kilogram.to_kg(Decimal::ZERO), None);
        assert_eq!(WeightUnit::Pound.to_kg(d("-1")), None);
        assert_eq!(LengthUnit::Inch.to_cm(Decimal::ZERO), None);
        assert_eq!(parse_figure(""), None);
        assert_eq!(parse_figure(" 1.5 "), Some(d("1.5")));
        assert_eq!(parse_figure("heavy"), None);
        assert!(Measures::weight(Some(Decimal::ZERO), WeightUnit::Gram).is_empty());
    }

    #[test]
    fn store_unit_names_parse() {
        assert_eq!(WeightUnit::parse("lbs"), Some(WeightUnit::Pound));
        assert_eq!(WeightUnit::parse("KGS"), Some(WeightUnit::Kilogram));
        assert_eq!(WeightUnit::parse("Ounces"), Some(WeightUnit::Ounce));
        assert_eq!(WeightUnit::parse("stone"), None);
        assert_eq!(LengthUnit::parse("Inches"), Some(LengthUnit::Inch));
        assert_eq!(LengthUnit::parse("mm"), Some(LengthUnit::Millimetre));
    }

    #[test]
    fn a_variant_inherits_only_what_it_lacks() {
        let product = Measures::weight(Some(d("2")), WeightUnit::Kilogram)
            .with_dimensions((Some(d("10")), Some(d("5")), None), LengthUnit::Centimetre);
        let variant = Measures::weight(Some(d("1")), WeightUnit::Kilogram);
        let merged = variant.or(product);
        assert_eq!(merged.weight_kg, Some(d("1")));
        assert_eq!(merged.length_cm, Some(d("10")));
        assert_eq!(merged.height_cm, None);
    }
}
