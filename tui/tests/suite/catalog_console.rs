//! The console's catalog views (insta snapshots of a `TestBackend`) and their key handling:
//! selection, the status filter, the category picker, product detail, connections, tests,
//! authorization and linking. Daemon calls are checked as the requests the app queues.
#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns; a failure should fail the test.

use crate::support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use feedbridge_common::CategoryRef;
use feedbridge_common::attributes::AttributeTarget;
use feedbridge_common::catalog::{ConnectionCheck, ConnectionTest, MappingReport};
use feedbridge_tui::action::{Action, Answer, Request};
use feedbridge_tui::app::{App, Popup};
use support::{
    AUTH_STATE, loaded, press, render, sample_attribute_form, sample_detail, sample_link_preview,
    sample_products, sample_snapshot,
};

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            filters => vec![(r"daemon \d+\.\d+\.\d+\S*", "daemon [VERSION]")],
        }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        assert_eq!(press(app, KeyCode::Char(c)), Some(Action::Input(c)));
    }
}

fn categories() -> Vec<CategoryRef> {
    vec![
        CategoryRef {
            id: "601226".into(),
            name: "Womenswear > Tops > T-shirts".into(),
        },
        CategoryRef {
            id: "600001".into(),
            name: "Home Supplies > Kitchen > Mugs".into(),
        },
    ]
}

fn on_products() -> App {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('2'));
    app.take_requests();
    app
}

#[test]
fn space_marks_and_f_cycles_the_filter() {
    let mut app = on_products();
    assert_eq!(
        press(&mut app, KeyCode::Char(' ')),
        Some(Action::ToggleMark)
    );
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(app.products.marked(), vec![1, 3]);
    snapshot!("catalog_products_marked", render(&app, 130, 14));
    // Space again unmarks.
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(app.products.marked(), vec![1]);

    // all → Not synced → Failed to sync → Under review → ... (the daemon filters)
    assert_eq!(
        press(&mut app, KeyCode::Char('f')),
        Some(Action::CycleFilter)
    );
    support::settle(&mut app, &support::samples());
    assert_eq!(app.products.rows().len(), 0, "no product is Not synced");
    press(&mut app, KeyCode::Char('f'));
    press(&mut app, KeyCode::Char('f'));
    support::settle(&mut app, &support::samples());
    assert_eq!(app.products.rows().len(), 1);
    assert_eq!(app.products.rows()[0].title, "Enamel Camp Mug");
    snapshot!("catalog_products_filtered", render(&app, 130, 12));
    assert!(
        app.products.marked().is_empty(),
        "marks on hidden rows are dropped"
    );
    for _ in 0..4 {
        press(&mut app, KeyCode::Char('f'));
    }
    support::settle(&mut app, &support::samples());
    assert_eq!(app.product_filter, None);
    assert_eq!(app.products.rows().len(), 3);
}

#[test]
fn picker_searches_as_you_type_and_maps_the_selection() {
    let mut app = on_products();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(
        press(&mut app, KeyCode::Char('m')),
        Some(Action::OpenPicker)
    );
    assert_eq!(
        app.take_requests(),
        vec![Request::Categories {
            shop: "demo-us".into(),
            search: String::new()
        }]
    );
    app.update(Action::Answered(Answer::Categories {
        search: String::new(),
        result: Ok(categories()),
    }));

    // Typing goes to the search, not the keymap (q does not quit, m does not reopen).
    type_text(&mut app, "mug");
    assert!(!app.should_quit);
    let searches: Vec<Request> = app.take_requests();
    assert_eq!(
        searches.last(),
        Some(&Request::Categories {
            shop: "demo-us".into(),
            search: "mug".into()
        })
    );
    assert_eq!(searches.len(), 3);
    // A late answer to an older search is ignored.
    app.update(Action::Answered(Answer::Categories {
        search: "mu".into(),
        result: Ok(categories()),
    }));
    let Some(Popup::Picker(picker)) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    assert!(picker.is_searching());
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::Submit));
    assert!(
        app.take_requests().is_empty(),
        "nothing to map while searching"
    );
    app.update(Action::Answered(Answer::Categories {
        search: "mug".into(),
        result: Ok(categories()[1..].to_vec()),
    }));
    snapshot!("catalog_picker", render(&app, 100, 20));

    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::Submit));
    assert_eq!(
        app.take_requests(),
        vec![Request::MapCategories {
            listing_ids: vec![2, 3],
            category_id: "600001".into()
        }]
    );
    assert_eq!(app.popup, None);
}

