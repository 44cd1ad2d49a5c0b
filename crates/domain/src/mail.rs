//! Email: the durable outbox, the welcome and reset messages with their single-use
//! links, and the set-password flow.
//!
//! A message is written to the outbox in the same transaction as the change that
//! causes it; `deliver_due` (run by a background worker on every instance) claims
//! due messages so that no two workers send the same one, sends them, and retries
//! failures with exponential backoff up to a limit.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use roster_entity::{one_time_tokens, outbox, users};
use roster_types::{Email, EmailList, EmailStatus, EmailTemplate, UserStatus, validate};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use crate::access::{self, Reach};
use crate::audit::{self, Event, Target};
use crate::error::LinkProblem;
use crate::sessions::{self, EndReason};
use crate::throttle::{self, Key};
use crate::{Actor, Context, Error, Result, Roster, tokens};

/// Settings of outgoing mail.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// Shown in subjects and bodies.
    pub product_name: String,
    /// Base URL of the SPA for links, e.g. `https://roster.example.com`.
    pub public_url: String,
    /// How long a welcome (set-password) link works.
    pub invitation_ttl: Duration,
    /// How long a password-reset link works.
    pub reset_ttl: Duration,
    /// First retry delay; doubles with every failed attempt.
    pub retry_base: Duration,
    /// Attempts before a message is given up as failed.
    pub max_attempts: i32,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            product_name: "Roster".into(),
            public_url: "http://127.0.0.1:8080".into(),
            invitation_ttl: Duration::from_secs(72 * 3600),
            reset_ttl: Duration::from_secs(3600),
            retry_base: Duration::from_secs(30),
            max_attempts: 8,
        }
    }
}

/// How messages leave: SMTP, or `.eml` files in a folder (the embedded default).
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::Files(dir) => write!(f, "Mailer::Files({})", dir.display()),
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    None,
    StartTls,
    Tls,
}

impl Mailer {
    /// An SMTP mailer; nothing is connected until the first message.
    pub fn smtp(
        host: &str,
        port: u16,
        security: SmtpSecurity,
        credentials: Option<(String, String)>,
    ) -> Result<Self> {
        let tls = match security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::StartTls => {
                Tls::Required(TlsParameters::new(host.into()).map_err(Error::internal)?)
            }
            SmtpSecurity::Tls => {
                Tls::Wrapper(TlsParameters::new(host.into()).map_err(Error::internal)?)
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(SEND_TIMEOUT));
        if let Some((user, password)) = credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Mailer::Smtp(builder.build()))
    }

    async fn send(&self, message: Message) -> std::result::Result<(), SendError> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
            Mailer::Files(dir) => {
                let transient = |e: &dyn std::fmt::Display| SendError {
                    message: e.to_string(),
                    permanent: false,
                };
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| transient(&e))?;
                AsyncFileTransport::<Tokio1Executor>::new(dir)
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| transient(&e))
            }
        }
    }
}

const SET_PASSWORD: &str = "set_password";
const RESET: &str = "reset";

