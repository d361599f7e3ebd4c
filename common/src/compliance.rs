//! Product compliance chosen by the merchant: brand, size chart and certifications per listing
//! (or as a default per shop and category), and the EU economic operators (manufacturer,
//! responsible person) per shop. Stored as JSON in these versioned shapes, never TikTok's.

use serde::{Deserialize, Serialize};

/// The shape version written with every [`ListingCompliance`].
pub const LISTING_COMPLIANCE_VERSION: u32 = 1;

/// The listing's brand: one of TikTok's brands for the shop, or explicitly none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum BrandChoice {
    NoBrand,
    Brand { id: String, name: String },
}

impl BrandChoice {
    pub fn label(&self) -> String {
        match self {
            Self::NoBrand => "no brand".into(),
            Self::Brand { id, name } => format!("{name} ({id})"),
        }
    }
}

/// A size chart: an image read from a path or URL (uploaded once per shop), or one of the
/// shop's TikTok size chart templates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SizeChartChoice {
    Image { source: String },
    Template { id: String },
}

impl SizeChartChoice {
    /// `template:ID` is a template; anything else a path or URL of an image.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some(id) = text.strip_prefix("template:") {
            let id = id.trim();
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(format!("size chart template id {id:?} is not a TikTok id"));
            }
            return Ok(Self::Template { id: id.into() });
        }
        DocumentKind::of(text)?;
        Ok(Self::Image {
            source: text.into(),
        })
    }

    pub fn label(&self) -> String {
        match self {
            Self::Image { source } => format!("image {source}"),
            Self::Template { id } => format!("template {id}"),
        }
    }
}

/// One certification TikTok asks for (by its id in the category's rules) and the documents
/// proving it: images or PDF files, each a path or URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificationChoice {
    pub id: String,
    pub sources: Vec<String>,
}

/// What a document is, from its name: TikTok takes certification images and PDF files
/// through different uploads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    Image,
    Pdf,
}

impl DocumentKind {
    /// The kind of a path or URL by its extension; anything else is refused with the formats
    /// TikTok takes.
    pub fn of(source: &str) -> Result<Self, String> {
        let path = source.split(['?', '#']).next().unwrap_or_default();
        let extension = path
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match extension.as_str() {
            "jpg" | "jpeg" | "png" | "webp" | "heic" | "bmp" => Ok(Self::Image),
            "pdf" => Ok(Self::Pdf),
            _ => Err(format!(
                "{source} is not a JPG, PNG, WEBP, HEIC, BMP image or a PDF file (TikTok takes only these)"
            )),
        }
    }
}

/// Brand, size chart and certifications of a listing, or the default of a shop's category.
/// `None` / absent: not chosen here (a listing then takes its category's default).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListingCompliance {
    pub version: u32,
    pub brand: Option<BrandChoice>,
    pub size_chart: Option<SizeChartChoice>,
    pub certifications: Vec<CertificationChoice>,
}

impl ListingCompliance {
    /// This listing's choices, each missing one taken from `default` (its category's).
    pub fn or_default(&self, default: &Self) -> Self {
        let mut certifications = self.certifications.clone();
        for inherited in &default.certifications {
            if !certifications.iter().any(|c| c.id == inherited.id) {
                certifications.push(inherited.clone());
            }
        }
        Self {
            version: LISTING_COMPLIANCE_VERSION,
            brand: self.brand.clone().or_else(|| default.brand.clone()),
            size_chart: self
                .size_chart
                .clone()
                .or_else(|| default.size_chart.clone()),
            certifications,
        }
    }

    /// Replace (or add) the documents of one certification.
    pub fn set_certification(&mut self, id: &str, sources: Vec<String>) {
        self.certifications.retain(|c| c.id != id);
        if !sources.is_empty() {
            self.certifications.push(CertificationChoice {
                id: id.into(),
                sources,
            });
        }
    }
}

/// The EU economic operators every product of a shop names (GPSR).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShopCompliance {
    pub manufacturer_ids: Vec<String>,
    pub responsible_person_ids: Vec<String>,
}

impl ShopCompliance {
    /// Whether the shop names what a market requires (see `regions::Region::listing_refusal`).
    pub fn has(&self, what: crate::regions::Compliance) -> bool {
        match what {
            crate::regions::Compliance::Manufacturer => !self.manufacturer_ids.is_empty(),
            crate::regions::Compliance::ResponsiblePerson => {
                !self.responsible_person_ids.is_empty()
            }
        }
    }
}

