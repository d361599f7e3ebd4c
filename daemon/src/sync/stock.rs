//! Price and stock, store -> TikTok: the store wins.
//!
//! `push_stock` makes one listing's SKUs show their targets — computed at run time from the
//! store's figures and the shop's rules — so a burst of changes queued for one listing becomes
//! one call. `reconcile` reads back what TikTok shows and queues a push wherever it drifted
//! (edits made in Seller Center are overwritten). `refresh_store_product` re-reads one store
//! product after a `products/update` webhook, instead of the whole catalog.

use super::keyed_locks::KeyedLocks;
use super::{Engine, StepFailure, StepResult, kind};
use crate::connector::{self, SkuPrice, SkuStock};
use crate::pricing::{self, location_key};
use crate::store::{self, StockListing, StockSku};
use feedbridge_common::catalog::ShopSettings;
use feedbridge_common::{EventKind, FailureKind, ListingStatus};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;
use std::time::Duration;

/// One push per listing at a time: two overlapping pushes could land out of order and leave
/// TikTok showing the older figure.
static PUSHES: LazyLock<KeyedLocks> = LazyLock::new(KeyedLocks::default);

/// What each TikTok warehouse should show for one SKU, sorted by warehouse id.
///
/// Without a location mapping every store location feeds the shop's default warehouse. With
/// one, each warehouse gets the stock of the locations mapped to it (unmapped locations feed
/// nothing). Every warehouse TikTok already stocks the SKU in is listed too (at 0 if nothing
/// feeds it): TikTok requires the full set in each update (tiktok-shop.md §4.1, §12.10).
pub fn warehouse_targets(
    sku: &StockSku,
    settings: &ShopSettings,
    default_warehouse: &str,
) -> Vec<(String, i64)> {
    let quantity = |sellable: i64| {
        pricing::tiktok_quantity(sellable, settings.inventory_buffer, settings.max_quantity)
    };
    let mut targets: BTreeMap<String, i64> = BTreeMap::new();
    if settings.location_warehouses.is_empty() {
        targets.insert(default_warehouse.to_owned(), quantity(sku.available));
    } else {
        let mut sellable: BTreeMap<&str, i64> = BTreeMap::new();
        for mapping in &settings.location_warehouses {
            let fed: i64 = sku
                .levels
                .iter()
                .filter(|(location, _)| *location == location_key(&mapping.store_location_id))
                .map(|(_, available)| (*available).max(0))
                .sum();
            *sellable.entry(mapping.warehouse_id.as_str()).or_default() += fed;
        }
        for (warehouse, units) in sellable {
            targets.insert(warehouse.to_owned(), quantity(units));
        }
    }
    // Created with the default warehouse when nothing was recorded yet.
    let stocked: Vec<&str> = if sku.warehouses.is_empty() {
        vec![default_warehouse]
    } else {
        sku.warehouses.iter().map(|(w, _)| w.as_str()).collect()
    };
    for warehouse in stocked {
        targets.entry(warehouse.to_owned()).or_insert(0);
    }
    targets.into_iter().collect()
}

/// An item's levels as stored: (location key, available, the store's stamp).
pub(super) fn stored_levels(item: &connector::ItemLevels) -> Vec<(String, i64, String)> {
    item.levels
        .iter()
        .map(|l| {
            (
                location_key(&l.location_id),
                l.available,
                l.updated_at.clone(),
            )
        })
        .collect()
}

/// Items whose per-location levels must be read before their targets can be trusted.
///
/// Without a location mapping the catalog's total is enough until a webhook names one
/// location (then the item's other locations must be known to keep the total right). With a
/// mapping every item needs its levels. Either way, trusted levels whose sum no longer matches
/// the catalog's total (a change we missed) are read again.
fn items_to_read(listing: &StockListing, mapped: bool) -> Vec<String> {
    let mut items: Vec<String> = listing
        .skus
        .iter()
        .filter(|sku| {
            let held: i64 = sku.levels.iter().map(|(_, a)| a).sum();
            if sku.levels_known {
                held != sku.available
            } else {
                mapped || !sku.levels.is_empty()
            }
        })
        .filter_map(|sku| sku.inventory_item_id.clone())
        .collect();
    items.sort();
    items.dedup();
    items
}

