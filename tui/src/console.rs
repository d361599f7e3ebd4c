//! The interactive console: terminal setup and the main loop.

use crate::action::{Action, Lists, Request};
use crate::app::App;
use crate::client::{self, ConnectError};
use crate::{clipboard, live, requests, ui};
use anyhow::Context;
use crossterm::event::{Event, EventStream};
use feedbridge_common::ConsoleClient;
use futures::StreamExt;
use ratatui::DefaultTerminal;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Redraw at least this often.
const TICK: Duration = Duration::from_secs(1);

/// Why the console did not run or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Run the console against the daemon at `socket` until the user quits. `notices` feeds extra
/// one-line messages to the status line: the demo's progress, so the console knows it runs
/// inside the demo (and asks before quitting stops it).
pub async fn run(
    socket: PathBuf,
    notices: Option<mpsc::UnboundedReceiver<String>>,
) -> Result<(), ConsoleError> {
    // Connect before touching the terminal so "no daemon" is a plain one-line error.
    let client = client::connect(&socket).await?;
    let mut terminal = ratatui::init();
    let restore = RestoreOnDrop;
    let mut app = App::new();
    app.demo = notices.is_some();
    if let Ok(size) = terminal.size() {
        app.set_screen(ui::table_rows(size.height));
    }
    // The first windows come with the live task's first refresh.
    let (actions_tx, actions_rx) = mpsc::unbounded_channel();
    let (lists_tx, lists_rx) = watch::channel(app.lists());
    let (live_task, client_rx) = live::spawn(socket.clone(), client, actions_tx.clone(), lists_rx);
    let forward = notices.map(|mut notices| {
        let tx = actions_tx.clone();
        tokio::spawn(async move {
            while let Some(message) = notices.recv().await {
                if tx.send(Action::Notice(message)).is_err() {
                    break;
                }
            }
        })
    });

    let channels = Channels {
        actions: actions_rx,
        actions_tx,
        client: client_rx,
        lists: lists_tx,
        socket,
    };
    let result = main_loop(&mut terminal, app, channels).await;
    drop(restore);

    live_task.abort();
    if let Some(forward) = forward {
        forward.abort();
    }
    result.map_err(ConsoleError::Other)
}

/// Restores the terminal even when the console's future is dropped (e.g. on SIGTERM).
struct RestoreOnDrop;

impl Drop for RestoreOnDrop {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// What the main loop talks to: its own action queue, the live task's client, and the
/// windows the live task fetches.
struct Channels {
    actions: mpsc::UnboundedReceiver<Action>,
    actions_tx: mpsc::UnboundedSender<Action>,
    client: watch::Receiver<Option<ConsoleClient>>,
    lists: watch::Sender<Lists>,
    /// For the palette's commands, whose errors name it.
    socket: PathBuf,
}

async fn main_loop(
    terminal: &mut DefaultTerminal,
    mut app: App,
    channels: Channels,
) -> anyhow::Result<()> {
    let Channels {
        mut actions,
        actions_tx,
        client,
        lists,
        socket,
    } = channels;
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        app.set_now(unix_now());
        let size = terminal
            .size()
            .context("Failed to read the terminal's size")?;
        app.set_screen(ui::table_rows(size.height));
        terminal
            .draw(|frame| ui::draw(frame, &app))
            .context("Failed to draw the console")?;
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => {
                    app.on_key(key);
                }
                Some(Ok(_)) => {} // resize and the like: redraw
                Some(Err(error)) => {
                    return Err(error).context("Failed to read terminal input");
                }
                None => return Ok(()),
            },
            Some(action) = actions.recv() => app.update(action),
            _ = tick.tick() => {}
        }
        // The live refresh fetches again the windows the panels show.
        let now_shown = app.lists();
        lists.send_if_modified(|shown| {
            let changed = *shown != now_shown;
            if changed {
                *shown = now_shown;
            }
            changed
        });
        for request in app.take_requests() {
            spawn_request(request, &client, &socket, actions_tx.clone());
        }
        write_copies(&mut app, terminal.backend_mut())
            .context("Failed to copy to the terminal's clipboard")?;
        if app.should_quit {
            return Ok(());
        }
    }
}

/// Put what the app copied (`y`) on the clipboard of the terminal `out` writes to.
pub fn write_copies(app: &mut App, out: &mut impl std::io::Write) -> std::io::Result<()> {
    for text in app.take_copies() {
        clipboard::copy(out, &text)?;
    }
    Ok(())
}

/// Now, in Unix seconds, for the relative ages the console shows.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Make one daemon call in the background; its answer comes back as an action.
fn spawn_request(
    request: Request,
    client: &watch::Receiver<Option<ConsoleClient>>,
    socket: &std::path::Path,
    actions: mpsc::UnboundedSender<Action>,
) {
    let client = client.borrow().clone();
    let socket = socket.to_path_buf();
    tokio::spawn(async move {
        let action = match client {
            None => requests::not_connected(&request),
            Some(client) => requests::perform(&client, &socket, request).await,
        };
        // The UI may be gone by now; nothing to do then.
        let _ = actions.send(action);
    });
}
