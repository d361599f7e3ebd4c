//! The live task against a fake daemon: updates without a keypress, reconnects after a loss.
#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns; a failure should fail the test.

use crate::support;

use feedbridge_common::{EventKind, OrderSyncState};
use feedbridge_tui::action::{Action, Lists};
use feedbridge_tui::app::App;
use feedbridge_tui::{client, live};
use std::time::Duration;
use support::{FakeDaemon, rows, samples};
use tokio::sync::mpsc;

/// The next action matching `want`, within `secs` seconds.
async fn next_matching(
    rx: &mut mpsc::UnboundedReceiver<Action>,
    secs: u64,
    want: impl Fn(&Action) -> bool,
) -> Action {
    tokio::time::timeout(Duration::from_secs(secs), async {
        loop {
            let action = rx.recv().await.expect("live task ended");
            if want(&action) {
                return action;
            }
        }
    })
    .await
    .expect("no matching action in time")
}

#[tokio::test]
async fn events_trigger_a_refresh_and_losses_reconnect() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("feedbridged.sock");
    let daemon = FakeDaemon::start(&socket, samples()).await;
    let client = client::connect(&socket).await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    // No periodic refresh: every refresh below is caused by an event or a reconnect.
    let (_lists_tx, lists_rx) = tokio::sync::watch::channel(App::new().lists());
    let (task, current) = live::spawn_with(
        socket.clone(),
        client,
        tx,
        lists_rx,
        Duration::from_secs(3600),
    );

    let first = next_matching(&mut rx, 30, |a| matches!(a, Action::Refreshed(_))).await;
    let Action::Refreshed(snapshot) = first else {
        unreachable!()
    };
    assert_eq!(rows(&snapshot.orders).len(), 3);

    // An order ships: the event wakes the long poll and a refetch follows at once.
    daemon.state.lock().unwrap().samples.orders[1].sync_state = OrderSyncState::Shipped;
    daemon.push_event(EventKind::TrackingPushed, "tracking pushed");
    next_matching(
        &mut rx,
        30,
        |a| matches!(a, Action::Refreshed(s) if rows(&s.orders).iter().any(|o| o.id == 12 && o.sync_state == OrderSyncState::Shipped)),
    )
    .await;

    // The daemon goes away: the console hears of it and loses its client.
    daemon.stop();
    next_matching(&mut rx, 30, |a| matches!(a, Action::Disconnected(_))).await;
    assert!(current.borrow().is_none());

    // It comes back (fresh state, event feed started over): the console reconnects.
    let mut fresh = samples();
    fresh.orders.truncate(1);
    let daemon = FakeDaemon::start(&socket, fresh).await;
    next_matching(
        &mut rx,
        30,
        |a| matches!(a, Action::Refreshed(s) if rows(&s.orders).len() == 1),
    )
    .await;
    assert!(current.borrow().is_some());

    // Events on the new daemon still arrive although its sequence restarted at 1.
    daemon.state.lock().unwrap().samples.failures.clear();
    daemon.push_event(EventKind::FailureResolved, "resolved");
    next_matching(
        &mut rx,
        30,
        |a| matches!(a, Action::Refreshed(s) if rows(&s.failures).is_empty()),
    )
    .await;

    task.abort();
    daemon.stop();
}

#[tokio::test]
async fn refreshes_fetch_the_windows_the_console_shows() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("feedbridged.sock");
    let daemon = FakeDaemon::start(&socket, samples()).await;
    let client = client::connect(&socket).await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (lists_tx, lists_rx) = tokio::sync::watch::channel(Lists::default());
    let (task, _current) = live::spawn_with(
        socket.clone(),
        client,
        tx,
        lists_rx,
        Duration::from_secs(3600),
    );
    next_matching(&mut rx, 30, |a| matches!(a, Action::Refreshed(_))).await;

    // The console filters Orders to Blocked and shows the first window of failures; the next
    // refresh (after any event) fetches those windows, numbered as the console asked.
    let mut lists = Lists::default();
    lists.orders.seq = 4;
    lists.orders.query.state = Some(OrderSyncState::Blocked);
    lists.orders.query.window = feedbridge_common::Window::first(10);
    lists.failures.seq = 2;
    lists.failures.query.window = feedbridge_common::Window::first(1);
    lists_tx.send_replace(lists);
    daemon.push_event(EventKind::OrderChanged, "an order changed");
    let refreshed = next_matching(&mut rx, 30, |a| matches!(a, Action::Refreshed(_))).await;
    let Action::Refreshed(snapshot) = refreshed else {
        unreachable!()
    };
    assert_eq!(snapshot.orders.seq, 4);
    let ids: Vec<i64> = rows(&snapshot.orders).iter().map(|o| o.id).collect();
    assert_eq!(ids, [13]);
    assert_eq!(snapshot.failures.seq, 2);
    let page = snapshot.failures.page.as_ref().unwrap();
    assert_eq!((page.rows.len(), page.total), (1, 2), "one row of two");

    task.abort();
    daemon.stop();
}
