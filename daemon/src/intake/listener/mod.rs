//! The webhook port, hardened: it is reachable by anyone, so no caller may hold it or the
//! daemon's file descriptors. hyper serves HTTP/1.1 on each connection; this module accepts,
//! counts and closes connections:
//!
//! - a request's headers must be complete within the header timeout of its first byte (or of
//!   the connection opening), its whole body must arrive within the body timeout, and a
//!   kept-alive connection may idle the idle timeout between requests;
//! - connections are capped in total and per IP address; at a cap the oldest connection with
//!   no request in flight is closed for the newcomer ([`admission`]), so idle connections
//!   cannot crowd out a delivery;
//! - bodies over [`BODY_LIMIT`] are answered 413.

mod admission;

use admission::{Caps, Connection, Registry, WaitLimits};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use feedbridge_common::config::DaemonSettings;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;
use tracing::{debug, info, warn};

/// Largest request body accepted (axum's default limit, which the webhook routes always had).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Descriptors kept free of webhook connections: the database, logs, the console socket and
/// its clients, and the platform clients' connections.
const RESERVED_DESCRIPTORS: u64 = 256;
/// Pause after a failed accept (e.g. out of descriptors) so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(250);
/// How often reaching the connection caps is logged as a warning.
const CAP_WARNING_EVERY: Duration = Duration::from_secs(60);

/// The webhook port's timeouts and caps (`[daemon]` `webhook_*` keys).
#[derive(Clone, Copy, Debug)]
pub struct ListenerLimits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_peer: usize,
}

impl ListenerLimits {
    pub fn from_settings(daemon: &DaemonSettings) -> Self {
        Self {
            header_timeout: Duration::from_secs(daemon.webhook_header_timeout_secs),
            body_timeout: Duration::from_secs(daemon.webhook_body_timeout_secs),
            idle_timeout: Duration::from_secs(daemon.webhook_idle_timeout_secs),
            max_connections: daemon.webhook_max_connections,
            max_connections_per_peer: daemon.webhook_max_connections_per_peer,
        }
    }

    /// The caps, lowered if need be so webhook connections leave [`RESERVED_DESCRIPTORS`]
    /// of the process's `open_files` limit free.
    pub fn within_descriptors(mut self, open_files: u64) -> Self {
        let room = usize::try_from(open_files.saturating_sub(RESERVED_DESCRIPTORS).max(1))
            .unwrap_or(usize::MAX);
        if self.max_connections > room {
            warn!(
                configured = self.max_connections,
                open_files,
                used = room,
                "daemon.webhook_max_connections is above what the open-file limit allows; lowered."
            );
            self.max_connections = room;
            self.max_connections_per_peer = self.max_connections_per_peer.min(room);
        }
        self
    }
}

/// Raise the open-file soft limit to the hard limit (systemd's default soft limit, 1024, is
/// few for a port anyone can connect to); returns the limit now in force.
pub fn raise_open_file_limit() -> Option<u64> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok(limits) => limits,
        Err(error) => {
            warn!(%error, "Could not read the open-file limit.");
            return None;
        }
    };
    if soft >= hard {
        info!(open_files = soft, "Open-file limit.");
        return Some(soft);
    }
    match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
        Ok(()) => {
            info!(
                open_files = hard,
                was = soft,
                "Raised the open-file limit to its hard limit."
            );
            Some(hard)
        }
        Err(error) => {
            warn!(%error, open_files = soft, "Could not raise the open-file limit.");
            Some(soft)
        }
    }
}

/// Serve `router` on `listener` until `shutdown`; then stop accepting, let requests in flight
/// finish and close idle connections, and return once every connection is closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ListenerLimits,
    shutdown: CancellationToken,
) {
    let registry = Arc::new(Registry::new(Caps {
        total: limits.max_connections,
        per_peer: limits.max_connections_per_peer,
    }));
    let connections = TaskTracker::new();
    let mut cap_reached = CapWarning::default();
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                warn!(%error, "Could not accept a webhook connection.");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let admitted = registry.admit(peer.ip().to_canonical());
        if !matches!(admitted, Some((_, _, 0))) {
            cap_reached.note(admitted.is_none());
        }
        let Some((id, connection, _)) = admitted else {
            debug!(%peer, "Webhook connection refused: every held connection is busy.");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let registry = Arc::clone(&registry);
        let (router, shutdown) = (router.clone(), shutdown.clone());
        connections.spawn(async move {
            serve_connection(stream, peer, &connection, router, limits, shutdown).await;
            registry.remove(id);
        });
    }
    drop(listener);
    connections.close();
    info!(
        open = connections.len(),
        "Webhook listener closed; finishing requests in flight."
    );
    connections.wait().await;
}

