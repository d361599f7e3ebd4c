//! Catalog: categories, attributes, rules, brands, image upload, products, inventory and prices,
//! plus the review (audit) step driven by the control API.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::compliance;
use super::errors::{self as e, ApiError};
use super::model::{Image, Product, Sku, State};
use super::{Ctx, TikTok, events, page};
use crate::common::{lock, now_secs};

pub(crate) const PRODUCT_STATUSES: &[&str] = &[
    "DRAFT",
    "PENDING",
    "FAILED",
    "ACTIVATE",
    "SELLER_DEACTIVATED",
    "PLATFORM_DEACTIVATED",
    "FREEZE",
    "DELETED",
];

const MAX_QUANTITY: i64 = 99_999;

/// The category tree version must be the one of the shop's market (US: the 7-level v2 tree,
/// §4.1). Omitted, it means v1 ("the old version is given by default").
pub(crate) fn require_version(st: &State, given: Option<&str>) -> Result<(), ApiError> {
    let market = st.shop.market;
    if given.unwrap_or("v1") == market.category_version {
        return Ok(());
    }
    Err(ApiError::biz(
        e::P_CATEGORY_VERSION,
        format!(
            "Invalid 'category_version' {}: {} shops must use category_version={}.",
            given.map_or_else(
                || "(missing, defaults to v1)".to_string(),
                |v| format!("'{v}'")
            ),
            market.code,
            market.category_version
        ),
    ))
}

fn require_tree(st: &State, ctx: &Ctx<'_>) -> Result<(), ApiError> {
    require_version(st, ctx.q("category_version"))
}

pub(crate) fn categories(st: &State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    require_tree(st, ctx)?;
    let keyword = ctx.q("keyword").unwrap_or("").to_lowercase();
    let list: Vec<Value> = st
        .categories
        .iter()
        .filter(|c| keyword.is_empty() || c.name.to_lowercase().contains(&keyword))
        .map(|c| {
            json!({
                "id": c.id,
                "parent_id": c.parent_id,
                "local_name": c.name,
                "is_leaf": c.is_leaf,
                "permission_statuses": [c.permission],
            })
        })
        .collect();
    Ok(json!({ "categories": list }))
}

fn leaf<'a>(st: &'a State, id: &str) -> Result<&'a super::model::Category, ApiError> {
    let c = st.category(id).ok_or_else(|| {
        ApiError::biz(
            e::P_CATEGORY,
            format!("Category '{id}' does not exist (category_version v2)."),
        )
    })?;
    if !c.is_leaf {
        return Err(ApiError::biz(
            e::P_CATEGORY,
            format!(
                "Category '{id}' ({}) is not a leaf category; use one of its leaf descendants.",
                c.name
            ),
        ));
    }
    Ok(c)
}

pub(crate) fn category_rules(st: &State, ctx: &Ctx<'_>, id: &str) -> Result<Value, ApiError> {
    require_tree(st, ctx)?;
    leaf(st, id)?;
    let (certifications, size_chart) = compliance::rules(st, id);
    Ok(json!({
        "product_certifications": certifications,
        "size_chart": size_chart,
        "cod": {"is_supported": false},
        "package_dimension": {"is_required": false},
        "epr": {"is_required": false},
        // EU markets (GPSR): every product names a responsible person and its manufacturer.
        "responsible_person": {"is_required": st.shop.market.requires("responsible_person")},
        "manufacturer": {"is_required": st.shop.market.requires("manufacturer")},
        "allowed_special_product_types": [],
        "fees": [],
        "seller_sku": {"is_required": true, "max_length": 50},
    }))
}

pub(crate) fn category_attributes(st: &State, ctx: &Ctx<'_>, id: &str) -> Result<Value, ApiError> {
    require_tree(st, ctx)?;
    leaf(st, id)?;
    let attrs: Vec<Value> = st
        .attributes
        .get(id)
        .map(|a| a.iter().map(super::model::Attribute::to_json).collect())
        .unwrap_or_default();
    Ok(json!({ "attributes": attrs }))
}

pub(crate) fn brands(st: &State, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let (size, offset) = ctx.paging(e::P_INVALID_PARAM, 100)?;
    let name = ctx.q("brand_name").unwrap_or("").to_lowercase();
    let category = ctx.q("category_id").filter(|c| !c.is_empty());
    if let Some(category) = category {
        require_tree(st, ctx)?;
        leaf(st, category)?;
    }
    let authorized = match ctx.q("is_authorized") {
        None | Some("") => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(other) => {
            return Err(ApiError::biz(
                e::P_INVALID_PARAM,
                format!("Invalid parameter: 'is_authorized' must be true or false, got '{other}'."),
            ));
        }
    };
    let list: Vec<Value> = st
        .brands
        .iter()
        .filter(|b| name.is_empty() || b.name.to_lowercase().contains(&name))
        .filter(|b| category.is_none_or(|c| b.serves(c)))
        .filter(|b| authorized.is_none_or(|a| b.authorized == a))
        .map(|b| {
            json!({
                "id": b.id,
                "name": b.name,
                "authorized_status": if b.authorized { "AUTHORIZED" } else { "UNAUTHORIEZD" },
                "is_t1_brand": false,
                "brand_status": "AVAILABLE",
            })
        })
        .collect();
    let total = list.len();
    let (brands, next) = page(list, size, offset);
    Ok(json!({"brands": brands, "total_count": total, "next_page_token": next}))
}

// ---------------------------------------------------------------------------------------------
// Images

const USE_CASES: &[&str] = &[
    "MAIN_IMAGE",
    "ATTRIBUTE_IMAGE",
    "DESCRIPTION_IMAGE",
    "CERTIFICATION_IMAGE",
    "SIZE_CHART_IMAGE",
];

/// The fields of a multipart/form-data body, by name (the last of a repeated name wins).
pub(crate) async fn multipart_fields(
    ctx: &Ctx<'_>,
    family: i64,
) -> Result<HashMap<String, Vec<u8>>, ApiError> {
    let boundary = multer::parse_boundary(ctx.content_type).map_err(|_| {
        ApiError::biz(
            family,
            "Invalid request: an upload must be multipart/form-data with a boundary.",
        )
    })?;
    let body = bytes::Bytes::copy_from_slice(ctx.body);
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = HashMap::new();
    loop {
        let field = multipart
            .next_field()
            .await
            .map_err(|err| ApiError::biz(family, format!("Invalid multipart body: {err}.")))?;
        let Some(field) = field else { break };
        let name = field.name().unwrap_or("").to_string();
        let bytes = field
            .bytes()
            .await
            .map_err(|err| ApiError::biz(family, format!("Invalid multipart body: {err}.")))?;
        fields.insert(name, bytes.to_vec());
    }
    Ok(fields)
}

