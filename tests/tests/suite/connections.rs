//! Connections against the simulators: token refresh, a revoked grant waiting for
//! reauthorization without losing an order, a shop in another currency, "test connection".

use feedbridge_common::{
    ConnectionState, ConsoleClient, FailureKind, ListingStatus, OrderFilter, OrderSyncState,
    ProductFilter,
};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder};
use feedbridge_tests::{Daemon, start_sandbox, wait_connected, wait_for, write_daemon_files};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tarpc::context;

const WAIT: Duration = Duration::from_secs(60);
const SHOP: &str = "demo-us";
/// A leaf with no required product attributes in the sandbox's tree.
const CATEGORY: &str = "601602";
const SERVICE_ID: &str = "7301234567";

/// A console call that may take longer than tarpc's default 10 s (test_connection).
fn long_call() -> context::Context {
    let mut ctx = context::current();
    ctx.deadline = Instant::now() + Duration::from_secs(60);
    ctx
}

/// The demo's files, plus the app's service id so authorization links can be made.
fn write_files(
    dir: &Path,
    sandbox: &feedbridge_sandbox::RunningSandbox,
) -> anyhow::Result<PathBuf> {
    let config = write_daemon_files(dir, sandbox)?;
    let text = std::fs::read_to_string(&config)?;
    let text = text.replacen(
        "[tiktok_app]\n",
        &format!("[tiktok_app]\nservice_id = \"{SERVICE_ID}\"\n"),
        1,
    );
    std::fs::write(&config, text)?;
    Ok(config)
}

/// Map, list and approve one product; its first seller SKU.
async fn list_one_product(
    console: &ConsoleClient,
    control: &ControlClient,
) -> anyhow::Result<String> {
    let products = wait_for("the store catalog", WAIT, || async {
        let products = console
            .products(context::current(), ProductFilter::default())
            .await?;
        Ok((!products.is_empty()).then_some(products))
    })
    .await?;
    let listing = products[0].id;
    console
        .map_category(context::current(), listing, CATEGORY.into())
        .await??;
    console
        .list_products(context::current(), vec![listing])
        .await??;
    let product_id = wait_for("the listing to go under review", WAIT, || async {
        let products = console
            .products(context::current(), ProductFilter::default())
            .await?;
        Ok(products
            .into_iter()
            .find(|p| p.id == listing && p.status == ListingStatus::UnderReview)
            .and_then(|p| p.tiktok_product_id))
    })
    .await?;
    control
        .tiktok_review_product(&product_id, true, &[])
        .await?;
    let active = wait_for("the listing to become Active", WAIT, || async {
        let products = console
            .products(context::current(), ProductFilter::default())
            .await?;
        Ok(products
            .into_iter()
            .find(|p| p.id == listing && p.status == ListingStatus::Active))
    })
    .await?;
    Ok(active.skus[0].seller_sku.clone())
}

