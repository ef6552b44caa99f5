//! API keys and member sessions. A secret is shown once, when it is made;
//! only its SHA-256 is stored (the secret is 256 random bits, so a fast hash
//! is enough: there is nothing to brute-force). Presenting one yields the
//! [`Actor`] it speaks for.
//!
//! * Admin keys may do everything; made with `muster token create --admin`.
//! * Partner keys belong to an organisation and carry scopes (today only
//!   `read:public`); they read public data at a rate limit per key.
//! * Member sessions speak for one member, expire, and can be revoked; they
//!   come from a Matrix OpenID exchange ([`open_session`]) or from an admin.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::validate::{self, NAME_MAX};
use super::{Db, new_id, now, read, write_txn};
use crate::actor::MemberActor;
use crate::{
    Actor, DomainError, Result, TokenKind, api_token, member, membership, policy, project,
};

/// Every secret starts with this, so a leaked one is easy to recognise.
pub const PREFIX: &str = "mst_";

/// The scopes a partner key may carry.
pub const SCOPES: &[&str] = &["read:public"];

/// How long a member session lasts when not told otherwise.
pub const DEFAULT_SESSION_DAYS: i64 = 30;

/// How stale `last_used_at` may get before a use rewrites it (a write per
/// request would serialise reads on SQLite).
const LAST_USED_RESOLUTION_SECS: i64 = 60;

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", hex::encode(bytes))
}

/// What a new token is.
#[derive(Debug, Clone)]
pub enum NewToken {
    /// May do everything.
    Admin { name: String },
    /// Reads public data for an organisation.
    Partner {
        name: String,
        organisation_id: Uuid,
        scopes: Vec<String>,
    },
    /// Speaks for a member until it expires.
    Member {
        name: String,
        member_id: Uuid,
        expires_at: Option<DateTime<Utc>>,
    },
}

async fn insert(
    db: &impl Db,
    kind: TokenKind,
    name: &str,
    scopes: &[String],
    member: Option<Uuid>,
    org: Option<Uuid>,
    expires: Option<DateTime<Utc>>,
) -> Result<(api_token::Model, String)> {
    let name = validate::required("name", name, NAME_MAX)?;
    let secret = new_secret();
    let model = api_token::ActiveModel {
        id: Set(new_id()),
        name: Set(name),
        kind: Set(kind),
        token_hash: Set(hash(&secret)),
        scopes: Set(json!(scopes)),
        member_id: Set(member),
        organisation_id: Set(org),
        created_at: Set(now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        expires_at: Set(expires),
    }
    .insert(db)
    .await?;
    Ok((model, secret))
}

/// Makes a token (admins only); returns the stored row and the secret, which
/// is not kept anywhere and cannot be shown again.
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &impl Db,
    actor: &Actor,
    token: NewToken,
) -> Result<(api_token::Model, String)> {
    policy::require_admin(actor, "create API keys")?;
    match token {
        NewToken::Admin { name } => {
            insert(
                db,
                TokenKind::Admin,
                &name,
                &["admin".to_owned()],
                None,
                None,
                None,
            )
            .await
        }
        NewToken::Partner {
            name,
            organisation_id,
            scopes,
        } => {
            read::live_organisation(db, organisation_id, "organisation_id").await?;
            let scopes = if scopes.is_empty() {
                vec!["read:public".to_owned()]
            } else {
                scopes
            };
            if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
                return Err(DomainError::invalid(
                    "scopes",
                    format!("'{bad}' is not a scope; use one of: {}", SCOPES.join(", ")),
                ));
            }
            insert(
                db,
                TokenKind::Partner,
                &name,
                &scopes,
                None,
                Some(organisation_id),
                None,
            )
            .await
        }
        NewToken::Member {
            name,
            member_id,
            expires_at,
        } => {
            read::live_member(db, member_id, "member_id").await?;
            let expires =
                expires_at.unwrap_or_else(|| now() + Duration::days(DEFAULT_SESSION_DAYS));
            if expires <= now() {
                return Err(DomainError::invalid(
                    "expires_at",
                    "expires_at must be in the future",
                ));
            }
            insert(
                db,
                TokenKind::Member,
                &name,
                &[],
                Some(member_id),
                None,
                Some(expires),
            )
            .await
        }
    }
}

