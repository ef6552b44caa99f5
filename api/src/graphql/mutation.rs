//! The mutation root. Each mutation takes one `input` (`<Name>Input`),
//! turns it into the domain's input (decoding global ids), calls one use
//! case, and returns a payload with the changed object and `userErrors`.
//! Nothing is decided here: permissions, validation and events are the
//! domain's, and a failed mutation changes nothing.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, NaiveDate, Utc};
use entities::DomainError;
use entities::domain::{
    Patch, alliances, groups, meetings, members, memberships, organisations, projects, resources,
};

#[allow(clippy::wildcard_imports)] // the schema's whole vocabulary
use super::enums::*;
use super::ids::{self, Kind};
use super::req;
use super::types::{
    Action, AgendaItem, Alliance, Group, Meeting, Member, Membership, Organisation, Poll, Project,
    Resource, Rsvp,
};

/// Undefined leaves a field, null clears it, a value sets it.
fn patch<T>(v: MaybeUndefined<T>) -> Patch<T> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

fn patch_id(
    kind: Kind,
    v: MaybeUndefined<ID>,
    field: &str,
) -> Result<Patch<uuid::Uuid>, DomainError> {
    patch(v)
        .map(|o| o.map(|id| ids::expect(kind, &id, field)).transpose())
        .transpose()
}

fn id_list(kind: Kind, v: &[ID], field: &str) -> Result<Vec<uuid::Uuid>, DomainError> {
    v.iter().map(|id| ids::expect(kind, id, field)).collect()
}

crate::graphql::payload::wrap!(
    Group => entities::group::Model,
    Project => entities::project::Model,
    Organisation => entities::organisation::Model,
    Membership => entities::membership::Model,
    Alliance => entities::alliance::Model,
    Resource => entities::resource::Model,
    AgendaItem => entities::agenda_item::Model,
    Action => entities::action::Model,
);

impl crate::graphql::payload::Wrap for Rsvp {
    type Model = entities::rsvp::Model;
    fn wrap(m: Self::Model) -> Self {
        Rsvp::from(m)
    }
}

impl crate::graphql::payload::Wrap for Member {
    type Model = entities::member::Model;
    fn wrap(m: Self::Model) -> Self {
        Member::from(m)
    }
}

impl crate::graphql::payload::Wrap for Meeting {
    type Model = entities::meeting::Model;
    fn wrap(m: Self::Model) -> Self {
        Meeting::from(m)
    }
}

crate::graphql::payload::payload!(CreateGroupPayload, group: Group);
crate::graphql::payload::payload!(UpdateGroupPayload, group: Group);
crate::graphql::payload::payload!(ArchiveGroupPayload, group: Group);
crate::graphql::payload::payload!(CreateProjectPayload, project: Project);
crate::graphql::payload::payload!(UpdateProjectPayload, project: Project);
crate::graphql::payload::payload!(ArchiveProjectPayload, project: Project);
crate::graphql::payload::payload!(CreateOrganisationPayload, organisation: Organisation);
crate::graphql::payload::payload!(UpdateOrganisationPayload, organisation: Organisation);
crate::graphql::payload::payload!(ArchiveOrganisationPayload, organisation: Organisation);
crate::graphql::payload::payload!(CreateMemberPayload, member: Member);
crate::graphql::payload::payload!(UpdateMemberPayload, member: Member);
crate::graphql::payload::payload!(ArchiveMemberPayload, member: Member);
crate::graphql::payload::payload!(CreateMembershipPayload, membership: Membership);
crate::graphql::payload::payload!(UpdateMembershipPayload, membership: Membership);
crate::graphql::payload::payload!(ArchiveMembershipPayload, membership: Membership);
crate::graphql::payload::payload!(CreateAlliancePayload, alliance: Alliance);
crate::graphql::payload::payload!(UpdateAlliancePayload, alliance: Alliance);
crate::graphql::payload::payload!(ArchiveAlliancePayload, alliance: Alliance);
crate::graphql::payload::payload!(CreateResourcePayload, resource: Resource);
crate::graphql::payload::payload!(UpdateResourcePayload, resource: Resource);
crate::graphql::payload::payload!(ArchiveResourcePayload, resource: Resource);
crate::graphql::payload::payload!(ScheduleMeetingPayload, meeting: Meeting);
crate::graphql::payload::payload!(UpdateMeetingPayload, meeting: Meeting);
crate::graphql::payload::payload!(
    /// `meeting` is the new meeting; its `postponedFrom` is the old one.
    MoveMeetingPayload, meeting: Meeting);
crate::graphql::payload::payload!(CancelMeetingPayload, meeting: Meeting);
crate::graphql::payload::payload!(ConfirmMeetingPayload, meeting: Meeting);
crate::graphql::payload::payload!(RecordMinutesPayload, meeting: Meeting);
crate::graphql::payload::payload!(AddActionPayload, action: Action);
crate::graphql::payload::payload!(CompleteActionPayload, action: Action);
crate::graphql::payload::payload!(OpenPollPayload, poll: Poll);
crate::graphql::payload::payload!(VotePollPayload, poll: Poll);

/// A date poll to open: for a project (or group), or to postpone a meeting.
#[derive(InputObject)]
pub struct OpenPollInput {
    pub project_id: Option<ID>,
    pub group_id: Option<ID>,
    /// Postpone this meeting: only those who said yes to it vote, and
    /// closing moves it.
    pub meeting_id: Option<ID>,
    /// Default: "<project> meeting", or the meeting's title.
    pub title: Option<String>,
    /// 2 to 10 candidate times, still to come.
    pub options: Vec<DateTime<Utc>>,
    /// Count votes once per co-op (default: the meeting's setting, or no).
    pub per_coop: Option<bool>,
}

