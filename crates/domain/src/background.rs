//! The background work Roster does today, as job kinds on the one runner
//! ([`crate::jobs`]): delivering the outbox, housekeeping, and the
//! follow-up of a "Forgot password?".

use std::time::Duration;

use lettre::message::Mailbox;
use roster_entity::outbox;
use roster_types::EmailStatus;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::jobs::{self, NewJob, Outcome, Registry};
use crate::mail::Mailer;
use crate::{Context, Error, Result, Roster};

/// Sends what the outbox has due, until nothing is.
pub const MAIL_DELIVER: &str = "mail.deliver";
/// Deletes stale rows (see [`crate::maintenance`]).
pub const HOUSEKEEPING: &str = "housekeeping";
/// Looks up the address a "Forgot password?" named and queues its link.
pub const PASSWORD_RESET_FOLLOW_UP: &str = "auth.password_reset_follow_up";

/// How long finished jobs are kept for `GET /jobs`.
const FINISHED_JOBS_KEPT: chrono::Duration = chrono::Duration::days(7);

/// How often the outbox is looked at even when nothing asked: messages whose
/// sender died mid-send are picked up again this way.
const MAIL_SWEEP_EVERY: Duration = Duration::from_secs(5 * 60);

/// Queues a delivery run in `db` (the transaction that queued a message), as
/// the system: the run must not depend on the person who caused it.
pub async fn wake_mail(
    db: &impl sea_orm::ConnectionTrait,
    roster: &Roster,
    ctx: &Context,
) -> Result<()> {
    let system = ctx.with_principal(crate::Principal::System {
        what: "mail".into(),
    });
    jobs::enqueue(db, roster, &system, NewJob::new(MAIL_DELIVER, json!({}))).await?;
    Ok(())
}

/// Every kind above, with its handler, and the recurring ones.
pub fn registry(mailer: Mailer, from: Mailbox, housekeeping_every: Duration) -> Registry {
    Registry::new()
        .handle(MAIL_DELIVER, move |run| {
            let (mailer, from) = (mailer.clone(), from.clone());
            async move { deliver(run, mailer, from).await }
        })
        .handle(HOUSEKEEPING, |run| async move {
            let swept = crate::maintenance::sweep(&run.roster, &run.ctx).await?;
            let jobs = jobs::forget_finished(&run.roster, FINISHED_JOBS_KEPT).await?;
            let keys = crate::idempotency::forget_expired(&run.roster).await?;
            Ok(Outcome::Done(json!({
                "throttle_counters": swept.throttle_counters,
                "refresh_tokens": swept.refresh_tokens,
                "links": swept.links,
                "sessions": swept.sessions,
                "jobs": jobs,
                "idempotency_keys": keys,
            })))
        })
        .handle(PASSWORD_RESET_FOLLOW_UP, |run| async move {
            let email = run.payload["email"]
                .as_str()
                .ok_or_else(|| Error::internal("a reset follow-up without an email"))?;
            crate::mail::queue_reset_for(&run.roster, &run.ctx, email).await?;
            Ok(Outcome::Done(json!({})))
        })
        .every(HOUSEKEEPING, housekeeping_every)
        .every(MAIL_DELIVER, MAIL_SWEEP_EVERY)
}

async fn deliver(run: jobs::JobRun, mailer: Mailer, from: Mailbox) -> Result<Outcome> {
    let mut sent = 0usize;
    loop {
        if run.should_stop() {
            return Ok(Outcome::Yielded);
        }
        let n = crate::mail::deliver_due(&run.roster, &mailer, &from, 20).await?;
        if n == 0 {
            break;
        }
        sent += n;
        run.progress(sent as u64, None, Some("sending")).await?;
    }
    // Messages waiting for a retry get a run of their own at their time.
    let next = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(EmailStatus::Queued.as_str()))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .one(&run.roster.db)
        .await?
        .map(|m| match m.locked_until {
            Some(lock) if lock > m.next_attempt_at => lock,
            _ => m.next_attempt_at,
        });
    if let Some(at) = next {
        let at = Ord::max(at, run.roster.now());
        let system = Context::system("mail");
        jobs::enqueue(
            &run.roster.db,
            &run.roster,
            &system,
            NewJob::new(MAIL_DELIVER, json!({}))
                .at(at)
                .dedup(format!("mail.deliver.at:{}", at.timestamp())),
        )
        .await?;
    }
    Ok(Outcome::Done(json!({ "handled": sent })))
}
