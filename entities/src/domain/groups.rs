//! Strategic working groups: their purpose and domains, status, and which
//! groups they replaced (`succeeds`), so a successor can inherit what its
//! predecessor held.
//!
//! A group's purpose and domains are its charter: every change to them is
//! kept as a numbered version with who made it and when
//! ([`charter`]), so "what is this group for, and since when?" has an answer.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::outbox::{EventKind, emit_row};
use super::validate::{self, NAME_MAX, TEXT_MAX};
use super::{Db, Patch, new_id, now, read, slugs, write_txn};
use crate::policy::Owner;
use crate::{
    Actor, DomainError, GroupStatus, Result, Visibility, charter_version, group, group_succession,
    policy,
};

/// The time zone a group gets when none is given: the federation's.
pub const DEFAULT_TIME_ZONE: &str = "Europe/London";

/// What `create` needs.
#[derive(Debug, Clone)]
pub struct NewGroup {
    pub name: String,
    pub slug: Option<String>,
    pub purpose: String,
    pub domains: Vec<String>,
    /// Defaults to `forming`.
    pub status: Option<GroupStatus>,
    /// Defaults to `public`.
    pub visibility: Option<Visibility>,
    /// Who the group reports to, e.g. "the board".
    pub reporting_line: Option<String>,
    /// IANA name; defaults to [`DEFAULT_TIME_ZONE`].
    pub time_zone: Option<String>,
    /// The groups this one replaces.
    pub succeeds: Vec<Uuid>,
}

/// What `update` may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct GroupPatch {
    pub name: Option<String>,
    pub purpose: Option<String>,
    pub domains: Option<Vec<String>>,
    pub status: Option<GroupStatus>,
    pub visibility: Option<Visibility>,
    pub reporting_line: Patch<String>,
    pub time_zone: Option<String>,
    /// Replaces the whole list of predecessors.
    pub succeeds: Option<Vec<Uuid>>,
}

