//! Muster's test suite, in one binary (one link instead of five). Every
//! database test runs twice, on SQLite and on PostgreSQL (`both!`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    clippy::missing_panics_doc
)]

mod access;
mod api;
mod bot;
mod bridge;
mod calendar;
mod doctor;
mod domain;
mod drills;
mod e2e;
mod growing;
mod health;
mod life;
mod migrations;
mod openid;
mod quorum;
mod reads;
mod schema;
