//! The console's state and how keys and daemon updates change it. No I/O here: the main loop
//! (`console.rs`) performs the effects an action asks for (quitting, and the daemon calls the
//! app queues as [`Request`]s).

use crate::action::{Action, Answer, Panel, Request};
use crate::components::{Component, ConnectionRow, Footer, Header, TablePanel, TableRow};
use crate::format::plural;
use crate::keys::{self, Command};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use feedbridge_common::catalog::{
    AuthorizationStart, ConnectionTest, LinkPreview, MappingReport, ProductDetail,
};
use feedbridge_common::{CategoryRef, FailureView, ListingStatus, OrderView, ProductView};
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
}

impl Popup {
    /// The text a popup that takes typing is editing.
    fn input_mut(&mut self) -> Option<&mut String> {
        match self {
            Self::Picker(picker) => Some(&mut picker.query),
            Self::LinkPrompt { input, .. } | Self::Authorization { input, .. } => Some(input),
            _ => None,
        }
    }

    fn takes_input(&self) -> bool {
        matches!(
            self,
            Self::Picker(_) | Self::LinkPrompt { .. } | Self::Authorization { .. }
        )
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
            requests: Vec::new(),
        }
        .with_filter_note()
    }

    fn with_filter_note(mut self) -> Self {
        self.apply_filter();
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
        let action = match &self.popup {
            Some(popup) if popup.takes_input() => Self::input_action(&key, popup)?,
            _ => match keys::lookup(&key, self.panel) {
                Some(command) => self.resolve(command)?,
                None if self.popup.is_some() => return None,
                None => {
                    let binding = keys::elsewhere(&key, self.panel)?;
                    Action::Notice(format!(
                        "{} works on the{} — not here.",
                        binding.description,
                        binding
                            .scope
                            .label()
                            .trim_end_matches(')')
                            .replacen(" (", " ", 1)
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
            KeyCode::Up if matches!(popup, Popup::Picker(_)) => Action::Up,
            KeyCode::Down if matches!(popup, Popup::Picker(_)) => Action::Down,
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
            // The help popup swallows everything else until it is closed.
            (Some(Popup::Help), _) => return None,
            (
                Some(Popup::Detail | Popup::Report { .. } | Popup::ConnectionTest { .. }),
                Command::Detail,
            ) => Action::ClosePopup,
            (Some(Popup::LinkPreview { .. }), Command::Detail | Command::Confirm) => Action::Submit,
            // The detail popup lets the panels be used under it; other popups answer only to
            // the keys above.
            (Some(popup), _) if *popup != Popup::Detail => return None,
            (_, Command::Confirm) => return None,
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
            // The keymap offers Retry on the Failures panel only.
            (_, Command::Retry) => match self.failures.selected() {
                Some(failure) => Action::Retry(failure.id),
                None => Action::Notice("There is no failure to retry.".into()),
            },
            (_, Command::Mark) => Action::ToggleMark,
            (_, Command::Filter) => Action::CycleFilter,
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
            Action::Up | Action::Down => self.move_selection(&action),
            Action::OpenDetail => self.open_detail(),
            Action::ToggleHelp => {
                self.popup = match self.popup {
                    Some(Popup::Help) => None,
                    _ => Some(Popup::Help),
                };
            }
            Action::ClosePopup => self.popup = None,
            Action::Retry(id) => {
                self.requests.push(Request::RetryFailure(*id));
                self.notice(format!("Retrying failure #{id}…"));
            }
            Action::ToggleMark => self.products.toggle_mark(),
            Action::CycleFilter => {
                self.product_filter = next_filter(self.product_filter);
                self.apply_filter();
            }
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
                self.orders.set_rows(snapshot.orders.clone());
                self.all_products.clone_from(&snapshot.products);
                self.apply_filter();
                self.failures.set_rows(snapshot.failures.clone());
                self.connections
                    .set_rows(ConnectionRow::all(&snapshot.status, &snapshot.settings));
                if self.popup == Some(Popup::Detail) {
                    match self.selected_detail() {
                        None => self.popup = None,
                        // Keep the daemon's detail current while it is on screen.
                        Some(_) => self.request_product_detail(),
                    }
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
        if panel != self.panel && self.popup == Some(Popup::Detail) {
            self.popup = None;
        }
        self.panel = panel;
    }

    fn move_selection(&mut self, action: &Action) {
        if let Some(Popup::Picker(picker)) = &mut self.popup {
            picker.selected = match action {
                Action::Up => picker.selected.saturating_sub(1),
                _ => (picker.selected + 1).min(picker.results.len().saturating_sub(1)),
            };
            return;
        }
        match self.panel {
            Panel::Orders => self.orders.update(action),
            Panel::Products => self.products.update(action),
            Panel::Failures => self.failures.update(action),
            Panel::Connections => self.connections.update(action),
        }
    }

    fn open_detail(&mut self) {
        self.popup = Some(Popup::Detail);
        self.product_detail = None;
        self.request_product_detail();
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
