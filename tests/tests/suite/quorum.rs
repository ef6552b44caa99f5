//! Meetings that happen: the quorum outlook on a made-up history whose
//! answer is known, and the agenda backlog rolling over — through the
//! domain and the API, on both databases.

use chrono::{Duration, TimeZone, Utc};
use entities::domain::{groups, meetings, members, memberships, quorum};
use entities::{Actor, Role, RsvpResponse};
use muster_tests::{Backend, both, spawn_app};
use serde_json::json;

async fn forecast_from_answers_and_records(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = &app.db.conn;
    let sys = &Actor::System;
    let g = groups::create(
        db,
        sys,
        groups::NewGroup {
            name: "Movement Building".into(),
            slug: None,
            purpose: String::new(),
            domains: vec![],
            status: None,
            visibility: None,
            reporting_line: None,
            time_zone: None,
            succeeds: vec![],
        },
    )
    .await
    .unwrap();
    let since = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let mut people = Vec::new();
    for name in ["Reliable", "Flaky", "Unsure", "Silent", "Away"] {
        let m = members::create(
            db,
            sys,
            members::NewMember {
                display_name: name.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        memberships::create(
            db,
            sys,
            memberships::NewMembership {
                member_id: m.id,
                group_id: Some(g.id),
                project_id: None,
                role: Role::Member,
                involvement: None,
                commitment_hours: None,
                status: None,
                since: Some(since),
                role_id: None,
            },
        )
        .await
        .unwrap();
        people.push(m.id);
    }
    let [reliable, flaky, unsure, silent, away] = people[..] else {
        unreachable!()
    };
    let meeting_at = |days: i64| meetings::NewMeeting {
        group_id: Some(g.id),
        project_id: None,
        title: "Planning".into(),
        kind: None,
        format: None,
        starts_at: Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap() + Duration::days(days),
        ends_at: None,
        time_zone: None,
        location: None,
        quorum: Some(3),
        visibility: None,
        status: None,
        per_coop: false,
    };
    // Three past meetings: Reliable said yes and came each time; Flaky said
    // yes to two and came to neither; the others never answered nor came.
    for i in 0..3 {
        let m = meetings::schedule(db, sys, meeting_at(i * 7))
            .await
            .unwrap();
        meetings::rsvp(db, sys, m.id, Some(reliable), RsvpResponse::Yes)
            .await
            .unwrap();
        if i < 2 {
            meetings::rsvp(db, sys, m.id, Some(flaky), RsvpResponse::Yes)
                .await
                .unwrap();
        }
        meetings::record_held(db, sys, m.id, &[reliable], &[])
            .await
            .unwrap();
    }
    let next = meetings::schedule(db, sys, meeting_at(60)).await.unwrap();
    meetings::rsvp(db, sys, next.id, Some(reliable), RsvpResponse::Yes)
        .await
        .unwrap();
    meetings::rsvp(db, sys, next.id, Some(flaky), RsvpResponse::Yes)
        .await
        .unwrap();
    meetings::rsvp(db, sys, next.id, Some(unsure), RsvpResponse::Maybe)
        .await
        .unwrap();
    meetings::rsvp(db, sys, next.id, Some(away), RsvpResponse::No)
        .await
        .unwrap();
    let _ = silent;

    // Reliable: (3 + 0.85×2)/(3 + 2) = 0.94. Flaky: (0 + 0.85×2)/(2 + 2) =
    // 0.425. Unsure, maybe, no record: 0.5. Away, no, no record: 0.05.
    // Silent never answered and never came, three times:
    // (0 + 0.25×2)/(3 + 2) = 0.1. Total 2.015, short of 3.
    let o = quorum::outlooks(db, sys, &[next.id])
        .await
        .unwrap()
        .remove(&next.id)
        .unwrap();
    assert_eq!(
        (o.invited, o.confirmed, o.maybe, o.declined, o.no_reply),
        (5, 2, 1, 1, 1)
    );
    assert!((o.forecast - 2.015).abs() < 1e-9, "{o:?}");
    assert!(!o.likely);

    let body = app
        .anon(
            "query($id: ID!) { meeting(id: $id) { quorumOutlook { quorum invited confirmed maybe declined noReply forecast likely } } }",
            json!({ "id": api::graphql::ids::encode(api::graphql::ids::Kind::Meeting, next.id).0 }),
        )
        .await;
    assert_eq!(
        body["data"]["meeting"]["quorumOutlook"],
        json!({ "quorum": 3, "invited": 5, "confirmed": 2, "maybe": 1, "declined": 1, "noReply": 1, "forecast": 2.0, "likely": false })
    );

    // Two more yeses from people with no bad record lift it over the quorum.
    meetings::rsvp(db, sys, next.id, Some(unsure), RsvpResponse::Yes)
        .await
        .unwrap();
    meetings::rsvp(db, sys, next.id, Some(silent), RsvpResponse::Yes)
        .await
        .unwrap();
    let o = quorum::outlooks(db, sys, &[next.id])
        .await
        .unwrap()
        .remove(&next.id)
        .unwrap();
    // 0.94 + 0.425 + 0.85 + 0.85 + 0.05 = 3.115
    assert!((o.forecast - 3.115).abs() < 1e-9, "{o:?}");
    assert!(o.likely);
}

both!(forecast_from_answers_and_records);

/// Items not reached roll over to the next meeting; with no next meeting
/// they wait, and the next meeting scheduled adopts them.
async fn agenda_backlog_rolls_over(backend: Backend) {
    let app = spawn_app(backend).await;
    entities::demo::seed(&app.db.conn).await.unwrap();
    let g = entities::domain::read::group_by_slug(
        &app.db.conn,
        &Actor::System,
        "co-op-support-development",
    )
    .await
    .unwrap()
    .unwrap();
    let gid = api::graphql::ids::encode(api::graphql::ids::Kind::Group, g.id).0;
    let schedule = "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { meeting { id } userErrors { code } } }";
    let add = "mutation($input: AddAgendaItemInput!) { addAgendaItem(input: $input) { agendaItem { id } userErrors { code } } }";
    let held = "mutation($input: MarkMeetingHeldInput!) { markMeetingHeld(input: $input) { meeting { status } userErrors { field code } } }";
    let agenda = "query($id: ID!) { meeting(id: $id) { agenda { edges { node { position text status } } } } }";
    let start = |days: i64| (chrono::Utc::now() + Duration::days(days)).to_rfc3339();
    let first = app
        .ok(
            schedule,
            "scheduleMeeting",
            json!({ "groupId": gid, "title": "One", "startsAt": start(1) }),
        )
        .await["meeting"]["id"]
        .clone();
    let second = app
        .ok(
            schedule,
            "scheduleMeeting",
            json!({ "groupId": gid, "title": "Two", "startsAt": start(8) }),
        )
        .await["meeting"]["id"]
        .clone();
    app.ok(
        add,
        "addAgendaItem",
        json!({ "meetingId": second, "text": "Own item" }),
    )
    .await;
    let mut items = Vec::new();
    for text in ["Purpose", "Domains", "Board link"] {
        items.push(
            app.ok(
                add,
                "addAgendaItem",
                json!({ "meetingId": first, "text": text }),
            )
            .await["agendaItem"]["id"]
                .clone(),
        );
    }
    // A discussed item that is not on this agenda is refused; nothing changes.
    let body = app.admin(held, json!({ "input": { "id": first, "discussedItemIds": [api::graphql::ids::encode(api::graphql::ids::Kind::AgendaItem, uuid::Uuid::now_v7()).0] } })).await;
    assert_eq!(
        body["data"]["markMeetingHeld"]["userErrors"][0]["code"], "INVALID_INPUT",
        "{body}"
    );
    app.ok(
        held,
        "markMeetingHeld",
        json!({ "id": first, "discussedItemIds": [items[0]] }),
    )
    .await;
    let texts = |body: &serde_json::Value| -> Vec<String> {
        body["data"]["meeting"]["agenda"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["node"]["position"],
                    e["node"]["text"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        texts(&app.anon(agenda, json!({ "id": first })).await),
        ["1 Purpose"]
    );
    assert_eq!(
        texts(&app.anon(agenda, json!({ "id": second })).await),
        ["1 Own item", "2 Domains", "3 Board link"]
    );

    // Held with nothing reached and no next meeting: the items wait, then
    // the next meeting scheduled adopts them.
    app.ok(held, "markMeetingHeld", json!({ "id": second }))
        .await;
    assert_eq!(
        texts(&app.anon(agenda, json!({ "id": second })).await).len(),
        3
    );
    let third = app
        .ok(
            schedule,
            "scheduleMeeting",
            json!({ "groupId": gid, "title": "Three", "startsAt": start(15) }),
        )
        .await["meeting"]["id"]
        .clone();
    assert_eq!(
        texts(&app.anon(agenda, json!({ "id": third })).await),
        ["1 Own item", "2 Domains", "3 Board link"]
    );
    assert!(texts(&app.anon(agenda, json!({ "id": second })).await).is_empty());
}

both!(agenda_backlog_rolls_over);

async fn minutes_actions_and_confirmation_through_the_api(backend: Backend) {
    let app = spawn_app(backend).await;
    entities::demo::seed(&app.db.conn).await.unwrap();
    let g = entities::domain::read::group_by_slug(
        &app.db.conn,
        &Actor::System,
        "co-op-support-development",
    )
    .await
    .unwrap()
    .unwrap();
    let gid = api::graphql::ids::encode(api::graphql::ids::Kind::Group, g.id).0;
    let schedule = "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { meeting { id } userErrors { code } } }";
    let start = (chrono::Utc::now() + Duration::days(3)).to_rfc3339();
    let meeting = app
        .ok(
            schedule,
            "scheduleMeeting",
            json!({ "groupId": gid, "title": "Planning", "startsAt": start, "quorum": 4 }),
        )
        .await["meeting"]["id"]
        .clone();
    let someone = {
        use sea_orm::EntityTrait;
        entities::member::Entity::find()
            .one(&app.db.conn)
            .await
            .unwrap()
            .unwrap()
    };
    let member = json!({
        "id": api::graphql::ids::encode(api::graphql::ids::Kind::Member, someone.id).0,
        "displayName": someone.display_name,
    });

    let add = "mutation($input: AddActionInput!) { addAction(input: $input) { action { id number text dueOn done owner { displayName } meeting { title } } userErrors { field message code } } }";
    let a = app
        .ok(
            add,
            "addAction",
            json!({ "meetingId": meeting, "text": "Book the hall", "ownerId": member["id"], "dueOn": "2027-01-08" }),
        )
        .await["action"]
        .clone();
    assert_eq!(
        a,
        json!({ "id": a["id"], "number": 1, "text": "Book the hall", "dueOn": "2027-01-08", "done": false, "owner": { "displayName": member["displayName"] }, "meeting": { "title": "Planning" } })
    );
    let second = app
        .ok(
            add,
            "addAction",
            json!({ "meetingId": meeting, "text": "Print leaflets" }),
        )
        .await["action"]["number"]
        .clone();
    assert_eq!(second, 2);
    // Bad input changes nothing and says what to fix.
    let bad = app
        .admin(
            add,
            json!({ "input": { "meetingId": meeting, "text": "  " } }),
        )
        .await;
    assert_eq!(
        bad["data"]["addAction"]["userErrors"][0]["field"],
        json!(["input", "text"]),
        "{bad}"
    );
    assert_eq!(
        bad["data"]["addAction"]["userErrors"][0]["code"],
        "INVALID_INPUT"
    );

    let open = "query { group(slug: \"co-op-support-development\") { openActions { totalCount edges { node { number text } } } } }";
    let body = app.admin(open, json!({})).await;
    assert_eq!(
        body["data"]["group"]["openActions"]["totalCount"], 2,
        "{body}"
    );
    let node = app
        .admin(
            "query($id: ID!) { node(id: $id) { ... on Action { text } } }",
            json!({ "id": a["id"] }),
        )
        .await;
    assert_eq!(node["data"]["node"]["text"], "Book the hall", "{node}");

    let complete = "mutation($input: CompleteActionInput!) { completeAction(input: $input) { action { done doneAt } userErrors { field message code } } }";
    let done = app
        .ok(complete, "completeAction", json!({ "id": a["id"] }))
        .await;
    assert_eq!(done["action"]["done"], true);
    let again = app
        .admin(complete, json!({ "input": { "id": a["id"] } }))
        .await;
    assert!(
        again["data"]["completeAction"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already done"),
        "{again}"
    );
    let body = app.admin(open, json!({})).await;
    assert_eq!(body["data"]["group"]["openActions"]["totalCount"], 1);
    // Anonymous callers cannot add actions.
    let anon = app
        .anon(
            add,
            json!({ "input": { "meetingId": meeting, "text": "x" } }),
        )
        .await;
    assert_eq!(
        anon["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{anon}"
    );

    let minutes = "mutation($input: RecordMinutesInput!) { recordMinutes(input: $input) { meeting { minutes } userErrors { field code } } }";
    let m = app
        .ok(
            minutes,
            "recordMinutes",
            json!({ "meetingId": meeting, "minutes": "## Decided\n- Hall booked" }),
        )
        .await;
    assert_eq!(m["meeting"]["minutes"], "## Decided\n- Hall booked");

    let confirm = "mutation($input: ConfirmMeetingInput!) { confirmMeeting(input: $input) { meeting { quorumConfirmedAt } userErrors { field message code } } }";
    let c = app
        .ok(confirm, "confirmMeeting", json!({ "id": meeting }))
        .await;
    assert!(c["meeting"]["quorumConfirmedAt"].is_string(), "{c}");
    let sent = entities::domain::alerts::run_due(
        &app.db.conn,
        chrono::Utc::now() + Duration::days(2),
        &entities::domain::alerts::AlertPolicy::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        sent.quorum_warnings, 0,
        "confirmed meetings are not warned about"
    );
}

both!(minutes_actions_and_confirmation_through_the_api);

async fn date_polls_through_the_api(backend: Backend) {
    use sea_orm::EntityTrait;
    let app = spawn_app(backend).await;
    entities::demo::seed(&app.db.conn).await.unwrap();
    let p =
        entities::domain::read::project_by_slug(&app.db.conn, &Actor::System, "co-op-fortnight")
            .await
            .unwrap()
            .unwrap();
    let pid = api::graphql::ids::encode(api::graphql::ids::Kind::Project, p.id).0;
    let day = |d: i64| (chrono::Utc::now() + Duration::days(d)).to_rfc3339();
    let open = "mutation($input: OpenPollInput!) { openPoll(input: $input) { poll { id title open options { id position votes } } userErrors { field message code } } }";
    let bad = app
        .admin(
            open,
            json!({ "input": { "projectId": pid, "options": [day(3)] } }),
        )
        .await;
    assert_eq!(
        bad["data"]["openPoll"]["userErrors"][0]["code"], "INVALID_INPUT",
        "{bad}"
    );
    let poll = app
        .ok(
            open,
            "openPoll",
            json!({ "projectId": pid, "options": [day(4), day(3)] }),
        )
        .await["poll"]
        .clone();
    assert_eq!(poll["title"], "Co-op Fortnight meeting");
    assert_eq!(poll["open"], true);
    let later = poll["options"][1]["id"].as_str().unwrap().to_owned();

    let member = entities::member::Entity::find()
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap();
    let session = app.member_session(member.id).await;
    let vote = "mutation($input: VotePollInput!) { votePoll(input: $input) { poll { options { position votes } } userErrors { message code } } }";
    let (_, body) = app
        .post(
            Some(&session),
            vote,
            json!({ "input": { "optionId": later } }),
        )
        .await;
    assert_eq!(
        body["data"]["votePoll"]["poll"]["options"],
        json!([{ "position": 1, "votes": 0 }, { "position": 2, "votes": 1 }]),
        "{body}"
    );
    let q = app
        .admin(
            "query { project(slug: \"co-op-fortnight\") { openPoll { id options { votes } } } }",
            json!({}),
        )
        .await;
    assert_eq!(q["data"]["project"]["openPoll"]["id"], poll["id"], "{q}");

    let close = "mutation($input: ClosePollInput!) { closePoll(input: $input) { poll { open chosen { position } } meeting { title startsAt } userErrors { message code } } }";
    let closed = app
        .admin(close, json!({ "input": { "id": poll["id"] } }))
        .await;
    let c = &closed["data"]["closePoll"];
    assert_eq!(c["poll"]["open"], false, "{closed}");
    assert_eq!(c["poll"]["chosen"]["position"], 2);
    assert_eq!(c["meeting"]["title"], "Co-op Fortnight meeting");
    let again = app
        .admin(close, json!({ "input": { "id": poll["id"] } }))
        .await;
    assert!(
        again["data"]["closePoll"]["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already closed"),
        "{again}"
    );
    let node = app
        .admin(
            "query($id: ID!) { node(id: $id) { ... on Poll { title open } } }",
            json!({ "id": poll["id"] }),
        )
        .await;
    assert_eq!(
        node["data"]["node"],
        json!({ "title": "Co-op Fortnight meeting", "open": false })
    );
}

both!(date_polls_through_the_api);
