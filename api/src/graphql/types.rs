//! The object types, their relations (each through the request's batched loader), and the
//! filter and order inputs of their lists. Each type wraps a domain model
//! and only translates it; contact details ask `entities::policy` whether
//! the caller may see them.

use std::cmp::Ordering;
use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, InputObject, Interface, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entities::domain::read::{AllianceFilter as DAllianceFilter, MeetingFilter as DMeetingFilter};
use entities::domain::rows::{MeetingColumns, MemberColumns, RsvpColumns};
use entities::{DomainError, policy};
use uuid::Uuid;

use super::connection::{ListInfo, Page, paginate};
#[allow(clippy::wildcard_imports)] // the schema's whole vocabulary
use super::enums::*;
use super::errors::query_error;
use super::ids::{self, Kind};
#[allow(clippy::wildcard_imports)] // every loader key
use super::loaders::*;
pub use super::plain::Fast;
use super::plain::Now;
use super::req;

pub use super::connection::FastConn;

/// A page of a list.
pub type Conn<T> = Connection<super::connection::Cursor, T, ListInfo>;

/// Loads one value through the request's batched loader.
pub async fn load_one<K>(
    ctx: &Context<'_>,
    key: K,
) -> async_graphql::Result<Option<<DbLoader as Loader<K>>::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Error = std::sync::Arc<DomainError>>,
{
    req(ctx)
        .loader
        .load_one(key)
        .await
        .map_err(|e| super::errors::to_graphql(&e))
}

/// A resolver's work in an allocation of its own.
pub(super) type Boxed<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = async_graphql::Result<T>> + Send + 'a>>;

/// Runs a resolver's work in an allocation of its own. async-graphql puts
/// each field of an object in a future as large as the object's largest
/// field, so one field that holds several queries inline (`health`,
/// `contacts`…) made every field of every project, `name` included, about
/// 2.8 KB; boxed, that field costs its size only when it is asked for.
/// Shared helpers that query (`health_of`, `roles_of`) box themselves;
/// a resolver that calls the domain inline boxes that call.
pub(super) fn boxed<'a, T>(
    work: impl std::future::Future<Output = async_graphql::Result<T>> + Send + 'a,
) -> Boxed<'a, T> {
    Box::pin(work)
}

/// Loads a list through the request's batched loader (empty when none).
pub async fn load_list<K, V>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Vec<V>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Value = Vec<V>, Error = std::sync::Arc<DomainError>>,
{
    Ok(load_one(ctx, key).await?.unwrap_or_default())
}

/// The object a nullable foreign key points at, through the loader, if any
/// and visible.
async fn related<K, V, T>(
    ctx: &Context<'_>,
    id: Option<Uuid>,
    key: impl FnOnce(Uuid) -> K,
    wrap: impl FnOnce(V) -> T,
) -> async_graphql::Result<Option<T>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Value = V, Error = std::sync::Arc<DomainError>>,
{
    match id {
        Some(id) => Ok(load_one(ctx, key(id)).await?.map(wrap)),
        None => Ok(None),
    }
}

/// The group with this id, if any and visible.
pub(super) async fn group_of(
    ctx: &Context<'_>,
    id: Option<Uuid>,
) -> async_graphql::Result<Option<Group>> {
    related(ctx, id, GroupById, Group).await
}

/// The project with this id, if any and visible.
pub(super) async fn project_of(
    ctx: &Context<'_>,
    id: Option<Uuid>,
) -> async_graphql::Result<Option<Project>> {
    related(ctx, id, ProjectById, Project).await
}

/// The member with this id, if any.
pub(super) async fn member_of(
    ctx: &Context<'_>,
    id: Option<Uuid>,
) -> async_graphql::Result<Option<Fast<Member>>> {
    related(ctx, id, MemberById, |m| Fast(Member::from(m))).await
}

/// The organisation with this id, if any.
pub(super) async fn organisation_of(
    ctx: &Context<'_>,
    id: Option<Uuid>,
) -> async_graphql::Result<Option<Organisation>> {
    related(ctx, id, OrganisationById, Organisation).await
}

/// The meeting with this id, if any and visible.
pub(super) async fn meeting_of(
    ctx: &Context<'_>,
    id: Option<Uuid>,
) -> async_graphql::Result<Option<Meeting>> {
    related(ctx, id, MeetingById, Meeting::from).await
}

fn order<T>(rows: &mut [T], dir: OrderDirection, cmp: impl Fn(&T, &T) -> Ordering) {
    rows.sort_by(|a, b| match dir {
        OrderDirection::Asc => cmp(a, b),
        OrderDirection::Desc => cmp(b, a),
    });
}

/// Pages rows into a connection of `N`.
pub fn page<T, N: async_graphql::OutputType>(
    rows: Vec<T>,
    id: impl Fn(&T) -> Uuid,
    node: impl Fn(T) -> N,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<Conn<N>> {
    paginate(rows, id, node, &Page::new(first, after, last, before)).map_err(query_error)
}

/// Pages rows into a connection of [`Fast`] objects, whose nodes resolve
/// without a future each ([`FastConn`]).
pub fn fast_page<T, N: async_graphql::ObjectType + Now + Sync>(
    rows: Vec<T>,
    id: impl Fn(&T) -> Uuid,
    node: impl Fn(T) -> Fast<N>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<FastConn<N>> {
    page(rows, id, node, first, after, last, before).map(FastConn)
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn local(t: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => t.with_timezone(&tz).to_rfc3339(),
        Err(_) => t.to_rfc3339(),
    }
}

// ---- inputs ---------------------------------------------------------------

/// Narrows a list of groups.
#[derive(InputObject, Debug, Clone, Default)]
pub struct GroupFilter {
    pub status: Option<Vec<GroupStatus>>,
    /// Include archived groups (admins only).
    pub include_archived: Option<bool>,
}

/// What to sort groups by.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupOrderField {
    Name,
    CreatedAt,
}

/// How to sort groups.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct GroupOrder {
    pub field: GroupOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// Narrows a list of projects.
#[derive(InputObject, Debug, Clone, Default)]
pub struct ProjectFilter {
    pub status: Option<Vec<ProjectStatus>>,
    /// Projects of this group.
    pub group_id: Option<ID>,
    pub include_archived: Option<bool>,
}

/// What to sort projects by.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectOrderField {
    Name,
    CreatedAt,
    StartsOn,
}

/// How to sort projects.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct ProjectOrder {
    pub field: ProjectOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// Narrows a list of meetings.
#[derive(InputObject, Debug, Clone, Default)]
pub struct MeetingFilter {
    pub status: Option<Vec<MeetingStatus>>,
    pub kind: Option<Vec<MeetingKind>>,
    pub group_id: Option<ID>,
    pub project_id: Option<ID>,
    /// Meetings starting at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Meetings starting before this instant.
    pub to: Option<DateTime<Utc>>,
}

impl MeetingFilter {
    /// The domain's filter.
    pub fn to_domain(&self) -> Result<DMeetingFilter, DomainError> {
        Ok(DMeetingFilter {
            status: to_domain(self.status.as_ref()),
            kind: to_domain(self.kind.as_ref()),
            group_id: ids::expect_opt(Kind::Group, self.group_id.as_ref(), "filter.group_id")?,
            project_id: ids::expect_opt(
                Kind::Project,
                self.project_id.as_ref(),
                "filter.project_id",
            )?,
            from: self.from,
            to: self.to,
        })
    }
}

/// What to sort meetings by.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingOrderField {
    StartsAt,
    CreatedAt,
}

