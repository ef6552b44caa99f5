//! The bot against a real Synapse: a second Matrix account (a person, with
//! its own matrix-sdk client) invites it, links the room, types commands
//! and reacts; the bot answers as `m.notice` replies and posts the outbox.
//! Then the failures: commands typed while the bot is down, a crash in the
//! middle of delivering, the homeserver away for a while — each handled
//! once, in order, nothing lost.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use entities::domain::{groups, meetings, members, memberships, projects, rooms};
use entities::{Actor, Role, RsvpResponse};
use muster_tests::matrix::{Person, Proxy, TestBot};
use muster_tests::{Backend, TestDb, fresh_db};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

struct World {
    db: TestDb,
    project: Uuid,
    alice: Person,
    alice_actor: Actor,
    dir: tempfile::TempDir,
}

/// A project "Co-op Fortnight" convened by a fresh Matrix account, alice.
async fn world(backend: Backend) -> World {
    let db = fresh_db(backend).await;
    let alice = Person::new("alice").await;
    let sys = &Actor::System;
    let g = groups::create(
        &db.conn,
        sys,
        groups::NewGroup {
            name: "Movement Building".into(),
            slug: None,
            purpose: String::new(),
            domains: vec![],
            status: None,
            visibility: None,
            reporting_line: None,
            time_zone: Some("Europe/London".into()),
            succeeds: vec![],
        },
    )
    .await
    .unwrap();
    let p = projects::create(
        &db.conn,
        sys,
        projects::NewProject {
            group_id: g.id,
            name: "Co-op Fortnight".into(),
            slug: None,
            goal: "Celebrate worker co-ops in June".into(),
            status: None,
            starts_on: None,
            ends_on: None,
            visibility: None,
            time_zone: None,
        },
    )
    .await
    .unwrap();
    let m = members::create(
        &db.conn,
        sys,
        members::NewMember {
            display_name: "Alice".into(),
            matrix_user_id: Some(alice.user_id().to_owned()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    memberships::create(
        &db.conn,
        sys,
        memberships::NewMembership {
            member_id: m.id,
            group_id: None,
            project_id: Some(p.id),
            role: Role::Convener,
            involvement: None,
            commitment_hours: None,
            status: None,
            since: None,
            role_id: None,
        },
    )
    .await
    .unwrap();
    let alice_actor = rooms::sender(&db.conn, alice.user_id())
        .await
        .unwrap()
        .unwrap();
    World {
        db,
        project: p.id,
        alice,
        alice_actor,
        dir: tempfile::tempdir().unwrap(),
    }
}

impl World {
    /// alice creates a room, invites the bot, waits for its hello and
    /// links the room.
    async fn linked_room(&self, bot: &TestBot) -> matrix_sdk::ruma::OwnedRoomId {
        let room = self.alice.create_room(&[bot.user_id()]).await;
        let hello = self
            .alice
            .wait_for(&room, "the bot's hello", |m| m.sender == bot.user_id())
            .await;
        assert_eq!(hello.msgtype, "m.notice");
        assert!(hello.body.contains("!link"), "{}", hello.body);
        let reply = self.alice.command(&room, "!link co-op-fortnight").await;
        assert!(reply.body.contains("now linked"), "{}", reply.body);
        room
    }

    async fn schedule(&self, title: &str, day: u32) -> entities::meeting::Model {
        meetings::schedule(
            &self.db.conn,
            &self.alice_actor,
            meetings::NewMeeting {
                group_id: None,
                project_id: Some(self.project),
                title: title.into(),
                kind: None,
                format: None,
                starts_at: Utc.with_ymd_and_hms(2027, 1, 1, 18, 0, 0).unwrap()
                    + chrono::Duration::days(i64::from(day)),
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
        .unwrap()
    }

    async fn backlog(&self) -> u64 {
        entities::domain::outbox::backlog(&self.db.conn)
            .await
            .unwrap()
            .0
    }

    async fn wait_until_delivered(&self) {
        for _ in 0..240 {
            if self.backlog().await == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("the outbox was not delivered within 60 s");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_joins_links_and_answers_in_a_room() {
    let w = world(Backend::Sqlite).await;
    let bot = TestBot::start(&w.db.conn, w.dir.path()).await;
    let bob = Person::new("bob").await;
    let carol = Person::new("carol").await;
    let room = w.alice.create_room(&[bot.user_id(), carol.user_id()]).await;
    w.alice
        .wait_for(&room, "the bot's hello", |m| m.sender == bot.user_id())
        .await;
    // Before linking, the room is told how to link it.
    let reply = w.alice.command(&room, "!next").await;
    assert!(reply.body.contains("!link"), "{}", reply.body);
    let reply = w.alice.command(&room, "!link co-op-fortnight").await;
    assert!(reply.body.contains("now linked"), "{}", reply.body);
    // carol is a member of the project but not a convener.
    let c = members::create(
        &w.db.conn,
        &Actor::System,
        members::NewMember {
            display_name: "Carol".into(),
            matrix_user_id: Some(carol.user_id().to_owned()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    memberships::create(
        &w.db.conn,
        &Actor::System,
        memberships::NewMembership {
            member_id: c.id,
            group_id: None,
            project_id: Some(w.project),
            role: Role::Member,
            involvement: None,
            commitment_hours: None,
            status: None,
            since: None,
            role_id: None,
        },
    )
    .await
    .unwrap();
    carol.join(&room).await;

    // A command, answered as an m.notice reply with HTML and plain text,
    // echoing the understood time unambiguously.
    let asked = w
        .alice
        .say(&room, "!meeting schedule 2027-01-12 18:00 Stall planning")
        .await;
    let reply = w.alice.reply_to(&room, &asked).await;
    assert_eq!(reply.msgtype, "m.notice");
    assert_eq!(reply.sender, bot.user_id());
    assert!(
        reply
            .body
            .contains("Stall planning — Tue 12 Jan 2027, 18:00 GMT"),
        "{}",
        reply.body
    );
    assert!(reply.html.is_some());

    // The announcement, and an RSVP by reacting to it.
    let announcement = w
        .alice
        .wait_for(&room, "the announcement", |m| {
            m.body.starts_with("New meeting: Stall planning")
        })
        .await;
    assert!(announcement.body.contains('✅'), "{}", announcement.body);
    w.alice.react(&room, &announcement.event_id, "✅").await;
    let meeting = entities::meeting::Entity::find()
        .filter(entities::meeting::Column::Title.eq("Stall planning"))
        .one(&w.db.conn)
        .await
        .unwrap()
        .unwrap();
    let mut answered = None;
    for _ in 0..200 {
        let rsvps = entities::domain::read::rsvps_of(&w.db.conn, &[meeting.id])
            .await
            .unwrap();
        if let Some(r) = rsvps.first() {
            answered = Some(r.response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        answered,
        Some(RsvpResponse::Yes),
        "the ✅ reaction is an RSVP"
    );

    // `!rsvp` as text changes the answer.
    let reply = w.alice.command(&room, "!rsvp maybe").await;
    assert!(reply.body.starts_with("Noted: maybe"), "{}", reply.body);

    // Someone Muster does not know is told how to be added; nothing changes.
    w.alice
        .client
        .sync_once(matrix_sdk::config::SyncSettings::default())
        .await
        .unwrap();
    w.alice
        .client
        .get_room(&room)
        .unwrap()
        .invite_user_by_id(
            &bob.user_id()
                .parse::<matrix_sdk::ruma::OwnedUserId>()
                .unwrap(),
        )
        .await
        .unwrap();
    bob.join(&room).await;
    let reply = bob.command(&room, "!rsvp yes").await;
    assert!(
        reply.body.contains("I don't know you yet"),
        "{}",
        reply.body
    );
    assert_eq!(
        entities::domain::read::rsvps_of(&w.db.conn, &[meeting.id])
            .await
            .unwrap()
            .len(),
        1
    );

    // Refusals say what to do and change nothing: a non-convener
    // cancelling, a time that is not one, a command that does not exist.
    let meetings_before = w.db.count("meetings").await;
    let reply = carol.command(&room, "!meeting cancel").await;
    assert!(reply.body.contains("convener"), "{}", reply.body);
    let reply = w
        .alice
        .command(&room, "!meeting schedule someday soon")
        .await;
    assert!(reply.body.contains("someday"), "{}", reply.body);
    let reply = carol.command(&room, "!dance").await;
    assert!(reply.body.contains("!help"), "{}", reply.body);
    assert_eq!(w.db.count("meetings").await, meetings_before);
    assert_eq!(
        entities::meeting::Entity::find_by_id(meeting.id)
            .one(&w.db.conn)
            .await
            .unwrap()
            .unwrap()
            .status,
        entities::MeetingStatus::Scheduled
    );

    // A meeting cancelled through GraphQL reaches the room.
    let (api, admin) = muster_tests::serve_api(&w.db).await;
    let id = api::graphql::ids::encode(api::graphql::ids::Kind::Meeting, meeting.id).0;
    let body: serde_json::Value = reqwest::Client::new()
        .post(format!("{api}/graphql"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({
            "query": "mutation($input: CancelMeetingInput!) { cancelMeeting(input: $input) { meeting { status } userErrors { message } } }",
            "variables": { "input": { "id": id, "reason": "venue closed" } },
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["data"]["cancelMeeting"]["meeting"]["status"], "CANCELLED",
        "{body}"
    );
    let cancelled = w
        .alice
        .wait_for(&room, "the cancellation", |m| {
            m.body.starts_with("Cancelled:")
        })
        .await;
    assert!(
        cancelled.body.contains("venue closed"),
        "{}",
        cancelled.body
    );

    // Chat is not a command, and the bot never answers itself.
    w.alice.say(&room, "see you all there").await;
    let reply = w.alice.command(&room, "!help").await;
    assert!(reply.body.contains("!rsvp"), "{}", reply.body);
    let messages = w.alice.messages(&room).await;
    let from_bot = messages.iter().filter(|m| m.sender == bot.user_id());
    assert!(from_bot.clone().all(|m| m.msgtype == "m.notice"));
    let replies_to_chat = messages
        .iter()
        .filter(|m| m.body == "see you all there")
        .filter_map(|m| {
            messages
                .iter()
                .find(|r| r.in_reply_to.as_deref() == Some(m.event_id.as_str()))
        })
        .count();
    assert_eq!(replies_to_chat, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_project_room_makes_names_invites_and_links_a_room() {
    let w = world(Backend::Postgres).await;
    let bot = TestBot::start(&w.db.conn, w.dir.path()).await;
    rooms::request_room(&w.db.conn, &w.alice_actor, w.project)
        .await
        .unwrap();
    let again = rooms::request_room(&w.db.conn, &w.alice_actor, w.project).await;
    assert!(
        again.is_err(),
        "a second request while the first is pending is refused"
    );
    let mut room_id = None;
    for _ in 0..240 {
        let p = entities::project::Entity::find_by_id(w.project)
            .one(&w.db.conn)
            .await
            .unwrap()
            .unwrap();
        if let Some(r) = p.matrix_room_id {
            room_id = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let room_id: matrix_sdk::ruma::OwnedRoomId = room_id
        .expect("the bot created and linked a room")
        .parse()
        .unwrap();
    // alice was invited; she joins and finds the room named, with its
    // topic, a welcome, and herself a moderator.
    w.alice.join(&room_id).await;
    let welcome = w
        .alice
        .wait_for(&room_id, "the welcome", |m| m.sender == bot.user_id())
        .await;
    assert!(welcome.body.contains("Co-op Fortnight"), "{}", welcome.body);
    let room = w.alice.client.get_room(&room_id).unwrap();
    w.alice
        .client
        .sync_once(matrix_sdk::config::SyncSettings::default())
        .await
        .unwrap();
    assert_eq!(room.name().as_deref(), Some("Co-op Fortnight"));
    assert_eq!(
        room.topic().as_deref(),
        Some("Celebrate worker co-ops in June")
    );
    let power = room.power_levels().await.unwrap();
    let alice_id: matrix_sdk::ruma::OwnedUserId = w.alice.user_id().parse().unwrap();
    assert_eq!(
        power.for_user(&alice_id),
        matrix_sdk::ruma::events::room::power_levels::UserPowerLevel::Int(50.into()),
        "conveners moderate"
    );
    // The room works: commands are answered.
    let reply = w.alice.command(&room_id, "!project").await;
    assert!(reply.body.starts_with("Co-op Fortnight"), "{}", reply.body);
    // And a second room is refused while this one is linked.
    assert!(
        rooms::request_room(&w.db.conn, &w.alice_actor, w.project)
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_typed_while_the_bot_is_down_are_handled_once_when_it_returns() {
    let w = world(Backend::Sqlite).await;
    let mut bot = TestBot::start(&w.db.conn, w.dir.path()).await;
    let room = w.linked_room(&bot).await;
    w.alice
        .command(&room, "!meeting schedule 2027-01-12 18:00 Budget")
        .await;
    let session = std::fs::read_to_string(bot.store.join("session.json")).unwrap();

    bot.stop().await;
    let agenda = w
        .alice
        .say(&room, "!agenda add Co-op Fortnight budget")
        .await;
    let rsvp = w.alice.say(&room, "!rsvp yes").await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    bot.restart(&w.db.conn);
    let reply = w.alice.reply_to(&room, &agenda).await;
    assert!(reply.body.contains("as item 1"), "{}", reply.body);
    w.alice.reply_to(&room, &rsvp).await;

    // Once more, from the same store: the same session and device, and
    // nothing handled twice.
    bot.stop().await;
    bot.restart(&w.db.conn);
    let again = std::fs::read_to_string(bot.store.join("session.json")).unwrap();
    let device =
        |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap()["device_id"].clone();
    assert_eq!(device(&session), device(&again), "the bot kept its device");
    // A fresh command is the barrier: when it is answered, the bot has
    // seen everything before it.
    w.alice.command(&room, "!agenda").await;
    assert_eq!(w.db.count("agenda_items").await, 1);
    let messages = w.alice.messages(&room).await;
    for asked in [&agenda, &rsvp] {
        let replies = messages
            .iter()
            .filter(|m| m.in_reply_to.as_deref() == Some(asked.as_str()))
            .count();
        assert_eq!(replies, 1, "one reply to {asked}");
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_in_the_middle_of_delivery_neither_loses_nor_repeats_a_notice() {
    let w = world(Backend::Postgres).await;
    let mut bot = TestBot::start(&w.db.conn, w.dir.path()).await;
    let room = w.linked_room(&bot).await;
    w.wait_until_delivered().await;
    bot.stop().await;

    let n = 30;
    for i in 0..n {
        w.schedule(&format!("Meeting {i:02}"), i).await;
    }
    bot.restart(&w.db.conn);
    // Kill it once some, not all, notices are in the room. (On PostgreSQL
    // the round's claim is one transaction: the kill rolls it back and
    // every row of the round is sent again, with the same transaction ids.)
    let posted = |m: &muster_tests::matrix::Seen| m.body.starts_with("New meeting: Meeting ");
    for _ in 0..400 {
        let seen = w.alice.messages(&room).await;
        if seen.iter().filter(|m| posted(m)).count() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    bot.kill().await;
    assert!(w.backlog().await > 0, "killed before the end of delivery");

    bot.restart(&w.db.conn);
    w.wait_until_delivered().await;
    let messages = w.alice.messages(&room).await;
    let titles: Vec<String> = messages
        .iter()
        .filter(|m| posted(m))
        .map(|m| m.body["New meeting: ".len().."New meeting: Meeting 00".len()].to_owned())
        .collect();
    let expected: Vec<String> = (0..n).map(|i| format!("Meeting {i:02}")).collect();
    assert_eq!(titles, expected, "every notice once, in order");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_wait_out_a_homeserver_outage_and_arrive_in_order_once() {
    let w = world(Backend::Sqlite).await;
    let proxy = Proxy::start().await;
    let mut bot = TestBot::start_at(&w.db.conn, w.dir.path(), &proxy.url()).await;
    let room = w.linked_room(&bot).await;
    w.wait_until_delivered().await;

    proxy.down().await;
    // Typed just before the bot lost the homeserver (alice's own server
    // is fine), and changes made while it is away.
    let typed = w
        .alice
        .say(&room, "!meeting schedule 2027-02-02 18:00 Outage")
        .await;
    for i in 0..5 {
        w.schedule(&format!("Away {i}"), i).await;
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(w.backlog().await >= 5, "nothing is delivered while away");

    proxy.up().await;
    w.alice.reply_to(&room, &typed).await;
    w.wait_until_delivered().await;
    let messages = w.alice.messages(&room).await;
    let away: Vec<&str> = messages
        .iter()
        .filter(|m| m.body.starts_with("New meeting: Away "))
        .map(|m| &m.body["New meeting: ".len().."New meeting: Away 0".len()])
        .collect();
    assert_eq!(away, ["Away 0", "Away 1", "Away 2", "Away 3", "Away 4"]);
    let replies = messages
        .iter()
        .filter(|m| m.in_reply_to.as_deref() == Some(typed.as_str()))
        .count();
    assert_eq!(replies, 1);
    assert_eq!(
        entities::meeting::Entity::find()
            .filter(entities::meeting::Column::Title.eq("Outage"))
            .all(&w.db.conn)
            .await
            .unwrap()
            .len(),
        1,
        "the command typed before the outage ran once"
    );
    bot.stop().await;
}

/// The bot's own store keeps its device keys: it reads commands and
/// answers in an end-to-end encrypted room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_works_in_an_encrypted_room() {
    let w = world(Backend::Sqlite).await;
    let bot = TestBot::start(&w.db.conn, w.dir.path()).await;
    let room = w.alice.create_encrypted_room(&[bot.user_id()]).await;
    let hello = w
        .alice
        .wait_for(&room, "the bot's hello", |m| m.sender == bot.user_id())
        .await;
    assert!(hello.encrypted, "the bot's hello was encrypted");
    let asked = w.alice.say(&room, "!link co-op-fortnight").await;
    let reply = w.alice.reply_to(&room, &asked).await;
    assert!(reply.body.contains("now linked"), "{}", reply.body);
    assert!(reply.encrypted, "the reply was encrypted");
    let mine = w
        .alice
        .messages(&room)
        .await
        .into_iter()
        .find(|m| m.event_id == asked.as_str())
        .unwrap();
    assert!(mine.encrypted, "the command was sent encrypted");
}

/// Group life against the real homeserver: a sign-up approved with
/// `!approve` brings an invitation to the room for the person's own Matrix
/// account, and a completed handover closes the old room with a final
/// notice and a tombstone pointing to the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_sign_ups_are_invited_and_a_handover_closes_the_old_room() {
    use entities::domain::{handovers, signups};
    let w = world(Backend::Postgres).await;
    let _bot = TestBot::start(&w.db.conn, w.dir.path()).await;
    // The bot makes the room (so it may tombstone it later).
    rooms::request_room(&w.db.conn, &w.alice_actor, w.project)
        .await
        .unwrap();
    let mut room_id = None;
    for _ in 0..240 {
        let p = entities::project::Entity::find_by_id(w.project)
            .one(&w.db.conn)
            .await
            .unwrap()
            .unwrap();
        if p.matrix_room_id.is_some() {
            room_id = p.matrix_room_id;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let room_id: matrix_sdk::ruma::OwnedRoomId = room_id.expect("a room").parse().unwrap();
    w.alice.join(&room_id).await;

    // A sign-up from the website, with a Matrix id: posted with its number.
    let frank = Person::new("frank").await;
    signups::submit(
        &w.db.conn,
        &Actor::Anonymous,
        signups::NewSignUp {
            display_name: "Frank".into(),
            email: "frank@example.coop".into(),
            project_id: Some(w.project),
            interests: vec!["stalls".into()],
            matrix_user_id: Some(frank.user_id().to_owned()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let posted = w
        .alice
        .wait_for(&room_id, "the sign-up", |m| m.body.starts_with("Sign-up 1"))
        .await;
    assert!(posted.body.contains("!approve 1"), "{}", posted.body);
    let reply = w.alice.command(&room_id, "!approve 1").await;
    assert!(reply.body.contains("inviting"), "{}", reply.body);
    // Frank's own account is invited: he can join the private room.
    let mut joined = false;
    for _ in 0..120 {
        if frank.client.join_room_by_id(&room_id).await.is_ok() {
            joined = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(joined, "frank was invited to the room");

    // A successor group takes over; the finished project's room closes.
    let p = entities::project::Entity::find_by_id(w.project)
        .one(&w.db.conn)
        .await
        .unwrap()
        .unwrap();
    projects::update(
        &w.db.conn,
        &Actor::System,
        p.id,
        projects::ProjectPatch {
            status: Some(entities::ProjectStatus::Done),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let successor = groups::create(
        &w.db.conn,
        &Actor::System,
        groups::NewGroup {
            name: "Organising".into(),
            slug: None,
            purpose: "Organise.".into(),
            domains: vec![],
            status: None,
            visibility: None,
            reporting_line: None,
            time_zone: None,
            succeeds: vec![p.group_id],
        },
    )
    .await
    .unwrap();
    let next = projects::create(
        &w.db.conn,
        &Actor::System,
        projects::NewProject {
            group_id: successor.id,
            name: "Next steps".into(),
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
    let new_room = w.alice.create_room(&[]).await;
    rooms::link(&w.db.conn, &Actor::System, next.id, new_room.as_str())
        .await
        .unwrap();
    let h = handovers::start(&w.db.conn, &Actor::System, successor.id)
        .await
        .unwrap();
    let invitation = w
        .alice
        .wait_for(&room_id, "the handover invitation", |m| {
            m.body.starts_with("Handover:")
        })
        .await;
    assert!(invitation.body.contains("!accept"), "{}", invitation.body);
    for item in entities::HandoverItemKind::ALL {
        handovers::complete_item(&w.db.conn, &Actor::System, h.handover.id, *item)
            .await
            .unwrap();
    }
    let closing = w
        .alice
        .wait_for(&room_id, "the closing notice", |m| {
            m.body.starts_with("This room is closed")
        })
        .await;
    assert!(closing.body.contains(new_room.as_str()), "{}", closing.body);
    let mut replacement = None;
    for _ in 0..120 {
        let get = matrix_sdk::ruma::api::client::state::get_state_event_for_key::v3::Request::new(
            room_id.clone(),
            matrix_sdk::ruma::events::StateEventType::RoomTombstone,
            String::new(),
        );
        if let Ok(r) = w.alice.client.send(get).await {
            let v: serde_json::Value = serde_json::from_str(r.event_or_content.get()).unwrap();
            replacement = v["replacement_room"].as_str().map(str::to_owned);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(replacement.as_deref(), Some(new_room.as_str()), "tombstone");
}
