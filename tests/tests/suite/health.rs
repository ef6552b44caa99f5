//! Group health on the demo data: Movement Building comes out stalled for
//! the reasons the seed gives — no meeting held for months, meetings
//! postponed for low numbers and cancelled for non-attendance, nobody left
//! convening, its convener stepped back — through the API, on both
//! databases; and a healthy group raises nothing.

use chrono::{Duration, Utc};
use entities::Actor;
use entities::domain::{groups, health, meetings, members, memberships};
use muster_tests::{Backend, both, spawn_app, spawn_app_with};
use serde_json::json;

const HEALTH: &str = "query { groupsNeedingAttention { group { slug } health { meetingsHeld meetingsCalledOff daysSinceLastHeld conveners signals { signal reason } } } }";

async fn movement_building_comes_out_stalled(backend: Backend) {
    let app = spawn_app(backend).await;
    entities::demo::seed(&app.db.conn).await.unwrap();
    let body = app.anon(HEALTH, json!({})).await;
    let list = body["data"]["groupsNeedingAttention"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    let mb = list
        .iter()
        .find(|g| g["group"]["slug"] == "movement-building")
        .unwrap_or_else(|| panic!("Movement Building needs attention: {body}"));
    let signals: Vec<&str> = mb["health"]["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["signal"].as_str().unwrap())
        .collect();
    assert_eq!(
        signals,
        [
            "STAGNANT",
            "LOW_ATTENDANCE",
            "NO_CONVENER",
            "HANDOVER_OPEN",
            "MEMBERS_STEPPING_BACK"
        ],
        "{mb}"
    );
    assert_eq!(
        list[0]["group"]["slug"], "movement-building",
        "most signs first"
    );
    let reasons: Vec<&str> = mb["health"]["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons[0].contains("the last on 9 May 2025"),
        "{}",
        reasons[0]
    );
    assert_eq!(
        reasons[3],
        "it succeeds Mobilising, but no handover was started: their people, projects and alliances have not carried over"
    );
    assert_eq!(
        reasons[1],
        "2 of its last 3 meetings did not go ahead: 6 Jun 2025: Postponed due to low numbers; 4 Jul 2025: Cancelled due to non-attendance"
    );
    assert_eq!(mb["health"]["conveners"], 0);

    // Just after the cancellation, the window holds all three meetings.
    let at = "2025-07-10T12:00:00Z";
    let body = app
        .anon(
            "query($at: DateTime!) { group(slug: \"movement-building\") { health(at: $at) { meetingsHeld meetingsCalledOff averageAttendance activeMembers daysSinceLastHeld signals { signal } } } }",
            json!({ "at": at }),
        )
        .await;
    let h = &body["data"]["group"]["health"];
    assert_eq!(h["meetingsHeld"], 1, "{body}");
    assert_eq!(h["meetingsCalledOff"], 2);
    assert_eq!(h["averageAttendance"], 4.0);
    assert_eq!(h["daysSinceLastHeld"], 62);
    assert!(h["activeMembers"].as_i64().unwrap() >= 3, "{body}");
}

async fn a_healthy_group_raises_nothing(backend: Backend) {
    // A long stagnation threshold turns STAGNANT off for the demo too.
    let app = spawn_app_with(backend, |s| s.health.stagnant_days = 10_000).await;
    let db = &app.db.conn;
    let sys = &Actor::System;
    let g = groups::create(
        db,
        sys,
        groups::NewGroup {
            name: "Thriving".into(),
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
    let mut people = Vec::new();
    for (i, role) in [
        entities::Role::Convener,
        entities::Role::Member,
        entities::Role::Member,
    ]
    .into_iter()
    .enumerate()
    {
        let m = members::create(
            db,
            sys,
            members::NewMember {
                display_name: format!("Person {i}"),
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
                role,
                involvement: None,
                commitment_hours: None,
                status: None,
                since: None,
                role_id: None,
            },
        )
        .await
        .unwrap();
        people.push(m.id);
    }
    let m = meetings::schedule(
        db,
        sys,
        meetings::NewMeeting {
            group_id: Some(g.id),
            project_id: None,
            title: "Planning".into(),
            kind: None,
            format: None,
            starts_at: Utc::now() - Duration::days(10),
            ends_at: None,
            time_zone: None,
            location: None,
            quorum: Some(3),
            visibility: None,
            status: None,
            per_coop: false,
        },
    )
    .await
    .unwrap();
    meetings::record_held(db, sys, m.id, &people, &[])
        .await
        .unwrap();
    let h = health::of(
        db,
        health::Of::Group(g.id),
        Utc::now(),
        health::HealthPolicy::default(),
    )
    .await
    .unwrap();
    assert_eq!(h.signals, vec![], "{h:?}");
    assert_eq!(h.meetings_held, 1);
    assert_eq!(h.average_attendance, Some(3.0));
    assert_eq!(h.conveners, 1);
    assert_eq!(h.days_since_last_held, Some(10));
    let body = app.anon(HEALTH, json!({})).await;
    let slugs: Vec<&str> = body["data"]["groupsNeedingAttention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"]["slug"].as_str().unwrap())
        .collect();
    assert!(!slugs.contains(&"thriving"), "{body}");
}

both!(
    movement_building_comes_out_stalled,
    a_healthy_group_raises_nothing
);

/// The README's group-life query, on the demo data: the phone bank's roles
/// and its list of co-ops.
async fn the_readme_group_life_query_works(backend: Backend) {
    let app = spawn_app(backend).await;
    entities::demo::seed(&app.db.conn).await.unwrap();
    let body = app
        .admin(
            r#"{ project(slug: "speaking-to-worker-co-ops") {
      roles { name involvement hoursPerMonth description }
      outreachProgress { total reached byStatus { status count } } } }"#,
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let p = &body["data"]["project"];
    assert_eq!(p["roles"][0]["name"], "Phone banker", "{body}");
    assert_eq!(p["outreachProgress"]["total"], 3, "{body}");
    assert_eq!(
        p["outreachProgress"]["byStatus"][0],
        json!({ "status": "TO_CONTACT", "count": 3 })
    );
    // Contacts are not for everyone.
    let anon = app
        .anon(
            r#"{ project(slug: "speaking-to-worker-co-ops") { outreachProgress { total } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        anon["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{anon}"
    );
}

both!(the_readme_group_life_query_works);
