//! Shopify Admin GraphQL API simulator: `POST /admin/api/{version}/graphql.json`.
//!
//! Requests are authenticated (`X-Shopify-Access-Token`), parsed with `graphql-parser`,
//! validated against `schema.graphql`, costed (max 1000 per query, leaky bucket per shop) and
//! executed by projecting full resource objects onto the selection. Webhooks are delivered with
//! Shopify's headers and HMAC. Bulk query operations run in the background and leave JSONL at
//! `/_bulk/{token}.jsonl` (see `bulk.rs`). Control routes live under `/_sandbox/` (see
//! `control.rs`).
//!
//! Deviations (documented): webhooks may be delivered to `http://` loopback addresses (Shopify
//! requires https); webhook retries are compressed to seconds; the search index has no lag;
//! introspection is not served; API versions older than [`OLDEST_VERSION`] fall forward to it.

pub(crate) mod bulk;
mod control;
mod gql;
pub(crate) mod merchant;
mod model;
mod refunds;
mod resolvers;
mod schema;
mod search;
mod stock_control;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use subtle::ConstantTimeEq;

use crate::SandboxConfig;
use crate::common::{
    Background, CallLog, CallRecord, CostBucket, FAULT_TIMEOUT_HOLD, FaultKind, Faults, Webhooks,
    hmac_sha256, lock, now_millis, triggered_at_now,
};
use gql::{Exec, GqlError, OpKind, Prepared};
use model::State;
use resolvers::{CancelJob, Effects, MutationCtx};

/// Single-query cost limit.
const MAX_QUERY_COST: u64 = 1000;
/// Versions older than this are served as this one ("fall forward").
pub(crate) const OLDEST_VERSION: &str = "2025-10";
/// How long an `orderCancel` job takes.
const CANCEL_JOB_DELAY: Duration = Duration::from_millis(300);

const INVALID_TOKEN_BODY: &str =
    "[API] Invalid API key or access token (unrecognized login or wrong password)";

pub(crate) struct Shopify {
    pub(crate) state: Mutex<State>,
    bucket: Mutex<CostBucket>,
    pub(crate) calls: CallLog,
    pub(crate) faults: Faults,
    pub(crate) hooks: Webhooks,
    bg: Background,
    /// Objects a bulk query reads per second of simulated processing time.
    bulk_objects_per_sec: f64,
    access_token: String,
    webhook_secret: String,
    domain: String,
}

pub(crate) struct ShopCreds {
    pub(crate) domain: String,
    pub(crate) access_token: String,
    pub(crate) webhook_secret: String,
}

impl Shopify {
    pub(crate) fn new(
        config: &SandboxConfig,
        bg: Background,
        base_url: String,
    ) -> (Arc<Self>, ShopCreds) {
        let mut rng = StdRng::seed_from_u64(config.seed ^ 0x0005_4091_f75e_c7e7);
        let token_bytes: [u8; 16] = rng.random();
        let secret_bytes: [u8; 16] = rng.random();
        let access_token = format!("shpat_{}", hex::encode(token_bytes));
        let webhook_secret = hex::encode(secret_bytes);
        let mut state = State::seed(
            config.seed,
            config.products,
            config.variants_per_product,
            now_millis(),
            base_url,
        );
        state.shop.currency.clone_from(&config.store_currency);
        let domain = state.shop.domain.clone();
        let shop = Arc::new(Self {
            state: Mutex::new(state),
            bucket: Mutex::new(CostBucket::new(
                config.shopify_bucket,
                config.shopify_restore_rate,
            )),
            calls: CallLog::default(),
            faults: Faults::default(),
            hooks: Webhooks::new(bg.clone()),
            bg,
            bulk_objects_per_sec: config.shopify_bulk_objects_per_sec,
            access_token: access_token.clone(),
            webhook_secret: webhook_secret.clone(),
            domain: domain.clone(),
        });
        (
            shop,
            ShopCreds {
                domain,
                access_token,
                webhook_secret,
            },
        )
    }

