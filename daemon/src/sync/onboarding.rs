//! Onboarding checks of a TikTok shop's logistics setup: an enabled sales warehouse, delivery
//! options turned on for it, a return warehouse. Each failing check names the Seller Center
//! page where the seller fixes it. Pure: the connection test reads the setup and calls this.
//!
//! TikTok's Partner API exposes no shipping templates (only warehouses, their delivery
//! options and each option's shipping providers, §4.2), so they are pointed at, not checked.

use crate::connector::{Warehouse, WarehouseKind, WarehouseSetup};
use feedbridge_common::catalog::ConnectionCheck;

pub const WAREHOUSE_SETTINGS: &str = "Seller Center → Shipping → Warehouse settings";
pub const DELIVERY_OPTIONS: &str = "Seller Center → Shipping → Delivery options";
const SHIPPING_TEMPLATES: &str = "Seller Center → Shipping → Shipping templates";

/// What the checks found: the rows, the warehouse stock goes to, and whether a failure
/// stops selling (a missing return warehouse does not).
pub struct Onboarding {
    pub checks: Vec<ConnectionCheck>,
    pub sales_warehouse: Option<String>,
    pub blocks_selling: bool,
}

fn check(what: &str, ok: bool, detail: String) -> ConnectionCheck {
    ConnectionCheck {
        what: what.to_owned(),
        ok,
        detail,
    }
}

/// The sales warehouse feedbridge uses: the default one if enabled, else the first enabled.
/// A disabled or restricted warehouse is never used, even when it is the default.
fn preferred_sales<W>(
    warehouses: &[W],
    facts: impl Fn(&W) -> (WarehouseKind, bool, bool),
) -> Option<&W> {
    let mut usable = warehouses.iter().filter(|w| {
        let (kind, enabled, _) = facts(w);
        kind == WarehouseKind::Sales && enabled
    });
    let first = usable.clone().next();
    usable.find(|w| facts(w).2).or(first)
}

fn chosen_sales_warehouse(setup: &[WarehouseSetup]) -> Option<&WarehouseSetup> {
    preferred_sales(setup, |w| (w.kind, w.enabled(), w.is_default))
}

/// The warehouse stock goes to, as the connection check learns it, or why there is none
/// (naming the warehouses' states and the Seller Center page to fix it).
pub fn sales_warehouse(warehouses: &[Warehouse]) -> Result<&Warehouse, String> {
    if let Some(chosen) = preferred_sales(warehouses, |w| (w.kind, w.enabled(), w.is_default)) {
        return Ok(chosen);
    }
    let sales: Vec<String> = warehouses
        .iter()
        .filter(|w| w.kind == WarehouseKind::Sales)
        .map(|w| format!("{} is {}", w.name, w.effect_status))
        .collect();
    Err(if sales.is_empty() {
        format!(
            "the TikTok shop has no sales warehouse, so nothing can be stocked or sold: add one in {WAREHOUSE_SETTINGS}, then test the connection again"
        )
    } else {
        format!(
            "no sales warehouse of the TikTok shop is enabled ({}): enable one in {WAREHOUSE_SETTINGS}, then test the connection again",
            sales.join(", ")
        )
    })
}

