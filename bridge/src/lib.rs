//! The Matrix adapter: links project groups to rooms, parses chat commands
//! ([`command`]), reads the times people type ([`when`]), runs commands and
//! reactions through the domain as the sender ([`run`]), renders the outbox
//! as notices ([`notices`]) and delivers them ([`deliver`]) through the
//! matrix-sdk client ([`bot`]); [`probe`] checks the homeserver for
//! `muster doctor`. It depends only on `entities`, as the
//! architecture requires: every rule is the domain's.

pub mod bot;
pub mod command;
pub mod deliver;
pub mod lease;
pub mod notices;
pub mod probe;
pub mod run;
pub mod when;
