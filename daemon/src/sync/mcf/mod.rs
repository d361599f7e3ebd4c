//! TikTok orders shipped by Amazon Multi-Channel Fulfillment (amazon-mcf.md).
//!
//! - `refresh_fba` (per organization) reads every page of FBA stock; a SKU is FBA stock when
//!   Amazon could ship some of it at the last complete read.
//! - `routing` gathers what `order_flow::decide` needs (FBA stock, the shop's MCF rules); the
//!   rules themselves are in `mcf_route`. `send` records the fulfilment order id and queues
//!   `create` (create.rs), which creates it exactly once.
//! - `follow` (follow.rs) stores Amazon's status, pushes each shipped package's tracking to
//!   TikTok once, and turns what Amazon gave up on into failures.
//! - cancel.rs carries TikTok cancellations and buyers' requests to Amazon.

use super::create_once::{History, Look, NotSent, Outcome, Sent, Steps, create_once};
use super::mcf_route::{items_by_sku, limit_problem};
use super::order_flow::Routing;
use super::order_state::{self, change, load};
use super::tracking::{Carrier, TrackingPush};
use super::{Engine, OrgRuntime, StepFailure, StepResult, kind};
use crate::connector::tiktok::status::{CancellationStatus, OrderStatus};
use crate::connector::{
    Address, ConnectorError, Fulfiller, FulfilmentOrder, FulfilmentStatus, NewFulfilmentItem,
    NewFulfilmentOrder, RemoteOrder,
};
use crate::store::{self, McfOrderRow, McfPackageRow, OrderRow};
use feedbridge_common::mcf::McfSettings;
use feedbridge_common::{FailureKind, OrderSyncState};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tracing::info;

mod cancel;
mod create;
mod follow;

use cancel::{CancelBy, buyer_asked_to_cancel, cancel_at_amazon};
pub use create::create;
pub use follow::follow;

/// `sellerFulfillmentOrderId` is at most 40 characters.
const MAX_ORDER_ID_CHARS: usize = 40;
/// How long an order waits before looking again when FBA stock was never read yet.
pub(super) const FBA_FIRST_READ_WAIT: Duration = Duration::from_secs(30);
/// Amazon shows a new order shortly after the create answers (eventual consistency).
const FIRST_LOOK_DELAY: Duration = Duration::from_secs(2);
/// A fulfilment order is read by our own id, not searched for: "not found" needs no wait.
const AMAZON_LOOKUP_LAG: Duration = Duration::ZERO;

/// The `sellerFulfillmentOrderId` of a TikTok order (attempt 1), and of later attempts after
/// Amazon gave up on one. TikTok ids are digits, so no `+` or double spaces ever appear.
pub fn fulfilment_order_id(tiktok_order_id: &str, attempt: u32) -> String {
    let base = format!("TTS-{}", tiktok_order_id.trim());
    if attempt <= 1 {
        base
    } else {
        format!("{base}-R{attempt}")
    }
}

/// The attempt number encoded in a fulfilment order id.
fn attempt_of(id: &str) -> u32 {
    id.rsplit_once("-R")
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(1)
}

/// The fulfilment order for an order, under `id`.
fn new_fulfilment_order(
    order: &RemoteOrder,
    id: &str,
    settings: &McfSettings,
) -> NewFulfilmentOrder {
    let placed = if order.paid_time > 0 {
        order.paid_time
    } else {
        order.create_time
    };
    let date = feedbridge_common::timestamps::rfc3339_of_unix(placed.max(0));
    let r = &order.recipient;
    let name = format!("{} {}", r.first_name.trim(), r.last_name.trim())
        .trim()
        .to_owned();
    NewFulfilmentOrder {
        id: id.to_owned(),
        displayable_id: id.to_owned(),
        displayable_date: date,
        comment: format!("Thank you for your TikTok Shop order {}.", order.id),
        shipping_speed: settings.speed.as_str().to_owned(),
        fill_policy: settings.policy.as_str().to_owned(),
        recipient_name: name,
        address: Address {
            first_name: r.first_name.clone(),
            last_name: r.last_name.clone(),
            address1: r.address_line1.clone(),
            address2: r.address_line2.clone(),
            city: r.city.clone(),
            province: r.state.clone(),
            zip: r.postal_code.clone(),
            country_code: r.region_code.clone(),
            phone: r.phone.clone(),
        },
        currency: order.currency.trim().to_ascii_uppercase(),
        items: items_by_sku(order)
            .into_iter()
            .map(|(sku, (quantity, line_id))| NewFulfilmentItem {
                per_unit_value: unit_value(order, &sku, quantity),
                seller_sku: sku,
                item_id: line_id,
                quantity,
            })
            .collect(),
    }
}

/// What the buyer paid for one unit of `sku` (TikTok spreads discounts over the units, so
/// their mean), to the cent.
fn unit_value(order: &RemoteOrder, sku: &str, units: u32) -> Decimal {
    let paid: Decimal = order
        .line_items
        .iter()
        .filter(|line| line.seller_sku == sku)
        .map(|line| line.sale_price)
        .sum();
    (paid / Decimal::from(units.max(1))).round_dp(2)
}

