//! State of the Amazon simulator: LWA credentials and tokens, FBA stock, fulfilment orders, and
//! the JSON shapes SP-API returns for them (amazon-mcf.md §5, §7).

use std::collections::{BTreeMap, HashMap};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::common::{TokenBucket, iso8601};

/// How long an LWA access token lives (seconds).
pub(crate) const ACCESS_TOKEN_TTL_SECS: i64 = 3_600;

/// The seller's home marketplace and the SP-API region the sandbox serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marketplace {
    Us,
    Uk,
}

/// An SP-API region: each has its own endpoint host, and a seller's authorization (refresh
/// token) works only at the endpoint of the region it was given for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Region {
    Na,
    Eu,
    Fe,
}

impl Region {
    pub(crate) const ALL: [Region; 3] = [Self::Na, Self::Eu, Self::Fe];

    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Na => "NA",
            Self::Eu => "EU",
            Self::Fe => "FE",
        }
    }
}

/// Marketplace ids of the NA region (US, CA, MX, BR).
const NA_MARKETPLACES: &[&str] = &[
    "ATVPDKIKX0DER",
    "A2EUQ1WTGCTBG2",
    "A1AM78C64UM0Y8",
    "A2Q3Y263D00KWC",
];
/// Marketplace ids of the EU region (UK, DE, FR, IT, ES, NL, SE, PL, BE, TR, ...).
const EU_MARKETPLACES: &[&str] = &[
    "A1F83G8C2ARO7P",
    "A1PA6795UKMFR9",
    "A13V1IB3VIYZZH",
    "APJ6JRA9NG5V4",
    "A1RKKUPIHCS9HS",
    "A1805IZSGTT6HS",
    "A2NODRKZP88ZB9",
    "A1C3SOZRARQ6R3",
    "AMEN7PMS3EDWL",
    "A33AVAJ2PDY3EV",
    "A21TJRUUN4KGV",
    "ARBP9OOSHTCHU",
    "A17E79C6D8DWNP",
    "A2VIGQ35RCS4UG",
];
/// Marketplace ids of the FE region (JP, AU, SG).
const FE_MARKETPLACES: &[&str] = &["A1VC38T7YXB528", "A39IBJ37TRP1C6", "A19VAU5U5O7RUS"];

impl Marketplace {
    /// `SandboxConfig::amazon_marketplace`: "UK" (or "GB") is the UK, anything else the US.
    pub(crate) fn from_config(code: &str) -> Self {
        if matches!(code.to_ascii_uppercase().as_str(), "UK" | "GB") {
            Self::Uk
        } else {
            Self::Us
        }
    }

    pub(crate) fn id(self) -> &'static str {
        match self {
            Self::Us => "ATVPDKIKX0DER",
            Self::Uk => "A1F83G8C2ARO7P",
        }
    }

    /// The SP-API region whose endpoint serves this marketplace.
    pub(crate) fn region(self) -> Region {
        match self {
            Self::Us => Region::Na,
            Self::Uk => Region::Eu,
        }
    }

    /// The currency of the marketplace: money in a request must be in it.
    pub(crate) fn currency(self) -> &'static str {
        match self {
            Self::Us => "USD",
            Self::Uk => "GBP",
        }
    }

    fn region_marketplaces(self) -> &'static [&'static str] {
        match self {
            Self::Us => NA_MARKETPLACES,
            Self::Uk => EU_MARKETPLACES,
        }
    }

    /// Why `id` cannot be used against this sandbox, if it cannot.
    pub(crate) fn check(self, id: &str) -> Result<(), String> {
        if id == self.id() {
            return Ok(());
        }
        let known = NA_MARKETPLACES
            .iter()
            .chain(EU_MARKETPLACES)
            .chain(FE_MARKETPLACES)
            .any(|m| *m == id);
        if !known {
            return Err(format!("Invalid marketplaceId: {id}."));
        }
        if self.region_marketplaces().contains(&id) {
            // Simulator choice: the seller participates only in its home marketplace.
            Err(format!(
                "The seller is not registered in marketplace {id}; only {} is available.",
                self.id()
            ))
        } else {
            Err(format!(
                "Marketplace {id} does not belong to the region of this endpoint; call the endpoint of its region."
            ))
        }
    }

    pub(crate) fn fulfillment_center(self) -> &'static str {
        match self {
            Self::Us => "RNO1",
            Self::Uk => "LTN1",
        }
    }

    /// City, state and country of [`Marketplace::fulfillment_center`], for tracking events.
    pub(crate) fn fulfillment_center_address(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Us => ("Reno", "NV", "US"),
            Self::Uk => ("Luton", "Bedfordshire", "GB"),
        }
    }

    /// Carrier of auto-shipped packages. Simulator choice: "UPS" in the US, "ROYAL_MAIL" in
    /// the UK (the model does not enumerate carrier codes).
    pub(crate) fn default_carrier(self) -> &'static str {
        match self {
            Self::Us => "UPS",
            Self::Uk => "ROYAL_MAIL",
        }
    }
}

