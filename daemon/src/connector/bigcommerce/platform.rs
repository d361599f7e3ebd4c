//! BigCommerce as a store platform: connecting it and reading its webhooks (bigcommerce.md §7).
//!
//! BigCommerce does not sign its callbacks (`hash` is a SHA-1 of the payload, not a MAC), so
//! a delivery is trusted only as far as the custom header the connector set when it
//! subscribed ([`WEBHOOK_TOKEN_HEADER`] = the organization's webhook secret), and even then
//! it is read as a hint: products and orders are re-read from the store before anything is
//! done, so a forged delivery costs one read and changes nothing.

use super::{
    BigCommerceClient, BigCommerceSettings, DEFAULT_API_BASE, FULLY_REFUNDED_CANCELS,
    WEBHOOK_TOKEN_HEADER,
};
use crate::connector::store_platform::{
    Capabilities, ChangeFeed, ConnectedStore, OrderHandling, OrderNumber, RateLimitModel,
    StorePlatformConnector, StoreSetup, StoreSignal, StoreWebhooks, TrackingSource, WebhookReading,
    WebhookRefusal, id_field, missing,
};
use axum::http::HeaderMap;
use feedbridge_common::config::{StorePlatform, StoreSecrets};
use feedbridge_common::secret::Secret;
use feedbridge_common::stores::bigcommerce::store_hash;
use serde_json::Value;
use std::sync::Arc;
use subtle::ConstantTimeEq as _;

pub struct BigCommercePlatform;

impl StorePlatformConnector for BigCommercePlatform {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            changes: ChangeFeed::Webhooks,
            refund_cancels: FULLY_REFUNDED_CANCELS,
            order_number: OrderNumber::StoreAssigns,
            tracking: TrackingSource::Shipments,
            rate_limit: RateLimitModel::RequestWindow,
            orders: OrderHandling::CreateInStore,
        }
    }

    fn connect(&self, setup: StoreSetup<'_>) -> anyhow::Result<ConnectedStore> {
        let StoreSecrets::Bigcommerce(secrets) = setup.secrets else {
            return Err(setup.wrong_secrets(StorePlatform::Bigcommerce));
        };
        let store = setup.store;
        let hash = store_hash(&store.shop_domain).ok_or_else(|| {
            anyhow::anyhow!(
                "Organization \"{}\": shop_domain \"{}\" is not a BigCommerce store's permanent \
                 domain store-<store hash>.mybigcommerce.com",
                setup.org.name,
                store.shop_domain
            )
        })?;
        // The API host is BigCommerce's, not the storefront's.
        let api_base = store
            .api_base
            .clone()
            .unwrap_or_else(|| DEFAULT_API_BASE.to_owned());
        let client = BigCommerceClient::new(
            BigCommerceSettings {
                api_base,
                store_hash: hash.to_owned(),
                access_token: secrets.access_token.clone(),
                webhook_secret: secrets.webhook_secret.clone(),
            },
            setup.http.clone(),
        )
        .with_clock(Arc::clone(setup.clock));
        Ok(ConnectedStore {
            storefront: Arc::new(client),
            webhooks: Arc::new(Webhooks {
                secret: secrets.webhook_secret.clone(),
            }),
        })
    }
}

/// Deliveries carrying our header; every signal is a hint.
struct Webhooks {
    secret: Secret,
}

impl Webhooks {
    fn token_matches(&self, headers: &HeaderMap) -> bool {
        let expected = self.secret.expose().as_bytes();
        let Some(sent) = headers.get(WEBHOOK_TOKEN_HEADER) else {
            return false;
        };
        // An empty secret would let an empty header through.
        !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected))
    }
}

