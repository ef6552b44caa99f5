//! Delivering the outbox to rooms, at least once and in order, without
//! duplicates: rows are claimed oldest first (locked on PostgreSQL, so a
//! standby bridge never delivers the same row), rendered, sent with a
//! transaction id derived from the row (a resend after a crash is the same
//! message to the homeserver), and marked delivered only after the send
//! succeeded. While the homeserver is unreachable or rate-limiting, the
//! batch stops and the rows wait, in order, for the next round.

use std::future::Future;
use std::time::Duration;

use entities::domain::{Db, outbox, rooms, write_txn};
use entities::{Actor, DomainError};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::notices::{Notice, RoomSpec, Work, render};

/// Why a send did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The homeserver asked us to wait (429).
    RateLimited(Duration),
    /// The homeserver did not answer; try again later.
    Unavailable(String),
    /// The homeserver refused this message (e.g. the bot left the room).
    Rejected(String),
}

/// Where notices go: the Matrix client in production.
pub trait Outlet: Sync {
    /// Sends one notice, idempotently by `notice.txn_id`, and returns the
    /// event id it has in the room.
    fn send(&self, notice: &Notice) -> impl Future<Output = Result<String, SendError>> + Send;

    /// Creates a project's room (or finds the one an earlier attempt
    /// created, by its alias), invites its people, and returns its id.
    fn create_room(
        &self,
        spec: &RoomSpec,
    ) -> impl Future<Output = Result<String, SendError>> + Send;

    /// Invites someone to a room (a sign-up approved there). Someone
    /// already in or invited is not an error.
    fn invite(
        &self,
        room_id: &str,
        user_id: &str,
    ) -> impl Future<Output = Result<(), SendError>> + Send;

    /// Marks a room as replaced by another (`m.room.tombstone`), so
    /// clients offer to follow it. A room where the bot may not do that is
    /// not an error: the final notice said where to go.
    fn tombstone(
        &self,
        room_id: &str,
        replacement: &str,
        body: &str,
    ) -> impl Future<Output = Result<(), SendError>> + Send;
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Set when the round stopped early: wait this long before the next.
    pub wait: Option<Duration>,
}

/// How long to wait after the homeserver did not answer.
pub const OUTAGE_BACKOFF: Duration = Duration::from_secs(5);

/// Delivers up to `batch` rows.
///
/// On PostgreSQL the claim's transaction (and its row locks) lasts the
/// round, so a second bridge skips these rows. On SQLite — one process by
/// design — rows are read and marked one by one, so the API's writers are
/// never held up behind a slow homeserver.
pub async fn round(
    db: &DatabaseConnection,
    outlet: &impl Outlet,
    batch: u64,
) -> Result<Round, DomainError> {
    if db.get_database_backend() == DbBackend::Postgres {
        let txn = write_txn(db).await?;
        let rows = outbox::claim(&txn, batch).await?;
        let r = deliver(&txn, outlet, rows).await?;
        txn.commit().await?;
        Ok(r)
    } else {
        let rows = {
            let txn = write_txn(db).await?;
            let rows = outbox::claim(&txn, batch).await?;
            txn.commit().await?;
            rows
        };
        deliver(db, outlet, rows).await
    }
}

async fn deliver(
    db: &impl Db,
    outlet: &impl Outlet,
    rows: Vec<entities::outbox::Model>,
) -> Result<Round, DomainError> {
    let mut r = Round::default();
    for row in rows {
        let result = match render(db, &row).await? {
            None => {
                outbox::mark_delivered(db, row.id).await?;
                r.skipped += 1;
                continue;
            }
            Some(Work::Notice(notice)) => match outlet.send(&notice).await {
                Ok(event_id) => {
                    rooms::record_post(
                        db,
                        &event_id,
                        &notice.room_id,
                        row.id,
                        notice.meeting_id,
                        notice.poll_option_id,
                    )
                    .await?;
                    Ok(())
                }
                Err(e) => Err(e),
            },
            Some(Work::CreateRoom(spec)) => match outlet.create_room(&spec).await {
                Ok(room) => link_created(db, &spec, &room).await,
                Err(e) => Err(e),
            },
            Some(Work::Invite { room_id, user_id }) => outlet.invite(&room_id, &user_id).await,
            Some(Work::Close {
                notice,
                replacement,
            }) => match outlet.send(&notice).await {
                // The final notice, then the tombstone; a retry resends the
                // notice with the same transaction id (not a duplicate).
                Ok(event_id) => {
                    rooms::record_post(db, &event_id, &notice.room_id, row.id, None, None).await?;
                    match replacement {
                        Some(r) if r != notice.room_id => {
                            outlet.tombstone(&notice.room_id, &r, &notice.plain).await
                        }
                        _ => Ok(()),
                    }
                }
                Err(e) => Err(e),
            },
        };
        match result {
            Ok(()) => {
                outbox::mark_delivered(db, row.id).await?;
                r.sent += 1;
            }
            Err(SendError::RateLimited(wait)) => {
                metrics::counter!("muster_matrix_send_retries_total", "reason" => "rate_limited")
                    .increment(1);
                r.wait = Some(wait);
                break;
            }
            Err(SendError::Unavailable(why)) => {
                metrics::counter!("muster_matrix_send_retries_total", "reason" => "unavailable")
                    .increment(1);
                tracing::warn!(%why, "homeserver unavailable; notices wait");
                r.wait = Some(OUTAGE_BACKOFF);
                break;
            }
            Err(SendError::Rejected(why)) => {
                let gave_up = outbox::mark_failed(db, &row).await?;
                tracing::warn!(row = %row.id, %why, gave_up, "homeserver refused a notice");
                r.failed += 1;
            }
        }
    }
    Ok(r)
}

/// Links the room the bridge created to its project. A refusal (the project
/// was linked or archived meanwhile) is logged, not retried: the room exists
/// and a convener can link it by hand.
async fn link_created(db: &impl Db, spec: &RoomSpec, room: &str) -> Result<(), SendError> {
    match rooms::link(db, &Actor::System, spec.project_id, room).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_transient() => Err(SendError::Unavailable(format!("database: {e}"))),
        Err(e) => {
            tracing::warn!(project = %spec.project_id, %room, error = %e, "created a room but could not link it");
            Ok(())
        }
    }
}