/// How to sort meetings (default: by start, earliest first).
#[derive(InputObject, Debug, Clone, Copy)]
pub struct MeetingOrder {
    pub field: MeetingOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// Sorts meetings.
pub fn order_meetings(rows: &mut [entities::meeting::Model], o: Option<MeetingOrder>) {
    if let Some(o) = o {
        match o.field {
            MeetingOrderField::StartsAt => order(rows, o.direction, |a, b| {
                (a.starts_at, a.id).cmp(&(b.starts_at, b.id))
            }),
            MeetingOrderField::CreatedAt => order(rows, o.direction, |a, b| {
                (a.created_at, a.id).cmp(&(b.created_at, b.id))
            }),
        }
    }
}

/// Sorts projects.
pub fn order_projects(rows: &mut [entities::project::Model], o: Option<ProjectOrder>) {
    if let Some(o) = o {
        match o.field {
            ProjectOrderField::Name => order(rows, o.direction, |a, b| {
                (&a.name, a.id).cmp(&(&b.name, b.id))
            }),
            ProjectOrderField::CreatedAt => order(rows, o.direction, |a, b| {
                (a.created_at, a.id).cmp(&(b.created_at, b.id))
            }),
            ProjectOrderField::StartsOn => order(rows, o.direction, |a, b| {
                (a.starts_on, a.id).cmp(&(b.starts_on, b.id))
            }),
        }
    }
}

/// Sorts groups.
pub fn order_groups(rows: &mut [entities::group::Model], o: Option<GroupOrder>) {
    if let Some(o) = o {
        match o.field {
            GroupOrderField::Name => order(rows, o.direction, |a, b| {
                (&a.name, a.id).cmp(&(&b.name, b.id))
            }),
            GroupOrderField::CreatedAt => order(rows, o.direction, |a, b| {
                (a.created_at, a.id).cmp(&(b.created_at, b.id))
            }),
        }
    }
}

/// What to sort organisations by.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganisationOrderField {
    Name,
    CreatedAt,
}

/// How to sort organisations (default: by name).
#[derive(InputObject, Debug, Clone, Copy)]
pub struct OrganisationOrder {
    pub field: OrganisationOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// Sorts organisations.
pub fn order_organisations(
    rows: &mut [entities::organisation::Model],
    o: Option<OrganisationOrder>,
) {
    if let Some(o) = o {
        match o.field {
            OrganisationOrderField::Name => order(rows, o.direction, |a, b| {
                (&a.name, a.id).cmp(&(&b.name, b.id))
            }),
            OrganisationOrderField::CreatedAt => {
                order(rows, o.direction, |a, b| {
                    (a.created_at, a.id).cmp(&(b.created_at, b.id))
                });
            }
        }
    }
}

/// What to sort resources by.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceOrderField {
    Title,
    CreatedAt,
}

/// How to sort resources (default: by title).
#[derive(InputObject, Debug, Clone, Copy)]
pub struct ResourceOrder {
    pub field: ResourceOrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// Sorts resources.
pub fn order_resources(rows: &mut [entities::resource::Model], o: Option<ResourceOrder>) {
    if let Some(o) = o {
        match o.field {
            ResourceOrderField::Title => order(rows, o.direction, |a, b| {
                (&a.title, a.id).cmp(&(&b.title, b.id))
            }),
            ResourceOrderField::CreatedAt => {
                order(rows, o.direction, |a, b| {
                    (a.created_at, a.id).cmp(&(b.created_at, b.id))
                });
            }
        }
    }
}

/// Narrows a list of organisations.
#[derive(InputObject, Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub kind: Option<Vec<OrganisationKind>>,
    pub include_archived: Option<bool>,
}

/// Narrows a list of alliances.
#[derive(InputObject, Debug, Clone, Default)]
pub struct AllianceFilter {
    pub kind: Option<Vec<AllianceKind>>,
    pub scope: Option<Vec<AllianceScope>>,
    pub status: Option<Vec<AllianceStatus>>,
    pub group_id: Option<ID>,
    pub include_archived: Option<bool>,
}

impl AllianceFilter {
    /// The domain's filter.
    pub fn to_domain(&self) -> Result<DAllianceFilter, DomainError> {
        Ok(DAllianceFilter {
            kind: to_domain(self.kind.as_ref()),
            scope: to_domain(self.scope.as_ref()),
            status: to_domain(self.status.as_ref()),
            group_id: ids::expect_opt(Kind::Group, self.group_id.as_ref(), "filter.group_id")?,
            include_archived: self.include_archived.unwrap_or(false),
        })
    }
}

/// Narrows a list of resources.
#[derive(InputObject, Debug, Clone, Default)]
pub struct ResourceFilter {
    pub kind: Option<Vec<ResourceKind>>,
    pub group_id: Option<ID>,
    pub project_id: Option<ID>,
    /// Resources carrying this tag.
    pub tag: Option<String>,
    pub include_archived: Option<bool>,
}

/// Narrows a list of memberships.
#[derive(InputObject, Debug, Clone, Default)]
pub struct MembershipFilter {
    pub role: Option<Vec<Role>>,
    pub involvement: Option<Vec<Involvement>>,
    pub status: Option<Vec<MembershipStatus>>,
}

impl MembershipFilter {
    fn accepts(&self, m: &entities::membership::Model) -> bool {
        self.role
            .as_ref()
            .is_none_or(|r| r.iter().any(|&x| entities::Role::from(x) == m.role))
            && self.involvement.as_ref().is_none_or(|r| {
                r.iter()
                    .any(|&x| entities::Involvement::from(x) == m.involvement)
            })
            && self.status.as_ref().is_none_or(|r| {
                r.iter()
                    .any(|&x| entities::MembershipStatus::from(x) == m.status)
            })
    }
}

fn filter_memberships(
    rows: Vec<entities::membership::Model>,
    f: Option<&MembershipFilter>,
) -> Vec<entities::membership::Model> {
    match f {
        Some(f) => rows.into_iter().filter(|m| f.accepts(m)).collect(),
        None => rows,
    }
}

fn filter_meetings(
    rows: Vec<entities::meeting::Model>,
    f: Option<&MeetingFilter>,
) -> async_graphql::Result<Vec<entities::meeting::Model>> {
    Ok(match f {
        Some(f) => {
            let f = f.to_domain().map_err(query_error)?;
            rows.into_iter().filter(|m| f.accepts(m)).collect()
        }
        None => rows,
    })
}

fn filter_alliances(
    rows: Vec<entities::alliance::Model>,
    f: Option<&AllianceFilter>,
) -> async_graphql::Result<Vec<entities::alliance::Model>> {
    Ok(match f {
        Some(f) => {
            let f = f.to_domain().map_err(query_error)?;
            rows.into_iter().filter(|a| f.accepts(a)).collect()
        }
        None => rows,
    })
}

// ---- the Node interface ---------------------------------------------------

/// An object with a global id, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "An opaque global id."))]
pub enum Node {
    Group(Group),
    Project(Project),
    Meeting(Meeting),
    Organisation(Organisation),
    Member(Member),
    Membership(Membership),
    Alliance(Alliance),
    Resource(Resource),
    AgendaItem(AgendaItem),
    Rsvp(Rsvp),
    Action(Action),
    Poll(Poll),
    PollOption(PollOption),
}

