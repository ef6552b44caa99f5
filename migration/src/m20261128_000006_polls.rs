//! Date polls: candidate times for a meeting, votes (by reacting to each
//! option's message in the room, or through the API), and the winner
//! scheduled when the poll closes.

use sea_orm_migration::prelude::{
    ColumnDef, DbErr, DeriveIden, DeriveMigrationName, ForeignKey, Index, MigrationTrait,
    SchemaManager, Table, async_trait,
};
use sea_orm_migration::schema::{
    integer, string, string_len, timestamp_with_time_zone, timestamp_with_time_zone_null, uuid,
    uuid_null,
};
use sea_orm_migration::sea_orm;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Polls {
    Table,
    Id,
    GroupId,
    ProjectId,
    MeetingId,
    Title,
    Status,
    CreatedById,
    CreatedAt,
    ClosedAt,
    ChosenOptionId,
}

#[derive(DeriveIden)]
enum PollOptions {
    Table,
    Id,
    PollId,
    Position,
    StartsAt,
}

#[derive(DeriveIden)]
enum PollVotes {
    Table,
    OptionId,
    MemberId,
    VotedAt,
}

#[derive(DeriveIden)]
enum RoomPosts {
    Table,
    PollOptionId,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Polls::Table)
                .col(uuid(Polls::Id).primary_key())
                .col(uuid_null(Polls::GroupId))
                .col(uuid_null(Polls::ProjectId))
                .col(uuid_null(Polls::MeetingId))
                .col(string(Polls::Title))
                .col(string_len(Polls::Status, 16))
                .col(uuid_null(Polls::CreatedById))
                .col(timestamp_with_time_zone(Polls::CreatedAt))
                .col(timestamp_with_time_zone_null(Polls::ClosedAt))
                .col(uuid_null(Polls::ChosenOptionId))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PollOptions::Table)
                .col(uuid(PollOptions::Id).primary_key())
                .col(uuid(PollOptions::PollId))
                .col(integer(PollOptions::Position))
                .col(timestamp_with_time_zone(PollOptions::StartsAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(PollOptions::Table, PollOptions::PollId)
                        .to(Polls::Table, Polls::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PollVotes::Table)
                .col(uuid(PollVotes::OptionId))
                .col(uuid(PollVotes::MemberId))
                .col(timestamp_with_time_zone(PollVotes::VotedAt))
                .primary_key(
                    Index::create()
                        .col(PollVotes::OptionId)
                        .col(PollVotes::MemberId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PollVotes::Table, PollVotes::OptionId)
                        .to(PollOptions::Table, PollOptions::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PollVotes::Table, PollVotes::MemberId)
                        .to(Members::Table, Members::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_poll_options_poll")
                .table(PollOptions::Table)
                .col(PollOptions::PollId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(RoomPosts::Table)
                .add_column(ColumnDef::new(RoomPosts::PollOptionId).uuid().null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(RoomPosts::Table)
                .drop_column(RoomPosts::PollOptionId)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(PollVotes::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(PollOptions::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Polls::Table).to_owned())
            .await
    }
}
