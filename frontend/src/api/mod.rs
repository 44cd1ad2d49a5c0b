//! The typed client of Roster's JSON API, and the only module that does HTTP.
//!
//! Success and error bodies are the `roster_types` DTOs: every non-2xx answer
//! becomes an [`ApiError`] holding the decoded [`Problem`]. Calls made for a
//! signed-in user send the in-memory access token; on a 401 they refresh it once
//! (one refresh shared by concurrent calls, because the refresh cookie rotates)
//! and retry once, and if that fails too the session ends.
//!
//! Every endpoint is one [`Call`] sent through [`Api::call`] and read as one of
//! the ways [`Answer`] offers; the endpoints live in one file per resource.

mod audit;
mod auth;
mod jobs;
mod mail;
mod sessions;
mod teams;
mod users;

use std::fmt;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_net::http::{Method, Request, RequestBuilder, Response};
use leptos::prelude::*;
use roster_types::{ListQuery, Problem, TokenResponse, User};
use serde::Serialize;
use serde::de::DeserializeOwned;
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

    /// Whether trying the same request again may work: no answer, an answer
    /// that could not be read, a timeout, a throttle or a server error.
    /// Refusals, missing things and bad input stay as they are.
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Network | ApiError::Unreadable => true,
            ApiError::Aborted => false,
            ApiError::Problem { problem, .. } => {
                matches!(problem.status, 408 | 429) || problem.status >= 500
            }
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

/// Which access token a [`Call`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// The signed-in person's, refreshed once on a 401 (see [`Api::authorized`]).
    Session,
    /// The current one when there is one, never refreshed: signing out must not
    /// sign in again first.
    IfAny,
    /// None: signing in, links from emails, and the refresh itself (which goes
    /// by the cookie).
    Public,
}

/// One request to the API, as an endpoint describes it for [`Api::call`]:
/// method, path, the list query's parameters, a JSON body, an `If-Match`
/// precondition and an abort signal, each only when given.
#[must_use]
#[derive(Debug)]
struct Call<'a> {
    method: Method,
    /// Below [`BASE`], e.g. `/users`.
    path: String,
    /// Not yet encoded; `RequestBuilder::query` encodes them.
    query: Vec<(&'static str, String)>,
    /// JSON text, or why the body could not be written.
    body: Option<Result<String, ApiError>>,
    if_match: Option<&'a str>,
    abort: Option<&'a AbortSignal>,
    token: Token,
}

impl<'a> Call<'a> {
    fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            if_match: None,
            abort: None,
            token: Token::Session,
        }
    }

    fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    fn put(path: impl Into<String>) -> Self {
        Self::new(Method::PUT, path)
    }

    fn patch(path: impl Into<String>) -> Self {
        Self::new(Method::PATCH, path)
    }

    fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    /// Sends `query`'s parameters, written by the codec the server reads them
    /// with.
    fn query(mut self, query: &impl ListQuery) -> Self {
        self.query = query.to_pairs();
        self
    }

    /// Sends `body` as JSON.
    fn json(mut self, body: &impl Serialize) -> Self {
        self.body = Some(serde_json::to_string(body).map_err(|_| ApiError::Unreadable));
        self
    }

    /// Only if the resource is still at version `etag` (a 412 otherwise).
    fn if_match(mut self, etag: &'a str) -> Self {
        self.if_match = Some(etag);
        self
    }

    /// Cancelled when `abort` fires (see [`abort_on_cleanup`]).
    fn abort(mut self, abort: Option<&'a AbortSignal>) -> Self {
        self.abort = abort;
        self
    }

    /// Sent without an access token.
    fn public(mut self) -> Self {
        self.token = Token::Public;
        self
    }

    /// Sent with the access token if there is one, never refreshing it.
    fn token_if_any(mut self) -> Self {
        self.token = Token::IfAny;
        self
    }
}

/// An answer of the API, read one of four ways; each turns an error answer
/// into an [`ApiError`] with its problem.
#[must_use]
struct Answer(Response);

