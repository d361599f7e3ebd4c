//! Popups for order work: the order detail with its timeline, the order search box, the
//! retry-all question, the carrier mapping editor and the order settings form. They draw
//! state only.

use super::orders::{field, state_style};
use super::popup::popup_area;
use crate::editors::{
    CarrierEditor, CarrierMode, CarrierRow, Field, OrderDetailView, OrderSettingsForm,
};
use crate::format::{self, NONE, plural, utc};
use feedbridge_common::FailureKind;
use feedbridge_common::orders::OrderDetail;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph, Wrap};

/// A bordered box over most of the screen, cleared; returns its inner area.
pub(super) fn frame_box(frame: &mut Frame, area: Rect, title: &str, hint: &str) -> Rect {
    let width = area.width.saturating_mul(4) / 5;
    let height = area.height.saturating_mul(4) / 5;
    let popup = popup_area(area, width.max(40), height.max(10));
    small_box(frame, popup, title, hint)
}

pub(super) fn small_box(frame: &mut Frame, popup: Rect, title: &str, hint: &str) -> Rect {
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(format!(" {title} "))
        .title_bottom(Line::from(format!(" {hint} ")).right_aligned())
        .border_style(Style::new().cyan());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    inner
}

pub(super) fn input_spans(input: &str) -> Vec<Span<'static>> {
    vec![Span::raw(input.to_string()).cyan(), Span::raw("▏").cyan()]
}

pub(super) fn answer_line(answer: &Result<String, String>) -> Line<'static> {
    match answer {
        Ok(message) => Line::raw(message.clone()).green(),
        Err(error) => Line::raw(error.clone()).red(),
    }
}

/// How many terminal rows `lines` take when wrapped at `width` (close enough for scrolling).
fn wrapped_height(lines: &[Line<'_>], width: u16) -> usize {
    let width = usize::from(width.max(1));
    lines
        .iter()
        .map(|line| line.width().div_ceil(width).max(1))
        .sum()
}

pub fn draw_order_detail(frame: &mut Frame, area: Rect, view: &OrderDetailView) {
    let order = &view.order;
    let mut lines = Vec::new();
    if view.resyncing {
        lines.push(Line::raw("Resyncing…").cyan());
    } else if let Some(answer) = &view.resync {
        lines.push(answer_line(answer));
    }
    match &view.detail {
        Some(Ok(detail)) => lines.extend(order_detail_lines(detail)),
        other => {
            let (_, row) = super::TableRow::detail(order);
            lines.extend(row);
            lines.push(Line::raw(""));
            lines.push(match other {
                Some(Err(error)) => {
                    Line::raw(format!("More detail unavailable: {error}")).dark_gray()
                }
                _ => Line::raw("Loading the full detail…").dark_gray(),
            });
        }
    }
    let width = area.width.saturating_mul(4) / 5;
    let height = area.height.saturating_mul(4) / 5;
    let popup = popup_area(area, width.max(40), height.max(10));
    let inner_height = usize::from(popup.height.saturating_sub(2));
    let total = wrapped_height(&lines, popup.width.saturating_sub(2));
    let last = total.saturating_sub(inner_height);
    let scroll = usize::from(view.scroll).min(last);
    let more = if scroll < last { "↓ more · " } else { "" };
    let inner = small_box(
        frame,
        popup,
        &format!("TikTok order {}", order.tiktok_order_id),
        &format!("{more}↑/↓ scroll · s resync · Esc close"),
    );
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        inner,
    );
}

