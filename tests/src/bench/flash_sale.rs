//! Flash sale: N paid TikTok orders placed within S seconds (default 10,000 in one minute), until
//! every one is an order in the store.
//!
//! Setup (not timed): the store's SKUs made sellable on TikTok the quick way (a seller's products
//! with the same seller SKUs, linked by SKU) with plenty of stock, the first stock push done, and
//! the store's cost bucket left to refill. The simulators run at their default (documented) rate
//! limits; the daemon runs with its production poll intervals, its TikTok limiter at the
//! simulator's ceiling and 8 workers.
//!
//! Timed: orders are placed at an even pace over S seconds through the TikTok control API (the
//! payment time of each is when that call returned, in ms). The bench subscribes itself to the
//! store's `orders/create` webhook on a loopback listener, so "the store order exists" is timed
//! when the store simulator announces it (the simulator's `createdAt` has whole seconds only,
//! like Shopify's). The clock stops when every placed order has been announced.
//!
//! Besides the floor (the least time the store's limit allows for all orders), the latencies
//! are set against an ideal FIFO at the store's limit ([`ideal_fifo_latencies_ms`]), and the
//! refused store calls are counted per order created. `--under-limit` places the orders at
//! half the store's order rate, where p99 should be the daemon's own latency.

use super::{BenchResult, CpuMeter};
use crate::rig::{Rig, with_sync};
use crate::tiktok_id_of_store_order;
use anyhow::Context;
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tarpc::context;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Store SKUs the orders are spread over.
const SKUS: usize = 20;
/// Job workers of the daemon under test.
const WORKERS: usize = 8;
/// Control requests in flight while placing orders.
const SENDERS: usize = 8;
/// Cost, in the store simulator's points, of one `orderCreate`: a mutation's root field costs
/// 10 whatever it selects (sandbox/src/shopify/gql.rs `requested_cost`; shopify.md §2.1
/// "mutation base cost 10"), and that is also what the simulator charges once it has run.
const ORDER_CREATE_COST: f64 = 10.0;
/// Settle time before the clock starts: the first stock push after linking finishes and the
/// cost bucket (1,000 points at 100/s) is full again.
const SETTLE: Duration = Duration::from_secs(12);

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The least time the store simulator's rate limit allows for creating `orders` orders: every
/// order needs at least one `orderCreate` (cost c = 10 points; several in one document cost 10
/// each, so batching does not help), the bucket starts full (B = 1,000 points) and refills at
/// r = 100 points/s, so `floor_s = max(0, N·c − B) / r` — 990 s for 10,000 orders. Everything
/// else the daemon asks the store (the find-before-create query, fulfilment reads) only adds.
pub fn floor_s(orders: usize, bucket: f64, restore_rate: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let points = orders as f64 * ORDER_CREATE_COST;
    (points - bucket).max(0.0) / restore_rate
}

/// Seconds per order at the store's limit: one `orderCreate` (10 points) per 10 points
/// restored, 0.1 s at 100 points/s.
pub fn store_order_interval_s(restore_rate: f64) -> f64 {
    ORDER_CREATE_COST / restore_rate
}

/// The store's order-creation limit: its cost bucket and what one `orderCreate` costs.
#[derive(Clone, Copy, Debug)]
pub struct StoreLimit {
    /// Bucket size in points (full when the first order arrives: the bench lets it refill).
    pub bucket: f64,
    /// Points restored per second.
    pub restore_rate: f64,
    /// Points one order takes.
    pub order_cost: f64,
}

