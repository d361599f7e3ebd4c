//! Where the daemon's log goes and in what shape: stderr (journald under systemd) as text or
//! JSON, colour only on a terminal, and a daily-rolled copy in `DATA_DIR/logs/` with a
//! retention limit unless journald already keeps the log.

use anyhow::Context;
use feedbridge_common::config::{DaemonSettings, LogFile};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use tracing::Subscriber;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{DefaultFields, Writer};
use tracing_subscriber::fmt::{FormatFields, MakeWriter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Prefix of the daily files in `DATA_DIR/logs/` (`feedbridged.log.2026-12-05`).
pub const LOG_FILE_PREFIX: &str = "feedbridged.log";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per event (for log shippers).
    Json,
}

/// What the process was started with that decides the log's shape.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// `RUST_LOG`, which wins over `daemon.log_level`.
    pub rust_log: Option<String>,
    /// `JOURNAL_STREAM` is set: stderr goes to journald, which keeps and timestamps it.
    pub journald: bool,
    pub stderr_is_terminal: bool,
    /// `NO_COLOR` is set (https://no-color.org).
    pub no_color: bool,
}

impl Environment {
    pub fn of_process() -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        Self {
            rust_log: std::env::var("RUST_LOG")
                .ok()
                .filter(|v| !v.trim().is_empty()),
            journald: set("JOURNAL_STREAM"),
            stderr_is_terminal: std::io::stderr().is_terminal(),
            no_color: set("NO_COLOR"),
        }
    }
}

/// The log's resolved shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSetup {
    /// The `tracing` filter and where it came from (`RUST_LOG` or `daemon.log_level`).
    pub filter: String,
    pub filter_source: &'static str,
    pub format: LogFormat,
    pub ansi: bool,
    /// journald stamps each line itself.
    pub timestamps: bool,
    pub file: Option<FileLog>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileLog {
    pub dir: PathBuf,
    pub retention_days: usize,
}

impl LogSetup {
    pub fn resolve(
        settings: &DaemonSettings,
        format: LogFormat,
        environment: &Environment,
        log_dir: &Path,
    ) -> Self {
        let (filter, filter_source) = match &environment.rust_log {
            Some(rust_log) => (rust_log.clone(), "RUST_LOG"),
            None => (settings.log_level.clone(), "daemon.log_level"),
        };
        let keep_file = match settings.log_file {
            LogFile::On => true,
            LogFile::Off => false,
            LogFile::Auto => !environment.journald,
        };
        Self {
            filter,
            filter_source,
            format,
            ansi: format == LogFormat::Text
                && environment.stderr_is_terminal
                && !environment.journald
                && !environment.no_color,
            timestamps: !environment.journald,
            file: keep_file.then(|| FileLog {
                dir: log_dir.to_path_buf(),
                retention_days: settings.log_retention_days,
            }),
        }
    }

    /// The filter, or an error naming where it came from.
    pub fn env_filter(&self) -> anyhow::Result<EnvFilter> {
        EnvFilter::try_new(&self.filter).with_context(|| {
            format!(
                "{} \"{}\" is not a log filter (e.g. \"info\" or \"info,feedbridge_daemon=debug\")",
                self.filter_source, self.filter
            )
        })
    }

    /// Install the global subscriber. Keep the guard until exit: it flushes the file log.
    pub fn install(&self) -> anyhow::Result<Option<WorkerGuard>> {
        let filter = self.env_filter()?;
        let (file_writer, guard) = match &self.file {
            Some(file) => {
                let appender = RollingFileAppender::builder()
                    .rotation(Rotation::DAILY)
                    .filename_prefix(LOG_FILE_PREFIX)
                    .max_log_files(file.retention_days)
                    .build(&file.dir)
                    .with_context(|| {
                        format!("Failed to open a log file in {}", file.dir.display())
                    })?;
                let (writer, guard) = tracing_appender::non_blocking(appender);
                (Some(writer), Some(guard))
            }
            None => (None, None),
        };
        tracing_subscriber::registry()
            .with(
                self.layers(std::io::stderr, file_writer)
                    .with_filter(filter),
            )
            .try_init()
            .context("Failed to install the logger")?;
        Ok(guard)
    }

