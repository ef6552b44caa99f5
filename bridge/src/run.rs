//! Running a chat command: the adapter between a Matrix message and the
//! domain. It maps the sender to a member, the room to its project, reads
//! times in the project's time zone, calls the same domain functions as the
//! GraphQL API with the sender as the actor, and words a short reply —
//! deciding nothing itself.
//!
//! Exactly once: the event id is recorded in the same transaction as the
//! command's effect ([`entities::domain::rooms::claim_event`]). A refused
//! command is recorded too, after its transaction rolled back, so it is
//! answered once and never retried.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entities::domain::{
    Db, actions, handovers, meetings, memberships, outreach, polls, read, roles, rooms, signups,
    write_txn,
};
use entities::{Actor, DomainError, group, meeting, project};
use sea_orm::DatabaseConnection;

use crate::command::{self, ActionAction, AgendaAction, Command, MeetingAction};
use crate::when;

/// A message in a room.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    pub event_id: &'a str,
    pub room_id: &'a str,
    pub sender: &'a str,
    pub body: &'a str,
    pub now: DateTime<Utc>,
    /// The thresholds `!health` applies (the settings' `health.*`).
    pub health: entities::domain::health::HealthPolicy,
}

/// What the bot answers: plain text and the same as HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub plain: String,
    pub html: String,
    /// Whether the command did what was asked.
    pub ok: bool,
}

impl Reply {
    fn ok(plain: impl Into<String>) -> Self {
        let plain = plain.into();
        Self {
            html: html(&plain),
            plain,
            ok: true,
        }
    }

    fn refused(plain: impl Into<String>) -> Self {
        let plain = plain.into();
        Self {
            html: html(&plain),
            plain,
            ok: false,
        }
    }
}

fn html(plain: &str) -> String {
    crate::notices::escape(plain).replace('\n', "<br>")
}

/// The words for a refused command: what went wrong and what to do.
fn refusal(e: &DomainError) -> Reply {
    let info = e.code().info();
    Reply::refused(format!("Sorry: {}. ({})", e.public_message(), info.hint))
}

/// Handles one message. `None` when it is not a command, or was already
/// handled (a replayed event).
#[tracing::instrument(
    name = "command",
    skip_all,
    fields(room_id = msg.room_id, event_id = msg.event_id, sender = msg.sender)
)]
pub async fn handle(
    db: &DatabaseConnection,
    msg: &Incoming<'_>,
) -> Result<Option<Reply>, DomainError> {
    let Some(parsed) = command::parse(msg.body) else {
        return Ok(None);
    };
    if rooms::seen_event(db, msg.event_id).await? {
        return Ok(None);
    }
    let kind = parsed
        .as_ref()
        .map_or_else(|_| "unparsed".to_owned(), Command::kind);
    let txn = write_txn(db).await?;
    let sender = rooms::sender(&txn, msg.sender).await?;
    let known = sender.is_some();
    let outcome = match (sender, parsed) {
        // Help is for everyone; acting needs a member.
        (None, Ok(Command::Help)) => Ok(Reply::ok(format!(
            "Here is what I can do:\n{}\nTo act here, ask a convener or an admin to add your Matrix id ({}) to Muster.",
            command::help(),
            msg.sender
        ))),
        (None, _) => Err(unknown_sender(msg.sender)),
        (Some(_), Err(e)) => Err(Reply::refused(e.0)),
        (Some(actor), Ok(cmd)) => execute(&txn, &actor, msg, cmd)
            .await
            .map_err(|e| refusal(&e)),
    };
    let label = match (&outcome, known) {
        (Ok(_), _) => "ok",
        (Err(_), false) => "unknown_sender",
        (Err(_), true) => "refused",
    };
    let event = rooms::Answered {
        event_id: msg.event_id,
        room_id: msg.room_id,
        sender: msg.sender,
        outcome: "ok",
    };
    let settled = settle(db, txn, event, outcome.map(Some)).await;
    if settled.is_ok() {
        metrics::counter!("muster_bridge_commands_total", "command" => kind, "outcome" => label)
            .increment(1);
    }
    settled
}

