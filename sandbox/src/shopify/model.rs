//! In-memory Shopify store: seeded catalog and locations, orders, fulfilments, webhooks; and the
//! builders that turn resources into "full objects" (GraphQL field names; references to other
//! resources as `{"__ref": gid}`) and into REST JSON (webhook bodies).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive as _;
use serde_json::{Map, Value, json};

use crate::catalog_seed::{SeedProduct, SeedVariant, TEMPLATES, slug};
use crate::common::iso8601;

pub(crate) const QUANTITY_NAMES: &[&str] = &[
    "available",
    "committed",
    "damaged",
    "incoming",
    "on_hand",
    "quality_control",
    "reserved",
    "safety_stock",
];

pub(crate) fn gid(kind: &str, id: u64) -> String {
    format!("gid://shopify/{kind}/{id}")
}

/// Parses `gid://shopify/{kind}/{id}` (ignoring any `?query`).
pub(crate) fn parse_gid(gid: &str) -> Option<(&str, u64)> {
    let rest = gid.strip_prefix("gid://shopify/")?;
    let (kind, id) = rest.split_once('/')?;
    let id = id.split('?').next()?;
    Some((kind, id.parse().ok()?))
}

pub(crate) fn ref_(kind: &str, id: u64) -> Value {
    json!({ "__ref": gid(kind, id) })
}

/// Money scalar (`ProductVariant.price`): two decimals, e.g. `"19.99"`.
pub(crate) fn money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

/// Decimal scalar (`MoneyV2.amount`): Shopify's normalized form, e.g. `"24.0"`, `"19.99"`.
pub(crate) fn decimal(d: Decimal) -> String {
    let n = d.normalize();
    if n.scale() == 0 {
        format!("{n}.0")
    } else {
        n.to_string()
    }
}

pub(crate) fn money_bag(d: Decimal, currency: &str) -> Value {
    let m = json!({"amount": decimal(d), "currencyCode": currency});
    json!({"shopMoney": m, "presentmentMoney": m})
}

pub(crate) struct ShopInfo {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) domain: String,
    pub(crate) email: String,
    pub(crate) currency: String,
}

pub(crate) struct Location {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) fulfills_online: bool,
    pub(crate) address1: String,
    pub(crate) city: String,
    pub(crate) province: String,
    pub(crate) province_code: String,
    pub(crate) zip: String,
}

pub(crate) struct MediaImage {
    pub(crate) id: u64,
    pub(crate) image_id: u64,
    pub(crate) file: String,
    pub(crate) alt: String,
    pub(crate) created: i64,
}

pub(crate) struct Product {
    pub(crate) id: u64,
    pub(crate) title: String,
    pub(crate) handle: String,
    pub(crate) description_html: String,
    pub(crate) product_type: String,
    pub(crate) vendor: String,
    pub(crate) tags: Vec<String>,
    pub(crate) status: String,
    pub(crate) created: i64,
    pub(crate) updated: i64,
    pub(crate) options: Vec<(u64, String, Vec<String>)>,
    pub(crate) variant_ids: Vec<u64>,
    pub(crate) media: Vec<MediaImage>,
    pub(crate) category: Option<(String, String, String)>,
    /// Packed size in cm: Shopify keeps none (never served); seeds the stores that do.
    pub(crate) box_cm: Option<[u32; 3]>,
    pub(crate) metafields: Vec<Metafield>,
}

/// A product metafield; `value` is always a string (a list type holds a JSON array).
pub(crate) struct Metafield {
    pub(crate) id: u64,
    pub(crate) namespace: String,
    pub(crate) key: String,
    pub(crate) kind: String,
    pub(crate) value: String,
    pub(crate) created: i64,
}

/// The seed's materials are the metafield `custom.material` (a list of text).
pub(crate) const MATERIAL_NAMESPACE: &str = "custom";
pub(crate) const MATERIAL_KEY: &str = "material";

pub(crate) struct Variant {
    pub(crate) id: u64,
    pub(crate) product_id: u64,
    pub(crate) sku: Option<String>,
    pub(crate) title: String,
    pub(crate) price: Decimal,
    pub(crate) compare_at: Option<Decimal>,
    pub(crate) barcode: Option<String>,
    pub(crate) policy: String,
    pub(crate) position: u32,
    pub(crate) options: Vec<(String, String)>,
    pub(crate) inventory_item_id: u64,
    pub(crate) created: i64,
    pub(crate) updated: i64,
}

#[derive(Clone, Default)]
pub(crate) struct Level {
    pub(crate) available: i64,
    pub(crate) committed: i64,
    pub(crate) damaged: i64,
    pub(crate) incoming: i64,
    pub(crate) quality_control: i64,
    pub(crate) reserved: i64,
    pub(crate) safety_stock: i64,
    pub(crate) created: i64,
    pub(crate) updated: i64,
}

impl Level {
    pub(crate) fn on_hand(&self) -> i64 {
        self.available
            + self.committed
            + self.damaged
            + self.quality_control
            + self.reserved
            + self.safety_stock
    }

    pub(crate) fn get(&self, name: &str) -> Option<i64> {
        Some(match name {
            "available" => self.available,
            "committed" => self.committed,
            "damaged" => self.damaged,
            "incoming" => self.incoming,
            "on_hand" => self.on_hand(),
            "quality_control" => self.quality_control,
            "reserved" => self.reserved,
            "safety_stock" => self.safety_stock,
            _ => return None,
        })
    }
}

pub(crate) struct InventoryItem {
    pub(crate) id: u64,
    pub(crate) variant_id: u64,
    pub(crate) tracked: bool,
    /// `measurement.weight` as the merchant entered it: (value, `WeightUnit`); `None` is
    /// served as Shopify does, a zero weight in the shop's unit.
    pub(crate) weight: Option<(Decimal, &'static str)>,
    pub(crate) created: i64,
    pub(crate) updated: i64,
    pub(crate) levels: BTreeMap<u64, Level>,
}

#[derive(Clone)]
pub(crate) struct LineItem {
    pub(crate) id: u64,
    pub(crate) variant_id: Option<u64>,
    pub(crate) product_id: Option<u64>,
    pub(crate) sku: Option<String>,
    pub(crate) title: String,
    pub(crate) variant_title: Option<String>,
    pub(crate) vendor: Option<String>,
    pub(crate) quantity: i64,
    /// Units removed by cancellation (or refunded before they were fulfilled).
    pub(crate) removed: i64,
    /// Fulfilled units refunded (returned, restocked or not).
    pub(crate) returned: i64,
    pub(crate) fulfilled: i64,
    pub(crate) price: Decimal,
    pub(crate) requires_shipping: bool,
    pub(crate) properties: Vec<(String, String)>,
}

impl LineItem {
    pub(crate) fn current(&self) -> i64 {
        self.quantity - self.removed
    }

    pub(crate) fn unfulfilled(&self) -> i64 {
        (self.current() - self.fulfilled).max(0)
    }
}

#[derive(Clone)]
pub(crate) struct Transaction {
    pub(crate) id: u64,
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) gateway: String,
    pub(crate) amount: Decimal,
    pub(crate) created: i64,
}

/// A refund made with `refundCreate`.
#[derive(Clone)]
pub(crate) struct Refund {
    pub(crate) id: u64,
    pub(crate) created: i64,
    pub(crate) note: Option<String>,
    /// Money returned (Σ of its REFUND transactions).
    pub(crate) amount: Decimal,
    /// (line item id, quantity, restock type)
    pub(crate) lines: Vec<(u64, i64, String)>,
}

