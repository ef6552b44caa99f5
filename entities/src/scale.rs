//! Generated volume for benchmarks and load tests (`muster seed scale`):
//! organisations, members, groups, projects with their members, meetings
//! (half held, half to come) and RSVPs, in the shape of a real federation
//! but as many as asked for.
//!
//! Unlike [`crate::demo`] it does not go through the use cases: it writes
//! rows in batches (one multi-row `INSERT` per [`BATCH`] rows, in one
//! transaction), because a benchmark needs hundreds of thousands of rows in
//! seconds. The values are valid by construction (unique slugs, a
//! membership for every RSVP, times in order); nothing goes to the outbox,
//! as nobody needs telling about generated data.

use chrono::Duration;
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};
use serde_json::json;
use uuid::Uuid;

use crate::domain::{Db, new_id, now, write_txn};
use crate::{
    DomainError, GroupStatus, Involvement, MeetingFormat, MeetingKind, MeetingStatus,
    MembershipStatus, OrganisationKind, ProjectStatus, Result, Role, RsvpResponse, Visibility,
    attendance, group, meeting, member, membership, organisation, project, rsvp,
};

/// Rows per `INSERT`.
pub const BATCH: usize = 1_000;

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub groups: usize,
    /// Per group.
    pub projects: usize,
    /// Per project: half held in the past, half to come.
    pub meetings: usize,
    /// Per meeting (at most the project's members).
    pub rsvps: usize,
    pub members: usize,
    pub organisations: usize,
}

impl Default for Scale {
    /// The benchmark's data set: 20 groups × 10 projects × 20 meetings ×
    /// 15 RSVPs, 500 members, 100 organisations.
    fn default() -> Self {
        Self {
            groups: 20,
            projects: 10,
            meetings: 20,
            rsvps: 15,
            members: 500,
            organisations: 100,
        }
    }
}

impl Scale {
    /// Rows it will write in all.
    pub fn rows(&self) -> u64 {
        let projects = self.groups * self.projects;
        let meetings = projects * self.meetings;
        let per_project = self.rsvps.min(self.members);
        let held = projects * (self.meetings / 2);
        let total = self.organisations
            + self.members
            + self.groups
            + projects
            + projects * per_project
            + meetings
            + meetings * per_project
            + held * per_project.div_ceil(2);
        u64::try_from(total).unwrap_or(u64::MAX)
    }
}

/// Writes the rows once a batch is full.
async fn flush_full<E, A>(
    db: &impl Db,
    rows: &mut Vec<A>,
    done: &mut u64,
    progress: &mut impl FnMut(u64),
) -> Result<()>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    if rows.len() < BATCH {
        return Ok(());
    }
    flush(db, rows, done, progress).await
}

/// Writes the rows held, then reports the rows written so far.
async fn flush<E, A>(
    db: &impl Db,
    rows: &mut Vec<A>,
    done: &mut u64,
    progress: &mut impl FnMut(u64),
) -> Result<()>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    if rows.is_empty() {
        return Ok(());
    }
    let n = rows.len();
    E::insert_many(std::mem::take(rows))
        .exec_without_returning(db)
        .await?;
    *done += u64::try_from(n).unwrap_or(0);
    progress(*done);
    Ok(())
}