pub(crate) async fn upload_image(tt: &Arc<TikTok>, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let mut fields = multipart_fields(ctx, e::P_IMAGE).await?;
    let data = fields.remove("data");
    let use_case = fields
        .remove("use_case")
        .map(|b| String::from_utf8_lossy(&b).trim().to_string());
    let data = data.ok_or_else(|| {
        ApiError::biz(
            e::P_IMAGE,
            "Invalid parameter: multipart field 'data' (the image file) is required.",
        )
    })?;
    let use_case = use_case.unwrap_or_else(|| "MAIN_IMAGE".to_string());
    if !USE_CASES.contains(&use_case.as_str()) {
        return Err(ApiError::biz(
            e::P_IMAGE,
            format!("Invalid 'use_case' '{use_case}'; expected one of {USE_CASES:?}."),
        ));
    }
    if data.len() > 10 * 1024 * 1024 {
        return Err(ApiError::biz(e::P_IMAGE, "Image is larger than 10 MB."));
    }
    let (format, width, height) = sniff_image(&data).ok_or_else(|| {
        ApiError::biz(
            e::P_IMAGE,
            "Unsupported image: 'data' must be a JPG, PNG, WEBP, HEIC or BMP file with readable dimensions.",
        )
    })?;
    let mut st = lock(&tt.state);
    let key = st.ids.hex(16);
    let uri = format!("tos-maliva-i-o3syd03w52-us/{key}");
    let url =
        format!("https://p16-oec-va.ibyteimg.com/{uri}~tplv-o3syd03w52-origin-{format}.{format}");
    st.images.insert(
        uri.clone(),
        Image {
            uri: uri.clone(),
            url: url.clone(),
            width,
            height,
            use_case: use_case.clone(),
        },
    );
    Ok(json!({"uri": uri, "url": url, "width": width, "height": height, "use_case": use_case}))
}

