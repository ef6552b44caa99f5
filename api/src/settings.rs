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
    /// Most database connections in the pool.
    pub database_max_connections: u32,
    /// Load the demo data at start when the database is empty (`MUSTER_DEMO`).
    pub demo: bool,
    /// Log filter, e.g. `info` or `api=debug,info` (`MUSTER_LOG`).
    pub log: String,
    /// Safety limits on GraphQL requests.
    pub limits: Limits,
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
    /// Serve the introspection query (GraphiQL needs it).
    pub introspection: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            depth: 20,
            complexity: 500_000,
            recursive_depth: 32,
            directives: 8,
            body_bytes: 256 * 1024,
            introspection: true,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://muster.db?mode=rwc".to_owned(),
            database_max_connections: 10,
            demo: false,
            log: "info,sqlx=warn,sea_orm=warn".to_owned(),
            limits: Limits::default(),
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
        ] {
            if v == 0 {
                return Err(SettingsError::Invalid {
                    name,
                    message: "must be at least 1".into(),
                });
            }
        }
        Ok(())
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

fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((creds, host)) => match creds.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
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
