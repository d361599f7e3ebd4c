//! Connection checks: store and TikTok shops reachable and authorized, currencies, regions,
//! warehouses, category trees, webhook subscriptions. Also the TikTok token life cycle:
//! refresh ahead of expiry, waiting for reauthorization without losing work, authorization.

use super::{Engine, ShopRuntime, StepFailure, StepResult, kind, onboarding};
use crate::connector::store_platform::ChangeFeed;
use crate::connector::tiktok::auth::{TokenPair, TokenSink};
use crate::connector::{self, TikTokShop, tiktok::currency_for_region};
use crate::store::{
    self, ConnectionFacts, NewFailure, ShopJobKinds, Store, StoredTokens, TokenSource,
};
use async_trait::async_trait;
use feedbridge_common::catalog::{AuthorizationStart, ConnectionCheck, ConnectionTest};
use feedbridge_common::regions;
use feedbridge_common::{ConnectionState, FailureKind};
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};

/// Refresh the access token when less than this is left of it.
const REFRESH_MARGIN: Duration = Duration::from_secs(24 * 3600);
/// How often a shop's token expiry is looked at.
const TOKEN_CHECK_EVERY: Duration = Duration::from_secs(3600);
/// How long an authorization link (its `state`) can be used.
const AUTHORIZATION_TTL_SECS: i64 = 15 * 60;

/// The jobs that work for one TikTok shop: held while it waits for reauthorization, resumed
/// at once after. A new kind of per-shop job belongs here.
const SHOP_JOB_KINDS: ShopJobKinds<'static> = ShopJobKinds {
    by_listing: &[kind::LIST_PRODUCT, kind::REVIEW_CHECK, kind::PUSH_STOCK],
    by_order: &[kind::ORDER_SYNC, kind::FULFILMENT_PUSH],
    by_shop: &[
        kind::ORDER_FETCH,
        kind::TOKEN_REFRESH,
        kind::RECONCILE_STOCK,
    ],
};

pub(super) fn authorize_command(shop: &str) -> String {
    format!("feedbridge authorize {shop}")
}

/// Why a shop selling in `shop_currency` cannot sync from a store selling in
/// `store_currency`, if it cannot: another currency and no currency rate set for the shop.
pub fn currency_block(
    shop: &str,
    shop_currency: &str,
    store_currency: &str,
    rate: Option<Decimal>,
) -> Option<String> {
    (shop_currency != store_currency && rate.is_none()).then(|| {
        format!(
            "TikTok shop {shop} sells in {shop_currency} but the store sells in {store_currency}; set the shop's currency rate ({shop_currency} per {store_currency}) with `feedbridge settings {shop} set currency-rate RATE`, or connect a shop that sells in {store_currency}"
        )
    })
}

/// The fix for a listing held back by [`currency_block`].
pub fn currency_rate_fix(shop: &str) -> String {
    format!(
        "Set the shop's currency rate with `feedbridge settings {shop} set currency-rate RATE` (units of the shop's currency per unit of the store's); the shop reconnects by itself."
    )
}

/// The currency rate set for a shop, if any.
pub async fn currency_rate(store: &store::Store, connection: i64) -> Option<Decimal> {
    store
        .read(move |conn| store::shop_settings(conn, connection))
        .await
        .ok()
        .and_then(|settings| settings.currency_rate)
}

