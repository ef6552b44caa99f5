//! End to end: the real `muster` binary, started as a process, spoken to
//! over HTTP — on SQLite (the no-setup default, in a temporary working
//! directory) and on PostgreSQL.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use muster_tests::{Backend, both, empty_db};
use serde_json::{Value, json};

fn muster_bin() -> PathBuf {
    if let Ok(p) = std::env::var("MUSTER_BIN") {
        return PathBuf::from(p);
    }
    // target/debug/deps/suite-… → target/debug/muster
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("muster");
    assert!(
        bin.exists(),
        "build the binary first (`cargo build -p api --bin muster`) or set MUSTER_BIN; scripts/test does both"
    );
    bin
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn muster(dir: &std::path::Path, db_url: &str) -> Command {
    let mut cmd = Command::new(muster_bin());
    cmd.current_dir(dir)
        .env_remove("MUSTER_LISTEN")
        .env("MUSTER_DATABASE_URL", db_url)
        .env("MUSTER_LOG", "warn");
    cmd
}

async fn start(dir: &std::path::Path, db_url: &str) -> Server {
    let port = free_port();
    let child = muster(dir, db_url)
        .args(["serve", "--demo"])
        .env("MUSTER_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{}/ready", server.base)).send().await
            && r.status() == 200
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("muster did not become ready on port {port}");
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

    let out = Command::new(muster_bin()).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for cmd in ["serve", "migrate", "seed", "schema", "token", "bridge"] {
        assert!(help.contains(cmd), "{help}");
    }
}

/// Sends SIGTERM and waits (up to 20 s) for the process to exit.
fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for _ in 0..200 {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("muster did not stop within 20 s of SIGTERM");
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
    let mut alone = cmd
        .args(["bridge"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let reply = alice.command(&room, "!help").await;
    assert!(reply.body.contains("!rsvp"), "{}", reply.body);
    let status = terminate(&mut alone);
    assert!(
        status.success(),
        "bridge exits cleanly on SIGTERM: {status}"
    );
    let again = std::fs::read_to_string(dir.path().join("bot/session.json")).unwrap();
    let device = |s: &str| serde_json::from_str::<Value>(s).unwrap()["device_id"].clone();
    assert_eq!(device(&session), device(&again), "one login, one device");
}
