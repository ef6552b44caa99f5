//! What keeps a group alive, in the schema: roles that say what they ask,
//! the charter's versions, handovers, outreach contacts, sign-up
//! suggestions and co-op delegates — object types and the mutations that
//! change them. Like the rest of the API it only translates: the rules are
//! in `entities::domain::{roles, groups, handovers, outreach, signups,
//! organisations}`.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entities::domain::{handovers, organisations, outreach, roles};

use super::enums::{ContactStatus, HandoverItemKind, Involvement};
use super::errors::{UserError, outcome, query_error};
use super::ids::{self, Kind};
use super::req;
use super::types::{Fast, Group, Member, Organisation, Project, group_of, member_of};

/// A role a group or project asks people to take, and what it asks.
/// (`GroupRole`, as `Role` is a membership's standing: convener, member…)
pub struct Role(pub entities::role::Model);

#[Object(name = "GroupRole")]
impl Role {
    async fn id(&self) -> ID {
        ids::encode(Kind::Role, self.0.id)
    }
    /// E.g. "Phone banker".
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// A say in the destination, steering, the engine, or support.
    async fn involvement(&self) -> Involvement {
        self.0.involvement.into()
    }
    /// Expected hours a month.
    async fn hours_per_month(&self) -> Option<i32> {
        self.0.hours_per_month
    }
    /// What the person in it does.
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Set when retired: nobody new joins into it.
    async fn retired_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
}

/// A group's purpose and domains as they stood from `changedAt`.
pub struct CharterVersion(pub entities::charter_version::Model);

#[Object]
impl CharterVersion {
    /// 1 for the charter the group was created with.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }
    async fn domains(&self) -> Vec<String> {
        serde_json::from_value(self.0.domains.clone()).unwrap_or_default()
    }
    /// Who changed it (null: an admin key or Muster itself).
    async fn changed_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Fast<Member>>> {
        member_of(ctx, self.0.changed_by_id).await
    }
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.changed_at
    }
}

/// One item of a handover's checklist.
#[derive(SimpleObject)]
pub struct HandoverItem {
    pub item: HandoverItemKind,
    /// In words: "open projects, actions and agenda items moved".
    pub label: String,
    pub done: bool,
    pub done_at: Option<DateTime<Utc>>,
}

/// How far a handover has come.
#[derive(SimpleObject)]
pub struct HandoverProgress {
    pub done: i32,
    pub total: i32,
    /// Whole per cent.
    pub percent: i32,
    /// The items still to do, in order.
    pub open: Vec<HandoverItemKind>,
}

/// A handover to a group from the groups it succeeds.
pub struct Handover(pub handovers::Handover);

#[Object]
impl Handover {
    async fn id(&self) -> ID {
        ids::encode(Kind::Handover, self.0.handover.id)
    }
    /// The group taking over.
    async fn group(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Group>> {
        group_of(ctx, Some(self.0.handover.successor_id)).await
    }
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.handover.started_at
    }
    async fn started_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Fast<Member>>> {
        member_of(ctx, self.0.handover.started_by_id).await
    }
    /// Set when the old room was closed, the last item.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.handover.completed_at
    }
    /// The checklist, in order.
    async fn items(&self) -> Vec<HandoverItem> {
        self.0
            .items
            .iter()
            .map(|i| HandoverItem {
                item: i.item.into(),
                label: handovers::label(i.item).to_owned(),
                done: i.done_at.is_some(),
                done_at: i.done_at,
            })
            .collect()
    }
    async fn progress(&self) -> HandoverProgress {
        let p = self.0.progress();
        let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        HandoverProgress {
            done: n(p.done),
            total: n(p.total),
            percent: n(p.percent),
            open: p.open.into_iter().map(Into::into).collect(),
        }
    }
}

/// A co-op to call or visit in an outreach project.
pub struct OutreachContact(pub outreach::Contact);

#[Object]
impl OutreachContact {
    async fn id(&self) -> ID {
        ids::encode(Kind::Contact, self.0.contact.id)
    }
    async fn organisation(&self) -> Organisation {
        Organisation(self.0.organisation.clone())
    }
    async fn status(&self) -> ContactStatus {
        self.0.contact.status.into()
    }
    /// Dated outcome notes, one line per call, newest last.
    async fn notes(&self) -> &str {
        &self.0.contact.notes
    }
    async fn next_step_on(&self) -> Option<NaiveDate> {
        self.0.contact.next_step_on
    }
    /// Who is calling it now (it is theirs until they log the call).
    async fn assigned_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Fast<Member>>> {
        member_of(ctx, self.0.contact.assigned_member_id).await
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.contact.updated_at
    }
}

/// How many contacts have a status.
#[derive(SimpleObject)]
pub struct StatusCount {
    pub status: ContactStatus,
    pub count: i32,
}

/// Where an outreach project stands.
#[derive(SimpleObject)]
pub struct OutreachProgress {
    pub total: i32,
    /// Talked, interested or not now.
    pub reached: i32,
    /// Being called right now.
    pub in_progress: i32,
    /// Every status, with its count.
    pub by_status: Vec<StatusCount>,
}