async fn load(engine: &Engine, listing_id: i64) -> Result<Option<StockListing>, StepFailure> {
    engine
        .store
        .call(move |conn| store::stock_listing(conn, listing_id))
        .await
        .map_err(StepFailure::from)
}

/// Make TikTok show the store's stock and price (after the shop's rules) for one listing.
pub async fn push_stock(engine: &Engine, listing_id: i64) -> StepResult {
    let _serial = PUSHES.lock(listing_id).await;
    let Some(mut listing) = load(engine, listing_id).await? else {
        return Ok(());
    };
    // Synced (not live): TikTok refuses stock on frozen or deleted products and prices on
    // anything not active (§12.11). Nothing is sent until it is live again; the review check
    // that sees it live queues this push.
    if listing.status == ListingStatus::Unlisted {
        return Ok(());
    }
    let Some((org, shop)) = engine.shop(listing.shop_id) else {
        return Ok(());
    };
    let shop_conn = shop.connection;
    let (shop_row, settings) = engine
        .store
        .call(move |conn| {
            Ok((
                store::connection(conn, shop_conn)?,
                store::shop_settings(conn, shop_conn)?,
            ))
        })
        .await?;
    let Some(shop_row) = shop_row else {
        return Ok(());
    };
    // The connection check has not found the shop's warehouse yet; it queues pushes after.
    let Some(default_warehouse) = shop_row.warehouse_id else {
        return Ok(());
    };
    let currency = shop_row.currency.unwrap_or_default();
    let subject = format!("product {}", listing.title);
    let failed = |platform: &str, e: &connector::ConnectorError| {
        StepFailure::from_connector(FailureKind::InventoryPush, &org.name, &subject, platform, e)
    };

    let unread = items_to_read(&listing, !settings.location_warehouses.is_empty());
    if !unread.is_empty() {
        let read = org
            .store
            .inventory_levels(&unread)
            .await
            .map_err(|e| failed("the store", &e))?;
        let org_id = listing.org_id;
        engine
            .store
            .call(move |tx| {
                for item in &read {
                    let levels = stored_levels(item);
                    store::replace_stock_levels(tx, org_id, &item.inventory_item_id, &levels)?;
                }
                Ok(())
            })
            .await?;
        let Some(reloaded) = load(engine, listing_id).await? else {
            return Ok(());
        };
        listing = reloaded;
    }

    let stock: Vec<(i64, Vec<(String, i64)>)> = listing
        .skus
        .iter()
        .filter_map(|sku| {
            let targets = warehouse_targets(sku, &settings, &default_warehouse);
            let mut shown = sku.warehouses.clone();
            shown.sort();
            (shown != targets).then_some((sku.variant_row, targets))
        })
        .collect();
    if !stock.is_empty() {
        let body: Vec<SkuStock> = stock
            .iter()
            .flat_map(|(row, targets)| {
                let sku_id = listing
                    .skus
                    .iter()
                    .find(|s| s.variant_row == *row)
                    .map(|s| s.tiktok_sku_id.clone())
                    .unwrap_or_default();
                targets.iter().map(move |(warehouse, quantity)| SkuStock {
                    sku_id: sku_id.clone(),
                    warehouse_id: warehouse.clone(),
                    quantity: *quantity,
                })
            })
            .collect();
        shop.client
            .update_inventory(&listing.tiktok_product_id, &body)
            .await
            .map_err(|e| failed("TikTok Shop", &e))?;
        let (title, org_name) = (listing.title.clone(), org.name.clone());
        engine
            .store
            .call(move |tx| {
                for (row, targets) in &stock {
                    store::record_warehouse_stock(tx, listing_id, *row, targets)?;
                }
                store::append_event(
                    tx,
                    EventKind::StockPushed,
                    Some(&org_name),
                    &title,
                    &format!("Stock of {} SKU(s) sent to TikTok.", stock.len()),
                )
            })
            .await?;
    }

    // TikTok accepts price changes only on active products (§12.11).
    if listing.status == ListingStatus::Active {
        let prices: Vec<(i64, SkuPrice)> = listing
            .skus
            .iter()
            .filter_map(|sku| {
                let target = pricing::shop_price(sku.price, &settings, &currency);
                (sku.synced_price != Some(target)).then(|| {
                    (
                        sku.variant_row,
                        SkuPrice {
                            sku_id: sku.tiktok_sku_id.clone(),
                            amount: target,
                            currency: currency.clone(),
                        },
                    )
                })
            })
            .collect();
        if !prices.is_empty() {
            let body: Vec<SkuPrice> = prices.iter().map(|(_, p)| p.clone()).collect();
            shop.client
                .update_prices(&listing.tiktok_product_id, &body)
                .await
                .map_err(|e| failed("TikTok Shop", &e))?;
            engine
                .store
                .call(move |tx| {
                    for (row, price) in &prices {
                        store::record_tiktok_price(tx, listing_id, *row, price.amount)?;
                    }
                    Ok(())
                })
                .await?;
        }
    }
    Ok(())
}

