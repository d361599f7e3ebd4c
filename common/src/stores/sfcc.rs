//! Salesforce B2C Commerce (Commerce Cloud): an Account Manager API client (client
//! credentials) for the SCAPI Admin APIs and the OCAPI Data API, and a SLAS private client for
//! the trusted-system token the Orders API's `POST /orders` requires. The SCAPI short code is
//! read from `shop_domain` (`{shortCode}.api.commercecloud.salesforce.com`); `api_base`
//! overrides every host (SCAPI, Account Manager, the instance's OCAPI), as the sandbox does.
//! No webhooks in B2C Commerce core.

use super::StoreRuleBroken;
use crate::config::StoreConfig;
use crate::secret::Secret;
use serde::Deserialize;

pub const LABEL: &str = "Salesforce B2C Commerce";
/// Where a merchant sets what feedbridge reads as the SKU.
pub const SKU_FIELD: &str =
    "each variant's product ID (Merchant Tools → Products and Catalogs → Products)";

/// The SCAPI host suffix after the short code.
pub const SCAPI_HOST_SUFFIX: &str = ".api.commercecloud.salesforce.com";

/// `[sfcc.<organization>]`: what Account Manager and Business Manager give out.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// The Account Manager API client's id (Account Manager > API Client).
    pub client_id: Secret,
    /// Its password (alphanumeric only, as Account Manager requires for SCAPI).
    pub client_secret: Secret,
    /// `f_ecom_<realm>_<instance>` (Business Manager > Administration > Site Development >
    /// Salesforce Commerce API Settings).
    pub organization_id: String,
    /// The storefront site (`RefArch`): its currency, price books and inventory list apply.
    pub site_id: String,
    /// The instance's host for the OCAPI Data API (`abcd-001.dx.commercecloud.salesforce.com`).
    pub instance_host: String,
    /// The site's inventory list (Merchant Tools > Products and Catalogs > Inventory).
    pub inventory_list_id: String,
    /// A SLAS private client with the `sfcc.ts_ext_on_behalf_of` scope: orders are created
    /// with a trusted-system token.
    pub slas_client_id: Secret,
    pub slas_client_secret: Secret,
}

impl Secrets {
    /// The tenant id `<realm>_<instance>` of `f_ecom_<realm>_<instance>`.
    pub fn tenant_id(&self) -> Option<&str> {
        tenant_of(&self.organization_id)
    }
}

/// `<realm>_<instance>` of a well-formed `f_ecom_<realm>_<instance>`.
pub fn tenant_of(organization_id: &str) -> Option<&str> {
    let tenant = organization_id.trim().strip_prefix("f_ecom_")?;
    let (realm, instance) = tenant.split_once('_')?;
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    (ok(realm) && ok(instance)).then_some(tenant)
}

/// The short code of `{shortCode}.api.commercecloud.salesforce.com`.
pub fn short_code(shop_domain: &str) -> Option<&str> {
    let code = shop_domain.trim().strip_suffix(SCAPI_HOST_SUFFIX)?;
    (!code.is_empty() && code.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(code)
}

pub fn check_store(store: &StoreConfig) -> Result<(), StoreRuleBroken> {
    if store.ca_file.is_some() {
        return Err(StoreRuleBroken {
            key: "ca_file",
            message:
                "only applies to a WooCommerce store; Salesforce's APIs use public certificates"
                    .into(),
        });
    }
    if short_code(&store.shop_domain).is_none() {
        return Err(StoreRuleBroken {
            key: "shop_domain",
            message: format!(
                "\"{}\" must be the SCAPI host \"<short code>{SCAPI_HOST_SUFFIX}\" (the short code is under Business Manager > Administration > Site Development > Salesforce Commerce API Settings)",
                store.shop_domain
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_code_and_tenant_are_read() {
        assert_eq!(
            short_code("kv7kzm78.api.commercecloud.salesforce.com"),
            Some("kv7kzm78")
        );
        assert_eq!(short_code("shop.acme.com"), None);
        assert_eq!(short_code(".api.commercecloud.salesforce.com"), None);
        assert_eq!(tenant_of("f_ecom_zzxy_prd"), Some("zzxy_prd"));
        for bad in ["zzxy_prd", "f_ecom_zzxy", "f_ecom__prd", "f_ecom_zz-xy_prd"] {
            assert_eq!(tenant_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_store_section_names_the_key_it_breaks() {
        let store = |domain: &str| StoreConfig {
            platform: crate::stores::StorePlatform::Sfcc,
            shop_domain: domain.into(),
            api_base: None,
            api_version: String::new(),
            ca_file: None,
            marketplace_id: None,
            seller_id: None,
            token_url: None,
        };
        assert_eq!(
            check_store(&store("kv7kzm78.api.commercecloud.salesforce.com")),
            Ok(())
        );
        assert_eq!(
            check_store(&store("www.acme.com")).unwrap_err().key,
            "shop_domain"
        );
    }

    #[test]
    fn unknown_keys_are_refused_and_values_never_shown() {
        let text = "client_id = \"c\"\nclient_secret = \"hunter2\"\norganization_id = \"f_ecom_zzxy_prd\"\nsite_id = \"RefArch\"\ninstance_host = \"zzxy-prd.dx.commercecloud.salesforce.com\"\ninventory_list_id = \"inventory_m\"\nslas_client_id = \"s\"\nslas_client_secret = \"t\"\n";
        let secrets: Secrets = toml::from_str(text).unwrap();
        assert_eq!(secrets.tenant_id(), Some("zzxy_prd"));
        assert!(!format!("{secrets:?}").contains("hunter2"));
        let error = toml::from_str::<Secrets>(&format!("{text}webhook_secret = \"w\"\n"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("webhook_secret"), "{error}");
    }
}
