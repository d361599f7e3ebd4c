//! `WC_REST_Authentication` (note §1): over https (`is_ssl()`) the key in the query string or
//! HTTP Basic, then OAuth 1.0a one-legged; key permissions and namespaces.
//!
//! Over plain http, where WordPress' `is_ssl()` is false, HTTP Basic and the
//! `consumer_key`/`consumer_secret` query parameters are not looked at (a request carrying only
//! those is unauthenticated and the endpoint answers `woocommerce_rest_cannot_*`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use axum::http::StatusCode;
use base64::Engine;
use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;

use super::ApiError;
use crate::common::lock;

/// OAuth timestamps must be within this many seconds of the server clock (both ways).
const VALID_WINDOW_SECS: i64 = 15 * 60;

const OAUTH_PARAMS: [&str; 5] = [
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
];

/// What a REST API key may do (WooCommerce → Settings → Advanced → REST API).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Permission {
    Read,
    ReadWrite,
}

impl Permission {
    // Both seeded keys can read; WooCommerce also has write-only keys.
    fn can_read(self) -> bool {
        true
    }

    fn can_write(self) -> bool {
        self == Permission::ReadWrite
    }
}

pub(crate) struct ApiKey {
    pub(crate) consumer_key: String,
    pub(crate) consumer_secret: String,
    pub(crate) permission: Permission,
}

/// The parts of a request authentication looks at.
pub(crate) struct AuthRequest<'a> {
    pub(crate) method: &'a str,
    /// Request path without the query (`/wp-json/wc/v3/products`).
    pub(crate) path: &'a str,
    /// The route inside `/wp-json` (`/wc/v3/products`).
    pub(crate) route: &'a str,
    /// Decoded query parameters, in request order.
    pub(crate) query: &'a [(String, String)],
    /// Decoded `application/x-www-form-urlencoded` body fields.
    pub(crate) form: &'a [(String, String)],
    pub(crate) authorization: Option<&'a str>,
    /// The site's https home URL when the request came over TLS (WordPress' `is_ssl()`);
    /// `None` over plain http.
    pub(crate) https_home: Option<&'a str>,
}

pub(crate) struct Authenticator {
    home: String,
    keys: Vec<ApiKey>,
    /// Per consumer key: timestamp → nonce. WooCommerce keys its nonce list by timestamp, so a
    /// second nonce with the same timestamp replaces the first one.
    nonces: Mutex<HashMap<String, BTreeMap<i64, String>>>,
}

fn auth_error(message: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "woocommerce_rest_authentication_error",
        message,
    )
}

impl Authenticator {
    pub(crate) fn new(home: String, keys: Vec<ApiKey>) -> Self {
        Self {
            home,
            keys,
            nonces: Mutex::default(),
        }
    }

    /// The key's permission if the request carries valid credentials, `None` if it carries
    /// none, or the error WooCommerce answers with.
    ///
    /// `authenticate()`: over TLS, Basic authentication first; when it does not yield a key,
    /// OAuth 1.0a. An OAuth error replaces a Basic one (both go through `set_error`), and a
    /// Basic error stands even when OAuth then succeeds.
    pub(crate) fn authenticate(
        &self,
        req: &AuthRequest<'_>,
        now_secs: i64,
    ) -> Result<Option<Permission>, ApiError> {
        let mut basic_error = None;
        if req.https_home.is_some() {
            match self.basic(req) {
                Ok(Some(key)) => return authorize(key, req),
                Ok(None) => {}
                Err(error) => basic_error = Some(error),
            }
        }
        match (self.oauth(req, now_secs)?, basic_error) {
            (_, Some(error)) => Err(error),
            (Some(key), None) => authorize(key, req),
            (None, None) => Ok(None),
        }
    }

    /// `perform_basic_authentication()`: `consumer_key` and `consumer_secret` from the query
    /// string (both non-empty) first, else HTTP Basic. No credentials, or a key WooCommerce
    /// does not know, is not an error here: the request goes on anonymous.
    ///
    /// A wrong secret gets no `WWW-Authenticate: Basic` header, although note §1.1 says it
    /// does: in WooCommerce's source `send_unauthorized_headers()` adds it only while
    /// `auth_method` is `basic_auth`, and after a failed Basic attempt `authenticate()` always
    /// goes on to `perform_oauth_authentication()`, which first sets `auth_method` to `oauth1`.
    fn basic(&self, req: &AuthRequest<'_>) -> Result<Option<&ApiKey>, ApiError> {
        let Some((consumer_key, consumer_secret)) =
            query_credentials(req.query).or_else(|| basic_credentials(req.authorization))
        else {
            return Ok(None);
        };
        let Some(key) = self.keys.iter().find(|k| k.consumer_key == consumer_key) else {
            return Ok(None);
        };
        if bool::from(
            key.consumer_secret
                .as_bytes()
                .ct_eq(consumer_secret.as_bytes()),
        ) {
            Ok(Some(key))
        } else {
            Err(auth_error("Consumer secret is invalid."))
        }
    }

