//! The demo's story, told through the daemon's RPC and the simulators' control API: the store's
//! products are mapped and listed, TikTok's reviewers approve them, buyers order, the store
//! ships, and the daemon carries each step across.

use super::control::{self, Control};
use crate::client::ctx;
use feedbridge_common::{
    CategoryRef, ConsoleClient, ListingStatus, OrderFilter, OrderSyncState, OrderView,
    ProductFilter, ProductView,
};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// How many orders the demo's buyers place.
pub const ORDERS_TO_PLACE: usize = 4;
/// Carrier the demo warehouse ships with.
pub const CARRIER: &str = "USPS";
/// Give up waiting for every seeded product after this long and go on with what is there.
const DISCOVERY_GRACE: Duration = Duration::from_secs(15);
/// Place orders once this long has passed since listing, even if some reviews are pending.
const REVIEW_GRACE: Duration = Duration::from_secs(20);
/// Attempts at each one-off step before the demo stops trying it.
const MAX_TRIES: u32 = 5;
/// Categories tried per listing before the demo leaves its failure for a human.
const MAX_CATEGORY_TRIES: usize = 4;
/// Longest pause between steps; news from the daemon ends it early.
const STEP_WAIT_MS: u32 = 1_000;

/// Where progress messages go (stderr when headless, the status line in the console).
pub type Progress = Arc<dyn Fn(String) + Send + Sync>;

/// The TikTok order ids the demo placed, shared so a summary can be taken at any time.
pub type Placed = Arc<Mutex<Vec<String>>>;

