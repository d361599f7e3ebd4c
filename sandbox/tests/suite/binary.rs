//! The `feedbridge-sandbox` binary: one JSON ready line, ready file, clean exit on SIGTERM.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn prints_ready_json_writes_ready_file_and_exits_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("fb-sandbox-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ready_file = dir.join("ready.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_feedbridge-sandbox"))
        .args(["--bind", "127.0.0.1", "--products", "3", "--ready-file"])
        .arg(&ready_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert!(
        ready["tiktok_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert!(
        ready["shopify_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    let creds: feedbridge_sandbox::Credentials =
        serde_json::from_value(ready["credentials"].clone()).unwrap();
    assert!(creds.shopify_access_token.starts_with("shpat_"));
    assert_eq!(creds.currency, "USD");
    let from_file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ready_file).unwrap()).unwrap();
    assert_eq!(from_file, ready);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit 0 on SIGTERM, got {exit:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
