//! Types shared by the daemon (`feedbridged`) and the console (`feedbridge`): the domain
//! statuses, the config file, the `Console` RPC service and where its socket lives.
//! No I/O beyond path lookups, no runtime.

pub mod attributes;
pub mod catalog;
pub mod compliance;
pub mod config;
pub mod domain;
pub mod mcf;
pub mod measure;
pub mod orders;
pub mod paths;
pub mod regions;
pub mod returns;
pub mod rpc;
pub mod secret;
pub mod store_change;
pub mod stores;
pub mod timestamps;

pub use domain::*;
pub use rpc::{Console, ConsoleClient};
