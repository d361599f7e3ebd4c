//! Connection checks and TikTok authorization.

use super::ConsoleServer;
use feedbridge_common::catalog::{AuthorizationStart, ConnectionTest};
use feedbridge_common::rpc::RpcError;

pub async fn test_connection(
    _server: &ConsoleServer,
    _name: String,
) -> Result<ConnectionTest, RpcError> {
    Err(RpcError::Internal(
        "test_connection is not available yet".into(),
    ))
}

pub async fn start_authorization(
    _server: &ConsoleServer,
    _shop: String,
) -> Result<AuthorizationStart, RpcError> {
    Err(RpcError::Internal(
        "start_authorization is not available yet".into(),
    ))
}

pub async fn finish_authorization(
    _server: &ConsoleServer,
    _shop: String,
    _code: String,
    _state: String,
) -> Result<String, RpcError> {
    Err(RpcError::Internal(
        "finish_authorization is not available yet".into(),
    ))
}
