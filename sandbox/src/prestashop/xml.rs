//! PrestaShop's two output formats and its XML input, over one entity shape: a JSON object
//! whose scalars are strings, whose multilingual fields are `[{"id": "1", "value": "..."}]`
//! and whose `associations` map an association name to rows (objects of strings).

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Value};

use super::schema::Resource;

pub(crate) type Entity = Map<String, Value>;

/// A parsed XML element.
#[derive(Debug, Default)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) children: Vec<Node>,
    pub(crate) text: String,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a document into its root element; `Err` carries the parser's words.
pub(crate) fn parse(text: &str) -> Result<Node, String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Node> = vec![Node::default()];
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let mut node = Node {
                    name: e.local_name().into_inner().to_owned(),
                    ..Node::default()
                };
                for a in e.attributes().flatten() {
                    let value = unescape(&a.value);
                    node.attrs
                        .push((a.key.local_name().into_inner().to_owned(), value));
                }
                stack.push(node);
            }
            Ok(Event::Empty(e)) => {
                let mut node = Node {
                    name: e.local_name().into_inner().to_owned(),
                    ..Node::default()
                };
                for a in e.attributes().flatten() {
                    let value = unescape(&a.value);
                    node.attrs
                        .push((a.key.local_name().into_inner().to_owned(), value));
                }
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(node);
                }
            }
            Ok(Event::End(_)) => {
                let node = stack.pop().ok_or("unbalanced end tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Err("unbalanced end tag".into()),
                }
            }
            Ok(Event::Text(t)) => {
                if let Some(node) = stack.last_mut() {
                    let raw = (*t).to_owned();
                    node.text.push_str(&unescape(&raw));
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(node) = stack.last_mut() {
                    let name = (*r).to_owned();
                    node.text.push_str(&unescape(&format!("&{name};")));
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&t);
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    if stack.len() != 1 {
        return Err("premature end of data".into());
    }
    let mut top = stack.pop().unwrap_or_default();
    match top.children.len() {
        1 => Ok(top.children.remove(0)),
        0 => Err("Start tag expected, '<' not found".into()),
        _ => Err("Extra content at the end of the document".into()),
    }
}

fn unescape(raw: &str) -> String {
    raw.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// An element read into the entity shape: leaves are strings, `<language id>` children are
/// a multilingual field, `<associations>` holds rows.
pub(crate) fn entity_of(node: &Node) -> Entity {
    let mut out = Map::new();
    for child in &node.children {
        if child.name == "associations" {
            let mut assoc = Map::new();
            for list in &child.children {
                let rows: Vec<Value> = list
                    .children
                    .iter()
                    .map(|row| {
                        Value::Object(
                            row.children
                                .iter()
                                .map(|f| (f.name.clone(), Value::String(f.text.trim().to_owned())))
                                .collect(),
                        )
                    })
                    .collect();
                assoc.insert(list.name.clone(), Value::Array(rows));
            }
            out.insert("associations".into(), Value::Object(assoc));
        } else if !child.children.is_empty() && child.children.iter().all(|c| c.name == "language")
        {
            let langs: Vec<Value> = child
                .children
                .iter()
                .map(|l| serde_json::json!({"id": l.attr("id").unwrap_or("1"), "value": l.text}))
                .collect();
            out.insert(child.name.clone(), Value::Array(langs));
        } else {
            out.insert(child.name.clone(), Value::String(child.text.clone()));
        }
    }
    out
}

fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

fn escape_attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

pub(crate) const HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
pub(crate) const OPEN: &str = "<prestashop xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n";

/// One entity as `<product>...</product>`, the fields in the resource's order; `only` limits
/// the fields (`display=[a,b]`).
pub(crate) fn entity_xml(
    resource: &Resource,
    entity: &Entity,
    only: Option<&[String]>,
    api: &str,
) -> String {
    let mut out = format!("<{}>\n", resource.singular);
    let shown = |name: &str| only.is_none_or(|o| o.iter().any(|f| f == name));
    for field in resource.fields {
        if !shown(field.name) {
            continue;
        }
        match entity.get(field.name) {
            Some(Value::Array(langs)) => {
                out.push_str(&format!("\t<{}>", field.name));
                for l in langs {
                    let id = l["id"].as_str().unwrap_or("1");
                    out.push_str(&format!(
                        "<language id=\"{id}\" xlink:href=\"{api}/languages/{id}\">{}</language>",
                        cdata(l["value"].as_str().unwrap_or_default())
                    ));
                }
                out.push_str(&format!("</{}>\n", field.name));
            }
            Some(Value::String(s)) => match field.link {
                Some(target) if !s.is_empty() && s != "0" => out.push_str(&format!(
                    "\t<{0} xlink:href=\"{api}/{target}/{1}\">{2}</{0}>\n",
                    field.name,
                    escape_attr(s),
                    cdata(s)
                )),
                _ => out.push_str(&format!("\t<{0}>{1}</{0}>\n", field.name, cdata(s))),
            },
            _ => out.push_str(&format!("\t<{0}></{0}>\n", field.name)),
        }
    }
    if !resource.associations.is_empty() && shown("associations") {
        out.push_str("<associations>\n");
        let assoc = entity.get("associations").and_then(Value::as_object);
        for a in resource.associations {
            let kind = if a.api.is_empty() {
                "virtualEntity=\"true\"".to_owned()
            } else {
                format!("api=\"{}\"", a.api)
            };
            out.push_str(&format!("<{} nodeType=\"{}\" {kind}>\n", a.name, a.node));
            for row in assoc
                .and_then(|m| m.get(a.name))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let href = match (a.api.is_empty(), row.get("id").and_then(Value::as_str)) {
                    (false, Some(id)) => format!(" xlink:href=\"{api}/{}/{id}\"", a.api),
                    _ => String::new(),
                };
                out.push_str(&format!("\t<{}{href}>\n", a.node));
                for (k, v) in row.as_object().into_iter().flatten() {
                    out.push_str(&format!(
                        "\t<{k}>{}</{k}>\n",
                        cdata(v.as_str().unwrap_or_default())
                    ));
                }
                out.push_str(&format!("\t</{}>\n", a.node));
            }
            out.push_str(&format!("</{}>\n", a.name));
        }
        out.push_str("</associations>\n");
    }
    out.push_str(&format!("</{}>\n", resource.singular));
    out
}

/// One entity in PrestaShop's JSON: `id` a number, every other scalar a string.
pub(crate) fn entity_json(resource: &Resource, entity: &Entity, only: Option<&[String]>) -> Value {
    let mut out = Map::new();
    let shown = |name: &str| only.is_none_or(|o| o.iter().any(|f| f == name));
    for field in resource.fields {
        if !shown(field.name) {
            continue;
        }
        let value = entity
            .get(field.name)
            .cloned()
            .unwrap_or(Value::String(String::new()));
        let value = match (field.name, &value) {
            ("id", Value::String(s)) => s.parse::<u64>().map_or(value.clone(), Value::from),
            _ => value,
        };
        out.insert(field.name.to_owned(), value);
    }
    if !resource.associations.is_empty() && shown("associations") {
        let assoc = entity
            .get("associations")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let kept: Map<String, Value> = assoc
            .into_iter()
            .filter(|(_, rows)| rows.as_array().is_some_and(|r| !r.is_empty()))
            .collect();
        if !kept.is_empty() {
            out.insert("associations".into(), Value::Object(kept));
        }
    }
    Value::Object(out)
}

/// The error document: `<prestashop><errors><error><code/><message/></error></errors>`.
pub(crate) fn errors_xml(errors: &[(u32, String)]) -> String {
    let mut out = format!("{HEADER}{OPEN}<errors>\n");
    for (code, message) in errors {
        out.push_str(&format!(
            "<error>\n<code>{}</code>\n<message>{}</message>\n</error>\n",
            cdata(&code.to_string()),
            cdata(message)
        ));
    }
    out.push_str("</errors>\n</prestashop>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_document_reads_into_the_entity_shape() {
        let node = parse(
            "<?xml version=\"1.0\"?><prestashop xmlns:xlink=\"http://www.w3.org/1999/xlink\"><cart><id_currency><![CDATA[1]]></id_currency>\
             <name><language id=\"1\">Tee &amp; co</language></name>\
             <associations><cart_rows><cart_row><id_product>3</id_product><quantity>2</quantity></cart_row></cart_rows></associations>\
             </cart></prestashop>",
        )
        .unwrap();
        assert_eq!(node.name, "prestashop");
        let entity = entity_of(&node.children[0]);
        assert_eq!(entity["id_currency"], "1");
        assert_eq!(entity["name"][0]["value"], "Tee & co");
        assert_eq!(entity["associations"]["cart_rows"][0]["quantity"], "2");
        assert!(parse("<prestashop><cart>").is_err());
        assert!(parse("not xml").is_err());
    }
}
