//! The typed client of Roster's JSON API, and the only module that does HTTP.
//!
//! Success and error bodies are the `roster_types` DTOs: every non-2xx answer
//! becomes an [`ApiError`] holding the decoded [`Problem`]. Calls made for a
//! signed-in user send the in-memory access token; on a 401 they refresh it once
//! (one refresh shared by concurrent calls, because the refresh cookie rotates)
//! and retry once, and if that fails too the session ends.

use std::fmt;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_net::http::{Method, Request, RequestBuilder, Response};
use leptos::prelude::*;
use roster_types::{
    AddTeamMemberRequest, AuditEventList, AuditEventQuery, ChangePasswordRequest,
    CreateTeamRequest, CreateUserRequest, Email, EmailList, ListQuery, LoginRequest, Me,
    PasswordResetRequest, Problem, SessionList, SetPasswordRequest, Team, TeamAssignment, TeamList,
    TeamListQuery, TeamMember, TeamMemberList, TokenResponse, UpdateTeamMembershipRequest,
    UpdateTeamRequest, UpdateUserRequest, User, UserList, UserListQuery, UserTeam, UserTeamList,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Blob};

use crate::session::Session;

/// Where the API lives: same origin, version 1.
const BASE: &str = "/api/v1";

fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

/// Why a call failed, in terms a page can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server answered with an error (its problem body, or one made up from
    /// the status when the body was not a problem).
    Problem {
        problem: Box<Problem>,
        /// Seconds to wait before trying again (`Retry-After`), when given.
        retry_after: Option<u64>,
    },
    /// No answer at all: offline, server down, or blocked.
    Network,
    /// The call was cancelled because the page that made it went away.
    Aborted,
    /// An answer that does not match the contract.
    Unreadable,
}

impl ApiError {
    /// The problem body, for errors the server answered.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ApiError::Problem { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// The problem's stable code, e.g. `invalid_credentials`.
    pub fn code(&self) -> Option<&str> {
        self.problem().map(|p| p.code.as_str())
    }

    /// The `Retry-After` seconds of the answer, if any.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::Problem { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The message for one request field, if the server rejected it.
    pub fn field_error(&self, field: &str) -> Option<&str> {
        self.problem().and_then(|p| p.field_error(field))
    }

    /// Whether the server named the fields that are wrong.
    pub fn has_field_errors(&self) -> bool {
        self.problem().is_some_and(|p| !p.errors.is_empty())
    }

    fn from_gloo(error: gloo_net::Error) -> Self {
        match error {
            gloo_net::Error::JsError(js) if js.name == "AbortError" => ApiError::Aborted,
            gloo_net::Error::JsError(_) | gloo_net::Error::GlooError(_) => ApiError::Network,
            gloo_net::Error::SerdeError(_) => ApiError::Unreadable,
        }
    }

    async fn from_response(response: Response) -> Self {
        let status = response.status();
        let retry_after = response
            .headers()
            .get("Retry-After")
            .and_then(|value| value.trim().parse().ok());
        let problem = match response.json::<Problem>().await {
            Ok(problem) => Box::new(problem),
            Err(_) => Box::new(stand_in_problem(status)),
        };
        ApiError::Problem {
            problem,
            retry_after,
        }
    }
}

/// A problem for an error answer whose body was not one (a proxy's HTML page,
/// say), so people still read a sentence rather than a status code.
fn stand_in_problem(status: u16) -> Problem {
    let (code, title) = match status {
        401 => ("unauthorized", "Your session has ended. Sign in again."),
        403 => ("forbidden", "You do not have permission to do that."),
        404 => ("not_found", "That could not be found."),
        429 => (
            "too_many_requests",
            "Too many requests. Wait a moment and try again.",
        ),
        500.. => (
            "server_error",
            "Roster is having trouble right now. Try again in a moment.",
        ),
        _ => ("request_failed", "The request could not be completed."),
    };
    Problem {
        kind: "about:blank".into(),
        title: title.into(),
        status,
        detail: None,
        code: code.into(),
        errors: Vec::new(),
    }
}

/// The sentence to show a person.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Problem { problem, .. } => f.write_str(problem.message()),
            ApiError::Network => {
                f.write_str("Roster could not be reached. Check your connection and try again.")
            }
            ApiError::Aborted => f.write_str("The request was cancelled."),
            ApiError::Unreadable => f.write_str(
                "Roster sent an answer this page could not read. Reload the page and try again.",
            ),
        }
    }
}

impl std::error::Error for ApiError {}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    request
        .map_err(ApiError::from_gloo)?
        .send()
        .await
        .map_err(ApiError::from_gloo)
}

