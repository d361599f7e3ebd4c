//! The order side: the cart → order flow exactly once, finding an order again by its TikTok
//! id, changed orders and their order carriers, cancelling, shipping with tracking, and
//! private messages (PrestaShop's stand-in for tags and notes).

use super::catalog::Located;
use super::wire::{
    self, ALIAS_PREFIX, MESSAGE_PREFIX, OrderState, document, field, id_field, need_id, rows,
};
use super::{PAGE_SIZE, PrestaShopClient, one_of};
use crate::connector::{
    Address, ConnectorError, ConnectorResult, InventoryBehaviour, NewStoreFulfilment,
    NewStoreOrder, Page, ShipmentProgress, StoreFulfilment, StoreOrderRef, StoreOrderUpdate,
};
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// How far before `since` a poll reads when the shop is not on UTC (the largest UTC offset).
const ZONE_MARGIN: Duration = Duration::from_secs(14 * 3600);

pub(super) fn alias(tiktok_order_id: &str) -> String {
    format!("{ALIAS_PREFIX}{tiktok_order_id}")
}

/// The TikTok id in an address alias, if it is one of ours.
fn id_in_alias(alias: &str) -> Option<String> {
    alias
        .strip_prefix(ALIAS_PREFIX)
        .map(str::trim)
        .filter(|id| {
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_owned)
}

/// `isCustomerName` / `isName`: no digits and none of `!<>,;?=+()/\@#"°*`{}_^$%:¤[]|.`.
fn clean_name(name: &str, fallback: &str) -> String {
    let kept: String = name
        .chars()
        .filter(|c| !c.is_ascii_digit() && !"!<>,;?=+()/\\@#\"°*`{}_^$%:¤[]|.。".contains(*c))
        .collect();
    let kept = kept.trim();
    if kept.is_empty() {
        fallback.to_owned()
    } else {
        kept.chars().take(255).collect()
    }
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "-".into()
    } else {
        s.trim().to_owned()
    }
}

fn reference(order: &Value) -> StoreOrderRef {
    StoreOrderRef {
        id: id_field(order, "id").to_string(),
        name: field(order, "reference"),
        total: field(order, "total_paid").trim().parse().ok(),
    }
}

pub(super) fn rejected(reason: String) -> ConnectorError {
    ConnectorError::Rejected {
        reason,
        raw: String::new(),
    }
}

/// The state a template names (the last of several: the webservice's own comes last).
pub(super) fn state_by<'a>(
    states: &'a [OrderState],
    what: &str,
    test: impl Fn(&OrderState) -> bool,
) -> ConnectorResult<&'a OrderState> {
    states.iter().filter(|s| test(s)).last().ok_or_else(|| {
        rejected(format!("PrestaShop has no \"{what}\" order state (Orders > Statuses); feedbridge finds states by their template and flags"))
    })
}

fn is_cancelled(states: &[OrderState], state: u64) -> bool {
    states
        .iter()
        .any(|s| s.id == state && matches!(s.template.as_str(), "order_canceled" | "refund"))
}

pub(super) fn is_refunded(states: &[OrderState], state: u64) -> bool {
    states
        .iter()
        .any(|s| s.id == state && s.template == "refund")
}

impl PrestaShopClient {
    async fn address_ids(&self, tiktok_order_id: &str) -> ConnectorResult<Vec<u64>> {
        Ok(self
            .list(
                "addresses",
                &[
                    ("display", "[id,alias]".into()),
                    ("filter[alias]", format!("[{}]", alias(tiktok_order_id))),
                ],
            )
            .await?
            .iter()
            .filter(|a| field(a, "alias") == alias(tiktok_order_id))
            .map(|a| id_field(a, "id"))
            .collect())
    }

