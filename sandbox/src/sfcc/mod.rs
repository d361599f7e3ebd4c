//! Salesforce B2C Commerce simulator (salesforce-commerce.md, checked against the Orders,
//! Products and SLAS OpenAPI specs of SalesforceCommerceCloud/commerce-sdk): one instance
//! answering, on one address, what lives on four hosts in production:
//!
//! - Account Manager: `POST /dwsso/oauth2/access_token` (client credentials, Basic
//!   `client_id:client_secret`, `scope=SALESFORCE_COMMERCE_API:{tenant} ...`), tokens valid
//!   1799 s; errors `{"error","error_description"}`.
//! - SLAS: `POST /shopper/auth/v1/organizations/{org}/oauth2/trusted-system/token` (a private
//!   client, `hint=ts_ext_on_behalf_of`): the `ShopperTokenTsob` token (900 s) the Orders API's
//!   `POST /orders` takes.
//! - SCAPI Admin: `/product/products/v1/organizations/{org}/products/{id}` and
//!   `/checkout/orders/v1/organizations/{org}/orders...`, errors as RFC 7807 problem details.
//! - OCAPI Data 23.2 on the instance: `/s/-/dw/data/v23_2/product_search` and
//!   `/inventory_lists/{id}/product_inventory_records/{product_id}`, errors as fault documents.
//!
//! Deviations (documented): one site (`RefArch`, USD unless changed), one inventory list, one
//! API client; no promotions or taxes; the `rate_limit` fault answers SCAPI's 429 problem (or
//! OCAPI's fault) with `Retry-After: 1`. Control routes live under `/_sandbox/`.

mod api;
mod control;
pub(crate) mod merchant;
mod model;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::SandboxConfig;
use crate::common::{CallLog, CallRecord, FAULT_TIMEOUT_HOLD, FaultKind, Faults, lock, now_millis};
use crate::control::SfccCredentials;
use model::State;

/// Account Manager access tokens live this long (`expires_in`).
pub(crate) const AM_TOKEN_SECS: i64 = 1799;
/// SLAS trusted-system tokens live this long.
pub(crate) const TSOB_TOKEN_SECS: i64 = 900;
pub(crate) const OCAPI_VERSION: &str = "23.2";
const OCAPI_PREFIX: &str = "/s/-/dw/data/v23_2";
const PROBLEM_BASE: &str =
    "https://api.commercecloud.salesforce.com/documentation/error/v1/errors/";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Account Manager (SCAPI Admin and OCAPI Data).
    Admin,
    /// SLAS trusted system on behalf (`ShopperTokenTsob`).
    Tsob,
}

pub(crate) struct Sfcc {
    /// Where the simulator listens (product images' `absUrl`).
    pub(crate) base_url: String,
    pub(crate) state: Mutex<State>,
    pub(crate) creds: SfccCredentials,
    tokens: Mutex<HashMap<String, (TokenKind, i64)>>,
    pub(crate) calls: CallLog,
    pub(crate) faults: Faults,
    rng: Mutex<StdRng>,
}

fn random(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| {
            let n: u8 = rng.random_range(0..62);
            char::from(match n {
                0..=25 => b'a' + n,
                26..=51 => b'A' + n - 26,
                _ => b'0' + n - 52,
            })
        })
        .collect()
}

impl Sfcc {
    pub(crate) fn new(config: &SandboxConfig, base_url: String) -> Arc<Self> {
        let mut rng = StdRng::seed_from_u64(config.seed ^ 0x05fc_c000_2026_0014);
        let creds = SfccCredentials {
            client_id: uuid::Uuid::from_u128(rng.random()).to_string(),
            client_secret: random(&mut rng, 32),
            organization_id: "f_ecom_zzxy_prd".into(),
            site_id: "RefArch".into(),
            inventory_list_id: "inventory_m".into(),
            short_code: "kv7kzm78".into(),
            slas_client_id: uuid::Uuid::from_u128(rng.random()).to_string(),
            slas_client_secret: random(&mut rng, 32),
        };
        let state = State::seed(crate::shopify::seeded_catalog(config), now_millis());
        Arc::new(Self {
            base_url,
            state: Mutex::new(state),
            creds,
            tokens: Mutex::new(HashMap::new()),
            calls: CallLog::default(),
            faults: Faults::default(),
            rng: Mutex::new(rng),
        })
    }

    fn issue(&self, kind: TokenKind, secs: i64) -> String {
        let token = format!("eyJ{}", random(&mut lock(&self.rng), 60));
        lock(&self.tokens).insert(token.clone(), (kind, now_millis() + secs * 1000));
        token
    }

