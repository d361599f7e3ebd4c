//! Linking store products to products already on TikTok, by seller SKU.
//!
//! A preview reads the shop's whole TikTok catalog and sorts every TikTok product into a match
//! (all its SKUs are variants of exactly one store product, free to link), a miss (none of its
//! SKUs is in the store) or conflicts (ambiguous or already taken). Nothing changes until the
//! merchant applies it; applying links only the matches of a fresh preview.

use super::product_status::{Standing, standing_from_tiktok};
use super::{Engine, StepFailure, StepResult, kind};
use crate::connector::{ConnectorError, ConnectorResult, ShopProduct, TikTokShop};
use crate::store::{self, LinkCandidate, StoreError};
use feedbridge_common::catalog::{LinkConflict, LinkMatch, LinkMiss, LinkPreview};
use feedbridge_common::{EventKind, FailureKind, ListingStatus};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tracing::info;

/// Pages of the shop catalog read before giving up (100 products each).
const MAX_CATALOG_PAGES: usize = 1_000;
/// Times one catalog page is asked again after TikTok refuses it for its rate: the daemon's
/// own stock pushes share the shop's rate, so a merchant's preview must not fail on them.
const THROTTLED_PAGE_TRIES: u32 = 8;
/// The pause after a refusal that names none.
const THROTTLED_PAUSE: Duration = Duration::from_secs(1);

/// One link to make: a listing, its TikTok product and status, and SKU ids by variant row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedLink {
    pub listing_id: i64,
    pub tiktok_product_id: String,
    pub status: ListingStatus,
    /// Why it is not live, for Synced (not live).
    pub status_reason: Option<String>,
    /// (store variant row, TikTok SKU id)
    pub skus: Vec<(i64, String)>,
}

/// What a preview reports besides the links to make and the conflicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    /// Matches and misses too, for the merchant to read (`feedbridge link preview`).
    Full,
    /// Only what linking needs: adoption and `link apply` of a 100k-SKU catalog keep no
    /// copy of each match for a report nobody reads.
    LinksOnly,
}

/// Read the shop's catalog a page at a time (any status but deleted) and sort it against
/// the store's candidates: only the matches are kept, so memory follows the store's catalog
/// and the matches, not the size of the TikTok shop.
pub async fn preview_shop(
    client: &dyn TikTokShop,
    shop: &str,
    candidates: &[LinkCandidate],
    report: Report,
) -> ConnectorResult<(LinkPreview, Vec<PlannedLink>)> {
    let mut preview = Preview::new(shop, candidates, report);
    let mut cursor = None;
    for _ in 0..MAX_CATALOG_PAGES {
        let page = shop_page(client, cursor.take()).await?;
        for product in page.items.into_iter().filter(|p| p.status != "DELETED") {
            preview.add(product);
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(preview.finish()),
        }
    }
    Err(ConnectorError::Retryable {
        reason: format!(
            "the TikTok catalog did not end within {MAX_CATALOG_PAGES} pages; try again later"
        ),
        raw: String::new(),
        retry_after: None,
    })
}

/// One catalog page, waiting out TikTok's rate refusals a few times.
async fn shop_page(
    client: &dyn TikTokShop,
    cursor: Option<String>,
) -> ConnectorResult<crate::connector::Page<ShopProduct>> {
    let mut refused = 0;
    loop {
        match client.shop_products(cursor.clone()).await {
            Err(ConnectorError::Throttled { retry_after, .. })
                if refused < THROTTLED_PAGE_TRIES =>
            {
                refused += 1;
                tokio::time::sleep(retry_after.unwrap_or(THROTTLED_PAUSE)).await;
            }
            page => return page,
        }
    }
}

