//! The one HTTP layer every platform client shares: the configured `reqwest::Client`, error
//! classification (transport failures and HTTP statuses into [`ConnectorError`]), `Retry-After`
//! parsing and secret redaction. Pacing is [`super::budget`].
//!
//! Classification rules (STYLE.md "Errors"): timeouts, connection failures, 408/429/5xx are
//! `Retryable` (429: `Throttled`); 401/403 are `Unauthorized`; every other 4xx is `Rejected`. Platform modules
//! refine this with their own error codes (TikTok's `code`, Shopify's GraphQL `errors`).

use super::ConnectorError;
use feedbridge_common::config::StorePlatform;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::Duration;

/// User agent sent on every platform call.
pub const USER_AGENT: &str = concat!("feedbridge/", env!("CARGO_PKG_VERSION"));
/// How long to wait for a TCP/TLS connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a whole request (including the body) may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest platform text kept in `ConnectorError::raw`.
pub const MAX_RAW_CHARS: usize = 2_000;

/// Query parameters whose values are secrets and must never be logged.
const SECRET_QUERY_KEYS: &[&str] = &[
    "access_token",
    "app_secret",
    "refresh_token",
    "auth_code",
    "code",
    "sign",
    "client_secret",
];

/// The configured HTTP client (rustls, 5 s connect timeout, 30 s request timeout,
/// `feedbridge/<version>` user agent). Build it once and share it between connectors.
pub fn try_client() -> Result<reqwest::Client, reqwest::Error> {
    builder().build()
}

/// The settings every platform client shares (timeouts, user agent), to add to.
pub fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(USER_AGENT)
}

/// Same as [`try_client`].
///
/// # Panics
/// Only if the TLS backend cannot initialise at all (no crypto provider), which is a broken
/// build, not a runtime condition.
pub fn client() -> reqwest::Client {
    try_client().expect("the rustls HTTP client builds with the compiled-in crypto provider")
}

/// Send one platform call, counted for the metrics (a 429 answer as a throttle too). Every
/// connector sends through here.
pub async fn send(
    platform: Platform,
    request: reqwest::RequestBuilder,
) -> Result<reqwest::Response, reqwest::Error> {
    let sent = request.send().await;
    crate::metrics::live().platform_call(
        platform,
        sent.as_ref()
            .ok()
            .map(|response| response.status().as_u16()),
    );
    sent
}

/// Which platform a message is about, for error texts and log fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// A store platform (named by its registry entry).
    Store(StorePlatform),
    TikTok,
    Amazon,
}

impl Platform {
    pub fn name(self) -> &'static str {
        match self {
            Self::Store(store) => store.label(),
            Self::TikTok => "TikTok Shop",
            Self::Amazon => "Amazon",
        }
    }

    /// Lower-case tag for the `platform` tracing field.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Store(store) => store.as_str(),
            Self::TikTok => "tiktok",
            Self::Amazon => "amazon",
        }
    }
}

/// Classify a transport-level failure (no HTTP response, or the body could not be read).
/// The text never contains the URL (its query may carry secrets).
pub fn classify_transport(platform: Platform, error: reqwest::Error) -> ConnectorError {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "response body could not be read"
    } else if error.is_builder() {
        "request could not be built"
    } else {
        "request failed"
    };
    let raw = redact_text(&error_chain(&error.without_url()), &[]);
    if kind == "request could not be built" {
        return ConnectorError::Rejected {
            reason: format!(
                "{} request could not be built; this is a feedbridge bug",
                platform.name()
            ),
            raw,
        };
    }
    ConnectorError::Retryable {
        reason: format!("{} {kind}; will retry", platform.name()),
        raw,
        retry_after: None,
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// Classify a non-success HTTP status. `raw` is the (already redacted) response body.
/// Returns `None` for 2xx.
pub fn classify_status(
    platform: Platform,
    status: StatusCode,
    retry_after: Option<Duration>,
    raw: &str,
) -> Option<ConnectorError> {
    if status.is_success() {
        return None;
    }
    let name = platform.name();
    let raw = truncate(raw);
    let code = status.as_u16();
    Some(match code {
        429 => ConnectorError::Throttled {
            reason: format!("{name} rate limit reached (HTTP 429); will retry"),
            raw,
            retry_after,
        },
        408 => ConnectorError::Retryable {
            reason: format!("{name} timed out handling the request (HTTP 408); will retry"),
            raw,
            retry_after,
        },
        500..=599 => ConnectorError::Retryable {
            reason: format!("{name} server error (HTTP {code}); will retry"),
            raw,
            retry_after,
        },
        401 => ConnectorError::Unauthorized {
            reason: format!("{name} rejected the credentials (HTTP 401); reconnect the account"),
            raw,
        },
        403 => ConnectorError::Unauthorized {
            reason: format!(
                "{name} denied access (HTTP 403); reconnect the account and grant the required permissions"
            ),
            raw,
        },
        _ => ConnectorError::Rejected {
            reason: format!("{name} refused the request (HTTP {code})"),
            raw,
        },
    })
}

/// `Retry-After` as a duration: delta-seconds, integer or fractional (Shopify sends `2.0`).
/// HTTP-date values and garbage yield `None`.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value)
}

