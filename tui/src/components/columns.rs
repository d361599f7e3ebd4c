//! How a table's columns share the terminal's width: columns are dropped by priority until the
//! rest fit (never all shrunk evenly), ids keep their full width, and the columns that grow
//! (titles, reasons) take what is left. Pure logic, so it is tested without a terminal.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// One column of a table kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    /// 0 is shown always; higher numbers are dropped first when the width runs out.
    pub priority: u8,
    /// Narrowest a growing column may get (a fixed one is as wide as its widest cell).
    pub min: u16,
    /// Widest a fixed column gets; longer text is cut with "…". 0: no cap.
    pub max: u16,
    /// Takes the width the other columns leave.
    pub grow: bool,
    /// An id: never cut, or cut from the left ("…4567") when nothing else fits.
    pub id: bool,
}

impl Column {
    /// A fixed-width column.
    pub const fn fixed(title: &'static str, priority: u8, max: u16) -> Self {
        Self {
            title,
            priority,
            min: 0,
            max,
            grow: false,
            id: false,
        }
    }

    /// A column that takes the spare width, at least `min` wide.
    pub const fn grow(title: &'static str, priority: u8, min: u16) -> Self {
        Self {
            title,
            priority,
            min,
            max: 0,
            grow: true,
            id: false,
        }
    }

    /// An id column: always as wide as its longest id.
    pub const fn id(title: &'static str, priority: u8) -> Self {
        Self {
            title,
            priority,
            min: 0,
            max: 0,
            grow: false,
            id: true,
        }
    }
}

/// The width of each column (None: hidden) for rows whose widest cells are `content`, in
/// `available` cells with `spacing` between columns. `header` is each column's title as
/// drawn (with a sort mark), never cut.
pub fn layout(
    columns: &[Column],
    header: &[u16],
    content: &[u16],
    available: u16,
    spacing: u16,
) -> Vec<Option<u16>> {
    let natural = |i: usize| {
        let column = &columns[i];
        let widest = content.get(i).copied().unwrap_or(0);
        let capped = if column.max > 0 && !column.id {
            widest.min(column.max)
        } else {
            widest
        };
        capped.max(header.get(i).copied().unwrap_or(0))
    };
    let base = |i: usize| {
        if columns[i].grow {
            columns[i]
                .min
                .max(header.get(i).copied().unwrap_or(0))
                .min(natural(i))
        } else {
            natural(i)
        }
    };
    let used = |kept: &[usize]| -> u32 {
        let widths: u32 = kept.iter().map(|&i| u32::from(base(i))).sum();
        widths + u32::from(spacing) * u32::try_from(kept.len().saturating_sub(1)).unwrap_or(0)
    };
    let mut kept: Vec<usize> = (0..columns.len()).collect();
    while kept.len() > 1 && used(&kept) > u32::from(available) {
        // The least important column goes first; of equals, the rightmost.
        let drop = kept
            .iter()
            .enumerate()
            .max_by_key(|(at, i)| (columns[**i].priority, *at))
            .map(|(at, _)| at);
        if let Some(at) = drop {
            kept.remove(at);
        }
    }
    // A growing column short of what it wants (its text, up to twice its minimum) takes the
    // room of the less important fixed columns: titles and reasons before shop names.
    let want = |i: usize| natural(i).min(columns[i].min.saturating_mul(2));
    loop {
        let spare = u32::from(available).saturating_sub(used(&kept));
        let short: u32 = kept
            .iter()
            .filter(|&&i| columns[i].grow)
            .map(|&i| u32::from(want(i).saturating_sub(base(i))))
            .sum();
        // Only columns less important than every short growing column make way.
        let least_important_short = kept
            .iter()
            .filter(|&&i| columns[i].grow && want(i) > base(i))
            .map(|&i| columns[i].priority)
            .max();
        let (Some(priority), true) = (least_important_short, short > spare) else {
            break;
        };
        let drop = kept
            .iter()
            .enumerate()
            .filter(|(_, i)| !columns[**i].grow && columns[**i].priority > priority)
            .max_by_key(|(at, i)| (columns[**i].priority, *at))
            .map(|(at, _)| at);
        match drop {
            Some(at) => {
                kept.remove(at);
            }
            None => break,
        }
    }
    let mut widths = vec![None; columns.len()];
    for &i in &kept {
        widths[i] = Some(base(i));
    }
    if kept.len() == 1 {
        let only = kept[0];
        widths[only] = Some(natural(only).min(available));
        return widths;
    }
    let mut spare = u32::from(available).saturating_sub(used(&kept));
    // Growing columns share the spare width up to what their text needs...
    let growing: Vec<usize> = kept.iter().copied().filter(|&i| columns[i].grow).collect();
    loop {
        let hungry: Vec<usize> = growing
            .iter()
            .copied()
            .filter(|&i| widths[i].unwrap_or(0) < natural(i))
            .collect();
        if spare == 0 || hungry.is_empty() {
            break;
        }
        let share = (spare / u32::try_from(hungry.len()).unwrap_or(1)).max(1);
        for i in hungry {
            let width = widths[i].unwrap_or(0);
            let give = share.min(u32::from(natural(i) - width)).min(spare);
            widths[i] = Some(width + u16::try_from(give).unwrap_or(0));
            spare -= give;
        }
    }
    // ...and the last one takes the rest, so the row is filled.
    if let Some(&last) = growing.last() {
        widths[last] =
            widths[last].map(|w| w.saturating_add(u16::try_from(spare).unwrap_or(u16::MAX)));
    }
    widths
}

/// Display width of `text`.
pub fn width(text: &str) -> u16 {
    u16::try_from(UnicodeWidthStr::width(text)).unwrap_or(u16::MAX)
}

