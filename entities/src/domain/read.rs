//! Reading, with the visibility rules applied: what an actor may list or
//! fetch by id, and the batch look-ups the API's DataLoaders call (one
//! statement for any number of parents). Also the `live_*` getters that use
//! cases use to load what they are about to change.

use sea_orm::{ColumnTrait, Condition, EntityTrait, PrimaryKeyTrait, QueryFilter, QueryOrder};
use std::sync::Arc;
use uuid::Uuid;

use super::Db;
use super::rows::{MeetingColumns, MemberColumns, RsvpColumns};
use crate::actor::MemberActor;
use crate::{
    Actor, DomainError, Result, agenda_item, alliance, group, group_succession, meeting, member,
    membership, organisation, policy, project, resource, rsvp,
};

/// Loads one row by id, or a `NOT_FOUND` error naming `field`.
pub async fn get<E>(db: &impl Db, id: Uuid, entity: &'static str, field: &str) -> Result<E::Model>
where
    E: EntityTrait,
    Uuid: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    E::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::not_found(entity, field, &id))
}

macro_rules! live {
    ($fn:ident, $module:ident, $entity:literal) => {
        #[doc = concat!("Loads a ", $entity, " that is not archived, for a change.")]
        pub async fn $fn(db: &impl Db, id: Uuid, field: &str) -> Result<$module::Model> {
            let row = get::<$module::Entity>(db, id, $entity, field).await?;
            if row.archived_at.is_some() {
                return Err(DomainError::state(
                    field,
                    format!("the {} '{}' is archived", $entity, id),
                ));
            }
            Ok(row)
        }
    };
}

live!(live_organisation, organisation, "organisation");
live!(live_member, member, "member");
live!(live_group, group, "group");
live!(live_project, project, "project");
live!(live_membership, membership, "membership");
live!(live_alliance, alliance, "alliance");
live!(live_resource, resource, "resource");

/// `column IN (ids…)` for a batch look-up. On PostgreSQL the ids go as one
/// array parameter (`column = ANY($1)`): the statement's text is then the
/// same whatever the batch's size, so each connection prepares it once.
/// With one placeholder per id, every new batch size was a new statement,
/// prepared (a round trip) and kept in sqlx's per-connection cache, and a
/// front end's varied page sizes filled it. SQLite has no arrays and
/// prepares statements cheaply in process: the list stays there.
///
/// One id is `column = $1`, everywhere. PostgreSQL plans a prepared
/// statement afresh on every run while it thinks a plan for these very
/// values beats one for any values; for `= ANY($1)` it always does (it
/// guesses ten elements for an unknown array), so a look-up by one id —
/// the most common read, `node(id:)` or `meeting(id:)` — was planned every
/// time. For `= $1` the two plans cost the same and PostgreSQL keeps the
/// general one after five runs: `pgbench` on the meeting look-up, 10,100
/// statements a second with the array, 20,100 with the equality
/// (bench/RESULTS.md, session 21).
fn among<C: ColumnTrait>(db: &impl Db, column: C, ids: &[Uuid]) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, extension::postgres::PgFunc};
    match ids {
        [id] => column.eq(*id),
        _ if db.get_database_backend() == sea_orm::DbBackend::Postgres => {
            Expr::col(column.as_column_ref()).eq(PgFunc::any(Expr::val(ids.to_vec())))
        }
        _ => column.is_in(ids.iter().copied()),
    }
}

/// [`among`] on a key column (at most one row per id), for the batch
/// look-ups by id. On PostgreSQL a batch of two or more ids is a semi-join
/// over the unnested array, `column IN (SELECT unnest($1))`: still one
/// statement text whatever the batch's size.
///
/// `= ANY($1)` was the same text, but once PostgreSQL keeps a prepared
/// statement's general plan (after five runs) it cannot see the array: on
/// a small table (the members, the groups, the projects) it picks a
/// sequential scan that tests every row against every id in turn, an
/// unhashed list. The export's 500 members cost 1.5–3.5 ms that way against
/// 0.15 ms with the array hashed in a plan for the values. Over the
/// unnested ids the general plan probes the key's index once per id, or
/// hashes the ids: its cost grows with the batch, never with batch × table.
/// On a large table, where `= ANY` uses the index anyway, the semi-join
/// was the same to about a tenth slower (100 of 4,000 meetings, `pgbench`,
/// bench/RESULTS.md, session 22): a few hundredths of a millisecond, the
/// price of never paying milliseconds on a small one.
fn among_keys<C: ColumnTrait>(
    db: &impl Db,
    column: C,
    ids: &[Uuid],
) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
    match ids {
        [_, _, ..] if db.get_database_backend() == sea_orm::DbBackend::Postgres => {
            Expr::col(column.as_column_ref()).in_subquery(
                Query::select()
                    .expr(Func::cust("unnest").arg(Expr::val(ids.to_vec())))
                    .to_owned(),
            )
        }
        _ => among(db, column, ids),
    }
}

/// The condition "visible to `actor`" on a visibility column: the levels
/// the actor sees everywhere, or `private` where `private_match` says the
/// row is the member's own.
fn visible(
    actor: &Actor,
    column: impl ColumnTrait,
    private_match: impl FnOnce(&MemberActor) -> Condition,
) -> Condition {
    let mut c = Condition::any().add(column.is_in(policy::visible_levels(actor).iter().copied()));
    if let Some(m) = actor.member()
        && !policy::sees_everything(actor)
    {
        c = c.add(
            Condition::all()
                .add(column.eq(crate::Visibility::Private))
                .add(private_match(m)),
        );
    }
    c
}

