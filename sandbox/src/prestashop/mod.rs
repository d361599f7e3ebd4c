//! PrestaShop 1.7 / 8 Webservice simulator (prestashop.md): `/api/{resource}[/{id}]`.
//!
//! Requests go through `WebserviceRequest` as PrestaShop 8.1 runs it: the key (HTTP Basic
//! user, empty password, or `ws_key`) is checked first (401 with codes 16/17/18, or 20 and 21
//! for an unknown or disabled key, and `WWW-Authenticate`), then the resource (400 code 27 for
//! an unknown one, 401 code 26 for one the key may not use), then the method (405 code 25 /
//! 101). Reads take `display`, `filter[...]`, `sort`, `limit=offset,count` and `date=1` (date
//! fields can be filtered and sorted on only with it: codes 32 and 38); unknown parameters are
//! ignored. A missing entity is an empty 404. Writes are XML only (`saveEntityFromXml`): POST
//! refuses an `id` (91), PUT needs one (90) and replaces the whole object, a missing required
//! field is 400 code 41, a bad value 400 code 85. Answers are XML, or PrestaShop's JSON with
//! `output_format=JSON` (or the `Output-Format: JSON` header): `id` a number, every other
//! scalar a string, an empty list `[]`. Control routes live under `/_sandbox/`.
//!
//! Products carry their features (`associations.product_features`: feature id and value id,
//! named in `product_features` / `product_feature_values`), their brand (`id_manufacturer`,
//! `manufacturer_name` computed at each read as `getWsManufacturerName` does; `manufacturers`)
//! and tags (`associations.tags`, `tags` with their language), seeded from the shared catalog's
//! materials (feature "Material"), vendor and tags. An order history's state change runs
//! `OrderHistory::changeIdOrderState`: the order takes the state; only Canceled puts the units
//! back, so a move to Refunded leaves stock to whoever refunds.
//!
//! Deviations (documented): one shop, one language (1), one currency (USD), no taxes, no cart
//! rules, no specific prices; "My carrier" costs 7.00 per order, "Click and collect" is free;
//! `PS_TIMEZONE` is UTC; order states are the stock ones with ids shifted by two (a shop whose
//! first two states were deleted). Core PrestaShop has no rate limit and no webhooks: a
//! `rate_limit` fault answers what a host's limiter answers (429, HTML).

mod api;
mod control;
pub(crate) mod merchant;
mod model;
mod rules;
mod schema;
mod xml;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::SandboxConfig;
use crate::common::{CallLog, CallRecord, FAULT_TIMEOUT_HOLD, FaultKind, Faults, lock, now_millis};
use crate::control::PrestaShopKey;
use api::{Display, Query};
use model::State;
use schema::Resource;

const REALM: &str = "Basic realm=\"Welcome to PrestaShop Webservice, please enter the authentication key as the login. No password required.\"";

/// A webservice key: its permissions per resource, and whether it is enabled.
pub(crate) struct Key {
    pub(crate) name: &'static str,
    pub(crate) key: String,
    pub(crate) active: bool,
    pub(crate) permissions: Vec<(&'static str, Vec<&'static str>)>,
}

impl Key {
    fn methods(&self, resource: &str) -> Option<&[&'static str]> {
        self.permissions
            .iter()
            .find(|(r, _)| *r == resource)
            .map(|(_, m)| m.as_slice())
    }
}

pub(crate) struct PrestaShop {
    pub(crate) state: Mutex<State>,
    pub(crate) keys: Mutex<Vec<Key>>,
    pub(crate) base_url: String,
    pub(crate) calls: CallLog,
    pub(crate) faults: Faults,
}

fn random_key(seed: &mut u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..32)
        .map(|_| {
            *seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let i = usize::try_from((*seed >> 33) % ALPHABET.len() as u64).unwrap_or(0);
            char::from(ALPHABET[i])
        })
        .collect()
}

