//! Magento store state: the catalog (simple and configurable products, select attributes),
//! MSI inventory (sources, source items, reservations), guest carts and the sales documents
//! (orders, invoices, shipments, credit memos).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

use crate::catalog_seed::SeedProduct;

/// `2026-11-21 18:00:00`: Magento's REST dates are UTC without a zone.
pub(crate) fn mage_date(millis: i64) -> String {
    crate::common::iso8601(millis)
        .trim_end_matches('Z')
        .replacen('T', " ", 1)
}

/// Money and quantities as Magento's JSON renders PHP floats: a whole number without a
/// fraction, else the decimal.
pub(crate) fn num(d: Decimal) -> Value {
    let d = d.round_dp(4);
    if d.fract().is_zero()
        && let Some(i) = d.to_i64()
    {
        return json!(i);
    }
    d.to_f64().map_or(Value::Null, |f| json!(f))
}

/// The one website, store group and store view of the simulated install.
pub(crate) const STORE_ID: u64 = 1;
/// The default stock (MSI): every source is assigned to it.
pub(crate) const STOCK_ID: u64 = 1;
/// The one attribute set products use ("Default").
pub(crate) const ATTRIBUTE_SET_ID: u64 = 4;
/// `general/locale/weight_unit` of the store view (`lbs` or `kgs`).
pub(crate) const WEIGHT_UNIT: &str = "lbs";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TypeId {
    Simple,
    Configurable,
}

impl TypeId {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TypeId::Simple => "simple",
            TypeId::Configurable => "configurable",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Product {
    pub(crate) id: u64,
    pub(crate) sku: String,
    pub(crate) name: String,
    pub(crate) type_id: TypeId,
    /// The base price (`price`); 0 on configurable parents, whose price is their children's.
    pub(crate) price: Decimal,
    /// `special_price` (a custom attribute): what the shopper pays while it is lower.
    pub(crate) special_price: Option<Decimal>,
    /// 1 enabled, 2 disabled.
    pub(crate) status: u8,
    /// 1 not visible individually (configurable children), 4 catalog and search.
    pub(crate) visibility: u8,
    pub(crate) description: String,
    pub(crate) url_key: String,
    /// `weight` in the store's `weight_unit` ([`WEIGHT_UNIT`]); `None` when the merchant
    /// entered none (and on configurable parents, which have no weight of their own).
    pub(crate) weight: Option<Decimal>,
    pub(crate) category_id: u64,
    /// Children: the configurable attribute's code and the option id of this child.
    pub(crate) option: Option<(String, u64)>,
    /// Parents: the configurable attribute code and the children's product ids.
    pub(crate) configurable: Option<(String, Vec<u64>)>,
    /// Descriptive attribute values as Magento stores them: `(attribute code, value)`, a
    /// select's option id, a multiselect's comma-separated option ids, or the text itself.
    pub(crate) described: Vec<(String, String)>,
    /// `stock_item.backorders` 1 ("Allow Qty Below 0").
    pub(crate) backorders: bool,
    /// `/x/y/name.png` under `media/catalog/product`.
    pub(crate) image: Option<String>,
    pub(crate) created: i64,
    pub(crate) updated: i64,
}

impl Product {
    /// The price a shopper pays (`final_price` without catalog rules).
    pub(crate) fn final_price(&self) -> Decimal {
        match self.special_price {
            Some(special) if special < self.price => special,
            _ => self.price,
        }
    }
}

/// How an attribute is entered in the admin (`frontend_input`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Input {
    Select,
    Multiselect,
    Text,
}

/// A product attribute (`size`, `color`, `manufacturer`, ...) with its options.
#[derive(Clone, Debug)]
pub(crate) struct Attribute {
    pub(crate) id: u64,
    pub(crate) code: String,
    pub(crate) label: String,
    pub(crate) input: Input,
    /// `(option id, label)`; none for a text attribute.
    pub(crate) options: Vec<(u64, String)>,
}

/// Descriptive attributes the seed fills beside the configurable ones: `(attribute_id, code,
/// label, input)`. Their ids are below the user-defined configurable attributes' (140 on).
const DESCRIPTIVE: &[(u64, &str, &str, Input)] = &[
    (83, "manufacturer", "Manufacturer", Input::Select),
    (136, "material", "Material", Input::Multiselect),
    (138, "pattern", "Pattern", Input::Text),
];

