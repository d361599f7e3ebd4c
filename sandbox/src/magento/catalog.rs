//! Store, catalog and inventory endpoints: store configs, products (simple and configurable,
//! with `extension_attributes.stock_item` on the product reads), configurable children,
//! attribute options, legacy stock items, MSI sources, source items and salable quantity.

use serde_json::{Map, Value, json};

use super::input::{Fields, Obj, SearchCriteria, search};
use super::model::{
    ATTRIBUTE_SET_ID, Input, Product, STOCK_ID, STORE_ID, State, TypeId, WEIGHT_UNIT, mage_date,
    num,
};
use super::{ApiError, ApiResult, Ctx, Magento, path_id, state};

/// One searchable row: its JSON and the fields `searchCriteria` may name (`Null` = the field
/// exists but has no value).
pub(crate) struct Row {
    pub(crate) json: Value,
    pub(crate) fields: Map<String, Value>,
}

impl Fields for Row {
    fn field(&self, name: &str) -> Option<Value> {
        self.fields.get(name).cloned()
    }
}

pub(crate) fn rows_search(
    ctx: &Ctx,
    rows: Vec<Row>,
    unknown: impl Fn(&str) -> ApiError,
) -> ApiResult {
    let criteria = SearchCriteria::from_query(&ctx.query)?;
    search(
        &criteria,
        rows,
        |r| r.json.clone(),
        unknown,
        ctx.input_limits,
    )
}

/// A filter on a column the table does not have: the SQL error Magento masks.
pub(crate) fn unknown_column(field: &str) -> ApiError {
    ApiError::internal(format!(
        "SQLSTATE[42S22]: Column not found: 1054 Unknown column 'main_table.{field}' in 'where clause'"
    ))
}

pub(crate) fn store_configs(magento: &Magento) -> Value {
    let base = format!("{}/", state(magento).base_url);
    json!([{
        "id": STORE_ID,
        "code": "default",
        "website_id": 1,
        "locale": "en_US",
        "base_currency_code": "USD",
        "default_display_currency_code": "USD",
        "timezone": "UTC",
        "weight_unit": WEIGHT_UNIT,
        "base_url": base,
        "base_link_url": base,
        "base_static_url": format!("{base}static/version1700000000/"),
        "base_media_url": format!("{base}media/"),
        "secure_base_url": base,
        "secure_base_link_url": base,
        "secure_base_static_url": format!("{base}static/version1700000000/"),
        "secure_base_media_url": format!("{base}media/"),
    }])
}

pub(crate) fn store_groups() -> Value {
    json!([
        {"id": 0, "website_id": 0, "root_category_id": 0, "default_store_id": 0, "name": "Default", "code": "default"},
        {"id": 1, "website_id": 1, "root_category_id": 2, "default_store_id": 1, "name": "Feedbridge Demo", "code": "main_website_store"},
    ])
}

fn custom_attributes(p: &Product) -> Vec<Value> {
    let mut out = vec![
        json!({"attribute_code": "url_key", "value": p.url_key}),
        json!({"attribute_code": "tax_class_id", "value": "2"}),
        json!({"attribute_code": "category_ids", "value": [p.category_id.to_string()]}),
        json!({"attribute_code": "options_container", "value": "container2"}),
        json!({"attribute_code": "required_options", "value": if p.type_id == TypeId::Configurable { "1" } else { "0" }}),
        json!({"attribute_code": "has_options", "value": if p.type_id == TypeId::Configurable { "1" } else { "0" }}),
    ];
    if !p.description.is_empty() {
        out.insert(
            0,
            json!({"attribute_code": "description", "value": p.description}),
        );
    }
    if let Some(special) = p.special_price {
        out.push(json!({"attribute_code": "special_price", "value": format!("{:.6}", special)}));
    }
    if let Some((code, option_id)) = &p.option {
        out.push(json!({"attribute_code": code, "value": option_id.to_string()}));
    }
    for (code, value) in &p.described {
        out.push(json!({"attribute_code": code, "value": value}));
    }
    if let Some(image) = &p.image {
        for code in ["image", "small_image", "thumbnail"] {
            out.push(json!({"attribute_code": code, "value": image}));
        }
    }
    out
}

