//! `feedbridge demo`: the simulators in-process, a real `feedbridged` on a private data dir,
//! a scripted story (list, review, order, ship), and the console (or a headless summary).

pub mod args;
pub mod control;
pub mod daemon;
pub mod scenario;
pub mod setup;

use crate::client::ctx;
use crate::console::{self, ConsoleError};
use anyhow::Context;
use control::Control;
use daemon::DaemonProcess;
use feedbridge_common::{ConsoleClient, ListingStatus, OrderFilter, OrderSyncState, ProductFilter};
use feedbridge_sandbox::{RunningSandbox, SandboxConfig};
use scenario::{Placed, Progress, Scenario, placed_ids};
use serde::Serialize;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;

/// Time between the buyers' orders when someone is watching the console.
const CONSOLE_PACE: Duration = Duration::from_secs(3);
/// How long the simulated Amazon takes from a new fulfilment order to its shipment.
const AMAZON_SHIPS_AFTER: Duration = Duration::from_secs(3);
/// The demo's second TikTok shop: another market, another currency than the store's.
const SECOND_REGION: &str = "GB";
/// Pounds per dollar the demo merchant sets for it (feedbridge fetches no exchange rates).
const SECOND_SHOP_RATE: rust_decimal::Decimal =
    rust_decimal::Decimal::from_parts(79, 0, 0, false, 2);

#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// No console; progress to stderr, a summary at the end.
    pub headless: bool,
    /// Headless deadline.
    pub duration: Duration,
    /// Kept afterwards; a temporary dir (removed afterwards) when None.
    pub data_dir: Option<PathBuf>,
    /// Products the simulated store starts with.
    pub products: usize,
    /// `feedbridged` to run; next to the current executable when None.
    pub daemon_bin: Option<PathBuf>,
    /// The store platform and who ships.
    pub wiring: setup::Wiring,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            headless: true,
            duration: Duration::from_secs(60),
            data_dir: None,
            products: 6,
            daemon_bin: None,
            wiring: setup::Wiring::default(),
        }
    }
}

/// What the demo achieved, from the daemon's own view at the end.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DemoSummary {
    /// Listings that reached Active on TikTok.
    pub products_listed: usize,
    /// Of those, per TikTok shop (the demo runs a US and a GB shop).
    pub listed_per_shop: std::collections::BTreeMap<String, usize>,
    /// Orders the daemon knows of.
    pub orders_seen: usize,
    /// Orders it created in the store.
    pub orders_created_in_store: usize,
    /// Orders it sent to Amazon Multi-Channel Fulfillment.
    #[serde(skip_serializing_if = "is_zero")]
    pub orders_sent_to_amazon: usize,
    /// Orders whose tracking it pushed to TikTok.
    pub tracking_pushed: usize,
    pub orders_failed: usize,
    /// Listings TikTok did not take (failed to sync or failed review); a count in JSON.
    #[serde(rename = "listings_failed", serialize_with = "count")]
    pub failed_listings: Vec<Problem>,
    /// Failures left for the merchant (`feedbridge failures`); a count in JSON.
    #[serde(rename = "failures_open", serialize_with = "count")]
    pub open_failures: Vec<Problem>,
    /// Orders the demo's buyers placed.
    #[serde(skip)]
    pub orders_placed: usize,
    /// Of those, how many reached Shipped.
    #[serde(skip)]
    pub placed_shipped: usize,
    /// Of those, how many the merchant refunded in the store and the daemon cancelled.
    #[serde(skip)]
    pub placed_refunded: usize,
    /// Of those, orders of SKUs the store cannot ship (Amazon FBM) that the daemon blocked
    /// naming the SKUs, for Seller Center.
    #[serde(skip_serializing_if = "is_zero")]
    pub placed_blocked: usize,
    /// Of those, how many took their units off the source shop's stock (the store is another
    /// TikTok shop; the orders ship from Seller Center).
    #[serde(skip)]
    pub placed_taken_from_source: usize,
}