/// Latencies (ms) of an ideal FIFO at the store's limit: orders arriving at `arrivals_ms` (any
/// order) are created first come, first served, each as soon as it has arrived, the one
/// before it is created and the bucket holds its cost: `f_i = max(a_i, f_{i-1}, t_bucket)`,
/// latency `f_i − a_i`. Once the bucket's burst is spent this is `f_i = max(a_i, f_{i-1}) + c`
/// with `c = cost / restore rate`. No client of the store can beat it (it spends no points
/// on anything else and takes no time itself), so `p99 / ideal p99` is what the daemon adds
/// to the queue the store imposes. Under the limit the ideal latency is 0. Latencies come in
/// arrival order.
pub fn ideal_fifo_latencies_ms(arrivals_ms: &[i64], limit: StoreLimit) -> Vec<i64> {
    let mut arrivals = arrivals_ms.to_vec();
    arrivals.sort_unstable();
    let mut points = limit.bucket;
    let mut clock = arrivals.first().map_or(0.0, |&a| ms_to_s(a));
    arrivals
        .iter()
        .map(|&a| {
            let arrived = ms_to_s(a);
            let start = clock.max(arrived);
            points = (points + (start - clock) * limit.restore_rate).min(limit.bucket);
            let wait = ((limit.order_cost - points) / limit.restore_rate).max(0.0);
            clock = start + wait;
            points = (points + wait * limit.restore_rate).min(limit.bucket) - limit.order_cost;
            #[allow(clippy::cast_possible_truncation)]
            let latency = ((clock - arrived) * 1000.0).round() as i64;
            latency
        })
        .collect()
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted.get(rank - 1).copied()
}

/// TikTok order id → when the bench first saw its store order (Unix ms).
type Seen = Arc<Mutex<HashMap<String, i64>>>;

fn lock(seen: &Seen) -> std::sync::MutexGuard<'_, HashMap<String, i64>> {
    seen.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One keep-alive HTTP/1.1 connection from the store simulator's webhook sender: read each
/// request (Content-Length bodies), note the TikTok order it is for, answer 200.
async fn serve_webhooks(stream: TcpStream, seen: Seen) -> anyhow::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = tokio::io::BufReader::new(read);
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut length = 0usize;
        loop {
            line.clear();
            if read.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().context("Content-Length")?;
            }
        }
        let mut body = vec![0; length];
        read.read_exact(&mut body).await?;
        let at = now_ms();
        if let Some(id) = serde_json::from_slice::<Value>(&body)
            .ok()
            .as_ref()
            .and_then(tiktok_id_of_store_order)
        {
            lock(&seen).entry(id).or_insert(at);
        }
        write
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await?;
    }
}

/// POST a JSON body over HTTP/1.1 (one connection); returns the status and the body.
async fn post_json(
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> anyhow::Result<(u16, String)> {
    let rest = url.strip_prefix("http://").context("http URL")?;
    let (host, path) = rest.split_once('/').context("URL with a path")?;
    let mut stream = TcpStream::connect(host).await?;
    let mut request = format!(
        "POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .context("HTTP status line")?;
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// Listen on loopback and subscribe to the store's `orders/create` webhook there, as any app
/// may (one mutation, 10 points, before the clock starts).
async fn watch_store_orders(rig: &Rig, seen: Seen) -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                if let Err(error) = serve_webhooks(stream, seen).await {
                    eprintln!("flash-sale: webhook connection: {error}");
                }
            });
        }
    });
    let query = format!(
        r#"mutation {{ webhookSubscriptionCreate(topic: ORDERS_CREATE, webhookSubscription: {{ uri: "http://{address}/orders-create", format: JSON }}) {{ webhookSubscription {{ id }} userErrors {{ field message }} }} }}"#
    );
    let token = rig.sandbox.credentials().shopify_access_token;
    let (status, body) = post_json(
        &format!(
            "{}/admin/api/2026-10/graphql.json",
            rig.sandbox.shopify_url()
        ),
        &[("X-Shopify-Access-Token", &token)],
        &json!({ "query": query }).to_string(),
    )
    .await?;
    let answer: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let created = &answer["data"]["webhookSubscriptionCreate"];
    anyhow::ensure!(
        status == 200
            && created["webhookSubscription"]["id"].is_string()
            && created["userErrors"].as_array().is_some_and(Vec::is_empty),
        "subscribing to orders/create failed: HTTP {status}: {body}"
    );
    Ok(())
}

