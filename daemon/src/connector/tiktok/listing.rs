//! Listing calls beyond create: full edit (PUT, §4.1), category rules (§4.1), every product of
//! the shop page by page (search with no filter, §4.1), and image upload by use case.

use super::wire::{self, de_string};
use super::{
    PRODUCT_PAGE_SIZE, Scope, TikTokClient, category_version, create_product_body, decode,
    image_mime, market, path_segment, sign,
};
use crate::connector::{
    CategoryRules, ConnectorError, ConnectorResult, CreatedProduct, NewProduct, Page, ShopProduct,
};
use feedbridge_common::compliance::CertificationRequirement;
use feedbridge_common::regions::Region;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Requirement {
    is_required: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Certification {
    #[serde(deserialize_with = "de_string")]
    id: String,
    #[serde(deserialize_with = "de_string")]
    name: String,
    is_required: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RulesData {
    package_dimension: Requirement,
    size_chart: Requirement,
    product_certifications: Vec<Certification>,
    manufacturer: Requirement,
    responsible_person: Requirement,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListedSku {
    #[serde(deserialize_with = "de_string")]
    id: String,
    #[serde(deserialize_with = "de_string")]
    seller_sku: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListedProduct {
    #[serde(deserialize_with = "de_string")]
    id: String,
    #[serde(deserialize_with = "de_string")]
    title: String,
    #[serde(deserialize_with = "de_string")]
    status: String,
    skus: Vec<ListedSku>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListedPage {
    products: Vec<ListedProduct>,
    #[serde(deserialize_with = "de_string")]
    next_page_token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Uploaded {
    #[serde(deserialize_with = "de_string")]
    uri: String,
    #[serde(deserialize_with = "de_string")]
    url: String,
}

/// The §4.1 edit body: the create body without `idempotency_key` (a create-only field).
fn edit_product_body(
    product: &NewProduct,
    market: &Region,
    known: &[crate::connector::CategoryAttribute],
) -> Value {
    let mut body = create_product_body(product, market, known);
    if let Some(object) = body.as_object_mut() {
        object.remove("idempotency_key");
    }
    body
}

impl TikTokClient {
    pub(super) async fn put_product(
        &self,
        product_id: &str,
        product: &NewProduct,
    ) -> ConnectorResult<CreatedProduct> {
        let market = market(&self.region().await?)?;
        let path = format!(
            "/product/202309/products/{}",
            path_segment("product", product_id)?
        );
        // Attribute values need TikTok's value ids where the category lists them.
        let known = if product.attributes.is_empty() {
            Vec::new()
        } else {
            self.cached_attributes(&product.category_id).await?
        };
        let body = edit_product_body(product, market, &known);
        let data: wire::CreateProductData = self
            .call(Method::PUT, &path, Vec::new(), Some(&body), Scope::Shop)
            .await?;
        Ok(CreatedProduct {
            product_id: if data.product_id.is_empty() {
                product_id.to_owned()
            } else {
                data.product_id
            },
            skus: data
                .skus
                .into_iter()
                .map(|s| (s.seller_sku, s.id))
                .collect(),
        })
    }

    pub(super) async fn fetch_category_rules(
        &self,
        category_id: &str,
    ) -> ConnectorResult<CategoryRules> {
        let version = category_version(&self.region().await?);
        let path = format!(
            "/product/202309/categories/{}/rules",
            path_segment("category", category_id)?
        );
        let data: RulesData = self
            .call(
                Method::GET,
                &path,
                vec![("category_version".into(), version.into())],
                None,
                Scope::Shop,
            )
            .await?;
        Ok(CategoryRules {
            package_dimensions_required: data.package_dimension.is_required,
            size_chart_required: data.size_chart.is_required,
            certifications: data
                .product_certifications
                .into_iter()
                .map(|c| CertificationRequirement {
                    id: c.id,
                    name: c.name,
                    required: c.is_required,
                })
                .collect(),
            manufacturer_required: data.manufacturer.is_required,
            responsible_person_required: data.responsible_person.is_required,
        })
    }

    /// One page of the shop's products of any status (`status: ALL`, no SKU filter); with
    /// `updated_since` (Unix seconds) only those TikTok updated at or after it.
    pub(super) async fn all_products_page(
        &self,
        cursor: Option<String>,
        updated_since: Option<i64>,
    ) -> ConnectorResult<Page<ShopProduct>> {
        let mut query = vec![("page_size".to_owned(), PRODUCT_PAGE_SIZE.to_owned())];
        if let Some(token) = cursor.filter(|c| !c.is_empty()) {
            query.push(("page_token".into(), token));
        }
        let body = match updated_since {
            Some(since) => json!({ "status": "ALL", "update_time_ge": since }),
            None => json!({ "status": "ALL" }),
        };
        let data: ListedPage = self
            .call(
                Method::POST,
                "/product/202309/products/search",
                query,
                Some(&body),
                Scope::Shop,
            )
            .await?;
        Ok(Page {
            items: data
                .products
                .into_iter()
                .map(|p| ShopProduct {
                    id: p.id,
                    title: p.title,
                    status: p.status,
                    skus: p.skus.into_iter().map(|s| (s.seller_sku, s.id)).collect(),
                })
                .collect(),
            next: (!data.next_page_token.is_empty()).then_some(data.next_page_token),
        })
    }

    /// Upload image bytes for `use_case` (§4.1); returns (URI, hosted URL).
    pub(super) async fn upload_image_for(
        &self,
        bytes: Vec<u8>,
        file_name: &str,
        use_case: &str,
    ) -> ConnectorResult<(String, String)> {
        const PATH: &str = "/product/202309/images/upload";
        let query = self.base_query(Scope::App, Vec::new()).await?;
        // Multipart: the body is not part of the signature (§2 step 5).
        let signature = sign(self.settings.app_secret.expose(), PATH, &query, None);
        let url = self.url(PATH, &query, &signature)?;
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str(image_mime(file_name))
            .map_err(|error| ConnectorError::Rejected {
                reason: "Could not build the image upload; this is a feedbridge bug".into(),
                raw: error.to_string(),
            })?;
        let form = reqwest::multipart::Form::new()
            .part("data", part)
            .text("use_case", use_case.to_owned());
        let request = self
            .http
            .post(url)
            .header("x-tts-access-token", self.settings.access_token.expose())
            .multipart(form);
        let data = self.execute(&Method::POST, PATH, request).await?;
        let data: Uploaded = decode(PATH, data)?;
        if data.uri.is_empty() {
            return Err(ConnectorError::Rejected {
                reason: format!("TikTok Shop accepted the image {file_name} but returned no URI"),
                raw: String::new(),
            });
        }
        Ok((data.uri, data.url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::NewSku;
    use rust_decimal::Decimal;

    #[test]
    fn edit_body_is_the_create_body_without_idempotency_key() {
        let product = NewProduct {
            title: "Tee".into(),
            description_html: "<p>Tee</p>".into(),
            category_id: "601226".into(),
            image_uris: vec!["tos/abc".into()],
            package_weight_kg: Decimal::new(5, 1),
            package_dimensions_cm: (Decimal::new(20, 0), Decimal::new(15, 0), Decimal::new(5, 0)),
            attributes: Vec::new(),
            skus: vec![NewSku {
                seller_sku: "TEE".into(),
                external_sku_id: "v1".into(),
                price: Decimal::new(1999, 2),
                currency: "USD".into(),
                warehouse_id: "w1".into(),
                quantity: 3,
                sales_attributes: Vec::new(),
            }],
            external_product_id: "p1".into(),
            idempotency_key: "feedbridge-listing-1".into(),
            compliance: Default::default(),
        };
        let us = feedbridge_common::regions::region("US").expect("US");
        let body = edit_product_body(&product, us, &[]);
        assert!(body.get("idempotency_key").is_none());
        assert_eq!(body["title"], "Tee");
        assert_eq!(body["skus"][0]["seller_sku"], "TEE");
        assert_eq!(body["category_version"], "v2");
    }

    #[test]
    fn rules_read_required_flags() {
        let data: RulesData = serde_json::from_value(json!({
            "package_dimension": {"is_required": true},
            "size_chart": {"is_required": false, "is_supported": true},
            "product_certifications": [{"id": "1", "name": "CE", "is_required": true},
                                       {"id": "2", "name": "FCC", "is_required": false}],
        }))
        .unwrap();
        assert!(data.package_dimension.is_required);
        assert!(!data.size_chart.is_required);
        assert_eq!(data.product_certifications.len(), 2);
        assert_eq!(data.product_certifications[0].name, "CE");
        assert_eq!(data.product_certifications[0].id, "1");
    }
}
