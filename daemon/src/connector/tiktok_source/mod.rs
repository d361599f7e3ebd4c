//! Another TikTok shop as the organization's store (shop → shop): its live products, prices
//! and stock are read like any store's and listed on the organization's target shops; an
//! order on a target shop takes its units off the source shop's stock at once.
//!
//! TikTok has no order tags and sets stock as absolute quantities per SKU and warehouse
//! (§4.1 `inventory/update`), so the daemon keeps the ledger that makes a deduction happen
//! once (`store::source_moves`): the quantities before and after are written as `pending`
//! before the stock is changed and `applied` after. The "store order" of a target order is
//! that ledger entry (its id is the TikTok order id): `find_order` finds a deduction already
//! made even when the daemon stopped between the change and its own record, and a pending
//! entry is finished, never made twice ([`moves::resolve`]). Cancelling puts the same units
//! back once. Moves are made one at a time per source shop, and entries left pending by a
//! crash are settled before any new one.
//!
//! The order itself is fulfilled in the target shop's Seller Center (or by Amazon MCF when
//! routing says so): shipments are not recorded on the source shop.

pub mod moves;
mod platform;

pub use platform::TikTokSourcePlatform;

use super::tiktok::auth::{TokenKeeper, TokenPair};
use super::tiktok::{SourceProduct, TikTokClient};
use super::{
    ConnectorError, ConnectorResult, ItemLevels, NewStoreFulfilment, NewStoreOrder, Page,
    ShipmentProgress, ShopProduct, SkuStock, StoreFulfilment, StoreInfo, StoreOrderRef,
    StoreOrderUpdate, StoreProduct, StoreVariant, Storefront, TikTokShop,
};
use crate::clock::Clock;
use crate::store::{self, MoveKind, MoveState, SourceMove, SourceShop, StockMove, Store};
use async_trait::async_trait;
use feedbridge_common::timestamps::{parse_rfc3339, rfc3339_of_unix, unix_secs};
use moves::Resolution;
use std::collections::BTreeMap;
use std::sync::Arc;

/// TikTok's status of a live product; the others are not offered to the target shops.
const LIVE: &str = "ACTIVATE";

/// The source shop's client and the daemon's ledger of its stock moves.
pub struct TikTokSourceStore {
    client: TikTokClient,
    /// `None` when the store is only being checked (connect/replace): no moves then.
    ledger: Option<Store>,
    /// The tokens kept in the ledger's database, taken up before the first call.
    kept: Option<KeptTokens>,
    tokens_seeded: tokio::sync::OnceCell<()>,
    org: String,
    shop_id: String,
    clock: Arc<dyn Clock>,
    /// One stock move at a time: each reads the quantities it sets.
    moving: tokio::sync::Mutex<()>,
}

fn ledger_error(error: impl std::fmt::Display) -> ConnectorError {
    ConnectorError::Retryable {
        reason: format!(
            "Could not read or write the source shop's stock ledger in feedbridge's database ({error}); will retry"
        ),
        raw: String::new(),
        retry_after: None,
    }
}

fn rejected(reason: String) -> ConnectorError {
    ConnectorError::Rejected {
        reason,
        raw: String::new(),
    }
}

/// A source product as a store product: its SKUs as variants, sales attributes and product
/// attributes as options (so the target's category mapping and attribute rules apply as for
/// any store), its price in the source shop's currency.
pub fn store_product(product: SourceProduct) -> StoreProduct {
    let variants = product
        .skus
        .iter()
        .map(|sku| {
            let values: Vec<&str> = sku
                .sales_attributes
                .iter()
                .map(|(_, v)| v.as_str())
                .collect();
            let mut options = sku.sales_attributes.clone();
            options.extend(product.attributes.iter().cloned());
            StoreVariant {
                id: moves::variant_id(&product.id, &sku.id),
                sku: sku.seller_sku.clone(),
                title: if values.is_empty() {
                    "Default".to_owned()
                } else {
                    values.join(" / ")
                },
                price: sku.price,
                available: sku.available(),
                inventory_item_id: None,
                options,
                measures: product.measures,
            }
        })
        .collect();
    StoreProduct {
        id: product.id,
        title: product.title,
        description_html: product.description_html,
        image_urls: product.image_urls,
        updated_at: rfc3339_of_unix(product.update_time),
        variants,
        facts: Default::default(),
    }
}

/// The source shop's tokens as the database keeps them (see `sync::connections::seed_tokens`).
pub(crate) struct KeptTokens {
    pub store: Store,
    pub connection: i64,
    pub from_secrets: TokenPair,
    pub keeper: Arc<TokenKeeper>,
}

