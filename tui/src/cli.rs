//! The command line: the console by default, scriptable subcommands, and the demo.

use crate::attributes_cli::{self, AttributeRulesCommand, AttributesCommand};
use crate::catalog_cli::{self, LinkCommand, SettingsCommand};
use crate::client::{self, ConnectError, ctx, long_ctx};
use crate::compliance_cli;
use crate::console::{self, ConsoleError};
use crate::format::{self, NONE, or_none, plural, text_table};
use crate::manual;
use crate::orders_cli::{self, CarriersCommand, FAILURE_KINDS, McfCommand};
use crate::settings::{self, Target};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};
use feedbridge_common::paths::client_socket;
use feedbridge_common::{
    CategoryRef, ConsoleClient, FailureKind, FailureView, ListingStatus, MAX_PAGE_ROWS,
    OrderFilter, OrderQuery, OrderSyncState, OrderView, ProductFilter, ProductView, StatusReport,
    Window,
};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

/// Console and command line for feedbridged, which keeps a store and TikTok Shop in step.
///
/// Without a subcommand, opens the live console.
#[derive(Debug, Parser)]
#[command(name = "feedbridge", version, after_help = EXIT_STATUS)]
pub struct Cli {
    /// The daemon's socket [default: $FEEDBRIDGE_SOCKET, else the per-user runtime dir].
    #[arg(long, global = true, value_name = "PATH")]
    pub socket: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The daemon's version, connections and counts.
    Status {
        /// Print the daemon's answer as JSON.
        #[arg(long)]
        json: bool,
    },
    /// TikTok orders and where each stands.
    Orders {
        /// Only orders in this sync state.
        #[arg(long, value_name = "STATE", value_parser = order_state_parser())]
        state: Option<OrderSyncState>,
        /// Only this TikTok shop's orders.
        #[arg(long, value_name = "NAME")]
        shop: Option<String>,
        /// Only orders whose TikTok order id or status, sync state, store order name, reason,
        /// or a seller SKU or tracking number contains TEXT (any case).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Everything about one order: lines, money, packages, differences, TikTok returns and
    /// refunds, and its timeline.
    Order {
        /// The ID column of `feedbridge orders`, or the TikTok order id.
        #[arg(value_name = "ID")]
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Look at an order again now (e.g. after linking its SKU, or to end its hold early).
    Resync {
        /// The ID column of `feedbridge orders`, or the TikTok order id.
        #[arg(value_name = "ORDER_ID")]
        id: String,
    },
    /// Store products and their listing on each TikTok shop.
    Products {
        /// Only products with this listing status.
        #[arg(long, value_name = "STATUS", value_parser = listing_status_parser())]
        status: Option<ListingStatus>,
        #[arg(long)]
        json: bool,
    },
    /// Open failures: what failed, why, and what to do.
    Failures {
        #[arg(long)]
        json: bool,
    },
    /// Retry the work behind one failure, or with --kind every open failure of a kind.
    Retry {
        #[arg(
            value_name = "FAILURE_ID",
            required_unless_present = "kind",
            conflicts_with = "kind"
        )]
        failure_id: Option<i64>,
        /// Retry every open failure of this kind.
        #[arg(long, value_name = "KIND", value_parser = failure_kind_parser())]
        kind: Option<FailureKind>,
        /// With --kind: only this organization's failures.
        #[arg(long, value_name = "NAME", requires = "kind")]
        org: Option<String>,
    },
    /// Leaf categories of a TikTok shop, optionally filtered by a search term; with
    /// --recommend, TikTok's suggestion for a product title.
    Categories {
        /// The shop's name in the config, e.g. "acme-us".
        shop: String,
        /// Case-insensitive text the category path must contain.
        #[arg(conflicts_with = "recommend")]
        search: Option<String>,
        /// Ask TikTok which category suits this product title.
        #[arg(long, value_name = "TITLE")]
        recommend: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Choose the TikTok category (a leaf) for listings: `map LISTING_ID CATEGORY_ID`, or
    /// `map --category CATEGORY_ID LISTING_ID...` for many.
    Map {
        /// Map every listing given to this category.
        #[arg(long, value_name = "CATEGORY_ID")]
        category: Option<String>,
        /// LISTING_ID CATEGORY_ID, or the listing ids with --category.
        #[arg(value_name = "ARGS", required = true)]
        args: Vec<String>,
        /// Print the per-listing report as JSON (with --category).
        #[arg(long)]
        json: bool,
    },
    /// Remove a listing's category (only before it is listed).
    Unmap {
        #[arg(value_name = "LISTING_ID")]
        listing_id: i64,
    },
    /// Submit listings to TikTok.
    List {
        #[arg(value_name = "LISTING_ID", required = true)]
        listing_ids: Vec<i64>,
    },
    /// Submit listings again after a fix (Failed to sync or Failed review).
    Resubmit {
        #[arg(value_name = "LISTING_ID", required = true)]
        listing_ids: Vec<i64>,
    },
    /// Everything about one listing: SKUs, review reasons, package facts, description.
    Product {
        #[arg(value_name = "LISTING_ID")]
        listing_id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Choose which SKUs of a listing go to TikTok (no SKU = all of them).
    Skus {
        #[arg(value_name = "LISTING_ID")]
        listing_id: i64,
        #[arg(value_name = "SELLER_SKU")]
        seller_skus: Vec<String>,
    },
    /// A listing's TikTok product attributes (or with --category a shop's defaults for every
    /// listing in a category): required or not, allowed values, the current value and where it
    /// came from. `set "NAME=VALUE[,VALUE]"...` and `unset NAME...` change them.
    Attributes {
        #[arg(
            value_name = "LISTING_ID",
            required_unless_present = "category",
            conflicts_with = "category"
        )]
        listing_id: Option<i64>,
        /// The defaults of a category on a shop instead of one listing.
        #[arg(long, num_args = 2, value_names = ["SHOP", "CATEGORY_ID"])]
        category: Option<Vec<String>>,
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        change: Option<AttributesCommand>,
    },
    /// A shop's rules taking TikTok attributes from store options (used where a listing and
    /// its category set no value); `map ATTRIBUTE STORE_OPTION` and `unmap ATTRIBUTE`.
    AttributeRules {
        shop: String,
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        change: Option<AttributeRulesCommand>,
    },
    /// A listing's brand (or with --category SHOP CATEGORY_ID, that category's default):
    /// `set BRAND_ID`, `set none` (no brand) or `clear`; without a change, show its compliance.
    Brand(compliance_cli::BrandArgs),
    /// A TikTok shop's brands (authorized ones can be used).
    Brands {
        shop: String,
        /// Case-insensitive text the brand name must contain.
        #[arg(long, value_name = "NAME")]
        search: Option<String>,
        /// Only brands usable in this category.
        #[arg(long, value_name = "CATEGORY_ID")]
        category: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A listing's size chart (or a category's default): `set PATH|URL|template:ID` or `clear`.
    SizeChart(compliance_cli::SizeChartArgs),
    /// A listing's certification documents (or a category's default): `set CERT_ID
    /// PATH|URL...` or `remove CERT_ID`.
    Certification(compliance_cli::CertificationArgs),
    /// A TikTok shop's EU manufacturer and responsible person: show, `set --manufacturer ID
    /// --responsible-person ID`, or `create manufacturer|responsible-person --name ...`.
    Compliance(compliance_cli::ShopComplianceArgs),
    /// Each store and TikTok shop connection: state, currency, region.
    Connections {
        #[arg(long)]
        json: bool,
    },
    /// Run every check of one connection (a store or TikTok shop name) now.
    TestConnection {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Authorize feedbridge for a TikTok shop: without --code, print the address to open;
    /// with --code and --state (from TikTok's redirect), finish.
    Authorize {
        shop: String,
        #[arg(long, value_name = "CODE", requires = "state")]
        code: Option<String>,
        #[arg(long, value_name = "STATE", requires = "code")]
        state: Option<String>,
    },
    /// Link store listings to products already on TikTok.
    #[command(subcommand)]
    Link(LinkCommand),
    /// A TikTok shop's carrier mappings (store carrier → TikTok provider); `map` and `unmap`
    /// change one.
    Carriers {
        shop: String,
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        change: Option<CarriersCommand>,
    },
    /// A shop's Amazon MCF rules; `exclude SKU...` and `include SKU...` change which seller
    /// SKUs never go to Amazon.
    Mcf {
        shop: String,
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        change: Option<McfCommand>,
    },
    /// A shop's rules for price, stock, package defaults and orders; `set KEY VALUE` changes one.
    Settings {
        shop: String,
        #[arg(long)]
        json: bool,
        #[command(subcommand)]
        change: Option<SettingsCommand>,
    },
    /// Connect, replace or disconnect an organization's store; the daemon checks the store,
    /// rewrites its config and secrets files and reloads.
    Store {
        organization: String,
        #[command(subcommand)]
        action: crate::store_cli::StoreCommand,
    },
    /// Run a self-contained demo: simulated store and TikTok (and Amazon), a real daemon, the
    /// console.
    #[cfg(feature = "demo")]
    Demo(crate::demo::args::DemoArgs),
    /// Print a shell completion script, e.g. `feedbridge completions bash >
    /// ~/.local/share/bash-completion/completions/feedbridge`.
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Write the man pages (feedbridge.1 and one per subcommand) into DIR (packaging).
    #[command(hide = true)]
    Man {
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
    },
}

fn order_state_parser() -> impl TypedValueParser<Value = OrderSyncState> {
    PossibleValuesParser::new(OrderSyncState::ALL.map(OrderSyncState::as_str))
        .try_map(|s| OrderSyncState::parse(&s).ok_or("unknown order state"))
}

fn failure_kind_parser() -> impl TypedValueParser<Value = FailureKind> {
    PossibleValuesParser::new(FAILURE_KINDS.map(|(name, _)| name)).try_map(|s| {
        FAILURE_KINDS
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, kind)| *kind)
            .ok_or("unknown failure kind")
    })
}

