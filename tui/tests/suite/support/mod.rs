//! Shared by the integration tests: fixed sample data and a fake daemon that serves it over
//! a real Unix socket with the daemon's JSON codec.
#![allow(dead_code)] // Each test crate uses a different part.
#![allow(clippy::unwrap_used)] // Test fixture: a poisoned lock or a failed bind should fail the test.

pub mod cli;
pub mod pages;

pub use pages::{Samples, answer, refresh, rows, settle};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use feedbridge_common::attributes::*;
use feedbridge_common::catalog::*;
use feedbridge_common::orders::*;
use feedbridge_common::rpc::RpcError;
use feedbridge_common::stores::capabilities::{
    Capabilities, ChangeFeed, OrderHandling, OrderNumber, RateLimitModel, TrackingSource,
};
use feedbridge_common::*;
use feedbridge_tui::action::{Action, Snapshot};
use feedbridge_tui::app::App;
use futures::StreamExt;
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tarpc::context::Context;
use tarpc::server::{BaseChannel, Channel};
use tokio::sync::watch;

/// The console as drawn on a `width` × `height` terminal.
pub fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| feedbridge_tui::ui::draw(frame, app))
        .unwrap();
    terminal.backend().to_string()
}

/// A console that has received the sample snapshot.
pub fn loaded() -> App {
    let mut app = App::new();
    app.update(Action::Refreshed(Box::new(sample_snapshot())));
    app
}

pub fn press(app: &mut App, code: KeyCode) -> Option<Action> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}
use tokio::task::JoinHandle;

pub fn usd(cents: i64) -> Money {
    Money {
        amount: Decimal::new(cents, 2),
        currency: "USD".into(),
    }
}

fn connection(name: &str, platform: &str, state: ConnectionState) -> ConnectionView {
    ConnectionView {
        name: name.into(),
        platform: platform.into(),
        state,
        detail: None,
        currency: Some("USD".into()),
        region: Some("US".into()),
    }
}

/// 2026-11-21 10:00:00 UTC.
pub const T0: i64 = 1_795_255_200;

pub fn sample_status() -> StatusReport {
    StatusReport {
        version: env!("CARGO_PKG_VERSION").into(),
        pid: 4242,
        uptime_secs: 7_500,
        data_dir: "/var/lib/feedbridge".into(),
        socket: "/run/feedbridge/feedbridged.sock".into(),
        organizations: vec![OrganizationView {
            name: "demo".into(),
            store: connection("demo", "shopify", ConnectionState::Connected),
            shops: vec![connection("demo-us", "tiktok", ConnectionState::Connected)],
            fulfilment: None,
            capabilities: Some(Capabilities {
                changes: ChangeFeed::Webhooks,
                refund_cancels: true,
                order_number: OrderNumber::StoreAssigns,
                tracking: TrackingSource::Shipments,
                rate_limit: RateLimitModel::CostBucket,
                orders: OrderHandling::CreateInStore,
            }),
        }],
        jobs_pending: 2,
        jobs_scheduled: 0,
        failures_open: 2,
        orders_total: 3,
        products_total: 3,
        latest_event: 17,
        draining: false,
        degraded: None,
    }
}

fn sku(seller_sku: &str, tiktok: Option<&str>, cents: i64, stock: i64, synced: bool) -> SkuView {
    SkuView {
        seller_sku: seller_sku.into(),
        store_variant_id: format!("gid://shopify/ProductVariant/{}", seller_sku.len()),
        tiktok_sku_id: tiktok.map(Into::into),
        price: usd(cents),
        store_stock: stock,
        synced_price: synced.then(|| usd(cents)),
        synced_stock: synced.then_some(stock),
    }
}

pub fn sample_products() -> Vec<ProductView> {
    vec![
        ProductView {
            id: 1,
            organization: "demo".into(),
            shop: "demo-us".into(),
            store_product_id: "gid://shopify/Product/101".into(),
            title: "Organic Cotton Tee".into(),
            category: Some(CategoryRef {
                id: "601226".into(),
                name: "Womenswear > Tops > T-shirts".into(),
            }),
            status: ListingStatus::Active,
            status_reason: None,
            review_reasons: vec![],
            tiktok_product_id: Some("1729384756".into()),
            skus: vec![
                sku("TEE-BLK-M", Some("1729384756001"), 2400, 12, true),
                sku("TEE-BLK-L", Some("1729384756002"), 2400, 0, true),
            ],
            updated_at: T0,
        },
        ProductView {
            id: 2,
            organization: "demo".into(),
            shop: "demo-us".into(),
            store_product_id: "gid://shopify/Product/102".into(),
            title: "Enamel Camp Mug".into(),
            category: Some(CategoryRef {
                id: "600001".into(),
                name: "Home Supplies > Kitchen > Mugs".into(),
            }),
            status: ListingStatus::UnderReview,
            status_reason: None,
            review_reasons: vec![],
            tiktok_product_id: Some("1729384757".into()),
            skus: vec![sku("MUG-ENAMEL", Some("1729384757001"), 1800, 30, true)],
            updated_at: T0 + 60,
        },
        ProductView {
            id: 3,
            organization: "demo".into(),
            shop: "demo-us".into(),
            store_product_id: "gid://shopify/Product/103".into(),
            title: "Wool Beanie".into(),
            category: None,
            status: ListingStatus::FailedReview,
            status_reason: None,
            review_reasons: vec!["The main image does not clearly show the product.".into()],
            tiktok_product_id: Some("1729384758".into()),
            skus: vec![sku("BEANIE-GRY", None, 2200, 5, false)],
            updated_at: T0 + 120,
        },
    ]
}