/// Fetches any object by its global id, if the caller may see it.
pub async fn node(ctx: &Context<'_>, id: &ID) -> async_graphql::Result<Option<Node>> {
    let Some((kind, uuid)) = ids::decode(id) else {
        return Ok(None);
    };
    Ok(match kind {
        Kind::Group => load_one(ctx, GroupById(uuid))
            .await?
            .map(|m| Node::Group(Group(m))),
        Kind::Project => load_one(ctx, ProjectById(uuid))
            .await?
            .map(|m| Node::Project(Project(m))),
        Kind::Meeting => load_one(ctx, MeetingById(uuid))
            .await?
            .map(|m| Node::Meeting(Meeting::from(m))),
        Kind::Organisation => load_one(ctx, OrganisationById(uuid))
            .await?
            .map(|m| Node::Organisation(Organisation(m))),
        Kind::Member => load_one(ctx, MemberById(uuid))
            .await?
            .map(|m| Node::Member(Member::from(m))),
        Kind::Membership => load_one(ctx, MembershipById(uuid))
            .await?
            .map(|m| Node::Membership(Membership(m))),
        Kind::Alliance => load_one(ctx, AllianceById(uuid))
            .await?
            .map(|m| Node::Alliance(Alliance(m))),
        Kind::Resource => load_one(ctx, ResourceById(uuid))
            .await?
            .map(|m| Node::Resource(Resource(m))),
        Kind::AgendaItem => load_one(ctx, AgendaItemById(uuid))
            .await?
            .map(|m| Node::AgendaItem(AgendaItem(m))),
        Kind::Rsvp => load_one(ctx, RsvpById(uuid))
            .await?
            .map(|m| Node::Rsvp(Rsvp::from(m))),
        Kind::Action => load_one(ctx, ActionById(uuid))
            .await?
            .map(|m| Node::Action(Action(m))),
        Kind::Poll => visible_poll(ctx, uuid).await?.map(|p| Node::Poll(Poll(p))),
        Kind::PollOption => {
            let r = req(ctx);
            let option = entities::domain::read::get::<entities::poll_option::Entity>(
                &r.db,
                uuid,
                "poll option",
                "id",
            )
            .await
            .ok();
            match option {
                Some(o) if visible_poll(ctx, o.poll_id).await?.is_some() => {
                    Some(Node::PollOption(PollOption(o)))
                }
                _ => None,
            }
        }
        // Reached through their group or project, not `node`.
        Kind::Role | Kind::Handover | Kind::Contact => None,
    })
}

// ---- objects ----------------------------------------------------------------

/// A strategic working group, such as Movement Building.
pub struct Group(pub entities::group::Model);

#[Object]
#[allow(clippy::too_many_arguments)] // Relay paging plus filter and order
impl Group {
    async fn id(&self) -> ID {
        ids::encode(Kind::Group, self.0.id)
    }
    /// Unique, stable, for URLs: `movement-building`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the group is here to do.
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }
    /// The areas the group oversees.
    async fn domains(&self) -> Vec<String> {
        strings(&self.0.domains)
    }
    async fn status(&self) -> GroupStatus {
        self.0.status.into()
    }
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// Who the group reports to, e.g. "the board".
    async fn reporting_line(&self) -> Option<&str> {
        self.0.reporting_line.as_deref()
    }
    /// IANA time zone its meetings default to.
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
    /// How it is doing: meetings, attendance, people, and warning signs.
    async fn health(
        &self,
        ctx: &Context<'_>,
        at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Health> {
        health_of(ctx, entities::domain::health::Of::Group(self.0.id), at).await
    }
    /// The roles it asks people to take, with what each asks.
    async fn roles(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::life::Role>> {
        super::life::roles_of(ctx, Some(self.0.id), None).await
    }
    /// Its charter (purpose and domains) as it changed, newest first, with
    /// who changed it and when.
    async fn charter(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::life::CharterVersion>> {
        boxed(async move {
            let r = req(ctx);
            Ok(entities::domain::groups::charter(&r.db, &[self.0.id])
                .await
                .map_err(query_error)?
                .into_iter()
                .map(super::life::CharterVersion)
                .collect())
        })
        .await
    }
    /// Its latest handover from the groups it succeeds, if one was started.
    async fn handover(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::life::Handover>> {
        boxed(async move {
            let r = req(ctx);
            Ok(entities::domain::handovers::latest_of(&r.db, &[self.0.id])
                .await
                .map_err(query_error)?
                .remove(&self.0.id)
                .map(super::life::Handover))
        })
        .await
    }
    /// Actions not yet done, its projects' included, oldest first.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn open_actions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Action>> {
        boxed(async move {
            let r = req(ctx);
            let rows = entities::domain::actions::open_of(
                &r.db,
                &r.actor,
                entities::domain::read::Owner::Group,
                &[self.0.id],
            )
            .await
            .map_err(query_error)?;
            page(rows, |r| r.id, Action, first, after, last, before)
        })
        .await
    }
    /// Its project groups.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<ProjectFilter>,
        order_by: Option<ProjectOrder>,
    ) -> async_graphql::Result<Conn<Project>> {
        let mut rows = load_list(ctx, ProjectsOfGroup(self.0.id)).await?;
        if let Some(s) = filter.as_ref().and_then(|f| f.status.as_ref()) {
            rows.retain(|p| {
                s.iter()
                    .any(|&x| entities::ProjectStatus::from(x) == p.status)
            });
        }
        order_projects(&mut rows, order_by);
        page(rows, |r| r.id, Project, first, after, last, before)
    }
    /// Its own meetings (not its projects'), by start time.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<MeetingFilter>,
        order_by: Option<MeetingOrder>,
    ) -> async_graphql::Result<FastConn<Meeting>> {
        let mut rows = filter_meetings(
            load_list(ctx, MeetingsOfGroup(self.0.id)).await?,
            filter.as_ref(),
        )?;
        order_meetings(&mut rows, order_by);
        fast_page(rows, |r| r.id, Fast::from, first, after, last, before)
    }
    /// Its alliances with other organisations.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn alliances(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<AllianceFilter>,
    ) -> async_graphql::Result<Conn<Alliance>> {
        let rows = filter_alliances(
            load_list(ctx, AlliancesOfGroup(self.0.id)).await?,
            filter.as_ref(),
        )?;
        page(rows, |r| r.id, Alliance, first, after, last, before)
    }
    /// Who is in it, in what role.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<MembershipFilter>,
    ) -> async_graphql::Result<Conn<Membership>> {
        let rows = filter_memberships(
            load_list(ctx, MembershipsOfGroup(self.0.id)).await?,
            filter.as_ref(),
        );
        page(rows, |r| r.id, Membership, first, after, last, before)
    }
    /// Its resources.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn resources(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Resource>> {
        let rows = load_list(ctx, ResourcesOfGroup(self.0.id)).await?;
        page(rows, |r| r.id, Resource, first, after, last, before)
    }
    /// The groups this one replaced (Movement Building succeeds Mobilising).
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn succeeds(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Group>> {
        let ids = load_list(ctx, PredecessorsOf(self.0.id)).await?;
        let rows = groups_in_order(ctx, ids).await?;
        page(rows, |r| r.id, Group, first, after, last, before)
    }
    /// The groups that replaced this one.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn succeeded_by(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Group>> {
        let ids = load_list(ctx, SuccessorsOf(self.0.id)).await?;
        let rows = groups_in_order(ctx, ids).await?;
        page(rows, |r| r.id, Group, first, after, last, before)
    }
}

async fn groups_in_order(
    ctx: &Context<'_>,
    ids: Vec<Uuid>,
) -> async_graphql::Result<Vec<entities::group::Model>> {
    let keys: Vec<GroupById> = ids.into_iter().map(GroupById).collect();
    let found = req(ctx)
        .loader
        .load_many(keys)
        .await
        .map_err(|e| super::errors::to_graphql(&e))?;
    let mut rows: Vec<_> = found.into_values().collect();
    rows.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
    Ok(rows)
}

/// A project group under a strategic group, such as Co-op Fortnight.
pub struct Project(pub entities::project::Model);

