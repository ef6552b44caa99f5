//! Educational and promotional resources, of the federation, a group or a
//! project.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use serde_json::json;
use uuid::Uuid;

use super::outbox::{EventKind, emit_row};
use super::validate::{self, NAME_MAX};
use super::{Db, new_id, now, read, write_txn};
use crate::policy::Owner;
use crate::{Actor, DomainError, ResourceKind, Result, Visibility, policy, resource};

/// What `create` needs. At most one of `group_id` and `project_id`.
#[derive(Debug, Clone)]
pub struct NewResource {
    pub title: String,
    pub url: String,
    pub kind: ResourceKind,
    /// Who it is for, e.g. "new workers".
    pub audience: Option<String>,
    pub tags: Vec<String>,
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    /// Defaults to `public`.
    pub visibility: Option<Visibility>,
}

/// What `update` may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ResourcePatch {
    pub title: Option<String>,
    pub url: Option<String>,
    pub kind: Option<ResourceKind>,
    pub audience: Option<String>,
    pub tags: Option<Vec<String>>,
    pub visibility: Option<Visibility>,
}

/// Adds a resource.
#[tracing::instrument(skip_all)]
pub async fn create(db: &impl Db, actor: &Actor, input: NewResource) -> Result<resource::Model> {
    policy::require_member(actor, "add resources")?;
    let title = validate::required("title", &input.title, NAME_MAX)?;
    let url = validate::url("url", &input.url)?;
    let audience = validate::bounded(
        "audience",
        input.audience.as_deref().unwrap_or(""),
        NAME_MAX,
    )?;
    let tags = validate::labels("tags", &input.tags)?;
    if input.group_id.is_some() && input.project_id.is_some() {
        return Err(DomainError::invalid(
            "project_id",
            "give at most one of group_id and project_id",
        ));
    }
    let txn = write_txn(db).await?;
    if let Some(g) = input.group_id {
        read::visible_group(&txn, actor, g, "group_id").await?;
    }
    if let Some(p) = input.project_id {
        read::visible_project(&txn, actor, p, "project_id").await?;
    }
    let owner = read::owner(&txn, input.group_id, input.project_id).await?;
    if owner == Owner::default() {
        policy::require_admin(actor, "record the federation's own resources")?;
    } else {
        policy::require_convener(actor, owner, "add resources here")?;
    }
    let t = now();
    let model = resource::ActiveModel {
        id: Set(new_id()),
        title: Set(title),
        url: Set(url),
        kind: Set(input.kind),
        audience: Set(audience),
        tags: Set(json!(tags)),
        group_id: Set(input.group_id),
        project_id: Set(input.project_id),
        visibility: Set(input.visibility.unwrap_or(Visibility::Public)),
        created_at: Set(t),
        updated_at: Set(t),
        archived_at: Set(None),
    }
    .insert(&txn)
    .await?;
    emit_row(&txn, EventKind::ResourceCreated, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes a resource.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    patch: ResourcePatch,
) -> Result<resource::Model> {
    policy::require_member(actor, "change resources")?;
    let txn = write_txn(db).await?;
    let current = read::live_resource(&txn, id, "id").await?;
    policy::require_convener(
        actor,
        read::owner(&txn, current.group_id, current.project_id).await?,
        "change this resource",
    )?;
    let mut am = current.into_active_model();
    if let Some(v) = patch.title {
        am.title = Set(validate::required("title", &v, NAME_MAX)?);
    }
    if let Some(v) = patch.url {
        am.url = Set(validate::url("url", &v)?);
    }
    if let Some(v) = patch.kind {
        am.kind = Set(v);
    }
    if let Some(v) = patch.audience {
        am.audience = Set(validate::bounded("audience", &v, NAME_MAX)?);
    }
    if let Some(v) = patch.tags {
        am.tags = Set(json!(validate::labels("tags", &v)?));
    }
    if let Some(v) = patch.visibility {
        am.visibility = Set(v);
    }
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::ResourceUpdated, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Archives a resource.
#[tracing::instrument(skip_all)]
pub async fn archive(db: &impl Db, actor: &Actor, id: Uuid) -> Result<resource::Model> {
    policy::require_member(actor, "archive resources")?;
    let txn = write_txn(db).await?;
    let current = read::live_resource(&txn, id, "id").await?;
    policy::require_convener(
        actor,
        read::owner(&txn, current.group_id, current.project_id).await?,
        "archive this resource",
    )?;
    let mut am = current.into_active_model();
    am.archived_at = Set(Some(now()));
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::ResourceArchived, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}
