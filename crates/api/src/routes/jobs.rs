//! `/jobs`: background work, its progress and its outcome.

use actix_web::{HttpRequest, get, web};
use roster_domain::Roster;
use roster_types::{Job, JobList, JobListQuery, Problem};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiError;

/// Background jobs, newest first (admins).
#[utoipa::path(
    operation_id = "list_jobs",
    tag = "jobs",
    security(("bearer" = [])),
    params(JobListQuery),
    responses(
        (status = 200, description = "One page of jobs", body = roster_types::Page<roster_types::Job>),
        (status = 400, description = "A query parameter is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins list jobs", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/jobs")]
pub async fn list(
    roster: web::Data<Roster>,
    actor: Authenticated,
    req: HttpRequest,
) -> Result<web::Json<JobList>, ApiError> {
    let query: JobListQuery = super::list_query(&req)?;
    Ok(web::Json(
        roster_domain::jobs::list(&roster, &actor.0, &query).await?,
    ))
}

/// One job: status, progress, result, error (whoever started it, or an admin).
#[utoipa::path(
    operation_id = "get_job",
    tag = "jobs",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The job's id")),
    responses(
        (status = 200, description = "The job", body = Job),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such job, or not one you started", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/jobs/{id}")]
pub async fn get(
    roster: web::Data<Roster>,
    actor: Authenticated,
    id: web::Path<Uuid>,
) -> Result<web::Json<Job>, ApiError> {
    Ok(web::Json(
        roster_domain::jobs::get(&roster, &actor.0, *id).await?,
    ))
}