/// One FBA SKU of the seller in the home marketplace.
pub(crate) struct FbaItem {
    pub(crate) sku: String,
    pub(crate) product_name: String,
    pub(crate) asin: String,
    pub(crate) fn_sku: String,
    pub(crate) fulfillable: i64,
    /// Units held for open fulfilment orders (`pendingCustomerOrderQuantity`).
    pub(crate) reserved: i64,
    pub(crate) updated_ms: i64,
}

impl FbaItem {
    pub(crate) fn summary(&self, details: bool) -> Value {
        let mut v = json!({
            "asin": self.asin,
            "fnSku": self.fn_sku,
            "sellerSku": self.sku,
            "condition": "NewItem",
            "lastUpdatedTime": iso8601(self.updated_ms),
            "productName": self.product_name,
            "totalQuantity": self.fulfillable + self.reserved,
            "stores": [],
        });
        if details {
            v["inventoryDetails"] = json!({
                "fulfillableQuantity": self.fulfillable,
                "inboundWorkingQuantity": 0,
                "inboundShippedQuantity": 0,
                "inboundReceivingQuantity": 0,
                "reservedQuantity": {
                    "totalReservedQuantity": self.reserved,
                    "pendingCustomerOrderQuantity": self.reserved,
                    "pendingTransshipmentQuantity": 0,
                    "fcProcessingQuantity": 0,
                },
                "researchingQuantity": {"totalResearchingQuantity": 0, "researchingQuantityBreakdown": []},
                "unfulfillableQuantity": {
                    "totalUnfulfillableQuantity": 0, "customerDamagedQuantity": 0,
                    "warehouseDamagedQuantity": 0, "distributorDamagedQuantity": 0,
                    "carrierDamagedQuantity": 0, "defectiveQuantity": 0, "expiredQuantity": 0,
                },
            });
        }
        v
    }
}

/// `FulfillmentOrderStatus`, emitted in the model's PascalCase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Received,
    Planning,
    Processing,
    Complete,
    CompletePartialled,
    Cancelled,
    Unfulfillable,
    Invalid,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Received => "Received",
            Self::Planning => "Planning",
            Self::Processing => "Processing",
            Self::Complete => "Complete",
            Self::CompletePartialled => "CompletePartialled",
            Self::Cancelled => "Cancelled",
            Self::Unfulfillable => "Unfulfillable",
            Self::Invalid => "Invalid",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Received" => Self::Received,
            "Planning" => Self::Planning,
            "Processing" => Self::Processing,
            "Complete" => Self::Complete,
            "CompletePartialled" => Self::CompletePartialled,
            "Cancelled" => Self::Cancelled,
            "Unfulfillable" => Self::Unfulfillable,
            "Invalid" => Self::Invalid,
            _ => return None,
        })
    }

    pub(crate) fn is_final(self) -> bool {
        !matches!(self, Self::Received | Self::Planning | Self::Processing)
    }
}

pub(crate) struct OrderItem {
    pub(crate) sku: String,
    pub(crate) item_id: String,
    pub(crate) quantity: i64,
    pub(crate) fn_sku: String,
    /// Units held in FBA stock for this line.
    pub(crate) reserved: i64,
    pub(crate) cancelled: i64,
    pub(crate) unfulfillable: i64,
    /// The request's item object, echoed back (gift message, comments, prices).
    pub(crate) extra: serde_json::Map<String, Value>,
}

pub(crate) struct Package {
    pub(crate) number: i64,
    pub(crate) carrier: String,
    pub(crate) tracking: String,
    pub(crate) amazon_tracking: String,
}

pub(crate) struct Shipment {
    pub(crate) id: String,
    /// `PENDING`, `SHIPPED`, `CANCELLED_BY_SELLER`.
    pub(crate) status: &'static str,
    pub(crate) shipping_ms: i64,
    pub(crate) package: Option<Package>,
}

