//! Product compliance calls (§4.1 and the EU compliance APIs): brands, certification and size
//! chart images, certification files, category recommendation, EU manufacturers and
//! responsible persons, and the create-body fields that carry them.

use super::wire::de_string;
use super::{Scope, TikTokClient, category_version, decode, image_mime, sign};
use crate::connector::{
    ConnectorError, ConnectorResult, ProductCompliance, SizeChartRef, UploadedFile,
};
use feedbridge_common::compliance::{BrandView, NewOperator, OperatorRole, SizeChartTemplate};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

/// Brands per page (the API's maximum).
const BRAND_PAGE_SIZE: &str = "100";
/// Most brand pages read for one question (10,000 brands).
const MAX_BRAND_PAGES: usize = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireBrand {
    #[serde(deserialize_with = "de_string")]
    id: String,
    #[serde(deserialize_with = "de_string")]
    name: String,
    #[serde(deserialize_with = "de_string")]
    authorized_status: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BrandsData {
    brands: Vec<WireBrand>,
    #[serde(deserialize_with = "de_string")]
    next_page_token: String,
}

/// Size chart templates per page (the API's maximum).
const SIZE_CHART_PAGE_SIZE: &str = "100";
/// Most template pages read for one question (10,000 templates).
const MAX_SIZE_CHART_PAGES: usize = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireSizeChart {
    #[serde(deserialize_with = "de_string")]
    template_id: String,
    #[serde(deserialize_with = "de_string")]
    template_name: String,
}

/// Search Size Charts' data: the list is `size_chart`, singular.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SizeChartsData {
    size_chart: Vec<WireSizeChart>,
    #[serde(deserialize_with = "de_string")]
    next_page_token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FileData {
    #[serde(deserialize_with = "de_string")]
    id: String,
    #[serde(deserialize_with = "de_string")]
    name: String,
    #[serde(deserialize_with = "de_string")]
    format: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ImageData {
    #[serde(deserialize_with = "de_string")]
    uri: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RecommendData {
    #[serde(deserialize_with = "de_string")]
    leaf_category_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CreatedOperator {
    #[serde(deserialize_with = "de_string")]
    manufacturer_id: String,
    #[serde(deserialize_with = "de_string")]
    responsible_person_id: String,
}

/// Adds the compliance fields to a §5.1 create/edit body; absent choices are left out.
pub(super) fn add_to_body(compliance: &ProductCompliance, body: &mut Value) {
    if let Some(brand) = &compliance.brand_id {
        body["brand_id"] = json!(brand);
    }
    if !compliance.certifications.is_empty() {
        let certifications: Vec<Value> = compliance
            .certifications
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "images": c.image_uris.iter().map(|uri| json!({ "uri": uri })).collect::<Vec<_>>(),
                    "files": c.files.iter().map(|f| json!({ "id": f.id, "name": f.name, "format": f.format })).collect::<Vec<_>>(),
                })
            })
            .collect();
        body["certifications"] = json!(certifications);
    }
    match &compliance.size_chart {
        Some(SizeChartRef::ImageUri(uri)) => {
            body["size_chart"] = json!({ "image": { "uri": uri } })
        }
        Some(SizeChartRef::Template(id)) => {
            body["size_chart"] = json!({ "template": { "id": id } })
        }
        None => {}
    }
    if !compliance.manufacturer_ids.is_empty() {
        body["manufacturer_ids"] = json!(compliance.manufacturer_ids);
    }
    if !compliance.responsible_person_ids.is_empty() {
        body["responsible_person_ids"] = json!(compliance.responsible_person_ids);
    }
}

fn no_answer(what: &str) -> ConnectorError {
    ConnectorError::Rejected {
        reason: format!("TikTok Shop accepted {what} but returned no id"),
        raw: String::new(),
    }
}