pub fn sample_orders() -> Vec<OrderView> {
    vec![
        OrderView {
            id: 11,
            organization: "demo".into(),
            shop: "demo-us".into(),
            tiktok_order_id: "576460752303423001".into(),
            tiktok_status: "IN_TRANSIT".into(),
            sync_state: OrderSyncState::Shipped,
            reason: None,
            store_order_id: Some("gid://shopify/Order/5001".into()),
            store_order_name: Some("#1001".into()),
            total: Some(usd(4800)),
            lines: vec![OrderLineView {
                seller_sku: "TEE-BLK-M".into(),
                quantity: 2,
                unit_price: usd(2400),
            }],
            tracking: vec![TrackingView {
                number: "9400111899223857268499".into(),
                carrier: "USPS".into(),
                tiktok_package_id: Some("1152921504606846976".into()),
            }],
            fulfilment: None,
            created_at: T0,
            updated_at: T0 + 300,
        },
        OrderView {
            id: 12,
            organization: "demo".into(),
            shop: "demo-us".into(),
            tiktok_order_id: "576460752303423002".into(),
            tiktok_status: "AWAITING_SHIPMENT".into(),
            sync_state: OrderSyncState::InStore,
            reason: None,
            store_order_id: Some("gid://shopify/Order/5002".into()),
            store_order_name: Some("#1002".into()),
            total: Some(usd(1800)),
            lines: vec![OrderLineView {
                seller_sku: "MUG-ENAMEL".into(),
                quantity: 1,
                unit_price: usd(1800),
            }],
            tracking: vec![],
            fulfilment: None,
            created_at: T0 + 400,
            updated_at: T0 + 420,
        },
        OrderView {
            id: 13,
            organization: "demo".into(),
            shop: "demo-us".into(),
            tiktok_order_id: "576460752303423003".into(),
            tiktok_status: "AWAITING_SHIPMENT".into(),
            sync_state: OrderSyncState::Blocked,
            reason: Some("SKU BEANIE-GRY is not listed on TikTok".into()),
            store_order_id: None,
            store_order_name: None,
            total: Some(usd(2200)),
            lines: vec![OrderLineView {
                seller_sku: "BEANIE-GRY".into(),
                quantity: 1,
                unit_price: usd(2200),
            }],
            tracking: vec![],
            fulfilment: None,
            created_at: T0 + 500,
            updated_at: T0 + 500,
        },
    ]
}

pub fn sample_failures() -> Vec<FailureView> {
    vec![
        FailureView {
            id: 7,
            organization: "demo".into(),
            kind: FailureKind::TrackingPush,
            subject: "TikTok order 576460752303423002".into(),
            reason: "TikTok did not accept the carrier name".into(),
            action: "Pick a TikTok shipping provider for USPS".into(),
            raw_error: Some("code 21011001: invalid shipping_provider_id".into()),
            retryable: true,
            attempts: 3,
            first_seen: T0 + 600,
            last_seen: T0 + 900,
        },
        FailureView {
            id: 8,
            organization: "demo".into(),
            kind: FailureKind::Listing,
            subject: "product Wool Beanie".into(),
            reason: "TikTok rejected the main image".into(),
            action: "Upload a clearer image in Shopify".into(),
            raw_error: None,
            retryable: false,
            attempts: 1,
            first_seen: T0 + 700,
            last_seen: T0 + 700,
        },
    ]
}

/// Every sample row, as the fake daemon holds them.
pub fn samples() -> Samples {
    Samples {
        status: sample_status(),
        orders: sample_orders(),
        products: sample_products(),
        failures: sample_failures(),
        settings: vec![("demo-us".into(), Ok(sample_settings()))],
        order_settings: vec![("demo-us".into(), Ok(sample_order_settings()))],
    }
}

/// The samples as a console's first refresh receives them.
pub fn sample_snapshot() -> Snapshot {
    samples().snapshot()
}

/// The sample shop's order rules: a 15-minute hold, a prefix, rule A, one carrier mapping.
pub fn sample_order_settings() -> OrderSettings {
    OrderSettings {
        hold_minutes: 15,
        order_number_prefix: "TT-".into(),
        carrier_mappings: vec![CarrierMapping {
            store_carrier: "USPS Priority Mail".into(),
            tiktok_provider: "USPS".into(),
        }],
        ..OrderSettings::default()
    }
}

/// TikTok's shipping providers for the sample shop.
pub fn sample_providers() -> Vec<String> {
    ["USPS", "UPS", "FedEx", "DHL eCommerce", "OnTrac"]
        .map(String::from)
        .to_vec()
}

/// The carrier editor's data for the sample shop as the fake serves it at first.
pub fn sample_carriers() -> CarrierChoices {
    CarrierChoices {
        shop: "demo-us".into(),
        mappings: sample_order_settings().carrier_mappings,
        providers: sample_providers(),
        region_default: Some("USPS".into()),
        unmapped_seen: vec!["Evri 48h".into()],
    }
}