/// Adds a strategic working group.
#[tracing::instrument(skip_all)]
pub async fn create(db: &impl Db, actor: &Actor, input: NewGroup) -> Result<group::Model> {
    policy::require_admin(actor, "create groups")?;
    let name = validate::required("name", &input.name, NAME_MAX)?;
    let purpose = validate::bounded("purpose", &input.purpose, TEXT_MAX)?;
    let domains = validate::labels("domains", &input.domains)?;
    let reporting_line =
        validate::optional("reporting_line", input.reporting_line.as_deref(), NAME_MAX)?;
    let time_zone = validate::time_zone(
        "time_zone",
        input.time_zone.as_deref().unwrap_or(DEFAULT_TIME_ZONE),
    )?;
    let txn = write_txn(db).await?;
    let slug = slugs::assign::<group::Entity>(
        &txn,
        group::Column::Slug,
        "group",
        input.slug.as_deref(),
        &name,
    )
    .await?;
    let t = now();
    let model = group::ActiveModel {
        id: Set(new_id()),
        slug: Set(slug),
        name: Set(name),
        purpose: Set(purpose),
        domains: Set(json!(domains)),
        status: Set(input.status.unwrap_or(GroupStatus::Forming)),
        visibility: Set(input.visibility.unwrap_or(Visibility::Public)),
        reporting_line: Set(reporting_line),
        time_zone: Set(time_zone),
        created_at: Set(t),
        updated_at: Set(t),
        archived_at: Set(None),
    }
    .insert(&txn)
    .await?;
    set_predecessors(&txn, model.id, &input.succeeds).await?;
    record_charter(&txn, actor, &model, 1).await?;
    emit_row(&txn, EventKind::GroupCreated, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes a group. The slug never changes.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    patch: GroupPatch,
) -> Result<group::Model> {
    policy::require_member(actor, "change groups")?;
    let txn = write_txn(db).await?;
    let current = read::visible_group(&txn, actor, id, "id").await?;
    policy::require_convener(actor, Owner::group(id), "change this group")?;
    if patch.succeeds.is_some() || patch.visibility.is_some() {
        policy::require_admin(actor, "change what a group succeeds or who may see it")?;
    }
    let (old_purpose, old_domains) = (current.purpose.clone(), current.domains.clone());
    let mut am = current.into_active_model();
    if let Some(v) = patch.name {
        am.name = Set(validate::required("name", &v, NAME_MAX)?);
    }
    if let Some(v) = patch.purpose {
        am.purpose = Set(validate::bounded("purpose", &v, TEXT_MAX)?);
    }
    if let Some(v) = patch.domains {
        am.domains = Set(json!(validate::labels("domains", &v)?));
    }
    if let Some(v) = patch.status {
        am.status = Set(v);
    }
    if let Some(v) = patch.visibility {
        am.visibility = Set(v);
    }
    if let Some(v) = patch.reporting_line {
        am.reporting_line = Set(validate::optional(
            "reporting_line",
            v.as_deref(),
            NAME_MAX,
        )?);
    }
    if let Some(v) = patch.time_zone {
        am.time_zone = Set(validate::time_zone("time_zone", &v)?);
    }
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    if model.purpose != old_purpose || model.domains != old_domains {
        let last = charter_version::Entity::find()
            .filter(charter_version::Column::GroupId.eq(id))
            .order_by_desc(charter_version::Column::Version)
            .one(&txn)
            .await?
            .map_or(0, |v| v.version);
        let v = record_charter(&txn, actor, &model, last + 1).await?;
        emit_row(&txn, EventKind::CharterChanged, model.id, &v).await?;
    }
    if let Some(preds) = patch.succeeds {
        group_succession::Entity::delete_many()
            .filter(group_succession::Column::SuccessorId.eq(id))
            .exec(&txn)
            .await?;
        set_predecessors(&txn, id, &preds).await?;
    }
    emit_row(&txn, EventKind::GroupUpdated, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Archives a group: it leaves lists and can no longer be changed; its
/// projects, meetings and history stay.
#[tracing::instrument(skip_all)]
pub async fn archive(db: &impl Db, actor: &Actor, id: Uuid) -> Result<group::Model> {
    policy::require_admin(actor, "archive groups")?;
    let txn = write_txn(db).await?;
    let mut am = read::visible_group(&txn, actor, id, "id")
        .await?
        .into_active_model();
    am.archived_at = Set(Some(now()));
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::GroupArchived, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Records that `successor` replaces each of `predecessors`, refusing
/// unknown groups, itself, and cycles.
async fn set_predecessors(db: &impl Db, successor: Uuid, predecessors: &[Uuid]) -> Result<()> {
    let mut seen = Vec::new();
    for &pred in predecessors {
        if pred == successor {
            return Err(DomainError::invalid(
                "succeeds",
                "a group cannot succeed itself",
            ));
        }
        if seen.contains(&pred) {
            continue;
        }
        seen.push(pred);
        read::get::<group::Entity>(db, pred, "group", "succeeds").await?;
        if is_ancestor(db, successor, pred).await? {
            return Err(DomainError::invalid(
                "succeeds",
                format!(
                    "group {pred} already (indirectly) succeeds this group; succession cannot go in a circle"
                ),
            ));
        }
        group_succession::Entity::insert(group_succession::ActiveModel {
            successor_id: Set(successor),
            predecessor_id: Set(pred),
            created_at: Set(now()),
        })
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Whether `ancestor` is among the (transitive) predecessors of `group`.
async fn is_ancestor(db: &impl Db, ancestor: Uuid, group: Uuid) -> Result<bool> {
    let mut frontier = vec![group];
    let mut visited = Vec::new();
    while let Some(g) = frontier.pop() {
        if g == ancestor {
            return Ok(true);
        }
        if visited.contains(&g) {
            continue;
        }
        visited.push(g);
        for link in read::successions_of(db, true, &[g]).await? {
            frontier.push(link.predecessor_id);
        }
    }
    Ok(false)
}

async fn record_charter(
    db: &impl Db,
    actor: &Actor,
    g: &group::Model,
    version: i32,
) -> Result<charter_version::Model> {
    Ok(charter_version::ActiveModel {
        id: Set(new_id()),
        group_id: Set(g.id),
        version: Set(version),
        purpose: Set(g.purpose.clone()),
        domains: Set(g.domains.clone()),
        changed_by_id: Set(actor.member_id()),
        changed_at: Set(g.updated_at),
    }
    .insert(db)
    .await?)
}

/// The versions of these groups' charters (purpose and domains), newest
/// first, in one statement; whoever asks has already seen the groups.
#[tracing::instrument(skip_all)]
pub async fn charter(db: &impl Db, group_ids: &[Uuid]) -> Result<Vec<charter_version::Model>> {
    Ok(charter_version::Entity::find()
        .filter(charter_version::Column::GroupId.is_in(group_ids.iter().copied()))
        .order_by_desc(charter_version::Column::Version)
        .all(db)
        .await?)
}
