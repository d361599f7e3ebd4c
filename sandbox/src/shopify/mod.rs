use crate::common::Background;
use axum::Router;
use std::sync::Arc;
pub(crate) struct Shopify;
pub(crate) struct ShopCreds {
    pub(crate) domain: String,
    pub(crate) access_token: String,
    pub(crate) webhook_secret: String,
}
impl Shopify {
    pub(crate) fn new(
        _c: &crate::SandboxConfig,
        _bg: Background,
        _base: String,
    ) -> (Arc<Self>, ShopCreds) {
        (
            Arc::new(Self),
            ShopCreds {
                domain: String::new(),
                access_token: String::new(),
                webhook_secret: String::new(),
            },
        )
    }
}
pub(crate) fn router(_s: Arc<Shopify>) -> Router {
    Router::new()
}
