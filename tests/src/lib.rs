//! Harness for end-to-end tests: the sandbox simulators in-process, the real `feedbridged`
//! binary in a temp dir talking to them over loopback HTTP, and a console client on its Unix
//! socket.

use anyhow::{Context, bail};
use feedbridge_common::ConsoleClient;
use feedbridge_sandbox::{RunningSandbox, SandboxConfig};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tarpc::tokio_serde::formats::Json;

/// The `feedbridged` binary built alongside this test.
pub fn daemon_binary() -> PathBuf {
    // Test executables live in target/<profile>/deps; binaries one level up.
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target profile dir");
    profile_dir.join("feedbridged")
}

/// Config and secrets files for a daemon wired to `sandbox`, with fast polls.
pub fn write_daemon_files(dir: &Path, sandbox: &RunningSandbox) -> anyhow::Result<PathBuf> {
    let creds = sandbox.credentials();
    let socket = dir.join("feedbridged.sock");
    let config = format!(
        r#"[daemon]
socket = "{socket}"
data_dir = "{data}"
log_level = "info,feedbridge_daemon=debug"
webhook_listen = "127.0.0.1:0"

[sync]
order_poll_secs = 2
catalog_poll_secs = 2
review_poll_secs = 1
fulfilment_poll_secs = 1
max_attempts = 4

[tiktok_app]
app_key = "{app_key}"
api_base = "{tiktok}"
auth_base = "{tiktok}"
requests_per_second = 40

[[organization]]
name = "demo"

[organization.store]
platform = "shopify"
shop_domain = "{domain}"
api_base = "{shopify}"

[[organization.tiktok_shop]]
name = "demo-us"
shop_id = "{shop_id}"
"#,
        socket = socket.display(),
        data = dir.display(),
        app_key = creds.tiktok_app_key,
        tiktok = sandbox.tiktok_url(),
        shopify = sandbox.shopify_url(),
        domain = creds.shopify_shop_domain,
        shop_id = creds.tiktok_shop_id,
    );
    let secrets = format!(
        r#"[tiktok_app]
app_secret = "{app_secret}"

[shopify.demo]
access_token = "{shopify_token}"
webhook_secret = "{webhook_secret}"

[tiktok.demo-us]
access_token = "{access}"
refresh_token = "{refresh}"
"#,
        app_secret = creds.tiktok_app_secret,
        shopify_token = creds.shopify_access_token,
        webhook_secret = creds.shopify_webhook_secret,
        access = creds.tiktok_access_token,
        refresh = creds.tiktok_refresh_token,
    );
    let config_path = dir.join("config.toml");
    std::fs::write(&config_path, config)?;
    let secrets_path = dir.join("secrets.toml");
    std::fs::write(&secrets_path, secrets)?;
    std::fs::set_permissions(&secrets_path, std::fs::Permissions::from_mode(0o600))?;
    Ok(config_path)
}

/// A running daemon process; killed on drop if still alive.
pub struct Daemon {
    pub child: Child,
    pub socket: PathBuf,
    pub dir: PathBuf,
}

impl Daemon {
    pub fn spawn(config: &Path, dir: &Path) -> anyhow::Result<Self> {
        let stderr = std::fs::File::create(dir.join("daemon.stderr.log"))?;
        let child = Command::new(daemon_binary())
            .arg("--config")
            .arg(config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .context("spawn feedbridged (build it with cargo build --bins)")?;
        Ok(Self {
            child,
            socket: dir.join("feedbridged.sock"),
            dir: dir.to_path_buf(),
        })
    }

    /// A console client, once the daemon answers (bounded wait).
    pub async fn client(&mut self) -> anyhow::Result<ConsoleClient> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("feedbridged exited early ({status}): {}", self.stderr());
            }
            if let Ok(transport) =
                tarpc::serde_transport::unix::connect(&self.socket, Json::default).await
            {
                return Ok(ConsoleClient::new(tarpc::client::Config::default(), transport).spawn());
            }
            if Instant::now() > deadline {
                bail!("feedbridged did not open its socket: {}", self.stderr());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("daemon.stderr.log")).unwrap_or_default()
    }

    /// SIGTERM and wait (bounded) for the exit status.
    pub fn terminate(&mut self) -> anyhow::Result<ExitStatus> {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id())?);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM)?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                self.child.kill()?;
                bail!("feedbridged did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub async fn start_sandbox(products: usize) -> anyhow::Result<RunningSandbox> {
    feedbridge_sandbox::start(
        SandboxConfig {
            products,
            ..SandboxConfig::default()
        },
        "127.0.0.1".parse()?,
    )
    .await
}

/// Poll `probe` until it yields a value, failing after `timeout` with `what` in the message.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await? {
            return Ok(value);
        }
        if Instant::now() > deadline {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Plain JSON calls to the simulators' control API.
pub struct Control {
    http: reqwest::Client,
    tiktok: String,
    shopify: String,
}

impl Control {
    pub fn new(sandbox: &RunningSandbox) -> Self {
        Self {
            http: reqwest::Client::new(),
            tiktok: sandbox.tiktok_url(),
            shopify: sandbox.shopify_url(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: String,
        body: Option<serde_json::Value>,
    ) -> anyhow::Result<serde_json::Value> {
        let mut request = self.http.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{url}: HTTP {status}: {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    pub async fn tiktok(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> anyhow::Result<serde_json::Value> {
        self.call(method, format!("{}{path}", self.tiktok), body)
            .await
    }

    pub async fn shopify(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> anyhow::Result<serde_json::Value> {
        self.call(method, format!("{}{path}", self.shopify), body)
            .await
    }
}
