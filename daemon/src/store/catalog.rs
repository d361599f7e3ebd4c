//! Store products, TikTok listings and category trees.

use super::{now_secs, signals::append_event};
use crate::connector::{Category, Measures, ProductFacts, StoreProduct};
use feedbridge_common::{CategoryRef, EventKind, ListingStatus};
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use std::str::FromStr;

fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_default()
}

/// A stored kg/cm figure: a decimal string, NULL when the store has none.
fn figure_text(value: Option<Decimal>) -> Option<String> {
    value.map(|v| v.normalize().to_string())
}

fn figure(text: Option<String>) -> Option<Decimal> {
    text.and_then(|t| Decimal::from_str(&t).ok())
        .filter(|v| *v > Decimal::ZERO)
}

/// Version of the stored `facts` JSON: 1 = [`ProductFacts`] with `"version": 1`.
const FACTS_VERSION: u32 = 1;

/// A product's stored facts; NULL (stored before they were read) is none.
fn stored_facts(json: Option<String>) -> rusqlite::Result<ProductFacts> {
    json.map_or(Ok(ProductFacts::default()), |json| {
        super::versioned::decode(&json, FACTS_VERSION, "a stored product's tags and fields")
    })
}

/// Save a product as the store reports it; creates its listing rows on the org's TikTok shops.
/// Returns true if anything that TikTok shows (price, stock) changed.
pub fn upsert_product(
    conn: &Connection,
    org_id: i64,
    product: &StoreProduct,
) -> rusqlite::Result<bool> {
    let images = serde_json::to_string(&product.image_urls).unwrap_or_else(|_| "[]".into());
    let existed: Option<i64> = conn
        .query_row(
            "SELECT id FROM store_products WHERE org_id = ?1 AND store_product_id = ?2",
            params![org_id, product.id],
            |r| r.get(0),
        )
        .optional()?;
    let product_id: i64 = conn.query_row(
        "INSERT INTO store_products (org_id, store_product_id, title, description_html, image_urls, store_updated_at, facts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (org_id, store_product_id) DO UPDATE SET title = excluded.title,
             description_html = excluded.description_html, image_urls = excluded.image_urls,
             store_updated_at = excluded.store_updated_at, facts = excluded.facts
         RETURNING id",
        params![
            org_id,
            product.id,
            product.title,
            product.description_html,
            images,
            product.updated_at,
            super::versioned::encode(FACTS_VERSION, &product.facts)
        ],
        |r| r.get(0),
    )?;
    let mut changed = false;
    for variant in &product.variants {
        let options = serde_json::to_string(&variant.options).unwrap_or_else(|_| "[]".into());
        let before: Option<(String, i64)> = conn
            .query_row(
                "SELECT price, available FROM store_variants WHERE product_id = ?1 AND store_variant_id = ?2",
                params![product_id, variant.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if before.is_none_or(|(price, available)| {
            decimal(&price) != variant.price || available != variant.available
        }) {
            changed = true;
        }
        conn.execute(
            "INSERT INTO store_variants (product_id, store_variant_id, inventory_item_id, sku, title, price, available, options,
                                         weight_kg, length_cm, width_cm, height_cm)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (product_id, store_variant_id) DO UPDATE SET
                 inventory_item_id = excluded.inventory_item_id, sku = excluded.sku, title = excluded.title,
                 price = excluded.price, available = excluded.available, options = excluded.options,
                 weight_kg = excluded.weight_kg, length_cm = excluded.length_cm,
                 width_cm = excluded.width_cm, height_cm = excluded.height_cm",
            params![
                product_id,
                variant.id,
                variant.inventory_item_id,
                variant.sku,
                variant.title,
                variant.price.to_string(),
                variant.available,
                options,
                figure_text(variant.measures.weight_kg),
                figure_text(variant.measures.length_cm),
                figure_text(variant.measures.width_cm),
                figure_text(variant.measures.height_cm),
            ],
        )?;
    }
    let kept: Vec<String> = product.variants.iter().map(|v| v.id.clone()).collect();
    let kept = serde_json::to_string(&kept).unwrap_or_else(|_| "[]".into());
    conn.execute(
        "DELETE FROM store_variants WHERE product_id = ?1
           AND store_variant_id NOT IN (SELECT value FROM json_each(?2))",
        params![product_id, kept],
    )?;
    let now = now_secs();
    conn.execute(
        "INSERT OR IGNORE INTO listings (product_id, shop_id, updated_at)
         SELECT ?1, c.id, ?2 FROM connections c WHERE c.org_id = ?3 AND c.kind = 'tiktok'",
        params![product_id, now, org_id],
    )?;
    if existed.is_none() {
        let org: String = conn.query_row(
            "SELECT name FROM organizations WHERE id = ?1",
            [org_id],
            |r| r.get(0),
        )?;
        append_event(
            conn,
            EventKind::ProductDiscovered,
            Some(&org),
            &product.title,
            "Found in the store.",
        )?;
    }
    Ok(changed)
}

/// Set the available quantity of the variant stocked by an inventory item; returns the
/// listings (with a TikTok product) that must be pushed.
pub fn set_item_available(
    conn: &Connection,
    inventory_item_id: &str,
    available: i64,
) -> rusqlite::Result<Vec<i64>> {
    conn.execute(
        "UPDATE store_variants SET available = ?2 WHERE inventory_item_id = ?1",
        params![inventory_item_id, available],
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT l.id FROM store_variants v JOIN listings l ON l.product_id = v.product_id
         WHERE v.inventory_item_id = ?1 AND l.tiktok_product_id IS NOT NULL",
    )?;
    let rows = stmt.query_map([inventory_item_id], |r| r.get(0))?;
    rows.collect()
}

/// Listings whose TikTok SKUs lag the store's price or stock.
pub fn listings_out_of_step(conn: &Connection, org_id: i64) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT l.id FROM listings l
         JOIN store_products p ON p.id = l.product_id
         JOIN listing_skus ls ON ls.listing_id = l.id
         JOIN store_variants v ON v.id = ls.variant_id
         WHERE p.org_id = ?1 AND l.tiktok_product_id IS NOT NULL
           AND (ls.synced_stock IS NOT v.available OR ls.synced_price IS NOT v.price)",
    )?;
    let rows = stmt.query_map([org_id], |r| r.get(0))?;
    rows.collect()
}

