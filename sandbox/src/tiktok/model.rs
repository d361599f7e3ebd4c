//! In-memory state of the TikTok Shop simulator and its seeded reference data.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::regions::Market;
use crate::common::TokenBucket;

/// Generates 19-digit numeric string ids (TikTok ids are opaque 64-bit numbers as strings),
/// deterministic for a given seed and call order.
pub(crate) struct IdGen {
    rng: StdRng,
    next: u64,
}

impl IdGen {
    pub(crate) fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x7417_0c5e_ed5e_ed01);
        let next = 1_729_000_000_000_000_000 + rng.random_range(0..1_000_000_000_000u64);
        Self { rng, next }
    }

    pub(crate) fn next_id(&mut self) -> String {
        self.next += self.rng.random_range(1..5_000_000u64);
        self.next.to_string()
    }

    pub(crate) fn token(&mut self, prefix: &str, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let body: String = (0..len)
            .map(|_| char::from(ALPHABET[self.rng.random_range(0..ALPHABET.len())]))
            .collect();
        format!("{prefix}{body}")
    }

    pub(crate) fn hex(&mut self, bytes: usize) -> String {
        let raw: Vec<u8> = (0..bytes).map(|_| self.rng.random()).collect();
        hex::encode(raw)
    }
}

pub(crate) struct Shop {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) region: String,
    pub(crate) cipher: String,
    pub(crate) code: String,
    pub(crate) currency: String,
    /// What the shop's region changes (regions table).
    pub(crate) market: &'static Market,
}

pub(crate) struct AccessToken {
    pub(crate) expires_at: i64,
}

pub(crate) struct RefreshToken {
    pub(crate) expires_at: i64,
    pub(crate) access_token: String,
}

pub(crate) struct Category {
    pub(crate) id: String,
    pub(crate) parent_id: String,
    pub(crate) name: String,
    pub(crate) is_leaf: bool,
    pub(crate) permission: &'static str,
}

#[derive(Clone)]
pub(crate) struct Attribute {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    pub(crate) required: bool,
    pub(crate) customizable: bool,
    pub(crate) multiple: bool,
    pub(crate) values: Vec<(String, String)>,
}

impl Attribute {
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "type": self.kind,
            "is_requried": self.required,
            "is_customizable": self.customizable,
            "is_multiple_selection": self.multiple,
            "values": self.values.iter().map(|(id, name)| json!({"id": id, "name": name})).collect::<Vec<_>>(),
            "requirement_conditions": [],
            "value_data_format": if self.customizable { "POSITIVE_INT_OR_DECIMAL" } else { "" },
        })
    }
}

pub(crate) struct Brand {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) authorized: bool,
    /// Leaf categories the brand may be used in; empty: every category.
    pub(crate) categories: Vec<String>,
}

impl Brand {
    pub(crate) fn serves(&self, category_id: &str) -> bool {
        self.categories.is_empty() || self.categories.iter().any(|c| c == category_id)
    }
}

pub(crate) struct Warehouse {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: &'static str,
    /// ENABLED, DISABLED or RESTRICTED (§4.2); a seller changes it in Seller Center.
    pub(crate) effect_status: &'static str,
    pub(crate) is_default: bool,
    pub(crate) city: &'static str,
    pub(crate) state: &'static str,
    pub(crate) postal_code: &'static str,
}

impl Warehouse {
    pub(crate) fn is_sales(&self) -> bool {
        self.kind == "SALES_WAREHOUSE"
    }
}

pub(crate) struct DeliveryOption {
    pub(crate) id: String,
    pub(crate) warehouse_id: String,
    pub(crate) name: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) provider_ids: Vec<String>,
}

pub(crate) struct Provider {
    pub(crate) id: String,
    pub(crate) name: &'static str,
}

#[derive(Clone)]
pub(crate) struct Image {
    pub(crate) uri: String,
    pub(crate) url: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) use_case: String,
}

#[derive(Clone)]
pub(crate) struct Sku {
    pub(crate) id: String,
    pub(crate) seller_sku: String,
    pub(crate) external_sku_id: Option<String>,
    pub(crate) sales_attributes: Vec<Value>,
    pub(crate) price: Decimal,
    pub(crate) list_price: Option<Decimal>,
    /// (warehouse_id, quantity)
    pub(crate) inventory: Vec<(String, i64)>,
}

