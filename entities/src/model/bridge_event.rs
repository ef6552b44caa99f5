//! The `bridge_events` table (mechanical sea-orm entity; rules live in `crate::domain::rooms`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "bridge_events")]
pub struct Model {
    /// The Matrix event id, e.g. `$abc:example.org`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    pub room_id: String,
    pub sender: String,
    /// What came of it, for the logs.
    #[sea_orm(column_type = "Text", nullable)]
    pub outcome: Option<String>,
    pub handled_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
