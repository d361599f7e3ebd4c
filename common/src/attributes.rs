//! TikTok product attributes the merchant sets: per listing, per (shop, category) as a default
//! for every listing in it, and rules that take an attribute from a store field (an option, a
//! tag, the vendor, or a metafield / custom field).
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
    /// A shop rule: this attribute takes the value of a store field.
    Rule { from: RuleSource },
    /// A store option with the attribute's name.
    StoreOption { store_option: String },
}

impl AttributeSource {
    /// In the merchant's words, e.g. "category default", "store option Fabric (rule)".
    pub fn label(&self) -> String {
        match self {
            Self::Listing => "set on this product".into(),
            Self::CategoryDefault => "category default".into(),
            Self::Rule { from } => format!("{} (rule)", from.label()),
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

/// What the store says about a product beyond its options, for rules to read. Stored with
/// each product (versioned JSON), never in a platform's wire shape.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductFacts {
    #[serde(default)]
    pub tags: Vec<String>,
    /// Vendor, brand or manufacturer, as the platform calls it.
    #[serde(default)]
    pub vendor: Option<String>,
    /// (key, value) per metafield / custom field / attribute value; a list-valued field
    /// appears once per value.
    #[serde(default)]
    pub fields: Vec<(String, String)>,
}

impl ProductFacts {
    /// Distinct non-empty values a rule source gives, in order; options are per variant and
    /// not here.
    pub fn values(&self, source: &RuleSource) -> Vec<String> {
        let found: Vec<&str> = match source {
            RuleSource::Option { .. } => Vec::new(),
            RuleSource::Tag { prefix } => self
                .tags
                .iter()
                .filter_map(|tag| {
                    let tag = tag.trim();
                    let head = tag.get(..prefix.len())?;
                    head.eq_ignore_ascii_case(prefix)
                        .then(|| &tag[prefix.len()..])
                })
                .collect(),
            RuleSource::Vendor => self.vendor.iter().map(String::as_str).collect(),
            RuleSource::Field { key } => self
                .fields
                .iter()
                .filter(|(name, _)| name.trim().eq_ignore_ascii_case(key))
                .map(|(_, value)| value.as_str())
                .collect(),
        };
        let mut values: Vec<String> = Vec::new();
        for value in found.into_iter().map(str::trim) {
            if !value.is_empty() && !values.iter().any(|v| v == value) {
                values.push(value.to_owned());
            }
        }
        values
    }
}

/// The store field a rule reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RuleSource {
    /// A variant option, e.g. "Fabric": its values across the listed variants.
    Option { name: String },
    /// Product tags starting with `prefix` (any case), e.g. "material:" takes "Cotton" from
    /// the tag "material:Cotton".
    Tag { prefix: String },
    /// The product's vendor / brand / manufacturer as the store names it.
    Vendor,
    /// A product field by key: a Shopify metafield `namespace.key`, a WooCommerce attribute or
    /// meta key, a BigCommerce custom field, a Magento custom attribute code, a PrestaShop
    /// feature, a Wix / SFCC custom field.
    Field { key: String },
}

impl RuleSource {
    /// Read as typed on the command line: `tag:PREFIX`, `vendor`, `field:KEY`, `option:NAME`,
    /// or a bare store option name.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let nonempty = |rest: &str, what: &str, example: &str| {
            let rest = rest.trim_start();
            if rest.trim().is_empty() {
                Err(format!("\"{text}\" names no {what}, e.g. \"{example}\""))
            } else {
                Ok(rest.to_owned())
            }
        };
        let lower = text.to_ascii_lowercase();
        if lower == "vendor" {
            Ok(Self::Vendor)
        } else if lower.starts_with("tag:") {
            nonempty(&text[4..], "tag prefix", "tag:material:").map(|prefix| Self::Tag { prefix })
        } else if lower.starts_with("field:") {
            nonempty(&text[6..], "field key", "field:custom.material").map(|key| Self::Field {
                key: key.trim().to_owned(),
            })
        } else if lower.starts_with("option:") {
            nonempty(&text[7..], "store option", "option:Fabric").map(|name| Self::Option {
                name: name.trim().to_owned(),
            })
        } else if text.is_empty() {
            Err(
                "a rule needs a store field: an option name, tag:PREFIX, vendor or field:KEY"
                    .into(),
            )
        } else {
            Ok(Self::Option {
                name: text.to_owned(),
            })
        }
    }

    /// In the merchant's words, e.g. "store option Fabric", "tags material:…".
    pub fn label(&self) -> String {
        match self {
            Self::Option { name } => format!("store option {name}"),
            Self::Tag { prefix } => format!("tags {prefix}…"),
            Self::Vendor => "vendor".into(),
            Self::Field { key } => format!("store field {key}"),
        }
    }

    /// As typed on the command line; [`RuleSource::parse`] reads it back.
    pub fn spec(&self) -> String {
        match self {
            Self::Option { name } => format!("option:{name}"),
            Self::Tag { prefix } => format!("tag:{prefix}"),
            Self::Vendor => "vendor".into(),
            Self::Field { key } => format!("field:{key}"),
        }
    }
}

