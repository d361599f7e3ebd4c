//! What every list shares: the `/` filter, the sort column, copying the selected row's id and
//! the clock for relative ages.

use super::App;
use crate::action::Panel;
use crate::components::{TablePanel, TableRow};

impl App {
    /// The time relative ages are measured from (Unix seconds); the main loop sets it, tests
    /// pin it.
    pub fn set_now(&mut self, now: i64) {
        let now = Some(now);
        self.orders.now = now;
        self.products.now = now;
        self.failures.now = now;
        self.connections.now = now;
    }

    /// Texts for the terminal's clipboard queued since the last call.
    pub fn take_copies(&mut self) -> Vec<String> {
        std::mem::take(&mut self.copies)
    }

    /// The id the CLI takes for the selected row of the current panel.
    pub fn selected_id(&self) -> Option<String> {
        match self.panel {
            Panel::Orders => self.orders.selected().map(TableRow::id),
            Panel::Products => self.products.selected().map(TableRow::id),
            Panel::Failures => self.failures.selected().map(TableRow::id),
            Panel::Connections => self.connections.selected().map(TableRow::id),
        }
    }

    /// The index of the selected row of `panel`.
    pub fn selected_index(&self, panel: Panel) -> Option<usize> {
        match panel {
            Panel::Orders => self.orders.selected_index(),
            Panel::Products => self.products.selected_index(),
            Panel::Failures => self.failures.selected_index(),
            Panel::Connections => self.connections.selected_index(),
        }
    }

    /// How many rows `panel` shows (after its `/` filter).
    pub fn panel_rows(&self, panel: Panel) -> usize {
        match panel {
            Panel::Orders => self.orders.rows().len(),
            Panel::Products => self.products.rows().len(),
            Panel::Failures => self.failures.rows().len(),
            Panel::Connections => self.connections.rows().len(),
        }
    }

    /// The current panel's `/` filter.
    pub fn current_filter(&self) -> &str {
        match self.panel {
            Panel::Orders => self.orders.filter(),
            Panel::Products => self.products.filter(),
            Panel::Failures => self.failures.filter(),
            Panel::Connections => self.connections.filter(),
        }
    }

    /// The daemon searches a paged panel's list: each change asks it again (the panel sends
    /// the text typed by then once the previous answer is in).
    fn set_current_filter(&mut self, filter: String) {
        if filter == self.current_filter() {
            return;
        }
        match self.panel {
            Panel::Orders => restart_with(&mut self.orders, |p| p.set_filter(filter), true),
            Panel::Products => restart_with(&mut self.products, |p| p.set_filter(filter), true),
            Panel::Failures => restart_with(&mut self.failures, |p| p.set_filter(filter), true),
            Panel::Connections => self.connections.set_filter(filter),
        }
        self.ask_pages();
    }

    pub(super) fn filter_input(&mut self, c: char) {
        let mut filter = self.current_filter().to_string();
        filter.push(c);
        self.set_current_filter(filter);
    }

    pub(super) fn filter_erase(&mut self) {
        let mut filter = self.current_filter().to_string();
        filter.pop();
        self.set_current_filter(filter);
    }

    pub(super) fn clear_filter(&mut self) {
        self.typing_filter = false;
        self.set_current_filter(String::new());
    }

    /// Sort the current panel by its next column, or reverse its order.
    pub(super) fn sort(&mut self, reverse: bool) {
        let label = match self.panel {
            Panel::Orders => sort_panel(&mut self.orders, reverse),
            Panel::Products => sort_panel(&mut self.products, reverse),
            Panel::Failures => sort_panel(&mut self.failures, reverse),
            Panel::Connections => sort_panel(&mut self.connections, reverse),
        };
        self.ask_pages();
        self.notice(match label {
            Some(label) => format!("Sorted by {label}."),
            None if reverse => "The daemon's order, reversed.".into(),
            None => "The daemon's order.".into(),
        });
    }
}

/// Sort `panel` anew. A paged one asks the daemon: a new column from the top of the list;
/// reversed, the window where the selected row now is (every sort is a total order, so
/// reversing it moves row `i` of `n` to `n - 1 - i`), so the selection stays on its row.
fn sort_panel<R: TableRow + Clone>(panel: &mut TablePanel<R>, reverse: bool) -> Option<String> {
    if reverse {
        panel.reverse_sort();
    } else {
        panel.next_sort();
    }
    if panel.paging().is_some() {
        let at = match panel.selected_index() {
            Some(at) if reverse => panel.total() - 1 - at,
            _ => 0,
        };
        panel.restart(at, false);
    }
    panel.sort_label()
}

/// Change `panel`'s filter with `change`; a paged panel then wants the new list's first
/// window (`narrowed`: a filter, which drops marks on rows it no longer shows).
fn restart_with<R: TableRow + Clone>(
    panel: &mut TablePanel<R>,
    change: impl FnOnce(&mut TablePanel<R>),
    narrowed: bool,
) {
    change(panel);
    if panel.paging().is_some() {
        panel.restart(0, narrowed);
    }
}
