//! Shopify search syntax for `query:` arguments: `field:value`, `field:'quoted value'`,
//! comparators (`updated_at:>'2026-11-01T00:00:00Z'`, `>=`, `<`, `<=`), negation (`-field:x`,
//! `NOT field:x`), implicit AND, `OR`, prefix wildcards (`sku:TEE*`) and bare words. As on
//! Shopify, terms on fields a resource does not know are ignored.

use crate::common::parse_iso8601;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmp {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug)]
struct Term {
    negate: bool,
    field: Option<String>,
    cmp: Cmp,
    value: String,
}

/// A parsed query: OR of AND-clauses.
#[derive(Debug, Default)]
pub(crate) struct Query {
    clauses: Vec<Vec<Term>>,
}

/// What a resource exposes to a search field.
pub(crate) enum FieldValue {
    /// Exact-match text values (case-insensitive), e.g. tags, skus, statuses.
    Exact(Vec<String>),
    /// Substring-match text, e.g. titles.
    Text(Vec<String>),
    /// Unix milliseconds.
    Time(i64),
    Number(i64),
    Bool(bool),
}

fn tokenize(q: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in q.chars() {
        match quote {
            Some(qc) if c == qc => {
                quote = None;
                cur.push(c);
            }
            Some(_) => cur.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                cur.push(c);
            }
            None if c.is_whitespace() => {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
            }
            None => cur.push(c),
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    tokens
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    for q in ['\'', '"'] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    t.to_string()
}

impl Query {
    pub(crate) fn parse(q: &str) -> Self {
        let mut clauses = vec![Vec::new()];
        let mut negate_next = false;
        for tok in tokenize(q) {
            match tok.as_str() {
                "OR" => {
                    clauses.push(Vec::new());
                    continue;
                }
                "AND" => continue,
                "NOT" => {
                    negate_next = true;
                    continue;
                }
                _ => {}
            }
            let mut t = tok.as_str();
            let mut negate = std::mem::take(&mut negate_next);
            if let Some(rest) = t.strip_prefix('-') {
                negate = !negate;
                t = rest;
            }
            let term = match t.split_once(':') {
                Some((field, raw)) if !field.is_empty() && !field.starts_with(['\'', '"']) => {
                    let (cmp, value) = if let Some(v) = raw.strip_prefix(">=") {
                        (Cmp::Ge, v)
                    } else if let Some(v) = raw.strip_prefix("<=") {
                        (Cmp::Le, v)
                    } else if let Some(v) = raw.strip_prefix('>') {
                        (Cmp::Gt, v)
                    } else if let Some(v) = raw.strip_prefix('<') {
                        (Cmp::Lt, v)
                    } else {
                        (Cmp::Eq, raw)
                    };
                    Term {
                        negate,
                        field: Some(field.to_lowercase()),
                        cmp,
                        value: unquote(value),
                    }
                }
                _ => Term {
                    negate,
                    field: None,
                    cmp: Cmp::Eq,
                    value: unquote(t),
                },
            };
            if let Some(last) = clauses.last_mut() {
                last.push(term);
            }
        }
        clauses.retain(|c| !c.is_empty());
        Query { clauses }
    }

    /// The value every match must have exactly in `field` (any case), when the query requires
    /// one: a single AND-clause with a plain `field:value` term (no negation, list or wildcard).
    /// Callers with an index on `field` read only the resources it lists, then apply
    /// [`Query::matches`] as usual.
    pub(crate) fn required_exact(&self, field: &str) -> Option<&str> {
        let [clause] = self.clauses.as_slice() else {
            return None;
        };
        clause.iter().find_map(|t| {
            let value = t.value.trim();
            (!t.negate
                && t.cmp == Cmp::Eq
                && t.field.as_deref() == Some(field)
                && !value.contains(',')
                && !value.ends_with('*'))
            .then_some(value)
        })
    }

    /// Whether a resource matches. `lookup(Some(field))` gives a field's value (None = unknown
    /// field, term ignored); `lookup(None)` gives the default text for bare words.
    pub(crate) fn matches(&self, lookup: impl Fn(Option<&str>) -> Option<FieldValue>) -> bool {
        if self.clauses.is_empty() {
            return true;
        }
        self.clauses.iter().any(|clause| {
            clause.iter().all(|term| {
                let Some(value) = lookup(term.field.as_deref()) else {
                    return true;
                };
                term_matches(term, &value) != term.negate
            })
        })
    }
}

fn text_eq(candidate: &str, wanted: &str) -> bool {
    let c = candidate.to_lowercase();
    let w = wanted.to_lowercase();
    match w.strip_suffix('*') {
        Some(prefix) => c.starts_with(prefix),
        None => c == w,
    }
}

fn compare<T: PartialOrd>(a: T, cmp: Cmp, b: T) -> bool {
    match cmp {
        Cmp::Eq => a == b,
        Cmp::Gt => a > b,
        Cmp::Ge => a >= b,
        Cmp::Lt => a < b,
        Cmp::Le => a <= b,
    }
}

fn term_matches(term: &Term, value: &FieldValue) -> bool {
    match value {
        FieldValue::Exact(values) => {
            let wanted: Vec<&str> = term.value.split(',').map(str::trim).collect();
            values.iter().any(|v| wanted.iter().any(|w| text_eq(v, w)))
        }
        FieldValue::Text(values) => {
            let w = term.value.to_lowercase();
            let w = w.trim_end_matches('*');
            values.iter().any(|v| v.to_lowercase().contains(w))
        }
        FieldValue::Time(ms) => match parse_iso8601(&term.value) {
            Some(t) if term.cmp == Cmp::Eq && term.value.len() == 10 => {
                *ms >= t && *ms < t + 86_400_000
            }
            Some(t) => compare(*ms, term.cmp, t),
            None => false,
        },
        FieldValue::Number(n) => term
            .value
            .parse::<i64>()
            .is_ok_and(|x| compare(*n, term.cmp, x)),
        FieldValue::Bool(b) => term.value.parse::<bool>().is_ok_and(|x| x == *b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(field: Option<&str>) -> Option<FieldValue> {
        match field {
            None => Some(FieldValue::Text(vec!["Classic Cotton Tee".into()])),
            Some("tag") => Some(FieldValue::Exact(vec![
                "TikTokShop".into(),
                "tiktok-order-1".into(),
            ])),
            Some("updated_at") => parse_iso8601("2026-11-02T00:00:00Z").map(FieldValue::Time),
            Some("sku") => Some(FieldValue::Exact(vec!["TEE-S".into()])),
            _ => None,
        }
    }

    #[test]
    fn parses_shopify_search_syntax() {
        assert!(Query::parse("tag:'tiktok-order-1'").matches(lookup));
        assert!(Query::parse("tag:tiktokshop").matches(lookup));
        assert!(!Query::parse("tag:other").matches(lookup));
        assert!(Query::parse("updated_at:>'2026-11-01T00:00:00Z'").matches(lookup));
        assert!(!Query::parse("updated_at:>'2026-11-03T00:00:00Z'").matches(lookup));
        assert!(Query::parse("sku:TEE*").matches(lookup));
        assert!(!Query::parse("-sku:TEE-S").matches(lookup));
        assert!(Query::parse("sku:NOPE OR tag:TikTokShop").matches(lookup));
        assert!(Query::parse("unknown_field:x cotton").matches(lookup));
        assert!(!Query::parse("linen").matches(lookup));
    }

    #[test]
    fn a_required_exact_value_is_only_given_when_every_match_must_have_it() {
        assert_eq!(
            Query::parse("tag:'tiktok-order-1'").required_exact("tag"),
            Some("tiktok-order-1")
        );
        assert_eq!(
            Query::parse("updated_at:>'2026-11-01' tag:TikTok").required_exact("tag"),
            Some("TikTok")
        );
        for loose in [
            "tag:a OR tag:b",
            "-tag:a",
            "tag:a,b",
            "tag:tik*",
            "sku:a",
            "",
        ] {
            assert_eq!(Query::parse(loose).required_exact("tag"), None, "{loose}");
        }
    }
}
