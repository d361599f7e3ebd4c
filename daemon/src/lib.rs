//! feedbridged: keeps a merchant's store and TikTok Shop in step.
//!
//! `run` wires the parts and is what `main` and the tests start: the SQLite store, the
//! platform clients, the job workers, the pollers, the webhook listener and the console socket.

pub mod backoff;
pub mod cli;
pub mod clock;
pub mod connector;
pub mod intake;
pub mod logging;
pub mod metrics;
pub mod pricing;
pub mod reload;
pub mod rpc;
pub mod service;
pub mod settings;
pub mod socket;
pub mod startup;
pub mod store;
pub mod store_change;
pub mod sync;

use anyhow::Context;
use connector::amazon::{AmazonClient, AmazonSettings};
use connector::store_platform::{ConnectedStore, StoreSetup, connector_for};
use connector::tiktok::auth::{AuthorizationApp, TokenKeeper, TokenPair};
use connector::tiktok::{TikTokClient, TikTokSettings};
use feedbridge_common::ConnectionState;
use feedbridge_common::config::{
    Config, OrganizationConfig, Secrets, StoreConfig, TikTokShopSecrets,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use sync::{Engine, OrgRuntime, ShopRuntime};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// How long in-flight steps get to finish after SIGTERM before they are abandoned (they run
/// again at the next start; every step is idempotent). Well inside systemd's stop timeout.
const DRAIN_GRACE: Duration = Duration::from_secs(8);

/// Everything the daemon needs, resolved from flags, config and secrets.
pub struct RunOptions {
    pub config: Config,
    pub secrets: Secrets,
    pub data_dir: PathBuf,
    pub socket: PathBuf,
    /// Set when `shutdown` means "reload" (SIGHUP): the daemon runs again with a new config.
    pub reloading: Arc<std::sync::atomic::AtomicBool>,
    /// Where the config and secrets came from: `feedbridge store` rewrites them.
    pub files: store_change::ConfigFiles,
}

pub const DATABASE_FILE: &str = "feedbridge.sqlite";

/// Run until `shutdown` is cancelled, then drain and return.
pub async fn run(options: RunOptions, shutdown: CancellationToken) -> anyhow::Result<()> {
    let RunOptions {
        config,
        secrets,
        data_dir,
        socket,
        reloading,
        files,
    } = options;
    if let Some(change) = settings::prepare_private_dir(&data_dir)? {
        info!("{change}");
    }
    let open_files = intake::listener::raise_open_file_limit();
    let db_path = data_dir.join(DATABASE_FILE);
    // The one clock every part reads wall time from.
    let clock: Arc<dyn clock::Clock> = Arc::new(clock::SystemClock);
    let store = Store::open(&db_path, Arc::clone(&clock))
        .with_context(|| format!("Failed to open the database {}", db_path.display()))?;
    info!(database = %db_path.display(), "Database ready.");

    let access = socket::Access::new(config.daemon.socket_group.as_deref())?;
    let listener = socket::bind(&socket, &access).await?;
    let http = connector::http::client();
    let orgs = build_runtimes(&store, &config, &secrets, &http, &clock).await?;

    let metrics_listener = match config.daemon.metrics_listen {
        Some(address) => {
            metrics::check_listen_address(address).map_err(anyhow::Error::msg)?;
            Some(
                tokio::net::TcpListener::bind(address)
                    .await
                    .with_context(|| format!("Failed to listen for metrics on {address}"))?,
            )
        }
        None => None,
    };
    let webhook_listener = match config.daemon.webhook_listen {
        Some(address) => Some(
            tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("Failed to listen for webhooks on {address}"))?,
        ),
        None => None,
    };
    let webhook_base = match (&webhook_listener, &config.daemon.webhook_public_url) {
        (_, Some(url)) => Some(url.trim_end_matches('/').to_owned()),
        (Some(listener), None) => Some(format!("http://{}", listener.local_addr()?)),
        (None, None) => None,
    };
    let engine = Arc::new(Engine::new(
        store.clone(),
        orgs,
        config.sync.clone(),
        http,
        webhook_base.clone(),
        clock,
    ));

    let metrics_task = match metrics_listener {
        Some(listener) => {
            info!(address = %listener.local_addr()?, "Serving metrics at /metrics and a health check at /healthz.");
            Some(tokio::spawn(metrics::serve(
                listener,
                Arc::clone(&engine),
                shutdown.clone(),
            )))
        }
        None => None,
    };

    let recovery = tokio::spawn({
        let (store, stop) = (store.clone(), shutdown.clone());
        async move { store.watch_recovery(stop).await }
    });

    let workers_stop = CancellationToken::new();
    let workers = tokio::spawn(sync::run_workers(Arc::clone(&engine), workers_stop.clone()));
    let pollers = tokio::spawn(intake::run_pollers(Arc::clone(&engine), shutdown.clone()));
    let webhooks = webhook_listener.map(|listener| {
        let app = intake::router(intake::WebhookApp {
            engine: Arc::clone(&engine),
            tiktok_app_key: config.tiktok_app.app_key.clone(),
            tiktok_app_secret: secrets.tiktok_app.app_secret.clone(),
        });
        let limits = intake::listener::ListenerLimits::from_settings(&config.daemon);
        let limits = match open_files {
            Some(open_files) => limits.within_descriptors(open_files),
            None => limits,
        };
        info!(address = %webhook_base.as_deref().unwrap_or_default(), "Receiving webhooks.");
        tokio::spawn(intake::listener::serve(
            listener,
            app,
            limits,
            shutdown.clone(),
        ))
    });
    let console = rpc::ConsoleServer {
        engine: Arc::clone(&engine),
        started: Instant::now(),
        data_dir: data_dir.clone(),
        socket: socket.clone(),
        draining: shutdown.clone(),
        files,
    };
    let rpc_stop = CancellationToken::new();
    let rpc_task = tokio::spawn(rpc::serve(
        socket::admitted(listener, access),
        console,
        rpc_stop.clone(),
    ));

    store
        .call(|conn| {
            store::append_event(
                conn,
                feedbridge_common::EventKind::DaemonStarted,
                None,
                "feedbridged",
                "Started.",
            )
        })
        .await?;
    let supervisor = tokio::spawn(service::supervise(Arc::clone(&engine), shutdown.clone()));
    service::notify_ready();
    info!(socket = %socket.display(), "feedbridged is ready.");

    shutdown.cancelled().await;
    if reloading.load(std::sync::atomic::Ordering::SeqCst) {
        service::notify_reloading();
        info!("Reloading: taking no new work, finishing steps in flight.");
    } else {
        service::notify_stopping();
        info!("Shutting down: taking no new work, finishing steps in flight.");
    }
    workers_stop.cancel();
    let drained = tokio::time::timeout(DRAIN_GRACE, async {
        let _ = workers.await;
        let _ = pollers.await;
        if let Some(metrics_task) = metrics_task {
            let _ = metrics_task.await;
        }
        if let Some(webhooks) = webhooks {
            let _ = webhooks.await;
        }
    })
    .await;
    if drained.is_err() {
        warn!(
            "Steps still running after the grace period were abandoned; they run again at next start."
        );
    }
    rpc_stop.cancel();
    let _ = rpc_task.await;
    recovery.abort();
    let _ = supervisor.await;
    // A reload keeps the socket file, so a command run meanwhile is refused (and waits for the
    // socket to answer again) rather than told there is no daemon.
    if !reloading.load(std::sync::atomic::Ordering::SeqCst) {
        socket::remove(&socket);
    }
    info!("feedbridged stopped.");
    Ok(())
}

