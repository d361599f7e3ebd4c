//! Webhook endpoints. Each delivery is verified against the raw bytes, de-duplicated (by its
//! delivery id, or for WooCommerce, whose delivery ids repeat, by resource and modification
//! time), turned into jobs, and answered 200 at once.
//!
//! A delivery is acknowledged only once its work is recorded: the work is queued first (every
//! piece of it idempotent), then the delivery id; if either write fails, or storage is
//! already refusing writes, the answer is 503 and the platform sends it again, which is then
//! not taken for a duplicate.

use super::tiktok_notices;
use crate::connector::store_platform::{
    StoreSignal, WebhookReading, WebhookRefusal, connector_for, header, id_field,
};
use crate::connector::tiktok;
use crate::store;
use crate::sync::{Engine, OrgRuntime, kind};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use feedbridge_common::config::StorePlatform;
use feedbridge_common::secret::Secret;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tracing::{debug, warn};

/// Stock changes arriving in a burst are read once, a moment later.
const CATALOG_SETTLE: Duration = Duration::from_millis(500);
/// Stock and price changes to one listing within this window become one TikTok call.
const STOCK_SETTLE: Duration = Duration::from_millis(300);

/// One stock level a signed delivery states: recorded, and the listings it feeds pushed.
async fn stock_level_changed(
    app: &WebhookApp,
    org_id: i64,
    item: String,
    location: &str,
    available: i64,
    updated_at: String,
) -> Result<(), store::StoreError> {
    let location = crate::pricing::location_key(location);
    let whole_stock = app.engine.org(org_id).is_some_and(|org| {
        org.single_stock_location
            .load(std::sync::atomic::Ordering::Relaxed)
    });
    // The level and the pushes it needs are recorded together: a redelivery of the same level
    // may find nothing changed and queue nothing.
    let push_at =
        app.engine.clock.now_millis() + i64::try_from(STOCK_SETTLE.as_millis()).unwrap_or(0);
    app.engine
        .store
        .call(move |tx| {
            let listings = store::record_stock_level(
                tx,
                org_id,
                &item,
                &location,
                available,
                &updated_at,
                whole_stock,
            )?;
            for listing in listings {
                store::enqueue(
                    tx,
                    kind::PUSH_STOCK,
                    &listing.to_string(),
                    push_at,
                    kind::priority(kind::PUSH_STOCK),
                )?;
            }
            Ok(())
        })
        .await?;
    app.engine.job_queued.notify_waiters();
    Ok(())
}

#[cfg(test)]
mod proptests;

#[derive(Clone)]
pub struct WebhookApp {
    pub engine: Arc<Engine>,
    pub tiktok_app_key: String,
    pub tiktok_app_secret: Secret,
}

pub fn router(app: WebhookApp) -> Router {
    Router::new()
        .route("/webhooks/tiktok", post(tiktok_webhook))
        .route("/webhooks/{platform}/{org}", post(store_webhook))
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            refuse_while_degraded,
        ))
        .route_layer(axum::middleware::from_fn(count_delivery))
        .route("/oauth/tiktok/callback", get(super::oauth::tiktok_callback))
        .with_state(app)
}

