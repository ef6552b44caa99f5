//! Quorum outlook: for a meeting, who said yes, maybe or no, who has not
//! answered, and how many are expected to come — a forecast from each
//! invitee's answer and their own record of showing up to that group's or
//! project's meetings, so a room can be warned while there is still time to
//! postpone by choice rather than by non-attendance.
//!
//! For each invitee and each answer (yes, maybe, no, none) the chance they
//! come is their own show-up rate after giving that answer, smoothed
//! towards a prior with the weight of [`PRIOR_WEIGHT`] meetings:
//! `(came + prior × weight) / (answered + weight)`. The priors are what a
//! newcomer's answer usually means ([`prior`]). The forecast is the sum of
//! the chances; the meeting is `likely` when it reaches the quorum.
//!
//! Invitees are the active members of the meeting's group or project, plus
//! anyone else who answered.
//!
//! A per-co-op meeting (`per_coop`) counts co-ops, not people: each member
//! co-op once, by its delegates if it named any
//! ([`super::organisations::voices`]). A co-op said yes if any of its voices
//! did, maybe if any said maybe, no if all said no; its chance of coming is
//! that at least one of its voices comes. People who speak for no co-op are
//! left out of the counts, and the outlook says how many.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{Db, read};
use crate::{
    Actor, MeetingStatus, MembershipStatus, Result, RsvpResponse, attendance, meeting, membership,
    rsvp,
};

/// How many meetings' worth of evidence the prior counts for.
pub const PRIOR_WEIGHT: f64 = 2.0;

/// The chance that someone with no record comes, given their answer.
pub fn prior(answer: Option<RsvpResponse>) -> f64 {
    match answer {
        Some(RsvpResponse::Yes) => 0.85,
        Some(RsvpResponse::Maybe) => 0.5,
        Some(RsvpResponse::No) => 0.05,
        None => 0.25,
    }
}

/// A meeting's outlook.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlook {
    pub quorum: i32,
    pub invited: u32,
    pub confirmed: u32,
    pub maybe: u32,
    pub declined: u32,
    pub no_reply: u32,
    /// Expected attendance.
    pub forecast: f64,
    /// Whether the forecast reaches the quorum.
    pub likely: bool,
    /// Whether the counts are of co-ops (each once) rather than people.
    pub per_coop: bool,
    /// People who said yes (the same as `confirmed` unless per co-op).
    pub people_confirmed: u32,
    /// Per co-op: people left out of the counts (no member co-op, or not a
    /// delegate of a co-op that named delegates).
    pub not_counted: u32,
}

impl Outlook {
    /// What the counts are of, in words, for the API and the room.
    pub fn counting(&self) -> String {
        if self.per_coop {
            let left_out = if self.not_counted > 0 {
                format!(
                    "; {} {} who speak for no co-op here not counted",
                    self.not_counted,
                    if self.not_counted == 1 {
                        "person"
                    } else {
                        "people"
                    }
                )
            } else {
                String::new()
            };
            format!(
                "counted per co-op (each co-op once, by its delegates if it named any): {} co-op(s) said yes, {} people{left_out}",
                self.confirmed, self.people_confirmed
            )
        } else {
            "counted per person".to_owned()
        }
    }
}

/// A member's record with one group or project: for each answer they gave
/// (or none), how many held meetings and how many they came to.
type Record = HashMap<(Uuid, Option<RsvpResponse>), (u32, u32)>;

fn owner_key(m: &meeting::Model) -> Option<Uuid> {
    m.project_id.or(m.group_id)
}

/// The chance `member` comes, given their `answer` and `record`.
pub fn chance(record: &Record, member: Uuid, answer: Option<RsvpResponse>) -> f64 {
    let (answered, came) = record.get(&(member, answer)).copied().unwrap_or((0, 0));
    (f64::from(came) + prior(answer) * PRIOR_WEIGHT) / (f64::from(answered) + PRIOR_WEIGHT)
}

