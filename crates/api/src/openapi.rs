//! The OpenAPI document, assembled by utoipa-actix-web from the very services the
//! server mounts, so a route cannot be served without being documented.

use actix_web::dev::{ServiceFactory, ServiceRequest};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{AppExt, UtoipaApp, scope};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roster API",
        description = "The user back office of a B2B learning dashboard on Thinkific.\n\n\
            All bodies are JSON in snake_case. Errors are RFC 9457 problem details \
            (`application/problem+json`) with a stable `code` and, for invalid input, \
            `errors: [{field, message}]`. Lists answer `{items, page: {page, per_page, total}}`.\n\n\
            Authenticate with `Authorization: Bearer <access token>` from `POST /api/v1/auth/login`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    components(schemas(roster_types::UserSort, roster_types::TeamSort)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign in, refresh, sign out, who am I"),
        (name = "users", description = "The people of the school"),
        (name = "teams", description = "Teams and who belongs to them"),
        (name = "audit", description = "The audit trail: every change, sign-in and refusal"),
        (name = "jobs", description = "Background work: status, progress, result"),
        (name = "health", description = "Probes for load balancers"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".into());
        http.description =
            Some("An access token from `POST /api/v1/auth/login` or `/auth/refresh`.".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

/// Mounts every documented service on `app`: the probes and `/api/v1`.
pub fn mount<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(ApiDoc::openapi())
        .service(routes::health::healthz)
        .service(routes::health::readyz)
        .service(
            scope::scope("/api/v1")
                .configure(routes::configure)
                .default_service(actix_web::web::to(crate::fallback::api_fallback)),
        )
}

/// The OpenAPI document of this build.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, doc) = mount(actix_web::App::new().into_utoipa_app()).split_for_parts();
    doc
}

/// The document as committed in `openapi/openapi.json`: pretty JSON, newline at
/// the end.
pub fn document_json() -> String {
    let mut json = document()
        .to_pretty_json()
        // Serializing a document built from static types cannot fail.
        .expect("the OpenAPI document serializes");
    json.push('\n');
    json
}
