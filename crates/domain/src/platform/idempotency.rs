//! Idempotent creation: a creating request sent again with the same
//! `Idempotency-Key` and the same body within 24 hours gets the first answer
//! and changes nothing; the same key with another body is refused; two
//! concurrent requests with one key never both act (the second is told the
//! first is still in progress). Keys are scoped to the principal.
//!
//! The API calls [`begin`] before the request is handled, and [`complete`]
//! (or [`abandon`], for an answer not worth keeping) after.

use chrono::{DateTime, Duration, Utc};
use roster_entity::idempotency_keys as keys;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use crate::{Error, Result, Roster};

/// How long a first answer is kept.
pub const KEEP: Duration = Duration::hours(24);
/// How long a first request may take before its key counts as abandoned (its
/// instance died mid-request): a retry after that acts afresh.
const ABANDONED_AFTER: Duration = Duration::minutes(5);
/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// A saved answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// The first time: handle it, then [`complete`].
    Proceed,
    /// Seen before with the same body: answer this again.
    Replay(SavedResponse),
}

/// The fingerprint of a request: method, path and body.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(method.as_bytes());
    hash.update(b" ");
    hash.update(path.as_bytes());
    hash.update(b"\n");
    hash.update(body);
    hex::encode(hash.finalize())
}

/// Checks a key as sent: 1-255 visible ASCII characters.
pub fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::validation(
            "Idempotency-Key",
            format!("Use 1 to {MAX_KEY_LEN} visible ASCII characters (a UUID, say)."),
        ));
    }
    Ok(())
}

/// Claims `key` for `principal`, or answers what to do instead.
pub async fn begin(
    roster: &Roster,
    principal: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Begin> {
    check_key(key)?;
    let now = roster.now();
    for _ in 0..2 {
        let inserted = keys::Entity::insert(keys::ActiveModel {
            principal: Set(principal.to_string()),
            key: Set(key.to_string()),
            fingerprint: Set(fingerprint.to_string()),
            status: Set(None),
            response_headers: Set(None),
            response_body: Set(None),
            created_at: Set(now),
            expires_at: Set(now + KEEP),
        })
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(&roster.db)
        .await?;
        if inserted == 1 {
            return Ok(Begin::Proceed);
        }
        let Some(row) = keys::Entity::find_by_id((principal.to_string(), key.to_string()))
            .one(&roster.db)
            .await?
        else {
            continue;
        };
        let stale = row.expires_at <= now
            || (row.status.is_none() && now - row.created_at > ABANDONED_AFTER);
        if stale {
            // Forget it (only that very row) and claim the key afresh.
            forget(roster, principal, key, row.created_at).await?;
            continue;
        }
        if row.fingerprint != fingerprint {
            return Err(Error::IdempotencyKeyReused);
        }
        return match (row.status, row.response_body) {
            (Some(status), Some(body)) => Ok(Begin::Replay(SavedResponse {
                status: u16::try_from(status).unwrap_or(500),
                headers: row
                    .response_headers
                    .and_then(|h| serde_json::from_value(h).ok())
                    .unwrap_or_default(),
                body,
            })),
            _ => Err(Error::IdempotencyKeyInUse),
        };
    }
    Err(Error::internal("the idempotency key could not be claimed"))
}

async fn forget(
    roster: &Roster,
    principal: &str,
    key: &str,
    created_at: DateTime<Utc>,
) -> Result<()> {
    keys::Entity::delete_many()
        .filter(keys::Column::Principal.eq(principal))
        .filter(keys::Column::Key.eq(key))
        .filter(keys::Column::CreatedAt.eq(created_at))
        .exec(&roster.db)
        .await?;
    Ok(())
}

/// Saves the first answer, for the retries to come.
pub async fn complete(
    roster: &Roster,
    principal: &str,
    key: &str,
    response: &SavedResponse,
) -> Result<()> {
    keys::Entity::update_many()
        .col_expr(
            keys::Column::Status,
            Expr::value(i32::from(response.status)),
        )
        .col_expr(
            keys::Column::ResponseHeaders,
            Expr::value(serde_json::to_value(&response.headers).map_err(Error::internal)?),
        )
        .col_expr(
            keys::Column::ResponseBody,
            Expr::value(response.body.clone()),
        )
        .filter(keys::Column::Principal.eq(principal))
        .filter(keys::Column::Key.eq(key))
        .filter(keys::Column::Status.is_null())
        .exec(&roster.db)
        .await?;
    Ok(())
}

/// Gives the key up (the first answer was an error on our side, or too big to
/// keep): a retry acts afresh.
pub async fn abandon(roster: &Roster, principal: &str, key: &str) -> Result<()> {
    keys::Entity::delete_many()
        .filter(keys::Column::Principal.eq(principal))
        .filter(keys::Column::Key.eq(key))
        .filter(keys::Column::Status.is_null())
        .exec(&roster.db)
        .await?;
    Ok(())
}

/// Deletes expired keys (housekeeping); answers how many.
pub(crate) async fn forget_expired(roster: &Roster) -> Result<u64> {
    Ok(keys::Entity::delete_many()
        .filter(keys::Column::ExpiresAt.lt(roster.now()))
        .exec(&roster.db)
        .await?
        .rows_affected)
}
