//! The `Console` service the daemon serves on its Unix socket.
//!
//! Calls run under tarpc's default 10 s deadline, so nothing here blocks on a platform:
//! actions enqueue jobs and return at once; `events_since` waits at most `max_wait_ms`.

use crate::attributes::{AttributeForm, AttributeRule, AttributeTarget, RuleSource};
use crate::catalog::{
    AuthorizationStart, ConnectionTest, LinkPreview, MappingReport, ProductDetail, ShopSettings,
};
use crate::compliance::{
    BrandView, ComplianceChange, ComplianceTarget, ComplianceView, NewOperator, OperatorRole,
    ShopCompliance, SizeChartTemplate,
};
use crate::domain::{
    CategoryRef, EventBatch, FailureKind, FailureQuery, FailureView, OrderFilter, OrderQuery,
    OrderView, Page, ProductFilter, ProductQuery, ProductView, StatusReport,
};
use crate::mcf::McfSettings;
use crate::orders::{CarrierChoices, OrderDetail, OrderSettings};
use crate::store_change::StoreChange;
use serde::{Deserialize, Serialize};

/// Longest `events_since` may hold a call open, well inside tarpc's 10 s deadline.
pub const MAX_EVENT_WAIT_MS: u32 = 5_000;

#[tarpc::service]
pub trait Console {
    async fn status() -> StatusReport;
    async fn orders(filter: OrderFilter) -> Vec<OrderView>;
    async fn products(filter: ProductFilter) -> Vec<ProductView>;
    async fn failures() -> Vec<FailureView>;
    /// One window of the orders passing `query`, sorted, with how many pass in all. The
    /// console's Orders panel pages through these.
    async fn order_page(query: OrderQuery) -> Result<Page<OrderView>, RpcError>;
    /// One window of the product listings passing `query`, with how many pass in all.
    async fn product_page(query: ProductQuery) -> Result<Page<ProductView>, RpcError>;
    /// One window of the open failures passing `query`, with how many pass in all.
    async fn failure_page(query: FailureQuery) -> Result<Page<FailureView>, RpcError>;
    /// Requeue the work behind one open failure.
    async fn retry_failure(failure_id: i64) -> Result<String, RpcError>;
    /// Leaf categories of a shop's tree whose path contains `search` (case-insensitive);
    /// `name` is the full path, e.g. "Womenswear > Tops > T-shirts".
    async fn categories(shop: String, search: String) -> Result<Vec<CategoryRef>, RpcError>;
    /// Choose the TikTok category for a listing (a leaf of that shop's tree).
    async fn map_category(listing_id: i64, category_id: String) -> Result<String, RpcError>;
    /// Queue listings for submission to TikTok; returns how many were queued.
    async fn list_products(listing_ids: Vec<i64>) -> Result<u32, RpcError>;
    /// Run every check of one connection (store or TikTok shop) now. May take longer than
    /// the default deadline: call with a 60 s one.
    async fn test_connection(name: String) -> Result<ConnectionTest, RpcError>;
    /// Begin authorizing feedbridge for a TikTok shop: the URL the owner opens.
    async fn start_authorization(shop: String) -> Result<AuthorizationStart, RpcError>;
    /// Exchange the code TikTok returned (with its `state`) for tokens; sync resumes.
    async fn finish_authorization(
        shop: String,
        code: String,
        state: String,
    ) -> Result<String, RpcError>;
    /// Map several listings to one category; refusals are reported per listing.
    async fn map_categories(
        listing_ids: Vec<i64>,
        category_id: String,
    ) -> Result<MappingReport, RpcError>;
    /// Remove a listing's category (only before it is listed).
    async fn unmap_category(listing_id: i64) -> Result<String, RpcError>;
    async fn product_detail(listing_id: i64) -> Result<ProductDetail, RpcError>;
    /// Choose which SKUs of a product to list (empty = all).
    async fn select_skus(listing_id: i64, seller_skus: Vec<String>) -> Result<String, RpcError>;
    /// Submit again after a fix (Failed to sync or Failed review); returns how many queued.
    async fn resubmit(listing_ids: Vec<i64>) -> Result<u32, RpcError>;
    /// What linking by seller SKU would do on a shop, changing nothing. Call with a 60 s
    /// deadline: it reads the shop's TikTok catalog.
    async fn link_preview(shop: String) -> Result<LinkPreview, RpcError>;
    /// Link every match of a fresh preview; returns how many listings were linked.
    async fn link_apply(shop: String) -> Result<u32, RpcError>;
    /// Link one listing to an existing TikTok product by hand.
    async fn link_manual(listing_id: i64, tiktok_product_id: String) -> Result<String, RpcError>;
    async fn shop_settings(shop: String) -> Result<ShopSettings, RpcError>;
    async fn set_shop_settings(shop: String, settings: ShopSettings) -> Result<String, RpcError>;
    /// Requeue every open failure of one kind (optionally of one organization); returns
    /// how many were queued.
    async fn retry_failures(
        kind: FailureKind,
        organization: Option<String>,
    ) -> Result<u32, RpcError>;
    /// One order with its lines, packages, money and timeline.
    async fn order_detail(order_id: i64) -> Result<OrderDetail, RpcError>;
    /// Look at an order again now (e.g. after linking its SKU or ending its hold early).
    async fn resync_order(order_id: i64) -> Result<String, RpcError>;
    async fn order_settings(shop: String) -> Result<OrderSettings, RpcError>;
    /// Save a shop's order rules. `carrier_mappings` is ignored here: mappings change only
    /// through `set_carrier_mapping`, so saving a form read earlier never undoes one.
    async fn set_order_settings(shop: String, settings: OrderSettings) -> Result<String, RpcError>;
    /// A shop's Amazon MCF rules: shipping speed, fill policy, and the limits that keep an
    /// order with the store.
    async fn mcf_settings(shop: String) -> Result<McfSettings, RpcError>;
    async fn set_mcf_settings(shop: String, settings: McfSettings) -> Result<String, RpcError>;
    /// The carrier mapping editor's data. Call with a 60 s deadline: it may ask TikTok for
    /// the shop's shipping providers.
    async fn carrier_choices(shop: String) -> Result<CarrierChoices, RpcError>;
    /// Map a store carrier name to a TikTok provider name; `None` removes the mapping.
    async fn set_carrier_mapping(
        shop: String,
        store_carrier: String,
        tiktok_provider: Option<String>,
    ) -> Result<String, RpcError>;
    /// A category's product attributes for a listing (or as the category's defaults): allowed
    /// values, current values and where they came from, and what TikTok would refuse. Call with
    /// a 60 s deadline: it may read the category from TikTok.
    async fn attribute_form(target: AttributeTarget) -> Result<AttributeForm, RpcError>;
    /// Set attributes by name (or id) to values by name; values outside the allowed list are
    /// custom values, refused where TikTok allows none. An empty list unsets the attribute.
    /// Call with a 60 s deadline.
    async fn set_attributes(
        target: AttributeTarget,
        values: Vec<(String, Vec<String>)>,
    ) -> Result<String, RpcError>;
    /// A shop's rules taking attributes from store fields.
    async fn attribute_rules(shop: String) -> Result<Vec<AttributeRule>, RpcError>;
    /// Take `attribute` from the store field `source`; `None` removes the rule.
    async fn set_attribute_rule(
        shop: String,
        attribute: String,
        source: Option<RuleSource>,
    ) -> Result<String, RpcError>;
    /// A listing's brand, size chart, certifications and its shop's EU operators, with what
    /// its category still needs. Call with a 60 s deadline: it may read the category's rules.
    async fn compliance(listing_id: i64) -> Result<ComplianceView, RpcError>;
    /// Change a listing's compliance choices, or a shop category's default. Call with a 60 s
    /// deadline: a brand is checked against the shop's TikTok brand list.
    async fn set_compliance(
        target: ComplianceTarget,
        change: ComplianceChange,
    ) -> Result<String, RpcError>;
    /// The shop's TikTok brands, usable in `category_id` when given, whose name contains
    /// `search`. Call with a 60 s deadline.
    async fn brands(
        shop: String,
        category_id: Option<String>,
        search: String,
    ) -> Result<Vec<BrandView>, RpcError>;
    /// The shop's size chart templates (made in Seller Center) whose name contains `search`
    /// (all when empty). Call with a 60 s deadline.
    async fn size_chart_templates(
        shop: String,
        search: String,
    ) -> Result<Vec<SizeChartTemplate>, RpcError>;
    /// TikTok's suggested category for a product title. Call with a 60 s deadline.
    async fn recommend_category(shop: String, title: String) -> Result<CategoryRef, RpcError>;
    /// The EU manufacturer and responsible person a shop's products name.
    async fn shop_compliance(shop: String) -> Result<ShopCompliance, RpcError>;
    async fn set_shop_compliance(
        shop: String,
        compliance: ShopCompliance,
    ) -> Result<String, RpcError>;
    /// Register a manufacturer or responsible person with TikTok and make it the shop's;
    /// returns its TikTok id. Call with a 60 s deadline.
    async fn create_operator(
        shop: String,
        role: OperatorRole,
        operator: NewOperator,
    ) -> Result<String, RpcError>;
    /// Connect a store to an organization, or replace its store. The daemon checks the store
    /// answers with these credentials first (nothing changes if not), then rewrites the config
    /// and secrets files atomically and reloads with them. Call with a 60 s deadline.
    async fn store_connect(change: StoreChange) -> Result<String, RpcError>;
    /// Remove an organization's store from the config and its credentials from the secrets
    /// file, then reload: its TikTok shops stop syncing until a store is connected again.
    async fn store_disconnect(organization: String) -> Result<String, RpcError>;
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