/// Place `orders` orders at an even pace over `place_secs`, spread over `SENDERS` tasks.
/// Returns (TikTok order id, when the placing call returned in Unix ms).
async fn place(
    control: &ControlClient,
    skus: &[String],
    orders: usize,
    place_secs: u64,
) -> anyhow::Result<Vec<(String, i64)>> {
    let started = Instant::now();
    #[allow(clippy::cast_precision_loss)]
    let gap = Duration::from_secs(place_secs).as_secs_f64() / orders.max(1) as f64;
    let mut senders = tokio::task::JoinSet::new();
    for lane in 0..SENDERS {
        let control = control.clone();
        let skus = skus.to_vec();
        senders.spawn(async move {
            let mut placed = Vec::new();
            for i in (lane..orders).step_by(SENDERS) {
                #[allow(clippy::cast_precision_loss)]
                let due = started + Duration::from_secs_f64(gap * i as f64);
                tokio::time::sleep_until(due.into()).await;
                let order = NewTikTokOrder::single(&skus[i % skus.len()], 1);
                let id = control.tiktok_create_order(&order).await?;
                anyhow::ensure!(!id.is_empty(), "the sandbox returned no order id");
                placed.push((id, now_ms()));
            }
            anyhow::Ok(placed)
        });
    }
    let mut all = Vec::with_capacity(orders);
    while let Some(lane) = senders.join_next().await {
        all.extend(lane??);
    }
    Ok(all)
}

