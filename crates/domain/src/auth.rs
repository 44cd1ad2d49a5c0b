//! Sign-in, refresh-token rotation, sign-out and turning an access token into an
//! `Actor`.

use chrono::Duration;
use roster_entity::{refresh_tokens, users};
use roster_types::{Me, UserStatus, validate};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::throttle::{self, Key};
use crate::{Actor, Error, Result, Roster, tokens, users as user_ops};

pub use roster_types::validate::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};

/// Checks a new password: length, and not the email address.
pub fn check_password_strength(password: &str, email: &str) -> Result<()> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(Error::validation(
            "password",
            format!("Use at least {MIN_PASSWORD_LEN} characters."),
        ));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(Error::validation(
            "password",
            format!("Use at most {MAX_PASSWORD_LEN} characters."),
        ));
    }
    if password.trim().to_lowercase() == email {
        return Err(Error::validation(
            "password",
            "Do not use your email address as your password.",
        ));
    }
    Ok(())
}

/// A session handed to the client: an access token and the refresh token that
/// replaces it.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub refresh_expires_in: u64,
    pub user_id: Uuid,
}

async fn start_session(
    roster: &Roster,
    db: &impl ConnectionTrait,
    user_id: Uuid,
    family_id: Uuid,
) -> Result<Session> {
    let now = roster.now();
    let refresh_token = tokens::random_token();
    let refresh_ttl = Duration::from_std(roster.auth.refresh_ttl).map_err(Error::internal)?;
    refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(tokens::hash_token(&refresh_token)),
        created_at: Set(now),
        expires_at: Set(now + refresh_ttl),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(Session {
        access_token: tokens::issue_access_token(&roster.auth, user_id, now)?,
        expires_in: roster.auth.access_ttl.as_secs(),
        refresh_token,
        refresh_expires_in: roster.auth.refresh_ttl.as_secs(),
        user_id,
    })
}

/// `POST /auth/login`. Unknown email and wrong password fail the same way and
/// take the same time; repeated failures per email or address are throttled.
pub async fn login(
    roster: &Roster,
    email: &str,
    password: &str,
    client_ip: Option<&str>,
) -> Result<Session> {
    let email = validate::normalise_email(email);
    if email.is_empty() || password.is_empty() {
        let mut errors = Vec::new();
        if email.is_empty() {
            errors.push(roster_types::FieldError::new(
                "email",
                "Enter your email address.",
            ));
        }
        if password.is_empty() {
            errors.push(roster_types::FieldError::new(
                "password",
                "Enter your password.",
            ));
        }
        return Err(Error::Validation(errors));
    }
    // Something that cannot be an address (too long, control characters) is
    // nobody's: it fails like an unknown email, without reaching the database
    // as a lookup or a throttle key.
    let plausible = validate::check_email(&email).is_ok();
    let mut keys = Vec::new();
    if plausible {
        keys.push(Key::email(&email));
    }
    if let Some(ip) = client_ip {
        keys.push(Key::ip(ip));
    }
    let now = roster.now();
    throttle::check(&roster.db, &keys, now).await?;

    let user = if plausible {
        users::Entity::find()
            .filter(users::Column::Email.eq(&email))
            .one(&roster.db)
            .await?
    } else {
        None
    };
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let ok = roster.hasher.verify(password.to_string(), hash).await?;
    let user = match user {
        Some(user) if ok => user,
        _ => {
            for key in &keys {
                throttle::record_failure(&roster.db, key, now).await?;
            }
            tracing::info!(outcome = "refused", "sign-in failed");
            return Err(Error::InvalidCredentials);
        }
    };
    if user.status == UserStatus::Suspended.as_str() {
        return Err(Error::Forbidden("this account is suspended"));
    }
    throttle::clear(&roster.db, &Key::email(&email)).await?;
    users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, Expr::value(now))
        .filter(users::Column::Id.eq(user.id))
        .exec(&roster.db)
        .await?;
    let session = start_session(roster, &roster.db, user.id, Uuid::now_v7()).await?;
    tracing::info!(user.id = %user.id, "signed in");
    Ok(session)
}

