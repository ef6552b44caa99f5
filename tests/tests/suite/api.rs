//! The GraphQL API over HTTP, on both databases: the README's first query,
//! every mutation, bad input that changes nothing, Relay paging, `node`,
//! visibility, the N+1 guarantee, and the HTTP surface.

use chrono::{Duration, Utc};
use entities::Actor;
use entities::domain::{groups, meetings, members, projects};
use muster_tests::{Backend, TestApp, both, spawn_app};
use serde_json::{Value, json};

const FIRST_QUERY: &str = include_str!("../../../docs/first-query.graphql");

/// Row counts of every table, to show a failure wrote nothing.
async fn counts(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for t in [
        "organisations",
        "members",
        "groups",
        "group_successions",
        "projects",
        "memberships",
        "alliances",
        "meetings",
        "agenda_items",
        "rsvps",
        "resources",
        "outbox",
    ] {
        out.push(app.db.count(t).await);
    }
    out
}

async fn readme_first_query_shows_the_demo(backend: Backend) {
    let app = spawn_app(backend).await;
    entities::demo::seed(&app.db.conn).await.unwrap();
    let body = app.anon(FIRST_QUERY, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let g = &body["data"]["group"];
    assert_eq!(g["status"], "ON_HOLD");
    assert_eq!(g["domains"].as_array().unwrap().len(), 4);
    assert_eq!(g["succeeds"]["edges"][0]["node"]["name"], "Mobilising");
    assert_eq!(g["projects"]["totalCount"], 7);
    let meetings = g["meetings"]["edges"].as_array().unwrap();
    let statuses: Vec<&str> = meetings
        .iter()
        .map(|e| e["node"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["HELD", "POSTPONED", "CANCELLED"]);
    assert_eq!(
        meetings[1]["node"]["startsAtLocal"],
        "2025-06-06T12:00:00+01:00"
    );
    assert_eq!(
        meetings[2]["node"]["postponedFrom"]["startsAtLocal"],
        "2025-06-06T12:00:00+01:00"
    );
    assert_eq!(
        meetings[2]["node"]["agenda"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "the agenda followed the move"
    );
    assert_eq!(
        meetings[2]["node"]["statusReason"],
        "Cancelled due to non-attendance."
    );
    let body = app
        .anon(
            "{ group(slug: \"movement-building\") { meetings { edges { node { timesMoved postponedTo { title timesMoved } } } } } }",
            json!({}),
        )
        .await;
    let chain: Vec<Value> = body["data"]["group"]["meetings"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(chain[0], json!({ "timesMoved": 0, "postponedTo": null }));
    assert_eq!(chain[1]["postponedTo"]["timesMoved"], 1, "{body}");
    assert_eq!(chain[2], json!({ "timesMoved": 1, "postponedTo": null }));
}

const CREATE_GROUP: &str = "mutation($input: CreateGroupInput!) { createGroup(input: $input) { group { id slug name status domains timeZone } userErrors { field message code } } }";

async fn mutations_need_an_admin_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = counts(&app).await;
    let body = app
        .anon(CREATE_GROUP, json!({ "input": { "name": "Sneaky" } }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );
    assert!(
        body["data"].is_null() || body["data"]["createGroup"].is_null(),
        "{body}"
    );
    insta::assert_json_snapshot!("anonymous_mutation", body["errors"]);

    let (status, body) = app
        .post(
            Some("mst_0000"),
            CREATE_GROUP,
            json!({ "input": { "name": "Sneaky" } }),
        )
        .await;
    assert_eq!(status, 401);
    insta::assert_json_snapshot!("unknown_key", body, { ".errors[].extensions.requestId" => "[request-id]" });
    let (status, _) = app
        .post(
            Some("not even a key"),
            "{ groups { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(counts(&app).await, before);
}

async fn every_mutation_round_trips(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app
        .ok(
            "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id slug isMemberCoop country } userErrors { field message code } } }",
            "createOrganisation",
            json!({ "name": "Riverside Wholefoods Co-op", "kind": "MEMBER_COOP", "country": "gb", "website": "https://riverside.example.coop" }),
        )
        .await["organisation"]
        .clone();
    assert_eq!(org["slug"], "riverside-wholefoods-co-op");
    assert_eq!(org["isMemberCoop"], true);
    assert_eq!(org["country"], "GB");
    let org_id = org["id"].as_str().unwrap();
    let org2 = app
        .ok(
            "mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { organisation { name website } userErrors { field message code } } }",
            "updateOrganisation",
            json!({ "id": org_id, "name": "Riverside Co-op", "website": null }),
        )
        .await;
    assert_eq!(
        org2["organisation"],
        json!({ "name": "Riverside Co-op", "website": null })
    );

    let old = app
        .ok(
            CREATE_GROUP,
            "createGroup",
            json!({ "name": "Mobilising", "status": "CLOSED" }),
        )
        .await["group"]
        .clone();
    let group = app
        .ok(
            CREATE_GROUP,
            "createGroup",
            json!({ "name": "Movement Building", "purpose": "Build the movement", "domains": ["Alliances"], "succeeds": [old["id"]] }),
        )
        .await["group"]
        .clone();
    assert_eq!(group["slug"], "movement-building");
    assert_eq!(group["status"], "FORMING");
    assert_eq!(group["timeZone"], "Europe/London");
    let gid = group["id"].as_str().unwrap();
    let updated = app
        .ok(
            "mutation($input: UpdateGroupInput!) { updateGroup(input: $input) { group { status reportingLine succeeds { totalCount } } userErrors { field message code } } }",
            "updateGroup",
            json!({ "id": gid, "status": "ON_HOLD", "reportingLine": "the board" }),
        )
        .await;
    assert_eq!(
        updated["group"],
        json!({ "status": "ON_HOLD", "reportingLine": "the board", "succeeds": { "totalCount": 1 } })
    );

    let project = app
        .ok(
            "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id slug status timeZone group { slug } } userErrors { field message code } } }",
            "createProject",
            json!({ "groupId": gid, "name": "Co-op Fortnight", "goal": "Celebrate", "startsOn": "2026-06-20", "endsOn": "2026-07-04" }),
        )
        .await["project"]
        .clone();
    assert_eq!(project["slug"], "co-op-fortnight");
    assert_eq!(project["group"]["slug"], "movement-building");
    let pid = project["id"].as_str().unwrap();
    let linked = app
        .ok(
            "mutation($input: LinkProjectRoomInput!) { linkProjectRoom(input: $input) { project { room { roomId url } } userErrors { field message code } } }",
            "linkProjectRoom",
            json!({ "projectId": pid, "roomId": "!fortnight:example.org" }),
        )
        .await;
    assert_eq!(
        linked["project"]["room"]["url"],
        "https://matrix.to/#/!fortnight:example.org"
    );
    let bad = app
        .admin(
            "mutation($input: LinkProjectRoomInput!) { linkProjectRoom(input: $input) { userErrors { field code } } }",
            json!({ "input": { "projectId": pid, "roomId": "#not-a-room-id" } }),
        )
        .await;
    assert_eq!(
        bad["data"]["linkProjectRoom"]["userErrors"][0]["code"],
        "INVALID_INPUT"
    );
    // A linked project gets no second room; the error says what to do.
    let again = app
        .admin(
            "mutation($input: CreateProjectRoomInput!) { createProjectRoom(input: $input) { project { slug } userErrors { field message code } } }",
            json!({ "input": { "projectId": pid } }),
        )
        .await;
    let err = &again["data"]["createProjectRoom"]["userErrors"][0];
    assert_eq!(err["code"], "CONFLICT", "{again}");
    assert!(
        err["message"].as_str().unwrap().contains("unlink it first"),
        "{again}"
    );
    app.ok(
        "mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { status } userErrors { field message code } } }",
        "updateProject",
        json!({ "id": pid, "status": "ACTIVE" }),
    )
    .await;

    let member = app
        .ok(
            "mutation($input: CreateMemberInput!) { createMember(input: $input) { member { id email organisation { slug } } userErrors { field message code } } }",
            "createMember",
            json!({ "displayName": "Sam Okafor", "email": "sam@example.coop", "matrixUserId": "@sam:example.org", "organisationId": org_id }),
        )
        .await["member"]
        .clone();
    assert_eq!(member["email"], "sam@example.coop", "admins see e-mail");
    let mid = member["id"].as_str().unwrap();
    app.ok(
        "mutation($input: UpdateMemberInput!) { updateMember(input: $input) { member { phone } userErrors { field message code } } }",
        "updateMember",
        json!({ "id": mid, "phone": "+44 161 000 0000" }),
    )
    .await;

    let ms = app
        .ok(
            "mutation($input: CreateMembershipInput!) { createMembership(input: $input) { membership { id role involvement commitmentHours status member { displayName } group { slug } } userErrors { field message code } } }",
            "createMembership",
            json!({ "memberId": mid, "groupId": gid, "role": "CONVENER", "commitmentHours": 6 }),
        )
        .await["membership"]
        .clone();
    assert_eq!(ms["involvement"], "COORDINATION");
    assert_eq!(ms["group"]["slug"], "movement-building");
    let membership_id = ms["id"].as_str().unwrap();
    app.ok(
        "mutation($input: UpdateMembershipInput!) { updateMembership(input: $input) { membership { commitmentHours } userErrors { field message code } } }",
        "updateMembership",
        json!({ "id": membership_id, "commitmentHours": null }),
    )
    .await;

    let alliance = app
        .ok(
            "mutation($input: CreateAllianceInput!) { createAlliance(input: $input) { alliance { id status contact { displayName } organisation { slug } } userErrors { field message code } } }",
            "createAlliance",
            json!({ "organisationId": org_id, "groupId": gid, "kind": "COALITION", "scope": "NATIONAL", "contactMemberId": mid }),
        )
        .await["alliance"]
        .clone();
    assert_eq!(alliance["status"], "EXPLORING");
    let aid = alliance["id"].as_str().unwrap();
    app.ok(
        "mutation($input: UpdateAllianceInput!) { updateAlliance(input: $input) { alliance { status } userErrors { field message code } } }",
        "updateAlliance",
        json!({ "id": aid, "status": "ACTIVE" }),
    )
    .await;

    let resource = app
        .ok(
            "mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id tags } userErrors { field message code } } }",
            "createResource",
            json!({ "title": "What is a worker co-op?", "url": "https://example.coop/guide", "kind": "GUIDE", "tags": ["intro"], "groupId": gid }),
        )
        .await["resource"]
        .clone();
    let rid = resource["id"].as_str().unwrap();
    app.ok(
        "mutation($input: UpdateResourceInput!) { updateResource(input: $input) { resource { tags } userErrors { field message code } } }",
        "updateResource",
        json!({ "id": rid, "tags": ["intro", "worker control"] }),
    )
    .await;

    let meeting = app
        .ok(
            "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { meeting { id status timeZone startsAtLocal quorum project { slug } } userErrors { field message code } } }",
            "scheduleMeeting",
            json!({ "projectId": pid, "title": "Planning", "startsAt": "2026-12-03T18:00:00Z", "quorum": 3 }),
        )
        .await["meeting"]
        .clone();
    assert_eq!(meeting["startsAtLocal"], "2026-12-03T18:00:00+00:00");
    let meeting_id = meeting["id"].as_str().unwrap();
    app.ok(
        "mutation($input: UpdateMeetingInput!) { updateMeeting(input: $input) { meeting { location } userErrors { field message code } } }",
        "updateMeeting",
        json!({ "id": meeting_id, "location": "https://meet.example.coop/x" }),
    )
    .await;
    app.ok(
        "mutation($input: AddAgendaItemInput!) { addAgendaItem(input: $input) { agendaItem { position proposer { displayName } } userErrors { field message code } } }",
        "addAgendaItem",
        json!({ "meetingId": meeting_id, "text": "Stalls and speakers", "proposerId": mid }),
    )
    .await;
    let rsvp = app
        .ok(
            "mutation($input: RsvpInput!) { rsvp(input: $input) { rsvp { response member { displayName } } userErrors { field message code } } }",
            "rsvp",
            json!({ "meetingId": meeting_id, "memberId": mid, "response": "YES" }),
        )
        .await;
    assert_eq!(rsvp["rsvp"]["response"], "YES");
    let moved = app
        .ok(
            "mutation($input: MoveMeetingInput!) { moveMeeting(input: $input) { meeting { id status startsAt postponedFrom { id status statusReason } agenda { totalCount } } userErrors { field message code } } }",
            "moveMeeting",
            json!({ "id": meeting_id, "startsAt": "2026-12-10T18:00:00Z", "reason": "low numbers" }),
        )
        .await["meeting"]
        .clone();
    assert_eq!(
        moved["postponedFrom"],
        json!({ "id": meeting_id, "status": "POSTPONED", "statusReason": "low numbers" })
    );
    assert_eq!(moved["agenda"]["totalCount"], 1);
    let cancelled = app
        .ok(
            "mutation($input: CancelMeetingInput!) { cancelMeeting(input: $input) { meeting { status statusReason } userErrors { field message code } } }",
            "cancelMeeting",
            json!({ "id": moved["id"], "reason": "non-attendance" }),
        )
        .await;
    assert_eq!(
        cancelled["meeting"],
        json!({ "status": "CANCELLED", "statusReason": "non-attendance" })
    );

    for (mutation, id) in [
        ("archiveResource", rid),
        ("archiveAlliance", aid),
        ("archiveMembership", membership_id),
        ("archiveMember", mid),
        ("archiveProject", pid),
        ("archiveGroup", gid),
        ("archiveOrganisation", org_id),
    ] {
        let input_type = format!("{}{}Input", &mutation[..1].to_uppercase(), &mutation[1..]);
        let q = format!(
            "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ userErrors {{ field message code }} }} }}"
        );
        app.ok(&q, mutation, json!({ "id": id })).await;
    }
    let body = app.anon("{ groups { totalCount } projects { totalCount } organisations { totalCount } resources { totalCount } alliances { totalCount } }", json!({})).await;
    assert_eq!(
        body["data"],
        json!({ "groups": { "totalCount": 1 }, "projects": { "totalCount": 0 }, "organisations": { "totalCount": 0 }, "resources": { "totalCount": 0 }, "alliances": { "totalCount": 0 } }),
        "archived objects leave lists"
    );
    let body = app
        .admin(
            "{ groups(filter: { includeArchived: true }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["groups"]["totalCount"], 2);
}

async fn bad_input_gets_a_coded_error_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let g = app
        .ok(
            CREATE_GROUP,
            "createGroup",
            json!({ "name": "Movement Building" }),
        )
        .await["group"]
        .clone();
    let gid = g["id"].as_str().unwrap().to_owned();
    let unknown_group =
        api::graphql::ids::encode(api::graphql::ids::Kind::Group, uuid::Uuid::now_v7()).0;
    let meeting_id =
        api::graphql::ids::encode(api::graphql::ids::Kind::Meeting, uuid::Uuid::now_v7()).0;
    let before = counts(&app).await;

    let schedule = "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { meeting { id } userErrors { field message code } } }";
    let cases: Vec<(&str, &str, Value, &str, Option<&str>)> = vec![
        (
            CREATE_GROUP,
            "createGroup",
            json!({ "name": "  " }),
            "INVALID_INPUT",
            Some("name"),
        ),
        (
            CREATE_GROUP,
            "createGroup",
            json!({ "name": "x".repeat(201) }),
            "INVALID_INPUT",
            Some("name"),
        ),
        (
            CREATE_GROUP,
            "createGroup",
            json!({ "name": "Other", "slug": "movement-building" }),
            "SLUG_TAKEN",
            Some("slug"),
        ),
        (
            CREATE_GROUP,
            "createGroup",
            json!({ "name": "Other", "succeeds": [unknown_group] }),
            "NOT_FOUND",
            Some("succeeds"),
        ),
        (
            CREATE_GROUP,
            "createGroup",
            json!({ "name": "Other", "succeeds": [meeting_id] }),
            "INVALID_INPUT",
            Some("succeeds"),
        ),
        (
            CREATE_GROUP,
            "createGroup",
            json!({ "name": "Other", "timeZone": "Europe/Atlantis" }),
            "INVALID_INPUT",
            Some("timeZone"),
        ),
        (
            schedule,
            "scheduleMeeting",
            json!({ "groupId": unknown_group, "title": "x", "startsAt": "2026-12-03T18:00:00Z" }),
            "NOT_FOUND",
            Some("groupId"),
        ),
        (
            schedule,
            "scheduleMeeting",
            json!({ "groupId": "garbage", "title": "x", "startsAt": "2026-12-03T18:00:00Z" }),
            "INVALID_INPUT",
            Some("groupId"),
        ),
        (
            schedule,
            "scheduleMeeting",
            json!({ "groupId": gid, "title": "x", "startsAt": "2026-12-03T18:00:00Z", "endsAt": "2026-12-03T17:00:00Z" }),
            "INVALID_INPUT",
            Some("endsAt"),
        ),
        (
            "mutation($input: CancelMeetingInput!) { cancelMeeting(input: $input) { meeting { id } userErrors { field message code } } }",
            "cancelMeeting",
            json!({ "id": meeting_id }),
            "NOT_FOUND",
            Some("id"),
        ),
    ];
    for (q, field, input, code, path) in cases {
        let body = app.admin(q, json!({ "input": input })).await;
        assert!(body.get("errors").is_none(), "{body}");
        let p = &body["data"][field];
        let errors = p["userErrors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{input}: {p}");
        assert_eq!(errors[0]["code"], code, "{input}: {p}");
        assert_eq!(
            errors[0]["field"],
            json!(path.map(|f| vec!["input", f])),
            "{input}: {p}"
        );
        assert!(!errors[0]["message"].as_str().unwrap().is_empty());
        assert!(
            p.as_object().unwrap().values().any(Value::is_null),
            "no object on failure: {p}"
        );
        assert_eq!(counts(&app).await, before, "{input} changed something");
    }

    let dup = app
        .admin(
            CREATE_GROUP,
            json!({ "input": { "name": "Other", "slug": "movement-building" } }),
        )
        .await;
    insta::assert_json_snapshot!("slug_taken", dup);
    let empty = app
        .admin(CREATE_GROUP, json!({ "input": { "name": "" } }))
        .await;
    insta::assert_json_snapshot!("empty_name", empty);

    // Wrong enum values and wrong types never reach a resolver.
    let body = app
        .admin(
            CREATE_GROUP,
            json!({ "input": { "name": "Other", "status": "SLEEPING" } }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{body}"
    );
    insta::assert_json_snapshot!("wrong_enum", body);
    let body = app
        .admin(
            schedule,
            json!({ "input": { "groupId": gid, "title": "x", "startsAt": "next tuesday" } }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{body}"
    );
    let body = app
        .anon("{ groups { edges { node { nope } } } }", json!({}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{body}"
    );
    let body = app.anon("{ groups { ", json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED",
        "{body}"
    );
    assert_eq!(counts(&app).await, before);
}

async fn relay_paging(backend: Backend) {
    let app = spawn_app(backend).await;
    for i in 0..7 {
        app.ok(
            "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { userErrors { field message code } } }",
            "createOrganisation",
            json!({ "name": format!("Co-op {i}"), "kind": "MEMBER_COOP" }),
        )
        .await;
    }
    let q = "query($first: Int, $after: String, $last: Int, $before: String) { organisations(first: $first, after: $after, last: $last, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name } } } }";
    let mut names = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = app.anon(q, json!({ "first": 3, "after": after })).await;
        let c = &body["data"]["organisations"];
        assert_eq!(c["totalCount"], 7);
        names.extend(
            c["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["name"].as_str().unwrap().to_owned()),
        );
        if !c["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = c["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(
        names,
        (0..7).map(|i| format!("Co-op {i}")).collect::<Vec<_>>()
    );

    let body = app.anon(q, json!({ "last": 2 })).await;
    let c = &body["data"]["organisations"];
    assert_eq!(c["edges"][0]["node"]["name"], "Co-op 5");
    assert_eq!(c["pageInfo"]["hasPreviousPage"], true);
    let before = c["pageInfo"]["startCursor"].as_str().unwrap();
    let body = app.anon(q, json!({ "last": 2, "before": before })).await;
    let got: Vec<_> = body["data"]["organisations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].clone())
        .collect();
    assert_eq!(got, [json!("Co-op 3"), json!("Co-op 4")]);

    let body = app.anon(q, json!({ "first": 101 })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "INVALID_INPUT",
        "{body}"
    );
    let body = app.anon(q, json!({ "first": 1, "after": "bogus" })).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "INVALID_INPUT",
        "{body}"
    );
}

async fn node_and_nodes_fetch_every_type(backend: Backend) {
    let app = spawn_app(backend).await;
    entities::demo::seed(&app.db.conn).await.unwrap();
    let body = app
        .admin(
            "{ groups(first: 1, filter: { status: [ON_HOLD] }) { edges { node { id memberships(first: 1) { edges { node { id member { id memberships { totalCount } organisation { id } } } } } alliances(first: 1) { edges { node { id } } } resources(first: 1) { edges { node { id } } } projects(first: 1) { edges { node { id } } } meetings(first: 1, filter: { status: [CANCELLED] }) { edges { node { id agenda { edges { node { id } } } rsvps(first: 1) { edges { node { id } } } } } } } } } organisations(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let text = body.to_string();
    let ids: Vec<String> = text
        .split("\"id\":\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect();
    assert!(ids.len() >= 9, "{body}");
    let q = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }";
    let body = app.admin(q, json!({ "ids": ids })).await;
    let nodes = body["data"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), ids.len(), "{body}");
    for (n, id) in nodes.iter().zip(&ids) {
        assert_eq!(n["id"], id.as_str(), "{body}");
    }
    let types: std::collections::BTreeSet<&str> = nodes
        .iter()
        .map(|n| n["__typename"].as_str().unwrap())
        .collect();
    for t in [
        "Group",
        "Project",
        "Meeting",
        "Member",
        "Membership",
        "Organisation",
        "Alliance",
        "Resource",
        "AgendaItem",
        "Rsvp",
    ] {
        assert!(types.contains(t), "{t} missing from {types:?}");
    }
    let unknown = api::graphql::ids::encode(api::graphql::ids::Kind::Group, uuid::Uuid::now_v7()).0;
    let body = app
        .anon(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": unknown }),
        )
        .await;
    assert_eq!(body["data"]["node"], Value::Null);
    let body = app
        .anon(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": "garbage" }),
        )
        .await;
    assert_eq!(body["data"]["node"], Value::Null);
}

/// Makes `groups` groups, each with `projects` projects, each with
/// `meetings` meetings, each with `rsvps` answers.
async fn populate(
    app: &TestApp,
    groups_n: usize,
    projects_n: usize,
    meetings_n: usize,
    rsvps_n: usize,
) {
    let a = &Actor::System;
    let db = &app.db.conn;
    let mut people = Vec::new();
    for i in 0..rsvps_n {
        people.push(
            members::create(
                db,
                a,
                members::NewMember {
                    display_name: format!("Person {i}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id,
        );
    }
    for g in 0..groups_n {
        let group = groups::create(
            db,
            a,
            groups::NewGroup {
                name: format!("Group {g}"),
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
        for p in 0..projects_n {
            let project = projects::create(
                db,
                a,
                projects::NewProject {
                    group_id: group.id,
                    name: format!("Project {g}.{p}"),
                    slug: None,
                    goal: String::new(),
                    status: None,
                    starts_on: None,
                    ends_on: None,
                    visibility: None,
                    time_zone: None,
                },
            )
            .await
            .unwrap();
            for m in 0..meetings_n {
                let start = Utc::now() + Duration::days(i64::try_from(m).unwrap() + 1);
                let meeting = meetings::schedule(
                    db,
                    a,
                    meetings::NewMeeting {
                        group_id: None,
                        project_id: Some(project.id),
                        title: format!("Meeting {m}"),
                        kind: None,
                        format: None,
                        starts_at: start,
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
                for person in &people {
                    meetings::rsvp(
                        db,
                        a,
                        meeting.id,
                        Some(*person),
                        entities::RsvpResponse::Yes,
                    )
                    .await
                    .unwrap();
                }
            }
        }
    }
}

const NESTED: &str = "{ groups(first: 10) { edges { node { name projects(first: 10) { edges { node { name group { name } meetings(first: 10) { edges { node { title rsvpCounts { yes } rsvps(first: 10) { totalCount edges { node { response member { displayName } } } } } } } } } } } } } }";

/// Runs on a multi-threaded runtime (`both!`), like the server: a request is
/// resolved on one task, so its batches do not depend on how many threads
/// there are.
async fn statements_do_not_grow_with_rows(backend: Backend) {
    let mut seen = Vec::new();
    for (g, p, m, r) in [(1, 1, 1, 1), (3, 4, 3, 5)] {
        let app = spawn_app(backend).await;
        populate(&app, g, p, m, r).await;
        app.db.reset_statements();
        let body = app.anon(NESTED, json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
        let rsvps: usize = body["data"]["groups"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["node"]["projects"]["edges"].as_array().unwrap().clone())
            .flat_map(|p| p["node"]["meetings"]["edges"].as_array().unwrap().clone())
            .map(|m| m["node"]["rsvps"]["edges"].as_array().unwrap().len())
            .sum();
        assert_eq!(rsvps, g * p * m * r, "every row came back");
        seen.push(app.db.statements());
    }
    assert_eq!(seen[0], seen[1], "statements per request: {seen:?}");
    // groups, projects, (project → group), meetings with their RSVP
    // counts, RSVPs with their members: one each.
    assert_eq!(seen[0], 5, "statements per request: {seen:?}");
}

both!(statements_do_not_grow_with_rows);

/// A level wider than one polling pass (a list is polled 32 items a pass)
/// is still one batch: 100 meetings, each waiting for its RSVPs and their
/// members, run one statement for the meetings and one for all of their
/// RSVPs, request after request.
async fn a_level_wider_than_a_pass_is_one_batch(backend: Backend) {
    let app = spawn_app(backend).await;
    populate(&app, 1, 1, 150, 2).await;
    let query = "{ meetings(first: 100) { nodes { title rsvps(first: 10) { nodes { response member { displayName } } } } } }";
    let mut seen = Vec::new();
    for _ in 0..10 {
        app.db.reset_statements();
        let body = app.anon(query, json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(
            body["data"]["meetings"]["nodes"].as_array().unwrap().len(),
            100
        );
        seen.push(app.db.statements());
    }
    // meetings; their RSVPs with the RSVPs' members.
    assert!(
        seen.iter().all(|&n| n == 2),
        "statements per request: {seen:?}"
    );
}

both!(a_level_wider_than_a_pass_is_one_batch);

/// A list of RSVPs whose member is asked for reads the members with the
/// RSVPs (`loaders::RsvpsOfMeeting`); an RSVP fetched alone looks its
/// member up. Both give the same member, with the same fields visible to
/// the same people (an e-mail address only to an admin), through `nodes`,
/// `edges` and a fragment, in the same number of statements as before
/// (`a_level_wider_than_a_pass_is_one_batch`).
async fn members_read_with_their_rsvps_match_members_looked_up(backend: Backend) {
    let app = spawn_app(backend).await;
    populate(&app, 1, 1, 3, 3).await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db.conn,
        "UPDATE members SET email = replace(display_name, ' ', '') || '@example.coop'",
    )
    .await
    .unwrap();
    let wanted = "id response member { id displayName email }";
    let lists = [
        format!(
            "{{ meetings(first: 10) {{ nodes {{ rsvps(first: 10) {{ nodes {{ {wanted} }} }} }} }} }}"
        ),
        format!(
            "{{ meetings(first: 10) {{ nodes {{ rsvps(first: 10) {{ edges {{ node {{ {wanted} }} }} }} }} }} }}"
        ),
        format!(
            "{{ meetings(first: 10) {{ nodes {{ rsvps(first: 10) {{ nodes {{ ...R }} }} }} }} }} fragment R on Rsvp {{ {wanted} }}"
        ),
    ];
    let alone = format!("query($id: ID!) {{ node(id: $id) {{ ... on Rsvp {{ {wanted} }} }} }}");
    for admin in [false, true] {
        let ask = |q: String, v: Value| {
            let app = &app;
            async move {
                if admin {
                    app.admin(&q, v).await
                } else {
                    app.anon(&q, v).await
                }
            }
        };
        for list in &lists {
            let body = ask(list.clone(), json!({})).await;
            assert!(body.get("errors").is_none(), "{body}");
            let rsvps: Vec<Value> = body["data"]["meetings"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|m| {
                    let c = &m["rsvps"];
                    match c.get("nodes") {
                        Some(n) => n.as_array().unwrap().clone(),
                        None => c["edges"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|e| e["node"].clone())
                            .collect(),
                    }
                })
                .collect();
            assert_eq!(rsvps.len(), 9, "{body}");
            for r in rsvps {
                assert!(r["member"]["displayName"].is_string(), "{r}");
                assert_eq!(r["member"]["email"].is_null(), !admin, "{r}");
                let one = ask(alone.clone(), json!({ "id": r["id"] })).await;
                assert_eq!(one["data"]["node"], r, "admin: {admin}");
            }
        }
    }
}

both!(members_read_with_their_rsvps_match_members_looked_up);

/// A member's `email` and `phone` each wait for that member's memberships
/// (who may see them); asked together they share one batch, so asking for
/// both costs no statement more than asking for one. (A `serial` Member
/// would ask twice, one batch after the other.)
async fn contact_fields_share_one_batch(backend: Backend) {
    use sea_orm::EntityTrait;
    let app = spawn_app(backend).await;
    entities::demo::seed(&app.db.conn).await.unwrap();
    let member = entities::member::Entity::find()
        .all(&app.db.conn)
        .await
        .unwrap()
        .into_iter()
        .find(|m| !m.is_admin)
        .unwrap();
    let session = app.member_session(member.id).await;
    // The token's first use writes when it was used; not part of the count.
    let (_, body) = app
        .post(Some(&session), "{ viewer { kind } }", json!({}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let mut seen = Vec::new();
    for fields in [
        "email",
        "email phone",
        "email phone memberships(first: 5) { nodes { role } }",
    ] {
        let query = format!(
            "{{ groups(first: 10) {{ nodes {{ memberships(first: 50) {{ nodes {{ member {{ displayName {fields} }} }} }} }} }} }}"
        );
        app.db.reset_statements();
        let (_, body) = app.post(Some(&session), &query, json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
        assert!(body.to_string().contains("\"email\""), "{body}");
        seen.push(app.db.statements());
    }
    assert!(
        seen.iter().all(|&n| n == seen[0]),
        "statements for email; email and phone; and memberships too: {seen:?}"
    );
}

both!(contact_fields_share_one_batch);

async fn private_data_stays_private(backend: Backend) {
    let app = spawn_app(backend).await;
    app.ok(
        CREATE_GROUP,
        "createGroup",
        json!({ "name": "Public group" }),
    )
    .await;
    let private = app
        .ok(
            CREATE_GROUP,
            "createGroup",
            json!({ "name": "Board business", "visibility": "PRIVATE" }),
        )
        .await["group"]
        .clone();
    let sam = app
        .ok(
            "mutation($input: CreateMemberInput!) { createMember(input: $input) { member { id } userErrors { field message code } } }",
            "createMember",
            json!({ "displayName": "Sam", "email": "sam@example.coop", "phone": "0161 000 0000" }),
        )
        .await["member"]["id"]
        .clone();

    let body = app
        .anon(
            "{ groups { totalCount edges { node { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["groups"]["totalCount"], 1,
        "no counting what you may not see"
    );
    let body = app
        .anon(
            "query($id: ID!) { node(id: $id) { id } group(slug: \"board-business\") { id } }",
            json!({ "id": private["id"] }),
        )
        .await;
    assert_eq!(body["data"], json!({ "node": null, "group": null }));
    let body = app.admin("{ groups { totalCount } }", json!({})).await;
    assert_eq!(body["data"]["groups"]["totalCount"], 2);

    let q = "query($id: ID!) { node(id: $id) { ... on Member { displayName email phone } } }";
    assert_eq!(
        app.anon(q, json!({ "id": sam })).await["data"]["node"],
        json!({ "displayName": "Sam", "email": null, "phone": null })
    );
    assert_eq!(
        app.admin(q, json!({ "id": sam })).await["data"]["node"],
        json!({ "displayName": "Sam", "email": "sam@example.coop", "phone": "0161 000 0000" })
    );
}

async fn http_surface(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = &app.client;
    assert_eq!(
        c.get(app.url("/health")).send().await.unwrap().status(),
        200
    );
    assert_eq!(c.get(app.url("/ready")).send().await.unwrap().status(), 200);

    let html = c
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 200);
    assert!(
        html.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("graphiql")
    );

    let r = c
        .get(app.url("/graphql"))
        .query(&[("query", "{ groups { totalCount } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap()["data"]["groups"]["totalCount"],
        0
    );

    let r = c
        .get(app.url("/graphql"))
        .query(&[(
            "query",
            "mutation { createGroup(input: { name: \"x\" }) { group { id } } }",
        )])
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    assert_eq!(app.db.count("groups").await, 0);

    // Batching is off unless configured.
    let r = c
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(r#"[{"query":"{ viewer { kind } }"},{"query":"{ viewer { kind } }"}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["extensions"]["code"],
        "BATCH_NOT_ALLOWED"
    );

    let deep = format!(
        "{{ groups(first: 1) {{ edges {{ node {} }} }} }}",
        "{ projects(first: 1) { edges { node { group ".repeat(5)
            + "{ name }"
            + " } } } }".repeat(5).as_str()
    );
    let body = app.anon(&deep, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "DEPTH_LIMIT_EXCEEDED",
        "{body}"
    );
}

async fn filters_and_orders(backend: Backend) {
    let app = spawn_app(backend).await;
    entities::demo::seed(&app.db.conn).await.unwrap();
    let body = app
        .anon(
            r#"{
              held: meetings(filter: { status: [HELD] }) { totalCount }
              june: meetings(filter: { from: "2025-06-01T00:00:00Z", to: "2025-07-01T00:00:00Z" }) { edges { node { startsAtLocal } } }
              latest: meetings(first: 1, orderBy: { field: STARTS_AT, direction: DESC }) { edges { node { status } } }
              paused: projects(filter: { status: [PAUSED] }) { edges { node { slug } } }
              international: alliances(filter: { scope: [INTERNATIONAL] }) { totalCount }
              intro: resources(filter: { tag: "introduction" }) { totalCount }
              coops: organisations(filter: { kind: [MEMBER_COOP] }, orderBy: { field: NAME, direction: DESC }) { edges { node { name } } }
              groups(first: 1, orderBy: { field: NAME, direction: DESC }) { edges { node { name } } }
              closed: groups(filter: { status: [CLOSED] }) { totalCount }
            }"#,
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let d = &body["data"];
    assert_eq!(d["held"]["totalCount"], 1);
    assert_eq!(
        d["june"]["edges"][0]["node"]["startsAtLocal"],
        "2025-06-06T12:00:00+01:00"
    );
    assert_eq!(d["june"]["edges"].as_array().unwrap().len(), 1);
    assert_eq!(d["latest"]["edges"][0]["node"]["status"], "CANCELLED");
    assert_eq!(
        d["paused"]["edges"][0]["node"]["slug"],
        "speaking-to-worker-co-ops"
    );
    assert_eq!(d["international"]["totalCount"], 1);
    assert_eq!(d["intro"]["totalCount"], 1);
    assert_eq!(
        d["coops"]["edges"][0]["node"]["name"],
        "Riverside Wholefoods Co-op"
    );
    assert_eq!(d["groups"]["edges"][0]["node"]["name"], "Movement Building");
    assert_eq!(d["closed"]["totalCount"], 2);
}

both!(
    filters_and_orders,
    readme_first_query_shows_the_demo,
    mutations_need_an_admin_key,
    every_mutation_round_trips,
    bad_input_gets_a_coded_error_and_changes_nothing,
    relay_paging,
    node_and_nodes_fetch_every_type,
    private_data_stays_private,
    http_surface,
);

/// RSVP counts asked for on a first page of a project's meetings are read
/// with the meetings (`loaders::FirstMeetingsOfProject`); in any other
/// order they are loaded per meeting (`RsvpCountsOf`). Both give the same
/// answer, in every way a query can ask for them — including a meeting
/// nobody answered (zeros) and the same list asked for twice, with and
/// without counts — in the same number of statements.
async fn counts_read_with_their_meetings_match_counts_read_alone(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(backend).await;
    populate(&app, 1, 2, 3, 2).await;
    // One meeting nobody answered, one "no" elsewhere.
    app.db
        .conn
        .execute_unprepared(
            "DELETE FROM rsvps WHERE meeting_id = (SELECT meeting_id FROM rsvps ORDER BY meeting_id LIMIT 1)",
        )
        .await
        .unwrap();
    app.db
        .conn
        .execute_unprepared(
            "UPDATE rsvps SET response = 'no' WHERE id = (SELECT id FROM rsvps ORDER BY meeting_id DESC LIMIT 1)",
        )
        .await
        .unwrap();
    let queries = [
        "{ projects(first: 10) { nodes { meetings(first: 5) { nodes { title rsvpCounts { yes no maybe } } } } } }",
        "{ projects(first: 10) { nodes { meetings(first: 5) { edges { node { title rsvpCounts { no } } } } } } }",
        "{ projects(first: 10) { nodes { meetings(first: 5) { nodes { ...M } } } } } fragment M on Meeting { title rsvpCounts { maybe yes } }",
        "{ projects(first: 10) { nodes { a: meetings(first: 5) { nodes { title } } b: meetings(first: 5) { nodes { title rsvpCounts { yes no } } } } } }",
    ];
    let mut statements = Vec::new();
    for q in queries {
        let alone = q.replace("first: 5)", "first: 5, orderBy: { field: STARTS_AT })");
        app.db.reset_statements();
        let with = app.anon(q, json!({})).await;
        statements.push(app.db.statements());
        app.db.reset_statements();
        let without = app.anon(&alone, json!({})).await;
        statements.push(app.db.statements());
        assert!(with.get("errors").is_none(), "{with}");
        assert_eq!(with, without, "{q}");
    }
    let first = app.anon(queries[0], json!({})).await.to_string();
    // (The test's JSON keys are sorted.)
    for counts in [
        r#"{"maybe":0,"no":0,"yes":0}"#,
        r#"{"maybe":0,"no":1,"yes":1}"#,
        r#"{"maybe":0,"no":0,"yes":2}"#,
    ] {
        assert!(first.contains(counts), "{counts} in {first}");
    }
    // projects, meetings with their counts; alone: projects, meetings, counts.
    assert_eq!(&statements[..2], &[2, 3], "{statements:?}");
    // No meetings on the page: no statement for their counts.
    app.db.reset_statements();
    let none = app
        .anon(
            "{ projects(first: 10) { nodes { meetings(first: 5, filter: { status: [CANCELLED] }) { nodes { rsvpCounts { yes } } } } } }",
            json!({}),
        )
        .await;
    assert!(none.get("errors").is_none(), "{none}");
    assert_eq!(app.db.statements(), 2, "{none}");
}

both!(counts_read_with_their_meetings_match_counts_read_alone);

/// On PostgreSQL a batch's ids go as one array parameter: the same query
/// over more or fewer parents runs the same statements, word for word, so
/// each connection prepares them once whatever the page sizes. A batch of
/// one id is an equality instead (`= $1`, which PostgreSQL plans once; see
/// `reads::a_look_up_by_one_id_is_planned_once`): a second text, no more.
/// (A look-up by key unnests the array: `reads::a_batch_look_up_by_key_never_tests_each_row_against_the_list`.)
/// (SQLite keeps one placeholder per id; the answers are checked on both.)
async fn batch_statements_do_not_change_with_batch_size(backend: Backend) {
    let app = spawn_app(backend).await;
    populate(&app, 3, 2, 2, 1).await;
    let mut texts = Vec::new();
    for n in [1, 2, 3] {
        let query = format!(
            "{{ groups(first: {n}) {{ nodes {{ name projects(first: 10) {{ nodes {{ name group {{ name }} meetings(first: 10, orderBy: {{ field: STARTS_AT }}) {{ nodes {{ title rsvpCounts {{ yes }} rsvps(first: 5) {{ nodes {{ member {{ displayName }} }} }} }} }} }} }} }} }} }}"
        );
        app.db.reset_statements();
        let body = app.anon(&query, json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
        let groups = body["data"]["groups"]["nodes"].as_array().unwrap();
        assert_eq!(groups.len(), n);
        for g in groups {
            for p in g["projects"]["nodes"].as_array().unwrap() {
                for m in p["meetings"]["nodes"].as_array().unwrap() {
                    assert_eq!(m["rsvpCounts"]["yes"], 1, "{body}");
                    assert_eq!(m["rsvps"]["nodes"].as_array().unwrap().len(), 1);
                }
            }
        }
        let mut run = app.db.statement_texts();
        run.sort();
        texts.push(run);
    }
    // groups, projects, (project → group, by key), meetings, RSVP counts,
    // RSVPs with their members.
    assert_eq!(texts[0].len(), 6, "{:#?}", texts[0]);
    if backend == Backend::Postgres {
        // One group: its projects are read by one id.
        for (one, more) in texts[0].iter().zip(&texts[1]) {
            let as_one = (1..=9).fold(more.clone(), |t, k| {
                t.replace(&format!("= ANY(${k})"), &format!("= ${k}"))
                    .replace(&format!("IN (SELECT unnest(${k}))"), &format!("= ${k}"))
            });
            assert!(one == more || *one == as_one, "{one}\n{more}");
        }
        assert_ne!(texts[0], texts[1], "one id is an equality");
        assert_eq!(texts[1], texts[2]);
        // By a parent: an array; by key: the unnested array.
        assert!(
            texts[2].iter().any(|t| t.contains("= ANY(")),
            "{:#?}",
            texts[2]
        );
        assert!(
            texts[2].iter().any(|t| t.contains("IN (SELECT unnest(")),
            "{:#?}",
            texts[2]
        );
    }
}

both!(batch_statements_do_not_change_with_batch_size);

/// A meeting's RSVPs come in the order of their ids, and page by it, after
/// an answer changed: PostgreSQL writes a changed row in a new place, so a
/// read in the table's own order would give it last. (The batch statement
/// has no `ORDER BY`; `read::rsvps_of` sorts what it read.)
async fn rsvps_come_by_id_after_an_answer_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    populate(&app, 1, 1, 1, 4).await;
    let (meeting, first) = {
        use entities::{meeting, rsvp};
        use sea_orm::{EntityTrait, QueryOrder};
        let m = meeting::Entity::find()
            .one(&app.db.conn)
            .await
            .unwrap()
            .unwrap();
        let first = rsvp::Entity::find()
            .order_by_asc(rsvp::Column::Id)
            .one(&app.db.conn)
            .await
            .unwrap()
            .unwrap();
        (m.id, first)
    };
    entities::domain::meetings::rsvp(
        &app.db.conn,
        &Actor::System,
        meeting,
        Some(first.member_id),
        entities::RsvpResponse::No,
    )
    .await
    .unwrap();
    let page = |after: Value| {
        app.anon(
            "query($after: String) { meetings(first: 1) { nodes { rsvps(first: 3, after: $after) { nodes { id response member { displayName } } pageInfo { hasNextPage endCursor } } } } }",
            json!({ "after": after }),
        )
    };
    let one = page(Value::Null).await;
    let rsvps = &one["data"]["meetings"]["nodes"][0]["rsvps"];
    let two = page(rsvps["pageInfo"]["endCursor"].clone()).await;
    let rest = &two["data"]["meetings"]["nodes"][0]["rsvps"];
    assert_eq!(rsvps["pageInfo"]["hasNextPage"], true, "{one}");
    assert_eq!(rest["pageInfo"]["hasNextPage"], false, "{two}");
    let names: Vec<&Value> = [rsvps, rest]
        .iter()
        .flat_map(|r| r["nodes"].as_array().unwrap())
        .map(|n| &n["member"]["displayName"])
        .collect();
    assert_eq!(
        names,
        ["Person 0", "Person 1", "Person 2", "Person 3"],
        "{one}\n{two}"
    );
    assert_eq!(rsvps["nodes"][0]["response"], "NO", "{one}");
}

both!(rsvps_come_by_id_after_an_answer_changes);

/// Asserts that every entry of a column table but `__typename` names a
/// field of the GraphQL type `ty`, so a renamed field cannot leave a stale
/// entry behind (a field missing from a table only reads whole rows).
async fn table_names_fields<C>(app: &TestApp, ty: &str, table: &[(&str, &[C])]) {
    let body = app
        .anon(
            "query($t: String!) { __type(name: $t) { fields { name } } }",
            json!({ "t": ty }),
        )
        .await;
    let fields: Vec<&str> = body["data"]["__type"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no type {ty}: {body}"))
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for (field, _) in table {
        assert!(
            *field == "__typename" || fields.contains(field),
            "{ty} has no field {field}"
        );
    }
}

/// A first page of a project's meetings reads only the columns its fields
/// need (`types::MEETING_FIELD_COLUMNS`). Each field of that table, asked
/// for alone on such a page, gives what the whole row gives (the same list
/// in an explicit order, which reads whole rows), on rows whose every
/// column differs from the placeholders a partial row holds; and the page
/// really reads fewer columns.
async fn pruned_meeting_fields_match_whole_rows(backend: Backend) {
    use api::graphql::types::MEETING_FIELD_COLUMNS;
    use sea_orm::ConnectionTrait;
    let app = spawn_app(backend).await;
    populate(&app, 1, 2, 3, 2).await;
    for sql in [
        "UPDATE meetings SET location = 'The hall', minutes = 'Agreed', cancel_reason = 'Low numbers', \
         quorum = 4, per_coop = TRUE, time_zone = 'Europe/London', kind = 'event', format = 'topic', \
         visibility = 'members', quorum_confirmed_at = created_at, ends_at = starts_at \
         WHERE id = (SELECT id FROM meetings ORDER BY id LIMIT 1)",
        "UPDATE meetings SET postponed_from_id = (SELECT id FROM meetings ORDER BY id LIMIT 1) \
         WHERE id = (SELECT id FROM meetings ORDER BY id DESC LIMIT 1)",
    ] {
        app.db.conn.execute_unprepared(sql).await.unwrap();
    }
    // Scalars are asked for by name; an object field not listed here fails
    // validation (it needs a selection), so a new one gets added.
    let selection = |field: &'static str| -> &'static str {
        match field {
            "group" => "group { id }",
            "project" => "project { id name }",
            "postponedFrom" => "postponedFrom { id title }",
            "postponedTo" => "postponedTo { id }",
            "actions" => "actions(first: 5) { totalCount }",
            "agenda" => "agenda(first: 5) { totalCount }",
            "rsvps" => "rsvps(first: 5) { nodes { response } }",
            "quorumOutlook" => "quorumOutlook { quorum invited confirmed }",
            "rsvpCounts" => "rsvpCounts { yes no maybe }",
            scalar => scalar,
        }
    };
    table_names_fields(&app, "Meeting", MEETING_FIELD_COLUMNS).await;
    let page = |s: &str, order: &str| {
        format!(
            "{{ projects(first: 10) {{ nodes {{ meetings(first: 5{order}) {{ nodes {{ {s} }} }} }} }} }}"
        )
    };
    let whole = ", orderBy: { field: STARTS_AT }";
    // Each field alone, on a project's first page and on the root page,
    // pruned against the whole rows that an `orderBy` reads.
    let root =
        |s: &str, order: &str| format!("{{ meetings(first: 20{order}) {{ nodes {{ {s} }} }} }}");
    for (name, build) in [
        ("project page", &page as &dyn Fn(&str, &str) -> String),
        ("root page", &root),
    ] {
        for (field, _) in MEETING_FIELD_COLUMNS {
            let s = selection(field);
            let pruned = app.admin(&build(s, ""), json!({})).await;
            let full = app.admin(&build(s, whole), json!({})).await;
            assert!(pruned.get("errors").is_none(), "{name}: {field}: {pruned}");
            assert_eq!(pruned, full, "{name}: {field}");
        }
    }
    // Each field alone on the root look-up by id, pruned, against the
    // same meeting as a node (a whole row), for the meeting with every
    // column set and the one postponed from it.
    let meeting_ids: Vec<uuid::Uuid> =
        muster_tests::column(&app.db.conn, "SELECT id FROM meetings ORDER BY id").await;
    for id in [meeting_ids[0], meeting_ids[meeting_ids.len() - 1]] {
        let id = api::graphql::ids::encode(api::graphql::ids::Kind::Meeting, id).0;
        for (field, _) in MEETING_FIELD_COLUMNS {
            let s = selection(field);
            let pruned = app
                .admin(
                    &format!("{{ m: meeting(id: \"{id}\") {{ {s} }} }}"),
                    json!({}),
                )
                .await;
            let full = app
                .admin(
                    &format!("{{ m: node(id: \"{id}\") {{ ... on Meeting {{ {s} }} }} }}"),
                    json!({}),
                )
                .await;
            assert!(pruned.get("errors").is_none(), "look-up: {field}: {pruned}");
            assert_ne!(pruned["data"]["m"], Value::Null, "look-up: {field}");
            assert_eq!(pruned, full, "look-up: {field}");
        }
    }
    // All of them at once, through `edges` and a fragment.
    let all: Vec<&str> = MEETING_FIELD_COLUMNS
        .iter()
        .map(|(f, _)| selection(f))
        .collect();
    let all = all.join(" ");
    let by_edges = format!(
        "{{ projects(first: 10) {{ nodes {{ meetings(first: 5) {{ edges {{ node {{ ...M }} }} }} }} }} }} fragment M on Meeting {{ {all} }}"
    );
    let pruned = app.admin(&by_edges, json!({})).await;
    assert!(pruned.get("errors").is_none(), "{pruned}");
    let full = app
        .admin(
            &by_edges.replacen("first: 5)", &format!("first: 5{whole})"), 1),
            json!({}),
        )
        .await;
    assert_eq!(pruned, full);
    let text = pruned.to_string();
    for seen in [
        "The hall",
        "Agreed",
        "Low numbers",
        "EVENT",
        "TOPIC",
        "MEMBERS",
        "Europe/London",
    ] {
        assert!(text.contains(seen), "{seen} in {text}");
    }
    // The root page of meetings reads only its fields' columns; so do the
    // root look-up by id and a project's page (the id, project, start and
    // title only).
    let from_meetings = |t: &str| t.contains("FROM \"meetings\"");
    reads_only(&app, &root("title status", ""), from_meetings, "\"status\"").await;
    let id = api::graphql::ids::encode(api::graphql::ids::Kind::Meeting, meeting_ids[0]).0;
    let one = reads_only(
        &app,
        &format!("{{ meeting(id: \"{id}\") {{ title status }} }}"),
        from_meetings,
        "\"status\"",
    )
    .await;
    assert_eq!(
        one["data"]["meeting"]["title"].as_str().map(str::is_empty),
        Some(false),
        "{one}"
    );
    reads_only(
        &app,
        &page("title", ""),
        |t| t.contains("ROW_NUMBER()") || t.contains("LATERAL"),
        "\"title\"",
    )
    .await;
}

/// Runs `query` as an admin and checks the statement `pick` finds among
/// those it ran: it reads the column `wanted`, and not the meeting's
/// minutes, location or creation time. The answer, for more checks.
async fn reads_only(
    app: &TestApp,
    query: &str,
    pick: impl Fn(&str) -> bool,
    wanted: &str,
) -> Value {
    app.db.reset_statements();
    let body = app.admin(query, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let texts = app.db.statement_texts();
    let statement = texts
        .iter()
        .find(|t| pick(t))
        .unwrap_or_else(|| panic!("{texts:#?}"));
    assert!(statement.contains(wanted), "{statement}");
    for column in ["\"minutes\"", "\"location\"", "\"created_at\""] {
        assert!(!statement.contains(column), "{column} in {statement}");
    }
    body
}

both!(pruned_meeting_fields_match_whole_rows);

/// A page of RSVPs, with or without their members, reads only the columns
/// their fields need, of both tables (`types::RSVP_FIELD_COLUMNS`,
/// `types::MEMBER_FIELD_COLUMNS`). Each RSVP field, asked for alone with
/// and without the member, gives what the RSVP read by id gives (a whole
/// row); each member field gives what the member read by id gives; on rows
/// whose every column differs from a partial row's placeholders. A filter on the response reads the response; two aliases
/// asking for different fields each get theirs; and the page really reads
/// fewer columns.
async fn pruned_rsvp_and_member_fields_match_whole_rows(backend: Backend) {
    use api::graphql::types::{MEMBER_FIELD_COLUMNS, RSVP_FIELD_COLUMNS};
    use sea_orm::ConnectionTrait;
    let app = spawn_app(backend).await;
    populate(&app, 1, 1, 2, 3).await;
    app.db.member_coop("Suma").await;
    for sql in [
        "UPDATE members SET email = 'someone@example.org', phone = '+44 113 496 0000', \
         matrix_user_id = '@' || replace(display_name, ' ', '') || ':example.org', \
         archived_at = created_at, organisation_id = (SELECT id FROM organisations LIMIT 1)",
        "UPDATE rsvps SET response = 'no' WHERE id = (SELECT id FROM rsvps ORDER BY id LIMIT 1)",
        "UPDATE rsvps SET response = 'maybe' WHERE id = (SELECT id FROM rsvps ORDER BY id DESC LIMIT 1)",
    ] {
        app.db.conn.execute_unprepared(sql).await.unwrap();
    }
    let member_selection = |field: &'static str| -> &'static str {
        match field {
            "organisation" => "organisation { name }",
            "memberships" => "memberships(first: 5) { totalCount }",
            scalar => scalar,
        }
    };
    let rsvp_selection = |field: &'static str| -> &'static str {
        match field {
            "member" => "member { id }",
            "meeting" => "meeting { id title }",
            scalar => scalar,
        }
    };
    table_names_fields(&app, "Rsvp", RSVP_FIELD_COLUMNS).await;
    table_names_fields(&app, "Member", MEMBER_FIELD_COLUMNS).await;
    let page = |s: &str| {
        format!(
            "{{ meetings(first: 10) {{ nodes {{ rsvps(first: 10) {{ nodes {{ {s} }} }} }} }} }}"
        )
    };
    let nodes = |body: &Value| -> Vec<Value> {
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["meetings"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|m| m["rsvps"]["nodes"].as_array().unwrap().clone())
            .collect()
    };
    // RSVP fields, on a page with and without the members (pruned),
    // against the RSVP read by id (a whole row).
    let rsvp_by_id =
        |s: &str| format!("query($id: ID!) {{ node(id: $id) {{ ... on Rsvp {{ id {s} }} }} }}");
    for (field, _) in RSVP_FIELD_COLUMNS {
        let s = rsvp_selection(field);
        for with_member in ["", "member { id }"] {
            let pruned = nodes(
                &app.admin(&page(&format!("id {s} {with_member}")), json!({}))
                    .await,
            );
            assert_eq!(pruned.len(), 6, "{field}");
            for mut n in pruned {
                if *field != "member" {
                    n.as_object_mut().unwrap().remove("member");
                }
                let full = app.admin(&rsvp_by_id(s), json!({ "id": n["id"] })).await;
                assert_eq!(n, full["data"]["node"], "Rsvp.{field} ({with_member})");
            }
        }
    }
    // Member fields: with the RSVPs (pruned) against by id (whole rows).
    let by_id =
        |s: &str| format!("query($id: ID!) {{ node(id: $id) {{ ... on Member {{ id {s} }} }} }}");
    for (field, _) in MEMBER_FIELD_COLUMNS {
        let s = member_selection(field);
        let pruned = nodes(
            &app.admin(&page(&format!("member {{ id {s} }}")), json!({}))
                .await,
        );
        assert_eq!(pruned.len(), 6, "{field}");
        for n in pruned {
            let member = &n["member"];
            let full = app.admin(&by_id(s), json!({ "id": member["id"] })).await;
            assert_eq!(member, &full["data"]["node"], "Member.{field}");
        }
    }
    // All of them at once, through `edges` and fragments.
    let all_rsvp: Vec<&str> = RSVP_FIELD_COLUMNS
        .iter()
        .filter(|(f, _)| *f != "member")
        .map(|(f, _)| rsvp_selection(f))
        .collect();
    let all_member: Vec<&str> = MEMBER_FIELD_COLUMNS
        .iter()
        .map(|(f, _)| member_selection(f))
        .collect();
    let by_edges = format!(
        "{{ meetings(first: 10) {{ nodes {{ rsvps(first: 10) {{ edges {{ node {{ ...R }} }} }} }} }} }} \
         fragment R on Rsvp {{ {} member {{ ...M }} }} fragment M on Member {{ {} }}",
        all_rsvp.join(" "),
        all_member.join(" ")
    );
    let body = app.admin(&by_edges, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let text = body.to_string();
    for seen in [
        "someone@example.org",
        "+44 113 496 0000",
        ":example.org",
        "Suma",
        "\"NO\"",
        "\"MAYBE\"",
        "\"YES\"",
    ] {
        assert!(text.contains(seen), "{seen} in {text}");
    }
    // Every RSVP and member of it against the whole rows.
    let edges: Vec<Value> = body["data"]["meetings"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["rsvps"]["edges"].as_array().unwrap().clone())
        .collect();
    assert_eq!(edges.len(), 6);
    for e in edges {
        let mut rsvp = e["node"].clone();
        let member = rsvp.as_object_mut().unwrap().remove("member").unwrap();
        let full = app
            .admin(
                &rsvp_by_id(&all_rsvp.join(" ")),
                json!({ "id": rsvp["id"] }),
            )
            .await;
        assert_eq!(rsvp, full["data"]["node"]);
        let full = app
            .admin(&by_id(&all_member.join(" ")), json!({ "id": member["id"] }))
            .await;
        assert_eq!(member, full["data"]["node"]);
    }
    // A filter on the response reads the response, asked for or not.
    for response in ["YES", "NO", "MAYBE"] {
        let filtered = |s: &str| {
            format!(
                "{{ meetings(first: 10) {{ nodes {{ rsvps(first: 10, response: {response}) {{ nodes {{ {s} }} }} }} }} }}"
            )
        };
        let pruned = nodes(
            &app.admin(&filtered("id member { displayName }"), json!({}))
                .await,
        );
        let full = nodes(&app.admin(&filtered("id response"), json!({})).await);
        let ids = |ns: &[Value]| ns.iter().map(|n| n["id"].clone()).collect::<Vec<_>>();
        assert!(!pruned.is_empty(), "{response}");
        assert_eq!(ids(&pruned), ids(&full), "{response}");
    }
    // Two aliases asking for different fields of the same RSVPs.
    let two = app
        .admin(
            "{ meetings(first: 10) { nodes { a: rsvps(first: 10) { nodes { member { displayName } } } \
             b: rsvps(first: 10) { nodes { updatedAt member { email } } } } } }",
            json!({}),
        )
        .await;
    assert!(two.get("errors").is_none(), "{two}");
    for (alias, s) in [
        ("a", "member { displayName }"),
        ("b", "updatedAt member { email }"),
    ] {
        let alone = app.admin(&page(s), json!({})).await;
        let got: Vec<Value> = two["data"]["meetings"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| json!({ "rsvps": m[alias] }))
            .collect();
        assert_eq!(
            got,
            alone["data"]["meetings"]["nodes"]
                .as_array()
                .unwrap()
                .clone(),
            "{alias}"
        );
    }
    // The export's shape reads the RSVPs' response and the members' names,
    // not their timestamps or contact details.
    app.db.reset_statements();
    nodes(
        &app.admin(&page("response member { displayName }"), json!({}))
            .await,
    );
    let find = |texts: &[String], table: &str| {
        texts
            .iter()
            .find(|t| t.contains(&format!("FROM \"{table}\"")))
            .cloned()
    };
    // One statement: the RSVPs joined to their members.
    let texts = app.db.statement_texts();
    assert!(find(&texts, "members").is_none(), "{texts:#?}");
    let rsvps = find(&texts, "rsvps").unwrap_or_else(|| panic!("{texts:#?}"));
    assert!(rsvps.contains("JOIN \"members\""), "{rsvps}");
    assert!(rsvps.contains("\"rsvps\".\"response\""), "{rsvps}");
    assert!(rsvps.contains("\"members\".\"display_name\""), "{rsvps}");
    for column in ["\"email\"", "\"phone\"", "\"created_at\"", "\"updated_at\""] {
        assert!(!rsvps.contains(column), "{column} in {rsvps}");
    }
    // Without the members: the RSVPs alone, in part.
    app.db.reset_statements();
    nodes(&app.admin(&page("response"), json!({})).await);
    let texts = app.db.statement_texts();
    assert!(find(&texts, "members").is_none(), "{texts:#?}");
    let rsvps = find(&texts, "rsvps").unwrap_or_else(|| panic!("{texts:#?}"));
    assert!(!rsvps.contains("\"updated_at\""), "{rsvps}");
    assert!(!rsvps.contains("JOIN"), "{rsvps}");
}

both!(pruned_rsvp_and_member_fields_match_whole_rows);

/// A page of projects with their first meetings (one statement for all
/// the projects: a `LATERAL … LIMIT` per project on PostgreSQL, a window
/// on SQLite) gives each project what its own full list, sorted and cut,
/// gives: the limit counts only the meetings of the statuses asked for
/// that the reader may see, and meetings starting at the same moment are
/// in id order.
async fn first_meetings_of_many_projects_match_each_projects_own(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(backend).await;
    populate(&app, 2, 3, 6, 0).await;
    let ids: Vec<uuid::Uuid> = muster_tests::column(
        &app.db.conn,
        "SELECT id FROM meetings ORDER BY project_id, starts_at, id",
    )
    .await;
    assert_eq!(ids.len(), 36);
    // Every third held, every fourth for members only, and each project's
    // third to fifth meetings at the same moment (three, so that the one
    // row read past a page, to tell whether there is a next, cannot hide
    // an order that breaks the tie the wrong way).
    for (i, id) in ids.iter().enumerate() {
        let mut set = Vec::new();
        if i % 3 == 0 {
            set.push("status = 'held'".to_owned());
        }
        if i % 4 == 1 {
            set.push("visibility = 'members'".to_owned());
        }
        if matches!(i % 6, 3 | 4) {
            set.push(format!(
                "starts_at = (SELECT starts_at FROM meetings WHERE id = '{}')",
                ids[i - i % 6 + 2]
            ));
        }
        if !set.is_empty() {
            app.db
                .conn
                .execute_unprepared(&format!(
                    "UPDATE meetings SET {} WHERE id = '{id}'",
                    set.join(", ")
                ))
                .await
                .unwrap();
        }
    }
    let page = |first: usize, filter: &str, order: &str| {
        format!(
            "{{ projects(first: 10) {{ nodes {{ id meetings(first: {first}{filter}{order}) {{ nodes {{ id title status startsAt }} }} }} }} }}"
        )
    };
    let whole = ", orderBy: { field: STARTS_AT }";
    let mut cut = false;
    for filter in [
        "",
        ", filter: { status: [SCHEDULED] }",
        ", filter: { status: [HELD, SCHEDULED] }",
    ] {
        for first in [1, 2, 3, 4] {
            for token in [None, Some(app.admin_token.as_str())] {
                let (_, batched) = app.post(token, &page(first, filter, ""), json!({})).await;
                let (_, own) = app
                    .post(token, &page(first, filter, whole), json!({}))
                    .await;
                assert!(batched.get("errors").is_none(), "{batched}");
                let admin = token.is_some();
                assert_eq!(batched, own, "first {first}{filter}, admin {admin}");
                let projects = batched["data"]["projects"]["nodes"].as_array().unwrap();
                assert_eq!(projects.len(), 6);
                cut |= projects
                    .iter()
                    .any(|p| p["meetings"]["nodes"].as_array().unwrap().len() == first);
            }
        }
    }
    assert!(cut, "some lists were cut at the limit");
}

both!(first_meetings_of_many_projects_match_each_projects_own);

/// A document that once passed every validation rule is later run by the
/// schema that checks only the limits (`documents::Check::Known`), when its
/// variables are plain values of their types. Whatever the variables, the
/// answer must be the one a document never seen before gets: the same text
/// with a comment added (another key in the kept documents), sent after it.
/// Wrong-typed variables must still be refused by validation, as before,
/// not half-run.
async fn a_known_document_answers_as_a_new_one(backend: Backend) {
    let app = spawn_app(backend).await;
    populate(&app, 1, 1, 2, 1).await;
    let body = app
        .anon("{ meetings(first: 1) { nodes { id } } }", json!({}))
        .await;
    let id = body["data"]["meetings"]["nodes"][0]["id"].clone();
    assert!(id.is_string(), "{body}");
    let cases: [(&str, Value, Vec<Value>); 3] = [
        (
            "query($id: ID!) { meeting(id: $id) { title } }",
            json!({ "id": id }),
            vec![
                json!({ "id": 12345 }),
                json!({ "id": "not an id" }),
                json!({ "id": true }),
                json!({ "id": null }),
                json!({ "id": 1.5 }),
                json!({ "id": [id] }),
                json!({}),
                json!({ "id": id, "unused": { "a": 1 } }),
            ],
        ),
        (
            "query($first: Int, $after: String) { meetings(first: $first, after: $after) { totalCount nodes { title } } }",
            json!({ "first": 1 }),
            vec![
                json!({ "first": -1 }),
                json!({ "first": "2" }),
                json!({ "first": 1.5 }),
                json!({ "first": 9_999_999_999_i64 }),
                json!({ "first": null }),
                json!({ "first": 1, "after": "no cursor" }),
                json!({ "first": 1, "after": 7 }),
            ],
        ),
        (
            "query($b: Boolean!) { meetings(first: 1) { nodes { title @include(if: $b) } } }",
            json!({ "b": true }),
            vec![
                json!({ "b": false }),
                json!({ "b": "yes" }),
                json!({ "b": 1 }),
            ],
        ),
    ];
    let mut fresh = 0;
    for (doc, good, others) in cases {
        let (_, first) = app.post(None, doc, good.clone()).await;
        assert!(first.get("errors").is_none(), "{doc}: {first}");
        for variables in std::iter::once(good).chain(others) {
            fresh += 1;
            let (status, known) = app.post(None, doc, variables.clone()).await;
            let new_doc = format!("{doc}\n# {fresh}");
            let (new_status, new) = app.post(None, &new_doc, variables.clone()).await;
            assert_eq!(
                (status, &known),
                (new_status, &new),
                "{doc} with {variables}"
            );
        }
    }
    // A document that fails validation is never taken as known.
    let invalid = "query($id: ID!) { meeting(id: $id) { title nope } }";
    let (_, once) = app.post(None, invalid, json!({ "id": id })).await;
    assert_eq!(
        once["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{once}"
    );
    let (_, again) = app.post(None, invalid, json!({ "id": id })).await;
    assert_eq!(once, again);
}

both!(a_known_document_answers_as_a_new_one);

/// The root list of meetings is read in its order, by start and then id,
/// from the index `idx_meetings_starts_at_id`, and stops at the page's end:
/// PostgreSQL's plan for the statement the API runs has no sort. (With the
/// index on `starts_at` alone it read past the page and sorted ties by id,
/// an incremental sort.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_root_meeting_list_is_read_in_order_without_a_sort() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(Backend::Postgres).await;
    app.db
        .conn
        .execute_unprepared(
            "INSERT INTO meetings (id, title, kind, format, starts_at, ends_at, time_zone, status, \
             quorum, visibility, created_at, updated_at) \
             SELECT gen_random_uuid(), 'Meeting ' || i, 'meeting', 'open', \
             now() + (i % 500) * interval '1 day', now() + (i % 500) * interval '1 day', \
             'UTC', 'scheduled', 0, CASE WHEN i % 2 = 0 THEN 'public' ELSE 'members' END, now(), now() \
             FROM generate_series(1, 4000) AS i; \
             ANALYZE meetings",
        )
        .await
        .unwrap();
    app.db.reset_statements();
    let body = app
        .anon("{ meetings(first: 100) { nodes { title } } }", json!({}))
        .await;
    assert_eq!(
        body["data"]["meetings"]["nodes"].as_array().map(Vec::len),
        Some(100),
        "{body}"
    );
    let texts = app.db.statement_texts();
    let sql = texts
        .iter()
        .find(|s| s.starts_with(r#"SELECT "meetings"."#))
        .unwrap_or_else(|| panic!("no meetings statement in {texts:?}"));
    // Anonymous: public meetings only; a page of 100 and one more.
    assert!(
        sql.contains(r#""meetings"."visibility" IN ($1)"#) && sql.ends_with("LIMIT $2"),
        "{sql}"
    );
    let sql = sql.replace("$1", "'public'").replace("$2", "101");
    let plan: Vec<String> = muster_tests::column(&app.db.conn, &format!("EXPLAIN {sql}")).await;
    assert!(
        plan.iter().any(|l| l.contains("idx_meetings_starts_at_id"))
            && !plan.iter().any(|l| l.contains("Sort")),
        "{}",
        plan.join("\n")
    );
}
