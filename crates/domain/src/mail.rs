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
use roster_entity::{one_time_tokens, outbox, refresh_tokens, users};
use roster_types::{Email, EmailList, EmailStatus, EmailTemplate, UserStatus, validate};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use crate::access::{self, Reach};
use crate::throttle::{self, Key};
use crate::{Actor, Error, Result, Roster, tokens};

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
            .timeout(Some(Duration::from_secs(20)));
        if let Some((user, password)) = credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Mailer::Smtp(builder.build()))
    }

    async fn send(&self, message: Message) -> std::result::Result<(), String> {
        match self {
            Mailer::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Mailer::Files(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| e.to_string())?;
                AsyncFileTransport::<Tokio1Executor>::new(dir)
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
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
    one_time_tokens::Entity::update_many()
        .col_expr(one_time_tokens::Column::UsedAt, Expr::value(now))
        .filter(one_time_tokens::Column::UserId.eq(user_id))
        .filter(one_time_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?;
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

/// Subject, plain text and HTML of a message with a link.
fn render(
    settings: &MailSettings,
    template: EmailTemplate,
    first_name: &str,
    link: &str,
    ttl: Duration,
) -> (String, String, String) {
    let product = &settings.product_name;
    let hours = ttl.as_secs().div_ceil(3600);
    let valid = if hours <= 1 {
        "1 hour".to_string()
    } else {
        format!("{hours} hours")
    };
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
    }
    .insert(db)
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
        status,
    })
}

