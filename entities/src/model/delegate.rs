//! The `delegates` table (mechanical sea-orm entity; rules live in `crate::domain::organisations`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A member who speaks for their co-op where counts are per co-op.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "delegates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organisation_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: Uuid,
    pub named_by_id: Option<Uuid>,
    pub named_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
