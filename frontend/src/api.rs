//! The typed client of Roster's JSON API, and the only module that does HTTP.
//!
//! Success and error bodies are the `roster_types` DTOs: every non-2xx answer
//! becomes an [`ApiError`] holding the decoded [`Problem`]. Calls made for a
//! signed-in user send the in-memory access token; on a 401 they refresh it once
//! (one refresh shared by concurrent calls, because the refresh cookie rotates)
//! and retry once, and if that fails too the session ends.

use std::fmt;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_net::http::{Request, Response};
use leptos::prelude::*;
use roster_types::{
    CreateUserRequest, LoginRequest, Me, Problem, TokenResponse, User, UserList, UserListQuery,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use web_sys::{AbortController, AbortSignal};

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

/// `query` as URL query pairs, leaving out the absent ones.
fn query_pairs(query: &impl Serialize) -> Result<Vec<(String, String)>, ApiError> {
    use serde_json::Value;
    let Value::Object(fields) = serde_json::to_value(query).map_err(|_| ApiError::Unreadable)?
    else {
        return Ok(Vec::new());
    };
    Ok(fields
        .into_iter()
        .filter_map(|(name, value)| match value {
            Value::Null => None,
            Value::String(text) => Some((name, text)),
            other => Some((name, other.to_string())),
        })
        .collect())
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
        let pairs = query_pairs(query)?;
        let response = self
            .authorized(|auth| {
                Request::get(&url("/users"))
                    .query(pairs.iter().map(|(name, value)| (name.as_str(), value)))
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
    fn list_queries_become_pairs_without_the_absent_fields() {
        let query = UserListQuery {
            q: Some("ada lovelace".into()),
            sort: Some(UserSort::NameDesc),
            page: Some(2),
            status: Some(UserStatus::Active),
            ..UserListQuery::default()
        };
        let mut pairs = query_pairs(&query).unwrap_or_default();
        pairs.sort();
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("page", "2"),
                ("q", "ada lovelace"),
                ("sort", "-name"),
                ("status", "active")
            ]
        );
    }

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