pub fn placed_ids(placed: &Placed) -> Vec<String> {
    placed
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

pub struct Scenario {
    client: ConsoleClient,
    control: Control,
    progress: Progress,
    want_products: usize,
    started: Instant,
    categories: HashMap<String, Vec<CategoryRef>>,
    /// Categories tried per listing, in order; the last is the current one.
    tried: HashMap<i64, Vec<String>>,
    listed_at: Option<Instant>,
    list_tries: u32,
    reviewed: HashSet<String>,
    order_tries: u32,
    /// Time between buyers' orders (zero: all at once); a person watching needs a moment.
    pace: Duration,
    next_order_at: Instant,
    stock_changed: bool,
    placed: Placed,
    /// The order the merchant refunded in the store (stores that model refunds only).
    refunded: Placed,
    /// The order of a SKU the store cannot ship (Amazon FBM), which the daemon must block.
    blocked: Placed,
    /// Those SKUs (read once, before the first order).
    seller_center_skus: Option<HashSet<String>>,
    /// Units the demo's orders took, per seller SKU.
    ordered: HashMap<String, i64>,
    fulfilled: HashSet<String>,
    fulfil_tries: HashMap<String, u32>,
    seen_states: HashMap<String, OrderSyncState>,
    seen_listings: HashMap<i64, ListingStatus>,
}

impl Scenario {
    pub fn new(
        client: ConsoleClient,
        control: Control,
        progress: Progress,
        want_products: usize,
    ) -> Self {
        Self {
            client,
            control,
            progress,
            want_products,
            started: Instant::now(),
            categories: HashMap::new(),
            tried: HashMap::new(),
            listed_at: None,
            list_tries: 0,
            reviewed: HashSet::new(),
            order_tries: 0,
            pace: Duration::ZERO,
            next_order_at: Instant::now(),
            stock_changed: false,
            placed: Placed::default(),
            refunded: Placed::default(),
            blocked: Placed::default(),
            seller_center_skus: None,
            ordered: HashMap::new(),
            fulfilled: HashSet::new(),
            fulfil_tries: HashMap::new(),
            seen_states: HashMap::new(),
            seen_listings: HashMap::new(),
        }
    }

    /// Space the buyers' orders out by `pace`.
    #[must_use]
    pub fn paced(mut self, pace: Duration) -> Self {
        self.pace = pace;
        self
    }

    pub fn placed(&self) -> Placed {
        Arc::clone(&self.placed)
    }

    /// The orders placed for a SKU the store cannot ship, expected Blocked.
    pub fn blocked(&self) -> Placed {
        Arc::clone(&self.blocked)
    }

    /// The orders the merchant refunded in the store instead of shipping.
    pub fn refunded(&self) -> Placed {
        Arc::clone(&self.refunded)
    }

    fn say(&self, message: impl Into<String>) {
        (self.progress)(message.into());
    }

    /// Drive the story until every order the demo placed is shipped (or failed/cancelled).
    /// Fails only when the daemon cannot be reached.
    pub async fn run(&mut self) -> anyhow::Result<()> {
        let mut cursor = self.client.status(ctx()).await?.latest_event;
        self.say(format!(
            "Waiting for the daemon to read the store's {} products…",
            self.want_products
        ));
        loop {
            let (products, orders) = tokio::try_join!(
                self.client.products(ctx(), ProductFilter::default()),
                self.client.orders(ctx(), OrderFilter::default()),
            )?;
            self.report_listings(&products);
            if self.listed_at.is_none() {
                if self.ready_to_list(&products).await? {
                    self.map_and_list(&products).await?;
                }
            } else {
                self.retry_categories(&products).await?;
                self.approve_pending().await;
                let placed = placed_ids(&self.placed);
                if placed.len() < ORDERS_TO_PLACE
                    && self.order_tries < MAX_TRIES
                    && Instant::now() >= self.next_order_at
                    && self.ready_to_order(&products)
                {
                    self.place_orders(&products, placed.len()).await;
                }
                if !placed.is_empty() {
                    self.change_stock_once(&products, &orders).await;
                    self.report_orders(&orders, &placed);
                    self.refund_once(&orders, &placed).await;
                    self.fulfil(&orders, &placed).await;
                    let placing_done =
                        placed.len() >= ORDERS_TO_PLACE || self.order_tries >= MAX_TRIES;
                    let reviewing = products
                        .iter()
                        .any(|p| p.status == ListingStatus::UnderReview);
                    let blocked = placed_ids(&self.blocked);
                    let source = self.control.store_is_source_shop();
                    if placing_done && all_settled(&orders, &placed, &blocked, source) && !reviewing
                    {
                        return Ok(());
                    }
                }
            }
            let batch = self
                .client
                .events_since(ctx(), cursor, STEP_WAIT_MS)
                .await?;
            cursor = batch.latest;
        }
    }

    /// Every product read and every shop connected (the second shop waits for its currency
    /// rate), or the grace period over with something to list.
    async fn ready_to_list(&self, products: &[ProductView]) -> anyhow::Result<bool> {
        if !products.is_empty() && self.started.elapsed() >= DISCOVERY_GRACE {
            return Ok(true);
        }
        if products.len() < self.want_products {
            return Ok(false);
        }
        let status = self.client.status(ctx()).await?;
        Ok(status
            .organizations
            .iter()
            .flat_map(|org| &org.shops)
            .all(|shop| shop.state == feedbridge_common::ConnectionState::Connected))
    }

    async fn map_and_list(&mut self, products: &[ProductView]) -> anyhow::Result<()> {
        if self.list_tries == 0 {
            self.say(format!(
                "The daemon found {} products; choosing TikTok categories.",
                products.len()
            ));
        }
        self.list_tries += 1;
        for product in products {
            if product.category.is_some() || self.tried.contains_key(&product.id) {
                continue;
            }
            if let Some(category) = self.map_next(product).await? {
                self.say(format!("Mapped “{}” to {}.", product.title, category.name));
            }
        }
        let ids: Vec<i64> = products
            .iter()
            .filter(|p| p.category.is_some() || self.tried.contains_key(&p.id))
            .map(|p| p.id)
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        match self.client.list_products(ctx(), ids).await? {
            Ok(queued) => {
                self.listed_at = Some(Instant::now());
                self.say(format!(
                    "Queued {queued} listings for TikTok; they go to TikTok's review next."
                ));
            }
            Err(error) if self.list_tries >= MAX_TRIES => {
                self.listed_at = Some(Instant::now());
                self.say(format!("Could not list the products: {error}"));
            }
            Err(error) => self.say(format!("Listing the products failed ({error}); retrying.")),
        }
        Ok(())
    }

    /// Map a listing to the best category not tried yet; the category, if it was mapped.
    async fn map_next(&mut self, product: &ProductView) -> anyhow::Result<Option<CategoryRef>> {
        let Some(leaves) = self.leaves(&product.shop).await? else {
            return Ok(None);
        };
        let tried = self.tried.get(&product.id).cloned().unwrap_or_default();
        let Some(category) = rank_categories(&product.title, &leaves)
            .into_iter()
            .find(|c| !tried.contains(&c.id))
            .cloned()
        else {
            return Ok(None);
        };
        match self
            .client
            .map_category(ctx(), product.id, category.id.clone())
            .await?
        {
            Ok(_) => {
                self.tried
                    .entry(product.id)
                    .or_default()
                    .push(category.id.clone());
                Ok(Some(category))
            }
            Err(error) => {
                self.say(format!(
                    "Could not map “{}” to {}: {error}",
                    product.title, category.name
                ));
                Ok(None)
            }
        }
    }

    /// The shop's leaf categories, read once.
    async fn leaves(&mut self, shop: &str) -> anyhow::Result<Option<Vec<CategoryRef>>> {
        if let Some(leaves) = self.categories.get(shop) {
            return Ok(Some(leaves.clone()));
        }
        match self
            .client
            .categories(ctx(), shop.to_string(), String::new())
            .await?
        {
            Ok(leaves) if !leaves.is_empty() => {
                self.categories.insert(shop.to_string(), leaves.clone());
                Ok(Some(leaves))
            }
            Ok(_) => {
                self.say(format!("Shop {shop} has no categories yet."));
                Ok(None)
            }
            Err(error) => {
                self.say(format!("Could not read the categories of {shop}: {error}"));
                Ok(None)
            }
        }
    }

    /// A listing TikTok refused because of the category the demo chose (the daemon's reason
    /// names it, e.g. a category the shop may not sell in) moves to the next candidate. Other
    /// failures stay, as a merchant would see them.
    async fn retry_categories(&mut self, products: &[ProductView]) -> anyhow::Result<()> {
        for product in products {
            if product.status != ListingStatus::FailedToSync {
                continue;
            }
            let Some(current) = &product.category else {
                continue;
            };
            let Some(tried) = self.tried.get(&product.id) else {
                continue;
            };
            let about_category = product
                .status_reason
                .as_deref()
                .is_some_and(|reason| reason.contains(&current.id));
            if !about_category
                || tried.last() != Some(&current.id)
                || tried.len() >= MAX_CATEGORY_TRIES
            {
                continue;
            }
            let Some(next) = self.map_next(product).await? else {
                continue;
            };
            self.say(format!(
                "TikTok will not take “{}” in {}; trying {}.",
                product.title,
                crate::format::category_leaf(current),
                next.name
            ));
            if let Err(error) = self.client.list_products(ctx(), vec![product.id]).await? {
                self.say(format!("Could not list “{}” again: {error}", product.title));
            }
        }
        Ok(())
    }

    /// Play TikTok's reviewer: approve every product waiting for review.
    async fn approve_pending(&mut self) {
        let products = match self.control.tiktok_products().await {
            Ok(products) => products,
            Err(error) => {
                tracing::warn!(%error, "Could not read the TikTok simulator's products.");
                return;
            }
        };
        for product in products {
            if product.status != "PENDING" || self.reviewed.contains(&product.id) {
                continue;
            }
            match self.control.review(&product, true).await {
                Ok(()) => {
                    self.say(format!(
                        "TikTok's reviewers approved “{}” ({}).",
                        product.title, product.id
                    ));
                    self.reviewed.insert(product.id);
                }
                Err(error) => tracing::warn!(%error, "Could not approve a TikTok product."),
            }
        }
    }

    fn ready_to_order(&self, products: &[ProductView]) -> bool {
        let active = products.iter().any(|p| p.status == ListingStatus::Active);
        let waiting = products.iter().any(|p| {
            matches!(p.status, ListingStatus::UnderReview)
                || (p.status == ListingStatus::NotSynced && p.category.is_some())
        });
        let waited = self
            .listed_at
            .is_some_and(|at| at.elapsed() >= REVIEW_GRACE);
        active && (!waiting || waited)
    }

    /// Play TikTok buyers: a few orders of one or two active SKUs each (one per call when
    /// paced). Stock already promised to earlier orders is left alone.
    async fn place_orders(&mut self, products: &[ProductView], already: usize) {
        let shop = if self.control.store_is_source_shop() {
            super::setup::more_shop_name(super::SECOND_REGION)
        } else {
            super::setup::SHOP.to_owned()
        };
        let mut stock = orderable_skus(products, &shop);
        if self.seller_center_skus.is_none() {
            match self.control.seller_center_skus().await {
                Ok(skus) => self.seller_center_skus = Some(skus.into_iter().collect()),
                Err(error) => {
                    self.order_tries += 1;
                    self.say(format!("Reading the store's SKUs failed: {error:#}"));
                    return;
                }
            }
        }
        let seller_center = self.seller_center_skus.clone().unwrap_or_default();
        // One order of a SKU the store cannot ship: the daemon blocks it, naming the SKU.
        if placed_ids(&self.blocked).is_empty()
            && let Some((sku, _)) = stock.iter().find(|(sku, _)| seller_center.contains(sku))
        {
            let lines = vec![(sku.clone(), 1)];
            match self.control.place_order(&lines).await {
                Ok(order_id) => {
                    self.say(format!(
                        "A buyer ordered {sku}, which the store cannot ship (order {order_id}); it should be blocked for Seller Center."
                    ));
                    *self.ordered.entry(sku.clone()).or_default() += 1;
                    self.blocked
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(order_id.clone());
                    self.placed
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(order_id);
                    return;
                }
                Err(error) => {
                    self.order_tries += 1;
                    self.say(format!("Placing a TikTok order failed: {error:#}"));
                    return;
                }
            }
        }
        stock.retain(|(sku, _)| !seller_center.contains(sku));
        for (sku, available) in &mut stock {
            *available -= self.ordered.get(sku).copied().unwrap_or(0);
        }
        if stock.iter().all(|(_, available)| *available <= 0) {
            self.order_tries += 1;
            self.say("No SKU is in stock on TikTok yet; waiting before ordering.");
            return;
        }
        let before = already;
        for i in already..ORDERS_TO_PLACE {
            if !self.pace.is_zero() && i > before {
                break;
            }
            let mut lines: Vec<(String, u32)> = Vec::new();
            let wanted = if i % 2 == 1 { 2 } else { 1 };
            for j in 0..stock.len() {
                if lines.len() == wanted {
                    break;
                }
                let k = (i + j) % stock.len();
                if stock[k].1 > 0 {
                    stock[k].1 -= 1;
                    lines.push((stock[k].0.clone(), 1));
                }
            }
            if lines.is_empty() {
                break;
            }
            match self.control.place_order(&lines).await {
                Ok(order_id) => {
                    for (sku, quantity) in &lines {
                        *self.ordered.entry(sku.clone()).or_default() += i64::from(*quantity);
                    }
                    let skus: Vec<&str> = lines.iter().map(|(sku, _)| sku.as_str()).collect();
                    self.say(format!(
                        "A buyer ordered {} on TikTok (order {order_id}).",
                        skus.join(" and ")
                    ));
                    self.placed
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(order_id);
                }
                Err(error) => {
                    self.order_tries += 1;
                    self.say(format!("Placing a TikTok order failed: {error:#}"));
                }
            }
        }
        self.next_order_at = Instant::now() + self.pace;
    }

    /// Change one SKU's stock in the store; the daemon pushes it to TikTok.
    async fn change_stock_once(&mut self, products: &[ProductView], orders: &[OrderView]) {
        if self.stock_changed {
            return;
        }
        let ordered: HashSet<&str> = orders
            .iter()
            .flat_map(|o| o.lines.iter().map(|l| l.seller_sku.as_str()))
            .collect();
        let candidates: Vec<_> = products
            .iter()
            .filter(|p| p.status == ListingStatus::Active)
            .flat_map(|p| p.skus.iter())
            .collect();
        let Some(sku) = candidates
            .iter()
            .rev()
            .find(|s| !ordered.contains(s.seller_sku.as_str()))
            .or(candidates.last())
        else {
            return;
        };
        self.stock_changed = true;
        let available = sku.store_stock + 25;
        match self.control.set_stock(&sku.seller_sku, available).await {
            Ok(()) => self.say(format!(
                "A restock in the store: {} now has {available}.",
                sku.seller_sku
            )),
            Err(error) => self.say(format!("Changing store stock failed: {error:#}")),
        }
    }

    /// Where the store models refunds, the merchant refunds the first order in the store
    /// instead of shipping it; the daemon's store poll cancels it on TikTok.
    async fn refund_once(&mut self, orders: &[OrderView], placed: &[String]) {
        if !self.control.store_refunds() || !placed_ids(&self.refunded).is_empty() {
            return;
        }
        let Some((order, legacy)) = orders.iter().find_map(|o| {
            let legacy = o.store_order_id.as_deref().and_then(control::legacy_id)?;
            (placed.contains(&o.tiktok_order_id) && o.sync_state == OrderSyncState::InStore)
                .then_some((o, legacy))
        }) else {
            return;
        };
        let name = order.store_order_name.as_deref().unwrap_or(legacy);
        match self.control.refund(legacy).await {
            Ok(()) => {
                self.refunded
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(order.tiktok_order_id.clone());
                self.say(format!(
                    "The merchant refunded store order {name} in full; TikTok order {} should be cancelled.",
                    order.tiktok_order_id
                ));
            }
            Err(error) => self.say(format!("Refunding store order {name} failed: {error:#}")),
        }
    }

    /// Play the store's warehouse: ship orders the daemon created in the store. A source
    /// TikTok shop ships nothing: say once what each order took off its stock.
    async fn fulfil(&mut self, orders: &[OrderView], placed: &[String]) {
        if self.control.store_is_source_shop() {
            self.report_taken(orders, placed).await;
            return;
        }
        let refunded = placed_ids(&self.refunded);
        for order in orders {
            if !placed.contains(&order.tiktok_order_id)
                || order.sync_state != OrderSyncState::InStore
                || self.fulfilled.contains(&order.tiktok_order_id)
                || refunded.contains(&order.tiktok_order_id)
            {
                continue;
            }
            let Some(legacy) = order.store_order_id.as_deref().and_then(control::legacy_id) else {
                continue;
            };
            let tries = self
                .fulfil_tries
                .entry(order.tiktok_order_id.clone())
                .or_insert(0);
            if *tries >= MAX_TRIES {
                continue;
            }
            *tries += 1;
            let serial = u32::try_from(self.fulfilled.len() + 1).unwrap_or(0);
            let number = control::tracking_number(serial);
            let name = order.store_order_name.as_deref().unwrap_or(legacy);
            match self.control.fulfil(legacy, &number, CARRIER).await {
                Ok(()) => {
                    self.fulfilled.insert(order.tiktok_order_id.clone());
                    self.say(format!(
                        "The warehouse shipped store order {name} with {CARRIER} {number}."
                    ));
                }
                Err(error) => self.say(format!("Shipping store order {name} failed: {error:#}")),
            }
        }
    }

    /// The source shop's stock each order lowered, once per order.
    async fn report_taken(&mut self, orders: &[OrderView], placed: &[String]) {
        for order in orders {
            if !placed.contains(&order.tiktok_order_id)
                || order.sync_state != OrderSyncState::InStore
                || !self.fulfilled.insert(order.tiktok_order_id.clone())
            {
                continue;
            }
            let mut left = Vec::new();
            for line in &order.lines {
                match self.control.stock(&line.seller_sku).await {
                    Ok(stock) => left.push(format!("{} now {stock}", line.seller_sku)),
                    Err(error) => left.push(format!("{}: {error:#}", line.seller_sku)),
                }
            }
            self.say(format!(
                "Order {} took its units off the US source shop's stock ({}); it ships from the GB shop's Seller Center.",
                order.tiktok_order_id,
                left.join(", ")
            ));
        }
    }

    fn report_orders(&mut self, orders: &[OrderView], placed: &[String]) {
        for order in orders {
            if !placed.contains(&order.tiktok_order_id) {
                continue;
            }
            let previous = self
                .seen_states
                .insert(order.tiktok_order_id.clone(), order.sync_state);
            if previous == Some(order.sync_state) {
                continue;
            }
            let id = &order.tiktok_order_id;
            let message = match order.sync_state {
                OrderSyncState::InStore => format!(
                    "Order {id} is in the store as {}.",
                    order.store_order_name.as_deref().unwrap_or("a new order")
                ),
                OrderSyncState::Shipped => {
                    format!("Order {id} shipped; its tracking is on TikTok.")
                }
                OrderSyncState::Cancelled if placed_ids(&self.refunded).contains(id) => {
                    format!("Order {id} is cancelled on TikTok: the store refunded it.")
                }
                state => {
                    let reason = order
                        .reason
                        .as_deref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default();
                    format!("Order {id}: {}{reason}", state.label())
                }
            };
            self.say(message);
        }
    }

    fn report_listings(&mut self, products: &[ProductView]) {
        for product in products {
            let previous = self.seen_listings.insert(product.id, product.status);
            if previous.is_none() || previous == Some(product.status) {
                continue;
            }
            let message = match product.status {
                ListingStatus::FailedReview | ListingStatus::FailedToSync => format!(
                    "“{}”: {} — {}",
                    product.title,
                    product.status.label(),
                    crate::format::product_reasons(product)
                ),
                status => format!("“{}”: {}.", product.title, status.label()),
            };
            let message = format!("{} ({})", message.trim_end_matches('.'), product.shop);
            self.say(message);
        }
    }
}

/// Every placed order has reached an end state (Blocked, for an order expected blocked; for a
/// source TikTok shop, its units taken: the order then ships from Seller Center).
fn all_settled(
    orders: &[OrderView],
    placed: &[String],
    blocked: &[String],
    source_shop: bool,
) -> bool {
    placed.iter().all(|id| {
        orders.iter().any(|o| {
            &o.tiktok_order_id == id
                && (matches!(
                    o.sync_state,
                    OrderSyncState::Shipped | OrderSyncState::Failed | OrderSyncState::Cancelled
                ) || (o.sync_state == OrderSyncState::Blocked && blocked.contains(id))
                    || (source_shop && o.sync_state == OrderSyncState::InStore))
        })
    })
}

/// SKUs of active listings that TikTok has stock for: (seller SKU, units available).
/// Active SKUs of `shop` (where the demo's buyers order) with the stock TikTok shows.
fn orderable_skus(products: &[ProductView], shop: &str) -> Vec<(String, i64)> {
    products
        .iter()
        .filter(|p| p.status == ListingStatus::Active && p.shop == shop)
        .flat_map(|p| p.skus.iter())
        .filter(|s| s.tiktok_sku_id.is_some())
        .map(|s| {
            (
                s.seller_sku.clone(),
                s.synced_stock.unwrap_or(s.store_stock),
            )
        })
        .filter(|(_, stock)| *stock > 0)
        .collect()
}

/// Words for matching titles against category paths: lower-case, hyphens dropped
/// ("T-shirts" → "tshirt"), a plural "s" trimmed, and a few everyday synonyms.
fn words(text: &str) -> Vec<String> {
    const SYNONYMS: &[(&str, &str)] = &[
        ("tee", "tshirt"),
        ("hooded", "hoodie"),
        ("pillow", "cushion"),
        ("cup", "mug"),
    ];
    text.to_lowercase()
        .replace('-', "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3)
        .map(|w| w.strip_suffix('s').unwrap_or(w))
        .map(|w| {
            SYNONYMS
                .iter()
                .find(|(from, _)| *from == w)
                .map_or(w, |(_, to)| to)
                .to_string()
        })
        .collect()
}

/// How well a category path fits a title: 2 per title word in the leaf, 1 per word above it.
fn category_score(title_words: &[String], category: &CategoryRef) -> usize {
    let (above, leaf) = category
        .name
        .rsplit_once('>')
        .unwrap_or(("", category.name.as_str()));
    let (above, leaf) = (words(above), words(leaf));
    title_words
        .iter()
        .map(|w| {
            if leaf.contains(w) {
                2
            } else {
                usize::from(above.contains(w))
            }
        })
        .sum()
}

/// Leaves to try for a title, best first. When some leaf shares a word with the title, only
/// such leaves; otherwise every leaf in the daemon's order.
pub fn rank_categories<'a>(title: &str, leaves: &'a [CategoryRef]) -> Vec<&'a CategoryRef> {
    let title_words = words(title);
    let mut scored: Vec<(usize, usize, &CategoryRef)> = leaves
        .iter()
        .enumerate()
        .map(|(i, c)| (category_score(&title_words, c), i, c))
        .collect();
    if scored.iter().any(|(score, _, _)| *score > 0) {
        scored.retain(|(score, _, _)| *score > 0);
    }
    scored.sort_by_key(|(score, i, _)| (std::cmp::Reverse(*score), *i));
    scored.into_iter().map(|(_, _, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(id: &str, name: &str) -> CategoryRef {
        CategoryRef {
            id: id.into(),
            name: name.into(),
        }
    }

    #[test]
    fn categories_follow_the_title() {
        let leaves = [
            cat("601801", "Beauty & Personal Care > Skincare > Face Creams"),
            cat("601501", "Home Supplies > Kitchenware > Mugs & Cups"),
            cat("601602", "Home Supplies > Home Decor > Cushions & Throws"),
            cat("601701", "Luggage & Bags > Women's Bags > Tote Bags"),
            cat(
                "601402",
                "Menswear & Underwear > Men's Tops > Hoodies & Sweatshirts",
            ),
            cat(
                "601401",
                "Menswear & Underwear > Men's Tops > Men's T-shirts",
            ),
            cat("601226", "Womenswear & Underwear > Women's Tops > T-shirts"),
        ];
        let first = |title: &str| rank_categories(title, &leaves)[0].id.clone();
        assert_eq!(first("Hooded Sweatshirt"), "601402");
        assert_eq!(first("Ceramic Coffee Mug"), "601501");
        assert_eq!(first("Linen Throw Pillow"), "601602");
        assert_eq!(first("Canvas Tote Bag"), "601701");
        let tee: Vec<&str> = rank_categories("Classic Cotton Tee", &leaves)
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(tee, ["601401", "601226"], "only leaves that fit");
        assert_eq!(rank_categories("Wool Beanie", &leaves).len(), leaves.len());
        let with_hats = [
            leaves.as_slice(),
            &[cat("601901", "Fashion Accessories > Hats & Caps > Beanies")],
        ]
        .concat();
        assert_eq!(rank_categories("Wool Beanie", &with_hats)[0].id, "601901");
        assert!(rank_categories("Wool Beanie", &[]).is_empty());
    }
}
