//! Sessions: your own (`/auth/sessions`) and a person's (`/users/{id}/sessions`).

use actix_web::{HttpResponse, delete, get, web};
use roster_domain::Roster;
use roster_types::{Problem, SessionList};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiError;

/// Your live sessions, most recently used first.
///
/// One per sign-in (a browser or a device); `current` marks the one of this
/// access token.
#[utoipa::path(
    operation_id = "list_my_sessions",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Your live sessions", body = roster_types::Page<roster_types::SessionInfo>),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/auth/sessions")]
pub async fn mine(
    roster: web::Data<Roster>,
    actor: Authenticated,
) -> Result<web::Json<SessionList>, ApiError> {
    Ok(web::Json(
        roster_domain::sessions::mine(&roster, &actor.0).await?,
    ))
}

/// End one of your sessions (sign another browser out, or this one).
///
/// Its access tokens stop working at once and it cannot be refreshed.
#[utoipa::path(
    operation_id = "end_my_session",
    tag = "auth",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path, description = "The session's id")),
    responses(
        (status = 204, description = "The session has ended"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such live session of yours", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/auth/sessions/{session_id}")]
pub async fn end_mine(
    roster: web::Data<Roster>,
    actor: Authenticated,
    session_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    roster_domain::sessions::end_mine(&roster, &actor.0, *session_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A person's live sessions (admins; managers for the people they look after).
#[utoipa::path(
    operation_id = "list_user_sessions",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "Their live sessions", body = roster_types::Page<roster_types::SessionInfo>),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Learners may not see other people's sessions; managers not those of admins or other managers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user, or not one you manage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}/sessions")]
pub async fn of_user(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<web::Json<SessionList>, ApiError> {
    Ok(web::Json(
        roster_domain::sessions::of_user(&roster, &actor.0, *id).await?,
    ))
}

/// Sign a person out everywhere: every session of theirs ends at once.
#[utoipa::path(
    operation_id = "end_user_sessions",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Every session has ended"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Learners may not end other people's sessions; managers not those of admins or other managers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user, or not one you manage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{id}/sessions")]
pub async fn end_all(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    roster_domain::sessions::end_all_of_user(&roster, &actor.0, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
