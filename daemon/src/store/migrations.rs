use rusqlite_migration::{M, Migrations};

const MIGRATION_STEPS: &[M<'_>] = &[
    M::up(include_str!("migrations/0001_initial.sql")),
    M::up(include_str!("migrations/0002_shop_settings.sql")),
    M::up(include_str!("migrations/0003_connections.sql")),
    M::up(include_str!("migrations/0004_stock.sql")),
    M::up(include_str!("migrations/0005_listing.sql")),
    M::up(include_str!("migrations/0006_orders.sql")),
    M::up(include_str!("migrations/0007_mcf.sql")),
    M::up(include_str!("migrations/0008_adoption.sql")),
    M::up(include_str!("migrations/0009_leases_and_item_backoff.sql")),
    M::up(include_str!("migrations/0010_order_record_version.sql")),
    M::up(include_str!("migrations/0011_prune_indexes.sql")),
    M::up(include_str!("migrations/0012_console_pages.sql")),
    M::up(include_str!("migrations/0013_job_priority.sql")),
    M::up(include_str!("migrations/0014_store_measures.sql")),
    M::up(include_str!("migrations/0015_order_returns.sql")),
    M::up(include_str!("migrations/0016_attribute_values.sql")),
    M::up(include_str!("migrations/0017_compliance.sql")),
    M::up(include_str!("migrations/0018_product_facts.sql")),
    M::up(include_str!("migrations/0019_source_stock_moves.sql")),
    M::up(include_str!("migrations/0020_order_gating_priority.sql")),
];

/// Versioned schema migrations, applied at start-up (tracked in `user_version`).
pub const MIGRATIONS: Migrations<'_> = Migrations::from_slice(MIGRATION_STEPS);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(MIGRATIONS.validate().is_ok());
    }
}
