//! The `api_tokens` table (mechanical sea-orm entity; rules live in `crate::domain`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::enums::TokenKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub kind: TokenKind,
    /// SHA-256 of the secret, hex; the secret itself is never stored.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub scopes: Json,
    pub member_id: Option<Uuid>,
    /// The organisation a partner key belongs to.
    pub organisation_id: Option<Uuid>,
    /// When a member session stops working.
    pub expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
