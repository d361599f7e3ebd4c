//! Guest checkout (`anonymous` routes): create a cart, add items, set the shipping information,
//! then the payment information, which places the order (Magento's quote → order flow, with
//! MSI reservations and the checks `QuoteValidator` runs before submitting).

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::input::Obj;
use super::model::{
    Address, Cart, CartItem, Order, OrderItem, State, TypeId, US_REGIONS, address_json, mage_date,
    num,
};
use super::{ApiError, ApiResult, Ctx, Magento, state};
use crate::common::now_millis;

const ADDRESS_FIELDS: &[&str] = &[
    "id",
    "region",
    "region_id",
    "region_code",
    "country_id",
    "street",
    "company",
    "telephone",
    "fax",
    "postcode",
    "city",
    "firstname",
    "lastname",
    "middlename",
    "prefix",
    "suffix",
    "vat_id",
    "customer_id",
    "email",
    "same_as_billing",
    "customer_address_id",
    "save_in_address_book",
    "extension_attributes",
    "custom_attributes",
];

/// Offline payment methods enabled in the simulated store: `(code, title)`.
pub(crate) const PAYMENT_METHODS: &[(&str, &str)] = &[
    ("checkmo", "Check / Money order"),
    ("banktransfer", "Bank Transfer Payment"),
    ("cashondelivery", "Cash On Delivery"),
    ("purchaseorder", "Purchase Order"),
];

/// `POST /V1/guest-carts`: the masked cart id.
pub(crate) fn create(magento: &Magento) -> Value {
    let masked_id = magento.masked_id();
    let mut st = state(magento);
    let id = st.next("quote");
    let now = now_millis();
    st.carts.insert(
        id,
        Cart {
            id,
            masked_id: masked_id.clone(),
            active: true,
            items: Vec::new(),
            shipping_address: None,
            billing_address: None,
            shipping_method: None,
            created: now,
            updated: now,
        },
    );
    json!(masked_id)
}

/// `CartRepository::getActive()` behind a masked id.
fn active_cart<'a>(st: &'a mut State, masked: &str) -> Result<&'a mut Cart, ApiError> {
    let Some(cart) = st.carts.values_mut().find(|c| c.masked_id == masked) else {
        return Err(ApiError::no_such_entity("cartId", Value::Null));
    };
    if !cart.active {
        return Err(ApiError::no_such_entity("cartId", json!(cart.id)));
    }
    Ok(cart)
}

/// The simple product a cart item takes stock from, with its name and price.
fn line_product(st: &State, item: &CartItem) -> Option<(String, String, Decimal, TypeId)> {
    let added = st.products.get(&item.product_id)?;
    let simple = item
        .child_id
        .and_then(|id| st.products.get(&id))
        .unwrap_or(added);
    Some((
        simple.sku.clone(),
        added.name.clone(),
        simple.final_price(),
        added.type_id,
    ))
}

fn item_json(st: &State, cart: &Cart, item: &CartItem) -> Value {
    let (sku, name, price, type_id) = line_product(st, item).unwrap_or((
        String::new(),
        String::new(),
        Decimal::ZERO,
        TypeId::Simple,
    ));
    json!({
        "item_id": item.item_id,
        "sku": sku,
        "qty": num(item.qty),
        "name": name,
        "price": num(price),
        "product_type": type_id.as_str(),
        "quote_id": cart.masked_id,
    })
}

fn subtotal(st: &State, cart: &Cart) -> Decimal {
    cart.items
        .iter()
        .map(|i| line_product(st, i).map_or(Decimal::ZERO, |l| l.2) * i.qty)
        .sum()
}

fn items_qty(cart: &Cart) -> Decimal {
    cart.items.iter().map(|i| i.qty).sum()
}

