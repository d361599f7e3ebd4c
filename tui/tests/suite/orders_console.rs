//! The console's order work (insta snapshots of a `TestBackend`) and its key handling: the
//! sync-state filter, search and shop filter on Orders, the order detail with its timeline,
//! retry-all on Failures, the carrier mapping editor and the order settings form. Daemon calls
//! are checked as the requests the app queues; answers are fed back as the daemon's.
#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns; a failure should fail the test.

use crate::support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use feedbridge_common::mcf::{FillPolicy, McfSettings, ShippingSpeed};
use feedbridge_common::orders::{FbtRule, OrderSettings};
use feedbridge_common::{FailureKind, OrderFilter, OrderQuery, OrderSyncState, OrganizationView};
use feedbridge_tui::action::{Action, Answer, PageAnswer, Request, ShopRules};
use feedbridge_tui::app::{App, Popup};
use feedbridge_tui::editors::CarrierMode;
use support::{
    loaded, press, render, sample_carriers, sample_order_detail, sample_order_settings,
    sample_orders, sample_snapshot, samples,
};

/// The daemon's version changes with every release (and a popup may cut it short).
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            filters => vec![(r"daemon \d[\w.+-]*", "daemon [VERSION]")],
        }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

fn shift(app: &mut App, c: char) -> Option<Action> {
    app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        assert_eq!(press(app, KeyCode::Char(c)), Some(Action::Input(c)), "{c}");
    }
}

fn erase(app: &mut App, count: usize) {
    for _ in 0..count {
        press(app, KeyCode::Backspace);
    }
}

/// The queries of the Orders page requests among `requests`.
fn order_queries(requests: &[Request]) -> Vec<OrderQuery> {
    requests
        .iter()
        .filter_map(|request| match request {
            Request::OrderPage(asked) => Some(asked.query.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn f_cycles_the_sync_state_filter_then_all() {
    let mut app = loaded();
    let mut seen = Vec::new();
    for _ in 0..OrderSyncState::ALL.len() {
        assert_eq!(
            press(&mut app, KeyCode::Char('f')),
            Some(Action::CycleOrderFilter)
        );
        seen.push(app.order_filter.state.unwrap().label());
    }
    assert_eq!(
        seen,
        [
            "Waiting",
            "Blocked",
            "Pending",
            "In store",
            "At Amazon",
            "Shipped",
            "Cancelled",
            "Failed"
        ]
    );
    press(&mut app, KeyCode::Char('f'));
    assert_eq!(app.order_filter, OrderFilter::default(), "then all again");
    // The first change asks the daemon at once; while that answer is out, only the latest
    // filter waits to be asked for, and goes as soon as it comes.
    let first = app.take_requests();
    let states: Vec<_> = order_queries(&first).iter().map(|q| q.state).collect();
    assert_eq!(states, [Some(OrderSyncState::Waiting)]);
    let next = support::answer(&mut app, &samples(), first);
    assert!(next.is_empty());
    let latest = app.take_requests();
    let states: Vec<_> = order_queries(&latest).iter().map(|q| q.state).collect();
    assert_eq!(states, [None]);
}

#[test]
fn orders_filtered_by_state_survive_the_live_refresh() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('f'));
    press(&mut app, KeyCode::Char('f'));
    let blocked = OrderFilter {
        state: Some(OrderSyncState::Blocked),
        ..OrderFilter::default()
    };
    assert_eq!(app.order_filter, blocked);
    support::settle(&mut app, &samples());
    assert_eq!(app.orders.rows().len(), 1);
    snapshot!("orders_blocked", render(&app, 130, 12));

    // A refresh fetched before the filter changed is stale for the Orders panel...
    app.update(Action::Refreshed(Box::new(sample_snapshot())));
    assert_eq!(app.orders.rows().len(), 1);
    // ...one fetched with the filter is taken.
    let mut fresh = samples();
    fresh.orders[2].reason = Some("SKU BEANIE-GRY is still not listed".into());
    support::refresh(&mut app, &fresh);
    assert_eq!(
        app.orders.rows()[0].reason.as_deref(),
        Some("SKU BEANIE-GRY is still not listed")
    );
    // An answer for an older filter is ignored too.
    app.update(Action::Answered(Answer::OrderPage(PageAnswer::all(
        1,
        sample_orders(),
    ))));
    assert_eq!(app.orders.rows().len(), 1);

    // Nothing in a state: the panel says why it is empty.
    press(&mut app, KeyCode::Char('f'));
    support::settle(&mut app, &samples());
    let screen = render(&app, 130, 12);
    assert!(screen.contains("No orders match the filter"), "{screen}");
}

#[test]
fn slash_filters_orders_as_you_type_and_esc_clears() {
    let mut app = loaded();
    app.take_requests();
    assert_eq!(
        press(&mut app, KeyCode::Char('/')),
        Some(Action::OpenFilter)
    );
    // Typing goes to the filter: q does not quit, f does not cycle the state.
    type_text(&mut app, "qf");
    assert!(!app.should_quit);
    // The daemon searches: the first letter is asked for at once, the text typed by then
    // once that answer is in.
    let searches: Vec<_> = order_queries(&app.take_requests())
        .into_iter()
        .map(|q| q.search)
        .collect();
    assert_eq!(searches, [Some("q".to_string())]);
    app.update(Action::Answered(Answer::OrderPage(PageAnswer::all(
        1,
        Vec::new(),
    ))));
    let searches: Vec<_> = order_queries(&app.take_requests())
        .into_iter()
        .map(|q| q.search)
        .collect();
    assert_eq!(searches, [Some("qf".to_string())]);
    app.update(Action::Answered(Answer::OrderPage(PageAnswer::all(
        2,
        Vec::new(),
    ))));
    assert_eq!(app.orders.rows().len(), 0, "nothing contains \"qf\"");
    erase(&mut app, 2);
    // A seller SKU of the order's lines matches too, in any case.
    type_text(&mut app, "beanie");
    support::settle(&mut app, &samples());
    assert_eq!(app.orders.rows().len(), 1);
    snapshot!("orders_search_box", render(&app, 100, 14));
    // Enter keeps the filter and gives the keys back: j moves, Esc clears.
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::Submit));
    assert!(!app.typing_filter);
    assert_eq!(app.orders.filter(), "beanie");
    assert_eq!(press(&mut app, KeyCode::Esc), Some(Action::ClearFilter));
    assert_eq!(app.orders.filter(), "");
    support::settle(&mut app, &samples());
    assert_eq!(app.orders.rows().len(), app.orders.total());
    // Esc again does nothing: it never quits.
    assert_eq!(press(&mut app, KeyCode::Esc), None);
    assert!(!app.should_quit);
}

