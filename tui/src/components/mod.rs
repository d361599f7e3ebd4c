//! The console's parts. Each one keeps its own state, changes it only in `update`, and draws
//! from it in `draw` without doing I/O.

mod failures;
mod footer;
mod header;
mod orders;
mod popup;
mod products;
mod table;

pub use footer::Footer;
pub use header::Header;
pub use popup::{draw_detail, draw_help};
pub use table::{TablePanel, TableRow};

use crate::action::Action;
use ratatui::Frame;
use ratatui::layout::Rect;

pub trait Component {
    /// React to an action; most components care about a few.
    fn update(&mut self, _action: &Action) {}

    fn draw(&self, frame: &mut Frame, area: Rect, focused: bool);
}