/// Everything the daemon knows about one sample order: order 11 (shipped) has a package,
/// a difference, a past hold and a five-event timeline; the others are plainer.
pub fn sample_order_detail(order: OrderView) -> OrderDetail {
    let packages = order
        .tracking
        .iter()
        .map(|t| PackageView {
            tiktok_package_id: t.tiktok_package_id.clone().unwrap_or_default(),
            tracking_number: t.number.clone(),
            carrier: t.carrier.clone(),
            direction: "store -> TikTok".into(),
            lines: order
                .lines
                .iter()
                .map(|l| (l.seller_sku.clone(), l.quantity))
                .collect(),
            at: order.updated_at,
        })
        .collect();
    let total = order.total.as_ref().map_or(Decimal::ZERO, |m| m.amount);
    let event = |offset: i64, kind: EventKind, message: &str| EventView {
        seq: u64::try_from(offset).unwrap() + 1,
        at: order.created_at + offset,
        kind,
        organization: Some(order.organization.clone()),
        subject: format!("TikTok order {}", order.tiktok_order_id),
        message: message.into(),
    };
    let shipped = order.id == 11;
    let timeline = if shipped {
        vec![
            event(
                0,
                EventKind::OrderSeen,
                "Seen on TikTok: AWAITING_SHIPMENT, paid.",
            ),
            event(
                1,
                EventKind::OrderChanged,
                "Held 15 minutes before it goes to the store.",
            ),
            event(
                120,
                EventKind::OrderCreatedInStore,
                "Created store order #1001.",
            ),
            event(
                240,
                EventKind::TrackingPushed,
                "Tracking USPS 9400111899223857268499 pushed to TikTok package 1152921504606846976.",
            ),
            event(
                300,
                EventKind::OrderChanged,
                "TikTok status is now IN_TRANSIT.",
            ),
        ]
    } else {
        vec![event(
            0,
            EventKind::OrderSeen,
            "Seen on TikTok: AWAITING_SHIPMENT, paid.",
        )]
    };
    OrderDetail {
        fulfillment_type: "FULFILLMENT_BY_SELLER".into(),
        shipping_type: "SELLER".into(),
        payment: PaymentBreakdown {
            currency: "USD".into(),
            sub_total: total,
            shipping_fee: Decimal::new(500, 2),
            seller_discount: Decimal::new(300, 2),
            platform_discount: Decimal::new(200, 2),
            tax: Decimal::new(0, 2),
            total,
        },
        packages,
        hold_until: shipped.then_some(order.created_at + 900),
        differences: if shipped {
            vec!["The store order's shipping is 0.00 USD; TikTok's is 5.00 USD.".into()]
        } else {
            vec![]
        },
        timeline,
        returns: vec![],
        order,
    }
}

/// What the fake daemon serves; tests change it and push events.
pub struct FakeState {
    pub samples: Samples,
    pub events: Vec<EventView>,
    pub retried: Vec<i64>,
    /// The one shop's settings, as `set_shop_settings` left them.
    pub settings: ShopSettings,
    /// Catalog changes the fake accepted, e.g. "unmap 3", in order.
    pub calls: Vec<String>,
    /// The one shop's order rules, as `set_order_settings` and `set_carrier_mapping` left
    /// them (its carrier mappings are the carrier editor's).
    pub order_settings: OrderSettings,
    /// What `carrier_choices` serves besides the mappings.
    pub providers: Vec<String>,
    pub region_default: Option<String>,
    pub unmapped_seen: Vec<String>,
    /// The one shop's Amazon MCF rules, as `set_mcf_settings` left them.
    pub mcf_settings: feedbridge_common::mcf::McfSettings,
}

#[derive(Clone)]
pub struct FakeConsole {
    state: Arc<Mutex<FakeState>>,
    latest: watch::Receiver<u64>,
}

/// The sample shop's settings: a buffer, a cap, a markup and one location mapping.
pub fn sample_settings() -> ShopSettings {
    ShopSettings {
        inventory_buffer: StockBuffer::Units(2),
        max_quantity: Some(50),
        price_markup: PriceMarkup::Percent(Decimal::new(10, 0)),
        round_to_99: true,
        location_warehouses: vec![LocationWarehouse {
            store_location_id: "gid://shopify/Location/1".into(),
            warehouse_id: "7068517275539719942".into(),
        }],
        ..ShopSettings::default()
    }
}

/// The state `start_authorization` hands out and `finish_authorization` expects.
pub const AUTH_STATE: &str = "st-4f2a";

pub fn sample_detail(product: ProductView) -> ProductDetail {
    // Product 1's store gives its weight; the others lean on the shop's defaults.
    let weight = if product.id == 1 {
        FigureSource::Store
    } else {
        FigureSource::ShopDefault
    };
    ProductDetail {
        description: "<p>Soft <strong>organic</strong> cotton.</p><ul><li>Machine wash</li>\
                      <li>Size M: Chest 100 cm</li></ul><p><img src=\"https://p16.tiktokcdn.test/tee.jpg\"></p>"
            .into(),
        package: PackageFacts {
            weight_kg: if product.id == 1 {
                Decimal::new(12, 1)
            } else {
                Decimal::new(5, 1)
            },
            length_cm: Decimal::new(20, 0),
            width_cm: Decimal::new(15, 0),
            height_cm: Decimal::new(5, 0),
            sources: PackageSources {
                weight,
                length: FigureSource::ShopDefault,
                width: FigureSource::ShopDefault,
                height: FigureSource::ShopDefault,
            },
        },
        selected_skus: if product.id == 1 {
            vec!["TEE-BLK-M".into()]
        } else {
            vec![]
        },
        linked: product.id == 2,
        missing_attributes: if product.id == 3 {
            vec!["Material".into()]
        } else {
            vec![]
        },
        compliance: Default::default(),
        product,
    }
}