pub(crate) struct Order {
    pub(crate) id: u64,
    pub(crate) number: u64,
    pub(crate) name: String,
    pub(crate) created: i64,
    pub(crate) updated: i64,
    pub(crate) processed: i64,
    pub(crate) closed_at: Option<i64>,
    pub(crate) cancelled_at: Option<i64>,
    pub(crate) cancel_reason: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) note: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
    pub(crate) source_name: Option<String>,
    pub(crate) source_identifier: Option<String>,
    pub(crate) custom_attributes: Vec<(String, String)>,
    pub(crate) currency: String,
    pub(crate) financial_status: String,
    pub(crate) test: bool,
    pub(crate) line_items: Vec<LineItem>,
    pub(crate) fulfillment_ids: Vec<u64>,
    pub(crate) fulfillment_order_ids: Vec<u64>,
    pub(crate) shipping_address: Option<Value>,
    pub(crate) billing_address: Option<Value>,
    pub(crate) transactions: Vec<Transaction>,
    pub(crate) refunds: Vec<Refund>,
    /// Σ shipping lines (before discounts).
    pub(crate) shipping_total: Decimal,
    pub(crate) tax_total: Decimal,
    pub(crate) shipping_lines: Vec<ShippingLine>,
    pub(crate) tax_lines: Vec<TaxLine>,
    /// The `discountCode` applied at creation, if any.
    pub(crate) discount_code: Option<String>,
    /// Discount on the line items (fixed or percentage code).
    pub(crate) item_discount: Decimal,
    /// Discount on shipping (free-shipping code).
    pub(crate) shipping_discount: Decimal,
    /// `OrderCreateOptionsInput.inventoryBehaviour` the order was created with.
    pub(crate) inventory_behaviour: String,
    /// Whether creating the order claimed stock (inventoryBehaviour != BYPASS).
    pub(crate) claimed_stock: bool,
    pub(crate) location_id: u64,
    pub(crate) restocked: bool,
}

#[derive(Clone)]
pub(crate) struct ShippingLine {
    pub(crate) id: u64,
    pub(crate) title: String,
    pub(crate) code: Option<String>,
    pub(crate) source: Option<String>,
    pub(crate) price: Decimal,
}

#[derive(Clone)]
pub(crate) struct TaxLine {
    pub(crate) title: String,
    pub(crate) rate: Decimal,
    pub(crate) price: Decimal,
}

impl Order {
    /// Σ line item price × current quantity, before discounts.
    pub(crate) fn line_items_total(&self) -> Decimal {
        self.line_items
            .iter()
            .map(|li| li.price * Decimal::from(li.current()))
            .sum()
    }

    /// `subtotalPriceSet`: the line items after discounts, before shipping and taxes.
    pub(crate) fn subtotal(&self) -> Decimal {
        (self.line_items_total() - self.item_discount).max(Decimal::ZERO)
    }

    /// `totalDiscountsSet`: line item and shipping discounts.
    pub(crate) fn total_discounts(&self) -> Decimal {
        self.item_discount + self.shipping_discount
    }

    /// `totalPriceSet`: subtotal + shipping after discounts + taxes.
    pub(crate) fn total(&self) -> Decimal {
        self.subtotal() + (self.shipping_total - self.shipping_discount) + self.tax_total
    }

    pub(crate) fn fulfillment_status(&self) -> &'static str {
        let total: i64 = self.line_items.iter().map(LineItem::current).sum();
        let done: i64 = self
            .line_items
            .iter()
            .map(|li| li.fulfilled.min(li.current()))
            .sum();
        if self.restocked && done == 0 {
            "RESTOCKED"
        } else if total > 0 && done >= total {
            "FULFILLED"
        } else if done > 0 {
            "PARTIALLY_FULFILLED"
        } else {
            "UNFULFILLED"
        }
    }
}

pub(crate) struct Fulfillment {
    pub(crate) id: u64,
    pub(crate) order_id: u64,
    pub(crate) name: String,
    pub(crate) status: String,
    pub(crate) created: i64,
    pub(crate) updated: i64,
    /// (company, number, url)
    pub(crate) tracking: Vec<(Option<String>, Option<String>, Option<String>)>,
    /// (fulfillment line item id, order line item id, quantity)
    pub(crate) lines: Vec<(u64, u64, i64)>,
    pub(crate) location_id: u64,
    /// Shipment events, in creation order.
    pub(crate) events: Vec<FulfillmentEvent>,
}

pub(crate) struct FulfillmentEvent {
    pub(crate) id: u64,
    /// `FulfillmentEventStatus`.
    pub(crate) status: String,
    pub(crate) message: Option<String>,
    pub(crate) happened: i64,
    pub(crate) created: i64,
    pub(crate) estimated_delivery: Option<i64>,
}

impl Fulfillment {
    /// The event that happened last (latest `happenedAt`, then latest created).
    pub(crate) fn latest_event(&self) -> Option<&FulfillmentEvent> {
        self.events
            .iter()
            .enumerate()
            .max_by_key(|(i, e)| (e.happened, *i))
            .map(|(_, e)| e)
    }

    /// `FulfillmentDisplayStatus`: CANCELED for a cancelled fulfilment, else the latest event's
    /// status (CARRIER_PICKED_UP and DELAYED show as IN_TRANSIT), else FULFILLED.
    pub(crate) fn display_status(&self) -> String {
        if self.status == "CANCELLED" {
            return "CANCELED".to_string();
        }
        match self.latest_event().map(|e| e.status.as_str()) {
            None => "FULFILLED".to_string(),
            Some("CARRIER_PICKED_UP" | "DELAYED") => "IN_TRANSIT".to_string(),
            Some(s) => s.to_string(),
        }
    }

    /// Events sorted by `happenedAt` (ties in creation order).
    pub(crate) fn events_by_happened(&self) -> Vec<&FulfillmentEvent> {
        let mut all: Vec<&FulfillmentEvent> = self.events.iter().collect();
        all.sort_by_key(|e| e.happened);
        all
    }

    fn first_event_at(&self, status: &[&str]) -> Option<i64> {
        self.events
            .iter()
            .filter(|e| status.contains(&e.status.as_str()))
            .map(|e| e.happened)
            .min()
    }
}

pub(crate) struct FoLine {
    pub(crate) id: u64,
    pub(crate) line_item_id: u64,
    pub(crate) total: i64,
    pub(crate) remaining: i64,
}

pub(crate) struct FulfillmentOrder {
    pub(crate) id: u64,
    pub(crate) order_id: u64,
    pub(crate) status: String,
    pub(crate) location_id: u64,
    pub(crate) lines: Vec<FoLine>,
    pub(crate) created: i64,
    pub(crate) updated: i64,
}

pub(crate) struct WebhookSub {
    pub(crate) id: u64,
    pub(crate) topic: String,
    pub(crate) uri: String,
    pub(crate) format: String,
    pub(crate) include_fields: Vec<String>,
    pub(crate) metafield_namespaces: Vec<String>,
    pub(crate) filter: Option<String>,
    pub(crate) api_version: String,
    pub(crate) created: i64,
    pub(crate) updated: i64,
}

pub(crate) struct IdempotentResult {
    pub(crate) fingerprint: String,
    pub(crate) payload: Value,
}

