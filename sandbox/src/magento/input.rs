//! Request input as Magento's `ServiceInputProcessor` reads it: PHP-style bracketed query
//! parameters (`searchCriteria[filter_groups][0][filters][0][field]`), data objects whose
//! keys are accepted in snake_case or camelCase and refused when unknown, scalar type
//! conversion, and `searchCriteria` with Magento's paging (a page past the last one answers
//! the last page again).

use std::cmp::Ordering;

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::ApiError;

/// PHP's `parse_str`: `a[b][0]=x` becomes `{"a": {"b": {"0": "x"}}}`; `a[]=x` appends.
pub(crate) fn parse_query(raw: &str) -> Map<String, Value> {
    let mut root = Map::new();
    for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
        let (head, rest) = match key.find('[') {
            Some(at) if at > 0 => (&key[..at], &key[at..]),
            _ => (key.as_ref(), ""),
        };
        let mut path = vec![head.to_string()];
        let mut rest = rest;
        while let Some(stripped) = rest.strip_prefix('[') {
            let Some(end) = stripped.find(']') else { break };
            path.push(stripped[..end].to_string());
            rest = &stripped[end + 1..];
        }
        insert(&mut root, &path, Value::String(value.into_owned()));
    }
    root
}

fn insert(map: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let key = if first.is_empty() {
        map.len().to_string()
    } else {
        first.clone()
    };
    if rest.is_empty() {
        map.insert(key, value);
        return;
    }
    let entry = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    if let Value::Object(child) = entry {
        insert(child, rest, value);
    }
}

/// `fieldName` → `field_name`.
pub(crate) fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `field_name` → `FieldName` (`SimpleDataObjectConverter::snakeCaseToUpperCamelCase`), as
/// errors name a property.
fn upper_camel(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A data object of the request, its keys normalised to snake_case.
pub(crate) struct Obj(pub(crate) Map<String, Value>);

impl Obj {
    /// Checks `value` is an object whose keys are all in `allowed` (snake_case).
    pub(crate) fn new(value: &Value, allowed: &[&str]) -> Result<Obj, ApiError> {
        let Some(map) = value.as_object() else {
            return Err(ApiError::bad_request("Decoding error."));
        };
        let mut out = Map::new();
        for (k, v) in map {
            let key = snake(k);
            if !allowed.contains(&key.as_str()) {
                return Err(ApiError::unsupported_field(&upper_camel(&key)));
            }
            out.insert(key, v.clone());
        }
        Ok(Obj(out))
    }

    /// A method parameter of the body (`cartItem` or `cart_item`); `None` when absent.
    pub(crate) fn param<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
        body.get(name)
            .or_else(|| body.get(&snake(name)))
            .filter(|v| !v.is_null())
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn str(&self, name: &str) -> Result<Option<String>, ApiError> {
        self.get(name)
            .map(|v| scalar_string(v, "string"))
            .transpose()
    }

    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name).map(to_int).transpose()
    }

    pub(crate) fn float(&self, name: &str) -> Result<Option<Decimal>, ApiError> {
        self.get(name).map(to_float).transpose()
    }

    pub(crate) fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.get(name).map(to_bool).transpose()
    }

    /// An array parameter's elements (absent → empty).
    pub(crate) fn list(&self, name: &str) -> Result<Vec<Value>, ApiError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(Value::Object(map)) => Ok(map.values().cloned().collect()),
            Some(other) => Err(ApiError::invalid_type(other, "array")),
        }
    }
}

fn scalar_string(v: &Value, ty: &str) -> Result<String, ApiError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(if *b { "1" } else { "" }.to_string()),
        other => Err(ApiError::invalid_type(other, ty)),
    }
}

/// A `string` parameter.
pub(crate) fn to_str(v: &Value) -> Result<String, ApiError> {
    scalar_string(v, "string")
}

