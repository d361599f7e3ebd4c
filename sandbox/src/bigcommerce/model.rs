//! BigCommerce store state: catalog (products, variants, per-location stock), orders with
//! their lines, addresses, shipments and refunds, and webhooks; seeded from `catalog_seed`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value, json};

use crate::catalog_seed::SeedProduct;

/// The default location every store has (`location_id` 1, as the Inventory docs say).
pub(crate) const DEFAULT_LOCATION: u64 = 1;
/// A second location, holding a little of the first product's stock (as the Shopify store).
pub(crate) const POPUP_LOCATION: u64 = 2;

/// `Tue, 05 Mar 2019 21:40:11 +0000`: RFC 2822 in UTC, as V2 answers dates.
pub(crate) fn rfc2822(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => {
            let weekday = &t.weekday().to_string()[..3];
            let month = &t.month().to_string()[..3];
            format!(
                "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} +0000",
                t.day(),
                t.year(),
                t.hour(),
                t.minute(),
                t.second()
            )
        }
        Err(_) => "Thu, 01 Jan 1970 00:00:00 +0000".to_string(),
    }
}

/// `2018-08-15T14:48:46+00:00`: ISO 8601 with an explicit offset, as the Catalog API answers.
pub(crate) fn iso_offset(millis: i64) -> String {
    let iso = crate::common::iso8601(millis);
    format!("{}+00:00", iso.trim_end_matches('Z'))
}

/// Parses a date filter as V2 takes it: RFC 2822 or ISO 8601.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc2822;
    let s = s.trim();
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc2822) {
        return i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok();
    }
    crate::common::parse_iso8601(s)
}

/// V2 money: a string with four decimals (`"20.0000"`).
pub(crate) fn money4(d: Decimal) -> String {
    format!("{:.4}", d.round_dp(4))
}

/// V3 money: a JSON number.
pub(crate) fn number(d: Decimal) -> Value {
    d.to_f64().map_or(Value::Null, |f| json!(f))
}

/// `inventory_tracking` of a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tracking {
    None,
    Product,
    Variant,
}