pub fn sample_link_preview() -> LinkPreview {
    LinkPreview {
        shop: "demo-us".into(),
        matches: vec![LinkMatch {
            listing_id: 3,
            title: "Wool Beanie".into(),
            tiktok_product_id: "1729384799".into(),
            tiktok_title: "Grey Wool Beanie".into(),
            skus: vec![("BEANIE-GRY".into(), "1729384799001".into())],
        }],
        misses: vec![LinkMiss {
            tiktok_product_id: "1729384800".into(),
            tiktok_title: "Old Tote Bag".into(),
            seller_skus: vec!["TOTE-OLD".into()],
        }],
        conflicts: vec![LinkConflict {
            seller_sku: "SOCK-1".into(),
            reason: "2 store variants carry this SKU".into(),
            candidates: vec!["Hiking Socks".into(), "Wool Socks".into()],
        }],
    }
}

/// Is `name` a TikTok shop of the sample?
fn is_shop(state: &FakeState, name: &str) -> bool {
    state
        .samples
        .status
        .organizations
        .iter()
        .any(|org| org.shops.iter().any(|shop| shop.name == name))
}

fn unknown_shop(shop: &str) -> RpcError {
    RpcError::NotFound(format!("TikTok shop {shop}"))
}

/// The sample category's product attributes: Material (required, several values from a
/// list) and Pattern (optional, one value, custom allowed); what `set_attributes` recorded in
/// `calls` is shown as set on the listing.
pub fn sample_attribute_form(target: AttributeTarget, calls: &[String]) -> AttributeForm {
    let allowed = |names: &[(&str, &str)]| {
        names
            .iter()
            .map(|(id, name)| AllowedValue {
                id: (*id).into(),
                name: (*name).into(),
            })
            .collect::<Vec<_>>()
    };
    let mut fields = vec![
        AttributeField {
            id: "100392".into(),
            name: "Material".into(),
            required: true,
            multiple: true,
            customizable: false,
            allowed: allowed(&[("1001", "Cotton"), ("1002", "Polyester"), ("1003", "Linen")]),
            current: Vec::new(),
            source: None,
            problem: Some("required for this category; no value set".into()),
        },
        AttributeField {
            id: "100395".into(),
            name: "Pattern".into(),
            required: false,
            multiple: false,
            customizable: true,
            allowed: allowed(&[("1101", "Solid"), ("1102", "Striped")]),
            current: Vec::new(),
            source: None,
            problem: None,
        },
    ];
    for call in calls {
        for field in &mut fields {
            if let Some(values) = call
                .strip_prefix("attributes ")
                .and_then(|rest| rest.split_once(' '))
                .and_then(|(_, set)| set.strip_prefix(&format!("{}=", field.name)))
            {
                field.current = values.split(',').map(str::to_owned).collect();
                field.source = Some(AttributeSource::Listing);
                field.problem = None;
            }
        }
    }
    AttributeForm {
        target,
        title: "Organic Tee".into(),
        category_id: "601226".into(),
        fields,
    }
}

impl Console for FakeConsole {
    async fn test_connection(self, _: Context, name: String) -> Result<ConnectionTest, RpcError> {
        let check = |what: &str, ok: bool, detail: &str| ConnectionCheck {
            what: what.into(),
            ok,
            detail: detail.into(),
        };
        match name.as_str() {
            "demo" => Ok(ConnectionTest {
                name,
                ok: true,
                checks: vec![
                    check("Access token", true, "accepted by Shopify"),
                    check("Shop currency", true, "USD"),
                ],
            }),
            "demo-us" => Ok(ConnectionTest {
                name,
                ok: false,
                checks: vec![
                    check("Access token", true, "valid for 6 more days"),
                    check(
                        "Shop currency",
                        false,
                        "the store sells in USD but this TikTok shop in GBP; connect a US shop",
                    ),
                ],
            }),
            _ => Err(RpcError::NotFound(format!("connection {name}"))),
        }
    }

    async fn start_authorization(
        self,
        _: Context,
        shop: String,
    ) -> Result<AuthorizationStart, RpcError> {
        if !is_shop(&self.state.lock().unwrap(), &shop) {
            return Err(unknown_shop(&shop));
        }
        Ok(AuthorizationStart {
            url: format!(
                "https://services.tiktokshop.test/open/authorize?service_id=7001&state={AUTH_STATE}"
            ),
            state: AUTH_STATE.into(),
            instructions: "1. Sign in as the owner of the shop and approve feedbridge.\n\
                           2. Copy the code TikTok shows and paste it here."
                .into(),
            shop,
        })
    }

    async fn finish_authorization(
        self,
        _: Context,
        shop: String,
        code: String,
        state: String,
    ) -> Result<String, RpcError> {
        let mut fake = self.state.lock().unwrap();
        if !is_shop(&fake, &shop) {
            return Err(unknown_shop(&shop));
        }
        if state != AUTH_STATE {
            return Err(RpcError::Invalid(
                "this code belongs to another authorization request; start again with 'feedbridge authorize SHOP'".into(),
            ));
        }
        fake.calls.push(format!("authorize {shop} {code}"));
        Ok(format!("{shop} is authorized; sync resumes."))
    }

