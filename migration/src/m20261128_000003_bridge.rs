//! The bridge's memory: every Matrix event it has acted on (so a restart
//! or a replayed sync never runs a command twice), and an index for
//! finding a room's project.

use sea_orm_migration::prelude::{
    DbErr, DeriveIden, DeriveMigrationName, Index, MigrationTrait, SchemaManager, Table,
    async_trait,
};
use sea_orm_migration::schema::{string, string_len, text_null, timestamp_with_time_zone};
use sea_orm_migration::sea_orm;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BridgeEvents {
    Table,
    EventId,
    RoomId,
    Sender,
    Outcome,
    HandledAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(BridgeEvents::Table)
                .col(string_len(BridgeEvents::EventId, 255).primary_key())
                .col(string(BridgeEvents::RoomId))
                .col(string(BridgeEvents::Sender))
                .col(text_null(BridgeEvents::Outcome))
                .col(timestamp_with_time_zone(BridgeEvents::HandledAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_bridge_events_room")
                .table(BridgeEvents::Table)
                .col(BridgeEvents::RoomId)
                .col(BridgeEvents::HandledAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(BridgeEvents::Table).to_owned())
            .await
    }
}
