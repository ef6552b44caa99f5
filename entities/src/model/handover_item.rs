//! The `handover_items` table (mechanical sea-orm entity; rules live in `crate::domain::handovers`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::enums::HandoverItemKind;

/// One item of a handover's checklist.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "handover_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub handover_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub item: HandoverItemKind,
    pub position: i32,
    pub done_by_id: Option<Uuid>,
    pub done_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
