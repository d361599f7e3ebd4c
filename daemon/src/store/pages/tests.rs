use super::WindowQuery;
use super::orders::order_window_query;
use super::*;
use crate::connector::{RemoteLineItem, RemoteOrder, StoreProduct, StoreVariant};
use crate::store::{
    NewFailure, ensure_connection, ensure_org, migrated_in_memory as db, record_failure,
    set_listing_status, set_order_state, set_store_order, upsert_order, upsert_product,
};
use feedbridge_common::{
    FailureKind, FailureQuery, FailureSort, ListingStatus, OrderQuery, OrderSort, OrderSyncState,
    Page, ProductQuery, ProductSort,
};
use rust_decimal::Decimal;

/// An organization with two TikTok shops: (shop a, shop b).
fn shops(conn: &Connection) -> (i64, i64) {
    let org = ensure_org(conn, "acme").unwrap();
    let a = ensure_connection(conn, org, "tiktok", "tiktok", "acme-us", "1").unwrap();
    let b = ensure_connection(conn, org, "tiktok", "tiktok", "acme-uk", "2").unwrap();
    (a, b)
}

/// `count` orders written straight into the table, alternating shops; every fifth is
/// Blocked without a store order, the rest Shipped as "#<n>". Order `n` has SKU-<n % 700>,
/// was created at `T + n` and last changed at `T + (7n mod count)`.
fn many_orders(conn: &Connection, count: u32) -> (i64, i64) {
    let (a, b) = shops(conn);
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?3)
         INSERT INTO orders (shop_id, tiktok_order_id, tiktok_status, tiktok_update_time,
                             sync_state, detail, currency, total, store_order_name,
                             created_at, updated_at)
         SELECT CASE i % 2 WHEN 0 THEN ?1 ELSE ?2 END, printf('5764%014d', i),
                'AWAITING_SHIPMENT', i, CASE i % 5 WHEN 0 THEN 'blocked' ELSE 'shipped' END,
                json_object('line_items', json_array(
                    json_object('seller_sku', 'SKU-' || (i % 700), 'tracking_number', ''))),
                'USD', '1.00', CASE i % 5 WHEN 0 THEN NULL ELSE '#' || i END,
                1700000000 + i, 1700000000 + (i * 7) % ?3
         FROM n",
        rusqlite::params![a, b, count],
    )
    .unwrap();
    (a, b)
}

/// The plan SQLite chooses for the window query of `query`, one step per line.
fn window_plan(conn: &Connection, query: &OrderQuery) -> String {
    plan(conn, &order_window_query(query))
}

