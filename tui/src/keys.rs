//! Key bindings as data. The help popup and the footer hints are generated from [`KEYMAP`].

use crate::action::Panel;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for, before the app resolves it against its state (e.g. which failure
/// `Retry` means, or whether `Back` closes a popup or quits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    NextPanel,
    PrevPanel,
    Orders,
    Products,
    Failures,
    Connections,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Copy,
    Sort,
    ReverseSort,
    Palette,
    Detail,
    Retry,
    RetryAll,
    Mark,
    Filter,
    Search,
    ShopFilter,
    Carriers,
    OrderSettings,
    Resync,
    AddCarrier,
    Edit,
    Delete,
    Save,
    MapCategory,
    Unmap,
    List,
    Resubmit,
    LinkManual,
    TestConnection,
    Authorize,
    LinkPreview,
    EditSettings,
    ChooseSkus,
    Attributes,
    CategoryAttributes,
    AttributeRule,
    SizeCharts,
    StoreForm,
    Confirm,
    Deny,
    Help,
    Back,
    Quit,
}

/// One key: a code plus whether Ctrl must be held. Shift is implied by the character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn key(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const fn ch(c: char) -> Key {
    key(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

/// A popup with keys of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialog {
    OrderDetail,
    Carriers,
    OrderSettings,
    Attributes,
    /// The store connection form.
    Store,
    /// A yes/no question.
    Confirm,
}

impl Dialog {
    pub fn title(self) -> &'static str {
        match self {
            Self::Confirm => "yes/no questions",
            Self::OrderDetail => "order detail",
            Self::Carriers => "carrier editor",
            Self::OrderSettings => "order settings",
            Self::Attributes => "attributes",
            Self::Store => "store form",
        }
    }
}

/// Where a binding does something. An open dialog's bindings win over the panel's, and a
/// panel's own binding wins over an everywhere one on the same key (no panel rebinds a
/// movement key: `j`/`k` move everywhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    On(&'static [Panel]),
    In(&'static [Dialog]),
}

impl Scope {
    pub fn includes(self, panel: Panel) -> bool {
        match self {
            Self::Everywhere => true,
            Self::On(panels) => panels.contains(&panel),
            Self::In(_) => false,
        }
    }

    pub fn includes_dialog(self, dialog: Dialog) -> bool {
        matches!(self, Self::In(dialogs) if dialogs.contains(&dialog))
    }

    /// " (Products panel)" or " (carrier editor)", for the help.
    pub fn label(self) -> String {
        match self {
            Self::Everywhere => String::new(),
            Self::On(panels) => {
                let names: Vec<&str> = panels.iter().map(|p| p.title()).collect();
                let noun = if panels.len() == 1 { "panel" } else { "panels" };
                format!(" ({} {noun})", names.join(", "))
            }
            Self::In(dialogs) => {
                let names: Vec<&str> = dialogs.iter().map(|d| d.title()).collect();
                format!(" ({})", names.join(", "))
            }
        }
    }

    /// "on the Failures panel" or "in the carrier editor", for notices.
    pub fn place(self) -> String {
        match self {
            Self::Everywhere => "everywhere".into(),
            Self::On(_) => format!(
                "on the{}",
                self.label().trim_end_matches(')').replacen(" (", " ", 1)
            ),
            Self::In(_) => format!(
                "in the{}",
                self.label().trim_end_matches(')').replacen(" (", " ", 1)
            ),
        }
    }
}

const PRODUCTS: Scope = Scope::On(&[Panel::Products]);
const CONNECTIONS: Scope = Scope::On(&[Panel::Connections]);
const ORDERS: Scope = Scope::On(&[Panel::Orders]);
const CARRIERS: Scope = Scope::In(&[Dialog::Carriers]);
const CONFIRM: Scope = Scope::In(&[Dialog::Confirm]);

pub struct Binding {
    pub keys: &'static [Key],
    pub command: Command,
    pub description: &'static str,
    /// Short word for the footer, if the binding is worth a hint there.
    pub hint: Option<&'static str>,
    pub scope: Scope,
}

