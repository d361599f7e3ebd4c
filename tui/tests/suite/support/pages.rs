//! The fake daemon's pages: the samples filtered, searched, sorted and windowed in memory the
//! way the daemon does it in SQL (a window past the end is moved back to end at the last row).

use feedbridge_common::catalog::ShopSettings;
use feedbridge_common::orders::OrderSettings;
use feedbridge_common::*;
use feedbridge_tui::action::{Action, Answer, Lists, PageAnswer, Request, Snapshot};
use feedbridge_tui::app::App;
use std::cmp::Ordering;

/// Every row the fake daemon holds.
#[derive(Clone, Debug)]
pub struct Samples {
    pub status: StatusReport,
    pub orders: Vec<OrderView>,
    pub products: Vec<ProductView>,
    pub failures: Vec<FailureView>,
    pub settings: Vec<(String, Result<ShopSettings, String>)>,
    pub order_settings: Vec<(String, Result<OrderSettings, String>)>,
}

impl Samples {
    /// Every row, as the first refresh of a console that asked for nothing yet brings them.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            status: self.status.clone(),
            orders: PageAnswer::all(0, self.orders.clone()),
            products: PageAnswer::all(0, self.products.clone()),
            failures: PageAnswer::all(0, self.failures.clone()),
            settings: self.settings.clone(),
            order_settings: self.order_settings.clone(),
        }
    }
}

impl Samples {
    /// What the live refresh of a console showing `lists` brings.
    pub fn refresh_for(&self, lists: &Lists) -> Snapshot {
        Snapshot {
            orders: PageAnswer {
                seq: lists.orders.seq,
                page: Ok(orders(&self.orders, &lists.orders.query)),
            },
            products: PageAnswer {
                seq: lists.products.seq,
                page: Ok(products(&self.products, &lists.products.query)),
            },
            failures: PageAnswer {
                seq: lists.failures.seq,
                page: Ok(failures(&self.failures, &lists.failures.query)),
            },
            ..self.snapshot()
        }
    }
}

/// The live refresh of `app` by a daemon now holding `samples`.
pub fn refresh(app: &mut App, samples: &Samples) {
    let snapshot = samples.refresh_for(&app.lists());
    app.update(Action::Refreshed(Box::new(snapshot)));
}

/// The rows of a page answer (which the samples always give).
pub fn rows<R>(answer: &PageAnswer<R>) -> &[R] {
    &answer.page.as_ref().unwrap().rows
}

/// Answer the page requests `app` queued as the daemon holding `samples` would, until it
/// asks for no more; the other requests it queued are returned.
pub fn settle(app: &mut App, samples: &Samples) -> Vec<Request> {
    let mut others = Vec::new();
    loop {
        let requests = app.take_requests();
        if requests.is_empty() {
            return others;
        }
        others.extend(answer(app, samples, requests));
    }
}

/// Answer the page requests among `requests` as the daemon holding `samples` would; the
/// others are returned.
pub fn answer(app: &mut App, samples: &Samples, requests: Vec<Request>) -> Vec<Request> {
    let mut others = Vec::new();
    for request in requests {
        let answer = match request {
            Request::OrderPage(asked) => Answer::OrderPage(PageAnswer {
                seq: asked.seq,
                page: Ok(orders(&samples.orders, &asked.query)),
            }),
            Request::ProductPage(asked) => Answer::ProductPage(PageAnswer {
                seq: asked.seq,
                page: Ok(products(&samples.products, &asked.query)),
            }),
            Request::FailurePage(asked) => Answer::FailurePage(PageAnswer {
                seq: asked.seq,
                page: Ok(failures(&samples.failures, &asked.query)),
            }),
            other => {
                others.push(other);
                continue;
            }
        };
        app.update(Action::Answered(answer));
    }
    others
}
/// Rows `window` of `rows`, and how many there are.
pub fn window<T>(rows: Vec<T>, window: Window) -> Page<T> {
    let total = rows.len() as u64;
    let limit = window.limit.min(MAX_PAGE_ROWS);
    let offset = window.offset.min(total.saturating_sub(u64::from(limit)));
    let rows = rows
        .into_iter()
        .skip(usize::try_from(offset).unwrap())
        .take(limit as usize)
        .collect();
    Page {
        rows,
        offset,
        total,
        note: None,
    }
}

/// Whether any of `texts` contains `needle`, ignoring case; no needle passes everything.
fn found<'a>(needle: Option<&str>, texts: impl IntoIterator<Item = &'a str>) -> bool {
    let Some(needle) = needle.map(str::trim).filter(|n| !n.is_empty()) else {
        return true;
    };
    let needle = needle.to_lowercase();
    texts
        .into_iter()
        .any(|text| text.to_lowercase().contains(&needle))
}

