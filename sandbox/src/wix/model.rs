//! The simulated Wix site's data: Stores Catalog V1 products with their variants and
//! inventory, eCommerce orders and their fulfillments; and how each is written as JSON.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive as _;
use serde_json::{Value, json};

use crate::catalog_seed::SeedProduct;
use crate::common::iso8601;

/// The Wix Stores app id every `catalogReference.appId` of a Stores product carries.
pub(crate) const STORES_APP_ID: &str = "215238eb-22a5-4c36-9e7b-e7c08025e04e";
/// The variant id of a product without managed variants.
pub(crate) const DEFAULT_VARIANT: &str = "00000000-0000-0000-0000-000000000000";
/// What an untracked variant that is in stock counts as (the daemon's rule too).
pub(crate) const UNTRACKED_IN_STOCK: i64 = 100;

/// A V1 weight: a JSON number, 0 when unset.
fn weight_json(weight: Option<Decimal>) -> Value {
    weight.map_or(json!(0), |w| json!(w.to_f64().unwrap_or(0.0)))
}

pub(crate) struct Variant {
    pub(crate) id: String,
    /// Option name → choice (empty for the default variant).
    pub(crate) choices: Vec<(String, String)>,
    pub(crate) sku: String,
    pub(crate) price: Decimal,
    pub(crate) quantity: i64,
    /// Only read when the product's inventory is not tracked.
    pub(crate) in_stock: bool,
    /// `variant.weight` in the site's weight unit (kg); `None` is served as 0, as Wix does.
    pub(crate) weight: Option<Decimal>,
}

pub(crate) struct Product {
    pub(crate) id: String,
    pub(crate) inventory_item_id: String,
    pub(crate) name: String,
    pub(crate) slug: String,
    pub(crate) description: String,
    pub(crate) brand: String,
    /// `additionalInfoSections`: (title, description HTML).
    pub(crate) info_sections: Vec<(String, String)>,
    pub(crate) manage_variants: bool,
    /// `trackQuantity` of the product's inventory item (V1: one mode per product).
    pub(crate) track_quantity: bool,
    pub(crate) variants: Vec<Variant>,
    pub(crate) created_ms: i64,
    pub(crate) updated_ms: i64,
    pub(crate) inventory_updated_ms: i64,
}

impl Product {
    pub(crate) fn available(&self, v: &Variant) -> i64 {
        if self.track_quantity {
            v.quantity.max(0)
        } else if v.in_stock {
            UNTRACKED_IN_STOCK
        } else {
            0
        }
    }

    fn in_stock(&self, v: &Variant) -> bool {
        if self.track_quantity {
            v.quantity > 0
        } else {
            v.in_stock
        }
    }

