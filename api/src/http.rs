//! The HTTP surface, as GraphQL clients and the GraphQL-over-HTTP
//! specification expect it:
//!
//! * `POST /graphql` with `application/json` (anything else — no type,
//!   `text/plain`, forms, multipart — is refused with 415: those are the
//!   bodies a browser sends cross-site without a preflight). Batches (a
//!   JSON array) only when `limits.batch` allows, up to that many.
//! * `GET /graphql?query=…` for queries; a mutation over GET is refused
//!   with 405 and `Allow: POST`. A browser's GET without a query gets
//!   GraphiQL.
//! * Responses are `application/graphql-response+json` when the client
//!   accepts it — then a request that never ran (unparsable, invalid, over
//!   a limit) is a 4xx without `data` — and `application/json` otherwise
//!   (200, as legacy clients expect).
//! * Every request gets an id — the client's `x-request-id` when it is a
//!   short token, else a new UUID — that every response carries, that every
//!   log line written while the request runs carries (an `http` span
//!   around everything, [`with_request_id`]), and that internal errors give
//!   the client in `extensions.requestId`.
//! * The caller's key (`Authorization: Bearer …`) becomes the domain's
//!   [`Actor`]; a key that is unknown, revoked or expired is refused with 401
//!   rather than quietly treated as anonymous. Partner keys are rate-limited
//!   (429 with `Retry-After`; `RateLimit-Limit`/`RateLimit-Remaining` on
//!   every answer).
//! * `/health` (the process is up) and `/ready` (the database answers).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse, ServerError, Value};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use entities::Actor;
use entities::domain::tokens;
use sea_orm::DatabaseConnection;
use serde_json::json;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;
use tracing::Instrument;
use uuid::Uuid;

use crate::documents::Check;
use crate::graphql::{MusterSchema, RequestCtx};
use crate::rate::{RateLimits, Verdict};
use crate::settings::Settings;

/// The media type of GraphQL-over-HTTP responses.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Where GraphQL reads run (`db` on SQLite; a pool of their own on
    /// PostgreSQL).
    pub reads: crate::reads::Reads,
    pub schema: MusterSchema,
    /// The same schema, for documents known to be valid (see
    /// [`crate::documents`]).
    pub schema_for_known: MusterSchema,
    pub settings: Arc<Settings>,
    pub rate: Arc<RateLimits>,
    /// New outbox rows, for subscriptions.
    pub hub: crate::live::Hub,
    /// Turns to execute an operation (`limits.concurrent_requests`).
    pub turns: Arc<tokio::sync::Semaphore>,
    /// Parsed documents of recent requests.
    pub documents: Arc<crate::documents::Documents>,
    /// The process's metrics, when a recorder is installed (the binary).
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

impl AppState {
    /// State for a database and settings.
    pub fn new(db: DatabaseConnection, settings: Settings) -> Self {
        let schema = crate::graphql::build(&settings);
        let schema_for_known = crate::graphql::build_for_known(&settings);
        let rate = Arc::new(RateLimits::new(&settings.rate_limits));
        let hub = crate::live::Hub::start(db.clone());
        let reads = crate::reads::Reads::new(
            db.clone(),
            usize::try_from(settings.database_max_connections).unwrap_or(usize::MAX),
            Duration::from_millis(settings.database_acquire_timeout_ms.max(1)),
        );
        Self {
            db,
            reads,
            schema,
            schema_for_known,
            turns: Arc::new(tokio::sync::Semaphore::new(settings.limits.concurrency())),
            documents: Arc::default(),
            metrics: None,
            settings: Arc::new(settings),
            rate,
            hub,
        }
    }
}

/// The application's routes.
pub fn router(state: AppState) -> Router {
    let cors = cors(&state.settings.cors_origins);
    let app = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/calendar/groups/{file}", get(crate::calendar::group))
        .route("/calendar/projects/{file}", get(crate::calendar::project))
        .route("/calendar/me/{file}", get(crate::calendar::personal))
        .route("/health", get(health))
        .route("/metrics", get(crate::telemetry::scrape))
        .route("/ready", get(ready))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(with_request_id))
        .with_state(state);
    match cors {
        Some(c) => app.layer(c),
        None => app,
    }
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(list))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
            .expose_headers([
                header::HeaderName::from_static("x-request-id"),
                header::RETRY_AFTER,
                header::HeaderName::from_static("ratelimit-limit"),
                header::HeaderName::from_static("ratelimit-remaining"),
            ])
            .max_age(Duration::from_mins(10)),
    )
}