impl PrestaShop {
    pub(crate) fn new(config: &SandboxConfig, base_url: String) -> (Arc<Self>, PrestaShopKey) {
        let mut seed = config.seed ^ 0x0005_7a5e_2024_0014;
        let writes = vec!["GET", "HEAD", "POST", "PUT"];
        let full: Vec<(&'static str, Vec<&'static str>)> = schema::RESOURCES
            .iter()
            .map(|r| (r.name, writes.clone()))
            .collect();
        let catalog: Vec<(&'static str, Vec<&'static str>)> =
            ["products", "combinations", "stock_availables"]
                .into_iter()
                .map(|r| (r, vec!["GET", "HEAD"]))
                .collect();
        let keys = vec![
            Key {
                name: "feedbridge",
                key: random_key(&mut seed),
                active: true,
                permissions: full.clone(),
            },
            Key {
                name: "catalog-reader",
                key: random_key(&mut seed),
                active: true,
                permissions: catalog,
            },
            Key {
                name: "disabled",
                key: random_key(&mut seed),
                active: false,
                permissions: full,
            },
        ];
        let seeded = PrestaShopKey {
            api_key: keys[0].key.clone(),
        };
        let state = State::seed(crate::shopify::seeded_catalog(config));
        let shop = Arc::new(Self {
            state: Mutex::new(state),
            keys: Mutex::new(keys),
            base_url,
            calls: CallLog::default(),
            faults: Faults::default(),
        });
        (shop, seeded)
    }
}

pub(crate) fn router(shop: Arc<PrestaShop>) -> Router {
    Router::new()
        .merge(control::routes())
        .fallback(webservice)
        .with_state(shop)
}

/// An error document entry: HTTP status, PrestaShop's code, its message.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) errors: Vec<(u32, String)>,
    /// An empty answer (a missing entity: 404 without a body).
    pub(crate) empty: bool,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: u32, message: String) -> Self {
        Self {
            status,
            errors: vec![(code, message)],
            empty: false,
        }
    }

    fn not_found() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            errors: Vec::new(),
            empty: true,
        }
    }
}