fn plan(conn: &Connection, window: &WindowQuery) -> String {
    let mut params = window.filter.params();
    params.push((":limit", &50));
    params.push((":offset", &0));
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", window.sql))
        .unwrap();
    let steps = stmt
        .query_map(params.as_slice(), |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    steps.join("\n")
}

fn ids<T>(page: &Page<T>, id: impl Fn(&T) -> i64) -> Vec<i64> {
    page.rows.iter().map(id).collect()
}

#[test]
fn every_order_sort_walks_an_index_and_never_sorts_the_whole_table() {
    let conn = db();
    many_orders(&conn, 20_000);
    for sort in [
        OrderSort::Updated,
        OrderSort::Created,
        OrderSort::TikTokOrderId,
        OrderSort::SyncState,
        OrderSort::StoreOrder,
    ] {
        for (state, shop) in [
            (None, None),
            (Some(OrderSyncState::Blocked), None),
            (None, Some("acme-uk")),
            (Some(OrderSyncState::Blocked), Some("acme-uk")),
        ] {
            let query = OrderQuery {
                state,
                shop: shop.map(str::to_owned),
                sort,
                ..OrderQuery::default()
            };
            let plan = window_plan(&conn, &query);
            for step in plan.lines() {
                let table_scan = step.starts_with("SCAN r") && !step.contains("INDEX");
                assert!(!table_scan, "{query:?} reads every order:\n{plan}");
            }
            assert!(
                !plan.contains("USE TEMP B-TREE FOR ORDER BY"),
                "{query:?} sorts every order:\n{plan}"
            );
        }
    }
    // The daemon's order with no filter is one walk of one index, the orders never read.
    assert_eq!(
        window_plan(&conn, &OrderQuery::default()),
        "SCAN r USING COVERING INDEX orders_updated"
    );
}

#[test]
fn order_pages_count_and_window_twenty_thousand_orders() {
    let conn = db();
    many_orders(&conn, 20_000);
    let page = |query: OrderQuery| order_page(&conn, &query).unwrap();
    let latest = page(OrderQuery {
        window: Window::first(50),
        ..OrderQuery::default()
    });
    assert_eq!(latest.total, 20_000);
    assert_eq!(latest.rows.len(), 50);
    assert!(
        latest
            .rows
            .windows(2)
            .all(|w| (w[0].updated_at, w[0].id) > (w[1].updated_at, w[1].id)),
        "newest change first, ties by id"
    );
    // A window past the end is moved back to end at the last row.
    let last = page(OrderQuery {
        window: Window {
            offset: 1_000_000,
            limit: 30,
        },
        ..OrderQuery::default()
    });
    assert_eq!((last.offset, last.rows.len()), (19_970, 30));
    assert_eq!(last.rows.last().unwrap().updated_at, 1_700_000_000);

    let blocked_uk = page(OrderQuery {
        state: Some(OrderSyncState::Blocked),
        shop: Some("acme-uk".into()),
        sort: OrderSort::Created,
        direction: Direction::Ascending,
        window: Window::first(3),
        ..OrderQuery::default()
    });
    // Blocked: n % 5 == 0; acme-uk (the second shop): n odd. So n = 5, 15, 25, ...
    assert_eq!(blocked_uk.total, 2_000);
    let created: Vec<i64> = blocked_uk.rows.iter().map(|o| o.created_at).collect();
    assert_eq!(created, [1_700_000_005, 1_700_000_015, 1_700_000_025]);

    // SKU-7, SKU-70..79, SKU-700 does not exist (n % 700): 7, 70..=79 and 700..
    let sku_7 = page(OrderQuery {
        search: Some("sku-7".into()),
        window: Window::first(0),
        ..OrderQuery::default()
    });
    let expected = (1..=20_000u32)
        .filter(|n| format!("SKU-{}", n % 700).contains("SKU-7"))
        .count();
    assert_eq!(sku_7.total, u64::try_from(expected).unwrap());
    assert!(
        sku_7.rows.is_empty(),
        "a zero limit asks for the count alone"
    );

    let by_store_order = page(OrderQuery {
        sort: OrderSort::StoreOrder,
        direction: Direction::Ascending,
        window: Window::first(2),
        ..OrderQuery::default()
    });
    assert!(
        by_store_order
            .rows
            .iter()
            .all(|o| o.store_order_name.is_none()),
        "orders not in the store yet come first"
    );
}

/// The ids of the orders passing `state` whose search document contains `text` (read one by
/// one), the latest first.
fn documents_containing(conn: &Connection, text: &str, state: Option<&str>) -> Vec<i64> {
    let mut stmt = conn
        .prepare(
            "SELECT s.rowid FROM order_search s JOIN orders r ON r.id = s.rowid
             WHERE instr(lower(s.text), lower(?1)) > 0 AND (?2 IS NULL OR r.sync_state = ?2)
             ORDER BY s.rowid DESC",
        )
        .unwrap();
    stmt.query_map(rusqlite::params![text, state], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn a_search_lists_at_most_the_latest_matches_it_caps_and_says_so() {
    let conn = db();
    many_orders(&conn, 20_000);
    let search = |text: &str, state: Option<OrderSyncState>| {
        order_page(
            &conn,
            &OrderQuery {
                state,
                search: Some(text.into()),
                sort: OrderSort::Created,
                window: Window::first(MAX_PAGE_ROWS),
                ..OrderQuery::default()
            },
        )
        .unwrap()
    };
    let sorted = |mut ids: Vec<i64>| {
        ids.sort_unstable();
        ids
    };

    // Under the cap: every match, no note.
    let sku_7 = search("sku-7", None);
    let expected = documents_containing(&conn, "sku-7", None);
    assert!(expected.len() < SEARCH_MATCH_CAP);
    assert_eq!(
        (sku_7.total, sku_7.note.as_deref()),
        (expected.len() as u64, None)
    );

    // An SKU prefix in every order: the latest matches up to the cap, sorted as asked.
    let every = search("SKU-", None);
    assert_eq!(every.total, SEARCH_MATCH_CAP as u64);
    assert!(
        every
            .note
            .as_deref()
            .unwrap()
            .contains("type more to narrow")
    );
    let window = ids(&every, |o| o.id);
    let latest: Vec<i64> = documents_containing(&conn, "SKU-", None)
        .into_iter()
        .take(SEARCH_MATCH_CAP)
        .collect();
    assert!(
        window.iter().all(|id| latest.contains(id)),
        "only the latest matches"
    );
    assert!(
        every
            .rows
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at),
        "sorted by creation, newest first"
    );

    // A rare state inside a common text (read order by order), and a common one (the index).
    for state in [OrderSyncState::Blocked, OrderSyncState::Shipped] {
        let page = order_page(
            &conn,
            &OrderQuery {
                state: Some(state),
                search: Some("sku-12".into()),
                window: Window::first(0),
                ..OrderQuery::default()
            },
        )
        .unwrap();
        let expected = documents_containing(&conn, "sku-12", Some(state.as_str()));
        let capped = expected.len().min(SEARCH_MATCH_CAP) as u64;
        assert_eq!(page.total, capped, "{state:?}");
        assert_eq!(
            page.note.is_some(),
            expected.len() > SEARCH_MATCH_CAP,
            "{state:?}"
        );
    }

    // Fewer than three characters cannot use the index: the latest orders are searched, and
    // the note says how many.
    let short = search("#1", None);
    let note = short.note.as_deref().unwrap();
    assert!(
        note.starts_with("1–2 characters search the latest"),
        "{note}"
    );
    assert!(note.contains("type more to narrow"), "{note}");
    let matching = documents_containing(&conn, "#1", None);
    let scanned: Vec<i64> = matching
        .into_iter()
        .filter(|id| *id > 15_000)
        .take(SEARCH_MATCH_CAP)
        .collect();
    assert_eq!(sorted(ids(&short, |o| o.id)), sorted(scanned));
}

fn order(id: &str, skus: &[(&str, &str)]) -> RemoteOrder {
    RemoteOrder {
        line_items: skus
            .iter()
            .enumerate()
            .map(|(i, (sku, tracking))| RemoteLineItem {
                tracking_number: (*tracking).to_owned(),
                ..RemoteLineItem::sample(&format!("{id}-{i}"), sku)
            })
            .collect(),
        ..RemoteOrder::sample(id)
    }
}

fn searched(conn: &Connection, text: &str) -> Vec<String> {
    let query = OrderQuery {
        search: Some(text.into()),
        sort: OrderSort::TikTokOrderId,
        direction: Direction::Ascending,
        window: Window::first(100),
        ..OrderQuery::default()
    };
    let page = order_page(conn, &query).unwrap();
    assert_eq!(page.total, page.rows.len() as u64, "{text}");
    page.rows.into_iter().map(|o| o.tiktok_order_id).collect()
}

#[test]
fn the_order_search_finds_ids_names_skus_tracking_reasons_and_states_and_follows_changes() {
    let conn = db();
    let (us, _) = shops(&conn);
    let tee = upsert_order(&conn, us, &order("5001", &[("TEE-BLK-M", "9400111")])).unwrap();
    let mug = upsert_order(
        &conn,
        us,
        &order("5002", &[("MUG-ENAMEL", ""), ("MUG-ENAMEL", "")]),
    )
    .unwrap();
    set_store_order(&conn, tee, "gid://shopify/Order/1", "#1001").unwrap();
    set_order_state(
        &conn,
        mug,
        OrderSyncState::Blocked,
        Some("SKU MUG-ENAMEL is not listed"),
    )
    .unwrap();

    assert_eq!(searched(&conn, "blk-m"), ["5001"], "a SKU, any case");
    assert_eq!(searched(&conn, "94001"), ["5001"], "a tracking number");
    assert_eq!(searched(&conn, "#1001"), ["5001"], "a store order name");
    assert_eq!(searched(&conn, "not listed"), ["5002"], "a reason");
    assert_eq!(
        searched(&conn, "in store"),
        ["5001"],
        "a state, in its label's words"
    );
    assert_eq!(
        searched(&conn, "awaiting"),
        ["5001", "5002"],
        "TikTok's status"
    );
    assert_eq!(
        searched(&conn, "500"),
        ["5001", "5002"],
        "the TikTok order id"
    );
    assert_eq!(
        searched(&conn, "02"),
        ["5002"],
        "two characters read every document"
    );
    assert!(
        searched(&conn, "\"").is_empty(),
        "a quote is text, not syntax"
    );
    assert!(searched(&conn, "TEE-BLK-M 9400111").is_empty());

    // The document follows the order: the reason goes once it is no longer blocked.
    set_order_state(&conn, mug, OrderSyncState::Pending, None).unwrap();
    assert!(searched(&conn, "not listed").is_empty());
    assert_eq!(searched(&conn, "pending"), ["5002"]);
    // A newer TikTok update with the same document leaves it alone; a new status is found.
    let mut shipped = order("5001", &[("TEE-BLK-M", "9400111")]);
    shipped.update_time = 5;
    shipped.status = crate::connector::tiktok::status::OrderStatus::InTransit;
    upsert_order(&conn, us, &shipped).unwrap();
    assert_eq!(searched(&conn, "in_transit"), ["5001"]);
    assert!(searched(&conn, "awaiting").contains(&"5002".to_owned()));
}

#[test]
fn orders_written_before_the_search_existed_are_found_after_the_migration() {
    let mut conn = Connection::open_in_memory().unwrap();
    crate::store::MIGRATIONS.to_version(&mut conn, 11).unwrap();
    let (us, _) = shops(&conn);
    upsert_order(&conn, us, &order("7001", &[("BEANIE-GRY", "")])).unwrap();
    crate::store::MIGRATIONS.to_latest(&mut conn).unwrap();
    assert_eq!(searched(&conn, "beanie"), ["7001"]);
}

fn product(id: u32, title: &str, sku: &str) -> StoreProduct {
    StoreProduct {
        id: format!("gid://shopify/Product/{id}"),
        title: title.into(),
        description_html: String::new(),
        image_urls: Vec::new(),
        updated_at: "2026-01-01T00:00:00Z".into(),
        variants: vec![StoreVariant {
            id: format!("gid://shopify/ProductVariant/{id}"),
            sku: sku.into(),
            title: "Default Title".into(),
            price: Decimal::new(1000, 2),
            available: 7,
            inventory_item_id: None,
            options: Vec::new(),
            measures: Default::default(),
        }],
        facts: Default::default(),
    }
}

#[test]
fn product_pages_search_titles_skus_and_statuses_and_sort_by_title() {
    let conn = db();
    let (_, _) = shops(&conn);
    let org = ensure_org(&conn, "acme").unwrap();
    upsert_product(&conn, org, &product(1, "Organic Cotton Tee", "TEE-1")).unwrap();
    upsert_product(&conn, org, &product(2, "Enamel Camp Mug", "MUG-1")).unwrap();
    // Two shops: each product is listed twice.
    let all = product_page(
        &conn,
        &ProductQuery {
            sort: ProductSort::Title,
            direction: Direction::Ascending,
            window: Window::first(10),
            ..ProductQuery::default()
        },
    )
    .unwrap();
    assert_eq!(all.total, 4);
    let titles: Vec<&str> = all.rows.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Enamel Camp Mug",
            "Enamel Camp Mug",
            "Organic Cotton Tee",
            "Organic Cotton Tee"
        ]
    );
    let mug_uk = all
        .rows
        .iter()
        .find(|p| p.title.contains("Mug") && p.shop == "acme-uk")
        .unwrap()
        .id;
    set_listing_status(
        &conn,
        mug_uk,
        ListingStatus::FailedReview,
        None,
        &["The main image is blurred".into()],
    )
    .unwrap();
    let search = |text: &str| {
        let page = product_page(
            &conn,
            &ProductQuery {
                search: Some(text.into()),
                sort: ProductSort::ListingId,
                direction: Direction::Ascending,
                window: Window::first(10),
                ..ProductQuery::default()
            },
        )
        .unwrap();
        ids(&page, |p| p.id)
    };
    assert_eq!(search("cotton").len(), 2, "the title");
    assert_eq!(search("mug-1").len(), 2, "a seller SKU");
    assert_eq!(search("failed review"), [mug_uk], "the status label");
    assert_eq!(search("blurred"), [mug_uk], "TikTok's review reasons");
    assert_eq!(search("uk").len(), 2, "the shop");
    assert_eq!(search("Product/2").len(), 2, "the store product id");
    // Titles, store product ids and SKUs come from their indexes, not from product rows
    // (which carry the description).
    let query = ProductQuery {
        search: Some("mug".into()),
        ..ProductQuery::default()
    };
    let plan = plan(&conn, &super::products::product_window_query(&query));
    assert!(
        plan.contains("SCAN store_products USING COVERING INDEX store_products_title")
            && plan.contains("SCAN store_variants USING COVERING INDEX store_variants_sku"),
        "{plan}"
    );
}

