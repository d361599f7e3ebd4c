//! The shop's data: one table of entities per resource, seeded from the shared demo catalog,
//! and the rules PrestaShop runs when the webservice writes (cart → order through the payment
//! module, order state changes, stock synchronisation).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::xml::Entity;
use crate::catalog_seed::SeedProduct;

/// Order state templates PrestaShop ships, the way the simulator finds its own states.
pub(crate) const PAYMENT_ERROR: &str = "payment_error";
pub(crate) const REMOTE_PAYMENT: &str = "payment";
pub(crate) const CANCELED: &str = "order_canceled";
pub(crate) const REFUNDED: &str = "refund";
pub(crate) const SHIPPED: &str = "shipped";
pub(crate) const OUT_OF_STOCK_PAID: &str = "outofstock";

/// Payment modules installed and enabled.
pub(crate) const PAYMENT_MODULES: &[&str] =
    &["ps_wirepayment", "ps_checkpayment", "ps_cashondelivery"];

/// The flat shipping price of the "My carrier" range (tax excluded, no tax rules).
pub(crate) const MY_CARRIER_PRICE: Decimal = Decimal::from_parts(700, 0, 0, false, 2);

/// The United States' states as a fresh install has them (`Country::containsStates`).
const US_STATES: &[(&str, &str)] = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
    ("PR", "Puerto Rico"),
    ("DC", "District of Columbia"),
];

pub(crate) struct State {
    pub(crate) tables: BTreeMap<&'static str, BTreeMap<u64, Entity>>,
    next: BTreeMap<&'static str, u64>,
    /// Bumped on every write so `date_upd` moves even within one second.
    pub(crate) clock_ms: i64,
    letters: u64,
}

pub(crate) fn s(v: impl ToString) -> Value {
    Value::String(v.to_string())
}

pub(crate) fn text(e: &Entity, field: &str) -> String {
    match e.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(langs)) => langs
            .first()
            .and_then(|l| l["value"].as_str())
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

pub(crate) fn num(e: &Entity, field: &str) -> u64 {
    text(e, field).trim().parse().unwrap_or(0)
}

pub(crate) fn dec(e: &Entity, field: &str) -> Decimal {
    text(e, field).trim().parse().unwrap_or_default()
}

fn lang(v: &str) -> Value {
    json!([{"id": "1", "value": v}])
}

/// `PS_WEIGHT_UNIT` and `PS_DIMENSION_UNIT` (International > Localization > Units).
pub(crate) const WEIGHT_UNIT: &str = "kg";
pub(crate) const DIMENSION_UNIT: &str = "cm";

/// `YYYY-MM-DD HH:MM:SS` in the shop's time zone (UTC here, `PS_TIMEZONE`).
pub(crate) fn ps_date(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn row(pairs: &[(&str, &str)]) -> Entity {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), s(v))).collect()
}