/// Check every connection of an organization, learn currencies, regions and warehouses, cache
/// category trees, subscribe webhooks, then read the catalog.
pub async fn connect(engine: &Engine, org_id: i64) -> StepResult {
    let Some(org) = engine.org(org_id).cloned() else {
        return Ok(());
    };
    let store_conn = org.store_connection;
    let info = match org.store.info().await {
        Ok(info) => info,
        Err(error) => {
            let failure = StepFailure::from_connector(
                FailureKind::Connection,
                &org.name,
                "store connection",
                "The store",
                &error,
            );
            let state = if matches!(error, connector::ConnectorError::Unauthorized { .. }) {
                ConnectionState::NeedsReauthorization
            } else {
                ConnectionState::Error
            };
            let detail = failure.reason.clone();
            engine
                .store
                .call(move |conn| {
                    store::set_connection_state(
                        conn,
                        store_conn,
                        state,
                        Some(&detail),
                        &ConnectionFacts::default(),
                    )
                })
                .await?;
            return Err(failure);
        }
    };
    let currency = info.currency.clone();
    org.single_stock_location.store(
        info.stock_locations == Some(1),
        std::sync::atomic::Ordering::Relaxed,
    );
    let facts = LearntFacts {
        currency: Some(currency),
        ..Default::default()
    };
    record_state(engine, store_conn, ConnectionState::Connected, None, facts).await?;
    // Before anything is created in it: what the store already holds for TikTok orders.
    engine
        .enqueue(kind::STORE_ORDERS_READ, org_id, Duration::ZERO)
        .await?;

    let mut shop_failure = None;
    for shop in &org.shops {
        let connection = shop.connection;
        if let Some(reason) = shop.tokens.waiting() {
            // Nothing to check until the owner authorizes again; keep saying what to do.
            record_reauthorization_needed(
                &engine.store,
                connection,
                &org.name,
                &shop.name,
                &reason,
            )
            .await;
            continue;
        }
        let rate = currency_rate(&engine.store, connection).await;
        if rate.is_some() {
            // A rate set since the last check: the check decides again whether the shop syncs.
            shop.tokens.set_blocked(None);
        }
        let outcome = check_shop(engine, shop, &info.currency, rate).await;
        let blocked = outcome.as_ref().ok().and_then(|facts| {
            let shop_currency = facts.currency.as_deref().unwrap_or("an unknown currency");
            currency_block(&shop.name, shop_currency, &info.currency, rate)
        });
        let (state, detail, facts) = match (&outcome, blocked) {
            (Ok(facts), Some(reason)) => {
                shop.tokens.set_blocked(Some(reason.clone()));
                shop_failure.get_or_insert_with(|| {
                    StepFailure::rejected(
                        FailureKind::Connection,
                        &org.name,
                        format!("TikTok shop {}", shop.name),
                        reason.clone(),
                        format!(
                            "Set the shop's currency rate (`feedbridge settings {} set currency-rate RATE`), connect a TikTok shop that sells in {}, or remove {} from the config; nothing is listed, stocked or imported for it meanwhile.",
                            shop.name, info.currency, shop.name
                        ),
                    )
                });
                (ConnectionState::Error, Some(reason), facts.clone())
            }
            (Ok(facts), None) => {
                shop.tokens.set_blocked(None);
                (ConnectionState::Connected, None, facts.clone())
            }
            (Err(_), _) if shop.tokens.waiting().is_some() => continue,
            (Err(error), _) => (
                if matches!(error, connector::ConnectorError::Unauthorized { .. }) {
                    ConnectionState::NeedsReauthorization
                } else {
                    ConnectionState::Error
                },
                Some(error.to_string()),
                LearntFacts::default(),
            ),
        };
        record_state(engine, connection, state, detail, facts).await?;
        engine
            .enqueue(kind::TOKEN_REFRESH, connection, Duration::ZERO)
            .await?;
        // One shop's trouble must not hold up the others: report it after the import.
        if let Err(error) = outcome {
            shop_failure.get_or_insert_with(|| {
                StepFailure::from_connector(
                    FailureKind::Connection,
                    &org.name,
                    format!("TikTok shop {}", shop.name),
                    "TikTok Shop",
                    &error,
                )
            });
        }
    }
    if let Some(base) = &engine.webhook_base {
        let address = format!("{base}/webhooks/{}/{}", org.platform.as_str(), org.name);
        if org.capabilities.changes == ChangeFeed::Webhooks
            && let Err(error) = org.store.register_webhooks(&address).await
        {
            tracing::warn!(%error, "Could not subscribe store webhooks; polling covers it.");
        }
        for shop in &org.shops {
            if shop.tokens.waiting().is_some() || shop.tokens.blocked().is_some() {
                continue;
            }
            if let Err(error) = shop
                .client
                .register_webhooks(&format!("{base}/webhooks/tiktok"))
                .await
            {
                tracing::warn!(%error, shop = %shop.name, "Could not subscribe TikTok webhooks; polling covers it.");
            }
        }
    }
    engine
        .enqueue(kind::CATALOG_IMPORT, org_id, Duration::ZERO)
        .await?;
    shop_failure.map_or(Ok(()), Err)
}

/// Save a connection's checked state and what the check learnt about it.
async fn record_state(
    engine: &Engine,
    connection: i64,
    state: ConnectionState,
    detail: Option<String>,
    facts: LearntFacts,
) -> Result<(), store::StoreError> {
    engine
        .store
        .call(move |conn| {
            store::set_connection_state(
                conn,
                connection,
                state,
                detail.as_deref(),
                &ConnectionFacts {
                    currency: facts.currency.as_deref(),
                    region: facts.region.as_deref(),
                    warehouse_id: facts.warehouse_id.as_deref(),
                },
            )
        })
        .await
}

/// What a connection check learnt; unset fields keep their stored value.
#[derive(Clone, Default)]
struct LearntFacts {
    currency: Option<String>,
    region: Option<String>,
    warehouse_id: Option<String>,
}

