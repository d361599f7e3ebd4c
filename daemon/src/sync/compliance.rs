//! Compliance before a listing is sent: the listing's brand, size chart and certifications
//! (its own over its category's default) and the shop's EU operators are checked against the
//! category's rules, every missing piece named; then documents are read from a path or a URL
//! the store serves, checked, and uploaded once per shop (a retry reuses the reference).

use super::{Engine, StepFailure};
use crate::connector::{
    self, CategoryRules, CertificationDocs, ProductCompliance, SizeChartRef, UploadedFile,
};
use crate::store::{self, ListingDraft};
use feedbridge_common::FailureKind;
use feedbridge_common::compliance::{
    BrandChoice, ComplianceView, DocumentKind, ListingCompliance, ShopCompliance, SizeChartChoice,
};
use feedbridge_common::regions::Compliance;
use tracing::warn;

/// TikTok takes images up to 10 MB (§4.1 image upload).
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Certification files: PDF up to 20 MB (Upload Product File).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
const CERTIFICATION_IMAGE: &str = "CERTIFICATION_IMAGE";
const SIZE_CHART_IMAGE: &str = "SIZE_CHART_IMAGE";
/// The upload cache's use case for certification files (the reference is JSON).
const CERTIFICATION_FILE: &str = "CERTIFICATION_FILE";

/// What a listing has, for the rules check.
pub struct Provided<'a> {
    pub choices: &'a ListingCompliance,
    pub shop: &'a ShopCompliance,
}

impl Provided<'_> {
    /// Everything the category's rules demand of these choices that is not there, in the
    /// merchant's words (package dimensions are checked with the package facts).
    pub fn unmet(&self, rules: &CategoryRules) -> Vec<String> {
        let mut unmet = Vec::new();
        if rules.size_chart_required && self.choices.size_chart.is_none() {
            unmet.push("a size chart".to_owned());
        }
        for certification in rules.certifications.iter().filter(|c| c.required) {
            if !self
                .choices
                .certifications
                .iter()
                .any(|c| c.id == certification.id)
            {
                unmet.push(format!(
                    "the certification \"{}\" (id {})",
                    certification.name, certification.id
                ));
            }
        }
        for (required, what) in [
            (rules.manufacturer_required, Compliance::Manufacturer),
            (
                rules.responsible_person_required,
                Compliance::ResponsiblePerson,
            ),
        ] {
            if required && !self.shop.has(what) {
                unmet.push(what.describe().to_owned());
            }
        }
        unmet
    }
}

/// How to give what `unmet` names, as commands.
pub fn how_to_provide(listing_id: i64, shop: &str) -> String {
    format!(
        "Provide what is named: feedbridge size-chart {listing_id} set PATH|URL|template:ID; feedbridge certification {listing_id} set CERT_ID PATH|URL; feedbridge compliance {shop} set --manufacturer ID --responsible-person ID (or map a different category), then list it again."
    )
}

/// A listing's choices, its category's default, and its shop's EU operators.
pub async fn stored(
    engine: &Engine,
    listing_id: i64,
    shop_connection: i64,
    category_id: Option<String>,
) -> Result<(ListingCompliance, ListingCompliance, ShopCompliance), store::StoreError> {
    engine
        .store
        .read(move |conn| {
            let default = match &category_id {
                Some(category) => store::category_compliance(conn, shop_connection, category)?,
                None => ListingCompliance::default(),
            };
            Ok((
                store::listing_compliance(conn, listing_id)?,
                default,
                store::shop_compliance(conn, shop_connection)?,
            ))
        })
        .await
}

