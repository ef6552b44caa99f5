//! Handovers: a group that replaces others (`succeeds`) inherits their
//! people, projects, alliances and open work by a tracked handover, not by
//! goodwill — the seed's Movement Building lost Mobilising's people because
//! nobody carried them over.
//!
//! [`start`] (the successor's conveners or an admin) opens the checklist
//! ([`HandoverItemKind`]) and invites every active member of the old groups
//! (and of their projects) to the new one: a `pending` membership that keeps
//! their involvement and hours, which they accept by joining (`!accept` in
//! an old room, or `joinGroup`). The bridge posts the invitation to the old
//! groups' rooms.
//!
//! [`complete_item`] ticks an item off, and does what it says where Muster
//! can: `projects_moved` moves the old groups' open projects, their open
//! group-level actions (renumbered after the successor's) and open agenda
//! items (onto the successor's next meeting); `alliances_moved` moves the
//! alliances still in force. `old_room_closed` comes last: it completes the
//! handover, marks the old groups closed, and has the bridge close the old
//! rooms that did not move with a project, with a final notice pointing to
//! the successor's room (and a room tombstone where there is one to point
//! to).

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::outbox::{EventKind, emit};
use super::{Db, new_id, now, read, write_txn};
use crate::policy::{self, Owner};
use crate::{
    Actor, AgendaItemStatus, AllianceStatus, DomainError, GroupStatus, HandoverItemKind,
    MeetingStatus, MembershipStatus, ProjectStatus, Result, Role, action, agenda_item, alliance,
    group, handover, handover_item, meeting, membership, project,
};

/// A handover with its checklist, in order.
#[derive(Debug, Clone)]
pub struct Handover {
    pub handover: handover::Model,
    pub items: Vec<handover_item::Model>,
}

/// How far a handover has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
    /// Whole per cent, rounded down.
    pub percent: u32,
    /// The items still to do, in order.
    pub open: Vec<HandoverItemKind>,
}

impl Handover {
    /// How far it has come.
    pub fn progress(&self) -> Progress {
        let total = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        let open: Vec<HandoverItemKind> = self
            .items
            .iter()
            .filter(|i| i.done_at.is_none())
            .map(|i| i.item)
            .collect();
        let done = total - u32::try_from(open.len()).unwrap_or(total);
        Progress {
            done,
            total,
            percent: (done * 100).checked_div(total).unwrap_or(100),
            open,
        }
    }
}

/// What an item means, in words (the bridge and the API say it this way).
pub fn label(item: HandoverItemKind) -> &'static str {
    match item {
        HandoverItemKind::PurposeAgreed => "purpose and domains agreed",
        HandoverItemKind::ProjectsMoved => "open projects, actions and agenda items moved",
        HandoverItemKind::AlliancesMoved => "alliances moved",
        HandoverItemKind::ContactsHandedOver => "contacts handed over",
        HandoverItemKind::OldRoomClosed => "old room closed with a pointer to the new one",
    }
}

async fn predecessors(db: &impl Db, successor: Uuid) -> Result<Vec<group::Model>> {
    let ids: Vec<Uuid> = read::successions_of(db, true, &[successor])
        .await?
        .into_iter()
        .map(|s| s.predecessor_id)
        .collect();
    Ok(group::Entity::find()
        .filter(group::Column::Id.is_in(ids))
        .order_by_asc(group::Column::Name)
        .all(db)
        .await?)
}

async fn load(db: &impl Db, h: handover::Model) -> Result<Handover> {
    let items = handover_item::Entity::find()
        .filter(handover_item::Column::HandoverId.eq(h.id))
        .order_by_asc(handover_item::Column::Position)
        .all(db)
        .await?;
    Ok(Handover { handover: h, items })
}

