//! PrestaShop's JSON as read (strings everywhere, `[]` for an empty list, multilingual fields
//! as `[{"id","value"}]`), the XML documents written, and its local dates.

use super::PLATFORM;
use crate::connector::{ConnectorError, ConnectorResult};
use feedbridge_common::timestamps;
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;
use std::time::SystemTime;

/// The delivery address alias of our orders: "TikTok {order id}" (alias: 32 characters).
pub const ALIAS_PREFIX: &str = "TikTok ";
/// The private message of our orders starts with this, then the TikTok order id.
pub const MESSAGE_PREFIX: &str = "TikTok Shop order ";

fn shape(what: &str, expected: &str, got: &Value) -> ConnectorError {
    let mut seen = got.to_string();
    seen.truncate(200);
    ConnectorError::Rejected {
        reason: format!(
            "{} answered {what} in an unexpected shape ({expected}); check that api_base points at the shop and that no module rewrites webservice answers, else this needs a feedbridge update",
            PLATFORM.name()
        ),
        raw: seen,
    }
}

/// A scalar as text: PrestaShop sends strings, `id` as a number, `null` for nothing.
pub(super) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        Value::Array(langs) => langs.first().map(|l| text(&l["value"])).unwrap_or_default(),
        _ => String::new(),
    }
}

/// A multilingual value in language `lang` (the shop's default), else its first language; a
/// plain scalar as [`text`] reads it.
pub(super) fn text_in(v: &Value, lang: u64) -> String {
    match v {
        Value::Array(langs) => langs
            .iter()
            .find(|l| text(&l["id"]).trim().parse::<u64>().ok() == Some(lang))
            .or_else(|| langs.first())
            .map(|l| text(&l["value"]))
            .unwrap_or_default(),
        other => text(other),
    }
}

pub(super) fn field(e: &Value, name: &str) -> String {
    text(&e[name])
}

pub(super) fn id_field(e: &Value, name: &str) -> u64 {
    field(e, name).trim().parse().unwrap_or(0)
}

/// A required field: the error names the resource and the field.
pub(super) fn need(e: &Value, resource: &str, name: &str) -> ConnectorResult<String> {
    match e.get(name) {
        Some(v @ (Value::String(_) | Value::Number(_) | Value::Array(_))) => Ok(text(v)),
        _ => Err(shape(
            &format!("a {resource} entry"),
            &format!("no \"{name}\" field"),
            e,
        )),
    }
}

pub(super) fn need_id(e: &Value, resource: &str) -> ConnectorResult<u64> {
    let id = need(e, resource, "id")?;
    id.trim()
        .parse()
        .map_err(|_| shape(&format!("a {resource} entry"), "\"id\" is not a number", e))
}

pub(super) fn decimal(e: &Value, resource: &str, name: &str) -> ConnectorResult<Decimal> {
    let t = need(e, resource, name)?;
    let t = t.trim();
    if t.is_empty() {
        return Ok(Decimal::ZERO);
    }
    Decimal::from_str(t).map_err(|_| {
        shape(
            &format!("a {resource} entry"),
            &format!("\"{name}\" is \"{t}\", not a number"),
            e,
        )
    })
}

/// Rows of an association (`associations.combinations`), empty when absent.
pub(super) fn rows<'a>(e: &'a Value, association: &str) -> &'a [Value] {
    e["associations"][association]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

/// `{resource: [...]}`, or `[]` (an empty list).
pub(super) fn list_of(resource: &str, v: Value) -> ConnectorResult<Vec<Value>> {
    match v {
        Value::Array(a) if a.is_empty() => Ok(Vec::new()),
        Value::Object(mut m) => match m.remove(resource) {
            Some(Value::Array(items)) => Ok(items),
            _ => Err(shape(
                &format!("the {resource} list"),
                &format!("expected {{\"{resource}\": [...]}}"),
                &Value::Object(m),
            )),
        },
        other => Err(shape(
            &format!("the {resource} list"),
            &format!("expected {{\"{resource}\": [...]}}"),
            &other,
        )),
    }
}

