//! The Orders panel: TikTok orders and where each stands in the sync.

use super::table::TableRow;
use crate::format::{self, NONE, or_none, utc};
use feedbridge_common::{OrderSyncState, OrderView};
use ratatui::layout::Constraint;
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Cell;

pub fn state_style(state: OrderSyncState) -> Style {
    match state {
        OrderSyncState::Shipped => Style::new().green(),
        OrderSyncState::InStore | OrderSyncState::AtAmazon | OrderSyncState::Pending => {
            Style::new().cyan()
        }
        OrderSyncState::Waiting => Style::new().dark_gray(),
        OrderSyncState::Blocked => Style::new().yellow(),
        OrderSyncState::Failed => Style::new().red().bold(),
        OrderSyncState::Cancelled => Style::new().magenta(),
    }
}

impl TableRow for OrderView {
    const HEADERS: &'static [&'static str] = &[
        "TikTok order",
        "Shop",
        "TikTok status",
        "Sync",
        "Store order",
        "Tracking",
        "Reason",
    ];
    const EMPTY: &'static str = "No orders yet. They appear here as soon as TikTok reports them.";

    fn widths() -> Vec<Constraint> {
        vec![
            Constraint::Length(20),
            Constraint::Length(10),
            Constraint::Length(20),
            Constraint::Length(9),
            // Room for "Amazon: Processing" on orders Amazon ships.
            Constraint::Length(18),
            Constraint::Length(28),
            Constraint::Fill(1),
        ]
    }

    fn key(&self) -> i64 {
        self.id
    }

    fn cells(&self) -> Vec<Cell<'static>> {
        vec![
            Cell::from(self.tiktok_order_id.clone()),
            Cell::from(self.shop.clone()),
            Cell::from(self.tiktok_status.clone()),
            Cell::from(Span::styled(
                self.sync_state.label(),
                state_style(self.sync_state),
            )),
            Cell::from(format::order_store(self)),
            Cell::from(format::order_tracking(self)),
            Cell::from(reason_cell(self)),
        ]
    }

    fn detail(&self) -> (String, Vec<Line<'static>>) {
        let mut lines = vec![
            field(
                "Shop",
                format!("{} (organization {})", self.shop, self.organization),
            ),
            field("TikTok status", self.tiktok_status.clone()),
            Line::from(vec![
                Span::raw("Sync: ").bold(),
                Span::styled(self.sync_state.label(), state_style(self.sync_state)),
            ]),
        ];
        if let Some(reason) = &self.reason {
            lines.push(field("Reason", reason.clone()));
        }
        match &self.fulfilment {
            Some(mcf) => {
                lines.push(field(
                    "Amazon MCF",
                    format!(
                        "{} — {}",
                        mcf.fulfilment_order_id,
                        format::amazon_status(mcf)
                    ),
                ));
                if let Some(error) = &mcf.last_error {
                    lines.push(field("Amazon problem", error.clone()));
                }
            }
            None => lines.push(field("Store order", format::store_order_long(self))),
        }
        lines.push(field(
            "Total",
            self.total
                .as_ref()
                .map_or_else(|| NONE.to_string(), ToString::to_string),
        ));
        lines.push(field("Created", utc(self.created_at)));
        lines.push(field("Updated", utc(self.updated_at)));
        lines.push(Line::raw(""));
        lines.push(Line::from("Lines").bold());
        if self.lines.is_empty() {
            lines.push(Line::raw(format!("  {NONE}")));
        }
        for line in &self.lines {
            lines.push(Line::raw(format!(
                "  {} × {} at {}",
                line.seller_sku, line.quantity, line.unit_price
            )));
        }
        lines.push(Line::raw(""));
        lines.push(Line::from("Tracking").bold());
        let amazon = self
            .fulfilment
            .as_ref()
            .map(format::amazon_packages)
            .unwrap_or_default();
        if self.tracking.is_empty() && amazon.is_empty() {
            lines.push(Line::raw("  none yet"));
        }
        for package in amazon {
            lines.push(Line::raw(format!("  Amazon {package}")));
        }
        for tracking in &self.tracking {
            let pushed = tracking.tiktok_package_id.as_ref().map_or_else(
                || "not pushed to TikTok yet".to_string(),
                |package| format!("pushed to TikTok package {package}"),
            );
            lines.push(Line::raw(format!(
                "  {} {} — {pushed}",
                tracking.carrier, tracking.number
            )));
        }
        (format!("TikTok order {}", self.tiktok_order_id), lines)
    }
}

/// Why the order waits, is blocked or failed, in the state's colour; other states' reasons
/// (if the daemon gives any) plainly.
fn reason_cell(order: &OrderView) -> Span<'static> {
    let text = or_none(order.reason.as_deref());
    match order.sync_state {
        OrderSyncState::Blocked | OrderSyncState::Failed | OrderSyncState::Waiting => {
            Span::styled(text, state_style(order.sync_state))
        }
        _ => Span::raw(text),
    }
}

pub(super) fn field(name: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::raw(format!("{name}: ")).bold(),
        Span::raw(value),
    ])
}
