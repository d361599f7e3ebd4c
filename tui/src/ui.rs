//! Lays the components out on the screen. Reads the app state only.

use crate::action::Panel;
use crate::app::{App, Popup};
use crate::components::{Component, draw_detail, draw_help};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Tabs;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let [header, tabs, body, footer] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(2),
    ])
    .areas(area);

    app.header.draw(frame, header, false);

    let titles = Panel::ALL.iter().map(|panel| {
        Line::from(format!(
            "{} {} ({})",
            panel.index() + 1,
            panel.title(),
            app.panel_len(*panel)
        ))
    });
    frame.render_widget(
        Tabs::new(titles)
            .select(app.panel.index())
            .highlight_style(Style::new().cyan().bold().reversed()),
        tabs,
    );

    match app.panel {
        Panel::Orders => app.orders.draw(frame, body, true),
        Panel::Products => app.products.draw(frame, body, true),
        Panel::Failures => app.failures.draw(frame, body, true),
    }
    app.footer.draw(frame, footer, false);

    match app.popup {
        Some(Popup::Help) => draw_help(frame, area),
        Some(Popup::Detail) => {
            if let Some((title, lines)) = app.selected_detail() {
                draw_detail(frame, area, &title, lines);
            }
        }
        None => {}
    }
}
