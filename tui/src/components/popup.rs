//! Popups drawn over the panels: the generated key help and a row's details.

use crate::keys::KEYMAP;
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

/// Every binding in [`KEYMAP`], with its description, from line `scroll` on.
pub fn draw_help(frame: &mut Frame, area: Rect, scroll: u16) {
    let key_width = KEYMAP
        .iter()
        .map(|b| b.keys_label().chars().count())
        .max()
        .unwrap_or(0);
    let lines: Vec<Line> = KEYMAP
        .iter()
        .map(|binding| {
            let scope = binding.scope.label();
            Line::from(vec![
                Span::raw(format!("{:key_width$}  ", binding.keys_label()))
                    .bold()
                    .cyan(),
                Span::raw(format!("{}{scope}", binding.description)),
            ])
        })
        .collect();
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
