//! Outreach — phone banking and visits to member co-ops. An outreach
//! project holds a contact for each co-op to reach: who is calling it now,
//! where it stands (`to_contact`, `no_answer`, `talked`, `interested`,
//! `not_now`), dated outcome notes and the next step's date.
//!
//! [`next`] hands the asking volunteer the next co-op to call and holds it
//! for them: the claim is one conditional `UPDATE … WHERE assigned IS NULL`,
//! so two volunteers asking at once never get the same co-op, on either
//! database. Logging the call ([`log`]) releases it; a claim nobody logged
//! for [`CLAIM_HOURS`] is free again, so a volunteer who vanished does not
//! lock a co-op away. Volunteers with a claim get the same co-op back until
//! they log it.
//!
//! Contacts are private to the project: its members, its group's members
//! and admins see and work them (they hold notes about other co-ops).

use chrono::{Duration, NaiveDate};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::outbox::{EventKind, emit, emit_row};
use super::validate;
use super::{Db, new_id, now, read, write_txn};
use crate::policy::{self, Owner};
use crate::{
    Actor, ContactStatus, DomainError, Result, Visibility, contact, member, organisation, project,
};

/// How long a volunteer holds a co-op they were given without logging it.
pub const CLAIM_HOURS: i64 = 48;

/// Longest note a call may add.
pub const NOTE_MAX: usize = 2_000;

/// A contact with its organisation.
#[derive(Debug, Clone)]
pub struct Contact {
    pub contact: contact::Model,
    pub organisation: organisation::Model,
}

/// Where an outreach project stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub total: u32,
    /// Every status with its count, in the vocabulary's order.
    pub by_status: Vec<(ContactStatus, u32)>,
    /// Being called right now (claimed, not yet logged).
    pub in_progress: u32,
    /// Reached: talked, interested or not now.
    pub reached: u32,
}

async fn works_on(db: &impl Db, actor: &Actor, project_id: Uuid) -> Result<project::Model> {
    policy::require_member(actor, "work on outreach")?;
    let p = read::visible_project(db, actor, project_id, "project_id").await?;
    if !policy::can_see(actor, Visibility::Private, Owner::project(p.id, p.group_id)) {
        return Err(DomainError::Forbidden(format!(
            "work on {}'s outreach: only its members, its group's members and admins may",
            p.name
        )));
    }
    Ok(p)
}

/// Adds co-ops to call to an outreach project (its conveners). Ones already
/// there are left as they are. Returns the contacts added.
#[tracing::instrument(skip_all)]
pub async fn add_contacts(
    db: &impl Db,
    actor: &Actor,
    project_id: Uuid,
    organisation_ids: &[Uuid],
) -> Result<Vec<Contact>> {
    if organisation_ids.is_empty() {
        return Err(DomainError::invalid(
            "organisation_ids",
            "give at least one organisation to contact",
        ));
    }
    let txn = write_txn(db).await?;
    let p = works_on(&txn, actor, project_id).await?;
    policy::require_convener(
        actor,
        Owner::project(p.id, p.group_id),
        "add contacts to this project",
    )?;
    let existing: Vec<Uuid> = contact::Entity::find()
        .filter(contact::Column::ProjectId.eq(p.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| c.organisation_id)
        .collect();
    let t = now();
    let mut added = Vec::new();
    let mut ids = organisation_ids.to_vec();
    ids.sort();
    ids.dedup();
    for org in ids {
        let o = read::live_organisation(&txn, org, "organisation_ids").await?;
        if existing.contains(&org) {
            continue;
        }
        let c = contact::ActiveModel {
            id: Set(new_id()),
            project_id: Set(p.id),
            organisation_id: Set(org),
            assigned_member_id: Set(None),
            assigned_at: Set(None),
            status: Set(ContactStatus::ToContact),
            notes: Set(String::new()),
            next_step_on: Set(None),
            updated_by_id: Set(actor.member_id()),
            created_at: Set(t),
            updated_at: Set(t),
        }
        .insert(&txn)
        .await?;
        added.push(Contact {
            contact: c,
            organisation: o,
        });
    }
    emit(
        &txn,
        EventKind::ContactsAdded,
        p.id,
        json!({ "project_id": p.id, "added": added.len() }),
    )
    .await?;
    txn.commit().await?;
    Ok(added)
}

/// The contacts of an outreach project, by organisation name.
#[tracing::instrument(skip_all)]
pub async fn contacts(
    db: &impl Db,
    actor: &Actor,
    project_id: Uuid,
    status: Option<ContactStatus>,
) -> Result<Vec<Contact>> {
    works_on(db, actor, project_id).await?;
    let mut q = contact::Entity::find().filter(contact::Column::ProjectId.eq(project_id));
    if let Some(s) = status {
        q = q.filter(contact::Column::Status.eq(s));
    }
    with_organisations(db, q.all(db).await?).await
}

async fn with_organisations(db: &impl Db, rows: Vec<contact::Model>) -> Result<Vec<Contact>> {
    let orgs = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(rows.iter().map(|c| c.organisation_id)))
        .all(db)
        .await?;
    let mut out: Vec<Contact> = rows
        .into_iter()
        .filter_map(|c| {
            let o = orgs.iter().find(|o| o.id == c.organisation_id)?.clone();
            Some(Contact {
                contact: c,
                organisation: o,
            })
        })
        .collect();
    out.sort_by(|a, b| a.organisation.name.cmp(&b.organisation.name));
    Ok(out)
}