fn listing_status_parser() -> impl TypedValueParser<Value = ListingStatus> {
    PossibleValuesParser::new(ListingStatus::ALL.map(ListingStatus::as_str))
        .try_map(|s| ListingStatus::parse(&s).ok_or("unknown listing status"))
}

/// Exit status: 0 ok, 1 the daemon refused or something failed, 2 no daemon.
pub(crate) const EXIT_FAILED: u8 = 1;
const EXIT_NO_DAEMON: u8 = 2;

/// The exit statuses above (and clap's own 2 for a bad command line), for `--help` and the
/// man page.
const EXIT_STATUS: &str = "\
Exit status:
  0  done
  1  the daemon refused the request or it failed (the reason is on stderr)
  2  the daemon could not be reached: not running, or no permission on its socket (join group
     feedbridge); also a bad command line";

/// How a subcommand failed, deciding its one-line message and exit status.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("lost the connection to the daemon at {}: {source}", .socket.display())]
    Transport {
        socket: PathBuf,
        source: tarpc::client::RpcError,
    },
    #[error(transparent)]
    Rpc(#[from] feedbridge_common::rpc::RpcError),
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            Self::Connect(_) | Self::Transport { .. } => EXIT_NO_DAEMON,
            Self::Rpc(_) | Self::Other(_) => EXIT_FAILED,
        }
    }
}