impl Tracking {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Tracking::None => "none",
            Tracking::Product => "product",
            Tracking::Variant => "variant",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Location {
    pub(crate) id: u64,
    pub(crate) code: String,
    pub(crate) label: String,
}

/// One value of a product's variant option (`option_values[]` of a variant).
#[derive(Clone, Debug)]
pub(crate) struct OptionValue {
    pub(crate) option_id: u64,
    pub(crate) option_name: String,
    pub(crate) id: u64,
    pub(crate) label: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Variant {
    pub(crate) id: u64,
    pub(crate) product_id: u64,
    /// `None` for the base variant of a product without options.
    pub(crate) sku_id: Option<u64>,
    pub(crate) sku: String,
    /// `None` = the product's price.
    pub(crate) price: Option<Decimal>,
    pub(crate) sale_price: Option<Decimal>,
    pub(crate) option: Option<OptionValue>,
    /// Units on hand per location.
    pub(crate) stock: BTreeMap<u64, i64>,
    /// `weight` in the store's weight unit; `None` = the product's (served as null).
    pub(crate) weight: Option<Decimal>,
    pub(crate) modified: i64,
}

impl Variant {
    pub(crate) fn inventory_level(&self) -> i64 {
        self.stock.values().sum()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Product {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) sku: String,
    pub(crate) description: String,
    pub(crate) price: Decimal,
    pub(crate) sale_price: Option<Decimal>,
    pub(crate) categories: Vec<u64>,
    pub(crate) tracking: Tracking,
    pub(crate) variants: Vec<u64>,
    /// `(option id, display name)` of the one variant option, if any.
    pub(crate) option: Option<(u64, String)>,
    pub(crate) url: String,
    pub(crate) images: Vec<u64>,
    /// `weight` in [`WEIGHT_UNITS`]; 0 when the merchant entered none.
    pub(crate) weight: Decimal,
    /// `width`, `depth`, `height` in [`DIMENSION_UNITS`]; 0 when unset.
    pub(crate) size: [Decimal; 3],
    /// `custom_fields`: (id, name, value); the seed's materials are "Material" fields.
    pub(crate) custom_fields: Vec<(u64, String, String)>,
    pub(crate) created: i64,
    pub(crate) modified: i64,
}

/// The store's `weight_units` and `dimension_units` (`GET /v2/store`).
pub(crate) const WEIGHT_UNITS: &str = "Ounces";
pub(crate) const DIMENSION_UNITS: &str = "Inches";

/// Grams as ounces, to two places as the control panel keeps them.
fn ounces(grams: Option<u32>) -> Option<Decimal> {
    grams.map(|g| (Decimal::from(g) / Decimal::new(28_349_523_125, 9)).round_dp(2))
}

/// Centimetres as inches, to two places.
fn inches(cm: u32) -> Decimal {
    (Decimal::from(cm) / Decimal::new(254, 2)).round_dp(2)
}

impl Product {
    pub(crate) fn base_variant(&self) -> Option<u64> {
        self.option
            .is_none()
            .then(|| self.variants.first().copied())?
    }
}

/// The price a shopper pays: the sale price when set, else the price.
pub(crate) fn calculated(price: Decimal, sale: Option<Decimal>) -> Decimal {
    sale.filter(|s| *s > Decimal::ZERO).unwrap_or(price)
}

#[derive(Clone, Debug)]
pub(crate) struct OrderLine {
    /// `order_product_id`.
    pub(crate) id: u64,
    /// 0 for a custom product.
    pub(crate) product_id: u64,
    pub(crate) variant_id: Option<u64>,
    pub(crate) order_address_id: u64,
    pub(crate) name: String,
    pub(crate) sku: String,
    pub(crate) quantity: i64,
    pub(crate) price_ex_tax: Decimal,
    pub(crate) price_inc_tax: Decimal,
    pub(crate) quantity_shipped: i64,
    pub(crate) quantity_refunded: i64,
    pub(crate) option: Option<OptionValue>,
}

#[derive(Clone, Debug)]
pub(crate) struct ShippingAddress {
    pub(crate) id: u64,
    /// first_name, last_name, company, street_1, street_2, city, state, zip, country,
    /// country_iso2, phone, email.
    pub(crate) fields: Map<String, Value>,
    pub(crate) shipping_method: String,
}

#[derive(Clone, Debug)]
pub(crate) struct Shipment {
    pub(crate) id: u64,
    pub(crate) order_address_id: u64,
    pub(crate) tracking_number: String,
    pub(crate) shipping_provider: String,
    pub(crate) tracking_carrier: String,
    pub(crate) shipping_method: String,
    pub(crate) tracking_link: String,
    pub(crate) comments: String,
    pub(crate) merchant_shipping_cost: Decimal,
    /// `(order_product_id, quantity)`.
    pub(crate) items: Vec<(u64, i64)>,
    pub(crate) created: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct Refund {
    pub(crate) id: u64,
    pub(crate) reason: String,
    pub(crate) total: Decimal,
    /// `(item_type, item_id, quantity)`.
    pub(crate) items: Vec<(String, u64, i64)>,
    /// `(provider_id, amount, offline)`.
    pub(crate) payments: Vec<(String, Decimal, bool)>,
    pub(crate) created: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct Order {
    pub(crate) id: u64,
    pub(crate) customer_id: u64,
    pub(crate) status_id: u8,
    pub(crate) created: i64,
    pub(crate) modified: i64,
    pub(crate) shipped: Option<i64>,
    pub(crate) billing: Map<String, Value>,
    pub(crate) addresses: Vec<ShippingAddress>,
    pub(crate) lines: Vec<OrderLine>,
    pub(crate) shipments: Vec<Shipment>,
    pub(crate) refunds: Vec<Refund>,
    pub(crate) staff_notes: String,
    pub(crate) customer_message: String,
    pub(crate) external_source: Option<String>,
    pub(crate) external_order_id: Option<String>,
    pub(crate) payment_method: String,
    pub(crate) shipping_ex: Decimal,
    pub(crate) shipping_inc: Decimal,
    pub(crate) handling_ex: Decimal,
    pub(crate) handling_inc: Decimal,
    pub(crate) discount: Decimal,
    /// `(ex, inc)` overrides of the subtotal and the total.
    pub(crate) subtotal_override: Option<(Decimal, Decimal)>,
    pub(crate) total_override: Option<(Decimal, Decimal)>,
    /// The order took stock and has not given it back.
    pub(crate) stock_taken: bool,
    pub(crate) archived: bool,
    pub(crate) customer_locale: String,
}

impl Order {
    pub(crate) fn subtotal(&self) -> (Decimal, Decimal) {
        self.subtotal_override.unwrap_or_else(|| {
            self.lines
                .iter()
                .fold((Decimal::ZERO, Decimal::ZERO), |(ex, inc), l| {
                    let q = Decimal::from(l.quantity);
                    (ex + l.price_ex_tax * q, inc + l.price_inc_tax * q)
                })
        })
    }

    pub(crate) fn total(&self) -> (Decimal, Decimal) {
        self.total_override.unwrap_or_else(|| {
            let (ex, inc) = self.subtotal();
            (
                ex + self.shipping_ex + self.handling_ex - self.discount,
                inc + self.shipping_inc + self.handling_inc - self.discount,
            )
        })
    }

    pub(crate) fn items_total(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    pub(crate) fn items_shipped(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity_shipped).sum()
    }

    pub(crate) fn refunded_amount(&self) -> Decimal {
        self.refunds.iter().map(|r| r.total).sum()
    }
}

/// A webhook subscription (`/v3/hooks`).
#[derive(Clone, Debug)]
pub(crate) struct Hook {
    pub(crate) id: u64,
    pub(crate) client_id: String,
    pub(crate) scope: String,
    pub(crate) destination: String,
    pub(crate) is_active: bool,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) created: i64,
    pub(crate) updated: i64,
}

pub(crate) struct State {
    /// Where the simulator serves files (product images).
    pub(crate) base_url: String,
    /// `{base_url}/stores/{store_hash}`: the API root resource links point into.
    pub(crate) api_base: String,
    pub(crate) locations: Vec<Location>,
    /// `(id, name)`.
    pub(crate) categories: Vec<(u64, String)>,
    pub(crate) products: BTreeMap<u64, Product>,
    pub(crate) variants: BTreeMap<u64, Variant>,
    pub(crate) orders: BTreeMap<u64, Order>,
    pub(crate) hooks: BTreeMap<u64, Hook>,
    next_product: u64,
    next_variant: u64,
    next_row: u64,
    next_order: u64,
    next_hook: u64,
}

impl State {
    /// Seeds the catalog the other stores sell: a product without options has one base variant
    /// and tracks stock by product; the others track by variant, one variant per option value.
    /// A compare-at price becomes `price` with the selling price as `sale_price`. The first
    /// product keeps 3 units of each variant at the second location (as the Shopify store).
    pub(crate) fn seed(catalog: Vec<SeedProduct>, base_url: String) -> Self {
        let mut st = State {
            api_base: base_url.clone(),
            base_url,
            locations: vec![
                Location {
                    id: DEFAULT_LOCATION,
                    code: "BC-LOCATION-1".to_string(),
                    label: "Default location".to_string(),
                },
                Location {
                    id: POPUP_LOCATION,
                    code: "POPUP-1".to_string(),
                    label: "Pop-up Store".to_string(),
                },
            ],
            categories: Vec::new(),
            products: BTreeMap::new(),
            variants: BTreeMap::new(),
            orders: BTreeMap::new(),
            hooks: BTreeMap::new(),
            next_product: 111,
            next_variant: 501,
            next_row: 1,
            next_order: 100,
            next_hook: 18_048_287,
        };
        for (i, p) in catalog.into_iter().enumerate() {
            st.seed_product(&p, i == 0);
        }
        st
    }

