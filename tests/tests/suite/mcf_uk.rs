//! Amazon MCF in the UK against the simulators and the real daemon: a GB TikTok shop, a GBP
//! store and an Amazon seller in the UK marketplace, served by the simulator's EU SP-API
//! endpoint (its NA endpoint refuses this seller). An FBA-only order becomes one fulfilment
//! order in the UK marketplace with the buyer's GB address and GBP declared values, exactly
//! once through a crash; Royal Mail tracking reaches TikTok once as the GB "Royal Mail"
//! provider; an order holding a SKU the shop excluded from MCF goes to the store, the
//! exclusion named on its timeline.

use super::mcf::{McfChecks, fulfilment_id, order, rig_in};
use feedbridge_common::OrderSyncState;
use feedbridge_common::mcf::McfSettings;
use feedbridge_sandbox::SandboxConfig;
use feedbridge_tests::rig::{Rig, SHOP};
use rust_decimal::Decimal;
use tarpc::context;

const UK_MARKETPLACE: &str = "A1F83G8C2ARO7P";

/// A GB shop selling in pounds, its organization's Amazon account in the UK marketplace.
async fn uk_rig() -> anyhow::Result<(Rig, Vec<String>, String)> {
    let uk = SandboxConfig {
        tiktok_region: "GB".into(),
        store_currency: "GBP".into(),
        amazon_marketplace: "UK".into(),
        ..SandboxConfig::default()
    };
    rig_in(20, uk, |config| {
        assert!(config.contains("marketplace = \"US\""), "{config}");
        config.replace("marketplace = \"US\"", "marketplace = \"UK\"")
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_uk_fba_order_goes_to_amazon_uk_once_in_pounds_and_its_royal_mail_tracking_reaches_tiktok()
-> anyhow::Result<()> {
    let (mut rig, fba, _) = uk_rig().await?;
    let status = rig.console.status(context::current()).await?;
    let amazon = status.organizations[0]
        .fulfilment
        .clone()
        .expect("the Amazon account is listed");
    assert_eq!(amazon.region.as_deref(), Some("GB"), "{amazon:?}");

    let id = rig
        .control
        .tiktok_create_order(&order(&[(&fba[0], 2), (&fba[1], 1)]))
        .await?;
    rig.wait_state(&id, OrderSyncState::AtAmazon).await?;
    let sent = rig.control.amazon_order(&fulfilment_id(&id)).await?;
    let header = &sent["fulfillmentOrder"];
    assert_eq!(header["marketplaceId"], UK_MARKETPLACE, "{sent}");
    let address = &header["destinationAddress"];
    assert_eq!(address["countryCode"], "GB", "{address}");
    for field in [
        "name",
        "addressLine1",
        "city",
        "stateOrRegion",
        "postalCode",
    ] {
        assert!(
            address[field]
                .as_str()
                .is_some_and(|v| !v.trim().is_empty()),
            "{field} of {address}"
        );
    }
    let items = sent["fulfillmentOrderItems"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(items.len(), 2, "one item per SKU: {sent}");
    let tiktok = rig.control.tiktok_order(&id).await?;
    let paid: Decimal = tiktok["line_items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|line| line["sale_price"].as_str()?.parse::<Decimal>().ok())
        .sum();
    let mut declared = Decimal::ZERO;
    for item in &items {
        let value = &item["perUnitDeclaredValue"];
        assert_eq!(value["currencyCode"], "GBP", "{item}");
        let per_unit: Decimal = value["value"]
            .as_str()
            .and_then(|v| v.parse().ok())
            .expect("a decimal string");
        declared += per_unit * Decimal::from(item["quantity"].as_i64().unwrap_or(0));
    }
    assert_eq!(
        declared, paid,
        "the declared values are what the buyer paid"
    );
    let calls = rig.control.amazon_calls().await?;
    assert!(
        calls.iter().all(|c| c.status != 403),
        "every SP-API call reached the EU endpoint: {calls:?}"
    );

    // A crash and a restart do not send it again.
    rig.kill()?;
    rig.restart().await?;
    rig.wait_state(&id, OrderSyncState::AtAmazon).await?;
    assert_eq!(rig.amazon_ids().await?, [fulfilment_id(&id)]);
    assert_eq!(rig.creates().await?, 1);

    rig.control
        .amazon_ship(&fulfilment_id(&id), "ROYAL_MAIL", "AB123456789GB")
        .await?;
    let shipped = rig.wait_state(&id, OrderSyncState::Shipped).await?;
    let package = &shipped.fulfilment.expect("still shown").packages[0];
    assert_eq!(package.tiktok_provider.as_deref(), Some("Royal Mail"));
    let tiktok = rig.control.tiktok_order(&id).await?;
    let lines = tiktok["line_items"].as_array().cloned().unwrap_or_default();
    assert!(
        lines.iter().all(|l| l["tracking_number"] == "AB123456789GB"
            && l["shipping_provider_name"] == "Royal Mail"),
        "{tiktok}"
    );
    rig.wait_later_polls().await?;
    let pushes = rig
        .control
        .tiktok_calls()
        .await?
        .iter()
        .filter(|c| c.path.contains(&format!("/orders/{id}/packages")))
        .count();
    assert_eq!(pushes, 1, "tracking sent to TikTok once");
    assert!(
        rig.control
            .shopify_store_orders()
            .await?
            .iter()
            .all(|o| o.source_identifier.as_deref() != Some(id.as_str())),
        "an order Amazon ships never reaches the store"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_with_a_sku_excluded_from_mcf_goes_to_the_store_saying_so() -> anyhow::Result<()> {
    let (rig, fba, _) = uk_rig().await?;
    let mut settings = McfSettings::default();
    settings.exclude([fba[1].as_str()]);
    rig.console
        .set_mcf_settings(context::current(), SHOP.into(), settings)
        .await??;

    let excluded = rig
        .control
        .tiktok_create_order(&order(&[(&fba[1], 1)]))
        .await?;
    let in_store = rig.wait_state(&excluded, OrderSyncState::InStore).await?;
    let detail = rig
        .console
        .order_detail(context::current(), in_store.id)
        .await??;
    let said = format!("SKU {} excluded from MCF for this shop", fba[1]);
    assert!(
        detail.timeline.iter().any(|e| e.message.contains(&said)),
        "{:?}",
        detail.timeline
    );

    let mixed = rig
        .control
        .tiktok_create_order(&order(&[(&fba[0], 1), (&fba[1], 1)]))
        .await?;
    let blocked = rig.wait_state(&mixed, OrderSyncState::Blocked).await?;
    assert!(
        blocked.reason.as_deref().is_some_and(|r| r.contains(&said)),
        "{blocked:?}"
    );
    assert!(rig.amazon_ids().await?.is_empty(), "nothing went to Amazon");
    Ok(())
}