/// Rows and clients for every configured organization and shop.
async fn build_runtimes(
    store: &Store,
    config: &Config,
    secrets: &Secrets,
    http: &reqwest::Client,
    clock: &Arc<dyn clock::Clock>,
) -> anyhow::Result<Vec<Arc<OrgRuntime>>> {
    let mut orgs = Vec::new();
    for org in &config.organizations {
        let Some(store_config) = &org.store else {
            record_no_store(store, org).await?;
            continue;
        };
        let name = org.name.clone();
        let platform = store_config.platform;
        let domain = store_config.shop_domain.clone();
        let (org_id, store_connection, forgotten) = store
            .call(move |tx| {
                let org_id = store::ensure_org(tx, &name)?;
                let connection_name = sync::store_connection_name(&name);
                // Another store than last time: the old one's catalog means nothing here.
                let forgotten = match store::store_connection_was(tx, &connection_name)? {
                    Some((was_platform, was_domain))
                        if was_platform != platform.as_str() || was_domain != domain =>
                    {
                        Some(store::forget_store_catalog(tx, org_id)?)
                    }
                    _ => None,
                };
                let conn_id = store::ensure_connection(
                    tx,
                    org_id,
                    "store",
                    platform.as_str(),
                    &connection_name,
                    &domain,
                )?;
                Ok((org_id, conn_id, forgotten))
            })
            .await?;
        if let Some(listings) = forgotten {
            info!(
                org = %org.name,
                listings,
                "The organization's store changed: the old store's products and listings were dropped; the new store's products are read and linked to their TikTok products by seller SKU."
            );
        }
        let data = connector::store_platform::StoreData {
            store,
            connection: store_connection,
        };
        let connected = storefront_for(org, store_config, secrets, http, clock, Some(data))?;
        let mcf = mcf_account(org);
        let fulfiller = fulfiller_for(org, mcf.as_ref(), secrets, http)?;
        let marketplace = mcf.as_ref().map(|a| a.marketplace.country());
        store
            .call(move |conn| store::configure_amazon_account(conn, org_id, marketplace))
            .await?;
        let mut shops = Vec::new();
        for shop in &org.tiktok_shops {
            let (shop_name, shop_id) = (shop.name.clone(), shop.shop_id.clone());
            let connection = store
                .call(move |conn| {
                    store::ensure_connection(conn, org_id, "tiktok", "tiktok", &shop_name, &shop_id)
                })
                .await?;
            let from_secrets = secrets
                .tiktok
                .get(&shop.name)
                .with_context(|| format!("No TikTok tokens for shop {}", shop.name))?;
            let settings = TikTokSettings {
                api_base: config.tiktok_app.api_base.clone(),
                auth_base: config.tiktok_app.auth_base.clone(),
                app_key: config.tiktok_app.app_key.clone(),
                app_secret: secrets.tiktok_app.app_secret.clone(),
                access_token: from_secrets.access_token.clone(),
                shop_id: shop.shop_id.clone(),
                requests_per_second: config.tiktok_app.requests_per_second,
            };
            let tokens = seed_shop_tokens(store, connection, from_secrets, &shop.name).await?;
            let sink = Arc::new(sync::connections::ShopTokenStore {
                store: store.clone(),
                connection,
                org: org.name.clone(),
                shop: shop.name.clone(),
            });
            let keeper = TokenKeeper::new(&settings, &shop.name, tokens, http.clone(), Some(sink))
                .with_authorization_app(AuthorizationApp {
                    service_id: config.tiktok_app.service_id.clone(),
                    redirect_url: config.tiktok_app.redirect_url.clone(),
                })
                .with_clock(Arc::clone(clock));
            let keeper = Arc::new(keeper);
            keeper.set_blocked(currency_block(store, org_id, connection, &shop.name).await?);
            let client = TikTokClient::with_tokens(settings, http.clone(), Arc::clone(&keeper));
            shops.push(Arc::new(ShopRuntime {
                connection,
                name: shop.name.clone(),
                shop_id: shop.shop_id.clone(),
                org_id,
                client: Arc::new(client),
                tokens: keeper,
            }));
        }
        orgs.push(Arc::new(OrgRuntime {
            id: org_id,
            name: org.name.clone(),
            store_connection,
            platform,
            store: connected.storefront,
            webhooks: connected.webhooks,
            capabilities: connector_for(platform).capabilities(),
            fulfiller,
            amazon: mcf,
            shops,
            store_orders_read: std::sync::atomic::AtomicBool::new(false),
            single_stock_location: std::sync::atomic::AtomicBool::new(false),
        }));
    }
    Ok(orgs)
}