    /// The order delivered to an address aliased "TikTok {id}", else one whose private message
    /// names the id.
    pub(super) async fn find(
        &self,
        tiktok_order_id: &str,
    ) -> ConnectorResult<Option<StoreOrderRef>> {
        let addresses = self.address_ids(tiktok_order_id).await?;
        if !addresses.is_empty() {
            let orders = self
                .by_ids("orders", "id_address_delivery", &addresses)
                .await?;
            if let Some(o) = orders.iter().min_by_key(|o| id_field(o, "id")) {
                return Ok(Some(reference(o)));
            }
        }
        let wanted = format!("{MESSAGE_PREFIX}{tiktok_order_id}");
        let messages = self
            .list(
                "messages",
                &[
                    ("display", "[id,id_order,message]".into()),
                    ("filter[message]", format!("[{wanted}]%")),
                ],
            )
            .await?;
        for m in messages {
            let text = field(&m, "message");
            let after = text.strip_prefix(&wanted).unwrap_or("x");
            if after.starts_with(|c: char| c.is_ascii_alphanumeric()) {
                continue;
            }
            let id = id_field(&m, "id_order");
            if let Some(o) = self.one("orders", "order", id).await? {
                return Ok(Some(reference(&o)));
            }
        }
        Ok(None)
    }

    async fn customer_for(
        &self,
        email: &str,
        address: &Address,
        lang: u64,
    ) -> ConnectorResult<u64> {
        let found = self
            .list(
                "customers",
                &[
                    ("display", "[id,email]".into()),
                    ("filter[email]", format!("[{email}]")),
                ],
            )
            .await?;
        if let Some(c) = found
            .iter()
            .find(|c| field(c, "email").eq_ignore_ascii_case(email))
        {
            return need_id(c, "customer");
        }
        let password = uuid::Uuid::new_v4().simple().to_string();
        let c = self
            .save(
                Method::POST,
                "customers",
                "customer",
                document(
                    "customer",
                    &[
                        ("id_default_group", "2".into()),
                        ("id_lang", lang.to_string()),
                        ("passwd", password),
                        ("lastname", clean_name(&address.last_name, "Buyer")),
                        ("firstname", clean_name(&address.first_name, "TikTok")),
                        ("email", email.to_owned()),
                        ("is_guest", "1".into()),
                        ("active", "1".into()),
                        ("newsletter", "0".into()),
                        ("optin", "0".into()),
                        ("note", "TikTok Shop buyer (feedbridge)".into()),
                    ],
                    "",
                ),
            )
            .await?;
        need_id(&c, "customer")
    }

    async fn country_and_state(&self, a: &Address, fallback: u64) -> ConnectorResult<(u64, u64)> {
        let iso = a.country_code.trim().to_ascii_uppercase();
        let country = if iso.len() == 2 {
            self.list(
                "countries",
                &[
                    ("display", "[id,iso_code,contains_states]".into()),
                    ("filter[iso_code]", format!("[{iso}]")),
                ],
            )
            .await?
            .into_iter()
            .next()
        } else {
            None
        };
        let Some(country) = country else {
            return if fallback == 0 {
                Err(rejected(format!(
                    "PrestaShop has no country with ISO code \"{iso}\"; add it under International > Locations > Countries"
                )))
            } else {
                Ok((fallback, 0))
            };
        };
        let id = need_id(&country, "country")?;
        if field(&country, "contains_states") != "1" || a.province.trim().is_empty() {
            return Ok((id, 0));
        }
        let states = self
            .list(
                "states",
                &[
                    ("display", "[id,iso_code,name]".into()),
                    ("filter[id_country]", format!("[{id}]")),
                ],
            )
            .await?;
        let province = a.province.trim();
        let state = states
            .iter()
            .find(|s| {
                field(s, "iso_code").eq_ignore_ascii_case(province)
                    || field(s, "name").eq_ignore_ascii_case(province)
            })
            .map_or(0, |s| id_field(s, "id"));
        Ok((id, state))
    }

