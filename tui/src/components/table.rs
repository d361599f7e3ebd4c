//! A panel that shows one kind of row as a table with a selection, a type-to-filter line, a
//! sort column and a position indicator. Column widths come from [`super::columns`].

use super::Component;
use super::columns::{self, Column};
use crate::action::Action;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// One cell's text, colour and (for numbers and times) the value it sorts by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Field {
    pub text: String,
    pub style: Style,
    pub order: Option<i64>,
}

impl Field {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    pub fn styled(text: impl Into<String>, style: Style) -> Self {
        Self {
            text: text.into(),
            style,
            order: None,
        }
    }

    /// A number: shown as is, sorted as a number.
    pub fn number(value: i64) -> Self {
        Self {
            text: value.to_string(),
            style: Style::new(),
            order: Some(value),
        }
    }

    /// How long ago `then` was, sorted by the time itself.
    pub fn age(then: i64, now: Option<i64>) -> Self {
        Self {
            text: columns::age(then, now),
            style: Style::new(),
            order: Some(then),
        }
    }
}

/// How one kind of daemon view appears as a table row and in the detail popup.
pub trait TableRow {
    /// Shown instead of the table when there are no rows.
    const EMPTY: &'static str;

    fn columns() -> &'static [Column];

    /// Identity across refreshes, so the selection follows the row.
    fn key(&self) -> i64;

    /// The id the CLI takes for this row (what `y` copies).
    fn id(&self) -> String;

    /// One field per column; `now` (Unix seconds) for relative ages.
    fn fields(&self, now: Option<i64>) -> Vec<Field>;

