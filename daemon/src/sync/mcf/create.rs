//! The fulfilment order created at Amazon exactly once (`create_once`), under an id derived
//! from the TikTok order id; Amazon's duplicate answer counts as created when the order exists.

use super::*;

/// Create the fulfilment order exactly once.
pub async fn create(engine: &Engine, order_id: i64) -> StepResult {
    let Some(row) = load(engine, order_id).await? else {
        return Ok(());
    };
    let Some(mcf) = mcf_row(engine, order_id).await? else {
        return Ok(());
    };
    if mcf.created || mcf.closed {
        return Ok(());
    }
    if row.detail.is_cancelled() || row.detail.is_buyer_request_cancel {
        // Order sync decides what a cancellation means for it.
        return engine
            .enqueue(kind::ORDER_SYNC, order_id, Duration::ZERO)
            .await
            .map_err(StepFailure::from);
    }
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let Some(fulfiller) = fulfiller_of(org) else {
        return Ok(());
    };
    let id = mcf.seller_fulfillment_order_id.clone();
    // A create whose answer was lost, or an order from before this database's memory (a new
    // or restored data dir): Amazon may have it already. Newer orders need no look: Amazon
    // answers a repeated id as a duplicate, which is recognised below.
    let org_id = org.id;
    let known_since = engine
        .store
        .call(move |conn| store::store_orders_known_since(conn, org_id))
        .await?;
    let history = History {
        attempted_at: mcf.create_attempted_at,
        created_at: row.detail.create_time,
        known_since,
    };
    let past_awaiting = row.detail.status != OrderStatus::AwaitingShipment;
    let look =
        Look::decide(history, engine.clock.now_secs(), AMAZON_LOOKUP_LAG).or_if(past_awaiting);
    let row = &row;
    let amazon_error = |e: ConnectorError| amazon_failure(&org.name, row, &e);
    let find = || async { fulfiller.fulfilment_order(&id).await.map_err(amazon_error) };
    let steps = Steps {
        find: find(),
        prepare: async {
            let connection = shop.connection;
            let settings = engine
                .store
                .call(move |conn| store::mcf_settings(conn, connection))
                .await?;
            if let Some(problem) = limit_problem(&items_by_sku(&row.detail)) {
                return Err(StepFailure::rejected(
                    FailureKind::Mcf,
                    &org.name,
                    subject(row),
                    format!("Amazon would refuse this order: {problem}"),
                    "Ship it from TikTok Seller Center.",
                ));
            }
            Ok(new_fulfilment_order(&row.detail, &id, &settings))
        },
        mark_attempted: async move {
            let mark = move |conn: &_| store::mark_mcf_create_attempted(conn, order_id);
            Ok(engine.store.call(mark).await?)
        },
        send: |new_order: NewFulfilmentOrder| async move {
            match fulfiller.create_order(&new_order).await {
                Ok(()) => Ok(Sent::Created(())),
                Err(error @ ConnectorError::Rejected { .. }) if is_duplicate(&error) => {
                    // Amazon has an order under this id: ours, if it exists (ids are ours
                    // alone). Until it shows, the mark stays and the create is retried.
                    match find().await {
                        Ok(Some(found)) => Ok(Sent::Exists(found)),
                        Ok(None) => Err(NotSent::Unanswered(StepFailure {
                            retryable: true,
                            ..amazon_error(error)
                        })),
                        Err(failure) => Err(NotSent::Unanswered(failure)),
                    }
                }
                Err(error) => Err(NotSent::of(error, |e| create_refusal(&org.name, row, &e))),
            }
        },
        // A definite "no": nothing was created, so the next attempt need not look.
        clear_attempted: async move {
            let clear = move |conn: &_| store::clear_mcf_create_attempted(conn, order_id);
            Ok(engine.store.call(clear).await?)
        },
    };
    match create_once(look, steps).await? {
        Outcome::Found(found) => {
            info!(fulfilment_order = %id, "Amazon already has this fulfilment order; recording it.");
            created(engine, row, &found).await
        }
        Outcome::Created(()) => {
            if cancelled_meanwhile(engine, row).await? {
                return Ok(());
            }
            engine
                .store
                .call(move |conn| {
                    store::mark_mcf_created(conn, order_id)?;
                    order_state::set(
                        conn,
                        order_id,
                        OrderSyncState::AtAmazon,
                        Some("Sent to Amazon MCF; waiting for Amazon to ship it."),
                    )
                })
                .await?;
            engine
                .enqueue(kind::MCF_FOLLOW, order_id, FIRST_LOOK_DELAY)
                .await
                .map_err(StepFailure::from)
        }
        // Not while Amazon's lookup does not lag (AMAZON_LOOKUP_LAG).
        Outcome::WaitForSearch(wait) => engine
            .enqueue(kind::MCF_CREATE, order_id, wait)
            .await
            .map_err(StepFailure::from),
    }
}

