//! The flows and the job runner. Webhooks and polls record what happened and queue jobs;
//! workers claim jobs from SQLite, run one idempotent step each, and end every attempt as
//! done, retried with backoff, or a failure a human can read and retry.

pub mod attributes;
mod cancellations;
mod carriers;
pub(crate) mod catalog;
pub(crate) mod compliance;
pub mod connections;
mod create_once;
pub mod description;
mod keyed_locks;
pub(crate) mod linking;
mod mcf;
mod mcf_route;
pub mod notices;
mod onboarding;
mod order_flow;
mod order_state;
pub(crate) mod product_status;
pub use carriers::region_default as region_default_carrier;
mod order_reads;
mod orders;
pub mod prune;
mod returns;
mod runner;
mod shipping;
mod stock;
mod store_orders;
mod tracking;

pub use runner::run_workers;
pub use store_orders::{CURSOR_OVERLAP_SECS, FIRST_READ_LOOKBACK_SECS};

use crate::connector::{ConnectorError, Storefront, TikTokShop};
use crate::store::{self, Store, StoreError};
use feedbridge_common::FailureKind;
use feedbridge_common::config::SyncSettings;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// One organization's live clients.
pub struct OrgRuntime {
    pub id: i64,
    pub name: String,
    pub store_connection: i64,
    /// Which store platform `store` speaks to (names its webhook address).
    pub platform: feedbridge_common::config::StorePlatform,
    pub store: Arc<dyn Storefront>,
    /// Verifies and reads the store's webhooks (holds the organization's webhook secret).
    pub webhooks: Arc<dyn crate::connector::store_platform::StoreWebhooks>,
    /// What the store platform can do.
    pub capabilities: crate::connector::store_platform::Capabilities,
    /// Amazon Multi-Channel Fulfillment, when the organization has an Amazon account.
    pub fulfiller: Option<Arc<dyn crate::connector::Fulfiller>>,
    /// The Amazon account's settings (how often FBA stock and open MCF orders are read).
    pub amazon: Option<feedbridge_common::config::AmazonConfig>,
    pub shops: Vec<Arc<ShopRuntime>>,
    /// The store's TikTok orders were read back since this process started: until then no
    /// order is created in the store (it may already have it; see `store_orders`).
    pub store_orders_read: std::sync::atomic::AtomicBool,
    /// The store keeps stock at one active location (its connection check said so): a level
    /// a webhook names is the item's whole stock, with no other location to read.
    pub single_stock_location: std::sync::atomic::AtomicBool,
}

pub struct ShopRuntime {
    pub connection: i64,
    pub name: String,
    pub shop_id: String,
    pub org_id: i64,
    pub client: Arc<dyn TikTokShop>,
    /// The shop's tokens, shared with `client`: refreshed, replaced on reauthorization.
    pub tokens: Arc<crate::connector::tiktok::auth::TokenKeeper>,
}

