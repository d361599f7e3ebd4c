//! `feedbridge`: the console and command line for `feedbridged`.
//!
//! - [`cli`]: argument parsing and the scriptable subcommands.
//! - [`console`]: the interactive console's main loop; [`app`] its state, [`ui`] its layout,
//!   [`components`] its parts, [`keys`] the key bindings, [`live`] the task that follows the
//!   daemon's event feed.
//! - [`demo`]: `feedbridge demo`, the simulators plus a real daemon and a scripted story.

pub mod action;
pub mod app;
pub mod attribute_editor;
pub mod attributes_cli;
pub mod catalog_cli;
pub mod cli;
pub mod client;
pub mod clipboard;
pub mod compliance_cli;
pub mod components;
pub mod console;
#[cfg(feature = "demo")]
pub mod demo;
pub mod editors;
pub mod format;
pub mod forms;
pub mod keys;
pub mod live;
pub mod manual;
pub mod orders_cli;
pub mod requests;
pub mod settings;
pub mod store_cli;
pub mod ui;

#[cfg(feature = "demo")]
pub use demo::{DemoOptions, DemoSummary, run as run_demo};
