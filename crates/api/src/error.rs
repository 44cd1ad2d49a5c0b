//! The one place where errors become HTTP responses: RFC 9457 problem details with
//! a stable `code`, never a stack trace or SQL text.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use roster_domain::Error as DomainError;
use roster_types::{FieldError, PROBLEM_CONTENT_TYPE, Problem};

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    pub problem: Box<Problem>,
    /// Extra headers: `Retry-After`, `Allow`, `WWW-Authenticate`.
    pub headers: Vec<(header::HeaderName, String)>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.problem.status, self.problem.code)
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            problem: Box::new(Problem {
                kind: format!("urn:problem:roster:{code}"),
                title: status.canonical_reason().unwrap_or("Error").to_string(),
                status: status.as_u16(),
                detail: Some(detail.into()),
                code: code.to_string(),
                errors: Vec::new(),
            }),
            headers: Vec::new(),
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.problem.errors = errors;
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
            .with_header(header::WWW_AUTHENTICATE, "Bearer")
    }

    /// 422 with one message per field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => format!("The request has an invalid field: {}.", errors[0].field),
            n => format!("The request has {n} invalid fields."),
        };
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            detail,
        )
        .with_errors(errors)
    }

    /// 400 for query parameters that cannot be used.
    pub fn invalid_query(errors: Vec<FieldError>) -> Self {
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            format!("Invalid query parameters: {}.", names.join(", ")),
        )
        .with_errors(errors)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Something went wrong on our side. It has been logged; please try again.",
        )
    }
}

/// Writes an error and every cause under it, for the log.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Validation(errors) => ApiError::validation(errors),
            DomainError::NotFound(what) => {
                let mut what = what.to_string();
                if let Some(first) = what.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                ApiError::not_found(format!("{what} not found."))
            }
            DomainError::Conflict {
                code,
                message,
                field,
            } => {
                let e = ApiError::new(StatusCode::CONFLICT, code, message.clone());
                match field {
                    Some(f) => e.with_errors(vec![FieldError::new(f, message)]),
                    None => e,
                }
            }
            DomainError::Unauthenticated(why) => ApiError::unauthenticated(format!("{why}.")),
            DomainError::InvalidCredentials => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Wrong email or password.",
            ),
            DomainError::Forbidden(why) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", {
                let mut s = why.to_string();
                if let Some(first) = s.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                s + "."
            }),
            DomainError::Throttled { retry_after_secs } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("Too many failed attempts. Try again in {retry_after_secs} seconds."),
            )
            .with_header(header::RETRY_AFTER, retry_after_secs.to_string()),
            DomainError::Link(problem) => {
                use roster_domain::error::LinkProblem;
                let (status, code, message) = match problem {
                    LinkProblem::Invalid => (
                        StatusCode::BAD_REQUEST,
                        "token_invalid",
                        "This link is not valid.",
                    ),
                    LinkProblem::Used => (
                        StatusCode::GONE,
                        "token_used",
                        "This link has already been used, or a newer one was sent.",
                    ),
                    LinkProblem::Expired => {
                        (StatusCode::GONE, "token_expired", "This link has expired.")
                    }
                };
                ApiError::new(status, code, message)
            }
            DomainError::AccountSuspended => ApiError::new(
                StatusCode::FORBIDDEN,
                "account_suspended",
                "This account is suspended.",
            ),
            DomainError::Busy { retry_after_secs } => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                format!("Too many requests at once. Try again in {retry_after_secs} seconds."),
            )
            .with_header(header::RETRY_AFTER, retry_after_secs.to_string()),
            DomainError::IdempotencyKeyReused => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was already used for a different request; use a new key.",
            )
            .with_errors(vec![FieldError::new(
                "Idempotency-Key",
                "Already used for a different request.",
            )]),
            DomainError::IdempotencyKeyInUse => ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                "A request with this Idempotency-Key is still being handled; try again in a moment.",
            )
            .with_header(header::RETRY_AFTER, "1"),
            DomainError::PreconditionFailed => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "stale_version",
                "Someone else changed this since you loaded it. Reload and apply your change again.",
            ),
            DomainError::Internal(inner) => {
                tracing::error!(error = %error_chain(&inner), "request failed");
                ApiError::internal()
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.content_type(PROBLEM_CONTENT_TYPE);
        for (name, value) in &self.headers {
            res.insert_header((name.clone(), value.clone()));
        }
        res.json(&self.problem)
    }
}

/// A path segment that does not parse (a malformed id) names nothing that exists.
pub fn path_error(
    err: actix_web::error::PathError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::not_found(format!("Nothing exists at this address ({err}).")).into()
}

/// Query strings that do not parse at all.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        format!("Invalid query string: {err}."),
    )
    .into()
}