/// Print one line to stderr and turn the error into the exit status.
pub(crate) fn fail(error: &CliError) -> ExitCode {
    let message = error.to_string().replace('\n', " ");
    eprintln!("feedbridge: {message}");
    ExitCode::from(error.exit_code())
}

pub async fn run(cli: Cli) -> ExitCode {
    let socket = client_socket(cli.socket.as_deref());
    let result = match cli.command {
        None => match console::run(socket, None).await {
            Ok(()) => Ok(()),
            Err(ConsoleError::Connect(error)) => Err(CliError::Connect(error)),
            Err(ConsoleError::Other(error)) => Err(CliError::Other(error)),
        },
        #[cfg(feature = "demo")]
        Some(Command::Demo(args)) => return crate::demo::args::run(args).await,
        Some(Command::Completions { shell }) => return manual::print_completions(shell),
        Some(Command::Man { dir }) => manual::write_man_pages(&dir).map_err(CliError::Other),
        Some(command) => run_command(socket, command).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

async fn run_command(socket: PathBuf, command: Command) -> Result<(), CliError> {
    precheck(&command)?;
    let client = client::connect(&socket).await?;
    let call = Call {
        socket,
        client,
        in_console: false,
    };
    let mut out = String::new();
    let result = execute(&call, command, &mut out).await;
    // What was printed before a failure (e.g. a mapping report) still shows.
    print!("{out}");
    result
}

/// A mistyped setting is refused before any daemon is involved.
fn precheck(command: &Command) -> Result<(), CliError> {
    if let Command::Settings {
        change: Some(SettingsCommand::Set { key, values }),
        ..
    } = command
    {
        settings::check(key, values).map_err(anyhow::Error::from)?;
    }
    Ok(())
}

/// Run one command line typed in the console's `:` palette (words after `feedbridge`) with
/// the console's daemon client: the same code as the CLI, its output returned as text.
pub async fn run_in_console(
    client: ConsoleClient,
    socket: PathBuf,
    words: Vec<String>,
) -> Result<String, String> {
    let command = parse_palette(&words).map_err(|shown| shown.unwrap_or_else(|e| e))?;
    precheck(&command).map_err(|e| e.to_string())?;
    let call = Call {
        socket,
        client,
        in_console: true,
    };
    let mut out = String::new();
    match execute(&call, command, &mut out).await {
        Ok(()) => Ok(out),
        Err(error) if out.is_empty() => Err(error.to_string()),
        Err(error) => Err(format!("{out}{error}")),
    }
}

/// The command a console palette line means, or what to show instead: clap's help (for
/// `help` and `--help`, Ok) or why the line is refused (Err).
pub fn parse_palette(words: &[String]) -> Result<Command, Result<String, String>> {
    let args = std::iter::once("feedbridge").chain(words.iter().map(String::as_str));
    let cli = Cli::try_parse_from(args).map_err(|error| {
        let text = error.render().to_string();
        match error.kind() {
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                Ok(text)
            }
            _ => Err(text),
        }
    })?;
    if cli.socket.is_some() {
        return Err(Err(
            "The console runs commands on the daemon it is connected to; leave out --socket."
                .into(),
        ));
    }
    match cli.command {
        None => Err(Err(
            "Type a command, e.g. retry 12 or settings SHOP (help lists them).".into(),
        )),
        #[cfg(feature = "demo")]
        Some(Command::Demo(_)) => Err(Err(
            "The demo starts from a shell, not inside the console.".into()
        )),
        Some(command) => Ok(command),
    }
}

/// One subcommand against a connected daemon; what it prints goes to `out`.
async fn execute(call: &Call, command: Command, out: &mut String) -> Result<(), CliError> {
    match command {
        Command::Status { json } => {
            let status = call.status().await?;
            emit(out, json, &status, format_status)
        }
        Command::Orders {
            state,
            shop,
            search,
            json,
        } => {
            let orders = if search.is_some() {
                // A search may stop at its cap: the daemon's note says so, beside the rows.
                let query = OrderQuery {
                    state,
                    shop,
                    search,
                    window: Window::first(MAX_PAGE_ROWS),
                    ..OrderQuery::default()
                };
                let page = call.client.order_page(ctx(), query).await;
                let page = page.map_err(|e| call.lost(e))??;
                if let Some(note) = &page.note {
                    eprintln!("Note: {note}.");
                }
                page.rows
            } else {
                let filter = OrderFilter {
                    state,
                    shop,
                    search,
                    limit: None,
                };
                call.orders(filter).await?
            };
            emit(out, json, &orders, |o| format_orders(o))
        }
        Command::Order { id, json } => {
            let order_id = call.order_id(&id).await?;
            let answer = call.client.order_detail(ctx(), order_id).await;
            let detail = answer.map_err(|e| call.lost(e))??;
            emit(out, json, &detail, orders_cli::format_order_detail)
        }
        Command::Resync { id } => {
            let order_id = call.order_id(&id).await?;
            let answer = call.client.resync_order(ctx(), order_id).await;
            say(out, answer.map_err(|e| call.lost(e))??);
            Ok(())
        }
        Command::Products { status, json } => {
            let filter = ProductFilter {
                status,
                limit: None,
            };
            let products = call.products(filter).await?;
            emit(out, json, &products, |p| format_products(p))
        }
        Command::Failures { json } => {
            let failures = call.failures().await?;
            emit(out, json, &failures, |f| format_failures(f))
        }
        Command::Retry {
            failure_id: Some(failure_id),
            ..
        } => {
            let message = call.retry(failure_id).await??;
            say(out, message);
            Ok(())
        }
        Command::Retry {
            failure_id: None,
            kind: Some(kind),
            org,
        } => {
            let answer = call.client.retry_failures(ctx(), kind, org.clone()).await;
            let queued = answer.map_err(|e| call.lost(e))??;
            say(
                out,
                format!(
                    "Queued {} ({}{}) for another attempt.",
                    plural(u64::from(queued), "failure", "failures"),
                    kind.label(),
                    org.map(|org| format!(" of {org}")).unwrap_or_default()
                ),
            );
            Ok(())
        }
        Command::Retry { .. } => {
            Err(anyhow::anyhow!("retry takes FAILURE_ID, or --kind KIND [--org NAME]").into())
        }
        Command::Carriers {
            shop,
            json,
            change: None,
        } => {
            let answer = call.client.carrier_choices(long_ctx(), shop).await;
            let choices = answer.map_err(|e| call.lost(e))??;
            emit(out, json, &choices, orders_cli::format_carriers)
        }
        Command::Carriers {
            shop,
            change: Some(change),
            ..
        } => {
            let (store_carrier, provider) = match change {
                CarriersCommand::Map {
                    store_carrier,
                    provider,
                } => (store_carrier, Some(provider)),
                CarriersCommand::Unmap { store_carrier } => (store_carrier, None),
            };
            let answer = call
                .client
                .set_carrier_mapping(ctx(), shop, store_carrier, provider)
                .await;
            say(out, answer.map_err(|e| call.lost(e))??);
            Ok(())
        }
        Command::Categories {
            shop,
            search: _,
            recommend: Some(title),
            json,
        } => {
            let answer = call
                .client
                .recommend_category(long_ctx(), shop, title)
                .await;
            let category = answer.map_err(|e| call.lost(e))??;
            emit(out, json, &category, |c| {
                format!(
                    "TikTok recommends {} ({}); map it with feedbridge map LISTING_ID {}\n",
                    c.name, c.id, c.id
                )
            })
        }
        Command::Categories {
            shop,
            search,
            recommend: None,
            json,
        } => {
            let categories = call.categories(shop, search.unwrap_or_default()).await??;
            emit(out, json, &categories, |c| format_categories(c))
        }
        Command::Brand(args) => compliance_cli::brand(call, args, out).await,
        Command::Brands {
            shop,
            search,
            category,
            json,
        } => compliance_cli::brands(call, shop, category, search, json, out).await,
        Command::SizeChart(args) => compliance_cli::size_chart(call, args, out).await,
        Command::Certification(args) => compliance_cli::certification(call, args, out).await,
        Command::Compliance(args) => compliance_cli::shop(call, args, out).await,
        Command::Map {
            category: None,
            args,
            json: _,
        } => {
            let [listing_id, category_id] = args.as_slice() else {
                return Err(anyhow::anyhow!(
                    "map takes LISTING_ID CATEGORY_ID, or --category CATEGORY_ID LISTING_ID..."
                )
                .into());
            };
            let message = call
                .map(listing_id_arg(listing_id)?, category_id.clone())
                .await??;
            say(out, message);
            Ok(())
        }
        Command::Map {
            category: Some(category_id),
            args,
            json,
        } => {
            let ids = args
                .iter()
                .map(|id| listing_id_arg(id))
                .collect::<Result<Vec<_>, _>>()?;
            let report = call
                .client
                .map_categories(ctx(), ids, category_id.clone())
                .await
                .map_err(|e| call.lost(e))??;
            emit(out, json, &report, |r| {
                catalog_cli::format_mapping(r, &category_id)
            })?;
            if report.refused.is_empty() {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "{} of {} not mapped; see why above",
                    report.refused.len(),
                    plural(
                        (report.refused.len() + report.mapped.len()) as u64,
                        "listing",
                        "listings"
                    )
                )
                .into())
            }
        }
        Command::Unmap { listing_id } => {
            let answer = call.client.unmap_category(ctx(), listing_id).await;
            say(out, answer.map_err(|e| call.lost(e))??);
            Ok(())
        }
        Command::List { listing_ids } => {
            let queued = call.list(listing_ids).await??;
            say(
                out,
                format!(
                    "Queued {} for submission to TikTok.",
                    plural(u64::from(queued), "listing", "listings")
                ),
            );
            Ok(())
        }
        Command::Resubmit { listing_ids } => {
            let answer = call.client.resubmit(ctx(), listing_ids).await;
            let queued = answer.map_err(|e| call.lost(e))??;
            say(
                out,
                format!(
                    "Queued {} for another submission to TikTok.",
                    plural(u64::from(queued), "listing", "listings")
                ),
            );
            Ok(())
        }
        Command::Product { listing_id, json } => {
            let answer = call.client.product_detail(ctx(), listing_id).await;
            let detail = answer.map_err(|e| call.lost(e))??;
            emit(out, json, &detail, catalog_cli::format_product)
        }
        Command::Attributes {
            listing_id,
            category,
            json,
            change,
        } => {
            let target =
                attributes_cli::target(listing_id, category).map_err(anyhow::Error::msg)?;
            match change {
                None => {
                    let answer = call.client.attribute_form(long_ctx(), target).await;
                    let form = answer.map_err(|e| call.lost(e))??;
                    emit(out, json, &form, attributes_cli::format_attribute_form)
                }
                Some(change) => {
                    let values = attributes_cli::changes(change).map_err(anyhow::Error::msg)?;
                    let answer = call.client.set_attributes(long_ctx(), target, values).await;
                    say(out, answer.map_err(|e| call.lost(e))??);
                    Ok(())
                }
            }
        }
        Command::AttributeRules { shop, json, change } => {
            let answer = match change {
                None => {
                    let answer = call.client.attribute_rules(ctx(), shop.clone()).await;
                    let rules = answer.map_err(|e| call.lost(e))??;
                    return emit(out, json, &rules, |r| {
                        attributes_cli::format_attribute_rules(&shop, r)
                    });
                }
                Some(AttributeRulesCommand::Map {
                    attribute,
                    store_option,
                }) => {
                    call.client
                        .set_attribute_rule(ctx(), shop, attribute, Some(store_option))
                        .await
                }
                Some(AttributeRulesCommand::Unmap { attribute }) => {
                    call.client
                        .set_attribute_rule(ctx(), shop, attribute, None)
                        .await
                }
            };
            say(out, answer.map_err(|e| call.lost(e))??);
            Ok(())
        }
        Command::Skus {
            listing_id,
            seller_skus,
        } => {
            let answer = call
                .client
                .select_skus(ctx(), listing_id, seller_skus)
                .await;
            say(out, answer.map_err(|e| call.lost(e))??);
            Ok(())
        }
        Command::Connections { json } => {
            let status = call.status().await?;
            let entries = catalog_cli::connection_entries(&status.organizations);
            emit(out, json, &entries, |e| catalog_cli::format_connections(e))
        }
        Command::TestConnection { name, json } => {
            let answer = call.client.test_connection(long_ctx(), name).await;
            let test = answer.map_err(|e| call.lost(e))??;
            emit(out, json, &test, catalog_cli::format_connection_test)?;
            if test.ok {
                Ok(())
            } else {
                Err(anyhow::anyhow!(catalog_cli::failed_checks(&test)).into())
            }
        }
        Command::Store {
            organization,
            action,
        } => {
            use crate::store_cli::{StoreCommand, store_change};
            let answer = match action {
                StoreCommand::Connect(target) | StoreCommand::Replace(target)
                    if call.in_console && target.credential_file.as_os_str() == "-" =>
                {
                    return Err(anyhow::anyhow!(
                        "The console has no stdin: give --credential-file a file"
                    )
                    .into());
                }
                StoreCommand::Connect(target) => {
                    let change = store_change(organization, target, false)?;
                    call.client.store_connect(long_ctx(), change).await
                }
                StoreCommand::Replace(target) => {
                    let change = store_change(organization, target, true)?;
                    call.client.store_connect(long_ctx(), change).await
                }
                StoreCommand::Disconnect => {
                    call.client.store_disconnect(long_ctx(), organization).await
                }
            };
            say(out, answer.map_err(|e| call.lost(e))??);
            Ok(())
        }
        Command::Authorize {
            shop,
            code: Some(code),
            state: Some(state),
        } => {
            let answer = call
                .client
                .finish_authorization(ctx(), shop, code, state)
                .await;
            say(out, answer.map_err(|e| call.lost(e))??);
            Ok(())
        }
        Command::Authorize { shop, .. } => {
            let answer = call.client.start_authorization(ctx(), shop).await;
            let start = answer.map_err(|e| call.lost(e))??;
            out.push_str(&catalog_cli::format_authorization(&start));
            Ok(())
        }
        Command::Link(LinkCommand::Preview { shop, json }) => {
            let answer = call.client.link_preview(long_ctx(), shop).await;
            let preview = answer.map_err(|e| call.lost(e))??;
            emit(out, json, &preview, catalog_cli::format_link_preview)
        }
        Command::Link(LinkCommand::Apply { shop }) => {
            let answer = call.client.link_apply(long_ctx(), shop.clone()).await;
            let linked = answer.map_err(|e| call.lost(e))??;
            say(
                out,
                format!(
                    "Linked {} on {shop}; their price and stock now follow the store.",
                    plural(u64::from(linked), "listing", "listings")
                ),
            );
            Ok(())
        }
        Command::Link(LinkCommand::Manual {
            listing_id,
            tiktok_product_id,
        }) => {
            let answer = call
                .client
                .link_manual(ctx(), listing_id, tiktok_product_id)
                .await;
            say(out, answer.map_err(|e| call.lost(e))??);
            Ok(())
        }
        Command::Mcf { shop, json, change } => {
            let answer = call.client.mcf_settings(ctx(), shop.clone()).await;
            let mut mcf = answer.map_err(|e| call.lost(e))??;
            let Some(change) = change else {
                return emit(out, json, &mcf, |m| {
                    orders_cli::format_mcf_settings(&shop, m)
                });
            };
            let (excluding, changed) = match &change {
                McfCommand::Exclude { skus } => {
                    (true, mcf.exclude(skus.iter().map(String::as_str)))
                }
                McfCommand::Include { skus } => {
                    (false, mcf.include(skus.iter().map(String::as_str)))
                }
            };
            if !changed.is_empty() {
                let answer = call
                    .client
                    .set_mcf_settings(ctx(), shop.clone(), mcf.clone())
                    .await;
                answer.map_err(|e| call.lost(e))??;
            }
            say(
                out,
                orders_cli::format_exclusion_change(&shop, excluding, &changed),
            );
            out.push_str(&orders_cli::format_mcf_settings(&shop, &mcf));
            Ok(())
        }
        Command::Settings {
            shop,
            json,
            change: None,
        } => {
            let (shop_settings, order_settings, mcf_settings) = call.all_settings(&shop).await?;
            let view = orders_cli::SettingsView {
                shop: &shop_settings,
                orders: &order_settings,
                mcf: &mcf_settings,
            };
            emit(out, json, &view, |v| format_all_settings(&shop, v))
        }
        Command::Settings {
            shop,
            json: _,
            change: Some(SettingsCommand::Set { key, values }),
        } => {
            let (mut shop_settings, mut order_settings, mut mcf_settings) =
                call.all_settings(&shop).await?;
            let answer = match settings::target(&key).map_err(anyhow::Error::from)? {
                Target::Shop => {
                    settings::apply(&mut shop_settings, &key, &values)
                        .map_err(anyhow::Error::from)?;
                    call.client
                        .set_shop_settings(ctx(), shop.clone(), shop_settings.clone())
                        .await
                }
                Target::Orders => {
                    settings::apply_order(&mut order_settings, &key, &values)
                        .map_err(anyhow::Error::from)?;
                    call.client
                        .set_order_settings(ctx(), shop.clone(), order_settings.clone())
                        .await
                }
                Target::Mcf => {
                    settings::apply_mcf(&mut mcf_settings, &key, &values)
                        .map_err(anyhow::Error::from)?;
                    call.client
                        .set_mcf_settings(ctx(), shop.clone(), mcf_settings.clone())
                        .await
                }
            };
            say(out, answer.map_err(|e| call.lost(e))??);
            let view = orders_cli::SettingsView {
                shop: &shop_settings,
                orders: &order_settings,
                mcf: &mcf_settings,
            };
            out.push_str(&format_all_settings(&shop, &view));
            Ok(())
        }
        #[cfg(feature = "demo")]
        Command::Demo(_) => Err(CliError::Other(anyhow::anyhow!(
            "internal: demo is handled before connecting"
        ))),
        Command::Completions { .. } | Command::Man { .. } => Err(CliError::Other(anyhow::anyhow!(
            "internal: completions and man are handled before connecting"
        ))),
    }
}

