//! One typed settings struct, read from defaults, then an optional TOML
//! file, then `MUSTER_…` environment variables (nested keys with `__`, e.g.
//! `MUSTER_LIMITS__DEPTH=12`). A wrong value stops start-up with a message
//! naming the setting and where it came from. Secrets (the database URL's
//! password) are never logged: [`Settings::redacted_database_url`].

use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything Muster can be configured with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Address the HTTP server listens on (`MUSTER_LISTEN`).
    pub listen: SocketAddr,
    /// `sqlite://file.db?mode=rwc` or `postgres://user:pass@host/db`
    /// (`MUSTER_DATABASE_URL`).
    pub database_url: String,
    /// Most database connections in a pool
    /// (`MUSTER_DATABASE_MAX_CONNECTIONS`). On PostgreSQL GraphQL reads
    /// have a pool of their own (`crate::reads`), so up to twice this many
    /// are open.
    pub database_max_connections: u32,
    /// Longest a request waits for a database connection, in milliseconds
    /// (`MUSTER_DATABASE_ACQUIRE_TIMEOUT_MS`). While the database is down
    /// (a restart, a failover) requests wait this long for it to come
    /// back, then fail with `UNAVAILABLE` rather than hang.
    pub database_acquire_timeout_ms: u64,
    /// Load the demo data at start when the database is empty (`MUSTER_DEMO`).
    pub demo: bool,
    /// Log filter, e.g. `info` or `api=debug,info` (`MUSTER_LOG`).
    pub log: String,
    /// `text` (the default, for people) or `json` (one object a line, for
    /// log collectors) (`MUSTER_LOG_FORMAT`). Either way every line logged
    /// while a request runs carries its `request_id`.
    pub log_format: LogFormat,
    /// An OpenTelemetry collector to send the tracing spans to, over
    /// OTLP/HTTP, e.g. `http://collector:4318` (`MUSTER_OTLP_ENDPOINT`).
    /// Unset: none are sent.
    pub otlp_endpoint: Option<String>,
    /// `development` (the default) or `production`: production turns
    /// introspection and field suggestions off unless told otherwise.
    pub profile: Profile,
    /// Origins allowed to call the API from a browser (CORS), e.g.
    /// `["https://federation.example.coop"]`. Empty: same-origin only.
    pub cors_origins: Vec<String>,
    /// Longest a request may run, in milliseconds.
    pub request_timeout_ms: u64,
    /// After SIGTERM or Ctrl-C, how long requests in flight may take to
    /// finish before the process stops anyway, in milliseconds
    /// (`MUSTER_SHUTDOWN_GRACE_MS`). New connections are refused at once.
    pub shutdown_grace_ms: u64,
    /// How long a member session lasts, in days.
    pub session_days: u32,
    /// Safety limits on GraphQL requests.
    pub limits: Limits,
    /// Rate limits.
    pub rate_limits: RateLimitSettings,
    /// Signing in with Matrix (OpenID): which homeserver vouches for members.
    pub openid: OpenIdSettings,
    /// The bot's homeserver, e.g. `https://matrix.example.org`
    /// (`MUSTER_MATRIX_HOMESERVER`). When set, `muster serve` runs the
    /// Matrix bridge too (unless `--no-bridge`).
    pub matrix_homeserver: Option<String>,
    /// The bot's account, `@muster:example.org` or `muster`
    /// (`MUSTER_MATRIX_USER`).
    pub matrix_user: Option<String>,
    /// The bot's password, used for its first login only
    /// (`MUSTER_MATRIX_PASSWORD`). Never logged.
    pub matrix_password: Option<Secret>,
    /// Where the bot keeps its session, device keys and sync position
    /// (`MUSTER_MATRIX_STORE`). Keep it: a new store is a new device.
    pub matrix_store: std::path::PathBuf,
    /// Encrypts the bot's store when set (`MUSTER_MATRIX_STORE_PASSPHRASE`).
    pub matrix_store_passphrase: Option<Secret>,
    /// How often, in milliseconds, the bridge looks at the outbox when
    /// nothing wakes it (`MUSTER_BRIDGE_POLL_MS`).
    pub bridge_poll_ms: u64,
    /// When rooms hear about coming meetings.
    pub meetings: MeetingSettings,
    /// When a group's health raises signals.
    pub health: HealthSettings,
}