    /// Creates the order through customer, address, cart and the payment module.
    pub(super) async fn place(&self, order: &NewStoreOrder) -> ConnectorResult<StoreOrderRef> {
        let subject = format!("TikTok order {}", order.tiktok_order_id);
        let address = order.address.as_ref().ok_or_else(|| {
            rejected(format!(
                "{subject} has no shipping address; PrestaShop needs one to create an order"
            ))
        })?;
        if order.lines.is_empty() {
            return Err(rejected(format!("{subject} has no lines to order")));
        }
        if alias(&order.tiktok_order_id).chars().count() > 32 {
            return Err(rejected(format!(
                "{subject}: the id is too long for a PrestaShop address alias (32 characters)"
            )));
        }
        let setup = self.cached_setup().await?;
        if !order.currency.trim().eq_ignore_ascii_case(&setup.currency) {
            return Err(rejected(format!(
                "{subject} is in {} but the PrestaShop shop's default currency is {}; make {} the default currency under International > Localization > Currencies, or connect a shop that sells in it",
                order.currency, setup.currency, order.currency
            )));
        }
        let skus: Vec<String> = order.lines.iter().map(|l| l.variant_id.clone()).collect();
        let located = self.locate(&skus).await?;
        let mut lines: Vec<(Located, u32)> = Vec::new();
        for line in &order.lines {
            let at = located.get(&line.variant_id).ok_or_else(|| ConnectorError::Rejected {
                reason: format!(
                    "SKU {} no longer exists in PrestaShop (the product was deleted or its Reference changed under Catalog > Products), so {subject} cannot be created",
                    line.variant_id
                ),
                raw: format!("no combination or product with reference {}", line.variant_id),
            })?;
            lines.push((*at, line.quantity));
        }
        let states = self.order_states().await?;
        let email = order
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| e.contains('@') && !e.contains(' '))
            .map_or_else(
                || format!("tiktok-{}@example.com", order.tiktok_order_id),
                str::to_owned,
            );
        let customer = self.customer_for(&email, address, setup.lang).await?;
        // An address left by an attempt that stopped before the order is reused.
        let address_id = match self.address_ids(&order.tiktok_order_id).await?.first() {
            Some(id) => *id,
            None => {
                let (country, state) = self.country_and_state(address, setup.country).await?;
                let a = self
                    .save(
                        Method::POST,
                        "addresses",
                        "address",
                        document(
                            "address",
                            &[
                                ("id_customer", customer.to_string()),
                                ("id_country", country.to_string()),
                                ("id_state", state.to_string()),
                                ("alias", alias(&order.tiktok_order_id)),
                                ("lastname", clean_name(&address.last_name, "Buyer")),
                                ("firstname", clean_name(&address.first_name, "TikTok")),
                                ("address1", or_dash(&address.address1)),
                                ("address2", address.address2.trim().to_owned()),
                                ("postcode", address.zip.trim().to_owned()),
                                ("city", or_dash(&address.city)),
                                (
                                    "phone",
                                    address
                                        .phone
                                        .trim()
                                        .chars()
                                        .filter(|c| c.is_ascii_digit() || "+-. ()".contains(*c))
                                        .collect(),
                                ),
                            ],
                            "",
                        ),
                    )
                    .await?;
                need_id(&a, "address")?
            }
        };
        let mut cart_rows = String::from("<associations>\n<cart_rows>\n");
        for (at, qty) in &lines {
            cart_rows.push_str(&format!(
                "<cart_row><id_product>{}</id_product><id_product_attribute>{}</id_product_attribute><id_address_delivery>{address_id}</id_address_delivery><quantity>{qty}</quantity></cart_row>\n",
                at.product, at.combination
            ));
        }
        cart_rows.push_str("</cart_rows>\n</associations>\n");
        let cart = self
            .save(
                Method::POST,
                "carts",
                "cart",
                document(
                    "cart",
                    &[
                        ("id_address_delivery", address_id.to_string()),
                        ("id_address_invoice", address_id.to_string()),
                        ("id_currency", setup.currency_id.to_string()),
                        ("id_customer", customer.to_string()),
                        ("id_lang", setup.lang.to_string()),
                        ("id_carrier", setup.carrier.to_string()),
                    ],
                    &cart_rows,
                ),
            )
            .await?;
        let cart = need_id(&cart, "cart")?;
        let goods: Decimal = order
            .lines
            .iter()
            .map(|l| l.unit_price * Decimal::from(l.quantity))
            .sum();
        let money = |d: Decimal| format!("{:.2}", d.round_dp(2));
        let created = self
            .save(
                Method::POST,
                "orders",
                "order",
                document(
                    "order",
                    &[
                        ("id_address_delivery", address_id.to_string()),
                        ("id_address_invoice", address_id.to_string()),
                        ("id_cart", cart.to_string()),
                        ("id_currency", setup.currency_id.to_string()),
                        ("id_lang", setup.lang.to_string()),
                        ("id_customer", customer.to_string()),
                        ("id_carrier", setup.carrier.to_string()),
                        ("module", self.settings.payment_module.clone()),
                        ("payment", self.settings.payment_label.clone()),
                        ("total_paid", money(order.total)),
                        ("total_paid_real", money(order.total)),
                        ("total_products", money(goods)),
                        ("total_products_wt", money(goods)),
                        ("total_shipping", money(order.shipping_fee)),
                        ("total_discounts", money(order.discount)),
                        ("conversion_rate", "1".into()),
                    ],
                    "",
                ),
            )
            .await?;
        let id = need_id(&created, "order")?;
        tracing::info!(platform = "prestashop", tiktok_order_id = %order.tiktok_order_id, order_id = id, "Store order created.");
        // The order exists now: nothing below may make the caller create it again, so failures
        // are logged (the delivery address alias already marks the order as ours).
        let current = id_field(&created, "current_state");
        if states
            .iter()
            .any(|s| s.id == current && s.template == "payment_error")
        {
            let paid = states
                .iter()
                .filter(|s| s.template == "payment" && s.paid)
                .max_by_key(|s| (s.name.contains("Remote"), s.id));
            if let Some(paid) = paid
                && let Err(error) = self.set_state(id, paid.id).await
            {
                tracing::warn!(platform = "prestashop", order_id = id, %error, "Could not move the new order out of \"Payment error\".");
            }
        }
        let text = creation_message(order, field(&created, "total_paid").trim().parse().ok());
        if let Err(error) = self.message(id, &text).await {
            tracing::warn!(platform = "prestashop", order_id = id, %error, "Could not add the TikTok message to the new order.");
        }
        if order.inventory == InventoryBehaviour::Bypass {
            for (at, qty) in &lines {
                if let Err(error) = self.move_stock(*at, i64::from(*qty)).await {
                    tracing::warn!(platform = "prestashop", order_id = id, %error, "Could not put back the stock of an order that must leave stock alone.");
                }
            }
        }
        Ok(reference(&created))
    }

    pub(super) async fn set_state(&self, order: u64, state: u64) -> ConnectorResult<()> {
        let _ = self
            .save(
                Method::POST,
                "order_histories",
                "order_history",
                document(
                    "order_history",
                    &[
                        ("id_order", order.to_string()),
                        ("id_order_state", state.to_string()),
                    ],
                    "",
                ),
            )
            .await?;
        Ok(())
    }

    /// A private message on the order (PrestaShop's customer service messages).
    pub(super) async fn message(&self, order: u64, text: &str) -> ConnectorResult<()> {
        let o = self.one("orders", "order", order).await?.ok_or_else(|| {
            rejected(format!(
                "PrestaShop has no order {order}; it may have been deleted"
            ))
        })?;
        self.message_on(&o, text).await
    }

    /// A private message on an order already read.
    pub(super) async fn message_on(&self, o: &Value, text: &str) -> ConnectorResult<()> {
        let order = need_id(o, "order")?;
        let text: String = text.chars().take(1600).collect();
        let _ = self
            .save(
                Method::POST,
                "messages",
                "message",
                document(
                    "message",
                    &[
                        ("id_order", order.to_string()),
                        ("id_cart", field(o, "id_cart")),
                        ("id_customer", field(o, "id_customer")),
                        ("message", text),
                        ("private", "1".into()),
                    ],
                    "",
                ),
            )
            .await?;
        Ok(())
    }

    /// Order carriers with a tracking number, by order, as fulfilments.
    pub(super) async fn carriers_of(
        &self,
        orders: &[u64],
    ) -> ConnectorResult<HashMap<u64, Vec<StoreFulfilment>>> {
        let mut out: HashMap<u64, Vec<StoreFulfilment>> = HashMap::new();
        if orders.is_empty() {
            return Ok(out);
        }
        let carriers = self.by_ids("order_carriers", "id_order", orders).await?;
        let tracked: Vec<&Value> = carriers
            .iter()
            .filter(|c| !field(c, "tracking_number").trim().is_empty())
            .collect();
        let mut carrier_ids: Vec<u64> = tracked.iter().map(|c| id_field(c, "id_carrier")).collect();
        carrier_ids.sort_unstable();
        carrier_ids.dedup();
        let names: HashMap<u64, String> = self
            .by_ids("carriers", "id", &carrier_ids)
            .await?
            .iter()
            .map(|c| (id_field(c, "id"), field(c, "name")))
            .collect();
        for c in tracked {
            out.entry(id_field(c, "id_order"))
                .or_default()
                .push(StoreFulfilment {
                    id: id_field(c, "id").to_string(),
                    tracking_number: Some(field(c, "tracking_number").trim().to_owned()),
                    carrier: names
                        .get(&id_field(c, "id_carrier"))
                        .cloned()
                        .filter(|n| !n.is_empty()),
                    lines: Vec::new(),
                });
        }
        Ok(out)
    }

    /// The TikTok ids of orders, from their delivery addresses.
    async fn tiktok_ids(&self, orders: &[Value]) -> ConnectorResult<HashMap<u64, String>> {
        let mut ids: Vec<u64> = orders
            .iter()
            .map(|o| id_field(o, "id_address_delivery"))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(self
            .by_ids("addresses", "id", &ids)
            .await?
            .iter()
            .filter_map(|a| Some((id_field(a, "id"), id_in_alias(&field(a, "alias"))?)))
            .collect())
    }

    async fn updates(&self, orders: &[Value]) -> ConnectorResult<Vec<StoreOrderUpdate>> {
        let states = self.order_states().await?;
        let tiktok = self.tiktok_ids(orders).await?;
        let ours: Vec<(&Value, String)> = orders
            .iter()
            .filter_map(|o| Some((o, tiktok.get(&id_field(o, "id_address_delivery"))?.clone())))
            .collect();
        let ids: Vec<u64> = ours.iter().map(|(o, _)| id_field(o, "id")).collect();
        let mut carriers = self.carriers_of(&ids).await?;
        Ok(ours
            .into_iter()
            .map(|(o, tiktok_id)| {
                let id = id_field(o, "id");
                StoreOrderUpdate {
                    id: id.to_string(),
                    name: field(o, "reference"),
                    updated_at: wire::iso(&field(o, "date_upd")),
                    tiktok_order_id: Some(tiktok_id),
                    cancelled: is_cancelled(&states, id_field(o, "current_state")),
                    refunded: is_refunded(&states, id_field(o, "current_state")),
                    fulfilments: carriers.remove(&id).unwrap_or_default(),
                }
            })
            .collect())
    }

    pub(super) async fn updated_since(
        &self,
        since: &str,
        offset: usize,
    ) -> ConnectorResult<Page<StoreOrderUpdate>> {
        let from = wire::parse_iso(since).ok_or_else(|| {
            rejected(format!(
                "{since} is not an ISO-8601 UTC time; this is a feedbridge bug"
            ))
        })?;
        let setup = self.cached_setup().await?;
        let from = if setup.utc { from } else { from - ZONE_MARGIN };
        let to = self.clock.now() + Duration::from_secs(2 * 86_400);
        let orders = self
            .list(
                "orders",
                &[
                    ("display", "full".into()),
                    ("date", "1".into()),
                    (
                        "filter[date_upd]",
                        format!("[{},{}]", wire::ps_text(from), wire::ps_text(to)),
                    ),
                    ("sort", "[date_upd_ASC,id_ASC]".into()),
                    ("limit", format!("{offset},{PAGE_SIZE}")),
                ],
            )
            .await?;
        let next = (orders.len() == PAGE_SIZE).then(|| (offset + PAGE_SIZE).to_string());
        Ok(Page {
            items: self.updates(&orders).await?,
            next,
        })
    }

    pub(super) async fn update_of(&self, id: u64) -> ConnectorResult<Option<StoreOrderUpdate>> {
        let Some(order) = self.one("orders", "order", id).await? else {
            return Ok(None);
        };
        Ok(self.updates(&[order]).await?.pop())
    }

    pub(super) async fn cancel(&self, id: u64, restock: bool) -> ConnectorResult<()> {
        let order = self.one("orders", "order", id).await?.ok_or_else(|| {
            rejected(format!(
                "PrestaShop has no order {id}; it may have been deleted"
            ))
        })?;
        let states = self.order_states().await?;
        let current = id_field(&order, "current_state");
        if is_cancelled(&states, current) {
            return Ok(());
        }
        let cancelled = state_by(&states, "Canceled", |s| s.template == "order_canceled")?.id;
        let was_logable = states.iter().any(|s| s.id == current && s.logable);
        self.set_state(id, cancelled).await?;
        // PrestaShop put the units back on leaving a logable state; without restock they go again.
        if was_logable && !restock {
            for r in rows(&order, "order_rows") {
                let at = Located {
                    product: id_field(r, "product_id"),
                    combination: id_field(r, "product_attribute_id"),
                };
                let qty: i64 = field(r, "product_quantity").trim().parse().unwrap_or(0);
                self.move_stock(at, -qty).await?;
            }
        }
        self.message(id, "Cancelled on TikTok Shop (feedbridge).")
            .await
    }

    pub(super) async fn ship(
        &self,
        id: u64,
        fulfilment: &NewStoreFulfilment,
    ) -> ConnectorResult<String> {
        let carriers = self
            .list(
                "order_carriers",
                &[
                    ("display", "full".into()),
                    ("filter[id_order]", one_of(&[id])),
                ],
            )
            .await?;
        // A repeat whose answer was lost finds the first one.
        if let Some(done) = carriers
            .iter()
            .find(|c| field(c, "tracking_number").trim() == fulfilment.tracking_number)
        {
            return Ok(id_field(done, "id").to_string());
        }
        let named = self
            .list(
                "carriers",
                &[
                    ("display", "[id,name]".into()),
                    ("filter[name]", format!("[{}]", fulfilment.carrier)),
                    ("filter[deleted]", "[0]".into()),
                ],
            )
            .await?
            .first()
            .map(|c| id_field(c, "id"));
        let target = carriers
            .iter()
            .find(|c| field(c, "tracking_number").trim().is_empty());
        let saved = match target {
            Some(c) => {
                let oc = need_id(c, "order_carrier")?;
                let mut fields = wire::fields_of(c);
                for (k, v) in &mut fields {
                    match k.as_str() {
                        "tracking_number" => v.clone_from(&fulfilment.tracking_number),
                        "id_carrier" => {
                            if let Some(n) = named {
                                *v = n.to_string();
                            }
                        }
                        _ => {}
                    }
                }
                let fields: Vec<(&str, String)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                self.save(
                    Method::PUT,
                    &format!("order_carriers/{oc}"),
                    "order_carrier",
                    document("order_carrier", &fields, ""),
                )
                .await?
            }
            None => {
                let order = self.one("orders", "order", id).await?.ok_or_else(|| {
                    rejected(format!(
                        "PrestaShop has no order {id}; it may have been deleted"
                    ))
                })?;
                let carrier = named.unwrap_or_else(|| id_field(&order, "id_carrier"));
                self.save(
                    Method::POST,
                    "order_carriers",
                    "order_carrier",
                    document(
                        "order_carrier",
                        &[
                            ("id_order", id.to_string()),
                            ("id_carrier", carrier.to_string()),
                            ("tracking_number", fulfilment.tracking_number.clone()),
                        ],
                        "",
                    ),
                )
                .await?
            }
        };
        let states = self.order_states().await?;
        let order = self.one("orders", "order", id).await?;
        let current = order.as_ref().map_or(0, |o| id_field(o, "current_state"));
        if !states.iter().any(|s| s.id == current && s.shipped) {
            let shipped = state_by(&states, "Shipped", |s| {
                s.template == "shipped" || (s.shipped && !s.delivery)
            })?
            .id;
            self.set_state(id, shipped).await?;
        }
        Ok(need_id(&saved, "order_carrier")?.to_string())
    }

    pub(super) async fn progress(
        &self,
        order_carrier: u64,
        progress: ShipmentProgress,
    ) -> ConnectorResult<()> {
        if progress == ShipmentProgress::InTransit {
            return Ok(());
        }
        let oc = self
            .one("order_carriers", "order_carrier", order_carrier)
            .await?
            .ok_or_else(|| {
                rejected(format!(
                    "PrestaShop has no order carrier {order_carrier}; it may have been deleted"
                ))
            })?;
        let order = id_field(&oc, "id_order");
        let states = self.order_states().await?;
        let current = self
            .one("orders", "order", order)
            .await?
            .map_or(0, |o| id_field(&o, "current_state"));
        if states.iter().any(|s| s.id == current && s.delivery) {
            return Ok(());
        }
        let delivered = state_by(&states, "Delivered", |s| s.delivery)?.id;
        self.set_state(order, delivered).await
    }
}

