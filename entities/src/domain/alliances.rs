//! Alliances: the federation's, a group's or a project's relationships with
//! other movements and co-op networks.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use uuid::Uuid;

use super::outbox::{EventKind, emit_row};
use super::validate::{self, TEXT_MAX};
use super::{Db, Patch, new_id, now, read, write_txn};
use crate::policy::Owner;
use crate::{
    Actor, AllianceKind, AllianceScope, AllianceStatus, DomainError, Result, alliance, policy,
};

/// What `create` needs. At most one of `group_id` and `project_id`; neither
/// means an alliance of the federation itself.
#[derive(Debug, Clone)]
pub struct NewAlliance {
    pub organisation_id: Uuid,
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub kind: AllianceKind,
    pub scope: AllianceScope,
    /// Defaults to `exploring`.
    pub status: Option<AllianceStatus>,
    pub contact_member_id: Option<Uuid>,
    pub notes: Option<String>,
}

/// What `update` may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AlliancePatch {
    pub kind: Option<AllianceKind>,
    pub scope: Option<AllianceScope>,
    pub status: Option<AllianceStatus>,
    pub contact_member_id: Patch<Uuid>,
    pub notes: Option<String>,
}

/// Records an alliance.
#[tracing::instrument(skip_all)]
pub async fn create(db: &impl Db, actor: &Actor, input: NewAlliance) -> Result<alliance::Model> {
    policy::require_member(actor, "record alliances")?;
    let notes = validate::bounded("notes", input.notes.as_deref().unwrap_or(""), TEXT_MAX)?;
    if input.group_id.is_some() && input.project_id.is_some() {
        return Err(DomainError::invalid(
            "project_id",
            "give at most one of group_id and project_id",
        ));
    }
    let txn = write_txn(db).await?;
    read::live_organisation(&txn, input.organisation_id, "organisation_id").await?;
    if let Some(g) = input.group_id {
        read::visible_group(&txn, actor, g, "group_id").await?;
    }
    if let Some(p) = input.project_id {
        read::visible_project(&txn, actor, p, "project_id").await?;
    }
    let owner = read::owner(&txn, input.group_id, input.project_id).await?;
    if owner == Owner::default() {
        policy::require_admin(actor, "record the federation's own alliances")?;
    } else {
        policy::require_convener(actor, owner, "add alliances here")?;
    }
    if let Some(m) = input.contact_member_id {
        read::live_member(&txn, m, "contact_member_id").await?;
    }
    let t = now();
    let model = alliance::ActiveModel {
        id: Set(new_id()),
        organisation_id: Set(input.organisation_id),
        group_id: Set(input.group_id),
        project_id: Set(input.project_id),
        kind: Set(input.kind),
        scope: Set(input.scope),
        status: Set(input.status.unwrap_or(AllianceStatus::Exploring)),
        contact_member_id: Set(input.contact_member_id),
        notes: Set(notes),
        created_at: Set(t),
        updated_at: Set(t),
        archived_at: Set(None),
    }
    .insert(&txn)
    .await?;
    emit_row(&txn, EventKind::AllianceCreated, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes an alliance.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    patch: AlliancePatch,
) -> Result<alliance::Model> {
    policy::require_member(actor, "change alliances")?;
    let txn = write_txn(db).await?;
    let current = read::live_alliance(&txn, id, "id").await?;
    policy::require_convener(
        actor,
        read::owner(&txn, current.group_id, current.project_id).await?,
        "change this alliance",
    )?;
    let mut am = current.into_active_model();
    if let Some(v) = patch.kind {
        am.kind = Set(v);
    }
    if let Some(v) = patch.scope {
        am.scope = Set(v);
    }
    if let Some(v) = patch.status {
        am.status = Set(v);
    }
    if let Some(v) = patch.contact_member_id {
        if let Some(m) = v {
            read::live_member(&txn, m, "contact_member_id").await?;
        }
        am.contact_member_id = Set(v);
    }
    if let Some(v) = patch.notes {
        am.notes = Set(validate::bounded("notes", &v, TEXT_MAX)?);
    }
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::AllianceUpdated, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Archives an alliance; an archived alliance counts as ended.
#[tracing::instrument(skip_all)]
pub async fn archive(db: &impl Db, actor: &Actor, id: Uuid) -> Result<alliance::Model> {
    policy::require_member(actor, "archive alliances")?;
    let txn = write_txn(db).await?;
    let current = read::live_alliance(&txn, id, "id").await?;
    policy::require_convener(
        actor,
        read::owner(&txn, current.group_id, current.project_id).await?,
        "archive this alliance",
    )?;
    let mut am = current.into_active_model();
    am.status = Set(AllianceStatus::Ended);
    am.archived_at = Set(Some(now()));
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::AllianceArchived, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}
