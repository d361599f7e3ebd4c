//! The daemon's TOML config file and its secrets file.
//!
//! Every setting has a default; unknown keys and bad values are errors that name the key and
//! the file, so a typo never silently falls back to a default.

use crate::secret::Secret;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

mod key_line;
mod secrets_file;
mod webhook_port;

use crate::stores::StoreSecretsByOrg;
pub use crate::stores::{StorePlatform, StoreSecrets};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub daemon: DaemonSettings,
    #[serde(default)]
    pub sync: SyncSettings,
    #[serde(default)]
    pub tiktok_app: TikTokAppConfig,
    #[serde(default, rename = "organization")]
    pub organizations: Vec<OrganizationConfig>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonSettings {
    /// Unix socket for the console; default in the user's runtime dir.
    pub socket: Option<PathBuf>,
    /// A group whose members may use the console too: the socket becomes 0660 owned by it
    /// (the packaged service uses `feedbridge`). Unset: feedbridged's user only (0600).
    pub socket_group: Option<String>,
    /// SQLite database, logs and secrets; default in the user's data dir.
    pub data_dir: Option<PathBuf>,
    /// `tracing` filter, e.g. "info" or "feedbridge_daemon=debug".
    #[serde(default = "defaults::log_level")]
    pub log_level: String,
    /// A copy of the log in `DATA_DIR/logs/`, rolled daily: `auto` (default) keeps one unless
    /// journald already does (under systemd), `on` always, `off` never.
    #[serde(default)]
    pub log_file: LogFile,
    /// Daily log files kept in `DATA_DIR/logs/`; older ones are deleted.
    #[serde(default = "defaults::log_retention_days")]
    pub log_retention_days: usize,
    /// Where platform webhooks are received. Off when unset (polling still runs).
    pub webhook_listen: Option<SocketAddr>,
    /// The address platforms reach `webhook_listen` at (e.g. behind a reverse proxy);
    /// defaults to `http://{webhook_listen}`.
    pub webhook_public_url: Option<String>,
    /// Secrets file (mode 0600); default `secrets.toml` in the data dir.
    pub secrets_file: Option<PathBuf>,
    /// Prometheus metrics at `http://{metrics_listen}/metrics`; off when unset. Keep it on
    /// loopback or a private network: it is not authenticated.
    pub metrics_listen: Option<SocketAddr>,
    /// A webhook request's headers must be complete this long after it starts.
    #[serde(default = "defaults::webhook_header_timeout_secs")]
    pub webhook_header_timeout_secs: u64,
    /// A webhook request's whole body must arrive within this long of its headers.
    #[serde(default = "defaults::webhook_body_timeout_secs")]
    pub webhook_body_timeout_secs: u64,
    /// A kept-alive webhook connection may wait this long for its next request.
    #[serde(default = "defaults::webhook_idle_timeout_secs")]
    pub webhook_idle_timeout_secs: u64,
    /// Webhook connections held at once; past it the oldest idle one is closed.
    #[serde(default = "defaults::webhook_max_connections")]
    pub webhook_max_connections: usize,
    /// Webhook connections held at once from one IP address.
    #[serde(default = "defaults::webhook_max_connections_per_peer")]
    pub webhook_max_connections_per_peer: usize,
}

impl Default for DaemonSettings {
    fn default() -> Self {
        Self {
            socket: None,
            socket_group: None,
            data_dir: None,
            log_level: defaults::log_level(),
            log_file: LogFile::default(),
            log_retention_days: defaults::log_retention_days(),
            webhook_listen: None,
            webhook_public_url: None,
            secrets_file: None,
            metrics_listen: None,
            webhook_header_timeout_secs: defaults::webhook_header_timeout_secs(),
            webhook_body_timeout_secs: defaults::webhook_body_timeout_secs(),
            webhook_idle_timeout_secs: defaults::webhook_idle_timeout_secs(),
            webhook_max_connections: defaults::webhook_max_connections(),
            webhook_max_connections_per_peer: defaults::webhook_max_connections_per_peer(),
        }
    }
}

