//! Mechanical sea-orm entities, one module a table, plus the enumerations
//! they use. Nothing here decides anything: the rules are in
//! [`crate::domain`].

pub mod action;
pub mod agenda_item;
pub mod alliance;
pub mod api_token;
pub mod attendance;
pub mod bridge_event;
pub mod charter_version;
pub mod contact;
pub mod delegate;
pub mod enums;
pub mod group;
pub mod group_digest;
pub mod group_succession;
pub mod handover;
pub mod handover_item;
pub mod meeting;
pub mod meeting_alert;
pub mod member;
pub mod membership;
pub mod organisation;
pub mod outbox;
pub mod poll;
pub mod poll_option;
pub mod poll_vote;
pub mod project;
pub mod resource;
pub mod role;
pub mod room_post;
pub mod rsvp;
pub mod sign_up;