/// Something that failed, named for the merchant: what (a product's title, a failure's
/// subject) and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problem {
    pub what: String,
    pub why: String,
}

fn count<S: serde::Serializer>(items: &[Problem], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(items.len() as u64)
}

impl DemoSummary {
    /// Every order the demo placed was shipped with tracking (or refunded and cancelled),
    /// every product was listed, and nothing failed.
    pub fn succeeded(&self) -> bool {
        self.orders_placed > 0
            && self.placed_shipped
                + self.placed_refunded
                + self.placed_blocked
                + self.placed_taken_from_source
                == self.orders_placed
            && self.orders_failed == 0
            && self.failed_listings.is_empty()
            && self.open_failures.is_empty()
    }

    /// The machine-readable last line of a headless run.
    pub fn json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Demo summary")?;
        let per_shop: Vec<String> = self
            .listed_per_shop
            .iter()
            .map(|(shop, count)| format!("{count} on {shop}"))
            .collect();
        writeln!(
            f,
            "  products listed on TikTok:  {} ({})",
            self.products_listed,
            per_shop.join(", ")
        )?;
        writeln!(f, "  orders placed by the demo:  {}", self.orders_placed)?;
        writeln!(f, "  orders seen by the daemon:  {}", self.orders_seen)?;
        writeln!(
            f,
            "  orders created in store:    {}",
            self.orders_created_in_store
        )?;
        if self.orders_sent_to_amazon > 0 {
            writeln!(
                f,
                "  orders sent to Amazon MCF:  {}",
                self.orders_sent_to_amazon
            )?;
        }
        writeln!(f, "  tracking pushed to TikTok:  {}", self.tracking_pushed)?;
        if self.placed_refunded > 0 {
            writeln!(f, "  refunded, cancelled:        {}", self.placed_refunded)?;
        }
        if self.placed_blocked > 0 {
            writeln!(f, "  blocked for Seller Center:  {}", self.placed_blocked)?;
        }
        writeln!(f, "  orders failed:              {}", self.orders_failed)?;
        writeln!(
            f,
            "  listings failed:            {}",
            self.failed_listings.len()
        )?;
        for listing in &self.failed_listings {
            writeln!(f, "    “{}”: {}", listing.what, listing.why)?;
        }
        writeln!(
            f,
            "  failures open:              {}",
            self.open_failures.len()
        )?;
        for failure in &self.open_failures {
            writeln!(f, "    {}: {}", failure.what, failure.why)?;
        }
        if self.placed_taken_from_source > 0 {
            writeln!(
                f,
                "  taken off the source shop:  {}",
                self.placed_taken_from_source
            )?;
        }
        let verdict = if self.succeeded() && self.placed_taken_from_source > 0 {
            "every product listed; every order placed on the GB shop took its units off the US source shop's stock (ship them from Seller Center)"
        } else if self.succeeded() && self.placed_refunded > 0 {
            "every product listed; every order placed on TikTok was fulfilled and its tracking pushed back, or refunded in the store and cancelled on TikTok"
        } else if self.succeeded() {
            "every product listed; every order placed on TikTok was fulfilled (store or Amazon) and its tracking pushed back"
        } else if !self.failed_listings.is_empty() || !self.open_failures.is_empty() {
            "work failed (named above); `feedbridge failures` says how to fix each"
        } else if self.orders_placed == 0 {
            "no order was placed (no listing became active in time)"
        } else {
            "not every order made it through; see the console or `feedbridge failures`"
        };
        writeln!(f, "  result: {verdict}")
    }
}

/// The running pieces: simulators, data dir, daemon, and clients for both.
pub struct DemoEnv {
    pub data_dir: PathBuf,
    pub socket: PathBuf,
    /// The daemon's Prometheus endpoint (`/healthz` beside it).
    pub metrics_url: String,
    pub client: ConsoleClient,
    pub control: Control,
    daemon: DaemonProcess,
    sandbox: RunningSandbox,
    /// Removed on drop, after the daemon has stopped.
    tempdir: Option<TempDir>,
}

