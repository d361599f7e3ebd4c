//! The seeded demo catalog shared by the store simulators (Shopify, WooCommerce), so both
//! stores sell the same products, SKUs, option values and prices for the same `SandboxConfig`.

/// One product line of the demo store; seeded product `i` uses `TEMPLATES[i % len]`.
pub(crate) struct Template {
    pub(crate) title: &'static str,
    pub(crate) product_type: &'static str,
    pub(crate) prefix: &'static str,
    pub(crate) option: &'static str,
    pub(crate) values: [&'static str; 3],
    pub(crate) price: i64,
    pub(crate) tags: &'static [&'static str],
    pub(crate) category: Option<(&'static str, &'static str, &'static str)>,
}

pub(crate) const TEMPLATES: &[Template] = &[
    Template {
        title: "Classic Cotton Tee",
        product_type: "T-Shirts",
        prefix: "TEE",
        option: "Size",
        values: ["S", "M", "L"],
        price: 1999,
        tags: &["cotton", "summer"],
        category: Some((
            "aa-1-13-8",
            "T-Shirts",
            "Apparel & Accessories > Clothing > Clothing Tops > T-Shirts",
        )),
    },
    Template {
        title: "Canvas Tote Bag",
        product_type: "Bags",
        prefix: "TOTE",
        option: "Color",
        values: ["Natural", "Black", "Navy"],
        price: 2400,
        tags: &["canvas"],
        category: Some((
            "aa-5-10",
            "Tote Bags",
            "Apparel & Accessories > Handbags, Wallets & Cases > Tote Bags",
        )),
    },
    Template {
        title: "Ceramic Coffee Mug",
        product_type: "Mugs",
        prefix: "MUG",
        option: "Color",
        values: ["White", "Black", "Sage"],
        price: 1450,
        tags: &["kitchen", "gift"],
        category: Some((
            "hg-11-10-5-8",
            "Mugs",
            "Home & Garden > Kitchen & Dining > Tableware > Drinkware > Mugs",
        )),
    },
    Template {
        title: "Wool Beanie",
        product_type: "Hats",
        prefix: "BEANIE",
        option: "Color",
        values: ["Charcoal", "Mustard", "Forest"],
        price: 2200,
        tags: &["winter", "wool"],
        category: None,
    },
    Template {
        title: "Linen Throw Pillow",
        product_type: "Home Decor",
        prefix: "PILLOW",
        option: "Size",
        values: ["16x16", "18x18", "20x20"],
        price: 3400,
        tags: &["linen", "home"],
        category: None,
    },
    Template {
        title: "Hooded Sweatshirt",
        product_type: "Hoodies",
        prefix: "HOODIE",
        option: "Size",
        values: ["S", "M", "L"],
        price: 4900,
        tags: &["fleece"],
        category: Some((
            "aa-1-13-13",
            "Hoodies",
            "Apparel & Accessories > Clothing > Clothing Tops > Hoodies",
        )),
    },
    Template {
        title: "Enamel Pin Set",
        product_type: "Accessories",
        prefix: "PIN",
        option: "Style",
        values: ["Retro", "Floral", "Space"],
        price: 999,
        tags: &["gift"],
        category: None,
    },
    Template {
        title: "Soy Candle",
        product_type: "Candles",
        prefix: "CANDLE",
        option: "Scent",
        values: ["Cedar", "Lavender", "Citrus"],
        price: 1800,
        tags: &["home", "gift"],
        category: None,
    },
];

pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// A seeded product as both stores sell it.
pub(crate) struct SeedProduct {
    pub(crate) title: String,
    /// URL slug (Shopify `handle`, WooCommerce `slug`).
    pub(crate) handle: String,
    pub(crate) description_html: String,
    /// Shopify `productType`; WooCommerce category name.
    pub(crate) product_type: String,
    pub(crate) tags: Vec<String>,
    /// `None` for a single-variant product (WooCommerce `simple`), else the option name.
    pub(crate) option_name: Option<String>,
    pub(crate) variants: Vec<SeedVariant>,
    pub(crate) created_ms: i64,
    pub(crate) updated_ms: i64,
}

/// A seeded SKU.
pub(crate) struct SeedVariant {
    pub(crate) sku: String,
    /// The option value (`"M"`); `"Default Title"` for single-variant products.
    pub(crate) option_value: String,
    /// What the buyer pays now.
    pub(crate) price: rust_decimal::Decimal,
    /// The struck-through "was" price, when the SKU is on sale.
    pub(crate) compare_at: Option<rust_decimal::Decimal>,
    /// Sellable stock summed over the store's locations.
    pub(crate) stock: i64,
    /// Sells when out of stock (Shopify `CONTINUE`).
    pub(crate) allow_backorder: bool,
}