async fn revoke_family(
    db: &impl ConnectionTrait,
    family_id: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::FamilyId.eq(family_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// How long after a refresh token was swapped presenting it again counts as a
/// concurrent refresh rather than a stolen copy.
const REUSE_GRACE: Duration = Duration::seconds(10);

/// `POST /auth/refresh`: swaps a refresh token for a new one and a fresh access
/// token. Presenting a token that was already swapped revokes its whole family
/// (someone else has a copy), unless it was swapped within [`REUSE_GRACE`].
pub async fn refresh(roster: &Roster, refresh_token: &str) -> Result<Session> {
    let now = roster.now();
    let invalid = || Error::Unauthenticated("the session has ended; sign in again");
    let token = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(tokens::hash_token(refresh_token)))
        .one(&roster.db)
        .await?
        .ok_or_else(invalid)?;
    if token.revoked_at.is_some() || token.expires_at <= now {
        return Err(invalid());
    }
    // Claim the token atomically; losing the race is a reuse too.
    let claimed = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(token.id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(&roster.db)
        .await?;
    if claimed.rows_affected == 0 {
        // Already swapped. Within a few seconds that is two tabs of one browser
        // restoring the session at once (they share the cookie): the later one
        // gets a session of the same family. Later than that, someone else has
        // a copy of the token.
        let used_at = match token.used_at {
            Some(at) => Some(at),
            None => refresh_tokens::Entity::find_by_id(token.id)
                .one(&roster.db)
                .await?
                .and_then(|t| t.used_at),
        };
        let concurrent = used_at.is_some_and(|at| now - at <= REUSE_GRACE);
        if !concurrent {
            revoke_family(&roster.db, token.family_id, now).await?;
            tracing::warn!(user.id = %token.user_id, "refresh token reused; session family revoked");
            return Err(invalid());
        }
    }
    let user = users::Entity::find_by_id(token.user_id)
        .one(&roster.db)
        .await?
        .ok_or_else(invalid)?;
    if user.status == UserStatus::Suspended.as_str() {
        revoke_family(&roster.db, token.family_id, now).await?;
        return Err(invalid());
    }
    start_session(roster, &roster.db, user.id, token.family_id).await
}

/// `POST /auth/logout`: ends the session the refresh token belongs to. Unknown
/// tokens are ignored, so signing out always succeeds.
pub async fn logout(roster: &Roster, refresh_token: &str) -> Result<()> {
    let token = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(tokens::hash_token(refresh_token)))
        .one(&roster.db)
        .await?;
    if let Some(token) = token {
        revoke_family(&roster.db, token.family_id, roster.now()).await?;
    }
    Ok(())
}

/// Checks an access token and reads the caller's current roles. A suspended or
/// deleted user's tokens stop working at once.
pub async fn authenticate(roster: &Roster, access_token: &str) -> Result<Actor> {
    let claims = tokens::verify_access_token(&roster.auth, access_token, roster.now())?;
    let user_id: Uuid = claims
        .sub
        .parse()
        .map_err(|_| Error::Unauthenticated("the access token is invalid"))?;
    let user = users::Entity::find_by_id(user_id)
        .one(&roster.db)
        .await?
        .ok_or(Error::Unauthenticated("the account no longer exists"))?;
    if user.status == UserStatus::Suspended.as_str() {
        return Err(Error::Unauthenticated("this account is suspended"));
    }
    let impersonator = claims
        .act
        .map(|a| a.sub.parse())
        .transpose()
        .map_err(|_| Error::Unauthenticated("the access token is invalid"))?;
    Ok(Actor {
        user_id,
        roles: user_ops::roles_of(&roster.db, user_id).await?,
        impersonator,
    })
}

/// `PUT /auth/me/password`: the signed-in person replaces their password,
/// proving they know the current one. Other sessions end; the one of
/// `keep_refresh_token` (this browser) goes on. Wrong current passwords are
/// throttled like failed sign-ins.
pub async fn change_password(
    roster: &Roster,
    actor: &Actor,
    current_password: &str,
    new_password: &str,
    keep_refresh_token: Option<&str>,
) -> Result<()> {
    if actor.impersonator.is_some() {
        return Err(Error::Forbidden(
            "a password cannot be changed while impersonating",
        ));
    }
    if current_password.is_empty() {
        return Err(Error::validation(
            "current_password",
            "Enter your current password.",
        ));
    }
    let user = users::Entity::find_by_id(actor.user_id)
        .one(&roster.db)
        .await?
        .ok_or(Error::Unauthenticated("the account no longer exists"))?;
    let key = Key::email(&user.email);
    let now = roster.now();
    throttle::check(&roster.db, std::slice::from_ref(&key), now).await?;
    let ok = roster
        .hasher
        .verify(current_password.to_string(), user.password_hash.clone())
        .await?;
    if !ok {
        throttle::record_failure(&roster.db, &key, now).await?;
        return Err(Error::validation(
            "current_password",
            "This is not your current password.",
        ));
    }
    check_password_strength(new_password, &user.email).map_err(|e| match e {
        Error::Validation(mut errors) => {
            for error in &mut errors {
                error.field = "new_password".into();
            }
            Error::Validation(errors)
        }
        other => other,
    })?;
    let hash = roster.hasher.hash(new_password.to_string()).await?;
    let keep_family = match keep_refresh_token {
        Some(token) => refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(tokens::hash_token(token)))
            .filter(refresh_tokens::Column::UserId.eq(user.id))
            .one(&roster.db)
            .await?
            .map(|t| t.family_id),
        None => None,
    };
    let txn = roster.write_txn().await?;
    user_ops::lock(&txn, user.id).await?;
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            users::Column::Version,
            Expr::col(users::Column::Version).add(1),
        )
        .filter(users::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    let mut others = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::UserId.eq(user.id))
        .filter(refresh_tokens::Column::RevokedAt.is_null());
    if let Some(family) = keep_family {
        others = others.filter(refresh_tokens::Column::FamilyId.ne(family));
    }
    others.exec(&txn).await?;
    // A reset link still in someone's inbox must not undo the change.
    crate::mail::retire_links(&txn, user.id, now).await?;
    txn.commit().await?;
    throttle::clear(&roster.db, &key).await?;
    tracing::info!(user.id = %user.id, "password changed");
    Ok(())
}

/// `GET /auth/me`.
pub async fn me(roster: &Roster, actor: &Actor) -> Result<Me> {
    let user = user_ops::get(roster, actor, actor.user_id).await?;
    Ok(Me {
        user,
        impersonator: None,
    })
}
