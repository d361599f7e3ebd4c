//! Magento 2 / Adobe Commerce: an integration's access token, sent as a bearer token or used
//! to sign OAuth 1.0a calls with the integration's four values. No webhooks in core Magento.

use super::StoreRuleBroken;
use crate::config::StoreConfig;
use crate::secret::Secret;
use serde::Deserialize;

pub const LABEL: &str = "Magento";
/// Where a merchant sets what feedbridge reads as the SKU.
pub const SKU_FIELD: &str = "each simple product's SKU (Catalog → Products → product → SKU)";

/// `[magento.<organization>]`: the integration "feedbridge" (System > Extensions >
/// Integrations, activated). Either its `access_token` alone (a bearer token: needs "Allow
/// OAuth Access Tokens to be used as standalone Bearer tokens") or all four OAuth values.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawSecrets")]
pub enum Secrets {
    Bearer {
        access_token: Secret,
    },
    OAuth {
        consumer_key: Secret,
        consumer_secret: Secret,
        access_token: Secret,
        access_token_secret: Secret,
    },
}

impl Secrets {
    /// The integration's access token (bearer token or OAuth token).
    pub fn access_token(&self) -> &Secret {
        match self {
            Self::Bearer { access_token } | Self::OAuth { access_token, .. } => access_token,
        }
    }
}

/// The section as written, before the choice between bearer and OAuth is checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecrets {
    access_token: Option<Secret>,
    consumer_key: Option<Secret>,
    consumer_secret: Option<Secret>,
    access_token_secret: Option<Secret>,
}

impl TryFrom<RawSecrets> for Secrets {
    type Error = String;

    fn try_from(raw: RawSecrets) -> Result<Self, String> {
        let given = |value: Option<Secret>| value.filter(|s| !s.is_empty());
        let access_token = given(raw.access_token);
        let oauth = [
            ("consumer_key", given(raw.consumer_key)),
            ("consumer_secret", given(raw.consumer_secret)),
            ("access_token_secret", given(raw.access_token_secret)),
        ];
        let Some(access_token) = access_token else {
            return Err(
                "access_token is required: the integration's access token (System > \
                        Extensions > Integrations), alone as a bearer token or with \
                        consumer_key, consumer_secret and access_token_secret for OAuth 1.0a"
                    .into(),
            );
        };
        let missing: Vec<&str> = oauth
            .iter()
            .filter(|(_, value)| value.is_none())
            .map(|(key, _)| *key)
            .collect();
        match (missing.len(), oauth) {
            (3, _) => Ok(Self::Bearer { access_token }),
            (
                0,
                [
                    (_, Some(consumer_key)),
                    (_, Some(consumer_secret)),
                    (_, Some(token_secret)),
                ],
            ) => Ok(Self::OAuth {
                consumer_key,
                consumer_secret,
                access_token,
                access_token_secret: token_secret,
            }),
            _ => Err(format!(
                "OAuth 1.0a needs consumer_key, consumer_secret, access_token and \
                 access_token_secret together; {} missing (or give access_token alone to use \
                 it as a bearer token)",
                missing.join(", ")
            )),
        }
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
    fn a_token_alone_is_a_bearer_token_and_four_values_are_oauth() {
        assert_eq!(
            read("access_token = \"tok\"\n").unwrap(),
            Secrets::Bearer {
                access_token: Secret::new("tok")
            }
        );
        let oauth = read(
            "access_token = \"tok\"\nconsumer_key = \"ck\"\nconsumer_secret = \"cs\"\n\
             access_token_secret = \"ts\"\n",
        )
        .unwrap();
        assert!(matches!(oauth, Secrets::OAuth { .. }));
        assert_eq!(oauth.access_token().expose(), "tok");
    }

    #[test]
    fn a_partial_oauth_set_names_what_is_missing_and_never_a_value() {
        let error = read("access_token = \"tok_live\"\nconsumer_key = \"ck_live\"\n").unwrap_err();
        assert!(
            error.contains("consumer_secret, access_token_secret missing"),
            "{error}"
        );
        assert!(
            !error.contains("ck_live") && !error.contains("tok_live"),
            "{error}"
        );
        let error = read("consumer_key = \"ck\"\n").unwrap_err();
        assert!(error.contains("access_token is required"), "{error}");
        let error = read("access_token = \"t\"\nwebhook_secret = \"w\"\n").unwrap_err();
        assert!(error.contains("webhook_secret"), "{error}");
    }
}
