//! Bulk query operations, as Shopify documents them (shopify.dev "Perform bulk operations with
//! the GraphQL Admin API", and the `bulkOperationRunQuery`, `bulkOperationCancel`,
//! `currentBulkOperation`, `bulkOperation` and `BulkOperation` references):
//!
//! - `bulkOperationRunQuery(query:)` checks the query (one top-level connection; at most 5
//!   connections, nested at most 2 deep; connections selected through `edges { node }`; a
//!   nested connection's parent node selects `id`; no connection inside a list) and creates a
//!   `CREATED` operation. Before 2026-01 one bulk query runs per shop at a time, from 2026-01
//!   five; one more is refused with `OPERATION_IN_PROGRESS`.
//! - The operation runs in the background: `RUNNING` with running `objectCount` /
//!   `rootObjectCount`, then `COMPLETED` with `url` and `fileSize` (both null when nothing was
//!   read), or `FAILED` with `errorCode` and `partialDataUrl`, or `CANCELING` → `CANCELED`.
//! - The result is JSONL at an unauthenticated URL on the simulator's own server
//!   (`/_bulk/{token}.jsonl`; Shopify serves signed Google Cloud Storage URLs), valid 7 days:
//!   one line per node of the top-level connection, nested connections' nodes on lines of
//!   their own after their parent's, carrying `__parentId`; no `edges`, `node` or `pageInfo`.
//! - `bulk_operations/finish` is delivered to its subscribers when an operation ends.
//!
//! Time: the simulator has no clock of its own, so an operation takes real (tokio) time in
//! proportion to its size: [`START_DELAY`] before it runs, then one [`CHUNK`] of top-level
//! nodes after another, each followed by a pause of its objects / `objects_per_sec`
//! (`SandboxConfig::shopify_bulk_objects_per_sec`). Pagination arguments inside a bulk query
//! are ignored (everything is read), as bulk queries read whole connections. Deviation: the
//! top-level field must be a connection (Shopify also takes an object holding one).
//! `groupObjects` is accepted: children always follow their parent, which is the grouped
//! order and also what the ungrouped order promises.
//!
//! Faults: a [`crate::Fault`] whose `path_contains` is [`FAULT_TARGET`] fails the next chunk of
//! a running operation: `timeout` as `TIMEOUT`, any other kind as `INTERNAL_SERVER_ERROR`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State as AxState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use graphql_parser::query as q;
use serde_json::{Map, Value, json};

use super::Shopify;
use super::gql::{self, Exec, Field, SelectionSet};
use super::model::{State, gid, parse_gid};
use super::resolvers::{self, Effects};
use super::schema::{Schema, TypeRef, schema};
use crate::common::{FaultKind, iso8601, lock, now_millis};

/// `path_contains` of a [`crate::Fault`] that fails the running bulk operation (no request
/// path or operation name contains it).
pub const FAULT_TARGET: &str = "bulk operation run";
/// Bulk query operations that may run at once per shop: one before API version 2026-01,
/// five from it (shopify.dev bulk operations guide, "Limitations").
const CONCURRENT_BEFORE_2026_01: usize = 1;
const CONCURRENT_FROM_2026_01: usize = 5;
/// Connections and their nesting a bulk query may have ("up to five connections with a
/// maximum nesting depth of two levels").
const MAX_CONNECTIONS: usize = 5;
const MAX_CONNECTION_DEPTH: usize = 2;
/// Time from creation to running.
const START_DELAY: Duration = Duration::from_millis(200);
/// Top-level nodes read per step (one state lock each, so API calls interleave).
const CHUNK: usize = 250;
/// How long result URLs stay valid ("`url` and `partialDataUrl` values expire after seven
/// days").
const URL_LIFETIME_MS: i64 = 7 * 24 * 3600 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Created,
    Running,
    Completed,
    Failed,
    Canceling,
    Canceled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Created => "CREATED",
            Status::Running => "RUNNING",
            Status::Completed => "COMPLETED",
            Status::Failed => "FAILED",
            Status::Canceling => "CANCELING",
            Status::Canceled => "CANCELED",
        }
    }

    fn is_terminal(self) -> bool {
        matches!(self, Status::Completed | Status::Failed | Status::Canceled)
    }
}

