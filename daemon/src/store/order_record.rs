//! A TikTok order as feedbridge keeps it in `orders.detail`: our own versioned shape, written
//! from the connector's `RemoteOrder` and read back into it, so changing the connector's type
//! never makes stored orders unreadable after an upgrade.
//!
//! Versions:
//! - 1: what release 0.1 wrote (the connector's type serialized as is, no `version` field).
//! - 2: the same fields with `"version": 2`; migration 0010 stamps version-1 rows.
//!
//! A later version adds its fields with defaults (or its own struct and a conversion here) and
//! bumps `CURRENT`; a row from a newer release is refused with a clear error, never guessed at.

use crate::connector::tiktok::status::{FulfillmentType, OrderStatus, ShippingType};
use crate::connector::{RemoteAddress, RemoteLineItem, RemoteOrder};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The version this release writes.
pub const CURRENT: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("the stored order is not readable JSON of any known version: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error(
        "the stored order was written by a newer feedbridge (format version {0}; this release reads up to {CURRENT})"
    )]
    Newer(u32),
}

fn version_1() -> u32 {
    1
}

#[derive(Serialize, Deserialize)]
struct StoredOrder {
    #[serde(default = "version_1")]
    version: u32,
    id: String,
    status: String,
    update_time: i64,
    create_time: i64,
    #[serde(default)]
    paid_time: i64,
    fulfillment_type: String,
    shipping_type: String,
    delivery_option_id: String,
    currency: String,
    sub_total: Decimal,
    #[serde(default)]
    seller_discount: Decimal,
    #[serde(default)]
    platform_discount: Decimal,
    shipping_fee: Decimal,
    tax: Decimal,
    total: Decimal,
    #[serde(default)]
    is_buyer_request_cancel: bool,
    buyer_email: String,
    recipient: StoredAddress,
    line_items: Vec<StoredLine>,
}

#[derive(Serialize, Deserialize)]
struct StoredAddress {
    first_name: String,
    last_name: String,
    address_line1: String,
    address_line2: String,
    city: String,
    state: String,
    postal_code: String,
    region_code: String,
    phone: String,
}

/// Field names are part of the format: the order list's SKU search looks for
/// `"seller_sku":"…"` in the stored text.
#[derive(Serialize, Deserialize)]
struct StoredLine {
    id: String,
    sku_id: String,
    seller_sku: String,
    #[serde(default)]
    original_price: Decimal,
    sale_price: Decimal,
    package_id: String,
    tracking_number: String,
    #[serde(default)]
    shipping_provider_name: String,
    #[serde(default)]
    package_status: String,
}

/// The text stored for `order`, in the current version.
pub fn encode(order: &RemoteOrder) -> String {
    let stored = StoredOrder::from(order);
    // Only strings, numbers and decimals: serialization cannot fail.
    serde_json::to_string(&stored).unwrap_or_else(|_| "{}".into())
}

/// Reads a stored order of any version this release knows.
pub fn decode(text: &str) -> Result<RemoteOrder, DecodeError> {
    let stored: StoredOrder = serde_json::from_str(text)?;
    if stored.version > CURRENT {
        return Err(DecodeError::Newer(stored.version));
    }
    Ok(stored.into())
}

impl From<&RemoteOrder> for StoredOrder {
    fn from(o: &RemoteOrder) -> Self {
        let a = &o.recipient;
        Self {
            version: CURRENT,
            id: o.id.clone(),
            status: o.status.as_str().to_owned(),
            update_time: o.update_time,
            create_time: o.create_time,
            paid_time: o.paid_time,
            fulfillment_type: o.fulfillment_type.as_str().to_owned(),
            shipping_type: o.shipping_type.as_str().to_owned(),
            delivery_option_id: o.delivery_option_id.clone(),
            currency: o.currency.clone(),
            sub_total: o.sub_total,
            seller_discount: o.seller_discount,
            platform_discount: o.platform_discount,
            shipping_fee: o.shipping_fee,
            tax: o.tax,
            total: o.total,
            is_buyer_request_cancel: o.is_buyer_request_cancel,
            buyer_email: o.buyer_email.clone(),
            recipient: StoredAddress {
                first_name: a.first_name.clone(),
                last_name: a.last_name.clone(),
                address_line1: a.address_line1.clone(),
                address_line2: a.address_line2.clone(),
                city: a.city.clone(),
                state: a.state.clone(),
                postal_code: a.postal_code.clone(),
                region_code: a.region_code.clone(),
                phone: a.phone.clone(),
            },
            line_items: o
                .line_items
                .iter()
                .map(|l| StoredLine {
                    id: l.id.clone(),
                    sku_id: l.sku_id.clone(),
                    seller_sku: l.seller_sku.clone(),
                    original_price: l.original_price,
                    sale_price: l.sale_price,
                    package_id: l.package_id.clone(),
                    tracking_number: l.tracking_number.clone(),
                    shipping_provider_name: l.shipping_provider_name.clone(),
                    package_status: l.package_status.clone(),
                })
                .collect(),
        }
    }
}

