//! The domain error and its stable codes.
//!
//! Every failure a use case can report is a [`DomainError`]; each has a
//! stable [`ErrorCode`] (`DomainError::code`). [`ErrorCode::TABLE`] is the one
//! table the adapters read: the code string that GraphQL puts in
//! `extensions.code` / `userErrors.code` and that the bot shows, whether the
//! failure is the user's to fix (a `userErrors` entry) or a request error, and
//! a hint of what to do. Database errors are kept for the logs and never
//! shown: their message would leak SQL.

use sea_orm::DbErr;

/// A use case's result.
pub type Result<T, E = DomainError> = std::result::Result<T, E>;

/// Stable error codes. Clients match on these; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    NotFound,
    InvalidInput,
    SlugTaken,
    Conflict,
    InvalidState,
    Unauthenticated,
    Forbidden,
    RateLimited,
    Unavailable,
    Internal,
}

/// One row of the error table.
#[derive(Debug, Clone, Copy)]
pub struct ErrorInfo {
    pub code: ErrorCode,
    /// The spelling clients see (`extensions.code`, `userErrors.code`).
    pub name: &'static str,
    /// Expected failures the user can fix go to `userErrors`; the others are
    /// request errors.
    pub user_error: bool,
    /// What to do about it, for people reading a chat reply.
    pub hint: &'static str,
}

impl ErrorCode {
    /// The one table mapping each code to its outward spelling and kind.
    pub const TABLE: &'static [ErrorInfo] = &[
        ErrorInfo {
            code: Self::NotFound,
            name: "NOT_FOUND",
            user_error: true,
            hint: "check the id or slug",
        },
        ErrorInfo {
            code: Self::InvalidInput,
            name: "INVALID_INPUT",
            user_error: true,
            hint: "correct the value and try again",
        },
        ErrorInfo {
            code: Self::SlugTaken,
            name: "SLUG_TAKEN",
            user_error: true,
            hint: "choose another slug, or leave it out to have one generated",
        },
        ErrorInfo {
            code: Self::Conflict,
            name: "CONFLICT",
            user_error: true,
            hint: "it already exists",
        },
        ErrorInfo {
            code: Self::InvalidState,
            name: "INVALID_STATE",
            user_error: true,
            hint: "it cannot change from its current state",
        },
        ErrorInfo {
            code: Self::Unauthenticated,
            name: "UNAUTHENTICATED",
            user_error: false,
            hint: "send an API key or session token as `Authorization: Bearer …`",
        },
        ErrorInfo {
            code: Self::Forbidden,
            name: "FORBIDDEN",
            user_error: false,
            hint: "ask a convener or an admin",
        },
        ErrorInfo {
            code: Self::RateLimited,
            name: "RATE_LIMITED",
            user_error: false,
            hint: "slow down and try again later",
        },
        ErrorInfo {
            code: Self::Unavailable,
            name: "UNAVAILABLE",
            user_error: false,
            hint: "a service Muster needs is not answering; try again later",
        },
        ErrorInfo {
            code: Self::Internal,
            name: "INTERNAL",
            user_error: false,
            hint: "something went wrong on our side; try again later",
        },
    ];

    /// This code's row of [`Self::TABLE`].
    pub fn info(self) -> &'static ErrorInfo {
        // The table lists every variant; a test checks it.
        Self::TABLE
            .iter()
            .find(|row| row.code == self)
            .unwrap_or(&Self::TABLE[Self::TABLE.len() - 1])
    }

    /// The spelling clients see.
    pub fn as_str(self) -> &'static str {
        self.info().name
    }
}

/// Everything a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("no {entity} with {key} '{value}'")]
    NotFound {
        entity: &'static str,
        /// The input field that named it, e.g. `group_id`.
        field: String,
        key: &'static str,
        value: String,
    },
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error(
        "the slug '{slug}' is already taken by another {entity}; choose another or leave it out"
    )]
    SlugTaken {
        entity: &'static str,
        field: String,
        slug: String,
    },
    #[error("{message}")]
    Conflict { field: String, message: String },
    #[error("{message}")]
    InvalidState { field: String, message: String },
    #[error("this needs you to sign in: send an API key as `Authorization: Bearer <key>`")]
    Unauthenticated,
    #[error("you may not {0}")]
    Forbidden(String),
    #[error("too many requests: try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    Unavailable(String),
    #[error("database error")]
    Database(DbErr),
}

/// What a use case says when the database itself is out of reach.
pub const DATABASE_UNAVAILABLE: &str =
    "the database is not answering right now; nothing was changed, try again in a few seconds";

