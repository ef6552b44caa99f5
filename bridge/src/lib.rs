//! The Matrix adapter: links project groups to rooms, parses chat commands
//! ([`command`]) and reads the times people type ([`when`]) — both from the
//! pure `muster-commands` crate, re-exported here — runs commands and
//! reactions through the domain as the sender ([`run`]), renders the outbox
//! as notices ([`notices`]) and delivers them ([`deliver`]) through the
//! matrix-sdk client ([`bot`]); [`probe`] checks the homeserver for
//! `muster doctor`; [`lease`] keeps one bridge active per database. It
//! depends only on `entities` (and `muster-commands`), as the architecture
//! requires: every rule is the domain's.

pub mod bot;
pub mod deliver;
pub mod lease;
pub mod notices;
pub mod probe;
pub mod run;

pub use muster_commands::{command, when};
