//! Brand, size chart, certifications and EU operators: reading, choosing (per listing or as a
//! shop category's default), TikTok's brand list and category recommendation.

use super::orders::shop_connection;
use super::{ConsoleServer, internal};
use crate::store;
use crate::sync::{ShopRuntime, catalog, compliance};
use feedbridge_common::CategoryRef;
use feedbridge_common::compliance::{
    BrandChoice, BrandView, ComplianceChange, ComplianceTarget, ComplianceView, DocumentKind,
    NewOperator, OperatorRole, ShopCompliance, SizeChartChoice, SizeChartTemplate,
};
use feedbridge_common::regions;
use feedbridge_common::rpc::RpcError;
use std::sync::Arc;

fn tiktok_error(error: &crate::connector::ConnectorError) -> RpcError {
    RpcError::Conflict(format!("TikTok Shop did not answer as expected: {error}"))
}

fn shop_runtime(server: &ConsoleServer, connection: i64) -> Result<Arc<ShopRuntime>, RpcError> {
    server
        .engine
        .orgs
        .iter()
        .flat_map(|o| o.shops.iter())
        .find(|s| s.connection == connection)
        .cloned()
        .ok_or_else(|| RpcError::NotFound("this TikTok shop is no longer configured".into()))
}

fn shop_named(server: &ConsoleServer, shop: &str) -> Result<Arc<ShopRuntime>, RpcError> {
    let connection = shop_connection(server, shop)?;
    shop_runtime(server, connection)
}

pub async fn compliance(
    server: &ConsoleServer,
    listing_id: i64,
) -> Result<ComplianceView, RpcError> {
    let draft = super::listing::listing_draft(server, listing_id).await?;
    listing_view(server, &draft).await
}

/// A listing's compliance view (also part of its product detail).
pub async fn listing_view(
    server: &ConsoleServer,
    draft: &store::ListingDraft,
) -> Result<ComplianceView, RpcError> {
    let shop_id = draft.shop_id;
    let (listing, default, shop) = compliance::stored(
        &server.engine,
        draft.listing_id,
        shop_id,
        draft.category_id.clone(),
    )
    .await
    .map_err(internal)?;
    // The rules when they can be read (cache or TikTok); without them only the market's needs.
    let rules = match (draft.category_id.as_deref(), server.engine.shop(shop_id)) {
        (Some(category), Some((_, runtime))) => {
            catalog::requirements(&server.engine, shop_id, runtime.client.as_ref(), category)
                .await
                .ok()
                .map(|r| r.rules)
        }
        _ => None,
    };
    let region = server
        .engine
        .store
        .read(move |conn| store::connection_region(conn, shop_id))
        .await
        .map_err(internal)?;
    let region_missing: Vec<String> = region
        .as_deref()
        .and_then(regions::region)
        .map(|r| {
            r.listing_requires
                .iter()
                .filter(|c| !shop.has(**c))
                .map(|c| c.describe().to_owned())
                .collect()
        })
        .unwrap_or_default();
    Ok(compliance::view(
        listing,
        default,
        shop,
        rules.as_ref(),
        region_missing,
    ))
}

/// A document source must name a file TikTok takes; a local one must be absolute, readable
/// by the daemon and really of its kind (a URL is read when the listing is sent).
async fn check_source(source: &str, images_only: bool) -> Result<(), RpcError> {
    let kind = DocumentKind::of(source).map_err(RpcError::Invalid)?;
    if images_only && kind != DocumentKind::Image {
        return Err(RpcError::Invalid(format!(
            "{source} is not an image; a size chart is a JPG, PNG, WEBP, HEIC or BMP image (or template:ID)"
        )));
    }
    if source.starts_with("http://") || source.starts_with("https://") {
        return Ok(());
    }
    if source.contains("://") {
        return Err(RpcError::Invalid(format!(
            "{source}: only http(s) URLs and file paths are read"
        )));
    }
    let bytes = compliance::read_local(source)
        .await
        .map_err(RpcError::Invalid)?;
    compliance::check_content(kind, &bytes)
        .map_err(|why| RpcError::Invalid(format!("{source} cannot go to TikTok: {why}")))
}

