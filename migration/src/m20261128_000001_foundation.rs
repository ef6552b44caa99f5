//! The foundation schema: organisations, members, groups and their
//! successions, projects, memberships, alliances, meetings with agenda items,
//! RSVPs and attendance, resources, the outbox, and API tokens.
//!
//! Foreign keys restrict deletion (nothing in Muster is deleted, it is
//! archived), except for rows that only exist as part of their parent
//! (agenda items, RSVPs, attendance, successions), which cascade.

use sea_orm_migration::prelude::{
    Alias, DbErr, DeriveIden, DeriveMigrationName, ForeignKey, ForeignKeyAction,
    ForeignKeyCreateStatement, Index, IndexCreateStatement, IntoIden, MigrationTrait,
    SchemaManager, Table, async_trait,
};
use sea_orm_migration::schema::{
    boolean, date_null, integer, integer_null, json, pk_uuid, string, string_null, string_uniq,
    text, text_null, timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null,
};
use sea_orm_migration::sea_orm;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Slug,
    Name,
    Kind,
    Website,
    Country,
    IsMemberCoop,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum Members {
    Table,
    Id,
    DisplayName,
    Email,
    Phone,
    MatrixUserId,
    OrganisationId,
    IsAdmin,
    JoinedAt,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    Slug,
    Name,
    Purpose,
    Domains,
    Status,
    Visibility,
    ReportingLine,
    TimeZone,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum GroupSuccessions {
    Table,
    SuccessorId,
    PredecessorId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    GroupId,
    Slug,
    Name,
    Goal,
    Status,
    StartsOn,
    EndsOn,
    Visibility,
    TimeZone,
    MatrixRoomId,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    MemberId,
    GroupId,
    ProjectId,
    Role,
    Involvement,
    CommitmentHours,
    Status,
    Since,
    Until,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum Alliances {
    Table,
    Id,
    OrganisationId,
    GroupId,
    ProjectId,
    Kind,
    Scope,
    Status,
    ContactMemberId,
    Notes,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
    GroupId,
    ProjectId,
    Title,
    Kind,
    Format,
    StartsAt,
    EndsAt,
    TimeZone,
    Location,
    Status,
    Quorum,
    Visibility,
    PostponedFromId,
    CancelReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AgendaItems {
    Table,
    Id,
    MeetingId,
    Text,
    ProposerId,
    Position,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Rsvps {
    Table,
    Id,
    MeetingId,
    MemberId,
    Response,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Attendance {
    Table,
    MeetingId,
    MemberId,
    RecordedAt,
}

#[derive(DeriveIden)]
enum Resources {
    Table,
    Id,
    Title,
    Url,
    Kind,
    Audience,
    Tags,
    GroupId,
    ProjectId,
    Visibility,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Kind,
    SubjectId,
    Payload,
    CreatedAt,
    DeliveredAt,
    Attempts,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    Kind,
    TokenHash,
    Scopes,
    MemberId,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::Cascade)
        .to_owned()
}

fn idx(
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    if unique {
        stmt.unique();
    }
    stmt.clone()
}

const RESTRICT: ForeignKeyAction = ForeignKeyAction::Restrict;
const CASCADE: ForeignKeyAction = ForeignKeyAction::Cascade;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Organisations::Table)
                .col(pk_uuid(Organisations::Id))
                .col(string_uniq(Organisations::Slug))
                .col(string(Organisations::Name))
                .col(string(Organisations::Kind))
                .col(string_null(Organisations::Website))
                .col(string_null(Organisations::Country))
                .col(boolean(Organisations::IsMemberCoop))
                .col(timestamp_with_time_zone(Organisations::CreatedAt))
                .col(timestamp_with_time_zone(Organisations::UpdatedAt))
                .col(timestamp_with_time_zone_null(Organisations::ArchivedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Members::Table)
                .col(pk_uuid(Members::Id))
                .col(string(Members::DisplayName))
                .col(string_null(Members::Email))
                .col(string_null(Members::Phone))
                .col(string_null(Members::MatrixUserId).unique_key())
                .col(uuid_null(Members::OrganisationId))
                .col(boolean(Members::IsAdmin).default(false))
                .col(timestamp_with_time_zone(Members::JoinedAt))
                .col(timestamp_with_time_zone(Members::CreatedAt))
                .col(timestamp_with_time_zone(Members::UpdatedAt))
                .col(timestamp_with_time_zone_null(Members::ArchivedAt))
                .foreign_key(&mut fk(
                    "fk_members_organisation",
                    (Members::Table, Members::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                    RESTRICT,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Groups::Table)
                .col(pk_uuid(Groups::Id))
                .col(string_uniq(Groups::Slug))
                .col(string(Groups::Name))
                .col(text(Groups::Purpose))
                .col(json(Groups::Domains))
                .col(string(Groups::Status))
                .col(string(Groups::Visibility))
                .col(string_null(Groups::ReportingLine))
                .col(string(Groups::TimeZone))
                .col(timestamp_with_time_zone(Groups::CreatedAt))
                .col(timestamp_with_time_zone(Groups::UpdatedAt))
                .col(timestamp_with_time_zone_null(Groups::ArchivedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(GroupSuccessions::Table)
                .col(uuid(GroupSuccessions::SuccessorId))
                .col(uuid(GroupSuccessions::PredecessorId))
                .col(timestamp_with_time_zone(GroupSuccessions::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(GroupSuccessions::SuccessorId)
                        .col(GroupSuccessions::PredecessorId),
                )
                .foreign_key(&mut fk(
                    "fk_successions_successor",
                    (GroupSuccessions::Table, GroupSuccessions::SuccessorId),
                    (Groups::Table, Groups::Id),
                    CASCADE,
                ))
                .foreign_key(&mut fk(
                    "fk_successions_predecessor",
                    (GroupSuccessions::Table, GroupSuccessions::PredecessorId),
                    (Groups::Table, Groups::Id),
                    CASCADE,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(idx(
            "idx_successions_predecessor",
            GroupSuccessions::Table,
            &["predecessor_id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Projects::Table)
                .col(pk_uuid(Projects::Id))
                .col(uuid(Projects::GroupId))
                .col(string_uniq(Projects::Slug))
                .col(string(Projects::Name))
                .col(text(Projects::Goal))
                .col(string(Projects::Status))
                .col(date_null(Projects::StartsOn))
                .col(date_null(Projects::EndsOn))
                .col(string(Projects::Visibility))
                .col(string_null(Projects::TimeZone))
                .col(string_null(Projects::MatrixRoomId).unique_key())
                .col(timestamp_with_time_zone(Projects::CreatedAt))
                .col(timestamp_with_time_zone(Projects::UpdatedAt))
                .col(timestamp_with_time_zone_null(Projects::ArchivedAt))
                .foreign_key(&mut fk(
                    "fk_projects_group",
                    (Projects::Table, Projects::GroupId),
                    (Groups::Table, Groups::Id),
                    RESTRICT,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(idx(
            "idx_projects_group",
            Projects::Table,
            &["group_id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Memberships::Table)
                .col(pk_uuid(Memberships::Id))
                .col(uuid(Memberships::MemberId))
                .col(uuid_null(Memberships::GroupId))
                .col(uuid_null(Memberships::ProjectId))
                .col(string(Memberships::Role))
                .col(string(Memberships::Involvement))
                .col(integer_null(Memberships::CommitmentHours))
                .col(string(Memberships::Status))
                .col(timestamp_with_time_zone(Memberships::Since))
                .col(timestamp_with_time_zone_null(Memberships::Until))
                .col(timestamp_with_time_zone(Memberships::CreatedAt))
                .col(timestamp_with_time_zone(Memberships::UpdatedAt))
                .col(timestamp_with_time_zone_null(Memberships::ArchivedAt))
                .foreign_key(&mut fk(
                    "fk_memberships_member",
                    (Memberships::Table, Memberships::MemberId),
                    (Members::Table, Members::Id),
                    RESTRICT,
                ))
                .foreign_key(&mut fk(
                    "fk_memberships_group",
                    (Memberships::Table, Memberships::GroupId),
                    (Groups::Table, Groups::Id),
                    RESTRICT,
                ))
                .foreign_key(&mut fk(
                    "fk_memberships_project",
                    (Memberships::Table, Memberships::ProjectId),
                    (Projects::Table, Projects::Id),
                    RESTRICT,
                ))
                .to_owned(),
        )
        .await?;
        // NULLs are distinct in unique indexes on both backends, so these two
        // indexes say "one membership per member and group" and "one per
        // member and project" without interfering with each other.
        m.create_index(idx(
            "uq_memberships_member_group",
            Memberships::Table,
            &["member_id", "group_id"],
            true,
        ))
        .await?;
        m.create_index(idx(
            "uq_memberships_member_project",
            Memberships::Table,
            &["member_id", "project_id"],
            true,
        ))
        .await?;
        m.create_index(idx(
            "idx_memberships_group",
            Memberships::Table,
            &["group_id"],
            false,
        ))
        .await?;
        m.create_index(idx(
            "idx_memberships_project",
            Memberships::Table,
            &["project_id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Alliances::Table)
                .col(pk_uuid(Alliances::Id))
                .col(uuid(Alliances::OrganisationId))
                .col(uuid_null(Alliances::GroupId))
                .col(uuid_null(Alliances::ProjectId))
                .col(string(Alliances::Kind))
                .col(string(Alliances::Scope))
                .col(string(Alliances::Status))
                .col(uuid_null(Alliances::ContactMemberId))
                .col(text(Alliances::Notes))
                .col(timestamp_with_time_zone(Alliances::CreatedAt))
                .col(timestamp_with_time_zone(Alliances::UpdatedAt))
                .col(timestamp_with_time_zone_null(Alliances::ArchivedAt))
                .foreign_key(&mut fk(
                    "fk_alliances_organisation",
                    (Alliances::Table, Alliances::OrganisationId),
                    (Organisations::Table, Organisations::Id),
                    RESTRICT,
                ))
                .foreign_key(&mut fk(
                    "fk_alliances_group",
                    (Alliances::Table, Alliances::GroupId),
                    (Groups::Table, Groups::Id),
                    RESTRICT,
                ))
                .foreign_key(&mut fk(
                    "fk_alliances_project",
                    (Alliances::Table, Alliances::ProjectId),
                    (Projects::Table, Projects::Id),
                    RESTRICT,
                ))
                .foreign_key(&mut fk(
                    "fk_alliances_contact",
                    (Alliances::Table, Alliances::ContactMemberId),
                    (Members::Table, Members::Id),
                    RESTRICT,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(idx(
            "idx_alliances_group",
            Alliances::Table,
            &["group_id"],
            false,
        ))
        .await?;
        m.create_index(idx(
            "idx_alliances_project",
            Alliances::Table,
            &["project_id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Meetings::Table)
                .col(pk_uuid(Meetings::Id))
                .col(uuid_null(Meetings::GroupId))
                .col(uuid_null(Meetings::ProjectId))
                .col(string(Meetings::Title))
                .col(string(Meetings::Kind))
                .col(string(Meetings::Format))
                .col(timestamp_with_time_zone(Meetings::StartsAt))
                .col(timestamp_with_time_zone(Meetings::EndsAt))
                .col(string(Meetings::TimeZone))
                .col(string_null(Meetings::Location))
                .col(string(Meetings::Status))
                .col(integer(Meetings::Quorum))
                .col(string(Meetings::Visibility))
                .col(uuid_null(Meetings::PostponedFromId))
                .col(text_null(Meetings::CancelReason))
                .col(timestamp_with_time_zone(Meetings::CreatedAt))
                .col(timestamp_with_time_zone(Meetings::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_meetings_group",
                    (Meetings::Table, Meetings::GroupId),
                    (Groups::Table, Groups::Id),
                    RESTRICT,
                ))
                .foreign_key(&mut fk(
                    "fk_meetings_project",
                    (Meetings::Table, Meetings::ProjectId),
                    (Projects::Table, Projects::Id),
                    RESTRICT,
                ))
                .foreign_key(&mut fk(
                    "fk_meetings_postponed_from",
                    (Meetings::Table, Meetings::PostponedFromId),
                    (Meetings::Table, Meetings::Id),
                    RESTRICT,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(idx(
            "idx_meetings_group",
            Meetings::Table,
            &["group_id", "starts_at"],
            false,
        ))
        .await?;
        m.create_index(idx(
            "idx_meetings_project",
            Meetings::Table,
            &["project_id", "starts_at"],
            false,
        ))
        .await?;
        m.create_index(idx(
            "idx_meetings_starts_at",
            Meetings::Table,
            &["starts_at"],
            false,
        ))
        .await?;
        m.create_index(idx(
            "idx_meetings_postponed_from",
            Meetings::Table,
            &["postponed_from_id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(AgendaItems::Table)
                .col(pk_uuid(AgendaItems::Id))
                .col(uuid(AgendaItems::MeetingId))
                .col(text(AgendaItems::Text))
                .col(uuid_null(AgendaItems::ProposerId))
                .col(integer(AgendaItems::Position))
                .col(string(AgendaItems::Status))
                .col(timestamp_with_time_zone(AgendaItems::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_agenda_meeting",
                    (AgendaItems::Table, AgendaItems::MeetingId),
                    (Meetings::Table, Meetings::Id),
                    CASCADE,
                ))
                .foreign_key(&mut fk(
                    "fk_agenda_proposer",
                    (AgendaItems::Table, AgendaItems::ProposerId),
                    (Members::Table, Members::Id),
                    RESTRICT,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(idx(
            "idx_agenda_meeting",
            AgendaItems::Table,
            &["meeting_id", "position"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Rsvps::Table)
                .col(pk_uuid(Rsvps::Id))
                .col(uuid(Rsvps::MeetingId))
                .col(uuid(Rsvps::MemberId))
                .col(string(Rsvps::Response))
                .col(timestamp_with_time_zone(Rsvps::CreatedAt))
                .col(timestamp_with_time_zone(Rsvps::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_rsvps_meeting",
                    (Rsvps::Table, Rsvps::MeetingId),
                    (Meetings::Table, Meetings::Id),
                    CASCADE,
                ))
                .foreign_key(&mut fk(
                    "fk_rsvps_member",
                    (Rsvps::Table, Rsvps::MemberId),
                    (Members::Table, Members::Id),
                    RESTRICT,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(idx(
            "uq_rsvps_meeting_member",
            Rsvps::Table,
            &["meeting_id", "member_id"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Attendance::Table)
                .col(uuid(Attendance::MeetingId))
                .col(uuid(Attendance::MemberId))
                .col(timestamp_with_time_zone(Attendance::RecordedAt))
                .primary_key(
                    Index::create()
                        .col(Attendance::MeetingId)
                        .col(Attendance::MemberId),
                )
                .foreign_key(&mut fk(
                    "fk_attendance_meeting",
                    (Attendance::Table, Attendance::MeetingId),
                    (Meetings::Table, Meetings::Id),
                    CASCADE,
                ))
                .foreign_key(&mut fk(
                    "fk_attendance_member",
                    (Attendance::Table, Attendance::MemberId),
                    (Members::Table, Members::Id),
                    RESTRICT,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Resources::Table)
                .col(pk_uuid(Resources::Id))
                .col(string(Resources::Title))
                .col(string(Resources::Url))
                .col(string(Resources::Kind))
                .col(string(Resources::Audience))
                .col(json(Resources::Tags))
                .col(uuid_null(Resources::GroupId))
                .col(uuid_null(Resources::ProjectId))
                .col(string(Resources::Visibility))
                .col(timestamp_with_time_zone(Resources::CreatedAt))
                .col(timestamp_with_time_zone(Resources::UpdatedAt))
                .col(timestamp_with_time_zone_null(Resources::ArchivedAt))
                .foreign_key(&mut fk(
                    "fk_resources_group",
                    (Resources::Table, Resources::GroupId),
                    (Groups::Table, Groups::Id),
                    RESTRICT,
                ))
                .foreign_key(&mut fk(
                    "fk_resources_project",
                    (Resources::Table, Resources::ProjectId),
                    (Projects::Table, Projects::Id),
                    RESTRICT,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(pk_uuid(Outbox::Id))
                .col(string(Outbox::Kind))
                .col(uuid(Outbox::SubjectId))
                .col(json(Outbox::Payload))
                .col(timestamp_with_time_zone(Outbox::CreatedAt))
                .col(timestamp_with_time_zone_null(Outbox::DeliveredAt))
                .col(integer(Outbox::Attempts).default(0))
                .to_owned(),
        )
        .await?;
        m.create_index(idx(
            "idx_outbox_undelivered",
            Outbox::Table,
            &["delivered_at", "id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(pk_uuid(ApiTokens::Id))
                .col(string(ApiTokens::Name))
                .col(string(ApiTokens::Kind))
                .col(string_uniq(ApiTokens::TokenHash))
                .col(json(ApiTokens::Scopes))
                .col(uuid_null(ApiTokens::MemberId))
                .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                .foreign_key(&mut fk(
                    "fk_tokens_member",
                    (ApiTokens::Table, ApiTokens::MemberId),
                    (Members::Table, Members::Id),
                    CASCADE,
                ))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApiTokens::Table.into_iden(),
            Outbox::Table.into_iden(),
            Resources::Table.into_iden(),
            Attendance::Table.into_iden(),
            Rsvps::Table.into_iden(),
            AgendaItems::Table.into_iden(),
            Meetings::Table.into_iden(),
            Alliances::Table.into_iden(),
            Memberships::Table.into_iden(),
            Projects::Table.into_iden(),
            GroupSuccessions::Table.into_iden(),
            Groups::Table.into_iden(),
            Members::Table.into_iden(),
            Organisations::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
