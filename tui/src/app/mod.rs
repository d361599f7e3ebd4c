//! The console's state and how keys and daemon updates change it. No I/O here: the main loop
//! (`console.rs`) performs the effects an action asks for (quitting, and the daemon calls the
//! app queues as [`Request`]s).

mod answers;
mod dialogs;
mod input;
mod lists;

use crate::action::{Action, Lists, PageAnswer, PageRequest, Panel, Request};
use crate::attribute_editor::AttributeEditor;
use crate::components::{
    Component, ConnectionRow, Footer, Header, TablePanel, TableRow, failure_sort, order_sort,
    product_sort,
};
use crate::editors::{CarrierEditor, OrderDetailView, OrderSettingsForm, PAGE};
use crate::forms::{SizeChartPicker, StoreForm};
use crate::keys::Dialog;
use feedbridge_common::catalog::{AuthorizationStart, ConnectionTest, LinkPreview, ProductDetail};
use feedbridge_common::{
    CategoryRef, FailureKind, FailureQuery, FailureView, ListingStatus, OrderFilter, OrderQuery,
    OrderSyncState, OrderView, ProductQuery, ProductView, Window,
};
use ratatui::text::Line;

/// The searchable category picker for one or more listings of one shop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picker {
    pub shop: String,
    pub listing_ids: Vec<i64>,
    pub query: String,
    /// Results of the search for `results_for`; stale while it differs from `query`.
    pub results: Vec<CategoryRef>,
    pub results_for: Option<String>,
    pub error: Option<String>,
    pub selected: usize,
    /// TikTok's suggestion for the listing's title (one listing only), offered first.
    pub recommended: Option<CategoryRef>,
}

impl Picker {
    pub fn is_searching(&self) -> bool {
        self.results_for.as_deref() != Some(self.query.as_str())
    }