/// The outlooks of these meetings (those `actor` may see), in a fixed
/// number of statements whatever their number.
pub async fn outlooks(
    db: &impl Db,
    actor: &Actor,
    meeting_ids: &[Uuid],
) -> Result<HashMap<Uuid, Outlook>> {
    let meetings = read::meetings_by_ids(db, actor, meeting_ids).await?;
    let owners: HashSet<Uuid> = meetings.iter().filter_map(owner_key).collect();
    if meetings.is_empty() {
        return Ok(HashMap::new());
    }
    let owner_list: Vec<Uuid> = owners.iter().copied().collect();
    let members = membership::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(membership::Column::GroupId.is_in(owner_list.clone()))
                .add(membership::Column::ProjectId.is_in(owner_list.clone())),
        )
        .filter(membership::Column::ArchivedAt.is_null())
        .filter(membership::Column::Status.eq(MembershipStatus::Active))
        .all(db)
        .await?;
    let held = meeting::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(meeting::Column::GroupId.is_in(owner_list.clone()))
                .add(meeting::Column::ProjectId.is_in(owner_list)),
        )
        .filter(meeting::Column::Status.eq(MeetingStatus::Held))
        .all(db)
        .await?;
    let mut ids: Vec<Uuid> = held.iter().map(|m| m.id).collect();
    ids.extend(meetings.iter().map(|m| m.id));
    let answers = rsvp::Entity::find()
        .filter(rsvp::Column::MeetingId.is_in(ids.clone()))
        .all(db)
        .await?;
    let came = attendance::Entity::find()
        .filter(attendance::Column::MeetingId.is_in(ids))
        .all(db)
        .await?;

    let answer_of: HashMap<(Uuid, Uuid), RsvpResponse> = answers
        .iter()
        .map(|r| ((r.meeting_id, r.member_id), r.response))
        .collect();
    let attended: HashSet<(Uuid, Uuid)> =
        came.iter().map(|a| (a.meeting_id, a.member_id)).collect();
    let mut invitees: HashMap<Uuid, HashSet<Uuid>> = HashMap::new();
    let mut joined: HashMap<(Uuid, Uuid), chrono::DateTime<chrono::Utc>> = HashMap::new();
    for m in &members {
        if let Some(owner) = m.project_id.or(m.group_id) {
            invitees.entry(owner).or_default().insert(m.member_id);
            joined.insert((owner, m.member_id), m.since);
        }
    }
    // Each owner's record: over its held meetings, for its invitees and
    // anyone who answered or came.
    let mut records: HashMap<Uuid, Record> = HashMap::new();
    for h in &held {
        let Some(owner) = owner_key(h) else { continue };
        // Members count for the meetings held after they joined.
        let mut people: HashSet<Uuid> = invitees
            .get(&owner)
            .map(|ps| {
                ps.iter()
                    .copied()
                    .filter(|p| {
                        joined
                            .get(&(owner, *p))
                            .is_some_and(|since| *since <= h.starts_at)
                    })
                    .collect()
            })
            .unwrap_or_default();
        people.extend(
            answers
                .iter()
                .filter(|r| r.meeting_id == h.id)
                .map(|r| r.member_id),
        );
        people.extend(
            came.iter()
                .filter(|a| a.meeting_id == h.id)
                .map(|a| a.member_id),
        );
        let record = records.entry(owner).or_default();
        for p in people {
            let entry = record
                .entry((p, answer_of.get(&(h.id, p)).copied()))
                .or_insert((0, 0));
            entry.0 += 1;
            if attended.contains(&(h.id, p)) {
                entry.1 += 1;
            }
        }
    }

    let voice = if meetings.iter().any(|m| m.per_coop) {
        let everyone: Vec<Uuid> = invitees
            .values()
            .flatten()
            .copied()
            .chain(answers.iter().map(|r| r.member_id))
            .collect();
        super::organisations::voices(db, &everyone).await?
    } else {
        HashMap::new()
    };
    let empty = Record::new();
    let mut out = HashMap::new();
    for m in &meetings {
        let owner = owner_key(m);
        let mut people: HashSet<Uuid> = owner
            .and_then(|o| invitees.get(&o))
            .cloned()
            .unwrap_or_default();
        people.extend(
            answers
                .iter()
                .filter(|r| r.meeting_id == m.id)
                .map(|r| r.member_id),
        );
        let record = owner.and_then(|o| records.get(&o)).unwrap_or(&empty);
        let mut o = Outlook {
            quorum: m.quorum,
            invited: 0,
            confirmed: 0,
            maybe: 0,
            declined: 0,
            no_reply: 0,
            forecast: 0.0,
            likely: false,
            per_coop: m.per_coop,
            people_confirmed: 0,
            not_counted: 0,
        };
        if m.per_coop {
            per_coop(&mut o, m.id, &people, &voice, &answer_of, record);
            out.insert(m.id, o);
            continue;
        }
        for p in people {
            let answer = answer_of.get(&(m.id, p)).copied();
            o.invited += 1;
            match answer {
                Some(RsvpResponse::Yes) => o.confirmed += 1,
                Some(RsvpResponse::Maybe) => o.maybe += 1,
                Some(RsvpResponse::No) => o.declined += 1,
                None => o.no_reply += 1,
            }
            o.forecast += chance(record, p, answer);
        }
        o.people_confirmed = o.confirmed;
        o.likely = o.forecast >= f64::from(m.quorum);
        out.insert(m.id, o);
    }
    Ok(out)
}

