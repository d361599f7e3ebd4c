//! Platform clients behind traits. Each platform module speaks its own wire format and
//! converts to these types at the edge; the sync engine never sees HTTP status codes.

pub mod amazon;
pub mod bigcommerce;
pub mod budget;
pub mod http;
pub mod magento;
pub mod prestashop;
#[cfg(test)]
pub(crate) mod prop_json;
pub mod sfcc;
pub mod shopify;
pub mod store_platform;
pub mod tiktok;
pub mod tiktok_source;
pub mod wix;
pub mod woocommerce;

use async_trait::async_trait;
pub use feedbridge_common::attributes::ProductFacts;
use feedbridge_common::compliance::{
    BrandView, CertificationRequirement, NewOperator, OperatorRole, SizeChartTemplate,
};
pub use feedbridge_common::measure::{LengthUnit, Measures, StoreUnits, WeightUnit};
use futures::StreamExt as _;
use futures::stream::BoxStream;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How a platform call failed, classified once, here, so flows only decide what to do.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ConnectorError {
    /// Worth trying again later: timeouts, 5xx, answers that did not arrive. The platform may
    /// have acted on the request.
    #[error("{reason}")]
    Retryable {
        reason: String,
        raw: String,
        retry_after: Option<Duration>,
    },
    /// The platform's rate limit refused the call before acting on it (HTTP 429, Shopify's
    /// `THROTTLED`, TikTok's rate-limit codes): nothing happened; send it again after the wait.
    #[error("{reason}")]
    Throttled {
        reason: String,
        raw: String,
        retry_after: Option<Duration>,
    },
    /// The platform refused the request as it stands; a human must change something.
    #[error("{reason}")]
    Rejected { reason: String, raw: String },
    /// The credentials no longer work (expired or revoked grant, bad token).
    #[error("{reason}")]
    Unauthorized { reason: String, raw: String },
}

impl ConnectorError {
    /// The platform's own words, for support; never contains a secret.
    pub fn raw(&self) -> &str {
        match self {
            Self::Retryable { raw, .. }
            | Self::Throttled { raw, .. }
            | Self::Rejected { raw, .. }
            | Self::Unauthorized { raw, .. } => raw,
        }
    }
}

impl ConnectorError {
    /// The same error with `edit` applied to its reason and raw text (e.g. to redact them).
    pub fn map_text(self, edit: impl Fn(&str) -> String) -> Self {
        match self {
            Self::Retryable {
                reason,
                raw,
                retry_after,
            } => Self::Retryable {
                reason: edit(&reason),
                raw: edit(&raw),
                retry_after,
            },
            Self::Throttled {
                reason,
                raw,
                retry_after,
            } => Self::Throttled {
                reason: edit(&reason),
                raw: edit(&raw),
                retry_after,
            },
            Self::Rejected { reason, raw } => Self::Rejected {
                reason: edit(&reason),
                raw: edit(&raw),
            },
            Self::Unauthorized { reason, raw } => Self::Unauthorized {
                reason: edit(&reason),
                raw: edit(&raw),
            },
        }
    }

    /// Whether trying again later may succeed with nothing changed (retryable or throttled).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Retryable { .. } | Self::Throttled { .. })
    }
}

pub type ConnectorResult<T> = Result<T, ConnectorError>;

