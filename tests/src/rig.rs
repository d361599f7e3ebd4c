//! A general end-to-end rig: the sandbox simulators in-process, the daemon's config and secrets
//! in a temp dir, the real `feedbridged` on them, a console client, and every connection
//! checked. It can also kill the daemon (SIGKILL) and start it again on the same data dir and
//! socket, as a crash would.

use crate::{Daemon, wait_connected, wait_for, write_daemon_files_for};
use anyhow::Context;
use feedbridge_common::catalog::ShopSettings;
use feedbridge_common::{
    ConsoleClient, ListingStatus, OrderFilter, OrderSyncState, OrderView, ProductFilter,
    ProductView,
};
use feedbridge_sandbox::control::{ControlClient, SellerSku};
use feedbridge_sandbox::merchant::{SimProduct, SimStore};
use feedbridge_sandbox::{RunningSandbox, SandboxConfig};
use feedbridge_tui::demo::setup::Wiring;
use std::path::PathBuf;
use std::time::Duration;
use tarpc::context;

/// Bounded wait used by the rig's helpers.
pub const RIG_WAIT: Duration = Duration::from_secs(60);
/// A leaf with no required product attributes in the sandbox's category tree.
pub const CATEGORY: &str = "601602";
/// The TikTok shop the demo config names.
pub const SHOP: &str = "demo-us";

pub struct Rig {
    pub sandbox: RunningSandbox,
    pub control: ControlClient,
    /// The store platform the organization sells on, as the merchant drives it.
    pub store: SimStore,
    /// The store platform and fulfilment the daemon is wired to.
    pub wiring: Wiring,
    /// The daemon's data dir (config, secrets, SQLite, logs, socket); removed on drop.
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub daemon: Daemon,
    pub console: ConsoleClient,
}

/// Insert `line` (e.g. `workers = 8`) at the top of the config's `[sync]` table.
pub fn with_sync(config: &str, line: &str) -> String {
    config.replacen("[sync]\n", &format!("[sync]\n{line}\n"), 1)
}

impl Rig {
    /// Sandbox seeded by `sandbox`; the demo's daemon config passed through `edit` (see
    /// [`with_sync`]) before the daemon starts; returns once every connection is connected.
    pub async fn start(
        sandbox: SandboxConfig,
        edit: impl FnOnce(String) -> String,
    ) -> anyhow::Result<Self> {
        Self::start_wired(sandbox, Wiring::default(), edit).await
    }

    /// [`Rig::start`] with the organization on another store platform or fulfilment.
    pub async fn start_wired(
        sandbox: SandboxConfig,
        wiring: Wiring,
        edit: impl FnOnce(String) -> String,
    ) -> anyhow::Result<Self> {
        let rig = Self::launch(sandbox, wiring, edit).await?;
        wait_connected(&rig.console).await?;
        Ok(rig)
    }

    /// [`Rig::start_wired`] without waiting for the connections: for a test of what the
    /// checks find.
    pub async fn launch(
        sandbox: SandboxConfig,
        wiring: Wiring,
        edit: impl FnOnce(String) -> String,
    ) -> anyhow::Result<Self> {
        let sandbox = feedbridge_sandbox::start(sandbox, "127.0.0.1".parse()?).await?;
        let control = ControlClient::for_sandbox(&sandbox);
        let dir = tempfile::tempdir()?;
        let config = write_daemon_files_for(dir.path(), &sandbox, wiring)?;
        let text = std::fs::read_to_string(&config)?;
        std::fs::write(&config, edit(text))?;
        let mut daemon = Daemon::spawn(&config, dir.path())?;
        let console = daemon.client().await?;
        Ok(Self {
            sandbox,
            control,
            store: wiring.store,
            wiring,
            dir,
            config,
            daemon,
            console,
        })
    }

