//! A listing's TikTok product attributes: what each gets (listing value > category default >
//! shop rule reading an option, tags, vendor or a custom field > same-named store option for
//! required ones) and what TikTok would refuse,
//! checked against the category's cached attribute list before anything is sent.

use crate::store::DraftVariant;
use feedbridge_common::attributes::{
    AllowedValue, AttributeField, AttributeRule, AttributeSource, AttributeValue, ProductFacts,
    RuleSource,
};
use serde::{Deserialize, Serialize};

/// How many allowed values a refusal lists before "…".
const LISTED_VALUES: usize = 8;

/// A category attribute as cached in the store. Every field is needed to check values, so a
/// cache row written before they were kept fails to parse and the category is read again.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CachedAttribute {
    pub id: String,
    pub name: String,
    pub required: bool,
    pub is_sales_property: bool,
    pub customizable: bool,
    pub multiple: bool,
    /// (value id, name)
    pub values: Vec<(String, String)>,
}

impl CachedAttribute {
    fn allowed_id(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(_, value)| value.trim().eq_ignore_ascii_case(name.trim()))
            .map(|(id, _)| id.as_str())
    }

    fn allowed_list(&self) -> String {
        let mut names: Vec<&str> = self
            .values
            .iter()
            .take(LISTED_VALUES)
            .map(|(_, name)| name.as_str())
            .collect();
        if self.values.len() > LISTED_VALUES {
            names.push("…");
        }
        names.join(", ")
    }

    /// Why TikTok would refuse these values (names), if it would.
    fn refusal(&self, names: &[String]) -> Option<String> {
        if names.len() > 1 && !self.multiple {
            return Some(format!(
                "takes one value, not {} ({})",
                names.len(),
                names.join(", ")
            ));
        }
        if self.customizable {
            return None;
        }
        let unlisted: Vec<String> = names
            .iter()
            .filter(|name| self.allowed_id(name).is_none())
            .map(|name| format!("\"{name}\""))
            .collect();
        (!unlisted.is_empty()).then(|| {
            format!(
                "{} {} not one of TikTok's values for it ({})",
                unlisted.join(", "),
                if unlisted.len() == 1 { "is" } else { "are" },
                self.allowed_list()
            )
        })
    }
}

/// What the store says about the product being listed.
#[derive(Clone, Copy, Debug, Default)]
pub struct StoreSide<'a> {
    /// The variants being listed, for their options.
    pub variants: &'a [&'a DraftVariant],
    pub facts: Option<&'a ProductFacts>,
}

impl StoreSide<'_> {
    fn values(&self, source: &RuleSource) -> Vec<String> {
        match source {
            RuleSource::Option { name } => option_values(self.variants, name),
            other => self
                .facts
                .map(|facts| facts.values(other))
                .unwrap_or_default(),
        }
    }
}

/// The merchant's choices that apply to one listing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Chosen<'a> {
    pub listing: &'a [AttributeValue],
    pub category_defaults: &'a [AttributeValue],
    pub rules: &'a [AttributeRule],
}

/// Distinct values of the store option `name` across the listed variants, in order.
fn option_values(variants: &[&DraftVariant], name: &str) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for (_, value) in variants
        .iter()
        .flat_map(|v| v.options.iter())
        .filter(|(option, _)| option.eq_ignore_ascii_case(name))
    {
        if !value.trim().is_empty() && !values.contains(value) {
            values.push(value.clone());
        }
    }
    values
}

/// Names of a stored value, and the ids TikTok no longer lists.
fn stored_names(attribute: &CachedAttribute, value: &AttributeValue) -> (Vec<String>, Vec<String>) {
    let mut names = Vec::new();
    let mut unknown = Vec::new();
    for id in &value.value_ids {
        match attribute.values.iter().find(|(known, _)| known == id) {
            Some((_, name)) => names.push(name.clone()),
            None => unknown.push(id.clone()),
        }
    }
    names.extend(value.custom_values.iter().cloned());
    (names, unknown)
}

