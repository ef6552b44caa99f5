//! The GraphQL schema: [`query`], [`mutation`], the object [`types`] and
//! their [`loaders`], Relay [`connection`]s, global [`ids`], and the
//! translation of domain [`errors`]. A request carries a [`RequestCtx`]: the
//! database, the actor, and a [`batch::Batcher`] made for that request alone.

pub mod access;
pub mod batch;
pub mod connection;
pub mod enums;
pub mod errors;
pub mod ids;
pub mod life;
pub mod loaders;
pub mod mutation;
pub mod payload;
pub mod plain;
pub mod query;
pub mod subscription;
pub mod types;

use async_graphql::{Context, MergedObject, Schema, ValidationMode};
use entities::Actor;
use sea_orm::DatabaseConnection;

use crate::rate::RateLimits;
use crate::settings::Settings;

/// Reading Muster.
#[derive(MergedObject, Default)]
pub struct Query(query::CoreQuery, access::AccessQuery);

/// Changing Muster.
#[derive(MergedObject, Default)]
pub struct Mutation(
    mutation::CoreMutation,
    access::AccessMutation,
    life::LifeMutation,
);

/// The schema type.
pub type MusterSchema = Schema<Query, Mutation, subscription::Subscription>;

/// What every resolver can reach.
pub struct RequestCtx {
    /// Writes, transactions and the reads not moved to `reads`.
    pub db: DatabaseConnection,
    /// Where the loaders and the root lists read (see [`crate::reads`]).
    pub reads: crate::reads::Reads,
    pub actor: Actor,
    pub loader: batch::Batcher<loaders::DbLoader>,
    /// The client's address, for per-address limits (sign-ups).
    pub client_ip: Option<std::net::IpAddr>,
    /// The shared rate limiters.
    pub rate: std::sync::Arc<RateLimits>,
    /// The settings the server runs with.
    pub settings: std::sync::Arc<Settings>,
}

impl RequestCtx {
    /// A context for one request by `actor`.
    pub fn new(
        reads: crate::reads::Reads,
        actor: Actor,
        client_ip: Option<std::net::IpAddr>,
        rate: std::sync::Arc<RateLimits>,
        settings: std::sync::Arc<Settings>,
    ) -> Self {
        let loader = loaders::new(reads.clone(), actor.clone());
        Self {
            db: reads.pool().clone(),
            reads,
            actor,
            loader,
            client_ip,
            rate,
            settings,
        }
    }
}

/// The request's context. Every request is given one by the HTTP layer.
pub fn req<'a>(ctx: &Context<'a>) -> &'a RequestCtx {
    ctx.data_unchecked::<RequestCtx>()
}

/// Builds the schema with the configured limits. It checks every
/// validation rule on every request.
pub fn build(settings: &Settings) -> MusterSchema {
    build_with(settings, ValidationMode::Strict)
}

/// The same schema for documents known to pass every validation rule with
/// the request's variables ([`crate::documents::Check::Known`]): it checks
/// only the limits on depth and complexity, and fragment cycles.
pub fn build_for_known(settings: &Settings) -> MusterSchema {
    build_with(settings, ValidationMode::Fast)
}

fn build_with(settings: &Settings, mode: ValidationMode) -> MusterSchema {
    let limits = &settings.limits;
    let mut b = Schema::build(
        Query::default(),
        Mutation::default(),
        subscription::Subscription,
    )
    .validation_mode(mode)
    .limit_depth(limits.depth)
    .limit_complexity(limits.complexity)
    .limit_recursive_depth(limits.recursive_depth)
    .limit_directives(limits.directives);
    if !settings.introspection() {
        b = b.disable_introspection();
    }
    if !settings.suggestions() {
        b = b.disable_suggestions();
    }
    b.data(
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap_or_default(),
    )
    .finish()
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build(&Settings::default()).sdl()
}
