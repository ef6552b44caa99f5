//! The use cases. Each public function takes the connection or transaction
//! it runs on and the [`Actor`](crate::Actor) asking, checks permissions
//! ([`crate::policy`]), validates ([`validate`]), changes the database inside
//! one transaction of its own (a savepoint when the caller already holds one)
//! and writes the events others must hear about to the outbox
//! ([`outbox`]) in that same transaction. A failure changes nothing.
//! Every use case that changes something runs in a tracing span named after
//! it, inside the adapter's span (the HTTP request with its id, or the chat
//! command with its event id), so its log lines and SQL say whose they are.

pub mod actions;
pub mod alerts;
pub mod alliances;
pub mod groups;
pub mod handovers;
pub mod health;
pub mod meetings;
pub mod members;
pub mod memberships;
pub mod organisations;
pub mod outbox;
pub mod outreach;
pub mod polls;
pub mod projects;
pub mod quorum;
pub mod read;
pub mod resources;
pub mod roles;
pub mod rooms;
pub mod rows;
pub mod signups;
pub mod slugs;
pub mod tokens;
pub mod validate;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use uuid::Uuid;

use crate::Result;

/// A connection a use case can run on: a pool or an open transaction.
pub trait Db: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction> {}
impl<T: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction>> Db for T {}

/// Opens the transaction a use case writes in. On SQLite it takes the write
/// lock at once (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout
/// instead of one failing when it upgrades a read lock; inside an existing
/// transaction it is a savepoint.
pub async fn write_txn(db: &impl Db) -> Result<DatabaseTransaction> {
    let mode = (db.get_database_backend() == DbBackend::Sqlite)
        .then_some(SqliteTransactionMode::Immediate);
    Ok(db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: mode,
            ..Default::default()
        })
        .await?)
}

/// A new time-ordered id (UUID v7).
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// The current instant, to the microsecond (what both databases keep).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// An update to a nullable field: `None` leaves it, `Some(None)` clears it.
pub type Patch<T> = Option<Option<T>>;