/// Ends the handling of an event: an accepted one is recorded (with its
/// reply, if any) in the transaction that holds its effect; a refused one
/// has its transaction rolled back and is recorded on its own, with the
/// refusal as its reply, so it is answered once and never retried. `None`
/// when the event had already been handled (then nothing is sent).
async fn settle(
    db: &DatabaseConnection,
    txn: sea_orm::DatabaseTransaction,
    event: rooms::Answered<'_>,
    outcome: Result<Option<Reply>, Reply>,
) -> Result<Option<Reply>, DomainError> {
    match outcome {
        Ok(reply) => {
            let text = reply.as_ref().map(|r| (r.plain.as_str(), r.html.as_str()));
            if !rooms::answer(&txn, &event, text).await? {
                return Ok(None);
            }
            txn.commit().await?;
            Ok(reply)
        }
        Err(reply) => {
            txn.rollback().await?;
            let txn = write_txn(db).await?;
            let event = rooms::Answered {
                outcome: &reply.plain,
                ..event
            };
            if !rooms::answer(&txn, &event, Some((&reply.plain, &reply.html))).await? {
                return Ok(None);
            }
            txn.commit().await?;
            Ok(Some(reply))
        }
    }
}

/// A reaction to a message in a room.
#[derive(Debug, Clone)]
pub struct Reaction<'a> {
    pub event_id: &'a str,
    pub room_id: &'a str,
    pub sender: &'a str,
    /// The message reacted to.
    pub target: &'a str,
    /// The reaction itself, e.g. `✅`.
    pub key: &'a str,
}

/// The answer a reaction stands for: ✅ (or ✔️, 👍) yes, ❌ (or 👎) no,
/// 🤔 maybe. Other reactions are just reactions.
pub fn reaction_answer(key: &str) -> Option<entities::RsvpResponse> {
    match key.trim_end_matches('\u{fe0f}') {
        "✅" | "✔" | "☑" | "👍" => Some(entities::RsvpResponse::Yes),
        "❌" | "✖" | "👎" => Some(entities::RsvpResponse::No),
        "🤔" | "❔" | "❓" => Some(entities::RsvpResponse::Maybe),
        _ => None,
    }
}

/// Handles a reaction: one to a meeting announcement with ✅ ❌ 🤔 is an
/// RSVP by the sender, recorded once per reaction event. A refused one is
/// answered (e.g. a sender Muster does not know); an accepted one is not,
/// so a room is not flooded with confirmations. `None` when the reaction is
/// not an answer or was already handled.
#[tracing::instrument(
    name = "reaction",
    skip_all,
    fields(room_id = r.room_id, event_id = r.event_id, sender = r.sender)
)]
pub async fn react(
    db: &DatabaseConnection,
    r: &Reaction<'_>,
) -> Result<Option<Reply>, DomainError> {
    let Some(answer) = reaction_answer(r.key) else {
        return Ok(None);
    };
    let Some(post) = rooms::post(db, r.target).await? else {
        return Ok(None);
    };
    // An RSVP to an announcement, or a ✅ vote for a poll's time.
    let target = match (post.meeting_id, post.poll_option_id) {
        (Some(m), _) => Target::Meeting(m),
        (None, Some(o)) if answer == entities::RsvpResponse::Yes => Target::Option(o),
        _ => return Ok(None),
    };
    if rooms::seen_event(db, r.event_id).await? {
        return Ok(None);
    }
    let txn = write_txn(db).await?;
    let outcome = match rooms::sender(&txn, r.sender).await? {
        None => Err(unknown_sender(r.sender)),
        Some(actor) => match target {
            Target::Meeting(m) => meetings::rsvp(&txn, &actor, m, None, answer)
                .await
                .map(|_| ()),
            Target::Option(o) => polls::vote(&txn, &actor, o, true).await.map(|_| ()),
        }
        .map_err(|e| refusal(&e)),
    };
    let event = rooms::Answered {
        event_id: r.event_id,
        room_id: r.room_id,
        sender: r.sender,
        outcome: "ok",
    };
    // An accepted reaction is not answered: a room is not flooded with
    // confirmations.
    settle(db, txn, event, outcome.map(|()| None)).await
}

