//! Shopify: an Admin API access token; webhooks signed with the app's client secret.

use super::StoreRuleBroken;
use crate::config::StoreConfig;
use crate::secret::Secret;
use serde::Deserialize;

pub const LABEL: &str = "Shopify";
/// Where a merchant sets what feedbridge reads as the SKU.
pub const SKU_FIELD: &str = "each variant's SKU (Products → product → Variants → SKU)";

/// `[shopify.<organization>]`
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    pub access_token: Secret,
    /// The app's client secret, which signs webhooks.
    #[serde(default)]
    pub webhook_secret: Secret,
}

pub fn check_store(store: &StoreConfig) -> Result<(), StoreRuleBroken> {
    if store.ca_file.is_some() {
        return Err(StoreRuleBroken {
            key: "ca_file",
            message: "only applies to a WooCommerce store; Shopify stores use public certificates"
                .into(),
        });
    }
    if !valid_api_version(&store.api_version) {
        return Err(StoreRuleBroken {
            key: "api_version",
            message: format!(
                "\"{}\" is not a Shopify API version (YYYY-MM, e.g. 2026-10)",
                store.api_version
            ),
        });
    }
    Ok(())
}

fn valid_api_version(version: &str) -> bool {
    if version == "unstable" {
        return true;
    }
    let bytes = version.as_bytes();
    bytes.len() == 7
        && bytes[4] == b'-'
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && matches!(&version[5..], "01" | "04" | "07" | "10")
}
