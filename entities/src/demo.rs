//! The demo data: the Movement Building thread (`shared/seeds/`) as data, so
//! a newcomer sees a populated API at once. Movement Building (on hold, its
//! purpose and four domains) replaced Mobilising, Co-op Support &
//! Development replaced Member Learning; the project groups named in the
//! thread; its meetings (the first one held, the 6 June meeting postponed
//! for low numbers, its follow-up cancelled for non-attendance); some
//! members, member co-ops and alliances; the roles the groups ask people
//! to take, the phone bank's list of co-ops, and a co-op's delegate. People
//! and co-ops are invented.
//!
//! Everything goes through the domain's use cases as [`Actor::System`], so
//! the demo obeys the same rules as real data.

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::domain::{
    Db, alliances, groups, meetings, members, memberships, organisations, outreach, projects,
    resources, roles, write_txn,
};
use crate::{
    Actor, AllianceKind, AllianceScope, AllianceStatus, GroupStatus, Involvement, MeetingFormat,
    MembershipStatus, OrganisationKind, ProjectStatus, ResourceKind, Result, Role, RsvpResponse,
    group,
};

/// What the demo seed created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub groups: usize,
    pub projects: usize,
    pub meetings: usize,
    pub members: usize,
}

fn london(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    chrono_tz::Europe::London
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc))
}

/// Loads the demo data unless the database already has groups. Returns
/// `None` when it did nothing.
pub async fn seed_if_empty(db: &impl Db) -> Result<Option<DemoSummary>> {
    if group::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    seed(db).await.map(Some)
}

