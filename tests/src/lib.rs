//! Test helpers: a fresh, migrated database per test on SQLite or on a real
//! PostgreSQL ([`fresh_db`]), and the whole API served on a free port
//! ([`spawn_app`], after zero2prod's `spawn_app`). PostgreSQL comes from
//! `DATABASE_URL` (the README's test command starts a throw-away cluster
//! and sets it); each test gets its own database in it.
//!
//! Every database counts the statements it runs ([`TestDb::statements`]),
//! so tests can show that a query's cost does not grow with its rows, and
//! keeps their text ([`TestDb::statement_texts`]).

#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

pub mod matrix;
pub mod process;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use api::{AppState, Settings};
use entities::Actor;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A migrated database that only this test uses.
pub struct TestDb {
    pub conn: DatabaseConnection,
    pub url: String,
    pub backend: Backend,
    counter: Arc<AtomicUsize>,
    texts: Arc<Mutex<Vec<String>>>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Statements run since the last [`Self::reset_statements`].
    pub fn statements(&self) -> usize {
        self.counter.load(Ordering::SeqCst)
    }

    /// The text of each statement run since the last
    /// [`Self::reset_statements`], in order.
    pub fn statement_texts(&self) -> Vec<String> {
        self.texts.lock().unwrap().clone()
    }

    /// The API's state over this database, its reads counted with the
    /// rest of its statements.
    pub fn state(&self, settings: Settings) -> AppState {
        let mut state = AppState::new(self.conn.clone(), settings);
        state
            .reads
            .set_metric_callback(counting(&self.counter, &self.texts));
        state
    }

    /// Starts counting statements from zero.
    pub fn reset_statements(&self) {
        self.counter.store(0, Ordering::SeqCst);
        self.texts.lock().unwrap().clear();
    }

    /// Creates a member co-op named `name`, and gives its id.
    pub async fn member_coop(&self, name: impl Into<String>) -> uuid::Uuid {
        entities::domain::organisations::create(
            &self.conn,
            &Actor::System,
            entities::domain::organisations::NewOrganisation {
                name: name.into(),
                slug: None,
                kind: entities::OrganisationKind::MemberCoop,
                website: None,
                country: None,
                is_member_coop: None,
            },
        )
        .await
        .unwrap()
        .id
    }

    /// Rows in a table.
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                self.conn.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }
}

impl TestDb {
    /// The RSVP counts `[yes, no, maybe]` each meeting holds (its columns,
    /// kept by the database's triggers), checked against a fresh count of
    /// the `rsvps` table; panics where they differ. Returns the kept counts,
    /// by meeting id, for a test to check figures too.
    pub async fn kept_rsvp_counts_agree(&self) -> std::collections::BTreeMap<uuid::Uuid, [i64; 3]> {
        use std::collections::BTreeMap;
        let rows = |sql: &str| {
            self.conn.query_all_raw(sea_orm::Statement::from_string(
                self.conn.get_database_backend(),
                sql.to_owned(),
            ))
        };
        let mut fresh: BTreeMap<uuid::Uuid, [i64; 3]> = BTreeMap::new();
        for r in
            rows("SELECT meeting_id, response, COUNT(*) FROM rsvps GROUP BY meeting_id, response")
                .await
                .unwrap()
        {
            let meeting: uuid::Uuid = r.try_get_by_index(0).unwrap();
            let response: String = r.try_get_by_index(1).unwrap();
            let i = ["yes", "no", "maybe"]
                .iter()
                .position(|x| *x == response)
                .unwrap();
            fresh.entry(meeting).or_default()[i] = r.try_get_by_index(2).unwrap();
        }
        let mut kept = BTreeMap::new();
        for r in rows("SELECT id, rsvp_yes, rsvp_no, rsvp_maybe FROM meetings")
            .await
            .unwrap()
        {
            let meeting: uuid::Uuid = r.try_get_by_index(0).unwrap();
            let counts: [i64; 3] = [
                r.try_get_by_index(1).unwrap(),
                r.try_get_by_index(2).unwrap(),
                r.try_get_by_index(3).unwrap(),
            ];
            assert_eq!(
                counts,
                fresh.remove(&meeting).unwrap_or_default(),
                "kept counts of meeting {meeting}"
            );
            kept.insert(meeting, counts);
        }
        assert!(fresh.is_empty(), "RSVPs of no meeting: {fresh:?}");
        kept
    }
}

/// The PostgreSQL server the tests use.
pub fn postgres_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "DATABASE_URL is not set: run the tests with `scripts/test` (it starts a throw-away PostgreSQL), \
             or point DATABASE_URL at a PostgreSQL server where the tests may create databases"
        )
    })
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A new, empty database of this backend (not yet migrated).
pub async fn empty_db(backend: Backend) -> TestDb {
    let (url, dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            (
                format!("sqlite://{}/muster.db?mode=rwc", dir.path().display()),
                Some(dir),
            )
        }
        Backend::Postgres => {
            let admin_url = postgres_url();
            let admin = api::db::connect(&admin_url, 1)
                .await
                .expect("connect to DATABASE_URL");
            let name = format!("muster_test_{}", uuid::Uuid::now_v7().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            admin.close().await.ok();
            (with_database(&admin_url, &name), None)
        }
    };
    let mut conn = api::db::connect(&url, 5).await.unwrap();
    let counter = Arc::new(AtomicUsize::new(0));
    let texts = Arc::new(Mutex::new(Vec::new()));
    conn.set_metric_callback(counting(&counter, &texts));
    TestDb {
        conn,
        url,
        backend,
        counter,
        texts,
        _dir: dir,
    }
}

