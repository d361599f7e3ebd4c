use rusqlite_migration::{M, Migrations};

const MIGRATION_STEPS: &[M<'_>] = &[M::up(include_str!("migrations/0001_initial.sql"))];

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
