//! The durable outbox: queueing a link email, claiming and delivering due
//! messages with backoff, and reading a user's messages back.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use lettre::message::Mailbox;
use roster_entity::{outbox, users};
use roster_types::{Email, EmailList, EmailStatus, EmailTemplate};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use super::links::{RESET, SET_PASSWORD, issue_token};
use super::templates::render;
use super::transport::{Mailer, SEND_TIMEOUT, SendError, build_message};
use crate::access::{self, Reach};
use crate::audit::{Event, Target, Trail};
use crate::{Context, Error, Result, Roster};

/// How long a claim of `batch` messages holds: as long as the batch can take
/// (each send gives up after [`SEND_TIMEOUT`], [`PARALLEL_SENDS`] at a time)
/// and one send more, so a message is claimed again soon after its worker
/// died, and never while a live one may still be sending it.
fn claim_for(batch: u64) -> Duration {
    let waves = batch.div_ceil(PARALLEL_SENDS as u64).max(1) + 1;
    SEND_TIMEOUT.saturating_mul(u32::try_from(waves).unwrap_or(u32::MAX))
}
/// Sends in flight at once per worker; most of a send is waiting for the server.
const PARALLEL_SENDS: usize = 8;
/// The longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// Issues a token and queues its email, inside `db` (the caller's
/// transaction); the event that says so joins `trail`, which the caller writes
/// before it commits.
pub(crate) async fn queue_link_email(
    roster: &Roster,
    db: &impl ConnectionTrait,
    ctx: &Context,
    trail: &mut Trail,
    user: &users::Model,
    template: EmailTemplate,
) -> Result<outbox::Model> {
    let settings = &roster.mail;
    let (purpose, ttl) = match template {
        EmailTemplate::Welcome => (SET_PASSWORD, settings.invitation_ttl),
        EmailTemplate::PasswordReset => (RESET, settings.reset_ttl),
    };
    let token = issue_token(roster, db, user.id, purpose, ttl).await?;
    let link = format!(
        "{}/set-password?token={token}",
        settings.public_url.trim_end_matches('/')
    );
    let (subject, text, html) = render(settings, template, &user.first_name, &link, ttl);
    let now = roster.now();
    let message = outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(Some(user.id)),
        template: Set(template.as_str().to_string()),
        recipient: Set(user.email.clone()),
        subject: Set(subject),
        text_body: Set(text),
        html_body: Set(html),
        status: Set(EmailStatus::Queued.as_str().to_string()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        last_attempt_at: Set(None),
    }
    .insert(db)
    .await?;
    crate::background::wake_mail(db, roster, ctx).await?;
    let action = match template {
        EmailTemplate::Welcome => "user.invitation_sent",
        EmailTemplate::PasswordReset => "user.password_reset_sent",
    };
    trail.push(
        Event::success(action)
            .target(Target::user(user.id, crate::users::full_name(user)))
            .details(serde_json::json!({ "email_id": message.id, "recipient": user.email })),
    );
    tracing::info!(user.id = %user.id, email.id = %message.id, template = template.as_str(), "email queued");
    Ok(message)
}

pub(super) fn to_dto(m: outbox::Model) -> Result<Email> {
    let status =
        EmailStatus::parse(&m.status).ok_or_else(|| Error::internal("unknown email status"))?;
    Ok(Email {
        id: m.id,
        template: EmailTemplate::parse(&m.template)
            .ok_or_else(|| Error::internal("unknown email template"))?,
        recipient: m.recipient,
        attempts: m.attempts,
        last_error: m.last_error,
        created_at: m.created_at,
        next_attempt_at: (status == EmailStatus::Queued).then_some(m.next_attempt_at),
        sent_at: m.sent_at,
        last_attempt_at: m.last_attempt_at,
        status,
    })
}

/// How many of a user's emails their list shows: the latest.
const LATEST_EMAILS: u32 = 20;

/// `GET /users/{id}/emails`: the latest 20, newest first, with the total.
pub async fn user_emails(roster: &Roster, ctx: &Context, user_id: Uuid) -> Result<EmailList> {
    let actor = ctx.actor()?;
    if access::reach(&roster.db, actor, user_id).await? == Reach::None {
        return Err(Error::NotFound("user"));
    }
    let theirs = outbox::Entity::find().filter(outbox::Column::UserId.eq(user_id));
    let total = theirs.clone().count(&roster.db).await?;
    let paging = crate::paging::Paging::new(None, Some(LATEST_EMAILS));
    let rows = theirs
        .order_by_desc(outbox::Column::CreatedAt)
        .order_by_desc(outbox::Column::Id)
        .limit(paging.limit())
        .all(&roster.db)
        .await?;
    let items = rows.into_iter().map(to_dto).collect::<Result<_>>()?;
    Ok(paging.page(items, total))
}

