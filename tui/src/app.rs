//! The console's state and how keys and daemon updates change it. No I/O here: the main loop
//! (`console.rs`) performs the effects an action asks for (quitting, and the daemon calls the
//! app queues as [`Request`]s).

use crate::action::{Action, Answer, Panel, Request};
use crate::components::{Component, ConnectionRow, Footer, Header, TablePanel, TableRow};
use crate::editors::{CarrierEditor, OrderDetailView, OrderSettingsForm, PAGE};
use crate::format::plural;
use crate::keys::{self, Command, Dialog};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use feedbridge_common::catalog::{
    AuthorizationStart, ConnectionTest, LinkPreview, MappingReport, ProductDetail,
};
use feedbridge_common::{
    CategoryRef, FailureKind, FailureView, ListingStatus, OrderFilter, OrderSyncState, OrderView,
    ProductView,
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
}

impl Picker {
    pub fn is_searching(&self) -> bool {
        self.results_for.as_deref() != Some(self.query.as_str())
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
    /// The text to search orders by.
    Search {
        input: String,
    },
    /// Retry every open failure of `kind` of `organization`? y/n.
    ConfirmRetryAll {
        kind: FailureKind,
        organization: String,
        /// How many the console shows (the daemon decides).
        count: usize,
    },
    Carriers(Box<CarrierEditor>),
    OrderSettings(Box<OrderSettingsForm>),
}

impl Popup {
    /// The text a popup that takes typing is editing.
    fn input_mut(&mut self) -> Option<&mut String> {
        match self {
            Self::Picker(picker) => Some(&mut picker.query),
            Self::LinkPrompt { input, .. }
            | Self::Authorization { input, .. }
            | Self::Search { input } => Some(input),
            Self::Carriers(editor) => editor.input_mut(),
            Self::OrderSettings(form) => form.input_mut(),
            _ => None,
        }
    }

    fn takes_input(&self) -> bool {
        match self {
            Self::Picker(_)
            | Self::LinkPrompt { .. }
            | Self::Authorization { .. }
            | Self::Search { .. } => true,
            Self::Carriers(editor) => editor.takes_input(),
            Self::OrderSettings(form) => form.takes_input(),
            _ => false,
        }
    }

    /// Up and Down move inside the popup while typing (picker results, providers).
    fn lists_while_typing(&self) -> bool {
        match self {
            Self::Picker(_) => true,
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
    pub orders: TablePanel<OrderView>,
    /// The products passing the status filter.
    pub products: TablePanel<ProductView>,
    pub failures: TablePanel<FailureView>,
    pub connections: TablePanel<ConnectionRow>,
    /// Every product, before the filter.
    all_products: Vec<ProductView>,
    pub product_filter: Option<ListingStatus>,
    /// The daemon's detail of the product in the detail popup, once it answered.
    pub product_detail: Option<(i64, Result<Box<ProductDetail>, String>)>,
    /// Which orders the Orders panel shows; the live refresh fetches with it too.
    pub order_filter: OrderFilter,
    /// The TikTok shops, for the shop filter.
    shops: Vec<String>,
    /// First line of the help shown.
    pub help_scroll: u16,
    /// Daemon calls to make; the main loop drains them with [`App::take_requests`].
    requests: Vec<Request>,
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
            orders: TablePanel::new("Orders"),
            products: TablePanel::markable("Products"),
            failures: TablePanel::new("Failures"),
            connections: TablePanel::new("Connections"),
            all_products: Vec::new(),
            product_filter: None,
            product_detail: None,
            order_filter: OrderFilter::default(),
            shops: Vec::new(),
            help_scroll: 0,
            requests: Vec::new(),
        }
        .with_filter_note()
    }

    fn with_filter_note(mut self) -> Self {
        self.apply_filter();
        self.note_order_filter();
        self
    }

    /// The daemon calls queued since the last call.
    pub fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
    }

    /// Decode a key press against the keymap and the current state, apply it, and return the
    /// action. Daemon calls it needs are queued (see [`App::take_requests`]).
    pub fn on_key(&mut self, key: KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        let dialog = self.popup.as_ref().and_then(Popup::dialog);
        let action = match &self.popup {
            Some(popup) if popup.takes_input() => Self::input_action(&key, popup)?,
            _ => match keys::lookup_in(&key, self.panel, dialog) {
                Some(command) => self.resolve(command)?,
                None if self.popup.is_some() => return None,
                None => {
                    let binding = keys::elsewhere(&key, self.panel)?;
                    Action::Notice(format!(
                        "{} works {} — not here.",
                        binding.description,
                        binding.scope.place()
                    ))
                }
            },
        };
        self.update(action.clone());
        Some(action)
    }

