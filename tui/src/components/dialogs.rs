//! Popups for catalog work: the category picker, prompts, connection tests, authorization,
//! the link-by-SKU preview, reports, and the daemon's product detail. They draw state only.

use super::orders::field;
use super::popup::popup_area;
use super::products::status_style;
use crate::app::Picker;
use crate::format::{NONE, description_preview, or_none, plural};
use feedbridge_common::catalog::{AuthorizationStart, ConnectionTest, LinkPreview, ProductDetail};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph, Wrap};

/// A bordered, wrapped box over most of the screen.
fn draw_box(frame: &mut Frame, area: Rect, title: &str, hint: &str, lines: Vec<Line<'static>>) {
    let width = area.width.saturating_mul(4) / 5;
    let height = area.height.saturating_mul(4) / 5;
    let popup = popup_area(area, width.max(40), height.max(10));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(format!(" {title} "))
                .title_bottom(Line::from(format!(" {hint} ")).right_aligned())
                .border_style(Style::new().cyan()),
        ),
        popup,
    );
}

/// The input line of a prompt, with a cursor mark.
fn input_line(label: &str, input: &str) -> Line<'static> {
    Line::from(vec![
        Span::raw(format!("{label}: ")).bold(),
        Span::raw(input.to_string()).cyan(),
        Span::raw("▏").cyan(),
    ])
}

fn error_line(error: &str) -> Line<'static> {
    Line::raw(error.to_string()).red()
}

fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

pub fn draw_picker(frame: &mut Frame, area: Rect, picker: &Picker) {
    let width = area.width.saturating_mul(4) / 5;
    let height = area.height.saturating_mul(4) / 5;
    let popup = popup_area(area, width.max(40), height.max(10));
    frame.render_widget(Clear, popup);
    let status = if picker.is_searching() {
        "searching…".to_string()
    } else {
        plural(picker.choices().len() as u64, "match", "matches")
    };
    let block = Block::bordered()
        .title(format!(
            " Category on {} for {} · {status} ",
            picker.shop,
            plural(picker.listing_ids.len() as u64, "listing", "listings")
        ))
        .title_bottom(Line::from(" type to search · ↑/↓ · Enter map · Esc cancel ").right_aligned())
        .border_style(Style::new().cyan());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [search, results] =
        Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(inner);
    frame.render_widget(
        Paragraph::new(vec![
            input_line("Search", &picker.query),
            Line::raw("Only leaf categories can be chosen.").dark_gray(),
        ]),
        search,
    );
    if let Some(error) = &picker.error {
        frame.render_widget(
            Paragraph::new(error_line(error)).wrap(Wrap { trim: false }),
            results,
        );
        return;
    }
    let choices = picker.choices();
    if choices.is_empty() {
        let text = if picker.is_searching() {
            "Searching…"
        } else {
            "No leaf category matches; try fewer letters."
        };
        frame.render_widget(
            Paragraph::new(Line::raw(text).italic().dark_gray()),
            results,
        );
        return;
    }
    let recommended = picker.recommended.as_ref().map(|r| r.id.as_str());
    let items = choices.iter().enumerate().map(|(i, category)| {
        let mut spans = Vec::new();
        if i == 0 && recommended == Some(category.id.as_str()) && picker.query.trim().is_empty() {
            spans.push(Span::raw("★ TikTok recommends: ").green());
        }
        spans.push(Span::raw(category.name.clone()));
        spans.push(Span::raw(format!("  ({})", category.id)).dark_gray());
        ListItem::new(Line::from(spans))
    });
    let list = List::new(items)
        .highlight_style(Style::new().reversed())
        .highlight_symbol("▶ ");
    let mut state = ListState::default().with_selected(Some(picker.selected));
    frame.render_stateful_widget(list, results, &mut state);
}

pub fn draw_link_prompt(frame: &mut Frame, area: Rect, title: &str, input: &str) {
    let lines = vec![
        Line::raw(format!(
            "Link {title} to a product that already exists on TikTok. Its SKUs are matched by \
             seller SKU; price and stock then follow the store."
        )),
        Line::raw(""),
        input_line("TikTok product id", input),
    ];
    draw_box(
        frame,
        area,
        "Link by hand",
        "Enter link · Esc cancel",
        lines,
    );
}

