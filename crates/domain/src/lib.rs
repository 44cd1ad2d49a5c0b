//! Roster's rules: users, roles, sign-in and sessions. Talks to the database through
//! SeaORM and never imports actix. Every operation receives a [`Context`] (who
//! acts, in which session, from which request); permission checks sit next to
//! the rule they protect, and every change is written to the audit trail in its
//! own transaction.

mod access;
pub mod actor;
pub mod auth;
pub mod background;
pub mod clock;
mod counting;
pub mod db;
pub mod error;
pub mod mail;
pub mod maintenance;
mod paging;
pub mod password;
pub mod platform;
pub mod seed;
pub mod sessions;
pub mod teams;
mod throttle;
pub mod tokens;
pub mod users;

use std::sync::Arc;
use std::time::Duration;

pub use actor::Actor;
pub use clock::{Clock, SystemClock};
pub use error::{Error, Result};
pub use platform::context::{Context, Principal, RequestInfo};
pub use platform::{audit, idempotency, jobs};

/// Settings of sign-in and sessions.
#[derive(Clone)]
pub struct AuthSettings {
    /// HMAC key of access tokens (HS256).
    pub jwt_secret: Vec<u8>,
    /// `iss` of issued tokens, checked on the way in.
    pub issuer: String,
    /// `aud` of issued tokens, checked on the way in.
    pub audience: String,
    /// Lifetime of access tokens.
    pub access_ttl: Duration,
    /// Lifetime of refresh tokens (each rotation starts a new one).
    pub refresh_ttl: Duration,
    /// Absolute lifetime of a session, however often it is refreshed.
    pub session_ttl: Duration,
    /// argon2id cost parameters.
    pub password_params: password::PasswordParams,
    /// How many hashes run at once, and how many may wait.
    pub hashing: password::HashingLimits,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &"[redacted]")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("session_ttl", &self.session_ttl)
            .field("hashing", &self.hashing)
            .field("password_params", &self.password_params)
            .finish()
    }
}

/// Everything a domain operation needs: the database, the clock and the settings.
/// Cheap to clone; one per process, shared by every request.
#[derive(Clone)]
pub struct Roster {
    pub db: sea_orm::DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    pub auth: Arc<AuthSettings>,
    pub mail: Arc<mail::MailSettings>,
    pub(crate) hasher: password::Hasher,
    /// Off only in the benchmark that measures what the trail costs.
    pub(crate) audit_trail: bool,
    /// Which way the Users list finds a page (tests move it).
    pub(crate) list_tuning: users::ListTuning,
}

impl Roster {
    pub fn new(
        db: sea_orm::DatabaseConnection,
        clock: Arc<dyn Clock>,
        auth: AuthSettings,
        mail: mail::MailSettings,
    ) -> Self {
        let hasher = password::Hasher::new(auth.password_params, auth.hashing);
        Self {
            db,
            clock,
            auth: Arc::new(auth),
            mail: Arc::new(mail),
            hasher,
            audit_trail: true,
            list_tuning: users::ListTuning::default(),
        }
    }

    /// The same roster choosing its Users list pages by other thresholds:
    /// for tests checking that every way of finding a page gives the same one.
    #[doc(hidden)]
    #[must_use]
    pub fn with_list_tuning(mut self, tuning: users::ListTuning) -> Self {
        self.list_tuning = tuning;
        self
    }

    /// The same roster writing no audit events: the baseline of the benchmark
    /// that measures what the trail costs. Nothing else may use it; there is
    /// no setting that turns the trail off.
    #[doc(hidden)]
    pub fn without_audit_trail_for_benchmarks(mut self) -> Self {
        self.audit_trail = false;
        self
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes
    /// later fails with "database is locked" when another writer (the outbox
    /// worker, another request) committed in between, and the busy timeout cannot
    /// help it.
    pub async fn write_txn(&self) -> Result<sea_orm::DatabaseTransaction> {
        use sea_orm::TransactionTrait;
        Ok(self
            .db
            .begin_with_options(sea_orm::TransactionOptions {
                sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?)
    }

    /// The current instant, truncated to microseconds so that it round-trips
    /// through both databases unchanged.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        clock::truncate(self.clock.now())
    }

    /// Prepares what the first sign-in would otherwise prepare on the spot
    /// (the hash that unknown emails are checked against), so that the first
    /// failed sign-in takes no longer than any other.
    pub async fn warm_up(&self) -> Result<()> {
        self.hasher.warm_up().await
    }
}
