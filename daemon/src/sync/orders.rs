//! TikTok orders into the store exactly once.
//!
//! One `order_sync` step decides everything about an order from what we last read from
//! TikTok: wait (unpaid, hold window, buyer asked to cancel), block (unknown SKU, FBT rule B),
//! create it in the store, or, once it is there, carry cancellations and TikTok's own
//! shipments across (see `shipping` and `cancellations`).
//!
//! Money mapping (TikTok → store order):
//! - line unit price = TikTok's `original_price` (falls back to `sale_price`);
//! - seller + platform discount = one fixed discount on the goods (`TIKTOK-SHOP-DISCOUNT`);
//!   TikTok pays the platform part back to the seller, so the store shows what the buyer paid;
//! - shipping line = `payment.shipping_fee` (what the buyer paid for shipping);
//! - one tax line = `payment.tax`, not included in prices;
//! - the recorded sale transaction = `payment.total_amount`.
//!
//! Where the store's total differs from TikTok's, the difference is recorded on the order.

use super::create_once::{
    History, Look, Lookup, NotSent, Outcome, Sent, Steps, create_once, look_first,
};
use super::order_flow::{self, Facts, Next, Routing};
use super::order_state::{self, change, load, settings_of};
use super::{
    Engine, OrgRuntime, StepFailure, StepResult, cancellations, connections, kind, mcf,
    order_reads, shipping,
};
use crate::connector::store_platform::OrderHandling;
use crate::connector::tiktok::status::OrderStatus;
use crate::connector::{self, Address, NewStoreOrder, NewStoreOrderLine, RemoteOrder};
use crate::pricing;
use crate::store::{self, OrderRow};
use feedbridge_common::orders::{FbtRule, InventoryBehaviour, OrderSettings};
use feedbridge_common::{EventKind, FailureKind, OrderSyncState};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tracing::{info, warn};

/// Tag on every store order feedbridge creates; with the per-order tag below it is how the
/// store order is found again.
pub const TIKTOK_TAG: &str = "TikTokShop";

pub fn order_tag(tiktok_order_id: &str) -> String {
    format!("tiktok-order-{tiktok_order_id}")
}

/// Order ids TikTok reads in one call.
const FETCH_BATCH: u32 = 50;

/// Shopify's order search can lag a create by seconds: after an attempt this recent whose
/// outcome we lost, wait before trusting "not found".
const SEARCH_LAG: Duration = Duration::from_secs(10);

/// TikTok named orders (webhooks, a resync): read the queued ids of one shop, 50 per call,
/// record each once and queue its sync. The subject is the shop connection id; the older
/// "{shop}:{order}" form queues that one order first.
pub async fn fetch_orders(engine: &Engine, subject: &str) -> StepResult {
    let (connection, single) = match subject.split_once(':') {
        Some((connection, order)) => (connection, Some(order.to_owned())),
        None => (subject, None),
    };
    let Ok(connection) = connection.parse::<i64>() else {
        return Ok(());
    };
    let Some((org, shop)) = engine.shop(connection) else {
        return Ok(());
    };
    if let Some(order) = single.clone() {
        engine
            .store
            .call(move |conn| store::queue_order_fetch(conn, connection, &order))
            .await?;
    }
    // A retried id TikTok still does not know fails this job (so the runner keeps its failure).
    let mut retried_unknown: Option<String> = None;
    loop {
        let batch = engine
            .store
            .call(move |conn| store::order_fetch_batch(conn, connection, FETCH_BATCH))
            .await?;
        if batch.is_empty() {
            return match retried_unknown {
                None => Ok(()),
                Some(order) => Err(StepFailure::rejected(
                    FailureKind::OrderCreate,
                    &org.name,
                    format!("TikTok order {order}"),
                    order_reads::unknown_reason(&order),
                    order_reads::UNKNOWN_ACTION.to_owned(),
                )),
            };
        }
        // An id TikTok refuses is split out; the others are read.
        let read = order_reads::read_orders(shop.client.as_ref(), &batch)
            .await
            .map_err(|e| {
                StepFailure::from_connector(
                    FailureKind::OrderCreate,
                    &org.name,
                    format!("TikTok orders of shop {}", shop.name),
                    "TikTok Shop",
                    &e,
                )
            })?;
        let org_name = org.name.clone();
        let retried = single.clone();
        if let Some(order) = &single
            && read.refused.iter().any(|(refused, _)| refused == order)
        {
            retried_unknown = Some(order.clone());
        }
        // Recorded, queued for sync and taken off the fetch queue in one go: a failed write
        // leaves the ids queued for the next run.
        engine
            .store
            .call(move |tx| {
                let now = store::now_millis();
                for order in &read.orders {
                    let row = store::upsert_order(tx, connection, order)?;
                    store::enqueue(
                        tx,
                        kind::ORDER_SYNC,
                        &row.to_string(),
                        now,
                        kind::priority(kind::ORDER_SYNC),
                    )?;
                }
                // Ids TikTok did not return are dropped too: polling finds real ones later.
                store::order_fetch_done(tx, connection, &batch)?;
                for (order, raw) in &read.refused {
                    if retried.as_ref() != Some(order) {
                        order_reads::record_unknown_order(tx, &org_name, connection, order, raw)?;
                    }
                }
                Ok(())
            })
            .await?;
        engine.job_queued.notify_waiters();
    }
}

