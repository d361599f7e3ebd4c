//! Small text helpers shared by the console and the CLI tables.

use feedbridge_common::{CategoryRef, ConnectionState, FailureView, OrderView, ProductView};

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
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
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

pub fn order_store(order: &OrderView) -> String {
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

/// Plain-text table with left-aligned columns separated by two spaces.
pub fn text_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
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
            let pad = width.saturating_sub(cell.chars().count());
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
    fn category_leaf_is_last_segment() {
        let category = CategoryRef {
            id: "1".into(),
            name: "Womenswear > Tops > T-shirts".into(),
        };
        assert_eq!(category_leaf(&category), "T-shirts");
    }
}