/// Where an attribute's values come from, by precedence; empty when nothing gives any.
fn pick(
    attribute: &CachedAttribute,
    chosen: &Chosen<'_>,
    store: &StoreSide<'_>,
) -> (Vec<String>, Vec<String>, Option<AttributeSource>) {
    let stored = |values: &[AttributeValue]| {
        values
            .iter()
            .find(|v| v.attribute_id == attribute.id && !v.is_empty())
            .map(|v| stored_names(attribute, v))
    };
    if let Some((names, unknown)) = stored(chosen.listing) {
        return (names, unknown, Some(AttributeSource::Listing));
    }
    if let Some((names, unknown)) = stored(chosen.category_defaults) {
        return (names, unknown, Some(AttributeSource::CategoryDefault));
    }
    if let Some(rule) = chosen
        .rules
        .iter()
        .find(|r| r.attribute.eq_ignore_ascii_case(&attribute.name))
    {
        let names = store.values(&rule.source);
        if !names.is_empty() {
            let source = AttributeSource::Rule {
                from: rule.source.clone(),
            };
            return (names, Vec::new(), Some(source));
        }
    }
    if attribute.required {
        let names = option_values(store.variants, &attribute.name);
        if !names.is_empty() {
            let store_option = store
                .variants
                .iter()
                .flat_map(|v| v.options.iter())
                .find(|(option, _)| option.eq_ignore_ascii_case(&attribute.name))
                .map(|(option, _)| option.clone())
                .unwrap_or_else(|| attribute.name.clone());
            return (
                names,
                Vec::new(),
                Some(AttributeSource::StoreOption { store_option }),
            );
        }
    }
    (Vec::new(), Vec::new(), None)
}

/// Every product attribute of the category (sales attributes come from variant options and
/// are not here), required first, with what TikTok would get and what it would refuse.
pub fn resolve(
    attributes: &[CachedAttribute],
    chosen: &Chosen<'_>,
    store: &StoreSide<'_>,
) -> Vec<AttributeField> {
    let mut fields: Vec<AttributeField> = attributes
        .iter()
        .filter(|a| !a.is_sales_property)
        .map(|attribute| {
            let (current, unknown, source) = pick(attribute, chosen, store);
            let problem = if !unknown.is_empty() {
                Some(format!(
                    "TikTok no longer offers the value {} for it; choose again",
                    unknown.join(", ")
                ))
            } else if current.is_empty() {
                attribute
                    .required
                    .then(|| "required for this category; no value set".to_owned())
            } else {
                attribute.refusal(&current)
            };
            AttributeField {
                id: attribute.id.clone(),
                name: attribute.name.clone(),
                required: attribute.required,
                multiple: attribute.multiple,
                customizable: attribute.customizable,
                allowed: attribute
                    .values
                    .iter()
                    .map(|(id, name)| AllowedValue {
                        id: id.clone(),
                        name: name.clone(),
                    })
                    .collect(),
                current,
                source,
                problem,
            }
        })
        .collect();
    fields.sort_by_key(|f| !f.required);
    fields
}

/// What stops the listing: the required attributes with no value (by name), and every other
/// problem as "Name: why".
pub fn blockers(fields: &[AttributeField]) -> (Vec<String>, Vec<String>) {
    let mut missing = Vec::new();
    let mut refused = Vec::new();
    for field in fields {
        match &field.problem {
            Some(_) if field.current.is_empty() => missing.push(field.name.clone()),
            Some(problem) => refused.push(format!("{}: {problem}", field.name)),
            None => {}
        }
    }
    (missing, refused)
}

/// The create call's product attributes: (attribute id, value name) per value; the body
/// builder gives each listed name its TikTok value id.
pub fn to_send(fields: &[AttributeField]) -> Vec<(String, String)> {
    fields
        .iter()
        .filter(|f| f.problem.is_none())
        .flat_map(|f| f.current.iter().map(|name| (f.id.clone(), name.clone())))
        .collect()
}

