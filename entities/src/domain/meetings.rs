//! Meetings of a group or a project: scheduling, moving (which postpones the
//! old meeting and links the new one back to it), cancelling, RSVPs and the
//! agenda. Times are UTC instants; the meeting keeps its IANA time zone for
//! display and calendars.
//!
//! The lifecycle is `proposed → scheduled → held`, or `postponed` (moved: a
//! new meeting carries `postponed_from`) or `cancelled`. Only a proposed or
//! scheduled meeting can be moved, cancelled, answered or added to.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::outbox::{EventKind, emit, emit_row};
use super::validate::{self, NAME_MAX, TEXT_MAX};
use super::{Db, new_id, now, read, write_txn};
use crate::policy::Owner;
use crate::{
    Actor, AgendaItemStatus, DomainError, MeetingFormat, MeetingKind, MeetingStatus, Result,
    RsvpResponse, Visibility, agenda_item, attendance, meeting, policy, rsvp,
};

/// The longest a meeting or event may last (a weekend gathering fits).
pub const MAX_DURATION_DAYS: i64 = 14;
/// How long a meeting lasts when no end is given.
pub const DEFAULT_DURATION_MINUTES: i64 = 60;
/// The largest quorum.
pub const MAX_QUORUM: i32 = 1_000;

/// What `schedule` needs. Exactly one of `group_id` and `project_id`.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    pub title: String,
    /// Defaults to `meeting`.
    pub kind: Option<MeetingKind>,
    /// Defaults to `open`.
    pub format: Option<MeetingFormat>,
    pub starts_at: DateTime<Utc>,
    /// Defaults to an hour after the start.
    pub ends_at: Option<DateTime<Utc>>,
    /// Defaults to the project's or group's time zone.
    pub time_zone: Option<String>,
    /// A place or a link.
    pub location: Option<String>,
    /// Minimum attendees; defaults to 0 (no quorum).
    pub quorum: Option<i32>,
    /// Defaults to the project's or group's visibility.
    pub visibility: Option<Visibility>,
    /// `proposed` or `scheduled` (the default).
    pub status: Option<MeetingStatus>,
    /// Whether counts are per co-op: each member co-op once, by its
    /// delegates if it named any ([`crate::domain::quorum`]).
    pub per_coop: bool,
}

/// What `update` may change (not the time: that is `move_to`).
#[derive(Debug, Clone, Default)]
pub struct MeetingPatch {
    pub title: Option<String>,
    pub kind: Option<MeetingKind>,
    pub format: Option<MeetingFormat>,
    pub location: super::Patch<String>,
    pub quorum: Option<i32>,
    pub visibility: Option<Visibility>,
    /// Only `proposed → scheduled` is a valid change here.
    pub status: Option<MeetingStatus>,
}

/// What `move_to` needs.
#[derive(Debug, Clone)]
pub struct MoveMeeting {
    pub meeting_id: Uuid,
    pub starts_at: DateTime<Utc>,
    /// Defaults to the new start plus the old duration.
    pub ends_at: Option<DateTime<Utc>>,
    /// Why, e.g. "low numbers".
    pub reason: Option<String>,
}

/// The member a member actor acts for: themself, unless they are an admin
/// naming someone else.
fn acting_for(actor: &Actor, named: Option<Uuid>, field: &str, what: &str) -> Result<Uuid> {
    match (actor.member_id(), named) {
        (_, Some(n)) if actor.is_admin() => Ok(n),
        (Some(me), None) => Ok(me),
        (Some(me), Some(n)) if n == me => Ok(me),
        (Some(_), Some(_)) => Err(DomainError::Forbidden(what.to_owned())),
        (None, _) => Err(DomainError::invalid(
            field,
            format!("{field} is needed: this key does not speak for a member"),
        )),
    }
}

