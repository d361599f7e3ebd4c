//! `feedbridge-sandbox`: runs every simulator until SIGTERM/SIGINT. Prints one JSON line
//! `{"tiktok_url", "<store platform>_url" for each store, "woocommerce_https_url",
//! "amazon_url", "credentials"}` to stdout when ready.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::merchant::SimStore;

#[derive(Parser, Debug)]
#[command(
    name = "feedbridge-sandbox",
    about = "Local simulators of TikTok Shop and Shopify for feedbridge tests"
)]
struct Args {
    /// Address to bind both simulators to (ports are ephemeral).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Number of seeded Shopify products.
    #[arg(long, default_value_t = 6)]
    products: usize,
    /// Approve PENDING TikTok products automatically after this many seconds.
    #[arg(long)]
    auto_review_secs: Option<f64>,
    /// Seed for deterministic ids and SKUs.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Region of the simulated TikTok shop (US, GB, DE, FR, IT, ES, IE, MX, JP, SG, MY, TH,
    /// VN, ID, PH, CN, HK); the store sells in its currency unless --store-currency says.
    #[arg(long, default_value = "US")]
    tiktok_region: String,
    /// Currency of the simulated Shopify store [default: the TikTok region's].
    #[arg(long)]
    store_currency: Option<String>,
    /// Also write the ready JSON to this file (atomically).
    #[arg(long)]
    ready_file: Option<PathBuf>,
}

fn write_atomically(path: &PathBuf, contents: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents).with_context(|| format!("Failed to write {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("Failed to move {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let auto_review = match args.auto_review_secs {
        Some(s) if s.is_finite() && s >= 0.0 => Some(Duration::from_secs_f64(s)),
        Some(s) => anyhow::bail!("--auto-review-secs must be a non-negative number, got {s}"),
        None => None,
    };
    // An unknown region is refused by `start`, naming the regions served.
    let store_currency = match args.store_currency {
        Some(currency) => currency.to_ascii_uppercase(),
        None => feedbridge_sandbox::tiktok_region_currency(&args.tiktok_region)
            .unwrap_or_else(|| "USD".to_owned()),
    };
    let config = SandboxConfig {
        products: args.products,
        auto_review,
        seed: args.seed,
        tiktok_region: args.tiktok_region,
        store_currency,
        ..SandboxConfig::default()
    };
    let sandbox = feedbridge_sandbox::start(config, args.bind)
        .await
        .context("Failed to start the sandbox")?;
    let mut ready = serde_json::json!({
        "tiktok_url": sandbox.tiktok_url(),
        "woocommerce_https_url": sandbox.woocommerce_https_url(),
        "amazon_url": sandbox.amazon_url(),
        "credentials": sandbox.credentials(),
    });
    // Every store simulator as "<platform>_url".
    for store in SimStore::all() {
        ready[format!("{}_url", store.platform())] = store.url(&sandbox).into();
    }
    let ready = ready.to_string();
    // The file first: whoever reads the stdout line may look for the file right away.
    if let Some(path) = &args.ready_file {
        write_atomically(path, &format!("{ready}\n"))?;
    }
    println!("{ready}");

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("Failed to install the SIGTERM handler")?;
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received, shutting down."),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received, shutting down."),
    }
    sandbox.shutdown().await;
    Ok(())
}