impl Sku {
    pub(crate) fn available(&self) -> i64 {
        self.inventory.iter().map(|(_, q)| *q).sum()
    }

    pub(crate) fn name(&self) -> String {
        let names: Vec<&str> = self
            .sales_attributes
            .iter()
            .filter_map(|a| a.get("value_name").and_then(Value::as_str))
            .collect();
        if names.is_empty() {
            "Default".to_string()
        } else {
            names.join(", ")
        }
    }
}

#[derive(Clone)]
pub(crate) struct Product {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) category_id: String,
    pub(crate) brand_id: Option<String>,
    pub(crate) main_images: Vec<Image>,
    pub(crate) package_weight: Option<Value>,
    pub(crate) package_dimensions: Option<Value>,
    pub(crate) product_attributes: Vec<Value>,
    pub(crate) skus: Vec<Sku>,
    pub(crate) status: String,
    pub(crate) audit_failed_reasons: Vec<Value>,
    pub(crate) create_time: i64,
    pub(crate) update_time: i64,
    pub(crate) external_product_id: Option<String>,
    pub(crate) compliance: super::compliance::Stored,
}

impl Product {
    pub(crate) fn audit_status(&self) -> &'static str {
        match self.status.as_str() {
            "PENDING" => "AUDITING",
            "FAILED" => "FAILED",
            "DRAFT" => "NONE",
            _ => "APPROVED",
        }
    }
}

#[derive(Clone)]
pub(crate) struct LineItem {
    pub(crate) id: String,
    pub(crate) product_id: String,
    pub(crate) sku_id: String,
    pub(crate) seller_sku: String,
    pub(crate) product_name: String,
    pub(crate) sku_name: String,
    /// `original_price` of the unit.
    pub(crate) price: Decimal,
    /// This unit's share of the order's seller discount.
    pub(crate) seller_discount: Decimal,
    /// This unit's share of the order's platform discount.
    pub(crate) platform_discount: Decimal,
    pub(crate) warehouse_id: String,
    pub(crate) package_id: Option<String>,
    pub(crate) cancelled: bool,
    pub(crate) cancel_user: String,
}

impl LineItem {
    /// What the buyer pays for the unit: original price minus both discounts.
    pub(crate) fn sale_price(&self) -> Decimal {
        self.price - self.seller_discount - self.platform_discount
    }
}

#[derive(Clone)]
pub(crate) struct Order {
    pub(crate) id: String,
    pub(crate) status: String,
    pub(crate) fulfillment_type: String,
    pub(crate) shipping_type: String,
    pub(crate) delivery_option_id: String,
    pub(crate) delivery_option_name: String,
    pub(crate) warehouse_id: String,
    pub(crate) create_time: i64,
    pub(crate) paid_time: Option<i64>,
    pub(crate) update_time: i64,
    pub(crate) user_id: String,
    pub(crate) buyer_email: String,
    pub(crate) buyer: Buyer,
    pub(crate) line_items: Vec<LineItem>,
    pub(crate) packages: Vec<String>,
    pub(crate) cancel_reason: String,
    pub(crate) cancellation_initiator: String,
    pub(crate) is_buyer_request_cancel: bool,
    /// `payment.shipping_fee` (what the buyer pays for shipping).
    pub(crate) shipping_fee: Decimal,
    /// `payment.tax`.
    pub(crate) tax: Decimal,
    /// Buyer PII returned masked, as for privacy-protected orders.
    pub(crate) masked_buyer: bool,
}

#[derive(Clone)]
pub(crate) struct Buyer {
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) phone: String,
    pub(crate) address_line1: String,
    pub(crate) city: String,
    pub(crate) state: String,
    pub(crate) postal_code: String,
}

#[derive(Clone)]
pub(crate) struct Package {
    pub(crate) id: String,
    pub(crate) order_id: String,
    pub(crate) line_item_ids: Vec<String>,
    pub(crate) status: String,
    pub(crate) tracking_number: String,
    pub(crate) shipping_provider_id: String,
    pub(crate) shipping_provider_name: String,
    pub(crate) delivery_option_id: String,
    pub(crate) shipping_type: String,
    pub(crate) create_time: i64,
    pub(crate) update_time: i64,
}

