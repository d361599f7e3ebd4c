//! TikTok return and refund requests (reverse orders) as feedbridge keeps and shows them: our
//! own types, stored and sent to the console, never TikTok's wire shape.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a request stands. TikTok's codes are kept as they are (`as_str`), so a status a later
/// API version adds is kept as `Unknown` and shown, never dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ReturnStatus {
    /// The buyer asked; the seller (or TikTok) has not decided.
    Pending,
    /// The request was rejected.
    Rejected,
    /// Approved; waiting for the buyer to send the items back.
    AwaitingBuyerShip,
    BuyerShipped,
    /// The seller inspected the returned items and refused them.
    PackageRejected,
    /// Approved: the buyer will be refunded.
    Approved,
    /// Withdrawn by the buyer or closed by TikTok.
    Cancelled,
    /// Done: the buyer was refunded.
    Completed,
    /// The seller offered another solution; waiting for the buyer.
    AwaitingBuyerResponse,
    Unknown(String),
}

impl ReturnStatus {
    pub fn parse(value: &str) -> Self {
        match value {
            "RETURN_OR_REFUND_REQUEST_PENDING" => Self::Pending,
            "REFUND_OR_RETURN_REQUEST_REJECT" => Self::Rejected,
            "AWAITING_BUYER_SHIP" => Self::AwaitingBuyerShip,
            "BUYER_SHIPPED_ITEM" => Self::BuyerShipped,
            "REJECT_RECEIVE_PACKAGE" => Self::PackageRejected,
            "RETURN_OR_REFUND_REQUEST_SUCCESS" => Self::Approved,
            "RETURN_OR_REFUND_REQUEST_CANCEL" => Self::Cancelled,
            "RETURN_OR_REFUND_REQUEST_COMPLETE" => Self::Completed,
            "AWAITING_BUYER_RESPONSE" => Self::AwaitingBuyerResponse,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "RETURN_OR_REFUND_REQUEST_PENDING",
            Self::Rejected => "REFUND_OR_RETURN_REQUEST_REJECT",
            Self::AwaitingBuyerShip => "AWAITING_BUYER_SHIP",
            Self::BuyerShipped => "BUYER_SHIPPED_ITEM",
            Self::PackageRejected => "REJECT_RECEIVE_PACKAGE",
            Self::Approved => "RETURN_OR_REFUND_REQUEST_SUCCESS",
            Self::Cancelled => "RETURN_OR_REFUND_REQUEST_CANCEL",
            Self::Completed => "RETURN_OR_REFUND_REQUEST_COMPLETE",
            Self::AwaitingBuyerResponse => "AWAITING_BUYER_RESPONSE",
            Self::Unknown(other) => other,
        }
    }

    /// In the merchant's words.
    pub fn label(&self) -> String {
        match self {
            Self::Pending => "requested, waiting for a decision".into(),
            Self::Rejected => "rejected".into(),
            Self::AwaitingBuyerShip => "approved, waiting for the buyer to send it back".into(),
            Self::BuyerShipped => "the buyer sent it back".into(),
            Self::PackageRejected => "the returned package was refused".into(),
            Self::Approved => "approved, the buyer will be refunded".into(),
            Self::Cancelled => "withdrawn".into(),
            Self::Completed => "refunded".into(),
            Self::AwaitingBuyerResponse => "waiting for the buyer's answer".into(),
            Self::Unknown(code) => format!("{code} (a status this version does not know)"),
        }
    }

    /// TikTok refunded (or will refund) the buyer.
    pub fn is_refunded(&self) -> bool {
        matches!(self, Self::Approved | Self::Completed)
    }
}

impl From<String> for ReturnStatus {
    fn from(value: String) -> Self {
        Self::parse(&value)
    }
}

impl From<ReturnStatus> for String {
    fn from(value: ReturnStatus) -> Self {
        value.as_str().to_owned()
    }
}

impl fmt::Display for ReturnStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the buyer asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ReturnKind {
    /// Money back, the items stay with the buyer.
    Refund,
    ReturnAndRefund,
    Replacement,
    Unknown(String),
}