pub(crate) struct BulkOperation {
    id: u64,
    query: String,
    status: Status,
    error_code: Option<&'static str>,
    created: i64,
    completed: Option<i64>,
    object_count: u64,
    root_object_count: u64,
    /// Token and size of the result file (`url` when completed, `partialDataUrl` when failed
    /// with data; none when nothing was read).
    file: Option<(String, u64)>,
}

/// A result file: the JSONL and when its URL stops working.
struct BulkFile {
    body: Arc<String>,
    expires: i64,
}

/// The shop's bulk operations and their result files.
#[derive(Default)]
pub(crate) struct BulkOperations {
    operations: BTreeMap<u64, BulkOperation>,
    /// Result files by token.
    files: BTreeMap<String, BulkFile>,
}

impl BulkOperations {
    fn running(&self) -> impl Iterator<Item = &BulkOperation> {
        self.operations
            .values()
            .filter(|op| !op.status.is_terminal())
    }
}

fn concurrency(version: &str) -> usize {
    if version == "unstable" || version >= "2026-01" {
        CONCURRENT_FROM_2026_01
    } else {
        CONCURRENT_BEFORE_2026_01
    }
}

// ---------------------------------------------------------------------------------------------
// The BulkOperation object

/// `EXPIRED` once a completed operation's URL has lapsed.
fn status_at(op: &BulkOperation, now: i64) -> &'static str {
    match (op.status, op.completed) {
        (Status::Completed, Some(done)) if now > done + URL_LIFETIME_MS => "EXPIRED",
        (status, _) => status.as_str(),
    }
}

fn operation_json(st: &State, op: &BulkOperation, now: i64) -> Value {
    let status = status_at(op, now);
    let file_url = op
        .file
        .as_ref()
        .filter(|_| status != "EXPIRED")
        .map(|(token, _)| format!("{}/_bulk/{token}.jsonl", st.base_url));
    json!({
        "__typename": "BulkOperation",
        "id": gid("BulkOperation", op.id),
        "status": status,
        "errorCode": op.error_code,
        "createdAt": iso8601(op.created),
        "completedAt": op.completed.map(iso8601),
        "objectCount": op.object_count.to_string(),
        "rootObjectCount": op.root_object_count.to_string(),
        "fileSize": op.file.as_ref().filter(|_| op.status == Status::Completed).map(|(_, size)| size.to_string()),
        "url": file_url.clone().filter(|_| op.status == Status::Completed),
        "partialDataUrl": file_url.filter(|_| op.status == Status::Failed),
        "query": op.query,
        "type": "QUERY",
    })
}

/// `node(id:)` / `bulkOperation(id:)`.
pub(crate) fn node(st: &State, id: u64) -> Option<Value> {
    st.bulk
        .operations
        .get(&id)
        .map(|op| operation_json(st, op, now_millis()))
}

/// `currentBulkOperation(type:)`: the most recent operation of that type (no bulk mutations
/// are simulated, so `MUTATION` has none).
pub(crate) fn current(st: &State, args: &Map<String, Value>) -> Value {
    if args.get("type").and_then(Value::as_str) == Some("MUTATION") {
        return Value::Null;
    }
    st.bulk
        .operations
        .values()
        .next_back()
        .map_or(Value::Null, |op| operation_json(st, op, now_millis()))
}

// ---------------------------------------------------------------------------------------------
// Mutations

fn user_error(field: Option<&[&str]>, message: impl Into<String>, code: Option<&str>) -> Value {
    json!({"__typename": "BulkOperationUserError", "field": field, "message": message.into(), "code": code})
}

