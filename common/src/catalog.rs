//! Catalog views and settings: connection checks and authorization, product detail, linking
//! previews, and the per-shop rules that turn store price and stock into TikTok's.

use crate::domain::ProductView;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The result of a "test connection": every check that ran, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionTest {
    pub name: String,
    pub ok: bool,
    pub checks: Vec<ConnectionCheck>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionCheck {
    /// What was checked, e.g. "Access token", "Shop currency".
    pub what: String,
    pub ok: bool,
    /// What was found, or what is wrong and how to fix it.
    pub detail: String,
}

/// How to authorize feedbridge for a TikTok shop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationStart {
    pub shop: String,
    /// Open this as the shop's owner in a browser.
    pub url: String,
    /// Echoed back by TikTok on the redirect; binds the code to this request.
    pub state: String,
    /// The steps, in the merchant's words.
    pub instructions: String,
}

/// Outcome of mapping several listings at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingReport {
    pub mapped: Vec<i64>,
    /// (listing id, why it was not mapped)
    pub refused: Vec<(i64, String)>,
}

/// Package facts sent to TikTok, each figure with where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageFacts {
    #[serde(with = "rust_decimal::serde::str")]
    pub weight_kg: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub length_cm: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub width_cm: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub height_cm: Decimal,
    pub sources: PackageSources,
}

impl PackageFacts {
    /// The figures that came from the shop's listing defaults, by name ("weight", "length", ...).
    pub fn defaulted(&self) -> Vec<&'static str> {
        self.sources
            .by_figure()
            .into_iter()
            .filter(|(_, source)| *source == FigureSource::ShopDefault)
            .map(|(name, _)| name)
            .collect()
    }

    /// Whether every figure came from the shop's listing defaults (the store had none).
    pub fn all_defaults(&self) -> bool {
        self.defaulted().len() == 4
    }

    /// One line for the console: the figures and which came from where, e.g.
    /// "1.2 kg, 20 × 15 × 5 cm (weight from the store; length, width, height: shop defaults)".
    pub fn summary(&self) -> String {
        let defaulted = self.defaulted();
        let origin = match defaulted.len() {
            0 => "from the store".to_owned(),
            4 => "shop defaults".to_owned(),
            _ => {
                let from_store: Vec<&str> = self
                    .sources
                    .by_figure()
                    .into_iter()
                    .filter(|(_, source)| *source == FigureSource::Store)
                    .map(|(name, _)| name)
                    .collect();
                format!(
                    "{} from the store; {}: shop defaults",
                    from_store.join(", "),
                    defaulted.join(", ")
                )
            }
        };
        format!(
            "{} kg, {} × {} × {} cm ({origin})",
            self.weight_kg, self.length_cm, self.width_cm, self.height_cm
        )
    }
}

/// Where each package figure came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageSources {
    pub weight: FigureSource,
    pub length: FigureSource,
    pub width: FigureSource,
    pub height: FigureSource,
}

impl PackageSources {
    /// (figure name, source) in the order the console shows them.
    pub fn by_figure(&self) -> [(&'static str, FigureSource); 4] {
        [
            ("weight", self.weight),
            ("length", self.length),
            ("width", self.width),
            ("height", self.height),
        ]
    }
}

/// A package figure's origin: the store's product, or the shop's listing defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureSource {
    Store,
    ShopDefault,
}

impl FigureSource {
    pub fn label(self) -> &'static str {
        match self {
            Self::Store => "from the store",
            Self::ShopDefault => "shop default",
        }
    }
}

/// Everything the console shows about one listing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDetail {
    pub product: ProductView,
    /// The description as TikTok will get it (converted from the store's HTML).
    pub description: String,
    pub package: PackageFacts,
    /// Seller SKUs chosen for listing; empty means every SKU with a seller SKU.
    pub selected_skus: Vec<String>,
    /// Linked to a product that already existed on TikTok (rather than created by us).
    pub linked: bool,
    /// Required category attributes feedbridge cannot fill yet.
    pub missing_attributes: Vec<String>,
    /// Brand, size chart, certifications and EU operators, and what is still missing.
    #[serde(default)]
    pub compliance: crate::compliance::ComplianceView,
}

