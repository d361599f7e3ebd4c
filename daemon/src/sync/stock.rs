//! Price and stock, store -> TikTok: the store wins.

use super::{Engine, StepFailure, StepResult};
use crate::connector::{self, SkuPrice, SkuStock};
use crate::store::{self, ListingDraft};
use feedbridge_common::{FailureKind, ListingStatus};

fn db(error: store::StoreError) -> StepFailure {
    StepFailure::internal(FailureKind::InventoryPush, error)
}

async fn draft(engine: &Engine, listing_id: i64) -> Result<Option<ListingDraft>, StepFailure> {
    engine
        .store
        .call(move |conn| store::listing_draft(conn, listing_id))
        .await
        .map_err(db)
}

/// Make TikTok show the store's stock and price for one listing's SKUs.
pub async fn push_stock(engine: &Engine, listing_id: i64) -> StepResult {
    let Some(draft) = draft(engine, listing_id).await? else {
        return Ok(());
    };
    let Some(product_id) = draft.tiktok_product_id.clone() else {
        return Ok(());
    };
    let Some((org, shop)) = engine.shop(draft.shop_id) else {
        return Ok(());
    };
    let shop_conn = shop.connection;
    let Some(shop_row) = engine
        .store
        .call(move |conn| store::connection(conn, shop_conn))
        .await
        .map_err(db)?
    else {
        return Ok(());
    };
    let Some(warehouse_id) = shop_row.warehouse_id else {
        return Ok(());
    };
    let currency = shop_row.currency.unwrap_or_default();
    let tiktok = |e: connector::ConnectorError| {
        StepFailure::from_connector(
            FailureKind::InventoryPush,
            &org.name,
            format!("product {}", draft.title),
            "TikTok Shop",
            &e,
        )
    };
    let linked: Vec<_> = draft
        .variants
        .iter()
        .filter_map(|v| v.tiktok_sku_id.clone().map(|id| (v, id)))
        .collect();
    let stock: Vec<SkuStock> = linked
        .iter()
        .filter(|(v, _)| v.synced_stock != Some(v.available))
        .map(|(v, id)| SkuStock {
            sku_id: id.clone(),
            warehouse_id: warehouse_id.clone(),
            quantity: v.available.max(0),
        })
        .collect();
    if !stock.is_empty() {
        shop.client
            .update_inventory(&product_id, &stock)
            .await
            .map_err(tiktok)?;
        let done: Vec<(i64, i64)> = linked
            .iter()
            .filter(|(v, _)| v.synced_stock != Some(v.available))
            .map(|(v, _)| (v.row_id, v.available))
            .collect();
        let title = draft.title.clone();
        let org_name = org.name.clone();
        engine
            .store
            .transaction(move |tx| {
                for (row, available) in &done {
                    store::mark_sku_synced(tx, listing_id, *row, None, Some(*available))?;
                }
                store::append_event(
                    tx,
                    feedbridge_common::EventKind::StockPushed,
                    Some(&org_name),
                    &title,
                    &format!("Stock of {} SKU(s) sent to TikTok.", done.len()),
                )
            })
            .await
            .map_err(db)?;
    }
    // TikTok accepts price changes only on active products.
    if draft.status == ListingStatus::Active {
        let prices: Vec<(i64, SkuPrice)> = linked
            .iter()
            .filter(|(v, _)| v.synced_price != Some(v.price))
            .map(|(v, id)| {
                (
                    v.row_id,
                    SkuPrice {
                        sku_id: id.clone(),
                        amount: v.price,
                        currency: currency.clone(),
                    },
                )
            })
            .collect();
        if !prices.is_empty() {
            let body: Vec<SkuPrice> = prices.iter().map(|(_, p)| p.clone()).collect();
            shop.client
                .update_prices(&product_id, &body)
                .await
                .map_err(tiktok)?;
            engine
                .store
                .transaction(move |tx| {
                    for (row, price) in &prices {
                        store::mark_sku_synced(tx, listing_id, *row, Some(price.amount), None)?;
                    }
                    Ok(())
                })
                .await
                .map_err(db)?;
        }
    }
    Ok(())
}
