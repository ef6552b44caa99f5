//! What the bot tells a room, rendered from outbox rows: a meeting
//! scheduled, changed, moved or cancelled, and a sign-up waiting for a
//! convener. Events that no room needs (a group renamed, an RSVP) render to
//! nothing and are marked done. E-mail addresses never reach this module:
//! the domain keeps them out of the outbox.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entities::domain::{Db, outbox as events, read};
use entities::{DomainError, group, meeting, outbox, project};
use serde_json::Value;
use uuid::Uuid;

use crate::when::describe;

/// A message for one room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub room_id: String,
    /// Stable for the outbox row: a resend is not a duplicate.
    pub txn_id: String,
    pub plain: String,
    pub html: String,
}

async fn project_room(
    db: &impl Db,
    project: Option<Uuid>,
) -> Result<Option<(project::Model, Tz)>, DomainError> {
    let Some(id) = project else { return Ok(None) };
    let p = read::get::<project::Entity>(db, id, "project", "project_id").await?;
    if p.matrix_room_id.is_none() || p.archived_at.is_some() {
        return Ok(None);
    }
    let zone = match &p.time_zone {
        Some(z) => z.clone(),
        None => {
            read::get::<group::Entity>(db, p.group_id, "group", "group_id")
                .await?
                .time_zone
        }
    };
    Ok(Some((p, zone.parse().unwrap_or(chrono_tz::Europe::London))))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn notice(row: &outbox::Model, p: &project::Model, plain: String, html: String) -> Option<Notice> {
    Some(Notice {
        room_id: p.matrix_room_id.clone()?,
        txn_id: events::transaction_id(row),
        plain,
        html,
    })
}

/// The notice for an outbox row, if a room should hear of it.
pub async fn render(db: &impl Db, row: &outbox::Model) -> Result<Option<Notice>, DomainError> {
    let payload = &row.payload;
    match row.kind.as_str() {
        "meeting.scheduled" | "meeting.updated" | "meeting.cancelled" => {
            let Ok(m) = serde_json::from_value::<meeting::Model>(payload.clone()) else {
                return Ok(None);
            };
            let Some((p, tz)) = project_room(db, m.project_id).await? else {
                return Ok(None);
            };
            let when = describe(m.starts_at, tz);
            let (verb, extra) = match row.kind.as_str() {
                "meeting.scheduled" => ("New meeting", " Reply !rsvp yes, no or maybe.".to_owned()),
                "meeting.updated" => ("Meeting details changed", String::new()),
                _ => (
                    "Cancelled",
                    m.cancel_reason
                        .as_deref()
                        .map(|r| format!(" Reason: {r}"))
                        .unwrap_or_default(),
                ),
            };
            let plain = format!("{verb}: {} — {when}.{extra}", m.title);
            let html = format!(
                "<b>{verb}:</b> {} — {}.{}",
                escape(&m.title),
                escape(&when),
                escape(&extra)
            );
            Ok(notice(row, &p, plain, html))
        }
        "meeting.moved" => {
            let Ok(m) = serde_json::from_value::<meeting::Model>(payload["meeting"].clone()) else {
                return Ok(None);
            };
            let Some((p, tz)) = project_room(db, m.project_id).await? else {
                return Ok(None);
            };
            let before = payload["previous_starts_at"]
                .as_str()
                .and_then(|s| s.parse::<DateTime<Utc>>().ok())
                .map(|t| format!(" from {}", describe(t, tz)))
                .unwrap_or_default();
            let reason = payload["reason"]
                .as_str()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            let when = describe(m.starts_at, tz);
            let plain = format!(
                "Moved: {}{before} to {when}{reason}. Please answer again: !rsvp yes, no or maybe.",
                m.title
            );
            let html = format!(
                "<b>Moved:</b> {}{} to <b>{}</b>{}. Please answer again: <code>!rsvp yes</code>, <code>no</code> or <code>maybe</code>.",
                escape(&m.title),
                escape(&before),
                escape(&when),
                escape(&reason)
            );
            Ok(notice(row, &p, plain, html))
        }
        "sign_up.submitted" => {
            let project = payload["project_id"]
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok());
            let Some((p, _)) = project_room(db, project).await? else {
                return Ok(None);
            };
            let name = payload["display_name"].as_str().unwrap_or("Someone");
            let interests: Vec<&str> = payload["interests"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let about = if interests.is_empty() {
                String::new()
            } else {
                format!(" (interested in {})", interests.join(", "))
            };
            let plain = format!(
                "{name} would like to join {}{about}. A convener can approve or decline the sign-up in Muster.",
                p.name
            );
            let html = format!(
                "<b>Sign-up:</b> {} would like to join {}{}.",
                escape(name),
                escape(&p.name),
                escape(&about)
            );
            Ok(notice(row, &p, plain, html))
        }
        _ => Ok(None),
    }
}