/// A vote for (or withdrawn from) one candidate time.
#[derive(InputObject)]
pub struct VotePollInput {
    pub option_id: ID,
    /// `false` withdraws the vote.
    #[graphql(default = true)]
    pub can_make_it: bool,
}

/// A poll to close.
#[derive(InputObject)]
pub struct ClosePollInput {
    pub id: ID,
}

/// A closed poll and the meeting it scheduled (or moved).
#[derive(async_graphql::SimpleObject)]
pub struct ClosePollPayload {
    pub poll: Option<Poll>,
    pub meeting: Option<Meeting>,
    pub user_errors: Vec<super::errors::UserError>,
}

impl crate::graphql::payload::Wrap for Poll {
    type Model = entities::poll::Model;
    fn wrap(m: entities::poll::Model) -> Self {
        Poll(m)
    }
}

/// A meeting to hold whatever the quorum outlook says.
#[derive(InputObject)]
pub struct ConfirmMeetingInput {
    pub id: ID,
}

/// A meeting's minutes.
#[derive(InputObject)]
pub struct RecordMinutesInput {
    pub meeting_id: ID,
    /// Markdown; replaces earlier minutes.
    pub minutes: String,
}

/// Something agreed at a meeting.
#[derive(InputObject)]
pub struct AddActionInput {
    pub meeting_id: ID,
    pub text: String,
    /// Who will do it.
    pub owner_id: Option<ID>,
    pub due_on: Option<NaiveDate>,
}

/// An action that is done.
#[derive(InputObject)]
pub struct CompleteActionInput {
    pub id: ID,
}
crate::graphql::payload::payload!(RsvpPayload, rsvp: Rsvp);
crate::graphql::payload::payload!(AddAgendaItemPayload, agenda_item: AgendaItem);
crate::graphql::payload::payload!(MarkMeetingHeldPayload, meeting: Meeting);
crate::graphql::payload::payload!(LinkProjectRoomPayload, project: Project);

/// What happened at a meeting.
#[derive(InputObject)]
pub struct MarkMeetingHeldInput {
    pub id: ID,
    /// Members who came.
    pub attendee_ids: Option<Vec<ID>>,
    /// Agenda items that were reached; the rest roll over to the next
    /// meeting of the group or project.
    pub discussed_item_ids: Option<Vec<ID>>,
}
crate::graphql::payload::payload!(UnlinkProjectRoomPayload, project: Project);
crate::graphql::payload::payload!(CreateProjectRoomPayload, project: Project);

/// A project to create a Matrix room for.
#[derive(InputObject)]
pub struct CreateProjectRoomInput {
    pub project_id: ID,
}

/// A project and the Matrix room to link it to.
#[derive(InputObject)]
pub struct LinkProjectRoomInput {
    pub project_id: ID,
    /// `!opaque:server`.
    pub room_id: String,
}

/// A project whose room to unlink.
#[derive(InputObject)]
pub struct UnlinkProjectRoomInput {
    pub project_id: ID,
}

macro_rules! archive_input {
    ($($name:ident),+) => {$(
        /// Which object to archive. Archived objects leave lists, keep their
        /// history, and can no longer be changed.
        #[derive(InputObject)]
        pub struct $name {
            pub id: ID,
        }
    )+};
}

archive_input!(
    ArchiveGroupInput,
    ArchiveProjectInput,
    ArchiveOrganisationInput,
    ArchiveMemberInput,
    ArchiveMembershipInput,
    ArchiveAllianceInput,
    ArchiveResourceInput
);

/// A new strategic working group.
#[derive(InputObject)]
pub struct CreateGroupInput {
    pub name: String,
    /// Generated from the name when left out.
    pub slug: Option<String>,
    pub purpose: Option<String>,
    pub domains: Option<Vec<String>>,
    /// Default FORMING.
    pub status: Option<GroupStatus>,
    /// Default PUBLIC.
    pub visibility: Option<Visibility>,
    pub reporting_line: Option<String>,
    /// IANA name; default Europe/London.
    pub time_zone: Option<String>,
    /// Ids of the groups it replaces.
    pub succeeds: Option<Vec<ID>>,
}

/// Changes to a group; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateGroupInput {
    pub id: ID,
    pub name: Option<String>,
    pub purpose: Option<String>,
    pub domains: Option<Vec<String>>,
    pub status: Option<GroupStatus>,
    pub visibility: Option<Visibility>,
    pub reporting_line: MaybeUndefined<String>,
    pub time_zone: Option<String>,
    /// Replaces the list of groups it replaces.
    pub succeeds: Option<Vec<ID>>,
}

/// A new project group.
#[derive(InputObject)]
pub struct CreateProjectInput {
    pub group_id: ID,
    pub name: String,
    pub slug: Option<String>,
    pub goal: Option<String>,
    /// Default IDEA.
    pub status: Option<ProjectStatus>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// Default: the group's.
    pub visibility: Option<Visibility>,
    /// Default: the group's.
    pub time_zone: Option<String>,
}

/// Changes to a project; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateProjectInput {
    pub id: ID,
    pub name: Option<String>,
    pub goal: Option<String>,
    pub status: Option<ProjectStatus>,
    pub starts_on: MaybeUndefined<NaiveDate>,
    pub ends_on: MaybeUndefined<NaiveDate>,
    pub visibility: Option<Visibility>,
    pub time_zone: MaybeUndefined<String>,
}

