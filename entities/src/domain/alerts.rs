//! What a room must hear at a time rather than on a change: reminders
//! before a meeting (default 24 h and 1 h), the quorum warning while there
//! is still time to act (default 48 h), and the agenda when it closes
//! (default 48 h). [`run_due`] is called by the bridge on every round with
//! the current time; it writes each alert to the outbox, so alerts are
//! delivered like every other notice — in order, once, after outages.
//!
//! Never twice, never skipped: an alert is recorded in `meeting_alerts`
//! (one row per meeting and kind, a primary key) in the same transaction
//! as its outbox event, so a restart or a second bridge cannot send it
//! again; and what is due is worked out from the meetings and that table,
//! not from a timer, so an alert that fell due while no bridge ran is sent
//! when one runs again — unless a later one of its kind replaced it (after
//! a long outage only the 1-hour reminder is sent, not both). Only
//! `scheduled` meetings that have not started are alerted: a meeting that
//! was moved (its old row is `postponed`) or cancelled gets no reminder;
//! the moved-to meeting gets its own.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use super::outbox::{EventKind, emit};
use super::{Db, quorum, read, write_txn};
use crate::{Actor, MeetingStatus, Result, RsvpResponse, meeting, meeting_alert, member};

/// When alerts go out, before a meeting starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertPolicy {
    /// Reminders, e.g. 24 h and 1 h before.
    pub reminders: Vec<Duration>,
    /// When the quorum outlook is checked and, if the forecast falls short,
    /// the room warned. Checked on every round from then until the start,
    /// so a forecast that drops later still warns.
    pub quorum_warning: Duration,
    /// When the agenda closes and is posted.
    pub agenda_cutoff: Duration,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        Self {
            reminders: vec![Duration::hours(24), Duration::hours(1)],
            quorum_warning: Duration::hours(48),
            agenda_cutoff: Duration::hours(48),
        }
    }
}

impl AlertPolicy {
    fn horizon(&self) -> Duration {
        self.reminders
            .iter()
            .copied()
            .chain([self.quorum_warning, self.agenda_cutoff])
            .max()
            .unwrap_or_else(Duration::zero)
    }
}

fn reminder_kind(lead: Duration) -> String {
    format!("reminder:{}", lead.num_minutes())
}

const QUORUM: &str = "quorum_warning";
const AGENDA: &str = "agenda";

/// What one call sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    pub reminders: u32,
    pub quorum_warnings: u32,
    pub agendas: u32,
}

/// Writes the alerts due at `now` to the outbox.
pub async fn run_due(db: &impl Db, now: DateTime<Utc>, policy: &AlertPolicy) -> Result<Sent> {
    let meetings = meeting::Entity::find()
        .filter(meeting::Column::Status.eq(MeetingStatus::Scheduled))
        .filter(meeting::Column::StartsAt.gt(now))
        .filter(meeting::Column::StartsAt.lte(now + policy.horizon()))
        .order_by_asc(meeting::Column::StartsAt)
        .all(db)
        .await?;
    let mut sent = Sent::default();
    if meetings.is_empty() {
        return Ok(sent);
    }
    let ids: Vec<Uuid> = meetings.iter().map(|m| m.id).collect();
    let done: std::collections::HashSet<(Uuid, String)> = meeting_alert::Entity::find()
        .filter(meeting_alert::Column::MeetingId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.meeting_id, a.kind))
        .collect();
    let is_done = |m: Uuid, kind: &str| done.contains(&(m, kind.to_owned()));
    let outlooks = quorum::outlooks(db, &Actor::System, &ids).await?;

    for m in &meetings {
        let until = m.starts_at - now;
        // Reminders: the nearest one that is due; the earlier ones it
        // replaces are recorded too, so they are not sent late.
        let mut due: Vec<Duration> = policy
            .reminders
            .iter()
            .copied()
            .filter(|lead| until <= *lead)
            .collect();
        due.sort();
        if let Some(nearest) = due.first().copied()
            && !is_done(m.id, &reminder_kind(nearest))
        {
            let kinds: Vec<String> = due.iter().map(|d| reminder_kind(*d)).collect();
            let waiting = no_reply(db, m).await?;
            let payload =
                json!({ "meeting": m, "lead_minutes": nearest.num_minutes(), "no_reply": waiting });
            if record(db, m.id, &kinds, EventKind::MeetingReminder, payload).await? {
                sent.reminders += 1;
            }
        }
        if until <= policy.agenda_cutoff && !is_done(m.id, AGENDA) {
            let items = read::agenda_of(db, &[m.id]).await?;
            let items: Vec<_> = items
                .iter()
                .map(|i| json!({ "position": i.position, "text": i.text }))
                .collect();
            let payload = json!({ "meeting": m, "items": items });
            if record(
                db,
                m.id,
                &[AGENDA.to_owned()],
                EventKind::AgendaPosted,
                payload,
            )
            .await?
            {
                sent.agendas += 1;
            }
        }
        if m.quorum > 0
            && m.quorum_confirmed_at.is_none()
            && until <= policy.quorum_warning
            && !is_done(m.id, QUORUM)
            && let Some(o) = outlooks.get(&m.id)
            && !o.likely
        {
            let payload = json!({
                "meeting": m,
                "quorum": o.quorum,
                "forecast": (o.forecast * 10.0).round() / 10.0,
                "confirmed": o.confirmed,
                "maybe": o.maybe,
                "declined": o.declined,
                "no_reply": o.no_reply,
                "per_coop": o.per_coop,
                "counting": o.counting(),
            });
            if record(
                db,
                m.id,
                &[QUORUM.to_owned()],
                EventKind::QuorumWarning,
                payload,
            )
            .await?
            {
                sent.quorum_warnings += 1;
            }
        }
    }
    Ok(sent)
}

/// Records the alert kinds and writes the event, in one transaction.
/// `false` when another bridge already recorded the first kind.
async fn record(
    db: &impl Db,
    meeting_id: Uuid,
    kinds: &[String],
    event: EventKind,
    payload: serde_json::Value,
) -> Result<bool> {
    let txn = write_txn(db).await?;
    let at = super::now();
    let mut first = true;
    for kind in kinds {
        let inserted = meeting_alert::Entity::insert(meeting_alert::ActiveModel {
            meeting_id: Set(meeting_id),
            kind: Set(kind.clone()),
            sent_at: Set(at),
        })
        .on_conflict(
            OnConflict::columns([
                meeting_alert::Column::MeetingId,
                meeting_alert::Column::Kind,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if first && inserted == 0 {
            return Ok(false);
        }
        first = false;
    }
    emit(&txn, event, meeting_id, payload).await?;
    txn.commit().await?;
    Ok(true)
}

/// Display names of the invitees who have not answered.
async fn no_reply(db: &impl Db, m: &meeting::Model) -> Result<Vec<String>> {
    let invitees = quorum::invitees(db, m).await?;
    let answered: std::collections::HashSet<Uuid> = read::rsvps_of(db, &[m.id])
        .await?
        .into_iter()
        .filter(|r| {
            matches!(
                r.response,
                RsvpResponse::Yes | RsvpResponse::No | RsvpResponse::Maybe
            )
        })
        .map(|r| r.member_id)
        .collect();
    let waiting: Vec<Uuid> = invitees
        .into_iter()
        .filter(|id| !answered.contains(id))
        .collect();
    let mut names: Vec<String> = member::Entity::find()
        .filter(member::Column::Id.is_in(waiting))
        .filter(member::Column::ArchivedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.display_name)
        .collect();
    names.sort();
    Ok(names)
}
