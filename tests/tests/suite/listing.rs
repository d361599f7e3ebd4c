//! Listing against the simulators with the real daemon: every status a listing goes through,
//! chosen SKUs, the converted description, and bulk listing through injected faults.

use feedbridge_common::attributes::RuleSource;
use feedbridge_common::catalog::FigureSource;
use feedbridge_common::{ConsoleClient, ListingStatus, ProductFilter, ProductView};
use feedbridge_sandbox::control::ControlClient;
use feedbridge_sandbox::merchant::SimStore;
use feedbridge_sandbox::{Fault, FaultKind, RunningSandbox, SandboxConfig};
use feedbridge_tests::rig::Rig;
use feedbridge_tests::{Daemon, daemon_binary, wait_connected, wait_for, write_daemon_files};
use feedbridge_tui::demo::setup::Wiring;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use tarpc::context;

const WAIT: Duration = Duration::from_secs(60);
/// Needs the product attribute "Material", which the seeded store products lack.
const NEEDS_MATERIAL: &str = "601226";
/// A leaf with no required product attributes.
const CUSHIONS: &str = "601602";

async fn sandbox(products: usize) -> anyhow::Result<RunningSandbox> {
    feedbridge_sandbox::start(
        SandboxConfig {
            products,
            variants_per_product: Some(3),
            ..SandboxConfig::default()
        },
        "127.0.0.1".parse()?,
    )
    .await
}

async fn products(console: &ConsoleClient) -> anyhow::Result<Vec<ProductView>> {
    let filter = ProductFilter {
        status: None,
        limit: Some(10_000),
    };
    Ok(console.products(context::current(), filter).await?)
}

async fn wait_status(
    console: &ConsoleClient,
    listing: i64,
    want: ListingStatus,
) -> anyhow::Result<ProductView> {
    wait_for(&format!("listing {listing} to be {want}"), WAIT, || async {
        Ok(products(console)
            .await?
            .into_iter()
            .find(|p| p.id == listing && p.status == want))
    })
    .await
}

async fn tiktok_product(control: &ControlClient, id: &str) -> anyhow::Result<Value> {
    control
        .tiktok_products()
        .await?
        .into_iter()
        .find(|p| p["id"] == id)
        .ok_or_else(|| anyhow::anyhow!("TikTok product {id} not found"))
}

