//! Another TikTok shop as the store (shop → shop, e.g. a US shop feeding a GB shop): its
//! products, prices and stock are listed on the organization's TikTok shops, and an order on
//! one of them takes its units off the source shop's stock at once.
//!
//! The platform's config name is `tiktok_shop`, not `tiktok`: `[tiktok.<shop>]` already holds
//! the target shops' tokens in the secrets file, so the source shop has its own section,
//! `[tiktok_shop.<organization>]`. `shop_domain` holds the source shop's id (a TikTok shop has
//! no domain of its own; feedbridge keys the store by it, so pointing it at another shop starts
//! a new catalog). `api_base` overrides the Open API host (`https://open-api.tiktokglobalshop.com`);
//! with an override the same base also serves the token endpoints (the sandbox).

use super::StoreRuleBroken;
use crate::config::StoreConfig;
use crate::secret::Secret;
use serde::Deserialize;

pub const LABEL: &str = "TikTok Shop";
/// Where a merchant sets what feedbridge reads as the SKU.
pub const SKU_FIELD: &str =
    "each SKU's Seller SKU (Seller Center → Products → Manage products → product → Seller SKU)";

/// The Open API host of every region (tiktok-shop.md §1).
pub const DEFAULT_API_BASE: &str = "https://open-api.tiktokglobalshop.com";
/// The token endpoints' host (tiktok-shop.md §1).
pub const DEFAULT_AUTH_BASE: &str = "https://auth.tiktok-shops.com";

/// `[tiktok_shop.<organization>]`: the app that the source shop authorized and the source
/// shop's tokens. It may be the same app as the target shops' (`[tiktok_app]`: copy its key
/// and secret here) or another one; the source shop is read with these alone.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// The app key (Partner Center → App → App key).
    pub app_key: String,
    pub app_secret: Secret,
    /// The source shop's access token (from authorizing the app for that shop).
    pub access_token: Secret,
    /// Renews the access token when it expires; without it the shop must be authorized again
    /// then.
    #[serde(default)]
    pub refresh_token: Secret,
}

/// A TikTok shop id: digits only (tiktok-shop.md: ids are 64-bit numbers sent as strings).
fn is_shop_id(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

pub fn check_store(store: &StoreConfig) -> Result<(), StoreRuleBroken> {
    if store.ca_file.is_some() {
        return Err(StoreRuleBroken {
            key: "ca_file",
            message: "only applies to a WooCommerce store; TikTok Shop uses public certificates"
                .into(),
        });
    }
    if !is_shop_id(&store.shop_domain) {
        return Err(StoreRuleBroken {
            key: "shop_domain",
            message: format!(
                "\"{}\" is not a TikTok shop id: for a tiktok_shop store it holds the source shop's id (digits, from Get Authorized Shops or Seller Center → My account → Shop ID)",
                store.shop_domain
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_shop_id;

    #[test]
    fn a_shop_id_is_digits() {
        assert!(is_shop_id("7494049642642441621"));
        for bad in ["", "acme.myshopify.com", "7494 0496", "-1"] {
            assert!(!is_shop_id(bad), "{bad:?}");
        }
    }
}