impl From<outreach::Progress> for OutreachProgress {
    fn from(p: outreach::Progress) -> Self {
        let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        Self {
            total: n(p.total),
            reached: n(p.reached),
            in_progress: n(p.in_progress),
            by_status: p
                .by_status
                .into_iter()
                .map(|(s, c)| StatusCount {
                    status: s.into(),
                    count: n(c),
                })
                .collect(),
        }
    }
}

/// A project group suggested for a sign-up.
#[derive(SimpleObject)]
pub struct Suggestion {
    pub project: Project,
    /// Higher is better.
    pub score: i32,
    /// Why, in words: "interested in phone banking".
    pub reasons: Vec<String>,
}

/// The roles of a group or project; boxed (see [`super::types::boxed`]).
pub(super) fn roles_of<'a>(
    ctx: &'a Context<'_>,
    group: Option<uuid::Uuid>,
    project: Option<uuid::Uuid>,
) -> super::types::Boxed<'a, Vec<Role>> {
    super::types::boxed(async move {
        let r = req(ctx);
        Ok(roles::of_owner(&r.db, group, project)
            .await
            .map_err(query_error)?
            .into_iter()
            .map(Role)
            .collect())
    })
}

/// A role to define.
#[derive(InputObject)]
pub struct DefineRoleInput {
    pub group_id: Option<ID>,
    pub project_id: Option<ID>,
    pub name: String,
    pub involvement: Involvement,
    /// 0–200.
    pub hours_per_month: Option<i32>,
    /// What the role does, so people know what it asks.
    pub description: String,
}

/// A role to retire.
#[derive(InputObject)]
pub struct RetireRoleInput {
    pub id: ID,
}

crate::graphql::payload::wrap!(
    Role => entities::role::Model,
    Handover => handovers::Handover,
    OutreachContact => outreach::Contact,
);
crate::graphql::payload::payload!(
    /// A defined or retired role.
    RolePayload, role: Role);
crate::graphql::payload::payload!(
    /// A handover as it is now.
    HandoverPayload, handover: Handover);
crate::graphql::payload::payload!(
    /// A contact as it is now (null from `takeNextCall`: nobody left to call).
    OutreachContactPayload, contact: OutreachContact);

/// A handover to start.
#[derive(InputObject)]
pub struct StartHandoverInput {
    /// The group taking over (it must succeed others).
    pub group_id: ID,
}

/// An item to tick off.
#[derive(InputObject)]
pub struct CompleteHandoverItemInput {
    pub handover_id: ID,
    pub item: HandoverItemKind,
}

/// Co-ops to add to an outreach project.
#[derive(InputObject)]
pub struct AddOutreachContactsInput {
    pub project_id: ID,
    pub organisation_ids: Vec<ID>,
}

/// The contacts added.
#[derive(SimpleObject)]
pub struct AddOutreachContactsPayload {
    pub contacts: Vec<OutreachContact>,
    pub user_errors: Vec<UserError>,
}

/// Which outreach project to take a call from.
#[derive(InputObject)]
pub struct TakeNextCallInput {
    pub project_id: ID,
}

/// A call or visit to record.
#[derive(InputObject)]
pub struct LogOutreachCallInput {
    pub project_id: ID,
    /// The organisation's id, slug or name.
    pub organisation: String,
    pub status: ContactStatus,
    pub note: Option<String>,
    pub next_step_on: Option<NaiveDate>,
}

/// A co-op's delegate to name or remove.
#[derive(InputObject)]
pub struct DelegateInput {
    pub organisation_id: ID,
    pub member_id: ID,
}

crate::graphql::payload::payload!(
    /// The co-op and its delegates now.
    DelegatePayload, organisation: Organisation);

/// The mutations of group life.
#[derive(Default)]
pub struct LifeMutation;

#[Object]
impl LifeMutation {
    /// States a role a group or project asks people to take (its
    /// conveners). `joinGroup`/`createMembership` take its `roleId`.
    async fn define_role(
        &self,
        ctx: &Context<'_>,
        input: DefineRoleInput,
    ) -> async_graphql::Result<RolePayload> {
        let r = req(ctx);
        let result = async {
            roles::define(
                &r.db,
                &r.actor,
                roles::NewRole {
                    group_id: ids::expect_opt(Kind::Group, input.group_id.as_ref(), "group_id")?,
                    project_id: ids::expect_opt(
                        Kind::Project,
                        input.project_id.as_ref(),
                        "project_id",
                    )?,
                    name: input.name,
                    involvement: input.involvement.into(),
                    hours_per_month: input.hours_per_month,
                    description: input.description,
                },
            )
            .await
        }
        .await;
        RolePayload::from(result)
    }

    /// Retires a role: nobody new joins into it.
    async fn retire_role(
        &self,
        ctx: &Context<'_>,
        input: RetireRoleInput,
    ) -> async_graphql::Result<RolePayload> {
        let r = req(ctx);
        let result = async {
            roles::retire(&r.db, &r.actor, ids::expect(Kind::Role, &input.id, "id")?).await
        }
        .await;
        RolePayload::from(result)
    }

