//! Actions agreed at meetings: a text, who will do it, by when, and whether
//! it is done. Each has a number within its group or project (`!done 3`),
//! so a room can name it without ids. Any member who can see the meeting
//! may add one; the action's owner, whoever added it, and conveners may mark
//! it done.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::outbox::{EventKind, emit_row};
use super::read::Owner;
use super::validate::{self, TEXT_MAX};
use super::{Db, meetings, new_id, now, read, write_txn};
use crate::{Actor, DomainError, Result, action, meeting, policy};

/// What `add` needs.
#[derive(Debug, Clone)]
pub struct NewAction {
    pub meeting_id: Uuid,
    pub text: String,
    pub owner_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
}

fn of_owner(m: &meeting::Model) -> sea_orm::Condition {
    match (m.project_id, m.group_id) {
        (Some(p), _) => sea_orm::Condition::all().add(action::Column::ProjectId.eq(p)),
        (None, Some(g)) => sea_orm::Condition::all()
            .add(action::Column::GroupId.eq(g))
            .add(action::Column::ProjectId.is_null()),
        (None, None) => sea_orm::Condition::all().add(action::Column::Id.is_null()),
    }
}

/// Adds an action to a meeting.
#[tracing::instrument(skip_all)]
pub async fn add(db: &impl Db, actor: &Actor, input: NewAction) -> Result<action::Model> {
    policy::require_member(actor, "add actions")?;
    let text = validate::required("text", &input.text, TEXT_MAX)?;
    let txn = write_txn(db).await?;
    let m = meetings::get(&txn, input.meeting_id, "meeting_id").await?;
    let owner = meetings::owner(&txn, &m).await?;
    if !policy::can_see(actor, m.visibility, owner) {
        return Err(DomainError::not_found("meeting", "meeting_id", &m.id));
    }
    if let Some(o) = input.owner_id {
        read::live_member(&txn, o, "owner_id").await?;
    }
    let last = action::Entity::find()
        .filter(of_owner(&m))
        .order_by_desc(action::Column::Number)
        .one(&txn)
        .await?;
    let model = action::ActiveModel {
        id: Set(new_id()),
        meeting_id: Set(m.id),
        group_id: Set(if m.project_id.is_some() {
            None
        } else {
            m.group_id
        }),
        project_id: Set(m.project_id),
        number: Set(last.map_or(1, |l| l.number + 1)),
        text: Set(text),
        owner_id: Set(input.owner_id),
        due_on: Set(input.due_on),
        done_at: Set(None),
        created_by_id: Set(actor.member_id()),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    emit_row(&txn, EventKind::ActionAdded, m.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Marks an action done: its owner, whoever added it, or a convener.
#[tracing::instrument(skip_all)]
pub async fn complete(db: &impl Db, actor: &Actor, id: Uuid) -> Result<action::Model> {
    policy::require_member(actor, "complete actions")?;
    let txn = write_txn(db).await?;
    let a = read::get::<action::Entity>(&txn, id, "action", "id").await?;
    let m = meetings::get(&txn, a.meeting_id, "id").await?;
    let owner = meetings::owner(&txn, &m).await?;
    if !policy::can_see(actor, m.visibility, owner) {
        return Err(DomainError::not_found("action", "id", &id));
    }
    let me = actor.member_id();
    let theirs = me.is_some() && (a.owner_id == me || a.created_by_id == me);
    if !theirs {
        policy::require_convener(actor, owner, "complete someone else's action")?;
    }
    if a.done_at.is_some() {
        return Err(DomainError::state(
            "id",
            format!("action {} is already done", a.number),
        ));
    }
    let mut am = a.into_active_model();
    am.done_at = Set(Some(now()));
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::ActionDone, m.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// The action with this number in a project.
#[tracing::instrument(skip_all)]
pub async fn by_number(db: &impl Db, project_id: Uuid, number: i32) -> Result<action::Model> {
    action::Entity::find()
        .filter(action::Column::ProjectId.eq(project_id))
        .filter(action::Column::Number.eq(number))
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound {
            entity: "action",
            field: "number".into(),
            key: "number",
            value: number.to_string(),
        })
}

/// Open actions of groups or projects (a group's include its projects'),
/// oldest first, that `actor` may see.
#[tracing::instrument(skip_all)]
pub async fn open_of(
    db: &impl Db,
    actor: &Actor,
    owner: Owner,
    ids: &[Uuid],
) -> Result<Vec<action::Model>> {
    let condition = match owner {
        Owner::Group => {
            let projects: Vec<Uuid> = crate::project::Entity::find()
                .filter(crate::project::Column::GroupId.is_in(ids.iter().copied()))
                .all(db)
                .await?
                .into_iter()
                .map(|p| p.id)
                .collect();
            sea_orm::Condition::any()
                .add(action::Column::GroupId.is_in(ids.iter().copied()))
                .add(action::Column::ProjectId.is_in(projects))
        }
        Owner::Project => {
            sea_orm::Condition::all().add(action::Column::ProjectId.is_in(ids.iter().copied()))
        }
        Owner::Member => {
            sea_orm::Condition::all().add(action::Column::OwnerId.is_in(ids.iter().copied()))
        }
    };
    let rows = action::Entity::find()
        .filter(condition)
        .filter(action::Column::DoneAt.is_null())
        .order_by_asc(action::Column::CreatedAt)
        .order_by_asc(action::Column::Number)
        .all(db)
        .await?;
    read::of_visible_meetings(db, actor, rows, |a| a.meeting_id).await
}