impl State {
    pub(crate) fn seed(catalog: Vec<SeedProduct>) -> Self {
        let mut st = State {
            tables: BTreeMap::new(),
            next: BTreeMap::new(),
            clock_ms: crate::common::now_millis(),
            letters: 0x5eed,
        };
        let now = ps_date(st.clock_ms);
        for (name, value) in [
            ("PS_SHOP_NAME", "feedbridge demo"),
            ("PS_CURRENCY_DEFAULT", "1"),
            ("PS_LANG_DEFAULT", "1"),
            ("PS_COUNTRY_DEFAULT", "21"),
            ("PS_TIMEZONE", "UTC"),
            ("PS_CARRIER_DEFAULT", "2"),
            ("PS_WEBSERVICE", "1"),
            ("PS_STOCK_MANAGEMENT", "1"),
            ("PS_ORDER_OUT_OF_STOCK", "0"),
            ("PS_WEIGHT_UNIT", WEIGHT_UNIT),
            ("PS_DIMENSION_UNIT", DIMENSION_UNIT),
        ] {
            st.insert(
                "configurations",
                row(&[
                    ("name", name),
                    ("value", value),
                    ("id_shop_group", ""),
                    ("id_shop", ""),
                    ("date_add", &now),
                    ("date_upd", &now),
                ]),
            );
        }
        st.insert(
            "currencies",
            row(&[
                ("name", "US Dollar"),
                ("iso_code", "USD"),
                ("numeric_iso_code", "840"),
                ("precision", "2"),
                ("conversion_rate", "1.000000"),
                ("deleted", "0"),
                ("active", "1"),
            ]),
        );
        for (id, iso, name) in [
            (8, "FR", "France"),
            (17, "GB", "United Kingdom"),
            (1, "DE", "Germany"),
            (4, "CA", "Canada"),
            (21, "US", "United States"),
        ] {
            let mut c = row(&[
                ("id_zone", "1"),
                ("id_currency", "0"),
                ("iso_code", iso),
                ("active", "1"),
                ("contains_states", if iso == "US" { "1" } else { "0" }),
                ("need_zip_code", "1"),
            ]);
            c.insert("name".into(), lang(name));
            st.insert_at("countries", id, c);
        }
        for (iso, name) in US_STATES {
            st.insert(
                "states",
                row(&[
                    ("id_zone", "2"),
                    ("id_country", "21"),
                    ("iso_code", iso),
                    ("name", name),
                    ("active", "1"),
                ]),
            );
        }
        for (name, active, url) in [
            ("Click and collect", "1", ""),
            ("My carrier", "1", ""),
            ("UPS", "1", "https://www.ups.com/track?tracknum=@"),
            (
                "USPS",
                "1",
                "https://tools.usps.com/go/TrackConfirmAction?tLabels=@",
            ),
        ] {
            let id = st.peek("carriers");
            let mut c = row(&[
                ("deleted", "0"),
                ("is_module", "0"),
                ("id_reference", &id.to_string()),
                ("name", name),
                ("active", active),
                ("is_free", if id == 1 { "1" } else { "0" }),
                ("url", url),
            ]);
            c.insert("delay".into(), lang("Delivery next day!"));
            st.insert("carriers", c);
        }
        // A shop upgraded from 1.6 whose first two states were deleted: ids are the shop's
        // own, so clients read `/api/order_states` (the default ids would all be off by two).
        st.next.insert("order_states", 3);
        for (name, template, paid, shipped, delivery, logable) in [
            ("Awaiting check payment", "cheque", 0, 0, 0, 0),
            ("Payment accepted", "payment", 1, 0, 0, 1),
            ("Processing in progress", "preparation", 1, 0, 0, 1),
            ("Shipped", "shipped", 1, 1, 0, 1),
            ("Delivered", "", 1, 1, 1, 1),
            ("Canceled", "order_canceled", 0, 0, 0, 0),
            ("Refunded", "refund", 1, 0, 0, 0),
            ("Payment error", "payment_error", 0, 0, 0, 0),
            ("On backorder (paid)", "outofstock", 1, 0, 0, 1),
            ("Awaiting bank wire payment", "bankwire", 0, 0, 0, 0),
            ("Remote payment accepted", "payment", 1, 0, 0, 1),
        ] {
            let mut o = row(&[
                ("unremovable", "1"),
                ("delivery", &delivery.to_string()),
                ("hidden", "0"),
                ("send_email", "0"),
                ("module_name", ""),
                ("invoice", &paid.to_string()),
                ("color", "#34209E"),
                ("logable", &logable.to_string()),
                ("shipped", &shipped.to_string()),
                ("paid", &paid.to_string()),
                ("pdf_delivery", "0"),
                ("pdf_invoice", "0"),
                ("deleted", "0"),
            ]);
            o.insert("name".into(), lang(name));
            o.insert("template".into(), lang(template));
            st.insert("order_states", o);
        }
        for p in catalog {
            st.seed_product(p);
        }
        st
    }

    fn peek(&self, table: &'static str) -> u64 {
        self.next.get(table).copied().unwrap_or(1)
    }

