//! The domain's enumerations as GraphQL enums (`ON_HOLD`, `CONVENER`…),
//! mirrored from `entities` with `remote`, so the two can never drift: a new
//! domain value that is not listed here fails to compile.

use async_graphql::Enum;

macro_rules! gql_enum {
    ($(#[$meta:meta])* $name:ident, $remote:literal, { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
        #[graphql(remote = $remote)]
        pub enum $name { $($variant),+ }
    };
}

gql_enum!(
    /// What an organisation is to the federation.
    OrganisationKind, "entities::OrganisationKind", { MemberCoop, Partner, Network, Movement });
gql_enum!(
    /// Where a strategic working group is in its life.
    GroupStatus, "entities::GroupStatus", { Forming, Active, OnHold, Dormant, Closed });
gql_enum!(
    /// Where a project group is in its life.
    ProjectStatus, "entities::ProjectStatus", { Idea, Planned, Active, Paused, Done });
gql_enum!(
    /// Who may see it: anyone, signed-in members, or the group's own members.
    Visibility, "entities::Visibility", { Public, Members, Private });
gql_enum!(
    /// What a person does in a group or project.
    Role, "entities::Role", { Convener, Member, Observer, Staff, BoardLiaison });
gql_enum!(
    /// What a role asks: a say in the destination (STRATEGY), a go at
    /// steering (COORDINATION), work on the engine (DELIVERY), or SUPPORTER.
    Involvement, "entities::Involvement", { Strategy, Coordination, Delivery, Supporter });
gql_enum!(
    /// Whether a membership is in force.
    MembershipStatus, "entities::MembershipStatus", { Pending, Active, SteppedBack });
gql_enum!(
    /// The form of an alliance.
    AllianceKind, "entities::AllianceKind", { NetworkMembership, Campaign, Partnership, Coalition });
gql_enum!(
    /// How far an alliance reaches.
    AllianceScope, "entities::AllianceScope", { Local, National, International });
gql_enum!(
    /// Where an alliance stands.
    AllianceStatus, "entities::AllianceStatus", { Exploring, Active, Dormant, Ended });
gql_enum!(
    /// A meeting, a public event, or a call.
    MeetingKind, "entities::MeetingKind", { Meeting, Event, Call });
gql_enum!(
    /// An open meeting, or one about a set topic.
    MeetingFormat, "entities::MeetingFormat", { Open, Topic });
gql_enum!(
    /// The lifecycle of a meeting: PROPOSED → SCHEDULED → HELD, or POSTPONED
    /// (moved; the new meeting's `postponedFrom` points back) or CANCELLED.
    MeetingStatus, "entities::MeetingStatus", { Proposed, Scheduled, Postponed, Cancelled, Held });
gql_enum!(
    /// Where an agenda item stands.
    AgendaItemStatus, "entities::AgendaItemStatus", { Open, Discussed, Deferred, Dropped });
gql_enum!(
    /// An answer to a meeting invitation.
    RsvpResponse, "entities::RsvpResponse", { Yes, No, Maybe });
gql_enum!(
    /// What kind of resource it is.
    ResourceKind, "entities::ResourceKind", { Guide, Toolkit, Video, Article, Template, Other });
gql_enum!(
    /// Where a call or visit to a co-op stands.
    ContactStatus, "entities::ContactStatus", { ToContact, NoAnswer, Talked, Interested, NotNow });
gql_enum!(
    /// A handover's checklist, in order; the old room is closed last.
    HandoverItemKind, "entities::HandoverItemKind", { PurposeAgreed, ProjectsMoved, AlliancesMoved, ContactsHandedOver, OldRoomClosed });

/// Sort direction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

/// Converts a list of GraphQL enum values to domain values.
pub fn to_domain<G: Copy + Into<D>, D>(values: Option<&Vec<G>>) -> Option<Vec<D>> {
    values.map(|v| v.iter().copied().map(Into::into).collect())
}