/// Whether the daemon keeps its own log file beside stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFile {
    #[default]
    Auto,
    On,
    Off,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSettings {
    /// Safety-net poll of TikTok orders by update time.
    #[serde(default = "defaults::order_poll_secs")]
    pub order_poll_secs: u64,
    /// Re-read of the store catalog (prices, stock) to repair drift: only the products
    /// changed since the last read where the store can say which (Shopify).
    #[serde(default = "defaults::catalog_poll_secs")]
    pub catalog_poll_secs: u64,
    /// Read of the whole store catalog (Shopify: one bulk export) behind the changed-only
    /// polls; stores that cannot say what changed are read whole at every poll.
    #[serde(default = "defaults::catalog_full_read_secs")]
    pub catalog_full_read_secs: u64,
    /// Poll of TikTok review status for products under review.
    #[serde(default = "defaults::review_poll_secs")]
    pub review_poll_secs: u64,
    /// Poll of store orders for new fulfilments (tracking).
    #[serde(default = "defaults::fulfilment_poll_secs")]
    pub fulfilment_poll_secs: u64,
    /// Jobs run at once.
    #[serde(default = "defaults::workers")]
    pub workers: usize,
    /// Attempts before a retryable job becomes a failure a human must retry.
    #[serde(default = "defaults::max_attempts")]
    pub max_attempts: u32,
    /// Reconciliation: read what TikTok shows for listed SKUs and repair any drift (edits made
    /// on TikTok are overwritten by the store's figures).
    #[serde(default = "defaults::stock_reconcile_secs")]
    pub stock_reconcile_secs: u64,
    /// Days finished work is kept: done jobs, failed jobs whose failure is no longer open,
    /// resolved failures and webhook delivery ids (the duplicate check).
    #[serde(default = "defaults::job_retention_days")]
    pub job_retention_days: u32,
    /// Days events (the console's activity feed) are kept, except an order's timeline while
    /// the order is within `order_timeline_days`.
    #[serde(default = "defaults::event_retention_days")]
    pub event_retention_days: u32,
    /// An order's timeline is kept whole while the order is open (not shipped or cancelled)
    /// and for this many days after its last change.
    #[serde(default = "defaults::order_timeline_days")]
    pub order_timeline_days: u32,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            order_poll_secs: defaults::order_poll_secs(),
            catalog_poll_secs: defaults::catalog_poll_secs(),
            catalog_full_read_secs: defaults::catalog_full_read_secs(),
            review_poll_secs: defaults::review_poll_secs(),
            fulfilment_poll_secs: defaults::fulfilment_poll_secs(),
            workers: defaults::workers(),
            max_attempts: defaults::max_attempts(),
            stock_reconcile_secs: defaults::stock_reconcile_secs(),
            job_retention_days: defaults::job_retention_days(),
            event_retention_days: defaults::event_retention_days(),
            order_timeline_days: defaults::order_timeline_days(),
        }
    }
}

/// feedbridge's registration as a TikTok Shop app (one per installation).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TikTokAppConfig {
    #[serde(default)]
    pub app_key: String,
    #[serde(default = "defaults::tiktok_api_base")]
    pub api_base: String,
    #[serde(default = "defaults::tiktok_auth_base")]
    pub auth_base: String,
    /// Calls per second per shop; TikTok publishes per-API limits, this stays under them.
    #[serde(default = "defaults::tiktok_qps")]
    pub requests_per_second: u32,
    /// The app's service id from Partner Center; the seller authorization link carries it
    /// (tiktok-shop.md §3). Needed only to (re)authorize a shop from feedbridge.
    #[serde(default)]
    pub service_id: String,
    /// The redirect URL registered for the app in Partner Center, shown in the authorization
    /// steps. Defaults to the webhook listener's `/oauth/tiktok/callback`.
    #[serde(default)]
    pub redirect_url: Option<String>,
}

