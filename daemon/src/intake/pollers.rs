//! Periodic polls: always on, so a lost webhook only delays a change, never drops it.

use crate::store;
use crate::sync::{Engine, OrgRuntime, ShopRuntime, kind};
use feedbridge_common::ConnectionState;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

/// Polls re-read a little before their cursor: platforms stamp updates with second precision
/// and may commit them late.
const CURSOR_OVERLAP_SECS: i64 = 60;
/// How far back the first poll of a new connection looks.
const FIRST_POLL_LOOKBACK_SECS: i64 = 24 * 3600;

pub async fn run_pollers(engine: Arc<Engine>, stop: CancellationToken) {
    let mut tasks = tokio::task::JoinSet::new();
    for org in &engine.orgs {
        if let Err(error) = engine.enqueue(kind::CONNECT, org.id, Duration::ZERO).await {
            warn!(%error, org = %org.name, "Could not queue the connection check.");
        }
        let every = |secs: u64| Duration::from_secs(secs);
        let (e, o, s) = (Arc::clone(&engine), Arc::clone(org), stop.clone());
        tasks.spawn(every_tick(
            every(engine.settings.catalog_poll_secs),
            s,
            move || {
                let (e, o) = (Arc::clone(&e), Arc::clone(&o));
                // The connection check imports the catalog itself once it has passed.
                async move {
                    enqueue_if_connected(&e, o.store_connection, kind::CATALOG_IMPORT, o.id).await
                }
            },
        ));
        let (e, o, s) = (Arc::clone(&engine), Arc::clone(org), stop.clone());
        tasks.spawn(every_tick(
            every(engine.settings.fulfilment_poll_secs),
            s,
            move || {
                let (e, o) = (Arc::clone(&e), Arc::clone(&o));
                async move { poll_store_orders(&e, &o).await }
            },
        ));
        if let (Some(amazon), Some(_)) = (&org.amazon, &org.fulfiller) {
            // FBA stock at start and then periodically: routing reads it.
            let (e, o, s) = (Arc::clone(&engine), Arc::clone(org), stop.clone());
            tasks.spawn(every_tick(every(amazon.fba_refresh_secs), s, move || {
                let (e, o) = (Arc::clone(&e), Arc::clone(&o));
                async move {
                    e.enqueue(kind::FBA_REFRESH, o.id, Duration::ZERO)
                        .await
                        .map_err(|x| x.to_string())
                }
            }));
            let (e, o, s) = (Arc::clone(&engine), Arc::clone(org), stop.clone());
            tasks.spawn(every_tick(every(amazon.mcf_poll_secs), s, move || {
                let (e, o) = (Arc::clone(&e), Arc::clone(&o));
                async move {
                    let org_id = o.id;
                    let open = e
                        .store
                        .call(move |conn| store::open_mcf_orders(conn, org_id))
                        .await
                        .map_err(|x| x.to_string())?;
                    e.enqueue_many(kind::MCF_FOLLOW, open, Duration::ZERO)
                        .await
                        .map_err(|x| x.to_string())
                }
            }));
        }
        for shop in &org.shops {
            // Stock and price reconciliation: the safety net behind webhooks and pushes.
            let (e, sh, s) = (Arc::clone(&engine), Arc::clone(shop), stop.clone());
            tasks.spawn(every_tick(
                every(engine.settings.stock_reconcile_secs),
                s,
                move || {
                    let (e, sh) = (Arc::clone(&e), Arc::clone(&sh));
                    async move {
                        enqueue_if_connected(
                            &e,
                            sh.connection,
                            kind::RECONCILE_STOCK,
                            sh.connection,
                        )
                        .await
                    }
                },
            ));
            let (e, sh, s) = (Arc::clone(&engine), Arc::clone(shop), stop.clone());
            tasks.spawn(every_tick(
                every(engine.settings.order_poll_secs),
                s,
                move || {
                    let (e, sh) = (Arc::clone(&e), Arc::clone(&sh));
                    async move { poll_tiktok_orders(&e, &sh).await }
                },
            ));
        }
    }
    let (e, s) = (Arc::clone(&engine), stop.clone());
    tasks.spawn(every_tick(
        Duration::from_secs(engine.settings.review_poll_secs),
        s,
        move || {
            let e = Arc::clone(&e);
            async move {
                let listings = e
                    .store
                    .call(store::listings_under_review)
                    .await
                    .map_err(|x| x.to_string())?;
                e.enqueue_many(kind::REVIEW_CHECK, listings, Duration::ZERO)
                    .await
                    .map_err(|x| x.to_string())
            }
        },
    ));
    while tasks.join_next().await.is_some() {}
}

async fn every_tick<F, Fut>(period: Duration, stop: CancellationToken, mut tick: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = interval.tick() => {}
        }
        if let Err(error) = tick().await {
            warn!(%error, "A poll failed; the next one will try again.");
        }
    }
}

/// Queue `job_kind` for `subject` now, unless the connection is not (yet) usable.
async fn enqueue_if_connected(
    engine: &Engine,
    connection: i64,
    job_kind: &str,
    subject: i64,
) -> Result<(), String> {
    if !connected(engine, connection).await {
        return Ok(());
    }
    engine
        .enqueue(job_kind, subject, Duration::ZERO)
        .await
        .map_err(|e| e.to_string())
}

