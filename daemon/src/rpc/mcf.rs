//! Amazon MCF rules per TikTok shop.

use super::orders::shop_connection;
use super::{ConsoleServer, internal};
use crate::store;
use feedbridge_common::mcf::McfSettings;
use feedbridge_common::rpc::RpcError;
use rust_decimal::Decimal;

pub async fn mcf_settings(server: &ConsoleServer, shop: String) -> Result<McfSettings, RpcError> {
    let connection = shop_connection(server, &shop)?;
    server
        .engine
        .store
        .read(move |conn| store::mcf_settings(conn, connection))
        .await
        .map_err(internal)
}

fn settings_problem(settings: &McfSettings) -> Option<&'static str> {
    if settings.max_units == Some(0) {
        return Some("the unit limit must be at least 1 (or none)");
    }
    if settings
        .max_order_value
        .is_some_and(|value| value <= Decimal::ZERO)
    {
        return Some("the order value limit must be above 0 (or none)");
    }
    None
}

pub async fn set_mcf_settings(
    server: &ConsoleServer,
    shop: String,
    settings: McfSettings,
) -> Result<String, RpcError> {
    let connection = shop_connection(server, &shop)?;
    if let Some(problem) = settings_problem(&settings) {
        return Err(RpcError::Invalid(format!(
            "Amazon MCF settings of {shop} not saved: {problem}"
        )));
    }
    server
        .engine
        .store
        .call(move |conn| store::set_mcf_settings(conn, connection, &settings))
        .await
        .map_err(internal)?;
    let amazon = server
        .engine
        .shop(connection)
        .is_some_and(|(org, _)| org.fulfiller.is_some());
    Ok(if amazon {
        format!("Amazon MCF settings of {shop} saved; they apply to orders not yet sent.")
    } else {
        format!(
            "Amazon MCF settings of {shop} saved; they take effect once its organization has an [organization.amazon] account configured."
        )
    })
}
