//! The weekly health digest: one row per group and ISO week, written with
//! the digest's outbox events, so a week's digest goes out once.

use sea_orm_migration::prelude::{
    DbErr, DeriveIden, DeriveMigrationName, Index, MigrationTrait, SchemaManager, Table,
    async_trait,
};
use sea_orm_migration::schema::{string_len, timestamp_with_time_zone, uuid};
use sea_orm_migration::sea_orm;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GroupDigests {
    Table,
    GroupId,
    Week,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(GroupDigests::Table)
                .col(uuid(GroupDigests::GroupId))
                .col(string_len(GroupDigests::Week, 8))
                .col(timestamp_with_time_zone(GroupDigests::SentAt))
                .primary_key(
                    Index::create()
                        .col(GroupDigests::GroupId)
                        .col(GroupDigests::Week),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(GroupDigests::Table).to_owned())
            .await
    }
}
