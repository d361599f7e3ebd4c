//! The https side of the WooCommerce simulator (note §1.1): the same site behind a second
//! listener that speaks TLS with a self-signed certificate made at start. Requests that arrive
//! here are WordPress' `is_ssl()`, so keys in the query string and HTTP Basic are honoured.
//!
//! axum's `serve` only speaks plain TCP, so each connection is accepted with `tokio-rustls` and
//! served by hyper with the site's router as the service.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::{Extension, Router};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use super::WooCommerce;

/// A client that opens a connection and never finishes the handshake is dropped after this.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Pause after a failed `accept` (e.g. out of file descriptors), so the loop does not spin.
const ACCEPT_RETRY_PAUSE: Duration = Duration::from_millis(100);

/// Marks a request that came over TLS; carries the site's https home URL, which OAuth 1.0a
/// signatures cover there (`home_url(path, 'https')`).
#[derive(Clone, Debug)]
pub(crate) struct Https {
    pub(crate) home: String,
}

/// The listener's certificate: the acceptor that presents it and its PEM, for clients to trust.
pub(crate) struct SelfSigned {
    pub(crate) acceptor: TlsAcceptor,
    pub(crate) cert_pem: String,
}

impl SelfSigned {
    /// A fresh key and certificate for `127.0.0.1` and `localhost`.
    pub(crate) fn generate() -> anyhow::Result<Self> {
        let certified =
            rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".into()])
                .context("Failed to make the WooCommerce simulator's TLS certificate")?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        // Named provider: the process-wide default is ambiguous when another crate in the build
        // also enables rustls' ring backend.
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("The TLS crypto provider supports no protocol version")?
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .context("The WooCommerce simulator's TLS certificate was refused by rustls")?;
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            cert_pem: certified.cert.pem(),
        })
    }
}

/// The site's router with every request marked as arriving over TLS.
pub(crate) fn router(woo: Arc<WooCommerce>, https_home: String) -> Router {
    super::router(woo).layer(Extension(Https { home: https_home }))
}

/// Accepts TLS connections until `shutdown`, then lets open connections finish their requests.
pub(crate) async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    router: Router,
    shutdown: CancellationToken,
) {
    // Owned here so that aborting this task also drops every connection.
    let mut connections = JoinSet::new();
    loop {
        let tcp = tokio::select! {
            () = shutdown.cancelled() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(error) => {
                    tracing::warn!(%error, "The WooCommerce https simulator could not accept a connection.");
                    tokio::time::sleep(ACCEPT_RETRY_PAUSE).await;
                    continue;
                }
            },
        };
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(router.clone());
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            // A client that gives up or speaks plain http to this port only loses its connection.
            let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await
            else {
                return;
            };
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service);
            tokio::pin!(connection);
            // Connection errors (a client hanging up mid-request) are the client's business.
            tokio::select! {
                _ = connection.as_mut() => {}
                () = shutdown.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    while connections.join_next().await.is_some() {}
}
