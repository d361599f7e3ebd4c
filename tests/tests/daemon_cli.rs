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
