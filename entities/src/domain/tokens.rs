//! API tokens. A token's secret is shown once, when it is created; only its
//! SHA-256 is stored (the secret is 256 random bits, so a fast hash is
//! enough: there is nothing to brute-force). Presenting a token yields the
//! [`Actor`] it speaks for.

use chrono::Duration;
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::validate::{self, NAME_MAX};
use super::{Db, new_id, now};
use crate::{Actor, Result, TokenKind, api_token, policy};

/// Every secret starts with this, so a leaked one is easy to recognise.
pub const PREFIX: &str = "mst_";

/// How stale `last_used_at` may get before a use rewrites it (a write per
/// request would serialise reads on SQLite).
const LAST_USED_RESOLUTION_SECS: i64 = 60;

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Creates an admin token; returns the stored row and the secret, which is
/// not kept anywhere and cannot be shown again.
pub async fn create_admin(
    db: &impl Db,
    actor: &Actor,
    name: &str,
) -> Result<(api_token::Model, String)> {
    policy::require_admin(actor, "create admin tokens")?;
    let name = validate::required("name", name, NAME_MAX)?;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{PREFIX}{}", hex::encode(bytes));
    let model = api_token::ActiveModel {
        id: Set(new_id()),
        name: Set(name),
        kind: Set(TokenKind::Admin),
        token_hash: Set(hash(&secret)),
        scopes: Set(json!(["admin"])),
        member_id: Set(None),
        created_at: Set(now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((model, secret))
}

/// The actor a presented secret speaks for, or `None` when it is unknown or
/// revoked.
pub async fn authenticate(db: &impl Db, secret: &str) -> Result<Option<Actor>> {
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
    Ok(match token.kind {
        TokenKind::Admin => Some(Actor::Admin { token_id: token.id }),
        // Partner and member tokens arrive with the access work.
        TokenKind::Partner | TokenKind::Member => None,
    })
}