/// How the client wants its answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavour {
    /// `application/graphql-response+json`: 4xx for requests that never ran.
    GraphqlResponse,
    /// `application/json`: always 200 for well-formed requests.
    Json,
}

fn flavour(headers: &HeaderMap) -> Flavour {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains(GRAPHQL_RESPONSE) {
        Flavour::GraphqlResponse
    } else {
        Flavour::Json
    }
}

/// One request's bookkeeping.
struct Call {
    id: String,
    flavour: Flavour,
    rate: Option<Verdict>,
}

impl Call {
    fn finish(&self, mut r: Response) -> Response {
        let h = r.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&self.id) {
            h.insert("x-request-id", v);
        }
        if let Some(Verdict::Allowed { limit, remaining }) = self.rate {
            h.insert("ratelimit-limit", HeaderValue::from(limit));
            h.insert("ratelimit-remaining", HeaderValue::from(remaining));
        }
        r
    }

    /// An error response for a request that never ran.
    fn refuse(&self, status: StatusCode, code: &str, message: &str) -> Response {
        metrics::counter!(
            "muster_graphql_operations_total",
            "operation" => "unread",
            "outcome" => code.to_owned()
        )
        .increment(1);
        let body = json!({ "errors": [{ "message": message, "extensions": { "code": code, "requestId": self.id } }] });
        let ct = match self.flavour {
            Flavour::GraphqlResponse => GRAPHQL_RESPONSE,
            Flavour::Json => "application/json",
        };
        self.finish((status, [(header::CONTENT_TYPE, ct)], body.to_string()).into_response())
    }
}

/// Gives the request its id (see the module docs): written back into the
/// request's `x-request-id` so every handler reads the same one, an
/// `http` span around the rest, and the header on the response.
pub async fn with_request_id(mut req: Request, next: axum::middleware::Next) -> Response {
    let id = request_id(req.headers());
    let value = HeaderValue::from_str(&id).ok();
    if let Some(v) = &value {
        req.headers_mut().insert("x-request-id", v.clone());
    }
    let span = tracing::info_span!(
        "http",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path()
    );
    let mut resp = next.run(req).instrument(span).await;
    if let Some(v) = value {
        resp.headers_mut().entry("x-request-id").or_insert(v);
    }
    resp
}

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map_or_else(|| Uuid::now_v7().to_string(), str::to_owned)
}

/// Who the request is from, or the response refusing it.
async fn actor(state: &AppState, headers: &HeaderMap, call: &mut Call) -> Result<Actor, Response> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Actor::Anonymous);
    };
    let Some(secret) = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) else {
        return Err(call.refuse(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "the Authorization header must be `Bearer <key>`",
        ));
    };
    match tokens::authenticate(&state.db, secret.trim()).await {
        Ok(Some((actor, token))) => {
            if let Actor::Partner { .. } = actor {
                let verdict = state.rate.partner(token.id);
                call.rate = Some(verdict);
                if let Verdict::Refused { retry_after, limit } = verdict {
                    let secs = retry_after.as_secs().max(1);
                    let mut r = call.refuse(
                        StatusCode::TOO_MANY_REQUESTS,
                        "RATE_LIMITED",
                        &format!(
                            "this key may make {limit} requests a minute; try again in {secs} s"
                        ),
                    );
                    r.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                    r.headers_mut()
                        .insert("ratelimit-limit", HeaderValue::from(limit));
                    r.headers_mut()
                        .insert("ratelimit-remaining", HeaderValue::from(0));
                    return Err(r);
                }
            }
            Ok(actor)
        }
        Ok(None) => Err(call.refuse(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "this key is unknown, revoked or expired",
        )),
        Err(e) => {
            tracing::error!(error = %e, "could not check a key");
            Err(call.refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "UNAVAILABLE",
                "could not check the key; try again",
            ))
        }
    }
}

/// The codes of errors raised before any resolver ran.
const REQUEST_ERROR_CODES: &[&str] = &[
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "DEPTH_LIMIT_EXCEEDED",
    "COMPLEXITY_LIMIT_EXCEEDED",
    "RECURSION_LIMIT_EXCEEDED",
    "DIRECTIVE_LIMIT_EXCEEDED",
    "ALIAS_LIMIT_EXCEEDED",
    "TOKEN_LIMIT_EXCEEDED",
    "BAD_REQUEST",
];

