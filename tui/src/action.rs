//! What can happen in the console: user intents decoded from keys, and updates arriving from
//! the daemon. The main loop turns keys into actions and feeds every action to the app.

use feedbridge_common::{FailureView, OrderView, ProductView, StatusReport};

/// The three panels, in tab order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Panel {
    #[default]
    Orders,
    Products,
    Failures,
}

impl Panel {
    pub const ALL: [Panel; 3] = [Panel::Orders, Panel::Products, Panel::Failures];

    pub fn title(self) -> &'static str {
        match self {
            Self::Orders => "Orders",
            Self::Products => "Products",
            Self::Failures => "Failures",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Self::Orders => 0,
            Self::Products => 1,
            Self::Failures => 2,
        }
    }

    pub fn next(self) -> Self {
        Self::ALL[(self.index() + 1) % Self::ALL.len()]
    }

    pub fn prev(self) -> Self {
        Self::ALL[(self.index() + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}

/// Everything the console shows, fetched together after each daemon event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub status: StatusReport,
    pub orders: Vec<OrderView>,
    pub products: Vec<ProductView>,
    pub failures: Vec<FailureView>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    NextPanel,
    PrevPanel,
    ShowPanel(Panel),
    Up,
    Down,
    OpenDetail,
    ToggleHelp,
    ClosePopup,
    /// Ask the daemon to retry this failure; the main loop performs the call.
    Retry(i64),
    /// Fresh data from the daemon.
    Refreshed(Box<Snapshot>),
    /// The connection to the daemon is gone; the live task is reconnecting.
    Disconnected(String),
    /// A one-line message for the status line (retry results, demo progress).
    Notice(String),
}