/// A metric callback that counts statements and keeps their text.
fn counting(
    counter: &Arc<AtomicUsize>,
    texts: &Arc<Mutex<Vec<String>>>,
) -> impl Fn(&sea_orm::metric::Info<'_>) + Send + Sync + 'static {
    let (c, t) = (counter.clone(), texts.clone());
    move |info| {
        c.fetch_add(1, Ordering::SeqCst);
        t.lock().unwrap().push(info.statement.sql.clone());
    }
}

/// A new, migrated database of this backend.
pub async fn fresh_db(backend: Backend) -> TestDb {
    let db = empty_db(backend).await;
    api::db::migrate(&db.conn).await.unwrap();
    db
}

/// The first column of every row `sql` (plain SQL, no parameters) gives
/// on `db`: ids to work on, or the lines of a plan.
pub async fn column<T: sea_orm::TryGetable>(db: &impl ConnectionTrait, sql: &str) -> Vec<T> {
    db.query_all_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        sql,
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get_by_index(0).unwrap())
    .collect()
}

/// The API served on a free port, with an admin key.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db: TestDb,
    pub admin_token: String,
    pub client: reqwest::Client,
    /// The served API's state (its turns, its settings), for tests that
    /// hold a part of it.
    pub state: AppState,
}

/// Serves the API on `127.0.0.1:0` over a fresh database.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// [`spawn_app`] with settings changed by `tweak`.
pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let db = fresh_db(backend).await;
    let (_, admin_token) =
        entities::domain::tokens::create_admin(&db.conn, &Actor::System, "tests")
            .await
            .unwrap();
    let mut settings = Settings {
        database_url: db.url.clone(),
        ..Settings::default()
    };
    tweak(&mut settings);
    let state = db.state(settings);
    let app = api::router(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    TestApp {
        addr,
        db,
        admin_token,
        // A request that never ends fails its test within a minute instead
        // of holding the whole suite until CI gives up.
        client: reqwest::Client::builder()
            .timeout(std::time::Duration::from_mins(1))
            .build()
            .unwrap(),
        state,
    }
}

/// Serves the API on `127.0.0.1:0` over an existing test database (e.g.
/// one the bot also uses); returns its base URL and an admin key.
pub async fn serve_api(db: &TestDb) -> (String, String) {
    let (_, admin_token) =
        entities::domain::tokens::create_admin(&db.conn, &Actor::System, "tests")
            .await
            .unwrap();
    let settings = Settings {
        database_url: db.url.clone(),
        ..Settings::default()
    };
    let app = api::router(db.state(settings));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    (format!("http://{addr}"), admin_token)
}

impl TestApp {
    /// `http://addr/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// POSTs a GraphQL request, with `token` if given; returns status and body.
    pub async fn post(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")),
        )
    }

    /// POSTs a raw body with the given headers; returns status, headers and
    /// body text.
    pub async fn raw(
        &self,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let mut req = self.client.post(self.url("/graphql")).body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        (status, headers, resp.text().await.unwrap())
    }

    /// A session for the member `member_id` (the token's secret, to send as
    /// a bearer token), valid until revoked.
    pub async fn member_session(&self, member_id: uuid::Uuid) -> String {
        let (_, secret) = entities::domain::tokens::create(
            &self.db.conn,
            &Actor::System,
            entities::domain::tokens::NewToken::Member {
                name: "tests".into(),
                member_id,
                expires_at: None,
            },
        )
        .await
        .unwrap();
        secret
    }

    /// A query as nobody.
    pub async fn anon(&self, query: &str, variables: Value) -> Value {
        self.post(None, query, variables).await.1
    }

    /// A request as admin.
    pub async fn admin(&self, query: &str, variables: Value) -> Value {
        self.post(Some(&self.admin_token.clone()), query, variables)
            .await
            .1
    }

    /// Runs a mutation as admin and returns its payload, failing the test on
    /// GraphQL errors or user errors.
    pub async fn ok(&self, mutation: &str, field: &str, input: Value) -> Value {
        let body = self.admin(mutation, json!({ "input": input })).await;
        assert!(body.get("errors").is_none(), "errors: {body}");
        let payload = body["data"][field].clone();
        assert_eq!(payload["userErrors"], json!([]), "user errors: {payload}");
        payload
    }
}

/// Declares a test that runs once on SQLite and once on PostgreSQL:
/// `both!(name)` for an `async fn name(backend: Backend)` in scope.
#[macro_export]
macro_rules! both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await;
            }
        }
    )+};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5432/postgres", "x"),
            "postgres://u@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h:1", "x"), "postgres://u@h:1/x");
    }
}