    pub(crate) fn insert(&mut self, table: &'static str, e: Entity) -> u64 {
        let id = self.peek(table);
        self.insert_at(table, id, e);
        id
    }

    fn insert_at(&mut self, table: &'static str, id: u64, mut e: Entity) {
        e.insert("id".into(), s(id));
        self.tables.entry(table).or_default().insert(id, e);
        let next = self.next.entry(table).or_insert(1);
        *next = (*next).max(id + 1);
    }

    pub(crate) fn get(&self, table: &str, id: u64) -> Option<&Entity> {
        self.tables.get(table)?.get(&id)
    }

    pub(crate) fn get_mut(&mut self, table: &str, id: u64) -> Option<&mut Entity> {
        self.tables.get_mut(table)?.get_mut(&id)
    }

    pub(crate) fn all(&self, table: &str) -> impl Iterator<Item = &Entity> {
        self.tables.get(table).into_iter().flat_map(|t| t.values())
    }

    pub(crate) fn config(&self, name: &str) -> String {
        self.all("configurations")
            .find(|c| text(c, "name") == name)
            .map(|c| text(c, "value"))
            .unwrap_or_default()
    }

    /// Now, as the shop writes dates; strictly later than the last write.
    pub(crate) fn tick(&mut self) -> String {
        self.clock_ms = self.clock_ms.max(crate::common::now_millis());
        ps_date(self.clock_ms)
    }

    fn option_value(&mut self, option: &str, value: &str) -> u64 {
        let found = self
            .all("product_options")
            .find(|o| text(o, "name") == option)
            .map(|o| num(o, "id"));
        let group = match found {
            Some(id) => id,
            None => {
                let mut o = row(&[
                    ("is_color_group", "0"),
                    ("group_type", "select"),
                    ("position", "0"),
                ]);
                o.insert("name".into(), lang(option));
                o.insert("public_name".into(), lang(option));
                self.insert("product_options", o)
            }
        };
        if let Some(id) = self
            .all("product_option_values")
            .find(|v| num(v, "id_attribute_group") == group && text(v, "name") == value)
            .map(|v| num(v, "id"))
        {
            return id;
        }
        let mut v = row(&[
            ("id_attribute_group", &group.to_string()),
            ("color", ""),
            ("position", "0"),
        ]);
        v.insert("name".into(), lang(value));
        let id = self.insert("product_option_values", v);
        if let Some(o) = self.get_mut("product_options", group) {
            push_assoc(o, "product_option_values", json!({"id": id.to_string()}));
        }
        id
    }

    /// The brand named so (Catalog > Brands & Suppliers), added the first time.
    fn manufacturer(&mut self, name: &str) -> u64 {
        if let Some(id) = self
            .all("manufacturers")
            .find(|m| text(m, "name") == name)
            .map(|m| num(m, "id"))
        {
            return id;
        }
        let now = ps_date(self.clock_ms);
        let mut m = row(&[
            ("active", "1"),
            ("link_rewrite", &crate::catalog_seed::slug(name)),
            ("name", name),
            ("date_add", &now),
            ("date_upd", &now),
        ]);
        m.insert("description".into(), lang(""));
        m.insert("short_description".into(), lang(""));
        self.insert("manufacturers", m)
    }

    /// `(feature id, value id)` of a predefined feature value (Catalog > Attributes & Features
    /// > Features), both added the first time.
    pub(crate) fn feature_value(&mut self, feature: &str, value: &str) -> (u64, u64) {
        let found = self
            .all("product_features")
            .find(|f| text(f, "name") == feature)
            .map(|f| num(f, "id"));
        let feature_id = match found {
            Some(id) => id,
            None => {
                let position = self.all("product_features").count().to_string();
                let mut f = row(&[("position", &position)]);
                f.insert("name".into(), lang(feature));
                self.insert("product_features", f)
            }
        };
        if let Some(id) = self
            .all("product_feature_values")
            .find(|v| num(v, "id_feature") == feature_id && text(v, "value") == value)
            .map(|v| num(v, "id"))
        {
            return (feature_id, id);
        }
        let mut v = row(&[("id_feature", &feature_id.to_string()), ("custom", "0")]);
        v.insert("value".into(), lang(value));
        (feature_id, self.insert("product_feature_values", v))
    }

