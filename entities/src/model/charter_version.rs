//! The `charter_versions` table (mechanical sea-orm entity; rules live in `crate::domain::groups`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A group's purpose and domains as they stood from `changed_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "charter_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub version: i32,
    #[sea_orm(column_type = "Text")]
    pub purpose: String,
    /// A JSON array of strings.
    pub domains: Json,
    pub changed_by_id: Option<Uuid>,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