#[test]
fn shop_filter_needs_two_shops() {
    let mut app = loaded();
    shift(&mut app, 'F');
    assert_eq!(app.order_filter.shop, None);
    assert!(
        app.footer
            .notice()
            .unwrap()
            .contains("only one TikTok shop"),
        "{:?}",
        app.footer.notice()
    );

    let mut two = samples();
    let mut other: OrganizationView = two.status.organizations[0].clone();
    other.name = "acme".into();
    other.shops[0].name = "acme-uk".into();
    two.status.organizations.push(other);
    app.update(Action::Refreshed(Box::new(two.snapshot())));
    app.take_requests();
    let mut shops = Vec::new();
    let mut asked = Vec::new();
    for _ in 0..3 {
        assert_eq!(shift(&mut app, 'F'), Some(Action::CycleShopFilter));
        shops.push(app.order_filter.shop.clone());
        let requests = app.take_requests();
        asked.extend(order_queries(&requests).into_iter().map(|q| q.shop));
        support::answer(&mut app, &two, requests);
    }
    assert_eq!(
        shops,
        [Some("demo-us".to_string()), Some("acme-uk".into()), None]
    );
    assert_eq!(asked, shops, "each asked of the daemon");
}

fn detail_open() -> App {
    let mut app = loaded();
    app.take_requests();
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::OpenDetail));
    assert_eq!(app.take_requests(), vec![Request::OrderDetail(11)]);
    app.update(Action::Answered(Answer::OrderDetail {
        order_id: 11,
        result: Ok(Box::new(sample_order_detail(sample_orders().remove(0)))),
    }));
    app
}

