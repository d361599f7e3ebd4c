//! The TikTok Shop markets feedbridge serves and what differs between them: currency, the
//! units of package facts, the category tree version, the authorization host, the carriers an
//! unmapped store carrier falls back to, and the compliance data a listing needs. The facts
//! live in `common/data/tiktok-regions.toml`, which the simulator reads too.

use rust_decimal::Decimal;
use serde::Deserialize;
use std::sync::LazyLock;

/// The table as compiled in (the simulator includes the same file).
pub const REGIONS_TOML: &str = include_str!("../data/tiktok-regions.toml");

/// Pounds per kilogram (exact by definition of the pound: 0.45359237 kg).
const KG_PER_POUND: Decimal = Decimal::from_parts(45_359_237, 0, 0, false, 8);
/// Centimetres per inch (exact).
const CM_PER_INCH: Decimal = Decimal::from_parts(254, 0, 0, false, 2);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WeightUnit {
    Kilogram,
    Pound,
}

impl WeightUnit {
    /// The name TikTok's `package_weight.unit` takes.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::Kilogram => "KILOGRAM",
            Self::Pound => "POUND",
        }
    }

    /// `kg` in this unit, rounded up to 2 decimals (a package is never declared lighter).
    pub fn from_kg(self, kg: Decimal) -> Decimal {
        match self {
            Self::Kilogram => kg,
            Self::Pound => (kg / KG_PER_POUND)
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::AwayFromZero),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DimensionUnit {
    Centimeter,
    Inch,
}

impl DimensionUnit {
    /// The name TikTok's `package_dimensions.unit` takes.
    pub fn api_name(self) -> &'static str {
        match self {
            Self::Centimeter => "CENTIMETER",
            Self::Inch => "INCH",
        }
    }

    /// `cm` in this unit, rounded up to 2 decimals (a package is never declared smaller).
    pub fn from_cm(self, cm: Decimal) -> Decimal {
        match self {
            Self::Centimeter => cm,
            Self::Inch => (cm / CM_PER_INCH)
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::AwayFromZero),
        }
    }
}

/// Per-product data a market requires before TikTok lists a product there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compliance {
    /// EU General Product Safety Regulation: an economic operator in the EU.
    ResponsiblePerson,
    /// EU GPSR: the manufacturer's name and contact.
    Manufacturer,
}

impl Compliance {
    pub fn describe(self) -> &'static str {
        match self {
            Self::ResponsiblePerson => "the responsible person (EU)",
            Self::Manufacturer => "the manufacturer",
        }
    }
}

/// One market of the table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub code: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub name: String,
    pub currency: String,
    pub currency_decimals: u32,
    pub weight_unit: WeightUnit,
    pub dimension_unit: DimensionUnit,
    pub category_version: String,
    pub authorize_host: String,
    pub default_carriers: Vec<String>,
    pub carriers: Vec<String>,
    pub express_carriers: Vec<String>,
    pub listing_requires: Vec<Compliance>,
    pub differences: String,
    /// Simulator seeding only (addresses); the daemon does not read it.
    pub sample: toml::Table,
}

impl Region {
    /// Why a product cannot be listed in this market, naming every required piece `has` says
    /// is missing; `None` when nothing is missing.
    pub fn listing_refusal(&self, has: impl Fn(Compliance) -> bool) -> Option<String> {
        let names: Vec<&str> = self
            .listing_requires
            .iter()
            .filter(|c| !has(**c))
            .map(|c| c.describe())
            .collect();
        if names.is_empty() {
            return None;
        }
        Some(format!(
            "cannot list in {} ({}): TikTok requires {} on every product there",
            self.name,
            self.code,
            names.join(" and ")
        ))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    region: Vec<Region>,
}

static REGIONS: LazyLock<Vec<Region>> = LazyLock::new(|| {
    // The file is compiled in and parsed by a unit test: it cannot fail at run time.
    toml::from_str::<Table>(REGIONS_TOML)
        .map(|t| t.region)
        .unwrap_or_default()
});

/// Every market feedbridge serves, in the table's order.
pub fn all() -> &'static [Region] {
    &REGIONS
}

/// The market of a TikTok region code (any case; aliases such as `UK` included).
pub fn region(code: &str) -> Option<&'static Region> {
    let code = code.trim();
    REGIONS.iter().find(|r| {
        r.code.eq_ignore_ascii_case(code) || r.aliases.iter().any(|a| a.eq_ignore_ascii_case(code))
    })
}

/// The selling currency of a region code, if feedbridge serves it.
pub fn currency(code: &str) -> Option<&'static str> {
    region(code).map(|r| r.currency.as_str())
}

/// `amount` as TikTok's money string in `currency`: whole units where the currency has no
/// minor unit (`1500` yen, not `1500.00`); any other amount as given, for TikTok to judge.
pub fn money(amount: Decimal, currency: &str) -> String {
    match currency_decimals(currency) {
        Some(0) if amount.fract().is_zero() => amount.trunc().to_string(),
        _ => amount.to_string(),
    }
}

