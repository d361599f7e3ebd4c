//! The `Console` service the daemon serves on its Unix socket.
//!
//! Calls run under tarpc's default 10 s deadline, so nothing here blocks on a platform:
//! actions enqueue jobs and return at once; `events_since` waits at most `max_wait_ms`.

use crate::domain::{
    CategoryRef, EventBatch, FailureView, OrderFilter, OrderView, ProductFilter, ProductView,
    StatusReport,
};
use serde::{Deserialize, Serialize};

/// Longest `events_since` may hold a call open, well inside tarpc's 10 s deadline.
pub const MAX_EVENT_WAIT_MS: u32 = 5_000;

#[tarpc::service]
pub trait Console {
    async fn status() -> StatusReport;
    async fn orders(filter: OrderFilter) -> Vec<OrderView>;
    async fn products(filter: ProductFilter) -> Vec<ProductView>;
    async fn failures() -> Vec<FailureView>;
    /// Requeue the work behind one open failure.
    async fn retry_failure(failure_id: i64) -> Result<String, RpcError>;
    /// Leaf categories of a shop's tree whose path contains `search` (case-insensitive);
    /// `name` is the full path, e.g. "Womenswear > Tops > T-shirts".
    async fn categories(shop: String, search: String) -> Result<Vec<CategoryRef>, RpcError>;
    /// Choose the TikTok category for a listing (a leaf of that shop's tree).
    async fn map_category(listing_id: i64, category_id: String) -> Result<String, RpcError>;
    /// Queue listings for submission to TikTok; returns how many were queued.
    async fn list_products(listing_ids: Vec<i64>) -> Result<u32, RpcError>;
    /// Events after `cursor`; returns at once if there are any, else when one arrives or
    /// `max_wait_ms` (capped at [`MAX_EVENT_WAIT_MS`]) passes.
    async fn events_since(cursor: u64, max_wait_ms: u32) -> EventBatch;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum RpcError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the daemon is shutting down; try again once it is back")]
    ShuttingDown,
    #[error("internal error: {0}")]
    Internal(String),
}
