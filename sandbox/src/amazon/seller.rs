//! The seller's own Amazon catalog (amazon-seller-central.md): listings items (parents of
//! variation families, their child SKUs and standalone SKUs) with their catalog data, seeded
//! from the sandbox's shared catalog. FBA SKUs take their quantity from FBA inventory
//! ([`super::model::State::stock`]); merchant-fulfilled (FBM) SKUs carry an MFN quantity.
//!
//! Simulator choices where the models leave it open:
//! - catalog figures are reported in the marketplace's customary units (US: inches and pounds,
//!   UK: centimeters and kilograms);
//! - a parent SKU is `PARENT-<handle>` and has no offer; the report lists only offers;
//! - the brand is "Feedbridge Demo"; bullet points are the product's tags and option values.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

use super::model::{Marketplace, State};
use crate::catalog_seed::SeedProduct;
use crate::common::iso8601;

pub(crate) const BRAND: &str = "Feedbridge Demo";

/// One listings item of the seller.
pub(crate) struct Listing {
    pub(crate) sku: String,
    pub(crate) asin: String,
    pub(crate) product_type: String,
    pub(crate) item_name: String,
    /// The family's parent SKU (a child of a variation family).
    pub(crate) parent_sku: Option<String>,
    /// A parent's child SKUs, in seed order.
    pub(crate) child_skus: Vec<String>,
    /// The variation attribute (`size_name`, `color_name`, `style_name`, `scent_name`) and value.
    pub(crate) variation: Option<(String, String)>,
    pub(crate) bullets: Vec<String>,
    pub(crate) description: String,
    /// `None` for a parent (no offer).
    pub(crate) price: Option<Decimal>,
    /// Fulfilled by Amazon: its quantity is FBA inventory's.
    pub(crate) fba: bool,
    /// Merchant-fulfilled quantity (`fulfillmentChannelCode` `DEFAULT`).
    pub(crate) mfn_quantity: i64,
    pub(crate) weight_grams: Option<u32>,
    pub(crate) box_cm: Option<[u32; 3]>,
    /// Image file names served at `/images/I/{name}` (the first is MAIN).
    pub(crate) images: Vec<String>,
    pub(crate) created_ms: i64,
    pub(crate) updated_ms: i64,
}

impl Listing {
    pub(crate) fn is_parent(&self) -> bool {
        !self.child_skus.is_empty()
    }
}

/// The seller's catalog.
pub(crate) struct Seller {
    /// The merchant token (`sellerId` in Listings Items paths).
    pub(crate) seller_id: String,
    /// Where the simulator serves its images (`http://host:port`).
    pub(crate) base_url: String,
    pub(crate) listings: BTreeMap<String, Listing>,
    pub(crate) reports: BTreeMap<String, super::reports::Report>,
    pub(crate) next_report: u64,
}

impl Seller {
    /// No listings yet (before [`Seller::seed`]).
    pub(crate) fn empty() -> Self {
        Self {
            seller_id: String::new(),
            base_url: String::new(),
            listings: BTreeMap::new(),
            reports: BTreeMap::new(),
            next_report: 0,
        }
    }

    /// Seeds the seller's listings from the shared catalog: SKUs `fba` holds are FBA, the rest
    /// merchant-fulfilled with the seeded stock as MFN quantity.
    pub(crate) fn seed(
        seed: u64,
        base_url: String,
        catalog: Vec<SeedProduct>,
        fba_asins: &BTreeMap<String, String>,
    ) -> Self {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5e11_e2ca_7a10_9001);
        let seller_id = format!("A{}", alnum(&mut rng, 13));
        let mut listings = BTreeMap::new();
        for product in catalog {
            let theme = variation_attribute(product.option_name.as_deref());
            let bullets = bullets_of(&product);
            let description = strip_tags(&product.description_html);
            let product_type = product_type_of(&product.product_type);
            let family = product.variants.len() > 1;
            let parent_sku = family.then(|| format!("PARENT-{}", product.handle.to_uppercase()));
            let mut child_skus = Vec::new();
            for variant in &product.variants {
                if variant.sku.is_empty() {
                    continue;
                }
                let asin = fba_asins
                    .get(&variant.sku)
                    .cloned()
                    .unwrap_or_else(|| format!("B0{}", alnum(&mut rng, 8)));
                let fba = fba_asins.contains_key(&variant.sku);
                let item_name = if family {
                    format!("{}, {}", product.title, variant.option_value)
                } else {
                    product.title.clone()
                };
                child_skus.push(variant.sku.clone());
                listings.insert(
                    variant.sku.clone(),
                    Listing {
                        sku: variant.sku.clone(),
                        images: vec![format!("{asin}.png")],
                        asin,
                        product_type: product_type.clone(),
                        item_name,
                        parent_sku: parent_sku.clone(),
                        child_skus: Vec::new(),
                        variation: family.then(|| (theme.clone(), variant.option_value.clone())),
                        bullets: bullets.clone(),
                        description: description.clone(),
                        price: Some(variant.price),
                        fba,
                        mfn_quantity: if fba { 0 } else { variant.stock.max(0) },
                        weight_grams: variant.weight_grams,
                        box_cm: product.box_cm,
                        created_ms: product.created_ms,
                        updated_ms: product.updated_ms,
                    },
                );
            }
            if let Some(parent_sku) = parent_sku {
                let asin = format!("B0{}", alnum(&mut rng, 8));
                listings.insert(
                    parent_sku.clone(),
                    Listing {
                        sku: parent_sku,
                        images: vec![format!("{asin}.png"), format!("{asin}-PT01.png")],
                        asin,
                        product_type,
                        item_name: product.title.clone(),
                        parent_sku: None,
                        child_skus,
                        variation: None,
                        bullets,
                        description,
                        price: None,
                        fba: false,
                        mfn_quantity: 0,
                        weight_grams: None,
                        box_cm: None,
                        created_ms: product.created_ms,
                        updated_ms: product.updated_ms,
                    },
                );
            }
        }
        Self {
            seller_id,
            base_url,
            listings,
            reports: BTreeMap::new(),
            next_report: rng.random_range(50_000_000_000..60_000_000_000),
        }
    }

    pub(crate) fn by_asin(&self, asin: &str) -> Option<&Listing> {
        self.listings.values().find(|l| l.asin == asin)
    }

    fn image_link(&self, file: &str) -> String {
        format!("{}/images/I/{file}", self.base_url)
    }
}