/// A shop's settings and order rules, one after the other.
fn format_all_settings(shop: &str, view: &orders_cli::SettingsView<'_>) -> String {
    let mut out = catalog_cli::format_settings(shop, view.shop);
    out.push_str(&orders_cli::format_order_settings(shop, view.orders));
    out.push_str(&orders_cli::format_mcf_settings(shop, view.mcf));
    out
}

/// A listing id typed on the command line.
fn listing_id_arg(text: &str) -> Result<i64, CliError> {
    text.parse().map_err(|_| {
        CliError::Other(anyhow::anyhow!(
            "'{text}' is not a listing id; use the number in the LISTING column of 'feedbridge products'"
        ))
    })
}

/// One connection plus its socket, so transport errors can name it.
pub(crate) struct Call {
    socket: PathBuf,
    pub(crate) client: ConsoleClient,
    /// Run from the console's palette: no stdin to read.
    in_console: bool,
}

type Rpc<T> = Result<T, CliError>;
type AppResult<T> = Result<T, feedbridge_common::rpc::RpcError>;

impl Call {
    pub(crate) fn lost(&self, source: tarpc::client::RpcError) -> CliError {
        CliError::Transport {
            socket: self.socket.clone(),
            source,
        }
    }

    /// The order an ID typed on the command line means: a TikTok order id if one matches
    /// exactly, else the console's order id.
    async fn order_id(&self, text: &str) -> Rpc<i64> {
        let text = text.trim();
        let filter = OrderFilter {
            search: Some(text.to_string()),
            ..OrderFilter::default()
        };
        let found = self.orders(filter).await?;
        if let Some(order) = found.iter().find(|o| o.tiktok_order_id == text) {
            return Ok(order.id);
        }
        text.parse().map_err(|_| {
            CliError::Other(anyhow::anyhow!(
                "no order '{text}'; use the ID column of 'feedbridge orders' or the TikTok order id"
            ))
        })
    }

