//! The catalog subcommands against a fake daemon: text and `--json` output, the daemon's
//! refusals (one line, exit 1), strict settings parsing, and no daemon (exit 2).
#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns; a failure should fail the test.

use crate::support;

use feedbridge_common::catalog::{
    ConnectionTest, FigureSource, LinkPreview, MappingReport, PriceMarkup, ProductDetail,
    ShopSettings, StockBuffer,
};
use support::cli::{feedbridge, start, stderr};
use support::{AUTH_STATE, sample_settings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_tests_and_authorization() {
    let (_dir, daemon, cli) = start().await;

    insta::assert_snapshot!("connections_table", cli.ok(&["connections"]).await);
    let json: serde_json::Value =
        serde_json::from_str(&cli.ok(&["connections", "--json"]).await).unwrap();
    assert_eq!(json[1]["name"], "demo-us");
    assert_eq!(json[1]["role"], "tiktok_shop");
    assert_eq!(json[1]["organization"], "demo");
    assert_eq!(json[1]["state"], "connected");

    assert_eq!(
        cli.ok(&["test-connection", "demo"]).await,
        "✓ Access token: accepted by Shopify\n✓ Shop currency: USD\ndemo: every check passed.\n"
    );
    // A failed check is data on stdout and exit 1 with a one-line summary.
    let (out, error) = cli.refused(&["test-connection", "demo-us"]).await;
    insta::assert_snapshot!("test_connection_failed", out);
    assert_eq!(
        error,
        "feedbridge: connection demo-us failed 1 of 2 checks; fix what the ✗ lines say and test again\n"
    );
    let (out, _) = cli.refused(&["test-connection", "demo-us", "--json"]).await;
    let test: ConnectionTest = serde_json::from_str(&out).unwrap();
    assert!(!test.ok);
    let (_, error) = cli.refused(&["test-connection", "nope"]).await;
    assert_eq!(error, "feedbridge: not found: connection nope\n");

    insta::assert_snapshot!("authorize_start", cli.ok(&["authorize", "demo-us"]).await);
    assert_eq!(
        cli.ok(&[
            "authorize",
            "demo-us",
            "--code",
            "C0DE",
            "--state",
            AUTH_STATE
        ])
        .await,
        "demo-us is authorized; sync resumes.\n"
    );
    let (_, error) = cli
        .refused(&["authorize", "demo-us", "--code", "C0DE", "--state", "old"])
        .await;
    assert!(error.contains("another authorization request"), "{error}");
    // --code without --state is a usage error, before any daemon call.
    let output = cli.run(&["authorize", "demo-us", "--code", "C0DE"]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--state"), "{}", stderr(&output));
    assert_eq!(
        daemon.state.lock().unwrap().calls,
        vec!["authorize demo-us C0DE"]
    );
    daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mapping_listing_and_detail() {
    let (_dir, daemon, cli) = start().await;

    // Today's single form still works.
    assert_eq!(
        cli.ok(&["map", "3", "601226"]).await,
        "Listing 3 now uses category 601226.\n"
    );
    // Many at once: per-listing lines; a refusal makes it exit 1.
    assert_eq!(
        cli.ok(&["map", "--category", "600001", "2", "3"]).await,
        "Listing 2: mapped to category 600001.\nListing 3: mapped to category 600001.\n"
    );
    let (out, error) = cli
        .refused(&["map", "--category", "600001", "1", "3"])
        .await;
    assert_eq!(
        out,
        "Listing 3: mapped to category 600001.\n\
         Listing 1: not mapped — already listed on TikTok; its category can no longer change\n"
    );
    assert_eq!(
        error,
        "feedbridge: 1 of 2 listings not mapped; see why above\n"
    );
    let (out, _) = cli
        .refused(&["map", "--category", "600001", "1", "--json"])
        .await;
    let report: MappingReport = serde_json::from_str(&out).unwrap();
    assert_eq!(report.refused.len(), 1);
    let (_, error) = cli.refused(&["map", "--category", "999", "2"]).await;
    assert_eq!(
        error,
        "feedbridge: category 999 is not a leaf category of this shop\n"
    );
    let (_, error) = cli.refused(&["map", "2"]).await;
    assert!(error.contains("LISTING_ID CATEGORY_ID"), "{error}");
    let (_, error) = cli.refused(&["map", "--category", "600001", "two"]).await;
    assert!(error.contains("'two' is not a listing id"), "{error}");

    assert_eq!(
        cli.ok(&["unmap", "3"]).await,
        "Listing 3 has no category now.\n"
    );
    let (_, error) = cli.refused(&["unmap", "1"]).await;
    assert_eq!(
        error,
        "feedbridge: listing 1 is already listed; its category is locked\n"
    );

    assert_eq!(
        cli.ok(&["resubmit", "1", "3"]).await,
        "Queued 1 listing for another submission to TikTok.\n"
    );
    assert_eq!(
        cli.ok(&["skus", "1", "TEE-BLK-M"]).await,
        "Listing 1 will list TEE-BLK-M.\n"
    );
    assert_eq!(
        cli.ok(&["skus", "1"]).await,
        "Listing 1 will list every SKU.\n"
    );
    let (_, error) = cli.refused(&["skus", "1", "NOPE"]).await;
    assert_eq!(error, "feedbridge: listing 1 has no SKU NOPE\n");

    insta::assert_snapshot!("product_detail", cli.ok(&["product", "3"]).await);
    let detail: ProductDetail =
        serde_json::from_str(&cli.ok(&["product", "1", "--json"]).await).unwrap();
    assert_eq!(detail.selected_skus, vec!["TEE-BLK-M"]);
    // Which package figures came from the store and which from the shop's defaults.
    assert_eq!(detail.package.sources.weight, FigureSource::Store);
    assert_eq!(
        detail.package.defaulted(),
        vec!["length", "width", "height"]
    );
    assert!(
        cli.ok(&["product", "1"]).await.contains(
            "package:        1.2 kg, 20 × 15 × 5 cm (weight from the store; length, width, height: shop defaults)"
        )
    );
    let (_, error) = cli.refused(&["product", "99"]).await;
    assert_eq!(error, "feedbridge: not found: listing 99\n");

    assert_eq!(
        daemon.state.lock().unwrap().calls,
        vec![
            "map [2, 3] 600001",
            "map [3] 600001",
            "map [] 600001",
            "unmap 3",
            "resubmit [1, 3]",
            "skus 1 [\"TEE-BLK-M\"]",
            "skus 1 []",
        ]
    );
    daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linking() {
    let (_dir, daemon, cli) = start().await;
    insta::assert_snapshot!(
        "link_preview",
        cli.ok(&["link", "preview", "demo-us"]).await
    );
    let preview: LinkPreview =
        serde_json::from_str(&cli.ok(&["link", "preview", "demo-us", "--json"]).await).unwrap();
    assert_eq!(preview.matches.len(), 1);
    assert_eq!(
        cli.ok(&["link", "apply", "demo-us"]).await,
        "Linked 1 listing on demo-us; their price and stock now follow the store.\n"
    );
    assert_eq!(
        cli.ok(&["link", "manual", "2", "1729384799"]).await,
        "Listing 2 is linked to TikTok product 1729384799.\n"
    );
    let (_, error) = cli.refused(&["link", "preview", "acme-uk"]).await;
    assert_eq!(error, "feedbridge: not found: TikTok shop acme-uk\n");
    assert_eq!(
        daemon.state.lock().unwrap().calls,
        vec!["link apply demo-us", "link 2 1729384799"]
    );
    daemon.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_read_and_change() {
    let (_dir, daemon, cli) = start().await;
    insta::assert_snapshot!("settings_text", cli.ok(&["settings", "demo-us"]).await);
    let read: ShopSettings =
        serde_json::from_str(&cli.ok(&["settings", "demo-us", "--json"]).await).unwrap();
    assert_eq!(read, sample_settings());

    let out = cli
        .ok(&["settings", "demo-us", "set", "buffer", "10%"])
        .await;
    assert!(out.starts_with("Saved the settings of demo-us.\n"), "{out}");
    assert!(out.contains("  buffer         10%\n"), "{out}");
    cli.ok(&["settings", "demo-us", "set", "markup", "2.50"])
        .await;
    cli.ok(&["settings", "demo-us", "set", "max", "none"]).await;
    cli.ok(&["settings", "demo-us", "set", "round99", "false"])
        .await;
    cli.ok(&["settings", "demo-us", "set", "weight-kg", "1.2"])
        .await;
    cli.ok(&["settings", "demo-us", "set", "location", "clear"])
        .await;
    cli.ok(&["settings", "demo-us", "set", "location", "LOC-9", "WH-2"])
        .await;
    {
        let state = daemon.state.lock().unwrap();
        let saved = &state.settings;
        assert_eq!(saved.inventory_buffer, StockBuffer::Percent(10));
        assert_eq!(
            saved.price_markup,
            PriceMarkup::Fixed(rust_decimal::Decimal::new(250, 2))
        );
        assert_eq!(saved.max_quantity, None);
        assert!(!saved.round_to_99);
        assert_eq!(saved.package_weight_kg, rust_decimal::Decimal::new(12, 1));
        assert_eq!(saved.location_warehouses.len(), 1);
        assert_eq!(saved.location_warehouses[0].warehouse_id, "WH-2");
    }

    let before = daemon.state.lock().unwrap().settings.clone();
    for (args, expected) in [
        (
            &["settings", "demo-us", "set", "buffer", "-5"][..],
            "feedbridge: buffer: '-5' is not valid; expected units held back: 5, 10% or none\n",
        ),
        (
            &["settings", "demo-us", "set", "round99", "maybe"],
            "feedbridge: round99: 'maybe' is not valid; expected round prices up to .99: true or false\n",
        ),
        (
            &["settings", "demo-us", "set", "colour", "red"],
            "feedbridge: unknown setting 'colour'; use one of: buffer, max, markup, round99, \
             currency-rate, weight-kg, length-cm, width-cm, height-cm, location, hold, order-prefix, fbt-rule, \
             fbt-tag, inventory, restock, mirror-refunds, mcf-speed, mcf-policy, mcf-max-units, \
             mcf-max-value, mcf-excluded\n",
        ),
        (
            &["settings", "demo-us", "set", "location", "LOC-1"],
            "feedbridge: location takes STORE_LOCATION_ID WAREHOUSE_ID, or clear; got 1 value\n",
        ),
    ] {
        let (_, error) = cli.refused(args).await;
        assert_eq!(error, expected, "{args:?}");
    }
    assert_eq!(
        daemon.state.lock().unwrap().settings,
        before,
        "refusals change nothing"
    );
    let (_, error) = cli.refused(&["settings", "acme-uk"]).await;
    assert_eq!(error, "feedbridge: not found: TikTok shop acme-uk\n");
    daemon.stop();
}

#[test]
fn no_daemon_is_exit_2_but_a_bad_setting_is_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("feedbridged.sock");
    for args in [
        &["connections"][..],
        &["test-connection", "demo", "--json"],
        &["authorize", "demo-us"],
        &["map", "--category", "1", "2"],
        &["unmap", "1"],
        &["product", "1"],
        &["skus", "1"],
        &["resubmit", "1"],
        &["link", "preview", "demo-us"],
        &["link", "apply", "demo-us"],
        &["link", "manual", "1", "2"],
        &["settings", "demo-us"],
        &["settings", "demo-us", "set", "buffer", "5"],
    ] {
        let output = feedbridge(args, &socket);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr(&output).lines().count(), 1, "{args:?}");
    }
    // Checked before looking for the daemon.
    let output = feedbridge(&["settings", "demo-us", "set", "max", "lots"], &socket);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "feedbridge: max: 'lots' is not valid; expected most units shown on TikTok: a whole number or none\n"
    );
}