/// Make the links of a preview; linked SKUs take the store's stock (and price once active)
/// from now on, and orders held back on SKUs that were not linked may go. Returns the
/// listings linked.
pub async fn apply(engine: &Engine, planned: Vec<PlannedLink>) -> Result<Vec<i64>, StoreError> {
    let (linked, blocked) = engine
        .store
        .call(move |tx| {
            let mut linked = Vec::new();
            for link in planned {
                store::link_listing(
                    tx,
                    link.listing_id,
                    &link.tiktok_product_id,
                    &link.skus,
                    link.status,
                    link.status_reason.as_deref(),
                )?;
                linked.push(link.listing_id);
            }
            let blocked = if linked.is_empty() {
                Vec::new()
            } else {
                store::blocked_orders(tx)?
            };
            Ok((linked, blocked))
        })
        .await?;
    engine
        .enqueue_many(kind::PUSH_STOCK, linked.clone(), Duration::ZERO)
        .await?;
    engine
        .enqueue_many(kind::ORDER_SYNC, blocked, Duration::ZERO)
        .await?;
    Ok(linked)
}

/// Adoption of a shop's catalog, once per database: on the first catalog read, products
/// already on TikTok whose seller SKUs are exactly a store product's are linked to it (they
/// were listed from this store before, by feedbridge or by hand), so a new or lost database
/// neither lists them again nor shows them as not synced. Ambiguous ones stay for the
/// merchant (`feedbridge link preview`).
pub async fn adopt_catalog(engine: &Engine, connection: i64) -> StepResult {
    let Some((org, shop)) = engine.shop(connection) else {
        return Ok(());
    };
    let adopted = engine
        .store
        .call(move |conn| store::catalog_adopted(conn, connection))
        .await?;
    if adopted || shop.tokens.waiting().is_some() || shop.tokens.blocked().is_some() {
        return Ok(());
    }
    let candidates = engine
        .store
        .call(move |conn| store::link_candidates(conn, connection))
        .await?;
    let (report, planned) = preview_shop(
        shop.client.as_ref(),
        &shop.name,
        &candidates,
        Report::LinksOnly,
    )
    .await
    .map_err(|e| {
        StepFailure::from_connector(
            FailureKind::Listing,
            &org.name,
            format!("TikTok shop {} catalog", shop.name),
            "TikTok Shop",
            &e,
        )
    })?;
    let linked = apply(engine, planned).await?.len();
    let conflicts = report.conflicts.len();
    let message = format!(
        "Linked {linked} product(s) already on TikTok shop {} by seller SKU{}.",
        shop.name,
        if conflicts > 0 {
            format!(
                "; {conflicts} need a decision (feedbridge link preview {})",
                shop.name
            )
        } else {
            String::new()
        }
    );
    info!(shop = %shop.name, linked, conflicts, "Adopted the products already on TikTok.");
    let (org_name, shop_name) = (org.name.clone(), shop.name.clone());
    engine
        .store
        .call(move |tx| {
            store::mark_catalog_adopted(tx, connection, linked)?;
            store::append_event(
                tx,
                EventKind::ListingChanged,
                Some(&org_name),
                &shop_name,
                &message,
            )
        })
        .await
        .map_err(StepFailure::from)
}

/// The listing's status and reason once linked to a TikTok product in `status`. A status
/// feedbridge does not know links as Synced (not live) with a reason saying so, in sight of
/// the merchant (the review check records it as a failure too).
fn linked_standing(status: &str) -> Standing {
    standing_from_tiktok(status).unwrap_or_else(|unknown| Standing {
        status: ListingStatus::Unlisted,
        reason: Some(unknown),
    })
}

fn sku_list(skus: &[(String, String)]) -> String {
    skus.iter()
        .map(|(sku, _)| sku.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A TikTok product fully matching a store product: what linking needs of it.
struct Claim {
    tiktok_product_id: String,
    title: String,
    status: String,
    /// (store variant row, TikTok SKU id)
    skus: Vec<(i64, String)>,
}

/// The store variants carrying each seller SKU: one sorted list rather than a map of lists
/// (a 100k-SKU catalog's index took 14 MB as a `BTreeMap` of `Vec`s, 3 MB this way).
struct SkuIndex<'a>(Vec<SkuHolder<'a>>);

/// A store variant carrying a seller SKU: the SKU, its candidate's index, its variant row.
type SkuHolder<'a> = (&'a str, usize, i64);