/// The console's view: the choices and, when the rules are known, what is missing.
pub fn view(
    listing: ListingCompliance,
    category_default: ListingCompliance,
    shop: ShopCompliance,
    rules: Option<&CategoryRules>,
    region_missing: Vec<String>,
) -> ComplianceView {
    let effective = listing.or_default(&category_default);
    let mut missing = region_missing;
    if let Some(rules) = rules {
        for item in (Provided {
            choices: &effective,
            shop: &shop,
        })
        .unmet(rules)
        {
            if !missing.contains(&item) {
                missing.push(item);
            }
        }
    }
    ComplianceView {
        certifications: rules.map(|r| r.certifications.clone()).unwrap_or_default(),
        size_chart_required: rules.is_some_and(|r| r.size_chart_required),
        listing,
        category_default,
        effective,
        shop,
        missing,
    }
}

/// Is `source` a URL (else a path on the daemon's machine)?
fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

/// The file name TikTok is given for a source.
fn file_name(source: &str) -> String {
    let path = source.split(['?', '#']).next().unwrap_or_default();
    path.rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("document")
        .to_owned()
}

/// Whether `bytes` really are what the name says (TikTok refuses anything else).
pub fn check_content(kind: DocumentKind, bytes: &[u8]) -> Result<(), String> {
    let (fits, limit, what) = match kind {
        DocumentKind::Pdf => (
            bytes.starts_with(b"%PDF-"),
            MAX_FILE_BYTES,
            "a PDF document",
        ),
        DocumentKind::Image => (
            bytes.starts_with(b"\x89PNG\r\n\x1a\n")
                || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
                || (bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP"))
                || bytes.starts_with(b"BM")
                || bytes.get(4..8) == Some(b"ftyp"),
            MAX_IMAGE_BYTES,
            "a JPG, PNG, WEBP, HEIC or BMP image",
        ),
    };
    if bytes.len() > limit {
        return Err(format!(
            "it is {} MB; TikTok takes at most {} MB",
            bytes.len().div_ceil(1024 * 1024),
            limit / (1024 * 1024)
        ));
    }
    if !fits {
        return Err(format!("it is not {what}"));
    }
    Ok(())
}

/// A document failed to read: whether trying again later may help (a URL), and why.
pub struct ReadFailure {
    pub retryable: bool,
    pub reason: String,
}

/// Read a document from an absolute path or an http(s) URL and check it.
pub async fn read_document(engine: &Engine, source: &str) -> Result<Vec<u8>, ReadFailure> {
    let kind = DocumentKind::of(source).map_err(|reason| ReadFailure {
        retryable: false,
        reason,
    })?;
    let bytes = if is_url(source) {
        super::catalog::fetch_bytes(engine, source)
            .await
            .map_err(|reason| ReadFailure {
                retryable: true,
                reason: format!("could not download {source}: {reason}"),
            })?
    } else {
        read_local(source).await.map_err(|reason| ReadFailure {
            retryable: false,
            reason,
        })?
    };
    check_content(kind, &bytes).map_err(|why| ReadFailure {
        retryable: false,
        reason: format!("{source} cannot go to TikTok: {why}"),
    })?;
    Ok(bytes)
}

/// A local document; relative paths are refused (the daemon's working directory is not the
/// merchant's).
pub async fn read_local(path: &str) -> Result<Vec<u8>, String> {
    if !std::path::Path::new(path).is_absolute() {
        return Err(format!("{path} is not an absolute path"));
    }
    tokio::fs::read(path).await.map_err(|error| {
        format!(
            "cannot read {path} ({error}); the daemon (user feedbridge) must be able to read it"
        )
    })
}

fn failure(draft: &ListingDraft, read: ReadFailure, what: &str) -> StepFailure {
    StepFailure {
        retryable: read.retryable,
        ..StepFailure::rejected(
            FailureKind::Listing,
            &draft.org,
            format!("product {}", draft.title),
            format!("the {what} {}", read.reason),
            if read.retryable {
                "Check the store serves the document; feedbridge retries by itself."
            } else {
                "Fix the file (or set another one), then list it again."
            },
        )
    }
}

/// Everything the create body carries for compliance, documents uploaded (once per shop).
/// Certifications the category does not ask for are left out (TikTok refuses them).
pub async fn prepare(
    engine: &Engine,
    draft: &ListingDraft,
    shop_connection: i64,
    client: &dyn connector::TikTokShop,
    rules: &CategoryRules,
    choices: &ListingCompliance,
    shop: &ShopCompliance,
) -> Result<ProductCompliance, StepFailure> {
    let mut certifications = Vec::new();
    for chosen in &choices.certifications {
        if !rules.certifications.iter().any(|c| c.id == chosen.id) {
            warn!(listing = draft.listing_id, certification = %chosen.id, "A certification the category does not ask for was left out.");
            continue;
        }
        let mut docs = CertificationDocs {
            id: chosen.id.clone(),
            image_uris: Vec::new(),
            files: Vec::new(),
        };
        for source in &chosen.sources {
            match DocumentKind::of(source) {
                Ok(DocumentKind::Pdf) => {
                    docs.files.push(
                        upload_file_once(engine, draft, shop_connection, client, source).await?,
                    );
                }
                _ => docs.image_uris.push(
                    upload_image_once(
                        engine,
                        draft,
                        shop_connection,
                        client,
                        source,
                        CERTIFICATION_IMAGE,
                    )
                    .await?,
                ),
            }
        }
        certifications.push(docs);
    }
    let size_chart = match &choices.size_chart {
        None => None,
        Some(SizeChartChoice::Template { id }) => Some(SizeChartRef::Template(id.clone())),
        Some(SizeChartChoice::Image { source }) => Some(SizeChartRef::ImageUri(
            upload_image_once(
                engine,
                draft,
                shop_connection,
                client,
                source,
                SIZE_CHART_IMAGE,
            )
            .await?,
        )),
    };
    Ok(ProductCompliance {
        brand_id: match &choices.brand {
            Some(BrandChoice::Brand { id, .. }) => Some(id.clone()),
            Some(BrandChoice::NoBrand) | None => None,
        },
        certifications,
        size_chart,
        manufacturer_ids: shop.manufacturer_ids.clone(),
        responsible_person_ids: shop.responsible_person_ids.clone(),
    })
}

fn tiktok_failure(draft: &ListingDraft, error: &connector::ConnectorError) -> StepFailure {
    StepFailure::from_connector(
        FailureKind::Listing,
        &draft.org,
        format!("product {}", draft.title),
        "TikTok Shop",
        error,
    )
}

async fn upload_image_once(
    engine: &Engine,
    draft: &ListingDraft,
    shop_connection: i64,
    client: &dyn connector::TikTokShop,
    source: &str,
    use_case: &'static str,
) -> Result<String, StepFailure> {
    let key = source.to_owned();
    let known = engine
        .store
        .call(move |conn| store::uploaded_image(conn, shop_connection, use_case, &key))
        .await?;
    if let Some(uri) = known {
        return Ok(uri);
    }
    let what = if use_case == SIZE_CHART_IMAGE {
        "size chart"
    } else {
        "certification image"
    };
    let bytes = read_document(engine, source)
        .await
        .map_err(|read| failure(draft, read, what))?;
    let uri = client
        .upload_compliance_image(bytes, &file_name(source), use_case)
        .await
        .map_err(|e| tiktok_failure(draft, &e))?;
    let (key, reference) = (source.to_owned(), uri.clone());
    engine
        .store
        .call(move |conn| {
            store::remember_uploaded_image(conn, shop_connection, use_case, &key, &reference)
        })
        .await?;
    Ok(uri)
}

async fn upload_file_once(
    engine: &Engine,
    draft: &ListingDraft,
    shop_connection: i64,
    client: &dyn connector::TikTokShop,
    source: &str,
) -> Result<UploadedFile, StepFailure> {
    let key = source.to_owned();
    let known = engine
        .store
        .call(move |conn| store::uploaded_image(conn, shop_connection, CERTIFICATION_FILE, &key))
        .await?;
    if let Some(file) = known.and_then(|json| serde_json::from_str::<UploadedFile>(&json).ok()) {
        return Ok(file);
    }
    let bytes = read_document(engine, source)
        .await
        .map_err(|read| failure(draft, read, "certification file"))?;
    let uploaded = client
        .upload_file(bytes, &file_name(source))
        .await
        .map_err(|e| tiktok_failure(draft, &e))?;
    let reference = serde_json::to_string(&uploaded).unwrap_or_default();
    let key = source.to_owned();
    engine
        .store
        .call(move |conn| {
            store::remember_uploaded_image(
                conn,
                shop_connection,
                CERTIFICATION_FILE,
                &key,
                &reference,
            )
        })
        .await?;
    Ok(uploaded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedbridge_common::compliance::{CertificationChoice, CertificationRequirement};

    fn rules() -> CategoryRules {
        CategoryRules {
            size_chart_required: true,
            certifications: vec![
                CertificationRequirement {
                    id: "101".into(),
                    name: "CPC".into(),
                    required: true,
                },
                CertificationRequirement {
                    id: "102".into(),
                    name: "Optional".into(),
                    required: false,
                },
            ],
            manufacturer_required: true,
            responsible_person_required: true,
            ..CategoryRules::default()
        }
    }

    #[test]
    fn every_missing_piece_is_named() {
        let nothing = ListingCompliance::default();
        let shop = ShopCompliance::default();
        let unmet = Provided {
            choices: &nothing,
            shop: &shop,
        }
        .unmet(&rules());
        assert_eq!(
            unmet,
            vec![
                "a size chart".to_owned(),
                "the certification \"CPC\" (id 101)".to_owned(),
                "the manufacturer".to_owned(),
                "the responsible person (EU)".to_owned(),
            ]
        );
    }

    #[test]
    fn given_pieces_satisfy_the_rules() {
        let choices = ListingCompliance {
            size_chart: Some(SizeChartChoice::Template { id: "7".into() }),
            certifications: vec![CertificationChoice {
                id: "101".into(),
                sources: vec!["/srv/cpc.pdf".into()],
            }],
            ..ListingCompliance::default()
        };
        let shop = ShopCompliance {
            manufacturer_ids: vec!["m".into()],
            responsible_person_ids: vec!["r".into()],
        };
        let provided = Provided {
            choices: &choices,
            shop: &shop,
        };
        assert!(provided.unmet(&rules()).is_empty());
    }

    #[test]
    fn the_view_merges_the_category_default_and_names_what_is_missing() {
        let default = ListingCompliance {
            size_chart: Some(SizeChartChoice::Template { id: "7".into() }),
            ..ListingCompliance::default()
        };
        let view = view(
            ListingCompliance::default(),
            default,
            ShopCompliance::default(),
            Some(&CategoryRules {
                size_chart_required: true,
                ..rules()
            }),
            vec!["the manufacturer".into()],
        );
        assert!(view.effective.size_chart.is_some());
        assert!(!view.missing.iter().any(|m| m == "a size chart"));
        assert_eq!(
            view.missing
                .iter()
                .filter(|m| *m == "the manufacturer")
                .count(),
            1
        );
    }

    #[test]
    fn content_is_checked_before_upload() {
        assert!(check_content(DocumentKind::Pdf, b"%PDF-1.7 ...").is_ok());
        let refused = check_content(DocumentKind::Pdf, b"PK\x03\x04").unwrap_err();
        assert!(refused.contains("not a PDF"), "{refused}");
        assert!(check_content(DocumentKind::Image, b"\x89PNG\r\n\x1a\n....").is_ok());
        let big = vec![0xFF; MAX_IMAGE_BYTES + 1];
        assert!(
            check_content(DocumentKind::Image, &big)
                .unwrap_err()
                .contains("at most 10 MB")
        );
    }

    #[test]
    fn file_names_come_from_the_path_or_url() {
        assert_eq!(file_name("https://shop.test/docs/cpc.pdf?v=2"), "cpc.pdf");
        assert_eq!(file_name("/srv/charts/kids.png"), "kids.png");
    }
}