/// One page of a listing; `next` is the opaque cursor of the next page, if any.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Store side
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreInfo {
    pub name: String,
    pub currency: String,
    /// Active locations that hold stock, where the platform has locations and says how many
    /// (Shopify); with one, a level a webhook names is the item's whole stock.
    pub stock_locations: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StoreProduct {
    /// Platform id, e.g. "gid://shopify/Product/1".
    pub id: String,
    pub title: String,
    pub description_html: String,
    pub image_urls: Vec<String>,
    /// ISO-8601 as the platform reports it.
    pub updated_at: String,
    pub variants: Vec<StoreVariant>,
    /// Tags, vendor and custom fields, for attribute rules.
    pub facts: ProductFacts,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StoreVariant {
    pub id: String,
    /// Empty when the merchant set none; such variants cannot be listed.
    pub sku: String,
    pub title: String,
    pub price: Decimal,
    /// Sellable quantity summed over the store's locations.
    pub available: i64,
    /// Key of stock change notifications (Shopify's inventory item).
    pub inventory_item_id: Option<String>,
    /// Option name -> value, e.g. ("Color", "Red").
    pub options: Vec<(String, String)>,
    /// Weight and size in kg / cm as the store records them (the product's where the
    /// platform keeps them per product); figures the store lacks are `None`.
    pub measures: Measures,
}

/// A store order as feedbridge needs to find it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreOrderRef {
    pub id: String,
    /// Human name, e.g. "#1001".
    pub name: String,
    /// The order total as the store computed it, when the call returned it.
    pub total: Option<Decimal>,
}

/// What creating an order does to store stock.
pub use feedbridge_common::orders::InventoryBehaviour;

#[derive(Clone, Debug, PartialEq)]
pub struct NewStoreOrder {
    /// The marketplace order id: the idempotency key, tagged and noted on the store order.
    pub tiktok_order_id: String,
    /// A name for the store order (the shop's order-number prefix); `None` = store numbering.
    pub name: Option<String>,
    pub currency: String,
    /// Unit prices before discounts.
    pub lines: Vec<NewStoreOrderLine>,
    /// Seller plus platform discount on the goods, as one fixed discount.
    pub discount: Decimal,
    pub shipping_fee: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    pub inventory: InventoryBehaviour,
    pub email: Option<String>,
    pub address: Option<Address>,
    pub tags: Vec<String>,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewStoreOrderLine {
    pub variant_id: String,
    pub quantity: u32,
    pub unit_price: Decimal,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Address {
    pub first_name: String,
    pub last_name: String,
    pub address1: String,
    pub address2: String,
    pub city: String,
    pub province: String,
    pub zip: String,
    pub country_code: String,
    pub phone: String,
}

/// A shipment the store recorded for one of our orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreFulfilment {
    pub id: String,
    pub tracking_number: Option<String>,
    pub carrier: Option<String>,
    /// SKU and quantity shipped in it; empty = the whole order (stores that record
    /// shipments per order, e.g. WooCommerce's Shipment Tracking).
    pub lines: Vec<(String, u32)>,
}

/// A shipment to record on a store order (tracking that came from TikTok).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewStoreFulfilment {
    pub tracking_number: String,
    pub carrier: String,
    /// Seller SKU and quantity; empty = everything still unfulfilled.
    pub lines: Vec<(String, u32)>,
}

/// Where a shipment is, for reflecting TikTok's later statuses on the store's fulfilment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShipmentProgress {
    InTransit,
    Delivered,
}

/// A store order that changed, as seen by the fulfilment poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreOrderUpdate {
    pub id: String,
    /// Human name, e.g. "#1001".
    pub name: String,
    pub updated_at: String,
    pub tiktok_order_id: Option<String>,
    pub cancelled: bool,
    /// The store refunded the whole order (a Shopify or WooCommerce refund, a Magento credit
    /// memo for everything, a PrestaShop refund state, a BigCommerce Refunded status). Before
    /// shipment it cancels the TikTok order; after, it is a difference to handle on TikTok.
    pub refunded: bool,
    pub fulfilments: Vec<StoreFulfilment>,
}

