//! `WebserviceRequest` as the simulator runs it: the query (`display`, `filter`, `sort`,
//! `limit`, `date`), listing and reading entities, and saving them from XML
//! (`saveEntityFromXml`: required fields, `id` rules, field validation), with the
//! resource-specific rules in [`super::rules`].

use std::cmp::Ordering;

use axum::http::StatusCode;
use serde_json::Value;

use super::ApiError;
use super::model::{State, num, text};
use super::schema::Resource;
use super::xml::{Entity, Node, entity_of};

/// The query string as PrestaShop reads it (`$_GET` with PHP brackets).
#[derive(Default, Debug)]
pub(crate) struct Query {
    pub(crate) display: Option<String>,
    pub(crate) filters: Vec<(String, String)>,
    pub(crate) sort: Option<String>,
    pub(crate) limit: Option<String>,
    pub(crate) date: bool,
    pub(crate) json: bool,
    pub(crate) ws_key: Option<String>,
    pub(crate) schema: Option<String>,
}

pub(crate) fn parse_query(raw: &str) -> Query {
    let mut q = Query::default();
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        let (k, v) = (k.into_owned(), v.into_owned());
        if let Some(field) = k.strip_prefix("filter[").and_then(|f| f.strip_suffix(']')) {
            q.filters.push((field.to_owned(), v));
            continue;
        }
        match k.as_str() {
            "display" => q.display = Some(v),
            "sort" => q.sort = Some(v),
            "limit" => q.limit = Some(v),
            "date" => q.date = !v.is_empty() && v != "0",
            "output_format" | "io_format" => q.json = v.eq_ignore_ascii_case("JSON"),
            "ws_key" => q.ws_key = Some(v),
            "schema" => q.schema = Some(v),
            // Anything else (`language`, `price`, `sendemail`, unknown names) is ignored here.
            _ => {}
        }
    }
    q
}

/// What a list shows: ids only (no `display`), everything, or the named fields.
pub(crate) enum Display {
    Minimum,
    Full,
    Fields(Vec<String>),
}

fn bracketed(v: &str) -> Option<&str> {
    v.strip_prefix('[').and_then(|v| v.strip_suffix(']'))
}

fn available(resource: &Resource, field: &str, date: bool) -> bool {
    match field {
        "date_add" | "date_upd" => date,
        _ => resource.field(field).is_some(),
    }
}

