//! Following a fulfilment order at Amazon: its status stored, each shipped package's tracking
//! pushed to TikTok once, and what Amazon gave up on turned into failures that a retry sends
//! again under a fresh id (Amazon never reuses one).

use super::*;

/// Look at the fulfilment order: store its status, push new tracking, settle final states.
pub async fn follow(engine: &Engine, order_id: i64) -> StepResult {
    let Some(row) = load(engine, order_id).await? else {
        return Ok(());
    };
    let Some(mcf) = mcf_row(engine, order_id).await? else {
        return Ok(());
    };
    if row.sync_state == OrderSyncState::Cancelled {
        return Ok(());
    }
    if mcf.closed {
        if mcf.resend_requested {
            // The merchant retried after Amazon gave up on it: send it again if still due.
            return send_again(engine, &row, &mcf).await;
        }
        // A follow-up queued before Amazon gave up must not succeed quietly: that would
        // close the failure the merchant has not dealt with. Reading Amazon again says it again.
        if row.sync_state != OrderSyncState::Failed {
            return Ok(());
        }
    }
    if !mcf.created && mcf.create_attempted_at.is_none() {
        return Ok(());
    }
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let Some(fulfiller) = fulfiller_of(org) else {
        return Ok(());
    };
    let id = mcf.seller_fulfillment_order_id.clone();
    let Some(found) = fulfiller
        .fulfilment_order(&id)
        .await
        .map_err(|e| amazon_failure(&org.name, &row, &e))?
    else {
        if mcf.created {
            return Err(StepFailure {
                retryable: true,
                ..StepFailure::rejected(
                    FailureKind::Mcf,
                    &org.name,
                    subject(&row),
                    format!("Amazon does not show fulfilment order {id} yet"),
                    "Nothing to do: feedbridge looks again by itself.",
                )
            });
        }
        // An attempt whose answer was lost and that Amazon never received: create again.
        return engine
            .enqueue(kind::MCF_CREATE, order_id, Duration::ZERO)
            .await
            .map_err(StepFailure::from);
    };
    let status = status_name(found.status);
    engine
        .store
        .call(move |conn| {
            store::mark_mcf_created(conn, order_id)?;
            store::set_mcf_status(conn, order_id, status)
        })
        .await?;
    record_packages(engine, order_id, &found).await?;
    push_tracking(engine, &row).await?;
    settle(engine, &row, &mcf, &found).await
}

/// Remember every shipped package that has a tracking number, with the SKUs in it.
pub(super) async fn record_packages(
    engine: &Engine,
    order_id: i64,
    found: &FulfilmentOrder,
) -> StepResult {
    let sku_of: BTreeMap<&str, &str> = found
        .items
        .iter()
        .map(|i| (i.item_id.as_str(), i.seller_sku.as_str()))
        .collect();
    let mut packages = Vec::new();
    for shipment in found.shipments.iter().filter(|s| s.status == "SHIPPED") {
        for package in &shipment.packages {
            let Some(tracking) = package
                .tracking_number
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
            else {
                continue;
            };
            let mut lines: Vec<(String, u32)> = Vec::new();
            for (item, quantity, _) in shipment
                .items
                .iter()
                .filter(|(_, _, number)| *number == package.package_number)
            {
                let sku = sku_of
                    .get(item.as_str())
                    .copied()
                    .unwrap_or(item)
                    .to_owned();
                match lines.iter_mut().find(|(s, _)| *s == sku) {
                    Some((_, n)) => *n += quantity,
                    None => lines.push((sku, *quantity)),
                }
            }
            packages.push(McfPackageRow {
                package_number: package.package_number,
                carrier_code: package.carrier_code.clone(),
                tracking_number: tracking.to_owned(),
                lines,
                pushed: false,
            });
        }
    }
    if packages.is_empty() {
        return Ok(());
    }
    engine
        .store
        .call(move |conn| {
            for package in &packages {
                store::record_mcf_package(conn, order_id, package)?;
            }
            Ok(())
        })
        .await
        .map_err(StepFailure::from)
}