impl TikTokClient {
    /// Every brand of the shop (all pages), usable in `category_id` when given, whose name
    /// contains `name` (any case) when not empty.
    pub(super) async fn fetch_brands(
        &self,
        category_id: Option<&str>,
        name: &str,
    ) -> ConnectorResult<Vec<BrandView>> {
        let mut brands = Vec::new();
        let mut token = String::new();
        for _ in 0..MAX_BRAND_PAGES {
            let mut query = vec![("page_size".to_owned(), BRAND_PAGE_SIZE.to_owned())];
            if let Some(category) = category_id {
                query.push(("category_id".into(), category.into()));
                query.push((
                    "category_version".into(),
                    category_version(&self.region().await?).into(),
                ));
            }
            if !name.trim().is_empty() {
                query.push(("brand_name".into(), name.trim().into()));
            }
            if !token.is_empty() {
                query.push(("page_token".into(), token.clone()));
            }
            let data: BrandsData = self
                .call(
                    Method::GET,
                    "/product/202309/brands",
                    query,
                    None,
                    Scope::Shop,
                )
                .await?;
            brands.extend(data.brands.into_iter().map(|b| BrandView {
                id: b.id,
                name: b.name,
                authorized: b.authorized_status == "AUTHORIZED",
            }));
            if data.next_page_token.is_empty() {
                break;
            }
            token = data.next_page_token;
        }
        Ok(brands)
    }

    /// The seller's size chart templates (all pages) whose name contains `keyword` (TikTok
    /// matches it; every template when empty).
    pub(super) async fn fetch_size_chart_templates(
        &self,
        keyword: &str,
    ) -> ConnectorResult<Vec<SizeChartTemplate>> {
        let mut templates = Vec::new();
        let mut token = String::new();
        let body = match keyword.trim() {
            "" => json!({}),
            word => json!({ "keyword": word }),
        };
        for _ in 0..MAX_SIZE_CHART_PAGES {
            let mut query = vec![("page_size".to_owned(), SIZE_CHART_PAGE_SIZE.to_owned())];
            if !token.is_empty() {
                query.push(("page_token".into(), token.clone()));
            }
            let data: SizeChartsData = self
                .call(
                    Method::POST,
                    "/product/202407/sizecharts/search",
                    query,
                    Some(&body),
                    Scope::Shop,
                )
                .await?;
            templates.extend(
                data.size_chart
                    .into_iter()
                    .filter(|t| !t.template_id.is_empty())
                    .map(|t| SizeChartTemplate {
                        id: t.template_id,
                        name: t.template_name,
                    }),
            );
            if data.next_page_token.is_empty() {
                break;
            }
            token = data.next_page_token;
        }
        Ok(templates)
    }

    /// A multipart upload (`data` = the file, plus `fields`); the body is not signed (§2).
    async fn upload_form(
        &self,
        path: &str,
        bytes: &[u8],
        file_name: &str,
        mime: &str,
        fields: &[(&str, &str)],
    ) -> ConnectorResult<Option<Value>> {
        let query = self.base_query(Scope::App, Vec::new()).await?;
        let signature = sign(self.settings.app_secret.expose(), path, &query, None);
        let url = self.url(path, &query, &signature)?;
        self.send_authorized(&Method::POST, path, |token| {
            let part = reqwest::multipart::Part::bytes(bytes.to_vec())
                .file_name(file_name.to_owned())
                .mime_str(mime)
                .map_err(|error| ConnectorError::Rejected {
                    reason: "Could not build the upload; this is a feedbridge bug".into(),
                    raw: error.to_string(),
                })?;
            let mut form = reqwest::multipart::Form::new().part("data", part);
            for (name, value) in fields {
                form = form.text((*name).to_owned(), (*value).to_owned());
            }
            Ok(self
                .http
                .post(url.clone())
                .header("x-tts-access-token", token.expose())
                .multipart(form))
        })
        .await
    }

    /// Upload a certification or size chart image; returns its URI.
    pub(super) async fn upload_use_case_image(
        &self,
        bytes: Vec<u8>,
        file_name: &str,
        use_case: &str,
    ) -> ConnectorResult<String> {
        const PATH: &str = "/product/202309/images/upload";
        let data = self
            .upload_form(
                PATH,
                &bytes,
                file_name,
                image_mime(file_name),
                &[("use_case", use_case)],
            )
            .await?;
        let data: ImageData = decode(PATH, data)?;
        if data.uri.is_empty() {
            return Err(no_answer(&format!("the image {file_name}")));
        }
        Ok(data.uri)
    }