    /// What the list shows, in order: TikTok's recommendation first (before any search is
    /// typed), then the search results without it.
    pub fn choices(&self) -> Vec<&CategoryRef> {
        let recommended = self
            .recommended
            .as_ref()
            .filter(|_| self.query.trim().is_empty());
        recommended
            .into_iter()
            .chain(
                self.results
                    .iter()
                    .filter(|c| recommended.is_none_or(|r| r.id != c.id)),
            )
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Popup {
    Help,
    Detail,
    Picker(Picker),
    /// Ask for the TikTok product id to link a listing to.
    LinkPrompt {
        listing_id: i64,
        title: String,
        input: String,
    },
    ConnectionTest {
        name: String,
        /// None while the checks run.
        result: Option<Result<ConnectionTest, String>>,
    },
    Authorization {
        shop: String,
        start: Option<Result<AuthorizationStart, String>>,
        /// The pasted code, or the whole redirect URL.
        input: String,
    },
    LinkPreview {
        shop: String,
        preview: Option<Result<LinkPreview, String>>,
        applying: bool,
    },
    /// The outcome of a bulk action worth more than a notice (mapping refusals).
    Report {
        title: String,
        lines: Vec<String>,
    },
    /// The daemon's detail of one order, with its timeline.
    OrderDetail(Box<OrderDetailView>),
    /// The `:` palette: a CLI command line being typed.
    Palette {
        input: String,
    },
    /// What a palette command printed (or its error), scrolled to line `scroll`.
    Output {
        title: String,
        lines: Vec<String>,
        scroll: u16,
    },
    /// Stop the demo (daemon and simulators)? y/n.
    ConfirmQuit,
    /// Retry every open failure of `kind` of `organization`? y/n.
    ConfirmRetryAll {
        kind: FailureKind,
        organization: String,
        /// How many the console shows (the daemon decides).
        count: usize,
    },
    Carriers(Box<CarrierEditor>),
    OrderSettings(Box<OrderSettingsForm>),
    /// The TikTok attribute form of one listing.
    Attributes(Box<AttributeEditor>),
    /// A listing's size chart, chosen from its shop's TikTok templates.
    SizeCharts(Box<SizeChartPicker>),
    /// Connect, replace or disconnect an organization's store.
    Store(Box<StoreForm>),
}

impl Popup {
    /// The text a popup that takes typing is editing.
    fn input_mut(&mut self) -> Option<&mut String> {
        match self {
            Self::Picker(picker) => Some(&mut picker.query),
            Self::LinkPrompt { input, .. }
            | Self::Authorization { input, .. }
            | Self::Palette { input } => Some(input),
            Self::Carriers(editor) => editor.input_mut(),
            Self::OrderSettings(form) => form.input_mut(),
            Self::Attributes(editor) => editor.input_mut(),
            Self::SizeCharts(picker) => Some(picker.input_mut()),
            Self::Store(form) => form.input_mut(),
            _ => None,
        }
    }

    fn takes_input(&self) -> bool {
        match self {
            Self::Picker(_)
            | Self::LinkPrompt { .. }
            | Self::Authorization { .. }
            | Self::Palette { .. }
            | Self::SizeCharts(_) => true,
            Self::Carriers(editor) => editor.takes_input(),
            Self::OrderSettings(form) => form.takes_input(),
            Self::Attributes(editor) => editor.takes_input(),
            Self::Store(form) => form.takes_input(),
            _ => false,
        }
    }

    /// Up and Down move inside the popup while typing (picker results, providers).
    fn lists_while_typing(&self) -> bool {
        match self {
            Self::Picker(_) | Self::Attributes(_) | Self::SizeCharts(_) => true,
            Self::Carriers(editor) => {
                matches!(editor.mode, crate::editors::CarrierMode::Choosing { .. })
            }
            _ => false,
        }
    }

    /// The popup's own keys, if it has any.
    pub fn dialog(&self) -> Option<Dialog> {
        match self {
            Self::OrderDetail(_) => Some(Dialog::OrderDetail),
            Self::Carriers(_) => Some(Dialog::Carriers),
            Self::OrderSettings(_) => Some(Dialog::OrderSettings),
            Self::Attributes(_) => Some(Dialog::Attributes),
            Self::Store(_) => Some(Dialog::Store),
            Self::ConfirmRetryAll { .. } | Self::LinkPreview { .. } | Self::ConfirmQuit => {
                Some(Dialog::Confirm)
            }
            _ => None,
        }
    }
}

pub struct App {
    pub panel: Panel,
    pub popup: Option<Popup>,
    pub should_quit: bool,
    pub header: Header,
    pub footer: Footer,
    /// The Orders, Products and Failures panels page through the daemon's lists.
    pub orders: TablePanel<OrderView>,
    /// The products passing the status filter.
    pub products: TablePanel<ProductView>,
    pub failures: TablePanel<FailureView>,
    pub connections: TablePanel<ConnectionRow>,
    pub product_filter: Option<ListingStatus>,
    /// The daemon's detail of the product in the detail popup, once it answered.
    pub product_detail: Option<(i64, Result<Box<ProductDetail>, String>)>,
    /// Which orders the Orders panel shows (sync state and shop; its `/` text is the search).
    pub order_filter: OrderFilter,
    /// The TikTok shops, for the shop filter.
    shops: Vec<String>,
    /// First line of the help shown.
    pub help_scroll: u16,
    /// Daemon calls to make; the main loop drains them with [`App::take_requests`].
    requests: Vec<Request>,
    /// Texts to put on the terminal's clipboard; the main loop drains them with
    /// [`App::take_copies`].
    copies: Vec<String>,
    /// Keys go to the current list's `/` filter.
    pub typing_filter: bool,
    /// The console runs inside `feedbridge demo`: quitting stops the daemon and simulators.
    pub demo: bool,
}

impl Default for App {
    fn default() -> Self {
        Self::new()
    }
}

impl App {
    pub fn new() -> Self {
        Self {
            panel: Panel::Orders,
            popup: None,
            should_quit: false,
            header: Header::default(),
            footer: Footer::default(),
            orders: TablePanel::new("Orders").paged(),
            products: TablePanel::markable("Products").paged(),
            failures: TablePanel::new("Failures").paged(),
            connections: TablePanel::new("Connections"),
            product_filter: None,
            product_detail: None,
            order_filter: OrderFilter::default(),
            shops: Vec::new(),
            help_scroll: 0,
            requests: Vec::new(),
            copies: Vec::new(),
            typing_filter: false,
            demo: false,
        }
        .with_filter_note()
    }

    fn with_filter_note(mut self) -> Self {
        self.note_product_filter();
        self.note_order_filter();
        self
    }

    /// The terminal shows `rows` table rows: the paged panels hold twice that around what
    /// they show (see `ui::table_rows`).
    pub fn set_screen(&mut self, rows: usize) {
        self.orders.set_screen(rows);
        self.products.set_screen(rows);
        self.failures.set_screen(rows);
        self.ask_pages();
    }

    /// What each paged panel shows now, for the live refresh to fetch again.
    pub fn lists(&self) -> Lists {
        let (orders, order_window) = self.orders.wanted();
        let (products, product_window) = self.products.wanted();
        let (failures, failure_window) = self.failures.wanted();
        Lists {
            orders: PageRequest {
                seq: orders,
                query: self.order_query(order_window),
            },
            products: PageRequest {
                seq: products,
                query: self.product_query(product_window),
            },
            failures: PageRequest {
                seq: failures,
                query: self.failure_query(failure_window),
            },
        }
    }

    fn order_query(&self, window: Window) -> OrderQuery {
        let (sort, direction) = order_sort(self.orders.sort);
        OrderQuery {
            state: self.order_filter.state,
            shop: self.order_filter.shop.clone(),
            search: search(self.orders.filter()),
            sort,
            direction,
            window,
        }
    }

    fn product_query(&self, window: Window) -> ProductQuery {
        let (sort, direction) = product_sort(self.products.sort);
        ProductQuery {
            status: self.product_filter,
            search: search(self.products.filter()),
            sort,
            direction,
            window,
        }
    }

    fn failure_query(&self, window: Window) -> FailureQuery {
        let (sort, direction) = failure_sort(self.failures.sort);
        FailureQuery {
            search: search(self.failures.filter()),
            sort,
            direction,
            window,
        }
    }

    /// Queue the page requests the paged panels want sent now (one out per panel at a time).
    fn ask_pages(&mut self) {
        if let Some((seq, window)) = self.orders.to_send() {
            let query = self.order_query(window);
            self.requests
                .push(Request::OrderPage(PageRequest { seq, query }));
        }
        if let Some((seq, window)) = self.products.to_send() {
            let query = self.product_query(window);
            self.requests
                .push(Request::ProductPage(PageRequest { seq, query }));
        }
        if let Some((seq, window)) = self.failures.to_send() {
            let query = self.failure_query(window);
            self.requests
                .push(Request::FailurePage(PageRequest { seq, query }));
        }
    }

    /// The daemon calls queued since the last call.
    pub fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
    }

    /// Apply an action to the state.
    pub fn update(&mut self, action: Action) {
        match &action {
            Action::Quit => self.should_quit = true,
            Action::NextPanel => self.show(self.panel.next()),
            Action::PrevPanel => self.show(self.panel.prev()),
            Action::ShowPanel(panel) => self.show(*panel),
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => {
                self.move_selection(&action);
                self.ask_pages();
            }
            Action::Copy(id) => {
                self.copies.push(id.clone());
                self.notice(format!("Copied {id} to the clipboard."));
            }
            Action::Sort => self.sort(false),
            Action::ReverseSort => self.sort(true),
            Action::OpenFilter => self.typing_filter = true,
            Action::ClearFilter => self.clear_filter(),
            Action::OpenPalette(text) => {
                self.typing_filter = false;
                self.popup = Some(Popup::Palette {
                    input: text.clone(),
                });
            }
            Action::AskQuit => self.popup = Some(Popup::ConfirmQuit),
            Action::OpenDetail => self.open_detail(),
            Action::ToggleHelp => {
                self.help_scroll = 0;
                self.popup = match self.popup {
                    Some(Popup::Help) => None,
                    _ => Some(Popup::Help),
                };
            }
            Action::ClosePopup => self.close_popup(),
            Action::Retry(id) => {
                self.requests.push(Request::RetryFailure(*id));
                self.notice(format!("Retrying failure #{id}…"));
            }
            Action::ToggleMark => self.products.toggle_mark(),
            Action::CycleFilter => {
                self.product_filter = next_filter(self.product_filter);
                self.note_product_filter();
                self.products.restart(0, true);
                self.ask_pages();
            }
            Action::CycleOrderFilter => {
                let mut filter = self.order_filter.clone();
                filter.state = next_order_state(filter.state);
                self.set_order_filter(filter);
            }
            Action::CycleShopFilter => self.cycle_shop_filter(),
            Action::ResyncOrder => self.resync_order(),
            Action::AskRetryAll => self.ask_retry_all(),
            Action::OpenCarriers => self.open_carriers(),
            Action::OpenOrderSettings => self.open_order_settings(),
            Action::OpenAttributes => self.open_attributes(),
            Action::OpenCategoryAttributes => self.open_category_attributes(),
            Action::EditRule => self.edit_rule(),
            Action::OpenSizeCharts => self.open_size_charts(),
            Action::OpenStoreForm => self.open_store_form(),
            Action::AddCarrier => self.carrier_action(CarrierEditor::add),
            Action::Edit => self.edit(),
            Action::Delete => self.delete_carrier(),
            Action::Save => self.save_order_settings(),
            Action::OpenPicker => self.open_picker(),
            Action::Unmap => self.unmap(),
            Action::List => self.bulk(Request::List, "listing", "Queueing"),
            Action::Resubmit => self.bulk(Request::Resubmit, "resubmission", "Queueing"),
            Action::OpenLinkPrompt => self.open_link_prompt(),
            Action::TestConnection => self.test_connection(),
            Action::Authorize => self.authorize(),
            Action::OpenLinkPreview => self.open_link_preview(),
            Action::Input(c) => self.input(*c),
            Action::Erase => self.erase(),
            Action::Submit => self.submit(),
            Action::Answered(answer) => self.answered(answer.clone()),
            Action::Refreshed(snapshot) => self.refreshed(snapshot),
            Action::Disconnected(_) => {
                self.orders.disconnected();
                self.products.disconnected();
                self.failures.disconnected();
            }
            Action::Notice(_) => {}
        }
        self.header.update(&action);
        self.footer.update(&action);
        self.footer.panel = self.panel;
    }

    /// Fresh data from the live refresh: each paged panel takes the window it fetched if that
    /// is still the one it wants.
    fn refreshed(&mut self, snapshot: &crate::action::Snapshot) {
        self.shops = snapshot
            .status
            .organizations
            .iter()
            .flat_map(|org| org.shops.iter().map(|shop| shop.name.clone()))
            .collect();
        let failed = [
            refresh(&mut self.orders, &snapshot.orders, "orders"),
            refresh(&mut self.products, &snapshot.products, "products"),
            refresh(&mut self.failures, &snapshot.failures, "failures"),
        ];
        if let Some(message) = failed.into_iter().flatten().next() {
            self.notice(message);
        }
        self.connections.set_rows(ConnectionRow::all(
            &snapshot.status,
            &snapshot.settings,
            &snapshot.order_settings,
        ));
        if self.popup == Some(Popup::Detail) {
            match self.selected_detail() {
                None => self.popup = None,
                // Keep the daemon's detail current while it is on screen.
                Some(_) => self.request_product_detail(),
            }
        }
        // The order's timeline grows while it is on screen.
        if let Some(Popup::OrderDetail(view)) = &self.popup {
            self.requests.push(Request::OrderDetail(view.order.id));
        }
        self.ask_pages();
    }

    fn notice(&mut self, message: String) {
        self.footer.update(&Action::Notice(message));
    }

    fn show(&mut self, panel: Panel) {
        if panel != self.panel && matches!(self.popup, Some(Popup::Detail | Popup::OrderDetail(_)))
        {
            self.popup = None;
        }
        self.panel = panel;
    }

    /// Esc: a dialog steps back out of what it is typing first.
    fn close_popup(&mut self) {
        let stepped_back = match &mut self.popup {
            Some(Popup::Carriers(editor)) => editor.back(),
            Some(Popup::OrderSettings(form)) => form.back(),
            Some(Popup::Attributes(editor)) => editor.back(),
            Some(Popup::Store(form)) => form.back(),
            _ => false,
        };
        if !stepped_back {
            self.popup = None;
        }
    }

    fn move_selection(&mut self, action: &Action) {
        let step: i32 = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -i32::from(PAGE),
            Action::PageDown => i32::from(PAGE),
            Action::Top => i32::MIN / 2,
            _ => i32::MAX / 2,
        };
        match &mut self.popup {
            Some(Popup::Picker(picker)) => {
                picker.selected = match action {
                    Action::Up => picker.selected.saturating_sub(1),
                    _ => (picker.selected + 1).min(picker.choices().len().saturating_sub(1)),
                };
                return;
            }
            Some(Popup::Help) => {
                self.help_scroll = scrolled(self.help_scroll, step);
                return;
            }
            Some(Popup::Output { scroll, .. }) => {
                *scroll = scrolled(*scroll, step);
                return;
            }
            Some(Popup::OrderDetail(view)) => return view.scroll_by(step),
            Some(Popup::Carriers(editor)) => return editor.move_by(step),
            Some(Popup::OrderSettings(form)) => return form.move_by(step),
            Some(Popup::Attributes(editor)) => return editor.move_by(step),
            Some(Popup::SizeCharts(picker)) => return picker.move_by(step),
            Some(Popup::Store(form)) => return form.move_by(step),
            _ => {}
        }
        match self.panel {
            Panel::Orders => self.orders.update(action),
            Panel::Products => self.products.update(action),
            Panel::Failures => self.failures.update(action),
            Panel::Connections => self.connections.update(action),
        }
    }

