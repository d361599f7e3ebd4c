//! A panel that shows one kind of row as a table with a selection.

use super::Component;
use crate::action::Action;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Text};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};
use std::collections::BTreeSet;

/// How one kind of daemon view appears as a table row and in the detail popup.
pub trait TableRow {
    /// Column titles.
    const HEADERS: &'static [&'static str];
    /// Shown instead of the table when there are no rows.
    const EMPTY: &'static str;

    fn widths() -> Vec<Constraint>;

    /// Identity across refreshes, so the selection follows the row.
    fn key(&self) -> i64;

    fn cells(&self) -> Vec<Cell<'static>>;

    /// Popup title and body.
    fn detail(&self) -> (String, Vec<Line<'static>>);
}

pub struct TablePanel<R> {
    title: &'static str,
    rows: Vec<R>,
    selected: usize,
    /// Rows marked for a bulk action, by key; only markable panels draw the mark column.
    marked: BTreeSet<i64>,
    markable: bool,
    /// Appended to the title, e.g. the active filter.
    pub title_note: Option<String>,
    /// Shown instead of [`TableRow::EMPTY`] when there are no rows (e.g. under a filter).
    pub empty_note: Option<String>,
}

impl<R: TableRow> TablePanel<R> {
    pub fn new(title: &'static str) -> Self {
        Self {
            title,
            rows: Vec::new(),
            selected: 0,
            marked: BTreeSet::new(),
            markable: false,
            title_note: None,
            empty_note: None,
        }
    }

    /// A panel whose rows can be marked with Space for bulk actions.
    pub fn markable(title: &'static str) -> Self {
        Self {
            markable: true,
            ..Self::new(title)
        }
    }

    /// Mark or unmark the selected row.
    pub fn toggle_mark(&mut self) {
        if let Some(key) = self.selected().map(TableRow::key)
            && !self.marked.remove(&key)
        {
            self.marked.insert(key);
        }
    }

    /// Keys of the marked rows, in row order.
    pub fn marked(&self) -> Vec<i64> {
        self.rows
            .iter()
            .map(TableRow::key)
            .filter(|key| self.marked.contains(key))
            .collect()
    }

    /// The marked rows, or the selected one when none is marked.
    pub fn targets(&self) -> Vec<&R> {
        if self.marked.is_empty() {
            return self.selected().into_iter().collect();
        }
        self.rows
            .iter()
            .filter(|row| self.marked.contains(&row.key()))
            .collect()
    }

    pub fn rows(&self) -> &[R] {
        &self.rows
    }

    pub fn selected_index(&self) -> Option<usize> {
        (!self.rows.is_empty()).then_some(self.selected)
    }

    pub fn selected(&self) -> Option<&R> {
        self.rows.get(self.selected)
    }

    /// Replace the rows, keeping the same row selected if it is still there.
    pub fn set_rows(&mut self, rows: Vec<R>) {
        let previous = self.selected().map(TableRow::key);
        self.selected = previous
            .and_then(|key| rows.iter().position(|row| row.key() == key))
            .unwrap_or(self.selected)
            .min(rows.len().saturating_sub(1));
        // A mark on a row that is gone (or filtered out) would act on something unseen.
        self.marked
            .retain(|key| rows.iter().any(|row| row.key() == *key));
        self.rows = rows;
    }

    fn up(&mut self, rows: usize) {
        self.selected = self.selected.saturating_sub(rows);
    }

    fn down(&mut self, rows: usize) {
        self.selected = (self.selected + rows).min(self.rows.len().saturating_sub(1));
    }
}

impl<R: TableRow> Component for TablePanel<R> {
    /// The app sends movement only to the focused panel.
    fn update(&mut self, action: &Action) {
        match action {
            Action::Up => self.up(1),
            Action::Down => self.down(1),
            Action::PageUp => self.up(usize::from(crate::editors::PAGE)),
            Action::PageDown => self.down(usize::from(crate::editors::PAGE)),
            _ => {}
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, focused: bool) {
        let border = if focused {
            Style::new().cyan()
        } else {
            Style::new().dark_gray()
        };
        let mut title = format!(" {} ({})", self.title, self.rows.len());
        if let Some(note) = &self.title_note {
            title.push_str(&format!(" · {note}"));
        }
        if !self.marked.is_empty() {
            title.push_str(&format!(" · {} selected", self.marked.len()));
        }
        title.push(' ');
        let block = Block::bordered().title(title).border_style(border);
        if self.rows.is_empty() {
            let empty = self.empty_note.as_deref().unwrap_or(R::EMPTY);
            let text = Text::from(empty.to_string()).italic().dark_gray();
            frame.render_widget(
                Paragraph::new(text)
                    .block(block)
                    .centered()
                    .wrap(Wrap { trim: true }),
                area,
            );
            return;
        }
        let mark_column = self.markable.then_some("");
        let header = Row::new(mark_column.into_iter().chain(R::HEADERS.iter().copied()))
            .style(Style::new().add_modifier(Modifier::BOLD))
            .bottom_margin(0);
        let rows = self.rows.iter().map(|row| {
            let mut cells = row.cells();
            if self.markable {
                let mark = if self.marked.contains(&row.key()) {
                    "✓"
                } else {
                    " "
                };
                cells.insert(0, Cell::from(mark).green().bold());
            }
            Row::new(cells)
        });
        let mut widths = R::widths();
        if self.markable {
            widths.insert(0, Constraint::Length(1));
        }
        let table = Table::new(rows, widths)
            .header(header)
            .block(block)
            .column_spacing(1)
            .row_highlight_style(Style::new().reversed())
            .highlight_symbol("▶ ");
        // A fresh state each frame: ratatui scrolls it so the selection is visible.
        let mut state = TableState::new().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, area, &mut state);
    }
}