/// `bulkOperationRunQuery(query:)`.
pub(crate) fn run_query(
    st: &mut State,
    version: &str,
    args: &Map<String, Value>,
    fx: &mut Effects,
) -> Value {
    const P: &str = "BulkOperationRunQueryPayload";
    let query = args.get("query").and_then(Value::as_str).unwrap_or("");
    let refuse =
        |errors: Vec<Value>| json!({"__typename": P, "bulkOperation": null, "userErrors": errors});
    let problems = check_query(schema(), query);
    if !problems.is_empty() {
        return refuse(
            problems
                .into_iter()
                .map(|m| user_error(Some(&["query"]), m, Some("INVALID")))
                .collect(),
        );
    }
    let running: Vec<u64> = st.bulk.running().map(|op| op.id).collect();
    if running.len() >= concurrency(version) {
        let latest = running.last().copied().unwrap_or_default();
        return refuse(vec![user_error(
            None,
            format!(
                "A bulk query operation for this app and shop is already in progress: {}.",
                gid("BulkOperation", latest)
            ),
            Some("OPERATION_IN_PROGRESS"),
        )]);
    }
    let id = st.id();
    st.bulk.operations.insert(
        id,
        BulkOperation {
            id,
            query: query.to_string(),
            status: Status::Created,
            error_code: None,
            created: now_millis(),
            completed: None,
            object_count: 0,
            root_object_count: 0,
            file: None,
        },
    );
    fx.bulk_runs.push(id);
    json!({"__typename": P, "bulkOperation": {"__ref": gid("BulkOperation", id)}, "userErrors": []})
}

/// `bulkOperationCancel(id:)`: a running operation goes `CANCELING`, then `CANCELED` when its
/// runner sees it; a finished one is refused.
pub(crate) fn cancel(st: &mut State, args: &Map<String, Value>) -> Value {
    const P: &str = "BulkOperationCancelPayload";
    let raw = args.get("id").and_then(Value::as_str).unwrap_or("");
    let Some(op) = parse_gid(raw)
        .filter(|(kind, _)| *kind == "BulkOperation")
        .and_then(|(_, n)| st.bulk.operations.get_mut(&n))
    else {
        return json!({"__typename": P, "bulkOperation": null, "userErrors": [
            {"__typename": "UserError", "field": ["id"], "message": "Bulk operation does not exist"}
        ]});
    };
    let mut errors = Vec::new();
    match op.status {
        Status::Created | Status::Running => op.status = Status::Canceling,
        Status::Canceling => {}
        done => errors.push(
            json!({"__typename": "UserError", "field": null, "message": format!(
                "A bulk operation cannot be canceled when it is {}", done.as_str().to_lowercase()
            )}),
        ),
    }
    json!({"__typename": P, "bulkOperation": {"__ref": gid("BulkOperation", op.id)}, "userErrors": errors})
}

// ---------------------------------------------------------------------------------------------
// Checking a bulk query

/// What Shopify refuses in a bulk query, as its `userErrors` messages (empty = runnable).
pub(crate) fn check_query(schema: &Schema, query: &str) -> Vec<String> {
    let doc = match graphql_parser::parse_query::<String>(query) {
        Ok(doc) => doc,
        Err(e) => {
            return vec![format!(
                "Invalid bulk query: {}",
                gql::parse_error(&e).message
            )];
        }
    };
    let prepared = match gql::prepare(schema, &doc, None, &Map::new()) {
        Ok(p) => p,
        Err(errors) => {
            return errors
                .iter()
                .map(|e| format!("Invalid bulk query: {}", e.message))
                .collect();
        }
    };
    if prepared.kind != gql::OpKind::Query {
        return vec!["Invalid operation type. Only `query` operations are supported.".to_string()];
    }
    let mut roots = Vec::new();
    gql::collect_fields(
        schema,
        &prepared.fragments,
        &prepared.vars,
        &[prepared.selection],
        "QueryRoot",
        &mut roots,
        0,
    );
    let mut problems = Vec::new();
    if roots.iter().any(|(_, fields)| fields[0].name == "node") {
        problems.push("Bulk queries cannot contain a top level `node` field.".to_string());
    }
    let mut shape = Shape::default();
    let walker = Walker {
        schema,
        fragments: &prepared.fragments,
        vars: &prepared.vars,
    };
    for (_, fields) in &roots {
        walker.field(fields, "QueryRoot", 0, false, None, &mut shape);
    }
    if !shape.via_nodes.is_empty() {
        let first = &shape.via_nodes[0];
        problems.push(format!(
            "All connection fields in a bulk query must select their contents using 'edges' > 'node', e.g: '{first} {{ edges {{ node {{'. Selecting via 'nodes' is not supported. Invalid connection fields: '{}'.",
            shape.via_nodes.join("', '")
        ));
    }
    if shape.max_depth > MAX_CONNECTION_DEPTH {
        problems.push(format!(
            "Bulk queries cannot contain connections with a nesting depth greater than {MAX_CONNECTION_DEPTH}."
        ));
    }
    if shape.connections > MAX_CONNECTIONS {
        problems.push(format!(
            "Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
        ));
    }
    if !shape.parents_without_id.is_empty() {
        problems.push(format!(
            "The parent 'node' field for a nested connection must select the 'id' field without an alias and must be of 'ID' return type. Connection fields without 'id': {}.",
            shape.parents_without_id.join(", ")
        ));
    }
    if shape.in_list {
        problems.push(
            "Queries that contain a connection field within a list field are not currently supported."
                .to_string(),
        );
    }
    if shape.connections == 0 && problems.iter().all(|p| p.contains("top level `node`")) {
        problems.push("Bulk queries must contain at least one connection.".to_string());
    }
    if problems.is_empty() {
        let connection_root = roots.len() == 1
            && schema
                .get("QueryRoot")
                .and_then(|t| t.field(&roots[0].1[0].name))
                .and_then(|f| schema.get(f.ty.named()))
                .is_some_and(super::schema::TypeDef::is_connection);
        if !connection_root {
            problems.push(
                "Invalid bulk query: the sandbox runs bulk queries with a single top-level connection field (e.g. `products`)."
                    .to_string(),
            );
        }
    }
    problems
}