pub(crate) struct State {
    pub(crate) shop: ShopInfo,
    pub(crate) base_url: String,
    pub(crate) rng: StdRng,
    pub(crate) next_id: u64,
    pub(crate) next_order_number: u64,
    pub(crate) locations: Vec<Location>,
    pub(crate) products: BTreeMap<u64, Product>,
    pub(crate) variants: BTreeMap<u64, Variant>,
    pub(crate) items: BTreeMap<u64, InventoryItem>,
    pub(crate) orders: BTreeMap<u64, Order>,
    pub(crate) line_item_orders: HashMap<u64, u64>,
    pub(crate) fulfillments: BTreeMap<u64, Fulfillment>,
    pub(crate) fulfillment_orders: BTreeMap<u64, FulfillmentOrder>,
    /// job id → (done, order id)
    pub(crate) jobs: HashMap<u64, (bool, u64)>,
    pub(crate) subscriptions: BTreeMap<u64, WebhookSub>,
    pub(crate) idempotency: HashMap<String, IdempotentResult>,
    pub(crate) bulk: super::bulk::BulkOperations,
    /// Lookups that would otherwise scan every order or variant (see [`Indexes`]).
    indexes: Indexes,
}

/// Lookups by tag, name and SKU, so a find-before-create or a stock change costs the same with
/// 10 orders or 10,000. Kept in step by the only places that create orders, change their tags
/// and delete variants ([`State::insert_order`], [`State::retag_order`],
/// [`State::remove_variant`]); variants are created at seed time only.
#[derive(Default)]
struct Indexes {
    /// Lowercased order tag → orders carrying it.
    order_tags: HashMap<String, BTreeSet<u64>>,
    order_names: HashSet<String>,
    /// SKU → variants carrying it (SKUs are not unique on Shopify).
    variant_skus: HashMap<String, BTreeSet<u64>>,
}

impl State {
    pub(crate) fn seed(
        seed: u64,
        products: usize,
        variants_per_product: Option<usize>,
        now: i64,
        base_url: String,
    ) -> Self {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5409_1f7a_11c0_0de5);
        let next_id = 7_000_000_000 + rng.random_range(0..900_000_000u64);
        let mut st = State {
            shop: ShopInfo {
                id: 0,
                name: "Feedbridge Demo".to_string(),
                domain: "feedbridge-demo.myshopify.com".to_string(),
                email: "owner@feedbridge-demo.example".to_string(),
                currency: "USD".to_string(),
            },
            base_url,
            rng,
            next_id,
            next_order_number: 1001,
            locations: Vec::new(),
            products: BTreeMap::new(),
            variants: BTreeMap::new(),
            items: BTreeMap::new(),
            orders: BTreeMap::new(),
            line_item_orders: HashMap::new(),
            fulfillments: BTreeMap::new(),
            fulfillment_orders: BTreeMap::new(),
            jobs: HashMap::new(),
            subscriptions: BTreeMap::new(),
            idempotency: HashMap::new(),
            bulk: super::bulk::BulkOperations::default(),
            indexes: Indexes::default(),
        };
        st.shop.id = st.id();
        let main = st.id();
        let popup = st.id();
        st.locations = vec![
            Location {
                id: main,
                name: "Main Warehouse".to_string(),
                fulfills_online: true,
                address1: "500 Harbor Blvd".to_string(),
                city: "Los Angeles".to_string(),
                province: "California".to_string(),
                province_code: "CA".to_string(),
                zip: "90012".to_string(),
            },
            Location {
                id: popup,
                name: "Pop-up Store".to_string(),
                fulfills_online: false,
                address1: "12 Market St".to_string(),
                city: "San Francisco".to_string(),
                province: "California".to_string(),
                province_code: "CA".to_string(),
                zip: "94105".to_string(),
            },
        ];