/// A new organisation.
#[derive(InputObject)]
pub struct CreateOrganisationInput {
    pub name: String,
    pub slug: Option<String>,
    pub kind: OrganisationKind,
    pub website: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. GB.
    pub country: Option<String>,
    /// Default: true for `MEMBER_COOP`.
    pub is_member_coop: Option<bool>,
}

/// Changes to an organisation; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    pub id: ID,
    pub name: Option<String>,
    pub kind: Option<OrganisationKind>,
    pub website: MaybeUndefined<String>,
    pub country: MaybeUndefined<String>,
    pub is_member_coop: Option<bool>,
}

/// A new member.
#[derive(InputObject)]
pub struct CreateMemberInput {
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `@name:server`, unique.
    pub matrix_user_id: Option<String>,
    pub organisation_id: Option<ID>,
    pub is_admin: Option<bool>,
}

/// Changes to a member; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateMemberInput {
    pub id: ID,
    pub display_name: Option<String>,
    pub email: MaybeUndefined<String>,
    pub phone: MaybeUndefined<String>,
    pub matrix_user_id: MaybeUndefined<String>,
    pub organisation_id: MaybeUndefined<ID>,
    pub is_admin: Option<bool>,
}

/// A member joining a group or (exclusively) a project.
#[derive(InputObject)]
pub struct CreateMembershipInput {
    pub member_id: ID,
    pub group_id: Option<ID>,
    pub project_id: Option<ID>,
    pub role: Role,
    /// Default: what the role usually asks.
    pub involvement: Option<Involvement>,
    /// Hours a month, 0–200.
    pub commitment_hours: Option<i32>,
    /// Default ACTIVE.
    pub status: Option<MembershipStatus>,
    /// Default now.
    pub since: Option<DateTime<Utc>>,
    /// One of the group's or project's roles (`Group.roles`): involvement
    /// and hours default to what it asks.
    pub role_id: Option<ID>,
}

/// Changes to a membership; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateMembershipInput {
    pub id: ID,
    pub role: Option<Role>,
    pub involvement: Option<Involvement>,
    pub commitment_hours: MaybeUndefined<i32>,
    pub status: Option<MembershipStatus>,
    pub until: MaybeUndefined<DateTime<Utc>>,
}

/// A new alliance; with neither group nor project it is the federation's.
#[derive(InputObject)]
pub struct CreateAllianceInput {
    pub organisation_id: ID,
    pub group_id: Option<ID>,
    pub project_id: Option<ID>,
    pub kind: AllianceKind,
    pub scope: AllianceScope,
    /// Default EXPLORING.
    pub status: Option<AllianceStatus>,
    pub contact_member_id: Option<ID>,
    pub notes: Option<String>,
}

/// Changes to an alliance; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateAllianceInput {
    pub id: ID,
    pub kind: Option<AllianceKind>,
    pub scope: Option<AllianceScope>,
    pub status: Option<AllianceStatus>,
    pub contact_member_id: MaybeUndefined<ID>,
    pub notes: Option<String>,
}

/// A new resource.
#[derive(InputObject)]
pub struct CreateResourceInput {
    pub title: String,
    pub url: String,
    pub kind: ResourceKind,
    pub audience: Option<String>,
    pub tags: Option<Vec<String>>,
    pub group_id: Option<ID>,
    pub project_id: Option<ID>,
    /// Default PUBLIC.
    pub visibility: Option<Visibility>,
}

/// Changes to a resource; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateResourceInput {
    pub id: ID,
    pub title: Option<String>,
    pub url: Option<String>,
    pub kind: Option<ResourceKind>,
    pub audience: Option<String>,
    pub tags: Option<Vec<String>>,
    pub visibility: Option<Visibility>,
}

/// A new meeting of a group or (exclusively) a project.
#[derive(InputObject)]
pub struct ScheduleMeetingInput {
    pub group_id: Option<ID>,
    pub project_id: Option<ID>,
    pub title: String,
    /// Default MEETING.
    pub kind: Option<MeetingKind>,
    /// Default OPEN.
    pub format: Option<MeetingFormat>,
    pub starts_at: DateTime<Utc>,
    /// Default: an hour after the start.
    pub ends_at: Option<DateTime<Utc>>,
    /// IANA name; default: the project's or group's.
    pub time_zone: Option<String>,
    /// A place or a link.
    pub location: Option<String>,
    /// Minimum attendees, 0–1000; default 0.
    pub quorum: Option<i32>,
    /// Default: the project's or group's.
    pub visibility: Option<Visibility>,
    /// PROPOSED or SCHEDULED (default).
    pub status: Option<MeetingStatus>,
    /// Count per co-op: each member co-op once, by its delegates if it
    /// named any (default false).
    pub per_coop: Option<bool>,
}

/// Changes to a meeting other than its time (see `moveMeeting`).
#[derive(InputObject)]
pub struct UpdateMeetingInput {
    pub id: ID,
    pub title: Option<String>,
    pub kind: Option<MeetingKind>,
    pub format: Option<MeetingFormat>,
    pub location: MaybeUndefined<String>,
    pub quorum: Option<i32>,
    pub visibility: Option<Visibility>,
    /// Only PROPOSED → SCHEDULED.
    pub status: Option<MeetingStatus>,
}

/// A meeting moved to a new time.
#[derive(InputObject)]
pub struct MoveMeetingInput {
    pub id: ID,
    pub starts_at: DateTime<Utc>,
    /// Default: the new start plus the old duration.
    pub ends_at: Option<DateTime<Utc>>,
    /// Why, e.g. "low numbers".
    pub reason: Option<String>,
}