/// A warning, at most once per [`CAP_WARNING_EVERY`], that the connection caps are being hit
/// (a flood, or caps too low for the traffic); each closed or refused connection is debug.
#[derive(Default)]
struct CapWarning {
    last: Option<Instant>,
    closed: u64,
    refused: u64,
}

impl CapWarning {
    fn note(&mut self, refused: bool) {
        if refused {
            self.refused += 1;
        } else {
            self.closed += 1;
        }
        if self
            .last
            .is_some_and(|last| last.elapsed() < CAP_WARNING_EVERY)
        {
            return;
        }
        warn!(
            idle_closed = self.closed,
            refused = self.refused,
            "Webhook connection caps reached: closing idle connections for new ones."
        );
        self.last = Some(Instant::now());
        (self.closed, self.refused) = (0, 0);
    }
}

/// Drive one connection until it ends, times out, is evicted, or shutdown finds it idle.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    connection: &Arc<Connection>,
    router: Router,
    limits: ListenerLimits,
    shutdown: CancellationToken,
) {
    let wait_limits = WaitLimits {
        header: limits.header_timeout,
        idle: limits.idle_timeout,
    };
    let io = TokioIo::new(CountedStream {
        stream,
        connection: Arc::clone(connection),
    });
    let on_request = Arc::clone(connection);
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let in_flight = on_request.begin_request();
        let router = router.clone();
        async move {
            let response = answer(router, request, limits).await;
            drop(in_flight);
            Ok::<_, Infallible>(response)
        }
    });
    // hyper's own header timer starts when a connection goes idle, so it cannot tell idle
    // from slow; the deadlines below do both. Its timer stays on as a backstop.
    let http = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout + limits.header_timeout)
        .serve_connection(io, service);
    let mut http = std::pin::pin!(http);
    let mut draining = false;
    loop {
        let phase = connection.phase();
        let waiting = matches!(phase, admission::Phase::Waiting { .. });
        if draining && waiting {
            return;
        }
        let deadline = phase.deadline(wait_limits);
        tokio::select! {
            served = http.as_mut() => {
                if let Err(error) = served {
                    debug!(%peer, %error, "Webhook connection ended with an error.");
                }
                return;
            }
            () = connection.evicted.cancelled() => {
                debug!(%peer, "Closed an idle webhook connection to make room for another.");
                return;
            }
            () = shutdown.cancelled(), if !draining => {
                draining = true;
                http.as_mut().graceful_shutdown();
            }
            () = connection.changed.notified() => {}
            () = sleep_until(deadline) => {
                if deadline == connection.phase().deadline(wait_limits) {
                    debug!(%peer, "Closed a webhook connection that sent no complete request in time.");
                    return;
                }
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Read the whole body (within the body timeout and [`BODY_LIMIT`]), then route the request.
async fn answer(
    router: Router,
    request: Request<Incoming>,
    limits: ListenerLimits,
) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT as u64) {
        return refusal(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
    }
    let read = tokio::time::timeout(
        limits.body_timeout,
        Limited::new(body, BODY_LIMIT).collect(),
    )
    .await;
    let body = match read {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(error)) if error.is::<LengthLimitError>() => {
            return refusal(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
        }
        Ok(Err(error)) => {
            debug!(%error, "A webhook request's body could not be read.");
            return refusal(StatusCode::BAD_REQUEST, "unreadable request body");
        }
        Err(_) => {
            debug!("A webhook request's body did not arrive in time.");
            return refusal(
                StatusCode::REQUEST_TIMEOUT,
                "request body not received in time",
            );
        }
    };
    let request = Request::from_parts(parts, Body::from(body));
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// An answer after which the connection is closed (its request's body was not all read).
fn refusal(status: StatusCode, message: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(message));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    response
}

/// The TCP stream, telling its connection when bytes arrive (a request has begun).
struct CountedStream {
    stream: TcpStream,
    connection: Arc<Connection>,
}

impl AsyncRead for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.connection.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_leave_descriptors_for_the_rest_of_the_daemon() {
        let limits = ListenerLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_connections_per_peer: 1024,
        };
        let roomy = limits.within_descriptors(65_536);
        assert_eq!(roomy.max_connections, 1024);
        let tight = limits.within_descriptors(1024);
        assert_eq!(
            (tight.max_connections, tight.max_connections_per_peer),
            (768, 768)
        );
    }
}