impl TikTokSourceStore {
    pub(crate) fn new(
        client: TikTokClient,
        kept: Option<KeptTokens>,
        org: &str,
        shop_id: &str,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            client,
            ledger: kept.as_ref().map(|k| k.store.clone()),
            kept,
            tokens_seeded: tokio::sync::OnceCell::new(),
            org: org.to_owned(),
            shop_id: shop_id.to_owned(),
            clock,
            moving: tokio::sync::Mutex::new(()),
        }
    }

    /// The client, once the tokens the database keeps (a refresh from an earlier run) are in
    /// use: the secrets file's pair may have been used up by that refresh.
    async fn client(&self) -> ConnectorResult<&TikTokClient> {
        if let Some(kept) = &self.kept {
            self.tokens_seeded
                .get_or_try_init(|| async {
                    let tokens = crate::sync::connections::seed_tokens(
                        &kept.store,
                        kept.connection,
                        &kept.from_secrets,
                    )
                    .await
                    .map_err(ledger_error)?;
                    kept.keeper.install(tokens);
                    Ok::<_, ConnectorError>(())
                })
                .await?;
        }
        Ok(&self.client)
    }

    fn ledger(&self) -> ConnectorResult<&Store> {
        self.ledger.as_ref().ok_or_else(|| {
            rejected("This connection to the source shop is only a check; it moves no stock".into())
        })
    }

    async fn recorded(&self, order: &str, kind: MoveKind) -> ConnectorResult<Option<SourceMove>> {
        let (org, shop, order) = (self.org.clone(), self.shop_id.clone(), order.to_owned());
        self.ledger()?
            .call(move |conn| {
                let at = SourceShop {
                    org: &org,
                    shop_id: &shop,
                };
                store::source_move(conn, at, &order, kind)
            })
            .await
            .map_err(ledger_error)
    }

    async fn record(&self, record: SourceMove) -> ConnectorResult<()> {
        let (org, shop) = (self.org.clone(), self.shop_id.clone());
        let now = self.clock.now_secs();
        self.ledger()?
            .call(move |conn| {
                let at = SourceShop {
                    org: &org,
                    shop_id: &shop,
                };
                store::record_source_move(conn, at, &record, now)
            })
            .await
            .map_err(ledger_error)
    }

    /// Finish every move a crash or a lost answer left pending, oldest first.
    async fn settle_pending(&self) -> ConnectorResult<()> {
        let (org, shop) = (self.org.clone(), self.shop_id.clone());
        let pending = self
            .ledger()?
            .call(move |conn| {
                let at = SourceShop {
                    org: &org,
                    shop_id: &shop,
                };
                store::pending_source_moves(conn, at)
            })
            .await
            .map_err(ledger_error)?;
        for mut record in pending {
            self.apply(&record.tiktok_order_id, &record.moves).await?;
            record.state = MoveState::Applied;
            self.record(record).await?;
        }
        Ok(())
    }

    /// A product of the source shop, whole; a product that is gone cannot be moved.
    async fn read_product(&self, product_id: &str) -> ConnectorResult<SourceProduct> {
        self.client().await?.source_product(product_id).await?.ok_or_else(|| {
            rejected(format!(
                "Product {product_id} is no longer in the source TikTok shop {}; its stock cannot change",
                self.shop_id
            ))
        })
    }

    /// Make the recorded moves that the shop's quantities show were not made (§4.1: each
    /// product's update lists every warehouse of each SKU it changes).
    async fn apply(&self, order: &str, planned: &[StockMove]) -> ConnectorResult<()> {
        let mut by_product: BTreeMap<&str, Vec<&StockMove>> = BTreeMap::new();
        for m in planned {
            by_product.entry(&m.product_id).or_default().push(m);
        }
        for (product_id, planned) in by_product {
            let Some(product) = self.client().await?.source_product(product_id).await? else {
                tracing::warn!(org = %self.org, order, product_id, "A stock move of a product that is gone from the source TikTok shop was dropped; nothing to change.");
                continue;
            };
            let mut stock: Vec<SkuStock> = Vec::new();
            let mut changed = false;
            for sku in product
                .skus
                .iter()
                .filter(|s| planned.iter().any(|m| m.sku_id == s.id))
            {
                for (warehouse, quantity) in &sku.inventory {
                    let planned_here = planned
                        .iter()
                        .find(|m| m.sku_id == sku.id && m.warehouse_id == *warehouse);
                    let target = match planned_here.map(|m| (m, moves::resolve(m, *quantity))) {
                        Some((m, Resolution::Apply)) => {
                            changed = true;
                            m.after
                        }
                        Some((m, Resolution::Unknown)) => {
                            tracing::warn!(org = %self.org, order, sku = %sku.seller_sku, warehouse = %warehouse, expected_before = m.before, expected_after = m.after, now = quantity, "The source shop's stock changed while a stock move was unfinished; it is not made again (never twice). Check this SKU's stock in Seller Center.");
                            *quantity
                        }
                        _ => *quantity,
                    };
                    stock.push(SkuStock {
                        sku_id: sku.id.clone(),
                        warehouse_id: warehouse.clone(),
                        quantity: target,
                    });
                }
            }
            if changed {
                self.client()
                    .await?
                    .update_inventory(product_id, &stock)
                    .await?;
            }
        }
        Ok(())
    }

    /// Record, make and confirm one move.
    async fn move_once(&self, record: SourceMove) -> ConnectorResult<()> {
        self.record(record.clone()).await?;
        self.apply(&record.tiktok_order_id, &record.moves).await?;
        self.record(SourceMove {
            state: MoveState::Applied,
            ..record
        })
        .await
    }

    /// The live products of a search page, each read whole (the search omits images,
    /// attributes and measures); a product deactivated since is left out.
    async fn live_products(&self, page: Page<ShopProduct>) -> ConnectorResult<Page<StoreProduct>> {
        let mut items = Vec::new();
        for listed in page.items.iter().filter(|p| p.status == LIVE) {
            if let Some(product) = self.client().await?.source_product(&listed.id).await?
                && product.status == LIVE
            {
                items.push(store_product(product));
            }
        }
        Ok(Page {
            items,
            next: page.next,
        })
    }

    fn order_ref(&self, order: &str, deduction: &SourceMove) -> StoreOrderRef {
        let units: i64 = deduction.moves.iter().map(StockMove::taken).sum();
        StoreOrderRef {
            id: order.to_owned(),
            name: format!("-{units} in source shop"),
            total: None,
        }
    }
}