fn compare(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

/// `getSQLRetrieveFilter`: `[a|b]` one of, `[a,b]` between, `%[a]%` like, `>[a]`, `<[a]`.
fn matches(value: &str, filter: &str) -> bool {
    let like = |needle: &str, start: bool, end: bool| {
        let (v, n) = (value.to_lowercase(), needle.to_lowercase());
        match (start, end) {
            (true, true) => v.contains(&n),
            (true, false) => v.ends_with(&n),
            (false, true) => v.starts_with(&n),
            (false, false) => v == n,
        }
    };
    if let Some(inner) = filter.strip_prefix('>').and_then(bracketed) {
        return compare(value, inner) == Ordering::Greater;
    }
    if let Some(inner) = filter.strip_prefix('<').and_then(bracketed) {
        return compare(value, inner) == Ordering::Less;
    }
    let lead = filter.starts_with('%');
    let trail = filter.ends_with('%');
    let core = filter.trim_start_matches('%').trim_end_matches('%');
    let Some(inner) = bracketed(core) else {
        return value == filter;
    };
    if lead || trail {
        return like(inner, lead, trail);
    }
    if inner.contains('|') {
        return inner.split('|').any(|v| v == value);
    }
    if let Some((from, to)) = inner.split_once(',') {
        return compare(value, from) != Ordering::Less && compare(value, to) != Ordering::Greater;
    }
    value.eq_ignore_ascii_case(inner)
}

/// The entities of a list call, filtered, sorted and cut; `Err` for what PrestaShop refuses.
pub(crate) fn list<'a>(
    st: &'a State,
    resource: &Resource,
    q: &Query,
) -> Result<(Vec<&'a Entity>, Display), ApiError> {
    let bad = |message: String, code| Err(ApiError::new(StatusCode::BAD_REQUEST, code, message));
    let names = || {
        resource
            .fields
            .iter()
            .filter(|f| q.date || !matches!(f.name, "date_add" | "date_upd"))
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (field, value) in &q.filters {
        if !available(resource, field, q.date) {
            return bad(
                format!(
                    "This filter does not exist. Did you mean: \"{}\"? The full list is: \"{}\"",
                    names().split(", ").next().unwrap_or_default(),
                    names()
                ),
                32,
            );
        }
        if value.is_empty() {
            return bad(format!("The filter \"{field}\" is malformed."), 33);
        }
    }
    let display = match q.display.as_deref() {
        None | Some("minimum") => Display::Minimum,
        Some("full") => Display::Full,
        Some(d) => match bracketed(d) {
            Some(inner) => {
                let fields: Vec<String> = inner.split(',').map(|f| f.trim().to_owned()).collect();
                if let Some(wrong) = fields
                    .iter()
                    .find(|f| resource.field(f).is_none() && *f != "associations")
                {
                    return bad(
                        format!(
                            "Unable to display this field \"{wrong}\". However, these are available: {}",
                            resource
                                .fields
                                .iter()
                                .map(|f| f.name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        35,
                    );
                }
                Display::Fields(fields)
            }
            None => {
                return bad(
                    format!(
                        "The 'display' syntax is wrong. You can set 'full' or '[field_1,field_2,field_3,...]'. These are available: {}",
                        resource
                            .fields
                            .iter()
                            .map(|f| f.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    36,
                );
            }
        },
    };
    let mut sorts = Vec::new();
    if let Some(sort) = &q.sort {
        let inner = bracketed(sort).unwrap_or(sort);
        for part in inner.split(',') {
            let Some((field, dir)) = part.rsplit_once('_') else {
                return bad("The \"sort\" value has to be formed as this example: \"field_ASC\" or '[field_1_DESC,field_2_ASC,field_3_ASC,...]' (\"field\" has to be an available field)".into(), 37);
            };
            let dir = dir.to_ascii_uppercase();
            if dir != "ASC" && dir != "DESC" {
                return bad("The \"sort\" value has to be formed as this example: \"field_ASC\" or '[field_1_DESC,field_2_ASC,field_3_ASC,...]' (\"field\" has to be an available field)".into(), 37);
            }
            if !available(resource, field, q.date) {
                return bad(
                    format!(
                        "Unable to filter by this field. However, these are available: {}, for i18n fields:",
                        names()
                    ),
                    38,
                );
            }
            sorts.push((field.to_owned(), dir == "DESC"));
        }
    }
    let (offset, count) =
        match &q.limit {
            None => (0, usize::MAX),
            Some(l) => {
                let parts: Vec<&str> = l.split(',').collect();
                let int = |s: &str| s.trim().parse::<usize>().unwrap_or(0);
                match parts.as_slice() {
                    [n] => (0, int(n)),
                    [o, n] => (int(o), int(n)),
                    _ => return bad(
                        "The \"limit\" value has to be formed as this example: \"5,25\" or \"10\""
                            .into(),
                        39,
                    ),
                }
            }
        };
    let mut found: Vec<&Entity> = st
        .all(resource.name)
        .filter(|e| q.filters.iter().all(|(f, v)| matches(&text(e, f), v)))
        .collect();
    found.sort_by(|a, b| {
        for (field, desc) in &sorts {
            let o = compare(&text(a, field), &text(b, field));
            if o != Ordering::Equal {
                return if *desc { o.reverse() } else { o };
            }
        }
        num(a, "id").cmp(&num(b, "id"))
    });
    Ok((
        found.into_iter().skip(offset).take(count).collect(),
        display,
    ))
}

fn validation(resource: &Resource, field: &str, why: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        85,
        format!(
            "Validation error: \"Property {}->{field} {why}\"",
            resource.class()
        ),
    )
}

/// `saveEntityFromXml` up to the object's own save: the entity to store (`existing` for a PUT).
pub(crate) fn read_entity(
    resource: &Resource,
    root: &Node,
    put: bool,
    existing: impl Fn(u64) -> Option<Entity>,
) -> Result<Entity, ApiError> {
    let bad =
        |code, message: &str| ApiError::new(StatusCode::BAD_REQUEST, code, message.to_owned());
    let entities: Vec<&Node> = root.children.iter().collect();
    let Some(node) = entities.first() else {
        return Err(bad(67, "Bad request"));
    };
    let given = entity_of(node);
    let id = text(&given, "id");
    let mut out = if put {
        if id.trim().is_empty() {
            return Err(bad(90, "id is required when modifying a resource"));
        }
        let id: u64 = id.trim().parse().unwrap_or(0);
        let Some(old) = existing(id) else {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                88,
                "Invalid ID".into(),
            ));
        };
        old
    } else {
        if !id.trim().is_empty() {
            return Err(bad(91, "id is forbidden when adding a new resource"));
        }
        Entity::new()
    };
    for field in resource.fields {
        if field.name == "id" || field.read_only {
            continue;
        }
        match given.get(field.name) {
            Some(v @ Value::Array(_)) if field.i18n => {
                out.insert(field.name.into(), v.clone());
            }
            Some(Value::String(v)) if field.i18n => {
                out.insert(
                    field.name.into(),
                    serde_json::json!([{"id": "1", "value": v}]),
                );
            }
            Some(Value::String(v)) => {
                let v = v.trim();
                if field.required && v.is_empty() {
                    return Err(validation(resource, field.name, "is empty."));
                }
                if field.name.starts_with("id_") && !v.is_empty() && v.parse::<u64>().is_err() {
                    return Err(validation(resource, field.name, "is not valid"));
                }
                out.insert(field.name.into(), Value::String(v.to_owned()));
            }
            Some(_) | None if field.i18n => {}
            Some(_) | None => {
                if field.required {
                    return Err(bad(41, &format!("parameter \"{}\" required", field.name)));
                }
                // PUT replaces the whole object: what is not sent is emptied.
                out.insert(field.name.into(), Value::String(String::new()));
            }
        }
    }
    if !resource.associations.is_empty()
        && let Some(assoc) = given.get("associations")
    {
        out.insert("associations".into(), assoc.clone());
    }
    Ok(out)
}
