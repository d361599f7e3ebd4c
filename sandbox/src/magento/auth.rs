//! Web API authentication as Magento resolves the user context of a REST call
//! (`Magento\Webapi\Model\Authorization\{TokenUserContext, OauthUserContext}`):
//!
//! - `Authorization: Bearer <access token>` of an active integration, only while
//!   `oauth/consumer/enable_integration_as_bearer` is on (Stores > Configuration > Services >
//!   OAuth > Consumer Settings). An unknown token, or an integration token while that setting is
//!   off, leaves the call unauthenticated: the route then answers 401 "The consumer isn't
//!   authorized to access %resources.".
//! - `Authorization: OAuth ...` (OAuth 1.0a, HMAC-SHA256 or HMAC-SHA1) signed with the consumer
//!   secret and the access token secret (`Magento\Framework\Oauth\Oauth`). Its failures are
//!   `Magento\Framework\Oauth\Exception` (401) or `OauthInputException` (400) with Magento's
//!   words; the signature base string is Zend_Oauth's: the URL without query (host lowercased,
//!   default port dropped), the query parameters as Magento's request helper splits them
//!   (`name=value` pairs only, `urldecode`d, the last of a repeated name kept) and the
//!   `oauth_*` header parameters, sorted.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use axum::http::StatusCode;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::ApiError;
use crate::common::lock;

/// `Magento\Framework\Oauth\Helper\Oauth::LENGTH_*`: keys, secrets and tokens are 32 characters.
pub(crate) const TOKEN_LENGTH: usize = 32;
/// `Nonce\Generator::TIME_DEVIATION`: a timestamp more than this far ahead is refused.
const TIME_DEVIATION_SECS: i64 = 600;

/// An activated integration (System > Extensions > Integrations).
#[derive(Clone, Debug)]
pub(crate) struct Integration {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) consumer_key: String,
    pub(crate) consumer_secret: String,
    pub(crate) access_token: String,
    pub(crate) access_token_secret: String,
    /// ACL resources granted; `None` = all (`Magento_Backend::all`).
    pub(crate) resources: Option<Vec<&'static str>>,
}

impl Integration {
    pub(crate) fn allows(&self, resource: &str) -> bool {
        self.resources
            .as_ref()
            .is_none_or(|granted| granted.contains(&resource))
    }
}

/// The parts of a request authentication looks at.
pub(crate) struct AuthRequest<'a> {
    pub(crate) method: &'a str,
    /// `http://host:port/rest/default/V1/...` without the query, as the client addressed it.
    pub(crate) url: &'a str,
    /// The raw query string.
    pub(crate) raw_query: &'a str,
    pub(crate) authorization: Option<&'a str>,
}

pub(crate) struct Authenticator {
    integrations: Vec<Integration>,
    /// Per consumer: nonces already used (`oauth_nonce` table).
    nonces: Mutex<BTreeMap<String, BTreeSet<String>>>,
}

fn oauth_error(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, message)
}

impl Authenticator {
    pub(crate) fn new(integrations: Vec<Integration>) -> Self {
        Self {
            integrations,
            nonces: Mutex::default(),
        }
    }

    pub(crate) fn integration(&self, name: &str) -> Option<&Integration> {
        self.integrations.iter().find(|i| i.name == name)
    }

    /// The integration the request authenticates as; `None` = a guest (no usable credentials).
    pub(crate) fn authenticate(
        &self,
        req: &AuthRequest<'_>,
        bearer_allowed: bool,
        now_secs: i64,
    ) -> Result<Option<&Integration>, ApiError> {
        let header = req.authorization.unwrap_or_default();
        // TokenUserContext: exactly "<type> <token>", type compared case-insensitively.
        let pieces: Vec<&str> = header.split(' ').collect();
        if let [kind, token] = pieces.as_slice()
            && kind.eq_ignore_ascii_case("bearer")
        {
            let found = self
                .integrations
                .iter()
                .find(|i| bool::from(i.access_token.as_bytes().ct_eq(token.as_bytes())));
            return Ok(found.filter(|_| bearer_allowed));
        }
        match header.to_ascii_lowercase().find("oauth ") {
            Some(at) => self.oauth(req, &header[at + 6..], now_secs).map(Some),
            None => Ok(None),
        }
    }

