//! The packaged service: the systemd unit as `systemd-analyze` judges it, what the .deb's
//! metadata lists, the generated man pages and completions, and the daemon's notifications to
//! systemd (readiness, STATUS=, the watchdog) over a real `NOTIFY_SOCKET`.

use feedbridge_tests::{Daemon, daemon_binary, start_sandbox, write_daemon_files};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The most `systemd-analyze security` may rate the unit (issue 12: "≤ 1.5").
const MAX_EXPOSURE: f64 = 1.5;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn unit_file() -> PathBuf {
    repo().join("packaging/feedbridge.service")
}

fn console_binary() -> PathBuf {
    daemon_binary().with_file_name("feedbridge")
}

/// A program on PATH, or `None` with the reason printed (the test is then skipped).
fn installed(program: &str, install_hint: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        eprintln!("skipped: {program} is not installed ({install_hint})");
    }
    found
}

fn stdout_and_stderr(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The overall exposure from `systemd-analyze security` output, e.g. "... feedbridge.service: 1.4 OK".
fn overall_exposure(report: &str) -> Option<f64> {
    let line = report
        .lines()
        .find(|line| line.contains("Overall exposure level"))?;
    line.rsplit(':')
        .next()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[test]
fn overall_exposure_is_read_from_the_report() {
    let report = "✗ PrivateNetwork= ...  0.5\n\n→ Overall exposure level for feedbridge.service: 1.4 OK 🙂\n";
    assert_eq!(overall_exposure(report), Some(1.4));
    assert_eq!(overall_exposure("no summary"), None);
}

#[test]
fn unit_is_hardened_to_an_exposure_of_at_most_1_5() {
    let Some(analyze) = installed("systemd-analyze", "apt-get install systemd") else {
        return;
    };
    let output = Command::new(analyze)
        .args(["security", "--offline=yes", "--no-pager"])
        .arg(unit_file())
        .output()
        .unwrap();
    let report = stdout_and_stderr(&output);
    assert!(output.status.success(), "{report}");
    let exposure = overall_exposure(&report).unwrap_or_else(|| panic!("no summary: {report}"));
    assert!(
        exposure <= MAX_EXPOSURE,
        "exposure {exposure} > {MAX_EXPOSURE}; the ✗ lines say what to tighten:\n{report}"
    );
}

/// `verify` checks every key and value, that the ExecStart= programs exist, and that the
/// Documentation= man pages open. The unit is verified as installed, with /usr/bin/ pointing
/// at the binaries this build made and MANPATH at the pages they generate.
#[test]
fn unit_passes_systemd_analyze_verify() {
    let Some(analyze) = installed("systemd-analyze", "apt-get install systemd") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = daemon_binary().parent().unwrap().to_path_buf();
    let unit = std::fs::read_to_string(unit_file()).unwrap();
    assert!(unit.contains("ExecStart=/usr/bin/feedbridged "), "{unit}");
    let rewritten = unit.replace("/usr/bin/", &format!("{}/", bin_dir.display()));
    let copy = dir.path().join("feedbridge.service");
    std::fs::write(&copy, rewritten).unwrap();

    let man_dir = dir.path().join("man/man1");
    generate_assets(&bin_dir, dir.path());
    std::fs::create_dir_all(&man_dir).unwrap();
    for page in std::fs::read_dir(dir.path().join("man")).unwrap() {
        let page = page.unwrap().path();
        if page.is_file() {
            std::fs::rename(&page, man_dir.join(page.file_name().unwrap())).unwrap();
        }
    }
    let check_man = if installed("man", "apt-get install man-db").is_some() {
        "--man=yes"
    } else {
        "--man=no"
    };
    let output = Command::new(analyze)
        .args(["verify", check_man, "--recursive-errors=no"])
        .arg(&copy)
        .env("MANPATH", dir.path().join("man"))
        .output()
        .unwrap();
    let report = stdout_and_stderr(&output);
    assert!(output.status.success(), "{report}");
    // Unknown keys and bad values are warnings with a zero exit status: any output is a finding.
    let findings: Vec<&str> = report
        .lines()
        .filter(|line| line.contains("feedbridge.service"))
        .collect();
    assert!(findings.is_empty(), "{report}");
}

/// `packaging/build-deb --assets`: the man pages and completions the .deb takes, written by
/// the binaries of this build.
fn generate_assets(bin_dir: &Path, out: &Path) {
    let output = Command::new(repo().join("packaging/build-deb"))
        .arg("--assets")
        .arg(bin_dir)
        .arg(out)
        .output()
        .expect("run packaging/build-deb --assets");
    assert!(output.status.success(), "{}", stdout_and_stderr(&output));
}

/// Files a cargo-deb asset source names: one path, or a `*` pattern in its last component.
fn matching_files(source: &Path) -> Vec<PathBuf> {
    let name = source
        .file_name()
        .expect("an asset names a file")
        .to_string_lossy()
        .into_owned();
    let Some((prefix, suffix)) = name.split_once('*') else {
        return vec![source.to_path_buf()]
            .into_iter()
            .filter(|p| p.is_file())
            .collect();
    };
    let Ok(entries) = std::fs::read_dir(source.parent().expect("in a directory")) else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            path.is_file() && name.starts_with(prefix) && name.ends_with(suffix)
        })
        .collect()
}

