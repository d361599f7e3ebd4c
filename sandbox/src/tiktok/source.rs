//! A TikTok shop as the merchant's store (shop → shop): its own TikTok host (its own app,
//! shop, cipher and tokens, as strict as any shop), a US shop seeded with the shared demo
//! catalog, live, with images it serves itself, attributes, USD prices and stock in its
//! warehouse. The daemon reads it through the Open API and changes its stock there; the
//! merchant (tests, demo) changes prices and stock as a seller does in Seller Center, through
//! the shop's `/_sandbox/` control routes.

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_decimal::Decimal;
use serde_json::json;

use super::TikTok;
use super::compliance::Stored;
use super::model::{Image, Product, Sku, State};
use crate::SandboxConfig;
use crate::catalog_seed::SeedProduct;
use crate::common::{Background, lock, now_secs};
use crate::control::TikTokSourceCredentials;

/// The source shop's market.
pub(crate) const SOURCE_REGION: &str = "US";

/// The source shop: its simulator and what a client needs to reach it.
pub(crate) fn source_shop(
    config: &SandboxConfig,
    bg: Background,
    base_url: &str,
) -> Result<(Arc<TikTok>, TikTokSourceCredentials), String> {
    let (tt, seeded) = TikTok::new(
        config.seed ^ 0x005e_c0d5,
        config.tiktok_qps,
        config.auto_review,
        bg,
    );
    super::set_region(&tt, SOURCE_REGION)?;
    {
        let mut st = lock(&tt.state);
        st.shop.name = format!("{} (source)", st.shop.name);
        for seed in crate::shopify::seeded_catalog(config) {
            let product = product_of(&mut st, &seed, base_url);
            st.insert_product(product);
        }
    }
    let credentials = TikTokSourceCredentials {
        app_key: seeded.app_key,
        app_secret: seeded.app_secret,
        access_token: seeded.access_token,
        refresh_token: seeded.refresh_token,
        shop_id: seeded.shop_id,
        shop_cipher: seeded.shop_cipher,
        region: SOURCE_REGION.to_owned(),
    };
    Ok((tt, credentials))
}

/// The Open API and control routes of the shop, and its product images under `/cdn/`.
pub(crate) fn router(tt: Arc<TikTok>) -> Router {
    Router::new()
        .route("/cdn/{file}", get(image))
        .merge(super::router(tt))
}

async fn image(Path(file): Path<String>) -> Response {
    match file.strip_suffix(".png") {
        Some(name) if !name.is_empty() => (
            [(axum::http::header::CONTENT_TYPE, "image/png")],
            crate::png::solid_png(name, 800, 800),
        )
            .into_response(),
        _ => (axum::http::StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

/// A seeded product as a live TikTok product of the shop.
fn product_of(st: &mut State, seed: &SeedProduct, base_url: &str) -> Product {
    let now = now_secs();
    let category_id = st
        .categories
        .iter()
        .find(|c| c.is_leaf)
        .map(|c| c.id.clone())
        .unwrap_or_default();
    let warehouse = st
        .sales_warehouses()
        .next()
        .map(|w| w.id.clone())
        .unwrap_or_default();
    let uri = format!("tos-maliva-i-source/{}", seed.handle);
    let image = Image {
        uri: uri.clone(),
        url: format!("{base_url}/cdn/{}.png", seed.handle),
        width: 800,
        height: 800,
        use_case: "MAIN_IMAGE".into(),
    };
    st.images.insert(uri, image.clone());
    let skus = seed
        .variants
        .iter()
        .map(|v| Sku {
            id: st.ids.next_id(),
            seller_sku: v.sku.clone(),
            external_sku_id: None,
            sales_attributes: seed
                .option_name
                .iter()
                .map(|name| json!({"id": "100000", "name": name, "value_name": v.option_value}))
                .collect(),
            price: v.price,
            list_price: None,
            inventory: vec![(warehouse.clone(), v.stock.max(0))],
        })
        .collect();
    let weight_grams = seed.variants.iter().filter_map(|v| v.weight_grams).max();
    Product {
        id: st.ids.next_id(),
        title: seed.title.clone(),
        description: seed.description_html.clone(),
        category_id,
        brand_id: None,
        main_images: vec![image],
        package_weight: weight_grams.map(|g| {
            json!({"value": Decimal::new(i64::from(g), 3).normalize().to_string(), "unit": "KILOGRAM"})
        }),
        package_dimensions: seed.box_cm.map(|[l, w, h]| {
            json!({"length": l.to_string(), "width": w.to_string(), "height": h.to_string(), "unit": "CENTIMETER"})
        }),
        product_attributes: vec![json!({
            "id": "100392",
            "name": "Product type",
            "values": [{"name": seed.product_type}],
        })],
        skus,
        status: "ACTIVATE".into(),
        audit_failed_reasons: Vec::new(),
        create_time: now,
        update_time: now,
        external_product_id: None,
        compliance: Stored::default(),
    }
}
