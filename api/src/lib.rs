//! Muster's GraphQL adapter and its HTTP server: the schema
//! ([`graphql`]), the routes ([`http`]), the settings ([`settings`]) and the
//! database start-up ([`db`]). The `muster` command line (`main.rs`) wires
//! them together. Resolvers translate between GraphQL and the domain in the
//! `entities` crate; they never decide a rule themselves.

pub mod backup;
pub mod calendar;
pub mod db;
pub mod dbcopy;
pub mod doctor;
pub mod documents;
pub mod graphql;
pub mod guard;
pub mod http;
pub mod live;
pub mod openid;
pub mod otel;
pub mod rate;
pub mod reads;
pub mod settings;
pub mod telemetry;

pub use http::{AppState, router};
pub use settings::Settings;