/// Thresholds of `Group.health` and `Project.health`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthSettings {
    /// The window the numbers cover, in days (`MUSTER_HEALTH__WINDOW_DAYS`).
    pub window_days: u32,
    /// Days without a meeting held before a group is `STAGNANT`.
    pub stagnant_days: u32,
    /// Days after approving a sign-up before the convener is reminded to
    /// check in with a newcomer who has attended nothing.
    pub check_in_days: u32,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            window_days: 90,
            stagnant_days: 60,
            check_in_days: 14,
        }
    }
}

impl HealthSettings {
    /// The policy the domain applies.
    pub fn policy(&self) -> entities::domain::health::HealthPolicy {
        entities::domain::health::HealthPolicy {
            window_days: i64::from(self.window_days.max(1)),
            stagnant_days: i64::from(self.stagnant_days.max(1)),
            check_in_days: i64::from(self.check_in_days.max(1)),
        }
    }
}

/// When the bridge posts reminders, quorum warnings and agendas.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MeetingSettings {
    /// Reminders, in hours before a meeting
    /// (`MUSTER_MEETINGS__REMINDER_HOURS='[24, 1]'`). Fractions allowed.
    pub reminder_hours: Vec<f64>,
    /// From when, in hours before, the quorum outlook is watched and the
    /// room warned if it falls short.
    pub quorum_warning_hours: f64,
    /// When, in hours before, the agenda closes and is posted.
    pub agenda_cutoff_hours: f64,
}

impl Default for MeetingSettings {
    fn default() -> Self {
        Self {
            reminder_hours: vec![24.0, 1.0],
            quorum_warning_hours: 48.0,
            agenda_cutoff_hours: 48.0,
        }
    }
}

impl MeetingSettings {
    /// The policy the bridge applies.
    pub fn policy(&self) -> entities::domain::alerts::AlertPolicy {
        #[allow(clippy::cast_possible_truncation)]
        let hours = |h: f64| chrono::Duration::minutes((h * 60.0).round() as i64);
        entities::domain::alerts::AlertPolicy {
            reminders: self.reminder_hours.iter().map(|h| hours(*h)).collect(),
            quorum_warning: hours(self.quorum_warning_hours),
            agenda_cutoff: hours(self.agenda_cutoff_hours),
        }
    }
}

/// A secret setting: shown as `<secret>` wherever settings are printed.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<secret>")
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The deployment profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    #[default]
    Development,
    Production,
}

/// Rate limits, per minute or hour.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// Requests a minute one partner key may make.
    pub partner_per_minute: u32,
    /// Sign-ups an hour from one client address.
    pub sign_ups_per_hour: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            partner_per_minute: 600,
            sign_ups_per_hour: 5,
        }
    }
}

/// The homeserver whose OpenID tokens Muster accepts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OpenIdSettings {
    /// Where to ask who a token belongs to, e.g. `https://matrix.example.org`
    /// (Synapse serves it where a listener has the `openid` resource).
    pub homeserver_url: Option<String>,
    /// The Matrix server name users' ids end with, e.g. `example.org`.
    pub server_name: Option<String>,
}

/// Safety limits applied to every GraphQL request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Deepest selection nesting.
    pub depth: usize,
    /// Highest total cost; a list field costs its page size times its
    /// children.
    pub complexity: usize,
    /// Deepest recursion while parsing (fragment and value nesting).
    pub recursive_depth: usize,
    /// Most directives on one field.
    pub directives: usize,
    /// Largest request body in bytes.
    pub body_bytes: usize,
    /// Most aliased fields in one document.
    pub aliases: usize,
    /// Most lexical tokens in one document.
    pub tokens: usize,
    /// Most operations in one batched request; 0 turns batching off.
    pub batch: usize,
    /// Serve the introspection query (GraphiQL needs it). Default: on in
    /// development, off in production.
    pub introspection: Option<bool>,
    /// Suggest field names in errors ("did you mean …"). Default: on in
    /// development, off in production.
    pub suggestions: Option<bool>,
    /// Most GraphQL operations executing at once; the others wait their
    /// turn, first come first served, within the request timeout. 0 (the
    /// default): four per CPU core. Executing more at once than the
    /// cores can run only adds memory (each holds its rows and its half-
    /// built answer) and spreads the same throughput over longer waits.
    pub concurrent_requests: usize,
}

