//! Matrix rooms and the bridge's bookkeeping, as domain rules: which room a
//! project is linked to (at most one each way), who a Matrix sender is, and
//! which Matrix events have been acted on.
//!
//! A command's event is recorded with [`claim_event`] in the same
//! transaction as the command's effect: either both happen or neither, so a
//! crash or a replayed sync neither loses nor repeats a command.

use chrono::{DateTime, Utc};
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
    Actor, DomainError, MeetingStatus, Result, bridge_event, meeting, member, policy, project,
};

/// Checks the form of a Matrix room id, `!opaque:server`.
pub fn room_id(field: &str, value: &str) -> Result<String> {
    let value = validate::required(field, value, 255)?;
    let ok = value.starts_with('!')
        && value[1..]
            .split_once(':')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty());
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
pub async fn project_for_room(db: &impl Db, room: &str) -> Result<Option<project::Model>> {
    Ok(project::Entity::find()
        .filter(project::Column::MatrixRoomId.eq(room))
        .filter(project::Column::ArchivedAt.is_null())
        .one(db)
        .await?)
}

/// The actor behind a Matrix sender, or `None` when no member has that id.
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
pub async fn seen_event(db: &impl Db, event_id: &str) -> Result<bool> {
    Ok(bridge_event::Entity::find_by_id(event_id.to_owned())
        .one(db)
        .await?
        .is_some())
}

/// A project's next meeting (proposed or scheduled, not yet ended).
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
