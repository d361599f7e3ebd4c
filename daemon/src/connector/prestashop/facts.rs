//! A product's facts for attribute rules (`ProductFacts`): its features
//! (`associations.product_features`, a feature id and a feature value id each) as fields keyed
//! by the feature's name, its brand (`manufacturer_name`) as the vendor, and its tags
//! (`associations.tags`) in the shop's language.
//!
//! The names live in their own resources (`product_features`, `product_feature_values`,
//! `tags`), read whole (`display=full`) once per catalog read rather than per product: at a
//! read's first page, and again only when a product names an id the last read lacked (one
//! added since). Texts are taken in the shop's default language (`PS_LANG_DEFAULT`).

use super::wire::{field, id_field, rows, text_in};
use super::{PrestaShopClient, lock};
use crate::connector::ConnectorResult;
use feedbridge_common::attributes::ProductFacts;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The names behind the feature, value and tag ids products carry.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Vocabulary {
    /// Feature id → its name.
    features: HashMap<u64, String>,
    /// Feature value id → its text.
    values: HashMap<u64, String>,
    /// Tag id → (language id, name): a tag belongs to one language.
    tags: HashMap<u64, (u64, String)>,
}

impl Vocabulary {
    /// From the three lists as read, texts in language `lang`.
    pub(super) fn read(features: &[Value], values: &[Value], tags: &[Value], lang: u64) -> Self {
        Self {
            features: features
                .iter()
                .map(|f| {
                    (
                        id_field(f, "id"),
                        text_in(&f["name"], lang).trim().to_owned(),
                    )
                })
                .collect(),
            values: values
                .iter()
                .map(|v| {
                    (
                        id_field(v, "id"),
                        text_in(&v["value"], lang).trim().to_owned(),
                    )
                })
                .collect(),
            tags: tags
                .iter()
                .map(|t| {
                    (
                        id_field(t, "id"),
                        (id_field(t, "id_lang"), field(t, "name").trim().to_owned()),
                    )
                })
                .collect(),
        }
    }

    /// Whether every feature, value and tag these products name is known.
    fn covers(&self, products: &[Value]) -> bool {
        products.iter().all(|p| {
            rows(p, "product_features").iter().all(|r| {
                self.features.contains_key(&id_field(r, "id"))
                    && self.values.contains_key(&id_field(r, "id_feature_value"))
            }) && rows(p, "tags")
                .iter()
                .all(|r| self.tags.contains_key(&id_field(r, "id")))
        })
    }
}

/// Whether any of these products has a feature or a tag.
fn names_any(products: &[Value]) -> bool {
    products
        .iter()
        .any(|p| !rows(p, "product_features").is_empty() || !rows(p, "tags").is_empty())
}

/// The facts of one product read with `display=full`. `brands` holds the names of brands read
/// by id, for a product whose answer lacks `manufacturer_name` (a module's override).
pub(super) fn product_facts(
    p: &Value,
    vocabulary: &Vocabulary,
    brands: &HashMap<u64, String>,
    lang: u64,
) -> ProductFacts {
    let fields = rows(p, "product_features")
        .iter()
        .filter_map(|r| {
            let name = vocabulary.features.get(&id_field(r, "id"))?;
            let value = vocabulary.values.get(&id_field(r, "id_feature_value"))?;
            (!name.is_empty() && !value.is_empty()).then(|| (name.clone(), value.clone()))
        })
        .collect();
    let tags: Vec<&(u64, String)> = rows(p, "tags")
        .iter()
        .filter_map(|r| vocabulary.tags.get(&id_field(r, "id")))
        .filter(|(_, name)| !name.is_empty())
        .collect();
    // A tag is one language's: the shop's own, or every one when it has none in it.
    let in_lang: Vec<String> = tags
        .iter()
        .filter(|(l, _)| *l == lang)
        .map(|(_, name)| name.clone())
        .collect();
    let tags = if in_lang.is_empty() {
        tags.into_iter().map(|(_, name)| name.clone()).collect()
    } else {
        in_lang
    };
    let vendor = match p.get("manufacturer_name") {
        Some(name) => Some(super::wire::text(name)),
        None => brands.get(&id_field(p, "id_manufacturer")).cloned(),
    }
    .map(|v| v.trim().to_owned())
    .filter(|v| !v.is_empty());
    ProductFacts {
        tags,
        vendor,
        fields,
    }
}

impl PrestaShopClient {
    /// The vocabulary for these products: read again at a catalog read's first page (`fresh`)
    /// and whenever one of them names what the last read lacked.
    pub(super) async fn vocabulary(
        &self,
        products: &[Value],
        fresh: bool,
        lang: u64,
    ) -> ConnectorResult<Arc<Vocabulary>> {
        if fresh {
            *lock(&self.vocabulary) = None;
        }
        let known = lock(&self.vocabulary).clone();
        match known {
            Some(known) if known.covers(products) => return Ok(known),
            None if !names_any(products) => return Ok(Arc::default()),
            _ => {}
        }
        let full = [("display", "full".to_owned())];
        let features = self.list("product_features", &full).await?;
        let values = self.list("product_feature_values", &full).await?;
        let tags = self.list("tags", &full).await?;
        let read = Arc::new(Vocabulary::read(&features, &values, &tags, lang));
        *lock(&self.vocabulary) = Some(Arc::clone(&read));
        Ok(read)
    }

