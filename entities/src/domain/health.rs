//! Group and project health: the numbers that show a group losing momentum
//! before its meetings stop, and named signals, each with a reason in
//! words. Computed from meetings, attendance, answers and memberships as
//! of an instant (`at`, normally now), over a window (default 90 days).
//!
//! Signals:
//! - `Stagnant`: no meeting held for [`HealthPolicy::stagnant_days`].
//! - `LowAttendance`: of its last three meetings that were due, at least as
//!   many were postponed or cancelled as were held, or the held ones
//!   averaged below their quorum.
//! - `NoConvener`: nobody convenes it.
//! - `MembersSteppingBack`: members stepped back in the window.
//!
//! (`HandoverOpen` comes with handovers.)

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{Db, read};
use crate::{
    Actor, MeetingStatus, MembershipStatus, Result, Role, attendance, meeting, membership, rsvp,
};

/// The thresholds (settings `health.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthPolicy {
    pub window_days: i64,
    pub stagnant_days: i64,
    /// Days after a sign-up is approved before its convener is reminded to
    /// check in, if the newcomer has attended nothing
    /// ([`super::signups::run_check_ins`]).
    pub check_in_days: i64,
}

impl Default for HealthPolicy {
    fn default() -> Self {
        Self {
            window_days: 90,
            stagnant_days: 60,
            check_in_days: 14,
        }
    }
}

/// A named warning sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Stagnant,
    LowAttendance,
    NoConvener,
    HandoverOpen,
    MembersSteppingBack,
}

/// A signal and why it is raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    pub signal: Signal,
    pub reason: String,
}

/// A group's or project's health.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    pub window_days: i64,
    pub meetings_held: u32,
    /// Postponed or cancelled in the window.
    pub meetings_called_off: u32,
    /// Average attendance of the meetings held in the window.
    pub average_attendance: Option<f64>,
    /// Attendance at the last held meeting in the window minus the first
    /// (negative: falling).
    pub attendance_trend: Option<i64>,
    /// Members who came, answered or proposed something in the window.
    pub active_members: u32,
    pub days_since_last_held: Option<i64>,
    pub conveners: u32,
    pub signals: Vec<Raised>,
}

/// Whose health.
#[derive(Debug, Clone, Copy)]
pub enum Of {
    Group(Uuid),
    Project(Uuid),
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%-d %b %Y").to_string()
}