type Reply = (StatusCode, &'static str);

#[derive(Deserialize)]
struct TikTokEnvelope {
    #[serde(rename = "type")]
    kind: i64,
    tts_notification_id: String,
    shop_id: String,
    #[serde(default)]
    data: serde_json::Value,
}

/// `Some(reply)` when a delivery must not be handled again (a duplicate) or cannot be
/// checked now (the platform is asked to resend). The delivery is recorded by [`acknowledge`]
/// once its work is.
async fn already_handled(app: &WebhookApp, platform: &'static str, key: String) -> Option<Reply> {
    match app
        .engine
        .store
        .call(move |conn| store::delivery_seen(conn, platform, &key))
        .await
    {
        Ok(false) => None,
        Ok(true) => Some((StatusCode::OK, "duplicate")),
        Err(error) => {
            warn!(%error, platform, "Could not check a webhook; asking for it again.");
            Some(TRY_AGAIN)
        }
    }
}

const TRY_AGAIN: Reply = (StatusCode::SERVICE_UNAVAILABLE, "try again");

/// Answer a delivery whose work was `queued`: 200 once the work and then the delivery id are
/// recorded, else 503 so that the platform sends it again.
async fn acknowledge(
    app: &WebhookApp,
    platform: &'static str,
    key: Option<String>,
    queued: Result<(), store::StoreError>,
) -> Reply {
    if let Err(error) = queued {
        warn!(%error, platform, "Could not queue the work of a webhook; asking for it again.");
        return TRY_AGAIN;
    }
    let Some(key) = key else {
        return (StatusCode::OK, "ok");
    };
    match app
        .engine
        .store
        .call(move |conn| store::first_delivery(conn, platform, &key))
        .await
    {
        // A concurrent copy may have recorded it first; the work is queued either way.
        Ok(_) => (StatusCode::OK, "ok"),
        Err(error) => {
            warn!(%error, platform, "Could not record a webhook; asking for it again.");
            TRY_AGAIN
        }
    }
}

/// While storage refuses writes nothing a delivery asks for can be recorded: 503 at once,
/// before any work (platforms send it again later).
async fn refuse_while_degraded(
    State(app): State<WebhookApp>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if let Some(degraded) = app.engine.store.degraded() {
        debug!(reason = %degraded.reason, "Webhook refused while storage is degraded.");
        return TRY_AGAIN.into_response();
    }
    next.run(request).await
}

/// Count every delivery and how it was answered (metrics), refusals while degraded included.
async fn count_delivery(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let source = delivery_source(request.uri().path());
    let response = next.run(request).await;
    crate::metrics::live().webhook(source, response.status().as_u16());
    response
}

/// Who a delivery to `path` comes from, as a metrics label: "tiktok", a store platform's
/// name, or "unknown" (never the organization: labels stay few and carry no names).
fn delivery_source(path: &str) -> &'static str {
    let mut parts = path.trim_start_matches('/').split('/').skip(1);
    match parts.next() {
        Some("tiktok") => "tiktok",
        Some(platform) => StorePlatform::from_name(platform).map_or("unknown", |p| p.as_str()),
        None => "unknown",
    }
}

/// A TikTok webhook that names no id where its type always carries one: logged, and the
/// polls cover whatever it was about.
fn missing_id(platform: &str, topic: &str, field: &str) -> Result<(), store::StoreError> {
    warn!(
        platform,
        topic, field, "Webhook without the id its topic carries; the next poll covers it."
    );
    Ok(())
}

/// Queue `job` for the order row of one of our store orders; other orders are not ours.
async fn queue_for_store_order(
    app: &WebhookApp,
    store_order_id: String,
    job: &'static str,
) -> Result<(), store::StoreError> {
    let store_order = store_order_id.clone();
    match app
        .engine
        .store
        .call(move |conn| store::order_by_store_id(conn, &store_order))
        .await?
    {
        Some(row) => app.engine.enqueue(job, row.id, Duration::ZERO).await,
        None => {
            debug!(%store_order_id, job, "Store webhook about an order feedbridge did not create; nothing to do.");
            Ok(())
        }
    }
}

