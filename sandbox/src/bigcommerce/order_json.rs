//! V2 order shapes: the order, its products (lines) and shipping addresses as
//! `GET /v2/orders/{id}[/products|/shipping_addresses]` answer them (money as 4-decimal
//! strings, dates RFC 2822).

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::model::{Order, OrderLine, ShippingAddress, State, money4, rfc2822, status_name};

impl State {
    fn resource(&self, order_id: u64, what: &str) -> Value {
        json!({
            "url": format!("{}/v2/orders/{order_id}/{what}", self.api_base),
            "resource": format!("/orders/{order_id}/{what}"),
        })
    }

    pub(crate) fn order_json(&self, o: &Order) -> Value {
        let (sub_ex, sub_inc) = o.subtotal();
        let (total_ex, total_inc) = o.total();
        let mut billing = o.billing.clone();
        billing.insert("form_fields".into(), json!([]));
        json!({
            "id": o.id,
            "customer_id": o.customer_id,
            "date_created": rfc2822(o.created),
            "date_modified": rfc2822(o.modified),
            "date_shipped": o.shipped.map(rfc2822).unwrap_or_default(),
            "status_id": o.status_id,
            "status": status_name(o.status_id),
            "custom_status": status_name(o.status_id),
            "subtotal_ex_tax": money4(sub_ex),
            "subtotal_inc_tax": money4(sub_inc),
            "subtotal_tax": money4(sub_inc - sub_ex),
            "base_shipping_cost": money4(o.shipping_inc),
            "shipping_cost_ex_tax": money4(o.shipping_ex),
            "shipping_cost_inc_tax": money4(o.shipping_inc),
            "shipping_cost_tax": money4(o.shipping_inc - o.shipping_ex),
            "shipping_cost_tax_class_id": 0,
            "base_handling_cost": money4(o.handling_inc),
            "handling_cost_ex_tax": money4(o.handling_ex),
            "handling_cost_inc_tax": money4(o.handling_inc),
            "handling_cost_tax": money4(o.handling_inc - o.handling_ex),
            "handling_cost_tax_class_id": 0,
            "base_wrapping_cost": "0.0000",
            "wrapping_cost_ex_tax": "0.0000",
            "wrapping_cost_inc_tax": "0.0000",
            "wrapping_cost_tax": "0.0000",
            "wrapping_cost_tax_class_id": 0,
            "total_ex_tax": money4(total_ex),
            "total_inc_tax": money4(total_inc),
            "total_tax": money4(total_inc - total_ex),
            "is_tax_inclusive_pricing": false,
            "items_total": o.items_total(),
            "items_shipped": o.items_shipped(),
            "payment_method": o.payment_method,
            "payment_provider_id": "",
            "payment_status": "",
            "refunded_amount": money4(o.refunded_amount()),
            "order_is_digital": false,
            "store_credit_amount": "0.0000",
            "gift_certificate_amount": "0.0000",
            "ip_address": "",
            "ip_address_v6": "",
            "geoip_country": "",
            "geoip_country_iso2": "",
            "currency_id": 1,
            "currency_code": "USD",
            "currency_exchange_rate": "1.0000000000",
            "default_currency_id": 1,
            "default_currency_code": "USD",
            "store_default_currency_code": "USD",
            "store_default_to_transactional_exchange_rate": "1.0000000000",
            "staff_notes": o.staff_notes,
            "customer_message": o.customer_message,
            "discount_amount": money4(o.discount),
            "coupon_discount": "0.0000",
            "shipping_address_count": o.addresses.len(),
            "is_deleted": o.archived,
            "ebay_order_id": "0",
            "cart_id": "",
            "billing_address": billing,
            "is_email_opt_in": false,
            "credit_card_type": null,
            "order_source": "external",
            "channel_id": 1,
            "external_source": o.external_source,
            "external_id": null,
            "external_merchant_id": null,
            "external_order_id": o.external_order_id.clone().unwrap_or_default(),
            "tax_provider_id": "",
            "customer_locale": o.customer_locale,
            "products": self.resource(o.id, "products"),
            "shipping_addresses": self.resource(o.id, "shipping_addresses"),
            "coupons": self.resource(o.id, "coupons"),
        })
    }

