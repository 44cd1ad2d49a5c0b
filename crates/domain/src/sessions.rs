//! Sessions: one per sign-in, from the sign-in to its end (sign-out, a password
//! change or reset, suspension, an admin's "sign out everywhere", or its
//! absolute lifetime). Access tokens name their session, and authentication
//! refuses a token whose session has ended, so an end takes effect at once.

use chrono::{DateTime, Duration, Utc};
use roster_entity::{refresh_tokens, sessions, users};
use roster_types::{SessionInfo, SessionList};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, Order,
    QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use crate::access::{self, Reach};
use crate::audit::{self, Event, Target};
use crate::{Context, Error, Result, Roster, tokens};

/// Why a session ended, as stored and shown on the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndReason {
    SignedOut,
    Revoked,
    PasswordChanged,
    PasswordReset,
    Suspended,
    RefreshTokenReused,
}

impl EndReason {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EndReason::SignedOut => "signed_out",
            EndReason::Revoked => "revoked",
            EndReason::PasswordChanged => "password_changed",
            EndReason::PasswordReset => "password_reset",
            EndReason::Suspended => "suspended",
            EndReason::RefreshTokenReused => "refresh_token_reused",
        }
    }
}

/// What the client is handed when a session starts or is refreshed: an access
/// token and the refresh token that replaces it.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub refresh_expires_in: u64,
    pub user_id: Uuid,
    pub session_id: Uuid,
}

/// Makes `refresh_token` a live token of `session` and signs an access token.
pub(crate) async fn issue(
    roster: &Roster,
    db: &impl ConnectionTrait,
    session: &sessions::Model,
    refresh_token: String,
) -> Result<Tokens> {
    let now = roster.now();
    let refresh_ttl = Duration::from_std(roster.auth.refresh_ttl).map_err(Error::internal)?;
    let expires_at = Ord::min(now + refresh_ttl, session.expires_at);
    refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(session.user_id),
        family_id: Set(session.id),
        token_hash: Set(tokens::hash_token(&refresh_token)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    tokens_for(roster, session, refresh_token, expires_at, now)
}

/// The tokens to hand out for a refresh token that already exists.
pub(crate) fn tokens_for(
    roster: &Roster,
    session: &sessions::Model,
    refresh_token: String,
    refresh_expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Tokens> {
    let access_ttl = roster.auth.access_ttl.as_secs();
    let session_left = (session.expires_at - now).num_seconds().max(1) as u64;
    Ok(Tokens {
        access_token: tokens::issue_access_token(&roster.auth, session.user_id, session.id, now)?,
        expires_in: Ord::min(access_ttl, session_left),
        refresh_token,
        refresh_expires_in: (refresh_expires_at - now).num_seconds().max(0) as u64,
        user_id: session.user_id,
        session_id: session.id,
    })
}

/// Starts a session for `user_id` (a sign-in) from the request in `ctx`.
pub(crate) async fn start(
    roster: &Roster,
    db: &impl ConnectionTrait,
    ctx: &Context,
    user_id: Uuid,
) -> Result<Tokens> {
    let now = roster.now();
    let session_ttl = Duration::from_std(roster.auth.session_ttl).map_err(Error::internal)?;
    let session = sessions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        created_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(now + session_ttl),
        ip: Set(ctx.request.ip.clone()),
        user_agent: Set(ctx.request.user_agent.clone()),
        revoked_at: Set(None),
        revoked_reason: Set(None),
    }
    .insert(db)
    .await?;
    issue(roster, db, &session, tokens::random_token()).await
}

/// Ends one session and its refresh tokens. Answers whether it was live.
pub(crate) async fn end(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    reason: EndReason,
    now: DateTime<Utc>,
) -> Result<bool> {
    let ended = sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now))
        .col_expr(
            sessions::Column::RevokedReason,
            Expr::value(reason.as_str()),
        )
        .filter(sessions::Column::Id.eq(session_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::FamilyId.eq(session_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(ended.rows_affected > 0)
}

/// Ends every live session of `user_id` but `keep`; answers how many ended.
pub(crate) async fn end_all(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    keep: Option<Uuid>,
    reason: EndReason,
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut live = sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now))
        .col_expr(
            sessions::Column::RevokedReason,
            Expr::value(reason.as_str()),
        )
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::RevokedAt.is_null());
    let mut tokens = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        live = live.filter(sessions::Column::Id.ne(keep));
        tokens = tokens.filter(refresh_tokens::Column::FamilyId.ne(keep));
    }
    let ended = live.exec(db).await?.rows_affected;
    tokens.exec(db).await?;
    Ok(ended)
}