pub async fn set_compliance(
    server: &ConsoleServer,
    target: ComplianceTarget,
    change: ComplianceChange,
) -> Result<String, RpcError> {
    // Where the change lands: the shop connection, its category, and a name for the answer.
    let (connection, category, subject) = match &target {
        ComplianceTarget::Listing { listing_id } => {
            let listing_id = *listing_id;
            let draft = super::listing::listing_draft(server, listing_id).await?;
            (draft.shop_id, draft.category_id, draft.title)
        }
        ComplianceTarget::Category { shop, category_id } => (
            shop_connection(server, shop)?,
            Some(category_id.clone()),
            format!("{shop} category {category_id} (default)"),
        ),
    };
    let change = checked(server, connection, category.as_deref(), change).await?;
    let done = describe(&change);
    match target {
        ComplianceTarget::Listing { listing_id } => {
            server
                .engine
                .store
                .call(move |conn| {
                    let mut choices = store::listing_compliance(conn, listing_id)?;
                    choices.apply(change);
                    store::set_listing_compliance(conn, listing_id, &choices)
                })
                .await
                .map_err(internal)?;
        }
        ComplianceTarget::Category { category_id, .. } => {
            server
                .engine
                .store
                .call(move |conn| {
                    let mut choices = store::category_compliance(conn, connection, &category_id)?;
                    choices.apply(change);
                    store::set_category_compliance(conn, connection, &category_id, &choices)
                })
                .await
                .map_err(internal)?;
        }
    }
    Ok(format!("{subject}: {done}"))
}

fn describe(change: &ComplianceChange) -> String {
    match change {
        ComplianceChange::Brand { brand: Some(b) } => format!("brand set to {}.", b.label()),
        ComplianceChange::Brand { brand: None } => "brand back to the category's default.".into(),
        ComplianceChange::SizeChart {
            size_chart: Some(c),
        } => format!("size chart set to {}.", c.label()),
        ComplianceChange::SizeChart { size_chart: None } => {
            "size chart back to the category's default.".into()
        }
        ComplianceChange::Certification { id, sources } if sources.is_empty() => {
            format!("certification {id} removed.")
        }
        ComplianceChange::Certification { id, sources } => {
            format!("certification {id} set to {}.", sources.join(", "))
        }
    }
}

/// The change as it will be stored: brands looked up on TikTok (named as TikTok names them),
/// documents and certification ids checked.
async fn checked(
    server: &ConsoleServer,
    connection: i64,
    category: Option<&str>,
    change: ComplianceChange,
) -> Result<ComplianceChange, RpcError> {
    match change {
        ComplianceChange::Brand {
            brand: Some(BrandChoice::Brand { id, .. }),
        } => {
            let runtime = shop_runtime(server, connection)?;
            let brands = runtime
                .client
                .brands(category, "")
                .await
                .map_err(|e| tiktok_error(&e))?;
            let Some(brand) = brands.into_iter().find(|b| b.id == id.trim()) else {
                return Err(RpcError::Invalid(format!(
                    "brand {id} is not one of {}'s TikTok brands{}; list them with `feedbridge brands {}`",
                    runtime.name,
                    category
                        .map(|c| format!(" for category {c}"))
                        .unwrap_or_default(),
                    runtime.name
                )));
            };
            if !brand.authorized {
                return Err(RpcError::Invalid(format!(
                    "TikTok has not authorized the brand {} for {}; apply for it in TikTok Seller Center, or choose none",
                    brand.name, runtime.name
                )));
            }
            Ok(ComplianceChange::Brand {
                brand: Some(BrandChoice::Brand {
                    id: brand.id,
                    name: brand.name,
                }),
            })
        }
        ComplianceChange::SizeChart {
            size_chart: Some(SizeChartChoice::Image { source }),
        } => {
            check_source(&source, true).await?;
            Ok(ComplianceChange::SizeChart {
                size_chart: Some(SizeChartChoice::Image { source }),
            })
        }
        ComplianceChange::Certification { id, sources } => {
            for source in &sources {
                check_source(source, false).await?;
            }
            if let (Some(category), Ok(runtime)) = (category, shop_runtime(server, connection))
                && let Ok(requirements) = catalog::requirements(
                    &server.engine,
                    connection,
                    runtime.client.as_ref(),
                    category,
                )
                .await
                && !sources.is_empty()
                && !requirements.rules.certifications.iter().any(|c| c.id == id)
            {
                let known: Vec<String> = requirements
                    .rules
                    .certifications
                    .iter()
                    .map(|c| format!("{} ({})", c.id, c.name))
                    .collect();
                return Err(RpcError::Invalid(format!(
                    "category {category} has no certification {id}; it asks for {}",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                )));
            }
            Ok(ComplianceChange::Certification { id, sources })
        }
        other => Ok(other),
    }
}

pub async fn brands(
    server: &ConsoleServer,
    shop: String,
    category_id: Option<String>,
    search: String,
) -> Result<Vec<BrandView>, RpcError> {
    let runtime = shop_named(server, &shop)?;
    runtime
        .client
        .brands(category_id.as_deref(), &search)
        .await
        .map_err(|e| tiktok_error(&e))
}