#[test]
fn picker_for_one_product_offers_tiktoks_recommendation_first() {
    let mut app = on_products();
    press(&mut app, KeyCode::Char('m'));
    assert_eq!(
        app.take_requests(),
        vec![
            Request::Categories {
                shop: "demo-us".into(),
                search: String::new()
            },
            Request::RecommendCategory {
                shop: "demo-us".into(),
                title: "Organic Cotton Tee".into()
            }
        ]
    );
    app.update(Action::Answered(Answer::Categories {
        search: String::new(),
        result: Ok(categories()),
    }));
    let mug = categories()[1].clone();
    app.update(Action::Answered(Answer::Recommended {
        title: "Organic Cotton Tee".into(),
        result: Ok(mug.clone()),
    }));
    let Some(Popup::Picker(picker)) = &app.popup else {
        panic!("{:?}", app.popup)
    };
    // First, and not listed twice.
    assert_eq!(picker.choices()[0], &mug);
    assert_eq!(picker.choices().len(), categories().len());
    assert!(render(&app, 100, 20).contains("★ TikTok recommends: "));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_requests(),
        vec![Request::MapCategories {
            listing_ids: vec![1],
            category_id: mug.id,
        }]
    );
}

#[test]
fn picker_maps_the_current_product_and_reports_refusals() {
    let mut app = on_products();
    press(&mut app, KeyCode::Char('m'));
    app.update(Action::Answered(Answer::Categories {
        search: String::new(),
        result: Ok(categories()),
    }));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Up);
    app.take_requests();
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_requests(),
        vec![Request::MapCategories {
            listing_ids: vec![1],
            category_id: "601226".into()
        }]
    );
    app.update(Action::Answered(Answer::Mapped {
        category_id: "601226".into(),
        result: Ok(MappingReport {
            mapped: vec![],
            refused: vec![(
                1,
                "already listed on TikTok; its category can no longer change".into(),
            )],
        }),
    }));
    assert!(matches!(app.popup, Some(Popup::Report { .. })));
    snapshot!("catalog_mapping_report", render(&app, 100, 16));
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::ClosePopup));
}

#[test]
fn picker_escape_changes_nothing() {
    let mut app = on_products();
    press(&mut app, KeyCode::Char('m'));
    type_text(&mut app, "te");
    press(&mut app, KeyCode::Backspace);
    let Some(Popup::Picker(picker)) = &app.popup else {
        panic!()
    };
    assert_eq!(picker.query, "t");
    app.take_requests();
    assert_eq!(press(&mut app, KeyCode::Esc), Some(Action::ClosePopup));
    assert!(app.take_requests().is_empty());
    assert!(!app.should_quit);
}

#[test]
fn product_actions_queue_their_calls() {
    let mut app = on_products();
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('l'));
    assert_eq!(app.take_requests(), vec![Request::List(vec![1, 2])]);
    app.on_key(KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT));
    assert_eq!(app.take_requests(), vec![Request::Resubmit(vec![1, 2])]);
    press(&mut app, KeyCode::Char('u'));
    assert_eq!(
        app.take_requests(),
        vec![Request::Unmap(1), Request::Unmap(2)]
    );

    // K asks for the TikTok product id of the current product.
    assert_eq!(
        app.on_key(KeyEvent::new(KeyCode::Char('K'), KeyModifiers::SHIFT)),
        Some(Action::OpenLinkPrompt)
    );
    type_text(&mut app, "1729384799");
    snapshot!("catalog_link_prompt", render(&app, 100, 16));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_requests(),
        vec![Request::LinkManual {
            listing_id: 2,
            tiktok_product_id: "1729384799".into()
        }]
    );
    app.update(Action::Answered(Answer::Message(Ok(
        "Listing 2 is linked to TikTok product 1729384799.".into(),
    ))));
    assert_eq!(
        app.footer.notice(),
        Some("Listing 2 is linked to TikTok product 1729384799.")
    );
}