/// The health of a group (its own meetings and members) or a project.
pub async fn of(
    db: &impl Db,
    owner: Of,
    at: DateTime<Utc>,
    policy: HealthPolicy,
) -> Result<Health> {
    let (meeting_col, membership_col, id) = match owner {
        Of::Group(g) => (meeting::Column::GroupId, membership::Column::GroupId, g),
        Of::Project(p) => (meeting::Column::ProjectId, membership::Column::ProjectId, p),
    };
    let from = at - Duration::days(policy.window_days);
    let meetings = meeting::Entity::find()
        .filter(meeting_col.eq(id))
        .filter(meeting::Column::StartsAt.lte(at))
        .order_by_asc(meeting::Column::StartsAt)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = meetings.iter().map(|m| m.id).collect();
    let came = attendance::Entity::find()
        .filter(attendance::Column::MeetingId.is_in(ids.clone()))
        .all(db)
        .await?;
    let count_at = |m: Uuid| came.iter().filter(|a| a.meeting_id == m).count();
    let in_window: Vec<&meeting::Model> = meetings.iter().filter(|m| m.starts_at >= from).collect();
    let held: Vec<&&meeting::Model> = in_window
        .iter()
        .filter(|m| m.status == MeetingStatus::Held)
        .collect();
    let called_off = in_window
        .iter()
        .filter(|m| {
            matches!(
                m.status,
                MeetingStatus::Cancelled | MeetingStatus::Postponed
            )
        })
        .count();
    let attendances: Vec<usize> = held.iter().map(|m| count_at(m.id)).collect();
    #[allow(clippy::cast_precision_loss)]
    let average_attendance = (!attendances.is_empty())
        .then(|| attendances.iter().sum::<usize>() as f64 / attendances.len() as f64);
    let attendance_trend = (attendances.len() >= 2).then(|| {
        i64::try_from(attendances[attendances.len() - 1]).unwrap_or(0)
            - i64::try_from(attendances[0]).unwrap_or(0)
    });
    let last_held = meetings
        .iter()
        .filter(|m| m.status == MeetingStatus::Held)
        .map(|m| m.starts_at)
        .max();
    let days_since_last_held = last_held.map(|t| (at - t).num_days());

    let window_ids: Vec<Uuid> = in_window.iter().map(|m| m.id).collect();
    let mut active: HashSet<Uuid> = came
        .iter()
        .filter(|a| window_ids.contains(&a.meeting_id))
        .map(|a| a.member_id)
        .collect();
    active.extend(
        rsvp::Entity::find()
            .filter(rsvp::Column::MeetingId.is_in(ids.clone()))
            .filter(rsvp::Column::UpdatedAt.gte(from))
            .filter(rsvp::Column::UpdatedAt.lte(at))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.member_id),
    );
    active.extend(
        read::agenda_of(db, &ids)
            .await?
            .into_iter()
            .filter(|i| i.created_at >= from && i.created_at <= at)
            .filter_map(|i| i.proposer_id),
    );

    let memberships = membership::Entity::find()
        .filter(membership_col.eq(id))
        .all(db)
        .await?;
    let conveners = memberships
        .iter()
        .filter(|m| m.role == Role::Convener)
        .filter(|m| m.archived_at.is_none_or(|t| t > at))
        .filter(|m| m.status == MembershipStatus::Active || m.archived_at.is_some_and(|t| t > at))
        .count();
    let stepped_back: Vec<&membership::Model> = memberships
        .iter()
        .filter(|m| m.archived_at.is_some_and(|t| t >= from && t <= at))
        .collect();

    let mut signals = Vec::new();
    match last_held {
        Some(t) if (at - t).num_days() >= policy.stagnant_days => signals.push(Raised {
            signal: Signal::Stagnant,
            reason: format!(
                "no meeting held for {} days (the last on {})",
                (at - t).num_days(),
                day(t)
            ),
        }),
        None if !meetings.is_empty() => signals.push(Raised {
            signal: Signal::Stagnant,
            reason: "no meeting has been held yet".into(),
        }),
        _ => {}
    }
    let due: Vec<&meeting::Model> = meetings
        .iter()
        .filter(|m| {
            matches!(
                m.status,
                MeetingStatus::Held | MeetingStatus::Cancelled | MeetingStatus::Postponed
            )
        })
        .rev()
        .take(3)
        .collect();
    let off: Vec<&&meeting::Model> = due
        .iter()
        .filter(|m| m.status != MeetingStatus::Held)
        .collect();
    let below_quorum = due
        .iter()
        .filter(|m| m.status == MeetingStatus::Held && m.quorum > 0)
        .filter(|m| i32::try_from(count_at(m.id)).unwrap_or(i32::MAX) < m.quorum)
        .count();
    if !due.is_empty() && off.len() * 2 >= due.len() {
        let why: Vec<String> = off
            .iter()
            .rev()
            .map(|m| {
                let what = if m.status == MeetingStatus::Postponed {
                    "postponed"
                } else {
                    "cancelled"
                };
                match &m.cancel_reason {
                    Some(r) => format!("{}: {}", day(m.starts_at), r.trim_end_matches('.')),
                    None => format!("{} {what}", day(m.starts_at)),
                }
            })
            .collect();
        signals.push(Raised {
            signal: Signal::LowAttendance,
            reason: format!(
                "{} of its last {} meetings did not go ahead: {}",
                off.len(),
                due.len(),
                why.join("; ")
            ),
        });
    } else if below_quorum > 0 {
        signals.push(Raised {
            signal: Signal::LowAttendance,
            reason: format!(
                "{below_quorum} of its last {} meetings were below quorum",
                due.len()
            ),
        });
    }
    if conveners == 0 {
        signals.push(Raised {
            signal: Signal::NoConvener,
            reason: "nobody convenes it".into(),
        });
    }
    if let Of::Group(g) = owner
        && let Some(reason) = handover_open(db, g, at).await?
    {
        signals.push(Raised {
            signal: Signal::HandoverOpen,
            reason,
        });
    }
    if !stepped_back.is_empty() {
        signals.push(Raised {
            signal: Signal::MembersSteppingBack,
            reason: format!(
                "{} stepped back in the last {} days",
                stepped_back.len(),
                policy.window_days
            ),
        });
    }
    Ok(Health {
        window_days: policy.window_days,
        meetings_held: u32::try_from(held.len()).unwrap_or(u32::MAX),
        meetings_called_off: u32::try_from(called_off).unwrap_or(u32::MAX),
        average_attendance,
        attendance_trend,
        active_members: u32::try_from(active.len()).unwrap_or(u32::MAX),
        days_since_last_held,
        conveners: u32::try_from(conveners).unwrap_or(u32::MAX),
        signals,
    })
}