/// The order detail popup's body from the daemon's [`OrderDetail`].
pub fn order_detail_lines(detail: &OrderDetail) -> Vec<Line<'static>> {
    let order = &detail.order;
    let mut sync = vec![
        Span::raw("Sync: ").bold(),
        Span::styled(order.sync_state.label(), state_style(order.sync_state)),
    ];
    if let Some(reason) = &order.reason {
        sync.push(Span::raw(format!(" — {reason}")));
    }
    let mut lines = vec![
        field(
            "Shop",
            format!("{} (organization {})", order.shop, order.organization),
        ),
        field("TikTok status", order.tiktok_status.clone()),
        Line::from(sync),
        field("Fulfilment", format::fulfilment(detail)),
        field("Store order", format::store_order_long(order)),
    ];
    if let Some(until) = detail.hold_until {
        lines.push(field("Held until", utc(until)));
    }
    lines.push(field(
        "Created",
        format!(
            "{} · updated {}",
            utc(order.created_at),
            utc(order.updated_at)
        ),
    ));
    if !detail.differences.is_empty() {
        lines.push(Line::raw(""));
        lines.push(
            Line::from(format!(
                "Differences from TikTok ({})",
                detail.differences.len()
            ))
            .bold()
            .yellow(),
        );
        for difference in &detail.differences {
            lines.push(Line::raw(format!("  ⚠ {difference}")).yellow());
        }
    }
    if !detail.returns.is_empty() {
        lines.push(Line::raw(""));
        lines.push(
            Line::from(format!("Returns and refunds ({})", detail.returns.len()))
                .bold()
                .magenta(),
        );
        for request in &detail.returns {
            let (head, history) = format::order_return(request);
            lines.push(Line::raw(format!("  {head}")));
            lines.push(Line::raw(format!("    {history}")).dark_gray());
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::from("Lines").bold());
    if order.lines.is_empty() {
        lines.push(Line::raw(format!("  {NONE}")));
    }
    for line in &order.lines {
        lines.push(Line::raw(format!(
            "  {} × {} at {}",
            line.seller_sku, line.quantity, line.unit_price
        )));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from("Payment").bold());
    let rows = format::payment_rows(detail);
    let label_width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0) + 1;
    let amount_width = rows.iter().map(|(_, a)| a.len()).max().unwrap_or(0);
    for (label, amount) in rows {
        let text = format!(
            "  {:<label_width$} {amount:>amount_width$}",
            format!("{label}:")
        );
        lines.push(if label == "Total" {
            Line::raw(text).bold()
        } else {
            Line::raw(text)
        });
    }
    lines.push(Line::raw(""));
    lines.push(Line::from("Packages").bold());
    if detail.packages.is_empty() {
        lines.push(Line::raw("  none yet"));
    }
    for package in &detail.packages {
        let contents: Vec<String> = package
            .lines
            .iter()
            .map(|(sku, quantity)| format!("{sku} × {quantity}"))
            .collect();
        lines.push(Line::raw(format!(
            "  {} · {} {} · {} · {}",
            package.tiktok_package_id,
            package.carrier,
            package.tracking_number,
            package.direction,
            contents.join(", ")
        )));
    }
    lines.push(Line::raw(""));
    lines.push(
        Line::from(format!(
            "Timeline ({}, oldest first)",
            detail.timeline.len()
        ))
        .bold(),
    );
    if detail.timeline.is_empty() {
        lines.push(Line::raw(format!("  {NONE}")));
    }
    for event in &detail.timeline {
        lines.push(Line::from(vec![
            Span::raw(format!("  {}  ", utc(event.at))).dark_gray(),
            Span::raw(event.message.clone()),
        ]));
    }
    lines
}

pub fn draw_confirm_retry_all(
    frame: &mut Frame,
    area: Rect,
    kind: FailureKind,
    organization: &str,
    count: usize,
) {
    let popup = popup_area(area, 72, 7);
    let inner = small_box(frame, popup, "Retry all", "y yes · n or Esc no");
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::raw("Retry every open "),
                Span::raw(format!("“{}”", kind.label())).bold(),
                Span::raw(format!(" failure of {organization}?")),
            ]),
            Line::raw(format!(
                "{} listed here; the daemon queues every open one of this kind.",
                plural(count as u64, "failure is", "failures are")
            ))
            .dark_gray(),
            Line::raw(""),
            Line::from(vec![
                Span::raw("y").bold().cyan(),
                Span::raw(" retry them   "),
                Span::raw("n").bold().cyan(),
                Span::raw(" leave them"),
            ]),
        ])
        .wrap(Wrap { trim: false }),
        inner,
    );
}

