//! Loaders: every relation in the schema is loaded through one of these,
//! batched by the request's [`Batcher`], so a nested query runs one statement
//! per level, however many rows each level returns. A loader is made per
//! request, for that request's actor:
//! nothing is cached across requests or people. The batch look-ups
//! themselves, with their visibility rules, are in `entities::domain::read`.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;

use super::batch::Batcher;
use crate::reads::Reads;
use entities::domain::read::{self, Owner};
use entities::domain::rows::{MeetingColumns, MemberColumns, RsvpColumns};
use entities::{
    Actor, DomainError, agenda_item, alliance, group, meeting, member, membership, organisation,
    project, resource, rsvp,
};
use uuid::Uuid;

/// Loads rows for one request.
pub struct DbLoader {
    db: Reads,
    actor: Actor,
}

/// The largest batch: well under SQLite's and PostgreSQL's bind limits.
const MAX_BATCH: usize = 10_000;

/// A per-request loader.
pub fn new(db: Reads, actor: Actor) -> Batcher<DbLoader> {
    Batcher::new(DbLoader { db, actor }, MAX_BATCH)
}

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DomainError>>;

fn keys<K: Copy>(ks: &[K], f: impl Fn(K) -> Uuid) -> Vec<Uuid> {
    ks.iter().copied().map(f).collect()
}

macro_rules! by_id {
    ($key:ident, $model:ty, $fetch:path) => {
        #[doc = concat!("Loads one `", stringify!($model), "` by id.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub Uuid);

        impl Loader<$key> for DbLoader {
            type Value = $model;
            type Error = Arc<DomainError>;

            async fn load(&self, ks: &[$key]) -> LoadResult<$key, $model> {
                let rows = $fetch(&self.db, &self.actor, &keys(ks, |k| k.0))
                    .await
                    .map_err(Arc::new)?;
                Ok(rows.into_iter().map(|r| ($key(r.id), r)).collect())
            }
        }
    };
}

by_id!(GroupById, group::Model, read::groups_by_ids);
by_id!(ProjectById, project::Model, read::projects_by_ids);
by_id!(MeetingById, meeting::Model, read::meetings_by_ids);
by_id!(MemberById, member::Model, read::members_by_ids);
by_id!(
    OrganisationById,
    organisation::Model,
    read::organisations_by_ids
);
by_id!(MembershipById, membership::Model, read::memberships_by_ids);
by_id!(AllianceById, alliance::Model, read::alliances_by_ids);
by_id!(ResourceById, resource::Model, read::resources_by_ids);
by_id!(
    AgendaItemById,
    agenda_item::Model,
    read::agenda_items_by_ids
);
by_id!(RsvpById, rsvp::Model, read::rsvps_by_ids);
by_id!(ActionById, entities::action::Model, read::actions_by_ids);

/// A meeting by id with only `columns` read: the root `meeting(id:)`, whose
/// fields are known when it is asked for (`types::meeting_object_columns`).
/// Keys of one batch asking for different columns share one statement that
/// reads the columns of all of them. The meeting's other fields hold
/// placeholders: a model from here is only for the fields that asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MeetingPartById(pub Uuid, pub MeetingColumns);

impl Loader<MeetingPartById> for DbLoader {
    type Value = meeting::Model;
    type Error = Arc<DomainError>;

    async fn load(&self, ks: &[MeetingPartById]) -> LoadResult<MeetingPartById, meeting::Model> {
        let columns = ks.iter().fold(MeetingColumns::NONE, |cs, k| cs.union(k.1));
        let rows =
            read::meetings_by_ids_part(&self.db, &self.actor, &distinct(ks, |k| k.0), columns)
                .await
                .map_err(Arc::new)?;
        let by_id: HashMap<Uuid, meeting::Model> = rows.into_iter().map(|m| (m.id, m)).collect();
        Ok(ks
            .iter()
            .filter_map(|k| Some((*k, by_id.get(&k.0)?.clone())))
            .collect())
    }
}

/// Rows by parent id: hashed with foldhash, not `SipHash` (thousands of
/// rows a page; the map lives only while a batch's answer is built).
type ByParent<T> = HashMap<Uuid, Vec<T>, foldhash::fast::RandomState>;

/// Groups rows by a parent id.
fn group_by<T>(
    rows: impl IntoIterator<Item = T>,
    parent: impl Fn(&T) -> Option<Uuid>,
) -> ByParent<T> {
    let mut map = ByParent::default();
    for row in rows {
        if let Some(p) = parent(&row) {
            map.entry(p).or_default().push(row);
        }
    }
    map
}

