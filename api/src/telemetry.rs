//! Metrics in the Prometheus text format, at `GET /metrics`.
//!
//! The code that does the work records through the `metrics` facade (the
//! field's well-kept crate; a counter is a line, not a parameter threaded
//! through every layer): the HTTP layer its operations, the loaders their
//! batch sizes, the rate limiter its refusals, the bridge its commands and
//! Matrix retries, and [`sql_callback`] every SQL statement. The binary
//! installs one Prometheus recorder at start ([`install`]); code run
//! without one (the in-process tests) records into nothing. The outbox's
//! depth and the age of its oldest undelivered row are read from the
//! database at each scrape, so they are right whichever process delivers;
//! the open GraphQL subscriptions are this process's, counted at each
//! scrape too.
//!
//! | metric | kind | labels |
//! | --- | --- | --- |
//! | `muster_graphql_operations_total` | counter | `operation`, `outcome` (`ok` or the first error's code) |
//! | `muster_graphql_operation_duration_seconds` | histogram | `operation` |
//! | `muster_graphql_validations_total` | counter | `check` (`full`, `known`: see [`crate::documents`]) |
//! | `muster_sql_statements_total` | counter | `outcome` (`ok`, `failed`) |
//! | `muster_sql_statement_duration_seconds` | histogram | |
//! | `muster_loader_batch_size` | histogram | `loader` |
//! | `muster_rate_limit_refusals_total` | counter | `limit` (`partner`, `sign_up`) |
//! | `muster_bridge_commands_total` | counter | `command`, `outcome` |
//! | `muster_matrix_send_retries_total` | counter | `reason` (`rate_limited`, `unavailable`) |
//! | `muster_outbox_depth` | gauge | |
//! | `muster_outbox_oldest_age_seconds` | gauge | |
//! | `muster_subscriptions_open` | gauge | |
//!
//! An operation is labelled by its name when it has a short, plain one
//! (`[A-Za-z0-9_]`, at most 64 characters), else `anonymous` or `other`:
//! clients choose names, so a label must not grow without bound from
//! garbage.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::http::AppState;

/// Latency buckets, in seconds: 1 ms to 10 s.
const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// SQL latency buckets, in seconds: 100 µs to 1 s.
const SQL_SECONDS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];
/// Batch-size buckets, in keys.
const KEYS: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 5000.0,
];

/// Installs the process's Prometheus recorder and describes the metrics.
///
/// # Errors
/// When a recorder is already installed in this process.
pub fn install() -> Result<PrometheusHandle, metrics_exporter_prometheus::BuildError> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("muster_graphql_operation_duration_seconds".into()),
            SECONDS,
        )?
        .set_buckets_for_metric(
            Matcher::Full("muster_sql_statement_duration_seconds".into()),
            SQL_SECONDS,
        )?
        .set_buckets_for_metric(Matcher::Full("muster_loader_batch_size".into()), KEYS)?
        .install_recorder()?;
    describe();
    Ok(handle)
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "muster_graphql_operations_total",
        "GraphQL operations answered, by operation name and outcome"
    );
    describe_histogram!(
        "muster_graphql_operation_duration_seconds",
        Unit::Seconds,
        "Time to answer a GraphQL operation, waiting for a turn included"
    );
    describe_counter!(
        "muster_graphql_validations_total",
        "GraphQL requests by how they were validated: every rule (full), or \
         the limits only, for a document known to pass the rules (known)"
    );
    describe_counter!("muster_sql_statements_total", "SQL statements run");
    describe_histogram!(
        "muster_sql_statement_duration_seconds",
        Unit::Seconds,
        "Time an SQL statement took"
    );
    describe_histogram!(
        "muster_loader_batch_size",
        Unit::Count,
        "Keys in one batched load (one statement)"
    );
    describe_counter!(
        "muster_rate_limit_refusals_total",
        "Requests refused by a rate limit"
    );
    describe_counter!(
        "muster_bridge_commands_total",
        "Chat commands handled, by command and outcome"
    );
    describe_counter!(
        "muster_matrix_send_retries_total",
        "Matrix requests that will be tried again"
    );
    describe_gauge!("muster_outbox_depth", "Outbox rows not yet delivered");
    describe_gauge!(
        "muster_outbox_oldest_age_seconds",
        Unit::Seconds,
        "Age of the oldest undelivered outbox row (0 when none)"
    );
    describe_gauge!(
        "muster_subscriptions_open",
        "GraphQL subscriptions this process is serving"
    );
}