/// `TypeProcessor::processSimpleAndAnyType()` for `int`: digits only.
pub(crate) fn to_int(v: &Value) -> Result<i64, ApiError> {
    let text = scalar_string(v, "int")?;
    let t = text.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid_type(v, "int"));
    }
    t.parse().map_err(|_| ApiError::invalid_type(v, "int"))
}

pub(crate) fn to_float(v: &Value) -> Result<Decimal, ApiError> {
    let text = scalar_string(v, "float")?;
    text.trim()
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(text.trim()))
        .map_err(|_| ApiError::invalid_type(v, "float"))
}

pub(crate) fn to_bool(v: &Value) -> Result<bool, ApiError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => Ok(n.as_f64().is_some_and(|f| f != 0.0)),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" => Ok(true),
            "0" | "false" | "" => Ok(false),
            _ => Err(ApiError::invalid_type(v, "bool")),
        },
        other => Err(ApiError::invalid_type(other, "bool")),
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Filter {
    pub(crate) field: String,
    pub(crate) value: Option<String>,
    pub(crate) condition: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct SearchCriteria {
    /// AND over groups, OR inside a group.
    pub(crate) groups: Vec<Vec<Filter>>,
    /// `(field, ascending)`; a missing direction sorts descending, as `SortingProcessor` does.
    pub(crate) sort: Vec<(String, bool, Option<String>)>,
    pub(crate) page_size: Option<i64>,
    pub(crate) current_page: Option<i64>,
}

/// Values in numeric key order (`[0]`, `[1]`, ... arrive as object keys).
fn elements(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by_key(|(k, _)| k.parse::<u64>().unwrap_or(u64::MAX));
            entries.into_iter().map(|(_, v)| v).collect()
        }
        _ => Vec::new(),
    }
}

impl SearchCriteria {
    /// The `searchCriteria` parameter of a list call; required, as every `getList()` declares it.
    pub(crate) fn from_query(query: &Map<String, Value>) -> Result<Self, ApiError> {
        let Some(raw) = Obj::param(query, "searchCriteria") else {
            return Err(ApiError::required("searchCriteria"));
        };
        if raw.as_str().is_some_and(str::is_empty) {
            return Ok(Self::default());
        }
        let sc = Obj::new(
            raw,
            &["filter_groups", "sort_orders", "page_size", "current_page"],
        )?;
        let mut out = SearchCriteria {
            page_size: sc.int("page_size")?,
            current_page: sc.int("current_page")?,
            ..Self::default()
        };
        for group in sc.get("filter_groups").map(elements).unwrap_or_default() {
            let group = Obj::new(group, &["filters"])?;
            let mut filters = Vec::new();
            for f in group.get("filters").map(elements).unwrap_or_default() {
                let f = Obj::new(f, &["field", "value", "condition_type"])?;
                filters.push(Filter {
                    field: f.str("field")?.unwrap_or_default(),
                    value: f.str("value")?,
                    condition: f.str("condition_type")?,
                });
            }
            out.groups.push(filters);
        }
        for s in sc.get("sort_orders").map(elements).unwrap_or_default() {
            let s = Obj::new(s, &["field", "direction"])?;
            let direction = s.str("direction")?;
            let ascending = match direction.as_deref().map(str::to_ascii_uppercase).as_deref() {
                None | Some("DESC") => false,
                Some("ASC") => true,
                Some(_) => {
                    return Err(ApiError::bad_request_with(
                        "The sort order \"%1\" is invalid. Verify and try again.",
                        json!([direction]),
                    ));
                }
            };
            out.sort
                .push((s.str("field")?.unwrap_or_default(), ascending, direction));
        }
        Ok(out)
    }

