//! Who is asking. Every use case takes an [`Actor`]; the adapters build it
//! from what the request carries (an API key today; member sessions, partner
//! keys and Matrix senders arrive with the access and bridge work).

use uuid::Uuid;

/// The party a use case runs for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Nobody signed in: reads public data only.
    Anonymous,
    /// An admin API key.
    Admin { token_id: Uuid },
    /// Muster itself: the command line and the demo seed, run by whoever
    /// holds the machine.
    System,
}

impl Actor {
    /// True for actors that may do everything.
    pub fn is_admin(&self) -> bool {
        matches!(self, Self::Admin { .. } | Self::System)
    }
}
