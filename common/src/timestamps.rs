//! Timestamps as text, in one place: RFC 3339 at second precision (`2026-12-05T18:00:00Z`, the
//! form stored and sent to the stores) and the console's `2026-12-05 18:00:00 UTC`.

use std::time::{Duration, SystemTime};

use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// `2026-12-05T18:00:00Z`: UTC, fractions of a second dropped.
pub fn rfc3339_seconds(at: SystemTime) -> String {
    rfc3339_of_unix(unix_secs(at))
}

/// A Unix time in seconds as `2026-12-05T18:00:00Z`.
pub fn rfc3339_of_unix(secs: i64) -> String {
    format_unix(
        secs,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"),
    )
}

/// A Unix time in seconds as `2026-12-05 18:00:00 UTC`, as the console and CLI show it.
pub fn utc_text(secs: i64) -> String {
    format_unix(
        secs,
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC"),
    )
}

fn format_unix(secs: i64, layout: &[BorrowedFormatItem<'_>]) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(layout).ok())
        .unwrap_or_else(|| out_of_range(secs))
}

/// Reads RFC 3339 (any offset), and also the looser forms stores send: a space for the `T`,
/// no zone (taken as UTC), fractional seconds (`2024-05-01 10:00:00.5`).
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let t = OffsetDateTime::parse(text, &Rfc3339).or_else(|_| {
        let naive = text.strip_suffix('Z').unwrap_or(text).replacen(' ', "T", 1);
        PrimitiveDateTime::parse(
            &naive,
            format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
            ),
        )
        .map(PrimitiveDateTime::assume_utc)
    });
    t.ok().map(SystemTime::from)
}

/// How a store's stamp of a stock level stands against the one already held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StampOrder {
    Older,
    /// Newer, or the very same instant (a redelivery).
    Newer,
    /// Within one second and not both known below the second: which came last is unknown.
    Unordered,
}

/// Order two store stamps (RFC 3339, see [`parse_rfc3339`]). Stamps with a fraction of a
/// second (Shopify's `X-Shopify-Triggered-At`) order changes within one second; a whole-second
/// stamp (a level's `updated_at`) cannot be ordered against another change in its second.
/// Text that does not parse is compared as text, equal text being unordered.
pub fn order_stamps(stamp: &str, held: &str) -> StampOrder {
    // Only a fraction of a second puts a '.' in an RFC 3339 stamp.
    let fine = |text: &str| parse_rfc3339(text).map(|at| (at, text.contains('.')));
    let (Some((at, at_fine)), Some((then, then_fine))) = (fine(stamp), fine(held)) else {
        return match stamp.cmp(held) {
            std::cmp::Ordering::Less => StampOrder::Older,
            std::cmp::Ordering::Equal => StampOrder::Unordered,
            std::cmp::Ordering::Greater => StampOrder::Newer,
        };
    };
    if at_fine && then_fine {
        return if at < then {
            StampOrder::Older
        } else {
            StampOrder::Newer
        };
    }
    match unix_secs(at).cmp(&unix_secs(then)) {
        std::cmp::Ordering::Less => StampOrder::Older,
        std::cmp::Ordering::Equal => StampOrder::Unordered,
        std::cmp::Ordering::Greater => StampOrder::Newer,
    }
}

/// Seconds since the Unix epoch, negative before it.
pub fn unix_secs(at: SystemTime) -> i64 {
    match at.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => before_epoch(before.duration()),
    }
}

fn before_epoch(before: Duration) -> i64 {
    // -0.5 s is in second -1, as for times after the epoch the fraction is dropped downwards.
    let whole = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
    if before.subsec_nanos() > 0 {
        -whole - 1
    } else {
        -whole
    }
}

fn out_of_range(secs: i64) -> String {
    format!("Unix time {secs} (outside years -9999..=9999)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn rfc3339_drops_fractions_and_ends_in_z() {
        assert_eq!(rfc3339_seconds(at(0)), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339_seconds(at(1_796_493_600) + Duration::from_millis(999)),
            "2026-12-05T18:00:00Z"
        );
        assert_eq!(rfc3339_of_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(
            rfc3339_of_unix(i64::MAX),
            "Unix time 9223372036854775807 (outside years -9999..=9999)"
        );
    }

    #[test]
    fn utc_text_reads_as_console_shows_it() {
        assert_eq!(utc_text(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_text(1_795_255_200), "2026-11-21 10:00:00 UTC");
        assert_eq!(utc_text(-1), "1969-12-31 23:59:59 UTC");
    }

    #[test]
    fn stamps_order_within_a_second_only_when_both_have_fractions() {
        use StampOrder::{Newer, Older, Unordered};
        let order = order_stamps;
        assert_eq!(order("2026-12-07T01:00:01Z", "2026-12-07T01:00:00Z"), Newer);
        assert_eq!(order("2026-12-07T01:00:00Z", "2026-12-07T01:00:01Z"), Older);
        assert_eq!(
            order("2026-12-07T01:00:00Z", "2026-12-07T01:00:00Z"),
            Unordered
        );
        // Triggered-at stamps order two changes of one second.
        let (early, late) = ("2026-12-07T01:00:00.120Z", "2026-12-07T01:00:00.870Z");
        assert_eq!(order(late, early), Newer);
        assert_eq!(order(early, late), Older);
        assert_eq!(order(early, early), Newer, "a redelivery");
        // A whole-second read against a change in its second: unknown.
        assert_eq!(order(late, "2026-12-07T01:00:00Z"), Unordered);
        assert_eq!(order("2026-12-07T01:00:00Z", late), Unordered);
        assert_eq!(order("2026-12-07T01:00:01Z", late), Newer);
        // Offsets are instants, not text.
        assert_eq!(
            order("2026-12-07T02:00:05+01:00", "2026-12-07T01:00:04Z"),
            Newer
        );
        // Unreadable stamps fall back to text.
        assert_eq!(order("b", "a"), Newer);
        assert_eq!(order("a", "a"), Unordered);
    }

    #[test]
    fn parse_accepts_strict_and_loose_forms() {
        let want = Some(at(1_714_557_600));
        assert_eq!(parse_rfc3339("2024-05-01T10:00:00Z"), want);
        assert_eq!(parse_rfc3339(" 2024-05-01T12:00:00+02:00 "), want);
        assert_eq!(parse_rfc3339("2024-05-01 10:00:00"), want);
        assert_eq!(parse_rfc3339("2024-05-01T10:00:00"), want);
        assert_eq!(
            parse_rfc3339("2024-05-01 10:00:00.250Z"),
            Some(at(1_714_557_600) + Duration::from_millis(250))
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2024-02-30T00:00:00Z"), None);
        assert_eq!(parse_rfc3339(""), None);
    }

    #[test]
    fn round_trips_through_text() {
        let t = at(1_796_493_600);
        assert_eq!(parse_rfc3339(&rfc3339_seconds(t)), Some(t));
        assert_eq!(unix_secs(t), 1_796_493_600);
        assert_eq!(
            unix_secs(SystemTime::UNIX_EPOCH - Duration::from_millis(500)),
            -1
        );
    }
}