pub const KEYMAP: &[Binding] = &[
    Binding {
        keys: &[key(KeyCode::Tab)],
        command: Command::NextPanel,
        description: "Next panel",
        hint: Some("panel"),
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[key(KeyCode::BackTab)],
        command: Command::PrevPanel,
        description: "Previous panel",
        hint: None,
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[ch('1')],
        command: Command::Orders,
        description: "Show orders",
        hint: None,
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[ch('2')],
        command: Command::Products,
        description: "Show products",
        hint: None,
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[ch('3')],
        command: Command::Failures,
        description: "Show failures",
        hint: None,
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[ch('4')],
        command: Command::Connections,
        description: "Show connections",
        hint: None,
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[key(KeyCode::Up), ch('k')],
        command: Command::Up,
        description: "Move up",
        hint: None,
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[key(KeyCode::Down), ch('j')],
        command: Command::Down,
        description: "Move down",
        hint: None,
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[key(KeyCode::PageUp)],
        command: Command::PageUp,
        description: "Move or scroll a page up",
        hint: None,
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[key(KeyCode::PageDown)],
        command: Command::PageDown,
        description: "Move or scroll a page down",
        hint: None,
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[key(KeyCode::Home), ch('g')],
        command: Command::Top,
        description: "First row",
        hint: None,
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[key(KeyCode::End), ch('G')],
        command: Command::Bottom,
        description: "Last row",
        hint: None,
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[ch('/')],
        command: Command::Search,
        description: "Filter the list as you type (Enter keeps it, Esc clears it)",
        hint: Some("filter"),
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[ch('s')],
        command: Command::Sort,
        description: "Sort by the next column (then the daemon's order again)",
        hint: Some("sort"),
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[ch('S')],
        command: Command::ReverseSort,
        description: "Reverse the sort order",
        hint: None,
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[ch('y')],
        command: Command::Copy,
        description: "Copy the selected row's id (the one the CLI takes) to the clipboard",
        hint: Some("copy id"),
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[ch(':')],
        command: Command::Palette,
        description: "Run a CLI command here, e.g. :retry 12 or :settings demo-us set buffer 10%",
        hint: Some("command"),
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[key(KeyCode::Enter)],
        command: Command::Detail,
        description: "Details of the selected row",
        hint: Some("details"),
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[ch('f')],
        command: Command::Filter,
        description: "Cycle the filter (sync state / listing status)",
        hint: Some("state"),
        scope: Scope::On(&[Panel::Orders, Panel::Products]),
    },
    Binding {
        keys: &[ch('F')],
        command: Command::ShopFilter,
        description: "Cycle the shop filter (with more than one TikTok shop)",
        hint: Some("shop"),
        scope: ORDERS,
    },
    Binding {
        keys: &[ch('s')],
        command: Command::Resync,
        description: "Look at the order again now (resync)",
        hint: None,
        scope: Scope::In(&[Dialog::OrderDetail]),
    },
    Binding {
        keys: &[ch('r')],
        command: Command::Retry,
        description: "Retry the selected failure",
        hint: Some("retry"),
        scope: Scope::On(&[Panel::Failures]),
    },
    Binding {
        keys: &[ch('R')],
        command: Command::RetryAll,
        description: "Retry all open failures of the selected one's kind (asks first)",
        hint: Some("retry all"),
        scope: Scope::On(&[Panel::Failures]),
    },
    Binding {
        keys: &[ch(' ')],
        command: Command::Mark,
        description: "Select or unselect the product",
        hint: Some("select"),
        scope: PRODUCTS,
    },
    Binding {
        keys: &[ch('m')],
        command: Command::MapCategory,
        description: "Choose the TikTok category of the selected products",
        hint: Some("map"),
        scope: PRODUCTS,
    },
    Binding {
        keys: &[ch('u')],
        command: Command::Unmap,
        description: "Remove the category (before listing)",
        hint: Some("unmap"),
        scope: PRODUCTS,
    },
    Binding {
        keys: &[ch('l')],
        command: Command::List,
        description: "List the selected products on TikTok",
        hint: Some("list"),
        scope: PRODUCTS,
    },
    Binding {
        keys: &[ch('R')],
        command: Command::Resubmit,
        description: "Submit the selected products again after a fix",
        hint: Some("resubmit"),
        scope: PRODUCTS,
    },
    Binding {
        keys: &[ch('x')],
        command: Command::ChooseSkus,
        description: "Choose which SKUs of the listing go to TikTok (opens :skus)",
        hint: Some("SKUs"),
        scope: PRODUCTS,
    },
    Binding {
        keys: &[ch('a')],
        command: Command::Attributes,
        description: "Set the product's TikTok attributes (form)",
        hint: Some("attributes"),
        scope: PRODUCTS,
    },
    Binding {
        keys: &[ch('A')],
        command: Command::CategoryAttributes,
        description: "Set the default attributes of the product's category on its shop (form)",
        hint: None,
        scope: PRODUCTS,
    },
    Binding {
        keys: &[ch('z')],
        command: Command::SizeCharts,
        description: "Choose the product's size chart from its shop's TikTok templates",
        hint: None,
        scope: PRODUCTS,
    },
    Binding {
        keys: &[ch('K')],
        command: Command::LinkManual,
        description: "Link the product to an existing TikTok product",
        hint: Some("link"),
        scope: PRODUCTS,
    },
    Binding {
        keys: &[ch('t')],
        command: Command::TestConnection,
        description: "Test the connection",
        hint: Some("test"),
        scope: CONNECTIONS,
    },
    Binding {
        keys: &[ch('a')],
        command: Command::Authorize,
        description: "Authorize feedbridge for the TikTok shop",
        hint: Some("authorize"),
        scope: CONNECTIONS,
    },
    Binding {
        keys: &[ch('L')],
        command: Command::LinkPreview,
        description: "Preview linking the shop's TikTok products by seller SKU",
        hint: Some("link by SKU"),
        scope: Scope::On(&[Panel::Products, Panel::Connections]),
    },
    Binding {
        keys: &[ch('c')],
        command: Command::Carriers,
        description: "Carrier mappings of the TikTok shop",
        hint: Some("carriers"),
        scope: CONNECTIONS,
    },
    Binding {
        keys: &[ch('o')],
        command: Command::OrderSettings,
        description: "Order settings of the TikTok shop (hold, prefix, FBT, stock)",
        hint: Some("order settings"),
        scope: CONNECTIONS,
    },
    Binding {
        keys: &[ch('C')],
        command: Command::StoreForm,
        description: "Connect, replace or disconnect the organization's store (form)",
        hint: None,
        scope: CONNECTIONS,
    },
    Binding {
        keys: &[ch('e')],
        command: Command::EditSettings,
        description: "Change a shop setting (opens :settings SHOP set)",
        hint: Some("edit settings"),
        scope: CONNECTIONS,
    },
    Binding {
        keys: &[ch('a')],
        command: Command::AddCarrier,
        description: "Add a mapping: type the store carrier, then pick the provider",
        hint: None,
        scope: CARRIERS,
    },
    Binding {
        keys: &[key(KeyCode::Enter)],
        command: Command::Edit,
        description: "Edit the selected mapping or setting",
        hint: None,
        scope: Scope::In(&[
            Dialog::Carriers,
            Dialog::OrderSettings,
            Dialog::Attributes,
            Dialog::Store,
        ]),
    },
    Binding {
        keys: &[ch('d')],
        command: Command::Delete,
        description: "Delete the mapping or clear the attribute",
        hint: None,
        scope: Scope::In(&[Dialog::Carriers, Dialog::Attributes]),
    },
    Binding {
        keys: &[ch('w')],
        command: Command::Save,
        description: "Save the form",
        hint: None,
        scope: Scope::In(&[Dialog::OrderSettings, Dialog::Attributes, Dialog::Store]),
    },
    Binding {
        keys: &[ch('r')],
        command: Command::AttributeRule,
        description: "Take the attribute from a store option, shop-wide (empty removes the rule)",
        hint: None,
        scope: Scope::In(&[Dialog::Attributes]),
    },
    Binding {
        keys: &[ch('y')],
        command: Command::Confirm,
        description: "Yes (link the matches, retry them all, stop the demo)",
        hint: None,
        scope: CONFIRM,
    },
    Binding {
        keys: &[ch('n')],
        command: Command::Deny,
        description: "No",
        hint: None,
        scope: CONFIRM,
    },
    Binding {
        keys: &[ch('?')],
        command: Command::Help,
        description: "Show or hide this help",
        hint: Some("help"),
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[key(KeyCode::Esc)],
        command: Command::Back,
        description: "Back: close the popup, or clear the filter (never quits)",
        hint: None,
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[ch('q'), ctrl('c')],
        command: Command::Quit,
        description: "Quit",
        hint: Some("quit"),
        scope: Scope::Everywhere,
    },
];

