//! The TikTok Shop client against the sandbox simulator (which verifies signatures, tokens,
//! ciphers and payloads the way the contract notes describe).

#![allow(clippy::unwrap_used)] // A test crate: a panic is a failed test.

use feedbridge_common::compliance::{NewOperator, OperatorRole};
use feedbridge_common::returns::{ReturnKind, ReturnStatus};
use feedbridge_common::secret::Secret;
use feedbridge_daemon::clock::{Clock, SystemClock};
use feedbridge_daemon::connector::tiktok::status::{CancellationStatus, OrderStatus};
use feedbridge_daemon::connector::tiktok::{TikTokClient, TikTokSettings};
use feedbridge_daemon::connector::{
    CertificationDocs, ConnectorError, NewProduct, NewSku, ProductCompliance, ReturnsQuery,
    SizeChartRef, SkuPrice, SkuStock, TikTokShop, WarehouseKind, http,
};
use feedbridge_sandbox::control::{ControlClient, NewTikTokOrder};
use feedbridge_sandbox::{Credentials, Fault, FaultKind, RunningSandbox, SandboxConfig};
use rust_decimal::Decimal;
use std::time::Duration;

async fn sandbox() -> RunningSandbox {
    feedbridge_sandbox::start(SandboxConfig::default(), "127.0.0.1".parse().unwrap())
        .await
        .unwrap()
}

fn settings(sandbox: &RunningSandbox, creds: &Credentials) -> TikTokSettings {
    TikTokSettings {
        api_base: sandbox.tiktok_url(),
        auth_base: sandbox.tiktok_url(),
        app_key: creds.tiktok_app_key.clone(),
        app_secret: Secret::new(creds.tiktok_app_secret.clone()),
        access_token: Secret::new(creds.tiktok_access_token.clone()),
        shop_id: creds.tiktok_shop_id.clone(),
        requests_per_second: 20,
    }
}

fn client(sandbox: &RunningSandbox) -> TikTokClient {
    TikTokClient::new(settings(sandbox, &sandbox.credentials()), http::client())
}

/// The onboarding checks' view of the shop: every warehouse with its kind and status, and
/// the delivery options of the enabled sales warehouses only.
#[tokio::test]
async fn logistics_setup_reads_warehouse_kinds_statuses_and_delivery_options() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let control = ControlClient::for_sandbox(&sandbox);

    let setup = client.logistics_setup().await.unwrap();
    let sales: Vec<_> = setup
        .iter()
        .filter(|w| w.kind == WarehouseKind::Sales)
        .collect();
    assert_eq!(sales.len(), 2, "{setup:?}");
    assert!(sales.iter().all(|w| w.enabled()));
    assert!(sales.iter().any(|w| w.is_default));
    for warehouse in &sales {
        assert_eq!(
            warehouse.delivery_options,
            ["Standard shipping", "Express shipping"]
        );
    }
    let returns = setup
        .iter()
        .find(|w| w.kind == WarehouseKind::Return)
        .unwrap();
    assert!(returns.delivery_options.is_empty());

    let first = sales[0].id.clone();
    control
        .tiktok_set_warehouse_status(&first, "DISABLED")
        .await
        .unwrap();
    control
        .tiktok_clear_delivery_options(&sales[1].id)
        .await
        .unwrap();
    let setup = client.logistics_setup().await.unwrap();
    let disabled = setup.iter().find(|w| w.id == first).unwrap();
    assert_eq!(disabled.effect_status, "DISABLED");
    assert!(!disabled.enabled());
    assert!(disabled.delivery_options.is_empty());
    let cleared = setup.iter().find(|w| w.id == sales[1].id).unwrap();
    assert!(cleared.enabled() && cleared.delivery_options.is_empty());
}

