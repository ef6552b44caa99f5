//! The `polls`, `poll_options` and `poll_votes` tables (mechanical sea-orm entities; rules live in `crate::domain::polls`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::enums::PollStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "polls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    /// The meeting being postponed, when the poll picks its new time.
    pub meeting_id: Option<Uuid>,
    pub title: String,
    pub status: PollStatus,
    pub created_by_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    pub chosen_option_id: Option<Uuid>,
    /// Votes count once per co-op (by its delegates, if it named any).
    #[serde(default)]
    pub per_coop: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