/// Where an outreach project stands.
#[tracing::instrument(skip_all)]
pub async fn progress(db: &impl Db, actor: &Actor, project_id: Uuid) -> Result<Progress> {
    works_on(db, actor, project_id).await?;
    let rows = contact::Entity::find()
        .filter(contact::Column::ProjectId.eq(project_id))
        .all(db)
        .await?;
    let stale = now() - Duration::hours(CLAIM_HOURS);
    let count = |f: &dyn Fn(&contact::Model) -> bool| {
        u32::try_from(rows.iter().filter(|c| f(c)).count()).unwrap_or(u32::MAX)
    };
    Ok(Progress {
        total: count(&|_| true),
        by_status: ContactStatus::ALL
            .iter()
            .map(|s| (*s, count(&|c| c.status == *s)))
            .collect(),
        in_progress: count(&|c| {
            c.assigned_member_id.is_some() && c.assigned_at.is_some_and(|t| t > stale)
        }),
        reached: count(&|c| {
            matches!(
                c.status,
                ContactStatus::Talked | ContactStatus::Interested | ContactStatus::NotNow
            )
        }),
    })
}

/// Gives the volunteer the next co-op to call and holds it for them; the
/// one they already hold, if any. `None` when nobody is left to call today.
///
/// Next means: never reached and not held by anyone (or held longer than
/// [`CLAIM_HOURS`]), whose next step is due; those never tried first, then
/// those who did not answer, longest ago first.
#[tracing::instrument(skip_all)]
pub async fn next(db: &impl Db, actor: &Actor, project_id: Uuid) -> Result<Option<Contact>> {
    let me = actor.member_id().ok_or_else(|| {
        DomainError::Forbidden("take calls: only members make outreach calls".into())
    })?;
    let txn = write_txn(db).await?;
    works_on(&txn, actor, project_id).await?;
    let t = now();
    let stale = t - Duration::hours(CLAIM_HOURS);
    let mine = contact::Entity::find()
        .filter(contact::Column::ProjectId.eq(project_id))
        .filter(contact::Column::AssignedMemberId.eq(me))
        .filter(contact::Column::AssignedAt.gt(stale))
        .one(&txn)
        .await?;
    if let Some(c) = mine {
        let out = with_organisations(&txn, vec![c]).await?.pop();
        txn.commit().await?;
        return Ok(out);
    }
    let today = t.date_naive();
    let mut candidates = contact::Entity::find()
        .filter(contact::Column::ProjectId.eq(project_id))
        .filter(contact::Column::Status.is_in([ContactStatus::ToContact, ContactStatus::NoAnswer]))
        .filter(
            sea_orm::Condition::any()
                .add(contact::Column::AssignedMemberId.is_null())
                .add(contact::Column::AssignedAt.lte(stale)),
        )
        .filter(
            sea_orm::Condition::any()
                .add(contact::Column::NextStepOn.is_null())
                .add(contact::Column::NextStepOn.lte(today)),
        )
        .order_by_asc(contact::Column::UpdatedAt)
        .order_by_asc(contact::Column::Id)
        .all(&txn)
        .await?;
    candidates.sort_by_key(|c| c.status != ContactStatus::ToContact);
    for c in candidates {
        // The claim: only if nobody (live) holds it at this instant.
        let claimed = contact::Entity::update_many()
            .col_expr(contact::Column::AssignedMemberId, Expr::value(me))
            .col_expr(contact::Column::AssignedAt, Expr::value(t))
            .filter(contact::Column::Id.eq(c.id))
            .filter(
                sea_orm::Condition::any()
                    .add(contact::Column::AssignedMemberId.is_null())
                    .add(contact::Column::AssignedAt.lte(stale)),
            )
            .exec(&txn)
            .await?
            .rows_affected;
        if claimed == 1 {
            let row = read::get::<contact::Entity>(&txn, c.id, "contact", "id").await?;
            emit_row(&txn, EventKind::ContactLogged, row.id, &row).await?;
            let out = with_organisations(&txn, vec![row]).await?.pop();
            txn.commit().await?;
            return Ok(out);
        }
    }
    txn.commit().await?;
    Ok(None)
}

