//! A panel that shows one kind of row as a table with a selection, a type-to-filter line, a
//! sort column and a position indicator. Column widths come from [`super::columns`].
//!
//! A local panel holds every row and filters and sorts them itself. A paged panel holds only
//! a window of its list: the daemon filters, sorts and counts, the panel keeps the selection's
//! absolute position and says which window it wants ([`super::paging`]).

use super::Component;
use super::columns::{self, Column};
use super::paging::Paging;
use crate::action::Action;
use feedbridge_common::{Direction, Page, Window};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};
use std::cmp::Ordering;
use std::collections::BTreeMap;

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

    /// Whether `s` can sort by `column` (a paged list: whether the daemon sorts by it).
    fn sortable(_column: usize) -> bool {
        true
    }
}

/// The column rows are sorted by; None keeps the daemon's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sort {
    pub column: Option<usize>,
    pub descending: bool,
}

impl Sort {
    /// The daemon's sort key and direction for this sort of a paged list: no column is the
    /// daemon's order (`default`, latest first; reversed, oldest first), a column sorts by
    /// its `key` ascending (reversed, descending).
    pub fn daemon<K>(self, default: K, key: impl Fn(usize) -> Option<K>) -> (K, Direction) {
        let direction = |descending| {
            if descending {
                Direction::Descending
            } else {
                Direction::Ascending
            }
        };
        match self.column.and_then(key) {
            Some(key) => (key, direction(self.descending)),
            None => (default, direction(!self.descending)),
        }
    }
}

pub struct TablePanel<R> {
    title: &'static str,
    /// A local panel's every row, in the daemon's order.
    all: Vec<R>,
    /// The rows held: a local panel's rows passing its filter, sorted; a paged panel's window.
    rows: Vec<R>,
    /// Set for a panel the daemon filters, sorts and windows.
    paging: Option<Paging>,
    /// Position of the selection in the whole list.
    selected: usize,
    /// The selected row's key while it is held: the selection follows its row when the rows
    /// change.
    selected_key: Option<i64>,
    /// Rows marked for a bulk action, by key (as they were last seen); only markable panels
    /// draw the mark column.
    marked: BTreeMap<i64, R>,
    markable: bool,
    /// The next answer is a new filter's first: marks on rows it does not hold are dropped.
    prune_marks: bool,
    /// Text the rows must contain (case-insensitive), typed after `/`.
    filter: String,
    pub sort: Sort,
    /// For relative ages; the app keeps it current.
    pub now: Option<i64>,
    /// Appended to the title, e.g. the active filter.
    pub title_note: Option<String>,
    /// Shown instead of [`TableRow::EMPTY`] when there are no rows (e.g. under a filter).
    pub empty_note: Option<String>,
    /// The daemon's word on the last page: why it covers only part of what matches.
    page_note: Option<String>,
}

impl<R: TableRow + Clone> TablePanel<R> {
    pub fn new(title: &'static str) -> Self {
        Self {
            title,
            all: Vec::new(),
            rows: Vec::new(),
            paging: None,
            selected: 0,
            selected_key: None,
            marked: BTreeMap::new(),
            markable: false,
            prune_marks: false,
            filter: String::new(),
            sort: Sort::default(),
            now: None,
            title_note: None,
            empty_note: None,
            page_note: None,
        }
    }

    /// A panel whose rows can be marked with Space for bulk actions.
    pub fn markable(title: &'static str) -> Self {
        Self {
            markable: true,
            ..Self::new(title)
        }
    }

    /// This panel pages through the daemon's list rather than holding it all.
    #[must_use]
    pub fn paged(self) -> Self {
        Self {
            paging: Some(Paging::default()),
            ..self
        }
    }

    pub fn paging(&self) -> Option<&Paging> {
        self.paging.as_ref()
    }

    /// Mark or unmark the selected row.
    pub fn toggle_mark(&mut self) {
        if let Some(row) = self.selected().cloned()
            && self.marked.remove(&row.key()).is_none()
        {
            self.marked.insert(row.key(), row);
        }
    }

    /// Keys of the marked rows.
    pub fn marked(&self) -> Vec<i64> {
        self.marked.keys().copied().collect()
    }