fn alnum(rng: &mut StdRng, n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    (0..n)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

/// The attribute a family varies by, as Amazon names it.
fn variation_attribute(option: Option<&str>) -> String {
    match option.unwrap_or("").to_ascii_lowercase().as_str() {
        "size" => "size_name",
        "color" | "colour" => "color_name",
        "scent" => "scent_name",
        _ => "style_name",
    }
    .to_string()
}

fn product_type_of(store_type: &str) -> String {
    match store_type {
        "T-Shirts" | "Hoodies" => "SHIRT",
        "Bags" => "HANDBAG",
        "Mugs" => "DRINKING_CUP",
        "Hats" => "HAT",
        "Candles" => "CANDLE",
        _ => "HOME",
    }
    .to_string()
}

fn bullets_of(product: &SeedProduct) -> Vec<String> {
    let mut bullets: Vec<String> = product
        .tags
        .iter()
        .map(|t| format!("Made for {t} lovers"))
        .collect();
    if let Some(option) = &product.option_name {
        let values: Vec<&str> = product
            .variants
            .iter()
            .map(|v| v.option_value.as_str())
            .collect();
        bullets.push(format!("{option}: {}", values.join(", ")));
    }
    bullets.push(format!("{} by {BRAND}", product.title));
    bullets
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// A listing's quantity for its channel: FBA fulfillable units, or the MFN quantity.
pub(crate) fn quantity(st: &State, listing: &Listing) -> i64 {
    if listing.fba {
        st.stock.get(&listing.sku).map_or(0, |s| s.fulfillable)
    } else {
        listing.mfn_quantity
    }
}

/// The FBA fulfilment channel of the marketplace's region.
pub(crate) fn fba_channel(marketplace: Marketplace) -> &'static str {
    match marketplace {
        Marketplace::Us => "AMAZON_NA",
        Marketplace::Uk => "AMAZON_EU",
    }
}

/// `includedData` of Listings Items 2021-08-01.
pub(crate) const LISTING_DATA: &[&str] = &[
    "summaries",
    "attributes",
    "issues",
    "offers",
    "fulfillmentAvailability",
    "procurement",
    "relationships",
    "productTypes",
];

/// A listings item (`Item`) with the sets of data asked for.
pub(crate) fn listing_json(st: &State, listing: &Listing, included: &[String]) -> Value {
    let seller = &st.seller;
    let m = st.marketplace.id();
    let has = |name: &str| included.iter().any(|i| i == name);
    let mut item = json!({"sku": listing.sku});
    if has("summaries") {
        let mut status = vec!["DISCOVERABLE"];
        if !listing.is_parent() && quantity(st, listing) > 0 {
            status.insert(0, "BUYABLE");
        }
        let mut summary = json!({
            "marketplaceId": m,
            "asin": listing.asin,
            "productType": listing.product_type,
            "conditionType": "new_new",
            "status": status,
            "itemName": listing.item_name,
            "createdDate": iso8601(listing.created_ms),
            "lastUpdatedDate": iso8601(listing.updated_ms),
            "mainImage": {"link": seller.image_link(&listing.images[0]), "height": 1000, "width": 1000},
        });
        if listing.fba
            && let Some(stock) = st.stock.get(&listing.sku)
        {
            summary["fnSku"] = json!(stock.fn_sku);
        }
        item["summaries"] = json!([summary]);
    }
    if has("attributes") {
        item["attributes"] = listing_attributes(st, listing);
    }
    if has("issues") {
        item["issues"] = json!([]);
    }
    if has("offers") {
        item["offers"] = match listing.price {
            Some(price) => json!([{
                "marketplaceId": m,
                "offerType": "B2C",
                "price": {"currencyCode": st.marketplace.currency(), "amount": price.to_string()},
            }]),
            None => json!([]),
        };
    }
    if has("fulfillmentAvailability") {
        item["fulfillmentAvailability"] = if listing.is_parent() {
            json!([])
        } else if listing.fba {
            json!([{"fulfillmentChannelCode": fba_channel(st.marketplace), "quantity": quantity(st, listing)}])
        } else {
            json!([{"fulfillmentChannelCode": "DEFAULT", "quantity": listing.mfn_quantity}])
        };
    }
    if has("procurement") {
        item["procurement"] = json!([]);
    }
    if has("relationships") {
        let relationships = if listing.is_parent() {
            json!([{
                "type": "VARIATION",
                "childSkus": listing.child_skus,
                "variationTheme": variation_theme(st, listing),
            }])
        } else if let Some(parent) = &listing.parent_sku {
            json!([{
                "type": "VARIATION",
                "parentSkus": [parent],
                "variationTheme": parent_theme(st, parent),
            }])
        } else {
            json!([])
        };
        item["relationships"] = json!([{"marketplaceId": m, "relationships": relationships}]);
    }
    if has("productTypes") {
        item["productTypes"] = json!([{"marketplaceId": m, "productType": listing.product_type}]);
    }
    item
}

fn parent_theme(st: &State, parent_sku: &str) -> Value {
    st.seller
        .listings
        .get(parent_sku)
        .map_or(Value::Null, |p| variation_theme(st, p))
}

/// `{attributes: ["size_name"], theme: "SIZE_NAME"}` of a family, from its first child.
fn variation_theme(st: &State, parent: &Listing) -> Value {
    let attribute = parent
        .child_skus
        .first()
        .and_then(|sku| st.seller.listings.get(sku))
        .and_then(|child| child.variation.as_ref())
        .map_or_else(|| "style_name".to_string(), |(name, _)| name.clone());
    json!({"attributes": [attribute], "theme": attribute.to_ascii_uppercase()})
}

/// Listing attributes as the seller submitted them (product type definition names).
fn listing_attributes(st: &State, listing: &Listing) -> Value {
    let m = st.marketplace.id();
    let text =
        |value: &str| json!([{"value": value, "language_tag": "en_US", "marketplace_id": m}]);
    let mut attributes = json!({
        "item_name": text(&listing.item_name),
        "brand": text(BRAND),
        "bullet_point": listing.bullets.iter().map(|b| json!({"value": b, "language_tag": "en_US", "marketplace_id": m})).collect::<Vec<_>>(),
        "product_description": text(&listing.description),
        "condition_type": [{"value": "new_new", "marketplace_id": m}],
    });
    if listing.is_parent() {
        attributes["parentage_level"] = json!([{"value": "parent", "marketplace_id": m}]);
    } else {
        if let Some(parent) = &listing.parent_sku {
            attributes["parentage_level"] = json!([{"value": "child", "marketplace_id": m}]);
            attributes["child_parent_sku_relationship"] = json!([{
                "child_relationship_type": "variation",
                "parent_sku": parent,
                "marketplace_id": m,
            }]);
        }
        if let Some((name, value)) = &listing.variation {
            attributes[name.as_str()] = text(value);
        }
        if let Some(price) = listing.price {
            attributes["purchasable_offer"] = json!([{
                "marketplace_id": m,
                "currency": st.marketplace.currency(),
                "our_price": [{"schedule": [{"value_with_tax": price.to_f64().unwrap_or(0.0)}]}],
            }]);
        }
        if !listing.fba {
            attributes["fulfillment_availability"] = json!([{
                "fulfillment_channel_code": "DEFAULT",
                "quantity": listing.mfn_quantity,
            }]);
        }
    }
    if let Some(weight) = weight_json(st.marketplace, listing) {
        let mut weight = weight;
        weight["marketplace_id"] = json!(m);
        attributes["item_package_weight"] = json!([weight]);
    }
    if let Some((length, width, height)) = dimensions_json(st.marketplace, listing) {
        attributes["item_package_dimensions"] = json!([{
            "length": length, "width": width, "height": height, "marketplace_id": m,
        }]);
    }
    attributes
}

fn weight_json(marketplace: Marketplace, listing: &Listing) -> Option<Value> {
    let grams = Decimal::from(listing.weight_grams?);
    Some(match marketplace {
        Marketplace::Us => {
            json!({"value": round2(grams / Decimal::new(45_359_237, 5)), "unit": "pounds"})
        }
        Marketplace::Uk => {
            json!({"value": round2(grams / Decimal::from(1000)), "unit": "kilograms"})
        }
    })
}

fn dimensions_json(marketplace: Marketplace, listing: &Listing) -> Option<(Value, Value, Value)> {
    let [l, w, h] = listing.box_cm?;
    let one = |cm: u32| match marketplace {
        Marketplace::Us => {
            json!({"value": round2(Decimal::from(cm) / Decimal::new(254, 2)), "unit": "inches"})
        }
        Marketplace::Uk => json!({"value": Decimal::from(cm), "unit": "centimeters"}),
    };
    Some((one(l), one(w), one(h)))
}

/// A JSON number with at most two decimals.
fn round2(value: Decimal) -> Value {
    json!(value.round_dp(2).to_f64().unwrap_or(0.0))
}

/// `includedData` of Catalog Items 2022-04-01.
pub(crate) const CATALOG_DATA: &[&str] = &[
    "attributes",
    "classifications",
    "dimensions",
    "identifiers",
    "images",
    "productTypes",
    "relationships",
    "salesRanks",
    "summaries",
    "vendorDetails",
];

/// A catalog item (`Item` of Catalog Items 2022-04-01) with the sets of data asked for.
pub(crate) fn catalog_json(st: &State, listing: &Listing, included: &[String]) -> Value {
    let m = st.marketplace.id();
    let has = |name: &str| included.iter().any(|i| i == name);
    let mut item = json!({"asin": listing.asin});
    if has("summaries") {
        let mut summary = json!({
            "marketplaceId": m,
            "brand": BRAND,
            "itemClassification": if listing.is_parent() { "VARIATION_PARENT" } else { "BASE_PRODUCT" },
            "itemName": listing.item_name,
            "manufacturer": BRAND,
            "websiteDisplayGroup": "home_display_on_website",
        });
        if let Some((name, value)) = &listing.variation {
            let key = match name.as_str() {
                "size_name" => "size",
                "color_name" => "color",
                _ => "style",
            };
            summary[key] = json!(value);
        }
        item["summaries"] = json!([summary]);
    }
    if has("attributes") {
        let mut attributes = listing_attributes(st, listing);
        if let Some(map) = attributes.as_object_mut() {
            // Catalog attributes describe the product, not the seller's offer.
            map.remove("purchasable_offer");
            map.remove("fulfillment_availability");
            map.remove("condition_type");
            map.remove("child_parent_sku_relationship");
        }
        item["attributes"] = attributes;
    }
    if has("dimensions") {
        let mut package = json!({});
        if let Some((length, width, height)) = dimensions_json(st.marketplace, listing) {
            package["length"] = length;
            package["width"] = width;
            package["height"] = height;
        }
        if let Some(weight) = weight_json(st.marketplace, listing) {
            package["weight"] = weight;
        }
        item["dimensions"] = json!([{"marketplaceId": m, "package": package}]);
    }
    if has("identifiers") {
        item["identifiers"] = json!([{"marketplaceId": m, "identifiers": []}]);
    }
    if has("images") {
        let images: Vec<Value> = listing
            .images
            .iter()
            .enumerate()
            .map(|(i, file)| {
                let variant = if i == 0 { "MAIN".to_string() } else { format!("PT{i:02}") };
                json!({"variant": variant, "link": st.seller.image_link(file), "height": 1000, "width": 1000})
            })
            .collect();
        item["images"] = json!([{"marketplaceId": m, "images": images}]);
    }
    if has("productTypes") {
        item["productTypes"] = json!([{"marketplaceId": m, "productType": listing.product_type}]);
    }
    if has("relationships") {
        let relationships = if listing.is_parent() {
            let children: Vec<&str> = listing
                .child_skus
                .iter()
                .filter_map(|sku| st.seller.listings.get(sku))
                .map(|c| c.asin.as_str())
                .collect();
            json!([{"type": "VARIATION", "childAsins": children, "variationTheme": variation_theme(st, listing)}])
        } else if let Some(parent) = listing
            .parent_sku
            .as_ref()
            .and_then(|p| st.seller.listings.get(p))
        {
            json!([{"type": "VARIATION", "parentAsins": [parent.asin], "variationTheme": variation_theme(st, parent)}])
        } else {
            json!([])
        };
        item["relationships"] = json!([{"marketplaceId": m, "relationships": relationships}]);
    }
    for empty in ["classifications", "salesRanks", "vendorDetails"] {
        if has(empty) {
            item[empty] = json!([]);
        }
    }
    item
}
