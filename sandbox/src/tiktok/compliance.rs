//! Product compliance: the certifications and size charts a category requires, certification
//! files (`/product/202309/files/upload`), brands per category, category recommendation by
//! title, and the EU (GPSR) manufacturers and responsible persons a product there names
//! (`/product/202409/compliance/...`).
//!
//! Shapes follow the Partner Center pages "Get Category Rules", "Upload Product File",
//! "Search Size Charts" (`POST /product/202407/sizecharts/search`), "Recommend Category", "Create/Search Manufacturers", "Create/Search Responsible Persons"
//! and the create body fields `certifications[]`, `size_chart`, `manufacturer_ids[]`,
//! `responsible_person_ids[]`. Error codes of the 38023xxx family are the sandbox's choice.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use super::errors::{self as e, ApiError};
use super::model::State;
use super::{Ctx, TikTok, page};
use crate::common::lock;

/// Kids' Pajamas: needs a certification and a size chart.
pub(crate) const KIDS_PAJAMAS: &str = "602001";
/// Cookware: needs a food-contact certification.
pub(crate) const COOKWARE: &str = "601502";
/// Jeans: needs a size chart.
pub(crate) const JEANS: &str = "601301";
/// Mugs & Cups: the food-contact certification is optional.
pub(crate) const MUGS: &str = "601501";
/// An authorized brand usable only in Kids' Pajamas.
pub(crate) const KIDS_BRAND_ID: &str = "7300000000000000501";
/// A size chart template the seller made in Seller Center.
pub(crate) const SIZE_CHART_TEMPLATE_ID: &str = "7300000000000000601";

/// The seller's size chart templates (made in Seller Center): (template id, name).
const SIZE_CHART_TEMPLATES: &[(&str, &str)] = &[
    (SIZE_CHART_TEMPLATE_ID, "Kids sleepwear (EU sizes)"),
    ("7300000000000000602", "Women's jeans (waist / inseam)"),
    ("7300000000000000603", "Men's tops (S-XXL)"),
];

/// Most template ids one search may filter by (Search Size Charts: "Max: 50 IDs").
const MAX_SIZE_CHART_IDS: usize = 50;
const CPC_ID: &str = "7300000000000000101";
const FOOD_CONTACT_ID: &str = "7300000000000000102";

/// Largest certification file accepted (Upload Product File: PDF up to 20 MB).
const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

/// A certification a category asks for.
struct CertificationRule {
    id: &'static str,
    name: &'static str,
    required: bool,
}

fn certification_rules(category_id: &str) -> &'static [CertificationRule] {
    const CPC: CertificationRule = CertificationRule {
        id: CPC_ID,
        name: "Children's Product Certificate (CPC)",
        required: true,
    };
    const FOOD_CONTACT: CertificationRule = CertificationRule {
        id: FOOD_CONTACT_ID,
        name: "Food Contact Material Test Report",
        required: true,
    };
    const FOOD_CONTACT_OPTIONAL: CertificationRule = CertificationRule {
        required: false,
        ..FOOD_CONTACT
    };
    match category_id {
        KIDS_PAJAMAS => &[CPC],
        COOKWARE => &[FOOD_CONTACT],
        MUGS => &[FOOD_CONTACT_OPTIONAL],
        _ => &[],
    }
}

fn size_chart_required(category_id: &str) -> bool {
    [KIDS_PAJAMAS, JEANS].contains(&category_id)
}

/// Clothing takes a size chart; other categories do not.
fn size_chart_supported(st: &State, category_id: &str) -> bool {
    st.category_chain(category_id)
        .first()
        .is_some_and(|root| ["600001", "600002", "600007"].contains(&root.id.as_str()))
}

/// The compliance part of Get Category Rules.
pub(crate) fn rules(st: &State, category_id: &str) -> (Value, Value) {
    let certifications: Vec<Value> = certification_rules(category_id)
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.name,
                "is_required": c.required,
                "sample_image_url": format!("https://p16-oec-va.ibyteimg.com/sample/{}.png", c.id),
                "expiration_date": {"is_required": false},
            })
        })
        .collect();
    let size_chart = json!({
        "is_required": size_chart_required(category_id),
        "is_supported": size_chart_supported(st, category_id),
    });
    (json!(certifications), size_chart)
}

/// An uploaded certification file.
#[derive(Clone)]
struct File {
    name: String,
    format: String,
}

