//! Periodic polls: always on, so a lost webhook only delays a change, never drops it.

use crate::store;
use crate::sync::{CURSOR_OVERLAP_SECS, Engine, FIRST_READ_LOOKBACK_SECS, ShopRuntime, kind};
use feedbridge_common::ConnectionState;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::warn;

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
                async move {
                    enqueue_if_connected(&e, o.store_connection, kind::STORE_ORDERS_READ, o.id)
                        .await
                }
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
            // Return and refund requests: the safety net behind RETURN_STATUS_CHANGE.
            let (e, sh, s) = (Arc::clone(&engine), Arc::clone(shop), stop.clone());
            tasks.spawn(every_tick(
                every(engine.settings.order_poll_secs),
                s,
                move || {
                    let (e, sh) = (Arc::clone(&e), Arc::clone(&sh));
                    async move {
                        enqueue_if_connected(&e, sh.connection, kind::RETURNS_POLL, sh.connection)
                            .await
                    }
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
        || engine.clock.now_secs() - FIRST_READ_LOOKBACK_SECS,
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
            .call(move |tx| {
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
        .map_err(|e| e.to_string())?;
    crate::metrics::live().poll_succeeded(
        &shop.name,
        crate::connector::http::Platform::TikTok,
        engine.clock.now_secs(),
    );
    Ok(())
}
