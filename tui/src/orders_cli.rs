//! The order subcommands' output: one order's detail, a shop's carrier mappings and its order
//! settings. Parsing lives in [`crate::cli`].

use crate::format::{self, NONE, text_table, utc};
use crate::settings;
use clap::Subcommand;
use feedbridge_common::FailureKind;
use feedbridge_common::catalog::ShopSettings;
use feedbridge_common::mcf::McfSettings;
use feedbridge_common::orders::{CarrierChoices, OrderDetail, OrderSettings};
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum CarriersCommand {
    /// Send tracking from STORE_CARRIER to TikTok as PROVIDER (one of the shop's providers).
    Map {
        #[arg(value_name = "STORE_CARRIER")]
        store_carrier: String,
        #[arg(value_name = "PROVIDER")]
        provider: String,
    },
    /// Remove the mapping of STORE_CARRIER.
    Unmap {
        #[arg(value_name = "STORE_CARRIER")]
        store_carrier: String,
    },
}

/// `feedbridge mcf SHOP ...`: change which seller SKUs never go to Amazon MCF.
#[derive(Debug, Subcommand)]
pub enum McfCommand {
    /// Never send these seller SKUs to Amazon: an order holding one is routed as if Amazon
    /// held none of it (to the store, or blocked when mixed with SKUs Amazon ships).
    Exclude {
        #[arg(value_name = "SKU", required = true)]
        skus: Vec<String>,
    },
    /// Let these seller SKUs go to Amazon again.
    Include {
        #[arg(value_name = "SKU", required = true)]
        skus: Vec<String>,
    },
}

/// What `mcf SHOP exclude|include` changed, in a sentence.
pub fn format_exclusion_change(shop: &str, excluding: bool, changed: &[String]) -> String {
    let skus = changed.join(", ");
    match (excluding, changed.is_empty()) {
        (true, true) => {
            format!("Nothing changed: those SKUs were already excluded from Amazon MCF on {shop}.")
        }
        (true, false) => format!(
            "Excluded from Amazon MCF on {shop}: {skus}; orders not yet sent holding them are routed as if Amazon held none."
        ),
        (false, true) => {
            format!("Nothing changed: none of those SKUs was excluded from Amazon MCF on {shop}.")
        }
        (false, false) => format!("Amazon MCF may ship {skus} again on {shop}."),
    }
}

/// The names `retry --kind` takes (the daemon's own names for failure kinds).
pub const FAILURE_KINDS: [(&str, FailureKind); 10] = [
    ("order_create", FailureKind::OrderCreate),
    ("tracking_push", FailureKind::TrackingPush),
    ("order_cancel", FailureKind::OrderCancel),
    ("tracking_to_store", FailureKind::TrackingToStore),
    ("listing", FailureKind::Listing),
    ("inventory_push", FailureKind::InventoryPush),
    ("connection", FailureKind::Connection),
    ("mcf", FailureKind::Mcf),
    ("storage", FailureKind::Storage),
    ("return_refund", FailureKind::ReturnRefund),
];

/// `feedbridge settings SHOP --json`: the shop's settings as before, plus its order rules.
#[derive(Debug, Serialize)]
pub struct SettingsView<'a> {
    #[serde(flatten)]
    pub shop: &'a ShopSettings,
    pub orders: &'a OrderSettings,
    pub mcf: &'a McfSettings,
}