/// An EU manufacturer or responsible person as the seller registered it.
struct Party {
    id: String,
    name: String,
    email: String,
    /// The rest of the profile as given, answered back by search.
    profile: Value,
}

/// Certification files and EU economic operators of the shop.
#[derive(Default)]
pub(crate) struct Registry {
    files: HashMap<String, File>,
    manufacturers: Vec<Party>,
    responsible_persons: Vec<Party>,
}

// ---------------------------------------------------------------------------------------------
// Files

pub(crate) async fn upload_file(tt: &Arc<TikTok>, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let mut fields = super::products::multipart_fields(ctx, e::P_FILE).await?;
    let data = fields.remove("data").ok_or_else(|| {
        ApiError::biz(
            e::P_FILE,
            "Invalid parameter: multipart field 'data' (the file) is required.",
        )
    })?;
    let name = fields
        .remove("name")
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            ApiError::biz(
                e::P_FILE,
                "Invalid parameter: multipart field 'name' (the file name with its extension) is required.",
            )
        })?;
    if !name.to_ascii_lowercase().ends_with(".pdf") {
        return Err(ApiError::biz(
            e::P_FILE,
            format!("Unsupported file '{name}': certification files must be PDF (.pdf)."),
        ));
    }
    if data.len() > MAX_FILE_BYTES {
        return Err(ApiError::biz(
            e::P_FILE,
            format!("File '{name}' is larger than 20 MB."),
        ));
    }
    if !data.starts_with(b"%PDF-") {
        return Err(ApiError::biz(
            e::P_FILE,
            format!("File '{name}' is not a PDF document."),
        ));
    }
    let mut st = lock(&tt.state);
    let id = format!("v10b5c{}", st.ids.hex(12));
    let url = format!("https://p16-oec-va.ibyteimg.com/tos-maliva-d-o3syd03w52-us/{id}.pdf");
    st.compliance.files.insert(
        id.clone(),
        File {
            name: name.clone(),
            format: "PDF".into(),
        },
    );
    Ok(json!({"id": id, "url": url, "name": name, "format": "PDF"}))
}

// ---------------------------------------------------------------------------------------------
// Category recommendation

#[derive(Deserialize, Default)]
struct RecommendReq {
    product_title: Option<String>,
    category_version: Option<String>,
}

/// Lowercase word stems: "Kids' Pajamas" → ["kid", "pajama"].
fn stems(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1)
        .map(|w| w.strip_suffix('s').unwrap_or(w).to_string())
        .collect()
}

/// The available leaf whose name (then path) shares the most words with the title; ties go
/// to the first in the tree. Deterministic, like the seeded tree.
pub(crate) fn recommend(st: &State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let req: RecommendReq = ctx.json(e::P_CATEGORY)?;
    super::products::require_version(st, req.category_version.as_deref())?;
    let title = req.product_title.unwrap_or_default();
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 255 {
        return Err(ApiError::biz(
            e::P_TITLE,
            "Invalid parameter: 'product_title' must be 1-255 characters.",
        ));
    }
    let words = stems(title);
    let best = st
        .categories
        .iter()
        .filter(|c| c.is_leaf && c.permission == "AVAILABLE")
        .map(|leaf| {
            let own = stems(&leaf.name)
                .iter()
                .filter(|w| words.contains(w))
                .count();
            let path = st
                .category_chain(&leaf.id)
                .iter()
                .flat_map(|c| stems(&c.name))
                .filter(|w| words.contains(w))
                .count();
            (own * 10 + path, leaf)
        })
        .filter(|(score, _)| *score > 0)
        .fold(None, |best: Option<(usize, _)>, (score, leaf)| match best {
            Some((top, _)) if top >= score => best,
            _ => Some((score, leaf)),
        });
    let Some((_, leaf)) = best else {
        return Err(ApiError::biz(
            e::P_CATEGORY,
            format!(
                "No category could be recommended for the title '{title}'; choose one from /product/202309/categories."
            ),
        ));
    };
    let chain = st.category_chain(&leaf.id);
    let categories: Vec<Value> = chain
        .iter()
        .enumerate()
        .map(|(level, c)| {
            json!({
                "id": c.id,
                "name": c.name,
                "level": level + 1,
                "is_leaf": c.is_leaf,
                "permission_statuses": [c.permission],
            })
        })
        .collect();
    Ok(json!({"leaf_category_id": leaf.id, "categories": categories}))
}