#[derive(Clone)]
pub(crate) struct Cancellation {
    pub(crate) id: String,
    pub(crate) order_id: String,
    pub(crate) cancel_type: String,
    pub(crate) status: String,
    pub(crate) role: String,
    pub(crate) reason: String,
    pub(crate) reason_text: String,
    pub(crate) line_item_ids: Vec<String>,
    pub(crate) refund_amount: Decimal,
    pub(crate) create_time: i64,
    pub(crate) update_time: i64,
    /// Pending buyer requests: the seller must respond before this (Unix seconds).
    pub(crate) respond_deadline: Option<i64>,
}

pub(crate) struct Subscription {
    pub(crate) address: String,
    pub(crate) create_time: i64,
    pub(crate) update_time: i64,
}

/// Seller cancel reason codes accepted by `POST /return_refund/202309/cancellations`.
pub(crate) const SELLER_CANCEL_REASONS: &[(&str, &str)] = &[
    ("seller_cancel_reason_out_of_stock", "Out of stock"),
    ("seller_cancel_reason_wrong_price", "Pricing error"),
    (
        "seller_cancel_reason_address_not_deliverable",
        "Unable to deliver to buyer address",
    ),
    (
        "seller_cancel_paid_reason_buyer_requested",
        "Buyer requested cancellation",
    ),
];

/// Reasons a seller may give when rejecting a buyer cancellation request
/// (`GET /return_refund/202309/reject_reasons`). The codes are the sandbox's choice: the real list
/// is market-dependent and its codes are **unconfirmed**.
pub(crate) const CANCEL_REJECT_REASONS: &[(&str, &str)] = &[
    (
        "seller_reject_apply_product_has_been_packed",
        "The product has already been packed",
    ),
    (
        "seller_reject_apply_product_has_been_shipped",
        "The product has already been shipped",
    ),
    (
        "seller_reject_apply_agreed_with_buyer",
        "The buyer agreed to keep the order",
    ),
];

/// Webhook event types the sandbox can subscribe to (and the numeric `type` of each).
pub(crate) const EVENT_TYPES: &[(&str, i64)] = &[
    ("ORDER_STATUS_CHANGE", 1),
    ("RECIPIENT_ADDRESS_UPDATE", 3),
    ("PACKAGE_UPDATE", 4),
    ("PRODUCT_STATUS_CHANGE", 5),
    ("SELLER_DEAUTHORIZATION", 6),
    ("UPCOMING_AUTHORIZATION_EXPIRATION", 7),
    ("CANCELLATION_STATUS_CHANGE", 11),
    ("RETURN_STATUS_CHANGE", 12),
    ("PRODUCT_INFORMATION_CHANGE", 15),
    ("PRODUCT_CREATION", 16),
    ("PRODUCT_CATEGORY_CHANGE", 18),
    ("PRODUCT_AUDIT_STATUS_CHANGE", 37),
];

pub(crate) struct State {
    pub(crate) app_key: String,
    pub(crate) app_secret: String,
    pub(crate) shop: Shop,
    pub(crate) seller_name: String,
    pub(crate) open_id: String,
    pub(crate) access_tokens: HashMap<String, AccessToken>,
    pub(crate) refresh_tokens: HashMap<String, RefreshToken>,
    pub(crate) auth_codes: HashMap<String, i64>,
    pub(crate) ids: IdGen,
    pub(crate) categories: Vec<Category>,
    pub(crate) attributes: HashMap<String, Vec<Attribute>>,
    pub(crate) brands: Vec<Brand>,
    pub(crate) warehouses: Vec<Warehouse>,
    pub(crate) delivery_options: Vec<DeliveryOption>,
    pub(crate) providers: Vec<Provider>,
    pub(crate) images: HashMap<String, Image>,
    pub(crate) products: BTreeMap<String, Product>,
    pub(crate) idempotency: HashMap<String, String>,
    pub(crate) orders: BTreeMap<String, Order>,
    pub(crate) packages: BTreeMap<String, Package>,
    pub(crate) cancellations: BTreeMap<String, Cancellation>,
    pub(crate) returns: BTreeMap<String, super::returns::ReturnOrder>,
    pub(crate) webhooks: BTreeMap<String, Subscription>,
    pub(crate) buckets: HashMap<(String, String), TokenBucket>,
    /// Certification files, EU manufacturers and responsible persons.
    pub(crate) compliance: super::compliance::Registry,
    /// Seller SKU → products that carried it when they were saved, so a search by seller SKU
    /// reads those products only. A superset (a product saved again without the SKU stays
    /// listed): readers check the product itself.
    seller_sku_products: HashMap<String, BTreeSet<String>>,
}

