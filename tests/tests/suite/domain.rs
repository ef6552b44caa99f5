//! The domain's use cases on both databases: slugs, validation that changes
//! nothing, the meeting lifecycle, permissions, the outbox, the demo data.

use chrono::{Duration, TimeZone, Utc};
use entities::domain::{groups, meetings, members, memberships, organisations, projects, read};
use entities::{Actor, ErrorCode, GroupStatus, MeetingStatus, Role, RsvpResponse};
use muster_tests::{Backend, TestDb, both, fresh_db};

const ADMIN: Actor = Actor::System;

fn new_group(name: &str) -> groups::NewGroup {
    groups::NewGroup {
        name: name.into(),
        slug: None,
        purpose: "A purpose".into(),
        domains: vec!["One".into()],
        status: None,
        visibility: None,
        reporting_line: None,
        time_zone: None,
        succeeds: vec![],
    }
}

fn new_meeting(group: uuid::Uuid, start: chrono::DateTime<Utc>) -> meetings::NewMeeting {
    meetings::NewMeeting {
        group_id: Some(group),
        project_id: None,
        title: "Planning".into(),
        kind: None,
        format: None,
        starts_at: start,
        ends_at: None,
        time_zone: None,
        location: None,
        quorum: Some(3),
        visibility: None,
        status: None,
        per_coop: false,
    }
}

/// Row counts of every table a failed use case could have touched.
async fn snapshot(db: &TestDb) -> Vec<i64> {
    let mut out = Vec::new();
    for t in [
        "groups",
        "group_successions",
        "projects",
        "members",
        "memberships",
        "meetings",
        "agenda_items",
        "rsvps",
        "outbox",
    ] {
        out.push(db.count(t).await);
    }
    out
}