/// How often `last_used_at` is written: at most once a minute per session, so
/// that authenticating stays a read.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// Fails unless `session_id` is a live session of `user_id`; notes its use.
pub(crate) async fn check_live(roster: &Roster, session_id: Uuid, user_id: Uuid) -> Result<()> {
    let now = roster.now();
    let session = sessions::Entity::find_by_id(session_id)
        .one(&roster.db)
        .await?
        .filter(|s| s.user_id == user_id)
        .ok_or(Error::Unauthenticated(
            "the session has ended; sign in again",
        ))?;
    if session.revoked_at.is_some() || session.expires_at <= now {
        return Err(Error::Unauthenticated(
            "the session has ended; sign in again",
        ));
    }
    if now - session.last_used_at > TOUCH_EVERY {
        sessions::Entity::update_many()
            .col_expr(sessions::Column::LastUsedAt, Expr::value(now))
            .filter(sessions::Column::Id.eq(session_id))
            .filter(sessions::Column::LastUsedAt.lt(now - TOUCH_EVERY))
            .exec(&roster.db)
            .await?;
    }
    Ok(())
}

fn to_dto(m: sessions::Model, current: Option<Uuid>) -> SessionInfo {
    SessionInfo {
        current: current == Some(m.id),
        id: m.id,
        user_id: m.user_id,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        expires_at: m.expires_at,
        ip: m.ip,
        user_agent: m.user_agent,
    }
}

async fn live_sessions(
    roster: &Roster,
    user_id: Uuid,
    current: Option<Uuid>,
) -> Result<SessionList> {
    let rows = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .filter(sessions::Column::ExpiresAt.gt(roster.now()))
        .order_by(sessions::Column::LastUsedAt, Order::Desc)
        .order_by(sessions::Column::Id, Order::Desc)
        .all(&roster.db)
        .await?;
    Ok(SessionList::whole(
        rows.into_iter().map(|m| to_dto(m, current)).collect(),
    ))
}

/// `GET /auth/sessions`: the caller's own live sessions.
pub async fn mine(roster: &Roster, ctx: &Context) -> Result<SessionList> {
    let actor = ctx.actor()?;
    live_sessions(roster, actor.user_id, ctx.session_id).await
}

/// Admins reach everyone's sessions, managers those of the people they may
/// change; anyone else's are "not found".
async fn reach_sessions(
    db: &impl ConnectionTrait,
    ctx: &Context,
    user_id: Uuid,
) -> Result<users::Model> {
    let actor = ctx.actor()?;
    if !actor.is_admin() && !actor.is_manager() {
        return Err(Error::Forbidden(
            "only admins and managers may see other people's sessions",
        ));
    }
    match access::reach_for_change(db, actor, user_id).await? {
        Reach::Admin | Reach::Managed | Reach::Own => {}
        Reach::None => return Err(Error::NotFound("user")),
    }
    users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("user"))
}

/// `GET /users/{id}/sessions`.
pub async fn of_user(roster: &Roster, ctx: &Context, user_id: Uuid) -> Result<SessionList> {
    let target = Some(Target::user_id(user_id));
    audit::refusals(
        roster,
        ctx,
        "user.sessions_listed",
        target,
        async {
            reach_sessions(&roster.db, ctx, user_id).await?;
            live_sessions(roster, user_id, ctx.session_id).await
        }
        .await,
    )
    .await
}

/// `DELETE /auth/sessions/{session_id}`: ends one of the caller's own sessions
/// (another browser, or this one).
pub async fn end_mine(roster: &Roster, ctx: &Context, session_id: Uuid) -> Result<()> {
    let actor = ctx.actor()?;
    let txn = roster.write_txn().await?;
    let session = sessions::Entity::find_by_id(session_id)
        .one(&txn)
        .await?
        .filter(|s| s.user_id == actor.user_id && s.revoked_at.is_none())
        .ok_or(Error::NotFound("session"))?;
    end(&txn, session.id, EndReason::Revoked, roster.now()).await?;
    audit::record(
        &txn,
        roster,
        ctx,
        Event::success("auth.session_revoked")
            .target(Target::session(session.id, actor.user_id))
            .details(json!({ "reason": EndReason::Revoked.as_str(), "current": ctx.session_id == Some(session.id) })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `DELETE /users/{id}/sessions`: signs a person out everywhere.
pub async fn end_all_of_user(roster: &Roster, ctx: &Context, user_id: Uuid) -> Result<u64> {
    let target = Some(Target::user_id(user_id));
    audit::refusals(
        roster,
        ctx,
        "auth.sessions_revoked",
        target,
        async {
            let txn = roster.write_txn().await?;
            let user = reach_sessions(&txn, ctx, user_id).await?;
            crate::users::lock(&txn, user_id).await?;
            let ended = end_all(&txn, user_id, None, EndReason::Revoked, roster.now()).await?;
            audit::record(
                &txn,
                roster,
                ctx,
                Event::success("auth.sessions_revoked")
                    .target(Target::user(user_id, crate::users::full_name(&user)))
                    .details(json!({ "sessions": ended })),
            )
            .await?;
            txn.commit().await?;
            Ok(ended)
        }
        .await,
    )
    .await
}
