//! The console's parts. Each one keeps its own state, changes it only in `update`, and draws
//! from it in `draw` without doing I/O.

mod attribute_dialog;
mod columns;
mod connections;
mod dialogs;
mod failures;
mod footer;
mod form_dialogs;
mod header;
mod order_dialogs;
mod orders;
mod paging;
mod palette;
mod popup;
mod products;
mod table;

pub use attribute_dialog::draw_attributes;
pub use columns::{Column, age, fit, layout};
pub use connections::ConnectionRow;
pub use dialogs::{
    draw_authorization, draw_connection_test, draw_link_preview, draw_link_prompt, draw_picker,
    draw_report, product_detail_lines,
};
pub use failures::failure_sort;
pub use footer::Footer;
pub use form_dialogs::{draw_size_charts, draw_store_form};
pub use header::Header;
pub use order_dialogs::{
    draw_carriers, draw_confirm_retry_all, draw_order_detail, draw_order_settings,
    order_detail_lines,
};
pub use orders::order_sort;
pub use paging::{DEFAULT_SCREEN, Paging};
pub use palette::{draw_confirm_quit, draw_output, draw_palette};
pub use popup::{draw_detail, draw_help};
pub use products::product_sort;
pub use table::{Field, Sort, TablePanel, TableRow};

use crate::action::Action;
use ratatui::Frame;
use ratatui::layout::Rect;

pub trait Component {
    /// React to an action; most components care about a few.
    fn update(&mut self, _action: &Action) {}

    fn draw(&self, frame: &mut Frame, area: Rect, focused: bool);
}
