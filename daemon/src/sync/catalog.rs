//! Reading the store catalog, listing on TikTok and following review.

use super::attributes;
use super::compliance;
use super::create_once::{Look, NotSent, Outcome, Sent, Steps, create_once};
use super::product_status;
use super::{Engine, StepFailure, StepResult, kind};
use super::{connections, description};
use crate::connector::{self, CategoryAttribute, CategoryRules, NewProduct, NewSku};
use crate::pricing;
use crate::store::{self, DraftVariant, ListingDraft};
use feedbridge_common::attributes::{AttributeRule, AttributeValue};
use feedbridge_common::catalog::{FigureSource, PackageFacts, PackageSources, ShopSettings};
use feedbridge_common::regions;
use feedbridge_common::{ConnectionState, FailureKind, ListingStatus};
use futures::StreamExt as _;
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::HashMap;
use std::time::Duration;
use tracing::{info, warn};

/// TikTok accepts at most nine main images (§5.1).
const MAX_IMAGES: usize = 9;
/// How long a category's fetched attributes and rules are trusted before asking again.
const REQUIREMENTS_TTL_SECS: i64 = 3_600;
const MAIN_IMAGE: &str = "MAIN_IMAGE";
const DESCRIPTION_IMAGE: &str = "DESCRIPTION_IMAGE";

/// How a catalog poll reads the store.
#[derive(Debug, PartialEq, Eq)]
enum CatalogRead {
    /// Every product (Shopify: one bulk export, with every stock level).
    Whole,
    /// The products changed at or after this store time (ISO-8601).
    ChangedSince(String),
}

/// A database's first read, and one every `full_every_secs`, reads the whole catalog; the
/// polls between read what changed since the newest change the last read saw.
fn catalog_read(
    changed_since: Option<String>,
    last_whole_read: Option<i64>,
    now: i64,
    full_every_secs: u64,
) -> CatalogRead {
    let full_every = i64::try_from(full_every_secs).unwrap_or(i64::MAX);
    match (changed_since, last_whole_read) {
        (Some(since), Some(at)) if now.saturating_sub(at) < full_every => {
            CatalogRead::ChangedSince(since)
        }
        _ => CatalogRead::Whole,
    }
}

/// Cursor names: the newest `updated_at` a read saw, and when the whole catalog was last read.
fn catalog_cursors(org_id: i64) -> (String, String) {
    (
        format!("catalog_changed_since:{org_id}"),
        format!("catalog_whole_read_at:{org_id}"),
    )
}

/// Read the store catalog: whole (Shopify: one bulk query) on a database's first read, every
/// `sync.catalog_full_read_secs`, and at every poll for stores that cannot say what changed;
/// otherwise only what changed. Then queue pushes for listings whose price or stock moved, and
/// another look at orders that were blocked on an SKU.
pub async fn import(engine: &Engine, org_id: i64) -> StepResult {
    let Some(org) = engine.org(org_id).cloned() else {
        return Ok(());
    };
    let (since_key, whole_key) = catalog_cursors(org_id);
    let keys = (since_key.clone(), whole_key.clone());
    let now = engine.clock.now_secs();
    let (changed_since, last_whole_read) = engine
        .store
        .call(move |conn| {
            Ok((
                store::cursor(conn, &keys.0)?,
                store::cursor(conn, &keys.1)?.and_then(|at| at.parse().ok()),
            ))
        })
        .await?;
    let read = catalog_read(
        changed_since,
        last_whole_read,
        now,
        engine.settings.catalog_full_read_secs,
    );
    let (newest, whole) = match read {
        CatalogRead::ChangedSince(since) => match read_changed(engine, &org, &since).await? {
            Some(newest) => (Some(newest), false),
            None => (read_whole(engine, &org).await?, true),
        },
        CatalogRead::Whole => (read_whole(engine, &org).await?, true),
    };
    engine
        .store
        .call(move |conn| {
            if let Some(newest) = &newest {
                store::set_cursor(conn, &since_key, newest)?;
            }
            if whole {
                store::set_cursor(conn, &whole_key, &now.to_string())?;
            }
            Ok(())
        })
        .await?;
    let shops: Vec<i64> = org.shops.iter().map(|shop| shop.connection).collect();
    let (stale, blocked, to_adopt) = engine
        .store
        .call(move |conn| {
            let mut to_adopt = Vec::new();
            for shop in shops {
                if !store::catalog_adopted(conn, shop)? {
                    to_adopt.push(shop);
                }
            }
            Ok((
                store::listings_out_of_step(conn, org_id)?,
                store::blocked_orders(conn)?,
                to_adopt,
            ))
        })
        .await?;
    // A database's first catalog read: link what is already on TikTok before anything is listed.
    engine
        .enqueue_many(kind::CATALOG_ADOPT, to_adopt, Duration::ZERO)
        .await?;
    engine
        .enqueue_many(kind::PUSH_STOCK, stale, Duration::ZERO)
        .await?;
    engine
        .enqueue_many(kind::ORDER_SYNC, blocked, Duration::ZERO)
        .await
        .map_err(StepFailure::from)
}

