//! The console against the real daemon and simulators: its own `App`, keys pressed as a
//! merchant presses them, its daemon calls made over the socket as its main loop makes them,
//! each frame drawn on a `TestBackend`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use feedbridge_common::{ListingStatus, ProductFilter};
use feedbridge_sandbox::SandboxConfig;
use feedbridge_tests::rig::{RIG_WAIT, Rig};
use feedbridge_tests::wait_for;
use feedbridge_tui::action::Action;
use feedbridge_tui::app::{App, Popup};
use feedbridge_tui::{client, live, requests, ui};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;
use tarpc::context;

/// Needs the product attribute "Material", which the seeded store products lack.
const NEEDS_MATERIAL: &str = "601226";

/// The console driven key by key against the daemon's socket.
struct Console {
    app: App,
    terminal: Terminal<TestBackend>,
    client: feedbridge_common::ConsoleClient,
    socket: std::path::PathBuf,
}

impl Console {
    async fn open(socket: &std::path::Path) -> anyhow::Result<Self> {
        let (width, height) = (120, 40);
        let client = client::connect(socket).await?;
        let mut app = App::new();
        app.set_screen(ui::table_rows(height));
        let mut console = Self {
            app,
            terminal: Terminal::new(TestBackend::new(width, height))?,
            client,
            socket: socket.to_path_buf(),
        };
        console.refresh().await?;
        Ok(console)
    }

    /// What the live task does after a daemon event: fetch the windows shown.
    async fn refresh(&mut self) -> anyhow::Result<()> {
        let snapshot = live::fetch(&self.client, &self.app.lists()).await?;
        self.app.update(Action::Refreshed(Box::new(snapshot)));
        self.settle().await
    }

    /// Make every daemon call the app asked for (and those their answers ask for), then draw.
    async fn settle(&mut self) -> anyhow::Result<()> {
        loop {
            let asked = self.app.take_requests();
            if asked.is_empty() {
                break;
            }
            for request in asked {
                let answer = requests::perform(&self.client, &self.socket, request).await;
                self.app.update(answer);
            }
        }
        let app = &mut self.app;
        self.terminal.draw(|frame| ui::draw(frame, app))?;
        Ok(())
    }

    async fn press(&mut self, code: KeyCode) -> anyhow::Result<()> {
        let modifiers = match code {
            KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
            _ => KeyModifiers::NONE,
        };
        self.app.on_key(KeyEvent::new(code, modifiers));
        self.settle().await
    }

    async fn typed(&mut self, text: &str) -> anyhow::Result<()> {
        for c in text.chars() {
            self.press(KeyCode::Char(c)).await?;
        }
        Ok(())
    }

    fn screen(&self) -> String {
        let buffer = self.terminal.backend().buffer();
        let width = usize::from(buffer.area.width);
        let cells: Vec<&str> = buffer.content().iter().map(|c| c.symbol()).collect();
        cells
            .chunks(width)
            .map(|row| row.concat())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Values TikTok stored for one attribute of a created product: (value id, name).
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

/// Issue 15's acceptance: a product whose category requires an attribute no store option
/// fills is listed after typing the values in the console's attribute form (the category's
/// default typed in its own form), and the values reach TikTok's create call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribute_values_typed_in_the_console_reach_tiktoks_create_call() -> anyhow::Result<()> {
    let rig = Rig::start(
        SandboxConfig {
            products: 1,
            variants_per_product: Some(3),
            ..SandboxConfig::default()
        },
        |config| config,
    )
    .await?;
    let listing = rig.listings(1).await?.remove(0);
    rig.console
        .map_category(context::current(), listing.id, NEEDS_MATERIAL.into())
        .await??;

    let mut console = Console::open(&rig.daemon.socket).await?;
    console.press(KeyCode::Char('2')).await?;
    console.press(KeyCode::Char('a')).await?;
    let Some(Popup::Attributes(editor)) = &console.app.popup else {
        anyhow::bail!("no attribute form:\n{}", console.screen());
    };
    let fields: Vec<&str> = editor.fields().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(fields.first(), Some(&"Material"), "{fields:?}");
    let screen = console.screen();
    assert!(screen.contains("Material *"), "{screen}");
    assert!(screen.contains("required"), "{screen}");

    // Material takes several values from TikTok's list: Linen, then Cotton.
    console.press(KeyCode::Enter).await?;
    console.typed("lin").await?;
    let screen = console.screen();
    assert!(screen.contains("[ ] Linen"), "{screen}");
    console.press(KeyCode::Enter).await?;
    console.typed("cot").await?;
    console.press(KeyCode::Enter).await?;
    console.press(KeyCode::Esc).await?;
    console.press(KeyCode::Char('w')).await?;
    let Some(Popup::Attributes(editor)) = &console.app.popup else {
        anyhow::bail!("the form closed on save:\n{}", console.screen());
    };
    assert!(
        matches!(&editor.answer, Some(Ok(said)) if said.contains("Material = Linen, Cotton")),
        "{:?}",
        editor.answer
    );
    assert!(
        editor.fields()[0].problem.is_none(),
        "{:?}",
        editor.fields()
    );
    console.press(KeyCode::Esc).await?;

    // Pattern as the category's default on the shop, in the category's form.
    console.press(KeyCode::Char('A')).await?;
    let Some(Popup::Attributes(editor)) = &console.app.popup else {
        anyhow::bail!("no category form:\n{}", console.screen());
    };
    let pattern = editor
        .fields()
        .iter()
        .position(|f| f.name == "Pattern")
        .ok_or_else(|| anyhow::anyhow!("no Pattern in {:?}", editor.fields()))?;
    let screen = console.screen();
    assert!(screen.contains("(defaults)"), "{screen}");
    for _ in 0..pattern {
        console.press(KeyCode::Down).await?;
    }
    console.press(KeyCode::Enter).await?;
    console.typed("stri").await?;
    console.press(KeyCode::Enter).await?;
    console.press(KeyCode::Char('w')).await?;
    console.press(KeyCode::Esc).await?;

    console.press(KeyCode::Char('l')).await?;
    let listed = wait_for("the listing to be under review", RIG_WAIT, || async {
        let products = rig
            .console
            .products(context::current(), ProductFilter::default())
            .await?;
        Ok(products
            .into_iter()
            .find(|p| p.id == listing.id && p.status == ListingStatus::UnderReview))
    })
    .await
    .map_err(|e| rig.with_log(e))?;

    let created = rig
        .control
        .tiktok_calls()
        .await?
        .into_iter()
        .filter(|c| c.method == "POST" && c.path == "/product/202309/products")
        .count();
    assert_eq!(created, 1, "one create call");
    let product_id = listed.tiktok_product_id.unwrap_or_default();
    let remote = rig
        .control
        .tiktok_products()
        .await?
        .into_iter()
        .find(|p| p["id"] == product_id.as_str())
        .ok_or_else(|| anyhow::anyhow!("TikTok product {product_id} not found"))?;
    let pair = |id: &str, name: &str| (id.to_owned(), name.to_owned());
    assert_eq!(
        sent_values(&remote, "100392"),
        vec![pair("1003", "Linen"), pair("1001", "Cotton")],
        "{remote}"
    );
    assert_eq!(
        sent_values(&remote, "100395"),
        vec![pair("1102", "Striped")],
        "{remote}"
    );
    Ok(())
}