    /// The marked rows, or the selected one when none is marked.
    pub fn targets(&self) -> Vec<&R> {
        if self.marked.is_empty() {
            return self.selected().into_iter().collect();
        }
        self.marked.values().collect()
    }

    /// A row held or marked, by key.
    pub fn find(&self, key: i64) -> Option<&R> {
        self.rows
            .iter()
            .find(|row| row.key() == key)
            .or_else(|| self.marked.get(&key))
    }

    /// The rows held: a local panel's rows passing the filter, in the chosen order; a paged
    /// panel's window of its list.
    pub fn rows(&self) -> &[R] {
        &self.rows
    }

    /// Position of the first held row in the whole list.
    fn offset(&self) -> usize {
        self.paging.as_ref().map_or(0, |paging| paging.offset)
    }

    /// How many rows the list has: a local panel's before its filter, a paged panel's as
    /// the daemon counted them under the query.
    pub fn total(&self) -> usize {
        match &self.paging {
            Some(paging) => paging.total,
            None => self.all.len(),
        }
    }

    /// Rows the selection moves through: a local panel's after its filter.
    fn len(&self) -> usize {
        match &self.paging {
            Some(paging) => paging.total,
            None => self.rows.len(),
        }
    }

    /// Position of the selection in the whole list.
    pub fn selected_index(&self) -> Option<usize> {
        (self.len() > 0).then_some(self.selected)
    }

    /// The selected row, if it is held.
    pub fn selected(&self) -> Option<&R> {
        self.selected
            .checked_sub(self.offset())
            .and_then(|at| self.rows.get(at))
    }