    pub(crate) fn variant(&self, id: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.id == id)
    }

    /// The V1 product object (`includeVariants` adds `variants`).
    pub(crate) fn json(&self, base_url: &str, currency: &str, with_variants: bool) -> Value {
        let first = &self.variants[0];
        let total: i64 = self.variants.iter().map(|v| self.available(v)).sum();
        let in_stock = self.variants.iter().filter(|v| self.in_stock(v)).count();
        let status = if in_stock == self.variants.len() {
            "IN_STOCK"
        } else if in_stock == 0 {
            "OUT_OF_STOCK"
        } else {
            "PARTIALLY_OUT_OF_STOCK"
        };
        let money = |p: Decimal| {
            let n = num(p);
            json!({"currency": currency, "price": n, "discountedPrice": n,
                "formatted": {"price": format!("${p}"), "discountedPrice": format!("${p}")}})
        };
        let mut stock = json!({"trackInventory": self.track_quantity, "inStock": in_stock > 0,
            "inventoryStatus": status});
        if self.track_quantity {
            stock["quantity"] = json!(total);
        }
        let mut options: Vec<Value> = Vec::new();
        if self.manage_variants {
            let mut by_name: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
            for v in &self.variants {
                for (name, choice) in &v.choices {
                    by_name.entry(name).or_default().push(json!({
                        "value": choice, "description": choice,
                        "inStock": self.in_stock(v), "visible": true}));
                }
            }
            options = by_name
                .into_iter()
                .map(|(name, choices)| json!({"optionType": "drop_down", "name": name, "choices": choices}))
                .collect();
        }
        let image = format!("{base_url}/media/{}.png", self.slug);
        let mut p = json!({
            "id": self.id,
            "name": self.name,
            "slug": self.slug,
            "visible": true,
            "productType": "physical",
            "description": self.description,
            "sku": if self.manage_variants { String::new() } else { first.sku.clone() },
            // With managed variants the weight is per variant and this one is empty (0).
            "weight": if self.manage_variants { 0.into() } else { weight_json(first.weight) },
            "stock": stock,
            "price": money(first.price),
            "priceData": money(first.price),
            "convertedPriceData": money(first.price),
            "priceRange": {"minValue": num(first.price), "maxValue": num(self.variants.iter().map(|v| v.price).max().unwrap_or(first.price))},
            "costAndProfitData": {"itemCost": 0, "formattedItemCost": "$0.00", "profit": 0, "formattedProfit": "$0.00", "profitMargin": 0},
            "additionalInfoSections": self.info_sections.iter().map(|(title, description)| json!({"title": title, "description": description})).collect::<Vec<_>>(),
            "ribbons": [],
            "media": {"mainMedia": {"image": {"url": image, "width": 800, "height": 800}, "mediaType": "image", "id": format!("{}.png", self.slug)},
                      "items": [{"image": {"url": image, "width": 800, "height": 800}, "mediaType": "image", "id": format!("{}.png", self.slug)}]},
            "customTextFields": [],
            "manageVariants": self.manage_variants,
            "productOptions": options,
            "productPageUrl": {"base": "https://feedbridge-demo.wixsite.com/shop", "path": format!("/product-page/{}", self.slug)},
            "numericId": self.created_ms.to_string(),
            "inventoryItemId": self.inventory_item_id,
            "discount": {"type": "NONE", "value": 0},
            "collectionIds": [],
            "ribbon": "",
            "brand": self.brand,
            "lastUpdated": iso_ms(self.updated_ms),
            "createdDate": iso_ms(self.created_ms),
        });
        if with_variants {
            p["variants"] = Value::Array(
                self.variants
                    .iter()
                    .map(|v| {
                        let mut stock = json!({"trackQuantity": self.track_quantity, "inStock": self.in_stock(v)});
                        if self.track_quantity {
                            stock["quantity"] = json!(v.quantity.max(0));
                        }
                        json!({
                            "id": v.id,
                            "choices": v.choices.iter().map(|(k, c)| (k.clone(), json!(c))).collect::<serde_json::Map<_, _>>(),
                            "variant": {"priceData": money(v.price), "convertedPriceData": money(v.price),
                                "weight": weight_json(v.weight), "sku": v.sku, "visible": true},
                            "stock": stock,
                        })
                    })
                    .collect(),
            );
        }
        p
    }

    /// `inventoryItem` of Get Inventory Variants.
    pub(crate) fn inventory_json(&self) -> Value {
        json!({
            "id": self.inventory_item_id,
            "externalId": self.id,
            "productId": self.id,
            "trackQuantity": self.track_quantity,
            "variants": self.variants.iter().map(|v| {
                let mut row = json!({"variantId": v.id, "inStock": self.in_stock(v)});
                if self.track_quantity {
                    row["quantity"] = json!(v.quantity.max(0));
                }
                row
            }).collect::<Vec<_>>(),
            "lastUpdated": iso_ms(self.inventory_updated_ms),
            "numericId": self.created_ms.to_string(),
            "preorderInfo": {"enabled": false},
        })
    }
}

pub(crate) struct LineItem {
    pub(crate) id: String,
    pub(crate) product_id: Option<String>,
    pub(crate) variant_id: Option<String>,
    pub(crate) name: String,
    pub(crate) sku: String,
    pub(crate) quantity: u32,
    pub(crate) price: Decimal,
    /// Units taken from inventory when the order was approved (given back on restock).
    pub(crate) taken: i64,
}