#[test]
fn failure_pages_search_kinds_by_label_and_sort() {
    let conn = db();
    ensure_org(&conn, "acme").unwrap();
    for (subject, kind) in [
        ("TikTok order 1", FailureKind::TrackingPush),
        ("product Mug", FailureKind::Listing),
        ("product Tee", FailureKind::Listing),
    ] {
        record_failure(
            &conn,
            &NewFailure {
                org: Some("acme"),
                job_kind: "job",
                job_subject: subject,
                kind,
                subject,
                reason: "TikTok refused it",
                action: "Fix it",
                raw_error: None,
                retryable: true,
            },
        )
        .unwrap();
    }
    let page = |search: Option<&str>, sort| {
        failure_page(
            &conn,
            &FailureQuery {
                search: search.map(str::to_owned),
                sort,
                direction: Direction::Ascending,
                window: Window::first(10),
            },
        )
        .unwrap()
    };
    let by_subject = page(None, FailureSort::Subject);
    let subjects: Vec<&str> = by_subject.rows.iter().map(|f| f.subject.as_str()).collect();
    assert_eq!(subjects, ["TikTok order 1", "product Mug", "product Tee"]);
    assert_eq!(
        page(Some("tracking to"), FailureSort::Id).total,
        1,
        "the kind's label"
    );
    assert_eq!(page(Some("TEE"), FailureSort::Id).total, 1, "the subject");
    assert_eq!(
        page(Some("refused"), FailureSort::Id).total,
        3,
        "the reason"
    );
}

/// The search document writes a sync state as `replace(sync_state, '_', ' ')`: that must be
/// the state's label, so that what the console shows is what the search finds.
#[test]
fn stored_state_names_read_as_their_labels() {
    for state in OrderSyncState::ALL {
        assert_eq!(
            state.as_str().replace('_', " "),
            state.label().to_lowercase()
        );
    }
}
