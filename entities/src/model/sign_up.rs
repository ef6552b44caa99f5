//! The `sign_ups` table (mechanical sea-orm entity; rules live in `crate::domain::signups`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::enums::{Involvement, SignUpStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "sign_ups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub display_name: String,
    pub email: String,
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    /// A JSON array of strings.
    pub interests: Json,
    pub involvement: Involvement,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    pub status: SignUpStatus,
    /// The member it was approved as.
    pub member_id: Option<Uuid>,
    /// The member who approved or declined it.
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// What a convener types after `!approve` / `!decline`.
    #[serde(default)]
    pub number: Option<i32>,
    /// Where the bridge invites the member once approved.
    #[serde(default)]
    pub matrix_user_id: Option<String>,
    /// When the convener was reminded to check in with the new member.
    #[serde(default)]
    pub check_in_sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
