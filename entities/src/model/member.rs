//! The `members` table (mechanical sea-orm entity; rules live in `crate::domain`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[sea_orm(unique)]
    pub matrix_user_id: Option<String>,
    pub organisation_id: Option<Uuid>,
    pub is_admin: bool,
    pub joined_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
    /// SHA-256 of the secret in the member's personal calendar URL; never
    /// serialised (so never in the outbox).
    #[serde(skip, default)]
    pub calendar_secret_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
