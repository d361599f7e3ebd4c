//! Domain types as the console sees them: statuses with merchant-facing labels and the views
//! the daemon returns over RPC. Every timestamp is in Unix seconds.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money: a decimal in a currency, never a float.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// ISO 4217 code, e.g. "USD".
    pub currency: String,
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Where a store product stands on one TikTok shop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingStatus {
    NotSynced,
    /// We could not submit it (validation, platform error); the reason says why.
    FailedToSync,
    UnderReview,
    /// TikTok's reviewers rejected it; their reasons are kept.
    FailedReview,
    Active,
    /// Synced (not live): the product is on TikTok but not for sale there (a draft, deactivated
    /// by the seller or by TikTok, frozen, deleted or scheduled); the reason names TikTok's
    /// status and the Seller Center page to fix it. JSON says `not_live` (`unlisted` is read
    /// too); the database keeps `unlisted` ([`ListingStatus::as_str`]).
    #[serde(rename = "not_live", alias = "unlisted")]
    Unlisted,
}

impl ListingStatus {
    pub const ALL: [ListingStatus; 6] = [
        Self::NotSynced,
        Self::FailedToSync,
        Self::UnderReview,
        Self::FailedReview,
        Self::Active,
        Self::Unlisted,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::NotSynced => "Not synced",
            Self::FailedToSync => "Failed to sync",
            Self::UnderReview => "Under review",
            Self::FailedReview => "Failed review",
            Self::Active => "Active",
            Self::Unlisted => "Synced (not live)",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotSynced => "not_synced",
            Self::FailedToSync => "failed_to_sync",
            Self::UnderReview => "under_review",
            Self::FailedReview => "failed_review",
            Self::Active => "active",
            Self::Unlisted => "unlisted",
        }
    }

    /// The stored name; `not_live` is accepted for Synced (not live) too.
    pub fn parse(s: &str) -> Option<Self> {
        if s == "not_live" {
            return Some(Self::Unlisted);
        }
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

impl fmt::Display for ListingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where a TikTok order stands in feedbridge's sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderSyncState {
    /// Not paid yet, or in TikTok's hold window: nothing to do until it is.
    Waiting,
    /// Cannot sync until the merchant fixes something (e.g. an unlisted SKU); syncs by itself after.
    Blocked,
    /// Paid and queued to be created in the store.
    Pending,
    /// Created in the store; waiting for the store to ship it.
    InStore,
    /// Sent to Amazon Multi-Channel Fulfillment; waiting for Amazon to ship it.
    AtAmazon,
    /// Tracking pushed to TikTok.
    Shipped,
    Cancelled,
    /// Creating it failed in a way a retry alone may not fix; see the failure.
    Failed,
}

impl OrderSyncState {
    pub const ALL: [OrderSyncState; 8] = [
        Self::Waiting,
        Self::Blocked,
        Self::Pending,
        Self::InStore,
        Self::AtAmazon,
        Self::Shipped,
        Self::Cancelled,
        Self::Failed,
    ];

    /// Whether an order in this state may move to `next`: the order's state machine
    /// (docs/Architecture.md "An order's states"). Once an order is in the store or at Amazon
    /// it never goes back to waiting, and a cancelled order stays cancelled.
    pub fn may_become(self, next: Self) -> bool {
        use OrderSyncState::*;
        match (self, next) {
            // The same state with a new reason; and anything may need the merchant's attention.
            (from, to) if from == to => true,
            (_, Failed) => true,
            // Not created anywhere yet (or retried after a failure): every outcome is open.
            (Waiting | Blocked | Pending | Failed, _) => true,
            (InStore, Shipped | Cancelled) => true,
            // Pending: sent to Amazon again after Amazon gave up on it.
            (AtAmazon, Pending | Shipped | Cancelled) => true,
            _ => false,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Waiting => "Waiting",
            Self::Blocked => "Blocked",
            Self::Pending => "Pending",
            Self::InStore => "In store",
            Self::AtAmazon => "At Amazon",
            Self::Shipped => "Shipped",
            Self::Cancelled => "Cancelled",
            Self::Failed => "Failed",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Blocked => "blocked",
            Self::Pending => "pending",
            Self::InStore => "in_store",
            Self::AtAmazon => "at_amazon",
            Self::Shipped => "shipped",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == s)
    }
}

