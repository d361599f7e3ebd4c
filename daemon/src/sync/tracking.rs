//! A package's tracking onto TikTok, once: the carrier mapped to one of the providers TikTok
//! offers for the order, the number checked, the waiting lines marked shipped. Store shipments
//! (`shipping`) and Amazon's packages (`mcf`) both push through `TrackingPush`.

use super::keyed_locks::KeyedLocks;
use super::{Engine, OrgRuntime, ShopRuntime, StepFailure, carriers};
use crate::connector::{ConnectorError, RemoteLineItem, RemoteOrder, ShippingProvider};
use crate::store::{self, OrderRow};
use feedbridge_common::orders::OrderSettings;
use feedbridge_common::{EventKind, FailureKind};
use std::sync::LazyLock;
use tokio::sync::OwnedMutexGuard;

/// Who named the carrier, which decides how it is mapped and how a problem is explained.
#[derive(Clone, Copy, Debug)]
pub(super) enum Carrier<'a> {
    /// The carrier name on a store fulfilment.
    Store(&'a str),
    /// Amazon's carrier code on an MCF package.
    Amazon(&'a str),
}

/// What TikTok recorded for a pushed package.
#[derive(Debug)]
pub(super) struct Pushed {
    pub package_id: String,
    pub provider_name: String,
}

/// One order's pushes in one step: the order as TikTok shows it now, and the shop's
/// providers, read once when the first package needs them.
pub(super) struct TrackingPush<'a> {
    engine: &'a Engine,
    org: &'a OrgRuntime,
    shop: &'a ShopRuntime,
    row: &'a OrderRow,
    settings: OrderSettings,
    region: String,
    /// The order re-read from TikTok: a push whose answer was lost shows as lines carrying it.
    pub remote: RemoteOrder,
    providers: Option<Vec<ShippingProvider>>,
    /// Lines pushed in this step, which the re-read order does not show yet.
    taken: Vec<String>,
    /// Held for the step: store shipments and Amazon packages are different jobs, and two
    /// pushes side by side would each see the other's lines still waiting.
    _serial: OwnedMutexGuard<()>,
}

/// One tracking push per order at a time.
static PUSHES: LazyLock<KeyedLocks> = LazyLock::new(KeyedLocks::default);

fn subject(row: &OrderRow) -> String {
    format!("TikTok order {}", row.tiktok_order_id)
}

impl<'a> TrackingPush<'a> {
    /// Re-reads the order from TikTok and the shop's carrier rules.
    pub async fn start(
        engine: &'a Engine,
        org: &'a OrgRuntime,
        shop: &'a ShopRuntime,
        row: &'a OrderRow,
    ) -> Result<Self, StepFailure> {
        let serial = PUSHES.lock(row.id).await;
        let remote = shop
            .client
            .orders(std::slice::from_ref(&row.tiktok_order_id))
            .await
            .map_err(|e| tiktok_failure(org, row, &e))?
            .into_iter()
            .next()
            .ok_or_else(|| {
                StepFailure::rejected(
                    FailureKind::TrackingPush,
                    &org.name,
                    subject(row),
                    "TikTok no longer returns this order",
                    "Check the order in TikTok Seller Center.",
                )
            })?;
        let connection = shop.connection;
        let (settings, region) = engine
            .store
            .call(move |conn| {
                Ok((
                    store::order_settings(conn, connection)?,
                    store::connection_region(conn, connection)?,
                ))
            })
            .await?;
        let region = region.unwrap_or_else(|| remote.recipient.region_code.clone());
        Ok(Self {
            engine,
            org,
            shop,
            row,
            settings,
            region,
            remote,
            providers: None,
            taken: Vec::new(),
            _serial: serial,
        })
    }

    /// A line already carrying `number` in a TikTok package: pushed before (perhaps by a
    /// database this one replaced), never to be sent again.
    pub fn already_on_tiktok(&self, number: &str) -> Option<&RemoteLineItem> {
        self.remote
            .line_items
            .iter()
            .find(|item| item.tracking_number == number && !item.package_id.is_empty())
    }

