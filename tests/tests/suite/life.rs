//! Group life on both databases: roles that say what they ask (and joining
//! into one), the charter's versions, a handover from an old group that
//! carries its people, projects, alliances and open work over and closes
//! the old room, and one voice per co-op in quorum outlooks and polls.

use chrono::{Duration, Utc};
use entities::domain::{
    alliances, groups, handovers, health, meetings, members, memberships, organisations, polls,
    projects, quorum, roles, tokens,
};
use entities::{
    Actor, AllianceKind, AllianceScope, AllianceStatus, ErrorCode, GroupStatus, HandoverItemKind,
    Involvement, MembershipStatus, ProjectStatus, Role, RsvpResponse, outbox,
};
use muster_tests::{Backend, both, spawn_app};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

const SYS: &Actor = &Actor::System;

async fn new_group(db: &sea_orm::DatabaseConnection, name: &str, succeeds: Vec<Uuid>) -> Uuid {
    groups::create(
        db,
        SYS,
        groups::NewGroup {
            name: name.into(),
            slug: None,
            purpose: String::new(),
            domains: vec![],
            status: None,
            visibility: None,
            reporting_line: None,
            time_zone: None,
            succeeds,
        },
    )
    .await
    .unwrap()
    .id
}

async fn new_project(
    db: &sea_orm::DatabaseConnection,
    group: Uuid,
    name: &str,
    status: ProjectStatus,
) -> Uuid {
    projects::create(
        db,
        SYS,
        projects::NewProject {
            group_id: group,
            name: name.into(),
            slug: None,
            goal: format!("{name} goal"),
            status: Some(status),
            starts_on: None,
            ends_on: None,
            visibility: None,
            time_zone: None,
        },
    )
    .await
    .unwrap()
    .id
}