#[Object]
#[allow(clippy::too_many_arguments)] // Relay paging plus filter and order
impl Project {
    async fn id(&self) -> ID {
        ids::encode(Kind::Project, self.0.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn goal(&self) -> &str {
        &self.0.goal
    }
    async fn status(&self) -> ProjectStatus {
        self.0.status.into()
    }
    async fn starts_on(&self) -> Option<NaiveDate> {
        self.0.starts_on
    }
    async fn ends_on(&self) -> Option<NaiveDate> {
        self.0.ends_on
    }
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// IANA time zone for its meetings: its own, or else its group's.
    async fn time_zone(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        if let Some(z) = &self.0.time_zone {
            return Ok(z.clone());
        }
        Ok(load_one(ctx, GroupById(self.0.group_id))
            .await?
            .map_or_else(
                || entities::domain::groups::DEFAULT_TIME_ZONE.to_owned(),
                |g| g.time_zone,
            ))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
    /// Actions not yet done, oldest first.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn open_actions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Action>> {
        let rows = load_list(ctx, OpenActionsOfProject(self.0.id)).await?;
        page(rows, |r| r.id, Action, first, after, last, before)
    }
    /// How it is doing: meetings, attendance, people, and warning signs.
    async fn health(
        &self,
        ctx: &Context<'_>,
        at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Health> {
        health_of(ctx, entities::domain::health::Of::Project(self.0.id), at).await
    }
    /// The roles it asks people to take, with what each asks.
    async fn roles(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::life::Role>> {
        super::life::roles_of(ctx, None, Some(self.0.id)).await
    }
    /// An outreach project's co-ops to call or visit, by name (its members,
    /// its group's members and admins).
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        status: Option<ContactStatus>,
    ) -> async_graphql::Result<Vec<super::life::OutreachContact>> {
        boxed(async move {
            let r = req(ctx);
            Ok(entities::domain::outreach::contacts(
                &r.db,
                &r.actor,
                self.0.id,
                status.map(Into::into),
            )
            .await
            .map_err(query_error)?
            .into_iter()
            .map(super::life::OutreachContact)
            .collect())
        })
        .await
    }
    /// Where its outreach stands (its members, its group's members and
    /// admins).
    async fn outreach_progress(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<super::life::OutreachProgress> {
        boxed(async move {
            let r = req(ctx);
            Ok(
                entities::domain::outreach::progress(&r.db, &r.actor, self.0.id)
                    .await
                    .map_err(query_error)?
                    .into(),
            )
        })
        .await
    }
    /// Its open date poll, if any.
    async fn open_poll(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Poll>> {
        boxed(async move {
            let r = req(ctx);
            let found = entities::domain::polls::open_poll_of(&r.db, self.0.id)
                .await
                .map_err(query_error)?;
            Ok(found.map(|p| Poll(p.poll)))
        })
        .await
    }
    /// The Matrix room linked to it, if any.
    async fn room(&self) -> Option<Room> {
        self.0.matrix_room_id.clone().map(|room_id| Room {
            url: format!("https://matrix.to/#/{room_id}"),
            alias: None,
            room_id,
        })
    }
    /// The strategic group it belongs to (null if you may not see it).
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Group>> {
        group_of(ctx, Some(self.0.group_id)).await
    }
    /// Its meetings, by start time.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn meetings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<MeetingFilter>,
        order_by: Option<MeetingOrder>,
    ) -> async_graphql::Result<FastConn<Meeting>> {
        // A first page, filtered by status at most, is read as a page.
        let status_only = filter.as_ref().is_none_or(|f| {
            f.kind.is_none()
                && f.status.as_ref().is_none_or(|s| !s.is_empty())
                && f.group_id.is_none()
                && f.project_id.is_none()
                && f.from.is_none()
                && f.to.is_none()
        });
        let rows_needed = crate::graphql::connection::first_page_rows(
            ctx,
            first,
            after.as_ref(),
            last,
            before.as_ref(),
            order_by.is_none(),
        );
        if let Some(n) = rows_needed.filter(|_| status_only) {
            let statuses: Vec<entities::MeetingStatus> = filter
                .as_ref()
                .and_then(|f| f.status.as_ref())
                .map(|s| s.iter().copied().map(Into::into).collect())
                .unwrap_or_default();
            // Counts asked for on the page's meetings come with them.
            let look = ctx.look_ahead();
            let counts = crate::graphql::connection::nodes_ask(&look, "rsvpCounts");
            // So are the columns its fields read, and no others.
            let columns = meeting_columns(&look);
            let rows = load_list(
                ctx,
                super::loaders::FirstMeetingsOfProject::new(
                    self.0.id, &statuses, n, counts, columns,
                ),
            )
            .await?;
            return fast_page(
                rows,
                |r| r.0.id,
                |(m, c)| Fast(Meeting(m, c)),
                first,
                after,
                last,
                before,
            );
        }
        let mut rows = filter_meetings(
            load_list(ctx, MeetingsOfProject(self.0.id)).await?,
            filter.as_ref(),
        )?;
        order_meetings(&mut rows, order_by);
        fast_page(rows, |r| r.id, Fast::from, first, after, last, before)
    }
    /// Who is in it, in what role.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<MembershipFilter>,
    ) -> async_graphql::Result<Conn<Membership>> {
        let rows = filter_memberships(
            load_list(ctx, MembershipsOfProject(self.0.id)).await?,
            filter.as_ref(),
        );
        page(rows, |r| r.id, Membership, first, after, last, before)
    }
    /// Its alliances.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn alliances(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<AllianceFilter>,
    ) -> async_graphql::Result<Conn<Alliance>> {
        let rows = filter_alliances(
            load_list(ctx, AlliancesOfProject(self.0.id)).await?,
            filter.as_ref(),
        )?;
        page(rows, |r| r.id, Alliance, first, after, last, before)
    }
    /// Its resources.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn resources(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Resource>> {
        let rows = load_list(ctx, ResourcesOfProject(self.0.id)).await?;
        page(rows, |r| r.id, Resource, first, after, last, before)
    }
}

/// Will the meeting reach its quorum? Counts of answers, and the expected
/// attendance from each invitee's answer and their record of showing up.
#[derive(SimpleObject, Debug, Clone)]
pub struct QuorumOutlook {
    /// The fewest attendees for the meeting to go ahead.
    pub quorum: i32,
    /// Active members of the group or project, and anyone else who answered.
    pub invited: u32,
    pub confirmed: u32,
    pub maybe: u32,
    pub declined: u32,
    pub no_reply: u32,
    /// Expected attendance, to one decimal.
    pub forecast: f64,
    /// Whether the forecast reaches the quorum.
    pub likely: bool,
    /// Whether the counts are of co-ops (each once, by its delegates if it
    /// named any) rather than of people.
    pub per_coop: bool,
    /// People who said yes (as `confirmed`, unless per co-op).
    pub people_confirmed: u32,
    /// Per co-op: people who speak for no co-op here, left out.
    pub not_counted: u32,
    /// What the counts are of, in words.
    pub counting: String,
}

/// A project's Matrix room.
#[derive(SimpleObject, Debug, Clone)]
pub struct Room {
    /// `!opaque:server`.
    pub room_id: String,
    /// `#name:server`, when the bot knows one.
    pub alias: Option<String>,
    /// A link that opens the room in any Matrix client.
    pub url: String,
}

/// How many said yes, no and maybe.
// `serial`: its fields are resolved one after another, not through a
// `FuturesUnordered` (a task allocation and wakeups per field). That is
// what a type wants whose fields are plain values, or which loads at most
// one relation in a typical query: the list around it still resolves its
// items side by side, so their loads still share one batch. Rsvp,
// thousands to a large export, is the same (its two relations are two
// different loads either way), and so is Member, whose fields that need
// its memberships share one load of them. Types whose fields load several
// relations at once, or the same one twice (Meeting, Project, Group), keep
// them concurrent. Measured in `bench/RESULTS.md`, "Timestamps, hashing,
// serial objects" and "Serial members".
#[derive(SimpleObject, Debug, Clone, Copy, Default)]
#[graphql(serial)]
pub struct RsvpCounts {
    pub yes: u32,
    pub no: u32,
    pub maybe: u32,
}

impl Now for RsvpCounts {
    const SERIAL: bool = true;
    // Three numbers held by value: a page of a thousand meetings has a
    // thousand of them, each resolved in one pass (`plain::Fast`).
    fn now(&self, _: &str) -> bool {
        true
    }
}

/// The `meetings` columns each `Meeting` field reads besides the id, which
/// is always read. A page that asks only for fields listed here reads only
/// their columns (a project's first page, `loaders::FirstMeetingsOfProject`;
/// the root `meetings` page without an `orderBy`), as does the root
/// `meeting(id:)` (`loaders::MeetingPartById`); a field not listed reads
/// the whole row. A field's resolver must read no column but these:
/// `api::pruned_meeting_fields_match_whole_rows` in the suite holds every
/// entry to the value the whole row gives.
pub const MEETING_FIELD_COLUMNS: &[(&str, &[entities::meeting::Column])] = {
    use entities::meeting::Column as C;
    &[
        ("__typename", &[]),
        ("id", &[]),
        ("title", &[C::Title]),
        ("kind", &[C::Kind]),
        ("format", &[C::Format]),
        ("startsAt", &[C::StartsAt]),
        ("endsAt", &[C::EndsAt]),
        ("startsAtLocal", &[C::StartsAt, C::TimeZone]),
        ("endsAtLocal", &[C::EndsAt, C::TimeZone]),
        ("timeZone", &[C::TimeZone]),
        ("location", &[C::Location]),
        ("status", &[C::Status]),
        ("statusReason", &[C::CancelReason]),
        ("quorum", &[C::Quorum]),
        ("perCoop", &[C::PerCoop]),
        ("visibility", &[C::Visibility]),
        ("createdAt", &[C::CreatedAt]),
        ("updatedAt", &[C::UpdatedAt]),
        ("group", &[C::GroupId]),
        ("project", &[C::ProjectId]),
        ("postponedFrom", &[C::PostponedFromId]),
        ("postponedTo", &[]),
        ("timesMoved", &[C::PostponedFromId]),
        ("minutes", &[C::Minutes]),
        ("quorumConfirmedAt", &[C::QuorumConfirmedAt]),
        ("actions", &[]),
        ("agenda", &[]),
        ("rsvps", &[]),
        ("quorumOutlook", &[]),
        ("rsvpCounts", &[]),
    ]
};

/// The columns that the fields asked for on a meeting connection's nodes
/// (`nodes`, `edges { node }`, through fragments) read, by
/// [`MEETING_FIELD_COLUMNS`]; the whole row if one of them is not listed.
pub fn meeting_columns(look: &async_graphql::Lookahead<'_>) -> MeetingColumns {
    selected_columns(node_selections(look, None), MEETING_FIELD_COLUMNS)
        .unwrap_or(MeetingColumns::ALL)
}

/// The columns that the fields asked for on a meeting itself (the root
/// `meeting(id:)`) read, by [`MEETING_FIELD_COLUMNS`]; the whole row if one
/// of them is not listed.
pub fn meeting_object_columns(look: &async_graphql::Lookahead<'_>) -> MeetingColumns {
    selected_columns(look.selection_fields(), MEETING_FIELD_COLUMNS).unwrap_or(MeetingColumns::ALL)
}

/// The `rsvps` columns each `Rsvp` field reads besides the id, meeting and
/// member, which are always read (`read::rsvps_of_part`). A page of RSVPs
/// reads only these (`loaders::RsvpsOfMeeting`); a field not listed reads
/// the whole row. A field's resolver must read no
/// column but these: `api::pruned_rsvp_and_member_fields_match_whole_rows`
/// in the suite holds every entry to the value the whole row gives.
pub const RSVP_FIELD_COLUMNS: &[(&str, &[entities::rsvp::Column])] = {
    use entities::rsvp::Column as C;
    &[
        ("__typename", &[]),
        ("id", &[]),
        ("response", &[C::Response]),
        ("updatedAt", &[C::UpdatedAt]),
        ("member", &[]),
        ("meeting", &[]),
    ]
};

/// The `members` columns each `Member` field reads besides the id, which is
/// always known (the RSVP's `member_id`); as [`RSVP_FIELD_COLUMNS`], for the
/// members of a page of RSVPs, read with them (`read::rsvps_with_members_part`).
pub const MEMBER_FIELD_COLUMNS: &[(&str, &[entities::member::Column])] = {
    use entities::member::Column as C;
    &[
        ("__typename", &[]),
        ("id", &[]),
        ("displayName", &[C::DisplayName]),
        ("email", &[C::Email]),
        ("phone", &[C::Phone]),
        ("matrixUserId", &[C::MatrixUserId]),
        ("joinedAt", &[C::JoinedAt]),
        ("archivedAt", &[C::ArchivedAt]),
        ("organisation", &[C::OrganisationId]),
        ("memberships", &[]),
    ]
};

/// The columns that the fields asked for on an RSVP connection's nodes
/// read, by [`RSVP_FIELD_COLUMNS`] (and the response when the page is
/// filtered by it); the whole row if one of them is not listed.
pub fn rsvp_columns(look: &async_graphql::Lookahead<'_>, by_response: bool) -> RsvpColumns {
    let columns = selected_columns(node_selections(look, None), RSVP_FIELD_COLUMNS)
        .unwrap_or(RsvpColumns::ALL);
    if by_response {
        columns.with(entities::rsvp::Column::Response)
    } else {
        columns
    }
}

/// The columns that the fields asked for on the members of an RSVP
/// connection's nodes read, by [`MEMBER_FIELD_COLUMNS`]; the whole row if
/// one of them is not listed.
pub fn member_columns(look: &async_graphql::Lookahead<'_>) -> MemberColumns {
    selected_columns(node_selections(look, Some("member")), MEMBER_FIELD_COLUMNS)
        .unwrap_or(MemberColumns::ALL)
}

/// The selections of a connection's nodes (`nodes`, `edges { node }`), or
/// of their field `under`.
fn node_selections<'a>(
    look: &async_graphql::Lookahead<'a>,
    under: Option<&str>,
) -> Vec<async_graphql::SelectionField<'a>> {
    let nodes = look.field("nodes");
    let edges = look.field("edges").field("node");
    match under {
        None => [nodes, edges],
        Some(f) => [nodes.field(f), edges.field(f)],
    }
    .iter()
    .flat_map(async_graphql::Lookahead::selection_fields)
    .collect()
}