    /// `Oauth::validateAccessTokenRequest()`.
    fn oauth(
        &self,
        req: &AuthRequest<'_>,
        header_params: &str,
        now: i64,
    ) -> Result<&Integration, ApiError> {
        let protocol = parse_header(header_params);
        let get = |name: &str| protocol.get(name).map(String::as_str);
        let required = [
            "oauth_consumer_key",
            "oauth_signature",
            "oauth_signature_method",
            "oauth_nonce",
            "oauth_timestamp",
            "oauth_token",
        ];
        if let Some(version) = get("oauth_version")
            && version != "1.0"
        {
            return Err(ApiError::bad_request_with(
                "The \"%1\" Oauth version isn't supported.",
                json!([version]),
            ));
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|p| get(p).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::input_errors(
                missing
                    .iter()
                    .map(|p| {
                        (
                            "\"%fieldName\" is required. Enter and try again.".to_string(),
                            json!({"fieldName": p}),
                        )
                    })
                    .collect(),
            ));
        }
        let field = |name: &str| get(name).unwrap_or_default();
        if field("oauth_token").len() != TOKEN_LENGTH {
            return Err(ApiError::bad_request(
                "The token length is invalid. Check the length and try again.",
            ));
        }
        let method = field("oauth_signature_method");
        if method != "HMAC-SHA1" && method != "HMAC-SHA256" {
            return Err(ApiError::bad_request_with(
                "Signature method %1 is not supported",
                json!([method]),
            ));
        }
        let consumer_key = field("oauth_consumer_key");
        if consumer_key.len() != TOKEN_LENGTH {
            return Err(oauth_error("Consumer key is not the correct length"));
        }
        let Some(integration) = self
            .integrations
            .iter()
            .find(|i| i.consumer_key == consumer_key)
        else {
            return Err(oauth_error(
                "A consumer having the specified key does not exist",
            ));
        };
        self.check_nonce(
            integration,
            field("oauth_nonce"),
            field("oauth_timestamp"),
            now,
        )?;
        let token = field("oauth_token");
        if !bool::from(integration.access_token.as_bytes().ct_eq(token.as_bytes())) {
            return Err(
                match self.integrations.iter().find(|i| i.access_token == token) {
                    Some(_) => oauth_error("Token is not associated with the specified consumer"),
                    None => oauth_error("Specified token does not exist"),
                },
            );
        }
        let mut signed: BTreeMap<String, String> = query_params(req.raw_query);
        for (k, v) in &protocol {
            if k != "oauth_signature" {
                signed.insert(k.clone(), v.clone());
            }
        }
        let expected = sign(
            method,
            req.method,
            req.url,
            &signed,
            &integration.consumer_secret,
            &integration.access_token_secret,
        );
        if bool::from(
            expected
                .as_bytes()
                .ct_eq(field("oauth_signature").as_bytes()),
        ) {
            Ok(integration)
        } else {
            Err(oauth_error(
                "The signature is invalid. Verify and try again.",
            ))
        }
    }

    fn check_nonce(
        &self,
        integration: &Integration,
        nonce: &str,
        timestamp: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        let ts: i64 = timestamp.trim().parse().unwrap_or(0);
        if ts <= 0 || ts > now + TIME_DEVIATION_SECS {
            return Err(oauth_error(
                "Incorrect timestamp value in the oauth_timestamp parameter",
            ));
        }
        let mut all = lock(&self.nonces);
        let used = all.entry(integration.consumer_key.clone()).or_default();
        if !used.insert(nonce.to_string()) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "The nonce is already being used by the consumer with ID %1",
            )
            .with_params(json!([integration.id])));
        }
        Ok(())
    }
}