/// Job kinds; the subject of each is named beside it.
pub mod kind {
    /// org id
    pub const CONNECT: &str = "connect";
    /// org id
    pub const CATALOG_IMPORT: &str = "catalog_import";
    /// listing id
    pub const LIST_PRODUCT: &str = "list_product";
    /// listing id
    pub const REVIEW_CHECK: &str = "review_check";
    /// listing id
    pub const PUSH_STOCK: &str = "push_stock";
    /// shop connection id: read the order ids queued for it (older form
    /// "{shop connection id}:{tiktok order id}" still runs)
    pub const ORDER_FETCH: &str = "order_fetch";
    /// order row id: the store cancelled it; cancel on TikTok
    pub const STORE_CANCEL: &str = "store_cancel";
    /// order row id
    pub const ORDER_SYNC: &str = "order_sync";
    /// order row id
    pub const FULFILMENT_PUSH: &str = "fulfilment_push";
    /// shop connection id: refresh the TikTok token ahead of expiry (repeats itself)
    pub const TOKEN_REFRESH: &str = "token_refresh";
    /// shop connection id: read back TikTok's stock and prices, repair drift
    pub const RECONCILE_STOCK: &str = "reconcile_stock";
    /// "{org id}:{store product id}": re-read one store product (price changes)
    pub const STORE_PRODUCT_REFRESH: &str = "store_product_refresh";
    /// org id: read the organization's Amazon FBA stock (every page)
    pub const FBA_REFRESH: &str = "fba_refresh";
    /// order row id: create its Amazon fulfilment order (exactly once)
    pub const MCF_CREATE: &str = "mcf_create";
    /// order row id: read its Amazon fulfilment order; push tracking; settle final states
    pub const MCF_FOLLOW: &str = "mcf_follow";
    /// org id: read back the store's TikTok orders (what it holds, cancellations, shipments)
    pub const STORE_ORDERS_READ: &str = "store_orders_read";
    /// "{org id}:{store order id}": read one store order again and act on what it says
    /// (cancelled, shipped); for stores whose webhooks are hints
    pub const STORE_ORDER_REFRESH: &str = "store_order_refresh";
    /// shop connection id: link the products already on TikTok by seller SKU, once per database
    pub const CATALOG_ADOPT: &str = "catalog_adopt";
    /// order row id: the store refunded all of it; cancel on TikTok before shipment, else
    /// record the difference
    pub const STORE_REFUND: &str = "store_refund";
    /// order row id: read its TikTok return and refund requests
    pub const RETURNS_READ: &str = "returns_read";
    /// shop connection id: read the return and refund requests updated since the last poll
    pub const RETURNS_POLL: &str = "returns_poll";

    /// Which due jobs a worker takes first (lowest first): orders, because buyers and
    /// merchants wait for them; then everything else; last the per-listing work that can
    /// come by the ten thousand (stock pushes after linking a large catalog), which would
    /// otherwise hold every order behind it. Migrations 0013 and 0020 set the same for
    /// queued rows. (One claim in `runner::FAIR_TURN` takes the longest-due job instead.)
    ///
    /// The connection check and the store read after a start go with the orders: until the
    /// read ran no order is created, so behind a flood of due order work (each poll queues
    /// every recent order again) they would wait for work that waits for them, forever.
    pub fn priority(kind: &str) -> i64 {
        match kind {
            ORDER_FETCH | ORDER_SYNC | FULFILMENT_PUSH | STORE_CANCEL | STORE_REFUND
            | MCF_CREATE | MCF_FOLLOW | RETURNS_READ | CONNECT | STORE_ORDERS_READ => 0,
            PUSH_STOCK | LIST_PRODUCT | REVIEW_CHECK | STORE_PRODUCT_REFRESH => 2,
            _ => 1,
        }
    }
}

pub struct Engine {
    pub store: Store,
    pub orgs: Vec<Arc<OrgRuntime>>,
    pub settings: SyncSettings,
    /// For fetching store images to upload to TikTok.
    pub http: reqwest::Client,
    /// Woken whenever a job is queued.
    pub job_queued: Notify,
    /// Base URL platforms deliver webhooks to, when the webhook listener runs.
    pub webhook_base: Option<String>,
    /// Wall time (the store's transactions read the same clock).
    pub clock: Arc<dyn crate::clock::Clock>,
    /// Beaten by the job loop each turn; systemd's watchdog is fed only while it beats.
    pub loop_heartbeat: Arc<crate::service::Heartbeat>,
}

/// The name of an organization's store connection (`feedbridge status`, metrics labels).
pub fn store_connection_name(org: &str) -> String {
    format!("{org}-store")
}

impl Engine {
    pub fn new(
        store: Store,
        orgs: Vec<Arc<OrgRuntime>>,
        settings: SyncSettings,
        http: reqwest::Client,
        webhook_base: Option<String>,
        clock: Arc<dyn crate::clock::Clock>,
    ) -> Self {
        let loop_heartbeat = Arc::new(crate::service::Heartbeat::starting_at(clock.now_millis()));
        Self {
            store,
            orgs,
            settings,
            http,
            job_queued: Notify::new(),
            webhook_base,
            clock,
            loop_heartbeat,
        }
    }