/// Gather what is known of an order, let `order_flow::decide` say what happens next, and
/// carry it out.
pub async fn sync_order(engine: &Engine, order_id: i64) -> StepResult {
    let Some(row) = load(engine, order_id).await? else {
        return Ok(());
    };
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let settings = settings_of(engine, shop.connection).await?;
    let sent_to_amazon = engine
        .store
        .call(move |conn| store::mcf_order(conn, order_id))
        .await?;
    let mut routing = if row.store_order_id.is_none() && sent_to_amazon.is_none() {
        mcf::routing(engine, &row).await?
    } else {
        Routing::StoreOnly
    };
    let now = engine.clock.now_secs();
    let in_mcf = sent_to_amazon.is_some();
    let handling = org.capabilities.orders;
    let first = order_flow::decide(&facts_of(&row, in_mcf, &routing, handling), &settings, now);
    let next = if first == Next::AskAmazon {
        let known = mcf::amazon_has_order(engine, &row).await?;
        if let Routing::Amazon { has_order, .. } = &mut routing {
            *has_order = Some(known);
        }
        order_flow::decide(&facts_of(&row, in_mcf, &routing, handling), &settings, now)
    } else {
        first
    };
    match next {
        Next::Nothing => Ok(()),
        Next::FollowInStore => after_creation(engine, row, &settings).await,
        Next::FollowAtAmazon => match sent_to_amazon {
            Some(sent) => mcf::sync_sent(engine, row, sent).await,
            None => Ok(()),
        },
        Next::Wait(reason) => {
            change(
                engine,
                order_id,
                OrderSyncState::Waiting,
                Some(reason.into()),
            )
            .await
        }
        Next::Hold { until } => hold(engine, &row, until, settings.hold_minutes).await,
        Next::Block(reason) => {
            change(engine, order_id, OrderSyncState::Blocked, Some(reason)).await
        }
        Next::CancelBeforeSync => cancelled_before_sync(engine, row, &settings).await,
        Next::Unhandled { status } => Err(StepFailure::rejected(
            FailureKind::OrderCreate,
            &org.name,
            format!("TikTok order {}", row.tiktok_order_id),
            format!(
                "TikTok reported status {status}, which this version of feedbridge does not handle; it was left alone"
            ),
            "Handle the order in TikTok Seller Center, or upgrade feedbridge and retry.",
        )),
        Next::CreateInStore => create_in_store(engine, row, &settings).await,
        Next::CreateInStoreBecause(reason) => {
            // Noted on the order's timeline once (a repeat of the same reason is not noted).
            change(engine, order_id, OrderSyncState::Pending, Some(reason)).await?;
            create_in_store(engine, row, &settings).await
        }
        Next::SendToAmazon => mcf::send(engine, &row).await,
        // Asked above; a second ask cannot happen.
        Next::AskAmazon => Ok(()),
        Next::WaitForFbaStock => {
            change(
                engine,
                order_id,
                OrderSyncState::Waiting,
                Some("Waiting for the first read of Amazon FBA stock.".into()),
            )
            .await?;
            engine
                .enqueue(kind::ORDER_SYNC, order_id, mcf::FBA_FIRST_READ_WAIT)
                .await
                .map_err(StepFailure::from)
        }
    }
}

