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

/// Every binding in [`KEYMAP`], with its description.
pub fn draw_help(frame: &mut Frame, area: Rect) {
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
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let width = lines.iter().map(Line::width).max().unwrap_or(0) + 2;
    let popup = popup_area(area, u16::try_from(width).unwrap_or(u16::MAX), height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(" Keys ")
                .title_bottom(Line::from(" ? or Esc to close ").right_aligned())
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