    /// Delivers webhooks for `effects` to every matching subscription.
    pub(crate) fn emit(&self, st: &State, effects: Vec<(String, Value)>) {
        for (topic, payload) in effects {
            let event_id = uuid::Uuid::new_v4().to_string();
            for sub in st
                .subscriptions
                .values()
                .filter(|s| resolvers::topic_header(&s.topic) == topic)
            {
                let body = match (&payload, sub.include_fields.is_empty()) {
                    (Value::Object(obj), false) => Value::Object(
                        obj.iter()
                            .filter(|(k, _)| sub.include_fields.contains(k))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    ),
                    _ => payload.clone(),
                };
                let raw = serde_json::to_vec(&body).unwrap_or_default();
                let hmac = base64::engine::general_purpose::STANDARD
                    .encode(hmac_sha256(self.webhook_secret.as_bytes(), &raw));
                let webhook_id = uuid::Uuid::new_v4().to_string();
                let headers = vec![
                    ("X-Shopify-Topic".to_string(), topic.clone()),
                    ("X-Shopify-Hmac-Sha256".to_string(), hmac),
                    ("X-Shopify-Shop-Domain".to_string(), self.domain.clone()),
                    ("X-Shopify-API-Version".to_string(), sub.api_version.clone()),
                    ("X-Shopify-Webhook-Id".to_string(), webhook_id.clone()),
                    ("X-Shopify-Triggered-At".to_string(), triggered_at_now()),
                    ("X-Shopify-Event-Id".to_string(), event_id.clone()),
                ];
                self.hooks
                    .send(webhook_id, sub.uri.clone(), topic.clone(), headers, raw);
            }
        }
    }

    fn spawn_bulk_runs(self: &Arc<Self>, ids: Vec<u64>) {
        for id in ids {
            self.bg.spawn(bulk::execute(Arc::clone(self), id));
        }
    }

    fn spawn_cancel_jobs(self: &Arc<Self>, jobs: Vec<CancelJob>) {
        for job in jobs {
            let shop = Arc::clone(self);
            self.bg.spawn(async move {
                tokio::time::sleep(CANCEL_JOB_DELAY).await;
                let mut st = lock(&shop.state);
                let mut fx = Effects::default();
                if let Err(error) = resolvers::cancel_order_now(
                    &mut st,
                    job.order_id,
                    &job.reason,
                    job.restock,
                    &mut fx,
                ) {
                    tracing::warn!(order_id = job.order_id, %error, "Cancel job failed.");
                }
                if let Some(note) = job.staff_note
                    && let Some(o) = st.orders.get_mut(&job.order_id)
                {
                    o.note = Some(match o.note.take() {
                        Some(n) if !n.is_empty() => format!("{n}\n{note}"),
                        _ => note,
                    });
                }
                st.jobs.insert(job.job_id, (true, job.order_id));
                shop.emit(&st, fx.webhooks);
            });
        }
    }
}

/// The catalog the Shopify simulator seeds for `config`, for the other store simulators.
pub(crate) fn seeded_catalog(config: &SandboxConfig) -> Vec<crate::catalog_seed::SeedProduct> {
    State::seed(
        config.seed,
        config.products,
        config.variants_per_product,
        now_millis(),
        String::new(),
    )
    .catalog()
}

pub(crate) fn router(shop: Arc<Shopify>) -> Router {
    Router::new()
        .route("/admin/api/{version}/graphql.json", post(graphql))
        .route("/cdn/shop/files/{file}", get(image))
        .route("/_bulk/{file}", get(bulk::serve_file))
        .merge(control::routes())
        .fallback(not_found)
        .with_state(shop)
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"errors": "Not Found"})),
    )
        .into_response()
}

async fn image(Path(file): Path<String>) -> Response {
    if !file.ends_with(".png") {
        return not_found().await;
    }
    (
        [(axum::http::header::CONTENT_TYPE, "image/png")],
        crate::png::solid_png(&file, 800, 800),
    )
        .into_response()
}

