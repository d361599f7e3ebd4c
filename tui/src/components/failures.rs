//! The Failures panel: work that needs a human, with what to do about it.

use super::columns::Column;
use super::orders::field;
use super::table::{Field, Sort, TableRow};
use crate::format::{self, utc};
use feedbridge_common::{Direction, FailureSort, FailureView};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;

/// What the daemon sorts each column by; None: it cannot (`s` passes over the column).
fn column_sort(column: usize) -> Option<FailureSort> {
    match column {
        0 => Some(FailureSort::Id),
        1 => Some(FailureSort::Kind),
        2 => Some(FailureSort::Subject),
        4 => Some(FailureSort::LastSeen),
        7 => Some(FailureSort::Attempts),
        _ => None,
    }
}

/// The daemon's sort for the Failures panel's `sort`.
pub fn failure_sort(sort: Sort) -> (FailureSort, Direction) {
    sort.daemon(FailureSort::LastSeen, column_sort)
}

impl TableRow for FailureView {
    const EMPTY: &'static str = "No open failures. Everything is in sync.";

    fn columns() -> &'static [Column] {
        const COLUMNS: &[Column] = &[
            Column::id("ID", 0),
            Column::fixed("Kind", 1, 0),
            Column::grow("Subject", 1, 14),
            Column::grow("Reason", 2, 14),
            Column::fixed("Age", 2, 0),
            Column::fixed("Retry?", 4, 0),
            Column::fixed("Action", 5, 40),
            Column::fixed("Tries", 6, 0),
        ];
        COLUMNS
    }

    fn key(&self) -> i64 {
        self.id
    }

    fn id(&self) -> String {
        self.id.to_string()
    }

    fn sortable(column: usize) -> bool {
        column_sort(column).is_some()
    }

    fn fields(&self, now: Option<i64>) -> Vec<Field> {
        let retry = if self.retryable {
            Style::new().green()
        } else {
            Style::new().dark_gray()
        };
        vec![
            Field::number(self.id),
            Field::new(self.kind.label()),
            Field::new(self.subject.clone()),
            Field::new(self.reason.clone()),
            Field::age(self.last_seen, now),
            Field::styled(format::failure_retryable(self), retry),
            Field::new(self.action.clone()),
            Field::number(i64::from(self.attempts)),
        ]
    }

    fn detail(&self) -> (String, Vec<Line<'static>>) {
        let mut lines = vec![
            field("Failure", format!("#{} ({})", self.id, self.organization)),
            field("Kind", self.kind.label().to_string()),
            field("Why", self.reason.clone()),
            field("What to do", self.action.clone()),
            field(
                "Retry",
                if self.retryable {
                    "can help — press r".to_string()
                } else {
                    "will not help until the cause is fixed".to_string()
                },
            ),
            field("Attempts", self.attempts.to_string()),
            field("First seen", utc(self.first_seen)),
            field("Last seen", utc(self.last_seen)),
        ];
        if let Some(raw) = &self.raw_error {
            lines.push(Line::raw(""));
            lines.push(Line::from("Platform error").bold());
            lines.push(Line::raw(raw.clone()).dark_gray());
        }
        (self.subject.clone(), lines)
    }
}