/// Read what TikTok shows for every listed SKU of a shop; where it is not what we last sent,
/// record what TikTok shows and queue a push, which puts the store's figures back.
pub async fn reconcile(engine: &Engine, shop_connection: i64) -> StepResult {
    let Some((org, shop)) = engine.shop(shop_connection) else {
        return Ok(());
    };
    let listed = engine
        .store
        .call(move |conn| store::listed_skus(conn, shop_connection))
        .await?;
    if listed.is_empty() {
        return Ok(());
    }
    let failed = |e: &connector::ConnectorError| {
        StepFailure::from_connector(
            FailureKind::InventoryPush,
            &org.name,
            format!("stock check of {}", shop.name),
            "TikTok Shop",
            e,
        )
    };
    let mut products: Vec<String> = listed.iter().map(|s| s.tiktok_product_id.clone()).collect();
    products.dedup();
    let shown_stock: HashMap<String, Vec<(String, i64)>> = shop
        .client
        .inventory(&products)
        .await
        .map_err(|e| failed(&e))?
        .into_iter()
        .map(|mut s| {
            s.warehouses.sort();
            (s.sku_id, s.warehouses)
        })
        .collect();
    let shown_prices: HashMap<String, rust_decimal::Decimal> = shop
        .client
        .active_sku_prices()
        .await
        .map_err(|e| failed(&e))?
        .into_iter()
        .map(|p| (p.sku_id, p.price))
        .collect();

    let mut drifted_stock = Vec::new();
    let mut drifted_prices = Vec::new();
    for sku in &listed {
        if let Some(shown) = shown_stock.get(&sku.tiktok_sku_id) {
            let mut recorded = sku.warehouses.clone();
            recorded.sort();
            if *shown != recorded {
                drifted_stock.push((sku.listing_id, sku.variant_row, shown.clone()));
            }
        }
        if let Some(shown) = shown_prices.get(&sku.tiktok_sku_id)
            && sku.synced_price != Some(*shown)
        {
            drifted_prices.push((sku.listing_id, sku.variant_row, *shown));
        }
    }
    let listings: Vec<i64> = drifted_stock
        .iter()
        .map(|(l, _, _)| *l)
        .chain(drifted_prices.iter().map(|(l, _, _)| *l))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if listings.is_empty() {
        return Ok(());
    }
    tracing::info!(
        shop = %shop.name,
        skus = drifted_stock.len() + drifted_prices.len(),
        "TikTok shows stock or prices that differ from the store's; putting them back."
    );
    engine
        .store
        .call(move |tx| {
            for (listing, row, shown) in &drifted_stock {
                store::record_warehouse_stock(tx, *listing, *row, shown)?;
            }
            for (listing, row, shown) in &drifted_prices {
                store::record_tiktok_price(tx, *listing, *row, *shown)?;
            }
            Ok(())
        })
        .await?;
    engine
        .enqueue_many(kind::PUSH_STOCK, listings, Duration::ZERO)
        .await
        .map_err(StepFailure::from)
}