#[async_trait]
impl Storefront for TikTokSourceStore {
    async fn info(&self) -> ConnectorResult<StoreInfo> {
        let shop = self.client().await?.shop().await?;
        let currency = super::tiktok::currency_for_region(&shop.region).ok_or_else(|| {
            rejected(format!(
                "The source TikTok shop {} is in region {:?}, which feedbridge does not serve",
                shop.id, shop.region
            ))
        })?;
        Ok(StoreInfo {
            name: shop.name.clone(),
            currency: currency.to_owned(),
            stock_locations: None,
        })
    }

    async fn products(&self, cursor: Option<String>) -> ConnectorResult<Page<StoreProduct>> {
        let page = self.client().await?.shop_products(cursor).await?;
        self.live_products(page).await
    }

    /// Between whole reads a poll asks TikTok for the products updated since the newest change
    /// seen, so an unchanged catalog costs one search call, not a read of every product.
    async fn products_changed_since(
        &self,
        since: &str,
        cursor: Option<String>,
    ) -> ConnectorResult<Option<Page<StoreProduct>>> {
        let since = parse_rfc3339(since).map(unix_secs).ok_or_else(|| {
            rejected(format!(
                "The catalog cursor {since:?} is not a time; the next whole read sets it again"
            ))
        })?;
        let page = self
            .client()
            .await?
            .products_updated_since(since, cursor)
            .await?;
        self.live_products(page).await.map(Some)
    }

    async fn find_order(&self, tiktok_order_id: &str) -> ConnectorResult<Option<StoreOrderRef>> {
        let _one = self.moving.lock().await;
        let Some(found) = self.recorded(tiktok_order_id, MoveKind::Deduct).await? else {
            return Ok(None);
        };
        if found.state == MoveState::Pending {
            // Started before a crash or a lost answer: finished now, never made twice.
            self.settle_pending().await?;
        }
        Ok(Some(self.order_ref(tiktok_order_id, &found)))
    }

    async fn create_order(&self, order: &NewStoreOrder) -> ConnectorResult<StoreOrderRef> {
        let _one = self.moving.lock().await;
        self.settle_pending().await?;
        let id = order.tiktok_order_id.as_str();
        if let Some(done) = self.recorded(id, MoveKind::Deduct).await? {
            return Ok(self.order_ref(id, &done));
        }
        let units = moves::order_units(&order.lines).map_err(rejected)?;
        let mut planned = Vec::new();
        for moves::SkuUnits {
            product_id,
            sku_id,
            units: quantity,
        } in units
        {
            let product = self.read_product(&product_id).await?;
            let sku = product.skus.iter().find(|s| s.id == sku_id).ok_or_else(|| {
                rejected(format!(
                    "SKU {sku_id} is no longer in product {product_id} of the source TikTok shop; read the store's catalog again"
                ))
            })?;
            let (moves, missing) =
                moves::plan_deduction(&product_id, &sku_id, quantity, &sku.inventory);
            if missing > 0 {
                tracing::warn!(org = %self.org, order = id, sku = %sku.seller_sku, missing, "The source shop had fewer units than this order; its stock is now 0 there. Check the order can be fulfilled.");
            }
            planned.extend(moves);
        }
        let record = SourceMove {
            tiktok_order_id: id.to_owned(),
            kind: MoveKind::Deduct,
            state: MoveState::Pending,
            moves: planned,
        };
        let reference = self.order_ref(id, &record);
        self.move_once(record).await?;
        Ok(reference)
    }

