//! The `contacts` table (mechanical sea-orm entity; rules live in `crate::domain::outreach`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::enums::ContactStatus;

/// A co-op to call or visit in an outreach project.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub project_id: Uuid,
    pub organisation_id: Uuid,
    /// The volunteer calling it now, if any.
    pub assigned_member_id: Option<Uuid>,
    pub assigned_at: Option<DateTimeUtc>,
    pub status: ContactStatus,
    /// Outcome notes, newest last, one dated line per call.
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub next_step_on: Option<Date>,
    pub updated_by_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
