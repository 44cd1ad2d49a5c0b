//! Email a person is sent on someone else's request: a fresh invitation, a
//! password reset link, and the list of what went out.

use roster_types::{Email, EmailList};
use uuid::Uuid;
use web_sys::AbortSignal;

use super::{Api, ApiError, Call};

impl Api {
    /// Sends an invited user a fresh welcome link (the old one stops working).
    pub async fn resend_invitation(&self, id: Uuid) -> Result<Email, ApiError> {
        self.call(Call::post(format!("/users/{id}/invitation")))
            .await?
            .json()
            .await
    }

    /// Sends a user a link to choose a new password.
    pub async fn send_password_reset(&self, id: Uuid) -> Result<Email, ApiError> {
        self.call(Call::post(format!("/users/{id}/password-reset")))
            .await?
            .json()
            .await
    }

    /// The latest emails sent to a user, newest first.
    pub async fn list_user_emails(
        &self,
        id: Uuid,
        abort: Option<&AbortSignal>,
    ) -> Result<EmailList, ApiError> {
        self.call(Call::get(format!("/users/{id}/emails")).abort(abort))
            .await?
            .json()
            .await
    }
}