/// Loads the demo data, in one transaction.
pub async fn seed(db: &impl Db) -> Result<DemoSummary> {
    let a = &Actor::System;
    let txn = write_txn(db).await?;
    let db = &txn;
    let mut summary = DemoSummary::default();

    let org = |name: &str, kind: OrganisationKind, website: Option<&str>| {
        organisations::NewOrganisation {
            name: name.into(),
            slug: None,
            kind,
            website: website.map(Into::into),
            country: Some("GB".into()),
            is_member_coop: None,
        }
    };
    let riverside = organisations::create(
        db,
        a,
        org(
            "Riverside Wholefoods Co-op",
            OrganisationKind::MemberCoop,
            Some("https://riverside.example.coop"),
        ),
    )
    .await?;
    let print = organisations::create(
        db,
        a,
        org(
            "Northern Print Workers' Co-op",
            OrganisationKind::MemberCoop,
            None,
        ),
    )
    .await?;
    let spokes = organisations::create(
        db,
        a,
        org(
            "Green Spokes Bike Co-op",
            OrganisationKind::MemberCoop,
            None,
        ),
    )
    .await?;
    let national = organisations::create(
        db,
        a,
        org(
            "National Co-operative Alliance",
            OrganisationKind::Network,
            Some("https://alliance.example.org"),
        ),
    )
    .await?;
    let mut intl = org(
        "International Worker Co-op Network",
        OrganisationKind::Network,
        None,
    );
    intl.country = None;
    let intl = organisations::create(db, a, intl).await?;
    let climate = organisations::create(
        db,
        a,
        org(
            "Climate Justice Coalition",
            OrganisationKind::Movement,
            None,
        ),
    )
    .await?;
    let tenants = organisations::create(
        db,
        a,
        org("City Tenants' Union", OrganisationKind::Movement, None),
    )
    .await?;

    let person = |name: &str, matrix: &str, org: Option<uuid::Uuid>| members::NewMember {
        display_name: name.into(),
        email: Some(format!(
            "{}@example.coop",
            name.split(' ').next().unwrap_or("member").to_lowercase()
        )),
        phone: None,
        matrix_user_id: Some(format!("@{matrix}:example.org")),
        organisation_id: org,
        is_admin: false,
    };
    let sam = members::create(db, a, person("Sam Okafor", "sam", None)).await?;
    let matt = members::create(db, a, person("Matt Reyes", "matt", Some(riverside.id))).await?;
    let nathan =
        members::create(db, a, person("Nathan Brown", "nathanbrown", Some(print.id))).await?;
    let john = members::create(db, a, person("John Hale", "john", None)).await?;
    let priya = members::create(db, a, person("Priya Shah", "priya", Some(spokes.id))).await?;
    let alex = members::create(db, a, person("Alex Morgan", "alex", Some(riverside.id))).await?;
    let jo = members::create(db, a, person("Jo Lee", "jo", Some(print.id))).await?;
    summary.members = 7;

    let group = |name: &str,
                 purpose: &str,
                 domains: &[&str],
                 status: GroupStatus,
                 succeeds: Vec<uuid::Uuid>| groups::NewGroup {
        name: name.into(),
        slug: None,
        purpose: purpose.into(),
        domains: domains.iter().map(|d| (*d).to_owned()).collect(),
        status: Some(status),
        visibility: None,
        reporting_line: Some("the board".into()),
        time_zone: None,
        succeeds,
    };
    let mobilising = groups::create(
        db,
        a,
        group(
            "Mobilising",
            "Got the federation up and running and mobilised its members.",
            &[],
            GroupStatus::Closed,
            vec![],
        ),
    )
    .await?;
    let learning = groups::create(
        db,
        a,
        group(
            "Member Learning",
            "Learning and development for member co-ops.",
            &[],
            GroupStatus::Closed,
            vec![],
        ),
    )
    .await?;
    let domains = [
        "Building a grass roots base of worker cooperative organisers and supporters",
        "Developing, compiling and disseminating educational and promotional resources to make the system of worker control and worker ownership more relevant and accessible to new workers",
        "Participating in national and international cooperative networks and campaigns",
        "Making alliances with other social and environmental movements",
    ];
    let mb = groups::create(
        db,
        a,
        group(
            "Movement Building",
            "A strategic working group to build a grass-roots base of worker co-operative organisers and supporters, spread the resources that make worker control relevant to new workers, take part in co-operative networks and campaigns, and make alliances with other social and environmental movements. On hold while it finds committed members.",
            &domains,
            GroupStatus::OnHold,
            vec![mobilising.id],
        ),
    )
    .await?;
    let csd = groups::create(
        db,
        a,
        group(
            "Co-op Support & Development",
            "A strategic working group for supporting and developing member co-ops; most of the old Member Learning group carried on here.",
            &["Support for member co-ops", "Learning and development"],
            GroupStatus::Forming,
            vec![learning.id],
        ),
    )
    .await?;
    summary.groups = 4;

    let mut project_ids = Vec::new();
    for (name, goal, status) in [
        (
            "Co-op Fortnight",
            "Celebrate worker co-ops during Co-op Fortnight.",
            ProjectStatus::Planned,
        ),
        (
            "Worker Co-op Weekend 2025",
            "The federation's weekend gathering of worker co-operators.",
            ProjectStatus::Planned,
        ),
        (
            "Autumn Assembly",
            "Plan and run the Autumn Assembly event.",
            ProjectStatus::Idea,
        ),
        (
            "Communications",
            "The newsletter, events listing and mailers that reach members.",
            ProjectStatus::Active,
        ),
        (
            "Co-ops and Anti-Racism",
            "Anti-racist practice in and across worker co-ops.",
            ProjectStatus::Idea,
        ),
        (
            "International",
            "Take part in international co-operative networks and campaigns.",
            ProjectStatus::Idea,
        ),
        (
            "Speaking to worker co-ops",
            "Phone banking and visits to member co-ops. On hold: there was not the capacity.",
            ProjectStatus::Paused,
        ),
    ] {
        let p = projects::create(
            db,
            a,
            projects::NewProject {
                group_id: mb.id,
                name: name.into(),
                slug: None,
                goal: goal.into(),
                status: Some(status),
                starts_on: None,
                ends_on: None,
                visibility: None,
                time_zone: None,
            },
        )
        .await?;
        project_ids.push(p.id);
    }
    summary.projects = project_ids.len();

    let membership = |member: uuid::Uuid,
                      group: Option<uuid::Uuid>,
                      project: Option<uuid::Uuid>,
                      role: Role,
                      involvement: Involvement,
                      hours: Option<i32>| memberships::NewMembership {
        member_id: member,
        group_id: group,
        project_id: project,
        role,
        involvement: Some(involvement),
        commitment_hours: hours,
        status: Some(MembershipStatus::Active),
        since: Some(london(2025, 4, 1, 9, 0)),
        role_id: None,
    };
    memberships::create(
        db,
        a,
        membership(
            sam.id,
            Some(mb.id),
            None,
            Role::Staff,
            Involvement::Coordination,
            Some(8),
        ),
    )
    .await?;
    memberships::create(
        db,
        a,
        membership(
            alex.id,
            Some(mb.id),
            None,
            Role::Member,
            Involvement::Delivery,
            Some(2),
        ),
    )
    .await?;
    memberships::create(
        db,
        a,
        membership(
            jo.id,
            Some(mb.id),
            None,
            Role::Observer,
            Involvement::Supporter,
            None,
        ),
    )
    .await?;
    let john_mb = memberships::create(
        db,
        a,
        membership(
            john.id,
            Some(mb.id),
            None,
            Role::Convener,
            Involvement::Coordination,
            Some(6),
        ),
    )
    .await?;
    memberships::archive(db, a, john_mb.id).await?;
    memberships::create(
        db,
        a,
        membership(
            nathan.id,
            Some(csd.id),
            None,
            Role::Convener,
            Involvement::Coordination,
            Some(4),
        ),
    )
    .await?;
    memberships::create(
        db,
        a,
        membership(
            priya.id,
            Some(csd.id),
            None,
            Role::Member,
            Involvement::Delivery,
            Some(4),
        ),
    )
    .await?;
    memberships::create(
        db,
        a,
        membership(
            matt.id,
            Some(mobilising.id),
            None,
            Role::Member,
            Involvement::Strategy,
            None,
        ),
    )
    .await?;
    memberships::create(
        db,
        a,
        membership(
            priya.id,
            Some(mobilising.id),
            None,
            Role::Member,
            Involvement::Delivery,
            None,
        ),
    )
    .await?;
    memberships::create(
        db,
        a,
        membership(
            sam.id,
            None,
            Some(project_ids[6]),
            Role::Convener,
            Involvement::Delivery,
            Some(4),
        ),
    )
    .await?;
    memberships::create(
        db,
        a,
        membership(
            matt.id,
            None,
            Some(project_ids[0]),
            Role::Member,
            Involvement::Delivery,
            Some(3),
        ),
    )
    .await?;

    let alliance = |org: uuid::Uuid,
                    group: Option<uuid::Uuid>,
                    kind: AllianceKind,
                    scope: AllianceScope,
                    status: AllianceStatus,
                    notes: &str| alliances::NewAlliance {
        organisation_id: org,
        group_id: group,
        project_id: None,
        kind,
        scope,
        status: Some(status),
        contact_member_id: Some(sam.id),
        notes: Some(notes.into()),
    };
    alliances::create(
        db,
        a,
        alliance(
            national.id,
            None,
            AllianceKind::NetworkMembership,
            AllianceScope::National,
            AllianceStatus::Active,
            "The federation is a member.",
        ),
    )
    .await?;
    alliances::create(
        db,
        a,
        alliance(
            intl.id,
            Some(mb.id),
            AllianceKind::NetworkMembership,
            AllianceScope::International,
            AllianceStatus::Exploring,
            "International working group to follow up.",
        ),
    )
    .await?;
    alliances::create(
        db,
        a,
        alliance(
            climate.id,
            Some(mb.id),
            AllianceKind::Coalition,
            AllianceScope::National,
            AllianceStatus::Exploring,
            "Several of the first meeting's attendees came from here.",
        ),
    )
    .await?;
    alliances::create(
        db,
        a,
        alliance(
            tenants.id,
            Some(mb.id),
            AllianceKind::Campaign,
            AllianceScope::Local,
            AllianceStatus::Exploring,
            "",
        ),
    )
    .await?;

    // What the groups ask of people (the seed: "nobody knew what joining
    // would ask of them"), the phone bank's list, and Riverside's delegate.
    for (group_id, project_id, name, involvement, hours, what) in [
        (
            Some(mb.id),
            None,
            "Strategy member",
            Involvement::Strategy,
            Some(2),
            "Comes to the quarterly meeting and helps set where the group is going.",
        ),
        (
            Some(mb.id),
            None,
            "Supporter",
            Involvement::Supporter,
            None,
            "Hears what the group is doing and helps when they can.",
        ),
        (
            None,
            Some(project_ids[6]),
            "Phone banker",
            Involvement::Delivery,
            Some(4),
            "Calls member co-ops from the list (!calls next) and logs what they said.",
        ),
        (
            None,
            Some(project_ids[6]),
            "Call coordinator",
            Involvement::Coordination,
            Some(6),
            "Keeps the list up to date and follows up on co-ops that are interested.",
        ),
    ] {
        roles::define(
            db,
            a,
            roles::NewRole {
                group_id,
                project_id,
                name: name.into(),
                involvement,
                hours_per_month: hours,
                description: what.into(),
            },
        )
        .await?;
    }
    outreach::add_contacts(db, a, project_ids[6], &[riverside.id, print.id, spokes.id]).await?;
    organisations::name_delegate(db, a, riverside.id, matt.id).await?;

    resources::create(
        db,
        a,
        resources::NewResource {
            title: "What is a worker co-op?".into(),
            url: "https://resources.example.coop/what-is-a-worker-coop".into(),
            kind: ResourceKind::Guide,
            audience: Some("new workers".into()),
            tags: vec!["introduction".into(), "worker control".into()],
            group_id: Some(mb.id),
            project_id: None,
            visibility: None,
        },
    )
    .await?;

    // The first meeting: a large open meeting, mostly allies and partners.
    let meet = |title: &str, start: DateTime<Utc>, format: MeetingFormat| meetings::NewMeeting {
        group_id: Some(mb.id),
        project_id: None,
        title: title.into(),
        kind: None,
        format: Some(format),
        starts_at: start,
        ends_at: Some(start + chrono::Duration::hours(1)),
        time_zone: None,
        location: Some("https://meet.example.coop/movement-building".into()),
        quorum: Some(4),
        visibility: None,
        status: None,
        per_coop: false,
    };
    let first = meetings::schedule(
        db,
        a,
        meet(
            "First Movement Building meeting",
            london(2025, 5, 9, 12, 0),
            MeetingFormat::Open,
        ),
    )
    .await?;
    for m in [&sam, &alex, &jo, &matt] {
        meetings::rsvp(db, a, first.id, Some(m.id), RsvpResponse::Yes).await?;
    }
    meetings::record_held(db, a, first.id, &[sam.id, alex.id, jo.id, matt.id], &[]).await?;

    // The 6 June meeting: postponed for low numbers.
    let second = meetings::schedule(
        db,
        a,
        meet(
            "2nd Movement Building working group meeting",
            london(2025, 6, 6, 12, 0),
            MeetingFormat::Topic,
        ),
    )
    .await?;
    for text in [
        "What should the Movement Building group be prioritising as it is formed?",
        "How can we ramp up supporters' and worker co-ops' engagement?",
        "How should we build alliances with the breadth of voices in the room?",
    ] {
        meetings::add_agenda_item(db, a, second.id, text, Some(sam.id)).await?;
    }
    meetings::rsvp(db, a, second.id, Some(sam.id), RsvpResponse::Yes).await?;
    meetings::rsvp(db, a, second.id, Some(alex.id), RsvpResponse::Maybe).await?;
    meetings::rsvp(db, a, second.id, Some(jo.id), RsvpResponse::No).await?;
    let third = meetings::move_to(
        db,
        a,
        meetings::MoveMeeting {
            meeting_id: second.id,
            starts_at: london(2025, 7, 4, 12, 0),
            ends_at: None,
            reason: Some("Postponed due to low numbers.".into()),
        },
    )
    .await?;
    meetings::rsvp(db, a, third.id, Some(sam.id), RsvpResponse::Yes).await?;
    meetings::cancel(
        db,
        a,
        third.id,
        Some("Cancelled due to non-attendance.".into()),
    )
    .await?;
    summary.meetings = 3;

    txn.commit().await?;
    Ok(summary)
}
