//! The outbox: every change someone else must hear about (the Matrix room,
//! subscribers, later the mailer) is written here as an event in the same
//! transaction as the change itself, so it is delivered if and only if the
//! change happened. Nothing in this crate reads it; the bridge consumes it.

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType},
};
use serde_json::Value;
use uuid::Uuid;

use super::{Db, new_id, now};
use crate::{Result, outbox};

/// The kinds of event, spelled `noun.verb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    OrganisationCreated,
    OrganisationUpdated,
    OrganisationArchived,
    MemberCreated,
    MemberUpdated,
    MemberArchived,
    GroupCreated,
    GroupUpdated,
    GroupArchived,
    ProjectCreated,
    ProjectUpdated,
    ProjectArchived,
    MemberJoined,
    MembershipUpdated,
    MemberLeft,
    AllianceCreated,
    AllianceUpdated,
    AllianceArchived,
    ResourceCreated,
    ResourceUpdated,
    ResourceArchived,
    MeetingScheduled,
    MeetingUpdated,
    MeetingMoved,
    MeetingCancelled,
    MeetingHeld,
    RsvpChanged,
    AgendaItemAdded,
    SignUpSubmitted,
    SignUpApproved,
    SignUpDeclined,
    ProjectRoomLinked,
    ProjectRoomUnlinked,
    ProjectRoomRequested,
    BotReply,
    MeetingReminder,
    AgendaPosted,
    QuorumWarning,
    MeetingConfirmed,
    ActionAdded,
    ActionDone,
    MinutesRecorded,
    PollOpened,
    PollOptionOffered,
    PollClosed,
    HealthDigest,
    RoleDefined,
    RoleRetired,
    CharterChanged,
    HandoverStarted,
    HandoverItemDone,
    HandoverCompleted,
    ContactsAdded,
    ContactLogged,
    DelegateNamed,
    DelegateRemoved,
    SignUpCheckIn,
    SignUpRouted,
}

impl EventKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrganisationCreated => "organisation.created",
            Self::OrganisationUpdated => "organisation.updated",
            Self::OrganisationArchived => "organisation.archived",
            Self::MemberCreated => "member.created",
            Self::MemberUpdated => "member.updated",
            Self::MemberArchived => "member.archived",
            Self::GroupCreated => "group.created",
            Self::GroupUpdated => "group.updated",
            Self::GroupArchived => "group.archived",
            Self::ProjectCreated => "project.created",
            Self::ProjectUpdated => "project.updated",
            Self::ProjectArchived => "project.archived",
            Self::MemberJoined => "membership.created",
            Self::MembershipUpdated => "membership.updated",
            Self::MemberLeft => "membership.archived",
            Self::AllianceCreated => "alliance.created",
            Self::AllianceUpdated => "alliance.updated",
            Self::AllianceArchived => "alliance.archived",
            Self::ResourceCreated => "resource.created",
            Self::ResourceUpdated => "resource.updated",
            Self::ResourceArchived => "resource.archived",
            Self::MeetingScheduled => "meeting.scheduled",
            Self::MeetingUpdated => "meeting.updated",
            Self::MeetingMoved => "meeting.moved",
            Self::MeetingCancelled => "meeting.cancelled",
            Self::MeetingHeld => "meeting.held",
            Self::RsvpChanged => "rsvp.changed",
            Self::AgendaItemAdded => "agenda_item.added",
            Self::SignUpSubmitted => "sign_up.submitted",
            Self::SignUpApproved => "sign_up.approved",
            Self::SignUpDeclined => "sign_up.declined",
            Self::ProjectRoomLinked => "project.room_linked",
            Self::ProjectRoomUnlinked => "project.room_unlinked",
            Self::ProjectRoomRequested => "project.room_requested",
            Self::BotReply => "bridge.reply",
            Self::MeetingReminder => "meeting.reminder",
            Self::AgendaPosted => "meeting.agenda_posted",
            Self::QuorumWarning => "meeting.quorum_warning",
            Self::MeetingConfirmed => "meeting.confirmed",
            Self::ActionAdded => "action.added",
            Self::ActionDone => "action.done",
            Self::MinutesRecorded => "meeting.minutes_recorded",
            Self::PollOpened => "poll.opened",
            Self::PollOptionOffered => "poll.option_offered",
            Self::PollClosed => "poll.closed",
            Self::HealthDigest => "group.health_digest",
            Self::RoleDefined => "role.defined",
            Self::RoleRetired => "role.retired",
            Self::CharterChanged => "group.charter_changed",
            Self::HandoverStarted => "handover.started",
            Self::HandoverItemDone => "handover.item_done",
            Self::HandoverCompleted => "handover.completed",
            Self::ContactsAdded => "outreach.contacts_added",
            Self::ContactLogged => "outreach.contact_logged",
            Self::DelegateNamed => "organisation.delegate_named",
            Self::DelegateRemoved => "organisation.delegate_removed",
            Self::SignUpCheckIn => "sign_up.check_in",
            Self::SignUpRouted => "sign_up.routed",
        }
    }
}

/// Writes one event. Call it with the use case's transaction.
pub async fn emit(db: &impl Db, kind: EventKind, subject_id: Uuid, payload: Value) -> Result<()> {
    let id = new_id();
    outbox::Entity::insert(outbox::ActiveModel {
        id: Set(id),
        kind: Set(kind.as_str().to_owned()),
        subject_id: Set(subject_id),
        payload: Set(payload),
        created_at: Set(now()),
        delivered_at: Set(None),
        attempts: Set(0),
    })
    .exec_without_returning(db)
    .await?;
    // On PostgreSQL, tell every Muster process listening (live updates) —
    // delivered when, and only if, the transaction commits.
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), id.to_string().into()],
        ))
        .await?;
    }
    Ok(())
}