impl Limits {
    /// [`Self::concurrent_requests`], with 0 resolved to four per core.
    pub fn concurrency(&self) -> usize {
        if self.concurrent_requests > 0 {
            return self.concurrent_requests;
        }
        4 * std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            depth: 20,
            complexity: 500_000,
            recursive_depth: 32,
            directives: 8,
            body_bytes: 256 * 1024,
            aliases: 30,
            tokens: 10_000,
            batch: 0,
            introspection: None,
            suggestions: None,
            concurrent_requests: 0,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://muster.db?mode=rwc".to_owned(),
            database_max_connections: 10,
            database_acquire_timeout_ms: 3000,
            shutdown_grace_ms: 30_000,
            demo: false,
            // matrix-sdk logs expected 404s (e.g. account data not yet
            // set) as errors; the bridge logs the failures that matter.
            log: "info,sqlx=warn,sea_orm=warn,matrix_sdk=warn,matrix_sdk::http_client=off,matrix_sdk_crypto=error"
                .to_owned(),
            log_format: LogFormat::Text,
            otlp_endpoint: None,
            profile: Profile::Development,
            cors_origins: Vec::new(),
            request_timeout_ms: 15_000,
            session_days: 30,
            limits: Limits::default(),
            rate_limits: RateLimitSettings::default(),
            openid: OpenIdSettings::default(),
            matrix_homeserver: None,
            matrix_user: None,
            matrix_password: None,
            matrix_store: "muster-matrix".into(),
            matrix_store_passphrase: None,
            bridge_poll_ms: 2000,
            meetings: MeetingSettings::default(),
            health: HealthSettings::default(),
        }
    }
}

/// A setting that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0}")]
    Load(String),
    #[error("setting `{name}` is invalid: {message}")]
    Invalid { name: &'static str, message: String },
}

impl Settings {
    /// Reads the settings: defaults, then `file` (or `muster.toml` in the
    /// working directory when it exists), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        let mut figment = Figment::from(Serialized::defaults(Self::default()));
        match file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("muster.toml").exists() => {
                figment = figment.merge(Toml::file("muster.toml"));
            }
            None => {}
        }
        figment = figment.merge(
            Env::prefixed("MUSTER_")
                .split("__")
                .ignore(&["CONFIG", "BIN"]),
        );
        let settings: Self = figment
            .extract()
            .map_err(|e| SettingsError::Load(describe(e)))?;
        settings.check()?;
        Ok(settings)
    }

    /// Checks what the types cannot.
    pub fn check(&self) -> Result<(), SettingsError> {
        let url = self.database_url.as_str();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(SettingsError::Invalid {
                name: "database_url",
                message: "use sqlite://FILE?mode=rwc or postgres://USER:PASSWORD@HOST/DB".into(),
            });
        }
        if self.database_max_connections == 0 {
            return Err(SettingsError::Invalid {
                name: "database_max_connections",
                message: "must be at least 1".into(),
            });
        }
        let l = &self.limits;
        for (name, v) in [
            ("limits.depth", l.depth),
            ("limits.complexity", l.complexity),
            ("limits.recursive_depth", l.recursive_depth),
            ("limits.body_bytes", l.body_bytes),
            ("limits.aliases", l.aliases),
            ("limits.tokens", l.tokens),
        ] {
            if v == 0 {
                return Err(SettingsError::Invalid {
                    name,
                    message: "must be at least 1".into(),
                });
            }
        }
        for (name, v) in [
            ("request_timeout_ms", self.request_timeout_ms),
            ("session_days", u64::from(self.session_days)),
            (
                "rate_limits.partner_per_minute",
                u64::from(self.rate_limits.partner_per_minute),
            ),
            (
                "rate_limits.sign_ups_per_hour",
                u64::from(self.rate_limits.sign_ups_per_hour),
            ),
        ] {
            if v == 0 {
                return Err(SettingsError::Invalid {
                    name,
                    message: "must be at least 1".into(),
                });
            }
        }
        let m = &self.meetings;
        for (name, h) in m
            .reminder_hours
            .iter()
            .map(|h| ("meetings.reminder_hours", *h))
            .chain([
                ("meetings.quorum_warning_hours", m.quorum_warning_hours),
                ("meetings.agenda_cutoff_hours", m.agenda_cutoff_hours),
            ])
        {
            if !(0.0..=24.0 * 60.0).contains(&h) {
                return Err(SettingsError::Invalid {
                    name,
                    message: format!("{h} is not a number of hours between 0 and 1440"),
                });
            }
        }
        if let Some(hs) = &self.matrix_homeserver
            && !(hs.starts_with("https://") || hs.starts_with("http://"))
        {
            return Err(SettingsError::Invalid {
                name: "matrix_homeserver",
                message: format!("'{hs}' is not a URL like https://matrix.example.org"),
            });
        }
        self.bridge()?;
        for origin in &self.cors_origins {
            if !(origin.starts_with("https://") || origin.starts_with("http://"))
                || origin.ends_with('/')
            {
                return Err(SettingsError::Invalid {
                    name: "cors_origins",
                    message: format!("'{origin}' is not an origin like https://example.org"),
                });
            }
        }
        Ok(())
    }

    /// The bot's configuration, when a homeserver is set.
    pub fn bridge(&self) -> Result<Option<bridge::bot::BotConfig>, SettingsError> {
        let Some(homeserver) = &self.matrix_homeserver else {
            return Ok(None);
        };
        let (Some(user), Some(password)) = (&self.matrix_user, &self.matrix_password) else {
            return Err(SettingsError::Invalid {
                name: "matrix_user",
                message: "a homeserver is set (MUSTER_MATRIX_HOMESERVER): set the bot's account too, MUSTER_MATRIX_USER and MUSTER_MATRIX_PASSWORD".into(),
            });
        };
        let mut config =
            bridge::bot::BotConfig::new(homeserver, user, &password.0, &self.matrix_store);
        config.store_passphrase = self.matrix_store_passphrase.as_ref().map(|s| s.0.clone());
        config.poll = std::time::Duration::from_millis(self.bridge_poll_ms.max(50));
        config.alerts = self.meetings.policy();
        config.health = self.health.policy();
        Ok(Some(config))
    }

    /// Whether introspection is served.
    pub fn introspection(&self) -> bool {
        self.limits
            .introspection
            .unwrap_or(self.profile == Profile::Development)
    }

    /// Whether field suggestions are given.
    pub fn suggestions(&self) -> bool {
        self.limits
            .suggestions
            .unwrap_or(self.profile == Profile::Development)
    }

    /// The database URL with any password replaced by `***`, for logs.
    pub fn redacted_database_url(&self) -> String {
        redact(&self.database_url)
    }
}