pub(crate) struct Order {
    pub(crate) id: String,
    /// The create request as sent, to tell an identical resubmission from a conflicting one.
    pub(crate) request: Value,
    pub(crate) marketplace_id: String,
    pub(crate) hold: bool,
    pub(crate) status: Status,
    pub(crate) received_ms: i64,
    pub(crate) updated_ms: i64,
    pub(crate) items: Vec<OrderItem>,
    pub(crate) shipments: Vec<Shipment>,
}

const ORDER_ECHO_FIELDS: &[&str] = &[
    "displayableOrderId",
    "displayableOrderDate",
    "displayableOrderComment",
    "shippingSpeedCategory",
    "destinationAddress",
    "deliveryWindow",
    "codSettings",
    "shipFromCountryCode",
];

impl Order {
    /// The `getFulfillmentOrder` payload (§5).
    pub(crate) fn payload(&self, fc: &str) -> Value {
        json!({
            "fulfillmentOrder": self.summary(),
            "fulfillmentOrderItems": self.items.iter().map(|i| self.item_json(i)).collect::<Vec<_>>(),
            "fulfillmentShipments": self.shipments.iter().map(|s| self.shipment_json(s, fc)).collect::<Vec<_>>(),
            "returnItems": [],
            "returnAuthorizations": [],
            "paymentInformation": [],
        })
        .as_object()
        .map(|o| {
            let mut o = o.clone();
            // Optional in the model and absent until the order is planned.
            if self.shipments.is_empty() {
                o.remove("fulfillmentShipments");
            }
            Value::Object(o)
        })
        .unwrap_or(Value::Null)
    }

    /// The `FulfillmentOrder` object (also what `listAllFulfillmentOrders` lists).
    pub(crate) fn summary(&self) -> Value {
        let mut v = json!({
            "sellerFulfillmentOrderId": self.id,
            "marketplaceId": self.marketplace_id,
            "fulfillmentAction": if self.hold { "Hold" } else { "Ship" },
            "fulfillmentPolicy": self.request.get("fulfillmentPolicy").cloned().unwrap_or_else(|| json!("FillOrKill")),
            "receivedDate": iso8601(self.received_ms),
            "fulfillmentOrderStatus": self.status.as_str(),
            "statusUpdatedDate": iso8601(self.updated_ms),
            "notificationEmails": self.request.get("notificationEmails").cloned().unwrap_or_else(|| json!([])),
            "featureConstraints": self.request.get("featureConstraints").cloned().unwrap_or_else(|| json!([])),
        });
        for field in ORDER_ECHO_FIELDS {
            if let Some(x) = self.request.get(*field) {
                v[*field] = x.clone();
            }
        }
        v
    }

    fn item_json(&self, item: &OrderItem) -> Value {
        let mut v = Value::Object(item.extra.clone());
        v["sellerSku"] = json!(item.sku);
        v["sellerFulfillmentOrderItemId"] = json!(item.item_id);
        v["quantity"] = json!(item.quantity);
        v["fulfillmentNetworkSku"] = json!(item.fn_sku);
        v["orderItemDisposition"] = json!("Sellable");
        v["cancelledQuantity"] = json!(item.cancelled);
        v["unfulfillableQuantity"] = json!(item.unfulfillable);
        v["estimatedShipDate"] = json!(iso8601(self.received_ms + 86_400_000));
        v["estimatedArrivalDate"] = json!(iso8601(self.received_ms + 4 * 86_400_000));
        v
    }

    fn shipment_json(&self, s: &Shipment, fc: &str) -> Value {
        let arrival = iso8601(s.shipping_ms + 3 * 86_400_000);
        let items: Vec<Value> = self
            .items
            .iter()
            .filter(|i| i.reserved > 0)
            .map(|i| {
                let mut v = json!({
                    "sellerSku": i.sku,
                    "sellerFulfillmentOrderItemId": i.item_id,
                    "quantity": i.reserved,
                    "serialNumber": "",
                });
                if let Some(p) = &s.package {
                    v["packageNumber"] = json!(p.number);
                }
                v
            })
            .collect();
        let packages: Vec<Value> = s
            .package
            .iter()
            .map(|p| {
                json!({
                    "packageNumber": p.number,
                    "carrierCode": p.carrier,
                    "trackingNumber": p.tracking,
                    "amazonFulfillmentTrackingNumber": p.amazon_tracking,
                    "estimatedArrivalDate": arrival,
                })
            })
            .collect();
        json!({
            "amazonShipmentId": s.id,
            "fulfillmentCenterId": fc,
            "fulfillmentShipmentStatus": s.status,
            "shippingDate": iso8601(s.shipping_ms),
            "estimatedArrivalDate": arrival,
            "fulfillmentShipmentItem": items,
            "fulfillmentShipmentPackage": packages,
        })
    }
}