    /// Keys while a popup takes typing: text goes to it, not to the keymap.
    fn input_action(key: &KeyEvent, popup: &Popup) -> Option<Action> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let action = match key.code {
            KeyCode::Char('c') if ctrl => Action::Quit,
            KeyCode::Esc => Action::ClosePopup,
            KeyCode::Enter => Action::Submit,
            KeyCode::Backspace => Action::Erase,
            KeyCode::Up if popup.lists_while_typing() => Action::Up,
            KeyCode::Down if popup.lists_while_typing() => Action::Down,
            KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                Action::Input(c)
            }
            _ => return None,
        };
        Some(action)
    }

    fn resolve(&self, command: Command) -> Option<Action> {
        let action = match (&self.popup, command) {
            (_, Command::Quit) => Action::Quit,
            (Some(_), Command::Back) => Action::ClosePopup,
            (None, Command::Back) => Action::Quit,
            (_, Command::Help) => Action::ToggleHelp,
            (Some(Popup::Help | Popup::OrderDetail(_)), Command::Up) => Action::Up,
            (Some(Popup::Help | Popup::OrderDetail(_)), Command::Down) => Action::Down,
            (Some(Popup::Help | Popup::OrderDetail(_)), Command::PageUp) => Action::PageUp,
            (Some(Popup::Help | Popup::OrderDetail(_)), Command::PageDown) => Action::PageDown,
            // The help popup swallows everything else until it is closed.
            (Some(Popup::Help), _) => return None,
            (
                Some(
                    Popup::Detail
                    | Popup::Report { .. }
                    | Popup::ConnectionTest { .. }
                    | Popup::OrderDetail(_),
                ),
                Command::Detail,
            ) => Action::ClosePopup,
            (Some(Popup::LinkPreview { .. }), Command::Detail | Command::Confirm) => Action::Submit,
            (Some(Popup::OrderDetail(_)), Command::Resync) => Action::ResyncOrder,
            // Switching panels closes the order detail, as it does the row detail.
            (Some(Popup::OrderDetail(_)), Command::NextPanel) => Action::NextPanel,
            (Some(Popup::OrderDetail(_)), Command::PrevPanel) => Action::PrevPanel,
            (Some(Popup::ConfirmRetryAll { .. }), Command::Confirm) => Action::Submit,
            (Some(Popup::ConfirmRetryAll { .. }), Command::Deny) => Action::ClosePopup,
            (Some(Popup::Carriers(_) | Popup::OrderSettings(_)), Command::Up) => Action::Up,
            (Some(Popup::Carriers(_) | Popup::OrderSettings(_)), Command::Down) => Action::Down,
            (Some(Popup::Carriers(_) | Popup::OrderSettings(_)), Command::Edit) => Action::Edit,
            (Some(Popup::Carriers(_)), Command::AddCarrier) => Action::AddCarrier,
            (Some(Popup::Carriers(_)), Command::Delete) => Action::Delete,
            (Some(Popup::OrderSettings(_)), Command::Save) => Action::Save,
            // The detail popup lets the panels be used under it; other popups answer only to
            // the keys above.
            (Some(popup), _) if *popup != Popup::Detail => return None,
            (_, Command::Confirm | Command::Deny) => return None,
            // Dialog keys outside their dialog (the keymap offers them only there).
            (
                _,
                Command::Resync
                | Command::AddCarrier
                | Command::Edit
                | Command::Delete
                | Command::Save,
            ) => return None,
            (_, Command::Detail) => {
                self.selected_detail()?;
                Action::OpenDetail
            }
            (_, Command::NextPanel) => Action::NextPanel,
            (_, Command::PrevPanel) => Action::PrevPanel,
            (_, Command::Orders) => Action::ShowPanel(Panel::Orders),
            (_, Command::Products) => Action::ShowPanel(Panel::Products),
            (_, Command::Failures) => Action::ShowPanel(Panel::Failures),
            (_, Command::Connections) => Action::ShowPanel(Panel::Connections),
            (_, Command::Up) => Action::Up,
            (_, Command::Down) => Action::Down,
            (_, Command::PageUp) => Action::PageUp,
            (_, Command::PageDown) => Action::PageDown,
            // The keymap offers Retry on the Failures panel only.
            (_, Command::Retry) => match self.failures.selected() {
                Some(failure) => Action::Retry(failure.id),
                None => Action::Notice("There is no failure to retry.".into()),
            },
            (_, Command::RetryAll) => Action::AskRetryAll,
            (_, Command::Mark) => Action::ToggleMark,
            (_, Command::Filter) if self.panel == Panel::Orders => Action::CycleOrderFilter,
            (_, Command::Filter) => Action::CycleFilter,
            (_, Command::Search) => Action::OpenSearch,
            (_, Command::ShopFilter) => Action::CycleShopFilter,
            (_, Command::Carriers) => Action::OpenCarriers,
            (_, Command::OrderSettings) => Action::OpenOrderSettings,
            (_, Command::MapCategory) => Action::OpenPicker,
            (_, Command::Unmap) => Action::Unmap,
            (_, Command::List) => Action::List,
            (_, Command::Resubmit) => Action::Resubmit,
            (_, Command::LinkManual) => Action::OpenLinkPrompt,
            (_, Command::TestConnection) => Action::TestConnection,
            (_, Command::Authorize) => Action::Authorize,
            (_, Command::LinkPreview) => Action::OpenLinkPreview,
        };
        Some(action)
    }

    /// Apply an action to the state.
    pub fn update(&mut self, action: Action) {
        match &action {
            Action::Quit => self.should_quit = true,
            Action::NextPanel => self.show(self.panel.next()),
            Action::PrevPanel => self.show(self.panel.prev()),
            Action::ShowPanel(panel) => self.show(*panel),
            Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                self.move_selection(&action);
            }
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
                self.apply_filter();
            }
            Action::CycleOrderFilter => {
                let mut filter = self.order_filter.clone();
                filter.state = next_order_state(filter.state);
                self.set_order_filter(filter);
            }
            Action::CycleShopFilter => self.cycle_shop_filter(),
            Action::OpenSearch => {
                self.popup = Some(Popup::Search {
                    input: self.order_filter.search.clone().unwrap_or_default(),
                });
            }
            Action::ResyncOrder => self.resync_order(),
            Action::AskRetryAll => self.ask_retry_all(),
            Action::OpenCarriers => self.open_carriers(),
            Action::OpenOrderSettings => self.open_order_settings(),
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
            Action::Refreshed(snapshot) => {
                // Orders fetched under another filter are stale: the answer to the
                // filter's own request (or the next refresh) brings the right ones.
                if snapshot.order_filter == self.order_filter {
                    self.orders.set_rows(snapshot.orders.clone());
                }
                self.shops = snapshot
                    .status
                    .organizations
                    .iter()
                    .flat_map(|org| org.shops.iter().map(|shop| shop.name.clone()))
                    .collect();
                self.all_products.clone_from(&snapshot.products);
                self.apply_filter();
                self.failures.set_rows(snapshot.failures.clone());
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
            }
            Action::Disconnected(_) | Action::Notice(_) => {}
        }
        self.header.update(&action);
        self.footer.update(&action);
        self.footer.panel = self.panel;
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
            _ => i32::from(PAGE),
        };
        match &mut self.popup {
            Some(Popup::Picker(picker)) => {
                picker.selected = match action {
                    Action::Up => picker.selected.saturating_sub(1),
                    _ => (picker.selected + 1).min(picker.results.len().saturating_sub(1)),
                };
                return;
            }
            Some(Popup::Help) => {
                let scroll = i32::from(self.help_scroll).saturating_add(step).max(0);
                self.help_scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
                return;
            }
            Some(Popup::OrderDetail(view)) => return view.scroll_by(step),
            Some(Popup::Carriers(editor)) => return editor.move_by(step),
            Some(Popup::OrderSettings(form)) => return form.move_by(step),
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
        self.orders.empty_note = filtered.then(|| {
            "No orders match the filter (f, / and S change it; / then Enter on nothing clears the search)."
                .to_string()
        });
    }

    /// Show only the orders passing `filter`, asking the daemon for them at once.
    fn set_order_filter(&mut self, filter: OrderFilter) {
        self.order_filter = filter;
        self.note_order_filter();
        self.requests
            .push(Request::Orders(self.order_filter.clone()));
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

    fn resync_order(&mut self) {
        if let Some(Popup::OrderDetail(view)) = &mut self.popup {
            if view.resyncing {
                return;
            }
            view.resyncing = true;
            view.resync = None;
            let id = view.order.id;
            let tiktok = view.order.tiktok_order_id.clone();
            self.requests.push(Request::ResyncOrder(id));
            self.notice(format!(
                "Asking the daemon to look at order {tiktok} again…"
            ));
        }
    }

    fn ask_retry_all(&mut self) {
        let Some(failure) = self.failures.selected() else {
            self.notice("There is no failure to retry.".into());
            return;
        };
        let (kind, organization) = (failure.kind, failure.organization.clone());
        let count = self
            .failures
            .rows()
            .iter()
            .filter(|f| f.kind == kind && f.organization == organization)
            .count();
        self.popup = Some(Popup::ConfirmRetryAll {
            kind,
            organization,
            count,
        });
    }

    fn open_carriers(&mut self) {
        let Some(row) = self.selected_connection(Some("Carrier mapping")) else {
            return;
        };
        let shop = row.view.name;
        self.requests.push(Request::CarrierChoices(shop.clone()));
        self.popup = Some(Popup::Carriers(Box::new(CarrierEditor::new(shop))));
    }

    fn open_order_settings(&mut self) {
        let Some(row) = self.selected_connection(Some("Order settings")) else {
            return;
        };
        let shop = row.view.name;
        self.requests.push(Request::OrderSettings(shop.clone()));
        self.popup = Some(Popup::OrderSettings(Box::new(OrderSettingsForm::new(shop))));
    }

    /// Run a carrier editor step; a refusal becomes a notice.
    fn carrier_action(&mut self, step: fn(&mut CarrierEditor) -> Result<(), String>) {
        if let Some(Popup::Carriers(editor)) = &mut self.popup
            && let Err(why) = step(editor)
        {
            self.notice(why);
        }
    }

    fn edit(&mut self) {
        let result = match &mut self.popup {
            Some(Popup::Carriers(editor)) => editor.edit(),
            Some(Popup::OrderSettings(form)) => form.edit(),
            _ => Ok(()),
        };
        if let Err(why) = result {
            self.notice(why);
        }
    }

    fn delete_carrier(&mut self) {
        let Some(Popup::Carriers(editor)) = &mut self.popup else {
            return;
        };
        match editor.delete() {
            Ok(request) => {
                self.requests.push(request);
                self.notice("Removing the mapping…".into());
            }
            Err(why) => self.notice(why),
        }
    }

    fn save_order_settings(&mut self) {
        let Some(Popup::OrderSettings(form)) = &mut self.popup else {
            return;
        };
        match form.save() {
            Ok(request) => {
                self.requests.push(request);
                self.notice("Saving the order settings…".into());
            }
            Err(why) => self.notice(why),
        }
    }

    fn request_product_detail(&mut self) {
        if self.panel == Panel::Products
            && let Some(product) = self.products.selected()
        {
            self.requests.push(Request::ProductDetail(product.id));
        }
    }

    fn apply_filter(&mut self) {
        let rows = self
            .all_products
            .iter()
            .filter(|p| self.product_filter.is_none_or(|status| p.status == status))
            .cloned()
            .collect();
        self.products.set_rows(rows);
        self.products.title_note = Some(format!(
            "filter: {}",
            self.product_filter.map_or("all", ListingStatus::label)
        ));
    }

    /// Ids and the one shop of the marked (or current) products; None after telling why.
    fn targets(&mut self, what: &str) -> Option<(String, Vec<i64>)> {
        let targets = self.products.targets();
        let Some(first) = targets.first() else {
            self.notice(format!("There is no product to {what}."));
            return None;
        };
        let shop = first.shop.clone();
        if targets.iter().any(|p| p.shop != shop) {
            self.notice(format!(
                "The selected products are on different shops; select products of one shop to {what}."
            ));
            return None;
        }
        let ids = targets.iter().map(|p| p.id).collect();
        Some((shop, ids))
    }

    fn open_picker(&mut self) {
        let Some((shop, listing_ids)) = self.targets("map") else {
            return;
        };
        self.requests.push(Request::Categories {
            shop: shop.clone(),
            search: String::new(),
        });
        self.popup = Some(Popup::Picker(Picker {
            shop,
            listing_ids,
            query: String::new(),
            results: Vec::new(),
            results_for: None,
            error: None,
            selected: 0,
        }));
    }

    fn unmap(&mut self) {
        let Some((_, ids)) = self.targets("unmap") else {
            return;
        };
        self.notice(format!(
            "Removing the category of {}…",
            plural(ids.len() as u64, "listing", "listings")
        ));
        self.requests.extend(ids.into_iter().map(Request::Unmap));
    }

    fn bulk(&mut self, request: fn(Vec<i64>) -> Request, noun: &str, verb: &str) {
        let Some((_, ids)) = self.targets("submit") else {
            return;
        };
        self.notice(format!(
            "{verb} {} for {noun}…",
            plural(ids.len() as u64, "product", "products")
        ));
        self.requests.push(request(ids));
    }

    fn open_link_prompt(&mut self) {
        let Some(product) = self.products.selected() else {
            self.notice("There is no product to link.".into());
            return;
        };
        self.popup = Some(Popup::LinkPrompt {
            listing_id: product.id,
            title: product.title.clone(),
            input: String::new(),
        });
    }

    fn selected_connection(&mut self, shop_only: Option<&str>) -> Option<ConnectionRow> {
        let Some(row) = self.connections.selected().cloned() else {
            self.notice("There is no connection selected.".into());
            return None;
        };
        if let Some(what) = shop_only
            && !row.is_shop
        {
            self.notice(format!("{what} is for TikTok shops; pick a shop row."));
            return None;
        }
        Some(row)
    }

    fn test_connection(&mut self) {
        let Some(row) = self.selected_connection(None) else {
            return;
        };
        self.requests
            .push(Request::TestConnection(row.view.name.clone()));
        self.popup = Some(Popup::ConnectionTest {
            name: row.view.name,
            result: None,
        });
    }

    fn authorize(&mut self) {
        let Some(row) = self.selected_connection(Some("Authorization")) else {
            return;
        };
        self.requests
            .push(Request::StartAuthorization(row.view.name.clone()));
        self.popup = Some(Popup::Authorization {
            shop: row.view.name,
            start: None,
            input: String::new(),
        });
    }

    fn open_link_preview(&mut self) {
        let shop = if self.panel == Panel::Products {
            let Some(product) = self.products.selected() else {
                self.notice("There is no product, so no shop to link.".into());
                return;
            };
            product.shop.clone()
        } else {
            let Some(row) = self.selected_connection(Some("Linking by seller SKU")) else {
                return;
            };
            row.view.name
        };
        self.requests.push(Request::LinkPreview(shop.clone()));
        self.popup = Some(Popup::LinkPreview {
            shop,
            preview: None,
            applying: false,
        });
    }

    fn input(&mut self, c: char) {
        let Some(input) = self.popup.as_mut().and_then(Popup::input_mut) else {
            return;
        };
        input.push(c);
        self.search_again();
    }

    fn erase(&mut self) {
        let Some(input) = self.popup.as_mut().and_then(Popup::input_mut) else {
            return;
        };
        if input.pop().is_some() {
            self.search_again();
        }
    }

    /// The picker's query changed: ask for the matching categories.
    fn search_again(&mut self) {
        if let Some(Popup::Picker(picker)) = &mut self.popup {
            picker.selected = 0;
            self.requests.push(Request::Categories {
                shop: picker.shop.clone(),
                search: picker.query.trim().to_string(),
            });
        }
    }

    fn submit(&mut self) {
        let Some(popup) = self.popup.take() else {
            return;
        };
        match popup {
            Popup::Picker(picker) => {
                let chosen = (!picker.is_searching())
                    .then(|| picker.results.get(picker.selected))
                    .flatten();
                let Some(category) = chosen.cloned() else {
                    self.notice("Pick a category from the list first.".into());
                    self.popup = Some(Popup::Picker(picker));
                    return;
                };
                self.notice(format!(
                    "Mapping {} to {}…",
                    plural(picker.listing_ids.len() as u64, "listing", "listings"),
                    category.name
                ));
                self.requests.push(Request::MapCategories {
                    listing_ids: picker.listing_ids,
                    category_id: category.id,
                });
            }
            Popup::LinkPrompt {
                listing_id,
                title,
                input,
            } => {
                let tiktok_product_id = input.trim().to_string();
                if tiktok_product_id.is_empty() {
                    self.notice("Type the TikTok product id first.".into());
                    self.popup = Some(Popup::LinkPrompt {
                        listing_id,
                        title,
                        input,
                    });
                    return;
                }
                self.notice(format!(
                    "Linking {title} to TikTok product {tiktok_product_id}…"
                ));
                self.requests.push(Request::LinkManual {
                    listing_id,
                    tiktok_product_id,
                });
            }
            Popup::Authorization { shop, start, input } => {
                let expected = start
                    .as_ref()
                    .and_then(|s| s.as_ref().ok())
                    .map(|s| s.state.clone());
                match parse_authorization_input(&input, expected.as_deref()) {
                    Ok((code, state)) => {
                        self.notice(format!("Authorizing {shop}…"));
                        self.requests
                            .push(Request::FinishAuthorization { shop, code, state });
                    }
                    Err(why) => {
                        self.notice(why);
                        self.popup = Some(Popup::Authorization { shop, start, input });
                    }
                }
            }
            Popup::LinkPreview {
                shop,
                preview,
                applying,
            } => {
                let matches = match &preview {
                    Some(Ok(preview)) => preview.matches.len(),
                    _ => 0,
                };
                if matches > 0 && !applying {
                    self.requests.push(Request::LinkApply(shop.clone()));
                    self.popup = Some(Popup::LinkPreview {
                        shop,
                        preview,
                        applying: true,
                    });
                } else {
                    if matches == 0 && preview.is_some() {
                        self.notice(format!("Nothing to link on {shop}."));
                    }
                    self.popup = Some(Popup::LinkPreview {
                        shop,
                        preview,
                        applying,
                    });
                }
            }
            Popup::Search { input } => {
                let text = input.trim();
                let mut filter = self.order_filter.clone();
                filter.search = (!text.is_empty()).then(|| text.to_string());
                self.set_order_filter(filter);
            }
            Popup::ConfirmRetryAll {
                kind, organization, ..
            } => {
                self.notice(format!(
                    "Retrying every open {} failure of {organization}…",
                    kind.label()
                ));
                self.requests
                    .push(Request::RetryFailures { kind, organization });
            }
            Popup::Carriers(mut editor) => {
                match editor.submit() {
                    Ok(Some(request)) => {
                        self.notice("Saving the mapping…".into());
                        self.requests.push(request);
                    }
                    Ok(None) => {}
                    Err(why) => self.notice(why),
                }
                self.popup = Some(Popup::Carriers(editor));
            }
            Popup::OrderSettings(mut form) => {
                form.commit();
                self.popup = Some(Popup::OrderSettings(form));
            }
            other => self.popup = Some(other),
        }
    }

    fn answered(&mut self, answer: Answer) {
        match answer {
            Answer::Message(Ok(message) | Err(message)) => self.notice(message),
            Answer::Categories { search, result } => {
                if let Some(Popup::Picker(picker)) = &mut self.popup
                    && picker.query.trim() == search
                {
                    picker.results_for = Some(picker.query.clone());
                    match result {
                        Ok(results) => {
                            picker.results = results;
                            picker.error = None;
                        }
                        Err(error) => {
                            picker.results.clear();
                            picker.error = Some(error);
                        }
                    }
                    picker.selected = picker.selected.min(picker.results.len().saturating_sub(1));
                }
            }
            Answer::Mapped {
                category_id,
                result,
            } => match result {
                Err(error) => self.notice(format!("Could not map: {error}")),
                Ok(report) => self.mapped(&category_id, &report),
            },
            Answer::ProductDetail { listing_id, result } => {
                self.product_detail = Some((listing_id, result));
            }
            Answer::ConnectionTested { name, result } => match &mut self.popup {
                Some(Popup::ConnectionTest {
                    name: open,
                    result: slot,
                }) if *open == name => {
                    *slot = Some(result);
                }
                _ => self.notice(match result {
                    Ok(test) if test.ok => format!("{name}: every check passed."),
                    Ok(_) => format!("{name}: some checks failed; press t to see them."),
                    Err(error) => format!("Could not test {name}: {error}"),
                }),
            },
            Answer::AuthorizationStarted(result) => {
                if let Some(Popup::Authorization { start, .. }) = &mut self.popup {
                    *start = Some(result);
                } else if let Err(error) = result {
                    self.notice(format!("Could not start authorization: {error}"));
                }
            }
            Answer::LinkPreview { shop, result } => match &mut self.popup {
                Some(Popup::LinkPreview {
                    shop: open,
                    preview,
                    ..
                }) if *open == shop => *preview = Some(result),
                _ => {}
            },
            Answer::Linked { shop, result } => {
                if matches!(&self.popup, Some(Popup::LinkPreview { shop: open, .. }) if *open == shop)
                {
                    self.popup = None;
                }
                self.notice(match result {
                    Ok(count) => format!(
                        "Linked {} on {shop}; their price and stock now follow the store.",
                        plural(u64::from(count), "listing", "listings")
                    ),
                    Err(error) => format!("Could not link on {shop}: {error}"),
                });
            }
            Answer::Orders { filter, result } => match result {
                Ok(orders) if filter == self.order_filter => self.orders.set_rows(orders),
                Ok(_) => {}
                Err(error) => self.notice(format!("Could not read the orders: {error}")),
            },
            Answer::OrderDetail { order_id, result } => {
                if let Some(Popup::OrderDetail(view)) = &mut self.popup
                    && view.order.id == order_id
                {
                    // A failed refresh keeps the detail already shown.
                    if result.is_ok() || !matches!(view.detail, Some(Ok(_))) {
                        view.detail = Some(result);
                    }
                }
            }
            Answer::Resynced { order_id, result } => {
                let message = match &result {
                    Ok(message) => message.clone(),
                    Err(error) => format!("Could not resync: {error}"),
                };
                if let Some(Popup::OrderDetail(view)) = &mut self.popup
                    && view.order.id == order_id
                {
                    view.resyncing = false;
                    view.resync = Some(result);
                    self.requests.push(Request::OrderDetail(order_id));
                }
                self.notice(message);
            }
            Answer::RetriedAll {
                kind,
                organization,
                result,
            } => self.notice(match result {
                Ok(count) => format!(
                    "Queued {} ({} of {organization}) for another attempt.",
                    plural(u64::from(count), "failure", "failures"),
                    kind.label()
                ),
                Err(error) => format!("Could not retry the {} failures: {error}", kind.label()),
            }),
            Answer::CarrierChoices { shop, result } => {
                if let Some(Popup::Carriers(editor)) = &mut self.popup
                    && editor.shop == shop
                {
                    editor.loaded_choices(result);
                }
            }
            Answer::CarrierMappingSet { shop, result } => {
                self.notice(match &result {
                    Ok(message) => message.clone(),
                    Err(error) => format!("Could not change the mapping: {error}"),
                });
                if let Some(Popup::Carriers(editor)) = &mut self.popup
                    && editor.shop == shop
                {
                    editor.saving = false;
                    editor.answer = Some(result);
                    self.requests.push(Request::CarrierChoices(shop));
                }
            }
            Answer::OrderSettings { shop, result } => {
                if let Some(Popup::OrderSettings(form)) = &mut self.popup
                    && form.shop == shop
                {
                    form.loaded_settings(result);
                }
            }
            Answer::OrderSettingsSaved { shop, result } => {
                self.notice(match &result {
                    Ok(message) => message.clone(),
                    Err(error) => format!("Could not save the order settings of {shop}: {error}"),
                });
                if let Some(Popup::OrderSettings(form)) = &mut self.popup
                    && form.shop == shop
                {
                    form.saved(result);
                }
            }
        }
    }

    fn mapped(&mut self, category_id: &str, report: &MappingReport) {
        let mapped = plural(report.mapped.len() as u64, "listing", "listings");
        if report.refused.is_empty() {
            self.notice(format!("Mapped {mapped} to category {category_id}."));
            return;
        }
        let title_of = |id: i64| {
            self.all_products.iter().find(|p| p.id == id).map_or_else(
                || format!("Listing {id}"),
                |p| format!("{} (#{id})", p.title),
            )
        };
        let mut lines = vec![
            format!("Mapped {mapped} to category {category_id}."),
            String::new(),
        ];
        lines.push(format!("Not mapped ({}):", report.refused.len()));
        for (id, why) in &report.refused {
            lines.push(format!("  {}: {why}", title_of(*id)));
        }
        self.notice(format!(
            "Mapped {mapped}; {} refused.",
            report.refused.len()
        ));
        self.popup = Some(Popup::Report {
            title: "Category mapping".into(),
            lines,
        });
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
            Panel::Orders => self.orders.rows().len(),
            Panel::Products => self.products.rows().len(),
            Panel::Failures => self.failures.rows().len(),
            Panel::Connections => self.connections.rows().len(),
        }
    }
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