    /// A tag in the shop's language (`Tag::addTags`), added the first time.
    fn tag(&mut self, name: &str) -> u64 {
        if let Some(id) = self
            .all("tags")
            .find(|t| text(t, "name") == name && num(t, "id_lang") == 1)
            .map(|t| num(t, "id"))
        {
            return id;
        }
        self.insert("tags", row(&[("id_lang", "1"), ("name", name)]))
    }

    /// An entity as the webservice shows it: virtual fields (a product's `manufacturer_name`,
    /// `getWsManufacturerName`) computed at the read.
    pub(crate) fn present(&self, resource: &str, e: &Entity) -> Entity {
        let mut e = e.clone();
        if resource == "products" {
            let brand = self
                .get("manufacturers", num(&e, "id_manufacturer"))
                .map(|m| text(m, "name"))
                .unwrap_or_default();
            e.insert("manufacturer_name".into(), s(brand));
        }
        e
    }

    fn seed_product(&mut self, p: SeedProduct) {
        let kilograms = |grams: u32| format!("{:.6}", Decimal::new(i64::from(grams), 3));
        let kilograms_impact = |grams: Option<u32>, base: Option<u32>| {
            let (g, b) = (grams.unwrap_or(0), base.unwrap_or(0));
            format!("{:.6}", Decimal::new(i64::from(g) - i64::from(b), 3))
        };
        let Some(first) = p.variants.first() else {
            return;
        };
        let base = first.price;
        let created = ps_date(p.created_ms);
        let updated = ps_date(p.updated_ms);
        let with_combinations = p.option_name.is_some();
        // PrestaShop's width, height, depth: the seed's width, height, length; 0 when unset.
        let size = |i: usize| {
            let [length, width, height] = p.box_cm.unwrap_or_default();
            format!("{:.6}", Decimal::from([width, height, length][i]))
        };
        let mut product = row(&[
            ("id_manufacturer", "0"),
            ("id_supplier", "0"),
            ("id_category_default", "2"),
            ("new", ""),
            ("cache_default_attribute", "0"),
            ("id_default_image", ""),
            ("id_default_combination", "0"),
            ("id_tax_rules_group", "0"),
            (
                "type",
                if with_combinations {
                    "combinations"
                } else {
                    "simple"
                },
            ),
            ("id_shop_default", "1"),
            // A parent with combinations keeps a reference of its own; the SKUs are its combinations'.
            (
                "reference",
                &if with_combinations {
                    p.handle.to_ascii_uppercase()
                } else {
                    first.sku.clone()
                },
            ),
            ("supplier_reference", ""),
            ("width", &size(0)),
            ("height", &size(1)),
            ("depth", &size(2)),
            ("weight", &kilograms(first.weight_grams.unwrap_or(0))),
            ("ean13", ""),
            ("isbn", ""),
            ("upc", ""),
            ("mpn", ""),
            ("state", "1"),
            (
                "product_type",
                if with_combinations {
                    "combinations"
                } else {
                    "standard"
                },
            ),
            ("on_sale", "0"),
            ("online_only", "0"),
            ("minimal_quantity", "1"),
            ("price", &format!("{:.6}", base)),
            ("wholesale_price", "0.000000"),
            ("active", "1"),
            ("available_for_order", "1"),
            ("show_price", "1"),
            ("visibility", "both"),
            ("advanced_stock_management", "0"),
            ("date_add", &created),
            ("date_upd", &updated),
        ]);
        product.insert("name".into(), lang(&p.title));
        product.insert("link_rewrite".into(), lang(&p.handle));
        product.insert("description".into(), lang(&p.description_html));
        product.insert("description_short".into(), lang(""));
        // The seed's vendor is the brand, its materials the feature "Material", its tags tags.
        if !p.vendor.trim().is_empty() {
            let brand = self.manufacturer(p.vendor.trim());
            product.insert("id_manufacturer".into(), s(brand));
        }
        let features: Vec<Value> = p
            .materials
            .iter()
            .map(|m| {
                let (feature, value) = self.feature_value("Material", m);
                json!({"id": feature.to_string(), "id_feature_value": value.to_string()})
            })
            .collect();
        let tags: Vec<Value> = p
            .tags
            .iter()
            .map(|t| json!({"id": self.tag(t).to_string()}))
            .collect();
        product.insert(
            "associations".into(),
            json!({"categories": [{"id": "2"}], "product_features": features, "tags": tags}),
        );
        let id = self.insert("products", product);
        // One image per product, id = product id: `{shop}/{id}-large_default/{link_rewrite}.jpg`.
        if let Some(p) = self.get_mut("products", id) {
            p.insert("id_default_image".into(), s(id));
            push_assoc(p, "images", json!({"id": id.to_string()}));
        }
        let out_of_stock = |allow: bool| if allow { "1" } else { "2" };
        if let Some(option) = p.option_name.as_deref() {
            for (i, v) in p.variants.iter().enumerate() {
                let value = self.option_value(option, &v.option_value);
                let mut c = row(&[
                    ("id_product", &id.to_string()),
                    ("location", ""),
                    ("ean13", ""),
                    ("isbn", ""),
                    ("upc", ""),
                    ("mpn", ""),
                    ("quantity", "0"),
                    ("reference", &v.sku),
                    ("supplier_reference", ""),
                    ("wholesale_price", "0.000000"),
                    ("price", &format!("{:.6}", v.price - base)),
                    ("ecotax", "0.000000"),
                    // A combination's weight is an impact on the product's.
                    (
                        "weight",
                        &kilograms_impact(v.weight_grams, first.weight_grams),
                    ),
                    ("unit_price_impact", "0.000000"),
                    ("minimal_quantity", "1"),
                    ("default_on", if i == 0 { "1" } else { "" }),
                    ("available_date", "0000-00-00"),
                ]);
                c.insert(
                    "associations".into(),
                    json!({"product_option_values": [{"id": value.to_string()}]}),
                );
                let cid = self.insert("combinations", c);
                if let Some(p) = self.get_mut("products", id) {
                    push_assoc(p, "combinations", json!({"id": cid.to_string()}));
                    push_assoc(p, "product_option_values", json!({"id": value.to_string()}));
                    if i == 0 {
                        p.insert("id_default_combination".into(), s(cid));
                        p.insert("cache_default_attribute".into(), s(cid));
                    }
                }
                self.stock_row(id, cid, v.stock, out_of_stock(v.allow_backorder));
            }
            let total: i64 = p.variants.iter().map(|v| v.stock).sum();
            self.stock_row(id, 0, total, out_of_stock(first.allow_backorder));
        } else {
            self.stock_row(id, 0, first.stock, out_of_stock(first.allow_backorder));
        }
    }

