//! Connecting, reading the store catalog, listing on TikTok, following review, and pushing
//! price and stock (the store wins).

use super::{Engine, StepFailure, StepResult, kind};
use crate::connector::{self, NewProduct, NewSku, SkuPrice, SkuStock, tiktok::currency_for_region};
use crate::store::{self, ConnectionFacts, ListingDraft};
use feedbridge_common::{ConnectionState, FailureKind, ListingStatus};
use rust_decimal::Decimal;
use std::time::Duration;
use tracing::info;

fn db(error: store::StoreError) -> StepFailure {
    StepFailure::internal(FailureKind::Connection, error)
}

/// Package facts stores rarely carry; used until per-shop listing defaults exist.
const DEFAULT_PACKAGE_WEIGHT_KG: Decimal = Decimal::from_parts(5, 0, 0, false, 1);
const DEFAULT_PACKAGE_CM: (Decimal, Decimal, Decimal) = (
    Decimal::from_parts(20, 0, 0, false, 0),
    Decimal::from_parts(15, 0, 0, false, 0),
    Decimal::from_parts(5, 0, 0, false, 0),
);
/// TikTok accepts at most nine main images.
const MAX_IMAGES: usize = 9;

/// Check every connection of an organization, learn currencies, regions and warehouses, cache
/// category trees, subscribe webhooks, then read the catalog.
pub async fn connect(engine: &Engine, org_id: i64) -> StepResult {
    let Some(org) = engine.org(org_id).cloned() else {
        return Ok(());
    };
    let store_conn = org.store_connection;
    let info = match org.store.info().await {
        Ok(info) => info,
        Err(error) => {
            let failure = StepFailure::from_connector(
                FailureKind::Connection,
                &org.name,
                "store connection",
                "The store",
                &error,
            );
            let state = if matches!(error, connector::ConnectorError::Unauthorized { .. }) {
                ConnectionState::NeedsReauthorization
            } else {
                ConnectionState::Error
            };
            let detail = failure.reason.clone();
            engine
                .store
                .call(move |conn| {
                    store::set_connection_state(
                        conn,
                        store_conn,
                        state,
                        Some(&detail),
                        &ConnectionFacts::default(),
                    )
                })
                .await
                .map_err(db)?;
            return Err(failure);
        }
    };
    let currency = info.currency.clone();
    engine
        .store
        .call(move |conn| {
            store::set_connection_state(
                conn,
                store_conn,
                ConnectionState::Connected,
                None,
                &ConnectionFacts {
                    currency: Some(&currency),
                    ..Default::default()
                },
            )
        })
        .await
        .map_err(db)?;

    let mut shop_failure = None;
    for shop in &org.shops {
        let connection = shop.connection;
        let outcome = check_shop(engine, shop, &info.currency).await;
        let (state, detail, facts) = match &outcome {
            Ok(facts) if facts.currency.as_deref() != Some(info.currency.as_str()) => (
                ConnectionState::Error,
                Some(format!(
                    "this TikTok shop sells in {} but the store sells in {}; feedbridge only syncs shops in the store's currency",
                    facts.currency.as_deref().unwrap_or("an unknown currency"),
                    info.currency
                )),
                facts.clone(),
            ),
            Ok(facts) => (ConnectionState::Connected, None, facts.clone()),
            Err(error) => (
                if matches!(error, connector::ConnectorError::Unauthorized { .. }) {
                    ConnectionState::NeedsReauthorization
                } else {
                    ConnectionState::Error
                },
                Some(error.to_string()),
                ShopFacts::default(),
            ),
        };
        engine
            .store
            .call(move |conn| {
                store::set_connection_state(
                    conn,
                    connection,
                    state,
                    detail.as_deref(),
                    &ConnectionFacts {
                        currency: facts.currency.as_deref(),
                        region: facts.region.as_deref(),
                        warehouse_id: facts.warehouse_id.as_deref(),
                    },
                )
            })
            .await
            .map_err(db)?;
        // One shop's trouble must not hold up the others: report it after the import.
        if let Err(error) = outcome {
            shop_failure.get_or_insert_with(|| {
                StepFailure::from_connector(
                    FailureKind::Connection,
                    &org.name,
                    format!("TikTok shop {}", shop.name),
                    "TikTok Shop",
                    &error,
                )
            });
        }
    }
    if let Some(base) = &engine.webhook_base {
        let address = format!("{base}/webhooks/shopify/{}", org.name);
        if let Err(error) = org.store.register_webhooks(&address).await {
            tracing::warn!(%error, "Could not subscribe store webhooks; polling covers it.");
        }
        for shop in &org.shops {
            if let Err(error) = shop
                .client
                .register_webhooks(&format!("{base}/webhooks/tiktok"))
                .await
            {
                tracing::warn!(%error, shop = %shop.name, "Could not subscribe TikTok webhooks; polling covers it.");
            }
        }
    }
    engine
        .enqueue(kind::CATALOG_IMPORT, org_id, Duration::ZERO)
        .await
        .map_err(db)?;
    shop_failure.map_or(Ok(()), Err)
}