    /// The source shop holds no orders of the targets: nothing to read.
    async fn orders_updated_since(
        &self,
        _since: &str,
        _cursor: Option<String>,
    ) -> ConnectorResult<Page<StoreOrderUpdate>> {
        Ok(Page {
            items: Vec::new(),
            next: None,
        })
    }

    async fn fulfilments(&self, _order_id: &str) -> ConnectorResult<Vec<StoreFulfilment>> {
        Ok(Vec::new())
    }

    async fn order_update(&self, order_id: &str) -> ConnectorResult<Option<StoreOrderUpdate>> {
        let Some(deduction) = self.recorded(order_id, MoveKind::Deduct).await? else {
            return Ok(None);
        };
        let restored = self
            .recorded(order_id, MoveKind::Restore)
            .await?
            .is_some_and(|r| r.state == MoveState::Applied);
        Ok(Some(StoreOrderUpdate {
            id: order_id.to_owned(),
            name: self.order_ref(order_id, &deduction).name,
            updated_at: String::new(),
            tiktok_order_id: Some(order_id.to_owned()),
            cancelled: restored,
            refunded: false,
            fulfilments: Vec::new(),
        }))
    }

    /// Puts the order's units back once (`restock`); without restock nothing changes.
    async fn cancel_order(&self, order_id: &str, restock: bool) -> ConnectorResult<()> {
        let _one = self.moving.lock().await;
        self.settle_pending().await?;
        if !restock || self.recorded(order_id, MoveKind::Restore).await?.is_some() {
            return Ok(());
        }
        let Some(deduction) = self.recorded(order_id, MoveKind::Deduct).await? else {
            return Ok(());
        };
        let mut current: BTreeMap<(String, String, String), i64> = BTreeMap::new();
        let mut products: Vec<&str> = deduction
            .moves
            .iter()
            .map(|m| m.product_id.as_str())
            .collect();
        products.dedup();
        for product_id in products {
            let Some(product) = self.client().await?.source_product(product_id).await? else {
                continue;
            };
            for sku in product.skus {
                for (warehouse, quantity) in sku.inventory {
                    current.insert((product_id.to_owned(), sku.id.clone(), warehouse), quantity);
                }
            }
        }
        let moves = moves::plan_restore(&deduction.moves, |m| {
            current
                .get(&(
                    m.product_id.clone(),
                    m.sku_id.clone(),
                    m.warehouse_id.clone(),
                ))
                .copied()
                .unwrap_or(0)
        });
        self.move_once(SourceMove {
            tiktok_order_id: order_id.to_owned(),
            kind: MoveKind::Restore,
            state: MoveState::Pending,
            moves,
        })
        .await
    }

    /// The order ships from the target shop's Seller Center: nothing is recorded here.
    async fn fulfil_order(
        &self,
        order_id: &str,
        _fulfilment: &NewStoreFulfilment,
    ) -> ConnectorResult<String> {
        Ok(format!("{order_id}:seller-center"))
    }

    async fn fulfilment_progress(
        &self,
        _fulfilment_id: &str,
        _progress: ShipmentProgress,
    ) -> ConnectorResult<()> {
        Ok(())
    }

    /// TikTok orders have no tags; the ledger is the record.
    async fn add_order_tags(&self, _order_id: &str, _tags: &[String]) -> ConnectorResult<()> {
        Ok(())
    }

    /// Changes are polled ([`TikTokSourcePlatform`] declares `Polling`).
    async fn register_webhooks(&self, _address: &str) -> ConnectorResult<()> {
        Ok(())
    }

    /// Stock comes with each product read (no inventory items).
    async fn inventory_levels(
        &self,
        _inventory_item_ids: &[String],
    ) -> ConnectorResult<Vec<ItemLevels>> {
        Ok(Vec::new())
    }

    async fn product(&self, product_id: &str) -> ConnectorResult<Option<StoreProduct>> {
        Ok(self
            .client
            .source_product(product_id)
            .await?
            .filter(|p| p.status == LIVE)
            .map(store_product))
    }
}
