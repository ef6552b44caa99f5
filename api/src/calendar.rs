//! iCalendar feeds of public meetings: `/calendar/groups/{slug}.ics` (a
//! group's meetings and its projects') and `/calendar/projects/{slug}.ics`.
//! Each event has a stable UID (the meeting's id), a SEQUENCE that rises
//! with every change (the meeting's change count in the outbox), its time
//! in the meeting's time zone (TZID), its place or link, and
//! STATUS:CANCELLED when it was cancelled or moved (the moved-to meeting is
//! its own event), so subscribed calendars follow the changes.
//!
//! A member's personal feed, `/calendar/me/{secret}.ics`, holds the
//! meetings they said yes to, private ones included: the secret in the URL
//! is the key (only its hash is stored; `resetCalendarFeed` gives a new one
//! and the old URL stops working).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use entities::domain::{outbox, read};
use entities::{Actor, MeetingStatus, meeting};
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike, EventStatus};

use crate::http::AppState;

fn not_found(what: &str) -> Response {
    let message = if what == "calendar" {
        "no calendar at this address: it may have been reset (resetCalendarFeed gives the new one)\n".to_owned()
    } else {
        format!("no public {what} with that slug\n")
    };
    (StatusCode::NOT_FOUND, message).into_response()
}

fn feed(
    name: &str,
    meetings: &[meeting::Model],
    sequences: &std::collections::HashMap<uuid::Uuid, i64>,
) -> Response {
    let mut cal = Calendar::new();
    cal.name(name);
    for m in meetings {
        let tz: chrono_tz::Tz = m.time_zone.parse().unwrap_or(chrono_tz::UTC);
        let local = |t: chrono::DateTime<chrono::Utc>| CalendarDateTime::WithTimezone {
            date_time: t.with_timezone(&tz).naive_local(),
            tzid: tz.name().to_owned(),
        };
        let mut e = Event::new();
        e.uid(&format!("{}@muster", m.id))
            .summary(&m.title)
            .starts(local(m.starts_at))
            .ends(local(m.ends_at))
            .sequence(
                u32::try_from(sequences.get(&m.id).copied().unwrap_or(1).max(1) - 1).unwrap_or(0),
            )
            .status(match m.status {
                MeetingStatus::Proposed => EventStatus::Tentative,
                MeetingStatus::Scheduled | MeetingStatus::Held => EventStatus::Confirmed,
                MeetingStatus::Postponed | MeetingStatus::Cancelled => EventStatus::Cancelled,
            });
        if let Some(l) = &m.location {
            e.location(l);
        }
        if let Some(r) = &m.cancel_reason {
            e.description(r);
        }
        cal.push(e.done());
    }
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        cal.done().to_string(),
    )
        .into_response()
}

fn slug_of(file: &str) -> Option<&str> {
    file.strip_suffix(".ics")
}

/// The feed for a looked-up owner, or the right refusal.
async fn answer(
    state: &AppState,
    what: &str,
    found: Result<Option<(String, Vec<meeting::Model>)>, entities::DomainError>,
) -> Response {
    let unavailable = |e: &entities::DomainError| {
        tracing::error!(error = %e, "calendar feed");
        (StatusCode::SERVICE_UNAVAILABLE, "try again later\n").into_response()
    };
    match found {
        Ok(Some((name, ms))) => {
            let ids: Vec<uuid::Uuid> = ms.iter().map(|m| m.id).collect();
            match outbox::change_counts(&state.db, &ids).await {
                Ok(seq) => feed(&name, &ms, &seq),
                Err(e) => unavailable(&e),
            }
        }
        Ok(None) => not_found(what),
        Err(e) => unavailable(&e),
    }
}

/// `/calendar/groups/{slug}.ics`
pub async fn group(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let anon = &Actor::Anonymous;
    let Some(slug) = slug_of(&file) else {
        return not_found("group");
    };
    let found = async {
        let Some(g) = read::group_by_slug(&state.db, anon, slug).await? else {
            return Ok(None);
        };
        let projects: Vec<uuid::Uuid> = read::projects_of_groups(&state.db, anon, &[g.id])
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        let mut ms = read::meetings_of(&state.db, anon, false, &[g.id]).await?;
        ms.extend(read::meetings_of(&state.db, anon, true, &projects).await?);
        ms.sort_by_key(|m| (m.starts_at, m.id));
        Ok(Some((g.name, ms)))
    }
    .await;
    answer(&state, "group", found).await
}

/// `/calendar/projects/{slug}.ics`
pub async fn project(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let anon = &Actor::Anonymous;
    let Some(slug) = slug_of(&file) else {
        return not_found("project");
    };
    let found = async {
        let Some(p) = read::project_by_slug(&state.db, anon, slug).await? else {
            return Ok(None);
        };
        let ms = read::meetings_of(&state.db, anon, true, &[p.id]).await?;
        Ok(Some((p.name, ms)))
    }
    .await;
    answer(&state, "project", found).await
}

/// `/calendar/me/{secret}.ics`
pub async fn personal(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(secret) = slug_of(&file) else {
        return not_found("calendar");
    };
    let found = async {
        let Some(m) =
            entities::domain::tokens::member_by_calendar_secret(&state.db, secret).await?
        else {
            return Ok(None);
        };
        let ms = entities::domain::tokens::meetings_said_yes(&state.db, m.id).await?;
        Ok(Some((format!("{} — Muster", m.display_name), ms)))
    }
    .await;
    answer(&state, "calendar", found).await
}
