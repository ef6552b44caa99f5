//! Matrix rooms and the bridge's bookkeeping, as domain rules: which room a
//! project is linked to (at most one each way), who a Matrix sender is, and
//! which Matrix events have been acted on.
//!
//! A command's event is recorded with [`claim_event`] in the same
//! transaction as the command's effect: either both happen or neither, so a
//! crash or a replayed sync neither loses nor repeats a command.

use chrono::{DateTime, Utc};
use sea_orm::ExprTrait as _;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::outbox::{EventKind, emit};
use super::validate;
use super::{Db, now, read, tokens, write_txn};
use crate::policy::Owner;
use crate::{
    Actor, DomainError, MeetingStatus, MembershipStatus, Result, Role, bridge_event, meeting,
    member, membership, outbox, policy, project, room_post,
};

/// Checks the form of a Matrix room id: `!opaque:server`, or `!opaque`
/// alone from room version 12 on (where ids no longer name a server).
pub fn room_id(field: &str, value: &str) -> Result<String> {
    let value = validate::required(field, value, 255)?;
    let ok = value
        .strip_prefix('!')
        .is_some_and(|rest| match rest.split_once(':') {
            Some((a, b)) => !a.is_empty() && !b.is_empty(),
            None => !rest.is_empty(),
        })
        && !value.chars().any(char::is_whitespace);
    if ok {
        Ok(value)
    } else {
        Err(DomainError::invalid(
            field,
            format!("'{value}' is not a Matrix room id like !abc:example.org"),
        ))
    }
}