    /// `perform_oauth_authentication()`: the key whose signature the request carries, `None`
    /// when it carries no OAuth parameter at all.
    fn oauth(&self, req: &AuthRequest<'_>, now_secs: i64) -> Result<Option<&ApiKey>, ApiError> {
        let Some(params) = oauth_parameters(req)? else {
            return Ok(None);
        };
        let get = |name: &str| {
            params
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map_or("", |(_, v)| v.as_str())
        };
        let Some(key) = self
            .keys
            .iter()
            .find(|k| k.consumer_key == get("oauth_consumer_key"))
        else {
            return Err(auth_error("Consumer key is invalid."));
        };
        let home = req.https_home.unwrap_or(&self.home);
        self.check_signature(req, home, key, &params, get("oauth_signature"))?;
        self.check_timestamp_and_nonce(key, get("oauth_timestamp"), get("oauth_nonce"), now_secs)?;
        Ok(Some(key))
    }

    /// `base_uri` is `home_url(path)` in the request's scheme (`is_ssl() ? 'https' : 'http'`).
    fn check_signature(
        &self,
        req: &AuthRequest<'_>,
        home: &str,
        key: &ApiKey,
        params: &[(String, String)],
        received: &str,
    ) -> Result<(), ApiError> {
        let method = req.method;
        let base_uri = rawurlencode(&format!("{home}{}", req.path));
        // PHP arrays keep the last value of a repeated name.
        let mut merged: BTreeMap<&str, &str> = BTreeMap::new();
        for (k, v) in params {
            if k != "oauth_signature" {
                merged.insert(k, v);
            }
        }
        // BTreeMap<&str> iterates in byte order, which is PHP's `strcmp` over the raw keys.
        let joined: Vec<String> = merged
            .iter()
            .map(|(k, v)| rawurlencode(&format!("{}={}", rawurlencode(k), rawurlencode(v))))
            .collect();
        let string_to_sign = format!(
            "{}&{base_uri}&{}",
            method.to_ascii_uppercase(),
            joined.join("%26")
        );
        let signing_key = format!("{}&", key.consumer_secret);
        let expected = match merged.get("oauth_signature_method").copied() {
            Some("HMAC-SHA1") => hmac_b64(Hash::Sha1, &signing_key, &string_to_sign),
            Some("HMAC-SHA256") => hmac_b64(Hash::Sha256, &signing_key, &string_to_sign),
            _ => {
                return Err(auth_error(
                    "Invalid signature - signature method is invalid.",
                ));
            }
        };
        let received = rawurldecode(&received.replace(' ', "+"));
        if bool::from(expected.as_bytes().ct_eq(received.as_bytes())) {
            Ok(())
        } else {
            Err(auth_error(
                "Invalid signature - provided signature does not match.",
            ))
        }
    }

    fn check_timestamp_and_nonce(
        &self,
        key: &ApiKey,
        timestamp: &str,
        nonce: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        // PHP compares the string numerically; a non-number is 0, far outside the window.
        let ts: i64 = timestamp.trim().parse().unwrap_or(0);
        if ts < now - VALID_WINDOW_SECS || ts > now + VALID_WINDOW_SECS {
            return Err(auth_error("Invalid timestamp."));
        }
        let mut all = lock(&self.nonces);
        let used = all.entry(key.consumer_key.clone()).or_default();
        if used.values().any(|n| n == nonce) {
            return Err(auth_error("Invalid nonce - nonce has already been used."));
        }
        used.insert(ts, nonce.to_string());
        used.retain(|t, _| *t >= now - VALID_WINDOW_SECS);
        Ok(())
    }
}

/// The checks an authenticated key still has to pass: its read/write permission and the route's
/// namespace.
fn authorize(key: &ApiKey, req: &AuthRequest<'_>) -> Result<Option<Permission>, ApiError> {
    check_permission(key.permission, req.method)?;
    check_namespace(req.route)?;
    Ok(Some(key.permission))
}

/// `?consumer_key=…&consumer_secret=…`, when both are non-empty (PHP's `empty()` also counts
/// `"0"`); PHP keeps the last of repeated names.
fn query_credentials(query: &[(String, String)]) -> Option<(String, String)> {
    let last = |name: &str| {
        query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !php_empty(v))
    };
    Some((
        last("consumer_key")?.to_string(),
        last("consumer_secret")?.to_string(),
    ))
}

/// `PHP_AUTH_USER` / `PHP_AUTH_PW`: PHP decodes `Authorization: Basic base64(user:pw)` (scheme
/// matched case-insensitively) and splits at the first `:`; WooCommerce needs both non-empty.
/// Simulator choice: base64 that does not decode strictly counts as no credentials (PHP's
/// decoder skips stray characters).
fn basic_credentials(authorization: Option<&str>) -> Option<(String, String)> {
    let header = authorization?.trim();
    let (scheme, encoded) = header.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case("Basic ") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    (!php_empty(user) && !php_empty(password)).then(|| (user.to_string(), password.to_string()))
}

