//! The catalog subcommands: connections and authorization, mapping, listing, linking and shop
//! settings. Parsing lives in [`crate::cli`]; this module calls the daemon and prints.

use crate::format::{self, NONE, description_preview, or_none, plural, text_table};
use crate::settings;
use clap::Subcommand;
use feedbridge_common::catalog::{
    AuthorizationStart, ConnectionTest, LinkPreview, MappingReport, PriceMarkup, ProductDetail,
    ShopSettings, StockBuffer,
};
use feedbridge_common::{ConnectionView, OrganizationView};
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum LinkCommand {
    /// What linking by seller SKU would do on a shop: matches, misses and conflicts. Changes
    /// nothing.
    Preview {
        shop: String,
        #[arg(long)]
        json: bool,
    },
    /// Link every match of a fresh preview; their price and stock then follow the store.
    Apply { shop: String },
    /// Link one listing to an existing TikTok product by hand.
    Manual {
        #[arg(value_name = "LISTING_ID")]
        listing_id: i64,
        #[arg(value_name = "TIKTOK_PRODUCT_ID")]
        tiktok_product_id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Change one setting. KEY is one of: buffer (5 | 10% | none), max (N | none), markup
    /// (10% | 2.50 | none), round99 (true | false), weight-kg, length-cm, width-cm, height-cm,
    /// location (STORE_LOCATION_ID WAREHOUSE_ID | clear).
    Set {
        key: String,
        #[arg(value_name = "VALUE", required = true, num_args = 1..=2, allow_hyphen_values = true)]
        values: Vec<String>,
    },
}

/// One connection as `feedbridge connections --json` prints it.
#[derive(Debug, Serialize)]
pub struct ConnectionEntry<'a> {
    pub organization: &'a str,
    /// "store" or "tiktok_shop".
    pub role: &'static str,
    #[serde(flatten)]
    pub view: &'a ConnectionView,
}

pub fn connection_entries(organizations: &[OrganizationView]) -> Vec<ConnectionEntry<'_>> {
    organizations
        .iter()
        .flat_map(|org| {
            std::iter::once((&org.store, "store"))
                .chain(org.shops.iter().map(|shop| (shop, "tiktok_shop")))
                .map(|(view, role)| ConnectionEntry {
                    organization: &org.name,
                    role,
                    view,
                })
        })
        .collect()
}

pub fn format_connections(entries: &[ConnectionEntry<'_>]) -> String {
    if entries.is_empty() {
        return "No connections configured.\n".into();
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.view.name.clone(),
                e.view.platform.clone(),
                e.organization.to_string(),
                format::connection_state(e.view.state).to_string(),
                or_none(e.view.currency.as_deref()),
                or_none(e.view.region.as_deref()),
                or_none(e.view.detail.as_deref()),
            ]
        })
        .collect();
    text_table(
        &[
            "NAME",
            "PLATFORM",
            "ORGANIZATION",
            "STATE",
            "CURRENCY",
            "REGION",
            "DETAIL",
        ],
        &rows,
    )
}

pub fn format_connection_test(test: &ConnectionTest) -> String {
    let mut out = String::new();
    for check in &test.checks {
        let mark = if check.ok { '✓' } else { '✗' };
        out.push_str(&format!("{mark} {}: {}\n", check.what, check.detail));
    }
    if test.ok {
        out.push_str(&format!("{}: every check passed.\n", test.name));
    }
    out
}

/// How many checks failed, for the one-line error.
pub fn failed_checks(test: &ConnectionTest) -> String {
    let failed = test.checks.iter().filter(|c| !c.ok).count();
    format!(
        "connection {} failed {failed} of {}; fix what the ✗ lines say and test again",
        test.name,
        plural(test.checks.len() as u64, "check", "checks")
    )
}

pub fn format_authorization(start: &AuthorizationStart) -> String {
    format!(
        "Open this address as the owner of {shop}:\n\n  {url}\n\n{instructions}\n\n\
         Then run:\n  feedbridge authorize {shop} --code CODE --state {state}\n",
        shop = start.shop,
        url = start.url,
        instructions = start.instructions.trim_end(),
        state = start.state,
    )
}

pub fn format_mapping(report: &MappingReport, category_id: &str) -> String {
    let mut out = String::new();
    for id in &report.mapped {
        out.push_str(&format!(
            "Listing {id}: mapped to category {category_id}.\n"
        ));
    }
    for (id, why) in &report.refused {
        out.push_str(&format!("Listing {id}: not mapped — {why}\n"));
    }
    out
}

