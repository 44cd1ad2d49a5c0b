//! Set-password links, password resets, and the emails of a user.

use actix_web::{HttpResponse, get, post, web};
use roster_domain::Roster;
use roster_types::{
    Email, EmailList, PasswordLink, PasswordLinkRequest, PasswordResetRequest, PasswordStrength,
    PasswordStrengthRequest, Problem, SetPasswordRequest,
};
use uuid::Uuid;

use crate::auth::{Anonymous, Authenticated};
use crate::error::ApiError;
use crate::json::Json;

/// Set a password from an emailed link.
///
/// Works once per link. Activates an invited account, retires the user's other
/// links and ends their sessions.
#[utoipa::path(
    operation_id = "set_password_from_link",
    tag = "auth",
    request_body = SetPasswordRequest,
    responses(
        (status = 204, description = "The password is set; sign in with it"),
        (status = 400, description = "Malformed JSON, or the link is not valid (`token_invalid`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The account is suspended", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The link was used (`token_used`) or has expired (`token_expired`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The password breaks a rule; `errors` says which", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password")]
pub async fn set_password(
    roster: web::Data<Roster>,
    ctx: Anonymous,
    body: Json<SetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    roster_domain::mail::set_password_with_token(&roster, &ctx.0, &body.token, &body.password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What an emailed set-password link is for, while it still works.
///
/// The set-password page asks this when it opens, so that a used or expired
/// link says so before anyone types a password, and the page can name the
/// account. Answers with the problem that setting a password would meet.
#[utoipa::path(
    operation_id = "inspect_password_link",
    tag = "auth",
    request_body = PasswordLinkRequest,
    responses(
        (status = 200, description = "The link works; this is its account", body = PasswordLink),
        (status = 400, description = "Malformed JSON, or the link is not valid (`token_invalid`)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The account is suspended", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The link was used (`token_used`) or has expired (`token_expired`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password/link")]
pub async fn inspect_link(
    roster: web::Data<Roster>,
    _ctx: Anonymous,
    body: Json<PasswordLinkRequest>,
) -> Result<HttpResponse, ApiError> {
    let link = roster_domain::mail::link_account(&roster, &body.token).await?;
    Ok(HttpResponse::Ok().json(link))
}

/// How hard a password would be to guess, for a meter while it is typed.
///
/// The same estimate (zxcvbn) decides whether `POST /auth/password` and
/// `POST /auth/me/password` take it: `acceptable` says whether they would.
/// With a set-password link's `token`, that account's name and email count
/// against the password; without one, a signed-in caller's own (as when they
/// change their password). Nothing is stored or logged.
#[utoipa::path(
    operation_id = "estimate_password_strength",
    tag = "auth",
    request_body = PasswordStrengthRequest,
    responses(
        (status = 200, description = "The estimate", body = PasswordStrength),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many estimates at once (one per core); `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password/strength")]
pub async fn password_strength(
    roster: web::Data<Roster>,
    caller: Option<Authenticated>,
    body: Json<PasswordStrengthRequest>,
) -> Result<HttpResponse, ApiError> {
    let strength = roster_domain::auth::password_strength(
        &roster,
        &body.password,
        body.token.as_deref(),
        caller.as_ref().map(|c| &c.0),
    )
    .await?;
    Ok(HttpResponse::Ok().json(strength))
}

/// Forgot password: email a link to choose a new one.
///
/// Answers 202 whether or not the address belongs to anyone. Throttled per
/// address and per client.
#[utoipa::path(
    operation_id = "request_password_reset",
    tag = "auth",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "If the account exists, a link is on its way"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an email address", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset")]
pub async fn request_reset(
    roster: web::Data<Roster>,
    ctx: Anonymous,
    body: Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    roster_domain::mail::request_password_reset(&roster, &ctx.0, &body.email).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Send a fresh welcome link to an invited user; older links stop working.
#[utoipa::path(
    operation_id = "resend_invitation",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 202, description = "Queued", body = Email),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Learners cannot send invitations", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user, or not one you manage", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The user has already set a password (`already_active`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/invitation")]
pub async fn resend_invitation(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let email = roster_domain::mail::resend_invitation(&roster, &actor.0, *id).await?;
    Ok(HttpResponse::Accepted().json(email))
}

/// Send a password-reset link (valid one hour by default).
#[utoipa::path(
    operation_id = "send_password_reset",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 202, description = "Queued", body = Email),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Learners cannot send reset links", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user, or not one you manage", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account is suspended", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/password-reset")]
pub async fn send_reset(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let email = roster_domain::mail::send_password_reset(&roster, &actor.0, *id).await?;
    Ok(HttpResponse::Accepted().json(email))
}

/// The latest emails of a user and what became of them.
#[utoipa::path(
    operation_id = "list_user_emails",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Newest first", body = roster_types::Page<roster_types::Email>),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user, or not one you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}/emails")]
pub async fn emails(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<web::Json<EmailList>, ApiError> {
    Ok(web::Json(
        roster_domain::mail::user_emails(&roster, &actor.0, *id).await?,
    ))
}