/// Decodes a 2xx body as `T`, or the error body as a problem.
async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        response.json::<T>().await.map_err(|error| match error {
            gloo_net::Error::JsError(js) if js.name == "AbortError" => ApiError::Aborted,
            _ => ApiError::Unreadable,
        })
    } else {
        Err(ApiError::from_response(response).await)
    }
}

/// Checks an answer whose body does not matter (204 and friends).
async fn read_empty(response: Response) -> Result<(), ApiError> {
    if response.ok() {
        Ok(())
    } else {
        Err(ApiError::from_response(response).await)
    }
}

/// Takes a 2xx body as it is (a file to save), or the error body as a problem.
async fn read_blob(response: Response) -> Result<Blob, ApiError> {
    if !response.ok() {
        return Err(ApiError::from_response(response).await);
    }
    let raw: web_sys::Response = response.into();
    let promise = raw.blob().map_err(|_| ApiError::Unreadable)?;
    let body = JsFuture::from(promise).await.map_err(|error| {
        match error.dyn_ref::<web_sys::DomException>() {
            Some(e) if e.name() == "AbortError" => ApiError::Aborted,
            _ => ApiError::Network,
        }
    })?;
    body.dyn_into::<Blob>().map_err(|_| ApiError::Unreadable)
}

/// `body` as JSON text, for [`Api::call`].
fn to_json(body: &impl Serialize) -> Result<String, ApiError> {
    serde_json::to_string(body).map_err(|_| ApiError::Unreadable)
}

/// A user with the `ETag` to send back as `If-Match` when changing them.
async fn read_tagged_user(response: Response) -> Result<(User, String), ApiError> {
    let tag = response.headers().get("ETag");
    let user: User = read(response).await?;
    let tag = tag.unwrap_or_else(|| format!("\"v{}\"", user.version));
    Ok((user, tag))
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

type PendingRefresh = Shared<LocalBoxFuture<'static, Result<TokenResponse, ApiError>>>;

/// The API client, shared through context. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Api {
    session: Session,
    /// The refresh in flight, which later callers join instead of starting their
    /// own (a second refresh would present an already rotated cookie).
    refreshing: StoredValue<Option<PendingRefresh>, LocalStorage>,
}

impl Api {
    /// Creates the client for `session` and provides it to the app.
    pub fn provide(session: Session) -> Self {
        let api = Self {
            session,
            refreshing: StoredValue::new_local(None),
        };
        provide_context(api);
        api
    }

    /// The client provided by [`Api::provide`].
    pub fn expect() -> Self {
        expect_context()
    }

    /// Signs in with email and password, then loads the user.
    pub async fn login(&self, request: &LoginRequest) -> Result<Me, ApiError> {
        let response = send(Request::post(&url("/auth/login")).json(request)).await?;
        let token: TokenResponse = read(response).await?;
        self.session.set_token(token.access_token);
        self.me().await
    }

    /// Restores a session from the refresh cookie, then loads the user.
    pub async fn restore(&self) -> Result<Me, ApiError> {
        self.refresh().await?;
        self.me().await
    }

    /// Ends the session on the server (clears the refresh cookie).
    pub async fn logout(&self) -> Result<(), ApiError> {
        let token = self.session.token();
        let mut builder = Request::post(&url("/auth/logout"));
        if let Some(token) = token {
            builder = builder.header("Authorization", &bearer(&token));
        }
        read_empty(send(builder.build()).await?).await
    }

    /// Sets a password from an emailed link's token (no session needed). Token
    /// problems come back as `token_invalid`, `token_expired` or `token_used`.
    pub async fn set_password(&self, request: &SetPasswordRequest) -> Result<(), ApiError> {
        read_empty(send(Request::post(&url("/auth/password")).json(request)).await?).await
    }

    /// Asks for a reset link for `email` ("Forgot password?"). The answer is the
    /// same whether or not the account exists.
    pub async fn request_password_reset(
        &self,
        request: &PasswordResetRequest,
    ) -> Result<(), ApiError> {
        read_empty(send(Request::post(&url("/auth/password-reset")).json(request)).await?).await
    }

    /// Changes the signed-in person's own password; their other sessions end.
    /// A wrong current password comes back as a field error on
    /// `current_password`.
    pub async fn change_password(&self, request: &ChangePasswordRequest) -> Result<(), ApiError> {
        let body = to_json(request)?;
        let response = self
            .call(
                Method::PUT,
                "/auth/me/password",
                &[],
                Some(body),
                None,
                None,
            )
            .await?;
        read_empty(response).await
    }