#[test]
fn product_detail_shows_the_daemons_answer() {
    let mut app = on_products();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::OpenDetail));
    assert_eq!(app.take_requests(), vec![Request::ProductDetail(3)]);
    let beanie = sample_products().remove(2);
    app.update(Action::Answered(Answer::ProductDetail {
        listing_id: 3,
        result: Ok(Box::new(sample_detail(beanie))),
    }));
    snapshot!("catalog_product_detail", render(&app, 120, 34));
    // Refreshes keep it current.
    app.update(Action::Refreshed(Box::new(sample_snapshot())));
    assert_eq!(app.take_requests(), vec![Request::ProductDetail(3)]);
}

fn on_shop() -> App {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Down);
    app.take_requests();
    app
}

#[test]
fn connections_panel_shows_state_and_settings() {
    let app = on_shop();
    snapshot!("catalog_connections", render(&app, 120, 26));
}

#[test]
fn t_tests_the_selected_connection() {
    let mut app = on_shop();
    assert_eq!(
        press(&mut app, KeyCode::Char('t')),
        Some(Action::TestConnection)
    );
    assert_eq!(
        app.take_requests(),
        vec![Request::TestConnection("demo-us".into())]
    );
    let check = |what: &str, ok: bool, detail: &str| ConnectionCheck {
        what: what.into(),
        ok,
        detail: detail.into(),
    };
    app.update(Action::Answered(Answer::ConnectionTested {
        name: "demo-us".into(),
        result: Ok(ConnectionTest {
            name: "demo-us".into(),
            ok: false,
            checks: vec![
                check("Access token", true, "valid for 6 more days"),
                check(
                    "Shop currency",
                    false,
                    "the store sells in USD but this TikTok shop in GBP",
                ),
            ],
        }),
    }));
    snapshot!("catalog_connection_test", render(&app, 100, 16));
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::ClosePopup));
}

#[test]
fn a_authorizes_a_shop_with_the_pasted_code() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('4'));
    // The store row is not a TikTok shop.
    assert_eq!(press(&mut app, KeyCode::Char('a')), Some(Action::Authorize));
    assert!(app.take_requests().is_empty());
    assert_eq!(app.popup, None);
    assert!(app.footer.notice().unwrap().contains("TikTok shops"));

    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(
        app.take_requests(),
        vec![Request::StartAuthorization("demo-us".into())]
    );
    let start = feedbridge_common::catalog::AuthorizationStart {
        shop: "demo-us".into(),
        url: format!("https://services.tiktokshop.test/open/authorize?state={AUTH_STATE}"),
        state: AUTH_STATE.into(),
        instructions: "1. Approve feedbridge as the shop's owner.\n2. Paste the code here.".into(),
    };
    app.update(Action::Answered(Answer::AuthorizationStarted(Ok(start))));
    type_text(&mut app, "TTP_abc123");
    snapshot!("catalog_authorization", render(&app, 100, 18));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_requests(),
        vec![Request::FinishAuthorization {
            shop: "demo-us".into(),
            code: "TTP_abc123".into(),
            state: AUTH_STATE.into()
        }]
    );
    assert_eq!(app.popup, None);
}

#[test]
fn shift_l_previews_linking_and_y_applies() {
    let mut app = on_shop();
    let shift = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT);
    assert_eq!(app.on_key(shift('L')), Some(Action::OpenLinkPreview));
    assert_eq!(
        app.take_requests(),
        vec![Request::LinkPreview("demo-us".into())]
    );
    // y before the preview arrived applies nothing.
    press(&mut app, KeyCode::Char('y'));
    assert!(app.take_requests().is_empty());
    app.update(Action::Answered(Answer::LinkPreview {
        shop: "demo-us".into(),
        result: Ok(sample_link_preview()),
    }));
    snapshot!("catalog_link_preview", render(&app, 120, 28));
    assert_eq!(press(&mut app, KeyCode::Char('y')), Some(Action::Submit));
    assert_eq!(
        app.take_requests(),
        vec![Request::LinkApply("demo-us".into())]
    );
    // A second y while linking does not link twice.
    press(&mut app, KeyCode::Enter);
    assert!(app.take_requests().is_empty());
    app.update(Action::Answered(Answer::Linked {
        shop: "demo-us".into(),
        result: Ok(1),
    }));
    assert_eq!(app.popup, None);
    assert_eq!(
        app.footer.notice(),
        Some("Linked 1 listing on demo-us; their price and stock now follow the store.")
    );
}

