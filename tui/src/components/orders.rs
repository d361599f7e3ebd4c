//! The Orders panel: TikTok orders and where each stands in the sync.

use super::columns::Column;
use super::table::{Field, Sort, TableRow};
use crate::format::{self, NONE, or_none, utc};
use feedbridge_common::{Direction, OrderSort, OrderSyncState, OrderView};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};

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

/// What the daemon sorts each column by; None: it cannot (`s` passes over the column).
fn column_sort(column: usize) -> Option<OrderSort> {
    match column {
        0 => Some(OrderSort::TikTokOrderId),
        1 => Some(OrderSort::Created),
        2 => Some(OrderSort::SyncState),
        4 => Some(OrderSort::StoreOrder),
        _ => None,
    }
}

/// The daemon's sort for the Orders panel's `sort`.
pub fn order_sort(sort: Sort) -> (OrderSort, Direction) {
    sort.daemon(OrderSort::Updated, column_sort)
}

impl TableRow for OrderView {
    const EMPTY: &'static str = "No orders yet. They appear here as soon as TikTok reports them.";

    fn columns() -> &'static [Column] {
        const COLUMNS: &[Column] = &[
            Column::id("TikTok order", 0),
            Column::fixed("Age", 1, 0),
            Column::fixed("Sync", 1, 0),
            Column::grow("Reason", 2, 12),
            // Room for "Amazon: Processing" on orders Amazon ships.
            Column::fixed("Store order", 3, 18),
            Column::fixed("Shop", 4, 14),
            Column::fixed("TikTok status", 5, 20),
            Column::fixed("Tracking", 6, 28),
        ];
        COLUMNS
    }

    fn key(&self) -> i64 {
        self.id
    }

    fn id(&self) -> String {
        self.tiktok_order_id.clone()
    }

    fn sortable(column: usize) -> bool {
        column_sort(column).is_some()
    }

    fn fields(&self, now: Option<i64>) -> Vec<Field> {
        vec![
            Field::new(self.tiktok_order_id.clone()),
            Field::age(self.created_at, now),
            Field::styled(self.sync_state.label(), state_style(self.sync_state)),
            reason_field(self),
            Field::new(format::order_store(self)),
            Field::new(self.shop.clone()),
            Field::new(self.tiktok_status.clone()),
            Field::new(format::order_tracking(self)),
        ]
    }

    /// The fields plus the seller SKUs of its lines.
    fn search_text(&self) -> String {
        let mut text: Vec<String> = self.fields(None).into_iter().map(|f| f.text).collect();
        text.extend(self.lines.iter().map(|line| line.seller_sku.clone()));
        text.join(" ")
    }

    fn detail(&self) -> (String, Vec<Line<'static>>) {
        let mut lines = vec![
            field(
                "Order",
                format!("{} (feedbridge order {})", self.tiktok_order_id, self.id),
            ),
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
fn reason_field(order: &OrderView) -> Field {
    let text = or_none(order.reason.as_deref());
    match order.sync_state {
        OrderSyncState::Blocked | OrderSyncState::Failed | OrderSyncState::Waiting => {
            Field::styled(text, state_style(order.sync_state))
        }
        _ => Field::new(text),
    }
}

pub(super) fn field(name: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::raw(format!("{name}: ")).bold(),
        Span::raw(value),
    ])
}