    /// Upload a certification file (PDF).
    pub(super) async fn upload_product_file(
        &self,
        bytes: Vec<u8>,
        file_name: &str,
    ) -> ConnectorResult<UploadedFile> {
        const PATH: &str = "/product/202309/files/upload";
        let data = self
            .upload_form(
                PATH,
                &bytes,
                file_name,
                "application/pdf",
                &[("name", file_name)],
            )
            .await?;
        let data: FileData = decode(PATH, data)?;
        if data.id.is_empty() {
            return Err(no_answer(&format!("the file {file_name}")));
        }
        Ok(UploadedFile {
            id: data.id,
            name: if data.name.is_empty() {
                file_name.to_owned()
            } else {
                data.name
            },
            format: if data.format.is_empty() {
                "PDF".to_owned()
            } else {
                data.format
            },
        })
    }

    /// TikTok's suggested leaf category for a product title.
    pub(super) async fn fetch_recommendation(&self, title: &str) -> ConnectorResult<String> {
        const PATH: &str = "/product/202309/categories/recommend";
        let body = json!({
            "product_title": title,
            "category_version": category_version(&self.region().await?),
        });
        let data: RecommendData = self
            .call(Method::POST, PATH, Vec::new(), Some(&body), Scope::Shop)
            .await?;
        if data.leaf_category_id.is_empty() {
            return Err(ConnectorError::Rejected {
                reason: format!("TikTok Shop recommended no category for {title:?}"),
                raw: String::new(),
            });
        }
        Ok(data.leaf_category_id)
    }

    /// Register an EU manufacturer or responsible person; returns its id.
    pub(super) async fn register_operator(
        &self,
        role: OperatorRole,
        operator: &NewOperator,
    ) -> ConnectorResult<String> {
        let phone = json!({
            "country_code": operator.phone_country_code,
            "local_number": operator.phone_number,
        });
        let (path, body) = match role {
            OperatorRole::Manufacturer => (
                "/product/202409/compliance/manufacturers",
                json!({
                    "name": operator.name,
                    "registered_trade_name": operator.name,
                    "email": operator.email,
                    "phone_number": phone,
                    "address": format!(
                        "{}, {} {}, {}",
                        operator.street, operator.postal_code, operator.city, operator.country
                    ),
                    "locale": operator.locale,
                }),
            ),
            OperatorRole::ResponsiblePerson => (
                "/product/202409/compliance/responsible_persons",
                json!({
                    "name": operator.name,
                    "email": operator.email,
                    "phone_number": phone,
                    "address": {
                        "street_address_line1": operator.street,
                        "city": operator.city,
                        "postal_code": operator.postal_code,
                        "country": operator.country,
                    },
                    "locale": operator.locale,
                }),
            ),
        };
        let data: CreatedOperator = self
            .call(Method::POST, path, Vec::new(), Some(&body), Scope::Shop)
            .await?;
        let id = match role {
            OperatorRole::Manufacturer => data.manufacturer_id,
            OperatorRole::ResponsiblePerson => data.responsible_person_id,
        };
        if id.is_empty() {
            return Err(no_answer(&format!("the {}", role.label())));
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::CertificationDocs;

    #[test]
    fn body_carries_every_compliance_field_and_leaves_out_absent_ones() {
        let mut body = json!({ "title": "Pajamas" });
        add_to_body(&ProductCompliance::default(), &mut body);
        assert_eq!(body, json!({ "title": "Pajamas" }));
        let compliance = ProductCompliance {
            brand_id: Some("b1".into()),
            certifications: vec![CertificationDocs {
                id: "c1".into(),
                image_uris: vec!["tos/cert".into()],
                files: vec![UploadedFile {
                    id: "f1".into(),
                    name: "cpc.pdf".into(),
                    format: "PDF".into(),
                }],
            }],
            size_chart: Some(SizeChartRef::Template("t1".into())),
            manufacturer_ids: vec!["m1".into()],
            responsible_person_ids: vec!["r1".into()],
        };
        add_to_body(&compliance, &mut body);
        assert_eq!(body["brand_id"], "b1");
        assert_eq!(body["certifications"][0]["images"][0]["uri"], "tos/cert");
        assert_eq!(body["certifications"][0]["files"][0]["format"], "PDF");
        assert_eq!(body["size_chart"]["template"]["id"], "t1");
        assert_eq!(body["manufacturer_ids"][0], "m1");
        assert_eq!(body["responsible_person_ids"][0], "r1");
    }
}
