//! The line of a TOML file a dotted key path (`organization[0].store.platform`) is written on,
//! so config errors can say "file:line".

use toml::de::{DeTable, DeValue};

/// 1-based line of `key` in `text`, or of the deepest part of it that exists there (a missing
/// field is reported at its table). `None` when the text does not parse or the key is absent.
pub(crate) fn line_of(text: &str, key: &str) -> Option<usize> {
    let root = DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut offset = None;
    for segment in segments(key) {
        let (name, indices) = segment;
        let Some((found_key, value)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == name)
        else {
            break;
        };
        offset = Some(found_key.span().start);
        let mut value = value;
        for index in indices {
            let DeValue::Array(items) = value.get_ref() else {
                break;
            };
            let Some(item) = items.get(index) else {
                break;
            };
            offset = Some(item.span().start);
            value = item;
        }
        match value.get_ref() {
            DeValue::Table(inner) => table = inner,
            _ => break,
        }
    }
    offset.map(|offset| line_at(text, offset))
}

pub(crate) fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

/// `organization[0].store` → `[("organization", [0]), ("store", [])]`.
fn segments(key: &str) -> impl Iterator<Item = (&str, Vec<usize>)> {
    key.split('.').filter(|s| !s.is_empty()).map(|segment| {
        let name_end = segment.find('[').unwrap_or(segment.len());
        let indices = segment[name_end..]
            .split(['[', ']'])
            .filter_map(|index| index.parse().ok())
            .collect();
        (&segment[..name_end], indices)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
[daemon]
log_level = \"info\"

[[organization]]
name = \"a\"

[[organization]]
name = \"b\"

[organization.store]
platform = \"shopify\"
";

    #[test]
    fn keys_are_found_on_their_lines_through_arrays_of_tables() {
        assert_eq!(line_of(TEXT, "daemon.log_level"), Some(2));
        assert_eq!(line_of(TEXT, "organization[1].name"), Some(8));
        assert_eq!(line_of(TEXT, "organization[1].store.platform"), Some(11));
        // A missing key is reported where its table is.
        assert_eq!(line_of(TEXT, "organization[1].store.shop_domain"), Some(10));
        assert_eq!(line_of(TEXT, "tiktok_app.app_key"), None);
        assert_eq!(line_of("[broken", "daemon"), None);
    }
}