async fn check_shop(
    engine: &Engine,
    shop: &ShopRuntime,
    store_currency: &str,
    currency_rate: Option<Decimal>,
) -> Result<LearntFacts, connector::ConnectorError> {
    let authorized = shop.client.authorized_shops().await?;
    let Some(remote) = authorized.into_iter().find(|s| s.id == shop.shop_id) else {
        return Err(connector::ConnectorError::Unauthorized {
            reason: format!(
                "the TikTok grant does not cover shop {}; run `{}` as its owner",
                shop.shop_id,
                authorize_command(&shop.name)
            ),
            raw: String::new(),
        });
    };
    let warehouses = shop.client.warehouses().await?;
    let warehouse = onboarding::sales_warehouse(&warehouses)
        .map(|w| Some(w.id.clone()))
        .map_err(|reason| connector::ConnectorError::Rejected {
            reason,
            raw: String::new(),
        })?;
    let facts = LearntFacts {
        currency: currency_for_region(&remote.region).map(str::to_owned),
        region: Some(remote.region),
        warehouse_id: warehouse,
    };
    // A shop in another currency without a rate lists nothing: its category tree can wait.
    if facts.currency.as_deref() != Some(store_currency) && currency_rate.is_none() {
        return Ok(facts);
    }
    let connection = shop.connection;
    let cached = engine
        .store
        .call(move |conn| store::has_categories(conn, connection))
        .await
        .unwrap_or(false);
    if !cached {
        let categories = shop.client.categories().await?;
        let count = categories.len();
        if let Err(error) = engine
            .store
            .call(move |tx| store::replace_categories(tx, connection, &categories))
            .await
        {
            return Err(connector::ConnectorError::Retryable {
                reason: error.to_string(),
                raw: String::new(),
                retry_after: None,
            });
        }
        info!(shop = %shop.name, categories = count, "Cached the TikTok category tree.");
    }
    Ok(facts)
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

fn to_pair(tokens: StoredTokens) -> TokenPair {
    TokenPair {
        access_token: tokens.access_token,
        access_expires_at: tokens.access_expires_at,
        refresh_token: tokens.refresh_token,
        refresh_expires_at: tokens.refresh_expires_at,
    }
}

pub(crate) fn to_stored(tokens: &TokenPair) -> StoredTokens {
    StoredTokens {
        access_token: tokens.access_token.clone(),
        access_expires_at: tokens.access_expires_at,
        refresh_token: tokens.refresh_token.clone(),
        refresh_expires_at: tokens.refresh_expires_at,
    }
}

/// The tokens a shop starts with: the secrets file's pair unless feedbridge has a newer one
/// (see [`store::seed_tokens`]).
pub async fn seed_tokens(
    store: &Store,
    connection: i64,
    from_secrets: &TokenPair,
) -> Result<TokenPair, store::StoreError> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(from_secrets.access_token.expose().as_bytes());
    hasher.update([0]);
    hasher.update(from_secrets.refresh_token.expose().as_bytes());
    let fingerprint = hex::encode(hasher.finalize());
    let seed = to_stored(from_secrets);
    store
        .call(move |conn| store::seed_tokens(conn, connection, &seed, &fingerprint))
        .await
        .map(to_pair)
}

/// Keeps a shop's tokens in SQLite and records when the shop needs its owner.
pub struct ShopTokenStore {
    pub store: Store,
    pub connection: i64,
    pub org: String,
    pub shop: String,
}

#[async_trait]
impl TokenSink for ShopTokenStore {
    async fn refreshed(&self, tokens: &TokenPair) {
        let (connection, stored) = (self.connection, to_stored(tokens));
        let saved = self
            .store
            .call(move |conn| store::save_tokens(conn, connection, &stored, TokenSource::Refreshed))
            .await;
        if let Err(error) = saved {
            warn!(%error, shop = %self.shop, "Could not store the refreshed TikTok token; it is used from memory until the next start.");
        }
    }

    async fn reauthorization_needed(&self, reason: &str) {
        record_reauthorization_needed(&self.store, self.connection, &self.org, &self.shop, reason)
            .await;
    }
}

/// Mark the shop as waiting for its owner and put a Connection failure in front of the
/// merchant saying exactly what to do.
async fn record_reauthorization_needed(
    store: &Store,
    connection: i64,
    org: &str,
    shop: &str,
    reason: &str,
) {
    let detail = format!(
        "{reason}. Run `{}` and follow its steps; orders and changes wait and sync once it is done.",
        authorize_command(shop)
    );
    let (org, subject, job_subject) = (
        org.to_owned(),
        format!("TikTok shop {shop}"),
        connection.to_string(),
    );
    let action = format!(
        "Run `{}`, open the link as the shop's owner and approve feedbridge. Nothing is lost while it waits.",
        authorize_command(shop)
    );
    let recorded = store
        .call(move |tx| {
            store::set_connection_state(
                tx,
                connection,
                ConnectionState::NeedsReauthorization,
                Some(&detail),
                &ConnectionFacts::default(),
            )?;
            store::record_failure(
                tx,
                &NewFailure {
                    org: Some(&org),
                    job_kind: kind::TOKEN_REFRESH,
                    job_subject: &job_subject,
                    kind: FailureKind::Connection,
                    subject: &subject,
                    reason: &detail,
                    action: &action,
                    raw_error: None,
                    retryable: false,
                },
            )
        })
        .await;
    if let Err(error) = recorded {
        warn!(%error, "Could not record that a TikTok shop needs reauthorization.");
    }
}