fn group_visible(actor: &Actor) -> Condition {
    visible(actor, group::Column::Visibility, |m| {
        Condition::all().add(group::Column::Id.is_in(m.group_ids()))
    })
}

fn project_visible(actor: &Actor) -> Condition {
    visible(actor, project::Column::Visibility, |m| {
        Condition::any()
            .add(project::Column::Id.is_in(m.visible_projects.iter().copied()))
            .add(project::Column::GroupId.is_in(m.group_ids()))
    })
}

fn meeting_visible(actor: &Actor) -> Condition {
    visible(actor, meeting::Column::Visibility, |m| {
        Condition::any()
            .add(meeting::Column::GroupId.is_in(m.group_ids()))
            .add(meeting::Column::ProjectId.is_in(m.visible_projects.iter().copied()))
    })
}

fn resource_visible(actor: &Actor) -> Condition {
    visible(actor, resource::Column::Visibility, |m| {
        Condition::any()
            .add(resource::Column::GroupId.is_in(m.group_ids()))
            .add(resource::Column::ProjectId.is_in(m.visible_projects.iter().copied()))
    })
}

/// The condition "not archived, unless `actor` asked and may".
fn live_only(actor: &Actor, include_archived: bool, column: impl ColumnTrait) -> Condition {
    if include_archived && policy::can_see_archived(actor) {
        Condition::all()
    } else {
        Condition::all().add(column.is_null())
    }
}

/// Filters for the top-level `groups` list.
#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    pub status: Option<Vec<crate::GroupStatus>>,
    pub include_archived: bool,
}

/// The groups `actor` may see, by name.
pub async fn groups(db: &impl Db, actor: &Actor, f: &GroupFilter) -> Result<Vec<group::Model>> {
    let mut q = group::Entity::find()
        .filter(group_visible(actor))
        .filter(live_only(
            actor,
            f.include_archived,
            group::Column::ArchivedAt,
        ));
    if let Some(s) = &f.status {
        q = q.filter(group::Column::Status.is_in(s.iter().copied()));
    }
    let q = q
        .order_by_asc(group::Column::Name)
        .order_by_asc(group::Column::Id);
    Ok(super::rows::groups(db, q).await?)
}

/// Filters for the top-level `projects` list.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub status: Option<Vec<crate::ProjectStatus>>,
    pub group_id: Option<Uuid>,
    pub include_archived: bool,
}

/// The projects `actor` may see, by name.
pub async fn projects(
    db: &impl Db,
    actor: &Actor,
    f: &ProjectFilter,
) -> Result<Vec<project::Model>> {
    let mut q = project::Entity::find()
        .filter(project_visible(actor))
        .filter(live_only(
            actor,
            f.include_archived,
            project::Column::ArchivedAt,
        ));
    if let Some(s) = &f.status {
        q = q.filter(project::Column::Status.is_in(s.iter().copied()));
    }
    if let Some(g) = f.group_id {
        q = q.filter(project::Column::GroupId.eq(g));
    }
    let q = q
        .order_by_asc(project::Column::Name)
        .order_by_asc(project::Column::Id);
    Ok(super::rows::projects(db, q).await?)
}