    /// The signed-in user.
    pub async fn me(&self) -> Result<Me, ApiError> {
        let response = self
            .authorized(|auth| {
                Request::get(&url("/auth/me"))
                    .header("Authorization", auth)
                    .build()
            })
            .await?;
        read(response).await
    }

    /// A page of users; `abort` cancels the call (see [`abort_on_cleanup`]).
    pub async fn list_users(
        &self,
        query: &UserListQuery,
        abort: Option<&AbortSignal>,
    ) -> Result<UserList, ApiError> {
        let pairs = query.to_pairs();
        let response = self
            .authorized(|auth| {
                Request::get(&url("/users"))
                    .query(pairs.iter().map(|(name, value)| (*name, value)))
                    .header("Authorization", auth)
                    .abort_signal(abort)
                    .build()
            })
            .await?;
        read(response).await
    }

    /// Creates a user.
    pub async fn create_user(&self, request: &CreateUserRequest) -> Result<User, ApiError> {
        let response = self
            .authorized(|auth| {
                Request::post(&url("/users"))
                    .header("Authorization", auth)
                    .json(request)
            })
            .await?;
        read(response).await
    }

    /// One user with their `ETag` (for [`Api::update_user`]).
    pub async fn get_user(
        &self,
        id: Uuid,
        abort: Option<&AbortSignal>,
    ) -> Result<(User, String), ApiError> {
        let response = self
            .call(Method::GET, &format!("/users/{id}"), &[], None, None, abort)
            .await?;
        read_tagged_user(response).await
    }

    /// Changes a user, but only if they still are at version `etag`; otherwise
    /// the answer is a 412 with code `stale_version`.
    pub async fn update_user(
        &self,
        id: Uuid,
        request: &UpdateUserRequest,
        etag: &str,
    ) -> Result<(User, String), ApiError> {
        let body = to_json(request)?;
        let response = self
            .call(
                Method::PATCH,
                &format!("/users/{id}"),
                &[],
                Some(body),
                Some(etag),
                None,
            )
            .await?;
        read_tagged_user(response).await
    }

    /// Suspends a user (admins only): signed out everywhere, cannot sign in.
    pub async fn suspend_user(&self, id: Uuid) -> Result<(User, String), ApiError> {
        let path = format!("/users/{id}/suspend");
        let response = self
            .call(Method::POST, &path, &[], None, None, None)
            .await?;
        read_tagged_user(response).await
    }

    /// Lets a suspended user sign in again (admins only).
    pub async fn reactivate_user(&self, id: Uuid) -> Result<(User, String), ApiError> {
        let path = format!("/users/{id}/reactivate");
        let response = self
            .call(Method::POST, &path, &[], None, None, None)
            .await?;
        read_tagged_user(response).await
    }

    /// Sends an invited user a fresh welcome link (the old one stops working).
    pub async fn resend_invitation(&self, id: Uuid) -> Result<Email, ApiError> {
        let path = format!("/users/{id}/invitation");
        read(
            self.call(Method::POST, &path, &[], None, None, None)
                .await?,
        )
        .await
    }

    /// Sends a user a link to choose a new password.
    pub async fn send_password_reset(&self, id: Uuid) -> Result<Email, ApiError> {
        let path = format!("/users/{id}/password-reset");
        read(
            self.call(Method::POST, &path, &[], None, None, None)
                .await?,
        )
        .await
    }

    /// The latest emails sent to a user, newest first.
    pub async fn list_user_emails(
        &self,
        id: Uuid,
        abort: Option<&AbortSignal>,
    ) -> Result<EmailList, ApiError> {
        let path = format!("/users/{id}/emails");
        read(
            self.call(Method::GET, &path, &[], None, None, abort)
                .await?,
        )
        .await
    }

    /// The teams a user belongs to.
    pub async fn list_user_teams(
        &self,
        id: Uuid,
        abort: Option<&AbortSignal>,
    ) -> Result<UserTeamList, ApiError> {
        let path = format!("/users/{id}/teams");
        read(
            self.call(Method::GET, &path, &[], None, None, abort)
                .await?,
        )
        .await
    }

    /// Puts a user in a team.
    pub async fn add_user_team(
        &self,
        id: Uuid,
        request: &TeamAssignment,
    ) -> Result<UserTeam, ApiError> {
        let path = format!("/users/{id}/teams");
        let body = to_json(request)?;
        read(
            self.call(Method::POST, &path, &[], Some(body), None, None)
                .await?,
        )
        .await
    }