/// Send each recorded package's tracking to TikTok once.
pub(super) async fn push_tracking(engine: &Engine, row: &OrderRow) -> StepResult {
    let order_id = row.id;
    let todo: Vec<McfPackageRow> = engine
        .store
        .call(move |conn| store::mcf_packages(conn, order_id))
        .await?
        .into_iter()
        .filter(|p| !p.pushed)
        .collect();
    if todo.is_empty() {
        return Ok(());
    }
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let mut push = TrackingPush::start(engine, org, shop, row).await?;
    for package in todo {
        let number = package.tracking_number.clone();
        let package_number = package.package_number;
        let (provider, package_id) = match push.already_on_tiktok(&number) {
            Some(item) => (item.shipping_provider_name.clone(), item.package_id.clone()),
            None => {
                let line_ids = push.waiting_lines(&package.lines);
                if line_ids.is_empty() {
                    continue;
                }
                let pushed = push
                    .push(&line_ids, &number, Carrier::Amazon(&package.carrier_code))
                    .await?;
                (pushed.provider_name, pushed.package_id)
            }
        };
        engine
            .store
            .call(move |conn| {
                store::mark_mcf_package_pushed(
                    conn,
                    order_id,
                    package_number,
                    &provider,
                    &package_id,
                )
            })
            .await?;
    }
    Ok(())
}

/// What Amazon's status means for the order now.
pub(super) async fn settle(
    engine: &Engine,
    row: &OrderRow,
    mcf: &McfOrderRow,
    found: &FulfilmentOrder,
) -> StepResult {
    let order_id = row.id;
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let packages = engine
        .store
        .call(move |conn| store::mcf_packages(conn, order_id))
        .await?;
    let pushed_units: u32 = packages
        .iter()
        .filter(|p| p.pushed)
        .flat_map(|p| p.lines.iter().map(|(_, n)| *n))
        .sum();
    let units = u32::try_from(row.detail.line_items.len()).unwrap_or(u32::MAX);
    let close = |state: OrderSyncState, reason: Option<String>| async move {
        engine
            .store
            .call(move |conn| {
                store::close_mcf_order(conn, order_id)?;
                order_state::set(conn, order_id, state, reason.as_deref())
            })
            .await
            .map_err(StepFailure::from)
    };
    match found.status {
        FulfilmentStatus::Complete => {
            let reason = (pushed_units < units).then(|| {
                format!(
                    "Amazon completed it; {pushed_units} of {units} units have tracking on TikTok."
                )
            });
            close(OrderSyncState::Shipped, reason).await
        }
        FulfilmentStatus::CompletePartialled => {
            let missing = not_shipped(found);
            close(
                OrderSyncState::Shipped,
                Some(format!(
                    "Amazon shipped only part of it ({missing} not fulfilled); ship the rest from TikTok Seller Center."
                )),
            )
            .await
        }
        FulfilmentStatus::Unfulfillable | FulfilmentStatus::Invalid => {
            let failure = gave_up(&org.name, row, mcf, found);
            let reason = failure.reason.clone();
            engine
                .store
                .call(move |conn| {
                    store::set_mcf_error(conn, order_id, Some(&reason))?;
                    store::close_mcf_order(conn, order_id)
                })
                .await?;
            Err(failure)
        }
        FulfilmentStatus::Cancelled if !mcf.cancel_requested => {
            let reason = format!(
                "Amazon cancelled fulfilment order {} of TikTok order {} (feedbridge did not ask it to)",
                mcf.seller_fulfillment_order_id, row.tiktok_order_id
            );
            let stored = reason.clone();
            engine
                .store
                .call(move |conn| {
                    store::set_mcf_error(conn, order_id, Some(&stored))?;
                    store::close_mcf_order(conn, order_id)
                })
                .await?;
            Err(StepFailure::rejected(
                FailureKind::Mcf,
                &org.name,
                subject(row),
                reason,
                "If it was cancelled in Seller Central by mistake, retry to send it to Amazon again; otherwise ship it from TikTok Seller Center.",
            ))
        }
        FulfilmentStatus::Cancelled => close(OrderSyncState::Cancelled, None).await,
        _ if pushed_units > 0 => change(
            engine,
            order_id,
            OrderSyncState::AtAmazon,
            Some(format!(
                "Partly shipped by Amazon: {pushed_units} of {units} units have tracking on TikTok."
            )),
        )
        .await,
        _ => {
            change(
                engine,
                order_id,
                OrderSyncState::AtAmazon,
                Some("Sent to Amazon MCF; waiting for Amazon to ship it.".into()),
            )
            .await
        }
    }
}