/// "setting `listen` is invalid: … (from `MUSTER_` environment variable(s))"
/// for each problem figment found.
fn describe(e: figment::Error) -> String {
    e.into_iter()
        .map(|e| {
            let key = e.path.join(".").to_lowercase();
            let from = e
                .metadata
                .as_ref()
                .map(|m| format!(" (from {})", m.name))
                .unwrap_or_default();
            format!("setting `{key}` is invalid: {}{from}", e.kind)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `scheme://user:password@rest` taken apart: `(scheme, user, password,
/// rest)`, or `None` when the URL carries no credentials.
fn credentials(url: &str) -> Option<(&str, &str, Option<&str>, &str)> {
    let (scheme, after) = url.split_once("://")?;
    let (creds, rest) = after.split_once('@')?;
    let (user, password) = match creds.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (creds, None),
    };
    Some((scheme, user, password, rest))
}

/// The URL with its password shown as `***`, for logs.
pub(crate) fn redact(url: &str) -> String {
    match credentials(url) {
        Some((scheme, user, Some(_), rest)) => format!("{scheme}://{user}:***@{rest}"),
        _ => url.to_owned(),
    }
}

/// The URL with its password left out, for a command a person will run
/// (`PGPASSWORD` or `~/.pgpass` supplies it).
pub fn without_password(url: &str) -> String {
    match credentials(url) {
        Some((scheme, user, Some(_), rest)) => format!("{scheme}://{user}@{rest}"),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://muster:s3cret@db:5432/muster"),
            "postgres://muster:***@db:5432/muster"
        );
        assert_eq!(
            redact("sqlite://muster.db?mode=rwc"),
            "sqlite://muster.db?mode=rwc"
        );
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own error
    fn env_overrides_file_overrides_defaults_and_bad_values_name_the_setting() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "m.toml",
                "demo = true\nlisten = \"127.0.0.1:9000\"\n[limits]\ndepth = 5\n",
            )?;
            jail.set_env("MUSTER_LISTEN", "127.0.0.1:9100");
            let s = Settings::load(Some(Path::new("m.toml"))).map_err(|e| e.to_string())?;
            assert!(s.demo);
            assert_eq!(s.listen.port(), 9100);
            assert_eq!(s.limits.depth, 5);
            assert_eq!(s.limits.complexity, Limits::default().complexity);

            jail.set_env("MUSTER_LISTEN", "not an address");
            let err = Settings::load(None).expect_err("bad address").to_string();
            assert!(err.contains("listen"), "{err}");

            jail.set_env("MUSTER_LISTEN", "127.0.0.1:1");
            jail.set_env("MUSTER_DATABASE_URL", "mysql://x");
            let err = Settings::load(None).expect_err("bad url").to_string();
            assert!(err.contains("database_url"), "{err}");
            Ok(())
        });
    }
}