/// A meeting called off.
#[derive(InputObject)]
pub struct CancelMeetingInput {
    pub id: ID,
    pub reason: Option<String>,
}

/// A member's answer to a meeting.
#[derive(InputObject)]
pub struct RsvpInput {
    pub meeting_id: ID,
    /// Who answers; leave out to answer for yourself (admins may name anyone).
    pub member_id: Option<ID>,
    pub response: RsvpResponse,
}

/// An item for a meeting's agenda.
#[derive(InputObject)]
pub struct AddAgendaItemInput {
    pub meeting_id: ID,
    pub text: String,
    pub proposer_id: Option<ID>,
}

/// Changing Muster's groups, projects, people, alliances, resources and
/// meetings. Who may do what is the domain's policy.
#[derive(Default)]
pub struct CoreMutation;

#[Object]
#[allow(clippy::too_many_arguments)] // Relay paging plus filter and order
impl CoreMutation {
    /// Adds a strategic working group.
    async fn create_group(
        &self,
        ctx: &Context<'_>,
        input: CreateGroupInput,
    ) -> async_graphql::Result<CreateGroupPayload> {
        let r = req(ctx);
        CreateGroupPayload::from(
            async {
                let new = groups::NewGroup {
                    name: input.name,
                    slug: input.slug,
                    purpose: input.purpose.unwrap_or_default(),
                    domains: input.domains.unwrap_or_default(),
                    status: input.status.map(Into::into),
                    visibility: input.visibility.map(Into::into),
                    reporting_line: input.reporting_line,
                    time_zone: input.time_zone,
                    succeeds: id_list(
                        Kind::Group,
                        &input.succeeds.unwrap_or_default(),
                        "succeeds",
                    )?,
                };
                groups::create(&r.db, &r.actor, new).await
            }
            .await,
        )
    }

    /// Changes a group.
    async fn update_group(
        &self,
        ctx: &Context<'_>,
        input: UpdateGroupInput,
    ) -> async_graphql::Result<UpdateGroupPayload> {
        let r = req(ctx);
        UpdateGroupPayload::from(
            async {
                let id = ids::expect(Kind::Group, &input.id, "id")?;
                let p = groups::GroupPatch {
                    name: input.name,
                    purpose: input.purpose,
                    domains: input.domains,
                    status: input.status.map(Into::into),
                    visibility: input.visibility.map(Into::into),
                    reporting_line: patch(input.reporting_line),
                    time_zone: input.time_zone,
                    succeeds: input
                        .succeeds
                        .map(|s| id_list(Kind::Group, &s, "succeeds"))
                        .transpose()?,
                };
                groups::update(&r.db, &r.actor, id, p).await
            }
            .await,
        )
    }

    /// Archives a group.
    async fn archive_group(
        &self,
        ctx: &Context<'_>,
        input: ArchiveGroupInput,
    ) -> async_graphql::Result<ArchiveGroupPayload> {
        let r = req(ctx);
        ArchiveGroupPayload::from(
            async {
                groups::archive(&r.db, &r.actor, ids::expect(Kind::Group, &input.id, "id")?).await
            }
            .await,
        )
    }

