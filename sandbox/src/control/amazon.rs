//! Control calls for the Amazon simulator: FBA stock, fulfilment order progress, LWA tokens,
//! call log and faults.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ControlClient, ControlError};
use crate::{CallRecord, Fault};

impl ControlClient {
    /// Sets a SKU's fulfillable FBA units (adds the SKU to FBA if needed); returns its summary.
    pub async fn amazon_set_fba_stock(
        &self,
        sku: &str,
        fulfillable: i64,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/fba/stock", self.amazon),
            &json!({"sku": sku, "fulfillable": fulfillable}),
        )
        .await
    }

    /// Every FBA SKU as an inventory summary with details.
    pub async fn amazon_fba_stock(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/fba/stock", self.amazon))
            .await?;
        Ok(v["inventorySummaries"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    /// Every fulfilment order, each as `getFulfillmentOrder` would return its payload.
    pub async fn amazon_orders(&self) -> Result<Vec<Value>, ControlError> {
        let v: Value = self
            .get(format!("{}/_sandbox/mcf/orders", self.amazon))
            .await?;
        Ok(v["orders"].as_array().cloned().unwrap_or_default())
    }

    /// One fulfilment order's `getFulfillmentOrder` payload.
    pub async fn amazon_order(&self, id: &str) -> Result<Value, ControlError> {
        self.get(format!(
            "{}/_sandbox/mcf/orders/{}",
            self.amazon,
            encode(id)
        ))
        .await
    }

    /// Moves an open order to Planning, Processing, Unfulfillable, Invalid or Cancelled.
    pub async fn amazon_set_order_status(
        &self,
        id: &str,
        status: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/mcf/orders/{}/status", self.amazon, encode(id)),
            &json!({"status": status}),
        )
        .await
    }

    /// Ships an open order in one package: Complete with a SHIPPED shipment.
    pub async fn amazon_ship(
        &self,
        id: &str,
        carrier_code: &str,
        tracking_number: &str,
    ) -> Result<Value, ControlError> {
        self.post(
            format!("{}/_sandbox/mcf/orders/{}/ship", self.amazon, encode(id)),
            &json!({"carrier_code": carrier_code, "tracking_number": tracking_number}),
        )
        .await
    }

    /// Every access token issued so far expires now.
    pub async fn amazon_expire_tokens(&self) -> Result<(), ControlError> {
        let _: Value = self
            .post(
                format!("{}/_sandbox/tokens/expire", self.amazon),
                &json!({}),
            )
            .await?;
        Ok(())
    }

    /// The seller withdraws the app's authorization: the refresh token gets `invalid_grant`.
    pub async fn amazon_revoke_refresh_token(&self) -> Result<(), ControlError> {
        let _: Value = self
            .post(
                format!("{}/_sandbox/refresh_token/revoke", self.amazon),
                &json!({}),
            )
            .await?;
        Ok(())
    }

    /// SP-API and LWA calls (`operation` = the SP-API operation name, or `token`).
    pub async fn amazon_calls(&self) -> Result<Vec<CallRecord>, ControlError> {
        self.get(format!("{}/_sandbox/calls", self.amazon)).await
    }

    /// Scripts a fault; `path_contains` matches the path or the operation name.
    pub async fn amazon_fault(&self, fault: &Fault) -> Result<(), ControlError> {
        let body = serde_json::to_value(fault).unwrap_or(Value::Null);
        let _: Value = self
            .post(format!("{}/_sandbox/faults", self.amazon), &body)
            .await?;
        Ok(())
    }
}

/// What a daemon's `[organization.store]` needs to reach the simulated seller (beside the
/// LWA credentials in [`crate::Credentials`]): `Credentials::store("amazon")`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AmazonSeller {
    /// The merchant token (`sellerId`).
    pub seller_id: String,
    /// The seller's marketplace, e.g. `ATVPDKIKX0DER`.
    pub marketplace_id: String,
}

/// One of the seller's listings as Seller Central shows it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AmazonListing {
    pub sku: String,
    pub asin: String,
    pub item_name: String,
    /// The variation family's parent SKU (children only).
    pub parent_sku: Option<String>,
    /// A parent's children.
    pub child_skus: Vec<String>,
    /// None for a parent (no offer).
    pub price: Option<String>,
    /// Fulfilled by Amazon (its quantity is FBA stock), else merchant-fulfilled.
    pub fba: bool,
    /// FBA fulfillable units, or the MFN quantity.
    pub quantity: i64,
}

#[derive(Deserialize)]
struct SellerView {
    listings: Vec<AmazonListing>,
}

impl ControlClient {
    /// Every listing of the seller (parents, children and standalone SKUs).
    pub async fn amazon_listings(&self) -> Result<Vec<AmazonListing>, ControlError> {
        let view: SellerView = self.get(format!("{}/_sandbox/seller", self.amazon)).await?;
        Ok(view.listings)
    }

    /// The merchant changes an offer's price.
    pub async fn amazon_set_price(&self, sku: &str, price: &str) -> Result<(), ControlError> {
        let _: Value = self
            .post(
                format!("{}/_sandbox/seller/listings/{}", self.amazon, encode(sku)),
                &json!({"price": price}),
            )
            .await?;
        Ok(())
    }

    /// The merchant sets a merchant-fulfilled SKU's quantity.
    pub async fn amazon_set_mfn_quantity(&self, sku: &str, qty: i64) -> Result<(), ControlError> {
        let _: Value = self
            .post(
                format!("{}/_sandbox/seller/listings/{}", self.amazon, encode(sku)),
                &json!({"mfn_quantity": qty}),
            )
            .await?;
        Ok(())
    }

    /// The merchant deletes a product (the family of this ASIN) in Seller Central.
    pub async fn amazon_delete_family(&self, asin: &str) -> Result<(), ControlError> {
        let url = format!("{}/_sandbox/seller/families/{}", self.amazon, encode(asin));
        let _: Value = self.send(self.http.delete(&url), url).await?;
        Ok(())
    }
}

/// Percent-encodes an order id for a control path segment.
fn encode(id: &str) -> String {
    form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
