//! From flags, environment and files to what [`crate::run`] needs. Everything the daemon
//! would refuse at start is refused here, so `--check-config` (the unit's ExecStartPre) and
//! a reload catch it before anything runs.

use crate::RunOptions;
use crate::logging::{Environment, LogFormat, LogSetup};
use crate::settings::{self, ConfigFile};
use crate::socket::Access;
use anyhow::Context;
use feedbridge_common::config::{Config, Secrets};
use feedbridge_common::paths;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The daemon's command-line choices that shape start-up.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub socket: Option<PathBuf>,
    pub socket_group: Option<String>,
    pub allow_empty: bool,
    pub log_format: LogFormat,
}

/// A config and secrets that passed every start-up check.
pub struct Startup {
    pub config_file: ConfigFile,
    pub secrets: Secrets,
    pub secrets_path: PathBuf,
    pub data_dir: PathBuf,
    pub socket: PathBuf,
    pub log: LogSetup,
}

/// Longest path a Unix socket address holds (`sun_path` is 108 bytes with its NUL).
const SOCKET_PATH_MAX: usize = 107;

impl Startup {
    /// Read and check the config, secrets, paths, log filter and socket group.
    pub fn resolve(flags: &Flags, environment: &Environment) -> anyhow::Result<Self> {
        let mut config_file = settings::load_config(flags.config.as_deref(), flags.allow_empty)?;
        let config = &config_file.config;
        let data_dir = flags
            .data_dir
            .clone()
            .or_else(|| config.daemon.data_dir.clone())
            .or_else(paths::default_data_dir)
            .context("No data directory: pass --data-dir")?;
        let in_config =
            |key: &str, error: anyhow::Error| config_file.error(key, format!("{error:#}"));
        settings::inspect_private_dir(&data_dir).map_err(|error| match flags.data_dir {
            Some(_) => error.context("--data-dir"),
            None => in_config("daemon.data_dir", error),
        })?;

        let log = LogSetup::resolve(
            &config.daemon,
            flags.log_format,
            environment,
            &log_dir(&data_dir),
        );
        if let Err(error) = log.env_filter() {
            return Err(match log.filter_source {
                "daemon.log_level" => in_config("daemon.log_level", error),
                _ => error,
            });
        }

        let socket =
            paths::resolve_socket(flags.socket.as_deref(), config.daemon.socket.as_deref());
        if socket.as_os_str().len() > SOCKET_PATH_MAX {
            let error = anyhow::anyhow!(
                "{} is {} bytes long; a Unix socket path holds at most {SOCKET_PATH_MAX}: pick a shorter one",
                socket.display(),
                socket.as_os_str().len()
            );
            return Err(match (&flags.socket, &config.daemon.socket) {
                (None, Some(_)) => in_config("daemon.socket", error),
                _ => error.context("--socket"),
            });
        }
        let socket_group = match &flags.socket_group {
            Some(group) => Some(group.clone()),
            None => config.daemon.socket_group.clone(),
        };
        if let Err(error) = Access::new(socket_group.as_deref()) {
            return Err(match flags.socket_group {
                Some(_) => error.context("--socket-group"),
                None => in_config("daemon.socket_group", error),
            });
        }

        let secrets_path = config
            .daemon
            .secrets_file
            .clone()
            .unwrap_or_else(|| data_dir.join(settings::SECRETS_FILE));
        let secrets = settings::load_secrets(&secrets_path, config)?;
        config_file.config.daemon.socket_group = socket_group;
        Ok(Self {
            config_file,
            secrets,
            secrets_path,
            data_dir,
            socket,
            log,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config_file.config
    }

    /// One line for `--check-config`.
    pub fn summary(&self) -> String {
        let config = self.config();
        format!(
            "{}: OK ({} organization(s), data dir {}, socket {}{})",
            self.config_file.describe(),
            config.organizations.len(),
            self.data_dir.display(),
            self.socket.display(),
            config
                .daemon
                .socket_group
                .as_deref()
                .map(|group| format!(" for group {group}"))
                .unwrap_or_default(),
        )
    }

    pub fn into_run_options(self) -> RunOptions {
        RunOptions {
            files: crate::store_change::ConfigFiles {
                config: self.config_file.path.clone(),
                secrets: self.secrets_path,
            },
            config: self.config_file.config,
            secrets: self.secrets,
            data_dir: self.data_dir,
            socket: self.socket,
            reloading: Arc::default(),
        }
    }
}

/// The log directory inside a data directory.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}
