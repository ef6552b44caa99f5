//! Growing: `muster db copy` between SQLite and PostgreSQL (both ways, demo
//! data plus generated volume), the refusals that leave a target as it
//! was, the table order checked against the real foreign keys, and
//! `muster backup` / `muster restore` through the binary.

use std::collections::BTreeSet;

use api::dbcopy::{self, CopyError, CopyOptions, TableReport};
use muster_tests::{Backend, TestDb, both, empty_db, fresh_db};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};

/// Demo data plus a little generated volume, so every kind of row (and a
/// postponed meeting pointing at its original) is there.
async fn populated(backend: Backend) -> TestDb {
    let db = fresh_db(backend).await;
    let scale = entities::scale::Scale {
        groups: 3,
        projects: 3,
        meetings: 6,
        rsvps: 5,
        members: 40,
        organisations: 8,
    };
    entities::scale::seed(&db.conn, scale, |_| {})
        .await
        .unwrap();
    entities::demo::seed(&db.conn).await.unwrap();
    db
}

fn no_progress(_: dbcopy::Progress) {}

async fn tables_in(db: &TestDb) -> BTreeSet<String> {
    let sql = match db.backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Backend::Postgres => {
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        }
    };
    db.conn
        .query_all_raw(Statement::from_string(db.conn.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .filter(|t| t != "seaql_migrations")
        .collect()
}

/// Every table is copied, and a parent always before its children, by
/// PostgreSQL's own record of the foreign keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_copy_order_follows_the_real_foreign_keys() {
    let order = dbcopy::table_names();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = fresh_db(backend).await;
        let listed: BTreeSet<String> = order.iter().map(|t| (*t).to_owned()).collect();
        assert_eq!(tables_in(&db).await, listed, "{backend:?}");
    }
    let db = fresh_db(Backend::Postgres).await;
    let keys = db
        .conn
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text \
             FROM pg_constraint c WHERE c.contype = 'f'",
        ))
        .await
        .unwrap();
    assert!(keys.len() > 20, "foreign keys found: {}", keys.len());
    let at = |t: &str| order.iter().position(|o| *o == t).unwrap();
    for k in keys {
        let child: String = k.try_get_by_index(0).unwrap();
        let parent: String = k.try_get_by_index(1).unwrap();
        if child != parent {
            assert!(
                at(&parent) < at(&child),
                "{parent} must be copied before {child}"
            );
        }
    }
}

async fn copy_both_ways(from: Backend, to: Backend) {
    let src = populated(from).await;
    let postponed = entities::meeting::Entity::find()
        .all(&src.conn)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.postponed_from_id.is_some())
        .count();
    assert!(postponed > 0, "the data has a postponed meeting");
    let before = dbcopy::summary(&src.conn).await.unwrap();

    let dst = empty_db(to).await;
    let seen = std::sync::Mutex::new(Vec::new());
    let report = dbcopy::copy(&src.url, &dst.url, CopyOptions::default(), &|p| {
        seen.lock().unwrap().push(p);
    })
    .await
    .unwrap();
    assert_eq!(report, before, "the report is the source's own summary");
    assert_eq!(dbcopy::summary(&dst.conn).await.unwrap(), before);
    let rows: u64 = report.iter().map(|t| t.rows).sum();
    assert!(rows > 500, "{rows} rows");
    for t in [
        "meetings",
        "rsvps",
        "outbox",
        "memberships",
        "charter_versions",
    ] {
        assert!(
            report.iter().any(|r| r.table == t && r.rows > 0),
            "{t} has rows"
        );
    }
    // Progress: the total first, then counts that only grow, to the total.
    let seen = seen.into_inner().unwrap();
    assert!(matches!(seen[0], dbcopy::Progress::Total(n) if n == rows));
    let copied: Vec<u64> = seen
        .iter()
        .filter_map(|p| match p {
            dbcopy::Progress::Copying { done, .. } => Some(*done),
            _ => None,
        })
        .collect();
    assert!(copied.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(copied.last(), Some(&rows));

    // The copy serves: the domain reads it back the same.
    assert_eq!(
        entities::meeting::Entity::find()
            .count(&dst.conn)
            .await
            .unwrap(),
        entities::meeting::Entity::find()
            .count(&src.conn)
            .await
            .unwrap()
    );

    // And back again, into a third database: the same checksums.
    let back = empty_db(from).await;
    let again = dbcopy::copy(&dst.url, &back.url, CopyOptions::default(), &no_progress)
        .await
        .unwrap();
    assert_eq!(again, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_sqlite_to_postgres_and_back_with_equal_checksums() {
    copy_both_ways(Backend::Sqlite, Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_postgres_to_sqlite_and_back_with_equal_checksums() {
    copy_both_ways(Backend::Postgres, Backend::Sqlite).await;
}

fn rows_of<'a>(report: &'a [TableReport], table: &str) -> &'a TableReport {
    report.iter().find(|t| t.table == table).unwrap()
}

/// A target with data is refused and left exactly as it was; `replace`
/// swaps its content for the source's in the same transaction (on SQLite
/// too, where `ON DELETE RESTRICT` holds a postponed meeting's original
/// row by row).
async fn a_target_with_data_is_refused_unless_replaced(backend: Backend) {
    let src = populated(Backend::Sqlite).await;
    let dst = fresh_db(backend).await;
    entities::demo::seed(&dst.conn).await.unwrap();
    let theirs = dbcopy::summary(&dst.conn).await.unwrap();

    let err = dbcopy::copy(&src.url, &dst.url, CopyOptions::default(), &no_progress)
        .await
        .unwrap_err();
    assert!(matches!(err, CopyError::TargetNotEmpty { .. }), "{err}");
    assert_eq!(err.code(), "TARGET_NOT_EMPTY");
    assert!(err.to_string().contains("--replace"), "{err}");
    assert_eq!(dbcopy::summary(&dst.conn).await.unwrap(), theirs);

    let same = dbcopy::copy(&src.url, &src.url, CopyOptions::default(), &no_progress)
        .await
        .unwrap_err();
    assert_eq!(same.code(), "SAME_DATABASE");

    let report = dbcopy::copy(
        &src.url,
        &dst.url,
        CopyOptions { replace: true },
        &no_progress,
    )
    .await
    .unwrap();
    assert_eq!(dbcopy::summary(&dst.conn).await.unwrap(), report);
    assert_ne!(
        rows_of(&report, "groups").rows,
        rows_of(&theirs, "groups").rows
    );
}

/// A source whose schema is behind is refused before anything is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_that_is_not_migrated_is_refused() {
    let src = empty_db(Backend::Sqlite).await;
    src.conn
        .execute_unprepared("CREATE TABLE unrelated (x INTEGER)")
        .await
        .unwrap();
    let dst = empty_db(Backend::Postgres).await;
    let err = dbcopy::copy(&src.url, &dst.url, CopyOptions::default(), &no_progress)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "SOURCE_NOT_MIGRATED", "{err}");
    assert!(err.to_string().contains("muster migrate"), "{err}");
    assert!(tables_in(&dst).await.is_empty(), "nothing was created");
    let untouched: BTreeSet<String> = ["unrelated".to_owned()].into();
    assert_eq!(tables_in(&src).await, untouched, "the source is only read");
    let bookkeeping = src
        .conn
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT count(*) FROM sqlite_master WHERE name = 'seaql_migrations'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(bookkeeping, 0, "the source is only read");
}

both!(a_target_with_data_is_refused_unless_replaced);