fn facts_of<'a>(
    row: &'a OrderRow,
    sent_to_amazon: bool,
    routing: &'a Routing,
    handling: OrderHandling,
) -> Facts<'a> {
    Facts {
        order: &row.detail,
        state: row.sync_state,
        in_store: row.store_order_id.is_some(),
        sent_to_amazon,
        routing,
        handling,
    }
}

/// TikTok cancelled an order we have not recorded in the store. The store may have it all
/// the same (a create whose answer was lost or still in flight, or a store order this
/// database never saw): look, and cancel it there too.
async fn cancelled_before_sync(
    engine: &Engine,
    row: OrderRow,
    settings: &OrderSettings,
) -> StepResult {
    let order_id = row.id;
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let subject = format!("TikTok order {}", row.tiktok_order_id);
    let store_error = |e: connector::ConnectorError| {
        StepFailure::from_connector(
            FailureKind::OrderCancel,
            &org.name,
            &subject,
            "The store",
            &e,
        )
    };
    let found = match store_claim(engine, org, &row).await? {
        StoreClaim::Unread => return wait_for_store_read(engine, order_id).await,
        StoreClaim::Held(found) => Some(found),
        StoreClaim::Open(look) => {
            match look_first(look, find_in_store(org, &row, store_error)).await? {
                Lookup::Found(found) => Some(found),
                Lookup::Absent | Lookup::NotYetSearchable(_) => None,
            }
        }
    };
    match found {
        Some(found) => {
            engine
                .store
                .call(move |conn| store::set_store_order(conn, order_id, &found.id, &found.name))
                .await?;
            match load(engine, order_id).await? {
                Some(row) => cancellations::cancel_in_store(engine, &row, settings).await,
                None => Ok(()),
            }
        }
        None => {
            change(
                engine,
                order_id,
                OrderSyncState::Cancelled,
                Some("Cancelled on TikTok before it reached the store.".into()),
            )
            .await
        }
    }
}

/// What this database knows of the store for a TikTok order it has not recorded in it.
enum StoreClaim {
    /// The store has not been read back since this process started: nothing may be created.
    Unread,
    /// The store was read back holding this order.
    Held(connector::StoreOrderRef),
    /// Not known to the store as far as this database knows; whether to look there anyway.
    Open(Look),
}

/// Waiting for the first read back of the store after a start.
const STORE_READ_REASON: &str =
    "Checking which TikTok orders the store already has before creating any (after a start).";
/// How often an order waiting for that read looks again (the read also wakes it).
const STORE_READ_RECHECK: Duration = Duration::from_secs(30);

/// Exactly once, also for a new or restored database: an order the store was read back
/// holding is recorded, not created; one created before this database knew the store (or
/// whose last create lost its answer) is looked up in the store first. New orders of a
/// database that has known the store since before they existed cost no extra call.
async fn store_claim(
    engine: &Engine,
    org: &OrgRuntime,
    row: &OrderRow,
) -> Result<StoreClaim, StepFailure> {
    if !org.store_orders_read.load(Ordering::SeqCst) {
        return Ok(StoreClaim::Unread);
    }
    let (org_id, tiktok_id) = (org.id, row.tiktok_order_id.clone());
    let (claim, known_since) = engine
        .store
        .call(move |conn| {
            Ok((
                store::store_order_claim(conn, org_id, &tiktok_id)?,
                store::store_orders_known_since(conn, org_id)?,
            ))
        })
        .await?;
    if let Some(claim) = claim {
        return Ok(StoreClaim::Held(connector::StoreOrderRef {
            id: claim.store_order_id,
            name: claim.store_order_name,
            total: None,
        }));
    }
    let history = History {
        attempted_at: row.create_attempted_at,
        created_at: row.detail.create_time,
        known_since,
    };
    Ok(StoreClaim::Open(Look::decide(
        history,
        engine.clock.now_secs(),
        SEARCH_LAG,
    )))
}