#[test]
fn order_detail_shows_packages_differences_and_timeline() {
    let app = detail_open();
    snapshot!("order_detail_full", render(&app, 120, 52));
}

#[test]
fn order_detail_scrolls_and_resyncs() {
    let mut app = detail_open();
    // Small screen: the timeline is below the fold until scrolled to.
    let top = render(&app, 110, 30);
    assert!(!top.contains("TikTok status is now IN_TRANSIT"), "{top}");
    assert!(top.contains("↓ more"), "{top}");
    assert_eq!(press(&mut app, KeyCode::PageDown), Some(Action::PageDown));
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::Char('j'));
    let Some(Popup::OrderDetail(view)) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    assert_eq!(view.scroll, 21);
    // Scrolling past the end stops at the last line.
    snapshot!("order_detail_scrolled", render(&app, 110, 30));
    assert_eq!(
        app.panel,
        feedbridge_tui::action::Panel::Orders,
        "j did not move panels"
    );

    assert_eq!(
        press(&mut app, KeyCode::Char('s')),
        Some(Action::ResyncOrder)
    );
    assert_eq!(app.take_requests(), vec![Request::ResyncOrder(11)]);
    // A second s while waiting asks nothing more.
    press(&mut app, KeyCode::Char('s'));
    assert!(app.take_requests().is_empty());
    app.update(Action::Answered(Answer::Resynced {
        order_id: 11,
        result: Ok("TikTok order 576460752303423001 will be looked at again now.".into()),
    }));
    assert_eq!(
        app.footer.notice(),
        Some("TikTok order 576460752303423001 will be looked at again now.")
    );
    // The detail is read again, and refreshes keep it current.
    assert_eq!(app.take_requests(), vec![Request::OrderDetail(11)]);
    app.update(Action::Refreshed(Box::new(sample_snapshot())));
    assert_eq!(app.take_requests(), vec![Request::OrderDetail(11)]);

    assert_eq!(press(&mut app, KeyCode::Esc), Some(Action::ClosePopup));
    assert_eq!(app.popup, None);
    assert!(!app.should_quit);
}

#[test]
fn resync_refusal_is_shown_in_the_detail() {
    let mut app = detail_open();
    press(&mut app, KeyCode::Char('s'));
    app.update(Action::Answered(Answer::Resynced {
        order_id: 11,
        result: Err("order 11 is cancelled on TikTok; nothing to sync".into()),
    }));
    let screen = render(&app, 120, 30);
    assert!(
        screen.contains("order 11 is cancelled on TikTok; nothing to sync"),
        "{screen}"
    );
    assert_eq!(
        app.footer.notice(),
        Some("Could not resync: order 11 is cancelled on TikTok; nothing to sync")
    );
}

fn on_failures() -> App {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('3'));
    app.take_requests();
    app
}

#[test]
fn shift_r_asks_before_retrying_every_failure_of_the_kind() {
    let mut app = on_failures();
    assert_eq!(shift(&mut app, 'R'), Some(Action::AskRetryAll));
    assert_eq!(
        app.popup,
        Some(Popup::ConfirmRetryAll {
            kind: FailureKind::TrackingPush,
            organization: "demo".into(),
            count: 1
        })
    );
    snapshot!("retry_all_confirm", render(&app, 100, 14));

    // n: nothing happens.
    assert_eq!(
        press(&mut app, KeyCode::Char('n')),
        Some(Action::ClosePopup)
    );
    assert_eq!(app.popup, None);
    assert!(app.take_requests().is_empty());
    // Esc too.
    shift(&mut app, 'R');
    press(&mut app, KeyCode::Esc);
    assert!(app.take_requests().is_empty());
    assert!(!app.should_quit);

    // y: the daemon is asked, and its count shown.
    shift(&mut app, 'R');
    assert_eq!(press(&mut app, KeyCode::Char('y')), Some(Action::Submit));
    assert_eq!(
        app.take_requests(),
        vec![Request::RetryFailures {
            kind: FailureKind::TrackingPush,
            organization: "demo".into()
        }]
    );
    assert_eq!(app.popup, None);
    app.update(Action::Answered(Answer::RetriedAll {
        kind: FailureKind::TrackingPush,
        organization: "demo".into(),
        result: Ok(3),
    }));
    assert_eq!(
        app.footer.notice(),
        Some("Queued 3 failures (Tracking to TikTok of demo) for another attempt.")
    );
    // The selected row decides the kind.
    press(&mut app, KeyCode::Down);
    shift(&mut app, 'R');
    assert!(matches!(
        app.popup,
        Some(Popup::ConfirmRetryAll {
            kind: FailureKind::Listing,
            ..
        })
    ));
}