impl Default for TikTokAppConfig {
    fn default() -> Self {
        Self {
            app_key: String::new(),
            api_base: defaults::tiktok_api_base(),
            auth_base: defaults::tiktok_auth_base(),
            requests_per_second: defaults::tiktok_qps(),
            service_id: String::new(),
            redirect_url: None,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationConfig {
    pub name: String,
    /// None: no store connected (`feedbridge store ORG disconnect`); the organization's TikTok
    /// shops wait until one is.
    #[serde(default)]
    pub store: Option<StoreConfig>,
    #[serde(default, rename = "tiktok_shop")]
    pub tiktok_shops: Vec<TikTokShopConfig>,
    /// An Amazon seller account whose FBA stock fulfils TikTok orders (Multi-Channel
    /// Fulfillment). Off when absent.
    pub amazon: Option<AmazonConfig>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    pub platform: StorePlatform,
    /// The store's host: "acme.myshopify.com", or a WooCommerce site's "shop.acme.com".
    pub shop_domain: String,
    /// Override of `https://{shop_domain}` (the sandbox uses this). A WooCommerce site on
    /// plain `http://` is reached with OAuth 1.0a signatures, as WooCommerce requires.
    pub api_base: Option<String>,
    #[serde(default = "defaults::shopify_api_version")]
    pub api_version: String,
    /// A private CA or self-signed certificate (PEM file) the store's https address uses,
    /// trusted on top of the system's roots. WooCommerce only; read when the daemon starts.
    pub ca_file: Option<PathBuf>,
    /// Amazon only: the seller's marketplace (`ATVPDKIKX0DER` US, `A1F83G8C2ARO7P` UK).
    #[serde(default)]
    pub marketplace_id: Option<String>,
    /// Amazon only: the seller's merchant token (`sellerId` of Listings Items).
    #[serde(default)]
    pub seller_id: Option<String>,
    /// Amazon only: override of the Login with Amazon token endpoint (the sandbox uses this).
    #[serde(default)]
    pub token_url: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TikTokShopConfig {
    /// Our name for the shop; keys its tokens in the secrets file.
    pub name: String,
    /// TikTok's shop id, from Get Authorized Shops.
    pub shop_id: String,
}

/// Amazon Selling Partner API access for Multi-Channel Fulfillment (amazon-mcf.md).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmazonConfig {
    /// The marketplace orders ship in: "US" or "UK".
    pub marketplace: AmazonMarketplace,
    /// Override of the region's SP-API endpoint (the sandbox uses this).
    pub api_base: Option<String>,
    /// Override of the Login with Amazon token endpoint.
    pub token_url: Option<String>,
    /// How often the FBA inventory (which SKUs Amazon can ship) is read again.
    #[serde(default = "defaults::fba_refresh_secs")]
    pub fba_refresh_secs: u64,
    /// How often open fulfilment orders are looked at for progress and tracking.
    #[serde(default = "defaults::mcf_poll_secs")]
    pub mcf_poll_secs: u64,
}

impl AmazonConfig {
    /// The SP-API base URL: the override, else the marketplace's regional endpoint.
    pub fn api_base(&self) -> String {
        self.api_base
            .clone()
            .unwrap_or_else(|| self.marketplace.endpoint().to_string())
    }

    /// Login with Amazon's token endpoint (one host for every region).
    pub fn token_url(&self) -> String {
        self.token_url
            .clone()
            .unwrap_or_else(|| "https://api.amazon.com/auth/o2/token".to_string())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum AmazonMarketplace {
    US,
    UK,
}

impl AmazonMarketplace {
    /// Amazon's marketplace id.
    pub fn id(self) -> &'static str {
        match self {
            Self::US => "ATVPDKIKX0DER",
            Self::UK => "A1F83G8C2ARO7P",
        }
    }

    /// The SP-API endpoint of the marketplace's region (amazon-mcf.md §1).
    pub fn endpoint(self) -> &'static str {
        match self {
            Self::US => "https://sellingpartnerapi-na.amazon.com",
            Self::UK => "https://sellingpartnerapi-eu.amazon.com",
        }
    }

    /// ISO country code of the marketplace.
    pub fn country(self) -> &'static str {
        match self {
            Self::US => "US",
            Self::UK => "GB",
        }
    }

    pub fn currency(self) -> &'static str {
        match self {
            Self::US => "USD",
            Self::UK => "GBP",
        }
    }
}

/// `[organization.amazon]`'s default `fba_refresh_secs`, also for an Amazon store's MCF account.
pub fn default_fba_refresh_secs() -> u64 {
    defaults::fba_refresh_secs()
}

/// `[organization.amazon]`'s default `mcf_poll_secs`, also for an Amazon store's MCF account.
pub fn default_mcf_poll_secs() -> u64 {
    defaults::mcf_poll_secs()
}

mod defaults {
    pub fn fba_refresh_secs() -> u64 {
        900
    }
    pub fn mcf_poll_secs() -> u64 {
        300
    }

