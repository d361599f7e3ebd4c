//! The console's rendering (insta snapshots of a `TestBackend`) and key handling.
#![allow(clippy::unwrap_used)] // Helpers outside #[test] fns; a failure should fail the test.

use crate::support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use feedbridge_tui::action::{Action, Panel};
use feedbridge_tui::app::{App, Popup};
use feedbridge_tui::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::sample_snapshot;

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| ui::draw(frame, app)).unwrap();
    terminal
}

fn render(app: &App, width: u16, height: u16) -> String {
    draw(app, width, height).backend().to_string()
}

/// The daemon's version changes with every release; nothing else in the sample is volatile.
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            filters => vec![(r"daemon \d+\.\d+\.\d+\S*", "daemon [VERSION]")],
        }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

fn loaded() -> App {
    let mut app = App::new();
    app.update(Action::Refreshed(Box::new(sample_snapshot())));
    app
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn press(app: &mut App, code: KeyCode) -> Option<Action> {
    app.on_key(key(code))
}

#[test]
fn orders_panel() {
    snapshot!("orders_panel", render(&loaded(), 130, 14));
}

#[test]
fn products_panel() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('2'));
    snapshot!("products_panel", render(&app, 130, 14));
}

#[test]
fn failures_panel() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Char('r'));
    snapshot!("failures_panel", render(&app, 130, 14));
}

#[test]
fn before_the_first_answer() {
    snapshot!("connecting", render(&App::new(), 90, 12));
}

#[test]
fn empty_state() {
    let mut app = App::new();
    let mut samples = support::samples();
    samples.orders.clear();
    samples.products.clear();
    samples.failures.clear();
    samples.status.orders_total = 0;
    samples.status.products_total = 0;
    samples.status.failures_open = 0;
    samples.status.jobs_pending = 0;
    samples.status.draining = true;
    app.update(Action::Refreshed(Box::new(samples.snapshot())));
    snapshot!("empty_orders", render(&app, 100, 12));
    press(&mut app, KeyCode::Char('3'));
    snapshot!("empty_failures", render(&app, 100, 12));
}

#[test]
fn help_popup() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.popup, Some(Popup::Help));
    snapshot!("help_popup", render(&app, 110, 34));
}

#[test]
fn product_detail_popup() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.popup, Some(Popup::Detail));
    snapshot!("product_detail", render(&app, 110, 28));
}

#[test]
fn order_detail_popup() {
    let mut app = loaded();
    press(&mut app, KeyCode::Enter);
    snapshot!("order_detail", render(&app, 110, 28));
}

#[test]
fn failure_detail_popup() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Enter);
    snapshot!("failure_detail", render(&app, 110, 24));
}

#[test]
fn disconnected_header() {
    let mut app = loaded();
    app.update(Action::Disconnected(
        "(lost the daemon: the connection to the server was already shutdown)".into(),
    ));
    assert!(app.header.is_disconnected());
    snapshot!("disconnected", render(&app, 130, 8));
    // The next answer clears it.
    app.update(Action::Refreshed(Box::new(sample_snapshot())));
    assert!(!app.header.is_disconnected());
}

#[test]
fn degraded_storage_shows_a_banner_until_it_clears() {
    let mut snapshot = sample_snapshot();
    snapshot.status.degraded = Some(feedbridge_common::Degraded {
        reason: "disk full: the database cannot be written".into(),
        since: support::T0,
    });
    let mut app = App::new();
    app.update(Action::Refreshed(Box::new(snapshot)));
    let screen = render(&app, 200, 8);
    assert!(
        screen.contains(
            "DEGRADED since 2026-11-21 10:00:00 UTC: disk full: the database cannot be written"
        ),
        "{screen}"
    );
    app.update(Action::Refreshed(Box::new(sample_snapshot())));
    assert!(!render(&app, 200, 8).contains("DEGRADED"));
}

#[test]
fn tiny_areas_do_not_panic() {
    let mut apps = vec![App::new(), loaded()];
    let mut help = loaded();
    press(&mut help, KeyCode::Char('?'));
    apps.push(help);
    let mut detail = loaded();
    press(&mut detail, KeyCode::Char('2'));
    press(&mut detail, KeyCode::Enter);
    apps.push(detail);
    for app in &apps {
        for (width, height) in [(0, 0), (1, 1), (0, 10), (10, 0), (5, 3), (20, 5), (40, 10)] {
            // TestBackend cannot print a zero-width buffer; drawing is what must not panic.
            draw(app, width, height);
        }
    }
}