    /// Every field the criteria filter or sort on.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .flatten()
            .map(|f| f.field.as_str())
            .chain(self.sort.iter().map(|(f, _, _)| f.as_str()))
    }

    /// The criteria as the answer echoes them (only what was set).
    pub(crate) fn echo(&self) -> Value {
        let mut out = Map::new();
        out.insert(
            "filter_groups".into(),
            Value::Array(
                self.groups
                    .iter()
                    .map(|g| {
                        let filters: Vec<Value> = g
                            .iter()
                            .map(|f| {
                                let mut o = Map::new();
                                o.insert("field".into(), json!(f.field));
                                if let Some(v) = &f.value {
                                    o.insert("value".into(), json!(v));
                                }
                                if let Some(c) = &f.condition {
                                    o.insert("condition_type".into(), json!(c));
                                }
                                Value::Object(o)
                            })
                            .collect();
                        json!({"filters": filters})
                    })
                    .collect(),
            ),
        );
        if !self.sort.is_empty() {
            let sorts: Vec<Value> = self
                .sort
                .iter()
                .map(|(f, _, d)| match d {
                    Some(d) => json!({"field": f, "direction": d}),
                    None => json!({"field": f}),
                })
                .collect();
            out.insert("sort_orders".into(), Value::Array(sorts));
        }
        if let Some(n) = self.page_size {
            out.insert("page_size".into(), json!(n));
        }
        if let Some(n) = self.current_page {
            out.insert("current_page".into(), json!(n));
        }
        Value::Object(out)
    }
}

/// How list endpoints read one field of an item: `None` = no such field (column/attribute).
pub(crate) trait Fields {
    fn field(&self, name: &str) -> Option<Value>;
}

/// `2024-05-01 10:00:00` (or ISO-8601, which MySQL also reads) as Unix milliseconds.
fn as_time(s: &str) -> Option<i64> {
    let s = s.trim();
    (s.len() >= 10 && s.as_bytes().get(4) == Some(&b'-'))
        .then(|| crate::common::parse_iso8601(s))
        .flatten()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(items.iter().filter_map(text).collect::<Vec<_>>().join(",")),
        other => Some(other.to_string()),
    }
}

/// MySQL's comparison of a column with a string: numbers and dates by value, text
/// case-insensitively (the default collation).
fn compare(column: &str, value: &str) -> Ordering {
    if let (Ok(a), Ok(b)) = (column.trim().parse::<f64>(), value.trim().parse::<f64>()) {
        return a.partial_cmp(&b).unwrap_or(Ordering::Equal);
    }
    if let (Some(a), Some(b)) = (as_time(column), as_time(value)) {
        return a.cmp(&b);
    }
    column.to_lowercase().cmp(&value.to_lowercase())
}

/// SQL `LIKE` (`%`, `_`), case-insensitive.
fn like(text: &str, pattern: &str) -> bool {
    fn go(t: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(&t[i..], rest)),
            Some(('_', rest)) => !t.is_empty() && go(&t[1..], rest),
            Some((c, rest)) => t.first() == Some(c) && go(&t[1..], rest),
        }
    }
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    go(&t, &p)
}

fn matches(column: Option<String>, f: &Filter) -> bool {
    let value = f.value.clone().unwrap_or_default();
    let list = || value.split(',').map(str::trim).map(str::to_string);
    let cmp = |col: &Option<String>| col.as_deref().map(|c| compare(c, &value));
    match f.condition.as_deref().unwrap_or("eq") {
        "neq" => cmp(&column).is_some_and(|o| o != Ordering::Equal),
        "gt" => cmp(&column) == Some(Ordering::Greater),
        "gteq" | "from" | "moreq" => cmp(&column).is_some_and(|o| o != Ordering::Less),
        "lt" => cmp(&column) == Some(Ordering::Less),
        "lteq" | "to" => cmp(&column).is_some_and(|o| o != Ordering::Greater),
        "like" => column.is_some_and(|c| like(&c, &value)),
        "nlike" => column.is_some_and(|c| !like(&c, &value)),
        "in" => column.is_some_and(|c| list().any(|v| compare(&c, &v) == Ordering::Equal)),
        "nin" => column.is_some_and(|c| !list().any(|v| compare(&c, &v) == Ordering::Equal)),
        "null" => column.is_none(),
        "notnull" => column.is_some(),
        "finset" => column.is_some_and(|c| c.split(',').any(|part| part.trim() == value.trim())),
        "nfinset" => column.is_some_and(|c| !c.split(',').any(|part| part.trim() == value.trim())),
        _ => cmp(&column) == Some(Ordering::Equal),
    }
}