    pub fn log_retention_days() -> usize {
        14
    }
    pub fn log_level() -> String {
        "info".into()
    }
    pub fn webhook_header_timeout_secs() -> u64 {
        10
    }
    pub fn webhook_body_timeout_secs() -> u64 {
        30
    }
    pub fn webhook_idle_timeout_secs() -> u64 {
        60
    }
    pub fn webhook_max_connections() -> usize {
        1024
    }
    pub fn webhook_max_connections_per_peer() -> usize {
        256
    }
    pub fn order_poll_secs() -> u64 {
        30
    }
    pub fn catalog_poll_secs() -> u64 {
        60
    }
    pub fn catalog_full_read_secs() -> u64 {
        3_600
    }
    pub fn review_poll_secs() -> u64 {
        30
    }
    pub fn fulfilment_poll_secs() -> u64 {
        30
    }
    pub fn workers() -> usize {
        4
    }
    pub fn max_attempts() -> u32 {
        8
    }
    pub fn stock_reconcile_secs() -> u64 {
        300
    }
    pub fn job_retention_days() -> u32 {
        7
    }
    pub fn event_retention_days() -> u32 {
        30
    }
    pub fn order_timeline_days() -> u32 {
        90
    }
    pub fn tiktok_api_base() -> String {
        "https://open-api.tiktokglobalshop.com".into()
    }
    pub fn tiktok_auth_base() -> String {
        "https://auth.tiktok-shops.com".into()
    }
    pub fn tiktok_qps() -> u32 {
        10
    }
    pub fn shopify_api_version() -> String {
        "2026-10".into()
    }
}

/// A config (or secrets) file that cannot be used, naming the file and the key.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub file: PathBuf,
    /// Dotted path of the offending key, e.g. `sync.workers`; empty when the file as a whole
    /// is unreadable.
    pub key: String,
    pub message: String,
    /// 1-based line the key (or the parse error) is on, when the file has it.
    pub line: Option<usize>,
}

impl ConfigError {
    pub fn new(file: &Path, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            key: key.into(),
            message: message.into(),
            line: None,
        }
    }

    /// Say which line of `text` (the file's contents) the key is on.
    pub fn located(mut self, text: &str) -> Self {
        if self.line.is_none() && !self.key.is_empty() {
            self.line = key_line::line_of(text, &self.key);
        }
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if self.key.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": key `{}`: {}", self.key, self.message)
        }
    }
}

/// Deserialize TOML, reporting the dotted key path of the first problem.
fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, file: &Path) -> Result<T, ConfigError> {
    let deserializer = toml::Deserializer::parse(text).map_err(|error| ConfigError {
        line: error.span().map(|span| key_line::line_at(text, span.start)),
        ..ConfigError::new(file, "", one_line(&error.to_string()))
    })?;
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let key = error.path().to_string();
        let key = if key == "." { String::new() } else { key };
        let inner = error.into_inner();
        let mut error = ConfigError::new(file, key, one_line(&inner.to_string()));
        error.line = inner.span().map(|span| key_line::line_at(text, span.start));
        error.located(text)
    })
}