pub fn draw_carriers(frame: &mut Frame, area: Rect, editor: &CarrierEditor) {
    let hint = match editor.mode {
        CarrierMode::Browse => "a add · Enter edit · d delete · Esc close",
        CarrierMode::Naming { .. } => "type the name · Enter next · Esc back",
        CarrierMode::Choosing { .. } => "type to filter · ↑/↓ · Enter map · Esc back",
    };
    let inner = frame_box(
        frame,
        area,
        &format!("Carrier mappings of {}", editor.shop),
        hint,
    );
    let choices = match &editor.choices {
        None => {
            frame.render_widget(
                Paragraph::new(
                    Line::raw("Asking TikTok for the shop's shipping providers… (up to a minute)")
                        .dark_gray(),
                ),
                inner,
            );
            return;
        }
        Some(Err(error)) => {
            frame.render_widget(
                Paragraph::new(
                    Line::raw(format!("Could not read the carrier mappings: {error}")).red(),
                )
                .wrap(Wrap { trim: false }),
                inner,
            );
            return;
        }
        Some(Ok(choices)) => choices,
    };

    let mut notes = vec![match &choices.region_default {
        Some(default) => Line::from(vec![
            Span::raw("Region default: ").bold(),
            Span::raw(default.clone()),
            Span::raw(
                " — a carrier with no mapping and no provider of the same name falls back to it, \
                 with a warning.",
            )
            .dark_gray(),
        ]),
        None => Line::from(vec![
            Span::raw("Region default: ").bold(),
            Span::raw("none").dark_gray(),
            Span::raw(" — map every carrier the store uses.").dark_gray(),
        ]),
    }];
    if editor.saving {
        notes.push(Line::raw("Saving…").cyan());
    } else if let Some(answer) = &editor.answer {
        notes.push(answer_line(answer));
    }
    let [list_area, notes_area, input_area] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(3),
        Constraint::Length(match editor.mode {
            CarrierMode::Browse => 0,
            _ => 2,
        }),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(notes).wrap(Wrap { trim: false }), notes_area);

    match &editor.mode {
        CarrierMode::Choosing {
            store_carrier,
            query,
            selected,
        } => {
            let providers = editor.providers_matching(query);
            let [title, list] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(list_area);
            frame.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::raw("TikTok provider for ").bold(),
                    Span::raw(format!("“{store_carrier}”")).bold().cyan(),
                    Span::raw(format!(
                        " ({} of {})",
                        providers.len(),
                        choices.providers.len()
                    ))
                    .dark_gray(),
                ])),
                title,
            );
            if providers.is_empty() {
                frame.render_widget(
                    Paragraph::new(
                        Line::raw("No provider matches; type fewer letters.")
                            .italic()
                            .dark_gray(),
                    ),
                    list,
                );
            } else {
                let items = providers.iter().map(|p| ListItem::new(p.to_string()));
                let mut state = ListState::default().with_selected(Some(*selected));
                frame.render_stateful_widget(
                    List::new(items)
                        .highlight_style(Style::new().reversed())
                        .highlight_symbol("▶ "),
                    list,
                    &mut state,
                );
            }
            let mut filter = vec![Span::raw("Filter: ").bold()];
            filter.extend(input_spans(query));
            frame.render_widget(Paragraph::new(Line::from(filter)), input_area);
        }
        mode => {
            let rows = editor.rows();
            let [title, list] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(list_area);
            frame.render_widget(
                Paragraph::new(Line::from("Store carrier → TikTok provider").bold()),
                title,
            );
            if rows.is_empty() {
                frame.render_widget(
                    Paragraph::new(
                        Line::raw("No mappings: carriers go by name. Press a to add one.")
                            .italic()
                            .dark_gray(),
                    ),
                    list,
                );
            } else {
                let width = rows
                    .iter()
                    .map(|r| r.store_carrier().chars().count())
                    .max()
                    .unwrap_or(0);
                let items = rows.iter().map(|row| {
                    let name = format!("{:<width$}", row.store_carrier());
                    ListItem::new(match row {
                        CarrierRow::Mapped(mapping) => Line::from(vec![
                            Span::raw(name),
                            Span::raw(" → ").dark_gray(),
                            Span::raw(mapping.tiktok_provider.clone()),
                        ]),
                        CarrierRow::Unmapped(_) => Line::from(vec![
                            Span::raw(name).yellow().bold(),
                            Span::raw("   unmapped: seen on store fulfilments; Enter maps it")
                                .yellow(),
                        ]),
                    })
                });
                let mut state = ListState::default().with_selected(Some(editor.selected));
                frame.render_stateful_widget(
                    List::new(items)
                        .highlight_style(Style::new().reversed())
                        .highlight_symbol("▶ "),
                    list,
                    &mut state,
                );
            }
            if let CarrierMode::Naming { input } = mode {
                let mut name = vec![Span::raw("New mapping, store carrier: ").bold()];
                name.extend(input_spans(input));
                frame.render_widget(
                    Paragraph::new(vec![
                        Line::from(name),
                        Line::raw("As the store writes it on a fulfilment; case does not matter.")
                            .dark_gray(),
                    ]),
                    input_area,
                );
            }
        }
    }
}

