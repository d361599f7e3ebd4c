//! Wix as a store platform: connecting it and reading its webhooks (wix.md §6, Wix's "About
//! Webhooks" and "Verify Requests Received from Wix").
//!
//! A delivery's whole body is a JWT signed RS256 by Wix with the app's key pair; it is
//! verified with the app's public key from the secrets file (`webhook_public_key`), and only
//! RS256 is accepted (an `alg: none` or HMAC token is refused). Its claims hold `data`, a JSON
//! string `{"eventType", "instanceId", "data": "<event JSON>"}`. A delivery that does not
//! verify is refused with a log line saying why and changes nothing; one whose `exp` has
//! passed (by the daemon's clock) is refused too. eCommerce events name their order
//! (`entityId`): a cancellation is acted on as a fact (it is signed), the others make the
//! order be read again; Catalog V1 and inventory events make the product be read again.

use super::{DEFAULT_API_BASE, WixClient};
use crate::clock::Clock;
use crate::connector::store_platform::{
    Capabilities, ChangeFeed, ConnectedStore, OrderHandling, OrderNumber, RateLimitModel,
    StorePlatformConnector, StoreSetup, StoreSignal, StoreWebhooks, TrackingSource, WebhookReading,
    WebhookRefusal, missing,
};
use axum::http::HeaderMap;
use feedbridge_common::config::{StorePlatform, StoreSecrets};
use feedbridge_common::stores::wix::WixAuth;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use std::sync::Arc;

/// Leeway for `exp`, for clocks that disagree a little.
const EXP_LEEWAY_SECS: i64 = 300;

pub struct WixPlatform;

impl StorePlatformConnector for WixPlatform {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            changes: ChangeFeed::Webhooks,
            refund_cancels: true,
            order_number: OrderNumber::StoreAssigns,
            tracking: TrackingSource::Shipments,
            rate_limit: RateLimitModel::RequestWindow,
            orders: OrderHandling::CreateInStore,
        }
    }

    fn connect(&self, setup: StoreSetup<'_>) -> anyhow::Result<ConnectedStore> {
        let StoreSecrets::Wix(secrets) = setup.secrets else {
            return Err(setup.wrong_secrets(StorePlatform::Wix));
        };
        let auth = secrets.auth().map_err(|why| {
            anyhow::anyhow!(
                "Wix secrets of organization \"{}\" ([wix.{}]): {why}",
                setup.org.name,
                setup.org.name
            )
        })?;
        let key = match secrets.webhook_public_key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            None => None,
            Some(pem) => Some(DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| {
                anyhow::anyhow!(
                    "Wix secrets of organization \"{}\": webhook_public_key is not an RSA public key in PEM ({e}); copy it from the app dashboard (Webhooks → Get Public Key), with its -----BEGIN PUBLIC KEY----- line",
                    setup.org.name
                )
            })?),
        };
        let instance_id = match &auth {
            WixAuth::App { instance_id, .. } => Some(instance_id.clone()),
            WixAuth::ApiKey { .. } => None,
        };
        let base = setup
            .store
            .api_base
            .clone()
            .unwrap_or_else(|| DEFAULT_API_BASE.to_owned());
        let client =
            WixClient::new(&base, auth, setup.http.clone()).with_clock(Arc::clone(setup.clock));
        Ok(ConnectedStore {
            storefront: Arc::new(client),
            webhooks: Arc::new(Webhooks {
                key,
                instance_id,
                org: setup.org.name.clone(),
                clock: Arc::clone(setup.clock),
            }),
        })
    }
}

/// Verifies deliveries with the app's public key.
pub(crate) struct Webhooks {
    key: Option<DecodingKey>,
    /// In app mode, the site's installation: a delivery for another site of the app is not
    /// this organization's.
    instance_id: Option<String>,
    org: String,
    clock: Arc<dyn Clock>,
}

impl Webhooks {
    #[cfg(test)]
    pub(crate) fn new(public_key_pem: Option<&str>, clock: Arc<dyn Clock>) -> Self {
        Self {
            key: public_key_pem.and_then(|p| DecodingKey::from_rsa_pem(p.as_bytes()).ok()),
            instance_id: None,
            org: "acme".into(),
            clock,
        }
    }

