//! An order's row as the order steps share it: read it, read its shop's order rules, and
//! change its state. Below `orders`, `mcf`, `shipping` and `cancellations`, so none of them
//! needs another for these.

use super::{Engine, StepFailure, StepResult};
use crate::store::{self, OrderRow};
use feedbridge_common::OrderSyncState;
use feedbridge_common::orders::OrderSettings;
use rusqlite::Connection;

/// The order's row; `None` (with a warning) when a job names an order the database does not
/// hold.
pub(super) async fn load(engine: &Engine, order_id: i64) -> Result<Option<OrderRow>, StepFailure> {
    let row = engine
        .store
        .call(move |conn| store::order(conn, order_id))
        .await?;
    if row.is_none() {
        tracing::warn!(
            order_id,
            "A job names an order the database does not hold; nothing to do."
        );
    }
    Ok(row)
}

/// Moves the order to `state` in its own transaction; see [`set`].
pub(super) async fn change(
    engine: &Engine,
    order_id: i64,
    state: OrderSyncState,
    reason: Option<String>,
) -> StepResult {
    Ok(engine
        .store
        .call(move |conn| set(conn, order_id, state, reason.as_deref()))
        .await?)
}

/// The sync steps' one writer of an order's state, for a step that changes it together with
/// other rows in one transaction. The store refuses a move the order's state machine does not
/// allow (`OrderSyncState::may_become`); the step then fails with that reason.
pub(super) fn set(
    conn: &Connection,
    order_id: i64,
    state: OrderSyncState,
    reason: Option<&str>,
) -> rusqlite::Result<()> {
    store::set_order_state(conn, order_id, state, reason)
}

pub(super) async fn settings_of(engine: &Engine, shop: i64) -> Result<OrderSettings, StepFailure> {
    Ok(engine
        .store
        .call(move |conn| store::order_settings(conn, shop))
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::RemoteOrder;
    use crate::store::{Store, ensure_connection, ensure_org, upsert_order};

    #[tokio::test]
    async fn a_move_the_state_machine_refuses_is_a_failure_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            &dir.path().join("db.sqlite"),
            std::sync::Arc::new(crate::clock::SystemClock),
        )
        .unwrap();
        let order = store
            .call(|conn| {
                let org = ensure_org(conn, "acme")?;
                let shop = ensure_connection(conn, org, "tiktok", "tiktok", "shop", "s1")?;
                let order = upsert_order(conn, shop, &RemoteOrder::sample("77"))?;
                set(conn, order, OrderSyncState::Shipped, None)?;
                Ok(order)
            })
            .await
            .unwrap();

        let refused = store
            .call(move |conn| set(conn, order, OrderSyncState::Waiting, Some("unpaid")))
            .await
            .unwrap_err();
        let failure = StepFailure::from(refused);
        assert_eq!(failure.subject, "TikTok order 77");
        assert!(
            failure.reason.contains("from Shipped to Waiting"),
            "{}",
            failure.reason
        );
        assert!(!failure.retryable);

        let row = store
            .call(move |conn| store::order(conn, order))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.sync_state, OrderSyncState::Shipped);
    }
}