    /// Ids of lines still waiting for tracking: `quantity` of each SKU, none pushed already.
    pub fn waiting_lines(&self, units: &[(String, u32)]) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for (sku, quantity) in units {
            let more: Vec<String> = self
                .remote
                .line_items
                .iter()
                .filter(|item| {
                    &item.seller_sku == sku
                        && item.package_id.is_empty()
                        && item.tracking_number.is_empty()
                        && !self.taken.contains(&item.id)
                        && !ids.contains(&item.id)
                })
                .take(*quantity as usize)
                .map(|item| item.id.clone())
                .collect();
            ids.extend(more);
        }
        ids
    }

    /// Marks `line_ids` shipped on TikTok with `number`, the carrier mapped to a provider the
    /// order's delivery option offers. A carrier that maps to nothing, or a number TikTok would
    /// refuse, is a failure that says what to fix.
    pub async fn push(
        &mut self,
        line_ids: &[String],
        number: &str,
        carrier: Carrier<'_>,
    ) -> Result<Pushed, StepFailure> {
        let (org, row) = (self.org, self.row);
        self.read_providers().await?;
        let offered = self.providers.as_deref().unwrap_or_default();
        let choice = match carrier {
            Carrier::Store(name) => carriers::choose_provider(
                name,
                &self.settings.carrier_mappings,
                offered,
                &self.region,
            ),
            Carrier::Amazon(code) => carriers::choose_amazon_provider(
                code,
                &self.settings.carrier_mappings,
                offered,
                &self.region,
            )
            .map_err(|problem| format!("Amazon shipped it with {problem}")),
        };
        let choice = match choice {
            Ok(choice) => choice,
            Err(problem) => {
                if let Carrier::Store(name) = carrier {
                    self.note_unmapped(name, None).await?;
                }
                let (Carrier::Store(named) | Carrier::Amazon(named)) = carrier;
                return Err(StepFailure::rejected(
                    FailureKind::TrackingPush,
                    &org.name,
                    subject(row),
                    problem,
                    format!(
                        "Map \"{named}\" to a TikTok provider in the carrier editor (feedbridge carriers {} map \"{named}\" \"<provider>\"), then retry.",
                        self.shop.name
                    ),
                ));
            }
        };
        if let Some(problem) = carriers::tracking_problem(&choice.provider.name, number) {
            let (reason, action) = match carrier {
                Carrier::Store(_) => (
                    problem,
                    "Correct the tracking number (or the carrier) on the store fulfilment, then retry.",
                ),
                Carrier::Amazon(_) => (
                    format!("Amazon's {problem}"),
                    "Check the shipment in Amazon Seller Central, map the carrier code to the right TikTok provider, then retry.",
                ),
            };
            return Err(StepFailure::rejected(
                FailureKind::TrackingPush,
                &org.name,
                subject(row),
                reason,
                action,
            ));
        }
        if let Some(warning) = choice.warning.clone() {
            let unmapped = match carrier {
                Carrier::Store(name) => Some(name),
                Carrier::Amazon(_) => None,
            };
            match unmapped {
                Some(name) => self.note_unmapped(name, Some(warning)).await?,
                None => {
                    let order_id = row.id;
                    self.engine
                        .store
                        .call(move |conn| {
                            store::order_event(conn, order_id, EventKind::Failed, &warning)
                        })
                        .await?
                }
            }
        }
        let package = self
            .shop
            .client
            .mark_shipped(&row.tiktok_order_id, line_ids, number, &choice.provider.id)
            .await
            .map_err(|e| tiktok_failure(org, row, &e))?;
        self.taken.extend_from_slice(line_ids);
        Ok(Pushed {
            package_id: package.package_id,
            provider_name: choice.provider.name,
        })
    }

    /// The providers TikTok offers for the order's delivery option, read (and cached for the
    /// carrier editor) once per step.
    async fn read_providers(&mut self) -> Result<(), StepFailure> {
        if self.providers.is_none() {
            let offered = self
                .shop
                .client
                .shipping_providers(&self.remote.delivery_option_id)
                .await
                .map_err(|e| tiktok_failure(self.org, self.row, &e))?;
            let cache: Vec<(String, String)> = offered
                .iter()
                .map(|p| (p.id.clone(), p.name.clone()))
                .collect();
            let connection = self.shop.connection;
            self.engine
                .store
                .call(move |conn| store::cache_providers(conn, connection, &cache))
                .await?;
            self.providers = Some(offered);
        }
        Ok(())
    }

    /// A store carrier name no mapping covers, for the carrier editor; with the warning shown
    /// on the order when a regional default was used instead.
    async fn note_unmapped(
        &self,
        carrier: &str,
        warning: Option<String>,
    ) -> Result<(), StepFailure> {
        let (connection, seen, order_id) = (self.shop.connection, carrier.to_owned(), self.row.id);
        Ok(self
            .engine
            .store
            .call(move |conn| {
                store::note_unmapped_carrier(conn, connection, &seen)?;
                match warning {
                    Some(warning) => {
                        store::order_event(conn, order_id, EventKind::Failed, &warning)
                    }
                    None => Ok(()),
                }
            })
            .await?)
    }
}

fn tiktok_failure(org: &OrgRuntime, row: &OrderRow, error: &ConnectorError) -> StepFailure {
    StepFailure::from_connector(
        FailureKind::TrackingPush,
        &org.name,
        subject(row),
        "TikTok Shop",
        error,
    )
}