    /// Every token issued so far stops working (as if they had all expired).
    pub(crate) fn expire_tokens(&self) {
        lock(&self.tokens).clear();
    }

    fn token_kind(&self, headers: &HeaderMap) -> Option<TokenKind> {
        let token = headers
            .get("authorization")?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?;
        let tokens = lock(&self.tokens);
        let (kind, until) = tokens.get(token.trim())?;
        (*until > now_millis()).then_some(*kind)
    }

    pub(crate) fn tenant(&self) -> &str {
        self.creds
            .organization_id
            .strip_prefix("f_ecom_")
            .unwrap_or_default()
    }
}

pub(crate) fn router(sfcc: Arc<Sfcc>) -> Router {
    Router::new()
        .route(
            "/on/demandware.static/-/Sites-apparel-m-catalog/default/images/large/{file}",
            axum::routing::get(image),
        )
        .merge(control::routes())
        .fallback(entry)
        .with_state(sfcc)
}

/// The static product images (`{id}.png`), as the instance's static content serves them.
async fn image(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match file.strip_suffix(".png") {
        Some(name) if !name.is_empty() => (
            [(axum::http::header::CONTENT_TYPE, "image/png")],
            crate::png::solid_png(name, 800, 800),
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

/// A failure in the shape of the API family that answers it.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// SCAPI: RFC 7807 `{type, title, detail}`.
    Problem {
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: String,
    },
    /// OCAPI: `{"_v", "fault": {"type", "message", "arguments"?}}`.
    Fault {
        status: StatusCode,
        kind: &'static str,
        message: String,
        arguments: Option<Value>,
    },
    /// OAuth 2 token endpoints: `{"error", "error_description"}`.
    OAuth {
        status: StatusCode,
        error: &'static str,
        description: String,
    },
}

impl ApiError {
    pub(crate) fn problem(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self::Problem {
            status,
            kind,
            title,
            detail: detail.into(),
        }
    }

    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        Self::problem(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad Request",
            detail,
        )
    }

    pub(crate) fn fault(
        status: StatusCode,
        kind: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::Fault {
            status,
            kind,
            message: message.into(),
            arguments: None,
        }
    }

    fn response(&self) -> Response {
        match self {
            Self::Problem {
                status,
                kind,
                title,
                detail,
            } => (
                *status,
                [("content-type", "application/problem+json")],
                json!({"type": format!("{PROBLEM_BASE}{kind}"), "title": title, "detail": detail})
                    .to_string(),
            )
                .into_response(),
            Self::Fault {
                status,
                kind,
                message,
                arguments,
            } => {
                let mut fault = json!({"type": kind, "message": message});
                if let Some(arguments) = arguments {
                    fault["arguments"] = arguments.clone();
                }
                (
                    *status,
                    axum::Json(json!({"_v": OCAPI_VERSION, "fault": fault})),
                )
                    .into_response()
            }
            Self::OAuth {
                status,
                error,
                description,
            } => (
                *status,
                axum::Json(json!({"error": error, "error_description": description})),
            )
                .into_response(),
        }
    }
}

pub(crate) type ApiResult = Result<(StatusCode, Option<Value>), ApiError>;

/// Which API family a path belongs to (for its error shape and its faults).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    AccountManager,
    Slas,
    Scapi,
    Ocapi,
}

fn family(path: &str) -> Family {
    if path.starts_with("/dwsso/") {
        Family::AccountManager
    } else if path.starts_with("/shopper/auth/") {
        Family::Slas
    } else if path.starts_with("/s/") {
        Family::Ocapi
    } else {
        Family::Scapi
    }
}

/// Every non-control request: faults, then the API.
async fn entry(
    AxState(sfcc): AxState<Arc<Sfcc>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = now_millis();
    let path = uri.path().to_string();
    let operation = format!("{method} {path}");
    let fault = sfcc.faults.take(&[path.as_str(), operation.as_str()]);
    if fault == Some(FaultKind::LostAnswer) {
        let _carried_out = handle(&sfcc, &method, &uri, &headers, &body);
    }
    let response = match fault {
        Some(kind) => fault_response(kind, family(&path)).await,
        None => match handle(&sfcc, &method, &uri, &headers, &body) {
            Ok((status, Some(value))) => (status, axum::Json(value)).into_response(),
            Ok((status, None)) => status.into_response(),
            Err(e) => e.response(),
        },
    };
    sfcc.calls.push(CallRecord {
        at_ms: started,
        method: method.to_string(),
        path,
        status: response.status().as_u16(),
        code: None,
        operation: None,
        cost: None,
    });
    response
}

