//! What makes meetings happen: alerts sent ahead of a meeting (reminders,
//! the quorum warning, the agenda at its cut-off) recorded once each, a
//! convener's "go ahead anyway", minutes, actions, and the secret of a
//! member's personal calendar feed.

use sea_orm_migration::prelude::{
    ColumnDef, DbErr, DeriveIden, DeriveMigrationName, ForeignKey, ForeignKeyAction, Index,
    MigrationTrait, SchemaManager, Table, async_trait,
};
use sea_orm_migration::schema::{
    date_null, integer, string_len, text, timestamp_with_time_zone, timestamp_with_time_zone_null,
    uuid, uuid_null,
};
use sea_orm_migration::sea_orm;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
    Minutes,
    QuorumConfirmedAt,
}

#[derive(DeriveIden)]
enum MeetingAlerts {
    Table,
    MeetingId,
    Kind,
    SentAt,
}

#[derive(DeriveIden)]
enum Actions {
    Table,
    Id,
    MeetingId,
    GroupId,
    ProjectId,
    Number,
    Text,
    OwnerId,
    DueOn,
    DoneAt,
    CreatedById,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
    CalendarSecretHash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Meetings::Table)
                .add_column(ColumnDef::new(Meetings::Minutes).text().null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Meetings::Table)
                .add_column(
                    ColumnDef::new(Meetings::QuorumConfirmedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        // A member's personal calendar feed: only the secret's SHA-256.
        m.alter_table(
            Table::alter()
                .table(Members::Table)
                .add_column(
                    ColumnDef::new(Members::CalendarSecretHash)
                        .string_len(64)
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_members_calendar_secret")
                .table(Members::Table)
                .col(Members::CalendarSecretHash)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MeetingAlerts::Table)
                .col(uuid(MeetingAlerts::MeetingId))
                .col(string_len(MeetingAlerts::Kind, 32))
                .col(timestamp_with_time_zone(MeetingAlerts::SentAt))
                .primary_key(
                    Index::create()
                        .col(MeetingAlerts::MeetingId)
                        .col(MeetingAlerts::Kind),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(MeetingAlerts::Table, MeetingAlerts::MeetingId)
                        .to(Meetings::Table, Meetings::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Actions::Table)
                .col(uuid(Actions::Id).primary_key())
                .col(uuid(Actions::MeetingId))
                .col(uuid_null(Actions::GroupId))
                .col(uuid_null(Actions::ProjectId))
                .col(integer(Actions::Number))
                .col(text(Actions::Text))
                .col(uuid_null(Actions::OwnerId))
                .col(date_null(Actions::DueOn))
                .col(timestamp_with_time_zone_null(Actions::DoneAt))
                .col(uuid_null(Actions::CreatedById))
                .col(timestamp_with_time_zone(Actions::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Actions::Table, Actions::MeetingId)
                        .to(Meetings::Table, Meetings::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Actions::Table, Actions::OwnerId)
                        .to(Members::Table, Members::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_actions_group_number")
                .table(Actions::Table)
                .col(Actions::GroupId)
                .col(Actions::ProjectId)
                .col(Actions::Number)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_actions_meeting")
                .table(Actions::Table)
                .col(Actions::MeetingId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_members_calendar_secret")
                .table(Members::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Members::Table)
                .drop_column(Members::CalendarSecretHash)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Actions::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(MeetingAlerts::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Meetings::Table)
                .drop_column(Meetings::QuorumConfirmedAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Meetings::Table)
                .drop_column(Meetings::Minutes)
                .to_owned(),
        )
        .await
    }
}
