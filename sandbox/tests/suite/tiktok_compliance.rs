//! TikTok product compliance: brands per category, certification images and PDF files, size
//! charts, category recommendation by title, and EU manufacturers and responsible persons.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns

use crate::common;

use common::{TikTok, now, sandbox, tiktok_sign, with_query};
use feedbridge_sandbox::SandboxConfig;
use serde_json::{Value, json};

const KIDS_PAJAMAS: &str = "602001";
const KIDS_BRAND: &str = "7300000000000000501";
const CPC: &str = "7300000000000000101";
const TEMPLATE: &str = "7300000000000000601";

/// A multipart upload to `path` with `fields` (name, value) and the file part `data`.
async fn upload(
    tt: &TikTok,
    path: &str,
    file_name: &str,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> Value {
    let mut form = reqwest::multipart::Form::new().part(
        "data",
        reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
    );
    for (name, value) in fields {
        form = form.text((*name).to_owned(), (*value).to_owned());
    }
    let mut query = vec![
        ("app_key".to_string(), tt.creds.tiktok_app_key.clone()),
        ("timestamp".to_string(), now().to_string()),
    ];
    let sign = tiktok_sign(&tt.creds.tiktok_app_secret, path, &query, "");
    query.push(("sign".to_string(), sign));
    tt.http
        .post(with_query(&format!("{}{path}", tt.base), &query))
        .header("x-tts-access-token", &tt.token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn png(side: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    png.extend_from_slice(&side.to_be_bytes());
    png.extend_from_slice(&side.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    png
}

async fn image_for(tt: &TikTok, use_case: &str) -> String {
    let v = upload(
        tt,
        "/product/202309/images/upload",
        "chart.png",
        png(800),
        &[("use_case", use_case)],
    )
    .await;
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(v["data"]["use_case"], use_case);
    v["data"]["uri"].as_str().unwrap().to_owned()
}

/// A pajamas body: no required product attribute, one SKU.
async fn pajamas_body(tt: &TikTok, sku: &str) -> Value {
    let mut body = tt.product_body(&[sku]).await;
    body["category_id"] = json!(KIDS_PAJAMAS);
    body["title"] = json!("Kids Cotton Pajamas");
    body["product_attributes"] = json!([]);
    body
}

#[tokio::test]
async fn rules_name_certifications_and_size_chart_and_create_enforces_them() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let rules = tt
        .ok(
            "GET",
            &format!("/product/202309/categories/{KIDS_PAJAMAS}/rules"),
            &[("category_version", "v2")],
            None,
        )
        .await;
    assert_eq!(rules["product_certifications"][0]["id"], CPC, "{rules}");
    assert_eq!(rules["product_certifications"][0]["is_required"], true);
    assert_eq!(rules["size_chart"]["is_required"], true);
    // A category without such rules says so.
    let mugs = tt
        .ok(
            "GET",
            "/product/202309/categories/601602/rules",
            &[("category_version", "v2")],
            None,
        )
        .await;
    assert_eq!(mugs["product_certifications"], json!([]));
    assert_eq!(mugs["size_chart"]["is_required"], false);

    // Without the certification: refused, naming it.
    let body = pajamas_body(&tt, "PJ-1").await;
    let (_, v) = tt
        .call("POST", "/product/202309/products", &[], Some(body.clone()))
        .await;
    assert_eq!(v["code"], 12052022, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("Children's Product Certificate"),
        "{v}"
    );

    // A PDF file and a certification image; then the size chart is what is missing.
    let file = upload(
        &tt,
        "/product/202309/files/upload",
        "cpc.pdf",
        b"%PDF-1.4\n%test\n".to_vec(),
        &[("name", "cpc.pdf")],
    )
    .await;
    assert_eq!(file["code"], 0, "{file}");
    assert_eq!(file["data"]["format"], "PDF");
    let file_id = file["data"]["id"].as_str().unwrap().to_owned();
    let cert_image = image_for(&tt, "CERTIFICATION_IMAGE").await;
    let mut with_cert = body.clone();
    with_cert["certifications"] = json!([{
        "id": CPC,
        "images": [{"uri": cert_image}],
        "files": [{"id": file_id, "name": "cpc.pdf", "format": "PDF"}],
    }]);
    let (_, v) = tt
        .call(
            "POST",
            "/product/202309/products",
            &[],
            Some(with_cert.clone()),
        )
        .await;
    assert_eq!(v["code"], 12052023, "{v}");

    // A main image is no size chart.
    let main = tt.upload_image().await;
    let mut wrong = with_cert.clone();
    wrong["size_chart"] = json!({"image": {"uri": main}});
    let (_, v) = tt
        .call("POST", "/product/202309/products", &[], Some(wrong))
        .await;
    assert!(
        v["message"].as_str().unwrap().contains("SIZE_CHART_IMAGE"),
        "{v}"
    );

    let chart = image_for(&tt, "SIZE_CHART_IMAGE").await;
    let mut complete = with_cert.clone();
    complete["size_chart"] = json!({"image": {"uri": chart}});
    complete["brand_id"] = json!(KIDS_BRAND);
    let created = tt
        .ok("POST", "/product/202309/products", &[], Some(complete))
        .await;
    let id = created["product_id"].as_str().unwrap();
    let product = tt
        .ok("GET", &format!("/product/202309/products/{id}"), &[], None)
        .await;
    assert_eq!(product["brand"]["id"], KIDS_BRAND);
    assert_eq!(product["certifications"][0]["id"], CPC);
    assert_eq!(
        product["certifications"][0]["files"][0]["id"],
        file_id.as_str()
    );
    assert_eq!(product["size_chart"]["image"]["uri"], chart.as_str());

    // A template works too.
    let mut template = with_cert;
    template["skus"][0]["seller_sku"] = json!("PJ-2");
    template["size_chart"] = json!({"template": {"id": TEMPLATE}});
    tt.ok("POST", "/product/202309/products", &[], Some(template))
        .await;
}

#[tokio::test]
async fn files_must_be_pdf_and_brands_authorized_for_the_category() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let v = upload(
        &tt,
        "/product/202309/files/upload",
        "cpc.docx",
        b"PK\x03\x04".to_vec(),
        &[("name", "cpc.docx")],
    )
    .await;
    assert_eq!(v["code"], 12052021, "{v}");
    let v = upload(
        &tt,
        "/product/202309/files/upload",
        "cpc.pdf",
        b"not a pdf".to_vec(),
        &[("name", "cpc.pdf")],
    )
    .await;
    assert!(v["message"].as_str().unwrap().contains("not a PDF"), "{v}");

    // Brands: per category, authorized or not, paged.
    let all = tt
        .ok("GET", "/product/202309/brands", &[("page_size", "1")], None)
        .await;
    assert_eq!(all["brands"].as_array().unwrap().len(), 1);
    assert_eq!(all["total_count"], 3);
    assert!(!all["next_page_token"].as_str().unwrap().is_empty());
    let tees = tt
        .ok(
            "GET",
            "/product/202309/brands",
            &[
                ("page_size", "20"),
                ("category_id", "601226"),
                ("category_version", "v2"),
            ],
            None,
        )
        .await;
    assert!(
        tees["brands"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["id"] != KIDS_BRAND)
    );
    let unauthorized = tt
        .ok(
            "GET",
            "/product/202309/brands",
            &[("page_size", "20"), ("is_authorized", "false")],
            None,
        )
        .await;
    let acme = &unauthorized["brands"][0];
    assert_eq!(
        acme["authorized_status"], "UNAUTHORIEZD",
        "misspelt like the real API"
    );

    let mut body = tt.product_body(&["TEE-B"]).await;
    body["brand_id"] = acme["id"].clone();
    let (_, v) = tt
        .call("POST", "/product/202309/products", &[], Some(body.clone()))
        .await;
    assert_eq!(v["code"], 12052019, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("not authorized"),
        "{v}"
    );
    body["brand_id"] = json!(KIDS_BRAND);
    let (_, v) = tt
        .call("POST", "/product/202309/products", &[], Some(body))
        .await;
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("cannot be used in category"),
        "{v}"
    );
}

#[tokio::test]
async fn recommendation_follows_the_title() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let recommend = |title: &str| json!({"product_title": title, "category_version": "v2"});
    let data = tt
        .ok(
            "POST",
            "/product/202309/categories/recommend",
            &[],
            Some(recommend("Organic Cotton Kids Pajamas Set")),
        )
        .await;
    assert_eq!(data["leaf_category_id"], KIDS_PAJAMAS, "{data}");
    let chain = data["categories"].as_array().unwrap();
    assert_eq!(chain.last().unwrap()["is_leaf"], true);
    assert_eq!(chain[0]["level"], 1);
    let data = tt
        .ok(
            "POST",
            "/product/202309/categories/recommend",
            &[],
            Some(recommend("Ceramic coffee mug")),
        )
        .await;
    assert_eq!(data["leaf_category_id"], "601501", "{data}");
    let (_, v) = tt
        .call(
            "POST",
            "/product/202309/categories/recommend",
            &[],
            Some(json!({"product_title": ""})),
        )
        .await;
    assert_ne!(v["code"], 0, "{v}");
}

