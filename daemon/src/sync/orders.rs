//! TikTok orders into the store exactly once, and the store's tracking back to TikTok.

use super::{Engine, StepFailure, StepResult, kind};
use crate::connector::{self, Address, NewStoreOrder, NewStoreOrderLine};
use crate::store::{self, OrderRow};
use feedbridge_common::{FailureKind, OrderSyncState};
use std::time::Duration;
use tracing::info;

fn db(error: store::StoreError) -> StepFailure {
    StepFailure::internal(FailureKind::OrderCreate, error)
}

/// Tag on every store order feedbridge creates; with the per-order tag below it is how the
/// store order is found again.
pub const TIKTOK_TAG: &str = "TikTokShop";

pub fn order_tag(tiktok_order_id: &str) -> String {
    format!("tiktok-order-{tiktok_order_id}")
}

/// A webhook named an order: read it from TikTok, record it, and sync it.
pub async fn fetch_order(engine: &Engine, subject: &str) -> StepResult {
    let Some((connection, order_id)) = subject.split_once(':') else {
        return Ok(());
    };
    let Ok(connection) = connection.parse::<i64>() else {
        return Ok(());
    };
    let Some((org, shop)) = engine.shop(connection) else {
        return Ok(());
    };
    let orders = shop
        .client
        .orders(&[order_id.to_owned()])
        .await
        .map_err(|e| {
            StepFailure::from_connector(
                FailureKind::OrderCreate,
                &org.name,
                format!("TikTok order {order_id}"),
                "TikTok Shop",
                &e,
            )
        })?;
    for order in orders {
        let row = engine
            .store
            .call(move |conn| store::upsert_order(conn, connection, &order))
            .await
            .map_err(db)?;
        engine
            .enqueue(kind::ORDER_SYNC, row, Duration::ZERO)
            .await
            .map_err(db)?;
    }
    Ok(())
}

async fn load(engine: &Engine, order_id: i64) -> Result<Option<OrderRow>, StepFailure> {
    engine
        .store
        .call(move |conn| store::order(conn, order_id))
        .await
        .map_err(db)
}

async fn set_state(
    engine: &Engine,
    order_id: i64,
    state: OrderSyncState,
    reason: Option<String>,
) -> StepResult {
    engine
        .store
        .call(move |conn| store::set_order_state(conn, order_id, state, reason.as_deref()))
        .await
        .map_err(db)
}

