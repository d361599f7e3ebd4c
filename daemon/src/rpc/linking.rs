//! Linking store products to products already on TikTok.

use super::{ConsoleServer, internal};
use crate::store;
use crate::sync::ShopRuntime;
use crate::sync::linking::{self, PlannedLink, Report};
use feedbridge_common::catalog::LinkPreview;
use feedbridge_common::rpc::RpcError;
use std::sync::Arc;

fn shop_named(server: &ConsoleServer, shop: &str) -> Result<Arc<ShopRuntime>, RpcError> {
    server
        .engine
        .orgs
        .iter()
        .flat_map(|o| o.shops.iter())
        .find(|s| s.name == shop)
        .cloned()
        .ok_or_else(|| RpcError::NotFound(format!("no TikTok shop named \"{shop}\"")))
}

fn tiktok_error(shop: &str, error: &crate::connector::ConnectorError) -> RpcError {
    RpcError::Conflict(format!(
        "could not read TikTok shop {shop}'s catalog: {error}; check the shop's connection and try again"
    ))
}

/// A fresh preview and the links it would make.
async fn plan(
    server: &ConsoleServer,
    shop: &Arc<ShopRuntime>,
    report: Report,
) -> Result<(LinkPreview, Vec<PlannedLink>), RpcError> {
    let connection = shop.connection;
    let candidates = server
        .engine
        .store
        .read(move |conn| store::link_candidates(conn, connection))
        .await
        .map_err(internal)?;
    linking::preview_shop(shop.client.as_ref(), &shop.name, &candidates, report)
        .await
        .map_err(|e| tiktok_error(&shop.name, &e))
}

async fn apply(server: &ConsoleServer, planned: Vec<PlannedLink>) -> Result<Vec<i64>, RpcError> {
    linking::apply(&server.engine, planned)
        .await
        .map_err(internal)
}

pub async fn link_preview(server: &ConsoleServer, shop: String) -> Result<LinkPreview, RpcError> {
    let runtime = shop_named(server, &shop)?;
    Ok(plan(server, &runtime, Report::Full).await?.0)
}

pub async fn link_apply(server: &ConsoleServer, shop: String) -> Result<u32, RpcError> {
    if server.draining.is_cancelled() {
        return Err(RpcError::ShuttingDown);
    }
    let runtime = shop_named(server, &shop)?;
    let (_, planned) = plan(server, &runtime, Report::LinksOnly).await?;
    let linked = apply(server, planned).await?;
    Ok(u32::try_from(linked.len()).unwrap_or(u32::MAX))
}

pub async fn link_manual(
    server: &ConsoleServer,
    listing_id: i64,
    tiktok_product_id: String,
) -> Result<String, RpcError> {
    if server.draining.is_cancelled() {
        return Err(RpcError::ShuttingDown);
    }
    let draft = super::listing::listing_draft(server, listing_id).await?;
    let Some((_, shop)) = server.engine.shop(draft.shop_id) else {
        return Err(RpcError::NotFound(format!(
            "the shop of listing {listing_id} is no longer configured"
        )));
    };
    let shop = Arc::clone(shop);
    let remote = shop
        .client
        .product(&tiktok_product_id)
        .await
        .map_err(|e| match e {
            crate::connector::ConnectorError::Rejected { .. } => RpcError::NotFound(format!(
                "TikTok shop {} has no product {tiktok_product_id} ({e})",
                shop.name
            )),
            other => tiktok_error(&shop.name, &other),
        })?;
    let connection = shop.connection;
    let candidates = server
        .engine
        .store
        .read(move |conn| store::link_candidates(conn, connection))
        .await
        .map_err(internal)?;
    let Some(candidate) = candidates.iter().find(|c| c.listing_id == listing_id) else {
        return Err(RpcError::Invalid(format!(
            "\"{}\" has no variant with an SKU; give its variants SKUs in the store first",
            draft.title
        )));
    };
    let planned = linking::manual_link(
        candidate,
        &candidates,
        &tiktok_product_id,
        &remote.status,
        &remote.skus,
    )
    .map_err(RpcError::Conflict)?;
    let linked_skus = planned.skus.len();
    let unlinked = remote.skus.len().saturating_sub(linked_skus);
    apply(server, vec![planned]).await?;
    let mut message = format!(
        "{} is linked to TikTok product {tiktok_product_id} ({linked_skus} SKU{}).",
        draft.title,
        if linked_skus == 1 { "" } else { "s" }
    );
    if unlinked > 0 {
        message.push_str(&format!(
            " {unlinked} TikTok SKU(s) have no store variant with the same SKU and are not synced."
        ));
    }
    Ok(message)
}
