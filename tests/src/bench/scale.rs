//! Scale: a daemon with a large catalog listed and a long order history in its database.
//!
//! Setup, through the daemon's own code paths where they are quick enough:
//! 1. The Shopify simulator is seeded with `--skus` SKUs (products × 3 variants); the daemon
//!    imports them (one bulk query).
//! 2. The same seller SKUs are created on TikTok as the seller's own products, with the store's
//!    price and stock, and linked by SKU (`link_apply`): every SKU is listed and in step.
//! 3. `SEED_ORDERS` paid TikTok orders go through the daemon into the store, are fulfilled there
//!    and their tracking reaches TikTok: each ends `shipped`, as a finished order does.
//! 4. The daemon is stopped and the bulk loader ([`load_order_history`]) copies those rows until
//!    the database holds `--orders` orders: each copy is an `orders` row (with its `shipments`
//!    rows) that differs from one the daemon wrote only in its ids (TikTok order id, store order
//!    id and name) and times (moved back so the history spans a year). Timelines (`events`) are
//!    not copied: the scheduled prune keeps a finished order's timeline only while it is recent.
//!
//! Measured once the daemon runs again on that database: seconds until it answers, its peak RSS
//! while it keeps working (stock changes and new orders for `WINDOW`), the SQLite files' size,
//! how long `feedbridge orders --json` (the CLI's first page) takes, and the console's keypress
//! → frame time on the Orders panel ([`console_frames`]: the console's own app, its daemon
//! calls made over the socket as its main loop makes them, drawn on an 80×24 `TestBackend`).

use super::{BenchResult, CpuMeter};
use crate::rig::{Rig, SHOP, with_sync};
use crate::{daemon_binary, wait_for};
use anyhow::Context as _;
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder, SellerSku};
use rusqlite::{Connection, params};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};
use tarpc::context;

const VARIANTS: usize = 3;
/// Orders that go through the daemon for real before the history is copied from them.
const SEED_ORDERS: usize = 200;
/// How long the daemon keeps working on the big database while its memory is watched.
const WINDOW: Duration = Duration::from_secs(60);
/// Store stock changes and new TikTok orders during the window.
const WINDOW_STOCK_CHANGES: usize = 200;
const WINDOW_ORDERS: usize = 50;
/// Control requests in flight while seeding TikTok.
const SENDERS: usize = 16;
/// Times the CLI page is read (the median and the slowest are reported).
const CLI_RUNS: usize = 5;
/// The history spans a year.
const HISTORY_SECS: i64 = 365 * 86_400;
const SETUP_WAIT: Duration = Duration::from_secs(3 * 3_600);

