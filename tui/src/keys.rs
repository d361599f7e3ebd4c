//! Key bindings as data. The help popup and the footer hints are generated from [`KEYMAP`].

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
    Up,
    Down,
    Detail,
    Retry,
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

/// Where a binding does something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    /// Only on the Failures panel.
    Failures,
}

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
        keys: &[key(KeyCode::Up), ch('k')],
        command: Command::Up,
        description: "Move up",
        hint: Some("up"),
        scope: Scope::Everywhere,
    },
    Binding {
        keys: &[key(KeyCode::Down), ch('j')],
        command: Command::Down,
        description: "Move down",
        hint: Some("down"),
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
        keys: &[ch('r')],
        command: Command::Retry,
        description: "Retry the selected failure",
        hint: Some("retry"),
        scope: Scope::Failures,
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
        description: "Close the popup, or quit",
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

/// The command bound to a key press, if any.
pub fn lookup(event: &KeyEvent) -> Option<Command> {
    KEYMAP
        .iter()
        .find(|binding| binding.keys.iter().any(|k| k.matches(event)))
        .map(|binding| binding.command)
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
            lookup(&press(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Command::Help)
        );
        assert_eq!(
            lookup(&press(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Command::PrevPanel)
        );
        assert_eq!(
            lookup(&press(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Command::Quit)
        );
        assert_eq!(lookup(&press(KeyCode::Char('c'), KeyModifiers::NONE)), None);
        assert_eq!(
            lookup(&press(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Command::Down)
        );
        assert_eq!(lookup(&press(KeyCode::Char('k'), KeyModifiers::ALT)), None);
    }

    #[test]
    fn labels_read_well() {
        assert_eq!(KEYMAP[5].keys_label(), "↑ / k");
        assert_eq!(ctrl('c').label(), "Ctrl-c");
    }
}
