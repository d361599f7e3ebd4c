//! The webhook port under abuse, against the real daemon: idle and slow connections cannot
//! keep signed deliveries or the console out, slow clients are cut off at their timeouts, and
//! an unknown organization looks exactly like a bad signature.

use anyhow::Context;
use base64::Engine;
use feedbridge_common::ConsoleClient;
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_tests::Rig;
use feedbridge_tui::demo::setup::{ORGANIZATION, Wiring};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tarpc::context;
use tarpc::tokio_serde::formats::Json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Idle connections held open against the daemon: more than systemd's default 1,024
/// descriptors.
const IDLE_CONNECTIONS: usize = 1100;
/// The acceptance bound for a webhook and a console call during the flood.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);
/// Allowance over a configured timeout for the daemon to notice and close.
const MARGIN: Duration = Duration::from_secs(2);

async fn rig(store: SimStore, daemon_lines: &str) -> anyhow::Result<Rig> {
    let lines = daemon_lines.to_owned();
    Rig::start_wired(
        SandboxConfig {
            products: 1,
            ..SandboxConfig::default()
        },
        Wiring {
            store,
            ..Wiring::default()
        },
        move |config| config.replacen("[daemon]\n", &format!("[daemon]\n{lines}"), 1),
    )
    .await
}

fn post(path: &str, headers: &[(&str, &str)], body: &str, connection: &str) -> String {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: feedbridge\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: {connection}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    request
}

fn shopify_signature(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Read one response (status, body) from a kept-alive connection.
async fn read_response(stream: &mut TcpStream) -> anyhow::Result<(u16, String)> {
    let mut received = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .context("content-length in the response")?;
            if body.len() >= length {
                let status = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .context("status line")?;
                return Ok((status, body[..length].to_owned()));
            }
        }
        let read = stream.read(&mut chunk).await?;
        anyhow::ensure!(read > 0, "connection closed mid-response: {text:?}");
        received.extend_from_slice(&chunk[..read]);
    }
}

/// Send `request` on a new connection; the answer's status and body.
async fn exchange(address: SocketAddr, request: &str) -> anyhow::Result<(u16, String)> {
    let mut stream = TcpStream::connect(address).await?;
    stream.write_all(request.as_bytes()).await?;
    read_response(&mut stream).await
}

/// Wait (up to `within`) for the daemon to close `stream`; how long it took.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut sink = [0_u8; 1024];
    timeout(within, async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .with_context(|| format!("connection still open after {within:?}"))?;
    Ok(started.elapsed())
}