        for i in 0..products {
            let t = &TEMPLATES[i % TEMPLATES.len()];
            let round = i / TEMPLATES.len();
            let title = if round == 0 {
                t.title.to_string()
            } else {
                format!("{} No. {}", t.title, round + 1)
            };
            let prefix = if round == 0 {
                t.prefix.to_string()
            } else {
                format!("{}{}", t.prefix, round + 1)
            };
            let handle = slug(&title);
            let created = now - 86_400_000 * i64::try_from(30 - (i % 30)).unwrap_or(1);
            let updated = created + 3_600_000;
            // Drawn even when fixed, so the rest of the seeded data stays the same.
            let drawn = st.rng.random_range(1..=3usize);
            let n_variants = variants_per_product.map_or(drawn, |n| n.clamp(1, 3));
            let product_id = st.id();
            let option_id = st.id();
            let single = n_variants == 1;
            let option_values: Vec<String> = if single {
                vec!["Default Title".to_string()]
            } else {
                t.values[..n_variants]
                    .iter()
                    .map(|v| (*v).to_string())
                    .collect()
            };
            let option_name = if single { "Title" } else { t.option };
            let mut variant_ids = Vec::new();
            for (pos, value) in option_values.iter().enumerate() {
                let variant_id = st.id();
                let item_id = st.id();
                let sku = if single {
                    prefix.clone()
                } else {
                    format!("{prefix}-{}", value.to_uppercase().replace(' ', ""))
                };
                let mut levels = BTreeMap::new();
                levels.insert(
                    main,
                    Level {
                        available: st.rng.random_range(5..=40),
                        created,
                        updated,
                        ..Level::default()
                    },
                );
                if i == 0 {
                    levels.insert(
                        popup,
                        Level {
                            available: 3,
                            created,
                            updated,
                            ..Level::default()
                        },
                    );
                }
                st.items.insert(
                    item_id,
                    InventoryItem {
                        id: item_id,
                        variant_id,
                        tracked: true,
                        weight: t
                            .weight_grams
                            .map(|grams| (Decimal::from(grams[pos]), "GRAMS")),
                        created,
                        updated,
                        levels,
                    },
                );
                st.indexes
                    .variant_skus
                    .entry(sku.clone())
                    .or_default()
                    .insert(variant_id);
                st.variants.insert(
                    variant_id,
                    Variant {
                        id: variant_id,
                        product_id,
                        sku: Some(sku),
                        title: value.clone(),
                        price: Decimal::new(t.price, 2),
                        compare_at: (pos == 0 && i % 3 == 1)
                            .then(|| Decimal::new(t.price + 500, 2)),
                        barcode: Some(format!("0{:011}", variant_id % 100_000_000_000)),
                        policy: if t.prefix == "PIN" {
                            "CONTINUE"
                        } else {
                            "DENY"
                        }
                        .to_string(),
                        position: u32::try_from(pos + 1).unwrap_or(1),
                        options: vec![(option_name.to_string(), value.clone())],
                        inventory_item_id: item_id,
                        created,
                        updated,
                    },
                );
                variant_ids.push(variant_id);
            }
            let n_media = 1 + (i % 2);
            let mut media = Vec::new();
            for m in 0..n_media {
                let id = st.id();
                let image_id = st.id();
                media.push(MediaImage {
                    id,
                    image_id,
                    file: format!("{handle}-{}.png", m + 1),
                    alt: format!("{title} photo {}", m + 1),
                    created,
                });
            }
            let metafields = if t.materials.is_empty() {
                Vec::new()
            } else {
                vec![Metafield {
                    id: st.id(),
                    namespace: MATERIAL_NAMESPACE.to_string(),
                    key: MATERIAL_KEY.to_string(),
                    kind: "list.single_line_text_field".to_string(),
                    value: json!(t.materials).to_string(),
                    created,
                }]
            };
            st.products.insert(
                product_id,
                Product {
                    id: product_id,
                    title: title.clone(),
                    handle,
                    description_html: format!(
                        "<p>{title} from the Feedbridge demo store.</p><ul><li>Ships in 1-2 days</li></ul>"
                    ),
                    product_type: t.product_type.to_string(),
                    vendor: "Feedbridge Basics".to_string(),
                    tags: t.tags.iter().map(|s| (*s).to_string()).collect(),
                    status: "ACTIVE".to_string(),
                    created,
                    updated,
                    options: vec![(option_id, option_name.to_string(), option_values)],
                    variant_ids,
                    media,
                    category: t
                        .category
                        .map(|(id, name, full)| (id.to_string(), name.to_string(), full.to_string())),
                    box_cm: t.box_cm,
                    metafields,
                },
            );
        }
        st
    }

    /// The seeded catalog as the other store simulators seed it: the products, SKUs, option
    /// values, prices and stock this state was seeded with (call right after [`State::seed`]).
    pub(crate) fn catalog(&self) -> Vec<SeedProduct> {
        self.products
            .values()
            .map(|p| SeedProduct {
                title: p.title.clone(),
                handle: p.handle.clone(),
                description_html: p.description_html.clone(),
                product_type: p.product_type.clone(),
                tags: p.tags.clone(),
                vendor: p.vendor.clone(),
                materials: p
                    .metafields
                    .iter()
                    .find(|m| m.namespace == MATERIAL_NAMESPACE && m.key == MATERIAL_KEY)
                    .and_then(|m| serde_json::from_str(&m.value).ok())
                    .unwrap_or_default(),
                option_name: (p.variant_ids.len() > 1)
                    .then(|| p.options.first().map(|o| o.1.clone()))
                    .flatten(),
                variants: p
                    .variant_ids
                    .iter()
                    .filter_map(|id| self.variants.get(id))
                    .map(|v| SeedVariant {
                        sku: v.sku.clone().unwrap_or_default(),
                        option_value: v.title.clone(),
                        price: v.price,
                        compare_at: v.compare_at,
                        stock: self.total_available(v),
                        allow_backorder: v.policy == "CONTINUE",
                        weight_grams: self
                            .items
                            .get(&v.inventory_item_id)
                            .and_then(|i| i.weight)
                            .filter(|(_, unit)| *unit == "GRAMS")
                            .and_then(|(grams, _)| grams.to_u32()),
                    })
                    .collect(),
                box_cm: p.box_cm,
                created_ms: p.created,
                updated_ms: p.updated,
            })
            .collect()
    }

    pub(crate) fn id(&mut self) -> u64 {
        self.next_id += self.rng.random_range(1..1000u64);
        self.next_id
    }

    pub(crate) fn default_location(&self) -> u64 {
        self.locations
            .iter()
            .find(|l| l.fulfills_online)
            .or(self.locations.first())
            .map_or(0, |l| l.id)
    }

    /// The first variant (lowest id) with this SKU.
    pub(crate) fn variant_by_sku(&self, sku: &str) -> Option<&Variant> {
        let first = self.indexes.variant_skus.get(sku)?.first()?;
        self.variants.get(first)
    }

    /// Deletes a variant and its inventory item.
    pub(crate) fn remove_variant(&mut self, id: u64) {
        let Some(v) = self.variants.remove(&id) else {
            return;
        };
        self.items.remove(&v.inventory_item_id);
        if let Some(sku) = &v.sku
            && let Some(ids) = self.indexes.variant_skus.get_mut(sku)
        {
            ids.remove(&id);
            if ids.is_empty() {
                self.indexes.variant_skus.remove(sku);
            }
        }
    }

    pub(crate) fn insert_order(&mut self, order: Order) {
        for tag in &order.tags {
            self.indexes
                .order_tags
                .entry(tag.to_lowercase())
                .or_default()
                .insert(order.id);
        }
        self.indexes.order_names.insert(order.name.clone());
        self.orders.insert(order.id, order);
    }

    /// Changes an order's tags with `change`; false if there is no such order.
    pub(crate) fn retag_order(&mut self, id: u64, change: impl FnOnce(&mut Vec<String>)) -> bool {
        let Some(order) = self.orders.get_mut(&id) else {
            return false;
        };
        for tag in &order.tags {
            if let Some(ids) = self.indexes.order_tags.get_mut(&tag.to_lowercase()) {
                ids.remove(&id);
            }
        }
        change(&mut order.tags);
        for tag in &order.tags {
            self.indexes
                .order_tags
                .entry(tag.to_lowercase())
                .or_default()
                .insert(id);
        }
        true
    }

    /// Orders carrying `tag` (any case), in id order.
    pub(crate) fn orders_tagged(&self, tag: &str) -> impl Iterator<Item = &Order> {
        self.indexes
            .order_tags
            .get(&tag.to_lowercase())
            .into_iter()
            .flatten()
            .filter_map(|id| self.orders.get(id))
    }

    pub(crate) fn order_name_taken(&self, name: &str) -> bool {
        self.indexes.order_names.contains(name)
    }

    pub(crate) fn image_url(&self, file: &str) -> String {
        format!("{}/cdn/shop/files/{file}", self.base_url)
    }

    pub(crate) fn total_available(&self, variant: &Variant) -> i64 {
        self.items
            .get(&variant.inventory_item_id)
            .map_or(0, |i| i.levels.values().map(|l| l.available).sum())
    }

    // -----------------------------------------------------------------------------------------
    // Full objects (GraphQL shape)

    /// Resolves a GID to its full object, if it exists.
    pub(crate) fn node(&self, id: &str) -> Option<Value> {
        let (kind, n) = parse_gid(id)?;
        match kind {
            "Shop" if n == self.shop.id => Some(self.shop_json()),
            "Product" => self.products.get(&n).map(|p| self.product_json(p)),
            "ProductVariant" => self.variants.get(&n).map(|v| self.variant_json(v)),
            "InventoryItem" => self.items.get(&n).map(|i| self.item_json(i)),
            "InventoryLevel" => {
                let item: u64 = id.split("inventory_item_id=").nth(1)?.parse().ok()?;
                let level = self.items.get(&item)?.levels.get(&n)?;
                Some(self.level_json(item, n, level))
            }
            "Location" => self
                .locations
                .iter()
                .find(|l| l.id == n)
                .map(|l| self.location_json(l)),
            "Order" => self.orders.get(&n).map(|o| self.order_json(o)),
            "LineItem" => {
                let order = self.orders.get(self.line_item_orders.get(&n)?)?;
                let li = order.line_items.iter().find(|li| li.id == n)?;
                Some(self.line_item_json(li))
            }
            "Fulfillment" => self.fulfillments.get(&n).map(|f| self.fulfillment_json(f)),
            "FulfillmentEvent" => self
                .fulfillments
                .values()
                .find_map(|f| f.events.iter().find(|e| e.id == n).map(event_json)),
            "FulfillmentOrder" => self.fulfillment_orders.get(&n).map(|f| self.fo_json(f)),
            "FulfillmentOrderLineItem" => self.fulfillment_orders.values().find_map(|fo| {
                fo.lines
                    .iter()
                    .find(|l| l.id == n)
                    .map(|l| self.fo_line_json(l))
            }),
            "MediaImage" => self.products.values().find_map(|p| {
                p.media
                    .iter()
                    .find(|m| m.id == n)
                    .map(|m| self.media_json(m))
            }),
            "WebhookSubscription" => self
                .subscriptions
                .get(&n)
                .map(|s| self.subscription_json(s)),
            "BulkOperation" => super::bulk::node(self, n),
            _ => None,
        }
    }

    pub(crate) fn shop_json(&self) -> Value {
        json!({
            "__typename": "Shop",
            "id": gid("Shop", self.shop.id),
            "name": self.shop.name,
            "email": self.shop.email,
            "contactEmail": self.shop.email,
            "myshopifyDomain": self.shop.domain,
            "currencyCode": self.shop.currency,
            "enabledPresentmentCurrencies": [self.shop.currency],
            "ianaTimezone": "America/Los_Angeles",
            "weightUnit": "POUNDS",
            "primaryDomain": {"__typename": "Domain", "id": gid("Domain", self.shop.id), "host": self.shop.domain, "url": format!("https://{}", self.shop.domain)},
            "plan": {"__typename": "ShopPlan", "displayName": "Basic", "partnerDevelopment": false, "shopifyPlus": false},
        })
    }

    fn image_json(&self, m: &MediaImage) -> Value {
        let url = self.image_url(&m.file);
        json!({
            "__typename": "Image",
            "id": gid("ProductImage", m.image_id),
            "url": url, "src": url, "originalSrc": url, "transformedSrc": url,
            "altText": m.alt, "width": 800, "height": 800,
        })
    }

    fn media_json(&self, m: &MediaImage) -> Value {
        let image = self.image_json(m);
        json!({
            "__typename": "MediaImage",
            "id": gid("MediaImage", m.id),
            "alt": m.alt,
            "mediaContentType": "IMAGE",
            "status": "READY",
            "preview": {"__typename": "MediaPreviewImage", "image": image, "status": "READY"},
            "image": image,
            "mimeType": "image/png",
            "createdAt": iso8601(m.created),
        })
    }

    pub(crate) fn product_json(&self, p: &Product) -> Value {
        let variants: Vec<&Variant> = p
            .variant_ids
            .iter()
            .filter_map(|v| self.variants.get(v))
            .collect();
        let total: i64 = variants.iter().map(|v| self.total_available(v)).sum();
        let text = strip_html(&p.description_html);
        json!({
            "__typename": "Product",
            "id": gid("Product", p.id),
            "legacyResourceId": p.id.to_string(),
            "title": p.title,
            "handle": p.handle,
            "description": text,
            "descriptionHtml": p.description_html,
            "productType": p.product_type,
            "vendor": p.vendor,
            "tags": p.tags,
            "status": p.status,
            "createdAt": iso8601(p.created),
            "updatedAt": iso8601(self.product_updated(p)),
            "publishedAt": (p.status == "ACTIVE").then(|| iso8601(p.created)),
            "totalInventory": total,
            "tracksInventory": true,
            "hasOnlyDefaultVariant": variants.len() == 1 && variants[0].title == "Default Title",
            "onlineStoreUrl": Value::Null,
            "options": p.options.iter().enumerate().map(|(i, (id, name, values))| json!({
                "__typename": "ProductOption", "id": gid("ProductOption", *id), "name": name, "position": i + 1, "values": values,
            })).collect::<Vec<_>>(),
            "variants": p.variant_ids.iter().map(|v| ref_("ProductVariant", *v)).collect::<Vec<_>>(),
            "variantsCount": {"__typename": "Count", "count": variants.len(), "precision": "EXACT"},
            "media": p.media.iter().map(|m| self.media_json(m)).collect::<Vec<_>>(),
            "featuredMedia": p.media.first().map(|m| self.media_json(m)),
            "featuredImage": p.media.first().map(|m| self.image_json(m)),
            "images": p.media.iter().map(|m| self.image_json(m)).collect::<Vec<_>>(),
            "category": p.category.as_ref().map(|(id, name, full)| json!({
                "__typename": "TaxonomyCategory", "id": format!("gid://shopify/TaxonomyCategory/{id}"), "name": name, "fullName": full, "isLeaf": true,
            })),
            "collections": [],
            "metafields": p.metafields.iter().map(metafield_json).collect::<Vec<_>>(),
            "metafield": p.metafields.iter().map(metafield_json).collect::<Vec<_>>(),
        })
    }

    pub(crate) fn variant_json(&self, v: &Variant) -> Value {
        let product = self.products.get(&v.product_id);
        let item = self.items.get(&v.inventory_item_id);
        let available = self.total_available(v);
        json!({
            "__typename": "ProductVariant",
            "id": gid("ProductVariant", v.id),
            "legacyResourceId": v.id.to_string(),
            "sku": v.sku,
            "title": v.title,
            "displayName": format!("{} - {}", product.map_or("", |p| p.title.as_str()), v.title),
            "price": money(v.price),
            "compareAtPrice": v.compare_at.map(money),
            "barcode": v.barcode,
            "inventoryQuantity": available,
            "inventoryPolicy": v.policy,
            "availableForSale": product.is_some_and(|p| p.status == "ACTIVE") && (available > 0 || v.policy == "CONTINUE"),
            "position": v.position,
            "taxable": true,
            "selectedOptions": v.options.iter().map(|(n, val)| json!({"__typename": "SelectedOption", "name": n, "value": val})).collect::<Vec<_>>(),
            "inventoryItem": item.map(|i| self.item_json(i)),
            "product": ref_("Product", v.product_id),
            "image": Value::Null,
            "createdAt": iso8601(v.created),
            "updatedAt": iso8601(self.variant_updated(v)),
        })
    }

    pub(crate) fn item_json(&self, i: &InventoryItem) -> Value {
        let sku = self.variants.get(&i.variant_id).and_then(|v| v.sku.clone());
        json!({
            "__typename": "InventoryItem",
            "id": gid("InventoryItem", i.id),
            "legacyResourceId": i.id.to_string(),
            "sku": sku,
            "tracked": i.tracked,
            "requiresShipping": true,
            "unitCost": Value::Null,
            "countryCodeOfOrigin": Value::Null,
            "harmonizedSystemCode": Value::Null,
            "createdAt": iso8601(i.created),
            "updatedAt": iso8601(i.updated),
            "variant": ref_("ProductVariant", i.variant_id),
            "measurement": {
                "__typename": "InventoryItemMeasurement",
                "id": gid("InventoryItemMeasurement", i.id),
                "weight": {
                    "__typename": "Weight",
                    "unit": i.weight.map_or("POUNDS", |(_, unit)| unit),
                    "value": i.weight.map_or(0.0, |(value, _)| value.to_f64().unwrap_or(0.0)),
                },
            },
            "inventoryLevels": i.levels.iter().map(|(loc, l)| self.level_json(i.id, *loc, l)).collect::<Vec<_>>(),
        })
    }

    /// A variant's last change, counting its stock: Shopify moves a product's and its
    /// variants' `updatedAt` when a quantity changes (and sends `products/update` for it,
    /// which this simulator leaves out), so `updated_at:>` searches see stock changes.
    pub(crate) fn variant_updated(&self, v: &Variant) -> i64 {
        let stock = self.items.get(&v.inventory_item_id).map_or(0, |i| {
            i.levels
                .values()
                .map(|l| l.updated)
                .fold(i.updated, i64::max)
        });
        v.updated.max(stock)
    }

    /// A product's last change, counting its variants' (and so their stock's).
    pub(crate) fn product_updated(&self, p: &Product) -> i64 {
        p.variant_ids
            .iter()
            .filter_map(|id| self.variants.get(id))
            .map(|v| self.variant_updated(v))
            .fold(p.updated, i64::max)
    }

    pub(crate) fn level_gid(item: u64, loc: u64) -> String {
        format!("gid://shopify/InventoryLevel/{loc}?inventory_item_id={item}")
    }

    pub(crate) fn level_json(&self, item: u64, loc: u64, l: &Level) -> Value {
        json!({
            "__typename": "InventoryLevel",
            "id": Self::level_gid(item, loc),
            "location": ref_("Location", loc),
            "item": ref_("InventoryItem", item),
            "quantities": QUANTITY_NAMES.iter().map(|n| json!({
                "__typename": "InventoryQuantity",
                "id": format!("gid://shopify/InventoryQuantity/{loc}?inventory_item_id={item}&name={n}"),
                "name": n, "quantity": l.get(n).unwrap_or(0), "updatedAt": iso8601(l.updated),
            })).collect::<Vec<_>>(),
            "canDeactivate": true,
            "createdAt": iso8601(l.created),
            "updatedAt": iso8601(l.updated),
        })
    }

    /// A location without its stock levels: `inventoryLevels` and `hasActiveInventory` cover
    /// every item stocked there, so they are computed only when a query selects them
    /// ([`State::computed_field`]); a level's `location { id }` stays cheap.
    pub(crate) fn location_json(&self, l: &Location) -> Value {
        json!({
            "__typename": "Location",
            "id": gid("Location", l.id),
            "legacyResourceId": l.id.to_string(),
            "name": l.name,
            "isActive": true,
            "isPrimary": l.fulfills_online,
            "fulfillsOnlineOrders": l.fulfills_online,
            "shipsInventory": l.fulfills_online,
            "address": {
                "__typename": "LocationAddress",
                "address1": l.address1, "address2": Value::Null, "city": l.city, "province": l.province,
                "provinceCode": l.province_code, "country": "United States", "countryCode": "US", "zip": l.zip,
                "phone": Value::Null,
                "formatted": [l.address1.clone(), format!("{} {} {}", l.city, l.province_code, l.zip), "United States".to_string()],
            },
        })
    }

    /// Fields full objects leave out because they cost more than the object (see
    /// [`State::location_json`]), for the object `obj` of type `typename`.
    pub(crate) fn computed_field(&self, typename: &str, obj: &Value, field: &str) -> Option<Value> {
        let id = || {
            obj.get("id")
                .and_then(Value::as_str)
                .and_then(parse_gid)
                .map(|(_, n)| n)
        };
        match (typename, field) {
            ("Location", "inventoryLevels") => {
                let location = id()?;
                Some(Value::Array(
                    self.items
                        .values()
                        .filter(|i| i.levels.contains_key(&location))
                        .map(|i| json!({"__ref": Self::level_gid(i.id, location)}))
                        .collect(),
                ))
            }
            ("Location", "hasActiveInventory") => {
                let location = id()?;
                Some(json!(
                    self.items
                        .values()
                        .any(|i| i.levels.contains_key(&location))
                ))
            }
            _ => None,
        }
    }

    pub(crate) fn line_item_json(&self, li: &LineItem) -> Value {
        let currency = &self.shop.currency;
        let name = match &li.variant_title {
            Some(vt) if vt != "Default Title" => format!("{} - {vt}", li.title),
            _ => li.title.clone(),
        };
        json!({
            "__typename": "LineItem",
            "id": gid("LineItem", li.id),
            "sku": li.sku,
            "title": li.title,
            "name": name,
            "variantTitle": li.variant_title,
            "vendor": li.vendor,
            "quantity": li.quantity,
            "currentQuantity": li.current() - li.returned,
            "unfulfilledQuantity": li.unfulfilled(),
            "fulfillableQuantity": li.unfulfilled(),
            "refundableQuantity": li.current() - li.returned,
            "requiresShipping": li.requires_shipping,
            "variant": li.variant_id.map(|v| ref_("ProductVariant", v)),
            "product": li.product_id.map(|p| ref_("Product", p)),
            "originalUnitPriceSet": money_bag(li.price, currency),
            "discountedUnitPriceSet": money_bag(li.price, currency),
            "originalTotalSet": money_bag(li.price * Decimal::from(li.quantity), currency),
            "customAttributes": li.properties.iter().map(|(k, v)| json!({"__typename": "Attribute", "key": k, "value": v})).collect::<Vec<_>>(),
        })
    }

    pub(crate) fn order_json(&self, o: &Order) -> Value {
        let c = &o.currency;
        let paid = o.financial_status == "PAID";
        json!({
            "__typename": "Order",
            "id": gid("Order", o.id),
            "legacyResourceId": o.id.to_string(),
            "name": o.name,
            "createdAt": iso8601(o.created),
            "updatedAt": iso8601(o.updated),
            "processedAt": iso8601(o.processed),
            "closed": o.closed_at.is_some(),
            "closedAt": o.closed_at.map(iso8601),
            "cancelledAt": o.cancelled_at.map(iso8601),
            "cancelReason": o.cancel_reason,
            "confirmed": true,
            "test": o.test,
            "tags": o.tags,
            "note": o.note,
            "email": o.email,
            "phone": o.phone,
            "sourceName": o.source_name,
            "sourceIdentifier": o.source_identifier,
            "customAttributes": o.custom_attributes.iter().map(|(k, v)| json!({"__typename": "Attribute", "key": k, "value": v})).collect::<Vec<_>>(),
            "currencyCode": c,
            "presentmentCurrencyCode": c,
            "displayFinancialStatus": o.financial_status,
            "displayFulfillmentStatus": o.fulfillment_status(),
            "fullyPaid": paid,
            "unpaid": !paid,
            "totalPriceSet": money_bag(o.total(), c),
            "subtotalPriceSet": money_bag(o.subtotal(), c),
            "totalDiscountsSet": money_bag(o.total_discounts(), c),
            "discountCode": o.discount_code,
            "discountCodes": o.discount_code.iter().collect::<Vec<_>>(),
            "shippingLines": o.shipping_lines.iter().enumerate().map(|(i, l)| json!({
                "__typename": "ShippingLine", "id": gid("ShippingLine", l.id), "title": l.title, "code": l.code, "source": l.source,
                "originalPriceSet": money_bag(l.price, c),
                "discountedPriceSet": money_bag(if i == 0 { (l.price - o.shipping_discount).max(Decimal::ZERO) } else { l.price }, c),
            })).collect::<Vec<_>>(),
            "taxLines": o.tax_lines.iter().map(|t| json!({
                "__typename": "TaxLine", "title": t.title, "rate": t.rate.to_string().parse::<f64>().unwrap_or(0.0),
                "ratePercentage": (t.rate * Decimal::from(100)).to_string().parse::<f64>().unwrap_or(0.0),
                "priceSet": money_bag(t.price, c), "channelLiable": false,
            })).collect::<Vec<_>>(),
            "totalTaxSet": money_bag(o.tax_total, c),
            "totalShippingPriceSet": money_bag(o.shipping_total, c),
            "currentTotalPriceSet": money_bag(o.total(), c),
            "shippingAddress": o.shipping_address,
            "billingAddress": o.billing_address,
            "lineItems": o.line_items.iter().map(|li| self.line_item_json(li)).collect::<Vec<_>>(),
            "fulfillments": o.fulfillment_ids.iter().filter_map(|f| self.fulfillments.get(f)).map(|f| self.fulfillment_json(f)).collect::<Vec<_>>(),
            "fulfillmentOrders": o.fulfillment_order_ids.iter().map(|f| ref_("FulfillmentOrder", *f)).collect::<Vec<_>>(),
            "refunds": o.refunds.iter().map(|r| json!({
                "__typename": "Refund", "id": gid("Refund", r.id), "createdAt": iso8601(r.created),
                "note": r.note, "totalRefundedSet": money_bag(r.amount, c),
            })).collect::<Vec<_>>(),
            "totalRefundedSet": money_bag(o.refunds.iter().map(|r| r.amount).sum(), c),
            "transactions": o.transactions.iter().map(|t| json!({
                "__typename": "OrderTransaction", "id": gid("OrderTransaction", t.id), "kind": t.kind, "status": t.status,
                "gateway": t.gateway, "amountSet": money_bag(t.amount, c), "createdAt": iso8601(t.created),
            })).collect::<Vec<_>>(),
        })
    }

    pub(crate) fn fulfillment_json(&self, f: &Fulfillment) -> Value {
        json!({
            "__typename": "Fulfillment",
            "id": gid("Fulfillment", f.id),
            "legacyResourceId": f.id.to_string(),
            "name": f.name,
            "status": f.status,
            "displayStatus": f.display_status(),
            "createdAt": iso8601(f.created),
            "updatedAt": iso8601(f.updated),
            "deliveredAt": f.first_event_at(&["DELIVERED"]).map(iso8601),
            "inTransitAt": f.first_event_at(&["IN_TRANSIT", "CARRIER_PICKED_UP", "OUT_FOR_DELIVERY"]).map(iso8601),
            "estimatedDeliveryAt": f.events.iter().rev().find_map(|e| e.estimated_delivery).map(iso8601),
            "events": f.events_by_happened().into_iter().map(event_json).collect::<Vec<_>>(),
            "totalQuantity": f.lines.iter().map(|(_, _, q)| q).sum::<i64>(),
            "requiresShipping": true,
            "trackingInfo": f.tracking.iter().map(|(company, number, url)| json!({
                "__typename": "FulfillmentTrackingInfo", "company": company, "number": number, "url": url,
            })).collect::<Vec<_>>(),
            "fulfillmentLineItems": f.lines.iter().map(|(id, li, q)| json!({
                "__typename": "FulfillmentLineItem", "id": gid("FulfillmentLineItem", *id), "quantity": q, "lineItem": ref_("LineItem", *li),
            })).collect::<Vec<_>>(),
            "order": ref_("Order", f.order_id),
            "location": ref_("Location", f.location_id),
        })
    }

    fn fo_line_json(&self, l: &FoLine) -> Value {
        let order = self
            .line_item_orders
            .get(&l.line_item_id)
            .and_then(|o| self.orders.get(o));
        let li = order.and_then(|o| o.line_items.iter().find(|x| x.id == l.line_item_id));
        json!({
            "__typename": "FulfillmentOrderLineItem",
            "id": gid("FulfillmentOrderLineItem", l.id),
            "sku": li.and_then(|li| li.sku.clone()),
            "totalQuantity": l.total,
            "remainingQuantity": l.remaining,
            "lineItem": ref_("LineItem", l.line_item_id),
            "variant": li.and_then(|li| li.variant_id).map(|v| ref_("ProductVariant", v)),
        })
    }

    pub(crate) fn fo_json(&self, fo: &FulfillmentOrder) -> Value {
        let loc = self.locations.iter().find(|l| l.id == fo.location_id);
        let actions: Vec<Value> = if fo.status == "OPEN" || fo.status == "IN_PROGRESS" {
            vec![
                json!({"__typename": "FulfillmentOrderSupportedAction", "action": "CREATE_FULFILLMENT"}),
                json!({"__typename": "FulfillmentOrderSupportedAction", "action": "MOVE"}),
                json!({"__typename": "FulfillmentOrderSupportedAction", "action": "HOLD"}),
            ]
        } else {
            Vec::new()
        };
        json!({
            "__typename": "FulfillmentOrder",
            "id": gid("FulfillmentOrder", fo.id),
            "status": fo.status,
            "requestStatus": "UNSUBMITTED",
            "orderId": gid("Order", fo.order_id),
            "order": ref_("Order", fo.order_id),
            "assignedLocation": {"__typename": "FulfillmentOrderAssignedLocation", "name": loc.map(|l| l.name.clone()), "location": ref_("Location", fo.location_id)},
            "lineItems": fo.lines.iter().map(|l| self.fo_line_json(l)).collect::<Vec<_>>(),
            "supportedActions": actions,
            "createdAt": iso8601(fo.created),
            "updatedAt": iso8601(fo.updated),
        })
    }

    pub(crate) fn subscription_json(&self, s: &WebhookSub) -> Value {
        json!({
            "__typename": "WebhookSubscription",
            "id": gid("WebhookSubscription", s.id),
            "legacyResourceId": s.id.to_string(),
            "topic": s.topic,
            "uri": s.uri,
            "callbackUrl": s.uri,
            "endpoint": webhook_endpoint(&s.uri),
            "format": s.format,
            "includeFields": s.include_fields,
            "metafieldNamespaces": s.metafield_namespaces,
            "filter": s.filter,
            "apiVersion": {"__typename": "ApiVersion", "handle": s.api_version, "displayName": s.api_version, "supported": true},
            "createdAt": iso8601(s.created),
            "updatedAt": iso8601(s.updated),
        })
    }

    // -----------------------------------------------------------------------------------------
    // REST shapes (webhook bodies, control API)

    pub(crate) fn rest_variant(&self, v: &Variant) -> Value {
        let mut obj = json!({
            "id": v.id,
            "product_id": v.product_id,
            "title": v.title,
            "price": money(v.price),
            "sku": v.sku,
            "position": v.position,
            "inventory_policy": v.policy.to_lowercase(),
            "compare_at_price": v.compare_at.map(money),
            "created_at": iso8601(v.created),
            "updated_at": iso8601(self.variant_updated(v)),
            "taxable": true,
            "barcode": v.barcode,
            "inventory_item_id": v.inventory_item_id,
            "inventory_quantity": self.total_available(v),
            "old_inventory_quantity": self.total_available(v),
            "image_id": Value::Null,
            "admin_graphql_api_id": gid("ProductVariant", v.id),
        });
        for i in 0..3 {
            obj[format!("option{}", i + 1)] =
                v.options.get(i).map_or(Value::Null, |(_, val)| json!(val));
        }
        obj
    }

    pub(crate) fn rest_product(&self, p: &Product) -> Value {
        let images: Vec<Value> = p
            .media
            .iter()
            .enumerate()
            .map(|(i, m)| {
                json!({
                    "id": m.image_id, "product_id": p.id, "position": i + 1, "alt": m.alt,
                    "width": 800, "height": 800, "src": self.image_url(&m.file),
                    "variant_ids": [], "admin_graphql_api_id": gid("ProductImage", m.image_id),
                })
            })
            .collect();
        json!({
            "id": p.id,
            "title": p.title,
            "body_html": p.description_html,
            "vendor": p.vendor,
            "product_type": p.product_type,
            "handle": p.handle,
            "created_at": iso8601(p.created),
            "updated_at": iso8601(self.product_updated(p)),
            "published_at": (p.status == "ACTIVE").then(|| iso8601(p.created)),
            "template_suffix": Value::Null,
            "published_scope": "global",
            "tags": p.tags.join(", "),
            "status": p.status.to_lowercase(),
            "admin_graphql_api_id": gid("Product", p.id),
            "variants": p.variant_ids.iter().filter_map(|v| self.variants.get(v)).map(|v| self.rest_variant(v)).collect::<Vec<_>>(),
            "options": p.options.iter().enumerate().map(|(i, (id, name, values))| json!({
                "id": id, "product_id": p.id, "name": name, "position": i + 1, "values": values,
            })).collect::<Vec<_>>(),
            "image": images.first().cloned(),
            "images": images,
        })
    }

    pub(crate) fn rest_inventory_level(&self, item: u64, loc: u64) -> Value {
        let level = self.items.get(&item).and_then(|i| i.levels.get(&loc));
        json!({
            "inventory_item_id": item,
            "location_id": loc,
            "available": level.map(|l| l.available),
            "updated_at": iso8601(level.map_or(0, |l| l.updated)),
            "admin_graphql_api_id": Self::level_gid(item, loc),
        })
    }

    pub(crate) fn rest_fulfillment(&self, f: &Fulfillment) -> Value {
        let order = self.orders.get(&f.order_id);
        let (company, number, url) = f.tracking.first().cloned().unwrap_or((None, None, None));
        json!({
            "id": f.id,
            "order_id": f.order_id,
            "status": f.status.to_lowercase(),
            "created_at": iso8601(f.created),
            "updated_at": iso8601(f.updated),
            "service": "manual",
            "location_id": f.location_id,
            "name": f.name,
            "shipment_status": f.latest_event().map(|e| e.status.to_lowercase()),
            "tracking_company": company,
            "tracking_number": number,
            "tracking_numbers": f.tracking.iter().filter_map(|t| t.1.clone()).collect::<Vec<_>>(),
            "tracking_url": url,
            "tracking_urls": f.tracking.iter().filter_map(|t| t.2.clone()).collect::<Vec<_>>(),
            "line_items": f.lines.iter().filter_map(|(_, li_id, q)| {
                let li = order?.line_items.iter().find(|li| li.id == *li_id)?;
                Some(json!({
                    "id": li.id, "variant_id": li.variant_id, "product_id": li.product_id, "sku": li.sku,
                    "title": li.title, "quantity": q, "price": money(li.price),
                    "admin_graphql_api_id": gid("LineItem", li.id),
                }))
            }).collect::<Vec<_>>(),
            "admin_graphql_api_id": gid("Fulfillment", f.id),
        })
    }

    pub(crate) fn rest_order(&self, o: &Order) -> Value {
        let fulfillment_status = match o.fulfillment_status() {
            "FULFILLED" => json!("fulfilled"),
            "PARTIALLY_FULFILLED" => json!("partial"),
            "RESTOCKED" => json!("restocked"),
            _ => Value::Null,
        };
        json!({
            "id": o.id,
            "admin_graphql_api_id": gid("Order", o.id),
            "name": o.name,
            "order_number": o.number,
            "email": o.email,
            "phone": o.phone,
            "created_at": iso8601(o.created),
            "updated_at": iso8601(o.updated),
            "processed_at": iso8601(o.processed),
            "closed_at": o.closed_at.map(iso8601),
            "cancelled_at": o.cancelled_at.map(iso8601),
            "cancel_reason": o.cancel_reason.as_ref().map(|r| r.to_lowercase()),
            "currency": o.currency,
            "financial_status": o.financial_status.to_lowercase(),
            "fulfillment_status": fulfillment_status,
            "tags": o.tags.join(", "),
            "note": o.note,
            "note_attributes": o.custom_attributes.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
            "source_name": o.source_name,
            "source_identifier": o.source_identifier,
            "test": o.test,
            "subtotal_price": money(o.subtotal()),
            "total_line_items_price": money(o.line_items_total()),
            "total_discounts": money(o.total_discounts()),
            "total_shipping_price_set": rest_money_set(o.shipping_total, &o.currency),
            "total_tax": money(o.tax_total),
            "total_price": money(o.total()),
            "discount_codes": o.discount_code.iter().map(|code| json!({
                "code": code, "amount": money(o.total_discounts()),
                "type": if o.shipping_discount > Decimal::ZERO { "shipping" } else { "fixed_amount" },
            })).collect::<Vec<_>>(),
            "shipping_lines": o.shipping_lines.iter().map(|l| json!({
                "id": l.id, "title": l.title, "code": l.code, "source": l.source, "price": money(l.price),
            })).collect::<Vec<_>>(),
            "tax_lines": o.tax_lines.iter().map(|t| json!({
                "title": t.title, "rate": t.rate.to_string().parse::<f64>().unwrap_or(0.0), "price": money(t.price),
            })).collect::<Vec<_>>(),
            "shipping_address": o.shipping_address.as_ref().map(rest_address),
            "billing_address": o.billing_address.as_ref().map(rest_address),
            "line_items": o.line_items.iter().map(|li| json!({
                "id": li.id,
                "admin_graphql_api_id": gid("LineItem", li.id),
                "variant_id": li.variant_id,
                "product_id": li.product_id,
                "sku": li.sku,
                "title": li.title,
                "variant_title": li.variant_title,
                "name": li.title,
                "quantity": li.quantity,
                "current_quantity": li.current(),
                "fulfillable_quantity": li.unfulfilled(),
                "fulfillment_status": if li.current() > 0 && li.fulfilled >= li.current() { json!("fulfilled") } else if li.fulfilled > 0 { json!("partial") } else { Value::Null },
                "price": money(li.price),
                "properties": li.properties.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "fulfillments": o.fulfillment_ids.iter().filter_map(|f| self.fulfillments.get(f)).map(|f| self.rest_fulfillment(f)).collect::<Vec<_>>(),
        })
    }
}

fn event_json(e: &FulfillmentEvent) -> Value {
    json!({
        "__typename": "FulfillmentEvent", "id": gid("FulfillmentEvent", e.id), "status": e.status,
        "message": e.message, "happenedAt": iso8601(e.happened), "createdAt": iso8601(e.created),
        "estimatedDeliveryAt": e.estimated_delivery.map(iso8601),
    })
}

fn rest_money_set(d: Decimal, currency: &str) -> Value {
    let m = json!({"amount": money(d), "currency_code": currency});
    json!({"shop_money": m, "presentment_money": m})
}

fn rest_address(a: &Value) -> Value {
    let g = |k: &str| a.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "first_name": g("firstName"), "last_name": g("lastName"), "name": g("name"), "company": g("company"),
        "address1": g("address1"), "address2": g("address2"), "city": g("city"), "province": g("province"),
        "province_code": g("provinceCode"), "country": g("country"), "country_code": g("countryCodeV2"),
        "zip": g("zip"), "phone": g("phone"),
    })
}

