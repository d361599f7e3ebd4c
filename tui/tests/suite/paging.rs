//! The console paging through the real daemon: `feedbridged` runs in-process on a temp data
//! directory and socket, its database seeded (through the daemon's own store) with more orders
//! and failures than a screen holds; the console is the app on an 80×24 `TestBackend`, its
//! daemon calls made over the socket as the main loop makes them.
#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns; a failure should fail the test.

use crate::support::{press, render};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use feedbridge_common::ConsoleClient;
use feedbridge_common::config::{Config, Secrets};
use feedbridge_daemon::connector::tiktok::status::{FulfillmentType, OrderStatus, ShippingType};
use feedbridge_daemon::connector::{RemoteAddress, RemoteLineItem, RemoteOrder};
use feedbridge_daemon::store::{self, NewFailure, Store};
use feedbridge_daemon::{RunOptions, clock};
use feedbridge_tui::action::{Action, Answer, Panel};
use feedbridge_tui::app::App;
use feedbridge_tui::{client, live, requests, ui};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const ORDERS: u32 = 200;
const FAILURES: u32 = 60;
/// What the panels hold at most on an 80×24 terminal: twice its 14 table rows.
const WINDOW: usize = 28;

/// Order `n` (1..=200): TikTok id growing with `n`, one line of SKU-<n>, last changed at
/// `T + n` (so the daemon's order, latest change first, is n = 200, 199, ...).
fn tiktok_id(n: u32) -> String {
    format!("5764{n:014}")
}

fn remote_order(n: u32) -> RemoteOrder {
    RemoteOrder {
        id: tiktok_id(n),
        status: OrderStatus::AwaitingShipment,
        update_time: 1,
        create_time: 1,
        paid_time: 1,
        fulfillment_type: FulfillmentType::Seller,
        shipping_type: ShippingType::Seller,
        delivery_option_id: "d".into(),
        currency: "USD".into(),
        sub_total: Decimal::ONE,
        seller_discount: Decimal::ZERO,
        platform_discount: Decimal::ZERO,
        shipping_fee: Decimal::ZERO,
        tax: Decimal::ZERO,
        total: Decimal::ONE,
        is_buyer_request_cancel: false,
        buyer_email: String::new(),
        recipient: RemoteAddress::default(),
        line_items: vec![RemoteLineItem {
            id: format!("line-{n}"),
            sku_id: format!("sku-{n}"),
            seller_sku: format!("SKU-{n:03}"),
            original_price: Decimal::ONE,
            sale_price: Decimal::ONE,
            package_id: String::new(),
            tracking_number: String::new(),
            shipping_provider_name: String::new(),
            package_status: String::new(),
        }],
    }
}