/// Access tokens live 7 days, refresh tokens a year, auth codes 10 minutes.
pub(crate) const ACCESS_TTL: i64 = 7 * 24 * 3600;
pub(crate) const REFRESH_TTL: i64 = 365 * 24 * 3600;
pub(crate) const AUTH_CODE_TTL: i64 = 600;

pub(crate) struct Seeded {
    pub(crate) app_key: String,
    pub(crate) app_secret: String,
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
    pub(crate) shop_id: String,
    pub(crate) shop_cipher: String,
}

impl State {
    pub(crate) fn seed(seed: u64, now: i64) -> (Self, Seeded) {
        let mut ids = IdGen::new(seed);
        let app_key = format!("6{}", &ids.hex(6)[..11]);
        let app_secret = ids.hex(20);
        let access_token = ids.token("ROW_", 40);
        let refresh_token = ids.token("ROW_", 40);
        let shop = Shop {
            id: ids.next_id(),
            name: "Feedbridge Demo Shop".to_string(),
            region: "US".to_string(),
            cipher: ids.token("ROW_", 32),
            code: format!("USLC{}", ids.hex(4).to_uppercase()),
            currency: "USD".to_string(),
            market: super::regions::us(),
        };
        let open_id = ids.token("", 32);

        let mut access_tokens = HashMap::new();
        access_tokens.insert(
            access_token.clone(),
            AccessToken {
                expires_at: now + ACCESS_TTL,
            },
        );
        let mut refresh_tokens = HashMap::new();
        refresh_tokens.insert(
            refresh_token.clone(),
            RefreshToken {
                expires_at: now + REFRESH_TTL,
                access_token: access_token.clone(),
            },
        );

        let (categories, attributes) = seed_categories();
        let brands = vec![
            Brand {
                id: ids.next_id(),
                name: "Feedbridge Basics".to_string(),
                authorized: true,
                categories: Vec::new(),
            },
            Brand {
                id: ids.next_id(),
                name: "Acme Outfitters".to_string(),
                authorized: false,
                categories: Vec::new(),
            },
            // Fixed id: seeded after the others would shift every generated id.
            Brand {
                id: super::compliance::KIDS_BRAND_ID.to_string(),
                name: "Little Dreamers".to_string(),
                authorized: true,
                categories: vec![super::compliance::KIDS_PAJAMAS.to_string()],
            },
        ];
        let warehouses = vec![
            Warehouse {
                id: ids.next_id(),
                name: "Main Warehouse".to_string(),
                kind: "SALES_WAREHOUSE",
                effect_status: "ENABLED",
                is_default: true,
                city: "Los Angeles",
                state: "California",
                postal_code: "90001",
            },
            Warehouse {
                id: ids.next_id(),
                name: "East Coast Warehouse".to_string(),
                kind: "SALES_WAREHOUSE",
                effect_status: "ENABLED",
                is_default: false,
                city: "Newark",
                state: "New Jersey",
                postal_code: "07102",
            },
            Warehouse {
                id: ids.next_id(),
                name: "Returns Center".to_string(),
                kind: "RETURN_WAREHOUSE",
                effect_status: "ENABLED",
                is_default: false,
                city: "Los Angeles",
                state: "California",
                postal_code: "90021",
            },
        ];
        let providers: Vec<Provider> = [
            "USPS",
            "UPS",
            "FedEx",
            "DHL eCommerce",
            "OnTrac",
            "Amazon Logistics US",
            "LaserShip",
        ]
        .into_iter()
        .map(|name| Provider {
            id: ids.next_id(),
            name,
        })
        .collect();
        let by_name = |n: &str| -> String {
            providers
                .iter()
                .find(|p| p.name == n)
                .map(|p| p.id.clone())
                .unwrap_or_default()
        };
        let standard: Vec<String> = [
            "USPS",
            "UPS",
            "FedEx",
            "DHL eCommerce",
            "OnTrac",
            "Amazon Logistics US",
        ]
        .into_iter()
        .map(by_name)
        .collect();
        let express: Vec<String> = ["UPS", "FedEx"].into_iter().map(by_name).collect();
        let mut delivery_options = Vec::new();
        for w in warehouses.iter().filter(|w| w.is_sales()) {
            delivery_options.push(DeliveryOption {
                id: ids.next_id(),
                warehouse_id: w.id.clone(),
                name: "Standard shipping",
                kind: "STANDARD",
                provider_ids: standard.clone(),
            });
            delivery_options.push(DeliveryOption {
                id: ids.next_id(),
                warehouse_id: w.id.clone(),
                name: "Express shipping",
                kind: "EXPRESS",
                provider_ids: express.clone(),
            });
        }

        let state = State {
            app_key: app_key.clone(),
            app_secret: app_secret.clone(),
            seller_name: "Feedbridge Demo Seller".to_string(),
            open_id,
            access_tokens,
            refresh_tokens,
            auth_codes: HashMap::new(),
            categories,
            attributes,
            brands,
            warehouses,
            delivery_options,
            providers,
            images: HashMap::new(),
            products: BTreeMap::new(),
            idempotency: HashMap::new(),
            orders: BTreeMap::new(),
            packages: BTreeMap::new(),
            cancellations: BTreeMap::new(),
            returns: BTreeMap::new(),
            webhooks: BTreeMap::new(),
            buckets: HashMap::new(),
            compliance: super::compliance::Registry::default(),
            seller_sku_products: HashMap::new(),
            shop,
            ids,
        };
        let seeded = Seeded {
            app_key,
            app_secret,
            access_token,
            refresh_token,
            shop_id: state.shop.id.clone(),
            shop_cipher: state.shop.cipher.clone(),
        };
        (state, seeded)
    }

