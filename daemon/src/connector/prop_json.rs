//! Proptest strategies for outside JSON: arbitrary values whose object keys are mostly drawn
//! from a platform's field names (so decoders meet their own fields in every type and shape),
//! scalars chosen to break tolerant number and amount parsers, and mutations of valid samples.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value};

/// The settings every parser property uses: proptest's 256 cases (`PROPTEST_CASES` raises it
/// for a longer search), and no failure files written into the repository.
pub fn config() -> Config {
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

/// Strings that tolerant id, timestamp and amount parsers see from real and broken platforms.
const AWKWARD_STRINGS: &[&str] = &[
    "",
    " ",
    "0",
    "-1",
    "12.99",
    " 12.99 ",
    "1e3",
    "1e999999999",
    "-1e-999999999",
    "79228162514264337593543950336",
    "99999999999999999999999999999999",
    "9223372036854775808",
    "-9223372036854775809",
    "NaN",
    "inf",
    "0x10",
    "١٢",
    "null",
    "true",
    "gid://shopify/Order/1",
    "gid://shopify/Order/",
    "794/795",
    "/",
    "2026-11-21T18:00:00Z",
    "not-a-date",
    "é",
    "\u{0}",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(AWKWARD_STRINGS).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ]
}

/// Any JSON value, objects keyed mostly by `keys`.
pub fn json(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        4 => prop::sample::select(keys).prop_map(str::to_owned),
        1 => "[a-z_]{1,8}",
    ];
    scalar().prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Every JSON pointer inside `value` (the root included).
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// A valid sample with one place changed: replaced by any value, removed, or nulled.
pub fn mutated(sample: Value, keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let mut places = Vec::new();
    pointers(&sample, String::new(), &mut places);
    (prop::sample::select(places), json(keys), 0..3u8).prop_map(move |(place, replacement, how)| {
        let mut value = sample.clone();
        match how {
            0 => {
                if let Some(slot) = value.pointer_mut(&place) {
                    *slot = replacement;
                }
            }
            1 => remove(&mut value, &place),
            _ => {
                if let Some(slot) = value.pointer_mut(&place) {
                    *slot = Value::Null;
                }
            }
        }
        value
    })
}

fn remove(value: &mut Value, place: &str) {
    let Some((parent, last)) = place.rsplit_once('/') else {
        return;
    };
    let last = last.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&last);
        }
        Some(Value::Array(items)) => {
            if let Ok(index) = last.parse::<usize>()
                && index < items.len()
            {
                items.remove(index);
            }
        }
        _ => {}
    }
}

/// A valid sample, arbitrary JSON, or a mutation of the sample.
pub fn around(sample: Value, keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(sample.clone()),
        3 => json(keys),
        6 => mutated(sample, keys),
    ]
}

/// A secret as a platform might echo it: long enough to be redacted, never containing `*`.
pub fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_]{8,24}"
}

/// One change to a signed body: a flipped bit, a cut, or an added byte. `None` when the body
/// is too short for the change asked for.
pub fn tampered_body(body: &[u8], how: u8, at: usize, byte: u8) -> Option<Vec<u8>> {
    let mut out = body.to_vec();
    match how % 3 {
        0 => {
            let index = at.checked_rem(out.len())?;
            out[index] ^= 1 << (byte % 8);
        }
        1 => {
            let keep = at.checked_rem(out.len())?;
            out.truncate(keep);
        }
        _ => out.insert(at % (out.len() + 1), byte),
    }
    Some(out)
}

/// One change to a signature text over `alphabet`: a character replaced by a different one, the
/// end cut, a character added, or emptied. Never only whitespace around the original.
pub fn tampered_signature(
    signature: &str,
    alphabet: &str,
    how: u8,
    at: usize,
    pick: usize,
) -> String {
    let chars: Vec<char> = signature.chars().collect();
    let symbols: Vec<char> = alphabet.chars().collect();
    let mut out = chars.clone();
    match how % 4 {
        0 if !chars.is_empty() => {
            let index = at % chars.len();
            let others: Vec<char> = symbols
                .iter()
                .copied()
                .filter(|c| *c != chars[index])
                .collect();
            out[index] = others[pick % others.len()];
        }
        1 if !chars.is_empty() => out.truncate(at % chars.len()),
        2 => out.insert(at % (chars.len() + 1), symbols[pick % symbols.len()]),
        _ => out.clear(),
    }
    out.into_iter().collect()
}