/// toml errors span several lines with a source excerpt; keep the message (the line is
/// said in front of it).
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| {
            !line.is_empty()
                && !line.starts_with("TOML parse error at ")
                && !line.starts_with('|')
                && !line.contains(" | ")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Config {
    /// Parse and validate a config file's text; `file` is only used in errors.
    pub fn from_toml(text: &str, file: &Path) -> Result<Self, ConfigError> {
        let config: Config = parse_toml(text, file)?;
        config.validate(file).map_err(|error| error.located(text))?;
        Ok(config)
    }

    fn validate(&self, file: &Path) -> Result<(), ConfigError> {
        let bad = |key: String, message: String| ConfigError::new(file, key, message);
        if self.daemon.log_level.trim().is_empty() {
            return Err(bad("daemon.log_level".into(), "must not be empty".into()));
        }
        if self.daemon.log_retention_days == 0 {
            return Err(bad(
                "daemon.log_retention_days".into(),
                "must be at least 1 (set log_file = \"off\" to keep no log file)".into(),
            ));
        }
        if let Some(group) = &self.daemon.socket_group
            && !valid_name(group)
        {
            return Err(bad(
                "daemon.socket_group".into(),
                format!("\"{group}\" is not a group name"),
            ));
        }
        if let Some(url) = &self.daemon.webhook_public_url {
            check_url(url).map_err(|m| bad("daemon.webhook_public_url".into(), m))?;
        }
        self.daemon
            .check_webhook_limits()
            .map_err(|(key, message)| bad(format!("daemon.{key}"), message))?;
        for (key, value) in [
            ("sync.order_poll_secs", self.sync.order_poll_secs),
            ("sync.catalog_poll_secs", self.sync.catalog_poll_secs),
            (
                "sync.catalog_full_read_secs",
                self.sync.catalog_full_read_secs,
            ),
            ("sync.review_poll_secs", self.sync.review_poll_secs),
            ("sync.fulfilment_poll_secs", self.sync.fulfilment_poll_secs),
            ("sync.stock_reconcile_secs", self.sync.stock_reconcile_secs),
        ] {
            if value == 0 {
                return Err(bad(key.into(), "must be at least 1 second".into()));
            }
        }
        if !(1..=64).contains(&self.sync.workers) {
            return Err(bad(
                "sync.workers".into(),
                "must be between 1 and 64".into(),
            ));
        }
        if self.sync.max_attempts == 0 {
            return Err(bad("sync.max_attempts".into(), "must be at least 1".into()));
        }
        for (key, value) in [
            ("sync.job_retention_days", self.sync.job_retention_days),
            ("sync.event_retention_days", self.sync.event_retention_days),
            ("sync.order_timeline_days", self.sync.order_timeline_days),
        ] {
            if !(1..=3650).contains(&value) {
                return Err(bad(key.into(), "must be between 1 and 3650 days".into()));
            }
        }
        check_url(&self.tiktok_app.api_base).map_err(|m| bad("tiktok_app.api_base".into(), m))?;
        check_url(&self.tiktok_app.auth_base).map_err(|m| bad("tiktok_app.auth_base".into(), m))?;
        if self.tiktok_app.requests_per_second == 0 {
            return Err(bad(
                "tiktok_app.requests_per_second".into(),
                "must be at least 1".into(),
            ));
        }
        if let Some(url) = &self.tiktok_app.redirect_url {
            check_url(url).map_err(|m| bad("tiktok_app.redirect_url".into(), m))?;
        }
        let service_id = &self.tiktok_app.service_id;
        if !service_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(bad(
                "tiktok_app.service_id".into(),
                format!(
                    "\"{service_id}\" is not a service id: copy it from Partner Center (letters and digits only)"
                ),
            ));
        }
        let has_shops = self
            .organizations
            .iter()
            .any(|o| !o.tiktok_shops.is_empty());
        if has_shops && self.tiktok_app.app_key.trim().is_empty() {
            return Err(bad(
                "tiktok_app.app_key".into(),
                "is required when a TikTok shop is configured".into(),
            ));
        }
        let mut org_names = std::collections::BTreeSet::new();
        let mut shop_names = std::collections::BTreeSet::new();
        for (i, org) in self.organizations.iter().enumerate() {
            let at = format!("organization[{i}]");
            if !valid_name(&org.name) {
                return Err(bad(format!("{at}.name"), NAME_RULE.into()));
            }
            if !org_names.insert(org.name.as_str()) {
                return Err(bad(
                    format!("{at}.name"),
                    format!("\"{}\" is used by another organization", org.name),
                ));
            }
            if let Some(store) = &org.store {
                if store.shop_domain.trim().is_empty() {
                    return Err(bad(format!("{at}.store.shop_domain"), "is required".into()));
                }
                if let Some(url) = &store.api_base {
                    check_url(url).map_err(|m| bad(format!("{at}.store.api_base"), m))?;
                }
                crate::stores::amazon::refuse_elsewhere(store)
                    .and_then(|()| store.platform.check_store(store))
                    .map_err(|broken| bad(format!("{at}.store.{}", broken.key), broken.message))?;
                if let (Some(from_store), Some(amazon)) =
                    (crate::stores::amazon::marketplace(store), &org.amazon)
                    && from_store != amazon.marketplace
                {
                    return Err(bad(
                        format!("{at}.amazon.marketplace"),
                        format!(
                            "must be the Amazon store's marketplace ({}): MCF ships from the same seller account",
                            from_store.country()
                        ),
                    ));
                }
            }
            if let Some(amazon) = &org.amazon {
                for (key, url) in [
                    ("api_base", &amazon.api_base),
                    ("token_url", &amazon.token_url),
                ] {
                    if let Some(url) = url {
                        check_url(url).map_err(|m| bad(format!("{at}.amazon.{key}"), m))?;
                    }
                }
                for (key, value) in [
                    ("fba_refresh_secs", amazon.fba_refresh_secs),
                    ("mcf_poll_secs", amazon.mcf_poll_secs),
                ] {
                    if value == 0 {
                        return Err(bad(
                            format!("{at}.amazon.{key}"),
                            "must be at least 1 second".into(),
                        ));
                    }
                }
            }
            for (j, shop) in org.tiktok_shops.iter().enumerate() {
                let at = format!("{at}.tiktok_shop[{j}]");
                if !valid_name(&shop.name) {
                    return Err(bad(format!("{at}.name"), NAME_RULE.into()));
                }
                if !shop_names.insert(shop.name.as_str()) {
                    return Err(bad(
                        format!("{at}.name"),
                        format!("\"{}\" is used by another TikTok shop", shop.name),
                    ));
                }
                if shop.shop_id.trim().is_empty() {
                    return Err(bad(format!("{at}.shop_id"), "is required".into()));
                }
            }
        }
        Ok(())
    }
}