/// Contact and address of a manufacturer or responsible person to register with TikTok.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOperator {
    pub name: String,
    pub email: String,
    /// With its plus, e.g. "+49".
    pub phone_country_code: String,
    pub phone_number: String,
    pub street: String,
    pub city: String,
    pub postal_code: String,
    /// ISO country code, e.g. "DE".
    pub country: String,
    /// TikTok's profile language, e.g. "de-DE" (de-DE, en-IE, es-ES, fr-FR, it-IT).
    pub locale: String,
}

/// Which EU operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorRole {
    Manufacturer,
    ResponsiblePerson,
}

impl OperatorRole {
    pub fn label(self) -> &'static str {
        match self {
            Self::Manufacturer => "manufacturer",
            Self::ResponsiblePerson => "responsible person",
        }
    }
}

/// A brand of the shop's TikTok brand list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandView {
    pub id: String,
    pub name: String,
    /// Usable in listings; TikTok refuses brands it has not authorized for the seller.
    pub authorized: bool,
}

/// A size chart template the seller made in Seller Center, usable as a listing's size chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizeChartTemplate {
    pub id: String,
    pub name: String,
}

/// One certification of a category's rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificationRequirement {
    pub id: String,
    pub name: String,
    pub required: bool,
}

/// A listing's compliance as the console shows it: what is chosen (here or by its category's
/// default), what the category asks for, and what is still missing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceView {
    /// Chosen on the listing itself.
    pub listing: ListingCompliance,
    /// The default of the listing's shop and category.
    pub category_default: ListingCompliance,
    /// What would be sent: the listing's choices over its category's default.
    pub effective: ListingCompliance,
    pub shop: ShopCompliance,
    /// The category's certifications (empty when unknown or none).
    pub certifications: Vec<CertificationRequirement>,
    pub size_chart_required: bool,
    /// What TikTok will refuse the listing without, in the merchant's words.
    pub missing: Vec<String>,
}

/// Whose compliance choices a change is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ComplianceTarget {
    Listing {
        listing_id: i64,
    },
    /// The default of every listing of this shop mapped to this category.
    Category {
        shop: String,
        category_id: String,
    },
}

/// One change to a listing's (or a category default's) compliance choices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ComplianceChange {
    /// `None`: back to the category's default.
    Brand { brand: Option<BrandChoice> },
    /// `None`: back to the category's default.
    SizeChart { size_chart: Option<SizeChartChoice> },
    /// Empty `sources`: remove the certification.
    Certification { id: String, sources: Vec<String> },
}

impl ListingCompliance {
    /// Apply one change (brand ids and documents are checked by the caller).
    pub fn apply(&mut self, change: ComplianceChange) {
        match change {
            ComplianceChange::Brand { brand } => self.brand = brand,
            ComplianceChange::SizeChart { size_chart } => self.size_chart = size_chart,
            ComplianceChange::Certification { id, sources } => self.set_certification(&id, sources),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_choices_win_over_the_category_default() {
        let default = ListingCompliance {
            brand: Some(BrandChoice::NoBrand),
            size_chart: Some(SizeChartChoice::Template { id: "7".into() }),
            certifications: vec![
                CertificationChoice {
                    id: "1".into(),
                    sources: vec!["/a.pdf".into()],
                },
                CertificationChoice {
                    id: "2".into(),
                    sources: vec!["/b.pdf".into()],
                },
            ],
            ..ListingCompliance::default()
        };
        let mut own = ListingCompliance::default();
        own.set_certification("2", vec!["/mine.png".into()]);
        let effective = own.or_default(&default);
        assert_eq!(effective.brand, Some(BrandChoice::NoBrand));
        assert_eq!(effective.certifications.len(), 2);
        let second = effective.certifications.iter().find(|c| c.id == "2");
        assert_eq!(
            second.map(|c| c.sources.clone()),
            Some(vec!["/mine.png".into()])
        );
    }

    #[test]
    fn size_chart_and_documents_are_recognized_by_name() {
        assert_eq!(
            SizeChartChoice::parse("template:730"),
            Ok(SizeChartChoice::Template { id: "730".into() })
        );
        assert!(SizeChartChoice::parse("template:").is_err());
        assert!(SizeChartChoice::parse("/srv/charts/kids.png").is_ok());
        assert_eq!(
            DocumentKind::of("https://shop.test/cpc.PDF?v=2"),
            Ok(DocumentKind::Pdf)
        );
        let refused = DocumentKind::of("/tmp/cpc.docx").unwrap_err();
        assert!(refused.contains("PDF"), "{refused}");
    }

    #[test]
    fn stored_shape_is_versioned_and_tolerates_missing_keys() {
        let parsed: ListingCompliance =
            serde_json::from_str(r#"{"version":1,"brand":{"kind":"no_brand"}}"#).unwrap();
        assert_eq!(parsed.brand, Some(BrandChoice::NoBrand));
        assert!(parsed.certifications.is_empty());
    }
}