/// Records every statement a connection runs (set with
/// `DatabaseConnection::set_metric_callback`).
pub fn sql_callback(info: &sea_orm::metric::Info<'_>) {
    let outcome = if info.failed { "failed" } else { "ok" };
    metrics::counter!("muster_sql_statements_total", "outcome" => outcome).increment(1);
    metrics::histogram!("muster_sql_statement_duration_seconds").record(info.elapsed.as_secs_f64());
    // Inside the request's span, so the line carries its request id. The
    // SQL text only: bound values may be secrets (token hashes).
    tracing::debug!(
        target: "muster::sql",
        ms = info.elapsed.as_secs_f64() * 1000.0,
        failed = info.failed,
        sql = %info.statement.sql,
        "statement"
    );
}

/// The label for an operation name (see the module docs).
pub fn operation_label(name: Option<&str>) -> String {
    match name {
        None => "anonymous".to_owned(),
        Some(n)
            if !n.is_empty()
                && n.len() <= 64
                && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            n.to_owned()
        }
        Some(_) => "other".to_owned(),
    }
}

/// Records one answered operation.
pub fn operation(name: &str, outcome: &str, seconds: f64) {
    metrics::counter!(
        "muster_graphql_operations_total",
        "operation" => name.to_owned(),
        "outcome" => outcome.to_owned()
    )
    .increment(1);
    metrics::histogram!("muster_graphql_operation_duration_seconds", "operation" => name.to_owned())
        .record(seconds);
}

/// Records how a request was validated (`full` or `known`, see
/// [`crate::documents`]).
pub fn validation(check: &'static str) {
    metrics::counter!("muster_graphql_validations_total", "check" => check).increment(1);
}

/// `GET /metrics`: the text format, with the outbox and subscription
/// gauges read now.
pub async fn scrape(State(state): State<AppState>) -> Response {
    match state.metrics.as_ref() {
        Some(handle) => {
            #[allow(clippy::cast_precision_loss)] // a gauge; exact below 2^53
            metrics::gauge!("muster_subscriptions_open").set(state.hub.subscribers() as f64);
            render(&state.db, handle).await
        }
        None => (
            StatusCode::NOT_FOUND,
            "metrics are recorded only in the muster binary\n",
        )
            .into_response(),
    }
}

/// The metrics as text, with the outbox gauges read from `db` now.
pub async fn render(db: &sea_orm::DatabaseConnection, handle: &PrometheusHandle) -> Response {
    match entities::domain::outbox::backlog(db).await {
        Ok((depth, oldest)) => {
            #[allow(clippy::cast_precision_loss)] // a gauge; exact below 2^53
            metrics::gauge!("muster_outbox_depth").set(depth as f64);
            #[allow(clippy::cast_precision_loss)]
            let age = oldest.map_or(0.0, |t| {
                (chrono::Utc::now() - t).num_milliseconds().max(0) as f64 / 1000.0
            });
            metrics::gauge!("muster_outbox_oldest_age_seconds").set(age);
        }
        Err(e) => tracing::warn!(error = %e, "outbox backlog not read for /metrics"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// Serves `GET /metrics` (and `GET /health`) on `listener`, for a process
/// with no API (`muster bridge --metrics …`), until `stopped` turns true.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    db: sea_orm::DatabaseConnection,
    handle: PrometheusHandle,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<()> {
    use axum::routing::get;
    let app = axum::Router::new()
        .route(
            "/metrics",
            get(move || {
                let db = db.clone();
                let handle = handle.clone();
                async move { render(&db, &handle).await }
            }),
        )
        .route("/health", get(|| async { "ok" }));
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_labels_stay_bounded() {
        assert_eq!(operation_label(None), "anonymous");
        assert_eq!(operation_label(Some("GroupPage")), "GroupPage");
        assert_eq!(operation_label(Some("drop table; --")), "other");
        assert_eq!(operation_label(Some(&"a".repeat(65))), "other");
        assert_eq!(operation_label(Some("")), "other");
    }
}
