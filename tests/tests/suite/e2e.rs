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

    let out = muster(dir.path(), "mysql://nope")
        .args(["migrate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_url"));

    let out = Command::new(muster_bin()).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for cmd in ["serve", "migrate", "seed", "schema", "token"] {
        assert!(help.contains(cmd), "{help}");
    }
}