/// Recognizes the image format from magic bytes and reads its dimensions from the header.
fn sniff_image(d: &[u8]) -> Option<(&'static str, u32, u32)> {
    let be32 =
        |o: usize| -> Option<u32> { Some(u32::from_be_bytes(d.get(o..o + 4)?.try_into().ok()?)) };
    let le32 =
        |o: usize| -> Option<u32> { Some(u32::from_le_bytes(d.get(o..o + 4)?.try_into().ok()?)) };
    let le16 = |o: usize| -> Option<u32> {
        Some(u32::from(u16::from_le_bytes(
            d.get(o..o + 2)?.try_into().ok()?,
        )))
    };
    if d.starts_with(b"\x89PNG\r\n\x1a\n") && d.get(12..16) == Some(b"IHDR") {
        return Some(("png", be32(16)?, be32(20)?));
    }
    if d.starts_with(&[0xFF, 0xD8, 0xFF]) {
        // Walk the JPEG segments to the first start-of-frame marker.
        let mut i = 2;
        while i + 9 < d.len() {
            if d[i] != 0xFF {
                return None;
            }
            let marker = d[i + 1];
            let len = usize::from(u16::from_be_bytes([d[i + 2], d[i + 3]]));
            if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
                let h = u32::from(u16::from_be_bytes([d[i + 5], d[i + 6]]));
                let w = u32::from(u16::from_be_bytes([d[i + 7], d[i + 8]]));
                return Some(("jpeg", w, h));
            }
            i += 2 + len;
        }
        return None;
    }
    if d.starts_with(b"RIFF") && d.get(8..12) == Some(b"WEBP") {
        return match d.get(12..16)? {
            b"VP8X" => {
                let w = 1 + (le32(24)? & 0x00FF_FFFF);
                let h = 1 + ((le32(27)?) & 0x00FF_FFFF);
                Some(("webp", w, h))
            }
            b"VP8L" => {
                let bits = le32(21)?;
                Some(("webp", 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)))
            }
            b"VP8 " => Some(("webp", le16(26)? & 0x3FFF, le16(28)? & 0x3FFF)),
            _ => None,
        };
    }
    if d.starts_with(b"BM") {
        let w = le32(18)?;
        let h = i32::from_le_bytes(d.get(22..26)?.try_into().ok()?).unsigned_abs();
        return Some(("bmp", w, h));
    }
    if d.get(4..8) == Some(b"ftyp")
        && matches!(d.get(8..12), Some(b"heic" | b"heix" | b"mif1" | b"msf1"))
    {
        // HEIC dimensions live deep in the box tree; the sandbox reports a fixed size.
        return Some(("heic", 1200, 1200));
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Create

#[derive(Deserialize, Default)]
struct CreateReq {
    save_mode: Option<String>,
    title: Option<String>,
    description: Option<String>,
    category_id: Option<String>,
    category_version: Option<String>,
    brand_id: Option<String>,
    main_images: Option<Vec<ImageRef>>,
    package_weight: Option<Weight>,
    package_dimensions: Option<Dimensions>,
    product_attributes: Option<Vec<ProductAttr>>,
    skus: Option<Vec<SkuReq>>,
    external_product_id: Option<String>,
    idempotency_key: Option<String>,
    /// Certifications, size chart and the EU (GPSR) operator ids.
    #[serde(flatten)]
    compliance: compliance::ProductCompliance,
}

#[derive(Deserialize)]
struct ImageRef {
    uri: Option<String>,
}

#[derive(Deserialize)]
struct Weight {
    value: Option<String>,
    unit: Option<String>,
}

#[derive(Deserialize)]
struct Dimensions {
    length: Option<String>,
    width: Option<String>,
    height: Option<String>,
    unit: Option<String>,
}

#[derive(Deserialize)]
struct ProductAttr {
    id: Option<String>,
    values: Option<Vec<AttrValue>>,
}

#[derive(Deserialize)]
struct AttrValue {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct SkuReq {
    seller_sku: Option<String>,
    sales_attributes: Option<Vec<SalesAttr>>,
    price: Option<PriceReq>,
    list_price: Option<PriceReq>,
    inventory: Option<Vec<InvReq>>,
    external_sku_id: Option<String>,
}

#[derive(Deserialize)]
struct SalesAttr {
    id: Option<String>,
    name: Option<String>,
    value_id: Option<String>,
    value_name: Option<String>,
}

#[derive(Deserialize)]
struct PriceReq {
    amount: Option<String>,
    currency: Option<String>,
}

#[derive(Deserialize)]
struct InvReq {
    warehouse_id: Option<String>,
    quantity: Option<i64>,
}

fn bad(code: i64, msg: impl Into<String>) -> ApiError {
    ApiError::biz(code, msg)
}

fn positive_decimal(raw: Option<&str>, what: &str, code: i64) -> Result<Decimal, ApiError> {
    let raw = raw.ok_or_else(|| bad(code, format!("Invalid parameter: '{what}' is required.")))?;
    let d = Decimal::from_str(raw.trim()).map_err(|_| {
        bad(
            code,
            format!("Invalid parameter: '{what}' must be a decimal string, got '{raw}'."),
        )
    })?;
    if d <= Decimal::ZERO {
        return Err(bad(
            code,
            format!("Invalid parameter: '{what}' must be greater than 0, got '{raw}'."),
        ));
    }
    Ok(d)
}

fn price(st: &State, p: Option<&PriceReq>, what: &str) -> Result<Decimal, ApiError> {
    let p = p.ok_or_else(|| {
        bad(
            e::P_PRICE,
            format!("Invalid parameter: '{what}' is required."),
        )
    })?;
    let amount = positive_decimal(p.amount.as_deref(), &format!("{what}.amount"), e::P_PRICE)?;
    if st.shop.market.currency_decimals == 0 && !amount.fract().is_zero() {
        return Err(bad(
            e::P_PRICE,
            format!(
                "Invalid parameter: '{what}.amount' '{amount}': {} has no minor unit; use a whole amount.",
                st.shop.currency
            ),
        ));
    }
    if amount.scale() > 2 {
        return Err(bad(
            e::P_PRICE,
            format!(
                "Invalid parameter: '{what}.amount' may have at most 2 decimal places, got '{amount}'."
            ),
        ));
    }
    if amount > Decimal::from(100_000) {
        return Err(bad(
            e::P_PRICE,
            format!("Invalid parameter: '{what}.amount' {amount} exceeds the maximum 100000."),
        ));
    }
    match p.currency.as_deref() {
        Some(c) if c == st.shop.currency => Ok(amount),
        Some(c) => Err(bad(
            e::P_CURRENCY,
            format!(
                "Invalid parameter: '{what}.currency' '{c}' does not match the shop currency {}.",
                st.shop.currency
            ),
        )),
        None => Err(bad(
            e::P_CURRENCY,
            format!("Invalid parameter: '{what}.currency' is required."),
        )),
    }
}

fn inventory(
    st: &State,
    inv: Option<&Vec<InvReq>>,
    what: &str,
) -> Result<Vec<(String, i64)>, ApiError> {
    let inv = inv.filter(|v| !v.is_empty()).ok_or_else(|| {
        bad(
            e::P_WAREHOUSE,
            format!("Invalid parameter: '{what}' needs at least one {{warehouse_id, quantity}}."),
        )
    })?;
    let mut out: Vec<(String, i64)> = Vec::new();
    for (j, entry) in inv.iter().enumerate() {
        let wid = entry.warehouse_id.as_deref().unwrap_or("");
        let Some(w) = st.warehouses.iter().find(|w| w.id == wid) else {
            return Err(bad(
                e::P_WAREHOUSE,
                format!(
                    "Invalid parameter: '{what}[{j}].warehouse_id' '{wid}' is not a warehouse of this shop; list them with /logistics/202309/warehouses."
                ),
            ));
        };
        if !w.is_sales() {
            return Err(bad(
                e::P_WAREHOUSE,
                format!(
                    "Invalid parameter: warehouse '{wid}' is a {} and cannot hold sellable stock.",
                    w.kind
                ),
            ));
        }
        if out.iter().any(|(id, _)| id == wid) {
            return Err(bad(
                e::P_WAREHOUSE,
                format!("Invalid parameter: warehouse '{wid}' is listed twice in '{what}'."),
            ));
        }
        let q = entry.quantity.ok_or_else(|| {
            bad(
                e::P_QUANTITY,
                format!("Invalid parameter: '{what}[{j}].quantity' is required."),
            )
        })?;
        if !(0..=MAX_QUANTITY).contains(&q) {
            return Err(bad(
                e::P_QUANTITY,
                format!(
                    "Invalid parameter: '{what}[{j}].quantity' must be between 0 and {MAX_QUANTITY}, got {q}."
                ),
            ));
        }
        out.push((wid.to_string(), q));
    }
    Ok(out)
}

pub(crate) fn create_product(tt: &Arc<TikTok>, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    save_product(tt, ctx, None)
}

/// Create, or with `editing` fully replace (PUT, §4.1) an existing product: same validation;
/// an edit keeps the product id and the ids of SKUs whose seller SKU stays, and goes back to
/// review (PENDING).
pub(crate) fn save_product(
    tt: &Arc<TikTok>,
    ctx: &Ctx<'_>,
    editing: Option<&str>,
) -> Result<Value, ApiError> {
    let req: CreateReq = ctx.json(e::P_INVALID_PARAM)?;
    let mut st = lock(&tt.state);

    let previous = match editing {
        Some(id) => {
            let existing = product(&st, id)?;
            if ["DELETED", "FREEZE"].contains(&existing.status.as_str()) {
                return Err(bad(
                    e::P_INVALID_PARAM,
                    format!("Product {id} is {} and cannot be edited.", existing.status),
                ));
            }
            Some(existing.clone())
        }
        None => None,
    };

    if let Some(key) = req.idempotency_key.as_deref().filter(|_| editing.is_none()) {
        if key.is_empty() || key.chars().count() > 128 {
            return Err(bad(
                e::P_INVALID_PARAM,
                "Invalid parameter: 'idempotency_key' must be 1-128 characters.",
            ));
        }
        if let Some(existing) = st.idempotency.get(key).and_then(|id| st.products.get(id)) {
            return Ok(create_response(existing));
        }
    }

    let listing = match req.save_mode.as_deref() {
        None | Some("LISTING") => true,
        Some("AS_DRAFT") => false,
        Some(other) => {
            return Err(bad(
                e::P_INVALID_PARAM,
                format!("Invalid parameter: 'save_mode' '{other}'; expected AS_DRAFT or LISTING."),
            ));
        }
    };

    let title = req.title.as_deref().unwrap_or("").trim().to_string();
    let title_len = title.chars().count();
    if title_len == 0 || title_len > 255 {
        return Err(bad(
            e::P_TITLE,
            format!("Invalid parameter: 'title' must be 1-255 characters, got {title_len}."),
        ));
    }
    let description = req.description.clone().unwrap_or_default();
    if listing && description.trim().is_empty() {
        return Err(bad(
            e::P_INVALID_PARAM,
            "Invalid parameter: 'description' is required when save_mode is LISTING.",
        ));
    }
    if description.chars().count() > 10_000 {
        return Err(bad(
            e::P_INVALID_PARAM,
            "Invalid parameter: 'description' is longer than 10000 characters.",
        ));
    }

    require_version(&st, req.category_version.as_deref())?;
    let category_id = req.category_id.clone().unwrap_or_default();
    if category_id.is_empty() {
        return Err(bad(
            e::P_CATEGORY,
            "Invalid parameter: 'category_id' is required.",
        ));
    }
    let category = leaf(&st, &category_id)?;
    if category.permission != "AVAILABLE" {
        return Err(bad(
            e::P_CATEGORY,
            format!(
                "Category '{}' ({}) is {} for this shop; choose an AVAILABLE category.",
                category.id, category.name, category.permission
            ),
        ));
    }
    let attrs = st.attributes.get(&category_id).cloned().unwrap_or_default();

    let brand_id = req.brand_id.clone().filter(|b| !b.is_empty());
    compliance::check_brand(&st, brand_id.as_deref(), &category_id)?;

    let images = req.main_images.as_deref().unwrap_or_default();
    if listing && images.is_empty() {
        return Err(bad(
            e::P_IMAGE,
            "Invalid parameter: 'main_images' needs at least one image uri from /product/202309/images/upload.",
        ));
    }
    if images.len() > 9 {
        return Err(bad(
            e::P_IMAGE,
            format!(
                "Invalid parameter: at most 9 'main_images', got {}.",
                images.len()
            ),
        ));
    }
    let mut main_images = Vec::new();
    for (i, img) in images.iter().enumerate() {
        let uri = img.uri.as_deref().unwrap_or("");
        let Some(found) = st.images.get(uri) else {
            return Err(bad(
                e::P_IMAGE,
                format!(
                    "Invalid parameter: 'main_images[{i}].uri' '{uri}' was not uploaded with /product/202309/images/upload."
                ),
            ));
        };
        if found.use_case != "MAIN_IMAGE" {
            return Err(bad(
                e::P_IMAGE,
                format!(
                    "Invalid parameter: image '{uri}' was uploaded with use_case {}, not MAIN_IMAGE.",
                    found.use_case
                ),
            ));
        }
        if !(300..=4000).contains(&found.width) || !(300..=4000).contains(&found.height) {
            return Err(bad(
                e::P_IMAGE,
                format!(
                    "Invalid parameter: main image '{uri}' is {}x{} px; main images must be 300-4000 px on each side.",
                    found.width, found.height
                ),
            ));
        }
        main_images.push(found.clone());
    }

    let compliance = compliance::check_product(&st, &req.compliance, &category_id, listing)?;
    let market = st.shop.market;
    let package_weight = match &req.package_weight {
        Some(w) => {
            positive_decimal(w.value.as_deref(), "package_weight.value", e::P_PACKAGE)?;
            let unit = w.unit.as_deref().unwrap_or("");
            let allowed: &[&str] = if market.imperial_allowed() {
                &["KILOGRAM", "POUND"]
            } else {
                &["KILOGRAM"]
            };
            if !allowed.contains(&unit) {
                return Err(bad(
                    e::P_PACKAGE,
                    format!(
                        "Invalid parameter: 'package_weight.unit' '{unit}'; {} shops use {}.",
                        market.code,
                        allowed.join(" or ")
                    ),
                ));
            }
            Some(json!({"value": w.value, "unit": unit}))
        }
        None if listing => {
            return Err(bad(
                e::P_PACKAGE,
                "Invalid parameter: 'package_weight' {value, unit} is required for listings.",
            ));
        }
        None => None,
    };
    let package_dimensions = match &req.package_dimensions {
        Some(d) => {
            positive_decimal(
                d.length.as_deref(),
                "package_dimensions.length",
                e::P_PACKAGE,
            )?;
            positive_decimal(d.width.as_deref(), "package_dimensions.width", e::P_PACKAGE)?;
            positive_decimal(
                d.height.as_deref(),
                "package_dimensions.height",
                e::P_PACKAGE,
            )?;
            let unit = d.unit.as_deref().unwrap_or("");
            let allowed: &[&str] = if market.imperial_allowed() {
                &["CENTIMETER", "INCH"]
            } else {
                &["CENTIMETER"]
            };
            if !allowed.contains(&unit) {
                return Err(bad(
                    e::P_PACKAGE,
                    format!(
                        "Invalid parameter: 'package_dimensions.unit' '{unit}'; {} shops use {}.",
                        market.code,
                        allowed.join(" or ")
                    ),
                ));
            }
            // Units pair: KILOGRAM with CENTIMETER, POUND with INCH (Create Product).
            let weight_unit = req.package_weight.as_ref().and_then(|w| w.unit.as_deref());
            let pairs = matches!(
                (weight_unit, unit),
                (None, _) | (Some("KILOGRAM"), "CENTIMETER") | (Some("POUND"), "INCH")
            );
            if !pairs {
                return Err(bad(
                    e::P_PACKAGE,
                    format!(
                        "Invalid parameter: 'package_dimensions.unit' '{unit}' does not match 'package_weight.unit' '{}'; use KILOGRAM with CENTIMETER or POUND with INCH.",
                        weight_unit.unwrap_or_default()
                    ),
                ));
            }
            Some(json!({"length": d.length, "width": d.width, "height": d.height, "unit": unit}))
        }
        None => None,
    };

    // Product attributes.
    let mut product_attributes = Vec::new();
    let mut seen_attrs = HashSet::new();
    for (i, pa) in req
        .product_attributes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let id = pa.id.as_deref().unwrap_or("");
        let Some(def) = attrs
            .iter()
            .find(|a| a.id == id && a.kind == "PRODUCT_PROPERTY")
        else {
            return Err(bad(
                e::P_ATTRIBUTE,
                format!(
                    "Invalid parameter: 'product_attributes[{i}].id' '{id}' is not a product attribute of category {category_id}."
                ),
            ));
        };
        if !seen_attrs.insert(id.to_string()) {
            return Err(bad(
                e::P_ATTRIBUTE,
                format!("Invalid parameter: product attribute '{id}' is listed twice."),
            ));
        }
        let values = pa.values.as_deref().unwrap_or_default();
        if values.is_empty() {
            return Err(bad(
                e::P_ATTRIBUTE,
                format!(
                    "Invalid parameter: product attribute '{id}' ({}) needs at least one value.",
                    def.name
                ),
            ));
        }
        if values.len() > 1 && !def.multiple {
            return Err(bad(
                e::P_ATTRIBUTE,
                format!(
                    "Invalid parameter: product attribute '{id}' ({}) allows only one value.",
                    def.name
                ),
            ));
        }
        let mut out_values = Vec::new();
        for v in values {
            match (&v.id, &v.name) {
                (Some(vid), _) if !vid.is_empty() => {
                    let Some((_, vname)) = def.values.iter().find(|(x, _)| x == vid) else {
                        return Err(bad(
                            e::P_ATTRIBUTE,
                            format!(
                                "Invalid parameter: value id '{vid}' is not a value of attribute '{id}' ({}).",
                                def.name
                            ),
                        ));
                    };
                    out_values.push(json!({"id": vid, "name": vname}));
                }
                (_, Some(name)) if def.customizable && !name.trim().is_empty() => {
                    out_values.push(json!({"id": "", "name": name}));
                }
                _ => {
                    return Err(bad(
                        e::P_ATTRIBUTE,
                        format!(
                            "Invalid parameter: attribute '{id}' ({}) needs a value 'id' from its values list{}.",
                            def.name,
                            if def.customizable {
                                " or a custom 'name'"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
            }
        }
        product_attributes.push(json!({"id": id, "name": def.name, "values": out_values}));
    }
    if listing
        && let Some(missing) = attrs
            .iter()
            .find(|a| a.required && a.kind == "PRODUCT_PROPERTY" && !seen_attrs.contains(&a.id))
    {
        return Err(bad(
            e::P_ATTRIBUTE,
            format!(
                "Invalid parameter: required product attribute '{}' ({}) is missing for category {category_id}.",
                missing.id, missing.name
            ),
        ));
    }

    // SKUs.
    let sku_reqs = req.skus.as_deref().unwrap_or_default();
    if sku_reqs.is_empty() || sku_reqs.len() > 300 {
        return Err(bad(
            e::P_INVALID_PARAM,
            format!(
                "Invalid parameter: 'skus' must have 1-300 entries, got {}.",
                sku_reqs.len()
            ),
        ));
    }
    let mut skus: Vec<Sku> = Vec::new();
    let mut seen_skus = HashSet::new();
    let mut combos = HashSet::new();
    let mut attr_keys: Option<Vec<String>> = None;
    for (i, s) in sku_reqs.iter().enumerate() {
        let seller_sku = s.seller_sku.as_deref().unwrap_or("");
        let n = seller_sku.chars().count();
        if n == 0 || n > 50 {
            return Err(bad(
                e::P_SELLER_SKU,
                format!(
                    "Invalid parameter: 'skus[{i}].seller_sku' must be 1-50 characters, got {n}."
                ),
            ));
        }
        if !seen_skus.insert(seller_sku.to_string()) {
            return Err(bad(
                e::P_DUPLICATE_SKU,
                format!("Duplicate seller_sku '{seller_sku}' within this request."),
            ));
        }
        if let Some((p, _)) = st.find_seller_sku(seller_sku)
            && Some(p.id.as_str()) != editing
        {
            return Err(bad(
                e::P_DUPLICATE_SKU,
                format!(
                    "The seller_sku '{seller_sku}' already exists in this shop (product {}); seller SKUs must be unique.",
                    p.id
                ),
            ));
        }
        let sale = price(&st, s.price.as_ref(), &format!("skus[{i}].price"))?;
        let list_price = match &s.list_price {
            Some(lp) => Some(price(&st, Some(lp), &format!("skus[{i}].list_price"))?),
            None => None,
        };
        let inv = inventory(&st, s.inventory.as_ref(), &format!("skus[{i}].inventory"))?;

        let sales = s.sales_attributes.as_deref().unwrap_or_default();
        if sales.len() > 3 {
            return Err(bad(
                e::P_ATTRIBUTE,
                format!(
                    "Invalid parameter: 'skus[{i}].sales_attributes' allows at most 3 attributes."
                ),
            ));
        }
        let mut keys = Vec::new();
        let mut combo = Vec::new();
        let mut out_sales = Vec::new();
        for (j, a) in sales.iter().enumerate() {
            let (aid, aname) = match (&a.id, &a.name) {
                (Some(aid), _) if !aid.is_empty() => {
                    let Some(def) = attrs
                        .iter()
                        .find(|x| &x.id == aid && x.kind == "SALES_PROPERTY")
                    else {
                        return Err(bad(
                            e::P_ATTRIBUTE,
                            format!(
                                "Invalid parameter: 'skus[{i}].sales_attributes[{j}].id' '{aid}' is not a sales attribute of category {category_id}."
                            ),
                        ));
                    };
                    (aid.clone(), def.name.clone())
                }
                (_, Some(name)) if !name.trim().is_empty() => (String::new(), name.clone()),
                _ => {
                    return Err(bad(
                        e::P_ATTRIBUTE,
                        format!(
                            "Invalid parameter: 'skus[{i}].sales_attributes[{j}]' needs an 'id' or a custom 'name'."
                        ),
                    ));
                }
            };
            let value_name = match (&a.value_id, &a.value_name) {
                (_, Some(v)) if !v.trim().is_empty() => v.clone(),
                (Some(vid), _) if !vid.is_empty() => attrs
                    .iter()
                    .find(|x| x.id == aid)
                    .and_then(|x| x.values.iter().find(|(id, _)| id == vid))
                    .map(|(_, n)| n.clone())
                    .ok_or_else(|| bad(e::P_ATTRIBUTE, format!("Invalid parameter: value id '{vid}' is not a value of sales attribute '{aname}'.")))?,
                _ => {
                    return Err(bad(e::P_ATTRIBUTE, format!("Invalid parameter: 'skus[{i}].sales_attributes[{j}]' needs 'value_name' or 'value_id'.")));
                }
            };
            let key = if aid.is_empty() {
                aname.to_lowercase()
            } else {
                aid.clone()
            };
            if keys.contains(&key) {
                return Err(bad(
                    e::P_ATTRIBUTE,
                    format!(
                        "Invalid parameter: sales attribute '{aname}' is repeated in skus[{i}]."
                    ),
                ));
            }
            keys.push(key);
            combo.push(value_name.to_lowercase());
            out_sales.push((aid, aname, a.value_id.clone(), value_name));
        }
        if sku_reqs.len() > 1 {
            if keys.is_empty() {
                return Err(bad(
                    e::P_ATTRIBUTE,
                    format!(
                        "Invalid parameter: a product with several SKUs needs 'sales_attributes' on every SKU (skus[{i}] has none)."
                    ),
                ));
            }
            let mut sorted = keys.clone();
            sorted.sort();
            match &attr_keys {
                None => attr_keys = Some(sorted),
                Some(k) if *k != sorted => {
                    return Err(bad(
                        e::P_ATTRIBUTE,
                        format!(
                            "Invalid parameter: all SKUs must use the same sales attributes (skus[{i}] differs)."
                        ),
                    ));
                }
                Some(_) => {}
            }
            if !combos.insert(combo) {
                return Err(bad(
                    e::P_ATTRIBUTE,
                    format!(
                        "Invalid parameter: skus[{i}] repeats the sales attribute values of another SKU."
                    ),
                ));
            }
        }
        skus.push(Sku {
            id: String::new(),
            seller_sku: seller_sku.to_string(),
            external_sku_id: s.external_sku_id.clone(),
            sales_attributes: out_sales
                .into_iter()
                .map(|(aid, aname, vid, vname)| json!({"id": aid, "name": aname, "value_id": vid.unwrap_or_default(), "value_name": vname}))
                .collect(),
            price: sale,
            list_price,
            inventory: inv,
        });
    }

    // All valid: assign ids and store.
    let now = now_secs();
    let product_id = editing.map_or_else(|| st.ids.next_id(), str::to_owned);
    let mut attr_ids: HashMap<String, String> = HashMap::new();
    for sku in &mut skus {
        sku.id = previous
            .as_ref()
            .and_then(|p| p.skus.iter().find(|old| old.seller_sku == sku.seller_sku))
            .map_or_else(|| st.ids.next_id(), |old| old.id.clone());
        for a in &mut sku.sales_attributes {
            if a["id"].as_str() == Some("") {
                let name = a["name"].as_str().unwrap_or("").to_lowercase();
                let id = attr_ids
                    .entry(name)
                    .or_insert_with(|| st.ids.next_id())
                    .clone();
                a["id"] = json!(id);
            }
            if a["value_id"].as_str() == Some("") {
                a["value_id"] = json!(st.ids.next_id());
            }
        }
    }
    let product = Product {
        id: product_id.clone(),
        title,
        description,
        category_id,
        brand_id,
        main_images,
        package_weight,
        package_dimensions,
        product_attributes,
        skus,
        status: if listing { "PENDING" } else { "DRAFT" }.to_string(),
        audit_failed_reasons: Vec::new(),
        create_time: previous.as_ref().map_or(now, |p| p.create_time),
        update_time: now,
        external_product_id: req.external_product_id.clone(),
        compliance,
    };
    let response = create_response(&product);
    st.insert_product(product);
    if let Some(key) = req.idempotency_key.filter(|_| editing.is_none()) {
        st.idempotency.insert(key, product_id.clone());
    }
    drop(st);

    if listing && let Some(delay) = tt.auto_review {
        let tt2 = Arc::clone(tt);
        tt.bg.spawn(async move {
            tokio::time::sleep(delay).await;
            // The product may have been reviewed via the control API meanwhile.
            let _ = review(&tt2, &product_id, true, Vec::new());
        });
    }
    Ok(response)
}

fn create_response(p: &Product) -> Value {
    json!({
        "product_id": p.id,
        "skus": p.skus.iter().map(|s| json!({
            "id": s.id,
            "seller_sku": s.seller_sku,
            "external_sku_id": s.external_sku_id.clone().unwrap_or_default(),
            "sales_attributes": s.sales_attributes.iter().map(|a| json!({"id": a["id"], "value_id": a["value_id"]})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "warnings": [],
    })
}

fn money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

fn sku_json(currency: &str, s: &Sku) -> Value {
    let mut v = json!({
        "id": s.id,
        "seller_sku": s.seller_sku,
        "external_sku_id": s.external_sku_id.clone().unwrap_or_default(),
        "price": {"currency": currency, "sale_price": money(s.price), "tax_exclusive_price": money(s.price)},
        "inventory": s.inventory.iter().map(|(w, q)| json!({"warehouse_id": w, "quantity": q})).collect::<Vec<_>>(),
        "sales_attributes": s.sales_attributes,
    });
    if let Some(lp) = s.list_price {
        v["list_price"] = json!({"currency": currency, "amount": money(lp)});
    }
    v
}

pub(crate) fn product_json(st: &State, p: &Product) -> Value {
    let brand = p
        .brand_id
        .as_ref()
        .and_then(|b| st.brands.iter().find(|x| &x.id == b))
        .map(|b| json!({"id": b.id, "name": b.name}));
    let mut v = json!({
        "id": p.id,
        "title": p.title,
        "description": p.description,
        "status": p.status,
        "category_chains": st.category_chain(&p.category_id).iter().map(|c| json!({
            "id": c.id, "parent_id": c.parent_id, "local_name": c.name, "is_leaf": c.is_leaf,
        })).collect::<Vec<_>>(),
        "main_images": p.main_images.iter().map(|i| json!({
            "uri": i.uri, "urls": [i.url], "width": i.width, "height": i.height,
        })).collect::<Vec<_>>(),
        "product_attributes": p.product_attributes,
        "skus": p.skus.iter().map(|s| sku_json(&st.shop.currency, s)).collect::<Vec<_>>(),
        "audit_failed_reasons": p.audit_failed_reasons,
        "audit": {"status": p.audit_status(), "pre_approved_reasons": []},
        "create_time": p.create_time,
        "update_time": p.update_time,
        "external_product_id": p.external_product_id.clone().unwrap_or_default(),
        "is_cod_allowed": false,
    });
    // TikTok leaves out what the product does not have; it never sends `null` for these.
    let optional = [
        ("brand", brand),
        ("package_weight", p.package_weight.clone()),
        ("package_dimensions", p.package_dimensions.clone()),
    ];
    for (key, value) in optional {
        if let Some(value) = value.filter(|v| !v.is_null()) {
            v[key] = value;
        }
    }
    p.compliance.write(&mut v);
    v
}

fn product<'a>(st: &'a State, id: &str) -> Result<&'a Product, ApiError> {
    st.products.get(id).ok_or_else(|| {
        bad(
            e::P_NOT_FOUND,
            format!("Product '{id}' does not exist in this shop."),
        )
    })
}

pub(crate) fn get_product(st: &State, id: &str) -> Result<Value, ApiError> {
    Ok(product_json(st, product(st, id)?))
}

#[derive(Deserialize, Default)]
struct SearchReq {
    status: Option<String>,
    seller_skus: Option<Vec<String>>,
    create_time_ge: Option<i64>,
    create_time_le: Option<i64>,
    update_time_ge: Option<i64>,
    update_time_le: Option<i64>,
    category_version: Option<String>,
    // 202502 and later:
    audit_status: Option<Vec<String>>,
    sku_ids: Option<Vec<String>>,
}

/// Audit filter values of Search Products 202502.
const AUDIT_FILTERS: [&str; 3] = ["AUDITING", "FAILED", "APPROVED"];
/// Search Products 202502 takes at most this many `sku_ids`.
const MAX_SEARCH_SKU_IDS: usize = 10;

/// Which Search Products version answers: 202309, or 202502 (audit and SKU-id filters, each
/// product's `audit`, each SKU's `status_info`; 202309 products carry no `audit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SearchVersion {
    V202309,
    V202502,
}

pub(crate) fn search_products(
    st: &State,
    ctx: &Ctx<'_>,
    version: SearchVersion,
) -> Result<Value, ApiError> {
    let (size, offset) = ctx.paging(e::P_INVALID_PARAM, 100)?;
    let req: SearchReq = ctx.json(e::P_INVALID_PARAM)?;
    let newer = version == SearchVersion::V202502;
    if !newer && (req.audit_status.is_some() || req.sku_ids.is_some()) {
        return Err(bad(
            e::P_INVALID_PARAM,
            "Invalid parameter: 'audit_status' and 'sku_ids' are filters of /product/202502/products/search.",
        ));
    }
    let status = req.status.clone().unwrap_or_else(|| "ALL".to_string());
    if status != "ALL" && !PRODUCT_STATUSES.contains(&status.as_str()) {
        return Err(bad(
            e::P_INVALID_PARAM,
            format!(
                "Invalid parameter: 'status' '{status}'; expected ALL or one of {PRODUCT_STATUSES:?}."
            ),
        ));
    }
    if req.category_version.is_some() {
        require_version(st, req.category_version.as_deref())?;
    }
    let audits = req.audit_status.unwrap_or_default();
    if let Some(bad_audit) = audits.iter().find(|a| !AUDIT_FILTERS.contains(&a.as_str())) {
        return Err(bad(
            e::P_INVALID_PARAM,
            format!(
                "Invalid parameter: 'audit_status' '{bad_audit}'; expected any of {AUDIT_FILTERS:?}."
            ),
        ));
    }
    let sku_ids = req.sku_ids.unwrap_or_default();
    if sku_ids.len() > MAX_SEARCH_SKU_IDS {
        return Err(bad(
            e::P_INVALID_PARAM,
            format!(
                "Invalid parameter: 'sku_ids' takes at most {MAX_SEARCH_SKU_IDS} ids, got {}.",
                sku_ids.len()
            ),
        ));
    }
    let skus = req.seller_skus.unwrap_or_default();
    // A search by seller SKU (the duplicate guard before every listing) reads only the
    // products that carry one.
    let candidates: Box<dyn Iterator<Item = &Product>> = if skus.is_empty() {
        Box::new(st.products.values())
    } else {
        Box::new(st.products_with_seller_skus(&skus))
    };
    let matches: Vec<&Product> = candidates
        .filter(|p| {
            if status == "ALL" {
                p.status != "DELETED"
            } else {
                p.status == status
            }
        })
        .filter(|p| skus.is_empty() || p.skus.iter().any(|s| skus.contains(&s.seller_sku)))
        .filter(|p| sku_ids.is_empty() || p.skus.iter().any(|s| sku_ids.contains(&s.id)))
        .filter(|p| audits.is_empty() || audits.iter().any(|a| a == p.audit_status()))
        .filter(|p| req.create_time_ge.is_none_or(|t| p.create_time >= t))
        .filter(|p| req.create_time_le.is_none_or(|t| p.create_time <= t))
        .filter(|p| req.update_time_ge.is_none_or(|t| p.update_time >= t))
        .filter(|p| req.update_time_le.is_none_or(|t| p.update_time <= t))
        .collect();
    let total = matches.len();
    let (items, next) = page(matches, size, offset);
    let products: Vec<Value> = items
        .iter()
        .map(|p| {
            let mut v = json!({
                "id": p.id,
                "title": p.title,
                "status": p.status,
                "skus": p.skus.iter().map(|s| {
                    let mut sku = json!({
                        "id": s.id,
                        "seller_sku": s.seller_sku,
                        "price": {"currency": st.shop.currency, "sale_price": money(s.price), "tax_exclusive_price": money(s.price)},
                        "inventory": s.inventory.iter().map(|(w, q)| json!({"warehouse_id": w, "quantity": q})).collect::<Vec<_>>(),
                    });
                    if newer {
                        sku["status_info"] = json!({"status": "NORMAL"});
                    }
                    sku
                }).collect::<Vec<_>>(),
                "create_time": p.create_time,
                "update_time": p.update_time,
                "sales_regions": [st.shop.region],
            });
            if newer {
                v["audit"] = json!({"status": p.audit_status(), "pre_approved_reasons": []});
            }
            v
        })
        .collect();
    Ok(json!({"products": products, "total_count": total, "next_page_token": next}))
}

#[derive(Deserialize, Default)]
struct InventoryUpdateReq {
    skus: Option<Vec<InventorySku>>,
}

#[derive(Deserialize)]
struct InventorySku {
    id: Option<String>,
    inventory: Option<Vec<InvReq>>,
}

pub(crate) fn update_inventory(
    tt: &TikTok,
    ctx: &Ctx<'_>,
    product_id: &str,
) -> Result<Value, ApiError> {
    let req: InventoryUpdateReq = ctx.json(e::P_INVALID_PARAM)?;
    let mut st = lock(&tt.state);
    let p = product(&st, product_id)?;
    if p.status == "FREEZE" || p.status == "DELETED" {
        return Err(bad(
            e::P_STATUS,
            format!(
                "Product '{product_id}' is {}; inventory cannot be updated in this status.",
                p.status
            ),
        ));
    }
    let items = req.skus.unwrap_or_default();
    if items.is_empty() {
        return Err(bad(
            e::P_INVALID_PARAM,
            "Invalid parameter: 'skus' must list at least one SKU.",
        ));
    }
    let mut updates: Vec<(usize, Vec<(String, i64)>)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let sku_id = item.id.as_deref().unwrap_or("");
        let Some(idx) = p.skus.iter().position(|s| s.id == sku_id) else {
            return Err(bad(
                e::P_SKU_NOT_IN_PRODUCT,
                format!(
                    "SKU '{sku_id}' (skus[{i}]) does not belong to product '{product_id}'; update each product's SKUs with its own call."
                ),
            ));
        };
        if updates.iter().any(|(j, _)| *j == idx) {
            return Err(bad(
                e::P_INVALID_PARAM,
                format!("Invalid parameter: SKU '{sku_id}' is listed twice."),
            ));
        }
        let inv = inventory(
            &st,
            item.inventory.as_ref(),
            &format!("skus[{i}].inventory"),
        )?;
        if let Some((missing, _)) = p.skus[idx]
            .inventory
            .iter()
            .find(|(w, _)| !inv.iter().any(|(x, _)| x == w))
        {
            return Err(bad(
                e::P_WAREHOUSE,
                format!(
                    "Invalid parameter: SKU '{sku_id}' is stocked in warehouse '{missing}', which is missing from the request; include every warehouse of the SKU."
                ),
            ));
        }
        updates.push((idx, inv));
    }
    let now = now_secs();
    if let Some(p) = st.products.get_mut(product_id) {
        for (idx, inv) in updates {
            p.skus[idx].inventory = inv;
        }
        p.update_time = now;
    }
    Ok(json!({}))
}

#[derive(Deserialize, Default)]
struct PriceUpdateReq {
    skus: Option<Vec<PriceSku>>,
}

#[derive(Deserialize)]
struct PriceSku {
    id: Option<String>,
    price: Option<PriceReq>,
    list_price: Option<PriceReq>,
}

pub(crate) fn update_prices(
    tt: &TikTok,
    ctx: &Ctx<'_>,
    product_id: &str,
) -> Result<Value, ApiError> {
    let req: PriceUpdateReq = ctx.json(e::P_INVALID_PARAM)?;
    let mut st = lock(&tt.state);
    let p = product(&st, product_id)?;
    if p.status != "ACTIVATE" {
        return Err(bad(
            e::P_STATUS,
            format!(
                "Product '{product_id}' is {}; prices can only be updated while the product is ACTIVATE.",
                p.status
            ),
        ));
    }
    let items = req.skus.unwrap_or_default();
    if items.is_empty() {
        return Err(bad(
            e::P_INVALID_PARAM,
            "Invalid parameter: 'skus' must list at least one SKU.",
        ));
    }
    let mut updates = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let sku_id = item.id.as_deref().unwrap_or("");
        let Some(idx) = p.skus.iter().position(|s| s.id == sku_id) else {
            return Err(bad(
                e::P_SKU_NOT_IN_PRODUCT,
                format!("SKU '{sku_id}' (skus[{i}]) does not belong to product '{product_id}'."),
            ));
        };
        let amount = price(&st, item.price.as_ref(), &format!("skus[{i}].price"))?;
        let list = match &item.list_price {
            Some(lp) => Some(price(&st, Some(lp), &format!("skus[{i}].list_price"))?),
            None => None,
        };
        updates.push((idx, amount, list));
    }
    let now = now_secs();
    if let Some(p) = st.products.get_mut(product_id) {
        for (idx, amount, list) in updates {
            p.skus[idx].price = amount;
            if list.is_some() {
                p.skus[idx].list_price = list;
            }
        }
        p.update_time = now;
    }
    Ok(json!({}))
}

/// Approves (→ ACTIVATE) or rejects (→ FAILED) a PENDING product and fires the type 5 and 37
/// webhooks. Errors are messages for the control API.
pub(crate) fn review(
    tt: &TikTok,
    product_id: &str,
    approve: bool,
    reasons: Vec<String>,
) -> Result<Value, String> {
    let mut st = lock(&tt.state);
    let now = now_secs();
    let Some(p) = st.products.get_mut(product_id) else {
        return Err(format!("product {product_id} not found"));
    };
    if p.status != "PENDING" {
        return Err(format!(
            "product {product_id} is {}, only PENDING products can be reviewed",
            p.status
        ));
    }
    let first_pass = p.audit_failed_reasons.is_empty();
    if approve {
        p.status = "ACTIVATE".to_string();
        p.audit_failed_reasons.clear();
    } else {
        let reasons = if reasons.is_empty() {
            vec!["The main image does not clearly show the product.".to_string()]
        } else {
            reasons
        };
        p.status = "FAILED".to_string();
        p.audit_failed_reasons = vec![json!({
            "position": "product",
            "reasons": reasons,
            "suggestions": ["Fix the listed issues, then edit and resubmit the product."],
            "listing_platform": "TIKTOK_SHOP",
        })];
    }
    p.update_time = now;
    let suspended = if approve {
        String::new()
    } else {
        p.audit_failed_reasons[0]["reasons"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    };
    let status_event = match (approve, first_pass) {
        (true, true) => "PRODUCT_FIRST_PASS_REVIEW",
        (true, false) => "PRODUCT_STATUS_CHANGED",
        (false, _) => "PRODUCT_AUDIT_FAILURE",
    };
    let numeric_id: u64 = product_id.parse().unwrap_or_default();
    let out = product_json(&st, &st.products[product_id]);
    // Type 5 carries product_id as a JSON number (as documented); type 37 as a string.
    events::emit(
        tt,
        &mut st,
        "PRODUCT_STATUS_CHANGE",
        json!({"product_id": numeric_id, "status": status_event, "suspended_reason": suspended, "update_time": now}),
    );
    events::emit(
        tt,
        &mut st,
        "PRODUCT_AUDIT_STATUS_CHANGE",
        json!({"product_id": product_id, "audit": {"status": if approve { "APPROVED" } else { "FAILED" }, "pre_approved_reasons": []}, "update_time": now}),
    );
    Ok(out)
}