#[test]
fn shift_r_elsewhere_only_explains() {
    let mut app = loaded();
    let action = shift(&mut app, 'R');
    assert_eq!(
        action,
        Some(Action::Notice(
            "Retry all open failures of the selected one's kind (asks first) works on the \
             Failures panel — not here."
                .into()
        ))
    );
    assert_eq!(app.popup, None);
}

fn on_shop() -> App {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Down);
    app.take_requests();
    app
}

fn carriers_open() -> App {
    let mut app = on_shop();
    assert_eq!(
        press(&mut app, KeyCode::Char('c')),
        Some(Action::OpenCarriers)
    );
    assert_eq!(
        app.take_requests(),
        vec![Request::CarrierChoices("demo-us".into())]
    );
    app.update(Action::Answered(Answer::CarrierChoices {
        shop: "demo-us".into(),
        result: Ok(sample_carriers()),
    }));
    app
}

#[test]
fn carrier_editor_maps_an_unmapped_carrier() {
    let mut app = carriers_open();
    snapshot!("carrier_editor", render(&app, 110, 24));

    // The unmapped carrier is the second row; Enter maps it from the filtered providers.
    press(&mut app, KeyCode::Down);
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::Edit));
    type_text(&mut app, "e");
    snapshot!("carrier_editor_choosing", render(&app, 110, 24));
    press(&mut app, KeyCode::Down);
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::Submit));
    assert_eq!(
        app.take_requests(),
        vec![Request::SetCarrierMapping {
            shop: "demo-us".into(),
            store_carrier: "Evri 48h".into(),
            tiktok_provider: Some("DHL eCommerce".into()),
        }]
    );
    app.update(Action::Answered(Answer::CarrierMappingSet {
        shop: "demo-us".into(),
        result: Ok("Tracking from 'Evri 48h' now goes to TikTok as DHL eCommerce.".into()),
    }));
    assert_eq!(
        app.footer.notice(),
        Some("Tracking from 'Evri 48h' now goes to TikTok as DHL eCommerce.")
    );
    // The editor reads the mappings again.
    assert_eq!(
        app.take_requests(),
        vec![Request::CarrierChoices("demo-us".into())]
    );
    let screen = render(&app, 110, 24);
    assert!(
        screen.contains("Tracking from 'Evri 48h' now goes to TikTok as DHL eCommerce."),
        "{screen}"
    );
}

#[test]
fn carrier_editor_adds_edits_and_deletes() {
    let mut app = carriers_open();
    // a: type the name (keys are text now: d does not delete), then pick a provider.
    assert_eq!(
        press(&mut app, KeyCode::Char('a')),
        Some(Action::AddCarrier)
    );
    type_text(&mut app, "UPS Ground d");
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    snapshot!("carrier_editor_naming", render(&app, 110, 24));
    press(&mut app, KeyCode::Enter);
    let Some(Popup::Carriers(editor)) = &app.popup else {
        panic!()
    };
    assert!(matches!(
        &editor.mode,
        CarrierMode::Choosing { store_carrier, .. } if store_carrier == "UPS Ground"
    ));
    type_text(&mut app, "ups");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_requests(),
        vec![Request::SetCarrierMapping {
            shop: "demo-us".into(),
            store_carrier: "UPS Ground".into(),
            tiktok_provider: Some("UPS".into()),
        }]
    );

    // Enter on a mapping edits it, starting at its provider; Esc steps back, then closes.
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Enter);
    let Some(Popup::Carriers(editor)) = &app.popup else {
        panic!()
    };
    assert!(matches!(
        &editor.mode,
        CarrierMode::Choosing { store_carrier, selected: 0, .. } if store_carrier == "USPS Priority Mail"
    ));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(&app.popup, Some(Popup::Carriers(_))));

    // d removes the selected mapping; an unmapped carrier has nothing to remove.
    assert_eq!(press(&mut app, KeyCode::Char('d')), Some(Action::Delete));
    assert_eq!(
        app.take_requests(),
        vec![Request::SetCarrierMapping {
            shop: "demo-us".into(),
            store_carrier: "USPS Priority Mail".into(),
            tiktok_provider: None,
        }]
    );
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('d'));
    assert!(app.take_requests().is_empty());
    assert_eq!(
        app.footer.notice(),
        Some("Evri 48h has no mapping to delete; Enter maps it.")
    );
    // A refusal is shown in the editor.
    app.update(Action::Answered(Answer::CarrierMappingSet {
        shop: "demo-us".into(),
        result: Err("'Parcelforce' is not a shipping provider of demo-us".into()),
    }));
    assert!(render(&app, 110, 24).contains("'Parcelforce' is not a shipping provider"));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.popup, None);
    assert!(!app.should_quit);
}