/// The whole catalog and every stock level; returns the newest `updated_at` it saw.
async fn read_whole(
    engine: &Engine,
    org: &super::OrgRuntime,
) -> Result<Option<String>, StepFailure> {
    let mut newest: Option<String> = None;
    let mut batches = org.store.full_catalog();
    while let Some(batch) = batches.next().await {
        let products = batch.map_err(|e| catalog_failure(org, &e))?;
        newest = newest_of(newest, &products);
        record_products(engine, org.id, products).await?;
    }
    read_all_levels(engine, org).await?;
    Ok(newest)
}

/// The products changed at or after `since`, a page at a time; returns the newest
/// `updated_at` seen (at least `since`), or `None` when the store has no such read.
async fn read_changed(
    engine: &Engine,
    org: &super::OrgRuntime,
    since: &str,
) -> Result<Option<String>, StepFailure> {
    let mut newest = since.to_owned();
    let mut cursor = None;
    loop {
        let Some(page) = org
            .store
            .products_changed_since(since, cursor.take())
            .await
            .map_err(|e| catalog_failure(org, &e))?
        else {
            return Ok(None);
        };
        if let Some(seen) = newest_of(None, &page.items) {
            newest = newest.max(seen);
        }
        record_products(engine, org.id, page.items).await?;
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(Some(newest)),
        }
    }
}

