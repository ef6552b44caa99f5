//! The GraphQL schema: [`query`], [`mutation`], the object [`types`] and
//! their [`loaders`], Relay [`connection`]s, global [`ids`], and the
//! translation of domain [`errors`]. A request carries a [`RequestCtx`]: the
//! database, the actor, and a DataLoader made for that request alone.

pub mod connection;
pub mod enums;
pub mod errors;
pub mod ids;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod types;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, EmptySubscription, Schema};
use entities::Actor;
use sea_orm::DatabaseConnection;

use crate::settings::Limits;

/// The schema type.
pub type MusterSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// What every resolver can reach.
pub struct RequestCtx {
    pub db: DatabaseConnection,
    pub actor: Actor,
    pub loader: DataLoader<loaders::DbLoader>,
}

impl RequestCtx {
    /// A context for one request by `actor`.
    pub fn new(db: DatabaseConnection, actor: Actor) -> Self {
        let loader = loaders::new(db.clone(), actor.clone());
        Self { db, actor, loader }
    }
}

/// The request's context. Every request is given one by the HTTP layer.
pub fn req<'a>(ctx: &Context<'a>) -> &'a RequestCtx {
    ctx.data_unchecked::<RequestCtx>()
}

/// Builds the schema with the configured limits.
pub fn build(limits: &Limits) -> MusterSchema {
    let mut b = Schema::build(query::Query, mutation::Mutation, EmptySubscription)
        .limit_depth(limits.depth)
        .limit_complexity(limits.complexity)
        .limit_recursive_depth(limits.recursive_depth)
        .limit_directives(limits.directives);
    if !limits.introspection {
        b = b.disable_introspection();
    }
    b.finish()
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build(&Limits::default()).sdl()
}