    /// Changes a user's role in one of their teams.
    pub async fn update_user_team(
        &self,
        id: Uuid,
        team_id: Uuid,
        request: &UpdateTeamMembershipRequest,
    ) -> Result<UserTeam, ApiError> {
        let path = format!("/users/{id}/teams/{team_id}");
        let body = to_json(request)?;
        read(
            self.call(Method::PATCH, &path, &[], Some(body), None, None)
                .await?,
        )
        .await
    }

    /// Takes a user out of a team.
    pub async fn remove_user_team(&self, id: Uuid, team_id: Uuid) -> Result<(), ApiError> {
        let path = format!("/users/{id}/teams/{team_id}");
        read_empty(
            self.call(Method::DELETE, &path, &[], None, None, None)
                .await?,
        )
        .await
    }

    /// A page of teams (admins: all; managers: the ones they manage).
    pub async fn list_teams(
        &self,
        query: &TeamListQuery,
        abort: Option<&AbortSignal>,
    ) -> Result<TeamList, ApiError> {
        let pairs = query.to_pairs();
        read(
            self.call(Method::GET, "/teams", &pairs, None, None, abort)
                .await?,
        )
        .await
    }

    /// Creates a team (admins only).
    pub async fn create_team(&self, request: &CreateTeamRequest) -> Result<Team, ApiError> {
        let body = to_json(request)?;
        read(
            self.call(Method::POST, "/teams", &[], Some(body), None, None)
                .await?,
        )
        .await
    }

    /// One team.
    pub async fn get_team(&self, id: Uuid, abort: Option<&AbortSignal>) -> Result<Team, ApiError> {
        let path = format!("/teams/{id}");
        read(
            self.call(Method::GET, &path, &[], None, None, abort)
                .await?,
        )
        .await
    }

    /// Renames or redescribes a team (admins only).
    pub async fn update_team(
        &self,
        id: Uuid,
        request: &UpdateTeamRequest,
    ) -> Result<Team, ApiError> {
        let path = format!("/teams/{id}");
        let body = to_json(request)?;
        read(
            self.call(Method::PATCH, &path, &[], Some(body), None, None)
                .await?,
        )
        .await
    }

    /// Deletes a team and its memberships, never its people (admins only).
    pub async fn delete_team(&self, id: Uuid) -> Result<(), ApiError> {
        let path = format!("/teams/{id}");
        read_empty(
            self.call(Method::DELETE, &path, &[], None, None, None)
                .await?,
        )
        .await
    }

    /// The members of a team.
    pub async fn list_team_members(
        &self,
        id: Uuid,
        abort: Option<&AbortSignal>,
    ) -> Result<TeamMemberList, ApiError> {
        let path = format!("/teams/{id}/members");
        read(
            self.call(Method::GET, &path, &[], None, None, abort)
                .await?,
        )
        .await
    }

    /// Adds someone to a team.
    pub async fn add_team_member(
        &self,
        id: Uuid,
        request: &AddTeamMemberRequest,
    ) -> Result<TeamMember, ApiError> {
        let path = format!("/teams/{id}/members");
        let body = to_json(request)?;
        read(
            self.call(Method::POST, &path, &[], Some(body), None, None)
                .await?,
        )
        .await
    }

    /// The signed-in person's own live sessions, most recently used first.
    pub async fn list_my_sessions(
        &self,
        abort: Option<&AbortSignal>,
    ) -> Result<SessionList, ApiError> {
        read(
            self.call(Method::GET, "/auth/sessions", &[], None, None, abort)
                .await?,
        )
        .await
    }

    /// Signs one of the signed-in person's own sessions out (another browser or
    /// device; this one signs out with [`Api::logout`]).
    pub async fn revoke_my_session(&self, session_id: Uuid) -> Result<(), ApiError> {
        let path = format!("/auth/sessions/{session_id}");
        read_empty(
            self.call(Method::DELETE, &path, &[], None, None, None)
                .await?,
        )
        .await
    }

    /// Another person's live sessions (admins, and managers of that person).
    pub async fn list_user_sessions(
        &self,
        id: Uuid,
        abort: Option<&AbortSignal>,
    ) -> Result<SessionList, ApiError> {
        let path = format!("/users/{id}/sessions");
        read(
            self.call(Method::GET, &path, &[], None, None, abort)
                .await?,
        )
        .await
    }

    /// Signs a person out everywhere: every session of theirs ends.
    pub async fn revoke_user_sessions(&self, id: Uuid) -> Result<(), ApiError> {
        let path = format!("/users/{id}/sessions");
        read_empty(
            self.call(Method::DELETE, &path, &[], None, None, None)
                .await?,
        )
        .await
    }