/// A PNG header (signature, IHDR, IEND) of the given size; enough for dimension sniffing.
fn png(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFF_u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn now() -> i64 {
    let clock: &dyn Clock = &SystemClock;
    clock.now_secs()
}

fn new_product(image_uri: String, warehouse_id: &str, prefix: &str) -> NewProduct {
    let sku = |size: &str, price: i64| NewSku {
        seller_sku: format!("{prefix}-RED-{size}"),
        external_sku_id: format!("gid://shopify/ProductVariant/{prefix}{size}"),
        price: Decimal::new(price, 2),
        currency: "USD".into(),
        warehouse_id: warehouse_id.to_owned(),
        quantity: 10,
        sales_attributes: vec![("Color".into(), "Red".into()), ("Size".into(), size.into())],
    };
    NewProduct {
        title: format!("Cotton T-Shirt {prefix}"),
        description_html: "<p>Soft cotton tee</p>".into(),
        category_id: "601226".into(),
        image_uris: vec![image_uri],
        package_weight_kg: Decimal::new(5, 1),
        package_dimensions_cm: (Decimal::from(30), Decimal::from(20), Decimal::from(3)),
        attributes: vec![("100392".into(), "Cotton".into())],
        skus: vec![sku("M", 1999), sku("L", 2199)],
        external_product_id: format!("gid://shopify/Product/{prefix}"),
        idempotency_key: format!("create-{prefix}-v1"),
        compliance: Default::default(),
    }
}

#[tokio::test]
async fn compliance_calls_and_a_product_carrying_them() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let rules = client.category_rules("602001").await.unwrap();
    assert!(rules.size_chart_required);
    let cpc = rules.certifications.iter().find(|c| c.required).unwrap();
    assert!(
        cpc.name.contains("Children's Product Certificate"),
        "{cpc:?}"
    );

    let brands = client.brands(Some("602001"), "").await.unwrap();
    let kids = brands.iter().find(|b| b.name == "Little Dreamers").unwrap();
    assert!(kids.authorized);
    let acme = client.brands(None, "acme").await.unwrap();
    assert_eq!(acme.len(), 1);
    assert!(!acme[0].authorized);

    let templates = client.size_chart_templates("").await.unwrap();
    assert_eq!(templates.len(), 3, "{templates:?}");
    let jeans = client.size_chart_templates("jeans").await.unwrap();
    assert_eq!(jeans.len(), 1, "{jeans:?}");
    assert!(jeans[0].name.contains("jeans") && !jeans[0].id.is_empty());

    assert_eq!(
        client
            .recommend_category("Kids Cotton Pajamas")
            .await
            .unwrap(),
        "602001"
    );
    let file = client
        .upload_file(b"%PDF-1.4\n".to_vec(), "cpc.pdf")
        .await
        .unwrap();
    assert_eq!(
        (file.name.as_str(), file.format.as_str()),
        ("cpc.pdf", "PDF")
    );
    let refused = client
        .upload_file(b"PK".to_vec(), "cpc.pdf")
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ConnectorError::Rejected { .. }),
        "{refused:?}"
    );
    let chart = client
        .upload_compliance_image(png(800, 800), "chart.png", "SIZE_CHART_IMAGE")
        .await
        .unwrap();

    let warehouse = client.warehouses().await.unwrap()[0].id.clone();
    let image = client
        .upload_image(png(800, 800), "main.png")
        .await
        .unwrap();
    let mut product = new_product(image, &warehouse, "PJ");
    product.category_id = "602001".into();
    product.attributes.clear();
    // Without the certification TikTok refuses, naming it.
    let error = client.create_product(&product).await.unwrap_err();
    assert!(
        error.to_string().contains("Children's Product Certificate"),
        "{error}"
    );
    product.compliance = ProductCompliance {
        brand_id: Some(kids.id.clone()),
        certifications: vec![CertificationDocs {
            id: cpc.id.clone(),
            image_uris: Vec::new(),
            files: vec![file],
        }],
        size_chart: Some(SizeChartRef::ImageUri(chart)),
        ..ProductCompliance::default()
    };
    let created = client.create_product(&product).await.unwrap();
    let control = ControlClient::for_sandbox(&sandbox);
    let stored = control.tiktok_products().await.unwrap();
    let stored = stored
        .iter()
        .find(|p| p["id"] == created.product_id.as_str())
        .unwrap();
    assert_eq!(stored["brand"]["name"], "Little Dreamers");
    assert_eq!(stored["certifications"][0]["files"][0]["name"], "cpc.pdf");

    // EU operators exist for EU shops only.
    let outside = client
        .create_operator(OperatorRole::Manufacturer, &NewOperator::default())
        .await
        .unwrap_err();
    assert!(
        matches!(outside, ConnectorError::Rejected { .. }),
        "{outside:?}"
    );
}