// ---------------------------------------------------------------------------------------------
// EU manufacturers and responsible persons

/// Which register a call is about.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Operator {
    Manufacturer,
    ResponsiblePerson,
}

impl Operator {
    fn field(self) -> &'static str {
        match self {
            Self::Manufacturer => "manufacturer",
            Self::ResponsiblePerson => "responsible_person",
        }
    }

    fn parties(self, registry: &Registry) -> &Vec<Party> {
        match self {
            Self::Manufacturer => &registry.manufacturers,
            Self::ResponsiblePerson => &registry.responsible_persons,
        }
    }
}

#[derive(Deserialize, Default)]
struct PhoneNumber {
    country_code: Option<String>,
    local_number: Option<String>,
}

#[derive(Deserialize, Default)]
struct PartyReq {
    name: Option<String>,
    registered_trade_name: Option<String>,
    email: Option<String>,
    phone_number: Option<PhoneNumber>,
    /// A string for manufacturers; an object for responsible persons.
    address: Option<Value>,
    locale: Option<String>,
}

const LOCALES: &[&str] = &["de-DE", "en-IE", "es-ES", "fr-FR", "it-IT"];

fn eu_only(st: &State) -> Result<(), ApiError> {
    if st.shop.market.requires("responsible_person") {
        return Ok(());
    }
    Err(ApiError::biz(
        e::C_NOT_SUPPORTED,
        format!(
            "Operation not supported: manufacturers and responsible persons exist for EU shops only, not {}.",
            st.shop.region
        ),
    ))
}

fn required<'a>(value: Option<&'a str>, what: &str) -> Result<&'a str, ApiError> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ApiError::biz(
                e::C_INVALID_PARAM,
                format!("Invalid parameter: '{what}' is required."),
            )
        })
}

pub(crate) fn create_party(
    tt: &Arc<TikTok>,
    ctx: &Ctx<'_>,
    kind: Operator,
) -> Result<Value, ApiError> {
    let req: PartyReq = ctx.json(e::C_INVALID_PARAM)?;
    let mut st = lock(&tt.state);
    eu_only(&st)?;
    let name = required(req.name.as_deref(), "name")?.to_string();
    let email = required(req.email.as_deref(), "email")?.to_string();
    if !email.contains('@') {
        return Err(ApiError::biz(
            e::C_INVALID_PARAM,
            format!("Invalid parameter: 'email' '{email}' is not an email address."),
        ));
    }
    let phone = req.phone_number.unwrap_or_default();
    let country_code = required(phone.country_code.as_deref(), "phone_number.country_code")?;
    let local_number = required(phone.local_number.as_deref(), "phone_number.local_number")?;
    let locale = required(req.locale.as_deref(), "locale")?;
    if !LOCALES.contains(&locale) {
        return Err(ApiError::biz(
            e::C_INVALID_PARAM,
            format!("Invalid parameter: 'locale' '{locale}'; expected one of {LOCALES:?}."),
        ));
    }
    let address = match (kind, req.address) {
        (Operator::Manufacturer, Some(Value::String(a))) if !a.trim().is_empty() => json!(a),
        (Operator::ResponsiblePerson, Some(Value::Object(a))) => {
            for key in ["street_address_line1", "city", "postal_code", "country"] {
                required(
                    a.get(key).and_then(Value::as_str),
                    &format!("address.{key}"),
                )?;
            }
            Value::Object(a)
        }
        (Operator::Manufacturer, _) => {
            return Err(ApiError::biz(
                e::C_INVALID_PARAM,
                "Invalid parameter: 'address' (the manufacturer's full address, one string) is required.",
            ));
        }
        (Operator::ResponsiblePerson, _) => {
            return Err(ApiError::biz(
                e::C_INVALID_PARAM,
                "Invalid parameter: 'address' {street_address_line1, city, postal_code, country, ...} is required.",
            ));
        }
    };
    let mut profile = json!({
        "name": name,
        "email": email,
        "phone_number": {"country_code": country_code, "local_number": local_number},
        "address": address,
        "locale": locale,
    });
    if let (Operator::Manufacturer, Some(trade)) = (kind, req.registered_trade_name) {
        profile["registered_trade_name"] = json!(trade);
    }
    let id = st.ids.next_id();
    let party = Party {
        id: id.clone(),
        name,
        email,
        profile,
    };
    match kind {
        Operator::Manufacturer => st.compliance.manufacturers.push(party),
        Operator::ResponsiblePerson => st.compliance.responsible_persons.push(party),
    }
    Ok(json!({ format!("{}_id", kind.field()): id }))
}

