//! The migration history runs up, down and up again on both databases.

use migration::{Migrator, MigratorTrait};
use muster_tests::{Backend, both, empty_db};
use sea_orm::ConnectionTrait;

async fn table_exists(db: &muster_tests::TestDb, table: &str) -> bool {
    db.conn
        .execute_unprepared(&format!("SELECT 1 FROM {table} WHERE 1 = 0"))
        .await
        .is_ok()
}

const TABLES: [&str; 22] = [
    "roles",
    "charter_versions",
    "handovers",
    "handover_items",
    "contacts",
    "delegates",
    "bridge_events",
    "sign_ups",
    "organisations",
    "members",
    "groups",
    "group_successions",
    "projects",
    "memberships",
    "alliances",
    "meetings",
    "agenda_items",
    "rsvps",
    "attendance",
    "resources",
    "outbox",
    "api_tokens",
];

/// Whether the index `name` exists, from the database's own catalogue.
async fn index_exists(db: &muster_tests::TestDb, name: &str) -> bool {
    let sql = match db.backend {
        Backend::Sqlite => {
            format!("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = '{name}'")
        }
        Backend::Postgres => format!("SELECT 1 FROM pg_indexes WHERE indexname = '{name}'"),
    };
    db.conn
        .query_one_raw(sea_orm::Statement::from_string(
            db.conn.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .is_some()
}

/// Indexes that read paths rely on (each one's migration says what it
/// serves and what it was measured to save).
const INDEXES: [&str; 3] = [
    "idx_rsvps_meeting_response",
    "idx_meetings_project_status",
    "idx_meetings_starts_at_id",
];

async fn up_down_up(backend: Backend) {
    let db = empty_db(backend).await;
    Migrator::up(&db.conn, None).await.unwrap();
    for t in TABLES {
        assert!(table_exists(&db, t).await, "{t} after up");
    }
    for i in INDEXES {
        assert!(index_exists(&db, i).await, "{i} after up");
    }
    assert!(
        Migrator::get_pending_migrations(&db.conn)
            .await
            .unwrap()
            .is_empty()
    );

    Migrator::down(&db.conn, None).await.unwrap();
    for t in TABLES {
        assert!(!table_exists(&db, t).await, "{t} after down");
    }
    for i in INDEXES {
        assert!(!index_exists(&db, i).await, "{i} after down");
    }

    Migrator::up(&db.conn, None).await.unwrap();
    for t in TABLES {
        assert!(table_exists(&db, t).await, "{t} after up again");
    }
    // The schema is usable, not just present: the demo data loads.
    entities::demo::seed(&db.conn).await.unwrap();
    assert_eq!(db.count("groups").await, 4);

    // The RSVP count columns: filled in from the RSVPs already there when
    // they are added (answers changed while they were gone included).
    let before = db.kept_rsvp_counts_agree().await;
    assert!(
        before.values().any(|c| c.iter().sum::<i64>() > 1),
        "{before:?}"
    );
    // Back to before `m20261129_000010_rsvp_count_columns` (the two
    // migrations after it only change indexes).
    Migrator::down(&db.conn, Some(3)).await.unwrap();
    assert!(
        db.conn
            .execute_unprepared("SELECT rsvp_yes FROM meetings")
            .await
            .is_err(),
        "the columns are gone after down"
    );
    for sql in [
        "UPDATE rsvps SET response = 'maybe' \
         WHERE id = (SELECT id FROM rsvps WHERE response <> 'maybe' ORDER BY id LIMIT 1)",
        "DELETE FROM rsvps WHERE id = (SELECT id FROM rsvps ORDER BY id DESC LIMIT 1)",
    ] {
        db.conn.execute_unprepared(sql).await.unwrap();
    }
    Migrator::up(&db.conn, None).await.unwrap();
    let after = db.kept_rsvp_counts_agree().await;
    assert_ne!(before, after, "the changes made while they were gone count");
}

both!(up_down_up);