/// Generates `scale` into an empty database (refuses one with groups), in
/// one transaction. `progress` hears the rows written so far.
pub async fn seed(db: &impl Db, scale: Scale, mut progress: impl FnMut(u64)) -> Result<u64> {
    if group::Entity::find().count(db).await? > 0 {
        return Err(DomainError::state(
            "database",
            "the database already has groups: generate volume into an empty one",
        ));
    }
    if scale.members == 0 || scale.organisations == 0 {
        return Err(DomainError::invalid(
            "members",
            "give at least one member and one organisation",
        ));
    }
    let txn = write_txn(db).await?;
    let db = &txn;
    let t = now();
    let mut done = 0u64;

    let mut orgs = Vec::new();
    let mut rows = Vec::new();
    for i in 0..scale.organisations {
        let id = new_id();
        orgs.push(id);
        rows.push(organisation::ActiveModel {
            id: Set(id),
            slug: Set(format!("co-op-{i}")),
            name: Set(format!("Worker Co-op {i}")),
            kind: Set(OrganisationKind::MemberCoop),
            website: Set(Some(format!("https://coop-{i}.example.coop"))),
            country: Set(Some("GB".into())),
            is_member_coop: Set(true),
            created_at: Set(t),
            updated_at: Set(t),
            archived_at: Set(None),
        });
        flush_full(db, &mut rows, &mut done, &mut progress).await?;
    }
    flush(db, &mut rows, &mut done, &mut progress).await?;

    let mut people = Vec::new();
    let mut rows = Vec::new();
    for i in 0..scale.members {
        let id = new_id();
        people.push(id);
        rows.push(member::ActiveModel {
            id: Set(id),
            display_name: Set(format!("Member {i}")),
            email: Set(Some(format!("member{i}@example.coop"))),
            phone: Set(None),
            matrix_user_id: Set(Some(format!("@member{i}:example.org"))),
            organisation_id: Set(Some(orgs[i % orgs.len()])),
            is_admin: Set(false),
            joined_at: Set(t),
            created_at: Set(t),
            updated_at: Set(t),
            archived_at: Set(None),
            calendar_secret_hash: Set(None),
        });
        flush_full(db, &mut rows, &mut done, &mut progress).await?;
    }
    flush(db, &mut rows, &mut done, &mut progress).await?;

    let mut groups = Vec::new();
    let mut rows = Vec::new();
    for g in 0..scale.groups {
        let id = new_id();
        groups.push(id);
        rows.push(group::ActiveModel {
            id: Set(id),
            slug: Set(format!("group-{g}")),
            name: Set(format!("Working Group {g}")),
            purpose: Set(format!("What working group {g} is here to do.")),
            domains: Set(json!(["organising", "education"])),
            status: Set(GroupStatus::Active),
            visibility: Set(Visibility::Public),
            reporting_line: Set(Some("the board".into())),
            time_zone: Set("Europe/London".into()),
            created_at: Set(t),
            updated_at: Set(t),
            archived_at: Set(None),
        });
    }
    flush(db, &mut rows, &mut done, &mut progress).await?;

    let mut projects = Vec::new();
    let mut rows = Vec::new();
    for (g, gid) in groups.iter().enumerate() {
        for p in 0..scale.projects {
            let id = new_id();
            projects.push(id);
            rows.push(project::ActiveModel {
                id: Set(id),
                group_id: Set(*gid),
                slug: Set(format!("project-{g}-{p}")),
                name: Set(format!("Project {g}.{p}")),
                goal: Set(format!("The goal of project {p} of group {g}.")),
                status: Set(ProjectStatus::Active),
                starts_on: Set(None),
                ends_on: Set(None),
                visibility: Set(Visibility::Public),
                time_zone: Set(None),
                matrix_room_id: Set(None),
                created_at: Set(t),
                updated_at: Set(t),
                archived_at: Set(None),
            });
            flush_full(db, &mut rows, &mut done, &mut progress).await?;
        }
    }
    flush(db, &mut rows, &mut done, &mut progress).await?;

    // Each project's people: a window of the members, shifted per project.
    let per_project = scale.rsvps.min(people.len());
    let team = |p: usize| -> Vec<Uuid> {
        (0..per_project)
            .map(|k| people[(p * 7 + k) % people.len()])
            .collect()
    };
    let mut rows = Vec::new();
    for (p, pid) in projects.iter().enumerate() {
        for (k, m) in team(p).into_iter().enumerate() {
            rows.push(membership::ActiveModel {
                id: Set(new_id()),
                member_id: Set(m),
                group_id: Set(None),
                project_id: Set(Some(*pid)),
                role: Set(if k == 0 { Role::Convener } else { Role::Member }),
                involvement: Set(Involvement::Delivery),
                commitment_hours: Set(Some(4)),
                role_id: Set(None),
                status: Set(MembershipStatus::Active),
                since: Set(t - Duration::days(400)),
                until: Set(None),
                created_at: Set(t),
                updated_at: Set(t),
                archived_at: Set(None),
            });
            flush_full(db, &mut rows, &mut done, &mut progress).await?;
        }
    }
    flush(db, &mut rows, &mut done, &mut progress).await?;

    let start = now();
    let mut meetings = Vec::new();
    let mut rows = Vec::new();
    for (p, pid) in projects.iter().enumerate() {
        for k in 0..scale.meetings {
            let id = new_id();
            // Half held, a week apart going back; half to come.
            let offset =
                i64::try_from(k).unwrap_or(0) - i64::try_from(scale.meetings / 2).unwrap_or(0);
            let starts_at = start + Duration::days(offset * 7 + 1) + Duration::hours(18);
            let held = offset < 0;
            meetings.push((id, p, held));
            rows.push(meeting::ActiveModel {
                id: Set(id),
                group_id: Set(None),
                project_id: Set(Some(*pid)),
                title: Set(format!("Meeting {k}")),
                kind: Set(MeetingKind::Meeting),
                format: Set(MeetingFormat::Open),
                starts_at: Set(starts_at),
                ends_at: Set(starts_at + Duration::hours(1)),
                time_zone: Set("Europe/London".into()),
                location: Set(Some("The co-op hall".into())),
                status: Set(if held {
                    MeetingStatus::Held
                } else {
                    MeetingStatus::Scheduled
                }),
                quorum: Set(5),
                visibility: Set(Visibility::Public),
                postponed_from_id: Set(None),
                cancel_reason: Set(None),
                minutes: Set(None),
                quorum_confirmed_at: Set(None),
                per_coop: Set(false),
                created_at: Set(t),
                updated_at: Set(t),
            });
            flush_full(db, &mut rows, &mut done, &mut progress).await?;
        }
    }
    flush(db, &mut rows, &mut done, &mut progress).await?;

    let answers = [
        RsvpResponse::Yes,
        RsvpResponse::Yes,
        RsvpResponse::Maybe,
        RsvpResponse::No,
    ];
    let mut rows = Vec::new();
    let mut came = Vec::new();
    for (i, (mid, p, held)) in meetings.iter().enumerate() {
        for (k, m) in team(*p).into_iter().enumerate() {
            let response = answers[(i + k) % answers.len()];
            rows.push(rsvp::ActiveModel {
                id: Set(new_id()),
                meeting_id: Set(*mid),
                member_id: Set(m),
                response: Set(response),
                created_at: Set(t),
                updated_at: Set(t),
            });
            if *held && k % 2 == 0 {
                came.push(attendance::ActiveModel {
                    meeting_id: Set(*mid),
                    member_id: Set(m),
                    recorded_at: Set(t),
                });
            }
            flush_full(db, &mut rows, &mut done, &mut progress).await?;
            flush_full(db, &mut came, &mut done, &mut progress).await?;
        }
    }
    flush(db, &mut rows, &mut done, &mut progress).await?;
    flush(db, &mut came, &mut done, &mut progress).await?;
    txn.commit().await?;
    Ok(done)
}