/// Shorthand for an admin key.
#[tracing::instrument(skip_all)]
pub async fn create_admin(
    db: &impl Db,
    actor: &Actor,
    name: &str,
) -> Result<(api_token::Model, String)> {
    create(
        db,
        actor,
        NewToken::Admin {
            name: name.to_owned(),
        },
    )
    .await
}

/// Opens a session for the member with this Matrix id, which the caller has
/// verified (the homeserver vouched for it). An unknown Matrix id is an
/// error: no member is created silently.
#[tracing::instrument(skip_all)]
pub async fn open_session(
    db: &impl Db,
    matrix_user_id: &str,
    ttl: Duration,
) -> Result<(api_token::Model, String, member::Model)> {
    let Some(m) = member::Entity::find()
        .filter(member::Column::MatrixUserId.eq(matrix_user_id))
        .filter(member::Column::ArchivedAt.is_null())
        .one(db)
        .await?
    else {
        return Err(DomainError::NotFound {
            entity: "member",
            field: "matrix_user_id".into(),
            key: "Matrix id",
            value: format!(
                "{matrix_user_id}; ask a convener or an admin to add you with this Matrix id"
            ),
        });
    };
    let (token, secret) = insert(
        db,
        TokenKind::Member,
        "matrix session",
        &[],
        Some(m.id),
        None,
        Some(now() + ttl),
    )
    .await?;
    Ok((token, secret, m))
}

/// Revokes a token: admins any, members their own sessions.
#[tracing::instrument(skip_all)]
pub async fn revoke(db: &impl Db, actor: &Actor, id: Uuid) -> Result<api_token::Model> {
    let token = read::get::<api_token::Entity>(db, id, "API key", "id").await?;
    let own = token.kind == TokenKind::Member
        && token.member_id.is_some()
        && token.member_id == actor.member_id();
    if !own {
        policy::require_admin(actor, "revoke other people's keys")?;
    }
    if token.revoked_at.is_some() {
        return Ok(token);
    }
    let mut am = token.into_active_model();
    am.revoked_at = Set(Some(now()));
    Ok(am.update(db).await?)
}