    /// The verified claims, or why not (for the log; never the token itself).
    fn verify(&self, body: &[u8]) -> Result<Value, String> {
        let Some(key) = &self.key else {
            return Err(format!(
                "no webhook_public_key in [wix.{}] of the secrets file",
                self.org
            ));
        };
        let token = std::str::from_utf8(body)
            .map_err(|_| "the body is not a JWT".to_owned())?
            .trim();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<Value>(token, key, &validation)
            .map_err(|e| format!("the JWT does not verify with the app's public key ({e})"))?
            .claims;
        if let Some(exp) = claims.get("exp").and_then(Value::as_i64)
            && exp + EXP_LEEWAY_SECS < self.clock.now_secs()
        {
            return Err("the JWT has expired".into());
        }
        Ok(claims)
    }
}

fn json_string(v: &Value, field: &str, what: &str) -> Result<Value, WebhookRefusal> {
    let text = v
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| missing(what, field))?;
    serde_json::from_str(text)
        .map_err(|e| WebhookRefusal::Malformed(format!("{what} `{field}` is not JSON: {e}")))
}

impl StoreWebhooks for Webhooks {
    fn read(&self, _headers: &HeaderMap, body: &[u8]) -> Result<WebhookReading, WebhookRefusal> {
        let claims = match self.verify(body) {
            Ok(claims) => claims,
            Err(why) => {
                tracing::warn!(platform = "wix", org = %self.org, %why, "Refused a Wix webhook: it is not signed by the Wix app; nothing changes.");
                return Err(WebhookRefusal::BadSignature);
            }
        };
        let envelope = json_string(&claims, "data", "a Wix webhook")?;
        let event_type = envelope
            .get("eventType")
            .and_then(Value::as_str)
            .ok_or_else(|| missing("a Wix webhook", "eventType"))?
            .to_owned();
        let data = json_string(&envelope, "data", &event_type)?;
        if let Some(ours) = &self.instance_id
            && envelope.get("instanceId").and_then(Value::as_str) != Some(ours.as_str())
        {
            tracing::warn!(platform = "wix", org = %self.org, event_type, "Ignored a Wix webhook for another installation of the app (instanceId is not this site's).");
            return Ok(WebhookReading::Signals {
                delivery: None,
                topic: event_type,
                signals: Vec::new(),
            });
        }
        let text_of = |field: &str| {
            data.get(field)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let entity = || text_of("entityId").ok_or_else(|| missing(&event_type, "entityId"));
        let product = || text_of("productId").ok_or_else(|| missing(&event_type, "productId"));
        let signals = match event_type.as_str() {
            "wix.ecom.v1.order_canceled" => vec![StoreSignal::OrderCancelled {
                store_order_id: entity()?,
            }],
            "wix.ecom.v1.fulfillments_updated" => vec![StoreSignal::OrderShipped {
                store_order_id: entity()?,
            }],
            t if t.starts_with("wix.ecom.v1.order_") => vec![StoreSignal::OrderChanged {
                store_order_id: entity()?,
            }],
            "com.wix.ecommerce.catalog.api.v1.ProductCreated"
            | "com.wix.ecommerce.catalog.api.v1.ProductDeleted" => {
                vec![StoreSignal::CatalogChanged]
            }
            "com.wix.ecommerce.catalog.api.v1.ProductChanged"
            | "com.wix.ecommerce.catalog.api.v1.VariantsChanged"
            | "com.wix.ecommerce.inventory.api.v1.InventoryVariantsChanged" => {
                vec![StoreSignal::ProductChanged {
                    product_id: product()?,
                }]
            }
            _ => Vec::new(),
        };
        // Standard events carry an id; a legacy one is the same bytes when redelivered.
        let delivery = text_of("id").or_else(|| {
            let iat = claims.get("iat").map(Value::to_string).unwrap_or_default();
            text_of("productId").map(|p| format!("{event_type}:{p}:{iat}"))
        });
        Ok(WebhookReading::Signals {
            delivery,
            topic: event_type,
            signals,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use feedbridge_sandbox::control::{
        WIX_APP_PUBLIC_KEY_PEM, wix_app_webhook, wix_forged_webhook, wix_unsigned_webhook,
    };
    use serde_json::json;

    fn reader() -> Webhooks {
        Webhooks::new(Some(WIX_APP_PUBLIC_KEY_PEM), Arc::new(SystemClock))
    }

    fn read(event_type: &str, data: &Value) -> Result<WebhookReading, WebhookRefusal> {
        reader().read(
            &HeaderMap::new(),
            wix_app_webhook(event_type, "i1", data).as_bytes(),
        )
    }

    #[test]
    fn a_signed_delivery_becomes_its_signals_keyed_by_the_event_id() {
        let data = json!({"id": "e1", "entityFqdn": "wix.ecom.v1.order", "slug": "canceled", "entityId": "o1"});
        assert_eq!(
            read("wix.ecom.v1.order_canceled", &data),
            Ok(WebhookReading::Signals {
                delivery: Some("e1".into()),
                topic: "wix.ecom.v1.order_canceled".into(),
                signals: vec![StoreSignal::OrderCancelled {
                    store_order_id: "o1".into()
                }],
            })
        );
        let order = |t: &str| match read(t, &json!({"id": "e2", "entityId": "o2"})) {
            Ok(WebhookReading::Signals { signals, .. }) => signals,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            order("wix.ecom.v1.order_updated"),
            vec![StoreSignal::OrderChanged {
                store_order_id: "o2".into()
            }]
        );
        assert_eq!(
            order("wix.ecom.v1.fulfillments_updated"),
            vec![StoreSignal::OrderShipped {
                store_order_id: "o2".into()
            }]
        );
        assert_eq!(order("wix.contacts.v4.contact_created"), vec![]);
        let Ok(WebhookReading::Signals {
            signals, delivery, ..
        }) = read(
            "com.wix.ecommerce.inventory.api.v1.InventoryVariantsChanged",
            &json!({"productId": "p1", "inventoryItemId": "inv1", "variants": []}),
        )
        else {
            panic!("not read")
        };
        assert_eq!(
            signals,
            vec![StoreSignal::ProductChanged {
                product_id: "p1".into()
            }]
        );
        assert!(delivery.is_some_and(|d| d.contains("p1")));
        assert!(matches!(
            read("wix.ecom.v1.order_canceled", &json!({"id": "e3"})),
            Err(WebhookRefusal::Malformed(_))
        ));
    }

    #[test]
    fn in_app_mode_a_delivery_for_another_installation_changes_nothing() {
        let mut reader = reader();
        reader.instance_id = Some("mine".into());
        let data = json!({"id": "e1", "entityId": "o1"});
        let other = wix_app_webhook("wix.ecom.v1.order_canceled", "theirs", &data);
        let Ok(WebhookReading::Signals { signals, .. }) =
            reader.read(&HeaderMap::new(), other.as_bytes())
        else {
            panic!("not read")
        };
        assert!(signals.is_empty());
        let ours = wix_app_webhook("wix.ecom.v1.order_canceled", "mine", &data);
        let Ok(WebhookReading::Signals { signals, .. }) =
            reader.read(&HeaderMap::new(), ours.as_bytes())
        else {
            panic!("not read")
        };
        assert_eq!(signals.len(), 1);
    }

    #[test]
    fn forged_unsigned_and_keyless_deliveries_are_refused() {
        let reader = reader();
        let data = json!({"id": "e1", "entityFqdn": "wix.ecom.v1.order", "slug": "canceled", "entityId": "o1"});
        let forged = wix_forged_webhook("wix.ecom.v1.order_canceled", "i1", &data);
        assert_eq!(
            reader.read(&HeaderMap::new(), forged.as_bytes()),
            Err(WebhookRefusal::BadSignature)
        );
        let unsigned = wix_unsigned_webhook("wix.ecom.v1.order_canceled", "i1", &data);
        assert_eq!(
            reader.read(&HeaderMap::new(), unsigned.as_bytes()),
            Err(WebhookRefusal::BadSignature)
        );
        assert_eq!(
            reader.read(&HeaderMap::new(), b"{\"not\": \"a jwt\"}"),
            Err(WebhookRefusal::BadSignature)
        );
        let keyless = Webhooks::new(None, Arc::new(SystemClock));
        let signed = wix_app_webhook("wix.ecom.v1.order_canceled", "i1", &data);
        assert_eq!(
            keyless.read(&HeaderMap::new(), signed.as_bytes()),
            Err(WebhookRefusal::BadSignature)
        );
    }
}