#[tokio::test]
async fn catalog_reads() {
    let sandbox = sandbox().await;
    let creds = sandbox.credentials();
    let client = client(&sandbox);

    let shops = client.authorized_shops().await.unwrap();
    let shop = shops.iter().find(|s| s.id == creds.tiktok_shop_id).unwrap();
    assert_eq!(shop.region, "US");
    assert!(!shop.cipher.is_empty());

    let categories = client.categories().await.unwrap();
    let tee = categories.iter().find(|c| c.id == "601226").unwrap();
    assert!(tee.is_leaf);
    assert!(!tee.name.is_empty());
    assert!(categories.iter().any(|c| c.parent_id == "0"));

    let attributes = client.category_attributes("601226").await.unwrap();
    let material = attributes.iter().find(|a| a.id == "100392").unwrap();
    assert!(material.required && !material.is_sales_property);
    assert!(material.values.iter().any(|(_, name)| name == "Cotton"));
    assert!(attributes.iter().any(|a| a.is_sales_property));

    let warehouses = client.warehouses().await.unwrap();
    assert_eq!(warehouses.iter().filter(|w| w.is_default).count(), 1);
    assert_eq!(
        warehouses.len(),
        2,
        "the return warehouse is left out: {warehouses:?}"
    );

    client
        .register_webhooks("https://feedbridge.example/hooks/tiktok")
        .await
        .unwrap();
    // Safe to repeat.
    client
        .register_webhooks("https://feedbridge.example/hooks/tiktok")
        .await
        .unwrap();
}