/// Everything the simulator knows, behind one mutex.
pub(crate) struct State {
    pub(crate) marketplace: Marketplace,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) refresh_token: String,
    pub(crate) refresh_revoked: bool,
    /// Access token -> expiry (Unix seconds).
    pub(crate) access_tokens: HashMap<String, i64>,
    pub(crate) buckets: HashMap<&'static str, TokenBucket>,
    /// FBA stock by seller SKU.
    pub(crate) stock: BTreeMap<String, FbaItem>,
    pub(crate) orders: BTreeMap<String, Order>,
    /// The seller's own listings (Amazon as the store).
    pub(crate) seller: super::seller::Seller,
    pub(crate) rng: StdRng,
    next_package: i64,
}

impl State {
    pub(crate) fn seed(
        seed: u64,
        marketplace: Marketplace,
        catalog: Vec<(String, String)>,
        now_ms: i64,
    ) -> Self {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x0a3a_2011_f5ba_0001);
        let client_id = format!(
            "amzn1.application-oa2-client.{}",
            hex::encode(rng.random::<[u8; 16]>())
        );
        let client_secret = format!("amzn1.oa2-cs.v1.{}", hex::encode(rng.random::<[u8; 32]>()));
        let refresh_token = format!("Atzr|IwEB{}", hex::encode(rng.random::<[u8; 48]>()));
        let mut stock = BTreeMap::new();
        for (sku, product_name) in catalog {
            let asin = format!("B0{}", alnum(&mut rng, 8));
            let fn_sku = format!("X00{}", alnum(&mut rng, 7));
            let fulfillable = rng.random_range(10..=50);
            stock.insert(
                sku.clone(),
                FbaItem {
                    sku,
                    product_name,
                    asin,
                    fn_sku,
                    fulfillable,
                    reserved: 0,
                    updated_ms: now_ms,
                },
            );
        }
        let next_package = rng.random_range(100_000_000..200_000_000);
        Self {
            marketplace,
            client_id,
            client_secret,
            refresh_token,
            refresh_revoked: false,
            access_tokens: HashMap::new(),
            buckets: HashMap::new(),
            stock,
            orders: BTreeMap::new(),
            seller: super::seller::Seller::empty(),
            rng,
            next_package,
        }
    }

    pub(crate) fn issue_access_token(&mut self, now_secs: i64) -> String {
        let token = format!("Atza|IwEB{}", hex::encode(self.rng.random::<[u8; 48]>()));
        self.access_tokens
            .insert(token.clone(), now_secs + ACCESS_TOKEN_TTL_SECS);
        token
    }

    /// Sets a SKU's fulfillable units, adding the SKU to FBA if it was not there.
    pub(crate) fn set_stock(&mut self, sku: &str, fulfillable: i64, now_ms: i64) {
        if let Some(item) = self.stock.get_mut(sku) {
            item.fulfillable = fulfillable;
            item.updated_ms = now_ms;
            return;
        }
        let asin = format!("B0{}", alnum(&mut self.rng, 8));
        let fn_sku = format!("X00{}", alnum(&mut self.rng, 7));
        self.stock.insert(
            sku.to_string(),
            FbaItem {
                sku: sku.to_string(),
                product_name: sku.to_string(),
                asin,
                fn_sku,
                fulfillable,
                reserved: 0,
                updated_ms: now_ms,
            },
        );
    }

    /// Gives the order's held units back to fulfillable stock (cancelled, unfulfillable,
    /// invalid); what was not shipped counts as `cancelled` when `as_cancelled`.
    pub(crate) fn release(&mut self, id: &str, as_cancelled: bool, now_ms: i64) {
        let Some(order) = self.orders.get_mut(id) else {
            return;
        };
        for item in &mut order.items {
            if let Some(stock) = self.stock.get_mut(&item.sku) {
                stock.fulfillable += item.reserved;
                stock.reserved -= item.reserved;
                stock.updated_ms = now_ms;
            }
            if as_cancelled {
                item.cancelled = item.quantity - item.unfulfillable;
            } else {
                item.unfulfillable = item.quantity;
            }
            item.reserved = 0;
        }
        for s in &mut order.shipments {
            if s.status == "PENDING" {
                s.status = "CANCELLED_BY_SELLER";
            }
        }
    }

    /// Ships the order's held units in one package: `Complete`, or `CompletePartialled` when
    /// some units were unfulfillable. The units leave FBA stock.
    pub(crate) fn ship(&mut self, id: &str, carrier: &str, tracking: &str, now_ms: i64) {
        let number = self.next_package;
        self.next_package += 1;
        let amazon_tracking = format!("TBA{:012}", self.rng.random_range(0..1_000_000_000_000u64));
        let shipment_id = format!("D{}", alnum(&mut self.rng, 8));
        let Some(order) = self.orders.get_mut(id) else {
            return;
        };
        for item in &order.items {
            if let Some(stock) = self.stock.get_mut(&item.sku) {
                stock.reserved -= item.reserved;
                stock.updated_ms = now_ms;
            }
        }
        let package = Package {
            number,
            carrier: carrier.to_string(),
            tracking: tracking.to_string(),
            amazon_tracking,
        };
        match order.shipments.iter_mut().find(|s| s.status == "PENDING") {
            Some(s) => {
                s.status = "SHIPPED";
                s.shipping_ms = now_ms;
                s.package = Some(package);
            }
            None => order.shipments.push(Shipment {
                id: shipment_id,
                status: "SHIPPED",
                shipping_ms: now_ms,
                package: Some(package),
            }),
        }
        let partial = order.items.iter().any(|i| i.unfulfillable > 0);
        order.status = if partial {
            Status::CompletePartialled
        } else {
            Status::Complete
        };
        order.updated_ms = now_ms;
    }

    /// Moves an open order to Planning: Amazon has planned one (pending) shipment.
    pub(crate) fn plan(&mut self, id: &str, now_ms: i64) {
        let shipment_id = format!("D{}", alnum(&mut self.rng, 8));
        let Some(order) = self.orders.get_mut(id) else {
            return;
        };
        if order.shipments.is_empty() {
            order.shipments.push(Shipment {
                id: shipment_id,
                status: "PENDING",
                shipping_ms: now_ms + 86_400_000,
                package: None,
            });
        }
        order.status = Status::Planning;
        order.updated_ms = now_ms;
    }

    /// A tracking number the carrier would issue (valid check digit).
    pub(crate) fn tracking_number(&mut self, carrier: &str) -> String {
        if carrier == "ROYAL_MAIL" {
            let digits: Vec<u32> = (0..8).map(|_| self.rng.random_range(0..10)).collect();
            royal_mail_s10(&digits)
        } else {
            let body: String = format!(
                "{}{}",
                alnum(&mut self.rng, 8).to_ascii_uppercase(),
                (0..7)
                    .map(|_| char::from(b'0' + self.rng.random_range(0..10u8)))
                    .collect::<String>()
            );
            ups_1z(&body)
        }
    }
}

fn alnum(rng: &mut StdRng, n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    (0..n)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

/// `1Z` + 15 characters + the UPS check digit.
fn ups_1z(body: &str) -> String {
    let mut total = 0;
    for (i, c) in body.chars().enumerate() {
        let v = match c.to_digit(10) {
            Some(d) => d,
            None => (u32::from(c) - u32::from('A') + 2) % 10,
        };
        total += if i % 2 == 1 { 2 * v } else { v };
    }
    format!("1Z{body}{}", (10 - total % 10) % 10)
}

/// A Royal Mail tracked number in the UPU S10 format (`AB12345678?GB`).
fn royal_mail_s10(digits: &[u32]) -> String {
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    let check = match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    };
    let serial: String = digits.iter().map(u32::to_string).collect();
    format!("TT{serial}{check}GB")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ups_check_digit_matches_the_published_example() {
        assert_eq!(ups_1z("999AA1012345678"), "1Z999AA10123456784");
    }

    #[test]
    fn s10_check_digit() {
        // RR473124829GB: 4,7,3,1,2,4,8,2 -> check 9.
        assert_eq!(royal_mail_s10(&[4, 7, 3, 1, 2, 4, 8, 2]), "TT473124829GB");
    }
}
