//! Amazon Seller Central as the store: the seller's own listings (SP-API Listings Items,
//! Catalog Items, FBA inventory and the merchant listings report) are the catalog TikTok gets.
//! The grant is the one Login with Amazon authorization in `[amazon.<organization>]`, the same
//! section Multi-Channel Fulfillment reads: an organization whose store is Amazon ships its
//! FBA SKUs through MCF without an `[organization.amazon]` section of its own.

use super::StoreRuleBroken;
use crate::config::{AmazonConfig, AmazonMarketplace, StoreConfig};

/// `[amazon.<organization>]`: the SP-API app's LWA client and the seller's refresh token,
/// shared with MCF.
pub use crate::config::AmazonSecrets as Secrets;

pub const LABEL: &str = "Amazon Seller Central";
/// Where a merchant sets what feedbridge reads as the SKU.
pub const SKU_FIELD: &str =
    "each offer's seller SKU (Seller Central → Catalog → Inventory → Manage All Inventory)";

/// The `[organization.store]` keys only an Amazon store has.
const AMAZON_KEYS: &str = "marketplace_id, seller_id and token_url";

/// The marketplace `marketplace_id` names, when feedbridge serves it.
pub fn marketplace(store: &StoreConfig) -> Option<AmazonMarketplace> {
    let id = store.marketplace_id.as_deref()?.trim();
    [AmazonMarketplace::US, AmazonMarketplace::UK]
        .into_iter()
        .find(|m| m.id() == id)
}

/// The MCF account an Amazon store brings: its marketplace, endpoint and token URL, with the
/// default polling intervals (an `[organization.amazon]` section, when present, wins).
pub fn mcf_account(store: &StoreConfig) -> Option<AmazonConfig> {
    let marketplace = marketplace(store)?;
    Some(AmazonConfig {
        marketplace,
        api_base: store.api_base.clone(),
        token_url: store.token_url.clone(),
        fba_refresh_secs: crate::config::default_fba_refresh_secs(),
        mcf_poll_secs: crate::config::default_mcf_poll_secs(),
    })
}

pub fn check_store(store: &StoreConfig) -> Result<(), StoreRuleBroken> {
    if store.ca_file.is_some() {
        return Err(StoreRuleBroken {
            key: "ca_file",
            message: "only applies to a WooCommerce store; Amazon's APIs use public certificates"
                .into(),
        });
    }
    let Some(id) = store.marketplace_id.as_deref() else {
        return Err(StoreRuleBroken {
            key: "marketplace_id",
            message: format!(
                "is required for an Amazon store: {} (US) or {} (UK)",
                AmazonMarketplace::US.id(),
                AmazonMarketplace::UK.id()
            ),
        });
    };
    if marketplace(store).is_none() {
        return Err(StoreRuleBroken {
            key: "marketplace_id",
            message: format!(
                "\"{id}\" is not a marketplace feedbridge serves: use {} (US) or {} (UK)",
                AmazonMarketplace::US.id(),
                AmazonMarketplace::UK.id()
            ),
        });
    }
    let seller = store.seller_id.as_deref().unwrap_or("").trim();
    if seller.is_empty() {
        return Err(StoreRuleBroken {
            key: "seller_id",
            message: "is required for an Amazon store: the Merchant Token under Seller Central → Settings → Account Info → Business Information → Merchant Token".into(),
        });
    }
    if !valid_seller_id(seller) {
        return Err(StoreRuleBroken {
            key: "seller_id",
            message: format!(
                "\"{seller}\" is not a merchant token (10 to 20 capital letters and digits, e.g. A2EXAMPLE1ABCD; Seller Central → Settings → Account Info → Merchant Token)"
            ),
        });
    }
    if let Some(url) = &store.token_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return Err(StoreRuleBroken {
            key: "token_url",
            message: format!("\"{url}\" is not an http(s) URL"),
        });
    }
    Ok(())
}

/// The Amazon keys set on a store of another platform.
pub fn refuse_elsewhere(store: &StoreConfig) -> Result<(), StoreRuleBroken> {
    let set = [
        ("marketplace_id", store.marketplace_id.is_some()),
        ("seller_id", store.seller_id.is_some()),
        ("token_url", store.token_url.is_some()),
    ];
    match set.iter().find(|(_, is_set)| *is_set) {
        Some((key, _)) if store.platform != super::StorePlatform::Amazon => Err(StoreRuleBroken {
            key,
            message: format!("only applies to an Amazon store ({AMAZON_KEYS})"),
        }),
        _ => Ok(()),
    }
}

fn valid_seller_id(id: &str) -> bool {
    (10..=20).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stores::StorePlatform;

    fn store(marketplace: Option<&str>, seller: Option<&str>) -> StoreConfig {
        StoreConfig {
            platform: StorePlatform::Amazon,
            shop_domain: "sellercentral.amazon.com".into(),
            api_base: None,
            api_version: String::new(),
            ca_file: None,
            marketplace_id: marketplace.map(str::to_owned),
            seller_id: seller.map(str::to_owned),
            token_url: None,
        }
    }

    #[test]
    fn the_marketplace_and_seller_are_required_and_checked() {
        assert_eq!(
            check_store(&store(Some("ATVPDKIKX0DER"), Some("A2EXAMPLE1ABCD"))),
            Ok(())
        );
        assert_eq!(
            check_store(&store(Some("A1F83G8C2ARO7P"), Some("A2EXAMPLE1ABCD"))),
            Ok(())
        );
        let missing = check_store(&store(None, Some("A2EXAMPLE1ABCD"))).unwrap_err();
        assert_eq!(missing.key, "marketplace_id");
        assert!(
            missing.message.contains("ATVPDKIKX0DER"),
            "{}",
            missing.message
        );
        let japan =
            check_store(&store(Some("A1VC38T7YXB528"), Some("A2EXAMPLE1ABCD"))).unwrap_err();
        assert_eq!(japan.key, "marketplace_id");
        assert!(
            japan.message.contains("A1VC38T7YXB528"),
            "{}",
            japan.message
        );
        assert_eq!(
            check_store(&store(Some("ATVPDKIKX0DER"), None))
                .unwrap_err()
                .key,
            "seller_id"
        );
        assert_eq!(
            check_store(&store(Some("ATVPDKIKX0DER"), Some("acme store")))
                .unwrap_err()
                .key,
            "seller_id"
        );
    }

    #[test]
    fn the_store_brings_its_mcf_account() {
        let mut uk = store(Some("A1F83G8C2ARO7P"), Some("A2EXAMPLE1ABCD"));
        uk.api_base = Some("http://127.0.0.1:9".into());
        let account = mcf_account(&uk).unwrap();
        assert_eq!(account.marketplace, AmazonMarketplace::UK);
        assert_eq!(account.api_base(), "http://127.0.0.1:9");
        assert_eq!(account.token_url(), "https://api.amazon.com/auth/o2/token");
    }

    #[test]
    fn amazon_keys_are_refused_on_other_stores() {
        let mut shopify = store(Some("ATVPDKIKX0DER"), None);
        shopify.platform = StorePlatform::Shopify;
        assert_eq!(
            refuse_elsewhere(&shopify).unwrap_err().key,
            "marketplace_id"
        );
        assert_eq!(
            refuse_elsewhere(&store(Some("ATVPDKIKX0DER"), None)),
            Ok(())
        );
    }
}