/// Write the orders and failures into a fresh database at `db`, as the daemon's store does.
async fn seed(db: &Path) {
    let store = Store::open(db, Arc::new(clock::SystemClock)).unwrap();
    store
        .call(|conn| {
            let org = store::ensure_org(conn, "acme")?;
            let shop = store::ensure_connection(conn, org, "tiktok", "tiktok", "acme-us", "7")?;
            for n in 1..=ORDERS {
                store::upsert_order(conn, shop, &remote_order(n))?;
            }
            conn.execute(
                "UPDATE orders SET created_at = 1700000000 + id, updated_at = 1700000000 + id",
                [],
            )?;
            for n in 1..=FAILURES {
                let subject = format!("TikTok order {}", tiktok_id(n));
                store::record_failure(
                    conn,
                    &NewFailure {
                        org: Some("acme"),
                        job_kind: "order_sync",
                        job_subject: &n.to_string(),
                        kind: feedbridge_common::FailureKind::OrderCreate,
                        subject: &subject,
                        reason: "The store refused it",
                        action: "Fix it in the store",
                        raw_error: None,
                        retryable: true,
                    },
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

/// `feedbridged` on a seeded temp data directory, stopped on drop.
struct RealDaemon {
    _dir: tempfile::TempDir,
    socket: PathBuf,
    stop: CancellationToken,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl RealDaemon {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        std::fs::create_dir(&data_dir).unwrap();
        seed(&data_dir.join(feedbridge_daemon::DATABASE_FILE)).await;
        let socket = dir.path().join("feedbridged.sock");
        let options = RunOptions {
            config: Config::default(),
            secrets: Secrets::default(),
            data_dir,
            socket: socket.clone(),
            reloading: Arc::new(AtomicBool::new(false)),
            files: Default::default(),
        };
        let stop = CancellationToken::new();
        let task = tokio::spawn(feedbridge_daemon::run(options, stop.clone()));
        Self {
            _dir: dir,
            socket,
            stop,
            task: Some(task),
        }
    }

    /// A client, once the daemon answers on its socket.
    async fn client(&self) -> ConsoleClient {
        tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                if let Ok(client) = client::connect(&self.socket).await {
                    return client;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the daemon answers on its socket")
    }
}

impl Drop for RealDaemon {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The console on an 80×24 terminal after its first refresh, and its connection.
struct Console {
    app: App,
    client: ConsoleClient,
    socket: PathBuf,
}

impl Console {
    async fn open(daemon: &RealDaemon) -> Self {
        let mut app = App::new();
        app.set_screen(ui::table_rows(24));
        let client = daemon.client().await;
        let snapshot = live::fetch(&client, &app.lists()).await.unwrap();
        app.update(Action::Refreshed(Box::new(snapshot)));
        let mut console = Self {
            app,
            client,
            socket: daemon.socket.clone(),
        };
        console.settle().await;
        console
    }

    /// Make the daemon calls the app queued, as the main loop does, until it asks no more.
    async fn settle(&mut self) {
        loop {
            let requests = self.app.take_requests();
            if requests.is_empty() {
                return;
            }
            for request in requests {
                let action = requests::perform(&self.client, &self.socket, request).await;
                self.app.update(action);
            }
        }
    }

    /// Press `code` and let the daemon answer.
    async fn key(&mut self, code: KeyCode) {
        press(&mut self.app, code);
        self.settle().await;
    }

    async fn shift(&mut self, c: char) {
        self.app
            .on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT));
        self.settle().await;
    }

    async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            press(&mut self.app, KeyCode::Char(c));
        }
        self.settle().await;
    }

    fn screen(&self) -> String {
        render(&self.app, 80, 24)
    }

    fn selected_order(&self) -> String {
        self.app.orders.selected().unwrap().tiktok_order_id.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_holds_a_window_and_g_reaches_the_last_order() {
    let daemon = RealDaemon::start().await;
    let mut console = Console::open(&daemon).await;
    let held = |console: &Console| console.app.orders.rows().len();
    assert_eq!(console.app.orders.total(), ORDERS as usize);
    assert!(held(&console) <= WINDOW, "{} rows held", held(&console));
    let screen = console.screen();
    assert!(screen.contains(" 1/200 "), "{screen}");
    assert!(
        screen.contains(&tiktok_id(200)),
        "latest change first:\n{screen}"
    );

    // Down through more rows than a window: the held window follows, never growing.
    for _ in 0..40 {
        console.key(KeyCode::Char('j')).await;
        assert!(held(&console) <= WINDOW, "{} rows held", held(&console));
    }
    assert_eq!(console.selected_order(), tiktok_id(160));
    let screen = console.screen();
    assert!(screen.contains(" 41/200 "), "{screen}");
    assert!(screen.contains(&tiktok_id(160)), "{screen}");

    // G: the last order, its absolute position and the daemon's total.
    console.shift('G').await;
    assert!(held(&console) <= WINDOW);
    assert_eq!(console.selected_order(), tiktok_id(1));
    let screen = console.screen();
    assert!(screen.contains(" 200/200 "), "{screen}");
    assert!(screen.contains(&format!("▶ {}", tiktok_id(1))), "{screen}");
    console.key(KeyCode::PageUp).await;
    assert_eq!(console.selected_order(), tiktok_id(11));
    console.key(KeyCode::Char('g')).await;
    assert_eq!(console.selected_order(), tiktok_id(200));
    assert!(console.screen().contains(" 1/200 "));

    // The same on Failures.
    console.key(KeyCode::Char('3')).await;
    assert_eq!(console.app.failures.total(), FAILURES as usize);
    assert!(console.app.failures.rows().len() <= WINDOW);
    console.key(KeyCode::End).await;
    let screen = console.screen();
    assert!(screen.contains(" 60/60 "), "{screen}");
    assert!(console.app.failures.rows().len() <= WINDOW);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_and_sort_are_answered_by_the_daemon() {
    let daemon = RealDaemon::start().await;
    let mut console = Console::open(&daemon).await;
    let first_window: Vec<String> = console
        .app
        .orders
        .rows()
        .iter()
        .map(|o| o.tiktok_order_id.clone())
        .collect();
    assert!(!first_window.contains(&tiktok_id(7)));

    // `/`: order 7 is far below the first window; the daemon finds it by its SKU.
    console.key(KeyCode::Char('/')).await;
    console.type_text("sku-007").await;
    assert_eq!(console.app.orders.total(), 1);
    assert_eq!(console.selected_order(), tiktok_id(7));
    let screen = console.screen();
    assert!(screen.contains("/sku-007"), "{screen}");
    assert!(screen.contains(" 1/1 "), "{screen}");
    console.key(KeyCode::Esc).await;
    assert_eq!(console.app.orders.total(), ORDERS as usize);

    // `s`: by TikTok order id, ascending: order 1 (the last of the daemon's order) comes
    // first.
    console.key(KeyCode::Char('s')).await;
    assert_eq!(console.app.orders.rows()[0].tiktok_order_id, tiktok_id(1));
    assert_eq!(console.selected_order(), tiktok_id(1));
    assert!(console.screen().contains("TikTok order▲"));
    // `S` reverses it; the selection stays on its order, now the last.
    console.shift('S').await;
    assert_eq!(console.selected_order(), tiktok_id(1));
    let screen = console.screen();
    assert!(screen.contains("TikTok order▼"), "{screen}");
    assert!(screen.contains(" 200/200 "), "{screen}");
    assert!(console.app.orders.rows().len() <= WINDOW);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_answer_to_an_older_search_does_not_replace_the_newer() {
    let daemon = RealDaemon::start().await;
    let mut console = Console::open(&daemon).await;
    console.key(KeyCode::Char('/')).await;
    // "s": the first letter goes at once (every order's SKU has one); the rest waits for it.
    press(&mut console.app, KeyCode::Char('s'));
    let older = console.app.take_requests();
    assert_eq!(older.len(), 1);
    // A live refresh of that moment is on its way too.
    let late_refresh = live::fetch(&console.client, &console.app.lists())
        .await
        .unwrap();
    for c in "ku-00".chars() {
        press(&mut console.app, KeyCode::Char(c));
    }
    let older = requests::perform(&console.client, &console.socket, older[0].clone()).await;
    let Action::Answered(Answer::OrderPage(stale)) = &older else {
        panic!("{older:?}")
    };
    assert_eq!(stale.page.as_ref().unwrap().total, u64::from(ORDERS));
    // Its answer comes: dropped (not the latest), and the latest search goes.
    console.app.update(older.clone());
    console.settle().await;
    let newer = console.app.orders.total();
    assert_eq!(newer, 9, "SKU-001 to SKU-009");
    // The older refresh and answer arriving late change nothing.
    console
        .app
        .update(Action::Refreshed(Box::new(late_refresh)));
    console.app.update(older);
    console.settle().await;
    assert_eq!(console.app.orders.total(), newer);
    assert!(
        console
            .app
            .orders
            .rows()
            .iter()
            .all(|o| o.lines[0].seller_sku.starts_with("SKU-00"))
    );
    assert_eq!(console.app.panel, Panel::Orders);
}
