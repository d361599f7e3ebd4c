//! Rows kept as JSON of our own types with a format `version` beside the fields: one encoder
//! and one decoder, so a row from a newer release is refused the same way everywhere.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct Writing<'a, T> {
    version: u32,
    #[serde(flatten)]
    value: &'a T,
}

#[derive(Deserialize)]
struct Reading<T> {
    version: u32,
    #[serde(flatten)]
    value: T,
}

/// `value` as JSON stamped with `version`.
pub(super) fn encode<T: Serialize>(version: u32, value: &T) -> String {
    serde_json::to_string(&Writing { version, value }).unwrap_or_default()
}

/// A row written by [`encode`]; one stamped above `current` is refused naming `what`
/// ("the stored return request").
pub(super) fn decode<T: DeserializeOwned>(
    json: &str,
    current: u32,
    what: &str,
) -> rusqlite::Result<T> {
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e)
    };
    let stored: Reading<T> = serde_json::from_str(json).map_err(|e| fail(Box::new(e)))?;
    if stored.version > current {
        return Err(fail(
            format!(
                "{what} was written by a newer feedbridge (format version {}; this release reads up to {current})",
                stored.version
            )
            .into(),
        ));
    }
    Ok(stored.value)
}