    /// Brand names by id, for products whose answer lacks `manufacturer_name`.
    pub(super) async fn brands_of(
        &self,
        products: &[Value],
    ) -> ConnectorResult<HashMap<u64, String>> {
        let mut ids: Vec<u64> = products
            .iter()
            .filter(|p| p.get("manufacturer_name").is_none())
            .map(|p| id_field(p, "id_manufacturer"))
            .filter(|id| *id != 0)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(self
            .by_ids("manufacturers", "id", &ids)
            .await?
            .iter()
            .map(|m| (id_field(m, "id"), field(m, "name")))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vocabulary() -> Vocabulary {
        Vocabulary::read(
            &[
                json!({"id": 1, "position": "0", "name": [{"id": "1", "value": "Material"}, {"id": "2", "value": "Matière"}]}),
                json!({"id": 2, "position": "1", "name": [{"id": "1", "value": "Care"}]}),
            ],
            &[
                json!({"id": 10, "id_feature": "1", "custom": "0", "value": [{"id": "1", "value": "Cotton"}, {"id": "2", "value": "Coton"}]}),
                json!({"id": 11, "id_feature": "1", "custom": "0", "value": [{"id": "1", "value": "Linen"}]}),
                json!({"id": 12, "id_feature": "2", "custom": "1", "value": [{"id": "1", "value": " Hand wash "}]}),
            ],
            &[
                json!({"id": 5, "id_lang": "1", "name": "pattern:Striped"}),
                json!({"id": 6, "id_lang": "2", "name": "motif:Rayé"}),
                json!({"id": 7, "id_lang": "2", "name": "été"}),
            ],
            1,
        )
    }

    #[test]
    fn features_become_fields_by_name_the_brand_the_vendor_and_tags_in_the_shop_language() {
        let product = json!({
            "id": 3,
            "id_manufacturer": "4",
            "manufacturer_name": "Acme ",
            "associations": {
                "product_features": [
                    {"id": "1", "id_feature_value": "10"},
                    {"id": "1", "id_feature_value": "11"},
                    {"id": "2", "id_feature_value": "12"},
                    {"id": "9", "id_feature_value": "99"}
                ],
                "tags": [{"id": "5"}, {"id": "6"}]
            }
        });
        let facts = product_facts(&product, &vocabulary(), &HashMap::new(), 1);
        assert_eq!(
            facts.fields,
            [
                ("Material".to_owned(), "Cotton".to_owned()),
                ("Material".to_owned(), "Linen".to_owned()),
                ("Care".to_owned(), "Hand wash".to_owned()),
            ]
        );
        assert_eq!(facts.vendor.as_deref(), Some("Acme"));
        assert_eq!(facts.tags, ["pattern:Striped"]);
    }

    #[test]
    fn another_language_a_missing_brand_name_and_no_brand() {
        let french = Vocabulary::read(
            &[
                json!({"id": 1, "name": [{"id": "1", "value": "Material"}, {"id": "2", "value": "Matière"}]}),
            ],
            &[
                json!({"id": 10, "id_feature": "1", "value": [{"id": "1", "value": "Cotton"}, {"id": "2", "value": "Coton"}]}),
            ],
            &[json!({"id": 7, "id_lang": "2", "name": "été"})],
            2,
        );
        let product = json!({"id": 3, "id_manufacturer": "4", "associations": {
            "product_features": [{"id": "1", "id_feature_value": "10"}], "tags": [{"id": "7"}]}});
        let brands = HashMap::from([(4, "Acme".to_owned())]);
        let facts = product_facts(&product, &french, &brands, 2);
        assert_eq!(facts.fields, [("Matière".to_owned(), "Coton".to_owned())]);
        assert_eq!(facts.vendor.as_deref(), Some("Acme"));
        // Only tags in another language: kept rather than lost.
        assert_eq!(
            product_facts(&product, &vocabulary(), &brands, 1).tags,
            ["été"]
        );
        let plain = json!({"id": 3, "id_manufacturer": "0", "manufacturer_name": ""});
        assert_eq!(
            product_facts(&plain, &vocabulary(), &brands, 1),
            ProductFacts::default()
        );
    }

    #[test]
    fn a_product_naming_an_unknown_id_is_not_covered() {
        let known = vocabulary();
        let with = |feature: &str, value: &str, tag: &str| json!({"associations": {"product_features": [{"id": feature, "id_feature_value": value}], "tags": [{"id": tag}]}});
        assert!(known.covers(&[with("1", "10", "5")]));
        assert!(!known.covers(&[with("1", "13", "5")]));
        assert!(!known.covers(&[with("3", "10", "5")]));
        assert!(!known.covers(&[with("1", "10", "8")]));
        assert!(!names_any(&[json!({"id": 1})]));
    }
}