/// Filters for meeting lists.
#[derive(Debug, Clone, Default)]
pub struct MeetingFilter {
    pub status: Option<Vec<crate::MeetingStatus>>,
    pub kind: Option<Vec<crate::MeetingKind>>,
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    /// Meetings starting at or after this instant.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Meetings starting before this instant.
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

impl MeetingFilter {
    /// Whether `m` passes this filter (for lists filtered after a batch load).
    pub fn accepts(&self, m: &meeting::Model) -> bool {
        self.status.as_ref().is_none_or(|s| s.contains(&m.status))
            && self.kind.as_ref().is_none_or(|k| k.contains(&m.kind))
            && self.group_id.is_none_or(|g| m.group_id == Some(g))
            && self.project_id.is_none_or(|p| m.project_id == Some(p))
            && self.from.is_none_or(|f| m.starts_at >= f)
            && self.to.is_none_or(|t| m.starts_at < t)
    }
}

/// The meetings `actor` may see, by start time.
pub async fn meetings(
    db: &impl Db,
    actor: &Actor,
    f: &MeetingFilter,
) -> Result<Vec<meeting::Model>> {
    meetings_up_to(db, actor, f, None, MeetingColumns::ALL).await
}

/// [`meetings`], the first `limit` only (the database stops there: a first
/// page of a long list reads a page, not the list), with only `columns` and
/// the id read. Unless `columns` is [`MeetingColumns::ALL`], the models
/// hold placeholders in their other fields ([`super::rows::meeting_part`]).
pub async fn meetings_up_to(
    db: &impl Db,
    actor: &Actor,
    f: &MeetingFilter,
    limit: Option<u64>,
    columns: MeetingColumns,
) -> Result<Vec<meeting::Model>> {
    use sea_orm::QuerySelect;
    let mut q = meeting::Entity::find().filter(meeting_visible(actor));
    if let Some(s) = &f.status {
        q = q.filter(meeting::Column::Status.is_in(s.iter().copied()));
    }
    if let Some(k) = &f.kind {
        q = q.filter(meeting::Column::Kind.is_in(k.iter().copied()));
    }
    if let Some(g) = f.group_id {
        q = q.filter(meeting::Column::GroupId.eq(g));
    }
    if let Some(p) = f.project_id {
        q = q.filter(meeting::Column::ProjectId.eq(p));
    }
    if let Some(from) = f.from {
        q = q.filter(meeting::Column::StartsAt.gte(from));
    }
    if let Some(to) = f.to {
        q = q.filter(meeting::Column::StartsAt.lt(to));
    }
    let q = q
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .limit(limit);
    Ok(super::rows::meetings_part(db, q, columns.with(meeting::Column::Id)).await?)
}

/// The organisations (all are public: they are the federation's members and
/// partners), by name.
pub async fn organisations(
    db: &impl Db,
    actor: &Actor,
    kind: Option<&[crate::OrganisationKind]>,
    include_archived: bool,
) -> Result<Vec<organisation::Model>> {
    let mut q = organisation::Entity::find().filter(live_only(
        actor,
        include_archived,
        organisation::Column::ArchivedAt,
    ));
    if let Some(k) = kind {
        q = q.filter(organisation::Column::Kind.is_in(k.iter().copied()));
    }
    Ok(q.order_by_asc(organisation::Column::Name)
        .order_by_asc(organisation::Column::Id)
        .all(db)
        .await?)
}

/// Filters for the `alliances` list.
#[derive(Debug, Clone, Default)]
pub struct AllianceFilter {
    pub kind: Option<Vec<crate::AllianceKind>>,
    pub scope: Option<Vec<crate::AllianceScope>>,
    pub status: Option<Vec<crate::AllianceStatus>>,
    pub group_id: Option<Uuid>,
    pub include_archived: bool,
}

impl AllianceFilter {
    /// Whether `a` passes this filter.
    pub fn accepts(&self, a: &alliance::Model) -> bool {
        self.kind.as_ref().is_none_or(|k| k.contains(&a.kind))
            && self.scope.as_ref().is_none_or(|s| s.contains(&a.scope))
            && self.status.as_ref().is_none_or(|s| s.contains(&a.status))
            && self.group_id.is_none_or(|g| a.group_id == Some(g))
    }
}

/// The alliances `actor` may see: those of the federation itself and of
/// groups and projects the actor may see.
pub async fn alliances(
    db: &impl Db,
    actor: &Actor,
    f: &AllianceFilter,
) -> Result<Vec<alliance::Model>> {
    let rows = alliance::Entity::find()
        .filter(live_only(
            actor,
            f.include_archived,
            alliance::Column::ArchivedAt,
        ))
        .order_by_asc(alliance::Column::Id)
        .all(db)
        .await?;
    let rows: Vec<_> = rows.into_iter().filter(|a| f.accepts(a)).collect();
    visible_alliances(db, actor, rows).await
}

async fn visible_alliances(
    db: &impl Db,
    actor: &Actor,
    rows: Vec<alliance::Model>,
) -> Result<Vec<alliance::Model>> {
    // An alliance of neither a group nor a project is the federation's own.
    visible_owned(db, actor, rows, |a| (a.group_id, a.project_id), true).await
}

/// Keeps the rows whose owning group or project `actor` may see; a row
/// with no owner is kept when `ownerless_visible`.
async fn visible_owned<T>(
    db: &impl Db,
    actor: &Actor,
    rows: Vec<T>,
    owner: impl Fn(&T) -> (Option<Uuid>, Option<Uuid>),
    ownerless_visible: bool,
) -> Result<Vec<T>> {
    if policy::sees_everything(actor) {
        return Ok(rows);
    }
    let group_ids: Vec<Uuid> = rows.iter().filter_map(|r| owner(r).0).collect();
    let project_ids: Vec<Uuid> = rows.iter().filter_map(|r| owner(r).1).collect();
    let groups: Vec<Uuid> = groups_by_ids(db, actor, &group_ids)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    let projects: Vec<Uuid> = projects_by_ids(db, actor, &project_ids)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    Ok(rows
        .into_iter()
        .filter(|r| match owner(r) {
            (None, None) => ownerless_visible,
            (g, p) => {
                g.is_none_or(|g| groups.contains(&g)) && p.is_none_or(|p| projects.contains(&p))
            }
        })
        .collect())
}

/// Filters for the `resources` list.
#[derive(Debug, Clone, Default)]
pub struct ResourceFilter {
    pub kind: Option<Vec<crate::ResourceKind>>,
    pub group_id: Option<Uuid>,
    pub project_id: Option<Uuid>,
    /// Resources carrying this tag.
    pub tag: Option<String>,
    pub include_archived: bool,
}

/// The resources `actor` may see, by title.
pub async fn resources(
    db: &impl Db,
    actor: &Actor,
    f: &ResourceFilter,
) -> Result<Vec<resource::Model>> {
    let mut q = resource::Entity::find()
        .filter(resource_visible(actor))
        .filter(live_only(
            actor,
            f.include_archived,
            resource::Column::ArchivedAt,
        ));
    if let Some(k) = &f.kind {
        q = q.filter(resource::Column::Kind.is_in(k.iter().copied()));
    }
    if let Some(g) = f.group_id {
        q = q.filter(resource::Column::GroupId.eq(g));
    }
    if let Some(p) = f.project_id {
        q = q.filter(resource::Column::ProjectId.eq(p));
    }
    let rows = q
        .order_by_asc(resource::Column::Title)
        .order_by_asc(resource::Column::Id)
        .all(db)
        .await?;
    Ok(match &f.tag {
        Some(tag) => rows
            .into_iter()
            .filter(|r| {
                r.tags
                    .as_array()
                    .is_some_and(|t| t.iter().any(|v| v.as_str() == Some(tag.as_str())))
            })
            .collect(),
        None => rows,
    })
}

// ---- batch look-ups for the DataLoaders: one statement per call ----------

/// Every row a select finds, through sea-orm's own decoder (for the
/// entities without a positional one in `rows`).
async fn decoded<E: EntityTrait>(
    db: &impl Db,
    q: sea_orm::Select<E>,
) -> std::result::Result<Vec<E::Model>, sea_orm::DbErr> {
    q.all(db).await
}

/// `by_ids!(fn, entity, [visibility,] read)`: the rows with these ids
/// (that `actor` may see, when a visibility condition is named), read by
/// `read` (a positional decoder from `rows`, or [`decoded`]).
macro_rules! by_ids {
    ($fn:ident, $module:ident, $visible:ident, $read:path) => {
        #[doc = concat!("The `", stringify!($module), "` rows with these ids that `actor` may see.")]
        pub async fn $fn(db: &impl Db, actor: &Actor, ids: &[Uuid]) -> Result<Vec<$module::Model>> {
            let q = $module::Entity::find()
                .filter(among_keys(db, $module::Column::Id, ids))
                .filter($visible(actor));
            Ok($read(db, q).await?)
        }
    };
    ($fn:ident, $module:ident, $read:path) => {
        #[doc = concat!("The `", stringify!($module), "` rows with these ids.")]
        pub async fn $fn(
            db: &impl Db,
            _actor: &Actor,
            ids: &[Uuid],
        ) -> Result<Vec<$module::Model>> {
            let q = $module::Entity::find().filter(among_keys(db, $module::Column::Id, ids));
            Ok($read(db, q).await?)
        }
    };
    // A read by id that can read only some columns: `$fn` reads whole
    // rows, `$part` only the columns of a `$set` and the id, by `$read` (a
    // `rows::…_part` reader); with `$visible`, only rows `actor` may see.
    (
        $(#[$meta:meta])*
        part: $fn:ident, $part:ident, $module:ident, $set:ident, $read:path
        $(, $visible:ident)?
    ) => {
        $(#[$meta])*
        pub async fn $fn(db: &impl Db, actor: &Actor, ids: &[Uuid]) -> Result<Vec<$module::Model>> {
            $part(db, actor, ids, $set::ALL).await
        }

        #[doc = concat!("[`", stringify!($fn), "`], with only `columns` read and the id, which is")]
        #[doc = concat!("read whatever the set. Unless `columns` is [`", stringify!($set), "::ALL`], the")]
        #[doc = "models hold placeholders in their other fields (`super::rows`)."]
        pub async fn $part(
            db: &impl Db,
            actor: &Actor,
            ids: &[Uuid],
            columns: $set,
        ) -> Result<Vec<$module::Model>> {
            let q = $module::Entity::find().filter(among_keys(db, $module::Column::Id, ids));
            $(let q = q.filter($visible(actor));)?
            _ = actor;
            Ok($read(db, q, columns.with($module::Column::Id)).await?)
        }
    };
}

by_ids!(groups_by_ids, group, group_visible, super::rows::groups);
by_ids!(
    projects_by_ids,
    project,
    project_visible,
    super::rows::projects
);
by_ids!(
    /// The `meeting` rows with these ids that `actor` may see.
    part: meetings_by_ids,
    meetings_by_ids_part,
    meeting,
    MeetingColumns,
    super::rows::meetings_part,
    meeting_visible
);
by_ids!(resources_by_ids, resource, resource_visible, decoded);
by_ids!(organisations_by_ids, organisation, decoded);
by_ids!(
    /// The `member` rows with these ids (every member may be seen; their
    /// contact details are the adapters' to hide, by `policy::can_see_contact`).
    part: members_by_ids,
    members_by_ids_part,
    member,
    MemberColumns,
    super::rows::members_part
);

/// Memberships by id, of groups and projects `actor` may see.
pub async fn memberships_by_ids(
    db: &impl Db,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<membership::Model>> {
    let rows = membership::Entity::find()
        .filter(among_keys(db, membership::Column::Id, ids))
        .all(db)
        .await?;
    visible_memberships(db, actor, rows).await
}

async fn visible_memberships(
    db: &impl Db,
    actor: &Actor,
    rows: Vec<membership::Model>,
) -> Result<Vec<membership::Model>> {
    visible_owned(db, actor, rows, |m| (m.group_id, m.project_id), false).await
}

/// Alliances by id, of the federation or of groups and projects `actor` may see.
pub async fn alliances_by_ids(
    db: &impl Db,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<alliance::Model>> {
    let rows = alliance::Entity::find()
        .filter(among_keys(db, alliance::Column::Id, ids))
        .all(db)
        .await?;
    visible_alliances(db, actor, rows).await
}

/// The rows (agenda items, RSVPs, actions…) whose meeting `actor` may see.
pub async fn of_visible_meetings<T>(
    db: &impl Db,
    actor: &Actor,
    rows: Vec<T>,
    meeting: impl Fn(&T) -> Uuid,
) -> Result<Vec<T>> {
    let meeting_ids: Vec<Uuid> = rows.iter().map(&meeting).collect();
    let seen: std::collections::HashSet<Uuid> = meetings_by_ids(db, actor, &meeting_ids)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    Ok(rows
        .into_iter()
        .filter(|r| seen.contains(&meeting(r)))
        .collect())
}

/// Actions by id, those whose meeting `actor` may see.
pub async fn actions_by_ids(
    db: &impl Db,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<crate::action::Model>> {
    let rows = crate::action::Entity::find()
        .filter(among_keys(db, crate::action::Column::Id, ids))
        .all(db)
        .await?;
    of_visible_meetings(db, actor, rows, |r| r.meeting_id).await
}

/// The actions agreed at these meetings, by number.
pub async fn actions_of(db: &impl Db, meeting_ids: &[Uuid]) -> Result<Vec<crate::action::Model>> {
    Ok(crate::action::Entity::find()
        .filter(among(db, crate::action::Column::MeetingId, meeting_ids))
        .order_by_asc(crate::action::Column::Number)
        .all(db)
        .await?)
}

/// Agenda items by id, of meetings `actor` may see.
pub async fn agenda_items_by_ids(
    db: &impl Db,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<agenda_item::Model>> {
    let rows = agenda_item::Entity::find()
        .filter(among_keys(db, agenda_item::Column::Id, ids))
        .all(db)
        .await?;
    of_visible_meetings(db, actor, rows, |r| r.meeting_id).await
}

/// RSVPs by id, of meetings `actor` may see.
pub async fn rsvps_by_ids(db: &impl Db, actor: &Actor, ids: &[Uuid]) -> Result<Vec<rsvp::Model>> {
    let rows = rsvp::Entity::find()
        .filter(among_keys(db, rsvp::Column::Id, ids))
        .all(db)
        .await?;
    of_visible_meetings(db, actor, rows, |r| r.meeting_id).await
}

/// Projects of these groups that `actor` may see (archived ones left out).
pub async fn projects_of_groups(
    db: &impl Db,
    actor: &Actor,
    group_ids: &[Uuid],
) -> Result<Vec<project::Model>> {
    let q = project::Entity::find()
        .filter(among(db, project::Column::GroupId, group_ids))
        .filter(project_visible(actor))
        .filter(project::Column::ArchivedAt.is_null())
        .order_by_asc(project::Column::Name)
        .order_by_asc(project::Column::Id);
    Ok(super::rows::projects(db, q).await?)
}

/// Meetings of these groups (`by_project` false) or projects (true) that
/// `actor` may see, by start time.
pub async fn meetings_of(
    db: &impl Db,
    actor: &Actor,
    by_project: bool,
    ids: &[Uuid],
) -> Result<Vec<meeting::Model>> {
    let column = if by_project {
        meeting::Column::ProjectId
    } else {
        meeting::Column::GroupId
    };
    let q = meeting::Entity::find()
        .filter(among(db, column, ids))
        .filter(meeting_visible(actor))
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id);
    Ok(super::rows::meetings(db, q).await?)
}

/// The first `limit` meetings (by start) of each of these projects, with
/// these statuses (any when empty), that `actor` may see — in one
/// statement, so a page of projects with their next meetings reads those
/// meetings only. With `counts`, each comes with its RSVP counts
/// `[yes, no, maybe]`, read from the same rows.
///
/// On PostgreSQL each project's meetings are a `LATERAL` subquery with
/// its own `LIMIT`, over the project ids unnested from one array: with the
/// index `meetings (project_id, status, starts_at, id)` it reads the
/// `limit` rows it returns and no others. SQLite has no `LATERAL`: there
/// it is `ROW_NUMBER() OVER (PARTITION BY project_id …)`, which reads
/// every meeting of the projects and numbers them. On the benchmark's page
/// (200 projects, the next 5 scheduled meetings of 20 each) PostgreSQL ran
/// the window's statement about 300 times a second, the lateral one about
/// 440 (bench/RESULTS.md, session 21).
///
/// Only `columns` are read, with the id, project and start (which order
/// the page): a page showing a title and a start reads four columns of
/// twenty. Unless `columns` is [`MeetingColumns::ALL`], the models hold
/// placeholders in their other fields ([`super::rows::meeting_part`]).
pub async fn first_meetings_of_projects(
    db: &impl Db,
    actor: &Actor,
    ids: &[Uuid],
    statuses: &[crate::MeetingStatus],
    limit: u64,
    columns: MeetingColumns,
    counts: bool,
) -> Result<Vec<(meeting::Model, Option<[i64; 3]>)>> {
    use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, Query};
    use sea_orm::{FromQueryResult, QuerySelect, QueryTrait};
    let columns = columns
        .with(meeting::Column::Id)
        .with(meeting::Column::ProjectId)
        .with(meeting::Column::StartsAt);
    let part = (!columns.is_all()).then(|| columns.columns());
    let postgres = db.get_database_backend() == sea_orm::DbBackend::Postgres;
    // The projects' ids, unnested on PostgreSQL: `unnest($1) AS "p"`, whose
    // one column is named for the alias.
    let project = Alias::new("p");
    let mut inner = match &part {
        None => meeting::Entity::find(),
        Some(cs) => meeting::Entity::find()
            .select_only()
            .columns(cs.iter().copied()),
    }
    .filter(if postgres {
        Expr::col((meeting::Entity, meeting::Column::ProjectId))
            .equals((project.clone(), project.clone()))
    } else {
        among(db, meeting::Column::ProjectId, ids)
    })
    .filter(meeting_visible(actor));
    if counts {
        for name in COUNT_COLUMNS {
            inner = inner.expr(count_column(name));
        }
    }
    if !statuses.is_empty() {
        inner = inner.filter(meeting::Column::Status.is_in(statuses.iter().copied()));
    }
    let t = Alias::new("t");
    let mut outer = Query::select();
    outer.column((t.clone(), Asterisk));
    if postgres {
        let inner = inner
            .order_by_asc(meeting::Column::StartsAt)
            .order_by_asc(meeting::Column::Id)
            .limit(limit)
            .into_query();
        outer
            .from_function(
                sea_orm::sea_query::Func::cust("unnest").arg(Expr::val(ids.to_vec())),
                project,
            )
            .join_lateral(
                sea_orm::sea_query::JoinType::InnerJoin,
                inner,
                t.clone(),
                Expr::cust("TRUE"),
            );
    } else {
        let inner = inner
            .expr_as(
                Expr::cust(
                    "ROW_NUMBER() OVER (PARTITION BY \"meetings\".\"project_id\" ORDER BY \"meetings\".\"starts_at\", \"meetings\".\"id\")",
                ),
                "rn",
            )
            .into_query();
        outer
            .from_subquery(inner, t.clone())
            .and_where(Expr::col(Alias::new("rn")).lte(limit));
    }
    outer
        .order_by((t.clone(), meeting::Column::ProjectId), sea_orm::Order::Asc)
        .order_by((t.clone(), meeting::Column::StartsAt), sea_orm::Order::Asc)
        .order_by((t, meeting::Column::Id), sea_orm::Order::Asc);
    let stmt = db.get_database_backend().build(&outer);
    let rows = db.query_all_raw(stmt).await?;
    // The counts follow the model's columns.
    let read = part.as_ref().map_or_else(
        || <meeting::Column as sea_orm::Iterable>::iter().count(),
        Vec::len,
    );
    rows.iter()
        .map(|r| {
            let m = match &part {
                None => super::rows::FastMeeting::from_query_result(r, "")?.0,
                Some(_) => super::rows::meeting_part(r, columns, 0, "")?,
            };
            let c = if counts {
                Some(super::rows::counts_at(r, read, &COUNT_COLUMNS)?)
            } else {
                None
            };
            Ok((m, c))
        })
        .collect()
}

/// The owner of a membership, alliance or resource list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    Group,
    Project,
    Member,
}

/// Live memberships of these groups, projects or members.
pub async fn memberships_of(
    db: &impl Db,
    actor: &Actor,
    owner: Owner,
    ids: &[Uuid],
) -> Result<Vec<membership::Model>> {
    let column = match owner {
        Owner::Group => membership::Column::GroupId,
        Owner::Project => membership::Column::ProjectId,
        Owner::Member => membership::Column::MemberId,
    };
    let rows = membership::Entity::find()
        .filter(among(db, column, ids))
        .filter(membership::Column::ArchivedAt.is_null())
        .order_by_asc(membership::Column::Since)
        .order_by_asc(membership::Column::Id)
        .all(db)
        .await?;
    if owner == Owner::Member {
        visible_memberships(db, actor, rows).await
    } else {
        Ok(rows)
    }
}

/// Live alliances of these groups or projects.
pub async fn alliances_of(
    db: &impl Db,
    owner: Owner,
    ids: &[Uuid],
) -> Result<Vec<alliance::Model>> {
    let column = if owner == Owner::Project {
        alliance::Column::ProjectId
    } else {
        alliance::Column::GroupId
    };
    Ok(alliance::Entity::find()
        .filter(among(db, column, ids))
        .filter(alliance::Column::ArchivedAt.is_null())
        .order_by_asc(alliance::Column::Id)
        .all(db)
        .await?)
}

/// Live resources of these groups or projects that `actor` may see.
pub async fn resources_of(
    db: &impl Db,
    actor: &Actor,
    owner: Owner,
    ids: &[Uuid],
) -> Result<Vec<resource::Model>> {
    let column = if owner == Owner::Project {
        resource::Column::ProjectId
    } else {
        resource::Column::GroupId
    };
    Ok(resource::Entity::find()
        .filter(among(db, column, ids))
        .filter(resource_visible(actor))
        .filter(resource::Column::ArchivedAt.is_null())
        .order_by_asc(resource::Column::Title)
        .all(db)
        .await?)
}

/// Agenda items of these meetings, in order.
pub async fn agenda_of(db: &impl Db, meeting_ids: &[Uuid]) -> Result<Vec<agenda_item::Model>> {
    Ok(agenda_item::Entity::find()
        .filter(among(db, agenda_item::Column::MeetingId, meeting_ids))
        .order_by_asc(agenda_item::Column::Position)
        .order_by_asc(agenda_item::Column::Id)
        .all(db)
        .await?)
}

/// RSVP counts of these meetings, `[yes, no, maybe]`, one row per meeting
/// found. The counts are the meeting's own columns, kept by the database's
/// triggers on `rsvps` (migration `m20261129_000010`): a look-up by id, not
/// a count of every RSVP.
pub async fn rsvp_counts(db: &impl Db, meeting_ids: &[Uuid]) -> Result<Vec<(Uuid, [i64; 3])>> {
    use sea_orm::{FromQueryResult, QuerySelect};
    /// The four columns of the select, read by position
    /// (`rows::id_and_counts`).
    struct Row(Uuid, [i64; 3]);
    impl FromQueryResult for Row {
        fn from_query_result(
            res: &sea_orm::QueryResult,
            _pre: &str,
        ) -> Result<Self, sea_orm::DbErr> {
            let (id, counts) = super::rows::id_and_counts(res)?;
            Ok(Self(id, counts))
        }
    }
    let mut q = meeting::Entity::find()
        .select_only()
        .column(meeting::Column::Id);
    for name in COUNT_COLUMNS {
        q = q.expr(count_column(name));
    }
    Ok(q.filter(among_keys(db, meeting::Column::Id, meeting_ids))
        .into_model::<Row>()
        .all(db)
        .await?
        .into_iter()
        .map(|Row(id, counts)| (id, counts))
        .collect())
}

/// The `meetings` columns that hold a meeting's RSVP counts (yes, no,
/// maybe). `meeting::Model` leaves them out, so that no code but the
/// triggers ever writes them (ARCHITECTURE.md).
pub const COUNT_COLUMNS: [&str; 3] = ["rsvp_yes", "rsvp_no", "rsvp_maybe"];

/// `"meetings"."<name>"`.
fn count_column(name: &str) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Alias, Expr};
    Expr::col((meeting::Entity, Alias::new(name)))
}

/// The RSVPs of these meetings, by id.
///
/// Sorted here, not by an `ORDER BY`: PostgreSQL reads them through the
/// `(meeting_id, response)` index, so it would sort every row of the batch
/// (1,500 for the export's page of meetings) in the statement, about a
/// tenth of its time there (`pgbench`, bench/RESULTS.md, session 22); the
/// sort of their ids costs Muster tens of microseconds.
pub async fn rsvps_of(db: &impl Db, meeting_ids: &[Uuid]) -> Result<Vec<rsvp::Model>> {
    rsvps_of_part(db, meeting_ids, RsvpColumns::ALL).await
}

/// [`rsvps_of`], with only `columns` read and the id, meeting and member,
/// which are read whatever the set. Unless `columns` is
/// [`RsvpColumns::ALL`], the models hold placeholders in their other fields
/// ([`super::rows::rsvp_part`]).
pub async fn rsvps_of_part(
    db: &impl Db,
    meeting_ids: &[Uuid],
    columns: RsvpColumns,
) -> Result<Vec<rsvp::Model>> {
    let q = rsvp::Entity::find().filter(among(db, rsvp::Column::MeetingId, meeting_ids));
    let mut rows = super::rows::rsvps_part(db, q, with_rsvp_keys(columns)).await?;
    rows.sort_unstable_by_key(|r| r.id);
    Ok(rows)
}

/// `columns` and the RSVP's id, meeting and member, which a page of RSVPs
/// always reads: it pages by the first, groups by the second and finds the
/// member by the third.
fn with_rsvp_keys(columns: RsvpColumns) -> RsvpColumns {
    columns
        .with(rsvp::Column::Id)
        .with(rsvp::Column::MeetingId)
        .with(rsvp::Column::MemberId)
}

/// [`rsvps_of_part`], each RSVP with the member who gave it, read in the
/// same statement (a join on the member) with only `member_columns` of the
/// member. A member is decoded once and shared by all their RSVPs. Every
/// member may be seen, as by [`members_by_ids`]; the foreign key (`ON
/// DELETE RESTRICT`) keeps every RSVP's member, so the inner join drops
/// none.
///
/// One statement instead of two (the RSVPs, then their members by id): the
/// export's page of 100 meetings has 1,500 RSVPs from 500 members, and the
/// second statement, with the 500 ids it took and the map of members built
/// from it, was about a tenth of Muster's time for the export
/// (bench/RESULTS.md, session 25). PostgreSQL spends as much on the join as
/// on the two.
pub async fn rsvps_with_members_part(
    db: &impl Db,
    _actor: &Actor,
    meeting_ids: &[Uuid],
    columns: RsvpColumns,
    member_columns: MemberColumns,
) -> Result<Vec<(rsvp::Model, Arc<member::Model>)>> {
    use sea_orm::sea_query::{Expr, JoinType};
    use sea_orm::{IdenStatic as _, QuerySelect as _, QueryTrait as _, RelationTrait as _};
    use std::collections::{HashMap, hash_map::Entry};
    let columns = with_rsvp_keys(columns);
    // The member's id is the RSVP's `member_id`.
    let member_columns = member_columns.without(member::Column::Id);
    let mut q = rsvp::Entity::find()
        .select_only()
        .columns(columns.columns())
        .join(JoinType::InnerJoin, rsvp::Relation::Member.def())
        .filter(among(db, rsvp::Column::MeetingId, meeting_ids));
    for c in member_columns.columns() {
        q = q.column_as(
            Expr::col((member::Entity, c)),
            format!("{MEMBER_PREFIX}{}", c.as_str()),
        );
    }
    let rows = db.query_all_raw(q.build(db.get_database_backend())).await?;
    let mut members: HashMap<Uuid, Arc<member::Model>, foldhash::fast::RandomState> =
        HashMap::default();
    // The member's columns follow the RSVP's.
    let first = columns.count();
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let r = super::rows::rsvp_part(row, columns, 0, "")?;
        let m = match members.entry(r.member_id) {
            Entry::Occupied(seen) => seen.get().clone(),
            Entry::Vacant(slot) => {
                let mut m = super::rows::member_part(row, member_columns, first, MEMBER_PREFIX)?;
                m.id = r.member_id;
                slot.insert(Arc::new(m)).clone()
            }
        };
        out.push((r, m));
    }
    out.sort_unstable_by_key(|(r, _)| r.id);
    Ok(out)
}

/// The prefix of a member's columns joined to their RSVPs
/// ([`rsvps_with_members_part`]).
const MEMBER_PREFIX: &str = "member__";

/// Succession links touching these groups: as successor (`predecessors`
/// true: the groups they replaced) or as predecessor.
pub async fn successions_of(
    db: &impl Db,
    predecessors: bool,
    ids: &[Uuid],
) -> Result<Vec<group_succession::Model>> {
    let column = if predecessors {
        group_succession::Column::SuccessorId
    } else {
        group_succession::Column::PredecessorId
    };
    Ok(group_succession::Entity::find()
        .filter(among(db, column, ids))
        .all(db)
        .await?)
}

/// A group by slug, if `actor` may see it (archived ones only for those who
/// may see archived objects).
pub async fn group_by_slug(
    db: &impl Db,
    actor: &Actor,
    slug: &str,
) -> Result<Option<group::Model>> {
    Ok(group::Entity::find()
        .filter(group::Column::Slug.eq(slug.trim()))
        .filter(group_visible(actor))
        .filter(live_only(actor, true, group::Column::ArchivedAt))
        .one(db)
        .await?)
}

/// A project by slug, if `actor` may see it.
pub async fn project_by_slug(
    db: &impl Db,
    actor: &Actor,
    slug: &str,
) -> Result<Option<project::Model>> {
    Ok(project::Entity::find()
        .filter(project::Column::Slug.eq(slug.trim()))
        .filter(project_visible(actor))
        .filter(live_only(actor, true, project::Column::ArchivedAt))
        .one(db)
        .await?)
}

/// An organisation by slug.
pub async fn organisation_by_slug(
    db: &impl Db,
    actor: &Actor,
    slug: &str,
) -> Result<Option<organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Slug.eq(slug.trim()))
        .filter(live_only(actor, true, organisation::Column::ArchivedAt))
        .one(db)
        .await?)
}