#[tokio::test]
async fn product_lifecycle_and_order_shipping() {
    let sandbox = sandbox().await;
    let control = ControlClient::for_sandbox(&sandbox);
    let client = client(&sandbox);

    let warehouses = client.warehouses().await.unwrap();
    let warehouse = warehouses.iter().find(|w| w.is_default).unwrap();

    let uri = client.upload_image(png(800, 800), "tee.png").await.unwrap();
    assert!(!uri.is_empty());

    // Nothing listed yet under these SKUs.
    let skus = vec!["ITEST-RED-M".to_owned(), "ITEST-RED-L".to_owned()];
    assert!(
        client
            .find_products_by_seller_sku(&skus)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        client
            .find_products_by_seller_sku(&[])
            .await
            .unwrap()
            .is_empty()
    );

    let product = new_product(uri, &warehouse.id, "ITEST");
    let created = client.create_product(&product).await.unwrap();
    assert_eq!(created.skus.len(), 2);
    assert!(
        created
            .skus
            .iter()
            .any(|(seller_sku, _)| seller_sku == "ITEST-RED-M")
    );

    // The idempotency key makes a replay return the same product.
    let replay = client.create_product(&product).await.unwrap();
    assert_eq!(replay.product_id, created.product_id);

    let found = client
        .find_products_by_seller_sku(&skus[..1])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, created.product_id);
    assert_eq!(found[0].skus.len(), 2);

    let remote = client.product(&created.product_id).await.unwrap();
    assert_eq!(remote.status, "PENDING");
    assert!(remote.audit_failed_reasons.is_empty());

    control
        .tiktok_review_product(&created.product_id, true, &[])
        .await
        .unwrap();
    assert_eq!(
        client.product(&created.product_id).await.unwrap().status,
        "ACTIVATE"
    );

    let sku_id = |seller_sku: &str| {
        created
            .skus
            .iter()
            .find(|(s, _)| s == seller_sku)
            .map(|(_, id)| id.clone())
            .unwrap()
    };
    let stock: Vec<SkuStock> = ["ITEST-RED-M", "ITEST-RED-L"]
        .iter()
        .map(|s| SkuStock {
            sku_id: sku_id(s),
            warehouse_id: warehouse.id.clone(),
            quantity: 7,
        })
        .collect();
    client
        .update_inventory(&created.product_id, &stock)
        .await
        .unwrap();
    let prices = vec![SkuPrice {
        sku_id: sku_id("ITEST-RED-M"),
        amount: Decimal::new(2499, 2),
        currency: "USD".into(),
    }];
    client
        .update_prices(&created.product_id, &prices)
        .await
        .unwrap();
    let listed = control.tiktok_products().await.unwrap();
    let listed = listed
        .iter()
        .find(|p| p["id"] == created.product_id.as_str())
        .unwrap();
    let text = listed.to_string();
    assert!(text.contains("24.99"), "{text}");
    assert!(text.contains("\"quantity\":7"), "{text}");

    // A buyer orders two units; the poll and the detail call both see it.
    let since = now() - 5;
    let order_id = control
        .tiktok_create_order(&NewTikTokOrder::single("ITEST-RED-M", 2))
        .await
        .unwrap();
    let mut polled = Vec::new();
    let mut cursor = None;
    loop {
        let page = client.orders_updated_since(since, cursor).await.unwrap();
        polled.extend(page.items);
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    let order = polled.iter().find(|o| o.id == order_id).unwrap();
    assert_eq!(order.status, OrderStatus::AwaitingShipment);
    assert_eq!(order.line_items.len(), 2, "one line item per unit");
    assert!(
        order
            .line_items
            .iter()
            .all(|l| l.seller_sku == "ITEST-RED-M")
    );
    assert_eq!(order.currency, "USD");
    assert!(order.total > Decimal::ZERO);

    let detail = client
        .orders(std::slice::from_ref(&order_id))
        .await
        .unwrap();
    assert_eq!(detail.len(), 1);
    assert_eq!(&detail[0], order);
    assert!(client.orders(&[]).await.unwrap().is_empty());

    let providers = client
        .shipping_providers(&order.delivery_option_id)
        .await
        .unwrap();
    let provider = providers.first().unwrap();
    let line_ids: Vec<String> = order.line_items.iter().map(|l| l.id.clone()).collect();
    let package = client
        .mark_shipped(&order_id, &line_ids, "1Z999AA10123456784", &provider.id)
        .await
        .unwrap();
    assert!(!package.package_id.is_empty());

    let shipped = client
        .orders(std::slice::from_ref(&order_id))
        .await
        .unwrap();
    assert!(
        shipped[0]
            .line_items
            .iter()
            .all(|l| l.package_id == package.package_id)
    );
    assert!(
        shipped[0]
            .line_items
            .iter()
            .all(|l| l.tracking_number == "1Z999AA10123456784")
    );
    assert_ne!(shipped[0].status, OrderStatus::AwaitingShipment);

    // Shipping again is a business error, not a retry.
    let again = client
        .mark_shipped(&order_id, &line_ids, "1Z999AA10123456784", &provider.id)
        .await;
    assert!(
        matches!(again, Err(ConnectorError::Rejected { .. })),
        "{again:?}"
    );
    assert_eq!(
        shipped[0].line_items[0].shipping_provider_name,
        provider.name
    );

    // Every provider over every delivery option, once each.
    let all = client.all_shipping_providers().await.unwrap();
    assert!(all.iter().any(|p| p.id == provider.id));
    let mut ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), all.len());

    // The buyer asks for a refund of the shipped order: found by order and by update time, an
    // unknown later status kept as sent.
    let opened = control
        .tiktok_return_request(&order_id, Some("REFUND"), Some("Damaged item"))
        .await
        .unwrap();
    let return_id = opened["return_id"].as_str().unwrap().to_owned();
    let found = client
        .returns(ReturnsQuery::Order(&order_id))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].order_id, order_id);
    let request = &found[0].request;
    assert_eq!(request.id, return_id);
    assert_eq!(request.kind, ReturnKind::Refund);
    assert_eq!(request.status, ReturnStatus::Pending);
    assert_eq!(request.reason, "Damaged item");
    assert!(!request.lines.is_empty());
    assert_eq!(request.lines[0].seller_sku, "ITEST-RED-M");
    assert!(request.refund > Decimal::ZERO);
    let later = "RETURN_OR_REFUND_REQUEST_ESCALATED";
    control
        .tiktok_return_status(&return_id, later, true)
        .await
        .unwrap();
    let recent = client
        .returns(ReturnsQuery::UpdatedSince(now() - 60))
        .await
        .unwrap();
    assert!(
        recent.iter().any(|r| r.request.id == return_id
            && r.request.status == ReturnStatus::Unknown(later.into()))
    );
    assert!(
        client
            .returns(ReturnsQuery::UpdatedSince(now() + 3600))
            .await
            .unwrap()
            .is_empty()
    );

    // Seller cancel; a shipped order cannot be.
    let open = control
        .tiktok_create_order(&NewTikTokOrder::single("ITEST-RED-M", 1))
        .await
        .unwrap();
    client.cancel_order(&open).await.unwrap();
    let cancelled = client.orders(std::slice::from_ref(&open)).await.unwrap();
    assert_eq!(cancelled[0].status, OrderStatus::Cancelled);
    assert!(matches!(
        client.cancel_order(&order_id).await,
        Err(ConnectorError::Rejected { .. })
    ));

    // A buyer's pending request is found and approved.
    let asked = control
        .tiktok_create_order(&NewTikTokOrder::single("ITEST-RED-M", 1))
        .await
        .unwrap();
    control.tiktok_cancel_request(&asked, None).await.unwrap();
    let pending = client.orders(std::slice::from_ref(&asked)).await.unwrap();
    assert!(pending[0].is_buyer_request_cancel);
    let requests = client.cancellations(&asked).await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].status, CancellationStatus::Pending);
    assert_eq!(requests[0].role, "BUYER");
    client.approve_cancellation(&requests[0].id).await.unwrap();
    let done = client.orders(std::slice::from_ref(&asked)).await.unwrap();
    assert_eq!(done[0].status, OrderStatus::Cancelled);
    assert!(matches!(
        client.approve_cancellation(&requests[0].id).await,
        Err(ConnectorError::Rejected { .. })
    ));
}

