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

async fn up_down_up(backend: Backend) {
    let db = empty_db(backend).await;
    Migrator::up(&db.conn, None).await.unwrap();
    for t in TABLES {
        assert!(table_exists(&db, t).await, "{t} after up");
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

    Migrator::up(&db.conn, None).await.unwrap();
    for t in TABLES {
        assert!(table_exists(&db, t).await, "{t} after up again");
    }
    // The schema is usable, not just present: the demo data loads.
    entities::demo::seed(&db.conn).await.unwrap();
    assert_eq!(db.count("groups").await, 4);
}

both!(up_down_up);