/// `text` in at most `max` cells: cut on the right with "…" (or on the left for an id, so
/// its distinctive end stays).
pub fn fit(text: &str, max: u16, id: bool) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let room = usize::from(max - 1);
    let mut kept = Vec::new();
    let mut used = 0;
    let chars: Vec<char> = if id {
        text.chars().rev().collect()
    } else {
        text.chars().collect()
    };
    for c in chars {
        let w = c.width().unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        kept.push(c);
    }
    if id {
        kept.reverse();
        format!("…{}", kept.into_iter().collect::<String>())
    } else {
        format!("{}…", kept.into_iter().collect::<String>())
    }
}

/// How long ago `then` was at `now` (both Unix seconds, or milliseconds), e.g. "3m", "2h",
/// "4d"; "now" under a minute, "—" when the clock is unknown.
pub fn age(then: i64, now: Option<i64>) -> String {
    let Some(now) = now else {
        return "—".into();
    };
    let secs = |t: i64| {
        if t.abs() >= 100_000_000_000 {
            t.div_euclid(1000)
        } else {
            t
        }
    };
    let ago = (secs(now) - secs(then)).max(0);
    match ago {
        0..60 => "now".into(),
        60..3_600 => format!("{}m", ago / 60),
        3_600..86_400 => format!("{}h", ago / 3_600),
        86_400..31_536_000 => format!("{}d", ago / 86_400),
        _ => format!("{}y", ago / 31_536_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[Column] = &[
        Column::id("Id", 0),
        Column::grow("Title", 0, 8),
        Column::fixed("Shop", 3, 12),
        Column::fixed("Status", 1, 0),
        Column::grow("Reason", 2, 10),
    ];

    fn widths(available: u16, content: &[u16]) -> Vec<Option<u16>> {
        let header: Vec<u16> = COLUMNS.iter().map(|c| width(c.title)).collect();
        layout(COLUMNS, &header, content, available, 1)
    }

    #[test]
    fn everything_fits_and_growers_take_the_spare() {
        // 19 + 8 + 7 + 6 + 10 = 50 plus 4 spaces; 100 leaves 46 to share.
        let w = widths(100, &[19, 30, 7, 6, 40]);
        assert_eq!(w[0], Some(19), "the id keeps its full width");
        assert_eq!(w[2], Some(7));
        assert_eq!(w[3], Some(6));
        let title = w[1].unwrap();
        let reason = w[4].unwrap();
        assert_eq!(title, 30, "the title gets what it needs");
        assert_eq!(19 + title + 7 + 6 + reason + 4, 100, "the row is filled");
    }

    #[test]
    fn columns_are_dropped_by_priority_not_shrunk() {
        // Without Shop (priority 3): 19 + 8 + 6 + 10 + 3 = 46.
        let w = widths(50, &[19, 30, 12, 6, 40]);
        assert_eq!(w[2], None, "the lowest priority goes first");
        assert_eq!(w[0], Some(19));
        assert_eq!(w[3], Some(6));
        assert_eq!(w[1].unwrap() + w[4].unwrap(), 50 - 19 - 6 - 3);
        // Narrower: Reason (2) goes next, then Status (1) (to give the title room).
        let w = widths(44, &[19, 30, 12, 6, 40]);
        assert_eq!(w, vec![Some(19), Some(17), None, Some(6), None]);
        let w = widths(36, &[19, 30, 12, 6, 40]);
        assert_eq!(w, vec![Some(19), Some(16), None, None, None]);
        let w = widths(28, &[19, 30, 12, 6, 40]);
        assert_eq!(w, vec![Some(19), Some(8), None, None, None]);
    }

    #[test]
    fn growing_columns_win_room_from_less_important_fixed_ones() {
        // Everything fits at its minimum (19 + 8 + 7 + 6 + 10 + 4 = 54), but the title and the
        // reason want 8 and 10 more: Shop (priority 3) makes way; Status (1) does not.
        let w = widths(60, &[19, 30, 7, 6, 40]);
        assert_eq!(w[2], None);
        assert_eq!(w[3], Some(6));
        assert_eq!(19 + w[1].unwrap() + 6 + w[4].unwrap() + 3, 60);
    }

    #[test]
    fn headers_are_never_cut() {
        let w = widths(100, &[1, 1, 1, 1, 1]);
        assert_eq!(w[0], Some(2));
        assert_eq!(w[2], Some(4));
        assert_eq!(w[3], Some(6));
    }

    #[test]
    fn fixed_columns_are_capped() {
        let w = widths(200, &[5, 5, 40, 5, 5]);
        assert_eq!(w[2], Some(12));
    }

    #[test]
    fn a_lone_id_is_cut_from_the_left() {
        let w = widths(10, &[19, 30, 12, 6, 40]);
        assert_eq!(w, vec![Some(10), None, None, None, None]);
        assert_eq!(fit("5764614131234567890", 10, true), "…234567890");
        assert_eq!(fit("A long product title", 8, false), "A long …");
        assert_eq!(fit("short", 8, false), "short");
        assert_eq!(fit("x", 0, false), "");
    }

    #[test]
    fn ages_read_short() {
        let now = Some(1_000_000);
        assert_eq!(age(1_000_000 - 30, now), "now");
        assert_eq!(age(1_000_000 - 180, now), "3m");
        assert_eq!(age(1_000_000 - 7_300, now), "2h");
        assert_eq!(age(1_000_000 - 4 * 86_400, now), "4d");
        assert_eq!(age(1_000_000_000, Some(1_000_000_000_000 + 120_000)), "2m");
        assert_eq!(age(5, None), "—");
        assert_eq!(age(1_000_100, now), "now", "a clock a little behind");
    }
}
