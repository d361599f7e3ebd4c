//! TikTok's order statuses and shipping kinds as enums (tiktok-shop.md §6.2, §6.3), so flows
//! match on meaning and a value this version does not know stays visible as `Unknown`.

use std::fmt;

/// An order's status (`status` in order detail; the webhook says `CANCEL` for `CANCELLED`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderStatus {
    Unpaid,
    /// Paid, in the buyer's free-cancellation window.
    OnHold,
    AwaitingShipment,
    PartiallyShipping,
    AwaitingCollection,
    InTransit,
    Delivered,
    Completed,
    Cancelled,
    Unknown(String),
}

impl OrderStatus {
    pub fn parse(value: &str) -> Self {
        match value {
            "UNPAID" => Self::Unpaid,
            "ON_HOLD" => Self::OnHold,
            "AWAITING_SHIPMENT" => Self::AwaitingShipment,
            "PARTIALLY_SHIPPING" => Self::PartiallyShipping,
            "AWAITING_COLLECTION" => Self::AwaitingCollection,
            "IN_TRANSIT" => Self::InTransit,
            "DELIVERED" => Self::Delivered,
            "COMPLETED" => Self::Completed,
            "CANCELLED" | "CANCEL" => Self::Cancelled,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Unpaid => "UNPAID",
            Self::OnHold => "ON_HOLD",
            Self::AwaitingShipment => "AWAITING_SHIPMENT",
            Self::PartiallyShipping => "PARTIALLY_SHIPPING",
            Self::AwaitingCollection => "AWAITING_COLLECTION",
            Self::InTransit => "IN_TRANSIT",
            Self::Delivered => "DELIVERED",
            Self::Completed => "COMPLETED",
            Self::Cancelled => "CANCELLED",
            Self::Unknown(other) => other,
        }
    }

    /// How far along shipping the order is (0 = nothing shipped yet); `None` before payment
    /// completes, when cancelled, or unknown.
    pub fn shipping_stage(&self) -> Option<u8> {
        Some(match self {
            Self::AwaitingShipment => 0,
            Self::PartiallyShipping => 1,
            Self::AwaitingCollection => 2,
            Self::InTransit => 3,
            Self::Delivered => 4,
            Self::Completed => 5,
            Self::Unpaid | Self::OnHold | Self::Cancelled | Self::Unknown(_) => return None,
        })
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who carries the parcel (`shipping_type`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShippingType {
    /// The seller ships and uploads tracking.
    Seller,
    /// TikTok's label and carrier.
    TikTok,
    Unknown(String),
}

impl ShippingType {
    pub fn parse(value: &str) -> Self {
        match value {
            "SELLER" => Self::Seller,
            "TIKTOK" => Self::TikTok,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Seller => "SELLER",
            Self::TikTok => "TIKTOK",
            Self::Unknown(other) => other,
        }
    }
}

/// Who fulfils the order (`fulfillment_type`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FulfillmentType {
    Seller,
    /// Fulfilled by TikTok (FBT): TikTok ships from its warehouse.
    TikTok,
    Unknown(String),
}

impl FulfillmentType {
    pub fn parse(value: &str) -> Self {
        match value {
            "FULFILLMENT_BY_SELLER" => Self::Seller,
            "FULFILLMENT_BY_TIKTOK" => Self::TikTok,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Seller => "FULFILLMENT_BY_SELLER",
            Self::TikTok => "FULFILLMENT_BY_TIKTOK",
            Self::Unknown(other) => other,
        }
    }
}

/// A cancellation's state (`cancel_status` in Get Cancellations, §4.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CancellationStatus {
    /// Waiting for the seller's answer.
    Pending,
    Succeeded,
    /// Withdrawn or refused.
    Cancelled,
    Completed,
    Unknown(String),
}

impl CancellationStatus {
    pub fn parse(value: &str) -> Self {
        match value {
            "CANCELLATION_REQUEST_PENDING" => Self::Pending,
            "CANCELLATION_REQUEST_SUCCESS" => Self::Succeeded,
            "CANCELLATION_REQUEST_CANCEL" => Self::Cancelled,
            "CANCELLATION_REQUEST_COMPLETE" => Self::Completed,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_unknown_ones_are_kept() {
        for status in [
            "UNPAID",
            "ON_HOLD",
            "AWAITING_SHIPMENT",
            "PARTIALLY_SHIPPING",
            "AWAITING_COLLECTION",
            "IN_TRANSIT",
            "DELIVERED",
            "COMPLETED",
            "CANCELLED",
        ] {
            assert_eq!(OrderStatus::parse(status).as_str(), status);
        }
        assert_eq!(OrderStatus::parse("CANCEL"), OrderStatus::Cancelled);
        assert_eq!(
            OrderStatus::parse("RETURNED_TO_SELLER"),
            OrderStatus::Unknown("RETURNED_TO_SELLER".into())
        );
        assert_eq!(
            OrderStatus::parse("RETURNED_TO_SELLER").shipping_stage(),
            None
        );
        assert_eq!(OrderStatus::AwaitingCollection.shipping_stage(), Some(2));
        assert_eq!(ShippingType::parse("TIKTOK"), ShippingType::TikTok);
        assert_eq!(
            FulfillmentType::parse("FULFILLMENT_BY_TIKTOK"),
            FulfillmentType::TikTok
        );
    }
}
