//! Live updates: every change is already written to the outbox in its own
//! transaction, so the outbox is what subscriptions follow. The [`Hub`]
//! broadcasts new outbox rows to this process's subscribers.
//!
//! On PostgreSQL each row is announced with `NOTIFY` when its transaction
//! commits (`entities::domain::outbox::emit`), and every Muster process
//! `LISTEN`s: a change made through one process reaches the subscribers of
//! all of them. The outbox stays the source of truth: a sweep every two
//! seconds reads its recent rows too, so a notification lost while the
//! listener reconnected delays an event but does not drop it. On SQLite —
//! one process by design — the hub polls the outbox for rows newer than
//! the last it saw.

use std::sync::Arc;
use std::time::Duration;

use entities::domain::outbox;
use sea_orm::{DatabaseConnection, DbBackend, EntityTrait};
use tokio::sync::broadcast;

/// How many changes a slow subscriber may fall behind before it misses
/// some (it is then told, and can refetch).
const BUFFER: usize = 1024;

/// How often the PostgreSQL hub sweeps the recent outbox.
const SWEEP: Duration = Duration::from_secs(2);

/// SQLite: how long before a subscription a change may have been written
/// (its id made) and still be committed after it: the follower starts that
/// far back, so a change in a transaction still open when someone
/// subscribed reaches them. A change up to this old may reach a new
/// subscriber too; none after the subscription is missed.
const SLACK: chrono::Duration = chrono::Duration::seconds(2);

/// The ids of rows already sent (the most recent few thousand).
#[derive(Default)]
struct Seen {
    set: std::collections::HashSet<uuid::Uuid>,
    order: std::collections::VecDeque<uuid::Uuid>,
}

impl Seen {
    const CAP: usize = 10_000;

    fn contains(&self, id: uuid::Uuid) -> bool {
        self.set.contains(&id)
    }

    fn insert(&mut self, id: uuid::Uuid) {
        if self.set.insert(id) {
            self.order.push_back(id);
            if self.order.len() > Self::CAP
                && let Some(old) = self.order.pop_front()
            {
                self.set.remove(&old);
            }
        }
    }
}

/// This process's stream of new outbox rows.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<entities::outbox::Model>>,
    /// SQLite: when the first of the present subscribers subscribed, while
    /// the follower has not yet taken its place from it. Locked around
    /// subscribing and around the follower's "no one listens" reset, so
    /// the two cannot cross.
    since: Arc<std::sync::Mutex<Option<chrono::DateTime<chrono::Utc>>>>,
}

impl Hub {
    /// Starts following the outbox of `db`.
    pub fn start(db: DatabaseConnection) -> Self {
        let (tx, _) = broadcast::channel(BUFFER);
        let hub = Self {
            tx,
            since: Arc::default(),
        };
        let follower = hub.clone();
        tokio::spawn(async move {
            if db.get_database_backend() == DbBackend::Postgres {
                follower.listen(db).await;
            } else {
                follower.poll(db).await;
            }
        });
        hub
    }

    /// How many subscriptions follow this hub now (each holds one
    /// receiver): `muster_subscriptions_open`.
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }

    /// A receiver of the rows written from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<entities::outbox::Model>> {
        let mut since = self
            .since
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.tx.receiver_count() == 0 {
            *since = Some(chrono::Utc::now() - SLACK);
        }
        self.tx.subscribe()
    }

    /// PostgreSQL: `LISTEN` wakes the hub for each committed row; a sweep
    /// every [`SWEEP`] reads the recent outbox as well, so rows whose
    /// notification was lost (the listener reconnecting) still go out.
    /// Rows already sent are remembered and never sent twice.
    async fn listen(&self, db: DatabaseConnection) {
        let pool = db.get_postgres_connection_pool().clone();
        let mut seen = Seen::default();
        // Rows from before the hub started are history, never replayed.
        let started = chrono::Utc::now();
        let mut last_sweep = started;
        loop {
            let mut listener = match sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await
            {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "live updates: cannot listen; trying again");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(outbox::CHANNEL).await {
                tracing::warn!(error = %e, "live updates: LISTEN failed; trying again");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
            let mut sweep = tokio::time::interval(SWEEP);
            loop {
                tokio::select! {
                    n = listener.recv() => match n {
                        Ok(n) => {
                            let Ok(id) = n.payload().parse::<uuid::Uuid>() else {
                                continue;
                            };
                            if seen.contains(id) {
                                continue;
                            }
                            if self.tx.receiver_count() == 0 {
                                // Nobody subscribed here: remember it (so a
                                // later sweep does not replay it), skip it.
                                seen.insert(id);
                                continue;
                            }
                            match entities::outbox::Entity::find_by_id(id).one(&db).await {
                                Ok(Some(row)) => self.send(&mut seen, row),
                                Ok(None) => {}
                                Err(e) => {
                                    tracing::warn!(error = %e, "live updates: cannot read a change");
                                }
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "live updates: connection lost; listening again");
                            break;
                        }
                    },
                    _ = sweep.tick() => {
                        let now = chrono::Utc::now();
                        if self.tx.receiver_count() > 0 {
                            // Overlap generously: a row is created before its
                            // transaction commits.
                            let from = (last_sweep - chrono::Duration::seconds(30)).max(started);
                            match outbox::created_since(&db, from, 1_000).await {
                                Ok(rows) => {
                                    for row in rows {
                                        if !seen.contains(row.id) {
                                            self.send(&mut seen, row);
                                        }
                                    }
                                }
                                Err(e) => tracing::warn!(error = %e, "live updates: sweep failed"),
                            }
                        }
                        last_sweep = now;
                    }
                }
            }
        }
    }

    fn send(&self, seen: &mut Seen, row: entities::outbox::Model) {
        seen.insert(row.id);
        let _ = self.tx.send(Arc::new(row));
    }

    /// SQLite: reads rows newer than the last one sent, five times a
    /// second while anyone subscribes (and not at all otherwise). When the
    /// first subscriber arrives, it starts from the newest row.
    async fn poll(&self, db: DatabaseConnection) {
        let mut last: Option<Option<uuid::Uuid>> = None;
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            {
                let mut since = self
                    .since
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if self.tx.receiver_count() == 0 {
                    last = None;
                    *since = None;
                    continue;
                }
                // Someone subscribed while no one listened: start at the
                // moment they did, not at the newest row of this tick,
                // which would skip a change committed in between.
                if last.is_none() {
                    last = Some(Some(outbox::first_id_from(
                        since.take().unwrap_or_else(chrono::Utc::now),
                    )));
                }
            }
            let Some(after) = last else {
                continue;
            };
            match outbox::since(&db, after, 500).await {
                Ok(rows) => {
                    for row in rows {
                        last = Some(Some(row.id));
                        let _ = self.tx.send(Arc::new(row));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "live updates: cannot read changes"),
            }
        }
    }
}
