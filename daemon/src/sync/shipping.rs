//! Tracking, both ways: the store's shipments to TikTok packages (seller shipping), and
//! TikTok's own shipments (TikTok Shipping, FBT) onto the store order, with the later
//! statuses reflected there.

use super::order_state::{change, load};
use super::tracking::{Carrier, TrackingPush};
use super::{Engine, StepFailure, StepResult};
use crate::connector::tiktok::status::ShippingType;
use crate::connector::{self, NewStoreFulfilment, RemoteOrder, ShipmentProgress};
use crate::store::{self, OrderRow, TikTokShipment};
use feedbridge_common::{EventKind, FailureKind, OrderSyncState};
use std::collections::BTreeMap;
use tracing::warn;

/// Orders TikTok ships itself: tracking flows TikTok -> store.
pub fn tiktok_ships(order: &RemoteOrder) -> bool {
    order.is_fbt() || order.shipping_type == ShippingType::TikTok
}

/// A TikTok package of an order with its tracking, as the order's line items show it.
struct TikTokPackage {
    id: String,
    tracking_number: String,
    carrier: String,
    lines: Vec<(String, u32)>,
}

fn packages(order: &RemoteOrder) -> Vec<TikTokPackage> {
    let mut by_id: BTreeMap<&str, TikTokPackage> = BTreeMap::new();
    for item in order
        .line_items
        .iter()
        .filter(|i| !i.package_id.is_empty() && !i.tracking_number.is_empty())
    {
        let package = by_id
            .entry(&item.package_id)
            .or_insert_with(|| TikTokPackage {
                id: item.package_id.clone(),
                tracking_number: item.tracking_number.clone(),
                carrier: item.shipping_provider_name.clone(),
                lines: Vec::new(),
            });
        match package
            .lines
            .iter_mut()
            .find(|(sku, _)| *sku == item.seller_sku)
        {
            Some((_, quantity)) => *quantity += 1,
            None => package.lines.push((item.seller_sku.clone(), 1)),
        }
    }
    by_id.into_values().collect()
}

/// Put TikTok's packages on the store order, once each, and reflect later statuses.
pub async fn pull_tiktok_shipments(engine: &Engine, row: &OrderRow) -> StepResult {
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let Some(store_order_id) = row.store_order_id.clone() else {
        return Ok(());
    };
    let order_id = row.id;
    let subject = format!("TikTok order {}", row.tiktok_order_id);
    let fail = |e: connector::ConnectorError| {
        StepFailure::from_connector(
            FailureKind::TrackingToStore,
            &org.name,
            subject.clone(),
            "The store",
            &e,
        )
    };
    let recorded = engine
        .store
        .call(move |conn| store::tiktok_shipments(conn, order_id))
        .await?;
    let mut fulfilment_ids: Vec<String> = recorded.iter().map(|(_, f)| f.clone()).collect();
    let new: Vec<TikTokPackage> = packages(&row.detail)
        .into_iter()
        .filter(|p| !recorded.iter().any(|(id, _)| *id == p.id))
        .collect();
    if !new.is_empty() {
        // A fulfilment whose answer we lost shows up on the store order with its number.
        let existing = org.store.fulfilments(&store_order_id).await.map_err(fail)?;
        for package in new {
            let carrier = if package.carrier.is_empty() {
                "TikTok Shipping".to_owned()
            } else {
                package.carrier.clone()
            };
            let fulfilment_id = match existing
                .iter()
                .find(|f| f.tracking_number.as_deref() == Some(package.tracking_number.as_str()))
            {
                Some(found) => found.id.clone(),
                None => org
                    .store
                    .fulfil_order(
                        &store_order_id,
                        &NewStoreFulfilment {
                            tracking_number: package.tracking_number.clone(),
                            carrier: carrier.clone(),
                            lines: package.lines.clone(),
                        },
                    )
                    .await
                    .map_err(fail)?,
            };
            fulfilment_ids.push(fulfilment_id.clone());
            engine
                .store
                .call(move |conn| {
                    store::record_tiktok_shipment(
                        conn,
                        order_id,
                        &TikTokShipment {
                            package_id: &package.id,
                            tracking_number: &package.tracking_number,
                            carrier: &carrier,
                            store_fulfilment_id: &fulfilment_id,
                            lines: &package.lines,
                        },
                    )
                })
                .await?;
        }
    }
    if fulfilment_ids.is_empty() {
        return Ok(());
    }
    reflect_later_statuses(engine, row, &store_order_id, &fulfilment_ids)
        .await
        .map_err(fail)?;
    change(engine, order_id, OrderSyncState::Shipped, None).await
}