fn subject(row: &OrderRow) -> String {
    format!("TikTok order {}", row.tiktok_order_id)
}

fn amazon_failure(org: &str, row: &OrderRow, error: &ConnectorError) -> StepFailure {
    StepFailure::from_connector(FailureKind::Mcf, org, subject(row), "Amazon", error)
}

fn fulfiller_of(org: &OrgRuntime) -> Option<&Arc<dyn Fulfiller>> {
    org.fulfiller.as_ref()
}

// ---------------------------------------------------------------------------------------------
// FBA stock
// ---------------------------------------------------------------------------------------------

/// Read every page of the organization's FBA stock and replace the stored copy.
pub async fn refresh_fba(engine: &Engine, org_id: i64) -> StepResult {
    let Some(org) = engine.org(org_id) else {
        return Ok(());
    };
    let Some(fulfiller) = fulfiller_of(org) else {
        return Ok(());
    };
    let mut stock = Vec::new();
    let mut cursor = None;
    loop {
        let page = match fulfiller.inventory(cursor.take()).await {
            Ok(page) => page,
            Err(error) => {
                let reason = error.to_string();
                engine
                    .store
                    .call(move |conn| store::set_amazon_error(conn, org_id, &reason))
                    .await?;
                return Err(StepFailure::from_connector(
                    FailureKind::Mcf,
                    &org.name,
                    format!("Amazon FBA stock of {}", org.name),
                    "Amazon",
                    &error,
                ));
            }
        };
        stock.extend(
            page.items
                .into_iter()
                .map(|s| (s.seller_sku, s.fulfillable)),
        );
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let skus = stock.len();
    let blocked = engine
        .store
        .call(move |tx| {
            store::replace_fba_stock(tx, org_id, &stock)?;
            store::blocked_orders(tx)
        })
        .await?;
    info!(org = %org.name, skus, "FBA stock read.");
    // A blocked order may be routable now (its SKUs arrived at Amazon, or left it).
    engine
        .enqueue_many(kind::ORDER_SYNC, blocked, Duration::ZERO)
        .await
        .map_err(StepFailure::from)
}

// ---------------------------------------------------------------------------------------------
// Routing (called by order sync)
// ---------------------------------------------------------------------------------------------

/// What decides between the store and Amazon for an unsent order: the stored FBA stock and
/// the shop's MCF rules (order_flow::decide applies them).
pub async fn routing(engine: &Engine, row: &OrderRow) -> Result<Routing, StepFailure> {
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(Routing::StoreOnly);
    };
    if org.fulfiller.is_none() {
        return Ok(Routing::StoreOnly);
    }
    let (org_id, connection) = (org.id, shop.connection);
    let currency = org
        .amazon
        .as_ref()
        .map_or("", |amazon| amazon.marketplace.currency());
    let skus: Vec<String> = items_by_sku(&row.detail).into_keys().collect();
    let (fba, settings) = engine
        .store
        .call(move |conn| {
            let fba = match store::fba_inventory_read_at(conn, org_id)? {
                Some(_) => Some(store::fba_stock_of(conn, org_id, &skus)?),
                None => None,
            };
            Ok((fba, store::mcf_settings(conn, connection)?))
        })
        .await?;
    Ok(Routing::Amazon {
        fba,
        settings,
        currency: currency.to_owned(),
        has_order: None,
    })
}

/// Whether Amazon already has this order's (first) fulfilment order.
pub async fn amazon_has_order(engine: &Engine, row: &OrderRow) -> Result<bool, StepFailure> {
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(false);
    };
    let Some(fulfiller) = fulfiller_of(org) else {
        return Ok(false);
    };
    let id = fulfilment_order_id(&row.tiktok_order_id, 1);
    Ok(fulfiller
        .fulfilment_order(&id)
        .await
        .map_err(|e| amazon_failure(&org.name, row, &e))?
        .is_some())
}

/// Hand the order to Amazon: record its fulfilment order id and queue the create.
pub async fn send(engine: &Engine, row: &OrderRow) -> StepResult {
    let order_id = row.id;
    let id = fulfilment_order_id(&row.tiktok_order_id, 1);
    if id.chars().count() > MAX_ORDER_ID_CHARS {
        return change(
            engine,
            order_id,
            OrderSyncState::Blocked,
            Some(format!(
                "TikTok order id is too long for an Amazon fulfilment order id ({MAX_ORDER_ID_CHARS} characters); ship it from TikTok Seller Center."
            )),
        )
        .await;
    }
    engine
        .store
        .call(move |conn| {
            store::ensure_mcf_order(conn, order_id, &id)?;
            order_state::set(
                conn,
                order_id,
                OrderSyncState::Pending,
                Some("Sending to Amazon MCF."),
            )
        })
        .await?;
    engine
        .enqueue(kind::MCF_CREATE, order_id, Duration::ZERO)
        .await
        .map_err(StepFailure::from)
}

