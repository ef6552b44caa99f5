//! The `roles` table (mechanical sea-orm entity; rules live in `crate::domain::roles`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::enums::Involvement;

/// A role a group or project asks people to take: what it involves, how
/// many hours a month, and what the person does.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub name: String,
    pub involvement: Involvement,
    pub hours_per_month: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub created_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
