//! The Failures panel: work that needs a human, with what to do about it.

use super::orders::field;
use super::table::TableRow;
use crate::format::{self, utc};
use feedbridge_common::FailureView;
use ratatui::layout::Constraint;
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;

impl TableRow for FailureView {
    const HEADERS: &'static [&'static str] =
        &["Kind", "Subject", "Reason", "Action", "Tries", "Retry?"];
    const EMPTY: &'static str = "No open failures. Everything is in sync.";

    fn widths() -> Vec<Constraint> {
        vec![
            Constraint::Length(18),
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Length(5),
            Constraint::Length(6),
        ]
    }

    fn key(&self) -> i64 {
        self.id
    }

    fn cells(&self) -> Vec<Cell<'static>> {
        let retry = if self.retryable {
            Style::new().green()
        } else {
            Style::new().dark_gray()
        };
        vec![
            Cell::from(self.kind.label()),
            Cell::from(self.subject.clone()),
            Cell::from(self.reason.clone()),
            Cell::from(self.action.clone()),
            Cell::from(self.attempts.to_string()),
            Cell::from(Span::styled(format::failure_retryable(self), retry)),
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
