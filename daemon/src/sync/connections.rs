//! Connection checks: store and TikTok shops reachable and authorized, currencies, regions,
//! warehouses, category trees, webhook subscriptions.

use super::{Engine, StepFailure, StepResult, kind};
use crate::connector::{self, tiktok::currency_for_region};
use crate::store::{self, ConnectionFacts};
use feedbridge_common::{ConnectionState, FailureKind};
use std::time::Duration;
use tracing::info;

fn db(error: store::StoreError) -> StepFailure {
    StepFailure::internal(FailureKind::Connection, error)
}

/// Check every connection of an organization, learn currencies, regions and warehouses, cache
/// category trees, subscribe webhooks, then read the catalog.
pub async fn connect(engine: &Engine, org_id: i64) -> StepResult {
    let Some(org) = engine.org(org_id).cloned() else {
        return Ok(());
    };
    let store_conn = org.store_connection;
    let info = match org.store.info().await {
        Ok(info) => info,
        Err(error) => {
            let failure = StepFailure::from_connector(
                FailureKind::Connection,
                &org.name,
                "store connection",
                "The store",
                &error,
            );
            let state = if matches!(error, connector::ConnectorError::Unauthorized { .. }) {
                ConnectionState::NeedsReauthorization
            } else {
                ConnectionState::Error
            };
            let detail = failure.reason.clone();
            engine
                .store
                .call(move |conn| {
                    store::set_connection_state(
                        conn,
                        store_conn,
                        state,
                        Some(&detail),
                        &ConnectionFacts::default(),
                    )
                })
                .await
                .map_err(db)?;
            return Err(failure);
        }
    };
    let currency = info.currency.clone();
    engine
        .store
        .call(move |conn| {
            store::set_connection_state(
                conn,
                store_conn,
                ConnectionState::Connected,
                None,
                &ConnectionFacts {
                    currency: Some(&currency),
                    ..Default::default()
                },
            )
        })
        .await
        .map_err(db)?;

    let mut shop_failure = None;
    for shop in &org.shops {
        let connection = shop.connection;
        let outcome = check_shop(engine, shop, &info.currency).await;
        let (state, detail, facts) = match &outcome {
            Ok(facts) if facts.currency.as_deref() != Some(info.currency.as_str()) => (
                ConnectionState::Error,
                Some(format!(
                    "this TikTok shop sells in {} but the store sells in {}; feedbridge only syncs shops in the store's currency",
                    facts.currency.as_deref().unwrap_or("an unknown currency"),
                    info.currency
                )),
                facts.clone(),
            ),
            Ok(facts) => (ConnectionState::Connected, None, facts.clone()),
            Err(error) => (
                if matches!(error, connector::ConnectorError::Unauthorized { .. }) {
                    ConnectionState::NeedsReauthorization
                } else {
                    ConnectionState::Error
                },
                Some(error.to_string()),
                ShopFacts::default(),
            ),
        };
        engine
            .store
            .call(move |conn| {
                store::set_connection_state(
                    conn,
                    connection,
                    state,
                    detail.as_deref(),
                    &ConnectionFacts {
                        currency: facts.currency.as_deref(),
                        region: facts.region.as_deref(),
                        warehouse_id: facts.warehouse_id.as_deref(),
                    },
                )
            })
            .await
            .map_err(db)?;
        // One shop's trouble must not hold up the others: report it after the import.
        if let Err(error) = outcome {
            shop_failure.get_or_insert_with(|| {
                StepFailure::from_connector(
                    FailureKind::Connection,
                    &org.name,
                    format!("TikTok shop {}", shop.name),
                    "TikTok Shop",
                    &error,
                )
            });
        }
    }
    if let Some(base) = &engine.webhook_base {
        let address = format!("{base}/webhooks/shopify/{}", org.name);
        if let Err(error) = org.store.register_webhooks(&address).await {
            tracing::warn!(%error, "Could not subscribe store webhooks; polling covers it.");
        }
        for shop in &org.shops {
            if let Err(error) = shop
                .client
                .register_webhooks(&format!("{base}/webhooks/tiktok"))
                .await
            {
                tracing::warn!(%error, shop = %shop.name, "Could not subscribe TikTok webhooks; polling covers it.");
            }
        }
    }
    engine
        .enqueue(kind::CATALOG_IMPORT, org_id, Duration::ZERO)
        .await
        .map_err(db)?;
    shop_failure.map_or(Ok(()), Err)
}

#[derive(Clone, Default)]
struct ShopFacts {
    currency: Option<String>,
    region: Option<String>,
    warehouse_id: Option<String>,
}

async fn check_shop(
    engine: &Engine,
    shop: &super::ShopRuntime,
    _store_currency: &str,
) -> Result<ShopFacts, connector::ConnectorError> {
    let authorized = shop.client.authorized_shops().await?;
    let Some(remote) = authorized.into_iter().find(|s| s.id == shop.shop_id) else {
        return Err(connector::ConnectorError::Unauthorized {
            reason: format!("the TikTok grant does not cover shop {}", shop.shop_id),
            raw: String::new(),
        });
    };
    let warehouses = shop.client.warehouses().await?;
    let warehouse = warehouses
        .iter()
        .find(|w| w.is_default)
        .or_else(|| warehouses.first())
        .map(|w| w.id.clone());
    let connection = shop.connection;
    let cached = engine
        .store
        .call(move |conn| store::has_categories(conn, connection))
        .await
        .unwrap_or(false);
    if !cached {
        let categories = shop.client.categories().await?;
        let count = categories.len();
        if let Err(error) = engine
            .store
            .transaction(move |tx| store::replace_categories(tx, connection, &categories))
            .await
        {
            return Err(connector::ConnectorError::Retryable {
                reason: error.to_string(),
                raw: String::new(),
                retry_after: None,
            });
        }
        info!(shop = %shop.name, categories = count, "Cached the TikTok category tree.");
    }
    Ok(ShopFacts {
        currency: currency_for_region(&remote.region).map(str::to_owned),
        region: Some(remote.region),
        warehouse_id: warehouse,
    })
}
