//! The outbox: every change someone else must hear about (the Matrix room,
//! subscribers, later the mailer) is written here as an event in the same
//! transaction as the change itself, so it is delivered if and only if the
//! change happened. Nothing in this crate reads it; the bridge consumes it.

use sea_orm::{ActiveValue::Set, EntityTrait};
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
    MeetingMoved,
    MeetingCancelled,
    RsvpChanged,
    AgendaItemAdded,
    SignUpSubmitted,
    SignUpApproved,
    SignUpDeclined,
    ProjectRoomLinked,
    ProjectRoomUnlinked,
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
            Self::MeetingMoved => "meeting.moved",
            Self::MeetingCancelled => "meeting.cancelled",
            Self::RsvpChanged => "rsvp.changed",
            Self::AgendaItemAdded => "agenda_item.added",
            Self::SignUpSubmitted => "sign_up.submitted",
            Self::SignUpApproved => "sign_up.approved",
            Self::SignUpDeclined => "sign_up.declined",
            Self::ProjectRoomLinked => "project.room_linked",
            Self::ProjectRoomUnlinked => "project.room_unlinked",
        }
    }
}

/// Writes one event. Call it with the use case's transaction.
pub async fn emit(db: &impl Db, kind: EventKind, subject_id: Uuid, payload: Value) -> Result<()> {
    outbox::Entity::insert(outbox::ActiveModel {
        id: Set(new_id()),
        kind: Set(kind.as_str().to_owned()),
        subject_id: Set(subject_id),
        payload: Set(payload),
        created_at: Set(now()),
        delivered_at: Set(None),
        attempts: Set(0),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
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