fn raise_own_open_file_limit() -> anyhow::Result<()> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    let wanted = (IDLE_CONNECTIONS as u64 + 512).min(hard);
    if soft < wanted {
        setrlimit(Resource::RLIMIT_NOFILE, wanted, hard)?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_flood_leaves_signed_webhooks_and_the_console_served() -> anyhow::Result<()> {
    raise_own_open_file_limit()?;
    // Production caps and timeouts (the defaults).
    let rig = rig(SimStore::Shopify, "").await?;
    let address = rig.webhook_address()?;

    let mut idle = Vec::with_capacity(IDLE_CONNECTIONS);
    for _ in 0..IDLE_CONNECTIONS {
        idle.push(TcpStream::connect(address).await?);
    }

    let secret = rig.sandbox.credentials().shopify_webhook_secret;
    let body = r#"{"id":1}"#;
    let signature = shopify_signature(&secret, body);
    let request = post(
        &format!("/webhooks/shopify/{ORGANIZATION}"),
        &[
            ("X-Shopify-Topic", "shop/update"),
            ("X-Shopify-Hmac-Sha256", &signature),
            ("X-Shopify-Webhook-Id", "flood-1"),
        ],
        body,
        "close",
    );
    let started = Instant::now();
    let answer = timeout(ANSWER_WITHIN, exchange(address, &request))
        .await
        .map_err(|_| rig.with_log(anyhow::anyhow!("webhook not answered within 2 s")))??;
    let webhook_took = started.elapsed();
    assert_eq!(answer, (200, "ok".to_owned()));

    // A new console connection (it needs a descriptor in the daemon too) and `status`.
    let started = Instant::now();
    let status = timeout(ANSWER_WITHIN, async {
        let transport = tarpc::serde_transport::unix::connect(&rig.daemon.socket, Json::default)
            .await
            .context("console socket")?;
        let console = ConsoleClient::new(tarpc::client::Config::default(), transport).spawn();
        anyhow::Ok(console.status(context::current()).await?)
    })
    .await
    .map_err(|_| rig.with_log(anyhow::anyhow!("status not answered within 2 s")))??;
    let status_took = started.elapsed();
    assert_eq!(status.organizations.len(), 1);

    // The daemon holds at most its per-peer cap of them, far below systemd's default limit.
    let descriptors = std::fs::read_dir(format!("/proc/{}/fd", rig.daemon.child.id()))?.count();
    assert!(
        descriptors < 1024,
        "{descriptors} descriptors open in the daemon"
    );
    // The daemon said what open-file limit it runs with, and that the caps were reached.
    let log = rig.daemon.stderr();
    assert!(log.to_lowercase().contains("open-file limit"), "{log}");
    assert!(log.contains("Webhook connection caps reached"), "{log}");
    eprintln!(
        "{IDLE_CONNECTIONS} idle connections held: webhook answered in {webhook_took:?}, \
         status in {status_took:?}, daemon descriptors {descriptors}"
    );
    drop(idle);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_at_their_timeouts() -> anyhow::Result<()> {
    let header = Duration::from_secs(1);
    let body_timeout = Duration::from_secs(1);
    let idle = Duration::from_secs(3);
    let rig = rig(
        SimStore::Shopify,
        "webhook_header_timeout_secs = 1\nwebhook_body_timeout_secs = 1\nwebhook_idle_timeout_secs = 3\n",
    )
    .await?;
    let address = rig.webhook_address()?;
    let org_path = format!("/webhooks/shopify/{ORGANIZATION}");

    // A partial request line, then nothing.
    let stalled = async {
        let mut stream = TcpStream::connect(address).await?;
        stream.write_all(b"POST /webhooks/shop").await?;
        closed_within(&mut stream, header + MARGIN).await
    };
    // Slowloris: a header line every 200 ms keeps bytes flowing but never ends the headers.
    let trickling = async {
        let stream = TcpStream::connect(address).await?;
        let (mut reader, mut writer) = stream.into_split();
        writer
            .write_all(format!("POST {org_path} HTTP/1.1\r\nHost: feedbridge\r\n").as_bytes())
            .await?;
        let started = Instant::now();
        let trickle = async {
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            loop {
                tick.tick().await;
                if writer.write_all(b"X-Slow: 1\r\n").await.is_err() {
                    return;
                }
            }
        };
        let closed = async {
            let mut sink = [0_u8; 256];
            while !matches!(reader.read(&mut sink).await, Ok(0) | Err(_)) {}
        };
        tokio::select! {
            () = closed => {}
            () = trickle => {}
            () = tokio::time::sleep(header + MARGIN) => anyhow::bail!("trickling connection still open"),
        }
        anyhow::Ok(started.elapsed())
    };
    // Headers complete, a tenth of the body, then nothing: 408 once the body timeout passes.
    let slow_body = async {
        let mut stream = TcpStream::connect(address).await?;
        let head = format!(
            "POST {org_path} HTTP/1.1\r\nHost: feedbridge\r\nContent-Length: 100\r\n\r\n0123456789"
        );
        stream.write_all(head.as_bytes()).await?;
        let started = Instant::now();
        let answer = timeout(body_timeout + MARGIN, read_response(&mut stream))
            .await
            .context("no answer to a stalled body")??;
        anyhow::Ok((answer, started.elapsed()))
    };
    // A served request, then silence: kept open past the header timeout, closed at idle.
    let kept_alive = async {
        let mut stream = TcpStream::connect(address).await?;
        let request = post(
            &org_path,
            &[("X-Shopify-Hmac-Sha256", "bm8=")],
            "{}",
            "keep-alive",
        );
        stream.write_all(request.as_bytes()).await?;
        let answer = read_response(&mut stream).await?;
        let idled = closed_within(&mut stream, idle + MARGIN).await?;
        anyhow::Ok((answer, idled))
    };
    // A 50 MB body is refused on its declared length.
    let oversized = async {
        let mut stream = TcpStream::connect(address).await?;
        let head = format!(
            "POST {org_path} HTTP/1.1\r\nHost: feedbridge\r\nContent-Length: {}\r\n\r\n{{",
            50 * 1024 * 1024
        );
        stream.write_all(head.as_bytes()).await?;
        read_response(&mut stream).await
    };

    let (stalled, trickling, slow_body, kept_alive, oversized) =
        tokio::try_join!(stalled, trickling, slow_body, kept_alive, oversized)
            .map_err(|e| rig.with_log(e))?;
    assert_eq!(slow_body.0.0, 408, "{slow_body:?}");
    assert_eq!(kept_alive.0, (401, "bad hmac".to_owned()));
    // Not the header timeout: a kept-alive connection may idle between requests.
    assert!(
        kept_alive.1 > header + Duration::from_millis(500),
        "{kept_alive:?}"
    );
    assert_eq!(oversized.0, 413, "{oversized:?}");
    eprintln!(
        "closed after: stalled header {stalled:?}, trickled header {trickling:?}, \
         stalled body (408) {:?}, idle keep-alive {:?}",
        slow_body.1, kept_alive.1
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_shopify_organization_answers_like_a_bad_signature() -> anyhow::Result<()> {
    let rig = rig(SimStore::Shopify, "").await?;
    let address = rig.webhook_address()?;
    let body = r#"{"id":1}"#;
    // Signed with the real secret, which an unknown name must not reveal either.
    let signed = shopify_signature(&rig.sandbox.credentials().shopify_webhook_secret, body);
    let to = |org: &str, signature: &str| {
        post(
            &format!("/webhooks/shopify/{org}"),
            &[
                ("X-Shopify-Topic", "shop/update"),
                ("X-Shopify-Hmac-Sha256", signature),
            ],
            body,
            "close",
        )
    };
    let bad_signature = exchange(address, &to(ORGANIZATION, "bm90IHRoZSBobWFj")).await?;
    assert_eq!(bad_signature, (401, "bad hmac".to_owned()));
    for org in ["no-such-org", "demo2"] {
        for signature in ["bm90IHRoZSBobWFj", signed.as_str()] {
            let unknown = exchange(address, &to(org, signature)).await?;
            assert_eq!(unknown, bad_signature, "{org}");
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_woocommerce_organization_answers_like_a_bad_signature() -> anyhow::Result<()> {
    let rig = rig(SimStore::Woocommerce, "").await?;
    let address = rig.webhook_address()?;
    let to = |org: &str, body: &str| {
        post(
            &format!("/webhooks/woocommerce/{org}"),
            &[
                ("X-WC-Webhook-Topic", "product.updated"),
                ("X-WC-Webhook-Signature", "bm90IHRoZSBzaWduYXR1cmU="),
            ],
            body,
            "close",
        )
    };
    let bad_signature = exchange(address, &to(ORGANIZATION, r#"{"id":1}"#)).await?;
    assert_eq!(bad_signature, (401, "bad signature".to_owned()));
    let unknown = exchange(address, &to("no-such-org", r#"{"id":1}"#)).await?;
    assert_eq!(unknown, bad_signature);
    // A ping is answered for a served organization only.
    let ping = "webhook_id=12";
    assert_eq!(
        exchange(address, &to(ORGANIZATION, ping)).await?,
        (200, "pong".to_owned())
    );
    assert_eq!(
        exchange(address, &to("no-such-org", ping)).await?,
        bad_signature
    );
    Ok(())
}