/// The store's order for this TikTok order, searched by its tag.
async fn find_in_store(
    org: &OrgRuntime,
    row: &OrderRow,
    store_error: impl Fn(connector::ConnectorError) -> StepFailure,
) -> Result<Option<connector::StoreOrderRef>, StepFailure> {
    org.store
        .find_order(&row.tiktok_order_id)
        .await
        .map_err(store_error)
}

async fn wait_for_store_read(engine: &Engine, order_id: i64) -> StepResult {
    change(
        engine,
        order_id,
        OrderSyncState::Waiting,
        Some(STORE_READ_REASON.into()),
    )
    .await?;
    engine
        .enqueue(kind::ORDER_SYNC, order_id, STORE_READ_RECHECK)
        .await
        .map_err(StepFailure::from)
}

async fn hold(engine: &Engine, row: &OrderRow, until: i64, minutes: u32) -> StepResult {
    let id = row.id;
    let at = feedbridge_common::timestamps::rfc3339_of_unix(until.max(0));
    let reason = format!(
        "Held until {at} (hold window of {minutes} min): a cancellation before then never reaches the store."
    );
    engine
        .store
        .call(move |conn| {
            store::set_hold_until(conn, id, Some(until))?;
            order_state::set(conn, id, OrderSyncState::Waiting, Some(&reason))
        })
        .await?;
    let wait = Duration::from_secs(u64::try_from(until - engine.clock.now_secs()).unwrap_or(0) + 1);
    engine
        .enqueue(kind::ORDER_SYNC, id, wait)
        .await
        .map_err(StepFailure::from)
}

/// Seller SKU -> (quantity, unit price before discounts).
fn grouped_lines(order: &RemoteOrder) -> BTreeMap<String, (u32, Decimal)> {
    store::group_lines_priced(order, |item| {
        if item.original_price > Decimal::ZERO {
            item.original_price
        } else {
            item.sale_price
        }
    })
}

