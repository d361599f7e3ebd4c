//! WooCommerce: a REST API key pair; webhooks signed with a secret feedbridge chooses.

use super::StoreRuleBroken;
use crate::config::StoreConfig;
use crate::secret::Secret;
use serde::Deserialize;

pub const LABEL: &str = "WooCommerce";
/// Where a merchant sets what feedbridge reads as the SKU.
pub const SKU_FIELD: &str =
    "the SKU of the product or of each variation (Products → product → Inventory → SKU)";

/// `[woocommerce.<organization>]`: a REST API key (WooCommerce → Settings → Advanced →
/// REST API, read/write).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// `ck_...`
    pub consumer_key: Secret,
    /// `cs_...`
    pub consumer_secret: Secret,
    /// Signs the webhooks feedbridge registers (any long random string).
    pub webhook_secret: Secret,
}

/// A certificate file only means something for a site reached over https.
pub fn check_store(store: &StoreConfig) -> Result<(), StoreRuleBroken> {
    match (&store.ca_file, &store.api_base) {
        (Some(ca_file), _) if ca_file.as_os_str().is_empty() => Err(StoreRuleBroken {
            key: "ca_file",
            message: "must name a PEM certificate file".into(),
        }),
        (Some(_), Some(url)) if url.starts_with("http://") => Err(StoreRuleBroken {
            key: "ca_file",
            message: format!(
                "is only used over https, but api_base is \"{url}\"; remove ca_file or use the https address"
            ),
        }),
        _ => Ok(()),
    }
}