#[test]
fn carrier_editor_is_for_shops() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('c'));
    assert_eq!(app.popup, None);
    assert!(app.take_requests().is_empty());
    assert_eq!(
        app.footer.notice(),
        Some("Carrier mapping is for TikTok shops; pick a shop row.")
    );
    // Before the daemon answered: a loading line, and a refused load is shown.
    let mut app = on_shop();
    press(&mut app, KeyCode::Char('c'));
    assert!(render(&app, 110, 20).contains("Asking TikTok for the shop's shipping providers"));
    app.update(Action::Answered(Answer::CarrierChoices {
        shop: "demo-us".into(),
        result: Err("TikTok did not answer; try again".into()),
    }));
    assert!(render(&app, 110, 20).contains("TikTok did not answer; try again"));
}

fn form_open() -> App {
    let mut app = on_shop();
    assert_eq!(
        press(&mut app, KeyCode::Char('o')),
        Some(Action::OpenOrderSettings)
    );
    assert_eq!(
        app.take_requests(),
        vec![Request::OrderSettings("demo-us".into())]
    );
    app.update(Action::Answered(Answer::OrderSettings {
        shop: "demo-us".into(),
        result: Ok(ShopRules {
            orders: sample_order_settings(),
            mcf: McfSettings::default(),
        }),
    }));
    app
}

#[test]
fn order_settings_form_refuses_bad_minutes() {
    let mut app = form_open();
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::Edit));
    erase(&mut app, 2);
    type_text(&mut app, "1h");
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::Submit));
    snapshot!("order_settings_invalid", render(&app, 110, 26));
    // w while typing saves nothing: it is text.
    type_text(&mut app, "w");
    assert!(app.take_requests().is_empty());
    erase(&mut app, 3);
    type_text(&mut app, "30");
    press(&mut app, KeyCode::Enter);
    let Some(Popup::OrderSettings(form)) = &app.popup else {
        panic!()
    };
    assert_eq!(form.draft.hold_minutes, 30);
    assert_eq!(form.error, None);
    // Esc while typing drops the edit only.
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "9");
    press(&mut app, KeyCode::Esc);
    let Some(Popup::OrderSettings(form)) = &app.popup else {
        panic!()
    };
    assert_eq!(form.draft.hold_minutes, 30);
}

#[test]
fn order_settings_form_switches_choices_and_saves() {
    let mut app = form_open();
    // FBT rule, inventory and restock switch with Enter.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, ",TikTok-FBT");
    press(&mut app, KeyCode::Enter);
    let error = match &app.popup {
        Some(Popup::OrderSettings(form)) => form.error.clone(),
        other => panic!("{other:?}"),
    };
    assert!(error.unwrap().contains("no commas"));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_eq!(press(&mut app, KeyCode::Char('w')), Some(Action::Save));
    let expected = OrderSettings {
        fbt_rule: FbtRule::AfterCollection,
        inventory_behaviour: feedbridge_common::orders::InventoryBehaviour::Bypass,
        restock_on_cancel: false,
        ..sample_order_settings()
    };
    assert_eq!(
        app.take_requests(),
        vec![Request::SetOrderSettings {
            shop: "demo-us".into(),
            settings: expected,
            mcf: None,
        }]
    );
    app.update(Action::Answered(Answer::OrderSettingsSaved {
        shop: "demo-us".into(),
        result: Ok("Saved the order settings of demo-us.".into()),
    }));
    snapshot!("order_settings_saved", render(&app, 110, 26));
    assert_eq!(
        app.footer.notice(),
        Some("Saved the order settings of demo-us.")
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.popup, None);
}