    fn seed_product(&mut self, p: &SeedProduct, split_stock: bool) {
        let category = self.category_id(&p.product_type);
        let id = self.next_product;
        self.next_product += 1;
        let option = p.option_name.clone().map(|name| (self.row_id(), name));
        let split = |total: i64| {
            let mut stock = BTreeMap::new();
            if split_stock && total >= 3 {
                stock.insert(DEFAULT_LOCATION, total - 3);
                stock.insert(POPUP_LOCATION, 3);
            } else {
                stock.insert(DEFAULT_LOCATION, total);
            }
            stock
        };
        let (price, sale_price) = p.variants.first().map_or((Decimal::ZERO, None), |v| {
            v.compare_at
                .map_or((v.price, None), |was| (was, Some(v.price)))
        });
        let mut variants = Vec::new();
        for v in &p.variants {
            let vid = self.next_variant;
            self.next_variant += 1;
            let (v_price, v_sale) = v
                .compare_at
                .map_or((v.price, None), |was| (was, Some(v.price)));
            let variant = match &option {
                None => Variant {
                    id: vid,
                    product_id: id,
                    sku_id: None,
                    sku: v.sku.clone(),
                    price: None,
                    sale_price: None,
                    option: None,
                    stock: split(v.stock),
                    weight: None,
                    modified: p.updated_ms,
                },
                Some((option_id, option_name)) => Variant {
                    id: vid,
                    product_id: id,
                    sku_id: Some(vid - 100),
                    sku: v.sku.clone(),
                    price: Some(v_price),
                    sale_price: v_sale,
                    option: Some(OptionValue {
                        option_id: *option_id,
                        option_name: option_name.clone(),
                        id: self.row_id(),
                        label: v.option_value.clone(),
                    }),
                    stock: split(v.stock),
                    // Set only where it differs from the product's (the first option's).
                    weight: ounces(v.weight_grams)
                        .filter(|_| v.weight_grams != p.variants[0].weight_grams),
                    modified: p.updated_ms,
                },
            };
            self.variants.insert(vid, variant);
            variants.push(vid);
        }
        let image = self.row_id();
        let custom_fields = p
            .materials
            .iter()
            .map(|m| (self.row_id(), "Material".to_string(), m.clone()))
            .collect();
        self.products.insert(
            id,
            Product {
                id,
                name: p.title.clone(),
                sku: if option.is_none() {
                    p.variants
                        .first()
                        .map(|v| v.sku.clone())
                        .unwrap_or_default()
                } else {
                    String::new()
                },
                description: p.description_html.clone(),
                price,
                sale_price,
                categories: vec![category],
                tracking: if option.is_none() {
                    Tracking::Product
                } else {
                    Tracking::Variant
                },
                variants,
                option,
                url: format!("/{}/", p.handle),
                images: vec![image],
                weight: ounces(p.variants.first().and_then(|v| v.weight_grams)).unwrap_or_default(),
                // BigCommerce's width, depth, height: the seed's width, length, height.
                size: p.box_cm.map_or_else(Default::default, |[l, w, h]| {
                    [inches(w), inches(l), inches(h)]
                }),
                custom_fields,
                created: p.created_ms,
                modified: p.updated_ms,
            },
        );
    }