impl fmt::Display for OrderSyncState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    Connected,
    /// The grant was revoked or expired: the merchant must authorize again.
    NeedsReauthorization,
    /// The last call failed for another reason (see `detail`).
    Error,
    /// Not contacted yet.
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    pub name: String,
    /// "shopify", "tiktok", ...
    pub platform: String,
    pub state: ConnectionState,
    pub detail: Option<String>,
    pub currency: Option<String>,
    pub region: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationView {
    pub name: String,
    pub store: ConnectionView,
    pub shops: Vec<ConnectionView>,
    /// The Amazon account that fulfils FBA orders (Multi-Channel Fulfillment), if configured.
    #[serde(default)]
    pub fulfilment: Option<ConnectionView>,
    /// What its store platform can do; `None` while no store is connected (or from an
    /// older daemon).
    #[serde(default)]
    pub capabilities: Option<crate::stores::capabilities::Capabilities>,
}

impl OrganizationView {
    /// What happens to its paid TikTok orders, e.g. "created in the store".
    pub fn orders(&self) -> &'static str {
        match self.capabilities {
            Some(capabilities) => capabilities.orders.describe(),
            None => "none until a store is connected",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    pub version: String,
    pub pid: u32,
    pub uptime_secs: u64,
    pub data_dir: String,
    pub socket: String,
    pub organizations: Vec<OrganizationView>,
    /// Work due now: jobs running, or queued with their time come.
    pub jobs_pending: u64,
    /// Jobs queued for a later time (a retry after its backoff, a settle window). Absent
    /// from older daemons.
    #[serde(default)]
    pub jobs_scheduled: u64,
    pub failures_open: u64,
    pub orders_total: u64,
    pub products_total: u64,
    pub latest_event: u64,
    /// True once SIGTERM arrived: no new work is being taken.
    pub draining: bool,
    /// Set while the database refuses writes (disk full, I/O error, locked): nothing new is
    /// being recorded. Absent from older daemons.
    #[serde(default)]
    pub degraded: Option<Degraded>,
}

/// Why the daemon cannot record anything right now, and since when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Degraded {
    /// In the merchant's words, e.g. "disk full: the database cannot be written".
    pub reason: String,
    /// Unix seconds of the first refused write.
    pub since: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRef {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuView {
    pub seller_sku: String,
    pub store_variant_id: String,
    pub tiktok_sku_id: Option<String>,
    pub price: Money,
    pub store_stock: i64,
    /// What TikTok was last told, if anything.
    pub synced_price: Option<Money>,
    pub synced_stock: Option<i64>,
}

/// One store product on one TikTok shop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductView {
    /// The listing id used by `map_category`, `list_products` and the CLI.
    pub id: i64,
    pub organization: String,
    pub shop: String,
    pub store_product_id: String,
    pub title: String,
    pub category: Option<CategoryRef>,
    pub status: ListingStatus,
    /// Why it failed to sync, in the merchant's words.
    pub status_reason: Option<String>,
    /// TikTok's review reasons when it failed review.
    pub review_reasons: Vec<String>,
    pub tiktok_product_id: Option<String>,
    pub skus: Vec<SkuView>,
    pub updated_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineView {
    pub seller_sku: String,
    pub quantity: u32,
    pub unit_price: Money,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingView {
    pub number: String,
    pub carrier: String,
    /// The TikTok package it was pushed to, once pushed.
    pub tiktok_package_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: i64,
    pub organization: String,
    pub shop: String,
    pub tiktok_order_id: String,
    /// TikTok's own status string, e.g. AWAITING_SHIPMENT.
    pub tiktok_status: String,
    pub sync_state: OrderSyncState,
    /// Why it is blocked or failed.
    pub reason: Option<String>,
    pub store_order_id: Option<String>,
    pub store_order_name: Option<String>,
    pub total: Option<Money>,
    pub lines: Vec<OrderLineView>,
    pub tracking: Vec<TrackingView>,
    /// The Amazon fulfilment order, when the order is fulfilled through Amazon MCF.
    #[serde(default)]
    pub fulfilment: Option<crate::mcf::McfView>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Listing,
    OrderCreate,
    TrackingPush,
    InventoryPush,
    Connection,
    /// Carrying a cancellation across (either way).
    OrderCancel,
    /// TikTok's tracking onto the store order (TikTok-shipped and FBT orders).
    TrackingToStore,
    /// Amazon Multi-Channel Fulfillment: creating, following or cancelling a fulfilment
    /// order, or reading FBA stock.
    Mcf,
    /// feedbridge's own database refused a read or write (disk full, I/O error, a row it
    /// cannot read).
    Storage,
    /// TikTok return and refund requests, and store refunds TikTok must hear about.
    ReturnRefund,
}

impl FailureKind {
    pub const ALL: [FailureKind; 10] = [
        Self::Listing,
        Self::OrderCreate,
        Self::TrackingPush,
        Self::InventoryPush,
        Self::Connection,
        Self::OrderCancel,
        Self::TrackingToStore,
        Self::Mcf,
        Self::Storage,
        Self::ReturnRefund,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Listing => "Listing",
            Self::OrderCreate => "Order to store",
            Self::TrackingPush => "Tracking to TikTok",
            Self::InventoryPush => "Stock to TikTok",
            Self::Connection => "Connection",
            Self::OrderCancel => "Cancellation",
            Self::TrackingToStore => "Tracking to store",
            Self::Mcf => "Amazon MCF",
            Self::Storage => "Storage",
            Self::ReturnRefund => "Return / refund",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureView {
    pub id: i64,
    pub organization: String,
    pub kind: FailureKind,
    /// What failed, e.g. "TikTok order 5764…" or "product Cotton Tee".
    pub subject: String,
    /// Why, in the merchant's words.
    pub reason: String,
    /// What to do about it.
    pub action: String,
    /// The platform's own error text, for support.
    pub raw_error: Option<String>,
    pub retryable: bool,
    pub attempts: u32,
    pub first_seen: i64,
    pub last_seen: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    DaemonStarted,
    ProductDiscovered,
    CategoryMapped,
    ListingChanged,
    StockPushed,
    OrderSeen,
    OrderChanged,
    OrderCreatedInStore,
    TrackingPushed,
    Failed,
    FailureResolved,
    RetryRequested,
    ConnectionChanged,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub seq: u64,
    pub at: i64,
    pub kind: EventKind,
    pub organization: Option<String>,
    pub subject: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventBatch {
    pub events: Vec<EventView>,
    /// Pass this back as the next cursor.
    pub latest: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFilter {
    pub state: Option<OrderSyncState>,
    /// Only this TikTok shop's orders.
    pub shop: Option<String>,
    /// Text found as [`OrderQuery::search`] finds it.
    pub search: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductFilter {
    pub status: Option<ListingStatus>,
    pub limit: Option<u32>,
}

// ---------------------------------------------------------------------------------------------
// Pages: the console's lists, sorted, searched and windowed by the daemon
// ---------------------------------------------------------------------------------------------

/// Most rows one page call returns.
pub const MAX_PAGE_ROWS: u32 = 1_000;

/// Which rows of a sorted list to return: `limit` rows from position `offset` (0 = the first).
/// A window past the end is moved back so that it ends at the last row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    pub offset: u64,
    /// At most [`MAX_PAGE_ROWS`]; 0 asks for the total alone.
    pub limit: u32,
}

impl Window {
    /// The first `limit` rows.
    pub fn first(limit: u32) -> Self {
        Self { offset: 0, limit }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Ascending,
    #[default]
    Descending,
}

/// One window of a list as the daemon sorted and filtered it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// Position of `rows[0]` in the whole list (0 = the first).
    pub offset: u64,
    /// Rows matching the query, in all (of what `note` says was looked at, when it is set).
    pub total: u64,
    /// Why the list covers only part of what matches (a search stopped at its cap), in the
    /// operator's words; None when `total` is every matching row.
    #[serde(default)]
    pub note: Option<String>,
}

/// What the Orders list can be sorted by; every sort ends with the order's id, so the order
/// is stable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderSort {
    /// Last change (the daemon's order, newest first when descending).
    #[default]
    Updated,
    /// When TikTok reported it first (the console's Age column).
    Created,
    #[serde(rename = "tiktok_order_id")]
    TikTokOrderId,
    /// Sync state, then last change.
    SyncState,
    /// Store order name; orders not in the store yet come first when ascending.
    StoreOrder,
}

/// A window of the Orders list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderQuery {
    pub state: Option<OrderSyncState>,
    /// Only this TikTok shop's orders.
    pub shop: Option<String>,
    /// Case-insensitive text found in the TikTok order id, TikTok status, sync state, store
    /// order name, reason, or a seller SKU or tracking number of its lines.
    pub search: Option<String>,
    pub sort: OrderSort,
    pub direction: Direction,
    pub window: Window,
}

/// What the Products list can be sorted by; ties go by listing id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductSort {
    /// Last change of the listing (the daemon's order).
    #[default]
    Updated,
    ListingId,
    Title,
    /// Listing status, then last change.
    Status,
}

/// A window of the Products list (one row per product and TikTok shop).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProductQuery {
    pub status: Option<ListingStatus>,
    /// Case-insensitive text found in the listing id, title, store product id, a seller SKU,
    /// the TikTok product id, category, status, reasons or shop name.
    pub search: Option<String>,
    pub sort: ProductSort,
    pub direction: Direction,
    pub window: Window,
}

/// What the Failures list can be sorted by; ties go by failure id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureSort {
    /// Last seen (the daemon's order).
    #[default]
    LastSeen,
    Id,
    Kind,
    Subject,
    Attempts,
}

/// A window of the open failures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FailureQuery {
    /// Case-insensitive text found in the failure id, kind, subject, reason or action.
    pub search: Option<String>,
    pub sort: FailureSort,
    pub direction: Direction,
    pub window: Window,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_report_from_an_older_daemon_reads_as_healthy() {
        let older = r#"{"version":"0.1.0","pid":1,"uptime_secs":2,"data_dir":"/d","socket":"/s",
            "organizations":[],"jobs_pending":0,"failures_open":0,"orders_total":0,
            "products_total":0,"latest_event":0,"draining":false}"#;
        let report: StatusReport = serde_json::from_str(older).unwrap();
        assert_eq!(report.degraded, None);
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in ListingStatus::ALL {
            assert_eq!(ListingStatus::parse(status.as_str()), Some(status));
        }
        for state in OrderSyncState::ALL {
            assert_eq!(OrderSyncState::parse(state.as_str()), Some(state));
        }
    }

    /// Every (from, to) pair of the order's state machine, as docs/Architecture.md draws it.
    #[test]
    fn the_order_state_table_walked_pair_by_pair() {
        // Rows: from; columns: to, in `OrderSyncState::ALL` order
        // (Waiting, Blocked, Pending, InStore, AtAmazon, Shipped, Cancelled, Failed).
        let table = [
            ("Waiting", "yyyyyyyy"),
            ("Blocked", "yyyyyyyy"),
            ("Pending", "yyyyyyyy"),
            ("InStore", "...y.yyy"),
            ("AtAmazon", "..y.yyyy"),
            ("Shipped", ".....y.y"),
            ("Cancelled", "......yy"),
            ("Failed", "yyyyyyyy"),
        ];
        for (from, (name, row)) in OrderSyncState::ALL.into_iter().zip(table) {
            assert_eq!(format!("{from:?}"), name);
            for (to, allowed) in OrderSyncState::ALL.into_iter().zip(row.chars()) {
                assert_eq!(
                    from.may_become(to),
                    allowed == 'y',
                    "{from:?} -> {to:?} should be {}",
                    if allowed == 'y' { "allowed" } else { "refused" }
                );
            }
        }
    }
}
