//! Throttling of failed sign-ins, per email and per client address, kept in the
//! database so every instance behind a load balancer sees the same counts.

use chrono::{DateTime, Duration, Utc};
use roster_entity::auth_throttle as throttle;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::{Error, Result};

/// Failures are counted over this window.
const WINDOW: Duration = Duration::minutes(15);
/// The longest lock-out.
const MAX_LOCK: Duration = Duration::minutes(15);
/// The first lock-out; it doubles with every further failure.
const FIRST_LOCK: Duration = Duration::seconds(30);

/// A throttled identity: what it is keyed by and how many failures it may have.
pub(crate) struct Key {
    pub(crate) key: String,
    pub(crate) limit: i32,
}

impl Key {
    pub(crate) fn email(email: &str) -> Self {
        Self {
            key: format!("email:{email}"),
            limit: 5,
        }
    }

    /// A client address is allowed more: several people may share one.
    pub(crate) fn ip(ip: &str) -> Self {
        Self {
            key: format!("ip:{ip}"),
            limit: 30,
        }
    }
}

/// Fails with `Throttled` if any of the keys is locked out at `now`.
pub(crate) async fn check(
    db: &impl ConnectionTrait,
    keys: &[Key],
    now: DateTime<Utc>,
) -> Result<()> {
    let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
    let rows = throttle::Entity::find()
        .filter(throttle::Column::Key.is_in(names))
        .filter(throttle::Column::LockedUntil.gt(now))
        .all(db)
        .await?;
    match rows.iter().filter_map(|r| r.locked_until).max() {
        Some(until) => Err(Error::Throttled {
            retry_after_secs: Ord::max((until - now).num_seconds(), 1) as u64,
        }),
        None => Ok(()),
    }
}

/// Counts one failure against `key`, locking it out once it passes its limit.
pub(crate) async fn record_failure(
    db: &impl ConnectionTrait,
    key: &Key,
    now: DateTime<Utc>,
) -> Result<()> {
    // An atomic increment inside the window, so that concurrent failures on
    // several instances are all counted.
    let bumped = throttle::Entity::update_many()
        .col_expr(
            throttle::Column::Failures,
            Expr::col(throttle::Column::Failures).add(1),
        )
        .filter(throttle::Column::Key.eq(&key.key))
        .filter(throttle::Column::WindowStartedAt.gt(now - WINDOW))
        .exec(db)
        .await?;
    if bumped.rows_affected == 0 {
        throttle::Entity::insert(throttle::ActiveModel {
            key: Set(key.key.clone()),
            failures: Set(1),
            window_started_at: Set(now),
            locked_until: Set(None),
        })
        .on_conflict(
            OnConflict::column(throttle::Column::Key)
                .update_columns([
                    throttle::Column::Failures,
                    throttle::Column::WindowStartedAt,
                    throttle::Column::LockedUntil,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    }
    let Some(row) = throttle::Entity::find_by_id(key.key.clone())
        .one(db)
        .await?
    else {
        return Ok(());
    };
    if row.failures >= key.limit {
        let doublings = (row.failures - key.limit).clamp(0, 10) as u32;
        let lock = (FIRST_LOCK * 2i32.pow(doublings)).min(MAX_LOCK);
        throttle::Entity::update_many()
            .col_expr(throttle::Column::LockedUntil, Expr::value(now + lock))
            .filter(throttle::Column::Key.eq(&key.key))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Forgets the failures of `key` (after a successful sign-in).
pub(crate) async fn clear(db: &impl ConnectionTrait, key: &Key) -> Result<()> {
    throttle::Entity::delete_by_id(key.key.clone())
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes counters whose window has passed and that lock nobody out; returns
/// how many.
pub(crate) async fn forget_stale(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64> {
    Ok(throttle::Entity::delete_many()
        .filter(throttle::Column::WindowStartedAt.lt(now - WINDOW))
        .filter(
            throttle::Column::LockedUntil
                .is_null()
                .or(throttle::Column::LockedUntil.lt(now)),
        )
        .exec(db)
        .await?
        .rows_affected)
}