fn cart_json(st: &State, cart: &Cart) -> Value {
    let items: Vec<Value> = cart.items.iter().map(|i| item_json(st, cart, i)).collect();
    let blank = Address::default();
    json!({
        "id": cart.id,
        "created_at": mage_date(cart.created),
        "updated_at": mage_date(cart.updated),
        "is_active": cart.active,
        "is_virtual": false,
        "items": items,
        "items_count": cart.items.len(),
        "items_qty": num(items_qty(cart)),
        "customer": {"email": null, "firstname": null, "lastname": null},
        "billing_address": address_json(cart.billing_address.as_ref().unwrap_or(&blank), "billing", cart.id * 2, cart.id),
        "orig_order_id": 0,
        "currency": {
            "global_currency_code": "USD",
            "base_currency_code": "USD",
            "store_currency_code": "USD",
            "quote_currency_code": "USD",
            "store_to_base_rate": 0,
            "store_to_quote_rate": 0,
            "base_to_global_rate": 1,
            "base_to_quote_rate": 1,
        },
        "customer_is_guest": true,
        "customer_note_notify": true,
        "customer_tax_class_id": 3,
        "store_id": 1,
    })
}

/// `GET /V1/guest-carts/:cartId`.
pub(crate) fn get(magento: &Magento, masked: &str) -> ApiResult {
    let mut st = state(magento);
    let cart = active_cart(&mut st, masked)?.clone();
    Ok(cart_json(&st, &cart))
}

/// `GET /V1/guest-carts/:cartId/items`.
pub(crate) fn items(magento: &Magento, masked: &str) -> ApiResult {
    let mut st = state(magento);
    let cart = active_cart(&mut st, masked)?.clone();
    Ok(Value::Array(
        cart.items
            .iter()
            .map(|i| item_json(&st, &cart, i))
            .collect(),
    ))
}

/// The child a configurable parent resolves to from `configurable_item_options`.
fn chosen_child(st: &State, parent_id: u64, option: Option<&Value>) -> Result<u64, ApiError> {
    let choose = || ApiError::bad_request("You need to choose options for your item.");
    let option = option.ok_or_else(choose)?;
    let po = Obj::new(option, &["extension_attributes"])?;
    let ext = Obj::new(
        po.get("extension_attributes").ok_or_else(choose)?,
        &[
            "custom_options",
            "bundle_options",
            "configurable_item_options",
            "downloadable_option",
            "giftcard_item_option",
        ],
    )?;
    let mut wanted: Vec<(String, u64)> = Vec::new();
    for o in ext.list("configurable_item_options")? {
        let o = Obj::new(&o, &["option_id", "option_value", "extension_attributes"])?;
        let (Some(attribute_id), Some(value)) = (o.str("option_id")?, o.int("option_value")?)
        else {
            return Err(choose());
        };
        wanted.push((attribute_id, u64::try_from(value).unwrap_or(0)));
    }
    let parent = st
        .products
        .get(&parent_id)
        .ok_or_else(ApiError::product_missing)?;
    let Some((code, children)) = &parent.configurable else {
        return Err(choose());
    };
    let attribute_id = st
        .attribute(code)
        .map(|a| a.id.to_string())
        .unwrap_or_default();
    children
        .iter()
        .copied()
        .find(|id| {
            st.products.get(id).is_some_and(|c| {
                c.option
                    .as_ref()
                    .is_some_and(|(_, v)| wanted.iter().any(|(a, w)| *a == attribute_id && w == v))
            })
        })
        .ok_or_else(choose)
}

/// Magento's stock checks when an item is added or an order placed.
fn check_stock(st: &State, simple_id: u64, qty: Decimal) -> Result<(), ApiError> {
    let Some(p) = st.products.get(&simple_id) else {
        return Err(ApiError::product_missing());
    };
    if p.backorders {
        return Ok(());
    }
    let salable = st.salable(&p.sku);
    if salable <= Decimal::ZERO {
        return Err(ApiError::bad_request(
            "Product that you are trying to add is not available.",
        ));
    }
    if qty > salable {
        return Err(ApiError::bad_request("The requested qty is not available"));
    }
    Ok(())
}