/// Links a project to a room: its conveners and admins. A project has at
/// most one room and a room at most one project.
#[tracing::instrument(skip_all)]
pub async fn link(
    db: &impl Db,
    actor: &Actor,
    project_id: Uuid,
    room: &str,
) -> Result<project::Model> {
    policy::require_member(actor, "link rooms")?;
    let room = room_id("room_id", room)?;
    let txn = write_txn(db).await?;
    let p = read::visible_project(&txn, actor, project_id, "project_id").await?;
    policy::require_convener(
        actor,
        Owner::project(p.id, p.group_id),
        "link this project's room",
    )?;
    if let Some(other) = project_for_room(&txn, &room).await?
        && other.id != p.id
    {
        return Err(DomainError::Conflict {
            field: "room_id".into(),
            message: format!(
                "this room is already linked to '{}'; unlink it there first",
                other.slug
            ),
        });
    }
    if p.matrix_room_id.as_deref().is_some_and(|r| r != room) {
        return Err(DomainError::Conflict {
            field: "project_id".into(),
            message: format!("'{}' already has a room; unlink it first", p.slug),
        });
    }
    let mut am = p.into_active_model();
    am.matrix_room_id = Set(Some(room.clone()));
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit(
        &txn,
        EventKind::ProjectRoomLinked,
        model.id,
        json!({ "project_id": model.id, "room_id": room }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Unlinks a project's room: its conveners and admins.
#[tracing::instrument(skip_all)]
pub async fn unlink(db: &impl Db, actor: &Actor, project_id: Uuid) -> Result<project::Model> {
    policy::require_member(actor, "unlink rooms")?;
    let txn = write_txn(db).await?;
    let p = read::visible_project(&txn, actor, project_id, "project_id").await?;
    policy::require_convener(
        actor,
        Owner::project(p.id, p.group_id),
        "unlink this project's room",
    )?;
    let Some(room) = p.matrix_room_id.clone() else {
        return Err(DomainError::state(
            "project_id",
            format!("'{}' has no room", p.slug),
        ));
    };
    let mut am = p.into_active_model();
    am.matrix_room_id = Set(None);
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit(
        &txn,
        EventKind::ProjectRoomUnlinked,
        model.id,
        json!({ "project_id": model.id, "room_id": room }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// The project linked to a room.
#[tracing::instrument(skip_all)]
pub async fn project_for_room(db: &impl Db, room: &str) -> Result<Option<project::Model>> {
    Ok(project::Entity::find()
        .filter(project::Column::MatrixRoomId.eq(room))
        .filter(project::Column::ArchivedAt.is_null())
        .one(db)
        .await?)
}

/// Every live project linked to a room: the rooms the bot must be in for
/// notices to reach them (`muster doctor` checks it is). Archived projects
/// are left out, as [`project_for_room`] leaves them out.
pub async fn linked_projects(db: &impl Db) -> Result<Vec<project::Model>> {
    Ok(project::Entity::find()
        .filter(project::Column::MatrixRoomId.is_not_null())
        .filter(project::Column::ArchivedAt.is_null())
        .all(db)
        .await?)
}

/// The actor behind a Matrix sender, or `None` when no member has that id.
#[tracing::instrument(skip_all)]
pub async fn sender(db: &impl Db, matrix_user_id: &str) -> Result<Option<Actor>> {
    let Some(m) = member::Entity::find()
        .filter(member::Column::MatrixUserId.eq(matrix_user_id))
        .filter(member::Column::ArchivedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    tokens::member_actor(db, &m, None).await.map(Some)
}

/// Records that the bridge acted on an event. `false` when it already had:
/// then the caller must not act again. Call it inside the transaction that
/// acts.
#[tracing::instrument(skip_all)]
pub async fn claim_event(
    db: &impl Db,
    event_id: &str,
    room: &str,
    sender: &str,
    outcome: &str,
) -> Result<bool> {
    if bridge_event::Entity::find_by_id(event_id.to_owned())
        .one(db)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    bridge_event::ActiveModel {
        event_id: Set(event_id.to_owned()),
        room_id: Set(room.to_owned()),
        sender: Set(sender.to_owned()),
        outcome: Set(Some(outcome.to_owned())),
        handled_at: Set(now()),
    }
    .insert(db)
    .await?;
    Ok(true)
}

/// Whether the bridge already acted on an event.
#[tracing::instrument(skip_all)]
pub async fn seen_event(db: &impl Db, event_id: &str) -> Result<bool> {
    Ok(bridge_event::Entity::find_by_id(event_id.to_owned())
        .one(db)
        .await?
        .is_some())
}

/// A project's next meeting (proposed or scheduled, not yet ended).
#[tracing::instrument(skip_all)]
pub async fn next_meeting(
    db: &impl Db,
    project_id: Uuid,
    at: DateTime<Utc>,
) -> Result<Option<meeting::Model>> {
    Ok(meeting::Entity::find()
        .filter(meeting::Column::ProjectId.eq(project_id))
        .filter(meeting::Column::Status.is_in([MeetingStatus::Proposed, MeetingStatus::Scheduled]))
        .filter(meeting::Column::EndsAt.gt(at))
        .order_by_asc(meeting::Column::StartsAt)
        .one(db)
        .await?)
}

/// Records that the bridge acted on an event and queues its answer (when
/// it has one) in the outbox, in the caller's transaction: the answer is
/// delivered if and only if the event's effect stays. `false` when the
/// event was already handled: then the caller must not act again.
#[tracing::instrument(skip_all)]
pub async fn answer(
    db: &impl Db,
    event: &Answered<'_>,
    reply: Option<(&str, &str)>,
) -> Result<bool> {
    if !claim_event(
        db,
        event.event_id,
        event.room_id,
        event.sender,
        event.outcome,
    )
    .await?
    {
        return Ok(false);
    }
    if let Some((plain, html)) = reply {
        emit(
            db,
            EventKind::BotReply,
            super::new_id(),
            json!({
                "room_id": event.room_id,
                "in_reply_to": event.event_id,
                "sender": event.sender,
                "plain": plain,
                "html": html,
            }),
        )
        .await?;
    }
    Ok(true)
}

/// The event [`answer`] records.
#[derive(Debug, Clone, Copy)]
pub struct Answered<'a> {
    pub event_id: &'a str,
    pub room_id: &'a str,
    pub sender: &'a str,
    /// What came of it, for the logs: `ok` or the refusal.
    pub outcome: &'a str,
}

/// Remembers the Matrix event that delivered an outbox row (idempotent: a
/// resend of the same row yields the same event id).
#[tracing::instrument(skip_all)]
pub async fn record_post(
    db: &impl Db,
    event_id: &str,
    room: &str,
    outbox_id: Uuid,
    meeting_id: Option<Uuid>,
    poll_option_id: Option<Uuid>,
) -> Result<()> {
    if room_post::Entity::find_by_id(event_id.to_owned())
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    room_post::ActiveModel {
        event_id: Set(event_id.to_owned()),
        room_id: Set(room.to_owned()),
        outbox_id: Set(outbox_id),
        meeting_id: Set(meeting_id),
        poll_option_id: Set(poll_option_id),
        posted_at: Set(now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// What a bot message was: its meeting or poll option, if any.
#[tracing::instrument(skip_all)]
pub async fn post(db: &impl Db, event_id: &str) -> Result<Option<room_post::Model>> {
    Ok(room_post::Entity::find_by_id(event_id.to_owned())
        .one(db)
        .await?)
}

/// Asks the bridge to create a room for a project: its conveners and
/// admins, when the project has no room and none is being created. The
/// request carries the room's name, topic (the project's goal), the Matrix
/// ids to invite (active members who have one) and those to make
/// moderators (conveners of the project or its group); the bridge creates
/// the room and links it ([`link`]) when it delivers the request.
#[tracing::instrument(skip_all)]
pub async fn request_room(db: &impl Db, actor: &Actor, project_id: Uuid) -> Result<project::Model> {
    policy::require_member(actor, "create rooms")?;
    let txn = write_txn(db).await?;
    let p = read::visible_project(&txn, actor, project_id, "project_id").await?;
    policy::require_convener(
        actor,
        Owner::project(p.id, p.group_id),
        "create this project's room",
    )?;
    if p.archived_at.is_some() {
        return Err(DomainError::state(
            "project_id",
            format!("'{}' is archived", p.slug),
        ));
    }
    if let Some(room) = &p.matrix_room_id {
        return Err(DomainError::Conflict {
            field: "project_id".into(),
            message: format!("'{}' already has a room ({room}); unlink it first", p.slug),
        });
    }
    let pending = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(EventKind::ProjectRoomRequested.as_str()))
        .filter(outbox::Column::SubjectId.eq(p.id))
        .filter(outbox::Column::DeliveredAt.is_null())
        .one(&txn)
        .await?;
    if pending.is_some() {
        return Err(DomainError::Conflict {
            field: "project_id".into(),
            message: format!(
                "a room for '{}' is already being created; it appears as Project.room when ready",
                p.slug
            ),
        });
    }
    let memberships = membership::Entity::find()
        .filter(
            membership::Column::ProjectId
                .eq(p.id)
                .or(membership::Column::GroupId.eq(p.group_id)),
        )
        .filter(membership::Column::ArchivedAt.is_null())
        .filter(membership::Column::Status.eq(MembershipStatus::Active))
        .all(&txn)
        .await?;
    let ids: Vec<Uuid> = memberships.iter().map(|m| m.member_id).collect();
    let people = member::Entity::find()
        .filter(member::Column::Id.is_in(ids))
        .filter(member::Column::ArchivedAt.is_null())
        .all(&txn)
        .await?;
    let matrix_id = |id: Uuid| {
        people
            .iter()
            .find(|m| m.id == id)
            .and_then(|m| m.matrix_user_id.clone())
    };
    let mut invite = Vec::new();
    let mut moderators = Vec::new();
    for ms in &memberships {
        let Some(mx) = matrix_id(ms.member_id) else {
            continue;
        };
        // Project members are invited; a group's conveners are invited too,
        // as moderators, because they convene its projects.
        let in_project = ms.project_id == Some(p.id);
        let convener = ms.role == Role::Convener;
        if (in_project || convener) && !invite.contains(&mx) {
            invite.push(mx.clone());
        }
        if convener && !moderators.contains(&mx) {
            moderators.push(mx);
        }
    }
    if let Some(me) = actor.member_id()
        && let Some(m) = member::Entity::find_by_id(me).one(&txn).await?
        && let Some(mx) = m.matrix_user_id
    {
        if !invite.contains(&mx) {
            invite.push(mx.clone());
        }
        if !moderators.contains(&mx) {
            moderators.push(mx);
        }
    }
    emit(
        &txn,
        EventKind::ProjectRoomRequested,
        p.id,
        json!({
            "project_id": p.id,
            "name": p.name,
            "topic": p.goal,
            "alias": format!("muster-{}", p.slug),
            "invite": invite,
            "moderators": moderators,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(p)
}

/// The live member with this Matrix id.
#[tracing::instrument(skip_all)]
pub async fn member_by_matrix_id(
    db: &impl Db,
    matrix_user_id: &str,
) -> Result<Option<member::Model>> {
    Ok(member::Entity::find()
        .filter(member::Column::MatrixUserId.eq(matrix_user_id))
        .filter(member::Column::ArchivedAt.is_null())
        .one(db)
        .await?)
}

/// Display names of members, for messages in rooms.
#[tracing::instrument(skip_all)]
pub async fn display_names(
    db: &impl Db,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>> {
    Ok(member::Entity::find()
        .filter(member::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.display_name))
        .collect())
}