    /// [`Rig::start`] with the daemon's data directory (database, logs) at `data_dir` rather
    /// than beside its config (e.g. on a small filesystem); the secrets stay in the rig's dir.
    pub async fn start_with_data_dir(
        sandbox: SandboxConfig,
        data_dir: &std::path::Path,
        edit: impl FnOnce(String) -> String,
    ) -> anyhow::Result<Self> {
        let data_dir = data_dir.to_path_buf();
        let mut secrets = None;
        let rig = Self::start_wired(sandbox, Wiring::default(), |config| {
            let moved: Vec<String> = config
                .lines()
                .map(|line| match line.strip_prefix("data_dir = ") {
                    Some(old) => {
                        // A temp dir's path: no escapes, quoted either way.
                        let old = old.trim_matches(|c| c == '"' || c == '\'');
                        let secrets_file = std::path::Path::new(old).join("secrets.toml");
                        secrets = Some(secrets_file.clone());
                        format!(
                            "data_dir = {}\nsecrets_file = {}",
                            toml_string(&data_dir),
                            toml_string(&secrets_file)
                        )
                    }
                    None => line.to_owned(),
                })
                .collect();
            edit(moved.join("\n") + "\n")
        })
        .await?;
        anyhow::ensure!(secrets.is_some(), "the demo config names no data_dir");
        Ok(rig)
    }

    /// SIGKILL the daemon (no chance to clean up) and reap it.
    pub fn kill(&mut self) -> anyhow::Result<()> {
        self.daemon.child.kill().context("SIGKILL feedbridged")?;
        self.daemon.child.wait().context("reap feedbridged")?;
        Ok(())
    }

