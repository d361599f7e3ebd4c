//! TikTok product attributes the merchant sets: per listing, per (shop, category) as a default
//! for every listing in it, and rules that take an attribute from a store option.
//!
//! Precedence when a listing is sent: the listing's own value, then the category default, then
//! a rule, then (required attributes only) a store option of the same name.

use serde::{Deserialize, Serialize};

/// One attribute's chosen values as feedbridge stores them (never TikTok's wire shape).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeValue {
    pub attribute_id: String,
    /// Ids from the category's list of allowed values.
    #[serde(default)]
    pub value_ids: Vec<String>,
    /// Values typed by the merchant, where TikTok allows custom values.
    #[serde(default)]
    pub custom_values: Vec<String>,
}

impl AttributeValue {
    pub fn is_empty(&self) -> bool {
        self.value_ids.is_empty() && self.custom_values.is_empty()
    }
}

/// What attribute values are set on: one listing, or a shop's category as the default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AttributeTarget {
    Listing { listing_id: i64 },
    Category { shop: String, category_id: String },
}

/// Where an attribute's current value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AttributeSource {
    /// Set on this listing.
    Listing,
    /// The default for every listing in the category.
    CategoryDefault,
    /// A shop rule: this attribute takes the value of a store option.
    Rule { store_option: String },
    /// A store option with the attribute's name.
    StoreOption { store_option: String },
}

impl AttributeSource {
    /// In the merchant's words, e.g. "category default", "store option Fabric (rule)".
    pub fn label(&self) -> String {
        match self {
            Self::Listing => "set on this product".into(),
            Self::CategoryDefault => "category default".into(),
            Self::Rule { store_option } => format!("store option {store_option} (rule)"),
            Self::StoreOption { store_option } => format!("store option {store_option}"),
        }
    }
}

/// One of an attribute's allowed values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedValue {
    pub id: String,
    pub name: String,
}

/// One attribute of the category, as the form and `feedbridge attributes` show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeField {
    pub id: String,
    pub name: String,
    pub required: bool,
    /// Several values may be chosen.
    pub multiple: bool,
    /// Values outside `allowed` may be typed.
    pub customizable: bool,
    pub allowed: Vec<AllowedValue>,
    /// The values TikTok will get (names), empty when none.
    pub current: Vec<String>,
    pub source: Option<AttributeSource>,
    /// Why TikTok would refuse the current value (or its absence), in the merchant's words.
    pub problem: Option<String>,
}

/// A category's product attributes for one listing (or as the category's defaults).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeForm {
    pub target: AttributeTarget,
    /// The product's title, or the category's id for defaults.
    pub title: String,
    pub category_id: String,
    /// Required first, then by name.
    pub fields: Vec<AttributeField>,
}

impl AttributeForm {
    /// Every problem that would stop the listing, e.g. `Material: required, no value`.
    pub fn problems(&self) -> Vec<String> {
        self.fields
            .iter()
            .filter_map(|f| f.problem.as_ref().map(|p| format!("{}: {p}", f.name)))
            .collect()
    }
}

/// A shop rule: the attribute named takes the value of the store option named, in any
/// category that has the attribute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeRule {
    pub attribute: String,
    pub store_option: String,
}

/// Parse `Name=v1,v2` as typed on the command line: (attribute, values). An empty value list
/// (`Name=`) is refused: use `unset` to clear an attribute.
pub fn parse_assignment(text: &str) -> Result<(String, Vec<String>), String> {
    let Some((name, values)) = text.split_once('=') else {
        return Err(format!(
            "\"{text}\" is not ATTRIBUTE=VALUE[,VALUE...], e.g. \"Material=Cotton,Linen\""
        ));
    };
    let name = name.trim();
    let values: Vec<String> = values
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    if name.is_empty() {
        return Err(format!("\"{text}\" names no attribute before '='"));
    }
    if values.is_empty() {
        return Err(format!(
            "\"{text}\" gives {name} no value; to clear it use `unset {name}`"
        ));
    }
    Ok((name.to_owned(), values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_parse_names_and_values_and_refuse_empty_ones() {
        assert_eq!(
            parse_assignment(" Material = Cotton, Linen ,"),
            Ok(("Material".into(), vec!["Cotton".into(), "Linen".into()]))
        );
        assert!(
            parse_assignment("Material")
                .unwrap_err()
                .contains("ATTRIBUTE=VALUE")
        );
        assert!(
            parse_assignment("Material=")
                .unwrap_err()
                .contains("unset Material")
        );
        assert!(parse_assignment("=Cotton").is_err());
    }

    #[test]
    fn targets_and_sources_serialize_with_a_kind() {
        let target = AttributeTarget::Category {
            shop: "acme-us".into(),
            category_id: "601226".into(),
        };
        let json = serde_json::to_value(&target).unwrap();
        assert_eq!(json["kind"], "category");
        let source = AttributeSource::Rule {
            store_option: "Fabric".into(),
        };
        assert_eq!(serde_json::to_value(&source).unwrap()["kind"], "rule");
        assert_eq!(source.label(), "store option Fabric (rule)");
    }
}
