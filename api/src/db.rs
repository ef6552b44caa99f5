//! Connecting to the database and bringing its schema up to date. SQLite is
//! put in WAL mode (readers never wait for the writer) with a busy timeout,
//! so the embedded default serves concurrent requests.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// How long a caller waits for a connection unless told otherwise (the
/// default of `database_acquire_timeout_ms`).
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a pooled connection may sit idle before it is checked again on
/// checkout (see [`connect_with`]).
pub const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// Opens a connection pool.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, max_connections, ACQUIRE_TIMEOUT).await
}

/// Opens a connection pool whose callers wait at most `acquire` for a
/// connection: while the database is down they get an error (the domain's
/// `UNAVAILABLE`) after that long instead of hanging, and the pool
/// reconnects by itself once it is back.
///
/// A connection is checked with a round trip when it goes back to the pool
/// (sqlx always does that), and again on the way out only if it has sat
/// idle for [`PING_IF_IDLE_FOR`]. sea-orm's default pinged on every
/// checkout: a second round trip, and a wake-up of the database's process,
/// for every statement (`bench/RESULTS.md`, "Pings"). A database
/// restart takes longer than that threshold, so every connection it cut
/// is still found and replaced before use.
pub async fn connect_with(
    url: &str,
    max_connections: u32,
    acquire: Duration,
) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(acquire)
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        .sqlx_logging(false);
    let db = Database::connect(opts)
        .await
        .map_err(|e| without_secrets(e, url))?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode = WAL;").await?;
        db.execute_unprepared("PRAGMA synchronous = NORMAL;")
            .await?;
    }
    Ok(db)
}

/// The error with the URL's password hidden: sea-orm names the whole
/// connection string when it cannot parse it, and the error ends up in
/// logs and on the terminal. Every place that opens a database by URL
/// passes its error through here ([`connect_with`], `dbcopy`).
pub(crate) fn without_secrets(e: DbErr, url: &str) -> DbErr {
    let redacted = crate::settings::redact(url);
    if redacted == url || !e.to_string().contains(url) {
        return e;
    }
    match e {
        DbErr::Conn(inner) => DbErr::Conn(sea_orm::RuntimeErr::Internal(
            inner.to_string().replace(url, &redacted),
        )),
        other => DbErr::Custom(other.to_string().replace(url, &redacted)),
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection string sea-orm cannot parse is named in the error
    /// without its password.
    #[tokio::test]
    async fn a_bad_url_is_reported_without_its_password() {
        let url = "postgres://muster:s3cret@/muster?host=/nowhere";
        let e = connect(url, 1).await.unwrap_err().to_string();
        assert!(e.contains("postgres://muster:***@/muster"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
        assert!(
            e.starts_with("Connection Error: The connection string"),
            "{e}"
        );
    }

    /// A connection in use goes out of the pool without a round trip of
    /// its own; only one that has sat idle is checked first.
    #[tokio::test]
    async fn only_an_idle_connection_is_pinged_on_checkout() {
        let db = connect("sqlite::memory:", 1).await.unwrap();
        let options = db.get_sqlite_connection_pool().options();
        assert!(!options.get_test_before_acquire());
    }
}
