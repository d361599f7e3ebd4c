//! Popups drawn over the panels: the generated key help and a row's details.

use crate::action::Panel;
use crate::keys::{Binding, KEYMAP, Scope};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub(super) fn popup_area(area: Rect, width: u16, height: u16) -> Rect {
    area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height.min(area.height)),
    )
}

/// The help's lines: the keys of `panel` first, then those that work everywhere, then those
/// of popups and of the other panels; each binding once, wrapped to `width`.
pub fn help_lines(panel: Panel, width: u16) -> Vec<Line<'static>> {
    let key_width = KEYMAP
        .iter()
        .map(|b| b.keys_label().chars().count())
        .max()
        .unwrap_or(0);
    let room = usize::from(width).saturating_sub(key_width + 4).max(20);
    let line = |binding: &Binding, scope: String| {
        let text = format!("{}{scope}", binding.description);
        wrap_words(&text, room)
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                let keys = if i == 0 {
                    binding.keys_label()
                } else {
                    String::new()
                };
                Line::from(vec![
                    Span::raw(format!("  {keys:key_width$}  ")).bold().cyan(),
                    Span::raw(part),
                ])
            })
            .collect::<Vec<_>>()
    };
    let own = |b: &&Binding| b.scope != Scope::Everywhere && b.scope.includes(panel);
    let everywhere = |b: &&Binding| b.scope == Scope::Everywhere;
    let mut lines = vec![Line::from(format!("{} panel", panel.title())).bold()];
    lines.extend(
        KEYMAP
            .iter()
            .filter(own)
            .flat_map(|b| line(b, String::new())),
    );
    lines.push(Line::from("Everywhere").bold());
    lines.extend(
        KEYMAP
            .iter()
            .filter(everywhere)
            .flat_map(|b| line(b, String::new())),
    );
    lines.push(Line::from("In popups and on other panels").bold());
    lines.extend(
        KEYMAP
            .iter()
            .filter(|b| !own(b) && !everywhere(b))
            .flat_map(|b| line(b, b.scope.label())),
    );
    lines
}

/// `text` in lines of at most `width` characters, broken between words.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let Some(current) = lines.last_mut() else {
            break;
        };
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
    }
    lines
}

/// [`help_lines`] in a popup, from line `scroll` on.
pub fn draw_help(frame: &mut Frame, area: Rect, scroll: u16, panel: Panel) {
    let lines = help_lines(panel, area.width.saturating_sub(2));
    let total = lines.len();
    let height = u16::try_from(total + 2).unwrap_or(u16::MAX);
    let width = lines.iter().map(Line::width).max().unwrap_or(0) + 2;
    let popup = popup_area(area, u16::try_from(width).unwrap_or(u16::MAX), height);
    let shown = usize::from(popup.height.saturating_sub(2));
    let last = total.saturating_sub(shown);
    let scroll = usize::from(scroll).min(last);
    let hint = if last == 0 {
        " ? or Esc to close ".to_string()
    } else {
        format!(
            " {}–{} of {total} · ↑/↓ scroll · ? or Esc to close ",
            scroll + 1,
            scroll + shown
        )
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
            .block(
                Block::bordered()
                    .title(" Keys ")
                    .title_bottom(Line::from(hint).right_aligned())
                    .border_style(Style::new().cyan()),
            ),
        popup,
    );
}

pub fn draw_detail(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>) {
    let width = area.width.saturating_mul(4) / 5;
    let height = area.height.saturating_mul(4) / 5;
    let popup = popup_area(area, width.max(40), height.max(10));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(format!(" {title} "))
                .title_bottom(Line::from(" Enter or Esc to close ").right_aligned())
                .border_style(Style::new().cyan()),
        ),
        popup,
    );
}