    fn open_detail(&mut self) {
        if self.panel == Panel::Orders
            && let Some(order) = self.orders.selected()
        {
            self.requests.push(Request::OrderDetail(order.id));
            self.popup = Some(Popup::OrderDetail(Box::new(OrderDetailView::new(
                order.clone(),
            ))));
            return;
        }
        self.popup = Some(Popup::Detail);
        self.product_detail = None;
        self.request_product_detail();
    }

    fn note_order_filter(&mut self) {
        let filter = &self.order_filter;
        let mut note = format!(
            "sync: {}",
            filter.state.map_or("all", OrderSyncState::label)
        );
        if let Some(shop) = &filter.shop {
            note.push_str(&format!(" · shop: {shop}"));
        }
        if let Some(search) = &filter.search {
            note.push_str(&format!(" · search: \"{search}\""));
        }
        self.orders.title_note = Some(note);
        let filtered = filter.state.is_some() || filter.shop.is_some() || filter.search.is_some();
        self.orders.empty_note =
            filtered.then(|| "No orders match the filter (f and F change it).".to_string());
    }

    /// Show only the orders passing `filter`, asking the daemon for them at once.
    fn set_order_filter(&mut self, filter: OrderFilter) {
        self.order_filter = filter;
        self.note_order_filter();
        self.orders.restart(0, true);
        self.ask_pages();
    }