async fn tiktok_webhook(State(app): State<WebhookApp>, headers: HeaderMap, body: Bytes) -> Reply {
    let signature = header(&headers, "authorization").unwrap_or_default();
    if !tiktok::verify_webhook(
        &app.tiktok_app_key,
        app.tiktok_app_secret.expose(),
        &body,
        signature,
    ) {
        warn!("Rejected a TikTok webhook with a bad signature.");
        return (StatusCode::UNAUTHORIZED, "bad signature");
    }
    let Ok(envelope) = serde_json::from_slice::<TikTokEnvelope>(&body) else {
        warn!("Rejected a malformed TikTok webhook.");
        return (StatusCode::BAD_REQUEST, "malformed body");
    };
    let Some(shop) = app.engine.shop_by_tiktok_id(&envelope.shop_id).cloned() else {
        debug!(shop_id = %envelope.shop_id, "Webhook for a shop we do not serve.");
        return (StatusCode::OK, "ignored");
    };
    if let Some(reply) = already_handled(&app, "tiktok", envelope.tts_notification_id.clone()).await
    {
        return reply;
    }
    let queued = match envelope.kind {
        // ORDER_STATUS_CHANGE, CANCELLATION_STATUS_CHANGE: re-read the order.
        // Queued per shop so one call reads up to 50 of them.
        1 | 11 => match id_field(&envelope.data, "order_id") {
            Some(order) => {
                let connection = shop.connection;
                match app
                    .engine
                    .store
                    .call(move |conn| store::queue_order_fetch(conn, connection, &order))
                    .await
                {
                    Ok(()) => {
                        app.engine
                            .enqueue(kind::ORDER_FETCH, connection, Duration::ZERO)
                            .await
                    }
                    Err(error) => Err(error),
                }
            }
            None => missing_id("tiktok", "ORDER_STATUS_CHANGE", "order_id"),
        },
        // RETURN_STATUS_CHANGE: re-read the order's return and refund requests.
        12 => match id_field(&envelope.data, "order_id") {
            Some(order) => {
                let connection = shop.connection;
                match app
                    .engine
                    .store
                    .call(move |conn| store::order_by_tiktok_id(conn, connection, &order))
                    .await
                {
                    Ok(Some(row)) => {
                        app.engine
                            .enqueue(kind::RETURNS_READ, row.id, Duration::ZERO)
                            .await
                    }
                    Ok(None) => {
                        debug!(shop = %shop.name, "TikTok return webhook about an order feedbridge does not hold.");
                        Ok(())
                    }
                    Err(error) => Err(error),
                }
            }
            None => missing_id("tiktok", "RETURN_STATUS_CHANGE", "order_id"),
        },
        // PRODUCT_STATUS_CHANGE, PRODUCT_AUDIT_STATUS_CHANGE: re-read the product.
        5 | 37 => match id_field(&envelope.data, "product_id") {
            Some(product) => {
                let connection = shop.connection;
                match app
                    .engine
                    .store
                    .call(move |conn| store::listing_by_tiktok_product(conn, connection, &product))
                    .await
                {
                    Ok(Some(listing)) => {
                        app.engine
                            .enqueue(kind::REVIEW_CHECK, listing, Duration::ZERO)
                            .await
                    }
                    Ok(None) => {
                        debug!(shop = %shop.name, "TikTok product webhook about a product feedbridge does not list.");
                        Ok(())
                    }
                    Err(error) => Err(error),
                }
            }
            None => missing_id("tiktok", "PRODUCT_STATUS_CHANGE", "product_id"),
        },
        // PACKAGE_UPDATE: re-read the orders of each package, batched like type 1.
        4 => {
            let orders = tiktok_notices::package_orders(&envelope.data);
            tiktok_notices::queue_order_reads(&app.engine, shop.connection, orders).await
        }
        // SELLER_DEAUTHORIZATION: the grant is gone; the shop waits for its owner.
        6 => {
            shop.tokens.seller_deauthorized().await;
            Ok(())
        }
        // UPCOMING_AUTHORIZATION_EXPIRATION: the date and the fix, on the connection.
        7 => tiktok_notices::authorization_expiring(&app.engine, &shop, &envelope.data).await,
        // TikTok expects 200 for types we do not act on.
        other => {
            debug!(event_type = other, shop = %shop.name, "TikTok webhook of a type feedbridge does not act on.");
            Ok(())
        }
    };
    acknowledge(&app, "tiktok", Some(envelope.tts_notification_id), queued).await
}