    async fn map_categories(
        self,
        _: Context,
        listing_ids: Vec<i64>,
        category_id: String,
    ) -> Result<MappingReport, RpcError> {
        if !["601226", "600001"].contains(&category_id.as_str()) {
            return Err(RpcError::Invalid(format!(
                "category {category_id} is not a leaf category of this shop"
            )));
        }
        let mut fake = self.state.lock().unwrap();
        let mut report = MappingReport::default();
        for id in listing_ids {
            match fake.samples.products.iter().find(|p| p.id == id) {
                None => report.refused.push((id, "no such listing".into())),
                Some(p) if p.status == ListingStatus::Active => report.refused.push((
                    id,
                    "already listed on TikTok; its category can no longer change".into(),
                )),
                Some(_) => report.mapped.push(id),
            }
        }
        fake.calls
            .push(format!("map {:?} {category_id}", report.mapped));
        Ok(report)
    }

    async fn unmap_category(self, _: Context, id: i64) -> Result<String, RpcError> {
        let mut fake = self.state.lock().unwrap();
        match fake.samples.products.iter().find(|p| p.id == id) {
            None => Err(RpcError::NotFound(format!("listing {id}"))),
            Some(p) if p.status == ListingStatus::Active => Err(RpcError::Conflict(format!(
                "listing {id} is already listed; its category is locked"
            ))),
            Some(_) => {
                fake.calls.push(format!("unmap {id}"));
                Ok(format!("Listing {id} has no category now."))
            }
        }
    }

    async fn product_detail(self, _: Context, id: i64) -> Result<ProductDetail, RpcError> {
        let fake = self.state.lock().unwrap();
        let product = fake.samples.products.iter().find(|p| p.id == id);
        product
            .cloned()
            .map(sample_detail)
            .ok_or_else(|| RpcError::NotFound(format!("listing {id}")))
    }

    async fn select_skus(self, _: Context, id: i64, skus: Vec<String>) -> Result<String, RpcError> {
        let mut fake = self.state.lock().unwrap();
        let Some(product) = fake.samples.products.iter().find(|p| p.id == id) else {
            return Err(RpcError::NotFound(format!("listing {id}")));
        };
        if let Some(unknown) = skus
            .iter()
            .find(|sku| !product.skus.iter().any(|s| s.seller_sku == **sku))
        {
            return Err(RpcError::Invalid(format!(
                "listing {id} has no SKU {unknown}"
            )));
        }
        fake.calls.push(format!("skus {id} {skus:?}"));
        Ok(if skus.is_empty() {
            format!("Listing {id} will list every SKU.")
        } else {
            format!("Listing {id} will list {}.", skus.join(", "))
        })
    }

    async fn resubmit(self, _: Context, ids: Vec<i64>) -> Result<u32, RpcError> {
        let mut fake = self.state.lock().unwrap();
        let eligible = fake
            .samples
            .products
            .iter()
            .filter(|p| ids.contains(&p.id))
            .filter(|p| {
                matches!(
                    p.status,
                    ListingStatus::FailedReview | ListingStatus::FailedToSync
                )
            })
            .count();
        fake.calls.push(format!("resubmit {ids:?}"));
        Ok(u32::try_from(eligible).unwrap())
    }

    async fn link_preview(self, _: Context, shop: String) -> Result<LinkPreview, RpcError> {
        if !is_shop(&self.state.lock().unwrap(), &shop) {
            return Err(unknown_shop(&shop));
        }
        Ok(sample_link_preview())
    }

    async fn link_apply(self, _: Context, shop: String) -> Result<u32, RpcError> {
        let mut fake = self.state.lock().unwrap();
        if !is_shop(&fake, &shop) {
            return Err(unknown_shop(&shop));
        }
        fake.calls.push(format!("link apply {shop}"));
        Ok(1)
    }

    async fn link_manual(
        self,
        _: Context,
        id: i64,
        tiktok_product_id: String,
    ) -> Result<String, RpcError> {
        let mut fake = self.state.lock().unwrap();
        if !fake.samples.products.iter().any(|p| p.id == id) {
            return Err(RpcError::NotFound(format!("listing {id}")));
        }
        fake.calls.push(format!("link {id} {tiktok_product_id}"));
        Ok(format!(
            "Listing {id} is linked to TikTok product {tiktok_product_id}."
        ))
    }

    async fn shop_settings(self, _: Context, shop: String) -> Result<ShopSettings, RpcError> {
        let fake = self.state.lock().unwrap();
        if !is_shop(&fake, &shop) {
            return Err(unknown_shop(&shop));
        }
        Ok(fake.settings.clone())
    }

    async fn set_shop_settings(
        self,
        _: Context,
        shop: String,
        settings: ShopSettings,
    ) -> Result<String, RpcError> {
        let mut fake = self.state.lock().unwrap();
        if !is_shop(&fake, &shop) {
            return Err(unknown_shop(&shop));
        }
        fake.settings = settings;
        Ok(format!("Saved the settings of {shop}."))
    }

    async fn retry_failures(
        self,
        _: Context,
        kind: FailureKind,
        organization: Option<String>,
    ) -> Result<u32, RpcError> {
        let mut fake = self.state.lock().unwrap();
        if let Some(org) = &organization
            && !fake
                .samples
                .status
                .organizations
                .iter()
                .any(|o| o.name == *org)
        {
            return Err(RpcError::NotFound(format!("organization {org}")));
        }
        let queued = fake
            .samples
            .failures
            .iter()
            .filter(|f| f.kind == kind)
            .filter(|f| {
                organization
                    .as_ref()
                    .is_none_or(|org| f.organization == *org)
            })
            .count();
        fake.calls
            .push(format!("retry {} {organization:?}", kind.label()));
        Ok(u32::try_from(queued).unwrap())
    }

