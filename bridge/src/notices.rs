//! What the bot tells a room, rendered from outbox rows: a meeting
//! scheduled, changed, moved or cancelled, a sign-up waiting for a
//! convener (and the newcomer's invitation and check-in), a handover's
//! invitation and the old room's closing. Events that no room needs (a group renamed, an RSVP) render to
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
    /// The command this answers: sent as a reply to it.
    pub in_reply_to: Option<ReplyTo>,
    /// The meeting this announces: reactions to it are RSVPs.
    pub meeting_id: Option<Uuid>,
    /// The poll option this offers: ✅ reactions to it are votes.
    pub poll_option_id: Option<Uuid>,
}

/// The message a notice replies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTo {
    pub event_id: String,
    pub sender: String,
}

/// A room the bridge is asked to create for a project
/// (`createProjectRoom`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSpec {
    pub project_id: Uuid,
    pub name: String,
    pub topic: String,
    /// The local part of the room's alias (`muster-<slug>-<request>`):
    /// creating the room twice after a crash finds the first one by it.
    pub alias: String,
    pub invite: Vec<String>,
    pub moderators: Vec<String>,
    /// Stable for the outbox row, for the welcome message.
    pub txn_id: String,
}

/// What delivering one outbox row means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Work {
    Notice(Notice),
    CreateRoom(RoomSpec),
    /// Invite someone to a room (a sign-up approved there).
    Invite {
        room_id: String,
        user_id: String,
    },
    /// Close a room: a final notice, then a tombstone pointing to the
    /// replacement, if there is one.
    Close {
        notice: Notice,
        replacement: Option<String>,
    },
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

/// Escapes text for a message's HTML body.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn notice(
    row: &outbox::Model,
    p: &project::Model,
    plain: String,
    html: String,
    meeting_id: Option<Uuid>,
    poll_option_id: Option<Uuid>,
) -> Option<Work> {
    Some(Work::Notice(Notice {
        room_id: p.matrix_room_id.clone()?,
        txn_id: events::transaction_id(row),
        plain,
        html,
        in_reply_to: None,
        meeting_id,
        poll_option_id,
    }))
}