async fn slugs_are_generated_unique_and_stable(backend: Backend) {
    let db = fresh_db(backend).await;
    let a = groups::create(&db.conn, &ADMIN, new_group("Co-op Fortnight"))
        .await
        .unwrap();
    let b = groups::create(&db.conn, &ADMIN, new_group("Co-op Fortnight"))
        .await
        .unwrap();
    let c = groups::create(&db.conn, &ADMIN, new_group("Co-op  fortnight!"))
        .await
        .unwrap();
    assert_eq!(a.slug, "co-op-fortnight");
    assert_eq!(b.slug, "co-op-fortnight-2");
    assert_eq!(c.slug, "co-op-fortnight-3");

    let renamed = groups::update(
        &db.conn,
        &ADMIN,
        a.id,
        groups::GroupPatch {
            name: Some("Co-op Fortnight 2026".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(renamed.slug, "co-op-fortnight", "a rename keeps the slug");

    let before = snapshot(&db).await;
    let mut dup = new_group("Anything");
    dup.slug = Some("co-op-fortnight".into());
    let err = groups::create(&db.conn, &ADMIN, dup).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::SlugTaken);
    assert_eq!(err.field(), Some("slug"));
    let mut bad = new_group("Anything");
    bad.slug = Some("Not A Slug".into());
    assert_eq!(
        groups::create(&db.conn, &ADMIN, bad)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        snapshot(&db).await,
        before,
        "failed creates changed nothing"
    );
}

async fn validation_failures_change_nothing(backend: Backend) {
    let db = fresh_db(backend).await;
    let g = groups::create(&db.conn, &ADMIN, new_group("Movement Building"))
        .await
        .unwrap();
    let before = snapshot(&db).await;

    let cases: Vec<(&str, groups::NewGroup)> = vec![
        (
            "name",
            groups::NewGroup {
                name: "   ".into(),
                ..new_group("x")
            },
        ),
        (
            "name",
            groups::NewGroup {
                name: "x".repeat(201),
                ..new_group("x")
            },
        ),
        (
            "purpose",
            groups::NewGroup {
                purpose: "x".repeat(10_001),
                ..new_group("x")
            },
        ),
        (
            "time_zone",
            groups::NewGroup {
                time_zone: Some("Mars/Olympus".into()),
                ..new_group("x")
            },
        ),
        (
            "domains",
            groups::NewGroup {
                domains: vec![String::new()],
                ..new_group("x")
            },
        ),
        (
            "succeeds",
            groups::NewGroup {
                succeeds: vec![uuid::Uuid::now_v7()],
                ..new_group("x")
            },
        ),
    ];
    for (field, input) in cases {
        let err = groups::create(&db.conn, &ADMIN, input).await.unwrap_err();
        assert_eq!(err.field(), Some(field), "{err}");
        assert!(err.code().info().user_error, "{err}");
    }

    let start = Utc::now() + Duration::days(7);
    let mut m = new_meeting(g.id, start);
    m.ends_at = Some(start - Duration::hours(1));
    let err = meetings::schedule(&db.conn, &ADMIN, m).await.unwrap_err();
    assert_eq!(
        (err.code(), err.field()),
        (ErrorCode::InvalidInput, Some("ends_at"))
    );
    assert!(err.to_string().contains("must be after"), "{err}");
    let mut m = new_meeting(g.id, start);
    m.quorum = Some(-1);
    assert_eq!(
        meetings::schedule(&db.conn, &ADMIN, m)
            .await
            .unwrap_err()
            .field(),
        Some("quorum")
    );
    let mut m = new_meeting(g.id, start);
    m.project_id = Some(uuid::Uuid::now_v7());
    assert_eq!(
        meetings::schedule(&db.conn, &ADMIN, m)
            .await
            .unwrap_err()
            .field(),
        Some("group_id")
    );
    let mut m = new_meeting(uuid::Uuid::now_v7(), start);
    m.title = "ok".into();
    assert_eq!(
        meetings::schedule(&db.conn, &ADMIN, m)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );

    let err = members::create(
        &db.conn,
        &ADMIN,
        members::NewMember {
            display_name: "Sam".into(),
            email: Some("sam@".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.field(), Some("email"));

    // A group cannot succeed a group that succeeds it.
    let old = groups::create(&db.conn, &ADMIN, new_group("Mobilising"))
        .await
        .unwrap();
    groups::update(
        &db.conn,
        &ADMIN,
        g.id,
        groups::GroupPatch {
            succeeds: Some(vec![old.id]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let before_cycle = snapshot(&db).await;
    let err = groups::update(
        &db.conn,
        &ADMIN,
        old.id,
        groups::GroupPatch {
            succeeds: Some(vec![g.id]),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.field(), Some("succeeds"), "{err}");
    assert_eq!(
        snapshot(&db).await,
        before_cycle,
        "the refused update rolled back whole"
    );
    assert_ne!(snapshot(&db).await, before);
}

async fn anonymous_callers_cannot_change_anything(backend: Backend) {
    let db = fresh_db(backend).await;
    let err = groups::create(&db.conn, &Actor::Anonymous, new_group("x"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    assert_eq!(db.count("groups").await, 0);
    assert_eq!(db.count("outbox").await, 0);
}

async fn meeting_lifecycle_with_outbox(backend: Backend) {
    let db = fresh_db(backend).await;
    let g = groups::create(&db.conn, &ADMIN, new_group("Movement Building"))
        .await
        .unwrap();
    let sam = members::create(
        &db.conn,
        &ADMIN,
        members::NewMember {
            display_name: "Sam".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let start = Utc.with_ymd_and_hms(2026, 12, 3, 18, 0, 0).unwrap();
    let m = meetings::schedule(&db.conn, &ADMIN, new_meeting(g.id, start))
        .await
        .unwrap();
    assert_eq!(m.status, MeetingStatus::Scheduled);
    assert_eq!(m.time_zone, "Europe/London", "the group's zone");
    assert_eq!(m.ends_at - m.starts_at, Duration::hours(1));

    meetings::add_agenda_item(&db.conn, &ADMIN, m.id, "Priorities", Some(sam.id))
        .await
        .unwrap();
    let second = meetings::add_agenda_item(&db.conn, &ADMIN, m.id, "Alliances", None)
        .await
        .unwrap();
    assert_eq!(second.position, 2);
    let r1 = meetings::rsvp(&db.conn, &ADMIN, m.id, Some(sam.id), RsvpResponse::Maybe)
        .await
        .unwrap();
    let r2 = meetings::rsvp(&db.conn, &ADMIN, m.id, Some(sam.id), RsvpResponse::Yes)
        .await
        .unwrap();
    assert_eq!(r1.id, r2.id, "a second answer replaces the first");
    assert_eq!(db.count("rsvps").await, 1);

    let moved = meetings::move_to(
        &db.conn,
        &ADMIN,
        meetings::MoveMeeting {
            meeting_id: m.id,
            starts_at: start + Duration::days(7),
            ends_at: None,
            reason: Some("low numbers".into()),
        },
    )
    .await
    .unwrap();
    assert_eq!(moved.postponed_from_id, Some(m.id));
    assert_eq!(moved.ends_at - moved.starts_at, Duration::hours(1));
    let old = meetings::get(&db.conn, m.id, "id").await.unwrap();
    assert_eq!(old.status, MeetingStatus::Postponed);
    assert_eq!(old.cancel_reason.as_deref(), Some("low numbers"));
    let agenda = read::agenda_of(&db.conn, &[moved.id]).await.unwrap();
    assert_eq!(agenda.len(), 2, "open agenda items moved with the meeting");

    // The old meeting can no longer change.
    let before = snapshot(&db).await;
    let err = meetings::cancel(&db.conn, &ADMIN, m.id, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidState);
    assert_eq!(
        meetings::rsvp(&db.conn, &ADMIN, m.id, Some(sam.id), RsvpResponse::No)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidState
    );
    assert_eq!(snapshot(&db).await, before);

    meetings::cancel(&db.conn, &ADMIN, moved.id, Some("non-attendance".into()))
        .await
        .unwrap();

    let kinds: Vec<String> = {
        use sea_orm::{EntityTrait, QueryOrder};
        entities::outbox::Entity::find()
            .order_by_asc(entities::outbox::Column::Id)
            .all(&db.conn)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.kind)
            .collect()
    };
    assert_eq!(
        kinds,
        [
            "group.created",
            "member.created",
            "meeting.scheduled",
            "agenda_item.added",
            "agenda_item.added",
            "rsvp.changed",
            "rsvp.changed",
            "meeting.moved",
            "meeting.cancelled"
        ]
    );
}

async fn memberships_and_projects(backend: Backend) {
    let db = fresh_db(backend).await;
    let g = groups::create(&db.conn, &ADMIN, new_group("Movement Building"))
        .await
        .unwrap();
    let org = organisations::create(
        &db.conn,
        &ADMIN,
        organisations::NewOrganisation {
            name: "Riverside".into(),
            slug: None,
            kind: entities::OrganisationKind::MemberCoop,
            website: None,
            country: Some("gb".into()),
            is_member_coop: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(org.country.as_deref(), Some("GB"));
    assert!(org.is_member_coop);
    let p = projects::create(
        &db.conn,
        &ADMIN,
        projects::NewProject {
            group_id: g.id,
            name: "Autumn Assembly".into(),
            slug: None,
            goal: String::new(),
            status: None,
            starts_on: chrono::NaiveDate::from_ymd_opt(2026, 10, 1),
            ends_on: chrono::NaiveDate::from_ymd_opt(2026, 9, 1),
            visibility: None,
            time_zone: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(p.field(), Some("ends_on"));
    let sam = members::create(
        &db.conn,
        &ADMIN,
        members::NewMember {
            display_name: "Sam".into(),
            organisation_id: Some(org.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let join = |group| memberships::NewMembership {
        member_id: sam.id,
        group_id: Some(group),
        project_id: None,
        role: Role::Convener,
        involvement: None,
        commitment_hours: Some(6),
        status: None,
        since: None,
        role_id: None,
    };
    let ms = memberships::create(&db.conn, &ADMIN, join(g.id))
        .await
        .unwrap();
    assert_eq!(
        ms.involvement,
        entities::Involvement::Coordination,
        "a convener steers by default"
    );
    assert_eq!(
        memberships::create(&db.conn, &ADMIN, join(g.id))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Conflict
    );
    let left = memberships::archive(&db.conn, &ADMIN, ms.id).await.unwrap();
    assert_eq!(left.status, entities::MembershipStatus::SteppedBack);
    assert!(left.until.is_some());
    let back = memberships::create(&db.conn, &ADMIN, join(g.id))
        .await
        .unwrap();
    assert_eq!(back.id, ms.id, "re-joining re-admits the old membership");
    assert_eq!(db.count("memberships").await, 1);
    let mut hours = join(g.id);
    hours.commitment_hours = Some(500);
    assert_eq!(
        memberships::create(&db.conn, &ADMIN, hours)
            .await
            .unwrap_err()
            .field(),
        Some("commitment_hours")
    );
}

async fn demo_data_tells_the_seed_story(backend: Backend) {
    let db = fresh_db(backend).await;
    let summary = entities::demo::seed_if_empty(&db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.groups, 4);
    assert!(
        entities::demo::seed_if_empty(&db.conn)
            .await
            .unwrap()
            .is_none(),
        "never twice"
    );
    let mb = read::group_by_slug(&db.conn, &Actor::Anonymous, "movement-building")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mb.status, GroupStatus::OnHold);
    assert_eq!(mb.domains.as_array().unwrap().len(), 4);
    let preds = read::successions_of(&db.conn, true, &[mb.id])
        .await
        .unwrap();
    let mobilising = read::group_by_slug(&db.conn, &Actor::Anonymous, "mobilising")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        preds.iter().map(|p| p.predecessor_id).collect::<Vec<_>>(),
        [mobilising.id]
    );
    assert_eq!(mobilising.status, GroupStatus::Closed);
    for slug in [
        "co-op-fortnight",
        "autumn-assembly",
        "worker-co-op-weekend-2025",
        "speaking-to-worker-co-ops",
        "international",
    ] {
        assert!(
            read::project_by_slug(&db.conn, &Actor::Anonymous, slug)
                .await
                .unwrap()
                .is_some(),
            "{slug}"
        );
    }
    let ms = read::meetings(
        &db.conn,
        &Actor::Anonymous,
        &read::MeetingFilter {
            group_id: Some(mb.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let statuses: Vec<_> = ms.iter().map(|m| m.status).collect();
    assert_eq!(
        statuses,
        [
            MeetingStatus::Held,
            MeetingStatus::Postponed,
            MeetingStatus::Cancelled
        ]
    );
    let june = &ms[1];
    assert_eq!(
        june.starts_at,
        Utc.with_ymd_and_hms(2025, 6, 6, 11, 0, 0).unwrap(),
        "12:00 in London in June"
    );
    assert_eq!(ms[2].postponed_from_id, Some(june.id));
}

/// The positional decoders (`entities::domain::rows`) read every column of
/// every row as sea-orm's derived decoder does: on the demo data, with one
/// meeting given every optional column, so each is seen both NULL and set.
async fn positional_decoding_matches_sea_orm(backend: Backend) {
    use entities::domain::rows;
    use entities::{group, meeting, member, project, rsvp};
    use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, Set};
    let db = fresh_db(backend).await;
    entities::demo::seed(&db.conn).await.unwrap();
    let first = meeting::Entity::find()
        .order_by_asc(meeting::Column::Id)
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    let mut full: meeting::ActiveModel = first.clone().into();
    full.location = Set(Some("Upstairs at the Co-op".into()));
    full.postponed_from_id = Set(Some(first.id));
    full.cancel_reason = Set(Some("Snow".into()));
    full.minutes = Set(Some("Agreed: *everything*.".into()));
    full.quorum_confirmed_at = Set(Some(Utc::now()));
    full.per_coop = Set(true);
    // Instants on both sides of PostgreSQL's epoch (2000-01-01 UTC), to the
    // microsecond: the positional decoder reads timestamps' binary form.
    let before_epoch = Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59).unwrap()
        + chrono::Duration::microseconds(999_999);
    let far =
        Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::microseconds(1);
    full.starts_at = Set(before_epoch);
    full.ends_at = Set(far);
    full.update(&db.conn).await.unwrap();

    let q = || meeting::Entity::find().order_by_asc(meeting::Column::Id);
    let derived = q().all(&db.conn).await.unwrap();
    let positional = rows::meetings(&db.conn, q()).await.unwrap();
    assert!(!derived.is_empty(), "the demo has meetings");
    assert!(
        derived
            .iter()
            .any(|m| m.minutes.is_some() && m.location.is_some())
    );
    assert!(derived.iter().any(|m| m.minutes.is_none()));
    assert!(
        derived
            .iter()
            .any(|m| m.group_id.is_none() || m.project_id.is_none())
    );
    assert_eq!(positional, derived);
    let read_back = positional.iter().find(|m| m.id == first.id).unwrap();
    assert_eq!(
        (read_back.starts_at, read_back.ends_at),
        (before_epoch, far)
    );
    let stmt = sea_orm::QueryTrait::build(&q(), db.conn.get_database_backend());
    let raw = db.conn.query_one_raw(stmt).await.unwrap().unwrap();
    assert_eq!(
        rows::by_position::<meeting::Entity>(&raw),
        backend == Backend::Postgres,
        "the positional path is taken on PostgreSQL"
    );

    let q = || rsvp::Entity::find().order_by_asc(rsvp::Column::Id);
    let derived = q().all(&db.conn).await.unwrap();
    assert!(!derived.is_empty(), "the demo has RSVPs");
    assert_eq!(rows::rsvps(&db.conn, q()).await.unwrap(), derived);

    // Groups, projects and members, with their optional columns both set
    // and empty.
    let g = group::Entity::find().one(&db.conn).await.unwrap().unwrap();
    let mut g: group::ActiveModel = g.into();
    g.reporting_line = Set(None);
    g.archived_at = Set(Some(Utc::now()));
    g.update(&db.conn).await.unwrap();
    let p = project::Entity::find()
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    let mut p: project::ActiveModel = p.into();
    p.starts_on = Set(Some(chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()));
    p.time_zone = Set(Some("Europe/London".into()));
    p.matrix_room_id = Set(Some("!room:example.org".into()));
    p.update(&db.conn).await.unwrap();
    let q = || group::Entity::find().order_by_asc(group::Column::Id);
    let derived = q().all(&db.conn).await.unwrap();
    assert!(derived.iter().any(|g| g.reporting_line.is_some()));
    assert!(derived.iter().any(|g| g.reporting_line.is_none()));
    assert_eq!(rows::groups(&db.conn, q()).await.unwrap(), derived);
    let q = || project::Entity::find().order_by_asc(project::Column::Id);
    let derived = q().all(&db.conn).await.unwrap();
    assert!(derived.iter().any(|p| p.starts_on.is_some()));
    assert!(derived.iter().any(|p| p.matrix_room_id.is_none()));
    assert_eq!(rows::projects(&db.conn, q()).await.unwrap(), derived);
    let q = || member::Entity::find().order_by_asc(member::Column::Id);
    let derived = q().all(&db.conn).await.unwrap();
    assert!(derived.iter().any(|m| m.email.is_some()));
    assert!(derived.iter().any(|m| m.organisation_id.is_some()));
    assert_eq!(rows::members(&db.conn, q()).await.unwrap(), derived);
    let stmt = sea_orm::QueryTrait::build(&group::Entity::find(), db.conn.get_database_backend());
    let raw = db.conn.query_one_raw(stmt).await.unwrap().unwrap();
    assert_eq!(
        rows::by_position::<group::Entity>(&raw),
        backend == Backend::Postgres
    );

    // RSVP counts (read by index) agree with counting the rows.
    let counts = entities::domain::read::rsvp_counts(
        &db.conn,
        &meeting::Entity::find()
            .all(&db.conn)
            .await
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    assert!(!counts.is_empty());
    let all = rsvp::Entity::find().all(&db.conn).await.unwrap();
    for (meeting, [yes, no, maybe]) in counts {
        let n = |r: RsvpResponse| {
            i64::try_from(
                all.iter()
                    .filter(|x| x.meeting_id == meeting && x.response == r)
                    .count(),
            )
            .unwrap()
        };
        assert_eq!(
            [yes, no, maybe],
            [
                n(RsvpResponse::Yes),
                n(RsvpResponse::No),
                n(RsvpResponse::Maybe)
            ]
        );
    }
}

/// A meeting's RSVP counts are columns the database keeps (triggers on
/// `rsvps`): after every kind of change to the RSVPs — an answer given,
/// changed, given again unchanged, moved to another meeting, deleted, and
/// the meeting itself deleted — they equal a fresh count, on both
/// databases, and the read path returns them.
async fn rsvp_counts_are_kept_by_the_database(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let db = fresh_db(backend).await;
    let g = groups::create(&db.conn, &ADMIN, new_group("Movement Building"))
        .await
        .unwrap();
    let mut people = Vec::new();
    for name in ["Sam", "Ana", "Kit"] {
        let m = members::create(
            &db.conn,
            &ADMIN,
            members::NewMember {
                display_name: name.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        people.push(m.id);
    }
    let start = Utc.with_ymd_and_hms(2026, 12, 3, 18, 0, 0).unwrap();
    let a = meetings::schedule(&db.conn, &ADMIN, new_meeting(g.id, start))
        .await
        .unwrap();
    let b = meetings::schedule(
        &db.conn,
        &ADMIN,
        new_meeting(g.id, start + Duration::days(7)),
    )
    .await
    .unwrap();
    let answer = |who: usize, m: uuid::Uuid, r: RsvpResponse| {
        meetings::rsvp(&db.conn, &ADMIN, m, Some(people[who]), r)
    };
    let counts = |m: uuid::Uuid| {
        let conn = &db.conn;
        async move {
            read::rsvp_counts(conn, &[m])
                .await
                .unwrap()
                .first()
                .map(|(_, c)| *c)
        }
    };
    let sql = |s: String| {
        let conn = &db.conn;
        async move { conn.execute_unprepared(&s).await.unwrap() }
    };
    let id = |u: uuid::Uuid| match backend {
        // How each backend stores a UUID.
        Backend::Postgres => format!("'{u}'"),
        Backend::Sqlite => format!("x'{}'", u.simple()),
    };

    assert_eq!(counts(a.id).await, Some([0, 0, 0]), "nobody answered yet");
    answer(0, a.id, RsvpResponse::Yes).await.unwrap();
    answer(1, a.id, RsvpResponse::Yes).await.unwrap();
    answer(2, a.id, RsvpResponse::Maybe).await.unwrap();
    db.kept_rsvp_counts_agree().await;
    assert_eq!(counts(a.id).await, Some([2, 0, 1]));

    answer(1, a.id, RsvpResponse::No).await.unwrap();
    answer(2, a.id, RsvpResponse::Maybe).await.unwrap();
    db.kept_rsvp_counts_agree().await;
    assert_eq!(
        counts(a.id).await,
        Some([1, 1, 1]),
        "changed, and again unchanged"
    );

    // Moved to the other meeting (no use case does it; the triggers cover it).
    sql(format!(
        "UPDATE rsvps SET meeting_id = {} WHERE member_id = {}",
        id(b.id),
        id(people[0])
    ))
    .await;
    db.kept_rsvp_counts_agree().await;
    assert_eq!(counts(a.id).await, Some([0, 1, 1]));
    assert_eq!(counts(b.id).await, Some([1, 0, 0]));

    sql(format!(
        "DELETE FROM rsvps WHERE member_id = {}",
        id(people[1])
    ))
    .await;
    db.kept_rsvp_counts_agree().await;
    assert_eq!(counts(a.id).await, Some([0, 0, 1]));

    // Deleting a meeting deletes its RSVPs (a cascade) without complaint.
    sql(format!("DELETE FROM meetings WHERE id = {}", id(a.id))).await;
    let kept = db.kept_rsvp_counts_agree().await;
    assert_eq!(kept.len(), 1);
    assert_eq!(counts(a.id).await, None);
    assert_eq!(counts(b.id).await, Some([1, 0, 0]));
}

both!(
    positional_decoding_matches_sea_orm,
    rsvp_counts_are_kept_by_the_database,
    slugs_are_generated_unique_and_stable,
    validation_failures_change_nothing,
    anonymous_callers_cannot_change_anything,
    meeting_lifecycle_with_outbox,
    memberships_and_projects,
    demo_data_tells_the_seed_story,
);