fn ms_to_s(ms: i64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let s = ms as f64 / 1000.0;
    s
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Seconds to place `orders` at half the store's order rate (the `--under-limit` case).
pub fn under_limit_place_secs(orders: usize) -> u64 {
    let interval = store_order_interval_s(SandboxConfig::default().shopify_restore_rate);
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let secs = (orders as f64 * interval * 2.0).ceil() as u64;
    secs.max(1)
}

pub async fn run(orders: usize, place_secs: u64) -> anyhow::Result<BenchResult> {
    let limits = SandboxConfig::default();
    let floor = floor_s(orders, limits.shopify_bucket, limits.shopify_restore_rate);
    let interval = store_order_interval_s(limits.shopify_restore_rate);
    let rig = Rig::start(
        SandboxConfig {
            products: SKUS,
            variants_per_product: Some(1),
            ..SandboxConfig::default()
        },
        |config| {
            // The demo's fast polls go (production defaults apply); the TikTok limiter is set
            // to the simulator's ceiling.
            let config: String = config
                .lines()
                .filter(|l| !l.contains("_poll_secs = "))
                .map(|l| format!("{l}\n"))
                .collect();
            with_sync(&config, &format!("workers = {WORKERS}")).replacen(
                "requests_per_second = 20",
                &format!("requests_per_second = {}", limits.tiktok_qps),
                1,
            )
        },
    )
    .await?;
    let stock = i64::try_from(orders)?.saturating_mul(2).max(1_000);
    let skus = rig.link_all(stock).await?;
    let seen: Seen = Arc::default();
    watch_store_orders(&rig, Arc::clone(&seen)).await?;
    eprintln!(
        "flash-sale: {} SKUs linked; settling {SETTLE:?}; then {orders} orders over {place_secs} s (floor {floor:.1} s)",
        skus.len()
    );
    tokio::time::sleep(SETTLE).await;

    let t0_ms = now_ms();
    let started = Instant::now();
    let cpu_meter = CpuMeter::start(Some(rig.daemon.child.id()));
    let placing = {
        let (control, skus) = (rig.control.clone(), skus.clone());
        tokio::spawn(async move { place(&control, &skus, orders, place_secs).await })
    };
    // Progress every 10 s, so a long run shows where it is.
    let deadline =
        started + Duration::from_secs(place_secs) + Duration::from_secs_f64(floor * 3.0 + 600.0);
    let mut last_report = Instant::now();
    let mut report = |seen: &Seen| {
        if last_report.elapsed() >= Duration::from_secs(10) {
            eprintln!(
                "flash-sale: {:.0} s: {} store orders",
                started.elapsed().as_secs_f64(),
                lock(seen).len()
            );
            last_report = Instant::now();
        }
    };
    while !placing.is_finished() {
        report(&seen);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let placed = placing.await??;
    eprintln!(
        "flash-sale: {} orders placed in {:.1} s",
        placed.len(),
        started.elapsed().as_secs_f64()
    );
    let complete = loop {
        let all = {
            let seen = lock(&seen);
            placed.iter().all(|(id, _)| seen.contains_key(id))
        };
        if all {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        report(&seen);
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let cpu = cpu_meter.finish(Some(rig.daemon.child.id()));
    let placed_s = placed
        .iter()
        .map(|(_, at)| *at)
        .max()
        .map_or(0.0, |last| ms_to_s(last - t0_ms));

    // From the simulators' state: one store order per TikTok order?
    let store_orders = rig.control.shopify_orders().await?;
    let mut per_tiktok: HashMap<String, usize> = HashMap::new();
    for order in &store_orders {
        if let Some(id) = tiktok_id_of_store_order(order) {
            *per_tiktok.entry(id).or_default() += 1;
        }
    }
    let duplicates = per_tiktok.values().filter(|n| **n > 1).count();
    let first_seen = lock(&seen).clone();
    let mut latencies: Vec<i64> = placed
        .iter()
        .filter_map(|(id, paid)| first_seen.get(id).map(|at| at - paid))
        .collect();
    latencies.sort_unstable();
    let missing = placed
        .iter()
        .filter(|(id, _)| !per_tiktok.contains_key(id))
        .count();
    let last_ms = placed
        .iter()
        .filter_map(|(id, _)| first_seen.get(id))
        .max()
        .copied()
        .unwrap_or_else(now_ms);
    let wall_s = ms_to_s(last_ms - t0_ms);

    let peak_rss_mb = crate::peak_rss_mb(rig.daemon.child.id());
    let tiktok_calls = rig.control.tiktok_calls().await?;
    let shopify_calls = rig.control.shopify_calls().await?;
    let in_window = |at: i64| at >= t0_ms && at <= last_ms;
    let tiktok_n = tiktok_calls.iter().filter(|c| in_window(c.at_ms)).count();
    let shopify_window: Vec<_> = shopify_calls
        .iter()
        .filter(|c| in_window(c.at_ms))
        .collect();
    let throttled = shopify_window
        .iter()
        .filter(|c| c.code == Some(json!("THROTTLED")))
        .count();
    // Refused: the store's throttle, as a GraphQL THROTTLED answer or an HTTP 429.
    let refused = shopify_window
        .iter()
        .filter(|c| c.code == Some(json!("THROTTLED")) || c.status == 429)
        .count();
    let order_creates = shopify_window
        .iter()
        .filter(|c| {
            c.operation
                .as_deref()
                .is_some_and(|op| op.eq_ignore_ascii_case("orderCreate"))
        })
        .count();
    // Where the store's points went in the window: the floor counts order creates only.
    let mut points_by_operation: std::collections::BTreeMap<String, (usize, f64)> =
        std::collections::BTreeMap::new();
    for call in &shopify_window {
        let entry = points_by_operation
            .entry(call.operation.clone().unwrap_or_default())
            .or_default();
        entry.0 += 1;
        entry.1 += call.cost.unwrap_or(0.0);
    }
    let points_by_operation: serde_json::Map<String, Value> = points_by_operation
        .into_iter()
        .map(|(op, (calls, points))| (op, json!({ "calls": calls, "points": round2(points) })))
        .collect();
    let failures = rig.console.failures(context::current()).await?.len();
    if !complete {
        eprintln!(
            "flash-sale: incomplete at the deadline; daemon log tail:\n{}",
            rig.log_tail(40)
        );
    }
    let mut rig = rig;
    rig.daemon.terminate().context("stop the daemon")?;

    let p50 = percentile(&latencies, 0.50);
    let p99 = percentile(&latencies, 0.99);
    let arrivals: Vec<i64> = placed.iter().map(|(_, paid)| *paid).collect();
    let mut ideal = ideal_fifo_latencies_ms(
        &arrivals,
        StoreLimit {
            bucket: limits.shopify_bucket,
            restore_rate: limits.shopify_restore_rate,
            order_cost: ORDER_CREATE_COST,
        },
    );
    ideal.sort_unstable();
    let ideal_p99 = percentile(&ideal, 0.99);
    let created = placed.len() - missing;
    #[allow(clippy::cast_precision_loss)]
    let refused_per_order = (created > 0).then(|| round3(refused as f64 / created as f64));
    let p99_over_ideal = match (p99, ideal_p99) {
        #[allow(clippy::cast_precision_loss)]
        (Some(actual), Some(ideal)) if ideal > 0 => Some(round3(actual as f64 / ideal as f64)),
        _ => None,
    };
    #[allow(clippy::cast_precision_loss)]
    let arrival_per_s = if place_secs > 0 {
        orders as f64 / place_secs as f64
    } else {
        f64::INFINITY
    };
    let api_calls = u64::try_from(tiktok_n + shopify_window.len())?;
    let mut extra = serde_json::Map::new();
    for (key, value) in [
        ("orders", json!(orders)),
        ("place_secs", json!(place_secs)),
        ("placed_s", json!(round2(placed_s))),
        ("floor_s", json!(round2(floor))),
        (
            "floor_ratio",
            json!((floor > 0.0).then(|| (wall_s / floor * 1000.0).round() / 1000.0)),
        ),
        ("p50_ms", json!(p50)),
        ("p99_ms", json!(p99)),
        ("ideal_p99_ms", json!(ideal_p99)),
        ("p99_over_ideal", json!(p99_over_ideal)),
        ("max_ms", json!(latencies.last())),
        ("latency_samples", json!(latencies.len())),
        ("duplicates", json!(duplicates)),
        ("store_orders", json!(store_orders.len())),
        ("missing", json!(missing)),
        ("complete", json!(complete)),
        ("tiktok_calls", json!(tiktok_n)),
        ("shopify_calls", json!(shopify_window.len())),
        ("order_create_calls", json!(order_creates)),
        ("shopify_throttled", json!(throttled)),
        (
            "shopify_points_by_operation",
            Value::Object(points_by_operation),
        ),
        ("refused_calls", json!(refused)),
        ("refused_per_order", json!(refused_per_order)),
        ("arrival_per_s", json!(round2(arrival_per_s))),
        ("store_orders_per_s", json!(round2(1.0 / interval))),
        ("under_store_limit", json!(arrival_per_s < 1.0 / interval)),
        ("failures", json!(failures)),
        ("peak_rss_mb", json!(peak_rss_mb)),
        ("workers", json!(WORKERS)),
        ("skus", json!(skus.len())),
    ] {
        extra.insert(key.to_owned(), value);
    }
    Ok(BenchResult {
        case: "flash-sale",
        wall_s: round2(wall_s),
        api_calls,
        // The fraction of the store's order-creation ceiling achieved: floor_s / wall_s.
        ceiling_fraction: if wall_s > 0.0 {
            (floor / wall_s * 1000.0).round() / 1000.0
        } else {
            0.0
        },
        cpu,
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ideal_fifo_spends_the_burst_then_creates_one_order_each_interval() {
        // A bucket of two orders, one more each 100 ms.
        let limit = StoreLimit {
            bucket: 20.0,
            restore_rate: 100.0,
            order_cost: 10.0,
        };
        // Four at once: two from the burst, then one each 100 ms.
        assert_eq!(
            ideal_fifo_latencies_ms(&[0, 0, 0, 0], limit),
            vec![0, 0, 100, 200]
        );
        // After a pause the bucket has refilled; arrivals in any order are taken FIFO.
        assert_eq!(
            ideal_fifo_latencies_ms(&[5_000, 0, 0, 0, 5_000, 5_000], limit),
            vec![0, 0, 100, 0, 0, 100]
        );
        // Under the limit nothing waits.
        let spaced: Vec<i64> = (0..50).map(|i| i * 200).collect();
        assert!(
            ideal_fifo_latencies_ms(&spaced, limit)
                .iter()
                .all(|l| *l == 0)
        );
        assert!(ideal_fifo_latencies_ms(&[], limit).is_empty());
    }

    #[test]
    fn the_store_creates_ten_orders_a_second_and_the_under_limit_case_places_five() {
        assert!((store_order_interval_s(100.0) - 0.1).abs() < 1e-9);
        assert_eq!(under_limit_place_secs(300), 60);
        assert!((floor_s(10_000, 1_000.0, 100.0) - 990.0).abs() < 1e-9);
    }
}
