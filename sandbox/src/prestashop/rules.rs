//! What PrestaShop's classes do on a webservice save, per resource: customers get a secure
//! key, an order is placed from its cart by the payment module (`Order::addWs` →
//! `PaymentModule::validateOrder`), an order history changes the order's state, a stock row
//! keeps its product's total.

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::ApiError;
use super::model::{
    CANCELED, MY_CARRIER_PRICE, OUT_OF_STOCK_PAID, PAYMENT_ERROR, PAYMENT_MODULES, REMOTE_PAYMENT,
    State, dec, num, rows, s, text,
};
use super::schema::Resource;
use super::xml::Entity;

fn invalid(resource: &Resource, field: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        85,
        format!(
            "Validation error: \"Property {}->{field} is not valid\"",
            resource.class()
        ),
    )
}

/// Field checks of `ObjectModel::validateFields` for the fields the simulator knows.
fn validate(st: &State, resource: &Resource, e: &Entity) -> Result<(), ApiError> {
    match resource.name {
        "customers" => {
            let email = text(e, "email");
            if !email.contains('@') || email.contains(' ') {
                return Err(invalid(resource, "email"));
            }
        }
        "addresses" => {
            let alias = text(e, "alias");
            if alias.chars().count() > 32 {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    85,
                    format!(
                        "Validation error: \"Property Address->alias length ({}) must be between 0 and 32\"",
                        alias.chars().count()
                    ),
                ));
            }
            if st.get("countries", num(e, "id_country")).is_none() {
                return Err(invalid(resource, "id_country"));
            }
        }
        "order_carriers" => {
            let t = text(e, "tracking_number");
            let ok = t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "~:#,%&_=()[].? +-@/".contains(c));
            if !ok {
                return Err(invalid(resource, "tracking_number"));
            }
        }
        "stock_availables" if text(e, "quantity").parse::<i64>().is_err() => {
            return Err(invalid(resource, "quantity"));
        }
        _ => {}
    }
    Ok(())
}

/// Creates the entity as its class's `add()` / `addWs()` does; returns its id.
pub(crate) fn create(st: &mut State, resource: &Resource, mut e: Entity) -> Result<u64, ApiError> {
    validate(st, resource, &e)?;
    let now = st.tick();
    for f in ["date_add", "date_upd"] {
        if resource.field(f).is_some() {
            e.insert(f.into(), s(&now));
        }
    }
    match resource.name {
        "customers" => {
            e.insert("secure_key".into(), s(format!("{:032x}", st.clock_ms)));
            e.insert(
                "passwd".into(),
                s("$2y$10$hashedhashedhashedhashedhashedhashedhashedhashedhashe"),
            );
            e.insert("last_passwd_gen".into(), s(&now));
            Ok(st.insert("customers", e))
        }
        "orders" => place_order(st, e),
        "order_histories" => {
            let order = num(&e, "id_order");
            let state = num(&e, "id_order_state");
            if st.get("orders", order).is_none() {
                return Err(invalid(resource, "id_order"));
            }
            st.change_state(order, state, num(&e, "id_employee"))
                .ok_or_else(|| invalid(resource, "id_order_state"))
        }
        "stock_availables" => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            101,
            format!(
                "Method POST is not allowed for the resource {}",
                resource.name
            ),
        )),
        name => Ok(st.insert(name_static(name), e)),
    }
}

fn name_static(name: &str) -> &'static str {
    super::schema::resource(name).map_or("unknown", |r| r.name)
}

/// Saves a PUT (the whole object, as read by `read_entity`).
pub(crate) fn update(
    st: &mut State,
    resource: &Resource,
    id: u64,
    mut e: Entity,
) -> Result<(), ApiError> {
    validate(st, resource, &e)?;
    let now = st.tick();
    if resource.field("date_upd").is_some() {
        e.insert("date_upd".into(), s(&now));
    }
    e.insert("id".into(), s(id));
    let product = num(&e, "id_product");
    let stock = resource.name == "stock_availables";
    if let Some(slot) = st.get_mut(resource.name, id) {
        *slot = e;
    }
    if stock {
        st.sync_product_stock(product);
    }
    Ok(())
}