/// What linking by seller SKU would do, before anything changes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkPreview {
    pub shop: String,
    /// Store products whose SKUs all match one TikTok product: linking links these.
    pub matches: Vec<LinkMatch>,
    /// TikTok products none of whose SKUs are in the store.
    pub misses: Vec<LinkMiss>,
    /// SKUs that cannot be linked automatically; link these by hand.
    pub conflicts: Vec<LinkConflict>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkMatch {
    pub listing_id: i64,
    pub title: String,
    pub tiktok_product_id: String,
    pub tiktok_title: String,
    /// (seller SKU, TikTok SKU id)
    pub skus: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkMiss {
    pub tiktok_product_id: String,
    pub tiktok_title: String,
    pub seller_skus: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkConflict {
    pub seller_sku: String,
    /// Why, e.g. "2 store variants carry this SKU", "split across 2 store products".
    pub reason: String,
    /// The store products or TikTok products involved, by name.
    pub candidates: Vec<String>,
}

/// Units held back from TikTok so the store does not oversell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum StockBuffer {
    #[default]
    None,
    Units(u32),
    /// Percent of the store's stock, rounded up.
    Percent(u8),
}

/// How TikTok's price is derived from the store's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum PriceMarkup {
    #[default]
    None,
    Percent(#[serde(with = "rust_decimal::serde::str")] Decimal),
    Fixed(#[serde(with = "rust_decimal::serde::str")] Decimal),
}

/// Which store locations feed a TikTok warehouse's stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationWarehouse {
    pub store_location_id: String,
    pub warehouse_id: String,
}

/// Per-shop rules, edited from the console or CLI. Defaults: no buffer, no cap, store price
/// as is, every store location feeds the shop's default warehouse, 0.5 kg and 20×15×5 cm
/// packages where the store has no figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShopSettings {
    pub inventory_buffer: StockBuffer,
    /// Never show more than this many units on TikTok.
    pub max_quantity: Option<u32>,
    pub price_markup: PriceMarkup,
    /// Round the final price up to the next .99.
    pub round_to_99: bool,
    /// Empty: all store locations feed the default warehouse.
    pub location_warehouses: Vec<LocationWarehouse>,
    #[serde(with = "rust_decimal::serde::str")]
    pub package_weight_kg: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub package_length_cm: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub package_width_cm: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub package_height_cm: Decimal,
    /// For a shop selling in another currency than the store: units of the shop's currency
    /// per unit of the store's (0.79 for a GBP shop of a USD store). Prices are converted
    /// with it before the markup; orders are created in the store converted back.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub currency_rate: Option<Decimal>,
}

impl Default for ShopSettings {
    fn default() -> Self {
        Self {
            inventory_buffer: StockBuffer::None,
            max_quantity: None,
            price_markup: PriceMarkup::None,
            round_to_99: false,
            location_warehouses: Vec::new(),
            package_weight_kg: Decimal::new(5, 1),
            package_length_cm: Decimal::new(20, 0),
            package_width_cm: Decimal::new(15, 0),
            package_height_cm: Decimal::new(5, 0),
            currency_rate: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_summary_says_which_figures_came_from_where() {
        let store = FigureSource::Store;
        let default = FigureSource::ShopDefault;
        let mut facts = PackageFacts {
            weight_kg: Decimal::new(12, 1),
            length_cm: Decimal::new(20, 0),
            width_cm: Decimal::new(15, 0),
            height_cm: Decimal::new(5, 0),
            sources: PackageSources {
                weight: store,
                length: default,
                width: default,
                height: default,
            },
        };
        assert_eq!(
            facts.summary(),
            "1.2 kg, 20 × 15 × 5 cm (weight from the store; length, width, height: shop defaults)"
        );
        facts.sources.weight = default;
        assert!(facts.all_defaults());
        assert!(facts.summary().ends_with("(shop defaults)"));
        let json = serde_json::to_value(&facts).unwrap();
        assert_eq!(json["sources"]["weight"], "shop_default");
    }

    #[test]
    fn settings_round_trip_as_json_with_defaults_for_missing_keys() {
        let settings: ShopSettings =
            serde_json::from_str(r#"{"inventory_buffer":{"kind":"percent","value":10}}"#).unwrap();
        assert_eq!(settings.inventory_buffer, StockBuffer::Percent(10));
        assert_eq!(settings.package_weight_kg, Decimal::new(5, 1));
        let back: ShopSettings =
            serde_json::from_str(&serde_json::to_string(&settings).unwrap()).unwrap();
        assert_eq!(back, settings);
    }
}
