//! Live sessions: the signed-in person's own, and another person's.

use roster_types::SessionList;
use uuid::Uuid;
use web_sys::AbortSignal;

use super::{Api, ApiError, Call};

impl Api {
    /// The signed-in person's own live sessions, most recently used first.
    pub async fn list_my_sessions(
        &self,
        abort: Option<&AbortSignal>,
    ) -> Result<SessionList, ApiError> {
        self.call(Call::get("/auth/sessions").abort(abort))
            .await?
            .json()
            .await
    }

    /// Signs one of the signed-in person's own sessions out (another browser or
    /// device; this one signs out with [`Api::logout`]).
    pub async fn revoke_my_session(&self, session_id: Uuid) -> Result<(), ApiError> {
        self.call(Call::delete(format!("/auth/sessions/{session_id}")))
            .await?
            .empty()
            .await
    }

    /// Another person's live sessions (admins, and managers of that person).
    pub async fn list_user_sessions(
        &self,
        id: Uuid,
        abort: Option<&AbortSignal>,
    ) -> Result<SessionList, ApiError> {
        self.call(Call::get(format!("/users/{id}/sessions")).abort(abort))
            .await?
            .json()
            .await
    }

    /// Signs a person out everywhere: every session of theirs ends.
    pub async fn revoke_user_sessions(&self, id: Uuid) -> Result<(), ApiError> {
        self.call(Call::delete(format!("/users/{id}/sessions")))
            .await?
            .empty()
            .await
    }
}