/// The latest handover of each of these groups (as successor), with their
/// checklists, in two statements; whoever asks has already seen the groups.
#[tracing::instrument(skip_all)]
pub async fn latest_of(db: &impl Db, group_ids: &[Uuid]) -> Result<HashMap<Uuid, Handover>> {
    let rows = handover::Entity::find()
        .filter(handover::Column::SuccessorId.is_in(group_ids.iter().copied()))
        .order_by_asc(handover::Column::StartedAt)
        .all(db)
        .await?;
    let mut latest: HashMap<Uuid, handover::Model> = HashMap::new();
    for h in rows {
        latest.insert(h.successor_id, h);
    }
    let ids: Vec<Uuid> = latest.values().map(|h| h.id).collect();
    let mut items: HashMap<Uuid, Vec<handover_item::Model>> = HashMap::new();
    for i in handover_item::Entity::find()
        .filter(handover_item::Column::HandoverId.is_in(ids))
        .order_by_asc(handover_item::Column::Position)
        .all(db)
        .await?
    {
        items.entry(i.handover_id).or_default().push(i);
    }
    Ok(latest
        .into_iter()
        .map(|(g, h)| {
            let its = items.remove(&h.id).unwrap_or_default();
            (
                g,
                Handover {
                    handover: h,
                    items: its,
                },
            )
        })
        .collect())
}

/// A handover `actor` may see (as they see its group).
#[tracing::instrument(skip_all)]
pub async fn get(db: &impl Db, actor: &Actor, id: Uuid) -> Result<Handover> {
    let h = read::get::<handover::Entity>(db, id, "handover", "handover_id").await?;
    read::visible_group(db, actor, h.successor_id, "handover_id")
        .await
        .map_err(|_| DomainError::not_found("handover", "handover_id", &id))?;
    load(db, h).await
}

/// Opens the handover to `successor` from the groups it succeeds, and
/// invites their people.
#[tracing::instrument(skip_all)]
pub async fn start(db: &impl Db, actor: &Actor, successor: Uuid) -> Result<Handover> {
    policy::require_member(actor, "start handovers")?;
    let txn = write_txn(db).await?;
    let g = read::visible_group(&txn, actor, successor, "group_id").await?;
    policy::require_convener(actor, Owner::group(g.id), "start this group's handover")?;
    let olds = predecessors(&txn, g.id).await?;
    if olds.is_empty() {
        return Err(DomainError::state(
            "group_id",
            format!(
                "{} succeeds no group, so there is nothing to hand over; set the groups it replaces (succeeds) first",
                g.name
            ),
        ));
    }
    let open = handover::Entity::find()
        .filter(handover::Column::SuccessorId.eq(g.id))
        .filter(handover::Column::CompletedAt.is_null())
        .one(&txn)
        .await?;
    if let Some(h) = open {
        return Err(DomainError::Conflict {
            field: "group_id".into(),
            message: format!(
                "a handover to {} is already open (started {}); complete its items instead",
                g.name,
                h.started_at.format("%-d %b %Y")
            ),
        });
    }
    let t = now();
    let h = handover::ActiveModel {
        id: Set(new_id()),
        successor_id: Set(g.id),
        started_by_id: Set(actor.member_id()),
        started_at: Set(t),
        completed_at: Set(None),
    }
    .insert(&txn)
    .await?;
    for (i, item) in HandoverItemKind::ALL.iter().enumerate() {
        handover_item::ActiveModel {
            handover_id: Set(h.id),
            item: Set(*item),
            position: Set(i32::try_from(i).unwrap_or(0) + 1),
            done_by_id: Set(None),
            done_at: Set(None),
        }
        .insert(&txn)
        .await?;
    }
    let old_ids: Vec<Uuid> = olds.iter().map(|o| o.id).collect();
    let invited = invite(&txn, &old_ids, g.id, t).await?;
    let names: Vec<&str> = olds.iter().map(|o| o.name.as_str()).collect();
    let rooms = project::Entity::find()
        .filter(project::Column::GroupId.is_in(old_ids.clone()))
        .filter(project::Column::MatrixRoomId.is_not_null())
        .filter(project::Column::ArchivedAt.is_null())
        .all(&txn)
        .await?;
    let base = json!({
        "handover_id": h.id, "successor_id": g.id, "successor": g.name,
        "predecessors": names, "invited": invited,
    });
    emit(&txn, EventKind::HandoverStarted, h.id, base.clone()).await?;
    // One invitation for each old room.
    for p in rooms {
        let mut payload = base.clone();
        payload["project_id"] = json!(p.id);
        emit(&txn, EventKind::HandoverStarted, h.id, payload).await?;
    }
    let out = load(&txn, h).await?;
    txn.commit().await?;
    Ok(out)
}

