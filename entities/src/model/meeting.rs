//! The `meetings` table (mechanical sea-orm entity; rules live in `crate::domain`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::enums::{MeetingFormat, MeetingKind, MeetingStatus, Visibility};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub title: String,
    pub kind: MeetingKind,
    pub format: MeetingFormat,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// IANA name, for display and calendars; instants are UTC.
    pub time_zone: String,
    /// A place or a link.
    pub location: Option<String>,
    pub status: MeetingStatus,
    pub quorum: i32,
    pub visibility: Visibility,
    pub postponed_from_id: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub cancel_reason: Option<String>,
    /// What was said and decided (Markdown), recorded after the meeting.
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(default)]
    pub minutes: Option<String>,
    /// When a convener chose to hold it even though the quorum looked in
    /// danger: no more warnings.
    #[serde(default)]
    pub quorum_confirmed_at: Option<DateTimeUtc>,
    /// Counts are per co-op (each co-op once, by its delegates if it named
    /// any). `serde(default)`: outbox rows written before it existed still read.
    #[serde(default)]
    pub per_coop: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