    /// A shop's settings, its order rules and its Amazon MCF rules.
    async fn all_settings(
        &self,
        shop: &str,
    ) -> Rpc<(
        feedbridge_common::catalog::ShopSettings,
        feedbridge_common::orders::OrderSettings,
        feedbridge_common::mcf::McfSettings,
    )> {
        let (shop_settings, order_settings, mcf_settings) = tokio::join!(
            self.client.shop_settings(ctx(), shop.to_string()),
            self.client.order_settings(ctx(), shop.to_string()),
            self.client.mcf_settings(ctx(), shop.to_string()),
        );
        let shop_settings = shop_settings.map_err(|e| self.lost(e))??;
        let order_settings = order_settings.map_err(|e| self.lost(e))??;
        let mcf_settings = mcf_settings.map_err(|e| self.lost(e))??;
        Ok((shop_settings, order_settings, mcf_settings))
    }

    async fn status(&self) -> Rpc<StatusReport> {
        self.client.status(ctx()).await.map_err(|e| self.lost(e))
    }

    async fn orders(&self, filter: OrderFilter) -> Rpc<Vec<OrderView>> {
        self.client
            .orders(ctx(), filter)
            .await
            .map_err(|e| self.lost(e))
    }

    async fn products(&self, filter: ProductFilter) -> Rpc<Vec<ProductView>> {
        self.client
            .products(ctx(), filter)
            .await
            .map_err(|e| self.lost(e))
    }

