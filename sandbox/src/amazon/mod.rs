//! Amazon SP-API simulator: Login with Amazon, Fulfillment Outbound 2020-07-01 and FBA
//! Inventory v1 (amazon-mcf.md). Placeholder until the simulator lands.

use crate::SandboxConfig;
use crate::common::Background;
use axum::Router;

pub(crate) struct SeededCredentials {
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
}

#[derive(Clone)]
pub(crate) struct Amazon;

impl Amazon {
    pub(crate) fn new(_config: &SandboxConfig, _bg: Background) -> (Self, SeededCredentials) {
        (
            Self,
            SeededCredentials {
                client_id: String::new(),
                client_secret: String::new(),
                refresh_token: String::new(),
            },
        )
    }
}

pub(crate) fn router(_amazon: Amazon) -> Router {
    Router::new()
}