async fn create_in_store(engine: &Engine, row: OrderRow, settings: &OrderSettings) -> StepResult {
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let order_id = row.id;
    let subject = format!("TikTok order {}", row.tiktok_order_id);
    if let Some(item) = row
        .detail
        .line_items
        .iter()
        .find(|i| i.seller_sku.trim().is_empty())
    {
        return Err(StepFailure::rejected(
            FailureKind::OrderCreate,
            &org.name,
            subject,
            format!(
                "SKU missing: line {} (TikTok SKU {}) has no seller SKU, so it matches no store product",
                item.id, item.sku_id
            ),
            "Give the TikTok SKU the seller SKU of its store variant (or link it), then retry.",
        ));
    }
    let lines = grouped_lines(&row.detail);
    let shop_conn = shop.connection;
    let skus: Vec<String> = lines.keys().cloned().collect();
    let store_conn = org.store_connection;
    let (variants, store_currency, rate) = engine
        .store
        .call(move |conn| {
            let variants = skus
                .iter()
                .map(|sku| Ok((sku.clone(), store::listed_variant(conn, shop_conn, sku)?)))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let store_currency = store::connection(conn, store_conn)?.and_then(|row| row.currency);
            let rate = store::shop_settings(conn, shop_conn)?.currency_rate;
            Ok((variants, store_currency, rate))
        })
        .await?;
    let conversion = match store_currency {
        Some(store_currency) if store_currency != row.detail.currency => match rate {
            Some(rate) => Some(Conversion {
                rate,
                store_currency,
            }),
            None => {
                return Err(StepFailure::rejected(
                    FailureKind::OrderCreate,
                    &org.name,
                    subject,
                    format!(
                        "the order is in {} but the store sells in {store_currency}",
                        row.detail.currency
                    ),
                    connections::currency_rate_fix(&shop.name),
                ));
            }
        },
        _ => None,
    };
    let missing: Vec<&str> = variants
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(sku, _)| sku.as_str())
        .collect();
    if !missing.is_empty() {
        let reason = format!(
            "SKU {} is not listed or linked on TikTok shop {}; list or link it and the order syncs by itself.",
            missing.join(", "),
            shop.name
        );
        return change(engine, order_id, OrderSyncState::Blocked, Some(reason)).await;
    }

    let storefront = &org.store;
    let store_error =
        |e: connector::ConnectorError| store_refusal(&org.name, &subject, &variants, &e);
    let outcome = match store_claim(engine, org, &row).await? {
        StoreClaim::Unread => return wait_for_store_read(engine, order_id).await,
        StoreClaim::Held(found) => Outcome::Found(found),
        StoreClaim::Open(look) => {
            let steps = Steps {
                find: find_in_store(org, &row, store_error),
                prepare: async {
                    Ok::<_, StepFailure>(new_store_order(
                        &row,
                        settings,
                        &shop.name,
                        &variants,
                        &lines,
                        conversion.as_ref(),
                    ))
                },
                mark_attempted: async move {
                    let mark = move |conn: &_| store::mark_create_attempted(conn, order_id);
                    Ok(engine.store.call(mark).await?)
                },
                send: |new_order: NewStoreOrder| async move {
                    storefront
                        .create_order(&new_order)
                        .await
                        .map(Sent::Created)
                        .map_err(|e| NotSent::of(e, store_error))
                },
                // A definite "no": nothing was created, so the next attempt need not search
                // for it (nor wait out the search lag, which would look like success and
                // close the failure).
                clear_attempted: async move {
                    let clear = move |conn: &_| store::clear_create_attempted(conn, order_id);
                    Ok(engine.store.call(clear).await?)
                },
            };
            create_once(look, steps).await?
        }
    };
    let (created, recovered) = match outcome {
        Outcome::Found(found) => {
            info!(store_order = %found.name, "The store already has this order; recording it.");
            (found, true)
        }
        Outcome::Created(created) => (created, false),
        Outcome::WaitForSearch(wait) => {
            // The last attempt may have created it moments ago; the search may not show it yet.
            return engine
                .enqueue(kind::ORDER_SYNC, order_id, wait)
                .await
                .map_err(StepFailure::from);
        }
    };
    let differences = differences(&row.detail, created.total, conversion.as_ref());
    engine
        .store
        .call(move |tx| {
            store::set_store_order(tx, order_id, &created.id, &created.name)?;
            for difference in &differences {
                store::order_event(tx, order_id, EventKind::OrderChanged, difference)?;
            }
            store::set_differences(tx, order_id, &differences)
        })
        .await?;
    if recovered {
        // The store may have shipped it while we did not know it was ours (its webhook and
        // poll found no order of ours then): look at its fulfilments now.
        engine
            .enqueue(kind::FULFILMENT_PUSH, order_id, Duration::ZERO)
            .await?;
    }
    // TikTok may have moved on (cancelled, shipped) while the order was being created.
    match load(engine, order_id).await? {
        Some(row) => after_creation(engine, row, settings).await,
        None => Ok(()),
    }
}

/// How TikTok's amounts of a shop in another currency become the store's.
struct Conversion {
    /// Units of the order's currency per unit of the store's.
    rate: Decimal,
    store_currency: String,
}

impl Conversion {
    fn amount(conversion: Option<&Self>, amount: Decimal) -> Decimal {
        conversion.map_or(amount, |c| {
            pricing::store_amount(amount, c.rate, &c.store_currency)
        })
    }

    /// "converted at 0.79 GBP per USD".
    fn describe(&self, order_currency: &str) -> String {
        format!(
            "converted at {} {order_currency} per {}",
            self.rate, self.store_currency
        )
    }
}

