//! The store platforms feedbridge connects, as the config and secrets files name them. Each
//! platform is one module here (its secrets section and its config rules) and one line in
//! [`store_platforms!`]; its connector and simulator are the daemon's and the sandbox's business.

use crate::config::StoreConfig;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

pub mod amazon;
pub mod bigcommerce;
pub mod capabilities;
pub mod magento;
pub mod prestashop;
pub mod sfcc;
pub mod shopify;
pub mod tiktok;
pub mod wix;
pub mod woocommerce;

/// A config rule a store section breaks: the key under `[organization.store]` and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreRuleBroken {
    pub key: &'static str,
    pub message: String,
}

/// Generates [`StorePlatform`] and [`StoreSecrets`] from one line per platform:
/// `Variant = "config name" => module`, where the module has `LABEL`, `SKU_FIELD`, `Secrets`
/// and `check_store`.
macro_rules! store_platforms {
    ($($variant:ident = $name:literal => $module:ident),+ $(,)?) => {
        /// A store platform, as `platform = "..."` names it in `[organization.store]`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
        pub enum StorePlatform {
            $(#[serde(rename = $name)] $variant,)+
        }

        impl StorePlatform {
            pub const ALL: &'static [StorePlatform] = &[$(Self::$variant),+];

            /// The name the config and secrets files use.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name,)+ }
            }

            /// The platform's own spelling, for people.
            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $module::LABEL,)+ }
            }

            /// Where the merchant sets the SKU in the platform's admin.
            pub fn sku_field(self) -> &'static str {
                match self { $(Self::$variant => $module::SKU_FIELD,)+ }
            }

            /// The platform's own rules for its `[organization.store]` section.
            pub fn check_store(self, store: &StoreConfig) -> Result<(), StoreRuleBroken> {
                match self { $(Self::$variant => $module::check_store(store),)+ }
            }
        }

        /// One organization's store credentials, as its platform's secrets section holds them.
        #[derive(Clone, Debug)]
        pub enum StoreSecrets {
            $($variant($module::Secrets),)+
        }

        impl StoreSecrets {
            pub fn platform(&self) -> StorePlatform {
                match self { $(Self::$variant(_) => StorePlatform::$variant,)+ }
            }

            fn deserialize_for<'de, D: Deserializer<'de>>(
                platform: StorePlatform,
                deserializer: D,
            ) -> Result<Self, D::Error> {
                match platform {
                    $(StorePlatform::$variant => {
                        $module::Secrets::deserialize(deserializer).map(Self::$variant)
                    })+
                }
            }
        }
    };
}

store_platforms! {
    Shopify = "shopify" => shopify,
    Woocommerce = "woocommerce" => woocommerce,
    Bigcommerce = "bigcommerce" => bigcommerce,
    Magento = "magento" => magento,
    Prestashop = "prestashop" => prestashop,
    Wix = "wix" => wix,
    Sfcc = "sfcc" => sfcc,
    Amazon = "amazon" => amazon,
    Tiktok = "tiktok_shop" => tiktok,
}

impl StorePlatform {
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.as_str() == name)
    }

    /// "shopify, woocommerce, ...", for errors that list the choices.
    pub fn names() -> String {
        Self::ALL
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for StorePlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The store sections of a secrets file: `[<platform>.<organization>]` tables.
pub type StoreSecretsByOrg = BTreeMap<(StorePlatform, String), StoreSecrets>;

/// Reads one `[<platform>]` table (organization name → that platform's secrets).
pub(crate) struct StoreSection {
    pub platform: StorePlatform,
}

impl<'de> DeserializeSeed<'de> for StoreSection {
    type Value = Vec<(String, StoreSecrets)>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for StoreSection {
    type Value = Vec<(String, StoreSecrets)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a table of {} secrets per organization", self.platform)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut section = Vec::new();
        while let Some(org) = map.next_key::<String>()? {
            let secrets = map.next_value_seed(OneStore(self.platform))?;
            section.push((org, secrets));
        }
        Ok(section)
    }
}

struct OneStore(StorePlatform);

impl<'de> DeserializeSeed<'de> for OneStore {
    type Value = StoreSecrets;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        StoreSecrets::deserialize_for(self.0, deserializer)
    }
}

#[cfg(test)]
mod tests {
    use super::StorePlatform;

    #[test]
    fn every_platform_says_where_its_sku_is_set() {
        for platform in StorePlatform::ALL {
            assert!(
                platform.sku_field().contains('→'),
                "{platform:?} names no admin path"
            );
        }
        assert!(StorePlatform::Prestashop.sku_field().contains("Reference"));
    }
}