#[test]
fn order_settings_form_edits_the_amazon_mcf_rules() {
    let mut app = form_open();
    for _ in 0..6 {
        press(&mut app, KeyCode::Down);
    }
    // Speed and policy switch with Enter; the limits are typed.
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    erase(&mut app, 4);
    type_text(&mut app, "0");
    press(&mut app, KeyCode::Enter);
    let error = match &app.popup {
        Some(Popup::OrderSettings(form)) => form.error.clone(),
        other => panic!("{other:?}"),
    };
    assert!(error.unwrap().contains("mcf-max-units"));
    erase(&mut app, 1);
    type_text(&mut app, "3");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    erase(&mut app, 4);
    type_text(&mut app, "99.50");
    press(&mut app, KeyCode::Enter);
    // SKUs never sent to Amazon: typed apart by spaces or commas.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    erase(&mut app, 4);
    type_text(&mut app, "GLASS-1, GLASS-2");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Up);
    snapshot!("order_settings_mcf", render(&app, 110, 30));
    assert_eq!(press(&mut app, KeyCode::Char('w')), Some(Action::Save));
    assert_eq!(
        app.take_requests(),
        vec![Request::SetOrderSettings {
            shop: "demo-us".into(),
            settings: sample_order_settings(),
            mcf: Some(McfSettings {
                speed: ShippingSpeed::Expedited,
                policy: FillPolicy::FillAll,
                max_units: Some(3),
                max_order_value: Some(rust_decimal::Decimal::new(9950, 2)),
                excluded_skus: ["GLASS-1".to_owned(), "GLASS-2".to_owned()].into(),
            }),
        }]
    );
}

#[test]
fn connections_show_the_order_settings() {
    let app = on_shop();
    snapshot!("connections_order_settings", render(&app, 120, 36));
}

#[test]
fn help_lists_the_new_keys_and_scrolls() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('?'));
    let mut pages = String::new();
    for _ in 0..4 {
        pages.push_str(&render(&app, 120, 30));
        press(&mut app, KeyCode::PageDown);
    }
    for key in [
        "f           Cycle the filter",
        "/           Filter the list as you type",
        "F           Cycle the shop filter",
        "s           Look at the order again now (resync) (order detail)",
        "R           Retry all open failures",
        "c           Carrier mappings of the TikTok shop (Connections panel)",
        "o           Order settings of the TikTok shop",
        "a           Add a mapping",
        "Enter       Edit the selected mapping or setting",
        "d           Delete the mapping or clear the attribute (carrier editor, attributes)",
        "w           Save the form (order settings, attributes, store form)",
        "n           No (yes/no questions)",
        "PgDn        Move or scroll a page down",
    ] {
        assert!(pages.contains(key), "{key}\n{pages}");
    }
    snapshot!("help_scrolled", render(&app, 120, 30));
}

#[test]
fn new_popups_survive_tiny_areas() {
    let mut apps = vec![detail_open(), carriers_open(), form_open()];
    let mut choosing = carriers_open();
    press(&mut choosing, KeyCode::Char('a'));
    apps.push(choosing);
    let mut confirm = on_failures();
    shift(&mut confirm, 'R');
    apps.push(confirm);
    let mut search = loaded();
    press(&mut search, KeyCode::Char('/'));
    apps.push(search);
    let mut help = loaded();
    press(&mut help, KeyCode::Char('?'));
    for _ in 0..10 {
        press(&mut help, KeyCode::PageDown);
    }
    apps.push(help);
    for app in &apps {
        for (width, height) in [(0, 0), (1, 1), (0, 10), (10, 0), (5, 3), (20, 5), (40, 10)] {
            let backend = ratatui::backend::TestBackend::new(width, height);
            let mut terminal = ratatui::Terminal::new(backend).unwrap();
            terminal
                .draw(|frame| feedbridge_tui::ui::draw(frame, app))
                .unwrap();
        }
    }
}
