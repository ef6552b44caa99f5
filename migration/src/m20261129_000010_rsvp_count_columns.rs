//! Every meeting carries its RSVP counts (`rsvp_yes`, `rsvp_no`,
//! `rsvp_maybe`), kept by the database itself: triggers on `rsvps` add and
//! take away as answers are given, changed, moved or deleted (cascades
//! included), in the same transaction as the change. A page of meetings
//! then reads its counts with its rows instead of counting every RSVP of
//! the page in a second statement.
//!
//! They are not a cache: no code writes them, no reader can see them
//! disagree with the `rsvps` table (the trigger runs inside the statement
//! that changed it), and the suite holds them to a fresh count after every
//! kind of change (`rsvp_count_columns_follow_every_change`). The one
//! exception to this crate's portable builders: triggers have no portable
//! form, so each backend gets its own SQL, side by side below.
//!
//! Measured on the benchmark's data (1,000 meetings of a page, 15 RSVPs
//! each): see `bench/RESULTS.md`, "Counts kept with their meeting".

use sea_orm_migration::prelude::{
    ColumnDef, DbErr, DeriveIden, DeriveMigrationName, MigrationTrait, SchemaManager, Table,
    async_trait,
};
use sea_orm_migration::sea_orm::{self, ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Meetings {
    Table,
    RsvpYes,
    RsvpNo,
    RsvpMaybe,
}

/// The counts of what is there before the triggers exist.
const BACKFILL: &str = "UPDATE meetings SET \
     rsvp_yes = (SELECT COUNT(*) FROM rsvps r WHERE r.meeting_id = meetings.id AND r.response = 'yes'), \
     rsvp_no = (SELECT COUNT(*) FROM rsvps r WHERE r.meeting_id = meetings.id AND r.response = 'no'), \
     rsvp_maybe = (SELECT COUNT(*) FROM rsvps r WHERE r.meeting_id = meetings.id AND r.response = 'maybe')";

/// `UPDATE meetings …` that adds (`sign` `+`) or takes away (`-`) the RSVP
/// in `row` (`NEW` or `OLD`) from its meeting's counts; `int` turns a
/// comparison into 0 or 1 (`::int` on PostgreSQL, nothing on SQLite).
fn adjust(sign: char, row: &str, int: &str) -> String {
    format!(
        "UPDATE meetings SET \
           rsvp_yes = rsvp_yes {sign} ({row}.response = 'yes'){int}, \
           rsvp_no = rsvp_no {sign} ({row}.response = 'no'){int}, \
           rsvp_maybe = rsvp_maybe {sign} ({row}.response = 'maybe'){int} \
         WHERE id = {row}.meeting_id;"
    )
}

/// PostgreSQL: one row trigger function for all three kinds of change.
fn postgres_up() -> Vec<String> {
    let take = adjust('-', "OLD", "::int");
    let add = adjust('+', "NEW", "::int");
    vec![
        format!(
            "CREATE FUNCTION muster_rsvp_counts() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF TG_OP IN ('UPDATE', 'DELETE') THEN {take} END IF;
               IF TG_OP IN ('INSERT', 'UPDATE') THEN {add} END IF;
               RETURN NULL;
             END $$"
        ),
        "CREATE TRIGGER rsvps_count_insert AFTER INSERT ON rsvps \
         FOR EACH ROW EXECUTE FUNCTION muster_rsvp_counts()"
            .into(),
        "CREATE TRIGGER rsvps_count_update AFTER UPDATE OF response, meeting_id ON rsvps \
         FOR EACH ROW WHEN (OLD.response IS DISTINCT FROM NEW.response \
                            OR OLD.meeting_id IS DISTINCT FROM NEW.meeting_id) \
         EXECUTE FUNCTION muster_rsvp_counts()"
            .into(),
        "CREATE TRIGGER rsvps_count_delete AFTER DELETE ON rsvps \
         FOR EACH ROW EXECUTE FUNCTION muster_rsvp_counts()"
            .into(),
    ]
}

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER rsvps_count_insert ON rsvps",
    "DROP TRIGGER rsvps_count_update ON rsvps",
    "DROP TRIGGER rsvps_count_delete ON rsvps",
    "DROP FUNCTION muster_rsvp_counts()",
];

/// SQLite: a trigger per kind of change (a comparison is already 0 or 1).
fn sqlite_up() -> Vec<String> {
    let take = adjust('-', "OLD", "");
    let add = adjust('+', "NEW", "");
    vec![
        format!("CREATE TRIGGER rsvps_count_insert AFTER INSERT ON rsvps BEGIN {add} END"),
        format!(
            "CREATE TRIGGER rsvps_count_update AFTER UPDATE OF response, meeting_id ON rsvps \
             WHEN OLD.response IS NOT NEW.response OR OLD.meeting_id IS NOT NEW.meeting_id \
             BEGIN {take} {add} END"
        ),
        format!("CREATE TRIGGER rsvps_count_delete AFTER DELETE ON rsvps BEGIN {take} END"),
    ]
}

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER rsvps_count_insert",
    "DROP TRIGGER rsvps_count_update",
    "DROP TRIGGER rsvps_count_delete",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER.
        for column in [Meetings::RsvpYes, Meetings::RsvpNo, Meetings::RsvpMaybe] {
            m.alter_table(
                Table::alter()
                    .table(Meetings::Table)
                    .add_column(ColumnDef::new(column).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        }
        let db = m.get_connection();
        db.execute_unprepared(BACKFILL).await?;
        let up = match m.get_database_backend() {
            DatabaseBackend::Postgres => postgres_up(),
            _ => sqlite_up(),
        };
        for sql in up {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let down = match m.get_database_backend() {
            DatabaseBackend::Postgres => POSTGRES_DOWN,
            _ => SQLITE_DOWN,
        };
        let db = m.get_connection();
        for sql in down {
            db.execute_unprepared(sql).await?;
        }
        for column in [Meetings::RsvpYes, Meetings::RsvpNo, Meetings::RsvpMaybe] {
            m.alter_table(
                Table::alter()
                    .table(Meetings::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