    pub(crate) fn line_json(&self, o: &Order, l: &OrderLine) -> Value {
        let q = Decimal::from(l.quantity);
        let options: Vec<Value> = l
            .option
            .iter()
            .map(|opt| {
                json!({
                    "id": opt.id, "option_id": opt.option_id, "order_product_id": l.id,
                    "product_option_id": opt.option_id, "display_name": opt.option_name,
                    "display_name_customer": opt.option_name, "display_name_merchant": opt.option_name,
                    "display_value": opt.label, "display_value_customer": opt.label,
                    "display_value_merchant": opt.label, "value": opt.id.to_string(),
                    "type": "Multiple choice", "name": opt.option_name, "display_style": "Rectangle",
                })
            })
            .collect();
        json!({
            "id": l.id,
            "order_id": o.id,
            "product_id": l.product_id,
            "variant_id": l.variant_id.unwrap_or(0),
            "order_address_id": l.order_address_id,
            "name": l.name,
            "name_customer": l.name,
            "name_merchant": l.name,
            "sku": l.sku,
            "upc": "",
            "type": "physical",
            "base_price": money4(l.price_ex_tax),
            "price_ex_tax": money4(l.price_ex_tax),
            "price_inc_tax": money4(l.price_inc_tax),
            "price_tax": money4(l.price_inc_tax - l.price_ex_tax),
            "base_total": money4(l.price_ex_tax * q),
            "total_ex_tax": money4(l.price_ex_tax * q),
            "total_inc_tax": money4(l.price_inc_tax * q),
            "total_tax": money4((l.price_inc_tax - l.price_ex_tax) * q),
            "quantity": l.quantity,
            "base_cost_price": "0.0000",
            "cost_price_inc_tax": "0.0000",
            "cost_price_ex_tax": "0.0000",
            "cost_price_tax": "0.0000",
            "is_refunded": l.quantity_refunded > 0,
            "quantity_refunded": l.quantity_refunded,
            "refund_amount": money4(l.price_inc_tax * Decimal::from(l.quantity_refunded)),
            "return_id": 0,
            "wrapping_id": 0,
            "wrapping_name": "",
            "base_wrapping_cost": "0.0000",
            "wrapping_cost_ex_tax": "0.0000",
            "wrapping_cost_inc_tax": "0.0000",
            "wrapping_cost_tax": "0.0000",
            "wrapping_message": "",
            "quantity_shipped": l.quantity_shipped,
            "event_name": null,
            "event_date": "",
            "fixed_shipping_cost": "0.0000",
            "ebay_item_id": "",
            "ebay_transaction_id": "",
            "option_set_id": null,
            "parent_order_product_id": null,
            "is_bundled_product": false,
            "bin_picking_number": "",
            "external_id": null,
            "brand": "",
            "applied_discounts": [],
            "product_options": options,
            "configurable_fields": [],
            "gift_certificate_id": null,
            "discounted_total_inc_tax": money4(l.price_inc_tax * q),
        })
    }

    pub(crate) fn address_json(&self, o: &Order, a: &ShippingAddress) -> Value {
        let items_total: i64 = o
            .lines
            .iter()
            .filter(|l| l.order_address_id == a.id)
            .map(|l| l.quantity)
            .sum();
        let items_shipped: i64 = o
            .lines
            .iter()
            .filter(|l| l.order_address_id == a.id)
            .map(|l| l.quantity_shipped)
            .sum();
        let mut v = Value::Object(a.fields.clone());
        v["id"] = json!(a.id);
        v["order_id"] = json!(o.id);
        v["items_total"] = json!(items_total);
        v["items_shipped"] = json!(items_shipped);
        v["shipping_method"] = json!(a.shipping_method);
        v["base_cost"] = json!(money4(o.shipping_inc));
        v["cost_ex_tax"] = json!(money4(o.shipping_ex));
        v["cost_inc_tax"] = json!(money4(o.shipping_inc));
        v["cost_tax"] = json!(money4(o.shipping_inc - o.shipping_ex));
        v["cost_tax_class_id"] = json!(0);
        v["shipping_zone_id"] = json!(1);
        v["shipping_zone_name"] = json!("United States");
        v["shipping_quotes"] = self.resource(
            o.id,
            &format!("shipping_addresses/{}/shipping_quotes", a.id),
        );
        v["form_fields"] = json!([]);
        v
    }
}