async fn fault_response(kind: FaultKind, family: Family) -> Response {
    let ocapi = family == Family::Ocapi;
    match kind {
        FaultKind::RateLimit => {
            let mut response = if ocapi {
                ApiError::fault(
                    StatusCode::TOO_MANY_REQUESTS,
                    "QuotaExceededException",
                    "The request was rejected because the rate limit was exceeded.",
                )
                .response()
            } else {
                ApiError::problem(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too-many-requests",
                    "Too Many Requests",
                    "The request was rejected because the rate limit was exceeded.",
                )
                .response()
            };
            response
                .headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("1"));
            response
        }
        FaultKind::Http500 => {
            if ocapi {
                ApiError::fault(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalServerErrorException",
                    "An internal server error occurred.",
                )
                .response()
            } else {
                ApiError::problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal-server-error",
                    "Internal Server Error",
                    "An internal error occurred.",
                )
                .response()
            }
        }
        FaultKind::Timeout | FaultKind::LostAnswer => {
            if kind == FaultKind::Timeout {
                tokio::time::sleep(FAULT_TIMEOUT_HOLD).await;
            }
            ApiError::problem(
                StatusCode::GATEWAY_TIMEOUT,
                "gateway-timeout",
                "Gateway Timeout",
                "The request exceeded the 60 second limit.",
            )
            .response()
        }
    }
}

/// `application/x-www-form-urlencoded` pairs.
fn form(body: &Bytes) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// `Basic base64(id:secret)`.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn handle(sfcc: &Sfcc, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> ApiResult {
    let path = uri.path();
    let query: HashMap<String, String> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match family(path) {
        Family::AccountManager => account_manager(sfcc, method, &segs, headers, body),
        Family::Slas => slas(sfcc, method, &segs, headers, body),
        Family::Ocapi => {
            let Some(rest) = path.strip_prefix(OCAPI_PREFIX) else {
                return Err(ApiError::fault(
                    StatusCode::NOT_FOUND,
                    "UnknownVersionException",
                    format!("The requested API version is unknown: {path}"),
                ));
            };
            if sfcc.token_kind(headers) != Some(TokenKind::Admin) {
                return Err(ApiError::fault(
                    StatusCode::UNAUTHORIZED,
                    "InvalidAccessTokenException",
                    "The request is unauthorized, the access token is invalid.",
                ));
            }
            let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
            let json = json_body(body).map_err(|_| {
                ApiError::fault(
                    StatusCode::BAD_REQUEST,
                    "MalformedDocumentException",
                    "The request body is not a valid JSON document.",
                )
            })?;
            api::ocapi(sfcc, method, &segs, &query, json)
        }
        Family::Scapi => {
            let kind = sfcc.token_kind(headers);
            if kind.is_none() {
                return Err(ApiError::problem(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "Unauthorized",
                    "Your access token is invalid or expired and can't be used to identify a user.",
                ));
            }
            // {family}/{api}/v1/organizations/{org}/...
            let (org, rest) = match segs.as_slice() {
                [_, _, "v1", "organizations", org, rest @ ..] => (*org, rest),
                _ => {
                    return Err(ApiError::problem(
                        StatusCode::NOT_FOUND,
                        "not-found",
                        "Not Found",
                        format!("No API is served at {path}."),
                    ));
                }
            };
            if org != sfcc.creds.organization_id {
                return Err(ApiError::problem(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "Forbidden",
                    format!("The access token does not grant access to organization '{org}'."),
                ));
            }
            let site = query.get("siteId").map(String::as_str).unwrap_or_default();
            if site.is_empty() {
                return Err(ApiError::bad_request(
                    "The query parameter 'siteId' is required.",
                ));
            }
            if site != lock(&sfcc.state).site_id {
                return Err(ApiError::problem(
                    StatusCode::NOT_FOUND,
                    "site-not-found",
                    "Site Not Found",
                    format!("No site with ID '{site}' was found."),
                ));
            }
            let json = json_body(body).map_err(|e| {
                ApiError::bad_request(format!("The request body could not be decoded: {e}"))
            })?;
            let api = format!("{}/{}", segs[0], segs[1]);
            api::scapi(sfcc, method, &api, rest, &query, json, kind)
        }
    }
}

