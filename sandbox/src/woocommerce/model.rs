//! WooCommerce store state: products and variations, orders, webhooks, and their REST shapes.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::catalog_seed::SeedProduct;

/// Attachment ids of product images sit apart from product ids.
const IMAGE_ID_OFFSET: u64 = 1_000_000;

/// `2026-11-21T18:00:00`: WooCommerce dates carry no zone; `*_gmt` fields are UTC and the
/// simulated site's timezone is UTC, so local and GMT dates are equal.
pub(crate) fn wc_date(millis: i64) -> String {
    let iso = crate::common::iso8601(millis);
    iso.trim_end_matches('Z').to_string()
}

/// Money as WooCommerce returns it: a string with the store's 2 decimals.
pub(crate) fn money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

/// `""` stays unset; anything else must be a decimal (as `wc_format_decimal` accepts).
pub(crate) fn parse_price(s: &str) -> Option<Option<Decimal>> {
    let s = s.trim();
    if s.is_empty() {
        return Some(None);
    }
    Decimal::from_str(s)
        .ok()
        .filter(|d| !d.is_sign_negative())
        .map(Some)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Simple,
    Variable,
    Variation,
}

impl Kind {
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            Kind::Simple => "simple",
            Kind::Variable => "variable",
            Kind::Variation => "variation",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Meta {
    pub(crate) id: u64,
    pub(crate) key: String,
    pub(crate) value: Value,
}

/// A product or a variation (WooCommerce stores both as posts with one id sequence).
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub(crate) id: u64,
    /// The variable product of a variation; 0 for products.
    pub(crate) parent_id: u64,
    pub(crate) kind: Kind,
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) status: String,
    pub(crate) description: String,
    pub(crate) sku: String,
    pub(crate) regular_price: Option<Decimal>,
    pub(crate) sale_price: Option<Decimal>,
    pub(crate) manage_stock: bool,
    pub(crate) stock_quantity: Option<i64>,
    /// `no`, `notify` or `yes`.
    pub(crate) backorders: String,
    /// Category id (products only).
    pub(crate) category: Option<u64>,
    pub(crate) tags: Vec<String>,
    /// Products: `(attribute name, options)`; variations: `(attribute name, [option])`.
    pub(crate) attribute: Option<(String, Vec<String>)>,
    pub(crate) variations: Vec<u64>,
    pub(crate) meta: Vec<Meta>,
    /// `weight` in the store's weight unit ([`WEIGHT_UNIT`]); "" when unset (a variation
    /// then ships at its parent's weight).
    pub(crate) weight: String,
    /// `dimensions` length, width, height in [`DIMENSION_UNIT`]; "" when unset.
    pub(crate) dimensions: [String; 3],
    pub(crate) created: i64,
    pub(crate) modified: i64,
}

/// The store's `woocommerce_weight_unit` (kg, g, lbs or oz).
/// The seed's materials are this product meta (a list of text).
pub(crate) const MATERIAL_META_KEY: &str = "material";
pub(crate) const WEIGHT_UNIT: &str = "g";
/// The store's `woocommerce_dimension_unit` (m, cm, mm, in or yd).
pub(crate) const DIMENSION_UNIT: &str = "cm";

fn figure(value: Option<u32>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn box_figures(box_cm: Option<[u32; 3]>) -> [String; 3] {
    box_cm.map_or_else(Default::default, |b| b.map(|v| v.to_string()))
}

impl Item {
    /// The price a shopper pays now (`price`, read-only in the API).
    pub(crate) fn price(&self) -> Option<Decimal> {
        self.sale_price.or(self.regular_price)
    }

    pub(crate) fn stock_status(&self) -> &'static str {
        match (self.manage_stock, self.stock_quantity) {
            (true, Some(q)) if q > 0 => "instock",
            (true, _) if self.backorders != "no" => "onbackorder",
            (true, _) => "outofstock",
            (false, _) => "instock",
        }
    }
}

pub(crate) struct Category {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) slug: String,
}