/// Gives every error a stable `extensions.code` (resolvers set their own;
/// those raised by the engine get one here) and internal ones the request
/// id.
/// An error's `extensions.code`, if it has one.
fn code_of(e: &ServerError) -> Option<&str> {
    match e.extensions.as_ref()?.get("code")? {
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }
}

fn with_codes(mut resp: async_graphql::Response, request_id: &str) -> async_graphql::Response {
    let before_execution = matches!(resp.data, Value::Null);
    for e in &mut resp.errors {
        let code = code_of(e).map(str::to_owned);
        let ext = e.extensions.get_or_insert_with(Default::default);
        let code = code.unwrap_or_else(|| {
            let c = engine_code(&e.message, before_execution).to_owned();
            ext.set("code", c.clone());
            c
        });
        if code == "INTERNAL" {
            ext.set("requestId", request_id);
            tracing::error!(request_id, message = %e.message, "internal error");
        }
    }
    resp
}

fn engine_code(m: &str, before_execution: bool) -> &'static str {
    if m.contains("nested too deep") {
        "DEPTH_LIMIT_EXCEEDED"
    } else if m.contains("too complex") {
        "COMPLEXITY_LIMIT_EXCEEDED"
    } else if m.contains("recursion depth") {
        "RECURSION_LIMIT_EXCEEDED"
    } else if m.contains("number of directives") {
        "DIRECTIVE_LIMIT_EXCEEDED"
    } else if m.starts_with(" --> ")
        || m.contains("expected") && before_execution && !m.contains("Invalid value")
    {
        "GRAPHQL_PARSE_FAILED"
    } else if before_execution {
        "GRAPHQL_VALIDATION_FAILED"
    } else {
        "INTERNAL"
    }
}

fn is_request_error(resp: &async_graphql::Response) -> bool {
    matches!(resp.data, Value::Null)
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .is_some_and(
                    |v| matches!(v, Value::String(s) if REQUEST_ERROR_CODES.contains(&s.as_str())),
                )
        })
}

/// One response as it goes on the wire: a request that never ran has no
/// `data`. Serialised straight into the body, in the order the fields were
/// asked for (no intermediate `serde_json::Value`, which cost about half of
/// a large page's time and sorted the keys).
#[derive(serde::Serialize)]
struct Wire<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, async_graphql::Value>,
}

impl<'a> Wire<'a> {
    fn of(resp: &'a async_graphql::Response) -> Self {
        Wire {
            data: (!is_request_error(resp)).then_some(&resp.data),
            errors: &resp.errors,
            extensions: &resp.extensions,
        }
    }
}

/// Runs one operation and records it (see `crate::telemetry`).
async fn run(
    state: &AppState,
    call: &Call,
    actor: Actor,
    client_ip: Option<IpAddr>,
    req: async_graphql::Request,
) -> async_graphql::Response {
    let started = std::time::Instant::now();
    let mut name = req.operation_name.clone();
    let span = tracing::info_span!(
        "operation",
        operation = tracing::field::Empty,
        outcome = tracing::field::Empty
    );
    let resp = execute(state, call, actor, client_ip, req, &mut name)
        .instrument(span.clone())
        .await;
    let operation = crate::telemetry::operation_label(name.as_deref());
    // with_codes gave every error a code.
    let outcome = resp
        .errors
        .first()
        .map_or("ok", |e| code_of(e).unwrap_or("ERROR"));
    let seconds = started.elapsed().as_secs_f64();
    crate::telemetry::operation(&operation, outcome, seconds);
    span.record("operation", operation.as_str());
    span.record("outcome", outcome);
    span.in_scope(|| tracing::debug!(ms = seconds * 1000.0, "operation finished"));
    resp
}

