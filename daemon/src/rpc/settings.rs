//! Per-shop settings: stock buffer and cap, price rule, locations, listing defaults.

use super::orders::shop_connection;
use super::{ConsoleServer, internal};
use crate::{pricing, store};
use feedbridge_common::catalog::ShopSettings;
use feedbridge_common::rpc::RpcError;
use std::time::Duration;

pub async fn shop_settings(server: &ConsoleServer, shop: String) -> Result<ShopSettings, RpcError> {
    let connection = shop_connection(server, &shop)?;
    server
        .engine
        .store
        .read(move |conn| store::shop_settings(conn, connection))
        .await
        .map_err(internal)
}

/// Validate and save; then push every listing of the shop so TikTok shows the new rules.
pub async fn set_shop_settings(
    server: &ConsoleServer,
    shop: String,
    settings: ShopSettings,
) -> Result<String, RpcError> {
    let connection = shop_connection(server, &shop)?;
    if let Some(problem) = pricing::settings_problem(&settings) {
        return Err(RpcError::Invalid(format!(
            "Settings of {shop} not saved: {problem}"
        )));
    }
    let new_rate = settings.currency_rate;
    let (listings, old_rate) = server
        .engine
        .store
        .call(move |conn| {
            let old_rate = store::shop_settings(conn, connection)?.currency_rate;
            store::set_shop_settings(conn, connection, &settings)?;
            Ok((
                store::listed_skus(conn, connection)?
                    .into_iter()
                    .map(|sku| sku.listing_id)
                    .collect::<std::collections::BTreeSet<i64>>(),
                old_rate,
            ))
        })
        .await
        .map_err(internal)?;
    // A new currency rate may unblock (or block) a shop in another currency: check it again.
    if old_rate != new_rate
        && let Some((org, _)) = server.engine.shop(connection)
    {
        server
            .engine
            .enqueue(crate::sync::kind::CONNECT, org.id, Duration::ZERO)
            .await
            .map_err(internal)?;
    }
    let count = listings.len();
    server
        .engine
        .enqueue_many(
            crate::sync::kind::PUSH_STOCK,
            listings.into_iter().collect(),
            Duration::ZERO,
        )
        .await
        .map_err(internal)?;
    Ok(format!(
        "Settings of {shop} saved; stock and prices of {count} listed product(s) are being updated."
    ))
}