/// Refresh a shop's access token if it is due, then look again later.
pub async fn refresh_token(engine: &Engine, connection: i64) -> StepResult {
    let Some((org, shop)) = engine.shop(connection) else {
        return Ok(());
    };
    let refreshed = shop
        .tokens
        .refresh_if_due(engine.clock.now_secs(), REFRESH_MARGIN)
        .await;
    if let Some(reason) = shop.tokens.waiting() {
        // Re-authorizing queues this job again.
        return Err(StepFailure::rejected(
            FailureKind::Connection,
            &org.name,
            format!("TikTok shop {}", shop.name),
            format!(
                "{reason}. Run `{}` and follow its steps; orders and changes wait and sync once it is done.",
                authorize_command(&shop.name)
            ),
            format!(
                "Run `{}`, open the link as the shop's owner and approve feedbridge.",
                authorize_command(&shop.name)
            ),
        ));
    }
    if let Err(error) = refreshed {
        return Err(StepFailure::from_connector(
            FailureKind::Connection,
            &org.name,
            format!("TikTok shop {} (token refresh)", shop.name),
            "TikTok Shop",
            &error,
        ));
    }
    let next = shop
        .tokens
        .tokens()
        .access_expires_at
        .map_or(TOKEN_CHECK_EVERY, |at| {
            let due =
                at - engine.clock.now_secs() - i64::try_from(REFRESH_MARGIN.as_secs()).unwrap_or(0);
            Duration::from_secs(u64::try_from(due).unwrap_or(0)).min(TOKEN_CHECK_EVERY)
        });
    engine
        .enqueue(
            kind::TOKEN_REFRESH,
            connection,
            next.max(Duration::from_secs(1)),
        )
        .await
        .map_err(StepFailure::from)
}

/// Whether this job works for a shop that waits for reauthorization: it then keeps waiting
/// however many attempts it has used.
pub async fn waits_for_reauthorization(engine: &Engine, job: &store::Job) -> bool {
    let (kind, subject) = (job.kind.clone(), job.subject.clone());
    let shop = engine
        .store
        .call(move |conn| store::job_shop(conn, &SHOP_JOB_KINDS, &kind, &subject))
        .await;
    matches!(shop, Ok(Some(connection))
        if engine.shop(connection).is_some_and(|(_, shop)| shop.tokens.waiting().is_some()))
}

// ---------------------------------------------------------------------------------------------
// Authorization
// ---------------------------------------------------------------------------------------------

/// Why an authorization step could not be done, in the merchant's words.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizationError {
    #[error("there is no TikTok shop named {0} in the config")]
    UnknownShop(String),
    #[error("{0}")]
    Refused(String),
    #[error("feedbridge could not read or write its database: {0}")]
    Database(#[from] store::StoreError),
}

fn find_shop<'a>(
    engine: &'a Engine,
    name: &str,
) -> Result<(&'a Arc<super::OrgRuntime>, &'a Arc<ShopRuntime>), AuthorizationError> {
    engine
        .orgs
        .iter()
        .find_map(|org| {
            org.shops
                .iter()
                .find(|shop| shop.name == name)
                .map(|shop| (org, shop))
        })
        .ok_or_else(|| AuthorizationError::UnknownShop(name.to_owned()))
}

/// The seller authorization link of §3 (the region's host; US until the region is known).
pub fn authorize_url(service_id: &str, state: &str, region: Option<&str>) -> String {
    let host = region
        .and_then(regions::region)
        .or_else(|| regions::region("US"))
        .map_or("https://services.us.tiktokshop.com", |r| {
            r.authorize_host.as_str()
        });
    match reqwest::Url::parse(&format!("{host}/open/authorize")) {
        Ok(mut url) => {
            url.query_pairs_mut()
                .append_pair("service_id", service_id)
                .append_pair("state", state);
            url.into()
        }
        // Not reached: the host is a constant. Both values are plain letters and digits.
        Err(_) => format!("{host}/open/authorize?service_id={service_id}&state={state}"),
    }
}

