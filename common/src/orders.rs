//! Per-shop order rules and the order detail the console shows.

use crate::domain::{EventView, OrderView};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How orders fulfilled by TikTok (FBT) reach the store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FbtRule {
    /// Rule A: create the store order as soon as it is paid and deduct store stock.
    #[default]
    SyncAtOnce,
    /// Rule B: hold it as Blocked until TikTok hands it to the carrier
    /// (AWAITING_COLLECTION), then create it already fulfilled, leaving store stock alone.
    AfterCollection,
}

impl FbtRule {
    pub fn label(self) -> &'static str {
        match self {
            Self::SyncAtOnce => "A: sync at once, deduct store stock",
            Self::AfterCollection => "B: wait for collection, create fulfilled, keep store stock",
        }
    }
}

/// What creating a store order does to store stock (Shopify's `inventoryBehaviour`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InventoryBehaviour {
    /// Deduct, and refuse the order if a variant that may not oversell is out of stock.
    #[default]
    DecrementObeyingPolicy,
    /// Deduct even below zero.
    DecrementIgnoringPolicy,
    /// Leave store stock alone.
    Bypass,
}

impl InventoryBehaviour {
    pub fn label(self) -> &'static str {
        match self {
            Self::DecrementObeyingPolicy => "deduct (refuse when out of stock)",
            Self::DecrementIgnoringPolicy => "deduct (allow negative)",
            Self::Bypass => "do not deduct",
        }
    }
}

/// A store carrier name and the TikTok shipping provider it means for one shop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierMapping {
    /// As the store writes it on a fulfilment, e.g. "Royal Mail Tracked 48"; matched
    /// ignoring case.
    pub store_carrier: String,
    /// The TikTok shipping provider's name, e.g. "Royal Mail".
    pub tiktok_provider: String,
}

/// Per-shop order rules, edited from the console or CLI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderSettings {
    /// Create store orders this many minutes after payment (0 = at once); an order
    /// cancelled inside the window never reaches the store.
    pub hold_minutes: u32,
    /// Put in front of the store order's name, e.g. "TT-" makes "TT-1001".
    pub order_number_prefix: String,
    pub fbt_rule: FbtRule,
    /// Extra tag on store orders that TikTok fulfils.
    pub fbt_tag: String,
    pub inventory_behaviour: InventoryBehaviour,
    /// Put stock back when a TikTok cancellation cancels the store order (and when a mirrored
    /// TikTok refund refunds it).
    pub restock_on_cancel: bool,
    /// When TikTok refunds a return or refund request, refund the store order too (once).
    pub mirror_refunds_to_store: bool,
    pub carrier_mappings: Vec<CarrierMapping>,
}

impl Default for OrderSettings {
    fn default() -> Self {
        Self {
            hold_minutes: 0,
            order_number_prefix: String::new(),
            fbt_rule: FbtRule::SyncAtOnce,
            fbt_tag: "TikTok-FBT".to_owned(),
            inventory_behaviour: InventoryBehaviour::DecrementObeyingPolicy,
            restock_on_cancel: true,
            mirror_refunds_to_store: false,
            carrier_mappings: Vec::new(),
        }
    }
}

/// The carrier mapping editor's data: what is mapped and what can be chosen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarrierChoices {
    pub shop: String,
    pub mappings: Vec<CarrierMapping>,
    /// Shipping provider names TikTok offers this shop, over all its delivery options.
    pub providers: Vec<String>,
    /// Used for a carrier with no mapping and no provider of the same name, with a warning.
    pub region_default: Option<String>,
    /// Carrier names seen on store fulfilments that matched no provider.
    pub unmapped_seen: Vec<String>,
}

/// One order with everything support needs to explain it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDetail {
    pub order: OrderView,
    /// FULFILLMENT_BY_SELLER or FULFILLMENT_BY_TIKTOK.
    pub fulfillment_type: String,
    /// SELLER or TIKTOK.
    pub shipping_type: String,
    pub payment: PaymentBreakdown,
    pub packages: Vec<PackageView>,
    /// When a held order becomes due (Unix seconds).
    pub hold_until: Option<i64>,
    /// Where the store order's figures differ from TikTok's, in words.
    pub differences: Vec<String>,
    /// Every event about this order, oldest first.
    pub timeline: Vec<EventView>,
    /// TikTok return and refund requests on this order, oldest first, with their history.
    #[serde(default)]
    pub returns: Vec<crate::returns::OrderReturn>,
}

/// TikTok's money figures for an order, as strings of the order's currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentBreakdown {
    pub currency: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub sub_total: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub shipping_fee: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub seller_discount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub platform_discount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub tax: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub total: Decimal,
}

/// A TikTok package of the order and where its tracking came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageView {
    pub tiktok_package_id: String,
    pub tracking_number: String,
    pub carrier: String,
    /// "store -> TikTok" or "TikTok -> store".
    pub direction: String,
    /// Seller SKU and quantity in this package.
    pub lines: Vec<(String, u32)>,
    pub at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_missing_keys_take_defaults() {
        let settings: OrderSettings =
            serde_json::from_str(r#"{"hold_minutes": 30}"#).expect("parses");
        assert_eq!(settings.hold_minutes, 30);
        assert_eq!(settings.fbt_tag, "TikTok-FBT");
        assert!(settings.restock_on_cancel);
        assert_eq!(settings.fbt_rule, FbtRule::SyncAtOnce);
    }
}
