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
    finish(doc)
}

/// What the route annotations cannot say: every problem response is declared
/// once under `components/responses` (one per status, with the `X-Request-Id`
/// header and, for 429 and 503, `Retry-After`) and each operation refers to
/// it, keeping its own description of when it answers so. Applied to the
/// document the server serves and to the committed one alike.
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{RefOr, schema::Ref};

    let mut used = std::collections::BTreeSet::new();
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            for (status, response) in &mut operation.responses.responses {
                let RefOr::T(inline) = response else { continue };
                let Some(name) = problem_name(status) else {
                    continue;
                };
                if !inline.content.contains_key(PROBLEM_JSON) {
                    continue;
                }
                let mut reference = Ref::new(format!("#/components/responses/{name}"));
                reference.description = std::mem::take(&mut inline.description);
                *response = RefOr::Ref(reference);
                used.insert((status.clone(), name));
            }
        }
    }
    let components = doc.components.get_or_insert_with(Default::default);
    for (status, name) in used {
        components
            .responses
            .insert(name.to_string(), RefOr::T(problem_response(&status)));
    }
    doc
}

const PROBLEM_JSON: &str = "application/problem+json";

/// The component name of the problem response for `status`.
fn problem_name(status: &str) -> Option<&'static str> {
    Some(match status {
        "400" => "BadRequest",
        "401" => "Unauthorized",
        "403" => "Forbidden",
        "404" => "NotFound",
        "409" => "Conflict",
        "410" => "Gone",
        "412" => "PreconditionFailed",
        "413" => "ContentTooLarge",
        "415" => "UnsupportedMediaType",
        "422" => "UnprocessableContent",
        "429" => "TooManyRequests",
        "500" => "InternalServerError",
        "503" => "ServiceUnavailable",
        _ => return None,
    })
}

fn problem_response(status: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::schema::{Object, Ref, Type};
    use utoipa::openapi::{ContentBuilder, HeaderBuilder, ResponseBuilder};

    let description = match status {
        "400" => "The request cannot be read or a parameter is invalid; `errors` names each.",
        "401" => "Not signed in: no valid access token, or a session that has ended.",
        "403" => {
            "The caller may not do this; `detail` says why. The refusal is on the audit trail."
        }
        "404" => "No such resource, or not one the caller may see.",
        "409" => "The request conflicts with the current state; `code` says how.",
        "410" => "The link was used or has expired.",
        "412" => "`If-Match` names an older version: read the resource again.",
        "413" => "The body is too large.",
        "415" => "The body is not `application/json`.",
        "422" => "The body is well-formed but invalid; `errors` names each field.",
        "429" => "Too many attempts; `Retry-After` says when to try again.",
        "503" => "Busy or unavailable; `Retry-After`, when present, says when to try again.",
        _ => "The server failed; quote `X-Request-Id` when reporting it.",
    };
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .header(
            "X-Request-Id",
            HeaderBuilder::new()
                .schema(Object::with_type(Type::String))
                .description(Some(
                    "The request's id, also in the server's log lines and the audit trail.",
                ))
                .build(),
        );
    if matches!(status, "429" | "503") {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Object::with_type(Type::Integer))
                .description(Some("Seconds to wait before trying again."))
                .build(),
        );
    }
    response.build()
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
