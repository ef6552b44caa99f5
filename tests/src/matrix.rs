//! Matrix helpers for the bridge's tests against the real Synapse that
//! `scripts/test` starts: throw-away accounts (registered with the
//! homeserver's shared secret, so parallel tests never share a bot or a
//! person), a person's matrix-sdk client that types commands, reacts and
//! reads the room, the bot itself started in-process over a test database,
//! and a TCP proxy that can take the homeserver "away" for outage tests.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bridge::bot::{BotConfig, BotError};
use hmac::{Hmac, Mac};
use matrix_sdk::Client;
use matrix_sdk::room::MessagesOptions;
use matrix_sdk::ruma::api::client::room::create_room::v3::Request as CreateRoom;
use matrix_sdk::ruma::events::reaction::ReactionEventContent;
use matrix_sdk::ruma::events::relation::Annotation;
use matrix_sdk::ruma::events::room::message::RoomMessageEventContent;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, RoomId, UInt};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;

/// The test homeserver's URL.
pub fn homeserver() -> String {
    std::env::var("MUSTER_TEST_HOMESERVER").unwrap_or_else(|_| {
        panic!("MUSTER_TEST_HOMESERVER is not set: run the tests with `scripts/test` (it starts a throw-away Synapse)")
    })
}

/// A registered account.
#[derive(Debug, Clone)]
pub struct Account {
    pub user_id: String,
    pub localpart: String,
    pub password: String,
}

