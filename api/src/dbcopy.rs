//! Moving a whole Muster database to another one — SQLite to PostgreSQL when
//! a federation outgrows the embedded default, or back — and restoring a
//! SQLite backup the same way (`muster db copy`, `muster restore`).
//!
//! The source is read in one snapshot (a read-only repeatable-read
//! transaction on PostgreSQL, one read transaction on SQLite), so a copy of
//! a running instance is consistent. The target gets Muster's migrations,
//! then every table in dependency order ([`tables`]) inside **one**
//! transaction. Before that transaction commits, every table is read back
//! from the target and compared with what was read from the source: the row
//! count and a SHA-256 checksum over the rows' canonical JSON (sorted, so
//! the two databases' orderings and JSON key orders do not matter). Any
//! difference rolls everything back: a failed copy leaves the target's data
//! as it was. A target that already holds data is refused unless the caller
//! asks for it to be replaced, which happens in the same transaction.
//!
//! Rows go through the sea-orm models, so each database's types (UUIDs as
//! blobs or `uuid`, instants as text or `timestamptz`, JSON as text or
//! `jsonb`) are converted by the same code the application reads them with.

use std::fmt;

use futures::future::BoxFuture;
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Expr, IntoCondition};
use sea_orm::{
    AccessMode, ActiveModelTrait, ColumnTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, IntoActiveModel, IsolationLevel, Iterable, ModelTrait,
    PaginatorTrait, PrimaryKeyToColumn, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// Rows read and written per statement: well under both databases' limits
/// on bound parameters for the widest table.
const CHUNK: u64 = 500;

/// Which side of a copy something happened on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Source,
    Target,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Source => "source",
            Side::Target => "target",
        })
    }
}

/// Why a copy did not happen. In every case the target's data is as it was.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("the source and the target are the same database; give two different URLs")]
    SameDatabase,
    #[error(
        "the source is not a Muster database or is not up to date ({0} migration(s) not applied): run `muster migrate` with MUSTER_DATABASE_URL set to the source first"
    )]
    SourceBehind(usize),
    #[error(
        "the target already holds data ({table}: {rows} row(s)); copy into an empty database, or pass --replace to delete what it holds in the same transaction"
    )]
    TargetNotEmpty { table: &'static str, rows: u64 },
    #[error(
        "verification failed for table {table}: {what}; the copy was rolled back and the target is unchanged"
    )]
    Mismatch { table: &'static str, what: String },
    #[error("could not open the {side} database: {source}")]
    Connect { side: Side, source: DbErr },
    #[error("database error on the {side}: {source}")]
    Db { side: Side, source: DbErr },
}

impl CopyError {
    /// A stable code for scripts (`muster db copy` prints it).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            CopyError::SameDatabase => "SAME_DATABASE",
            CopyError::SourceBehind(_) => "SOURCE_NOT_MIGRATED",
            CopyError::TargetNotEmpty { .. } => "TARGET_NOT_EMPTY",
            CopyError::Mismatch { .. } => "VERIFY_FAILED",
            CopyError::Connect { .. } => "CONNECT_FAILED",
            CopyError::Db { .. } => "DATABASE_ERROR",
        }
    }
}

fn on(side: Side) -> impl Fn(DbErr) -> CopyError {
    move |source| CopyError::Db { side, source }
}

/// How a copy goes, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Counted: this many rows to copy in all.
    Total(u64),
    /// Copying `table`; `done` rows copied so far in all.
    Copying { table: &'static str, done: u64 },
    /// Reading the target back to compare.
    Verifying { table: &'static str },
}

/// What was copied, table by table, in the order it was copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableReport {
    pub table: &'static str,
    pub rows: u64,
    /// Hex SHA-256 of the sorted per-row digests, equal on both sides.
    pub checksum: String,
}

/// Options of a copy.
#[derive(Debug, Clone, Copy, Default)]
pub struct CopyOptions {
    /// Delete what the target holds first (in the same transaction).
    pub replace: bool,
}

