//! The console's lists one window at a time: SQL filters, searches, sorts and counts them
//! (each sort walks an index, migration `0012_console_pages.sql`), and the rows of the window
//! alone are read in full. Count and window come from one read transaction, so they agree.

mod failures;
mod orders;
mod products;

#[cfg(test)]
mod tests;

pub use failures::*;
pub use orders::*;
pub use products::*;

use feedbridge_common::{Direction, MAX_PAGE_ROWS, Window};
use rusqlite::types::Value;
use rusqlite::{Connection, ToSql};

/// The search text as typed, trimmed; None when there is nothing to look for.
fn needle(search: Option<&str>) -> Option<&str> {
    search.map(str::trim).filter(|text| !text.is_empty())
}

fn direction_sql(direction: Direction) -> &'static str {
    match direction {
        Direction::Ascending => "ASC",
        Direction::Descending => "DESC",
    }
}

/// `columns` (comma-separated) each in `direction`, for an ORDER BY whose every column goes
/// the same way (so one index walk serves it, forwards or backwards).
fn order_by(columns: &str, direction: Direction) -> String {
    let direction = direction_sql(direction);
    columns
        .split(',')
        .map(|column| format!("{} {direction}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The window actually read: at most [`MAX_PAGE_ROWS`] rows, moved back so that a window past
/// the end ends at the last row.
fn clamp(window: Window, total: u64) -> (u64, u32) {
    let limit = window.limit.min(MAX_PAGE_ROWS);
    let last_start = total.saturating_sub(u64::from(limit));
    (window.offset.min(last_start), limit)
}

/// A WHERE clause built from the filters a query sets, with named parameters.
#[derive(Default)]
struct Filter {
    clauses: Vec<String>,
    params: Vec<(&'static str, Value)>,
}

impl Filter {
    fn and(&mut self, clause: impl Into<String>) -> &mut Self {
        self.clauses.push(clause.into());
        self
    }

    /// Bind `name` (as written in the clauses, e.g. ":needle") once.
    fn bind(&mut self, name: &'static str, value: impl Into<Value>) -> &mut Self {
        if !self.params.iter().any(|(bound, _)| *bound == name) {
            self.params.push((name, value.into()));
        }
        self
    }

    fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }

    fn params(&self) -> Vec<(&str, &dyn ToSql)> {
        self.params
            .iter()
            .map(|(name, value)| (*name, value as &dyn ToSql))
            .collect()
    }
}

/// `SELECT COUNT(*) FROM {from} {where}`.
fn count(conn: &Connection, from: &str, filter: &Filter) -> rusqlite::Result<u64> {
    let sql = format!("SELECT COUNT(*) FROM {from} {}", filter.where_sql());
    conn.prepare_cached(&sql)?
        .query_row(filter.params().as_slice(), |r| r.get(0))
}

/// A window query: its SQL (`:limit` and `:offset` bound by [`window_ids`]) and filters.
struct WindowQuery {
    sql: String,
    filter: Filter,
}

/// The ids of the rows of the window `offset`, `limit` of `query`, in order.
fn window_ids(
    conn: &Connection,
    query: &WindowQuery,
    offset: u64,
    limit: u32,
) -> rusqlite::Result<Vec<i64>> {
    let mut params = query.filter.params();
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    params.push((":limit", &limit));
    params.push((":offset", &offset));
    let mut stmt = conn.prepare_cached(&query.sql)?;
    let ids = stmt.query_map(params.as_slice(), |r| r.get(0))?;
    ids.collect()
}

/// The JSON array of the stored names of `values` whose label contains `needle`
/// (ASCII-case-insensitive), e.g. the listing statuses a search names.
fn labels_matching<T: Copy>(
    values: &[T],
    label: impl Fn(T) -> &'static str,
    name: impl Fn(T) -> String,
    needle: &str,
) -> String {
    let needle = needle.to_ascii_lowercase();
    let names: Vec<String> = values
        .iter()
        .filter(|value| label(**value).to_ascii_lowercase().contains(&needle))
        .map(|value| name(*value))
        .collect();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())
}