async fn execute(
    state: &AppState,
    call: &Call,
    actor: Actor,
    client_ip: Option<IpAddr>,
    mut req: async_graphql::Request,
    name: &mut Option<String>,
) -> async_graphql::Response {
    let limits = &state.settings.limits;
    if let Err(e) = crate::guard::check(&req.query, limits.aliases, limits.tokens) {
        let mut err = ServerError::new(e.message(), None);
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", e.code());
        return async_graphql::Response::from_errors(vec![err]);
    }
    let check = state.documents.prepare(&mut req);
    if name.is_none() {
        *name = crate::documents::only_operation_name(&mut req);
    }
    tracing::Span::current().record(
        "operation",
        crate::telemetry::operation_label(name.as_deref()).as_str(),
    );
    let ctx = RequestCtx::new(
        state.reads.clone(),
        actor,
        client_ip,
        state.rate.clone(),
        state.settings.clone(),
    );
    let timeout = Duration::from_millis(state.settings.request_timeout_ms);
    // The wait for a turn counts towards the timeout: a client is answered
    // within it, busy or not. (The semaphore is never closed.)
    let work = async {
        let _turn = state.turns.acquire().await;
        match check {
            Check::Known => {
                crate::telemetry::validation("known");
                state.schema_for_known.execute(req.data(ctx)).await
            }
            Check::Full(passed) => {
                crate::telemetry::validation("full");
                let resp = state.schema.execute(req.data(ctx)).await;
                // Failing validation always answers with an error.
                if let Some(passed) = passed.filter(|_| resp.errors.is_empty()) {
                    passed.mark();
                }
                resp
            }
        }
    };
    if let Ok(resp) = tokio::time::timeout(timeout, work).await {
        with_codes(resp, &call.id)
    } else {
        tracing::warn!(request_id = %call.id, "request timed out");
        let mut err = ServerError::new(
            format!(
                "the request took longer than {} ms and was stopped",
                timeout.as_millis()
            ),
            None,
        );
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", "TIMEOUT");
        async_graphql::Response::from_errors(vec![err])
    }
}

fn respond(call: &Call, batch: &BatchResponse) -> Response {
    let (body, status) = match batch {
        BatchResponse::Single(r) => {
            let status = if call.flavour == Flavour::GraphqlResponse && is_request_error(r) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            (serde_json::to_vec(&Wire::of(r)), status)
        }
        BatchResponse::Batch(rs) => (
            serde_json::to_vec(&rs.iter().map(Wire::of).collect::<Vec<_>>()),
            StatusCode::OK,
        ),
    };
    let body = body.unwrap_or_else(|_| {
        br#"{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}"#.to_vec()
    });
    let ct = match call.flavour {
        Flavour::GraphqlResponse => GRAPHQL_RESPONSE,
        Flavour::Json => "application/json",
    };
    call.finish((status, [(header::CONTENT_TYPE, ct)], body).into_response())
}

/// How much of an oversized body is read and thrown away, so that the
/// client, still sending, gets the 413 rather than a broken connection.
const DRAIN_MAX: usize = 16 * 1024 * 1024;

/// The body, or `None` when it is larger than `limit` (then up to
/// [`DRAIN_MAX`] of it has been read and discarded).
async fn read_body(body: Body, limit: usize) -> Option<bytes::Bytes> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut buf = bytes::BytesMut::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.ok()?;
        seen += chunk.len();
        if seen > limit {
            if seen > DRAIN_MAX {
                return None;
            }
            continue;
        }
        buf.extend_from_slice(&chunk);
    }
    (seen <= limit).then(|| buf.freeze())
}

fn client_ip(req: &Request) -> Option<IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

async fn graphql_post(State(state): State<AppState>, req: Request) -> Response {
    let headers = req.headers().clone();
    let mut call = Call {
        id: request_id(&headers),
        flavour: flavour(&headers),
        rate: None,
    };
    let span = tracing::info_span!("graphql");
    async move {
        let ip = client_ip(&req);
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let media = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if media != "application/json" {
            return call.refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "send the request as application/json: {\"query\": …, \"variables\": …}",
            );
        }
        let limit = state.settings.limits.body_bytes;
        let Some(bytes) = read_body(req.into_body(), limit).await else {
            return call.refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "DOCUMENT_TOO_LARGE",
                &format!("the request body is larger than {limit} bytes"),
            );
        };
        let batch: BatchRequest = match serde_json::from_slice(&bytes) {
            Ok(b) => b,
            Err(e) => {
                return call.refuse(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    &format!("the body is not a GraphQL request: {e}"),
                );
            }
        };
        let actor = match actor(&state, &headers, &mut call).await {
            Ok(a) => a,
            Err(r) => return r,
        };
        match batch {
            BatchRequest::Single(r) => {
                let resp = run(&state, &call, actor, ip, r).await;
                respond(&call, &BatchResponse::Single(resp))
            }
            BatchRequest::Batch(rs) => {
                let max = state.settings.limits.batch;
                if max == 0 {
                    return call.refuse(
                        StatusCode::BAD_REQUEST,
                        "BATCH_NOT_ALLOWED",
                        "batched requests are turned off here; send one operation per request",
                    );
                }
                if rs.len() > max {
                    return call.refuse(
                        StatusCode::BAD_REQUEST,
                        "BATCH_TOO_LARGE",
                        &format!("a batch may hold at most {max} operations"),
                    );
                }
                let mut out = Vec::with_capacity(rs.len());
                for r in rs {
                    out.push(run(&state, &call, actor.clone(), ip, r).await);
                }
                respond(&call, &BatchResponse::Batch(out))
            }
        }
    }
    .instrument(span)
    .await
}

