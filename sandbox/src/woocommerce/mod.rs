//! WooCommerce REST API v3 simulator (woocommerce.md). Placeholder until the simulator lands.

use crate::SandboxConfig;
use crate::common::Background;
use axum::Router;

pub(crate) struct SeededKeys {
    pub consumer_key: String,
    pub consumer_secret: String,
}

#[derive(Clone)]
pub(crate) struct WooCommerce;

impl WooCommerce {
    pub(crate) fn new(
        _config: &SandboxConfig,
        _bg: Background,
        _base_url: String,
    ) -> (Self, SeededKeys) {
        (
            Self,
            SeededKeys {
                consumer_key: String::new(),
                consumer_secret: String::new(),
            },
        )
    }
}

pub(crate) fn router(_woo: WooCommerce) -> Router {
    Router::new()
}