pub(crate) struct Fulfillment {
    pub(crate) id: String,
    pub(crate) created_ms: i64,
    pub(crate) lines: Vec<(String, u32)>,
    pub(crate) tracking_number: String,
    pub(crate) provider: String,
    pub(crate) link: String,
}

pub(crate) struct Order {
    pub(crate) id: String,
    pub(crate) number: u64,
    pub(crate) created_ms: i64,
    pub(crate) updated_ms: i64,
    pub(crate) status: &'static str,
    pub(crate) payment_status: String,
    pub(crate) currency: String,
    pub(crate) lines: Vec<LineItem>,
    pub(crate) channel_type: String,
    pub(crate) external_order_id: Option<String>,
    pub(crate) external_order_url: Option<String>,
    /// What the request said, echoed back as Wix does (buyer, addresses, shipping, totals).
    pub(crate) buyer_info: Value,
    pub(crate) billing_info: Value,
    pub(crate) shipping_info: Value,
    pub(crate) price_summary: Value,
    pub(crate) fulfillments: Vec<Fulfillment>,
    /// Payment records (Order Transactions); none for an order created as already paid.
    pub(crate) payments: Vec<Payment>,
    pub(crate) refunds: Vec<RefundRecord>,
}

/// A payment record of an order.
pub(crate) struct Payment {
    pub(crate) id: String,
    pub(crate) amount: Decimal,
    pub(crate) offline: bool,
    pub(crate) method: String,
    pub(crate) created_ms: i64,
}

/// A refund of an order (Refund Payments).
pub(crate) struct RefundRecord {
    pub(crate) id: String,
    pub(crate) created_ms: i64,
    /// `(payment id, amount, external)`.
    pub(crate) transactions: Vec<(String, Decimal, bool)>,
    /// `(line item id, quantity)` refunded.
    pub(crate) lines: Vec<(String, u32)>,
    pub(crate) shipping: Decimal,
    pub(crate) reason: Option<String>,
}

impl Order {
    pub(crate) fn shipping_title(&self) -> &str {
        self.shipping_info["title"].as_str().unwrap_or_default()
    }

    pub(crate) fn shipped(&self, line_id: &str) -> u32 {
        self.fulfillments
            .iter()
            .flat_map(|f| &f.lines)
            .filter(|(id, _)| id == line_id)
            .map(|(_, q)| q)
            .sum()
    }