impl Answer {
    /// Decodes a 2xx body as `T`.
    async fn json<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        let response = self.ok().await?;
        response.json::<T>().await.map_err(|error| match error {
            gloo_net::Error::JsError(js) if js.name == "AbortError" => ApiError::Aborted,
            _ => ApiError::Unreadable,
        })
    }

    /// Checks an answer whose body does not matter (204 and friends).
    async fn empty(self) -> Result<(), ApiError> {
        self.ok().await.map(drop)
    }

    /// Takes a 2xx body as it is (a file to save).
    async fn blob(self) -> Result<Blob, ApiError> {
        let raw: web_sys::Response = self.ok().await?.into();
        let promise = raw.blob().map_err(|_| ApiError::Unreadable)?;
        let body = JsFuture::from(promise).await.map_err(|error| {
            match error.dyn_ref::<web_sys::DomException>() {
                Some(e) if e.name() == "AbortError" => ApiError::Aborted,
                _ => ApiError::Network,
            }
        })?;
        body.dyn_into::<Blob>().map_err(|_| ApiError::Unreadable)
    }

    /// A user with the `ETag` to send back as `If-Match` when changing them.
    async fn tagged_user(self) -> Result<(User, String), ApiError> {
        let tag = self.0.headers().get("ETag");
        let user: User = self.json().await?;
        let tag = tag.unwrap_or_else(|| format!("\"v{}\"", user.version));
        Ok((user, tag))
    }

    /// The response when it is a 2xx, or its problem.
    async fn ok(self) -> Result<Response, ApiError> {
        if self.0.ok() {
            Ok(self.0)
        } else {
            Err(ApiError::from_response(self.0).await)
        }
    }
}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    request
        .map_err(ApiError::from_gloo)?
        .send()
        .await
        .map_err(ApiError::from_gloo)
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

    /// Sends `call`, with the access token it asks for.
    async fn call(&self, call: Call<'_>) -> Result<Answer, ApiError> {
        let Call {
            method,
            path,
            query,
            body,
            if_match,
            abort,
            token,
        } = call;
        let body = body.transpose()?;
        let target = url(&path);
        // Called again for the retry after a refresh: a sent body is spent.
        let build = |token: Option<&str>| {
            let mut builder = RequestBuilder::new(&target)
                .method(method.clone())
                .abort_signal(abort);
            if let Some(token) = token {
                builder = builder.header("Authorization", &format!("Bearer {token}"));
            }
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
        };
        let response = match token {
            Token::Session => self.authorized(build).await?,
            Token::IfAny => send(build(self.session.token().as_deref())).await?,
            Token::Public => send(build(None)).await?,
        };
        Ok(Answer(response))
    }

    /// Sends the request `build` makes with an access token; on a 401,
    /// refreshes the token once and sends it again.
    async fn authorized(
        &self,
        build: impl Fn(Option<&str>) -> Result<Request, gloo_net::Error>,
    ) -> Result<Response, ApiError> {
        let token = match self.session.token() {
            Some(token) => token,
            None => self.refresh_or_expire().await?,
        };
        let response = send(build(Some(&token))).await?;
        if response.status() != 401 {
            return Ok(response);
        }
        let fresh = match self.session.token() {
            // Another call refreshed while this one was in flight.
            Some(current) if current != token => current,
            _ => self.refresh_or_expire().await?,
        };
        let response = send(build(Some(&fresh))).await?;
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
        let api = *self;
        let refreshing = self.refreshing;
        let pending = match refreshing.with_value(Clone::clone) {
            Some(pending) => pending,
            None => {
                let pending = async move {
                    let result = async {
                        api.call(Call::post("/auth/refresh").public())
                            .await?
                            .json::<TokenResponse>()
                            .await
                    }
                    .await;
                    // Cleared by the refresh itself, whichever caller polls it
                    // last, and whatever the outcome: a failed refresh (a
                    // network blip) must not be remembered, or every later
                    // call would get its error without trying again.
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
    use roster_types::{UserListQuery, UserSort, UserStatus};

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

    #[test]
    fn a_list_call_sends_the_query_as_the_codec_writes_it() {
        let query = UserListQuery {
            q: Some("ada & bob".into()),
            sort: Some(UserSort::NameAsc),
            status: Some(UserStatus::Active),
            ..UserListQuery::default()
        };
        let call = Call::get("/users").query(&query);
        assert_eq!(call.method, Method::GET);
        assert_eq!(call.token, Token::Session);
        assert_eq!(
            call.query,
            [
                ("q", "ada & bob".to_string()),
                ("sort", "name".to_string()),
                ("status", "active".to_string()),
            ]
        );
        assert!(call.body.is_none() && call.if_match.is_none());
    }

    #[test]
    fn a_call_carries_its_body_precondition_and_token_choice() {
        let call = Call::patch("/users/1")
            .json(&serde_json::json!({ "first_name": "Ada" }))
            .if_match("\"v3\"");
        assert_eq!(call.body, Some(Ok(r#"{"first_name":"Ada"}"#.to_string())));
        assert_eq!(call.if_match, Some("\"v3\""));
        assert_eq!(Call::post("/auth/login").public().token, Token::Public);
        assert_eq!(
            Call::post("/auth/logout").token_if_any().token,
            Token::IfAny
        );
    }
}
