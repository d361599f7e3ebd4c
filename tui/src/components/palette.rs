//! The `:` command palette, the output of what it ran, and the demo's quit question.

use super::order_dialogs::{input_spans, small_box};
use super::popup::popup_area;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub fn draw_palette(frame: &mut Frame, area: Rect, input: &str) {
    let popup = popup_area(area, 76, 6);
    let inner = small_box(frame, popup, "Command", "Enter run · Esc cancel");
    let mut line = vec![Span::raw(":").bold().cyan()];
    line.extend(input_spans(input));
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(line),
            Line::raw(""),
            Line::raw("The feedbridge CLI's commands, e.g. retry 12 · settings demo-us · help")
                .dark_gray(),
        ])
        .wrap(Wrap { trim: false }),
        inner,
    );
}

/// What a palette command printed, from line `scroll` on; tables are not wrapped.
pub fn draw_output(frame: &mut Frame, area: Rect, title: &str, lines: &[String], scroll: u16) {
    let popup = popup_area(
        area,
        area.width.saturating_sub(2).max(20),
        area.height.saturating_sub(2).max(6),
    );
    let shown = usize::from(popup.height.saturating_sub(2));
    let last = lines.len().saturating_sub(shown);
    let scroll = usize::from(scroll).min(last);
    let hint = if last == 0 {
        " Enter or Esc to close ".to_string()
    } else {
        format!(
            " {}–{} of {} · ↑/↓ scroll · Esc to close ",
            scroll + 1,
            (scroll + shown).min(lines.len()),
            lines.len()
        )
    };
    let body: Vec<Line> = lines.iter().map(|l| Line::raw(l.clone())).collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(body)
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
            .block(
                Block::bordered()
                    .title(format!(" {title} "))
                    .title_bottom(Line::from(hint).right_aligned())
                    .border_style(Style::new().cyan()),
            ),
        popup,
    );
}

pub fn draw_confirm_quit(frame: &mut Frame, area: Rect) {
    let popup = popup_area(area, 60, 5);
    let inner = small_box(frame, popup, "Quit", "y yes · n or Esc no");
    frame.render_widget(
        Paragraph::new(vec![
            Line::raw("Stop the demo (daemon and simulators)? y/n"),
            Line::raw(""),
            Line::from(vec![
                Span::raw("y").bold().cyan(),
                Span::raw(" stop and quit   "),
                Span::raw("n").bold().cyan(),
                Span::raw(" keep watching"),
            ]),
        ])
        .wrap(Wrap { trim: false }),
        inner,
    );
}