/// Builds a GraphQL `MailingAddress` full object from a `MailingAddressInput` value.
pub(crate) fn mailing_address(input: &Map<String, Value>) -> Value {
    let s = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_string);
    let first = s("firstName");
    let last = s("lastName");
    let name = match (&first, &last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(x), None) | (None, Some(x)) => Some(x.clone()),
        (None, None) => None,
    };
    let country = s("countryCode");
    json!({
        "__typename": "MailingAddress",
        "firstName": first, "lastName": last, "name": name, "company": s("company"),
        "address1": s("address1"), "address2": s("address2"), "city": s("city"),
        "province": s("provinceCode"), "provinceCode": s("provinceCode"),
        "country": country.as_deref().map(|c| if c == "US" { "United States".to_string() } else { c.to_string() }),
        "countryCodeV2": country, "zip": s("zip"), "phone": s("phone"),
    })
}

fn strip_html(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                if !out.ends_with(' ') && !out.is_empty() {
                    out.push(' ');
                }
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The deprecated `WebhookSubscription.endpoint`: the `uri` as the union member of its kind
/// (`arn:aws:events:…` EventBridge, `pubsub://project:topic` Pub/Sub, else HTTPS).
fn webhook_endpoint(uri: &str) -> Value {
    if uri.starts_with("arn:aws:events:") {
        json!({"__typename": "WebhookEventBridgeEndpoint", "arn": uri})
    } else if let Some((project, topic)) = uri
        .strip_prefix("pubsub://")
        .and_then(|rest| rest.split_once(':'))
    {
        json!({"__typename": "WebhookPubSubEndpoint", "pubSubProject": project, "pubSubTopic": topic})
    } else {
        json!({"__typename": "WebhookHttpEndpoint", "callbackUrl": uri})
    }
}

/// A metafield as the Admin API answers it; `jsonValue` is the value parsed by its type.
fn metafield_json(m: &Metafield) -> Value {
    let json_value = serde_json::from_str::<Value>(&m.value)
        .ok()
        .filter(|_| m.kind.starts_with("list.") || m.kind == "json")
        .unwrap_or_else(|| json!(m.value));
    json!({
        "__typename": "Metafield",
        "id": gid("Metafield", m.id),
        "legacyResourceId": m.id.to_string(),
        "namespace": m.namespace,
        "key": m.key,
        "value": m.value,
        "type": m.kind,
        "jsonValue": json_value,
        "ownerType": "PRODUCT",
        "createdAt": iso8601(m.created),
        "updatedAt": iso8601(m.created),
    })
}