impl DemoEnv {
    /// Start the simulators, write the daemon's config, start the daemon and wait for it.
    pub async fn start(
        options: &DemoOptions,
        say: &(dyn Fn(String) + Sync),
    ) -> anyhow::Result<Self> {
        let (data_dir, tempdir) = match &options.data_dir {
            Some(dir) => (setup::claim_data_dir(dir)?, None),
            None => {
                let tempdir = tempfile::Builder::new()
                    .prefix("feedbridge-demo-")
                    .tempdir()
                    .context("Failed to create a temporary data dir")?;
                (tempdir.path().to_path_buf(), Some(tempdir))
            }
        };
        let binary = match &options.daemon_bin {
            Some(path) => path.clone(),
            None => daemon::default_binary()?,
        };

        let amazon_store = options.wiring.amazon_store();
        let amazon = options.wiring.fulfilment == setup::DemoFulfilment::Amazon || amazon_store;
        let sandbox = feedbridge_sandbox::start(
            SandboxConfig {
                products: options.products,
                auto_review: None,
                // With Amazon, every product is FBA stock and Amazon ships within seconds;
                // an Amazon seller also fulfils its last product itself (FBM).
                fba_products: match (amazon_store, amazon) {
                    (true, _) => options.products.saturating_sub(1),
                    (false, true) => options.products,
                    (false, false) => 0,
                },
                mcf_auto_ship: amazon.then_some(AMAZON_SHIPS_AFTER),
                more_tiktok_shops: vec![SECOND_REGION.into()],
                ..SandboxConfig::default()
            },
            IpAddr::V4(Ipv4Addr::LOCALHOST),
        )
        .await
        .context("Failed to start the simulators")?;
        let store_url = (
            options.wiring.store.name(),
            options.wiring.store.url(&sandbox),
        );
        say(format!(
            "Simulated TikTok Shop at {}, {} at {}{}.",
            sandbox.tiktok_url(),
            store_url.0,
            store_url.1,
            if amazon {
                format!(", Amazon MCF at {}", sandbox.amazon_url())
            } else {
                String::new()
            }
        ));
        let tiktok_url = sandbox.tiktok_url();
        let control = Control::new(&sandbox, options.wiring.store);
        let amazon_url = sandbox.amazon_url();
        let metrics_listen = free_loopback_address()?;
        let endpoints = setup::Endpoints {
            tiktok_url: &tiktok_url,
            store_url: &store_url.1,
            amazon_url: &amazon_url,
            metrics_listen: Some(metrics_listen),
        };
        let config = setup::write_files(
            &data_dir,
            &endpoints,
            &sandbox.credentials(),
            options.wiring,
        )?;
        let socket = setup::socket_path(&data_dir);
        let log = data_dir.join("daemon.stderr.log");

        let mut daemon = DaemonProcess::spawn(&binary, &config, &log)?;
        say(format!(
            "Started feedbridged with {} (log: {}).",
            config.display(),
            log.display()
        ));
        let client = match daemon.wait_ready(&socket).await {
            Ok(client) => client,
            Err(error) => {
                // Best effort: the error at hand matters more than a failed stop.
                let _ = daemon.stop().await;
                sandbox.shutdown().await;
                return Err(error);
            }
        };
        say(format!("feedbridged is answering on {}.", socket.display()));
        let second_shop = setup::more_shop_name(SECOND_REGION);
        let rate = feedbridge_common::catalog::ShopSettings {
            currency_rate: Some(SECOND_SHOP_RATE),
            ..feedbridge_common::catalog::ShopSettings::default()
        };
        match client
            .set_shop_settings(ctx(), second_shop.clone(), rate)
            .await
        {
            Ok(Ok(_)) => say(format!(
                "A second TikTok shop, {second_shop}, sells in the UK in pounds: its prices are the store's at {SECOND_SHOP_RATE} GBP per USD."
            )),
            Ok(Err(error)) => say(format!(
                "Could not set {second_shop}'s currency rate: {error}"
            )),
            Err(error) => say(format!(
                "Could not set {second_shop}'s currency rate: {error}"
            )),
        }
        let metrics_url = format!("http://{metrics_listen}/metrics");
        say(format!(
            "Metrics while the demo runs: curl {metrics_url} (health: http://{metrics_listen}/healthz)."
        ));
        Ok(Self {
            data_dir,
            socket,
            metrics_url,
            client,
            control,
            daemon,
            sandbox,
            tempdir,
        })
    }

