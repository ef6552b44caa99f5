//! Fault drills on the real binary: SIGTERM under load (requests in flight
//! finish, new connections are refused, the grace period bounds the exit)
//! and PostgreSQL restarted under a load of queries and mutations (requests
//! fail fast with `UNAVAILABLE` meanwhile, Muster recovers by itself,
//! nothing acknowledged is lost or doubled). Each prints what it saw
//! (`cargo test … drills -- --nocapture`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use muster_tests::process::{self, Server, free_port, sigterm};
use muster_tests::{Backend, empty_db};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// `muster` on `db_url`, silent: the drills report what they see.
fn muster(dir: &Path, db_url: &str) -> Command {
    let mut cmd = process::muster(dir, db_url);
    cmd.env("MUSTER_LOG", "off");
    cmd
}

/// `muster serve --demo --no-bridge`, ready.
async fn serve(dir: &Path, db_url: &str, env: &[(&str, &str)]) -> Server {
    serve_with(dir, db_url, &["serve", "--demo", "--no-bridge"], env).await
}

async fn serve_with(dir: &Path, db_url: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut cmd = muster(dir, db_url);
    cmd.args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    Server::start(cmd).await
}

/// Waits up to `limit` for the process to exit; how long it took.
async fn exit_within(child: &mut Child, limit: Duration) -> Option<(Duration, bool)> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(s) = child.try_wait().unwrap() {
            return Some((started.elapsed(), s.success()));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

const COUNT: &str = "{ organisations(first: 5) { totalCount } }";

/// Starts `n` requests that block on a lock the test holds.
fn blocked_requests(base: &str, n: usize) -> Vec<tokio::task::JoinHandle<Result<Value, String>>> {
    (0..n)
        .map(|_| {
            let url = format!("{base}/graphql");
            tokio::spawn(async move {
                let r = reqwest::Client::new()
                    .post(url)
                    .json(&json!({ "query": COUNT }))
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                r.json::<Value>().await.map_err(|e| e.to_string())
            })
        })
        .collect()
}

/// Holds the organisations table until the transaction ends: requests that
/// read it wait, in flight, for as long as the test wants.
async fn lock_organisations(db: &sea_orm::DatabaseConnection) -> sea_orm::DatabaseTransaction {
    let held = db.begin().await.unwrap();
    held.execute_unprepared("LOCK TABLE organisations IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    held
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_finishes_requests_in_flight_within_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let db = empty_db(Backend::Postgres).await;
    let lock = db.conn.clone();

    // 1. A generous grace period: everything in flight finishes.
    let mut server = serve(
        dir.path(),
        &db.url,
        &[("MUSTER_SHUTDOWN_GRACE_MS", "30000")],
    )
    .await;
    let held = lock_organisations(&lock).await;
    let requests = blocked_requests(&server.base, 8);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let signalled = Instant::now();
    sigterm(&server.child);
    // New connections are refused while the old ones are still working.
    let mut refused_after = None;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", server.port))
            .await
            .is_err()
        {
            refused_after = Some(signalled.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let refused_after = refused_after.expect("new connections are refused after SIGTERM");
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "still running: requests are in flight"
    );
    held.commit().await.unwrap();
    let mut finished = 0;
    for r in requests {
        let body = r.await.unwrap().expect("an in-flight request is answered");
        assert!(
            body["data"]["organisations"]["totalCount"].is_number(),
            "{body}"
        );
        finished += 1;
    }
    let (exit, ok) = exit_within(&mut server.child, Duration::from_secs(20))
        .await
        .expect("exits once its requests are answered");
    assert!(ok, "a clean exit");
    eprintln!(
        "drill SIGTERM (grace 30 s): new connections refused {} ms after the signal; {finished}/8 in-flight requests answered; exited {} ms after they were released",
        refused_after.as_millis(),
        exit.as_millis()
    );

    // 2. A short grace period: the process does not wait for ever.
    let mut server = serve(dir.path(), &db.url, &[("MUSTER_SHUTDOWN_GRACE_MS", "1000")]).await;
    let held = lock_organisations(&lock).await;
    let requests = blocked_requests(&server.base, 4);
    tokio::time::sleep(Duration::from_millis(500)).await;
    sigterm(&server.child);
    let (exit, _) = exit_within(&mut server.child, Duration::from_secs(15))
        .await
        .expect("exits after the grace period although requests are stuck");
    held.commit().await.unwrap();
    let cut = futures::future::join_all(requests)
        .await
        .into_iter()
        .filter(|r| r.as_ref().unwrap().is_err())
        .count();
    assert_eq!(cut, 4, "the stuck requests were cut off");
    assert!(
        exit >= Duration::from_millis(900),
        "it waited the grace period"
    );
    eprintln!(
        "drill SIGTERM (grace 1 s, 4 requests stuck on a lock): exited {} ms after the signal",
        exit.as_millis()
    );
}

/// A PostgreSQL server of the test's own (the suite's shared one must not
/// be restarted under the other tests), from the installed binaries.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    fn start() -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's binaries under /usr/lib/postgresql (scripts/test installs them)")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("initdb").exists())
            .max()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        // initdb refuses to run as root.
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        if as_postgres {
            assert!(
                Command::new("chown")
                    .args(["postgres", dir.path().to_str().unwrap()])
                    .status()
                    .unwrap()
                    .success()
            );
        }
        let c = Self {
            bin,
            dir,
            port: free_port(),
            as_postgres,
        };
        let data = c.data();
        assert!(
            c.run(
                "initdb",
                &[
                    "-D",
                    &data,
                    "-U",
                    "muster",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-instructions"
                ]
            )
            .success()
        );
        c.pg_ctl("start");
        c
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) -> std::process::ExitStatus {
        let path = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        cmd.args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
    }

    fn pg_ctl(&self, action: &str) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let data = self.data();
        let log = self.dir.path().join("log").display().to_string();
        let mut args = vec!["-D", &data, "-w", "-t", "60", "-m", "fast", "-l", &log];
        if action == "start" {
            args.extend(["-o", &opts]);
        }
        args.push(action);
        assert!(self.run("pg_ctl", &args).success(), "pg_ctl {action}");
    }

    fn url(&self) -> String {
        format!("postgres://muster@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "stop"]);
    }
}

/// What one client of the load saw.
#[derive(Default)]
struct Seen {
    acknowledged: Vec<String>,
    ok: usize,
    failed: usize,
    slowest_failure: Duration,
    codes: std::collections::BTreeSet<String>,
    last_failure: Option<Instant>,
    first_ok_after_failure: Option<Instant>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_load_loses_nothing_and_muster_recovers() {
    let pg = Cluster::start();
    let dir = tempfile::tempdir().unwrap();
    let mut server = serve(
        dir.path(),
        &pg.url(),
        &[("MUSTER_DATABASE_ACQUIRE_TIMEOUT_MS", "2000")],
    )
    .await;
    let out = muster(dir.path(), &pg.url())
        .args(["token", "create", "--admin", "--name", "drill"])
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();

    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (stop, seen, token) = (stop.clone(), seen.clone(), token.clone());
            let url = format!("{}/graphql", server.base);
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap();
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    i += 1;
                    let name = format!("Drill Co-op {c}-{i}");
                    let (query, variables) = if i % 2 == 0 {
                        (COUNT, json!({}))
                    } else {
                        (
                            "mutation($n: String!) { createOrganisation(input: { name: $n, kind: MEMBER_COOP }) { organisation { id } userErrors { code } } }",
                            json!({ "n": name }),
                        )
                    };
                    let started = Instant::now();
                    let r = http
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({ "query": query, "variables": variables }))
                        .send()
                        .await;
                    let body: Option<Value> = match r {
                        Ok(r) => r.json().await.ok(),
                        Err(_) => None,
                    };
                    let took = started.elapsed();
                    let mut s = seen.lock().await;
                    let errors = body.as_ref().and_then(|b| b["errors"].as_array().cloned());
                    match (&body, errors) {
                        (Some(b), None) => {
                            s.ok += 1;
                            if s.last_failure.is_some() && s.first_ok_after_failure.is_none() {
                                s.first_ok_after_failure = Some(Instant::now());
                            }
                            if b["data"]["createOrganisation"]["organisation"]["id"].is_string() {
                                s.acknowledged.push(name);
                            }
                        }
                        (_, errors) => {
                            s.failed += 1;
                            s.slowest_failure = s.slowest_failure.max(took);
                            s.last_failure = Some(Instant::now());
                            s.first_ok_after_failure = None;
                            let code = errors
                                .and_then(|e| e[0]["extensions"]["code"].as_str().map(str::to_owned))
                                .unwrap_or_else(|| "no answer".to_owned());
                            s.codes.insert(code);
                        }
                    }
                    drop(s);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_secs(2)).await;
    let down = Instant::now();
    pg.pg_ctl("stop");
    tokio::time::sleep(Duration::from_secs(4)).await;
    pg.pg_ctl("start");
    let up = Instant::now();
    tokio::time::sleep(Duration::from_secs(6)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "muster is still running: no panic, no restart"
    );

    let s = seen.lock().await;
    assert!(s.failed > 0, "the outage was seen");
    assert!(s.ok > s.failed, "most requests succeeded");
    assert!(
        s.codes.iter().all(|c| c == "UNAVAILABLE"),
        "every failure is a clear UNAVAILABLE: {:?}",
        s.codes
    );
    assert!(
        s.slowest_failure < Duration::from_secs(10),
        "no request hung: the slowest failure took {:?}",
        s.slowest_failure
    );
    let recovered = s
        .first_ok_after_failure
        .expect("requests succeed again without a restart of muster");
    // Every acknowledged mutation is in the database, once.
    let check = api::db::connect(&pg.url(), 1).await.unwrap();
    let mut lost = 0;
    let mut doubled = 0;
    for name in &s.acknowledged {
        let n = check
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT count(*) FROM organisations WHERE name = $1",
                [name.clone().into()],
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap();
        match n {
            0 => lost += 1,
            1 => {}
            _ => doubled += 1,
        }
    }
    assert_eq!((lost, doubled), (0, 0));
    eprintln!(
        "drill PostgreSQL restart: down {:.1} s; {} requests answered, {} failed during the outage (codes {:?}, slowest failure {} ms); recovered {} ms after PostgreSQL was back; {} acknowledged mutations: 0 lost, 0 duplicated",
        (up - down).as_secs_f64(),
        s.ok,
        s.failed,
        s.codes,
        s.slowest_failure.as_millis(),
        recovered.saturating_duration_since(up).as_millis(),
        s.acknowledged.len(),
    );
}

