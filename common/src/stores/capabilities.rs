//! What a store platform can do, declared by its connector
//! (`StorePlatformConnector::capabilities` in the daemon) so flows ask instead of assuming,
//! and shown per organization in `feedbridge status`, the console and the conformance suite's
//! skips.

use serde::{Deserialize, Serialize};

/// What a store platform can do, so flows ask instead of assuming.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// How changes made in the store reach feedbridge.
    pub changes: ChangeFeed,
    /// The store can refund a whole order and the connector reports it
    /// (`StoreOrderUpdate::refunded`): before shipment it cancels the TikTok order as a store
    /// cancellation does; after shipment it is a difference to handle in Seller Center.
    pub refund_cancels: bool,
    /// Whether feedbridge chooses the store order's number or the store assigns it.
    pub order_number: OrderNumber,
    /// Where a store order's tracking numbers are read.
    pub tracking: TrackingSource,
    /// How the platform limits calls.
    pub rate_limit: RateLimitModel,
    /// What happens to a paid TikTok order.
    pub orders: OrderHandling,
}

/// What happens to a paid TikTok order, by what the source can do with orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderHandling {
    /// Created in the store (web stores), or sent to Amazon MCF where routing says so.
    CreateInStore,
    /// The source is an Amazon seller account, which takes no outside orders: orders of FBA
    /// SKUs go to Amazon MCF; one with merchant-fulfilled (FBM) lines is blocked, naming them,
    /// to be shipped from TikTok Seller Center.
    AmazonMcf,
    /// The source is another TikTok shop: `Storefront::create_order` takes the order's units
    /// off the source shop's stock (recorded like a store order, so exactly once); the order
    /// is shipped from the target shop's Seller Center (or by Amazon MCF where routing says so).
    SourceShop,
}

impl OrderHandling {
    /// What happens to an organization's orders, for the console and `feedbridge status`.
    pub fn describe(self) -> &'static str {
        match self {
            Self::CreateInStore => "created in the store",
            Self::AmazonMcf => {
                "sent to Amazon MCF; orders with merchant-fulfilled (FBM) items blocked for Seller Center"
            }
            Self::SourceShop => {
                "taken from the source shop's stock; shipped from TikTok Seller Center"
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeFeed {
    /// Webhooks, with the periodic polls as the safety net behind them.
    Webhooks,
    /// No webhooks: only the periodic polls (`sync.catalog_poll_secs`,
    /// `sync.fulfilment_poll_secs`) see store changes.
    Polling,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderNumber {
    /// The store numbers its orders; feedbridge records the number it gets.
    StoreAssigns,
    /// feedbridge can set the number (e.g. to the TikTok order id).
    FeedbridgeChooses,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackingSource {
    /// Fulfilments (shipments) with per-line quantities.
    Shipments,
    /// One tracking note or field for the whole order.
    OrderLevel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitModel {
    /// None by default.
    Unlimited,
    /// A leaky bucket of query cost points (Shopify GraphQL).
    CostBucket,
    /// A quota of requests per time window, announced in response headers (BigCommerce).
    RequestWindow,
    /// A token bucket per operation (rate and burst), answered 429 when empty (Amazon SP-API
    /// usage plans).
    PerOperation,
    /// Requests per second per shop, answered with a rate-limit code when exceeded (TikTok
    /// Shop as the source): a client-side token bucket keeps under it.
    RequestsPerSecond,
}
