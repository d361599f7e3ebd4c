//! The connectors against the simulators over loopback HTTP.
//! One test binary per crate: each extra binary links every dependency again (~50 MB and
//! seconds of linking each), and the tests still run two at a time on two cores.

mod connector_amazon;
mod connector_amazon_store;
mod connector_bigcommerce;
mod connector_magento;
mod connector_prestashop;
mod connector_sfcc;
mod connector_shopify;
mod connector_tiktok;
mod connector_tiktok_source;
mod connector_wix;
mod connector_woocommerce;
mod store_fixtures;