/// The category's product attribute with this name or id, or why there is none.
pub fn find<'a>(
    attributes: &'a [CachedAttribute],
    key: &str,
) -> Result<&'a CachedAttribute, String> {
    let key = key.trim();
    let found = attributes
        .iter()
        .find(|a| a.id == key || a.name.eq_ignore_ascii_case(key));
    match found {
        Some(a) if a.is_sales_property => Err(format!(
            "{} varies per SKU: it comes from the store's variant option of that name, not from here",
            a.name
        )),
        Some(a) => Ok(a),
        None => {
            let names: Vec<&str> = attributes
                .iter()
                .filter(|a| !a.is_sales_property)
                .map(|a| a.name.as_str())
                .collect();
            Err(format!(
                "the category has no attribute \"{key}\"; its attributes are: {}",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            ))
        }
    }
}

/// The stored form of values typed by name: listed names become TikTok's value ids, others
/// custom values; refused where TikTok would refuse them.
pub fn value_from_names(
    attribute: &CachedAttribute,
    names: &[String],
) -> Result<AttributeValue, String> {
    let names: Vec<String> = names
        .iter()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .collect();
    if let Some(refusal) = attribute.refusal(&names) {
        return Err(format!("{}: {refusal}", attribute.name));
    }
    let mut value = AttributeValue {
        attribute_id: attribute.id.clone(),
        ..AttributeValue::default()
    };
    for name in names {
        match attribute.allowed_id(&name) {
            Some(id) if !value.value_ids.iter().any(|v| v == id) => {
                value.value_ids.push(id.to_owned());
            }
            Some(_) => {}
            None => value.custom_values.push(name),
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::Measures;
    use rust_decimal::Decimal;

    fn variant(options: &[(&str, &str)]) -> DraftVariant {
        DraftVariant {
            row_id: 1,
            store_variant_id: "v".into(),
            sku: "A".into(),
            price: Decimal::ONE,
            available: 1,
            options: options
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            tiktok_sku_id: None,
            synced_price: None,
            synced_stock: None,
            measures: Measures::default(),
        }
    }

    fn material() -> CachedAttribute {
        CachedAttribute {
            id: "100392".into(),
            name: "Material".into(),
            required: true,
            is_sales_property: false,
            customizable: false,
            multiple: true,
            values: vec![
                ("1001".into(), "Cotton".into()),
                ("1003".into(), "Linen".into()),
            ],
        }
    }

    fn pattern() -> CachedAttribute {
        CachedAttribute {
            id: "100395".into(),
            name: "Pattern".into(),
            required: false,
            customizable: true,
            multiple: false,
            values: vec![("1101".into(), "Solid".into())],
            ..material()
        }
    }

    fn color() -> CachedAttribute {
        CachedAttribute {
            id: "100000".into(),
            name: "Color".into(),
            is_sales_property: true,
            ..material()
        }
    }

    fn value(id: &str, ids: &[&str], custom: &[&str]) -> AttributeValue {
        AttributeValue {
            attribute_id: id.into(),
            value_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
            custom_values: custom.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn option_rule(attribute: &str, option: &str) -> AttributeRule {
        AttributeRule {
            attribute: attribute.into(),
            source: RuleSource::Option {
                name: option.into(),
            },
        }
    }

    fn field<'a>(fields: &'a [AttributeField], name: &str) -> &'a AttributeField {
        fields.iter().find(|f| f.name == name).expect(name)
    }

    #[test]
    fn listing_beats_default_beats_rule_beats_same_named_option() {
        let attributes = [pattern(), material(), color()];
        let listing = [value("100392", &["1003"], &[])];
        let defaults = [
            value("100392", &["1001"], &[]),
            value("100395", &["1101"], &[]),
        ];
        let rules = [option_rule("material", "Fabric")];
        let store = variant(&[
            ("Fabric", "Cotton"),
            ("Material", "Linen"),
            ("Pattern", "Dots"),
        ]);
        let variants = [&store];
        let variants = StoreSide {
            variants: &variants,
            facts: None,
        };
        let all = Chosen {
            listing: &listing,
            category_defaults: &defaults,
            rules: &rules,
        };
        let fields = resolve(&attributes, &all, &variants);
        // Required first; the sales attribute is not a product attribute.
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Material", "Pattern"]);
        assert_eq!(fields[0].current, ["Linen"]);
        assert_eq!(fields[0].source, Some(AttributeSource::Listing));
        assert_eq!(fields[1].source, Some(AttributeSource::CategoryDefault));

        let fields = resolve(
            &attributes,
            &Chosen {
                listing: &[],
                ..all
            },
            &variants,
        );
        assert_eq!(field(&fields, "Material").current, ["Cotton"]);
        assert_eq!(
            field(&fields, "Material").source,
            Some(AttributeSource::CategoryDefault)
        );

        let by_rule = Chosen {
            rules: &rules,
            ..Chosen::default()
        };
        let fields = resolve(&attributes, &by_rule, &variants);
        assert_eq!(
            field(&fields, "Material").source,
            Some(AttributeSource::Rule {
                from: RuleSource::Option {
                    name: "Fabric".into()
                }
            })
        );
        // An optional attribute is never taken from a same-named option by itself.
        assert_eq!(field(&fields, "Pattern").source, None);

        let fields = resolve(&attributes, &Chosen::default(), &variants);
        assert_eq!(field(&fields, "Material").current, ["Linen"]);
        assert_eq!(
            to_send(&fields),
            vec![("100392".to_owned(), "Linen".to_owned())]
        );
    }

    #[test]
    fn rules_read_tags_vendor_and_custom_fields() {
        let brand = CachedAttribute {
            id: "100300".into(),
            name: "Brand name".into(),
            required: true,
            customizable: true,
            multiple: false,
            values: Vec::new(),
            ..material()
        };
        let care = CachedAttribute {
            id: "100310".into(),
            name: "Care".into(),
            required: false,
            customizable: true,
            ..material()
        };
        let attributes = [material(), brand, care];
        let facts = ProductFacts {
            tags: vec![
                "material:Cotton".into(),
                "Material:Linen".into(),
                "sale".into(),
            ],
            vendor: Some("Acme".into()),
            fields: vec![("custom.care".into(), "Hand wash".into())],
        };
        let rules = [
            AttributeRule {
                attribute: "Material".into(),
                source: RuleSource::Tag {
                    prefix: "material:".into(),
                },
            },
            AttributeRule {
                attribute: "brand name".into(),
                source: RuleSource::Vendor,
            },
            AttributeRule {
                attribute: "Care".into(),
                source: RuleSource::Field {
                    key: "custom.care".into(),
                },
            },
        ];
        let store = variant(&[("Material", "Wool")]);
        let variants = [&store];
        let side = StoreSide {
            variants: &variants,
            facts: Some(&facts),
        };
        let chosen = Chosen {
            rules: &rules,
            ..Chosen::default()
        };
        let fields = resolve(&attributes, &chosen, &side);
        let material_field = field(&fields, "Material");
        // The rule beats the same-named option.
        assert_eq!(material_field.current, ["Cotton", "Linen"]);
        assert_eq!(
            material_field.source,
            Some(AttributeSource::Rule {
                from: rules[0].source.clone()
            })
        );
        assert_eq!(material_field.problem, None);
        let brand_field = field(&fields, "Brand name");
        assert_eq!(brand_field.current, ["Acme"]);
        assert_eq!(
            brand_field
                .source
                .as_ref()
                .map(AttributeSource::label)
                .as_deref(),
            Some("vendor (rule)")
        );
        let care_field = field(&fields, "Care");
        assert_eq!(care_field.current, ["Hand wash"]);
        assert_eq!(
            care_field
                .source
                .as_ref()
                .map(AttributeSource::label)
                .as_deref(),
            Some("store field custom.care (rule)")
        );
        assert_eq!(
            to_send(&fields),
            [
                ("100392".to_owned(), "Cotton".to_owned()),
                ("100392".to_owned(), "Linen".to_owned()),
                ("100300".to_owned(), "Acme".to_owned()),
                ("100310".to_owned(), "Hand wash".to_owned()),
            ]
        );

        // A rule whose field the product lacks gives way to the same-named option.
        let bare = ProductFacts::default();
        let side = StoreSide {
            facts: Some(&bare),
            ..side
        };
        let fields = resolve(&attributes, &chosen, &side);
        assert_eq!(field(&fields, "Material").current, ["Wool"]);
        assert_eq!(field(&fields, "Brand name").current, Vec::<String>::new());
        assert!(field(&fields, "Brand name").problem.is_some());
        // A tag value TikTok does not list is refused like a typed one.
        let silk = ProductFacts {
            tags: vec!["material:Silk".into()],
            ..ProductFacts::default()
        };
        let side = StoreSide {
            facts: Some(&silk),
            ..side
        };
        let fields = resolve(&attributes, &chosen, &side);
        let problem = field(&fields, "Material")
            .problem
            .clone()
            .unwrap_or_default();
        assert!(problem.contains("\"Silk\""), "{problem}");
    }

    #[test]
    fn refusals_name_the_attribute_and_what_tiktok_allows() {
        let attributes = [material(), pattern()];
        let nothing = resolve(&attributes, &Chosen::default(), &StoreSide::default());
        assert_eq!(
            blockers(&nothing),
            (vec!["Material".to_owned()], Vec::new())
        );

        let listing = [
            value("100392", &[], &["Silk"]),
            value("100395", &["1101"], &["Dots"]),
        ];
        let chosen = Chosen {
            listing: &listing,
            ..Chosen::default()
        };
        let fields = resolve(&attributes, &chosen, &StoreSide::default());
        let (missing, refused) = blockers(&fields);
        assert!(missing.is_empty());
        assert_eq!(
            refused,
            [
                "Material: \"Silk\" is not one of TikTok's values for it (Cotton, Linen)",
                "Pattern: takes one value, not 2 (Solid, Dots)"
            ]
        );
        assert!(to_send(&fields).is_empty(), "nothing refused is sent");

        let gone = [value("100392", &["9999"], &[])];
        let fields = resolve(
            &attributes,
            &Chosen {
                listing: &gone,
                ..Chosen::default()
            },
            &StoreSide::default(),
        );
        let problem = field(&fields, "Material")
            .problem
            .clone()
            .unwrap_or_default();
        assert!(problem.contains("9999"), "{problem}");
    }

    #[test]
    fn typed_names_become_value_ids_or_custom_values_where_allowed() {
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            value_from_names(&material(), &names(&["cotton", " Linen ", "Cotton"])),
            Ok(value("100392", &["1001", "1003"], &[]))
        );
        assert_eq!(
            value_from_names(&pattern(), &names(&["Dots"])),
            Ok(value("100395", &[], &["Dots"]))
        );
        let refused = value_from_names(&material(), &names(&["Silk"])).unwrap_err();
        assert!(refused.starts_with("Material: \"Silk\""), "{refused}");
        let refused = value_from_names(&pattern(), &names(&["Solid", "Dots"])).unwrap_err();
        assert!(refused.contains("takes one value"), "{refused}");

        let attributes = [material(), color()];
        assert_eq!(
            find(&attributes, "MATERIAL").map(|a| a.id.as_str()),
            Ok("100392")
        );
        assert_eq!(
            find(&attributes, "100392").map(|a| a.id.as_str()),
            Ok("100392")
        );
        assert!(
            find(&attributes, "Color")
                .unwrap_err()
                .contains("varies per SKU")
        );
        assert!(
            find(&attributes, "Age group")
                .unwrap_err()
                .contains("Material")
        );
    }
}