    fn layers<S, E, F>(&self, stderr: E, file: Option<F>) -> Vec<Box<dyn Layer<S> + Send + Sync>>
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
        E: for<'w> MakeWriter<'w> + Send + Sync + 'static,
        F: for<'w> MakeWriter<'w> + Send + Sync + 'static,
    {
        let mut layers: Vec<Box<dyn Layer<S> + Send + Sync>> = Vec::new();
        let stderr_layer = tracing_subscriber::fmt::layer()
            .with_writer(stderr)
            .with_ansi(self.ansi);
        layers.push(match (self.format, self.timestamps) {
            (LogFormat::Json, _) => stderr_layer.json().boxed(),
            (LogFormat::Text, true) => stderr_layer.boxed(),
            (LogFormat::Text, false) => stderr_layer.without_time().boxed(),
        });
        if let Some(file) = file {
            // Its own field formatter: span fields formatted for a colour terminal are cached
            // per formatter type, and would otherwise reach the file with escape codes.
            let file_layer = tracing_subscriber::fmt::layer()
                .with_writer(file)
                .with_ansi(false);
            layers.push(match self.format {
                LogFormat::Json => file_layer.json().boxed(),
                LogFormat::Text => file_layer.fmt_fields(PlainFields::default()).boxed(),
            });
        }
        layers
    }
}

/// [`DefaultFields`] under a type of its own, so its formatted span fields are not shared.
#[derive(Default)]
struct PlainFields(DefaultFields);

impl<'writer> FormatFields<'writer> for PlainFields {
    fn format_fields<R: RecordFields>(
        &self,
        writer: Writer<'writer>,
        fields: R,
    ) -> std::fmt::Result {
        self.0.format_fields(writer, fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Self;
        fn make_writer(&'w self) -> Self {
            self.clone()
        }
    }

    fn setup(environment: &Environment, log_file: LogFile) -> LogSetup {
        let settings = DaemonSettings {
            log_file,
            ..DaemonSettings::default()
        };
        LogSetup::resolve(
            &settings,
            LogFormat::Text,
            environment,
            Path::new("/d/logs"),
        )
    }

    fn terminal() -> Environment {
        Environment {
            stderr_is_terminal: true,
            ..Environment::default()
        }
    }

    #[test]
    fn colour_only_on_a_terminal_outside_journald_and_without_no_color() {
        assert!(setup(&terminal(), LogFile::Auto).ansi);
        let piped = Environment::default();
        assert!(!setup(&piped, LogFile::Auto).ansi);
        let journald = Environment {
            journald: true,
            ..terminal()
        };
        assert!(!setup(&journald, LogFile::Auto).ansi);
        assert!(!setup(&journald, LogFile::Auto).timestamps);
        let no_color = Environment {
            no_color: true,
            ..terminal()
        };
        assert!(!setup(&no_color, LogFile::Auto).ansi);
    }

    #[test]
    fn the_file_copy_is_off_under_journald_unless_asked_for() {
        let journald = Environment {
            journald: true,
            ..Environment::default()
        };
        assert_eq!(setup(&journald, LogFile::Auto).file, None);
        assert!(setup(&journald, LogFile::On).file.is_some());
        let file = setup(&Environment::default(), LogFile::Auto).file.unwrap();
        assert_eq!(file.retention_days, 14);
        assert_eq!(setup(&Environment::default(), LogFile::Off).file, None);
    }

    #[test]
    fn rust_log_wins_and_a_bad_filter_names_its_source() {
        let environment = Environment {
            rust_log: Some("debug,=x=".into()),
            ..Environment::default()
        };
        let setup = setup(&environment, LogFile::Auto);
        assert_eq!(setup.filter_source, "RUST_LOG");
        let error = setup.env_filter().unwrap_err().to_string();
        assert!(error.starts_with("RUST_LOG \"debug,=x=\""), "{error}");
    }

    #[test]
    fn span_fields_reach_the_file_without_escape_codes_while_the_terminal_gets_colour() {
        let (stderr, file) = (Captured::default(), Captured::default());
        let layers = setup(&terminal(), LogFile::On).layers(stderr.clone(), Some(file.clone()));
        let subscriber = tracing_subscriber::registry().with(layers);
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("step", order = 42, shop = "demo-us");
            let _entered = span.enter();
            tracing::info!(attempt = 2, "Created the store order.");
        });
        assert!(stderr.text().contains('\u{1b}'), "{}", stderr.text());
        let file = file.text();
        assert!(file.contains("order=42"), "{file}");
        assert!(file.contains("attempt=2"), "{file}");
        assert!(!file.contains('\u{1b}'), "{file:?}");
    }

    #[test]
    fn json_lines_are_json() {
        let stderr = Captured::default();
        let setup = LogSetup {
            format: LogFormat::Json,
            ..setup(&terminal(), LogFile::Off)
        };
        let subscriber =
            tracing_subscriber::registry().with(setup.layers(stderr.clone(), None::<Captured>));
        tracing::subscriber::with_default(subscriber, || tracing::info!(order = 7, "Shipped."));
        let line: serde_json::Value = serde_json::from_str(stderr.text().trim()).unwrap();
        assert_eq!(line["fields"]["message"], "Shipped.");
        assert_eq!(line["fields"]["order"], 7);
    }
}
