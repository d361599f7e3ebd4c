//! TikTok orders shipped by Amazon Multi-Channel Fulfillment (amazon-mcf.md).
//!
//! - `fba_refresh` (per organization) reads every page of FBA stock; a SKU is FBA stock when
//!   Amazon could ship some of it at the last complete read.
//! - Routing (`route`, called by order sync): a seller-shipped, AWAITING_SHIPMENT order whose
//!   lines are all FBA SKUs goes to Amazon unless a shop rule keeps it away; one mixing FBA and
//!   other SKUs is Blocked; anything else follows the store flow.
//! - `mcf_create` creates the fulfilment order exactly once under an id derived from the
//!   TikTok order id: the attempt is marked before the call, a marked attempt is looked up
//!   first, and Amazon's duplicate answer counts as created when the order exists.
//! - `mcf_follow` stores Amazon's status, pushes each shipped package's tracking to TikTok
//!   once, and turns Unfulfillable, Invalid and foreign cancellations into failures. Retrying
//!   such a failure sends the order again under a fresh id (Amazon never reuses one).
//! - A TikTok cancellation (or a buyer's request) cancels at Amazon while Amazon allows it.

use super::create_once::{History, Look, NotSent, Outcome, Sent, Steps, create_once};
use super::mcf_route::{items_by_sku, limit_problem};
use super::order_flow::Routing;
use super::order_state::{change, load};
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
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tracing::info;

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
    let date = humantime::format_rfc3339_seconds(
        std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(placed).unwrap_or(0)),
    )
    .to_string();
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
        items: items_by_sku(order)
            .into_iter()
            .map(|(sku, (quantity, line_id))| NewFulfilmentItem {
                seller_sku: sku,
                item_id: line_id,
                quantity,
            })
            .collect(),
    }
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
        .transaction(move |tx| {
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
            store::set_order_state(
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

/// Create the fulfilment order exactly once.
pub async fn create(engine: &Engine, order_id: i64) -> StepResult {
    let Some(row) = load(engine, order_id).await? else {
        return Ok(());
    };
    let Some(mcf) = mcf_row(engine, order_id).await? else {
        return Ok(());
    };
    if mcf.created || mcf.closed {
        return Ok(());
    }
    if row.detail.is_cancelled() || row.detail.is_buyer_request_cancel {
        // Order sync decides what a cancellation means for it.
        return engine
            .enqueue(kind::ORDER_SYNC, order_id, Duration::ZERO)
            .await
            .map_err(StepFailure::from);
    }
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let Some(fulfiller) = fulfiller_of(org) else {
        return Ok(());
    };
    let id = mcf.seller_fulfillment_order_id.clone();
    // A create whose answer was lost, or an order from before this database's memory (a new
    // or restored data dir): Amazon may have it already. Newer orders need no look: Amazon
    // answers a repeated id as a duplicate, which is recognised below.
    let org_id = org.id;
    let known_since = engine
        .store
        .call(move |conn| store::store_orders_known_since(conn, org_id))
        .await?;
    let history = History {
        attempted_at: mcf.create_attempted_at,
        created_at: row.detail.create_time,
        known_since,
    };
    let past_awaiting = row.detail.status != OrderStatus::AwaitingShipment;
    let look =
        Look::decide(history, engine.clock.now_secs(), AMAZON_LOOKUP_LAG).or_if(past_awaiting);
    let row = &row;
    let amazon_error = |e: ConnectorError| amazon_failure(&org.name, row, &e);
    let find = || async { fulfiller.fulfilment_order(&id).await.map_err(amazon_error) };
    let steps = Steps {
        find: find(),
        prepare: async {
            let connection = shop.connection;
            let settings = engine
                .store
                .call(move |conn| store::mcf_settings(conn, connection))
                .await?;
            if let Some(problem) = limit_problem(&items_by_sku(&row.detail)) {
                return Err(StepFailure::rejected(
                    FailureKind::Mcf,
                    &org.name,
                    subject(row),
                    format!("Amazon would refuse this order: {problem}"),
                    "Ship it from TikTok Seller Center.",
                ));
            }
            Ok(new_fulfilment_order(&row.detail, &id, &settings))
        },
        mark_attempted: async move {
            let mark = move |conn: &_| store::mark_mcf_create_attempted(conn, order_id);
            Ok(engine.store.call(mark).await?)
        },
        send: |new_order: NewFulfilmentOrder| async move {
            match fulfiller.create_order(&new_order).await {
                Ok(()) => Ok(Sent::Created(())),
                Err(error @ ConnectorError::Rejected { .. }) if is_duplicate(&error) => {
                    // Amazon has an order under this id: ours, if it exists (ids are ours
                    // alone). Until it shows, the mark stays and the create is retried.
                    match find().await {
                        Ok(Some(found)) => Ok(Sent::Exists(found)),
                        Ok(None) => Err(NotSent::Unanswered(StepFailure {
                            retryable: true,
                            ..amazon_error(error)
                        })),
                        Err(failure) => Err(NotSent::Unanswered(failure)),
                    }
                }
                Err(error) => Err(NotSent::of(error, |e| create_refusal(&org.name, row, &e))),
            }
        },
        // A definite "no": nothing was created, so the next attempt need not look.
        clear_attempted: async move {
            let clear = move |conn: &_| store::clear_mcf_create_attempted(conn, order_id);
            Ok(engine.store.call(clear).await?)
        },
    };
    match create_once(look, steps).await? {
        Outcome::Found(found) => {
            info!(fulfilment_order = %id, "Amazon already has this fulfilment order; recording it.");
            created(engine, row, &found).await
        }
        Outcome::Created(()) => {
            if cancelled_meanwhile(engine, row).await? {
                return Ok(());
            }
            engine
                .store
                .call(move |conn| {
                    store::mark_mcf_created(conn, order_id)?;
                    store::set_order_state(
                        conn,
                        order_id,
                        OrderSyncState::AtAmazon,
                        Some("Sent to Amazon MCF; waiting for Amazon to ship it."),
                    )
                })
                .await?;
            engine
                .enqueue(kind::MCF_FOLLOW, order_id, FIRST_LOOK_DELAY)
                .await
                .map_err(StepFailure::from)
        }
        // Not while Amazon's lookup does not lag (AMAZON_LOOKUP_LAG).
        Outcome::WaitForSearch(wait) => engine
            .enqueue(kind::MCF_CREATE, order_id, wait)
            .await
            .map_err(StepFailure::from),
    }
}

/// TikTok's cancellation may have arrived while the create was in flight and found nothing
/// at Amazon to cancel: cancel what was just created. Returns whether it did.
async fn cancelled_meanwhile(engine: &Engine, row: &OrderRow) -> Result<bool, StepFailure> {
    let Some(now) = mcf_row(engine, row.id).await? else {
        return Ok(false);
    };
    if !now.cancel_requested {
        return Ok(false);
    }
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(false);
    };
    let Some(fulfiller) = fulfiller_of(org) else {
        return Ok(false);
    };
    fulfiller
        .cancel_order(&now.seller_fulfillment_order_id)
        .await
        .map_err(|e| {
            StepFailure::from_connector(
                FailureKind::OrderCancel,
                &org.name,
                subject(row),
                "Amazon",
                &e,
            )
        })?;
    let order_id = row.id;
    engine
        .store
        .call(move |conn| store::set_mcf_status(conn, order_id, "Cancelled").map(|_| ()))
        .await?;
    Ok(true)
}

fn is_duplicate(error: &ConnectorError) -> bool {
    let raw = error.raw().to_ascii_lowercase();
    raw.contains("duplicate") || raw.contains("already exist")
}

/// A create refusal in the merchant's words, naming the SKU Amazon points at.
fn create_refusal(org: &str, row: &OrderRow, error: &ConnectorError) -> StepFailure {
    let ConnectorError::Rejected { raw, .. } = error else {
        return amazon_failure(org, row, error);
    };
    let lower = raw.to_ascii_lowercase();
    let (reason, action) = if lower.contains("sellersku") {
        let item = raw
            .split("Item Id:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(|id| id.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()))
            .unwrap_or_default();
        let sku = row
            .detail
            .line_items
            .iter()
            .find(|line| line.id == item)
            .map_or("a SKU of this order", |line| line.seller_sku.as_str());
        (
            format!("Amazon does not know {sku} as FBA stock in this marketplace"),
            "Check the seller SKU matches the FBA listing, or ship it from TikTok Seller Center, then retry.",
        )
    } else if lower.contains("address") || lower.contains("postal") {
        (
            format!("Amazon refused the buyer's address: {}", first_line(raw)),
            "Check the address on TikTok; ship it from TikTok Seller Center if it cannot be fixed, then retry.",
        )
    } else {
        (
            format!("Amazon refused the fulfilment order: {}", first_line(raw)),
            "Fix what Amazon names, then retry.",
        )
    };
    StepFailure {
        raw: Some(raw.clone()),
        ..StepFailure::rejected(FailureKind::Mcf, org, subject(row), reason, action)
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// Amazon has the order: record it and start following it.
async fn created(engine: &Engine, row: &OrderRow, found: &FulfilmentOrder) -> StepResult {
    let order_id = row.id;
    if cancelled_meanwhile(engine, row).await? {
        return Ok(());
    }
    let status = status_name(found.status);
    engine
        .store
        .call(move |conn| {
            store::mark_mcf_created(conn, order_id)?;
            store::set_mcf_status(conn, order_id, status)?;
            store::set_order_state(
                conn,
                order_id,
                OrderSyncState::AtAmazon,
                Some("Sent to Amazon MCF; waiting for Amazon to ship it."),
            )
        })
        .await?;
    engine
        .enqueue(kind::MCF_FOLLOW, order_id, Duration::ZERO)
        .await
        .map_err(StepFailure::from)
}

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

/// Look at the fulfilment order: store its status, push new tracking, settle final states.
pub async fn follow(engine: &Engine, order_id: i64) -> StepResult {
    let Some(row) = load(engine, order_id).await? else {
        return Ok(());
    };
    let Some(mcf) = mcf_row(engine, order_id).await? else {
        return Ok(());
    };
    if row.sync_state == OrderSyncState::Cancelled {
        return Ok(());
    }
    if mcf.closed {
        if mcf.resend_requested {
            // The merchant retried after Amazon gave up on it: send it again if still due.
            return send_again(engine, &row, &mcf).await;
        }
        // A follow-up queued before Amazon gave up must not succeed quietly: that would
        // close the failure the merchant has not dealt with. Reading Amazon again says it again.
        if row.sync_state != OrderSyncState::Failed {
            return Ok(());
        }
    }
    if !mcf.created && mcf.create_attempted_at.is_none() {
        return Ok(());
    }
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let Some(fulfiller) = fulfiller_of(org) else {
        return Ok(());
    };
    let id = mcf.seller_fulfillment_order_id.clone();
    let Some(found) = fulfiller
        .fulfilment_order(&id)
        .await
        .map_err(|e| amazon_failure(&org.name, &row, &e))?
    else {
        if mcf.created {
            return Err(StepFailure {
                retryable: true,
                ..StepFailure::rejected(
                    FailureKind::Mcf,
                    &org.name,
                    subject(&row),
                    format!("Amazon does not show fulfilment order {id} yet"),
                    "Nothing to do: feedbridge looks again by itself.",
                )
            });
        }
        // An attempt whose answer was lost and that Amazon never received: create again.
        return engine
            .enqueue(kind::MCF_CREATE, order_id, Duration::ZERO)
            .await
            .map_err(StepFailure::from);
    };
    let status = status_name(found.status);
    engine
        .store
        .call(move |conn| {
            store::mark_mcf_created(conn, order_id)?;
            store::set_mcf_status(conn, order_id, status)
        })
        .await?;
    record_packages(engine, order_id, &found).await?;
    push_tracking(engine, &row).await?;
    settle(engine, &row, &mcf, &found).await
}

/// Remember every shipped package that has a tracking number, with the SKUs in it.
async fn record_packages(engine: &Engine, order_id: i64, found: &FulfilmentOrder) -> StepResult {
    let sku_of: BTreeMap<&str, &str> = found
        .items
        .iter()
        .map(|i| (i.item_id.as_str(), i.seller_sku.as_str()))
        .collect();
    let mut packages = Vec::new();
    for shipment in found.shipments.iter().filter(|s| s.status == "SHIPPED") {
        for package in &shipment.packages {
            let Some(tracking) = package
                .tracking_number
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
            else {
                continue;
            };
            let mut lines: Vec<(String, u32)> = Vec::new();
            for (item, quantity, _) in shipment
                .items
                .iter()
                .filter(|(_, _, number)| *number == package.package_number)
            {
                let sku = sku_of
                    .get(item.as_str())
                    .copied()
                    .unwrap_or(item)
                    .to_owned();
                match lines.iter_mut().find(|(s, _)| *s == sku) {
                    Some((_, n)) => *n += quantity,
                    None => lines.push((sku, *quantity)),
                }
            }
            packages.push(McfPackageRow {
                package_number: package.package_number,
                carrier_code: package.carrier_code.clone(),
                tracking_number: tracking.to_owned(),
                lines,
                pushed: false,
            });
        }
    }
    if packages.is_empty() {
        return Ok(());
    }
    engine
        .store
        .call(move |conn| {
            for package in &packages {
                store::record_mcf_package(conn, order_id, package)?;
            }
            Ok(())
        })
        .await
        .map_err(StepFailure::from)
}

/// Send each recorded package's tracking to TikTok once.
async fn push_tracking(engine: &Engine, row: &OrderRow) -> StepResult {
    let order_id = row.id;
    let todo: Vec<McfPackageRow> = engine
        .store
        .call(move |conn| store::mcf_packages(conn, order_id))
        .await?
        .into_iter()
        .filter(|p| !p.pushed)
        .collect();
    if todo.is_empty() {
        return Ok(());
    }
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let mut push = TrackingPush::start(engine, org, shop, row).await?;
    for package in todo {
        let number = package.tracking_number.clone();
        let package_number = package.package_number;
        let (provider, package_id) = match push.already_on_tiktok(&number) {
            Some(item) => (item.shipping_provider_name.clone(), item.package_id.clone()),
            None => {
                let line_ids = push.waiting_lines(&package.lines);
                if line_ids.is_empty() {
                    continue;
                }
                let pushed = push
                    .push(&line_ids, &number, Carrier::Amazon(&package.carrier_code))
                    .await?;
                (pushed.provider_name, pushed.package_id)
            }
        };
        engine
            .store
            .call(move |conn| {
                store::mark_mcf_package_pushed(
                    conn,
                    order_id,
                    package_number,
                    &provider,
                    &package_id,
                )
            })
            .await?;
    }
    Ok(())
}

/// What Amazon's status means for the order now.
async fn settle(
    engine: &Engine,
    row: &OrderRow,
    mcf: &McfOrderRow,
    found: &FulfilmentOrder,
) -> StepResult {
    let order_id = row.id;
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let packages = engine
        .store
        .call(move |conn| store::mcf_packages(conn, order_id))
        .await?;
    let pushed_units: u32 = packages
        .iter()
        .filter(|p| p.pushed)
        .flat_map(|p| p.lines.iter().map(|(_, n)| *n))
        .sum();
    let units = u32::try_from(row.detail.line_items.len()).unwrap_or(u32::MAX);
    let close = |state: OrderSyncState, reason: Option<String>| async move {
        engine
            .store
            .call(move |conn| {
                store::close_mcf_order(conn, order_id)?;
                store::set_order_state(conn, order_id, state, reason.as_deref())
            })
            .await
            .map_err(StepFailure::from)
    };
    match found.status {
        FulfilmentStatus::Complete => {
            let reason = (pushed_units < units).then(|| {
                format!(
                    "Amazon completed it; {pushed_units} of {units} units have tracking on TikTok."
                )
            });
            close(OrderSyncState::Shipped, reason).await
        }
        FulfilmentStatus::CompletePartialled => {
            let missing = not_shipped(found);
            close(
                OrderSyncState::Shipped,
                Some(format!(
                    "Amazon shipped only part of it ({missing} not fulfilled); ship the rest from TikTok Seller Center."
                )),
            )
            .await
        }
        FulfilmentStatus::Unfulfillable | FulfilmentStatus::Invalid => {
            let failure = gave_up(&org.name, row, mcf, found);
            let reason = failure.reason.clone();
            engine
                .store
                .call(move |conn| {
                    store::set_mcf_error(conn, order_id, Some(&reason))?;
                    store::close_mcf_order(conn, order_id)
                })
                .await?;
            Err(failure)
        }
        FulfilmentStatus::Cancelled if !mcf.cancel_requested => {
            let reason = format!(
                "Amazon cancelled fulfilment order {} of TikTok order {} (feedbridge did not ask it to)",
                mcf.seller_fulfillment_order_id, row.tiktok_order_id
            );
            let stored = reason.clone();
            engine
                .store
                .call(move |conn| {
                    store::set_mcf_error(conn, order_id, Some(&stored))?;
                    store::close_mcf_order(conn, order_id)
                })
                .await?;
            Err(StepFailure::rejected(
                FailureKind::Mcf,
                &org.name,
                subject(row),
                reason,
                "If it was cancelled in Seller Central by mistake, retry to send it to Amazon again; otherwise ship it from TikTok Seller Center.",
            ))
        }
        FulfilmentStatus::Cancelled => close(OrderSyncState::Cancelled, None).await,
        _ if pushed_units > 0 => change(
            engine,
            order_id,
            OrderSyncState::AtAmazon,
            Some(format!(
                "Partly shipped by Amazon: {pushed_units} of {units} units have tracking on TikTok."
            )),
        )
        .await,
        _ => {
            change(
                engine,
                order_id,
                OrderSyncState::AtAmazon,
                Some("Sent to Amazon MCF; waiting for Amazon to ship it.".into()),
            )
            .await
        }
    }
}

/// "2 × SKU A, 1 × SKU B" for units Amazon cancelled or could not fulfil.
fn not_shipped(found: &FulfilmentOrder) -> String {
    let parts: Vec<String> = found
        .items
        .iter()
        .filter(|i| i.unfulfillable + i.cancelled > 0)
        .map(|i| format!("{} × SKU {}", i.unfulfillable + i.cancelled, i.seller_sku))
        .collect();
    if parts.is_empty() {
        "some units".to_owned()
    } else {
        parts.join(", ")
    }
}

/// Amazon gave up on the order (Unfulfillable or Invalid), in the merchant's words.
fn gave_up(org: &str, row: &OrderRow, mcf: &McfOrderRow, found: &FulfilmentOrder) -> StepFailure {
    let short: Vec<&str> = found
        .items
        .iter()
        .filter(|i| i.unfulfillable > 0)
        .map(|i| i.seller_sku.as_str())
        .collect();
    let why = if short.is_empty() {
        if found.status == FulfilmentStatus::Invalid {
            "Amazon found the order invalid (often the address, or stock that is not sellable)"
                .to_owned()
        } else {
            "not enough sellable FBA stock".to_owned()
        }
    } else {
        format!("not enough sellable FBA stock of SKU {}", short.join(", "))
    };
    StepFailure {
        raw: Some(format!(
            "fulfilment order {} status {}",
            mcf.seller_fulfillment_order_id,
            status_name(found.status)
        )),
        ..StepFailure::rejected(
            FailureKind::Mcf,
            org,
            subject(row),
            format!(
                "Amazon could not fulfil TikTok order {}: {why}",
                row.tiktok_order_id
            ),
            "Send stock to FBA or ship it from TikTok Seller Center, then retry.",
        )
    }
}

/// A retry after Amazon gave up: if TikTok still waits for shipping, send the order again
/// under the next id; if the merchant shipped it from Seller Center meanwhile, it is done.
async fn send_again(engine: &Engine, row: &OrderRow, mcf: &McfOrderRow) -> StepResult {
    let order_id = row.id;
    // The retry is answered (sent again or not) once; another needs another retry.
    let decline = || async move {
        engine
            .store
            .call(move |conn| store::clear_mcf_resend(conn, order_id))
            .await
            .map_err(StepFailure::from)
    };
    let gave_up = matches!(
        mcf.amazon_status.as_deref(),
        Some("Unfulfillable" | "Invalid" | "Cancelled")
    ) && !mcf.cancel_requested;
    if !gave_up {
        // Shipped, or cancelled by us: sending it again would ship it twice.
        return decline().await;
    }
    let Some((_, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let remote = shop
        .client
        .orders(std::slice::from_ref(&row.tiktok_order_id))
        .await
        .map_err(|e| {
            StepFailure::from_connector(FailureKind::Mcf, &row.org, subject(row), "TikTok Shop", &e)
        })?
        .into_iter()
        .next();
    let Some(remote) = remote else {
        return decline().await;
    };
    let (shop_id, seen) = (row.shop_id, remote.clone());
    engine
        .store
        .call(move |conn| store::upsert_order(conn, shop_id, &seen).map(|_| ()))
        .await?;
    if remote.status != OrderStatus::AwaitingShipment {
        // Shipped from Seller Center or cancelled meanwhile: order sync takes it from here.
        decline().await?;
        return engine
            .enqueue(kind::ORDER_SYNC, order_id, Duration::ZERO)
            .await
            .map_err(StepFailure::from);
    }
    let next = fulfilment_order_id(
        &row.tiktok_order_id,
        attempt_of(&mcf.seller_fulfillment_order_id) + 1,
    );
    engine
        .store
        .call(move |conn| {
            store::restart_mcf_order(conn, order_id, &next)?;
            store::set_order_state(
                conn,
                order_id,
                OrderSyncState::Pending,
                Some("Sending to Amazon MCF again."),
            )
        })
        .await?;
    engine
        .enqueue(kind::MCF_CREATE, order_id, Duration::ZERO)
        .await
        .map_err(StepFailure::from)
}

// ---------------------------------------------------------------------------------------------
// Cancellations
// ---------------------------------------------------------------------------------------------

/// The buyer asked TikTok to cancel: cancel at Amazon if it still can, then approve the
/// request; if Amazon is already shipping it, the merchant must reject the request.
async fn buyer_asked_to_cancel(engine: &Engine, row: &OrderRow, mcf: &McfOrderRow) -> StepResult {
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    cancel_at_amazon(engine, row, mcf, CancelBy::BuyerRequest).await?;
    let fail = |e: ConnectorError| {
        StepFailure::from_connector(
            FailureKind::OrderCancel,
            &org.name,
            subject(row),
            "TikTok Shop",
            &e,
        )
    };
    let pending = shop
        .client
        .cancellations(&row.tiktok_order_id)
        .await
        .map_err(fail)?
        .into_iter()
        .find(|c| c.status == CancellationStatus::Pending);
    if let Some(request) = pending {
        shop.client
            .approve_cancellation(&request.id)
            .await
            .map_err(fail)?;
    }
    change(
        engine,
        row.id,
        OrderSyncState::Cancelled,
        Some(format!(
            "The buyer cancelled; Amazon fulfilment order {} cancelled and the request approved on TikTok.",
            mcf.seller_fulfillment_order_id
        )),
    )
    .await
}

/// Who wants the order cancelled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CancelBy {
    /// TikTok cancelled it: the order ends Cancelled once Amazon has.
    TikTok,
    /// The buyer asked; the caller approves the request once Amazon has cancelled.
    BuyerRequest,
}

/// Cancel the fulfilment order while Amazon still allows it.
async fn cancel_at_amazon(
    engine: &Engine,
    row: &OrderRow,
    mcf: &McfOrderRow,
    by: CancelBy,
) -> StepResult {
    let order_id = row.id;
    let id = mcf.seller_fulfillment_order_id.clone();
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let cancelled = |reason: String| async move {
        engine
            .store
            .call(move |conn| {
                store::mark_mcf_cancel_requested(conn, order_id)?;
                store::close_mcf_order(conn, order_id)?;
                if by == CancelBy::TikTok {
                    store::set_order_state(
                        conn,
                        order_id,
                        OrderSyncState::Cancelled,
                        Some(&reason),
                    )?;
                }
                Ok(())
            })
            .await
            .map_err(StepFailure::from)
    };
    if !mcf.created && mcf.create_attempted_at.is_none() {
        return cancelled("Cancelled on TikTok before it reached Amazon.".into()).await;
    }
    let Some(fulfiller) = fulfiller_of(org) else {
        return Ok(());
    };
    let cancel_fail = |e: ConnectorError| {
        StepFailure::from_connector(
            FailureKind::OrderCancel,
            &org.name,
            subject(row),
            "Amazon",
            &e,
        )
    };
    let found = fulfiller.fulfilment_order(&id).await.map_err(cancel_fail)?;
    let Some(found) = found else {
        // The attempt never reached Amazon: nothing to cancel there.
        return cancelled("Cancelled on TikTok before it reached Amazon.".into()).await;
    };
    if found.status == FulfilmentStatus::Cancelled
        || matches!(
            found.status,
            FulfilmentStatus::Unfulfillable | FulfilmentStatus::Invalid
        )
    {
        engine
            .store
            .call(move |conn| store::set_mcf_status(conn, order_id, status_name(found.status)))
            .await?;
        return cancelled(format!(
            "Cancelled on TikTok; Amazon fulfilment order {id} ships nothing."
        ))
        .await;
    }
    if !found.status.cancellable() {
        let status = status_name(found.status);
        engine
            .store
            .call(move |conn| store::set_mcf_status(conn, order_id, status))
            .await?;
        let (what, action) = match by {
            CancelBy::TikTok => (
                "TikTok cancelled order",
                "Ask Amazon to intercept the parcel, or handle it as a return when it arrives.",
            ),
            CancelBy::BuyerRequest => (
                "The buyer asked to cancel order",
                "Reject the buyer's cancellation request in TikTok Seller Center: Amazon ships the order.",
            ),
        };
        return Err(StepFailure::rejected(
            FailureKind::OrderCancel,
            &org.name,
            subject(row),
            format!(
                "{what} {}, but Amazon is already shipping fulfilment order {id} ({status}) and no longer lets it be cancelled",
                row.tiktok_order_id
            ),
            action,
        ));
    }
    engine
        .store
        .call(move |conn| store::mark_mcf_cancel_requested(conn, order_id))
        .await?;
    fulfiller.cancel_order(&id).await.map_err(cancel_fail)?;
    engine
        .store
        .call(move |conn| store::set_mcf_status(conn, order_id, "Cancelled").map(|_| ()))
        .await?;
    cancelled(format!(
        "Cancelled on TikTok; Amazon fulfilment order {id} cancelled."
    ))
    .await
}

#[cfg(test)]
mod tests {
    use super::super::mcf_route::tests::order;
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
                    quantity: 2
                },
                NewFulfilmentItem {
                    seller_sku: "B".into(),
                    item_id: "line1".into(),
                    quantity: 1
                },
            ]
        );
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
