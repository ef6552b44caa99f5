//! The bridge's commands, run through the domain on both databases as a
//! Matrix sender would type them (the Matrix transport itself is tested
//! against Synapse with the bot): room links, scheduling in the room's time
//! zone, RSVPs, the agenda, joining and leaving, refusals that change
//! nothing, and events that are never handled twice.

use bridge::run::{Incoming, Reply, handle};
use chrono::{DateTime, TimeZone, Utc};
use entities::domain::{groups, meetings, members, memberships, projects};
use entities::{Actor, MeetingStatus, Role};
use muster_tests::{Backend, TestDb, both, fresh_db};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

const ROOM: &str = "!fortnight:example.org";

fn now() -> DateTime<Utc> {
    // Saturday 28 November 2026, 10:00 GMT.
    Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap()
}

struct Room {
    db: TestDb,
    n: usize,
}

impl Room {
    async fn say(&mut self, sender: &str, body: &str) -> Option<Reply> {
        self.n += 1;
        let id = format!("$event{}:example.org", self.n);
        self.say_as(&id, sender, body).await
    }

    async fn say_as(&mut self, event_id: &str, sender: &str, body: &str) -> Option<Reply> {
        let msg = Incoming {
            event_id,
            room_id: ROOM,
            sender,
            body,
            now: now(),
            health: entities::domain::health::HealthPolicy::default(),
        };
        handle(&self.db.conn, &msg).await.unwrap()
    }

    async fn ok(&mut self, sender: &str, body: &str) -> String {
        let r = self
            .say(sender, body)
            .await
            .unwrap_or_else(|| panic!("no reply to {body}"));
        assert!(r.ok, "{body}: {}", r.plain);
        assert!(
            !r.html.contains('<') || r.html.contains("<br>"),
            "{}",
            r.html
        );
        r.plain
    }

    async fn refused(&mut self, sender: &str, body: &str) -> String {
        let r = self
            .say(sender, body)
            .await
            .unwrap_or_else(|| panic!("no reply to {body}"));
        assert!(!r.ok, "{body} should be refused: {}", r.plain);
        r.plain
    }

    async fn counts(&self) -> Vec<i64> {
        let mut v = Vec::new();
        // The outbox without the bot's own replies: a refusal is answered.
        for t in [
            "meetings",
            "rsvps",
            "agenda_items",
            "memberships",
            "outbox WHERE kind <> 'bridge.reply'",
        ] {
            v.push(self.db.count(t).await);
        }
        v
    }
}