pub async fn run(skus: usize, orders: usize) -> anyhow::Result<BenchResult> {
    anyhow::ensure!(
        orders >= SEED_ORDERS,
        "--orders must be at least {SEED_ORDERS}"
    );
    let products = skus.div_ceil(VARIANTS);
    let mut rig = Rig::start(
        SandboxConfig {
            products,
            variants_per_product: Some(VARIANTS),
            ..SandboxConfig::default()
        },
        |config| {
            // Production poll intervals (the demo's fast ones go), the TikTok limiter at the
            // simulator's ceiling.
            let config: String = config
                .lines()
                .filter(|l| !l.contains("_poll_secs = "))
                .map(|l| format!("{l}\n"))
                .collect();
            with_sync(&config, "workers = 8").replacen(
                "requests_per_second = 20",
                &format!(
                    "requests_per_second = {}",
                    SandboxConfig::default().tiktok_qps
                ),
                1,
            )
        },
    )
    .await?;
    let db = rig.dir.path().join("feedbridge.sqlite");

    let started = Instant::now();
    wait_for("the whole catalog imported", SETUP_WAIT, || async {
        let status = rig.console.status(context::current()).await?;
        Ok((status.products_total >= u64::try_from(products)?).then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    let daemon_pid = rig.daemon.child.id();
    let peak = || crate::peak_rss_mb(daemon_pid).unwrap_or_default();
    eprintln!(
        "scale: {products} products imported in {:.0} s (daemon peak {} MB)",
        started.elapsed().as_secs_f64(),
        peak()
    );
    let all_skus = seed_tiktok_catalog(&rig.control).await?;
    // Adoption reads the whole TikTok catalog (100k SKUs): longer than a test's minute.
    crate::wait_catalog_adopted_within(&rig.console, SETUP_WAIT)
        .await
        .map_err(|e| rig.with_log(e))?;
    eprintln!(
        "scale: the TikTok catalog adopted at {:.0} s (daemon peak {} MB)",
        started.elapsed().as_secs_f64(),
        peak()
    );
    // Reading a large TikTok catalog takes longer than tarpc's default 10 s deadline.
    let mut long_call = context::current();
    long_call.deadline = Instant::now() + Duration::from_secs(1_800);
    // Adoption links what it finds; `link apply` covers SKUs it did not see (the daemon waits
    // out TikTok's rate refusals while it pushes stock meanwhile).
    let linked_now = query_count(
        &db,
        "SELECT count(*) FROM listings WHERE tiktok_product_id IS NOT NULL",
    )?;
    if linked_now < products {
        rig.console
            .link_apply(long_call, SHOP.into())
            .await?
            .map_err(|e| anyhow::anyhow!("link apply: {e}"))?;
    }
    wait_for("every SKU linked", SETUP_WAIT, || async {
        let linked = query_count(
            &db,
            "SELECT count(*) FROM listings WHERE tiktok_product_id IS NOT NULL",
        )?;
        Ok((linked >= products).then_some(()))
    })
    .await
    .map_err(|e| rig.with_log(e))?;
    eprintln!(
        "scale: {} SKUs linked at {:.0} s (daemon peak {} MB)",
        all_skus.len(),
        started.elapsed().as_secs_f64(),
        peak()
    );

    let seeded = ship_seed_orders(&rig, &db, &all_skus).await?;
    eprintln!(
        "scale: {seeded} orders shipped at {:.0} s (daemon peak {} MB); copying them into a history of {orders}",
        started.elapsed().as_secs_f64(),
        peak()
    );
    // The first daemon imported, linked and pushed the whole catalog: its peak is the setup's.
    let setup_peak_rss_mb =
        crate::peak_rss_mb(rig.daemon.child.id()).context("the first daemon's peak RSS")?;
    let status = rig.daemon.terminate()?;
    anyhow::ensure!(status.success(), "the daemon exited with {status}");
    let loading = Instant::now();
    load_order_history(&db, orders)?;
    let load_s = loading.elapsed().as_secs_f64();

    let restarted = Instant::now();
    rig.restart().await?;
    let ready_s = restarted.elapsed().as_secs_f64();
    let pid = rig.daemon.child.id();
    let cpu_meter = CpuMeter::start(Some(pid));
    let window_orders = work_through_window(&rig, &db, &all_skus).await?;
    let cpu = cpu_meter.finish(Some(pid));
    let peak_rss_mb = crate::peak_rss_mb(pid).context("the daemon's peak RSS")?;
    let rss_mb = crate::process_status_field(pid, "VmRSS:").map(|kb| kb as f64 / 1024.0);
    let (cli_median_ms, cli_max_ms, cli_rows) = time_cli_orders(&rig.daemon.socket)?;
    let console = console_frames(&rig.daemon.socket).await?;
    let orders_total = rig.console.status(context::current()).await?.orders_total;
    let sqlite_mb = sqlite_size_mb(&db);
    let api_calls =
        rig.control.tiktok_calls().await?.len() + rig.control.shopify_calls().await?.len();
    let status = rig.daemon.terminate()?;
    anyhow::ensure!(status.success(), "the daemon exited with {status}");
    let wall_s = started.elapsed().as_secs_f64();

    let mut extra = serde_json::Map::new();
    extra.insert("skus".into(), json!(all_skus.len()));
    extra.insert("orders".into(), json!(orders_total));
    extra.insert("history_load_s".into(), json!(round1(load_s)));
    extra.insert("ready_s".into(), json!(round1(ready_s)));
    extra.insert("window_s".into(), json!(WINDOW.as_secs()));
    extra.insert("window_orders".into(), json!(window_orders));
    extra.insert("window_stock_changes".into(), json!(WINDOW_STOCK_CHANGES));
    extra.insert("setup_peak_rss_mb".into(), json!(setup_peak_rss_mb));
    extra.insert("daemon_peak_rss_mb".into(), json!(peak_rss_mb));
    extra.insert("daemon_rss_mb".into(), json!(rss_mb.map(round1)));
    extra.insert("sqlite_mb".into(), json!(round1(sqlite_mb)));
    extra.insert("cli_orders_median_ms".into(), json!(cli_median_ms));
    extra.insert("cli_orders_max_ms".into(), json!(cli_max_ms));
    extra.insert("cli_orders_rows".into(), json!(cli_rows));
    extra.insert("console_frame_ms".into(), console);
    Ok(BenchResult {
        case: "scale",
        wall_s,
        api_calls: u64::try_from(api_calls)?,
        // The goal is a peak under 100 MB; this is the fraction of it used.
        ceiling_fraction: (peak_rss_mb / 100.0 * 1000.0).round() / 1000.0,
        cpu,
        extra,
    })
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn query_count(db: &Path, sql: &str) -> anyhow::Result<usize> {
    let conn = Connection::open(db)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let count: i64 = conn.query_row(sql, [], |r| r.get(0))?;
    Ok(usize::try_from(count)?)
}

/// The store's products as the seller's own TikTok products (same seller SKUs, price and
/// stock), `SENDERS` at a time. Returns every SKU.
async fn seed_tiktok_catalog(control: &ControlClient) -> anyhow::Result<Vec<String>> {
    let products = control.shopify_products().await?;
    let mut all = Vec::new();
    let mut seeds = Vec::with_capacity(products.len());
    for product in &products {
        let title = product["title"].as_str().unwrap_or("Product").to_owned();
        let mut skus = Vec::new();
        for variant in product["variants"].as_array().into_iter().flatten() {
            let sku = variant["sku"].as_str().context("a variant without SKU")?;
            skus.push(SellerSku {
                seller_sku: sku.to_owned(),
                price: variant["price"].as_str().unwrap_or("10.00").to_owned(),
                quantity: variant["inventory_quantity"].as_i64().unwrap_or(0),
            });
            all.push(sku.to_owned());
        }
        seeds.push((title, skus));
    }
    let mut lanes = tokio::task::JoinSet::new();
    let per_lane = seeds.len().div_ceil(SENDERS).max(1);
    for chunk in seeds.chunks(per_lane) {
        let (control, chunk) = (control.clone(), chunk.to_vec());
        lanes.spawn(async move {
            for (title, skus) in chunk {
                control.tiktok_seller_create_product(&title, &skus).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(lane) = lanes.join_next().await {
        lane??;
    }
    Ok(all)
}

/// Place `n` single-line orders over the SKUs, spread from `offset`.
async fn place_orders(
    control: &ControlClient,
    skus: &[String],
    n: usize,
    offset: usize,
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let sku = &skus[(offset + i * 7919) % skus.len()];
        ids.push(
            control
                .tiktok_create_order(&NewTikTokOrder::single(sku, 1))
                .await?,
        );
    }
    Ok(ids)
}

async fn wait_orders_in(db: &Path, ids: &[String], states: &str, what: &str) -> anyhow::Result<()> {
    let list = ids
        .iter()
        .map(|id| format!("'{}'", id.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "SELECT count(*) FROM orders WHERE tiktok_order_id IN ({list}) AND sync_state IN ({states})"
    );
    wait_for(what, SETUP_WAIT, || async {
        Ok((query_count(db, &sql)? == ids.len()).then_some(()))
    })
    .await
}

/// The seed orders: placed on TikTok, created in the store, fulfilled there, shipped on
/// TikTok. Returns how many.
async fn ship_seed_orders(rig: &Rig, db: &Path, skus: &[String]) -> anyhow::Result<usize> {
    let ids = place_orders(&rig.control, skus, SEED_ORDERS, 0).await?;
    wait_orders_in(db, &ids, "'in_store'", "the seed orders in the store")
        .await
        .map_err(|e| rig.with_log(e))?;
    for (n, order) in rig.control.shopify_orders().await?.iter().enumerate() {
        let id = order["id"].as_u64().context("a store order id")?;
        rig.control
            .shopify_fulfill(id, &format!("94001118992238{n:08}"), "USPS", None)
            .await?;
    }
    wait_orders_in(db, &ids, "'shipped'", "the seed orders shipped")
        .await
        .map_err(|e| rig.with_log(e))?;
    Ok(ids.len())
}

/// The bulk loader: copies the shipped orders (and their shipments) until `orders` rows
/// exist. Each copy gets new TikTok/store ids and times moved back by a share of a year; every
/// other column is the daemon's own. Column lists come from the schema, so a later migration's
/// columns are copied too.
pub fn load_order_history(db: &Path, orders: usize) -> anyhow::Result<()> {
    let mut conn = Connection::open(db)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // The bench's own memory, not the daemon's: index pages stay cached across copies.
    conn.pragma_update(None, "cache_size", -262_144)?;
    let seeds: i64 = conn.query_row(
        "SELECT count(*) FROM orders WHERE sync_state = 'shipped'",
        [],
        |r| r.get(0),
    )?;
    let existing: i64 = conn.query_row("SELECT count(*) FROM orders", [], |r| r.get(0))?;
    // Copies are read by id range and joined through the (shop, TikTok id) index: a filter on
    // the id's text scanned the whole growing table for each copy (quadratic; 1M took hours).
    let last_seed: i64 = conn.query_row("SELECT max(id) FROM orders", [], |r| r.get(0))?;
    anyhow::ensure!(seeds > 0, "no shipped order to copy");
    let wanted = i64::try_from(orders)? - existing;
    let copies = (wanted + seeds - 1) / seeds;
    let shift = HISTORY_SECS / copies.max(1);
    let columns = |table: &str| -> anyhow::Result<Vec<String>> {
        let mut stmt = conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?;
        let names = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(names)
    };
    let order_columns: Vec<String> = columns("orders")?
        .into_iter()
        .filter(|c| c != "id")
        .collect();
    let shipment_columns = columns("shipments")?;
    let copied = |c: &str| match c {
        "tiktok_order_id" => "o.tiktok_order_id || '-h' || ?1".to_owned(),
        "store_order_id" => "o.store_order_id || '0' || ?1".to_owned(),
        "store_order_name" => "o.store_order_name || '-h' || ?1".to_owned(),
        "created_at" | "updated_at" | "tiktok_update_time" => format!("o.{c} - ?1 * ?2"),
        other => format!("o.{other}"),
    };
    let insert_orders = format!(
        "INSERT INTO orders ({}) SELECT {} FROM orders o
         WHERE o.id <= ?4 AND o.sync_state = 'shipped' LIMIT ?3",
        order_columns.join(", "),
        order_columns
            .iter()
            .map(|c| copied(c))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let insert_shipments = format!(
        "INSERT INTO shipments ({}) SELECT {} FROM shipments s
         JOIN orders o ON o.id = s.order_id
         JOIN orders c ON c.shop_id = o.shop_id AND c.tiktok_order_id = o.tiktok_order_id || '-h' || ?1
         WHERE s.order_id <= ?2",
        shipment_columns.join(", "),
        shipment_columns
            .iter()
            .map(|c| match c.as_str() {
                "order_id" => "c.id".to_owned(),
                "store_fulfilment_id" => "s.store_fulfilment_id || '0' || ?1".to_owned(),
                other => format!("s.{other}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut left = wanted;
    let mut copy = 1i64;
    while left > 0 {
        let tx = conn.transaction()?;
        // 100 copies per transaction: big enough to be quick, small enough for the WAL.
        for _ in 0..100 {
            if left <= 0 {
                break;
            }
            let take = left.min(seeds);
            let inserted = tx.execute(&insert_orders, params![copy, shift, take, last_seed])?;
            tx.execute(&insert_shipments, params![copy, last_seed])?;
            left -= i64::try_from(inserted)?;
            copy += 1;
        }
        tx.commit()?;
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;")?;
    Ok(())
}

/// The daemon's work during the window: stock changes in the store and new orders from
/// TikTok, spread over `WINDOW`; returns once every new order is in the store and the
/// window has passed. Returns how many orders were placed.
async fn work_through_window(rig: &Rig, db: &Path, skus: &[String]) -> anyhow::Result<usize> {
    let started = Instant::now();
    let gap = WINDOW / u32::try_from(WINDOW_STOCK_CHANGES)?;
    let mut ids = Vec::new();
    for i in 0..WINDOW_STOCK_CHANGES {
        let sku = &skus[(i * 104_729) % skus.len()];
        rig.control
            .shopify_set_inventory(sku, i64::try_from(50 + i % 40)?)
            .await?;
        if i % (WINDOW_STOCK_CHANGES / WINDOW_ORDERS) == 0 {
            ids.extend(place_orders(&rig.control, skus, 1, 31 + i).await?);
        }
        tokio::time::sleep_until((started + gap * u32::try_from(i + 1)?).into()).await;
    }
    wait_orders_in(db, &ids, "'in_store'", "the window's orders in the store")
        .await
        .map_err(|e| rig.with_log(e))?;
    Ok(ids.len())
}

/// Runs `feedbridge orders --json` `CLI_RUNS` times: (median ms, max ms, rows printed).
fn time_cli_orders(socket: &Path) -> anyhow::Result<(u64, u64, usize)> {
    let cli = daemon_binary().with_file_name("feedbridge");
    let mut times = Vec::with_capacity(CLI_RUNS);
    let mut rows = 0;
    for _ in 0..CLI_RUNS {
        let started = Instant::now();
        let output = std::process::Command::new(&cli)
            .args(["orders", "--json", "--socket"])
            .arg(socket)
            .output()?;
        times.push(u64::try_from(started.elapsed().as_millis())?);
        anyhow::ensure!(output.status.success(), "feedbridge orders: {output:?}");
        let printed: Value = serde_json::from_slice(&output.stdout)?;
        rows = printed.as_array().map_or(0, Vec::len);
    }
    times.sort_unstable();
    Ok((times[times.len() / 2], times[times.len() - 1], rows))
}

fn sqlite_size_mb(db: &Path) -> f64 {
    let size = |suffix: &str| {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        std::fs::metadata(path).map_or(0, |m| m.len())
    };
    #[allow(clippy::cast_precision_loss)]
    let mb = (size("") + size("-wal")) as f64 / 1_048_576.0;
    mb
}

/// Keypress → frame times (ms) of the console on the Orders panel: each key handled, the
/// daemon calls it asks for answered, the screen drawn. `j` is pressed 200 times (a window is
/// fetched every few rows), the others once each.
async fn console_frames(socket: &Path) -> anyhow::Result<Value> {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use feedbridge_tui::action::Action;
    use feedbridge_tui::app::App;
    use feedbridge_tui::{client, live, requests, ui};

    let (width, height) = (80, 24);
    let client = client::connect(socket).await?;
    let mut app = App::new();
    app.set_screen(ui::table_rows(height));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height))?;
    let started = Instant::now();
    let snapshot = live::fetch(&client, &app.lists()).await?;
    app.update(Action::Refreshed(Box::new(snapshot)));
    let mut press = async |app: &mut App, key: KeyEvent| -> anyhow::Result<f64> {
        let started = Instant::now();
        app.on_key(key);
        loop {
            let asked = app.take_requests();
            if asked.is_empty() {
                break;
            }
            for request in asked {
                let answer = requests::perform(&client, socket, request).await;
                app.update(answer);
            }
        }
        terminal.draw(|frame| ui::draw(frame, app))?;
        Ok(started.elapsed().as_secs_f64() * 1000.0)
    };
    let first_frame_ms = started.elapsed().as_secs_f64() * 1000.0;
    let plain = |code| KeyEvent::new(code, KeyModifiers::NONE);
    let mut down = Vec::new();
    for _ in 0..200 {
        down.push(press(&mut app, plain(KeyCode::Char('j'))).await?);
    }
    let end = press(
        &mut app,
        KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT),
    )
    .await?;
    let home = press(&mut app, plain(KeyCode::Char('g'))).await?;
    let page_down = press(&mut app, plain(KeyCode::PageDown)).await?;
    let sort = press(&mut app, plain(KeyCode::Char('s'))).await?;
    // A merchant looks an SKU up: the first one of the selected order.
    let sku = app
        .orders
        .selected()
        .and_then(|order| order.lines.first())
        .map(|line| line.seller_sku.clone())
        .context("no order line to search for")?;
    press(&mut app, plain(KeyCode::Char('/'))).await?;
    let mut search = 0.0;
    for c in sku.chars() {
        search += press(&mut app, plain(KeyCode::Char(c))).await?;
    }
    anyhow::ensure!(
        app.orders.total() > 0,
        "the console found no order searching for {sku}"
    );
    #[allow(clippy::cast_precision_loss)]
    let down_mean = down.iter().sum::<f64>() / down.len() as f64;
    let down_max = down.iter().copied().fold(0.0, f64::max);
    Ok(json!({
        "first_frame": round1(first_frame_ms),
        "j_mean": round1(down_mean),
        "j_max": round1(down_max),
        "G": round1(end),
        "g": round1(home),
        "page_down": round1(page_down),
        "s": round1(sort),
        "search_sku_typed": round1(search),
        "search_sku": sku,
        "held_rows": app.orders.rows().len(),
    }))
}
