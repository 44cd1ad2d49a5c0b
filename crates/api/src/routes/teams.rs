//! `/teams`: teams and their members.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use roster_domain::Roster;
use roster_types::{
    AddTeamMemberRequest, CreateTeamRequest, Problem, Team, TeamList, TeamListQuery, TeamMember,
    TeamMemberList, UpdateTeamRequest,
};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiError;

/// List teams: search by name, sort, page.
///
/// Admins see every team; managers see the teams they manage.
#[utoipa::path(
    operation_id = "list_teams",
    tag = "teams",
    security(("bearer" = [])),
    params(TeamListQuery),
    responses(
        (status = 200, description = "One page of teams, with member counts", body = roster_types::Page<roster_types::Team>),
        (status = 400, description = "A query parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Learners have no teams to manage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/teams")]
pub async fn list(
    roster: web::Data<Roster>,
    actor: Authenticated,
    req: HttpRequest,
) -> Result<web::Json<TeamList>, ApiError> {
    let query: TeamListQuery = super::list_query(&req)?;
    Ok(web::Json(
        roster_domain::teams::list(&roster, &actor.0, &query).await?,
    ))
}

/// Create a team (admins).
#[utoipa::path(
    operation_id = "create_team",
    tag = "teams",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body within 24 hours get the first answer again (with `Idempotency-Replayed: true`) and change nothing; the same key with another body is 422 `idempotency_key_reused`; a retry while the first is still running is 409 `idempotency_key_in_use`. Keys (1-255 visible ASCII characters) are per caller.")),
    request_body = CreateTeamRequest,
    responses(
        (status = 201, description = "Created", body = Team, headers(("Location" = String, description = "URL of the new team"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins create, change or delete teams", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/teams")]
pub async fn create(
    roster: web::Data<Roster>,
    actor: Authenticated,
    body: crate::json::Json<CreateTeamRequest>,
) -> Result<HttpResponse, ApiError> {
    let team = roster_domain::teams::create(&roster, &actor.0, &body).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/teams/{}", team.id)))
        .json(team))
}

/// Get a team.
#[utoipa::path(
    operation_id = "get_team",
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The team's id")),
    responses(
        (status = 200, description = "The team", body = Team),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Learners have no teams to manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team, or not one you manage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/teams/{id}")]
pub async fn get(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<web::Json<Team>, ApiError> {
    Ok(web::Json(
        roster_domain::teams::get(&roster, &actor.0, *id).await?,
    ))
}

/// Rename or describe a team (admins).
#[utoipa::path(
    operation_id = "update_team",
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The team's id")),
    request_body = UpdateTeamRequest,
    responses(
        (status = 200, description = "The changed team", body = Team),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins create, change or delete teams", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/teams/{id}")]
pub async fn update(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
    body: crate::json::Json<UpdateTeamRequest>,
) -> Result<web::Json<Team>, ApiError> {
    Ok(web::Json(
        roster_domain::teams::update(&roster, &actor.0, *id, &body).await?,
    ))
}

/// Delete a team (admins). Its memberships go; the people stay.
#[utoipa::path(
    operation_id = "delete_team",
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The team's id")),
    responses(
        (status = 204, description = "Deleted, with its memberships"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins create, change or delete teams", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/teams/{id}")]
pub async fn delete(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    roster_domain::teams::delete(&roster, &actor.0, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The members of a team, managers first.
#[utoipa::path(
    operation_id = "list_team_members",
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The team's id")),
    responses(
        (status = 200, description = "The members", body = roster_types::Page<roster_types::TeamMember>),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Learners have no teams to manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team, or not one you manage", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/teams/{id}/members")]
pub async fn members(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<web::Json<TeamMemberList>, ApiError> {
    Ok(web::Json(
        roster_domain::teams::members(&roster, &actor.0, *id).await?,
    ))
}

/// Add someone to a team. Managers may add people they already manage, as members.
#[utoipa::path(
    operation_id = "add_team_member",
    tag = "teams",
    security(("bearer" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body within 24 hours get the first answer again (with `Idempotency-Replayed: true`) and change nothing; the same key with another body is 422 `idempotency_key_reused`; a retry while the first is still running is 409 `idempotency_key_in_use`. Keys (1-255 visible ASCII characters) are per caller."),
        ("id" = Uuid, Path, description = "The team's id")),
    request_body = AddTeamMemberRequest,
    responses(
        (status = 201, description = "Added", body = TeamMember),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not allowed to add this person or role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team or user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a member", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (e.g. an unknown role)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/teams/{id}/members")]
pub async fn add_member(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
    body: crate::json::Json<AddTeamMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let member =
        roster_domain::teams::add_member(&roster, &actor.0, *id, body.user_id, body.role).await?;
    Ok(HttpResponse::Created().json(member))
}
