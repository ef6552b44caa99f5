//! The closed vocabularies of the domain (statuses, kinds, roles…), stored as
//! lower-case text so that both SQLite and PostgreSQL hold them without a
//! native enum type, and so a new value is an additive change.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a text-backed enumeration with its database mapping, the list of
/// its values, and `FromStr`/`Display` in the stored spelling (what the bridge
/// and the command line read and print).
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $value)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored, lower-case spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $value),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
                Self::ALL.iter().copied().find(|v| v.as_str() == wanted).ok_or_else(|| {
                    crate::DomainError::invalid(
                        stringify!($name),
                        format!(
                            "'{s}' is not a {}; use one of: {}",
                            stringify!($name),
                            Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    )
                })
            }
        }
    };
}

text_enum!(
    /// What an organisation is to the federation.
    OrganisationKind {
        MemberCoop = "member_coop",
        Partner = "partner",
        Network = "network",
        Movement = "movement",
    }
);

text_enum!(
    /// Where a strategic working group is in its life.
    GroupStatus {
        Forming = "forming",
        Active = "active",
        OnHold = "on_hold",
        Dormant = "dormant",
        Closed = "closed",
    }
);

text_enum!(
    /// Where a project group is in its life.
    ProjectStatus {
        Idea = "idea",
        Planned = "planned",
        Active = "active",
        Paused = "paused",
        Done = "done",
    }
);

text_enum!(
    /// Who may see a group, project, meeting or resource: anyone, signed-in
    /// members of the federation, or the group's own members.
    Visibility {
        Public = "public",
        Members = "members",
        Private = "private",
    }
);

text_enum!(
    /// What a person does in a group or project.
    Role {
        Convener = "convener",
        Member = "member",
        Observer = "observer",
        Staff = "staff",
        BoardLiaison = "board_liaison",
    }
);

text_enum!(
    /// The seed's ship analogy: a say in the destination (strategy), a go at
    /// steering (coordination), work on the engine (delivery), or support.
    Involvement {
        Strategy = "strategy",
        Coordination = "coordination",
        Delivery = "delivery",
        Supporter = "supporter",
    }
);

text_enum!(
    /// Whether a membership is in force.
    MembershipStatus {
        Pending = "pending",
        Active = "active",
        SteppedBack = "stepped_back",
    }
);

text_enum!(
    /// The form of a relationship with another organisation.
    AllianceKind {
        NetworkMembership = "network_membership",
        Campaign = "campaign",
        Partnership = "partnership",
        Coalition = "coalition",
    }
);

text_enum!(
    /// How far an alliance reaches.
    AllianceScope {
        Local = "local",
        National = "national",
        International = "international",
    }
);

text_enum!(
    /// Where an alliance stands.
    AllianceStatus {
        Exploring = "exploring",
        Active = "active",
        Dormant = "dormant",
        Ended = "ended",
    }
);

text_enum!(
    /// A meeting, a public event, or a call.
    MeetingKind {
        Meeting = "meeting",
        Event = "event",
        Call = "call",
    }
);

text_enum!(
    /// An open meeting, or one about a set topic.
    MeetingFormat {
        Open = "open",
        Topic = "topic",
    }
);

text_enum!(
    /// The lifecycle of a meeting.
    MeetingStatus {
        Proposed = "proposed",
        Scheduled = "scheduled",
        Postponed = "postponed",
        Cancelled = "cancelled",
        Held = "held",
    }
);

text_enum!(
    /// Where an agenda item stands.
    AgendaItemStatus {
        Open = "open",
        Discussed = "discussed",
        Deferred = "deferred",
        Dropped = "dropped",
    }
);

text_enum!(
    /// A member's answer to a meeting invitation.
    RsvpResponse {
        Yes = "yes",
        No = "no",
        Maybe = "maybe",
    }
);

text_enum!(
    /// What kind of educational or promotional resource this is.
    ResourceKind {
        Guide = "guide",
        Toolkit = "toolkit",
        Video = "video",
        Article = "article",
        Template = "template",
        Other = "other",
    }
);

text_enum!(
    /// Who an API token speaks for.
    TokenKind {
        Admin = "admin",
        Partner = "partner",
        Member = "member",
    }
);

text_enum!(
    /// Where a website sign-up stands.
    SignUpStatus {
        Pending = "pending",
        Approved = "approved",
        Declined = "declined",
    }
);

text_enum!(
    /// Whether a date poll takes votes.
    PollStatus {
        Open = "open",
        Closed = "closed",
    }
);

text_enum!(
    /// Where a call or visit to a co-op stands in an outreach project.
    ContactStatus {
        ToContact = "to_contact",
        NoAnswer = "no_answer",
        Talked = "talked",
        Interested = "interested",
        NotNow = "not_now",
    }
);

text_enum!(
    /// The checklist of a handover, in the order it is usually done; the
    /// old room is closed last.
    HandoverItemKind {
        PurposeAgreed = "purpose_agreed",
        ProjectsMoved = "projects_moved",
        AlliancesMoved = "alliances_moved",
        ContactsHandedOver = "contacts_handed_over",
        OldRoomClosed = "old_room_closed",
    }
);