async fn room(backend: Backend) -> Room {
    let db = fresh_db(backend).await;
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
            time_zone: None,
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
            goal: "Celebrate worker co-ops".into(),
            status: None,
            starts_on: None,
            ends_on: None,
            visibility: None,
            time_zone: None,
        },
    )
    .await
    .unwrap();
    for (name, role) in [
        ("alice", Some(Role::Convener)),
        ("bob", Some(Role::Member)),
        ("carol", None),
    ] {
        let m = members::create(
            &db.conn,
            sys,
            members::NewMember {
                display_name: name.into(),
                matrix_user_id: Some(format!("@{name}:example.org")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        if let Some(role) = role {
            memberships::create(
                &db.conn,
                sys,
                memberships::NewMembership {
                    member_id: m.id,
                    group_id: None,
                    project_id: Some(p.id),
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
        }
    }
    Room { db, n: 0 }
}

const ALICE: &str = "@alice:example.org";
const BOB: &str = "@bob:example.org";
const CAROL: &str = "@carol:example.org";

async fn commands_from_a_room(backend: Backend) {
    let mut r = room(backend).await;
    assert!(
        r.say(BOB, "hello everyone").await.is_none(),
        "chat is not a command"
    );
    assert!(r.ok(ALICE, "!help").await.contains("!rsvp"));
    assert!(
        r.refused(ALICE, "!next").await.contains("!link"),
        "an unlinked room says how to link it"
    );

    // Linking: conveners only.
    let before = r.counts().await;
    let msg = r.refused(BOB, "!link co-op-fortnight").await;
    assert!(msg.contains("conveners"), "{msg}");
    assert_eq!(r.counts().await, before);
    assert!(
        r.ok(ALICE, "!link co-op-fortnight")
            .await
            .contains("Co-op Fortnight")
    );
    let p = entities::project::Entity::find()
        .one(&r.db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.matrix_room_id.as_deref(), Some(ROOM));

    // Scheduling reads the time in the project's zone and echoes it.
    let reply = r
        .ok(ALICE, "!meeting schedule tuesday 6pm Stall planning")
        .await;
    assert!(reply.contains("Stall planning"), "{reply}");
    assert!(
        reply.contains("Tue 1 Dec 2026, 18:00 GMT (Europe/London)"),
        "{reply}"
    );
    let m = entities::meeting::Entity::find()
        .one(&r.db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        m.starts_at,
        Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0).unwrap()
    );
    assert_eq!(m.title, "Stall planning");

    assert!(r.ok(BOB, "!rsvp yes").await.contains("yes"));
    assert!(
        r.ok(BOB, "!agenda add Budget for stalls")
            .await
            .contains("item 1")
    );
    assert!(
        r.ok(CAROL, "!agenda")
            .await
            .contains("1. Budget for stalls"),
        "anyone who can see the meeting reads the agenda"
    );
    assert!(r.ok(ALICE, "!next").await.contains("Coming: 1"));

    // Refusals change nothing and say what to do.
    let before = r.counts().await;
    assert!(
        r.refused(BOB, "!meeting cancel")
            .await
            .contains("conveners")
    );
    assert!(
        r.refused(ALICE, "!meeting schedule whenever suits")
            .await
            .contains("next tuesday 6pm")
    );
    assert!(
        r.refused(ALICE, "!meeting schedule 2025-06-06 12:00")
            .await
            .contains("past")
    );
    assert!(r.refused(BOB, "!dance").await.contains("!help"));
    assert!(r.refused(BOB, "!rsvp perhaps").await.contains("!rsvp yes"));
    assert!(
        r.refused("@stranger:example.org", "!rsvp yes")
            .await
            .contains("don't know you")
    );
    assert_eq!(r.counts().await, before);
    let m = entities::meeting::Entity::find()
        .one(&r.db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.status, MeetingStatus::Scheduled);

    // Moving keeps the agenda and asks again.
    let reply = r.ok(ALICE, "!meeting move 2026-12-03 18:00").await;
    assert!(reply.contains("Thu 3 Dec 2026, 18:00 GMT"), "{reply}");
    assert!(r.ok(CAROL, "!next").await.contains("Thu 3 Dec 2026"));
    assert!(r.ok(BOB, "!agenda").await.contains("Budget for stalls"));

    // Joining and leaving.
    assert!(r.ok(CAROL, "!join delivery").await.contains("delivery"));
    assert!(r.refused(CAROL, "!join").await.contains("already"));
    assert!(r.ok(CAROL, "!leave").await.contains("left"));
    assert!(
        r.ok(ALICE, "!meeting cancel not enough people")
            .await
            .contains("Cancelled")
    );
    assert!(r.refused(ALICE, "!next").await.contains("no meeting"));
    assert!(r.ok(ALICE, "!unlink").await.contains("no longer linked"));
}

async fn an_event_is_handled_once(backend: Backend) {
    let mut r = room(backend).await;
    r.ok(ALICE, "!link co-op-fortnight").await;
    let first = r
        .say_as(
            "$schedule:example.org",
            ALICE,
            "!meeting schedule tomorrow 12:00",
        )
        .await;
    assert!(first.is_some_and(|x| x.ok));
    // The same event again (a replayed sync, a restart): no second meeting,
    // no second reply.
    assert!(
        r.say_as(
            "$schedule:example.org",
            ALICE,
            "!meeting schedule tomorrow 12:00"
        )
        .await
        .is_none()
    );
    assert_eq!(r.db.count("meetings").await, 1);
    // A refused command is answered once too.
    assert!(
        r.say_as("$cancel:example.org", BOB, "!meeting cancel")
            .await
            .is_some()
    );
    assert!(
        r.say_as("$cancel:example.org", BOB, "!meeting cancel")
            .await
            .is_none()
    );
    assert_eq!(r.db.count("bridge_events").await, 3);
}

both!(commands_from_a_room, an_event_is_handled_once);

/// A stand-in for the homeserver in these logic tests: it records what it
/// is sent and can be "down". (The real homeserver is Synapse, in the bot's
/// own tests.)
#[derive(Default)]
struct Recorder {
    sent: std::sync::Mutex<Vec<bridge::notices::Notice>>,
    down: std::sync::atomic::AtomicBool,
    /// Answer the next sends with 429 and this wait.
    limited: std::sync::Mutex<Option<std::time::Duration>>,
    delay_ms: u64,
    /// (room, user) invited.
    invited: std::sync::Mutex<Vec<(String, String)>>,
    /// (room, replacement) tombstoned.
    tombstoned: std::sync::Mutex<Vec<(String, String)>>,
}

impl bridge::deliver::Outlet for Recorder {
    async fn send(
        &self,
        n: &bridge::notices::Notice,
    ) -> Result<String, bridge::deliver::SendError> {
        if self.delay_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(self.delay_ms)).await;
        }
        if let Some(wait) = *self.limited.lock().unwrap() {
            return Err(bridge::deliver::SendError::RateLimited(wait));
        }
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(bridge::deliver::SendError::Unavailable(
                "connection refused".into(),
            ));
        }
        let mut sent = self.sent.lock().unwrap();
        sent.push(n.clone());
        Ok(format!("$posted{}:example.org", sent.len()))
    }

    async fn create_room(
        &self,
        _: &bridge::notices::RoomSpec,
    ) -> Result<String, bridge::deliver::SendError> {
        Ok("!created:example.org".into())
    }

    async fn invite(&self, room: &str, user: &str) -> Result<(), bridge::deliver::SendError> {
        self.invited
            .lock()
            .unwrap()
            .push((room.to_owned(), user.to_owned()));
        Ok(())
    }

    async fn tombstone(
        &self,
        room: &str,
        replacement: &str,
        _: &str,
    ) -> Result<(), bridge::deliver::SendError> {
        self.tombstoned
            .lock()
            .unwrap()
            .push((room.to_owned(), replacement.to_owned()));
        Ok(())
    }
}