#[derive(Default)]
struct Shape {
    connections: usize,
    max_depth: usize,
    in_list: bool,
    via_nodes: Vec<String>,
    parents_without_id: Vec<String>,
}

struct Walker<'x, 'a> {
    schema: &'x Schema,
    fragments: &'x std::collections::HashMap<String, &'a q::FragmentDefinition<'a, String>>,
    vars: &'x Map<String, Value>,
}

impl<'a> Walker<'_, 'a> {
    /// Groups the fields of `sets` for an object of type `runtime` (fragments resolved).
    fn groups<'b>(
        &self,
        sets: &[&'b SelectionSet<'a>],
        runtime: &str,
    ) -> Vec<(String, Vec<&'b Field<'a>>)> {
        gql::group_fields(self.schema, self.fragments, self.vars, sets, runtime)
    }

    /// One field (merged group) on `parent`: `depth` connections enclose it; `in_list` if a
    /// list field does; `enclosing` is the enclosing connection's name and whether its node
    /// selects `id`.
    fn field(
        &self,
        fields: &[&Field<'a>],
        parent: &str,
        depth: usize,
        in_list: bool,
        enclosing: Option<(&str, bool)>,
        shape: &mut Shape,
    ) {
        let name = fields[0].name.as_str();
        let Some(def) = self.field_def(parent, name) else {
            return;
        };
        let named = def.ty.named().to_string();
        let Some(t) = self.schema.get(&named) else {
            return;
        };
        if t.is_leaf() {
            return;
        }
        let sets: Vec<&SelectionSet<'a>> = fields.iter().map(|f| &f.selection_set).collect();
        if !t.is_connection() {
            let list = matches!(def.ty.nullable(), TypeRef::List(_));
            for (_, group) in self.groups(&sets, &named) {
                self.field(&group, &named, depth, in_list || list, enclosing, shape);
            }
            return;
        }
        shape.connections += 1;
        shape.max_depth = shape.max_depth.max(depth + 1);
        if in_list {
            shape.in_list = true;
        }
        if let Some((parent_connection, false)) = enclosing
            && !shape
                .parents_without_id
                .iter()
                .any(|p| p == parent_connection)
        {
            shape.parents_without_id.push(parent_connection.to_string());
        }
        let inner = self.groups(&sets, &named);
        if inner.iter().any(|(_, g)| g[0].name == "nodes")
            && !inner.iter().any(|(_, g)| g[0].name == "edges")
            && !shape.via_nodes.iter().any(|n| n == name)
        {
            shape.via_nodes.push(name.to_string());
        }
        let Some((node_type, node_sets)) =
            gql::node_selection(self.schema, self.fragments, self.vars, &inner, &named)
        else {
            return;
        };
        let node_groups = self.groups(&node_sets, &node_type);
        let selects_id = node_groups
            .iter()
            .any(|(key, g)| key == "id" && g[0].name == "id");
        for (_, group) in &node_groups {
            self.field(
                group,
                &node_type,
                depth + 1,
                false,
                Some((name, selects_id)),
                shape,
            );
        }
    }

    fn field_def(&self, parent: &str, name: &str) -> Option<&super::schema::FieldDef> {
        let t = self.schema.get(parent)?;
        t.field(name).or_else(|| {
            t.members
                .iter()
                .find_map(|m| self.schema.get(m).and_then(|mt| mt.field(name)))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Running an operation

/// What to do with a bulk query's top-level connection.
enum Step<'i> {
    /// List its items (references), in the order a paged read would list them.
    List,
    /// Project some of its items into JSONL lines.
    Project(&'i [Value]),
}

enum Output {
    Items(Vec<Value>),
    /// The lines and how many objects they hold.
    Lines(Vec<Value>, u64),
}

/// Parses and prepares `query` (checked when the operation was created) and takes `step` on
/// its top-level connection.
fn run_step(st: &State, query: &str, step: Step<'_>) -> Result<Output, String> {
    let schema = schema();
    let doc = graphql_parser::parse_query::<String>(query).map_err(|e| e.to_string())?;
    let p = gql::prepare(schema, &doc, None, &Map::new()).map_err(|errors| {
        errors
            .first()
            .map_or_else(String::new, |e| e.message.clone())
    })?;
    let mut roots = Vec::new();
    gql::collect_fields(
        schema,
        &p.fragments,
        &p.vars,
        &[p.selection],
        "QueryRoot",
        &mut roots,
        0,
    );
    let field = roots
        .first()
        .map(|(_, group)| group[0])
        .ok_or("the query selects nothing")?;
    let def = schema
        .get("QueryRoot")
        .and_then(|t| t.field(&field.name))
        .ok_or("unknown top-level field")?;
    let connection = def.ty.named().to_string();
    match step {
        Step::List => {
            let args = gql::field_args(schema, field, def, &p.vars).map_err(|e| e.message)?;
            let mut items = match resolvers::query_field(st, &field.name, &args) {
                Ok(Value::Array(items)) => items,
                Ok(_) => return Err("the top-level field is not a list".to_string()),
                Err(e) => return Err(e.message),
            };
            if args.get("reverse").and_then(Value::as_bool) == Some(true) {
                items.reverse();
            }
            Ok(Output::Items(items))
        }
        Step::Project(items) => {
            let (fragments, vars) = (&p.fragments, &p.vars);
            let groups = gql::group_fields(
                schema,
                fragments,
                vars,
                &[&field.selection_set],
                &connection,
            );
            let (node_type, node_sets) =
                gql::node_selection(schema, fragments, vars, &groups, &connection)
                    .ok_or("the top-level field is not a connection")?;
            let mut exec = Exec {
                schema,
                state: st,
                fragments: &p.fragments,
                vars: &p.vars,
                errors: Vec::new(),
                cost: 0,
                bulk: Some(gql::BulkLines::default()),
            };
            let mut lines = Vec::new();
            for item in items {
                let obj = exec.resolve(item);
                if obj.is_null() {
                    continue; // deleted since the operation started
                }
                lines.extend(exec.bulk_node(&obj, &node_type, &node_sets, None));
            }
            if let Some(e) = exec.errors.first() {
                return Err(e.message.clone());
            }
            let objects = exec.bulk.as_ref().map_or(0, |b| b.objects);
            Ok(Output::Lines(lines, objects))
        }
    }
}

/// Ends operation `id` as `status` with what was written so far, and announces it on
/// `bulk_operations/finish`.
fn finish(
    shop: &Shopify,
    st: &mut State,
    id: u64,
    status: Status,
    error_code: Option<&'static str>,
    body: String,
) {
    let now = now_millis();
    let keep_file = match status {
        Status::Completed | Status::Failed => !body.is_empty(),
        _ => false,
    };
    st.bulk.files.retain(|_, f| f.expires >= now);
    let file = keep_file.then(|| {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let size = body.len() as u64;
        st.bulk.files.insert(
            token.clone(),
            BulkFile {
                body: Arc::new(body),
                expires: now + URL_LIFETIME_MS,
            },
        );
        (token, size)
    });
    let Some(op) = st.bulk.operations.get_mut(&id) else {
        return;
    };
    op.status = status;
    op.error_code = error_code;
    op.completed = Some(now);
    op.file = file;
    let payload = json!({
        "admin_graphql_api_id": gid("BulkOperation", id),
        "completed_at": iso8601(now),
        "created_at": iso8601(op.created),
        "error_code": error_code.map(str::to_lowercase),
        "status": status.as_str().to_lowercase(),
        "type": "query",
    });
    shop.emit(st, vec![("bulk_operations/finish".to_string(), payload)]);
}

/// Sleeps `pause` (the simulated processing time of a chunk), waking early when the
/// operation is being canceled.
async fn pause_unless_canceled(shop: &Shopify, id: u64, pause: Duration) {
    const STEP: Duration = Duration::from_millis(50);
    let mut left = pause;
    while !left.is_zero() {
        let step = left.min(STEP);
        tokio::time::sleep(step).await;
        left -= step;
        let canceling = lock(&shop.state)
            .bulk
            .operations
            .get(&id)
            .is_none_or(|op| op.status == Status::Canceling);
        if canceling {
            return;
        }
    }
}

/// Runs operation `id` to its end: spawned when it is created.
pub(crate) async fn execute(shop: Arc<Shopify>, id: u64) {
    tokio::time::sleep(START_DELAY).await;
    let (query, items) = {
        let mut st = lock(&shop.state);
        let Some(op) = st.bulk.operations.get_mut(&id) else {
            return;
        };
        if op.status == Status::Canceling {
            finish(&shop, &mut st, id, Status::Canceled, None, String::new());
            return;
        }
        op.status = Status::Running;
        let query = op.query.clone();
        match run_step(&st, &query, Step::List) {
            Ok(Output::Items(items)) => (query, items),
            Ok(Output::Lines(..)) => return,
            Err(error) => {
                tracing::warn!(bulk_operation = id, %error, "Bulk query failed to start.");
                let code = Some("INTERNAL_SERVER_ERROR");
                finish(&shop, &mut st, id, Status::Failed, code, String::new());
                return;
            }
        }
    };
    let mut body = String::new();
    for chunk in items.chunks(CHUNK) {
        let objects = {
            let mut st = lock(&shop.state);
            match st.bulk.operations.get(&id).map(|op| op.status) {
                Some(Status::Running) => {}
                Some(Status::Canceling) => {
                    finish(&shop, &mut st, id, Status::Canceled, None, String::new());
                    return;
                }
                _ => return,
            }
            if let Some(kind) = shop.faults.take(&[FAULT_TARGET]) {
                let code = if kind == FaultKind::Timeout {
                    "TIMEOUT"
                } else {
                    "INTERNAL_SERVER_ERROR"
                };
                finish(&shop, &mut st, id, Status::Failed, Some(code), body);
                return;
            }
            let (lines, objects) = match run_step(&st, &query, Step::Project(chunk)) {
                Ok(Output::Lines(lines, objects)) => (lines, objects),
                Ok(Output::Items(_)) => return,
                Err(error) => {
                    tracing::warn!(bulk_operation = id, %error, "Bulk query failed.");
                    let code = Some("INTERNAL_SERVER_ERROR");
                    finish(&shop, &mut st, id, Status::Failed, code, body);
                    return;
                }
            };
            for line in lines {
                body.push_str(&line.to_string());
                body.push('\n');
            }
            if let Some(op) = st.bulk.operations.get_mut(&id) {
                op.object_count += objects;
                op.root_object_count += chunk.len() as u64;
            }
            objects
        };
        #[allow(clippy::cast_precision_loss)]
        let pause = Duration::from_secs_f64(objects as f64 / shop.bulk_objects_per_sec.max(0.01));
        pause_unless_canceled(&shop, id, pause).await;
    }
    let mut st = lock(&shop.state);
    let status = match st.bulk.operations.get(&id).map(|op| op.status) {
        Some(Status::Running) => Status::Completed,
        Some(Status::Canceling) => Status::Canceled,
        _ => return,
    };
    let body = if status == Status::Completed {
        body
    } else {
        String::new()
    };
    finish(&shop, &mut st, id, status, None, body);
}

// ---------------------------------------------------------------------------------------------
// Result files

/// `GET /_bulk/{token}.jsonl`: no authentication (the URL is the credential), as a signed
/// storage URL; an expired one answers like Google Cloud Storage does.
pub(crate) async fn serve_file(
    AxState(shop): AxState<Arc<Shopify>>,
    Path(file): Path<String>,
) -> Response {
    let token = file.strip_suffix(".jsonl").unwrap_or_default();
    let found = {
        let st = lock(&shop.state);
        st.bulk
            .files
            .get(token)
            .map(|f| (Arc::clone(&f.body), f.expires))
    };
    match found {
        Some((body, expires)) if now_millis() <= expires => (
            [(header::CONTENT_TYPE, "application/jsonl")],
            body.as_str().to_owned(),
        )
            .into_response(),
        Some(_) => (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/xml; charset=UTF-8")],
            "<?xml version='1.0' encoding='UTF-8'?><Error><Code>ExpiredToken</Code><Message>Invalid argument.</Message><Details>Request has expired</Details></Error>",
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "application/xml; charset=UTF-8")],
            "<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(query: &str) -> Vec<String> {
        check_query(schema(), query)
    }

    #[test]
    fn the_daemons_product_query_is_runnable() {
        let query = "{ products(query: \"status:active\") { edges { node {
            id title descriptionHtml vendor productType status updatedAt
            options { name values }
            media { edges { node { ... on MediaImage { image { url } } } } }
            variants { edges { node {
                id sku title price compareAtPrice inventoryQuantity
                selectedOptions { name value }
                inventoryItem { id tracked }
            } } }
        } } } }";
        assert_eq!(problems(query), Vec::<String>::new());
    }

    #[test]
    fn what_shopify_refuses_is_refused_with_its_message() {
        let depth3 = "{ products { edges { node { id variants { edges { node { id inventoryItem { inventoryLevels { edges { node { id } } } } } } } } } } }";
        assert_eq!(
            problems(depth3),
            ["Bulk queries cannot contain connections with a nesting depth greater than 2."]
        );
        let six = "{ products { edges { node { id
            a: variants { edges { node { id } } } b: variants { edges { node { id } } }
            c: media { edges { node { id } } } d: media { edges { node { id } } }
            e: collections { edges { node { id } } } } } } }";
        assert_eq!(
            problems(six),
            ["Bulk queries cannot contain more than 5 connections."]
        );
        let via_nodes = "{ products { nodes { id } } }";
        assert!(problems(via_nodes)[0].starts_with(
            "All connection fields in a bulk query must select their contents using 'edges' > 'node'"
        ));
        let no_parent_id =
            "{ products { edges { node { title variants { edges { node { id } } } } } } }";
        assert_eq!(
            problems(no_parent_id),
            [
                "The parent 'node' field for a nested connection must select the 'id' field without an alias and must be of 'ID' return type. Connection fields without 'id': products."
            ]
        );
        assert_eq!(
            problems("{ shop { name } }"),
            ["Bulk queries must contain at least one connection."]
        );
        assert_eq!(
            problems("{ node(id: \"gid://shopify/Product/1\") { id } }"),
            [
                "Bulk queries cannot contain a top level `node` field.",
                "Bulk queries must contain at least one connection."
            ]
        );
        assert_eq!(
            problems("mutation { tagsAdd(id: \"x\", tags: [\"a\"]) { userErrors { message } } }"),
            ["Invalid operation type. Only `query` operations are supported."]
        );
        assert!(
            problems("{ products { edges { node { nope } } } }")[0]
                .starts_with("Invalid bulk query: Field 'nope' doesn't exist on type 'Product'")
        );
        assert!(
            problems("{ products {")
                .first()
                .is_some_and(|p| p.starts_with("Invalid bulk query: Parse error"))
        );
    }

    #[test]
    fn a_completed_operations_url_expires_after_seven_days() {
        let op = BulkOperation {
            id: 1,
            query: String::new(),
            status: Status::Completed,
            error_code: None,
            created: 0,
            completed: Some(1_000),
            object_count: 0,
            root_object_count: 0,
            file: None,
        };
        assert_eq!(status_at(&op, 1_000 + URL_LIFETIME_MS), "COMPLETED");
        assert_eq!(status_at(&op, 1_001 + URL_LIFETIME_MS), "EXPIRED");
        assert_eq!(concurrency("2025-10"), 1);
        assert_eq!(concurrency("2026-01"), 5);
        assert_eq!(concurrency("unstable"), 5);
    }
}