/// What a reaction answers.
enum Target {
    Meeting(uuid::Uuid),
    Option(uuid::Uuid),
}

fn unknown_sender(sender: &str) -> Reply {
    Reply::refused(format!(
        "I don't know you yet, {sender}: ask a convener or an admin to add your Matrix id to Muster."
    ))
}

async fn linked(db: &impl Db, room: &str) -> Result<project::Model, DomainError> {
    rooms::project_for_room(db, room).await?.ok_or_else(|| {
        DomainError::state(
            "room_id",
            "this room is not linked to a project yet: a convener can type !link <project-slug>",
        )
    })
}

async fn zone(db: &impl Db, p: &project::Model) -> Result<Tz, DomainError> {
    let name = match &p.time_zone {
        Some(z) => z.clone(),
        None => {
            read::get::<group::Entity>(db, p.group_id, "group", "project_id")
                .await?
                .time_zone
        }
    };
    Ok(name.parse().unwrap_or(chrono_tz::Europe::London))
}

async fn next(
    db: &impl Db,
    p: &project::Model,
    now: DateTime<Utc>,
) -> Result<meeting::Model, DomainError> {
    rooms::next_meeting(db, p.id, now).await?.ok_or_else(|| {
        DomainError::state(
            "meeting",
            "there is no meeting coming up: a convener can type !meeting schedule <when>",
        )
    })
}

/// The member a mention names: `@user:server`, or `@user` on the
/// sender's server.
async fn person(
    db: &impl Db,
    who: &str,
    sender: &str,
) -> Result<(uuid::Uuid, String), DomainError> {
    let id = if who.contains(':') {
        who.to_owned()
    } else {
        let server = sender.split_once(':').map_or("", |(_, s)| s);
        format!("@{}:{server}", who.trim_start_matches('@'))
    };
    rooms::member_by_matrix_id(db, &id)
        .await?
        .map(|m| (m.id, m.display_name))
        .ok_or_else(|| {
            DomainError::invalid(
                "people",
                format!(
                    "{id} is not in Muster; use the Matrix id of a member, like @sam:example.org"
                ),
            )
        })
}