impl Key {
    fn matches(self, event: &KeyEvent) -> bool {
        let ctrl_held = event.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl_held != self.ctrl || event.modifiers.contains(KeyModifiers::ALT) {
            return false;
        }
        match (self.code, event.code) {
            // Letters may arrive upper-cased with Ctrl held on some terminals.
            (KeyCode::Char(want), KeyCode::Char(got)) if self.ctrl => {
                want.eq_ignore_ascii_case(&got)
            }
            (want, got) => want == got,
        }
    }

    /// How the key is written in the help and the footer.
    pub fn label(self) -> String {
        let base = match self.code {
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::BackTab => "Shift-Tab".to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Enter => "Enter".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::Home => "Home".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            other => other.to_string(),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }
}

impl Binding {
    /// All keys of the binding, e.g. "↑ / k".
    pub fn keys_label(&self) -> String {
        self.keys
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

/// The command bound to a key press on `panel`, if any; the panel's own bindings first.
pub fn lookup(event: &KeyEvent, panel: Panel) -> Option<Command> {
    lookup_in(event, panel, None)
}

/// The command bound to a key press on `panel` with `dialog` open: the dialog's bindings
/// first, then the panel's, then the everywhere ones.
pub fn lookup_in(event: &KeyEvent, panel: Panel, dialog: Option<Dialog>) -> Option<Command> {
    let bound = |binding: &&Binding| binding.keys.iter().any(|k| k.matches(event));
    let in_dialog = |b: &&Binding| dialog.is_some_and(|d| b.scope.includes_dialog(d));
    KEYMAP
        .iter()
        .filter(in_dialog)
        .find(bound)
        .or_else(|| {
            KEYMAP
                .iter()
                .filter(|b| b.scope != Scope::Everywhere && b.scope.includes(panel))
                .find(bound)
        })
        .or_else(|| {
            KEYMAP
                .iter()
                .filter(|b| b.scope == Scope::Everywhere)
                .find(bound)
        })
        .map(|binding| binding.command)
}

/// A binding for this key that works on other panels (or in a dialog) only, to explain where
/// it works; other panels' bindings first.
pub fn elsewhere(event: &KeyEvent, panel: Panel) -> Option<&'static Binding> {
    let bound = |binding: &&Binding| binding.keys.iter().any(|k| k.matches(event));
    KEYMAP
        .iter()
        .filter(|b| matches!(b.scope, Scope::On(_)) && !b.scope.includes(panel))
        .find(bound)
        .or_else(|| {
            KEYMAP
                .iter()
                .filter(|b| matches!(b.scope, Scope::In(_)))
                .find(bound)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn every_command_has_one_binding() {
        let mut seen = Vec::new();
        for binding in KEYMAP {
            assert!(!seen.contains(&binding.command), "{:?}", binding.command);
            assert!(!binding.keys.is_empty());
            assert!(!binding.description.is_empty());
            seen.push(binding.command);
        }
    }

    #[test]
    fn keys_resolve_with_terminal_quirks() {
        assert_eq!(
            lookup(
                &press(KeyCode::Char('?'), KeyModifiers::SHIFT),
                Panel::Orders
            ),
            Some(Command::Help)
        );
        assert_eq!(
            lookup(&press(KeyCode::BackTab, KeyModifiers::SHIFT), Panel::Orders),
            Some(Command::PrevPanel)
        );
        assert_eq!(
            lookup(
                &press(KeyCode::Char('c'), KeyModifiers::CONTROL),
                Panel::Orders
            ),
            Some(Command::Quit)
        );
        assert_eq!(
            lookup(
                &press(KeyCode::Char('c'), KeyModifiers::NONE),
                Panel::Orders
            ),
            None
        );
        assert_eq!(
            lookup(
                &press(KeyCode::Char('j'), KeyModifiers::NONE),
                Panel::Orders
            ),
            Some(Command::Down)
        );
        assert_eq!(
            lookup(&press(KeyCode::Char('k'), KeyModifiers::ALT), Panel::Orders),
            None
        );
    }

    #[test]
    fn movement_keys_move_on_every_panel() {
        for panel in Panel::ALL {
            for (c, command) in [
                ('k', Command::Up),
                ('j', Command::Down),
                ('g', Command::Top),
                ('G', Command::Bottom),
                ('y', Command::Copy),
                ('/', Command::Search),
                (':', Command::Palette),
            ] {
                let event = press(KeyCode::Char(c), KeyModifiers::NONE);
                assert_eq!(lookup(&event, panel), Some(command), "{c} on {panel:?}");
            }
        }
    }

    #[test]
    fn no_key_means_two_things_in_one_place() {
        let places = Panel::ALL.iter().map(|&panel| (Some(panel), None)).chain(
            [
                Dialog::OrderDetail,
                Dialog::Carriers,
                Dialog::OrderSettings,
                Dialog::Attributes,
                Dialog::Store,
                Dialog::Confirm,
            ]
            .map(|dialog| (None, Some(dialog))),
        );
        for (panel, dialog) in places {
            let mut seen: Vec<Key> = Vec::new();
            let here = KEYMAP.iter().filter(|b| match (panel, dialog) {
                (Some(panel), _) => b.scope.includes(panel),
                (_, Some(dialog)) => b.scope.includes_dialog(dialog),
                _ => false,
            });
            for binding in here {
                for key in binding.keys {
                    assert!(!seen.contains(key), "{key:?} twice on {panel:?}{dialog:?}");
                    seen.push(*key);
                }
            }
        }
    }

    #[test]
    fn panel_bindings_win_on_their_panel() {
        let shift_l = press(KeyCode::Char('L'), KeyModifiers::SHIFT);
        assert_eq!(
            lookup(&shift_l, Panel::Connections),
            Some(Command::LinkPreview)
        );
        assert_eq!(lookup(&shift_l, Panel::Orders), None);
        let t = press(KeyCode::Char('t'), KeyModifiers::NONE);
        assert_eq!(lookup(&t, Panel::Products), None);
        let shift_k = press(KeyCode::Char('K'), KeyModifiers::SHIFT);
        assert_eq!(lookup(&shift_k, Panel::Products), Some(Command::LinkManual));
    }

    #[test]
    fn dialog_bindings_win_in_their_dialog() {
        let a = press(KeyCode::Char('a'), KeyModifiers::NONE);
        assert_eq!(lookup(&a, Panel::Connections), Some(Command::Authorize));
        assert_eq!(
            lookup_in(&a, Panel::Connections, Some(Dialog::Carriers)),
            Some(Command::AddCarrier)
        );
        let enter = press(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(lookup(&enter, Panel::Connections), Some(Command::Detail));
        assert_eq!(
            lookup_in(&enter, Panel::Connections, Some(Dialog::OrderSettings)),
            Some(Command::Edit)
        );
        let s = press(KeyCode::Char('s'), KeyModifiers::NONE);
        assert_eq!(
            lookup_in(&s, Panel::Orders, Some(Dialog::OrderDetail)),
            Some(Command::Resync)
        );
        assert_eq!(lookup(&s, Panel::Orders), Some(Command::Sort));
        let y = press(KeyCode::Char('y'), KeyModifiers::NONE);
        assert_eq!(
            lookup_in(&y, Panel::Failures, Some(Dialog::Confirm)),
            Some(Command::Confirm)
        );
        // Explained by where it works: a panel first, else a dialog.
        let r = press(KeyCode::Char('r'), KeyModifiers::NONE);
        assert_eq!(
            elsewhere(&r, Panel::Orders).map(|b| b.command),
            Some(Command::Retry)
        );
        let d = press(KeyCode::Char('d'), KeyModifiers::NONE);
        assert_eq!(
            elsewhere(&d, Panel::Orders).map(|b| b.scope.place()),
            Some("in the carrier editor, attributes".to_string())
        );
        assert_eq!(
            Scope::On(&[Panel::Failures]).place(),
            "on the Failures panel"
        );
    }

    #[test]
    fn labels_read_well() {
        assert_eq!(KEYMAP[6].keys_label(), "↑ / k");
        assert_eq!(KEYMAP[10].keys_label(), "Home / g");
        assert_eq!(ch(' ').label(), "Space");
        assert_eq!(ctrl('c').label(), "Ctrl-c");
    }
}
