//! PrestaShop 1.7 / 8 Webservice client (`{base}/api/{resource}`), per
//! `shared/api/prestashop.md` and PrestaShop's `WebserviceRequest`.
//!
//! **Authentication.** A webservice key (Advanced Parameters > Webservice), sent as the HTTP
//! Basic user with an empty password. PrestaShop answers a bad key with 401 and its codes
//! 16–21, a resource the key may not use with 401 code 26, a method it may not use with 405
//! code 25, a disabled webservice with 503 code 22: each becomes `Unauthorized` naming the
//! screen to fix.
//!
//! **Formats.** Reads ask for JSON (`output_format=JSON`): scalars are strings, `id` a number,
//! an empty list `[]` instead of `{"products": []}`. Writes are XML (`<prestashop><order>...`),
//! the only input the webservice takes; their answers come back as JSON too. A PUT replaces
//! the whole object, so updates read the object first and send it back changed.
//!
//! **Ids.** A product is its id; a variant is its SKU (PrestaShop's `reference`: a
//! combination's, or the product's own when it has no combinations), and so is its
//! `inventory_item_id`. Price = the product's `price` + the combination's `price` impact (tax
//! excluded: the shop's tax rules are not applied). Stock = the `stock_availables` row of the
//! combination (or of the product, `id_product_attribute` 0). One location, `"shop"`.
//!
//! **Paging.** `limit=offset,count` (100); PrestaShop sends no total, so the cursor is the
//! next offset, given while a page comes back full.
//!
//! **Time.** Dates are the shop's local time (`PS_TIMEZONE`) without a zone. A shop on UTC is
//! read exactly; for any other zone the `date_upd` window of a poll starts 14 hours earlier
//! (the largest offset there is), so no change is missed, and the dates reported are the
//! shop's as if UTC.
//!
//! **Creating an order exactly once.** The cart → order flow: a guest customer per buyer
//! email (reused), a delivery address whose `alias` is "TikTok {order id}" (PrestaShop's
//! `alias` is searchable and 32 characters long), a cart with the lines (combinations found by
//! `reference`), the shop's default carrier and language, then `POST /api/orders` with the
//! payment module (`ps_wirepayment`) and the label "TikTok Shop". PrestaShop generates the
//! order `reference` itself (9 letters), so the TikTok id cannot be the order number: it is
//! the delivery address alias (written before the order, which is created with it in one
//! call), and a private message "TikTok Shop order {id}" written after. [`Storefront::find_order`]
//! looks the alias up (`filter[alias]`) and the orders delivered to it (`filter[id_address_delivery]`);
//! a crash after the address and before the order leaves an address with no order, which the
//! next attempt reuses. PrestaShop prices the order from its catalog and carrier
//! (`PaymentModule::validateOrder`); when `total_paid` (TikTok's total) differs it puts the
//! order in "Payment error": the connector then moves it to the paid state the webservice uses
//! ("Remote payment accepted", or "Payment accepted"), since TikTok took the payment, and the
//! message records TikTok's amounts.
//!
//! **States.** Read from `/api/order_states` (ids differ per shop), matched by `template`
//! (`order_canceled`, `refund`, `payment_error`, `payment`, `shipped`) and flags, never by id.
//! Cancelled = the current state is the cancelled or refunded one (`refund_cancels`).
//! Changes are `POST /api/order_histories` (the hooks and restocks run).
//!
//! **Refunds** (TikTok refunded the buyer, [`Storefront::refund_order`]): the Refunded state,
//! then with restock each line's units back on its stock row, exactly once through a record of
//! private messages (the `refund` module says why not a credit slip).
//!
//! **Facts** for attribute rules: features as fields named by the feature, the brand as the
//! vendor, tags (the `facts` module).
//!
//! **Tracking.** `order_carriers` (one per order): `tracking_number` and the carrier's name.
//! Shipping from TikTok PUTs the tracking number, then the "Shipped" state.
//!
//! **Change detection.** No webhooks in core PrestaShop: [`Storefront::register_webhooks`]
//! does nothing; orders are polled by `date_upd` (`filter[date_upd]=[from,to]&date=1`).

