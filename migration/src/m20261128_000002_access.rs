//! Access: partner keys belong to an organisation, member sessions expire,
//! and website sign-ups wait for a convener's decision.
//!
//! SQLite alters one column per statement and cannot add a foreign key to
//! an existing table, so the new token columns are plain; the domain checks
//! the organisation exists.

use sea_orm_migration::prelude::{
    DbErr, DeriveIden, DeriveMigrationName, ForeignKey, ForeignKeyAction, Index, MigrationTrait,
    SchemaManager, Table, async_trait,
};
use sea_orm_migration::schema::{
    json, string, text, timestamp_with_time_zone, timestamp_with_time_zone_null, uuid_null,
};
use sea_orm_migration::sea_orm;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    OrganisationId,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum SignUps {
    Table,
    Id,
    DisplayName,
    Email,
    GroupId,
    ProjectId,
    Interests,
    Involvement,
    Message,
    Status,
    MemberId,
    DecidedBy,
    DecidedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
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
        m.alter_table(
            Table::alter()
                .table(ApiTokens::Table)
                .add_column(uuid_null(ApiTokens::OrganisationId))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ApiTokens::Table)
                .add_column(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SignUps::Table)
                .col(sea_orm_migration::schema::pk_uuid(SignUps::Id))
                .col(string(SignUps::DisplayName))
                .col(string(SignUps::Email))
                .col(uuid_null(SignUps::GroupId))
                .col(uuid_null(SignUps::ProjectId))
                .col(json(SignUps::Interests))
                .col(string(SignUps::Involvement))
                .col(text(SignUps::Message))
                .col(string(SignUps::Status))
                .col(uuid_null(SignUps::MemberId))
                .col(uuid_null(SignUps::DecidedBy))
                .col(timestamp_with_time_zone_null(SignUps::DecidedAt))
                .col(timestamp_with_time_zone(SignUps::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_sign_ups_group")
                        .from(SignUps::Table, SignUps::GroupId)
                        .to(Groups::Table, Groups::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_sign_ups_project")
                        .from(SignUps::Table, SignUps::ProjectId)
                        .to(Projects::Table, Projects::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_sign_ups_member")
                        .from(SignUps::Table, SignUps::MemberId)
                        .to(Members::Table, Members::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sign_ups_status")
                .table(SignUps::Table)
                .col(SignUps::Status)
                .col(SignUps::CreatedAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SignUps::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(ApiTokens::Table)
                .drop_column(ApiTokens::ExpiresAt)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ApiTokens::Table)
                .drop_column(ApiTokens::OrganisationId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