/// Begin authorizing a shop: a link with a fresh `state`, remembered for a few minutes.
pub async fn start_authorization(
    engine: &Engine,
    shop_name: &str,
) -> Result<AuthorizationStart, AuthorizationError> {
    let (_, shop) = find_shop(engine, shop_name)?;
    let app = shop.tokens.authorization_app();
    if app.service_id.is_empty() {
        return Err(AuthorizationError::Refused(
            "set tiktok_app.service_id in the config (Partner Center → your app → Service ID), restart feedbridged, then try again".into(),
        ));
    }
    let state = uuid::Uuid::new_v4().simple().to_string();
    let connection = shop.connection;
    let now = engine.clock.now_secs();
    let stored_state = state.clone();
    let region = engine
        .store
        .call(move |conn| {
            store::add_authorization_request(
                conn,
                connection,
                &stored_state,
                now,
                now + AUTHORIZATION_TTL_SECS,
            )?;
            store::connection_region(conn, connection)
        })
        .await?;
    let url = authorize_url(&app.service_id, &state, region.as_deref());
    let redirect = app.redirect_url.clone().or_else(|| {
        engine
            .webhook_base
            .as_ref()
            .map(|base| format!("{base}/oauth/tiktok/callback"))
    });
    let back = match &redirect {
        Some(redirect) => format!(
            "TikTok sends you back to {redirect}, and feedbridge finishes by itself. If that page cannot be reached, copy the `code` from the address bar and run `feedbridge authorize {shop_name} --code <code> --state {state}`."
        ),
        None => format!(
            "TikTok sends you back to the app's redirect page: copy the `code` from its address and run `feedbridge authorize {shop_name} --code <code> --state {state}`."
        ),
    };
    let other_host = if region.is_none() {
        " (If the shop is outside the US, use https://services.tiktokshop.com instead of https://services.us.tiktokshop.com in the link.)"
    } else {
        ""
    };
    Ok(AuthorizationStart {
        shop: shop_name.to_owned(),
        instructions: format!(
            "1. Open the link as the owner of TikTok shop {shop_name} and approve feedbridge.{other_host}\n2. {back}\nThe link works for {} minutes; orders and changes that waited sync as soon as it is done.",
            AUTHORIZATION_TTL_SECS / 60
        ),
        url,
        state,
    })
}

/// Whether a `state` returned with a code may be used for `shop`.
pub fn check_state(
    issued: Option<(i64, i64)>,
    shop: i64,
    shop_name: &str,
    now: i64,
) -> Result<(), AuthorizationError> {
    let again = format!(
        "run `{}` again for a new link",
        authorize_command(shop_name)
    );
    match issued {
        None => Err(AuthorizationError::Refused(format!(
            "this authorization link is unknown or was already used; {again}"
        ))),
        Some((issued_for, _)) if issued_for != shop => Err(AuthorizationError::Refused(format!(
            "this authorization link was made for another shop, not {shop_name}; {again}"
        ))),
        Some((_, expires_at)) if expires_at <= now => Err(AuthorizationError::Refused(format!(
            "this authorization link has expired; {again}"
        ))),
        Some(_) => Ok(()),
    }
}

/// Exchange the code TikTok returned, check it covers the shop, store the tokens, and let
/// everything that waited run now.
pub async fn finish_authorization(
    engine: &Engine,
    shop_name: &str,
    code: &str,
    state: &str,
) -> Result<String, AuthorizationError> {
    let (org, shop) = find_shop(engine, shop_name)?;
    let connection = shop.connection;
    let taken_state = state.to_owned();
    let issued = engine
        .store
        .call(move |conn| store::take_authorization_request(conn, &taken_state))
        .await?;
    check_state(issued, connection, shop_name, engine.clock.now_secs())?;
    let again = format!("run `{}` again", authorize_command(shop_name));
    if code.trim().is_empty() {
        return Err(AuthorizationError::Refused(format!(
            "the authorization code is empty; {again}"
        )));
    }
    let tokens = match shop.tokens.exchange_code(code.trim()).await {
        Ok(tokens) => tokens,
        Err(error) => {
            if let (true, Some((_, expires_at))) = (error.is_transient(), issued) {
                // TikTok did not answer: the same link and code may be tried again.
                let state = state.to_owned();
                let _ = engine
                    .store
                    .call(move |conn| {
                        store::add_authorization_request(
                            conn,
                            connection,
                            &state,
                            store::now_secs(),
                            expires_at,
                        )
                    })
                    .await;
            }
            return Err(AuthorizationError::Refused(format!(
                "TikTok did not accept the authorization code: {error}; codes work once and for a few minutes, {again}"
            )));
        }
    };
    let covered = shop
        .tokens
        .client_with(tokens.clone())
        .authorized_shops()
        .await
        .map_err(|error| {
            AuthorizationError::Refused(format!(
                "TikTok did not confirm which shops the authorization covers: {error}; {again}"
            ))
        })?;
    if !covered.iter().any(|s| s.id == shop.shop_id) {
        let ids: Vec<&str> = covered.iter().map(|s| s.id.as_str()).collect();
        return Err(AuthorizationError::Refused(format!(
            "the TikTok account that approved covers shop(s) {} but not {} ({shop_name}); sign in as that shop's owner and {again}",
            if ids.is_empty() {
                "none".to_owned()
            } else {
                ids.join(", ")
            },
            shop.shop_id
        )));
    }
    let stored = to_stored(&tokens);
    let resumed = engine
        .store
        .call(move |tx| {
            store::save_tokens(tx, connection, &stored, TokenSource::Authorized)?;
            store::resolve_failure(tx, kind::TOKEN_REFRESH, &connection.to_string())?;
            store::set_connection_state(
                tx,
                connection,
                ConnectionState::Connected,
                None,
                &ConnectionFacts::default(),
            )?;
            store::resume_shop_jobs(tx, &SHOP_JOB_KINDS, connection)
        })
        .await?;
    shop.tokens.install(tokens);
    engine.job_queued.notify_waiters();
    engine
        .enqueue(kind::CONNECT, org.id, Duration::ZERO)
        .await?;
    engine
        .enqueue(kind::TOKEN_REFRESH, connection, TOKEN_CHECK_EVERY)
        .await?;
    info!(shop = %shop_name, resumed, "TikTok shop authorized; waiting work resumed.");
    Ok(format!(
        "TikTok shop {shop_name} is authorized; {resumed} waiting job(s) resumed and orders placed meanwhile sync now."
    ))
}

