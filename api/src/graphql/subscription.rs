//! Live updates over WebSocket (`graphql-transport-ws` at `/graphql`):
//! `meetingChanged` for a group's or a project's meetings and
//! `rsvpChanged` for a meeting's answers. Events come from the outbox via
//! [`crate::live::Hub`], so they follow committed changes only, from any
//! Muster process on the same PostgreSQL. Each event is checked against
//! what the subscriber may see, as a query would be.

use async_graphql::{Context, Enum, ID, SimpleObject, Subscription};
use futures::Stream;
use futures::StreamExt as _;
use tokio_stream::wrappers::BroadcastStream;

use super::ids::{self, Kind};
use super::req;
use super::types::{Meeting, Rsvp};
use crate::live::Hub;

/// What happened to a meeting.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MeetingChangeKind {
    Scheduled,
    Updated,
    /// Moved: `meeting` is the new meeting; `postponedFrom` the old one.
    Moved,
    Cancelled,
    Held,
    Confirmed,
}

/// A change to a meeting.
#[derive(SimpleObject)]
pub struct MeetingChange {
    pub kind: MeetingChangeKind,
    /// The meeting as it is now.
    pub meeting: Meeting,
}

fn kind_of(kind: &str) -> Option<MeetingChangeKind> {
    Some(match kind {
        "meeting.scheduled" => MeetingChangeKind::Scheduled,
        "meeting.updated" => MeetingChangeKind::Updated,
        "meeting.moved" => MeetingChangeKind::Moved,
        "meeting.cancelled" => MeetingChangeKind::Cancelled,
        "meeting.held" => MeetingChangeKind::Held,
        "meeting.confirmed" => MeetingChangeKind::Confirmed,
        _ => return None,
    })
}

/// Live updates.
#[derive(Default)]
pub struct Subscription;

#[Subscription]
#[allow(clippy::unused_async)] // the macro wants async resolvers
impl Subscription {
    /// Meetings of a group (its projects' included) or of a project, as
    /// they are scheduled, changed, moved, cancelled or held. Give exactly
    /// one of `groupId` and `projectId`.
    async fn meeting_changed<'a>(
        &self,
        ctx: &Context<'a>,
        group_id: Option<ID>,
        project_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = MeetingChange> + 'a> {
        let r = req(ctx);
        let (group, project) = match (&group_id, &project_id) {
            (Some(g), None) => (Some(ids::expect(Kind::Group, g, "group_id")?), None),
            (None, Some(p)) => (None, Some(ids::expect(Kind::Project, p, "project_id")?)),
            _ => {
                return Err(super::errors::query_error(entities::DomainError::invalid(
                    "group_id",
                    "give exactly one of groupId and projectId",
                )));
            }
        };
        let hub = ctx.data_unchecked::<Hub>();
        let rx = BroadcastStream::new(hub.subscribe());
        Ok(rx.filter_map(move |row| async move {
            let row = row.ok()?;
            let kind = kind_of(&row.kind)?;
            let id = row.subject_id;
            let m = entities::domain::read::meetings_by_ids(&r.db, &r.actor, &[id])
                .await
                .ok()?
                .into_iter()
                .next()?;
            let belongs =
                entities::domain::read::meeting_belongs(&r.db, &r.actor, &m, group, project)
                    .await
                    .ok()?;
            belongs.then_some(MeetingChange {
                kind,
                meeting: Meeting::from(m),
            })
        }))
    }

    /// Answers to a meeting's invitation, as they are given or changed.
    async fn rsvp_changed<'a>(
        &self,
        ctx: &Context<'a>,
        meeting_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Rsvp> + 'a> {
        let r = req(ctx);
        let meeting = ids::expect(Kind::Meeting, &meeting_id, "meeting_id")?;
        let visible = entities::domain::read::meetings_by_ids(&r.db, &r.actor, &[meeting])
            .await
            .map_err(super::errors::query_error)?;
        if visible.is_empty() {
            return Err(super::errors::query_error(
                entities::DomainError::not_found("meeting", "meeting_id", &meeting),
            ));
        }
        let hub = ctx.data_unchecked::<Hub>();
        let rx = BroadcastStream::new(hub.subscribe());
        Ok(rx.filter_map(move |row| async move {
            let row = row.ok()?;
            if row.kind != "rsvp.changed" || row.subject_id != meeting {
                return None;
            }
            let rsvp: entities::rsvp::Model = serde_json::from_value(row.payload.clone()).ok()?;
            entities::domain::read::rsvps_by_ids(&r.db, &r.actor, &[rsvp.id])
                .await
                .ok()?
                .into_iter()
                .next()
                .map(Rsvp::from)
        }))
    }
}