/// The distinct ids of `rows`, sorted.
fn distinct<T>(rows: &[T], id: impl Fn(&T) -> Uuid) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = rows.iter().map(id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Hands each key the rows of its parent: they move to the last key that
/// wants them and are copied for the others (two aliases of one list that
/// ask for different fields are two keys of one parent).
fn hand_out<K: Copy + Eq + std::hash::Hash, T: Clone>(
    keys: &[K],
    parent: impl Fn(&K) -> Uuid,
    mut rows: ByParent<T>,
) -> HashMap<K, Vec<T>> {
    let mut wanting: HashMap<Uuid, usize, foldhash::fast::RandomState> = HashMap::default();
    for k in keys {
        *wanting.entry(parent(k)).or_default() += 1;
    }
    let mut out = HashMap::with_capacity(keys.len());
    for k in keys {
        let p = parent(k);
        let left = wanting.get_mut(&p).map_or(0, |n| {
            *n -= 1;
            *n
        });
        let value = if left == 0 {
            rows.remove(&p).unwrap_or_default()
        } else {
            rows.get(&p).cloned().unwrap_or_default()
        };
        out.insert(*k, value);
    }
    out
}

macro_rules! children {
    ($key:ident, $model:ty, |$self_:ident, $ids:ident| $fetch:expr, |$row:ident| $parent:expr) => {
        #[doc = concat!("Loads the `", stringify!($model), "` rows of a parent.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $key(pub Uuid);

        impl Loader<$key> for DbLoader {
            type Value = Vec<$model>;
            type Error = Arc<DomainError>;

            async fn load(&$self_, ks: &[$key]) -> LoadResult<$key, Vec<$model>> {
                let $ids = keys(ks, |k| k.0);
                let rows: Vec<$model> = $fetch.await.map_err(Arc::new)?;
                Ok(group_by(rows, |$row: &$model| $parent).into_iter().map(|(k, v)| ($key(k), v)).collect())
            }
        }
    };
}

children!(
    ProjectsOfGroup,
    project::Model,
    |self, ids| read::projects_of_groups(&self.db, &self.actor, &ids),
    |r| Some(r.group_id)
);
children!(
    MeetingsOfGroup,
    meeting::Model,
    |self, ids| read::meetings_of(&self.db, &self.actor, false, &ids),
    |r| r.group_id
);
children!(
    MeetingsOfProject,
    meeting::Model,
    |self, ids| read::meetings_of(&self.db, &self.actor, true, &ids),
    |r| r.project_id
);
children!(
    MembershipsOfGroup,
    membership::Model,
    |self, ids| read::memberships_of(&self.db, &self.actor, Owner::Group, &ids),
    |r| r.group_id
);
children!(
    MembershipsOfProject,
    membership::Model,
    |self, ids| read::memberships_of(&self.db, &self.actor, Owner::Project, &ids),
    |r| r.project_id
);
children!(
    MembershipsOfMember,
    membership::Model,
    |self, ids| read::memberships_of(&self.db, &self.actor, Owner::Member, &ids),
    |r| Some(r.member_id)
);
children!(
    AlliancesOfGroup,
    alliance::Model,
    |self, ids| read::alliances_of(&self.db, Owner::Group, &ids),
    |r| r.group_id
);
children!(
    AlliancesOfProject,
    alliance::Model,
    |self, ids| read::alliances_of(&self.db, Owner::Project, &ids),
    |r| r.project_id
);
children!(
    ResourcesOfGroup,
    resource::Model,
    |self, ids| read::resources_of(&self.db, &self.actor, Owner::Group, &ids),
    |r| r.group_id
);
children!(
    ResourcesOfProject,
    resource::Model,
    |self, ids| read::resources_of(&self.db, &self.actor, Owner::Project, &ids),
    |r| r.project_id
);
children!(
    ActionsOfMeeting,
    entities::action::Model,
    |self, ids| read::actions_of(&self.db, &ids),
    |r| Some(r.meeting_id)
);
children!(
    OpenActionsOfProject,
    entities::action::Model,
    |self, ids| entities::domain::actions::open_of(&self.db, &self.actor, Owner::Project, &ids),
    |r| r.project_id
);
children!(
    MovedTo,
    meeting::Model,
    |self, ids| read::meetings_moved_from(&self.db, &self.actor, &ids),
    |r| r.postponed_from_id
);
children!(
    AgendaOfMeeting,
    agenda_item::Model,
    |self, ids| read::agenda_of(&self.db, &ids),
    |r| Some(r.meeting_id)
);
/// Loads a meeting's RSVPs, and with them the members who gave them when
/// the query asks for those (`members`): one statement that joins each
/// RSVP to its member (`read::rsvps_with_members_part`, with the same
/// visibility as `MemberById`). The member of each RSVP is then at hand
/// when it is resolved, instead of being looked up RSVP by RSVP through the
/// batcher (`bench/RESULTS.md`, "Members with their RSVPs"), and without a
/// second statement for the members ("One statement for RSVPs and their
/// members", session 25).
///
/// Only the columns the query's fields read are read, of the RSVPs and of
/// their members (`types::rsvp_columns`, `types::member_columns`); keys of
/// one batch asking for different columns share a statement that reads the
/// columns of all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RsvpsOfMeeting {
    pub meeting: Uuid,
    pub rsvps: RsvpColumns,
    /// The members' columns, when their members are asked for.
    pub members: Option<MemberColumns>,
}

