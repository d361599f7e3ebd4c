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
}
