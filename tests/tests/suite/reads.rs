//! The reads' own PostgreSQL pool (`api::reads`): a connection goes back
//! without a round trip, so these tests hold it to what the round trip was
//! for — a cut connection is found and replaced, and a cancelled statement
//! leaves nothing behind for the next one. (On SQLite reads run on the
//! ordinary pool; every other test covers them there.)

use std::time::Duration;

use api::reads::Reads;
use muster_tests::{Backend, column, fresh_db};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

async fn one(reads: &Reads, sql: &str) -> Result<i64, DbErr> {
    let row = reads
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?
        .expect("one row");
    row.try_get_by_index::<i64>(0)
}

async fn backend_pid(reads: &Reads) -> Result<i64, DbErr> {
    one(reads, "SELECT pg_backend_pid()::int8").await
}

/// A connection cut under the reads (a restart, an administrator) fails the
/// one statement that meets it with a clear "out of reach", and the very
/// next read gets a new connection: it does not wait for the idle check.
#[tokio::test]
async fn a_cut_read_connection_fails_once_and_is_replaced_at_once() {
    let db = fresh_db(Backend::Postgres).await;
    let reads = Reads::new(db.conn.clone(), 1, Duration::from_secs(3));
    let first = backend_pid(&reads).await.unwrap();
    assert_eq!(
        backend_pid(&reads).await.unwrap(),
        first,
        "the connection is reused"
    );
    db.conn
        .execute_unprepared(&format!("SELECT pg_terminate_backend({first})"))
        .await
        .unwrap();
    let err = backend_pid(&reads).await.unwrap_err();
    assert!(
        entities::error::out_of_reach(&err),
        "a cut connection is UNAVAILABLE, not an internal error: {err}"
    );
    let second = backend_pid(&reads).await.unwrap();
    assert_ne!(second, first, "a new connection replaced the cut one");
}

/// A read abandoned part way (its request timed out, its client left)
/// leaves its connection clean: the next statement on it gets its own
/// answer, not the abandoned one's.
#[tokio::test]
async fn an_abandoned_read_leaves_nothing_for_the_next() {
    let db = fresh_db(Backend::Postgres).await;
    let reads = Reads::new(db.conn.clone(), 1, Duration::from_secs(3));
    let pid = backend_pid(&reads).await.unwrap();
    let slow = one(&reads, "SELECT 7::int8 FROM pg_sleep(0.4)");
    assert!(
        tokio::time::timeout(Duration::from_millis(50), slow)
            .await
            .is_err(),
        "the slow read was abandoned"
    );
    assert_eq!(one(&reads, "SELECT 2::int8").await.unwrap(), 2);
    assert_eq!(one(&reads, "SELECT 3::int8").await.unwrap(), 3);
    assert_eq!(backend_pid(&reads).await.unwrap(), pid, "and it was kept");
}

/// Reads wait at most the acquire timeout for a connection when all are
/// busy, then say the database is out of reach.
#[tokio::test]
async fn a_read_waits_no_longer_than_the_acquire_timeout() {
    let db = fresh_db(Backend::Postgres).await;
    let reads = Reads::new(db.conn.clone(), 1, Duration::from_millis(200));
    let busy = {
        let reads = reads.clone();
        tokio::spawn(async move { one(&reads, "SELECT 1::int8 FROM pg_sleep(3)").await })
    };
    // Wait until the busy read holds the connection (a fixed pause lost
    // the race on a loaded machine).
    let watch = Reads::new(db.conn.clone(), 1, Duration::from_secs(3));
    let running = "SELECT count(*)::int8 FROM pg_stat_activity \
         WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(3)%' \
         AND pid <> pg_backend_pid()";
    let mut started = false;
    for _ in 0..500 {
        started = one(&watch, running).await.unwrap() > 0;
        if started {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(started, "the busy read never started");
    let err = backend_pid(&reads).await.unwrap_err();
    assert!(entities::error::out_of_reach(&err), "{err}");
    assert_eq!(busy.await.unwrap().unwrap(), 1);
}

/// A look-up by one id — `meeting(id:)`, `node(id:)`, the commonest read —
/// is planned once per connection, not on every run. PostgreSQL keeps a
/// prepared statement's general plan only when it costs no more than one
/// made for the values at hand; for `id = ANY($1)` it never does, so each
/// look-up was planned afresh (half of PostgreSQL's time for it).
#[tokio::test]
async fn a_look_up_by_one_id_is_planned_once() {
    let db = fresh_db(Backend::Postgres).await;
    let reads = Reads::new(db.conn.clone(), 1, Duration::from_secs(3));
    let id = uuid::Uuid::now_v7();
    for _ in 0..8 {
        let found =
            entities::domain::read::meetings_by_ids(&reads, &entities::Actor::Anonymous, &[id])
                .await
                .unwrap();
        assert!(found.is_empty());
    }
    let plans = reads
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            r#"SELECT generic_plans, custom_plans FROM pg_prepared_statements
               WHERE statement LIKE '%FROM "meetings"%'"#,
        ))
        .await
        .unwrap()
        .expect("the look-up was prepared on this connection");
    let generic: i64 = plans.try_get_by_index(0).unwrap();
    let custom: i64 = plans.try_get_by_index(1).unwrap();
    assert!(
        generic >= 3 && custom <= 5,
        "planned afresh on most runs: {generic} general, {custom} for the values"
    );
}

/// A batch look-up by key keeps its cost in step with the batch under the
/// general plan PostgreSQL keeps after five runs. With `id = ANY($1)` that
/// plan, on a table as small as a federation's members, was a sequential
/// scan testing every row against the ids one by one (the array is not
/// hashed when the plan cannot see it): the export's 500 members took
/// 1.5–3.5 ms instead of 0.15. The look-up by key is now a semi-join over
/// the unnested ids; here the general plan is forced and read back, and no
/// step of it may filter rows through the list.
#[tokio::test]
async fn a_batch_look_up_by_key_never_tests_each_row_against_the_list() {
    let db = fresh_db(Backend::Postgres).await;
    db.conn
        .execute_unprepared(
            "INSERT INTO members (id, display_name, joined_at, created_at, updated_at)
             SELECT gen_random_uuid(), 'Member ' || i, now(), now(), now()
             FROM generate_series(1, 500) AS i;
             ANALYZE members",
        )
        .await
        .unwrap();
    let reads = Reads::new(db.conn.clone(), 1, Duration::from_secs(3));
    // (On the reads' own connection: `execute` goes to the ordinary pool.)
    reads
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT set_config('plan_cache_mode', 'force_generic_plan', false)",
        ))
        .await
        .unwrap();
    let ids: Vec<uuid::Uuid> = column(&reads, "SELECT id FROM members ORDER BY id LIMIT 300").await;
    let found = entities::domain::read::members_by_ids(&reads, &entities::Actor::Anonymous, &ids)
        .await
        .unwrap();
    assert_eq!(found.len(), ids.len());
    let name: String = reads
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            // (Anchored: this statement's own text holds the pattern.)
            r#"SELECT name FROM pg_prepared_statements WHERE statement LIKE 'SELECT "members".%'"#,
        ))
        .await
        .unwrap()
        .expect("the look-up was prepared on this connection")
        .try_get_by_index(0)
        .unwrap();
    let list = ids
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let plan: Vec<String> = column(
        &reads,
        &format!("EXPLAIN EXECUTE {name}('{{{list}}}'::uuid[])"),
    )
    .await;
    assert!(
        !plan
            .iter()
            .any(|line| line.contains("Filter") && line.contains("ANY")),
        "every row tested against the list:\n{}",
        plan.join("\n")
    );
}