/// An RSVP, and the member who gave it when they were asked for and the
/// actor may see them.
pub type Answered = (rsvp::Model, Option<Arc<member::Model>>);

impl Loader<RsvpsOfMeeting> for DbLoader {
    type Value = Vec<Answered>;
    type Error = Arc<DomainError>;

    async fn load(&self, ks: &[RsvpsOfMeeting]) -> LoadResult<RsvpsOfMeeting, Vec<Answered>> {
        let rsvp_columns = ks.iter().fold(RsvpColumns::NONE, |cs, k| cs.union(k.rsvps));
        let member_columns = ks
            .iter()
            .filter_map(|k| k.members)
            .reduce(MemberColumns::union);
        let meetings = distinct(ks, |k| k.meeting);
        // Members asked for by any key come in the RSVPs' statement.
        let answered: Vec<Answered> = match member_columns {
            Some(columns) => read::rsvps_with_members_part(
                &self.db,
                &self.actor,
                &meetings,
                rsvp_columns,
                columns,
            )
            .await
            .map_err(Arc::new)?
            .into_iter()
            .map(|(r, m)| (r, Some(m)))
            .collect(),
            None => read::rsvps_of_part(&self.db, &meetings, rsvp_columns)
                .await
                .map_err(Arc::new)?
                .into_iter()
                .map(|r| (r, None))
                .collect(),
        };
        let by_meeting = group_by(answered, |(r, _): &Answered| Some(r.meeting_id));
        Ok(hand_out(ks, |k| k.meeting, by_meeting))
    }
}

/// Loads the first `limit` meetings of a project (by start) with some
/// statuses (any when none are given): a first page, read as a page. The
/// statuses are kept as a bit set, so that keys asking the same thing are
/// equal and batch together.
///
/// With `counts`, the same statement also reads the RSVP counts of the
/// meetings it finds (columns of the meeting's row, kept by the database),
/// and hands each meeting over with its counts. A page of projects with
/// their next meetings and RSVP counts then waits once per project instead
/// of once per meeting (`bench/RESULTS.md`, "Counts with their meetings"),
/// and reads no RSVP ("Counts kept with their meeting").
///
/// Only the `columns` the query's fields read are read (`types::meeting_columns`);
/// keys of one batch asking for different columns share one statement that
/// reads the columns of all of them ("Columns a page shows").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FirstMeetingsOfProject {
    project: Uuid,
    /// Bit i: `MeetingStatus::ALL[i]`; 0: any.
    statuses: u8,
    limit: u16,
    counts: bool,
    columns: MeetingColumns,
}

/// A meeting, with its RSVP counts when they were read along with it.
pub type Counted = (meeting::Model, Option<[u32; 3]>);

impl FirstMeetingsOfProject {
    /// The first `limit` meetings of `project` with one of `statuses`, with
    /// their RSVP counts if `counts`, with `columns` read.
    pub fn new(
        project: Uuid,
        statuses: &[entities::MeetingStatus],
        limit: usize,
        counts: bool,
        columns: MeetingColumns,
    ) -> Self {
        let statuses = entities::MeetingStatus::ALL
            .iter()
            .enumerate()
            .filter(|(_, s)| statuses.contains(s))
            .fold(0u8, |bits, (i, _)| bits | (1 << i));
        Self {
            project,
            statuses,
            limit: u16::try_from(limit).unwrap_or(u16::MAX),
            counts,
            columns,
        }
    }

    fn statuses(bits: u8) -> Vec<entities::MeetingStatus> {
        entities::MeetingStatus::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, s)| *s)
            .collect()
    }
}