    async fn failures(&self) -> Rpc<Vec<FailureView>> {
        self.client.failures(ctx()).await.map_err(|e| self.lost(e))
    }

    async fn retry(&self, id: i64) -> Rpc<AppResult<String>> {
        self.client
            .retry_failure(ctx(), id)
            .await
            .map_err(|e| self.lost(e))
    }

    async fn categories(&self, shop: String, search: String) -> Rpc<AppResult<Vec<CategoryRef>>> {
        self.client
            .categories(ctx(), shop, search)
            .await
            .map_err(|e| self.lost(e))
    }

    async fn map(&self, listing: i64, category: String) -> Rpc<AppResult<String>> {
        self.client
            .map_category(ctx(), listing, category)
            .await
            .map_err(|e| self.lost(e))
    }

    async fn list(&self, listings: Vec<i64>) -> Rpc<AppResult<u32>> {
        self.client
            .list_products(ctx(), listings)
            .await
            .map_err(|e| self.lost(e))
    }
}

/// Write `value` as one compact JSON document, or as text.
pub(crate) fn emit<T: Serialize + ?Sized>(
    out: &mut String,
    json: bool,
    value: &T,
    text: impl FnOnce(&T) -> String,
) -> Result<(), CliError> {
    if json {
        let json = serde_json::to_string(value).map_err(anyhow::Error::from)?;
        say(out, json);
    } else {
        out.push_str(&text(value));
    }
    Ok(())
}