pub fn draw_connection_test(
    frame: &mut Frame,
    area: Rect,
    name: &str,
    result: Option<&Result<ConnectionTest, String>>,
) {
    let lines = match result {
        None => vec![Line::raw("Running the checks… (this can take up to a minute)").dark_gray()],
        Some(Err(error)) => vec![error_line(&format!("Could not run the test: {error}"))],
        Some(Ok(test)) => {
            let mut lines: Vec<Line<'static>> = test
                .checks
                .iter()
                .map(|check| {
                    let mark = if check.ok {
                        Span::raw("✓ ").green().bold()
                    } else {
                        Span::raw("✗ ").red().bold()
                    };
                    Line::from(vec![
                        mark,
                        Span::raw(format!("{}: ", check.what)).bold(),
                        Span::raw(check.detail.clone()),
                    ])
                })
                .collect();
            lines.push(Line::raw(""));
            lines.push(if test.ok {
                Line::raw("Every check passed.").green()
            } else {
                Line::raw("Some checks failed: fix what they say, then press t again.").red()
            });
            lines
        }
    };
    draw_box(
        frame,
        area,
        &format!("Test connection {name}"),
        "Enter or Esc to close",
        lines,
    );
}

pub fn draw_authorization(
    frame: &mut Frame,
    area: Rect,
    shop: &str,
    start: Option<&Result<AuthorizationStart, String>>,
    input: &str,
) {
    let mut lines = Vec::new();
    match start {
        None => {
            lines.push(Line::raw("Asking the daemon for the authorization address…").dark_gray())
        }
        Some(Err(error)) => lines.push(error_line(&format!("Could not start: {error}"))),
        Some(Ok(start)) => {
            lines.push(Line::from("Open this address as the shop's owner:").bold());
            lines.push(Line::raw(start.url.clone()).cyan());
            lines.push(Line::raw(""));
            lines.extend(start.instructions.lines().map(|l| Line::raw(l.to_string())));
            lines.push(Line::raw(""));
            lines.push(input_line("Code (or the whole address)", input));
        }
    }
    draw_box(
        frame,
        area,
        &format!("Authorize {shop}"),
        "paste · Enter authorize · Esc cancel",
        lines,
    );
}

pub fn draw_link_preview(
    frame: &mut Frame,
    area: Rect,
    shop: &str,
    preview: Option<&Result<LinkPreview, String>>,
    applying: bool,
) {
    let mut hint = "Esc close";
    let mut lines = Vec::new();
    match preview {
        None => lines.push(
            Line::raw("Reading the shop's TikTok catalog… (this can take up to a minute)")
                .dark_gray(),
        ),
        Some(Err(error)) => lines.push(error_line(&format!("Could not preview: {error}"))),
        Some(Ok(preview)) => {
            lines.push(
                Line::from(format!(
                    "Matches ({}) — linking links these",
                    preview.matches.len()
                ))
                .bold()
                .green(),
            );
            if preview.matches.is_empty() {
                lines.push(Line::raw(format!("  {NONE}")));
            }
            for m in &preview.matches {
                let skus: Vec<String> = m
                    .skus
                    .iter()
                    .map(|(seller, tiktok)| format!("{seller}→{tiktok}"))
                    .collect();
                lines.push(Line::raw(format!(
                    "  {} (#{}) ↔ {} ({}): {}",
                    m.title,
                    m.listing_id,
                    m.tiktok_title,
                    m.tiktok_product_id,
                    skus.join(", ")
                )));
            }
            lines.push(Line::raw(""));
            lines.push(
                Line::from(format!(
                    "Misses ({}) — on TikTok, not in the store; left alone",
                    preview.misses.len()
                ))
                .bold()
                .yellow(),
            );
            if preview.misses.is_empty() {
                lines.push(Line::raw(format!("  {NONE}")));
            }
            for miss in &preview.misses {
                lines.push(Line::raw(format!(
                    "  {} ({}): {}",
                    miss.tiktok_title,
                    miss.tiktok_product_id,
                    miss.seller_skus.join(", ")
                )));
            }
            lines.push(Line::raw(""));
            lines.push(
                Line::from(format!(
                    "Conflicts ({}) — link these by hand (k on Products)",
                    preview.conflicts.len()
                ))
                .bold()
                .red(),
            );
            if preview.conflicts.is_empty() {
                lines.push(Line::raw(format!("  {NONE}")));
            }
            for conflict in &preview.conflicts {
                lines.push(Line::raw(format!(
                    "  {}: {} ({})",
                    conflict.seller_sku,
                    conflict.reason,
                    conflict.candidates.join(", ")
                )));
            }
            lines.push(Line::raw(""));
            if applying {
                lines.push(Line::raw("Linking…").cyan());
            } else if preview.matches.is_empty() {
                lines.push(Line::raw(
                    "Nothing changes: there is nothing to link automatically.",
                ));
            } else {
                lines.push(
                    Line::raw(format!(
                        "Press y or Enter to link {}; Esc changes nothing.",
                        plural(preview.matches.len() as u64, "match", "matches")
                    ))
                    .cyan()
                    .bold(),
                );
                hint = "y/Enter link · Esc cancel";
            }
        }
    }
    draw_box(
        frame,
        area,
        &format!("Link by seller SKU on {shop}"),
        hint,
        lines,
    );
}

