//! TikTok return and refund requests per order (`order_returns`), kept as our own versioned
//! record with the status history.
//!
//! Versions of `record`: 1 = [`OrderReturn`] with `"version": 1`. A row from a newer release is
//! refused with a clear error, never guessed at.

use feedbridge_common::returns::{OrderReturn, ReturnRequest, ReturnStatus};
use rusqlite::{Connection, OptionalExtension, params};

const CURRENT: u32 = 1;

fn decode(json: &str) -> rusqlite::Result<OrderReturn> {
    super::versioned::decode(json, CURRENT, "the stored return request")
}

fn encode(record: &OrderReturn) -> String {
    super::versioned::encode(CURRENT, record)
}

/// What recording a report changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReturnChange {
    /// First sight of this request.
    New,
    /// Its status moved from the one given.
    Moved(ReturnStatus),
    /// Nothing a merchant would notice (same status, or an older report).
    Same,
}

/// The requests on an order, oldest first.
pub fn order_returns(conn: &Connection, order_id: i64) -> rusqlite::Result<Vec<OrderReturn>> {
    let mut stmt =
        conn.prepare_cached("SELECT record FROM order_returns WHERE order_id = ?1 ORDER BY rowid")?;
    let rows = stmt.query_map([order_id], |r| r.get::<_, String>(0))?;
    let mut found = Vec::new();
    for json in rows {
        found.push(decode(&json?)?);
    }
    found.sort_by_key(|r| (r.request.created, r.request.id.clone()));
    Ok(found)
}

pub fn order_return(
    conn: &Connection,
    order_id: i64,
    return_id: &str,
) -> rusqlite::Result<Option<OrderReturn>> {
    conn.query_row(
        "SELECT record FROM order_returns WHERE order_id = ?1 AND return_id = ?2",
        params![order_id, return_id],
        |r| r.get::<_, String>(0),
    )
    .optional()?
    .map(|json| decode(&json))
    .transpose()
}

fn save(conn: &Connection, order_id: i64, record: &OrderReturn) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO order_returns (order_id, return_id, record, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(order_id, return_id) DO UPDATE SET record = excluded.record,
             updated_at = excluded.updated_at",
        params![
            order_id,
            record.request.id,
            encode(record),
            record.request.updated
        ],
    )?;
    Ok(())
}

/// Record TikTok's report of a request on an order; the history grows when its status moves.
pub fn record_return(
    conn: &Connection,
    order_id: i64,
    report: ReturnRequest,
) -> rusqlite::Result<ReturnChange> {
    let (record, change) = match order_return(conn, order_id, &report.id)? {
        None => (OrderReturn::new(report), ReturnChange::New),
        Some(mut known) => {
            let before = known.request.status.clone();
            if known.update(report) {
                (known, ReturnChange::Moved(before))
            } else {
                (known, ReturnChange::Same)
            }
        }
    };
    save(conn, order_id, &record)?;
    Ok(change)
}

/// Remember that the store order was refunded for this request, so a retry never refunds
/// twice.
pub fn mark_return_store_refunded(
    conn: &Connection,
    order_id: i64,
    return_id: &str,
    at: i64,
) -> rusqlite::Result<()> {
    if let Some(mut record) = order_return(conn, order_id, return_id)? {
        record.store_refunded_at.get_or_insert(at);
        save(conn, order_id, &record)?;
    }
    Ok(())
}

/// Add one sentence to the order's differences (once).
pub fn add_order_difference(
    conn: &Connection,
    order_id: i64,
    sentence: &str,
) -> rusqlite::Result<()> {
    let current: Option<String> = conn.query_row(
        "SELECT differences FROM orders WHERE id = ?1",
        [order_id],
        |r| r.get(0),
    )?;
    let mut differences: Vec<String> = current
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    if !differences.iter().any(|d| d == sentence) {
        differences.push(sentence.to_owned());
    }
    super::set_differences(conn, order_id, &differences)
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedbridge_common::returns::ReturnKind;
    use rust_decimal::Decimal;

    fn report(status: &str, updated: i64) -> ReturnRequest {
        ReturnRequest {
            id: "r1".into(),
            kind: ReturnKind::Refund,
            status: ReturnStatus::parse(status),
            reason: "Damaged item".into(),
            refund: Decimal::new(1999, 2),
            currency: "USD".into(),
            lines: vec![],
            created: 5,
            updated,
        }
    }

    fn db() -> Connection {
        // No order rows here: the reference to `orders` is not what these tests are about.
        let conn = super::super::migrated_in_memory();
        conn.execute_batch("PRAGMA foreign_keys = OFF")
            .expect("pragma");
        conn
    }

    #[test]
    fn reports_build_a_history_and_a_newer_version_is_refused() {
        let conn = db();
        let pending = "RETURN_OR_REFUND_REQUEST_PENDING";
        assert_eq!(
            record_return(&conn, 7, report(pending, 10)).expect("records"),
            ReturnChange::New
        );
        assert_eq!(
            record_return(&conn, 7, report(pending, 11)).expect("records"),
            ReturnChange::Same
        );
        assert_eq!(
            record_return(&conn, 7, report("RETURN_OR_REFUND_REQUEST_COMPLETE", 20))
                .expect("records"),
            ReturnChange::Moved(ReturnStatus::Pending)
        );
        mark_return_store_refunded(&conn, 7, "r1", 30).expect("marks");
        mark_return_store_refunded(&conn, 7, "r1", 40).expect("marks");
        let all = order_returns(&conn, 7).expect("reads");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].history.len(), 2);
        assert_eq!(all[0].store_refunded_at, Some(30));
        conn.execute(
            "UPDATE order_returns SET record = json_set(record, '$.version', 9)",
            [],
        )
        .expect("updates");
        let refused = order_returns(&conn, 7).expect_err("newer version");
        assert!(
            refused.to_string().contains("newer feedbridge"),
            "{refused}"
        );
    }
}
