//! Muster's schema history. One list of migrations, written with sea-query's
//! portable builders so that the same history runs on SQLite (the default,
//! embedded database) and on PostgreSQL (for larger federations). Enumerations
//! are stored as lower-case text, lists as JSON, ids as UUIDs and instants as
//! timestamps with time zone, so no backend-specific type is needed. The one
//! exception is triggers, which have no portable form: a migration that
//! creates them gives each backend its own SQL, side by side.
//!
//! Architecture invariant: a migration, once released, is never edited; a
//! change to the schema is a new migration appended to [`Migrator::migrations`].

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_foundation;
mod m20261128_000002_access;
mod m20261128_000003_bridge;
mod m20261128_000004_room_posts;
mod m20261128_000005_meeting_life;
mod m20261128_000006_polls;
mod m20261128_000007_digests;
mod m20261128_000008_group_life;
mod m20261129_000009_rsvp_counts_index;
mod m20261129_000010_rsvp_count_columns;
mod m20261129_000011_meetings_next_index;
mod m20261205_000012_meetings_by_start;

/// The migration history, applied by `muster migrate` and at the start of
/// `muster serve`.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_foundation::Migration),
            Box::new(m20261128_000002_access::Migration),
            Box::new(m20261128_000003_bridge::Migration),
            Box::new(m20261128_000004_room_posts::Migration),
            Box::new(m20261128_000005_meeting_life::Migration),
            Box::new(m20261128_000006_polls::Migration),
            Box::new(m20261128_000007_digests::Migration),
            Box::new(m20261128_000008_group_life::Migration),
            Box::new(m20261129_000009_rsvp_counts_index::Migration),
            Box::new(m20261129_000010_rsvp_count_columns::Migration),
            Box::new(m20261129_000011_meetings_next_index::Migration),
            Box::new(m20261205_000012_meetings_by_start::Migration),
        ]
    }
}
