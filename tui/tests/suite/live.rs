//! The live task against a fake daemon: updates without a keypress, reconnects after a loss.
#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns; a failure should fail the test.

use crate::support;

use feedbridge_common::{EventKind, OrderFilter, OrderSyncState};
use feedbridge_tui::action::Action;
use feedbridge_tui::{client, live};
use std::time::Duration;
use support::{FakeDaemon, sample_snapshot};
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
    let daemon = FakeDaemon::start(&socket, sample_snapshot()).await;
    let client = client::connect(&socket).await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    // No periodic refresh: every refresh below is caused by an event or a reconnect.
    let (_filter_tx, filter_rx) = tokio::sync::watch::channel(OrderFilter::default());
    let (task, current) = live::spawn_with(
        socket.clone(),
        client,
        tx,
        filter_rx,
        Duration::from_secs(3600),
    );

    let first = next_matching(&mut rx, 30, |a| matches!(a, Action::Refreshed(_))).await;
    let Action::Refreshed(snapshot) = first else {
        unreachable!()
    };
    assert_eq!(snapshot.orders.len(), 3);

    // An order ships: the event wakes the long poll and a refetch follows at once.
    daemon.state.lock().unwrap().snapshot.orders[1].sync_state = OrderSyncState::Shipped;
    daemon.push_event(EventKind::TrackingPushed, "tracking pushed");
    next_matching(
        &mut rx,
        30,
        |a| matches!(a, Action::Refreshed(s) if s.orders[1].sync_state == OrderSyncState::Shipped),
    )
    .await;

    // The daemon goes away: the console hears of it and loses its client.
    daemon.stop();
    next_matching(&mut rx, 30, |a| matches!(a, Action::Disconnected(_))).await;
    assert!(current.borrow().is_none());

    // It comes back (fresh state, event feed started over): the console reconnects.
    let mut fresh = sample_snapshot();
    fresh.orders.truncate(1);
    let daemon = FakeDaemon::start(&socket, fresh).await;
    next_matching(
        &mut rx,
        30,
        |a| matches!(a, Action::Refreshed(s) if s.orders.len() == 1),
    )
    .await;
    assert!(current.borrow().is_some());

    // Events on the new daemon still arrive although its sequence restarted at 1.
    daemon.state.lock().unwrap().snapshot.failures.clear();
    daemon.push_event(EventKind::FailureResolved, "resolved");
    next_matching(
        &mut rx,
        30,
        |a| matches!(a, Action::Refreshed(s) if s.failures.is_empty()),
    )
    .await;

    task.abort();
    daemon.stop();
}

#[tokio::test]
async fn refreshes_fetch_with_the_consoles_order_filter() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("feedbridged.sock");
    let daemon = FakeDaemon::start(&socket, sample_snapshot()).await;
    let client = client::connect(&socket).await.unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (filter_tx, filter_rx) = tokio::sync::watch::channel(OrderFilter::default());
    let (task, _current) = live::spawn_with(
        socket.clone(),
        client,
        tx,
        filter_rx,
        Duration::from_secs(3600),
    );
    next_matching(&mut rx, 30, |a| matches!(a, Action::Refreshed(_))).await;

    // The console filters to Blocked; the next refresh (after any event) fetches with it.
    let blocked = OrderFilter {
        state: Some(OrderSyncState::Blocked),
        ..OrderFilter::default()
    };
    filter_tx.send_replace(blocked.clone());
    daemon.push_event(EventKind::OrderChanged, "an order changed");
    let refreshed = next_matching(&mut rx, 30, |a| matches!(a, Action::Refreshed(_))).await;
    let Action::Refreshed(snapshot) = refreshed else {
        unreachable!()
    };
    assert_eq!(snapshot.order_filter, blocked);
    let ids: Vec<i64> = snapshot.orders.iter().map(|o| o.id).collect();
    assert_eq!(ids, [13]);

    task.abort();
    daemon.stop();
}
