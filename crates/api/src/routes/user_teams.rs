//! `/users/{id}/teams`: one person's teams.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use roster_domain::Roster;
use roster_types::{Problem, TeamAssignment, UpdateTeamMembershipRequest, UserTeam, UserTeamList};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiError;

/// The teams a user belongs to, with their role in each.
#[utoipa::path(
    operation_id = "list_user_teams",
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user's teams", body = roster_types::Page<roster_types::UserTeam>),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Learners may only see their own teams", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user, or not one you manage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{id}/teams")]
pub async fn list(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserTeamList>, ApiError> {
    Ok(web::Json(
        roster_domain::teams::user_teams(&roster, &actor.0, *id).await?,
    ))
}

/// Add a user to a team with a role.
#[utoipa::path(
    operation_id = "add_user_to_team",
    tag = "teams",
    security(("bearer" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body within 24 hours get the first answer again (with `Idempotency-Replayed: true`) and change nothing; the same key with another body is 422 `idempotency_key_reused`; a retry while the first is still running is 409 `idempotency_key_in_use`. Keys (1-255 visible ASCII characters) are per caller."),
        ("id" = Uuid, Path, description = "The user's id")),
    request_body = TeamAssignment,
    responses(
        (status = 201, description = "Added", body = UserTeam),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to add this person or role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user or team", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a member", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (e.g. an unknown role)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/teams")]
pub async fn add(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
    body: crate::json::Json<TeamAssignment>,
) -> Result<HttpResponse, ApiError> {
    let membership =
        roster_domain::teams::add_to_team(&roster, &actor.0, *id, body.team_id, body.role).await?;
    Ok(HttpResponse::Created().json(membership))
}

/// Change a user's role in a team.
#[utoipa::path(
    operation_id = "change_team_role",
    tag = "teams",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The user's id"),
        ("team_id" = Uuid, Path, description = "The team's id"),
    ),
    request_body = UpdateTeamMembershipRequest,
    responses(
        (status = 200, description = "The changed membership", body = UserTeam),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to change this membership", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a member, or no such user or team", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (e.g. an unknown role)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}/teams/{team_id}")]
pub async fn change_role(
    roster: web::Data<Roster>,
    actor: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    body: crate::json::Json<UpdateTeamMembershipRequest>,
) -> Result<web::Json<UserTeam>, ApiError> {
    let (user_id, team_id) = *path;
    Ok(web::Json(
        roster_domain::teams::change_role(&roster, &actor.0, user_id, team_id, body.role).await?,
    ))
}

/// Remove a user from a team.
#[utoipa::path(
    operation_id = "remove_user_from_team",
    tag = "teams",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The user's id"),
        ("team_id" = Uuid, Path, description = "The team's id"),
    ),
    responses(
        (status = 204, description = "Removed from the team"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to change this membership", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a member, or no such user or team", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/users/{id}/teams/{team_id}")]
pub async fn remove(
    roster: web::Data<Roster>,
    actor: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (user_id, team_id) = *path;
    roster_domain::teams::leave(&roster, &actor.0, user_id, team_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