#[derive(Deserialize, Default)]
struct SearchReq {
    keyword: Option<String>,
    manufacturer_ids: Option<Vec<String>>,
    responsible_person_ids: Option<Vec<String>>,
}

pub(crate) fn search_parties(st: &State, ctx: &Ctx<'_>, kind: Operator) -> Result<Value, ApiError> {
    let (size, offset) = ctx.paging(e::C_INVALID_PARAM, 100)?;
    let req: SearchReq = ctx.json(e::C_INVALID_PARAM)?;
    eu_only(st)?;
    let ids = match kind {
        Operator::Manufacturer => req.manufacturer_ids,
        Operator::ResponsiblePerson => req.responsible_person_ids,
    }
    .unwrap_or_default();
    if ids.len() > size {
        return Err(ApiError::biz(
            e::C_INVALID_PARAM,
            format!(
                "Invalid parameter: {} ids given but 'page_size' is {size}; ask for at most page_size ids.",
                ids.len()
            ),
        ));
    }
    let keyword = req.keyword.unwrap_or_default().to_lowercase();
    let found: Vec<Value> = kind
        .parties(&st.compliance)
        .iter()
        .filter(|p| ids.is_empty() || ids.contains(&p.id))
        .filter(|p| {
            keyword.is_empty()
                || p.name.to_lowercase().contains(&keyword)
                || p.email.to_lowercase().contains(&keyword)
        })
        .map(|p| {
            let mut v = p.profile.clone();
            v["id"] = json!(p.id);
            v
        })
        .collect();
    let total = found.len();
    let (rows, next) = page(found, size, offset);
    Ok(json!({
        format!("{}s", kind.field()): rows,
        "total_count": total,
        "next_page_token": next,
    }))
}

// ---------------------------------------------------------------------------------------------
// Size chart templates

#[derive(Deserialize, Default)]
struct SizeChartSearchReq {
    ids: Option<Vec<String>>,
    keyword: Option<String>,
}

/// Search Size Charts: the seller's templates, by ids (which win over `keyword`) or by a word
/// of their name, a page at a time. The list key is `size_chart` (singular) as TikTok sends it.
pub(crate) fn search_size_charts(ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let (size, offset) = ctx.paging(e::C_INVALID_PARAM, 100)?;
    let req: SizeChartSearchReq = ctx.json(e::C_INVALID_PARAM)?;
    let ids = req.ids.unwrap_or_default();
    if ids.len() > MAX_SIZE_CHART_IDS {
        return Err(ApiError::biz(
            e::C_INVALID_PARAM,
            format!(
                "Invalid parameter: 'ids' holds {} ids; at most {MAX_SIZE_CHART_IDS} are allowed.",
                ids.len()
            ),
        ));
    }
    let keyword = req.keyword.unwrap_or_default().trim().to_lowercase();
    let found: Vec<Value> = SIZE_CHART_TEMPLATES
        .iter()
        .filter(|(id, name)| {
            if ids.is_empty() {
                keyword.is_empty() || name.to_lowercase().contains(&keyword)
            } else {
                ids.iter().any(|wanted| wanted == id)
            }
        })
        .map(|(id, name)| {
            json!({
                "template_id": id,
                "template_name": name,
                "images": [{"locale": "en-US", "url": format!("https://p16-oec-sg.ibyteimg.com/size-chart/{id}.png")}],
            })
        })
        .collect();
    let total = found.len();
    let (rows, next) = page(found, size, offset);
    Ok(json!({
        "size_chart": rows,
        "total_count": total,
        "next_page_token": next,
    }))
}

// ---------------------------------------------------------------------------------------------
// Create product

#[derive(Deserialize)]
struct UriRef {
    uri: Option<String>,
}

#[derive(Deserialize)]
struct FileRef {
    id: Option<String>,
    name: Option<String>,
    format: Option<String>,
}

#[derive(Deserialize)]
struct CertificationReq {
    id: Option<String>,
    images: Option<Vec<UriRef>>,
    files: Option<Vec<FileRef>>,
}

#[derive(Deserialize)]
struct TemplateRef {
    id: Option<String>,
}

#[derive(Deserialize)]
struct SizeChartReq {
    image: Option<UriRef>,
    template: Option<TemplateRef>,
}

