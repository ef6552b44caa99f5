//! The connections GraphQL reads run on. On PostgreSQL a read checks a
//! connection out of a pool of its own ([`deadpool`]) and gives it back
//! without a round trip; sea-orm's pool (sqlx's) pings every connection it
//! is given back, so every statement cost the database two wake-ups
//! instead of one. A connection is checked (pinged, which also drains what
//! a cancelled statement left unread) only when it needs it: its last
//! statement failed or was cancelled, or it has sat idle for
//! [`PING_IF_IDLE_FOR`](crate::db::PING_IF_IDLE_FOR) (a restart takes
//! longer than that). A cut connection is found that way and replaced.
//!
//! [`Reads`] is a sea-orm connection: the domain's read functions take it
//! as they take any other. Transactions, and every statement on SQLite, go
//! to the ordinary pool it wraps. Writes never use the reads' pool, so a
//! use case's transaction is as it always was.

use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool::managed::{self, Metrics, PoolError, RecycleError, RecycleResult};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
use sea_orm::sqlx::{self, Connection as _};
use sea_orm::{
    AccessMode, ConnAcquireErr, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, ExecResult, IsolationLevel, QueryResult, RuntimeErr, Statement,
    TransactionError, TransactionOptions, TransactionTrait,
};
use sea_query_sqlx::SqlxValues;

use crate::db::PING_IF_IDLE_FOR;

/// Told of every statement a read runs, as sea-orm's metric callback is.
pub type Callback = Arc<dyn Fn(&sea_orm::metric::Info<'_>) + Send + Sync>;

/// Where GraphQL reads run: see the module docs.
#[derive(Clone)]
pub struct Reads {
    db: DatabaseConnection,
    pg: Option<managed::Pool<Opener>>,
    on_statement: Option<Callback>,
}

impl std::fmt::Debug for Reads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reads")
            .field("own_pool", &self.pg.is_some())
            .finish_non_exhaustive()
    }
}

/// Opens and checks the reads' PostgreSQL connections.
struct Opener {
    options: PgConnectOptions,
}

/// A pooled connection, and whether it must be checked before its next use.
struct Pooled {
    raw: PgConnection,
    /// A statement started and did not finish cleanly (failed, or its
    /// future was dropped part way): what it left may still be unread.
    unsettled: bool,
}

impl managed::Manager for Opener {
    type Type = Pooled;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<Pooled, sqlx::Error> {
        Ok(Pooled {
            raw: PgConnection::connect_with(&self.options).await?,
            unsettled: false,
        })
    }

    async fn recycle(&self, conn: &mut Pooled, metrics: &Metrics) -> RecycleResult<sqlx::Error> {
        if conn.unsettled || metrics.last_used() >= PING_IF_IDLE_FOR {
            conn.raw.ping().await.map_err(RecycleError::Backend)?;
            conn.unsettled = false;
        }
        Ok(())
    }
}

impl Reads {
    /// Reads on `db`. On PostgreSQL they get a pool of their own of at
    /// most `max` connections (opened as `db`'s are), whose callers wait
    /// at most `acquire` for a connection or to open one; on SQLite they
    /// run on `db`.
    pub fn new(db: DatabaseConnection, max: usize, acquire: Duration) -> Self {
        let pg = (db.get_database_backend() == DbBackend::Postgres)
            .then(|| {
                let options = db.get_postgres_connection_pool().connect_options();
                managed::Pool::builder(Opener {
                    options: (*options).clone(),
                })
                .max_size(max.max(1))
                .wait_timeout(Some(acquire))
                .create_timeout(Some(acquire))
                .recycle_timeout(Some(acquire))
                .runtime(deadpool::Runtime::Tokio1)
                .build()
                // Only refused without a runtime, and one is given; reads
                // would still work, on the ordinary pool.
                .inspect_err(|e| tracing::warn!(error = %e, "reads run on the ordinary pool"))
                .ok()
            })
            .flatten();
        Self {
            db,
            pg,
            on_statement: None,
        }
    }

    /// Tells `callback` of every statement run on the reads' own pool
    /// (on SQLite, `db`'s own callback already hears of them).
    pub fn set_metric_callback(
        &mut self,
        callback: impl Fn(&sea_orm::metric::Info<'_>) + Send + Sync + 'static,
    ) {
        self.on_statement = Some(Arc::new(callback));
    }

    /// The ordinary pool the reads wrap (writes and transactions).
    pub fn pool(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Runs `stmt` on a pooled PostgreSQL connection.
    async fn fetch(
        &self,
        pool: &managed::Pool<Opener>,
        stmt: &Statement,
    ) -> Result<Vec<QueryResult>, DbErr> {
        let started = Instant::now();
        let res = run(pool, stmt).await;
        if let Some(cb) = &self.on_statement {
            cb(&sea_orm::metric::Info {
                elapsed: started.elapsed(),
                statement: stmt,
                failed: res.is_err(),
            });
        }
        res
    }
}

async fn run(pool: &managed::Pool<Opener>, stmt: &Statement) -> Result<Vec<QueryResult>, DbErr> {
    let mut conn = pool.get().await.map_err(|e| match e {
        PoolError::Timeout(_) => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        PoolError::Closed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        PoolError::Backend(e) => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))),
        other => DbErr::Custom(format!("the reads' pool: {other}")),
    })?;
    let values = (stmt.values.clone()).unwrap_or_else(|| sea_orm::sea_query::Values(Vec::new()));
    conn.unsettled = true;
    let rows = sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
        .fetch_all(&mut conn.raw)
        .await
        .map_err(|e| DbErr::Query(RuntimeErr::SqlxError(Arc::new(e))))?;
    conn.unsettled = false;
    Ok(rows.into_iter().map(QueryResult::from).collect())
}

#[async_trait::async_trait]
impl ConnectionTrait for Reads {
    fn get_database_backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.db.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.db.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.pg {
            Some(pool) => Ok(self.fetch(pool, &stmt).await?.into_iter().next()),
            None => self.db.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.pg {
            Some(pool) => self.fetch(pool, &stmt).await,
            None => self.db.query_all_raw(stmt).await,
        }
    }
}

/// What a transaction's callback returns (sea-orm's signature).
type TxnFuture<'c, T, E> = std::pin::Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>;

/// Every transaction runs on the ordinary pool.
#[async_trait::async_trait]
impl TransactionTrait for Reads {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.db.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.db
            .begin_with_config(isolation_level, access_mode)
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.db.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(&'c DatabaseTransaction) -> TxnFuture<'c, T, E> + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.db.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(&'c DatabaseTransaction) -> TxnFuture<'c, T, E> + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.db
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}