impl From<StoredOrder> for RemoteOrder {
    fn from(o: StoredOrder) -> Self {
        let a = o.recipient;
        Self {
            id: o.id,
            status: OrderStatus::parse(&o.status),
            update_time: o.update_time,
            create_time: o.create_time,
            paid_time: o.paid_time,
            fulfillment_type: FulfillmentType::parse(&o.fulfillment_type),
            shipping_type: ShippingType::parse(&o.shipping_type),
            delivery_option_id: o.delivery_option_id,
            currency: o.currency,
            sub_total: o.sub_total,
            seller_discount: o.seller_discount,
            platform_discount: o.platform_discount,
            shipping_fee: o.shipping_fee,
            tax: o.tax,
            total: o.total,
            is_buyer_request_cancel: o.is_buyer_request_cancel,
            buyer_email: o.buyer_email,
            recipient: RemoteAddress {
                first_name: a.first_name,
                last_name: a.last_name,
                address_line1: a.address_line1,
                address_line2: a.address_line2,
                city: a.city,
                state: a.state,
                postal_code: a.postal_code,
                region_code: a.region_code,
                phone: a.phone,
            },
            line_items: o
                .line_items
                .into_iter()
                .map(|l| RemoteLineItem {
                    id: l.id,
                    sku_id: l.sku_id,
                    seller_sku: l.seller_sku,
                    original_price: l.original_price,
                    sale_price: l.sale_price,
                    package_id: l.package_id,
                    tracking_number: l.tracking_number,
                    shipping_provider_name: l.shipping_provider_name,
                    package_status: l.package_status,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MIGRATIONS, order, order_detail};
    use feedbridge_common::OrderSyncState;
    use rusqlite::Connection;

    /// Schema version of release 0.1, whose rows the fixture holds.
    const RELEASE_0_1_SCHEMA: usize = 9;

    fn release_0_1_database() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        MIGRATIONS
            .to_version(&mut conn, RELEASE_0_1_SCHEMA)
            .unwrap();
        conn.execute_batch(include_str!("fixtures/release_0_1_orders.sql"))
            .unwrap();
        conn
    }

    #[test]
    fn orders_stored_by_release_0_1_still_load_after_the_upgrade() {
        let mut conn = release_0_1_database();
        let before: String = conn
            .query_row("SELECT detail FROM orders WHERE id = 2", [], |r| r.get(0))
            .unwrap();
        assert!(!before.contains("\"version\""), "the fixture is version 1");
        MIGRATIONS.to_latest(&mut conn).unwrap();

        let stamped: Vec<i64> = conn
            .prepare("SELECT json_extract(detail, '$.version') FROM orders ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(stamped, vec![2, 2, 2, 2]);

        let row = order(&conn, 2).unwrap().unwrap();
        assert_eq!(row.sync_state, OrderSyncState::Shipped);
        let detail = &row.detail;
        assert_eq!(detail.id, "1729000931070432575");
        assert_eq!(detail.status, OrderStatus::AwaitingCollection);
        assert_eq!(detail.shipping_type, ShippingType::Seller);
        assert_eq!(detail.fulfillment_type, FulfillmentType::Seller);
        assert_eq!(detail.total.to_string(), "49.68");
        assert_eq!(detail.line_items.len(), 2);
        assert_eq!(detail.line_items[0].seller_sku, "TOTE-BLACK");
        assert_eq!(
            detail.line_items[0].tracking_number,
            "9400111899223857268403"
        );
        assert_eq!(detail.recipient.city, "Austin");

        // What the console shows of it reads the same stored order.
        let view = order_detail(&conn, 2).unwrap().unwrap();
        assert_eq!(view.order.lines.len(), 2);

        // Written back by this release, it reads back equal.
        assert_eq!(decode(&encode(detail)).unwrap(), *detail);
    }

    #[test]
    fn a_version_1_text_decodes_without_the_migration_too() {
        let conn = release_0_1_database();
        let text: String = conn
            .query_row("SELECT detail FROM orders WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        let order = decode(&text).unwrap();
        assert_eq!(order.status, OrderStatus::AwaitingCollection);
    }

    #[test]
    fn a_newer_or_broken_row_is_an_error_not_a_guess() {
        let conn = release_0_1_database();
        let text: String = conn
            .query_row("SELECT detail FROM orders WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        let newer = text.replacen('{', "{\"version\":3,", 1);
        assert!(matches!(decode(&newer), Err(DecodeError::Newer(3))));
        assert!(matches!(decode("{}"), Err(DecodeError::Malformed(_))));
    }

    #[test]
    fn unknown_statuses_survive_a_round_trip() {
        let conn = release_0_1_database();
        let text: String = conn
            .query_row("SELECT detail FROM orders WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        let mut order = decode(&text).unwrap();
        order.status = OrderStatus::Unknown("RETURNED_TO_SELLER".into());
        assert_eq!(decode(&encode(&order)).unwrap().status, order.status);
    }
}