/// Re-read one store product (subject `"{org id}:{store product id}"`) and push the listings
/// whose price or stock it changed.
pub async fn refresh_store_product(engine: &Engine, subject: &str) -> StepResult {
    let Some((org_id, product_id)) = subject
        .split_once(':')
        .and_then(|(org, product)| Some((org.parse::<i64>().ok()?, product.to_owned())))
    else {
        return Ok(());
    };
    let Some(org) = engine.org(org_id) else {
        return Ok(());
    };
    let product = org.store.product(&product_id).await.map_err(|e| {
        StepFailure::from_connector(
            FailureKind::InventoryPush,
            &org.name,
            format!("store product {product_id}"),
            "the store",
            &e,
        )
    })?;
    let Some(product) = product else {
        return Ok(());
    };
    let listings = engine
        .store
        .call(move |tx| {
            store::upsert_product(tx, org_id, &product)?;
            store::listings_of_store_product(tx, org_id, &product.id)
        })
        .await?;
    engine
        .enqueue_many(kind::PUSH_STOCK, listings, Duration::ZERO)
        .await
        .map_err(StepFailure::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedbridge_common::catalog::{LocationWarehouse, StockBuffer};
    use rust_decimal::Decimal;

    fn sku(available: i64, levels: &[(&str, i64)], shown: &[(&str, i64)]) -> StockSku {
        StockSku {
            variant_row: 1,
            seller_sku: "MUG".into(),
            inventory_item_id: Some("gid://shopify/InventoryItem/1".into()),
            available,
            price: Decimal::new(1000, 2),
            tiktok_sku_id: "K1".into(),
            synced_price: None,
            levels_known: true,
            levels: levels.iter().map(|(l, a)| ((*l).to_owned(), *a)).collect(),
            warehouses: shown.iter().map(|(w, q)| ((*w).to_owned(), *q)).collect(),
        }
    }

    fn owned(pairs: &[(&str, i64)]) -> Vec<(String, i64)> {
        pairs.iter().map(|(w, q)| ((*w).to_owned(), *q)).collect()
    }

    #[test]
    fn without_mapping_everything_feeds_the_default_warehouse() {
        let settings = ShopSettings {
            inventory_buffer: StockBuffer::Units(2),
            ..ShopSettings::default()
        };
        let targets = warehouse_targets(&sku(10, &[("1", 7), ("2", 3)], &[]), &settings, "WD");
        assert_eq!(targets, owned(&[("WD", 8)]));
    }

    #[test]
    fn mapped_locations_feed_only_their_warehouse_and_stocked_ones_stay_listed() {
        let settings = ShopSettings {
            location_warehouses: vec![LocationWarehouse {
                store_location_id: "gid://shopify/Location/1".into(),
                warehouse_id: "WE".into(),
            }],
            ..ShopSettings::default()
        };
        // Location 2 feeds nothing; the default warehouse TikTok stocks goes to 0.
        let targets = warehouse_targets(
            &sku(10, &[("1", 7), ("2", 3)], &[("WD", 10)]),
            &settings,
            "WD",
        );
        assert_eq!(targets, owned(&[("WD", 0), ("WE", 7)]));
    }

    #[test]
    fn items_are_read_when_unknown_or_out_of_step() {
        let mut known = sku(10, &[("1", 10)], &[]);
        let listing = |skus: Vec<StockSku>| StockListing {
            listing_id: 1,
            org_id: 1,
            org: "acme".into(),
            shop_id: 1,
            title: "Mug".into(),
            status: ListingStatus::Active,
            tiktok_product_id: "P".into(),
            skus,
        };
        assert!(items_to_read(&listing(vec![known.clone()]), true).is_empty());
        known.available = 12;
        assert_eq!(items_to_read(&listing(vec![known.clone()]), false).len(), 1);
        known.available = 10;
        known.levels_known = false;
        // A webhook named one location: the others must be read.
        assert_eq!(items_to_read(&listing(vec![known.clone()]), false).len(), 1);
        // Nothing heard per location and no mapping: the catalog total stands.
        known.levels.clear();
        assert!(items_to_read(&listing(vec![known.clone()]), false).is_empty());
        assert_eq!(items_to_read(&listing(vec![known]), true).len(), 1);
    }
}
