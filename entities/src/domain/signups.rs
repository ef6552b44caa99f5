//! Sign-ups from the federation's website: anyone may ask to join a group
//! or project; a convener of it (or an admin) approves or declines.
//!
//! A sign-up is its own record, not a member: people off the internet are
//! not members until someone who knows the group says so. Approving links
//! the sign-up to the member with that e-mail address, or creates one, and
//! gives them an active membership. Submitting never reveals whether an
//! e-mail address is already known: a repeat of a pending sign-up is
//! accepted and quietly not stored twice.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::outbox::{EventKind, emit};
use super::validate::{self, NAME_MAX};
use super::{Db, memberships, new_id, now, read, write_txn};
use crate::policy::Owner;
use crate::{
    Actor, DomainError, Involvement, Result, Role, SignUpStatus, member, membership, policy,
    sign_up,
};

/// Longest message a sign-up may carry.
pub const MESSAGE_MAX: usize = 2_000;

/// What the website's form sends. Exactly one of `group_id`, `project_id`.
#[derive(Debug, Clone, Default)]
pub struct NewSignUp {
    pub display_name: String,
    pub email: String,
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub interests: Vec<String>,
    /// Defaults to `supporter`.
    pub involvement: Option<Involvement>,
    pub message: Option<String>,
}