async fn reachable_user(roster: &Roster, actor: &Actor, user_id: Uuid) -> Result<users::Model> {
    match access::reach(&roster.db, actor, user_id).await? {
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
    users::Entity::find_by_id(user_id)
        .one(&roster.db)
        .await?
        .ok_or(Error::NotFound("user"))
}

/// `POST /users/{id}/invitation`: a fresh welcome link; older links stop working.
pub async fn resend_invitation(roster: &Roster, actor: &Actor, user_id: Uuid) -> Result<Email> {
    let user = reachable_user(roster, actor, user_id).await?;
    if user.status != UserStatus::Invited.as_str() {
        return Err(Error::Conflict {
            code: "already_active",
            message: "This person has already set a password; send a reset link instead.".into(),
            field: None,
        });
    }
    let txn = roster.write_txn().await?;
    let message = queue_link_email(roster, &txn, &user, EmailTemplate::Welcome).await?;
    txn.commit().await?;
    to_dto(message)
}

/// `POST /users/{id}/password-reset`: a reset link (1 hour by default).
pub async fn send_password_reset(roster: &Roster, actor: &Actor, user_id: Uuid) -> Result<Email> {
    let user = reachable_user(roster, actor, user_id).await?;
    if user.status == UserStatus::Suspended.as_str() {
        return Err(Error::Conflict {
            code: "account_suspended",
            message: "This account is suspended; reactivate it first.".into(),
            field: None,
        });
    }
    let txn = roster.write_txn().await?;
    let message = queue_link_email(roster, &txn, &user, EmailTemplate::PasswordReset).await?;
    txn.commit().await?;
    to_dto(message)
}

/// `POST /auth/password-reset`: answers the same whether or not the email exists;
/// throttled per email and per client address.
pub async fn request_password_reset(
    roster: &Roster,
    email: &str,
    client_ip: Option<&str>,
) -> Result<()> {
    let email = validate::normalise_email(email);
    validate::check_email(&email).map_err(|m| Error::validation("email", m))?;
    let mut keys = vec![Key {
        key: format!("reset:{email}"),
        limit: 3,
    }];
    if let Some(ip) = client_ip {
        keys.push(Key {
            key: format!("reset-ip:{ip}"),
            limit: 20,
        });
    }
    let now = roster.now();
    throttle::check(&roster.db, &keys, now).await?;
    for key in &keys {
        throttle::record_failure(&roster.db, key, now).await?;
    }
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(&roster.db)
        .await?;
    if let Some(user) = user.filter(|u| u.status != UserStatus::Suspended.as_str()) {
        let template = if user.password_hash.is_some() {
            EmailTemplate::PasswordReset
        } else {
            EmailTemplate::Welcome
        };
        let txn = roster.write_txn().await?;
        queue_link_email(roster, &txn, &user, template).await?;
        txn.commit().await?;
    }
    Ok(())
}

/// `POST /auth/password`: sets a password from an emailed token, activates an
/// invited user, retires every other link of theirs and ends their sessions.
pub async fn set_password_with_token(roster: &Roster, token: &str, password: &str) -> Result<()> {
    let now = roster.now();
    let txn = roster.write_txn().await?;
    let found = one_time_tokens::Entity::find()
        .filter(one_time_tokens::Column::TokenHash.eq(tokens::hash_token(token.trim())))
        .one(&txn)
        .await?
        .ok_or(Error::Rejected {
            status: 400,
            code: "token_invalid",
            message: "This link is not valid.".into(),
        })?;
    if found.used_at.is_some() {
        return Err(Error::Rejected {
            status: 410,
            code: "token_used",
            message: "This link has already been used.".into(),
        });
    }
    if found.expires_at <= now {
        return Err(Error::Rejected {
            status: 410,
            code: "token_expired",
            message: "This link has expired.".into(),
        });
    }
    let user = users::Entity::find_by_id(found.user_id)
        .one(&txn)
        .await?
        .ok_or(Error::NotFound("user"))?;
    if user.status == UserStatus::Suspended.as_str() {
        return Err(Error::Rejected {
            status: 403,
            code: "account_suspended",
            message: "This account is suspended.".into(),
        });
    }
    crate::auth::check_password_strength(password, &user.email)?;
    let hash = roster.hasher.hash(password.to_string()).await?;
    // Claim the token atomically so a double submit cannot use it twice.
    let claimed = one_time_tokens::Entity::update_many()
        .col_expr(one_time_tokens::Column::UsedAt, Expr::value(now))
        .filter(one_time_tokens::Column::UserId.eq(user.id))
        .filter(one_time_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(Error::Rejected {
            status: 410,
            code: "token_used",
            message: "This link has already been used.".into(),
        });
    }
    let version = user.version;
    let user_id = user.id;
    let mut model = user.into_active_model();
    model.password_hash = Set(Some(hash));
    model.status = Set(UserStatus::Active.as_str().to_string());
    model.updated_at = Set(now);
    model.version = Set(version + 1);
    model.update(&txn).await?;
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    tracing::info!(user.id = %user_id, "password set from an emailed link");
    Ok(())
}

/// `GET /users/{id}/emails`: the latest 20, newest first.
pub async fn user_emails(roster: &Roster, actor: &Actor, user_id: Uuid) -> Result<EmailList> {
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

/// Claims up to `batch` due messages for this worker (for one minute).
async fn claim(roster: &Roster, batch: u64, now: DateTime<Utc>) -> Result<Vec<outbox::Model>> {
    let lock = now + chrono::Duration::minutes(1);
    let backend = roster.db.get_database_backend();
    let sql = match backend {
        // SKIP LOCKED: concurrent workers on other instances pass over the rows
        // this one is claiming instead of waiting for them.
        DbBackend::Postgres => {
            "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN (
               SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $2
                 AND (locked_until IS NULL OR locked_until < $2)
               ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING *"
        }
        // SQLite serialises writers, so the UPDATE alone is the claim.
        _ => {
            "UPDATE outbox SET locked_until = ?1, attempts = attempts + 1 WHERE id IN (
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
    // Sends run side by side: most of a send is waiting for the mail server.
    let results: Vec<Result<()>> = futures::stream::iter(claimed)
        .map(|message| deliver_one(roster, mailer, from, message))
        .buffer_unordered(8)
        .collect()
        .await;
    results.into_iter().collect::<Result<()>>()?;
    Ok(n)
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
        Err(e) => Err(e),
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
            let give_up = attempts >= roster.mail.max_attempts;
            let delay =
                roster.mail.retry_base * 2u32.saturating_pow(attempts.clamp(1, 20) as u32 - 1);
            row.last_error = Set(Some(error.chars().take(500).collect()));
            if give_up {
                row.status = Set(EmailStatus::Failed.as_str().to_string());
            } else {
                row.next_attempt_at =
                    Set(done
                        + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1)));
            }
            tracing::warn!(email.id = %id, attempts, give_up, error = %error, "email not sent");
        }
    }
    row.update(&roster.db).await?;
    Ok(())
}

fn build_message(from: &Mailbox, m: &outbox::Model) -> std::result::Result<Message, String> {
    let to: Mailbox = m
        .recipient
        .parse()
        .map_err(|e| format!("bad recipient: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            m.text_body.clone(),
            m.html_body.clone(),
        ))
        .map_err(|e| e.to_string())
}

/// Runs `deliver_due` forever, pausing when nothing is due.
pub async fn run_worker(roster: Roster, mailer: Mailer, from: Mailbox, idle: Duration) {
    loop {
        match deliver_due(&roster, &mailer, &from, 20).await {
            Ok(0) => tokio::time::sleep(idle).await,
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "outbox worker failed; retrying");
                tokio::time::sleep(idle * 4).await;
            }
        }
    }
}