/// IN_TRANSIT and DELIVERED become fulfilment events; COMPLETED a tag. Each once.
async fn reflect_later_statuses(
    engine: &Engine,
    row: &OrderRow,
    store_order_id: &str,
    fulfilment_ids: &[String],
) -> Result<(), connector::ConnectorError> {
    let Some((org, _)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let stage = row.detail.status.shipping_stage().unwrap_or(0);
    let steps = [
        (3, "IN_TRANSIT", Some(ShipmentProgress::InTransit)),
        (4, "DELIVERED", Some(ShipmentProgress::Delivered)),
        (5, "COMPLETED", None),
    ];
    for (at, status, progress) in steps {
        if stage < at || row.reflected.iter().any(|s| s == status) {
            continue;
        }
        match progress {
            Some(progress) => {
                for fulfilment in fulfilment_ids {
                    org.store.fulfilment_progress(fulfilment, progress).await?;
                }
            }
            None => {
                org.store
                    .add_order_tags(store_order_id, &["TikTok-Completed".to_owned()])
                    .await?;
            }
        }
        let id = row.id;
        let message = format!("TikTok status {status} reflected on the store order.");
        if let Err(error) = engine
            .store
            .call(move |conn| {
                store::add_reflected_status(conn, id, status)?;
                store::order_event(conn, id, EventKind::OrderChanged, &message)
            })
            .await
        {
            warn!(%error, "Could not record a reflected status; it will be sent again.");
        }
    }
    Ok(())
}

/// Units per seller SKU of these TikTok line items (one item is one unit), in first-seen order.
fn units_by_sku<'a>(
    items: impl Iterator<Item = &'a crate::connector::RemoteLineItem>,
) -> Vec<(String, u32)> {
    let mut by_sku: Vec<(String, u32)> = Vec::new();
    for item in items {
        match by_sku.iter_mut().find(|(sku, _)| *sku == item.seller_sku) {
            Some((_, quantity)) => *quantity += 1,
            None => by_sku.push((item.seller_sku.clone(), 1)),
        }
    }
    by_sku
}

/// Send the store's shipments of an order to TikTok, each exactly once.
pub async fn push_fulfilments(engine: &Engine, order_id: i64) -> StepResult {
    let Some(row) = load(engine, order_id).await? else {
        return Ok(());
    };
    let Some(store_order_id) = row.store_order_id.clone() else {
        if row.create_attempted_at.is_none() {
            return Ok(());
        }
        // The store has shipped an order whose creation we have not recorded yet: try again
        // once order sync has recorded it.
        let org = engine
            .shop(row.shop_id)
            .map(|(org, _)| org.name.clone())
            .unwrap_or_default();
        return Err(StepFailure {
            retryable: true,
            ..StepFailure::rejected(
                FailureKind::TrackingPush,
                &org,
                format!("TikTok order {}", row.tiktok_order_id),
                "the store shipped it before feedbridge recorded the store order",
                "Nothing to do: it is sent once the store order is recorded.",
            )
        });
    };
    if row.sync_state == OrderSyncState::Cancelled || tiktok_ships(&row.detail) {
        return Ok(());
    }
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let subject = format!("TikTok order {}", row.tiktok_order_id);
    let fail = |platform: &str, e: connector::ConnectorError| {
        StepFailure::from_connector(
            FailureKind::TrackingPush,
            &org.name,
            subject.clone(),
            platform,
            &e,
        )
    };
    let fulfilments = org
        .store
        .fulfilments(&store_order_id)
        .await
        .map_err(|e| fail("The store", e))?;
    let pushed = engine
        .store
        .call(move |conn| store::pushed_fulfilments(conn, order_id))
        .await?;
    let todo: Vec<_> = fulfilments
        .into_iter()
        .filter(|f| f.tracking_number.is_some() && !pushed.contains(&f.id))
        .collect();
    if todo.is_empty() {
        return Ok(());
    }
    let mut push = TrackingPush::start(engine, org, shop, &row).await?;
    for mut fulfilment in todo {
        let number = fulfilment.tracking_number.clone().unwrap_or_default();
        let carrier = fulfilment.carrier.clone().unwrap_or_default();
        let (package_id, provider_name) = if let Some(item) = push.already_on_tiktok(&number) {
            let found = (item.package_id.clone(), item.shipping_provider_name.clone());
            if fulfilment.lines.is_empty() {
                // A whole-order shipment already on TikTok (sent by us before, or by a
                // database we lost): its units are the lines carrying the number.
                fulfilment.lines = units_by_sku(
                    push.remote
                        .line_items
                        .iter()
                        .filter(|line| line.tracking_number == number),
                );
            }
            found
        } else {
            if fulfilment.lines.is_empty() {
                // A shipment of the whole order (stores that track shipments per order): every
                // unit still waiting, recorded by SKU like any other shipment.
                fulfilment.lines =
                    units_by_sku(push.remote.line_items.iter().filter(|item| {
                        item.package_id.is_empty() && item.tracking_number.is_empty()
                    }));
            }
            let line_ids = push.waiting_lines(&fulfilment.lines);
            if line_ids.is_empty() {
                warn!(
                    tiktok_order = %row.tiktok_order_id,
                    shipment = %fulfilment.id,
                    "A store shipment matches no TikTok line still waiting for tracking; nothing to send."
                );
                continue;
            }
            let pushed = push
                .push(&line_ids, &number, Carrier::Store(&carrier))
                .await?;
            (pushed.package_id, pushed.provider_name)
        };
        let fulfilment_id = fulfilment.id.clone();
        let lines = fulfilment.lines.clone();
        let carrier_shown = if provider_name.is_empty() {
            carrier
        } else {
            provider_name
        };
        engine
            .store
            .call(move |conn| {
                store::record_shipment(
                    conn,
                    order_id,
                    &fulfilment_id,
                    &number,
                    &carrier_shown,
                    &package_id,
                )?;
                store::set_shipment_lines(conn, order_id, &fulfilment_id, &lines)
            })
            .await?;
    }
    // Shipped once every unit is in a package; partly shipped orders say so.
    let shipped_units: u32 = engine
        .store
        .call(move |conn| store::shipped_units(conn, order_id))
        .await?;
    let units = u32::try_from(push.remote.line_items.len()).unwrap_or(u32::MAX);
    if shipped_units >= units {
        change(engine, order_id, OrderSyncState::Shipped, None).await
    } else {
        change(
            engine,
            order_id,
            OrderSyncState::InStore,
            Some(format!(
                "Partly shipped: {shipped_units} of {units} units have tracking on TikTok."
            )),
        )
        .await
    }
}
