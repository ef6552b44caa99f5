//! What keeps a group alive: roles that say what they ask, the charter's
//! versions, handovers from the groups a group replaces, outreach contacts,
//! a co-op's delegates, per-co-op meetings and polls, and what sign-up
//! routing needs (a number to approve by in a room, a Matrix id to invite,
//! the two-week check-in).

use sea_orm_migration::prelude::{
    ColumnDef, DbErr, DeriveIden, DeriveMigrationName, Index, MigrationTrait, SchemaManager, Table,
    async_trait,
};
use sea_orm_migration::schema::{
    date_null, integer, integer_null, json, string_len, text, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};
use sea_orm_migration::sea_orm;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
    GroupId,
    ProjectId,
    Name,
    Involvement,
    HoursPerMonth,
    Description,
    CreatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    RoleId,
}

#[derive(DeriveIden)]
enum CharterVersions {
    Table,
    Id,
    GroupId,
    Version,
    Purpose,
    Domains,
    ChangedById,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Handovers {
    Table,
    Id,
    SuccessorId,
    StartedById,
    StartedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum HandoverItems {
    Table,
    HandoverId,
    Item,
    Position,
    DoneById,
    DoneAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    ProjectId,
    OrganisationId,
    AssignedMemberId,
    AssignedAt,
    Status,
    Notes,
    NextStepOn,
    UpdatedById,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Delegates {
    Table,
    OrganisationId,
    MemberId,
    NamedById,
    NamedAt,
}

#[derive(DeriveIden)]
enum SignUps {
    Table,
    Number,
    MatrixUserId,
    CheckInSentAt,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    PerCoop,
}

#[derive(DeriveIden)]
enum Polls {
    Table,
    PerCoop,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    #[allow(clippy::too_many_lines)]
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Roles::Table)
                .col(uuid(Roles::Id).primary_key())
                .col(uuid_null(Roles::GroupId))
                .col(uuid_null(Roles::ProjectId))
                .col(string_len(Roles::Name, 200))
                .col(string_len(Roles::Involvement, 32))
                .col(integer_null(Roles::HoursPerMonth))
                .col(text(Roles::Description))
                .col(timestamp_with_time_zone(Roles::CreatedAt))
                .col(timestamp_with_time_zone_null(Roles::ArchivedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_roles_owner")
                .table(Roles::Table)
                .col(Roles::GroupId)
                .col(Roles::ProjectId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Memberships::Table)
                .add_column(ColumnDef::new(Memberships::RoleId).uuid().null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CharterVersions::Table)
                .col(uuid(CharterVersions::Id).primary_key())
                .col(uuid(CharterVersions::GroupId))
                .col(integer(CharterVersions::Version))
                .col(text(CharterVersions::Purpose))
                .col(json(CharterVersions::Domains))
                .col(uuid_null(CharterVersions::ChangedById))
                .col(timestamp_with_time_zone(CharterVersions::ChangedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_charter_versions_group")
                .table(CharterVersions::Table)
                .col(CharterVersions::GroupId)
                .col(CharterVersions::Version)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Handovers::Table)
                .col(uuid(Handovers::Id).primary_key())
                .col(uuid(Handovers::SuccessorId))
                .col(uuid_null(Handovers::StartedById))
                .col(timestamp_with_time_zone(Handovers::StartedAt))
                .col(timestamp_with_time_zone_null(Handovers::CompletedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_handovers_successor")
                .table(Handovers::Table)
                .col(Handovers::SuccessorId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(HandoverItems::Table)
                .col(uuid(HandoverItems::HandoverId))
                .col(string_len(HandoverItems::Item, 32))
                .col(integer(HandoverItems::Position))
                .col(uuid_null(HandoverItems::DoneById))
                .col(timestamp_with_time_zone_null(HandoverItems::DoneAt))
                .primary_key(
                    Index::create()
                        .col(HandoverItems::HandoverId)
                        .col(HandoverItems::Item),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Contacts::Table)
                .col(uuid(Contacts::Id).primary_key())
                .col(uuid(Contacts::ProjectId))
                .col(uuid(Contacts::OrganisationId))
                .col(uuid_null(Contacts::AssignedMemberId))
                .col(timestamp_with_time_zone_null(Contacts::AssignedAt))
                .col(string_len(Contacts::Status, 32))
                .col(text(Contacts::Notes))
                .col(date_null(Contacts::NextStepOn))
                .col(uuid_null(Contacts::UpdatedById))
                .col(timestamp_with_time_zone(Contacts::CreatedAt))
                .col(timestamp_with_time_zone(Contacts::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_contacts_project_organisation")
                .table(Contacts::Table)
                .col(Contacts::ProjectId)
                .col(Contacts::OrganisationId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Delegates::Table)
                .col(uuid(Delegates::OrganisationId))
                .col(uuid(Delegates::MemberId))
                .col(uuid_null(Delegates::NamedById))
                .col(timestamp_with_time_zone(Delegates::NamedAt))
                .primary_key(
                    Index::create()
                        .col(Delegates::OrganisationId)
                        .col(Delegates::MemberId),
                )
                .to_owned(),
        )
        .await?;
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(SignUps::Table)
                .add_column(ColumnDef::new(SignUps::Number).integer().null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(SignUps::Table)
                .add_column(ColumnDef::new(SignUps::MatrixUserId).string_len(255).null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(SignUps::Table)
                .add_column(
                    ColumnDef::new(SignUps::CheckInSentAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sign_ups_number")
                .table(SignUps::Table)
                .col(SignUps::Number)
                .unique()
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Meetings::Table)
                .add_column(
                    ColumnDef::new(Meetings::PerCoop)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Polls::Table)
                .add_column(
                    ColumnDef::new(Polls::PerCoop)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Polls::Table)
                .drop_column(Polls::PerCoop)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Meetings::Table)
                .drop_column(Meetings::PerCoop)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("idx_sign_ups_number")
                .table(SignUps::Table)
                .to_owned(),
        )
        .await?;
        for column in [
            SignUps::CheckInSentAt,
            SignUps::MatrixUserId,
            SignUps::Number,
        ] {
            m.alter_table(
                Table::alter()
                    .table(SignUps::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Memberships::Table)
                .drop_column(Memberships::RoleId)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Delegates::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Contacts::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(HandoverItems::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Handovers::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(CharterVersions::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Roles::Table).to_owned())
            .await
    }
}