mod catalog;
mod facts;
mod orders;
mod platform;
mod refund;
mod wire;

use super::http::{self, Platform};
use super::{
    ConnectorError, ConnectorResult, ItemLevels, NewStoreFulfilment, NewStoreOrder, Page,
    ShipmentProgress, StoreFulfilment, StoreInfo, StoreOrderRef, StoreOrderUpdate, StoreProduct,
    StoreUnits, Storefront,
};
use crate::clock::{Clock, SystemClock};
use async_trait::async_trait;
use feedbridge_common::secret::Secret;
use feedbridge_common::stores::prestashop::KEY_HINT;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

pub use platform::PrestaShopPlatform;
pub use wire::{ALIAS_PREFIX, MESSAGE_PREFIX};

const PLATFORM: Platform = Platform::Store(feedbridge_common::config::StorePlatform::Prestashop);
/// Entities per `limit=offset,count` page.
const PAGE_SIZE: usize = 100;
/// Ids per `filter[field]=[a|b|...]` read.
const IDS_PER_FILTER: usize = 50;

/// How to reach one PrestaShop shop.
#[derive(Clone, Debug)]
pub struct PrestaShopSettings {
    /// The shop's base URL, e.g. `https://shop.acme.com` (the webservice is under `/api/`).
    pub api_base: String,
    pub api_key: Secret,
    /// The installed payment module orders are validated with.
    pub payment_module: String,
    /// The payment label orders carry (shown in the back office).
    pub payment_label: String,
}

impl PrestaShopSettings {
    pub fn new(api_base: impl Into<String>, api_key: Secret) -> Self {
        Self {
            api_base: api_base.into(),
            api_key,
            payment_module: "ps_wirepayment".into(),
            payment_label: "TikTok Shop".into(),
        }
    }
}

/// What the shop's configuration says, read once.
#[derive(Clone, Debug)]
struct ShopSetup {
    name: String,
    currency_id: u64,
    currency: String,
    lang: u64,
    carrier: u64,
    country: u64,
    utc: bool,
    /// `PS_WEIGHT_UNIT` and `PS_DIMENSION_UNIT`.
    units: StoreUnits,
}

/// PrestaShop shop client. Cheap to share behind an `Arc`.
pub struct PrestaShopClient {
    settings: PrestaShopSettings,
    /// `{base}/api`.
    api: String,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    setup: Mutex<Option<ShopSetup>>,
    states: Mutex<Option<Vec<wire::OrderState>>>,
    /// Feature, value and tag names, read once per catalog read (see `facts`).
    vocabulary: Mutex<Option<Arc<facts::Vocabulary>>>,
    /// Products already reported for a missing Reference (once per product per run).
    no_reference: Mutex<std::collections::HashSet<u64>>,
}

impl std::fmt::Debug for PrestaShopClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrestaShopClient")
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

/// The errors PrestaShop put in its error document: `(code, message)`.
fn ps_errors(text: &str) -> Vec<(i64, String)> {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["code"]
                    .as_i64()
                    .or_else(|| wire::text(&e["code"]).parse().ok())
                    .unwrap_or(0),
                wire::text(&e["message"]),
            )
        })
        .collect()
}

