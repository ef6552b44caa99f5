//! `muster doctor`: checks what a running Muster depends on and says what
//! is wrong and how to fix it — the settings, the database (reachable,
//! migrations current, notices waiting too long), and, when a homeserver
//! is configured, the homeserver (reachable, the bot's login valid, rooms
//! projects are linked to that the bot is no longer in). It changes
//! nothing: migrations are read without creating their table, and a trial
//! login (before the bridge's first start) is logged out again.

use std::fmt;
use std::time::Duration;

use chrono::Utc;
use migration::{Migrator, MigratorTrait};

use crate::settings::{Settings, SettingsError};

/// How long an undelivered notice may wait before the doctor mentions it.
pub const OUTBOX_PATIENCE: Duration = Duration::from_mins(5);

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        })
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub status: Status,
    /// What was checked: `settings`, `database`, `migrations`, `outbox`,
    /// `homeserver`, `bot login`, `rooms`.
    pub check: &'static str,
    pub message: String,
    /// What to do about it.
    pub fix: Option<String>,
}

impl Finding {
    fn ok(check: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: Status::Ok,
            check,
            message: message.into(),
            fix: None,
        }
    }

    fn bad(
        status: Status,
        check: &'static str,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            status,
            check,
            message: message.into(),
            fix: Some(fix.into()),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<5} {:<11} {}", self.status, self.check, self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n{:<17} fix: {fix}", "")?;
        }
        Ok(())
    }
}

/// Runs every check that applies to `settings` (or reports why they could
/// not be read).
pub async fn diagnose(settings: Result<Settings, SettingsError>) -> Vec<Finding> {
    let settings = match settings {
        Ok(s) => s,
        Err(e) => {
            return vec![Finding::bad(
                Status::Fail,
                "settings",
                e.to_string(),
                "correct the named setting in muster.toml (or the file in --config) or its MUSTER_… environment variable",
            )];
        }
    };
    let mut out = Vec::new();
    let bridge = match settings.bridge() {
        Ok(b) => {
            out.push(Finding::ok(
                "settings",
                match &b {
                    Some(b) => format!(
                        "read; database {}, homeserver {} as {}",
                        settings.redacted_database_url(),
                        b.homeserver,
                        b.user
                    ),
                    None => format!(
                        "read; database {}, no homeserver (the Matrix bridge is off)",
                        settings.redacted_database_url()
                    ),
                },
            ));
            b
        }
        Err(e) => {
            out.push(Finding::bad(
                Status::Fail,
                "settings",
                e.to_string(),
                "set MUSTER_MATRIX_HOMESERVER, MUSTER_MATRIX_USER and MUSTER_MATRIX_PASSWORD together, or none of them",
            ));
            None
        }
    };

    let conn = match tokio::time::timeout(
        Duration::from_secs(15),
        crate::db::connect(&settings.database_url, 1),
    )
    .await
    {
        Ok(Ok(conn)) => {
            out.push(Finding::ok("database", "reachable"));
            Some(conn)
        }
        Ok(Err(e)) => {
            out.push(Finding::bad(
                Status::Fail,
                "database",
                format!(
                    "could not open {}: {e}",
                    settings.redacted_database_url()
                ),
                "check `database_url` (MUSTER_DATABASE_URL), that the server runs and accepts this user, or that the SQLite file's folder exists and is writable",
            ));
            None
        }
        Err(_) => {
            out.push(Finding::bad(
                Status::Fail,
                "database",
                format!(
                    "{} did not answer within 15 s",
                    settings.redacted_database_url()
                ),
                "check the host and port in `database_url` and that nothing blocks the connection",
            ));
            None
        }
    };
    let mut linked = Vec::new();
    if let Some(conn) = &conn {
        out.push(migrations(conn).await);
        linked = entities::domain::rooms::linked_projects(conn)
            .await
            .unwrap_or_default();
        if let Some(f) = outbox(conn, linked.len()).await {
            out.push(f);
        }
    }

    if let Some(config) = bridge {
        let probe = bridge::probe::probe(&config).await;
        match &probe.reachable {
            Ok(()) => out.push(Finding::ok(
                "homeserver",
                format!("{} answers", config.homeserver),
            )),
            Err(e) => out.push(Finding::bad(
                Status::Fail,
                "homeserver",
                format!("{} does not answer: {e}", config.homeserver),
                "check MUSTER_MATRIX_HOMESERVER (the client-server API's base URL, e.g. https://matrix.example.org) and that the homeserver runs",
            )),
        }
        match &probe.account {
            Ok((user, how)) => out.push(Finding::ok(
                "bot login",
                match how {
                    bridge::probe::Login::Stored => format!("{user}: the stored session is valid"),
                    bridge::probe::Login::Password => {
                        format!("{user}: the password logs in (the bridge has not started yet)")
                    }
                },
            )),
            Err(e) if probe.reachable.is_ok() => out.push(Finding::bad(
                Status::Fail,
                "bot login",
                e.to_string(),
                match e {
                    bridge::bot::BotError::SessionGone { path, .. } => format!(
                        "stop the bridge, remove {} and start it again: it logs in with the password",
                        path.display()
                    ),
                    bridge::bot::BotError::Store { path, .. } => format!(
                        "the file at {} is damaged or not Muster's: move it away and start the bridge again",
                        path.display()
                    ),
                    _ => "check MUSTER_MATRIX_USER and MUSTER_MATRIX_PASSWORD".to_owned(),
                },
            )),
            Err(_) => {}
        }
        if let Ok((user, _)) = &probe.account {
            out.extend(rooms(&linked, &probe.joined, user));
        }
    }
    out
}

