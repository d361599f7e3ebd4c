//! BigCommerce: a store-level API account's access token; webhooks carry a header feedbridge
//! chooses (BigCommerce does not sign them). The store hash is read from `shop_domain`, which
//! is the store's permanent domain `store-<hash>.mybigcommerce.com`; `api_base` overrides
//! the API host (`https://api.bigcommerce.com`), without the `/stores/<hash>` path.

use super::StoreRuleBroken;
use crate::config::StoreConfig;
use crate::secret::Secret;
use serde::Deserialize;

pub const LABEL: &str = "BigCommerce";
/// Where a merchant sets what feedbridge reads as the SKU.
pub const SKU_FIELD: &str =
    "the SKU of the product or of each variant (Products → product → Variations → SKU)";

/// `[bigcommerce.<organization>]`: a store-level API account (Settings → API → Store-level
/// API accounts).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// The account's access token (sent as `X-Auth-Token`).
    pub access_token: Secret,
    /// Sent back by BigCommerce in the `X-Feedbridge-Token` header of every webhook
    /// feedbridge registers (any long random string).
    pub webhook_secret: Secret,
}

const DOMAIN_RULE: &str = "must be the store's permanent domain \"store-<store hash>.mybigcommerce.com\" (the store hash is in the API path of the store-level API account, https://api.bigcommerce.com/stores/<store hash>/v3/)";

/// The store hash of `store-<hash>.mybigcommerce.com`.
pub fn store_hash(shop_domain: &str) -> Option<&str> {
    let hash = shop_domain
        .trim()
        .strip_prefix("store-")?
        .strip_suffix(".mybigcommerce.com")?;
    (!hash.is_empty() && hash.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(hash)
}

pub fn check_store(store: &StoreConfig) -> Result<(), StoreRuleBroken> {
    if store.ca_file.is_some() {
        return Err(StoreRuleBroken {
            key: "ca_file",
            message:
                "only applies to a WooCommerce store; BigCommerce's API uses public certificates"
                    .into(),
        });
    }
    if store_hash(&store.shop_domain).is_none() {
        return Err(StoreRuleBroken {
            key: "shop_domain",
            message: format!("\"{}\" {DOMAIN_RULE}", store.shop_domain),
        });
    }
    if let Some(url) = &store.api_base
        && url.contains("/stores/")
    {
        return Err(StoreRuleBroken {
            key: "api_base",
            message: format!(
                "\"{url}\" names a store path; give only the API host (e.g. https://api.bigcommerce.com): the store hash comes from shop_domain"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_hash_is_read_from_the_permanent_domain() {
        assert_eq!(store_hash("store-abc123.mybigcommerce.com"), Some("abc123"));
        assert_eq!(store_hash(" store-Z9.mybigcommerce.com "), Some("Z9"));
        for bad in [
            "shop.acme.com",
            "store-.mybigcommerce.com",
            "store-a/b.mybigcommerce.com",
            "abc123.mybigcommerce.com",
        ] {
            assert_eq!(store_hash(bad), None, "{bad}");
        }
    }

    fn store(shop_domain: &str, api_base: Option<&str>) -> StoreConfig {
        StoreConfig {
            platform: crate::stores::StorePlatform::Bigcommerce,
            shop_domain: shop_domain.into(),
            api_base: api_base.map(str::to_owned),
            api_version: String::new(),
            ca_file: None,
            marketplace_id: None,
            seller_id: None,
            token_url: None,
        }
    }

    #[test]
    fn the_store_section_names_the_key_it_breaks() {
        assert_eq!(
            check_store(&store("store-abc123.mybigcommerce.com", None)),
            Ok(())
        );
        assert_eq!(
            check_store(&store(
                "store-abc123.mybigcommerce.com",
                Some("http://127.0.0.1:9000")
            )),
            Ok(())
        );
        let broken = |store: StoreConfig| check_store(&store).unwrap_err().key;
        assert_eq!(broken(store("shop.acme.com", None)), "shop_domain");
        assert_eq!(
            broken(store(
                "store-abc123.mybigcommerce.com",
                Some("https://api.bigcommerce.com/stores/abc123")
            )),
            "api_base"
        );
        let mut with_ca = store("store-abc123.mybigcommerce.com", None);
        with_ca.ca_file = Some("/etc/ca.pem".into());
        assert_eq!(broken(with_ca), "ca_file");
    }
}
