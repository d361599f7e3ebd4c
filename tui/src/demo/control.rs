//! The simulators' control API (`/_sandbox/...`): what a buyer, a reviewer and a warehouse
//! would do on the real platforms.

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

#[derive(Clone)]
pub struct Control {
    http: reqwest::Client,
    tiktok: String,
    shopify: String,
}

/// A product as the TikTok simulator holds it.
#[derive(Clone, Debug, Deserialize)]
pub struct TikTokProduct {
    pub id: String,
    #[serde(default)]
    pub title: String,
    /// `PENDING`, `ACTIVATE`, `FAILED`, ...
    pub status: String,
}

#[derive(Deserialize)]
struct Products {
    products: Vec<TikTokProduct>,
}

#[derive(Deserialize)]
struct Placed {
    order_id: String,
}

impl Control {
    pub fn new(tiktok_url: &str, shopify_url: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .context("Failed to build an HTTP client")?;
        Ok(Self {
            http,
            tiktok: tiktok_url.trim_end_matches('/').to_string(),
            shopify: shopify_url.trim_end_matches('/').to_string(),
        })
    }

    async fn send(&self, request: reqwest::RequestBuilder, what: &str) -> anyhow::Result<Value> {
        let response = request
            .send()
            .await
            .with_context(|| format!("Failed to {what}"))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let message = body
                .get("error")
                .and_then(Value::as_str)
                .map_or_else(|| body.to_string(), str::to_string);
            bail!("Failed to {what}: HTTP {status}: {message}");
        }
        Ok(body)
    }

    /// Every product on the TikTok simulator.
    pub async fn tiktok_products(&self) -> anyhow::Result<Vec<TikTokProduct>> {
        let url = format!("{}/_sandbox/products", self.tiktok);
        let body = self
            .send(self.http.get(url), "list TikTok products")
            .await?;
        let products: Products =
            serde_json::from_value(body).context("Unexpected TikTok product list")?;
        Ok(products.products)
    }

    /// Approve (or reject) a product that is under TikTok review.
    pub async fn review(&self, product_id: &str, approve: bool) -> anyhow::Result<()> {
        let url = format!("{}/_sandbox/products/{product_id}/review", self.tiktok);
        let body = json!({"approve": approve, "reasons": []});
        self.send(
            self.http.post(url).json(&body),
            &format!("review TikTok product {product_id}"),
        )
        .await?;
        Ok(())
    }

    /// A buyer places a paid order on TikTok; returns the TikTok order id.
    pub async fn place_order(&self, lines: &[(String, u32)]) -> anyhow::Result<String> {
        let url = format!("{}/_sandbox/orders", self.tiktok);
        let lines: Vec<Value> = lines
            .iter()
            .map(|(sku, quantity)| json!({"seller_sku": sku, "quantity": quantity}))
            .collect();
        let body = self
            .send(
                self.http.post(url).json(&json!({ "lines": lines })),
                "place a TikTok order",
            )
            .await?;
        let placed: Placed =
            serde_json::from_value(body).context("Unexpected answer to placing an order")?;
        Ok(placed.order_id)
    }

    /// Set a SKU's available stock in the store.
    pub async fn set_stock(&self, sku: &str, available: i64) -> anyhow::Result<()> {
        let url = format!("{}/_sandbox/inventory", self.shopify);
        self.send(
            self.http
                .post(url)
                .json(&json!({"sku": sku, "available": available})),
            &format!("set store stock of {sku}"),
        )
        .await?;
        Ok(())
    }

    /// The warehouse ships a store order (`legacy_id` is the number in its GID).
    pub async fn fulfil(
        &self,
        legacy_id: &str,
        tracking_number: &str,
        company: &str,
    ) -> anyhow::Result<()> {
        let url = format!("{}/_sandbox/orders/{legacy_id}/fulfill", self.shopify);
        self.send(
            self.http.post(url).json(&json!({
                "tracking_number": tracking_number,
                "company": company,
            })),
            &format!("fulfil store order {legacy_id}"),
        )
        .await?;
        Ok(())
    }
}

/// The numeric id at the end of a Shopify GID: "gid://shopify/Order/1001" → "1001".
pub fn legacy_id(gid: &str) -> Option<&str> {
    let id = gid.rsplit('/').next()?;
    let id = id.split('?').next()?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// A 22-digit USPS-style tracking number, distinct per serial (0–99).
pub fn tracking_number(serial: u32) -> String {
    format!("94001118992238572684{:02}", serial % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_ids_come_from_gids() {
        assert_eq!(legacy_id("gid://shopify/Order/5001"), Some("5001"));
        assert_eq!(legacy_id("5001"), Some("5001"));
        assert_eq!(legacy_id("gid://shopify/Order/"), None);
        assert_eq!(legacy_id("gid://shopify/Order/abc"), None);
    }

    #[test]
    fn tracking_numbers_look_like_usps() {
        assert_eq!(tracking_number(99), "9400111899223857268499");
        assert_eq!(tracking_number(1).len(), 22);
        assert_ne!(tracking_number(1), tracking_number(2));
    }
}