#[derive(Clone, Debug)]
pub(crate) struct LineItem {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) product_id: u64,
    pub(crate) variation_id: u64,
    pub(crate) quantity: i64,
    pub(crate) subtotal: Decimal,
    pub(crate) total: Decimal,
    pub(crate) sku: String,
    pub(crate) meta: Vec<Meta>,
}

#[derive(Clone, Debug)]
pub(crate) struct ShippingLine {
    pub(crate) id: u64,
    pub(crate) method_id: String,
    pub(crate) method_title: String,
    pub(crate) total: Decimal,
}

#[derive(Clone, Debug)]
pub(crate) struct FeeLine {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) total: Decimal,
}

#[derive(Clone, Debug)]
pub(crate) struct Note {
    pub(crate) id: u64,
    pub(crate) note: String,
    pub(crate) customer_note: bool,
    pub(crate) created: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct Order {
    pub(crate) id: u64,
    pub(crate) order_key: String,
    pub(crate) status: String,
    pub(crate) currency: String,
    pub(crate) created: i64,
    pub(crate) modified: i64,
    pub(crate) paid: Option<i64>,
    pub(crate) completed: Option<i64>,
    pub(crate) billing: Value,
    pub(crate) shipping: Value,
    pub(crate) payment_method: String,
    pub(crate) payment_method_title: String,
    pub(crate) transaction_id: String,
    pub(crate) created_via: String,
    pub(crate) customer_note: String,
    pub(crate) line_items: Vec<LineItem>,
    pub(crate) shipping_lines: Vec<ShippingLine>,
    pub(crate) fee_lines: Vec<FeeLine>,
    pub(crate) meta: Vec<Meta>,
    /// `_order_stock_reduced`: stock was taken for this order and not yet given back.
    pub(crate) stock_reduced: bool,
    pub(crate) notes: Vec<Note>,
    pub(crate) refunds: Vec<Refund>,
}

/// A refund of an order (`/orders/{id}/refunds`).
#[derive(Clone, Debug)]
pub(crate) struct Refund {
    pub(crate) id: u64,
    pub(crate) amount: Decimal,
    pub(crate) reason: String,
    /// (line item id, quantity) put back in stock.
    pub(crate) line_items: Vec<(u64, i64)>,
}

impl Order {
    pub(crate) fn total(&self) -> Decimal {
        self.line_items.iter().map(|l| l.total).sum::<Decimal>()
            + self.shipping_lines.iter().map(|l| l.total).sum::<Decimal>()
            + self.fee_lines.iter().map(|l| l.total).sum::<Decimal>()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Webhook {
    pub(crate) id: u64,
    pub(crate) name: String,
    /// `active`, `paused` or `disabled`.
    pub(crate) status: String,
    pub(crate) topic: String,
    pub(crate) delivery_url: String,
    pub(crate) secret: String,
    pub(crate) failure_count: u32,
    pub(crate) created: i64,
    pub(crate) modified: i64,
}

impl Webhook {
    pub(crate) fn resource(&self) -> &str {
        self.topic.split('.').next().unwrap_or_default()
    }

    pub(crate) fn event(&self) -> &str {
        self.topic.split('.').nth(1).unwrap_or_default()
    }
}

pub(crate) struct State {
    pub(crate) home: String,
    /// Posts (products, variations, orders) share one id sequence, as in WordPress.
    next_post_id: u64,
    /// Order items, notes, meta rows and categories each have their own tables.
    next_row_id: u64,
    pub(crate) categories: Vec<Category>,
    pub(crate) items: BTreeMap<u64, Item>,
    pub(crate) orders: BTreeMap<u64, Order>,
    pub(crate) webhooks: BTreeMap<u64, Webhook>,
    next_webhook_id: u64,
}

impl State {
    /// Seeds the same catalog the Shopify simulator sells (`catalog_seed`): single-variant
    /// products become `simple`, the others `variable` with one variation per option value.
    /// Stock = the Shopify total over locations; a Shopify compare-at price becomes the
    /// `regular_price` with the selling price as `sale_price`.
    pub(crate) fn seed(catalog: Vec<SeedProduct>, home: String) -> Self {
        let mut st = State {
            home,
            next_post_id: 10,
            next_row_id: 1,
            categories: Vec::new(),
            items: BTreeMap::new(),
            orders: BTreeMap::new(),
            webhooks: BTreeMap::new(),
            next_webhook_id: 1,
        };
        for p in catalog {
            let category = st.category_id(&p.product_type);
            let id = st.post_id();
            let simple = p.option_name.is_none();
            let mut product = Item {
                id,
                parent_id: 0,
                kind: if simple { Kind::Simple } else { Kind::Variable },
                name: p.title.clone(),
                slug: p.handle.clone(),
                status: "publish".to_string(),
                description: p.description_html.clone(),
                sku: String::new(),
                regular_price: None,
                sale_price: None,
                manage_stock: false,
                stock_quantity: None,
                backorders: "no".to_string(),
                category: Some(category),
                tags: p.tags.clone(),
                attribute: p.option_name.clone().map(|name| {
                    (
                        name,
                        p.variants.iter().map(|v| v.option_value.clone()).collect(),
                    )
                }),
                variations: Vec::new(),
                // What it is made of, as a custom field (meta) a plugin such as ACF keeps.
                meta: if p.materials.is_empty() {
                    Vec::new()
                } else {
                    vec![Meta {
                        id: st.row_id(),
                        key: MATERIAL_META_KEY.to_string(),
                        value: json!(p.materials),
                    }]
                },
                // The merchant sets the first option's weight and the box on the product;
                // variations override the weight only where it differs.
                weight: figure(p.variants.first().and_then(|v| v.weight_grams)),
                dimensions: box_figures(p.box_cm),
                created: p.created_ms,
                modified: p.updated_ms,
            };
            let backorders = |allow: bool| if allow { "yes" } else { "no" }.to_string();
            if simple {
                if let Some(v) = p.variants.first() {
                    product.sku = v.sku.clone();
                    (product.regular_price, product.sale_price) = regular_sale(v);
                    product.manage_stock = true;
                    product.stock_quantity = Some(v.stock);
                    product.backorders = backorders(v.allow_backorder);
                }
            } else {
                for v in &p.variants {
                    let vid = st.post_id();
                    let (regular_price, sale_price) = regular_sale(v);
                    st.items.insert(
                        vid,
                        Item {
                            id: vid,
                            parent_id: id,
                            kind: Kind::Variation,
                            name: format!("{} - {}", p.title, v.option_value),
                            slug: format!("{}-{}", p.handle, v.option_value.to_lowercase()),
                            status: "publish".to_string(),
                            description: String::new(),
                            sku: v.sku.clone(),
                            regular_price,
                            sale_price,
                            manage_stock: true,
                            stock_quantity: Some(v.stock),
                            backorders: backorders(v.allow_backorder),
                            category: None,
                            tags: Vec::new(),
                            attribute: p
                                .option_name
                                .clone()
                                .map(|name| (name, vec![v.option_value.clone()])),
                            variations: Vec::new(),
                            meta: Vec::new(),
                            weight: if v.weight_grams == p.variants[0].weight_grams {
                                String::new()
                            } else {
                                figure(v.weight_grams)
                            },
                            dimensions: Default::default(),
                            created: p.created_ms,
                            modified: p.updated_ms,
                        },
                    );
                    product.variations.push(vid);
                }
            }
            st.items.insert(id, product);
        }
        st
    }

    pub(crate) fn post_id(&mut self) -> u64 {
        let id = self.next_post_id;
        self.next_post_id += 1;
        id
    }

    pub(crate) fn row_id(&mut self) -> u64 {
        let id = self.next_row_id;
        self.next_row_id += 1;
        id
    }

    pub(crate) fn webhook_id(&mut self) -> u64 {
        let id = self.next_webhook_id;
        self.next_webhook_id += 1;
        id
    }

    fn category_id(&mut self, name: &str) -> u64 {
        if let Some(c) = self.categories.iter().find(|c| c.name == name) {
            return c.id;
        }
        let id = self.row_id() + 14;
        self.categories.push(Category {
            id,
            name: name.to_string(),
            slug: crate::catalog_seed::slug(name),
        });
        id
    }

    pub(crate) fn item_by_sku(&self, sku: &str) -> Option<&Item> {
        (!sku.is_empty())
            .then(|| self.items.values().find(|i| i.sku == sku))
            .flatten()
    }

    /// Whether `sku` is free for item `except` (SKUs are unique over products and variations).
    pub(crate) fn sku_free(&self, sku: &str, except: u64) -> bool {
        sku.is_empty()
            || !self
                .items
                .values()
                .any(|i| i.sku == sku && i.id != except && i.status != "trash")
    }

    // -----------------------------------------------------------------------------------------
    // REST shapes (`GET /wc/v3/...`)

    fn meta_json(meta: &[Meta]) -> Value {
        Value::Array(
            meta.iter()
                .map(|m| json!({"id": m.id, "key": m.key, "value": m.value}))
                .collect(),
        )
    }

    fn price_str(d: Option<Decimal>) -> String {
        d.map(money).unwrap_or_default()
    }

    /// A product, or a variation in product shape (what `GET /products/{variation id}` and
    /// the `product.*` webhooks of a variation carry).
    /// The product's one image, served by the simulator as WordPress serves uploads.
    fn image_json(&self, product_id: u64, name: &str) -> Value {
        json!({
            "id": product_id + IMAGE_ID_OFFSET,
            "src": format!("{}/wp-content/uploads/product-{product_id}.png", self.home),
            "name": format!("product-{product_id}.png"),
            "alt": name,
        })
    }

    pub(crate) fn item_json(&self, item: &Item) -> Value {
        if item.kind == Kind::Variation {
            return self.variation_json(item);
        }
        let price = match item.kind {
            Kind::Variable => item
                .variations
                .iter()
                .filter_map(|v| self.items.get(v).and_then(Item::price))
                .min(),
            _ => item.price(),
        };
        let categories: Vec<Value> = item
            .category
            .and_then(|id| self.categories.iter().find(|c| c.id == id))
            .map(|c| json!({"id": c.id, "name": c.name, "slug": c.slug}))
            .into_iter()
            .collect();
        let attributes: Vec<Value> = item
            .attribute
            .iter()
            .map(|(name, options)| {
                json!({"id": 0, "name": name, "position": 0, "visible": true,
                       "variation": item.kind == Kind::Variable, "options": options})
            })
            .collect();
        let on_sale = item.sale_price.is_some();
        json!({
            "id": item.id,
            "name": item.name,
            "slug": item.slug,
            "permalink": format!("{}/product/{}/", self.home, item.slug),
            "date_created": wc_date(item.created),
            "date_created_gmt": wc_date(item.created),
            "date_modified": wc_date(item.modified),
            "date_modified_gmt": wc_date(item.modified),
            "type": item.kind.as_str(),
            "status": item.status,
            "featured": false,
            "catalog_visibility": "visible",
            "description": item.description,
            "short_description": "",
            "sku": item.sku,
            "price": Self::price_str(price),
            "regular_price": Self::price_str(item.regular_price),
            "sale_price": Self::price_str(item.sale_price),
            "date_on_sale_from": null,
            "date_on_sale_from_gmt": null,
            "date_on_sale_to": null,
            "date_on_sale_to_gmt": null,
            "on_sale": on_sale,
            "purchasable": price.is_some(),
            "virtual": false,
            "downloadable": false,
            "tax_status": "taxable",
            "tax_class": "",
            "manage_stock": item.manage_stock,
            "stock_quantity": if item.manage_stock { json!(item.stock_quantity) } else { Value::Null },
            "stock_status": item.stock_status(),
            "backorders": item.backorders,
            "backorders_allowed": item.backorders != "no",
            "weight": item.weight,
            "dimensions": Self::dimensions_json(&item.dimensions),
            "categories": categories,
            "tags": item.tags.iter().map(|t| json!({"id": 0, "name": t, "slug": crate::catalog_seed::slug(t)})).collect::<Vec<_>>(),
            "images": [self.image_json(item.id, &item.name)],
            "attributes": attributes,
            "variations": item.variations,
            "parent_id": 0,
            "meta_data": Self::meta_json(&item.meta),
            "_links": {
                "self": [{"href": format!("{}/wp-json/wc/v3/products/{}", self.home, item.id)}],
                "collection": [{"href": format!("{}/wp-json/wc/v3/products", self.home)}],
            },
        })
    }

    fn dimensions_json([length, width, height]: &[String; 3]) -> Value {
        json!({"length": length, "width": width, "height": height})
    }

    pub(crate) fn variation_json(&self, v: &Item) -> Value {
        let attributes: Vec<Value> = v
            .attribute
            .iter()
            .map(|(name, options)| {
                json!({"id": 0, "name": name, "option": options.first().cloned().unwrap_or_default()})
            })
            .collect();
        json!({
            "id": v.id,
            "parent_id": v.parent_id,
            "type": "variation",
            "name": v.name,
            "permalink": format!("{}/product/{}/", self.home, v.slug),
            "date_created": wc_date(v.created),
            "date_created_gmt": wc_date(v.created),
            "date_modified": wc_date(v.modified),
            "date_modified_gmt": wc_date(v.modified),
            "description": v.description,
            "status": v.status,
            "sku": v.sku,
            "price": Self::price_str(v.price()),
            "regular_price": Self::price_str(v.regular_price),
            "sale_price": Self::price_str(v.sale_price),
            "on_sale": v.sale_price.is_some(),
            "purchasable": v.price().is_some(),
            "virtual": false,
            "downloadable": false,
            "manage_stock": v.manage_stock,
            "stock_quantity": if v.manage_stock { json!(v.stock_quantity) } else { Value::Null },
            "stock_status": v.stock_status(),
            "backorders": v.backorders,
            "backorders_allowed": v.backorders != "no",
            "weight": v.weight,
            "dimensions": Self::dimensions_json(&v.dimensions),
            "attributes": attributes,
            "meta_data": Self::meta_json(&v.meta),
            "_links": {
                "self": [{"href": format!("{}/wp-json/wc/v3/products/{}/variations/{}", self.home, v.parent_id, v.id)}],
                "up": [{"href": format!("{}/wp-json/wc/v3/products/{}", self.home, v.parent_id)}],
            },
        })
    }

    pub(crate) fn order_json(&self, o: &Order) -> Value {
        let date = |t: Option<i64>| t.map_or(Value::Null, |t| Value::String(wc_date(t)));
        let lines: Vec<Value> = o
            .line_items
            .iter()
            .map(|l| {
                let unit = if l.quantity == 0 {
                    Decimal::ZERO
                } else {
                    l.total / Decimal::from(l.quantity)
                };
                json!({
                    "id": l.id,
                    "name": l.name,
                    "product_id": l.product_id,
                    "variation_id": l.variation_id,
                    "quantity": l.quantity,
                    "tax_class": "",
                    "subtotal": money(l.subtotal),
                    "subtotal_tax": "0.00",
                    "total": money(l.total),
                    "total_tax": "0.00",
                    "taxes": [],
                    "meta_data": Self::meta_json(&l.meta),
                    "sku": l.sku,
                    // WooCommerce returns the unit price as a number, not a string.
                    "price": unit.round_dp(2).to_string().parse::<f64>().unwrap_or(0.0),
                })
            })
            .collect();
        let shipping_lines: Vec<Value> = o
            .shipping_lines
            .iter()
            .map(|s| {
                json!({"id": s.id, "method_title": s.method_title, "method_id": s.method_id,
                       "instance_id": "", "total": money(s.total), "total_tax": "0.00",
                       "taxes": [], "meta_data": []})
            })
            .collect();
        let fee_lines: Vec<Value> = o
            .fee_lines
            .iter()
            .map(|f| {
                json!({"id": f.id, "name": f.name, "tax_class": "", "tax_status": "taxable",
                       "total": money(f.total), "total_tax": "0.00", "taxes": [], "meta_data": []})
            })
            .collect();
        let shipping_total: Decimal = o.shipping_lines.iter().map(|s| s.total).sum();
        json!({
            "id": o.id,
            "parent_id": 0,
            "number": o.id.to_string(),
            "order_key": o.order_key,
            "created_via": o.created_via,
            "version": super::WC_VERSION,
            "status": o.status,
            "currency": o.currency,
            "date_created": wc_date(o.created),
            "date_created_gmt": wc_date(o.created),
            "date_modified": wc_date(o.modified),
            "date_modified_gmt": wc_date(o.modified),
            "discount_total": "0.00",
            "discount_tax": "0.00",
            "shipping_total": money(shipping_total),
            "shipping_tax": "0.00",
            "cart_tax": "0.00",
            "total": money(o.total()),
            "total_tax": "0.00",
            "prices_include_tax": false,
            "customer_id": 0,
            "customer_ip_address": "",
            "customer_user_agent": "",
            "customer_note": o.customer_note,
            "billing": o.billing,
            "shipping": o.shipping,
            "payment_method": o.payment_method,
            "payment_method_title": o.payment_method_title,
            "transaction_id": o.transaction_id,
            "date_paid": date(o.paid),
            "date_paid_gmt": date(o.paid),
            "date_completed": date(o.completed),
            "date_completed_gmt": date(o.completed),
            "cart_hash": "",
            "meta_data": Self::meta_json(&o.meta),
            "line_items": lines,
            "tax_lines": [],
            "shipping_lines": shipping_lines,
            "fee_lines": fee_lines,
            "coupon_lines": [],
            "refunds": o.refunds.iter().rev().map(|r| json!({
                "id": r.id, "reason": r.reason, "total": format!("-{}", money(r.amount)),
            })).collect::<Vec<_>>(),
            "set_paid": false,
            "_links": {
                "self": [{"href": format!("{}/wp-json/wc/v3/orders/{}", self.home, o.id)}],
                "collection": [{"href": format!("{}/wp-json/wc/v3/orders", self.home)}],
            },
        })
    }

    pub(crate) fn note_json(n: &Note) -> Value {
        json!({
            "id": n.id,
            "author": "WooCommerce",
            "date_created": wc_date(n.created),
            "date_created_gmt": wc_date(n.created),
            "note": n.note,
            "customer_note": n.customer_note,
        })
    }

    /// A webhook as the API shows it (the secret is write-only).
    pub(crate) fn webhook_json(&self, w: &Webhook) -> Value {
        json!({
            "id": w.id,
            "name": w.name,
            "status": w.status,
            "topic": w.topic,
            "resource": w.resource(),
            "event": w.event(),
            "hooks": super::webhooks::hooks_of(&w.topic),
            "delivery_url": w.delivery_url,
            "date_created": wc_date(w.created),
            "date_created_gmt": wc_date(w.created),
            "date_modified": wc_date(w.modified),
            "date_modified_gmt": wc_date(w.modified),
            "_links": {
                "self": [{"href": format!("{}/wp-json/wc/v3/webhooks/{}", self.home, w.id)}],
                "collection": [{"href": format!("{}/wp-json/wc/v3/webhooks", self.home)}],
            },
        })
    }
}

/// WooCommerce's `regular_price` / `sale_price` for a seeded SKU.
fn regular_sale(v: &crate::catalog_seed::SeedVariant) -> (Option<Decimal>, Option<Decimal>) {
    match v.compare_at {
        Some(was) => (Some(was), Some(v.price)),
        None => (Some(v.price), None),
    }
}
