//! The `actions` table (mechanical sea-orm entity; rules live in `crate::domain::actions`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "actions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The meeting that agreed it.
    pub meeting_id: Uuid,
    /// The group or project it belongs to (the meeting's).
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    /// Its number within the group or project: `!done 3`.
    pub number: i32,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    /// Who will do it.
    pub owner_id: Option<Uuid>,
    pub due_on: Option<Date>,
    pub done_at: Option<DateTimeUtc>,
    pub created_by_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