/// The live groups `actor` may see that raise at least one signal, with
/// their health, most signals first.
pub async fn groups_needing_attention(
    db: &impl Db,
    actor: &Actor,
    at: DateTime<Utc>,
    policy: HealthPolicy,
) -> Result<Vec<(crate::group::Model, Health)>> {
    let groups = read::groups(db, actor, &read::GroupFilter::default()).await?;
    let mut out = Vec::new();
    for g in groups {
        let h = of(db, Of::Group(g.id), at, policy).await?;
        if !h.signals.is_empty() {
            out.push((g, h));
        }
    }
    out.sort_by_key(|(_, h)| std::cmp::Reverse(h.signals.len()));
    Ok(out)
}

/// The weekly digest: once per ISO week, each group showing warning signs
/// has them posted to the rooms of its projects (one outbox event per
/// linked project). Recorded in `group_digests` in the same transaction,
/// so a week's digest goes out once whatever restarts. Returns how many
/// groups were reported.
pub async fn run_weekly_digest(
    db: &impl Db,
    now: DateTime<Utc>,
    policy: HealthPolicy,
) -> Result<u32> {
    use chrono::Datelike as _;
    use sea_orm::ActiveValue::Set;
    use sea_orm::sea_query::OnConflict;
    let week = format!("{}-W{:02}", now.iso_week().year(), now.iso_week().week());
    let done: HashSet<Uuid> = crate::group_digest::Entity::find()
        .filter(crate::group_digest::Column::Week.eq(week.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.group_id)
        .collect();
    let mut sent = 0;
    for (g, h) in groups_needing_attention(db, &Actor::System, now, policy).await? {
        if done.contains(&g.id) {
            continue;
        }
        let rooms: Vec<crate::project::Model> = crate::project::Entity::find()
            .filter(crate::project::Column::GroupId.eq(g.id))
            .filter(crate::project::Column::ArchivedAt.is_null())
            .filter(crate::project::Column::MatrixRoomId.is_not_null())
            .all(db)
            .await?;
        let txn = super::write_txn(db).await?;
        let inserted = crate::group_digest::Entity::insert(crate::group_digest::ActiveModel {
            group_id: Set(g.id),
            week: Set(week.clone()),
            sent_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                crate::group_digest::Column::GroupId,
                crate::group_digest::Column::Week,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if inserted == 0 {
            continue;
        }
        let signals: Vec<serde_json::Value> = h
            .signals
            .iter()
            .map(|s| serde_json::json!({ "signal": format!("{:?}", s.signal), "reason": s.reason }))
            .collect();
        for p in &rooms {
            super::outbox::emit(
                &txn,
                super::outbox::EventKind::HealthDigest,
                g.id,
                serde_json::json!({
                    "group": g.name,
                    "project_id": p.id,
                    "week": week,
                    "signals": signals,
                }),
            )
            .await?;
        }
        txn.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

/// Why a group's handover is open: one started and not complete, or none
/// started although it succeeds other groups (their people, projects and
/// alliances have not carried over — the seed's Movement Building).
async fn handover_open(db: &impl Db, group: Uuid, at: DateTime<Utc>) -> Result<Option<String>> {
    let preds = read::successions_of(db, true, &[group]).await?;
    if preds.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = crate::group::Entity::find()
        .filter(crate::group::Column::Id.is_in(preds.iter().map(|p| p.predecessor_id)))
        .order_by_asc(crate::group::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.name)
        .collect();
    let names = names.join(" and ");
    let latest = super::handovers::latest_of(db, &[group])
        .await?
        .remove(&group);
    Ok(match latest {
        Some(h) if h.handover.completed_at.is_some_and(|t| t <= at) => None,
        Some(h) if h.handover.started_at <= at => {
            let p = h.progress();
            let open: Vec<&str> = p.open.iter().map(|i| super::handovers::label(*i)).collect();
            Some(format!(
                "the handover from {names} started on {} is not finished: {} of {} items done; still to do: {}",
                day(h.handover.started_at),
                p.done,
                p.total,
                open.join(", ")
            ))
        }
        _ => Some(format!(
            "it succeeds {names}, but no handover was started: their people, projects and alliances have not carried over"
        )),
    })
}