    pub(crate) fn fulfillment_status(&self) -> &'static str {
        let shipped: u32 = self.lines.iter().map(|l| self.shipped(&l.id)).sum();
        let total: u32 = self.lines.iter().map(|l| l.quantity).sum();
        if shipped == 0 {
            "NOT_FULFILLED"
        } else if shipped >= total {
            "FULFILLED"
        } else {
            "PARTIALLY_FULFILLED"
        }
    }

    pub(crate) fn json(&self) -> Value {
        let amount =
            |d: Decimal| json!({"amount": d.to_string(), "formattedAmount": format!("${d}")});
        let mut channel = json!({"type": self.channel_type});
        if let Some(id) = &self.external_order_id {
            channel["externalOrderId"] = json!(id);
        }
        if let Some(url) = &self.external_order_url {
            channel["externalOrderUrl"] = json!(url);
        }
        json!({
            "id": self.id,
            "number": self.number.to_string(),
            "createdDate": iso_ms(self.created_ms),
            "updatedDate": iso_ms(self.updated_ms),
            "lineItems": self.lines.iter().map(|l| {
                let mut item = json!({
                    "id": l.id,
                    "productName": {"original": l.name, "translated": l.name},
                    "quantity": l.quantity,
                    "totalDiscount": amount(Decimal::ZERO),
                    "descriptionLines": [],
                    "physicalProperties": {"sku": l.sku, "shippable": true},
                    "itemType": {"preset": "PHYSICAL"},
                    "fulfillerId": null,
                    "price": amount(l.price),
                    "priceBeforeDiscounts": amount(l.price),
                    "totalPriceBeforeTax": amount(l.price * Decimal::from(l.quantity)),
                    "totalPriceAfterTax": amount(l.price * Decimal::from(l.quantity)),
                    "paymentOption": "FULL_PAYMENT_ONLINE",
                    "taxDetails": {"taxRate": "0", "totalTax": amount(Decimal::ZERO)},
                });
                if let (Some(p), Some(v)) = (&l.product_id, &l.variant_id) {
                    item["catalogReference"] = json!({"catalogItemId": p, "appId": STORES_APP_ID,
                        "options": {"variantId": v}});
                }
                item
            }).collect::<Vec<_>>(),
            "buyerInfo": self.buyer_info,
            "paymentStatus": self.payment_status,
            "fulfillmentStatus": self.fulfillment_status(),
            "buyerLanguage": "en",
            "weightUnit": "KG",
            "currency": self.currency,
            "taxIncludedInPrices": false,
            "siteLanguage": "en",
            "priceSummary": self.price_summary,
            "billingInfo": self.billing_info,
            "shippingInfo": self.shipping_info,
            "status": self.status,
            "archived": false,
            "activities": [{"type": "ORDER_PLACED", "createdDate": iso_ms(self.created_ms)}],
            "attributionSource": "UNSPECIFIED",
            "channelInfo": channel,
            "seenByAHuman": false,
            "isInternalOrderCreate": false,
        })
    }

    pub(crate) fn fulfillments_json(&self) -> Value {
        json!({
            "orderId": self.id,
            "fulfillments": self.fulfillments.iter().map(Fulfillment::json).collect::<Vec<_>>(),
        })
    }
}

impl Fulfillment {
    pub(crate) fn json(&self) -> Value {
        let mut tracking =
            json!({"trackingNumber": self.tracking_number, "shippingProvider": self.provider});
        if !self.link.is_empty() {
            tracking["trackingLink"] = json!(self.link);
        }
        json!({
            "id": self.id,
            "createdDate": iso_ms(self.created_ms),
            "lineItems": self.lines.iter().map(|(id, q)| json!({"id": id, "quantity": q})).collect::<Vec<_>>(),
            "trackingInfo": tracking,
            "completed": true,
        })
    }
}

/// A Catalog V1 price: a JSON number.
fn num(d: Decimal) -> Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or(Value::Null)
}

/// Wix's timestamps: ISO-8601 with milliseconds.
pub(crate) fn iso_ms(millis: i64) -> String {
    let base = iso8601(millis);
    format!(
        "{}.{:03}Z",
        base.trim_end_matches('Z'),
        millis.rem_euclid(1000)
    )
}

pub(crate) struct State {
    pub(crate) products: BTreeMap<String, Product>,
    pub(crate) orders: Vec<Order>,
    pub(crate) next_number: u64,
    pub(crate) base_url: String,
    pub(crate) currency: String,
    rng: StdRng,
}