    fn stock_row(&mut self, product: u64, attribute: u64, quantity: i64, out_of_stock: &str) {
        let sid = self.insert(
            "stock_availables",
            row(&[
                ("id_product", &product.to_string()),
                ("id_product_attribute", &attribute.to_string()),
                ("id_shop", "1"),
                ("id_shop_group", "0"),
                ("quantity", &quantity.to_string()),
                ("depends_on_stock", "0"),
                ("out_of_stock", out_of_stock),
                ("location", ""),
            ]),
        );
        if let Some(p) = self.get_mut("products", product) {
            push_assoc(
                p,
                "stock_availables",
                json!({"id": sid.to_string(), "id_product_attribute": attribute.to_string()}),
            );
        }
    }

    /// The stock row of a product (attribute 0) or one of its combinations.
    pub(crate) fn stock_id(&self, product: u64, attribute: u64) -> Option<u64> {
        self.all("stock_availables")
            .find(|r| {
                num(r, "id_product") == product && num(r, "id_product_attribute") == attribute
            })
            .map(|r| num(r, "id"))
    }

    /// `StockAvailable::postSave`: a product with combinations holds their sum.
    pub(crate) fn sync_product_stock(&mut self, product: u64) {
        let rows: Vec<&Entity> = self
            .all("stock_availables")
            .filter(|r| num(r, "id_product") == product && num(r, "id_product_attribute") != 0)
            .collect();
        if rows.is_empty() {
            return;
        }
        let sum: i64 = rows
            .iter()
            .map(|r| text(r, "quantity").parse::<i64>().unwrap_or(0))
            .sum();
        if let Some(id) = self.stock_id(product, 0)
            && let Some(r) = self.get_mut("stock_availables", id)
        {
            r.insert("quantity".into(), s(sum));
        }
    }