/// The organization's store, connected by its platform's connector from its secrets section.
pub(crate) fn storefront_for(
    org: &OrganizationConfig,
    store_config: &StoreConfig,
    secrets: &Secrets,
    http: &reqwest::Client,
    clock: &Arc<dyn clock::Clock>,
    data: Option<connector::store_platform::StoreData<'_>>,
) -> anyhow::Result<ConnectedStore> {
    let platform = store_config.platform;
    let store_secrets = secrets.store(platform, &org.name).with_context(|| {
        format!(
            "No store credentials for organization {}: add a [{}.{}] section to the secrets file",
            org.name,
            platform.as_str(),
            org.name
        )
    })?;
    connector_for(platform).connect(StoreSetup {
        org,
        store: store_config,
        secrets: store_secrets,
        http,
        clock,
        data,
    })
}

/// An organization without a store (disconnected): nothing of it runs; its connections say
/// why and how to connect one.
async fn record_no_store(store: &Store, org: &OrganizationConfig) -> anyhow::Result<()> {
    let name = org.name.clone();
    let shops: Vec<(String, String)> = org
        .tiktok_shops
        .iter()
        .map(|s| (s.name.clone(), s.shop_id.clone()))
        .collect();
    let detail = format!(
        "No store connected: run `feedbridge store {name} connect --platform PLATFORM --url URL --credential-file FILE`; the organization's TikTok shops do not sync until then"
    );
    warn!(org = %name, "{detail}");
    store
        .call(move |tx| {
            let org_id = store::ensure_org(tx, &name)?;
            let mut connections: Vec<i64> = store::store_connection_of(tx, org_id)?
                .into_iter()
                .collect();
            for (shop, shop_id) in &shops {
                connections.push(store::ensure_connection(
                    tx, org_id, "tiktok", "tiktok", shop, shop_id,
                )?);
            }
            for connection in connections {
                store::set_connection_state(
                    tx,
                    connection,
                    ConnectionState::Error,
                    Some(&detail),
                    &store::ConnectionFacts::default(),
                )?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// The organization's MCF account: the account of its Amazon store (the same seller and
/// grant: no second section needed), else its `[organization.amazon]` section. Beside an
/// Amazon store that section only sets the polling intervals (and may override the endpoints).
fn mcf_account(org: &OrganizationConfig) -> Option<feedbridge_common::config::AmazonConfig> {
    let from_store = org
        .store
        .as_ref()
        .and_then(feedbridge_common::stores::amazon::mcf_account);
    match (from_store, &org.amazon) {
        (Some(store), Some(section)) => Some(feedbridge_common::config::AmazonConfig {
            api_base: section.api_base.clone().or(store.api_base),
            token_url: section.token_url.clone().or(store.token_url),
            ..section.clone()
        }),
        (Some(store), None) => Some(store),
        (None, section) => section.clone(),
    }
}

/// The organization's Amazon MCF client, when it has an Amazon account (see [`mcf_account`]).
/// No `connections` row: the MCF flow keeps the Amazon account's health in its own table.
fn fulfiller_for(
    org: &OrganizationConfig,
    amazon: Option<&feedbridge_common::config::AmazonConfig>,
    secrets: &Secrets,
    http: &reqwest::Client,
) -> anyhow::Result<Option<Arc<dyn connector::Fulfiller>>> {
    let Some(amazon) = amazon else {
        return Ok(None);
    };
    let amazon_secrets = secrets
        .amazon
        .get(&org.name)
        .with_context(|| format!("No Amazon credentials for organization {}", org.name))?;
    let settings = AmazonSettings {
        api_base: amazon.api_base(),
        token_url: amazon.token_url(),
        marketplace_id: amazon.marketplace.id().to_string(),
        client_id: amazon_secrets.client_id.clone(),
        client_secret: amazon_secrets.client_secret.clone(),
        refresh_token: amazon_secrets.refresh_token.clone(),
        org: org.name.clone(),
    };
    Ok(Some(Arc::new(AmazonClient::new(settings, http.clone()))))
}

/// A shop's tokens: the secrets file's pair, unless feedbridge has refreshed or re-authorized
/// since (then the stored pair wins).
async fn seed_shop_tokens(
    store: &Store,
    connection: i64,
    from_secrets: &TikTokShopSecrets,
    shop: &str,
) -> anyhow::Result<TokenPair> {
    let seed = TokenPair {
        access_token: from_secrets.access_token.clone(),
        access_expires_at: None,
        refresh_token: from_secrets.refresh_token.clone(),
        refresh_expires_at: None,
    };
    sync::connections::seed_tokens(store, connection, &seed)
        .await
        .with_context(|| format!("Failed to read the stored TikTok tokens of shop {shop}"))
}

/// Keep a shop whose last check found another currency than the store's from syncing until
/// the connection check runs again.
async fn currency_block(
    store: &Store,
    org_id: i64,
    connection: i64,
    shop: &str,
) -> anyhow::Result<Option<String>> {
    let shop = shop.to_owned();
    let currencies = store
        .call(move |conn| {
            let store_connection = store::store_connection_of(conn, org_id)?;
            let store_currency = match store_connection {
                Some(id) => store::connection(conn, id)?.and_then(|row| row.currency),
                None => None,
            };
            let shop_currency = store::connection(conn, connection)?.and_then(|row| row.currency);
            let rate = store::shop_settings(conn, connection)?.currency_rate;
            Ok((shop_currency, store_currency, rate))
        })
        .await?;
    Ok(match currencies {
        (Some(shop_currency), Some(store_currency), rate) => {
            sync::connections::currency_block(&shop, &shop_currency, &store_currency, rate)
        }
        _ => None,
    })
}
