//! The query root: `node`/`nodes`, and the lists and look-ups outside
//! clients rely on (`groups`, `group(slug)`, `projects`, `project(slug)`,
//! `meetings`, `meeting(id)`, `organisations`, `organisation(slug)`,
//! `alliances`, `resources`). Every list is a Relay connection.

use async_graphql::{Context, ID, Object};
use entities::domain::read;
use entities::domain::rows::MeetingColumns;

use super::connection::MAX_PAGE;
use super::enums::to_domain;
use super::errors::query_error;
use super::ids::{self, Kind};
use super::req;
#[allow(clippy::wildcard_imports)] // the schema's whole vocabulary
use super::types::*;

/// Reading Muster.
#[derive(Default)]
pub struct CoreQuery;

#[Object]
#[allow(clippy::too_many_arguments)] // Relay paging plus filter and order
impl CoreQuery {
    /// Any object by its global id; null when it does not exist or you may
    /// not see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        node(ctx, &id).await
    }

    /// Several objects by global id, in the order asked (at most 100).
    #[graphql(complexity = "ids.len() * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > usize::try_from(MAX_PAGE).unwrap_or(100) {
            return Err(query_error(entities::DomainError::invalid(
                "ids",
                format!("ask for at most {MAX_PAGE} ids at once"),
            )));
        }
        // Concurrently, so the loader batches them: one statement a type.
        futures::future::try_join_all(ids.iter().map(|id| node(ctx, id))).await
    }

    /// The strategic working groups, by name.
    /// The groups showing warning signs (stagnant, low attendance, no
    /// convener, members stepping back), most signs first.
    async fn groups_needing_attention(
        &self,
        ctx: &Context<'_>,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> async_graphql::Result<Vec<GroupAttention>> {
        let r = req(ctx);
        let found = entities::domain::health::groups_needing_attention(
            &r.reads,
            &r.actor,
            at.unwrap_or_else(chrono::Utc::now),
            r.settings.health.policy(),
        )
        .await
        .map_err(query_error)?;
        Ok(found
            .into_iter()
            .map(|(g, h)| GroupAttention {
                group: Group(g),
                health: h.into(),
            })
            .collect())
    }
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<GroupFilter>,
        order_by: Option<GroupOrder>,
    ) -> async_graphql::Result<Conn<Group>> {
        let r = req(ctx);
        let f = filter.unwrap_or_default();
        let df = read::GroupFilter {
            status: to_domain(f.status.as_ref()),
            include_archived: f.include_archived.unwrap_or(false),
        };
        let mut rows = read::groups(&r.reads, &r.actor, &df)
            .await
            .map_err(query_error)?;
        order_groups(&mut rows, order_by);
        page(rows, |g| g.id, Group, first, after, last, before)
    }

    /// A group by its slug, e.g. `movement-building`.
    async fn group(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<Group>> {
        let r = req(ctx);
        Ok(read::group_by_slug(&r.reads, &r.actor, &slug)
            .await
            .map_err(query_error)?
            .map(Group))
    }

    /// The project groups, by name.
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
        let r = req(ctx);
        let f = filter.unwrap_or_default();
        let df = read::ProjectFilter {
            status: to_domain(f.status.as_ref()),
            group_id: ids::expect_opt(Kind::Group, f.group_id.as_ref(), "filter.group_id")
                .map_err(query_error)?,
            include_archived: f.include_archived.unwrap_or(false),
        };
        let mut rows = read::projects(&r.reads, &r.actor, &df)
            .await
            .map_err(query_error)?;
        order_projects(&mut rows, order_by);
        page(rows, |p| p.id, Project, first, after, last, before)
    }

    /// A project group by its slug, e.g. `co-op-fortnight`.
    async fn project(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> async_graphql::Result<Option<Project>> {
        let r = req(ctx);
        Ok(read::project_by_slug(&r.reads, &r.actor, &slug)
            .await
            .map_err(query_error)?
            .map(Project))
    }

    /// Meetings of every group and project, by start time (filter by date
    /// range, status, kind, group or project).
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
        let r = req(ctx);
        let df = filter
            .unwrap_or_default()
            .to_domain()
            .map_err(query_error)?;
        let limit = crate::graphql::connection::first_page_rows(
            ctx,
            first,
            after.as_ref(),
            last,
            before.as_ref(),
            order_by.is_none(),
        )
        .map(|n| u64::try_from(n).unwrap_or(u64::MAX));
        // The columns the page's fields read, and no others; whole rows for
        // an order of the caller's (`order_meetings` reads its column).
        let columns = if order_by.is_none() {
            super::types::meeting_columns(&ctx.look_ahead())
        } else {
            MeetingColumns::ALL
        };
        let mut rows = read::meetings_up_to(&r.reads, &r.actor, &df, limit, columns)
            .await
            .map_err(query_error)?;
        order_meetings(&mut rows, order_by);
        fast_page(rows, |m| m.id, Fast::from, first, after, last, before)
    }

    /// A meeting by its global id.
    async fn meeting(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<Fast<Meeting>>> {
        let uuid = ids::expect(Kind::Meeting, &id, "id").map_err(query_error)?;
        // Only the columns its fields read (`MEETING_FIELD_COLUMNS`).
        let columns = super::types::meeting_object_columns(&ctx.look_ahead());
        Ok(
            load_one(ctx, super::loaders::MeetingPartById(uuid, columns))
                .await?
                .map(Fast::from),
        )
    }

    /// Member co-ops, partners, networks and movement organisations, by name.
    #[graphql(
        complexity = "crate::graphql::connection::Page::size(first, last) * child_complexity"
    )]
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<OrganisationFilter>,
        order_by: Option<OrganisationOrder>,
    ) -> async_graphql::Result<Conn<Organisation>> {
        let r = req(ctx);
        let f = filter.unwrap_or_default();
        let kinds: Option<Vec<entities::OrganisationKind>> = to_domain(f.kind.as_ref());
        let mut rows = read::organisations(
            &r.reads,
            &r.actor,
            kinds.as_deref(),
            f.include_archived.unwrap_or(false),
        )
        .await
        .map_err(query_error)?;
        order_organisations(&mut rows, order_by);
        page(rows, |o| o.id, Organisation, first, after, last, before)
    }

    /// An organisation by its slug.
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> async_graphql::Result<Option<Organisation>> {
        let r = req(ctx);
        Ok(read::organisation_by_slug(&r.reads, &r.actor, &slug)
            .await
            .map_err(query_error)?
            .map(Organisation))
    }

    /// Alliances of the federation, its groups and projects, oldest first.
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
        let r = req(ctx);
        let df = filter
            .unwrap_or_default()
            .to_domain()
            .map_err(query_error)?;
        let rows = read::alliances(&r.reads, &r.actor, &df)
            .await
            .map_err(query_error)?;
        page(rows, |a| a.id, Alliance, first, after, last, before)
    }

    /// Educational and promotional resources, by title.
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
        filter: Option<ResourceFilter>,
        order_by: Option<ResourceOrder>,
    ) -> async_graphql::Result<Conn<Resource>> {
        let r = req(ctx);
        let f = filter.unwrap_or_default();
        let df = read::ResourceFilter {
            kind: to_domain(f.kind.as_ref()),
            group_id: ids::expect_opt(Kind::Group, f.group_id.as_ref(), "filter.group_id")
                .map_err(query_error)?,
            project_id: ids::expect_opt(Kind::Project, f.project_id.as_ref(), "filter.project_id")
                .map_err(query_error)?,
            tag: f.tag,
            include_archived: f.include_archived.unwrap_or(false),
        };
        let mut rows = read::resources(&r.reads, &r.actor, &df)
            .await
            .map_err(query_error)?;
        order_resources(&mut rows, order_by);
        page(rows, |x| x.id, Resource, first, after, last, before)
    }
}
