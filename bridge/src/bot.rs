//! The bot itself: the matrix-sdk client that logs in once, keeps its
//! session, device and sync position in a store of its own, joins the rooms
//! it is invited to, hands every command and reaction to [`crate::run`],
//! and delivers the outbox ([`crate::deliver`]) through [`MatrixOutlet`].
//!
//! Never lose, never repeat: the sync position is saved only after every
//! event of a sync response has been handled, so a crash replays events
//! rather than skipping them, and a replayed event is recognised by its id
//! (recorded in the same transaction as its effect). Replies go through
//! the outbox like every other notice, so a crash between a command and its
//! reply delays the reply but never drops it. Commands typed while the bot
//! was down arrive in the first sync after it comes back and are handled
//! then (up to [`TIMELINE_LIMIT`] per room).
//!
//! The state lives in `MUSTER_MATRIX_STORE`: `session.json` (the access
//! token, the device, the sync position and the time of the first login;
//! readable by its owner only) and `sdk/` (matrix-sdk's SQLite store: room
//! state and the end-to-end encryption keys, so encrypted rooms work).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::{RequestConfig, SyncSettings};
use matrix_sdk::deserialized_responses::TimelineEvent;
use matrix_sdk::ruma::api::client::filter::FilterDefinition;
use matrix_sdk::ruma::api::client::room::create_room::v3::{
    Request as CreateRoomRequest, RoomPreset,
};
use matrix_sdk::ruma::api::client::state::get_state_event_for_key;
use matrix_sdk::ruma::api::error::{ErrorKind, RetryAfter};
use matrix_sdk::ruma::events::StateEventType;
use matrix_sdk::ruma::events::relation::{InReplyTo, Reply as ReplyRelation};
use matrix_sdk::ruma::events::room::member::MembershipChange;
use matrix_sdk::ruma::events::room::message::{
    MessageType, Relation, RoomMessageEventContent, SyncRoomMessageEvent,
};
use matrix_sdk::ruma::events::{
    AnySyncMessageLikeEvent, AnySyncStateEvent, AnySyncTimelineEvent, SyncMessageLikeEvent,
    SyncStateEvent,
};
use matrix_sdk::ruma::{
    OwnedRoomId, OwnedTransactionId, OwnedUserId, RoomAliasId, RoomId, UInt, UserId,
};
use matrix_sdk::{Client, Room};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

use crate::deliver::{self, Outlet, SendError};
use crate::notices::{Notice, RoomSpec, escape};
use crate::run::{self, Incoming, Reaction};

/// Events per room asked for in one sync: a bot that was down for a while
/// still sees the commands typed meanwhile.
pub const TIMELINE_LIMIT: u32 = 200;

/// How the bot connects and where it keeps its state.
#[derive(Clone)]
pub struct BotConfig {
    /// e.g. `https://matrix.example.org`.
    pub homeserver: String,
    /// The bot's user, `@muster:example.org` or just `muster`.
    pub user: String,
    /// Its password, used only for the first login.
    pub password: String,
    /// Where the session and matrix-sdk's store live.
    pub store: PathBuf,
    /// Encrypts matrix-sdk's store when set.
    pub store_passphrase: Option<String>,
    /// How often the outbox is looked at when nothing wakes the bot.
    pub poll: Duration,
    /// Rows delivered per round.
    pub batch: u64,
    /// How long a sync waits for news (long polling).
    pub sync_timeout: Duration,
    /// When reminders, quorum warnings and agendas go out.
    pub alerts: entities::domain::alerts::AlertPolicy,
    /// The thresholds of the weekly health digest.
    pub health: entities::domain::health::HealthPolicy,
}

impl std::fmt::Debug for BotConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotConfig")
            .field("homeserver", &self.homeserver)
            .field("user", &self.user)
            .field("password", &"<secret>")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl BotConfig {
    /// A configuration with the usual timings.
    pub fn new(homeserver: &str, user: &str, password: &str, store: impl Into<PathBuf>) -> Self {
        Self {
            homeserver: homeserver.to_owned(),
            user: user.to_owned(),
            password: password.to_owned(),
            store: store.into(),
            store_passphrase: None,
            poll: Duration::from_secs(2),
            batch: 50,
            sync_timeout: Duration::from_secs(30),
            alerts: entities::domain::alerts::AlertPolicy::default(),
            health: entities::domain::health::HealthPolicy::default(),
        }
    }
}