pub async fn size_chart_templates(
    server: &ConsoleServer,
    shop: String,
    search: String,
) -> Result<Vec<SizeChartTemplate>, RpcError> {
    let runtime = shop_named(server, &shop)?;
    runtime
        .client
        .size_chart_templates(&search)
        .await
        .map_err(|e| tiktok_error(&e))
}

pub async fn recommend_category(
    server: &ConsoleServer,
    shop: String,
    title: String,
) -> Result<CategoryRef, RpcError> {
    if title.trim().is_empty() {
        return Err(RpcError::Invalid(
            "give a product title to recommend a category for".into(),
        ));
    }
    let runtime = shop_named(server, &shop)?;
    let id = runtime
        .client
        .recommend_category(title.trim())
        .await
        .map_err(|e| tiktok_error(&e))?;
    let connection = runtime.connection;
    let known = server
        .engine
        .store
        .read({
            let id = id.clone();
            move |conn| store::category_ref(conn, connection, &id)
        })
        .await
        .map_err(internal)?;
    Ok(known.unwrap_or(CategoryRef {
        name: format!("category {id}"),
        id,
    }))
}

pub async fn shop_compliance(
    server: &ConsoleServer,
    shop: String,
) -> Result<ShopCompliance, RpcError> {
    let connection = shop_connection(server, &shop)?;
    server
        .engine
        .store
        .read(move |conn| store::shop_compliance(conn, connection))
        .await
        .map_err(internal)
}

fn clean_ids(ids: Vec<String>, what: &str) -> Result<Vec<String>, RpcError> {
    let mut clean: Vec<String> = Vec::new();
    for id in ids {
        let id = id.trim().to_owned();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(RpcError::Invalid(format!(
                "{what} id {id:?} is not a TikTok id; find it in TikTok Seller Center or register one with `feedbridge compliance SHOP create`"
            )));
        }
        if !clean.contains(&id) {
            clean.push(id);
        }
    }
    Ok(clean)
}

pub async fn set_shop_compliance(
    server: &ConsoleServer,
    shop: String,
    compliance: ShopCompliance,
) -> Result<String, RpcError> {
    let connection = shop_connection(server, &shop)?;
    let compliance = ShopCompliance {
        manufacturer_ids: clean_ids(compliance.manufacturer_ids, "manufacturer")?,
        responsible_person_ids: clean_ids(compliance.responsible_person_ids, "responsible person")?,
    };
    let summary = format!(
        "{shop}: manufacturer {}, responsible person {}.",
        or_none(&compliance.manufacturer_ids),
        or_none(&compliance.responsible_person_ids)
    );
    server
        .engine
        .store
        .call(move |conn| store::set_shop_compliance(conn, connection, &compliance))
        .await
        .map_err(internal)?;
    Ok(summary)
}

fn or_none(ids: &[String]) -> String {
    if ids.is_empty() {
        "none".into()
    } else {
        ids.join(", ")
    }
}

pub async fn create_operator(
    server: &ConsoleServer,
    shop: String,
    role: OperatorRole,
    operator: NewOperator,
) -> Result<String, RpcError> {
    let blanks: Vec<&str> = [
        ("name", &operator.name),
        ("email", &operator.email),
        ("phone country code", &operator.phone_country_code),
        ("phone number", &operator.phone_number),
        ("street", &operator.street),
        ("city", &operator.city),
        ("postal code", &operator.postal_code),
        ("country", &operator.country),
        ("locale", &operator.locale),
    ]
    .into_iter()
    .filter(|(_, value)| value.trim().is_empty())
    .map(|(name, _)| name)
    .collect();
    if !blanks.is_empty() {
        return Err(RpcError::Invalid(format!(
            "the {} needs: {}",
            role.label(),
            blanks.join(", ")
        )));
    }
    let runtime = shop_named(server, &shop)?;
    let id = runtime
        .client
        .create_operator(role, &operator)
        .await
        .map_err(|e| tiktok_error(&e))?;
    let connection = runtime.connection;
    let saved = id.clone();
    server
        .engine
        .store
        .call(move |conn| {
            let mut compliance = store::shop_compliance(conn, connection)?;
            match role {
                OperatorRole::Manufacturer => compliance.manufacturer_ids = vec![saved],
                OperatorRole::ResponsiblePerson => compliance.responsible_person_ids = vec![saved],
            }
            store::set_shop_compliance(conn, connection, &compliance)
        })
        .await
        .map_err(internal)?;
    Ok(id)
}