/// Where a row of a group or project belongs (the project's group loaded),
/// for the permission rules; neither means the federation itself.
pub async fn owner(
    db: &impl Db,
    group: Option<Uuid>,
    project: Option<Uuid>,
) -> Result<policy::Owner> {
    Ok(match (group, project) {
        (_, Some(p)) => {
            let project = get::<project::Entity>(db, p, "project", "project_id").await?;
            policy::Owner {
                group,
                project: Some(p),
                project_group: Some(project.group_id),
            }
        }
        (Some(g), None) => policy::Owner::group(g),
        (None, None) => policy::Owner::default(),
    })
}

/// A live group that `actor` may see, for a change; one they may not see is
/// reported as not found, so its existence is not revealed.
pub async fn visible_group(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    field: &str,
) -> Result<group::Model> {
    let g = get::<group::Entity>(db, id, "group", field).await?;
    if !policy::can_see(actor, g.visibility, policy::Owner::group(id)) {
        return Err(DomainError::not_found("group", field, &id));
    }
    live_group(db, id, field).await
}

/// A live project that `actor` may see, for a change (see [`visible_group`]).
pub async fn visible_project(
    db: &impl Db,
    actor: &Actor,
    id: Uuid,
    field: &str,
) -> Result<project::Model> {
    let p = get::<project::Entity>(db, id, "project", field).await?;
    if !policy::can_see(actor, p.visibility, policy::Owner::project(id, p.group_id)) {
        return Err(DomainError::not_found("project", field, &id));
    }
    live_project(db, id, field).await
}

