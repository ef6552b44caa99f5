//! The `handovers` table (mechanical sea-orm entity; rules live in `crate::domain::handovers`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A handover to a group from the groups it succeeds.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "handovers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub successor_id: Uuid,
    pub started_by_id: Option<Uuid>,
    pub started_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