/// A shop rule: the attribute named takes the value of a store field, in any category that
/// has the attribute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeRule {
    pub attribute: String,
    pub source: RuleSource,
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
            from: RuleSource::Option {
                name: "Fabric".into(),
            },
        };
        assert_eq!(serde_json::to_value(&source).unwrap()["kind"], "rule");
        assert_eq!(source.label(), "store option Fabric (rule)");
    }

    #[test]
    fn facts_give_values_per_source() {
        let facts = ProductFacts {
            tags: vec![
                "Material:Cotton".into(),
                "material: Linen".into(),
                "summer".into(),
                "material:".into(),
            ],
            vendor: Some("Acme".into()),
            fields: vec![
                ("custom.care".into(), "Hand wash".into()),
                ("custom.material".into(), "Wool".into()),
                ("Custom.Material".into(), "Wool".into()),
            ],
        };
        let tag = RuleSource::Tag {
            prefix: "material:".into(),
        };
        assert_eq!(facts.values(&tag), ["Cotton", "Linen"]);
        assert_eq!(facts.values(&RuleSource::Vendor), ["Acme"]);
        let field = RuleSource::Field {
            key: "custom.material".into(),
        };
        assert_eq!(facts.values(&field), ["Wool"]);
        let option = RuleSource::Option {
            name: "Fabric".into(),
        };
        assert!(facts.values(&option).is_empty());
        assert!(
            ProductFacts::default()
                .values(&RuleSource::Vendor)
                .is_empty()
        );
    }

    #[test]
    fn rule_sources_parse_as_typed_and_read_back() {
        let cases = [
            (
                "Fabric",
                RuleSource::Option {
                    name: "Fabric".into(),
                },
            ),
            (
                "option:Size",
                RuleSource::Option {
                    name: "Size".into(),
                },
            ),
            (
                "tag:material:",
                RuleSource::Tag {
                    prefix: "material:".into(),
                },
            ),
            ("VENDOR", RuleSource::Vendor),
            (
                "Field: custom.material ",
                RuleSource::Field {
                    key: "custom.material".into(),
                },
            ),
        ];
        for (typed, source) in cases {
            assert_eq!(RuleSource::parse(typed).as_ref(), Ok(&source), "{typed}");
            assert_eq!(RuleSource::parse(&source.spec()), Ok(source.clone()));
        }
        assert!(
            RuleSource::parse("tag:")
                .unwrap_err()
                .contains("tag:material:")
        );
        assert!(RuleSource::parse("field: ").unwrap_err().contains("field:"));
        assert!(RuleSource::parse(" ").unwrap_err().contains("vendor"));
        assert_eq!(
            AttributeSource::Rule {
                from: RuleSource::Tag {
                    prefix: "material:".into()
                }
            }
            .label(),
            "tags material:… (rule)"
        );
    }
}