#[tokio::test]
async fn eu_operators_are_created_searched_and_required_by_id() {
    let sb = sandbox(SandboxConfig {
        tiktok_region: "DE".into(),
        ..SandboxConfig::default()
    })
    .await;
    let tt = TikTok::new(&sb);
    let (_, v) = tt
        .call(
            "POST",
            "/product/202409/compliance/responsible_persons",
            &[],
            Some(json!({"name": "EU Rep GmbH", "email": "rep@example.eu", "locale": "de-DE"})),
        )
        .await;
    assert_eq!(v["code"], 38023001, "{v}");
    let (person_id, maker_id) = tt.eu_operators().await;
    let found = tt
        .ok(
            "POST",
            "/product/202409/compliance/responsible_persons/search",
            &[("page_size", "10")],
            Some(json!({"keyword": "rep"})),
        )
        .await;
    assert_eq!(found["responsible_persons"][0]["id"], person_id.as_str());
    assert_eq!(found["total_count"], 1);
    let found = tt
        .ok(
            "POST",
            "/product/202501/compliance/manufacturers/search",
            &[("page_size", "10")],
            Some(json!({"manufacturer_ids": [maker_id]})),
        )
        .await;
    assert_eq!(found["manufacturers"][0]["name"], "Feedbridge Textiles");

    // Made-up ids are refused; the registered ones list.
    let mut body = tt.product_body(&["TEE-EU"]).await;
    body["category_version"] = json!("v1");
    body["package_weight"] = json!({"value": "0.5", "unit": "KILOGRAM"});
    body["skus"][0]["price"] = json!({"amount": "19.99", "currency": "EUR"});
    body["responsible_person_ids"] = json!(["7000000000000000001"]);
    body["manufacturer_ids"] = json!([maker_id]);
    let (_, v) = tt
        .call("POST", "/product/202309/products", &[], Some(body.clone()))
        .await;
    assert!(
        v["message"].as_str().unwrap().contains("does not exist"),
        "{v}"
    );
    body["responsible_person_ids"] = json!([person_id]);
    let created = tt
        .ok("POST", "/product/202309/products", &[], Some(body))
        .await;
    let id = created["product_id"].as_str().unwrap();
    let product = tt
        .ok("GET", &format!("/product/202309/products/{id}"), &[], None)
        .await;
    assert_eq!(product["responsible_person_ids"][0], person_id.as_str());
}