/// Every token, newest first (admins only).
#[tracing::instrument(skip_all)]
pub async fn list(db: &impl Db, actor: &Actor) -> Result<Vec<api_token::Model>> {
    policy::require_admin(actor, "list API keys")?;
    Ok(api_token::Entity::find()
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// The actor for a member (with their memberships loaded).
#[tracing::instrument(skip_all)]
pub async fn member_actor(
    db: &impl Db,
    m: &member::Model,
    session_id: Option<Uuid>,
) -> Result<Actor> {
    let rows = membership::Entity::find()
        .filter(membership::Column::MemberId.eq(m.id))
        .filter(membership::Column::ArchivedAt.is_null())
        .filter(membership::Column::Status.eq(crate::MembershipStatus::Active))
        .all(db)
        .await?;
    let groups: Vec<(Uuid, crate::Role)> = rows
        .iter()
        .filter_map(|r| r.group_id.map(|g| (g, r.role)))
        .collect();
    let projects: Vec<(Uuid, crate::Role)> = rows
        .iter()
        .filter_map(|r| r.project_id.map(|p| (p, r.role)))
        .collect();
    let mut visible_projects: Vec<Uuid> = projects.iter().map(|(p, _)| *p).collect();
    if !groups.is_empty() {
        let of_groups: Vec<Uuid> = project::Entity::find()
            .filter(project::Column::GroupId.is_in(groups.iter().map(|(g, _)| *g)))
            .all(db)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        visible_projects.extend(of_groups);
    }
    Ok(Actor::Member(MemberActor {
        member_id: m.id,
        session_id,
        is_admin: m.is_admin,
        groups,
        projects,
        visible_projects,
    }))
}

/// The actor a presented secret speaks for, or `None` when it is unknown,
/// revoked or expired.
#[tracing::instrument(skip_all)]
pub async fn authenticate(db: &impl Db, secret: &str) -> Result<Option<(Actor, api_token::Model)>> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    let Some(token) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash(secret)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let t = now();
    if token.expires_at.is_some_and(|e| e <= t) {
        return Ok(None);
    }
    if token
        .last_used_at
        .is_none_or(|u| t - u > Duration::seconds(LAST_USED_RESOLUTION_SECS))
    {
        let id = token.id;
        let mut am = token.clone().into_active_model();
        am.last_used_at = Set(Some(t));
        // Recording the use is best effort: a busy database must not refuse
        // an otherwise valid request.
        if let Err(e) = am.update(db).await {
            tracing::warn!(token = %id, error = %e, "could not record token use");
        }
    }
    let actor = match token.kind {
        TokenKind::Admin => Actor::Admin { token_id: token.id },
        TokenKind::Partner => Actor::Partner {
            token_id: token.id,
            organisation_id: token.organisation_id,
        },
        TokenKind::Member => {
            let Some(member_id) = token.member_id else {
                return Ok(None);
            };
            let m = read::get::<member::Entity>(db, member_id, "member", "member_id").await?;
            if m.archived_at.is_some() {
                return Ok(None);
            }
            member_actor(db, &m, Some(token.id)).await?
        }
    };
    Ok(Some((actor, token)))
}

/// Gives the member a new secret for their personal calendar feed (the
/// meetings they said yes to) and returns it; the old one stops working.
/// Members only, for themselves.
#[tracing::instrument(skip_all)]
pub async fn reset_calendar_secret(db: &impl Db, actor: &Actor) -> Result<String> {
    let Some(me) = actor.member_id() else {
        return Err(match actor {
            Actor::Anonymous => DomainError::Unauthenticated,
            _ => DomainError::Forbidden("have a personal calendar: sign in as a member".to_owned()),
        });
    };
    let txn = write_txn(db).await?;
    let m = read::live_member(&txn, me, "member").await?;
    let secret = new_secret();
    let mut am = m.into_active_model();
    am.calendar_secret_hash = Set(Some(hash(&secret)));
    am.update(&txn).await?;
    txn.commit().await?;
    Ok(secret)
}

/// The member whose calendar feed has this secret.
#[tracing::instrument(skip_all)]
pub async fn member_by_calendar_secret(
    db: &impl Db,
    secret: &str,
) -> Result<Option<member::Model>> {
    Ok(member::Entity::find()
        .filter(member::Column::CalendarSecretHash.eq(hash(secret)))
        .filter(member::Column::ArchivedAt.is_null())
        .one(db)
        .await?)
}

/// The meetings a member said yes to, oldest first (moved and cancelled
/// ones included, so subscribed calendars see the change).
#[tracing::instrument(skip_all)]
pub async fn meetings_said_yes(
    db: &impl Db,
    member_id: Uuid,
) -> Result<Vec<crate::meeting::Model>> {
    let ids: Vec<Uuid> = crate::rsvp::Entity::find()
        .filter(crate::rsvp::Column::MemberId.eq(member_id))
        .filter(crate::rsvp::Column::Response.eq(crate::RsvpResponse::Yes))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.meeting_id)
        .collect();
    Ok(crate::meeting::Entity::find()
        .filter(crate::meeting::Column::Id.is_in(ids))
        .order_by_asc(crate::meeting::Column::StartsAt)
        .all(db)
        .await?)
}
