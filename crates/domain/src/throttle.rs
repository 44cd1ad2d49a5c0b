//! Throttling of sign-in and other guessable operations, kept in the database so
//! every instance behind a load balancer sees the same counts.
//!
//! An attempt is counted atomically *before* the secret is checked (one
//! upsert that increments and answers the new count), so parallel guesses
//! cannot slip past the limit; a successful attempt is then refunded.

use chrono::{DateTime, Duration, Utc};
use roster_entity::auth_throttle as throttle;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};

use crate::{Error, Result};

/// Attempts are counted over this window; a key over its limit waits for the
/// window's end.
pub(crate) const WINDOW: Duration = Duration::minutes(15);

/// A throttled identity: what it is keyed by and how many attempts it may have
/// in a window.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub(crate) key: String,
    pub(crate) limit: i32,
}

impl Key {
    pub(crate) fn new(key: String, limit: i32) -> Self {
        Self { key, limit }
    }

    /// One email from one client address: the lock-out. Failures from one
    /// address never lock the account for someone signing in from another.
    pub(crate) fn sign_in(email: &str, ip: &str) -> Self {
        Self::new(format!("login:{email}|{ip}"), 5)
    }

    /// One email from anywhere: looser, and it slows attempts down rather than
    /// refusing them (see `auth::login`), so distributed guessing is slowed
    /// without anyone being locked out.
    pub(crate) fn email(email: &str) -> Self {
        Self::new(format!("email:{email}"), 20)
    }

    /// One client address, any email: several people may share one.
    pub(crate) fn ip(ip: &str) -> Self {
        Self::new(format!("ip:{ip}"), 30)
    }
}

/// A key's count after an attempt.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Count {
    pub(crate) attempts: i32,
    pub(crate) window_ends: DateTime<Utc>,
}

impl Count {
    pub(crate) fn over(&self, key: &Key) -> bool {
        self.attempts > key.limit
    }

    /// How far over its limit the key is (0 when within it).
    pub(crate) fn excess(&self, key: &Key) -> i32 {
        Ord::max(self.attempts - key.limit, 0)
    }

    pub(crate) fn refused(&self, now: DateTime<Utc>) -> Error {
        Error::Throttled {
            retry_after_secs: Ord::max((self.window_ends - now).num_seconds(), 1) as u64,
        }
    }
}

/// SQL with `$n` placeholders, as the backend wants them.
fn statement(db: &impl ConnectionTrait, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => sql.to_string(),
        _ => sql.replace('$', "?"),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Counts one attempt against `key` and answers the count, in one statement.
pub(crate) async fn hit(db: &impl ConnectionTrait, key: &Key, now: DateTime<Utc>) -> Result<Count> {
    let sql = "INSERT INTO auth_throttle (key, failures, window_started_at, locked_until) \
               VALUES ($1, 1, $2, NULL) \
               ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN auth_throttle.window_started_at > $3 \
                 THEN auth_throttle.failures + 1 ELSE 1 END, \
               window_started_at = CASE WHEN auth_throttle.window_started_at > $3 \
                 THEN auth_throttle.window_started_at ELSE excluded.window_started_at END \
               RETURNING failures, window_started_at";
    let row = db
        .query_one_raw(statement(
            db,
            sql,
            vec![key.key.clone().into(), now.into(), (now - WINDOW).into()],
        ))
        .await?
        .ok_or_else(|| Error::internal("the throttle upsert answered no row"))?;
    let attempts: i32 = row.try_get("", "failures")?;
    let started: DateTime<Utc> = row.try_get("", "window_started_at")?;
    Ok(Count {
        attempts,
        window_ends: started + WINDOW,
    })
}

/// Takes back one counted attempt (it succeeded).
pub(crate) async fn refund(db: &impl ConnectionTrait, key: &Key) -> Result<()> {
    throttle::Entity::update_many()
        .col_expr(
            throttle::Column::Failures,
            Expr::col(throttle::Column::Failures).sub(1),
        )
        .filter(throttle::Column::Key.eq(&key.key))
        .filter(throttle::Column::Failures.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets the attempts of `key`.
pub(crate) async fn clear(db: &impl ConnectionTrait, key: &Key) -> Result<()> {
    throttle::Entity::delete_by_id(key.key.clone())
        .exec(db)
        .await?;
    Ok(())
}

/// Lifts every sign-in lock on `email`, from any address (a completed password
/// reset proves the person holds the mailbox).
pub(crate) async fn clear_sign_in_locks(db: &impl ConnectionTrait, email: &str) -> Result<()> {
    let mut prefix = String::from("login:");
    for c in email.chars() {
        if matches!(c, '%' | '_' | '\\') {
            prefix.push('\\');
        }
        prefix.push(c);
    }
    prefix.push_str("|%");
    throttle::Entity::delete_many()
        .filter(
            Expr::col(throttle::Column::Key)
                .like(LikeExpr::new(prefix).escape('\\'))
                .or(throttle::Column::Key.eq(Key::email(email).key)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes counters whose window has passed; returns how many.
pub(crate) async fn forget_stale(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64> {
    Ok(throttle::Entity::delete_many()
        .filter(throttle::Column::WindowStartedAt.lt(now - WINDOW))
        .exec(db)
        .await?
        .rows_affected)
}