/// Why the bot could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("could not use the bot's store at {path}: {message}")]
    Store { path: PathBuf, message: String },
    #[error("could not reach the homeserver at {homeserver}: {message}")]
    Connect { homeserver: String, message: String },
    #[error(
        "the homeserver refused the bot's login as {user}: {message} (check MUSTER_MATRIX_USER and MUSTER_MATRIX_PASSWORD)"
    )]
    Login { user: String, message: String },
    #[error(
        "the stored Matrix session is no longer valid ({message}); remove {path} to log in again"
    )]
    SessionGone { path: PathBuf, message: String },
    #[error("database: {0}")]
    Database(#[from] entities::DomainError),
}

/// What the bot keeps between runs, next to matrix-sdk's store.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Saved {
    pub(crate) session: MatrixSession,
    /// Where the next sync starts; `None` before the first.
    since: Option<String>,
    /// Commands older than the bot's first login are history, not requests.
    first_login: DateTime<Utc>,
}

/// A logged-in bot.
pub struct Bot {
    client: Client,
    me: OwnedUserId,
    saved: Saved,
    config: BotConfig,
    wake: Arc<Notify>,
}

pub(crate) fn session_path(store: &Path) -> PathBuf {
    store.join("session.json")
}

/// Logs `client` in with the bot's password as a new device named
/// `device_name`. A refusal is [`BotError::Login`] (the settings are
/// wrong); no answer is [`BotError::Connect`] (try again later).
pub(crate) async fn log_in(
    client: &Client,
    config: &BotConfig,
    device_name: &str,
) -> Result<matrix_sdk::ruma::OwnedUserId, BotError> {
    client
        .matrix_auth()
        .login_username(&config.user, &config.password)
        .initial_device_display_name(device_name)
        .send()
        .await
        .map(|r| r.user_id)
        .map_err(|e| {
            if e.as_client_api_error().is_some() {
                BotError::Login {
                    user: config.user.clone(),
                    message: e.to_string(),
                }
            } else {
                BotError::Connect {
                    homeserver: config.homeserver.clone(),
                    message: e.to_string(),
                }
            }
        })
}

/// The stored session, if the bot has logged in before.
pub(crate) fn read_saved(store: &Path) -> Result<Option<Saved>, BotError> {
    let path = session_path(store);
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(&path).map_err(|e| store_error(&path, e))?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| store_error(&path, e))
}

