//! Roles that say what they ask: each group and project states the roles it
//! needs — a name, the kind of involvement (a say in the destination,
//! steering, the engine, or support), the hours a month it expects and what
//! the person does — so "what would joining ask of me?" has an answer before
//! anyone joins. A member joins into a role
//! ([`super::memberships::NewMembership::role_id`]); `!join` in a room
//! offers them.
//!
//! Roles are defined and retired by the group's or project's conveners (and
//! admins); they are as visible as their group or project.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::outbox::{EventKind, emit_row};
use super::validate::{self, NAME_MAX};
use super::{Db, memberships::MAX_HOURS, new_id, now, read, write_txn};
use crate::policy::{self, Owner};
use crate::{Actor, DomainError, Involvement, Result, role};

/// Longest description of a role.
pub const DESCRIPTION_MAX: usize = 2_000;

/// What `define` needs. Exactly one of `group_id` and `project_id`.
#[derive(Debug, Clone)]
pub struct NewRole {
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub name: String,
    pub involvement: Involvement,
    pub hours_per_month: Option<i32>,
    /// What the role does, in a sentence or two.
    pub description: String,
}

async fn owner_of(
    db: &impl Db,
    actor: &Actor,
    group: Option<Uuid>,
    project: Option<Uuid>,
) -> Result<Owner> {
    match (group, project) {
        (Some(g), None) => Ok(Owner::group(
            read::visible_group(db, actor, g, "group_id").await?.id,
        )),
        (None, Some(p)) => {
            let p = read::visible_project(db, actor, p, "project_id").await?;
            Ok(Owner::project(p.id, p.group_id))
        }
        _ => Err(DomainError::invalid(
            "group_id",
            "give exactly one of group_id and project_id",
        )),
    }
}

/// States a role a group or project asks people to take (its conveners).
#[tracing::instrument(skip_all)]
pub async fn define(db: &impl Db, actor: &Actor, input: NewRole) -> Result<role::Model> {
    policy::require_member(actor, "define roles")?;
    let name = validate::required("name", &input.name, NAME_MAX)?;
    let description = validate::required("description", &input.description, DESCRIPTION_MAX)
        .map_err(|_| {
            DomainError::invalid(
                "description",
                format!(
                    "say in up to {DESCRIPTION_MAX} characters what the role does, so people know what it asks"
                ),
            )
        })?;
    let hours = input
        .hours_per_month
        .map(|h| validate::range("hours_per_month", h, 0, MAX_HOURS))
        .transpose()?;
    let txn = write_txn(db).await?;
    let owner = owner_of(&txn, actor, input.group_id, input.project_id).await?;
    policy::require_convener(actor, owner, "define roles here")?;
    let same_name = of_owner(&txn, input.group_id, input.project_id)
        .await?
        .into_iter()
        .any(|r| r.name.eq_ignore_ascii_case(&name));
    if same_name {
        return Err(DomainError::Conflict {
            field: "name".into(),
            message: format!("there is already a role called '{name}' here; pick another name"),
        });
    }
    let model = role::ActiveModel {
        id: Set(new_id()),
        group_id: Set(input.group_id),
        project_id: Set(input.project_id),
        name: Set(name),
        involvement: Set(input.involvement),
        hours_per_month: Set(hours),
        description: Set(description),
        created_at: Set(now()),
        archived_at: Set(None),
    }
    .insert(&txn)
    .await?;
    emit_row(&txn, EventKind::RoleDefined, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Retires a role: nobody new joins into it; those who hold it keep it.
#[tracing::instrument(skip_all)]
pub async fn retire(db: &impl Db, actor: &Actor, id: Uuid) -> Result<role::Model> {
    policy::require_member(actor, "retire roles")?;
    let txn = write_txn(db).await?;
    let r = read::get::<role::Entity>(&txn, id, "role", "id").await?;
    let owner = owner_of(&txn, actor, r.group_id, r.project_id)
        .await
        .map_err(|_| DomainError::not_found("role", "id", &id))?;
    policy::require_convener(actor, owner, "retire this role")?;
    if r.archived_at.is_some() {
        return Err(DomainError::state("id", "this role is already retired"));
    }
    let mut am = r.into_active_model();
    am.archived_at = Set(Some(now()));
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::RoleRetired, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// The live roles of a group or project, in the order they were defined.
#[tracing::instrument(skip_all)]
pub async fn of_owner(
    db: &impl Db,
    group: Option<Uuid>,
    project: Option<Uuid>,
) -> Result<Vec<role::Model>> {
    let q = role::Entity::find().filter(role::Column::ArchivedAt.is_null());
    let q = match (group, project) {
        (_, Some(p)) => q.filter(role::Column::ProjectId.eq(p)),
        (Some(g), None) => q.filter(role::Column::GroupId.eq(g)),
        (None, None) => return Ok(Vec::new()),
    };
    Ok(q.order_by_asc(role::Column::Id).all(db).await?)
}

/// The live roles of these groups and projects (one statement), for the
/// API's batch loader; whoever asks has already seen the owners.
#[tracing::instrument(skip_all)]
pub async fn of_owners(db: &impl Db, ids: &[Uuid]) -> Result<Vec<role::Model>> {
    Ok(role::Entity::find()
        .filter(role::Column::ArchivedAt.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(role::Column::GroupId.is_in(ids.iter().copied()))
                .add(role::Column::ProjectId.is_in(ids.iter().copied())),
        )
        .order_by_asc(role::Column::Id)
        .all(db)
        .await?)
}

/// A live role of exactly this group or project, for joining into it.
#[tracing::instrument(skip_all)]
pub async fn live_of(
    db: &impl Db,
    id: Uuid,
    group: Option<Uuid>,
    project: Option<Uuid>,
) -> Result<role::Model> {
    let r = read::get::<role::Entity>(db, id, "role", "role_id").await?;
    if r.group_id != group.filter(|_| project.is_none()) || r.project_id != project {
        return Err(DomainError::invalid(
            "role_id",
            "that role belongs to another group or project; pick one of this one's roles",
        ));
    }
    if r.archived_at.is_some() {
        return Err(DomainError::state(
            "role_id",
            format!("the role '{}' was retired; pick another", r.name),
        ));
    }
    Ok(r)
}

/// How a role reads in a list: "Phone banker — delivery, about 4 hours a
/// month: Calls member co-ops…".
pub fn describe(r: &role::Model) -> String {
    let hours = r
        .hours_per_month
        .map(|h| format!(", about {h} hours a month"))
        .unwrap_or_default();
    format!("{} — {}{hours}: {}", r.name, r.involvement, r.description)
}