/// GET: GraphiQL for a browser without a query; otherwise a query from the
/// URL. Mutations are refused over GET (405): a link must never change
/// anything.
async fn graphql_get(State(state): State<AppState>, req: Request<Body>) -> Response {
    if req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
    {
        return subscribe(state, req).await;
    }
    let headers = req.headers().clone();
    let mut call = Call {
        id: request_id(&headers),
        flavour: flavour(&headers),
        rate: None,
    };
    let ip = client_ip(&req);
    let raw = req.uri().query().unwrap_or_default().to_owned();
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if !raw.split('&').any(|kv| kv.starts_with("query=")) {
        if wants_html {
            return call.finish(
                Html(
                    GraphiQLSource::build()
                        .endpoint("/graphql")
                        .title("Muster GraphiQL")
                        .finish(),
                )
                .into_response(),
            );
        }
        return call.refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "give a `query` parameter, or POST a JSON body",
        );
    }
    let gql = match async_graphql::http::parse_query_string(&raw) {
        Ok(r) => r,
        Err(e) => {
            return call.refuse(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("malformed GET request: {e}"),
            );
        }
    };
    if let Ok(doc) = async_graphql::parser::parse_query(&gql.query) {
        let is_mutation = doc.operations.iter().any(|(name, op)| {
            let selected = match (&gql.operation_name, name) {
                (Some(wanted), Some(n)) => wanted.as_str() == n.as_str(),
                (None, _) => true,
                (Some(_), None) => false,
            };
            selected && op.node.ty != OperationType::Query
        });
        if is_mutation {
            let mut r = call.refuse(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "mutations must be sent with POST",
            );
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return r;
        }
    }
    let actor = match actor(&state, &headers, &mut call).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let resp = run(&state, &call, actor, ip, gql).await;
    respond(&call, &BatchResponse::Single(resp))
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

/// Subscriptions: a WebSocket at `/graphql` speaking `graphql-transport-ws`
/// (or the older `graphql-ws`). The key comes in the upgrade request's
/// `Authorization` header or in `connection_init`'s payload
/// (`{"Authorization": "Bearer <key>"}`); without one, the subscriber sees
/// what anyone may see.
async fn subscribe(state: AppState, req: Request<Body>) -> Response {
    use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
    use axum::extract::FromRequestParts;
    use axum::extract::ws::WebSocketUpgrade;
    let (mut parts, _) = req.into_parts();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &state).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let header_key = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let schema = state.schema.clone();
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| async move {
                    let key = payload
                        .get("Authorization")
                        .or_else(|| payload.get("authorization"))
                        .and_then(|v| v.as_str())
                        .map(str::to_owned)
                        .or(header_key);
                    let actor = match key {
                        None => Actor::Anonymous,
                        Some(k) => {
                            let secret = k.strip_prefix("Bearer ").unwrap_or(&k).trim().to_owned();
                            match tokens::authenticate(&state.db, &secret).await {
                                Ok(Some((actor, _))) => actor,
                                Ok(None) => {
                                    return Err(async_graphql::Error::new(
                                        "unknown, revoked or expired key",
                                    ));
                                }
                                Err(e) => {
                                    tracing::error!(error = %e, "subscription sign-in");
                                    return Err(async_graphql::Error::new("try again later"));
                                }
                            }
                        }
                    };
                    let mut data = async_graphql::Data::default();
                    data.insert(crate::graphql::RequestCtx::new(
                        state.reads.clone(),
                        actor,
                        None,
                        state.rate.clone(),
                        state.settings.clone(),
                    ));
                    data.insert(state.hub.clone());
                    Ok(data)
                })
                .serve()
        })
}