/// The compliance fields of the create/edit body.
#[derive(Deserialize, Default)]
pub(crate) struct ProductCompliance {
    certifications: Option<Vec<CertificationReq>>,
    size_chart: Option<SizeChartReq>,
    responsible_person_ids: Option<Vec<String>>,
    manufacturer_ids: Option<Vec<String>>,
}

/// What a saved product carries, as Get Product answers it.
#[derive(Clone, Default)]
pub(crate) struct Stored {
    certifications: Vec<Value>,
    size_chart: Option<Value>,
    manufacturer_ids: Vec<String>,
    responsible_person_ids: Vec<String>,
}

impl Stored {
    /// Adds the compliance keys a product has to its Get Product JSON (absent ones left out).
    pub(crate) fn write(&self, product: &mut Value) {
        if !self.certifications.is_empty() {
            product["certifications"] = json!(self.certifications);
        }
        if let Some(size_chart) = &self.size_chart {
            product["size_chart"] = size_chart.clone();
        }
        if !self.manufacturer_ids.is_empty() {
            product["manufacturer_ids"] = json!(self.manufacturer_ids);
        }
        if !self.responsible_person_ids.is_empty() {
            product["responsible_person_ids"] = json!(self.responsible_person_ids);
        }
    }
}

fn bad(code: i64, msg: impl Into<String>) -> ApiError {
    ApiError::biz(code, msg)
}

/// A brand must exist, be authorized for the seller, and serve the category.
pub(crate) fn check_brand(
    st: &State,
    brand_id: Option<&str>,
    category_id: &str,
) -> Result<(), ApiError> {
    let Some(id) = brand_id else { return Ok(()) };
    let Some(brand) = st.brands.iter().find(|b| b.id == id) else {
        return Err(bad(
            e::P_BRAND,
            format!(
                "Invalid parameter: brand '{id}' does not exist; list brands with /product/202309/brands."
            ),
        ));
    };
    if !brand.authorized {
        return Err(bad(
            e::P_BRAND,
            format!(
                "Brand '{}' ({id}) is not authorized for this shop; apply for brand authorization in Seller Center or list without a brand.",
                brand.name
            ),
        ));
    }
    if !brand.serves(category_id) {
        return Err(bad(
            e::P_BRAND,
            format!(
                "Brand '{}' ({id}) cannot be used in category {category_id}; list brands with /product/202309/brands?category_id={category_id}.",
                brand.name
            ),
        ));
    }
    Ok(())
}

fn image_of(st: &State, uri: &str, use_case: &str, what: &str) -> Result<Value, ApiError> {
    match st.images.get(uri) {
        Some(image) if image.use_case == use_case => Ok(json!({"uri": uri, "urls": [image.url]})),
        Some(image) => Err(bad(
            e::P_IMAGE,
            format!(
                "Invalid parameter: '{what}' image '{uri}' was uploaded with use_case {}, not {use_case}.",
                image.use_case
            ),
        )),
        None => Err(bad(
            e::P_IMAGE,
            format!(
                "Invalid parameter: '{what}' image '{uri}' was not uploaded with /product/202309/images/upload (use_case {use_case})."
            ),
        )),
    }
}

