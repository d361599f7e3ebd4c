//! Product compliance with the real daemon and CLI against the simulators: a product in a
//! category needing a certification and a size chart is refused naming both, is given them
//! from files through the CLI, and lists carrying them (uploaded once); TikTok's category
//! recommendation; an EU (DE) shop lists once its manufacturer and responsible person are set.

use feedbridge_common::{ListingStatus, ProductFilter, ProductView};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_tests::daemon_binary;
use feedbridge_tests::rig::{Rig, SHOP};
use feedbridge_tests::wait_for;
use serde_json::Value;
use std::time::Duration;
use tarpc::context;

const WAIT: Duration = Duration::from_secs(60);
/// Kids' Pajamas: a CPC certification and a size chart are required.
const KIDS_PAJAMAS: &str = "602001";
const CPC: &str = "7300000000000000101";
/// An authorized brand of the simulated shop, usable in Kids' Pajamas.
const KIDS_BRAND: &str = "7300000000000000501";

async fn rig(region: &str, currency: &str) -> anyhow::Result<Rig> {
    Rig::start(
        SandboxConfig {
            products: 1,
            variants_per_product: Some(1),
            tiktok_region: region.into(),
            store_currency: currency.into(),
            auto_review: Some(Duration::from_millis(50)),
            ..SandboxConfig::default()
        },
        |config| config,
    )
    .await
}

/// `feedbridge ARGS --socket …`; its stdout, or the failure with stderr.
fn cli(rig: &Rig, args: &[&str]) -> anyhow::Result<String> {
    let output = std::process::Command::new(daemon_binary().with_file_name("feedbridge"))
        .args(args)
        .arg("--socket")
        .arg(&rig.daemon.socket)
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "feedbridge {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8(output.stdout)?)
}

async fn wait_status(rig: &Rig, listing: i64, want: ListingStatus) -> anyhow::Result<ProductView> {
    wait_for(&format!("listing {listing} to be {want}"), WAIT, || async {
        let products = rig
            .console
            .products(context::current(), ProductFilter::default())
            .await?;
        Ok(products
            .into_iter()
            .find(|p| p.id == listing && p.status == want))
    })
    .await
    .map_err(|e| rig.with_log(e))
}

fn long() -> context::Context {
    let mut ctx = context::current();
    ctx.deadline = std::time::Instant::now() + Duration::from_secs(60);
    ctx
}

/// A 800×800 PNG header: enough for TikTok's (and the simulator's) size check.
fn png() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    png.extend_from_slice(&800u32.to_be_bytes());
    png.extend_from_slice(&800u32.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    png
}

