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
