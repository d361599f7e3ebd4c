//! Category mapping, SKU choice, product detail and re-submission.

use super::{ConsoleServer, internal};
use crate::store::{self, ListingEdit, MappingOutcome};
use crate::sync::attributes;
use crate::sync::catalog;
use crate::sync::description;
use crate::sync::kind;
use feedbridge_common::ListingStatus;
use feedbridge_common::catalog::{MappingReport, ProductDetail};
use feedbridge_common::rpc::RpcError;
use std::collections::HashMap;
use std::time::Duration;

/// Why a mapping was refused, in the merchant's words (None when it was mapped).
fn refusal(outcome: &MappingOutcome, listing_id: i64, category_id: &str) -> Option<String> {
    match outcome {
        MappingOutcome::Mapped { .. } => None,
        MappingOutcome::NoSuchListing => Some(format!("no product listing with id {listing_id}")),
        MappingOutcome::Locked { status } => Some(format!(
            "the category is locked because the product is already on TikTok ({status})"
        )),
        MappingOutcome::NotALeaf => Some(format!(
            "category {category_id} has subcategories; choose one of its leaf categories"
        )),
        MappingOutcome::NotAvailable { category } => Some(format!(
            "TikTok has not opened {category} to this shop; apply for it in TikTok Seller Center or choose another category"
        )),
        MappingOutcome::TreeNotLoaded => Some(
            "this shop's TikTok category tree has not been fetched yet; try again in a moment"
                .into(),
        ),
        MappingOutcome::UnknownCategory => Some(format!(
            "category {category_id} is not in this shop's category tree"
        )),
    }
}