/// What a handled call answers: an entity, a list, or nothing.
enum Answer {
    One(&'static Resource, xml::Entity, StatusCode),
    Many(&'static Resource, Vec<xml::Entity>, Display),
}

fn headers(json: bool) -> [(&'static str, &'static str); 4] {
    [
        (
            "Content-Type",
            if json {
                "application/json"
            } else {
                "text/xml;charset=utf-8"
            },
        ),
        ("PSWS-Version", "8.1.7"),
        ("X-Powered-By", "PrestaShop Webservice"),
        ("Access-Control-Allow-Origin", "*"),
    ]
}

fn render_error(e: &ApiError, json_out: bool) -> Response {
    if e.empty {
        return (e.status, headers(json_out)).into_response();
    }
    let body = if json_out {
        json!({"errors": e.errors.iter().map(|(c, m)| json!({"code": c, "message": m})).collect::<Vec<_>>()}).to_string()
    } else {
        xml::errors_xml(&e.errors)
    };
    let mut response = (e.status, headers(json_out), body).into_response();
    if e.status == StatusCode::UNAUTHORIZED
        && e.errors.iter().any(|(c, _)| matches!(c, 16..=21))
        && let Ok(v) = REALM.parse()
    {
        response.headers_mut().insert("WWW-Authenticate", v);
    }
    response
}

fn render(answer: Answer, json_out: bool, api: &str) -> Response {
    match answer {
        Answer::One(resource, e, status) => {
            let body = if json_out {
                json!({resource.singular: xml::entity_json(resource, &e, None)}).to_string()
            } else {
                format!(
                    "{}{}{}</prestashop>\n",
                    xml::HEADER,
                    xml::OPEN,
                    xml::entity_xml(resource, &e, None, api)
                )
            };
            (status, headers(json_out), body).into_response()
        }
        Answer::Many(resource, list, display) => {
            let only = match &display {
                Display::Fields(f) => Some(f.as_slice()),
                _ => None,
            };
            let body = if json_out {
                if list.is_empty() {
                    "[]".to_owned()
                } else {
                    let items: Vec<Value> = list
                        .iter()
                        .map(|e| match display {
                            Display::Minimum => json!({"id": model::num(e, "id")}),
                            _ => xml::entity_json(resource, e, only),
                        })
                        .collect();
                    json!({resource.name: items}).to_string()
                }
            } else {
                let mut out = format!("{}{}<{}>\n", xml::HEADER, xml::OPEN, resource.name);
                for e in &list {
                    match display {
                        Display::Minimum => out.push_str(&format!(
                            "<{0} id=\"{1}\" xlink:href=\"{api}/{2}/{1}\"/>\n",
                            resource.singular,
                            model::num(e, "id"),
                            resource.name
                        )),
                        _ => out.push_str(&xml::entity_xml(resource, e, only, api)),
                    }
                }
                out.push_str(&format!("</{}>\n</prestashop>\n", resource.name));
                out
            };
            (StatusCode::OK, headers(json_out), body).into_response()
        }
    }
}

/// Every non-control request: faults, then the webservice.
async fn webservice(
    AxState(shop): AxState<Arc<PrestaShop>>,
    method: Method,
    uri: Uri,
    headers_in: HeaderMap,
    body: Bytes,
) -> Response {
    let started = now_millis();
    let path = uri.path().to_owned();
    if !path.starts_with("/api") {
        return image(&path);
    }
    let operation = format!("{method} {path}");
    let query = api::parse_query(uri.query().unwrap_or_default());
    let json_out = query.json
        || headers_in
            .get("output-format")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("JSON"));
    let fault = shop.faults.take(&[path.as_str(), operation.as_str()]);
    if fault == Some(FaultKind::LostAnswer) {
        let _carried_out = handle(&shop, &method, &path, &query, &headers_in, &body);
    }
    let api_url = format!("{}/api", shop.base_url);
    let response = match fault {
        Some(kind) => fault_response(kind, json_out).await,
        None => match handle(&shop, &method, &path, &query, &headers_in, &body) {
            Ok(answer) => render(answer, json_out, &api_url),
            Err(e) => render_error(&e, json_out),
        },
    };
    shop.calls.push(CallRecord {
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

async fn fault_response(kind: FaultKind, json_out: bool) -> Response {
    match kind {
        FaultKind::RateLimit => (
            StatusCode::TOO_MANY_REQUESTS,
            [("Content-Type", "text/html"), ("Retry-After", "1")],
            "<html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1></body></html>",
        )
            .into_response(),
        FaultKind::Http500 => render_error(
            &ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                0,
                "Link to database cannot be established: SQLSTATE[HY000] [2002] Connection refused".into(),
            ),
            json_out,
        ),
        FaultKind::Timeout | FaultKind::LostAnswer => {
            if kind == FaultKind::Timeout {
                tokio::time::sleep(FAULT_TIMEOUT_HOLD).await;
            }
            (
                StatusCode::GATEWAY_TIMEOUT,
                [("Content-Type", "text/html")],
                "<html><body><h1>504 Gateway Time-out</h1></body></html>",
            )
                .into_response()
        }
    }
}

/// Product images as the front office serves them: `/{id_image}-large_default/{slug}.jpg`.
fn image(path: &str) -> Response {
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(size), Some(file), None)
            if size.ends_with("-large_default") && file.ends_with(".jpg") =>
        {
            (
                [(axum::http::header::CONTENT_TYPE, "image/png")],
                crate::png::solid_png(size, 800, 800),
            )
                .into_response()
        }
        _ => (StatusCode::NOT_FOUND, "Page not found").into_response(),
    }
}

/// The key of a request: the Basic user (password ignored) or `ws_key`.
fn key_of(headers: &HeaderMap, query: &Query) -> Option<String> {
    if let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok())
        && let Some(encoded) = auth.strip_prefix("Basic ")
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default();
        return Some(decoded.split(':').next().unwrap_or_default().to_owned());
    }
    query.ws_key.clone()
}

fn unauthorized(code: u32, message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message.to_owned())
}