#[test]
fn tab_and_digits_switch_panels() {
    let mut app = loaded();
    assert_eq!(app.panel, Panel::Orders);
    assert_eq!(press(&mut app, KeyCode::Tab), Some(Action::NextPanel));
    assert_eq!(app.panel, Panel::Products);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.panel, Panel::Connections);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.panel, Panel::Orders, "Tab wraps around");
    app.on_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    assert_eq!(app.panel, Panel::Connections);
    press(&mut app, KeyCode::Char('4'));
    assert_eq!(app.panel, Panel::Connections);
    press(&mut app, KeyCode::Char('1'));
    assert_eq!(app.panel, Panel::Orders);
}

#[test]
fn help_toggles_and_swallows_other_keys() {
    let mut app = loaded();
    assert_eq!(
        press(&mut app, KeyCode::Char('?')),
        Some(Action::ToggleHelp)
    );
    assert_eq!(app.popup, Some(Popup::Help));
    assert_eq!(press(&mut app, KeyCode::Tab), None);
    assert_eq!(app.panel, Panel::Orders);
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.popup, None);
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(press(&mut app, KeyCode::Esc), Some(Action::ClosePopup));
    assert_eq!(app.popup, None);
    assert!(!app.should_quit, "Esc closes the popup first");
}

#[test]
fn q_quits_and_esc_never_does() {
    let mut app = loaded();
    assert_eq!(press(&mut app, KeyCode::Char('q')), Some(Action::Quit));
    assert!(app.should_quit);

    let mut app = loaded();
    for panel in ['1', '2', '3', '4'] {
        press(&mut app, KeyCode::Char(panel));
        assert_eq!(press(&mut app, KeyCode::Esc), None);
        assert!(!app.should_quit, "Esc on panel {panel}");
    }

    let mut app = loaded();
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(app.should_quit);
}

#[test]
fn q_in_the_demo_asks_before_stopping_everything() {
    let mut app = loaded();
    app.demo = true;
    assert_eq!(press(&mut app, KeyCode::Char('q')), Some(Action::AskQuit));
    assert!(!app.should_quit);
    assert!(render(&app, 80, 24).contains("Stop the demo (daemon and simulators)? y/n"));
    assert_eq!(
        press(&mut app, KeyCode::Char('n')),
        Some(Action::ClosePopup)
    );
    assert!(!app.should_quit);
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(press(&mut app, KeyCode::Esc), Some(Action::ClosePopup));
    assert!(!app.should_quit);
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(press(&mut app, KeyCode::Char('y')), Some(Action::Quit));
    assert!(app.should_quit);
}

#[test]
fn r_on_a_failure_emits_retry() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('3'));
    assert_eq!(press(&mut app, KeyCode::Char('r')), Some(Action::Retry(7)));
    press(&mut app, KeyCode::Down);
    assert_eq!(press(&mut app, KeyCode::Char('r')), Some(Action::Retry(8)));
    assert_eq!(app.footer.notice(), Some("Retrying failure #8…"));
    app.update(Action::Notice(
        "Failure #8 queued for another attempt.".into(),
    ));
    assert_eq!(
        app.footer.notice(),
        Some("Failure #8 queued for another attempt.")
    );
}

#[test]
fn r_elsewhere_only_explains() {
    let mut app = loaded();
    let action = press(&mut app, KeyCode::Char('r'));
    assert_eq!(
        action,
        Some(Action::Notice(
            "Retry the selected failure works on the Failures panel — not here.".into()
        ))
    );
    assert!(app.take_requests().is_empty());

    let mut app = App::new();
    press(&mut app, KeyCode::Char('3'));
    let action = press(&mut app, KeyCode::Char('r'));
    assert!(matches!(action, Some(Action::Notice(_))), "{action:?}");
}

#[test]
fn movement_and_selection_survive_refreshes() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(
        app.products.selected().unwrap().id,
        3,
        "stops at the last row"
    );
    // k moves up on Products too.
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.products.selected().unwrap().id, 2);

    // Product 1 disappears; the selection stays on product 2.
    let mut samples = support::samples();
    samples.products.remove(0);
    app.update(Action::Refreshed(Box::new(samples.snapshot())));
    assert_eq!(app.products.selected().unwrap().id, 2);
    assert_eq!(app.products.selected_index(), Some(0));
}

#[test]
fn enter_toggles_detail_and_switching_closes_it() {
    let mut app = loaded();
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::OpenDetail));
    assert_eq!(press(&mut app, KeyCode::Enter), Some(Action::ClosePopup));
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.popup, None);
    // Nothing to detail on an empty panel.
    let mut empty = App::new();
    assert_eq!(press(&mut empty, KeyCode::Enter), None);
}