/// What a volunteer says about a call.
#[derive(Debug, Clone)]
pub struct CallLog {
    pub project_id: Uuid,
    /// The organisation: its id, slug, or (part of) its name.
    pub organisation: String,
    pub status: ContactStatus,
    pub note: Option<String>,
    pub next_step_on: Option<NaiveDate>,
}

/// Records a call or visit: its outcome, a dated note, the next step's
/// date; releases the volunteer's hold on the co-op. Someone else's live
/// hold is respected (conveners may still log).
#[tracing::instrument(skip_all)]
pub async fn log(db: &impl Db, actor: &Actor, input: CallLog) -> Result<Contact> {
    let note = validate::optional("note", input.note.as_deref(), NOTE_MAX)?;
    let txn = write_txn(db).await?;
    let p = works_on(&txn, actor, input.project_id).await?;
    let all = with_organisations(
        &txn,
        contact::Entity::find()
            .filter(contact::Column::ProjectId.eq(p.id))
            .all(&txn)
            .await?,
    )
    .await?;
    let c = find(&all, &input.organisation)?.clone();
    let t = now();
    let me = actor.member_id();
    let held_by_other = c.contact.assigned_member_id.is_some_and(|a| Some(a) != me)
        && c.contact
            .assigned_at
            .is_some_and(|at| at > t - Duration::hours(CLAIM_HOURS));
    if held_by_other && !policy::convenes(actor, Owner::project(p.id, p.group_id)) {
        let who = match c.contact.assigned_member_id {
            Some(m) => {
                read::get::<member::Entity>(&txn, m, "member", "id")
                    .await?
                    .display_name
            }
            None => "someone".into(),
        };
        return Err(DomainError::state(
            "organisation",
            format!(
                "{who} is calling {} now; ask !calls next for another co-op",
                c.organisation.name
            ),
        ));
    }
    let by = match me {
        Some(m) => {
            read::get::<member::Entity>(&txn, m, "member", "id")
                .await?
                .display_name
        }
        None => "Muster".into(),
    };
    let mut line = format!("{} {by}: {}", t.format("%Y-%m-%d"), input.status);
    if let Some(n) = &note {
        line.push_str(" — ");
        line.push_str(n);
    }
    let notes = if c.contact.notes.is_empty() {
        line
    } else {
        format!("{}\n{line}", c.contact.notes)
    };
    let mut am = c.contact.clone().into_active_model();
    am.status = Set(input.status);
    am.notes = Set(notes);
    am.assigned_member_id = Set(None);
    am.assigned_at = Set(None);
    if input.next_step_on.is_some() {
        am.next_step_on = Set(input.next_step_on);
    }
    am.updated_by_id = Set(me);
    am.updated_at = Set(t);
    let row = am.update(&txn).await?;
    emit_row(&txn, EventKind::ContactLogged, row.id, &row).await?;
    txn.commit().await?;
    Ok(Contact {
        contact: row,
        organisation: c.organisation,
    })
}

/// The one contact `query` names: an id, a slug, a whole name, or a unique
/// part of a name (case-insensitive).
fn find<'a>(all: &'a [Contact], query: &str) -> Result<&'a Contact> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Err(DomainError::invalid(
            "organisation",
            "say which co-op: its name or slug",
        ));
    }
    if let Some(c) = all.iter().find(|c| {
        c.organisation.id.to_string() == q
            || c.organisation.slug == q
            || c.organisation.name.to_lowercase() == q
    }) {
        return Ok(c);
    }
    let matches: Vec<&Contact> = all
        .iter()
        .filter(|c| c.organisation.name.to_lowercase().contains(&q))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(DomainError::invalid(
            "organisation",
            format!(
                "no co-op on this project's list matches '{query}'; check the name (see !calls)"
            ),
        )),
        many => Err(DomainError::invalid(
            "organisation",
            format!(
                "'{query}' matches {}: {}; use more of the name or its slug",
                many.len(),
                many.iter()
                    .map(|c| c.organisation.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}
