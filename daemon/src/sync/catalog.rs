//! Reading the store catalog, listing on TikTok and following review.

use super::{Engine, StepFailure, StepResult, kind};
use crate::connector::{self, NewProduct, NewSku};
use crate::store::{self, ListingDraft};
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
