//! The `projects` table (mechanical sea-orm entity; rules live in `crate::domain`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::enums::{ProjectStatus, Visibility};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub goal: String,
    pub status: ProjectStatus,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub visibility: Visibility,
    /// Falls back to the group's time zone when unset.
    pub time_zone: Option<String>,
    #[sea_orm(unique)]
    pub matrix_room_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
