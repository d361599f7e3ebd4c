//! The Amazon MCF client against the sandbox's SP-API simulator (LWA tokens, per-operation
//! rate limits, FBA inventory and Fulfillment Outbound orders).

#![allow(clippy::unwrap_used)] // A test crate: a panic is a failed test.

use feedbridge_common::secret::Secret;
use feedbridge_daemon::connector::amazon::{AmazonClient, AmazonSettings};
use feedbridge_daemon::connector::{
    Address, ConnectorError, Fulfiller, FulfilmentStatus, NewFulfilmentItem, NewFulfilmentOrder,
    http,
};
use feedbridge_sandbox::control::ControlClient;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig};

async fn sandbox(fba_products: usize) -> RunningSandbox {
    let config = SandboxConfig {
        products: fba_products.max(1),
        variants_per_product: Some(1),
        fba_products,
        ..SandboxConfig::default()
    };
    feedbridge_sandbox::start(config, "127.0.0.1".parse().unwrap())
        .await
        .unwrap()
}

fn client(sb: &RunningSandbox) -> AmazonClient {
    client_at(sb, &sb.amazon_url(), "ATVPDKIKX0DER")
}

/// A client of the SP-API endpoint `api_base` for `marketplace_id`.
fn client_at(sb: &RunningSandbox, api_base: &str, marketplace_id: &str) -> AmazonClient {
    let c = sb.credentials();
    AmazonClient::new(
        AmazonSettings {
            api_base: api_base.to_string(),
            token_url: format!("{}/auth/o2/token", sb.amazon_url()),
            marketplace_id: marketplace_id.to_string(),
            client_id: Secret::new(c.amazon_client_id),
            client_secret: Secret::new(c.amazon_client_secret),
            refresh_token: Secret::new(c.amazon_refresh_token),
            org: "acme".to_string(),
        },
        http::client(),
    )
}

fn order(id: &str, sku: &str, quantity: u32) -> NewFulfilmentOrder {
    NewFulfilmentOrder {
        id: id.to_string(),
        displayable_id: id.to_string(),
        displayable_date: "2026-11-21T10:00:00Z".to_string(),
        comment: "Thank you for your order".to_string(),
        shipping_speed: "Standard".to_string(),
        fill_policy: "FillOrKill".to_string(),
        recipient_name: "Jane Doe".to_string(),
        address: Address {
            address1: "1 Main St".to_string(),
            city: "Troy".to_string(),
            province: "MI".to_string(),
            zip: "48084".to_string(),
            country_code: "US".to_string(),
            phone: "5555550100".to_string(),
            ..Address::default()
        },
        currency: "USD".to_string(),
        items: vec![NewFulfilmentItem {
            seller_sku: sku.to_string(),
            item_id: "line-1".to_string(),
            quantity,
            per_unit_value: rust_decimal::Decimal::new(1999, 2),
        }],
    }
}

async fn first_sku(ctl: &ControlClient) -> String {
    ctl.amazon_fba_stock().await.unwrap()[0]["sellerSku"]
        .as_str()
        .unwrap()
        .to_string()
}

fn token_calls(calls: &[feedbridge_sandbox::CallRecord]) -> usize {
    calls
        .iter()
        .filter(|c| c.operation.as_deref() == Some("token"))
        .count()
}