fn new_store_order(
    row: &OrderRow,
    settings: &OrderSettings,
    shop_name: &str,
    variants: &[(String, Option<String>)],
    lines: &BTreeMap<String, (u32, Decimal)>,
    conversion: Option<&Conversion>,
) -> NewStoreOrder {
    let detail = &row.detail;
    let amount = |value: Decimal| Conversion::amount(conversion, value);
    let fbt = detail.is_fbt();
    let mut tags = vec![TIKTOK_TAG.to_owned(), order_tag(&row.tiktok_order_id)];
    if fbt && !settings.fbt_tag.trim().is_empty() {
        tags.push(settings.fbt_tag.trim().to_owned());
    }
    // Rule B creates the order already shipped by TikTok: store stock stays as it is.
    let inventory = if fbt && settings.fbt_rule == FbtRule::AfterCollection {
        InventoryBehaviour::Bypass
    } else {
        settings.inventory_behaviour
    };
    let name = Some(settings.order_number_prefix.trim())
        .filter(|prefix| !prefix.is_empty())
        .map(|prefix| format!("{prefix}{}", row.tiktok_order_id));
    NewStoreOrder {
        tiktok_order_id: row.tiktok_order_id.clone(),
        name,
        currency: conversion.map_or_else(|| detail.currency.clone(), |c| c.store_currency.clone()),
        lines: variants
            .iter()
            .filter_map(|(sku, variant)| {
                let (quantity, unit_price) = lines.get(sku)?;
                Some(NewStoreOrderLine {
                    variant_id: variant.clone()?,
                    quantity: *quantity,
                    unit_price: amount(*unit_price),
                })
            })
            .collect(),
        discount: amount(discount_of(detail)),
        shipping_fee: amount(detail.shipping_fee),
        tax: amount(detail.tax),
        total: amount(detail.total),
        inventory,
        email: Some(detail.buyer_email.clone()).filter(|e| !e.is_empty()),
        address: Some(Address {
            first_name: detail.recipient.first_name.clone(),
            last_name: detail.recipient.last_name.clone(),
            address1: detail.recipient.address_line1.clone(),
            address2: detail.recipient.address_line2.clone(),
            city: detail.recipient.city.clone(),
            province: detail.recipient.state.clone(),
            zip: detail.recipient.postal_code.clone(),
            country_code: detail.recipient.region_code.clone(),
            phone: detail.recipient.phone.clone(),
        }),
        tags,
        note: format!(
            "TikTok Shop order {} (shop {shop_name}){}{}",
            row.tiktok_order_id,
            if fbt { ", fulfilled by TikTok" } else { "" },
            conversion.map_or_else(String::new, |c| format!(
                "; paid {} {}, {}",
                detail.total,
                detail.currency,
                c.describe(&detail.currency)
            )),
        ),
    }
}

/// The discount to put on the store order so its goods total matches what the buyer paid:
/// TikTok's stated discounts, or, when it states none, the gap between original and sale
/// prices.
fn discount_of(order: &RemoteOrder) -> Decimal {
    let stated = order.seller_discount + order.platform_discount;
    if stated > Decimal::ZERO {
        return stated;
    }
    order
        .line_items
        .iter()
        .filter(|i| i.original_price > i.sale_price)
        .map(|i| i.original_price - i.sale_price)
        .sum()
}

/// Sentences for where the store's figures differ from TikTok's.
fn differences(
    order: &RemoteOrder,
    store_total: Option<Decimal>,
    conversion: Option<&Conversion>,
) -> Vec<String> {
    let mut out = Vec::new();
    let expected = Conversion::amount(conversion, order.total);
    let store_currency = conversion.map_or(order.currency.as_str(), |c| &c.store_currency);
    if let Some(c) = conversion {
        out.push(format!(
            "TikTok's amounts in {} were {}: TikTok's total {} {} is {expected} {store_currency}.",
            order.currency,
            c.describe(&order.currency),
            order.total,
            order.currency
        ));
    }
    if let Some(total) = store_total
        && total != expected
    {
        out.push(format!(
            "The store's total {total} {store_currency} differs from TikTok's {expected} by {}.",
            total - expected
        ));
    }
    if order.platform_discount > Decimal::ZERO {
        out.push(format!(
            "Includes a TikTok platform discount of {} {}, which TikTok pays back to you; the store shows it as a discount.",
            order.platform_discount, order.currency
        ));
    }
    out
}

