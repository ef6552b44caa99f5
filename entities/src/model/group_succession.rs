//! The `group_successions` table (mechanical sea-orm entity; rules live in `crate::domain`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "group_successions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub successor_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub predecessor_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