/// Checks certifications, size chart and EU operators against the category's rules and the
/// shop's uploads; `listing` (not a draft) also requires what the rules require.
pub(crate) fn check_product(
    st: &State,
    req: &ProductCompliance,
    category_id: &str,
    listing: bool,
) -> Result<Stored, ApiError> {
    let rules = certification_rules(category_id);
    let mut stored = Stored::default();
    for (i, cert) in req.certifications.iter().flatten().enumerate() {
        let id = cert.id.as_deref().unwrap_or("");
        let Some(rule) = rules.iter().find(|r| r.id == id) else {
            return Err(bad(
                e::P_CERTIFICATION,
                format!(
                    "Invalid parameter: 'certifications[{i}].id' '{id}' is not a certification of category {category_id}; see its rules."
                ),
            ));
        };
        let mut images = Vec::new();
        for image in cert.images.iter().flatten() {
            let uri = image.uri.as_deref().unwrap_or("");
            images.push(image_of(
                st,
                uri,
                "CERTIFICATION_IMAGE",
                &format!("certifications[{i}]"),
            )?);
        }
        let mut files = Vec::new();
        for file in cert.files.iter().flatten() {
            let file_id = file.id.as_deref().unwrap_or("");
            let Some(known) = st.compliance.files.get(file_id) else {
                return Err(bad(
                    e::P_CERTIFICATION,
                    format!(
                        "Invalid parameter: 'certifications[{i}].files' id '{file_id}' was not uploaded with /product/202309/files/upload."
                    ),
                ));
            };
            if file.format.as_deref().is_some_and(|f| f != known.format) {
                return Err(bad(
                    e::P_CERTIFICATION,
                    format!(
                        "Invalid parameter: 'certifications[{i}].files' '{file_id}' is a {} file, not {}.",
                        known.format,
                        file.format.as_deref().unwrap_or_default()
                    ),
                ));
            }
            files.push(json!({
                "id": file_id,
                "name": file.name.clone().unwrap_or_else(|| known.name.clone()),
                "format": known.format,
            }));
        }
        if images.is_empty() && files.is_empty() {
            return Err(bad(
                e::P_CERTIFICATION,
                format!(
                    "Invalid parameter: certification '{}' ({id}) needs at least one image or file.",
                    rule.name
                ),
            ));
        }
        stored
            .certifications
            .push(json!({"id": id, "title": rule.name, "images": images, "files": files}));
    }
    if listing
        && let Some(missing) = rules
            .iter()
            .find(|r| r.required && !stored.certifications.iter().any(|c| c["id"] == r.id))
    {
        return Err(bad(
            e::P_CERTIFICATION,
            format!(
                "Invalid parameter: category {category_id} requires the certification '{}' ({}); add it to 'certifications'.",
                missing.name, missing.id
            ),
        ));
    }

    stored.size_chart = match &req.size_chart {
        None => None,
        Some(chart) => {
            if !size_chart_supported(st, category_id) {
                return Err(bad(
                    e::P_SIZE_CHART,
                    format!(
                        "Invalid parameter: category {category_id} does not take a size chart."
                    ),
                ));
            }
            match (&chart.image, &chart.template) {
                (Some(image), None) => {
                    let uri = image.uri.as_deref().unwrap_or("");
                    Some(json!({"image": image_of(st, uri, "SIZE_CHART_IMAGE", "size_chart")?}))
                }
                (None, Some(template)) => {
                    let id = template.id.as_deref().unwrap_or("");
                    if !SIZE_CHART_TEMPLATES.iter().any(|(known, _)| *known == id) {
                        return Err(bad(
                            e::P_SIZE_CHART,
                            format!(
                                "Invalid parameter: size chart template '{id}' does not exist in this shop."
                            ),
                        ));
                    }
                    Some(json!({"template": {"id": id}}))
                }
                _ => {
                    return Err(bad(
                        e::P_SIZE_CHART,
                        "Invalid parameter: 'size_chart' needs exactly one of 'image' {uri} or 'template' {id}.",
                    ));
                }
            }
        }
    };
    if listing && stored.size_chart.is_none() && size_chart_required(category_id) {
        return Err(bad(
            e::P_SIZE_CHART,
            format!(
                "Invalid parameter: category {category_id} requires a 'size_chart' (an image uploaded with use_case SIZE_CHART_IMAGE, or a template)."
            ),
        ));
    }

    let market = st.shop.market;
    for (kind, ids) in [
        (Operator::ResponsiblePerson, &req.responsible_person_ids),
        (Operator::Manufacturer, &req.manufacturer_ids),
    ] {
        let what = kind.field();
        let ids: Vec<String> = ids
            .iter()
            .flatten()
            .filter(|id| !id.trim().is_empty())
            .cloned()
            .collect();
        if listing && market.requires(what) && ids.is_empty() {
            return Err(bad(
                e::P_INVALID_PARAM,
                format!(
                    "Invalid parameter: '{what}_ids' is required for products listed in {} (EU General Product Safety Regulation).",
                    market.code
                ),
            ));
        }
        for id in &ids {
            if !kind.parties(&st.compliance).iter().any(|p| &p.id == id) {
                return Err(bad(
                    e::P_INVALID_PARAM,
                    format!(
                        "Invalid parameter: {what} '{id}' does not exist; create it with /product/202409/compliance/{what}s."
                    ),
                ));
            }
        }
        match kind {
            Operator::ResponsiblePerson => stored.responsible_person_ids = ids,
            Operator::Manufacturer => stored.manufacturer_ids = ids,
        }
    }
    Ok(stored)
}