/// The OAuth redirect carries no shop name: the `state` tells which shop the link was for.
pub async fn finish_authorization_by_state(
    engine: &Engine,
    code: &str,
    state: &str,
) -> Result<String, AuthorizationError> {
    let peeked = state.to_owned();
    let connection = engine
        .store
        .call(move |conn| store::authorization_request_shop(conn, &peeked))
        .await?;
    let Some((_, shop)) = connection.and_then(|connection| engine.shop(connection)) else {
        return Err(AuthorizationError::Refused(
            "this authorization link is unknown or was already used; run `feedbridge authorize <shop>` again for a new one".into(),
        ));
    };
    let name = shop.name.clone();
    finish_authorization(engine, &name, code, state).await
}

// ---------------------------------------------------------------------------------------------
// Test connection
// ---------------------------------------------------------------------------------------------

fn check(what: &str, ok: bool, detail: impl Into<String>) -> ConnectionCheck {
    ConnectionCheck {
        what: what.to_owned(),
        ok,
        detail: detail.into(),
    }
}

fn describe_expiry(expires_at: Option<i64>, now: i64) -> String {
    match expires_at {
        Some(at) => {
            let when = if at < 0 {
                at.to_string()
            } else {
                feedbridge_common::timestamps::rfc3339_of_unix(at)
            };
            let hours = (at - now) / 3600;
            if hours >= 48 {
                format!("valid; expires {when} (in {} days), refreshed a day ahead", hours / 24)
            } else {
                format!("valid; expires {when} (in {hours} h), refreshed a day ahead")
            }
        }
        None => "valid; its expiry is not known yet (tokens from the secrets file): feedbridge refreshes it when TikTok says it expired".into(),
    }
}

/// Run every check of one connection now (`<org>-store` or a TikTok shop name) and record
/// the outcome as the connection's state.
pub async fn test_connection(
    engine: &Engine,
    name: &str,
) -> Result<ConnectionTest, AuthorizationError> {
    if let Some(org) = engine
        .orgs
        .iter()
        .find(|org| format!("{}-store", org.name) == name)
    {
        return test_store(engine, org, name).await;
    }
    let (org, shop) = find_shop(engine, name)?;
    let (checks, state, facts) = shop_checks(engine, org, shop).await;
    let ok = checks.iter().all(|c| c.ok);
    let detail = checks.iter().find(|c| !c.ok).map(|c| c.detail.clone());
    let connection = shop.connection;
    record_state(engine, connection, state, detail, facts).await?;
    Ok(ConnectionTest {
        name: name.to_owned(),
        ok,
        checks,
    })
}