/// Decide what an order needs and, when it is paid and every SKU is known, create it in the
/// store — after looking for one created by an earlier attempt.
pub async fn sync_order(engine: &Engine, order_id: i64) -> StepResult {
    let Some(row) = load(engine, order_id).await? else {
        return Ok(());
    };
    if matches!(
        row.sync_state,
        OrderSyncState::InStore | OrderSyncState::Shipped | OrderSyncState::Cancelled
    ) {
        return Ok(());
    }
    let status = row.detail.status.as_str();
    match status {
        "UNPAID" => {
            return set_state(
                engine,
                order_id,
                OrderSyncState::Waiting,
                Some("Waiting for the buyer to pay.".into()),
            )
            .await;
        }
        "ON_HOLD" => {
            return set_state(
                engine,
                order_id,
                OrderSyncState::Waiting,
                Some("In TikTok's cancellation window; syncs when it ends.".into()),
            )
            .await;
        }
        "CANCELLED" | "CANCEL" => {
            return set_state(engine, order_id, OrderSyncState::Cancelled, None).await;
        }
        "AWAITING_SHIPMENT" => {}
        // Shipped or closed before we ever saw it paid: nothing for the store to do.
        _ => return Ok(()),
    }
    let Some((org, shop)) = engine.shop(row.shop_id) else {
        return Ok(());
    };
    let subject = format!("TikTok order {}", row.tiktok_order_id);

    let lines = store::group_lines(&row.detail);
    let shop_conn = shop.connection;
    let skus: Vec<String> = lines.keys().cloned().collect();
    let variants = engine
        .store
        .call(move |conn| {
            skus.iter()
                .map(|sku| Ok((sku.clone(), store::listed_variant(conn, shop_conn, sku)?)))
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .await
        .map_err(db)?;
    let missing: Vec<&str> = variants
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(sku, _)| sku.as_str())
        .collect();
    if !missing.is_empty() {
        let reason = format!(
            "SKU {} is not listed or linked on TikTok shop {}; list or link it and the order syncs by itself.",
            missing.join(", "),
            shop.name
        );
        return set_state(engine, order_id, OrderSyncState::Blocked, Some(reason)).await;
    }

    let storefront = &org.store;
    let store_error = |e: connector::ConnectorError| {
        StepFailure::from_connector(
            FailureKind::OrderCreate,
            &org.name,
            subject.clone(),
            "The store",
            &e,
        )
    };
    let existing = storefront
        .find_order(&row.tiktok_order_id)
        .await
        .map_err(store_error)?;
    let created = match existing {
        Some(found) => {
            info!(store_order = %found.name, "The store already has this order; recording it.");
            found
        }
        None => {
            let detail = &row.detail;
            let order = NewStoreOrder {
                tiktok_order_id: row.tiktok_order_id.clone(),
                currency: detail.currency.clone(),
                lines: variants
                    .iter()
                    .filter_map(|(sku, variant)| {
                        let (quantity, unit_price) = lines.get(sku)?;
                        Some(NewStoreOrderLine {
                            variant_id: variant.clone()?,
                            quantity: *quantity,
                            unit_price: *unit_price,
                        })
                    })
                    .collect(),
                shipping_fee: detail.shipping_fee,
                tax: detail.tax,
                total: detail.total,
                email: Some(detail.buyer_email.clone()).filter(|e| !e.is_empty()),
                address: Some(Address {
                    first_name: detail.recipient.first_name.clone(),
                    last_name: detail.recipient.last_name.clone(),
                    address1: detail.recipient.address_line1.clone(),
                    address2: detail.recipient.address_line2.clone(),
                    city: detail.recipient.city.clone(),
                    province: detail.recipient.state.clone(),
                    zip: detail.recipient.postal_code.clone(),
                    country_code: detail.recipient.region_code.clone(),
                    phone: detail.recipient.phone.clone(),
                }),
                tags: vec![TIKTOK_TAG.to_owned(), order_tag(&row.tiktok_order_id)],
                note: format!(
                    "TikTok Shop order {} (shop {})",
                    row.tiktok_order_id, shop.name
                ),
            };
            storefront.create_order(&order).await.map_err(store_error)?
        }
    };
    engine
        .store
        .call(move |conn| store::set_store_order(conn, order_id, &created.id, &created.name))
        .await
        .map_err(db)
}

/// Send the store's shipments of an order to TikTok, each exactly once.
pub async fn push_fulfilments(engine: &Engine, order_id: i64) -> StepResult {
    let Some(row) = load(engine, order_id).await? else {
        return Ok(());
    };
    let Some(store_order_id) = row.store_order_id.clone() else {
        return Ok(());
    };
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
    let mut pushed_any = false;
    for fulfilment in fulfilments {
        let (Some(number), Some(carrier)) = (
            fulfilment.tracking_number.clone(),
            fulfilment.carrier.clone(),
        ) else {
            continue;
        };
        let fulfilment_id = fulfilment.id.clone();
        if engine
            .store
            .call(move |conn| store::shipment_pushed(conn, order_id, &fulfilment_id))
            .await
            .map_err(db)?
        {
            pushed_any = true;
            continue;
        }
        // Re-read the order: a push whose answer we lost shows up as line items carrying it.
        let remote = shop
            .client
            .orders(std::slice::from_ref(&row.tiktok_order_id))
            .await
            .map_err(|e| fail("TikTok Shop", e))?
            .into_iter()
            .next()
            .ok_or_else(|| {
                StepFailure::rejected(
                    FailureKind::TrackingPush,
                    &org.name,
                    subject.clone(),
                    "TikTok no longer returns this order",
                    "Check the order in TikTok Seller Center.",
                )
            })?;
        let already = remote
            .line_items
            .iter()
            .find(|item| item.tracking_number == number && !item.package_id.is_empty());
        let package_id = if let Some(item) = already {
            item.package_id.clone()
        } else {
            let mut line_ids = Vec::new();
            for (sku, quantity) in &fulfilment.lines {
                line_ids.extend(
                    remote
                        .line_items
                        .iter()
                        .filter(|item| {
                            &item.seller_sku == sku
                                && item.package_id.is_empty()
                                && item.tracking_number.is_empty()
                        })
                        .take(*quantity as usize)
                        .map(|item| item.id.clone()),
                );
            }
            if line_ids.is_empty() {
                continue;
            }
            let providers = shop
                .client
                .shipping_providers(&remote.delivery_option_id)
                .await
                .map_err(|e| fail("TikTok Shop", e))?;
            let provider = providers
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(&carrier))
                .or_else(|| providers.iter().find(|p| p.name.to_lowercase().contains(&carrier.to_lowercase())))
                .ok_or_else(|| {
                    let names: Vec<&str> = providers.iter().map(|p| p.name.as_str()).collect();
                    StepFailure::rejected(
                        FailureKind::TrackingPush,
                        &org.name,
                        subject.clone(),
                        format!("carrier \"{carrier}\" is not a TikTok shipping provider for this order's delivery option"),
                        format!("Use one of: {}; then retry.", names.join(", ")),
                    )
                })?;
            shop.client
                .mark_shipped(&row.tiktok_order_id, &line_ids, &number, &provider.id)
                .await
                .map_err(|e| fail("TikTok Shop", e))?
                .package_id
        };
        let fulfilment_id = fulfilment.id.clone();
        engine
            .store
            .call(move |conn| {
                store::record_shipment(
                    conn,
                    order_id,
                    &fulfilment_id,
                    &number,
                    &carrier,
                    &package_id,
                )
            })
            .await
            .map_err(db)?;
        pushed_any = true;
    }
    if pushed_any {
        set_state(engine, order_id, OrderSyncState::Shipped, None).await?;
    }
    Ok(())
}
