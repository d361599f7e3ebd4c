//! TikTok webhook types beyond orders and products (tiktok-shop.md §7): what each carries and
//! the work it queues. The handler in `webhooks.rs` routes to these.

use crate::store;
use crate::sync::{Engine, ShopRuntime, kind, notices};
use std::time::Duration;
use tracing::debug;

/// The orders a PACKAGE_UPDATE (type 4) names: `package_list[].order_id_list[]` (ids as
/// strings or numbers), and a top-level `order_id` if one is sent.
pub fn package_orders(data: &serde_json::Value) -> Vec<String> {
    let id = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let mut orders: Vec<String> = data
        .get("package_list")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("order_id_list").and_then(serde_json::Value::as_array))
        .flatten()
        .filter_map(id)
        .chain(data.get("order_id").and_then(id))
        .collect();
    orders.sort();
    orders.dedup();
    orders
}

/// Queue these orders to be read again (the batched read of ORDER_STATUS_CHANGE).
pub async fn queue_order_reads(
    engine: &Engine,
    connection: i64,
    orders: Vec<String>,
) -> Result<(), store::StoreError> {
    if orders.is_empty() {
        return Ok(());
    }
    engine
        .store
        .call(move |conn| {
            orders
                .iter()
                .try_for_each(|order| store::queue_order_fetch(conn, connection, order))
        })
        .await?;
    engine
        .enqueue(kind::ORDER_FETCH, connection, Duration::ZERO)
        .await
}

/// UPCOMING_AUTHORIZATION_EXPIRATION (type 7): `expiration_time` (Unix seconds, a number or
/// a string) shown on the connection with the fix.
pub async fn authorization_expiring(
    engine: &Engine,
    shop: &ShopRuntime,
    data: &serde_json::Value,
) -> Result<(), store::StoreError> {
    let expires_at = match data.get("expiration_time") {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let Some(expires_at) = expires_at else {
        debug!(shop = %shop.name, "Authorization expiry notice without an expiration_time.");
        return Ok(());
    };
    notices::authorization_expiring(engine, shop.connection, expires_at).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn package_update_names_each_order_once() {
        let data = json!({"package_list": [
            {"package_id": "1", "order_id_list": ["576", 577]},
            {"package_id": "2", "order_id_list": ["576"]},
        ], "update_time": 1});
        assert_eq!(package_orders(&data), vec!["576", "577"]);
        assert!(package_orders(&json!({})).is_empty());
    }
}