/// `POST /V1/guest-carts/:cartId/items` `{"cartItem": {...}}`.
pub(crate) fn add_item(magento: &Magento, ctx: &Ctx, masked: &str) -> ApiResult {
    let raw = Obj::param(&ctx.body, "cartItem").ok_or_else(|| ApiError::required("cartItem"))?;
    let item = Obj::new(
        raw,
        &[
            "item_id",
            "sku",
            "qty",
            "name",
            "price",
            "product_type",
            "quote_id",
            "product_option",
            "extension_attributes",
        ],
    )?;
    let mut st = state(magento);
    active_cart(&mut st, masked)?;
    let sku = item.str("sku")?.unwrap_or_default();
    let qty = item.float("qty")?;
    let product = st
        .product_by_sku(&sku)
        .ok_or_else(ApiError::product_missing)?
        .clone();
    let qty = match qty {
        Some(q) if q > Decimal::ZERO => q,
        other => {
            return Err(ApiError::bad_request_with(
                "Invalid value of \"%value\" provided for the %fieldName field.",
                json!({"value": other.map(num), "fieldName": "qty"}),
            ));
        }
    };
    if product.status != 1 {
        return Err(ApiError::bad_request(
            "Product that you are trying to add is not available.",
        ));
    }
    let child_id = match product.type_id {
        TypeId::Configurable => Some(chosen_child(&st, product.id, item.get("product_option"))?),
        TypeId::Simple => None,
    };
    let simple_id = child_id.unwrap_or(product.id);
    let in_cart: Decimal = {
        let cart = active_cart(&mut st, masked)?;
        cart.items
            .iter()
            .filter(|i| i.child_id.unwrap_or(i.product_id) == simple_id)
            .map(|i| i.qty)
            .sum()
    };
    check_stock(&st, simple_id, in_cart + qty)?;
    let item_id = st.next("quote_item");
    let cart = active_cart(&mut st, masked)?;
    let existing = cart
        .items
        .iter_mut()
        .find(|i| i.product_id == product.id && i.child_id == child_id);
    let line = match existing {
        Some(line) => {
            line.qty += qty;
            line.clone()
        }
        None => {
            let line = CartItem {
                item_id,
                product_id: product.id,
                child_id,
                qty,
            };
            cart.items.push(line.clone());
            line
        }
    };
    cart.updated = now_millis();
    let cart = cart.clone();
    Ok(item_json(&st, &cart, &line))
}

fn parse_address(value: &Value) -> Result<Address, ApiError> {
    let a = Obj::new(value, ADDRESS_FIELDS)?;
    let street = match a.get("street") {
        None => Vec::new(),
        Some(Value::Array(lines)) => lines
            .iter()
            .map(|l| {
                l.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| l.to_string())
            })
            .collect(),
        Some(Value::String(s)) => s.split('\n').map(str::to_string).collect(),
        Some(other) => return Err(ApiError::invalid_type(other, "string[]")),
    };
    let country_id = a.str("country_id")?.unwrap_or_default();
    let mut region_id = a
        .int("region_id")?
        .and_then(|n| u64::try_from(n).ok())
        .filter(|n| *n > 0);
    let mut region_code = a.str("region_code")?.unwrap_or_default();
    let mut region = a.str("region")?.unwrap_or_default();
    if country_id == "US" {
        // AbstractAddress::getRegionId(): a missing id is looked up by region code.
        let known = region_id
            .and_then(|id| US_REGIONS.iter().find(|r| r.0 == id))
            .or_else(|| {
                US_REGIONS
                    .iter()
                    .find(|r| r.1.eq_ignore_ascii_case(&region_code))
            });
        region_id = known.map(|r| r.0);
        if let Some((_, code, name)) = known {
            region_code = (*code).to_string();
            region = (*name).to_string();
        }
    }
    Ok(Address {
        firstname: a.str("firstname")?.unwrap_or_default(),
        lastname: a.str("lastname")?.unwrap_or_default(),
        company: a.str("company")?.unwrap_or_default(),
        street,
        city: a.str("city")?.unwrap_or_default(),
        region,
        region_id,
        region_code,
        postcode: a.str("postcode")?.unwrap_or_default(),
        country_id,
        telephone: a.str("telephone")?.unwrap_or_default(),
        email: a.str("email")?.unwrap_or_default(),
    })
}

/// `Quote\Address::validate()`: the required-field messages, rendered.
fn address_problems(a: &Address) -> Vec<String> {
    let required = |field: &str| format!("\"{field}\" is required. Enter and try again.");
    let mut out = Vec::new();
    for (field, value) in [
        ("firstname", a.firstname.as_str()),
        ("lastname", a.lastname.as_str()),
        ("street", a.street.first().map_or("", String::as_str)),
        ("city", a.city.as_str()),
        ("telephone", a.telephone.as_str()),
        ("postcode", a.postcode.as_str()),
        ("countryId", a.country_id.as_str()),
    ] {
        if value.trim().is_empty() {
            out.push(required(field));
        }
    }
    if a.country_id == "US" && a.region_id.is_none() {
        out.push(required("regionId"));
    }
    out
}

