//! The `Console` service: maps console calls onto the store and the job queue.

mod attributes;
mod compliance;
mod connections;
mod linking;
mod listing;
mod mcf;
mod orders;
mod settings;

use crate::connector::store_platform::connector_for;
use crate::store::{self, MappingOutcome, StoreError};
use crate::sync::{Engine, kind};
use feedbridge_common::attributes::{AttributeForm, AttributeRule, AttributeTarget};
use feedbridge_common::catalog::{
    AuthorizationStart, ConnectionTest, LinkPreview, MappingReport, ProductDetail, ShopSettings,
};
use feedbridge_common::compliance::{
    BrandView, ComplianceChange, ComplianceTarget, ComplianceView, NewOperator, OperatorRole,
    ShopCompliance,
};
use feedbridge_common::config::StorePlatform;
use feedbridge_common::mcf::McfSettings;
use feedbridge_common::orders::{CarrierChoices, OrderDetail, OrderSettings};
use feedbridge_common::rpc::{ConsoleRequest, ConsoleResponse};
use feedbridge_common::rpc::{MAX_EVENT_WAIT_MS, RpcError};
use feedbridge_common::store_change::StoreChange;
use feedbridge_common::{
    CategoryRef, Console, EventBatch, FailureKind, FailureQuery, FailureView, MAX_PAGE_ROWS,
    OrderFilter, OrderQuery, OrderView, OrganizationView, Page, ProductFilter, ProductQuery,
    ProductView, StatusReport, Window,
};
use futures::StreamExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tarpc::context::Context;
use tarpc::server::{BaseChannel, Channel};
use tarpc::{ClientMessage, Response};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::warn;

/// Most events one `events_since` call returns.
const EVENT_PAGE: u32 = 500;

#[derive(Clone)]
pub struct ConsoleServer {
    pub engine: Arc<Engine>,
    pub started: Instant,
    pub data_dir: PathBuf,
    pub socket: PathBuf,
    pub draining: CancellationToken,
    pub files: crate::store_change::ConfigFiles,
}

pub(crate) fn internal(error: StoreError) -> RpcError {
    RpcError::Internal(error.to_string())
}

/// A page call's window, refused when it asks for more rows than one answer carries.
fn check_window(window: Window) -> Result<(), RpcError> {
    if window.limit > MAX_PAGE_ROWS {
        return Err(RpcError::Invalid(format!(
            "a page holds at most {MAX_PAGE_ROWS} rows; ask for {} rows at offset {} in pages of {MAX_PAGE_ROWS}",
            window.limit, window.offset
        )));
    }
    Ok(())
}

impl ConsoleServer {
    async fn status_report(&self) -> Result<StatusReport, StoreError> {
        let now_ms = self.engine.clock.now_millis();
        let (
            organizations,
            (jobs_pending, jobs_scheduled),
            failures_open,
            orders_total,
            products_total,
            latest_event,
        ) = self
            .engine
            .store
            .read(move |conn| {
                Ok((
                    store::organization_views(conn)?,
                    (
                        store::count_due_jobs(conn, now_ms)?,
                        store::count_scheduled_jobs(conn, now_ms)?,
                    ),
                    store::count_open_failures(conn)?,
                    store::count_orders(conn)?,
                    store::count_listings(conn)?,
                    store::latest_event(conn)?,
                ))
            })
            .await?;
        let organizations = organizations
            .into_iter()
            .map(|view| OrganizationView {
                capabilities: StorePlatform::from_name(&view.store.platform)
                    .map(|platform| connector_for(platform).capabilities()),
                ..view
            })
            .collect();
        Ok(StatusReport {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            pid: std::process::id(),
            uptime_secs: self.started.elapsed().as_secs(),
            data_dir: self.data_dir.display().to_string(),
            socket: self.socket.display().to_string(),
            organizations,
            jobs_pending,
            jobs_scheduled,
            failures_open,
            orders_total,
            products_total,
            latest_event,
            draining: self.draining.is_cancelled(),
            degraded: self.engine.store.degraded(),
        })
    }
}

impl Console for ConsoleServer {
    async fn status(self, _: Context) -> StatusReport {
        match self.status_report().await {
            Ok(report) => report,
            Err(error) => {
                warn!(%error, "Could not build the status report.");
                StatusReport {
                    version: env!("CARGO_PKG_VERSION").to_owned(),
                    pid: std::process::id(),
                    uptime_secs: self.started.elapsed().as_secs(),
                    data_dir: self.data_dir.display().to_string(),
                    socket: self.socket.display().to_string(),
                    organizations: Vec::new(),
                    jobs_pending: 0,
                    jobs_scheduled: 0,
                    failures_open: 0,
                    orders_total: 0,
                    products_total: 0,
                    latest_event: 0,
                    draining: self.draining.is_cancelled(),
                    degraded: self.engine.store.degraded(),
                }
            }
        }
    }