    fn cycle_shop_filter(&mut self) {
        if self.shops.len() < 2 && self.order_filter.shop.is_none() {
            self.notice("There is only one TikTok shop; all orders are its orders.".into());
            return;
        }
        let next = match &self.order_filter.shop {
            None => self.shops.first().cloned(),
            Some(shop) => self
                .shops
                .iter()
                .position(|s| s == shop)
                .and_then(|at| self.shops.get(at + 1))
                .cloned(),
        };
        let mut filter = self.order_filter.clone();
        filter.shop = next;
        self.set_order_filter(filter);
    }

    fn request_product_detail(&mut self) {
        if self.panel == Panel::Products
            && let Some(product) = self.products.selected()
        {
            self.requests.push(Request::ProductDetail(product.id));
        }
    }

    fn note_product_filter(&mut self) {
        self.products.title_note = Some(format!(
            "filter: {}",
            self.product_filter.map_or("all", ListingStatus::label)
        ));
    }

    /// Title and body of the detail popup for the selected row of the current panel.
    pub fn selected_detail(&self) -> Option<(String, Vec<Line<'static>>)> {
        match self.panel {
            Panel::Orders => self.orders.selected().map(TableRow::detail),
            Panel::Products => self.products.selected().map(TableRow::detail),
            Panel::Failures => self.failures.selected().map(TableRow::detail),
            Panel::Connections => self.connections.selected().map(TableRow::detail),
        }
    }