    /// What the `/` filter looks in: every field, plus what the row hides.
    fn search_text(&self) -> String {
        self.fields(None)
            .into_iter()
            .map(|f| f.text)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Popup title and body.
    fn detail(&self) -> (String, Vec<Line<'static>>);
}

/// The column rows are sorted by; None keeps the daemon's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sort {
    pub column: Option<usize>,
    pub descending: bool,
}

pub struct TablePanel<R> {
    title: &'static str,
    /// Every row, in the daemon's order.
    all: Vec<R>,
    /// The rows passing the filter, sorted.
    rows: Vec<R>,
    selected: usize,
    /// Rows marked for a bulk action, by key; only markable panels draw the mark column.
    marked: BTreeSet<i64>,
    markable: bool,
    /// Text the rows must contain (case-insensitive), typed after `/`.
    filter: String,
    pub sort: Sort,
    /// For relative ages; the app keeps it current.
    pub now: Option<i64>,
    /// Appended to the title, e.g. the active filter.
    pub title_note: Option<String>,
    /// Shown instead of [`TableRow::EMPTY`] when there are no rows (e.g. under a filter).
    pub empty_note: Option<String>,
}

impl<R: TableRow + Clone> TablePanel<R> {
    pub fn new(title: &'static str) -> Self {
        Self {
            title,
            all: Vec::new(),
            rows: Vec::new(),
            selected: 0,
            marked: BTreeSet::new(),
            markable: false,
            filter: String::new(),
            sort: Sort::default(),
            now: None,
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

    /// The rows shown: passing the filter, in the chosen order.
    pub fn rows(&self) -> &[R] {
        &self.rows
    }

    /// How many rows there are before the filter.
    pub fn total(&self) -> usize {
        self.all.len()
    }

    pub fn selected_index(&self) -> Option<usize> {
        (!self.rows.is_empty()).then_some(self.selected)
    }

    pub fn selected(&self) -> Option<&R> {
        self.rows.get(self.selected)
    }

    /// Replace the rows, keeping the same row selected if it is still there.
    pub fn set_rows(&mut self, rows: Vec<R>) {
        self.all = rows;
        self.rebuild();
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn set_filter(&mut self, filter: String) {
        self.filter = filter;
        self.rebuild();
    }

    /// Sort by the next column (after the last, the daemon's order again).
    pub fn next_sort(&mut self) {
        let next = self.sort.column.map_or(0, |c| c + 1);
        self.sort = Sort {
            column: (next < R::columns().len()).then_some(next),
            descending: false,
        };
        self.rebuild();
    }

    /// Reverse the order (of the sort column, or of the daemon's order).
    pub fn reverse_sort(&mut self) {
        self.sort.descending = !self.sort.descending;
        self.rebuild();
    }

    /// "Age ▼" or "daemon order".
    pub fn sort_label(&self) -> Option<String> {
        let column = R::columns().get(self.sort.column?)?;
        Some(format!("{} {}", column.title, self.sort_mark()))
    }

    fn sort_mark(&self) -> &'static str {
        if self.sort.descending { "▼" } else { "▲" }
    }

    /// Filter and sort `all` into `rows`, keeping the selection on the same row.
    fn rebuild(&mut self) {
        let previous = self.selected().map(TableRow::key);
        let needle = self.filter.to_lowercase();
        let mut rows: Vec<R> = self
            .all
            .iter()
            .filter(|row| needle.is_empty() || row.search_text().to_lowercase().contains(&needle))
            .cloned()
            .collect();
        if let Some(column) = self.sort.column {
            let now = self.now;
            let mut keyed: Vec<(Field, R)> = rows
                .into_iter()
                .map(|row| {
                    let field = row.fields(now).into_iter().nth(column).unwrap_or_default();
                    (field, row)
                })
                .collect();
            keyed.sort_by(|(a, _), (b, _)| compare(a, b));
            rows = keyed.into_iter().map(|(_, row)| row).collect();
        }
        if self.sort.descending {
            rows.reverse();
        }
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

    /// Each column's title as drawn: with the sort mark on the sort column.
    fn headers(&self) -> Vec<String> {
        R::columns()
            .iter()
            .enumerate()
            .map(|(i, column)| {
                if self.sort.column == Some(i) {
                    format!("{}{}", column.title, self.sort_mark())
                } else {
                    column.title.to_string()
                }
            })
            .collect()
    }

    /// The bottom border: the filter being typed (or kept) and "12/60".
    fn bottom(&self, typing: bool) -> (Option<Line<'static>>, Line<'static>) {
        let filter = (typing || !self.filter.is_empty()).then(|| {
            let cursor = if typing { "▏" } else { "" };
            Line::from(vec![
                Span::raw(" /").bold().cyan(),
                Span::raw(format!("{}{cursor} ", self.filter)),
            ])
        });
        let position = if self.rows.is_empty() {
            format!(" 0/{} ", self.all.len())
        } else if self.rows.len() == self.all.len() {
            format!(" {}/{} ", self.selected + 1, self.rows.len())
        } else {
            format!(
                " {}/{} of {} ",
                self.selected + 1,
                self.rows.len(),
                self.all.len()
            )
        };
        (filter, Line::from(position).right_aligned())
    }

    /// Draw the panel; `typing` while the `/` filter takes keys.
    pub fn draw_table(&self, frame: &mut Frame, area: Rect, typing: bool) {
        let mut title = format!(" {} ({})", self.title, self.all.len());
        if let Some(note) = &self.title_note {
            title.push_str(&format!(" · {note}"));
        }
        if !self.marked.is_empty() {
            title.push_str(&format!(" · {} selected", self.marked.len()));
        }
        title.push(' ');
        let (filter, position) = self.bottom(typing);
        let mut block = Block::bordered()
            .title(title)
            .border_style(Style::new().cyan())
            .title_bottom(position);
        if let Some(filter) = filter {
            block = block.title_bottom(filter.left_aligned());
        }
        if self.rows.is_empty() {
            let empty = if self.all.is_empty() {
                self.empty_note.as_deref().unwrap_or(R::EMPTY).to_string()
            } else {
                format!(
                    "No row contains \"{}\" (Esc clears the filter).",
                    self.filter
                )
            };
            let text = Text::from(empty).italic().dark_gray();
            frame.render_widget(
                Paragraph::new(text)
                    .block(block)
                    .centered()
                    .wrap(Wrap { trim: true }),
                area,
            );
            return;
        }
        let fields: Vec<Vec<Field>> = self.rows.iter().map(|row| row.fields(self.now)).collect();
        let headers = self.headers();
        let header_widths: Vec<u16> = headers.iter().map(|h| columns::width(h)).collect();
        let content: Vec<u16> = (0..R::columns().len())
            .map(|i| {
                fields
                    .iter()
                    .filter_map(|row| row.get(i))
                    .map(|f| columns::width(&f.text))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        // Borders, the highlight symbol and the mark column.
        let chrome = 2 + HIGHLIGHT_WIDTH + if self.markable { 2 } else { 0 };
        let widths = columns::layout(
            R::columns(),
            &header_widths,
            &content,
            area.width.saturating_sub(chrome),
            SPACING,
        );
        let shown: Vec<(usize, u16)> = widths
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.map(|w| (i, w)))
            .collect();
        let mark_column = self.markable.then(|| Cell::from(""));
        let header = Row::new(
            mark_column.into_iter().chain(
                shown
                    .iter()
                    .map(|&(i, w)| Cell::from(columns::fit(&headers[i], w, false))),
            ),
        )
        .style(Style::new().add_modifier(Modifier::BOLD));
        let rows = self.rows.iter().zip(&fields).map(|(row, fields)| {
            let mut cells: Vec<Cell> = shown
                .iter()
                .map(|&(i, w)| {
                    let field = &fields[i];
                    let id = R::columns()[i].id;
                    Cell::from(Span::styled(columns::fit(&field.text, w, id), field.style))
                })
                .collect();
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
        let mut constraints: Vec<Constraint> =
            shown.iter().map(|&(_, w)| Constraint::Length(w)).collect();
        if self.markable {
            constraints.insert(0, Constraint::Length(1));
        }
        let table = Table::new(rows, constraints)
            .header(header)
            .block(block)
            .column_spacing(SPACING)
            .row_highlight_style(Style::new().reversed())
            .highlight_symbol("▶ ");
        // A fresh state each frame: ratatui scrolls it so the selection is visible.
        let mut state = TableState::new().with_selected(Some(self.selected));
        frame.render_stateful_widget(table, area, &mut state);
    }
}

const SPACING: u16 = 1;
const HIGHLIGHT_WIDTH: u16 = 2;

/// Numbers and times by value, text case-insensitively.
fn compare(a: &Field, b: &Field) -> Ordering {
    match (a.order, b.order) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.text.to_lowercase().cmp(&b.text.to_lowercase()),
    }
}

impl<R: TableRow + Clone> Component for TablePanel<R> {
    /// The app sends movement only to the focused panel.
    fn update(&mut self, action: &Action) {
        match action {
            Action::Up => self.up(1),
            Action::Down => self.down(1),
            Action::PageUp => self.up(usize::from(crate::editors::PAGE)),
            Action::PageDown => self.down(usize::from(crate::editors::PAGE)),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = self.rows.len().saturating_sub(1),
            _ => {}
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, _focused: bool) {
        self.draw_table(frame, area, false);
    }
}