/// The meetings that these meetings were moved to (visible to `actor`).
pub async fn meetings_moved_from(
    db: &impl Db,
    actor: &Actor,
    ids: &[Uuid],
) -> Result<Vec<meeting::Model>> {
    Ok(meeting::Entity::find()
        .filter(among(db, meeting::Column::PostponedFromId, ids))
        .filter(meeting_visible(actor))
        .all(db)
        .await?)
}

/// The members who convene an owner: conveners of its project and of the
/// project's group (or of the group).
pub async fn conveners_of(db: &impl Db, owner: crate::policy::Owner) -> Result<Vec<Uuid>> {
    let mut cond = sea_orm::Condition::any();
    if let Some(p) = owner.project {
        cond = cond.add(membership::Column::ProjectId.eq(p));
    }
    for g in [owner.group, owner.project_group].into_iter().flatten() {
        cond = cond.add(membership::Column::GroupId.eq(g));
    }
    if owner.project.is_none() && owner.group.is_none() {
        return Ok(Vec::new());
    }
    Ok(membership::Entity::find()
        .filter(cond)
        .filter(membership::Column::Role.eq(crate::Role::Convener))
        .filter(membership::Column::ArchivedAt.is_null())
        .filter(membership::Column::Status.eq(crate::MembershipStatus::Active))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.member_id)
        .collect())
}

/// Whether a meeting belongs to this group (its own meetings and its
/// projects') or this project, as `actor` sees them.
pub async fn meeting_belongs(
    db: &impl Db,
    actor: &Actor,
    m: &meeting::Model,
    group: Option<Uuid>,
    project: Option<Uuid>,
) -> Result<bool> {
    Ok(match (group, project) {
        (Some(g), _) => {
            m.group_id == Some(g)
                || match m.project_id {
                    Some(p) => projects_by_ids(db, actor, &[p])
                        .await?
                        .first()
                        .is_some_and(|p| p.group_id == g),
                    None => false,
                }
        }
        (None, Some(p)) => m.project_id == Some(p),
        (None, None) => false,
    })
}
