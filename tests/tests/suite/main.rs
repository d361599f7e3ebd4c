//! End-to-end tests: the real daemon binary against the simulators over loopback HTTP.
//! One test binary per crate: each extra binary links every dependency again (~50 MB and
//! seconds of linking each), and the tests still run two at a time on two cores.

mod amazon_source;
mod burst;
mod chaos;
mod compliance;
mod conformance;
mod connections;
mod console_forms;
mod daemon_cli;
mod demo;
mod disk_full;
mod end_to_end;
mod failures_and_retry;
mod linking;
mod listing;
mod magento;
mod mcf;
mod mcf_uk;
mod metrics;
mod orders;
mod orders_crash;
mod organizations;
mod packaging;
mod product_status;
mod regions;
mod returns;
mod shopify_catalog;
mod shops;
mod stock;
mod store_change;
mod tiktok_source;
mod tiktok_webhooks;
mod webhook_abuse;
mod wix;
