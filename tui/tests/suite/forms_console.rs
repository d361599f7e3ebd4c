//! The console's forms for category attribute defaults and shop rules, the size chart template
//! picker and the store connection form (insta snapshots of a `TestBackend`), their daemon
//! calls made through the fake daemon over its socket.
#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns; a failure should fail the test.

use crate::support::{self, FakeDaemon, loaded, press, render, sample_attribute_form};
use crossterm::event::KeyCode;
use feedbridge_common::ConsoleClient;
use feedbridge_common::attributes::AttributeTarget;
use feedbridge_tui::action::{Action, Request};
use feedbridge_tui::app::{App, Popup};
use std::path::PathBuf;

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        assert_eq!(press(app, KeyCode::Char(c)), Some(Action::Input(c)));
    }
}

/// The fake daemon, a client of it, and its socket (kept alive by the temp dir).
struct Fake {
    daemon: FakeDaemon,
    client: ConsoleClient,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Fake {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("feedbridged.sock");
        let daemon = FakeDaemon::start(&socket, support::samples()).await;
        let client = feedbridge_tui::client::connect(&socket).await.unwrap();
        Self {
            daemon,
            client,
            socket,
            _dir: dir,
        }
    }

    /// Make the calls the app queued, and the ones their answers queue, as the main loop does.
    async fn settle(&self, app: &mut App) {
        loop {
            let asked = app.take_requests();
            if asked.is_empty() {
                return;
            }
            for request in asked {
                let answer =
                    feedbridge_tui::requests::perform(&self.client, &self.socket, request).await;
                app.update(answer);
            }
        }
    }

    fn calls(&self) -> Vec<String> {
        self.daemon.state.lock().unwrap().calls.clone()
    }
}

fn on_products() -> App {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('2'));
    app.take_requests();
    app
}

/// `A` opens the attribute form of the product's category on its shop; its values are the
/// category's defaults; `r` gives an attribute a shop rule taking it from a store option.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shift_a_sets_category_defaults_and_r_a_shop_rule() {
    let fake = Fake::start().await;
    let mut app = on_products();
    assert_eq!(
        press(&mut app, KeyCode::Char('A')),
        Some(Action::OpenCategoryAttributes)
    );
    let target = AttributeTarget::Category {
        shop: "demo-us".into(),
        category_id: "601226".into(),
    };
    assert_eq!(
        app.take_requests(),
        vec![
            Request::AttributeForm(target.clone()),
            Request::AttributeRules("demo-us".into())
        ]
    );
    app.update(Action::Answered(
        feedbridge_tui::action::Answer::AttributeForm {
            target: target.clone(),
            result: Ok(Box::new(sample_attribute_form(target.clone(), &[]))),
        },
    ));
    fake.settle(&mut app).await;
    app.update(Action::Answered(
        feedbridge_tui::action::Answer::AttributeRules {
            shop: "demo-us".into(),
            result: Ok(Vec::new()),
        },
    ));
    insta::assert_snapshot!("forms_category_defaults", render(&app, 110, 20));

    // Pattern = Striped as the category's default.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "Striped");
    press(&mut app, KeyCode::Enter);
    assert_eq!(press(&mut app, KeyCode::Char('w')), Some(Action::Save));
    fake.settle(&mut app).await;

    // Material follows the store option Fabric on the whole shop.
    press(&mut app, KeyCode::Up);
    assert_eq!(press(&mut app, KeyCode::Char('r')), Some(Action::EditRule));
    type_text(&mut app, "Fabric");
    insta::assert_snapshot!("forms_rule_typed", render(&app, 110, 20));
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::Submit));
    fake.settle(&mut app).await;
    assert_eq!(
        fake.calls(),
        vec![
            "attributes demo-us/601226 Pattern=Striped".to_owned(),
            "rule demo-us Material=option:Fabric".to_owned(),
        ]
    );
    assert!(matches!(&app.popup, Some(Popup::Attributes(editor)) if editor.rule_input.is_none()));

    // The palette opens the same form rather than printing it.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "attributes --category demo-us 601226");
    press(&mut app, KeyCode::Enter);
    assert!(
        matches!(&app.popup, Some(Popup::Attributes(editor)) if editor.is_for(&target)),
        "{:?}",
        app.popup
    );
}

/// `z` lists the shop's TikTok size chart templates; typing narrows them, Enter sets one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn z_picks_a_size_chart_template_instead_of_typing_its_id() {
    let fake = Fake::start().await;
    let mut app = on_products();
    assert_eq!(
        press(&mut app, KeyCode::Char('z')),
        Some(Action::OpenSizeCharts)
    );
    fake.settle(&mut app).await;
    insta::assert_snapshot!("forms_size_charts", render(&app, 100, 16));
    type_text(&mut app, "jean");
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::Submit));
    fake.settle(&mut app).await;
    assert_eq!(fake.calls(), vec!["size-chart 1 template 602".to_owned()]);
    assert_eq!(app.popup, None);
}

/// `C` on a connection opens the store form of its organization: the credentials typed are
/// drawn masked, sent to the daemon, and its refusal is shown in the form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shift_c_connects_a_store_with_masked_credentials_and_shows_refusals() {
    let fake = Fake::start().await;
    let mut app = loaded();
    press(&mut app, KeyCode::Char('4'));
    app.take_requests();
    assert_eq!(
        press(&mut app, KeyCode::Char('C')),
        Some(Action::OpenStoreForm)
    );
    // Nothing typed yet: the form says what is missing.
    assert_eq!(press(&mut app, KeyCode::Char('w')), Some(Action::Save));
    assert!(app.take_requests().is_empty());
    for _ in 0..3 {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "https://other.myshopify.com");
    press(&mut app, KeyCode::Enter);
    for _ in 0..3 {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "access_token=shpat_secret");
    let typing = render(&app, 110, 22);
    assert!(!typing.contains("shpat_secret"), "{typing}");
    insta::assert_snapshot!("forms_store_typing", typing);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('w'));
    fake.settle(&mut app).await;
    let token = "access_token = \"shpat_secret\"\n";
    assert_eq!(
        fake.calls(),
        vec![format!(
            "store demo shopify https://other.myshopify.com replace=true credentials={}",
            token.len()
        )]
    );
    let shown = render(&app, 110, 22);
    assert!(!shown.contains("shpat_secret"), "{shown}");
    assert!(shown.contains("keeps no config files"), "{shown}");
    insta::assert_snapshot!("forms_store_refused", shown);
}
