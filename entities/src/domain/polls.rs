//! Date polls: a convener offers candidate times, members vote for every
//! time they can make (in the room by reacting ✅ to an option's message,
//! or through the API), and closing the poll schedules the meeting at the
//! winning time — or moves the meeting it was opened for (postponing a
//! meeting whose quorum is in danger), in which case only those who said
//! yes to that meeting vote.
//!
//! The winner has the most votes; a tie goes to the option with the most
//! votes from conveners, then to the earliest time.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::outbox::{EventKind, emit};
use super::validate::{self, NAME_MAX};
use super::{Db, meetings, new_id, now, read, write_txn};
use crate::policy::Owner;
use crate::{
    Actor, DomainError, MeetingStatus, PollStatus, Result, RsvpResponse, meeting, policy, poll,
    poll_option, poll_vote, project, rsvp,
};

/// Most candidate times in one poll.
pub const MAX_OPTIONS: usize = 10;

/// What `open` needs: a project (or the meeting to postpone) and times.
#[derive(Debug, Clone)]
pub struct NewPoll {
    pub project_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    /// Set to postpone this meeting: the poll picks its new time.
    pub meeting_id: Option<Uuid>,
    pub title: Option<String>,
    pub options: Vec<DateTime<Utc>>,
    /// Count votes once per co-op. Defaults to the meeting's setting when
    /// postponing one, else no.
    pub per_coop: Option<bool>,
}

/// A poll with its options, in order.
#[derive(Debug, Clone)]
pub struct Poll {
    pub poll: poll::Model,
    pub options: Vec<poll_option::Model>,
}

async fn owner_of(db: &impl Db, p: &poll::Model) -> Result<Owner> {
    Ok(match (p.project_id, p.group_id) {
        (Some(id), _) => {
            let pr = read::get::<project::Entity>(db, id, "project", "project_id").await?;
            Owner::project(id, pr.group_id)
        }
        (None, Some(g)) => Owner::group(g),
        (None, None) => Owner::default(),
    })
}