pub fn draw_report(frame: &mut Frame, area: Rect, title: &str, lines: &[String]) {
    let lines = lines.iter().map(|l| Line::raw(l.clone())).collect();
    draw_box(frame, area, title, "Enter or Esc to close", lines);
}

/// The product detail popup's body from the daemon's [`ProductDetail`].
pub fn product_detail_lines(detail: &ProductDetail) -> Vec<Line<'static>> {
    let product = &detail.product;
    let mut lines = vec![
        field(
            "Listing",
            format!(
                "#{} on {} (organization {})",
                product.id, product.shop, product.organization
            ),
        ),
        Line::from(vec![
            Span::raw("Status: ").bold(),
            Span::styled(product.status.label(), status_style(product.status)),
        ]),
    ];
    if let Some(reason) = &product.status_reason {
        lines.push(field("Why", reason.clone()));
    }
    for reason in &product.review_reasons {
        lines.push(field("TikTok review", reason.clone()));
    }
    lines.push(field(
        "Category",
        product.category.as_ref().map_or_else(
            || "not chosen (press m)".to_string(),
            |c| format!("{} ({})", c.name, c.id),
        ),
    ));
    if !detail.missing_attributes.is_empty() {
        lines.push(Line::from(vec![
            Span::raw("Missing attributes: ").bold(),
            Span::raw(detail.missing_attributes.join(", ")).red(),
        ]));
    }
    // The CLI's compliance lines; what TikTok will refuse without is red.
    for text in crate::compliance_cli::format_view(&detail.compliance).lines() {
        let (name, value) = text.split_once(':').unwrap_or((text, ""));
        let value = Span::raw(value.trim().to_string());
        lines.push(Line::from(vec![
            Span::raw(format!("{}: ", capitalized(name))).bold(),
            if name == "needs" { value.red() } else { value },
        ]));
    }
    let tiktok = or_none(product.tiktok_product_id.as_deref());
    lines.push(field(
        "TikTok product",
        if detail.linked {
            format!("{tiktok} (linked to an existing product)")
        } else {
            tiktok
        },
    ));
    let package = &detail.package;
    lines.push(field("Package", package.summary()));
    lines.push(field(
        "SKUs to list",
        if detail.selected_skus.is_empty() {
            "all with a seller SKU".to_string()
        } else {
            detail.selected_skus.join(", ")
        },
    ));
    lines.push(Line::raw(""));
    lines.push(Line::from("SKUs").bold());
    if product.skus.is_empty() {
        lines.push(Line::raw(format!("  {NONE}")));
    }
    for sku in &product.skus {
        let chosen =
            detail.selected_skus.is_empty() || detail.selected_skus.contains(&sku.seller_sku);
        let mark = if chosen { "•" } else { "◦" };
        let synced_price = sku
            .synced_price
            .as_ref()
            .map_or_else(|| NONE.to_string(), ToString::to_string);
        let synced_stock = sku
            .synced_stock
            .map_or_else(|| NONE.to_string(), |n| n.to_string());
        lines.push(Line::raw(format!(
            "  {mark} {}  TikTok SKU {} · store {} / {} in stock · last synced {synced_price} / {synced_stock}",
            sku.seller_sku,
            or_none(sku.tiktok_sku_id.as_deref()),
            sku.price,
            sku.store_stock
        )));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from("Description as TikTok shows it").bold());
    let description = description_preview(&detail.description);
    if description.is_empty() {
        lines.push(Line::raw(format!("  {NONE}")));
    }
    lines.extend(
        description
            .into_iter()
            .map(|l| Line::raw(format!("  {l}")).dark_gray()),
    );
    lines
}
