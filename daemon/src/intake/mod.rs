//! Where changes come in: platform webhooks (verified, recorded, answered fast) and pollers
//! with stored cursors, the safety net that finds whatever a webhook missed.

pub mod listener;
mod oauth;
mod pollers;
mod tiktok_notices;
mod webhooks;

pub use pollers::run_pollers;
pub use webhooks::{WebhookApp, router};
