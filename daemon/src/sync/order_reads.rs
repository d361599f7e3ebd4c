//! Reading queued TikTok orders without letting one bad id hold up the rest. Get Order Detail
//! fails the whole request when one id is unknown to the shop (its answer has no per-id
//! errors), so a refused batch is split until the refused ids stand alone.

use crate::connector::tiktok::refused_content;
use crate::connector::{ConnectorError, ConnectorResult, RemoteOrder, TikTokShop};
use crate::store::{self, NewFailure};
use feedbridge_common::FailureKind;

use super::kind;

/// What one read of queued ids gave: the orders, and each id TikTok refused with its words.
#[derive(Debug, Default)]
pub struct OrdersRead {
    pub orders: Vec<RemoteOrder>,
    pub refused: Vec<(String, String)>,
}

/// Read `ids`; a part TikTok refuses for its content is halved until each refused id is
/// alone (about 2·log2(50) extra calls for one bad id in a full batch). Any other error ends
/// the read: nothing is dropped, the job retries.
pub async fn read_orders(client: &dyn TikTokShop, ids: &[String]) -> ConnectorResult<OrdersRead> {
    let mut read = OrdersRead::default();
    let mut pending: Vec<&[String]> = vec![ids];
    while let Some(part) = pending.pop() {
        match client.orders(part).await {
            Ok(orders) => read.orders.extend(orders),
            Err(error) if refused_content(&error) => match part {
                [] => {}
                [one] => read.refused.push((one.clone(), raw_of(&error))),
                _ => {
                    let (first, second) = part.split_at(part.len() / 2);
                    pending.push(second);
                    pending.push(first);
                }
            },
            Err(error) => return Err(error),
        }
    }
    Ok(read)
}

fn raw_of(error: &ConnectorError) -> String {
    match error.raw() {
        "" => error.to_string(),
        raw => raw.to_owned(),
    }
}

/// Why an id failed, in the merchant's words.
pub fn unknown_reason(order: &str) -> String {
    format!("TikTok does not know order {order}; it was dropped from the queue")
}

/// What to do about it.
pub const UNKNOWN_ACTION: &str = "Nothing to do unless you expected this order id; then check it in TikTok Seller Center and retry.";

/// The failure of an id TikTok does not know: dropped from the queue, said so plainly.
/// Retrying it reads that id again (job `order_fetch` with subject `<shop>:<order>`).
pub fn record_unknown_order(
    tx: &rusqlite::Connection,
    org: &str,
    connection: i64,
    order: &str,
    raw: &str,
) -> rusqlite::Result<()> {
    let reason = unknown_reason(order);
    let subject = format!("TikTok order {order}");
    store::record_failure(
        tx,
        &NewFailure {
            org: Some(org),
            job_kind: kind::ORDER_FETCH,
            job_subject: &format!("{connection}:{order}"),
            kind: FailureKind::OrderCreate,
            subject: &subject,
            reason: &reason,
            action: UNKNOWN_ACTION,
            raw_error: Some(raw),
            retryable: true,
        },
    )
}