async fn test_store(
    engine: &Engine,
    org: &super::OrgRuntime,
    name: &str,
) -> Result<ConnectionTest, AuthorizationError> {
    let (checks, state, currency) = match org.store.info().await {
        Ok(info) => (
            vec![
                check(
                    "Store reachable and credentials",
                    true,
                    format!("connected to {}", info.name),
                ),
                check(
                    "Store currency",
                    true,
                    format!("sells in {}", info.currency),
                ),
            ],
            ConnectionState::Connected,
            Some(info.currency),
        ),
        Err(error) => {
            let unauthorized = matches!(error, connector::ConnectorError::Unauthorized { .. });
            let detail = if unauthorized {
                format!(
                    "the store refused feedbridge's access token ({error}); create a new Admin API access token, put it in the secrets file and restart feedbridged"
                )
            } else {
                format!(
                    "the store could not be reached ({error}); check the shop domain and network, then test again"
                )
            };
            (
                vec![check("Store reachable and credentials", false, detail)],
                if unauthorized {
                    ConnectionState::NeedsReauthorization
                } else {
                    ConnectionState::Error
                },
                None,
            )
        }
    };
    let detail = checks.iter().find(|c| !c.ok).map(|c| c.detail.clone());
    let connection = org.store_connection;
    let facts = LearntFacts {
        currency,
        ..Default::default()
    };
    record_state(engine, connection, state, detail, facts).await?;
    Ok(ConnectionTest {
        name: name.to_owned(),
        ok: checks.iter().all(|c| c.ok),
        checks,
    })
}