/// Fills a per-co-op outlook: the co-ops' answers and their chance that
/// at least one of their voices comes.
fn per_coop<S: std::hash::BuildHasher, T: std::hash::BuildHasher>(
    o: &mut Outlook,
    meeting: Uuid,
    people: &HashSet<Uuid, S>,
    voice: &HashMap<Uuid, Uuid, T>,
    answer_of: &HashMap<(Uuid, Uuid), RsvpResponse>,
    record: &Record,
) {
    let mut coops: HashMap<Uuid, Vec<Option<RsvpResponse>>> = HashMap::new();
    let mut absent: HashMap<Uuid, f64> = HashMap::new();
    for p in people {
        let answer = answer_of.get(&(meeting, *p)).copied();
        if answer == Some(RsvpResponse::Yes) {
            o.people_confirmed += 1;
        }
        let Some(c) = voice.get(p) else {
            o.not_counted += 1;
            continue;
        };
        coops.entry(*c).or_default().push(answer);
        *absent.entry(*c).or_insert(1.0) *= 1.0 - chance(record, *p, answer);
    }
    for (c, answers) in &coops {
        o.invited += 1;
        if answers.contains(&Some(RsvpResponse::Yes)) {
            o.confirmed += 1;
        } else if answers.contains(&Some(RsvpResponse::Maybe)) {
            o.maybe += 1;
        } else if answers.iter().all(|a| *a == Some(RsvpResponse::No)) {
            o.declined += 1;
        } else {
            o.no_reply += 1;
        }
        o.forecast += 1.0 - absent.get(c).copied().unwrap_or(1.0);
    }
    o.likely = o.forecast >= f64::from(o.quorum);
}

/// The members invited to a meeting: the active members of its group or
/// project.
pub async fn invitees(db: &impl Db, m: &meeting::Model) -> Result<Vec<Uuid>> {
    let Some(owner) = owner_key(m) else {
        return Ok(Vec::new());
    };
    let column = if m.project_id.is_some() {
        membership::Column::ProjectId
    } else {
        membership::Column::GroupId
    };
    let mut ids: Vec<Uuid> = membership::Entity::find()
        .filter(column.eq(owner))
        .filter(membership::Column::ArchivedAt.is_null())
        .filter(membership::Column::Status.eq(MembershipStatus::Active))
        .all(db)
        .await?
        .into_iter()
        .map(|ms| ms.member_id)
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chances_shrink_towards_the_prior() {
        let a = Uuid::now_v7();
        let mut record = Record::new();
        assert!(
            (chance(&record, a, Some(RsvpResponse::Yes)) - 0.85).abs() < 1e-9,
            "no record: the prior"
        );
        record.insert((a, Some(RsvpResponse::Yes)), (3, 3));
        assert!((chance(&record, a, Some(RsvpResponse::Yes)) - 0.94).abs() < 1e-9);
        record.insert((a, Some(RsvpResponse::Yes)), (2, 0));
        assert!((chance(&record, a, Some(RsvpResponse::Yes)) - 0.425).abs() < 1e-9);
    }
}