pub fn listings_under_review(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM listings WHERE status = 'under_review'")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

pub fn replace_categories(
    conn: &Connection,
    shop_id: i64,
    categories: &[Category],
) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM categories WHERE shop_id = ?1", [shop_id])?;
    let by_id: std::collections::HashMap<&str, &Category> =
        categories.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut insert = conn.prepare_cached(
        "INSERT INTO categories (shop_id, category_id, parent_id, name, path, is_leaf, available) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for category in categories {
        let mut path = vec![category.name.as_str()];
        let mut parent = category.parent_id.as_str();
        // Bounded: a malformed tree with a cycle must not hang us.
        for _ in 0..16 {
            match by_id.get(parent) {
                Some(up) => {
                    path.push(up.name.as_str());
                    parent = up.parent_id.as_str();
                }
                None => break,
            }
        }
        path.reverse();
        insert.execute(params![
            shop_id,
            category.id,
            category.parent_id,
            category.name,
            path.join(" > "),
            category.is_leaf,
            category.available
        ])?;
    }
    Ok(())
}

pub fn has_categories(conn: &Connection, shop_id: i64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM categories WHERE shop_id = ?1)",
        [shop_id],
        |r| r.get(0),
    )
}

pub fn search_leaf_categories(
    conn: &Connection,
    shop_id: i64,
    search: &str,
    limit: u32,
) -> rusqlite::Result<Vec<CategoryRef>> {
    let mut stmt = conn.prepare_cached(
        "SELECT category_id, path FROM categories
         WHERE shop_id = ?1 AND is_leaf = 1 AND available = 1 AND instr(lower(path), lower(?2)) > 0
         ORDER BY path LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![shop_id, search, limit], |r| {
        Ok(CategoryRef {
            id: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    rows.collect()
}

/// Outcome of a mapping request, for the RPC layer to phrase.
pub enum MappingOutcome {
    Mapped {
        listing_title: String,
        category: String,
    },
    NoSuchListing,
    /// Listed already: the category is locked.
    Locked {
        status: ListingStatus,
    },
    NotALeaf,
    /// The shop's category tree has not been fetched yet (connection check pending).
    TreeNotLoaded,
    /// TikTok has not opened the category to this shop (invite-only or closed).
    NotAvailable {
        category: String,
    },
    UnknownCategory,
}

pub fn map_category(
    conn: &Connection,
    listing_id: i64,
    category_id: &str,
) -> rusqlite::Result<MappingOutcome> {
    let listing: Option<(i64, String, String, String)> = conn
        .query_row(
            "SELECT l.shop_id, l.status, p.title, o.name FROM listings l
             JOIN store_products p ON p.id = l.product_id JOIN organizations o ON o.id = p.org_id
             WHERE l.id = ?1",
            [listing_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((shop_id, status, title, org)) = listing else {
        return Ok(MappingOutcome::NoSuchListing);
    };
    let status = ListingStatus::parse(&status).unwrap_or(ListingStatus::NotSynced);
    if !matches!(
        status,
        ListingStatus::NotSynced | ListingStatus::FailedToSync
    ) {
        return Ok(MappingOutcome::Locked { status });
    }
    let category: Option<(String, bool, bool)> = conn
        .query_row(
            "SELECT path, is_leaf, available FROM categories WHERE shop_id = ?1 AND category_id = ?2",
            params![shop_id, category_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((path, is_leaf, available)) = category else {
        return Ok(if has_categories(conn, shop_id)? {
            MappingOutcome::UnknownCategory
        } else {
            MappingOutcome::TreeNotLoaded
        });
    };
    if !is_leaf {
        return Ok(MappingOutcome::NotALeaf);
    }
    if !available {
        return Ok(MappingOutcome::NotAvailable { category: path });
    }
    conn.execute(
        "UPDATE listings SET category_id = ?2, category_name = ?3, updated_at = ?4 WHERE id = ?1",
        params![listing_id, category_id, path, now_secs()],
    )?;
    append_event(
        conn,
        EventKind::CategoryMapped,
        Some(&org),
        &title,
        &format!("Mapped to {path}."),
    )?;
    Ok(MappingOutcome::Mapped {
        listing_title: title,
        category: path,
    })
}

/// Everything needed to submit a listing to TikTok.
#[derive(Clone, Debug)]
pub struct ListingDraft {
    pub listing_id: i64,
    pub shop_id: i64,
    pub org: String,
    pub status: ListingStatus,
    pub store_product_id: String,
    pub title: String,
    pub description_html: String,
    pub image_urls: Vec<String>,
    pub category_id: Option<String>,
    pub tiktok_product_id: Option<String>,
    pub variants: Vec<DraftVariant>,
    /// Tags, vendor and custom fields, for attribute rules.
    pub facts: ProductFacts,
    /// Seller SKUs chosen for listing; empty = every variant with an SKU.
    pub selected_skus: Vec<String>,
    /// The TikTok product existed already and was linked, not created by feedbridge.
    pub linked: bool,
}

#[derive(Clone, Debug)]
pub struct DraftVariant {
    pub row_id: i64,
    pub store_variant_id: String,
    pub sku: String,
    pub price: Decimal,
    pub available: i64,
    pub options: Vec<(String, String)>,
    pub tiktok_sku_id: Option<String>,
    pub synced_price: Option<Decimal>,
    pub synced_stock: Option<i64>,
    /// What the store says it weighs and measures (kg / cm).
    pub measures: Measures,
}

pub fn listing_draft(conn: &Connection, listing_id: i64) -> rusqlite::Result<Option<ListingDraft>> {
    let head = conn
        .query_row(
            "SELECT l.shop_id, o.name, l.status, p.store_product_id, p.title, p.description_html,
                    p.image_urls, l.category_id, l.tiktok_product_id, p.id, l.selected_skus, l.linked,
                    p.facts
             FROM listings l JOIN store_products p ON p.id = l.product_id
             JOIN organizations o ON o.id = p.org_id WHERE l.id = ?1",
            [listing_id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, i64>(9)?,
                    r.get::<_, String>(10)?,
                    r.get::<_, bool>(11)?,
                    stored_facts(r.get(12)?)?,
                ))
            },
        )
        .optional()?;
    let Some((
        shop_id,
        org,
        status,
        store_product_id,
        title,
        description_html,
        images,
        category_id,
        tiktok_product_id,
        product_row,
        selected_skus,
        linked,
        facts,
    )) = head
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.store_variant_id, v.sku, v.price, v.available, v.options,
                ls.tiktok_sku_id, ls.synced_price, ls.synced_stock,
                v.weight_kg, v.length_cm, v.width_cm, v.height_cm
         FROM store_variants v LEFT JOIN listing_skus ls ON ls.variant_id = v.id AND ls.listing_id = ?2
         WHERE v.product_id = ?1 ORDER BY v.id",
    )?;
    let variants = stmt
        .query_map(params![product_row, listing_id], |r| {
            let price: String = r.get(3)?;
            let options: String = r.get(5)?;
            let synced_price: Option<String> = r.get(7)?;
            Ok(DraftVariant {
                row_id: r.get(0)?,
                store_variant_id: r.get(1)?,
                sku: r.get(2)?,
                price: decimal(&price),
                available: r.get(4)?,
                options: serde_json::from_str(&options).unwrap_or_default(),
                tiktok_sku_id: r.get(6)?,
                synced_price: synced_price.as_deref().map(decimal),
                synced_stock: r.get(8)?,
                measures: Measures {
                    weight_kg: figure(r.get(9)?),
                    length_cm: figure(r.get(10)?),
                    width_cm: figure(r.get(11)?),
                    height_cm: figure(r.get(12)?),
                },
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(ListingDraft {
        listing_id,
        shop_id,
        org,
        status: ListingStatus::parse(&status).unwrap_or(ListingStatus::NotSynced),
        store_product_id,
        title,
        description_html,
        image_urls: serde_json::from_str(&images).unwrap_or_default(),
        category_id,
        tiktok_product_id,
        variants,
        facts,
        selected_skus: serde_json::from_str(&selected_skus).unwrap_or_default(),
        linked,
    }))
}

/// Move a listing to a new status; writes an event when the status or reason changed.
pub fn set_listing_status(
    conn: &Connection,
    listing_id: i64,
    status: ListingStatus,
    reason: Option<&str>,
    review_reasons: &[String],
) -> rusqlite::Result<()> {
    let (old_status, old_reason, title, org): (String, Option<String>, String, String) = conn
        .query_row(
            "SELECT l.status, l.status_reason, p.title, o.name FROM listings l
         JOIN store_products p ON p.id = l.product_id JOIN organizations o ON o.id = p.org_id
         WHERE l.id = ?1",
            [listing_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
    let reasons = serde_json::to_string(review_reasons).unwrap_or_else(|_| "[]".into());
    conn.execute(
        "UPDATE listings SET status = ?2, status_reason = ?3, review_reasons = ?4, updated_at = ?5 WHERE id = ?1",
        params![listing_id, status.as_str(), reason, reasons, now_secs()],
    )?;
    if old_status != status.as_str() || old_reason.as_deref() != reason {
        let message = match (reason, review_reasons.is_empty()) {
            (Some(reason), _) => format!("{status}: {reason}"),
            (None, false) => format!("{status}: {}", review_reasons.join("; ")),
            (None, true) => status.label().to_string(),
        };
        append_event(
            conn,
            EventKind::ListingChanged,
            Some(&org),
            &title,
            &message,
        )?;
    }
    Ok(())
}

/// Remember the TikTok product and SKU ids of a listing.
pub fn set_listing_remote(
    conn: &Connection,
    listing_id: i64,
    tiktok_product_id: &str,
    skus: &[(i64, String)],
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE listings SET tiktok_product_id = ?2, updated_at = ?3 WHERE id = ?1",
        params![listing_id, tiktok_product_id, now_secs()],
    )?;
    for (variant_row, sku_id) in skus {
        conn.execute(
            "INSERT INTO listing_skus (listing_id, variant_id, tiktok_sku_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (listing_id, variant_id) DO UPDATE SET tiktok_sku_id = excluded.tiktok_sku_id",
            params![listing_id, variant_row, sku_id],
        )?;
    }
    Ok(())
}

/// Record what TikTok now shows for one SKU.
pub fn mark_sku_synced(
    conn: &Connection,
    listing_id: i64,
    variant_row: i64,
    price: Option<Decimal>,
    stock: Option<i64>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE listing_skus SET synced_price = COALESCE(?3, synced_price), synced_stock = COALESCE(?4, synced_stock)
         WHERE listing_id = ?1 AND variant_id = ?2",
        params![listing_id, variant_row, price.map(|p| p.to_string()), stock],
    )?;
    Ok(())
}

/// The store variant behind a seller SKU that is listed (or linked) on this shop.
pub fn listed_variant(
    conn: &Connection,
    shop_id: i64,
    seller_sku: &str,
) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT v.store_variant_id FROM store_variants v
         JOIN listing_skus ls ON ls.variant_id = v.id
         JOIN listings l ON l.id = ls.listing_id
         WHERE l.shop_id = ?1 AND v.sku = ?2 LIMIT 1",
        params![shop_id, seller_sku],
        |r| r.get(0),
    )
    .optional()
}

pub fn count_listings(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT COUNT(*) FROM listings", [], |r| r.get(0))
}

pub fn listing_by_tiktok_product(
    conn: &Connection,
    shop_id: i64,
    tiktok_product_id: &str,
) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM listings WHERE shop_id = ?1 AND tiktok_product_id = ?2",
        params![shop_id, tiktok_product_id],
        |r| r.get(0),
    )
    .optional()
}

// ---------------------------------------------------------------------------------------------
// Listing choices, linking, upload and requirement caches
// ---------------------------------------------------------------------------------------------

/// Outcome of changing a listing before it is on TikTok.
pub enum ListingEdit {
    Done {
        title: String,
    },
    NoSuchListing,
    /// On TikTok (or under review) already: the choice is locked.
    Locked {
        status: ListingStatus,
    },
    /// Seller SKUs that none of the product's variants carry.
    UnknownSkus(Vec<String>),
}

fn listing_head(
    conn: &Connection,
    listing_id: i64,
) -> rusqlite::Result<Option<(ListingStatus, String, String)>> {
    conn.query_row(
        "SELECT l.status, p.title, o.name FROM listings l
         JOIN store_products p ON p.id = l.product_id JOIN organizations o ON o.id = p.org_id
         WHERE l.id = ?1",
        [listing_id],
        |r| {
            let status: String = r.get(0)?;
            Ok((
                ListingStatus::parse(&status).unwrap_or(ListingStatus::NotSynced),
                r.get(1)?,
                r.get(2)?,
            ))
        },
    )
    .optional()
}

fn editable(status: ListingStatus) -> bool {
    matches!(
        status,
        ListingStatus::NotSynced | ListingStatus::FailedToSync
    )
}

/// Remove a listing's category; only before it is listed.
pub fn unmap_category(conn: &Connection, listing_id: i64) -> rusqlite::Result<ListingEdit> {
    let Some((status, title, org)) = listing_head(conn, listing_id)? else {
        return Ok(ListingEdit::NoSuchListing);
    };
    if !editable(status) {
        return Ok(ListingEdit::Locked { status });
    }
    conn.execute(
        "UPDATE listings SET category_id = NULL, category_name = NULL, updated_at = ?2 WHERE id = ?1",
        params![listing_id, now_secs()],
    )?;
    append_event(
        conn,
        EventKind::CategoryMapped,
        Some(&org),
        &title,
        "Category removed.",
    )?;
    Ok(ListingEdit::Done { title })
}

/// Choose which seller SKUs of a product to list (empty = all); only before it is listed.
pub fn select_skus(
    conn: &Connection,
    listing_id: i64,
    seller_skus: &[String],
) -> rusqlite::Result<ListingEdit> {
    let Some((status, title, _)) = listing_head(conn, listing_id)? else {
        return Ok(ListingEdit::NoSuchListing);
    };
    if !editable(status) {
        return Ok(ListingEdit::Locked { status });
    }
    let mut stmt = conn.prepare_cached(
        "SELECT v.sku FROM store_variants v JOIN listings l ON l.product_id = v.product_id
         WHERE l.id = ?1",
    )?;
    let known: Vec<String> = stmt
        .query_map([listing_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let unknown: Vec<String> = seller_skus
        .iter()
        .filter(|sku| !known.contains(sku))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Ok(ListingEdit::UnknownSkus(unknown));
    }
    let mut chosen: Vec<&String> = seller_skus.iter().collect();
    chosen.sort();
    chosen.dedup();
    let json = serde_json::to_string(&chosen).unwrap_or_else(|_| "[]".into());
    conn.execute(
        "UPDATE listings SET selected_skus = ?2, updated_at = ?3 WHERE id = ?1",
        params![listing_id, json, now_secs()],
    )?;
    Ok(ListingEdit::Done { title })
}

/// The TikTok reference of an image already uploaded to this shop for this use.
pub fn uploaded_image(
    conn: &Connection,
    shop_id: i64,
    use_case: &str,
    source_url: &str,
) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT tiktok_ref FROM image_uploads WHERE shop_id = ?1 AND use_case = ?2 AND source_url = ?3",
        params![shop_id, use_case, source_url],
        |r| r.get(0),
    )
    .optional()
}

pub fn remember_uploaded_image(
    conn: &Connection,
    shop_id: i64,
    use_case: &str,
    source_url: &str,
    tiktok_ref: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO image_uploads (shop_id, use_case, source_url, tiktok_ref) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (shop_id, use_case, source_url) DO UPDATE SET tiktok_ref = excluded.tiktok_ref",
        params![shop_id, use_case, source_url, tiktok_ref],
    )?;
    Ok(())
}

/// A category's requirements as cached: (attributes JSON, rules JSON, fetched at, Unix s).
pub fn category_requirements(
    conn: &Connection,
    shop_id: i64,
    category_id: &str,
) -> rusqlite::Result<Option<(String, String, i64)>> {
    conn.query_row(
        "SELECT attributes, rules, fetched_at FROM category_requirements
         WHERE shop_id = ?1 AND category_id = ?2",
        params![shop_id, category_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
}

pub fn save_category_requirements(
    conn: &Connection,
    shop_id: i64,
    category_id: &str,
    attributes: &str,
    rules: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO category_requirements (shop_id, category_id, attributes, rules, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (shop_id, category_id) DO UPDATE SET attributes = excluded.attributes,
             rules = excluded.rules, fetched_at = excluded.fetched_at",
        params![shop_id, category_id, attributes, rules, now_secs()],
    )?;
    Ok(())
}

/// One store product as linking sees it on one shop.
#[derive(Clone, Debug)]
pub struct LinkCandidate {
    pub listing_id: i64,
    pub title: String,
    pub status: ListingStatus,
    pub tiktok_product_id: Option<String>,
    /// (variant row id, seller SKU); SKU-less variants left out.
    pub variants: Vec<(i64, String)>,
}

/// Every listing of a shop with its variants' seller SKUs.
pub fn link_candidates(conn: &Connection, shop_id: i64) -> rusqlite::Result<Vec<LinkCandidate>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, p.title, l.status, l.tiktok_product_id, v.id, v.sku
         FROM listings l JOIN store_products p ON p.id = l.product_id
         JOIN store_variants v ON v.product_id = p.id
         WHERE l.shop_id = ?1 AND trim(v.sku) <> ''
         ORDER BY l.id, v.id",
    )?;
    let rows = stmt.query_map([shop_id], |r| {
        let status: String = r.get(2)?;
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            ListingStatus::parse(&status).unwrap_or(ListingStatus::NotSynced),
            r.get::<_, Option<String>>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    // Sized exactly: a shop of 100k SKUs is read whole, and doubling growth left up to half
    // of each list unused.
    let listings: i64 = conn
        .prepare_cached("SELECT count(*) FROM listings WHERE shop_id = ?1")?
        .query_row([shop_id], |r| r.get(0))?;
    let mut candidates: Vec<LinkCandidate> =
        Vec::with_capacity(usize::try_from(listings).unwrap_or_default());
    for row in rows {
        let (listing_id, title, status, tiktok_product_id, variant, sku) = row?;
        match candidates.last_mut() {
            Some(last) if last.listing_id == listing_id => last.variants.push((variant, sku)),
            _ => candidates.push(LinkCandidate {
                listing_id,
                title,
                status,
                tiktok_product_id,
                variants: vec![(variant, sku)],
            }),
        }
    }
    for candidate in &mut candidates {
        candidate.variants.shrink_to_fit();
    }
    Ok(candidates)
}

/// Link a listing to an existing TikTok product: its id, SKU ids, status, and the linked mark.
/// Synced price/stock are left unknown so the next push sends the store's figures.
pub fn link_listing(
    conn: &Connection,
    listing_id: i64,
    tiktok_product_id: &str,
    skus: &[(i64, String)],
    status: ListingStatus,
    status_reason: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM listing_skus WHERE listing_id = ?1",
        [listing_id],
    )?;
    set_listing_remote(conn, listing_id, tiktok_product_id, skus)?;
    conn.execute(
        "UPDATE listings SET linked = 1, updated_at = ?2 WHERE id = ?1",
        params![listing_id, now_secs()],
    )?;
    set_listing_status(conn, listing_id, status, status_reason, &[])?;
    if let Some((_, title, org)) = listing_head(conn, listing_id)? {
        append_event(
            conn,
            EventKind::ListingChanged,
            Some(&org),
            &title,
            &format!("Linked to TikTok product {tiktok_product_id} ({status})."),
        )?;
    }
    Ok(())
}

/// Listings of these ids that may be submitted again: (id, status).
pub fn listing_statuses(
    conn: &Connection,
    listing_ids: &[i64],
) -> rusqlite::Result<Vec<(i64, ListingStatus)>> {
    let ids = serde_json::to_string(listing_ids).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn.prepare_cached(
        "SELECT id, status FROM listings WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id",
    )?;
    let rows = stmt.query_map([ids], |r| {
        let status: String = r.get(1)?;
        Ok((
            r.get(0)?,
            ListingStatus::parse(&status).unwrap_or(ListingStatus::NotSynced),
        ))
    })?;
    rows.collect()
}