/// Classify one answer; `Ok(None)` is a 404 (PrestaShop's empty answer for a missing entity).
fn interpret(
    status: StatusCode,
    retry_after: Option<Duration>,
    what: &str,
    text: &str,
    secrets: &[&str],
) -> ConnectorResult<Option<Value>> {
    let raw = http::truncate(&http::redact_text(text, secrets));
    let errors = ps_errors(text);
    let said = errors
        .iter()
        .map(|(c, m)| format!("code {c}: {}", http::redact_text(m, secrets)))
        .collect::<Vec<_>>()
        .join("; ");
    let said = if said.is_empty() {
        String::new()
    } else {
        format!(" ({said})")
    };
    let has = |code: i64| errors.iter().any(|(c, _)| *c == code);
    let code = status.as_u16();
    match code {
        200..=299 => {
            if text.trim().is_empty() {
                return Ok(Some(Value::Null));
            }
            serde_json::from_str(text).map(Some).map_err(|_| ConnectorError::Retryable {
                reason: format!("PrestaShop answered {what} with something that is not JSON (a maintenance page, a PHP notice or a module printing output); will retry"),
                raw,
                retry_after: None,
            })
        }
        404 if errors.is_empty() => Ok(None),
        401 if has(26) => Err(ConnectorError::Unauthorized {
            reason: format!(
                "PrestaShop does not let the webservice key use {what}{said}; tick GET, POST and PUT for that resource on the key under Advanced Parameters > Webservice"
            ),
            raw,
        }),
        401 => Err(ConnectorError::Unauthorized {
            reason: format!(
                "PrestaShop refused the webservice key{said}; check api_key in the secrets file: {KEY_HINT}"
            ),
            raw,
        }),
        405 if has(25) => Err(ConnectorError::Unauthorized {
            reason: format!(
                "PrestaShop does not let the webservice key write {what}{said}; tick the method for that resource on the key under Advanced Parameters > Webservice"
            ),
            raw,
        }),
        503 if has(22) => Err(ConnectorError::Unauthorized {
            reason: format!(
                "PrestaShop's webservice is turned off{said}; turn on \"Enable PrestaShop's webservice\" under Advanced Parameters > Webservice"
            ),
            raw,
        }),
        400..=499 if code != 408 && code != 429 => Err(ConnectorError::Rejected {
            reason: format!("PrestaShop refused {what} (HTTP {code}){said}"),
            raw,
        }),
        _ => Err(
            match http::classify_status(PLATFORM, status, retry_after, &raw) {
                Some(ConnectorError::Retryable {
                    reason,
                    raw,
                    retry_after,
                }) => ConnectorError::Retryable {
                    reason: format!("{reason}{said}"),
                    raw,
                    retry_after,
                },
                Some(other) => other,
                None => ConnectorError::Rejected {
                    reason: format!("PrestaShop answered HTTP {code} to {what}{said}"),
                    raw,
                },
            },
        ),
    }
}

fn bad_id(what: &str, id: &str) -> ConnectorError {
    ConnectorError::Rejected {
        reason: format!("{id} is not a PrestaShop {what} id; this is a feedbridge bug"),
        raw: String::new(),
    }
}