/// Creates a single-use token for `user_id` (only its hash is stored) and
/// retires that user's older unused tokens: only the newest link works.
async fn issue_token(
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

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// How long a link works, in words: "45 minutes", "1 hour", "1 hour 30 minutes".
fn validity(ttl: Duration) -> String {
    let minutes = ttl.as_secs().div_ceil(60).max(1);
    let (hours, minutes) = (minutes / 60, minutes % 60);
    let unit = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match (hours, minutes) {
        (0, m) => unit(m, "minute", "minutes"),
        (h, 0) => unit(h, "hour", "hours"),
        (h, m) => format!(
            "{} {}",
            unit(h, "hour", "hours"),
            unit(m, "minute", "minutes")
        ),
    }
}

/// Subject, plain text and HTML of a message with a link.
fn render(
    settings: &MailSettings,
    template: EmailTemplate,
    first_name: &str,
    link: &str,
    ttl: Duration,
) -> (String, String, String) {
    let product = &settings.product_name;
    let valid = validity(ttl);
    let (subject, intro, action) = match template {
        EmailTemplate::Welcome => (
            format!("Welcome to {product}"),
            format!("You have been given an account on {product}. Choose a password to sign in."),
            "Choose your password",
        ),
        EmailTemplate::PasswordReset => (
            format!("Choose a new {product} password"),
            "Someone (hopefully you) asked to choose a new password for your account.".to_string(),
            "Choose a new password",
        ),
    };
    let text = format!(
        "Hello {first_name},\n\n{intro}\n\n{action}: {link}\n\nThe link works once, for {valid}. \
         If you did not expect this email, you can ignore it.\n\n{product}\n"
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5\">\
         <p>Hello {},</p><p>{}</p><p><a href=\"{}\" style=\"display:inline-block;padding:.6em 1.2em;\
         background:#2453d6;color:#fff;border-radius:6px;text-decoration:none\">{}</a></p>\
         <p>The link works once, for {}. If you did not expect this email, you can ignore it.</p>\
         <p>{}</p></body></html>",
        escape_html(first_name),
        escape_html(&intro),
        escape_html(link),
        action,
        valid,
        escape_html(product)
    );
    (subject, text, html)
}

/// Issues a token and queues its email, inside `db` (the caller's transaction).
pub(crate) async fn queue_link_email(
    roster: &Roster,
    db: &impl ConnectionTrait,
    ctx: &Context,
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
    audit::record(
        db,
        roster,
        ctx,
        Event::success(action)
            .target(Target::user(user.id, crate::users::full_name(user)))
            .details(serde_json::json!({ "email_id": message.id, "recipient": user.email })),
    )
    .await?;
    tracing::info!(user.id = %user.id, email.id = %message.id, template = template.as_str(), "email queued");
    Ok(message)
}

fn to_dto(m: outbox::Model) -> Result<Email> {
    let status =
        EmailStatus::parse(&m.status).ok_or_else(|| Error::internal("unknown email status"))?;
    Ok(Email {
        id: m.id,
        template: EmailTemplate::parse(&m.template)
            .ok_or_else(|| Error::internal("unknown email template"))?,
        attempts: m.attempts,
        last_error: m.last_error,
        created_at: m.created_at,
        next_attempt_at: (status == EmailStatus::Queued).then_some(m.next_attempt_at),
        sent_at: m.sent_at,
        last_attempt_at: m.last_attempt_at,
        status,
    })
}

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
        let message = queue_link_email(roster, &txn, ctx, &user, EmailTemplate::Welcome).await?;
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
        let message =
            queue_link_email(roster, &txn, ctx, &user, EmailTemplate::PasswordReset).await?;
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
    audit::record(
        &txn,
        roster,
        ctx,
        Event::success("auth.password_reset_requested")
            .target(target)
            .details(serde_json::json!({ "account_found": true, "sent": true })),
    )
    .await?;
    queue_link_email(roster, &txn, ctx, &user, template).await?;
    txn.commit().await?;
    Ok(())
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
    crate::auth::check_password_strength(password, &user.email)?;
    let hash = roster.hasher.hash(password.to_string()).await?;

    let txn = roster.write_txn().await?;
    // The person first (see `users::lock`), as they may have changed since the
    // check: suspended, or a new address.
    let user = crate::users::lock(&txn, user.id)
        .await
        .map_err(|_| token_invalid())?;
    not_suspended(&user)?;
    crate::auth::check_password_strength(password, &user.email)?;
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

/// `GET /users/{id}/emails`: the latest 20, newest first.
pub async fn user_emails(roster: &Roster, ctx: &Context, user_id: Uuid) -> Result<EmailList> {
    let actor = ctx.actor()?;
    if access::reach(&roster.db, actor, user_id).await? == Reach::None {
        return Err(Error::NotFound("user"));
    }
    let rows = outbox::Entity::find()
        .filter(outbox::Column::UserId.eq(user_id))
        .order_by_desc(outbox::Column::CreatedAt)
        .order_by_desc(outbox::Column::Id)
        .limit(20)
        .all(&roster.db)
        .await?;
    Ok(EmailList {
        items: rows.into_iter().map(to_dto).collect::<Result<_>>()?,
    })
}

/// How long a claim holds. Far longer than a batch can take (each send gives
/// up after [`SEND_TIMEOUT`], [`PARALLEL_SENDS`] at a time), so a message is
/// only claimed again when its worker died.
const CLAIM: Duration = Duration::from_secs(10 * 60);
/// The SMTP timeout of one command.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// Sends in flight at once per worker; most of a send is waiting for the server.
const PARALLEL_SENDS: usize = 8;
/// The longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// Claims up to `batch` due messages for this worker, counting the attempt.
async fn claim(roster: &Roster, batch: u64, now: DateTime<Utc>) -> Result<Vec<outbox::Model>> {
    let lock = now + chrono::Duration::from_std(CLAIM).map_err(Error::internal)?;
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
pub async fn deliver_due(
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

/// Why a message did not go out.
#[derive(Debug)]
struct SendError {
    message: String,
    /// Asking again will not help.
    permanent: bool,
}

fn build_message(from: &Mailbox, m: &outbox::Model) -> std::result::Result<Message, String> {
    let to: Mailbox = m
        .recipient
        .parse()
        .map_err(|e| format!("bad recipient: {e}"))?;
    Message::builder()
        // Stable across attempts, so a receiver can tell a retry from a new
        // message.
        .message_id(Some(format!("<{}@{}>", m.id, from.email.domain())))
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            m.text_body.clone(),
            m.html_body.clone(),
        ))
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_is_said_in_minutes_and_hours() {
        let words = |secs| validity(Duration::from_secs(secs));
        assert_eq!(words(15 * 60), "15 minutes");
        assert_eq!(words(60), "1 minute");
        assert_eq!(words(3600), "1 hour");
        assert_eq!(words(90 * 60), "1 hour 30 minutes");
        assert_eq!(words(72 * 3600), "72 hours");
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