    /// Opens the handover to a group from the groups it succeeds (its
    /// conveners, admins): the checklist, and an invitation to every active
    /// member of the old groups, keeping their involvement. The bot posts
    /// the invitation to the old rooms.
    async fn start_handover(
        &self,
        ctx: &Context<'_>,
        input: StartHandoverInput,
    ) -> async_graphql::Result<HandoverPayload> {
        let r = req(ctx);
        let result = async {
            let g = ids::expect(Kind::Group, &input.group_id, "group_id")?;
            handovers::start(&r.db, &r.actor, g).await
        }
        .await;
        HandoverPayload::from(result)
    }

    /// Ticks a checklist item off, doing what it says where Muster can
    /// (`PROJECTS_MOVED` moves open projects, actions and agenda items;
    /// `ALLIANCES_MOVED` the alliances in force). `OLD_ROOM_CLOSED` comes last
    /// and completes the handover: the old groups close and the bot closes
    /// their rooms with a pointer to the new one.
    async fn complete_handover_item(
        &self,
        ctx: &Context<'_>,
        input: CompleteHandoverItemInput,
    ) -> async_graphql::Result<HandoverPayload> {
        let r = req(ctx);
        let result = async {
            let h = ids::expect(Kind::Handover, &input.handover_id, "handover_id")?;
            handovers::complete_item(&r.db, &r.actor, h, input.item.into()).await
        }
        .await;
        HandoverPayload::from(result)
    }

    /// Adds co-ops to call to an outreach project (its conveners).
    async fn add_outreach_contacts(
        &self,
        ctx: &Context<'_>,
        input: AddOutreachContactsInput,
    ) -> async_graphql::Result<AddOutreachContactsPayload> {
        let r = req(ctx);
        let result = async {
            let p = ids::expect(Kind::Project, &input.project_id, "project_id")?;
            let orgs = input
                .organisation_ids
                .iter()
                .map(|o| ids::expect(Kind::Organisation, o, "organisation_ids"))
                .collect::<Result<Vec<_>, _>>()?;
            outreach::add_contacts(&r.db, &r.actor, p, &orgs).await
        }
        .await;
        let (v, user_errors) = outcome(result)?;
        Ok(AddOutreachContactsPayload {
            contacts: v
                .unwrap_or_default()
                .into_iter()
                .map(OutreachContact)
                .collect(),
            user_errors,
        })
    }

    /// Gives you the next co-op to call and holds it for you until you log
    /// the call (`!calls next` in the room). Never the same co-op to two
    /// volunteers at once.
    async fn take_next_call(
        &self,
        ctx: &Context<'_>,
        input: TakeNextCallInput,
    ) -> async_graphql::Result<OutreachContactPayload> {
        let r = req(ctx);
        let result = async {
            let p = ids::expect(Kind::Project, &input.project_id, "project_id")?;
            outreach::next(&r.db, &r.actor, p).await
        }
        .await;
        let (v, user_errors) = outcome(result)?;
        Ok(OutreachContactPayload {
            contact: v.flatten().map(OutreachContact),
            user_errors,
        })
    }

    /// Records a call or visit (`!calls log` in the room).
    async fn log_outreach_call(
        &self,
        ctx: &Context<'_>,
        input: LogOutreachCallInput,
    ) -> async_graphql::Result<OutreachContactPayload> {
        let r = req(ctx);
        let result = async {
            let p = ids::expect(Kind::Project, &input.project_id, "project_id")?;
            outreach::log(
                &r.db,
                &r.actor,
                outreach::CallLog {
                    project_id: p,
                    organisation: input.organisation,
                    status: input.status.into(),
                    note: input.note,
                    next_step_on: input.next_step_on,
                },
            )
            .await
        }
        .await;
        OutreachContactPayload::from(result)
    }

    /// Names a delegate of a member co-op (its own people, admins): where
    /// counts are per co-op, a co-op that named delegates counts by them.
    async fn name_delegate(
        &self,
        ctx: &Context<'_>,
        input: DelegateInput,
    ) -> async_graphql::Result<DelegatePayload> {
        delegate(ctx, &input, true).await
    }

    /// Stops a member being their co-op's delegate.
    async fn remove_delegate(
        &self,
        ctx: &Context<'_>,
        input: DelegateInput,
    ) -> async_graphql::Result<DelegatePayload> {
        delegate(ctx, &input, false).await
    }
}

async fn delegate(
    ctx: &Context<'_>,
    input: &DelegateInput,
    name: bool,
) -> async_graphql::Result<DelegatePayload> {
    let r = req(ctx);
    let result = async {
        let o = ids::expect(
            Kind::Organisation,
            &input.organisation_id,
            "organisation_id",
        )?;
        let m = ids::expect(Kind::Member, &input.member_id, "member_id")?;
        if name {
            organisations::name_delegate(&r.db, &r.actor, o, m).await?;
        } else {
            organisations::remove_delegate(&r.db, &r.actor, o, m).await?;
        }
        entities::domain::read::get::<entities::organisation::Entity>(
            &r.db,
            o,
            "organisation",
            "organisation_id",
        )
        .await
    }
    .await;
    DelegatePayload::from(result)
}
