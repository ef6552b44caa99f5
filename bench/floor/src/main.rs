//! The benchmark's floor for the export query: what a server on this
//! machine reaches when it does nothing but the work the answer needs.
//!
//! `scripts/bench` runs it beside Muster and PostGraphile for the export
//! page (100 meetings, every RSVP and who gave it). It runs no GraphQL at
//! all: every `POST /graphql` is answered with that one page, read with
//! the two statements Muster itself sends for it (the same SQL text,
//! prepared, on a pool of the same size, through the same socket) and
//! written with serde into the same bytes Muster answers (`bench/run.py`
//! checks that they are equal before it measures). So its requests a
//! second are a ceiling for any server of that page on the machine, and
//! the gap between it and Muster is the price of answering GraphQL: the
//! benchmark's 10× target for the export is judged against it
//! (`bench/RESULTS.md`, session 30).

use std::collections::HashMap;
use std::net::SocketAddr;

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{DateTime, Utc};
use clap::Parser;
use sea_orm::sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sea_orm::sqlx::{self, Row as _};
use serde::Serialize;
use uuid::Uuid;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The first statement, as Muster sends it for `meetings(first: 100)`
/// (one row more than the page, to know whether another page follows).
const MEETINGS: &str = r#"SELECT "meetings"."id", "meetings"."title", "meetings"."starts_at", "meetings"."status" FROM "meetings" WHERE "meetings"."visibility" IN ($1) ORDER BY "meetings"."starts_at" ASC, "meetings"."id" ASC LIMIT $2"#;

/// The second, as Muster sends it for the page's RSVPs and their members.
const RSVPS: &str = r#"SELECT "rsvps"."id", "rsvps"."meeting_id", "rsvps"."member_id", "rsvps"."response", "members"."display_name" AS "member__display_name" FROM "rsvps" INNER JOIN "members" ON "rsvps"."member_id" = "members"."id" WHERE "rsvps"."meeting_id" = ANY($1)"#;

/// The page's size, as the benchmark's export query asks for it.
const PAGE: usize = 100;

/// Serves the export page without GraphQL, for `scripts/bench`.
#[derive(Parser)]
#[command(name = "floor", version, about)]
struct Args {
    /// PostgreSQL holding the benchmark's data (`muster seed scale`).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Where to answer `POST /graphql`.
    #[arg(long, default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// Connections in the pool (the benchmark gives Muster 16).
    #[arg(long, default_value_t = 16)]
    connections: u32,
}

#[derive(Serialize)]
struct Answer<'a> {
    data: Data<'a>,
}

#[derive(Serialize)]
struct Data<'a> {
    meetings: Nodes<Meeting<'a>>,
}

#[derive(Serialize)]
struct Nodes<T> {
    nodes: Vec<T>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Meeting<'a> {
    title: &'a str,
    starts_at: String,
    status: &'static str,
    rsvps: Nodes<Rsvp<'a>>,
}

#[derive(Serialize)]
struct Rsvp<'a> {
    response: &'static str,
    member: Member<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Member<'a> {
    display_name: &'a str,
}

/// Why a page could not be answered (sent as the 500's body).
struct Failed(String);

impl<E: std::fmt::Display> From<E> for Failed {
    fn from(e: E) -> Self {
        Self(e.to_string())
    }
}

/// A stored status or response as GraphQL spells its enum value.
fn enum_value(stored: &str) -> Result<&'static str, Failed> {
    Ok(match stored {
        "proposed" => "PROPOSED",
        "scheduled" => "SCHEDULED",
        "held" => "HELD",
        "postponed" => "POSTPONED",
        "cancelled" => "CANCELLED",
        "yes" => "YES",
        "no" => "NO",
        "maybe" => "MAYBE",
        other => {
            return Err(Failed(format!(
                "no enum value for the stored value {other:?}"
            )));
        }
    })
}

/// Reads the page and writes its JSON.
async fn page(pool: &PgPool) -> Result<Vec<u8>, Failed> {
    let limit = i64::try_from(PAGE + 1)?;
    let meetings: Vec<PgRow> = sqlx::query(MEETINGS)
        .bind("public")
        .bind(limit)
        .fetch_all(pool)
        .await?;
    let meetings = &meetings[..meetings.len().min(PAGE)];
    let ids = meetings
        .iter()
        .map(|row| row.try_get::<Uuid, _>(0))
        .collect::<Result<Vec<_>, _>>()?;
    let rsvps: Vec<PgRow> = sqlx::query(RSVPS).bind(&ids).fetch_all(pool).await?;
    let mut by_meeting: HashMap<Uuid, Vec<Rsvp<'_>>> = HashMap::with_capacity(ids.len());
    for row in &rsvps {
        // Muster decodes the ids too (it keys its objects by them).
        let _id: Uuid = row.try_get(0)?;
        let _member: Uuid = row.try_get(2)?;
        by_meeting.entry(row.try_get(1)?).or_default().push(Rsvp {
            response: enum_value(row.try_get(3)?)?,
            member: Member {
                display_name: row.try_get(4)?,
            },
        });
    }
    let mut nodes = Vec::with_capacity(meetings.len());
    for (row, id) in meetings.iter().zip(&ids) {
        let starts_at: DateTime<Utc> = row.try_get(2)?;
        nodes.push(Meeting {
            title: row.try_get(1)?,
            starts_at: starts_at.to_rfc3339(),
            status: enum_value(row.try_get(3)?)?,
            rsvps: Nodes {
                nodes: by_meeting.remove(id).unwrap_or_default(),
            },
        });
    }
    Ok(serde_json::to_vec(&Answer {
        data: Data {
            meetings: Nodes { nodes },
        },
    })?)
}

/// `POST /graphql`, whatever the body: the export page.
async fn export(State(pool): State<PgPool>, _body: axum::body::Bytes) -> Response {
    match page(&pool).await {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(Failed(message)) => (StatusCode::INTERNAL_SERVER_ERROR, message).into_response(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let pool = PgPoolOptions::new()
        .max_connections(args.connections)
        .connect(&args.database_url)
        .await
        .context("connecting to PostgreSQL")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let app = Router::new()
        .route("/graphql", post(export))
        .with_state(pool);
    axum::serve(listener, app).await.context("serving")?;
    Ok(())
}
