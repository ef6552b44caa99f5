//! The `alliances` table (mechanical sea-orm entity; rules live in `crate::domain`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::enums::{AllianceKind, AllianceScope, AllianceStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "alliances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    /// With `project_id`, both unset: an alliance of the federation itself.
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub kind: AllianceKind,
    pub scope: AllianceScope,
    pub status: AllianceStatus,
    pub contact_member_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
