//! The iCalendar feeds, read back with a real iCalendar parser.

use entities::Actor;
use entities::domain::meetings;
use icalendar::{Calendar, Component, EventLike, EventStatus};
use muster_tests::{Backend, both, spawn_app};

async fn ics(app: &muster_tests::TestApp, path: &str) -> (u16, String, String) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, r.text().await.unwrap())
}

async fn calendars_follow_the_meetings(backend: Backend) {
    let app = spawn_app(backend).await;
    entities::demo::seed(&app.db.conn).await.unwrap();
    let (status, ct, body) = ics(&app, "/calendar/groups/movement-building.ics").await;
    assert_eq!(status, 200, "{body}");
    assert!(ct.starts_with("text/calendar"), "{ct}");
    let cal: Calendar = body.parse().unwrap();
    let events: Vec<_> = cal.events().collect();
    assert_eq!(events.len(), 3, "{body}");
    let statuses: Vec<_> = events.iter().map(|e| e.get_status()).collect();
    assert_eq!(
        statuses,
        [
            Some(EventStatus::Confirmed),
            Some(EventStatus::Cancelled),
            Some(EventStatus::Cancelled)
        ]
    );
    assert_eq!(
        events[1].get_description(),
        Some("Postponed due to low numbers.")
    );
    assert!(
        body.contains("DTSTART;TZID=Europe/London:20250606T120000"),
        "{body}"
    );
    assert!(
        events
            .iter()
            .all(|e| e.get_uid().is_some_and(|u| u.ends_with("@muster")))
    );
    assert!(events[0].get_location().is_some());

    // A change raises SEQUENCE; the UID stays.
    let uid = events[0].get_uid().unwrap().to_owned();
    let (_, _, body) = ics(&app, "/calendar/projects/co-op-fortnight.ics").await;
    assert_eq!(body.parse::<Calendar>().unwrap().events().count(), 0);
    let m = entities::domain::read::meetings(
        &app.db.conn,
        &Actor::System,
        &entities::domain::read::MeetingFilter::default(),
    )
    .await
    .unwrap();
    let upcoming = meetings::schedule(
        &app.db.conn,
        &Actor::System,
        meetings::NewMeeting {
            group_id: m[0].group_id,
            project_id: None,
            title: "Regroup".into(),
            kind: None,
            format: None,
            starts_at: chrono::Utc::now() + chrono::Duration::days(10),
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
    let seq = |body: &str, id: uuid::Uuid| {
        body.parse::<Calendar>()
            .unwrap()
            .events()
            .find(|e| e.get_uid() == Some(&format!("{id}@muster")))
            .unwrap()
            .get_sequence()
    };
    let (_, _, body) = ics(&app, "/calendar/groups/movement-building.ics").await;
    assert_eq!(seq(&body, upcoming.id), Some(0));
    meetings::update(
        &app.db.conn,
        &Actor::System,
        upcoming.id,
        meetings::MeetingPatch {
            location: Some(Some("The hall".into())),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    meetings::cancel(&app.db.conn, &Actor::System, upcoming.id, None)
        .await
        .unwrap();
    let (_, _, body) = ics(&app, "/calendar/groups/movement-building.ics").await;
    assert_eq!(seq(&body, upcoming.id), Some(2));
    assert!(
        body.parse::<Calendar>()
            .unwrap()
            .events()
            .any(|e| e.get_uid() == Some(uid.as_str())),
        "UIDs are stable"
    );

    assert_eq!(ics(&app, "/calendar/groups/no-such-group.ics").await.0, 404);
    assert_eq!(ics(&app, "/calendar/groups/movement-building").await.0, 404);
}

both!(calendars_follow_the_meetings);

async fn a_personal_feed_at_a_secret_address(backend: Backend) {
    use entities::domain::tokens;
    use sea_orm::EntityTrait;
    let app = spawn_app(backend).await;
    entities::demo::seed(&app.db.conn).await.unwrap();
    let member = entities::member::Entity::find()
        .one(&app.db.conn)
        .await
        .unwrap()
        .unwrap();
    let session = app.member_session(member.id).await;
    let reset = "mutation { resetCalendarFeed { path userErrors { message code } } }";
    let (_, body) = app.post(None, reset, serde_json::json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );
    let (_, body) = app.post(Some(&session), reset, serde_json::json!({})).await;
    let path = body["data"]["resetCalendarFeed"]["path"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    assert!(
        path.starts_with("/calendar/me/")
            && std::path::Path::new(&path)
                .extension()
                .is_some_and(|e| e == "ics"),
        "{path}"
    );

    // The meetings the member said yes to (the demo has some already).
    let (status, _, body) = ics(&app, &path).await;
    assert_eq!(status, 200, "{body}");
    let before = body.parse::<Calendar>().unwrap().events().count();
    let actor = tokens::member_actor(&app.db.conn, &member, None)
        .await
        .unwrap();
    let m = meetings::schedule(
        &app.db.conn,
        &Actor::System,
        meetings::NewMeeting {
            group_id: Some(
                entities::domain::read::group_by_slug(
                    &app.db.conn,
                    &Actor::System,
                    "movement-building",
                )
                .await
                .unwrap()
                .unwrap()
                .id,
            ),
            project_id: None,
            title: "Members only".into(),
            kind: None,
            format: None,
            starts_at: chrono::Utc::now() + chrono::Duration::days(5),
            ends_at: None,
            time_zone: None,
            location: None,
            quorum: None,
            visibility: Some(entities::Visibility::Members),
            status: None,
            per_coop: false,
        },
    )
    .await
    .unwrap();
    meetings::rsvp(
        &app.db.conn,
        &actor,
        m.id,
        None,
        entities::RsvpResponse::Yes,
    )
    .await
    .unwrap();
    let (_, _, body) = ics(&app, &path).await;
    let cal: Calendar = body.parse().unwrap();
    let titles: Vec<_> = cal
        .events()
        .map(|e| e.get_summary().unwrap().to_owned())
        .collect();
    assert_eq!(titles.len(), before + 1, "{body}");
    assert!(titles.contains(&"Members only".to_owned()), "{body}");

    // A reset retires the old address.
    let (_, body) = app.post(Some(&session), reset, serde_json::json!({})).await;
    let new = body["data"]["resetCalendarFeed"]["path"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, path);
    let (status, _, body) = ics(&app, &path).await;
    assert_eq!(status, 404);
    assert!(body.contains("reset"), "{body}");
    assert_eq!(ics(&app, &new).await.0, 200);
    assert_eq!(ics(&app, "/calendar/me/guess.ics").await.0, 404);
}

both!(a_personal_feed_at_a_secret_address);