    /// Adds a project group under a strategic group.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        input: CreateProjectInput,
    ) -> async_graphql::Result<CreateProjectPayload> {
        let r = req(ctx);
        CreateProjectPayload::from(
            async {
                let new = projects::NewProject {
                    group_id: ids::expect(Kind::Group, &input.group_id, "group_id")?,
                    name: input.name,
                    slug: input.slug,
                    goal: input.goal.unwrap_or_default(),
                    status: input.status.map(Into::into),
                    starts_on: input.starts_on,
                    ends_on: input.ends_on,
                    visibility: input.visibility.map(Into::into),
                    time_zone: input.time_zone,
                };
                projects::create(&r.db, &r.actor, new).await
            }
            .await,
        )
    }

    /// Changes a project.
    async fn update_project(
        &self,
        ctx: &Context<'_>,
        input: UpdateProjectInput,
    ) -> async_graphql::Result<UpdateProjectPayload> {
        let r = req(ctx);
        UpdateProjectPayload::from(
            async {
                let id = ids::expect(Kind::Project, &input.id, "id")?;
                let p = projects::ProjectPatch {
                    name: input.name,
                    goal: input.goal,
                    status: input.status.map(Into::into),
                    starts_on: patch(input.starts_on),
                    ends_on: patch(input.ends_on),
                    visibility: input.visibility.map(Into::into),
                    time_zone: patch(input.time_zone),
                };
                projects::update(&r.db, &r.actor, id, p).await
            }
            .await,
        )
    }

    /// Archives a project.
    async fn archive_project(
        &self,
        ctx: &Context<'_>,
        input: ArchiveProjectInput,
    ) -> async_graphql::Result<ArchiveProjectPayload> {
        let r = req(ctx);
        ArchiveProjectPayload::from(
            async {
                projects::archive(
                    &r.db,
                    &r.actor,
                    ids::expect(Kind::Project, &input.id, "id")?,
                )
                .await
            }
            .await,
        )
    }

    /// Adds an organisation.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> async_graphql::Result<CreateOrganisationPayload> {
        let r = req(ctx);
        let new = organisations::NewOrganisation {
            name: input.name,
            slug: input.slug,
            kind: input.kind.into(),
            website: input.website,
            country: input.country,
            is_member_coop: input.is_member_coop,
        };
        CreateOrganisationPayload::from(organisations::create(&r.db, &r.actor, new).await)
    }

    /// Changes an organisation.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganisationInput,
    ) -> async_graphql::Result<UpdateOrganisationPayload> {
        let r = req(ctx);
        UpdateOrganisationPayload::from(
            async {
                let id = ids::expect(Kind::Organisation, &input.id, "id")?;
                let p = organisations::OrganisationPatch {
                    name: input.name,
                    kind: input.kind.map(Into::into),
                    website: patch(input.website),
                    country: patch(input.country),
                    is_member_coop: input.is_member_coop,
                };
                organisations::update(&r.db, &r.actor, id, p).await
            }
            .await,
        )
    }

    /// Archives an organisation.
    async fn archive_organisation(
        &self,
        ctx: &Context<'_>,
        input: ArchiveOrganisationInput,
    ) -> async_graphql::Result<ArchiveOrganisationPayload> {
        let r = req(ctx);
        ArchiveOrganisationPayload::from(
            async {
                organisations::archive(
                    &r.db,
                    &r.actor,
                    ids::expect(Kind::Organisation, &input.id, "id")?,
                )
                .await
            }
            .await,
        )
    }

    /// Adds a member.
    async fn create_member(
        &self,
        ctx: &Context<'_>,
        input: CreateMemberInput,
    ) -> async_graphql::Result<CreateMemberPayload> {
        let r = req(ctx);
        CreateMemberPayload::from(
            async {
                let new = members::NewMember {
                    display_name: input.display_name,
                    email: input.email,
                    phone: input.phone,
                    matrix_user_id: input.matrix_user_id,
                    organisation_id: ids::expect_opt(
                        Kind::Organisation,
                        input.organisation_id.as_ref(),
                        "organisation_id",
                    )?,
                    is_admin: input.is_admin.unwrap_or(false),
                };
                members::create(&r.db, &r.actor, new).await
            }
            .await,
        )
    }

    /// Changes a member.
    async fn update_member(
        &self,
        ctx: &Context<'_>,
        input: UpdateMemberInput,
    ) -> async_graphql::Result<UpdateMemberPayload> {
        let r = req(ctx);
        UpdateMemberPayload::from(
            async {
                let id = ids::expect(Kind::Member, &input.id, "id")?;
                let p = members::MemberPatch {
                    display_name: input.display_name,
                    email: patch(input.email),
                    phone: patch(input.phone),
                    matrix_user_id: patch(input.matrix_user_id),
                    organisation_id: patch_id(
                        Kind::Organisation,
                        input.organisation_id,
                        "organisation_id",
                    )?,
                    is_admin: input.is_admin,
                };
                members::update(&r.db, &r.actor, id, p).await
            }
            .await,
        )
    }

    /// Archives a member.
    async fn archive_member(
        &self,
        ctx: &Context<'_>,
        input: ArchiveMemberInput,
    ) -> async_graphql::Result<ArchiveMemberPayload> {
        let r = req(ctx);
        ArchiveMemberPayload::from(
            async {
                members::archive(&r.db, &r.actor, ids::expect(Kind::Member, &input.id, "id")?).await
            }
            .await,
        )
    }

    /// Puts a member in a group or a project.
    async fn create_membership(
        &self,
        ctx: &Context<'_>,
        input: CreateMembershipInput,
    ) -> async_graphql::Result<CreateMembershipPayload> {
        let r = req(ctx);
        CreateMembershipPayload::from(
            async {
                let new = memberships::NewMembership {
                    member_id: ids::expect(Kind::Member, &input.member_id, "member_id")?,
                    group_id: ids::expect_opt(Kind::Group, input.group_id.as_ref(), "group_id")?,
                    project_id: ids::expect_opt(
                        Kind::Project,
                        input.project_id.as_ref(),
                        "project_id",
                    )?,
                    role: input.role.into(),
                    involvement: input.involvement.map(Into::into),
                    commitment_hours: input.commitment_hours,
                    status: input.status.map(Into::into),
                    since: input.since,
                    role_id: ids::expect_opt(Kind::Role, input.role_id.as_ref(), "role_id")?,
                };
                memberships::create(&r.db, &r.actor, new).await
            }
            .await,
        )
    }

    /// Changes a membership.
    async fn update_membership(
        &self,
        ctx: &Context<'_>,
        input: UpdateMembershipInput,
    ) -> async_graphql::Result<UpdateMembershipPayload> {
        let r = req(ctx);
        UpdateMembershipPayload::from(
            async {
                let id = ids::expect(Kind::Membership, &input.id, "id")?;
                let p = memberships::MembershipPatch {
                    role: input.role.map(Into::into),
                    involvement: input.involvement.map(Into::into),
                    commitment_hours: patch(input.commitment_hours),
                    status: input.status.map(Into::into),
                    until: patch(input.until),
                };
                memberships::update(&r.db, &r.actor, id, p).await
            }
            .await,
        )
    }

    /// Ends a membership (the member stepped back).
    async fn archive_membership(
        &self,
        ctx: &Context<'_>,
        input: ArchiveMembershipInput,
    ) -> async_graphql::Result<ArchiveMembershipPayload> {
        let r = req(ctx);
        ArchiveMembershipPayload::from(
            async {
                memberships::archive(
                    &r.db,
                    &r.actor,
                    ids::expect(Kind::Membership, &input.id, "id")?,
                )
                .await
            }
            .await,
        )
    }

    /// Records an alliance.
    async fn create_alliance(
        &self,
        ctx: &Context<'_>,
        input: CreateAllianceInput,
    ) -> async_graphql::Result<CreateAlliancePayload> {
        let r = req(ctx);
        CreateAlliancePayload::from(
            async {
                let new = alliances::NewAlliance {
                    organisation_id: ids::expect(
                        Kind::Organisation,
                        &input.organisation_id,
                        "organisation_id",
                    )?,
                    group_id: ids::expect_opt(Kind::Group, input.group_id.as_ref(), "group_id")?,
                    project_id: ids::expect_opt(
                        Kind::Project,
                        input.project_id.as_ref(),
                        "project_id",
                    )?,
                    kind: input.kind.into(),
                    scope: input.scope.into(),
                    status: input.status.map(Into::into),
                    contact_member_id: ids::expect_opt(
                        Kind::Member,
                        input.contact_member_id.as_ref(),
                        "contact_member_id",
                    )?,
                    notes: input.notes,
                };
                alliances::create(&r.db, &r.actor, new).await
            }
            .await,
        )
    }

    /// Changes an alliance.
    async fn update_alliance(
        &self,
        ctx: &Context<'_>,
        input: UpdateAllianceInput,
    ) -> async_graphql::Result<UpdateAlliancePayload> {
        let r = req(ctx);
        UpdateAlliancePayload::from(
            async {
                let id = ids::expect(Kind::Alliance, &input.id, "id")?;
                let p = alliances::AlliancePatch {
                    kind: input.kind.map(Into::into),
                    scope: input.scope.map(Into::into),
                    status: input.status.map(Into::into),
                    contact_member_id: patch_id(
                        Kind::Member,
                        input.contact_member_id,
                        "contact_member_id",
                    )?,
                    notes: input.notes,
                };
                alliances::update(&r.db, &r.actor, id, p).await
            }
            .await,
        )
    }

    /// Archives an alliance (it counts as ended).
    async fn archive_alliance(
        &self,
        ctx: &Context<'_>,
        input: ArchiveAllianceInput,
    ) -> async_graphql::Result<ArchiveAlliancePayload> {
        let r = req(ctx);
        ArchiveAlliancePayload::from(
            async {
                alliances::archive(
                    &r.db,
                    &r.actor,
                    ids::expect(Kind::Alliance, &input.id, "id")?,
                )
                .await
            }
            .await,
        )
    }

    /// Adds a resource.
    async fn create_resource(
        &self,
        ctx: &Context<'_>,
        input: CreateResourceInput,
    ) -> async_graphql::Result<CreateResourcePayload> {
        let r = req(ctx);
        CreateResourcePayload::from(
            async {
                let new = resources::NewResource {
                    title: input.title,
                    url: input.url,
                    kind: input.kind.into(),
                    audience: input.audience,
                    tags: input.tags.unwrap_or_default(),
                    group_id: ids::expect_opt(Kind::Group, input.group_id.as_ref(), "group_id")?,
                    project_id: ids::expect_opt(
                        Kind::Project,
                        input.project_id.as_ref(),
                        "project_id",
                    )?,
                    visibility: input.visibility.map(Into::into),
                };
                resources::create(&r.db, &r.actor, new).await
            }
            .await,
        )
    }

    /// Changes a resource.
    async fn update_resource(
        &self,
        ctx: &Context<'_>,
        input: UpdateResourceInput,
    ) -> async_graphql::Result<UpdateResourcePayload> {
        let r = req(ctx);
        UpdateResourcePayload::from(
            async {
                let id = ids::expect(Kind::Resource, &input.id, "id")?;
                let p = resources::ResourcePatch {
                    title: input.title,
                    url: input.url,
                    kind: input.kind.map(Into::into),
                    audience: input.audience,
                    tags: input.tags,
                    visibility: input.visibility.map(Into::into),
                };
                resources::update(&r.db, &r.actor, id, p).await
            }
            .await,
        )
    }

    /// Archives a resource.
    async fn archive_resource(
        &self,
        ctx: &Context<'_>,
        input: ArchiveResourceInput,
    ) -> async_graphql::Result<ArchiveResourcePayload> {
        let r = req(ctx);
        ArchiveResourcePayload::from(
            async {
                resources::archive(
                    &r.db,
                    &r.actor,
                    ids::expect(Kind::Resource, &input.id, "id")?,
                )
                .await
            }
            .await,
        )
    }

    /// Puts a meeting in the calendar of a group or a project.
    async fn schedule_meeting(
        &self,
        ctx: &Context<'_>,
        input: ScheduleMeetingInput,
    ) -> async_graphql::Result<ScheduleMeetingPayload> {
        let r = req(ctx);
        ScheduleMeetingPayload::from(
            async {
                let new = meetings::NewMeeting {
                    group_id: ids::expect_opt(Kind::Group, input.group_id.as_ref(), "group_id")?,
                    project_id: ids::expect_opt(
                        Kind::Project,
                        input.project_id.as_ref(),
                        "project_id",
                    )?,
                    title: input.title,
                    kind: input.kind.map(Into::into),
                    format: input.format.map(Into::into),
                    starts_at: input.starts_at,
                    ends_at: input.ends_at,
                    time_zone: input.time_zone,
                    location: input.location,
                    quorum: input.quorum,
                    visibility: input.visibility.map(Into::into),
                    status: input.status.map(Into::into),
                    per_coop: input.per_coop.unwrap_or(false),
                };
                meetings::schedule(&r.db, &r.actor, new).await
            }
            .await,
        )
    }

    /// Changes a meeting's details (not its time: see `moveMeeting`).
    async fn update_meeting(
        &self,
        ctx: &Context<'_>,
        input: UpdateMeetingInput,
    ) -> async_graphql::Result<UpdateMeetingPayload> {
        let r = req(ctx);
        UpdateMeetingPayload::from(
            async {
                let id = ids::expect(Kind::Meeting, &input.id, "id")?;
                let p = meetings::MeetingPatch {
                    title: input.title,
                    kind: input.kind.map(Into::into),
                    format: input.format.map(Into::into),
                    location: patch(input.location),
                    quorum: input.quorum,
                    visibility: input.visibility.map(Into::into),
                    status: input.status.map(Into::into),
                };
                meetings::update(&r.db, &r.actor, id, p).await
            }
            .await,
        )
    }

    /// Moves a meeting: the old one is marked POSTPONED and a new one is
    /// scheduled with `postponedFrom` pointing back; open agenda items move.
    async fn move_meeting(
        &self,
        ctx: &Context<'_>,
        input: MoveMeetingInput,
    ) -> async_graphql::Result<MoveMeetingPayload> {
        let r = req(ctx);
        MoveMeetingPayload::from(
            async {
                let m = meetings::MoveMeeting {
                    meeting_id: ids::expect(Kind::Meeting, &input.id, "id")?,
                    starts_at: input.starts_at,
                    ends_at: input.ends_at,
                    reason: input.reason,
                };
                meetings::move_to(&r.db, &r.actor, m).await
            }
            .await,
        )
    }

    /// Cancels a meeting.
    async fn cancel_meeting(
        &self,
        ctx: &Context<'_>,
        input: CancelMeetingInput,
    ) -> async_graphql::Result<CancelMeetingPayload> {
        let r = req(ctx);
        CancelMeetingPayload::from(
            async {
                meetings::cancel(
                    &r.db,
                    &r.actor,
                    ids::expect(Kind::Meeting, &input.id, "id")?,
                    input.reason,
                )
                .await
            }
            .await,
        )
    }

    /// Holds a meeting whatever the quorum outlook says: no (more) quorum
    /// warnings in its room (its conveners and admins).
    async fn confirm_meeting(
        &self,
        ctx: &Context<'_>,
        input: ConfirmMeetingInput,
    ) -> async_graphql::Result<ConfirmMeetingPayload> {
        let r = req(ctx);
        ConfirmMeetingPayload::from(
            async {
                meetings::confirm(
                    &r.db,
                    &r.actor,
                    ids::expect(Kind::Meeting, &input.id, "id")?,
                )
                .await
            }
            .await,
        )
    }

    /// Records a meeting's minutes (its conveners and admins).
    async fn record_minutes(
        &self,
        ctx: &Context<'_>,
        input: RecordMinutesInput,
    ) -> async_graphql::Result<RecordMinutesPayload> {
        let r = req(ctx);
        RecordMinutesPayload::from(
            async {
                let id = ids::expect(Kind::Meeting, &input.meeting_id, "meeting_id")?;
                meetings::record_minutes(&r.db, &r.actor, id, &input.minutes).await
            }
            .await,
        )
    }

    /// Adds an action agreed at a meeting (members who can see it).
    async fn add_action(
        &self,
        ctx: &Context<'_>,
        input: AddActionInput,
    ) -> async_graphql::Result<AddActionPayload> {
        let r = req(ctx);
        AddActionPayload::from(
            async {
                let meeting_id = ids::expect(Kind::Meeting, &input.meeting_id, "meeting_id")?;
                let owner_id = input
                    .owner_id
                    .as_ref()
                    .map(|o| ids::expect(Kind::Member, o, "owner_id"))
                    .transpose()?;
                entities::domain::actions::add(
                    &r.db,
                    &r.actor,
                    entities::domain::actions::NewAction {
                        meeting_id,
                        text: input.text,
                        owner_id,
                        due_on: input.due_on,
                    },
                )
                .await
            }
            .await,
        )
    }

    /// Opens a date poll (conveners). The room gets one message per time;
    /// members vote by reacting ✅ or with `votePoll`.
    async fn open_poll(
        &self,
        ctx: &Context<'_>,
        input: OpenPollInput,
    ) -> async_graphql::Result<OpenPollPayload> {
        let r = req(ctx);
        OpenPollPayload::from(
            async {
                let opt = |id: &Option<ID>, kind, field| {
                    id.as_ref().map(|i| ids::expect(kind, i, field)).transpose()
                };
                entities::domain::polls::open(
                    &r.db,
                    &r.actor,
                    entities::domain::polls::NewPoll {
                        project_id: opt(&input.project_id, Kind::Project, "project_id")?,
                        group_id: opt(&input.group_id, Kind::Group, "group_id")?,
                        meeting_id: opt(&input.meeting_id, Kind::Meeting, "meeting_id")?,
                        title: input.title,
                        options: input.options,
                        per_coop: input.per_coop,
                    },
                )
                .await
                .map(|p| p.poll)
            }
            .await,
        )
    }

    /// Votes for a time you can make (or withdraws the vote).
    async fn vote_poll(
        &self,
        ctx: &Context<'_>,
        input: VotePollInput,
    ) -> async_graphql::Result<VotePollPayload> {
        let r = req(ctx);
        VotePollPayload::from(
            async {
                let id = ids::expect(Kind::PollOption, &input.option_id, "option_id")?;
                entities::domain::polls::vote(&r.db, &r.actor, id, input.can_make_it)
                    .await
                    .map(|p| p.poll)
            }
            .await,
        )
    }

    /// Closes a poll (conveners): the meeting is scheduled at the winning
    /// time (most votes; ties to conveners' choice, then the earliest), or
    /// the postponed meeting moved there.
    async fn close_poll(
        &self,
        ctx: &Context<'_>,
        input: ClosePollInput,
    ) -> async_graphql::Result<ClosePollPayload> {
        let r = req(ctx);
        let result = async {
            let id = ids::expect(Kind::Poll, &input.id, "id")?;
            entities::domain::polls::close(&r.db, &r.actor, id).await
        }
        .await;
        let (v, user_errors) = super::errors::outcome(result)?;
        Ok(match v {
            Some((p, m)) => ClosePollPayload {
                poll: Some(Poll(p.poll)),
                meeting: Some(Meeting::from(m)),
                user_errors,
            },
            None => ClosePollPayload {
                poll: None,
                meeting: None,
                user_errors,
            },
        })
    }

    /// Marks an action done (its owner, whoever added it, or a convener).
    async fn complete_action(
        &self,
        ctx: &Context<'_>,
        input: CompleteActionInput,
    ) -> async_graphql::Result<CompleteActionPayload> {
        let r = req(ctx);
        CompleteActionPayload::from(
            async {
                let id = ids::expect(Kind::Action, &input.id, "id")?;
                entities::domain::actions::complete(&r.db, &r.actor, id).await
            }
            .await,
        )
    }

    /// Records a member's answer to a meeting (a new answer replaces theirs).
    async fn rsvp(
        &self,
        ctx: &Context<'_>,
        input: RsvpInput,
    ) -> async_graphql::Result<RsvpPayload> {
        let r = req(ctx);
        RsvpPayload::from(
            async {
                let meeting = ids::expect(Kind::Meeting, &input.meeting_id, "meeting_id")?;
                let member = ids::expect_opt(Kind::Member, input.member_id.as_ref(), "member_id")?;
                meetings::rsvp(&r.db, &r.actor, meeting, member, input.response.into()).await
            }
            .await,
        )
    }

    /// Marks a meeting held (its conveners): who came, which agenda items
    /// were discussed; items not reached roll over to the next meeting.
    async fn mark_meeting_held(
        &self,
        ctx: &Context<'_>,
        input: MarkMeetingHeldInput,
    ) -> async_graphql::Result<MarkMeetingHeldPayload> {
        let r = req(ctx);
        MarkMeetingHeldPayload::from(
            async {
                let id = ids::expect(Kind::Meeting, &input.id, "id")?;
                let attendees = id_list(
                    Kind::Member,
                    &input.attendee_ids.unwrap_or_default(),
                    "attendee_ids",
                )?;
                let discussed = id_list(
                    Kind::AgendaItem,
                    &input.discussed_item_ids.unwrap_or_default(),
                    "discussed_item_ids",
                )?;
                meetings::record_held(&r.db, &r.actor, id, &attendees, &discussed).await
            }
            .await,
        )
    }

    /// Links a project to its Matrix room (its conveners and admins). A
    /// project has at most one room, and a room one project.
    async fn link_project_room(
        &self,
        ctx: &Context<'_>,
        input: LinkProjectRoomInput,
    ) -> async_graphql::Result<LinkProjectRoomPayload> {
        let r = req(ctx);
        LinkProjectRoomPayload::from(
            async {
                let project = ids::expect(Kind::Project, &input.project_id, "project_id")?;
                entities::domain::rooms::link(&r.db, &r.actor, project, &input.room_id).await
            }
            .await,
        )
    }

    /// Asks the bot to create a Matrix room for a project (its conveners
    /// and admins): named after the project, its goal as the topic, the
    /// project's members with a Matrix id invited and conveners made
    /// moderators. The bot creates it within seconds and links it; it then
    /// appears as `Project.room`. Refused when the project has a room or one
    /// is being created.
    async fn create_project_room(
        &self,
        ctx: &Context<'_>,
        input: CreateProjectRoomInput,
    ) -> async_graphql::Result<CreateProjectRoomPayload> {
        let r = req(ctx);
        CreateProjectRoomPayload::from(
            async {
                let project = ids::expect(Kind::Project, &input.project_id, "project_id")?;
                entities::domain::rooms::request_room(&r.db, &r.actor, project).await
            }
            .await,
        )
    }

    /// Unlinks a project's Matrix room (its conveners and admins).
    async fn unlink_project_room(
        &self,
        ctx: &Context<'_>,
        input: UnlinkProjectRoomInput,
    ) -> async_graphql::Result<UnlinkProjectRoomPayload> {
        let r = req(ctx);
        UnlinkProjectRoomPayload::from(
            async {
                let project = ids::expect(Kind::Project, &input.project_id, "project_id")?;
                entities::domain::rooms::unlink(&r.db, &r.actor, project).await
            }
            .await,
        )
    }

    /// Adds an item to the end of a meeting's agenda.
    async fn add_agenda_item(
        &self,
        ctx: &Context<'_>,
        input: AddAgendaItemInput,
    ) -> async_graphql::Result<AddAgendaItemPayload> {
        let r = req(ctx);
        AddAgendaItemPayload::from(
            async {
                let meeting = ids::expect(Kind::Meeting, &input.meeting_id, "meeting_id")?;
                let proposer =
                    ids::expect_opt(Kind::Member, input.proposer_id.as_ref(), "proposer_id")?;
                meetings::add_agenda_item(&r.db, &r.actor, meeting, &input.text, proposer).await
            }
            .await,
        )
    }
}
