//! Email: the durable outbox, the welcome and reset messages with their single-use
//! links, and the set-password flow.
//!
//! A message is written to the outbox in the same transaction as the change that
//! causes it; `deliver_due` (run by a background worker on every instance) claims
//! due messages so that no two workers send the same one, sends them, and retries
//! failures with exponential backoff up to a limit.
//!
//! One concern a file: `requests` (the operations that ask for a link email),
//! `links` (single-use tokens and the set-password flow), `outbox` (queueing,
//! claiming and delivering messages), `templates` (what a message says) and
//! `transport` (how it leaves).

mod links;
mod outbox;
mod requests;
mod templates;
mod transport;

use std::time::Duration;

pub use links::{link_account, set_password_with_token};
pub(crate) use links::{retire_links, withdraw_links};
pub use outbox::user_emails;
pub(crate) use outbox::{deliver_due, queue_link_email};
pub(crate) use requests::queue_reset_for;
pub use requests::{request_password_reset, resend_invitation, send_password_reset};
pub use transport::{Mailer, SmtpSecurity};

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