#[test]
fn every_deb_asset_exists_or_is_generated_by_build_deb() {
    let manifest: toml::Table = std::fs::read_to_string(repo().join("tui/Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let deb = &manifest["package"]["metadata"]["deb"];
    // What cargo-deb's target/release/ stands for: the binaries of this build, and the files
    // build-deb generates beside them.
    let release = tempfile::tempdir().unwrap();
    let bin_dir = daemon_binary().parent().unwrap().to_path_buf();
    generate_assets(&bin_dir, &release.path().join("packaging"));

    let mut destinations = Vec::new();
    for asset in deb["assets"].as_array().unwrap() {
        let source = asset[0].as_str().unwrap();
        let files = match source.strip_prefix("target/release/") {
            Some(binary @ ("feedbridge" | "feedbridged")) => matching_files(&bin_dir.join(binary)),
            Some(generated) => matching_files(&release.path().join(generated)),
            // Other paths are relative to the crate holding the metadata.
            None => matching_files(&repo().join("tui").join(source)),
        };
        assert!(!files.is_empty(), "asset {source} matches no file");
        destinations.push(asset[1].as_str().unwrap().to_owned());
        if source.ends_with(".1.gz") {
            let names: Vec<_> = files.iter().map(|f| f.file_name().unwrap()).collect();
            for page in [
                "feedbridge.1.gz",
                "feedbridged.1.gz",
                "feedbridge-status.1.gz",
            ] {
                assert!(names.iter().any(|n| *n == page), "{page} in {names:?}");
            }
        }
    }
    for place in [
        "usr/bin/",
        "usr/share/man/man1/",
        "usr/share/bash-completion/completions/",
        "usr/share/zsh/vendor-completions/",
        "usr/share/fish/vendor_completions.d/",
        "usr/share/doc/feedbridge/examples/",
    ] {
        assert!(
            destinations.iter().any(|d| d == place),
            "nothing to {place}"
        );
    }
    // cargo-deb installs these by name from unit-scripts, with their maintainer-script snippets.
    let units = deb["systemd-units"]["unit-scripts"].as_str().unwrap();
    for file in [
        "feedbridge.service",
        "feedbridge.sysusers",
        "feedbridge.tmpfile",
    ] {
        let path = repo().join("tui").join(units).join(file);
        assert!(path.is_file(), "{}", path.display());
    }
}

#[test]
fn completions_and_man_pages_come_from_the_binaries() {
    let completion = Command::new(console_binary())
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(completion.status.success());
    let script = String::from_utf8(completion.stdout).unwrap();
    assert!(script.contains("complete -F _feedbridge"), "{script}");

    let dir = tempfile::tempdir().unwrap();
    let bin_dir = daemon_binary().parent().unwrap().to_path_buf();
    generate_assets(&bin_dir, dir.path());
    let Some(man) = installed("man", "apt-get install man-db") else {
        return;
    };
    for (page, expected) in [
        ("feedbridge.1.gz", "could not be reached"),
        ("feedbridged.1.gz", "--check-config"),
    ] {
        let rendered = Command::new(&man)
            .arg("-l")
            .arg(dir.path().join("man").join(page))
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        assert!(
            rendered.status.success(),
            "{}",
            stdout_and_stderr(&rendered)
        );
        let text = String::from_utf8_lossy(&rendered.stdout);
        assert!(text.contains("Exit status"), "{page}: {text}");
        assert!(text.contains(expected), "{page}: {text}");
    }
}

/// Datagrams on a notify socket until `done` holds for what arrived (bounded wait).
fn notifications_until(
    socket: &UnixDatagram,
    daemon: &mut Daemon,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while !done(&received) {
        assert!(
            Instant::now() < deadline,
            "only {received:?} arrived; daemon log:\n{}",
            daemon.stderr()
        );
        if let Some(status) = daemon.child.try_wait().expect("poll feedbridged") {
            panic!("feedbridged exited ({status}): {}", daemon.stderr());
        }
        if let Ok(n) = socket.recv(&mut buffer) {
            let message = String::from_utf8_lossy(&buffer[..n]);
            received.extend(message.lines().map(str::to_owned));
        }
    }
    received
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_tells_systemd_it_is_ready_how_it_is_and_that_its_job_loop_turns() {
    let sandbox = start_sandbox(1).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_daemon_files(dir.path(), &sandbox).unwrap();
    let notify_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&notify_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    // A 1 s watchdog: pinged every 0.5 s while the job loop (idle turns every 0.5 s) beats;
    // five pings span 2 s, longer than the start-up beat alone would carry them.
    let mut daemon = Daemon::spawn_with_env(
        &config,
        dir.path(),
        &[
            ("NOTIFY_SOCKET", notify_path.as_os_str()),
            ("WATCHDOG_USEC", "1000000".as_ref()),
        ],
    )
    .unwrap();

    let seen = |lines: &[String], wanted: &str| lines.iter().filter(|l| *l == wanted).count();
    let received = notifications_until(&socket, &mut daemon, |lines| {
        seen(lines, "READY=1") == 1
            && seen(lines, "WATCHDOG=1") >= 5
            && lines.iter().any(|l| l.starts_with("STATUS="))
    });
    let ready = received.iter().position(|l| l == "READY=1").unwrap();
    let first_ping = received.iter().position(|l| l == "WATCHDOG=1").unwrap();
    assert!(ready < first_ping, "pings follow readiness: {received:?}");
    let status = received.iter().find(|l| l.starts_with("STATUS=")).unwrap();
    assert!(
        status.contains("1 organization · ")
            && status.contains(" pending · ")
            && status.ends_with(" open"),
        "{status}"
    );

    let exit = daemon.terminate().unwrap();
    let mut rest = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(n) = socket.recv(&mut buffer) {
        rest.extend(
            String::from_utf8_lossy(&buffer[..n])
                .lines()
                .map(str::to_owned),
        );
    }
    assert!(rest.iter().any(|l| l == "STOPPING=1"), "{rest:?}");
    assert!(exit.success(), "{exit}: {}", daemon.stderr());
}
