//! Keeps the console current: long-polls the daemon's event feed and refetches what the
//! console shows (the status, and the window each list panel shows) whenever something
//! happened (or every few seconds anyway). Reconnects with backoff when the daemon goes away
//! and resumes from the last event cursor.

use crate::action::{Action, Lists, PageAnswer, Snapshot};
use crate::client::{self, ctx};
use feedbridge_common::ConsoleClient;
use feedbridge_common::rpc::RpcError;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How long one `events_since` call may wait for news.
pub const LONG_POLL_MS: u32 = 4_000;
/// Refetch at least this often even without events (counts change without events, e.g. uptime).
pub const REFRESH_EVERY: Duration = Duration::from_secs(3);

const BACKOFF_FIRST: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Fetch what the console shows, concurrently: the status and the windows in `lists`.
pub async fn fetch(
    client: &ConsoleClient,
    lists: &Lists,
) -> Result<Snapshot, tarpc::client::RpcError> {
    let (status, orders, products, failures) = tokio::try_join!(
        client.status(ctx()),
        client.order_page(ctx(), lists.orders.query.clone()),
        client.product_page(ctx(), lists.products.query.clone()),
        client.failure_page(ctx(), lists.failures.query.clone()),
    )?;
    let shops: Vec<String> = status
        .organizations
        .iter()
        .flat_map(|org| org.shops.iter().map(|shop| shop.name.clone()))
        .collect();
    let answers = futures::future::join_all(
        shops
            .iter()
            .map(|shop| client.shop_settings(ctx(), shop.clone())),
    )
    .await;
    let order_answers = futures::future::join_all(
        shops
            .iter()
            .map(|shop| client.order_settings(ctx(), shop.clone())),
    )
    .await;
    let mut settings = Vec::with_capacity(shops.len());
    let mut order_settings = Vec::with_capacity(shops.len());
    for ((shop, answer), order_answer) in shops.into_iter().zip(answers).zip(order_answers) {
        // A daemon refusal is shown in place; a lost connection is the caller's to handle.
        settings.push((shop.clone(), answer?.map_err(|error| error.to_string())));
        order_settings.push((shop, order_answer?.map_err(|error| error.to_string())));
    }
    // A daemon refusal is shown by the panel; a lost connection is the caller's to handle.
    fn page_answer<R>(
        seq: u64,
        page: Result<feedbridge_common::Page<R>, RpcError>,
    ) -> PageAnswer<R> {
        PageAnswer {
            seq,
            page: page.map_err(|error| error.to_string()),
        }
    }
    Ok(Snapshot {
        status,
        orders: page_answer(lists.orders.seq, orders),
        products: page_answer(lists.products.seq, products),
        failures: page_answer(lists.failures.seq, failures),
        settings,
        order_settings,
    })
}

/// Start following the daemon. Updates go to `actions`; the current client (None while
/// disconnected) is published on the returned watch so the UI can make calls with it. Each
/// refresh fetches the windows `lists` holds at that moment.
pub fn spawn(
    socket: PathBuf,
    client: ConsoleClient,
    actions: mpsc::UnboundedSender<Action>,
    lists: watch::Receiver<Lists>,
) -> (JoinHandle<()>, watch::Receiver<Option<ConsoleClient>>) {
    spawn_with(socket, client, actions, lists, REFRESH_EVERY)
}

/// [`spawn`] with another fallback refresh period (tests turn it off to see event-driven
/// refreshes alone).
pub fn spawn_with(
    socket: PathBuf,
    client: ConsoleClient,
    actions: mpsc::UnboundedSender<Action>,
    lists: watch::Receiver<Lists>,
    refresh_every: Duration,
) -> (JoinHandle<()>, watch::Receiver<Option<ConsoleClient>>) {
    let (client_tx, client_rx) = watch::channel(Some(client.clone()));
    let follow = Follow {
        actions,
        lists,
        refresh_every,
    };
    let task = tokio::spawn(run(socket, client, follow, client_tx));
    (task, client_rx)
}

/// Where updates go and what to fetch.
struct Follow {
    actions: mpsc::UnboundedSender<Action>,
    lists: watch::Receiver<Lists>,
    refresh_every: Duration,
}

impl Follow {
    async fn fetch(&self, client: &ConsoleClient) -> Result<Snapshot, tarpc::client::RpcError> {
        let lists = self.lists.borrow().clone();
        fetch(client, &lists).await
    }
}

/// Why following stopped.
enum Stop {
    /// The UI is gone.
    Closed,
    Lost(tarpc::client::RpcError),
}

async fn run(
    socket: PathBuf,
    first: ConsoleClient,
    follow_with: Follow,
    client_tx: watch::Sender<Option<ConsoleClient>>,
) {
    let actions = &follow_with.actions;
    let mut cursor = None;
    let mut next = Some(first);
    let mut backoff = BACKOFF_FIRST;
    loop {
        let client = match next.take() {
            Some(client) => client,
            None => match client::connect(&socket).await {
                Ok(client) => client,
                Err(error) => {
                    if actions
                        .send(Action::Disconnected(error.to_string()))
                        .is_err()
                    {
                        return;
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                    continue;
                }
            },
        };
        client_tx.send_replace(Some(client.clone()));
        match follow(&client, &mut cursor, &follow_with, &mut backoff).await {
            Stop::Closed => return,
            Stop::Lost(error) => {
                client_tx.send_replace(None);
                tracing::warn!(%error, "Lost the daemon, reconnecting.");
                let reason = format!("(lost the daemon: {error})");
                if actions.send(Action::Disconnected(reason)).is_err() {
                    return;
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

async fn follow(
    client: &ConsoleClient,
    cursor: &mut Option<u64>,
    with: &Follow,
    backoff: &mut Duration,
) -> Stop {
    let (actions, refresh_every) = (&with.actions, with.refresh_every);
    let snapshot = match with.fetch(client).await {
        Ok(snapshot) => snapshot,
        Err(error) => return Stop::Lost(error),
    };
    *backoff = BACKOFF_FIRST;
    let latest = snapshot.status.latest_event;
    // A cursor past the daemon's latest event means it started over with a fresh database.
    *cursor = Some(cursor.map_or(latest, |c| if c > latest { latest } else { c }));
    if actions.send(Action::Refreshed(Box::new(snapshot))).is_err() {
        return Stop::Closed;
    }
    let mut refreshed = Instant::now();
    loop {
        let from = cursor.unwrap_or(latest);
        let batch = match client.events_since(ctx(), from, LONG_POLL_MS).await {
            Ok(batch) => batch,
            Err(error) => return Stop::Lost(error),
        };
        *cursor = Some(batch.latest);
        if batch.events.is_empty() && refreshed.elapsed() < refresh_every {
            if actions.is_closed() {
                return Stop::Closed;
            }
            continue;
        }
        let snapshot = match with.fetch(client).await {
            Ok(snapshot) => snapshot,
            Err(error) => return Stop::Lost(error),
        };
        refreshed = Instant::now();
        if actions.send(Action::Refreshed(Box::new(snapshot))).is_err() {
            return Stop::Closed;
        }
    }
}