/// The first message of an order: the marker, the sync's note, TikTok's amounts (PrestaShop
/// prices the order itself) and tags.
fn creation_message(order: &NewStoreOrder, ps_total: Option<Decimal>) -> String {
    let mark = format!("{MESSAGE_PREFIX}{}", order.tiktok_order_id);
    let mut lines = vec![mark.clone()];
    if !order.note.trim().is_empty() && order.note.trim() != mark {
        lines.push(order.note.trim().to_owned());
    }
    lines.push(format!(
        "TikTok total {} {} (discount {}, shipping {}, tax {}); PrestaShop total {}.",
        order.total,
        order.currency,
        order.discount,
        order.shipping_fee,
        order.tax,
        ps_total.map_or_else(|| "unknown".to_owned(), |t| t.to_string()),
    ));
    if !order.tags.is_empty() {
        lines.push(format!("TikTok Shop tags: {}.", order.tags.join(", ")));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_carry_the_tiktok_id() {
        assert_eq!(alias("576"), "TikTok 576");
        assert_eq!(id_in_alias("TikTok 576").as_deref(), Some("576"));
        assert_eq!(id_in_alias("Home"), None);
        assert_eq!(id_in_alias("TikTok "), None);
    }

    #[test]
    fn names_lose_what_prestashop_refuses() {
        assert_eq!(clean_name("J*** D.", "x"), "J D");
        assert_eq!(clean_name("***", "TikTok"), "TikTok");
        assert_eq!(clean_name("Zoë", "x"), "Zoë");
    }
}
