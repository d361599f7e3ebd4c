//! Properties of the webhook decoding: the TikTok envelope and the id fields every handler reads
//! from a delivery, for any body a sender may post.

use super::*;
use crate::connector::prop_json::{self, json};
use proptest::prelude::*;
use serde_json::{Value, json as j};

const KEYS: &[&str] = &[
    "type",
    "tts_notification_id",
    "shop_id",
    "timestamp",
    "data",
    "order_id",
    "product_id",
    "inventory_item_id",
    "location_id",
    "available",
    "updated_at",
    "admin_graphql_api_id",
    "id",
    "parent_id",
    "date_modified_gmt",
];

/// An id as platforms send it: a decimal string, or a JSON number.
fn id() -> impl Strategy<Value = (String, Value)> {
    prop_oneof![
        any::<u64>().prop_map(|n| (n.to_string(), Value::from(n))),
        any::<i64>().prop_map(|n| (n.to_string(), Value::from(n))),
        "[0-9A-Za-z_/:-]{0,24}".prop_map(|s| (s.clone(), Value::from(s))),
    ]
}

proptest! {
    #![proptest_config(prop_json::config())]

    #[test]
    fn any_body_decodes_or_is_refused(body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<TikTokEnvelope>(&body);
    }

    #[test]
    fn any_json_decodes_or_is_refused(value in json(KEYS), name in prop::sample::select(KEYS)) {
        if let Ok(envelope) = serde_json::from_value::<TikTokEnvelope>(value.clone()) {
            let _ = id_field(&envelope.data, "order_id");
        }
        let _ = id_field(&value, name);
    }

    /// Every field of a well-formed envelope is read back as sent; ids as strings or numbers.
    #[test]
    fn envelopes_read_back(
        kind in any::<i64>(),
        notification in "[0-9]{1,20}",
        shop in "[0-9]{1,20}",
        (order, order_json) in id(),
        extra in json(KEYS),
    ) {
        let body = j!({
            "type": kind, "tts_notification_id": notification, "shop_id": shop,
            "timestamp": 1_700_000_100, "data": {"order_id": order_json, "extra": extra},
        });
        let envelope: TikTokEnvelope = serde_json::from_slice(body.to_string().as_bytes())
            .expect("a well-formed envelope");
        prop_assert_eq!(envelope.kind, kind);
        prop_assert_eq!(envelope.tts_notification_id, notification);
        prop_assert_eq!(envelope.shop_id, shop);
        prop_assert_eq!(id_field(&envelope.data, "order_id"), Some(order));
    }

    /// Only strings and numbers are ids; anything else is no id (never a made-up one).
    #[test]
    fn id_fields_are_strings_or_numbers(value in json(KEYS)) {
        let payload = j!({"id": value});
        let found = id_field(&payload, "id");
        match &value {
            Value::String(s) => prop_assert_eq!(found, Some(s.clone())),
            Value::Number(n) => prop_assert_eq!(found, Some(n.to_string())),
            _ => prop_assert_eq!(found, None),
        }
    }
}

#[test]
fn an_envelope_without_data_reads_as_null_data() {
    let envelope: TikTokEnvelope =
        serde_json::from_str(r#"{"type":1,"tts_notification_id":"1","shop_id":"2"}"#)
            .expect("envelope");
    assert_eq!(id_field(&envelope.data, "order_id"), None);
}