    async fn orders(self, _: Context, filter: OrderFilter) -> Vec<OrderView> {
        self.engine
            .store
            .read(move |conn| store::order_views(conn, &filter))
            .await
            .unwrap_or_else(|error| {
                warn!(%error, "Could not list orders.");
                Vec::new()
            })
    }

    async fn products(self, _: Context, filter: ProductFilter) -> Vec<ProductView> {
        self.engine
            .store
            .read(move |conn| store::product_views(conn, &filter))
            .await
            .unwrap_or_else(|error| {
                warn!(%error, "Could not list products.");
                Vec::new()
            })
    }

    async fn failures(self, _: Context) -> Vec<FailureView> {
        self.engine
            .store
            .read(store::open_failures)
            .await
            .unwrap_or_else(|error| {
                warn!(%error, "Could not list failures.");
                Vec::new()
            })
    }

    async fn order_page(self, _: Context, query: OrderQuery) -> Result<Page<OrderView>, RpcError> {
        check_window(query.window)?;
        self.engine
            .store
            .read(move |conn| store::order_page(conn, &query))
            .await
            .map_err(internal)
    }

    async fn product_page(
        self,
        _: Context,
        query: ProductQuery,
    ) -> Result<Page<ProductView>, RpcError> {
        check_window(query.window)?;
        self.engine
            .store
            .read(move |conn| store::product_page(conn, &query))
            .await
            .map_err(internal)
    }

    async fn failure_page(
        self,
        _: Context,
        query: FailureQuery,
    ) -> Result<Page<FailureView>, RpcError> {
        check_window(query.window)?;
        self.engine
            .store
            .read(move |conn| store::failure_page(conn, &query))
            .await
            .map_err(internal)
    }

    async fn retry_failure(self, _: Context, failure_id: i64) -> Result<String, RpcError> {
        orders::retry_failure(&self, failure_id).await
    }

    async fn retry_failures(
        self,
        _: Context,
        kind: FailureKind,
        organization: Option<String>,
    ) -> Result<u32, RpcError> {
        orders::retry_failures(&self, kind, organization).await
    }

    async fn order_detail(self, _: Context, order_id: i64) -> Result<OrderDetail, RpcError> {
        orders::order_detail(&self, order_id).await
    }

    async fn resync_order(self, _: Context, order_id: i64) -> Result<String, RpcError> {
        orders::resync_order(&self, order_id).await
    }

    async fn order_settings(self, _: Context, shop: String) -> Result<OrderSettings, RpcError> {
        orders::order_settings(&self, shop).await
    }

    async fn set_order_settings(
        self,
        _: Context,
        shop: String,
        settings: OrderSettings,
    ) -> Result<String, RpcError> {
        orders::set_order_settings(&self, shop, settings).await
    }

    async fn mcf_settings(self, _: Context, shop: String) -> Result<McfSettings, RpcError> {
        mcf::mcf_settings(&self, shop).await
    }

    async fn set_mcf_settings(
        self,
        _: Context,
        shop: String,
        settings: McfSettings,
    ) -> Result<String, RpcError> {
        mcf::set_mcf_settings(&self, shop, settings).await
    }

    async fn carrier_choices(self, _: Context, shop: String) -> Result<CarrierChoices, RpcError> {
        orders::carrier_choices(&self, shop).await
    }

    async fn set_carrier_mapping(
        self,
        _: Context,
        shop: String,
        store_carrier: String,
        tiktok_provider: Option<String>,
    ) -> Result<String, RpcError> {
        orders::set_carrier_mapping(&self, shop, store_carrier, tiktok_provider).await
    }

    async fn categories(
        self,
        _: Context,
        shop: String,
        search: String,
    ) -> Result<Vec<CategoryRef>, RpcError> {
        let Some(runtime) = self
            .engine
            .orgs
            .iter()
            .flat_map(|o| o.shops.iter())
            .find(|s| s.name == shop)
        else {
            return Err(RpcError::NotFound(format!(
                "no TikTok shop named \"{shop}\""
            )));
        };
        let connection = runtime.connection;
        self.engine
            .store
            .read(move |conn| store::search_leaf_categories(conn, connection, search.trim(), 200))
            .await
            .map_err(internal)
    }