#[tokio::test]
async fn inventory_pages_and_cached_token() {
    let sb = sandbox(60).await;
    let ctl = ControlClient::for_sandbox(&sb);
    let amazon = client(&sb);
    let first = amazon.inventory(None).await.unwrap();
    assert_eq!(first.items.len(), 50);
    let second = amazon.inventory(first.next.clone()).await.unwrap();
    assert_eq!(second.items.len(), 10);
    assert!(second.next.is_none());
    let sku = first_sku(&ctl).await;
    ctl.amazon_set_fba_stock(&sku, 7).await.unwrap();
    // The client paces itself by Amazon's 2-call bucket, but a loaded machine can deliver
    // calls to the simulator closer together than they left: a QuotaExceeded is then answered
    // as the daemon's job runner would (`Throttled`: nothing was done), by waiting as Amazon
    // asks and reading again.
    let again = match amazon.inventory(None).await {
        Err(
            ConnectorError::Throttled {
                retry_after: Some(wait),
                ..
            }
            | ConnectorError::Retryable {
                retry_after: Some(wait),
                ..
            },
        ) => {
            tokio::time::sleep(wait).await;
            amazon.inventory(None).await.unwrap()
        }
        other => other.unwrap(),
    };
    let stock = again.items.iter().find(|s| s.seller_sku == sku).unwrap();
    assert_eq!(stock.fulfillable, 7);
    // One token exchange for all the calls.
    assert_eq!(token_calls(&ctl.amazon_calls().await.unwrap()), 1);
}

#[tokio::test]
async fn expired_token_is_refreshed_once() {
    let sb = sandbox(1).await;
    let ctl = ControlClient::for_sandbox(&sb);
    let amazon = client(&sb);
    assert!(amazon.fulfilment_order("none").await.unwrap().is_none());
    ctl.amazon_expire_tokens().await.unwrap();
    assert!(amazon.fulfilment_order("none").await.unwrap().is_none());
    let calls = ctl.amazon_calls().await.unwrap();
    assert_eq!(token_calls(&calls), 2);
    assert!(calls.iter().any(|c| c.status == 403));
}

