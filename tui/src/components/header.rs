//! The header: which daemon, its connections and counts, or that it is unreachable; a red
//! banner while the daemon cannot record anything (storage degraded).

use super::Component;
use crate::action::Action;
use crate::format::{self, connection_state, plural};
use feedbridge_common::{ConnectionState, ConnectionView, StatusReport};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

#[derive(Default)]
pub struct Header {
    status: Option<StatusReport>,
    /// Why the daemon is unreachable, while it is.
    disconnected: Option<String>,
}

impl Header {
    pub fn is_disconnected(&self) -> bool {
        self.disconnected.is_some()
    }

    /// The counts, fitted to `width`: the least useful parts go first when it is narrow
    /// (version, uptime, products), never failures or work due.
    fn summary(status: &StatusReport, width: u16) -> Line<'static> {
        let failures = plural(status.failures_open, "open failure", "open failures");
        let failures = if status.failures_open > 0 {
            Span::styled(failures, Style::new().red().bold())
        } else {
            Span::raw(failures)
        };
        // (drop order: higher goes first, parts)
        let mut parts: Vec<(u8, Span<'static>)> = vec![
            (5, Span::raw(format!("daemon {}", status.version)).bold()),
            (
                4,
                Span::raw(format!("up {}", format::uptime(status.uptime_secs))),
            ),
            (
                3,
                Span::raw(plural(status.products_total, "product", "products")),
            ),
            (2, Span::raw(plural(status.orders_total, "order", "orders"))),
            (0, failures),
            (
                1,
                Span::raw(format!(
                    "{} pending",
                    plural(status.jobs_pending, "job", "jobs")
                )),
            ),
        ];
        if status.draining {
            parts.push((0, Span::styled("draining", Style::new().yellow().bold())));
        }
        const SEPARATOR: &str = " · ";
        let fits = |parts: &[(u8, Span<'static>)]| {
            let text: usize = parts.iter().map(|(_, span)| span.width()).sum();
            text + Span::raw(SEPARATOR).width() * parts.len().saturating_sub(1)
                <= usize::from(width)
        };
        while !fits(&parts) {
            let Some(drop) = parts
                .iter()
                .enumerate()
                .filter(|(_, (rank, _))| *rank > 0)
                .max_by_key(|(_, (rank, _))| *rank)
                .map(|(index, _)| index)
            else {
                break;
            };
            parts.remove(drop);
        }
        let mut spans = Vec::new();
        for (index, (_, span)) in parts.into_iter().enumerate() {
            if index > 0 {
                spans.push(Span::raw(SEPARATOR));
            }
            spans.push(span);
        }
        Line::from(spans)
    }

    fn connections(status: &StatusReport) -> Line<'static> {
        if status.organizations.is_empty() {
            return Line::raw("No organizations configured.").dark_gray();
        }
        let mut spans = Vec::new();
        for (i, org) in status.organizations.iter().enumerate() {
            if i > 0 {
                spans.push(Span::raw("  |  "));
            }
            spans.push(Span::raw(format!("{}: ", org.name)).bold());
            connection(&mut spans, &org.store);
            for shop in &org.shops {
                spans.push(Span::raw(" · "));
                connection(&mut spans, shop);
            }
        }
        Line::from(spans)
    }
}

fn connection(spans: &mut Vec<Span<'static>>, view: &ConnectionView) {
    let style = match view.state {
        ConnectionState::Connected => Style::new().green(),
        ConnectionState::NeedsReauthorization | ConnectionState::Error => Style::new().red(),
        ConnectionState::Unknown => Style::new().dark_gray(),
    };
    spans.push(Span::raw(format!("{} {} ", view.platform, view.name)));
    spans.push(Span::styled(
        format!("● {}", connection_state(view.state)),
        style,
    ));
}

impl Component for Header {
    fn update(&mut self, action: &Action) {
        match action {
            Action::Refreshed(snapshot) => {
                self.status = Some(snapshot.status.clone());
                self.disconnected = None;
            }
            Action::Disconnected(reason) => self.disconnected = Some(reason.clone()),
            _ => {}
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, _focused: bool) {
        let mut block = Block::bordered().title(" feedbridge ");
        // Storage refuses writes: a banner on the border, whatever the panel shows.
        if let (None, Some(degraded)) = (
            &self.disconnected,
            self.status.as_ref().and_then(|s| s.degraded.as_ref()),
        ) {
            block = block.title_bottom(Line::styled(
                format!(" {} ", format::degraded(degraded)),
                Style::new().white().on_red().bold(),
            ));
        }
        let lines = match (&self.disconnected, &self.status) {
            (Some(reason), status) => vec![
                Line::from(vec![
                    Span::styled("Disconnected — retrying…", Style::new().red().bold()),
                    Span::raw(format!(" {reason}")).dark_gray(),
                ]),
                status
                    .as_ref()
                    .map_or_else(|| Line::raw(""), |s| Self::connections(s).dark_gray()),
            ],
            (None, Some(status)) => vec![
                Self::summary(status, area.width.saturating_sub(2)),
                Self::connections(status),
            ],
            (None, None) => vec![Line::raw("Connecting to the daemon…").dark_gray()],
        };
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }
}