    async fn map_category(
        self,
        _: Context,
        listing_id: i64,
        category_id: String,
    ) -> Result<String, RpcError> {
        let id = category_id.clone();
        let outcome = self
            .engine
            .store
            .call(move |conn| store::map_category(conn, listing_id, &id))
            .await
            .map_err(internal)?;
        match outcome {
            MappingOutcome::Mapped {
                listing_title,
                category,
            } => Ok(format!("{listing_title} is mapped to {category}.")),
            MappingOutcome::NoSuchListing => Err(RpcError::NotFound(format!(
                "no product listing with id {listing_id}"
            ))),
            MappingOutcome::Locked { status } => Err(RpcError::Conflict(format!(
                "the category is locked because the product is already on TikTok ({status}); TikTok does not allow moving a listed product"
            ))),
            MappingOutcome::NotALeaf => Err(RpcError::Invalid(format!(
                "category {category_id} has subcategories; choose one of its leaf categories"
            ))),
            MappingOutcome::NotAvailable { category } => Err(RpcError::Invalid(format!(
                "TikTok has not opened {category} to this shop (invite-only or restricted); apply for it in TikTok Seller Center or choose another category"
            ))),
            MappingOutcome::TreeNotLoaded => Err(RpcError::Conflict(
                "this shop's TikTok category tree has not been fetched yet (its connection is being checked); try again in a moment".into(),
            )),
            MappingOutcome::UnknownCategory => Err(RpcError::Invalid(format!(
                "category {category_id} is not in this shop's category tree"
            ))),
        }
    }

    async fn list_products(self, _: Context, listing_ids: Vec<i64>) -> Result<u32, RpcError> {
        if self.draining.is_cancelled() {
            return Err(RpcError::ShuttingDown);
        }
        let count = u32::try_from(listing_ids.len()).unwrap_or(u32::MAX);
        self.engine
            .enqueue_many(kind::LIST_PRODUCT, listing_ids, Duration::ZERO)
            .await
            .map_err(internal)?;
        Ok(count)
    }

    async fn test_connection(self, _: Context, name: String) -> Result<ConnectionTest, RpcError> {
        connections::test_connection(&self, name).await
    }

    async fn start_authorization(
        self,
        _: Context,
        shop: String,
    ) -> Result<AuthorizationStart, RpcError> {
        connections::start_authorization(&self, shop).await
    }

    async fn finish_authorization(
        self,
        _: Context,
        shop: String,
        code: String,
        state: String,
    ) -> Result<String, RpcError> {
        connections::finish_authorization(&self, shop, code, state).await
    }

    async fn map_categories(
        self,
        _: Context,
        listing_ids: Vec<i64>,
        category_id: String,
    ) -> Result<MappingReport, RpcError> {
        listing::map_categories(&self, listing_ids, category_id).await
    }

    async fn unmap_category(self, _: Context, listing_id: i64) -> Result<String, RpcError> {
        listing::unmap_category(&self, listing_id).await
    }

    async fn product_detail(self, _: Context, listing_id: i64) -> Result<ProductDetail, RpcError> {
        listing::product_detail(&self, listing_id).await
    }

    async fn select_skus(
        self,
        _: Context,
        listing_id: i64,
        seller_skus: Vec<String>,
    ) -> Result<String, RpcError> {
        listing::select_skus(&self, listing_id, seller_skus).await
    }

    async fn resubmit(self, _: Context, listing_ids: Vec<i64>) -> Result<u32, RpcError> {
        listing::resubmit(&self, listing_ids).await
    }

    async fn link_preview(self, _: Context, shop: String) -> Result<LinkPreview, RpcError> {
        linking::link_preview(&self, shop).await
    }

    async fn link_apply(self, _: Context, shop: String) -> Result<u32, RpcError> {
        linking::link_apply(&self, shop).await
    }

    async fn link_manual(
        self,
        _: Context,
        listing_id: i64,
        tiktok_product_id: String,
    ) -> Result<String, RpcError> {
        linking::link_manual(&self, listing_id, tiktok_product_id).await
    }

    async fn shop_settings(self, _: Context, shop: String) -> Result<ShopSettings, RpcError> {
        settings::shop_settings(&self, shop).await
    }

    async fn set_shop_settings(
        self,
        _: Context,
        shop: String,
        settings: ShopSettings,
    ) -> Result<String, RpcError> {
        settings::set_shop_settings(&self, shop, settings).await
    }

