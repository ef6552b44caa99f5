//! End to end: the real `muster` binary, started as a process, spoken to
//! over HTTP — on SQLite (the no-setup default, in a temporary working
//! directory) and on PostgreSQL.

use std::process::{Command, Stdio};
use std::time::Duration;

use muster_tests::process::{Server, free_port, muster, muster_bin, terminate};
use muster_tests::{Backend, both, empty_db};
use serde_json::{Value, json};

/// `muster serve --demo` on `db_url`, ready.
async fn start(dir: &std::path::Path, db_url: &str) -> Server {
    let mut cmd = muster(dir, db_url);
    cmd.args(["serve", "--demo"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    Server::start(cmd).await
}

/// The value of the first sample in a Prometheus text page whose line
/// starts with `prefix` and holds every one of `labels`.
fn metric(text: &str, prefix: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix) && labels.iter().all(|x| l.contains(x)))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
}

/// The Prometheus text page of the server at `base`.
async fn metrics(base: &str) -> String {
    reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits (up to 20 s) until the server at `base` serves `n` GraphQL
/// subscriptions (`muster_subscriptions_open`). The protocol does not
/// acknowledge a `subscribe`: a change made before the server has handled
/// it is, rightly, not sent, so a test waits for this rather than a pause.
async fn subscriptions_open(base: &str, n: u32) {
    let mut seen = None;
    for _ in 0..400 {
        seen = metric(&metrics(base).await, "muster_subscriptions_open", &[]);
        if seen == Some(f64::from(n)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base} never served {n} subscriptions (last seen: {seen:?})");
}

async fn gql(base: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut req = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap().json().await.unwrap()
}

async fn the_binary_serves_the_demo_and_takes_changes(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let url = match backend {
        // The default: a file in the working directory, nothing to set up.
        Backend::Sqlite => "sqlite://muster.db?mode=rwc".to_owned(),
        Backend::Postgres => empty_db(Backend::Postgres).await.url.clone(),
    };
    let server = start(dir.path(), &url).await;
    if backend == Backend::Sqlite {
        assert!(
            dir.path().join("muster.db").exists(),
            "SQLite file in the working directory"
        );
    }

    let body = gql(
        &server.base,
        None,
        include_str!("../../../docs/first-query.graphql"),
        json!({}),
    )
    .await;
    assert_eq!(body["data"]["group"]["name"], "Movement Building", "{body}");

    // An admin key from the command line, printed once on stdout.
    let out = muster(dir.path(), &url)
        .args(["token", "create", "--admin", "--name", "e2e"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("mst_"), "{token}");

    let body = gql(
        &server.base,
        Some(&token),
        "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { slug group { slug } } userErrors { code } } }",
        json!({ "input": { "groupId": gql(&server.base, None, "{ group(slug: \"movement-building\") { id } }", json!({})).await["data"]["group"]["id"], "name": "Phone banking" } }),
    )
    .await;
    assert_eq!(
        body["data"]["createProject"]["project"],
        json!({ "slug": "phone-banking", "group": { "slug": "movement-building" } }),
        "{body}"
    );
    let body = gql(
        &server.base,
        None,
        "{ project(slug: \"phone-banking\") { name } }",
        json!({}),
    )
    .await;
    assert_eq!(body["data"]["project"]["name"], "Phone banking");

    // Restarting keeps everything and does not load the demo twice.
    drop(server);
    let server = start(dir.path(), &url).await;
    let body = gql(
        &server.base,
        None,
        "{ groups { totalCount } projects { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body["data"],
        json!({ "groups": { "totalCount": 4 }, "projects": { "totalCount": 8 } })
    );

    // The schema command prints what the server serves.
    let out = muster(dir.path(), &url).arg("schema").output().unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("type Group implements Node")
    );
}

both!(the_binary_serves_the_demo_and_takes_changes);

/// The environment of a running process, as `NAME=value` strings.
fn environment_of(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/environ"))
        .unwrap()
        .split(|b| *b == 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

/// `muster serve` applies the allocator's settings by running itself again
/// in place, and keeps a value the operator set.
#[tokio::test]
async fn a_server_runs_with_the_allocators_settings_and_keeps_the_operators() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "sqlite://muster.db?mode=rwc").await;
    // The same process (it ran itself again in place) with both settings.
    let env = environment_of(server.child.id());
    assert!(
        env.contains(&"MIMALLOC_PURGE_DELAY=100".to_owned()),
        "{env:?}"
    );
    assert!(
        env.contains(&"MIMALLOC_ARENA_EAGER_COMMIT=0".to_owned()),
        "{env:?}"
    );
    let body = gql(&server.base, None, "{ groups { totalCount } }", json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    drop(server);

    let mut cmd = muster(dir.path(), "sqlite://muster.db?mode=rwc");
    cmd.args(["serve"])
        .env("MIMALLOC_PURGE_DELAY", "5")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    let server = Server::start(cmd).await;
    let env = environment_of(server.child.id());
    assert!(
        env.contains(&"MIMALLOC_PURGE_DELAY=5".to_owned()),
        "{env:?}"
    );
    assert!(
        !env.contains(&"MIMALLOC_PURGE_DELAY=100".to_owned()),
        "{env:?}"
    );
    assert!(
        env.contains(&"MIMALLOC_ARENA_EAGER_COMMIT=0".to_owned()),
        "{env:?}"
    );
}

/// A page of projects with their next meetings and the meetings' RSVP
/// counts, on data from `muster seed scale`: the counts come with the
/// meetings, one load for the level (`FirstMeetingsOfProject`), not one
/// load per meeting (`RsvpCountsOf`, seen in the loader metrics); the same
/// lists in another order do load them per meeting. The answers agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::float_cmp)] // counts: whole numbers, exact in f64
async fn a_pages_rsvp_counts_come_with_its_meetings() {
    let dir = tempfile::tempdir().unwrap();
    let url = "sqlite://muster.db?mode=rwc";
    let seeded = muster(dir.path(), url)
        .args(["seed", "scale", "--groups", "2", "--projects", "3"])
        .args(["--meetings", "4", "--rsvps", "5", "--members", "10"])
        .args(["--organisations", "2"])
        .output()
        .unwrap();
    assert!(seeded.status.success(), "{seeded:?}");
    let mut cmd = muster(dir.path(), url);
    cmd.args(["serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    let server = Server::start(cmd).await;
    let page = "{ projects(first: 10) { nodes { meetings(first: 5) { nodes { title rsvpCounts { yes no maybe } } } } } }";
    let with = gql(&server.base, None, page, json!({})).await;
    assert!(with.get("errors").is_none(), "{with}");
    let text = metrics(&server.base).await;
    let batches = |text: &str, loader: &str| {
        metric(
            text,
            &format!("muster_loader_batch_size_count{{loader=\"{loader}\"}}"),
            &[],
        )
    };
    assert_eq!(
        batches(&text, "FirstMeetingsOfProject"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(batches(&text, "RsvpCountsOf"), None, "{text}");
    let ordered = page.replace("first: 5)", "first: 5, orderBy: { field: STARTS_AT })");
    let alone = gql(&server.base, None, &ordered, json!({})).await;
    assert_eq!(with, alone);
    assert!(with.to_string().contains("\"yes\":"), "{with}");
    let text = metrics(&server.base).await;
    assert_eq!(batches(&text, "RsvpCountsOf"), Some(1.0), "{text}");
}

/// `GET /metrics` of a running binary: operations by name and outcome,
/// how requests were validated, SQL statements, loader batches, the outbox gauges, refusals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::float_cmp)] // counts: whole numbers, exact in f64
async fn the_binary_serves_prometheus_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "sqlite://muster.db?mode=rwc").await;
    let page = "query GroupPage { groups(first: 5) { nodes { name projects(first: 5) { nodes { name } } } } }";
    for _ in 0..3 {
        let body = gql(&server.base, None, page, json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let body = gql(&server.base, None, "query Broken { nope }", json!({})).await;
    assert!(body.get("errors").is_some(), "{body}");
    let refused = reqwest::Client::new()
        .post(format!("{}/graphql", server.base))
        .header("content-type", "text/plain")
        .body("{ groups { totalCount } }")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 415);

    let r = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"),
        "the Prometheus text format"
    );
    let text = r.text().await.unwrap();
    let value = |prefix: &str| -> f64 {
        metric(&text, prefix, &[]).unwrap_or_else(|| panic!("no `{prefix}` in\n{text}"))
    };
    assert_eq!(
        value("muster_graphql_operations_total{operation=\"GroupPage\",outcome=\"ok\"}"),
        3.0
    );
    assert_eq!(
        value(
            "muster_graphql_operations_total{operation=\"Broken\",outcome=\"GRAPHQL_VALIDATION_FAILED\"}"
        ),
        1.0
    );
    assert_eq!(
        value(
            "muster_graphql_operations_total{operation=\"unread\",outcome=\"UNSUPPORTED_MEDIA_TYPE\"}"
        ),
        1.0
    );
    assert_eq!(
        value("muster_graphql_operation_duration_seconds_count{operation=\"GroupPage\"}"),
        3.0
    );
    // The page's first request passed every validation rule; the next two
    // ran as a known document. The broken one is checked in full.
    assert_eq!(
        value("muster_graphql_validations_total{check=\"known\"}"),
        2.0
    );
    assert_eq!(
        value("muster_graphql_validations_total{check=\"full\"}"),
        2.0
    );
    assert!(value("muster_sql_statements_total{outcome=\"ok\"}") >= 6.0);
    assert!(value("muster_sql_statement_duration_seconds_count") >= 6.0);
    // Three pages, each one batch of projects for all its groups.
    assert_eq!(
        value("muster_loader_batch_size_count{loader=\"ProjectsOfGroup\"}"),
        3.0
    );
    assert!(value("muster_outbox_depth") >= 0.0);
    assert!(value("muster_outbox_oldest_age_seconds") >= 0.0);
    assert!(text.contains("# HELP muster_graphql_operations_total"));
}

#[test]
fn a_wrong_setting_stops_start_up_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = muster(dir.path(), "sqlite://muster.db?mode=rwc")
        .args(["serve"])
        .env("MUSTER_LISTEN", "everywhere")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("listen"), "{err}");

    let out = muster(dir.path(), "sqlite://muster.db?mode=rwc")
        .args(["bridge"])
        .env("MUSTER_MATRIX_HOMESERVER", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("MUSTER_MATRIX_USER"),
        "a homeserver without an account says what is missing"
    );

    let out = muster(dir.path(), "mysql://nope")
        .args(["migrate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_url"));

    // The doctor names the same problem, with its fix, and exits 1; on a
    // good setup it exits 0.
    let out = muster(dir.path(), "sqlite://muster.db?mode=rwc")
        .args(["doctor"])
        .env("MUSTER_LISTEN", "everywhere")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.starts_with("FAIL  settings    setting `listen`"),
        "{report}"
    );
    assert!(report.contains("fix: "), "{report}");
    let out = muster(dir.path(), "sqlite://muster.db?mode=rwc")
        .args(["doctor"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("ok    database    reachable"), "{report}");

    let out = Command::new(muster_bin()).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for cmd in [
        "serve", "migrate", "seed", "schema", "token", "bridge", "doctor", "db", "backup",
        "restore",
    ] {
        assert!(help.contains(cmd), "{help}");
    }
}

/// `muster serve` runs the bridge when a homeserver is configured, and
/// `muster bridge` runs it alone from the same store (same device); both
/// stop cleanly on SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_the_bridge_in_serve_and_alone() {
    use muster_tests::matrix::{Person, homeserver, register};
    let dir = tempfile::tempdir().unwrap();
    let bot = register("muster").await;
    let alice = Person::new("alice").await;
    let with_bot = |cmd: &mut Command| {
        cmd.env("MUSTER_MATRIX_HOMESERVER", homeserver())
            .env("MUSTER_MATRIX_USER", &bot.localpart)
            .env("MUSTER_MATRIX_PASSWORD", &bot.password)
            .env("MUSTER_MATRIX_STORE", dir.path().join("bot"))
            .env("MUSTER_BRIDGE_POLL_MS", "200");
    };
    let port = free_port();
    let mut cmd = muster(dir.path(), "sqlite://muster.db?mode=rwc");
    with_bot(&mut cmd);
    let mut serve = cmd
        .args(["serve", "--demo"])
        .env("MUSTER_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();

    let room = alice.create_room(&[&bot.user_id]).await;
    let hello = alice
        .wait_for(&room, "the bot's hello", |m| m.sender == bot.user_id)
        .await;
    assert!(hello.body.contains("!help"), "{}", hello.body);
    let reply = alice.command(&room, "!link co-op-fortnight").await;
    assert!(
        reply.body.contains("I don't know you yet"),
        "alice is not in the demo data: {}",
        reply.body
    );
    let api = gql(
        &format!("http://127.0.0.1:{port}"),
        None,
        "{ groups(first: 1) { totalCount } }",
        json!({}),
    )
    .await;
    assert!(
        api["data"]["groups"]["totalCount"].as_i64().unwrap() > 0,
        "{api}"
    );
    let status = terminate(&mut serve);
    assert!(status.success(), "serve exits cleanly on SIGTERM: {status}");
    let session = std::fs::read_to_string(dir.path().join("bot/session.json")).unwrap();

    let mut cmd = muster(dir.path(), "sqlite://muster.db?mode=rwc");
    with_bot(&mut cmd);
    let metrics_port = free_port();
    let mut alone = cmd
        .args(["bridge", "--metrics", &format!("127.0.0.1:{metrics_port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let reply = alice.command(&room, "!help").await;
    assert!(reply.body.contains("!rsvp"), "{}", reply.body);
    // The bridge alone serves its own metrics: the command it just
    // answered, by kind and outcome, and the outbox it delivers.
    let text = metrics(&format!("http://127.0.0.1:{metrics_port}")).await;
    let line = |name: &str, labels: &[&str]| metric(&text, name, labels);
    assert_eq!(
        line(
            "muster_bridge_commands_total",
            &["command=\"help\"", "outcome=\"ok\""]
        ),
        Some(1.0),
        "{text}"
    );
    assert!(line("muster_outbox_depth", &[]).is_some(), "{text}");
    let status = terminate(&mut alone);
    assert!(
        status.success(),
        "bridge exits cleanly on SIGTERM: {status}"
    );
    let again = std::fs::read_to_string(dir.path().join("bot/session.json")).unwrap();
    let device = |s: &str| serde_json::from_str::<Value>(s).unwrap()["device_id"].clone();
    assert_eq!(device(&session), device(&again), "one login, one device");
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a `graphql-transport-ws` connection and subscribes.
async fn subscribe(base: &str, token: Option<&str>, query: &str, variables: Value) -> Ws {
    use futures::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("{}/graphql", base.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let payload = token.map_or(
        json!({}),
        |t| json!({ "Authorization": format!("Bearer {t}") }),
    );
    ws.send(Message::Text(
        json!({ "type": "connection_init", "payload": payload })
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let ack = next_message(&mut ws).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws.send(Message::Text(
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": variables } })
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    ws
}

/// The next protocol message (pings answered and skipped), within 20 s.
async fn next_message(ws: &mut Ws) -> Value {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a message within 20 s")
            .expect("the connection is open")
            .unwrap();
        match msg {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "ping" {
                    ws.send(Message::Text(json!({ "type": "pong" }).to_string().into()))
                        .await
                        .unwrap();
                    continue;
                }
                return v;
            }
            Message::Ping(p) => ws.send(Message::Pong(p)).await.unwrap(),
            _ => {}
        }
    }
}

/// Two `muster serve` processes on one PostgreSQL: a change made through
/// one reaches a subscriber of the other (LISTEN/NOTIFY), and only
/// committed changes are announced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_process_reaches_subscribers_of_another() {
    let dir = tempfile::tempdir().unwrap();
    let db = empty_db(Backend::Postgres).await;
    let a = start(dir.path(), &db.url).await;
    let b = start(dir.path(), &db.url).await;
    let (_, admin) =
        entities::domain::tokens::create_admin(&db.conn, &entities::Actor::System, "tests")
            .await
            .unwrap();
    let g = gql(
        &a.base,
        None,
        "{ group(slug: \"movement-building\") { id } }",
        json!({}),
    )
    .await;
    let gid = g["data"]["group"]["id"].as_str().unwrap().to_owned();
    let mut ws = subscribe(
        &a.base,
        None,
        "subscription($g: ID!) { meetingChanged(groupId: $g) { kind meeting { title status } } }",
        json!({ "g": gid }),
    )
    .await;
    subscriptions_open(&a.base, 1).await;

    // A refused change announces nothing; a good one reaches the other
    // process's subscriber.
    let schedule = "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { meeting { id } userErrors { code } } }";
    let start_at = (chrono::Utc::now() + chrono::Duration::days(9)).to_rfc3339();
    let bad = gql(
        &b.base,
        Some(&admin),
        schedule,
        json!({ "input": { "groupId": gid, "title": "", "startsAt": start_at } }),
    )
    .await;
    assert_eq!(
        bad["data"]["scheduleMeeting"]["userErrors"][0]["code"],
        "INVALID_INPUT"
    );
    let made = gql(
        &b.base,
        Some(&admin),
        schedule,
        json!({ "input": { "groupId": gid, "title": "Live planning", "startsAt": start_at } }),
    )
    .await;
    assert!(
        made["data"]["scheduleMeeting"]["meeting"]["id"].is_string(),
        "{made}"
    );
    let event = next_message(&mut ws).await;
    assert_eq!(event["type"], "next", "{event}");
    assert_eq!(
        event["payload"]["data"]["meetingChanged"],
        json!({ "kind": "SCHEDULED", "meeting": { "title": "Live planning", "status": "SCHEDULED" } })
    );
    let cancel = "mutation($input: CancelMeetingInput!) { cancelMeeting(input: $input) { meeting { status } } }";
    gql(
        &b.base,
        Some(&admin),
        cancel,
        json!({ "input": { "id": made["data"]["scheduleMeeting"]["meeting"]["id"] } }),
    )
    .await;
    let event = next_message(&mut ws).await;
    assert_eq!(
        event["payload"]["data"]["meetingChanged"]["kind"], "CANCELLED",
        "{event}"
    );

    // A change whose notification never came (written without NOTIFY, as
    // if the listener was reconnecting) still arrives, from the outbox.
    let (_, meeting) = api::graphql::ids::decode(
        made["data"]["scheduleMeeting"]["meeting"]["id"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    <entities::outbox::Entity as sea_orm::EntityTrait>::insert(entities::outbox::ActiveModel {
        id: sea_orm::ActiveValue::Set(uuid::Uuid::now_v7()),
        kind: sea_orm::ActiveValue::Set("meeting.updated".into()),
        subject_id: sea_orm::ActiveValue::Set(meeting),
        payload: sea_orm::ActiveValue::Set(json!({})),
        created_at: sea_orm::ActiveValue::Set(chrono::Utc::now()),
        delivered_at: sea_orm::ActiveValue::Set(None),
        attempts: sea_orm::ActiveValue::Set(0),
    })
    .exec_without_returning(&db.conn)
    .await
    .unwrap();
    let event = next_message(&mut ws).await;
    assert_eq!(
        event["payload"]["data"]["meetingChanged"]["kind"], "UPDATED",
        "{event}"
    );
}

/// On SQLite (one process), subscriptions follow the outbox too; an RSVP
/// shows up for the meeting's subscribers, and bad arguments are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rsvps_reach_subscribers_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), "sqlite://muster.db?mode=rwc").await;
    let out = muster(dir.path(), "sqlite://muster.db?mode=rwc")
        .args(["token", "create", "--admin", "--name", "tests"])
        .output()
        .unwrap();
    let admin = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let g = gql(
        &server.base,
        None,
        "{ group(slug: \"movement-building\") { id } }",
        json!({}),
    )
    .await;
    let m = gql(
        &server.base,
        Some(&admin),
        "mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) { meeting { id } } }",
        json!({ "input": { "groupId": g["data"]["group"]["id"], "title": "Next", "startsAt": (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339() } }),
    )
    .await;
    let mid = m["data"]["scheduleMeeting"]["meeting"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{m}"))
        .to_owned();
    let mut ws = subscribe(
        &server.base,
        Some(&admin),
        "subscription($m: ID!) { rsvpChanged(meetingId: $m) { response member { displayName } } }",
        json!({ "m": mid }),
    )
    .await;
    subscriptions_open(&server.base, 1).await;
    let members = gql(
        &server.base,
        Some(&admin),
        "{ group(slug: \"movement-building\") { memberships(first: 1) { edges { node { member { id displayName } } } } } }",
        json!({}),
    )
    .await;
    let member = members["data"]["group"]["memberships"]["edges"][0]["node"]["member"].clone();
    let rsvp = gql(
        &server.base,
        Some(&admin),
        "mutation($input: RsvpInput!) { rsvp(input: $input) { userErrors { code message } } }",
        json!({ "input": { "meetingId": mid, "memberId": member["id"], "response": "YES" } }),
    )
    .await;
    assert_eq!(rsvp["data"]["rsvp"]["userErrors"], json!([]), "{rsvp}");
    let event = next_message(&mut ws).await;
    assert_eq!(
        event["payload"]["data"]["rsvpChanged"],
        json!({ "response": "YES", "member": { "displayName": member["displayName"] } }),
        "{event}"
    );
    // A client that leaves ends its subscription.
    ws.close(None).await.unwrap();
    subscriptions_open(&server.base, 0).await;

    let mut bad = subscribe(
        &server.base,
        None,
        "subscription { meetingChanged { kind } }",
        json!({}),
    )
    .await;
    let refused = next_message(&mut bad).await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "INVALID_INPUT",
        "{refused}"
    );
}

fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The growing path a federation takes, through the binary: a backup of
/// the embedded SQLite database while it serves, a restore, then
/// `muster db copy` to PostgreSQL and the API serving the same data from
/// there; the refusals name their code and what to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_backs_up_restores_and_moves_to_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = "sqlite://muster.db?mode=rwc";
    let server = start(dir.path(), sqlite).await;
    let groups = "{ groups { totalCount } meetings(first: 50) { totalCount } }";
    let before = gql(&server.base, None, groups, json!({})).await["data"].clone();
    assert_eq!(before["groups"]["totalCount"], 4, "{before}");

    // A backup while serving: checked, with its row counts.
    let (ok, out, err) = run(muster(dir.path(), sqlite).args(["backup", "backup.db"]));
    assert!(ok, "{err}");
    assert!(err.contains("integrity check: ok"), "{err}");
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().take(2).eq(["groups", "4"])),
        "{out}"
    );
    let (ok, _, err) = run(muster(dir.path(), sqlite).args(["backup", "backup.db"]));
    assert!(!ok);
    assert!(err.contains("[FILE_EXISTS]"), "{err}");
    drop(server);

    // Restored into a new database, it serves the same.
    let restored = "sqlite://restored.db?mode=rwc";
    let (ok, _, err) = run(muster(dir.path(), restored).args(["restore", "backup.db"]));
    assert!(ok, "{err}");
    assert!(err.contains("checksums match"), "{err}");
    let (ok, _, err) = run(muster(dir.path(), restored).args(["restore", "backup.db"]));
    assert!(!ok, "a database with data is refused");
    assert!(
        err.contains("[TARGET_NOT_EMPTY]") && err.contains("--replace"),
        "{err}"
    );
    let (ok, _, err) =
        run(muster(dir.path(), restored).args(["restore", "--replace", "backup.db"]));
    assert!(ok, "{err}");
    let server = start(dir.path(), restored).await;
    assert_eq!(
        gql(&server.base, None, groups, json!({})).await["data"],
        before
    );
    drop(server);

    // Moving to PostgreSQL.
    let pg = empty_db(Backend::Postgres).await.url.clone();
    let (ok, out, err) = run(muster(dir.path(), sqlite).args([
        "db",
        "copy",
        "--from",
        "sqlite://muster.db",
        "--to",
        &pg,
    ]));
    assert!(ok, "{err}");
    assert!(out.contains("meetings"), "{out}");
    let server = start(dir.path(), &pg).await;
    assert_eq!(
        gql(&server.base, None, groups, json!({})).await["data"],
        before
    );

    // PostgreSQL backups are pg_dump's job: the command, exit status 2.
    let out = muster(dir.path(), &pg)
        .args(["backup", "muster.dump"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let cmd = String::from_utf8_lossy(&out.stdout);
    assert!(
        cmd.starts_with("pg_dump --format=custom --file=muster.dump"),
        "{cmd}"
    );
    assert!(!dir.path().join("muster.dump").exists());
}

/// `MUSTER_LOG_FORMAT=json`: every line on stderr is one JSON object, and
/// every line written while a request runs — its SQL, its operation, the
/// domain's use case — carries that request's id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_request_id_on_every_line_of_a_request() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("stderr.log");
    let mut cmd = muster(dir.path(), "sqlite://muster.db?mode=rwc");
    cmd.args(["serve", "--demo"])
        .env("MUSTER_LOG_FORMAT", "json")
        .env("MUSTER_LOG", "info,muster::sql=debug,api=debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    let mut server = Server::start(cmd).await;
    let client = reqwest::Client::new();
    let out = muster(dir.path(), "sqlite://muster.db?mode=rwc")
        .args(["token", "create", "--admin", "--name", "logs"])
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let resp = client
        .post(format!("{}/graphql", server.base))
        .header("x-request-id", "drill-42")
        .bearer_auth(&token)
        .json(&json!({ "query": "mutation Org { createOrganisation(input: { name: \"Logged Co-op\", kind: MEMBER_COOP }) { organisation { id } userErrors { code } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "drill-42");
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["data"]["createOrganisation"]["organisation"]["id"].is_string(),
        "{body}"
    );
    // No id given: one is made, and returned.
    let resp = client
        .get(format!("{}/graphql?query=%7B__typename%7D", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"].len(), 36);
    terminate(&mut server.child);

    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let ours: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            l["spans"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s["request_id"] == "drill-42"))
        })
        .collect();
    let has = |pred: &dyn Fn(&Value) -> bool| ours.iter().any(|l| pred(l));
    assert!(
        has(&|l| l["target"] == "muster::sql"
            && l["fields"]["sql"]
                .as_str()
                .unwrap()
                .contains("INSERT INTO \"organisations\"")),
        "the SQL of the request carries its id: {ours:#?}"
    );
    assert!(has(&|l| l["fields"]["message"] == "operation finished"
        && l["spans"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["operation"] == "Org" && s["outcome"] == "ok")));
    assert!(
        has(&|l| l["spans"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "create")),
        "the domain's use case is a span"
    );
    // Every SQL line logged while serving belongs to some request.
    let sql_outside: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            l["target"] == "muster::sql"
                && !l["spans"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|s| s["request_id"].is_string()))
        })
        .filter(|l| l["timestamp"].as_str() > ours[0]["timestamp"].as_str())
        .collect();
    assert!(sql_outside.is_empty(), "{sql_outside:#?}");
}

/// With `otlp_endpoint` set, the spans go to an OpenTelemetry collector
/// over OTLP/HTTP: here a receiver that decodes the protobuf requests as a
/// collector does. One request's `http` span carries its id, and its
/// operation and use case spans are in the same trace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_go_to_an_opentelemetry_collector_when_one_is_configured() {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
    use prost::Message as _;
    let received: std::sync::Arc<std::sync::Mutex<Vec<ExportTraceServiceRequest>>> =
        std::sync::Arc::default();
    let sink = received.clone();
    let collector = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
                assert_eq!(headers["content-type"], "application/x-protobuf");
                let req = ExportTraceServiceRequest::decode(body).expect("OTLP protobuf");
                sink.lock().unwrap().push(req);
                (
                    [("content-type", "application/x-protobuf")],
                    Vec::<u8>::new(),
                )
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, collector).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let mut cmd = muster(dir.path(), "sqlite://muster.db?mode=rwc");
    cmd.args(["serve", "--demo"])
        .env("MUSTER_OTLP_ENDPOINT", format!("http://{collector_addr}"))
        .env("MUSTER_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    let mut server = Server::start(cmd).await;
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{}/graphql", server.base))
        .header("x-request-id", "otel-7")
        .json(&json!({ "query": "query Traced { groups(first: 2) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // SIGTERM flushes what the batch has not sent yet.
    assert!(terminate(&mut server.child).success());

    let received = received.lock().unwrap();
    assert!(!received.is_empty(), "the collector received spans");
    let mut spans = Vec::new();
    for req in received.iter() {
        for rs in &req.resource_spans {
            let service = rs
                .resource
                .as_ref()
                .unwrap()
                .attributes
                .iter()
                .find(|a| a.key == "service.name")
                .and_then(|a| a.value.as_ref()?.value.clone());
            assert_eq!(service, Some(Any::StringValue("muster".into())));
            for ss in &rs.scope_spans {
                spans.extend(ss.spans.iter().cloned());
            }
        }
    }
    let attr = |s: &opentelemetry_proto::tonic::trace::v1::Span, key: &str| {
        s.attributes
            .iter()
            .find(|a| a.key == key)
            .and_then(|a| a.value.as_ref()?.value.clone())
    };
    let http = spans
        .iter()
        .find(|s| {
            s.name == "http" && attr(s, "request_id") == Some(Any::StringValue("otel-7".into()))
        })
        .unwrap_or_else(|| {
            panic!(
                "the request's span: {:#?}",
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        });
    let operation = spans
        .iter()
        .find(|s| {
            s.name == "operation" && attr(s, "operation") == Some(Any::StringValue("Traced".into()))
        })
        .expect("the operation's span, with its name");
    assert_eq!(operation.trace_id, http.trace_id, "one trace per request");
}

/// On SQLite the hub follows the outbox by polling. A change committed
/// after someone subscribes, but before the follower's first look once
/// they have, reaches them: the follower starts at the subscription, not
/// at the newest row it finds then (which skipped that change).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_just_after_subscribing_reaches_the_subscriber_on_sqlite() {
    use entities::domain::outbox;
    let db = muster_tests::fresh_db(Backend::Sqlite).await;
    let hub = api::live::Hub::start(db.conn.clone());
    let mut rx = hub.subscribe();
    // Within the follower's first 200 ms: before its first look.
    let subject = uuid::Uuid::now_v7();
    outbox::emit(
        &db.conn,
        outbox::EventKind::MeetingScheduled,
        subject,
        json!({}),
    )
    .await
    .unwrap();
    let row = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("the change within 20 s")
        .unwrap();
    assert_eq!(row.subject_id, subject);
}