/// The product as `ProductRepository` answers it; `stock` adds `extension_attributes.stock_item`.
pub(crate) fn product_json(st: &State, p: &Product, stock: bool) -> Value {
    let mut ext = Map::new();
    ext.insert("website_ids".into(), json!([1]));
    ext.insert(
        "category_links".into(),
        json!([{"position": 0, "category_id": p.category_id.to_string()}]),
    );
    if stock {
        ext.insert("stock_item".into(), st.stock_item_json(p));
    }
    if let Some((code, children)) = &p.configurable {
        let attribute = st.attribute(code);
        let values: Vec<Value> = children
            .iter()
            .filter_map(|id| st.products.get(id))
            .filter_map(|c| c.option.as_ref().map(|(_, v)| json!({"value_index": v})))
            .collect();
        ext.insert(
            "configurable_product_options".into(),
            json!([{
                "id": p.id,
                "attribute_id": attribute.map(|a| a.id.to_string()),
                "label": attribute.map(|a| a.label.clone()),
                "position": 0,
                "values": values,
                "product_id": p.id,
            }]),
        );
        ext.insert("configurable_product_links".into(), json!(children));
    }
    let media: Vec<Value> = p
        .image
        .iter()
        .map(|file| {
            json!({
                "id": p.id,
                "media_type": "image",
                "label": null,
                "position": 1,
                "disabled": false,
                "types": ["image", "small_image", "thumbnail"],
                "file": file,
            })
        })
        .collect();
    let mut product = json!({
        "id": p.id,
        "sku": p.sku,
        "name": p.name,
        "attribute_set_id": ATTRIBUTE_SET_ID,
        "price": num(p.price),
        "status": p.status,
        "visibility": p.visibility,
        "type_id": p.type_id.as_str(),
        "created_at": mage_date(p.created),
        "updated_at": mage_date(p.updated),
        "extension_attributes": Value::Object(ext),
        "product_links": [],
        "options": [],
        "media_gallery_entries": media,
        "tier_prices": [],
        "custom_attributes": custom_attributes(p),
    });
    // Magento leaves `weight` out of a product that has none.
    if let Some(weight) = p.weight {
        product["weight"] = num(weight);
    }
    product
}

fn product_row(st: &State, p: &Product) -> Row {
    let mut fields = Map::new();
    let mut put = |k: &str, v: Value| {
        fields.insert(k.to_string(), v);
    };
    put("entity_id", json!(p.id));
    put("sku", json!(p.sku));
    put("name", json!(p.name));
    put("price", num(p.price));
    put("special_price", p.special_price.map_or(Value::Null, num));
    put("status", json!(p.status));
    put("visibility", json!(p.visibility));
    put("type_id", json!(p.type_id.as_str()));
    put("created_at", json!(mage_date(p.created)));
    put("updated_at", json!(mage_date(p.updated)));
    put("attribute_set_id", json!(ATTRIBUTE_SET_ID));
    put("url_key", json!(p.url_key));
    put("description", json!(p.description));
    put("weight", p.weight.map_or(Value::Null, num));
    put("category_id", json!(p.category_id));
    for a in &st.attributes {
        let option = p
            .option
            .as_ref()
            .filter(|(code, _)| *code == a.code)
            .map(|(_, id)| json!(id));
        let described = p
            .described
            .iter()
            .find(|(code, _)| *code == a.code)
            .map(|(_, value)| json!(value));
        put(&a.code, option.or(described).unwrap_or(Value::Null));
    }
    Row {
        json: product_json(st, p, true),
        fields,
    }
}

/// `GET /V1/products?searchCriteria...`.
pub(crate) fn list(magento: &Magento, ctx: &Ctx) -> ApiResult {
    let rows: Vec<Row> = {
        let st = state(magento);
        st.products.values().map(|p| product_row(&st, p)).collect()
    };
    rows_search(ctx, rows, |field| {
        ApiError::bad_request_with("Invalid attribute name: %1", json!([field]))
    })
}