/// The merchant's own store (Shopify now; WooCommerce and others later).
#[async_trait]
pub trait Storefront: Send + Sync {
    async fn info(&self) -> ConnectorResult<StoreInfo>;
    /// Products, a page at a time, oldest update first.
    async fn products(&self, cursor: Option<String>) -> ConnectorResult<Page<StoreProduct>>;
    /// The whole catalog for a full read, in batches. The default pages through
    /// [`Storefront::products`]; a platform with a bulk export (Shopify) reads it that way.
    fn full_catalog(&self) -> BoxStream<'_, ConnectorResult<Vec<StoreProduct>>> {
        futures::stream::try_unfold(
            Some(None),
            move |cursor: Option<Option<String>>| async move {
                let Some(cursor) = cursor else {
                    return Ok(None);
                };
                let page = self.products(cursor).await?;
                Ok(Some((page.items, page.next.map(Some))))
            },
        )
        .boxed()
    }
    /// Products changed at or after `since` (ISO-8601, the store's `updated_at`, which moves
    /// with price and stock), a page at a time, for the catalog poll between full reads.
    /// `Ok(None)`: the platform has no such read, and every poll reads the whole catalog.
    async fn products_changed_since(
        &self,
        _since: &str,
        _cursor: Option<String>,
    ) -> ConnectorResult<Option<Page<StoreProduct>>> {
        Ok(None)
    }
    /// Every inventory item's levels per location, in batches, for a full read: only where
    /// levels are cheap to read in bulk (Shopify) and the store's stock webhooks name one
    /// location. The default reads none: levels are then read item by item when needed.
    fn full_inventory_levels(&self) -> BoxStream<'_, ConnectorResult<Vec<ItemLevels>>> {
        futures::stream::empty().boxed()
    }
    /// The store order created for this TikTok order, if any: the check before every create.
    async fn find_order(&self, tiktok_order_id: &str) -> ConnectorResult<Option<StoreOrderRef>>;
    async fn create_order(&self, order: &NewStoreOrder) -> ConnectorResult<StoreOrderRef>;
    /// Orders tagged as TikTok orders updated after `since` (ISO-8601), a page at a time.
    async fn orders_updated_since(
        &self,
        since: &str,
        cursor: Option<String>,
    ) -> ConnectorResult<Page<StoreOrderUpdate>>;
    async fn fulfilments(&self, order_id: &str) -> ConnectorResult<Vec<StoreFulfilment>>;
    /// The order as the store has it now (cancelled? fulfilments?); `None` if deleted.
    async fn order_update(&self, order_id: &str) -> ConnectorResult<Option<StoreOrderUpdate>>;
    /// Cancel an order (TikTok cancelled it); `restock` puts its stock back.
    async fn cancel_order(&self, order_id: &str, restock: bool) -> ConnectorResult<()>;
    /// Refund what is left of the whole order (TikTok refunded the buyer); `restock` puts its
    /// items back in stock. An order the store already shows refunded is left as it is.
    /// `Ok(false)`: this platform's connector does not refund orders.
    async fn refund_order(&self, _order_id: &str, _restock: bool) -> ConnectorResult<bool> {
        Ok(false)
    }
    /// Record a shipment with its tracking; returns the store's fulfilment id.
    async fn fulfil_order(
        &self,
        order_id: &str,
        fulfilment: &NewStoreFulfilment,
    ) -> ConnectorResult<String>;
    /// Mark a fulfilment in transit or delivered.
    async fn fulfilment_progress(
        &self,
        fulfilment_id: &str,
        progress: ShipmentProgress,
    ) -> ConnectorResult<()>;
    async fn add_order_tags(&self, order_id: &str, tags: &[String]) -> ConnectorResult<()>;
    /// Subscribe the store's webhooks we use to `address`; safe to repeat.
    async fn register_webhooks(&self, address: &str) -> ConnectorResult<()>;
    /// Sellable stock per location of these inventory items (read only for changed items).
    async fn inventory_levels(
        &self,
        inventory_item_ids: &[String],
    ) -> ConnectorResult<Vec<ItemLevels>>;
    /// One product as the store has it now; `None` if it is gone.
    async fn product(&self, product_id: &str) -> ConnectorResult<Option<StoreProduct>>;
}

/// Sellable units of one inventory item at each store location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemLevels {
    pub inventory_item_id: String,
    pub levels: Vec<LocationLevel>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocationLevel {
    /// The location id as the store names it.
    pub location_id: String,
    pub available: i64,
    /// When the store last changed it (ISO-8601), to order it against webhooks.
    pub updated_at: String,
}

