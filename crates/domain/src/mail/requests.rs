//! The operations that ask for a link email: an admin or manager resending an
//! invitation or sending a reset, and a "Forgot password?".

use roster_entity::users;
use roster_types::{Email, EmailTemplate, UserStatus, validate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::outbox::{queue_link_email, to_dto};
use crate::access::{self, Reach};
use crate::audit::{self, Event, Target, Trail};
use crate::throttle::{self, Key};
use crate::{Actor, Context, Error, Result, Roster};

/// The user an admin or manager is about to email, read and locked in `txn`
/// (so a suspension or a new address cannot slip in between); a manager's
/// fellow managers and admins are out of reach (see
/// [`access::reach_for_change`]).
async fn reachable_user(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    user_id: Uuid,
) -> Result<users::Model> {
    match access::reach_for_change(txn, actor, user_id).await? {
        Reach::Admin | Reach::Managed => {}
        Reach::Own | Reach::None if actor.is_admin() || actor.is_manager() => {
            return Err(Error::NotFound("user"));
        }
        _ => {
            return Err(Error::Forbidden(
                "only admins and managers may send these emails",
            ));
        }
    }
    crate::users::lock(txn, user_id).await
}

/// `POST /users/{id}/invitation`: a fresh welcome link; older links stop working.
pub async fn resend_invitation(roster: &Roster, ctx: &Context, user_id: Uuid) -> Result<Email> {
    let result = async {
        let actor = ctx.actor()?;
        let txn = roster.write_txn().await?;
        let user = reachable_user(&txn, actor, user_id).await?;
        if user.status != UserStatus::Invited.as_str() {
            return Err(Error::Conflict {
                code: "already_active",
                message: "This person has already set a password; send a reset link instead."
                    .into(),
                field: None,
            });
        }
        let mut trail = Trail::new(roster);
        let message =
            queue_link_email(roster, &txn, ctx, &mut trail, &user, EmailTemplate::Welcome).await?;
        trail.write(&txn, roster, ctx).await?;
        txn.commit().await?;
        to_dto(message)
    }
    .await;
    audit::refusals(
        roster,
        ctx,
        "user.invitation_sent",
        Some(Target::user_id(user_id)),
        result,
    )
    .await
}

/// `POST /users/{id}/password-reset`: a reset link (1 hour by default).
pub async fn send_password_reset(roster: &Roster, ctx: &Context, user_id: Uuid) -> Result<Email> {
    let result = async {
        let actor = ctx.actor()?;
        let txn = roster.write_txn().await?;
        let user = reachable_user(&txn, actor, user_id).await?;
        if user.status == UserStatus::Suspended.as_str() {
            return Err(Error::Conflict {
                code: "account_suspended",
                message: "This account is suspended; reactivate it first.".into(),
                field: None,
            });
        }
        let mut trail = Trail::new(roster);
        let message = queue_link_email(
            roster,
            &txn,
            ctx,
            &mut trail,
            &user,
            EmailTemplate::PasswordReset,
        )
        .await?;
        trail.write(&txn, roster, ctx).await?;
        txn.commit().await?;
        to_dto(message)
    }
    .await;
    audit::refusals(
        roster,
        ctx,
        "user.password_reset_sent",
        Some(Target::user_id(user_id)),
        result,
    )
    .await
}

/// `POST /auth/password-reset`: answers the same whether or not the email exists;
/// throttled per email and per client address. The request is on the audit
/// trail (naming the account when there is one) once the follow-up ran.
pub async fn request_password_reset(roster: &Roster, ctx: &Context, email: &str) -> Result<()> {
    let email = validate::normalise_email(email);
    validate::check_email(&email).map_err(|m| Error::validation("email", m))?;
    let mut keys = vec![Key::new(format!("reset:{email}"), 3)];
    if let Some(ip) = &ctx.request.ip {
        keys.push(Key::new(format!("reset-ip:{ip}"), 20));
    }
    let now = roster.now();
    for key in &keys {
        let count = throttle::hit(&roster.db, key, now).await?;
        if count.over(key) {
            return Err(count.refused(now));
        }
    }
    // The lookup and the queueing happen in a job, after the answer, so a
    // known address does not take measurably longer to answer than an unknown
    // one; the job survives a restart.
    let txn = roster.write_txn().await?;
    crate::jobs::enqueue(
        &txn,
        roster,
        ctx,
        crate::jobs::NewJob::new(
            crate::background::PASSWORD_RESET_FOLLOW_UP,
            serde_json::json!({ "email": email }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Queues the link a "Forgot password?" asks for, if the address belongs to an
/// account that may have one: a reset link, or the invitation again for
/// someone who never chose a password.
pub(crate) async fn queue_reset_for(roster: &Roster, ctx: &Context, email: &str) -> Result<()> {
    let found = users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(&roster.db)
        .await?;
    let txn = roster.write_txn().await?;
    let Some(found) = found else {
        audit::record(
            &txn,
            roster,
            ctx,
            Event::success("auth.password_reset_requested")
                .details(serde_json::json!({ "account_found": false })),
        )
        .await?;
        txn.commit().await?;
        return Ok(());
    };
    // Read again under the lock: the address or the status may have changed.
    let user = crate::users::lock(&txn, found.id).await?;
    let target = Target::user(user.id, crate::users::full_name(&user));
    if user.email != email || user.status == UserStatus::Suspended.as_str() {
        audit::record(
            &txn,
            roster,
            ctx,
            Event::success("auth.password_reset_requested")
                .target(target)
                .details(serde_json::json!({ "account_found": true, "sent": false })),
        )
        .await?;
        txn.commit().await?;
        return Ok(());
    }
    let template = if user.password_hash.is_some() {
        EmailTemplate::PasswordReset
    } else {
        EmailTemplate::Welcome
    };
    let mut trail = Trail::new(roster);
    trail.push(
        Event::success("auth.password_reset_requested")
            .target(target)
            .details(serde_json::json!({ "account_found": true, "sent": true })),
    );
    queue_link_email(roster, &txn, ctx, &mut trail, &user, template).await?;
    trail.write(&txn, roster, ctx).await?;
    txn.commit().await?;
    Ok(())
}
