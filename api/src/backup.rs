//! `muster backup` and `muster restore`.
//!
//! On SQLite a backup is `VACUUM INTO` a new file: one consistent snapshot
//! taken while the server keeps serving (WAL readers do not block the
//! writer), then opened read-only and checked (`PRAGMA integrity_check`,
//! row counts and checksums per table). On PostgreSQL Muster does not
//! reimplement `pg_dump`: it prints the exact command to run.
//!
//! A restore reads the backup file's first bytes to tell a SQLite backup
//! from a `pg_dump` archive. A SQLite backup is restored with
//! [`crate::dbcopy`] into the configured database — whichever backend it
//! is — in one verified transaction; a `pg_dump` archive gets the
//! `pg_restore` (or `psql`) command to run.

use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

use crate::dbcopy::{self, TableReport};
use crate::settings::without_password;

/// Why a backup was not made. Nothing is written on any of them.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; give a new file name (a backup never overwrites a file)")]
    Exists(PathBuf),
    #[error("the backup at {path} failed its integrity check: {report}")]
    Corrupt { path: PathBuf, report: String },
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

impl BackupError {
    /// A stable code for scripts.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            BackupError::Exists(_) => "FILE_EXISTS",
            BackupError::Corrupt { .. } => "BACKUP_CORRUPT",
            BackupError::Db(_) => "DATABASE_ERROR",
        }
    }
}

/// What `muster backup` did.
#[derive(Debug)]
pub enum Backup {
    /// A SQLite backup was written and checked.
    Written {
        bytes: u64,
        tables: Vec<TableReport>,
    },
    /// PostgreSQL: run this command instead.
    UsePgDump { command: String },
}

/// Backs up the database behind `conn` (whose URL is `database_url`) to
/// `file`.
///
/// # Errors
/// See [`BackupError`].
pub async fn backup(
    conn: &DatabaseConnection,
    database_url: &str,
    file: &Path,
) -> Result<Backup, BackupError> {
    if conn.get_database_backend() == DbBackend::Postgres {
        return Ok(Backup::UsePgDump {
            command: format!(
                "pg_dump --format=custom --file={} --dbname={}",
                shell_quote(&file.display().to_string()),
                shell_quote(&without_password(database_url)),
            ),
        });
    }
    if file.exists() {
        return Err(BackupError::Exists(file.to_owned()));
    }
    conn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [file.display().to_string().into()],
    ))
    .await?;
    let copy = sea_orm::Database::connect(sqlite_url(file, "ro")).await?;
    let check = copy
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await?
        .map(|r| r.try_get_by_index::<String>(0))
        .transpose()?
        .unwrap_or_default();
    if check != "ok" {
        return Err(BackupError::Corrupt {
            path: file.to_owned(),
            report: check,
        });
    }
    let tables = dbcopy::summary(&copy).await?;
    copy.close().await?;
    let bytes = std::fs::metadata(file).map_or(0, |m| m.len());
    Ok(Backup::Written { bytes, tables })
}

/// What a backup file is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A SQLite database (what `muster backup` writes on SQLite).
    Sqlite,
    /// `pg_dump --format=custom`.
    PgDumpArchive,
    /// `pg_dump` plain SQL.
    PgDumpSql,
}

/// Tells what `file` holds.
///
/// # Errors
/// When it cannot be read, or is none of [`Kind`] (the message says what
/// a backup looks like).
pub fn sniff(file: &Path) -> Result<Kind, String> {
    use std::io::Read as _;
    let mut head = [0u8; 64];
    let n = std::fs::File::open(file)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| format!("could not read {}: {e}", file.display()))?;
    let head = &head[..n];
    if head.starts_with(b"SQLite format 3\0") {
        Ok(Kind::Sqlite)
    } else if head.starts_with(b"PGDMP") {
        Ok(Kind::PgDumpArchive)
    } else if String::from_utf8_lossy(head).contains("PostgreSQL database dump") {
        Ok(Kind::PgDumpSql)
    } else {
        Err(format!(
            "{} is neither a SQLite backup from `muster backup` nor a pg_dump file",
            file.display()
        ))
    }
}

/// The command that restores a `pg_dump` file into `database_url`.
#[must_use]
pub fn pg_restore_command(kind: Kind, file: &Path, database_url: &str) -> String {
    let file = shell_quote(&file.display().to_string());
    let url = shell_quote(&without_password(database_url));
    match kind {
        Kind::PgDumpSql => format!("psql --single-transaction --dbname={url} --file={file}"),
        _ => format!(
            "pg_restore --clean --if-exists --no-owner --single-transaction --dbname={url} {file}"
        ),
    }
}

/// A read-only (or other `mode`) SQLite URL for a file.
#[must_use]
pub fn sqlite_url(file: &Path, mode: &str) -> String {
    format!("sqlite://{}?mode={mode}", file.display())
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:@=".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_commands_carry_no_password_and_are_quoted() {
        let cmd = pg_restore_command(
            Kind::PgDumpArchive,
            Path::new("my backup.dump"),
            "postgres://muster:s3cret@db:5432/muster",
        );
        assert_eq!(
            cmd,
            "pg_restore --clean --if-exists --no-owner --single-transaction --dbname=postgres://muster@db:5432/muster 'my backup.dump'"
        );
        assert!(!cmd.contains("s3cret"));
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn sniffs_what_a_file_is() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x");
        std::fs::write(&f, b"PGDMP\x01\x0e").unwrap();
        assert_eq!(sniff(&f), Ok(Kind::PgDumpArchive));
        std::fs::write(&f, b"--\n-- PostgreSQL database dump\n--\n").unwrap();
        assert_eq!(sniff(&f), Ok(Kind::PgDumpSql));
        std::fs::write(&f, b"hello").unwrap();
        assert!(sniff(&f).unwrap_err().contains("neither"));
        assert!(sniff(&dir.path().join("missing")).is_err());
    }
}