    /// The daemon's detail of the selected product, once it answered for that product.
    pub fn selected_product_detail(&self) -> Option<&Result<Box<ProductDetail>, String>> {
        let selected = self.products.selected()?.id;
        match &self.product_detail {
            Some((id, detail)) if *id == selected && self.panel == Panel::Products => Some(detail),
            _ => None,
        }
    }

    pub fn panel_len(&self, panel: Panel) -> usize {
        match panel {
            Panel::Orders => self.orders.total(),
            Panel::Products => self.products.total(),
            Panel::Failures => self.failures.total(),
            Panel::Connections => self.connections.total(),
        }
    }
}

/// A `/` filter as the daemon's search: None when blank.
fn search(filter: &str) -> Option<String> {
    let text = filter.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Apply a refreshed page to `panel` (if it is still the window wanted); a daemon error is
/// the notice to show.
fn refresh<R: TableRow + Clone>(
    panel: &mut TablePanel<R>,
    answer: &PageAnswer<R>,
    what: &str,
) -> Option<String> {
    match &answer.page {
        Ok(page) => {
            panel.refreshed(answer.seq, page.clone());
            None
        }
        Err(error) if panel.wanted().0 == answer.seq => {
            Some(format!("Could not read the {what}: {error}"))
        }
        Err(_) => None,
    }
}

/// Apply the answer to our own page request to `panel`; a daemon error is the notice to show.
pub(super) fn answer<R: TableRow + Clone>(
    panel: &mut TablePanel<R>,
    answer: PageAnswer<R>,
    what: &str,
) -> Option<String> {
    match answer.page {
        Ok(page) => {
            panel.answered(answer.seq, page);
            None
        }
        Err(error) => {
            panel.failed(answer.seq);
            Some(format!("Could not read the {what}: {error}"))
        }
    }
}

/// A scroll position moved by `step` lines (the popup clamps it to its length).
fn scrolled(scroll: u16, step: i32) -> u16 {
    let moved = i32::from(scroll)
        .saturating_add(step)
        .clamp(0, i32::from(u16::MAX));
    u16::try_from(moved).unwrap_or(u16::MAX)
}

/// All sync states, then each one in turn (Waiting → Blocked → … → Failed → all).
pub fn next_order_state(current: Option<OrderSyncState>) -> Option<OrderSyncState> {
    match current {
        None => OrderSyncState::ALL.first().copied(),
        Some(state) => {
            let at = OrderSyncState::ALL.iter().position(|s| *s == state)?;
            OrderSyncState::ALL.get(at + 1).copied()
        }
    }
}

/// All statuses, then each one in turn.
fn next_filter(current: Option<ListingStatus>) -> Option<ListingStatus> {
    match current {
        None => ListingStatus::ALL.first().copied(),
        Some(status) => {
            let at = ListingStatus::ALL.iter().position(|s| *s == status)?;
            ListingStatus::ALL.get(at + 1).copied()
        }
    }
}

/// The code and state from what the merchant pasted: the bare code, or the whole redirect URL
/// (its `code` and `state` query parameters). A bare code goes with the state of this request.
pub fn parse_authorization_input(
    input: &str,
    expected_state: Option<&str>,
) -> Result<(String, String), String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("Paste the code TikTok showed (or the whole address it sent you to).".into());
    }
    let query = input.split_once('?').map_or(input, |(_, query)| query);
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_string())
    };
    let (code, state) = match param("code") {
        Some(code) => (code, param("state")),
        None => (input.to_string(), None),
    };
    let Some(state) = state.or_else(|| expected_state.map(str::to_string)) else {
        return Err("Wait for the authorization address to load, then paste the code.".into());
    };
    if code.is_empty() || code.contains(char::is_whitespace) {
        return Err("That does not look like a code: paste it without spaces.".into());
    }
    Ok((code, state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_input_takes_a_code_or_the_redirect() {
        assert_eq!(
            parse_authorization_input(" abc123 ", Some("st")),
            Ok(("abc123".into(), "st".into()))
        );
        assert_eq!(
            parse_authorization_input("https://x.test/cb?code=C1&state=S9", Some("st")),
            Ok(("C1".into(), "S9".into()))
        );
        assert!(parse_authorization_input("", Some("st")).is_err());
        assert!(parse_authorization_input("abc", None).is_err());
        assert!(parse_authorization_input("a b", Some("st")).is_err());
    }

    #[test]
    fn filter_cycles_through_every_status_then_all() {
        let mut filter = None;
        let mut seen = Vec::new();
        loop {
            filter = next_filter(filter);
            match filter {
                Some(status) => seen.push(status),
                None => break,
            }
        }
        assert_eq!(seen, ListingStatus::ALL);
    }
}