/// Order sync for an order that has a fulfilment order: carry TikTok's news to Amazon.
pub async fn sync_sent(engine: &Engine, row: OrderRow, mcf: McfOrderRow) -> StepResult {
    if row.detail.is_cancelled() {
        return cancel_at_amazon(engine, &row, &mcf, CancelBy::TikTok).await;
    }
    if row.detail.is_buyer_request_cancel {
        return buyer_asked_to_cancel(engine, &row, &mcf).await;
    }
    if mcf.closed {
        return Ok(());
    }
    let next = if mcf.created {
        kind::MCF_FOLLOW
    } else {
        kind::MCF_CREATE
    };
    engine
        .enqueue(next, row.id, Duration::ZERO)
        .await
        .map_err(StepFailure::from)
}

// ---------------------------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------------------------

async fn mcf_row(engine: &Engine, order_id: i64) -> Result<Option<McfOrderRow>, StepFailure> {
    engine
        .store
        .call(move |conn| store::mcf_order(conn, order_id))
        .await
        .map_err(StepFailure::from)
}

pub fn status_name(status: FulfilmentStatus) -> &'static str {
    match status {
        FulfilmentStatus::New => "New",
        FulfilmentStatus::Received => "Received",
        FulfilmentStatus::Planning => "Planning",
        FulfilmentStatus::Processing => "Processing",
        FulfilmentStatus::Complete => "Complete",
        FulfilmentStatus::CompletePartialled => "CompletePartialled",
        FulfilmentStatus::Cancelled => "Cancelled",
        FulfilmentStatus::Unfulfillable => "Unfulfillable",
        FulfilmentStatus::Invalid => "Invalid",
    }
}

// ---------------------------------------------------------------------------------------------
// Follow
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::super::mcf_route::tests::order;
    use super::create::{create_refusal, is_duplicate};
    use super::*;

    #[test]
    fn fulfilment_orders_group_units_by_sku_under_our_id() {
        let settings = McfSettings {
            speed: feedbridge_common::mcf::ShippingSpeed::Expedited,
            ..McfSettings::default()
        };
        let o = order(&["A", "B", "A"]);
        let id = fulfilment_order_id(&o.id, 1);
        assert_eq!(id, "TTS-576461413038785752");
        let new = new_fulfilment_order(&o, &id, &settings);
        assert_eq!(new.displayable_date, "2023-11-14T22:14:20Z");
        assert_eq!(
            (new.shipping_speed.as_str(), new.fill_policy.as_str()),
            ("Expedited", "FillOrKill")
        );
        assert_eq!(new.recipient_name, "Jane Doe");
        assert_eq!(
            new.items,
            vec![
                NewFulfilmentItem {
                    seller_sku: "A".into(),
                    item_id: "line0".into(),
                    quantity: 2,
                    per_unit_value: Decimal::TEN,
                },
                NewFulfilmentItem {
                    seller_sku: "B".into(),
                    item_id: "line1".into(),
                    quantity: 1,
                    per_unit_value: Decimal::TEN,
                },
            ]
        );
        assert_eq!(new.currency, "USD");
        let again = fulfilment_order_id(&o.id, attempt_of(&id) + 1);
        assert_eq!(again, "TTS-576461413038785752-R2");
        assert_eq!(attempt_of(&again), 2);
        assert!(again.len() <= MAX_ORDER_ID_CHARS);
    }

    #[test]
    fn sku_refusals_name_the_sku() {
        let row = OrderRow {
            id: 1,
            shop_id: 1,
            org: "acme".into(),
            tiktok_order_id: "576461413038785752".into(),
            sync_state: OrderSyncState::Pending,
            store_order_id: None,
            detail: order(&["A", "B"]),
            hold_until: None,
            create_attempted_at: None,
            store_cancelled: false,
            tiktok_cancel_requested: false,
            reflected: Vec::new(),
            store_order_name: None,
        };
        let error = ConnectorError::Rejected {
            reason: "x".into(),
            raw: "the SellerSKU for Item Id: line1 is invalid.".into(),
        };
        let failure = create_refusal("acme", &row, &error);
        assert!(
            failure.reason.contains("does not know B as FBA stock"),
            "{}",
            failure.reason
        );
        assert!(!failure.retryable);
        assert_eq!(failure.kind, FailureKind::Mcf);
    }

    #[test]
    fn duplicate_answers_are_recognised() {
        let duplicate = ConnectorError::Rejected {
            reason: "x".into(),
            raw: r#"{"errors":[{"code":"InvalidInput","message":"Duplicate sellerFulfillmentOrderId"}]}"#.into(),
        };
        assert!(is_duplicate(&duplicate));
        let sku = ConnectorError::Rejected {
            reason: "x".into(),
            raw: "the SellerSKU for Item Id: line1 is invalid.".into(),
        };
        assert!(!is_duplicate(&sku));
    }
}