#[tokio::test]
async fn rejected_product_is_rejected_with_tiktoks_message() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let warehouse = client.warehouses().await.unwrap().remove(0);
    let uri = client.upload_image(png(800, 800), "tee.png").await.unwrap();
    let mut product = new_product(uri, &warehouse.id, "BAD");
    product.attributes.clear(); // Material is required for T-shirts.
    match client.create_product(&product).await {
        Err(ConnectorError::Rejected { reason, raw }) => {
            assert!(
                reason.contains("Material") || reason.contains("100392"),
                "{reason}"
            );
            assert!(raw.contains("code "), "{raw}");
        }
        other => panic!("unexpected {other:?}"),
    }
    // Too small for a main image.
    let small = client
        .upload_image(png(100, 100), "small.png")
        .await
        .unwrap();
    let product = new_product(small, &warehouse.id, "SMALL");
    assert!(matches!(
        client.create_product(&product).await,
        Err(ConnectorError::Rejected { .. })
    ));
}

#[tokio::test]
async fn auth_failures_are_classified() {
    let sandbox = sandbox().await;
    let creds = sandbox.credentials();
    let control = ControlClient::for_sandbox(&sandbox);

    // Shop outside the grant.
    let mut other = settings(&sandbox, &creds);
    other.shop_id = "999999".into();
    let outsider = TikTokClient::new(other, http::client());
    match outsider.warehouses().await {
        Err(ConnectorError::Unauthorized { reason, .. }) => {
            assert!(reason.contains("999999"), "{reason}")
        }
        other => panic!("unexpected {other:?}"),
    }

    // Wrong app secret: the signature no longer matches (106001) — a bug, not a retry.
    let mut wrong = settings(&sandbox, &creds);
    wrong.app_secret = Secret::new("not-the-secret");
    let wrong = TikTokClient::new(wrong, http::client());
    match wrong.authorized_shops().await {
        Err(ConnectorError::Rejected { reason, raw }) => {
            assert!(reason.contains("106001"), "{reason}");
            assert!(!raw.contains("not-the-secret"));
        }
        other => panic!("unexpected {other:?}"),
    }

    // Expired token.
    let client = client(&sandbox);
    client.warehouses().await.unwrap();
    control.tiktok_expire_token().await.unwrap();
    match client.warehouses().await {
        Err(ConnectorError::Unauthorized { reason, raw }) => {
            assert_eq!(
                reason,
                "TikTok access token expired or invalid; reauthorize the shop"
            );
            assert!(!raw.contains(&creds.tiktok_access_token));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn faults_are_retryable() {
    let sandbox = sandbox().await;
    let control = ControlClient::for_sandbox(&sandbox);
    let client = client(&sandbox);
    client.warehouses().await.unwrap();

    control
        .tiktok_fault(&Fault {
            path_contains: "/logistics/".into(),
            kind: FaultKind::RateLimit,
            count: 1,
        })
        .await
        .unwrap();
    match client.warehouses().await {
        Err(ConnectorError::Throttled { retry_after, .. }) => {
            assert!(retry_after.is_some_and(|d| d > Duration::ZERO));
        }
        other => panic!("unexpected {other:?}"),
    }

    control
        .tiktok_fault(&Fault {
            path_contains: "/logistics/".into(),
            kind: FaultKind::Http500,
            count: 1,
        })
        .await
        .unwrap();
    assert!(matches!(
        client.warehouses().await,
        Err(ConnectorError::Retryable { .. })
    ));

    // The limiter held the next call back after the rate-limit answer; then all is well again.
    client.warehouses().await.unwrap();
}