#[test]
fn catalog_keys_elsewhere_only_explain() {
    let mut app = loaded();
    let action = press(&mut app, KeyCode::Char('m'));
    assert!(matches!(action, Some(Action::Notice(_))), "{action:?}");
    assert!(app.take_requests().is_empty());
    assert_eq!(app.popup, None);
}

/// From the product detail, `a` opens the attribute form; values are picked from TikTok's
/// list (several where allowed) or typed (where custom values are allowed), `w` saves them
/// through the daemon, and the form read again shows them as set on the product.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attribute_form_takes_typed_values_and_saves_them() {
    let mut app = on_products();
    press(&mut app, KeyCode::Enter);
    app.take_requests();
    assert_eq!(
        press(&mut app, KeyCode::Char('a')),
        Some(Action::OpenAttributes)
    );
    let target = AttributeTarget::Listing { listing_id: 1 };
    assert_eq!(
        app.take_requests(),
        vec![
            Request::AttributeForm(target.clone()),
            Request::AttributeRules("demo-us".into())
        ]
    );
    app.update(Action::Answered(Answer::AttributeRules {
        shop: "demo-us".into(),
        result: Ok(Vec::new()),
    }));
    app.update(Action::Answered(Answer::AttributeForm {
        target: target.clone(),
        result: Ok(Box::new(sample_attribute_form(target.clone(), &[]))),
    }));
    snapshot!("catalog_attribute_form_loaded", render(&app, 110, 20));

    // Material: several values from TikTok's list, found by typing.
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::Edit));
    type_text(&mut app, "lin");
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::Submit));
    type_text(&mut app, "cot");
    press(&mut app, KeyCode::Enter);
    snapshot!("catalog_attribute_form_choosing", render(&app, 110, 20));
    // A value of one's own is refused where TikTok allows none.
    type_text(&mut app, "silk");
    press(&mut app, KeyCode::Enter);
    let notice = app.footer.notice().unwrap_or_default().to_owned();
    assert!(
        notice.contains("\"silk\" is not one of TikTok's values"),
        "{notice}"
    );
    press(&mut app, KeyCode::Esc);
    // Pattern: one value, typed (custom values allowed).
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "Dots");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(&app.popup, Some(Popup::Attributes(editor)) if editor.choosing.is_none()));

    assert_eq!(press(&mut app, KeyCode::Char('w')), Some(Action::Save));
    let save = app.take_requests();
    assert_eq!(
        save,
        vec![Request::SetAttributes {
            target: target.clone(),
            values: vec![
                ("Material".into(), vec!["Linen".into(), "Cotton".into()]),
                ("Pattern".into(), vec!["Dots".into()]),
            ],
        }]
    );

    // Through the daemon: saved, then the form is read again.
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("feedbridged.sock");
    let daemon = support::FakeDaemon::start(&socket, support::samples()).await;
    let console = feedbridge_tui::client::connect(&socket).await.unwrap();
    for request in save {
        let answer = feedbridge_tui::requests::perform(&console, &socket, request).await;
        app.update(answer);
    }
    assert_eq!(
        app.take_requests(),
        vec![Request::AttributeForm(target.clone())]
    );
    let answer =
        feedbridge_tui::requests::perform(&console, &socket, Request::AttributeForm(target)).await;
    app.update(answer);
    assert_eq!(
        daemon.state.lock().unwrap().calls,
        vec![
            "attributes 1 Material=Linen,Cotton".to_owned(),
            "attributes 1 Pattern=Dots".to_owned()
        ]
    );
    snapshot!("catalog_attribute_form_saved", render(&app, 110, 20));
}