    async fn order_detail(self, _: Context, order_id: i64) -> Result<OrderDetail, RpcError> {
        let fake = self.state.lock().unwrap();
        let order = fake.samples.orders.iter().find(|o| o.id == order_id);
        order
            .cloned()
            .map(sample_order_detail)
            .ok_or_else(|| RpcError::NotFound(format!("order {order_id}")))
    }

    async fn resync_order(self, _: Context, order_id: i64) -> Result<String, RpcError> {
        let mut fake = self.state.lock().unwrap();
        let Some(order) = fake.samples.orders.iter().find(|o| o.id == order_id) else {
            return Err(RpcError::NotFound(format!("order {order_id}")));
        };
        let message = format!(
            "TikTok order {} will be looked at again now.",
            order.tiktok_order_id
        );
        fake.calls.push(format!("resync {order_id}"));
        Ok(message)
    }

    async fn order_settings(self, _: Context, shop: String) -> Result<OrderSettings, RpcError> {
        let fake = self.state.lock().unwrap();
        if !is_shop(&fake, &shop) {
            return Err(unknown_shop(&shop));
        }
        Ok(fake.order_settings.clone())
    }

    async fn set_order_settings(
        self,
        _: Context,
        shop: String,
        settings: OrderSettings,
    ) -> Result<String, RpcError> {
        let mut fake = self.state.lock().unwrap();
        if !is_shop(&fake, &shop) {
            return Err(unknown_shop(&shop));
        }
        if settings.hold_minutes > 1440 {
            return Err(RpcError::Invalid(
                "hold_minutes: at most 1440 (a day); TikTok expects orders to ship sooner".into(),
            ));
        }
        fake.order_settings = settings;
        fake.calls.push(format!("order settings {shop}"));
        Ok(format!("Saved the order settings of {shop}."))
    }

    async fn mcf_settings(
        self,
        _: Context,
        shop: String,
    ) -> Result<feedbridge_common::mcf::McfSettings, RpcError> {
        let fake = self.state.lock().unwrap();
        if !is_shop(&fake, &shop) {
            return Err(unknown_shop(&shop));
        }
        Ok(fake.mcf_settings.clone())
    }

    async fn set_mcf_settings(
        self,
        _: Context,
        shop: String,
        settings: feedbridge_common::mcf::McfSettings,
    ) -> Result<String, RpcError> {
        let mut fake = self.state.lock().unwrap();
        if !is_shop(&fake, &shop) {
            return Err(unknown_shop(&shop));
        }
        fake.calls.push(format!("mcf settings {shop}"));
        fake.mcf_settings = settings;
        Ok(format!("Amazon MCF settings of {shop} saved."))
    }

    async fn carrier_choices(self, _: Context, shop: String) -> Result<CarrierChoices, RpcError> {
        let fake = self.state.lock().unwrap();
        if !is_shop(&fake, &shop) {
            return Err(unknown_shop(&shop));
        }
        Ok(CarrierChoices {
            shop,
            mappings: fake.order_settings.carrier_mappings.clone(),
            providers: fake.providers.clone(),
            region_default: fake.region_default.clone(),
            unmapped_seen: fake.unmapped_seen.clone(),
        })
    }

    async fn attribute_form(
        self,
        _: Context,
        target: AttributeTarget,
    ) -> Result<AttributeForm, RpcError> {
        let fake = self.state.lock().unwrap();
        Ok(sample_attribute_form(target, &fake.calls))
    }

    async fn set_attributes(
        self,
        _: Context,
        target: AttributeTarget,
        values: Vec<(String, Vec<String>)>,
    ) -> Result<String, RpcError> {
        let mut fake = self.state.lock().unwrap();
        let label = match &target {
            AttributeTarget::Listing { listing_id } => listing_id.to_string(),
            AttributeTarget::Category { shop, category_id } => format!("{shop}/{category_id}"),
        };
        for (name, chosen) in &values {
            fake.calls
                .push(format!("attributes {label} {name}={}", chosen.join(",")));
        }
        Ok(format!("Organic Tee: {} attribute(s) saved.", values.len()))
    }

    async fn attribute_rules(
        self,
        _: Context,
        shop: String,
    ) -> Result<Vec<AttributeRule>, RpcError> {
        let fake = self.state.lock().unwrap();
        if !is_shop(&fake, &shop) {
            return Err(unknown_shop(&shop));
        }
        Ok(Vec::new())
    }

    async fn set_attribute_rule(
        self,
        _: Context,
        shop: String,
        attribute: String,
        store_option: Option<String>,
    ) -> Result<String, RpcError> {
        let mut fake = self.state.lock().unwrap();
        if !is_shop(&fake, &shop) {
            return Err(unknown_shop(&shop));
        }
        fake.calls.push(format!(
            "rule {shop} {attribute}={}",
            store_option.unwrap_or_default()
        ));
        Ok(format!("{shop}: rule saved."))
    }