/// Copies the database at `from` into the one at `to` (see the module
/// documentation for what is guaranteed).
///
/// # Errors
/// See [`CopyError`]; the target's data is unchanged on every error.
pub async fn copy(
    from: &str,
    to: &str,
    options: CopyOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<TableReport>, CopyError> {
    if from.trim() == to.trim() {
        return Err(CopyError::SameDatabase);
    }
    let src = open(from, Side::Source).await?;
    let dst = open(to, Side::Target).await?;
    copy_between(&src, &dst, options, progress).await
}

/// [`copy`] between two open connections.
///
/// # Errors
/// As [`copy`].
pub async fn copy_between(
    src: &DatabaseConnection,
    dst: &DatabaseConnection,
    options: CopyOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<TableReport>, CopyError> {
    let pending = Migrator::get_pending_migrations_read_only(src)
        .await
        .map_err(on(Side::Source))?;
    if !pending.is_empty() {
        return Err(CopyError::SourceBehind(pending.len()));
    }
    Migrator::up(dst, None).await.map_err(on(Side::Target))?;

    let read = match src.get_database_backend() {
        DbBackend::Postgres => {
            src.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await
        }
        _ => src.begin().await,
    }
    .map_err(on(Side::Source))?;
    let write = dst.begin().await.map_err(on(Side::Target))?;

    let tables = tables();
    for t in tables.iter().rev() {
        let rows = (t.count)(&write).await.map_err(on(Side::Target))?;
        if rows > 0 {
            if !options.replace {
                return Err(CopyError::TargetNotEmpty {
                    table: t.name,
                    rows,
                });
            }
            (t.delete)(&write).await.map_err(on(Side::Target))?;
        }
    }

    let mut total = 0;
    for t in &tables {
        total += (t.count)(&read).await.map_err(on(Side::Source))?;
    }
    progress(Progress::Total(total));

    let mut reports = Vec::with_capacity(tables.len());
    let mut done = 0;
    for t in &tables {
        let tick = |n: u64| {
            progress(Progress::Copying {
                table: t.name,
                done: done + n,
            });
        };
        let (rows, checksum) = (t.copy)(&read, &write, &tick).await?;
        done += rows;
        reports.push(TableReport {
            table: t.name,
            rows,
            checksum: checksum.hex(),
        });
    }
    read.commit().await.map_err(on(Side::Source))?;

    for (t, report) in tables.iter().zip(&reports) {
        progress(Progress::Verifying { table: t.name });
        let (rows, checksum) = (t.checksum)(&write).await.map_err(on(Side::Target))?;
        if rows != report.rows {
            return Err(CopyError::Mismatch {
                table: t.name,
                what: format!("{} row(s) read, {rows} in the target", report.rows),
            });
        }
        if checksum.hex() != report.checksum {
            return Err(CopyError::Mismatch {
                table: t.name,
                what: "the rows' checksums differ".to_owned(),
            });
        }
    }
    write.commit().await.map_err(on(Side::Target))?;
    Ok(reports)
}

/// Row counts and checksums of every table of the database at `conn`, in
/// [`tables`] order: what a copy's report says, computed independently
/// (for `muster backup` and the tests).
///
/// # Errors
/// A database error.
pub async fn summary(conn: &DatabaseConnection) -> Result<Vec<TableReport>, DbErr> {
    let read = conn.begin().await?;
    let tables = tables();
    let mut out = Vec::with_capacity(tables.len());
    for t in &tables {
        let (rows, checksum) = (t.checksum)(&read).await?;
        out.push(TableReport {
            table: t.name,
            rows,
            checksum: checksum.hex(),
        });
    }
    read.commit().await?;
    Ok(out)
}

/// Opens one side. A SQLite target file is created when missing; nothing
/// else about the connection is changed (not `db::connect`: it would switch
/// a source file to WAL, a write).
async fn open(url: &str, side: Side) -> Result<DatabaseConnection, CopyError> {
    let mut url = url.trim().to_owned();
    if side == Side::Target && url.starts_with("sqlite:") && !url.contains("mode=") {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("mode=rwc");
    }
    let mut opts = sea_orm::ConnectOptions::new(url.clone());
    opts.max_connections(2)
        .min_connections(1)
        .connect_timeout(std::time::Duration::from_secs(10))
        .sqlx_logging(false);
    Database::connect(opts)
        .await
        .map_err(|e| CopyError::Connect {
            side,
            source: crate::db::without_secrets(e, &url),
        })
}

/// An order-independent digest of a table's rows.
#[derive(Default)]
struct Checksum {
    rows: Vec<[u8; 32]>,
}

impl Checksum {
    fn add(&mut self, row: &impl Serialize) -> Result<(), DbErr> {
        let value = serde_json::to_value(row)
            .map_err(|e| DbErr::Custom(format!("a row could not be encoded: {e}")))?;
        let mut bytes = Vec::with_capacity(256);
        canonical(&value, &mut bytes);
        self.rows.push(Sha256::digest(&bytes).into());
        Ok(())
    }

    fn hex(mut self) -> String {
        self.rows.sort_unstable();
        let mut all = Sha256::new();
        for r in &self.rows {
            all.update(r);
        }
        hex::encode(all.finalize())
    }
}

/// JSON with object keys sorted at every level, so `jsonb`'s key order and
/// serde's field order give the same bytes. Instants count to the
/// microsecond: PostgreSQL keeps no finer, and Muster writes none finer
/// (`entities::domain::now`), but a SQLite database written by an older
/// build may hold nanoseconds that a copy to PostgreSQL cannot keep.
fn canonical(v: &serde_json::Value, out: &mut Vec<u8>) {
    use serde_json::Value;
    match v {
        Value::String(s) if s.len() > 27 && s.len() < 40 => {
            match chrono::DateTime::parse_from_rfc3339(s) {
                Ok(t) => {
                    use chrono::SubsecRound as _;
                    let t = t.with_timezone(&chrono::Utc).trunc_subsecs(6);
                    let micros = t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                    out.extend_from_slice(Value::String(micros).to_string().as_bytes());
                }
                Err(_) => out.extend_from_slice(v.to_string().as_bytes()),
            }
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(&Value::String(k.clone()), out);
                out.push(b':');
                canonical(&map[k], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(item, out);
            }
            out.push(b']');
        }
        scalar => out.extend_from_slice(scalar.to_string().as_bytes()),
    }
}

type Count = for<'a> fn(&'a DatabaseTransaction) -> BoxFuture<'a, Result<u64, DbErr>>;
type Delete = for<'a> fn(&'a DatabaseTransaction) -> BoxFuture<'a, Result<(), DbErr>>;
type Sum = for<'a> fn(&'a DatabaseTransaction) -> BoxFuture<'a, Result<(u64, Checksum), DbErr>>;
type CopyRows = for<'a> fn(
    &'a DatabaseTransaction,
    &'a DatabaseTransaction,
    &'a (dyn Fn(u64) + Sync),
) -> BoxFuture<'a, Result<(u64, Checksum), CopyError>>;