fn directed(order: Ordering, direction: Direction) -> Ordering {
    match direction {
        Direction::Ascending => order,
        Direction::Descending => order.reverse(),
    }
}

pub fn orders(all: &[OrderView], query: &OrderQuery) -> Page<OrderView> {
    let mut rows: Vec<OrderView> = all
        .iter()
        .filter(|o| query.state.is_none_or(|s| s == o.sync_state))
        .filter(|o| query.shop.as_ref().is_none_or(|shop| o.shop == *shop))
        .filter(|o| {
            let state = o.sync_state.label();
            let mut texts = vec![
                o.tiktok_order_id.as_str(),
                o.tiktok_status.as_str(),
                state,
                o.store_order_name.as_deref().unwrap_or(""),
                o.reason.as_deref().unwrap_or(""),
            ];
            texts.extend(o.lines.iter().map(|l| l.seller_sku.as_str()));
            texts.extend(o.tracking.iter().map(|t| t.number.as_str()));
            found(query.search.as_deref(), texts)
        })
        .cloned()
        .collect();
    rows.sort_by(|a, b| {
        let order = match query.sort {
            OrderSort::Updated => (a.updated_at, a.id).cmp(&(b.updated_at, b.id)),
            OrderSort::Created => (a.created_at, a.id).cmp(&(b.created_at, b.id)),
            OrderSort::TikTokOrderId => (&a.tiktok_order_id, a.id).cmp(&(&b.tiktok_order_id, b.id)),
            OrderSort::SyncState => (a.sync_state.as_str(), a.updated_at, a.id).cmp(&(
                b.sync_state.as_str(),
                b.updated_at,
                b.id,
            )),
            OrderSort::StoreOrder => (&a.store_order_name, a.id).cmp(&(&b.store_order_name, b.id)),
        };
        directed(order, query.direction)
    });
    window(rows, query.window)
}

pub fn products(all: &[ProductView], query: &ProductQuery) -> Page<ProductView> {
    let mut rows: Vec<ProductView> = all
        .iter()
        .filter(|p| query.status.is_none_or(|s| s == p.status))
        .filter(|p| {
            let id = p.id.to_string();
            let mut texts = vec![
                id.as_str(),
                p.title.as_str(),
                p.store_product_id.as_str(),
                p.tiktok_product_id.as_deref().unwrap_or(""),
                p.category.as_ref().map_or("", |c| c.name.as_str()),
                p.status.label(),
                p.status_reason.as_deref().unwrap_or(""),
                p.shop.as_str(),
            ];
            texts.extend(p.review_reasons.iter().map(String::as_str));
            texts.extend(p.skus.iter().map(|s| s.seller_sku.as_str()));
            found(query.search.as_deref(), texts)
        })
        .cloned()
        .collect();
    rows.sort_by(|a, b| {
        let order = match query.sort {
            ProductSort::Updated => (a.updated_at, a.id).cmp(&(b.updated_at, b.id)),
            ProductSort::ListingId => a.id.cmp(&b.id),
            ProductSort::Title => (&a.title, a.id).cmp(&(&b.title, b.id)),
            ProductSort::Status => (a.status.as_str(), a.updated_at, a.id).cmp(&(
                b.status.as_str(),
                b.updated_at,
                b.id,
            )),
        };
        directed(order, query.direction)
    });
    window(rows, query.window)
}

pub fn failures(all: &[FailureView], query: &FailureQuery) -> Page<FailureView> {
    let mut rows: Vec<FailureView> = all
        .iter()
        .filter(|f| {
            let id = f.id.to_string();
            found(
                query.search.as_deref(),
                [
                    id.as_str(),
                    f.kind.label(),
                    f.subject.as_str(),
                    f.reason.as_str(),
                    f.action.as_str(),
                ],
            )
        })
        .cloned()
        .collect();
    rows.sort_by(|a, b| {
        let order = match query.sort {
            FailureSort::LastSeen => (a.last_seen, a.id).cmp(&(b.last_seen, b.id)),
            FailureSort::Id => a.id.cmp(&b.id),
            FailureSort::Kind => (a.kind.label(), a.id).cmp(&(b.kind.label(), b.id)),
            FailureSort::Subject => (&a.subject, a.id).cmp(&(&b.subject, b.id)),
            FailureSort::Attempts => (a.attempts, a.id).cmp(&(b.attempts, b.id)),
        };
        directed(order, query.direction)
    });
    window(rows, query.window)
}
