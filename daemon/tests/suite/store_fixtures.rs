//! Fixtures shared by the store connector tests.

use feedbridge_daemon::connector::{
    Address, InventoryBehaviour, NewStoreOrder, NewStoreOrderLine, StoreVariant,
};
use rust_decimal::Decimal;

/// A paid TikTok order for these variants (at their store prices) with a 1.00 discount,
/// 5.99 shipping and 1.60 tax, shipped to a Los Angeles buyer.
pub fn new_order(tiktok_order_id: &str, lines: &[(&StoreVariant, u32)]) -> NewStoreOrder {
    let lines: Vec<NewStoreOrderLine> = lines
        .iter()
        .map(|(variant, quantity)| NewStoreOrderLine {
            variant_id: variant.id.clone(),
            quantity: *quantity,
            unit_price: variant.price,
        })
        .collect();
    let subtotal: Decimal = lines
        .iter()
        .map(|l| l.unit_price * Decimal::from(l.quantity))
        .sum();
    let (discount, shipping, tax) = (
        Decimal::new(100, 2),
        Decimal::new(599, 2),
        Decimal::new(160, 2),
    );
    NewStoreOrder {
        tiktok_order_id: tiktok_order_id.into(),
        name: None,
        currency: "USD".into(),
        lines,
        discount,
        shipping_fee: shipping,
        tax,
        total: subtotal - discount + shipping + tax,
        inventory: InventoryBehaviour::DecrementObeyingPolicy,
        email: Some("v2_buyer@scs.tiktokw.us".into()),
        address: Some(Address {
            first_name: "Jane".into(),
            last_name: "Doe".into(),
            address1: "1 Main St".into(),
            address2: String::new(),
            city: "Los Angeles".into(),
            province: "CA".into(),
            zip: "90001".into(),
            country_code: "US".into(),
            phone: "(+1)213*****21".into(),
        }),
        tags: vec!["TikTokShop".into()],
        note: format!("TikTok Shop order {tiktok_order_id}"),
    }
}

/// The variant carrying this SKU among `products`.
pub fn variant_by_sku<'a>(
    products: &'a [feedbridge_daemon::connector::StoreProduct],
    sku: &str,
) -> &'a StoreVariant {
    products
        .iter()
        .flat_map(|p| &p.variants)
        .find(|v| v.sku == sku)
        .unwrap_or_else(|| panic!("no variant with SKU {sku}"))
}

/// A decimal written out, e.g. `dec("0.15")`.
pub fn dec(text: &str) -> Decimal {
    text.parse()
        .unwrap_or_else(|_| panic!("not a decimal: {text}"))
}

/// Whether a figure is within `tolerance` of `want`: stores that keep figures in their own
/// unit round them (150 g is 5.29 oz), so the kg / cm read back is close, not equal.
pub fn near(value: Option<Decimal>, want: &str, tolerance: &str) -> bool {
    value.is_some_and(|v| (v - dec(want)).abs() <= dec(tolerance))
}
