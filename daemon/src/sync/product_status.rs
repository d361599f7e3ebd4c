//! Where a TikTok product status (contract §5.2) puts a listing, and the reason shown beside
//! it. One place for the review check and for linking.

use feedbridge_common::ListingStatus;

/// A listing's status from TikTok's, with the reason the merchant sees next to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    pub status: ListingStatus,
    /// Set for Synced (not live): TikTok's status and the Seller Center place to act.
    pub reason: Option<String>,
}

impl Standing {
    fn plain(status: ListingStatus) -> Self {
        Self {
            status,
            reason: None,
        }
    }

    fn not_live(reason: &str) -> Self {
        Self {
            status: ListingStatus::Unlisted,
            reason: Some(reason.to_owned()),
        }
    }
}

/// Our standing for TikTok's product status. A product on TikTok is synced whatever its
/// status: a draft or a deactivated product is "Synced (not live)", never "Not synced". An
/// unknown status is an error naming it, so it shows as a failure instead of a guess.
pub fn standing_from_tiktok(status: &str) -> Result<Standing, String> {
    Ok(match status {
        "PENDING" => Standing::plain(ListingStatus::UnderReview),
        "ACTIVATE" => Standing::plain(ListingStatus::Active),
        "FAILED" => Standing::plain(ListingStatus::FailedReview),
        "DRAFT" => Standing::not_live(
            "Draft on TikTok (DRAFT): publish it in Seller Center → Products → Manage products → Drafts",
        ),
        "SELLER_DEACTIVATED" => Standing::not_live(
            "Deactivated in Seller Center (SELLER_DEACTIVATED): activate it again in Seller Center → Products → Manage products",
        ),
        "PLATFORM_DEACTIVATED" => Standing::not_live(
            "Deactivated by TikTok (PLATFORM_DEACTIVATED): see Seller Center → Products → Manage products for the reason and to appeal",
        ),
        "FREEZE" => Standing::not_live(
            "Frozen by TikTok (FREEZE): see Seller Center → Products → Manage products; stock is sent again once it is live",
        ),
        "DELETED" => Standing::not_live(
            "Deleted on TikTok (DELETED): recover it in Seller Center → Products → Manage products → Deleted while TikTok still allows it",
        ),
        "SCHEDULED" => Standing::not_live(
            "Scheduled on TikTok (SCHEDULED): it goes live at the release time set in Seller Center → Products",
        ),
        other => {
            return Err(format!(
                "TikTok reports the product in status {other:?}, which this feedbridge does not know; look at it in Seller Center → Products and update feedbridge"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_review_and_failed_statuses_map_plainly() {
        for (tiktok, ours) in [
            ("PENDING", ListingStatus::UnderReview),
            ("ACTIVATE", ListingStatus::Active),
            ("FAILED", ListingStatus::FailedReview),
        ] {
            assert_eq!(
                standing_from_tiktok(tiktok).unwrap(),
                Standing::plain(ours),
                "{tiktok}"
            );
        }
    }

    #[test]
    fn products_on_tiktok_but_not_for_sale_are_synced_not_live_with_where_to_fix() {
        for tiktok in [
            "DRAFT",
            "SELLER_DEACTIVATED",
            "PLATFORM_DEACTIVATED",
            "FREEZE",
            "DELETED",
            "SCHEDULED",
        ] {
            let standing = standing_from_tiktok(tiktok).unwrap();
            assert_eq!(standing.status, ListingStatus::Unlisted, "{tiktok}");
            assert_eq!(standing.status.label(), "Synced (not live)");
            let reason = standing.reason.unwrap();
            assert!(reason.contains(tiktok), "{reason}");
            assert!(reason.contains("Seller Center"), "{reason}");
        }
        let platform = standing_from_tiktok("PLATFORM_DEACTIVATED").unwrap();
        assert!(
            platform
                .reason
                .unwrap()
                .starts_with("Deactivated by TikTok")
        );
    }

    #[test]
    fn a_draft_we_created_is_not_reported_as_not_synced() {
        assert_ne!(
            standing_from_tiktok("DRAFT").unwrap().status,
            ListingStatus::NotSynced
        );
    }

    #[test]
    fn an_unknown_status_is_an_error_naming_it() {
        for unknown in ["UNKNOWN", "ARCHIVED", ""] {
            let error = standing_from_tiktok(unknown).unwrap_err();
            assert!(error.contains(&format!("{unknown:?}")), "{error}");
        }
    }
}
