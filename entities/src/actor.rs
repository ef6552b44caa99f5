//! Who is asking. Every use case takes an [`Actor`]; the adapters build it
//! from what the request carries: nothing (anonymous), a partner key, a
//! member's session (from a Matrix OpenID exchange or issued by an admin),
//! an admin key, or — for the bridge — the member behind a Matrix sender.
//! A member actor carries their live memberships, so permission checks need
//! no further look-ups.

use uuid::Uuid;

use crate::Role;

/// The party a use case runs for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Nobody signed in: reads public data, may sign up.
    Anonymous,
    /// A partner organisation's API key: reads public data.
    Partner {
        token_id: Uuid,
        organisation_id: Option<Uuid>,
    },
    /// A member of the federation.
    Member(MemberActor),
    /// An admin API key.
    Admin { token_id: Uuid },
    /// Muster itself: the command line and the demo seed, run by whoever
    /// holds the machine.
    System,
}

/// A signed-in member and where they belong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberActor {
    pub member_id: Uuid,
    /// The session they signed in with, if any (not for bridge senders).
    pub session_id: Option<Uuid>,
    /// A member flagged admin may do everything.
    pub is_admin: bool,
    /// Groups they are an active member of, with their role.
    pub groups: Vec<(Uuid, Role)>,
    /// Projects they are an active member of, with their role.
    pub projects: Vec<(Uuid, Role)>,
    /// Projects whose private matters they may see: their own projects and
    /// every project of their groups.
    pub visible_projects: Vec<Uuid>,
}

impl Actor {
    /// True for actors that may do everything.
    pub fn is_admin(&self) -> bool {
        match self {
            Self::Admin { .. } | Self::System => true,
            Self::Member(m) => m.is_admin,
            Self::Anonymous | Self::Partner { .. } => false,
        }
    }

    /// The member this actor is, if it is one.
    pub fn member(&self) -> Option<&MemberActor> {
        match self {
            Self::Member(m) => Some(m),
            _ => None,
        }
    }

    /// The member id this actor is, if it is one.
    pub fn member_id(&self) -> Option<Uuid> {
        self.member().map(|m| m.member_id)
    }
}

impl MemberActor {
    /// Whether they are in this group.
    pub fn in_group(&self, group: Uuid) -> bool {
        self.groups.iter().any(|(g, _)| *g == group)
    }

    /// Whether they convene this group.
    pub fn convenes_group(&self, group: Uuid) -> bool {
        self.groups
            .iter()
            .any(|(g, r)| *g == group && *r == Role::Convener)
    }

    /// Whether they convene this project.
    pub fn convenes_project(&self, project: Uuid) -> bool {
        self.projects
            .iter()
            .any(|(p, r)| *p == project && *r == Role::Convener)
    }

    /// Ids of the groups they are in.
    pub fn group_ids(&self) -> Vec<Uuid> {
        self.groups.iter().map(|(g, _)| *g).collect()
    }
}