    async fn set_carrier_mapping(
        self,
        _: Context,
        shop: String,
        store_carrier: String,
        tiktok_provider: Option<String>,
    ) -> Result<String, RpcError> {
        let mut fake = self.state.lock().unwrap();
        if !is_shop(&fake, &shop) {
            return Err(unknown_shop(&shop));
        }
        let same = |m: &CarrierMapping| m.store_carrier.eq_ignore_ascii_case(&store_carrier);
        match tiktok_provider {
            Some(provider) => {
                if !fake.providers.contains(&provider) {
                    return Err(RpcError::Invalid(format!(
                        "'{provider}' is not a shipping provider of {shop}; choose one of: {}",
                        fake.providers.join(", ")
                    )));
                }
                let mappings = &mut fake.order_settings.carrier_mappings;
                mappings.retain(|m| !same(m));
                mappings.push(CarrierMapping {
                    store_carrier: store_carrier.clone(),
                    tiktok_provider: provider.clone(),
                });
                fake.unmapped_seen
                    .retain(|c| !c.eq_ignore_ascii_case(&store_carrier));
                fake.calls
                    .push(format!("carrier {shop} {store_carrier} -> {provider}"));
                Ok(format!(
                    "Tracking from '{store_carrier}' now goes to TikTok as {provider}."
                ))
            }
            None => {
                let mappings = &mut fake.order_settings.carrier_mappings;
                if !mappings.iter().any(same) {
                    return Err(RpcError::NotFound(format!(
                        "carrier mapping for '{store_carrier}' on {shop}"
                    )));
                }
                mappings.retain(|m| !same(m));
                fake.calls
                    .push(format!("carrier {shop} {store_carrier} -> none"));
                Ok(format!("Removed the mapping of '{store_carrier}'."))
            }
        }
    }

    async fn status(self, _: Context) -> StatusReport {
        let state = self.state.lock().unwrap();
        let mut status = state.samples.status.clone();
        status.latest_event = state.events.last().map_or(0, |e| e.seq);
        status
    }

    async fn orders(self, _: Context, filter: OrderFilter) -> Vec<OrderView> {
        let state = self.state.lock().unwrap();
        state
            .samples
            .orders
            .iter()
            .filter(|o| filter.state.is_none_or(|s| s == o.sync_state))
            .filter(|o| filter.shop.as_ref().is_none_or(|shop| o.shop == *shop))
            .filter(|o| {
                filter.search.as_ref().is_none_or(|text| {
                    let text = text.to_lowercase();
                    let has = |s: &str| s.to_lowercase().contains(&text);
                    has(&o.tiktok_order_id)
                        || o.store_order_name.as_deref().is_some_and(has)
                        || o.lines.iter().any(|l| has(&l.seller_sku))
                })
            })
            .cloned()
            .collect()
    }

    async fn products(self, _: Context, filter: ProductFilter) -> Vec<ProductView> {
        let state = self.state.lock().unwrap();
        state
            .samples
            .products
            .iter()
            .filter(|p| filter.status.is_none_or(|s| s == p.status))
            .cloned()
            .collect()
    }

    async fn failures(self, _: Context) -> Vec<FailureView> {
        self.state.lock().unwrap().samples.failures.clone()
    }

    async fn order_page(self, _: Context, query: OrderQuery) -> Result<Page<OrderView>, RpcError> {
        Ok(pages::orders(
            &self.state.lock().unwrap().samples.orders,
            &query,
        ))
    }

    async fn product_page(
        self,
        _: Context,
        query: ProductQuery,
    ) -> Result<Page<ProductView>, RpcError> {
        Ok(pages::products(
            &self.state.lock().unwrap().samples.products,
            &query,
        ))
    }

    async fn failure_page(
        self,
        _: Context,
        query: FailureQuery,
    ) -> Result<Page<FailureView>, RpcError> {
        Ok(pages::failures(
            &self.state.lock().unwrap().samples.failures,
            &query,
        ))
    }

    async fn retry_failure(self, _: Context, failure_id: i64) -> Result<String, RpcError> {
        let mut state = self.state.lock().unwrap();
        if state.samples.failures.iter().any(|f| f.id == failure_id) {
            state.retried.push(failure_id);
            Ok(format!("Failure #{failure_id} queued for another attempt."))
        } else {
            Err(RpcError::NotFound(format!("failure #{failure_id}")))
        }
    }

    async fn categories(
        self,
        _: Context,
        shop: String,
        search: String,
    ) -> Result<Vec<CategoryRef>, RpcError> {
        if shop != "demo-us" {
            return Err(RpcError::NotFound(format!("TikTok shop {shop}")));
        }
        let all = [
            ("601226", "Womenswear > Tops > T-shirts"),
            ("600001", "Home Supplies > Kitchen > Mugs"),
        ];
        Ok(all
            .iter()
            .filter(|(_, name)| name.to_lowercase().contains(&search.to_lowercase()))
            .map(|(id, name)| CategoryRef {
                id: (*id).into(),
                name: (*name).into(),
            })
            .collect())
    }

    async fn map_category(
        self,
        _: Context,
        listing_id: i64,
        category_id: String,
    ) -> Result<String, RpcError> {
        Ok(format!(
            "Listing {listing_id} now uses category {category_id}."
        ))
    }

    async fn list_products(self, _: Context, listing_ids: Vec<i64>) -> Result<u32, RpcError> {
        Ok(u32::try_from(listing_ids.len()).unwrap())
    }

    async fn compliance(
        self,
        _: Context,
        listing_id: i64,
    ) -> Result<feedbridge_common::compliance::ComplianceView, RpcError> {
        Err(RpcError::NotFound(format!("listing {listing_id}")))
    }