impl<'a> SkuIndex<'a> {
    fn new(candidates: &'a [LinkCandidate]) -> Self {
        let mut holders: Vec<SkuHolder<'a>> = candidates
            .iter()
            .enumerate()
            .flat_map(|(index, candidate)| {
                candidate
                    .variants
                    .iter()
                    .map(move |(row, sku)| (sku.as_str(), index, *row))
            })
            .collect();
        holders.sort_unstable();
        Self(holders)
    }

    /// The store variants carrying `sku` (empty when none does).
    fn holders(&self, sku: &str) -> &[SkuHolder<'a>] {
        let start = self.0.partition_point(|(held, _, _)| *held < sku);
        let end = start + self.0[start..].partition_point(|(held, _, _)| *held == sku);
        &self.0[start..end]
    }
}

/// Sorts TikTok products, one at a time, into matches, misses and conflicts; changes nothing.
pub struct Preview<'a> {
    candidates: &'a [LinkCandidate],
    by_sku: SkuIndex<'a>,
    /// TikTok products already linked (or listed by us).
    on_tiktok: BTreeSet<&'a str>,
    report: LinkPreview,
    reported_skus: BTreeSet<String>,
    /// (candidate index, a TikTok product that fully matches it), in the order seen
    claims: Vec<(usize, Claim)>,
    detail: Report,
}

impl<'a> Preview<'a> {
    pub fn new(shop: &str, candidates: &'a [LinkCandidate], detail: Report) -> Self {
        Self {
            candidates,
            by_sku: SkuIndex::new(candidates),
            on_tiktok: candidates
                .iter()
                .filter_map(|c| c.tiktok_product_id.as_deref())
                .collect(),
            report: LinkPreview {
                shop: shop.to_owned(),
                ..LinkPreview::default()
            },
            reported_skus: BTreeSet::new(),
            claims: Vec::new(),
            detail,
        }
    }

