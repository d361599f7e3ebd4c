//! Listing 5,000 products × 3 SKUs.

use super::BenchResult;

pub async fn run(_products: usize) -> anyhow::Result<BenchResult> {
    anyhow::bail!("the listing benchmark is not written yet")
}