async fn notices_are_delivered_in_order_once(backend: Backend) {
    let mut r = room(backend).await;
    r.ok(ALICE, "!link co-op-fortnight").await;
    r.ok(ALICE, "!meeting schedule tuesday 6pm Stall planning")
        .await;
    r.ok(ALICE, "!meeting move 2026-12-03 18:00").await;
    r.ok(ALICE, "!meeting cancel not enough people").await;
    let p = entities::project::Entity::find()
        .one(&r.db.conn)
        .await
        .unwrap()
        .unwrap();
    entities::domain::signups::submit(
        &r.db.conn,
        &Actor::Anonymous,
        entities::domain::signups::NewSignUp {
            display_name: "Frank".into(),
            email: "frank@example.coop".into(),
            project_id: Some(p.id),
            interests: vec!["stalls".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let hs = Recorder::default();
    hs.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let (waiting, _) = entities::domain::outbox::backlog(&r.db.conn).await.unwrap();
    let round = bridge::deliver::round(&r.db.conn, &hs, 100).await.unwrap();
    assert!(round.wait.is_some(), "{round:?}");
    assert_eq!(round.sent, 0);
    assert!(
        entities::domain::outbox::backlog(&r.db.conn)
            .await
            .unwrap()
            .0
            >= waiting - u64::try_from(round.skipped).unwrap()
    );

    hs.down.store(false, std::sync::atomic::Ordering::SeqCst);
    let mut total_sent = 0;
    loop {
        let round = bridge::deliver::round(&r.db.conn, &hs, 2).await.unwrap();
        total_sent += round.sent;
        if round.sent + round.skipped + round.failed == 0 {
            break;
        }
    }
    // Four notices, and the replies to the four commands (queued in the
    // outbox with the command's effect).
    assert_eq!(total_sent, 8);
    let all = hs.sent.lock().unwrap().clone();
    assert_eq!(all.iter().filter(|n| n.in_reply_to.is_some()).count(), 4);
    let sent: Vec<_> = all
        .into_iter()
        .filter(|n| n.in_reply_to.is_none())
        .collect();
    let texts: Vec<&str> = sent
        .iter()
        .map(|n| n.plain.split(':').next().unwrap())
        .collect();
    assert_eq!(texts, ["New meeting", "Moved", "Cancelled", "Sign-up 1"]);
    assert!(sent.iter().all(|n| n.room_id == ROOM));
    assert!(
        sent[1].plain.contains("Thu 3 Dec 2026, 18:00 GMT"),
        "{}",
        sent[1].plain
    );
    assert!(
        sent[3].plain.starts_with("Sign-up 1: Frank would like to help (supporter). Suggested for Co-op Fortnight because: asked to join it")
            && sent[3].plain.ends_with("Conveners: !approve 1 or !decline 1."),
        "{}",
        sent[3].plain
    );
    assert!(
        !sent.iter().any(|n| n.plain.contains("frank@")),
        "no addresses in rooms"
    );
    let mut ids: Vec<&str> = sent.iter().map(|n| n.txn_id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 4, "one transaction id per row");
    assert_eq!(
        entities::domain::outbox::backlog(&r.db.conn)
            .await
            .unwrap()
            .0,
        0
    );
    // Nothing is sent twice.
    let again = bridge::deliver::round(&r.db.conn, &hs, 100).await.unwrap();
    assert_eq!(again, bridge::deliver::Round::default());
    assert_eq!(hs.sent.lock().unwrap().len(), 8);
    // Announcements are remembered, so reactions to them find the meeting.
    assert_eq!(r.db.count("room_posts").await, 8);
}

/// Two bridges on one PostgreSQL: the second skips the rows the first has
/// claimed, so nothing is delivered twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_bridge_delivers_nothing_twice() {
    let mut r = room(Backend::Postgres).await;
    r.ok(ALICE, "!link co-op-fortnight").await;
    for day in 1..=6 {
        r.ok(
            ALICE,
            &format!("!meeting schedule 2026-12-0{day} 18:00 Meeting {day}"),
        )
        .await;
    }
    let hs = Recorder {
        delay_ms: 30,
        ..Recorder::default()
    };
    let (a, b) = tokio::join!(
        bridge::deliver::round(&r.db.conn, &hs, 100),
        bridge::deliver::round(&r.db.conn, &hs, 100)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let sent = hs.sent.lock().unwrap().clone();
    let mut ids: Vec<String> = sent.iter().map(|n| n.txn_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        sent.len(),
        "a row was delivered twice: {a:?} {b:?}"
    );
    // Six announcements and seven replies.
    assert_eq!(a.sent + b.sent, 13);
    assert_eq!(sent.iter().filter(|n| n.in_reply_to.is_none()).count(), 6);
}

both!(notices_are_delivered_in_order_once);

/// Delivers everything waiting and returns the notices that are not
/// replies, in order.
async fn drain(r: &Room, hs: &Recorder) -> Vec<bridge::notices::Notice> {
    let before = hs.sent.lock().unwrap().len();
    loop {
        let round = bridge::deliver::round(&r.db.conn, hs, 100).await.unwrap();
        if round.sent + round.skipped + round.failed == 0 {
            break;
        }
    }
    hs.sent.lock().unwrap()[before..]
        .iter()
        .filter(|n| n.in_reply_to.is_none())
        .cloned()
        .collect()
}

async fn alerts_go_out_once_at_their_time(backend: Backend) {
    use entities::domain::alerts::{AlertPolicy, Sent, run_due};
    let mut r = room(backend).await;
    let hs = Recorder::default();
    let policy = AlertPolicy::default();
    r.ok(ALICE, "!link co-op-fortnight").await;
    r.ok(ALICE, "!meeting schedule 2026-12-10 18:00 Stall planning")
        .await;
    let alice = rooms_actor(&r, ALICE).await;
    let m = entities::meeting::Entity::find()
        .one(&r.db.conn)
        .await
        .unwrap()
        .unwrap();
    set_quorum(&r, &alice, m.id, 3).await;
    r.ok(ALICE, "!agenda add Stall rota").await;
    drain(&r, &hs).await;
    let t = m.starts_at;
    let h = chrono::Duration::hours;

    assert_eq!(
        run_due(&r.db.conn, t - h(49), &policy).await.unwrap(),
        Sent::default()
    );
    let sent = run_due(&r.db.conn, t - h(47), &policy).await.unwrap();
    assert_eq!(
        sent,
        Sent {
            reminders: 0,
            quorum_warnings: 1,
            agendas: 1
        }
    );
    assert_eq!(
        run_due(&r.db.conn, t - h(46), &policy).await.unwrap(),
        Sent::default(),
        "never twice"
    );
    let posted = drain(&r, &hs).await;
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert!(
        posted[0].plain.starts_with("Agenda for Stall planning"),
        "{}",
        posted[0].plain
    );
    assert!(posted[0].plain.contains("1. Stall rota"));
    assert!(
        posted[1].plain.starts_with("Quorum in danger"),
        "{}",
        posted[1].plain
    );
    assert!(
        posted[1].plain.contains("quorum of 3"),
        "{}",
        posted[1].plain
    );
    assert!(posted[1].plain.contains("!meeting confirm"));

    r.ok(ALICE, "!rsvp yes").await;
    assert_eq!(
        run_due(&r.db.conn, t - h(23), &policy).await.unwrap(),
        Sent {
            reminders: 1,
            quorum_warnings: 0,
            agendas: 0
        }
    );
    let posted = drain(&r, &hs).await;
    assert!(
        posted[0].plain.starts_with("Reminder: Stall planning"),
        "{}",
        posted[0].plain
    );
    assert!(
        posted[0].plain.contains("in 24 hours"),
        "{}",
        posted[0].plain
    );
    assert!(
        posted[0].plain.contains("Not answered yet: bob."),
        "{}",
        posted[0].plain
    );
    assert_eq!(
        posted[0].meeting_id,
        Some(m.id),
        "reactions to it are RSVPs"
    );
    let sent = run_due(&r.db.conn, t - chrono::Duration::minutes(30), &policy)
        .await
        .unwrap();
    assert_eq!(sent.reminders, 1);
    assert!(drain(&r, &hs).await[0].plain.contains("in an hour"));
    assert_eq!(
        run_due(&r.db.conn, t - chrono::Duration::minutes(5), &policy)
            .await
            .unwrap(),
        Sent::default()
    );
    assert_eq!(
        run_due(&r.db.conn, t + h(1), &policy).await.unwrap(),
        Sent::default(),
        "nothing after the start"
    );
}

async fn alerts_skip_moved_cancelled_and_stale(backend: Backend) {
    use entities::domain::alerts::{AlertPolicy, run_due};
    let mut r = room(backend).await;
    let hs = Recorder::default();
    let policy = AlertPolicy::default();
    r.ok(ALICE, "!link co-op-fortnight").await;
    // One meeting, moved: the old time gets nothing, the new time its own.
    r.ok(ALICE, "!meeting schedule 2026-12-10 18:00 Planning")
        .await;
    r.ok(ALICE, "!meeting move 2026-12-12 18:00").await;
    drain(&r, &hs).await;
    let old = Utc.with_ymd_and_hms(2026, 12, 10, 18, 0, 0).unwrap();
    let new = Utc.with_ymd_and_hms(2026, 12, 12, 18, 0, 0).unwrap();
    let sent = run_due(&r.db.conn, old - chrono::Duration::minutes(30), &policy)
        .await
        .unwrap();
    assert_eq!(sent.reminders, 0, "no reminder for the old time");
    // The bridge was down until 30 minutes before the new time: one
    // reminder (the hour's), not the stale 24-hour one as well.
    let sent = run_due(&r.db.conn, new - chrono::Duration::minutes(30), &policy)
        .await
        .unwrap();
    assert_eq!(sent.reminders, 1);
    let posted: Vec<String> = drain(&r, &hs)
        .await
        .into_iter()
        .map(|n| n.plain)
        .filter(|p| p.starts_with("Reminder"))
        .collect();
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert!(posted[0].contains("in an hour"), "{}", posted[0]);
    assert!(posted[0].contains("Sat 12 Dec 2026"), "{}", posted[0]);

    // A cancelled meeting gets nothing; a confirmed one no quorum warning.
    r.ok(ALICE, "!meeting schedule 2026-12-20 18:00 Cancelled one")
        .await;
    let alice = rooms_actor(&r, ALICE).await;
    let c = entities::meeting::Entity::find()
        .filter(entities::meeting::Column::Title.eq("Cancelled one"))
        .one(&r.db.conn)
        .await
        .unwrap()
        .unwrap();
    meetings::cancel(&r.db.conn, &alice, c.id, None)
        .await
        .unwrap();
    let later = Utc.with_ymd_and_hms(2026, 12, 20, 17, 30, 0).unwrap();
    let sent = run_due(&r.db.conn, later, &policy).await.unwrap();
    assert_eq!(sent, entities::domain::alerts::Sent::default());

    r.ok(ALICE, "!meeting schedule 2027-01-05 18:00 Confirmed one")
        .await;
    let m = entities::meeting::Entity::find()
        .filter(entities::meeting::Column::Title.eq("Confirmed one"))
        .one(&r.db.conn)
        .await
        .unwrap()
        .unwrap();
    set_quorum(&r, &alice, m.id, 5).await;
    assert!(
        r.refused(BOB, "!meeting confirm")
            .await
            .contains("convener")
    );
    // The room's next meeting is still Planning (12 Dec): confirm that one
    // from the room, and this one as the API would.
    let reply = r.ok(ALICE, "!meeting confirm").await;
    assert!(reply.starts_with("Confirmed: Planning"), "{reply}");
    assert!(
        r.refused(ALICE, "!meeting confirm")
            .await
            .contains("already confirmed")
    );
    meetings::confirm(&r.db.conn, &alice, m.id).await.unwrap();
    let sent = run_due(
        &r.db.conn,
        m.starts_at - chrono::Duration::hours(47),
        &policy,
    )
    .await
    .unwrap();
    assert_eq!(sent.quorum_warnings, 0, "confirmed: no warning");
    assert_eq!(sent.agendas, 1);
}

async fn set_quorum(r: &Room, convener: &Actor, meeting: uuid::Uuid, quorum: i32) {
    meetings::update(
        &r.db.conn,
        convener,
        meeting,
        meetings::MeetingPatch {
            title: None,
            kind: None,
            format: None,
            location: None,
            quorum: Some(quorum),
            visibility: None,
            status: None,
        },
    )
    .await
    .unwrap();
}

async fn rooms_actor(r: &Room, who: &str) -> Actor {
    entities::domain::rooms::sender(&r.db.conn, who)
        .await
        .unwrap()
        .unwrap()
}

async fn actions_and_attendance_from_the_room(backend: Backend) {
    let mut r = room(backend).await;
    r.ok(ALICE, "!link co-op-fortnight").await;
    // A meeting that started half an hour ago.
    let alice = rooms_actor(&r, ALICE).await;
    let p = entities::project::Entity::find()
        .one(&r.db.conn)
        .await
        .unwrap()
        .unwrap();
    meetings::schedule(
        &r.db.conn,
        &alice,
        meetings::NewMeeting {
            group_id: None,
            project_id: Some(p.id),
            title: "Stall planning".into(),
            kind: None,
            format: None,
            starts_at: now() - chrono::Duration::minutes(30),
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
    r.ok(ALICE, "!agenda add Stall rota").await;
    assert!(
        r.ok(BOB, "!actions").await.starts_with("No open actions"),
        "empty at first"
    );
    let reply = r
        .ok(
            BOB,
            "!action add Book the hall @alice:example.org by 2026-12-05",
        )
        .await;
    assert_eq!(
        reply,
        "Action 1 added for alice, due Sat 5 Dec 2026: Book the hall"
    );
    let reply = r.ok(BOB, "!action add Print leaflets").await;
    assert!(reply.starts_with("Action 2 added: Print"), "{reply}");
    let before = r.counts().await;
    assert!(
        r.refused(BOB, "!action add Ring round @nobody:example.org")
            .await
            .contains("@nobody:example.org is not in Muster")
    );
    assert!(r.refused(BOB, "!done 9").await.contains("action"));
    assert_eq!(r.counts().await, before, "refusals change nothing");
    let list = r.ok(CAROL, "!actions").await;
    assert!(
        list.contains("1. Book the hall — alice, by Sat 5 Dec"),
        "{list}"
    );
    assert!(list.contains("2. Print leaflets"), "{list}");
    // bob added action 1 for alice: he may close it; carol (not a member
    // of the project, not its owner) may not close 2.
    assert!(r.refused(CAROL, "!done 2").await.contains("convener"));
    assert_eq!(r.ok(BOB, "!done 1").await, "Done: 1. Book the hall");
    assert!(r.refused(BOB, "!done 1").await.contains("already done"));
    let list = r.ok(BOB, "!actions").await;
    assert!(!list.contains("Book the hall"), "{list}");

    // Attendance: conveners only; unknown people named; the meeting is
    // then held and its open agenda items wait for the next one.
    assert!(
        r.refused(BOB, "!attended @alice:example.org")
            .await
            .contains("convener")
    );
    assert!(
        r.refused(ALICE, "!attended @alice:example.org @zed:example.org")
            .await
            .contains("@zed:example.org is not in Muster")
    );
    let reply = r.ok(ALICE, "!attended @alice @bob:example.org").await;
    assert!(
        reply.starts_with("Recorded: 2 came to Stall planning"),
        "{reply}"
    );
    assert_eq!(r.db.count("attendance").await, 2);
    assert!(
        r.refused(ALICE, "!attended @alice")
            .await
            .contains("no meeting has started")
    );
    // Actions still attach to the meeting just held.
    assert!(
        r.ok(ALICE, "!action add Send thanks")
            .await
            .starts_with("Action 3")
    );
}

both!(
    alerts_go_out_once_at_their_time,
    alerts_skip_moved_cancelled_and_stale,
    actions_and_attendance_from_the_room
);

impl Room {
    /// Reacts to a message the bot posted (found by its text).
    async fn react(&mut self, sender: &str, posted: &str, key: &str) -> Option<Reply> {
        self.n += 1;
        let id = format!("$reaction{}:example.org", self.n);
        bridge::run::react(
            &self.db.conn,
            &bridge::run::Reaction {
                event_id: &id,
                room_id: ROOM,
                sender,
                target: posted,
                key,
            },
        )
        .await
        .unwrap()
    }
}

/// The event id the Recorder gave the posted notice whose text starts so.
fn posted(hs: &Recorder, starts: &str) -> String {
    let sent = hs.sent.lock().unwrap();
    let i = sent
        .iter()
        .position(|n| n.plain.starts_with(starts))
        .unwrap_or_else(|| panic!("nothing posted starting with {starts}"));
    format!("$posted{}:example.org", i + 1)
}

async fn date_polls_from_the_room(backend: Backend) {
    let mut r = room(backend).await;
    let hs = Recorder::default();
    r.ok(ALICE, "!link co-op-fortnight").await;
    // Bad input: one time, or words that are not times.
    let before = r.counts().await;
    assert!(
        r.refused(ALICE, "!poll 2026-12-08 18:00")
            .await
            .contains("between 2 and 10")
    );
    assert!(
        r.refused(ALICE, "!poll whenever | 2026-12-08 18:00")
            .await
            .contains("whenever")
    );
    assert!(
        r.refused(BOB, "!poll 2026-12-08 18:00 | 2026-12-09 18:00")
            .await
            .contains("convener")
    );
    assert_eq!(r.counts().await, before, "refusals change nothing");

    let reply = r
        .ok(
            ALICE,
            "!poll 2026-12-08 18:00 | 2026-12-09 18:00|2026-12-10 18:00",
        )
        .await;
    assert!(reply.starts_with("Poll open with 3 times"), "{reply}");
    let posts = drain(&r, &hs).await;
    let texts: Vec<&str> = posts.iter().map(|n| n.plain.as_str()).collect();
    assert!(
        texts[0].starts_with("Date poll: Co-op Fortnight meeting"),
        "{texts:?}"
    );
    assert!(
        texts[2].starts_with("Option 2: Wed 9 Dec 2026, 18:00 GMT"),
        "{texts:?}"
    );
    assert!(posts[1..].iter().all(|n| n.poll_option_id.is_some()));

    // A tie (one vote each) goes to the option a convener chose.
    assert!(r.react(BOB, &posted(&hs, "Option 1"), "✅").await.is_none());
    assert!(
        r.react(ALICE, &posted(&hs, "Option 2"), "✅")
            .await
            .is_none()
    );
    assert!(
        r.react(BOB, &posted(&hs, "Option 3"), "🤔").await.is_none(),
        "only ✅ votes"
    );
    assert_eq!(r.db.count("poll_votes").await, 2);
    assert!(r.refused(BOB, "!poll close").await.contains("convener"));
    let reply = r.ok(ALICE, "!poll close").await;
    assert_eq!(
        reply,
        "Poll closed: Co-op Fortnight meeting — Wed 9 Dec 2026, 18:00 GMT (Europe/London)."
    );
    let posts: Vec<String> = drain(&r, &hs).await.into_iter().map(|n| n.plain).collect();
    assert!(
        posts.iter().any(|p| p.starts_with("Poll closed")),
        "{posts:?}"
    );
    assert!(
        posts
            .iter()
            .any(|p| p.starts_with("New meeting: Co-op Fortnight meeting")),
        "{posts:?}"
    );
    assert!(
        r.refused(ALICE, "!poll close")
            .await
            .contains("no open poll")
    );

    // Postponing the meeting: those who said yes vote; closing moves it.
    r.ok(BOB, "!rsvp yes").await;
    let reply = r
        .ok(
            ALICE,
            "!meeting postpone 2026-12-16 18:00 | 2026-12-17 18:00",
        )
        .await;
    assert!(
        reply.starts_with("Poll open to postpone Co-op Fortnight meeting"),
        "{reply}"
    );
    drain(&r, &hs).await;
    let option2 = {
        let sent = hs.sent.lock().unwrap();
        let i = sent
            .iter()
            .rposition(|n| n.plain.starts_with("Option 2"))
            .unwrap();
        format!("$posted{}:example.org", i + 1)
    };
    let refused = r.react(CAROL, &option2, "✅").await.expect("a refusal");
    assert!(
        refused.plain.contains("those who said yes"),
        "{}",
        refused.plain
    );
    assert!(r.react(BOB, &option2, "✅").await.is_none());
    let reply = r.ok(ALICE, "!poll close").await;
    assert!(reply.contains("Thu 17 Dec 2026, 18:00"), "{reply}");
    let statuses: Vec<(String, MeetingStatus)> = entities::meeting::Entity::find()
        .all(&r.db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.starts_at.format("%d").to_string(), m.status))
        .collect();
    assert!(
        statuses.contains(&("09".into(), MeetingStatus::Postponed)),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("17".into(), MeetingStatus::Scheduled)),
        "{statuses:?}"
    );
}

#[test]
fn a_poll_tie_goes_to_conveners_then_the_earliest_time() {
    use entities::domain::polls::winner;
    let at = |d| Utc.with_ymd_and_hms(2026, 12, d, 18, 0, 0).unwrap();
    let opt = |d: u32| entities::poll_option::Model {
        id: uuid::Uuid::from_u128(u128::from(d)),
        poll_id: uuid::Uuid::nil(),
        position: i32::try_from(d).unwrap(),
        starts_at: at(d),
    };
    let options = [opt(3), opt(1), opt(2)];
    let id = |d: u32| uuid::Uuid::from_u128(u128::from(d));
    let tally =
        std::collections::HashMap::from([(id(1), (2, 0)), (id(2), (2, 1)), (id(3), (1, 1))]);
    assert_eq!(
        winner(&options, &tally).unwrap().starts_at,
        at(2),
        "conveners break the tie"
    );
    let tally =
        std::collections::HashMap::from([(id(1), (2, 1)), (id(2), (2, 1)), (id(3), (2, 1))]);
    assert_eq!(
        winner(&options, &tally).unwrap().starts_at,
        at(1),
        "then the earliest"
    );
    let tally = std::collections::HashMap::from([(id(3), (3, 0))]);
    assert_eq!(
        winner(&options, &tally).unwrap().starts_at,
        at(3),
        "most votes first"
    );
}

both!(date_polls_from_the_room);

/// A 429 stops the round with the homeserver's wait; nothing is lost or
/// sent out of order.
async fn rate_limits_are_honoured(backend: Backend) {
    let mut r = room(backend).await;
    let hs = Recorder::default();
    r.ok(ALICE, "!link co-op-fortnight").await;
    drain(&r, &hs).await;
    r.ok(ALICE, "!meeting schedule 2026-12-08 18:00 First")
        .await;
    r.ok(ALICE, "!meeting schedule 2026-12-09 18:00 Second")
        .await;
    *hs.limited.lock().unwrap() = Some(std::time::Duration::from_millis(1500));
    let round = bridge::deliver::round(&r.db.conn, &hs, 100).await.unwrap();
    assert_eq!(round.sent, 0);
    assert_eq!(round.wait, Some(std::time::Duration::from_millis(1500)));
    assert!(
        entities::domain::outbox::backlog(&r.db.conn)
            .await
            .unwrap()
            .0
            >= 4,
        "the rows wait"
    );
    *hs.limited.lock().unwrap() = None;
    let posted: Vec<String> = drain(&r, &hs).await.into_iter().map(|n| n.plain).collect();
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert!(posted[0].starts_with("New meeting: First"));
    assert!(posted[1].starts_with("New meeting: Second"));
}

both!(rate_limits_are_honoured);

async fn health_in_the_room(backend: Backend) {
    let mut r = room(backend).await;
    r.ok(ALICE, "!link co-op-fortnight").await;
    let reply = r.ok(BOB, "!health").await;
    assert!(
        reply.starts_with("Co-op Fortnight: 0 meeting(s) held and 0 called off in 90 days"),
        "{reply}"
    );
    assert!(reply.contains("1 convener(s)"), "{reply}");
    assert!(reply.contains("No warning signs."), "{reply}");
}

both!(health_in_the_room);

async fn a_weekly_health_digest_goes_to_the_rooms_once(backend: Backend) {
    use entities::domain::health::{HealthPolicy, run_weekly_digest};
    let mut r = room(backend).await;
    let hs = Recorder::default();
    r.ok(ALICE, "!link co-op-fortnight").await;
    drain(&r, &hs).await;
    let monday = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let policy = HealthPolicy::default();
    // The group has no convener of its own (alice convenes the project).
    assert_eq!(
        run_weekly_digest(&r.db.conn, monday, policy).await.unwrap(),
        1
    );
    let later = monday + chrono::Duration::days(3);
    assert_eq!(
        run_weekly_digest(&r.db.conn, later, policy).await.unwrap(),
        0,
        "once a week"
    );
    let posted = drain(&r, &hs).await;
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert!(
        posted[0].plain.starts_with(
            "Weekly health check for Movement Building:\n⚠ NoConvener: nobody convenes it"
        ),
        "{}",
        posted[0].plain
    );
    let next_week = monday + chrono::Duration::days(7);
    assert_eq!(
        run_weekly_digest(&r.db.conn, next_week, policy)
            .await
            .unwrap(),
        1
    );
}

both!(a_weekly_health_digest_goes_to_the_rooms_once);

/// The project linked to the test room.
async fn linked_project(r: &mut Room) -> entities::project::Model {
    r.ok(ALICE, "!link co-op-fortnight").await;
    entities::project::Entity::find()
        .one(&r.db.conn)
        .await
        .unwrap()
        .unwrap()
}

async fn join_offers_the_roles(backend: Backend) {
    let mut r = room(backend).await;
    let p = linked_project(&mut r).await;
    // No roles yet: !join joins, as before.
    assert!(r.ok(CAROL, "!join").await.contains("Welcome"));
    r.ok(CAROL, "!leave").await;
    let alice = rooms_actor(&r, ALICE).await;
    for (name, involvement, hours, what) in [
        (
            "Stall holder",
            entities::Involvement::Delivery,
            Some(6),
            "Runs a stall on the day.",
        ),
        (
            "Friend",
            entities::Involvement::Supporter,
            None,
            "Shares the posts.",
        ),
    ] {
        entities::domain::roles::define(
            &r.db.conn,
            &alice,
            entities::domain::roles::NewRole {
                group_id: None,
                project_id: Some(p.id),
                name: name.into(),
                involvement,
                hours_per_month: hours,
                description: what.into(),
            },
        )
        .await
        .unwrap();
    }
    let before = r.counts().await;
    let offer = r.ok(CAROL, "!join").await;
    assert_eq!(
        offer,
        "Co-op Fortnight asks for these roles:\n1. Stall holder — delivery, about 6 hours a month: Runs a stall on the day.\n2. Friend — supporter: Shares the posts.\nType !join <number> to take one, or !join supporter to help without a role."
    );
    assert_eq!(r.counts().await, before, "offering joins nobody");
    assert!(r.refused(CAROL, "!join 3").await.contains("2 role(s)"));
    let joined = r.ok(CAROL, "!join 1").await;
    assert!(
        joined.starts_with("Welcome to Co-op Fortnight as Stall holder"),
        "{joined}"
    );
    let ms = entities::membership::Entity::find()
        .filter(entities::membership::Column::ProjectId.eq(p.id))
        .filter(entities::membership::Column::Involvement.eq(entities::Involvement::Delivery))
        .filter(entities::membership::Column::CommitmentHours.eq(6))
        .all(&r.db.conn)
        .await
        .unwrap();
    assert!(ms.iter().any(|m| m.role_id.is_some()), "{ms:?}");
}

async fn sign_ups_are_routed_approved_in_the_room_and_checked_on(backend: Backend) {
    let mut r = room(backend).await;
    let p = linked_project(&mut r).await;
    let hs = Recorder::default();
    drain(&r, &hs).await;
    let submit = |name: &str, email: &str, matrix: Option<&str>, interests: &[&str]| {
        entities::domain::signups::NewSignUp {
            display_name: name.into(),
            email: email.into(),
            group_id: Some(p.group_id),
            project_id: None,
            interests: interests.iter().map(|s| (*s).to_owned()).collect(),
            involvement: Some(entities::Involvement::Delivery),
            message: Some("I run a bakery co-op".into()),
            matrix_user_id: matrix.map(str::to_owned),
        }
    };
    // A bad Matrix id is refused and nothing is stored.
    let e = entities::domain::signups::submit(
        &r.db.conn,
        &Actor::Anonymous,
        submit("Dan", "dan@example.coop", Some("dan"), &[]),
    )
    .await
    .unwrap_err();
    assert_eq!(e.field(), Some("matrix_user_id"), "{e}");
    assert_eq!(r.db.count("sign_ups").await, 0);
    for (name, email, matrix) in [
        ("Frank", "frank@example.coop", Some("@frank:example.org")),
        ("Gina", "gina@example.coop", None),
    ] {
        entities::domain::signups::submit(
            &r.db.conn,
            &Actor::Anonymous,
            submit(name, email, matrix, &["celebrating co-ops", "knitting"]),
        )
        .await
        .unwrap();
    }
    // Each is posted to the room of the project it suits, with its number.
    let posted = drain(&r, &hs).await;
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert_eq!(
        posted[0].plain,
        "Sign-up 1: Frank would like to help (delivery). Suggested for Co-op Fortnight because: interested in celebrating co-ops. They wrote: \u{201c}I run a bakery co-op\u{201d} Conveners: !approve 1 or !decline 1."
    );
    assert!(!posted.iter().any(|n| n.plain.contains("@example.coop")));

    let before = r.counts().await;
    assert!(r.refused(BOB, "!approve 1").await.contains("conveners"));
    assert!(r.refused(ALICE, "!approve 9").await.contains("number"));
    assert_eq!(r.counts().await, before);
    let approved = r.ok(ALICE, "!approve 1").await;
    assert!(
        approved.contains("Frank is now in Co-op Fortnight")
            && approved.contains("inviting @frank:example.org"),
        "{approved}"
    );
    assert!(
        r.refused(ALICE, "!approve 1")
            .await
            .contains("already approved")
    );
    assert!(
        r.ok(ALICE, "!decline 2")
            .await
            .contains("Declined sign-up 2 (Gina)")
    );
    drain(&r, &hs).await;
    assert_eq!(
        *hs.invited.lock().unwrap(),
        vec![(ROOM.to_owned(), "@frank:example.org".to_owned())]
    );
    let frank = entities::member::Entity::find()
        .filter(entities::member::Column::MatrixUserId.eq("@frank:example.org"))
        .one(&r.db.conn)
        .await
        .unwrap()
        .expect("Frank is a member, with his Matrix id");
    let frank_in = entities::membership::Entity::find()
        .filter(entities::membership::Column::MemberId.eq(frank.id))
        .filter(entities::membership::Column::ProjectId.eq(p.id))
        .one(&r.db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(frank_in.involvement, entities::Involvement::Delivery);

    // Two weeks on, Frank has come to nothing: the convener is reminded,
    // once.
    let later = Utc::now() + chrono::Duration::days(15);
    assert_eq!(
        entities::domain::signups::run_check_ins(&r.db.conn, Utc::now(), 14)
            .await
            .unwrap(),
        0,
        "not yet"
    );
    assert_eq!(
        entities::domain::signups::run_check_ins(&r.db.conn, later, 14)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        entities::domain::signups::run_check_ins(&r.db.conn, later, 14)
            .await
            .unwrap(),
        0
    );
    let check = drain(&r, &hs).await;
    assert_eq!(check.len(), 1, "{check:?}");
    assert!(
        check[0].plain.starts_with("Check-in: Frank joined Co-op Fortnight 14 days ago (sign-up 1) and has not come to anything yet. @alice:example.org"),
        "{}",
        check[0].plain
    );
}

async fn outreach_calls_from_the_room(backend: Backend) {
    let mut r = room(backend).await;
    let p = linked_project(&mut r).await;
    let alice = rooms_actor(&r, ALICE).await;
    let mut orgs = Vec::new();
    for name in ["Riverside Co-op", "Print Co-op", "Spokes Bike Co-op"] {
        orgs.push(r.db.member_coop(name).await);
    }
    let bob = rooms_actor(&r, BOB).await;
    assert_eq!(
        entities::domain::outreach::add_contacts(&r.db.conn, &bob, p.id, &orgs)
            .await
            .unwrap_err()
            .code(),
        entities::ErrorCode::Forbidden,
        "conveners add contacts"
    );
    let added = entities::domain::outreach::add_contacts(&r.db.conn, &alice, p.id, &orgs)
        .await
        .unwrap();
    assert_eq!(added.len(), 3);
    assert!(r.refused(CAROL, "!calls next").await.contains("members"));

    let first = r.ok(BOB, "!calls next").await;
    let second = r.ok(ALICE, "!calls next").await;
    let name = |s: &str| {
        s.split(" (")
            .next()
            .unwrap()
            .trim_start_matches("Your next call: ")
            .to_owned()
    };
    assert_ne!(name(&first), name(&second), "{first} / {second}");
    assert_eq!(
        name(&r.ok(BOB, "!calls next").await),
        name(&first),
        "Bob keeps his"
    );
    // Logging someone else's call is refused; their own is recorded.
    let theirs = name(&second);
    let msg = r
        .refused(BOB, &format!("!calls log \"{theirs}\" talked"))
        .await;
    assert!(msg.contains("alice is calling"), "{msg}");
    assert!(
        r.refused(BOB, "!calls log co-op talked")
            .await
            .contains("matches 3")
    );
    let logged = r
        .ok(
            BOB,
            &format!("!calls log \"{}\" interested Wants a visit", name(&first)),
        )
        .await;
    assert!(
        logged.starts_with(&format!("Logged: {} — interested", name(&first))),
        "{logged}"
    );
    let progress = r.ok(BOB, "!calls").await;
    assert!(
        progress.starts_with("Co-op Fortnight: 1 of 3 co-ops reached (interested 1, talked 0, not now 0); to contact 2, no answer 0; 1 being called now."),
        "{progress}"
    );
    let third = r.ok(BOB, "!calls next").await;
    assert_ne!(name(&third), name(&first));
    assert_ne!(name(&third), name(&second));
    assert!(r.ok(CAROL, "!join").await.contains("Welcome"));
    assert!(
        r.ok(CAROL, "!calls next")
            .await
            .starts_with("Nobody is left to call")
    );
    let contacts = entities::domain::outreach::contacts(&r.db.conn, &alice, p.id, None)
        .await
        .unwrap();
    let noted = contacts
        .iter()
        .find(|c| c.organisation.name == name(&first))
        .unwrap();
    assert!(
        noted
            .contact
            .notes
            .ends_with("bob: interested — Wants a visit"),
        "{}",
        noted.contact.notes
    );
}

/// Many volunteers asking at the same instant never get the same co-op.
async fn never_the_same_coop_to_two_callers(backend: Backend) {
    let mut r = room(backend).await;
    let p = linked_project(&mut r).await;
    let alice = rooms_actor(&r, ALICE).await;
    let mut orgs = Vec::new();
    let mut callers = Vec::new();
    for i in 0..8 {
        orgs.push(r.db.member_coop(format!("Co-op {i}")).await);
        let m = members::create(
            &r.db.conn,
            &Actor::System,
            members::NewMember {
                display_name: format!("Caller {i}"),
                matrix_user_id: Some(format!("@caller{i}:example.org")),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        memberships::create(
            &r.db.conn,
            &Actor::System,
            memberships::NewMembership {
                member_id: m.id,
                group_id: None,
                project_id: Some(p.id),
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
        callers.push(rooms_actor(&r, &format!("@caller{i}:example.org")).await);
    }
    entities::domain::outreach::add_contacts(&r.db.conn, &alice, p.id, &orgs[..6])
        .await
        .unwrap();
    let asks = callers
        .iter()
        .map(|a| entities::domain::outreach::next(&r.db.conn, a, p.id));
    let got: Vec<Option<uuid::Uuid>> = futures::future::join_all(asks)
        .await
        .into_iter()
        .map(|c| c.unwrap().map(|c| c.organisation.id))
        .collect();
    let mut given: Vec<uuid::Uuid> = got.iter().flatten().copied().collect();
    given.sort();
    given.dedup();
    assert_eq!(given.len(), 6, "six co-ops, each to one caller: {got:?}");
    assert_eq!(got.iter().filter(|c| c.is_none()).count(), 2, "{got:?}");
}

both!(
    join_offers_the_roles,
    sign_ups_are_routed_approved_in_the_room_and_checked_on,
    outreach_calls_from_the_room,
    never_the_same_coop_to_two_callers
);
