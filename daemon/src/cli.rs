//! `feedbridged`'s command line. In the library so its man page is generated from the same
//! definition (`feedbridged --write-man DIR`, used by packaging/build-deb).

use crate::logging::LogFormat;
use crate::startup::Flags;
use clap::{CommandFactory, Parser};
use std::path::{Path, PathBuf};

/// What `feedbridged` exits with; shown by `--help` and in the man page.
pub const EXIT_STATUS: &str = "\
Exit status:
  0  stopped cleanly after SIGTERM or SIGINT; with --check-config: the config and secrets are valid
  1  could not start, or failed while running; with --check-config: they are not (the reason is on stderr)
  2  bad command line (unknown flag, missing value)";

#[derive(Debug, Parser)]
#[command(
    name = "feedbridged",
    version,
    about = "Keeps a store and TikTok Shop in step.",
    after_help = EXIT_STATUS
)]
pub struct Args {
    /// Config file (default: ~/.config/feedbridge/config.toml); a missing one is an error
    /// unless --allow-empty.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Database, logs and secrets (default: from the config, else ~/.local/share/feedbridge).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Console socket (default: from FEEDBRIDGE_SOCKET, the config, else the runtime dir).
    #[arg(long)]
    pub socket: Option<PathBuf>,
    /// Let this group's members use the console too: the socket becomes 0660 (overrides
    /// daemon.socket_group).
    #[arg(long)]
    pub socket_group: Option<String>,
    /// Start with every setting at its default when the config file does not exist.
    #[arg(long)]
    pub allow_empty: bool,
    /// Log lines as text or JSON (stderr, and the log file when one is kept).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Check the config, secrets, paths, log filter and socket group as a start would, then
    /// exit.
    #[arg(long)]
    pub check_config: bool,
    /// List each store platform and what it can do (orders, changes, refunds, tracking), as
    /// text or one JSON object per line, then exit.
    #[arg(long, value_name = "FORMAT", num_args = 0..=1, default_missing_value = "text")]
    pub platforms: Option<PlatformsFormat>,
    /// Write the man page feedbridged.1 into DIR, then exit (packaging).
    #[arg(long, value_name = "DIR", hide = true)]
    pub write_man: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlatformsFormat {
    Text,
    Json,
}

/// `feedbridged --platforms`: every store platform with its capabilities.
pub fn platforms(format: PlatformsFormat) -> String {
    use crate::connector::store_platform::{ChangeFeed, TrackingSource, connector_for};
    use feedbridge_common::config::StorePlatform;
    let mut out = String::new();
    for &platform in StorePlatform::ALL {
        let capabilities = connector_for(platform).capabilities();
        let line = match format {
            PlatformsFormat::Json => serde_json::json!({
                "platform": platform.as_str(),
                "label": platform.label(),
                "orders": capabilities.orders.describe(),
                "capabilities": capabilities,
            })
            .to_string(),
            PlatformsFormat::Text => format!(
                "{:<12} orders {}; changes by {}; a store refund {}; tracking {}",
                platform.as_str(),
                capabilities.orders.describe(),
                match capabilities.changes {
                    ChangeFeed::Webhooks => "webhooks (polls behind them)",
                    ChangeFeed::Polling => "polling",
                },
                if capabilities.refund_cancels {
                    "cancels an unshipped TikTok order"
                } else {
                    "is not read"
                },
                match capabilities.tracking {
                    TrackingSource::Shipments => "per shipment",
                    TrackingSource::OrderLevel => "per order",
                },
            ),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

impl Args {
    pub fn flags(&self) -> Flags {
        Flags {
            config: self.config.clone(),
            data_dir: self.data_dir.clone(),
            socket: self.socket.clone(),
            socket_group: self.socket_group.clone(),
            allow_empty: self.allow_empty,
            log_format: self.log_format,
        }
    }
}

/// Write `feedbridged.1` into `dir` (created if missing); returns its path.
pub fn write_man_page(dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("feedbridged.1");
    let mut page = Vec::new();
    clap_mangen::Man::new(Args::command()).render(&mut page)?;
    std::fs::write(&path, page)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_is_well_formed() {
        Args::command().debug_assert();
    }

    #[test]
    fn help_and_man_page_state_the_exit_status() {
        let help = Args::command().render_help().to_string();
        assert!(
            help.contains("Exit status:\n  0  stopped cleanly"),
            "{help}"
        );
        let dir = tempfile::tempdir().unwrap();
        let page = std::fs::read_to_string(write_man_page(dir.path()).unwrap()).unwrap();
        assert!(page.contains(".TH feedbridged 1"), "{page}");
        assert!(page.contains("bad command line"), "{page}");
        assert!(page.contains("\\-\\-check\\-config"), "{page}");
        assert!(
            !page.contains("write\\-man"),
            "hidden flag in the page: {page}"
        );
    }
}
