//! Who may do and see what — DESIGN.md's "Who may do what", in one place.
//! The adapters never decide this themselves: the use cases call these
//! checks, and the read functions filter with them.
//!
//! * Visibility: `public` objects are for anyone; `members` objects for
//!   signed-in members; `private` objects for the members of the group or
//!   project itself (a group's members also see its projects' private
//!   matters). Admins see everything. Partner keys see public data only.
//! * Changes: admins may change anything. A convener of a group or project
//!   may schedule, change, move and cancel its meetings and decide its
//!   sign-ups (a group's conveners also for its projects). A member may
//!   answer invitations and add agenda items for meetings they can see,
//!   join groups and projects they can see, and leave.
//! * Contact details (e-mail, phone) are for the member themself, the
//!   conveners of their groups and projects, and admins.

use uuid::Uuid;

use crate::{Actor, DomainError, Result, Visibility, member, membership};

/// Where an object belongs, for the private-visibility and convener rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Owner {
    pub group: Option<Uuid>,
    pub project: Option<Uuid>,
    /// The group of `project`, when known.
    pub project_group: Option<Uuid>,
}

impl Owner {
    /// A group.
    pub fn group(id: Uuid) -> Self {
        Self {
            group: Some(id),
            ..Self::default()
        }
    }

    /// A project of a group.
    pub fn project(id: Uuid, group: Uuid) -> Self {
        Self {
            project: Some(id),
            project_group: Some(group),
            ..Self::default()
        }
    }
}

/// Fails unless `actor` is an admin. `what` completes "you may not …".
pub fn require_admin(actor: &Actor, what: &str) -> Result<()> {
    match actor {
        a if a.is_admin() => Ok(()),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
        _ => Err(DomainError::Forbidden(what.to_owned())),
    }
}

/// Fails unless `actor` is a signed-in member (or an admin).
pub fn require_member(actor: &Actor, what: &str) -> Result<()> {
    match actor {
        a if a.is_admin() => Ok(()),
        Actor::Member(_) => Ok(()),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
        _ => Err(DomainError::Forbidden(what.to_owned())),
    }
}

/// Whether `actor` convenes the owner (a group's conveners also convene its
/// projects).
pub fn convenes(actor: &Actor, owner: Owner) -> bool {
    if actor.is_admin() {
        return true;
    }
    let Some(m) = actor.member() else {
        return false;
    };
    owner.group.is_some_and(|g| m.convenes_group(g))
        || owner.project.is_some_and(|p| m.convenes_project(p))
        || owner.project_group.is_some_and(|g| m.convenes_group(g))
}

/// Fails unless `actor` convenes the owner.
pub fn require_convener(actor: &Actor, owner: Owner, what: &str) -> Result<()> {
    if convenes(actor, owner) {
        Ok(())
    } else if matches!(actor, Actor::Anonymous) {
        Err(DomainError::Unauthenticated)
    } else {
        Err(DomainError::Forbidden(format!(
            "{what}: only its conveners and admins may"
        )))
    }
}

/// The visibility levels `actor` sees everywhere (private objects are
/// decided per owner by [`can_see`]).
pub fn visible_levels(actor: &Actor) -> &'static [Visibility] {
    match actor {
        a if a.is_admin() => Visibility::ALL,
        Actor::Member(_) => &[Visibility::Public, Visibility::Members],
        _ => &[Visibility::Public],
    }
}

/// Whether `actor` sees everything (no filter needed).
pub fn sees_everything(actor: &Actor) -> bool {
    actor.is_admin()
}

/// Whether `actor` may read an object of this visibility and owner.
pub fn can_see(actor: &Actor, visibility: Visibility, owner: Owner) -> bool {
    if visible_levels(actor).contains(&visibility) {
        return true;
    }
    let Some(m) = actor.member() else {
        return false;
    };
    visibility == Visibility::Private
        && (owner.group.is_some_and(|g| m.in_group(g))
            || owner
                .project
                .is_some_and(|p| m.visible_projects.contains(&p))
            || owner.project_group.is_some_and(|g| m.in_group(g)))
}

/// Whether `actor` may see `member`'s e-mail address and phone number, given
/// that member's live memberships.
pub fn can_see_contact(
    actor: &Actor,
    member: &member::Model,
    memberships: &[membership::Model],
) -> bool {
    if actor.is_admin() {
        return true;
    }
    let Some(me) = actor.member() else {
        return false;
    };
    me.member_id == member.id
        || memberships.iter().any(|ms| {
            ms.group_id.is_some_and(|g| me.convenes_group(g))
                || ms.project_id.is_some_and(|p| me.convenes_project(p))
        })
}

/// Whether `actor` may see archived objects in lists.
pub fn can_see_archived(actor: &Actor) -> bool {
    actor.is_admin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;
    use crate::actor::MemberActor;

    fn member(groups: Vec<(Uuid, Role)>, projects: Vec<(Uuid, Role)>) -> Actor {
        let visible_projects = projects.iter().map(|(p, _)| *p).collect();
        Actor::Member(MemberActor {
            member_id: Uuid::now_v7(),
            session_id: None,
            is_admin: false,
            groups,
            projects,
            visible_projects,
        })
    }

    #[test]
    fn private_is_for_the_groups_own_members() {
        let g = Uuid::now_v7();
        let other = Uuid::now_v7();
        let inside = member(vec![(g, Role::Member)], vec![]);
        let outside = member(vec![(other, Role::Convener)], vec![]);
        assert!(can_see(&inside, Visibility::Private, Owner::group(g)));
        assert!(!can_see(&outside, Visibility::Private, Owner::group(g)));
        assert!(can_see(&outside, Visibility::Members, Owner::group(g)));
        assert!(!can_see(
            &Actor::Anonymous,
            Visibility::Members,
            Owner::group(g)
        ));
        assert!(!can_see(
            &Actor::Partner {
                token_id: Uuid::now_v7(),
                organisation_id: None
            },
            Visibility::Members,
            Owner::group(g)
        ));
        assert!(can_see(
            &Actor::System,
            Visibility::Private,
            Owner::group(g)
        ));
        // A group's members see its projects' private matters.
        assert!(can_see(
            &inside,
            Visibility::Private,
            Owner::project(Uuid::now_v7(), g)
        ));
    }

    #[test]
    fn conveners_convene_their_groups_and_their_projects() {
        let g = Uuid::now_v7();
        let p = Uuid::now_v7();
        let convener = member(vec![(g, Role::Convener)], vec![]);
        let plain = member(vec![(g, Role::Member)], vec![]);
        assert!(convenes(&convener, Owner::group(g)));
        assert!(convenes(&convener, Owner::project(p, g)));
        assert!(!convenes(&plain, Owner::group(g)));
        assert_eq!(
            require_convener(&Actor::Anonymous, Owner::group(g), "x")
                .unwrap_err()
                .code(),
            crate::ErrorCode::Unauthenticated
        );
        assert_eq!(
            require_convener(&plain, Owner::group(g), "x")
                .unwrap_err()
                .code(),
            crate::ErrorCode::Forbidden
        );
    }
}
