//! Amazon Multi-Channel Fulfillment as the console sees it: a TikTok shop's MCF rules and the
//! fulfilment order behind one TikTok order.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How fast Amazon ships (`shippingSpeedCategory`; `ScheduledDelivery` is Japan-only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShippingSpeed {
    #[default]
    Standard,
    Expedited,
    Priority,
}

impl ShippingSpeed {
    pub const ALL: [ShippingSpeed; 3] = [Self::Standard, Self::Expedited, Self::Priority];

    /// Amazon's own spelling, sent as is.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "Standard",
            Self::Expedited => "Expedited",
            Self::Priority => "Priority",
        }
    }

    /// Case-insensitive.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|speed| speed.as_str().eq_ignore_ascii_case(value.trim()))
    }
}

/// What Amazon does when it cannot ship every unit (`fulfillmentPolicy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FillPolicy {
    /// Ship nothing unless everything can ship (Amazon's default).
    #[default]
    FillOrKill,
    /// Ship what it can now, the rest when it arrives.
    FillAll,
    /// Ship what it can, cancel the rest.
    FillAllAvailable,
}

impl FillPolicy {
    pub const ALL: [FillPolicy; 3] = [Self::FillOrKill, Self::FillAll, Self::FillAllAvailable];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FillOrKill => "FillOrKill",
            Self::FillAll => "FillAll",
            Self::FillAllAvailable => "FillAllAvailable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::FillOrKill => "FillOrKill: ship only if everything can ship",
            Self::FillAll => "FillAll: ship what can ship, the rest later",
            Self::FillAllAvailable => "FillAllAvailable: ship what can ship, cancel the rest",
        }
    }

    /// Case-insensitive, dashes and underscores ignored ("fill-or-kill" works).
    pub fn parse(value: &str) -> Option<Self> {
        let wanted: String = value.chars().filter(char::is_ascii_alphanumeric).collect();
        Self::ALL
            .into_iter()
            .find(|policy| policy.as_str().eq_ignore_ascii_case(&wanted))
    }
}

/// Per-shop MCF rules, edited from the console or CLI.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct McfSettings {
    pub speed: ShippingSpeed,
    pub policy: FillPolicy,
    /// Orders with more units than this are shipped from the store instead.
    pub max_units: Option<u32>,
    /// Orders worth more than this (TikTok's total, in the order's currency) are shipped
    /// from the store instead.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub max_order_value: Option<Decimal>,
    /// Seller SKUs never sent to Amazon from this shop: routed as if Amazon held none of them.
    /// (Added after the first version: older stored settings read as none excluded.)
    pub excluded_skus: BTreeSet<String>,
}

impl McfSettings {
    /// Whether `sku` is marked "never via MCF" (compared as typed, surrounding spaces ignored).
    pub fn is_excluded(&self, sku: &str) -> bool {
        self.excluded_skus.contains(sku.trim())
    }

    /// Mark `skus` "never via MCF"; returns those not already marked.
    pub fn exclude<'a>(&mut self, skus: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        skus.into_iter()
            .map(str::trim)
            .filter(|sku| !sku.is_empty())
            .filter(|sku| self.excluded_skus.insert((*sku).to_owned()))
            .map(str::to_owned)
            .collect()
    }

    /// Let `skus` go to Amazon again; returns those that were marked.
    pub fn include<'a>(&mut self, skus: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        skus.into_iter()
            .map(str::trim)
            .filter(|sku| self.excluded_skus.remove(*sku))
            .map(str::to_owned)
            .collect()
    }
}

/// The Amazon fulfilment order behind a TikTok order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McfView {
    /// Our `sellerFulfillmentOrderId`, e.g. "TTS-576461413038785752".
    pub fulfilment_order_id: String,
    /// Amazon's `fulfillmentOrderStatus` as last read ("Received", "Processing", ...);
    /// `None` until Amazon has confirmed the order.
    pub amazon_status: Option<String>,
    /// Amazon packages with tracking and whether it reached TikTok.
    pub packages: Vec<McfPackageView>,
    /// The last problem with this fulfilment order, in the merchant's words.
    pub last_error: Option<String>,
    pub updated_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct McfPackageView {
    pub package_number: u32,
    /// Amazon's carrier code, e.g. "UPS", "AMZN_US".
    pub carrier_code: String,
    pub tracking_number: String,
    /// The TikTok shipping provider it was sent as, once sent.
    pub tiktok_provider: Option<String>,
    /// When it was sent to TikTok (Unix seconds).
    pub pushed_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_and_policies_parse_loosely() {
        assert_eq!(
            ShippingSpeed::parse("expedited"),
            Some(ShippingSpeed::Expedited)
        );
        assert_eq!(ShippingSpeed::parse("fast"), None);
        assert_eq!(
            FillPolicy::parse("fill-all-available"),
            Some(FillPolicy::FillAllAvailable)
        );
        assert_eq!(
            FillPolicy::parse("FillOrKill"),
            Some(FillPolicy::FillOrKill)
        );
        assert_eq!(FillPolicy::parse("kill"), None);
    }

    #[test]
    fn settings_missing_keys_take_defaults_and_value_is_a_string() {
        let settings: McfSettings =
            serde_json::from_str(r#"{"max_order_value": "150.50"}"#).expect("parses");
        assert_eq!(settings.speed, ShippingSpeed::Standard);
        assert_eq!(settings.policy, FillPolicy::FillOrKill);
        assert_eq!(settings.max_order_value, Some(Decimal::new(15050, 2)));
        let json = serde_json::to_string(&settings).expect("serializes");
        assert!(json.contains(r#""max_order_value":"150.50""#), "{json}");
        assert!(
            settings.excluded_skus.is_empty(),
            "old rows exclude nothing"
        );
    }

    #[test]
    fn exclusions_are_trimmed_and_report_what_changed() {
        let mut settings = McfSettings::default();
        assert_eq!(settings.exclude([" A ", "B", "A", ""]), ["A", "B"]);
        assert!(settings.is_excluded("A") && settings.is_excluded(" B"));
        assert!(!settings.is_excluded("a"), "seller SKUs are case-sensitive");
        assert_eq!(settings.include(["B", "C"]), ["B"]);
        assert_eq!(settings.excluded_skus.iter().collect::<Vec<_>>(), ["A"]);
        let json = serde_json::to_string(&settings).expect("serializes");
        let back: McfSettings = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, settings);
    }
}
