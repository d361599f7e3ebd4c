//! The Products panel: each store product on each TikTok shop.

use super::columns::Column;
use super::orders::field;
use super::table::{Field, Sort, TableRow};
use crate::format::{self, NONE, or_none, utc};
use feedbridge_common::{Direction, ListingStatus, ProductSort, ProductView};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};

pub fn status_style(status: ListingStatus) -> Style {
    match status {
        ListingStatus::Active => Style::new().green(),
        ListingStatus::UnderReview => Style::new().yellow(),
        ListingStatus::FailedReview | ListingStatus::FailedToSync => Style::new().red().bold(),
        ListingStatus::NotSynced => Style::new().dark_gray(),
        ListingStatus::Unlisted => Style::new().magenta(),
    }
}

/// What the daemon sorts each column by; None: it cannot (`s` passes over the column).
fn column_sort(column: usize) -> Option<ProductSort> {
    match column {
        0 => Some(ProductSort::ListingId),
        1 => Some(ProductSort::Title),
        2 => Some(ProductSort::Status),
        4 => Some(ProductSort::Updated),
        _ => None,
    }
}

/// The daemon's sort for the Products panel's `sort`.
pub fn product_sort(sort: Sort) -> (ProductSort, Direction) {
    sort.daemon(ProductSort::Updated, column_sort)
}

impl TableRow for ProductView {
    const EMPTY: &'static str =
        "No products yet. They appear here once the store's catalog has been read.";

    fn columns() -> &'static [Column] {
        const COLUMNS: &[Column] = &[
            Column::id("Listing", 0),
            Column::grow("Title", 0, 14),
            Column::fixed("Status", 1, 0),
            Column::grow("Reasons", 2, 12),
            Column::fixed("Age", 2, 0),
            Column::fixed("Category", 4, 18),
            Column::fixed("Shop", 5, 14),
            Column::id("TikTok product", 6),
        ];
        COLUMNS
    }

    fn key(&self) -> i64 {
        self.id
    }

    fn id(&self) -> String {
        self.id.to_string()
    }

    fn sortable(column: usize) -> bool {
        column_sort(column).is_some()
    }

    fn fields(&self, now: Option<i64>) -> Vec<Field> {
        vec![
            Field::number(self.id),
            Field::new(self.title.clone()),
            Field::styled(self.status.label(), status_style(self.status)),
            Field::new(format::product_reasons(self)),
            Field::age(self.updated_at, now),
            Field::new(format::product_category(self)),
            Field::new(self.shop.clone()),
            Field::new(or_none(self.tiktok_product_id.as_deref())),
        ]
    }

    fn detail(&self) -> (String, Vec<Line<'static>>) {
        let mut lines = vec![
            field(
                "Listing",
                format!(
                    "#{} on {} (organization {})",
                    self.id, self.shop, self.organization
                ),
            ),
            Line::from(vec![
                Span::raw("Status: ").bold(),
                Span::styled(self.status.label(), status_style(self.status)),
            ]),
        ];
        if let Some(reason) = &self.status_reason {
            lines.push(field("Why", reason.clone()));
        }
        for reason in &self.review_reasons {
            lines.push(field("Review", reason.clone()));
        }
        lines.push(field(
            "Category",
            self.category.as_ref().map_or_else(
                || "not chosen (feedbridge map LISTING CATEGORY)".to_string(),
                |c| format!("{} ({})", c.name, c.id),
            ),
        ));
        lines.push(field(
            "TikTok product",
            or_none(self.tiktok_product_id.as_deref()),
        ));
        lines.push(field("Store product", self.store_product_id.clone()));
        lines.push(field("Updated", utc(self.updated_at)));
        lines.push(Line::raw(""));
        lines.push(Line::from("SKUs").bold());
        if self.skus.is_empty() {
            lines.push(Line::raw(format!("  {NONE}")));
        }
        for sku in &self.skus {
            lines.push(Line::raw(format!(
                "  {}  TikTok SKU {}",
                sku.seller_sku,
                or_none(sku.tiktok_sku_id.as_deref())
            )));
            let synced_price = sku
                .synced_price
                .as_ref()
                .map_or_else(|| NONE.to_string(), ToString::to_string);
            let synced_stock = sku
                .synced_stock
                .map_or_else(|| NONE.to_string(), |n| n.to_string());
            lines.push(Line::raw(format!(
                "    price {}, store stock {} · on TikTok: price {synced_price}, stock {synced_stock}",
                sku.price, sku.store_stock
            )));
        }
        (self.title.clone(), lines)
    }
}