fn parse_id(what: &str, id: &str) -> ConnectorResult<u64> {
    id.trim().parse().map_err(|_| bad_id(what, id))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `[a|b|c]` for a filter.
fn one_of<T: ToString>(values: &[T]) -> String {
    format!(
        "[{}]",
        values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("|")
    )
}

impl PrestaShopClient {
    pub fn new(settings: PrestaShopSettings, http: reqwest::Client) -> Self {
        let base = settings.api_base.trim().trim_end_matches('/').to_owned();
        Self {
            api: format!("{base}/api"),
            settings,
            http,
            clock: Arc::new(SystemClock),
            setup: Mutex::new(None),
            states: Mutex::new(None),
            vocabulary: Mutex::new(None),
            no_reference: Mutex::new(std::collections::HashSet::new()),
        }
    }

    /// Read wall time from `clock` (the daemon's), not the system clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// One call to `{api}/{path}`; `Ok(None)` is a 404.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<String>,
    ) -> ConnectorResult<Option<Value>> {
        let mut url = reqwest::Url::parse(&format!("{}/{path}", self.api)).map_err(|e| {
            ConnectorError::Rejected {
                reason: format!("The PrestaShop address {} is not a URL ({e}); fix api_base or shop_domain in the config", self.api),
                raw: String::new(),
            }
        })?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("output_format", "JSON");
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        let mut request = self
            .http
            .request(method.clone(), url)
            .basic_auth(self.settings.api_key.expose(), Some(""));
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/xml").body(body);
        }
        let started = Instant::now();
        let response = http::send(PLATFORM, request)
            .await
            .map_err(|error| http::classify_transport(PLATFORM, error))?;
        let status = response.status();
        let retry_after = http::retry_after(response.headers());
        let text = response
            .text()
            .await
            .map_err(|error| http::classify_transport(PLATFORM, error))?;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let what = format!("{method} /api/{path}");
        let result = interpret(
            status,
            retry_after,
            &what,
            &text,
            &[self.settings.api_key.expose()],
        );
        match &result {
            Ok(_) => {
                tracing::debug!(platform = "prestashop", %method, path, status = status.as_u16(), elapsed_ms, "PrestaShop call answered.")
            }
            Err(error) => {
                tracing::debug!(platform = "prestashop", %method, path, status = status.as_u16(), elapsed_ms, error = %error, raw = %error.raw(), "PrestaShop call failed.")
            }
        }
        result
    }

    /// A list: `{resource: [...]}` or `[]` (PrestaShop's empty list).
    async fn list(&self, resource: &str, query: &[(&str, String)]) -> ConnectorResult<Vec<Value>> {
        let answer = self.call(Method::GET, resource, query, None).await?;
        wire::list_of(resource, answer.unwrap_or(Value::Null))
    }

    /// One entity; `None` when PrestaShop has no such id.
    async fn one(&self, resource: &str, singular: &str, id: u64) -> ConnectorResult<Option<Value>> {
        match self
            .call(Method::GET, &format!("{resource}/{id}"), &[], None)
            .await?
        {
            Some(v) => wire::entity_of(singular, v).map(Some),
            None => Ok(None),
        }
    }

    /// Every entity of `resource` whose `field` is one of `ids`, full.
    async fn by_ids(
        &self,
        resource: &str,
        field: &str,
        ids: &[u64],
    ) -> ConnectorResult<Vec<Value>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(IDS_PER_FILTER) {
            let filter = format!("filter[{field}]");
            out.extend(
                self.list(
                    resource,
                    &[("display", "full".into()), (filter.as_str(), one_of(chunk))],
                )
                .await?,
            );
        }
        Ok(out)
    }

    /// POST or PUT an XML document; answers the saved entity.
    async fn save(
        &self,
        method: Method,
        resource: &str,
        singular: &str,
        xml: String,
    ) -> ConnectorResult<Value> {
        let answer = self
            .call(method, resource, &[], Some(xml))
            .await?
            .ok_or_else(|| ConnectorError::Rejected {
                reason: format!("PrestaShop has no {resource} to write; it may have been deleted"),
                raw: String::new(),
            })?;
        wire::entity_of(singular, answer)
    }
}

#[async_trait]
impl Storefront for PrestaShopClient {
    async fn info(&self) -> ConnectorResult<StoreInfo> {
        let setup = self.shop_setup().await?;
        Ok(StoreInfo {
            name: setup.name,
            currency: setup.currency,
            stock_locations: None,
        })
    }

    async fn products(&self, cursor: Option<String>) -> ConnectorResult<Page<StoreProduct>> {
        let offset = cursor.and_then(|c| c.trim().parse().ok()).unwrap_or(0);
        self.product_page(offset).await
    }

    async fn find_order(&self, tiktok_order_id: &str) -> ConnectorResult<Option<StoreOrderRef>> {
        self.find(tiktok_order_id).await
    }

    async fn create_order(&self, order: &NewStoreOrder) -> ConnectorResult<StoreOrderRef> {
        self.place(order).await
    }

    async fn orders_updated_since(
        &self,
        since: &str,
        cursor: Option<String>,
    ) -> ConnectorResult<Page<StoreOrderUpdate>> {
        let offset = cursor.and_then(|c| c.trim().parse().ok()).unwrap_or(0);
        self.updated_since(since, offset).await
    }

    async fn fulfilments(&self, order_id: &str) -> ConnectorResult<Vec<StoreFulfilment>> {
        let id = parse_id("order", order_id)?;
        Ok(self
            .carriers_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default())
    }

    async fn order_update(&self, order_id: &str) -> ConnectorResult<Option<StoreOrderUpdate>> {
        self.update_of(parse_id("order", order_id)?).await
    }

