//! `feedbridge-bench CASE`: run one benchmark and print its JSON line.

use clap::{Parser, Subcommand};
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_tests::bench;
use feedbridge_tests::bench::chaos::ChaosOptions;

#[derive(Parser)]
#[command(
    name = "feedbridge-bench",
    about = "feedbridge benchmarks against the simulators"
)]
struct Args {
    #[command(subcommand)]
    case: Case,
}

#[derive(Subcommand)]
enum Case {
    /// List products × 3 SKUs on TikTok, from mapping to Under review.
    Listing {
        #[arg(long, default_value_t = 5_000)]
        products: usize,
    },
    /// Converge TikTok's stock after many store stock changes.
    Inventory {
        #[arg(long, default_value_t = 10_000)]
        changes: usize,
        #[arg(long, default_value_t = 2_000)]
        skus: usize,
    },
    /// A flash sale: many paid TikTok orders within a short window, until all are store orders.
    FlashSale {
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
        /// Seconds over which the orders are placed, at an even pace.
        #[arg(long, default_value_t = 60, conflicts_with = "under_limit")]
        place_secs: u64,
        /// Place the orders at half the store's order rate (under its limit) instead.
        #[arg(long)]
        under_limit: bool,
    },
    /// Per stock change in the store, the time until TikTok receives it (p50/p99/max) and
    /// the calls it took, for a store with webhooks or polled alone.
    StockLatency {
        /// Store platform.
        #[arg(long, default_value = "shopify")]
        store: String,
        #[arg(long, default_value_t = 30)]
        changes: usize,
        /// Drop every store webhook (polling alone).
        #[arg(long)]
        no_webhooks: bool,
        /// The daemon's `sync.catalog_poll_secs`.
        #[arg(long, default_value_t = 60)]
        poll_secs: u64,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// The first catalog import of a Shopify store (products × 3 variants), products/s.
    Import {
        #[arg(long, default_value_t = 5_000)]
        products: usize,
    },
    /// A daemon with a large catalog listed and a long order history: peak RSS, SQLite size,
    /// CLI page time.
    Scale {
        /// Store SKUs (products × 3 variants), all listed.
        #[arg(long, default_value_t = 100_000)]
        skus: usize,
        /// Orders in the database (a few hundred real ones, the rest copied from them).
        #[arg(long, default_value_t = 1_000_000)]
        orders: usize,
    },
    /// Orders, stock changes, listing and Amazon MCF through SIGKILLs and platform faults;
    /// counts what was lost and what was done twice.
    Chaos {
        /// Store platforms to run on, in turn.
        #[arg(long, value_delimiter = ',', default_value = "shopify,woocommerce")]
        stores: Vec<String>,
        /// TikTok orders per store platform.
        #[arg(long, default_value_t = 200)]
        orders: usize,
        /// SIGKILLs of the daemon per store platform.
        #[arg(long, default_value_t = 6)]
        kills: usize,
        /// Seconds the chaos lasts per store platform.
        #[arg(long, default_value_t = 45)]
        secs: u64,
        /// Longest wait for quiescence afterwards, in seconds.
        #[arg(long, default_value_t = 240)]
        settle_secs: u64,
        /// Store stock changes per store platform.
        #[arg(long, default_value_t = 100)]
        stock_changes: usize,
        /// Products the daemon lists during the run.
        #[arg(long, default_value_t = 4)]
        listings: usize,
        /// Milliseconds between two scripted faults.
        #[arg(long, default_value_t = 700)]
        fault_ms: u64,
        /// Leave out the 30 s timeout faults.
        #[arg(long)]
        quick: bool,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

fn store(name: &str) -> anyhow::Result<SimStore> {
    SimStore::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = SimStore::all().iter().map(|s| s.platform()).collect();
        anyhow::anyhow!("unknown store platform {name:?} ({})", known.join(", "))
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let result = match Args::parse().case {
        Case::Listing { products } => bench::listing::run(products).await?,
        Case::Inventory { changes, skus } => bench::inventory::run(changes, skus).await?,
        Case::FlashSale {
            orders,
            place_secs,
            under_limit,
        } => {
            let place_secs = if under_limit {
                bench::flash_sale::under_limit_place_secs(orders)
            } else {
                place_secs
            };
            bench::flash_sale::run(orders, place_secs).await?
        }
        Case::StockLatency {
            store: name,
            changes,
            no_webhooks,
            poll_secs,
            seed,
        } => {
            bench::stock_latency::run(bench::stock_latency::StockLatencyOptions {
                store: store(&name)?,
                changes,
                no_webhooks,
                catalog_poll_secs: poll_secs,
                seed,
            })
            .await?
        }
        Case::Import { products } => bench::import::run(products).await?,
        Case::Scale { skus, orders } => bench::scale::run(skus, orders).await?,
        Case::Chaos {
            stores,
            orders,
            kills,
            secs,
            settle_secs,
            stock_changes,
            listings,
            fault_ms,
            quick,
            seed,
        } => {
            let options = ChaosOptions {
                stores: stores
                    .iter()
                    .map(|s| store(s))
                    .collect::<anyhow::Result<_>>()?,
                orders,
                kills,
                secs,
                settle_secs,
                stock_changes,
                listings,
                fault_ms,
                quick,
                seed,
            };
            bench::chaos::run(options).await?
        }
    };
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}