fn refuse(message: String) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, 0, message)
}

/// `Order::addWs`: the payment module validates the cart as an order in the web service
/// payment state (`PS_OS_WS_PAYMENT`), or "Payment error" when `total_paid` is not the cart's
/// total; the given totals and `current_state` are not kept.
fn place_order(st: &mut State, e: Entity) -> Result<u64, ApiError> {
    let module = text(&e, "module");
    if !PAYMENT_MODULES.contains(&module.as_str()) {
        return Err(refuse(format!(
            "Call to a member function validateOrder() on bool (module \"{module}\" is not an installed payment module)"
        )));
    }
    let cart_id = num(&e, "id_cart");
    let cart = st.get("carts", cart_id).cloned().ok_or_else(|| {
        refuse("Cart cannot be loaded or an order has already been placed using this cart".into())
    })?;
    if st.all("orders").any(|o| num(o, "id_cart") == cart_id) {
        return Err(refuse(
            "Cart cannot be loaded or an order has already been placed using this cart".into(),
        ));
    }
    let customer = st
        .get("customers", num(&cart, "id_customer"))
        .cloned()
        .ok_or_else(|| {
            refuse(
                "Cart cannot be loaded or an order has already been placed using this cart".into(),
            )
        })?;
    let mut order_rows = Vec::new();
    let mut products = Decimal::ZERO;
    let mut short = false;
    for r in rows(&cart, "cart_rows") {
        let get = |k: &str| {
            r.get(k)
                .and_then(Value::as_str)
                .unwrap_or("0")
                .parse::<u64>()
                .unwrap_or(0)
        };
        let (pid, aid, qty) = (
            get("id_product"),
            get("id_product_attribute"),
            get("quantity"),
        );
        let Some(p) = st.get("products", pid).cloned() else {
            // Cart::getProducts() leaves out what no longer exists: nothing to order.
            continue;
        };
        let combination = (aid != 0)
            .then(|| st.get("combinations", aid).cloned())
            .flatten();
        if aid != 0
            && combination
                .as_ref()
                .is_none_or(|c| num(c, "id_product") != pid)
        {
            continue;
        }
        let unit = dec(&p, "price")
            + combination
                .as_ref()
                .map_or(Decimal::ZERO, |c| dec(c, "price"));
        let reference = combination
            .as_ref()
            .map_or_else(|| text(&p, "reference"), |c| text(c, "reference"));
        products += unit * Decimal::from(qty);
        let available: i64 = st
            .stock_id(pid, aid)
            .and_then(|sid| st.get("stock_availables", sid))
            .map_or(0, |r| text(r, "quantity").parse().unwrap_or(0));
        if available < i64::try_from(qty).unwrap_or(i64::MAX) {
            short = true;
        }
        order_rows.push(json!({
            "id": (order_rows.len() + 1).to_string(),
            "product_id": pid.to_string(),
            "product_attribute_id": aid.to_string(),
            "product_quantity": qty.to_string(),
            "product_name": text(&p, "name"),
            "product_reference": reference,
            "product_ean13": "", "product_isbn": "", "product_upc": "", "product_mpn": "",
            "product_price": format!("{:.6}", unit),
            "id_customization": "0",
            "unit_price_tax_incl": format!("{:.6}", unit),
            "unit_price_tax_excl": format!("{:.6}", unit),
        }));
    }
    if order_rows.is_empty() {
        return Err(refuse(
            "Cart cannot be loaded or an order has already been placed using this cart".into(),
        ));
    }
    let carrier = num(&cart, "id_carrier");
    let shipping = match st.get("carriers", carrier) {
        Some(c) if text(c, "is_free") == "1" => Decimal::ZERO,
        Some(_) => MY_CARRIER_PRICE,
        None => return Err(refuse("Carrier is not valid".into())),
    };
    let total = (products + shipping).round_dp(2);
    let paid = dec(&e, "total_paid").round_dp(2);
    let state = if paid != total {
        st.state_by_template(PAYMENT_ERROR)
    } else if short {
        st.state_by_template(OUT_OF_STOCK_PAID)
    } else {
        // PS_OS_WS_PAYMENT: "Remote payment accepted" (the last state with the template).
        st.all("order_states")
            .filter(|o| text(o, "template") == REMOTE_PAYMENT)
            .map(|o| num(o, "id"))
            .max()
            .unwrap_or(0)
    };
    let now = st.tick();
    let reference = st.reference();
    let money = |d: Decimal| format!("{:.6}", d);
    let mut order = e.clone();
    for (k, v) in [
        ("id_address_delivery", text(&cart, "id_address_delivery")),
        ("id_address_invoice", text(&cart, "id_address_invoice")),
        ("id_currency", text(&cart, "id_currency")),
        ("id_lang", text(&cart, "id_lang")),
        ("id_customer", text(&cart, "id_customer")),
        ("id_carrier", carrier.to_string()),
        ("current_state", "0".into()),
        ("secure_key", text(&customer, "secure_key")),
        ("id_shop_group", "1".into()),
        ("id_shop", "1".into()),
        ("valid", "0".into()),
        ("total_discounts", money(Decimal::ZERO)),
        ("total_discounts_tax_incl", money(Decimal::ZERO)),
        ("total_discounts_tax_excl", money(Decimal::ZERO)),
        ("total_paid", money(total)),
        ("total_paid_tax_incl", money(total)),
        ("total_paid_tax_excl", money(total)),
        ("total_paid_real", money(paid)),
        ("total_products", money(products)),
        ("total_products_wt", money(products)),
        ("total_shipping", money(shipping)),
        ("total_shipping_tax_incl", money(shipping)),
        ("total_shipping_tax_excl", money(shipping)),
        ("carrier_tax_rate", "0.000".into()),
        ("conversion_rate", "1.000000".into()),
        ("reference", reference),
        ("date_add", now.clone()),
        ("date_upd", now.clone()),
        ("invoice_number", "0".into()),
        ("delivery_number", "0".into()),
        ("shipping_number", String::new()),
        ("round_mode", "2".into()),
        ("round_type", "2".into()),
    ] {
        order.insert(k.into(), s(v));
    }
    order.insert("associations".into(), json!({"order_rows": order_rows}));
    let id = st.insert("orders", order);
    for r in &order_rows {
        let get = |k: &str| r[k].as_str().unwrap_or("0").parse::<u64>().unwrap_or(0);
        let qty = i64::try_from(get("product_quantity")).unwrap_or(0);
        st.move_stock(get("product_id"), get("product_attribute_id"), -qty);
    }
    st.insert(
        "order_carriers",
        [
            ("id_order", id.to_string()),
            ("id_carrier", carrier.to_string()),
            ("id_order_invoice", "0".into()),
            ("weight", "0.000000".into()),
            ("shipping_cost_tax_excl", money(shipping)),
            ("shipping_cost_tax_incl", money(shipping)),
            ("tracking_number", String::new()),
            ("date_add", now),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), s(v)))
        .collect(),
    );
    st.change_state(id, state, 0);
    Ok(id)
}

/// The merchant cancels (or refunds) in the back office: a state change by employee 1.
pub(crate) fn merchant_state(st: &mut State, order: u64, template: &str) -> Result<(), String> {
    let state = st.state_by_template(template);
    if st.get("orders", order).is_none() {
        return Err(format!("no order {order}"));
    }
    let current = num(
        st.get("orders", order).unwrap_or(&Entity::new()),
        "current_state",
    );
    if template == CANCELED && current == state {
        return Err("the order is already cancelled".into());
    }
    st.change_state(order, state, 1)
        .map(|_| ())
        .ok_or_else(|| "no such state".into())
}
