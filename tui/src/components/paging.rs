//! Which rows of a daemon-paged list the console holds, and when to ask for others. Pure
//! logic: the panel holds the rows, the app makes the calls.
//!
//! The panel holds a window of twice the screen's rows around what the screen shows (the
//! selection's row at the bottom once scrolled, as ratatui scrolls a table), and asks for the
//! window around the new position once less than a quarter screen is held beyond what is
//! shown. Requests are numbered; one is out at a time per list, and while it is out only the
//! latest wish is kept, to be sent when the answer comes (so typing a filter fast asks for
//! the text typed by then, not for every letter). An answer is applied only when it carries
//! the latest number.

use feedbridge_common::{MAX_PAGE_ROWS, Window};

/// Table rows of a 24-line terminal: what the panels assume until told the screen's height.
pub const DEFAULT_SCREEN: usize = 14;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paging {
    /// Position of the first held row in the whole list.
    pub offset: usize,
    /// Rows in the whole list, as the daemon last said.
    pub total: usize,
    /// Table rows the screen shows at once.
    screen: usize,
    /// The window wanted now, and its number.
    wanted: Window,
    seq: u64,
    /// The latest number sent, and whether its answer is still out.
    sent: u64,
    in_flight: bool,
}

impl Default for Paging {
    fn default() -> Self {
        Self {
            offset: 0,
            total: 0,
            screen: DEFAULT_SCREEN,
            wanted: Window::first(window_len(DEFAULT_SCREEN)),
            seq: 0,
            sent: 0,
            in_flight: false,
        }
    }
}

/// Rows of a window for a screen of `screen` rows.
fn window_len(screen: usize) -> u32 {
    u32::try_from(screen.max(1) * 2)
        .unwrap_or(MAX_PAGE_ROWS)
        .min(MAX_PAGE_ROWS)
}

impl Paging {
    pub fn screen(&self) -> usize {
        self.screen
    }

    /// Returns whether the screen's height changed. Before anything was asked, the first
    /// window (what the first refresh fetches) follows the screen.
    pub fn set_screen(&mut self, rows: usize) -> bool {
        let rows = rows.max(1);
        let changed = rows != self.screen;
        self.screen = rows;
        if self.seq == 0 && self.total == 0 {
            self.wanted = Window::first(window_len(rows));
        }
        changed
    }

    /// The window wanted now, with its number: what a request (or the live refresh) asks for.
    pub fn wanted(&self) -> (u64, Window) {
        (self.seq, self.wanted)
    }

    /// The rows the screen shows with `selected` selected: `[start, end)` of the whole list.
    fn shown(&self, selected: usize) -> (usize, usize) {
        let start = selected.saturating_sub(self.screen - 1);
        (start, (start + self.screen).min(self.total))
    }

    /// The window to hold with `selected` selected: what the screen shows and half a screen
    /// either side, kept inside the list.
    pub fn window_around(&self, selected: usize) -> Window {
        let len = window_len(self.screen);
        let (start, _) = self.shown(selected);
        let last_start = self.total.saturating_sub(len as usize);
        let offset = start.saturating_sub(self.screen / 2).min(last_start);
        Window {
            offset: offset as u64,
            limit: len,
        }
    }

    /// Whether `held` rows from [`Paging::offset`] run short of the screen around `selected`
    /// (less than a quarter screen beyond it, where the list goes on).
    pub fn runs_short(&self, selected: usize, held: usize) -> bool {
        if self.total == 0 {
            return false;
        }
        let (start, end) = self.shown(selected);
        let margin = self.screen / 4;
        let held_end = self.offset + held;
        let short_above = self.offset > 0 && start < self.offset + margin;
        let short_below = held_end < self.total && end + margin > held_end;
        short_above || short_below
    }

    /// Whether the rows the screen shows around `selected` are all held.
    pub fn shows_held(&self, selected: usize, held: usize) -> bool {
        let (start, end) = self.shown(selected);
        self.offset <= start && self.offset + held >= end
    }

