//! Properties of everything Amazon sends us: SP-API and LWA error shapes, FBA inventory pages
//! and fulfilment orders, and the ids we put in paths.

use super::*;
use crate::connector::prop_json::{self, around, json};
use proptest::prelude::*;
use serde_json::json as j;

/// Field names of every Amazon shape the client reads.
const KEYS: &[&str] = &[
    "payload",
    "pagination",
    "nextToken",
    "inventorySummaries",
    "sellerSku",
    "inventoryDetails",
    "fulfillableQuantity",
    "fulfillmentOrder",
    "sellerFulfillmentOrderId",
    "fulfillmentOrderStatus",
    "fulfillmentOrderItems",
    "sellerFulfillmentOrderItemId",
    "quantity",
    "cancelledQuantity",
    "unfulfillableQuantity",
    "fulfillmentShipments",
    "amazonShipmentId",
    "fulfillmentShipmentStatus",
    "fulfillmentShipmentItem",
    "fulfillmentShipmentPackage",
    "packageNumber",
    "carrierCode",
    "trackingNumber",
    "errors",
    "code",
    "message",
    "details",
    "access_token",
    "expires_in",
    "error",
    "error_description",
];

fn inventory_sample() -> Value {
    j!({"payload": {"inventorySummaries": [{"sellerSku": "TEE-RED-M",
        "inventoryDetails": {"fulfillableQuantity": 12}}]},
        "pagination": {"nextToken": "abc"}})
}

fn order_sample() -> Value {
    j!({"payload": {
        "fulfillmentOrder": {"sellerFulfillmentOrderId": "tt-576", "fulfillmentOrderStatus": "COMPLETE_PARTIALLED"},
        "fulfillmentOrderItems": [{"sellerSku": "TEE-RED-M", "sellerFulfillmentOrderItemId": "577",
            "quantity": 2, "cancelledQuantity": 0, "unfulfillableQuantity": 1}],
        "fulfillmentShipments": [{"amazonShipmentId": "D1", "fulfillmentShipmentStatus": "SHIPPED",
            "fulfillmentShipmentItem": [{"sellerFulfillmentOrderItemId": "577", "quantity": 1, "packageNumber": 1}],
            "fulfillmentShipmentPackage": [{"packageNumber": 1, "carrierCode": "UPS", "trackingNumber": "1Z"}]}]}})
}

fn error_sample() -> Value {
    j!({"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied.",
        "details": "The access token you provided has expired."}]})
}

/// A failure to read must say what was being read.
fn says_what(error: &ConnectorError, what: &str) -> bool {
    matches!(error, ConnectorError::Rejected { .. }) && error.to_string().contains(what)
}

proptest! {
    #![proptest_config(prop_json::config())]

    #[test]
    fn inventory_pages_read_or_say_why(value in prop_oneof![around(inventory_sample(), KEYS), json(KEYS)]) {
        match read_inventory(&value) {
            Ok(page) => {
                prop_assert!(page.items.iter().all(|item| !item.seller_sku.is_empty()));
                prop_assert!(page.next.as_deref() != Some(""));
            }
            Err(error) => prop_assert!(says_what(&error, "FBA inventory"), "{error:?}"),
        }
    }

    #[test]
    fn fulfilment_orders_read_or_say_why(value in prop_oneof![around(order_sample(), KEYS), json(KEYS)]) {
        match read_fulfilment_order("tt-576", &value) {
            Ok(order) => {
                let status = format!("{:?}", order.status);
                prop_assert!(parse_status(&status).is_some(), "{}", status);
            }
            Err(error) => prop_assert!(
                says_what(&error, "fulfilment order"),
                "{error:?}"
            ),
        }
    }

    /// Error answers never fail to decode as a whole because of one odd field: the first
    /// error's message and details survive whatever its siblings hold.
    #[test]
    fn error_lists_keep_the_message(
        value in prop_oneof![around(error_sample(), KEYS), json(KEYS)],
        message in ".{0,30}",
        odd in json(KEYS),
    ) {
        let _: Option<wire::ErrorList> = serde_json::from_value(value.clone()).ok();
        let _: Option<wire::OAuthError> = serde_json::from_value(value.clone()).ok();
        let _: Option<wire::TokenResponse> = serde_json::from_value(value).ok();
        let body = j!({"errors": [{"code": odd, "message": message, "details": "expired", "extra": odd}]});
        let list: wire::ErrorList = serde_json::from_value(body).unwrap_or_default();
        let first = list.errors.into_iter().next().unwrap_or_default();
        prop_assert_eq!(first.message, message);
        prop_assert_eq!(first.details, "expired");
    }

    #[test]
    fn path_segments_are_unreserved_or_escaped(id in ".{0,24}") {
        let encoded = encode_segment(&id);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
        let mut decoded = Vec::new();
        let mut bytes = encoded.bytes();
        while let Some(b) = bytes.next() {
            if b == b'%' {
                let hex: String = [bytes.next(), bytes.next()].iter().flatten().map(|b| char::from(*b)).collect();
                decoded.push(u8::from_str_radix(&hex, 16).expect("two hex digits"));
            } else {
                decoded.push(b);
            }
        }
        prop_assert_eq!(decoded, id.as_bytes());
    }

    #[test]
    fn statuses_parse_or_refuse(text in ".{0,24}") {
        let _ = parse_status(&text);
    }
}

#[test]
fn the_samples_read() {
    let page = read_inventory(&inventory_sample()).expect("inventory sample");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next.as_deref(), Some("abc"));
    let order = read_fulfilment_order("tt-576", &order_sample()).expect("order sample");
    assert_eq!(order.status, FulfilmentStatus::CompletePartialled);
    assert_eq!(
        order.shipments[0].packages[0].tracking_number.as_deref(),
        Some("1Z")
    );
    let list: wire::ErrorList =
        serde_json::from_value(j!({"errors": [{"message": "m", "details": null}]}))
            .expect("errors");
    assert_eq!(list.errors[0].message, "m");
}