    async fn attribute_form(
        self,
        _: Context,
        target: AttributeTarget,
    ) -> Result<AttributeForm, RpcError> {
        attributes::attribute_form(&self, target).await
    }

    async fn set_attributes(
        self,
        _: Context,
        target: AttributeTarget,
        values: Vec<(String, Vec<String>)>,
    ) -> Result<String, RpcError> {
        attributes::set_attributes(&self, target, values).await
    }

    async fn attribute_rules(
        self,
        _: Context,
        shop: String,
    ) -> Result<Vec<AttributeRule>, RpcError> {
        attributes::attribute_rules(&self, shop).await
    }

    async fn set_attribute_rule(
        self,
        _: Context,
        shop: String,
        attribute: String,
        store_option: Option<String>,
    ) -> Result<String, RpcError> {
        attributes::set_attribute_rule(&self, shop, attribute, store_option).await
    }

    async fn compliance(self, _: Context, listing_id: i64) -> Result<ComplianceView, RpcError> {
        compliance::compliance(&self, listing_id).await
    }

    async fn set_compliance(
        self,
        _: Context,
        target: ComplianceTarget,
        change: ComplianceChange,
    ) -> Result<String, RpcError> {
        compliance::set_compliance(&self, target, change).await
    }

    async fn brands(
        self,
        _: Context,
        shop: String,
        category_id: Option<String>,
        search: String,
    ) -> Result<Vec<BrandView>, RpcError> {
        compliance::brands(&self, shop, category_id, search).await
    }

    async fn recommend_category(
        self,
        _: Context,
        shop: String,
        title: String,
    ) -> Result<CategoryRef, RpcError> {
        compliance::recommend_category(&self, shop, title).await
    }

    async fn shop_compliance(self, _: Context, shop: String) -> Result<ShopCompliance, RpcError> {
        compliance::shop_compliance(&self, shop).await
    }

    async fn set_shop_compliance(
        self,
        _: Context,
        shop: String,
        settings: ShopCompliance,
    ) -> Result<String, RpcError> {
        compliance::set_shop_compliance(&self, shop, settings).await
    }

    async fn create_operator(
        self,
        _: Context,
        shop: String,
        role: OperatorRole,
        operator: NewOperator,
    ) -> Result<String, RpcError> {
        compliance::create_operator(&self, shop, role, operator).await
    }

    async fn store_connect(self, _: Context, change: StoreChange) -> Result<String, RpcError> {
        crate::store_change::connect(&self.files, change, &self.engine.http, &self.engine.clock)
            .await
    }

    async fn store_disconnect(self, _: Context, organization: String) -> Result<String, RpcError> {
        crate::store_change::disconnect(&self.files, &organization).await
    }

    async fn events_since(self, _: Context, cursor: u64, max_wait_ms: u32) -> EventBatch {
        let wait = Duration::from_millis(u64::from(max_wait_ms.min(MAX_EVENT_WAIT_MS)));
        let mut latest = self.engine.store.subscribe_events();
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let events = self
                .engine
                .store
                .read(move |conn| store::events_after(conn, cursor, EVENT_PAGE))
                .await
                .unwrap_or_default();
            if !events.is_empty() {
                let latest = events.last().map_or(cursor, |e| e.seq);
                return EventBatch { events, latest };
            }
            let changed = tokio::time::timeout_at(deadline, latest.changed()).await;
            if !matches!(changed, Ok(Ok(()))) {
                return EventBatch {
                    events: Vec::new(),
                    latest: cursor.max(*latest.borrow()),
                };
            }
        }
    }
}

/// Serve the console on an already-bound listener until `stop` fires.
pub async fn serve<S, T, E>(listener: S, server: ConsoleServer, stop: CancellationToken)
where
    S: futures::Stream<Item = Result<T, E>>,
    T: tarpc::Transport<Response<ConsoleResponse>, ClientMessage<ConsoleRequest>> + Send + 'static,
{
    let connections = listener.filter_map(|connection| async move { connection.ok() });
    let serving = connections.for_each(|transport| {
        let server = server.clone();
        async move {
            let channel = BaseChannel::with_defaults(transport);
            tokio::spawn(
                channel
                    .execute(server.serve())
                    .for_each(|response| async move {
                        tokio::spawn(response);
                    }),
            );
        }
    });
    tokio::select! {
        () = serving => {}
        () = stop.cancelled() => {}
    }
}