const NAME_RULE: &str = "names use 1-64 letters, digits, '-' or '_'";

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn check_url(url: &str) -> Result<(), String> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(())
    } else {
        Err(format!("\"{url}\" is not an http(s) URL"))
    }
}

/// Tokens and app secrets, kept apart from the config in a 0600 file.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    pub tiktok_app: TikTokAppSecrets,
    /// `[<store platform>.<organization>]` sections.
    pub stores: StoreSecretsByOrg,
    /// Keyed by organization name.
    pub amazon: BTreeMap<String, AmazonSecrets>,
    /// Keyed by TikTok shop name.
    pub tiktok: BTreeMap<String, TikTokShopSecrets>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TikTokAppSecrets {
    #[serde(default)]
    pub app_secret: Secret,
}

/// Login with Amazon credentials of the SP-API app and the seller's authorization.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmazonSecrets {
    /// `amzn1.application-oa2-client...`
    pub client_id: Secret,
    pub client_secret: Secret,
    /// `Atzr|...`, from the seller authorizing the app.
    pub refresh_token: Secret,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TikTokShopSecrets {
    pub access_token: Secret,
    #[serde(default)]
    pub refresh_token: Secret,
}

impl Secrets {
    pub fn from_toml(text: &str, file: &Path) -> Result<Self, ConfigError> {
        parse_toml(text, file)
    }

