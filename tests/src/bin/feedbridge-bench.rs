//! `feedbridge-bench CASE`: run one benchmark and print its JSON line.

use clap::{Parser, Subcommand};
use feedbridge_tests::bench;

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
        #[arg(long, default_value_t = 60)]
        place_secs: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let result = match Args::parse().case {
        Case::Listing { products } => bench::listing::run(products).await?,
        Case::Inventory { changes, skus } => bench::inventory::run(changes, skus).await?,
        Case::FlashSale { orders, place_secs } => {
            bench::flash_sale::run(orders, place_secs).await?
        }
    };
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}