fn handle(
    shop: &PrestaShop,
    method: &Method,
    path: &str,
    query: &Query,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Answer, ApiError> {
    let rest = path.strip_prefix("/api").ok_or_else(ApiError::not_found)?;
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let st_guard = lock(&shop.state);
    if st_guard.config("PS_WEBSERVICE") != "1" {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            22,
            "The PrestaShop webservice is disabled. Please activate it in the PrestaShop Back Office".into(),
        ));
    }
    drop(st_guard);
    // authenticate()
    let permissions = {
        let keys = lock(&shop.keys);
        let key = match key_of(headers, query) {
            None => {
                return Err(unauthorized(
                    16,
                    "Please enter the authentication key as the login. No password required",
                ));
            }
            Some(k) if k.is_empty() => return Err(unauthorized(17, "Authentication key is empty")),
            Some(k) if k.len() != 32 => {
                return Err(unauthorized(18, "Invalid authentication key format"));
            }
            Some(k) => k,
        };
        match keys.iter().find(|k| k.key == key && k.active) {
            Some(k) => k.permissions.clone(),
            None => {
                return Err(ApiError {
                    status: StatusCode::UNAUTHORIZED,
                    errors: vec![
                        (20, "Authentification key is not active".into()),
                        (21, "No permission for this authentication key".into()),
                    ],
                    empty: false,
                });
            }
        }
    };
    let key = Key {
        name: "",
        key: String::new(),
        active: true,
        permissions,
    };
    let Some(name) = segs.first() else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            27,
            "Resource of type \"\" does not exists".into(),
        ));
    };
    // checkResource()
    let Some(resource) = schema::resource(name) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            27,
            format!(
                "Resource of type \"{name}\" does not exists. Did you mean: \"products\"? The full list is: \"{}\"",
                schema::RESOURCES
                    .iter()
                    .map(|r| r.name)
                    .collect::<Vec<_>>()
                    .join("\", \"")
            ),
        ));
    };
    let Some(allowed) = key.methods(resource.name) else {
        return Err(unauthorized(
            26,
            &format!("Resource of type \"{name}\" is not allowed with this authentication key"),
        ));
    };
    // checkHTTPMethod()
    let m = method.as_str();
    if !["GET", "POST", "PUT", "DELETE", "HEAD"].contains(&m) {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            23,
            format!("Method {m} is not valid"),
        ));
    }
    if !resource.methods.contains(&m) {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            101,
            format!("Method {m} is not allowed for the resource {name}"),
        ));
    }
    if !allowed.contains(&m) {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            25,
            format!(
                "Method {m} is not allowed for the resource {name} with this authentication key"
            ),
        ));
    }
    let id: Option<u64> = match segs.get(1) {
        None => None,
        Some(raw) => Some(raw.parse().map_err(|_| ApiError::not_found())?),
    };
    let mut st = lock(&shop.state);
    match (m, id) {
        ("GET" | "HEAD", None) => {
            let (found, display) = api::list(&st, resource, query)?;
            Ok(Answer::Many(
                resource,
                found
                    .into_iter()
                    .map(|e| st.present(resource.name, e))
                    .collect(),
                display,
            ))
        }
        ("GET" | "HEAD", Some(id)) => st
            .get(resource.name, id)
            .map(|e| Answer::One(resource, st.present(resource.name, e), StatusCode::OK))
            .ok_or_else(ApiError::not_found),
        ("POST", Some(_)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            91,
            "id is forbidden when adding a new resource".into(),
        )),
        ("POST" | "PUT", _) => {
            let text = String::from_utf8_lossy(body);
            if text.trim().is_empty() {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    67,
                    "Bad request".into(),
                ));
            }
            let root = xml::parse(&text).map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    127,
                    format!("HTTP XML response is not parsable: {e}"),
                )
            })?;
            let put = m == "PUT";
            let entity = api::read_entity(resource, &root, put, |id| {
                st.get(resource.name, id).cloned()
            })?;
            let saved = if put {
                let id = model::num(&entity, "id");
                rules::update(&mut st, resource, id, entity)?;
                id
            } else {
                rules::create(&mut st, resource, entity)?
            };
            let e = st
                .get(resource.name, saved)
                .map(|e| st.present(resource.name, e))
                .ok_or_else(ApiError::not_found)?;
            Ok(Answer::One(
                resource,
                e,
                if put {
                    StatusCode::OK
                } else {
                    StatusCode::CREATED
                },
            ))
        }
        _ => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            25,
            format!(
                "Method {m} is not allowed for the resource {name} with this authentication key"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_32_capitals_and_digits() {
        let mut seed = 7;
        let k = random_key(&mut seed);
        assert_eq!(k.len(), 32);
        assert!(
            k.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_ne!(k, random_key(&mut seed));
    }
}