    fn category_id(&mut self, name: &str) -> u64 {
        if let Some((id, _)) = self.categories.iter().find(|(_, n)| n == name) {
            return *id;
        }
        let id = 18 + self.categories.len() as u64;
        self.categories.push((id, name.to_string()));
        id
    }

    /// Ids of order lines, addresses, shipments, refunds, options and images.
    pub(crate) fn row_id(&mut self) -> u64 {
        let id = self.next_row;
        self.next_row += 1;
        id
    }

    pub(crate) fn order_id(&mut self) -> u64 {
        let id = self.next_order;
        self.next_order += 1;
        id
    }

    pub(crate) fn hook_id(&mut self) -> u64 {
        let id = self.next_hook;
        self.next_hook += 1;
        id
    }

    pub(crate) fn variant_by_sku(&self, sku: &str) -> Option<&Variant> {
        (!sku.is_empty())
            .then(|| self.variants.values().find(|v| v.sku == sku))
            .flatten()
    }

    /// The variant's effective price (`calculated_price`).
    pub(crate) fn variant_price(&self, v: &Variant) -> Decimal {
        let product = self.products.get(&v.product_id);
        let price = v.price.or(product.map(|p| p.price)).unwrap_or_default();
        let sale = if v.price.is_some() {
            v.sale_price
        } else {
            v.sale_price.or(product.and_then(|p| p.sale_price))
        };
        calculated(price, sale)
    }

    /// Whether stock of this variant is counted (its product tracks inventory).
    pub(crate) fn tracked(&self, v: &Variant) -> bool {
        self.products
            .get(&v.product_id)
            .is_some_and(|p| p.tracking != Tracking::None)
    }

