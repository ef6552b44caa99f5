//! Memberships: a member in a group or a project, with the role they hold,
//! the kind of involvement it asks (destination, steering, engine, support)
//! and the hours a month they said they can give.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use uuid::Uuid;

use super::outbox::{EventKind, emit_row};
use super::validate;
use super::{Db, Patch, new_id, now, read, write_txn};
use crate::{Actor, DomainError, Involvement, MembershipStatus, Result, Role, membership, policy};

/// Most hours a month a membership may state.
pub const MAX_HOURS: i32 = 200;

/// What `create` needs. Exactly one of `group_id` and `project_id`.
#[derive(Debug, Clone)]
pub struct NewMembership {
    pub member_id: Uuid,
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub role: Role,
    /// Defaults to what the role usually asks ([`default_involvement`]).
    pub involvement: Option<Involvement>,
    pub commitment_hours: Option<i32>,
    /// Defaults to `active`.
    pub status: Option<MembershipStatus>,
    /// Defaults to now.
    pub since: Option<DateTime<Utc>>,
    /// A role the group or project defined ([`super::roles`]): the
    /// involvement and hours default to what it asks.
    pub role_id: Option<Uuid>,
}

/// What `update` may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct MembershipPatch {
    pub role: Option<Role>,
    pub involvement: Option<Involvement>,
    pub commitment_hours: Patch<i32>,
    pub status: Option<MembershipStatus>,
    pub until: Patch<DateTime<Utc>>,
}

/// What a role usually asks when the membership does not say: conveners
/// steer, board liaisons and observers keep a say in the destination or
/// support, everyone else works on the engine.
pub fn default_involvement(role: Role) -> Involvement {
    match role {
        Role::Convener | Role::Staff => Involvement::Coordination,
        Role::BoardLiaison => Involvement::Strategy,
        Role::Observer => Involvement::Supporter,
        Role::Member => Involvement::Delivery,
    }
}

fn hours(v: Option<i32>) -> Result<Option<i32>> {
    v.map(|h| validate::range("commitment_hours", h, 0, MAX_HOURS))
        .transpose()
}