    /// A page of the audit trail, newest first (admins only).
    pub async fn list_audit_events(
        &self,
        query: &AuditEventQuery,
        abort: Option<&AbortSignal>,
    ) -> Result<AuditEventList, ApiError> {
        let pairs = query.to_pairs();
        read(
            self.call(Method::GET, "/audit-events", &pairs, None, None, abort)
                .await?,
        )
        .await
    }

    /// The audit events matching `query`'s filters as a CSV file, to save. Sent
    /// through here rather than a plain link because a link cannot carry the
    /// access token.
    pub async fn download_audit_events_csv(
        &self,
        query: &AuditEventQuery,
    ) -> Result<Blob, ApiError> {
        let pairs = query.to_pairs();
        read_blob(
            self.call(Method::GET, "/audit-events.csv", &pairs, None, None, None)
                .await?,
        )
        .await
    }

    /// An authorized call: `method` on `path` with `query`, a JSON `body` and an
    /// `If-Match` precondition when given.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<String>,
        if_match: Option<&str>,
        abort: Option<&AbortSignal>,
    ) -> Result<Response, ApiError> {
        let target = url(path);
        self.authorized(|auth| {
            let mut builder = RequestBuilder::new(&target)
                .method(method.clone())
                .header("Authorization", auth)
                .abort_signal(abort);
            if !query.is_empty() {
                builder = builder.query(query.iter().map(|(name, value)| (*name, value)));
            }
            if let Some(tag) = if_match {
                builder = builder.header("If-Match", tag);
            }
            match &body {
                Some(json) => builder
                    .header("Content-Type", "application/json")
                    .body(json.as_str()),
                None => builder.build(),
            }
        })
        .await
    }

    /// Sends the request `build` makes for an `Authorization` header value; on a
    /// 401, refreshes the token once and sends it again.
    async fn authorized(
        &self,
        build: impl Fn(&str) -> Result<Request, gloo_net::Error>,
    ) -> Result<Response, ApiError> {
        let token = match self.session.token() {
            Some(token) => token,
            None => self.refresh_or_expire().await?,
        };
        let response = send(build(&bearer(&token))).await?;
        if response.status() != 401 {
            return Ok(response);
        }
        let fresh = match self.session.token() {
            // Another call refreshed while this one was in flight.
            Some(current) if current != token => current,
            _ => self.refresh_or_expire().await?,
        };
        let response = send(build(&bearer(&fresh))).await?;
        if response.status() == 401 {
            self.session.expire();
        }
        Ok(response)
    }

    /// [`Api::refresh`], ending the session when the server refuses (but not when
    /// it could not be reached: the session may well be fine).
    async fn refresh_or_expire(&self) -> Result<String, ApiError> {
        let result = self.refresh().await;
        if let Err(ApiError::Problem { problem, .. }) = &result
            && matches!(problem.status, 401 | 403)
        {
            self.session.expire();
        }
        result
    }

    /// Trades the refresh cookie for a new access token and keeps it.
    async fn refresh(&self) -> Result<String, ApiError> {
        let refreshing = self.refreshing;
        let pending = match refreshing.with_value(Clone::clone) {
            Some(pending) => pending,
            None => {
                let pending = async move {
                    let result = refresh_request().await;
                    // Cleared by the refresh itself, whichever caller polls it last.
                    refreshing.set_value(None);
                    result
                }
                .boxed_local()
                .shared();
                refreshing.set_value(Some(pending.clone()));
                pending
            }
        };
        let token = pending.await?;
        self.session.set_token(token.access_token.clone());
        Ok(token.access_token)
    }
}

async fn refresh_request() -> Result<TokenResponse, ApiError> {
    read(send(Request::post(&url("/auth/refresh")).build()).await?).await
}

/// An `AbortSignal` that fires when the current reactive scope is cleaned up:
/// the component unmounts, or the resource that made the call runs again.
pub fn abort_on_cleanup() -> Option<AbortSignal> {
    let controller = AbortController::new().ok()?;
    let signal = controller.signal();
    let controller = StoredValue::new_local(controller);
    on_cleanup(move || {
        controller.try_with_value(AbortController::abort);
    });
    Some(signal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_types::{UserSort, UserStatus};

    #[test]
    fn error_answers_without_a_problem_body_still_read_as_sentences() {
        let error = ApiError::Problem {
            problem: Box::new(stand_in_problem(502)),
            retry_after: None,
        };
        assert_eq!(
            error.to_string(),
            "Roster is having trouble right now. Try again in a moment."
        );
    }
}
