//! The Matrix adapter: links project groups to rooms, parses chat commands
//! ([`command`]), reads the times people type ([`when`]), runs commands
//! through the domain as the sender, and delivers the outbox to rooms.
//!
//! So far: the command grammar and the time reader, both pure and tested.
//! The bot itself (matrix-sdk login, sync, room links, replies, outbox
//! delivery) is the rest of the bridge work; it depends only on `entities`,
//! as the architecture requires.

pub mod command;
pub mod deliver;
pub mod notices;
pub mod run;
pub mod when;