fn seller_skus(product: &Value) -> Vec<String> {
    let mut skus: Vec<String> = product["skus"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["seller_sku"].as_str().map(str::to_owned))
        .collect();
    skus.sort();
    skus
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_walks_every_status_with_chosen_skus() -> anyhow::Result<()> {
    let sandbox = sandbox(2).await?;
    let control = ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;
    let listing = wait_for("the store catalog", WAIT, || async {
        Ok(products(&console)
            .await?
            .into_iter()
            .find(|p| p.skus.len() == 3))
    })
    .await?;
    assert_eq!(listing.status, ListingStatus::NotSynced);
    let id = listing.id;

    // A category whose required attribute the store cannot fill: Failed to sync, naming it.
    console
        .map_category(context::current(), id, NEEDS_MATERIAL.into())
        .await??;
    let detail = console.product_detail(context::current(), id).await??;
    assert_eq!(detail.missing_attributes, vec!["Material".to_owned()]);
    // Shopify keeps a weight per variant but no size: the shop's default dimensions fill in.
    assert_eq!(detail.package.sources.length, FigureSource::ShopDefault);
    assert_eq!(
        console
            .list_products(context::current(), vec![id])
            .await??,
        1
    );
    let failed = wait_status(&console, id, ListingStatus::FailedToSync).await?;
    let reason = failed.status_reason.unwrap_or_default();
    assert!(reason.contains("\"Material\""), "{reason}");
    assert!(control.tiktok_products().await?.is_empty());

    // Fixed: another category, and only two of the three SKUs; re-submitted → Under review.
    console
        .map_category(context::current(), id, CUSHIONS.into())
        .await??;
    let chosen: Vec<String> = listing.skus[..2]
        .iter()
        .map(|s| s.seller_sku.clone())
        .collect();
    console
        .select_skus(context::current(), id, chosen.clone())
        .await??;
    let refused = console
        .select_skus(context::current(), id, vec!["NO-SUCH-SKU".into()])
        .await?
        .unwrap_err();
    assert!(refused.to_string().contains("NO-SUCH-SKU"), "{refused}");
    assert_eq!(console.resubmit(context::current(), vec![id]).await??, 1);
    let under_review = wait_status(&console, id, ListingStatus::UnderReview).await?;
    let product_id = under_review.tiktok_product_id.clone().unwrap_or_default();
    let remote = tiktok_product(&control, &product_id).await?;
    let mut expected = chosen.clone();
    expected.sort();
    assert_eq!(
        seller_skus(&remote),
        expected,
        "only the chosen SKUs are listed"
    );
    // The store's description reached TikTok converted (paragraphs and bullets kept).
    let description = remote["description"].as_str().unwrap_or_default();
    assert!(
        description.starts_with("<p>")
            && description.contains("<ul><li>Ships in 1-2 days</li></ul>"),
        "{description}"
    );
    let detail = console.product_detail(context::current(), id).await??;
    assert_eq!(detail.description, description);
    assert_eq!(detail.selected_skus.len(), 2);
    assert!(!detail.linked);
    // Listed: the category and the SKU choice are locked.
    let locked = console
        .unmap_category(context::current(), id)
        .await?
        .unwrap_err();
    assert!(locked.to_string().contains("already on TikTok"), "{locked}");

    // TikTok's reviewers reject it: Failed review with their reasons.
    let why = "The main image shows a watermark.".to_owned();
    control
        .tiktok_review_product(&product_id, false, std::slice::from_ref(&why))
        .await?;
    let rejected = wait_status(&console, id, ListingStatus::FailedReview).await?;
    assert!(
        rejected.review_reasons.iter().any(|r| r.contains(&why)),
        "{:?}",
        rejected.review_reasons
    );

    // Re-submitted after the fix: the same TikTok product is edited and reviewed again.
    assert_eq!(console.resubmit(context::current(), vec![id]).await??, 1);
    let again = wait_status(&console, id, ListingStatus::UnderReview).await?;
    assert_eq!(
        again.tiktok_product_id.as_deref(),
        Some(product_id.as_str())
    );
    assert_eq!(
        tiktok_product(&control, &product_id).await?["status"],
        "PENDING"
    );

    control
        .tiktok_review_product(&product_id, true, &[])
        .await?;
    wait_status(&console, id, ListingStatus::Active).await?;

    // Deactivated by the seller on TikTok: Synced (unlisted).
    control.tiktok_deactivate_product(&product_id).await?;
    wait_status(&console, id, ListingStatus::Unlisted).await?;

    // One TikTok product for this listing throughout.
    assert_eq!(control.tiktok_products().await?.len(), 1);
    daemon.terminate()?;
    Ok(())
}

/// `feedbridge attributes ...` against the test daemon: (exit status, stdout, stderr).
fn attributes_cli(daemon: &Daemon, args: &[&str]) -> anyhow::Result<(bool, String, String)> {
    let output = std::process::Command::new(daemon_binary().with_file_name("feedbridge"))
        .arg("attributes")
        .args(args)
        .arg("--socket")
        .arg(&daemon.socket)
        .output()?;
    Ok((
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

/// The values of one product attribute on TikTok's stored product: (value id, name) pairs.
fn sent_values(product: &Value, attribute_id: &str) -> Vec<(String, String)> {
    product["product_attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["id"] == attribute_id)
        .flat_map(|a| a["values"].as_array().cloned().unwrap_or_default())
        .map(|v| {
            let text = |key: &str| v[key].as_str().unwrap_or_default().to_owned();
            (text("id"), text("name"))
        })
        .collect()
}

/// A category whose required attribute no store option fills: the listing is blocked naming
/// it, the merchant types the values on the command line (one for the listing, one as the
/// category's default), refused values are named with what TikTok allows, and TikTok's
/// create call carries exactly the chosen value ids.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribute_values_typed_on_the_cli_reach_tiktoks_create_call() -> anyhow::Result<()> {
    let sandbox = sandbox(1).await?;
    let control = ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;
    let listing = wait_for("the store catalog", WAIT, || async {
        Ok(products(&console).await?.into_iter().next())
    })
    .await?;
    let id = listing.id;
    let id_arg = id.to_string();
    console
        .map_category(context::current(), id, NEEDS_MATERIAL.into())
        .await??;
    console
        .list_products(context::current(), vec![id])
        .await??;
    let failed = wait_status(&console, id, ListingStatus::FailedToSync).await?;
    let reason = failed.status_reason.unwrap_or_default();
    assert!(reason.contains("\"Material\""), "{reason}");
    assert!(control.tiktok_products().await?.is_empty());

    // What the CLI shows: Material required, no value, TikTok's values listed.
    let (ok, shown, _) = attributes_cli(&daemon, &[&id_arg, "--json"])?;
    assert!(ok, "{shown}");
    let form: Value = serde_json::from_str(&shown)?;
    assert_eq!(form["fields"][0]["name"], "Material", "{form}");
    assert_eq!(form["fields"][0]["required"], true);
    assert!(form["fields"][0]["problem"].is_string(), "{form}");
    let (ok, table, _) = attributes_cli(&daemon, &[&id_arg])?;
    assert!(ok && table.contains("Cotton, Polyester, Linen"), "{table}");

    // A value TikTok does not list for a non-customizable attribute is refused, naming both.
    let (ok, _, refused) = attributes_cli(&daemon, &[&id_arg, "set", "Material=Silk"])?;
    assert!(!ok);
    assert!(
        refused.contains("\"Silk\"") && refused.contains("Cotton"),
        "{refused}"
    );

    let (ok, said, why) = attributes_cli(&daemon, &[&id_arg, "set", "Material=cotton,Linen"])?;
    assert!(ok, "{why}");
    assert!(said.contains("Material = cotton, Linen"), "{said}");
    let (ok, _, why) = attributes_cli(
        &daemon,
        &[
            "--category",
            &listing.shop,
            NEEDS_MATERIAL,
            "set",
            "Pattern=Striped",
        ],
    )?;
    assert!(ok, "{why}");
    let detail = console.product_detail(context::current(), id).await??;
    assert!(
        detail.missing_attributes.is_empty(),
        "{:?}",
        detail.missing_attributes
    );

    assert_eq!(console.resubmit(context::current(), vec![id]).await??, 1);
    let listed = wait_status(&console, id, ListingStatus::UnderReview).await?;
    let remote = tiktok_product(&control, &listed.tiktok_product_id.unwrap_or_default()).await?;
    let pair = |id: &str, name: &str| (id.to_owned(), name.to_owned());
    assert_eq!(
        sent_values(&remote, "100392"),
        vec![pair("1001", "Cotton"), pair("1003", "Linen")],
        "{remote}"
    );
    assert_eq!(
        sent_values(&remote, "100395"),
        vec![pair("1102", "Striped")]
    );
    daemon.terminate()?;
    Ok(())
}

/// `feedbridge ARGS... --socket` against the test daemon: (exit status, stdout, stderr).
fn feedbridge(daemon: &Daemon, args: &[&str]) -> anyhow::Result<(bool, String, String)> {
    let output = std::process::Command::new(daemon_binary().with_file_name("feedbridge"))
        .args(args)
        .arg("--socket")
        .arg(&daemon.socket)
        .output()?;
    Ok((
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

/// Shop rules fill attributes from what Shopify keeps beside the options: the required
/// Material from the metafield `custom.material` (a list of text), Pattern from the tag
/// "pattern:Striped". The console and CLI say where each value came from, and TikTok's create
/// call carries the matching value ids, with nothing typed per listing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_fill_attributes_from_a_shopify_metafield_and_a_tag() -> anyhow::Result<()> {
    let sandbox = sandbox(1).await?;
    let control = ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;
    let tee = wait_for("the tee in the catalog", WAIT, || async {
        Ok(products(&console)
            .await?
            .into_iter()
            .find(|p| p.title == "Classic Cotton Tee"))
    })
    .await?;
    console
        .map_category(context::current(), tee.id, NEEDS_MATERIAL.into())
        .await??;
    let shop = tee.shop.as_str();
    let (ok, said, why) = feedbridge(
        &daemon,
        &[
            "attribute-rules",
            shop,
            "map",
            "Material",
            "field:custom.material",
        ],
    )?;
    assert!(
        ok && said.contains("store field custom.material"),
        "{said}{why}"
    );
    let (ok, _, why) = feedbridge(
        &daemon,
        &["attribute-rules", shop, "map", "Pattern", "tag:pattern:"],
    )?;
    assert!(ok, "{why}");
    let (ok, _, refused) = feedbridge(&daemon, &["attribute-rules", shop, "map", "Care", "tag:"])?;
    assert!(!ok && refused.contains("tag:material:"), "{refused}");
    let (ok, table, _) = feedbridge(&daemon, &["attribute-rules", shop])?;
    assert!(
        ok && table.contains("field:custom.material") && table.contains("tag:pattern:"),
        "{table}"
    );

    let id = tee.id.to_string();
    let (ok, shown, why) = feedbridge(&daemon, &["attributes", &id, "--json"])?;
    assert!(ok, "{why}");
    let form: Value = serde_json::from_str(&shown)?;
    let field = |name: &str| {
        form["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(field("Material")["current"], json!(["Cotton"]), "{form}");
    assert_eq!(
        field("Material")["source"],
        json!({"kind": "rule", "from": {"kind": "field", "key": "custom.material"}})
    );
    assert!(field("Material")["problem"].is_null(), "{form}");
    assert_eq!(field("Pattern")["current"], json!(["Striped"]), "{form}");
    let (ok, table, _) = feedbridge(&daemon, &["attributes", &id])?;
    assert!(
        ok && table.contains("store field custom.material (rule)")
            && table.contains("tags pattern:… (rule)"),
        "{table}"
    );
    let detail = console.product_detail(context::current(), tee.id).await??;
    assert!(
        detail.missing_attributes.is_empty(),
        "{:?}",
        detail.missing_attributes
    );

    console
        .list_products(context::current(), vec![tee.id])
        .await??;
    let listed = wait_status(&console, tee.id, ListingStatus::UnderReview).await?;
    let remote = tiktok_product(&control, &listed.tiktok_product_id.unwrap_or_default()).await?;
    let pair = |id: &str, name: &str| (id.to_owned(), name.to_owned());
    assert_eq!(
        sent_values(&remote, "100392"),
        vec![pair("1001", "Cotton")],
        "{remote}"
    );
    assert_eq!(
        sent_values(&remote, "100395"),
        vec![pair("1102", "Striped")]
    );
    daemon.terminate()?;
    Ok(())
}

/// TikTok's create call gets the store's weight (the heaviest listed SKU's), not the shop's
/// default; only the dimensions Shopify does not keep come from the defaults.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_sends_the_store_weight_and_defaults_only_what_is_missing() -> anyhow::Result<()> {
    let sandbox = sandbox(2).await?;
    let control = ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;
    // The seeded tee weighs 150, 170 and 190 g (S, M, L) in the store.
    let tee = wait_for("the tee in the catalog", WAIT, || async {
        Ok(products(&console)
            .await?
            .into_iter()
            .find(|p| p.title == "Classic Cotton Tee" && p.skus.len() == 3))
    })
    .await?;
    console
        .map_category(context::current(), tee.id, CUSHIONS.into())
        .await??;
    let detail = console.product_detail(context::current(), tee.id).await??;
    assert_eq!(detail.package.weight_kg.to_string(), "0.19");
    assert_eq!(detail.package.sources.weight, FigureSource::Store);
    assert_eq!(
        detail.package.defaulted(),
        vec!["length", "width", "height"]
    );

    assert_eq!(
        console
            .list_products(context::current(), vec![tee.id])
            .await??,
        1
    );
    let listed = wait_status(&console, tee.id, ListingStatus::UnderReview).await?;
    let remote = tiktok_product(&control, &listed.tiktok_product_id.unwrap_or_default()).await?;
    // A US shop takes pounds and inches (regions table): 0.19 kg and 20 × 15 × 5 cm, rounded up.
    assert_eq!(
        remote["package_weight"],
        json!({"value": "0.42", "unit": "POUND"}),
        "the store's weight, not the 0.5 kg default"
    );
    assert_eq!(
        remote["package_dimensions"],
        json!({"length": "7.88", "width": "5.91", "height": "1.97", "unit": "INCH"})
    );
    daemon.terminate()?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_listing_through_faults_lists_each_product_once() -> anyhow::Result<()> {
    const PRODUCTS: usize = 12;
    let sandbox = sandbox(PRODUCTS).await?;
    let control = ControlClient::for_sandbox(&sandbox);
    let dir = tempfile::tempdir()?;
    let config = write_daemon_files(dir.path(), &sandbox)?;
    let mut daemon = Daemon::spawn(&config, dir.path())?;
    let console = daemon.client().await?;
    wait_connected(&console).await?;
    let listings = wait_for("the store catalog", WAIT, || async {
        let all = products(&console).await?;
        Ok((all.len() == PRODUCTS).then_some(all))
    })
    .await?;
    let ids: Vec<i64> = listings.iter().map(|p| p.id).collect();
    let report = console
        .map_categories(context::current(), ids.clone(), CUSHIONS.into())
        .await??;
    assert_eq!(report.mapped.len(), PRODUCTS, "{:?}", report.refused);

    // Rate limiting and server errors on TikTok's product endpoints while the bulk runs.
    for (kind, path) in [
        (FaultKind::RateLimit, "/product/202309/products"),
        (FaultKind::Http500, "/product/202309/products"),
        (FaultKind::Http500, "/product/202309/images/upload"),
        (FaultKind::RateLimit, "/product/202309/products/search"),
    ] {
        control
            .tiktok_fault(&Fault {
                path_contains: path.into(),
                kind,
                count: 3,
            })
            .await?;
    }
    assert_eq!(
        console
            .list_products(context::current(), ids.clone())
            .await??,
        u32::try_from(PRODUCTS)?
    );
    wait_for(
        "every listing to be under review",
        Duration::from_secs(120),
        || async {
            let all = products(&console).await?;
            if let Some(failed) = all.iter().find(|p| p.status == ListingStatus::FailedToSync) {
                anyhow::bail!("{} failed: {:?}", failed.title, failed.status_reason);
            }
            Ok(all
                .iter()
                .all(|p| p.status == ListingStatus::UnderReview)
                .then_some(()))
        },
    )
    .await?;

    // Exactly one TikTok product per store product, and every seller SKU once.
    let remote = control.tiktok_products().await?;
    assert_eq!(remote.len(), PRODUCTS);
    let mut counts: HashMap<String, usize> = HashMap::new();
    for product in &remote {
        for sku in seller_skus(product) {
            *counts.entry(sku).or_default() += 1;
        }
    }
    assert_eq!(counts.len(), PRODUCTS * 3);
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    daemon.terminate()?;
    Ok(())
}

/// The same rules on a PrestaShop store: the required Material from the product's feature
/// "Material" (a store field named by the feature), Pattern from its tag "pattern:Striped";
/// nothing typed per listing, and TikTok's create call carries the matching value ids.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_fill_attributes_from_a_prestashop_feature_and_a_tag() -> anyhow::Result<()> {
    let rig = Rig::start_wired(
        SandboxConfig {
            products: 1,
            variants_per_product: Some(3),
            ..SandboxConfig::default()
        },
        Wiring {
            store: SimStore::Prestashop,
            ..Wiring::default()
        },
        |config| config,
    )
    .await?;
    let tee = rig
        .listings(1)
        .await?
        .into_iter()
        .find(|p| p.title == "Classic Cotton Tee")
        .ok_or_else(|| anyhow::anyhow!("no tee in the PrestaShop catalog"))?;
    rig.console
        .map_category(context::current(), tee.id, NEEDS_MATERIAL.into())
        .await??;
    for (attribute, source) in [
        (
            "Material",
            RuleSource::Field {
                key: "Material".into(),
            },
        ),
        (
            "Pattern",
            RuleSource::Tag {
                prefix: "pattern:".into(),
            },
        ),
    ] {
        rig.console
            .set_attribute_rule(
                context::current(),
                tee.shop.clone(),
                attribute.into(),
                Some(source),
            )
            .await??;
    }
    let detail = rig
        .console
        .product_detail(context::current(), tee.id)
        .await??;
    assert!(
        detail.missing_attributes.is_empty(),
        "{:?}",
        detail.missing_attributes
    );
    rig.console
        .list_products(context::current(), vec![tee.id])
        .await??;
    let listed = wait_status(&rig.console, tee.id, ListingStatus::UnderReview)
        .await
        .map_err(|e| rig.with_log(e))?;
    let remote =
        tiktok_product(&rig.control, &listed.tiktok_product_id.unwrap_or_default()).await?;
    let pair = |id: &str, name: &str| (id.to_owned(), name.to_owned());
    assert_eq!(
        sent_values(&remote, "100392"),
        vec![pair("1001", "Cotton")],
        "{remote}"
    );
    assert_eq!(
        sent_values(&remote, "100395"),
        vec![pair("1102", "Striped")],
        "{remote}"
    );
    Ok(())
}