/// A store platform's delivery: the organization's own reader verifies and reads it into
/// signals, which are the same for every platform.
async fn store_webhook(
    State(app): State<WebhookApp>,
    Path((platform, org)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let Some(platform) = StorePlatform::from_name(&platform) else {
        return (StatusCode::NOT_FOUND, "unknown platform");
    };
    let refused = (StatusCode::UNAUTHORIZED, connector_for(platform).refusal());
    let Some(runtime) = app
        .engine
        .orgs
        .iter()
        .find(|o| o.name == org && o.platform == platform)
        .cloned()
    else {
        debug!(%platform, "Store webhook for an organization we do not serve; answered as a bad signature.");
        return refused;
    };
    let (delivery, topic, signals) = match runtime.webhooks.read(&headers, &body) {
        Ok(WebhookReading::Ping) => return (StatusCode::OK, "pong"),
        Ok(WebhookReading::Signals {
            delivery,
            topic,
            signals,
        }) => (delivery, topic, signals),
        Err(WebhookRefusal::BadSignature) => {
            warn!(org = %org, %platform, "Rejected a store webhook with a bad signature.");
            return refused;
        }
        Err(WebhookRefusal::Malformed(why)) => {
            warn!(org = %org, %platform, %why, "Rejected a malformed store webhook.");
            return (StatusCode::BAD_REQUEST, "malformed body");
        }
    };
    // Delivery ids are the platform's; two organizations may share a platform account.
    let delivery = delivery.map(|d| format!("{}:{d}", runtime.id));
    if let Some(key) = delivery.clone()
        && let Some(reply) = already_handled(&app, platform.as_str(), key).await
    {
        return reply;
    }
    if signals.is_empty() {
        debug!(%platform, topic, "Store webhook feedbridge does not act on.");
    }
    let mut queued = Ok(());
    for signal in signals {
        queued = act_on(&app, &runtime, signal).await;
        if queued.is_err() {
            break;
        }
    }
    acknowledge(&app, platform.as_str(), delivery, queued).await
}

async fn act_on(
    app: &WebhookApp,
    org: &OrgRuntime,
    signal: StoreSignal,
) -> Result<(), store::StoreError> {
    match signal {
        StoreSignal::StockLevel {
            inventory_item_id,
            location_id,
            available,
            updated_at,
        } => {
            stock_level_changed(
                app,
                org.id,
                inventory_item_id,
                &location_id,
                available,
                updated_at,
            )
            .await
        }
        StoreSignal::ProductChanged { product_id } => {
            app.engine
                .enqueue(
                    kind::STORE_PRODUCT_REFRESH,
                    format!("{}:{product_id}", org.id),
                    STOCK_SETTLE,
                )
                .await
        }
        StoreSignal::CatalogChanged => {
            app.engine
                .enqueue(kind::CATALOG_IMPORT, org.id, CATALOG_SETTLE)
                .await
        }
        StoreSignal::OrderCancelled { store_order_id } => {
            queue_for_store_order(app, store_order_id, kind::STORE_CANCEL).await
        }
        StoreSignal::OrderShipped { store_order_id } => {
            queue_for_store_order(app, store_order_id, kind::FULFILMENT_PUSH).await
        }
        StoreSignal::OrderChanged { store_order_id } => {
            app.engine
                .enqueue(
                    kind::STORE_ORDER_REFRESH,
                    format!("{}:{store_order_id}", org.id),
                    STOCK_SETTLE,
                )
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::delivery_source;

    #[test]
    fn deliveries_are_labelled_by_platform_never_by_organization() {
        assert_eq!(delivery_source("/webhooks/tiktok"), "tiktok");
        assert_eq!(delivery_source("/webhooks/shopify/acme"), "shopify");
        assert_eq!(delivery_source("/webhooks/magento/acme"), "magento");
        assert_eq!(delivery_source("/webhooks/nosuch/acme"), "unknown");
    }
}
