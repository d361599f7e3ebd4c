//! The `feedbridge` binary's subcommands, against no daemon and against a fake one.
#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns; a failure should fail the test.

use crate::support;

use feedbridge_common::{OrderView, StatusReport};
use std::process::{Command, Output};
use support::FakeDaemon;

fn feedbridge(args: &[&str], socket: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_feedbridge"))
        .args(args)
        .env("FEEDBRIDGE_SOCKET", socket)
        .env_remove("FEEDBRIDGE_LOG")
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn no_daemon_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("feedbridged.sock");
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["orders", "--state", "shipped"],
        &["retry", "7"],
        &["list", "1", "2"],
    ] {
        let output = feedbridge(args, &socket);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let text = stderr(&output);
        assert_eq!(text.lines().count(), 1, "{args:?}: {text}");
        assert!(
            text.contains(&socket.display().to_string()),
            "{args:?}: {text}"
        );
    }
    let output = feedbridge(&["status"], &socket);
    let pattern = regex_escape(&socket.display().to_string());
    insta::with_settings!({
        filters => vec![(pattern.as_str(), "[SOCKET]")],
    }, {
        insta::assert_snapshot!("no_daemon", stderr(&output));
    });
}

#[test]
fn socket_flag_beats_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let from_env = dir.path().join("env.sock");
    let from_flag = dir.path().join("flag.sock");
    let output = feedbridge(
        &["--socket", from_flag.to_str().unwrap(), "status"],
        &from_env,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("flag.sock"), "{}", stderr(&output));
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_against_a_daemon() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("feedbridged.sock");
    let daemon = FakeDaemon::start(&socket, support::samples()).await;
    let run = |args: &'static [&'static str]| {
        let socket = socket.clone();
        tokio::task::spawn_blocking(move || feedbridge(args, &socket))
    };

    let output = run(&["status", "--json"]).await.unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert_eq!(out.lines().count(), 1, "one compact JSON document");
    let status: StatusReport = serde_json::from_str(&out).unwrap();
    assert_eq!(status.pid, 4242);

    let output = run(&["orders", "--state", "shipped", "--json"])
        .await
        .unwrap();
    let orders: Vec<OrderView> = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].tiktok_order_id, "576460752303423001");

    let output = run(&["orders"]).await.unwrap();
    insta::assert_snapshot!("orders_table", stdout(&output));
    let output = run(&["products"]).await.unwrap();
    insta::assert_snapshot!("products_table", stdout(&output));
    let output = run(&["failures"]).await.unwrap();
    insta::assert_snapshot!("failures_table", stdout(&output));
    let output = run(&["categories", "demo-us", "mug"]).await.unwrap();
    insta::assert_snapshot!("categories_table", stdout(&output));
    let output = run(&["status"]).await.unwrap();
    insta::with_settings!({
        filters => vec![(r"feedbridged \d+\.\d+\.\d+\S*", "feedbridged [VERSION]")],
    }, {
        insta::assert_snapshot!("status_text", stdout(&output));
    });

    let output = run(&["retry", "7"]).await.unwrap();
    assert!(output.status.success());
    assert_eq!(stdout(&output), "Failure #7 queued for another attempt.\n");
    assert_eq!(daemon.state.lock().unwrap().retried, vec![7]);

    // The daemon's refusal: one line, exit 1.
    let output = run(&["retry", "99"]).await.unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "feedbridge: not found: failure #99\n");

    let output = run(&["map", "3", "601226"]).await.unwrap();
    assert_eq!(stdout(&output), "Listing 3 now uses category 601226.\n");
    let output = run(&["list", "1", "2", "3"]).await.unwrap();
    assert_eq!(
        stdout(&output),
        "Queued 3 listings for submission to TikTok.\n"
    );

    daemon.stop();
}

#[test]
fn status_text_says_when_the_daemon_is_degraded() {
    let mut status = support::sample_status();
    let healthy = feedbridge_tui::cli::format_status(&status);
    assert!(!healthy.contains("DEGRADED"), "{healthy}");
    status.degraded = Some(feedbridge_common::Degraded {
        reason: "disk full: the database cannot be written".into(),
        since: support::T0,
    });
    let text = feedbridge_tui::cli::format_status(&status);
    assert_eq!(
        text.lines().nth(1),
        Some(
            "DEGRADED since 2026-11-21 10:00:00 UTC: disk full: the database cannot be \
             written — nothing new is recorded; feedbridge resumes by itself once writes succeed"
        ),
        "{text}"
    );
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["degraded"]["since"], support::T0);
}
