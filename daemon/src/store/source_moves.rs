//! The ledger of a TikTok source shop's stock moves (connector/tiktok_source): what it gave up
//! for an order of a target shop, and what it got back when that order was cancelled. A move
//! is written `pending` with every SKU's quantity before and after, before the shop's stock is
//! changed, and `applied` once it is; so after a crash the daemon can tell a change that
//! happened from one that did not, and never moves the same units twice.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// Format of the `moves` JSON.
const CURRENT: u32 = 1;

/// One SKU's quantity at one warehouse of the source shop, before and after a move.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockMove {
    pub product_id: String,
    pub sku_id: String,
    pub warehouse_id: String,
    pub before: i64,
    pub after: i64,
}

impl StockMove {
    /// Units this move takes away (negative: puts back).
    pub fn taken(&self) -> i64 {
        self.before - self.after
    }
}

#[derive(Serialize, Deserialize)]
struct Moves {
    moves: Vec<StockMove>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveKind {
    /// Units taken for an order.
    Deduct,
    /// The same units put back (the order was cancelled).
    Restore,
}

impl MoveKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Deduct => "deduct",
            Self::Restore => "restore",
        }
    }

    fn parse(text: &str) -> rusqlite::Result<Self> {
        match text {
            "deduct" => Ok(Self::Deduct),
            "restore" => Ok(Self::Restore),
            other => Err(unknown("kind", other)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveState {
    /// Written before the stock change; it may or may not have happened.
    Pending,
    Applied,
}

impl MoveState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Applied => "applied",
        }
    }

    fn parse(text: &str) -> rusqlite::Result<Self> {
        match text {
            "pending" => Ok(Self::Pending),
            "applied" => Ok(Self::Applied),
            other => Err(unknown("state", other)),
        }
    }
}

fn unknown(what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("unknown source stock move {what} {value:?}").into(),
    )
}

/// A move of one order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceMove {
    pub tiktok_order_id: String,
    pub kind: MoveKind,
    pub state: MoveState,
    pub moves: Vec<StockMove>,
}

/// Which source shop of which organization.
#[derive(Clone, Copy, Debug)]
pub struct SourceShop<'a> {
    pub org: &'a str,
    pub shop_id: &'a str,
}

fn decode_moves(json: &str) -> rusqlite::Result<Vec<StockMove>> {
    super::versioned::decode::<Moves>(json, CURRENT, "the stored source stock move")
        .map(|m| m.moves)
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SourceMove> {
    let kind: String = row.get(1)?;
    let state: String = row.get(2)?;
    let moves: String = row.get(3)?;
    Ok(SourceMove {
        tiktok_order_id: row.get(0)?,
        kind: MoveKind::parse(&kind)?,
        state: MoveState::parse(&state)?,
        moves: decode_moves(&moves)?,
    })
}

/// The move of this kind recorded for the order, if any.
pub fn source_move(
    conn: &Connection,
    shop: SourceShop<'_>,
    tiktok_order_id: &str,
    kind: MoveKind,
) -> rusqlite::Result<Option<SourceMove>> {
    conn.query_row(
        "SELECT tiktok_order_id, kind, state, moves FROM source_stock_moves
         WHERE org = ?1 AND source_shop_id = ?2 AND tiktok_order_id = ?3 AND kind = ?4",
        params![shop.org, shop.shop_id, tiktok_order_id, kind.as_str()],
        read_row,
    )
    .optional()
}

/// Moves written but not known to have happened (a crash or a lost answer), oldest first.
pub fn pending_source_moves(
    conn: &Connection,
    shop: SourceShop<'_>,
) -> rusqlite::Result<Vec<SourceMove>> {
    let mut statement = conn.prepare(
        "SELECT tiktok_order_id, kind, state, moves FROM source_stock_moves
         WHERE org = ?1 AND source_shop_id = ?2 AND state = 'pending'
         ORDER BY updated_at, tiktok_order_id",
    )?;
    statement
        .query_map(params![shop.org, shop.shop_id], read_row)?
        .collect()
}

/// Write (or replace) the order's move of `kind`.
pub fn record_source_move(
    conn: &Connection,
    shop: SourceShop<'_>,
    record: &SourceMove,
    now: i64,
) -> rusqlite::Result<()> {
    let moves = super::versioned::encode(
        CURRENT,
        &Moves {
            moves: record.moves.clone(),
        },
    );
    conn.execute(
        "INSERT INTO source_stock_moves
             (org, source_shop_id, tiktok_order_id, kind, state, moves, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (org, source_shop_id, tiktok_order_id, kind)
         DO UPDATE SET state = excluded.state, moves = excluded.moves,
                       updated_at = excluded.updated_at",
        params![
            shop.org,
            shop.shop_id,
            record.tiktok_order_id,
            record.kind.as_str(),
            record.state.as_str(),
            moves,
            now
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::MIGRATIONS.to_latest(&mut conn).unwrap();
        conn
    }

    #[test]
    fn a_move_is_written_pending_then_applied() {
        let conn = db();
        let shop = SourceShop {
            org: "acme",
            shop_id: "7001",
        };
        let mut record = SourceMove {
            tiktok_order_id: "576".into(),
            kind: MoveKind::Deduct,
            state: MoveState::Pending,
            moves: vec![StockMove {
                product_id: "p".into(),
                sku_id: "s".into(),
                warehouse_id: "w".into(),
                before: 10,
                after: 8,
            }],
        };
        record_source_move(&conn, shop, &record, 1).unwrap();
        assert_eq!(pending_source_moves(&conn, shop).unwrap(), [record.clone()]);
        record.state = MoveState::Applied;
        record_source_move(&conn, shop, &record, 2).unwrap();
        assert!(pending_source_moves(&conn, shop).unwrap().is_empty());
        let found = source_move(&conn, shop, "576", MoveKind::Deduct).unwrap();
        assert_eq!(found, Some(record));
        assert_eq!(
            source_move(&conn, shop, "576", MoveKind::Restore).unwrap(),
            None
        );
        let other = SourceShop {
            org: "acme",
            shop_id: "7002",
        };
        assert_eq!(
            source_move(&conn, other, "576", MoveKind::Deduct).unwrap(),
            None
        );
    }
}