// ---------------------------------------------------------------------------------------------
// Fulfilment side (Amazon Multi-Channel Fulfillment, amazon-mcf.md)
// ---------------------------------------------------------------------------------------------

/// Stock Amazon holds for one seller SKU in the marketplace (FBA inventory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FbaStock {
    pub seller_sku: String,
    /// Units Amazon can ship now (`fulfillableQuantity`).
    pub fulfillable: i64,
}

/// A fulfilment order to create; `id` is ours (derived from the TikTok order id), so a
/// create whose answer was lost is found again by it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewFulfilmentOrder {
    /// `sellerFulfillmentOrderId` (≤ 40 characters).
    pub id: String,
    /// Shown on the packing slip.
    pub displayable_id: String,
    /// ISO-8601, e.g. "2026-11-21T10:00:00Z".
    pub displayable_date: String,
    pub comment: String,
    /// `Standard`, `Expedited` or `Priority`.
    pub shipping_speed: String,
    /// `FillOrKill`, `FillAll` or `FillAllAvailable`.
    pub fill_policy: String,
    pub recipient_name: String,
    pub address: Address,
    /// Currency of the items' declared values (the order's, which routing made sure is the
    /// marketplace's).
    pub currency: String,
    pub items: Vec<NewFulfilmentItem>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFulfilmentItem {
    pub seller_sku: String,
    /// `sellerFulfillmentOrderItemId`: unique within the order.
    pub item_id: String,
    pub quantity: u32,
    /// What the buyer paid for one unit (`perUnitDeclaredValue`), in the order's currency.
    pub per_unit_value: Decimal,
}

/// Where a fulfilment order is (`FulfillmentOrderStatus`, parsed case-insensitively).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FulfilmentStatus {
    New,
    Received,
    Planning,
    Processing,
    Complete,
    CompletePartialled,
    Cancelled,
    Unfulfillable,
    Invalid,
}

impl FulfilmentStatus {
    /// Amazon still lets the seller cancel it (before picking starts).
    pub fn cancellable(self) -> bool {
        matches!(self, Self::New | Self::Received | Self::Planning)
    }

    /// Nothing more will happen to it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Complete
                | Self::CompletePartialled
                | Self::Cancelled
                | Self::Unfulfillable
                | Self::Invalid
        )
    }
}