#[tokio::test]
async fn create_get_duplicate_and_cancel() {
    let sb = sandbox(1).await;
    let ctl = ControlClient::for_sandbox(&sb);
    let amazon = client(&sb);
    let sku = first_sku(&ctl).await;
    let new = order("TTS-5764", &sku, 2);
    amazon.create_order(&new).await.unwrap();
    // An identical repeat (the answer was lost) is accepted; the order exists once.
    amazon.create_order(&new).await.unwrap();
    assert_eq!(ctl.amazon_orders().await.unwrap().len(), 1);
    let found = amazon.fulfilment_order("TTS-5764").await.unwrap().unwrap();
    assert_eq!(found.status, FulfilmentStatus::Received);
    assert_eq!(found.items[0].seller_sku, sku);
    assert_eq!(found.items[0].quantity, 2);
    assert!(found.shipments.is_empty());

    // Same id, other contents: refused.
    let err = amazon
        .create_order(&order("TTS-5764", &sku, 3))
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Rejected { .. }), "{err:?}");

    amazon.cancel_order("TTS-5764").await.unwrap();
    let found = amazon.fulfilment_order("TTS-5764").await.unwrap().unwrap();
    assert_eq!(found.status, FulfilmentStatus::Cancelled);

    amazon
        .create_order(&order("TTS-5765", &sku, 1))
        .await
        .unwrap();
    ctl.amazon_set_order_status("TTS-5765", "Processing")
        .await
        .unwrap();
    let err = amazon.cancel_order("TTS-5765").await.unwrap_err();
    match err {
        ConnectorError::Rejected { reason, .. } => {
            assert!(reason.contains("would not cancel"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }

    ctl.amazon_ship("TTS-5765", "UPS", "1Z999AA10123456784")
        .await
        .unwrap();
    let shipped = amazon.fulfilment_order("TTS-5765").await.unwrap().unwrap();
    assert_eq!(shipped.status, FulfilmentStatus::Complete);
    let shipment = &shipped.shipments[0];
    assert_eq!(shipment.status, "SHIPPED");
    assert_eq!(shipment.packages[0].carrier_code, "UPS");
    assert_eq!(
        shipment.packages[0].tracking_number.as_deref(),
        Some("1Z999AA10123456784")
    );
    assert_eq!(shipment.items[0].0, "line-1");
}

/// A UK seller: its EU endpoint takes a GB order in pounds (the buyer's post town standing in
/// for the county a UK address lacks); the NA endpoint denies it, saying to check the region.
#[tokio::test]
async fn a_uk_order_goes_to_the_eu_endpoint_in_pounds() {
    let sb = feedbridge_sandbox::start(
        SandboxConfig {
            products: 1,
            variants_per_product: Some(1),
            fba_products: 1,
            amazon_marketplace: "UK".into(),
            ..SandboxConfig::default()
        },
        "127.0.0.1".parse().unwrap(),
    )
    .await
    .unwrap();
    let ctl = ControlClient::for_sandbox(&sb);
    let sku = first_sku(&ctl).await;
    let mut new = order("TTS-44", &sku, 1);
    new.currency = "GBP".to_string();
    new.address = Address {
        address1: "10 High Street".to_string(),
        city: "Bristol".to_string(),
        zip: "BS1 4DJ".to_string(),
        country_code: "GB".to_string(),
        ..Address::default()
    };

    let na = sb.amazon_region_url("NA").unwrap();
    let err = client_at(&sb, &na, "A1F83G8C2ARO7P")
        .create_order(&new)
        .await
        .unwrap_err();
    match err {
        ConnectorError::Unauthorized { reason, .. } => {
            assert!(reason.contains("region"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }

    let uk = client_at(&sb, &sb.amazon_url(), "A1F83G8C2ARO7P");
    uk.create_order(&new).await.unwrap();
    let sent = ctl.amazon_order("TTS-44").await.unwrap();
    let address = &sent["fulfillmentOrder"]["destinationAddress"];
    assert_eq!(address["stateOrRegion"], "Bristol", "{address}");
    let item = &sent["fulfillmentOrderItems"][0];
    assert_eq!(
        item["perUnitDeclaredValue"],
        serde_json::json!({"currencyCode": "GBP", "value": "19.99"})
    );
}

#[tokio::test]
async fn unknown_sku_is_explained() {
    let sb = sandbox(1).await;
    let amazon = client(&sb);
    let err = amazon
        .create_order(&order("TTS-1", "NOT-AT-FBA", 1))
        .await
        .unwrap_err();
    match err {
        ConnectorError::Rejected { reason, raw } => {
            assert!(
                reason.contains("Amazon does not know SKU NOT-AT-FBA as FBA stock"),
                "{reason}"
            );
            assert!(
                raw.contains("the SellerSKU for Item Id: line-1 is invalid."),
                "{raw}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn quota_and_server_errors_are_retryable() {
    let sb = sandbox(1).await;
    let ctl = ControlClient::for_sandbox(&sb);
    let amazon = client(&sb);
    for kind in [FaultKind::RateLimit, FaultKind::Http500] {
        ctl.amazon_fault(&Fault {
            path_contains: "getFulfillmentOrder".to_string(),
            kind,
            count: 1,
        })
        .await
        .unwrap();
        let err = amazon.fulfilment_order("x").await.unwrap_err();
        match err {
            // QuotaExceeded was not run: throttled, with Amazon's wait.
            ConnectorError::Throttled { retry_after, .. } if kind == FaultKind::RateLimit => {
                assert!(retry_after.is_some());
            }
            ConnectorError::Retryable { retry_after, .. } if kind != FaultKind::RateLimit => {
                assert!(retry_after.is_none());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn revoked_authorization_is_unauthorized_without_secrets() {
    let sb = sandbox(1).await;
    let ctl = ControlClient::for_sandbox(&sb);
    let amazon = client(&sb);
    ctl.amazon_revoke_refresh_token().await.unwrap();
    let err = amazon.inventory(None).await.unwrap_err();
    let creds = sb.credentials();
    match &err {
        ConnectorError::Unauthorized { reason, raw } => {
            assert!(reason.contains("amazon.acme.refresh_token"), "{reason}");
            assert!(raw.contains("invalid_grant"), "{raw}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let shown = format!("{err:?} {err}");
    for secret in [
        creds.amazon_refresh_token,
        creds.amazon_client_secret,
        creds.amazon_client_id,
    ] {
        assert!(!shown.contains(&secret), "secret leaked: {shown}");
    }
}
