//! The seeded demo catalog shared by the store simulators (Shopify, WooCommerce), so both
//! stores sell the same products, SKUs, option values, prices, weights and sizes for the same
//! `SandboxConfig`.

/// One product line of the demo store; seeded product `i` uses `TEMPLATES[i % len]`.
pub(crate) struct Template {
    pub(crate) title: &'static str,
    pub(crate) product_type: &'static str,
    pub(crate) prefix: &'static str,
    pub(crate) option: &'static str,
    pub(crate) values: [&'static str; 3],
    pub(crate) price: i64,
    pub(crate) tags: &'static [&'static str],
    /// What the product is made of, as the store records it beside the options (a Shopify
    /// list metafield `custom.material`, a WooCommerce product attribute "Material", ...).
    pub(crate) materials: &'static [&'static str],
    pub(crate) category: Option<(&'static str, &'static str, &'static str)>,
    /// Shipping weight of each option value in grams; `None`: the merchant entered none.
    pub(crate) weight_grams: Option<[u32; 3]>,
    /// Packed length, width, height in centimetres, where the store keeps dimensions.
    pub(crate) box_cm: Option<[u32; 3]>,
}

pub(crate) const TEMPLATES: &[Template] = &[
    Template {
        title: "Classic Cotton Tee",
        product_type: "T-Shirts",
        prefix: "TEE",
        option: "Size",
        values: ["S", "M", "L"],
        price: 1999,
        tags: &["cotton", "summer", "pattern:Striped"],
        materials: &["Cotton"],
        category: Some((
            "aa-1-13-8",
            "T-Shirts",
            "Apparel & Accessories > Clothing > Clothing Tops > T-Shirts",
        )),
        weight_grams: Some([150, 170, 190]),
        box_cm: Some([30, 25, 3]),
    },
    Template {
        title: "Canvas Tote Bag",
        product_type: "Bags",
        prefix: "TOTE",
        option: "Color",
        values: ["Natural", "Black", "Navy"],
        price: 2400,
        tags: &["canvas"],
        materials: &["Cotton"],
        category: Some((
            "aa-5-10",
            "Tote Bags",
            "Apparel & Accessories > Handbags, Wallets & Cases > Tote Bags",
        )),
        weight_grams: Some([300, 300, 300]),
        box_cm: Some([40, 35, 2]),
    },
    Template {
        title: "Ceramic Coffee Mug",
        product_type: "Mugs",
        prefix: "MUG",
        option: "Color",
        values: ["White", "Black", "Sage"],
        price: 1450,
        tags: &["kitchen", "gift"],
        materials: &["Ceramic"],
        category: Some((
            "hg-11-10-5-8",
            "Mugs",
            "Home & Garden > Kitchen & Dining > Tableware > Drinkware > Mugs",
        )),
        weight_grams: Some([350, 350, 350]),
        box_cm: Some([12, 12, 11]),
    },
    Template {
        title: "Wool Beanie",
        product_type: "Hats",
        prefix: "BEANIE",
        option: "Color",
        values: ["Charcoal", "Mustard", "Forest"],
        price: 2200,
        tags: &["winter", "wool"],
        materials: &["Wool"],
        category: None,
        weight_grams: None,
        box_cm: None,
    },
    Template {
        title: "Linen Throw Pillow",
        product_type: "Home Decor",
        prefix: "PILLOW",
        option: "Size",
        values: ["16x16", "18x18", "20x20"],
        price: 3400,
        tags: &["linen", "home"],
        materials: &["Linen"],
        category: None,
        weight_grams: Some([400, 500, 600]),
        box_cm: None,
    },
    Template {
        title: "Hooded Sweatshirt",
        product_type: "Hoodies",
        prefix: "HOODIE",
        option: "Size",
        values: ["S", "M", "L"],
        price: 4900,
        tags: &["fleece"],
        materials: &["Cotton", "Polyester"],
        category: Some((
            "aa-1-13-13",
            "Hoodies",
            "Apparel & Accessories > Clothing > Clothing Tops > Hoodies",
        )),
        weight_grams: Some([600, 650, 700]),
        box_cm: Some([35, 30, 8]),
    },
    Template {
        title: "Enamel Pin Set",
        product_type: "Accessories",
        prefix: "PIN",
        option: "Style",
        values: ["Retro", "Floral", "Space"],
        price: 999,
        tags: &["gift"],
        materials: &[],
        category: None,
        weight_grams: None,
        box_cm: None,
    },
    Template {
        title: "Soy Candle",
        product_type: "Candles",
        prefix: "CANDLE",
        option: "Scent",
        values: ["Cedar", "Lavender", "Citrus"],
        price: 1800,
        tags: &["home", "gift"],
        materials: &[],
        category: None,
        weight_grams: Some([250, 250, 250]),
        box_cm: Some([9, 9, 10]),
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
    pub(crate) vendor: String,
    /// See [`Template::materials`].
    pub(crate) materials: Vec<String>,
    /// `None` for a single-variant product (WooCommerce `simple`), else the option name.
    pub(crate) option_name: Option<String>,
    pub(crate) variants: Vec<SeedVariant>,
    /// Packed length, width, height in centimetres; `None` where the merchant entered none.
    pub(crate) box_cm: Option<[u32; 3]>,
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
    /// Shipping weight in grams; `None` where the merchant entered none.
    pub(crate) weight_grams: Option<u32>,
}