/// Splits `action add` words into the text, an owner (`@…`) and a due
/// date (`by <when>` at the end).
async fn action_words(
    db: &impl Db,
    words: &[String],
    sender: &str,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<
    (
        String,
        Option<(uuid::Uuid, String)>,
        Option<chrono::NaiveDate>,
    ),
    DomainError,
> {
    let mut words = words.to_vec();
    let mut due = None;
    if let Some(i) = words.iter().rposition(|w| w.eq_ignore_ascii_case("by"))
        && i + 1 < words.len()
        && let Ok(r) = when::read(&words[i + 1..], now, tz)
        && r.words_used == words.len() - i - 1
    {
        due = Some(r.at.with_timezone(&tz).date_naive());
        words.truncate(i);
    }
    let mut owner = None;
    if let Some(i) = words.iter().position(|w| w.starts_with('@') && w.len() > 1) {
        let who = words.remove(i);
        owner = Some(person(db, &who, sender).await.map_err(|_| {
            DomainError::invalid(
                "owner",
                format!("{who} is not in Muster; name the owner by their Matrix id, like @sam:example.org"),
            )
        })?);
    }
    Ok((words.join(" "), owner, due))
}

/// Reads `time | time | …`: every part must be a time and nothing else.
fn poll_times(
    words: &[String],
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<Vec<DateTime<Utc>>, DomainError> {
    let mut times = Vec::new();
    let line = words.join(" ");
    for part in line.split('|') {
        let part: Vec<String> = part.split_whitespace().map(str::to_owned).collect();
        if part.is_empty() {
            continue;
        }
        let part = &part[..];
        let r = when::read(part, now, tz).map_err(|e| when_error(&e))?;
        if r.words_used < part.len() {
            return Err(DomainError::invalid(
                "options",
                format!(
                    "I read a time and then '{}': separate the times with |, like !poll tue 6pm | wed 6pm",
                    part[r.words_used..].join(" ")
                ),
            ));
        }
        times.push(r.at);
    }
    Ok(times)
}

fn when_error(e: &when::WhenError) -> DomainError {
    DomainError::invalid("when", e.to_string())
}

/// `!approve <n>` / `!decline <n>`: sign-up n, into this room's project.
async fn decide_here(
    db: &impl Db,
    actor: &Actor,
    msg: &Incoming<'_>,
    number: u32,
    approve: bool,
) -> Result<Reply, DomainError> {
    let p = linked(db, msg.room_id).await?;
    let n = i32::try_from(number).unwrap_or(i32::MAX);
    let s = signups::by_number(db, n).await?;
    let s = signups::decide_in(db, actor, s.id, approve, Some(p.id)).await?;
    Ok(Reply::ok(if !approve {
        format!("Declined sign-up {n} ({}).", s.display_name)
    } else if let Some(mx) = &s.matrix_user_id {
        format!(
            "Approved sign-up {n}: {} is now in {}. I'm inviting {mx} to this room.",
            s.display_name, p.name
        )
    } else {
        format!(
            "Approved sign-up {n}: {} is now in {}. They gave no Matrix id, so share this room's link with them.",
            s.display_name, p.name
        )
    }))
}

async fn execute(
    db: &impl Db,
    actor: &Actor,
    msg: &Incoming<'_>,
    cmd: Command,
) -> Result<Reply, DomainError> {
    let now = msg.now;
    match cmd {
        Command::Help => Ok(Reply::ok(format!(
            "Here is what I can do:\n{}",
            command::help()
        ))),
        Command::Link { project: slug } => {
            let p = read::project_by_slug(db, actor, &slug)
                .await?
                .ok_or_else(|| DomainError::NotFound {
                    entity: "project",
                    field: "project".into(),
                    key: "slug",
                    value: slug.clone(),
                })?;
            let p = rooms::link(db, actor, p.id, msg.room_id).await?;
            Ok(Reply::ok(format!(
                "This room is now linked to {} ({}).",
                p.name, p.slug
            )))
        }
        Command::Unlink => {
            let p = linked(db, msg.room_id).await?;
            rooms::unlink(db, actor, p.id).await?;
            Ok(Reply::ok(format!(
                "This room is no longer linked to {}.",
                p.name
            )))
        }
        Command::Project => {
            let p = linked(db, msg.room_id).await?;
            let goal = if p.goal.is_empty() {
                String::new()
            } else {
                format!("\n{}", p.goal)
            };
            Ok(Reply::ok(format!("{} — {}{goal}", p.name, p.status)))
        }
        Command::Next => {
            let p = linked(db, msg.room_id).await?;
            let tz = zone(db, &p).await?;
            let m = next(db, &p, now).await?;
            let rsvps = read::rsvps_of(db, &[m.id]).await?;
            let count =
                |r: entities::RsvpResponse| rsvps.iter().filter(|x| x.response == r).count();
            Ok(Reply::ok(format!(
                "Next: {} — {}. Coming: {}, maybe: {}, not: {}{}.",
                m.title,
                when::describe(m.starts_at, tz),
                count(entities::RsvpResponse::Yes),
                count(entities::RsvpResponse::Maybe),
                count(entities::RsvpResponse::No),
                if m.quorum > 0 {
                    format!(" (quorum {})", m.quorum)
                } else {
                    String::new()
                }
            )))
        }
        Command::Meeting {
            action: MeetingAction::Schedule { words },
        } => {
            let p = linked(db, msg.room_id).await?;
            let tz = zone(db, &p).await?;
            let reading = when::read(&words, now, tz).map_err(|e| when_error(&e))?;
            let title = words[reading.words_used..].join(" ");
            let title = if title.trim().is_empty() {
                format!("{} meeting", p.name)
            } else {
                title
            };
            let m = meetings::schedule(
                db,
                actor,
                meetings::NewMeeting {
                    group_id: None,
                    project_id: Some(p.id),
                    title,
                    kind: None,
                    format: None,
                    starts_at: reading.at,
                    ends_at: None,
                    time_zone: Some(tz.name().to_owned()),
                    location: None,
                    quorum: None,
                    visibility: None,
                    status: None,
                    per_coop: false,
                },
            )
            .await?;
            Ok(Reply::ok(format!(
                "Scheduled: {} — {}. Reply !rsvp yes, no or maybe.",
                m.title,
                when::describe(m.starts_at, tz)
            )))
        }
        Command::Meeting {
            action: MeetingAction::Move { words },
        } => {
            let p = linked(db, msg.room_id).await?;
            let tz = zone(db, &p).await?;
            let m = next(db, &p, now).await?;
            let reading = when::read(&words, now, tz).map_err(|e| when_error(&e))?;
            if reading.words_used < words.len() {
                return Err(DomainError::invalid(
                    "when",
                    format!(
                        "I read a time and then '{}'; give only the new time",
                        words[reading.words_used..].join(" ")
                    ),
                ));
            }
            let moved = meetings::move_to(
                db,
                actor,
                meetings::MoveMeeting {
                    meeting_id: m.id,
                    starts_at: reading.at,
                    ends_at: None,
                    reason: None,
                },
            )
            .await?;
            Ok(Reply::ok(format!(
                "Moved: {} from {} to {}. Answers are asked again for the new time.",
                moved.title,
                when::describe(m.starts_at, tz),
                when::describe(moved.starts_at, tz)
            )))
        }
        Command::Meeting {
            action: MeetingAction::Cancel { reason },
        } => {
            let p = linked(db, msg.room_id).await?;
            let tz = zone(db, &p).await?;
            let m = next(db, &p, now).await?;
            let reason = (!reason.is_empty()).then(|| reason.join(" "));
            meetings::cancel(db, actor, m.id, reason).await?;
            Ok(Reply::ok(format!(
                "Cancelled: {} — {}.",
                m.title,
                when::describe(m.starts_at, tz)
            )))
        }
        Command::Meeting {
            action: MeetingAction::Confirm,
        } => {
            let p = linked(db, msg.room_id).await?;
            let tz = zone(db, &p).await?;
            let m = next(db, &p, now).await?;
            meetings::confirm(db, actor, m.id).await?;
            Ok(Reply::ok(format!(
                "Confirmed: {} — {} goes ahead whatever the numbers.",
                m.title,
                when::describe(m.starts_at, tz)
            )))
        }
        Command::Poll { words } if words.len() == 1 && words[0].eq_ignore_ascii_case("close") => {
            let p = linked(db, msg.room_id).await?;
            let tz = zone(db, &p).await?;
            let Some(open) = polls::open_poll_of(db, p.id).await? else {
                return Err(DomainError::state(
                    "poll",
                    "there is no open poll here: open one with !poll <time> | <time>",
                ));
            };
            let (_, m) = polls::close(db, actor, open.poll.id).await?;
            Ok(Reply::ok(format!(
                "Poll closed: {} — {}.",
                m.title,
                when::describe(m.starts_at, tz)
            )))
        }
        Command::Poll { words } => {
            let p = linked(db, msg.room_id).await?;
            let tz = zone(db, &p).await?;
            let options = poll_times(&words, now, tz)?;
            let n = options.len();
            polls::open(
                db,
                actor,
                polls::NewPoll {
                    project_id: Some(p.id),
                    group_id: None,
                    meeting_id: None,
                    title: None,
                    options,
                    per_coop: None,
                },
            )
            .await?;
            Ok(Reply::ok(format!(
                "Poll open with {n} times: react ✅ to each one you can make (below)."
            )))
        }
        Command::Meeting {
            action: MeetingAction::Postpone { words },
        } => {
            let p = linked(db, msg.room_id).await?;
            let tz = zone(db, &p).await?;
            let m = next(db, &p, now).await?;
            let options = poll_times(&words, now, tz)?;
            polls::open(
                db,
                actor,
                polls::NewPoll {
                    project_id: None,
                    group_id: None,
                    meeting_id: Some(m.id),
                    title: None,
                    options,
                    per_coop: None,
                },
            )
            .await?;
            Ok(Reply::ok(format!(
                "Poll open to postpone {} — {}: those who said yes, react ✅ to each time you can make.",
                m.title,
                when::describe(m.starts_at, tz)
            )))
        }
        Command::Health => {
            let p = linked(db, msg.room_id).await?;
            let h = entities::domain::health::of(
                db,
                entities::domain::health::Of::Project(p.id),
                now,
                msg.health,
            )
            .await?;
            let attendance = h
                .average_attendance
                .map(|a| format!(", {a:.1} came on average"))
                .unwrap_or_default();
            let signs = if h.signals.is_empty() {
                "No warning signs.".to_owned()
            } else {
                h.signals
                    .iter()
                    .map(|s| format!("⚠ {:?}: {}", s.signal, s.reason))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            Ok(Reply::ok(format!(
                "{}: {} meeting(s) held and {} called off in {} days{attendance}; {} active member(s), {} convener(s).\n{signs}",
                p.name,
                h.meetings_held,
                h.meetings_called_off,
                h.window_days,
                h.active_members,
                h.conveners
            )))
        }
        Command::Actions => {
            let p = linked(db, msg.room_id).await?;
            let list = actions::open_of(db, actor, read::Owner::Project, &[p.id]).await?;
            if list.is_empty() {
                return Ok(Reply::ok(
                    "No open actions. Add one with !action add <text> [@owner] [by <date>].",
                ));
            }
            let owners: Vec<uuid::Uuid> = list.iter().filter_map(|a| a.owner_id).collect();
            let names = rooms::display_names(db, &owners).await?;
            let lines: Vec<String> = list
                .iter()
                .map(|a| {
                    let who = a
                        .owner_id
                        .and_then(|o| names.get(&o).cloned())
                        .map(|n| format!(" — {n}"))
                        .unwrap_or_default();
                    let due = a
                        .due_on
                        .map(|d| format!(", by {}", d.format("%a %-d %b")))
                        .unwrap_or_default();
                    format!("{}. {}{who}{due}", a.number, a.text)
                })
                .collect();
            Ok(Reply::ok(format!(
                "Open actions of {}:\n{}\nMark one done with !done <number>.",
                p.name,
                lines.join("\n")
            )))
        }
        Command::Action {
            action: ActionAction::Add { words },
        } => {
            let p = linked(db, msg.room_id).await?;
            let tz = zone(db, &p).await?;
            let m = match meetings::last_started(db, p.id, now, true).await? {
                Some(m) => m,
                None => next(db, &p, now).await?,
            };
            let (text, owner, due) = action_words(db, &words, msg.sender, now, tz).await?;
            let a = actions::add(
                db,
                actor,
                actions::NewAction {
                    meeting_id: m.id,
                    text,
                    owner_id: owner.as_ref().map(|(id, _)| *id),
                    due_on: due,
                },
            )
            .await?;
            let who = owner.map(|(_, n)| format!(" for {n}")).unwrap_or_default();
            let by = due
                .map(|d| format!(", due {}", d.format("%a %-d %b %Y")))
                .unwrap_or_default();
            Ok(Reply::ok(format!(
                "Action {} added{who}{by}: {}",
                a.number, a.text
            )))
        }
        Command::Done { number } => {
            let p = linked(db, msg.room_id).await?;
            let number = i32::try_from(number).unwrap_or(i32::MAX);
            let a = actions::by_number(db, p.id, number).await?;
            let a = actions::complete(db, actor, a.id).await?;
            Ok(Reply::ok(format!("Done: {}. {}", a.number, a.text)))
        }
        Command::Attended { people } => {
            let p = linked(db, msg.room_id).await?;
            let tz = zone(db, &p).await?;
            let Some(m) = meetings::last_started(db, p.id, now, false).await? else {
                return Err(DomainError::state(
                    "meeting",
                    "no meeting has started yet: record attendance after it begins",
                ));
            };
            let mut ids = Vec::new();
            for who in &people {
                let (id, _) = person(db, who, msg.sender).await?;
                ids.push(id);
            }
            meetings::record_held(db, actor, m.id, &ids, &[]).await?;
            Ok(Reply::ok(format!(
                "Recorded: {} came to {} — {}. Its open agenda items move to the next meeting.",
                ids.len(),
                m.title,
                when::describe(m.starts_at, tz)
            )))
        }
        Command::Rsvp { answer } => {
            let p = linked(db, msg.room_id).await?;
            let tz = zone(db, &p).await?;
            let m = next(db, &p, now).await?;
            meetings::rsvp(db, actor, m.id, None, rsvp_response(answer)).await?;
            Ok(Reply::ok(format!(
                "Noted: {} for {} — {}.",
                format!("{answer:?}").to_lowercase(),
                m.title,
                when::describe(m.starts_at, tz)
            )))
        }
        Command::Agenda { action: None } => {
            let p = linked(db, msg.room_id).await?;
            let m = next(db, &p, now).await?;
            let items = read::agenda_of(db, &[m.id]).await?;
            if items.is_empty() {
                return Ok(Reply::ok(format!(
                    "The agenda for {} is empty. Add to it with !agenda add <text>.",
                    m.title
                )));
            }
            let lines: Vec<String> = items
                .iter()
                .map(|i| format!("{}. {}", i.position, i.text))
                .collect();
            Ok(Reply::ok(format!(
                "Agenda for {}:\n{}",
                m.title,
                lines.join("\n")
            )))
        }
        Command::Agenda {
            action: Some(AgendaAction::Add { text }),
        } => {
            let p = linked(db, msg.room_id).await?;
            let m = next(db, &p, now).await?;
            let item = meetings::add_agenda_item(db, actor, m.id, &text.join(" "), None).await?;
            Ok(Reply::ok(format!(
                "Added to the agenda for {} as item {}.",
                m.title, item.position
            )))
        }
        Command::Join { choice } => {
            let p = linked(db, msg.room_id).await?;
            let Some(me) = actor.member_id() else {
                return Err(DomainError::Unauthenticated);
            };
            let offered = roles::of_owner(db, None, Some(p.id)).await?;
            let (involvement, role) = match choice {
                None if !offered.is_empty() => {
                    return Ok(Reply::ok(format!(
                        "{} asks for these roles:\n{}\nType !join <number> to take one, or !join supporter to help without a role.",
                        p.name,
                        offered
                            .iter()
                            .enumerate()
                            .map(|(i, r)| format!("{}. {}", i + 1, roles::describe(r)))
                            .collect::<Vec<_>>()
                            .join("\n")
                    )));
                }
                None => (None, None),
                Some(command::JoinChoice::Involvement(i)) => (Some(involvement(i)), None),
                Some(command::JoinChoice::Role(n)) => {
                    let r = usize::try_from(n)
                        .ok()
                        .and_then(|n| n.checked_sub(1))
                        .and_then(|i| offered.get(i))
                        .ok_or_else(|| {
                            DomainError::invalid(
                                "role",
                                format!(
                                    "{} has {} role(s); type !join to see them and their numbers",
                                    p.name,
                                    offered.len()
                                ),
                            )
                        })?;
                    (None, Some(r.clone()))
                }
            };
            let ms = memberships::create(
                db,
                actor,
                memberships::NewMembership {
                    member_id: me,
                    group_id: None,
                    project_id: Some(p.id),
                    role: entities::Role::Member,
                    involvement,
                    commitment_hours: None,
                    status: None,
                    since: None,
                    role_id: role.as_ref().map(|r| r.id),
                },
            )
            .await?;
            Ok(Reply::ok(match role {
                Some(r) => format!(
                    "Welcome to {} as {}: {}",
                    p.name,
                    r.name,
                    roles::describe(&r)
                ),
                None => format!("Welcome to {}: you joined for {}.", p.name, ms.involvement),
            }))
        }
        Command::Accept => {
            let p = linked(db, msg.room_id).await?;
            let joined = handovers::accept(db, actor, p.group_id).await?;
            Ok(Reply::ok(format!(
                "Welcome to {}: your involvement carried over.",
                joined
                    .iter()
                    .map(|g| g.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            )))
        }
        Command::Approve { number } => decide_here(db, actor, msg, number, true).await,
        Command::Decline { number } => decide_here(db, actor, msg, number, false).await,
        Command::Calls { action } => {
            let p = linked(db, msg.room_id).await?;
            match action {
                None => {
                    use entities::ContactStatus as S;
                    let pr = outreach::progress(db, actor, p.id).await?;
                    let count = |s: entities::ContactStatus| {
                        pr.by_status
                            .iter()
                            .find(|(x, _)| *x == s)
                            .map_or(0, |(_, c)| *c)
                    };
                    Ok(Reply::ok(format!(
                        "{}: {} of {} co-ops reached (interested {}, talked {}, not now {}); to contact {}, no answer {}; {} being called now. Type !calls next for yours.",
                        p.name,
                        pr.reached,
                        pr.total,
                        count(S::Interested),
                        count(S::Talked),
                        count(S::NotNow),
                        count(S::ToContact),
                        count(S::NoAnswer),
                        pr.in_progress
                    )))
                }
                Some(command::CallsAction::Next) => match outreach::next(db, actor, p.id).await? {
                    Some(c) => {
                        let notes = c
                            .contact
                            .notes
                            .lines()
                            .last()
                            .map(|l| format!(" Last: {l}."))
                            .unwrap_or_default();
                        Ok(Reply::ok(format!(
                            "Your next call: {} ({}), {}.{notes} It is yours until you log it: !calls log {} <talked|interested|not-now|no-answer> [note]",
                            c.organisation.name,
                            c.organisation.website.as_deref().unwrap_or("no website"),
                            c.contact.status,
                            c.organisation.slug
                        )))
                    }
                    None => Ok(Reply::ok(
                        "Nobody is left to call today: every co-op is reached, being called, or has a later next step. Type !calls for the numbers.",
                    )),
                },
                Some(command::CallsAction::Log {
                    organisation,
                    status,
                    note,
                }) => {
                    let note = note.join(" ");
                    let c = outreach::log(
                        db,
                        actor,
                        outreach::CallLog {
                            project_id: p.id,
                            organisation,
                            status: contact_status(status),
                            note: (!note.trim().is_empty()).then_some(note),
                            next_step_on: None,
                        },
                    )
                    .await?;
                    Ok(Reply::ok(format!(
                        "Logged: {} — {}. Thank you! Type !calls next for another.",
                        c.organisation.name, c.contact.status
                    )))
                }
            }
        }
        Command::Leave => {
            let p = linked(db, msg.room_id).await?;
            memberships::leave_project(db, actor, p.id).await?;
            Ok(Reply::ok(format!(
                "You left {}. Thank you for your work.",
                p.name
            )))
        }
    }
}

// The command language (`muster-commands`) knows nothing of the domain;
// its values are translated here.

fn rsvp_response(a: command::Answer) -> entities::RsvpResponse {
    match a {
        command::Answer::Yes => entities::RsvpResponse::Yes,
        command::Answer::No => entities::RsvpResponse::No,
        command::Answer::Maybe => entities::RsvpResponse::Maybe,
    }
}

fn involvement(i: command::InvolvementArg) -> entities::Involvement {
    use command::InvolvementArg as I;
    match i {
        I::Strategy => entities::Involvement::Strategy,
        I::Coordination => entities::Involvement::Coordination,
        I::Delivery => entities::Involvement::Delivery,
        I::Supporter => entities::Involvement::Supporter,
    }
}

fn contact_status(s: command::StatusArg) -> entities::ContactStatus {
    use command::StatusArg as S;
    match s {
        S::ToContact => entities::ContactStatus::ToContact,
        S::NoAnswer => entities::ContactStatus::NoAnswer,
        S::Talked => entities::ContactStatus::Talked,
        S::Interested => entities::ContactStatus::Interested,
        S::NotNow => entities::ContactStatus::NotNow,
    }
}