fn totals_json(st: &State, cart: &Cart) -> Value {
    let sub = subtotal(st, cart);
    let shipping = st.flatrate_per_item * items_qty(cart);
    json!({
        "grand_total": num(sub + shipping),
        "base_grand_total": num(sub + shipping),
        "subtotal": num(sub),
        "base_subtotal": num(sub),
        "discount_amount": 0,
        "base_discount_amount": 0,
        "subtotal_with_discount": num(sub),
        "shipping_amount": num(shipping),
        "base_shipping_amount": num(shipping),
        "tax_amount": 0,
        "base_tax_amount": 0,
        "items_qty": num(items_qty(cart)),
        "base_currency_code": "USD",
        "quote_currency_code": "USD",
        "items": cart.items.iter().map(|i| item_json(st, cart, i)).collect::<Vec<_>>(),
    })
}

/// `POST /V1/guest-carts/:cartId/shipping-information` `{"addressInformation": {...}}`.
pub(crate) fn shipping_information(magento: &Magento, ctx: &Ctx, masked: &str) -> ApiResult {
    let raw = Obj::param(&ctx.body, "addressInformation")
        .ok_or_else(|| ApiError::required("addressInformation"))?;
    let info = Obj::new(
        raw,
        &[
            "shipping_address",
            "billing_address",
            "shipping_method_code",
            "shipping_carrier_code",
            "extension_attributes",
            "custom_attributes",
        ],
    )?;
    let shipping = info
        .get("shipping_address")
        .map(parse_address)
        .transpose()?
        .unwrap_or_default();
    let billing = info.get("billing_address").map(parse_address).transpose()?;
    let carrier = info.str("shipping_carrier_code")?.unwrap_or_default();
    let method = info.str("shipping_method_code")?.unwrap_or_default();
    if shipping.country_id.is_empty() {
        return Err(ApiError::bad_request(
            "The shipping address is missing. Set the address and try again.",
        ));
    }
    let mut st = state(magento);
    let cart = active_cart(&mut st, masked)?;
    if cart.items.is_empty() {
        return Err(ApiError::bad_request(
            "The shipping method can't be set for an empty cart. Add an item to cart and try again.",
        ));
    }
    cart.shipping_address = Some(shipping);
    if billing.is_some() {
        cart.billing_address = billing;
    }
    if method.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "The shipping method is missing. Select the shipping method and try again.",
        ));
    }
    if carrier != "flatrate" || method != "flatrate" {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "Carrier with such method not found: %1, %2",
        )
        .with_params(json!([carrier, method])));
    }
    cart.shipping_method = Some((carrier, method));
    cart.updated = now_millis();
    let cart = cart.clone();
    let methods: Vec<Value> = PAYMENT_METHODS
        .iter()
        .map(|(code, title)| json!({"code": code, "title": title}))
        .collect();
    Ok(json!({"payment_methods": methods, "totals": totals_json(&st, &cart)}))
}

/// `CouldNotSaveException` around a failed `placeOrder()`: the message, rendered.
fn could_not_save(message: String) -> ApiError {
    ApiError::bad_request(message)
}

/// `POST /V1/guest-carts/:cartId/payment-information`: saves the payment method and billing
/// address, then places the order; answers the order id.
pub(crate) fn payment_information(magento: &Magento, ctx: &Ctx, masked: &str) -> ApiResult {
    let email = Obj::param(&ctx.body, "email").ok_or_else(|| ApiError::required("email"))?;
    let email = super::input::to_str(email)?;
    let payment = Obj::param(&ctx.body, "paymentMethod")
        .ok_or_else(|| ApiError::required("paymentMethod"))?;
    let payment = Obj::new(
        payment,
        &[
            "po_number",
            "method",
            "additional_data",
            "extension_attributes",
        ],
    )?;
    let billing = Obj::param(&ctx.body, "billingAddress")
        .map(parse_address)
        .transpose()?;
    let method = payment.str("method")?.unwrap_or_default();
    let po_number = payment.str("po_number")?.unwrap_or_default();
    let mut st = state(magento);
    let cart = active_cart(&mut st, masked)?;
    if let Some(mut billing) = billing {
        billing.email.clone_from(&email);
        cart.billing_address = Some(billing);
    } else if let Some(b) = cart.billing_address.as_mut() {
        b.email.clone_from(&email);
    }
    let Some((_, title)) = PAYMENT_METHODS.iter().find(|(code, _)| *code == method) else {
        return Err(ApiError::bad_request(
            "The requested Payment Method is not available.",
        ));
    };
    if method == "purchaseorder" && po_number.trim().is_empty() {
        return Err(ApiError::bad_request(
            "Purchase order number is a required field.",
        ));
    }
    let cart = cart.clone();
    let mut order = place(&mut st, &cart, &email, &method, title)?;
    order.po_number = (!po_number.trim().is_empty()).then_some(po_number);
    let id = order.id;
    st.orders.insert(id, order);
    if let Some(c) = st.carts.get_mut(&cart.id) {
        c.active = false;
    }
    Ok(json!(id))
}

