//! Amazon Multi-Channel Fulfillment against the Amazon and TikTok simulators and the real
//! daemon: FBA-only orders become one fulfilment order (exactly once through a kill and a lost
//! answer), mixed orders are Blocked naming the SKU, TikTok-shipped orders and orders a shop
//! rule keeps away go to the store, Amazon's limits block, shipped tracking reaches TikTok once,
//! Unfulfillable becomes a failure whose retry sends the order again, and TikTok cancellations
//! cancel at Amazon unless Amazon is already shipping. Assertions read the simulators' state.

use feedbridge_common::mcf::McfSettings;
use feedbridge_common::{FailureKind, FailureView, OrderSyncState};
use feedbridge_sandbox::control::{NewTikTokOrder, OrderLine};
use feedbridge_sandbox::{Fault, FaultKind, SandboxConfig};
use feedbridge_tests::rig::{Rig, SHOP};
use feedbridge_tests::{tracking_pushes, wait_for};
use feedbridge_tui::demo::setup::{DemoFulfilment, Wiring};
use std::time::Duration;
use tarpc::context;

pub(super) const WAIT: Duration = Duration::from_secs(60);

/// A rig with Amazon wired in: three one-variant products, the first two stocked at FBA with
/// `fba_units` each. Returns the FBA SKUs and the one Amazon does not hold.
async fn rig(fba_units: i64) -> anyhow::Result<(Rig, Vec<String>, String)> {
    rig_in(fba_units, SandboxConfig::default(), |config| config).await
}

/// [`rig`] in the market `market` sets (TikTok region, store currency, Amazon marketplace),
/// with the daemon's config passed through `edit`.
pub(super) async fn rig_in(
    fba_units: i64,
    market: SandboxConfig,
    edit: impl FnOnce(String) -> String,
) -> anyhow::Result<(Rig, Vec<String>, String)> {
    let rig = Rig::start_wired(
        SandboxConfig {
            products: 3,
            variants_per_product: Some(1),
            fba_products: 2,
            ..market
        },
        Wiring {
            fulfilment: DemoFulfilment::Amazon,
            ..Wiring::default()
        },
        edit,
    )
    .await?;
    let skus = rig.link_all(500).await?;
    let mut fba = Vec::new();
    for summary in rig.control.amazon_fba_stock().await? {
        if let Some(sku) = summary["sellerSku"].as_str() {
            rig.control.amazon_set_fba_stock(sku, fba_units).await?;
            fba.push(sku.to_owned());
        }
    }
    let other = skus
        .into_iter()
        .find(|sku| !fba.contains(sku))
        .ok_or_else(|| anyhow::anyhow!("every SKU is at FBA"))?;
    anyhow::ensure!(fba.len() == 2, "FBA SKUs: {fba:?}");
    // The daemon reads FBA stock every 5 s in the demo config: let it see the new units.
    rig.wait_fba_read().await?;
    Ok((rig, fba, other))
}

pub(super) fn order(lines: &[(&str, u32)]) -> NewTikTokOrder {
    NewTikTokOrder {
        lines: lines
            .iter()
            .map(|(sku, quantity)| OrderLine {
                seller_sku: (*sku).to_owned(),
                quantity: *quantity,
            })
            .collect(),
        ..NewTikTokOrder::default()
    }
}

pub(super) fn fulfilment_id(tiktok_id: &str) -> String {
    format!("TTS-{tiktok_id}")
}

pub(super) trait McfChecks {
    async fn wait_fba_read(&self) -> anyhow::Result<()>;
    async fn wait_failure(&self, kind: FailureKind, tiktok_id: &str)
    -> anyhow::Result<FailureView>;
    async fn amazon_ids(&self) -> anyhow::Result<Vec<String>>;
    async fn creates(&self) -> anyhow::Result<usize>;
    async fn mcf_settings(&self, settings: McfSettings) -> anyhow::Result<()>;
    async fn wait_later_polls(&self) -> anyhow::Result<()>;
}

impl McfChecks for Rig {
    /// Wait until the daemon has read the TikTok orders twice more (the first read may have
    /// started before now): whatever those polls, and the follow-ups queued before them,
    /// would send again has had its chance.
    async fn wait_later_polls(&self) -> anyhow::Result<()> {
        let since = self.control.tiktok_calls().await?.len();
        wait_for("two more TikTok order reads", WAIT, || async {
            let calls = self.control.tiktok_calls().await?;
            let reads = calls[since.min(calls.len())..]
                .iter()
                .filter(|c| c.status == 200 && c.path.contains("/order/202309/orders/search"))
                .count();
            Ok((reads >= 2).then_some(()))
        })
        .await
    }