/// "2 × SKU A, 1 × SKU B" for units Amazon cancelled or could not fulfil.
pub(super) fn not_shipped(found: &FulfilmentOrder) -> String {
    let parts: Vec<String> = found
        .items
        .iter()
        .filter(|i| i.unfulfillable + i.cancelled > 0)
        .map(|i| format!("{} × SKU {}", i.unfulfillable + i.cancelled, i.seller_sku))
        .collect();
    if parts.is_empty() {
        "some units".to_owned()
    } else {
        parts.join(", ")
    }
}

/// Amazon gave up on the order (Unfulfillable or Invalid), in the merchant's words.
pub(super) fn gave_up(
    org: &str,
    row: &OrderRow,
    mcf: &McfOrderRow,
    found: &FulfilmentOrder,
) -> StepFailure {
    let short: Vec<&str> = found
        .items
        .iter()
        .filter(|i| i.unfulfillable > 0)
        .map(|i| i.seller_sku.as_str())
        .collect();
    let why = if short.is_empty() {
        if found.status == FulfilmentStatus::Invalid {
            "Amazon found the order invalid (often the address, or stock that is not sellable)"
                .to_owned()
        } else {
            "not enough sellable FBA stock".to_owned()
        }
    } else {
        format!("not enough sellable FBA stock of SKU {}", short.join(", "))
    };
    StepFailure {
        raw: Some(format!(
            "fulfilment order {} status {}",
            mcf.seller_fulfillment_order_id,
            status_name(found.status)
        )),
        ..StepFailure::rejected(
            FailureKind::Mcf,
            org,
            subject(row),
            format!(
                "Amazon could not fulfil TikTok order {}: {why}",
                row.tiktok_order_id
            ),
            "Send stock to FBA or ship it from TikTok Seller Center, then retry.",
        )
    }
}

/// A retry after Amazon gave up: if TikTok still waits for shipping, send the order again
/// under the next id; if the merchant shipped it from Seller Center meanwhile, it is done.
pub(super) async fn send_again(engine: &Engine, row: &OrderRow, mcf: &McfOrderRow) -> StepResult {
    let order_id = row.id;
    // The retry is answered (sent again or not) once; another needs another retry.
    let decline = || async move {
        engine
            .store
            .call(move |conn| store::clear_mcf_resend(conn, order_id))
            .await
            .map_err(StepFailure::from)
    };
    let gave_up = matches!(
        mcf.amazon_status.as_deref(),
        Some("Unfulfillable" | "Invalid" | "Cancelled")
    ) && !mcf.cancel_requested;
    if !gave_up {
        // Shipped, or cancelled by us: sending it again would ship it twice.
        return decline().await;
    }
    let Some((_, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let remote = shop
        .client
        .orders(std::slice::from_ref(&row.tiktok_order_id))
        .await
        .map_err(|e| {
            StepFailure::from_connector(FailureKind::Mcf, &row.org, subject(row), "TikTok Shop", &e)
        })?
        .into_iter()
        .next();
    let Some(remote) = remote else {
        return decline().await;
    };
    let (shop_id, seen) = (row.shop_id, remote.clone());
    engine
        .store
        .call(move |conn| store::upsert_order(conn, shop_id, &seen).map(|_| ()))
        .await?;
    if remote.status != OrderStatus::AwaitingShipment {
        // Shipped from Seller Center or cancelled meanwhile: order sync takes it from here.
        decline().await?;
        return engine
            .enqueue(kind::ORDER_SYNC, order_id, Duration::ZERO)
            .await
            .map_err(StepFailure::from);
    }
    let next = fulfilment_order_id(
        &row.tiktok_order_id,
        attempt_of(&mcf.seller_fulfillment_order_id) + 1,
    );
    engine
        .store
        .call(move |conn| {
            store::restart_mcf_order(conn, order_id, &next)?;
            order_state::set(
                conn,
                order_id,
                OrderSyncState::Pending,
                Some("Sending to Amazon MCF again."),
            )
        })
        .await?;
    engine
        .enqueue(kind::MCF_CREATE, order_id, Duration::ZERO)
        .await
        .map_err(StepFailure::from)
}

// ---------------------------------------------------------------------------------------------
// Cancellations
// ---------------------------------------------------------------------------------------------