#[derive(Clone, Default)]
struct ShopFacts {
    currency: Option<String>,
    region: Option<String>,
    warehouse_id: Option<String>,
}

async fn check_shop(
    engine: &Engine,
    shop: &super::ShopRuntime,
    _store_currency: &str,
) -> Result<ShopFacts, connector::ConnectorError> {
    let authorized = shop.client.authorized_shops().await?;
    let Some(remote) = authorized.into_iter().find(|s| s.id == shop.shop_id) else {
        return Err(connector::ConnectorError::Unauthorized {
            reason: format!("the TikTok grant does not cover shop {}", shop.shop_id),
            raw: String::new(),
        });
    };
    let warehouses = shop.client.warehouses().await?;
    let warehouse = warehouses
        .iter()
        .find(|w| w.is_default)
        .or_else(|| warehouses.first())
        .map(|w| w.id.clone());
    let connection = shop.connection;
    let cached = engine
        .store
        .call(move |conn| store::has_categories(conn, connection))
        .await
        .unwrap_or(false);
    if !cached {
        let categories = shop.client.categories().await?;
        let count = categories.len();
        if let Err(error) = engine
            .store
            .transaction(move |tx| store::replace_categories(tx, connection, &categories))
            .await
        {
            return Err(connector::ConnectorError::Retryable {
                reason: error.to_string(),
                raw: String::new(),
                retry_after: None,
            });
        }
        info!(shop = %shop.name, categories = count, "Cached the TikTok category tree.");
    }
    Ok(ShopFacts {
        currency: currency_for_region(&remote.region).map(str::to_owned),
        region: Some(remote.region),
        warehouse_id: warehouse,
    })
}