    async fn wait_fba_read(&self) -> anyhow::Result<()> {
        let since = self.control.amazon_calls().await?.len();
        wait_for("a fresh FBA stock read", WAIT, || async {
            let calls = self.control.amazon_calls().await?;
            Ok(calls[since.min(calls.len())..]
                .iter()
                .any(|c| c.status == 200 && c.path.contains("/fba/inventory/"))
                .then_some(()))
        })
        .await?;
        // The read is stored right after its last page answers.
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(())
    }

    async fn wait_failure(
        &self,
        kind: FailureKind,
        tiktok_id: &str,
    ) -> anyhow::Result<FailureView> {
        wait_for(
            &format!("a {kind:?} failure of {tiktok_id}"),
            WAIT,
            || async {
                let failures = self.console.failures(context::current()).await?;
                Ok(failures
                    .into_iter()
                    .find(|f| f.kind == kind && f.subject.contains(tiktok_id)))
            },
        )
        .await
        .map_err(|e| self.with_log(e))
    }

    async fn amazon_ids(&self) -> anyhow::Result<Vec<String>> {
        Ok(self
            .control
            .amazon_orders()
            .await?
            .iter()
            .filter_map(|o| {
                o["fulfillmentOrder"]["sellerFulfillmentOrderId"]
                    .as_str()
                    .map(str::to_owned)
            })
            .collect())
    }

    async fn creates(&self) -> anyhow::Result<usize> {
        Ok(self
            .control
            .amazon_calls()
            .await?
            .iter()
            .filter(|c| c.method == "POST" && c.path.ends_with("/fulfillmentOrders"))
            .count())
    }