/// `Helper\Request::_processHeader()`: `name="value"` pairs after `OAuth `, `oauth_*` names
/// only, both `rawurldecode`d.
fn parse_header(params: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for part in params.split(',') {
        let Some((name, value)) = part.trim().split_once('=') else {
            continue;
        };
        if !name.contains("oauth_") {
            continue;
        }
        out.insert(
            rawurldecode(name),
            rawurldecode(value.trim().trim_matches('"')),
        );
    }
    out
}

/// `Helper\Request::_extractQueryStringParams()`: `name=value` pieces with exactly one `=`,
/// PHP-`urldecode`d, `oauth_*` names left out.
fn query_params(raw_query: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for piece in raw_query.split('&') {
        let parts: Vec<&str> = piece.split('=').collect();
        if let [name, value] = parts.as_slice() {
            let name = urldecode(name);
            if !name.contains("oauth_") {
                out.insert(name, urldecode(value));
            }
        }
    }
    out
}

/// Zend_Oauth's HMAC signature: base64 over `METHOD&url&params` keyed with both secrets.
pub(crate) fn sign(
    signature_method: &str,
    http_method: &str,
    url: &str,
    params: &BTreeMap<String, String>,
    consumer_secret: &str,
    token_secret: &str,
) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (rawurlencode(k), rawurlencode(v)))
        .collect();
    encoded.sort();
    let joined: Vec<String> = encoded.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let base = format!(
        "{}&{}&{}",
        http_method.to_ascii_uppercase(),
        rawurlencode(&normalise_url(url)),
        rawurlencode(&joined.join("&"))
    );
    let key = format!(
        "{}&{}",
        rawurlencode(consumer_secret),
        rawurlencode(token_secret)
    );
    let raw = if signature_method == "HMAC-SHA1" {
        let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(key.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(base.as_bytes());
        mac.finalize().into_bytes().to_vec()
    } else {
        crate::common::hmac_sha256(key.as_bytes(), base.as_bytes())
    };
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// `Zend_Oauth_Signature_SignatureAbstract::normaliseBaseSignatureUrl()`: no query or
/// fragment, scheme and host lowercased, `:80` (http) / `:443` (https) dropped.
fn normalise_url(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let authority = authority.to_ascii_lowercase();
    let authority = match (scheme.as_str(), authority.rsplit_once(':')) {
        ("http", Some((host, "80"))) | ("https", Some((host, "443"))) => host.to_string(),
        _ => authority,
    };
    format!("{scheme}://{authority}{path}")
}

/// RFC 3986 encoding (PHP `rawurlencode`).
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

fn percent_decode(s: &str, plus_is_space: bool) -> String {
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
            (b'+', _) if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn rawurldecode(s: &str) -> String {
    percent_decode(s, false)
}

/// PHP `urldecode` (`+` is a space).
pub(crate) fn urldecode(s: &str) -> String {
    percent_decode(s, true)
}

/// 32 lowercase letters and digits, as `Helper\Oauth::generateRandomString()` makes them.
pub(crate) fn random_token(rng: &mut impl rand::Rng) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..TOKEN_LENGTH)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_is_normalised_like_zend() {
        assert_eq!(
            normalise_url("HTTP://Shop.Example:80/rest/V1/products?x=1"),
            "http://shop.example/rest/V1/products"
        );
        assert_eq!(
            normalise_url("http://127.0.0.1:8080/rest/V1/orders"),
            "http://127.0.0.1:8080/rest/V1/orders"
        );
    }

    #[test]
    fn query_pairs_are_split_as_magento_does() {
        let q = query_params("a=1&b=x+y&c&d=1=2&oauth_x=3&e%5B0%5D=%20");
        let pairs: Vec<(&str, &str)> = q.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, vec![("a", "1"), ("b", "x y"), ("e[0]", " ")]);
    }
}