/// The set of columns the fields selected on `objects` read, by `table` (a
/// field and its columns); `None`, the whole row, if one of them is not
/// listed.
fn selected_columns<C: Copy, S: FromIterator<C>>(
    objects: Vec<async_graphql::SelectionField<'_>>,
    table: &[(&str, &[C])],
) -> Option<S> {
    let mut columns = Vec::new();
    for object in objects {
        for field in object.selection_set() {
            let (_, cs) = table.iter().find(|(name, _)| *name == field.name())?;
            columns.extend_from_slice(cs);
        }
    }
    Some(columns.into_iter().collect())
}

/// A meeting, event or call of a group or a project.
pub struct Meeting(
    pub entities::meeting::Model,
    // Its RSVP counts `[yes, no, maybe]`, when they were read with it
    // (`loaders::FirstMeetingsOfProject`); otherwise `rsvpCounts` loads them.
    pub Option<[u32; 3]>,
);

impl From<entities::meeting::Model> for Meeting {
    fn from(m: entities::meeting::Model) -> Self {
        Self(m, None)
    }
}

impl From<entities::meeting::Model> for Fast<Meeting> {
    fn from(m: entities::meeting::Model) -> Self {
        Self(m.into())
    }
}

#[Object]
#[allow(clippy::too_many_arguments)] // Relay paging plus filter and order
impl Meeting {
    async fn id(&self) -> ID {
        ids::encode(Kind::Meeting, self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn kind(&self) -> MeetingKind {
        self.0.kind.into()
    }
    async fn format(&self) -> MeetingFormat {
        self.0.format.into()
    }
    /// The start, as a UTC instant.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    /// The start in the meeting's time zone, RFC 3339 with its offset
    /// (`2025-06-06T12:00:00+01:00`).
    async fn starts_at_local(&self) -> String {
        local(self.0.starts_at, &self.0.time_zone)
    }
    /// The end in the meeting's time zone.
    async fn ends_at_local(&self) -> String {
        local(self.0.ends_at, &self.0.time_zone)
    }
    /// IANA time zone, e.g. `Europe/London`.
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    /// A place or a link.
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    async fn status(&self) -> MeetingStatus {
        self.0.status.into()
    }
    /// Why it was postponed or cancelled.
    async fn status_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }
    /// The fewest attendees for the meeting to go ahead (0: none set).
    async fn quorum(&self) -> i32 {
        self.0.quorum
    }
    /// Whether it counts per co-op: its quorum and outlook count each
    /// member co-op once, by its delegates if it named any.
    async fn per_coop(&self) -> bool {
        self.0.per_coop
    }
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The group it belongs to, when it is a group's meeting.
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Group>> {
        group_of(ctx, self.0.group_id).await
    }
    /// The project it belongs to, when it is a project's meeting.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        project_of(ctx, self.0.project_id).await
    }
    /// The meeting this one replaced when that one was moved.
    async fn postponed_from(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Meeting>> {
        meeting_of(ctx, self.0.postponed_from_id).await
    }
    /// The meeting this one was moved to, when it was postponed.
    async fn postponed_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Meeting>> {
        Ok(load_list(ctx, MovedTo(self.0.id))
            .await?
            .into_iter()
            .next()
            .map(Meeting::from))
    }
    /// How many times this meeting was moved to get here (the length of
    /// its `postponedFrom` chain): "this meeting was moved twice".
    async fn times_moved(&self, ctx: &Context<'_>) -> async_graphql::Result<u32> {
        let mut n = 0;
        let mut at = self.0.postponed_from_id;
        while let Some(id) = at {
            n += 1;
            at = load_one(ctx, MeetingById(id))
                .await?
                .and_then(|m| m.postponed_from_id);
            if n > 1_000 {
                break;
            }
        }
        Ok(n)
    }
    /// The minutes (Markdown), once a convener has recorded them.
    async fn minutes(&self) -> Option<&str> {
        self.0.minutes.as_deref()
    }
    /// When a convener chose to hold it whatever the quorum outlook says
    /// (no more quorum warnings).
    async fn quorum_confirmed_at(&self) -> Option<DateTime<Utc>> {
        self.0.quorum_confirmed_at
    }
    /// The actions agreed at it, by number.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn actions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Action>> {
        let rows = load_list(ctx, ActionsOfMeeting(self.0.id)).await?;
        page(rows, |r| r.id, Action, first, after, last, before)
    }
    /// The agenda, in order.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn agenda(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<AgendaItem>> {
        let rows = load_list(ctx, AgendaOfMeeting(self.0.id)).await?;
        page(rows, |r| r.id, AgendaItem, first, after, last, before)
    }
    /// The answers to the invitation.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn rsvps(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        response: Option<RsvpResponse>,
    ) -> async_graphql::Result<FastConn<Rsvp>> {
        // Members asked for come with the RSVPs, both with only the
        // columns their fields read.
        let look = ctx.look_ahead();
        let members =
            crate::graphql::connection::nodes_ask(&look, "member").then(|| member_columns(&look));
        let key = RsvpsOfMeeting {
            meeting: self.0.id,
            rsvps: rsvp_columns(&look, response.is_some()),
            members,
        };
        let mut rows: Vec<Rsvp> = load_list(ctx, key)
            .await?
            .into_iter()
            .map(|(r, m)| match members {
                Some(_) => Rsvp(r, Giver::Read(m)),
                None => Rsvp::from(r),
            })
            .collect();
        if let Some(r) = response {
            rows.retain(|x| x.0.response == r.into());
        }
        fast_page(rows, |r| r.0.id, Fast, first, after, last, before)
    }
    /// Whether it will reach its quorum, and how many are expected.
    async fn quorum_outlook(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<QuorumOutlook>> {
        Ok(load_one(ctx, OutlookOf(self.0.id))
            .await?
            .map(|o| QuorumOutlook {
                quorum: o.quorum,
                invited: o.invited,
                confirmed: o.confirmed,
                maybe: o.maybe,
                declined: o.declined,
                no_reply: o.no_reply,
                forecast: (o.forecast * 10.0).round() / 10.0,
                likely: o.likely,
                per_coop: o.per_coop,
                people_confirmed: o.people_confirmed,
                not_counted: o.not_counted,
                counting: o.counting(),
            }))
    }
    /// How many said yes, no and maybe.
    async fn rsvp_counts(&self, ctx: &Context<'_>) -> async_graphql::Result<Fast<RsvpCounts>> {
        let [yes, no, maybe] = match self.1 {
            Some(counts) => counts,
            None => load_one(ctx, super::loaders::RsvpCountsOf(self.0.id))
                .await?
                .unwrap_or_default(),
        };
        Ok(Fast(RsvpCounts { yes, no, maybe }))
    }
}

