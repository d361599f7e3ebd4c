//! Category mapping, SKU choice, product detail and re-submission.

use super::ConsoleServer;
use feedbridge_common::catalog::{MappingReport, ProductDetail};
use feedbridge_common::rpc::RpcError;

pub async fn map_categories(
    _server: &ConsoleServer,
    _listing_ids: Vec<i64>,
    _category_id: String,
) -> Result<MappingReport, RpcError> {
    Err(RpcError::Internal(
        "map_categories is not available yet".into(),
    ))
}

pub async fn unmap_category(_server: &ConsoleServer, _listing_id: i64) -> Result<String, RpcError> {
    Err(RpcError::Internal(
        "unmap_category is not available yet".into(),
    ))
}

pub async fn product_detail(
    _server: &ConsoleServer,
    _listing_id: i64,
) -> Result<ProductDetail, RpcError> {
    Err(RpcError::Internal(
        "product_detail is not available yet".into(),
    ))
}

pub async fn select_skus(
    _server: &ConsoleServer,
    _listing_id: i64,
    _seller_skus: Vec<String>,
) -> Result<String, RpcError> {
    Err(RpcError::Internal(
        "select_skus is not available yet".into(),
    ))
}

pub async fn resubmit(_server: &ConsoleServer, _listing_ids: Vec<i64>) -> Result<u32, RpcError> {
    Err(RpcError::Internal("resubmit is not available yet".into()))
}
