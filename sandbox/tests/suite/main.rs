//! The simulators, held to the platforms' contracts by independent clients.
//! One test binary per crate: each extra binary links every dependency again (~50 MB and
//! seconds of linking each), and the tests still run two at a time on two cores.

mod common;

mod amazon;
mod amazon_seller;
mod bigcommerce;
mod binary;
mod magento;
mod magento_orders;
mod prestashop;
mod sfcc;
mod shopify;
mod shopify_bulk;
mod shopify_order_side;
mod shopify_refunds;
mod tiktok_auth;
mod tiktok_catalog;
mod tiktok_compliance;
mod tiktok_fidelity;
mod tiktok_order_side;
mod tiktok_orders;
mod tiktok_regions;
mod tiktok_returns;
mod tiktok_source;
mod wix;
mod woocommerce;
