//! Start-up errors of the real daemon binary.

use feedbridge_tests::{Daemon, daemon_binary, start_sandbox, write_daemon_files};
use std::process::Command;

#[test]
fn unknown_config_key_stops_startup_naming_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[sync]\norder_poll_secz = 5\n").unwrap();
    let output = Command::new(daemon_binary())
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&config.display().to_string()), "{stderr}");
    assert!(stderr.contains("sync.order_poll_secz"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}

#[test]
fn bad_value_stops_startup_naming_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[daemon]\nwebhook_listen = \"not an address\"\n").unwrap();
    let output = Command::new(daemon_binary())
        .arg("--config")
        .arg(&config)
        .arg("--check-config")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("daemon.webhook_listen"), "{stderr}");
}

#[test]
fn readable_secrets_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.toml");
    std::fs::write(&secrets, "").unwrap();
    std::fs::write(dir.path().join("config.toml"), "").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o644)).unwrap();
    let output = Command::new(daemon_binary())
        .arg("--config")
        .arg(dir.path().join("config.toml"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--check-config")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("chmod 600"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_daemon_on_a_live_socket_is_refused_and_a_stale_one_is_replaced()
-> anyhow::Result<()> {
    let sandbox = start_sandbox(1).await?;
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    let mut first = Daemon::spawn(&config, dir.path())?;
    let console = first.client().await?;
    console.status(tarpc::context::current()).await?;

    let second = Command::new(daemon_binary())
        .arg("--config")
        .arg(&config)
        .output()?;
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("already running"), "{stderr}");

    // A daemon killed with SIGKILL leaves its socket behind; the next one takes it over.
    first.child.kill()?;
    first.child.wait()?;
    assert!(first.socket.exists());
    let mut third = Daemon::spawn(&config, dir.path())?;
    third
        .client()
        .await?
        .status(tarpc::context::current())
        .await?;
    assert!(third.terminate()?.success());
    sandbox.shutdown().await;
    Ok(())
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// `feedbridged` started through a shell with `umask 022`, its stderr appended to the dir's
/// log as [`Daemon::spawn`] does.
fn spawn_with_umask_022(config: &std::path::Path, dir: &std::path::Path) -> anyhow::Result<Daemon> {
    let stderr = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("daemon.stderr.log"))?;
    let child = Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" \"$@\"")
        .arg(daemon_binary())
        .arg("--config")
        .arg(config)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(stderr)
        .spawn()?;
    Ok(Daemon {
        child,
        socket: dir.join("feedbridged.sock"),
        dir: dir.to_path_buf(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_data_dir_is_tightened_and_every_file_is_private_whatever_the_umask()
-> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = start_sandbox(1).await?;
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
    let mut daemon = spawn_with_umask_022(&config, dir.path())?;
    let console = daemon.client().await?;
    feedbridge_tests::wait_connected(&console).await?;

    assert_eq!(mode(dir.path()), 0o700);
    let logs = dir.path().join("logs");
    assert_eq!(mode(&logs), 0o700);
    let mut files = vec![
        dir.path().join("feedbridge.sqlite"),
        dir.path().join("feedbridge.sqlite-wal"),
        dir.path().join("feedbridge.sqlite-shm"),
        dir.path().join("feedbridged.lock"),
        dir.path().join("secrets.toml"),
    ];
    for log in std::fs::read_dir(&logs)? {
        files.push(log?.path());
    }
    assert!(files.len() > 5, "no log file in {}", logs.display());
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    let stderr = daemon.stderr();
    assert!(
        stderr.contains(&format!(
            "Made {} private: mode 755 -> 700",
            dir.path().display()
        )),
        "{stderr}"
    );
    assert!(daemon.terminate()?.success());
    sandbox.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_daemon_on_the_same_data_dir_with_another_socket_is_refused() -> anyhow::Result<()>
{
    let sandbox = start_sandbox(1).await?;
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    let mut first = Daemon::spawn(&config, dir.path())?;
    first
        .client()
        .await?
        .status(tarpc::context::current())
        .await?;

    let second = Command::new(daemon_binary())
        .arg("--config")
        .arg(&config)
        .arg("--socket")
        .arg(dir.path().join("other.sock"))
        .output()?;
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(&format!(
            "another feedbridged (pid {}) is already running on the data directory {}",
            first.child.id(),
            dir.path().display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("--data-dir"), "{stderr}");
    assert!(!dir.path().join("other.sock").exists());
    assert!(first.terminate()?.success());
    sandbox.shutdown().await;
    Ok(())
}

#[test]
fn a_data_dir_another_user_owns_is_refused_with_the_fix() {
    let root = tempfile::tempdir().unwrap();
    // As root (here and in CI) a dir handed to `nobody`; otherwise one root owns.
    let foreign = if nix::unistd::geteuid().is_root() {
        let dir = root.path().join("theirs");
        std::fs::create_dir(&dir).unwrap();
        nix::unistd::chown(&dir, Some(nix::unistd::Uid::from_raw(65534)), None).unwrap();
        dir
    } else {
        std::path::PathBuf::from("/")
    };
    std::fs::write(root.path().join("config.toml"), "").unwrap();
    let output = Command::new(daemon_binary())
        .arg("--config")
        .arg(root.path().join("config.toml"))
        .arg("--data-dir")
        .arg(&foreign)
        .arg("--socket")
        .arg(root.path().join("d.sock"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("owned by uid"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "chown {} {}",
            nix::unistd::geteuid(),
            foreign.display()
        )),
        "{stderr}"
    );
}

/// Waits (bounded) until the daemon's log holds `text`.
async fn log_shows(daemon: &Daemon, text: &str) -> anyhow::Result<()> {
    for _ in 0..200 {
        if daemon.stderr().contains(text) {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    anyhow::bail!("the log never said {text:?}: {}", daemon.stderr())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_refuses_a_bad_config_keeping_the_running_one_and_applies_a_good_one()
-> anyhow::Result<()> {
    let sandbox = start_sandbox(1).await?;
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    let good = std::fs::read_to_string(&config)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    daemon
        .client()
        .await?
        .status(tarpc::context::current())
        .await?;
    let pid = nix::unistd::Pid::from_raw(i32::try_from(daemon.child.id())?);
    let hup = || nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP);

    std::fs::write(&config, format!("{good}\n[sync]\nworkers = 0\n"))?;
    hup()?;
    log_shows(&daemon, "Reload refused, the running configuration stays").await?;
    assert!(
        daemon.stderr().contains("config.toml"),
        "{}",
        daemon.stderr()
    );
    let status = daemon
        .client()
        .await?
        .status(tarpc::context::current())
        .await?;
    assert_eq!(status.organizations.len(), 1);

    std::fs::write(&config, &good)?;
    hup()?;
    log_shows(&daemon, "Reloaded ").await?;
    let status = daemon
        .client()
        .await?
        .status(tarpc::context::current())
        .await?;
    assert_eq!(status.organizations.len(), 1);
    assert!(
        daemon.child.try_wait()?.is_none(),
        "a reload must not end the daemon"
    );
    assert!(daemon.terminate()?.success());
    sandbox.shutdown().await;
    Ok(())
}