fn store_error(path: &Path, e: impl std::fmt::Display) -> BotError {
    BotError::Store {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

fn write_saved(store: &Path, saved: &Saved) -> Result<(), BotError> {
    let path = session_path(store);
    let tmp = store.join("session.json.tmp");
    let json = serde_json::to_vec_pretty(saved).map_err(|e| store_error(&path, e))?;
    {
        use std::io::Write as _;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&tmp).map_err(|e| store_error(&tmp, e))?;
        f.write_all(&json).map_err(|e| store_error(&tmp, e))?;
        f.sync_all().map_err(|e| store_error(&tmp, e))?;
    }
    std::fs::rename(&tmp, &path).map_err(|e| store_error(&path, e))
}

impl Bot {
    /// Restores the stored session, or logs in (once) and stores it.
    pub async fn connect(config: BotConfig) -> Result<Self, BotError> {
        std::fs::create_dir_all(&config.store).map_err(|e| store_error(&config.store, e))?;
        let client = Client::builder()
            .homeserver_url(&config.homeserver)
            .sqlite_store(config.store.join("sdk"), config.store_passphrase.as_deref())
            // Our own loops retry with backoff and report outages; the
            // client should tell them rather than retry forever.
            .request_config(RequestConfig::new().retry_limit(2))
            .build()
            .await
            .map_err(|e| BotError::Connect {
                homeserver: config.homeserver.clone(),
                message: e.to_string(),
            })?;
        let path = session_path(&config.store);
        let saved = if let Some(saved) = read_saved(&config.store)? {
            client
                .restore_session(saved.session.clone())
                .await
                .map_err(|e| store_error(&path, e))?;
            tracing::info!(user = %saved.session.meta.user_id, device = %saved.session.meta.device_id, "restored the bot's Matrix session");
            saved
        } else {
            log_in(&client, &config, "Muster").await?;
            let session = client
                .matrix_auth()
                .session()
                .ok_or_else(|| BotError::Login {
                    user: config.user.clone(),
                    message: "no session after login".into(),
                })?;
            tracing::info!(user = %session.meta.user_id, device = %session.meta.device_id, "logged the bot in");
            let saved = Saved {
                session,
                since: None,
                first_login: Utc::now(),
            };
            write_saved(&config.store, &saved)?;
            saved
        };
        let me = saved.session.meta.user_id.clone();
        Ok(Self {
            client,
            me,
            saved,
            config,
            wake: Arc::new(Notify::new()),
        })
    }

    /// The bot's Matrix id.
    pub fn user_id(&self) -> &UserId {
        &self.me
    }

    /// Runs until `stop` turns true: syncs and handles events, and delivers
    /// the outbox. On stop, the event being handled is finished first.
    pub async fn run(
        mut self,
        db: DatabaseConnection,
        mut stop: watch::Receiver<bool>,
    ) -> Result<(), BotError> {
        let outlet = MatrixOutlet {
            client: self.client.clone(),
        };
        let wake = self.wake.clone();
        let config = self.config.clone();
        let delivery = deliver_loop(&db, &outlet, &config, &wake, stop.clone());
        let sync = self.sync_loop(&db, &mut stop);
        let (a, b) = tokio::join!(sync, delivery);
        a.and(b)
    }

    async fn sync_loop(
        &mut self,
        db: &DatabaseConnection,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<(), BotError> {
        let mut filter = FilterDefinition::with_lazy_loading();
        filter.room.timeline.limit = Some(UInt::from(TIMELINE_LIMIT));
        let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
        let mut joins = Joins::default();
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            let mut settings = SyncSettings::default()
                .filter(filter.clone().into())
                .timeout(if self.saved.since.is_some() {
                    self.config.sync_timeout
                } else {
                    Duration::ZERO
                });
            if let Some(since) = &self.saved.since {
                settings = settings.token(since.clone());
            }
            let response = tokio::select! {
                r = self.client.sync_once(settings) => r,
                _ = stop.changed() => return Ok(()),
            };
            let response = match response {
                Ok(r) => {
                    backoff.reset();
                    r
                }
                Err(e) => {
                    if matches!(
                        e.client_api_error_kind(),
                        Some(ErrorKind::UnknownToken { .. })
                    ) {
                        return Err(BotError::SessionGone {
                            path: self.config.store.clone(),
                            message: e.to_string(),
                        });
                    }
                    let wait = backoff.next();
                    tracing::warn!(error = %e, ?wait, "sync failed; trying again");
                    tokio::select! {
                        () = tokio::time::sleep(wait) => continue,
                        _ = stop.changed() => return Ok(()),
                    }
                }
            };
            let mut finished = true;
            let resumed = self.saved.since.is_some();
            'rooms: for (room_id, update) in &response.rooms.joined {
                let Some(room) = self.client.get_room(room_id) else {
                    continue;
                };
                let (events, joined_now) = self.commands_in(&update.timeline.events);
                for event in events {
                    if *stop.borrow() {
                        // Finish here: the rest of this response comes
                        // again after a restart, and handled events are
                        // recognised by their ids.
                        finished = false;
                        break 'rooms;
                    }
                    self.handle(db, &room, &event).await?;
                }
                if resumed && !joined_now && update.timeline.limited {
                    tracing::warn!(room = %room_id, "more events than one sync returns; older commands in this room may have been missed");
                }
            }
            if !finished {
                return Ok(());
            }
            self.saved.since = Some(response.next_batch.clone());
            write_saved(&self.config.store, &self.saved)?;
            joins.join_invited(&self.client).await;
        }
    }

    /// The events of one room's timeline that the bot should look at: not
    /// its own, not from before it joined (when it joined in this batch),
    /// not from before its first login.
    fn commands_in(&self, events: &[TimelineEvent]) -> (Vec<AnySyncTimelineEvent>, bool) {
        let parsed: Vec<AnySyncTimelineEvent> = events
            .iter()
            .filter_map(|e| e.raw().deserialize().ok())
            .collect();
        let joined_at = parsed.iter().rposition(|e| {
            matches!(e, AnySyncTimelineEvent::State(AnySyncStateEvent::RoomMember(SyncStateEvent::Original(m)))
                if m.state_key == self.me && matches!(m.membership_change(), MembershipChange::Joined))
        });
        let first_login = self.saved.first_login.timestamp_millis();
        let events = parsed
            .into_iter()
            .skip(joined_at.map_or(0, |i| i + 1))
            .filter(|e| e.sender() != self.me)
            .filter(|e| i64::from(e.origin_server_ts().get()) >= first_login)
            .collect();
        (events, joined_at.is_some())
    }

    async fn handle(
        &self,
        db: &DatabaseConnection,
        room: &Room,
        event: &AnySyncTimelineEvent,
    ) -> Result<(), BotError> {
        let AnySyncTimelineEvent::MessageLike(event) = event else {
            return Ok(());
        };
        let room_id = room.room_id().as_str();
        let at = DateTime::<Utc>::from_timestamp_millis(event.origin_server_ts().get().into())
            .unwrap_or_else(Utc::now);
        let outcome = match event {
            AnySyncMessageLikeEvent::RoomMessage(SyncRoomMessageEvent::Original(m)) => {
                let MessageType::Text(text) = &m.content.msgtype else {
                    return Ok(());
                };
                let msg = Incoming {
                    event_id: m.event_id.as_str(),
                    room_id,
                    sender: m.sender.as_str(),
                    body: &text.body,
                    now: at,
                    health: self.config.health,
                };
                retry_db(|| run::handle(db, &msg)).await
            }
            AnySyncMessageLikeEvent::Reaction(SyncMessageLikeEvent::Original(r)) => {
                let reaction = Reaction {
                    event_id: r.event_id.as_str(),
                    room_id,
                    sender: r.sender.as_str(),
                    target: r.content.relates_to.event_id.as_str(),
                    key: &r.content.relates_to.key,
                };
                retry_db(|| run::react(db, &reaction)).await
            }
            _ => return Ok(()),
        };
        match outcome {
            Ok(Some(reply)) => {
                tracing::info!(room = %room_id, event = %event.event_id(), ok = reply.ok, "handled a command");
                self.wake.notify_one();
            }
            Ok(None) => {}
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

/// Runs the bridge until `stop` turns true: while it holds the bridge lease
/// ([`crate::lease`]) — at once on SQLite; on PostgreSQL after any other
/// active bridge has stopped — and standing by again if the lease is lost.
/// A refused login or an unusable store ends it with an error that says
/// what to fix.
pub async fn serve(
    config: BotConfig,
    db: DatabaseConnection,
    mut stop: watch::Receiver<bool>,
) -> Result<(), BotError> {
    loop {
        let Some(mut lease) = crate::lease::acquire(&db, &mut stop).await else {
            return Ok(());
        };
        let (halt, halted) = watch::channel(false);
        let mut run = std::pin::pin!(serve_active(config.clone(), db.clone(), halted));
        loop {
            tokio::select! {
                r = &mut run => {
                    lease.release().await;
                    return r;
                }
                r = stop.changed() => if r.is_err() || *stop.borrow() {
                    let _ = halt.send(true);
                    let r = run.await;
                    lease.release().await;
                    return r;
                },
                () = tokio::time::sleep(crate::lease::STANDBY_POLL) => {
                    if !lease.held().await {
                        break;
                    }
                }
            }
        }
        tracing::warn!(
            "lost the bridge lease (its database connection broke): stopping this bridge and standing by"
        );
        let _ = halt.send(true);
        run.await?;
    }
}

/// Connects (retrying while the homeserver is unreachable) and runs the bot
/// until `stop` turns true.
async fn serve_active(
    config: BotConfig,
    db: DatabaseConnection,
    mut stop: watch::Receiver<bool>,
) -> Result<(), BotError> {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_mins(1));
    let bot = loop {
        match Bot::connect(config.clone()).await {
            Ok(bot) => break bot,
            Err(e @ BotError::Connect { .. }) => {
                let wait = backoff.next();
                tracing::warn!(error = %e, ?wait, "the bridge waits for the homeserver");
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => return Ok(()),
                }
            }
            Err(e) => return Err(e),
        }
    };
    tracing::info!(user = %bot.user_id(), "the Matrix bridge is running");
    Box::pin(bot.run(db, stop)).await
}

/// Runs a database step, retrying while the database is unreachable: an
/// event is never skipped because the database blinked.
async fn retry_db<T, F, Fut>(mut step: F) -> Result<T, BotError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, entities::DomainError>>,
{
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(10));
    let mut tries = 0;
    loop {
        match step().await {
            Ok(v) => return Ok(v),
            Err(e) if e.is_transient() && tries < 30 => {
                tries += 1;
                let wait = backoff.next();
                tracing::warn!(error = %e, ?wait, "database step failed; trying again");
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

async fn deliver_loop(
    db: &DatabaseConnection,
    outlet: &MatrixOutlet,
    config: &BotConfig,
    wake: &Notify,
    mut stop: watch::Receiver<bool>,
) -> Result<(), BotError> {
    let mut next_digest = Instant::now();
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        // Alerts that fell due go to the outbox first, then out with the
        // rest.
        if let Err(e) = entities::domain::alerts::run_due(db, Utc::now(), &config.alerts).await {
            tracing::warn!(error = %e, "could not work out the alerts due; trying again");
        }
        // The weekly digest is looked at every ten minutes, not every round.
        if Instant::now() >= next_digest {
            next_digest = Instant::now() + Duration::from_mins(10);
            if let Err(e) =
                entities::domain::health::run_weekly_digest(db, Utc::now(), config.health).await
            {
                tracing::warn!(error = %e, "could not post the weekly health digest; trying again");
            }
            if let Err(e) = entities::domain::signups::run_check_ins(
                db,
                Utc::now(),
                config.health.check_in_days,
            )
            .await
            {
                tracing::warn!(error = %e, "could not queue the sign-up check-ins; trying again");
            }
        }
        let wait = match deliver::round(db, outlet, config.batch).await {
            Ok(r) if r.wait.is_some() => r.wait.unwrap_or(config.poll),
            // A full batch: there may be more right away.
            Ok(r) if (r.sent + r.skipped + r.failed) as u64 >= config.batch => Duration::ZERO,
            Ok(_) => config.poll,
            Err(e) => {
                tracing::warn!(error = %e, "outbox delivery failed; trying again");
                config.poll
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = wake.notified() => {}
            _ = stop.changed() => return Ok(()),
        }
    }
}

/// Exponential backoff between `base` and `max`.
struct Backoff {
    base: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    fn new(base: Duration, max: Duration) -> Self {
        Self {
            base,
            max,
            current: base,
        }
    }

    fn next(&mut self) -> Duration {
        let now = self.current;
        self.current = (self.current * 2).min(self.max);
        now
    }

    fn reset(&mut self) {
        self.current = self.base;
    }
}

/// Invitations the bot has yet to accept, with when to try again.
#[derive(Default)]
struct Joins {
    next_try: HashMap<OwnedRoomId, (Instant, Backoff)>,
}

impl Joins {
    /// Joins every room the bot is invited to, backing off per room when a
    /// join fails (the homeserver may be busy, or the room's server away).
    async fn join_invited(&mut self, client: &Client) {
        for room in client.invited_rooms() {
            let id = room.room_id().to_owned();
            let now = Instant::now();
            if self.next_try.get(&id).is_some_and(|(t, _)| *t > now) {
                continue;
            }
            match room.join().await {
                Ok(()) => {
                    self.next_try.remove(&id);
                    tracing::info!(room = %id, "joined a room on invitation");
                    let hello = RoomMessageEventContent::notice_html(
                        "Hello! I am Muster's bot. A convener can link this room to a project with !link <project-slug>; !help lists what I can do.",
                        "Hello! I am Muster's bot. A convener can link this room to a project with <code>!link &lt;project-slug&gt;</code>; <code>!help</code> lists what I can do.",
                    );
                    let txn =
                        OwnedTransactionId::from(format!("muster-hello-{}", hex_of(id.as_str())));
                    if let Err(e) = room.send(hello).with_transaction_id(txn).await {
                        tracing::warn!(room = %id, error = %e, "could not say hello");
                    }
                }
                Err(e) => {
                    let entry = self.next_try.entry(id.clone()).or_insert_with(|| {
                        (
                            now,
                            Backoff::new(Duration::from_secs(1), Duration::from_mins(5)),
                        )
                    });
                    let wait = entry.1.next();
                    entry.0 = now + wait;
                    tracing::warn!(room = %id, error = %e, ?wait, "could not join; trying again later");
                }
            }
        }
    }
}

fn hex_of(s: &str) -> String {
    use std::fmt::Write as _;
    s.bytes().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Sends notices and creates rooms through the bot's client.
pub struct MatrixOutlet {
    client: Client,
}

impl MatrixOutlet {
    /// An outlet over a logged-in client.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    fn room(&self, id: &str) -> Result<Room, SendError> {
        let room_id = RoomId::parse(id).map_err(|e| SendError::Rejected(e.to_string()))?;
        self.client
            .get_room(&room_id)
            .ok_or_else(|| SendError::Rejected(format!("the bot is not in {id}")))
    }
}

/// What a failed Matrix request means for delivery.
fn classify(e: &matrix_sdk::Error) -> SendError {
    match e.as_client_api_error() {
        Some(api) => {
            if let Some(ErrorKind::LimitExceeded(data)) = api.error_kind() {
                let wait = match data.retry_after {
                    Some(RetryAfter::Delay(d)) => d,
                    Some(RetryAfter::DateTime(t)) => t
                        .duration_since(std::time::SystemTime::now())
                        .unwrap_or_default(),
                    None => Duration::from_secs(5),
                };
                SendError::RateLimited(wait)
            } else if api.status_code.as_u16() == 429 {
                SendError::RateLimited(Duration::from_secs(5))
            } else if api.status_code.is_server_error() {
                SendError::Unavailable(e.to_string())
            } else {
                SendError::Rejected(e.to_string())
            }
        }
        // No answer in the Matrix format: the homeserver (or the proxy in
        // front of it) is away.
        None => SendError::Unavailable(e.to_string()),
    }
}

impl Outlet for MatrixOutlet {
    async fn invite(&self, room_id: &str, user_id: &str) -> Result<(), SendError> {
        let room = self.room(room_id)?;
        let user = UserId::parse(user_id).map_err(|e| SendError::Rejected(e.to_string()))?;
        match room
            .invite_user_by_id(&user)
            .await
            .map_err(|e| classify(&e))
        {
            // Already in the room or invited: nothing to do.
            Err(SendError::Rejected(why)) => {
                tracing::info!(%user, %why, "invitation not sent");
                Ok(())
            }
            other => other,
        }
    }

    async fn tombstone(
        &self,
        room_id: &str,
        replacement: &str,
        body: &str,
    ) -> Result<(), SendError> {
        let room = self.room(room_id)?;
        let content = serde_json::json!({ "body": body, "replacement_room": replacement });
        match room
            .send_state_event_raw("m.room.tombstone", "", content)
            .await
            .map_err(|e| classify(&e))
        {
            Err(SendError::Rejected(why)) => {
                tracing::info!(room = %room_id, %why, "could not tombstone the room; its final notice says where to go");
                Ok(())
            }
            Err(e) => Err(e),
            Ok(_) => Ok(()),
        }
    }

    async fn send(&self, notice: &Notice) -> Result<String, SendError> {
        let room = self.room(&notice.room_id)?;
        let mut content = RoomMessageEventContent::notice_html(&notice.plain, &notice.html);
        if let Some(to) = &notice.in_reply_to
            && let Ok(event_id) = to.event_id.parse()
        {
            content.relates_to = Some(Relation::Reply(ReplyRelation::new(InReplyTo::new(
                event_id,
            ))));
        }
        let txn = OwnedTransactionId::from(notice.txn_id.clone());
        let sent = room
            .send(content)
            .with_transaction_id(txn)
            .await
            .map_err(|e| classify(&e))?;
        Ok(sent.response.event_id.to_string())
    }

    /// Creates the room in steps that can each be repeated after a crash:
    /// create (or find by the request's alias), make the conveners
    /// moderators, invite the members, welcome them. Power levels are set
    /// after creation rather than in the request, because from room
    /// version 12 on the creator must not be listed in them, and before it
    /// must be.
    async fn create_room(&self, spec: &RoomSpec) -> Result<String, SendError> {
        let me = self
            .client
            .user_id()
            .ok_or_else(|| SendError::Unavailable("the bot is not logged in".into()))?
            .to_owned();
        let mut request = CreateRoomRequest::new();
        request.name = Some(spec.name.clone());
        request.topic = (!spec.topic.is_empty()).then(|| spec.topic.clone());
        request.room_alias_name = Some(spec.alias.clone());
        request.preset = Some(RoomPreset::PrivateChat);
        let room = match self.client.create_room(request).await {
            Ok(room) => room,
            Err(e) if matches!(e.client_api_error_kind(), Some(ErrorKind::RoomInUse)) => {
                // An earlier attempt created it (the bot stopped before
                // linking): find it by its alias, and finish the job.
                let alias = format!("#{}:{}", spec.alias, me.server_name());
                let alias =
                    RoomAliasId::parse(&alias).map_err(|e| SendError::Rejected(e.to_string()))?;
                let found = self
                    .client
                    .resolve_room_alias(&alias)
                    .await
                    .map_err(|e| classify(&matrix_sdk::Error::Http(Box::new(e))))?;
                self.client
                    .join_room_by_id(&found.room_id)
                    .await
                    .map_err(|e| classify(&e))?
            }
            Err(e) => return Err(classify(&e)),
        };
        let room_id = room.room_id().to_owned();
        let moderators: Vec<OwnedUserId> = spec
            .moderators
            .iter()
            .filter_map(|m| UserId::parse(m.as_str()).ok())
            .filter(|u| *u != me)
            .collect();
        if !moderators.is_empty() {
            let get = get_state_event_for_key::v3::Request::new(
                room_id.clone(),
                StateEventType::RoomPowerLevels,
                String::new(),
            );
            let current = self
                .client
                .send(get)
                .await
                .map_err(|e| classify(&matrix_sdk::Error::Http(Box::new(e))))?;
            let mut levels: serde_json::Value =
                serde_json::from_str(current.event_or_content.get())
                    .map_err(|e| SendError::Rejected(e.to_string()))?;
            if !levels["users"].is_object() {
                levels["users"] = serde_json::json!({});
            }
            for m in &moderators {
                levels["users"][m.as_str()] = serde_json::json!(50);
            }
            room.send_state_event_raw("m.room.power_levels", "", levels)
                .await
                .map_err(|e| classify(&e))?;
        }
        for user in spec
            .invite
            .iter()
            .filter_map(|u| UserId::parse(u.as_str()).ok())
        {
            if user == me {
                continue;
            }
            if let Err(e) = room.invite_user_by_id(&user).await {
                match classify(&e) {
                    // Already in the room or invited: nothing to do.
                    SendError::Rejected(why) => {
                        tracing::debug!(%user, %why, "invitation not sent");
                    }
                    other => return Err(other),
                }
            }
        }
        let welcome = RoomMessageEventContent::notice_html(
            format!(
                "This room belongs to {}. Type !help to see what I can do here.",
                spec.name
            ),
            format!(
                "This room belongs to <b>{}</b>. Type <code>!help</code> to see what I can do here.",
                escape(&spec.name)
            ),
        );
        let txn = OwnedTransactionId::from(format!("{}-welcome", spec.txn_id));
        room.send(welcome)
            .with_transaction_id(txn)
            .await
            .map_err(|e| classify(&e))?;
        Ok(room_id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(5));
        let waits: Vec<u64> = (0..5).map(|_| b.next().as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 5, 5]);
        b.reset();
        assert_eq!(b.next().as_secs(), 1);
    }

    #[test]
    fn the_config_never_shows_the_password() {
        let c = BotConfig::new("http://hs", "muster", "hunter2", "/tmp/s");
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
