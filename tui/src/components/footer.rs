//! The footer: the latest notice and key hints generated from the keymap.

use super::Component;
use crate::action::{Action, Panel};
use crate::keys::KEYMAP;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

#[derive(Default)]
pub struct Footer {
    notice: Option<String>,
    /// The panel on screen, for panel-specific hints; the app keeps it current.
    pub panel: Panel,
}

impl Footer {
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    fn hints(&self) -> Line<'static> {
        let mut spans = Vec::new();
        for binding in KEYMAP {
            let Some(hint) = binding.hint else { continue };
            if !binding.scope.includes(self.panel) {
                continue;
            }
            if !spans.is_empty() {
                spans.push(Span::raw("  "));
            }
            if let Some(key) = binding.keys.first() {
                spans.push(Span::raw(key.label()).bold().cyan());
            }
            spans.push(Span::raw(format!(" {hint}")));
        }
        Line::from(spans)
    }
}

impl Component for Footer {
    fn update(&mut self, action: &Action) {
        if let Action::Notice(message) = action {
            self.notice = Some(message.clone());
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, _focused: bool) {
        let notice = Line::raw(self.notice.clone().unwrap_or_default()).yellow();
        frame.render_widget(Paragraph::new(vec![notice, self.hints()]), area);
    }
}