impl ReturnKind {
    pub fn parse(value: &str) -> Self {
        match value {
            "REFUND" => Self::Refund,
            "RETURN_AND_REFUND" => Self::ReturnAndRefund,
            "REPLACEMENT" => Self::Replacement,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Refund => "REFUND",
            Self::ReturnAndRefund => "RETURN_AND_REFUND",
            Self::Replacement => "REPLACEMENT",
            Self::Unknown(other) => other,
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Self::Refund => "refund",
            Self::ReturnAndRefund => "return and refund",
            Self::Replacement => "replacement",
            Self::Unknown(other) => other,
        }
    }
}

impl From<String> for ReturnKind {
    fn from(value: String) -> Self {
        Self::parse(&value)
    }
}

impl From<ReturnKind> for String {
    fn from(value: ReturnKind) -> Self {
        value.as_str().to_owned()
    }
}

/// One item of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnLine {
    pub seller_sku: String,
    pub product_name: String,
}

/// A return or refund request as TikTok reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRequest {
    pub id: String,
    pub kind: ReturnKind,
    pub status: ReturnStatus,
    /// The buyer's reason, as TikTok words it.
    pub reason: String,
    /// What the buyer gets back, in `currency`.
    #[serde(with = "rust_decimal::serde::str")]
    pub refund: Decimal,
    pub currency: String,
    /// One per unit (TikTok line items have no quantity).
    pub lines: Vec<ReturnLine>,
    /// Unix seconds, TikTok's.
    pub created: i64,
    pub updated: i64,
}

/// A status the request was seen in, and when (TikTok's update time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnStatusChange {
    pub status: ReturnStatus,
    pub at: i64,
}

/// A request on one of our orders, with its status history (oldest first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderReturn {
    #[serde(flatten)]
    pub request: ReturnRequest,
    pub history: Vec<ReturnStatusChange>,
    /// When feedbridge refunded the store order for it (mirroring on), Unix seconds.
    #[serde(default)]
    pub store_refunded_at: Option<i64>,
}

impl OrderReturn {
    /// First sight of a request.
    pub fn new(request: ReturnRequest) -> Self {
        let history = vec![ReturnStatusChange {
            status: request.status.clone(),
            at: request.updated,
        }];
        Self {
            request,
            history,
            store_refunded_at: None,
        }
    }

    /// Take a newer report: returns whether the status changed. An older report (webhooks
    /// and polls arrive out of order) is ignored.
    pub fn update(&mut self, report: ReturnRequest) -> bool {
        if report.updated < self.request.updated {
            return false;
        }
        let changed = report.status != self.request.status;
        if changed {
            self.history.push(ReturnStatusChange {
                status: report.status.clone(),
                at: report.updated,
            });
        }
        self.request = report;
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(status: &str, updated: i64) -> ReturnRequest {
        ReturnRequest {
            id: "r1".into(),
            kind: ReturnKind::parse("REFUND"),
            status: ReturnStatus::parse(status),
            reason: "Damaged item".into(),
            refund: Decimal::new(1999, 2),
            currency: "USD".into(),
            lines: vec![],
            created: 10,
            updated,
        }
    }

    #[test]
    fn history_keeps_each_status_once_and_ignores_older_reports() {
        let mut r = OrderReturn::new(request("RETURN_OR_REFUND_REQUEST_PENDING", 10));
        assert!(!r.update(request("RETURN_OR_REFUND_REQUEST_PENDING", 11)));
        assert!(r.update(request("RETURN_OR_REFUND_REQUEST_COMPLETE", 20)));
        assert!(!r.update(request("AWAITING_BUYER_SHIP", 15)));
        let statuses: Vec<_> = r
            .history
            .iter()
            .map(|c| (c.status.as_str(), c.at))
            .collect();
        assert_eq!(
            statuses,
            [
                ("RETURN_OR_REFUND_REQUEST_PENDING", 10),
                ("RETURN_OR_REFUND_REQUEST_COMPLETE", 20)
            ]
        );
        assert!(r.request.status.is_refunded());
    }

    #[test]
    fn an_unknown_status_is_kept_as_sent() {
        let r = OrderReturn::new(request("RETURN_OR_REFUND_ARBITRATED", 10));
        let json = serde_json::to_value(&r).expect("serializes");
        assert_eq!(json["status"], "RETURN_OR_REFUND_ARBITRATED");
        assert_eq!(json["refund"], "19.99");
        let back: OrderReturn = serde_json::from_value(json).expect("parses");
        assert_eq!(
            back.request.status,
            ReturnStatus::Unknown("RETURN_OR_REFUND_ARBITRATED".into())
        );
    }
}
