//! `feedbridge attributes` and `feedbridge attribute-rules`: TikTok product attribute values
//! per listing or per category, and a shop's rules taking them from store fields. Parsing
//! of the subcommands lives in [`crate::cli`]; this module builds requests and prints.

use crate::format::{NONE, text_table};
use clap::Subcommand;
use feedbridge_common::attributes::{
    AttributeField, AttributeForm, AttributeRule, AttributeTarget, parse_assignment,
};

#[derive(Debug, Subcommand)]
pub enum AttributesCommand {
    /// Set attributes: each ASSIGNMENT is NAME=VALUE[,VALUE...], e.g. "Material=Cotton,Linen".
    /// Values from TikTok's list are matched by name (any case); others are custom values,
    /// refused where TikTok allows none.
    Set {
        #[arg(value_name = "ASSIGNMENT", required = true)]
        assignments: Vec<String>,
    },
    /// Remove values set here (the category default, a rule or a store option applies again).
    Unset {
        #[arg(value_name = "NAME", required = true)]
        names: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AttributeRulesCommand {
    /// ATTRIBUTE takes the value of a store field: a variant option by name (`map Material
    /// Fabric`), tags by prefix (`map Material tag:material:` takes "Cotton" from the tag
    /// "material:Cotton"), the vendor (`map "Brand name" vendor`), or a metafield / custom
    /// field by key (`map Material field:custom.material`).
    Map {
        attribute: String,
        #[arg(value_name = "SOURCE")]
        source: String,
    },
    /// Remove the rule of ATTRIBUTE.
    Unmap { attribute: String },
}

/// What `attributes` acts on: a listing, or with `--category SHOP CATEGORY_ID` the defaults.
pub fn target(
    listing_id: Option<i64>,
    category: Option<Vec<String>>,
) -> Result<AttributeTarget, String> {
    match (listing_id, category.as_deref()) {
        (Some(listing_id), None) => Ok(AttributeTarget::Listing { listing_id }),
        (None, Some([shop, category_id])) => Ok(AttributeTarget::Category {
            shop: shop.clone(),
            category_id: category_id.clone(),
        }),
        _ => Err("attributes takes LISTING_ID, or --category SHOP CATEGORY_ID".into()),
    }
}

/// The values a `set` or `unset` sends: (attribute, values), no values to unset.
pub fn changes(command: AttributesCommand) -> Result<Vec<(String, Vec<String>)>, String> {
    match command {
        AttributesCommand::Set { assignments } => assignments
            .iter()
            .map(|text| parse_assignment(text))
            .collect(),
        AttributesCommand::Unset { names } => {
            Ok(names.into_iter().map(|name| (name, Vec::new())).collect())
        }
    }
}

/// The allowed values in one cell: a few names, whether more exist and custom values are taken.
fn allowed_summary(field: &AttributeField) -> String {
    const SHOWN: usize = 6;
    let mut names: Vec<&str> = field
        .allowed
        .iter()
        .take(SHOWN)
        .map(|v| v.name.as_str())
        .collect();
    if field.allowed.len() > SHOWN {
        names.push("…");
    }
    let mut text = if names.is_empty() {
        "any".to_owned()
    } else {
        names.join(", ")
    };
    let mut notes = Vec::new();
    if field.multiple {
        notes.push("several");
    }
    if field.customizable && !field.allowed.is_empty() {
        notes.push("or your own");
    }
    if !notes.is_empty() {
        text.push_str(&format!(" ({})", notes.join("; ")));
    }
    text
}

pub fn format_attribute_form(form: &AttributeForm) -> String {
    let mut out = format!("{} (TikTok category {})\n", form.title, form.category_id);
    if form.fields.is_empty() {
        out.push_str("The category has no product attributes.\n");
        return out;
    }
    let rows: Vec<Vec<String>> = form
        .fields
        .iter()
        .map(|f| {
            vec![
                f.name.clone(),
                if f.required { "yes" } else { "no" }.to_owned(),
                if f.current.is_empty() {
                    NONE.to_owned()
                } else {
                    f.current.join(", ")
                },
                f.source
                    .as_ref()
                    .map_or_else(|| NONE.to_owned(), |s| s.label()),
                allowed_summary(f),
            ]
        })
        .collect();
    out.push_str(&text_table(
        &["ATTRIBUTE", "REQUIRED", "VALUE", "FROM", "ALLOWED"],
        &rows,
    ));
    let problems = form.problems();
    if !problems.is_empty() {
        out.push_str("\nTikTok would refuse this listing:\n");
        for problem in problems {
            out.push_str(&format!("  {problem}\n"));
        }
        let command = match &form.target {
            AttributeTarget::Listing { listing_id } => listing_id.to_string(),
            AttributeTarget::Category { shop, category_id } => {
                format!("--category {shop} {category_id}")
            }
        };
        out.push_str(&format!(
            "Fix with: feedbridge attributes {command} set \"NAME=VALUE[,VALUE]\"\n"
        ));
    }
    out
}

pub fn format_attribute_rules(shop: &str, rules: &[AttributeRule]) -> String {
    if rules.is_empty() {
        return format!(
            "{shop} has no attribute rules; add one with `feedbridge attribute-rules {shop} map ATTRIBUTE SOURCE` (SOURCE: an option name, tag:PREFIX, vendor or field:KEY).\n"
        );
    }
    let rows: Vec<Vec<String>> = rules
        .iter()
        .map(|r| vec![r.attribute.clone(), r.source.label(), r.source.spec()])
        .collect();
    text_table(&["ATTRIBUTE", "FROM", "SOURCE"], &rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedbridge_common::attributes::{AllowedValue, AttributeSource};

    fn form(current: &[&str], problem: Option<&str>) -> AttributeForm {
        AttributeForm {
            target: AttributeTarget::Listing { listing_id: 7 },
            title: "Tee".into(),
            category_id: "601226".into(),
            fields: vec![AttributeField {
                id: "100392".into(),
                name: "Material".into(),
                required: true,
                multiple: true,
                customizable: false,
                allowed: vec![AllowedValue {
                    id: "1001".into(),
                    name: "Cotton".into(),
                }],
                current: current.iter().map(|s| (*s).to_owned()).collect(),
                source: (!current.is_empty()).then_some(AttributeSource::CategoryDefault),
                problem: problem.map(str::to_owned),
            }],
        }
    }

    #[test]
    fn the_form_shows_values_sources_and_how_to_fix_a_problem() {
        let fine = format_attribute_form(&form(&["Cotton"], None));
        assert!(fine.contains("Cotton (several)"), "{fine}");
        assert!(fine.contains("category default"), "{fine}");
        assert!(!fine.contains("refuse"), "{fine}");
        let missing =
            format_attribute_form(&form(&[], Some("required for this category; no value set")));
        assert!(missing.contains("Material: required"), "{missing}");
        assert!(
            missing.contains("feedbridge attributes 7 set \"NAME=VALUE[,VALUE]\""),
            "{missing}"
        );
    }

    #[test]
    fn targets_and_changes_come_from_the_command_line() {
        assert_eq!(
            target(None, Some(vec!["acme-us".into(), "601226".into()])),
            Ok(AttributeTarget::Category {
                shop: "acme-us".into(),
                category_id: "601226".into()
            })
        );
        assert!(target(None, None).is_err());
        let set = AttributesCommand::Set {
            assignments: vec!["Material=Cotton,Linen".into()],
        };
        assert_eq!(
            changes(set),
            Ok(vec![(
                "Material".into(),
                vec!["Cotton".into(), "Linen".into()]
            )])
        );
        let unset = AttributesCommand::Unset {
            names: vec!["Pattern".into()],
        };
        assert_eq!(changes(unset), Ok(vec![("Pattern".into(), Vec::new())]));
    }
}