#[derive(Clone, Debug)]
pub(crate) struct Source {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) enabled: bool,
    pub(crate) postcode: String,
}

#[derive(Clone, Debug)]
pub(crate) struct SourceItem {
    pub(crate) quantity: Decimal,
    /// 1 in stock, 0 out of stock.
    pub(crate) status: u8,
}

/// An MSI reservation: a negative quantity when an order is placed, compensated (positive)
/// when it ships, is cancelled or refunded before shipping.
#[derive(Clone, Debug)]
pub(crate) struct Reservation {
    pub(crate) sku: String,
    pub(crate) quantity: Decimal,
}

/// A Magento address as carts and orders hold it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Address {
    pub(crate) firstname: String,
    pub(crate) lastname: String,
    pub(crate) company: String,
    pub(crate) street: Vec<String>,
    pub(crate) city: String,
    pub(crate) region: String,
    pub(crate) region_id: Option<u64>,
    pub(crate) region_code: String,
    pub(crate) postcode: String,
    pub(crate) country_id: String,
    pub(crate) telephone: String,
    pub(crate) email: String,
}

#[derive(Clone, Debug)]
pub(crate) struct CartItem {
    pub(crate) item_id: u64,
    /// The product added (a configurable parent, or a simple product).
    pub(crate) product_id: u64,
    /// The configurable child chosen, when `product_id` is a parent.
    pub(crate) child_id: Option<u64>,
    pub(crate) qty: Decimal,
}

#[derive(Clone, Debug)]
pub(crate) struct Cart {
    pub(crate) id: u64,
    pub(crate) masked_id: String,
    pub(crate) active: bool,
    pub(crate) items: Vec<CartItem>,
    pub(crate) shipping_address: Option<Address>,
    pub(crate) billing_address: Option<Address>,
    /// `(carrier code, method code)`.
    pub(crate) shipping_method: Option<(String, String)>,
    pub(crate) created: i64,
    pub(crate) updated: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct OrderItem {
    pub(crate) item_id: u64,
    /// The configurable item a child item belongs to.
    pub(crate) parent_item_id: Option<u64>,
    pub(crate) product_id: u64,
    pub(crate) product_type: TypeId,
    /// The simple SKU (a configurable item carries its child's SKU, as Magento does).
    pub(crate) sku: String,
    pub(crate) name: String,
    /// 0 on the child of a configurable item (the parent carries the price).
    pub(crate) price: Decimal,
    pub(crate) qty_ordered: Decimal,
    pub(crate) qty_invoiced: Decimal,
    pub(crate) qty_shipped: Decimal,
    pub(crate) qty_canceled: Decimal,
    pub(crate) qty_refunded: Decimal,
}

impl OrderItem {
    pub(crate) fn qty_to_ship(&self) -> Decimal {
        (self.qty_ordered - self.qty_shipped - self.qty_refunded - self.qty_canceled)
            .max(Decimal::ZERO)
    }

    pub(crate) fn qty_to_invoice(&self) -> Decimal {
        (self.qty_ordered - self.qty_invoiced - self.qty_canceled).max(Decimal::ZERO)
    }

    pub(crate) fn qty_to_refund(&self) -> Decimal {
        (self.qty_invoiced - self.qty_refunded).max(Decimal::ZERO)
    }

    /// Magento's `Item::getQtyToCancel()`: what is neither invoiced nor shipped.
    pub(crate) fn qty_to_cancel(&self) -> Decimal {
        self.qty_to_invoice().min(self.qty_to_ship())
    }
}

#[derive(Clone, Debug)]
pub(crate) struct History {
    pub(crate) id: u64,
    pub(crate) comment: String,
    pub(crate) status: String,
    pub(crate) entity_name: String,
    pub(crate) is_customer_notified: Option<i64>,
    pub(crate) is_visible_on_front: i64,
    pub(crate) created: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct Order {
    pub(crate) id: u64,
    pub(crate) increment_id: String,
    pub(crate) quote_id: u64,
    pub(crate) protect_code: String,
    pub(crate) state: String,
    pub(crate) status: String,
    pub(crate) customer_email: String,
    pub(crate) items: Vec<OrderItem>,
    pub(crate) billing: Address,
    pub(crate) shipping: Address,
    pub(crate) shipping_method: String,
    pub(crate) shipping_description: String,
    pub(crate) shipping_amount: Decimal,
    pub(crate) payment_method: String,
    pub(crate) payment_title: String,
    /// `payment.po_number` (the Purchase Order method asks for one).
    pub(crate) po_number: Option<String>,
    pub(crate) total_paid: Decimal,
    pub(crate) total_refunded: Decimal,
    /// The part of `total_refunded` that was shipping.
    pub(crate) shipping_refunded: Decimal,
    pub(crate) histories: Vec<History>,
    pub(crate) created: i64,
    pub(crate) updated: i64,
}

impl Order {
    pub(crate) fn subtotal(&self) -> Decimal {
        self.items
            .iter()
            .map(|i| i.price * i.qty_ordered)
            .sum::<Decimal>()
    }

