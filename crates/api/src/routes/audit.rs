//! `/audit-events`: the audit trail, as JSON pages and as a streamed CSV.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use roster_domain::Roster;
use roster_types::{AuditEvent, AuditEventList, AuditEventQuery, Problem};

use crate::auth::Authenticated;
use crate::error::ApiError;

/// The audit trail, newest first (admins).
///
/// Every change, sign-in and refusal is an event. `action` takes an exact
/// action (`user.created`) or a prefix ending in `.` (`user.`);
/// `target_user_id` finds the events about one person, their memberships
/// included.
#[utoipa::path(
    operation_id = "list_audit_events",
    tag = "audit",
    security(("bearer" = [])),
    params(AuditEventQuery),
    responses(
        (status = 200, description = "One page of events", body = roster_types::Page<roster_types::AuditEvent>),
        (status = 400, description = "A query parameter is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins read the audit trail", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-events")]
pub async fn list(
    roster: web::Data<Roster>,
    actor: Authenticated,
    req: HttpRequest,
) -> Result<web::Json<AuditEventList>, ApiError> {
    let query = super::list_query::<AuditEventQuery>(&req)?;
    Ok(web::Json(
        roster_domain::audit::list(&roster, &actor.0, &query).await?,
    ))
}

/// The CSV header, in the order of [`row`].
const COLUMNS: [&str; 15] = [
    "id",
    "occurred_at",
    "action",
    "outcome",
    "actor_id",
    "actor_name",
    "impersonator_id",
    "session_id",
    "target_type",
    "target_id",
    "target_name",
    "request_id",
    "ip",
    "user_agent",
    "details",
];

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR)
/// gets a leading `'` (OWASP's advice for CSV injection).
fn cell(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

fn row(e: &AuditEvent) -> [String; 15] {
    let opt = |v: &Option<String>| cell(v.as_deref().unwrap_or(""));
    let id = |v: Option<uuid::Uuid>| v.map(|v| v.to_string()).unwrap_or_default();
    [
        e.id.to_string(),
        e.occurred_at.to_rfc3339(),
        cell(&e.action),
        e.outcome.as_str().to_string(),
        id(e.actor_id),
        cell(&e.actor_name),
        id(e.impersonator_id),
        id(e.session_id),
        opt(&e.target_type),
        opt(&e.target_id),
        opt(&e.target_name),
        opt(&e.request_id),
        opt(&e.ip),
        opt(&e.user_agent),
        cell(&e.details.to_string()),
    ]
}

fn csv_bytes(records: &[[String; 15]], header: bool) -> Result<Bytes, ApiError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| {
        tracing::error!(error = %e, "cannot write audit CSV");
        ApiError::internal()
    };
    if header {
        out.write_record(COLUMNS).map_err(fail)?;
    }
    for r in records {
        out.write_record(r).map_err(fail)?;
    }
    out.into_inner()
        .map(Bytes::from)
        .map_err(|_| ApiError::internal())
}

/// The audit trail as CSV, with the same filters, streamed (admins).
///
/// Every matching event, newest first; cells that a spreadsheet would take for
/// a formula start with `'`.
#[utoipa::path(
    operation_id = "export_audit_events_csv",
    tag = "audit",
    security(("bearer" = [])),
    params(AuditEventQuery),
    responses(
        (status = 200, description = "The events as CSV", content_type = "text/csv", body = String),
        (status = 400, description = "A query parameter is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid access token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins read the audit trail", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-events.csv")]
pub async fn export_csv(
    roster: web::Data<Roster>,
    actor: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = super::list_query::<AuditEventQuery>(&req)?;
    let export = roster_domain::audit::export(&roster, &actor.0, &query).await?;
    let body = futures::stream::unfold(
        (export, true, false),
        |(mut export, first, done)| async move {
            if done {
                return None;
            }
            match export.next_batch().await {
                Ok(batch) if batch.is_empty() && !first => None,
                Ok(batch) => {
                    let records: Vec<_> = batch.iter().map(row).collect();
                    let chunk = csv_bytes(&records, first);
                    let end = batch.is_empty();
                    Some((chunk.map_err(actix_web::Error::from), (export, false, end)))
                }
                Err(e) => Some((
                    Err(actix_web::Error::from(ApiError::from(e))),
                    (export, false, true),
                )),
            }
        },
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"audit-events.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}
