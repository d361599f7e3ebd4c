//! PrestaShop 1.7 / 8: a webservice key (Advanced Parameters > Webservice), sent as the HTTP
//! Basic user with an empty password. No webhooks in core PrestaShop.

use super::StoreRuleBroken;
use crate::config::StoreConfig;
use crate::secret::Secret;
use serde::Deserialize;

pub const LABEL: &str = "PrestaShop";
/// Where a merchant sets what feedbridge reads as the SKU.
pub const SKU_FIELD: &str = "the Reference of the product or of each combination (Catalog → Products → product → Reference)";

/// What the webservice key is and where it is made, for errors.
pub const KEY_HINT: &str = "the 32-character key of Advanced Parameters > Webservice in the PrestaShop admin (the webservice enabled, the key enabled, with GET/POST/PUT on the resources feedbridge uses)";

/// `[prestashop.<organization>]`: the webservice key "feedbridge".
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawSecrets")]
pub struct Secrets {
    pub api_key: Secret,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecrets {
    api_key: Option<Secret>,
}

impl TryFrom<RawSecrets> for Secrets {
    type Error = String;

    fn try_from(raw: RawSecrets) -> Result<Self, String> {
        let Some(api_key) = raw.api_key.filter(|k| !k.is_empty()) else {
            return Err(format!("api_key is required: {KEY_HINT}"));
        };
        let key = api_key.expose().trim();
        // WebserviceKey: exactly 32 characters (the admin generates letters and digits).
        if key.chars().count() != 32 || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "api_key is not a PrestaShop webservice key (32 letters and digits); copy {KEY_HINT}"
            ));
        }
        Ok(Self {
            api_key: Secret::new(key),
        })
    }
}

/// Reached over the public web like Shopify: no private certificate.
pub fn check_store(store: &StoreConfig) -> Result<(), StoreRuleBroken> {
    if store.ca_file.is_some() {
        return Err(StoreRuleBroken {
            key: "ca_file",
            message: "only applies to a WooCommerce store".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Secrets, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_32_character_key_is_read_and_anything_else_is_refused_without_echo() {
        let key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456";
        assert_eq!(
            read(&format!("api_key = \"{key}\"\n"))
                .unwrap()
                .api_key
                .expose(),
            key
        );
        let error = read("api_key = \"short-secret\"\n").unwrap_err();
        assert!(error.contains("32 letters and digits"), "{error}");
        assert!(!error.contains("short-secret"), "{error}");
        let error = read("").unwrap_err();
        assert!(
            error.contains("Advanced Parameters > Webservice"),
            "{error}"
        );
        let error = read(&format!("api_key = \"{key}\"\npassword = \"x\"\n")).unwrap_err();
        assert!(error.contains("password"), "{error}");
    }
}