impl State {
    pub(crate) fn seed(catalog: Vec<SeedProduct>, seed: u64, base_url: String) -> Self {
        let mut st = Self {
            products: BTreeMap::new(),
            orders: Vec::new(),
            next_number: 10001,
            base_url,
            currency: "USD".into(),
            rng: StdRng::seed_from_u64(seed ^ 0x0057_1c5e_ed00_0001),
        };
        for p in catalog {
            let id = st.guid();
            let inventory_item_id = st.guid();
            let manage_variants = p.option_name.is_some();
            let variants = p
                .variants
                .iter()
                .enumerate()
                .map(|(i, v)| Variant {
                    id: if manage_variants {
                        format!(
                            "00000000-0000-00{:02x}-0000-{:012x}",
                            i + 1,
                            st.rng.random::<u32>()
                        )
                    } else {
                        DEFAULT_VARIANT.into()
                    },
                    choices: p
                        .option_name
                        .iter()
                        .map(|name| (name.clone(), v.option_value.clone()))
                        .collect(),
                    sku: v.sku.clone(),
                    price: v.price,
                    quantity: v.stock,
                    in_stock: v.stock > 0,
                    weight: v.weight_grams.map(|g| Decimal::new(i64::from(g), 3)),
                })
                .collect();
            st.products.insert(
                id.clone(),
                Product {
                    id,
                    inventory_item_id,
                    name: p.title.clone(),
                    slug: p.handle.clone(),
                    description: p.description_html.clone(),
                    brand: p.vendor.clone(),
                    // What it is made of, as the merchant writes it in an info section.
                    info_sections: if p.materials.is_empty() {
                        Vec::new()
                    } else {
                        vec![(
                            "Material".to_string(),
                            format!("<p>{}</p>", p.materials.join(", ")),
                        )]
                    },
                    manage_variants,
                    track_quantity: true,
                    variants,
                    created_ms: p.created_ms,
                    updated_ms: p.updated_ms,
                    inventory_updated_ms: p.updated_ms,
                },
            );
        }
        st
    }

    /// A fresh GUID (deterministic per seed).
    pub(crate) fn guid(&mut self) -> String {
        let a: u128 = self.rng.random();
        let h = format!("{a:032x}");
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }

    pub(crate) fn product_of_sku(&mut self, sku: &str) -> Option<(&mut Product, usize)> {
        self.products.values_mut().find_map(|p| {
            let i = p.variants.iter().position(|v| v.sku == sku)?;
            Some((p, i))
        })
    }

    pub(crate) fn order_mut(&mut self, id: &str) -> Option<&mut Order> {
        self.orders.iter_mut().find(|o| o.id == id)
    }

    pub(crate) fn order(&self, id: &str) -> Option<&Order> {
        self.orders.iter().find(|o| o.id == id)
    }

    /// Puts `(line item id, quantity)` back in stock (a refund's restock side effect); returns
    /// the products touched. Custom lines and untracked products have no stock to return.
    pub(crate) fn put_back(
        &mut self,
        order_idx: usize,
        lines: &[(String, u32)],
        now: i64,
    ) -> Vec<String> {
        let mut touched = Vec::new();
        for (line_id, quantity) in lines {
            let Some(line) = self.orders[order_idx]
                .lines
                .iter_mut()
                .find(|l| &l.id == line_id)
            else {
                continue;
            };
            let (Some(pid), Some(vid)) = (line.product_id.clone(), line.variant_id.clone()) else {
                continue;
            };
            let back = i64::from(*quantity);
            line.taken = (line.taken - back).max(0);
            if let Some(p) = self.products.get_mut(&pid)
                && p.track_quantity
                && let Some(v) = p.variants.iter_mut().find(|v| v.id == vid)
            {
                v.quantity += back;
                p.updated_ms = now;
                p.inventory_updated_ms = now;
                touched.push(pid);
            }
        }
        touched
    }

    /// Gives back what an order took (cancel with restock).
    pub(crate) fn restock(&mut self, order_idx: usize, now: i64) -> Vec<String> {
        let mut touched = Vec::new();
        let lines: Vec<(Option<String>, Option<String>, i64)> = self.orders[order_idx]
            .lines
            .iter_mut()
            .map(|l| {
                (
                    l.product_id.clone(),
                    l.variant_id.clone(),
                    std::mem::take(&mut l.taken),
                )
            })
            .collect();
        for (pid, vid, taken) in lines {
            let (Some(pid), Some(vid)) = (pid, vid) else {
                continue;
            };
            if taken == 0 {
                continue;
            }
            if let Some(p) = self.products.get_mut(&pid)
                && let Some(v) = p.variants.iter_mut().find(|v| v.id == vid)
            {
                v.quantity += taken;
                p.updated_ms = now;
                p.inventory_updated_ms = now;
                touched.push(pid);
            }
        }
        touched
    }
}