/// One table's operations, monomorphised for its entity.
pub struct Table {
    pub name: &'static str,
    count: Count,
    delete: Delete,
    checksum: Sum,
    copy: CopyRows,
}

/// Every table Muster keeps, parents before children (the migrations'
/// bookkeeping table excepted: the target has its own). The suite checks
/// this list against the foreign keys PostgreSQL reports, so a new table or
/// key that breaks the order fails a test, not a federation's move.
#[must_use]
pub fn tables() -> Vec<Table> {
    use entities::{
        action, agenda_item, alliance, api_token, attendance, bridge_event, charter_version,
        contact, delegate, group, group_digest, group_succession, handover, handover_item, meeting,
        meeting_alert, member, membership, organisation, outbox, poll, poll_option, poll_vote,
        project, resource, role, room_post, rsvp, sign_up,
    };
    vec![
        table::<organisation::Entity>(),
        table::<member::Entity>(),
        table::<group::Entity>(),
        table::<group_succession::Entity>(),
        table::<charter_version::Entity>(),
        table::<group_digest::Entity>(),
        table::<project::Entity>(),
        table::<membership::Entity>(),
        table::<role::Entity>(),
        table::<delegate::Entity>(),
        table::<handover::Entity>(),
        table::<handover_item::Entity>(),
        Table {
            copy: |src, dst, tick| {
                Box::pin(copy_rows::<meeting::Entity>(
                    src,
                    dst,
                    tick,
                    Some(meeting::Column::PostponedFromId),
                ))
            },
            delete: |db| {
                Box::pin(delete_rows::<meeting::Entity>(
                    db,
                    Some(meeting::Column::PostponedFromId),
                ))
            },
            ..table::<meeting::Entity>()
        },
        table::<rsvp::Entity>(),
        table::<attendance::Entity>(),
        table::<agenda_item::Entity>(),
        table::<meeting_alert::Entity>(),
        table::<action::Entity>(),
        table::<poll::Entity>(),
        table::<poll_option::Entity>(),
        table::<poll_vote::Entity>(),
        table::<alliance::Entity>(),
        table::<resource::Entity>(),
        table::<contact::Entity>(),
        table::<sign_up::Entity>(),
        table::<api_token::Entity>(),
        table::<outbox::Entity>(),
        table::<bridge_event::Entity>(),
        table::<room_post::Entity>(),
    ]
}

/// The names in [`tables`], in order.
#[must_use]
pub fn table_names() -> Vec<&'static str> {
    tables().iter().map(|t| t.name).collect()
}

fn table<E>() -> Table
where
    E: EntityTrait + Default,
    E::Model: Serialize + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    Table {
        name: E::default().table_name(),
        count: |db| Box::pin(async move { E::find().count(db).await }),
        delete: |db| Box::pin(delete_rows::<E>(db, None)),
        checksum: |db| Box::pin(checksum::<E>(db)),
        copy: |src, dst, tick| Box::pin(copy_rows::<E>(src, dst, tick, None)),
    }
}

fn ordered<E: EntityTrait>() -> sea_orm::Select<E> {
    let mut q = E::find();
    for pk in E::PrimaryKey::iter() {
        q = q.order_by_asc(pk.into_column());
    }
    q
}

