//! Lays the components out on the screen. Reads the app state only.

use crate::action::Panel;
use crate::app::{App, Popup};
use crate::components::{
    Component, draw_attributes, draw_authorization, draw_carriers, draw_confirm_quit,
    draw_confirm_retry_all, draw_connection_test, draw_detail, draw_help, draw_link_preview,
    draw_link_prompt, draw_order_detail, draw_order_settings, draw_output, draw_palette,
    draw_picker, draw_report, draw_size_charts, draw_store_form, product_detail_lines,
};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Tabs, Wrap};

/// Lines of the header, the tabs and the footer around a panel.
const HEADER: u16 = 4;
const TABS: u16 = 1;
const FOOTER: u16 = 2;
/// A table's borders and its column titles.
const TABLE_CHROME: u16 = 3;

/// How many table rows a terminal `height` lines high shows: what a paged panel's window is
/// sized by.
pub fn table_rows(height: u16) -> usize {
    usize::from(
        height
            .saturating_sub(HEADER + TABS + FOOTER + TABLE_CHROME)
            .max(1),
    )
}

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let [header, tabs, body, footer] = Layout::vertical([
        Constraint::Length(HEADER),
        Constraint::Length(TABS),
        Constraint::Min(0),
        Constraint::Length(FOOTER),
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

    let typing = app.typing_filter;
    match app.panel {
        Panel::Orders => app.orders.draw_table(frame, body, typing),
        Panel::Products => app.products.draw_table(frame, body, typing),
        Panel::Failures => app.failures.draw_table(frame, body, typing),
        Panel::Connections => draw_connections(frame, body, app),
    }
    app.footer.draw(frame, footer, false);

    match &app.popup {
        Some(Popup::Help) => draw_help(frame, area, app.help_scroll, app.panel),
        Some(Popup::Detail) => draw_selected_detail(frame, area, app),
        Some(Popup::Picker(picker)) => draw_picker(frame, area, picker),
        Some(Popup::LinkPrompt { title, input, .. }) => draw_link_prompt(frame, area, title, input),
        Some(Popup::ConnectionTest { name, result }) => {
            draw_connection_test(frame, area, name, result.as_ref());
        }
        Some(Popup::Authorization { shop, start, input }) => {
            draw_authorization(frame, area, shop, start.as_ref(), input);
        }
        Some(Popup::LinkPreview {
            shop,
            preview,
            applying,
        }) => draw_link_preview(frame, area, shop, preview.as_ref(), *applying),
        Some(Popup::Report { title, lines }) => draw_report(frame, area, title, lines),
        Some(Popup::OrderDetail(view)) => draw_order_detail(frame, area, view),
        Some(Popup::Palette { input }) => draw_palette(frame, area, input),
        Some(Popup::Output {
            title,
            lines,
            scroll,
        }) => draw_output(frame, area, title, lines, *scroll),
        Some(Popup::ConfirmQuit) => draw_confirm_quit(frame, area),
        Some(Popup::ConfirmRetryAll {
            kind,
            organization,
            count,
        }) => draw_confirm_retry_all(frame, area, *kind, organization, *count),
        Some(Popup::Carriers(editor)) => draw_carriers(frame, area, editor),
        Some(Popup::OrderSettings(form)) => draw_order_settings(frame, area, form),
        Some(Popup::Attributes(editor)) => draw_attributes(frame, area, editor),
        Some(Popup::SizeCharts(picker)) => draw_size_charts(frame, area, picker),
        Some(Popup::Store(form)) => draw_store_form(frame, area, form),
        None => {}
    }
}

/// The daemon's product detail once it answered, else what the table row knows.
fn draw_selected_detail(frame: &mut Frame, area: Rect, app: &App) {
    let Some((title, mut lines)) = app.selected_detail() else {
        return;
    };
    match app.selected_product_detail() {
        Some(Ok(detail)) => lines = product_detail_lines(detail),
        Some(Err(error)) => {
            lines.push(Line::raw(""));
            lines.push(Line::raw(format!("More detail unavailable: {error}")).dark_gray());
        }
        None if app.panel == Panel::Products => {
            lines.push(Line::raw(""));
            lines.push(Line::raw("Loading the full detail…").dark_gray());
        }
        None => {}
    }
    draw_detail(frame, area, &title, lines);
}

/// The connections table, and below it the selected connection's detail and settings.
fn draw_connections(frame: &mut Frame, area: Rect, app: &App) {
    let table_height = u16::try_from(app.connections.rows().len() + 3).unwrap_or(u16::MAX);
    let [table, detail] =
        Layout::vertical([Constraint::Length(table_height), Constraint::Min(0)]).areas(area);
    app.connections.draw_table(frame, table, app.typing_filter);
    let Some((title, lines)) = app.selected_detail() else {
        return;
    };
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(format!(" {title} "))
                .border_style(Style::new().dark_gray()),
        ),
        detail,
    );
}
