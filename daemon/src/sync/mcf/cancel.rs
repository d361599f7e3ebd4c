//! TikTok cancellations (and buyers' requests) carried to Amazon while Amazon allows it.

use super::*;

/// The buyer asked TikTok to cancel: cancel at Amazon if it still can, then approve the
/// request; if Amazon is already shipping it, the merchant must reject the request.
pub(super) async fn buyer_asked_to_cancel(
    engine: &Engine,
    row: &OrderRow,
    mcf: &McfOrderRow,
) -> StepResult {
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    cancel_at_amazon(engine, row, mcf, CancelBy::BuyerRequest).await?;
    let fail = |e: ConnectorError| {
        StepFailure::from_connector(
            FailureKind::OrderCancel,
            &org.name,
            subject(row),
            "TikTok Shop",
            &e,
        )
    };
    let pending = shop
        .client
        .cancellations(&row.tiktok_order_id)
        .await
        .map_err(fail)?
        .into_iter()
        .find(|c| c.status == CancellationStatus::Pending);
    if let Some(request) = pending {
        shop.client
            .approve_cancellation(&request.id)
            .await
            .map_err(fail)?;
    }
    change(
        engine,
        row.id,
        OrderSyncState::Cancelled,
        Some(format!(
            "The buyer cancelled; Amazon fulfilment order {} cancelled and the request approved on TikTok.",
            mcf.seller_fulfillment_order_id
        )),
    )
    .await
}

/// Who wants the order cancelled.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum CancelBy {
    /// TikTok cancelled it: the order ends Cancelled once Amazon has.
    TikTok,
    /// The buyer asked; the caller approves the request once Amazon has cancelled.
    BuyerRequest,
}

/// Cancel the fulfilment order while Amazon still allows it.
pub(super) async fn cancel_at_amazon(
    engine: &Engine,
    row: &OrderRow,
    mcf: &McfOrderRow,
    by: CancelBy,
) -> StepResult {
    let order_id = row.id;
    let id = mcf.seller_fulfillment_order_id.clone();
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let cancelled = |reason: String| async move {
        engine
            .store
            .call(move |conn| {
                store::mark_mcf_cancel_requested(conn, order_id)?;
                store::close_mcf_order(conn, order_id)?;
                if by == CancelBy::TikTok {
                    order_state::set(conn, order_id, OrderSyncState::Cancelled, Some(&reason))?;
                }
                Ok(())
            })
            .await
            .map_err(StepFailure::from)
    };
    if !mcf.created && mcf.create_attempted_at.is_none() {
        return cancelled("Cancelled on TikTok before it reached Amazon.".into()).await;
    }
    let Some(fulfiller) = fulfiller_of(org) else {
        return Ok(());
    };
    let cancel_fail = |e: ConnectorError| {
        StepFailure::from_connector(
            FailureKind::OrderCancel,
            &org.name,
            subject(row),
            "Amazon",
            &e,
        )
    };
    let found = fulfiller.fulfilment_order(&id).await.map_err(cancel_fail)?;
    let Some(found) = found else {
        // The attempt never reached Amazon: nothing to cancel there.
        return cancelled("Cancelled on TikTok before it reached Amazon.".into()).await;
    };
    if found.status == FulfilmentStatus::Cancelled
        || matches!(
            found.status,
            FulfilmentStatus::Unfulfillable | FulfilmentStatus::Invalid
        )
    {
        engine
            .store
            .call(move |conn| store::set_mcf_status(conn, order_id, status_name(found.status)))
            .await?;
        return cancelled(format!(
            "Cancelled on TikTok; Amazon fulfilment order {id} ships nothing."
        ))
        .await;
    }
    if !found.status.cancellable() {
        let status = status_name(found.status);
        engine
            .store
            .call(move |conn| store::set_mcf_status(conn, order_id, status))
            .await?;
        let (what, action) = match by {
            CancelBy::TikTok => (
                "TikTok cancelled order",
                "Ask Amazon to intercept the parcel, or handle it as a return when it arrives.",
            ),
            CancelBy::BuyerRequest => (
                "The buyer asked to cancel order",
                "Reject the buyer's cancellation request in TikTok Seller Center: Amazon ships the order.",
            ),
        };
        return Err(StepFailure::rejected(
            FailureKind::OrderCancel,
            &org.name,
            subject(row),
            format!(
                "{what} {}, but Amazon is already shipping fulfilment order {id} ({status}) and no longer lets it be cancelled",
                row.tiktok_order_id
            ),
            action,
        ));
    }
    engine
        .store
        .call(move |conn| store::mark_mcf_cancel_requested(conn, order_id))
        .await?;
    fulfiller.cancel_order(&id).await.map_err(cancel_fail)?;
    engine
        .store
        .call(move |conn| store::set_mcf_status(conn, order_id, "Cancelled").map(|_| ()))
        .await?;
    cancelled(format!(
        "Cancelled on TikTok; Amazon fulfilment order {id} cancelled."
    ))
    .await
}