/// `YYYY-MM` (quarterly months) or `unstable`; old versions fall forward.
fn resolve_version(v: &str) -> Option<String> {
    if v == "unstable" {
        return Some(v.to_string());
    }
    let (y, m) = v.split_once('-')?;
    let year_ok = y.len() == 4 && y.chars().all(|c| c.is_ascii_digit());
    if !year_ok || !["01", "04", "07", "10"].contains(&m) {
        return None;
    }
    Some(
        if v < OLDEST_VERSION {
            OLDEST_VERSION
        } else {
            v
        }
        .to_string(),
    )
}

struct Reply {
    status: StatusCode,
    body: Value,
    version: Option<String>,
    code: Option<Value>,
    operation: Option<String>,
}

impl Reply {
    fn plain(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body,
            version: None,
            code: None,
            operation: None,
        }
    }
}

async fn graphql(
    AxState(shop): AxState<Arc<Shopify>>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = now_millis();
    let path = format!("/admin/api/{version}/graphql.json");
    let reply = handle(&shop, &path, &version, &headers, &body).await;
    shop.calls.push(CallRecord {
        at_ms: started,
        method: "POST".to_string(),
        path,
        status: reply.status.as_u16(),
        code: reply.code.clone(),
        operation: reply.operation.clone(),
        cost: reply.body["extensions"]["cost"]["actualQueryCost"].as_f64(),
    });
    let mut resp = (reply.status, axum::Json(reply.body)).into_response();
    if let Some(v) = reply.version.and_then(|v| HeaderValue::from_str(&v).ok()) {
        resp.headers_mut().insert("X-Shopify-API-Version", v);
    }
    resp
}

fn errors_body(errors: &[GqlError]) -> Value {
    json!({"errors": errors.iter().map(GqlError::to_json).collect::<Vec<_>>()})
}

fn first_code(errors: &[GqlError]) -> Option<Value> {
    errors
        .iter()
        .find_map(|e| e.extensions.as_ref().and_then(|x| x.get("code")).cloned())
}

impl Shopify {
    fn cost_extension(&self, requested: u64, actual: Option<u64>) -> Value {
        let mut bucket = lock(&self.bucket);
        let available = bucket.available();
        json!({"cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": bucket.maximum,
                "currentlyAvailable": available.floor() as i64,
                "restoreRate": bucket.restore_rate,
            },
        }})
    }

    fn throttled(&self, requested: u64) -> Value {
        json!({
            "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
            "extensions": self.cost_extension(requested, None),
        })
    }
}

async fn handle(
    shop: &Arc<Shopify>,
    path: &str,
    raw_version: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Reply {
    let Some(version) = resolve_version(raw_version) else {
        return Reply::plain(StatusCode::NOT_FOUND, json!({"errors": "Not Found"}));
    };
    let token = headers
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if token.is_empty() || !bool::from(token.as_bytes().ct_eq(shop.access_token.as_bytes())) {
        return Reply::plain(
            StatusCode::UNAUTHORIZED,
            json!({"errors": INVALID_TOKEN_BODY}),
        );
    }
    let with_version = |mut r: Reply| {
        r.version = Some(version.clone());
        r
    };

    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bad_request = || {
        Reply::plain(
            StatusCode::BAD_REQUEST,
            json!({"errors": {"query": "Required parameter missing or invalid"}}),
        )
    };
    let (query, variables, operation_name) = if content_type.starts_with("application/json") {
        let Ok(Value::Object(mut req)) = serde_json::from_slice::<Value>(body) else {
            return with_version(bad_request());
        };
        let Some(Value::String(query)) = req.remove("query") else {
            return with_version(bad_request());
        };
        let variables = match req.remove("variables") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m,
            Some(_) => {
                let e = GqlError::new("Variables must be a JSON object").code("INVALID_VARIABLE");
                return with_version(Reply::plain(StatusCode::OK, errors_body(&[e])));
            }
        };
        let op = match req.remove("operationName") {
            Some(Value::String(s)) if !s.is_empty() => Some(s),
            _ => None,
        };
        (query, variables, op)
    } else if content_type.starts_with("application/graphql") {
        match String::from_utf8(body.to_vec()) {
            Ok(q) => (q, Map::new(), None),
            Err(_) => return with_version(bad_request()),
        }
    } else {
        return with_version(Reply::plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            json!({"errors": "Unsupported Content-Type: send application/json (or application/graphql)."}),
        ));
    };

    let parsed = graphql_parser::parse_query::<String>(&query);
    let schema = schema::schema();
    let prepared = parsed
        .as_ref()
        .map_err(|e| vec![gql::parse_error(e)])
        .and_then(|doc| gql::prepare(schema, doc, operation_name.as_deref(), &variables));
    let operation = match &prepared {
        Ok(p) => Some(p.name.clone().unwrap_or_else(|| p.root_fields().join(","))),
        Err(_) => operation_name.clone(),
    };
    let mut reply = match &prepared {
        Ok(p) => run(shop, p, &version, path, operation.as_deref().unwrap_or("")).await,
        Err(errors) => {
            let fault = shop
                .faults
                .take(&[path, operation.as_deref().unwrap_or("\u{0}")]);
            match fault {
                Some(kind) => fault_reply(shop, kind, 0).await,
                None => Reply {
                    status: StatusCode::OK,
                    code: first_code(errors),
                    body: errors_body(errors),
                    version: None,
                    operation: None,
                },
            }
        }
    };
    reply.operation = operation;
    with_version(reply)
}

