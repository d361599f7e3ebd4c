//! The Failures list: the open failures.

use super::{Filter, WindowQuery, clamp, count, labels_matching, needle, order_by, window_ids};
use crate::store::signals::{FAILURE_VIEW_SQL, failure_view, kind_name};
use feedbridge_common::{FailureKind, FailureQuery, FailureSort, FailureView, Page};
use rusqlite::{Connection, OptionalExtension};

/// One window of the open failures passing `query`, and how many pass.
pub fn failure_page(
    conn: &Connection,
    query: &FailureQuery,
) -> rusqlite::Result<Page<FailureView>> {
    let window = failure_window_query(query);
    let total = count(conn, "failures f", &window.filter)?;
    let (offset, limit) = clamp(query.window, total);
    let mut stmt = conn.prepare_cached(&format!("{FAILURE_VIEW_SQL} WHERE f.id = ?1"))?;
    let mut rows = Vec::new();
    for id in window_ids(conn, &window, offset, limit)? {
        rows.extend(stmt.query_row([id], failure_view).optional()?);
    }
    Ok(Page {
        rows,
        offset,
        total,
        note: None,
    })
}

fn failure_window_query(query: &FailureQuery) -> WindowQuery {
    let mut filter = Filter::default();
    filter.and("f.resolved_at IS NULL");
    if let Some(text) = needle(query.search.as_deref()) {
        let kinds = labels_matching(&FailureKind::ALL, FailureKind::label, kind_name, text);
        filter
            .and(
                "(instr(CAST(f.id AS TEXT), :needle) > 0
                  OR instr(lower(f.subject), lower(:needle)) > 0
                  OR instr(lower(f.reason), lower(:needle)) > 0
                  OR instr(lower(f.action), lower(:needle)) > 0
                  OR f.kind IN (SELECT value FROM json_each(:kinds)))",
            )
            .bind(":needle", text.to_owned())
            .bind(":kinds", kinds);
    }
    let columns = match query.sort {
        FailureSort::LastSeen => "f.last_seen, f.id",
        FailureSort::Id => "f.id",
        FailureSort::Kind => "f.kind, f.id",
        FailureSort::Subject => "f.subject, f.id",
        FailureSort::Attempts => "f.attempts, f.id",
    };
    let sql = format!(
        "SELECT f.id FROM failures f {} ORDER BY {} LIMIT :limit OFFSET :offset",
        filter.where_sql(),
        order_by(columns, query.direction)
    );
    WindowQuery { sql, filter }
}
