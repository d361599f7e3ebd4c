//! A panel that shows one kind of row as a table with a selection.

use super::Component;
use crate::action::Action;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Text};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};

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
}

impl<R: TableRow> TablePanel<R> {
    pub fn new(title: &'static str) -> Self {
        Self {
            title,
            rows: Vec::new(),
            selected: 0,
        }
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
        self.rows = rows;
    }

    fn up(&mut self) {
        self.selected = self.selected.saturating_sub(1);
    }

    fn down(&mut self) {
        if self.selected + 1 < self.rows.len() {
            self.selected += 1;
        }
    }
}

impl<R: TableRow> Component for TablePanel<R> {
    /// The app sends movement only to the focused panel.
    fn update(&mut self, action: &Action) {
        match action {
            Action::Up => self.up(),
            Action::Down => self.down(),
            _ => {}
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, focused: bool) {
        let border = if focused {
            Style::new().cyan()
        } else {
            Style::new().dark_gray()
        };
        let block = Block::bordered()
            .title(format!(" {} ({}) ", self.title, self.rows.len()))
            .border_style(border);
        if self.rows.is_empty() {
            let text = Text::from(R::EMPTY).italic().dark_gray();
            frame.render_widget(
                Paragraph::new(text)
                    .block(block)
                    .centered()
                    .wrap(Wrap { trim: true }),
                area,
            );
            return;
        }
        let header = Row::new(R::HEADERS.iter().copied())
            .style(Style::new().add_modifier(Modifier::BOLD))
            .bottom_margin(0);
        let rows = self.rows.iter().map(|row| Row::new(row.cells()));
        let table = Table::new(rows, R::widths())
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