async fn gql(base: &str, token: &str, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn backlog(db: &muster_tests::TestDb) -> u64 {
    entities::domain::outbox::backlog(&db.conn).await.unwrap().0
}

/// The deployment in the README: two `muster serve --no-bridge` behind a
/// load balancer (the test alternates between them) and `muster bridge` on
/// one PostgreSQL, with a second `muster bridge` as a standby sharing its
/// store. The active bridge is killed with SIGKILL in the middle of
/// delivering 100 notices; the standby takes over, and every notice
/// appears in the room exactly once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridge_killed_mid_delivery_hands_over_to_its_standby_without_loss_or_repeat() {
    use muster_tests::matrix::{Person, homeserver, register};
    let db = empty_db(Backend::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let api = [
        serve(dir.path(), &db.url, &[]).await,
        serve(dir.path(), &db.url, &[]).await,
    ];
    let out = muster(dir.path(), &db.url)
        .args(["token", "create", "--admin", "--name", "drill"])
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let bot = register("muster").await;
    let alice = Person::new("alice").await;
    let bridge = || {
        muster(dir.path(), &db.url)
            .args(["bridge"])
            .env("MUSTER_MATRIX_HOMESERVER", homeserver())
            .env("MUSTER_MATRIX_USER", &bot.localpart)
            .env("MUSTER_MATRIX_PASSWORD", &bot.password)
            .env("MUSTER_MATRIX_STORE", dir.path().join("bot"))
            .env("MUSTER_BRIDGE_POLL_MS", "200")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap()
    };

    let mut active = bridge();
    let room = alice.create_room(&[&bot.user_id]).await;
    alice
        .wait_for(&room, "the bot's hello", |m| m.sender == bot.user_id)
        .await;
    let projects = gql(
        &api[0].base,
        &token,
        "{ projects(first: 1) { nodes { id } } }",
        json!({}),
    )
    .await;
    let project = projects["data"]["projects"]["nodes"][0]["id"].clone();
    let linked = gql(
        &api[1].base,
        &token,
        "mutation($p: ID!, $r: String!) { linkProjectRoom(input: { projectId: $p, roomId: $r }) { userErrors { message } } }",
        json!({ "p": project, "r": room.as_str() }),
    )
    .await;
    assert_eq!(
        linked["data"]["linkProjectRoom"]["userErrors"],
        json!([]),
        "{linked}"
    );
    for _ in 0..240 {
        if backlog(&db).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Stopped, so the 100 notices pile up and go out in one run.
    sigterm(&active);
    assert!(
        exit_within(&mut active, Duration::from_secs(20))
            .await
            .is_some()
    );

    let n = 100;
    for i in 0..n {
        let via = &api[i % 2];
        let r = gql(
            &via.base,
            &token,
            "mutation($p: ID!, $t: String!, $at: DateTime!) { scheduleMeeting(input: { projectId: $p, title: $t, startsAt: $at }) { meeting { id } userErrors { message } } }",
            json!({ "p": project, "t": format!("Drill {i:03}"), "at": format!("2027-03-{:02}T18:00:00Z", 1 + i % 28) }),
        )
        .await;
        assert!(
            r["data"]["scheduleMeeting"]["meeting"]["id"].is_string(),
            "{r}"
        );
    }
    assert!(backlog(&db).await >= 100);

    let mut active = bridge();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut standby = bridge();
    let posted = |m: &muster_tests::matrix::Seen| m.body.starts_with("New meeting: Drill ");
    let mut seen_before_kill = 0;
    for _ in 0..1200 {
        seen_before_kill = alice
            .messages(&room)
            .await
            .iter()
            .filter(|m| posted(m))
            .count();
        if seen_before_kill >= 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    active.kill().unwrap();
    active.wait().unwrap();
    let killed = Instant::now();
    let left = backlog(&db).await;
    assert!(left > 0, "killed in the middle of the delivery");

    let mut delivered_after = None;
    for _ in 0..480 {
        if backlog(&db).await == 0 {
            delivered_after = Some(killed.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let delivered_after = delivered_after.expect("the standby delivered the rest within 2 min");
    let titles: Vec<String> = alice
        .messages(&room)
        .await
        .iter()
        .filter(|m| posted(m))
        .map(|m| m.body["New meeting: ".len().."New meeting: Drill 000".len()].to_owned())
        .collect();
    let expected: Vec<String> = (0..n).map(|i| format!("Drill {i:03}")).collect();
    let duplicates = titles.len().saturating_sub(expected.len());
    assert_eq!(titles, expected, "every notice once, in order");
    sigterm(&standby);
    assert!(
        exit_within(&mut standby, Duration::from_secs(20))
            .await
            .is_some()
    );
    eprintln!(
        "drill bridge SIGKILL: killed with {seen_before_kill} of {n} notices in the room and {left} rows undelivered; the standby delivered the rest {} ms after the kill; in the room: {} notices, duplicates {duplicates}, losses 0, order kept",
        delivered_after.as_millis(),
        titles.len()
    );
}

/// The homeserver out of reach for 60 s (a proxy in front of it is taken
/// down) while meetings are scheduled and moved through the API, with a
/// command typed just before: once it is back, every notice arrives once,
/// in order, and the command is handled once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_minute_without_the_homeserver_delays_notices_and_commands_but_loses_none() {
    use muster_tests::matrix::{Person, Proxy, register};
    const OUTAGE: Duration = Duration::from_mins(1);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/muster.db?mode=rwc", dir.path().display());
    let proxy = Proxy::start().await;
    let bot = register("muster").await;
    let alice = Person::new("alice").await;
    let store = dir.path().join("bot");
    let server = serve_with(
        dir.path(),
        &url,
        &["serve", "--demo"],
        &[
            ("MUSTER_MATRIX_HOMESERVER", &proxy.url()),
            ("MUSTER_MATRIX_USER", &bot.localpart),
            ("MUSTER_MATRIX_PASSWORD", &bot.password),
            ("MUSTER_MATRIX_STORE", store.to_str().unwrap()),
            ("MUSTER_BRIDGE_POLL_MS", "200"),
        ],
    )
    .await;
    let base = server.base.clone();
    let out = muster(dir.path(), &url)
        .args(["token", "create", "--admin", "--name", "drill"])
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let me = gql(
        &base,
        &token,
        "mutation($m: String!) { createMember(input: { displayName: \"Alice\", matrixUserId: $m, isAdmin: true }) { member { id } userErrors { message } } }",
        json!({ "m": alice.user_id() }),
    )
    .await;
    assert!(
        me["data"]["createMember"]["member"]["id"].is_string(),
        "{me}"
    );
    let projects = gql(
        &base,
        &token,
        "{ projects(first: 1) { nodes { id slug } } }",
        json!({}),
    )
    .await;
    let project = projects["data"]["projects"]["nodes"][0].clone();
    let room = alice.create_room(&[&bot.user_id]).await;
    alice
        .wait_for(&room, "the bot's hello", |m| m.sender == bot.user_id)
        .await;
    let reply = alice
        .command(
            &room,
            &format!("!link {}", project["slug"].as_str().unwrap()),
        )
        .await;
    assert!(reply.body.contains("now linked"), "{}", reply.body);

    let typed = alice
        .say(
            &room,
            "!meeting schedule 2027-04-01 18:00 Typed before the outage",
        )
        .await;
    proxy.down().await;
    let went_down = Instant::now();
    let mut moved = Vec::new();
    for i in 0..5 {
        let r = gql(
            &base,
            &token,
            "mutation($p: ID!, $t: String!, $at: DateTime!) { scheduleMeeting(input: { projectId: $p, title: $t, startsAt: $at }) { meeting { id } userErrors { message } } }",
            json!({ "p": project["id"], "t": format!("Away {i}"), "at": format!("2027-05-0{}T18:00:00Z", i + 1) }),
        )
        .await;
        let id = r["data"]["scheduleMeeting"]["meeting"]["id"].clone();
        assert!(id.is_string(), "{r}");
        if i < 2 {
            moved.push(id);
        }
    }
    for (i, id) in moved.iter().enumerate() {
        let r = gql(
            &base,
            &token,
            "mutation($id: ID!, $at: DateTime!) { moveMeeting(input: { id: $id, startsAt: $at, reason: \"drill\" }) { meeting { id } userErrors { message } } }",
            json!({ "id": id, "at": format!("2027-06-0{}T18:00:00Z", i + 1) }),
        )
        .await;
        assert!(r["data"]["moveMeeting"]["meeting"]["id"].is_string(), "{r}");
    }
    let conn = api::db::connect(&url, 1).await.unwrap();
    let waiting = entities::domain::outbox::backlog(&conn).await.unwrap().0;
    tokio::time::sleep(OUTAGE.saturating_sub(went_down.elapsed())).await;
    assert!(
        entities::domain::outbox::backlog(&conn).await.unwrap().0 >= 7,
        "nothing went out while the homeserver was away"
    );
    proxy.up().await;
    let back = Instant::now();
    alice.reply_to(&room, &typed).await;
    let command_after = back.elapsed();
    let mut delivered_after = None;
    for _ in 0..480 {
        if entities::domain::outbox::backlog(&conn).await.unwrap().0 == 0 {
            delivered_after = Some(back.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let delivered_after = delivered_after.expect("everything delivered within 2 min of the return");

    let messages = alice.messages(&room).await;
    let away: Vec<&str> = messages
        .iter()
        .filter(|m| m.body.starts_with("New meeting: Away "))
        .map(|m| &m.body["New meeting: ".len().."New meeting: Away 0".len()])
        .collect();
    assert_eq!(away, ["Away 0", "Away 1", "Away 2", "Away 3", "Away 4"]);
    let moved_notices: Vec<&str> = messages
        .iter()
        .filter(|m| m.body.starts_with("Moved: Away "))
        .map(|m| &m.body["Moved: ".len().."Moved: Away 0".len()])
        .collect();
    assert_eq!(
        moved_notices,
        ["Away 0", "Away 1"],
        "each move once, in order"
    );
    let replies = messages
        .iter()
        .filter(|m| m.in_reply_to.as_deref() == Some(typed.as_str()))
        .count();
    assert_eq!(
        replies, 1,
        "the command typed before the outage is answered once"
    );
    let typed_meetings = gql(
        &base,
        &token,
        "{ meetings(first: 100) { nodes { title } } }",
        json!({}),
    )
    .await["data"]["meetings"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["title"] == "Typed before the outage")
        .count();
    assert_eq!(typed_meetings, 1, "and it ran once");
    eprintln!(
        "drill homeserver down {} s: {waiting} notices waiting during the outage; after it came back the command typed before it was answered in {} ms and every notice delivered in {} ms; duplicates 0, losses 0, order kept",
        OUTAGE.as_secs(),
        command_after.as_millis(),
        delivered_after.as_millis()
    );
}
