//! The order subcommands against a fake daemon: orders with filters, one order's detail,
//! resync, retry by kind, carrier mappings and order settings; text and `--json` output, the
//! daemon's refusals (one line, exit 1), strict parsing (exit 1 before any daemon) and no
//! daemon (exit 2).
#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns; a failure should fail the test.

use crate::support;

use feedbridge_common::OrderView;
use feedbridge_common::orders::{
    CarrierChoices, CarrierMapping, FbtRule, InventoryBehaviour, OrderDetail, OrderSettings,
};
use support::cli::{feedbridge, start, stderr};
use support::{sample_carriers, sample_order_settings};

fn ids(json: &str) -> Vec<i64> {
    let orders: Vec<OrderView> = serde_json::from_str(json).unwrap();
    orders.iter().map(|o| o.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_filter_by_state_shop_and_search() {
    let (_dir, daemon, cli) = start().await;
    insta::assert_snapshot!(
        "orders_blocked_text",
        cli.ok(&["orders", "--state", "blocked"]).await
    );
    assert_eq!(
        ids(&cli.ok(&["orders", "--state", "blocked", "--json"]).await),
        [13]
    );
    assert_eq!(
        ids(&cli
            .ok(&["orders", "--search", "mug-enamel", "--json"])
            .await),
        [12],
        "by SKU, ignoring case"
    );
    assert_eq!(
        ids(&cli.ok(&["orders", "--search", "#1001", "--json"]).await),
        [11],
        "by store order"
    );
    assert_eq!(
        ids(&cli.ok(&["orders", "--search", "423003", "--json"]).await),
        [13],
        "by TikTok order id"
    );
    assert_eq!(
        ids(&cli.ok(&["orders", "--shop", "demo-us", "--json"]).await),
        [11, 12, 13]
    );
    assert_eq!(
        cli.ok(&["orders", "--shop", "acme-uk", "--state", "shipped"])
            .await,
        "No orders.\n"
    );
    // A state that does not exist is a usage error naming the states.
    let output = cli.run(&["orders", "--state", "stuck"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("in_store"), "{}", stderr(&output));
    daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_detail_and_resync() {
    let (_dir, daemon, cli) = start().await;
    insta::assert_snapshot!("order_detail_text", cli.ok(&["order", "11"]).await);
    // The TikTok order id works as well as the console's id.
    let detail: OrderDetail =
        serde_json::from_str(&cli.ok(&["order", "576460752303423001", "--json"]).await).unwrap();
    assert_eq!(detail.order.id, 11);
    assert_eq!(detail.packages.len(), 1);
    assert_eq!(detail.timeline.len(), 5);
    assert_eq!(detail.hold_until, Some(support::T0 + 900));
    let plain = cli.ok(&["order", "13"]).await;
    assert!(
        plain.contains("sync:           Blocked — SKU BEANIE-GRY is not listed on TikTok\n"),
        "{plain}"
    );
    assert!(plain.contains("packages:\n  none yet\n"), "{plain}");
    assert_eq!(
        cli.refused_quietly(&["order", "99"]).await,
        "feedbridge: not found: order 99\n"
    );
    assert_eq!(
        cli.refused_quietly(&["order", "TT-1"]).await,
        "feedbridge: no order 'TT-1'; use the ID column of 'feedbridge orders' or the TikTok order id\n"
    );

    assert_eq!(
        cli.ok(&["resync", "13"]).await,
        "TikTok order 576460752303423003 will be looked at again now.\n"
    );
    assert_eq!(
        cli.ok(&["resync", "576460752303423002"]).await,
        "TikTok order 576460752303423002 will be looked at again now.\n"
    );
    assert_eq!(
        cli.refused_quietly(&["resync", "99"]).await,
        "feedbridge: not found: order 99\n"
    );
    assert_eq!(
        daemon.state.lock().unwrap().calls,
        vec!["resync 13", "resync 12"]
    );
    daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_by_id_and_by_kind() {
    let (_dir, daemon, cli) = start().await;
    // The single form still works.
    assert_eq!(
        cli.ok(&["retry", "7"]).await,
        "Failure #7 queued for another attempt.\n"
    );
    assert_eq!(
        cli.ok(&["retry", "--kind", "tracking_push"]).await,
        "Queued 1 failure (Tracking to TikTok) for another attempt.\n"
    );
    assert_eq!(
        cli.ok(&["retry", "--kind", "order_cancel", "--org", "demo"])
            .await,
        "Queued 0 failures (Cancellation of demo) for another attempt.\n"
    );
    assert_eq!(
        cli.refused_quietly(&["retry", "--kind", "listing", "--org", "acme"])
            .await,
        "feedbridge: not found: organization acme\n"
    );
    assert_eq!(
        daemon.state.lock().unwrap().calls,
        vec![
            "retry Tracking to TikTok None",
            "retry Cancellation Some(\"demo\")"
        ]
    );
    for args in [
        &["retry"][..],
        &["retry", "--kind", "tracking"],
        &["retry", "7", "--kind", "listing"],
        &["retry", "--org", "demo"],
    ] {
        let output = cli.run(args).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}: usage error");
        assert!(output.stdout.is_empty());
    }
    let output = cli.run(&["retry", "--kind", "tracking"]).await;
    assert!(
        stderr(&output).contains(
            "[possible values: order_create, tracking_push, order_cancel, tracking_to_store, \
             listing, inventory_push, connection, mcf, storage, return_refund]"
        ),
        "{}",
        stderr(&output)
    );
    daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carrier_mappings() {
    let (_dir, daemon, cli) = start().await;
    insta::assert_snapshot!("carriers_text", cli.ok(&["carriers", "demo-us"]).await);
    let choices: CarrierChoices =
        serde_json::from_str(&cli.ok(&["carriers", "demo-us", "--json"]).await).unwrap();
    assert_eq!(choices, sample_carriers());

    assert_eq!(
        cli.ok(&["carriers", "demo-us", "map", "Evri 48h", "DHL eCommerce"])
            .await,
        "Tracking from 'Evri 48h' now goes to TikTok as DHL eCommerce.\n"
    );
    assert_eq!(
        cli.ok(&["carriers", "demo-us", "unmap", "usps priority mail"])
            .await,
        "Removed the mapping of 'usps priority mail'.\n"
    );
    assert_eq!(
        cli.refused_quietly(&["carriers", "demo-us", "map", "Evri 48h", "Parcelforce"])
            .await,
        "feedbridge: 'Parcelforce' is not a shipping provider of demo-us; choose one of: USPS, \
         UPS, FedEx, DHL eCommerce, OnTrac\n"
    );
    assert_eq!(
        cli.refused_quietly(&["carriers", "demo-us", "unmap", "Nobody Post"])
            .await,
        "feedbridge: not found: carrier mapping for 'Nobody Post' on demo-us\n"
    );
    assert_eq!(
        cli.refused_quietly(&["carriers", "acme-uk"]).await,
        "feedbridge: not found: TikTok shop acme-uk\n"
    );
    let after: CarrierChoices =
        serde_json::from_str(&cli.ok(&["carriers", "demo-us", "--json"]).await).unwrap();
    assert_eq!(
        after.mappings,
        vec![CarrierMapping {
            store_carrier: "Evri 48h".into(),
            tiktok_provider: "DHL eCommerce".into()
        }]
    );
    assert!(after.unmapped_seen.is_empty());
    // map needs both names.
    let output = cli.run(&["carriers", "demo-us", "map", "Evri 48h"]).await;
    assert_eq!(output.status.code(), Some(2));
    daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_settings_read_and_change() {
    let (_dir, daemon, cli) = start().await;
    // Shown with the shop settings; JSON keeps the shop settings' shape and adds "orders".
    let json: serde_json::Value =
        serde_json::from_str(&cli.ok(&["settings", "demo-us", "--json"]).await).unwrap();
    assert_eq!(json["max_quantity"], 50);
    let orders: OrderSettings = serde_json::from_value(json["orders"].clone()).unwrap();
    assert_eq!(orders, sample_order_settings());

    let out = cli.ok(&["settings", "demo-us", "set", "hold", "30"]).await;
    assert!(
        out.starts_with("Saved the order settings of demo-us.\nsettings of demo-us\n"),
        "{out}"
    );
    assert!(out.contains("\n  hold            30\n"), "{out}");
    for (key, value) in [
        ("order-prefix", "none"),
        ("fbt-rule", "b"),
        ("fbt-tag", "FBT"),
        ("inventory", "deduct-allow-negative"),
        ("restock", "off"),
        ("mirror-refunds", "on"),
    ] {
        cli.ok(&["settings", "demo-us", "set", key, value]).await;
    }
    {
        let state = daemon.state.lock().unwrap();
        let saved = &state.order_settings;
        assert_eq!(saved.hold_minutes, 30);
        assert_eq!(saved.order_number_prefix, "");
        assert_eq!(saved.fbt_rule, FbtRule::AfterCollection);
        assert_eq!(saved.fbt_tag, "FBT");
        assert_eq!(
            saved.inventory_behaviour,
            InventoryBehaviour::DecrementIgnoringPolicy
        );
        assert!(!saved.restock_on_cancel);
        assert!(saved.mirror_refunds_to_store);
        assert_eq!(
            saved.carrier_mappings,
            sample_order_settings().carrier_mappings,
            "carrier mappings are kept"
        );
        assert_eq!(
            state.settings,
            support::sample_settings(),
            "shop settings untouched"
        );
    }
    insta::assert_snapshot!(
        "order_settings_text",
        cli.ok(&["settings", "demo-us"]).await
    );

    let before = daemon.state.lock().unwrap().order_settings.clone();
    for (args, expected) in [
        (
            &["settings", "demo-us", "set", "hold", "ten"][..],
            "feedbridge: hold: 'ten' is not valid; expected minutes to wait after payment before \
             creating the store order: a whole number, 0 = at once\n",
        ),
        (
            &["settings", "demo-us", "set", "fbt-rule", "c"],
            "feedbridge: fbt-rule: 'c' is not valid; expected a (create FBT orders at once, \
             deduct store stock) or b (after TikTok's collection, fulfilled, stock untouched)\n",
        ),
        (
            &["settings", "demo-us", "set", "inventory", "decrement"],
            "feedbridge: inventory: 'decrement' is not valid; expected deduct, \
             deduct-allow-negative or bypass\n",
        ),
        (
            &["settings", "demo-us", "set", "restock", "yes"],
            "feedbridge: restock: 'yes' is not valid; expected on or off (put stock back when a \
             cancellation cancels the store order)\n",
        ),
        (
            &["settings", "demo-us", "set", "fbt-tag", "a,b"],
            "feedbridge: fbt-tag: 'a,b' is not valid; expected extra tag on store orders TikTok \
             fulfils (no commas), or none\n",
        ),
        (
            &["settings", "demo-us", "set", "hold-minutes", "5"],
            "feedbridge: unknown setting 'hold-minutes'; use one of: buffer, max, markup, \
             round99, currency-rate, weight-kg, length-cm, width-cm, height-cm, location, hold, \
             order-prefix, \
             fbt-rule, fbt-tag, inventory, restock, mirror-refunds, mcf-speed, mcf-policy, \
             mcf-max-units, mcf-max-value, mcf-excluded\n",
        ),
        // Valid to the console, refused by the daemon: its answer, exit 1.
        (
            &["settings", "demo-us", "set", "hold", "2000"],
            "feedbridge: hold_minutes: at most 1440 (a day); TikTok expects orders to ship sooner\n",
        ),
    ] {
        let output = cli.run(args).await;
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&output), expected, "{args:?}");
    }
    assert_eq!(
        daemon.state.lock().unwrap().order_settings,
        before,
        "refusals change nothing"
    );
    daemon.stop();
}

#[test]
fn no_daemon_is_exit_2_but_a_bad_order_setting_is_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("feedbridged.sock");
    for args in [
        &["orders", "--search", "x", "--shop", "demo-us"][..],
        &["order", "11"],
        &["order", "11", "--json"],
        &["resync", "11"],
        &["retry", "--kind", "order_create"],
        &["carriers", "demo-us"],
        &["carriers", "demo-us", "--json"],
        &["carriers", "demo-us", "map", "A", "B"],
        &["carriers", "demo-us", "unmap", "A"],
        &["settings", "demo-us", "set", "hold", "5"],
    ] {
        let output = feedbridge(args, &socket);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr(&output).lines().count(), 1, "{args:?}");
    }
    let output = feedbridge(&["settings", "demo-us", "set", "restock", "maybe"], &socket);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("feedbridge: restock: 'maybe' is not valid"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amazon_mcf_orders_and_settings() {
    use feedbridge_common::mcf::{FillPolicy, McfPackageView, McfSettings, McfView, ShippingSpeed};
    let (_dir, daemon, cli) = start().await;
    {
        let mut state = daemon.state.lock().unwrap();
        let order = state
            .samples
            .orders
            .iter_mut()
            .find(|o| o.id == 12)
            .unwrap();
        order.sync_state = feedbridge_common::OrderSyncState::AtAmazon;
        order.store_order_id = None;
        order.store_order_name = None;
        order.fulfilment = Some(McfView {
            fulfilment_order_id: "TTS-576460752303423002".into(),
            amazon_status: Some("Processing".into()),
            packages: vec![McfPackageView {
                package_number: 7,
                carrier_code: "UPS".into(),
                tracking_number: "1Z999AA10123456784".into(),
                tiktok_provider: None,
                pushed_at: None,
            }],
            last_error: None,
            updated_at: 0,
        });
    }
    let listed = cli.ok(&["orders", "--state", "at_amazon"]).await;
    assert!(listed.contains("Amazon: Processing"), "{listed}");
    let json = cli.ok(&["orders", "--json"]).await;
    let orders: Vec<OrderView> = serde_json::from_str(&json).unwrap();
    let mcf = orders
        .iter()
        .find(|o| o.id == 12)
        .and_then(|o| o.fulfilment.clone())
        .unwrap();
    assert_eq!(mcf.fulfilment_order_id, "TTS-576460752303423002");

    cli.ok(&["settings", "demo-us", "set", "mcf-speed", "expedited"])
        .await;
    let shown = cli
        .ok(&["settings", "demo-us", "set", "mcf-max-value", "150.00"])
        .await;
    assert!(shown.contains("mcf-max-value  150.00"), "{shown}");
    assert_eq!(
        daemon.state.lock().unwrap().mcf_settings,
        McfSettings {
            speed: ShippingSpeed::Expedited,
            policy: FillPolicy::FillOrKill,
            max_units: None,
            max_order_value: Some(rust_decimal::Decimal::new(15000, 2)),
            ..McfSettings::default()
        }
    );
    let refused = cli
        .run(&["settings", "demo-us", "set", "mcf-policy", "sometimes"])
        .await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("fill-or-kill, fill-all or fill-all-available"));

    let excluded = cli
        .ok(&["mcf", "demo-us", "exclude", "SKU-A", "SKU-B"])
        .await;
    assert!(
        excluded.contains("Excluded from Amazon MCF on demo-us: SKU-A, SKU-B"),
        "{excluded}"
    );
    assert!(
        excluded.contains("mcf-excluded   SKU-A SKU-B"),
        "{excluded}"
    );
    let again = cli.ok(&["mcf", "demo-us", "exclude", "SKU-A"]).await;
    assert!(again.contains("Nothing changed"), "{again}");
    cli.ok(&["mcf", "demo-us", "include", "SKU-A"]).await;
    let excluded_now = |daemon: &support::FakeDaemon| {
        let state = daemon.state.lock().unwrap();
        state
            .mcf_settings
            .excluded_skus
            .iter()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(excluded_now(&daemon), ["SKU-B"]);
    let shown = cli.ok(&["mcf", "demo-us"]).await;
    assert!(shown.contains("mcf-excluded   SKU-B"), "{shown}");
    let json = cli.ok(&["mcf", "demo-us", "--json"]).await;
    let read: McfSettings = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(read.excluded_skus.len(), 1);
    cli.ok(&["settings", "demo-us", "set", "mcf-excluded", "none"])
        .await;
    assert!(excluded_now(&daemon).is_empty());
    let missing = cli.run(&["mcf", "demo-us", "exclude"]).await;
    assert_eq!(missing.status.code(), Some(2), "a SKU is required");
    daemon.stop();
}
