//! Wix (Stores + eCommerce): an API key of the site owner's account with the site's id
//! (`wix-site-id` header), or a Wix app's OAuth client credentials for one installation
//! (`instance_id`). Webhooks come from a Wix app only and are JWTs signed RS256 with the
//! app's key pair: the daemon verifies them with the app's public key. `shop_domain` is the
//! site's address (for people); `api_base` overrides the API host (`https://www.wixapis.com`).

use super::StoreRuleBroken;
use crate::config::StoreConfig;
use crate::secret::Secret;
use serde::Deserialize;

pub const LABEL: &str = "Wix";
/// Where a merchant sets what feedbridge reads as the SKU.
pub const SKU_FIELD: &str = "each variant's SKU (Products → product → Manage Variants → SKU)";

/// `[wix.<organization>]`: either `api_key` (Account Settings → API Keys, with the site's
/// id) or `app_id` + `app_secret` + `instance_id` (a Wix app installed on the site).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// The site's id (a GUID, the `wix-site-id` header); needed with `api_key`.
    #[serde(default)]
    pub site_id: Option<String>,
    /// An API key with the Wix Stores and eCommerce permissions (sent as `Authorization`).
    #[serde(default)]
    pub api_key: Option<Secret>,
    /// A Wix app's id (OAuth `client_id`).
    #[serde(default)]
    pub app_id: Option<String>,
    /// The app's secret key (OAuth `client_secret`).
    #[serde(default)]
    pub app_secret: Option<Secret>,
    /// The app's installation on the site (OAuth `instance_id`).
    #[serde(default)]
    pub instance_id: Option<String>,
    /// The app's public key (PEM, app dashboard → Webhooks → Get Public Key): verifies the
    /// JWT of every webhook. Without it every delivery is refused and polling alone is used.
    #[serde(default)]
    pub webhook_public_key: Option<String>,
}

/// How the daemon authenticates with Wix.
#[derive(Clone, Debug)]
pub enum WixAuth {
    ApiKey {
        api_key: Secret,
        site_id: String,
    },
    App {
        app_id: String,
        app_secret: Secret,
        instance_id: String,
    },
}

impl Secrets {
    /// The one authentication the section sets up; `Err` names the key to fix.
    pub fn auth(&self) -> Result<WixAuth, String> {
        let set = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
        let key = self
            .api_key
            .as_ref()
            .filter(|k| !k.expose().trim().is_empty());
        let app = set(&self.app_id) || self.app_secret.is_some() || set(&self.instance_id);
        match (key, app) {
            (Some(_), true) => Err("set either api_key (with site_id) or app_id, app_secret and instance_id, not both".into()),
            (Some(api_key), false) => {
                let site_id = self
                    .site_id
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| is_guid(s))
                    .ok_or("site_id must be the site's id, a GUID such as 3c0c2a2e-5b3f-4c1e-9a43-6b0f6c0a8f21 (the part after /dashboard/ in the site's dashboard address)")?;
                Ok(WixAuth::ApiKey {
                    api_key: api_key.clone(),
                    site_id: site_id.to_owned(),
                })
            }
            (None, true) => {
                let app_id = self.app_id.as_deref().map(str::trim).filter(|s| is_guid(s))
                    .ok_or("app_id must be the app's id (a GUID, app dashboard → OAuth)")?;
                let app_secret = self.app_secret.clone().filter(|s| !s.expose().trim().is_empty())
                    .ok_or("app_secret must be the app's secret key (app dashboard → OAuth)")?;
                let instance_id = self.instance_id.as_deref().map(str::trim).filter(|s| is_guid(s))
                    .ok_or("instance_id must be the app's installation id on the site (a GUID)")?;
                Ok(WixAuth::App {
                    app_id: app_id.to_owned(),
                    app_secret,
                    instance_id: instance_id.to_owned(),
                })
            }
            (None, false) => Err("set api_key and site_id (an API key from Account Settings → API Keys) or app_id, app_secret and instance_id".into()),
        }
    }
}

/// `8-4-4-4-12` hex digits.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn check_store(store: &StoreConfig) -> Result<(), StoreRuleBroken> {
    if store.ca_file.is_some() {
        return Err(StoreRuleBroken {
            key: "ca_file",
            message: "only applies to a WooCommerce store; Wix's API uses public certificates"
                .into(),
        });
    }
    if store.shop_domain.trim().is_empty() || store.shop_domain.contains('/') {
        return Err(StoreRuleBroken {
            key: "shop_domain",
            message: format!(
                "\"{}\" must be the Wix site's domain (e.g. acme.wixsite.com or shop.acme.com); the site itself is named by site_id in the secrets file",
                store.shop_domain
            ),
        });
    }
    if let Some(url) = &store.api_base
        && ["/stores", "/ecom", "/site-properties"]
            .iter()
            .any(|p| url.contains(p))
    {
        return Err(StoreRuleBroken {
            key: "api_base",
            message: format!(
                "\"{url}\" names an API path; give only the API host (e.g. https://www.wixapis.com)"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "3c0c2a2e-5b3f-4c1e-9a43-6b0f6c0a8f21";

    fn secrets(toml_text: &str) -> Secrets {
        toml::from_str(toml_text).expect("secrets")
    }

    #[test]
    fn an_api_key_needs_the_site_id() {
        let ok = secrets(&format!("api_key = \"IST.key\"\nsite_id = \"{SITE}\"\n"));
        assert!(matches!(ok.auth(), Ok(WixAuth::ApiKey { site_id, .. }) if site_id == SITE));
        let err = secrets("api_key = \"IST.key\"\n").auth().unwrap_err();
        assert!(err.contains("site_id"), "{err}");
        let err = secrets("api_key = \"IST.key\"\nsite_id = \"acme\"\n")
            .auth()
            .unwrap_err();
        assert!(err.contains("GUID"), "{err}");
    }

    #[test]
    fn an_app_needs_all_three_and_not_a_key_too() {
        let app = format!("app_id = \"{SITE}\"\napp_secret = \"s\"\ninstance_id = \"{SITE}\"\n");
        assert!(matches!(secrets(&app).auth(), Ok(WixAuth::App { .. })));
        let both = format!("{app}api_key = \"k\"\nsite_id = \"{SITE}\"\n");
        assert!(secrets(&both).auth().unwrap_err().contains("not both"));
        let err = secrets(&format!("app_id = \"{SITE}\"\n"))
            .auth()
            .unwrap_err();
        assert!(err.contains("app_secret"), "{err}");
        assert!(secrets("").auth().unwrap_err().contains("api_key"));
        assert!(toml::from_str::<Secrets>("token = \"x\"\n").is_err());
    }

    fn store(shop_domain: &str, api_base: Option<&str>) -> StoreConfig {
        StoreConfig {
            platform: crate::stores::StorePlatform::Wix,
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
        assert_eq!(check_store(&store("acme.wixsite.com", None)), Ok(()));
        assert_eq!(
            check_store(&store("acme.wixsite.com", Some("http://127.0.0.1:9000"))),
            Ok(())
        );
        let broken = |s: StoreConfig| check_store(&s).unwrap_err().key;
        assert_eq!(broken(store("acme.wixsite.com/shop", None)), "shop_domain");
        assert_eq!(
            broken(store(
                "acme.wixsite.com",
                Some("https://www.wixapis.com/stores/v1")
            )),
            "api_base"
        );
        let mut with_ca = store("acme.wixsite.com", None);
        with_ca.ca_file = Some("/etc/ca.pem".into());
        assert_eq!(broken(with_ca), "ca_file");
    }
}
