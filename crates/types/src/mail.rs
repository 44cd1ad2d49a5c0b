//! Set-password and reset flows, and the state of the emails sent to a user.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Body of `POST /api/v1/auth/password`: set a password from an emailed link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetPasswordRequest {
    /// The token from the emailed link (`/set-password?token=...`).
    pub token: String,
    /// The new password: 10 to 128 characters, not the email address.
    pub password: String,
}

/// Body of `POST /api/v1/auth/password-reset`: "forgot password".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetRequest {
    /// The account's email address. The answer is the same whether or not it exists.
    #[cfg_attr(feature = "openapi", schema(example = "ada@example.com"))]
    pub email: String,
}

/// What an email is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EmailTemplate {
    /// Welcome, with a link to set a first password.
    Welcome,
    /// A link to choose a new password.
    PasswordReset,
}

impl EmailTemplate {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailTemplate::Welcome => "welcome",
            EmailTemplate::PasswordReset => "password_reset",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [EmailTemplate::Welcome, EmailTemplate::PasswordReset]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// Where an email stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    /// Waiting to be sent (or to be tried again).
    Queued,
    /// Accepted by the mail server.
    Sent,
    /// Given up on after the last attempt.
    Failed,
}

impl EmailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailStatus::Queued => "queued",
            EmailStatus::Sent => "sent",
            EmailStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [EmailStatus::Queued, EmailStatus::Sent, EmailStatus::Failed]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// One email sent (or to be sent) to a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Email {
    /// The message's id.
    pub id: Uuid,
    /// What it is for.
    pub template: EmailTemplate,
    /// Where it stands.
    pub status: EmailStatus,
    /// How many times sending was tried.
    pub attempts: i32,
    /// The last delivery error, if any.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the next attempt is due, while queued.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the mail server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// When sending was last tried (for a failed message: when it failed).
    pub last_attempt_at: Option<DateTime<Utc>>,
}

/// The emails of one user, newest first (the latest 20, on one page).
pub type EmailList = crate::Page<Email>;
