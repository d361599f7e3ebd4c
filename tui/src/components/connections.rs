//! The Connections panel: each organization's store and TikTok shops, with the shop's
//! settings (`e` changes one through the `:settings SHOP set` palette command).

use super::columns::Column;
use super::orders::field;
use super::table::{Field, TableRow};
use crate::format::{self, connection_state, or_none};
use feedbridge_common::catalog::ShopSettings;
use feedbridge_common::orders::OrderSettings;
use feedbridge_common::{ConnectionState, ConnectionView, StatusReport};
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};

/// One connection as the panel shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionRow {
    /// Position in the daemon's list, stable across refreshes of the same config.
    pub position: i64,
    pub organization: String,
    pub view: ConnectionView,
    /// True for a TikTok shop, false for the organization's store.
    pub is_shop: bool,
    /// What happens to the organization's paid TikTok orders.
    pub orders: String,
    /// The shop's settings, or why they could not be read (shops only).
    pub settings: Option<Result<ShopSettings, String>>,
    /// The shop's order rules, or why they could not be read (shops only).
    pub order_settings: Option<Result<OrderSettings, String>>,
}

impl ConnectionRow {
    /// Every connection in `status`, stores first within each organization.
    pub fn all(
        status: &StatusReport,
        settings: &[(String, Result<ShopSettings, String>)],
        order_settings: &[(String, Result<OrderSettings, String>)],
    ) -> Vec<Self> {
        let mut rows = Vec::new();
        for org in &status.organizations {
            let connections = std::iter::once((&org.store, false))
                .chain(org.shops.iter().map(|s| (s, true)))
                .chain(org.fulfilment.iter().map(|f| (f, false)));
            for (view, is_shop) in connections {
                let settings = is_shop
                    .then(|| {
                        settings
                            .iter()
                            .find(|(shop, _)| *shop == view.name)
                            .map(|(_, s)| s.clone())
                    })
                    .flatten();
                let order_settings = is_shop
                    .then(|| {
                        order_settings
                            .iter()
                            .find(|(shop, _)| *shop == view.name)
                            .map(|(_, s)| s.clone())
                    })
                    .flatten();
                rows.push(Self {
                    position: i64::try_from(rows.len()).unwrap_or(i64::MAX),
                    organization: org.name.clone(),
                    view: view.clone(),
                    is_shop,
                    orders: org.orders().to_owned(),
                    settings,
                    order_settings,
                });
            }
        }
        rows
    }
}

pub fn state_style(state: ConnectionState) -> Style {
    match state {
        ConnectionState::Connected => Style::new().green(),
        ConnectionState::NeedsReauthorization | ConnectionState::Error => Style::new().red().bold(),
        ConnectionState::Unknown => Style::new().dark_gray(),
    }
}

impl TableRow for ConnectionRow {
    const EMPTY: &'static str = "No connections configured.";

    fn columns() -> &'static [Column] {
        const COLUMNS: &[Column] = &[
            Column::id("Name", 0),
            Column::fixed("Platform", 2, 0),
            Column::fixed("State", 1, 0),
            Column::grow("Detail", 3, 12),
            Column::fixed("Organization", 4, 16),
            Column::fixed("Currency", 5, 0),
            Column::fixed("Region", 5, 0),
        ];
        COLUMNS
    }

    fn key(&self) -> i64 {
        self.position
    }

    fn id(&self) -> String {
        self.view.name.clone()
    }

    fn fields(&self, _now: Option<i64>) -> Vec<Field> {
        vec![
            Field::new(self.view.name.clone()),
            Field::new(self.view.platform.clone()),
            Field::styled(
                connection_state(self.view.state),
                state_style(self.view.state),
            ),
            Field::new(or_none(self.view.detail.as_deref())),
            Field::new(self.organization.clone()),
            Field::new(or_none(self.view.currency.as_deref())),
            Field::new(or_none(self.view.region.as_deref())),
        ]
    }

    fn detail(&self) -> (String, Vec<Line<'static>>) {
        let kind = if self.is_shop { "TikTok shop" } else { "store" };
        let mut lines = vec![
            field(
                "Connection",
                format!(
                    "{} {} {} (organization {})",
                    self.view.platform, kind, self.view.name, self.organization
                ),
            ),
            Line::from(vec![
                Span::raw("State: ").bold(),
                Span::styled(
                    connection_state(self.view.state),
                    state_style(self.view.state),
                ),
            ]),
            field("Currency", or_none(self.view.currency.as_deref())),
            field("Region", or_none(self.view.region.as_deref())),
        ];
        if let Some(detail) = &self.view.detail {
            lines.push(field("Detail", detail.clone()));
        }
        lines.push(field("Orders", self.orders.clone()));
        if self.view.state == ConnectionState::NeedsReauthorization && self.is_shop {
            lines.push(Line::raw("Press a to authorize feedbridge again.").yellow());
        }
        match &self.settings {
            None => {}
            Some(Err(error)) => {
                lines.push(Line::raw(""));
                lines.push(Line::from("Settings").bold());
                lines.push(Line::raw(format!("  could not be read: {error}")).dark_gray());
            }
            Some(Ok(settings)) => {
                lines.push(Line::raw(""));
                lines.push(Line::from(vec![
                    Span::raw("Settings").bold(),
                    Span::raw(format!(
                        "  (e changes one: :settings {} set KEY VALUE)",
                        self.view.name
                    ))
                    .dark_gray(),
                ]));
                for (label, value) in format::settings_fields(settings) {
                    lines.push(field(&format!("  {label}"), value));
                }
            }
        }
        match &self.order_settings {
            None => {}
            Some(Err(error)) => {
                lines.push(Line::raw(""));
                lines.push(Line::from("Order settings").bold());
                lines.push(Line::raw(format!("  could not be read: {error}")).dark_gray());
            }
            Some(Ok(settings)) => {
                lines.push(Line::raw(""));
                lines.push(Line::from(vec![
                    Span::raw("Order settings").bold(),
                    Span::raw("  (o changes them · c maps carriers)").dark_gray(),
                ]));
                for (label, value) in format::order_settings_fields(settings) {
                    lines.push(field(&format!("  {label}"), value));
                }
            }
        }
        (format!("{} {}", self.view.platform, self.view.name), lines)
    }
}