/// `GET /V1/products/:sku`.
pub(crate) fn get(magento: &Magento, sku: &str) -> ApiResult {
    let st = state(magento);
    let p = st
        .product_by_sku(sku)
        .ok_or_else(ApiError::product_missing)?;
    Ok(product_json(&st, p, true))
}

/// `GET /V1/configurable-products/:sku/children`: the children as `LinkManagement` builds
/// them, from their attributes only (no `stock_item`).
pub(crate) fn children(magento: &Magento, sku: &str) -> ApiResult {
    let st = state(magento);
    let p = st
        .product_by_sku(sku)
        .ok_or_else(ApiError::product_missing)?;
    let Some((_, ids)) = &p.configurable else {
        return Ok(json!([]));
    };
    let out: Vec<Value> = ids
        .iter()
        .filter_map(|id| st.products.get(id))
        .map(|c| {
            let mut v = product_json(&st, c, false);
            if let Some(o) = v.as_object_mut() {
                o.remove("extension_attributes");
                o.remove("media_gallery_entries");
                o.remove("product_links");
                o.remove("tier_prices");
                o.remove("options");
            }
            v
        })
        .collect();
    Ok(Value::Array(out))
}

/// `GET /V1/products/attributes/:attributeCode/options`: a select or multiselect's options
/// after the empty one (`Table::getAllOptions(true)`); `[]` for an attribute without a source
/// (text, price, date), as `AbstractAttribute::getOptions()` answers.
pub(crate) fn attribute_options(magento: &Magento, code: &str) -> ApiResult {
    let st = state(magento);
    if TEXT_ATTRIBUTES.contains(&code) {
        return Ok(json!([]));
    }
    let Some(attribute) = st.attribute(code) else {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "The attribute with a \"%1\" attributeCode doesn't exist. Verify the attribute and try again.",
        )
        .with_params(json!([code])));
    };
    if attribute.input == Input::Text {
        return Ok(json!([]));
    }
    let mut out = vec![json!({"label": " ", "value": ""})];
    out.extend(
        attribute
            .options
            .iter()
            .map(|(id, label)| json!({"label": label, "value": id.to_string()})),
    );
    Ok(Value::Array(out))
}

/// The system attributes products carry that have no options (the options endpoint answers
/// `[]` for them).
const TEXT_ATTRIBUTES: &[&str] = &[
    "description",
    "short_description",
    "url_key",
    "meta_title",
    "meta_keyword",
    "meta_description",
    "image",
    "small_image",
    "thumbnail",
    "special_price",
    "category_ids",
];

/// `GET /V1/stockItems/:productSku`.
pub(crate) fn stock_item(magento: &Magento, sku: &str) -> ApiResult {
    let st = state(magento);
    let p = st
        .product_by_sku(sku)
        .ok_or_else(ApiError::product_missing)?;
    Ok(st.stock_item_json(p))
}

/// `GET /V1/inventory/sources?searchCriteria...`.
pub(crate) fn sources(magento: &Magento, ctx: &Ctx) -> ApiResult {
    let rows: Vec<Row> = state(magento)
        .sources
        .iter()
        .map(|s| {
            let json = json!({
                "source_code": s.code,
                "name": s.name,
                "enabled": s.enabled,
                "description": "",
                "latitude": 0,
                "longitude": 0,
                "country_id": "US",
                "postcode": s.postcode,
                "use_default_carrier_config": true,
                "extension_attributes": {"is_pickup_location_active": false},
            });
            let mut fields = Map::new();
            fields.insert("source_code".into(), json!(s.code));
            fields.insert("name".into(), json!(s.name));
            fields.insert("enabled".into(), json!(i32::from(s.enabled)));
            fields.insert("country_id".into(), json!("US"));
            fields.insert("postcode".into(), json!(s.postcode));
            Row { json, fields }
        })
        .collect();
    rows_search(ctx, rows, unknown_column)
}

