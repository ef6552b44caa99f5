//! What the bot posted: each delivered notice's Matrix event id, so that a
//! reaction to a meeting announcement (✅ ❌ 🤔) finds its meeting.

use sea_orm_migration::prelude::{
    DbErr, DeriveIden, DeriveMigrationName, Index, MigrationTrait, SchemaManager, Table,
    async_trait,
};
use sea_orm_migration::schema::{string, string_len, timestamp_with_time_zone, uuid, uuid_null};
use sea_orm_migration::sea_orm;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RoomPosts {
    Table,
    EventId,
    RoomId,
    OutboxId,
    MeetingId,
    PostedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RoomPosts::Table)
                .col(string_len(RoomPosts::EventId, 255).primary_key())
                .col(string(RoomPosts::RoomId))
                .col(uuid(RoomPosts::OutboxId))
                .col(uuid_null(RoomPosts::MeetingId))
                .col(timestamp_with_time_zone(RoomPosts::PostedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_room_posts_meeting")
                .table(RoomPosts::Table)
                .col(RoomPosts::MeetingId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RoomPosts::Table).to_owned())
            .await
    }
}
