//! `muster doctor` on real parts: a healthy database, one with migrations
//! pending (left as it was), one that cannot be reached, bad settings,
//! notices waiting too long; and against the real Synapse, a valid
//! password, a stored session, a wrong password, an unreachable
//! homeserver and a linked room the bot is not in.

use std::path::Path;

use api::Settings;
use api::doctor::{Finding, Status, diagnose, worst};
use api::settings::{Secret, SettingsError};
use entities::Actor;
use entities::domain::rooms;
use muster_tests::matrix::{Person, TestBot, homeserver, register};
use muster_tests::{Backend, TestDb, empty_db, fresh_db};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};

fn settings(url: &str) -> Settings {
    Settings {
        database_url: url.to_owned(),
        ..Settings::default()
    }
}

fn find<'a>(report: &'a [Finding], check: &str) -> &'a Finding {
    report
        .iter()
        .find(|f| f.check == check)
        .unwrap_or_else(|| panic!("no {check} line in {report:#?}"))
}

/// Loads the demo data and links its first project to `room`.
async fn demo_project_linked_to(db: &TestDb, room: &str) -> entities::project::Model {
    entities::demo::seed(&db.conn).await.unwrap();
    let project = entities::project::Entity::find()
        .one(&db.conn)
        .await
        .unwrap()
        .unwrap();
    rooms::link(&db.conn, &Actor::System, project.id, room)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_checks_settings_database_migrations_and_outbox() {
    // Healthy.
    let db = fresh_db(Backend::Sqlite).await;
    let report = diagnose(Ok(settings(&db.url))).await;
    assert_eq!(worst(&report), Status::Ok, "{report:#?}");
    for check in ["settings", "database", "migrations", "outbox"] {
        assert_eq!(find(&report, check).status, Status::Ok);
    }

    // Migrations pending: a warning with the command, and nothing created.
    let empty = empty_db(Backend::Postgres).await;
    let report = diagnose(Ok(settings(&empty.url))).await;
    let m = find(&report, "migrations");
    assert_eq!(m.status, Status::Warn, "{m}");
    assert!(m.fix.as_deref().unwrap().contains("muster migrate"), "{m}");
    let tables = empty
        .conn
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(tables, 0, "the doctor changes nothing");

    // Unreachable.
    let report = diagnose(Ok(settings("postgres://muster@127.0.0.1:9/nowhere"))).await;
    let d = find(&report, "database");
    assert_eq!(d.status, Status::Fail);
    assert!(d.message.contains("127.0.0.1:9"), "{d}");
    assert!(!report.iter().any(|f| f.check == "migrations"));

    // Settings that cannot be read: the setting is named.
    let report = diagnose(Err(SettingsError::Invalid {
        name: "listen",
        message: "invalid socket address syntax".into(),
    }))
    .await;
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].status, Status::Fail);
    assert!(report[0].message.contains("`listen`"), "{}", report[0]);

    // Half a Matrix configuration.
    let mut half = settings(&db.url);
    half.matrix_homeserver = Some("http://127.0.0.1:9".into());
    let report = diagnose(Ok(half)).await;
    assert_eq!(find(&report, "settings").status, Status::Fail);

    // Notices waiting too long where there is a room to post them to.
    demo_project_linked_to(&db, "!somewhere:localhost").await;
    let report = diagnose(Ok(settings(&db.url))).await;
    assert_eq!(find(&report, "outbox").status, Status::Ok, "fresh notices");
    db.conn
        .execute_unprepared("UPDATE outbox SET created_at = '2026-01-01T00:00:00Z'")
        .await
        .unwrap();
    let report = diagnose(Ok(settings(&db.url))).await;
    let o = find(&report, "outbox");
    assert_eq!(o.status, Status::Warn, "{o}");
    assert!(o.fix.as_deref().unwrap().contains("muster bridge"), "{o}");
}

fn with_bot(url: &str, hs: &str, user: &str, password: &str, store: &Path) -> Settings {
    Settings {
        matrix_homeserver: Some(hs.to_owned()),
        matrix_user: Some(user.to_owned()),
        matrix_password: Some(Secret(password.to_owned())),
        matrix_store: store.to_owned(),
        ..settings(url)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_checks_the_homeserver_the_login_and_linked_rooms() {
    let db = fresh_db(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let hs = homeserver();

    // Before the bridge's first start: the password is tried (and the
    // trial session logged out, so no session file appears).
    let account = register("muster").await;
    let store = dir.path().join("fresh");
    let report = diagnose(Ok(with_bot(
        &db.url,
        &hs,
        &account.localpart,
        &account.password,
        &store,
    )))
    .await;
    assert_eq!(worst(&report), Status::Ok, "{report:#?}");
    assert!(
        find(&report, "bot login")
            .message
            .contains("password logs in")
    );
    assert!(!store.join("session.json").exists());

    // A wrong password.
    let report = diagnose(Ok(with_bot(
        &db.url,
        &hs,
        &account.localpart,
        "wrong",
        &store,
    )))
    .await;
    let login = find(&report, "bot login");
    assert_eq!(login.status, Status::Fail, "{login}");
    assert!(
        login
            .fix
            .as_deref()
            .unwrap()
            .contains("MUSTER_MATRIX_PASSWORD")
    );

    // No homeserver there.
    let report = diagnose(Ok(with_bot(
        &db.url,
        "http://127.0.0.1:9",
        &account.localpart,
        &account.password,
        &store,
    )))
    .await;
    assert_eq!(find(&report, "homeserver").status, Status::Fail);
    assert!(!report.iter().any(|f| f.check == "bot login"));

    // A running bridge's stored session, and a linked room it is not in.
    let mut bot = TestBot::start(&db.conn, dir.path()).await;
    for _ in 0..100 {
        if bot.store.join("session.json").exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let alice = Person::new("alice").await;
    let room = alice.create_room(&[]).await;
    let project = demo_project_linked_to(&db, room.as_str()).await;
    let config = with_bot(
        &db.url,
        &hs,
        &bot.account.localpart,
        "the stored session is used, not this",
        &bot.store,
    );
    let report = diagnose(Ok(config)).await;
    assert!(
        find(&report, "bot login")
            .message
            .contains("stored session is valid"),
        "{report:#?}"
    );
    let r = find(&report, "rooms");
    assert_eq!(r.status, Status::Fail, "{r}");
    assert!(
        r.message.contains(&project.name) && r.message.contains(room.as_str()),
        "{r}"
    );
    assert!(r.fix.as_deref().unwrap().contains(bot.user_id()), "{r}");
    bot.stop().await;
}
