//! Small text helpers shared by the console and the CLI tables.

use feedbridge_common::catalog::{PriceMarkup, ShopSettings, StockBuffer};
use feedbridge_common::mcf::McfView;
use feedbridge_common::orders::{OrderDetail, OrderSettings};
use feedbridge_common::{CategoryRef, ConnectionState, FailureView, OrderView, ProductView};
use unicode_width::UnicodeWidthStr;

/// Shown where a value is missing.
pub const NONE: &str = "—";

/// A Unix timestamp as `YYYY-MM-DD HH:MM:SS UTC`. Values above 10^11 are taken as
/// milliseconds (seconds would be past the year 5000).
pub fn utc(timestamp: i64) -> String {
    let secs = if timestamp.abs() >= 100_000_000_000 {
        timestamp.div_euclid(1000)
    } else {
        timestamp
    };
    feedbridge_common::timestamps::utc_text(secs)
}

/// The daemon cannot record anything: the banner the header and `status` show.
pub fn degraded(degraded: &feedbridge_common::Degraded) -> String {
    format!(
        "DEGRADED since {}: {} — nothing new is recorded; feedbridge resumes by itself once \
         writes succeed",
        utc(degraded.since),
        degraded.reason
    )
}

/// A duration in seconds as "3d 4h", "2h 5m", "4m 10s" or "12s".
pub fn uptime(secs: u64) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60,
    );
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else if m > 0 {
        format!("{m}m {s}s")
    } else {
        format!("{s}s")
    }
}

pub fn connection_state(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::Connected => "connected",
        ConnectionState::NeedsReauthorization => "needs re-authorization",
        ConnectionState::Error => "error",
        ConnectionState::Unknown => "not contacted yet",
    }
}

pub fn or_none(value: Option<&str>) -> String {
    value.map_or_else(|| NONE.to_string(), str::to_string)
}

pub fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// "1 order", "2 orders".
pub fn plural(count: u64, one: &str, many: &str) -> String {
    if count == 1 {
        format!("{count} {one}")
    } else {
        format!("{count} {many}")
    }
}

/// The last segment of a category path: "Womenswear > Tops > T-shirts" → "T-shirts".
pub fn category_leaf(category: &CategoryRef) -> &str {
    category
        .name
        .rsplit('>')
        .next()
        .map_or(category.name.as_str(), str::trim)
}

pub fn order_tracking(order: &OrderView) -> String {
    if order.tracking.is_empty() {
        return NONE.to_string();
    }
    order
        .tracking
        .iter()
        .map(|t| format!("{} {}", t.carrier, t.number))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The store order, or for an order Amazon ships, "Amazon: <status>".
pub fn order_store(order: &OrderView) -> String {
    if let Some(mcf) = &order.fulfilment {
        return format!("Amazon: {}", amazon_status(mcf));
    }
    or_none(
        order
            .store_order_name
            .as_deref()
            .or(order.store_order_id.as_deref()),
    )
}

/// Why a product is where it is: the sync failure reason, then TikTok's review reasons.
pub fn product_reasons(product: &ProductView) -> String {
    let reasons: Vec<&str> = product
        .status_reason
        .iter()
        .map(String::as_str)
        .chain(product.review_reasons.iter().map(String::as_str))
        .collect();
    if reasons.is_empty() {
        NONE.to_string()
    } else {
        reasons.join("; ")
    }
}

pub fn product_category(product: &ProductView) -> String {
    product
        .category
        .as_ref()
        .map_or_else(|| NONE.to_string(), |c| category_leaf(c).to_string())
}

pub fn failure_retryable(failure: &FailureView) -> &'static str {
    yes_no(failure.retryable)
}

pub fn stock_buffer(buffer: StockBuffer) -> String {
    match buffer {
        StockBuffer::None => "none".into(),
        StockBuffer::Units(1) => "1 unit".into(),
        StockBuffer::Units(units) => format!("{units} units"),
        StockBuffer::Percent(percent) => format!("{percent}%"),
    }
}