async fn shop_checks(
    engine: &Engine,
    org: &super::OrgRuntime,
    shop: &ShopRuntime,
) -> (Vec<ConnectionCheck>, ConnectionState, LearntFacts) {
    let mut checks = Vec::new();
    let mut facts = LearntFacts::default();
    let reauthorize = |reason: &str| {
        format!(
            "{reason}; run `{}` and approve feedbridge as the shop's owner",
            authorize_command(&shop.name)
        )
    };
    if let Some(reason) = shop.tokens.waiting() {
        checks.push(check("Access token", false, reauthorize(&reason)));
        return (checks, ConnectionState::NeedsReauthorization, facts);
    }
    // Reading the authorized shops proves the token (and refreshes an expired one).
    let authorized = match shop.client.authorized_shops().await {
        Ok(shops) => shops,
        Err(error) => {
            let (detail, state) = match (&error, shop.tokens.waiting()) {
                (_, Some(reason)) => (reauthorize(&reason), ConnectionState::NeedsReauthorization),
                (connector::ConnectorError::Unauthorized { reason, .. }, None) => {
                    (reauthorize(reason), ConnectionState::NeedsReauthorization)
                }
                (error, None) => (
                    format!("TikTok Shop could not be reached ({error}); test again in a moment"),
                    ConnectionState::Error,
                ),
            };
            checks.push(check("Access token", false, detail));
            return (checks, state, facts);
        }
    };
    checks.push(check(
        "Access token",
        true,
        describe_expiry(
            shop.tokens.tokens().access_expires_at,
            engine.clock.now_secs(),
        ),
    ));
    let Some(remote) = authorized.iter().find(|s| s.id == shop.shop_id) else {
        let ids: Vec<&str> = authorized.iter().map(|s| s.id.as_str()).collect();
        checks.push(check(
            "Authorization covers the shop",
            false,
            reauthorize(&format!(
                "the authorization covers shop(s) {} but not {}",
                if ids.is_empty() {
                    "none".to_owned()
                } else {
                    ids.join(", ")
                },
                shop.shop_id
            )),
        ));
        return (checks, ConnectionState::NeedsReauthorization, facts);
    };
    checks.push(check(
        "Authorization covers the shop",
        true,
        format!("shop {} ({})", remote.name, remote.id),
    ));
    facts.region = Some(remote.region.clone());
    facts.currency = currency_for_region(&remote.region).map(str::to_owned);
    let Some(shop_currency) = facts.currency.clone() else {
        checks.push(check(
            "Region and currency",
            false,
            format!(
                "feedbridge does not serve TikTok Shop region {} (it serves {}); this needs a feedbridge update",
                remote.region,
                regions::all().iter().map(|r| r.code.as_str()).collect::<Vec<_>>().join(", ")
            ),
        ));
        return (checks, ConnectionState::Error, facts);
    };
    checks.push(check(
        "Region and currency",
        true,
        format!("region {}, sells in {shop_currency}", remote.region),
    ));
    let store_connection = org.store_connection;
    let stored = engine
        .store
        .call(move |conn| store::connection(conn, store_connection))
        .await
        .ok()
        .flatten()
        .and_then(|row| row.currency);
    let store_currency = match stored {
        Some(currency) => Some(currency),
        None => org.store.info().await.ok().map(|info| info.currency),
    };
    let mut state = ConnectionState::Connected;
    let rate = currency_rate(&engine.store, shop.connection).await;
    match store_currency {
        Some(store_currency) if store_currency == shop_currency => {
            shop.tokens.set_blocked(None);
            checks.push(check(
                "Currency matches the store",
                true,
                format!("both sell in {shop_currency}"),
            ));
        }
        Some(store_currency) => {
            match currency_block(&shop.name, &shop_currency, &store_currency, rate) {
                Some(reason) => {
                    shop.tokens.set_blocked(Some(reason.clone()));
                    checks.push(check("Currency matches the store", false, reason));
                    state = ConnectionState::Error;
                }
                None => {
                    shop.tokens.set_blocked(None);
                    checks.push(check(
                    "Currency matches the store",
                    true,
                    format!(
                        "sells in {shop_currency}, the store in {store_currency}: prices converted at {} {shop_currency} per {store_currency}",
                        rate.unwrap_or_default()
                    ),
                ));
                }
            }
        }
        None => {
            checks.push(check(
                "Currency matches the store",
                false,
                format!(
                    "the store's currency is not known: test {}-store first",
                    org.name
                ),
            ));
            state = ConnectionState::Error;
        }
    }
    match shop.client.logistics_setup().await {
        Ok(setup) => {
            let onboarding = onboarding::check_logistics(&setup);
            facts.warehouse_id = onboarding.sales_warehouse;
            if onboarding.blocks_selling {
                state = ConnectionState::Error;
            }
            checks.extend(onboarding.checks);
        }
        Err(error) => {
            checks.push(check(
                "Sales warehouse",
                false,
                format!(
                    "TikTok Shop did not list the warehouses ({error}); test again in a moment"
                ),
            ));
            state = ConnectionState::Error;
        }
    }
    if let Some(base) = &engine.webhook_base {
        let address = format!("{base}/webhooks/tiktok");
        match shop.tokens.client().webhook_subscriptions().await {
            Ok(subscriptions) => {
                let missing: Vec<&str> = connector::tiktok::WEBHOOK_EVENTS
                    .iter()
                    .copied()
                    .filter(|event| {
                        !subscriptions
                            .iter()
                            .any(|s| s.event_type == *event && s.address == address)
                    })
                    .collect();
                if missing.is_empty() {
                    checks.push(check("Webhook subscription", true, format!("events go to {address}")));
                } else {
                    // Not an error state: polling still finds every change, only later.
                    checks.push(check(
                        "Webhook subscription",
                        false,
                        format!(
                            "{} not delivered to {address}; feedbridge subscribes at its next connection check (restart feedbridged), polling covers it meanwhile",
                            missing.join(", ")
                        ),
                    ));
                }
            }
            Err(error) => checks.push(check(
                "Webhook subscription",
                false,
                format!("TikTok Shop did not list the webhook subscriptions ({error}); test again in a moment"),
            )),
        }
    }
    (checks, state, facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_links_follow_the_region() {
        let us = authorize_url("7301", "abc", Some("US"));
        assert_eq!(
            us,
            "https://services.us.tiktokshop.com/open/authorize?service_id=7301&state=abc"
        );
        let gb = authorize_url("7301", "abc", Some("GB"));
        assert!(
            gb.starts_with("https://services.tiktokshop.com/open/authorize?"),
            "{gb}"
        );
        assert!(authorize_url("7301", "abc", None).starts_with("https://services.us."));
        for region in ["DE", "JP", "MX", "SG"] {
            let link = authorize_url("7301", "abc", Some(region));
            assert!(
                link.starts_with("https://services.tiktokshop.com/"),
                "{link}"
            );
        }
    }

    #[test]
    fn a_state_is_checked_for_shop_and_age() {
        let now = 1_000;
        assert!(check_state(Some((7, 1_600)), 7, "acme-us", now).is_ok());
        let unknown = check_state(None, 7, "acme-us", now)
            .unwrap_err()
            .to_string();
        assert!(
            unknown.contains("feedbridge authorize acme-us"),
            "{unknown}"
        );
        let other = check_state(Some((8, 1_600)), 7, "acme-us", now)
            .unwrap_err()
            .to_string();
        assert!(other.contains("another shop"), "{other}");
        let expired = check_state(Some((7, 1_000)), 7, "acme-us", now)
            .unwrap_err()
            .to_string();
        assert!(expired.contains("expired"), "{expired}");
    }

    #[test]
    fn expiry_is_told_in_days_or_hours() {
        let now = 1_750_000_000;
        assert!(describe_expiry(Some(now + 7 * 86_400), now).contains("in 7 days"));
        assert!(describe_expiry(Some(now + 5 * 3600), now).contains("in 5 h"));
        assert!(describe_expiry(None, now).contains("not known"));
    }

    #[test]
    fn currency_mismatch_names_both() {
        assert_eq!(
            currency_block("acme-uk", "GBP", "USD", Some(Decimal::ONE)),
            None
        );
        assert_eq!(currency_block("acme-us", "USD", "USD", None), None);
        let text = currency_block("acme-uk", "GBP", "USD", None).unwrap_or_default();
        assert!(text.contains("GBP") && text.contains("USD"), "{text}");
    }
}