async fn connected(engine: &Engine, connection: i64) -> bool {
    matches!(
        engine.store.call(move |conn| store::connection(conn, connection)).await,
        Ok(Some(row)) if row.state == ConnectionState::Connected
    )
}

/// TikTok orders updated since the stored cursor: record each and queue its sync.
async fn poll_tiktok_orders(engine: &Engine, shop: &ShopRuntime) -> Result<(), String> {
    if !connected(engine, shop.connection).await {
        return Ok(());
    }
    let name = format!("tiktok_orders:{}", shop.connection);
    let key = name.clone();
    let stored = engine
        .store
        .call(move |conn| store::cursor(conn, &key))
        .await
        .map_err(|e| e.to_string())?;
    let since = stored.and_then(|v| v.parse::<i64>().ok()).map_or_else(
        || store::now_secs() - FIRST_POLL_LOOKBACK_SECS,
        |t| t - CURSOR_OVERLAP_SECS,
    );
    let mut newest = since;
    let mut cursor = None;
    loop {
        let page = shop
            .client
            .orders_updated_since(since, cursor.take())
            .await
            .map_err(|e| e.to_string())?;
        let connection = shop.connection;
        newest = page
            .items
            .iter()
            .map(|o| o.update_time)
            .fold(newest, i64::max);
        let orders = page.items;
        let rows = engine
            .store
            .transaction(move |tx| {
                orders
                    .iter()
                    .map(|order| store::upsert_order(tx, connection, order))
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .await
            .map_err(|e| e.to_string())?;
        engine
            .enqueue_many(kind::ORDER_SYNC, rows, Duration::ZERO)
            .await
            .map_err(|e| e.to_string())?;
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let value = newest.to_string();
    engine
        .store
        .call(move |conn| store::set_cursor(conn, &name, &value))
        .await
        .map_err(|e| e.to_string())
}

/// Store orders of ours that changed: queue a tracking push for each.
async fn poll_store_orders(engine: &Engine, org: &OrgRuntime) -> Result<(), String> {
    if !connected(engine, org.store_connection).await {
        return Ok(());
    }
    let name = format!("store_orders:{}", org.id);
    let key = name.clone();
    let stored = engine
        .store
        .call(move |conn| store::cursor(conn, &key))
        .await
        .map_err(|e| e.to_string())?;
    let since = stored.unwrap_or_else(|| {
        let start = SystemTime::now()
            - Duration::from_secs(u64::try_from(FIRST_POLL_LOOKBACK_SECS).unwrap_or(0));
        humantime::format_rfc3339_seconds(start).to_string()
    });
    let mut newest = since.clone();
    let mut cursor = None;
    loop {
        let page = org
            .store
            .orders_updated_since(&since, cursor.take())
            .await
            .map_err(|e| e.to_string())?;
        for update in page.items {
            if update.updated_at > newest {
                newest.clone_from(&update.updated_at);
            }
            if update.cancelled {
                let id = update.id.clone();
                let row = engine
                    .store
                    .call(move |conn| store::order_by_store_id(conn, &id))
                    .await
                    .map_err(|e| e.to_string())?;
                if let Some(row) = row.filter(|r| {
                    r.sync_state != feedbridge_common::OrderSyncState::Cancelled
                        && !r.store_cancelled
                }) {
                    engine
                        .enqueue(kind::STORE_CANCEL, row.id, Duration::ZERO)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                continue;
            }
            if update
                .fulfilments
                .iter()
                .all(|f| f.tracking_number.is_none())
            {
                continue;
            }
            let id = update.id.clone();
            let shipped: Vec<String> = update
                .fulfilments
                .iter()
                .filter(|f| f.tracking_number.is_some())
                .map(|f| f.id.clone())
                .collect();
            let (org_id, tiktok_id) = (org.id, update.tiktok_order_id.clone());
            let pending = engine
                .store
                .call(move |conn| {
                    let Some(row) = store::order_by_store_id(conn, &id)? else {
                        // Shipped before we recorded the store order (we were creating it, or
                        // killed right after): the push waits for the record, then runs.
                        return match tiktok_id {
                            Some(tiktok_id) => store::order_being_created(conn, org_id, &tiktok_id),
                            None => Ok(None),
                        };
                    };
                    // Refused before and waiting for the merchant: a poll (which also sees
                    // orders updated in the cursor's last second again) does not repeat it;
                    // a retry or a changed fulfilment's webhook does.
                    if store::has_open_failure(conn, kind::FULFILMENT_PUSH, &row.id.to_string())? {
                        return Ok(None);
                    }
                    for fulfilment in &shipped {
                        if !store::shipment_pushed(conn, row.id, fulfilment)? {
                            return Ok(Some(row.id));
                        }
                    }
                    Ok(None)
                })
                .await
                .map_err(|e| e.to_string())?;
            if let Some(order) = pending {
                engine
                    .enqueue(kind::FULFILMENT_PUSH, order, Duration::ZERO)
                    .await
                    .map_err(|e| e.to_string())?;
            } else {
                debug!(store_order = %update.id, "Nothing new to send for this store order.");
            }
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    engine
        .store
        .call(move |conn| store::set_cursor(conn, &name, &newest))
        .await
        .map_err(|e| e.to_string())
}
