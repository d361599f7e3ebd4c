//! Reading a secrets file: fixed sections (`tiktok_app`, `tiktok`, `amazon`) and one section
//! per store platform, which each platform's module reads its own way. Errors keep their path
//! (`shopify.acme.access_token`) because every value is read through the same deserializer.

use super::Secrets;
use crate::stores::{StorePlatform, StoreSecrets, StoreSection};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use std::fmt;

impl<'de> Deserialize<'de> for Secrets {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(SecretsVisitor)
    }
}

struct SecretsVisitor;

impl<'de> Visitor<'de> for SecretsVisitor {
    type Value = Secrets;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a secrets file")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Secrets, A::Error> {
        let mut secrets = Secrets::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "tiktok_app" => secrets.tiktok_app = map.next_value()?,
                "tiktok" => secrets.tiktok = map.next_value()?,
                "amazon" => {
                    secrets.amazon = map.next_value()?;
                    // One grant: the same section is an Amazon store's secrets.
                    for (org, grant) in &secrets.amazon {
                        secrets.stores.insert(
                            (StorePlatform::Amazon, org.clone()),
                            StoreSecrets::Amazon(grant.clone()),
                        );
                    }
                }
                other => {
                    let Some(platform) = StorePlatform::from_name(other) else {
                        return Err(de::Error::custom(format!(
                            "unknown section [{other}]: expected tiktok_app, tiktok, amazon or a store platform ({})",
                            StorePlatform::names()
                        )));
                    };
                    for (org, store) in map.next_value_seed(StoreSection { platform })? {
                        secrets.stores.insert((platform, org), store);
                    }
                }
            }
        }
        Ok(secrets)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Secrets, StorePlatform, StoreSecrets};
    use std::path::Path;

    fn read(text: &str) -> Result<Secrets, crate::config::ConfigError> {
        Secrets::from_toml(text, Path::new("/etc/feedbridge/secrets.toml"))
    }

    #[test]
    fn each_store_section_is_read_by_its_platform() {
        let secrets = read(
            "[shopify.acme]\naccess_token = \"t\"\n\
             [woocommerce.bolt]\nconsumer_key = \"k\"\nconsumer_secret = \"s\"\nwebhook_secret = \"w\"\n",
        )
        .unwrap();
        assert!(matches!(
            secrets.store(StorePlatform::Shopify, "acme"),
            Some(StoreSecrets::Shopify(s)) if s.access_token.expose() == "t"
        ));
        assert!(matches!(
            secrets.store(StorePlatform::Woocommerce, "bolt"),
            Some(StoreSecrets::Woocommerce(_))
        ));
        assert!(secrets.store(StorePlatform::Shopify, "bolt").is_none());
    }

    #[test]
    fn the_amazon_section_is_both_the_mcf_grant_and_the_amazon_store_secrets() {
        let secrets = read(
            "[amazon.acme]\nclient_id = \"c\"\nclient_secret = \"s\"\nrefresh_token = \"Atzr|r\"\n",
        )
        .unwrap();
        assert!(secrets.amazon.contains_key("acme"));
        assert!(matches!(
            secrets.store(StorePlatform::Amazon, "acme"),
            Some(StoreSecrets::Amazon(s)) if s.refresh_token.expose() == "Atzr|r"
        ));
    }

    #[test]
    fn an_unknown_section_names_the_choices() {
        let error = read("[shopfy.acme]\naccess_token = \"t\"\n").unwrap_err();
        assert!(
            error.message.contains("unknown section [shopfy]"),
            "{error}"
        );
        assert!(error.message.contains("shopify, woocommerce"), "{error}");
    }

    #[test]
    fn a_bad_store_secret_names_its_key_and_never_its_value() {
        let error = read("[woocommerce.acme]\nconsumer_key = \"ck_live_123\"\n").unwrap_err();
        assert_eq!(error.key, "woocommerce.acme", "{error}");
        assert!(error.message.contains("consumer_secret"), "{error}");
        assert!(!error.to_string().contains("ck_live_123"), "{error}");
        let error = read("[shopify.acme]\naccess_token = \"t\"\ncolour = 1\n").unwrap_err();
        assert!(error.message.contains("colour"), "{error}");
    }
}
