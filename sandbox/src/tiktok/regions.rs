//! The markets a simulated shop can be in: the table the daemon reads too
//! (`common/data/tiktok-regions.toml`), parsed here for what the platform itself enforces
//! and answers: currency and its minor units, the package units it accepts, the category tree
//! version, carriers per delivery option, per-product compliance data, and addresses.

use serde::Deserialize;
use std::sync::LazyLock;

const REGIONS_TOML: &str = include_str!("../../../common/data/tiktok-regions.toml");

#[derive(Deserialize)]
pub(crate) struct Market {
    pub(crate) code: String,
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
    pub(crate) currency: String,
    pub(crate) currency_decimals: u32,
    pub(crate) category_version: String,
    pub(crate) carriers: Vec<String>,
    pub(crate) express_carriers: Vec<String>,
    pub(crate) listing_requires: Vec<String>,
    pub(crate) sample: Sample,
}

/// Addresses of the seeded warehouses and buyers: (city, state, postal code).
#[derive(Deserialize)]
pub(crate) struct Sample {
    pub(crate) country: String,
    pub(crate) dialing_code: String,
    pub(crate) street: String,
    pub(crate) phone_prefix: String,
    pub(crate) warehouses: Vec<(String, String, String)>,
    pub(crate) buyers: Vec<(String, String, String)>,
}

impl Market {
    /// Only US shops may send pounds and inches (Create Product: "for non-US regions, only
    /// KILOGRAM/CENTIMETER can be filled in").
    pub(crate) fn imperial_allowed(&self) -> bool {
        self.code == "US"
    }

    pub(crate) fn requires(&self, what: &str) -> bool {
        self.listing_requires.iter().any(|r| r == what)
    }
}

#[derive(Deserialize)]
struct Table {
    region: Vec<Market>,
}

static MARKETS: LazyLock<Vec<Market>> = LazyLock::new(|| {
    // Compiled in and parsed by a unit test: it cannot fail at run time.
    toml::from_str::<Table>(REGIONS_TOML)
        .map(|t| t.region)
        .unwrap_or_default()
});

/// The market of a region code (any case, aliases such as `UK` included).
pub(crate) fn market(code: &str) -> Option<&'static Market> {
    let code = code.trim();
    MARKETS.iter().find(|m| {
        m.code.eq_ignore_ascii_case(code) || m.aliases.iter().any(|a| a.eq_ignore_ascii_case(code))
    })
}

/// The US market, the seeded shop's until `set_region`.
pub(crate) fn us() -> &'static Market {
    static FALLBACK: LazyLock<Market> = LazyLock::new(|| Market {
        code: "US".into(),
        aliases: Vec::new(),
        currency: "USD".into(),
        currency_decimals: 2,
        category_version: "v2".into(),
        carriers: Vec::new(),
        express_carriers: Vec::new(),
        listing_requires: Vec::new(),
        sample: Sample {
            country: "United States".into(),
            dialing_code: "1".into(),
            street: "Main St".into(),
            phone_prefix: "213555".into(),
            warehouses: Vec::new(),
            buyers: Vec::new(),
        },
    });
    market("US").unwrap_or(&FALLBACK)
}

/// Every region code the simulator can seed a shop in.
pub(crate) fn codes() -> Vec<&'static str> {
    MARKETS.iter().map(|m| m.code.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_table_parses_with_addresses_for_every_market() {
        let table: Table = toml::from_str(REGIONS_TOML).expect("regions table");
        assert!(table.region.len() >= 17);
        for m in &table.region {
            assert_eq!(m.sample.warehouses.len(), 3, "{}", m.code);
            assert!(!m.sample.buyers.is_empty(), "{}", m.code);
            assert!(!m.carriers.is_empty(), "{}", m.code);
        }
        assert_eq!(market("uk").map(|m| m.currency.as_str()), Some("GBP"));
        assert!(market("DE").is_some_and(|m| m.requires("responsible_person")));
        assert_eq!(us().code, "US");
        assert!(codes().contains(&"JP"));
    }
}