    /// The organization's store credentials, from its platform's section.
    pub fn store(&self, platform: StorePlatform, org: &str) -> Option<&StoreSecrets> {
        self.stores.get(&(platform, org.to_string()))
    }

    /// Every configured connection must have its secrets.
    pub fn check_against(&self, config: &Config, file: &Path) -> Result<(), ConfigError> {
        let missing = |key: String| ConfigError::new(file, key, "is missing");
        let has_shops = config
            .organizations
            .iter()
            .any(|o| !o.tiktok_shops.is_empty());
        if has_shops && self.tiktok_app.app_secret.is_empty() {
            return Err(missing("tiktok_app.app_secret".into()));
        }
        for org in &config.organizations {
            if let Some(store) = &org.store
                && self.store(store.platform, &org.name).is_none()
            {
                return Err(missing(format!("{}.{}", store.platform.as_str(), org.name)));
            }
            if org.amazon.is_some() && !self.amazon.contains_key(&org.name) {
                return Err(missing(format!("amazon.{}", org.name)));
            }
            for shop in &org.tiktok_shops {
                if !self.tiktok.contains_key(&shop.name) {
                    return Err(missing(format!("tiktok.{}", shop.name)));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml(text, Path::new("/etc/feedbridge/config.toml"))
    }

    #[test]
    fn empty_file_gives_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config.sync.order_poll_secs, 30);
        assert_eq!(config.daemon.log_level, "info");
        assert!(config.organizations.is_empty());
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let error = parse("[sync]\nworkerz = 3\n").unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("/etc/feedbridge/config.toml:2: key `sync.workerz`"),
            "{text}"
        );
        assert!(text.contains("unknown field"), "{text}");
    }

    #[test]
    fn bad_value_type_names_key() {
        let error = parse("[sync]\nworkers = \"many\"\n").unwrap_err();
        assert_eq!(error.key, "sync.workers");
        assert!(!error.message.contains('\n'));
    }

    #[test]
    fn out_of_range_value_names_key() {
        let error = parse("[sync]\nworkers = 0\n").unwrap_err();
        assert_eq!(error.key, "sync.workers");
    }

    #[test]
    fn retentions_default_and_are_checked() {
        let sync = parse("").unwrap().sync;
        assert_eq!(
            (
                sync.job_retention_days,
                sync.event_retention_days,
                sync.order_timeline_days
            ),
            (7, 30, 90)
        );
        let sync = parse("[sync]\njob_retention_days = 2\norder_timeline_days = 365\n")
            .unwrap()
            .sync;
        assert_eq!(
            (sync.job_retention_days, sync.order_timeline_days),
            (2, 365)
        );
        for key in [
            "job_retention_days",
            "event_retention_days",
            "order_timeline_days",
        ] {
            let error = parse(&format!("[sync]\n{key} = 0\n")).unwrap_err();
            assert_eq!(error.key, format!("sync.{key}"));
        }
    }

    #[test]
    fn nested_organization_key_is_named() {
        let text = r#"
            [tiktok_app]
            app_key = "k"
            [[organization]]
            name = "acme"
            [organization.store]
            platform = "shopify"
            shop_domain = "acme.myshopify.com"
            api_version = "2026-13"
        "#;
        let error = parse(text).unwrap_err();
        assert_eq!(error.key, "organization[0].store.api_version");
    }

