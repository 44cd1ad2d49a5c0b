//! The domain's one error type. `roster-api` maps it to HTTP exactly once.

use roster_types::FieldError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input breaks a rule; each field says why.
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// The thing asked for does not exist (or must not be revealed).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change collides with existing data (a unique value, a state).
    #[error("conflict: {message}")]
    Conflict {
        code: &'static str,
        message: String,
        field: Option<&'static str>,
    },
    /// No valid credentials were presented.
    #[error("authentication required: {0}")]
    Unauthenticated(&'static str),
    /// Sign-in failed; deliberately says nothing about which part was wrong.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The caller is known but may not do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Too many failed attempts; try again after this many seconds.
    #[error("too many attempts")]
    Throttled { retry_after_secs: u64 },
    /// An emailed link that cannot be used (any more).
    #[error("the link cannot be used: {0:?}")]
    Link(LinkProblem),
    /// The account is suspended, so this cannot be done for it.
    #[error("the account is suspended")]
    AccountSuspended,
    /// Too much is being asked at once (password hashing is bounded); try again
    /// after this many seconds.
    #[error("busy")]
    Busy { retry_after_secs: u64 },
    /// An `Idempotency-Key` already used for a different request.
    #[error("the idempotency key was used for another request")]
    IdempotencyKeyReused,
    /// A request with this `Idempotency-Key` is still being answered.
    #[error("the idempotency key is in use")]
    IdempotencyKeyInUse,
    /// The resource changed since the caller read it (`If-Match` mismatch).
    #[error("the resource has changed since it was read")]
    PreconditionFailed,
    /// Something that is not the caller's fault.
    #[error(transparent)]
    Internal(#[from] anyhow_like::Internal),
}

/// Why an emailed link does not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkProblem {
    /// No such link (mistyped, or cut off in the email).
    Invalid,
    /// Used already, or replaced by a newer one.
    Used,
    /// Past its expiry.
    Expired,
}

impl Error {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, message)])
    }

    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Error::Internal(anyhow_like::Internal(err.into()))
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(err: sea_orm::DbErr) -> Self {
        match err {
            // Every connection stayed busy for the pool's whole wait: too much
            // at once, not a fault; the caller may try again in a moment.
            sea_orm::DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout) => {
                tracing::warn!("no database connection came free in time");
                Error::Busy {
                    retry_after_secs: 1,
                }
            }
            err => Error::internal(err),
        }
    }
}

impl From<sea_orm::TransactionError<Error>> for Error {
    fn from(err: sea_orm::TransactionError<Error>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

pub mod anyhow_like {
    //! A boxed unexpected error that keeps its cause chain for the log.

    #[derive(Debug)]
    pub struct Internal(pub Box<dyn std::error::Error + Send + Sync>);

    impl std::fmt::Display for Internal {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "internal error: {}", self.0)
        }
    }

    impl std::error::Error for Internal {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(self.0.as_ref())
        }
    }
}
