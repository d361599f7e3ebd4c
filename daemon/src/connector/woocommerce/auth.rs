//! How requests prove who they are (woocommerce.md §1) and how webhooks are checked (§7.2).
//!
//! Over `https://` the key goes in an HTTP Basic header (§1.1). Over plain `http://` WooCommerce
//! refuses Basic and wants OAuth 1.0a "one-legged" signatures in the query string (§1.2); the
//! client side of that algorithm is here, written to match the server's exact rules (RFC 3986
//! encoding of `/` too, `strcmp` key order, key `consumer_secret&`), which the Python client
//! famously gets wrong for values containing `/`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The signature method we send; the server also accepts HMAC-SHA1.
pub(super) const SIGNATURE_METHOD: &str = "HMAC-SHA256";

/// PHP's `rawurlencode`: RFC 3986 unreserved characters stay, every other byte is `%XX`.
pub(super) fn rawurlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The URL a signature covers: lower-case scheme and host, the port only when it is not the
/// scheme's default, the path, no query.
pub(super) fn signature_base_uri(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!(
        "{}://{host}{port}{}",
        url.scheme().to_ascii_lowercase(),
        url.path()
    )
}

/// `base64(HMAC-SHA256(consumer_secret + "&", METHOD & rawurlencode(base_uri) & pairs))` over
/// every query parameter except `oauth_signature` (§1.2 steps 1–10).
pub(super) fn oauth_signature(
    method: &str,
    base_uri: &str,
    params: &[(String, String)],
    consumer_secret: &str,
) -> String {
    let mut sorted: Vec<&(String, String)> = params
        .iter()
        .filter(|(key, _)| key != "oauth_signature")
        .collect();
    // PHP `uksort(..., 'strcmp')`: plain byte order of the raw keys.
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let joined = sorted
        .iter()
        .map(|(key, value)| rawurlencode(&format!("{}={}", rawurlencode(key), rawurlencode(value))))
        .collect::<Vec<_>>()
        .join("%26");
    let string_to_sign = format!(
        "{}&{}&{joined}",
        method.to_ascii_uppercase(),
        rawurlencode(base_uri)
    );
    let mut mac = HmacSha256::new_from_slice(format!("{consumer_secret}&").as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(string_to_sign.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// The `Authorization` value for HTTP Basic with a consumer key and secret (§1.1).
pub(super) fn basic_authorization(consumer_key: &str, consumer_secret: &str) -> String {
    format!(
        "Basic {}",
        BASE64.encode(format!("{consumer_key}:{consumer_secret}"))
    )
}

/// Verify a webhook delivery (§7.2): `X-WC-Webhook-Signature` must be
/// `base64(HMAC-SHA256(key = webhook secret, msg = raw body))`. Constant-time.
pub fn verify_webhook(secret: &str, raw_body: &[u8], signature_base64: &str) -> bool {
    let Ok(given) = BASE64.decode(signature_base64.trim()) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(raw_body);
    mac.verify_slice(&given).is_ok()
}

/// A WooCommerce ping (sent when a webhook is created or re-activated): form body
/// `webhook_id=N`, unsigned, never JSON (§7.2).
pub fn is_ping(raw_body: &[u8]) -> bool {
    raw_body.starts_with(b"webhook_id=")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn rawurlencode_matches_php() {
        assert_eq!(rawurlencode("a-b.c_d~e"), "a-b.c_d~e");
        assert_eq!(rawurlencode("a b/c"), "a%20b%2Fc");
        assert_eq!(rawurlencode("filter[period]"), "filter%5Bperiod%5D");
        assert_eq!(
            rawurlencode("2026-11-21T18:00:00Z"),
            "2026-11-21T18%3A00%3A00Z"
        );
        assert_eq!(rawurlencode("é"), "%C3%A9");
    }

    #[test]
    fn base_uri_drops_query_and_default_port() {
        let url =
            reqwest::Url::parse("HTTP://Shop.Example:80/wp-json/wc/v3/orders?page=2").unwrap();
        assert_eq!(
            signature_base_uri(&url),
            "http://shop.example/wp-json/wc/v3/orders"
        );
        let url = reqwest::Url::parse("http://127.0.0.1:8123/wp-json/wc/v3/products").unwrap();
        assert_eq!(
            signature_base_uri(&url),
            "http://127.0.0.1:8123/wp-json/wc/v3/products"
        );
    }

    /// Expected value computed independently (Python `hmac`/`hashlib`/`urllib.parse.quote(safe="")`)
    /// from the §1.2 steps, with a `/` and a space in values to catch the Python client's bug.
    #[test]
    fn oauth_signature_known_vector() {
        let params = params(&[
            ("per_page", "100"),
            ("oauth_timestamp", "1763748000"),
            ("search", "a b/c"),
            ("oauth_nonce", "6f1c0a7e9b3d4c2a8e5f1b0d3c7a9e2f"),
            ("oauth_signature_method", "HMAC-SHA256"),
            ("oauth_consumer_key", "ck_0123456789abcdef"),
            ("modified_after", "2026-11-21T18:00:00Z"),
            ("oauth_signature", "ignored"),
        ]);
        let signature = oauth_signature(
            "get",
            "http://127.0.0.1:8123/wp-json/wc/v3/orders",
            &params,
            "cs_fedcba9876543210",
        );
        assert_eq!(signature, "shwTwCb20Bux8Yzq95zFbY1LKzMM5h2sKmTfOlQNkgE=");
    }

    #[test]
    fn basic_header() {
        assert_eq!(basic_authorization("ck_a", "cs_b"), "Basic Y2tfYTpjc19i");
    }

    #[test]
    fn webhook_signature() {
        // base64(HMAC-SHA256("whsec", "{\"id\":42}")), computed independently with openssl.
        let header = "36pAUdr8u7pr7VOKth4P3dZRsa1o960cmcGPUxp4Wp0=";
        assert!(verify_webhook("whsec", br#"{"id":42}"#, header));
        assert!(verify_webhook(
            "whsec",
            br#"{"id":42}"#,
            &format!(" {header}\n")
        ));
        assert!(!verify_webhook("whsec", br#"{"id":43}"#, header));
        assert!(!verify_webhook("other", br#"{"id":42}"#, header));
        assert!(!verify_webhook("whsec", br#"{"id":42}"#, ""));
        assert!(!verify_webhook("whsec", br#"{"id":42}"#, "!!not base64"));
    }

    #[test]
    fn ping_is_recognised() {
        assert!(is_ping(b"webhook_id=12"));
        assert!(!is_ping(br#"{"id":12}"#));
    }
}
