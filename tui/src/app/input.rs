//! Keys to actions: typing into a popup or the `/` filter, else the keymap resolved against
//! what is on screen.

use super::{App, Popup};
use crate::action::{Action, Panel};
use crate::keys::{self, Command};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

impl App {
    /// Decode a key press against the keymap and the current state, apply it, and return the
    /// action. Daemon calls it needs are queued (see [`App::take_requests`]).
    pub fn on_key(&mut self, key: KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        let dialog = self.popup.as_ref().and_then(Popup::dialog);
        let action = match &self.popup {
            Some(popup) if popup.takes_input() => Self::input_action(&key, popup)?,
            None if self.typing_filter => self.filter_action(&key)?,
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

    /// Keys while the `/` filter is typed: text narrows the list at once, the arrows still
    /// move, Enter keeps the filter and Esc clears it.
    fn filter_action(&self, key: &KeyEvent) -> Option<Action> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let action = match key.code {
            KeyCode::Char('c') if ctrl => self.quit_action(),
            KeyCode::Esc => Action::ClearFilter,
            KeyCode::Enter => Action::Submit,
            KeyCode::Backspace => Action::Erase,
            KeyCode::Up => Action::Up,
            KeyCode::Down => Action::Down,
            KeyCode::PageUp => Action::PageUp,
            KeyCode::PageDown => Action::PageDown,
            KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                Action::Input(c)
            }
            _ => return None,
        };
        Some(action)
    }

    /// Quit, or in the demo (where quitting stops the daemon and simulators) ask first.
    fn quit_action(&self) -> Action {
        if self.demo && !matches!(self.popup, Some(Popup::ConfirmQuit)) {
            Action::AskQuit
        } else {
            Action::Quit
        }
    }

    fn resolve(&self, command: Command) -> Option<Action> {
        let scrolls = matches!(
            self.popup,
            Some(Popup::Help | Popup::OrderDetail(_) | Popup::Output { .. })
        );
        let action = match (&self.popup, command) {
            (_, Command::Quit) => self.quit_action(),
            (Some(_), Command::Back) => Action::ClosePopup,
            // Esc on the main screen steps back out of a filter; it never quits.
            (None, Command::Back) if !self.current_filter().is_empty() => Action::ClearFilter,
            (None, Command::Back) => return None,
            (_, Command::Help) => Action::ToggleHelp,
            (_, Command::Up) if scrolls => Action::Up,
            (_, Command::Down) if scrolls => Action::Down,
            (_, Command::PageUp) if scrolls => Action::PageUp,
            (_, Command::PageDown) if scrolls => Action::PageDown,
            (_, Command::Top) if scrolls => Action::Top,
            (_, Command::Bottom) if scrolls => Action::Bottom,
            // The help popup swallows everything else until it is closed.
            (Some(Popup::Help), _) => return None,
            (
                Some(
                    Popup::Detail
                    | Popup::Report { .. }
                    | Popup::Output { .. }
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
            (Some(Popup::ConfirmQuit), Command::Confirm) => Action::Quit,
            (Some(_), Command::Deny) => Action::ClosePopup,
            (Some(Popup::Carriers(_) | Popup::OrderSettings(_)), Command::Up) => Action::Up,
            (Some(Popup::Carriers(_) | Popup::OrderSettings(_)), Command::Down) => Action::Down,
            (Some(Popup::Carriers(_) | Popup::OrderSettings(_)), Command::Edit) => Action::Edit,
            (Some(Popup::Carriers(_)), Command::AddCarrier) => Action::AddCarrier,
            (Some(Popup::Carriers(_)), Command::Delete) => Action::Delete,
            (Some(Popup::OrderSettings(_)), Command::Save) => Action::Save,
            (Some(Popup::Attributes(_)), Command::Up) => Action::Up,
            (Some(Popup::Attributes(_)), Command::Down) => Action::Down,
            (Some(Popup::Attributes(_)), Command::Edit) => Action::Edit,
            (Some(Popup::Attributes(_)), Command::Delete) => Action::Delete,
            (Some(Popup::Attributes(_)), Command::Save) => Action::Save,
            (Some(Popup::Attributes(_)), Command::AttributeRule) => Action::EditRule,
            (Some(Popup::Store(_)), Command::Up) => Action::Up,
            (Some(Popup::Store(_)), Command::Down) => Action::Down,
            (Some(Popup::Store(_)), Command::Edit) => Action::Edit,
            (Some(Popup::Store(_)), Command::Save) => Action::Save,
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
                | Command::Save
                | Command::AttributeRule,
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
            (_, Command::Top) => Action::Top,
            (_, Command::Bottom) => Action::Bottom,
            (_, Command::Copy) => match self.selected_id() {
                Some(id) => Action::Copy(id),
                None => Action::Notice("There is no row to copy the id of.".into()),
            },
            (_, Command::Sort) => Action::Sort,
            (_, Command::ReverseSort) => Action::ReverseSort,
            (_, Command::Search) => Action::OpenFilter,
            (_, Command::Palette) => Action::OpenPalette(String::new()),
            // The keymap offers Retry on the Failures panel only.
            (_, Command::Retry) => match self.failures.selected() {
                Some(failure) => Action::Retry(failure.id),
                None => Action::Notice("There is no failure to retry.".into()),
            },
            (_, Command::RetryAll) => Action::AskRetryAll,
            (_, Command::Mark) => Action::ToggleMark,
            (_, Command::Filter) if self.panel == Panel::Orders => Action::CycleOrderFilter,
            (_, Command::Filter) => Action::CycleFilter,
            (_, Command::ShopFilter) => Action::CycleShopFilter,
            (_, Command::Carriers) => Action::OpenCarriers,
            (_, Command::OrderSettings) => Action::OpenOrderSettings,
            (_, Command::Attributes) => Action::OpenAttributes,
            (_, Command::CategoryAttributes) => Action::OpenCategoryAttributes,
            (_, Command::SizeCharts) => Action::OpenSizeCharts,
            (_, Command::StoreForm) => Action::OpenStoreForm,
            (_, Command::EditSettings) => match self.connections.selected() {
                Some(row) if row.is_shop => {
                    Action::OpenPalette(format!("settings {} set ", row.view.name))
                }
                _ => Action::Notice("Settings are for TikTok shops; pick a shop row.".into()),
            },
            (_, Command::ChooseSkus) => match self.products.selected() {
                Some(product) => Action::OpenPalette(format!("skus {} ", product.id)),
                None => Action::Notice("There is no product to choose SKUs of.".into()),
            },
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
}
