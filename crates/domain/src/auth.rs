//! Sign-in, refresh-token rotation, sign-out, changing one's password, and
//! turning an access token into a [`Context`].

use chrono::Duration;
use roster_entity::{refresh_tokens, sessions as session_rows, users};
use roster_types::{Me, PasswordStrength, UserStatus, validate};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Event, Target};
use crate::sessions::{self, EndReason};
use crate::throttle::{self, Key};
use crate::{
    Actor, Context, Error, Principal, RequestInfo, Result, Roster, tokens, users as user_ops,
};

pub use crate::sessions::Tokens as Session;
pub use roster_types::validate::{MAX_PASSWORD_LEN, MIN_PASSWORD_LEN};

/// Only this many characters are given to the estimator: its cost grows with
/// the length, and a password whose first 100 characters are hard to guess is
/// no easier with more.
const ESTIMATED_CHARS: usize = 100;

/// The words of an account that its password must not lean on: the email,
/// its parts, and the name's parts.
pub fn account_words(email: &str, full_name: &str) -> Vec<String> {
    let mut words: Vec<String> = vec![email.to_lowercase()];
    words.extend(
        email
            .split(|c: char| !c.is_alphanumeric())
            .chain(full_name.split(|c: char| !c.is_alphanumeric()))
            .filter(|w| w.chars().count() >= 3)
            .map(str::to_lowercase),
    );
    words.extend(["roster", "thinkific"].map(String::from));
    words.retain(|w| !w.is_empty());
    words.sort();
    words.dedup();
    words
}

/// How hard `password` would be to guess, by zxcvbn (Dropbox's estimator):
/// common and leaked-list passwords, keyboard walks, dates, repeats, l33t and
/// the account's own words all score low.
pub fn estimate_password(password: &str, account_words: &[String]) -> PasswordStrength {
    let len = password.chars().count();
    let head: String = password.chars().take(ESTIMATED_CHARS).collect();
    let inputs: Vec<&str> = account_words.iter().map(String::as_str).collect();
    let entropy = zxcvbn::zxcvbn(&head, &inputs);
    let score = u8::from(entropy.score());
    let (mut warning, mut suggestions) = match entropy.feedback() {
        Some(feedback) => (
            feedback.warning().map(|w| w.to_string()),
            feedback
                .suggestions()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
        None => (None, Vec::new()),
    };
    if score < validate::MIN_PASSWORD_SCORE && warning.is_none() && suggestions.is_empty() {
        suggestions.push("Add another word or two. Uncommon words are better.".into());
    }
    if len < MIN_PASSWORD_LEN {
        warning = Some(format!("Use at least {MIN_PASSWORD_LEN} characters."));
    } else if len > MAX_PASSWORD_LEN {
        warning = Some(format!("Use at most {MAX_PASSWORD_LEN} characters."));
    }
    PasswordStrength {
        score,
        acceptable: (MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&len)
            && score >= validate::MIN_PASSWORD_SCORE,
        warning,
        suggestions,
    }
}

/// Checks a new password for the account with this email and name: length,
/// not the email address, and hard enough to guess (see [`estimate_password`]).
pub fn check_password_strength(password: &str, email: &str, full_name: &str) -> Result<()> {
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
    let strength = estimate_password(password, &account_words(email, full_name));
    if !strength.acceptable {
        let mut message = String::from("This password would be easy to guess.");
        if let Some(warning) = &strength.warning {
            message = format!(
                "This password would be easy to guess: {}",
                lower_first(warning)
            );
        }
        if let Some(suggestion) = strength.suggestions.first() {
            message.push(' ');
            message.push_str(suggestion);
        }
        return Err(Error::validation("password", message));
    }
    Ok(())
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `POST /auth/password/strength`: the estimate for a password being typed,
/// against the account of a set-password link when one is given, else the
/// signed-in caller's own account.
pub async fn password_strength(
    roster: &Roster,
    password: &str,
    token: Option<&str>,
    caller: Option<&Context>,
) -> Result<PasswordStrength> {
    let signed_in = caller.and_then(|ctx| ctx.actor().ok()).map(|a| a.user_id);
    let words = match (token, signed_in) {
        (Some(token), _) => match crate::mail::link_account(roster, token).await {
            Ok(link) => account_words(&link.email, &link.full_name),
            // A link that no longer works is reported when the page opens and
            // when the password is set; the estimate still helps meanwhile.
            Err(Error::Link(_) | Error::AccountSuspended) => account_words("", ""),
            Err(other) => return Err(other),
        },
        (None, Some(id)) => match users::Entity::find_by_id(id).one(&roster.db).await? {
            Some(user) => account_words(&user.email, &user_ops::full_name(&user)),
            None => account_words("", ""),
        },
        (None, None) => account_words("", ""),
    };
    // An estimate of a long password takes up to ~10 ms of CPU: off the async
    // executor, and no more at once than there are cores, so a flood of
    // anonymous estimates is turned away (503) instead of stalling requests.
    // A short wait for a free core rides out two people typing at once.
    let busy = Error::Busy {
        retry_after_secs: 1,
    };
    let permit = match tokio::time::timeout(
        std::time::Duration::from_millis(200),
        ESTIMATES.clone().acquire_owned(),
    )
    .await
    {
        Ok(Ok(permit)) => permit,
        _ => return Err(busy),
    };
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        estimate_password(&password, &words)
    })
    .await
    .map_err(Error::internal)
}

