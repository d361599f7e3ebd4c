//! A burst of store webhooks against the real daemon: every delivery is answered 200 and the
//! daemon's threads stay few, whatever the burst (its database calls queue for a bounded pool
//! rather than each taking a thread).

use anyhow::Context;
use base64::Engine;
use feedbridge_sandbox::SandboxConfig;
use feedbridge_tests::{Rig, process_status_field};
use feedbridge_tui::demo::setup::ORGANIZATION;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Deliveries in the burst.
const DELIVERIES: usize = 4_000;
/// Connections sending them at once (each sends its share one after another, kept alive).
const CONNECTIONS: usize = 1_000;
/// The bound: a daemon that gave each waiting database call a thread had 516.
const MAX_THREADS: u64 = 32;

/// `(Threads, VmHWM in kB)` of a process.
fn threads_and_peak_rss(pid: u32) -> Option<(u64, u64)> {
    Some((
        process_status_field(pid, "Threads:")?,
        process_status_field(pid, "VmHWM:")?,
    ))
}

/// A signed `inventory_levels/update` request, kept alive.
fn stock_webhook(secret: &str, delivery: usize, item: i64, location: &str) -> String {
    // Each a newer level than the last, so every one is recorded.
    let body = format!(
        r#"{{"inventory_item_id":{item},"location_id":{location},"available":{},"updated_at":"2030-01-01T{:02}:{:02}:{:02}Z"}}"#,
        delivery % 50,
        delivery / 3600,
        delivery / 60 % 60,
        delivery % 60
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    format!(
        "POST /webhooks/shopify/{ORGANIZATION} HTTP/1.1\r\nHost: feedbridge\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Shopify-Topic: inventory_levels/update\r\nX-Shopify-Hmac-Sha256: {signature}\r\nX-Shopify-Webhook-Id: burst-{delivery}\r\n\r\n{body}",
        body.len()
    )
}

/// The status code of the next response on a kept-alive connection.
async fn response_status(stream: &mut TcpStream) -> anyhow::Result<u16> {
    let mut received = Vec::new();
    let mut chunk = [0_u8; 1024];
    loop {
        let text = String::from_utf8_lossy(&received);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .context("content-length in the response")?;
            if body.len() >= length {
                return head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .context("status line");
            }
        }
        let read = stream.read(&mut chunk).await?;
        anyhow::ensure!(read > 0, "connection closed mid-response");
        received.extend_from_slice(&chunk[..read]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_stock_webhooks_keeps_the_daemon_threads_bounded() -> anyhow::Result<()> {
    let rig = Rig::start(
        SandboxConfig {
            products: 4,
            ..SandboxConfig::default()
        },
        |config| {
            config.replacen(
                "[daemon]\n",
                "[daemon]\nwebhook_max_connections = 2048\nwebhook_max_connections_per_peer = 2048\n",
                1,
            )
        },
    )
    .await?;
    let address = rig.webhook_address()?;
    let secret = rig.sandbox.credentials().shopify_webhook_secret;
    let location = rig
        .control
        .shopify_locations()
        .await?
        .first()
        .context("a store location")?
        .id
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let items: Vec<i64> = rig
        .control
        .shopify_products()
        .await?
        .iter()
        .flat_map(|p| p["variants"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v["inventory_item_id"].as_i64())
        .collect();
    anyhow::ensure!(!items.is_empty(), "the store has inventory items");

    let pid = rig.daemon.child.id();
    let (threads_before, _) = threads_and_peak_rss(pid).context("daemon status")?;
    // The most threads seen while the burst runs.
    let most = Arc::new(AtomicU64::new(threads_before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let (most, done) = (Arc::clone(&most), Arc::clone(&done));
        async move {
            while !done.load(Ordering::Relaxed) {
                if let Some((threads, _)) = threads_and_peak_rss(pid) {
                    most.fetch_max(threads, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    });

    let started = std::time::Instant::now();
    let mut senders = tokio::task::JoinSet::new();
    for connection in 0..CONNECTIONS {
        let requests: Vec<String> = (connection..DELIVERIES)
            .step_by(CONNECTIONS)
            .map(|d| stock_webhook(&secret, d, items[d % items.len()], &location))
            .collect();
        senders.spawn(async move {
            let mut stream = TcpStream::connect(address).await?;
            let mut statuses = Vec::new();
            for request in requests {
                stream.write_all(request.as_bytes()).await?;
                statuses.push(response_status(&mut stream).await?);
            }
            anyhow::Ok(statuses)
        });
    }
    let mut answered = 0;
    while let Some(statuses) = senders.join_next().await {
        let statuses = statuses??;
        anyhow::ensure!(
            statuses.iter().all(|s| *s == 200),
            "every delivery is taken in: {statuses:?}"
        );
        answered += statuses.len();
    }
    done.store(true, Ordering::Relaxed);
    sampler.await?;
    let (threads_after, peak_rss_kb) = threads_and_peak_rss(pid).context("daemon status")?;
    let most = most.load(Ordering::Relaxed).max(threads_after);
    eprintln!(
        "{answered} webhooks in {:?}: daemon threads {threads_before} before, at most {most} \
         during, {threads_after} after; peak RSS {} MB",
        started.elapsed(),
        peak_rss_kb / 1024
    );
    assert_eq!(answered, DELIVERIES);
    assert!(
        most <= MAX_THREADS,
        "the daemon ran {most} threads during the burst (at most {MAX_THREADS})"
    );
    Ok(())
}
