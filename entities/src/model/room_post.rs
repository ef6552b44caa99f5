//! The `room_posts` table (mechanical sea-orm entity; rules live in `crate::domain::rooms`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "room_posts")]
pub struct Model {
    /// The Matrix event id of the bot's message.
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    pub room_id: String,
    /// The outbox row it delivered.
    pub outbox_id: Uuid,
    /// The meeting it announced, if any: reactions to it are RSVPs.
    pub meeting_id: Option<Uuid>,
    /// The poll option it offered, if any: reactions to it are votes.
    pub poll_option_id: Option<Uuid>,
    pub posted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