impl From<DbErr> for DomainError {
    /// A database that cannot be reached (no connection within the pool's
    /// acquire timeout, a connection cut by a restart) is `UNAVAILABLE` —
    /// a clear "try again", not an internal error; anything else stays a
    /// database error, logged and shown only as `INTERNAL`.
    fn from(e: DbErr) -> Self {
        if out_of_reach(&e) {
            tracing::warn!(error = %e, "the database is out of reach");
            Self::Unavailable(DATABASE_UNAVAILABLE.to_owned())
        } else {
            Self::Database(e)
        }
    }
}

/// Whether an error means the database could not be reached, as opposed
/// to a statement that failed.
pub fn out_of_reach(e: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{ConnAcquireErr, RuntimeErr};
    let sqlx = match e {
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout | ConnAcquireErr::ConnectionClosed)
        | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => s,
        _ => return false,
    };
    match sqlx.as_ref() {
        Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
        // Class 08: connection exception; 57P01-03: the server is shutting
        // down or starting.
        Sqlx::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

impl DomainError {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Invalid { .. } => ErrorCode::InvalidInput,
            Self::SlugTaken { .. } => ErrorCode::SlugTaken,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::InvalidState { .. } => ErrorCode::InvalidState,
            Self::Unauthenticated => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::Database(_) => ErrorCode::Internal,
        }
    }

    /// The input field (`snake_case`, as in the domain's input structs) the
    /// error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::NotFound { field, .. }
            | Self::Invalid { field, .. }
            | Self::SlugTaken { field, .. }
            | Self::Conflict { field, .. }
            | Self::InvalidState { field, .. } => Some(field.as_str()),
            _ => None,
        }
    }

    /// Whether the same step may succeed if tried again unchanged: the
    /// database was out of reach or failed (`UNAVAILABLE`, `INTERNAL`), as
    /// opposed to a refusal that retrying cannot change. The bridge retries
    /// these rather than drop an event.
    pub fn is_transient(&self) -> bool {
        matches!(self.code(), ErrorCode::Internal | ErrorCode::Unavailable)
    }

    /// A message safe to show anyone: never the database's own text.
    pub fn public_message(&self) -> String {
        match self {
            Self::Database(_) => "internal error".to_owned(),
            other => other.to_string(),
        }
    }

    /// Shorthand for a validation failure.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Shorthand for a state-machine refusal.
    pub fn state(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidState {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Shorthand for "no such thing".
    pub fn not_found(
        entity: &'static str,
        field: impl Into<String>,
        value: &impl ToString,
    ) -> Self {
        Self::NotFound {
            entity,
            field: field.into(),
            key: "id",
            value: value.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_out_of_reach_is_unavailable_not_internal() {
        use sea_orm::{ConnAcquireErr, RuntimeErr};
        let gone = DomainError::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout));
        assert_eq!(gone.code(), ErrorCode::Unavailable);
        assert_eq!(gone.public_message(), DATABASE_UNAVAILABLE);
        let cut = DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(
            sea_orm::sqlx::Error::Io(std::io::ErrorKind::ConnectionReset.into()),
        )));
        assert_eq!(DomainError::from(cut).code(), ErrorCode::Unavailable);
        assert!(
            DomainError::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)).is_transient()
        );
        let bad = DomainError::from(DbErr::Custom("syntax".into()));
        assert_eq!(bad.code(), ErrorCode::Internal);
        assert!(!DomainError::invalid("title", "empty").is_transient());
        assert_eq!(bad.public_message(), "internal error");
    }

    #[test]
    fn table_lists_every_code_once_with_a_distinct_name() {
        let codes = [
            ErrorCode::NotFound,
            ErrorCode::InvalidInput,
            ErrorCode::SlugTaken,
            ErrorCode::Conflict,
            ErrorCode::InvalidState,
            ErrorCode::Unauthenticated,
            ErrorCode::Forbidden,
            ErrorCode::RateLimited,
            ErrorCode::Unavailable,
            ErrorCode::Internal,
        ];
        assert_eq!(ErrorCode::TABLE.len(), codes.len());
        for code in codes {
            assert_eq!(
                ErrorCode::TABLE.iter().filter(|r| r.code == code).count(),
                1,
                "{code:?}"
            );
        }
        let mut names: Vec<_> = ErrorCode::TABLE.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), codes.len());
    }

    #[test]
    fn database_errors_never_show_their_text() {
        let err = DomainError::from(DbErr::Custom("SELECT secret FROM x".into()));
        assert_eq!(err.public_message(), "internal error");
        assert_eq!(err.code().as_str(), "INTERNAL");
    }
}
