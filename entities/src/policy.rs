//! Who may do and see what. The adapters never decide this themselves: the
//! use cases call these checks, and the read functions filter with them.
//!
//! Today every change needs an admin (an admin API key or the command line);
//! anonymous readers see public objects only and never contact details. The
//! member, convener and partner rules of DESIGN.md's "Who may do what" slot in
//! here without changing the adapters.

use crate::{Actor, DomainError, Result, Visibility, member};

/// Fails unless `actor` may make changes to the federation's data.
/// `what` completes "you may not …" in the error.
pub fn require_admin(actor: &Actor, what: &str) -> Result<()> {
    match actor {
        a if a.is_admin() => Ok(()),
        Actor::Anonymous => Err(DomainError::Unauthenticated),
        _ => Err(DomainError::Forbidden(what.to_owned())),
    }
}

/// The visibility levels `actor` may read.
pub fn visible_levels(actor: &Actor) -> &'static [Visibility] {
    if actor.is_admin() {
        Visibility::ALL
    } else {
        &[Visibility::Public]
    }
}

/// Whether `actor` may read an object of this visibility.
pub fn can_see(actor: &Actor, visibility: Visibility) -> bool {
    visible_levels(actor).contains(&visibility)
}

/// Whether `actor` may see this member's e-mail address and phone number.
pub fn can_see_contact(actor: &Actor, _member: &member::Model) -> bool {
    actor.is_admin()
}

/// Whether `actor` may see archived objects in lists.
pub fn can_see_archived(actor: &Actor) -> bool {
    actor.is_admin()
}
