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
    /// The new password: 10 to 128 characters, not the email address, and hard
    /// to guess (see `POST /api/v1/auth/password/strength`).
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

/// Body of `POST /api/v1/auth/password/link`: what an emailed link is for,
/// asked when the set-password page opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordLinkRequest {
    /// The token from the emailed link (`/set-password?token=...`).
    pub token: String,
}

/// What a set-password link that still works is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PasswordLinkPurpose {
    /// A welcome link: the account's first password.
    Invitation,
    /// A reset link: a new password in place of the old one.
    Reset,
}

/// A set-password link that still works, and the account it is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordLink {
    /// The account's email address (the one to sign in with).
    #[cfg_attr(feature = "openapi", schema(example = "ada@example.com"))]
    pub email: String,
    /// The account holder's name.
    #[cfg_attr(feature = "openapi", schema(example = "Ada Lovelace"))]
    pub full_name: String,
    /// A first password or a new one.
    pub purpose: PasswordLinkPurpose,
    /// Until when the link works.
    pub expires_at: DateTime<Utc>,
}

/// Body of `POST /api/v1/auth/password/strength`: how hard a password would be
/// to guess, asked while it is typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordStrengthRequest {
    /// The candidate password.
    pub password: String,
    /// The set-password link's token, when there is one: the account's name
    /// and email then count against the password, as they will when it is set.
    #[serde(default)]
    pub token: Option<String>,
}

/// How hard a password would be to guess (zxcvbn's estimate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordStrength {
    /// 0 (guessed at once) to 4 (very hard to guess).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 4))]
    pub score: u8,
    /// Whether Roster would take it: long enough, and a score of at least
    /// [`crate::validate::MIN_PASSWORD_SCORE`].
    pub acceptable: bool,
    /// What makes it weak, when something does.
    pub warning: Option<String>,
    /// How to make it stronger.
    pub suggestions: Vec<String>,
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
    /// The address it was (or is to be) sent to: the person's address when it
    /// was queued, which a later change of address does not rewrite.
    #[cfg_attr(feature = "openapi", schema(example = "ada@example.com"))]
    pub recipient: String,
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