    /// Sort one TikTok product.
    pub fn add(&mut self, product: ShopProduct) {
        let candidates = self.candidates;
        // Each TikTok SKU with the store variants carrying it, looked up once.
        let held: Vec<(&(String, String), &[SkuHolder<'a>])> = product
            .skus
            .iter()
            .map(|pair| (pair, self.by_sku.holders(&pair.0)))
            .collect();
        let in_store: Vec<&(&(String, String), &[SkuHolder<'a>])> = held
            .iter()
            .filter(|(_, holders)| !holders.is_empty())
            .collect();
        if in_store.is_empty() {
            if self.detail == Report::Full {
                self.report.misses.push(LinkMiss {
                    tiktok_product_id: product.id.clone(),
                    tiktok_title: product.title.clone(),
                    seller_skus: product.skus.iter().map(|(sku, _)| sku.clone()).collect(),
                });
            }
            return;
        }
        // Already linked (or listed by us) to exactly this product: nothing to do.
        if self.on_tiktok.contains(product.id.as_str()) {
            return;
        }
        let mut ambiguous = false;
        for ((sku, _), holders) in &in_store {
            if holders.len() > 1 {
                ambiguous = true;
                if self.reported_skus.insert(sku.clone()) {
                    self.report.conflicts.push(LinkConflict {
                        seller_sku: sku.clone(),
                        reason: format!("{} store variants carry this SKU", holders.len()),
                        candidates: holders
                            .iter()
                            .map(|(_, index, _)| candidates[*index].title.clone())
                            .collect(),
                    });
                }
            }
        }
        if ambiguous {
            return;
        }
        let owners: BTreeSet<usize> = in_store.iter().map(|(_, holders)| holders[0].1).collect();
        if owners.len() > 1 {
            self.report.conflicts.push(LinkConflict {
                seller_sku: sku_list(&product.skus),
                reason: format!(
                    "TikTok product \"{}\" is split across {} store products",
                    product.title,
                    owners.len()
                ),
                candidates: owners
                    .iter()
                    .map(|index| candidates[*index].title.clone())
                    .collect(),
            });
            return;
        }
        let owner = *owners.iter().next().unwrap_or(&0);
        let candidate = &candidates[owner];
        if in_store.len() < product.skus.len() {
            let absent: Vec<(String, String)> = held
                .iter()
                .filter(|(_, holders)| holders.is_empty())
                .map(|(pair, _)| (*pair).clone())
                .collect();
            self.report.conflicts.push(LinkConflict {
                seller_sku: sku_list(&absent),
                reason: format!(
                    "TikTok product \"{}\" has SKUs that \"{}\" lacks in the store",
                    product.title, candidate.title
                ),
                candidates: vec![candidate.title.clone(), product.title.clone()],
            });
            return;
        }
        if let Some(other) = &candidate.tiktok_product_id {
            self.report.conflicts.push(LinkConflict {
                seller_sku: sku_list(&product.skus),
                reason: format!(
                    "\"{}\" is already on TikTok as product {other} ({})",
                    candidate.title, candidate.status
                ),
                candidates: vec![candidate.title.clone(), product.title.clone()],
            });
            return;
        }
        // Every SKU is held by exactly one variant of `owner` here.
        let skus: Vec<(i64, String)> = held
            .iter()
            .map(|((_, id), holders)| (holders[0].2, id.clone()))
            .collect();
        self.claims.push((
            owner,
            Claim {
                tiktok_product_id: product.id,
                title: product.title,
                status: product.status,
                skus,
            },
        ));
    }

    /// The report and the links to make: a store product claimed by one TikTok product.
    pub fn finish(self) -> (LinkPreview, Vec<PlannedLink>) {
        let Self {
            candidates,
            mut report,
            mut claims,
            detail,
            ..
        } = self;
        // Stable: each store product's claims stay in the order TikTok listed them.
        claims.sort_by_key(|(owner, _)| *owner);
        let mut claims = claims.into_iter().peekable();
        let mut planned = Vec::new();
        while let Some((owner, first)) = claims.next() {
            let mut products = vec![first];
            while let Some((_, claim)) = claims.next_if(|(next, _)| *next == owner) {
                products.push(claim);
            }
            let candidate = &candidates[owner];
            if products.len() > 1 {
                report.conflicts.push(LinkConflict {
                    seller_sku: candidate
                        .variants
                        .iter()
                        .map(|(_, sku)| sku.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    reason: format!(
                        "{} TikTok products carry the SKUs of \"{}\"",
                        products.len(),
                        candidate.title
                    ),
                    candidates: products.into_iter().map(|claim| claim.title).collect(),
                });
                continue;
            }
            let Some(claim) = products.into_iter().next() else {
                continue;
            };
            if detail == Report::Full {
                let by_row: BTreeMap<i64, &str> = candidate
                    .variants
                    .iter()
                    .map(|(row, sku)| (*row, sku.as_str()))
                    .collect();
                report.matches.push(LinkMatch {
                    listing_id: candidate.listing_id,
                    title: candidate.title.clone(),
                    tiktok_product_id: claim.tiktok_product_id.clone(),
                    tiktok_title: claim.title,
                    skus: claim
                        .skus
                        .iter()
                        .map(|(row, id)| {
                            (
                                by_row.get(row).copied().unwrap_or_default().to_owned(),
                                id.clone(),
                            )
                        })
                        .collect(),
                });
            }
            let standing = linked_standing(&claim.status);
            planned.push(PlannedLink {
                listing_id: candidate.listing_id,
                tiktok_product_id: claim.tiktok_product_id,
                status: standing.status,
                status_reason: standing.reason,
                skus: claim.skus,
            });
        }
        (report, planned)
    }
}

/// Sort a whole list of TikTok products at once (the tests' view of [`Preview`]).
#[cfg(test)]
fn preview(
    shop: &str,
    candidates: &[LinkCandidate],
    remote: &[ShopProduct],
) -> (LinkPreview, Vec<PlannedLink>) {
    let mut preview = Preview::new(shop, candidates, Report::Full);
    for product in remote {
        preview.add(product.clone());
    }
    preview.finish()
}

/// Why a listing cannot be linked by hand to this TikTok product, or the SKUs to link.
pub fn manual_link(
    candidate: &LinkCandidate,
    all: &[LinkCandidate],
    product_id: &str,
    status: &str,
    remote_skus: &[(String, String)],
) -> Result<PlannedLink, String> {
    if status == "DELETED" {
        return Err(format!(
            "TikTok product {product_id} is deleted; recover it in TikTok Seller Center first"
        ));
    }
    if let Some(existing) = &candidate.tiktok_product_id {
        if existing == product_id {
            return Err(format!(
                "\"{}\" is already linked to TikTok product {product_id}",
                candidate.title
            ));
        }
        return Err(format!(
            "\"{}\" is already on TikTok as product {existing} ({}); it cannot point at two products",
            candidate.title, candidate.status
        ));
    }
    if let Some(other) = all
        .iter()
        .find(|c| c.tiktok_product_id.as_deref() == Some(product_id))
    {
        return Err(format!(
            "TikTok product {product_id} is already linked to \"{}\"",
            other.title
        ));
    }
    let skus: Vec<(i64, String)> = remote_skus
        .iter()
        .filter_map(|(sku, id)| {
            candidate
                .variants
                .iter()
                .find(|(_, own)| own == sku)
                .map(|(row, _)| (*row, id.clone()))
        })
        .collect();
    if skus.is_empty() {
        let theirs = sku_list(remote_skus);
        return Err(format!(
            "none of TikTok product {product_id}'s seller SKUs ({}) is an SKU of \"{}\"; give the store variants the same SKUs first",
            if theirs.is_empty() { "none" } else { &theirs },
            candidate.title
        ));
    }
    let standing = linked_standing(status);
    Ok(PlannedLink {
        listing_id: candidate.listing_id,
        tiktok_product_id: product_id.to_owned(),
        status: standing.status,
        status_reason: standing.reason,
        skus,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: i64, title: &str, skus: &[&str]) -> LinkCandidate {
        LinkCandidate {
            listing_id: id,
            title: title.into(),
            status: ListingStatus::NotSynced,
            tiktok_product_id: None,
            variants: skus
                .iter()
                .enumerate()
                .map(|(i, s)| (id * 100 + i64::try_from(i).unwrap(), (*s).to_owned()))
                .collect(),
        }
    }

    fn remote(id: &str, title: &str, skus: &[&str]) -> ShopProduct {
        ShopProduct {
            id: id.into(),
            title: title.into(),
            status: "ACTIVATE".into(),
            skus: skus
                .iter()
                .map(|s| ((*s).to_owned(), format!("sku-{s}")))
                .collect(),
        }
    }

    #[test]
    fn the_sku_index_finds_every_holder_of_a_sku_and_only_them() {
        let store = [
            candidate(1, "Tee", &["TEE-S", "TEE-M"]),
            candidate(2, "Tee copy", &["TEE-S"]),
            candidate(3, "Mug", &["MUG"]),
        ];
        let index = SkuIndex::new(&store);
        let holders = |sku: &str| -> Vec<(usize, i64)> {
            index
                .holders(sku)
                .iter()
                .map(|(_, at, row)| (*at, *row))
                .collect()
        };
        assert_eq!(holders("TEE-S"), vec![(0, 100), (1, 200)]);
        assert_eq!(holders("TEE-M"), vec![(0, 101)]);
        assert_eq!(holders("MUG"), vec![(2, 300)]);
        // Neither a prefix nor an extension of a held SKU, nor one past the end.
        assert!(index.holders("TEE").is_empty());
        assert!(index.holders("MUG-2").is_empty());
        assert!(index.holders("ZZZ").is_empty());
        assert!(index.holders("").is_empty());
    }

    #[test]
    fn sorts_matches_misses_and_conflicts() {
        let store = vec![
            candidate(1, "Tee", &["TEE-S", "TEE-M"]),
            candidate(2, "Mug", &["MUG"]),
            candidate(3, "Cap A", &["CAP"]),
            candidate(4, "Cap B", &["CAP"]),
            candidate(5, "Sock", &["SOCK"]),
            candidate(6, "Bag", &["BAG"]),
        ];
        let tiktok = vec![
            remote("t1", "TikTok Tee", &["TEE-S", "TEE-M"]),
            remote("t2", "Unknown", &["NOPE"]),
            remote("t3", "Cap", &["CAP"]),
            remote("t4", "Mug and sock", &["MUG", "SOCK"]),
            remote("t5", "Bag plus", &["BAG", "BAG-XL"]),
        ];
        let (report, planned) = preview("shop", &store, &tiktok);
        assert_eq!(report.matches.len(), 1);
        assert_eq!(report.matches[0].listing_id, 1);
        assert_eq!(
            report.matches[0].skus,
            vec![
                ("TEE-S".to_owned(), "sku-TEE-S".to_owned()),
                ("TEE-M".to_owned(), "sku-TEE-M".to_owned())
            ]
        );
        assert_eq!(planned.len(), 1);
        assert_eq!(planned[0].status, ListingStatus::Active);
        assert_eq!(report.misses.len(), 1);
        assert_eq!(report.misses[0].tiktok_product_id, "t2");
        let reasons: Vec<&str> = report.conflicts.iter().map(|c| c.reason.as_str()).collect();
        assert_eq!(report.conflicts.len(), 3, "{reasons:?}");
        assert!(reasons[0].contains("2 store variants carry this SKU"));
        assert!(reasons[1].contains("split across 2 store products"));
        assert!(reasons[2].contains("lacks in the store"));
    }

    #[test]
    fn already_listed_products_conflict_and_linked_ones_are_skipped() {
        let mut listed = candidate(1, "Tee", &["TEE"]);
        listed.tiktok_product_id = Some("ours".into());
        listed.status = ListingStatus::Active;
        let (report, planned) = preview(
            "shop",
            &[listed],
            &[
                remote("ours", "Tee", &["TEE"]),
                remote("dup", "Tee copy", &["TEE"]),
            ],
        );
        assert!(planned.is_empty());
        assert_eq!(report.conflicts.len(), 1);
        assert!(
            report.conflicts[0]
                .reason
                .contains("already on TikTok as product ours")
        );
    }

    #[test]
    fn two_tiktok_products_for_one_store_product_conflict() {
        let (report, planned) = preview(
            "shop",
            &[candidate(1, "Tee", &["TEE"])],
            &[
                remote("a", "Tee 1", &["TEE"]),
                remote("b", "Tee 2", &["TEE"]),
            ],
        );
        assert!(planned.is_empty());
        assert_eq!(report.conflicts.len(), 1);
        assert!(report.conflicts[0].reason.contains("2 TikTok products"));
    }

    #[test]
    fn manual_link_matches_by_sku_or_refuses_with_a_reason() {
        let tee = candidate(1, "Tee", &["TEE-S", "TEE-M"]);
        let all = vec![tee.clone()];
        let skus = vec![
            ("TEE-S".to_owned(), "1".to_owned()),
            ("OTHER".to_owned(), "2".to_owned()),
        ];
        let planned = manual_link(&tee, &all, "p1", "ACTIVATE", &skus).unwrap();
        assert_eq!(planned.skus, vec![(100, "1".to_owned())]);
        let none = manual_link(&tee, &all, "p1", "ACTIVATE", &[("X".into(), "9".into())]);
        assert!(
            none.unwrap_err()
                .contains("none of TikTok product p1's seller SKUs (X)")
        );
        let deleted = manual_link(&tee, &all, "p1", "DELETED", &skus);
        assert!(deleted.unwrap_err().contains("deleted"));
        let mut taken = candidate(2, "Other", &["Z"]);
        taken.tiktok_product_id = Some("p1".into());
        let refused = manual_link(&tee, &[tee.clone(), taken], "p1", "ACTIVATE", &skus);
        assert!(refused.unwrap_err().contains("already linked to \"Other\""));
    }
}