/// Read the whole store catalog; queue pushes for listings whose price or stock moved, and
/// another look at orders that were blocked on an SKU.
pub async fn import(engine: &Engine, org_id: i64) -> StepResult {
    let Some(org) = engine.org(org_id).cloned() else {
        return Ok(());
    };
    let mut cursor = None;
    loop {
        let page = org.store.products(cursor.take()).await.map_err(|e| {
            StepFailure::from_connector(
                FailureKind::Connection,
                &org.name,
                "store catalog",
                "The store",
                &e,
            )
        })?;
        let products = page.items;
        engine
            .store
            .transaction(move |tx| {
                for product in &products {
                    store::upsert_product(tx, org_id, product)?;
                }
                Ok(())
            })
            .await
            .map_err(db)?;
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let (stale, blocked) = engine
        .store
        .call(move |conn| {
            Ok((
                store::listings_out_of_step(conn, org_id)?,
                store::blocked_orders(conn)?,
            ))
        })
        .await
        .map_err(db)?;
    engine
        .enqueue_many(kind::PUSH_STOCK, stale, Duration::ZERO)
        .await
        .map_err(db)?;
    engine
        .enqueue_many(kind::ORDER_SYNC, blocked, Duration::ZERO)
        .await
        .map_err(db)
}

async fn draft(engine: &Engine, listing_id: i64) -> Result<Option<ListingDraft>, StepFailure> {
    engine
        .store
        .call(move |conn| store::listing_draft(conn, listing_id))
        .await
        .map_err(db)
}

fn listing_failure(
    draft: &ListingDraft,
    reason: impl Into<String>,
    action: impl Into<String>,
) -> StepFailure {
    StepFailure::rejected(
        FailureKind::Listing,
        &draft.org,
        format!("product {}", draft.title),
        reason,
        action,
    )
}

/// Submit one listing to TikTok, exactly once: a product already carrying our seller SKUs is
/// adopted instead of created again.
pub async fn list_product(engine: &Engine, listing_id: i64) -> StepResult {
    let Some(draft) = draft(engine, listing_id).await? else {
        return Ok(());
    };
    if matches!(
        draft.status,
        ListingStatus::UnderReview | ListingStatus::Active | ListingStatus::Unlisted
    ) {
        return Ok(());
    }
    let Some((org, shop)) = engine.shop(draft.shop_id) else {
        return Ok(());
    };
    let (org, shop) = (org.clone(), shop.clone());
    let store_conn = org.store_connection;
    let shop_conn = shop.connection;
    let (shop_row, store_row) = engine
        .store
        .call(move |conn| {
            Ok((
                store::connection(conn, shop_conn)?,
                store::connection(conn, store_conn)?,
            ))
        })
        .await
        .map_err(db)?;
    let (Some(shop_row), Some(store_row)) = (shop_row, store_row) else {
        return Ok(());
    };
    if shop_row.state != ConnectionState::Connected {
        return Err(listing_failure(
            &draft,
            format!("TikTok shop {} is not connected", shop.name),
            "Fix the shop's connection (see the status header), then retry.",
        ));
    }
    if shop_row.currency != store_row.currency {
        return Err(listing_failure(
            &draft,
            format!(
                "the store sells in {} but TikTok shop {} sells in {}",
                store_row.currency.as_deref().unwrap_or("?"),
                shop.name,
                shop_row.currency.as_deref().unwrap_or("?")
            ),
            "Only shops in the store's currency can be synced.",
        ));
    }
    let currency = shop_row.currency.clone().unwrap_or_default();
    let Some(category_id) = draft.category_id.clone() else {
        return Err(listing_failure(
            &draft,
            "no TikTok category is mapped",
            "Map the product to a TikTok category, then list it again.",
        ));
    };
    let variants: Vec<_> = draft
        .variants
        .iter()
        .filter(|v| !v.sku.trim().is_empty())
        .collect();
    if variants.is_empty() {
        return Err(listing_failure(
            &draft,
            "none of its variants has an SKU",
            "Give each variant an SKU in the store, then list it again.",
        ));
    }
    let Some(warehouse_id) = shop_row.warehouse_id.clone() else {
        return Err(listing_failure(
            &draft,
            "the TikTok shop has no sales warehouse",
            "Add a warehouse in TikTok Seller Center, then retry.",
        ));
    };
    let tiktok = |e: connector::ConnectorError| {
        StepFailure::from_connector(
            FailureKind::Listing,
            &org.name,
            format!("product {}", draft.title),
            "TikTok Shop",
            &e,
        )
    };

    // Required category attributes: filled from same-named product options, else named.
    let attributes = shop
        .client
        .category_attributes(&category_id)
        .await
        .map_err(tiktok)?;
    let mut product_attributes = Vec::new();
    for attribute in attributes
        .iter()
        .filter(|a| a.required && !a.is_sales_property)
    {
        let value = variants
            .iter()
            .flat_map(|v| v.options.iter())
            .find(|(name, _)| name.eq_ignore_ascii_case(&attribute.name))
            .map(|(_, value)| value.clone());
        match value {
            Some(value) => product_attributes.push((attribute.id.clone(), value)),
            None => {
                return Err(listing_failure(
                    &draft,
                    format!(
                        "TikTok requires the attribute \"{}\" for this category",
                        attribute.name
                    ),
                    format!(
                        "Add a product option named \"{}\" in the store, or map a different category, then list it again.",
                        attribute.name
                    ),
                ));
            }
        }
    }

    let seller_skus: Vec<String> = variants.iter().map(|v| v.sku.clone()).collect();
    let existing = shop
        .client
        .find_products_by_seller_sku(&seller_skus)
        .await
        .map_err(tiktok)?;
    let (product_id, sku_ids) = if let Some(found) = existing.into_iter().next() {
        info!(product = %found.id, "A TikTok product with these SKUs exists; adopting it instead of creating another.");
        (found.id, found.skus)
    } else {
        let mut image_uris = Vec::new();
        for (index, url) in draft.image_urls.iter().take(MAX_IMAGES).enumerate() {
            let bytes = fetch_image(engine, url)
                .await
                .map_err(|reason| StepFailure {
                    retryable: true,
                    ..listing_failure(
                        &draft,
                        format!("could not download image {url}: {reason}"),
                        "Check the image in the store; feedbridge retries by itself.",
                    )
                })?;
            let uri = shop
                .client
                .upload_image(bytes, &format!("image-{index}.png"))
                .await
                .map_err(tiktok)?;
            image_uris.push(uri);
        }
        if image_uris.is_empty() {
            return Err(listing_failure(
                &draft,
                "TikTok needs at least one product image",
                "Add an image to the product in the store, then list it again.",
            ));
        }
        let product = NewProduct {
            title: draft.title.clone(),
            description_html: draft.description_html.clone(),
            category_id,
            image_uris,
            package_weight_kg: DEFAULT_PACKAGE_WEIGHT_KG,
            package_dimensions_cm: DEFAULT_PACKAGE_CM,
            attributes: product_attributes,
            skus: variants
                .iter()
                .map(|v| NewSku {
                    seller_sku: v.sku.clone(),
                    external_sku_id: v.store_variant_id.clone(),
                    price: v.price,
                    currency: currency.clone(),
                    warehouse_id: warehouse_id.clone(),
                    quantity: v.available.max(0),
                    sales_attributes: if variants.len() > 1 {
                        v.options.clone()
                    } else {
                        Vec::new()
                    },
                })
                .collect(),
            external_product_id: draft.store_product_id.clone(),
            idempotency_key: format!("feedbridge-listing-{listing_id}"),
        };
        let created = shop.client.create_product(&product).await.map_err(tiktok)?;
        (created.product_id, created.skus)
    };
    let by_sku: Vec<(i64, String, Decimal, i64)> = variants
        .iter()
        .filter_map(|v| {
            sku_ids
                .iter()
                .find(|(sku, _)| *sku == v.sku)
                .map(|(_, id)| (v.row_id, id.clone(), v.price, v.available))
        })
        .collect();
    engine
        .store
        .transaction(move |tx| {
            let ids: Vec<(i64, String)> = by_sku
                .iter()
                .map(|(row, id, _, _)| (*row, id.clone()))
                .collect();
            store::set_listing_remote(tx, listing_id, &product_id, &ids)?;
            for (row, _, price, stock) in &by_sku {
                store::mark_sku_synced(tx, listing_id, *row, Some(*price), Some(*stock))?;
            }
            store::set_listing_status(tx, listing_id, ListingStatus::UnderReview, None, &[])
        })
        .await
        .map_err(db)?;
    engine
        .enqueue(
            kind::REVIEW_CHECK,
            listing_id,
            Duration::from_secs(engine.settings.review_poll_secs),
        )
        .await
        .map_err(db)
}

async fn fetch_image(engine: &Engine, url: &str) -> Result<Vec<u8>, String> {
    let response = engine
        .http
        .get(url)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    response
        .bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| e.without_url().to_string())
}