impl Loader<FirstMeetingsOfProject> for DbLoader {
    type Value = Vec<Counted>;
    type Error = Arc<DomainError>;

    async fn load(
        &self,
        ks: &[FirstMeetingsOfProject],
    ) -> LoadResult<FirstMeetingsOfProject, Vec<Counted>> {
        // One statement per distinct (statuses, limit): one in practice.
        let mut shapes: HashMap<(u8, u16), Vec<FirstMeetingsOfProject>> = HashMap::new();
        for k in ks {
            shapes.entry((k.statuses, k.limit)).or_default().push(*k);
        }
        let mut out = HashMap::with_capacity(ks.len());
        for ((statuses, limit), keys) in shapes {
            let ids = distinct(&keys, |k| k.project);
            let columns = keys
                .iter()
                .fold(MeetingColumns::NONE, |cs, k| cs.union(k.columns));
            let rows = read::first_meetings_of_projects(
                &self.db,
                &self.actor,
                &ids,
                &FirstMeetingsOfProject::statuses(statuses),
                u64::from(limit),
                columns,
                keys.iter().any(|k| k.counts),
            )
            .await
            .map_err(Arc::new)?;
            // A project asked for with and without counts (two aliases) is
            // two keys, and gets a copy of its list for the first.
            let by_project = group_by(rows, |(m, _)| m.project_id);
            for (k, meetings) in hand_out(&keys, |k| k.project, by_project) {
                let value = meetings
                    .into_iter()
                    .map(|(m, c)| (m, c.filter(|_| k.counts).map(counts)))
                    .collect();
                out.insert(k, value);
            }
        }
        Ok(out)
    }
}

/// `[yes, no, maybe]` as the API's unsigned counts.
fn counts(c: [i64; 3]) -> [u32; 3] {
    c.map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// Loads how many said yes, no and maybe to a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RsvpCountsOf(pub Uuid);

impl Loader<RsvpCountsOf> for DbLoader {
    type Value = [u32; 3];
    type Error = Arc<DomainError>;

    async fn load(&self, ks: &[RsvpCountsOf]) -> LoadResult<RsvpCountsOf, [u32; 3]> {
        let rows = read::rsvp_counts(&self.db, &keys(ks, |k| k.0))
            .await
            .map_err(Arc::new)?;
        let map = rows
            .into_iter()
            .map(|(meeting, c)| (RsvpCountsOf(meeting), counts(c)))
            .collect();
        Ok(map)
    }
}

/// The ids of the groups a group replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PredecessorsOf(pub Uuid);
/// The ids of the groups that replaced a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SuccessorsOf(pub Uuid);

impl Loader<PredecessorsOf> for DbLoader {
    type Value = Vec<Uuid>;
    type Error = Arc<DomainError>;

    async fn load(&self, ks: &[PredecessorsOf]) -> LoadResult<PredecessorsOf, Vec<Uuid>> {
        let rows = read::successions_of(&self.db, true, &keys(ks, |k| k.0))
            .await
            .map_err(Arc::new)?;
        let mut map: HashMap<PredecessorsOf, Vec<Uuid>> = HashMap::new();
        for r in rows {
            map.entry(PredecessorsOf(r.successor_id))
                .or_default()
                .push(r.predecessor_id);
        }
        Ok(map)
    }
}

impl Loader<SuccessorsOf> for DbLoader {
    type Value = Vec<Uuid>;
    type Error = Arc<DomainError>;

    async fn load(&self, ks: &[SuccessorsOf]) -> LoadResult<SuccessorsOf, Vec<Uuid>> {
        let rows = read::successions_of(&self.db, false, &keys(ks, |k| k.0))
            .await
            .map_err(Arc::new)?;
        let mut map: HashMap<SuccessorsOf, Vec<Uuid>> = HashMap::new();
        for r in rows {
            map.entry(SuccessorsOf(r.predecessor_id))
                .or_default()
                .push(r.successor_id);
        }
        Ok(map)
    }
}

/// Loads the quorum outlook of a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OutlookOf(pub Uuid);

impl Loader<OutlookOf> for DbLoader {
    type Value = entities::domain::quorum::Outlook;
    type Error = Arc<DomainError>;

    async fn load(&self, ks: &[OutlookOf]) -> LoadResult<OutlookOf, Self::Value> {
        let found = entities::domain::quorum::outlooks(&self.db, &self.actor, &keys(ks, |k| k.0))
            .await
            .map_err(Arc::new)?;
        Ok(found.into_iter().map(|(k, v)| (OutlookOf(k), v)).collect())
    }
}