pub fn format_product(detail: &ProductDetail) -> String {
    let product = &detail.product;
    let mut out = format!(
        "{} (listing {} on {}, organization {})\n",
        product.title, product.id, product.shop, product.organization
    );
    let mut field = |name: &str, value: String| out.push_str(&format!("{name:<15} {value}\n"));
    field("status:", product.status.label().to_string());
    if let Some(reason) = &product.status_reason {
        field("why:", reason.clone());
    }
    for reason in &product.review_reasons {
        field("tiktok review:", reason.clone());
    }
    field(
        "category:",
        product.category.as_ref().map_or_else(
            || "not chosen (feedbridge map --category CATEGORY_ID LISTING_ID)".to_string(),
            |c| format!("{} ({})", c.name, c.id),
        ),
    );
    if !detail.missing_attributes.is_empty() {
        field("missing:", detail.missing_attributes.join(", "));
    }
    out.push_str(&crate::compliance_cli::format_view(&detail.compliance));
    let mut field = |name: &str, value: String| out.push_str(&format!("{name:<15} {value}\n"));
    let tiktok = or_none(product.tiktok_product_id.as_deref());
    field(
        "tiktok product:",
        if detail.linked {
            format!("{tiktok} (linked)")
        } else {
            tiktok
        },
    );
    let package = &detail.package;
    field("package:", package.summary());
    field(
        "skus to list:",
        if detail.selected_skus.is_empty() {
            "all with a seller SKU".to_string()
        } else {
            detail.selected_skus.join(", ")
        },
    );
    let rows: Vec<Vec<String>> = product
        .skus
        .iter()
        .map(|sku| {
            vec![
                sku.seller_sku.clone(),
                or_none(sku.tiktok_sku_id.as_deref()),
                sku.price.to_string(),
                sku.store_stock.to_string(),
                sku.synced_price
                    .as_ref()
                    .map_or_else(|| NONE.to_string(), ToString::to_string),
                sku.synced_stock
                    .map_or_else(|| NONE.to_string(), |n| n.to_string()),
            ]
        })
        .collect();
    out.push('\n');
    out.push_str(&text_table(
        &[
            "SELLER SKU",
            "TIKTOK SKU",
            "PRICE",
            "STOCK",
            "SYNCED PRICE",
            "SYNCED STOCK",
        ],
        &rows,
    ));
    out.push_str("\ndescription as TikTok shows it:\n");
    for line in description_preview(&detail.description) {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

pub fn format_link_preview(preview: &LinkPreview) -> String {
    let mut out = format!(
        "Matches ({}) — `feedbridge link apply {}` links these:\n",
        preview.matches.len(),
        preview.shop
    );
    for m in &preview.matches {
        let skus: Vec<String> = m
            .skus
            .iter()
            .map(|(seller, tiktok)| format!("{seller}→{tiktok}"))
            .collect();
        out.push_str(&format!(
            "  listing {} {} ↔ TikTok {} {}: {}\n",
            m.listing_id,
            m.title,
            m.tiktok_product_id,
            m.tiktok_title,
            skus.join(", ")
        ));
    }
    out.push_str(&format!(
        "Misses ({}) — on TikTok, not in the store; left alone:\n",
        preview.misses.len()
    ));
    for miss in &preview.misses {
        out.push_str(&format!(
            "  TikTok {} {}: {}\n",
            miss.tiktok_product_id,
            miss.tiktok_title,
            miss.seller_skus.join(", ")
        ));
    }
    out.push_str(&format!(
        "Conflicts ({}) — link by hand with `feedbridge link manual LISTING_ID TIKTOK_PRODUCT_ID`:\n",
        preview.conflicts.len()
    ));
    for conflict in &preview.conflicts {
        out.push_str(&format!(
            "  {}: {} ({})\n",
            conflict.seller_sku,
            conflict.reason,
            conflict.candidates.join(", ")
        ));
    }
    out
}

/// Settings by the keys `settings SHOP set` takes, so what is shown can be typed back.
pub fn format_settings(shop: &str, settings: &ShopSettings) -> String {
    let locations = if settings.location_warehouses.is_empty() {
        vec!["(all store locations feed the default warehouse)".to_string()]
    } else {
        settings
            .location_warehouses
            .iter()
            .map(|l| format!("{} {}", l.store_location_id, l.warehouse_id))
            .collect()
    };
    let mut rows = vec![
        (
            "buffer",
            match settings.inventory_buffer {
                StockBuffer::None => "none".to_string(),
                StockBuffer::Units(units) => units.to_string(),
                StockBuffer::Percent(percent) => format!("{percent}%"),
            },
        ),
        (
            "max",
            settings
                .max_quantity
                .map_or_else(|| "none".to_string(), |n| n.to_string()),
        ),
        (
            "markup",
            match settings.price_markup {
                PriceMarkup::None => "none".to_string(),
                PriceMarkup::Percent(percent) => format!("{percent}%"),
                PriceMarkup::Fixed(amount) => amount.to_string(),
            },
        ),
        ("round99", settings.round_to_99.to_string()),
        (
            "currency-rate",
            settings
                .currency_rate
                .map_or_else(|| "none".to_string(), |rate| rate.to_string()),
        ),
        ("weight-kg", settings.package_weight_kg.to_string()),
        ("length-cm", settings.package_length_cm.to_string()),
        ("width-cm", settings.package_width_cm.to_string()),
        ("height-cm", settings.package_height_cm.to_string()),
    ];
    rows.extend(locations.into_iter().map(|l| ("location", l)));
    let width = settings::KEYS
        .iter()
        .map(|(k, _)| k.len())
        .max()
        .unwrap_or(0);
    let mut out = format!("settings of {shop}\n");
    for (key, value) in rows {
        out.push_str(&format!("  {key:<width$}  {value}\n"));
    }
    out
}