    pub(crate) fn touch_product(&mut self, product_id: u64, now: i64) {
        if let Some(p) = self.products.get_mut(&product_id) {
            p.modified = now;
        }
    }

    /// Takes `quantity` units (negative = gives back): from the default location first, then
    /// the others; back to the default location.
    pub(crate) fn move_stock(&mut self, variant_id: u64, quantity: i64, now: i64) {
        let Some(v) = self.variants.get_mut(&variant_id) else {
            return;
        };
        v.modified = now;
        if quantity < 0 {
            *v.stock.entry(DEFAULT_LOCATION).or_insert(0) -= quantity;
        } else {
            let mut left = quantity;
            let ids: Vec<u64> = v.stock.keys().copied().collect();
            for loc in ids {
                let level = v.stock.entry(loc).or_insert(0);
                let take = left.min((*level).max(0));
                *level -= take;
                left -= take;
            }
            if left > 0 {
                *v.stock.entry(DEFAULT_LOCATION).or_insert(0) -= left;
            }
        }
        let product_id = v.product_id;
        self.touch_product(product_id, now);
    }
}

/// Status names by id (`GET /v2/order_statuses`), in the order the docs list them.
pub(crate) const ORDER_STATUSES: [(u8, &str, &str); 15] = [
    (
        0,
        "Incomplete",
        "An incomplete order happens when a shopper reached the payment page, but did not complete the transaction.",
    ),
    (
        1,
        "Pending",
        "Customer started the checkout process, but did not complete it.",
    ),
    (
        2,
        "Shipped",
        "Order has been shipped, but receipt has not been confirmed; seller has used the Ship Items action.",
    ),
    (
        3,
        "Partially Shipped",
        "Only some items in the order have been shipped, due to some products being pre-order only or other reasons.",
    ),
    (4, "Refunded", "Seller has used the Refund action."),
    (
        5,
        "Cancelled",
        "Seller has cancelled an order, due to a stock inconsistency or other reasons.",
    ),
    (
        6,
        "Declined",
        "Seller has marked the order as declined for lack of manual payment, or other reasons.",
    ),
    (
        7,
        "Awaiting Payment",
        "Customer has completed checkout process, but payment has yet to be confirmed.",
    ),
    (
        8,
        "Awaiting Pickup",
        "Order has been pulled, and is awaiting customer pickup from a seller-specified location.",
    ),
    (
        9,
        "Awaiting Shipment",
        "Order has been pulled and packaged, and is awaiting collection from a shipping provider.",
    ),
    (
        10,
        "Completed",
        "Client has paid for their digital product and their file(s) are available for download.",
    ),
    (
        11,
        "Awaiting Fulfillment",
        "Customer has completed the checkout process and payment has been confirmed.",
    ),
    (
        12,
        "Manual Verification Required",
        "Order is on hold while some aspect needs to be manually confirmed.",
    ),
    (
        13,
        "Disputed",
        "Customer has initiated a dispute resolution process for the PayPal transaction that paid for the order.",
    ),
    (
        14,
        "Partially Refunded",
        "Seller has partially refunded the order.",
    ),
];

/// The display position of each status (`order` in `GET /v2/order_statuses`).
const STATUS_ORDER: [u8; 15] = [0, 1, 8, 6, 11, 9, 10, 2, 5, 4, 7, 3, 13, 12, 14];

pub(crate) fn status_name(id: u8) -> &'static str {
    ORDER_STATUSES
        .iter()
        .find(|(i, _, _)| *i == id)
        .map_or("", |(_, n, _)| n)
}

pub(crate) fn status_json(id: u8) -> Value {
    let (name, description) = ORDER_STATUSES
        .iter()
        .find(|(i, _, _)| *i == id)
        .map_or(("", ""), |(_, n, d)| (*n, *d));
    json!({
        "id": id,
        "name": name,
        "system_label": name,
        "custom_label": name,
        "system_description": description,
        "order": STATUS_ORDER.get(usize::from(id)).copied().unwrap_or(id),
    })
}

/// Statuses in which the order holds stock (the store's default inventory settings: stock
/// leaves when the order is placed, comes back on Cancelled or Refunded).
pub(crate) fn holds_stock(status_id: u8) -> bool {
    !matches!(status_id, 0 | 4 | 5)
}