pub fn check_logistics(setup: &[WarehouseSetup]) -> Onboarding {
    let mut checks = Vec::new();
    let mut blocks_selling = false;
    let sales: Vec<&WarehouseSetup> = setup
        .iter()
        .filter(|w| w.kind == WarehouseKind::Sales)
        .collect();
    let chosen = chosen_sales_warehouse(setup);
    match chosen {
        Some(warehouse) => checks.push(check(
            "Sales warehouse",
            true,
            format!(
                "{} is enabled ({} sales warehouse(s) in all)",
                warehouse.name,
                sales.len()
            ),
        )),
        None if sales.is_empty() => {
            blocks_selling = true;
            checks.push(check(
                "Sales warehouse",
                false,
                format!(
                    "the shop has no sales warehouse, so nothing can be stocked or sold: add one in {WAREHOUSE_SETTINGS}, then test again"
                ),
            ));
        }
        None => {
            blocks_selling = true;
            let states: Vec<String> = sales
                .iter()
                .map(|w| format!("{} is {}", w.name, w.effect_status))
                .collect();
            checks.push(check(
                "Sales warehouse",
                false,
                format!(
                    "no sales warehouse is enabled ({}): enable one in {WAREHOUSE_SETTINGS}, then test again",
                    states.join(", ")
                ),
            ));
        }
    }
    if let Some(warehouse) = chosen {
        if warehouse.delivery_options.is_empty() {
            blocks_selling = true;
            checks.push(check(
                "Delivery options",
                false,
                format!(
                    "{} has no delivery option turned on, so buyers cannot check out: turn on at least one (e.g. Standard shipping) in {DELIVERY_OPTIONS}, then test again",
                    warehouse.name
                ),
            ));
        } else {
            checks.push(check(
                "Delivery options",
                true,
                format!(
                    "{} ships with {}; shipping templates are not readable through TikTok's API: review them in {SHIPPING_TEMPLATES}",
                    warehouse.name,
                    warehouse.delivery_options.join(", ")
                ),
            ));
        }
    }
    match setup
        .iter()
        .find(|w| w.kind == WarehouseKind::Return && w.enabled())
    {
        Some(returns) => checks.push(check(
            "Return warehouse",
            true,
            format!("returns go to {}", returns.name),
        )),
        None => checks.push(check(
            "Return warehouse",
            false,
            format!(
                "the shop has no enabled return warehouse, so buyers' returns have no address: add one in {WAREHOUSE_SETTINGS}; orders and stock keep syncing meanwhile"
            ),
        )),
    }
    Onboarding {
        checks,
        sales_warehouse: chosen.map(|w| w.id.clone()),
        blocks_selling,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warehouse(id: &str, kind: WarehouseKind, status: &str, default: bool) -> WarehouseSetup {
        WarehouseSetup {
            id: id.into(),
            name: format!("Warehouse {id}"),
            kind,
            effect_status: status.into(),
            is_default: default,
            delivery_options: if kind == WarehouseKind::Sales && status == "ENABLED" {
                vec!["Standard shipping".into()]
            } else {
                Vec::new()
            },
        }
    }

    fn failing(onboarding: &Onboarding) -> Vec<&str> {
        onboarding
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.what.as_str())
            .collect()
    }

    fn healthy() -> Vec<WarehouseSetup> {
        vec![
            warehouse("1", WarehouseKind::Sales, "ENABLED", true),
            warehouse("2", WarehouseKind::Sales, "ENABLED", false),
            warehouse("3", WarehouseKind::Return, "ENABLED", false),
        ]
    }

    #[test]
    fn a_healthy_setup_passes_every_check_and_uses_the_default_warehouse() {
        let onboarding = check_logistics(&healthy());
        assert!(failing(&onboarding).is_empty(), "{:?}", onboarding.checks);
        assert_eq!(onboarding.sales_warehouse.as_deref(), Some("1"));
        assert!(!onboarding.blocks_selling);
        let names: Vec<&str> = onboarding.checks.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(
            names,
            ["Sales warehouse", "Delivery options", "Return warehouse"]
        );
    }

    fn plain(id: &str, kind: WarehouseKind, status: &str, default: bool) -> Warehouse {
        Warehouse {
            id: id.into(),
            name: format!("Warehouse {id}"),
            kind,
            effect_status: status.into(),
            is_default: default,
        }
    }

    #[test]
    fn the_sales_warehouse_is_the_enabled_default_else_the_first_enabled_one() {
        let mut warehouses = vec![
            plain("1", WarehouseKind::Other, "ENABLED", false),
            plain("2", WarehouseKind::Sales, "ENABLED", false),
            plain("3", WarehouseKind::Sales, "ENABLED", true),
        ];
        assert_eq!(sales_warehouse(&warehouses).map(|w| w.id.as_str()), Ok("3"));
        // A disabled default is never used.
        warehouses[2].effect_status = "DISABLED".into();
        assert_eq!(sales_warehouse(&warehouses).map(|w| w.id.as_str()), Ok("2"));
        warehouses[1].effect_status = "RESTRICTED".into();
        let why = sales_warehouse(&warehouses).unwrap_err();
        assert!(why.contains("Warehouse 2 is RESTRICTED"), "{why}");
        assert!(why.contains("Warehouse 3 is DISABLED"), "{why}");
        assert!(why.contains(WAREHOUSE_SETTINGS), "{why}");
        let none = sales_warehouse(&warehouses[..1]).unwrap_err();
        assert!(none.contains("no sales warehouse"), "{none}");
    }

    #[test]
    fn a_disabled_default_falls_back_to_another_enabled_sales_warehouse() {
        let mut setup = healthy();
        setup[0].effect_status = "DISABLED".into();
        let onboarding = check_logistics(&setup);
        assert_eq!(onboarding.sales_warehouse.as_deref(), Some("2"));
        assert!(failing(&onboarding).is_empty());
    }

    #[test]
    fn no_enabled_sales_warehouse_blocks_selling_and_names_the_page() {
        let mut setup = healthy();
        setup[0].effect_status = "DISABLED".into();
        setup[1].effect_status = "RESTRICTED".into();
        let onboarding = check_logistics(&setup);
        assert_eq!(failing(&onboarding), ["Sales warehouse"]);
        assert!(onboarding.blocks_selling);
        let detail = &onboarding.checks[0].detail;
        assert!(detail.contains("Warehouse 1 is DISABLED"), "{detail}");
        assert!(detail.contains("Warehouse 2 is RESTRICTED"), "{detail}");
        assert!(detail.contains(WAREHOUSE_SETTINGS), "{detail}");
        assert_eq!(onboarding.sales_warehouse, None);
    }

    #[test]
    fn no_delivery_option_blocks_selling_and_names_the_page() {
        let mut setup = healthy();
        setup[0].delivery_options.clear();
        let onboarding = check_logistics(&setup);
        assert_eq!(failing(&onboarding), ["Delivery options"]);
        assert!(onboarding.blocks_selling);
        assert!(onboarding.checks[1].detail.contains(DELIVERY_OPTIONS));
    }

    #[test]
    fn a_missing_return_warehouse_fails_its_check_without_blocking_selling() {
        let setup: Vec<WarehouseSetup> = healthy()
            .into_iter()
            .filter(|w| w.kind != WarehouseKind::Return)
            .collect();
        let onboarding = check_logistics(&setup);
        assert_eq!(failing(&onboarding), ["Return warehouse"]);
        assert!(!onboarding.blocks_selling);
        assert!(onboarding.checks[2].detail.contains(WAREHOUSE_SETTINGS));
    }

    #[test]
    fn a_shop_without_warehouses_says_to_add_one() {
        let onboarding = check_logistics(&[]);
        assert_eq!(
            failing(&onboarding),
            ["Sales warehouse", "Return warehouse"]
        );
        assert!(onboarding.checks[0].detail.contains("no sales warehouse"));
    }
}
