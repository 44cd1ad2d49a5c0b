//! Answers for requests under `/api` that match no route: 405 with `Allow` when
//! the path exists with other methods, else 404; both as problem details.

use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, web};

use crate::error::ApiError;

/// The documented paths and their methods, as matchable templates.
#[derive(Debug, Clone)]
pub struct KnownRoutes(Vec<(Vec<String>, Vec<String>)>);

impl KnownRoutes {
    pub fn from_document(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(str::to_owned)
                    .collect();
                let methods = serde_json::to_value(item)
                    .ok()
                    .and_then(|v| v.as_object().cloned())
                    .map(|o| {
                        o.keys()
                            .filter(|k| {
                                [
                                    "get", "put", "post", "delete", "options", "head", "patch",
                                    "trace",
                                ]
                                .contains(&k.as_str())
                            })
                            .map(|k| k.to_uppercase())
                            .collect()
                    })
                    .unwrap_or_default();
                (segments, methods)
            })
            .collect();
        Self(routes)
    }

    /// The methods allowed on `path`, if any documented path matches it.
    fn allowed(&self, path: &str) -> Option<&[String]> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.0.iter().find_map(|(template, methods)| {
            let matches = template.len() == parts.len()
                && template
                    .iter()
                    .zip(&parts)
                    .all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p);
            matches.then_some(methods.as_slice())
        })
    }
}

pub async fn api_fallback(
    req: HttpRequest,
    known: web::Data<KnownRoutes>,
) -> actix_web::HttpResponse {
    let error = match known.allowed(req.path()) {
        Some(methods) if !methods.iter().any(|m| m == req.method().as_str()) => {
            let allow = methods.join(", ");
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{} is not allowed here; use {allow}.", req.method()),
            )
            .with_header(header::ALLOW, allow)
        }
        _ if req.method() == Method::OPTIONS => ApiError::not_found("No such API endpoint."),
        _ => ApiError::not_found(format!("No API endpoint at {}.", req.path())),
    };
    actix_web::ResponseError::error_response(&error)
}