/// `{singular: {...}}`.
pub(super) fn entity_of(singular: &str, v: Value) -> ConnectorResult<Value> {
    match v {
        Value::Object(mut m) => match m.remove(singular) {
            Some(e @ Value::Object(_)) => Ok(e),
            _ => Err(shape(
                &format!("a {singular}"),
                &format!("expected {{\"{singular}\": {{...}}}}"),
                &Value::Object(m),
            )),
        },
        other => Err(shape(
            &format!("a {singular}"),
            &format!("expected {{\"{singular}\": {{...}}}}"),
            &other,
        )),
    }
}

fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

/// An XML document `<prestashop><{singular}>{fields}{associations}</{singular}></prestashop>`.
pub(super) fn document(singular: &str, fields: &[(&str, String)], associations: &str) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<prestashop xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n<{singular}>\n"
    );
    for (k, v) in fields {
        out.push_str(&format!("<{k}>{}</{k}>\n", cdata(v)));
    }
    out.push_str(associations);
    out.push_str(&format!("</{singular}>\n</prestashop>\n"));
    out
}

/// The fields of an entity as read, to send back whole in a PUT (multilingual fields and
/// associations left out: PrestaShop keeps what a PUT does not name of those).
pub(super) fn fields_of(e: &Value) -> Vec<(String, String)> {
    e.as_object()
        .into_iter()
        .flatten()
        .filter(|(_, v)| !v.is_array() && !v.is_object())
        .map(|(k, v)| (k.clone(), text(v)))
        .collect()
}

/// `2024-05-01 10:00:00` (the shop's local time, read as UTC) → ISO-8601.
pub(super) fn iso(ps_date: &str) -> String {
    let t = ps_date.trim();
    if t.is_empty() || t.starts_with("0000") {
        return String::new();
    }
    format!("{}Z", t.replacen(' ', "T", 1))
}

/// A time as PrestaShop writes it: `2024-05-01 10:00:00`.
pub(super) fn ps_text(time: SystemTime) -> String {
    let text = timestamps::rfc3339_seconds(time);
    text.trim_end_matches('Z').replacen('T', " ", 1)
}

pub(super) fn parse_iso(iso: &str) -> Option<SystemTime> {
    timestamps::parse_rfc3339(iso)
}

/// An order state, as `/api/order_states` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct OrderState {
    pub id: u64,
    pub name: String,
    pub template: String,
    pub paid: bool,
    pub shipped: bool,
    pub delivery: bool,
    pub logable: bool,
}

impl OrderState {
    pub(super) fn read(e: &Value) -> ConnectorResult<Self> {
        let flag = |k: &str| field(e, k) == "1";
        Ok(Self {
            id: need_id(e, "order state")?,
            name: field(e, "name"),
            template: field(e, "template"),
            paid: flag("paid"),
            shipped: flag("shipped"),
            delivery: flag("delivery"),
            logable: flag("logable"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_read_prestashop_json_and_name_a_wrong_shape() {
        assert!(list_of("orders", json!([])).unwrap().is_empty());
        assert_eq!(
            list_of("orders", json!({"orders": [{"id": 1}]}))
                .unwrap()
                .len(),
            1
        );
        let e = list_of("orders", json!({"order": {}})).unwrap_err();
        assert!(
            e.to_string().contains("PrestaShop") && e.to_string().contains("orders"),
            "{e}"
        );
        let e = need(&json!({"id": 1}), "product", "price").unwrap_err();
        assert!(e.to_string().contains("\"price\""), "{e}");
        assert_eq!(text(&json!([{"id": "1", "value": "Tee"}])), "Tee");
        assert_eq!(text(&json!(7)), "7");
        let names = json!([{"id": "1", "value": "Material"}, {"id": "2", "value": "Matière"}]);
        assert_eq!(text_in(&names, 2), "Matière");
        assert_eq!(text_in(&names, 5), "Material");
        assert_eq!(text_in(&json!("Tee"), 2), "Tee");
    }

    #[test]
    fn documents_are_cdata_and_dates_are_local_text() {
        let doc = document("order_history", &[("id_order", "5".into())], "");
        assert!(doc.contains("<order_history>\n<id_order><![CDATA[5]]></id_order>"));
        assert_eq!(iso("2024-05-01 10:00:00"), "2024-05-01T10:00:00Z");
        assert_eq!(iso("0000-00-00 00:00:00"), "");
        let t = parse_iso("2024-05-01T10:00:00Z").unwrap();
        assert_eq!(ps_text(t), "2024-05-01 10:00:00");
    }
}