/// Deletes every row of a table. A column referring to the same table is
/// emptied first: SQLite checks `ON DELETE RESTRICT` row by row, so a
/// postponed meeting would otherwise hold its original in place.
async fn delete_rows<E: EntityTrait>(
    db: &DatabaseTransaction,
    defer: Option<E::Column>,
) -> Result<(), DbErr> {
    if let Some(col) = defer {
        E::update_many()
            .col_expr(col, Expr::cust("NULL"))
            .exec(db)
            .await?;
    }
    E::delete_many().exec(db).await.map(|_| ())
}

async fn checksum<E>(db: &DatabaseTransaction) -> Result<(u64, Checksum), DbErr>
where
    E: EntityTrait,
    E::Model: Serialize + Sync,
{
    let mut sum = Checksum::default();
    let mut pages = ordered::<E>().paginate(db, CHUNK);
    while let Some(rows) = pages.fetch_and_next().await? {
        for r in &rows {
            sum.add(r)?;
        }
    }
    Ok((sum.rows.len() as u64, sum))
}

/// Copies one table. `defer` is a column that refers to the same table
/// (a postponed meeting's original): rows go in with it empty and get it
/// set once every row is there.
async fn copy_rows<E>(
    src: &DatabaseTransaction,
    dst: &DatabaseTransaction,
    tick: &(dyn Fn(u64) + Sync),
    defer: Option<E::Column>,
) -> Result<(u64, Checksum), CopyError>
where
    E: EntityTrait,
    E::Model: Serialize + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let mut sum = Checksum::default();
    let mut later = Vec::new();
    let mut pages = ordered::<E>().paginate(src, CHUNK);
    while let Some(rows) = pages.fetch_and_next().await.map_err(on(Side::Source))? {
        let mut batch = Vec::with_capacity(rows.len());
        for row in rows {
            sum.add(&row).map_err(on(Side::Source))?;
            let mut am = row.clone().into_active_model();
            if let Some(col) = defer {
                let v = row.get(col);
                if !matches!(&v, sea_orm::Value::Uuid(None)) {
                    am.set(col, v.as_null());
                    later.push(row);
                }
            }
            batch.push(am);
        }
        E::insert_many(batch)
            .exec_without_returning(dst)
            .await
            .map_err(on(Side::Target))?;
        tick(sum.rows.len() as u64);
    }
    if let Some(col) = defer {
        for row in later {
            let mut cond = sea_orm::Condition::all();
            for pk in E::PrimaryKey::iter() {
                let c = pk.into_column();
                cond = cond.add(c.eq(row.get(c)));
            }
            E::update_many()
                .col_expr(col, Expr::val(row.get(col)))
                .filter(cond.into_condition())
                .exec(dst)
                .await
                .map_err(on(Side::Target))?;
        }
    }
    Ok((sum.rows.len() as u64, sum))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A side's URL that cannot be parsed is named without its password,
    /// as `db::connect` names it.
    #[tokio::test]
    async fn a_bad_url_is_reported_without_its_password() {
        let url = "postgres://muster:s3cret@/muster?host=/nowhere";
        let Err(e) = open(url, Side::Target).await else {
            panic!("{url} opened");
        };
        let e = e.to_string();
        assert!(e.contains("postgres://muster:***@/muster"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let a = serde_json::json!({"b": 1, "a": {"y": [1, {"q": null, "p": "x"}], "x": true}});
        let mut out = Vec::new();
        canonical(&a, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":{"x":true,"y":[1,{"p":"x","q":null}]},"b":1}"#
        );
    }

    #[test]
    fn instants_compare_to_the_microsecond() {
        let canon = |s: &str| {
            let mut out = Vec::new();
            canonical(&serde_json::json!(s), &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            canon("2026-11-09T18:50:08.954444187Z"),
            canon("2026-11-09T18:50:08.954444Z")
        );
        assert_ne!(
            canon("2026-11-09T18:50:08.954445Z"),
            canon("2026-11-09T18:50:08.954444Z")
        );
        assert_eq!(
            canon("not an instant, but as long as one"),
            r#""not an instant, but as long as one""#
        );
    }

    #[test]
    fn checksums_do_not_depend_on_row_order() {
        let mut one = Checksum::default();
        let mut two = Checksum::default();
        for r in ["a", "b", "c"] {
            one.add(&r).unwrap();
        }
        for r in ["c", "a", "b"] {
            two.add(&r).unwrap();
        }
        assert_eq!(one.hex(), two.hex());
        let mut three = Checksum::default();
        for r in ["a", "b", "b"] {
            three.add(&r).unwrap();
        }
        let mut four = Checksum::default();
        for r in ["a", "b", "c"] {
            four.add(&r).unwrap();
        }
        assert_ne!(three.hex(), four.hex());
    }

    #[test]
    fn every_table_is_listed_once() {
        let names = table_names();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        assert!(names.iter().all(|n| !n.is_empty()));
    }
}