pub fn format_order_detail(detail: &OrderDetail) -> String {
    let order = &detail.order;
    let mut out = format!(
        "TikTok order {} (order {} on {}, organization {})\n",
        order.tiktok_order_id, order.id, order.shop, order.organization
    );
    let mut field = |name: &str, value: String| out.push_str(&format!("{name:<15} {value}\n"));
    field("tiktok status:", order.tiktok_status.clone());
    field(
        "sync:",
        match &order.reason {
            Some(reason) => format!("{} — {reason}", order.sync_state.label()),
            None => order.sync_state.label().to_string(),
        },
    );
    field("fulfilment:", format::fulfilment(detail));
    field("store order:", format::store_order_long(order));
    if let Some(until) = detail.hold_until {
        field("held until:", utc(until));
    }
    field("created:", utc(order.created_at));
    field("updated:", utc(order.updated_at));
    if !detail.differences.is_empty() {
        out.push_str("\ndifferences from TikTok:\n");
        for difference in &detail.differences {
            out.push_str(&format!("  ! {difference}\n"));
        }
    }
    if !detail.returns.is_empty() {
        out.push_str("\nreturns and refunds:\n");
        for request in &detail.returns {
            let (head, history) = format::order_return(request);
            out.push_str(&format!("  {head}\n    {history}\n"));
        }
    }
    let lines: Vec<Vec<String>> = order
        .lines
        .iter()
        .map(|l| {
            vec![
                l.seller_sku.clone(),
                l.quantity.to_string(),
                l.unit_price.to_string(),
            ]
        })
        .collect();
    out.push_str("\nlines:\n");
    for line in text_table(&["SELLER SKU", "QTY", "UNIT PRICE"], &lines).lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str("\npayment:\n");
    let rows = format::payment_rows(detail);
    let label_width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0) + 1;
    let amount_width = rows.iter().map(|(_, a)| a.len()).max().unwrap_or(0);
    for (label, amount) in rows {
        out.push_str(&format!(
            "  {:<label_width$} {amount:>amount_width$}\n",
            format!("{}:", label.to_lowercase())
        ));
    }
    out.push_str("\npackages:\n");
    if detail.packages.is_empty() {
        out.push_str("  none yet\n");
    } else {
        let rows: Vec<Vec<String>> = detail
            .packages
            .iter()
            .map(|p| {
                vec![
                    p.tiktok_package_id.clone(),
                    p.carrier.clone(),
                    p.tracking_number.clone(),
                    p.direction.clone(),
                    p.lines
                        .iter()
                        .map(|(sku, quantity)| format!("{sku} × {quantity}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect();
        let table = text_table(
            &["PACKAGE", "CARRIER", "TRACKING", "DIRECTION", "LINES"],
            &rows,
        );
        for line in table.lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    if let Some(mcf) = &order.fulfilment {
        out.push_str(&format!(
            "\namazon mcf:\n  fulfilment order {} — {}\n",
            mcf.fulfilment_order_id,
            format::amazon_status(mcf)
        ));
        if let Some(error) = &mcf.last_error {
            out.push_str(&format!("  ! {error}\n"));
        }
        let packages = format::amazon_packages(mcf);
        if packages.is_empty() {
            out.push_str("  no packages shipped yet\n");
        }
        for line in packages {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push_str("\ntimeline (oldest first):\n");
    if detail.timeline.is_empty() {
        out.push_str(&format!("  {NONE}\n"));
    }
    for event in &detail.timeline {
        out.push_str(&format!("  {}  {}\n", utc(event.at), event.message));
    }
    out
}

pub fn format_carriers(choices: &CarrierChoices) -> String {
    let mut out = format!("carrier mappings of {}\n", choices.shop);
    if choices.mappings.is_empty() {
        out.push_str("  none: carriers go to TikTok by name\n");
    } else {
        let rows: Vec<Vec<String>> = choices
            .mappings
            .iter()
            .map(|m| vec![m.store_carrier.clone(), m.tiktok_provider.clone()])
            .collect();
        for line in text_table(&["STORE CARRIER", "TIKTOK PROVIDER"], &rows).lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push_str(&match &choices.region_default {
        Some(default) => format!(
            "region default: {default} (a carrier with no mapping and no provider of the same \
             name falls back to it, with a warning)\n"
        ),
        None => "region default: none\n".to_string(),
    });
    if !choices.unmapped_seen.is_empty() {
        out.push_str(&format!(
            "seen unmapped (map with: feedbridge carriers {} map \"CARRIER\" \"PROVIDER\"):\n",
            choices.shop
        ));
        for name in &choices.unmapped_seen {
            out.push_str(&format!("  {name}\n"));
        }
    }
    out.push_str(&format!(
        "TikTok providers: {}\n",
        if choices.providers.is_empty() {
            NONE.to_string()
        } else {
            choices.providers.join(", ")
        }
    ));
    out
}

/// Amazon MCF rules by the keys `settings SHOP set` takes, so what is shown can be typed back.
pub fn format_mcf_settings(shop: &str, settings: &McfSettings) -> String {
    let rows = [
        ("mcf-speed", settings.speed.as_str().to_ascii_lowercase()),
        (
            "mcf-policy",
            settings::fill_policy_name(settings.policy).to_string(),
        ),
        (
            "mcf-max-units",
            settings
                .max_units
                .map_or_else(|| "none".to_string(), |n| n.to_string()),
        ),
        (
            "mcf-max-value",
            settings
                .max_order_value
                .map_or_else(|| "none".to_string(), |v| v.to_string()),
        ),
    ];
    let excluded = if settings.excluded_skus.is_empty() {
        "none".to_string()
    } else {
        settings
            .excluded_skus
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let rows = [rows.as_slice(), &[("mcf-excluded", excluded)]].concat();
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = format!("amazon mcf settings of {shop}\n");
    for (key, value) in rows {
        out.push_str(&format!("  {key:<width$}  {value}\n"));
    }
    out
}

/// Order rules by the keys `settings SHOP set` takes, so what is shown can be typed back.
pub fn format_order_settings(shop: &str, settings: &OrderSettings) -> String {
    let or_none = |text: &str| {
        if text.is_empty() {
            "none".to_string()
        } else {
            text.to_string()
        }
    };
    let rule = settings.fbt_rule.label();
    let rows = [
        ("hold", settings.hold_minutes.to_string()),
        ("order-prefix", or_none(&settings.order_number_prefix)),
        (
            "fbt-rule",
            format!(
                "{} — {}",
                settings::fbt_rule_name(settings.fbt_rule),
                rule.split_once(": ").map_or(rule, |(_, what)| what)
            ),
        ),
        ("fbt-tag", or_none(&settings.fbt_tag)),
        (
            "inventory",
            settings::inventory_name(settings.inventory_behaviour).to_string(),
        ),
        (
            "restock",
            settings::on_off(settings.restock_on_cancel).to_string(),
        ),
        (
            "mirror-refunds",
            settings::on_off(settings.mirror_refunds_to_store).to_string(),
        ),
        ("carriers", format::carrier_mappings(settings)),
    ];
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = format!("order settings of {shop}\n");
    for (key, value) in rows {
        out.push_str(&format!("  {key:<width$}  {value}\n"));
    }
    out
}
