//! `/users`: the Users table and profiles.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use roster_domain::Roster;
use roster_types::{CreateUserRequest, Problem, UpdateUserRequest, User, UserList, UserListQuery};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiError;

fn etag(user: &User) -> String {
    format!("\"v{}\"", user.version)
}

/// The version named by an `If-Match` header: `"v3"` (or weak `W/"v3"`).
/// `*` matches anything; a value naming no version never matches.
fn if_match_version(req: &HttpRequest) -> Option<i32> {
    let value = req
        .headers()
        .get(header::IF_MATCH)?
        .to_str()
        .unwrap_or("")
        .trim();
    if value == "*" {
        return None;
    }
    let tag = value.trim_start_matches("W/").trim_matches('"');
    Some(
        tag.strip_prefix('v')
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1),
    )
}

/// List users: search, filter, sort and page.
///
/// `q` matches a case-insensitive substring of the first name, last name, full
/// name or email. Admins see everyone; managers the members of the teams they
/// manage (totals included); learners may not list users.
#[utoipa::path(
    operation_id = "list_users",
    tag = "users",
    security(("bearer" = [])),
    params(UserListQuery),
    responses(
        (status = 200, description = "One page of users", body = roster_types::Page<roster_types::User>),
        (status = 400, description = "A query parameter is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Learners may not list users", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users")]
pub async fn list(
    roster: web::Data<Roster>,
    actor: Authenticated,
    req: HttpRequest,
) -> Result<web::Json<UserList>, ApiError> {
    let query: UserListQuery = super::list_query(&req)?;
    Ok(web::Json(
        roster_domain::users::list(&roster, &actor.0, &query).await?,
    ))
}

/// Create a user.
///
/// The user starts `invited`. The email is trimmed, lower-cased and must be
/// unique (409 otherwise).
#[utoipa::path(
    operation_id = "create_user",
    tag = "users",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body within 24 hours get the first answer again (with `Idempotency-Replayed: true`) and change nothing; the same key with another body is 422 `idempotency_key_reused`; a retry while the first is still running is 409 `idempotency_key_in_use`. Keys (1-255 visible ASCII characters) are per caller.")),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = User, headers(("Location" = String, description = "URL of the new user"), ("ETag" = String, description = "Version tag for If-Match"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Learners may not add users; managers add learners to their own teams only", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; `errors` names them", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create(
    roster: web::Data<Roster>,
    actor: Authenticated,
    body: crate::json::Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = roster_domain::users::create(&roster, &actor.0, &body).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", user.id)))
        .insert_header((header::ETAG, etag(&user)))
        .json(user))
}

/// Get a user.
#[utoipa::path(
    operation_id = "get_user",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = User, headers(("ETag" = String, description = "Version tag for If-Match"))),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to see this user", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}")]
pub async fn get(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user = roster_domain::users::get(&roster, &actor.0, *id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(&user)))
        .json(user))
}

/// Change a user.
///
/// Only the fields present change. Send `If-Match` with the `ETag` you read: if
/// the user changed since, the answer is 412 and nothing is overwritten.
#[utoipa::path(
    operation_id = "update_user",
    tag = "users",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The user's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag the change is based on"),
    ),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The changed user", body = User, headers(("ETag" = String, description = "The new version tag"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "You may not make this change (a learner changing more than their name; a manager changing an admin or another manager, or granting a role)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken, or you would remove your own admin role", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The user changed since the ETag was read", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
    req: HttpRequest,
    body: crate::json::Json<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let user =
        roster_domain::users::update(&roster, &actor.0, *id, &body, if_match_version(&req)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(&user)))
        .json(user))
}

/// Delete a user.
#[utoipa::path(
    operation_id = "delete_user",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins delete users", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "You cannot delete yourself", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{id}")]
pub async fn delete(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    roster_domain::users::delete(&roster, &actor.0, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Suspend a user: they cannot sign in, and their sessions end at once.
#[utoipa::path(
    operation_id = "suspend_user",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The suspended user", body = User),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins suspend users", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "You cannot suspend yourself", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/suspend")]
pub async fn suspend(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user = roster_domain::users::suspend(&roster, &actor.0, *id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(&user)))
        .json(user))
}

/// Reactivate a suspended user (back to active, or invited if they never set a
/// password).
#[utoipa::path(
    operation_id = "reactivate_user",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The reactivated user", body = User),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins reactivate users", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "You cannot reactivate yourself", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/reactivate")]
pub async fn reactivate(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user = roster_domain::users::reactivate(&roster, &actor.0, *id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(&user)))
        .json(user))
}
