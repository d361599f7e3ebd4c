//! The console and CLI against a fake daemon serving fixed samples over a real Unix socket,
//! and (`paging`) the console against the real daemon run in-process.
//! One test binary per crate: each extra binary links every dependency again (~50 MB and
//! seconds of linking each), and the tests still run two at a time on two cores.

mod support;

mod catalog_cli;
mod catalog_console;
mod cli;
mod console;
mod forms_console;
mod live;
mod orders_cli;
mod orders_console;
mod paging;
mod requests;
mod small_terminal;