async fn fault_reply(shop: &Shopify, kind: FaultKind, requested: u64) -> Reply {
    match kind {
        FaultKind::Http500 => {
            let request_id = uuid::Uuid::new_v4().to_string();
            Reply {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                body: json!({"errors": [{"message": format!("Internal error. Looks like something went wrong on our end.\nRequest ID: {request_id} (include this in support requests)."), "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}}]}),
                version: None,
                code: Some(json!("INTERNAL_SERVER_ERROR")),
                operation: None,
            }
        }
        FaultKind::RateLimit => Reply {
            status: StatusCode::OK,
            body: shop.throttled(requested),
            version: None,
            code: Some(json!("THROTTLED")),
            operation: None,
        },
        FaultKind::Timeout | FaultKind::LostAnswer => {
            if kind == FaultKind::Timeout {
                tokio::time::sleep(FAULT_TIMEOUT_HOLD).await;
            }
            Reply {
                status: StatusCode::GATEWAY_TIMEOUT,
                body: json!({"errors": "Gateway Timeout"}),
                version: None,
                code: None,
                operation: None,
            }
        }
    }
}

async fn run(
    shop: &Arc<Shopify>,
    p: &Prepared<'_>,
    version: &str,
    path: &str,
    operation: &str,
) -> Reply {
    let schema = schema::schema();
    let requested = gql::requested_cost(schema, p);
    let mut targets = vec![path, operation];
    let roots = p.root_fields();
    targets.extend(roots.iter().map(String::as_str));
    if let Some(kind) = shop.faults.take(&targets) {
        if kind == FaultKind::LostAnswer {
            carry_out(shop, p, version, requested);
        }
        return fault_reply(shop, kind, requested).await;
    }
    carry_out(shop, p, version, requested)
}

/// Runs a validated operation the cost bucket is asked to cover.
fn carry_out(shop: &Arc<Shopify>, p: &Prepared<'_>, version: &str, requested: u64) -> Reply {
    if requested > MAX_QUERY_COST {
        let e = GqlError::new(format!(
            "Query cost is {requested}, which exceeds the single query max cost limit ({MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, bulk operations should be used instead.\nSee https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
        ))
        .code("MAX_COST_EXCEEDED")
        .ext("cost", json!(requested))
        .ext("maxCost", json!(MAX_QUERY_COST));
        let mut body = errors_body(&[e]);
        body["extensions"] = shop.cost_extension(requested, None);
        return Reply {
            status: StatusCode::OK,
            body,
            version: None,
            code: Some(json!("MAX_COST_EXCEEDED")),
            operation: None,
        };
    }
    let reserved = lock(&shop.bucket).try_reserve(requested as f64);
    if !reserved {
        return Reply {
            status: StatusCode::OK,
            body: shop.throttled(requested),
            version: None,
            code: Some(json!("THROTTLED")),
            operation: None,
        };
    }

    let (data, errors, actual, effects) = {
        let mut st = lock(&shop.state);
        let (data, errors, actual, fx) = execute(&mut st, p, version);
        // Deliver webhooks (async) with the state they describe.
        let Effects {
            webhooks,
            cancel_jobs,
            bulk_runs,
        } = fx;
        shop.emit(&st, webhooks);
        (data, errors, actual, (cancel_jobs, bulk_runs))
    };
    let (cancel_jobs, bulk_runs) = effects;
    shop.spawn_cancel_jobs(cancel_jobs);
    shop.spawn_bulk_runs(bulk_runs);
    let actual = actual.min(requested);
    lock(&shop.bucket).refund((requested - actual) as f64);

    let mut body = json!({"data": data});
    if !errors.is_empty() {
        body["errors"] = json!(errors.iter().map(GqlError::to_json).collect::<Vec<_>>());
    }
    body["extensions"] = shop.cost_extension(requested, Some(actual));
    Reply {
        status: StatusCode::OK,
        code: first_code(&errors),
        body,
        version: None,
        operation: None,
    }
}

/// Executes a validated operation. Returns (data, errors, actual cost, effects).
fn execute(
    st: &mut State,
    p: &Prepared<'_>,
    version: &str,
) -> (Value, Vec<GqlError>, u64, Effects) {
    let schema = schema::schema();
    let mut fx = Effects::default();
    let mut errors = Vec::new();
    let mut data = Map::new();
    let mut cost = 0u64;
    let root_name = p.root_type();
    let Some(root) = schema.get(root_name) else {
        return (
            Value::Null,
            vec![GqlError::new("schema has no root type")],
            0,
            fx,
        );
    };
    let mut groups = Vec::new();
    gql::collect_fields(
        schema,
        &p.fragments,
        &p.vars,
        &[p.selection],
        root_name,
        &mut groups,
        0,
    );
    for (key, group) in groups {
        let f0 = group[0];
        if f0.name == "__typename" {
            data.insert(key, json!(root_name));
            continue;
        }
        let Some(fdef) = root.field(&f0.name) else {
            data.insert(key, Value::Null);
            continue;
        };
        let path = vec![json!(key)];
        let args = match gql::field_args(schema, f0, fdef, &p.vars) {
            Ok(a) => a,
            Err(e) => {
                errors.push(e.path(path));
                data.insert(key, Value::Null);
                continue;
            }
        };
        let raw = match p.kind {
            OpKind::Query => resolvers::query_field(st, &f0.name, &args),
            OpKind::Mutation => {
                cost += 10;
                let ctx = MutationCtx {
                    version,
                    idempotency_key: gql::idempotency_key(f0, &p.vars),
                };
                resolvers::mutation_field(st, &ctx, &f0.name, &args, &mut fx)
            }
        };
        let raw = match raw {
            Ok(v) => v,
            Err(mut e) => {
                if e.locations.is_empty() {
                    e = e.at(f0.position);
                }
                errors.push(e.path(path));
                data.insert(key, Value::Null);
                continue;
            }
        };
        let mut exec = Exec {
            schema,
            state: st,
            fragments: &p.fragments,
            vars: &p.vars,
            errors: Vec::new(),
            cost: 0,
            bulk: None,
        };
        let value = match exec.post_process(root_name, fdef, raw, &args, f0, &path) {
            Ok(v) => v,
            Err(e) => {
                errors.push(e);
                data.insert(key, Value::Null);
                continue;
            }
        };
        let named = schema.get(fdef.ty.named());
        if p.kind == OpKind::Query
            && !value.is_null()
            && named.is_some_and(|d| d.is_composite() && !d.is_connection())
        {
            exec.cost += 1;
        }
        let projected = exec.project(&value, &fdef.ty, &group, &mut path.clone());
        if p.kind == OpKind::Query {
            cost += exec.cost;
        }
        errors.extend(exec.errors);
        data.insert(key, projected);
    }
    (Value::Object(data), errors, cost, fx)
}