    pub fn org(&self, org_id: i64) -> Option<&Arc<OrgRuntime>> {
        self.orgs.iter().find(|org| org.id == org_id)
    }

    /// The shop of a stored connection; `None` (with a warning: work for it is left alone)
    /// when the configuration no longer has it.
    pub fn shop(&self, connection: i64) -> Option<(&Arc<OrgRuntime>, &Arc<ShopRuntime>)> {
        let found = self.orgs.iter().find_map(|org| {
            org.shops
                .iter()
                .find(|shop| shop.connection == connection)
                .map(|shop| (org, shop))
        });
        if found.is_none() {
            tracing::warn!(
                connection,
                "Work for a TikTok shop this daemon no longer serves (removed from the configuration?) was left alone."
            );
        }
        found
    }

    pub fn shop_by_tiktok_id(&self, shop_id: &str) -> Option<&Arc<ShopRuntime>> {
        self.orgs
            .iter()
            .flat_map(|org| org.shops.iter())
            .find(|shop| shop.shop_id == shop_id)
    }

    pub fn shops_by_connection(&self) -> HashMap<i64, Arc<ShopRuntime>> {
        self.orgs
            .iter()
            .flat_map(|org| org.shops.iter())
            .map(|shop| (shop.connection, Arc::clone(shop)))
            .collect()
    }

    /// Queue a job after `delay`; a job already queued for the subject absorbs it.
    pub async fn enqueue(
        &self,
        kind: &str,
        subject: impl ToString,
        delay: Duration,
    ) -> Result<(), StoreError> {
        let kind = kind.to_owned();
        let subject = subject.to_string();
        let run_at =
            self.clock.now_millis() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
        self.store
            .call(move |conn| store::enqueue(conn, &kind, &subject, run_at, kind::priority(&kind)))
            .await?;
        self.job_queued.notify_waiters();
        Ok(())
    }

    pub async fn enqueue_many(
        &self,
        kind: &str,
        subjects: Vec<i64>,
        delay: Duration,
    ) -> Result<(), StoreError> {
        if subjects.is_empty() {
            return Ok(());
        }
        let kind = kind.to_owned();
        let run_at =
            self.clock.now_millis() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
        self.store
            .call(move |tx| {
                for subject in subjects {
                    store::enqueue(
                        tx,
                        &kind,
                        &subject.to_string(),
                        run_at,
                        kind::priority(&kind),
                    )?;
                }
                Ok(())
            })
            .await?;
        self.job_queued.notify_waiters();
        Ok(())
    }
}

/// Why a step did not complete, in the merchant's words.
#[derive(Debug)]
pub struct StepFailure {
    pub kind: FailureKind,
    pub org: Option<String>,
    pub subject: String,
    pub reason: String,
    pub action: String,
    pub raw: Option<String>,
    /// A later attempt may succeed without anyone changing anything.
    pub retryable: bool,
    pub retry_after: Option<Duration>,
}