/// Claims up to `batch` due messages for this worker, counting the attempt.
async fn claim(roster: &Roster, batch: u64, now: DateTime<Utc>) -> Result<Vec<outbox::Model>> {
    let lock = now + chrono::Duration::from_std(claim_for(batch)).map_err(Error::internal)?;
    let backend = roster.db.get_database_backend();
    let sql = match backend {
        // SKIP LOCKED: concurrent workers on other instances pass over the rows
        // this one is claiming instead of waiting for them.
        DbBackend::Postgres => {
            "UPDATE outbox SET locked_until = $1, attempts = attempts + 1, last_attempt_at = $2
             WHERE id IN (
               SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $2
                 AND (locked_until IS NULL OR locked_until < $2)
               ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING *"
        }
        // SQLite serialises writers, so the UPDATE alone is the claim.
        _ => {
            "UPDATE outbox SET locked_until = ?1, attempts = attempts + 1, last_attempt_at = ?2
             WHERE id IN (
               SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?2
                 AND (locked_until IS NULL OR locked_until < ?2)
               ORDER BY next_attempt_at LIMIT ?3)
             RETURNING *"
        }
    };
    let stmt = Statement::from_sql_and_values(
        backend,
        sql,
        [lock.into(), now.into(), (batch as i64).into()],
    );
    Ok(outbox::Entity::find()
        .from_raw_sql(stmt)
        .all(&roster.db)
        .await?)
}

/// Sends the messages that are due; returns how many were handled.
///
/// Only the `mail.deliver` job of [`crate::background`] runs it, which is why
/// it stays inside the crate: it changes data without a [`Context`].
pub(crate) async fn deliver_due(
    roster: &Roster,
    mailer: &Mailer,
    from: &Mailbox,
    batch: u64,
) -> Result<usize> {
    let now = roster.now();
    let claimed = claim(roster, batch, now).await?;
    let n = claimed.len();
    let results: Vec<Result<()>> = futures::stream::iter(claimed)
        .map(|message| deliver_one(roster, mailer, from, message))
        .buffer_unordered(PARALLEL_SENDS)
        .collect()
        .await;
    results.into_iter().collect::<Result<()>>()?;
    Ok(n)
}

/// The pause before attempt `attempts + 1`: `retry_base`, doubling, at most a day.
fn backoff(retry_base: Duration, attempts: i32) -> Duration {
    let doublings = attempts.clamp(1, 31) as u32 - 1;
    retry_base
        .checked_mul(1u32 << doublings)
        .map_or(MAX_BACKOFF, |d| d.min(MAX_BACKOFF))
}

/// Sends one claimed message and records the outcome.
async fn deliver_one(
    roster: &Roster,
    mailer: &Mailer,
    from: &Mailbox,
    message: outbox::Model,
) -> Result<()> {
    let id = message.id;
    let attempts = message.attempts;
    let result = match build_message(from, &message) {
        Ok(m) => mailer.send(m).await,
        Err(e) => Err(SendError {
            message: e,
            permanent: true,
        }),
    };
    let done = roster.now();
    let mut row = message.into_active_model();
    row.locked_until = Set(None);
    match result {
        Ok(()) => {
            row.status = Set(EmailStatus::Sent.as_str().to_string());
            row.sent_at = Set(Some(done));
            row.last_error = Set(None);
            // The bodies carry a live link; once delivered they are not kept.
            row.text_body = Set(String::new());
            row.html_body = Set(String::new());
            tracing::info!(email.id = %id, attempts, "email sent");
        }
        Err(error) => {
            // A permanent refusal (an SMTP 5xx: no such mailbox, policy) will
            // not change by asking again.
            let give_up = error.permanent || attempts >= roster.mail.max_attempts;
            row.last_error = Set(Some(error.message.chars().take(500).collect()));
            if give_up {
                row.status = Set(EmailStatus::Failed.as_str().to_string());
                row.text_body = Set(String::new());
                row.html_body = Set(String::new());
            } else {
                let delay = backoff(roster.mail.retry_base, attempts);
                row.next_attempt_at =
                    Set(done
                        + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(24)));
            }
            tracing::warn!(email.id = %id, attempts, give_up, error = %error.message, "email not sent");
        }
    }
    // Only while the claim is still ours (the attempt count is the fencing
    // token): had the claim run out and another worker taken the message over,
    // its outcome is the one that counts.
    let updated = outbox::Entity::update_many()
        .set(row)
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Attempts.eq(attempts))
        .filter(outbox::Column::Status.eq(EmailStatus::Queued.as_str()))
        .exec(&roster.db)
        .await?;
    if updated.rows_affected == 0 {
        tracing::warn!(email.id = %id, attempts, "email outcome not recorded: the claim was lost");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_lasts_as_long_as_its_batch_can_take_and_one_send_more() {
        assert_eq!(claim_for(1), SEND_TIMEOUT * 2);
        assert_eq!(claim_for(8), SEND_TIMEOUT * 2);
        assert_eq!(claim_for(20), SEND_TIMEOUT * 4);
        assert!(claim_for(20) < Duration::from_secs(10 * 60));
    }

    #[test]
    fn backoff_doubles_and_stops_at_a_day() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), Duration::from_secs(30));
        assert_eq!(backoff(base, 2), Duration::from_secs(60));
        assert_eq!(backoff(base, 4), Duration::from_secs(240));
        assert_eq!(backoff(base, 30), MAX_BACKOFF);
        assert_eq!(backoff(Duration::from_secs(u64::MAX / 2), 8), MAX_BACKOFF);
    }
}
