//! TikTok attribute values the merchant set: per listing, per (shop, category) default, and
//! shop rules taking an attribute from a store field (option, tags, vendor, custom field).
//!
//! Versions of `value`: 1 = [`AttributeValue`] with `"version": 1`. A row from a newer release
//! is refused with a clear error, never guessed at.

use feedbridge_common::attributes::{AttributeRule, AttributeValue, RuleSource};
use rusqlite::{Connection, params};

const CURRENT: u32 = 1;

fn decode(json: &str) -> rusqlite::Result<AttributeValue> {
    super::versioned::decode(json, CURRENT, "a stored attribute value")
}

fn encode(value: &AttributeValue) -> String {
    super::versioned::encode(CURRENT, value)
}

fn collect(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<AttributeValue>> {
    let rows = stmt.query_map(params, |r| r.get::<_, String>(0))?;
    let mut values = Vec::new();
    for json in rows {
        values.push(decode(&json?)?);
    }
    Ok(values)
}

/// The values set on one listing.
pub fn listing_attribute_values(
    conn: &Connection,
    listing_id: i64,
) -> rusqlite::Result<Vec<AttributeValue>> {
    let mut stmt = conn.prepare_cached(
        "SELECT value FROM listing_attribute_values WHERE listing_id = ?1 ORDER BY attribute_id",
    )?;
    collect(&mut stmt, [listing_id])
}

/// The defaults of one shop's category.
pub fn category_attribute_defaults(
    conn: &Connection,
    shop_id: i64,
    category_id: &str,
) -> rusqlite::Result<Vec<AttributeValue>> {
    let mut stmt = conn.prepare_cached(
        "SELECT value FROM category_attribute_defaults WHERE shop_id = ?1 AND category_id = ?2
         ORDER BY attribute_id",
    )?;
    collect(&mut stmt, params![shop_id, category_id])
}

/// Set (or with no values, remove) one listing's value of an attribute.
pub fn set_listing_attribute_value(
    conn: &Connection,
    listing_id: i64,
    value: &AttributeValue,
) -> rusqlite::Result<()> {
    if value.is_empty() {
        conn.execute(
            "DELETE FROM listing_attribute_values WHERE listing_id = ?1 AND attribute_id = ?2",
            params![listing_id, value.attribute_id],
        )?;
    } else {
        conn.execute(
            "INSERT INTO listing_attribute_values (listing_id, attribute_id, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (listing_id, attribute_id) DO UPDATE SET value = excluded.value",
            params![listing_id, value.attribute_id, encode(value)],
        )?;
    }
    Ok(())
}

/// Set (or with no values, remove) a category's default of an attribute.
pub fn set_category_attribute_default(
    conn: &Connection,
    shop_id: i64,
    category_id: &str,
    value: &AttributeValue,
) -> rusqlite::Result<()> {
    if value.is_empty() {
        conn.execute(
            "DELETE FROM category_attribute_defaults
             WHERE shop_id = ?1 AND category_id = ?2 AND attribute_id = ?3",
            params![shop_id, category_id, value.attribute_id],
        )?;
    } else {
        conn.execute(
            "INSERT INTO category_attribute_defaults (shop_id, category_id, attribute_id, value)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (shop_id, category_id, attribute_id) DO UPDATE SET value = excluded.value",
            params![shop_id, category_id, value.attribute_id, encode(value)],
        )?;
    }
    Ok(())
}

/// A rule source as stored: (kind, key).
fn rule_columns(source: &RuleSource) -> (&'static str, &str) {
    match source {
        RuleSource::Option { name } => ("option", name),
        RuleSource::Tag { prefix } => ("tag", prefix),
        RuleSource::Vendor => ("vendor", ""),
        RuleSource::Field { key } => ("field", key),
    }
}

fn rule_source(kind: &str, key: String) -> rusqlite::Result<RuleSource> {
    match kind {
        "option" => Ok(RuleSource::Option { name: key }),
        "tag" => Ok(RuleSource::Tag { prefix: key }),
        "vendor" => Ok(RuleSource::Vendor),
        "field" => Ok(RuleSource::Field { key }),
        other => Err(rusqlite::Error::FromSqlConversionFailure(
            1,
            rusqlite::types::Type::Text,
            format!("an attribute rule reads \"{other}\", which this release does not know (written by a newer feedbridge)").into(),
        )),
    }
}

/// A shop's rules, by attribute name.
pub fn attribute_rules(conn: &Connection, shop_id: i64) -> rusqlite::Result<Vec<AttributeRule>> {
    let mut stmt = conn.prepare_cached(
        "SELECT attribute_name, source_kind, source_key FROM attribute_rules WHERE shop_id = ?1
         ORDER BY attribute_name",
    )?;
    let rows = stmt.query_map([shop_id], |r| {
        let kind: String = r.get(1)?;
        Ok(AttributeRule {
            attribute: r.get(0)?,
            source: rule_source(&kind, r.get(2)?)?,
        })
    })?;
    rows.collect()
}

/// Add or replace a rule; `None` removes it. Returns whether anything changed.
pub fn set_attribute_rule(
    conn: &Connection,
    shop_id: i64,
    attribute: &str,
    source: Option<&RuleSource>,
) -> rusqlite::Result<bool> {
    let changed = match source.map(rule_columns) {
        Some((kind, key)) => conn.execute(
            "INSERT INTO attribute_rules (shop_id, attribute_name, source_kind, source_key)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (shop_id, attribute_name) DO UPDATE SET source_kind = excluded.source_kind,
                 source_key = excluded.source_key",
            params![shop_id, attribute, kind, key],
        )?,
        None => conn.execute(
            "DELETE FROM attribute_rules WHERE shop_id = ?1 AND attribute_name = ?2",
            params![shop_id, attribute],
        )?,
    };
    Ok(changed > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::MIGRATIONS.to_latest(&mut conn).unwrap();
        // The rows below stand alone: no listings or connections behind them.
        conn.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
        conn
    }

    #[test]
    fn values_round_trip_unset_removes_and_a_newer_version_is_refused() {
        let conn = conn();
        let material = AttributeValue {
            attribute_id: "100392".into(),
            value_ids: vec!["1001".into(), "1003".into()],
            custom_values: Vec::new(),
        };
        set_listing_attribute_value(&conn, 7, &material).unwrap();
        assert_eq!(
            listing_attribute_values(&conn, 7).unwrap(),
            vec![material.clone()]
        );
        set_category_attribute_default(&conn, 1, "601226", &material).unwrap();
        assert_eq!(
            category_attribute_defaults(&conn, 1, "601226").unwrap(),
            vec![material.clone()]
        );
        assert!(
            category_attribute_defaults(&conn, 1, "601227")
                .unwrap()
                .is_empty()
        );
        let cleared = AttributeValue {
            attribute_id: "100392".into(),
            ..AttributeValue::default()
        };
        set_listing_attribute_value(&conn, 7, &cleared).unwrap();
        assert!(listing_attribute_values(&conn, 7).unwrap().is_empty());

        conn.execute(
            "UPDATE category_attribute_defaults SET value = json_set(value, '$.version', 9)",
            [],
        )
        .unwrap();
        let refused = category_attribute_defaults(&conn, 1, "601226").unwrap_err();
        assert!(
            refused.to_string().contains("newer feedbridge"),
            "{refused}"
        );
    }

    #[test]
    fn rules_are_one_per_attribute_name_in_any_case() {
        let conn = conn();
        let option = |name: &str| RuleSource::Option { name: name.into() };
        assert!(set_attribute_rule(&conn, 1, "Material", Some(&option("Fabric"))).unwrap());
        assert!(set_attribute_rule(&conn, 1, "material", Some(&option("Stoff"))).unwrap());
        assert_eq!(
            attribute_rules(&conn, 1).unwrap(),
            vec![AttributeRule {
                attribute: "Material".into(),
                source: option("Stoff"),
            }]
        );
        let tag = RuleSource::Tag {
            prefix: "material:".into(),
        };
        set_attribute_rule(&conn, 1, "Material", Some(&tag)).unwrap();
        set_attribute_rule(&conn, 1, "Brand", Some(&RuleSource::Vendor)).unwrap();
        let field = RuleSource::Field {
            key: "custom.care".into(),
        };
        set_attribute_rule(&conn, 1, "Care", Some(&field)).unwrap();
        let sources: Vec<RuleSource> = attribute_rules(&conn, 1)
            .unwrap()
            .into_iter()
            .map(|r| r.source)
            .collect();
        assert_eq!(sources, [RuleSource::Vendor, field, tag]);
        conn.execute("UPDATE attribute_rules SET source_kind = 'formula'", [])
            .unwrap();
        let refused = attribute_rules(&conn, 1).unwrap_err().to_string();
        assert!(refused.contains("newer feedbridge"), "{refused}");
        conn.execute(
            "DELETE FROM attribute_rules WHERE attribute_name <> 'Material'",
            [],
        )
        .unwrap();
        assert!(set_attribute_rule(&conn, 1, "MATERIAL", None).unwrap());
        assert!(!set_attribute_rule(&conn, 1, "Material", None).unwrap());
    }
}
