//! Orders in the console: detail, resync, retry by kind, order rules and carrier mapping.

use super::{ConsoleServer, internal};
use crate::store;
use crate::sync::kind;
use feedbridge_common::orders::{CarrierChoices, CarrierMapping, OrderDetail, OrderSettings};
use feedbridge_common::rpc::RpcError;
use feedbridge_common::{FailureKind, ListingStatus, OrderSyncState};
use std::time::Duration;

/// Longest order-number prefix: Shopify order names are short strings.
const MAX_PREFIX: usize = 20;
/// A week: TikTok's own cancellation window is an hour; anything longer is a typo.
const MAX_HOLD_MINUTES: u32 = 7 * 24 * 60;

pub(super) fn shop_connection(server: &ConsoleServer, shop: &str) -> Result<i64, RpcError> {
    server
        .engine
        .orgs
        .iter()
        .flat_map(|o| o.shops.iter())
        .find(|s| s.name == shop)
        .map(|s| s.connection)
        .ok_or_else(|| RpcError::NotFound(format!("no TikTok shop named \"{shop}\"")))
}

/// Requeue the work behind one open failure, putting its subject back where a fresh attempt
/// starts.
pub async fn retry_failure(server: &ConsoleServer, failure_id: i64) -> Result<String, RpcError> {
    if server.draining.is_cancelled() {
        return Err(RpcError::ShuttingDown);
    }
    let engine = &server.engine;
    let job = engine
        .store
        .call(move |conn| store::failure_job(conn, failure_id))
        .await
        .map_err(internal)?;
    let Some((job_kind, subject)) = job else {
        return Err(RpcError::NotFound(format!(
            "no open failure with id {failure_id}"
        )));
    };
    let id = subject.parse::<i64>().ok();
    let (reset_kind, reset_subject) = (job_kind.clone(), subject.clone());
    engine
        .store
        .call(move |conn| {
            // A human asked: run now, whatever the item's backoff said.
            store::clear_item_backoff(conn, &reset_kind, &reset_subject)?;
            reset_for_retry(conn, &reset_kind, id)
        })
        .await
        .map_err(internal)?;
    engine
        .enqueue(&job_kind, &subject, Duration::ZERO)
        .await
        .map_err(internal)?;
    Ok(format!("Retry of failure {failure_id} queued."))
}

/// Put the subject of a failed job back where a fresh attempt starts.
fn reset_for_retry(
    conn: &rusqlite::Connection,
    job_kind: &str,
    id: Option<i64>,
) -> rusqlite::Result<()> {
    match (job_kind, id) {
        // Back to "not synced" so the listing step runs again from the start.
        (kind::LIST_PRODUCT, Some(listing)) => {
            store::set_listing_status(conn, listing, ListingStatus::NotSynced, None, &[])
        }
        // A failed order starts over; one already in the store (or further) keeps its state
        // and the retried step carries on from there.
        (kind::ORDER_SYNC, Some(order))
            if store::order(conn, order)?.map(|row| row.sync_state)
                == Some(OrderSyncState::Failed) =>
        {
            store::set_order_state(
                conn,
                order,
                OrderSyncState::Pending,
                Some("Retry requested."),
            )
        }
        // Amazon gave up on the fulfilment order: the retry sends the order again.
        (kind::MCF_FOLLOW, Some(order)) => store::request_mcf_resend(conn, order),
        _ => Ok(()),
    }
}