    async fn mcf_settings(&self, settings: McfSettings) -> anyhow::Result<()> {
        self.console
            .set_mcf_settings(context::current(), SHOP.into(), settings)
            .await??;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_fba_order_goes_to_amazon_once_and_its_tracking_reaches_tiktok_once()
-> anyhow::Result<()> {
    let (mut rig, fba, _) = rig(20).await?;
    let id = rig
        .control
        .tiktok_create_order(&order(&[(&fba[0], 2), (&fba[1], 1)]))
        .await?;
    let at_amazon = rig.wait_state(&id, OrderSyncState::AtAmazon).await?;
    let mcf = at_amazon.fulfilment.expect("the fulfilment order is shown");
    assert_eq!(mcf.fulfilment_order_id, fulfilment_id(&id));
    // The Amazon account shows beside the store and the shops, connected once stock was read.
    let status = rig.console.status(tarpc::context::current()).await?;
    let amazon = status.organizations[0]
        .fulfilment
        .clone()
        .expect("the Amazon account is listed");
    assert_eq!(
        amazon.state,
        feedbridge_common::ConnectionState::Connected,
        "{amazon:?}"
    );
    assert_eq!(amazon.region.as_deref(), Some("US"));

    let sent = rig.control.amazon_order(&fulfilment_id(&id)).await?;
    let items = sent["fulfillmentOrderItems"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut quantities: Vec<(String, i64)> = items
        .iter()
        .map(|i| {
            (
                i["sellerSku"].as_str().unwrap_or_default().to_owned(),
                i["quantity"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    quantities.sort();
    let mut expected = vec![(fba[0].clone(), 2), (fba[1].clone(), 1)];
    expected.sort();
    assert_eq!(quantities, expected, "one item per SKU, units summed");

    // A crash and a restart do not send it again.
    rig.kill()?;
    rig.restart().await?;
    rig.wait_state(&id, OrderSyncState::AtAmazon).await?;
    assert_eq!(rig.amazon_ids().await?, [fulfilment_id(&id)]);
    assert_eq!(rig.creates().await?, 1);
    assert!(
        rig.control
            .shopify_store_orders()
            .await?
            .iter()
            .all(|o| o.source_identifier.as_deref() != Some(id.as_str())),
        "an order Amazon ships never reaches the store"
    );

    rig.control
        .amazon_ship(&fulfilment_id(&id), "UPS", "1Z999AA10123456784")
        .await?;
    let shipped = rig.wait_state(&id, OrderSyncState::Shipped).await?;
    let package = &shipped.fulfilment.expect("still shown").packages[0];
    assert_eq!(package.tiktok_provider.as_deref(), Some("UPS"));
    let tiktok = rig.control.tiktok_order(&id).await?;
    let lines = tiktok["line_items"].as_array().cloned().unwrap_or_default();
    assert_eq!(lines.len(), 3);
    assert!(
        lines
            .iter()
            .all(|l| l["tracking_number"] == "1Z999AA10123456784"),
        "{tiktok}"
    );
    // Polls after shipping push nothing more.
    rig.wait_later_polls().await?;
    let pushes = rig
        .control
        .tiktok_calls()
        .await?
        .iter()
        .filter(|c| c.path.contains(&format!("/orders/{id}/packages")))
        .count();
    assert_eq!(pushes, 1, "tracking sent to TikTok once");
    Ok(())
}

/// A daemon on a new, empty data dir sends nothing to Amazon twice: fulfilment orders already
/// there (shipped or not) are recorded and followed, tracking already on TikTok is not pushed
/// again, and an order Amazon shipped never goes to the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_database_adopts_fulfilment_orders_at_amazon() -> anyhow::Result<()> {
    let (mut rig, fba, _) = rig(20).await?;
    let shipped = rig
        .control
        .tiktok_create_order(&order(&[(&fba[0], 1)]))
        .await?;
    let open = rig
        .control
        .tiktok_create_order(&order(&[(&fba[1], 1)]))
        .await?;
    for id in [&shipped, &open] {
        rig.wait_state(id, OrderSyncState::AtAmazon).await?;
    }
    rig.control
        .amazon_ship(&fulfilment_id(&shipped), "UPS", "1Z999AA10123456784")
        .await?;
    rig.wait_state(&shipped, OrderSyncState::Shipped).await?;

    rig.replace_with_new_database().await?;
    rig.wait_state(&shipped, OrderSyncState::Shipped).await?;
    rig.wait_state(&open, OrderSyncState::AtAmazon).await?;
    rig.control
        .amazon_ship(&fulfilment_id(&open), "UPS", "1Z999AA10123456795")
        .await?;
    rig.wait_state(&open, OrderSyncState::Shipped).await?;

    let mut ids = rig.amazon_ids().await?;
    ids.sort();
    let mut expected = vec![fulfilment_id(&shipped), fulfilment_id(&open)];
    expected.sort();
    assert_eq!(ids, expected, "no fulfilment order sent twice");
    let pushes = tracking_pushes(&rig.control).await?;
    for id in [&shipped, &open] {
        assert_eq!(pushes.get(id.as_str()), Some(&1), "tracking of {id}");
    }
    assert!(
        rig.control
            .shopify_store_orders()
            .await?
            .iter()
            .all(|o| ![&shipped, &open].contains(&&o.source_identifier.clone().unwrap_or_default())),
        "orders Amazon ships never reach the store"
    );
    let failures = rig.console.failures(context::current()).await?;
    assert!(failures.is_empty(), "{failures:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_tiktok_shipped_kept_away_and_oversized_orders_stay_off_amazon() -> anyhow::Result<()>
{
    let (rig, fba, other) = rig(300).await?;
    let mixed = rig
        .control
        .tiktok_create_order(&order(&[(&fba[0], 1), (&other, 1)]))
        .await?;
    let blocked = rig.wait_state(&mixed, OrderSyncState::Blocked).await?;
    assert_eq!(
        blocked.reason.as_deref(),
        Some(
            format!(
                "Contains items Amazon does not fulfil ({other}); ship it from TikTok Seller Center."
            )
            .as_str()
        )
    );

    let tiktok_shipped = rig
        .control
        .tiktok_create_order(&NewTikTokOrder {
            shipping_type: Some("TIKTOK".into()),
            ..order(&[(&fba[0], 1)])
        })
        .await?;
    rig.wait_state(&tiktok_shipped, OrderSyncState::InStore)
        .await?;

    rig.mcf_settings(McfSettings {
        max_units: Some(2),
        ..McfSettings::default()
    })
    .await?;
    let kept_away = rig
        .control
        .tiktok_create_order(&order(&[(&fba[1], 3)]))
        .await?;
    rig.wait_state(&kept_away, OrderSyncState::InStore).await?;

    rig.mcf_settings(McfSettings::default()).await?;
    let oversized = rig
        .control
        .tiktok_create_order(&order(&[(&fba[0], 251)]))
        .await?;
    let blocked = rig.wait_state(&oversized, OrderSyncState::Blocked).await?;
    let reason = blocked.reason.unwrap_or_default();
    assert!(
        reason.contains("251 units") && reason.contains("250"),
        "{reason}"
    );
    assert!(rig.amazon_ids().await?.is_empty(), "nothing went to Amazon");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfulfillable_is_a_failure_whose_retry_sends_it_again() -> anyhow::Result<()> {
    let (rig, fba, _) = rig(1).await?;
    let id = rig
        .control
        .tiktok_create_order(&order(&[(&fba[0], 2)]))
        .await?;
    let failure = rig.wait_failure(FailureKind::Mcf, &id).await?;
    assert_eq!(
        failure.reason,
        format!(
            "Amazon could not fulfil TikTok order {id}: not enough sellable FBA stock of SKU {}",
            fba[0]
        )
    );
    assert!(failure.action.contains("Send stock to FBA"), "{failure:?}");
    rig.wait_state(&id, OrderSyncState::Failed).await?;
    // Follow-ups already queued and later polls never send it again: only a retry does.
    rig.wait_later_polls().await?;
    assert_eq!(rig.amazon_ids().await?, [fulfilment_id(&id)]);

    rig.control.amazon_set_fba_stock(&fba[0], 10).await?;
    rig.console
        .retry_failure(context::current(), failure.id)
        .await??;
    let again = rig.wait_state(&id, OrderSyncState::AtAmazon).await?;
    let second = format!("{}-R2", fulfilment_id(&id));
    assert_eq!(
        again.fulfilment.map(|m| m.fulfilment_order_id),
        Some(second.clone())
    );
    let mut ids = rig.amazon_ids().await?;
    ids.sort();
    assert_eq!(ids, [fulfilment_id(&id), second]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiktok_cancellations_cancel_at_amazon_unless_it_is_processing() -> anyhow::Result<()> {
    let (rig, fba, _) = rig(20).await?;
    let early = rig
        .control
        .tiktok_create_order(&order(&[(&fba[0], 1)]))
        .await?;
    let late = rig
        .control
        .tiktok_create_order(&order(&[(&fba[1], 1)]))
        .await?;
    rig.wait_state(&early, OrderSyncState::AtAmazon).await?;
    rig.wait_state(&late, OrderSyncState::AtAmazon).await?;

    rig.control
        .tiktok_set_order_status(&early, "CANCELLED")
        .await?;
    rig.wait_state(&early, OrderSyncState::Cancelled).await?;
    let cancelled = rig.control.amazon_order(&fulfilment_id(&early)).await?;
    assert_eq!(
        cancelled["fulfillmentOrder"]["fulfillmentOrderStatus"],
        "Cancelled"
    );

    rig.control
        .amazon_set_order_status(&fulfilment_id(&late), "Processing")
        .await?;
    rig.control.tiktok_cancel_request(&late, None).await?;
    let failure = rig.wait_failure(FailureKind::OrderCancel, &late).await?;
    assert!(failure.reason.contains("already shipping"), "{failure:?}");
    assert!(
        failure
            .action
            .contains("Reject the buyer's cancellation request"),
        "{failure:?}"
    );
    let processing = rig.control.amazon_order(&fulfilment_id(&late)).await?;
    assert_eq!(
        processing["fulfillmentOrder"]["fulfillmentOrderStatus"],
        "Processing"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_is_lost_is_looked_up_then_sent_once() -> anyhow::Result<()> {
    let (rig, fba, _) = rig(20).await?;
    rig.control
        .amazon_fault(&Fault {
            path_contains: "createFulfillmentOrder".into(),
            kind: FaultKind::Timeout,
            count: 1,
        })
        .await?;
    let id = rig
        .control
        .tiktok_create_order(&order(&[(&fba[0], 1)]))
        .await?;
    rig.wait_state(&id, OrderSyncState::AtAmazon).await?;
    assert_eq!(rig.amazon_ids().await?, [fulfilment_id(&id)]);
    let gets = rig
        .control
        .amazon_calls()
        .await?
        .iter()
        .filter(|c| c.method == "GET" && c.path.contains(&fulfilment_id(&id)))
        .count();
    assert!(
        gets >= 1,
        "the retry looked the order up before creating it"
    );
    Ok(())
}