/// TikTok's cancellation may have arrived while the create was in flight and found nothing
/// at Amazon to cancel: cancel what was just created. Returns whether it did.
pub(super) async fn cancelled_meanwhile(
    engine: &Engine,
    row: &OrderRow,
) -> Result<bool, StepFailure> {
    let Some(now) = mcf_row(engine, row.id).await? else {
        return Ok(false);
    };
    if !now.cancel_requested {
        return Ok(false);
    }
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(false);
    };
    let Some(fulfiller) = fulfiller_of(org) else {
        return Ok(false);
    };
    fulfiller
        .cancel_order(&now.seller_fulfillment_order_id)
        .await
        .map_err(|e| {
            StepFailure::from_connector(
                FailureKind::OrderCancel,
                &org.name,
                subject(row),
                "Amazon",
                &e,
            )
        })?;
    let order_id = row.id;
    engine
        .store
        .call(move |conn| store::set_mcf_status(conn, order_id, "Cancelled").map(|_| ()))
        .await?;
    Ok(true)
}

pub(super) fn is_duplicate(error: &ConnectorError) -> bool {
    let raw = error.raw().to_ascii_lowercase();
    raw.contains("duplicate") || raw.contains("already exist")
}

/// A create refusal in the merchant's words, naming the SKU Amazon points at.
pub(super) fn create_refusal(org: &str, row: &OrderRow, error: &ConnectorError) -> StepFailure {
    let ConnectorError::Rejected { raw, .. } = error else {
        return amazon_failure(org, row, error);
    };
    let lower = raw.to_ascii_lowercase();
    let (reason, action) = if lower.contains("sellersku") {
        let item = raw
            .split("Item Id:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(|id| id.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()))
            .unwrap_or_default();
        let sku = row
            .detail
            .line_items
            .iter()
            .find(|line| line.id == item)
            .map_or("a SKU of this order", |line| line.seller_sku.as_str());
        (
            format!("Amazon does not know {sku} as FBA stock in this marketplace"),
            "Check the seller SKU matches the FBA listing, or ship it from TikTok Seller Center, then retry.",
        )
    } else if lower.contains("address") || lower.contains("postal") {
        (
            format!("Amazon refused the buyer's address: {}", first_line(raw)),
            "Check the address on TikTok; ship it from TikTok Seller Center if it cannot be fixed, then retry.",
        )
    } else {
        (
            format!("Amazon refused the fulfilment order: {}", first_line(raw)),
            "Fix what Amazon names, then retry.",
        )
    };
    StepFailure {
        raw: Some(raw.clone()),
        ..StepFailure::rejected(FailureKind::Mcf, org, subject(row), reason, action)
    }
}

pub(super) fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// Amazon has the order: record it and start following it.
pub(super) async fn created(
    engine: &Engine,
    row: &OrderRow,
    found: &FulfilmentOrder,
) -> StepResult {
    let order_id = row.id;
    if cancelled_meanwhile(engine, row).await? {
        return Ok(());
    }
    let status = status_name(found.status);
    engine
        .store
        .call(move |conn| {
            store::mark_mcf_created(conn, order_id)?;
            store::set_mcf_status(conn, order_id, status)?;
            order_state::set(
                conn,
                order_id,
                OrderSyncState::AtAmazon,
                Some("Sent to Amazon MCF; waiting for Amazon to ship it."),
            )
        })
        .await?;
    engine
        .enqueue(kind::MCF_FOLLOW, order_id, Duration::ZERO)
        .await
        .map_err(StepFailure::from)
}
