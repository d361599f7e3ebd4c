//! Linking store products to products already on TikTok.

use super::ConsoleServer;
use feedbridge_common::catalog::LinkPreview;
use feedbridge_common::rpc::RpcError;

pub async fn link_preview(_server: &ConsoleServer, _shop: String) -> Result<LinkPreview, RpcError> {
    Err(RpcError::Internal(
        "link_preview is not available yet".into(),
    ))
}

pub async fn link_apply(_server: &ConsoleServer, _shop: String) -> Result<u32, RpcError> {
    Err(RpcError::Internal("link_apply is not available yet".into()))
}

pub async fn link_manual(
    _server: &ConsoleServer,
    _listing_id: i64,
    _tiktok_product_id: String,
) -> Result<String, RpcError> {
    Err(RpcError::Internal(
        "link_manual is not available yet".into(),
    ))
}