fn check_times(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<()> {
    if ends_at <= starts_at {
        return Err(DomainError::invalid(
            "ends_at",
            format!(
                "ends_at ({}) must be after starts_at ({})",
                ends_at.to_rfc3339(),
                starts_at.to_rfc3339()
            ),
        ));
    }
    if ends_at - starts_at > Duration::days(MAX_DURATION_DAYS) {
        return Err(DomainError::invalid(
            "ends_at",
            format!("a meeting may last at most {MAX_DURATION_DAYS} days"),
        ));
    }
    Ok(())
}

fn quorum(q: i32) -> Result<i32> {
    validate::range("quorum", q, 0, MAX_QUORUM)
}

fn location(v: Option<&str>) -> Result<Option<String>> {
    validate::optional("location", v, validate::URL_MAX)
}

fn is_open(m: &meeting::Model) -> bool {
    matches!(m.status, MeetingStatus::Proposed | MeetingStatus::Scheduled)
}

fn require_open(m: &meeting::Model, field: &str, doing: &str) -> Result<()> {
    if is_open(m) {
        Ok(())
    } else {
        Err(DomainError::state(
            field,
            format!("cannot {doing}: the meeting is {}", m.status),
        ))
    }
}

/// Where a meeting belongs, for the permission rules.
#[tracing::instrument(skip_all)]
pub async fn owner(db: &impl Db, m: &meeting::Model) -> Result<Owner> {
    Ok(match (m.group_id, m.project_id) {
        (_, Some(p)) => {
            let project =
                read::get::<crate::project::Entity>(db, p, "project", "project_id").await?;
            Owner::project(p, project.group_id)
        }
        (Some(g), None) => Owner::group(g),
        (None, None) => Owner::default(),
    })
}

/// Loads a meeting the actor may see, for a change; one they may not see
/// is reported as not found, so its existence is not revealed.
async fn get_visible(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    field: &str,
) -> Result<(meeting::Model, Owner)> {
    let m = get(db, id, field).await?;
    let owner = owner(db, &m).await?;
    if !policy::can_see(actor, m.visibility, owner) {
        return Err(DomainError::not_found("meeting", field, &id));
    }
    Ok((m, owner))
}

/// Loads a meeting for a change.
#[tracing::instrument(skip_all)]
pub async fn get(db: &impl Db, id: Uuid, field: &str) -> Result<meeting::Model> {
    read::get::<meeting::Entity>(db, id, "meeting", field).await
}

/// Puts a meeting in the calendar of a group or a project.
#[tracing::instrument(skip_all)]
pub async fn schedule(db: &impl Db, actor: &Actor, input: NewMeeting) -> Result<meeting::Model> {
    policy::require_member(actor, "schedule meetings")?;
    let title = validate::required("title", &input.title, NAME_MAX)?;
    let ends_at = input
        .ends_at
        .unwrap_or(input.starts_at + Duration::minutes(DEFAULT_DURATION_MINUTES));
    check_times(input.starts_at, ends_at)?;
    let quorum = quorum(input.quorum.unwrap_or(0))?;
    let location = location(input.location.as_deref())?;
    let status = input.status.unwrap_or(MeetingStatus::Scheduled);
    if !matches!(status, MeetingStatus::Proposed | MeetingStatus::Scheduled) {
        return Err(DomainError::invalid(
            "status",
            "a new meeting is either proposed or scheduled",
        ));
    }
    let txn = write_txn(db).await?;
    let (zone, visibility) = match (input.group_id, input.project_id) {
        (Some(g), None) => {
            let g = read::visible_group(&txn, actor, g, "group_id").await?;
            policy::require_convener(actor, Owner::group(g.id), "schedule this group's meetings")?;
            (g.time_zone, g.visibility)
        }
        (None, Some(p)) => {
            let p = read::visible_project(&txn, actor, p, "project_id").await?;
            policy::require_convener(
                actor,
                Owner::project(p.id, p.group_id),
                "schedule this project's meetings",
            )?;
            let zone = match p.time_zone {
                Some(z) => z,
                None => {
                    read::get::<crate::group::Entity>(&txn, p.group_id, "group", "project_id")
                        .await?
                        .time_zone
                }
            };
            (zone, p.visibility)
        }
        _ => {
            return Err(DomainError::invalid(
                "group_id",
                "give exactly one of group_id and project_id",
            ));
        }
    };
    let time_zone = match input.time_zone {
        Some(z) => validate::time_zone("time_zone", &z)?,
        None => zone,
    };
    let t = now();
    let model = meeting::ActiveModel {
        id: Set(new_id()),
        group_id: Set(input.group_id),
        project_id: Set(input.project_id),
        title: Set(title),
        kind: Set(input.kind.unwrap_or(MeetingKind::Meeting)),
        format: Set(input.format.unwrap_or(MeetingFormat::Open)),
        starts_at: Set(input.starts_at),
        ends_at: Set(ends_at),
        time_zone: Set(time_zone),
        location: Set(location),
        status: Set(status),
        quorum: Set(quorum),
        visibility: Set(input.visibility.unwrap_or(visibility)),
        postponed_from_id: Set(None),
        cancel_reason: Set(None),
        minutes: Set(None),
        quorum_confirmed_at: Set(None),
        per_coop: Set(input.per_coop),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(&txn)
    .await?;
    adopt_backlog(&txn, &model, model.id).await?;
    emit_row(&txn, EventKind::MeetingScheduled, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes a meeting's title, kind, format, place, quorum or visibility, or
/// confirms a proposed meeting.
#[tracing::instrument(skip_all)]
pub async fn update(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    patch: MeetingPatch,
) -> Result<meeting::Model> {
    policy::require_member(actor, "change meetings")?;
    let txn = write_txn(db).await?;
    let (current, owner) = get_visible(&txn, actor, id, "id").await?;
    policy::require_convener(actor, owner, "change this meeting")?;
    require_open(&current, "id", "change it")?;
    if let Some(s) = patch.status
        && !(s == current.status
            || (current.status == MeetingStatus::Proposed && s == MeetingStatus::Scheduled))
    {
        return Err(DomainError::state(
            "status",
            format!(
                "a {} meeting cannot become {s} here: move or cancel it instead",
                current.status
            ),
        ));
    }
    let mut am = current.into_active_model();
    if let Some(v) = patch.title {
        am.title = Set(validate::required("title", &v, NAME_MAX)?);
    }
    if let Some(v) = patch.kind {
        am.kind = Set(v);
    }
    if let Some(v) = patch.format {
        am.format = Set(v);
    }
    if let Some(v) = patch.location {
        am.location = Set(location(v.as_deref())?);
    }
    if let Some(v) = patch.quorum {
        am.quorum = Set(quorum(v)?);
    }
    if let Some(v) = patch.visibility {
        am.visibility = Set(v);
    }
    if let Some(v) = patch.status {
        am.status = Set(v);
    }
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::MeetingUpdated, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Moves a meeting to a new time: the old one becomes `postponed`, a new
/// one is scheduled with `postponed_from` pointing back at it, and the old
/// one's open agenda items move with it. RSVPs do not carry over: people
/// answer again for the new time. Returns the new meeting.
#[tracing::instrument(skip_all)]
pub async fn move_to(db: &impl Db, actor: &Actor, input: MoveMeeting) -> Result<meeting::Model> {
    policy::require_member(actor, "move meetings")?;
    let reason = validate::optional("reason", input.reason.as_deref(), TEXT_MAX)?;
    let txn = write_txn(db).await?;
    let (old, owner) = get_visible(&txn, actor, input.meeting_id, "meeting_id").await?;
    policy::require_convener(actor, owner, "move this meeting")?;
    require_open(&old, "meeting_id", "move it")?;
    let ends_at = input
        .ends_at
        .unwrap_or(input.starts_at + (old.ends_at - old.starts_at));
    check_times(input.starts_at, ends_at)?;
    if input.starts_at == old.starts_at && ends_at == old.ends_at {
        return Err(DomainError::invalid(
            "starts_at",
            "the meeting is already at that time",
        ));
    }
    let t = now();
    let new = meeting::ActiveModel {
        id: Set(new_id()),
        group_id: Set(old.group_id),
        project_id: Set(old.project_id),
        title: Set(old.title.clone()),
        kind: Set(old.kind),
        format: Set(old.format),
        starts_at: Set(input.starts_at),
        ends_at: Set(ends_at),
        time_zone: Set(old.time_zone.clone()),
        location: Set(old.location.clone()),
        status: Set(MeetingStatus::Scheduled),
        quorum: Set(old.quorum),
        visibility: Set(old.visibility),
        postponed_from_id: Set(Some(old.id)),
        cancel_reason: Set(None),
        minutes: Set(None),
        per_coop: Set(old.per_coop),
        quorum_confirmed_at: Set(None),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(&txn)
    .await?;
    let old_id = old.id;
    let old_start = old.starts_at;
    let mut am = old.into_active_model();
    am.status = Set(MeetingStatus::Postponed);
    am.cancel_reason = Set(reason.clone());
    am.updated_at = Set(t);
    am.update(&txn).await?;
    agenda_item::Entity::update_many()
        .col_expr(
            agenda_item::Column::MeetingId,
            sea_orm::sea_query::Expr::value(new.id),
        )
        .filter(agenda_item::Column::MeetingId.eq(old_id))
        .filter(agenda_item::Column::Status.eq(AgendaItemStatus::Open))
        .exec(&txn)
        .await?;
    emit(
        &txn,
        EventKind::MeetingMoved,
        new.id,
        json!({ "meeting": new, "postponed_from": old_id, "previous_starts_at": old_start, "reason": reason }),
    )
    .await?;
    txn.commit().await?;
    Ok(new)
}

/// Cancels a meeting, with an optional reason.
#[tracing::instrument(skip_all)]
pub async fn cancel(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    reason: Option<String>,
) -> Result<meeting::Model> {
    policy::require_member(actor, "cancel meetings")?;
    let reason = validate::optional("reason", reason.as_deref(), TEXT_MAX)?;
    let txn = write_txn(db).await?;
    let (current, owner) = get_visible(&txn, actor, id, "id").await?;
    policy::require_convener(actor, owner, "cancel this meeting")?;
    require_open(&current, "id", "cancel it")?;
    let mut am = current.into_active_model();
    am.status = Set(MeetingStatus::Cancelled);
    am.cancel_reason = Set(reason);
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::MeetingCancelled, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Records a member's answer to a meeting; a second answer replaces the
/// first. Members answer for themselves (`member_id` `None`); admins may
/// answer for anyone.
#[tracing::instrument(skip_all)]
pub async fn rsvp(
    db: &impl Db,
    actor: &Actor,
    meeting_id: Uuid,
    member_id: Option<Uuid>,
    response: RsvpResponse,
) -> Result<rsvp::Model> {
    policy::require_member(actor, "answer invitations")?;
    let member_id = acting_for(actor, member_id, "member_id", "answer for other members")?;
    let txn = write_txn(db).await?;
    let (m, _) = get_visible(&txn, actor, meeting_id, "meeting_id").await?;
    require_open(&m, "meeting_id", "answer it")?;
    read::live_member(&txn, member_id, "member_id").await?;
    let t = now();
    let existing = rsvp::Entity::find()
        .filter(rsvp::Column::MeetingId.eq(meeting_id))
        .filter(rsvp::Column::MemberId.eq(member_id))
        .one(&txn)
        .await?;
    let model = match existing {
        Some(r) => {
            let mut am = r.into_active_model();
            am.response = Set(response);
            am.updated_at = Set(t);
            am.update(&txn).await?
        }
        None => {
            rsvp::ActiveModel {
                id: Set(new_id()),
                meeting_id: Set(meeting_id),
                member_id: Set(member_id),
                response: Set(response),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(&txn)
            .await?
        }
    };
    emit_row(&txn, EventKind::RsvpChanged, meeting_id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Adds an item to the end of a meeting's agenda.
#[tracing::instrument(skip_all)]
pub async fn add_agenda_item(
    db: &impl Db,
    actor: &Actor,
    meeting_id: Uuid,
    text: &str,
    proposer_id: Option<Uuid>,
) -> Result<agenda_item::Model> {
    policy::require_member(actor, "add agenda items")?;
    let proposer_id = if actor.is_admin() {
        proposer_id
    } else {
        Some(acting_for(
            actor,
            proposer_id,
            "proposer_id",
            "propose in someone else's name",
        )?)
    };
    let text = validate::required("text", text, TEXT_MAX)?;
    let txn = write_txn(db).await?;
    let (m, _) = get_visible(&txn, actor, meeting_id, "meeting_id").await?;
    require_open(&m, "meeting_id", "add to its agenda")?;
    if let Some(p) = proposer_id {
        read::live_member(&txn, p, "proposer_id").await?;
    }
    let last = agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.eq(meeting_id))
        .order_by_desc(agenda_item::Column::Position)
        .one(&txn)
        .await?;
    let model = agenda_item::ActiveModel {
        id: Set(new_id()),
        meeting_id: Set(meeting_id),
        text: Set(text),
        proposer_id: Set(proposer_id),
        position: Set(last.map_or(1, |l| l.position + 1)),
        status: Set(AgendaItemStatus::Open),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    emit_row(&txn, EventKind::AgendaItemAdded, meeting_id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Marks a meeting held: records who came and which agenda items were
/// discussed, and rolls the items not reached over to the group's or
/// project's next meeting (if there is none yet, they wait on this one and
/// the next meeting scheduled adopts them — the agenda backlog).
#[tracing::instrument(skip_all)]
pub async fn record_held(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    attendees: &[Uuid],
    discussed: &[Uuid],
) -> Result<meeting::Model> {
    policy::require_member(actor, "record attendance")?;
    let txn = write_txn(db).await?;
    let (current, owner) = get_visible(&txn, actor, id, "id").await?;
    policy::require_convener(actor, owner, "record this meeting's attendance")?;
    require_open(&current, "id", "mark it held")?;
    let t = now();
    let mut seen = Vec::new();
    for &member in attendees {
        if seen.contains(&member) {
            continue;
        }
        seen.push(member);
        read::live_member(&txn, member, "attendees").await?;
        attendance::Entity::insert(attendance::ActiveModel {
            meeting_id: Set(id),
            member_id: Set(member),
            recorded_at: Set(t),
        })
        .exec_without_returning(&txn)
        .await?;
    }
    let items = read::agenda_of(&txn, &[id]).await?;
    for &d in discussed {
        if !items.iter().any(|i| i.id == d) {
            return Err(DomainError::invalid(
                "discussed",
                format!("agenda item {d} is not on this meeting's agenda"),
            ));
        }
    }
    agenda_item::Entity::update_many()
        .col_expr(
            agenda_item::Column::Status,
            sea_orm::sea_query::Expr::value(AgendaItemStatus::Discussed),
        )
        .filter(agenda_item::Column::Id.is_in(discussed.iter().copied()))
        .exec(&txn)
        .await?;
    let starts_at = current.starts_at;
    let mut am = current.into_active_model();
    am.status = Set(MeetingStatus::Held);
    am.updated_at = Set(t);
    let model = am.update(&txn).await?;
    if let Some(next) = next_of_owner(&txn, &model, starts_at).await? {
        adopt_backlog(&txn, &model, next.id).await?;
    }
    emit_row(&txn, EventKind::MeetingHeld, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// The next proposed or scheduled meeting of the same group or project,
/// after `after`.
async fn next_of_owner(
    db: &impl Db,
    m: &meeting::Model,
    after: DateTime<Utc>,
) -> Result<Option<meeting::Model>> {
    let mut q = meeting::Entity::find()
        .filter(meeting::Column::Status.is_in([MeetingStatus::Proposed, MeetingStatus::Scheduled]))
        .filter(meeting::Column::StartsAt.gt(after))
        .filter(meeting::Column::Id.ne(m.id));
    q = match (m.group_id, m.project_id) {
        (_, Some(p)) => q.filter(meeting::Column::ProjectId.eq(p)),
        (Some(g), None) => q.filter(meeting::Column::GroupId.eq(g)),
        (None, None) => return Ok(None),
    };
    Ok(q.order_by_asc(meeting::Column::StartsAt).one(db).await?)
}

/// Moves the open agenda items of held meetings of `like`'s group or project
/// to the end of meeting `to`'s agenda, oldest first.
async fn adopt_backlog(db: &impl Db, like: &meeting::Model, to: Uuid) -> Result<()> {
    let mut held = meeting::Entity::find().filter(meeting::Column::Status.eq(MeetingStatus::Held));
    held = match (like.group_id, like.project_id) {
        (_, Some(p)) => held.filter(meeting::Column::ProjectId.eq(p)),
        (Some(g), None) => held.filter(meeting::Column::GroupId.eq(g)),
        (None, None) => return Ok(()),
    };
    let held: Vec<Uuid> = held
        .order_by_asc(meeting::Column::StartsAt)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    if held.is_empty() {
        return Ok(());
    }
    let open: Vec<agenda_item::Model> = read::agenda_of(db, &held)
        .await?
        .into_iter()
        .filter(|i| i.status == AgendaItemStatus::Open)
        .collect();
    let mut position = read::agenda_of(db, &[to])
        .await?
        .iter()
        .map(|i| i.position)
        .max()
        .unwrap_or(0);
    for item in open {
        position += 1;
        let mut am = item.into_active_model();
        am.meeting_id = Set(to);
        am.position = Set(position);
        am.update(db).await?;
    }
    Ok(())
}

/// A convener's "go ahead anyway": the meeting is held whatever the quorum
/// outlook says, and the room is not warned (again).
#[tracing::instrument(skip_all)]
pub async fn confirm(db: &impl Db, actor: &Actor, id: Uuid) -> Result<meeting::Model> {
    policy::require_member(actor, "confirm meetings")?;
    let txn = write_txn(db).await?;
    let (current, owner) = get_visible(&txn, actor, id, "id").await?;
    policy::require_convener(actor, owner, "confirm this meeting")?;
    require_open(&current, "id", "confirm it")?;
    if current.quorum_confirmed_at.is_some() {
        return Err(DomainError::state("id", "the meeting is already confirmed"));
    }
    let mut am = current.into_active_model();
    am.quorum_confirmed_at = Set(Some(now()));
    am.status = Set(MeetingStatus::Scheduled);
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit_row(&txn, EventKind::MeetingConfirmed, model.id, &model).await?;
    txn.commit().await?;
    Ok(model)
}

/// Records a meeting's minutes (Markdown): its conveners, after or during
/// the meeting. Replaces earlier minutes.
#[tracing::instrument(skip_all)]
pub async fn record_minutes(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    minutes: &str,
) -> Result<meeting::Model> {
    policy::require_member(actor, "record minutes")?;
    let minutes = validate::required("minutes", minutes, 100_000)?;
    let txn = write_txn(db).await?;
    let (current, owner) = get_visible(&txn, actor, id, "id").await?;
    policy::require_convener(actor, owner, "record this meeting's minutes")?;
    if matches!(
        current.status,
        MeetingStatus::Cancelled | MeetingStatus::Postponed
    ) {
        return Err(DomainError::state(
            "id",
            format!("the meeting was {}: it has no minutes", current.status),
        ));
    }
    let mut am = current.into_active_model();
    am.minutes = Set(Some(minutes));
    am.updated_at = Set(now());
    let model = am.update(&txn).await?;
    emit(
        &txn,
        EventKind::MinutesRecorded,
        model.id,
        json!({ "meeting_id": model.id }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// The project's most recent meeting that has started: not yet marked held
/// (the one `!attended` records), or also held (the one `!action add`
/// attaches actions to).
#[tracing::instrument(skip_all)]
pub async fn last_started(
    db: &impl Db,
    project_id: Uuid,
    at: DateTime<Utc>,
    include_held: bool,
) -> Result<Option<meeting::Model>> {
    let mut statuses = vec![MeetingStatus::Proposed, MeetingStatus::Scheduled];
    if include_held {
        statuses.push(MeetingStatus::Held);
    }
    Ok(meeting::Entity::find()
        .filter(meeting::Column::ProjectId.eq(project_id))
        .filter(meeting::Column::Status.is_in(statuses))
        .filter(meeting::Column::StartsAt.lte(at))
        .order_by_desc(meeting::Column::StartsAt)
        .one(db)
        .await?)
}