impl Now for Meeting {
    const SERIAL: bool = false;
    // Fields that read the meeting's own row; its RSVP counts when they
    // came with it. (`plain::tests::now_fields_match_the_derived_object`
    // holds each to the derived object's answer.)
    fn now(&self, name: &str) -> bool {
        match name {
            "id" | "title" | "kind" | "format" | "startsAt" | "endsAt" | "startsAtLocal"
            | "endsAtLocal" | "timeZone" | "location" | "status" | "statusReason" | "quorum"
            | "perCoop" | "visibility" | "createdAt" | "updatedAt" => true,
            "rsvpCounts" => self.1.is_some(),
            _ => false,
        }
    }
}

/// A member co-op, partner, network or movement organisation.
pub struct Organisation(pub entities::organisation::Model);

#[Object]
#[allow(clippy::too_many_arguments)] // Relay paging plus filter and order
impl Organisation {
    async fn id(&self) -> ID {
        ids::encode(Kind::Organisation, self.0.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> OrganisationKind {
        self.0.kind.into()
    }
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// ISO 3166-1 alpha-2.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }
    async fn is_member_coop(&self) -> bool {
        self.0.is_member_coop
    }
    /// The members who speak for it where counts are per co-op.
    async fn delegates(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Fast<Member>>> {
        let r = req(ctx);
        let ds = entities::domain::organisations::delegates_of(&r.db, &[self.0.id])
            .await
            .map_err(query_error)?;
        let mut out = Vec::new();
        for d in ds {
            if let Some(m) = member_of(ctx, Some(d.member_id)).await? {
                out.push(m);
            }
        }
        Ok(out)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
}

/// A person in the federation. E-mail and phone are shown only to those
/// allowed to see them; to others they are null.
pub struct Member(
    // Shared: the member who gave a thousand RSVPs of a page is read once
    // and handed to each of them (`loaders::RsvpsOfMeeting`), not copied.
    pub Arc<entities::member::Model>,
    // Their memberships, loaded once for every field of this object that
    // needs them (`email`, `phone`, `memberships`).
    tokio::sync::OnceCell<Vec<entities::membership::Model>>,
);

impl From<entities::member::Model> for Member {
    fn from(m: entities::member::Model) -> Self {
        Self::from(Arc::new(m))
    }
}

impl From<Arc<entities::member::Model>> for Member {
    fn from(m: Arc<entities::member::Model>) -> Self {
        Self(m, tokio::sync::OnceCell::new())
    }
}

impl Member {
    /// Their memberships (all of them: each use filters what it shows).
    async fn all_memberships(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<&[entities::membership::Model]> {
        self.1
            .get_or_try_init(|| load_list(ctx, MembershipsOfMember(self.0.id)))
            .await
            .map(Vec::as_slice)
    }

    async fn contact_visible(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let actor = &req(ctx).actor;
        if actor.is_admin() || actor.member_id() == Some(self.0.id) {
            return Ok(true);
        }
        if actor.member().is_none() {
            return Ok(false);
        }
        let memberships = self.all_memberships(ctx).await?;
        Ok(policy::can_see_contact(actor, &self.0, memberships))
    }
}

impl Now for Member {
    const SERIAL: bool = true;
    // Fields that read the member's own row; not the contact fields, which
    // wait on their memberships to decide who may see them.
    fn now(&self, name: &str) -> bool {
        matches!(
            name,
            "id" | "displayName" | "matrixUserId" | "joinedAt" | "archivedAt"
        )
    }
}

// `serial`, like `RsvpCounts`: a large export has thousands of members,
// most asked for their name alone. `email`, `phone` and `memberships` share
// one load of the memberships (the `OnceCell` above), so one after another
// they still cost one batch, one statement
// (`api::contact_fields_share_one_batch`).
#[Object(serial)]
#[allow(clippy::too_many_arguments)] // Relay paging plus filter and order
impl Member {
    async fn id(&self) -> ID {
        ids::encode(Kind::Member, self.0.id)
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Private: shown to the member themself, the conveners of their groups
    /// and projects, and admins; null to everyone else.
    async fn email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        Ok(self
            .contact_visible(ctx)
            .await?
            .then_some(self.0.email.as_deref())
            .flatten())
    }
    /// Private, as `email`.
    async fn phone(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        Ok(self
            .contact_visible(ctx)
            .await?
            .then_some(self.0.phone.as_deref())
            .flatten())
    }
    /// `@name:server`.
    async fn matrix_user_id(&self) -> Option<&str> {
        self.0.matrix_user_id.as_deref()
    }
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.joined_at
    }
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
    /// Their co-op or other organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        organisation_of(ctx, self.0.organisation_id).await
    }
    /// The groups and projects they are in (that you may see).
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn memberships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<MembershipFilter>,
    ) -> async_graphql::Result<Conn<Membership>> {
        let rows = filter_memberships(self.all_memberships(ctx).await?.to_vec(), filter.as_ref());
        page(rows, |r| r.id, Membership, first, after, last, before)
    }
}

/// A member in a group or a project: the role they hold and what it asks.
pub struct Membership(pub entities::membership::Model);

#[Object]
#[allow(clippy::too_many_arguments)] // Relay paging plus filter and order
impl Membership {
    async fn id(&self) -> ID {
        ids::encode(Kind::Membership, self.0.id)
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// What the role asks: destination, steering, engine or support.
    async fn involvement(&self) -> Involvement {
        self.0.involvement.into()
    }
    /// Hours a month they said they can give.
    async fn commitment_hours(&self) -> Option<i32> {
        self.0.commitment_hours
    }
    /// The group's or project's role they took, if any (PENDING status: an
    /// invitation, e.g. from a handover, not yet accepted).
    async fn taken_role(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::life::Role>> {
        let Some(id) = self.0.role_id else {
            return Ok(None);
        };
        let r = req(ctx);
        // A role is never deleted (only retired): a failure here is the
        // database's, and is reported as one, not as "no role".
        Ok(Some(super::life::Role(
            entities::domain::read::get::<entities::role::Entity>(&r.db, id, "role", "id")
                .await
                .map_err(query_error)?,
        )))
    }
    async fn status(&self) -> MembershipStatus {
        self.0.status.into()
    }
    async fn since(&self) -> DateTime<Utc> {
        self.0.since
    }
    async fn until(&self) -> Option<DateTime<Utc>> {
        self.0.until
    }
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Fast<Member>>> {
        member_of(ctx, Some(self.0.member_id)).await
    }
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Group>> {
        group_of(ctx, self.0.group_id).await
    }
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        project_of(ctx, self.0.project_id).await
    }
}

/// A relationship of the federation, a group or a project with another
/// organisation.
pub struct Alliance(pub entities::alliance::Model);

#[Object]
#[allow(clippy::too_many_arguments)] // Relay paging plus filter and order
impl Alliance {
    async fn id(&self) -> ID {
        ids::encode(Kind::Alliance, self.0.id)
    }
    async fn kind(&self) -> AllianceKind {
        self.0.kind.into()
    }
    async fn scope(&self) -> AllianceScope {
        self.0.scope.into()
    }
    async fn status(&self) -> AllianceStatus {
        self.0.status.into()
    }
    async fn notes(&self) -> &str {
        &self.0.notes
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        Ok(load_one(ctx, OrganisationById(self.0.organisation_id))
            .await?
            .map(Organisation))
    }
    /// The group that holds it; null (with `project`) for the federation's own.
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Group>> {
        group_of(ctx, self.0.group_id).await
    }
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        project_of(ctx, self.0.project_id).await
    }
    /// The member who keeps in touch.
    async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Fast<Member>>> {
        member_of(ctx, self.0.contact_member_id).await
    }
}

/// An educational or promotional resource.
pub struct Resource(pub entities::resource::Model);

#[Object]
#[allow(clippy::too_many_arguments)] // Relay paging plus filter and order
impl Resource {
    async fn id(&self) -> ID {
        ids::encode(Kind::Resource, self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn url(&self) -> &str {
        &self.0.url
    }
    async fn kind(&self) -> ResourceKind {
        self.0.kind.into()
    }
    /// Who it is for.
    async fn audience(&self) -> &str {
        &self.0.audience
    }
    async fn tags(&self) -> Vec<String> {
        strings(&self.0.tags)
    }
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Group>> {
        group_of(ctx, self.0.group_id).await
    }
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        project_of(ctx, self.0.project_id).await
    }
}

/// An item on a meeting's agenda.
pub struct AgendaItem(pub entities::agenda_item::Model);

#[Object]
#[allow(clippy::too_many_arguments)] // Relay paging plus filter and order
impl AgendaItem {
    async fn id(&self) -> ID {
        ids::encode(Kind::AgendaItem, self.0.id)
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// 1, 2, 3… in agenda order.
    async fn position(&self) -> i32 {
        self.0.position
    }
    async fn status(&self) -> AgendaItemStatus {
        self.0.status.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Who put it on the agenda.
    async fn proposer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Fast<Member>>> {
        member_of(ctx, self.0.proposer_id).await
    }
    async fn meeting(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Meeting>> {
        meeting_of(ctx, Some(self.0.meeting_id)).await
    }
}

/// A member's answer to a meeting invitation.
pub struct Rsvp(pub entities::rsvp::Model, pub Giver);

/// The member who gave an RSVP: looked up when asked for, or read with the
/// RSVP (`loaders::RsvpsOfMeeting`; `None` when the actor may not see
/// them, as the look-up would answer).
pub enum Giver {
    Later,
    Read(Option<Arc<entities::member::Model>>),
}

impl From<entities::rsvp::Model> for Rsvp {
    fn from(r: entities::rsvp::Model) -> Self {
        Self(r, Giver::Later)
    }
}

impl Now for Rsvp {
    const SERIAL: bool = true;
    // Fields that read the RSVP's own row, and its member when it was read
    // with it; its meeting waits.
    fn now(&self, name: &str) -> bool {
        match name {
            "id" | "response" | "updatedAt" => true,
            "member" => matches!(self.1, Giver::Read(_)),
            _ => false,
        }
    }
}

#[Object(serial)] // plain values and one relation at a time: see `RsvpCounts`
#[allow(clippy::too_many_arguments)] // Relay paging plus filter and order
impl Rsvp {
    async fn id(&self) -> ID {
        ids::encode(Kind::Rsvp, self.0.id)
    }
    async fn response(&self) -> RsvpResponse {
        self.0.response.into()
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Fast<Member>>> {
        Ok(match &self.1 {
            Giver::Read(m) => m.clone().map(|m| Fast(Member::from(m))),
            Giver::Later => member_of(ctx, Some(self.0.member_id)).await?,
        })
    }
    async fn meeting(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Meeting>> {
        meeting_of(ctx, Some(self.0.meeting_id)).await
    }
}

/// Something someone agreed to do at a meeting.
pub struct Action(pub entities::action::Model);

#[Object]
impl Action {
    async fn id(&self) -> ID {
        ids::encode(Kind::Action, self.0.id)
    }
    /// Its number within the group or project (`!done 3` in the room).
    async fn number(&self) -> i32 {
        self.0.number
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    async fn due_on(&self) -> Option<NaiveDate> {
        self.0.due_on
    }
    async fn done(&self) -> bool {
        self.0.done_at.is_some()
    }
    async fn done_at(&self) -> Option<DateTime<Utc>> {
        self.0.done_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Who will do it.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Fast<Member>>> {
        member_of(ctx, self.0.owner_id).await
    }
    /// The meeting that agreed it.
    async fn meeting(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Meeting>> {
        meeting_of(ctx, Some(self.0.meeting_id)).await
    }
}

/// A poll `actor` may see.
async fn visible_poll(
    ctx: &Context<'_>,
    id: Uuid,
) -> async_graphql::Result<Option<entities::poll::Model>> {
    let r = req(ctx);
    Ok(entities::domain::polls::by_ids(&r.db, &r.actor, &[id])
        .await
        .map_err(query_error)?
        .into_iter()
        .next())
}

/// A date poll: candidate times for a meeting.
pub struct Poll(pub entities::poll::Model);

#[Object]
impl Poll {
    async fn id(&self) -> ID {
        ids::encode(Kind::Poll, self.0.id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Whether it still takes votes.
    async fn open(&self) -> bool {
        self.0.status == entities::PollStatus::Open
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// Whether votes count once per co-op (`PollOption.votes` then counts
    /// co-ops).
    async fn per_coop(&self) -> bool {
        self.0.per_coop
    }
    /// The candidate times, in order.
    async fn options(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PollOption>> {
        let r = req(ctx);
        let p = entities::domain::polls::get(&r.db, self.0.id, "id")
            .await
            .map_err(query_error)?;
        Ok(p.options.into_iter().map(PollOption).collect())
    }
    /// The winning time, once closed.
    async fn chosen(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<PollOption>> {
        let Some(id) = self.0.chosen_option_id else {
            return Ok(None);
        };
        let r = req(ctx);
        Ok(
            entities::domain::read::get::<entities::poll_option::Entity>(
                &r.db,
                id,
                "poll option",
                "id",
            )
            .await
            .ok()
            .map(PollOption),
        )
    }
    /// The meeting it postpones, if it was opened for one.
    async fn postpones(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Meeting>> {
        meeting_of(ctx, self.0.meeting_id).await
    }
}

/// One candidate time of a date poll.
pub struct PollOption(pub entities::poll_option::Model);

#[Object]
impl PollOption {
    async fn id(&self) -> ID {
        ids::encode(Kind::PollOption, self.0.id)
    }
    /// 1, 2, 3… in the order offered.
    async fn position(&self) -> i32 {
        self.0.position
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    /// How many members can make it.
    async fn votes(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let r = req(ctx);
        let v = entities::domain::polls::votes_for(&r.db, &[self.0.id])
            .await
            .map_err(query_error)?;
        Ok(i32::try_from(v.get(&self.0.id).copied().unwrap_or(0)).unwrap_or(i32::MAX))
    }
}

/// A named warning sign of a group or project losing momentum.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum HealthSignal {
    /// No meeting held for a while.
    Stagnant,
    /// Meetings not going ahead, or below quorum.
    LowAttendance,
    /// Nobody convenes it.
    NoConvener,
    /// It succeeds other groups and their handover is not finished (or was
    /// never started).
    HandoverOpen,
    /// Members stepped back recently.
    MembersSteppingBack,
}

/// A signal and why it is raised.
#[derive(SimpleObject)]
pub struct RaisedSignal {
    pub signal: HealthSignal,
    /// In words, e.g. "no meeting held for 568 days (the last on 9 May 2025)".
    pub reason: String,
}

/// How a group or project is doing, over `windowDays` up to now.
#[derive(SimpleObject)]
pub struct Health {
    pub window_days: i32,
    pub meetings_held: i32,
    /// Postponed or cancelled in the window.
    pub meetings_called_off: i32,
    pub average_attendance: Option<f64>,
    /// Attendance at the last meeting held in the window minus the first
    /// (negative: falling).
    pub attendance_trend: Option<i32>,
    /// Members who came, answered or proposed something in the window.
    pub active_members: i32,
    pub days_since_last_held: Option<i32>,
    pub conveners: i32,
    pub signals: Vec<RaisedSignal>,
}

impl From<entities::domain::health::Health> for Health {
    fn from(h: entities::domain::health::Health) -> Self {
        use entities::domain::health::Signal;
        let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        let l = |v: i64| i32::try_from(v).unwrap_or(i32::MAX);
        Self {
            window_days: l(h.window_days),
            meetings_held: n(h.meetings_held),
            meetings_called_off: n(h.meetings_called_off),
            average_attendance: h.average_attendance,
            attendance_trend: h.attendance_trend.map(l),
            active_members: n(h.active_members),
            days_since_last_held: h.days_since_last_held.map(l),
            conveners: n(h.conveners),
            signals: h
                .signals
                .into_iter()
                .map(|r| RaisedSignal {
                    signal: match r.signal {
                        Signal::Stagnant => HealthSignal::Stagnant,
                        Signal::LowAttendance => HealthSignal::LowAttendance,
                        Signal::NoConvener => HealthSignal::NoConvener,
                        Signal::HandoverOpen => HealthSignal::HandoverOpen,
                        Signal::MembersSteppingBack => HealthSignal::MembersSteppingBack,
                    },
                    reason: r.reason,
                })
                .collect(),
        }
    }
}

/// The health of a group or project, as of `at` (default now); boxed
/// (see [`boxed`]).
pub(crate) fn health_of<'a>(
    ctx: &'a Context<'_>,
    of: entities::domain::health::Of,
    at: Option<DateTime<Utc>>,
) -> Boxed<'a, Health> {
    boxed(async move {
        let r = req(ctx);
        let h = entities::domain::health::of(
            &r.db,
            of,
            at.unwrap_or_else(Utc::now),
            r.settings.health.policy(),
        )
        .await
        .map_err(query_error)?;
        Ok(h.into())
    })
}

/// A group that raises at least one health signal.
#[derive(SimpleObject)]
pub struct GroupAttention {
    pub group: Group,
    pub health: Health,
}