/// Puts a member in a group or a project. A member who left before is
/// re-admitted on their old membership (its history is kept).
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &impl Db,
    actor: &Actor,
    input: NewMembership,
) -> Result<membership::Model> {
    policy::require_member(actor, "join")?;
    let joining_self = actor.member_id() == Some(input.member_id)
        && matches!(input.role, Role::Member | Role::Observer);
    let allowed = actor.is_admin() || joining_self;
    if !allowed {
        return Err(DomainError::Forbidden(
            "add other people or give roles other than member or observer: ask an admin".into(),
        ));
    }
    let txn = write_txn(db).await?;
    let taken = match input.role_id {
        Some(r) => Some(super::roles::live_of(&txn, r, input.group_id, input.project_id).await?),
        None => None,
    };
    let commitment_hours = hours(
        input
            .commitment_hours
            .or_else(|| taken.as_ref().and_then(|r| r.hours_per_month)),
    )?;
    let involvement = input
        .involvement
        .or_else(|| taken.as_ref().map(|r| r.involvement))
        .unwrap_or_else(|| default_involvement(input.role));
    read::live_member(&txn, input.member_id, "member_id").await?;
    let existing = match (input.group_id, input.project_id) {
        (Some(g), None) => {
            read::visible_group(&txn, actor, g, "group_id").await?;
            membership::Entity::find()
                .filter(membership::Column::MemberId.eq(input.member_id))
                .filter(membership::Column::GroupId.eq(g))
                .one(&txn)
                .await?
        }
        (None, Some(p)) => {
            read::visible_project(&txn, actor, p, "project_id").await?;
            membership::Entity::find()
                .filter(membership::Column::MemberId.eq(input.member_id))
                .filter(membership::Column::ProjectId.eq(p))
                .one(&txn)
                .await?
        }
        _ => {
            return Err(DomainError::invalid(
                "group_id",
                "give exactly one of group_id and project_id",
            ));
        }
    };
    let t = now();
    let since = input.since.unwrap_or(t);
    let model = match existing {
        // An invitation (a handover's, say) accepted by the member: it keeps
        // the involvement and hours carried over unless they say otherwise.
        Some(m)
            if m.archived_at.is_none()
                && m.status == MembershipStatus::Pending
                && actor.member_id() == Some(m.member_id) =>
        {
            let mut am = m.clone().into_active_model();
            if input.involvement.is_some() || taken.is_some() {
                am.involvement = Set(involvement);
            }
            if commitment_hours.is_some() {
                am.commitment_hours = Set(commitment_hours);
            }
            if input.role_id.is_some() {
                am.role_id = Set(input.role_id);
            }
            am.status = Set(MembershipStatus::Active);
            am.since = Set(since);
            am.updated_at = Set(t);
            am.update(&txn).await?
        }
        Some(m) if m.archived_at.is_none() => {
            return Err(DomainError::Conflict {
                field: "member_id".into(),
                message: "this member already has a membership there; update it instead".into(),
            });
        }
        Some(old) => {
            let mut am = old.into_active_model();
            am.role = Set(input.role);
            am.involvement = Set(involvement);
            am.commitment_hours = Set(commitment_hours);
            am.role_id = Set(input.role_id);
            am.status = Set(input.status.unwrap_or(MembershipStatus::Active));
            am.since = Set(since);
            am.until = Set(None);
            am.archived_at = Set(None);
            am.updated_at = Set(t);
            am.update(&txn).await?
        }
        None => {
            membership::ActiveModel {
                id: Set(new_id()),
                member_id: Set(input.member_id),
                group_id: Set(input.group_id),
                project_id: Set(input.project_id),
                role: Set(input.role),
                involvement: Set(involvement),
                commitment_hours: Set(commitment_hours),
                role_id: Set(input.role_id),
                status: Set(input.status.unwrap_or(MembershipStatus::Active)),
                since: Set(since),
                until: Set(None),
                created_at: Set(t),
                updated_at: Set(t),
                archived_at: Set(None),
            }
            .insert(&txn)
            .await?
        }
    };
    emit_row(&txn, EventKind::MemberJoined, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes a membership's role, involvement, hours, status or end.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    patch: MembershipPatch,
) -> Result<membership::Model> {
    policy::require_member(actor, "change memberships")?;
    let txn = write_txn(db).await?;
    let current = read::live_membership(&txn, id, "id").await?;
    let owner = read::owner(&txn, current.group_id, current.project_id).await?;
    let own_terms = actor.member_id() == Some(current.member_id) && patch.role.is_none();
    if !(own_terms || policy::convenes(actor, owner)) {
        return Err(DomainError::Forbidden("change this membership: only the member (not their role), its conveners and admins may".into()));
    }
    if let Some(Some(until)) = patch.until
        && until < current.since
    {
        return Err(DomainError::invalid(
            "until",
            format!("until ({until}) is before since ({})", current.since),
        ));
    }
    let mut am = current.into_active_model();
    if let Some(v) = patch.role {
        am.role = Set(v);
    }
    if let Some(v) = patch.involvement {
        am.involvement = Set(v);
    }
    if let Some(v) = patch.commitment_hours {
        am.commitment_hours = Set(hours(v)?);
    }
    if let Some(v) = patch.status {
        am.status = Set(v);
    }
    if let Some(v) = patch.until {
        am.until = Set(v);
    }
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::MembershipUpdated, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Ends a membership: the member stepped back. It leaves lists; its
/// history (since, until, role) stays.
#[tracing::instrument(skip_all)]
pub async fn archive(db: &impl Db, actor: &Actor, id: Uuid) -> Result<membership::Model> {
    policy::require_member(actor, "end memberships")?;
    let txn = write_txn(db).await?;
    let current = read::live_membership(&txn, id, "id").await?;
    if actor.member_id() != Some(current.member_id) {
        policy::require_convener(
            actor,
            read::owner(&txn, current.group_id, current.project_id).await?,
            "end someone else's membership",
        )?;
    }
    let t = now();
    let until = current.until.unwrap_or(t);
    let mut am = current.into_active_model();
    am.status = Set(MembershipStatus::SteppedBack);
    am.until = Set(Some(until));
    am.archived_at = Set(Some(t));
    am.updated_at = Set(t);
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::MemberLeft, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// The acting member leaves a project (ends their own live membership).
#[tracing::instrument(skip_all)]
pub async fn leave_project(
    db: &impl Db,
    actor: &Actor,
    project_id: Uuid,
) -> Result<membership::Model> {
    policy::require_member(actor, "leave")?;
    let Some(me) = actor.member_id() else {
        return Err(DomainError::invalid(
            "member_id",
            "this key does not speak for a member",
        ));
    };
    let own = membership::Entity::find()
        .filter(membership::Column::MemberId.eq(me))
        .filter(membership::Column::ProjectId.eq(project_id))
        .filter(membership::Column::ArchivedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| DomainError::state("project_id", "you are not a member of this project"))?;
    archive(db, actor, own.id).await
}