    pub(crate) fn grand_total(&self) -> Decimal {
        self.subtotal() + self.shipping_amount
    }

    pub(crate) fn item(&self, item_id: u64) -> Option<&OrderItem> {
        self.items.iter().find(|i| i.item_id == item_id)
    }

    /// Items that carry quantities of their own (not the children of configurable items).
    pub(crate) fn top_items(&self) -> impl Iterator<Item = &OrderItem> {
        self.items.iter().filter(|i| i.parent_item_id.is_none())
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Track {
    pub(crate) id: u64,
    pub(crate) track_number: String,
    pub(crate) title: String,
    pub(crate) carrier_code: String,
    pub(crate) created: i64,
}

/// One line of an invoice, shipment or credit memo.
#[derive(Clone, Debug)]
pub(crate) struct DocItem {
    pub(crate) entity_id: u64,
    pub(crate) order_item_id: u64,
    pub(crate) qty: Decimal,
}

#[derive(Clone, Debug)]
pub(crate) struct Document {
    pub(crate) id: u64,
    pub(crate) increment_id: String,
    pub(crate) order_id: u64,
    pub(crate) items: Vec<DocItem>,
    pub(crate) tracks: Vec<Track>,
    /// Shipments: the MSI source the goods left from.
    pub(crate) source_code: Option<String>,
    pub(crate) grand_total: Decimal,
    pub(crate) created: i64,
    pub(crate) updated: i64,
}

/// US regions as Magento's `directory_country_region` numbers them: `(id, code, name)`.
pub(crate) const US_REGIONS: &[(u64, &str, &str)] = &[
    (1, "AL", "Alabama"),
    (2, "AK", "Alaska"),
    (4, "AZ", "Arizona"),
    (5, "AR", "Arkansas"),
    (12, "CA", "California"),
    (13, "CO", "Colorado"),
    (14, "CT", "Connecticut"),
    (15, "DE", "Delaware"),
    (16, "DC", "District of Columbia"),
    (18, "FL", "Florida"),
    (19, "GA", "Georgia"),
    (21, "HI", "Hawaii"),
    (22, "ID", "Idaho"),
    (23, "IL", "Illinois"),
    (24, "IN", "Indiana"),
    (25, "IA", "Iowa"),
    (26, "KS", "Kansas"),
    (27, "KY", "Kentucky"),
    (28, "LA", "Louisiana"),
    (29, "ME", "Maine"),
    (31, "MD", "Maryland"),
    (32, "MA", "Massachusetts"),
    (33, "MI", "Michigan"),
    (34, "MN", "Minnesota"),
    (35, "MS", "Mississippi"),
    (36, "MO", "Missouri"),
    (37, "MT", "Montana"),
    (38, "NE", "Nebraska"),
    (39, "NV", "Nevada"),
    (40, "NH", "New Hampshire"),
    (41, "NJ", "New Jersey"),
    (42, "NM", "New Mexico"),
    (43, "NY", "New York"),
    (44, "NC", "North Carolina"),
    (45, "ND", "North Dakota"),
    (47, "OH", "Ohio"),
    (48, "OK", "Oklahoma"),
    (49, "OR", "Oregon"),
    (51, "PA", "Pennsylvania"),
    (53, "RI", "Rhode Island"),
    (54, "SC", "South Carolina"),
    (55, "SD", "South Dakota"),
    (56, "TN", "Tennessee"),
    (57, "TX", "Texas"),
    (58, "UT", "Utah"),
    (59, "VT", "Vermont"),
    (61, "VA", "Virginia"),
    (62, "WA", "Washington"),
    (63, "WV", "West Virginia"),
    (64, "WI", "Wisconsin"),
    (65, "WY", "Wyoming"),
];

pub(crate) struct State {
    pub(crate) base_url: String,
    pub(crate) products: BTreeMap<u64, Product>,
    pub(crate) attributes: Vec<Attribute>,
    pub(crate) categories: Vec<(u64, String)>,
    pub(crate) sources: Vec<Source>,
    /// `(sku, source code)` → item.
    pub(crate) source_items: BTreeMap<(String, String), SourceItem>,
    pub(crate) reservations: Vec<Reservation>,
    pub(crate) carts: BTreeMap<u64, Cart>,
    pub(crate) orders: BTreeMap<u64, Order>,
    pub(crate) invoices: BTreeMap<u64, Document>,
    pub(crate) shipments: BTreeMap<u64, Document>,
    pub(crate) creditmemos: BTreeMap<u64, Document>,
    /// Flat rate shipping per item (Magento's default flat rate is $5.00 per item).
    pub(crate) flatrate_per_item: Decimal,
    next_id: BTreeMap<&'static str, u64>,
}

impl State {
    /// Seeds the same catalog the other store simulators sell (`catalog_seed`): a
    /// single-variant product becomes a `simple` product, the others a `configurable` parent
    /// with one child per option value. Stock sits at the `default` source; a compare-at
    /// price becomes `price` with the selling price as `special_price`.
    pub(crate) fn seed(catalog: Vec<SeedProduct>, base_url: String) -> Self {
        let mut st = State {
            base_url,
            products: BTreeMap::new(),
            attributes: Vec::new(),
            categories: Vec::new(),
            sources: vec![
                Source {
                    code: "default".to_string(),
                    name: "Default Source".to_string(),
                    enabled: true,
                    postcode: "90001".to_string(),
                },
                Source {
                    code: "east".to_string(),
                    name: "East Warehouse".to_string(),
                    enabled: true,
                    postcode: "10001".to_string(),
                },
            ],
            source_items: BTreeMap::new(),
            reservations: Vec::new(),
            carts: BTreeMap::new(),
            orders: BTreeMap::new(),
            invoices: BTreeMap::new(),
            shipments: BTreeMap::new(),
            creditmemos: BTreeMap::new(),
            flatrate_per_item: Decimal::new(500, 2),
            next_id: BTreeMap::new(),
        };
        for p in catalog {
            st.seed_product(p);
        }
        st
    }

    fn seed_product(&mut self, p: SeedProduct) {
        // Grams as the store's pounds, to four places as the admin keeps them.
        let pounds = |grams: Option<u32>| {
            grams.map(|g| (Decimal::from(g) / Decimal::new(45_359_237, 5)).round_dp(4))
        };
        let category_id = self.category_id(&p.product_type);
        let image = Some(image_file(&p.handle));
        let base = |id: u64, sku: String, name: String, type_id: TypeId| Product {
            id,
            sku,
            name,
            type_id,
            price: Decimal::ZERO,
            special_price: None,
            status: 1,
            visibility: 4,
            description: String::new(),
            url_key: String::new(),
            weight: None,
            category_id,
            option: None,
            configurable: None,
            described: Vec::new(),
            backorders: false,
            image: None,
            created: p.created_ms,
            updated: p.updated_ms,
        };
        let priced = |mut product: Product, v: &crate::catalog_seed::SeedVariant| {
            (product.price, product.special_price) = match v.compare_at {
                Some(was) if was > v.price => (was, Some(v.price)),
                _ => (v.price, None),
            };
            product.backorders = v.allow_backorder;
            product
        };
        match p.option_name.as_deref() {
            None => {
                let Some(v) = p.variants.first() else { return };
                let id = self.next("product");
                let mut product =
                    priced(base(id, v.sku.clone(), p.title.clone(), TypeId::Simple), v);
                product.description.clone_from(&p.description_html);
                product.url_key.clone_from(&p.handle);
                product.image = image;
                product.weight = pounds(v.weight_grams);
                product.described = self.described(&p);
                self.set_stock(&v.sku, "default", Decimal::from(v.stock));
                self.products.insert(id, product);
            }
            Some(option_name) => {
                let code = option_name.to_ascii_lowercase();
                let parent_id = self.next("product");
                let mut children = Vec::new();
                for v in &p.variants {
                    let option_id = self.option_id(&code, option_name, &v.option_value);
                    let id = self.next("product");
                    let name = format!("{}-{}", p.title, v.option_value);
                    let mut child = priced(base(id, v.sku.clone(), name, TypeId::Simple), v);
                    child.visibility = 1;
                    child.url_key = format!(
                        "{}-{}",
                        p.handle,
                        crate::catalog_seed::slug(&v.option_value)
                    );
                    child.option = Some((code.clone(), option_id));
                    child.weight = pounds(v.weight_grams);
                    self.set_stock(&v.sku, "default", Decimal::from(v.stock));
                    self.products.insert(id, child);
                    children.push(id);
                }
                let sku = p
                    .variants
                    .first()
                    .and_then(|v| v.sku.rsplit_once('-').map(|(head, _)| head.to_string()))
                    .unwrap_or_else(|| p.handle.to_ascii_uppercase());
                let mut parent = base(parent_id, sku, p.title.clone(), TypeId::Configurable);
                parent.description.clone_from(&p.description_html);
                parent.url_key.clone_from(&p.handle);
                parent.image = image;
                parent.configurable = Some((code, children));
                parent.described = self.described(&p);
                self.products.insert(parent_id, parent);
            }
        }
    }

    pub(crate) fn next(&mut self, sequence: &'static str) -> u64 {
        let n = self.next_id.entry(sequence).or_insert(0);
        *n += 1;
        *n
    }

    fn category_id(&mut self, name: &str) -> u64 {
        if let Some((id, _)) = self.categories.iter().find(|(_, n)| n == name) {
            return *id;
        }
        // 1 is the root catalog, 2 the default category; store categories start at 3.
        let id = 3 + self.categories.len() as u64;
        self.categories.push((id, name.to_string()));
        id
    }

    /// The option id of a configurable attribute's value, made on first use.
    fn option_id(&mut self, code: &str, label: &str, value: &str) -> u64 {
        let idx = match self.attributes.iter().position(|a| a.code == code) {
            Some(i) => i,
            None => {
                let id = self.attributes.iter().map(|a| a.id + 1).fold(140, u64::max);
                self.attributes.push(Attribute {
                    id,
                    code: code.to_string(),
                    label: label.to_string(),
                    input: Input::Select,
                    options: Vec::new(),
                });
                self.attributes.len() - 1
            }
        };
        if let Some((id, _)) = self.attributes[idx]
            .options
            .iter()
            .find(|(_, l)| l == value)
        {
            return *id;
        }
        let id = 5000 + self.next("option");
        self.attributes[idx].options.push((id, value.to_string()));
        id
    }

    /// A descriptive attribute's stored value for `values` (option ids for a select or
    /// multiselect, made on first use, from their own range so configurable option ids stay
    /// as they were).
    fn describe(&mut self, code: &str, values: &[&str]) -> Option<String> {
        let values: Vec<&str> = values.iter().copied().filter(|v| !v.is_empty()).collect();
        let (id, _, label, input) = DESCRIPTIVE.iter().find(|(_, c, _, _)| *c == code)?;
        if values.is_empty() {
            return None;
        }
        let idx = match self.attributes.iter().position(|a| a.code == code) {
            Some(i) => i,
            None => {
                self.attributes.push(Attribute {
                    id: *id,
                    code: code.to_string(),
                    label: (*label).to_string(),
                    input: *input,
                    options: Vec::new(),
                });
                self.attributes.len() - 1
            }
        };
        if *input == Input::Text {
            return Some(values.join(", "));
        }
        let mut ids = Vec::new();
        for value in values {
            let known = self.attributes[idx]
                .options
                .iter()
                .find(|(_, l)| l == value)
                .map(|(id, _)| *id);
            let option = match known {
                Some(option) => option,
                None => {
                    let option = 7000 + self.next("descriptive_option");
                    self.attributes[idx]
                        .options
                        .push((option, value.to_string()));
                    option
                }
            };
            ids.push(option.to_string());
        }
        Some(ids.join(","))
    }

    /// The seed's vendor as `manufacturer`, materials as `material`, a `pattern:` tag as
    /// `pattern`.
    fn described(&mut self, p: &SeedProduct) -> Vec<(String, String)> {
        let materials: Vec<&str> = p.materials.iter().map(String::as_str).collect();
        let patterns: Vec<&str> = p
            .tags
            .iter()
            .filter_map(|t| t.strip_prefix("pattern:"))
            .collect();
        [
            ("manufacturer", vec![p.vendor.as_str()]),
            ("material", materials),
            ("pattern", patterns),
        ]
        .into_iter()
        .filter_map(|(code, values)| Some((code.to_string(), self.describe(code, &values)?)))
        .collect()
    }

    pub(crate) fn attribute(&self, code: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.code == code)
    }

    pub(crate) fn product_by_sku(&self, sku: &str) -> Option<&Product> {
        self.products.values().find(|p| p.sku == sku)
    }

    pub(crate) fn product_id_by_sku(&self, sku: &str) -> Option<u64> {
        self.product_by_sku(sku).map(|p| p.id)
    }

    /// Sets a source item's quantity; status follows the quantity as the admin form does.
    pub(crate) fn set_stock(&mut self, sku: &str, source: &str, quantity: Decimal) {
        let status = u8::from(quantity > Decimal::ZERO);
        self.source_items.insert(
            (sku.to_string(), source.to_string()),
            SourceItem { quantity, status },
        );
    }

    fn source_enabled(&self, code: &str) -> bool {
        self.sources.iter().any(|s| s.code == code && s.enabled)
    }

    /// Σ in-stock quantities of the stock's sources (before reservations).
    pub(crate) fn stock_quantity(&self, sku: &str) -> Decimal {
        self.source_items
            .iter()
            .filter(|((s, source), item)| {
                s == sku && item.status == 1 && self.source_enabled(source)
            })
            .map(|(_, item)| item.quantity)
            .sum()
    }

    /// MSI salable quantity of the default stock: source quantities plus reservations.
    pub(crate) fn salable(&self, sku: &str) -> Decimal {
        let reserved: Decimal = self
            .reservations
            .iter()
            .filter(|r| r.sku == sku)
            .map(|r| r.quantity)
            .sum();
        self.stock_quantity(sku) + reserved
    }

    pub(crate) fn reserve(&mut self, sku: &str, quantity: Decimal) {
        if !quantity.is_zero() {
            self.reservations.push(Reservation {
                sku: sku.to_string(),
                quantity,
            });
        }
    }

    /// The legacy `cataloginventory_stock_item` view of a product: with MSI it mirrors the
    /// `default` source only (no reservations).
    pub(crate) fn stock_item_json(&self, p: &Product) -> Value {
        let (qty, in_stock) = match p.type_id {
            TypeId::Configurable => (Decimal::ZERO, true),
            TypeId::Simple => {
                let item = self
                    .source_items
                    .get(&(p.sku.clone(), "default".to_string()));
                let qty = item.map_or(Decimal::ZERO, |i| i.quantity);
                (qty, item.is_some_and(|i| i.status == 1) || p.backorders)
            }
        };
        json!({
            "item_id": p.id,
            "product_id": p.id,
            "stock_id": STOCK_ID,
            "qty": num(qty),
            "is_in_stock": in_stock,
            "is_qty_decimal": false,
            "show_default_notification_message": false,
            "use_config_min_qty": true,
            "min_qty": 0,
            "use_config_min_sale_qty": 1,
            "min_sale_qty": 1,
            "use_config_max_sale_qty": true,
            "max_sale_qty": 10000,
            "use_config_backorders": !p.backorders,
            "backorders": i32::from(p.backorders),
            "use_config_notify_stock_qty": true,
            "notify_stock_qty": 1,
            "use_config_qty_increments": true,
            "qty_increments": 0,
            "use_config_enable_qty_inc": true,
            "enable_qty_increments": false,
            "use_config_manage_stock": true,
            "manage_stock": true,
            "low_stock_date": null,
            "is_decimal_divided": false,
            "stock_status_changed_auto": 0,
        })
    }
}

/// `/c/l/classic-cotton-tee.png`: Magento spreads media files by their first two letters.
fn image_file(handle: &str) -> String {
    let mut chars = handle.chars().filter(char::is_ascii_alphanumeric);
    let a = chars.next().unwrap_or('x');
    let b = chars.next().unwrap_or('x');
    format!("/{a}/{b}/{handle}.png")
}

pub(crate) fn address_json(a: &Address, kind: &str, id: u64, parent_id: u64) -> Value {
    json!({
        "address_type": kind,
        "city": a.city,
        "company": (!a.company.is_empty()).then_some(&a.company),
        "country_id": a.country_id,
        "email": a.email,
        "entity_id": id,
        "firstname": a.firstname,
        "lastname": a.lastname,
        "parent_id": parent_id,
        "postcode": a.postcode,
        "region": a.region,
        "region_code": a.region_code,
        "region_id": a.region_id,
        "street": a.street,
        "telephone": a.telephone,
    })
}