pub async fn map_categories(
    server: &ConsoleServer,
    listing_ids: Vec<i64>,
    category_id: String,
) -> Result<MappingReport, RpcError> {
    let category = category_id.clone();
    let outcomes = server
        .engine
        .store
        .call(move |tx| {
            listing_ids
                .into_iter()
                .map(|id| Ok((id, store::map_category(tx, id, &category)?)))
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .await
        .map_err(internal)?;
    let mut report = MappingReport::default();
    for (listing_id, outcome) in outcomes {
        match refusal(&outcome, listing_id, &category_id) {
            None => report.mapped.push(listing_id),
            Some(reason) => report.refused.push((listing_id, reason)),
        }
    }
    Ok(report)
}

/// The listing's draft, or NotFound naming its id.
pub(super) async fn listing_draft(
    server: &ConsoleServer,
    listing_id: i64,
) -> Result<store::ListingDraft, RpcError> {
    server
        .engine
        .store
        .read(move |conn| store::listing_draft(conn, listing_id))
        .await
        .map_err(internal)?
        .ok_or_else(|| RpcError::NotFound(format!("no product listing with id {listing_id}")))
}

fn edit_result(outcome: ListingEdit, listing_id: i64, done: &str) -> Result<String, RpcError> {
    match outcome {
        ListingEdit::Done { title } => Ok(format!("{title}: {done}")),
        ListingEdit::NoSuchListing => Err(RpcError::NotFound(format!(
            "no product listing with id {listing_id}"
        ))),
        ListingEdit::Locked { status } => Err(RpcError::Conflict(format!(
            "the product is already on TikTok ({status}); this can only change before it is listed"
        ))),
        ListingEdit::UnknownSkus(skus) => Err(RpcError::Invalid(format!(
            "the product has no variant with SKU {}; choose among its variants' SKUs",
            skus.join(", ")
        ))),
    }
}

pub async fn unmap_category(server: &ConsoleServer, listing_id: i64) -> Result<String, RpcError> {
    let outcome = server
        .engine
        .store
        .call(move |conn| store::unmap_category(conn, listing_id))
        .await
        .map_err(internal)?;
    edit_result(outcome, listing_id, "category removed.")
}

pub async fn select_skus(
    server: &ConsoleServer,
    listing_id: i64,
    seller_skus: Vec<String>,
) -> Result<String, RpcError> {
    let done = if seller_skus.is_empty() {
        "every SKU will be listed.".to_owned()
    } else {
        format!("will list {}.", seller_skus.join(", "))
    };
    let outcome = server
        .engine
        .store
        .call(move |conn| store::select_skus(conn, listing_id, &seller_skus))
        .await
        .map_err(internal)?;
    edit_result(outcome, listing_id, &done)
}

pub async fn product_detail(
    server: &ConsoleServer,
    listing_id: i64,
) -> Result<ProductDetail, RpcError> {
    let found = server
        .engine
        .store
        .call(move |conn| {
            let Some(view) = store::product_view(conn, listing_id)? else {
                return Ok(None);
            };
            let Some(draft) = store::listing_draft(conn, listing_id)? else {
                return Ok(None);
            };
            let settings = store::shop_settings(conn, draft.shop_id)?;
            let converted = description::convert(&draft.description_html);
            let mut uploaded = HashMap::new();
            for url in converted.image_urls() {
                if let Some(hosted) =
                    store::uploaded_image(conn, draft.shop_id, "DESCRIPTION_IMAGE", &url)?
                {
                    uploaded.insert(url, hosted);
                }
            }
            let description = catalog::render_description(&converted, &uploaded, &draft.title);
            Ok(Some((view, draft, settings, description)))
        })
        .await
        .map_err(internal)?;
    let Some((product, draft, settings, description)) = found else {
        return Err(RpcError::NotFound(format!(
            "no product listing with id {listing_id}"
        )));
    };
    let package = catalog::package_facts(&settings, &catalog::listed_variants(&draft));
    let compliance = super::compliance::listing_view(server, &draft).await?;
    // What TikTok will refuse, when the category's requirements can be read (cache or TikTok).
    let mut missing_attributes = Vec::new();
    if let (Some(category), Some((_, shop))) = (
        draft.category_id.as_deref(),
        server.engine.shop(draft.shop_id),
    ) && let Ok(requirements) = catalog::requirements(
        &server.engine,
        shop.connection,
        shop.client.as_ref(),
        category,
    )
    .await
    {
        let (listing, defaults, rules) =
            catalog::chosen_attributes(&server.engine, &draft, category)
                .await
                .map_err(|failure| RpcError::Internal(failure.reason))?;
        let chosen = attributes::Chosen {
            listing: &listing,
            category_defaults: &defaults,
            rules: &rules,
        };
        let variants = catalog::listed_variants(&draft);
        let store_side = attributes::StoreSide {
            variants: &variants,
            facts: Some(&draft.facts),
        };
        let fields = attributes::resolve(&requirements.attributes, &chosen, &store_side);
        let (missing, refused) = attributes::blockers(&fields);
        missing_attributes.extend(missing);
        missing_attributes.extend(refused);
        let provided = crate::sync::compliance::Provided {
            choices: &compliance.effective,
            shop: &compliance.shop,
        };
        // Compliance gaps show in their own section, not twice.
        missing_attributes.extend(
            catalog::unmet_rules(&requirements.rules, &package, &provided)
                .into_iter()
                .filter(|item| !compliance.missing.contains(item)),
        );
    }
    Ok(ProductDetail {
        product,
        description,
        package,
        selected_skus: draft.selected_skus,
        linked: draft.linked,
        missing_attributes,
        compliance,
    })
}

pub async fn resubmit(server: &ConsoleServer, listing_ids: Vec<i64>) -> Result<u32, RpcError> {
    if server.draining.is_cancelled() {
        return Err(RpcError::ShuttingDown);
    }
    let queued = server
        .engine
        .store
        .call(move |tx| {
            let mut queued = Vec::new();
            for (id, status) in store::listing_statuses(tx, &listing_ids)? {
                match status {
                    // Back to the start: the failure reason is cleared and every check reruns.
                    ListingStatus::FailedToSync => {
                        store::set_listing_status(tx, id, ListingStatus::NotSynced, None, &[])?;
                        queued.push(id);
                    }
                    // Stays "Failed review" until the edit is sent; then "Under review".
                    ListingStatus::FailedReview => queued.push(id),
                    _ => {}
                }
            }
            Ok(queued)
        })
        .await
        .map_err(internal)?;
    let count = u32::try_from(queued.len()).unwrap_or(u32::MAX);
    server
        .engine
        .enqueue_many(kind::LIST_PRODUCT, queued, Duration::ZERO)
        .await
        .map_err(internal)?;
    Ok(count)
}