/// `QuoteManagement::submit()`: validate, reserve stock, make the order.
fn place(
    st: &mut State,
    cart: &Cart,
    email: &str,
    method: &str,
    title: &str,
) -> Result<Order, ApiError> {
    let shipping = cart.shipping_address.clone().unwrap_or_default();
    let problems = address_problems(&shipping);
    if !problems.is_empty() {
        return Err(could_not_save(format!(
            "Please check the shipping address information. {}",
            problems.join(" ")
        )));
    }
    if cart.shipping_method.is_none() {
        return Err(could_not_save(
            "The shipping method is missing. Select the shipping method and try again.".into(),
        ));
    }
    let billing = cart.billing_address.clone().unwrap_or_default();
    let problems = address_problems(&billing);
    if !problems.is_empty() {
        return Err(could_not_save(format!(
            "Please check the billing address information. {}",
            problems.join(" ")
        )));
    }
    if email.trim().is_empty() || !email.contains('@') {
        return Err(could_not_save(format!("Email \"{email}\" is not valid.")));
    }
    for item in &cart.items {
        check_stock(st, item.child_id.unwrap_or(item.product_id), item.qty)
            .map_err(|e| could_not_save(e.message))?;
    }
    let id = st.next("order");
    let now = now_millis();
    let mut items = Vec::new();
    for line in &cart.items {
        let Some((sku, name, price, type_id)) = line_product(st, line) else {
            continue;
        };
        let item_id = st.next("order_item");
        items.push(OrderItem {
            item_id,
            parent_item_id: None,
            product_id: line.product_id,
            product_type: type_id,
            sku: sku.clone(),
            name: name.clone(),
            price,
            qty_ordered: line.qty,
            qty_invoiced: Decimal::ZERO,
            qty_shipped: Decimal::ZERO,
            qty_canceled: Decimal::ZERO,
            qty_refunded: Decimal::ZERO,
        });
        if let Some(child_id) = line.child_id {
            let child_item = st.next("order_item");
            let child_name = st
                .products
                .get(&child_id)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            items.push(OrderItem {
                item_id: child_item,
                parent_item_id: Some(item_id),
                product_id: child_id,
                product_type: TypeId::Simple,
                sku: sku.clone(),
                name: child_name,
                price: Decimal::ZERO,
                qty_ordered: line.qty,
                qty_invoiced: Decimal::ZERO,
                qty_shipped: Decimal::ZERO,
                qty_canceled: Decimal::ZERO,
                qty_refunded: Decimal::ZERO,
            });
        }
        st.reserve(&sku, -line.qty);
    }
    let shipping_amount = st.flatrate_per_item * items_qty(cart);
    Ok(Order {
        id,
        increment_id: format!("{id:09}"),
        quote_id: cart.id,
        protect_code: format!(
            "{:06x}",
            (now as u64).wrapping_mul(2_654_435_761) & 0xff_ffff
        ),
        state: "new".into(),
        status: "pending".into(),
        customer_email: email.to_string(),
        items,
        billing,
        shipping,
        shipping_method: "flatrate_flatrate".into(),
        shipping_description: "Flat Rate - Fixed".into(),
        shipping_amount,
        payment_method: method.to_string(),
        payment_title: title.to_string(),
        po_number: None,
        total_paid: Decimal::ZERO,
        total_refunded: Decimal::ZERO,
        shipping_refunded: Decimal::ZERO,
        histories: Vec::new(),
        created: now,
        updated: now,
    })
}
