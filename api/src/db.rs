//! Connecting to the database and bringing its schema up to date. SQLite is
//! put in WAL mode (readers never wait for the writer) with a busy timeout,
//! so the embedded default serves concurrent requests.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// How long a caller waits for a connection unless told otherwise (the
/// default of `database_acquire_timeout_ms`).
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Opens a connection pool.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, max_connections, ACQUIRE_TIMEOUT).await
}

/// Opens a connection pool whose callers wait at most `acquire` for a
/// connection: while the database is down they get an error (the domain's
/// `UNAVAILABLE`) after that long instead of hanging, and the pool
/// reconnects by itself once it is back.
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
        .sqlx_logging(false);
    let db = Database::connect(opts).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode = WAL;").await?;
        db.execute_unprepared("PRAGMA synchronous = NORMAL;")
            .await?;
    }
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}