/// Record a batch of store products in one transaction.
async fn record_products(
    engine: &Engine,
    org_id: i64,
    products: Vec<connector::StoreProduct>,
) -> Result<(), StepFailure> {
    engine
        .store
        .call(move |tx| {
            for product in &products {
                store::upsert_product(tx, org_id, product)?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

/// The later of `newest` and the products' `updated_at` (ISO-8601 in the store's one format,
/// so text order is time order).
fn newest_of(newest: Option<String>, products: &[connector::StoreProduct]) -> Option<String> {
    products
        .iter()
        .map(|p| &p.updated_at)
        .filter(|at| !at.is_empty())
        .max()
        .cloned()
        .max(newest)
}

fn catalog_failure(org: &super::OrgRuntime, error: &connector::ConnectorError) -> StepFailure {
    StepFailure::from_connector(
        FailureKind::Connection,
        &org.name,
        "store catalog",
        "The store",
        error,
    )
}

/// Every item's stock per location where the store exports them in bulk, so a stock webhook
/// naming one location moves the item's total with no read during a sale. A failed export
/// only costs those reads later: it is logged, not a failure of the import.
async fn read_all_levels(engine: &Engine, org: &super::OrgRuntime) -> Result<(), StepFailure> {
    let org_id = org.id;
    let mut batches = org.store.full_inventory_levels();
    let mut read = 0;
    while let Some(batch) = batches.next().await {
        let items = match batch {
            Ok(items) => items,
            Err(error) => {
                tracing::warn!(org = %org.name, %error, "The store's stock levels could not be exported; they are read item by item when needed.");
                return Ok(());
            }
        };
        read += engine
            .store
            .call(move |tx| {
                for item in &items {
                    let levels = super::stock::stored_levels(item);
                    store::merge_stock_levels(tx, org_id, &item.inventory_item_id, &levels)?;
                }
                Ok(items.len())
            })
            .await?;
    }
    if read > 0 {
        info!(org = %org.name, items = read, "Read every item's stock levels from the store's export.");
    }
    Ok(())
}

async fn draft(engine: &Engine, listing_id: i64) -> Result<Option<ListingDraft>, StepFailure> {
    engine
        .store
        .call(move |conn| store::listing_draft(conn, listing_id))
        .await
        .map_err(StepFailure::from)
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

/// The variants a listing sends: those with a seller SKU, narrowed to the chosen ones.
pub fn listed_variants(draft: &ListingDraft) -> Vec<&DraftVariant> {
    draft
        .variants
        .iter()
        .filter(|v| !v.sku.trim().is_empty())
        .filter(|v| draft.selected_skus.is_empty() || draft.selected_skus.contains(&v.sku))
        .collect()
}

/// Package facts sent to TikTok: the heaviest listed SKU's store figures (the first SKU with
/// any figure when none has a weight), each figure the store lacks taken from the shop's
/// listing defaults; a zero default means "none set".
pub fn package_facts(settings: &ShopSettings, variants: &[&DraftVariant]) -> PackageFacts {
    let measures = variants
        .iter()
        .filter(|v| v.measures.weight_kg.is_some())
        .max_by(|a, b| {
            // Ties keep the first SKU (max_by keeps the last of equals).
            a.measures
                .weight_kg
                .cmp(&b.measures.weight_kg)
                .then(b.row_id.cmp(&a.row_id))
        })
        .or_else(|| variants.iter().find(|v| !v.measures.is_empty()))
        .map(|v| v.measures)
        .unwrap_or_default();
    // Store figures are exact conversions (0.45359237 kg); TikTok gets them rounded up to
    // 10 g and 1 mm, so a package is never declared lighter or smaller than the store says.
    let pick = |store: Option<Decimal>, places: u32, default: Decimal| match store {
        Some(value) => (
            value
                .round_dp_with_strategy(places, RoundingStrategy::AwayFromZero)
                .normalize(),
            FigureSource::Store,
        ),
        None => (default, FigureSource::ShopDefault),
    };
    let (weight_kg, weight) = pick(measures.weight_kg, 2, settings.package_weight_kg);
    let (length_cm, length) = pick(measures.length_cm, 1, settings.package_length_cm);
    let (width_cm, width) = pick(measures.width_cm, 1, settings.package_width_cm);
    let (height_cm, height) = pick(measures.height_cm, 1, settings.package_height_cm);
    PackageFacts {
        weight_kg,
        length_cm,
        width_cm,
        height_cm,
        sources: PackageSources {
            weight,
            length,
            width,
            height,
        },
    }
}

pub use super::attributes::CachedAttribute;

/// What a category demands, from the cache or TikTok.
pub struct Requirements {
    pub attributes: Vec<CachedAttribute>,
    pub rules: CategoryRules,
}

/// What the category's rules demand that this listing does not give, in the merchant's words.
pub fn unmet_rules(
    rules: &CategoryRules,
    package: &PackageFacts,
    provided: &compliance::Provided<'_>,
) -> Vec<String> {
    let mut unmet = Vec::new();
    let zero = Decimal::ZERO;
    if rules.package_dimensions_required
        && (package.length_cm <= zero || package.width_cm <= zero || package.height_cm <= zero)
    {
        unmet.push("package dimensions (set them on the product in the store, or set the shop's default package size)".to_owned());
    }
    unmet.extend(provided.unmet(rules));
    unmet
}

/// A category's attributes and rules: cached per shop for an hour, else read from TikTok.
pub async fn requirements(
    engine: &Engine,
    shop_connection: i64,
    client: &dyn connector::TikTokShop,
    category_id: &str,
) -> Result<Requirements, connector::ConnectorError> {
    let category = category_id.to_owned();
    let cached = engine
        .store
        .call(move |conn| store::category_requirements(conn, shop_connection, &category))
        .await
        .ok()
        .flatten();
    if let Some((attributes, rules, fetched_at)) = cached
        && engine.clock.now_secs() - fetched_at < REQUIREMENTS_TTL_SECS
        && let (Ok(attributes), Ok(rules)) = (
            serde_json::from_str::<Vec<CachedAttribute>>(&attributes),
            serde_json::from_str::<CategoryRules>(&rules),
        )
    {
        return Ok(Requirements { attributes, rules });
    }
    let attributes: Vec<CachedAttribute> = client
        .category_attributes(category_id)
        .await?
        .into_iter()
        .map(|a: CategoryAttribute| CachedAttribute {
            id: a.id,
            name: a.name,
            required: a.required,
            is_sales_property: a.is_sales_property,
            customizable: a.customizable,
            multiple: a.multiple,
            values: a.values,
        })
        .collect();
    let rules = client.category_rules(category_id).await?;
    let (attributes_json, rules_json) = (
        serde_json::to_string(&attributes).unwrap_or_else(|_| "[]".into()),
        serde_json::to_string(&rules).unwrap_or_else(|_| "{}".into()),
    );
    let category = category_id.to_owned();
    if let Err(error) = engine
        .store
        .call(move |conn| {
            store::save_category_requirements(
                conn,
                shop_connection,
                &category,
                &attributes_json,
                &rules_json,
            )
        })
        .await
    {
        warn!(%error, "Could not cache category requirements; they will be read again.");
    }
    Ok(Requirements { attributes, rules })
}

/// The merchant's attribute choices for a listing: its own values, its category's defaults on
/// its shop, and the shop's rules.
pub async fn chosen_attributes(
    engine: &Engine,
    draft: &ListingDraft,
    category_id: &str,
) -> Result<(Vec<AttributeValue>, Vec<AttributeValue>, Vec<AttributeRule>), StepFailure> {
    let (listing_id, shop_id, category) = (draft.listing_id, draft.shop_id, category_id.to_owned());
    engine
        .store
        .call(move |conn| {
            Ok((
                store::listing_attribute_values(conn, listing_id)?,
                store::category_attribute_defaults(conn, shop_id, &category)?,
                store::attribute_rules(conn, shop_id)?,
            ))
        })
        .await
        .map_err(StepFailure::from)
}

/// Submit one listing to TikTok, exactly once: a product already carrying our seller SKUs is
/// adopted instead of created again; a listing already on TikTok (failed review, or a failed
/// edit) is edited in place and goes back to review.
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
    let (shop_row, store_row, settings, region) = engine
        .store
        .call(move |conn| {
            Ok((
                store::connection(conn, shop_conn)?,
                store::connection(conn, store_conn)?,
                store::shop_settings(conn, shop_conn)?,
                store::connection_region(conn, shop_conn)?,
            ))
        })
        .await?;
    let (Some(shop_row), Some(store_row)) = (shop_row, store_row) else {
        return Ok(());
    };
    if shop_row.state != ConnectionState::Connected {
        return Err(StepFailure {
            // Reconnecting (or reauthorizing) fixes this without touching the product.
            retryable: true,
            ..listing_failure(
                &draft,
                format!("TikTok shop {} is not connected", shop.name),
                "Fix the shop's connection (see the status header); the listing continues by itself.",
            )
        });
    }
    if shop_row.currency != store_row.currency && settings.currency_rate.is_none() {
        return Err(listing_failure(
            &draft,
            format!(
                "the store sells in {} but TikTok shop {} sells in {}",
                store_row.currency.as_deref().unwrap_or("?"),
                shop.name,
                shop_row.currency.as_deref().unwrap_or("?")
            ),
            connections::currency_rate_fix(&shop.name),
        ));
    }
    let (own_choices, category_default, shop_compliance) =
        compliance::stored(engine, listing_id, shop_conn, draft.category_id.clone()).await?;
    if let Some(refusal) = region
        .as_deref()
        .and_then(regions::region)
        .and_then(|r| r.listing_refusal(|c| shop_compliance.has(c)))
    {
        return Err(listing_failure(
            &draft,
            refusal,
            format!(
                "Set them with `feedbridge compliance {shop} set --manufacturer ID --responsible-person ID` (or register them with `feedbridge compliance {shop} create ...`), then list it again.",
                shop = shop.name
            ),
        ));
    }
    let choices = own_choices.or_default(&category_default);
    let currency = shop_row.currency.clone().unwrap_or_default();
    let Some(category_id) = draft.category_id.clone() else {
        return Err(listing_failure(
            &draft,
            "no TikTok category is mapped",
            "Map the product to a TikTok category, then list it again.",
        ));
    };
    let missing_choice: Vec<&String> = draft
        .selected_skus
        .iter()
        .filter(|sku| !draft.variants.iter().any(|v| &v.sku == *sku))
        .collect();
    if !missing_choice.is_empty() {
        let names: Vec<&str> = missing_choice.iter().map(|s| s.as_str()).collect();
        return Err(listing_failure(
            &draft,
            format!(
                "the chosen SKUs {} are no longer on the product in the store",
                names.join(", ")
            ),
            "Choose the SKUs to list again, then list it again.",
        ));
    }
    let variants = listed_variants(&draft);
    if variants.is_empty() {
        return Err(listing_failure(
            &draft,
            "none of its variants has an SKU",
            format!(
                "Set {} in {}, then list it again.",
                org.platform.sku_field(),
                org.platform.label()
            ),
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

    // Checked before anything is sent: required attributes and the category's rules.
    let requirements = requirements(engine, shop_conn, shop.client.as_ref(), &category_id)
        .await
        .map_err(tiktok)?;
    let (listing_values, category_defaults, rules) =
        chosen_attributes(engine, &draft, &category_id).await?;
    let chosen = attributes::Chosen {
        listing: &listing_values,
        category_defaults: &category_defaults,
        rules: &rules,
    };
    let store_side = attributes::StoreSide {
        variants: &variants,
        facts: Some(&draft.facts),
    };
    let fields = attributes::resolve(&requirements.attributes, &chosen, &store_side);
    let (missing, refused) = attributes::blockers(&fields);
    // The fix names the first missing attribute, so it can be typed as shown.
    let example = missing.first().map_or("NAME", String::as_str);
    let set_them = format!(
        "Set {} with `feedbridge attributes {listing_id} set \"{example}=VALUE\"` or in the console (product detail, key a), or map a different category, then list it again.",
        if missing.is_empty() {
            "them".to_owned()
        } else {
            missing.join(", ")
        }
    );
    // Everything TikTok would refuse is named at once, so one fix round is enough.
    let mut problems = Vec::new();
    if !missing.is_empty() {
        let quoted: Vec<String> = missing.iter().map(|m| format!("\"{m}\"")).collect();
        problems.push(format!(
            "TikTok requires the attribute {} for this category",
            quoted.join(", ")
        ));
    }
    if !refused.is_empty() {
        problems.push(format!(
            "TikTok would refuse its attributes: {}",
            refused.join("; ")
        ));
    }
    if !problems.is_empty() {
        return Err(listing_failure(&draft, problems.join("; "), set_them));
    }
    let product_attributes = attributes::to_send(&fields);
    let package = package_facts(&settings, &variants);
    let provided = compliance::Provided {
        choices: &choices,
        shop: &shop_compliance,
    };
    let unmet = unmet_rules(&requirements.rules, &package, &provided);
    if !unmet.is_empty() {
        return Err(listing_failure(
            &draft,
            format!("TikTok requires {} for this category", unmet.join(", ")),
            compliance::how_to_provide(listing_id, &shop.name),
        ));
    }

    let seller_skus: Vec<String> = variants.iter().map(|v| v.sku.clone()).collect();
    let editing = draft.tiktok_product_id.clone().filter(|_| !draft.linked);
    // A product being edited is not created; any other is looked for by its seller SKUs
    // every time (there is no attempted mark: TikTok also deduplicates a create by its
    // idempotency key).
    let look = if editing.is_some() {
        Look::NEVER
    } else {
        Look::ALWAYS
    };
    let client = shop.client.as_ref();
    let steps = Steps {
        find: async {
            Ok(client
                .find_products_by_seller_sku(&seller_skus)
                .await
                .map_err(tiktok)?
                .into_iter()
                .next())
        },
        prepare: async {
            let mut image_uris = Vec::new();
            for url in draft.image_urls.iter().take(MAX_IMAGES) {
                let uri = upload_once(engine, &draft, shop_conn, client, url, MAIN_IMAGE).await?;
                image_uris.push(uri);
            }
            if image_uris.is_empty() {
                return Err(listing_failure(
                    &draft,
                    "TikTok needs at least one product image",
                    "Add an image to the product in the store, then list it again.",
                ));
            }
            let description_html = tiktok_description(engine, &draft, shop_conn, client).await?;
            let compliance = compliance::prepare(
                engine,
                &draft,
                shop_conn,
                client,
                &requirements.rules,
                &choices,
                &shop_compliance,
            )
            .await?;
            Ok(NewProduct {
                title: draft.title.clone(),
                description_html,
                category_id,
                image_uris,
                package_weight_kg: package.weight_kg,
                package_dimensions_cm: (package.length_cm, package.width_cm, package.height_cm),
                attributes: product_attributes,
                skus: variants
                    .iter()
                    .map(|v| NewSku {
                        seller_sku: v.sku.clone(),
                        external_sku_id: v.store_variant_id.clone(),
                        price: pricing::shop_price(v.price, &settings, &currency),
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
                compliance,
            })
        },
        mark_attempted: async { Ok(()) },
        send: |product: NewProduct| async move {
            match &editing {
                Some(existing) => client.edit_product(existing, &product).await,
                None => client.create_product(&product).await,
            }
            .map(Sent::Created)
            .map_err(|e| NotSent::of(e, tiktok))
        },
        clear_attempted: async { Ok(()) },
    };
    let (product_id, sku_ids) = match create_once(look, steps).await? {
        Outcome::Found(found) => {
            info!(product = %found.id, "A TikTok product with these SKUs exists; adopting it instead of creating another.");
            (found.id, found.skus)
        }
        Outcome::Created(saved) => (saved.product_id, saved.skus),
        // Not with Look::ALWAYS, which trusts "not found".
        Outcome::WaitForSearch(wait) => {
            return engine
                .enqueue(kind::LIST_PRODUCT, listing_id, wait)
                .await
                .map_err(StepFailure::from);
        }
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
        .call(move |tx| {
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
        .await?;
    engine
        .enqueue(
            kind::REVIEW_CHECK,
            listing_id,
            Duration::from_secs(engine.settings.review_poll_secs),
        )
        .await
        .map_err(StepFailure::from)
}

/// Upload a store image to the shop once; later listings reuse the stored reference.
async fn upload_once(
    engine: &Engine,
    draft: &ListingDraft,
    shop_connection: i64,
    client: &dyn connector::TikTokShop,
    url: &str,
    use_case: &'static str,
) -> Result<String, StepFailure> {
    let source = url.to_owned();
    let known = engine
        .store
        .call(move |conn| store::uploaded_image(conn, shop_connection, use_case, &source))
        .await?;
    if let Some(reference) = known {
        return Ok(reference);
    }
    let bytes = fetch_bytes(engine, url)
        .await
        .map_err(|reason| StepFailure {
            retryable: true,
            ..listing_failure(
                draft,
                format!("could not download image {url}: {reason}"),
                "Check the image in the store; feedbridge retries by itself.",
            )
        })?;
    let file_name = image_file_name(url);
    let uploaded = if use_case == DESCRIPTION_IMAGE {
        client.upload_description_image(bytes, &file_name).await
    } else {
        client.upload_image(bytes, &file_name).await
    }
    .map_err(|e| {
        StepFailure::from_connector(
            FailureKind::Listing,
            &draft.org,
            format!("product {}", draft.title),
            "TikTok Shop",
            &e,
        )
    })?;
    let (source, reference) = (url.to_owned(), uploaded.clone());
    engine
        .store
        .call(move |conn| {
            store::remember_uploaded_image(conn, shop_connection, use_case, &source, &reference)
        })
        .await?;
    Ok(uploaded)
}

/// The store's description converted for TikTok, its images uploaded; images that cannot be
/// fetched are left out (noted in the log) rather than holding the listing back.
async fn tiktok_description(
    engine: &Engine,
    draft: &ListingDraft,
    shop_connection: i64,
    client: &dyn connector::TikTokShop,
) -> Result<String, StepFailure> {
    let converted = description::convert(&draft.description_html);
    let mut uploaded = HashMap::new();
    for url in converted.image_urls() {
        match upload_once(
            engine,
            draft,
            shop_connection,
            client,
            &url,
            DESCRIPTION_IMAGE,
        )
        .await
        {
            Ok(hosted) => {
                uploaded.insert(url, hosted);
            }
            Err(failure) if failure.retryable && failure.raw.is_none() => {
                warn!(image = %url, reason = %failure.reason, "Description image left out.");
            }
            Err(failure) => return Err(failure),
        }
    }
    Ok(render_description(&converted, &uploaded, &draft.title))
}

/// Rendered description, or the title as one paragraph when the store has none (TikTok
/// requires a description to list).
pub fn render_description(
    converted: &description::Description,
    uploaded: &HashMap<String, String>,
    title: &str,
) -> String {
    let rendered = converted.render(uploaded);
    if rendered.html.is_empty() {
        let mut escaped = String::new();
        for c in title.chars() {
            match c {
                '&' => escaped.push_str("&amp;"),
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                c => escaped.push(c),
            }
        }
        format!("<p>{escaped}</p>")
    } else {
        rendered.html
    }
}

fn image_file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    match last.rsplit_once('.') {
        Some((_, extension))
            if ["jpg", "jpeg", "png", "webp", "heic", "bmp"]
                .contains(&extension.to_ascii_lowercase().as_str()) =>
        {
            last.to_owned()
        }
        _ => "image.png".to_owned(),
    }
}

/// The body of a GET of `url` (a store's image or document), or why not.
pub(super) async fn fetch_bytes(engine: &Engine, url: &str) -> Result<Vec<u8>, String> {
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
    let standing = product_status::standing_from_tiktok(&remote.status).map_err(|unknown| {
        StepFailure::rejected(
            FailureKind::Listing,
            &org.name,
            format!("product {}", draft.title),
            unknown,
            "Its status on feedbridge stays as it was. Retry after updating feedbridge, or once the product's status in Seller Center → Products is one feedbridge knows.",
        )
    })?;
    let status = standing.status;
    let reasons = if status == ListingStatus::FailedReview {
        remote.audit_failed_reasons.clone()
    } else {
        Vec::new()
    };
    let became_active = status == ListingStatus::Active && draft.status != ListingStatus::Active;
    engine
        .store
        .call(move |conn| {
            store::set_listing_status(
                conn,
                listing_id,
                status,
                standing.reason.as_deref(),
                &reasons,
            )
        })
        .await?;
    if became_active {
        engine
            .enqueue(kind::PUSH_STOCK, listing_id, Duration::ZERO)
            .await?;
        let blocked = engine.store.call(store::blocked_orders).await?;
        engine
            .enqueue_many(kind::ORDER_SYNC, blocked, Duration::ZERO)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::{LengthUnit, Measures, WeightUnit};

    fn variant(sku: &str, options: &[(&str, &str)]) -> DraftVariant {
        DraftVariant {
            row_id: 1,
            store_variant_id: format!("v-{sku}"),
            sku: sku.into(),
            price: Decimal::ONE,
            available: 1,
            options: options
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            tiktok_sku_id: None,
            synced_price: None,
            synced_stock: None,
            measures: Measures::default(),
        }
    }

    #[test]
    fn polls_read_what_changed_between_whole_reads() {
        let since = || Some("2026-12-07T04:00:00Z".to_owned());
        assert_eq!(catalog_read(None, None, 10_000, 3_600), CatalogRead::Whole);
        assert_eq!(
            catalog_read(since(), None, 10_000, 3_600),
            CatalogRead::Whole
        );
        assert_eq!(
            catalog_read(None, Some(9_000), 10_000, 3_600),
            CatalogRead::Whole
        );
        assert_eq!(
            catalog_read(since(), Some(9_000), 10_000, 3_600),
            CatalogRead::ChangedSince("2026-12-07T04:00:00Z".into())
        );
        assert_eq!(
            catalog_read(since(), Some(6_400), 10_000, 3_600),
            CatalogRead::Whole
        );
    }

    #[test]
    fn the_newest_change_seen_is_the_next_reads_start() {
        let product = |at: &str| connector::StoreProduct {
            id: "1".into(),
            title: "Mug".into(),
            description_html: String::new(),
            image_urls: Vec::new(),
            updated_at: at.into(),
            variants: Vec::new(),
            facts: Default::default(),
        };
        let read = [
            product("2026-12-07T04:00:05Z"),
            product(""),
            product("2026-12-07T04:00:09Z"),
        ];
        assert_eq!(
            newest_of(Some("2026-12-07T03:00:00Z".into()), &read).as_deref(),
            Some("2026-12-07T04:00:09Z")
        );
        assert_eq!(
            newest_of(Some("2026-12-07T05:00:00Z".into()), &read).as_deref(),
            Some("2026-12-07T05:00:00Z")
        );
        assert_eq!(newest_of(None, &[]), None);
    }

    #[test]
    fn category_rules_name_what_cannot_be_given() {
        let mut settings = ShopSettings::default();
        let rules = CategoryRules {
            package_dimensions_required: true,
            certifications: vec![feedbridge_common::compliance::CertificationRequirement {
                id: "9".into(),
                name: "CE".into(),
                required: true,
            }],
            ..CategoryRules::default()
        };
        let (choices, shop) = Default::default();
        let provided = compliance::Provided {
            choices: &choices,
            shop: &shop,
        };
        let unmet_rules =
            |rules: &CategoryRules, package: &PackageFacts| unmet_rules(rules, package, &provided);
        assert_eq!(
            unmet_rules(&rules, &package_facts(&settings, &[])),
            vec!["the certification \"CE\" (id 9)".to_owned()]
        );
        settings.package_height_cm = Decimal::ZERO;
        let unmet = unmet_rules(&rules, &package_facts(&settings, &[]));
        assert!(unmet[0].starts_with("package dimensions"), "{unmet:?}");
        // The store's own height satisfies the rule even with no default.
        let mut boxed = variant("A", &[]);
        boxed.measures = Measures::default().with_dimensions(
            (Some(Decimal::ONE), Some(Decimal::ONE), Some(Decimal::ONE)),
            LengthUnit::Inch,
        );
        assert_eq!(
            unmet_rules(&rules, &package_facts(&settings, &[&boxed])).len(),
            1
        );
    }

    fn weighing(sku: &str, row_id: i64, kg: &str) -> DraftVariant {
        DraftVariant {
            row_id,
            measures: Measures::weight(kg.parse().ok(), WeightUnit::Kilogram),
            ..variant(sku, &[])
        }
    }

    #[test]
    fn package_facts_take_the_heaviest_sku_and_defaults_only_for_what_is_missing() {
        let settings = ShopSettings::default();
        let light = weighing("A", 1, "0.3");
        // 1 lb = 0.45359237 kg, sent rounded up to 10 g.
        let pound = DraftVariant {
            measures: Measures::weight(Some(Decimal::ONE), WeightUnit::Pound),
            ..variant("P", &[])
        };
        assert_eq!(
            package_facts(&settings, &[&pound]).weight_kg,
            Decimal::new(46, 2)
        );
        let mut heavy = weighing("B", 2, "1.2");
        heavy.measures = heavy.measures.with_dimensions(
            (Some(Decimal::from(10)), None, Some(Decimal::from(4))),
            LengthUnit::Inch,
        );
        let facts = package_facts(&settings, &[&light, &heavy]);
        assert_eq!(facts.weight_kg, Decimal::new(12, 1));
        assert_eq!(facts.length_cm, Decimal::new(254, 1));
        assert_eq!(facts.width_cm, settings.package_width_cm);
        // 4 in = 10.16 cm, sent rounded up to the millimetre.
        assert_eq!(facts.height_cm, Decimal::new(102, 1));
        assert_eq!(facts.sources.weight, FigureSource::Store);
        assert_eq!(facts.defaulted(), vec!["width"]);
        assert!(!facts.all_defaults());
    }

    #[test]
    fn package_facts_fall_back_to_the_shop_defaults_when_the_store_has_nothing() {
        let settings = ShopSettings::default();
        let facts = package_facts(&settings, &[&variant("A", &[])]);
        assert_eq!(facts.weight_kg, settings.package_weight_kg);
        assert_eq!(facts.height_cm, settings.package_height_cm);
        assert!(facts.all_defaults());
        // Equal weights: the first SKU's figures.
        let mut first = weighing("A", 1, "2");
        first.measures.length_cm = Some(Decimal::from(30));
        let second = weighing("B", 2, "2");
        let facts = package_facts(&settings, &[&first, &second]);
        assert_eq!(facts.length_cm, Decimal::from(30));
        // No weight anywhere: the first SKU with any figure gives its dimensions.
        let mut sized = variant("C", &[]);
        sized.measures.height_cm = Some(Decimal::from(3));
        let facts = package_facts(&settings, &[&variant("A", &[]), &sized]);
        assert_eq!(facts.height_cm, Decimal::from(3));
        assert_eq!(facts.defaulted(), vec!["weight", "length", "width"]);
    }

    #[test]
    fn chosen_skus_narrow_what_is_listed() {
        let draft = ListingDraft {
            listing_id: 1,
            shop_id: 1,
            org: "org".into(),
            status: ListingStatus::NotSynced,
            store_product_id: "p".into(),
            title: "T".into(),
            description_html: String::new(),
            image_urls: Vec::new(),
            category_id: None,
            tiktok_product_id: None,
            variants: vec![variant("A", &[]), variant("B", &[]), variant("", &[])],
            facts: Default::default(),
            selected_skus: vec!["B".into()],
            linked: false,
        };
        let listed: Vec<&str> = listed_variants(&draft)
            .iter()
            .map(|v| v.sku.as_str())
            .collect();
        assert_eq!(listed, vec!["B"]);
    }

    #[test]
    fn empty_descriptions_fall_back_to_the_title_and_file_names_keep_extensions() {
        let empty = description::convert("<script>x</script>");
        assert_eq!(
            render_description(&empty, &HashMap::new(), "Tea & cake"),
            "<p>Tea &amp; cake</p>"
        );
        assert_eq!(image_file_name("https://cdn/x/photo.JPG?v=2"), "photo.JPG");
        assert_eq!(image_file_name("https://cdn/x/photo"), "image.png");
    }
}