/// One line of a command's output.
pub(crate) fn say(out: &mut String, line: impl std::fmt::Display) {
    out.push_str(&format!("{line}\n"));
}

pub fn format_status(status: &StatusReport) -> String {
    let mut out = format!(
        "feedbridged {} (pid {}, up {}){}\n",
        status.version,
        status.pid,
        format::uptime(status.uptime_secs),
        if status.draining { ", draining" } else { "" }
    );
    if let Some(degraded) = &status.degraded {
        out.push_str(&format!("{}\n", format::degraded(degraded)));
    }
    out.push_str(&format!("socket:   {}\n", status.socket));
    out.push_str(&format!("data dir: {}\n", status.data_dir));
    out.push_str(&format!(
        "{}, {}, {}, {} pending\n",
        plural(status.products_total, "product", "products"),
        plural(status.orders_total, "order", "orders"),
        plural(status.failures_open, "open failure", "open failures"),
        plural(status.jobs_pending, "job", "jobs"),
    ));
    if status.organizations.is_empty() {
        out.push_str("no organizations configured\n");
    }
    for org in &status.organizations {
        out.push_str(&format!("organization {}\n", org.name));
        out.push_str(&format!("  orders: {}\n", org.orders()));
        for connection in std::iter::once(&org.store)
            .chain(&org.shops)
            .chain(&org.fulfilment)
        {
            out.push_str(&format!(
                "  {} {}: {}",
                connection.platform,
                connection.name,
                format::connection_state(connection.state)
            ));
            if let Some(detail) = &connection.detail {
                out.push_str(&format!(" ({detail})"));
            }
            out.push('\n');
        }
    }
    out
}

