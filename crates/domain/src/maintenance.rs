//! Housekeeping, so that tables written on every sign-in or email do not grow
//! without bound: throttle counters whose window has passed, refresh tokens
//! and sessions that ended a day ago, and emailed links a month past their expiry (kept
//! that long so an old link still says "expired" rather than "not valid").
//! It runs as the recurring `housekeeping` job, once per interval across all
//! instances.

use roster_entity::{one_time_tokens, refresh_tokens, sessions};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{Context, Result, Roster, throttle};

/// How long a dead refresh token is kept after it expired.
const REFRESH_TOKEN_AFTERLIFE: chrono::Duration = chrono::Duration::days(1);
/// How long an emailed link is kept after it expired.
const LINK_AFTERLIFE: chrono::Duration = chrono::Duration::days(30);

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub throttle_counters: u64,
    pub refresh_tokens: u64,
    pub links: u64,
    pub sessions: u64,
}

/// Deletes what is stale at the roster's `now`. Housekeeping is the system's
/// work: any other principal is refused.
pub async fn sweep(roster: &Roster, ctx: &Context) -> Result<Swept> {
    ctx.require_system("housekeeping runs as the system")?;
    let now = roster.now();
    let throttle_counters = throttle::forget_stale(&roster.db, now).await?;
    let refresh_tokens = refresh_tokens::Entity::delete_many()
        .filter(refresh_tokens::Column::ExpiresAt.lt(now - REFRESH_TOKEN_AFTERLIFE))
        .exec(&roster.db)
        .await?
        .rows_affected;
    let links = one_time_tokens::Entity::delete_many()
        .filter(one_time_tokens::Column::ExpiresAt.lt(now - LINK_AFTERLIFE))
        .exec(&roster.db)
        .await?
        .rows_affected;
    // Sessions that ended (or expired) a day ago and have no tokens left.
    let sessions = sessions::Entity::delete_many()
        .filter(sessions::Column::ExpiresAt.lt(now - REFRESH_TOKEN_AFTERLIFE))
        .exec(&roster.db)
        .await?
        .rows_affected
        + sessions::Entity::delete_many()
            .filter(sessions::Column::RevokedAt.lt(now - REFRESH_TOKEN_AFTERLIFE))
            .exec(&roster.db)
            .await?
            .rows_affected;
    Ok(Swept {
        throttle_counters,
        refresh_tokens,
        links,
        sessions,
    })
}
