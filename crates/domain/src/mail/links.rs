//! Single-use links: issuing, retiring and withdrawing their tokens, and
//! setting a password from one.

use std::time::Duration;

use chrono::{DateTime, Utc};
use roster_entity::{one_time_tokens, outbox, users};
use roster_types::{EmailStatus, PasswordLink, PasswordLinkPurpose, UserStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use uuid::Uuid;

use crate::audit::{self, Event, Target};
use crate::error::LinkProblem;
use crate::sessions::{self, EndReason};
use crate::throttle;
use crate::{Context, Error, Result, Roster, tokens};

pub(super) const SET_PASSWORD: &str = "set_password";
pub(super) const RESET: &str = "reset";

/// Creates a single-use token for `user_id` (only its hash is stored) and
/// retires that user's older unused tokens: only the newest link works.
pub(super) async fn issue_token(
    roster: &Roster,
    db: &impl ConnectionTrait,
    user_id: Uuid,
    purpose: &str,
    ttl: Duration,
) -> Result<String> {
    let now = roster.now();
    retire_links(db, user_id, now).await?;
    let token = tokens::random_token();
    one_time_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        purpose: Set(purpose.to_string()),
        token_hash: Set(tokens::hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::from_std(ttl).map_err(Error::internal)?),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

fn token_invalid() -> Error {
    Error::Link(LinkProblem::Invalid)
}

fn token_used() -> Error {
    Error::Link(LinkProblem::Used)
}

/// The token behind an emailed link and its user, if the link still works.
async fn usable_token(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(one_time_tokens::Model, users::Model)> {
    let token = token.trim();
    if token.is_empty() || token.len() > 200 {
        return Err(token_invalid());
    }
    let found = one_time_tokens::Entity::find()
        .filter(one_time_tokens::Column::TokenHash.eq(tokens::hash_token(token)))
        .one(db)
        .await?
        .ok_or_else(token_invalid)?;
    // A suspended account says so first: that, not the link, is what to fix.
    let user = link_user(db, found.user_id).await?;
    if found.used_at.is_some() {
        return Err(token_used());
    }
    if found.expires_at <= now {
        return Err(Error::Link(LinkProblem::Expired));
    }
    Ok((found, user))
}

/// `POST /auth/password/link`: the account a link is for and what for, while
/// it still works; otherwise the same problem setting a password would meet
/// (invalid, used, expired, or the account suspended).
pub async fn link_account(roster: &Roster, token: &str) -> Result<PasswordLink> {
    let (found, user) = usable_token(&roster.db, token, roster.now()).await?;
    Ok(PasswordLink {
        full_name: crate::users::full_name(&user),
        email: user.email,
        purpose: if found.purpose == RESET {
            PasswordLinkPurpose::Reset
        } else {
            PasswordLinkPurpose::Invitation
        },
        expires_at: found.expires_at,
    })
}

/// `POST /auth/password`: sets a password from an emailed token, activates an
/// invited user, retires every other link of theirs and ends their sessions.
pub async fn set_password_with_token(
    roster: &Roster,
    ctx: &Context,
    token: &str,
    password: &str,
) -> Result<()> {
    let result = set_password_from_link(roster, ctx, token, password).await;
    if let Err(Error::AccountSuspended) = &result
        && let Err(error) = audit::record(
            &roster.db,
            roster,
            ctx,
            Event::refused("auth.password_set", "the account is suspended"),
        )
        .await
    {
        tracing::error!(error = %error, "cannot record a refusal");
    }
    result
}

async fn set_password_from_link(
    roster: &Roster,
    ctx: &Context,
    token: &str,
    password: &str,
) -> Result<()> {
    let now = roster.now();
    // Checked and hashed before the write transaction: hashing takes a while,
    // and on SQLite every other writer would wait for it.
    let (found, user) = usable_token(&roster.db, token, now).await?;
    crate::auth::check_password_strength(password, &user.email, &crate::users::full_name(&user))?;
    let hash = roster.hasher.hash(password.to_string()).await?;

    let txn = roster.write_txn().await?;
    // The person first (see `users::lock`), as they may have changed since the
    // check: suspended, or a new address.
    let user = crate::users::lock(&txn, user.id)
        .await
        .map_err(|_| token_invalid())?;
    not_suspended(&user)?;
    crate::auth::check_password_strength(password, &user.email, &crate::users::full_name(&user))?;
    // Claim this very token atomically: a double submit, or a newer link sent
    // in the meantime, finds it gone.
    let claimed = one_time_tokens::Entity::update_many()
        .col_expr(one_time_tokens::Column::UsedAt, Expr::value(now))
        .filter(one_time_tokens::Column::Id.eq(found.id))
        .filter(one_time_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(token_used());
    }
    retire_links(&txn, user.id, now).await?;
    let version = user.version;
    let user_id = user.id;
    let was_invited = user.status == UserStatus::Invited.as_str();
    let email = user.email.clone();
    let name = crate::users::full_name(&user);
    let mut model = user.into_active_model();
    model.password_hash = Set(Some(hash));
    model.status = Set(UserStatus::Active.as_str().to_string());
    model.updated_at = Set(now);
    model.version = Set(version + 1);
    model.update(&txn).await?;
    let ended = sessions::end_all(&txn, user_id, None, EndReason::PasswordReset, now).await?;
    // Holding the mailbox proves who this is: lift the sign-in locks.
    throttle::clear_sign_in_locks(&txn, &email).await?;
    audit::record(
        &txn,
        roster,
        ctx,
        Event::success(if was_invited {
            "auth.password_set"
        } else {
            "auth.password_reset_completed"
        })
        .target(Target::user(user_id, name))
        .details(if was_invited {
            serde_json::json!({
                "sessions_ended": ended,
                "status": audit::change(UserStatus::Invited, UserStatus::Active),
            })
        } else {
            serde_json::json!({ "sessions_ended": ended })
        }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(user.id = %user_id, "password set from an emailed link");
    Ok(())
}

/// The user of a link, who must not be suspended.
async fn link_user(db: &impl ConnectionTrait, user_id: Uuid) -> Result<users::Model> {
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(token_invalid)?;
    not_suspended(&user)?;
    Ok(user)
}

fn not_suspended(user: &users::Model) -> Result<()> {
    if user.status == UserStatus::Suspended.as_str() {
        return Err(Error::AccountSuspended);
    }
    Ok(())
}

/// Makes every unused link of `user_id` stop working.
pub(crate) async fn retire_links(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    one_time_tokens::Entity::update_many()
        .col_expr(one_time_tokens::Column::UsedAt, Expr::value(now))
        .filter(one_time_tokens::Column::UserId.eq(user_id))
        .filter(one_time_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Withdraws what was sent or is about to be sent to `user_id`: every unused
/// link stops working, and messages still queued are not sent (they are marked
/// failed with `reason`, and their bodies, which carry the links, are dropped).
/// For a suspension, an email change and a deletion, in the caller's
/// transaction.
pub(crate) async fn withdraw_links(
    roster: &Roster,
    db: &impl ConnectionTrait,
    user_id: Uuid,
    reason: &str,
) -> Result<()> {
    let now = roster.now();
    retire_links(db, user_id, now).await?;
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(EmailStatus::Failed.as_str()),
        )
        .col_expr(outbox::Column::LastError, Expr::value(reason))
        .col_expr(outbox::Column::TextBody, Expr::value(""))
        .col_expr(outbox::Column::HtmlBody, Expr::value(""))
        .filter(outbox::Column::UserId.eq(user_id))
        .filter(outbox::Column::Status.eq(EmailStatus::Queued.as_str()))
        .exec(db)
        .await?;
    Ok(())
}