fn json_body(body: &Bytes) -> Result<Option<Value>, serde_json::Error> {
    if body.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice(body).map(Some)
}

fn account_manager(
    sfcc: &Sfcc,
    method: &Method,
    segs: &[&str],
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult {
    if method != Method::POST || segs != ["dwsso", "oauth2", "access_token"] {
        return Err(ApiError::OAuth {
            status: StatusCode::NOT_FOUND,
            error: "not_found",
            description: "Unknown endpoint".into(),
        });
    }
    let form = form(body);
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return Err(ApiError::OAuth {
            status: StatusCode::BAD_REQUEST,
            error: "unsupported_grant_type",
            description: "Grant type is not supported".into(),
        });
    }
    let creds = &sfcc.creds;
    let valid = basic(headers)
        .is_some_and(|(id, secret)| id == creds.client_id && secret == creds.client_secret);
    if !valid {
        return Err(ApiError::OAuth {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "Client authentication failed".into(),
        });
    }
    let scope = form.get("scope").cloned().unwrap_or_default();
    let wanted = format!("SALESFORCE_COMMERCE_API:{}", sfcc.tenant());
    if !scope.split_whitespace().any(|s| s == wanted) {
        return Err(ApiError::OAuth {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_scope",
            description: format!(
                "The requested scope is invalid, unknown, or malformed: the API client is not allowed tenant scope in '{scope}'"
            ),
        });
    }
    let token = sfcc.issue(TokenKind::Admin, AM_TOKEN_SECS);
    Ok((
        StatusCode::OK,
        Some(json!({
            "access_token": token,
            "scope": scope,
            "token_type": "Bearer",
            "expires_in": AM_TOKEN_SECS,
        })),
    ))
}

fn slas(
    sfcc: &Sfcc,
    method: &Method,
    segs: &[&str],
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult {
    let unauthorized = || ApiError::OAuth {
        status: StatusCode::UNAUTHORIZED,
        error: "invalid_client",
        description: "Unauthorized".into(),
    };
    match (method, segs) {
        (
            &Method::POST,
            [
                "shopper",
                "auth",
                "v1",
                "organizations",
                org,
                "oauth2",
                "trusted-system",
                "token",
            ],
        ) => {
            if *org != sfcc.creds.organization_id {
                return Err(ApiError::OAuth {
                    status: StatusCode::NOT_FOUND,
                    error: "not_found",
                    description: format!("Tenant '{org}' not found"),
                });
            }
            let creds = &sfcc.creds;
            let valid = basic(headers).is_some_and(|(id, secret)| {
                id == creds.slas_client_id && secret == creds.slas_client_secret
            });
            if !valid {
                return Err(unauthorized());
            }
            let form = form(body);
            for key in [
                "grant_type",
                "hint",
                "login_id",
                "idp_origin",
                "client_id",
                "channel_id",
            ] {
                if form.get(key).is_none_or(String::is_empty) {
                    return Err(ApiError::OAuth {
                        status: StatusCode::BAD_REQUEST,
                        error: "invalid_request",
                        description: format!("Required parameter '{key}' is missing"),
                    });
                }
            }
            if form["hint"] != "ts_ext_on_behalf_of" || form["client_id"] != creds.slas_client_id {
                return Err(ApiError::OAuth {
                    status: StatusCode::BAD_REQUEST,
                    error: "invalid_request",
                    description: "Invalid hint or client_id for a trusted-system request".into(),
                });
            }
            if form["channel_id"] != lock(&sfcc.state).site_id {
                return Err(ApiError::OAuth {
                    status: StatusCode::BAD_REQUEST,
                    error: "invalid_request",
                    description: format!("Unknown channel_id '{}'", form["channel_id"]),
                });
            }
            let token = sfcc.issue(TokenKind::Tsob, TSOB_TOKEN_SECS);
            Ok((
                StatusCode::OK,
                Some(json!({
                    "access_token": token,
                    "id_token": "",
                    "refresh_token": "",
                    "expires_in": TSOB_TOKEN_SECS,
                    "refresh_token_expires_in": 7_776_000,
                    "token_type": "Bearer",
                    "usid": uuid::Uuid::new_v4().to_string(),
                    "customer_id": "abkHtKmulHlKaRmexHwHYYwbkV",
                    "enc_user_id": "",
                    "idp_access_token": "",
                })),
            ))
        }
        _ => Err(ApiError::OAuth {
            status: StatusCode::NOT_FOUND,
            error: "not_found",
            description: "Unknown endpoint".into(),
        }),
    }
}