impl StepFailure {
    pub fn rejected(
        kind: FailureKind,
        org: &str,
        subject: impl Into<String>,
        reason: impl Into<String>,
        action: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            org: Some(org.to_owned()),
            subject: subject.into(),
            reason: reason.into(),
            action: action.into(),
            raw: None,
            retryable: false,
            retry_after: None,
        }
    }

    /// Phrase a platform error for the merchant.
    pub fn from_connector(
        kind: FailureKind,
        org: &str,
        subject: impl Into<String>,
        platform: &str,
        error: &ConnectorError,
    ) -> Self {
        let (reason, action, retryable, retry_after) = match error {
            ConnectorError::Retryable { reason, retry_after, .. } => (
                format!("{platform} did not answer in time or asked us to slow down ({reason})"),
                "Nothing to do: feedbridge retries by itself. Retry now from the Failures panel if it persists.".to_owned(),
                true,
                *retry_after,
            ),
            ConnectorError::Throttled { reason, retry_after, .. } => (
                format!("{platform} asked us to slow down ({reason})"),
                "Nothing to do: feedbridge sends it again when the platform's rate limit allows. Retry now from the Failures panel if it persists.".to_owned(),
                true,
                *retry_after,
            ),
            ConnectorError::Rejected { reason, .. } => (
                format!("{platform} refused it: {reason}"),
                "Fix what the reason names, then retry.".to_owned(),
                false,
                None,
            ),
            ConnectorError::Unauthorized { reason, .. } => (
                format!("{platform} no longer accepts feedbridge's credentials: {reason}"),
                format!("Reauthorize feedbridge in {platform} and update the secrets file, then retry."),
                false,
                None,
            ),
        };
        Self {
            kind,
            org: Some(org.to_owned()),
            subject: subject.into(),
            reason,
            action,
            raw: Some(error.raw().to_owned()),
            retryable,
            retry_after,
        }
    }

    pub fn internal(kind: FailureKind, error: impl std::fmt::Display) -> Self {
        Self {
            kind,
            org: None,
            subject: "feedbridge".into(),
            reason: format!("feedbridge could not read or write its database: {error}"),
            action: "Check disk space and permissions of the data directory; feedbridge retries by itself.".into(),
            raw: None,
            retryable: true,
            retry_after: None,
        }
    }
}

/// A database error fails the step as a storage failure; an order move the state machine
/// refuses fails it with that reason (a bug to report, not a disk to check).
impl From<store::StoreError> for StepFailure {
    fn from(error: store::StoreError) -> Self {
        if let store::StoreError::Sqlite(rusqlite::Error::UserFunctionError(inner)) = &error
            && let Some(illegal) = inner.downcast_ref::<store::IllegalOrderMove>()
        {
            return Self {
                kind: FailureKind::OrderCreate,
                org: None,
                subject: format!("TikTok order {}", illegal.tiktok_order_id),
                reason: illegal.to_string(),
                action: "Report this to feedbridge support with the order id; the order was left as it was.".into(),
                raw: None,
                retryable: false,
                retry_after: None,
            };
        }
        Self::internal(FailureKind::Storage, error)
    }
}

pub type StepResult = Result<(), StepFailure>;

#[cfg(test)]
mod tests {
    use super::kind::{self, CONNECT, ORDER_SYNC, STORE_ORDERS_READ};
    use crate::store;

    fn enqueue(conn: &rusqlite::Connection, job_kind: &str, subject: &str, run_at: i64) {
        store::enqueue(conn, job_kind, subject, run_at, kind::priority(job_kind)).unwrap();
    }

    /// A start amid an order flood: every order waits for the store read, and every poll
    /// queues every recent order again, due at once. The connection check and the read, queued
    /// at the start, must still come up, else nothing is ever created.
    #[test]
    fn order_work_does_not_starve_the_read_that_lets_orders_be_created() {
        let conn = store::migrated_in_memory();
        let start = 1_000_000;
        for order in 1..=200 {
            enqueue(&conn, ORDER_SYNC, &order.to_string(), start - 5_000);
        }
        enqueue(&conn, CONNECT, "1", start);
        enqueue(&conn, STORE_ORDERS_READ, "1", start);
        let mut claimed = Vec::new();
        for now in start..start + 2_000 {
            let job = store::claim_next(&conn, now, &[]).unwrap().unwrap();
            store::finish_job(&conn, &job).unwrap();
            if job.kind == ORDER_SYNC {
                // Still waiting for the read; the next poll names it again.
                enqueue(&conn, ORDER_SYNC, &job.subject, now);
            } else {
                claimed.push(job.kind);
            }
        }
        assert_eq!(claimed, [CONNECT, STORE_ORDERS_READ]);
    }
}