/// The worst status in a report: what `muster doctor` exits with.
#[must_use]
pub fn worst(findings: &[Finding]) -> Status {
    findings
        .iter()
        .map(|f| f.status)
        .max()
        .unwrap_or(Status::Ok)
}

async fn migrations(conn: &sea_orm::DatabaseConnection) -> Finding {
    match Migrator::get_pending_migrations_read_only(conn).await {
        Ok(pending) if pending.is_empty() => Finding::ok("migrations", "up to date"),
        Ok(pending) => Finding::bad(
            Status::Warn,
            "migrations",
            format!(
                "{} not applied yet: {}",
                pending.len(),
                pending
                    .iter()
                    .map(|m| m.name().to_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "run `muster migrate` (or start `muster serve`, which applies them first)",
        ),
        // sea-orm-migration's words for an applied migration this build
        // does not have.
        Err(e) if e.to_string().contains("is missing") => Finding::bad(
            Status::Fail,
            "migrations",
            format!("could not be read: {e}"),
            "a migration this muster does not know was applied: the database was used by a newer version of Muster; run that version (or newer)",
        ),
        Err(e) => Finding::bad(
            Status::Fail,
            "migrations",
            format!("could not be read: {e}"),
            "check that the database user may read the seaql_migrations table",
        ),
    }
}

/// Notices waiting too long, when there are rooms to post them to (with
/// no linked room there is nowhere to deliver, and nothing is wrong).
async fn outbox(conn: &sea_orm::DatabaseConnection, linked: usize) -> Option<Finding> {
    let (waiting, oldest) = entities::domain::outbox::backlog(conn).await.ok()?;
    let age = oldest
        .map(|t| (Utc::now() - t).to_std().unwrap_or_default())
        .unwrap_or_default();
    Some(if linked == 0 {
        Finding::ok(
            "outbox",
            format!("{waiting} notice(s) kept; no project is linked to a room yet"),
        )
    } else if age > OUTBOX_PATIENCE {
        Finding::bad(
            Status::Warn,
            "outbox",
            format!(
                "{waiting} notice(s) undelivered, the oldest for {} min",
                age.as_secs() / 60
            ),
            "start the bridge (`muster bridge`, or `muster serve` with a homeserver configured) and check its log and `muster doctor`'s homeserver lines",
        )
    } else {
        Finding::ok("outbox", format!("{waiting} notice(s) waiting"))
    })
}

/// Linked rooms the bot is not in: nothing posted there arrives.
fn rooms(linked: &[entities::project::Model], joined: &[String], bot: &str) -> Vec<Finding> {
    let missing: Vec<Finding> = linked
        .iter()
        .filter_map(|p| {
            let room = p.matrix_room_id.as_deref()?;
            (!joined.iter().any(|j| j == room)).then(|| {
                Finding::bad(
                    Status::Fail,
                    "rooms",
                    format!(
                        "project '{}' is linked to {room}, but the bot is not in that room: its notices cannot be posted",
                        p.name
                    ),
                    format!(
                        "invite {bot} to {room} again (it joins when invited), or link the project to another room with the linkProjectRoom mutation (unlinkProjectRoom to stop)"
                    ),
                )
            })
        })
        .collect();
    if missing.is_empty() {
        vec![Finding::ok(
            "rooms",
            format!(
                "the bot is in all {} linked room(s) ({} joined in all)",
                linked.len(),
                joined.len()
            ),
        )]
    } else {
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_prints_its_fix_under_it() {
        let f = Finding::bad(Status::Warn, "outbox", "3 waiting", "start the bridge");
        assert_eq!(
            f.to_string(),
            "warn  outbox      3 waiting\n                  fix: start the bridge"
        );
        assert_eq!(
            worst(&[Finding::ok("database", "reachable"), f]),
            Status::Warn
        );
        assert_eq!(worst(&[]), Status::Ok);
    }
}