/// The PostgreSQL channel on which new outbox rows are announced.
pub const CHANNEL: &str = "muster_outbox";

/// Outbox rows created after `after` (by id), oldest first: for live
/// updates on SQLite, where one process polls.
pub async fn since(db: &impl Db, after: Option<Uuid>, limit: u64) -> Result<Vec<outbox::Model>> {
    let mut q = outbox::Entity::find()
        .order_by_asc(outbox::Column::Id)
        .limit(limit);
    if let Some(a) = after {
        q = q.filter(outbox::Column::Id.gt(a));
    }
    Ok(q.all(db).await?)
}

/// The lowest id a row written at or after `t` can have: ids are version 7 UUIDs
/// ([`new_id`]), whose first 48 bits are the millisecond they were made, so
/// `since(Some(first_id_from(t)))` reads every row made from `t` on.
pub fn first_id_from(t: chrono::DateTime<chrono::Utc>) -> Uuid {
    let ms = u64::try_from(t.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(ms, &[0; 10]).into_uuid()
}

/// Outbox rows created at or after `t`, oldest first: the live-update
/// fallback on PostgreSQL, for notifications lost while a listener
/// reconnected.
pub async fn created_since(
    db: &impl Db,
    t: chrono::DateTime<chrono::Utc>,
    limit: u64,
) -> Result<Vec<outbox::Model>> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::CreatedAt.gte(t))
        .order_by_asc(outbox::Column::CreatedAt)
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// The newest outbox row's id.
pub async fn latest(db: &impl Db) -> Result<Option<Uuid>> {
    Ok(outbox::Entity::find()
        .order_by_desc(outbox::Column::Id)
        .one(db)
        .await?
        .map(|r| r.id))
}

/// Writes one event whose payload is the changed row itself.
pub async fn emit_row<M: serde::Serialize>(
    db: &impl Db,
    kind: EventKind,
    subject_id: Uuid,
    row: &M,
) -> Result<()> {
    emit(
        db,
        kind,
        subject_id,
        serde_json::to_value(row).unwrap_or(Value::Null),
    )
    .await
}

/// How many times a row that the homeserver refuses is tried before it is
/// given up (and logged).
pub const MAX_ATTEMPTS: i32 = 5;

/// Claims up to `limit` undelivered rows, oldest first, for delivery in the
/// caller's transaction. On PostgreSQL the rows are locked `FOR UPDATE SKIP
/// LOCKED`, so a second bridge process never delivers the same row; on
/// SQLite the write transaction already excludes other writers.
pub async fn claim(txn: &DatabaseTransaction, limit: u64) -> Result<Vec<outbox::Model>> {
    use sea_orm::ConnectionTrait;
    let mut q = outbox::Entity::find()
        .filter(outbox::Column::DeliveredAt.is_null())
        .order_by_asc(outbox::Column::Id)
        .limit(limit);
    if txn.get_database_backend() == DbBackend::Postgres {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    Ok(q.all(txn).await?)
}

/// Marks a row delivered (or deliberately skipped).
pub async fn mark_delivered(db: &impl Db, id: Uuid) -> Result<()> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::DeliveredAt, Expr::value(now()))
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a refused attempt; after [`MAX_ATTEMPTS`] the row is given up.
/// Returns whether it was given up.
pub async fn mark_failed(db: &impl Db, row: &outbox::Model) -> Result<bool> {
    let give_up = row.attempts + 1 >= MAX_ATTEMPTS;
    let mut q = outbox::Entity::update_many()
        .col_expr(outbox::Column::Attempts, Expr::value(row.attempts + 1));
    if give_up {
        q = q.col_expr(outbox::Column::DeliveredAt, Expr::value(now()));
    }
    q.filter(outbox::Column::Id.eq(row.id)).exec(db).await?;
    Ok(give_up)
}

/// Undelivered rows and the age of the oldest, for metrics and `doctor`.
pub async fn backlog(db: &impl Db) -> Result<(u64, Option<chrono::DateTime<chrono::Utc>>)> {
    use sea_orm::PaginatorTrait;
    let q = outbox::Entity::find().filter(outbox::Column::DeliveredAt.is_null());
    let count = q.clone().count(db).await?;
    let oldest = q
        .order_by_asc(outbox::Column::Id)
        .one(db)
        .await?
        .map(|r| r.created_at);
    Ok((count, oldest))
}

/// The Matrix transaction id for a row: derived from the row, so a resend
/// after a crash is recognised by the homeserver as the same message.
pub fn transaction_id(row: &outbox::Model) -> String {
    format!("muster-outbox-{}", row.id.simple())
}

/// How many changes each of these subjects has had (its outbox events):
/// an iCalendar `SEQUENCE` that rises with every change.
pub async fn change_counts(
    db: &impl Db,
    subjects: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, i64>> {
    let rows: Vec<(Uuid, i64)> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::SubjectId)
        .column_as(outbox::Column::Id.count(), "n")
        .filter(outbox::Column::SubjectId.is_in(subjects.iter().copied()))
        // Changes to the event itself: reminders, answers and warnings
        // are not.
        .filter(outbox::Column::Kind.is_in([
            EventKind::MeetingScheduled.as_str(),
            EventKind::MeetingUpdated.as_str(),
            EventKind::MeetingMoved.as_str(),
            EventKind::MeetingCancelled.as_str(),
            EventKind::MeetingHeld.as_str(),
        ]))
        .group_by(outbox::Column::SubjectId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