/// Most items per page while input limiting is on (`webapi/validation/maximum_page_size`).
pub(crate) const MAX_PAGE_SIZE: i64 = 300;
/// Page size when none is asked for while input limiting is on.
pub(crate) const DEFAULT_PAGE_SIZE: i64 = 20;

/// Filters, sorts and pages `all` as a repository's `getList()` does, answering
/// `{items, search_criteria, total_count}`. `unknown` is the error for a field the entity
/// does not have.
pub(crate) fn search<T: Fields>(
    criteria: &SearchCriteria,
    mut all: Vec<T>,
    to_json: impl Fn(&T) -> Value,
    unknown: impl Fn(&str) -> ApiError,
    input_limits: bool,
) -> Result<Value, ApiError> {
    if let Some(first) = all.first()
        && let Some(bad) = criteria.fields().find(|f| first.field(f).is_none())
    {
        return Err(unknown(bad));
    }
    if input_limits && criteria.page_size.unwrap_or(0) > MAX_PAGE_SIZE {
        return Err(ApiError::bad_request_with(
            "Maximum SearchCriteria pageSize is %max",
            json!({"max": MAX_PAGE_SIZE}),
        ));
    }
    all.retain(|item| {
        criteria.groups.iter().all(|group| {
            group.is_empty()
                || group
                    .iter()
                    .any(|f| matches(item.field(&f.field).as_ref().and_then(text), f))
        })
    });
    for (field, ascending, _) in criteria.sort.iter().rev() {
        all.sort_by(|a, b| {
            let (x, y) = (
                a.field(field).as_ref().and_then(text),
                b.field(field).as_ref().and_then(text),
            );
            let o = match (x, y) {
                (Some(x), Some(y)) => compare(&x, &y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            };
            if *ascending { o } else { o.reverse() }
        });
    }
    let total = all.len();
    let page_size = match criteria.page_size {
        Some(n) if n > 0 => Some(n as usize),
        Some(_) => None,
        None => input_limits.then_some(DEFAULT_PAGE_SIZE as usize),
    };
    let items: Vec<Value> = match page_size {
        None => all.iter().map(&to_json).collect(),
        Some(size) => {
            // Collection::getCurPage(): below 1 is 1, past the last page is the last page.
            let last = total.div_ceil(size).max(1);
            let asked = criteria.current_page.unwrap_or(1).max(1) as usize;
            let page = asked.min(last);
            all.iter()
                .skip((page - 1) * size)
                .take(size)
                .map(&to_json)
                .collect()
        }
    };
    Ok(json!({"items": items, "search_criteria": criteria.echo(), "total_count": total}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_brackets_nest() {
        let q = parse_query(
            "searchCriteria[filter_groups][0][filters][0][field]=sku&searchCriteria[pageSize]=5&x[]=a&x[]=b",
        );
        assert_eq!(
            Value::Object(q),
            json!({
                "searchCriteria": {"filter_groups": {"0": {"filters": {"0": {"field": "sku"}}}}, "pageSize": "5"},
                "x": {"0": "a", "1": "b"},
            })
        );
    }

    #[test]
    fn like_and_compare_follow_mysql() {
        assert!(like("TEE-S", "tee%"));
        assert!(!like("TOTE", "tee%"));
        assert_eq!(
            compare("2024-05-01 10:00:00", "2024-05-01T09:00:00Z"),
            Ordering::Greater
        );
        assert_eq!(compare("10", "9"), Ordering::Greater);
        assert_eq!(compare("Abc", "abc"), Ordering::Equal);
    }

    #[test]
    fn names_convert() {
        assert_eq!(snake("filterGroups"), "filter_groups");
        assert_eq!(upper_camel("condition_typo"), "ConditionTypo");
    }
}
