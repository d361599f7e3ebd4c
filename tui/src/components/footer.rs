//! The footer: the latest notice and key hints generated from the keymap.

use super::Component;
use crate::action::{Action, Panel};
use crate::keys::{Binding, Command, KEYMAP, Scope};
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

    /// The panel's own hints, then the everywhere ones, as many as fit in `width`; the help
    /// and quit hints always.
    fn hints(&self, width: u16) -> Line<'static> {
        let hint = |binding: &Binding| -> Option<Vec<Span<'static>>> {
            let word = binding.hint?;
            let key = binding.keys.first()?;
            Some(vec![
                Span::raw(key.label()).bold().cyan(),
                Span::raw(format!(" {word}")),
            ])
        };
        let always = |b: &&Binding| matches!(b.command, Command::Help | Command::Quit);
        let tail: Vec<Vec<Span>> = KEYMAP.iter().filter(always).filter_map(hint).collect();
        let own = KEYMAP
            .iter()
            .filter(|b| b.scope != Scope::Everywhere && b.scope.includes(self.panel));
        let everywhere = KEYMAP
            .iter()
            .filter(|b| b.scope == Scope::Everywhere && !always(b));
        let span_width = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
        let gap = 2;
        let mut room = usize::from(width)
            .saturating_sub(tail.iter().map(|h| span_width(h) + gap).sum::<usize>());
        let mut chosen: Vec<Vec<Span>> = Vec::new();
        for spans in own.chain(everywhere).filter_map(hint) {
            let needed = span_width(&spans) + gap;
            if needed <= room {
                room -= needed;
                chosen.push(spans);
            }
        }
        let mut spans = Vec::new();
        for (i, hint) in chosen.into_iter().chain(tail).enumerate() {
            if i > 0 {
                spans.push(Span::raw("  "));
            }
            spans.extend(hint);
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
        frame.render_widget(Paragraph::new(vec![notice, self.hints(area.width)]), area);
    }
}
