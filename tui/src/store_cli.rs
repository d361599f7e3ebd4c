//! `feedbridge store ORG connect|replace|disconnect`: change an organization's store without
//! editing the files or restarting. The credentials come from a file or stdin, never argv,
//! and are never printed.

use clap::{Args, Subcommand};
use feedbridge_common::secret::Secret;
use feedbridge_common::store_change::{StoreChange, parse_store_setting};
use std::io::Read;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Connect a store to an organization that has none (a new organization is added to the
    /// config). The daemon checks the store answers before anything is changed.
    Connect(StoreTarget),
    /// Put another store in place of the organization's store. The old store's products and
    /// listings are dropped and the new store's are linked to TikTok by seller SKU; orders
    /// keep their history.
    Replace(StoreTarget),
    /// Remove the organization's store: its TikTok shops stop syncing until one is connected.
    Disconnect,
}

#[derive(Debug, Args)]
pub struct StoreTarget {
    /// The store platform, e.g. shopify, woocommerce.
    #[arg(long, value_name = "PLATFORM")]
    pub platform: String,
    /// The store's address, e.g. https://acme.myshopify.com.
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// A file holding the keys of the store's secrets section as `key = "value"` lines
    /// (e.g. `access_token = "shpat_..."` for Shopify); `-` reads them from stdin.
    #[arg(long, value_name = "FILE")]
    pub credential_file: PathBuf,
    /// A store setting besides the address, as KEY=VALUE; repeat for more. An Amazon store
    /// needs `--set marketplace_id=ATVPDKIKX0DER --set seller_id=<merchant token>`.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_store_setting)]
    pub settings: Vec<(String, String)>,
}

/// The change to send, with the credentials read from their file or stdin.
pub fn store_change(
    organization: String,
    target: StoreTarget,
    replace: bool,
) -> anyhow::Result<StoreChange> {
    let credentials = if target.credential_file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| anyhow::anyhow!("Cannot read the credentials from stdin: {e}"))?;
        text
    } else {
        std::fs::read_to_string(&target.credential_file).map_err(|e| {
            anyhow::anyhow!(
                "Cannot read the credential file {}: {e}",
                target.credential_file.display()
            )
        })?
    };
    Ok(StoreChange {
        organization,
        platform: target.platform,
        url: target.url,
        credentials: Secret::new(credentials),
        replace,
        settings: target.settings,
    })
}