    /// Move the seeded shop to `market`: currency, warehouse addresses, the carriers and
    /// delivery options follow. The existing provider ids are kept where a carrier takes
    /// their place, so ids stay stable per seed.
    pub(crate) fn set_market(&mut self, market: &'static Market) {
        if market.code == self.shop.region {
            return;
        }
        self.shop.region = market.code.clone();
        self.shop.currency = market.currency.clone();
        self.shop.market = market;
        for (w, (city, state, postal_code)) in
            self.warehouses.iter_mut().zip(&market.sample.warehouses)
        {
            w.city = city.as_str();
            w.state = state.as_str();
            w.postal_code = postal_code.as_str();
        }
        let mut ids: Vec<String> = self.providers.iter().map(|p| p.id.clone()).collect();
        while ids.len() < market.carriers.len() {
            ids.push(self.ids.next_id());
        }
        self.providers = market
            .carriers
            .iter()
            .zip(ids)
            .map(|(name, id)| Provider {
                id,
                name: name.as_str(),
            })
            .collect();
        let ids_of = |names: &[String], providers: &[Provider]| -> Vec<String> {
            providers
                .iter()
                .filter(|p| names.iter().any(|n| n.as_str() == p.name))
                .map(|p| p.id.clone())
                .collect()
        };
        let standard = ids_of(&market.carriers, &self.providers);
        let express = ids_of(&market.express_carriers, &self.providers);
        for option in &mut self.delivery_options {
            option.provider_ids = if option.kind == "EXPRESS" {
                express.clone()
            } else {
                standard.clone()
            };
        }
    }

