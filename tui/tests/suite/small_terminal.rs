//! The console on an 80×24 terminal with long ids and titles: every panel keeps its ids
//! whole, its headers uncut and the `? help  q quit` footer; and the keys a support engineer
//! leans on (k, y, /, s, g/G, Esc, :) do the same on every panel.
#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns; a failure should fail the test.

use crate::support::{self, Samples, T0, press, render};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use feedbridge_tui::action::{Action, Panel, Request};
use feedbridge_tui::app::{App, Popup};
use feedbridge_tui::console::write_copies;

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            filters => vec![(r"daemon \d+\.\d+\.\d+\S*", "daemon [VERSION]")],
        }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

const LONG_ORDER: &str = "5764607523034230019876";
const LONG_TITLE: &str = "Organic Cotton Heavyweight Crew-Neck Tee, Garment Dyed, Unisex";
const LONG_SHOP: &str = "demo-us-westcoast-outlet";

/// The sample with long ids and titles, and 60 failures to page through.
fn long_samples() -> Samples {
    let mut snapshot = support::samples();
    snapshot.orders[0].tiktok_order_id = LONG_ORDER.into();
    snapshot.products[0].title = LONG_TITLE.into();
    snapshot.products[0].id = 1_000_123;
    snapshot.status.organizations[0].shops[0].name = LONG_SHOP.into();
    let template = snapshot.failures[0].clone();
    snapshot.failures = (0..60)
        .map(|i| {
            let mut failure = template.clone();
            failure.id = 100_000 + i;
            failure.subject = format!("Order {LONG_ORDER} line {i}: SKU TEE-BLK-M-EXTRA-LONG");
            failure.last_seen = T0 - 60 * i;
            failure
        })
        .collect();
    snapshot
}

fn small() -> App {
    let mut app = App::new();
    app.set_now(T0 + 3 * 3600);
    app.update(Action::Refreshed(Box::new(long_samples().snapshot())));
    app
}

fn shift(app: &mut App, c: char) -> Option<Action> {
    app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT))
}

/// What every panel at 80×24 must keep.
fn assert_usable(screen: &str, headers: &[&str]) {
    let lines: Vec<&str> = screen.lines().collect();
    assert!(
        lines[lines.len() - 1].contains("? help  q quit"),
        "footer:\n{screen}"
    );
    for header in headers {
        assert!(
            screen.contains(header),
            "header {header} cut or missing:\n{screen}"
        );
    }
}

#[test]
fn orders_at_80x24() {
    let app = small();
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains(LONG_ORDER),
        "the whole TikTok order id:\n{screen}"
    );
    assert!(screen.contains("3h"), "relative age:\n{screen}");
    assert_usable(&screen, &["TikTok order", "Age", "Sync", "Reason"]);
    assert!(screen.contains(" 1/"), "position:\n{screen}");
    snapshot!("small_orders", screen);
}

#[test]
fn products_at_80x24() {
    let mut app = small();
    press(&mut app, KeyCode::Char('2'));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("1000123"), "{screen}");
    assert!(
        screen.contains("Organic Cotton Heavyweig"),
        "titles get the spare width:\n{screen}"
    );
    assert_usable(&screen, &["Listing", "Title", "Status"]);
    snapshot!("small_products", screen);
}

#[test]
fn failures_at_80x24_page_through_sixty() {
    let mut app = small();
    press(&mut app, KeyCode::Char('3'));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("100000"), "{screen}");
    assert!(screen.contains(" 1/60 "), "position:\n{screen}");
    assert_usable(&screen, &["ID", "Kind", "Subject"]);
    snapshot!("small_failures", screen);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::PageDown);
    assert!(render(&app, 80, 24).contains(" 12/60 "));
    shift(&mut app, 'G');
    assert!(render(&app, 80, 24).contains(" 60/60 "));
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(app.failures.selected_index(), Some(0));
    press(&mut app, KeyCode::End);
    assert_eq!(app.failures.selected_index(), Some(59));
    press(&mut app, KeyCode::Home);
    assert_eq!(app.failures.selected_index(), Some(0));
}

#[test]
fn connections_at_80x24() {
    let mut app = small();
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('j'));
    let screen = render(&app, 80, 24);
    assert!(screen.contains(LONG_SHOP), "{screen}");
    assert_usable(&screen, &["Name", "Platform", "State"]);
    snapshot!("small_connections", screen);
}

#[test]
fn help_at_80x24_shows_the_panels_keys_first() {
    let mut app = small();
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('?'));
    let screen = render(&app, 80, 24);
    let failures = screen.find("Failures panel").expect("the panel's section");
    let everywhere = screen.find("Everywhere").expect("then the global keys");
    assert!(failures < everywhere, "{screen}");
    assert!(screen.contains("Retry the selected failure"), "{screen}");
    snapshot!("small_help", screen);
}

