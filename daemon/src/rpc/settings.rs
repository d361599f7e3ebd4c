//! Per-shop settings: stock buffer and cap, price rule, locations, listing defaults.

use super::{ConsoleServer, internal};
use crate::store;
use feedbridge_common::catalog::ShopSettings;
use feedbridge_common::rpc::RpcError;

fn shop_connection(server: &ConsoleServer, shop: &str) -> Result<i64, RpcError> {
    server
        .engine
        .orgs
        .iter()
        .flat_map(|o| o.shops.iter())
        .find(|s| s.name == shop)
        .map(|s| s.connection)
        .ok_or_else(|| RpcError::NotFound(format!("no TikTok shop named \"{shop}\"")))
}

pub async fn shop_settings(server: &ConsoleServer, shop: String) -> Result<ShopSettings, RpcError> {
    let connection = shop_connection(server, &shop)?;
    server
        .engine
        .store
        .call(move |conn| store::shop_settings(conn, connection))
        .await
        .map_err(internal)
}

pub async fn set_shop_settings(
    server: &ConsoleServer,
    shop: String,
    settings: ShopSettings,
) -> Result<String, RpcError> {
    let connection = shop_connection(server, &shop)?;
    server
        .engine
        .store
        .call(move |conn| store::set_shop_settings(conn, connection, &settings))
        .await
        .map_err(internal)?;
    Ok(format!("Settings of {shop} saved."))
}