    pub(crate) fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }

    pub(crate) fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub(crate) fn category_chain(&self, id: &str) -> Vec<&Category> {
        let mut chain = Vec::new();
        let mut cur = self.category(id);
        while let Some(c) = cur {
            chain.push(c);
            cur = self.category(&c.parent_id);
        }
        chain.reverse();
        chain
    }

    pub(crate) fn sales_warehouses(&self) -> impl Iterator<Item = &Warehouse> {
        self.warehouses.iter().filter(|w| w.is_sales())
    }

    /// Adds or replaces a product (the only way products enter the state).
    pub(crate) fn insert_product(&mut self, product: Product) {
        for sku in &product.skus {
            self.seller_sku_products
                .entry(sku.seller_sku.clone())
                .or_default()
                .insert(product.id.clone());
        }
        self.products.insert(product.id.clone(), product);
    }

    /// Products that may carry one of `seller_skus`, in id order (check each: see
    /// `seller_sku_products`).
    pub(crate) fn products_with_seller_skus<'a>(
        &'a self,
        seller_skus: &[String],
    ) -> impl Iterator<Item = &'a Product> {
        let ids: BTreeSet<&String> = seller_skus
            .iter()
            .filter_map(|sku| self.seller_sku_products.get(sku))
            .flatten()
            .collect();
        ids.into_iter().filter_map(|id| self.products.get(id))
    }

    /// The live (not deleted) product and SKU index carrying `seller_sku`.
    pub(crate) fn find_seller_sku(&self, seller_sku: &str) -> Option<(&Product, usize)> {
        self.products_with_seller_skus(std::slice::from_ref(&seller_sku.to_owned()))
            .filter(|p| p.status != "DELETED")
            .find_map(|p| {
                p.skus
                    .iter()
                    .position(|s| s.seller_sku == seller_sku)
                    .map(|i| (p, i))
            })
    }
}