pub fn format_orders(orders: &[OrderView]) -> String {
    if orders.is_empty() {
        return "No orders.\n".into();
    }
    let rows: Vec<Vec<String>> = orders
        .iter()
        .map(|o| {
            vec![
                o.id.to_string(),
                o.tiktok_order_id.clone(),
                o.shop.clone(),
                o.tiktok_status.clone(),
                o.sync_state.label().to_string(),
                format::order_store(o),
                format::order_tracking(o),
                or_none(o.reason.as_deref()),
            ]
        })
        .collect();
    text_table(
        &[
            "ID",
            "TIKTOK ORDER",
            "SHOP",
            "TIKTOK STATUS",
            "SYNC",
            "STORE ORDER",
            "TRACKING",
            "REASON",
        ],
        &rows,
    )
}

pub fn format_products(products: &[ProductView]) -> String {
    if products.is_empty() {
        return "No products.\n".into();
    }
    let rows: Vec<Vec<String>> = products
        .iter()
        .map(|p| {
            vec![
                p.id.to_string(),
                p.title.clone(),
                p.shop.clone(),
                p.status.label().to_string(),
                p.category
                    .as_ref()
                    .map_or_else(|| NONE.to_string(), |c| c.id.clone()),
                or_none(p.tiktok_product_id.as_deref()),
                format::product_reasons(p),
            ]
        })
        .collect();
    text_table(
        &[
            "LISTING",
            "TITLE",
            "SHOP",
            "STATUS",
            "CATEGORY",
            "TIKTOK PRODUCT",
            "REASONS",
        ],
        &rows,
    )
}

pub fn format_failures(failures: &[FailureView]) -> String {
    if failures.is_empty() {
        return "No open failures.\n".into();
    }
    let rows: Vec<Vec<String>> = failures
        .iter()
        .map(|f| {
            vec![
                f.id.to_string(),
                f.kind.label().to_string(),
                f.subject.clone(),
                f.reason.clone(),
                f.action.clone(),
                f.attempts.to_string(),
                format::failure_retryable(f).to_string(),
            ]
        })
        .collect();
    text_table(
        &[
            "ID",
            "KIND",
            "SUBJECT",
            "REASON",
            "ACTION",
            "ATTEMPTS",
            "RETRYABLE",
        ],
        &rows,
    )
}

pub fn format_categories(categories: &[CategoryRef]) -> String {
    if categories.is_empty() {
        return "No matching categories.\n".into();
    }
    let rows: Vec<Vec<String>> = categories
        .iter()
        .map(|c| vec![c.id.clone(), c.name.clone()])
        .collect();
    text_table(&["ID", "CATEGORY"], &rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn parses_filters_and_global_socket() {
        let cli = Cli::try_parse_from([
            "feedbridge",
            "orders",
            "--state",
            "in_store",
            "--json",
            "--socket",
            "/tmp/x.sock",
        ])
        .unwrap();
        assert_eq!(
            cli.socket.as_deref(),
            Some(std::path::Path::new("/tmp/x.sock"))
        );
        match cli.command {
            Some(Command::Orders {
                state, json, shop, ..
            }) => {
                assert_eq!(state, Some(OrderSyncState::InStore));
                assert!(json);
                assert_eq!(shop, None);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["feedbridge", "orders", "--state", "lost"]).is_err());
        assert!(Cli::try_parse_from(["feedbridge", "list"]).is_err());
    }

    #[test]
    fn retry_takes_an_id_or_a_kind() {
        let parse =
            |args: &[&str]| Cli::try_parse_from([&["feedbridge", "retry"][..], args].concat());
        match parse(&["7"]).unwrap().command {
            Some(Command::Retry {
                failure_id: Some(7),
                kind: None,
                org: None,
            }) => {}
            other => panic!("{other:?}"),
        }
        match parse(&["--kind", "tracking_to_store", "--org", "demo"])
            .unwrap()
            .command
        {
            Some(Command::Retry {
                failure_id: None,
                kind: Some(FailureKind::TrackingToStore),
                org: Some(org),
            }) => assert_eq!(org, "demo"),
            other => panic!("{other:?}"),
        }
        for (name, kind) in FAILURE_KINDS {
            let cli = parse(&["--kind", name]).unwrap();
            assert!(
                matches!(cli.command, Some(Command::Retry { kind: Some(k), .. }) if k == kind),
                "{name}"
            );
            // The names are the daemon's own.
            assert_eq!(serde_json::to_value(kind).unwrap(), name);
        }
        assert!(parse(&[]).is_err(), "an id or a kind");
        assert!(parse(&["7", "--kind", "listing"]).is_err(), "not both");
        assert!(parse(&["--org", "demo"]).is_err(), "--org needs --kind");
        assert!(parse(&["--kind", "tracking"]).is_err());
    }

    #[test]
    fn help_states_every_exit_status() {
        let help = Cli::command().render_help().to_string();
        for code in [0, EXIT_FAILED, EXIT_NO_DAEMON] {
            assert!(help.contains(&format!("\n  {code}  ")), "{code}: {help}");
        }
    }

    #[test]
    #[cfg(feature = "demo")]
    fn demo_defaults() {
        let cli = Cli::try_parse_from(["feedbridge", "demo", "--headless"]).unwrap();
        match cli.command {
            Some(Command::Demo(args)) => {
                assert!(args.headless);
                assert_eq!(args.duration, 60);
                assert_eq!(args.products, 6);
                assert!(args.data_dir.is_none());
            }
            other => panic!("{other:?}"),
        }
    }
}