    /// Moves the stock of a product or combination by `delta`.
    pub(crate) fn move_stock(&mut self, product: u64, attribute: u64, delta: i64) {
        if let Some(id) = self.stock_id(product, attribute)
            && let Some(r) = self.get_mut("stock_availables", id)
        {
            let q = text(r, "quantity").parse::<i64>().unwrap_or(0) + delta;
            r.insert("quantity".into(), s(q));
        }
        self.sync_product_stock(product);
    }

    /// The state with this template (the first, by id), or by name.
    pub(crate) fn state_by_template(&self, template: &str) -> u64 {
        self.all("order_states")
            .find(|o| text(o, "template") == template)
            .map(|o| num(o, "id"))
            .unwrap_or(0)
    }

    /// 9 upper-case letters, as `Order::generateReference`.
    pub(crate) fn reference(&mut self) -> String {
        self.letters = self
            .letters
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let mut n = self.letters >> 11;
        (0..9)
            .map(|_| {
                let c = char::from(b'A' + u8::try_from(n % 26).unwrap_or(0));
                n /= 26;
                c
            })
            .collect()
    }

    /// `OrderHistory::changeIdOrderState` + `add`: the order takes the state; leaving a logable
    /// state for a cancelled one puts the ordered units back.
    pub(crate) fn change_state(&mut self, order: u64, state: u64, employee: u64) -> Option<u64> {
        let new = self.get("order_states", state)?.clone();
        let o = self.get("orders", order)?.clone();
        let old = self.get("order_states", num(&o, "current_state")).cloned();
        let was_logable = old.as_ref().is_some_and(|s| text(s, "logable") == "1");
        if was_logable && text(&new, "template") == CANCELED {
            for r in rows(&o, "order_rows") {
                let q = r["product_quantity"]
                    .as_str()
                    .unwrap_or("0")
                    .parse::<i64>()
                    .unwrap_or(0);
                let p = r["product_id"].as_str().unwrap_or("0").parse().unwrap_or(0);
                let a = r["product_attribute_id"]
                    .as_str()
                    .unwrap_or("0")
                    .parse()
                    .unwrap_or(0);
                self.move_stock(p, a, q);
            }
        }
        let now = self.tick();
        if let Some(o) = self.get_mut("orders", order) {
            o.insert("current_state".into(), s(state));
            o.insert("valid".into(), s(text(&new, "logable")));
            o.insert("date_upd".into(), s(&now));
        }
        let h = row(&[
            ("id_employee", &employee.to_string()),
            ("id_order_state", &state.to_string()),
            ("id_order", &order.to_string()),
            ("date_add", &now),
        ]);
        Some(self.insert("order_histories", h))
    }
}

pub(crate) fn rows(e: &Entity, association: &str) -> Vec<Map<String, Value>> {
    e.get("associations")
        .and_then(|a| a.get(association))
        .and_then(Value::as_array)
        .map(|rows| rows.iter().filter_map(|r| r.as_object().cloned()).collect())
        .unwrap_or_default()
}

pub(crate) fn push_assoc(e: &mut Entity, association: &str, row: Value) {
    let assoc = e
        .entry("associations")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(a) = assoc.as_object_mut() {
        let list = a
            .entry(association)
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Some(l) = list.as_array_mut() {
            l.push(row);
        }
    }
}