fn seed_categories() -> (Vec<Category>, HashMap<String, Vec<Attribute>>) {
    // (id, parent, name, is_leaf, permission)
    let rows: &[(&str, &str, &str, bool, &'static str)] = &[
        ("600001", "0", "Womenswear & Underwear", false, "AVAILABLE"),
        ("600101", "600001", "Women's Tops", false, "AVAILABLE"),
        ("601226", "600101", "T-shirts", true, "AVAILABLE"),
        ("601227", "600101", "Blouses & Shirts", true, "AVAILABLE"),
        ("600102", "600001", "Women's Bottoms", false, "AVAILABLE"),
        ("601301", "600102", "Jeans", true, "AVAILABLE"),
        ("600002", "0", "Menswear & Underwear", false, "AVAILABLE"),
        ("600201", "600002", "Men's Tops", false, "AVAILABLE"),
        ("601401", "600201", "Men's T-shirts", true, "AVAILABLE"),
        (
            "601402",
            "600201",
            "Hoodies & Sweatshirts",
            true,
            "AVAILABLE",
        ),
        ("600003", "0", "Home Supplies", false, "AVAILABLE"),
        ("600301", "600003", "Kitchenware", false, "AVAILABLE"),
        ("601501", "600301", "Mugs & Cups", true, "AVAILABLE"),
        ("601502", "600301", "Cookware", true, "AVAILABLE"),
        ("600302", "600003", "Home Decor", false, "AVAILABLE"),
        ("601601", "600302", "Candles & Holders", true, "INVITE_ONLY"),
        ("601602", "600302", "Cushions & Throws", true, "AVAILABLE"),
        ("600004", "0", "Luggage & Bags", false, "AVAILABLE"),
        ("600401", "600004", "Women's Bags", false, "AVAILABLE"),
        ("601701", "600401", "Tote Bags", true, "AVAILABLE"),
        ("601702", "600401", "Backpacks", true, "AVAILABLE"),
        ("600005", "0", "Beauty & Personal Care", false, "AVAILABLE"),
        ("600501", "600005", "Skincare", false, "AVAILABLE"),
        ("601801", "600501", "Face Creams", true, "NOT_AVAILABLE"),
        ("600006", "0", "Fashion Accessories", false, "AVAILABLE"),
        ("600601", "600006", "Hats & Caps", false, "AVAILABLE"),
        ("601901", "600601", "Beanies", true, "AVAILABLE"),
        ("600602", "600006", "Jewelry", false, "AVAILABLE"),
        ("601902", "600602", "Brooches & Pins", true, "AVAILABLE"),
        // Needs a certification and a size chart (see compliance.rs).
        ("600007", "0", "Kids' Fashion", false, "AVAILABLE"),
        ("600701", "600007", "Kids' Clothing", false, "AVAILABLE"),
        ("602001", "600701", "Kids' Pajamas", true, "AVAILABLE"),
    ];
    let categories: Vec<Category> = rows
        .iter()
        .map(|(id, parent, name, leaf, perm)| Category {
            id: (*id).to_string(),
            parent_id: (*parent).to_string(),
            name: (*name).to_string(),
            is_leaf: *leaf,
            permission: perm,
        })
        .collect();

    let color = Attribute {
        id: "100000".into(),
        name: "Color".into(),
        kind: "SALES_PROPERTY",
        required: false,
        customizable: true,
        multiple: false,
        values: vec![
            ("1000001".into(), "Black".into()),
            ("1000002".into(), "White".into()),
            ("1000003".into(), "Red".into()),
            ("1000004".into(), "Blue".into()),
            ("1000005".into(), "Green".into()),
        ],
    };
    let size = Attribute {
        id: "100007".into(),
        name: "Size".into(),
        kind: "SALES_PROPERTY",
        required: false,
        customizable: true,
        multiple: false,
        values: vec![
            ("1000101".into(), "S".into()),
            ("1000102".into(), "M".into()),
            ("1000103".into(), "L".into()),
            ("1000104".into(), "XL".into()),
        ],
    };
    let fabric = Attribute {
        id: "100392".into(),
        name: "Material".into(),
        kind: "PRODUCT_PROPERTY",
        required: true,
        customizable: false,
        multiple: true,
        values: vec![
            ("1001".into(), "Cotton".into()),
            ("1002".into(), "Polyester".into()),
            ("1003".into(), "Linen".into()),
            ("1004".into(), "Denim".into()),
            ("1005".into(), "Wool".into()),
        ],
    };
    let pattern = Attribute {
        id: "100395".into(),
        name: "Pattern".into(),
        kind: "PRODUCT_PROPERTY",
        required: false,
        customizable: true,
        multiple: false,
        values: vec![
            ("1101".into(), "Solid".into()),
            ("1102".into(), "Striped".into()),
            ("1103".into(), "Graphic".into()),
        ],
    };
    let mug_material = Attribute {
        id: "100601".into(),
        name: "Material".into(),
        kind: "PRODUCT_PROPERTY",
        required: true,
        customizable: false,
        multiple: false,
        values: vec![
            ("2001".into(), "Ceramic".into()),
            ("2002".into(), "Glass".into()),
            ("2003".into(), "Stainless Steel".into()),
        ],
    };
    let capacity = Attribute {
        id: "100602".into(),
        name: "Capacity".into(),
        kind: "PRODUCT_PROPERTY",
        required: false,
        customizable: true,
        multiple: false,
        values: vec![],
    };
    // Where the seeded store products sell (menswear tops, mugs, bags, hats) a material is
    // optional: the demo lists every product. Womenswear still requires it, so a listing
    // mapped there fails the way a merchant would see it.
    let optional_fabric = Attribute {
        required: false,
        ..fabric.clone()
    };

    let mut attributes = HashMap::new();
    for leaf in ["601226", "601227", "601301"] {
        attributes.insert(
            leaf.to_string(),
            vec![color.clone(), size.clone(), fabric.clone(), pattern.clone()],
        );
    }
    for leaf in ["601401", "601402"] {
        attributes.insert(
            leaf.to_string(),
            vec![
                color.clone(),
                size.clone(),
                optional_fabric.clone(),
                pattern.clone(),
            ],
        );
    }
    attributes.insert(
        "601501".to_string(),
        vec![
            color.clone(),
            Attribute {
                required: false,
                ..mug_material
            },
            capacity,
        ],
    );
    attributes.insert(
        "601901".to_string(),
        vec![color.clone(), optional_fabric.clone()],
    );
    attributes.insert("601902".to_string(), vec![color.clone()]);
    for leaf in ["601502", "601601", "601602", "601801", "602001"] {
        attributes.insert(leaf.to_string(), vec![color.clone(), size.clone()]);
    }
    for leaf in ["601701", "601702"] {
        attributes.insert(
            leaf.to_string(),
            vec![color.clone(), size.clone(), optional_fabric.clone()],
        );
    }
    (categories, attributes)
}