/// Opens a poll (conveners). With `meeting_id`, the poll is for
/// postponing that meeting and belongs to its group or project.
#[tracing::instrument(skip_all)]
pub async fn open(db: &impl Db, actor: &Actor, input: NewPoll) -> Result<Poll> {
    policy::require_member(actor, "open polls")?;
    let mut times = input.options.clone();
    times.sort();
    times.dedup();
    if times.len() < 2 || times.len() > MAX_OPTIONS {
        return Err(DomainError::invalid(
            "options",
            format!("give between 2 and {MAX_OPTIONS} different times"),
        ));
    }
    let t = now();
    if let Some(past) = times.iter().find(|x| **x <= t) {
        return Err(DomainError::invalid(
            "options",
            format!(
                "{} is in the past; give times still to come",
                past.to_rfc3339()
            ),
        ));
    }
    let txn = write_txn(db).await?;
    let mut per_coop = input.per_coop.unwrap_or(false);
    let (group_id, project_id, default_title) = if let Some(mid) = input.meeting_id {
        let m = meetings::get(&txn, mid, "meeting_id").await?;
        if !matches!(m.status, MeetingStatus::Proposed | MeetingStatus::Scheduled) {
            return Err(DomainError::state(
                "meeting_id",
                format!("cannot postpone it: the meeting is {}", m.status),
            ));
        }
        per_coop = input.per_coop.unwrap_or(m.per_coop);
        (m.group_id, m.project_id, m.title)
    } else if let Some(pid) = input.project_id {
        let p = read::visible_project(&txn, actor, pid, "project_id").await?;
        (None, Some(p.id), format!("{} meeting", p.name))
    } else if let Some(gid) = input.group_id {
        let g = read::visible_group(&txn, actor, gid, "group_id").await?;
        (Some(g.id), None, format!("{} meeting", g.name))
    } else {
        return Err(DomainError::invalid(
            "project_id",
            "say which project (or group, or meeting) the poll is for",
        ));
    };
    let title = match input.title.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => validate::required("title", t, NAME_MAX)?,
        _ => default_title,
    };
    let p = poll::ActiveModel {
        id: Set(new_id()),
        group_id: Set(if project_id.is_some() { None } else { group_id }),
        project_id: Set(project_id),
        meeting_id: Set(input.meeting_id),
        title: Set(title),
        status: Set(PollStatus::Open),
        created_by_id: Set(actor.member_id()),
        created_at: Set(t),
        closed_at: Set(None),
        chosen_option_id: Set(None),
        per_coop: Set(per_coop),
    }
    .insert(&txn)
    .await?;
    let owner = owner_of(&txn, &p).await?;
    policy::require_convener(actor, owner, "open a poll here")?;
    let mut options = Vec::new();
    for (i, at) in times.iter().enumerate() {
        options.push(
            poll_option::ActiveModel {
                id: Set(new_id()),
                poll_id: Set(p.id),
                position: Set(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                starts_at: Set(*at),
            }
            .insert(&txn)
            .await?,
        );
    }
    emit(
        &txn,
        EventKind::PollOpened,
        p.id,
        json!({ "poll": p, "options": options }),
    )
    .await?;
    for o in &options {
        emit(
            &txn,
            EventKind::PollOptionOffered,
            p.id,
            json!({ "poll": p, "option": o }),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Poll { poll: p, options })
}

/// The poll an option belongs to, with its options.
#[tracing::instrument(skip_all)]
pub async fn get(db: &impl Db, id: Uuid, field: &str) -> Result<Poll> {
    let poll = read::get::<poll::Entity>(db, id, "poll", field).await?;
    let options = poll_option::Entity::find()
        .filter(poll_option::Column::PollId.eq(id))
        .order_by_asc(poll_option::Column::Position)
        .all(db)
        .await?;
    Ok(Poll { poll, options })
}

/// The open poll of a project, if there is one (the latest).
#[tracing::instrument(skip_all)]
pub async fn open_poll_of(db: &impl Db, project_id: Uuid) -> Result<Option<Poll>> {
    let Some(p) = poll::Entity::find()
        .filter(poll::Column::ProjectId.eq(project_id))
        .filter(poll::Column::Status.eq(PollStatus::Open))
        .order_by_desc(poll::Column::CreatedAt)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    get(db, p.id, "poll_id").await.map(Some)
}

/// Records (`yes`) or withdraws a member's vote for an option. Members of
/// the poll's group or project vote; for a postponement, those who said yes
/// to the meeting.
#[tracing::instrument(skip_all)]
pub async fn vote(db: &impl Db, actor: &Actor, option_id: Uuid, yes: bool) -> Result<Poll> {
    policy::require_member(actor, "vote")?;
    let Some(me) = actor.member_id() else {
        return Err(DomainError::Forbidden("vote: sign in as a member".into()));
    };
    let txn = write_txn(db).await?;
    let option =
        read::get::<poll_option::Entity>(&txn, option_id, "poll option", "option_id").await?;
    let p = get(&txn, option.poll_id, "option_id").await?;
    if p.poll.status != PollStatus::Open {
        return Err(DomainError::state("option_id", "the poll is closed"));
    }
    let owner = owner_of(&txn, &p.poll).await?;
    if let Some(mid) = p.poll.meeting_id {
        let said_yes = rsvp::Entity::find()
            .filter(rsvp::Column::MeetingId.eq(mid))
            .filter(rsvp::Column::MemberId.eq(me))
            .filter(rsvp::Column::Response.eq(RsvpResponse::Yes))
            .one(&txn)
            .await?
            .is_some();
        if !said_yes && !policy::convenes(actor, owner) {
            return Err(DomainError::Forbidden(
                "vote on this postponement: it is for those who said yes to the meeting".into(),
            ));
        }
    } else if !policy::can_see(actor, crate::Visibility::Members, owner) {
        return Err(DomainError::not_found(
            "poll option",
            "option_id",
            &option_id,
        ));
    }
    if yes {
        poll_vote::Entity::insert(poll_vote::ActiveModel {
            option_id: Set(option_id),
            member_id: Set(me),
            voted_at: Set(now()),
        })
        .on_conflict(
            OnConflict::columns([poll_vote::Column::OptionId, poll_vote::Column::MemberId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    } else {
        poll_vote::Entity::delete_many()
            .filter(poll_vote::Column::OptionId.eq(option_id))
            .filter(poll_vote::Column::MemberId.eq(me))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(p)
}

/// Votes per option: (all, from conveners).
#[tracing::instrument(skip_all)]
pub async fn tally(db: &impl Db, p: &Poll) -> Result<HashMap<Uuid, (u32, u32)>> {
    let owner = owner_of(db, &p.poll).await?;
    let votes = poll_vote::Entity::find()
        .filter(poll_vote::Column::OptionId.is_in(p.options.iter().map(|o| o.id)))
        .all(db)
        .await?;
    let conveners: Vec<Uuid> = super::read::conveners_of(db, owner).await?;
    let voice = if p.poll.per_coop {
        let who_voted: Vec<Uuid> = votes.iter().map(|v| v.member_id).collect();
        Some(super::organisations::voices(db, &who_voted).await?)
    } else {
        None
    };
    Ok(counts(&votes, voice.as_ref(), &conveners))
}

/// The winning option: most votes, then most conveners' votes, then the
/// earliest time.
pub fn winner<'a, S: std::hash::BuildHasher>(
    options: &'a [poll_option::Model],
    tally: &HashMap<Uuid, (u32, u32), S>,
) -> Option<&'a poll_option::Model> {
    options.iter().min_by(|a, b| {
        let (va, ca) = tally.get(&a.id).copied().unwrap_or_default();
        let (vb, cb) = tally.get(&b.id).copied().unwrap_or_default();
        vb.cmp(&va)
            .then(cb.cmp(&ca))
            .then(a.starts_at.cmp(&b.starts_at))
    })
}

/// Closes a poll (conveners): schedules the meeting at the winning time,
/// or moves the meeting it was opened for there. Returns the meeting.
#[tracing::instrument(skip_all)]
pub async fn close(db: &impl Db, actor: &Actor, poll_id: Uuid) -> Result<(Poll, meeting::Model)> {
    policy::require_member(actor, "close polls")?;
    let txn = write_txn(db).await?;
    let p = get(&txn, poll_id, "poll_id").await?;
    let owner = owner_of(&txn, &p.poll).await?;
    policy::require_convener(actor, owner, "close this poll")?;
    if p.poll.status != PollStatus::Open {
        return Err(DomainError::state("poll_id", "the poll is already closed"));
    }
    let counts = tally(&txn, &p).await?;
    if counts.values().all(|(v, _)| *v == 0) {
        return Err(DomainError::state(
            "poll_id",
            "nobody has voted yet: wait for votes, or schedule a time directly",
        ));
    }
    let Some(win) = winner(&p.options, &counts).cloned() else {
        return Err(DomainError::state("poll_id", "the poll has no options"));
    };
    let m = if let Some(mid) = p.poll.meeting_id {
        meetings::move_to(
            &txn,
            actor,
            meetings::MoveMeeting {
                meeting_id: mid,
                starts_at: win.starts_at,
                ends_at: None,
                reason: Some("postponed by a date poll".into()),
            },
        )
        .await?
    } else {
        let zone = match p.poll.project_id {
            Some(pid) => {
                read::get::<project::Entity>(&txn, pid, "project", "project_id")
                    .await?
                    .time_zone
            }
            None => None,
        };
        meetings::schedule(
            &txn,
            actor,
            meetings::NewMeeting {
                group_id: p.poll.group_id,
                project_id: p.poll.project_id,
                title: p.poll.title.clone(),
                kind: None,
                format: None,
                starts_at: win.starts_at,
                ends_at: None,
                time_zone: zone,
                location: None,
                quorum: None,
                visibility: None,
                status: None,
                per_coop: false,
            },
        )
        .await?
    };
    let mut am = p.poll.clone().into_active_model();
    am.status = Set(PollStatus::Closed);
    am.closed_at = Set(Some(now()));
    am.chosen_option_id = Set(Some(win.id));
    let closed = am.update(&txn).await?;
    let (votes, _) = counts.get(&win.id).copied().unwrap_or_default();
    emit(
        &txn,
        EventKind::PollClosed,
        closed.id,
        json!({ "poll": closed, "option": win, "votes": votes, "meeting_id": m.id }),
    )
    .await?;
    txn.commit().await?;
    Ok((
        Poll {
            poll: closed,
            options: p.options,
        },
        m,
    ))
}

/// Polls by id, of groups and projects `actor` may see.
#[tracing::instrument(skip_all)]
pub async fn by_ids(db: &impl Db, actor: &Actor, ids: &[Uuid]) -> Result<Vec<poll::Model>> {
    let rows = poll::Entity::find()
        .filter(poll::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let projects: Vec<Uuid> = rows.iter().filter_map(|p| p.project_id).collect();
    let groups: Vec<Uuid> = rows.iter().filter_map(|p| p.group_id).collect();
    let seen_projects: Vec<Uuid> = read::projects_by_ids(db, actor, &projects)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let seen_groups: Vec<Uuid> = read::groups_by_ids(db, actor, &groups)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    Ok(rows
        .into_iter()
        .filter(|p| match (p.project_id, p.group_id) {
            (Some(pr), _) => seen_projects.contains(&pr),
            (None, Some(g)) => seen_groups.contains(&g),
            (None, None) => false,
        })
        .collect())
}

/// Votes for each of these options.
#[tracing::instrument(skip_all)]
pub async fn votes_for(db: &impl Db, option_ids: &[Uuid]) -> Result<HashMap<Uuid, u32>> {
    let votes = poll_vote::Entity::find()
        .filter(poll_vote::Column::OptionId.is_in(option_ids.iter().copied()))
        .all(db)
        .await?;
    let options = poll_option::Entity::find()
        .filter(poll_option::Column::Id.is_in(option_ids.iter().copied()))
        .all(db)
        .await?;
    let per_coop: HashSet<Uuid> = poll::Entity::find()
        .filter(poll::Column::Id.is_in(options.iter().map(|o| o.poll_id)))
        .filter(poll::Column::PerCoop.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let counted_per_coop: HashSet<Uuid> = options
        .iter()
        .filter(|o| per_coop.contains(&o.poll_id))
        .map(|o| o.id)
        .collect();
    let voice = if counted_per_coop.is_empty() {
        HashMap::new()
    } else {
        let who_voted: Vec<Uuid> = votes.iter().map(|v| v.member_id).collect();
        super::organisations::voices(db, &who_voted).await?
    };
    let (by_coop, by_person): (Vec<_>, Vec<_>) = votes
        .into_iter()
        .partition(|v| counted_per_coop.contains(&v.option_id));
    Ok(counts(&by_person, None, &[])
        .into_iter()
        .chain(counts(&by_coop, Some(&voice), &[]))
        .map(|(o, (n, _))| (o, n))
        .collect())
}

/// Votes per option: (all, from conveners). Per person, or — given who
/// speaks for which co-op — per co-op: each co-op once, votes from people
/// who speak for none left out.
fn counts(
    votes: &[poll_vote::Model],
    voice: Option<&HashMap<Uuid, Uuid>>,
    conveners: &[Uuid],
) -> HashMap<Uuid, (u32, u32)> {
    let mut seen: HashMap<Uuid, (HashSet<Uuid>, HashSet<Uuid>)> = HashMap::new();
    for v in votes {
        // The unit counted: the voter, or the co-op they speak for.
        let unit = match voice {
            None => v.member_id,
            Some(voice) => match voice.get(&v.member_id) {
                Some(coop) => *coop,
                None => continue,
            },
        };
        let e = seen.entry(v.option_id).or_default();
        e.0.insert(unit);
        if conveners.contains(&v.member_id) {
            e.1.insert(unit);
        }
    }
    seen.into_iter()
        .map(|(o, (all, conv))| (o, (count(all.len()), count(conv.len()))))
        .collect()
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
