//! The HTTP surface: `/graphql` (POST and GET, GraphiQL for a browser's
//! GET), `/health` (the process is up) and `/ready` (the database answers).
//! The caller's API key (`Authorization: Bearer …`) becomes the domain's
//! [`Actor`]; a key that is unknown or revoked is refused with 401 rather
//! than quietly treated as anonymous, so a misconfigured client finds out.

use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql::{ServerError, Value};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use entities::Actor;
use entities::domain::tokens;
use sea_orm::DatabaseConnection;
use serde_json::json;
use tower_http::trace::TraceLayer;

use crate::graphql::{MusterSchema, RequestCtx};
use crate::settings::Settings;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub schema: MusterSchema,
    pub settings: Arc<Settings>,
}

impl AppState {
    /// State for a database and settings.
    pub fn new(db: DatabaseConnection, settings: Settings) -> Self {
        let schema = crate::graphql::build(&settings.limits);
        Self {
            db,
            schema,
            settings: Arc::new(settings),
        }
    }
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    let body_limit = state.settings.limits.body_bytes;
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Who the request is from, or the response refusing it.
async fn actor(state: &AppState, headers: &HeaderMap) -> Result<Actor, Response> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Actor::Anonymous);
    };
    let unauthorised = |msg: &str| error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", msg);
    let Some(secret) = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) else {
        return Err(unauthorised(
            "the Authorization header must be `Bearer <key>`",
        ));
    };
    match tokens::authenticate(&state.db, secret.trim()).await {
        Ok(Some(actor)) => Ok(actor),
        Ok(None) => Err(unauthorised("this API key is unknown or revoked")),
        Err(e) => {
            tracing::error!(error = %e, "could not check an API key");
            Err(error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "INTERNAL",
                "could not check the API key; try again",
            ))
        }
    }
}

/// Gives every error a stable `extensions.code`: resolvers set their own;
/// those raised by the GraphQL engine itself (parse and validation
/// failures, limits) get one here.
fn with_codes(mut resp: async_graphql::Response) -> async_graphql::Response {
    let before_execution = matches!(resp.data, Value::Null);
    for e in &mut resp.errors {
        let has_code = e
            .extensions
            .as_ref()
            .is_some_and(|x| x.get("code").is_some());
        if !has_code {
            let code = engine_code(e, before_execution);
            e.extensions
                .get_or_insert_with(Default::default)
                .set("code", code);
        }
    }
    resp
}

fn engine_code(e: &ServerError, before_execution: bool) -> &'static str {
    let m = e.message.as_str();
    if m.contains("nested too deep") {
        "DEPTH_LIMIT_EXCEEDED"
    } else if m.contains("too complex") {
        "COMPLEXITY_LIMIT_EXCEEDED"
    } else if m.contains("recursion") || m.contains("too many directives") {
        "LIMIT_EXCEEDED"
    } else if m.starts_with(" --> ") || m.contains("expected") && e.locations.is_empty() {
        "GRAPHQL_PARSE_FAILED"
    } else if before_execution {
        "GRAPHQL_VALIDATION_FAILED"
    } else {
        "INTERNAL"
    }
}

async fn execute(state: &AppState, headers: &HeaderMap, req: async_graphql::Request) -> Response {
    let actor = match actor(state, headers).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let resp = state
        .schema
        .execute(req.data(RequestCtx::new(state.db.clone(), actor)))
        .await;
    GraphQLResponse::from(with_codes(resp)).into_response()
}

async fn graphql_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: GraphQLRequest,
) -> Response {
    execute(&state, &headers, req.into_inner()).await
}

/// GET: GraphiQL for a browser without a query; otherwise a query from the
/// URL. Mutations are refused over GET (405), as the GraphQL-over-HTTP
/// specification requires: a link must never change anything.
async fn graphql_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.unwrap_or_default();
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if !raw.contains("query=") {
        if wants_html {
            return Html(
                GraphiQLSource::build()
                    .endpoint("/graphql")
                    .title("Muster GraphiQL")
                    .finish(),
            )
            .into_response();
        }
        return error_response(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "give a `query` parameter, or POST a JSON body",
        );
    }
    let req = match async_graphql::http::parse_query_string(&raw) {
        Ok(r) => r,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("malformed GET request: {e}"),
            );
        }
    };
    if let Ok(doc) = async_graphql::parser::parse_query(&req.query) {
        let is_mutation = doc.operations.iter().any(|(name, op)| {
            let selected = match (&req.operation_name, name) {
                (Some(wanted), Some(n)) => wanted.as_str() == n.as_str(),
                (None, _) => true,
                (Some(_), None) => false,
            };
            selected && op.node.ty != OperationType::Query
        });
        if is_mutation {
            let mut r = error_response(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "mutations must be sent with POST",
            );
            r.headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
            return r;
        }
    }
    execute(&state, &headers, req).await
}

async fn health() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

async fn ready(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database not reachable").into_response()
        }
    }
}
