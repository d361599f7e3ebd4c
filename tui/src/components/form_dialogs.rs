//! The size chart template picker and the store form. They draw state only; a typed secret is
//! drawn masked, and once kept it is never drawn again.

use super::order_dialogs::{answer_line, frame_box, input_spans};
use crate::format::{NONE, plural};
use crate::forms::{SizeChartPicker, StoreAction, StoreField, StoreForm, masked};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw_size_charts(frame: &mut Frame, area: Rect, picker: &SizeChartPicker) {
    let inner = frame_box(
        frame,
        area,
        &format!("Size chart of {} ({})", picker.title, picker.shop),
        "type to find · ↑/↓ · Enter set · Esc cancel",
    );
    let mut find = vec![Span::raw("Find: ")];
    find.extend(input_spans(&picker.query));
    let mut lines = vec![
        Line::from(find),
        Line::raw("Templates made in Seller Center → Products → Size charts.").dark_gray(),
        Line::raw(""),
    ];
    match &picker.templates {
        None => lines.push(Line::raw("Reading the shop's size chart templates…").dark_gray()),
        Some(Err(error)) => {
            lines.push(Line::raw(format!("Could not read the templates: {error}")).red());
        }
        Some(Ok(all)) => {
            let matches = picker.matches();
            if matches.is_empty() {
                lines.push(
                    Line::raw(if all.is_empty() {
                        "The shop has no size chart template: make one in Seller Center, or set an image with :size-chart ID set PATH|URL."
                    } else {
                        "No template matches; type fewer letters."
                    })
                    .italic()
                    .dark_gray(),
                );
            }
            for (i, template) in matches.iter().enumerate() {
                let chosen = i == picker.selected;
                let line = Line::raw(format!(
                    "{}{}  (template {})",
                    if chosen { "▶ " } else { "  " },
                    template.name,
                    template.id
                ));
                lines.push(if chosen { line.cyan().bold() } else { line });
            }
            lines.push(Line::raw(""));
            lines.push(
                Line::raw(format!(
                    "{} of {}",
                    plural(matches.len() as u64, "template", "templates"),
                    all.len()
                ))
                .dark_gray(),
            );
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub fn draw_store_form(frame: &mut Frame, area: Rect, form: &StoreForm) {
    let hint = if form.editing.is_some() {
        "type · Enter keep · Esc cancel"
    } else {
        "↑/↓ · Enter edit or change · w send · Esc close"
    };
    let inner = frame_box(
        frame,
        area,
        &format!("Store of {}", or_placeholder(&form.organization)),
        hint,
    );
    let mut lines = Vec::new();
    for (i, field) in form.shown().iter().enumerate() {
        let chosen = i == form.selected;
        let label = Span::raw(format!(
            "{}{:<21}",
            if chosen { "▶ " } else { "  " },
            field.label()
        ));
        let mut spans = vec![if chosen { label.bold() } else { label }];
        match (&form.editing, chosen) {
            (Some(typed), true) if *field == StoreField::Credentials => {
                spans.extend(input_spans(&masked(typed)));
            }
            (Some(typed), true) => spans.extend(input_spans(typed)),
            _ => spans.push(value_span(form, *field)),
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    let help = match form.action {
        StoreAction::Disconnect => {
            "Its TikTok shops stop syncing until a store is connected again; orders keep their history."
        }
        StoreAction::Replace => {
            "The daemon checks the new store answers first; nothing changes if not. Its products are linked to TikTok by seller SKU."
        }
        StoreAction::Connect => {
            "The daemon checks the store answers first; nothing changes if not."
        }
    };
    lines.push(Line::raw(help).dark_gray());
    lines.push(
        Line::raw(
            "Credentials: a file of key = \"value\" lines, or typed as key=value; key=value (e.g. access_token=shpat_…). Never shown once kept.",
        )
        .dark_gray(),
    );
    lines.push(
        Line::raw(
            "Settings: only where the platform needs them, as key=value; key=value (Amazon: marketplace_id=ATVPDKIKX0DER; seller_id=<merchant token>).",
        )
        .dark_gray(),
    );
    if form.saving {
        lines.push(Line::raw("Checking the store…").cyan());
    } else if let Some(answer) = &form.answer {
        lines.push(answer_line(answer));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn or_placeholder(text: &str) -> String {
    if text.is_empty() {
        "…".into()
    } else {
        text.to_owned()
    }
}

fn value_span(form: &StoreForm, field: StoreField) -> Span<'static> {
    let text = match field {
        StoreField::Organization => form.organization.clone(),
        StoreField::Action => form.action.label().to_owned(),
        StoreField::Platform => format!("{} (Enter: next)", form.platform.label()),
        StoreField::Url => form.url.clone(),
        StoreField::Settings => form.settings.clone(),
        StoreField::CredentialFile => form.credential_file.clone(),
        StoreField::Credentials if !form.credentials.is_empty() => "•••••• (kept)".into(),
        StoreField::Credentials => String::new(),
    };
    if text.is_empty() {
        Span::raw(NONE).dark_gray()
    } else {
        Span::raw(text)
    }
}