    async fn cancel_order(&self, order_id: &str, restock: bool) -> ConnectorResult<()> {
        self.cancel(parse_id("order", order_id)?, restock).await
    }

    /// The shop's Refunded state, then the units back to stock (see `refund`).
    async fn refund_order(&self, order_id: &str, restock: bool) -> ConnectorResult<bool> {
        self.refund(parse_id("order", order_id)?, restock).await
    }

    async fn fulfil_order(
        &self,
        order_id: &str,
        fulfilment: &NewStoreFulfilment,
    ) -> ConnectorResult<String> {
        self.ship(parse_id("order", order_id)?, fulfilment).await
    }

    async fn fulfilment_progress(
        &self,
        fulfilment_id: &str,
        progress: ShipmentProgress,
    ) -> ConnectorResult<()> {
        self.progress(parse_id("order carrier", fulfilment_id)?, progress)
            .await
    }

    async fn add_order_tags(&self, order_id: &str, tags: &[String]) -> ConnectorResult<()> {
        let id = parse_id("order", order_id)?;
        self.message(id, &format!("TikTok Shop tags: {}.", tags.join(", ")))
            .await
    }

    /// Core PrestaShop has no webhooks: changes are polled.
    async fn register_webhooks(&self, _address: &str) -> ConnectorResult<()> {
        Ok(())
    }

    async fn inventory_levels(
        &self,
        inventory_item_ids: &[String],
    ) -> ConnectorResult<Vec<ItemLevels>> {
        self.levels(inventory_item_ids).await
    }

    async fn product(&self, product_id: &str) -> ConnectorResult<Option<StoreProduct>> {
        let Ok(id) = product_id.trim().parse::<u64>() else {
            return Ok(None);
        };
        self.product_by_id(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::answer_kind;

    #[test]
    fn answers_are_classified_with_prestashop_codes() {
        let key = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
        let run = |status: u16, body: &str| {
            interpret(
                StatusCode::from_u16(status).unwrap(),
                None,
                "GET /api/orders",
                body,
                &[key],
            )
        };
        let table = [
            (200, r#"{"orders":[]}"#, "data"),
            (200, "<br />Notice: undefined index", "retryable"),
            (404, "", "not_found"),
            (
                401,
                r#"{"errors":[{"code":20,"message":"Authentification key is not active"},{"code":21,"message":"No permission for this authentication key"}]}"#,
                "unauthorized",
            ),
            (
                401,
                r#"{"errors":[{"code":26,"message":"Resource of type \"orders\" is not allowed with this authentication key"}]}"#,
                "unauthorized",
            ),
            (
                405,
                r#"{"errors":[{"code":25,"message":"Method POST is not allowed"}]}"#,
                "unauthorized",
            ),
            (
                503,
                r#"{"errors":[{"code":22,"message":"The PrestaShop webservice is disabled."}]}"#,
                "unauthorized",
            ),
            (
                400,
                r#"{"errors":[{"code":41,"message":"parameter \"passwd\" required"}]}"#,
                "rejected",
            ),
            (429, "<html>Too Many Requests</html>", "throttled"),
            (
                500,
                r#"{"errors":[{"code":0,"message":"Cart cannot be loaded"}]}"#,
                "retryable",
            ),
        ];
        for (status, body, expected) in table {
            assert_eq!(answer_kind(&run(status, body)), expected, "{status} {body}");
        }
        let e = run(
            401,
            r#"{"errors":[{"code":18,"message":"Invalid authentication key format"}]}"#,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("Advanced Parameters > Webservice"),
            "{e}"
        );
        assert!(e.to_string().contains("code 18"), "{e}");
        let e = run(
            400,
            &format!(r#"{{"errors":[{{"code":1,"message":"bad {key}"}}]}}"#),
        )
        .unwrap_err();
        assert!(!e.to_string().contains(key) && !e.raw().contains(key));
    }

    #[test]
    fn filters_list_ids_with_pipes() {
        assert_eq!(one_of(&[1, 5, 9]), "[1|5|9]");
    }
}