#[tokio::test]
async fn eu_operators_do_not_exist_outside_the_eu() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let (_, v) = tt
        .call(
            "POST",
            "/product/202409/compliance/manufacturers/search",
            &[("page_size", "10")],
            Some(json!({})),
        )
        .await;
    assert_eq!(v["code"], 38023050, "{v}");
}

/// Search Size Charts: the seller's templates under `size_chart` (singular), by keyword or by
/// ids (which win), a page at a time; `page_size` is required and more than 50 ids refused.
#[tokio::test]
async fn size_chart_templates_are_searched_by_keyword_or_ids_in_pages() {
    let sb = sandbox(SandboxConfig::default()).await;
    let tt = TikTok::new(&sb);
    let path = "/product/202407/sizecharts/search";
    let all = tt
        .ok("POST", path, &[("page_size", "2")], Some(json!({})))
        .await;
    assert_eq!(all["total_count"], 3, "{all}");
    assert_eq!(all["size_chart"].as_array().unwrap().len(), 2);
    let token = all["next_page_token"].as_str().unwrap().to_owned();
    let rest = tt
        .ok(
            "POST",
            path,
            &[("page_size", "2"), ("page_token", &token)],
            Some(json!({})),
        )
        .await;
    assert_eq!(rest["size_chart"].as_array().unwrap().len(), 1, "{rest}");
    assert_eq!(rest["next_page_token"], "");

    let jeans = tt
        .ok(
            "POST",
            path,
            &[("page_size", "10")],
            Some(json!({"keyword": "JEANS"})),
        )
        .await;
    assert_eq!(
        jeans["size_chart"][0]["template_name"],
        "Women's jeans (waist / inseam)"
    );
    let id = jeans["size_chart"][0]["template_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_id = tt
        .ok(
            "POST",
            path,
            &[("page_size", "10")],
            Some(json!({"ids": [id], "keyword": "kids"})),
        )
        .await;
    assert_eq!(by_id["total_count"], 1, "ids win over the keyword: {by_id}");
    assert_eq!(by_id["size_chart"][0]["template_id"], id.as_str());

    let (_, v) = tt.call("POST", path, &[], Some(json!({}))).await;
    assert!(v["message"].as_str().unwrap().contains("page_size"), "{v}");
    let many: Vec<String> = (0..51).map(|i| i.to_string()).collect();
    let (_, v) = tt
        .call(
            "POST",
            path,
            &[("page_size", "10")],
            Some(json!({ "ids": many })),
        )
        .await;
    assert!(v["message"].as_str().unwrap().contains("at most 50"), "{v}");
}