    /// The last lines of the daemon's log, for when things went wrong.
    pub fn daemon_log_tail(&self, lines: usize) -> Vec<String> {
        let text =
            std::fs::read_to_string(self.data_dir.join("daemon.stderr.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..]
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// Stop the daemon (SIGTERM, then SIGKILL after 10 s), the simulators, and remove the
    /// temporary data dir.
    pub async fn shutdown(self, say: &(dyn Fn(String) + Sync)) {
        say("Stopping feedbridged…".to_string());
        // Close our connection first so the daemon has no client to wait for.
        drop(self.client);
        match self.daemon.stop().await {
            Ok(status) if status.success() => {}
            Ok(status) => say(format!("feedbridged exited with {status}.")),
            Err(error) => say(format!("Could not stop feedbridged: {error:#}")),
        }
        self.sandbox.shutdown().await;
        match self.tempdir {
            Some(tempdir) => {
                if let Err(error) = tempdir.close() {
                    say(format!(
                        "Could not remove the demo's temporary dir: {error}"
                    ));
                }
            }
            None => say(format!("Demo data kept in {}.", self.data_dir.display())),
        }
    }
}

/// A loopback address whose port is free now, for the daemon's metrics (it binds it a moment
/// later).
fn free_loopback_address() -> anyhow::Result<SocketAddr> {
    let probe = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .context("Failed to find a free loopback port for the daemon's metrics")?;
    Ok(probe.local_addr()?)
}

/// Count what the daemon achieved, and name what failed.
pub async fn summarize(
    client: &ConsoleClient,
    placed: &[String],
    refunded: &[String],
    blocked: &[String],
    store_is_source_shop: bool,
) -> anyhow::Result<DemoSummary> {
    let (products, orders, failures) = tokio::try_join!(
        client.products(ctx(), ProductFilter::default()),
        client.orders(ctx(), OrderFilter::default()),
        client.failures(ctx()),
    )
    .context("Failed to read the daemon's final state")?;
    let in_state = |state| orders.iter().filter(|o| o.sync_state == state).count();
    Ok(DemoSummary {
        products_listed: products
            .iter()
            .filter(|p| p.status == ListingStatus::Active)
            .count(),
        listed_per_shop: products
            .iter()
            .filter(|p| p.status == ListingStatus::Active)
            .fold(std::collections::BTreeMap::new(), |mut per_shop, p| {
                *per_shop.entry(p.shop.clone()).or_default() += 1;
                per_shop
            }),
        orders_seen: orders.len(),
        orders_created_in_store: orders.iter().filter(|o| o.store_order_id.is_some()).count(),
        orders_sent_to_amazon: orders.iter().filter(|o| o.fulfilment.is_some()).count(),
        tracking_pushed: in_state(OrderSyncState::Shipped),
        orders_failed: in_state(OrderSyncState::Failed),
        failed_listings: products
            .iter()
            .filter(|p| {
                matches!(
                    p.status,
                    ListingStatus::FailedToSync | ListingStatus::FailedReview
                )
            })
            .map(|p| Problem {
                what: p.title.clone(),
                why: crate::format::product_reasons(p),
            })
            .collect(),
        open_failures: failures
            .iter()
            .map(|f| Problem {
                what: format!("{} ({})", f.subject, f.kind.label()),
                why: f.reason.clone(),
            })
            .collect(),
        orders_placed: placed.len(),
        placed_shipped: orders
            .iter()
            .filter(|o| placed.contains(&o.tiktok_order_id))
            .filter(|o| o.sync_state == OrderSyncState::Shipped)
            .count(),
        placed_refunded: orders
            .iter()
            .filter(|o| placed.contains(&o.tiktok_order_id))
            .filter(|o| refunded.contains(&o.tiktok_order_id))
            .filter(|o| o.sync_state == OrderSyncState::Cancelled)
            .count(),
        placed_blocked: orders
            .iter()
            .filter(|o| blocked.contains(&o.tiktok_order_id))
            .filter(|o| o.sync_state == OrderSyncState::Blocked)
            .filter(|o| {
                // Blocked naming its SKUs, for Seller Center.
                let reason = o.reason.as_deref().unwrap_or("");
                o.lines.iter().all(|l| reason.contains(&l.seller_sku))
            })
            .count(),
        placed_taken_from_source: if store_is_source_shop {
            orders
                .iter()
                .filter(|o| placed.contains(&o.tiktok_order_id))
                .filter(|o| o.sync_state == OrderSyncState::InStore)
                .count()
        } else {
            0
        },
    })
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn stderr_progress() -> Progress {
    Arc::new(|message: String| eprintln!("demo: {message}"))
}

/// Run the demo: headless or with the console. Tears everything down before returning.
pub async fn run(options: DemoOptions) -> anyhow::Result<DemoSummary> {
    if options.headless {
        run_headless(options).await
    } else {
        run_console(options).await
    }
}

/// Why the headless story stopped.
enum Ended {
    Finished,
    Deadline,
    Interrupted,
}

/// The story without a console: progress on stderr, done when every order shipped or at the
/// deadline, Ctrl-C or SIGTERM.
pub async fn run_headless(options: DemoOptions) -> anyhow::Result<DemoSummary> {
    let progress = stderr_progress();
    let env = DemoEnv::start(&options, &*progress).await?;
    let mut scenario = Scenario::new(
        env.client.clone(),
        env.control.clone(),
        Arc::clone(&progress),
        // A listing per product on each of the two shops.
        options.products * 2,
    );
    let placed = scenario.placed();
    let refunded = scenario.refunded();
    let blocked = scenario.blocked();
    let ended = tokio::select! {
        result = scenario.run() => result.map(|()| Ended::Finished),
        () = tokio::time::sleep(options.duration) => Ok(Ended::Deadline),
        () = interrupted() => Ok(Ended::Interrupted),
    };
    match &ended {
        Ok(Ended::Finished) => progress("Every order the demo placed has settled.".into()),
        Ok(Ended::Deadline) => progress(format!(
            "Stopped at the {}s deadline.",
            options.duration.as_secs()
        )),
        Ok(Ended::Interrupted) => progress("Interrupted.".into()),
        Err(error) => progress(format!("The story stopped: {error:#}")),
    }
    drop(scenario);
    let summary = summarize(
        &env.client,
        &placed_ids(&placed),
        &placed_ids(&refunded),
        &placed_ids(&blocked),
        env.control.store_is_source_shop(),
    )
    .await;
    let failed = !matches!(&summary, Ok(s) if s.succeeded());
    if failed && env.tempdir.is_some() {
        progress("Last lines of the daemon's log:".into());
        for line in env.daemon_log_tail(15) {
            eprintln!("  {line}");
        }
    }
    env.shutdown(&*progress).await;
    ended?;
    summary
}

/// The console with the story running beside it; its steps show as daemon events and in the
/// status line. Returns the summary when the user quits.
pub async fn run_console(options: DemoOptions) -> anyhow::Result<DemoSummary> {
    let startup = stderr_progress();
    let env = DemoEnv::start(&options, &*startup).await?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let progress: Progress = Arc::new(move |message: String| {
        // The console may have quit already.
        let _ = tx.send(message);
    });
    progress(format!("Metrics: {}", env.metrics_url));
    let mut scenario = Scenario::new(
        env.client.clone(),
        env.control.clone(),
        Arc::clone(&progress),
        // A listing per product on each of the two shops.
        options.products * 2,
    )
    .paced(CONSOLE_PACE);
    let placed: Placed = scenario.placed();
    let refunded: Placed = scenario.refunded();
    let blocked: Placed = scenario.blocked();
    let story = tokio::spawn(async move {
        match scenario.run().await {
            Ok(()) => progress(
                "Demo complete: every order shipped and its tracking is on TikTok. Press q to quit."
                    .into(),
            ),
            Err(error) => progress(format!("The demo story stopped: {error:#}")),
        }
    });
    let console = tokio::select! {
        result = console::run(env.socket.clone(), Some(rx)) => result,
        () = interrupted() => Ok(()),
    };
    story.abort();
    let summary = summarize(
        &env.client,
        &placed_ids(&placed),
        &placed_ids(&refunded),
        &placed_ids(&blocked),
        env.control.store_is_source_shop(),
    )
    .await;
    env.shutdown(&*startup).await;
    match console {
        Ok(()) => {}
        Err(ConsoleError::Connect(error)) => return Err(error.into()),
        Err(ConsoleError::Other(error)) => return Err(error),
    }
    summary
}

/// Ctrl-C or SIGTERM.
async fn interrupted() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async {
        match term.as_mut() {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminated => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_json_has_the_seven_counts_and_the_listings_per_shop() {
        let summary = DemoSummary {
            products_listed: 6,
            listed_per_shop: std::collections::BTreeMap::from([
                ("demo-gb".to_owned(), 3),
                ("demo-us".to_owned(), 3),
            ]),
            orders_seen: 4,
            orders_created_in_store: 4,
            orders_sent_to_amazon: 0,
            tracking_pushed: 4,
            orders_failed: 0,
            failed_listings: Vec::new(),
            open_failures: Vec::new(),
            orders_placed: 4,
            placed_shipped: 4,
            placed_refunded: 0,
            placed_blocked: 0,
            placed_taken_from_source: 0,
        };
        assert_eq!(
            summary.json_line(),
            r#"{"products_listed":6,"listed_per_shop":{"demo-gb":3,"demo-us":3},"orders_seen":4,"orders_created_in_store":4,"tracking_pushed":4,"orders_failed":0,"listings_failed":0,"failures_open":0}"#
        );
        assert!(summary.succeeded());
        let partial = DemoSummary {
            placed_shipped: 3,
            ..summary.clone()
        };
        assert!(!partial.succeeded());
        let one_refunded = DemoSummary {
            placed_refunded: 1,
            ..partial.clone()
        };
        assert!(one_refunded.succeeded());
        let one_blocked = DemoSummary {
            placed_blocked: 1,
            ..partial.clone()
        };
        assert!(
            one_blocked.succeeded(),
            "an FBM order blocked for Seller Center"
        );
        let from_source = DemoSummary {
            placed_shipped: 0,
            placed_taken_from_source: 4,
            ..summary.clone()
        };
        assert!(from_source.succeeded());
        assert!(
            from_source
                .to_string()
                .contains("took its units off the US source shop")
        );
        assert!(!DemoSummary::default().succeeded());
    }

    #[test]
    fn a_failed_listing_is_named_and_fails_the_demo() {
        let shipped = DemoSummary {
            products_listed: 5,
            orders_placed: 4,
            placed_shipped: 4,
            ..DemoSummary::default()
        };
        assert!(shipped.succeeded());
        let summary = DemoSummary {
            failed_listings: vec![Problem {
                what: "Classic Cotton Tee".into(),
                why: "TikTok requires the attribute \"Material\" for this category".into(),
            }],
            ..shipped
        };
        assert!(!summary.succeeded());
        let text = summary.to_string();
        assert!(text.contains("listings failed:            1\n"), "{text}");
        assert!(
            text.contains("    “Classic Cotton Tee”: TikTok requires the attribute \"Material\""),
            "{text}"
        );
        assert!(text.contains("result: work failed (named above)"), "{text}");
        assert!(summary.json_line().contains(r#""listings_failed":1"#));
    }
}