/// Parse a `Retry-After` delta-seconds value; see [`retry_after`].
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    // Cap absurd values at an hour so a bad header cannot park a connection for days.
    Some(Duration::from_secs_f64(seconds.min(3_600.0)))
}

/// Replace the values of secret-bearing query parameters with `***`, keeping the rest.
pub fn redact_url(url: &str) -> String {
    let Some((base, rest)) = url.split_once('?') else {
        return url.to_owned();
    };
    let (query, fragment) = match rest.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (rest, None),
    };
    let redacted: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if SECRET_QUERY_KEYS.contains(&key) => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    let mut out = format!("{base}?{}", redacted.join("&"));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// Remove every occurrence of the given secret values (and any URL query secrets) from a text
/// a platform sent back, then cap its length. Empty secrets are ignored.
pub fn redact_text(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(*secret, "***");
    }
    // Redact `key=value` query fragments that may be embedded (e.g. a URL echoed in an error).
    for key in SECRET_QUERY_KEYS {
        let needle = format!("{key}=");
        let mut search_from = 0;
        while let Some(found) = out[search_from..].find(&needle) {
            let start = search_from + found;
            let boundary_ok = start == 0
                || matches!(
                    out.as_bytes().get(start - 1),
                    Some(b'?' | b'&' | b' ' | b'(')
                );
            let value_start = start + needle.len();
            if !boundary_ok {
                search_from = value_start;
                continue;
            }
            let value_end = out[value_start..]
                .find(['&', ' ', ')', '"', '\'', '#', '\n'])
                .map_or(out.len(), |end| value_start + end);
            out.replace_range(value_start..value_end, "***");
            search_from = value_start + 3;
        }
    }
    truncate(&out)
}

/// Cap a platform text at [`MAX_RAW_CHARS`] characters.
pub fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_RAW_CHARS) {
        Some((index, _)) => format!("{}…", &text[..index]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(error: &ConnectorError) -> &'static str {
        match error {
            ConnectorError::Retryable { .. } => "retryable",
            ConnectorError::Throttled { .. } => "throttled",
            ConnectorError::Rejected { .. } => "rejected",
            ConnectorError::Unauthorized { .. } => "unauthorized",
        }
    }

    #[test]
    fn status_classification_table() {
        let table = [
            (200, None),
            (204, None),
            (400, Some("rejected")),
            (401, Some("unauthorized")),
            (403, Some("unauthorized")),
            (404, Some("rejected")),
            (408, Some("retryable")),
            (409, Some("rejected")),
            (422, Some("rejected")),
            (429, Some("throttled")),
            (500, Some("retryable")),
            (502, Some("retryable")),
            (503, Some("retryable")),
            (504, Some("retryable")),
        ];
        for (code, expected) in table {
            let status = StatusCode::from_u16(code).unwrap();
            let got = classify_status(
                Platform::Store(StorePlatform::Shopify),
                status,
                None,
                "body",
            );
            assert_eq!(got.as_ref().map(kind), expected, "HTTP {code}");
        }
    }

    #[test]
    fn status_429_carries_retry_after() {
        let got = classify_status(
            Platform::TikTok,
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(2)),
            "",
        );
        match got {
            Some(ConnectorError::Throttled { retry_after, .. }) => {
                assert_eq!(retry_after, Some(Duration::from_secs(2)));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn retry_after_parsing() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("2.0"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("99999"), Some(Duration::from_secs(3_600)));
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url(
                "https://auth.x/api/v2/token/get?app_key=k&app_secret=s3cr3t&grant_type=authorized_code"
            ),
            "https://auth.x/api/v2/token/get?app_key=k&app_secret=***&grant_type=authorized_code"
        );
        assert_eq!(
            redact_url("https://h/p?access_token=abc&sign=ff#frag"),
            "https://h/p?access_token=***&sign=***#frag"
        );
        assert_eq!(redact_url("https://h/p"), "https://h/p");
    }

    #[test]
    fn texts_are_redacted() {
        let text =
            "error for url (https://h/p?app_key=k&access_token=tok123&x=1): token tok123 bad";
        let out = redact_text(text, &["tok123"]);
        assert!(!out.contains("tok123"), "{out}");
        assert!(out.contains("app_key=k"));
        let out = redact_text("see ?app_secret=abcdef&y=2", &[]);
        assert_eq!(out, "see ?app_secret=***&y=2");
        // A key that merely ends in a secret name is left alone.
        assert_eq!(redact_text("?zipcode=123", &[]), "?zipcode=123");
    }

    #[test]
    fn truncate_caps_length() {
        let long = "x".repeat(MAX_RAW_CHARS + 10);
        assert_eq!(truncate(&long).chars().count(), MAX_RAW_CHARS + 1);
        assert_eq!(truncate("short"), "short");
    }

    #[test]
    fn client_builds() {
        let _client = client();
    }
}