fn uuid_at(payload: &Value, key: &str) -> Option<Uuid> {
    payload[key].as_str().and_then(|s| Uuid::parse_str(s).ok())
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// How to answer a meeting announcement.
const ANSWER_PLAIN: &str =
    "React ✅ (coming), ❌ (not) or 🤔 (maybe), or type !rsvp yes, no or maybe.";
const ANSWER_HTML: &str = "React ✅ (coming), ❌ (not) or 🤔 (maybe), or type <code>!rsvp yes</code>, <code>no</code> or <code>maybe</code>.";

/// The words of the alerts sent ahead of a meeting, and of "go ahead".
fn timed(kind: &str, payload: &Value, m: &meeting::Model, when: &str) -> (String, String) {
    let title = &m.title;
    match kind {
        "meeting.reminder" => {
            let minutes = payload["lead_minutes"].as_i64().unwrap_or(0);
            let lead = if minutes >= 120 && minutes % 60 == 0 {
                format!("in {} hours", minutes / 60)
            } else if minutes == 60 {
                "in an hour".to_owned()
            } else {
                format!("in {minutes} minutes")
            };
            let waiting = strings(&payload["no_reply"]);
            let who = if waiting.is_empty() {
                String::new()
            } else {
                format!(" Not answered yet: {}.", waiting.join(", "))
            };
            (
                format!("Reminder: {title} — {when}, {lead}.{who} {ANSWER_PLAIN}"),
                format!(
                    "<b>Reminder:</b> {} — {}, {lead}.{} {ANSWER_HTML}",
                    escape(title),
                    escape(when),
                    escape(&who)
                ),
            )
        }
        "meeting.agenda_posted" => {
            let items: Vec<String> = payload["items"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|i| {
                            format!(
                                "{}. {}",
                                i["position"].as_i64().unwrap_or(0),
                                i["text"].as_str().unwrap_or_default()
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            if items.is_empty() {
                (
                    format!(
                        "The agenda for {title} — {when} is empty. Add to it with !agenda add <text>."
                    ),
                    format!(
                        "The agenda for <b>{}</b> — {} is empty. Add to it with <code>!agenda add &lt;text&gt;</code>.",
                        escape(title),
                        escape(when)
                    ),
                )
            } else {
                let html_items: Vec<String> = items
                    .iter()
                    .map(|i| {
                        format!(
                            "<li>{}</li>",
                            escape(i.split_once(". ").map_or(i, |(_, t)| t))
                        )
                    })
                    .collect();
                (
                    format!("Agenda for {title} — {when}:\n{}", items.join("\n")),
                    format!(
                        "<b>Agenda for {}</b> — {}:<ol>{}</ol>",
                        escape(title),
                        escape(when),
                        html_items.concat()
                    ),
                )
            }
        }
        "meeting.quorum_warning" => {
            let n = |k: &str| payload[k].as_i64().unwrap_or(0);
            let forecast = payload["forecast"].as_f64().unwrap_or(0.0);
            let mut numbers = format!(
                "about {forecast:.1} expected for a quorum of {} ({} coming, {} maybe, {} not, {} not answered)",
                n("quorum"),
                n("confirmed"),
                n("maybe"),
                n("declined"),
                n("no_reply")
            );
            // A per-co-op meeting says that its numbers are co-ops.
            if payload["per_coop"].as_bool() == Some(true)
                && let Some(c) = payload["counting"].as_str()
            {
                numbers = format!("{numbers}; {c}");
            }
            (
                format!(
                    "Quorum in danger: {title} — {when}: {numbers}. Conveners can: !meeting confirm (go ahead anyway), !meeting move <when> (postpone), or !meeting cancel [reason]. Everyone: please answer with !rsvp."
                ),
                format!(
                    "<b>Quorum in danger:</b> {} — {}: {}. Conveners can: <code>!meeting confirm</code> (go ahead anyway), <code>!meeting move &lt;when&gt;</code> (postpone), or <code>!meeting cancel [reason]</code>. Everyone: please answer with <code>!rsvp</code>.",
                    escape(title),
                    escape(when),
                    escape(&numbers)
                ),
            )
        }
        _ => (
            format!("Confirmed: {title} — {when} goes ahead."),
            format!(
                "<b>Confirmed:</b> {} — {} goes ahead.",
                escape(title),
                escape(when)
            ),
        ),
    }
}

/// What to do for an outbox row: a notice for a room, a room to create, or
/// nothing.
pub async fn render(db: &impl Db, row: &outbox::Model) -> Result<Option<Work>, DomainError> {
    let payload = &row.payload;
    match row.kind.as_str() {
        "bridge.reply" => {
            let (Some(room), Some(plain), Some(html)) = (
                payload["room_id"].as_str(),
                payload["plain"].as_str(),
                payload["html"].as_str(),
            ) else {
                return Ok(None);
            };
            let in_reply_to = match (payload["in_reply_to"].as_str(), payload["sender"].as_str()) {
                (Some(e), Some(s)) => Some(ReplyTo {
                    event_id: e.to_owned(),
                    sender: s.to_owned(),
                }),
                _ => None,
            };
            Ok(Some(Work::Notice(Notice {
                room_id: room.to_owned(),
                txn_id: events::transaction_id(row),
                plain: plain.to_owned(),
                html: html.to_owned(),
                in_reply_to,
                meeting_id: None,
                poll_option_id: None,
            })))
        }
        "project.room_requested" => {
            let Some(project_id) = payload["project_id"]
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
            else {
                return Ok(None);
            };
            let p = read::get::<project::Entity>(db, project_id, "project", "project_id").await?;
            if p.matrix_room_id.is_some() || p.archived_at.is_some() {
                // Linked by hand meanwhile, or archived: nothing to create.
                return Ok(None);
            }
            Ok(Some(Work::CreateRoom(RoomSpec {
                project_id,
                name: payload["name"].as_str().unwrap_or(&p.name).to_owned(),
                topic: payload["topic"].as_str().unwrap_or(&p.goal).to_owned(),
                // Unique to this request: a retry after a crash finds the
                // room the first attempt made, and a later request (after
                // an unlink) makes a new one.
                alias: format!(
                    "{}-{}",
                    payload["alias"]
                        .as_str()
                        .map_or_else(|| format!("muster-{}", p.slug), str::to_owned),
                    &row.id.simple().to_string()[22..]
                ),
                invite: strings(&payload["invite"]),
                moderators: strings(&payload["moderators"]),
                txn_id: events::transaction_id(row),
            })))
        }
        "meeting.scheduled" | "meeting.updated" | "meeting.cancelled" => {
            let Ok(m) = serde_json::from_value::<meeting::Model>(payload.clone()) else {
                return Ok(None);
            };
            let Some((p, tz)) = project_room(db, m.project_id).await? else {
                return Ok(None);
            };
            let when = describe(m.starts_at, tz);
            let (verb, extra) = match row.kind.as_str() {
                "meeting.scheduled" => ("New meeting", format!(" {ANSWER_PLAIN}")),
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
            let extra_html = if row.kind == "meeting.scheduled" {
                format!(" {ANSWER_HTML}")
            } else {
                escape(&extra)
            };
            let html = format!(
                "<b>{verb}:</b> {} — {}.{extra_html}",
                escape(&m.title),
                escape(&when),
            );
            let announces = (row.kind == "meeting.scheduled").then_some(m.id);
            Ok(notice(row, &p, plain, html, announces, None))
        }
        "meeting.reminder"
        | "meeting.agenda_posted"
        | "meeting.quorum_warning"
        | "meeting.confirmed" => {
            let m_value = if row.kind == "meeting.confirmed" {
                payload.clone()
            } else {
                payload["meeting"].clone()
            };
            let Ok(m) = serde_json::from_value::<meeting::Model>(m_value) else {
                return Ok(None);
            };
            let Some((p, tz)) = project_room(db, m.project_id).await? else {
                return Ok(None);
            };
            let (plain, html) = timed(&row.kind, payload, &m, &describe(m.starts_at, tz));
            let announces = (row.kind == "meeting.reminder").then_some(m.id);
            Ok(notice(row, &p, plain, html, announces, None))
        }
        "poll.opened" | "poll.option_offered" | "poll.closed" => {
            let Ok(poll) = serde_json::from_value::<entities::poll::Model>(payload["poll"].clone())
            else {
                return Ok(None);
            };
            let Some((p, tz)) = project_room(db, poll.project_id).await? else {
                return Ok(None);
            };
            let option =
                serde_json::from_value::<entities::poll_option::Model>(payload["option"].clone())
                    .ok();
            let title = &poll.title;
            let (plain, html, offers) = match (row.kind.as_str(), &option) {
                ("poll.option_offered", Some(o)) => {
                    let when = describe(o.starts_at, tz);
                    (
                        format!(
                            "Option {}: {when} — react ✅ if you can make it.",
                            o.position
                        ),
                        format!(
                            "<b>Option {}:</b> {} — react ✅ if you can make it.",
                            o.position,
                            escape(&when)
                        ),
                        Some(o.id),
                    )
                }
                ("poll.closed", Some(o)) => {
                    let when = describe(o.starts_at, tz);
                    let votes = payload["votes"].as_i64().unwrap_or(0);
                    (
                        format!("Poll closed: {title} — {when} won with {votes} vote(s)."),
                        format!(
                            "<b>Poll closed:</b> {} — <b>{}</b> won with {votes} vote(s).",
                            escape(title),
                            escape(&when)
                        ),
                        None,
                    )
                }
                _ => {
                    let who = if poll.meeting_id.is_some() {
                        " Those who said yes to the meeting vote."
                    } else {
                        ""
                    };
                    (
                        format!(
                            "Date poll: {title}. React ✅ to every time below that you can make.{who} A convener closes it with !poll close."
                        ),
                        format!(
                            "<b>Date poll:</b> {}. React ✅ to every time below that you can make.{who} A convener closes it with <code>!poll close</code>.",
                            escape(title)
                        ),
                        None,
                    )
                }
            };
            Ok(notice(row, &p, plain, html, None, offers))
        }
        "group.health_digest" => {
            let project = payload["project_id"]
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok());
            let Some((p, _)) = project_room(db, project).await? else {
                return Ok(None);
            };
            let group = payload["group"].as_str().unwrap_or("The group");
            let lines: Vec<(String, String)> = payload["signals"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|s| {
                            (
                                s["signal"].as_str().unwrap_or_default().to_owned(),
                                s["reason"].as_str().unwrap_or_default().to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let plain = format!(
                "Weekly health check for {group}:\n{}\nType !health for this project's numbers.",
                lines
                    .iter()
                    .map(|(s, r)| format!("⚠ {s}: {r}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            let html = format!(
                "<b>Weekly health check for {}:</b><ul>{}</ul>Type <code>!health</code> for this project's numbers.",
                escape(group),
                lines.iter().fold(String::new(), |mut out, (s, r)| {
                    use std::fmt::Write as _;
                    let _ = write!(out, "<li>⚠ <b>{}</b>: {}</li>", escape(s), escape(r));
                    out
                })
            );
            Ok(notice(row, &p, plain, html, None, None))
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
                "Moved: {}{before} to {when}{reason}. Please answer again: {ANSWER_PLAIN}",
                m.title
            );
            let html = format!(
                "<b>Moved:</b> {}{} to <b>{}</b>{}. Please answer again: {ANSWER_HTML}",
                escape(&m.title),
                escape(&before),
                escape(&when),
                escape(&reason)
            );
            Ok(notice(row, &p, plain, html, Some(m.id), None))
        }
        "sign_up.routed" => {
            let Some((p, _)) = project_room(db, uuid_at(payload, "project_id")).await? else {
                return Ok(None);
            };
            let name = payload["display_name"].as_str().unwrap_or("Someone");
            let n = payload["number"].as_i64().unwrap_or_default();
            let involvement = payload["involvement"].as_str().unwrap_or("supporter");
            let why = strings(&payload["why"]).join("; ");
            let message = payload["message"]
                .as_str()
                .filter(|m| !m.trim().is_empty())
                .map(|m| {
                    format!(
                        " They wrote: \u{201c}{}\u{201d}",
                        m.chars().take(300).collect::<String>()
                    )
                })
                .unwrap_or_default();
            let plain = format!(
                "Sign-up {n}: {name} would like to help ({involvement}). Suggested for {} because: {why}.{message} Conveners: !approve {n} or !decline {n}.",
                p.name
            );
            let html = format!(
                "<b>Sign-up {n}:</b> {} would like to help ({}). Suggested for {} because: {}.{} Conveners: <code>!approve {n}</code> or <code>!decline {n}</code>.",
                escape(name),
                escape(involvement),
                escape(&p.name),
                escape(&why),
                escape(&message)
            );
            Ok(notice(row, &p, plain, html, None, None))
        }
        "sign_up.approved" => {
            let Some((p, _)) = project_room(db, uuid_at(payload, "project_id")).await? else {
                return Ok(None);
            };
            let (Some(room), Some(user)) = (p.matrix_room_id, payload["matrix_user_id"].as_str())
            else {
                return Ok(None);
            };
            Ok(Some(Work::Invite {
                room_id: room,
                user_id: user.to_owned(),
            }))
        }
        "sign_up.check_in" => {
            let Some((p, _)) = project_room(db, uuid_at(payload, "project_id")).await? else {
                return Ok(None);
            };
            let name = payload["display_name"].as_str().unwrap_or("A newcomer");
            let days = payload["days"].as_i64().unwrap_or(14);
            let n = payload["number"].as_i64().unwrap_or_default();
            let who = strings(&payload["conveners"]).join(" ");
            let plain = format!(
                "Check-in: {name} joined {} {days} days ago (sign-up {n}) and has not come to anything yet. {who} could you get in touch and see how they are?",
                p.name
            );
            let html = format!(
                "<b>Check-in:</b> {} joined {} {days} days ago (sign-up {n}) and has not come to anything yet. {} could you get in touch and see how they are?",
                escape(name),
                escape(&p.name),
                escape(&who)
            );
            Ok(notice(row, &p, plain, html, None, None))
        }
        "handover.started" => {
            let Some((p, _)) = project_room(db, uuid_at(payload, "project_id")).await? else {
                return Ok(None);
            };
            let successor = payload["successor"].as_str().unwrap_or("the new group");
            let olds = strings(&payload["predecessors"]).join(" and ");
            let invited = payload["invited"].as_i64().unwrap_or_default();
            let plain = format!(
                "Handover: {olds} is handing over to {successor}. {invited} member(s) of {olds} are invited to join {successor}, keeping their involvement: type !accept to join."
            );
            let html = format!(
                "<b>Handover:</b> {} is handing over to <b>{}</b>. {invited} member(s) of {} are invited to join {}, keeping their involvement: type <code>!accept</code> to join.",
                escape(&olds),
                escape(successor),
                escape(&olds),
                escape(successor)
            );
            Ok(notice(row, &p, plain, html, None, None))
        }
        "handover.completed" => {
            let Some(room) = payload["room_id"].as_str() else {
                return Ok(None);
            };
            let successor = payload["successor"].as_str().unwrap_or("the new group");
            let pointer = payload["pointer_room_id"].as_str().map(str::to_owned);
            let (where_plain, where_html) = match (&pointer, payload["pointer_project"].as_str()) {
                (Some(r), project) => {
                    let link = format!("https://matrix.to/#/{r}");
                    let label = project.unwrap_or(successor);
                    (
                        format!(" Carry on in {label}'s room: {link}"),
                        format!(
                            " Carry on in <a href=\"{}\">{}'s room</a>.",
                            escape(&link),
                            escape(label)
                        ),
                    )
                }
                (None, _) => (String::new(), String::new()),
            };
            let plain = format!(
                "This room is closed: its group has handed over to {successor}.{where_plain}"
            );
            let html = format!(
                "<b>This room is closed:</b> its group has handed over to {}.{where_html}",
                escape(successor)
            );
            Ok(Some(Work::Close {
                notice: Notice {
                    room_id: room.to_owned(),
                    txn_id: events::transaction_id(row),
                    plain,
                    html,
                    in_reply_to: None,
                    meeting_id: None,
                    poll_option_id: None,
                },
                replacement: pointer,
            }))
        }
        // Everything else, including `sign_up.submitted`: a sign-up is
        // posted to the rooms it suits instead (`sign_up.routed`), with the
        // number conveners approve it by.
        _ => Ok(None),
    }
}