    fn woocommerce_store(extra: &str) -> String {
        format!(
            "[[organization]]\nname = \"acme\"\n[organization.store]\n\
             shop_domain = \"shop.acme.com\"\n{extra}\n"
        )
    }

    #[test]
    fn ca_file_is_kept_for_a_woocommerce_store() {
        let config = parse(&woocommerce_store(
            "platform = \"woocommerce\"\nca_file = \"/etc/feedbridge/shop-ca.pem\"",
        ))
        .unwrap();
        assert_eq!(
            config.organizations[0]
                .store
                .as_ref()
                .and_then(|s| s.ca_file.as_deref()),
            Some(Path::new("/etc/feedbridge/shop-ca.pem"))
        );
    }

    #[test]
    fn ca_file_is_refused_where_it_cannot_apply() {
        for (extra, says) in [
            ("platform = \"woocommerce\"\nca_file = \"\"", "PEM"),
            (
                "platform = \"shopify\"\nca_file = \"/etc/ca.pem\"",
                "only applies to a WooCommerce store",
            ),
            (
                "platform = \"woocommerce\"\napi_base = \"http://shop.acme.com\"\nca_file = \"/etc/ca.pem\"",
                "only used over https",
            ),
        ] {
            let error = parse(&woocommerce_store(extra)).unwrap_err();
            assert_eq!(error.key, "organization[0].store.ca_file", "{extra}");
            assert!(error.message.contains(says), "{extra}: {error}");
        }
    }

    #[test]
    fn unknown_platform_is_rejected() {
        let text = r#"
            [[organization]]
            name = "acme"
            [organization.store]
            platform = "shopee"
            shop_domain = "x"
        "#;
        let error = parse(text).unwrap_err();
        assert!(error.key.starts_with("organization"), "{error}");
        assert!(error.message.contains("shopee"), "{error}");
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let error = parse("[sync\n").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("config.toml"), "{text}");
        assert!(
            text.starts_with("/etc/feedbridge/config.toml:1: "),
            "{text}"
        );
    }

    #[test]
    fn authorization_settings_default_and_validate() {
        let config = parse("").unwrap();
        assert!(config.tiktok_app.service_id.is_empty());
        assert!(config.tiktok_app.redirect_url.is_none());
        let config = parse(
            "[tiktok_app]\nservice_id = \"7301234567890\"\nredirect_url = \"https://feedbridge.example.com/oauth/tiktok/callback\"\n",
        )
        .unwrap();
        assert_eq!(config.tiktok_app.service_id, "7301234567890");
        let error = parse("[tiktok_app]\nredirect_url = \"feedbridge.example.com\"\n").unwrap_err();
        assert_eq!(error.key, "tiktok_app.redirect_url");
        let error = parse("[tiktok_app]\nservice_id = \"73 01\"\n").unwrap_err();
        assert_eq!(error.key, "tiktok_app.service_id");
        assert!(error.message.contains("Partner Center"), "{error}");
    }

    #[test]
    fn secrets_must_cover_each_connection() {
        let config = parse(
            r#"
            [tiktok_app]
            app_key = "k"
            [[organization]]
            name = "acme"
            [organization.store]
            platform = "shopify"
            shop_domain = "acme.myshopify.com"
            [[organization.tiktok_shop]]
            name = "acme-us"
            shop_id = "1"
        "#,
        )
        .unwrap();
        let file = Path::new("secrets.toml");
        let secrets = Secrets::from_toml(
            "[tiktok_app]\napp_secret = \"s\"\n[shopify.acme]\naccess_token = \"t\"\n",
            file,
        )
        .unwrap();
        let error = secrets.check_against(&config, file).unwrap_err();
        assert_eq!(error.key, "tiktok.acme-us");
        assert!(!format!("{secrets:?}").contains("\"t\""));
    }
}
