//! The console's state and how keys and daemon updates change it. No I/O here: the main loop
//! (`console.rs`) performs the effects an action asks for (quitting, calling the daemon).

use crate::action::{Action, Panel};
use crate::components::{Component, Footer, Header, TablePanel, TableRow};
use crate::keys::{self, Command};
use crossterm::event::{KeyEvent, KeyEventKind};
use feedbridge_common::{FailureView, OrderView, ProductView};
use ratatui::text::Line;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Popup {
    Help,
    Detail,
}

pub struct App {
    pub panel: Panel,
    pub popup: Option<Popup>,
    pub should_quit: bool,
    pub header: Header,
    pub footer: Footer,
    pub orders: TablePanel<OrderView>,
    pub products: TablePanel<ProductView>,
    pub failures: TablePanel<FailureView>,
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
            products: TablePanel::new("Products"),
            failures: TablePanel::new("Failures"),
        }
    }

    /// Decode a key press against the keymap and the current state, apply it, and return the
    /// action so the caller can perform its effect (e.g. [`Action::Retry`]).
    pub fn on_key(&mut self, key: KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        let action = self.resolve(keys::lookup(&key)?)?;
        self.update(action.clone());
        Some(action)
    }

    fn resolve(&self, command: Command) -> Option<Action> {
        let action = match (self.popup, command) {
            (_, Command::Quit) => Action::Quit,
            (Some(_), Command::Back) => Action::ClosePopup,
            (None, Command::Back) => Action::Quit,
            (_, Command::Help) => Action::ToggleHelp,
            // The help popup swallows everything else until it is closed.
            (Some(Popup::Help), _) => return None,
            (Some(Popup::Detail), Command::Detail) => Action::ClosePopup,
            (_, Command::Detail) => {
                self.selected_detail()?;
                Action::OpenDetail
            }
            (_, Command::NextPanel) => Action::NextPanel,
            (_, Command::PrevPanel) => Action::PrevPanel,
            (_, Command::Orders) => Action::ShowPanel(Panel::Orders),
            (_, Command::Products) => Action::ShowPanel(Panel::Products),
            (_, Command::Failures) => Action::ShowPanel(Panel::Failures),
            (_, Command::Up) => Action::Up,
            (_, Command::Down) => Action::Down,
            (_, Command::Retry) => match (self.panel, self.failures.selected()) {
                (Panel::Failures, Some(failure)) => Action::Retry(failure.id),
                (Panel::Failures, None) => Action::Notice("There is no failure to retry.".into()),
                _ => Action::Notice(
                    "Retry works on failures: press 3, pick one, then press r.".into(),
                ),
            },
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
            Action::Up | Action::Down => match self.panel {
                Panel::Orders => self.orders.update(&action),
                Panel::Products => self.products.update(&action),
                Panel::Failures => self.failures.update(&action),
            },
            Action::OpenDetail => self.popup = Some(Popup::Detail),
            Action::ToggleHelp => {
                self.popup = match self.popup {
                    Some(Popup::Help) => None,
                    _ => Some(Popup::Help),
                };
            }
            Action::ClosePopup => self.popup = None,
            Action::Retry(id) => self
                .footer
                .update(&Action::Notice(format!("Retrying failure #{id}…"))),
            Action::Refreshed(snapshot) => {
                self.orders.set_rows(snapshot.orders.clone());
                self.products.set_rows(snapshot.products.clone());
                self.failures.set_rows(snapshot.failures.clone());
                if self.popup == Some(Popup::Detail) && self.selected_detail().is_none() {
                    self.popup = None;
                }
            }
            Action::Disconnected(_) | Action::Notice(_) => {}
        }
        self.header.update(&action);
        self.footer.update(&action);
        self.footer.panel = self.panel;
    }

    fn show(&mut self, panel: Panel) {
        if panel != self.panel && self.popup == Some(Popup::Detail) {
            self.popup = None;
        }
        self.panel = panel;
    }

    /// Title and body of the detail popup for the selected row of the current panel.
    pub fn selected_detail(&self) -> Option<(String, Vec<Line<'static>>)> {
        match self.panel {
            Panel::Orders => self.orders.selected().map(TableRow::detail),
            Panel::Products => self.products.selected().map(TableRow::detail),
            Panel::Failures => self.failures.selected().map(TableRow::detail),
        }
    }

    pub fn panel_len(&self, panel: Panel) -> usize {
        match panel {
            Panel::Orders => self.orders.rows().len(),
            Panel::Products => self.products.rows().len(),
            Panel::Failures => self.failures.rows().len(),
        }
    }
}