/// PHP's `empty()` on a string: `""` and `"0"`.
fn php_empty(value: &str) -> bool {
    value.is_empty() || value == "0"
}

/// `get_oauth_parameters()`: query + form + `Authorization: OAuth` header, merged. `None` when
/// no OAuth parameter is present at all (not an OAuth request).
fn oauth_parameters(req: &AuthRequest<'_>) -> Result<Option<Vec<(String, String)>>, ApiError> {
    let mut params: Vec<(String, String)> = req.query.to_vec();
    params.extend(req.form.iter().cloned());
    if let Some(header) = req.authorization {
        params.extend(parse_oauth_header(header.trim()));
    }
    let present = |name: &str| {
        params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .is_some_and(|(_, v)| !v.is_empty() && v != "0")
    };
    let missing: Vec<&str> = OAUTH_PARAMS
        .iter()
        .copied()
        .filter(|p| !present(p))
        .collect();
    if missing.len() == OAUTH_PARAMS.len() {
        return Ok(None);
    }
    if !missing.is_empty() {
        let noun = if missing.len() == 1 {
            "parameter"
        } else {
            "parameters"
        };
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "woocommerce_rest_authentication_missing_parameter",
            format!("Missing OAuth {noun} {}", missing.join(", ")),
        ));
    }
    Ok(Some(params))
}

/// `parse_header()`: `OAuth k="v", k2=v2`, only `oauth_*` names, values `urldecode`d.
fn parse_oauth_header(header: &str) -> Vec<(String, String)> {
    let Some(rest) = header.strip_prefix("OAuth ") else {
        return Vec::new();
    };
    rest.split(',')
        .filter_map(|part| {
            let (k, v) = part.trim().split_once('=')?;
            let k = k.trim();
            if !k.starts_with("oauth_") {
                return None;
            }
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            let decoded: String = form_urlencoded::parse(format!("x={v}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            Some((k.to_string(), decoded))
        })
        .collect()
}

/// `check_permissions()`: read keys may GET/HEAD, write keys POST/PUT/PATCH/DELETE.
fn check_permission(permission: Permission, method: &str) -> Result<(), ApiError> {
    match method {
        "GET" | "HEAD" if !permission.can_read() => Err(auth_error(
            "The API key provided does not have read permissions.",
        )),
        "POST" | "PUT" | "PATCH" | "DELETE" if !permission.can_write() => Err(auth_error(
            "The API key provided does not have write permissions.",
        )),
        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => Ok(()),
        _ => Err(auth_error("Unknown request method.")),
    }
}

/// WC API keys only open `wc/*` and `wc-*` namespaces (WooCommerce ≥ 11.1).
/// Simulator choice: the namespace-less index (`GET /wp-json/`) is public and accepts a signed
/// request too.
fn check_namespace(route: &str) -> Result<(), ApiError> {
    let route = route.trim_start_matches('/');
    if route.is_empty() || route.starts_with("wc/") || route.starts_with("wc-") {
        Ok(())
    } else {
        Err(auth_error(
            "The provided API key cannot be used to access this endpoint.",
        ))
    }
}

#[derive(Clone, Copy)]
enum Hash {
    Sha1,
    Sha256,
}

fn hmac_b64(hash: Hash, key: &str, msg: &str) -> String {
    fn mac<M: Mac + hmac::digest::KeyInit>(key: &str, msg: &str) -> Vec<u8> {
        let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(msg.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
    let raw = match hash {
        Hash::Sha1 => mac::<Hmac<sha1::Sha1>>(key, msg),
        Hash::Sha256 => mac::<Hmac<sha2::Sha256>>(key, msg),
    };
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// PHP `rawurlencode` (RFC 3986): everything but `A-Z a-z 0-9 - . _ ~` as `%XX`.
pub(crate) fn rawurlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// PHP `rawurldecode`: `%XX` sequences only (`+` stays `+`).
fn rawurldecode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rawurlencode_matches_php() {
        assert_eq!(rawurlencode("a b/c~d*"), "a%20b%2Fc~d%2A");
        assert_eq!(rawurldecode("a%2Bb+c%zz"), "a+b+c%zz");
    }

    #[test]
    fn header_params_are_parsed_and_decoded() {
        let p = parse_oauth_header(r#"OAuth realm="x", oauth_nonce="a%20b", oauth_timestamp=12"#);
        assert_eq!(
            p,
            vec![
                ("oauth_nonce".to_string(), "a b".to_string()),
                ("oauth_timestamp".to_string(), "12".to_string())
            ]
        );
    }
}