/// Registers a new account `<prefix>-<random>` with the shared secret.
pub async fn register(prefix: &str) -> Account {
    let hs = homeserver();
    let secret = std::env::var("MUSTER_TEST_MATRIX_SHARED_SECRET")
        .expect("MUSTER_TEST_MATRIX_SHARED_SECRET (set by scripts/test)");
    let localpart = format!("{prefix}-{:08x}", rand::random::<u32>());
    let password = format!("password-{localpart}");
    let http = reqwest::Client::new();
    let url = format!("{hs}/_synapse/admin/v1/register");
    let nonce: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    let nonce = nonce["nonce"].as_str().unwrap().to_owned();
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{nonce}\0{localpart}\0{password}\0notadmin").as_bytes());
    let mac = hex::encode(mac.finalize().into_bytes());
    let body: Value = http
        .post(&url)
        .json(&json!({ "nonce": nonce, "username": localpart, "password": password, "admin": false, "mac": mac }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user_id = body["user_id"]
        .as_str()
        .unwrap_or_else(|| panic!("registration failed: {body}"))
        .to_owned();
    Account {
        user_id,
        localpart,
        password,
    }
}

/// A message as a person sees it in the room.
#[derive(Debug, Clone)]
pub struct Seen {
    pub event_id: String,
    pub sender: String,
    pub msgtype: String,
    pub body: String,
    pub html: Option<String>,
    pub in_reply_to: Option<String>,
    /// Whether it was sent encrypted (and decrypted here).
    pub encrypted: bool,
}

/// A person with a Matrix client.
pub struct Person {
    pub client: Client,
    pub account: Account,
}

impl Person {
    /// Registers a new account and logs it in.
    pub async fn new(prefix: &str) -> Self {
        let account = register(prefix).await;
        let client = Client::builder()
            .homeserver_url(homeserver())
            .build()
            .await
            .unwrap();
        client
            .matrix_auth()
            .login_username(&account.localpart, &account.password)
            .send()
            .await
            .unwrap();
        Self { client, account }
    }

    pub fn user_id(&self) -> &str {
        &self.account.user_id
    }

    /// Creates a private room and invites `invite`.
    pub async fn create_room(&self, invite: &[&str]) -> OwnedRoomId {
        let mut req = CreateRoom::new();
        req.invite = invite.iter().map(|u| u.parse().unwrap()).collect();
        req.name = Some("Test room".into());
        self.client
            .create_room(req)
            .await
            .unwrap()
            .room_id()
            .to_owned()
    }

    /// Creates a private room with end-to-end encryption on, and invites
    /// `invite`.
    pub async fn create_encrypted_room(&self, invite: &[&str]) -> OwnedRoomId {
        use matrix_sdk::ruma::events::InitialStateEvent;
        use matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent;
        let mut req = CreateRoom::new();
        req.invite = invite.iter().map(|u| u.parse().unwrap()).collect();
        req.name = Some("Encrypted test room".into());
        req.initial_state = vec![
            InitialStateEvent::with_empty_state_key(
                RoomEncryptionEventContent::with_recommended_defaults(),
            )
            .to_raw_any(),
        ];
        let id = self
            .client
            .create_room(req)
            .await
            .unwrap()
            .room_id()
            .to_owned();
        self.sync().await;
        id
    }

    /// One sync: room state, and keys sent to this device.
    pub async fn sync(&self) {
        let _ = self
            .client
            .sync_once(matrix_sdk::config::SyncSettings::default().timeout(Duration::ZERO))
            .await;
    }

    /// Joins a room it was invited to.
    pub async fn join(&self, room: &RoomId) {
        self.client.join_room_by_id(room).await.unwrap();
    }

    fn room(&self, room: &RoomId) -> matrix_sdk::Room {
        self.client
            .get_room(room)
            .unwrap_or_else(|| panic!("{} does not know {room}", self.user_id()))
    }

    /// Sends a text message; returns its event id.
    pub async fn say(&self, room: &RoomId, text: &str) -> OwnedEventId {
        self.room(room)
            .send(RoomMessageEventContent::text_plain(text))
            .await
            .unwrap()
            .response
            .event_id
    }

    /// Reacts to an event.
    pub async fn react(&self, room: &RoomId, event: &str, key: &str) -> OwnedEventId {
        let content =
            ReactionEventContent::new(Annotation::new(event.parse().unwrap(), key.into()));
        self.room(room)
            .send(content)
            .await
            .unwrap()
            .response
            .event_id
    }

    /// The room's messages, oldest first (up to 500).
    pub async fn messages(&self, room: &RoomId) -> Vec<Seen> {
        if self
            .room(room)
            .latest_encryption_state()
            .await
            .is_ok_and(|s| s.is_encrypted())
        {
            // Room keys arrive as to-device messages, in a sync.
            self.sync().await;
        }
        let mut options = MessagesOptions::backward();
        options.limit = UInt::from(500u32);
        let page = self.room(room).messages(options).await.unwrap();
        let mut out: Vec<Seen> = page
            .chunk
            .iter()
            .filter_map(|e| {
                let v: Value = e.raw().deserialize_as().ok()?;
                if v["type"] != "m.room.message" {
                    return None;
                }
                let c = &v["content"];
                Some(Seen {
                    event_id: v["event_id"].as_str()?.to_owned(),
                    sender: v["sender"].as_str()?.to_owned(),
                    msgtype: c["msgtype"].as_str().unwrap_or_default().to_owned(),
                    body: c["body"].as_str().unwrap_or_default().to_owned(),
                    html: c["formatted_body"].as_str().map(str::to_owned),
                    in_reply_to: c["m.relates_to"]["m.in_reply_to"]["event_id"]
                        .as_str()
                        .map(str::to_owned),
                    encrypted: e.encryption_info().is_some(),
                })
            })
            .collect();
        out.reverse();
        out
    }

    /// Waits (up to 60 s) until a message matches; fails the test with
    /// what the room holds otherwise.
    pub async fn wait_for(&self, room: &RoomId, what: &str, pred: impl Fn(&Seen) -> bool) -> Seen {
        let deadline = tokio::time::Instant::now() + Duration::from_mins(1);
        loop {
            let seen = self.messages(room).await;
            if let Some(m) = seen.iter().find(|m| pred(m)) {
                return m.clone();
            }
            if tokio::time::Instant::now() > deadline {
                let bodies: Vec<String> = seen
                    .iter()
                    .map(|m| format!("{}: {}", m.sender, m.body))
                    .collect();
                panic!(
                    "waited 60 s for {what}; the room has:\n{}",
                    bodies.join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Waits for the bot's reply to one of this person's messages.
    pub async fn reply_to(&self, room: &RoomId, event: &OwnedEventId) -> Seen {
        let id = event.to_string();
        self.wait_for(room, &format!("a reply to {id}"), |m| {
            m.in_reply_to.as_deref() == Some(id.as_str())
        })
        .await
    }

    /// Says `text` and waits for the reply.
    pub async fn command(&self, room: &RoomId, text: &str) -> Seen {
        let id = self.say(room, text).await;
        self.reply_to(room, &id).await
    }
}

/// The bot, running in this process over a test database.
pub struct TestBot {
    pub account: Account,
    pub store: PathBuf,
    pub homeserver: String,
    stop: Option<watch::Sender<bool>>,
    task: Option<JoinHandle<Result<(), BotError>>>,
}

impl TestBot {
    /// Registers a bot account and starts the bot with its store in `dir`.
    pub async fn start(db: &DatabaseConnection, dir: &Path) -> Self {
        Self::start_at(db, dir, &homeserver()).await
    }

    /// Starts it talking to `homeserver` (e.g. a [`Proxy`]).
    pub async fn start_at(db: &DatabaseConnection, dir: &Path, homeserver: &str) -> Self {
        let mut bot = Self {
            account: register("muster").await,
            store: dir.join("bot-store"),
            homeserver: homeserver.to_owned(),
            stop: None,
            task: None,
        };
        bot.restart(db);
        bot
    }

    /// The bot's Matrix id.
    pub fn user_id(&self) -> &str {
        &self.account.user_id
    }

    /// Starts it (again, from the same store).
    pub fn restart(&mut self, db: &DatabaseConnection) {
        let mut config = BotConfig::new(
            &self.homeserver,
            &self.account.localpart,
            &self.account.password,
            &self.store,
        );
        config.poll = Duration::from_millis(200);
        config.sync_timeout = Duration::from_secs(5);
        let (stop, stopped) = watch::channel(false);
        self.stop = Some(stop);
        self.task = Some(tokio::spawn(bridge::bot::serve(
            config,
            db.clone(),
            stopped,
        )));
    }

    /// Stops it the polite way (SIGTERM's path) and waits.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }

    /// Kills it wherever it is (a crash).
    pub async fn kill(&mut self) {
        self.stop.take();
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for TestBot {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A TCP proxy in front of the homeserver that can be taken down and
/// brought back on the same port: an outage as the bot sees it.
pub struct Proxy {
    pub addr: SocketAddr,
    target: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    /// Starts a proxy to the test homeserver.
    pub async fn start() -> Self {
        let target = homeserver()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let p = Self {
            addr,
            target,
            tasks: Arc::default(),
        };
        p.serve(listener).await;
        p
    }

    /// `http://addr`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn serve(&self, listener: tokio::net::TcpListener) {
        let target = self.target.clone();
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let target = target.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().await.push(conn);
            }
        });
        self.tasks.lock().await.push(accept);
    }

    /// Drops every connection and stops listening.
    pub async fn down(&self) {
        for t in self.tasks.lock().await.drain(..) {
            t.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn up(&self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener).await;
    }
}
