//! Project groups under a strategic group: Co-op Fortnight, the Autumn
//! Assembly, phone banking… Each may later be linked to a Matrix room.

use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use uuid::Uuid;

use super::outbox::{EventKind, emit_row};
use super::validate::{self, NAME_MAX, TEXT_MAX};
use super::{Db, Patch, new_id, now, read, slugs, write_txn};
use crate::policy::Owner;
use crate::{Actor, DomainError, ProjectStatus, Result, Visibility, policy, project};

/// What `create` needs.
#[derive(Debug, Clone)]
pub struct NewProject {
    pub group_id: Uuid,
    pub name: String,
    pub slug: Option<String>,
    pub goal: String,
    /// Defaults to `idea`.
    pub status: Option<ProjectStatus>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// Defaults to the group's visibility.
    pub visibility: Option<Visibility>,
    /// Defaults to the group's time zone.
    pub time_zone: Option<String>,
}

/// What `update` may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProjectPatch {
    pub name: Option<String>,
    pub goal: Option<String>,
    pub status: Option<ProjectStatus>,
    pub starts_on: Patch<NaiveDate>,
    pub ends_on: Patch<NaiveDate>,
    pub visibility: Option<Visibility>,
    pub time_zone: Patch<String>,
}

fn check_dates(starts: Option<NaiveDate>, ends: Option<NaiveDate>) -> Result<()> {
    if let (Some(s), Some(e)) = (starts, ends)
        && e < s
    {
        return Err(DomainError::invalid(
            "ends_on",
            format!("ends_on ({e}) is before starts_on ({s})"),
        ));
    }
    Ok(())
}

fn zone(value: Option<&str>) -> Result<Option<String>> {
    value
        .map(|z| validate::time_zone("time_zone", z))
        .transpose()
}

/// Adds a project group under a strategic group.
#[tracing::instrument(skip_all)]
pub async fn create(db: &impl Db, actor: &Actor, input: NewProject) -> Result<project::Model> {
    policy::require_member(actor, "create projects")?;
    let name = validate::required("name", &input.name, NAME_MAX)?;
    let goal = validate::bounded("goal", &input.goal, TEXT_MAX)?;
    check_dates(input.starts_on, input.ends_on)?;
    let time_zone = zone(input.time_zone.as_deref())?;
    let txn = write_txn(db).await?;
    let group = read::visible_group(&txn, actor, input.group_id, "group_id").await?;
    policy::require_convener(actor, Owner::group(group.id), "add projects to this group")?;
    let slug = slugs::assign::<project::Entity>(
        &txn,
        project::Column::Slug,
        "project",
        input.slug.as_deref(),
        &name,
    )
    .await?;
    let t = now();
    let model = project::ActiveModel {
        id: Set(new_id()),
        group_id: Set(group.id),
        slug: Set(slug),
        name: Set(name),
        goal: Set(goal),
        status: Set(input.status.unwrap_or(ProjectStatus::Idea)),
        starts_on: Set(input.starts_on),
        ends_on: Set(input.ends_on),
        visibility: Set(input.visibility.unwrap_or(group.visibility)),
        time_zone: Set(time_zone),
        matrix_room_id: Set(None),
        created_at: Set(t),
        updated_at: Set(t),
        archived_at: Set(None),
    }
    .insert(&txn)
    .await?;
    emit_row(&txn, EventKind::ProjectCreated, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes a project. The slug and the group never change.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    patch: ProjectPatch,
) -> Result<project::Model> {
    policy::require_member(actor, "change projects")?;
    let txn = write_txn(db).await?;
    let current = read::visible_project(&txn, actor, id, "id").await?;
    policy::require_convener(
        actor,
        Owner::project(id, current.group_id),
        "change this project",
    )?;
    let starts = patch.starts_on.unwrap_or(current.starts_on);
    let ends = patch.ends_on.unwrap_or(current.ends_on);
    check_dates(starts, ends)?;
    let mut am = current.into_active_model();
    if let Some(v) = patch.name {
        am.name = Set(validate::required("name", &v, NAME_MAX)?);
    }
    if let Some(v) = patch.goal {
        am.goal = Set(validate::bounded("goal", &v, TEXT_MAX)?);
    }
    if let Some(v) = patch.status {
        am.status = Set(v);
    }
    if let Some(v) = patch.visibility {
        am.visibility = Set(v);
    }
    if let Some(v) = patch.time_zone {
        am.time_zone = Set(zone(v.as_deref())?);
    }
    am.starts_on = Set(starts);
    am.ends_on = Set(ends);
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::ProjectUpdated, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Archives a project: it leaves lists and can no longer be changed.
#[tracing::instrument(skip_all)]
pub async fn archive(db: &impl Db, actor: &Actor, id: Uuid) -> Result<project::Model> {
    policy::require_member(actor, "archive projects")?;
    let txn = write_txn(db).await?;
    let current = read::visible_project(&txn, actor, id, "id").await?;
    policy::require_convener(
        actor,
        Owner::group(current.group_id),
        "archive this project",
    )?;
    let mut am = current.into_active_model();
    am.archived_at = Set(Some(now()));
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::ProjectArchived, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}