/// A fulfilment order as Amazon reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FulfilmentOrder {
    pub id: String,
    pub status: FulfilmentStatus,
    pub items: Vec<FulfilmentOrderItem>,
    pub shipments: Vec<FulfilmentShipment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FulfilmentOrderItem {
    pub seller_sku: String,
    pub item_id: String,
    pub quantity: u32,
    pub cancelled: u32,
    pub unfulfillable: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FulfilmentShipment {
    pub amazon_shipment_id: String,
    /// `PENDING`, `SHIPPED`, `CANCELLED_BY_FULFILLER`, `CANCELLED_BY_SELLER`.
    pub status: String,
    pub packages: Vec<FulfilmentPackage>,
    /// (item id, quantity, package number) shipped in it.
    pub items: Vec<(String, u32, u32)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FulfilmentPackage {
    pub package_number: u32,
    /// Amazon's carrier code, e.g. "UPS", "USPS", "AMZN_US".
    pub carrier_code: String,
    pub tracking_number: Option<String>,
}

/// A fulfilment network that ships orders from its own stock (Amazon MCF).
#[async_trait]
pub trait Fulfiller: Send + Sync {
    /// Stock the network holds, a page at a time (every SKU of the marketplace).
    async fn inventory(&self, cursor: Option<String>) -> ConnectorResult<Page<FbaStock>>;
    /// Create the order. Amazon answers nothing but success; look it up with
    /// [`Fulfiller::fulfilment_order`] before repeating a create whose outcome is unknown.
    async fn create_order(&self, order: &NewFulfilmentOrder) -> ConnectorResult<()>;
    /// The order by our id; `None` if Amazon has no such order.
    async fn fulfilment_order(&self, id: &str) -> ConnectorResult<Option<FulfilmentOrder>>;
    /// Cancel it; Amazon refuses once it is Processing.
    async fn cancel_order(&self, id: &str) -> ConnectorResult<()>;
}

// ---------------------------------------------------------------------------------------------
// TikTok side
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizedShop {
    pub id: String,
    pub name: String,
    pub region: String,
    pub cipher: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: String,
    pub parent_id: String,
    pub name: String,
    pub is_leaf: bool,
    /// TikTok lets this shop list in it (`permission_statuses` has AVAILABLE); invite-only
    /// and closed categories are kept for display but cannot be mapped.
    pub available: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryAttribute {
    pub id: String,
    pub name: String,
    pub required: bool,
    /// SALES_PROPERTY (varies per SKU) or PRODUCT_PROPERTY.
    pub is_sales_property: bool,
    /// Values outside `values` may be sent (by name).
    pub customizable: bool,
    /// Several values may be sent.
    pub multiple: bool,
    pub values: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewProduct {
    pub title: String,
    pub description_html: String,
    pub category_id: String,
    /// URIs returned by image upload.
    pub image_uris: Vec<String>,
    pub package_weight_kg: Decimal,
    /// Length, width, height in centimetres.
    pub package_dimensions_cm: (Decimal, Decimal, Decimal),
    pub attributes: Vec<(String, String)>,
    pub skus: Vec<NewSku>,
    /// Our store product id; also the base of the idempotency key.
    pub external_product_id: String,
    pub idempotency_key: String,
    /// Brand, certifications, size chart and EU operators, already uploaded.
    pub compliance: ProductCompliance,
}

/// The compliance part of a product as TikTok references it (documents already uploaded).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductCompliance {
    /// `None`: no brand.
    pub brand_id: Option<String>,
    pub certifications: Vec<CertificationDocs>,
    pub size_chart: Option<SizeChartRef>,
    pub manufacturer_ids: Vec<String>,
    pub responsible_person_ids: Vec<String>,
}

/// One certification and its uploaded documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificationDocs {
    pub id: String,
    pub image_uris: Vec<String>,
    pub files: Vec<UploadedFile>,
}

/// A file uploaded to TikTok (`/product/202309/files/upload`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedFile {
    pub id: String,
    pub name: String,
    pub format: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SizeChartRef {
    ImageUri(String),
    Template(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewSku {
    pub seller_sku: String,
    pub external_sku_id: String,
    pub price: Decimal,
    pub currency: String,
    pub warehouse_id: String,
    pub quantity: i64,
    /// (attribute name, value), e.g. ("Color", "Red"); empty for single-SKU products.
    pub sales_attributes: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedProduct {
    pub product_id: String,
    /// (seller_sku, TikTok SKU id)
    pub skus: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteProduct {
    pub id: String,
    /// TikTok's status string: PENDING, ACTIVATE, FAILED, ...
    pub status: String,
    /// Review reasons when FAILED, flattened to readable lines.
    pub audit_failed_reasons: Vec<String>,
    pub skus: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SkuStock {
    pub sku_id: String,
    pub warehouse_id: String,
    pub quantity: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SkuPrice {
    pub sku_id: String,
    pub amount: Decimal,
    pub currency: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warehouse {
    pub id: String,
    pub name: String,
    pub kind: WarehouseKind,
    /// TikTok's effect_status: ENABLED, DISABLED, RESTRICTED (or a newer value).
    pub effect_status: String,
    pub is_default: bool,
}

impl Warehouse {
    pub fn enabled(&self) -> bool {
        self.effect_status == "ENABLED"
    }
}

/// A warehouse as the onboarding checks see it: its kind, whether TikTok lets it work, and
/// the delivery options turned on for it (sales warehouses that are enabled only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarehouseSetup {
    pub id: String,
    pub name: String,
    pub kind: WarehouseKind,
    /// TikTok's effect_status: ENABLED, DISABLED, RESTRICTED (or a newer value).
    pub effect_status: String,
    pub is_default: bool,
    /// Names of the delivery options turned on for it.
    pub delivery_options: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarehouseKind {
    Sales,
    Return,
    /// A type this feedbridge does not know; neither sells nor takes returns for it.
    Other,
}

impl WarehouseSetup {
    pub fn enabled(&self) -> bool {
        self.effect_status == "ENABLED"
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShippingProvider {
    pub id: String,
    pub name: String,
}

/// A TikTok order as the connector reads it. Stored as `store::order_record`'s own versioned
/// shape, never serialized as is.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteOrder {
    pub id: String,
    pub status: tiktok::status::OrderStatus,
    pub update_time: i64,
    pub create_time: i64,
    /// 0 until paid.
    pub paid_time: i64,
    pub fulfillment_type: tiktok::status::FulfillmentType,
    pub shipping_type: tiktok::status::ShippingType,
    pub delivery_option_id: String,
    pub currency: String,
    pub sub_total: Decimal,
    pub seller_discount: Decimal,
    pub platform_discount: Decimal,
    pub shipping_fee: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
    /// The buyer asked to cancel and the seller has not answered yet.
    pub is_buyer_request_cancel: bool,
    pub buyer_email: String,
    pub recipient: RemoteAddress,
    /// One per unit, as TikTok reports them.
    pub line_items: Vec<RemoteLineItem>,
}

impl RemoteOrder {
    pub fn is_cancelled(&self) -> bool {
        self.status == tiktok::status::OrderStatus::Cancelled
    }

    /// Fulfilled by TikTok (FBT): TikTok ships it from its warehouse.
    pub fn is_fbt(&self) -> bool {
        self.fulfillment_type == tiktok::status::FulfillmentType::TikTok
    }

    /// A paid seller-shipped order awaiting shipment, with no lines: tests change what they
    /// need.
    #[cfg(test)]
    pub fn sample(id: &str) -> Self {
        Self {
            id: id.into(),
            status: tiktok::status::OrderStatus::AwaitingShipment,
            update_time: 1,
            create_time: 1,
            paid_time: 1,
            fulfillment_type: tiktok::status::FulfillmentType::Seller,
            shipping_type: tiktok::status::ShippingType::Seller,
            delivery_option_id: "d".into(),
            currency: "USD".into(),
            sub_total: Decimal::ZERO,
            seller_discount: Decimal::ZERO,
            platform_discount: Decimal::ZERO,
            shipping_fee: Decimal::ZERO,
            tax: Decimal::ZERO,
            total: Decimal::ONE,
            is_buyer_request_cancel: false,
            buyer_email: String::new(),
            recipient: RemoteAddress::default(),
            line_items: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemoteAddress {
    pub first_name: String,
    pub last_name: String,
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub region_code: String,
    pub phone: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RemoteLineItem {
    pub id: String,
    pub sku_id: String,
    pub seller_sku: String,
    /// Price before seller and platform discounts (0 when TikTok did not say).
    pub original_price: Decimal,
    pub sale_price: Decimal,
    pub package_id: String,
    pub tracking_number: String,
    pub shipping_provider_name: String,
    pub package_status: String,
}

impl RemoteLineItem {
    /// One unit of `seller_sku` at 1.00, waiting for shipment (tests change what they need).
    #[cfg(test)]
    pub fn sample(id: &str, seller_sku: &str) -> Self {
        Self {
            id: id.into(),
            sku_id: format!("sku-{id}"),
            seller_sku: seller_sku.into(),
            original_price: Decimal::ONE,
            sale_price: Decimal::ONE,
            package_id: String::new(),
            tracking_number: String::new(),
            shipping_provider_name: String::new(),
            package_status: String::new(),
        }
    }
}

/// A cancellation of a TikTok order (§4.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteCancellation {
    pub id: String,
    pub order_id: String,
    pub status: tiktok::status::CancellationStatus,
    /// Who asked: BUYER, SELLER, OPERATOR or SYSTEM (shown, never decided on).
    pub role: String,
}

/// Which return and refund requests to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnsQuery<'a> {
    /// Those of one TikTok order.
    Order(&'a str),
    /// Those updated at or after this time (Unix seconds).
    UpdatedSince(i64),
}

/// A return or refund request and the TikTok order it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteReturn {
    pub order_id: String,
    pub request: feedbridge_common::returns::ReturnRequest,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShippedPackage {
    pub package_id: String,
}

/// One TikTok shop, authorized and scoped (its cipher resolved).
#[async_trait]
pub trait TikTokShop: Send + Sync {
    /// Shops the grant covers (no cipher needed).
    async fn authorized_shops(&self) -> ConnectorResult<Vec<AuthorizedShop>>;
    async fn categories(&self) -> ConnectorResult<Vec<Category>>;
    async fn category_attributes(
        &self,
        category_id: &str,
    ) -> ConnectorResult<Vec<CategoryAttribute>>;
    /// Upload image bytes; returns the URI to use in a product.
    async fn upload_image(&self, bytes: Vec<u8>, file_name: &str) -> ConnectorResult<String>;
    async fn create_product(&self, product: &NewProduct) -> ConnectorResult<CreatedProduct>;
    /// Products in this shop that carry any of these seller SKUs: the check before a create.
    async fn find_products_by_seller_sku(
        &self,
        seller_skus: &[String],
    ) -> ConnectorResult<Vec<RemoteProduct>>;
    async fn product(&self, product_id: &str) -> ConnectorResult<RemoteProduct>;
    async fn update_inventory(&self, product_id: &str, stock: &[SkuStock]) -> ConnectorResult<()>;
    async fn update_prices(&self, product_id: &str, prices: &[SkuPrice]) -> ConnectorResult<()>;
    async fn warehouses(&self) -> ConnectorResult<Vec<Warehouse>>;
    /// Orders updated at or after `since` (Unix seconds), a page at a time, oldest first.
    async fn orders_updated_since(
        &self,
        since: i64,
        cursor: Option<String>,
    ) -> ConnectorResult<Page<RemoteOrder>>;
    /// Up to 50 orders by id.
    async fn orders(&self, ids: &[String]) -> ConnectorResult<Vec<RemoteOrder>>;
    async fn shipping_providers(
        &self,
        delivery_option_id: &str,
    ) -> ConnectorResult<Vec<ShippingProvider>>;
    /// Mark these line items shipped with a tracking number (seller shipping).
    async fn mark_shipped(
        &self,
        order_id: &str,
        line_item_ids: &[String],
        tracking_number: &str,
        shipping_provider_id: &str,
    ) -> ConnectorResult<ShippedPackage>;
    /// Subscribe the shop's webhooks we use to `address`; safe to repeat.
    async fn register_webhooks(&self, address: &str) -> ConnectorResult<()>;
    /// Shipping providers over every delivery option of every warehouse of the shop.
    async fn all_shipping_providers(&self) -> ConnectorResult<Vec<ShippingProvider>>;
    /// Every warehouse (sales and return) with its status, and the delivery options of each
    /// enabled sales warehouse: what the onboarding checks look at.
    async fn logistics_setup(&self) -> ConnectorResult<Vec<WarehouseSetup>>;
    /// Seller-initiated cancellation of a whole order (the store cancelled it).
    async fn cancel_order(&self, order_id: &str) -> ConnectorResult<()>;
    async fn cancellations(&self, order_id: &str) -> ConnectorResult<Vec<RemoteCancellation>>;
    /// Accept a buyer's pending cancellation request.
    async fn approve_cancellation(&self, cancel_id: &str) -> ConnectorResult<()>;
    /// Return and refund requests (every page).
    async fn returns(&self, query: ReturnsQuery<'_>) -> ConnectorResult<Vec<RemoteReturn>>;
    /// What TikTok shows per warehouse for the SKUs of these products (at most
    /// [`INVENTORY_SEARCH_MAX_PRODUCTS`] per call).
    async fn inventory(&self, product_ids: &[String]) -> ConnectorResult<Vec<RemoteSkuStock>>;
    /// Prices of the SKUs of every active product of the shop.
    async fn active_sku_prices(&self) -> ConnectorResult<Vec<RemoteSkuPrice>>;
    /// Replace a product's content (§4.1 full edit, PUT); TikTok reviews it again.
    async fn edit_product(
        &self,
        product_id: &str,
        product: &NewProduct,
    ) -> ConnectorResult<CreatedProduct>;
    /// What a category requires besides attributes (§4.1 rules).
    async fn category_rules(&self, category_id: &str) -> ConnectorResult<CategoryRules>;
    /// One page of every product of the shop, any status (for linking by seller SKU).
    async fn shop_products(&self, cursor: Option<String>) -> ConnectorResult<Page<ShopProduct>>;
    /// Upload an image shown inside a description; returns the URL TikTok hosts it at.
    async fn upload_description_image(
        &self,
        bytes: Vec<u8>,
        file_name: &str,
    ) -> ConnectorResult<String>;
    /// The shop's TikTok brands (every page): usable in `category_id` when given, whose name
    /// contains `name` when not empty.
    async fn brands(
        &self,
        category_id: Option<&str>,
        name: &str,
    ) -> ConnectorResult<Vec<BrandView>>;
    /// The seller's size chart templates (every page) whose name contains `keyword`.
    async fn size_chart_templates(&self, keyword: &str) -> ConnectorResult<Vec<SizeChartTemplate>>;
    /// Upload a certification or size chart image (`use_case` CERTIFICATION_IMAGE or
    /// SIZE_CHART_IMAGE); returns its URI.
    async fn upload_compliance_image(
        &self,
        bytes: Vec<u8>,
        file_name: &str,
        use_case: &str,
    ) -> ConnectorResult<String>;
    /// Upload a certification file (PDF).
    async fn upload_file(&self, bytes: Vec<u8>, file_name: &str) -> ConnectorResult<UploadedFile>;
    /// TikTok's suggested leaf category id for a product title.
    async fn recommend_category(&self, title: &str) -> ConnectorResult<String>;
    /// Register an EU manufacturer or responsible person; returns its TikTok id.
    async fn create_operator(
        &self,
        role: OperatorRole,
        operator: &NewOperator,
    ) -> ConnectorResult<String>;
}

/// Products per `inventory/search` call the daemon sends (the cap is not documented; kept small).
pub const INVENTORY_SEARCH_MAX_PRODUCTS: usize = 20;

/// Stock of one TikTok SKU as TikTok shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteSkuStock {
    pub product_id: String,
    pub sku_id: String,
    /// (warehouse id, quantity)
    pub warehouses: Vec<(String, i64)>,
}

/// Price of one TikTok SKU as TikTok shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteSkuPrice {
    pub product_id: String,
    pub sku_id: String,
    pub price: Decimal,
}

/// What a TikTok category demands of a listing beyond its attributes (§4.1 rules).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRules {
    pub package_dimensions_required: bool,
    pub size_chart_required: bool,
    /// Certifications the category asks for, required or optional.
    pub certifications: Vec<CertificationRequirement>,
    pub manufacturer_required: bool,
    pub responsible_person_required: bool,
}

/// A product as the shop's catalog lists it (for linking).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShopProduct {
    pub id: String,
    pub title: String,
    pub status: String,
    /// (seller SKU, TikTok SKU id)
    pub skus: Vec<(String, String)>,
}

/// A platform answer's class, as the connectors' classification tables name it.
#[cfg(test)]
pub(crate) fn answer_kind(result: &ConnectorResult<Option<serde_json::Value>>) -> &'static str {
    match result {
        Ok(Some(_)) => "data",
        Ok(None) => "not_found",
        Err(ConnectorError::Retryable { .. }) => "retryable",
        Err(ConnectorError::Throttled { .. }) => "throttled",
        Err(ConnectorError::Rejected { .. }) => "rejected",
        Err(ConnectorError::Unauthorized { .. }) => "unauthorized",
    }
}