async fn person(db: &sea_orm::DatabaseConnection, name: &str, org: Option<Uuid>) -> Uuid {
    members::create(
        db,
        SYS,
        members::NewMember {
            display_name: name.into(),
            matrix_user_id: Some(format!("@{}:example.org", name.to_lowercase())),
            organisation_id: org,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

async fn join(
    db: &sea_orm::DatabaseConnection,
    member: Uuid,
    group: Option<Uuid>,
    project: Option<Uuid>,
    role: Role,
    involvement: Option<Involvement>,
    hours: Option<i32>,
) {
    memberships::create(
        db,
        SYS,
        memberships::NewMembership {
            member_id: member,
            group_id: group,
            project_id: project,
            role,
            involvement,
            commitment_hours: hours,
            status: None,
            since: None,
            role_id: None,
        },
    )
    .await
    .unwrap();
}

async fn actor(db: &sea_orm::DatabaseConnection, id: Uuid) -> Actor {
    let m = entities::member::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    tokens::member_actor(db, &m, None).await.unwrap()
}

async fn roles_and_the_charter(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = &app.db.conn;
    let g = new_group(db, "Movement Building", vec![]).await;
    let p = new_project(db, g, "Speaking to worker co-ops", ProjectStatus::Active).await;
    let other = new_project(db, g, "Communications", ProjectStatus::Active).await;
    let sam = person(db, "Sam", None).await;
    let jo = person(db, "Jo", None).await;
    join(db, sam, Some(g), None, Role::Convener, None, None).await;
    join(db, jo, None, Some(other), Role::Member, None, None).await;
    let sam_a = actor(db, sam).await;
    let jo_a = actor(db, jo).await;
    let phone = |name: &str, description: &str| roles::NewRole {
        group_id: None,
        project_id: Some(p),
        name: name.into(),
        involvement: Involvement::Delivery,
        hours_per_month: Some(4),
        description: description.into(),
    };

    // A role must say what it asks; refused input writes nothing.
    let e = roles::define(db, &sam_a, phone("Phone banker", "  "))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.public_message().contains("what the role does"), "{e}");
    assert_eq!(app.db.count("roles").await, 0);
    let e = roles::define(db, &jo_a, phone("Phone banker", "Calls co-ops"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    let banker = roles::define(
        db,
        &sam_a,
        phone(
            "Phone banker",
            "Calls member co-ops from a list and logs what they said.",
        ),
    )
    .await
    .unwrap();
    let e = roles::define(db, &sam_a, phone("phone BANKER", "Again"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict, "{e}");

    // Joining into a role takes what it asks; a role of another project is
    // refused.
    let e = memberships::create(
        db,
        &jo_a,
        memberships::NewMembership {
            member_id: jo,
            group_id: None,
            project_id: Some(other),
            role: Role::Member,
            involvement: None,
            commitment_hours: None,
            status: None,
            since: None,
            role_id: Some(banker.id),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.field(), Some("role_id"), "{e}");
    let ms = memberships::create(
        db,
        &jo_a,
        memberships::NewMembership {
            member_id: jo,
            group_id: None,
            project_id: Some(p),
            role: Role::Member,
            involvement: None,
            commitment_hours: None,
            status: None,
            since: None,
            role_id: Some(banker.id),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (ms.involvement, ms.commitment_hours, ms.role_id),
        (Involvement::Delivery, Some(4), Some(banker.id))
    );

    // The charter: every change of purpose or domains is a version.
    groups::update(
        db,
        &sam_a,
        g,
        groups::GroupPatch {
            purpose: Some("Build a grass-roots base of worker co-operators.".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    groups::update(
        db,
        &sam_a,
        g,
        groups::GroupPatch {
            name: Some("Movement Building WG".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let body = app
        .anon(
            "query { groups { nodes { name charter { version purpose changedBy { displayName } } } } projects { nodes { name roles { name involvement hoursPerMonth description } } } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let charter = &body["data"]["groups"]["nodes"][0]["charter"];
    assert_eq!(
        charter,
        &json!([
            { "version": 2, "purpose": "Build a grass-roots base of worker co-operators.", "changedBy": { "displayName": "Sam" } },
            { "version": 1, "purpose": "", "changedBy": null },
        ]),
        "{body}"
    );
    let projects = body["data"]["projects"]["nodes"].as_array().unwrap();
    let speaking = projects
        .iter()
        .find(|p| p["name"] == "Speaking to worker co-ops")
        .unwrap();
    assert_eq!(
        speaking["roles"],
        json!([{ "name": "Phone banker", "involvement": "DELIVERY", "hoursPerMonth": 4, "description": "Calls member co-ops from a list and logs what they said." }])
    );

    // Through the API, a bad role is a user error that names the field.
    let body = app
        .admin(
            "mutation($input: DefineRoleInput!) { defineRole(input: $input) { role { name } userErrors { field message code } } }",
            json!({ "input": { "groupId": null, "projectId": "nope", "name": "X", "involvement": "SUPPORTER", "description": "Helps" } }),
        )
        .await;
    assert_eq!(
        body["data"]["defineRole"]["userErrors"][0]["field"],
        json!(["input", "projectId"]),
        "{body}"
    );
}

async fn count_where(db: &sea_orm::DatabaseConnection, kind: &str) -> usize {
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(kind))
        .all(db)
        .await
        .unwrap()
        .len()
}

async fn a_handover_carries_people_and_work_over(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = &app.db.conn;
    let old = new_group(db, "Mobilising", vec![]).await;
    let alone = new_group(db, "Standalone", vec![]).await;
    let open_p = new_project(db, old, "Phone banking", ProjectStatus::Active).await;
    let done_p = new_project(db, old, "Launch", ProjectStatus::Done).await;
    for (p, room) in [
        (open_p, "!phones:example.org"),
        (done_p, "!launch:example.org"),
    ] {
        entities::domain::rooms::link(db, SYS, p, room)
            .await
            .unwrap();
    }
    let ann = person(db, "Ann", None).await;
    let ben = person(db, "Ben", None).await;
    let cat = person(db, "Cat", None).await;
    join(
        db,
        ann,
        Some(old),
        None,
        Role::Convener,
        Some(Involvement::Strategy),
        Some(6),
    )
    .await;
    join(
        db,
        ben,
        None,
        Some(open_p),
        Role::Member,
        Some(Involvement::Delivery),
        Some(3),
    )
    .await;
    // The old group's open work: an agenda item and an action.
    let old_meeting = meetings::schedule(
        db,
        SYS,
        meetings::NewMeeting {
            group_id: Some(old),
            project_id: None,
            title: "Mobilising".into(),
            kind: None,
            format: None,
            starts_at: Utc::now() + Duration::days(3),
            ends_at: None,
            time_zone: None,
            location: None,
            quorum: None,
            visibility: None,
            status: None,
            per_coop: false,
        },
    )
    .await
    .unwrap();
    let item =
        meetings::add_agenda_item(db, SYS, old_meeting.id, "Who takes the phone list?", None)
            .await
            .unwrap();
    let action = entities::domain::actions::add(
        db,
        SYS,
        entities::domain::actions::NewAction {
            meeting_id: old_meeting.id,
            text: "Hand the contacts spreadsheet over".into(),
            owner_id: Some(ann),
            due_on: None,
        },
    )
    .await
    .unwrap();
    let coop = organisations::create(
        db,
        SYS,
        organisations::NewOrganisation {
            name: "Climate Alliance".into(),
            slug: None,
            kind: entities::OrganisationKind::Movement,
            website: None,
            country: None,
            is_member_coop: None,
        },
    )
    .await
    .unwrap();
    for status in [AllianceStatus::Active, AllianceStatus::Ended] {
        alliances::create(
            db,
            SYS,
            alliances::NewAlliance {
                organisation_id: coop.id,
                group_id: Some(old),
                project_id: None,
                kind: AllianceKind::Campaign,
                scope: AllianceScope::National,
                status: Some(status),
                contact_member_id: None,
                notes: None,
            },
        )
        .await
        .unwrap();
    }
    let new = new_group(db, "Movement Building", vec![old]).await;
    join(db, cat, Some(new), None, Role::Convener, None, None).await;
    let cat_a = actor(db, cat).await;
    let ben_a = actor(db, ben).await;
    let ann_a = actor(db, ann).await;

    let signal = |h: &health::Health| {
        h.signals
            .iter()
            .find(|s| s.signal == health::Signal::HandoverOpen)
            .map(|s| s.reason.clone())
    };
    let h = health::of(
        db,
        health::Of::Group(new),
        Utc::now(),
        health::HealthPolicy::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        signal(&h).as_deref(),
        Some(
            "it succeeds Mobilising, but no handover was started: their people, projects and alliances have not carried over"
        )
    );

    // Who may start one, and for which group.
    assert_eq!(
        handovers::start(db, &ben_a, new).await.unwrap_err().code(),
        ErrorCode::Forbidden
    );
    let e = handovers::start(db, SYS, alone).await.unwrap_err();
    assert!(e.public_message().contains("succeeds no group"), "{e}");
    assert_eq!(app.db.count("handovers").await, 0);

    let h = handovers::start(db, &cat_a, new).await.unwrap();
    assert_eq!(h.progress().done, 0);
    assert_eq!(h.progress().total, 5);
    assert_eq!(
        handovers::start(db, &cat_a, new).await.unwrap_err().code(),
        ErrorCode::Conflict
    );
    // The old group's people are invited, keeping their involvement.
    let invited = entities::membership::Entity::find()
        .filter(entities::membership::Column::GroupId.eq(new))
        .filter(entities::membership::Column::Status.eq(MembershipStatus::Pending))
        .all(db)
        .await
        .unwrap();
    let mut got: Vec<(Uuid, Involvement, Option<i32>)> = invited
        .iter()
        .map(|m| (m.member_id, m.involvement, m.commitment_hours))
        .collect();
    got.sort_by_key(|g| g.0);
    let mut want = vec![
        (ann, Involvement::Strategy, Some(6)),
        (ben, Involvement::Delivery, Some(3)),
    ];
    want.sort_by_key(|w| w.0);
    assert_eq!(got, want);
    // One invitation per old room, and one for the record.
    assert_eq!(count_where(db, "handover.started").await, 3);
    let h2 = health::of(
        db,
        health::Of::Group(new),
        Utc::now(),
        health::HealthPolicy::default(),
    )
    .await
    .unwrap();
    assert!(
        signal(&h2).unwrap().contains(
            "is not finished: 0 of 5 items done; still to do: purpose and domains agreed"
        ),
        "{h2:?}"
    );

    // The old room is closed last.
    let e = handovers::complete_item(db, &cat_a, h.handover.id, HandoverItemKind::OldRoomClosed)
        .await
        .unwrap_err();
    assert!(
        e.public_message().contains("close the old room last"),
        "{e}"
    );
    // Moving work needs somewhere for the agenda to go; nothing moves.
    let e = handovers::complete_item(db, &cat_a, h.handover.id, HandoverItemKind::ProjectsMoved)
        .await
        .unwrap_err();
    assert!(
        e.public_message()
            .contains("schedule Movement Building's next meeting first"),
        "{e}"
    );
    let moved = entities::project::Entity::find_by_id(open_p)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.group_id, old, "a refused item changes nothing");
    let next = meetings::schedule(
        db,
        SYS,
        meetings::NewMeeting {
            group_id: Some(new),
            project_id: None,
            title: "First meeting".into(),
            kind: None,
            format: None,
            starts_at: Utc::now() + Duration::days(7),
            ends_at: None,
            time_zone: None,
            location: None,
            quorum: None,
            visibility: None,
            status: None,
            per_coop: false,
        },
    )
    .await
    .unwrap();
    handovers::complete_item(db, &cat_a, h.handover.id, HandoverItemKind::ProjectsMoved)
        .await
        .unwrap();
    let project_group = |id: Uuid| async move {
        entities::project::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .group_id
    };
    assert_eq!(project_group(open_p).await, new, "open projects move");
    assert_eq!(project_group(done_p).await, old, "finished ones stay");
    let item = entities::agenda_item::Entity::find_by_id(item.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(item.meeting_id, next.id);
    let action = entities::action::Entity::find_by_id(action.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((action.group_id, action.number), (Some(new), 1));
    let e = handovers::complete_item(db, &cat_a, h.handover.id, HandoverItemKind::ProjectsMoved)
        .await
        .unwrap_err();
    assert!(e.public_message().contains("already done"), "{e}");

    handovers::complete_item(db, &cat_a, h.handover.id, HandoverItemKind::AlliancesMoved)
        .await
        .unwrap();
    let moved_alliances = entities::alliance::Entity::find()
        .filter(entities::alliance::Column::GroupId.eq(new))
        .all(db)
        .await
        .unwrap();
    assert_eq!(moved_alliances.len(), 1, "the ended alliance stays");
    assert_eq!(moved_alliances[0].status, AllianceStatus::Active);

    let e = handovers::complete_item(db, &cat_a, h.handover.id, HandoverItemKind::PurposeAgreed)
        .await
        .unwrap_err();
    assert!(
        e.public_message().contains("no purpose written down"),
        "{e}"
    );
    groups::update(
        db,
        &cat_a,
        new,
        groups::GroupPatch {
            purpose: Some("Build the movement.".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for item in [
        HandoverItemKind::PurposeAgreed,
        HandoverItemKind::ContactsHandedOver,
    ] {
        handovers::complete_item(db, &cat_a, h.handover.id, item)
            .await
            .unwrap();
    }
    // Ann accepts her invitation (as `!accept` in an old room does).
    let joined = handovers::accept(db, &ann_a, old).await.unwrap();
    assert_eq!(joined[0].name, "Movement Building");
    assert!(handovers::accept(db, &ann_a, old).await.is_err(), "once");

    let done = handovers::complete_item(db, &cat_a, h.handover.id, HandoverItemKind::OldRoomClosed)
        .await
        .unwrap();
    assert!(done.handover.completed_at.is_some());
    assert_eq!(done.progress().percent, 100);
    let old_g = entities::group::Entity::find_by_id(old)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old_g.status, GroupStatus::Closed);
    let h3 = health::of(
        db,
        health::Of::Group(new),
        Utc::now(),
        health::HealthPolicy::default(),
    )
    .await
    .unwrap();
    assert_eq!(signal(&h3), None, "{h3:?}");

    // The old room that did not move with a project is closed, pointing to
    // the successor's room; the bridge renders it as a notice and a
    // tombstone.
    let rows = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("handover.completed"))
        .all(db)
        .await
        .unwrap();
    let mut closes = Vec::new();
    for row in &rows {
        if let Some(w) = bridge::notices::render(db, row).await.unwrap() {
            closes.push(w);
        }
    }
    assert_eq!(closes.len(), 1, "{closes:?}");
    let bridge::notices::Work::Close {
        notice,
        replacement,
    } = &closes[0]
    else {
        panic!("{closes:?}")
    };
    assert_eq!(notice.room_id, "!launch:example.org");
    assert_eq!(replacement.as_deref(), Some("!phones:example.org"));
    assert!(
        notice.plain.contains("handed over to Movement Building")
            && notice
                .plain
                .contains("https://matrix.to/#/!phones:example.org"),
        "{}",
        notice.plain
    );

    // Through the API: the handover and its progress.
    let body = app
        .anon(
            "query { groups(filter: { status: [ON_HOLD, FORMING, ACTIVE] }) { nodes { name handover { completedAt progress { done total percent open } items { item label done } } } } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let mb = body["data"]["groups"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Movement Building")
        .unwrap()
        .clone();
    assert_eq!(
        mb["handover"]["progress"],
        json!({ "done": 5, "total": 5, "percent": 100, "open": [] })
    );
    assert_eq!(
        mb["handover"]["items"][1],
        json!({ "item": "PROJECTS_MOVED", "label": "open projects, actions and agenda items moved", "done": true })
    );
}

async fn one_voice_per_coop(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = &app.db.conn;
    let riverside = app.db.member_coop("Riverside").await;
    let print = app.db.member_coop("Print Co-op").await;
    let assembly = new_group(db, "Assembly", vec![]).await;
    let r1 = person(db, "Rita", Some(riverside)).await;
    let r2 = person(db, "Raj", Some(riverside)).await;
    let p1 = person(db, "Pat", Some(print)).await;
    let xan = person(db, "Xan", None).await;
    for who in [r1, r2, p1, xan] {
        join(db, who, Some(assembly), None, Role::Member, None, None).await;
    }
    let meeting = meetings::schedule(
        db,
        SYS,
        meetings::NewMeeting {
            group_id: Some(assembly),
            project_id: None,
            title: "General meeting".into(),
            kind: None,
            format: None,
            starts_at: Utc::now() + Duration::days(5),
            ends_at: None,
            time_zone: None,
            location: None,
            quorum: Some(2),
            visibility: None,
            status: None,
            per_coop: true,
        },
    )
    .await
    .unwrap();
    for (who, answer) in [
        (r1, RsvpResponse::Yes),
        (r2, RsvpResponse::Yes),
        (p1, RsvpResponse::Maybe),
        (xan, RsvpResponse::Yes),
    ] {
        let a = actor(db, who).await;
        meetings::rsvp(db, &a, meeting.id, None, answer)
            .await
            .unwrap();
    }
    let outlook = |(): ()| async {
        quorum::outlooks(db, SYS, &[meeting.id])
            .await
            .unwrap()
            .remove(&meeting.id)
            .unwrap()
    };
    let o = outlook(()).await;
    assert!(o.per_coop);
    assert_eq!(
        (
            o.invited,
            o.confirmed,
            o.maybe,
            o.people_confirmed,
            o.not_counted
        ),
        (2, 1, 1, 3, 1),
        "{o:?}"
    );
    assert!(
        o.counting().starts_with("counted per co-op"),
        "{}",
        o.counting()
    );

    // Delegates: only the co-op's own people name them, from among its people.
    let pat = actor(db, p1).await;
    assert_eq!(
        organisations::name_delegate(db, &pat, riverside, r2)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Forbidden
    );
    let rita = actor(db, r1).await;
    let e = organisations::name_delegate(db, &rita, riverside, p1)
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("member_id"), "{e}");
    organisations::name_delegate(db, &rita, riverside, r2)
        .await
        .unwrap();
    // Riverside now speaks through Raj alone: when he says no, it is a no,
    // whatever Rita said.
    let raj = actor(db, r2).await;
    meetings::rsvp(db, &raj, meeting.id, None, RsvpResponse::No)
        .await
        .unwrap();
    let o = outlook(()).await;
    assert_eq!(
        (o.invited, o.confirmed, o.declined, o.maybe, o.not_counted),
        (2, 0, 1, 1, 2),
        "{o:?}"
    );
    let body = app
        .anon(
            "query { organisations { nodes { name delegates { displayName } } } }",
            json!({}),
        )
        .await;
    assert!(
        body.to_string()
            .contains(r#"{"delegates":[{"displayName":"Raj"}],"name":"Riverside"}"#),
        "{body}"
    );

    // The room's quorum warning says what its numbers count.
    entities::domain::alerts::run_due(
        db,
        meeting.starts_at - Duration::hours(24),
        &entities::domain::alerts::AlertPolicy::default(),
    )
    .await
    .unwrap();
    let warning = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("meeting.quorum_warning"))
        .one(db)
        .await
        .unwrap()
        .expect("a quorum warning");
    assert_eq!(warning.payload["per_coop"], true);
    assert_eq!(warning.payload["confirmed"], 0, "{}", warning.payload);
    assert!(
        warning.payload["counting"]
            .as_str()
            .unwrap()
            .starts_with("counted per co-op (each co-op once, by its delegates if it named any): 0 co-op(s) said yes, 2 people; 2 people who speak for no co-op here not counted"),
        "{}",
        warning.payload
    );

    // A per-co-op poll counts each co-op once per option.
    let poll = polls::open(
        db,
        SYS,
        polls::NewPoll {
            project_id: None,
            group_id: Some(assembly),
            meeting_id: None,
            title: Some("Next assembly".into()),
            options: vec![
                Utc::now() + Duration::days(20),
                Utc::now() + Duration::days(21),
            ],
            per_coop: Some(true),
        },
    )
    .await
    .unwrap();
    let first = poll.options[0].id;
    for who in [r2, p1, xan] {
        let a = actor(db, who).await;
        polls::vote(db, &a, first, true).await.unwrap();
    }
    let votes = polls::votes_for(db, &[first]).await.unwrap();
    assert_eq!(
        votes.get(&first),
        Some(&2),
        "Raj and Pat's co-ops; Xan has none"
    );
    let tally = polls::tally(db, &poll).await.unwrap();
    assert_eq!(tally.get(&first).map(|t| t.0), Some(2));
}

both!(
    roles_and_the_charter,
    a_handover_carries_people_and_work_over,
    one_voice_per_coop
);

/// `muster seed scale`: the rows asked for, counted as promised, into an
/// empty database only.
async fn generated_volume_loads(backend: Backend) {
    let app = spawn_app(backend).await;
    let scale = entities::scale::Scale {
        groups: 2,
        projects: 3,
        meetings: 4,
        rsvps: 5,
        members: 20,
        organisations: 4,
    };
    let mut last = 0;
    let rows = entities::scale::seed(&app.db.conn, scale, |n| last = n)
        .await
        .unwrap();
    assert_eq!(rows, scale.rows());
    assert_eq!(last, rows);
    assert_eq!(app.db.count("meetings").await, 24);
    assert_eq!(app.db.count("rsvps").await, 120);
    assert_eq!(app.db.count("attendance").await, 36);
    let e = entities::scale::seed(&app.db.conn, scale, |_| {})
        .await
        .unwrap_err();
    assert!(e.public_message().contains("empty"), "{e}");
    // The benchmark's page works on it.
    let body = app
        .anon(
            "{ groups(first: 20) { nodes { name projects(first: 10) { nodes { name meetings(first: 5, filter: { status: [SCHEDULED] }) { nodes { title startsAt rsvpCounts { yes no maybe } } } } } } } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let first = &body["data"]["groups"]["nodes"][0]["projects"]["nodes"][0]["meetings"]["nodes"];
    assert_eq!(first.as_array().unwrap().len(), 2, "{body}");
    // The first page read in SQL is the page the whole list gives.
    let fast = app
        .anon(
            "{ projects(first: 6) { nodes { meetings(first: 3) { nodes { title startsAt status } pageInfo { hasNextPage } } } } }",
            json!({}),
        )
        .await;
    let slow = app
        .anon(
            "{ projects(first: 6) { nodes { meetings(first: 3, orderBy: { field: STARTS_AT }) { nodes { title startsAt status } pageInfo { hasNextPage } } } } }",
            json!({}),
        )
        .await;
    assert!(fast.get("errors").is_none(), "{fast}");
    assert_eq!(fast, slow);
    // A first page reads a page (and one more row), yet says what a full
    // read would: whether there is more, and the total when asked.
    let body = app
        .anon(
            "{ meetings(first: 3) { nodes { title } pageInfo { hasNextPage } } all: meetings(first: 30) { nodes { title } pageInfo { hasNextPage } } counted: meetings(first: 3) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["meetings"]["nodes"].as_array().unwrap().len(),
        3,
        "{body}"
    );
    assert_eq!(body["data"]["meetings"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(body["data"]["all"]["nodes"].as_array().unwrap().len(), 24);
    assert_eq!(body["data"]["all"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(body["data"]["counted"]["totalCount"], 24);
}

both!(generated_volume_loads);