/// Takes a sign-up. Succeeds the same way whether or not the address is
/// known or already waiting.
pub async fn submit(db: &impl Db, actor: &Actor, input: NewSignUp) -> Result<()> {
    let display_name = validate::required("display_name", &input.display_name, NAME_MAX)?;
    let email = validate::email("email", &input.email)?.to_lowercase();
    let interests = validate::labels("interests", &input.interests)?;
    let message = validate::bounded(
        "message",
        input.message.as_deref().unwrap_or(""),
        MESSAGE_MAX,
    )?;
    let txn = write_txn(db).await?;
    let (visibility, owner) = match (input.group_id, input.project_id) {
        (Some(g), None) => (
            read::live_group(&txn, g, "group_id").await?.visibility,
            Owner::group(g),
        ),
        (None, Some(p)) => {
            let project = read::live_project(&txn, p, "project_id").await?;
            (project.visibility, Owner::project(p, project.group_id))
        }
        _ => {
            return Err(DomainError::invalid(
                "group_id",
                "give exactly one of group_id and project_id",
            ));
        }
    };
    if !policy::can_see(actor, visibility, owner) {
        let (field, id) = input
            .group_id
            .map_or(("project_id", input.project_id), |g| ("group_id", Some(g)));
        return Err(DomainError::not_found(
            "group or project",
            field,
            &id.unwrap_or_default(),
        ));
    }
    let mut waiting = sign_up::Entity::find()
        .filter(sign_up::Column::Email.eq(email.clone()))
        .filter(sign_up::Column::Status.eq(SignUpStatus::Pending));
    waiting = match input.group_id {
        Some(g) => waiting.filter(sign_up::Column::GroupId.eq(g)),
        None => waiting.filter(sign_up::Column::ProjectId.eq(input.project_id)),
    };
    if waiting.one(&txn).await?.is_some() {
        txn.commit().await?;
        return Ok(());
    }
    let model = sign_up::ActiveModel {
        id: Set(new_id()),
        display_name: Set(display_name),
        email: Set(email),
        group_id: Set(input.group_id),
        project_id: Set(input.project_id),
        interests: Set(json!(interests)),
        involvement: Set(input.involvement.unwrap_or(Involvement::Supporter)),
        message: Set(message),
        status: Set(SignUpStatus::Pending),
        member_id: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    // The room hears who wants to join and what for — never the address.
    emit(
        &txn,
        EventKind::SignUpSubmitted,
        model.id,
        json!({
            "id": model.id, "display_name": model.display_name, "group_id": model.group_id,
            "project_id": model.project_id, "interests": model.interests, "involvement": model.involvement,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Approves (`approve`) or declines a pending sign-up: its conveners and
/// admins only. Approving finds or creates the member and makes them an
/// active member of the group or project.
pub async fn decide(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    approve: bool,
) -> Result<sign_up::Model> {
    policy::require_member(actor, "decide sign-ups")?;
    let txn = write_txn(db).await?;
    let s = read::get::<sign_up::Entity>(&txn, id, "sign-up", "id").await?;
    let owner = read::owner(&txn, s.group_id, s.project_id).await?;
    if !policy::convenes(actor, owner) {
        // Not revealing sign-ups to those who may not decide them.
        return Err(
            if policy::can_see(actor, crate::Visibility::Members, owner) {
                DomainError::Forbidden(
                    "decide this sign-up: only its conveners and admins may".into(),
                )
            } else {
                DomainError::not_found("sign-up", "id", &id)
            },
        );
    }
    if s.status != SignUpStatus::Pending {
        return Err(DomainError::state(
            "id",
            format!("this sign-up was already {}", s.status),
        ));
    }
    let mut member_id = None;
    if approve {
        let existing = member::Entity::find()
            .filter(member::Column::Email.eq(s.email.clone()))
            .filter(member::Column::ArchivedAt.is_null())
            .order_by_asc(member::Column::Id)
            .one(&txn)
            .await?;
        let m = if let Some(m) = existing {
            m
        } else {
            let t = now();
            member::ActiveModel {
                id: Set(new_id()),
                display_name: Set(s.display_name.clone()),
                email: Set(Some(s.email.clone())),
                phone: Set(None),
                matrix_user_id: Set(None),
                organisation_id: Set(None),
                is_admin: Set(false),
                joined_at: Set(t),
                created_at: Set(t),
                updated_at: Set(t),
                archived_at: Set(None),
                calendar_secret_hash: Set(None),
            }
            .insert(&txn)
            .await?
        };
        let already = membership::Entity::find()
            .filter(membership::Column::MemberId.eq(m.id))
            .filter(membership::Column::ArchivedAt.is_null())
            .filter(match (s.group_id, s.project_id) {
                (Some(g), _) => membership::Column::GroupId.eq(g),
                (None, p) => membership::Column::ProjectId.eq(p),
            })
            .one(&txn)
            .await?;
        if already.is_none() {
            memberships::create(
                &txn,
                &Actor::System,
                memberships::NewMembership {
                    member_id: m.id,
                    group_id: s.group_id,
                    project_id: s.project_id,
                    role: Role::Member,
                    involvement: Some(s.involvement),
                    commitment_hours: None,
                    status: None,
                    since: None,
                },
            )
            .await?;
        }
        member_id = Some(m.id);
    }
    let mut am = s.into_active_model();
    am.status = Set(if approve {
        SignUpStatus::Approved
    } else {
        SignUpStatus::Declined
    });
    am.member_id = Set(member_id);
    am.decided_by = Set(actor.member_id());
    am.decided_at = Set(Some(now()));
    let model = am.update(&txn).await?;
    let kind = if approve {
        EventKind::SignUpApproved
    } else {
        EventKind::SignUpDeclined
    };
    emit(&txn, kind, model.id, json!({ "id": model.id, "member_id": model.member_id, "group_id": model.group_id, "project_id": model.project_id })).await?;
    txn.commit().await?;
    Ok(model)
}

/// The sign-ups `actor` may decide (admins: all), newest first.
pub async fn list(
    db: &impl Db,
    actor: &Actor,
    status: Option<&[SignUpStatus]>,
) -> Result<Vec<sign_up::Model>> {
    policy::require_member(actor, "see sign-ups")?;
    let mut q = sign_up::Entity::find().order_by_desc(sign_up::Column::Id);
    if let Some(s) = status {
        q = q.filter(sign_up::Column::Status.is_in(s.iter().copied()));
    }
    let rows = q.all(db).await?;
    if actor.is_admin() {
        return Ok(rows);
    }
    let mut out = Vec::new();
    for r in rows {
        if policy::convenes(actor, read::owner(db, r.group_id, r.project_id).await?) {
            out.push(r);
        }
    }
    Ok(out)
}