pub fn draw_order_settings(frame: &mut Frame, area: Rect, form: &OrderSettingsForm) {
    let hint = if form.editing.is_some() {
        "type · Enter keep · Esc drop"
    } else {
        "↑/↓ · Enter edit or switch · w save · Esc close"
    };
    let inner = frame_box(
        frame,
        area,
        &format!("Order settings of {}", form.shop),
        hint,
    );
    match &form.loaded {
        None => {
            frame.render_widget(
                Paragraph::new(Line::raw("Reading the order settings…").dark_gray()),
                inner,
            );
            return;
        }
        Some(Err(error)) => {
            frame.render_widget(
                Paragraph::new(
                    Line::raw(format!("Could not read the order settings: {error}")).red(),
                )
                .wrap(Wrap { trim: false }),
                inner,
            );
            return;
        }
        Some(Ok(_)) => {}
    }
    let label_width = Field::ALL
        .iter()
        .map(|f| f.label().len())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<Line<'static>> = Field::ALL
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let chosen = i == form.selected;
            let marker = if chosen { "▶ " } else { "  " };
            let label = Span::raw(format!("{marker}{:<label_width$}  ", field.label()));
            let label = if chosen { label.bold() } else { label };
            let mut spans = vec![label];
            match (&form.editing, chosen) {
                (Some(input), true) => spans.extend(input_spans(input)),
                _ => spans.push(Span::raw(field.value(&form.draft, &form.mcf_draft))),
            }
            Line::from(spans)
        })
        .collect();
    lines.push(Line::raw(""));
    let field = form.field();
    lines.push(Line::raw(format!("{}: {}", field.key(), field.help())).dark_gray());
    if let Some(error) = &form.error {
        lines.push(Line::raw(error.clone()).red());
    }
    lines.push(Line::raw("Carrier mappings are edited apart: c on the shop's row.").dark_gray());
    lines.push(Line::raw(""));
    if form.saving {
        lines.push(Line::raw("Saving…").cyan());
    } else if let Some(answer) = &form.answer {
        lines.push(answer_line(answer));
    } else if form.is_dirty() {
        lines.push(Line::raw("Unsaved changes: w saves them, Esc drops them.").yellow());
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
