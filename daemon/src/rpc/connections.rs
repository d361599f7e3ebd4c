//! Connection checks and TikTok authorization.

use super::ConsoleServer;
use crate::sync::connections::{self, AuthorizationError};
use feedbridge_common::catalog::{AuthorizationStart, ConnectionTest};
use feedbridge_common::rpc::RpcError;

fn rpc_error(error: AuthorizationError) -> RpcError {
    match error {
        AuthorizationError::UnknownShop(_) => RpcError::NotFound(error.to_string()),
        AuthorizationError::Refused(reason) => RpcError::Invalid(reason),
        AuthorizationError::Database(_) => RpcError::Internal(error.to_string()),
    }
}

pub async fn test_connection(
    server: &ConsoleServer,
    name: String,
) -> Result<ConnectionTest, RpcError> {
    connections::test_connection(&server.engine, &name)
        .await
        .map_err(|error| match error {
            AuthorizationError::UnknownShop(_) => RpcError::NotFound(format!(
                "there is no connection named {name}: use a TikTok shop name or <organization>-store"
            )),
            other => rpc_error(other),
        })
}

pub async fn start_authorization(
    server: &ConsoleServer,
    shop: String,
) -> Result<AuthorizationStart, RpcError> {
    connections::start_authorization(&server.engine, &shop)
        .await
        .map_err(rpc_error)
}

pub async fn finish_authorization(
    server: &ConsoleServer,
    shop: String,
    code: String,
    state: String,
) -> Result<String, RpcError> {
    connections::finish_authorization(&server.engine, &shop, &code, &state)
        .await
        .map_err(rpc_error)
}
