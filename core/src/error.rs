//! The one error type of Earshot, with a stable `code` for every variant.

use std::time::Duration;

use serde::Serialize;

use crate::tenancy::Capability;

/// What went wrong with one field of an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The path of the field, such as `email`, `author.followers` or `scopes[1]`.
    pub field: String,
    /// The same place as a JSON Pointer (RFC 6901) into the request body, such as
    /// `/author/followers` or `/scopes/1`.
    pub pointer: String,
    /// A stable snake_case code, such as `too_short` or `unknown_field`.
    pub code: &'static str,
    /// A sentence for a person.
    pub message: String,
}

impl FieldError {
    /// A field error with its path, code and message.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        let field = field.into();
        Self {
            pointer: crate::input::pointer_of_path(&field),
            field,
            code,
            message: message.into(),
        }
    }

    /// The same error on a field nested under `prefix` (such as `owner.`).
    pub fn prefixed(self, prefix: &str) -> Self {
        Self::new(format!("{prefix}{}", self.field), self.code, self.message)
    }
}

/// Every failure a service can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The object does not exist, or the caller may not know it exists.
    #[error("not found")]
    NotFound,
    /// The input breaks one or more field rules.
    #[error("the input is invalid")]
    Validation(Vec<FieldError>),
    /// The request is malformed in a way that is not about one field.
    #[error("{message}")]
    BadRequest {
        /// Stable code, such as `invalid_cursor`.
        code: &'static str,
        /// A sentence for a person.
        message: String,
    },
    /// The change clashes with the current state.
    #[error("{message}")]
    Conflict {
        /// Stable code, such as `email_taken`.
        code: &'static str,
        /// A sentence for a person.
        message: String,
    },
    /// Credentials are missing, wrong, expired or revoked.
    #[error("{message}")]
    Unauthenticated {
        /// Stable code, such as `invalid_token`.
        code: &'static str,
        /// A sentence for a person.
        message: String,
    },
    /// The caller is known but its role or key lacks the capability.
    #[error("this action needs the capability {0}")]
    Forbidden(Capability),
    /// The route is for people signed in; an API key cannot use it.
    #[error("{0}")]
    PeopleOnly(&'static str),
    /// Too many attempts; try again after the duration.
    #[error("too many requests")]
    RateLimited {
        /// How long the caller should wait.
        retry_after: Duration,
    },
    /// A dependency (database, Redis) cannot be reached.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Anything unexpected; the cause is logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The result of every service call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The stable snake_case code clients can act on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound => "not_found",
            Error::Validation(_) => "validation_failed",
            Error::BadRequest { code, .. } => code,
            Error::Conflict { code, .. } => code,
            Error::Unauthenticated { code, .. } => code,
            Error::Forbidden(_) => "forbidden",
            Error::PeopleOnly(_) => "people_only",
            Error::RateLimited { .. } => "rate_limited",
            Error::Unavailable(_) => "unavailable",
            Error::Internal(_) => "internal",
        }
    }

    /// A validation error on one field.
    pub fn invalid(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Error::Validation(vec![FieldError::new(field, code, message)])
    }

    /// A malformed request with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Error::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// A conflict with a code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Error::Conflict {
            code,
            message: message.into(),
        }
    }

    /// Refused credentials with a code.
    pub fn unauthenticated(code: &'static str, message: impl Into<String>) -> Self {
        Error::Unauthenticated {
            code,
            message: message.into(),
        }
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(err: sea_orm::DbErr) -> Self {
        if is_connection_failure(&err) {
            return Error::Unavailable("the database cannot be reached".into());
        }
        Error::Internal(anyhow::Error::new(err).context("database error"))
    }
}

impl From<sea_orm::TransactionError<Error>> for Error {
    fn from(err: sea_orm::TransactionError<Error>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(inner) => inner,
        }
    }
}

impl From<redis::RedisError> for Error {
    fn from(err: redis::RedisError) -> Self {
        Error::Internal(anyhow::Error::new(err).context("redis error"))
    }
}

/// Whether the database could not be reached or could not serve in time — as opposed to
/// refusing a statement: a pool or connection that failed, a broken socket, PostgreSQL
/// shutting down, starting up, out of connections or cancelling a statement that ran too
/// long, a SQLite file that is locked, gone or unreadable.
fn is_connection_failure(err: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let runtime = match err {
        sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_) => return true,
        sea_orm::DbErr::Exec(runtime) | sea_orm::DbErr::Query(runtime) => runtime,
        _ => return false,
    };
    let sea_orm::RuntimeErr::SqlxError(sqlx) = runtime else {
        return false;
    };
    match &**sqlx {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => db.code().is_some_and(|code| is_unavailable_code(&code)),
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs (always five characters) and SQLite result codes (shorter; an
/// extended code keeps its primary code in the low byte) that mean "not now" rather than
/// "not so": connection exceptions, shutdown, start-up, cancelled statements, no free
/// connection; SQLite's BUSY, LOCKED, IOERR and CANTOPEN.
fn is_unavailable_code(code: &str) -> bool {
    const POSTGRES: [&str; 6] = ["57P01", "57P02", "57P03", "57014", "53300", "53400"];
    const SQLITE: [u32; 4] = [5, 6, 10, 14];
    if code.len() == 5 {
        return code.starts_with("08") || POSTGRES.contains(&code);
    }
    code.parse::<u32>()
        .is_ok_and(|extended| SQLITE.contains(&(extended & 0xff)))
}

/// Turns a unique-constraint violation into a conflict with the given code.
pub(crate) trait OnConflict<T> {
    fn on_unique(self, code: &'static str, message: &str) -> Result<T>;
}

impl<T> OnConflict<T> for std::result::Result<T, sea_orm::DbErr> {
    fn on_unique(self, code: &'static str, message: &str) -> Result<T> {
        self.map_err(|err| match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::conflict(code, message),
            _ => err.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_unavailable_code;

    #[test]
    fn unavailable_codes_are_told_from_refusals() {
        for code in [
            "08006", "57P01", "57014", "53300", "5", "6", "261", "10", "266", "14",
        ] {
            assert!(is_unavailable_code(code), "{code}");
        }
        for code in ["23505", "42501", "42P01", "22P02", "19", "2067", "1"] {
            assert!(!is_unavailable_code(code), "{code}");
        }
    }
}