    async fn set_compliance(
        self,
        _: Context,
        _target: feedbridge_common::compliance::ComplianceTarget,
        _change: feedbridge_common::compliance::ComplianceChange,
    ) -> Result<String, RpcError> {
        Ok("saved".into())
    }

    async fn brands(
        self,
        _: Context,
        shop: String,
        _category_id: Option<String>,
        _search: String,
    ) -> Result<Vec<feedbridge_common::compliance::BrandView>, RpcError> {
        Err(unknown_shop(&shop))
    }

    async fn recommend_category(
        self,
        _: Context,
        shop: String,
        _title: String,
    ) -> Result<CategoryRef, RpcError> {
        if shop != "demo-us" {
            return Err(unknown_shop(&shop));
        }
        Ok(CategoryRef {
            id: "601226".into(),
            name: "Womenswear > Tops > T-shirts".into(),
        })
    }

    async fn shop_compliance(
        self,
        _: Context,
        shop: String,
    ) -> Result<feedbridge_common::compliance::ShopCompliance, RpcError> {
        Err(unknown_shop(&shop))
    }

    async fn set_shop_compliance(
        self,
        _: Context,
        shop: String,
        _compliance: feedbridge_common::compliance::ShopCompliance,
    ) -> Result<String, RpcError> {
        Err(unknown_shop(&shop))
    }

    async fn create_operator(
        self,
        _: Context,
        shop: String,
        _role: feedbridge_common::compliance::OperatorRole,
        _operator: feedbridge_common::compliance::NewOperator,
    ) -> Result<String, RpcError> {
        Err(unknown_shop(&shop))
    }

    async fn store_connect(
        self,
        _: Context,
        change: feedbridge_common::store_change::StoreChange,
    ) -> Result<String, RpcError> {
        Err(RpcError::Invalid(format!(
            "the fake daemon keeps no config files (organization {})",
            change.organization
        )))
    }

    async fn store_disconnect(self, _: Context, organization: String) -> Result<String, RpcError> {
        Err(RpcError::Invalid(format!(
            "the fake daemon keeps no config files (organization {organization})"
        )))
    }

    async fn events_since(self, _: Context, cursor: u64, max_wait_ms: u32) -> EventBatch {
        let mut latest = self.latest.clone();
        let wait = Duration::from_millis(u64::from(
            max_wait_ms.min(feedbridge_common::rpc::MAX_EVENT_WAIT_MS),
        ));
        let _ = tokio::time::timeout(wait, latest.wait_for(|seq| *seq > cursor)).await;
        let state = self.state.lock().unwrap();
        let events: Vec<EventView> = state
            .events
            .iter()
            .filter(|e| e.seq > cursor)
            .cloned()
            .collect();
        let latest = state.events.last().map_or(cursor, |e| e.seq.max(cursor));
        EventBatch { events, latest }
    }
}

pub struct FakeDaemon {
    pub socket: PathBuf,
    pub state: Arc<Mutex<FakeState>>,
    latest: watch::Sender<u64>,
    server: JoinHandle<()>,
    channels: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl FakeDaemon {
    /// Serve `samples` on `socket` (replacing a stale socket file).
    pub async fn start(socket: &Path, samples: Samples) -> Self {
        let _ = std::fs::remove_file(socket);
        let state = Arc::new(Mutex::new(FakeState {
            samples,
            events: Vec::new(),
            retried: Vec::new(),
            settings: sample_settings(),
            calls: Vec::new(),
            order_settings: sample_order_settings(),
            providers: sample_providers(),
            region_default: sample_carriers().region_default,
            unmapped_seen: sample_carriers().unmapped_seen,
            mcf_settings: feedbridge_common::mcf::McfSettings::default(),
        }));
        let (latest, latest_rx) = watch::channel(0);
        let mut incoming = tarpc::serde_transport::unix::listen(
            socket,
            tarpc::tokio_serde::formats::Json::default,
        )
        .await
        .unwrap();
        let service = FakeConsole {
            state: Arc::clone(&state),
            latest: latest_rx,
        };
        let channels: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let open = Arc::clone(&channels);
        let server = tokio::spawn(async move {
            while let Some(Ok(transport)) = incoming.next().await {
                let service = service.clone();
                open.lock().unwrap().push(tokio::spawn(
                    BaseChannel::with_defaults(transport)
                        .execute(service.serve())
                        .for_each(|request| async move {
                            tokio::spawn(request);
                        }),
                ));
            }
        });
        Self {
            socket: socket.to_path_buf(),
            state,
            latest,
            server,
            channels,
        }
    }

    /// Record an event and wake long-polls.
    pub fn push_event(&self, kind: EventKind, message: &str) {
        let seq = {
            let mut state = self.state.lock().unwrap();
            let seq = state.events.last().map_or(1, |e| e.seq + 1);
            state.events.push(EventView {
                seq,
                at: T0,
                kind,
                organization: Some("demo".into()),
                subject: "test".into(),
                message: message.into(),
            });
            seq
        };
        self.latest.send_replace(seq);
    }

    /// Stop like a crashed daemon: close every connection and remove the socket file.
    pub fn stop(self) {
        self.server.abort();
        for channel in self.channels.lock().unwrap().drain(..) {
            channel.abort();
        }
        let _ = std::fs::remove_file(&self.socket);
    }
}