#[test]
fn k_moves_up_and_y_copies_the_cli_id_on_every_panel() {
    let expected = [
        (Panel::Orders, "576460752303423002"),
        (Panel::Products, "2"),
        (Panel::Failures, "100001"),
        (Panel::Connections, LONG_SHOP),
    ];
    for (panel, second_id) in expected {
        let mut app = small();
        app.update(Action::ShowPanel(panel));
        press(&mut app, KeyCode::Char('j'));
        assert_eq!(app.selected_id().as_deref(), Some(second_id), "{panel:?}");
        assert_eq!(
            press(&mut app, KeyCode::Char('y')),
            Some(Action::Copy(second_id.into()))
        );
        let mut terminal = Vec::new();
        write_copies(&mut app, &mut terminal).unwrap();
        let expected = format!(
            "\x1b]52;c;{}\x07",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, second_id)
        );
        assert_eq!(String::from_utf8(terminal).unwrap(), expected, "{panel:?}");
        assert_eq!(press(&mut app, KeyCode::Char('k')), Some(Action::Up));
        assert_eq!(app.selected_index(panel), Some(0), "k on {panel:?}");
    }
}

#[test]
fn sort_cycles_columns_and_the_cursor_stays_on_its_row() {
    let mut app = small();
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.selected_id().as_deref(), Some("100001"));
    // ID ascending, then reversed: the same failure stays selected (the daemon sorts).
    let samples = long_samples();
    press(&mut app, KeyCode::Char('s'));
    support::settle(&mut app, &samples);
    assert!(render(&app, 80, 24).contains("ID▲"));
    shift(&mut app, 'S');
    support::settle(&mut app, &samples);
    assert!(render(&app, 80, 24).contains("ID▼"));
    assert_eq!(app.selected_id().as_deref(), Some("100001"));
    assert_eq!(
        app.failures.selected_index(),
        Some(58),
        "second to last, by id descending"
    );
    // A refresh that drops rows keeps the cursor on the same failure too.
    let mut fewer = samples.clone();
    fewer.failures.retain(|f| f.id % 2 == 1);
    support::refresh(&mut app, &fewer);
    assert_eq!(app.selected_id().as_deref(), Some("100001"));
    press(&mut app, KeyCode::Char('g'));
    support::settle(&mut app, &fewer);
    assert_eq!(
        app.selected_id().as_deref(),
        Some("100059"),
        "the first row"
    );
}

#[test]
fn slash_filters_every_list_as_you_type() {
    for (panel, text, left) in [
        (Panel::Orders, "9876", 1),
        (Panel::Products, "heavyweight", 1),
        (Panel::Failures, "line 5", 11),
        (Panel::Connections, "westcoast", 1),
    ] {
        let mut app = small();
        app.update(Action::ShowPanel(panel));
        press(&mut app, KeyCode::Char('/'));
        for c in text.chars() {
            press(&mut app, KeyCode::Char(c));
        }
        // The daemon filters the paged lists.
        support::settle(&mut app, &long_samples());
        assert_eq!(app.panel_rows(panel), left, "{panel:?} {text}");
        assert!(render(&app, 80, 24).contains(&format!("/{text}")));
        press(&mut app, KeyCode::Esc);
        assert!(app.current_filter().is_empty());
        assert!(!app.should_quit);
    }
}

#[test]
fn the_palette_parses_like_the_cli() {
    let mut app = small();
    app.take_requests();
    assert_eq!(
        press(&mut app, KeyCode::Char(':')),
        Some(Action::OpenPalette(String::new()))
    );
    for c in "retry 12".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_requests(),
        vec![Request::Run(vec!["retry".into(), "12".into()])]
    );
    // A line the CLI refuses shows clap's message, without a daemon call.
    press(&mut app, KeyCode::Char(':'));
    for c in "retry --kind nonsense".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    assert!(app.take_requests().is_empty());
    match &app.popup {
        Some(Popup::Output { lines, .. }) => {
            assert!(lines.join("\n").contains("nonsense"), "{lines:?}");
        }
        other => panic!("{other:?}"),
    }
    // help shows clap's help, like `feedbridge help`.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    for c in "help".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    assert!(app.take_requests().is_empty());
    let screen = render(&app, 80, 24);
    assert!(screen.contains("retry"), "{screen}");
    assert!(!app.footer.notice().unwrap().contains("failed"));
    snapshot!("small_palette_help", screen);
    // Quoted words stay one word.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(':'));
    for c in "settings demo-us set buffer '10%'".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_requests(),
        vec![Request::Run(
            ["settings", "demo-us", "set", "buffer", "10%"]
                .map(String::from)
                .to_vec()
        )]
    );
}

#[test]
fn e_and_x_open_the_palette_for_settings_and_skus() {
    let mut app = small();
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(
        press(&mut app, KeyCode::Char('e')),
        Some(Action::OpenPalette(format!("settings {LONG_SHOP} set ")))
    );
    let mut app = small();
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(
        press(&mut app, KeyCode::Char('x')),
        Some(Action::OpenPalette("skus 1000123 ".into()))
    );
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut app = small();
    press(&mut app, KeyCode::Char('/'));
    for (width, height) in [(10, 5), (30, 8), (50, 12)] {
        support::render(&app, width, height);
    }
}