/// A store refusal in the merchant's words, naming the SKU when the store points at a line.
fn store_refusal(
    org: &str,
    subject: &str,
    lines: &[(String, Option<String>)],
    error: &connector::ConnectorError,
) -> StepFailure {
    let connector::ConnectorError::Rejected { raw, reason } = error else {
        return StepFailure::from_connector(
            FailureKind::OrderCreate,
            org,
            subject,
            "The store",
            error,
        );
    };
    // Connectors word refusals differently (Shopify's user errors in `raw`, a pre-check's
    // sentence in `reason`): look at both.
    let said = if raw.is_empty() { reason } else { raw };
    let lower = format!("{raw}\n{reason}").to_ascii_lowercase();
    let by_index = lower
        .split("lineitems.")
        .nth(1)
        .map(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap_or_default()
        })
        .and_then(|index| index.parse::<usize>().ok())
        .and_then(|index| lines.get(index));
    let by_variant = || {
        lines.iter().find(|(_, variant)| {
            variant
                .as_deref()
                .is_some_and(|v| lower.contains(&v.to_ascii_lowercase()))
        })
    };
    let line_sku = by_index.or_else(by_variant).map_or_else(
        || "in this order".to_owned(),
        |(sku, _)| format!("SKU {sku}"),
    );
    let (reason, action) = if lower.contains("variantid")
        || lower.contains("no longer exists")
        || lower.contains("invalid product id")
    {
        (
            format!("Product deleted in the store: the store variant for {line_sku} no longer exists"),
            "Restore the product in the store, or link the TikTok SKU to another store variant, then retry.".to_owned(),
        )
    } else if lower.contains("stock") || lower.contains("inventory") || lower.contains("backorder")
    {
        (
            format!("The store refused the order: {line_sku} is out of stock and may not be oversold"),
            "Restock it in the store, or set the shop's inventory behaviour to \"deduct (allow negative)\", then retry.".to_owned(),
        )
    } else if lower.contains("shippingaddress")
        || lower.contains("email")
        || lower.contains("phone")
    {
        (
            format!("A required field is missing or invalid: {}", first_line(said)),
            "Check the buyer's address on TikTok (it may still be masked); fix it or create the store order by hand, then retry.".to_owned(),
        )
    } else {
        (
            format!("The store rejected the order: {}", first_line(said)),
            "Fix what the store names, then retry.".to_owned(),
        )
    };
    StepFailure {
        raw: Some(said.clone()),
        ..StepFailure::rejected(FailureKind::OrderCreate, org, subject, reason, action)
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// The order is in the store: carry TikTok's later news across.
async fn after_creation(engine: &Engine, row: OrderRow, settings: &OrderSettings) -> StepResult {
    if row.sync_state == OrderSyncState::Cancelled {
        return Ok(());
    }
    if row.detail.is_cancelled() {
        return cancellations::cancel_in_store(engine, &row, settings).await;
    }
    if row.detail.is_buyer_request_cancel && !row.reflected.iter().any(|s| s == "CANCEL_REQUESTED")
    {
        let id = row.id;
        engine
            .store
            .call(move |conn| {
                store::add_reflected_status(conn, id, "CANCEL_REQUESTED")?;
                store::order_event(
                    conn,
                    id,
                    EventKind::OrderChanged,
                    "The buyer asked TikTok to cancel; approve or reject it in Seller Center (cancelling the store order approves it).",
                )
            })
            .await?;
    }
    if let OrderStatus::Unknown(status) = &row.detail.status {
        // The store order stands; a status this version cannot act on is said once, on the
        // order's timeline and in the log, rather than passed over.
        let marker = format!("UNKNOWN:{status}");
        if !row.reflected.contains(&marker) {
            warn!(tiktok_order = %row.tiktok_order_id, %status, "TikTok status this version does not handle; the store order was left as it is.");
            let (id, message) = (
                row.id,
                format!(
                    "TikTok reported status {status}, which this version does not handle; the store order was left as it is."
                ),
            );
            engine
                .store
                .call(move |conn| {
                    store::add_reflected_status(conn, id, &marker)?;
                    store::order_event(conn, id, EventKind::Failed, &message)
                })
                .await?;
        }
    }
    if shipping::tiktok_ships(&row.detail) {
        return shipping::pull_tiktok_shipments(engine, &row).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::RemoteLineItem;

    fn order(lines: &[(&str, &str, &str)]) -> RemoteOrder {
        RemoteOrder {
            create_time: 1_000,
            paid_time: 1_060,
            total: Decimal::new(3598, 2),
            line_items: lines
                .iter()
                .enumerate()
                .map(|(i, (sku, original, sale))| RemoteLineItem {
                    original_price: original.parse().unwrap_or_default(),
                    sale_price: sale.parse().unwrap_or_default(),
                    ..RemoteLineItem::sample(&format!("l{i}"), sku)
                })
                .collect(),
            ..RemoteOrder::sample("1")
        }
    }

    #[test]
    fn units_group_by_sku_at_the_price_before_discounts() {
        let o = order(&[
            ("A", "19.99", "17.99"),
            ("A", "19.99", "17.99"),
            ("B", "5", "5"),
        ]);
        let lines = grouped_lines(&o);
        assert_eq!(lines["A"], (2, Decimal::new(1999, 2)));
        assert_eq!(lines["B"], (1, Decimal::new(5, 0)));
        // No stated discount: the gap between original and sale prices becomes the discount.
        assert_eq!(discount_of(&o), Decimal::new(400, 2));
    }

    #[test]
    fn stated_discounts_win_and_differences_are_sentences() {
        let mut o = order(&[("A", "19.99", "17.99")]);
        o.seller_discount = Decimal::new(100, 2);
        o.platform_discount = Decimal::new(100, 2);
        assert_eq!(discount_of(&o), Decimal::new(200, 2));
        let found = differences(&o, Some(Decimal::new(3599, 2)), None);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].contains("differs from TikTok's 35.98 by 0.01"),
            "{found:?}"
        );
        assert!(differences(&order(&[]), Some(Decimal::new(3598, 2)), None).is_empty());
    }

    #[test]
    fn store_refusals_name_the_sku_and_the_fix() {
        let skus = vec![
            ("A".to_owned(), Some("794/795".to_owned())),
            ("B".to_owned(), Some("800".to_owned())),
        ];
        let gone = connector::ConnectorError::Rejected {
            reason: "x".into(),
            raw: "order.lineItems.1.variantId: Variant does not exist".into(),
        };
        let failure = store_refusal("acme", "TikTok order 1", &skus, &gone);
        assert!(
            failure.reason.contains("Product deleted") && failure.reason.contains("SKU B"),
            "{}",
            failure.reason
        );
        assert_eq!(
            failure.raw.as_deref(),
            Some("order.lineItems.1.variantId: Variant does not exist")
        );
        let stock = connector::ConnectorError::Rejected {
            reason: "x".into(),
            raw: "order.lineItems.0: Not enough inventory for variant".into(),
        };
        let failure = store_refusal("acme", "TikTok order 1", &skus, &stock);
        assert!(
            failure.reason.contains("SKU A is out of stock"),
            "{}",
            failure.reason
        );
        let address = connector::ConnectorError::Rejected {
            reason: "x".into(),
            raw: "order.shippingAddress.zip: Zip is invalid".into(),
        };
        assert!(
            store_refusal("acme", "s", &skus, &address)
                .reason
                .starts_with("A required field")
        );
        // A connector's own pre-check says it in `reason`, naming the variant.
        let checked = connector::ConnectorError::Rejected {
            reason: "WooCommerce product 794/795 of TikTok order 1 no longer exists".into(),
            raw: String::new(),
        };
        let failure = store_refusal("acme", "s", &skus, &checked);
        assert!(
            failure.reason.contains("Product deleted") && failure.reason.contains("SKU A"),
            "{}",
            failure.reason
        );
        assert!(
            failure
                .raw
                .as_deref()
                .is_some_and(|r| r.contains("no longer exists"))
        );
        let expired = connector::ConnectorError::Unauthorized {
            reason: "Invalid API key or access token".into(),
            raw: String::new(),
        };
        assert!(
            store_refusal("acme", "s", &skus, &expired)
                .reason
                .contains("no longer accepts")
        );
    }
}
