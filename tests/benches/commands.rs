//! Criterion benchmarks of the bridge without a network: parsing chat
//! commands (the clap grammar plus the time reader), and the whole domain
//! path of `!rsvp yes` — sender to member, room to project, the RSVP, the
//! event id recorded and the reply queued — on SQLite (a file, WAL, as
//! `muster serve` runs it).
//!
//!   cargo bench -p muster-tests --bench commands

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::{Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use entities::Actor;
use entities::domain::{groups, meetings, members, memberships, projects, rooms};
use muster_tests::{Backend, fresh_db};

fn parsing(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    for line in [
        "!rsvp yes",
        "!meeting schedule next tuesday 6pm Stall planning",
        "!calls log \"Riverside Co-op\" interested Wants a visit",
        "hello everyone, see you tuesday",
    ] {
        g.bench_function(line, |b| {
            b.iter(|| bridge::command::parse(std::hint::black_box(line)));
        });
    }
    g.bench_function("when: next tuesday 6pm", |b| {
        let words: Vec<String> = ["next", "tuesday", "6pm"].map(String::from).to_vec();
        let now = Utc::now();
        b.iter(|| bridge::when::read(std::hint::black_box(&words), now, chrono_tz::Europe::London));
    });
    g.finish();
}

fn rsvp_path(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let db = rt.block_on(async {
        let db = fresh_db(Backend::Sqlite).await;
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
        rooms::link(&db.conn, sys, p.id, "!room:example.org")
            .await
            .unwrap();
        let m = members::create(
            &db.conn,
            sys,
            members::NewMember {
                display_name: "Alice".into(),
                matrix_user_id: Some("@alice:example.org".into()),
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
                role: entities::Role::Convener,
                involvement: None,
                commitment_hours: None,
                status: None,
                since: None,
                role_id: None,
            },
        )
        .await
        .unwrap();
        meetings::schedule(
            &db.conn,
            sys,
            meetings::NewMeeting {
                group_id: None,
                project_id: Some(p.id),
                title: "Planning".into(),
                kind: None,
                format: None,
                starts_at: Utc::now() + Duration::days(3),
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
        db
    });
    let n = std::sync::atomic::AtomicU64::new(0);
    c.bench_function("!rsvp yes (domain path, SQLite)", |b| {
        b.to_async(&rt).iter(|| {
            let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let answer = if i.is_multiple_of(2) {
                "!rsvp yes"
            } else {
                "!rsvp maybe"
            };
            let event = format!("$bench{i}:example.org");
            let conn = &db.conn;
            async move {
                let msg = bridge::run::Incoming {
                    event_id: &event,
                    room_id: "!room:example.org",
                    sender: "@alice:example.org",
                    body: answer,
                    now: Utc::now(),
                    health: entities::domain::health::HealthPolicy::default(),
                };
                let reply = bridge::run::handle(conn, &msg).await.unwrap().unwrap();
                assert!(reply.ok, "{}", reply.plain);
            }
        });
    });
}

criterion_group!(benches, parsing, rsvp_path);
criterion_main!(benches);
