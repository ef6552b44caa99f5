//! One active bridge at a time. On PostgreSQL, where several Muster
//! processes may share a database, a bridge runs only while it holds the
//! bridge lease: a session-level advisory lock on a connection of its own,
//! taken out of the pool for the purpose. A second `muster bridge` (or a
//! `muster serve` with a homeserver) waits as a standby, trying for the
//! lease every [`STANDBY_POLL`]. When the active process dies — even by
//! SIGKILL — PostgreSQL ends its session and the lock with it, and the
//! standby takes over; when the active one loses its connection (a
//! database restart), it stops its bot and stands by again, because the
//! lock went with the connection.
//!
//! Rows are still claimed `FOR UPDATE SKIP LOCKED`, so even in the moment
//! two bridges might both believe they are active, no row is sent twice;
//! the lease is what keeps notices in order, since one bridge delivers at a
//! time. On SQLite there is one process by design and the lease is always
//! granted.

use std::time::Duration;

use sea_orm::sqlx::{self, Connection as _, PgConnection};
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::watch;

/// The advisory lock's key (`'muster-b'` as a big-endian integer).
pub const KEY: i64 = 0x6d75_7374_6572_2d62;

/// How often a standby tries for the lease, and the active bridge checks
/// it still holds it.
pub const STANDBY_POLL: Duration = Duration::from_secs(2);

/// The right to run the bridge.
pub struct Lease {
    conn: Option<PgConnection>,
}

impl Lease {
    /// Whether it is still held: its connection still answers (the lock
    /// lives as long as the session).
    pub async fn held(&mut self) -> bool {
        match &mut self.conn {
            None => true,
            Some(c) => c.ping().await.is_ok(),
        }
    }

    /// Gives the lease up at once (a clean stop), so a standby need not
    /// wait for the connection to time out.
    pub async fn release(mut self) {
        if let Some(c) = self.conn.take() {
            let _ = c.close().await;
        }
    }
}

/// Waits for the lease, trying every [`STANDBY_POLL`]; `None` when `stop`
/// turned true first.
pub async fn acquire(db: &DatabaseConnection, stop: &mut watch::Receiver<bool>) -> Option<Lease> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Some(Lease { conn: None });
    }
    let mut said = false;
    loop {
        if *stop.borrow() {
            return None;
        }
        match try_acquire(db).await {
            Ok(Some(lease)) => {
                if said {
                    tracing::info!("took over the bridge lease: this bridge is now active");
                }
                return Some(lease);
            }
            Ok(None) if !said => {
                tracing::info!(
                    "another bridge is active on this database: standing by until it stops"
                );
                said = true;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not ask for the bridge lease"),
        }
        tokio::select! {
            () = tokio::time::sleep(STANDBY_POLL) => {}
            r = stop.changed() => if r.is_err() { return None; },
        }
    }
}

async fn try_acquire(db: &DatabaseConnection) -> Result<Option<Lease>, sqlx::Error> {
    let mut conn = db.get_postgres_connection_pool().acquire().await?.detach();
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(KEY)
        .fetch_one(&mut conn)
        .await?;
    if got {
        Ok(Some(Lease { conn: Some(conn) }))
    } else {
        let _ = conn.close().await;
        Ok(None)
    }
}