pub fn price_markup(markup: PriceMarkup) -> String {
    match markup {
        PriceMarkup::None => "none".into(),
        PriceMarkup::Percent(percent) => format!("+{percent}%"),
        PriceMarkup::Fixed(amount) => format!("+{amount}"),
    }
}

pub fn max_quantity(max: Option<u32>) -> String {
    max.map_or_else(|| "no cap".into(), |n| n.to_string())
}

/// "0.5 kg, 20 × 15 × 5 cm".
pub fn package_defaults(settings: &ShopSettings) -> String {
    format!(
        "{} kg, {} × {} × {} cm",
        settings.package_weight_kg,
        settings.package_length_cm,
        settings.package_width_cm,
        settings.package_height_cm
    )
}

/// "LOC-1 → WH-9, LOC-2 → WH-9", or what an empty mapping means.
pub fn location_warehouses(settings: &ShopSettings) -> String {
    if settings.location_warehouses.is_empty() {
        return "all store locations → the shop's default warehouse".into();
    }
    settings
        .location_warehouses
        .iter()
        .map(|l| format!("{} → {}", l.store_location_id, l.warehouse_id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A shop's settings as (label, value) pairs, in the order the console shows them.
pub fn settings_fields(settings: &ShopSettings) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("Inventory buffer", stock_buffer(settings.inventory_buffer)),
        ("Max quantity shown", max_quantity(settings.max_quantity)),
        ("Price markup", price_markup(settings.price_markup)),
        ("Round up to .99", yes_no(settings.round_to_99).to_string()),
        ("Locations", location_warehouses(settings)),
        ("Package defaults", package_defaults(settings)),
    ];
    // Only a shop in another currency than the store's has a rate to show.
    if let Some(rate) = settings.currency_rate {
        fields.insert(
            4,
            ("Currency rate", format!("{rate} shop units per store unit")),
        );
    }
    fields
}

/// "15 minutes after payment" or "none (at once)".
pub fn hold(minutes: u32) -> String {
    match minutes {
        0 => "none (at once)".into(),
        1 => "1 minute after payment".into(),
        n => format!("{n} minutes after payment"),
    }
}

/// "store carrier → provider, …", or that there are none.
pub fn carrier_mappings(settings: &OrderSettings) -> String {
    if settings.carrier_mappings.is_empty() {
        return "none".into();
    }
    settings
        .carrier_mappings
        .iter()
        .map(|m| format!("{} → {}", m.store_carrier, m.tiktok_provider))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A shop's order rules as (label, value) pairs, in the order the console shows them.
pub fn order_settings_fields(settings: &OrderSettings) -> Vec<(&'static str, String)> {
    let or_none = |text: &str| {
        if text.is_empty() {
            "none".to_string()
        } else {
            text.to_string()
        }
    };
    vec![
        ("Hold", hold(settings.hold_minutes)),
        (
            "Order-number prefix",
            or_none(&settings.order_number_prefix),
        ),
        ("FBT orders", settings.fbt_rule.label().to_string()),
        ("FBT tag", or_none(&settings.fbt_tag)),
        (
            "Store stock",
            settings.inventory_behaviour.label().to_string(),
        ),
        (
            "Restock on cancel",
            yes_no(settings.restock_on_cancel).to_string(),
        ),
        (
            "Mirror TikTok refunds",
            yes_no(settings.mirror_refunds_to_store).to_string(),
        ),
        ("Carriers", carrier_mappings(settings)),
    ]
}

/// Who fulfils and ships the order, plainly: "by the seller, seller ships" or
/// "by TikTok (FBT), TikTok ships". Unknown values are shown as TikTok sent them.
pub fn fulfilment(detail: &OrderDetail) -> String {
    let fulfilled = match detail.fulfillment_type.as_str() {
        "FULFILLMENT_BY_SELLER" => "by the seller".to_string(),
        "FULFILLMENT_BY_TIKTOK" => "by TikTok (FBT)".to_string(),
        other => other.to_string(),
    };
    let shipped = match detail.shipping_type.as_str() {
        "SELLER" => "seller ships".to_string(),
        "TIKTOK" => "TikTok ships".to_string(),
        other => format!("shipping {other}"),
    };
    format!("{fulfilled}, {shipped}")
}

/// The store order as "#1001 (gid://…)", or that there is none yet.
pub fn store_order_long(order: &OrderView) -> String {
    match (&order.store_order_name, &order.store_order_id) {
        (Some(name), Some(id)) => format!("{name} ({id})"),
        (Some(one), None) | (None, Some(one)) => one.clone(),
        (None, None) => "not created yet".to_string(),
    }
}

/// The payment breakdown as (label, amount) pairs; discounts shown negative.
pub fn payment_rows(detail: &OrderDetail) -> Vec<(&'static str, String)> {
    let p = &detail.payment;
    let money = |amount: rust_decimal::Decimal| format!("{amount} {}", p.currency);
    let minus = |amount: rust_decimal::Decimal| {
        if amount.is_zero() {
            money(amount)
        } else {
            format!("-{}", money(amount))
        }
    };
    vec![
        ("Subtotal", money(p.sub_total)),
        ("Shipping", money(p.shipping_fee)),
        ("Seller discount", minus(p.seller_discount)),
        ("Platform discount", minus(p.platform_discount)),
        ("Tax", money(p.tax)),
        ("Total", money(p.total)),
    ]
}

/// TikTok's description HTML (paragraphs, bullet lists, images, inline emphasis) as text lines
/// for a terminal: one line per paragraph, "• " per bullet, "[image URL]" per image.
pub fn description_preview(html: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut rest = html;
    let flush = |line: &mut String, lines: &mut Vec<String>| {
        let text = unescape(line.trim());
        if !text.is_empty() {
            lines.push(text);
        }
        line.clear();
    };
    while let Some(open) = rest.find('<') {
        line.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            line.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = &rest[open + 1..open + close];
        rest = &rest[open + close + 1..];
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match name.as_str() {
            "p" | "div" | "ul" | "ol" | "br" => flush(&mut line, &mut lines),
            "li" => {
                flush(&mut line, &mut lines);
                if !tag.starts_with('/') {
                    line.push_str("• ");
                }
            }
            "img" => {
                flush(&mut line, &mut lines);
                let src = tag
                    .split_once("src=\"")
                    .and_then(|(_, after)| after.split_once('"'))
                    .map_or("", |(src, _)| src);
                lines.push(format!("[image {src}]"));
            }
            _ => {}
        }
    }
    line.push_str(rest);
    flush(&mut line, &mut lines);
    lines.retain(|l| l != "•");
    lines
}

/// Every named and numeric HTML entity decoded; a no-break space reads as a plain space.
fn unescape(text: &str) -> String {
    html_escape::decode_html_entities(text).replace('\u{a0}', " ")
}

/// Plain-text table with left-aligned columns separated by two spaces, padded by display
/// width so wide (CJK, emoji) text lines up in a terminal.
pub fn text_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let mut out = String::new();
    let mut push_row = |cells: &mut dyn Iterator<Item = &str>| {
        let mut line = String::new();
        for (i, (cell, width)) in cells.zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            let pad = width.saturating_sub(cell.width());
            line.extend(std::iter::repeat_n(' ', pad));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    };
    push_row(&mut headers.iter().copied());
    for row in rows {
        push_row(&mut row.iter().map(String::as_str));
    }
    out
}

/// Amazon's status of a fulfilment order, or that Amazon has not confirmed it yet.
pub fn amazon_status(mcf: &McfView) -> String {
    mcf.amazon_status
        .clone()
        .unwrap_or_else(|| "sending".to_string())
}

/// One line per shipped Amazon package: carrier, tracking, and whether it reached TikTok.
pub fn amazon_packages(mcf: &McfView) -> Vec<String> {
    mcf.packages
        .iter()
        .map(|p| {
            let pushed = match (&p.tiktok_provider, p.pushed_at) {
                (Some(provider), Some(at)) => {
                    format!("sent to TikTok as {provider} at {}", utc(at))
                }
                _ => "not sent to TikTok yet".to_string(),
            };
            format!(
                "package {}: {} {} — {pushed}",
                p.package_number, p.carrier_code, p.tracking_number
            )
        })
        .collect()
}

/// One TikTok return or refund request of an order, in two lines: what and where it stands,
/// then its status history.
pub fn order_return(r: &feedbridge_common::returns::OrderReturn) -> (String, String) {
    let request = &r.request;
    let reason = if request.reason.trim().is_empty() {
        NONE.to_owned()
    } else {
        request.reason.trim().to_owned()
    };
    let head = format!(
        "{} {} · {} · reason: {reason} · {} {}",
        request.kind.label(),
        request.id,
        request.status.label(),
        request.refund,
        request.currency
    );
    let history: Vec<String> = r
        .history
        .iter()
        .map(|c| format!("{} {}", utc(c.at), c.status.as_str()))
        .collect();
    (head, history.join(" → "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_seconds_and_millis() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_795_255_200), "2026-11-21 10:00:00 UTC");
        assert_eq!(utc(1_795_255_200_000), "2026-11-21 10:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn uptime_is_short() {
        assert_eq!(uptime(5), "5s");
        assert_eq!(uptime(250), "4m 10s");
        assert_eq!(uptime(7500), "2h 5m");
        assert_eq!(uptime(3 * 86_400 + 4 * 3600), "3d 4h");
    }

    #[test]
    fn table_aligns_columns() {
        let table = text_table(
            &["ID", "NAME"],
            &[
                vec!["1".into(), "Cotton Tee".into()],
                vec!["22".into(), "—".into()],
            ],
        );
        assert_eq!(table, "ID  NAME\n1   Cotton Tee\n22  —\n");
    }

    #[test]
    fn table_aligns_wide_text_by_display_width() {
        let table = text_table(
            &["NAME", "PRICE"],
            &[
                vec!["茶杯".into(), "9.00".into()],
                vec!["Mug".into(), "4.50".into()],
            ],
        );
        // "茶杯" is 2 characters but 4 columns wide: the price column starts at column 6 in
        // every row.
        assert_eq!(table, "NAME  PRICE\n茶杯  9.00\nMug   4.50\n");
        for (line, price) in table.lines().zip(["PRICE", "9.00", "4.50"]) {
            let start = line.find(price).unwrap_or_default();
            assert_eq!(line[..start].width(), 6, "{line:?}");
        }
    }

    #[test]
    fn description_preview_reads_as_text() {
        let html = "<p>Soft <strong>organic</strong> cotton &amp; more.</p>\
                    <ul><li>Machine wash</li><li>Size: M, Chest: 100 cm</li></ul>\
                    <p><img src=\"https://img.test/1.jpg\"></p>plain tail";
        assert_eq!(
            description_preview(html),
            vec![
                "Soft organic cotton & more.",
                "• Machine wash",
                "• Size: M, Chest: 100 cm",
                "[image https://img.test/1.jpg]",
                "plain tail",
            ]
        );
        assert_eq!(description_preview("no markup"), vec!["no markup"]);
        assert!(description_preview("").is_empty());
    }

    #[test]
    fn description_preview_decodes_every_entity() {
        assert_eq!(
            description_preview(
                "<p>Caf&eacute; &#233;t&#xE9; &#x27;latte&#39; &lt;hot&gt;&nbsp;&amp;&nbsp;&quot;fresh&quot; &euro;5 &#x1F375;</p>"
            ),
            vec!["Café été 'latte' <hot> & \"fresh\" €5 🍵"]
        );
        // Not an entity: left as written.
        assert_eq!(description_preview("AT&T &bogus;"), vec!["AT&T &bogus;"]);
    }

    #[test]
    fn category_leaf_is_last_segment() {
        let category = CategoryRef {
            id: "1".into(),
            name: "Womenswear > Tops > T-shirts".into(),
        };
        assert_eq!(category_leaf(&category), "T-shirts");
    }
}