pub async fn retry_failures(
    server: &ConsoleServer,
    kind: FailureKind,
    organization: Option<String>,
) -> Result<u32, RpcError> {
    let ids = server
        .engine
        .store
        .read(move |conn| store::open_failures_of_kind(conn, kind, organization.as_deref()))
        .await
        .map_err(internal)?;
    let mut queued = 0;
    for id in ids {
        match retry_failure(server, id).await {
            Ok(_) => queued += 1,
            // Resolved meanwhile: nothing to retry.
            Err(RpcError::NotFound(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(queued)
}

pub async fn order_detail(server: &ConsoleServer, order_id: i64) -> Result<OrderDetail, RpcError> {
    server
        .engine
        .store
        .read(move |conn| store::order_detail(conn, order_id))
        .await
        .map_err(internal)?
        .ok_or_else(|| RpcError::NotFound(format!("no order with id {order_id}")))
}

/// Read the order from TikTok again and decide anew; a hold ends early.
pub async fn resync_order(server: &ConsoleServer, order_id: i64) -> Result<String, RpcError> {
    if server.draining.is_cancelled() {
        return Err(RpcError::ShuttingDown);
    }
    let row = server
        .engine
        .store
        .call(move |conn| store::order(conn, order_id))
        .await
        .map_err(internal)?
        .ok_or_else(|| RpcError::NotFound(format!("no order with id {order_id}")))?;
    let (connection, tiktok_id) = (row.shop_id, row.tiktok_order_id.clone());
    server
        .engine
        .store
        .call(move |conn| store::queue_order_fetch(conn, connection, &tiktok_id))
        .await
        .map_err(internal)?;
    server
        .engine
        .enqueue(kind::ORDER_FETCH, connection, Duration::ZERO)
        .await
        .map_err(internal)?;
    Ok(format!(
        "TikTok order {} is being read again and synced.",
        row.tiktok_order_id
    ))
}

pub async fn order_settings(
    server: &ConsoleServer,
    shop: String,
) -> Result<OrderSettings, RpcError> {
    let connection = shop_connection(server, &shop)?;
    server
        .engine
        .store
        .read(move |conn| store::order_settings(conn, connection))
        .await
        .map_err(internal)
}

fn settings_problem(settings: &OrderSettings) -> Option<String> {
    if settings.hold_minutes > MAX_HOLD_MINUTES {
        return Some(format!(
            "the hold window is at most {MAX_HOLD_MINUTES} minutes (a week)"
        ));
    }
    let prefix = settings.order_number_prefix.trim();
    if prefix.chars().count() > MAX_PREFIX
        || prefix
            .chars()
            .any(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '#' | '.')))
    {
        return Some(format!(
            "the order-number prefix is at most {MAX_PREFIX} letters, digits or - _ # ."
        ));
    }
    if settings.fbt_tag.contains(',') || settings.fbt_tag.chars().count() > 40 {
        return Some("the FBT tag is one tag of at most 40 characters, without commas".into());
    }
    let mut seen: Vec<String> = Vec::new();
    for mapping in &settings.carrier_mappings {
        let key = mapping.store_carrier.trim().to_lowercase();
        if key.is_empty() || mapping.tiktok_provider.trim().is_empty() {
            return Some(
                "a carrier mapping needs both a store carrier and a TikTok provider".into(),
            );
        }
        if seen.contains(&key) {
            return Some(format!(
                "the store carrier \"{}\" is mapped twice",
                mapping.store_carrier
            ));
        }
        seen.push(key);
    }
    None
}

/// Validate and save; held orders are looked at again under the new window.
pub async fn set_order_settings(
    server: &ConsoleServer,
    shop: String,
    settings: OrderSettings,
) -> Result<String, RpcError> {
    let connection = shop_connection(server, &shop)?;
    if let Some(problem) = settings_problem(&settings) {
        return Err(RpcError::Invalid(format!(
            "Order settings of {shop} not saved: {problem}"
        )));
    }
    let held = server
        .engine
        .store
        .call(move |conn| {
            // Carrier mappings change only through `set_carrier_mapping`, so a form saved
            // from an older read never undoes one.
            let saved = store::order_settings(conn, connection)?;
            let settings = OrderSettings {
                carrier_mappings: saved.carrier_mappings,
                ..settings
            };
            store::set_order_settings(conn, connection, &settings)?;
            store::held_orders(conn, connection)
        })
        .await
        .map_err(internal)?;
    server
        .engine
        .enqueue_many(kind::ORDER_SYNC, held, Duration::ZERO)
        .await
        .map_err(internal)?;
    Ok(format!(
        "Order settings of {shop} saved; they apply to orders synced from now on."
    ))
}

pub async fn carrier_choices(
    server: &ConsoleServer,
    shop: String,
) -> Result<CarrierChoices, RpcError> {
    let connection = shop_connection(server, &shop)?;
    let (_, runtime) = server
        .engine
        .shop(connection)
        .ok_or_else(|| RpcError::NotFound(format!("no TikTok shop named \"{shop}\"")))?;
    let mut providers = server
        .engine
        .store
        .read(move |conn| store::cached_provider_names(conn, connection))
        .await
        .map_err(internal)?;
    if providers.is_empty() {
        let offered = runtime.client.all_shipping_providers().await.map_err(|e| {
            RpcError::Conflict(format!(
                "TikTok Shop did not list its shipping providers: {e}"
            ))
        })?;
        let cache: Vec<(String, String)> = offered.into_iter().map(|p| (p.id, p.name)).collect();
        providers = server
            .engine
            .store
            .call(move |conn| {
                store::cache_providers(conn, connection, &cache)?;
                store::cached_provider_names(conn, connection)
            })
            .await
            .map_err(internal)?;
    }
    let (settings, unmapped_seen, region) = server
        .engine
        .store
        .read(move |conn| {
            Ok((
                store::order_settings(conn, connection)?,
                store::unmapped_carriers(conn, connection)?,
                store::connection_region(conn, connection)?,
            ))
        })
        .await
        .map_err(internal)?;
    Ok(CarrierChoices {
        shop,
        mappings: settings.carrier_mappings,
        providers,
        region_default: region
            .as_deref()
            .and_then(crate::sync::region_default_carrier)
            .map(str::to_owned),
        unmapped_seen,
    })
}

pub async fn set_carrier_mapping(
    server: &ConsoleServer,
    shop: String,
    store_carrier: String,
    tiktok_provider: Option<String>,
) -> Result<String, RpcError> {
    let connection = shop_connection(server, &shop)?;
    let store_carrier = store_carrier.trim().to_owned();
    if store_carrier.is_empty() {
        return Err(RpcError::Invalid("name the store carrier to map".into()));
    }
    let mut settings = order_settings(server, shop.clone()).await?;
    settings
        .carrier_mappings
        .retain(|m| !m.store_carrier.eq_ignore_ascii_case(&store_carrier));
    let message = match tiktok_provider.map(|p| p.trim().to_owned()) {
        Some(provider) if !provider.is_empty() => {
            let known = server
                .engine
                .store
                .read(move |conn| store::cached_provider_names(conn, connection))
                .await
                .map_err(internal)?;
            if !known.is_empty() && !known.iter().any(|k| k.eq_ignore_ascii_case(&provider)) {
                return Err(RpcError::Invalid(format!(
                    "\"{provider}\" is not a shipping provider of {shop}; choose one of: {}",
                    known.join(", ")
                )));
            }
            let message = format!("\"{store_carrier}\" now means {provider} on {shop}.");
            settings.carrier_mappings.push(CarrierMapping {
                store_carrier: store_carrier.clone(),
                tiktok_provider: provider,
            });
            message
        }
        _ => format!("\"{store_carrier}\" is no longer mapped on {shop}."),
    };
    if let Some(problem) = settings_problem(&settings) {
        return Err(RpcError::Invalid(problem));
    }
    let carrier = store_carrier.clone();
    server
        .engine
        .store
        .call(move |conn| {
            store::set_order_settings(conn, connection, &settings)?;
            store::forget_unmapped_carrier(conn, connection, &carrier)
        })
        .await
        .map_err(internal)?;
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        let mut settings = OrderSettings::default();
        assert_eq!(settings_problem(&settings), None);
        settings.order_number_prefix = "TT-".into();
        assert_eq!(settings_problem(&settings), None);
        settings.order_number_prefix = "TT /".into();
        assert!(settings_problem(&settings).is_some());
        settings.order_number_prefix.clear();
        settings.hold_minutes = MAX_HOLD_MINUTES + 1;
        assert!(settings_problem(&settings).is_some());
        settings.hold_minutes = 60;
        settings.carrier_mappings = vec![
            CarrierMapping {
                store_carrier: "Van".into(),
                tiktok_provider: "DPD".into(),
            },
            CarrierMapping {
                store_carrier: "van".into(),
                tiktok_provider: "UPS".into(),
            },
        ];
        assert!(settings_problem(&settings).is_some_and(|p| p.contains("mapped twice")));
    }
}
