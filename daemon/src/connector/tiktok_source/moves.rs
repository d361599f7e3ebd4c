//! What a source shop's stock move is, decided without I/O: which units an order takes from
//! which warehouse, what putting them back is, and whether a recorded move already happened.

use crate::connector::NewStoreOrderLine;
use crate::store::StockMove;

/// The variant id feedbridge gives a source SKU: its product and SKU ids, because TikTok
/// changes stock per product (`/products/{id}/inventory/update`).
pub fn variant_id(product_id: &str, sku_id: &str) -> String {
    format!("{product_id}:{sku_id}")
}

/// (product id, SKU id) of a variant id from [`variant_id`] (TikTok ids are digits).
pub fn split_variant_id(id: &str) -> Option<(&str, &str)> {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    id.split_once(':')
        .filter(|(product, sku)| digits(product) && digits(sku))
}

/// Units of one source SKU an order takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkuUnits {
    pub product_id: String,
    pub sku_id: String,
    pub units: i64,
}

/// Units an order takes per SKU, lines of the same SKU added up, in line order.
pub fn order_units(lines: &[NewStoreOrderLine]) -> Result<Vec<SkuUnits>, String> {
    let mut units: Vec<SkuUnits> = Vec::new();
    for line in lines {
        let (product, sku) = split_variant_id(&line.variant_id).ok_or_else(|| {
            format!(
                "the order line names variant {:?}, which is not a SKU of the source TikTok shop; read the store's catalog again",
                line.variant_id
            )
        })?;
        let quantity = i64::from(line.quantity);
        match units
            .iter_mut()
            .find(|u| u.product_id == product && u.sku_id == sku)
        {
            Some(found) => found.units += quantity,
            None => units.push(SkuUnits {
                product_id: product.to_owned(),
                sku_id: sku.to_owned(),
                units: quantity,
            }),
        }
    }
    Ok(units)
}

/// Take `units` of a SKU from its warehouses in the shop's order, never below zero. Returns
/// the moves and the units the shop did not have (sold on a target before its stock there
/// caught up).
pub fn plan_deduction(
    product_id: &str,
    sku_id: &str,
    units: i64,
    stock: &[(String, i64)],
) -> (Vec<StockMove>, i64) {
    let mut left = units.max(0);
    let mut moves = Vec::new();
    for (warehouse, quantity) in stock {
        if left == 0 {
            break;
        }
        let take = left.min((*quantity).max(0));
        if take == 0 {
            continue;
        }
        moves.push(StockMove {
            product_id: product_id.to_owned(),
            sku_id: sku_id.to_owned(),
            warehouse_id: warehouse.clone(),
            before: *quantity,
            after: quantity - take,
        });
        left -= take;
    }
    (moves, left)
}

/// Putting back what `deducted` took, onto the quantities there now (`current`).
pub fn plan_restore(deducted: &[StockMove], current: impl Fn(&StockMove) -> i64) -> Vec<StockMove> {
    deducted
        .iter()
        .filter(|m| m.taken() > 0)
        .map(|m| {
            let now = current(m);
            StockMove {
                before: now,
                after: now + m.taken(),
                ..m.clone()
            }
        })
        .collect()
}

/// Whether a recorded move still has to be made, judged by the quantity there now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The quantity is what the move leaves: it happened (or moves nothing).
    Done,
    /// The quantity is what the move started from: it did not happen; make it.
    Apply,
    /// Someone else changed the quantity since: whether it happened cannot be told. It is not
    /// made again (a retry never moves units twice); the merchant is told to check the stock.
    Unknown,
}

pub fn resolve(planned: &StockMove, current: i64) -> Resolution {
    if planned.before == planned.after || current == planned.after {
        Resolution::Done
    } else if current == planned.before {
        Resolution::Apply
    } else {
        Resolution::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn line(variant: &str, quantity: u32) -> NewStoreOrderLine {
        NewStoreOrderLine {
            variant_id: variant.into(),
            quantity,
            unit_price: Decimal::ONE,
        }
    }

    fn stock_move(before: i64, after: i64) -> StockMove {
        StockMove {
            product_id: "p".into(),
            sku_id: "s".into(),
            warehouse_id: "w".into(),
            before,
            after,
        }
    }

    #[test]
    fn lines_of_one_sku_add_up_and_foreign_variants_are_refused() {
        let units = order_units(&[line("11:12", 1), line("21:22", 2), line("11:12", 1)]).unwrap();
        let got: Vec<(&str, &str, i64)> = units
            .iter()
            .map(|u| (u.product_id.as_str(), u.sku_id.as_str(), u.units))
            .collect();
        assert_eq!(got, [("11", "12", 2), ("21", "22", 2)]);
        for bad in ["gid://shopify/ProductVariant/1", ":12", "11:", "11"] {
            let error = order_units(&[line(bad, 1)]).unwrap_err();
            assert!(error.contains("not a SKU of the source"), "{bad}: {error}");
        }
    }

    /// One row: `units` taken from `stock` (warehouse, quantity) give `moves` (warehouse,
    /// before, after) and leave `shortfall` untaken.
    struct Case {
        units: i64,
        stock: &'static [(&'static str, i64)],
        moves: &'static [(&'static str, i64, i64)],
        shortfall: i64,
    }

    #[test]
    fn a_deduction_takes_from_warehouses_in_order_never_below_zero() {
        let table = [
            Case {
                units: 2,
                stock: &[("w1", 10)],
                moves: &[("w1", 10, 8)],
                shortfall: 0,
            },
            Case {
                units: 3,
                stock: &[("w1", 1), ("w2", 5)],
                moves: &[("w1", 1, 0), ("w2", 5, 3)],
                shortfall: 0,
            },
            Case {
                units: 2,
                stock: &[("w1", 0), ("w2", 5)],
                moves: &[("w2", 5, 3)],
                shortfall: 0,
            },
            Case {
                units: 4,
                stock: &[("w1", 3)],
                moves: &[("w1", 3, 0)],
                shortfall: 1,
            },
            Case {
                units: 1,
                stock: &[("w1", -2)],
                moves: &[],
                shortfall: 1,
            },
        ];
        for case in table {
            let stock: Vec<(String, i64)> = case
                .stock
                .iter()
                .map(|(w, q)| ((*w).to_owned(), *q))
                .collect();
            let (moves, missing) = plan_deduction("p", "s", case.units, &stock);
            let got: Vec<(&str, i64, i64)> = moves
                .iter()
                .map(|m| (m.warehouse_id.as_str(), m.before, m.after))
                .collect();
            assert_eq!(
                (got.as_slice(), missing),
                (case.moves, case.shortfall),
                "{} of {:?}",
                case.units,
                case.stock
            );
        }
    }

    #[test]
    fn a_restore_puts_back_what_was_taken_onto_todays_stock() {
        let deducted = [stock_move(10, 8), stock_move(0, 0)];
        let restore = plan_restore(&deducted, |_| 5);
        assert_eq!(restore, [stock_move(5, 7)]);
    }

    #[test]
    fn a_recorded_move_is_made_only_when_the_stock_shows_it_was_not() {
        let planned = stock_move(10, 8);
        assert_eq!(resolve(&planned, 8), Resolution::Done);
        assert_eq!(resolve(&planned, 10), Resolution::Apply);
        assert_eq!(resolve(&planned, 9), Resolution::Unknown);
        assert_eq!(resolve(&planned, 20), Resolution::Unknown);
        assert_eq!(resolve(&stock_move(0, 0), 4), Resolution::Done);
    }
}