impl StoreWebhooks for Webhooks {
    fn read(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookReading, WebhookRefusal> {
        if !self.token_matches(headers) {
            return Err(WebhookRefusal::BadSignature);
        }
        let payload = serde_json::from_slice::<Value>(body)
            .map_err(|e| WebhookRefusal::Malformed(format!("not JSON: {e}")))?;
        let scope = id_field(&payload, "scope").ok_or_else(|| missing("BigCommerce", "scope"))?;
        let data = payload.get("data").unwrap_or(&Value::Null);
        let created_at = id_field(&payload, "created_at").unwrap_or_default();
        // A redelivery repeats the whole body. `hash` covers the payload's data, which can be
        // the same for two changes of one product, so the time is part of the key.
        let delivery = id_field(&payload, "hash")
            .or_else(|| id_field(data, "id"))
            .map(|key| format!("{scope}:{key}:{created_at}"));
        Ok(WebhookReading::Signals {
            delivery,
            signals: signals(&scope, data)?,
            topic: scope,
        })
    }
}

fn signals(scope: &str, data: &Value) -> Result<Vec<StoreSignal>, WebhookRefusal> {
    let id = || id_field(data, "id").ok_or_else(|| missing(scope, "data.id"));
    let inventory_product = || {
        data.get("inventory")
            .and_then(|inventory| id_field(inventory, "product_id"))
    };
    Ok(match scope {
        "store/product/created" | "store/product/deleted" => vec![StoreSignal::CatalogChanged],
        "store/product/updated" => vec![StoreSignal::ProductChanged { product_id: id()? }],
        // A product without options: data.id is the product.
        "store/product/inventory/updated" | "store/product/inventory/order/updated" => {
            vec![StoreSignal::ProductChanged {
                product_id: inventory_product().map_or_else(id, Ok)?,
            }]
        }
        // data.id is the variant (SKU); its product is in `inventory`.
        "store/sku/inventory/updated" | "store/sku/inventory/order/updated" => {
            vec![StoreSignal::ProductChanged {
                product_id: inventory_product()
                    .ok_or_else(|| missing(scope, "data.inventory.product_id"))?,
            }]
        }
        "store/shipment/created" | "store/shipment/updated" | "store/shipment/deleted" => {
            vec![StoreSignal::OrderChanged {
                store_order_id: id_field(data, "orderId")
                    .ok_or_else(|| missing(scope, "data.orderId"))?,
            }]
        }
        _ if scope.starts_with("store/order/") => {
            vec![StoreSignal::OrderChanged {
                store_order_id: id()?,
            }]
        }
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader() -> Webhooks {
        Webhooks {
            secret: Secret::new("bcsec"),
        }
    }

    fn with_token(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(WEBHOOK_TOKEN_HEADER, token.parse().unwrap());
        headers
    }

    fn delivery(scope: &str, data: &str) -> String {
        format!(
            r#"{{"created_at":1561482670,"store_id":"1025646","producer":"stores/abc123","scope":"{scope}","hash":"352e4afc","data":{data}}}"#
        )
    }

    fn read(scope: &str, data: &str) -> Result<WebhookReading, WebhookRefusal> {
        reader().read(&with_token("bcsec"), delivery(scope, data).as_bytes())
    }

    fn signals_of(reading: Result<WebhookReading, WebhookRefusal>) -> Vec<StoreSignal> {
        match reading {
            Ok(WebhookReading::Signals { signals, .. }) => signals,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_delivery_with_our_header_is_read_as_hints_keyed_by_hash_and_time() {
        let reading = read(
            "store/order/statusUpdated",
            r#"{"type":"order","id":250,"status":{"previous_status_id":11,"new_status_id":5}}"#,
        );
        // A status change to Cancelled is still only a hint: the order is read again.
        assert_eq!(
            reading,
            Ok(WebhookReading::Signals {
                delivery: Some("store/order/statusUpdated:352e4afc:1561482670".into()),
                topic: "store/order/statusUpdated".into(),
                signals: vec![StoreSignal::OrderChanged {
                    store_order_id: "250".into()
                }],
            })
        );
    }

    #[test]
    fn a_delivery_without_or_with_a_wrong_header_is_refused() {
        let body = delivery("store/order/updated", r#"{"type":"order","id":250}"#);
        for headers in [HeaderMap::new(), with_token("guess"), with_token("bcsec2")] {
            assert_eq!(
                reader().read(&headers, body.as_bytes()),
                Err(WebhookRefusal::BadSignature)
            );
        }
        let unset = Webhooks {
            secret: Secret::new(""),
        };
        assert_eq!(
            unset.read(&with_token(""), body.as_bytes()),
            Err(WebhookRefusal::BadSignature)
        );
    }

    #[test]
    fn each_scope_becomes_its_hint() {
        let product = |id: &str| StoreSignal::ProductChanged {
            product_id: id.into(),
        };
        let order = |id: &str| StoreSignal::OrderChanged {
            store_order_id: id.into(),
        };
        let table = [
            (
                "store/product/created",
                r#"{"type":"product","id":9}"#,
                vec![StoreSignal::CatalogChanged],
            ),
            (
                "store/product/deleted",
                r#"{"type":"product","id":9}"#,
                vec![StoreSignal::CatalogChanged],
            ),
            (
                "store/product/updated",
                r#"{"type":"product","id":205}"#,
                vec![product("205")],
            ),
            (
                "store/product/inventory/updated",
                r#"{"type":"product","id":167,"inventory":{"product_id":167,"method":"absolute","value":2}}"#,
                vec![product("167")],
            ),
            (
                "store/sku/inventory/order/updated",
                r#"{"type":"sku","id":461,"inventory":{"product_id":167,"method":"absolute","value":-1,"variant_id":509}}"#,
                vec![product("167")],
            ),
            (
                "store/order/created",
                r#"{"type":"order","id":250}"#,
                vec![order("250")],
            ),
            (
                "store/order/refund/created",
                r#"{"type":"order","id":250,"refund":{"refund_id":3}}"#,
                vec![order("250")],
            ),
            (
                "store/shipment/created",
                r#"{"type":"shipment","id":12,"orderId":251}"#,
                vec![order("251")],
            ),
            (
                "store/customer/created",
                r#"{"type":"customer","id":3}"#,
                vec![],
            ),
        ];
        for (scope, data, expected) in table {
            assert_eq!(signals_of(read(scope, data)), expected, "{scope}");
        }
    }

    #[test]
    fn a_whole_refund_before_shipping_is_a_cancellation() {
        use super::super::ends_order;
        assert!(ends_order(5, 0) && ends_order(5, 1));
        assert!(ends_order(4, 0));
        // Refunded after shipping is a return; partially refunded (14) goes on.
        assert!(!ends_order(4, 1) && !ends_order(14, 0) && !ends_order(11, 0));
    }

    #[test]
    fn a_verified_delivery_missing_its_id_is_malformed() {
        assert!(matches!(
            read("store/sku/inventory/updated", r#"{"type":"sku","id":461}"#),
            Err(WebhookRefusal::Malformed(_))
        ));
        assert!(matches!(
            reader().read(&with_token("bcsec"), b"not json"),
            Err(WebhookRefusal::Malformed(_))
        ));
    }
}