/// `GET /V1/inventory/source-items?searchCriteria...`.
pub(crate) fn source_items(magento: &Magento, ctx: &Ctx) -> ApiResult {
    let rows: Vec<Row> = state(magento)
        .source_items
        .iter()
        .enumerate()
        .map(|(i, ((sku, source), item))| {
            let json = json!({
                "sku": sku,
                "source_code": source,
                "quantity": num(item.quantity),
                "status": item.status,
            });
            let mut fields = Map::new();
            fields.insert("source_item_id".into(), json!(i + 1));
            fields.insert("sku".into(), json!(sku));
            fields.insert("source_code".into(), json!(source));
            fields.insert("quantity".into(), num(item.quantity));
            fields.insert("status".into(), json!(item.status));
            Row { json, fields }
        })
        .collect();
    rows_search(ctx, rows, unknown_column)
}

/// Most entities in an array input while input limiting is on (`webapi/validation/complex_array_limit`).
const MAX_ARRAY_ITEMS: usize = 20;

/// `POST /V1/inventory/source-items` `{"sourceItems": [...]}`: answers `[]` (void).
pub(crate) fn save_source_items(magento: &Magento, ctx: &Ctx) -> ApiResult {
    let raw =
        Obj::param(&ctx.body, "sourceItems").ok_or_else(|| ApiError::required("sourceItems"))?;
    let Some(items) = raw.as_array() else {
        return Err(ApiError::invalid_type(
            raw,
            "\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface[]",
        ));
    };
    if ctx.input_limits && items.len() > MAX_ARRAY_ITEMS {
        return Err(ApiError::bad_request_with(
            "Maximum items of type \"%type\" is %max",
            json!({"type": "\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface", "max": MAX_ARRAY_ITEMS}),
        ));
    }
    if items.is_empty() {
        return Err(ApiError::bad_request("Input data is empty"));
    }
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        let o = Obj::new(
            item,
            &[
                "sku",
                "source_code",
                "quantity",
                "status",
                "extension_attributes",
            ],
        )?;
        let sku = o.str("sku")?.unwrap_or_default();
        let source = o.str("source_code")?.unwrap_or_default();
        for (field, value) in [("sku", &sku), ("source_code", &source)] {
            if value.trim().is_empty() {
                errors.push((
                    "\"%field\" can not be empty.".to_string(),
                    json!({"field": field}),
                ));
            }
        }
        let quantity = o.float("quantity")?.unwrap_or_default();
        let status = o.int("status")?;
        parsed.push((sku, source, quantity, status));
    }
    let mut st = state(magento);
    for (_, source, _, _) in &parsed {
        if !source.is_empty() && !st.sources.iter().any(|s| s.code == *source) {
            errors.push((
                "Source with code \"%1\" does not exist.".to_string(),
                json!([source]),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError {
            errors,
            ..ApiError::bad_request("Validation Failed")
        });
    }
    for (sku, source, quantity, status) in parsed {
        st.set_stock(&sku, &source, quantity);
        if let (Some(status), Some(item)) = (status, st.source_items.get_mut(&(sku, source))) {
            item.status = u8::from(status == 1);
        }
    }
    Ok(json!([]))
}

/// `GET /V1/inventory/get-product-salable-quantity/:sku/:stockId`.
pub(crate) fn salable(magento: &Magento, sku: &str, stock: &str) -> ApiResult {
    let stock_id = path_id(stock)?;
    let st = state(magento);
    let Some(p) = st.product_by_sku(sku) else {
        return Err(ApiError::bad_request_with(
            "Following products with requested skus were not found: %1",
            json!([sku]),
        ));
    };
    if p.type_id != TypeId::Simple {
        return Err(ApiError::bad_request(
            "Can't check requested quantity for products without Source Items support.",
        ));
    }
    if stock_id != STOCK_ID {
        return Err(ApiError::no_such_entity("stockId", json!(stock_id)));
    }
    Ok(num(st.salable(sku)))
}