    /// Want `window` from now on: a new number, which makes every older answer stale.
    pub fn want(&mut self, window: Window) {
        self.seq += 1;
        self.wanted = window;
    }

    /// The number to ask for now, if a request should go: none while one is out, or when
    /// the latest was sent already.
    pub fn to_send(&mut self) -> Option<u64> {
        if self.in_flight || self.sent >= self.seq {
            return None;
        }
        self.in_flight = true;
        self.sent = self.seq;
        Some(self.seq)
    }

    /// The answer to our request `seq` came: whether it is the latest (to apply).
    pub fn answered(&mut self, seq: u64) -> bool {
        if seq == self.sent {
            self.in_flight = false;
        }
        seq == self.seq
    }

    /// The live refresh fetched `seq`: whether it is the latest (to apply).
    pub fn is_latest(&self, seq: u64) -> bool {
        seq == self.seq
    }

    /// The daemon is gone: nothing is out any more, and the refresh after reconnecting fetches
    /// the latest window.
    pub fn disconnected(&mut self) {
        self.in_flight = false;
        self.sent = self.seq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paging(total: usize, screen: usize) -> Paging {
        let mut paging = Paging {
            total,
            ..Paging::default()
        };
        paging.set_screen(screen);
        paging
    }

    #[test]
    fn the_window_is_twice_the_screen_around_what_it_shows() {
        let p = paging(1_000, 10);
        // At the top: from the first row.
        assert_eq!(p.window_around(0), Window::first(20));
        // Scrolled: the selection is the screen's last row (rows 91..=100), plus 5 above.
        assert_eq!(
            p.window_around(100),
            Window {
                offset: 86,
                limit: 20
            }
        );
        // At the end: the last 20 rows.
        assert_eq!(
            p.window_around(999),
            Window {
                offset: 980,
                limit: 20
            }
        );
        // A list shorter than a window: all of it.
        assert_eq!(paging(7, 10).window_around(6), Window::first(20));
    }

    #[test]
    fn a_window_runs_short_a_quarter_screen_before_its_edge() {
        let mut p = paging(1_000, 12);
        p.offset = 100;
        let held = 24;
        // Rows 100..124 held; the screen shows 12 rows ending at the selection.
        assert!(
            !p.runs_short(115, held),
            "rows 104..=115 shown, 8 more held below"
        );
        assert!(!p.runs_short(120, held), "3 below: a quarter screen");
        assert!(p.runs_short(121, held), "2 below");
        assert!(!p.runs_short(114, held), "rows 103..=114 shown, 3 above");
        assert!(p.runs_short(113, held), "2 above");
        assert!(p.shows_held(123, held));
        assert!(!p.shows_held(124, held));
        // The list's own ends are no reason to ask.
        p.offset = 0;
        assert!(!p.runs_short(0, held));
        p.total = 24;
        assert!(!p.runs_short(23, held));
        assert!(!paging(0, 12).runs_short(0, 0));
    }

    #[test]
    fn one_request_is_out_at_a_time_and_only_the_latest_answer_counts() {
        let mut p = Paging::default();
        // Typing "a", "ab", "abc" fast: "a" goes at once, the others wait for its answer.
        p.want(Window::first(28));
        assert_eq!(p.to_send(), Some(1));
        p.want(Window::first(28));
        assert_eq!(p.to_send(), None, "one out already");
        p.want(Window::first(28));
        assert_eq!(p.to_send(), None);
        // The answer to "a" comes: stale, dropped; the latest goes now (not "ab").
        assert!(!p.answered(1));
        assert_eq!(p.to_send(), Some(3));
        // A late refresh of an older number is dropped too; the latest is applied.
        assert!(!p.is_latest(2));
        assert!(p.is_latest(3));
        assert!(p.answered(3));
        assert_eq!(p.to_send(), None, "nothing newer wanted");
        // Lost the daemon with a request out: the next wish goes at once.
        p.want(Window::first(28));
        assert_eq!(p.to_send(), Some(4));
        p.disconnected();
        p.want(Window::first(28));
        assert_eq!(p.to_send(), Some(5));
    }
}