/// Minor units of a currency feedbridge sells in (`JPY` → 0), if any market uses it.
pub fn currency_decimals(currency: &str) -> Option<u32> {
    REGIONS
        .iter()
        .find(|r| r.currency.eq_ignore_ascii_case(currency))
        .map(|r| r.currency_decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_every_claimed_market_is_in_it() {
        let parsed: Table = toml::from_str(REGIONS_TOML).expect("regions table");
        assert_eq!(parsed.region.len(), all().len());
        for code in [
            "US", "GB", "UK", "SG", "VN", "TH", "MY", "ID", "PH", "CN", "HK", "DE", "FR", "IT",
            "ES", "IE", "MX", "JP",
        ] {
            assert!(region(code).is_some(), "{code}");
        }
        assert!(region("BR").is_none() && region("").is_none());
    }

    #[test]
    fn every_market_is_complete_and_consistent() {
        let mut codes = std::collections::HashSet::new();
        for r in all() {
            assert!(codes.insert(r.code.clone()), "{} twice", r.code);
            assert_eq!(r.currency.len(), 3, "{}", r.code);
            assert!(!r.default_carriers.is_empty(), "{}", r.code);
            for carrier in r.default_carriers.iter().chain(&r.express_carriers) {
                assert!(r.carriers.contains(carrier), "{}: {carrier}", r.code);
            }
            // TikTok pairs the units (Create Product): KILOGRAM-CENTIMETER or POUND-INCH,
            // and only US shops may use pounds and inches.
            let imperial =
                (r.weight_unit, r.dimension_unit) == (WeightUnit::Pound, DimensionUnit::Inch);
            let metric = (r.weight_unit, r.dimension_unit)
                == (WeightUnit::Kilogram, DimensionUnit::Centimeter);
            assert!(metric || (imperial && r.code == "US"), "{}", r.code);
            assert!(["v1", "v2"].contains(&r.category_version.as_str()));
            assert!(r.authorize_host.starts_with("https://services."));
            for key in [
                "country",
                "dialing_code",
                "street",
                "phone_prefix",
                "warehouses",
                "buyers",
            ] {
                assert!(r.sample.contains_key(key), "{}: sample.{key}", r.code);
            }
        }
    }

    #[test]
    fn currencies_units_carriers_and_rules_per_market() {
        let table = [
            ("US", "USD", "POUND", "INCH", "USPS", "v2"),
            ("uk", "GBP", "KILOGRAM", "CENTIMETER", "Royal Mail", "v1"),
            ("DE", "EUR", "KILOGRAM", "CENTIMETER", "DHL", "v1"),
            ("FR", "EUR", "KILOGRAM", "CENTIMETER", "Colissimo", "v1"),
            ("MX", "MXN", "KILOGRAM", "CENTIMETER", "Estafeta", "v1"),
            (
                "JP",
                "JPY",
                "KILOGRAM",
                "CENTIMETER",
                "Yamato Transport",
                "v1",
            ),
            ("SG", "SGD", "KILOGRAM", "CENTIMETER", "Ninja Van", "v1"),
            ("MY", "MYR", "KILOGRAM", "CENTIMETER", "J&T Express", "v1"),
        ];
        for (code, currency_code, weight, dimension, carrier, version) in table {
            let r = region(code).expect(code);
            assert_eq!(currency(code), Some(currency_code));
            assert_eq!(r.weight_unit.api_name(), weight, "{code}");
            assert_eq!(r.dimension_unit.api_name(), dimension, "{code}");
            assert_eq!(r.default_carriers[0], carrier, "{code}");
            assert_eq!(r.category_version, version, "{code}");
        }
        let de = region("de").expect("DE");
        let refusal = de.listing_refusal(|_| false).expect("EU refusal");
        assert!(
            refusal.contains("responsible person (EU)") && refusal.contains("manufacturer"),
            "{refusal}"
        );
        let half = de
            .listing_refusal(|c| c == Compliance::ResponsiblePerson)
            .expect("the manufacturer is still missing");
        assert!(!half.contains("responsible person"), "{half}");
        assert_eq!(de.listing_refusal(|_| true), None);
        for code in ["GB", "JP"] {
            assert_eq!(
                region(code).and_then(|r| r.listing_refusal(|_| false)),
                None
            );
        }
    }

    #[test]
    fn money_in_whole_units_where_the_currency_has_none() {
        assert_eq!(money(Decimal::new(150_000, 2), "JPY"), "1500");
        assert_eq!(money(Decimal::new(150_050, 2), "JPY"), "1500.50");
        assert_eq!(money(Decimal::new(1999, 2), "USD"), "19.99");
        assert_eq!(money(Decimal::new(2000, 2), "USD"), "20.00");
        assert_eq!(currency_decimals("JPY"), Some(0));
        assert_eq!(currency_decimals("VND"), Some(0));
        assert_eq!(currency_decimals("EUR"), Some(2));
        assert_eq!(currency_decimals("XXX"), None);
    }

    #[test]
    fn units_convert_from_kilograms_and_centimetres_rounding_up() {
        assert_eq!(
            WeightUnit::Kilogram.from_kg(Decimal::new(5, 1)),
            Decimal::new(5, 1)
        );
        // 0.5 kg = 1.1023... lb → 1.11
        assert_eq!(
            WeightUnit::Pound.from_kg(Decimal::new(5, 1)),
            Decimal::new(111, 2)
        );
        assert_eq!(WeightUnit::Pound.from_kg(KG_PER_POUND), Decimal::ONE);
        // 10 cm = 3.937... in → 3.94
        assert_eq!(
            DimensionUnit::Inch.from_cm(Decimal::TEN),
            Decimal::new(394, 2)
        );
        assert_eq!(
            DimensionUnit::Inch.from_cm(Decimal::new(254, 2)),
            Decimal::ONE
        );
        assert_eq!(
            DimensionUnit::Centimeter.from_cm(Decimal::TEN),
            Decimal::TEN
        );
    }
}
