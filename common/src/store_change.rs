//! Connecting, replacing or disconnecting an organization's store while the daemon runs
//! (`feedbridge store ORG connect|replace|disconnect`).

use crate::secret::Secret;
use serde::{Deserialize, Serialize};

/// A store to connect to an organization, or to put in place of its current one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreChange {
    pub organization: String,
    /// The platform's name as the config spells it: `shopify`, `woocommerce`, ...
    pub platform: String,
    /// The store's address, e.g. `https://acme.myshopify.com` or `https://shop.acme.com`.
    pub url: String,
    /// The keys of the platform's `[<platform>.<organization>]` secrets section, as TOML
    /// `key = "value"` lines. Never printed.
    pub credentials: Secret,
    /// Replace the organization's current store; otherwise the organization must have none.
    pub replace: bool,
    /// Store settings besides the address, as `[organization.store]` keys: Amazon's
    /// `marketplace_id` and `seller_id`, a WooCommerce `ca_file`, ... (see [`STORE_SETTINGS`]).
    #[serde(default)]
    pub settings: Vec<(String, String)>,
}

/// The `[organization.store]` keys a store change may set besides the address (which gives
/// `shop_domain` and `api_base`) and the platform.
pub const STORE_SETTINGS: [&str; 5] = [
    "api_version",
    "ca_file",
    "marketplace_id",
    "seller_id",
    "token_url",
];

/// `KEY=VALUE` as a store setting, or why it is not one.
pub fn parse_store_setting(text: &str) -> Result<(String, String), String> {
    let Some((key, value)) = text.split_once('=') else {
        return Err(format!(
            "a store setting is KEY=VALUE, e.g. marketplace_id=ATVPDKIKX0DER; {text:?} has no '='"
        ));
    };
    let (key, value) = (key.trim(), value.trim());
    if !STORE_SETTINGS.contains(&key) {
        return Err(format!(
            "{key:?} is not a store setting; one of: {}",
            STORE_SETTINGS.join(", ")
        ));
    }
    if value.is_empty() {
        return Err(format!("the store setting {key} has no value"));
    }
    Ok((key.to_owned(), value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_known_keys_with_values() {
        assert_eq!(
            parse_store_setting(" seller_id = A2SELLER "),
            Ok(("seller_id".into(), "A2SELLER".into()))
        );
        assert!(
            parse_store_setting("seller_id")
                .unwrap_err()
                .contains("no '='")
        );
        assert!(
            parse_store_setting("seller_id=")
                .unwrap_err()
                .contains("no value")
        );
        let unknown = parse_store_setting("shop_domain=x").unwrap_err();
        assert!(unknown.contains("marketplace_id"), "{unknown}");
    }
}