/// Estimates allowed at once: one per core.
static ESTIMATES: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> =
    std::sync::LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        std::sync::Arc::new(tokio::sync::Semaphore::new(cores))
    });

/// The longest a sign-in is slowed down when one email draws guesses from many
/// addresses.
const MAX_SLOWDOWN_SECS: u64 = 5;

/// `POST /auth/login`. Unknown email and wrong password fail the same way and
/// take the same time. Attempts are counted before the password is checked:
/// per email and address (locks that pair out), per address (locks it out),
/// and per email from anywhere (slows attempts down, never locks).
pub async fn login(roster: &Roster, ctx: &Context, email: &str, password: &str) -> Result<Session> {
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
    let ip = ctx.request.ip.as_deref().unwrap_or("unknown");
    let now = roster.now();
    let user = if plausible {
        users::Entity::find()
            .filter(users::Column::Email.eq(&email))
            .one(&roster.db)
            .await?
    } else {
        None
    };
    let target = user
        .as_ref()
        .map(|u| Target::user(u.id, user_ops::full_name(u)));

    let pair = plausible.then(|| Key::sign_in(&email, ip));
    let by_ip = Key::ip(ip);
    let by_email = plausible.then(|| Key::email(&email));
    let mut refused = None;
    let mut first_refusal = false;
    for key in pair.iter().chain([&by_ip]) {
        let count = throttle::hit(&roster.db, key, now).await?;
        if count.over(key) {
            // One event per key and window, not one per hammering request.
            first_refusal |= count.attempts == key.limit + 1;
            refused = Some(count.refused(now));
        }
    }
    if let Some(error) = refused {
        if first_refusal
            && let Err(failure) = audit::record(
                &roster.db,
                roster,
                ctx,
                Event::refused("auth.sign_in_throttled", "too many failed attempts")
                    .maybe_target(target)
                    .details(json!({ "until_window_ends": true })),
            )
            .await
        {
            // The caller is still refused; the trail's failure is the
            // operator's to see, not a reason to answer 500.
            tracing::error!(error = %failure, "cannot record a throttled sign-in");
        }
        return Err(error);
    }
    if let Some(key) = &by_email {
        let count = throttle::hit(&roster.db, key, now).await?;
        let excess = count.excess(key);
        if excess > 0 {
            let secs = Ord::min(excess as u64, MAX_SLOWDOWN_SECS);
            tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
        }
    }

    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let ok = match roster.hasher.verify(password.to_string(), hash).await {
        Ok(ok) => ok,
        Err(busy @ Error::Busy { .. }) => {
            // Not checked, so not counted: a person retrying through a flood
            // must not lock themselves out.
            for key in pair.iter().chain([&by_ip]).chain(by_email.iter()) {
                throttle::refund(&roster.db, key).await?;
            }
            return Err(busy);
        }
        Err(other) => return Err(other),
    };
    let user = match user {
        Some(user) if ok => user,
        _ => {
            audit::record(
                &roster.db,
                roster,
                ctx,
                Event::refused("auth.sign_in_failed", "wrong email or password")
                    .maybe_target(target),
            )
            .await?;
            tracing::info!(outcome = "refused", "sign-in failed");
            return Err(Error::InvalidCredentials);
        }
    };
    if user.status == UserStatus::Suspended.as_str() {
        audit::record(
            &roster.db,
            roster,
            ctx,
            Event::refused("auth.sign_in_failed", "the account is suspended").maybe_target(target),
        )
        .await?;
        return Err(Error::AccountSuspended);
    }
    if let Some(pair) = &pair {
        throttle::clear(&roster.db, pair).await?;
    }
    throttle::refund(&roster.db, &by_ip).await?;
    if let Some(key) = &by_email {
        throttle::refund(&roster.db, key).await?;
    }
    let txn = roster.write_txn().await?;
    users::Entity::update_many()
        .col_expr(users::Column::LastLoginAt, Expr::value(now))
        .filter(users::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    let session = sessions::start(roster, &txn, ctx, user.id).await?;
    let signed_in = Context {
        principal: Principal::User(Actor {
            user_id: user.id,
            name: user_ops::full_name(&user),
            roles: Vec::new(),
            impersonator: None,
        }),
        session_id: Some(session.session_id),
        request: ctx.request.clone(),
    };
    audit::record(
        &txn,
        roster,
        &signed_in,
        Event::success("auth.signed_in").maybe_target(target),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(user.id = %user.id, session.id = %session.session_id, "signed in");
    Ok(session)
}

/// How long after a refresh token was swapped presenting it again counts as a
/// concurrent refresh (two tabs) rather than a stolen copy.
const REUSE_GRACE: Duration = Duration::seconds(10);

/// How many swaps a presentation within the grace period follows to the live
/// token (two tabs refreshing, then one of them again).
const MAX_SUCCESSORS: usize = 4;

/// `POST /auth/refresh`: swaps a refresh token for its successor and a fresh
/// access token. Presenting a token again within [`REUSE_GRACE`] of its swap
/// answers the successor already issued, never a second branch; later, it
/// ends the whole session (someone else has a copy).
pub async fn refresh(roster: &Roster, ctx: &Context, refresh_token: &str) -> Result<Session> {
    let now = roster.now();
    let invalid = || Error::Unauthenticated("the session has ended; sign in again");
    let mut presented = refresh_token.to_string();
    for step in 0..=MAX_SUCCESSORS {
        let token = refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(tokens::hash_token(&presented)))
            .one(&roster.db)
            .await?
            .ok_or_else(invalid)?;
        if token.revoked_at.is_some() || token.expires_at <= now {
            return Err(invalid());
        }
        let session = session_rows::Entity::find_by_id(token.family_id)
            .one(&roster.db)
            .await?
            .ok_or_else(invalid)?;
        if session.revoked_at.is_some() || session.expires_at <= now {
            return Err(invalid());
        }
        if step > 0 && token.used_at.is_none() {
            // The successor already issued to a concurrent refresh, still
            // live: the same token again, with a fresh access token.
            return sessions::tokens_for(roster, &session, presented, token.expires_at, now);
        }
        let successor = tokens::successor_token(&roster.auth, &presented);
        if step == 0 {
            let txn = roster.write_txn().await?;
            // Claim the token atomically; losing the race means it was swapped.
            let claimed = refresh_tokens::Entity::update_many()
                .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
                .filter(refresh_tokens::Column::Id.eq(token.id))
                .filter(refresh_tokens::Column::UsedAt.is_null())
                .exec(&txn)
                .await?;
            if claimed.rows_affected == 1 {
                let user = users::Entity::find_by_id(token.user_id)
                    .one(&txn)
                    .await?
                    .ok_or_else(invalid)?;
                if user.status == UserStatus::Suspended.as_str() {
                    sessions::end(&txn, session.id, EndReason::Suspended, now).await?;
                    txn.commit().await?;
                    return Err(invalid());
                }
                let tokens = sessions::issue(roster, &txn, &session, successor).await?;
                txn.commit().await?;
                return Ok(tokens);
            }
        }
        let used_at = refresh_tokens::Entity::find_by_id(token.id)
            .one(&roster.db)
            .await?
            .and_then(|t| t.used_at);
        if used_at.is_none_or(|at| now - at > REUSE_GRACE) {
            let txn = roster.write_txn().await?;
            sessions::end(&txn, session.id, EndReason::RefreshTokenReused, now).await?;
            let owner = users::Entity::find_by_id(session.user_id).one(&txn).await?;
            let target = owner.map(|u| Target::user(u.id, user_ops::full_name(&u)));
            let mut anonymous = ctx.with_principal(Principal::Anonymous);
            anonymous.session_id = Some(session.id);
            audit::record(
                &txn,
                roster,
                &anonymous,
                Event::refused(
                    "auth.refresh_reuse_detected",
                    "a refresh token was presented again after it was swapped; the session was ended",
                )
                .maybe_target(target)
                .details(json!({ "session_id": session.id })),
            )
            .await?;
            txn.commit().await?;
            tracing::warn!(user.id = %token.user_id, session.id = %session.id, "refresh token reused; session ended");
            return Err(invalid());
        }
        // Swapped a moment ago by a concurrent refresh: follow it to the live
        // successor.
        presented = successor;
    }
    Err(invalid())
}

/// `POST /auth/logout`: ends the session the refresh token belongs to. Unknown
/// tokens are ignored, so signing out always succeeds.
pub async fn logout(roster: &Roster, ctx: &Context, refresh_token: &str) -> Result<()> {
    let Some(token) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(tokens::hash_token(refresh_token)))
        .one(&roster.db)
        .await?
    else {
        return Ok(());
    };
    let txn = roster.write_txn().await?;
    if sessions::end(&txn, token.family_id, EndReason::SignedOut, roster.now()).await? {
        let user = users::Entity::find_by_id(token.user_id).one(&txn).await?;
        let actor = user.as_ref().map(|u| Actor {
            user_id: u.id,
            name: user_ops::full_name(u),
            roles: Vec::new(),
            impersonator: None,
        });
        let ctx = Context {
            principal: actor.map_or(Principal::Anonymous, Principal::User),
            session_id: Some(token.family_id),
            request: ctx.request.clone(),
        };
        audit::record(
            &txn,
            roster,
            &ctx,
            Event::success("auth.signed_out")
                .target(Target::session(token.family_id, token.user_id)),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Checks an access token, its session, and reads the caller's current name
/// and roles. A suspended or deleted user's tokens, and those of a session that
/// has ended, stop working at once.
pub async fn authenticate(
    roster: &Roster,
    access_token: &str,
    request: RequestInfo,
) -> Result<Context> {
    let claims = tokens::verify_access_token(&roster.auth, access_token, roster.now())?;
    let invalid = || Error::Unauthenticated("the access token is invalid");
    let user_id: Uuid = claims.sub.parse().map_err(|_| invalid())?;
    let session_id: Uuid = claims.sid.parse().map_err(|_| invalid())?;
    let user = users::Entity::find_by_id(user_id)
        .one(&roster.db)
        .await?
        .ok_or(Error::Unauthenticated("the account no longer exists"))?;
    if user.status == UserStatus::Suspended.as_str() {
        return Err(Error::Unauthenticated("this account is suspended"));
    }
    sessions::check_live(roster, session_id, user_id).await?;
    let impersonator = claims
        .act
        .map(|a| a.sub.parse())
        .transpose()
        .map_err(|_| invalid())?;
    let actor = Actor {
        user_id,
        name: user_ops::full_name(&user),
        roles: user_ops::roles_of(&roster.db, user_id).await?,
        impersonator,
    };
    Ok(Context::user(actor, Some(session_id), request))
}

/// `PUT /auth/me/password`: the signed-in person replaces their password,
/// proving they know the current one. Other sessions end; this one goes on.
/// Wrong current passwords are throttled like failed sign-ins.
pub async fn change_password(
    roster: &Roster,
    ctx: &Context,
    current_password: &str,
    new_password: &str,
) -> Result<()> {
    let actor = ctx.actor()?;
    let target = Some(Target::user(actor.user_id, actor.name.clone()));
    audit::refusals(
        roster,
        ctx,
        "auth.password_changed",
        target.clone(),
        async {
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
            let key = Key::new(format!("password:{}", user.id), 5);
            let now = roster.now();
            let count = throttle::hit(&roster.db, &key, now).await?;
            if count.over(&key) {
                return Err(count.refused(now));
            }
            let ok = roster
                .hasher
                .verify(current_password.to_string(), user.password_hash.clone())
                .await?;
            if !ok {
                return Err(Error::validation(
                    "current_password",
                    "This is not your current password.",
                ));
            }
            check_password_strength(new_password, &user.email, &user_ops::full_name(&user))
                .map_err(|e| match e {
                    Error::Validation(mut errors) => {
                        for error in &mut errors {
                            error.field = "new_password".into();
                        }
                        Error::Validation(errors)
                    }
                    other => other,
                })?;
            let hash = roster.hasher.hash(new_password.to_string()).await?;
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
            let ended = sessions::end_all(
                &txn,
                user.id,
                ctx.session_id,
                EndReason::PasswordChanged,
                now,
            )
            .await?;
            // A reset link still in someone's inbox must not undo the change.
            crate::mail::retire_links(&txn, user.id, now).await?;
            audit::record(
                &txn,
                roster,
                ctx,
                Event::success("auth.password_changed")
                    .maybe_target(target.clone())
                    .details(json!({ "other_sessions_ended": ended })),
            )
            .await?;
            txn.commit().await?;
            throttle::clear(&roster.db, &key).await?;
            tracing::info!(user.id = %user.id, "password changed");
            Ok(())
        }
        .await,
    )
    .await
}

/// `GET /auth/me`.
pub async fn me(roster: &Roster, ctx: &Context) -> Result<Me> {
    let actor = ctx.actor()?;
    let user = user_ops::get(roster, ctx, actor.user_id).await?;
    Ok(Me {
        user,
        impersonator: None,
    })
}
