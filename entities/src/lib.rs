//! Muster's domain: the sea-orm models of a federation's working groups and
//! the rules on them — use cases, permissions, validation, and the events they
//! emit. It knows nothing of HTTP, GraphQL or Matrix: the GraphQL API and the
//! Matrix bridge are thin adapters that call the same functions here with an
//! [`Actor`] and translate the result.
//!
//! * [`model`] — mechanical entity code, one module a table.
//! * [`domain`] — hand-written use cases, each one transaction.
//! * [`policy`] — who may do and see what.
//! * [`error`] — the domain error and its stable codes.
//! * [`demo`] — the seed conversation as data.
//! * [`scale`] — generated volume for benchmarks.

pub mod actor;
pub mod demo;
pub mod domain;
pub mod error;
pub mod model;
pub mod policy;
pub mod scale;

pub use actor::Actor;
pub use error::{DomainError, ErrorCode, Result};
pub use model::enums::*;
pub use model::{
    action, agenda_item, alliance, api_token, attendance, bridge_event, charter_version, contact,
    delegate, group, group_digest, group_succession, handover, handover_item, meeting,
    meeting_alert, member, membership, organisation, outbox, poll, poll_option, poll_vote, project,
    resource, role, room_post, rsvp, sign_up,
};