fn refresh_calls(calls: &[feedbridge_sandbox::CallRecord]) -> usize {
    calls
        .iter()
        .filter(|c| c.path == "/api/v2/token/refresh")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_shop_passes_every_check_and_an_expired_token_is_refreshed() -> anyhow::Result<()> {
    let sandbox = start_sandbox(2).await?;
    let control = ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = write_files(dir.path(), &sandbox)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;

    // The connection is marked connected before the connect step subscribes the webhooks.
    let last = std::sync::Mutex::new(None);
    let test = wait_for(
        "every check of a healthy shop to pass",
        Duration::from_secs(20),
        || async {
            let test = console.test_connection(long_call(), SHOP.into()).await??;
            let ok = test.ok;
            *last
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(format!("{test:#?}"));
            Ok(ok.then_some(test))
        },
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!(
            "{e}: {:?}",
            last.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        )
    })?;
    let checked: Vec<&str> = test.checks.iter().map(|c| c.what.as_str()).collect();
    for what in [
        "Access token",
        "Authorization covers the shop",
        "Region and currency",
        "Currency matches the store",
        "Sales warehouse",
        "Webhook subscription",
    ] {
        assert!(checked.contains(&what), "{what} missing from {checked:?}");
    }
    let store = console
        .test_connection(long_call(), "demo-store".into())
        .await??;
    assert!(store.ok, "{store:#?}");
    assert!(
        store.checks.iter().any(|c| c.detail.contains("USD")),
        "{store:#?}"
    );
    let unknown = console
        .test_connection(long_call(), "nope".into())
        .await?
        .unwrap_err();
    assert!(unknown.to_string().contains("nope"), "{unknown}");

    // TikTok expires the access token: the next poll refreshes it and carries on.
    assert_eq!(refresh_calls(&control.tiktok_calls().await?), 0);
    control.tiktok_expire_token().await?;
    wait_for("a token refresh", WAIT, || async {
        let calls = control.tiktok_calls().await?;
        Ok((refresh_calls(&calls) >= 1).then_some(()))
    })
    .await?;
    // Polls go on with the new token: a successful order search after the refresh.
    wait_for("a poll with the refreshed token", WAIT, || async {
        let calls = control.tiktok_calls().await?;
        let refreshed_at = calls
            .iter()
            .position(|c| c.path == "/api/v2/token/refresh")
            .unwrap_or(usize::MAX);
        Ok(calls
            .iter()
            .skip(refreshed_at.saturating_add(1))
            .any(|c| c.path == "/order/202309/orders/search" && c.status == 200)
            .then_some(()))
    })
    .await?;
    let status = wait_connected(&console).await?;
    assert_eq!(
        status.organizations[0].shops[0].state,
        ConnectionState::Connected
    );
    let again = console.test_connection(long_call(), SHOP.into()).await??;
    assert!(again.ok, "{again:#?}");
    // The refreshed pair carries its expiry.
    let token = &again.checks[0];
    assert!(token.detail.contains("expires"), "{token:?}");

    daemon.terminate()?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_grant_waits_for_reauthorization_and_loses_no_order() -> anyhow::Result<()> {
    let sandbox = start_sandbox(2).await?;
    let control = ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = write_files(dir.path(), &sandbox)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;
    let sku = list_one_product(&console, &control).await?;

    // The seller removes the app; an order arrives meanwhile.
    control.tiktok_revoke_grant().await?;
    let order_id = control
        .tiktok_create_order(&NewTikTokOrder::single(&sku, 1))
        .await?;
    let shop = wait_for("the shop to need reauthorization", WAIT, || async {
        let status = console.status(context::current()).await?;
        Ok(status.organizations[0]
            .shops
            .iter()
            .find(|s| s.state == ConnectionState::NeedsReauthorization)
            .cloned())
    })
    .await?;
    let detail = shop.detail.unwrap_or_default();
    assert!(detail.contains("feedbridge authorize demo-us"), "{detail}");
    let failures = console.failures(context::current()).await?;
    let failure = failures
        .iter()
        .find(|f| f.kind == FailureKind::Connection && f.subject.contains(SHOP))
        .unwrap_or_else(|| panic!("a connection failure in {failures:?}"));
    assert!(
        failure.action.contains("feedbridge authorize demo-us"),
        "{failure:?}"
    );
    assert!(
        !failures.iter().any(|f| f.kind == FailureKind::OrderCreate),
        "work waits instead of failing: {failures:?}"
    );
    let broken = console.test_connection(long_call(), SHOP.into()).await??;
    assert!(!broken.ok);
    let token = broken
        .checks
        .iter()
        .find(|c| !c.ok)
        .expect("a failing check");
    assert_eq!(token.what, "Access token");
    assert!(
        token.detail.contains("feedbridge authorize demo-us"),
        "{token:?}"
    );
    let store_orders = control.shopify_orders().await?;
    assert!(
        !store_orders
            .iter()
            .any(|o| o.to_string().contains(&order_id)),
        "nothing reaches the store while the shop waits"
    );

    // Authorize again: a state that was not issued is refused, the real one works once.
    let start = console
        .start_authorization(context::current(), SHOP.into())
        .await??;
    assert!(
        start.url.starts_with(&format!(
            "https://services.us.tiktokshop.com/open/authorize?service_id={SERVICE_ID}&state="
        )),
        "{}",
        start.url
    );
    assert!(
        start.instructions.contains("owner"),
        "{}",
        start.instructions
    );
    let code = control.tiktok_auth_code().await?;
    let forged = console
        .finish_authorization(
            context::current(),
            SHOP.into(),
            code.clone(),
            "forged".into(),
        )
        .await?;
    assert!(forged.is_err(), "{forged:?}");
    console
        .finish_authorization(
            context::current(),
            SHOP.into(),
            code.clone(),
            start.state.clone(),
        )
        .await??;
    let reused = console
        .finish_authorization(context::current(), SHOP.into(), code, start.state)
        .await?;
    assert!(reused.is_err(), "a state works once: {reused:?}");

    // The order placed while waiting reaches the store, once.
    wait_for("the waiting order in the store", WAIT, || async {
        let orders = console
            .orders(context::current(), OrderFilter::default())
            .await?;
        Ok(orders
            .into_iter()
            .find(|o| o.tiktok_order_id == order_id && o.sync_state == OrderSyncState::InStore))
    })
    .await?;
    let store_orders = control.shopify_orders().await?;
    let ours = store_orders
        .iter()
        .filter(|o| o.to_string().contains(&order_id))
        .count();
    assert_eq!(ours, 1);
    let status = wait_connected(&console).await?;
    assert_eq!(status.organizations[0].shops[0].detail, None);
    let failures = console.failures(context::current()).await?;
    assert!(
        !failures.iter().any(|f| f.kind == FailureKind::Connection),
        "the reauthorization failure is resolved: {failures:?}"
    );

    daemon.terminate()?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_in_another_currency_is_refused_and_nothing_is_listed() -> anyhow::Result<()> {
    let sandbox = feedbridge_sandbox::start(
        SandboxConfig {
            products: 2,
            tiktok_region: "GB".into(),
            ..SandboxConfig::default()
        },
        "127.0.0.1".parse()?,
    )
    .await?;
    let control = ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = write_files(dir.path(), &sandbox)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;

    let shop = wait_for("the currency check", WAIT, || async {
        let status = console.status(context::current()).await?;
        Ok(status
            .organizations
            .first()
            .and_then(|org| org.shops.first())
            .filter(|s| s.state == ConnectionState::Error)
            .cloned())
    })
    .await?;
    let detail = shop.detail.unwrap_or_default();
    assert!(detail.contains("GBP") && detail.contains("USD"), "{detail}");
    let failure = wait_for("the currency failure", WAIT, || async {
        let failures = console.failures(context::current()).await?;
        Ok(failures
            .into_iter()
            .find(|f| f.kind == FailureKind::Connection && f.reason.contains("GBP")))
    })
    .await?;
    assert!(failure.reason.contains("USD"), "{failure:?}");

    let test = console.test_connection(long_call(), SHOP.into()).await??;
    assert!(!test.ok);
    let currency = test
        .checks
        .iter()
        .find(|c| c.what == "Currency matches the store")
        .expect("currency check");
    assert!(
        !currency.ok && currency.detail.contains("GBP"),
        "{currency:?}"
    );

    // The catalog is read, but nothing reaches TikTok's catalog for this shop.
    wait_for("the store catalog", WAIT, || async {
        let products = console
            .products(context::current(), ProductFilter::default())
            .await?;
        Ok((!products.is_empty()).then_some(()))
    })
    .await?;
    assert!(control.tiktok_products().await?.is_empty());
    let calls = control.tiktok_calls().await?;
    assert!(
        !calls.iter().any(|c| c.path.starts_with("/product/")),
        "no catalog call for a shop in another currency: {calls:?}"
    );

    daemon.terminate()?;
    Ok(())
}

/// The check named `what` of a fresh `test-connection` of the shop.
async fn shop_check(
    console: &ConsoleClient,
    what: &str,
) -> anyhow::Result<feedbridge_common::catalog::ConnectionCheck> {
    let test = console.test_connection(long_call(), SHOP.into()).await??;
    test.checks
        .into_iter()
        .find(|c| c.what == what)
        .ok_or_else(|| anyhow::anyhow!("no {what} check"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_checks_fail_one_by_one_naming_the_seller_center_page() -> anyhow::Result<()> {
    let sandbox = start_sandbox(1).await?;
    let control = ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = write_files(dir.path(), &sandbox)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;
    for what in ["Sales warehouse", "Delivery options", "Return warehouse"] {
        let check = shop_check(&console, what).await?;
        assert!(check.ok, "{check:?}");
    }
    let warehouses = control.tiktok_warehouses().await?;
    let id_of = |w: &serde_json::Value| w["id"].as_str().unwrap_or_default().to_owned();
    let returns: Vec<String> = warehouses
        .iter()
        .filter(|w| w["type"] == "RETURN_WAREHOUSE")
        .map(id_of)
        .collect();
    let sales: Vec<String> = warehouses
        .iter()
        .filter(|w| w["type"] == "SALES_WAREHOUSE")
        .map(id_of)
        .collect();
    let default = warehouses
        .iter()
        .find(|w| w["is_default"] == true)
        .map(id_of)
        .ok_or_else(|| anyhow::anyhow!("no default warehouse in {warehouses:?}"))?;

    for id in &returns {
        control.tiktok_remove_warehouse(id).await?;
    }
    let check = shop_check(&console, "Return warehouse").await?;
    assert!(!check.ok, "{check:?}");
    assert!(
        check
            .detail
            .contains("Seller Center → Shipping → Warehouse settings"),
        "{check:?}"
    );

    control.tiktok_clear_delivery_options(&default).await?;
    let check = shop_check(&console, "Delivery options").await?;
    assert!(!check.ok, "{check:?}");
    assert!(
        check
            .detail
            .contains("Seller Center → Shipping → Delivery options"),
        "{check:?}"
    );

    for id in &sales {
        control.tiktok_set_warehouse_status(id, "DISABLED").await?;
    }
    let test = console.test_connection(long_call(), SHOP.into()).await??;
    assert!(!test.ok);
    let check = test
        .checks
        .iter()
        .find(|c| c.what == "Sales warehouse")
        .ok_or_else(|| anyhow::anyhow!("no Sales warehouse check in {test:?}"))?;
    assert!(!check.ok, "{check:?}");
    assert!(check.detail.contains("DISABLED"), "{check:?}");
    assert!(
        check
            .detail
            .contains("Seller Center → Shipping → Warehouse settings"),
        "{check:?}"
    );
    let status = console.status(context::current()).await?;
    let shop = status
        .organizations
        .iter()
        .flat_map(|o| &o.shops)
        .find(|s| s.name == SHOP)
        .ok_or_else(|| anyhow::anyhow!("no shop {SHOP}"))?;
    assert_eq!(shop.state, ConnectionState::Error, "{shop:?}");
    daemon.terminate()?;
    Ok(())
}