async fn calls_to(rig: &Rig, path: &str) -> anyhow::Result<usize> {
    Ok(rig
        .control
        .tiktok_calls()
        .await?
        .iter()
        .filter(|c| c.method == "POST" && c.path == path && c.status == 200)
        .count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certification_and_size_chart_from_files_unblock_a_listing() -> anyhow::Result<()> {
    let rig = rig("US", "USD").await?;
    let listing = rig.listings(1).await?.remove(0).id;

    // TikTok's suggestion for the title, from the CLI.
    let recommended = cli(
        &rig,
        &[
            "categories",
            SHOP,
            "--recommend",
            "Kids Cotton Pajamas",
            "--json",
        ],
    )?;
    let recommended: Value = serde_json::from_str(&recommended)?;
    assert_eq!(recommended["id"], KIDS_PAJAMAS, "{recommended}");
    assert!(
        recommended["name"]
            .as_str()
            .unwrap_or_default()
            .contains("Pajamas"),
        "{recommended}"
    );

    // Mapped there and listed: refused before anything is sent, naming both pieces.
    rig.console
        .map_category(context::current(), listing, KIDS_PAJAMAS.into())
        .await??;
    rig.console
        .list_products(context::current(), vec![listing])
        .await??;
    let failed = wait_status(&rig, listing, ListingStatus::FailedToSync).await?;
    let reason = failed.status_reason.unwrap_or_default();
    assert!(reason.contains("a size chart"), "{reason}");
    assert!(
        reason.contains("Children's Product Certificate"),
        "{reason}"
    );
    assert!(rig.control.tiktok_products().await?.is_empty());
    let detail = rig.console.product_detail(long(), listing).await??;
    assert_eq!(
        detail.compliance.missing.len(),
        2,
        "{:?}",
        detail.compliance
    );
    assert!(detail.compliance.size_chart_required);

    // A file that is not what its name says is refused at once.
    let fake = rig.dir.path().join("fake.pdf");
    std::fs::write(&fake, b"not a pdf")?;
    let fake = fake.display().to_string();
    assert!(
        cli(
            &rig,
            &["certification", &listing.to_string(), "set", CPC, &fake]
        )
        .is_err()
    );

    // Given from files through the CLI, with a brand.
    let cpc = rig.dir.path().join("cpc.pdf");
    std::fs::write(&cpc, b"%PDF-1.4\n% certificate\n")?;
    let chart = rig.dir.path().join("chart.png");
    std::fs::write(&chart, png())?;
    let id = listing.to_string();
    cli(
        &rig,
        &["certification", &id, "set", CPC, &cpc.display().to_string()],
    )?;
    cli(
        &rig,
        &["size-chart", &id, "set", &chart.display().to_string()],
    )?;
    let said = cli(&rig, &["brand", &id, "set", KIDS_BRAND])?;
    assert!(said.contains("Little Dreamers"), "{said}");
    let shown = cli(&rig, &["product", &id])?;
    assert!(!shown.contains("needs:"), "{shown}");

    // Listed, carrying them.
    assert_eq!(
        rig.console
            .resubmit(context::current(), vec![listing])
            .await??,
        1
    );
    let active = wait_status(&rig, listing, ListingStatus::Active).await?;
    let products = rig.control.tiktok_products().await?;
    let product = products
        .iter()
        .find(|p| p["id"] == active.tiktok_product_id.as_deref().unwrap_or_default())
        .ok_or_else(|| anyhow::anyhow!("not on TikTok: {products:?}"))?;
    assert_eq!(product["brand"]["id"], KIDS_BRAND, "{product}");
    assert_eq!(product["certifications"][0]["id"], CPC, "{product}");
    assert_eq!(
        product["certifications"][0]["files"][0]["name"], "cpc.pdf",
        "{product}"
    );
    assert!(
        product["size_chart"]["image"]["uri"].is_string(),
        "{product}"
    );
    assert_eq!(calls_to(&rig, "/product/202309/files/upload").await?, 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_de_listing_lists_once_its_shop_names_the_eu_operators() -> anyhow::Result<()> {
    let rig = rig("DE", "EUR").await?;
    let listing = rig.listings(1).await?.remove(0).id;
    let operator = |role: &'static str, name: &'static str| {
        [
            "compliance",
            SHOP,
            "create",
            role,
            "--name",
            name,
            "--email",
            "eu@example.eu",
            "--phone-code",
            "+49",
            "--phone",
            "301234567",
            "--street",
            "Hauptstr. 1",
            "--city",
            "Berlin",
            "--postal-code",
            "10115",
            "--country",
            "DE",
            "--locale",
            "de-DE",
        ]
    };
    cli(&rig, &operator("manufacturer", "Feedbridge Textiles GmbH"))?;
    cli(&rig, &operator("responsible-person", "EU Rep GmbH"))?;
    let shown: Value = serde_json::from_str(&cli(&rig, &["compliance", SHOP, "--json"])?)?;
    let person = shown["responsible_person_ids"][0].clone();
    assert!(person.is_string(), "{shown}");

    rig.list_active(listing).await?;
    let products = rig.control.tiktok_products().await?;
    assert_eq!(products.len(), 1, "{products:?}");
    assert_eq!(
        products[0]["responsible_person_ids"][0], person,
        "{}",
        products[0]
    );
    assert!(
        products[0]["manufacturer_ids"][0].is_string(),
        "{}",
        products[0]
    );
    Ok(())
}
