//! The store's schema: numbered SQL files in `migrations/`, applied in order (SQLite
//! `user_version` counts them). Migrations only ever append to this list; a released one is never
//! edited (pinned by hash in the test below), so that every device in the field can be brought
//! forward from whatever version it has.

use rusqlite_migration::{M, Migrations};
use std::sync::LazyLock;

/// Version 1: the device's identity, settings, change log and push position, followed by the
/// ledger tables every store shares ([`aisle_ledger::schema::V1`]).
static V1: LazyLock<String> = LazyLock::new(|| {
    [
        include_str!("../migrations/0001_device.sql"),
        aisle_ledger::schema::V1,
    ]
    .concat()
});

/// Version 2: what sync needs: the server's address, token and epoch, the pull cursors, operations
/// received from other devices, downloaded work and exceptions, other warehouses' totals.
const V2: &str = include_str!("../migrations/0002_sync.sql");
/// Version 3: tasks the server sends (pick-face top-ups, counts), kept as pulled.
const V3: &str = include_str!("../migrations/0003_tasks.sql");
/// Version 4: the warehouse's own CA certificate (PEM) that the server's TLS certificate is
/// checked against, when it is not signed by a public CA.
const V4: &str = include_str!("../migrations/0004_ca.sql");
/// Version 5: this device's operations the server held (logged, not applied) and that were taken
/// back out of local stock (`reversed`), or that a snapshot had already left out.
const V5: &str = include_str!("../migrations/0005_held_ops.sql");
/// Version 6: who holds which work (leases), as last pulled: `work` is `order_line:ID` or
/// `task:ID`.
const V6: &str = include_str!("../migrations/0006_leases.sql");
/// Version 7: cluster picking: the tote each order on this device's pick walk goes into. An
/// order keeps its tote until it has nothing left to pick here; then the number is free again.
const V7: &str = include_str!("../migrations/0007_totes.sql");
/// Version 8: each item's minimum remaining shelf life (`aisle_domain::shelf_life`).
const V8: &str = aisle_ledger::schema::V2_SHELF_LIFE;
/// Version 9: whether a warehouse refuses a scan that overfills a location (the shared ledger's
/// 0003).
const V9: &str = aisle_ledger::schema::V3_CAPACITY_POLICY;
/// Version 10: cartons as last pulled, and the SSCC blocks this device mints carton numbers from.
const V10: &str = include_str!("../migrations/0008_cartons.sql");
/// Version 11: locations' weight and volume limits (the shared ledger's 0004).
const V11: &str = aisle_ledger::schema::V4_LOCATION_LIMITS;
/// Version 12: the language a supervisor set for each operator.
const V12: &str = include_str!("../migrations/0009_operator_language.sql");

/// All migrations, oldest first. Version N means the first N have been applied.
pub static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(vec![
        M::up(V1.as_str()),
        M::up(V2),
        M::up(V3),
        M::up(V4),
        M::up(V5),
        M::up(V6),
        M::up(V7),
        M::up(V8),
        M::up(V9),
        M::up(V10),
        M::up(V11),
        M::up(V12),
    ])
});

/// The schema version this build writes.
pub const LATEST: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    /// A store that ran a migration must never meet a different text under the same version: a
    /// change is a new migration at the end of the list (the shared ledger's file in V1 is pinned
    /// in its own crate too). A new migration gets its hash pinned here when it is released.
    #[test]
    fn released_migrations_are_never_edited() {
        let released = [
            (
                "V1",
                V1.as_str(),
                "77638e814ef179d67864d130df21a6ff652e685bc333e31f72731dd3374d255f",
            ),
            (
                "V2",
                V2,
                "10c5041b0c74457ab89db902bccc610e26a7d938c29f85e6f5f642618c20649c",
            ),
            (
                "V3",
                V3,
                "4804700a03c1b37b4223220420c9db23cd2ae541e6309d3e6a2e32747bc3baa4",
            ),
            (
                "V4",
                V4,
                "25cfa373af52f56cba5dee8417bb53ab5aebb0aca395559c1ca323baeb97596c",
            ),
            (
                "V5",
                V5,
                "61d51e6822046631728e40f4efcfe5ef3e7dc117462b1d6889ab62daa94546d2",
            ),
            (
                "V6",
                V6,
                "653222075c66249ef5df183edb5bc99c0dce8af1568f0a01a8d1a87c09729e90",
            ),
            (
                "V7",
                V7,
                "aa0b4a76699e1cee9143b004c3f96776e923c45dbddebf0f3a7d025984cc9192",
            ),
            (
                "V8 (the shared ledger's 0002)",
                V8,
                "bc805519f0516d3e52d56077536eeae4355cce2c744cdca7c5fe6c6cc2fca9a4",
            ),
            (
                "V9 (the shared ledger's 0003)",
                V9,
                "7833bb8aaccc4f5f1b0a3f9116fbc1c82be82f4d09783bc6f6cec6a3b7b6273a",
            ),
            (
                "V10",
                V10,
                "4044e63fd803d72537e61cf6d7a7c487f36fe051fd4ac6bc2ebdcb16ddb4e9bf",
            ),
            (
                "V11 (the shared ledger's 0004)",
                V11,
                "8996fedfbd3d8fcb487a98fc70dddf41e12bfd9000125ea487fb118b652a626c",
            ),
            (
                "V12",
                V12,
                "3b731ae8f6134f06fce131b409db003da72550236761bb23684d03f10915b858",
            ),
        ];
        let edited: Vec<String> = released
            .iter()
            .filter_map(|(name, sql, pinned)| {
                let now: String = Sha256::digest(sql.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                (now != *pinned).then(|| format!("{name}: pinned {pinned}, now {now}"))
            })
            .collect();
        assert!(
            edited.is_empty(),
            "released migrations were edited; put the change in a new migration:\n{}",
            edited.join("\n")
        );
        assert_eq!(
            MIGRATIONS
                .pending_migrations(&rusqlite::Connection::open_in_memory().unwrap())
                .unwrap(),
            released.len() as i32,
            "LATEST must count every migration"
        );
        assert_eq!(
            LATEST,
            released.len(),
            "a new migration: pin its hash in this test once it is released"
        );
    }
}