/// Invites the active members of the old groups and their projects to the
/// successor: a pending membership keeping their involvement and hours (the
/// group-level one first). Those already in the successor are left alone.
async fn invite(
    db: &impl Db,
    old_groups: &[Uuid],
    successor: Uuid,
    t: chrono::DateTime<chrono::Utc>,
) -> Result<u32> {
    let old_projects: Vec<Uuid> = project::Entity::find()
        .filter(project::Column::GroupId.is_in(old_groups.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut old = membership::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(membership::Column::GroupId.is_in(old_groups.iter().copied()))
                .add(membership::Column::ProjectId.is_in(old_projects)),
        )
        .filter(membership::Column::ArchivedAt.is_null())
        .filter(membership::Column::Status.eq(MembershipStatus::Active))
        .all(db)
        .await?;
    // Group-level memberships first, then the oldest.
    old.sort_by_key(|m| (m.group_id.is_none(), m.since));
    let already: HashSet<Uuid> = membership::Entity::find()
        .filter(membership::Column::GroupId.eq(successor))
        .filter(membership::Column::ArchivedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.member_id)
        .collect();
    let mut seen = already.clone();
    let mut invited = 0;
    for m in old {
        if !seen.insert(m.member_id) {
            continue;
        }
        // A former membership there (left, archived) is reopened as an
        // invitation.
        let former = membership::Entity::find()
            .filter(membership::Column::GroupId.eq(successor))
            .filter(membership::Column::MemberId.eq(m.member_id))
            .one(db)
            .await?;
        let model = if let Some(f) = former {
            let mut am = f.into_active_model();
            am.role = Set(Role::Member);
            am.involvement = Set(m.involvement);
            am.commitment_hours = Set(m.commitment_hours);
            am.status = Set(MembershipStatus::Pending);
            am.until = Set(None);
            am.archived_at = Set(None);
            am.updated_at = Set(t);
            am.update(db).await?
        } else {
            membership::ActiveModel {
                id: Set(new_id()),
                member_id: Set(m.member_id),
                group_id: Set(Some(successor)),
                project_id: Set(None),
                role: Set(Role::Member),
                involvement: Set(m.involvement),
                commitment_hours: Set(m.commitment_hours),
                role_id: Set(None),
                status: Set(MembershipStatus::Pending),
                since: Set(t),
                until: Set(None),
                created_at: Set(t),
                updated_at: Set(t),
                archived_at: Set(None),
            }
            .insert(db)
            .await?
        };
        super::outbox::emit_row(db, EventKind::MemberJoined, model.id, &model).await?;
        invited += 1;
    }
    Ok(invited)
}

/// Accepts `actor`'s invitations to the groups that succeed `old_group`
/// (what `!accept` in an old room does). Returns the groups joined.
#[tracing::instrument(skip_all)]
pub async fn accept(db: &impl Db, actor: &Actor, old_group: Uuid) -> Result<Vec<group::Model>> {
    policy::require_member(actor, "accept invitations")?;
    let me = actor.member_id().ok_or(DomainError::Unauthenticated)?;
    let txn = write_txn(db).await?;
    let successors: Vec<Uuid> = read::successions_of(&txn, false, &[old_group])
        .await?
        .into_iter()
        .map(|s| s.successor_id)
        .collect();
    let pending = membership::Entity::find()
        .filter(membership::Column::GroupId.is_in(successors))
        .filter(membership::Column::MemberId.eq(me))
        .filter(membership::Column::Status.eq(MembershipStatus::Pending))
        .filter(membership::Column::ArchivedAt.is_null())
        .all(&txn)
        .await?;
    if pending.is_empty() {
        return Err(DomainError::state(
            "group_id",
            "you have no invitation waiting from a group that succeeds this one",
        ));
    }
    let mut joined = Vec::new();
    let t = now();
    for m in pending {
        let gid = m.group_id;
        let mut am = m.into_active_model();
        am.status = Set(MembershipStatus::Active);
        am.since = Set(t);
        am.updated_at = Set(t);
        let model = am.update(&txn).await?;
        super::outbox::emit_row(&txn, EventKind::MembershipUpdated, model.id, &model).await?;
        if let Some(g) = gid {
            joined.push(read::get::<group::Entity>(&txn, g, "group", "group_id").await?);
        }
    }
    txn.commit().await?;
    Ok(joined)
}

/// Ticks an item off (the successor's conveners or an admin), doing what
/// it says where Muster can. The old room is closed last, and completes the
/// handover.
#[tracing::instrument(skip_all)]
pub async fn complete_item(
    db: &impl Db,
    actor: &Actor,
    handover_id: Uuid,
    item: HandoverItemKind,
) -> Result<Handover> {
    policy::require_member(actor, "work on handovers")?;
    let txn = write_txn(db).await?;
    let h = get(&txn, actor, handover_id).await?;
    policy::require_convener(
        actor,
        Owner::group(h.handover.successor_id),
        "work on this handover",
    )?;
    if h.handover.completed_at.is_some() {
        return Err(DomainError::state(
            "handover_id",
            "this handover is complete",
        ));
    }
    let Some(row) = h.items.iter().find(|i| i.item == item).cloned() else {
        return Err(DomainError::invalid(
            "item",
            "this handover has no such item",
        ));
    };
    if let Some(at) = row.done_at {
        return Err(DomainError::state(
            "item",
            format!(
                "'{}' was already done on {}",
                label(item),
                at.format("%-d %b %Y")
            ),
        ));
    }
    let g = read::get::<group::Entity>(&txn, h.handover.successor_id, "group", "group_id").await?;
    let olds = predecessors(&txn, g.id).await?;
    let old_ids: Vec<Uuid> = olds.iter().map(|o| o.id).collect();
    let t = now();
    let mut effect = json!({});
    match item {
        HandoverItemKind::PurposeAgreed => {
            if g.purpose.trim().is_empty() {
                return Err(DomainError::state(
                    "item",
                    format!(
                        "{} has no purpose written down yet; agree it and set it (updateGroup) first",
                        g.name
                    ),
                ));
            }
        }
        HandoverItemKind::ProjectsMoved => {
            effect = move_work(&txn, &g, &old_ids, t).await?;
        }
        HandoverItemKind::AlliancesMoved => {
            let moved = alliance::Entity::update_many()
                .col_expr(
                    alliance::Column::GroupId,
                    sea_orm::sea_query::Expr::value(g.id),
                )
                .col_expr(
                    alliance::Column::UpdatedAt,
                    sea_orm::sea_query::Expr::value(t),
                )
                .filter(alliance::Column::GroupId.is_in(old_ids.clone()))
                .filter(alliance::Column::ProjectId.is_null())
                .filter(alliance::Column::ArchivedAt.is_null())
                .filter(alliance::Column::Status.ne(AllianceStatus::Ended))
                .exec(&txn)
                .await?
                .rows_affected;
            effect = json!({ "alliances": moved });
        }
        HandoverItemKind::ContactsHandedOver => {}
        HandoverItemKind::OldRoomClosed => {
            let open: Vec<&str> = h
                .items
                .iter()
                .filter(|i| i.done_at.is_none() && i.item != item)
                .map(|i| label(i.item))
                .collect();
            if !open.is_empty() {
                return Err(DomainError::state(
                    "item",
                    format!("close the old room last; still to do: {}", open.join(", ")),
                ));
            }
        }
    }
    let mut am = row.into_active_model();
    am.done_by_id = Set(actor.member_id());
    am.done_at = Set(Some(t));
    am.update(&txn).await?;
    emit(
        &txn,
        EventKind::HandoverItemDone,
        handover_id,
        json!({ "handover_id": handover_id, "item": item, "effect": effect }),
    )
    .await?;
    if item == HandoverItemKind::OldRoomClosed {
        complete(&txn, &h.handover, &g, &olds, t).await?;
    }
    let out = load(
        &txn,
        read::get::<handover::Entity>(&txn, handover_id, "handover", "handover_id").await?,
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

/// Moves the old groups' open projects to the successor, their open
/// group-level actions (numbered after the successor's own) and their open
/// agenda items (onto the successor's next meeting).
async fn move_work(
    db: &impl Db,
    g: &group::Model,
    old_ids: &[Uuid],
    t: chrono::DateTime<chrono::Utc>,
) -> Result<serde_json::Value> {
    let old_meetings: Vec<Uuid> = meeting::Entity::find()
        .filter(meeting::Column::GroupId.is_in(old_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    let items = agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.is_in(old_meetings))
        .filter(
            agenda_item::Column::Status.is_in([AgendaItemStatus::Open, AgendaItemStatus::Deferred]),
        )
        .order_by_asc(agenda_item::Column::Position)
        .all(db)
        .await?;
    if !items.is_empty() {
        let Some(next) = meeting::Entity::find()
            .filter(meeting::Column::GroupId.eq(g.id))
            .filter(
                meeting::Column::Status.is_in([MeetingStatus::Proposed, MeetingStatus::Scheduled]),
            )
            .filter(meeting::Column::StartsAt.gt(t))
            .order_by_asc(meeting::Column::StartsAt)
            .one(db)
            .await?
        else {
            return Err(DomainError::state(
                "item",
                format!(
                    "{} open agenda item(s) of the old groups need a meeting to go to: schedule {}'s next meeting first",
                    items.len(),
                    g.name
                ),
            ));
        };
        let mut position = agenda_item::Entity::find()
            .filter(agenda_item::Column::MeetingId.eq(next.id))
            .all(db)
            .await?
            .iter()
            .map(|i| i.position)
            .max()
            .unwrap_or(0);
        for i in &items {
            position += 1;
            let mut am = i.clone().into_active_model();
            am.meeting_id = Set(next.id);
            am.status = Set(AgendaItemStatus::Open);
            am.position = Set(position);
            am.update(db).await?;
        }
    }
    let mut number = action::Entity::find()
        .filter(action::Column::GroupId.eq(g.id))
        .filter(action::Column::ProjectId.is_null())
        .order_by_desc(action::Column::Number)
        .one(db)
        .await?
        .map_or(0, |a| a.number);
    let actions = action::Entity::find()
        .filter(action::Column::GroupId.is_in(old_ids.iter().copied()))
        .filter(action::Column::ProjectId.is_null())
        .filter(action::Column::DoneAt.is_null())
        .order_by_asc(action::Column::Number)
        .all(db)
        .await?;
    for a in &actions {
        number += 1;
        let mut am = a.clone().into_active_model();
        am.group_id = Set(Some(g.id));
        am.number = Set(number);
        am.update(db).await?;
    }
    let projects = project::Entity::update_many()
        .col_expr(
            project::Column::GroupId,
            sea_orm::sea_query::Expr::value(g.id),
        )
        .col_expr(
            project::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(t),
        )
        .filter(project::Column::GroupId.is_in(old_ids.iter().copied()))
        .filter(project::Column::ArchivedAt.is_null())
        .filter(project::Column::Status.ne(ProjectStatus::Done))
        .exec(db)
        .await?
        .rows_affected;
    Ok(json!({ "projects": projects, "actions": actions.len(), "agenda_items": items.len() }))
}

/// Completes a handover: the old groups are closed, and each old room that
/// did not move with a project gets a final notice pointing to the
/// successor's room.
async fn complete(
    db: &impl Db,
    h: &handover::Model,
    g: &group::Model,
    olds: &[group::Model],
    t: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let mut am = h.clone().into_active_model();
    am.completed_at = Set(Some(t));
    am.update(db).await?;
    for o in olds {
        if o.status != GroupStatus::Closed {
            let mut am = o.clone().into_active_model();
            am.status = Set(GroupStatus::Closed);
            am.updated_at = Set(t);
            let model = am.update(db).await?;
            super::outbox::emit_row(db, EventKind::GroupUpdated, model.id, &model).await?;
        }
    }
    let pointer = project::Entity::find()
        .filter(project::Column::GroupId.eq(g.id))
        .filter(project::Column::MatrixRoomId.is_not_null())
        .filter(project::Column::ArchivedAt.is_null())
        .order_by_asc(project::Column::CreatedAt)
        .one(db)
        .await?;
    let old_rooms = project::Entity::find()
        .filter(project::Column::GroupId.is_in(olds.iter().map(|o| o.id)))
        .filter(project::Column::MatrixRoomId.is_not_null())
        .all(db)
        .await?;
    let base = json!({
        "handover_id": h.id, "successor_id": g.id, "successor": g.name,
        "pointer_room_id": pointer.as_ref().and_then(|p| p.matrix_room_id.clone()),
        "pointer_project": pointer.as_ref().map(|p| p.name.clone()),
    });
    emit(db, EventKind::HandoverCompleted, h.id, base.clone()).await?;
    for p in old_rooms {
        let mut payload = base.clone();
        payload["project_id"] = json!(p.id);
        payload["room_id"] = json!(p.matrix_room_id);
        emit(db, EventKind::HandoverCompleted, h.id, payload).await?;
    }
    Ok(())
}