/// Follow TikTok's review of a listed product.
pub async fn review_check(engine: &Engine, listing_id: i64) -> StepResult {
    let Some(draft) = draft(engine, listing_id).await? else {
        return Ok(());
    };
    let Some(product_id) = draft.tiktok_product_id.clone() else {
        return Ok(());
    };
    let Some((org, shop)) = engine.shop(draft.shop_id) else {
        return Ok(());
    };
    let remote = shop.client.product(&product_id).await.map_err(|e| {
        StepFailure::from_connector(
            FailureKind::Listing,
            &org.name,
            format!("product {}", draft.title),
            "TikTok Shop",
            &e,
        )
    })?;
    let (status, reasons) = match remote.status.as_str() {
        "PENDING" => (ListingStatus::UnderReview, Vec::new()),
        "ACTIVATE" => (ListingStatus::Active, Vec::new()),
        "FAILED" => (
            ListingStatus::FailedReview,
            remote.audit_failed_reasons.clone(),
        ),
        "DRAFT" => (ListingStatus::NotSynced, Vec::new()),
        _ => (ListingStatus::Unlisted, Vec::new()),
    };
    let became_active = status == ListingStatus::Active && draft.status != ListingStatus::Active;
    engine
        .store
        .call(move |conn| store::set_listing_status(conn, listing_id, status, None, &reasons))
        .await
        .map_err(db)?;
    if became_active {
        engine
            .enqueue(kind::PUSH_STOCK, listing_id, Duration::ZERO)
            .await
            .map_err(db)?;
        let blocked = engine.store.call(store::blocked_orders).await.map_err(db)?;
        engine
            .enqueue_many(kind::ORDER_SYNC, blocked, Duration::ZERO)
            .await
            .map_err(db)?;
    }
    Ok(())
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