    /// Replace a local panel's rows, keeping the same row selected if it is still there.
    pub fn set_rows(&mut self, rows: Vec<R>) {
        self.all = rows;
        self.rebuild();
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Filter by `filter` (a paged panel: the app asks the daemon, see [`Self::restart`]).
    pub fn set_filter(&mut self, filter: String) {
        self.filter = filter;
        self.rebuild();
    }

    /// Sort by the next column the list can sort by (after the last, the daemon's order again).
    pub fn next_sort(&mut self) {
        let next = self.sort.column.map_or(0, |c| c + 1);
        let column = (next..R::columns().len()).find(|&c| R::sortable(c));
        self.sort = Sort {
            column,
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

    /// A local panel: filter and sort `all` into `rows`, keeping the selection on the same
    /// row. A paged panel's daemon does this.
    fn rebuild(&mut self) {
        if self.paging.is_some() {
            return;
        }
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
            .retain(|key, _| rows.iter().any(|row| row.key() == *key));
        self.rows = rows;
        self.selected_key = self.selected().map(TableRow::key);
    }

    /// A paged panel's query changed (filter, search or sort): the window around position
    /// `at` of the new list, where the selected row stays selected if that window holds it.
    /// A new filter (`narrowed`) keeps only the marks on rows its first answer holds.
    pub fn restart(&mut self, at: usize, narrowed: bool) {
        self.selected = at;
        self.prune_marks |= narrowed;
        if let Some(paging) = &mut self.paging {
            let window = paging.window_around(at);
            paging.want(window);
        }
    }

    /// A paged panel's screen has `rows` table rows; wants a bigger window if it grew.
    pub fn set_screen(&mut self, rows: usize) {
        if let Some(paging) = &mut self.paging
            && paging.set_screen(rows)
        {
            self.want_more();
        }
    }

    /// Want the window around the selection if the rows held run short of it.
    fn want_more(&mut self) {
        let held = self.rows.len();
        let selected = self.selected;
        if let Some(paging) = &mut self.paging
            && paging.runs_short(selected, held)
        {
            let window = paging.window_around(selected);
            if window != paging.wanted().1 {
                paging.want(window);
            }
        }
    }

    /// The number to ask the daemon for now, with the window: none while an answer is out.
    pub fn to_send(&mut self) -> Option<(u64, Window)> {
        let paging = self.paging.as_mut()?;
        paging.to_send().map(|seq| (seq, paging.wanted().1))
    }

    /// The latest window wanted and its number (what the live refresh fetches).
    pub fn wanted(&self) -> (u64, Window) {
        self.paging
            .as_ref()
            .map_or((0, Window::default()), Paging::wanted)
    }

    /// The daemon is gone; see [`Paging::disconnected`].
    pub fn disconnected(&mut self) {
        if let Some(paging) = &mut self.paging {
            paging.disconnected();
        }
    }

    /// The answer to our request `seq`: applied if it is the latest (see [`Self::apply`]).
    pub fn answered(&mut self, seq: u64, page: Page<R>) -> bool {
        let latest = self
            .paging
            .as_mut()
            .is_some_and(|paging| paging.answered(seq));
        if latest {
            self.apply(page);
        }
        latest
    }

    /// Our request `seq` failed: nothing to apply, but it is no longer out.
    pub fn failed(&mut self, seq: u64) {
        if let Some(paging) = &mut self.paging {
            paging.answered(seq);
        }
    }

    /// The live refresh of window `seq`: applied if it is the latest.
    pub fn refreshed(&mut self, seq: u64, page: Page<R>) -> bool {
        let latest = self
            .paging
            .as_ref()
            .is_some_and(|paging| paging.is_latest(seq));
        if latest {
            self.apply(page);
        }
        latest
    }

    /// Hold `page`: the selection follows its row if the page holds it, else keeps its
    /// position (within the list); marked rows take their new state.
    fn apply(&mut self, page: Page<R>) {
        let Some(paging) = &mut self.paging else {
            return;
        };
        paging.offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
        paging.total = usize::try_from(page.total).unwrap_or(usize::MAX);
        self.rows = page.rows;
        self.page_note = page.note;
        if let Some(at) = self
            .selected_key
            .and_then(|key| self.rows.iter().position(|row| row.key() == key))
        {
            self.selected = self.offset() + at;
        }
        self.selected = self.selected.min(self.len().saturating_sub(1));
        if let Some(row) = self.selected() {
            self.selected_key = Some(row.key());
        }
        if std::mem::take(&mut self.prune_marks) {
            let rows = &self.rows;
            self.marked
                .retain(|key, _| rows.iter().any(|row| row.key() == *key));
        }
        for row in &self.rows {
            if let Some(marked) = self.marked.get_mut(&row.key()) {
                marked.clone_from(row);
            }
        }
        self.want_more();
    }

    /// Move the selection to `to` (within the list); a paged panel wants the window around
    /// it when its rows run short.
    fn select(&mut self, to: usize) {
        self.selected = to.min(self.len().saturating_sub(1));
        self.selected_key = self.selected().map(TableRow::key);
        self.want_more();
    }

    fn up(&mut self, rows: usize) {
        self.select(self.selected.saturating_sub(rows));
    }

    fn down(&mut self, rows: usize) {
        self.select(self.selected.saturating_add(rows));
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
        let position = if self.paging.is_some() {
            // The daemon counted the list under the filter: "12/60" of what matches.
            match self.selected_index() {
                Some(at) => format!(" {}/{} ", at + 1, self.total()),
                None => " 0/0 ".to_string(),
            }
        } else if self.rows.is_empty() {
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
        let mut title = format!(" {} ({})", self.title, self.total());
        for note in [&self.title_note, &self.page_note].into_iter().flatten() {
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
        let loading = self.len() > 0 && self.selected().is_none();
        if self.rows.is_empty() || loading {
            let filtered_out = match &self.paging {
                Some(paging) => paging.total == 0 && !self.filter.is_empty(),
                None => !self.all.is_empty(),
            };
            let empty = if loading {
                format!("Loading row {}…", self.selected + 1)
            } else if filtered_out {
                format!(
                    "No row contains \"{}\" (Esc clears the filter).",
                    self.filter
                )
            } else {
                self.empty_note.as_deref().unwrap_or(R::EMPTY).to_string()
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
                let mark = if self.marked.contains_key(&row.key()) {
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
        // A fresh state each frame: ratatui scrolls it so the selection is visible (the
        // window held starts early enough for the rows above it).
        let at = self.selected - self.offset();
        let mut state = TableState::new().with_selected(Some(at));
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
            Action::Top => self.select(0),
            Action::Bottom => self.select(usize::MAX),
            _ => {}
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, _focused: bool) {
        self.draw_table(frame, area, false);
    }
}