    /// Start the daemon again on the same config, data dir and socket; returns once it answers
    /// and every connection is connected. Its stderr is appended to the same log.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.daemon = Daemon::spawn(&self.config, self.dir.path())?;
        self.console = self.daemon.client().await?;
        wait_connected(&self.console)
            .await
            .map_err(|e| self.with_log(e))?;
        Ok(())
    }

    /// Stop the daemon (SIGTERM) and start another on the same config but a new, empty data
    /// dir, as a reinstall or a lost disk would; returns once every connection is connected.
    pub async fn replace_with_new_database(&mut self) -> anyhow::Result<()> {
        let status = self.daemon.terminate()?;
        anyhow::ensure!(status.success(), "the first daemon exited with {status}");
        let dir = tempfile::tempdir()?;
        self.config = write_daemon_files_for(dir.path(), &self.sandbox, self.wiring)?;
        self.dir = dir;
        self.restart().await
    }

    /// The last `lines` lines of the daemon's stderr (over every start).
    pub fn log_tail(&self, lines: usize) -> String {
        let log = self.daemon.stderr();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// `error` with the tail of the daemon's log.
    pub fn with_log(&self, error: anyhow::Error) -> anyhow::Error {
        anyhow::anyhow!("{error}\n--- daemon log (tail) ---\n{}", self.log_tail(120))
    }

    /// The console's listings, once there are at least `at_least`.
    pub async fn listings(&self, at_least: usize) -> anyhow::Result<Vec<ProductView>> {
        wait_for("the store catalog", RIG_WAIT, || async {
            let products = self
                .console
                .products(context::current(), ProductFilter::default())
                .await?;
            Ok((products.len() >= at_least).then_some(products))
        })
        .await
        .map_err(|e| self.with_log(e))
    }

    /// See [`crate::wait_catalog_adopted`].
    pub async fn wait_catalog_adopted(&self) -> anyhow::Result<()> {
        crate::wait_catalog_adopted(&self.console)
            .await
            .map_err(|e| self.with_log(e))
    }

    /// Map and list one listing, wait until it is Active; returns its first seller SKU.
    pub async fn list_active(&self, listing: i64) -> anyhow::Result<String> {
        self.console
            .map_category(context::current(), listing, CATEGORY.into())
            .await??;
        self.console
            .list_products(context::current(), vec![listing])
            .await??;
        let view = wait_for("the listing to become Active", RIG_WAIT, || async {
            let products = self
                .console
                .products(context::current(), ProductFilter::default())
                .await?;
            let view = products.into_iter().find(|p| p.id == listing);
            if let Some(v) = &view {
                anyhow::ensure!(
                    v.status != ListingStatus::FailedToSync,
                    "listing failed: {:?}",
                    v.status_reason
                );
            }
            Ok(view.filter(|v| v.status == ListingStatus::Active))
        })
        .await
        .map_err(|e| self.with_log(e))?;
        Ok(view.skus[0].seller_sku.clone())
    }

    /// Wait until the daemon has subscribed the TikTok webhook types `event_types`, so a notice
    /// the simulator emits has somewhere to go (subscribing runs beside the first catalog read).
    pub async fn wait_tiktok_webhooks(&self, event_types: &[&str]) -> anyhow::Result<()> {
        wait_for("the TikTok webhook subscriptions", RIG_WAIT, || async {
            let subscribed = self.control.tiktok_webhook_subscriptions().await?;
            Ok(event_types
                .iter()
                .all(|wanted| subscribed.iter().any(|s| s == wanted))
                .then_some(()))
        })
        .await
        .map_err(|e| self.with_log(e))
    }

    /// Where the daemon says it receives webhooks (from its log).
    pub fn webhook_address(&self) -> anyhow::Result<std::net::SocketAddr> {
        let log = self.daemon.stderr();
        let address: String = log
            .lines()
            .find(|l| l.contains("Receiving webhooks."))
            .and_then(|l| l.split("http://").nth(1))
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | ':'))
                    .collect()
            })
            .context("webhook address in the daemon log")?;
        Ok(address.parse()?)
    }

    /// The quick way to get every store SKU sellable on TikTok: see [`Rig::link`].
    pub async fn link_all(&self, stock: i64) -> anyhow::Result<Vec<String>> {
        let products = self.store.products(&self.control).await?;
        self.link(&products, stock).await
    }

    /// Set each SKU of `products` to `stock` in the store, create the same seller SKUs on
    /// TikTok as a seller's (active) products with that stock, wait for the daemon to read the
    /// catalog and link them by SKU. Returns the SKUs.
    pub async fn link(&self, products: &[SimProduct], stock: i64) -> anyhow::Result<Vec<String>> {
        let mut all = Vec::new();
        for product in products {
            let skus: Vec<SellerSku> = product
                .skus
                .iter()
                .map(|sku| SellerSku {
                    quantity: stock,
                    ..SellerSku::new(sku)
                })
                .collect();
            for sku in &skus {
                self.store
                    .set_stock(&self.control, &sku.seller_sku, stock)
                    .await?;
            }
            self.control
                .tiktok_seller_create_product(&product.title, &skus)
                .await?;
            all.extend(skus.into_iter().map(|s| s.seller_sku));
        }
        let catalog = self.store.products(&self.control).await?;
        self.listings(catalog.len()).await?;
        // The daemon's first catalog read may have linked some already (adoption); the
        // merchant's link links the rest.
        self.console
            .link_apply(context::current(), SHOP.into())
            .await?
            .map_err(|e| anyhow::anyhow!("link apply: {e}"))?;
        wait_for("the products linked", RIG_WAIT, || async {
            let views = self
                .console
                .products(context::current(), ProductFilter::default())
                .await?;
            let linked = all.iter().all(|sku| {
                views.iter().any(|v| {
                    v.tiktok_product_id.is_some() && v.skus.iter().any(|s| &s.seller_sku == sku)
                })
            });
            Ok(linked.then_some(()))
        })
        .await
        .map_err(|e| self.with_log(e))?;
        Ok(all)
    }

    /// The daemon's view of a TikTok order, if it has one.
    pub async fn order(&self, tiktok_id: &str) -> anyhow::Result<Option<OrderView>> {
        let orders = self
            .console
            .orders(context::current(), OrderFilter::default())
            .await?;
        Ok(orders.into_iter().find(|o| o.tiktok_order_id == tiktok_id))
    }

    /// The order once the daemon has it in `state`; on timeout, says the last state seen.
    pub async fn wait_state(
        &self,
        tiktok_id: &str,
        state: OrderSyncState,
    ) -> anyhow::Result<OrderView> {
        let last = std::sync::Mutex::new(String::new());
        wait_for(
            &format!("order {tiktok_id} to be {state}"),
            RIG_WAIT,
            || async {
                let order = self.order(tiktok_id).await?;
                *last
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) =
                    format!("{:?}", order.as_ref().map(|o| (o.sync_state, &o.reason)));
                Ok(order.filter(|o| o.sync_state == state))
            },
        )
        .await
        .map_err(|e| {
            let seen = last
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone();
            self.with_log(e.context(format!("last seen: {seen}")))
        })
    }

    pub async fn settings(&self, settings: ShopSettings) -> anyhow::Result<()> {
        self.console
            .set_shop_settings(context::current(), SHOP.into(), settings)
            .await??;
        Ok(())
    }
}

/// A path as a TOML basic string (JSON's escapes are TOML's).
fn toml_string(path: &std::path::Path) -> String {
    serde_json::to_string(&path.display().to_string()).unwrap_or_default()
}
