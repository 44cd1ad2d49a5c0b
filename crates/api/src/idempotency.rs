//! `Idempotency-Key` on the API's POSTs: the first answer is kept for 24 hours
//! and replayed to a retry with the same key and body, which changes nothing;
//! the rules live in `roster_domain::idempotency`. Keys are scoped to the
//! caller (the `sub` of the access token), so two callers never meet.
//!
//! Sign-in and the other `/auth` POSTs are not covered: they create no
//! resource, and their callers have no principal yet.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::{Method, StatusCode, header};
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpMessage, HttpResponse};
use futures::StreamExt;
use futures::future::LocalBoxFuture;
use roster_domain::Roster;
use roster_domain::idempotency::{self, Begin, SavedResponse};

use crate::error::ApiError;

/// The header clients send.
pub const HEADER: &str = "idempotency-key";
/// Set on an answer that is a replay of the first one.
pub const REPLAYED: &str = "idempotency-replayed";
/// The largest request body looked at; larger ones are refused by the JSON
/// extractor anyway.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// Answer headers worth replaying.
const KEPT_HEADERS: [header::HeaderName; 3] =
    [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// The middleware.
#[derive(Debug, Clone, Copy, Default)]
pub struct Idempotency;

impl<S, B> Transform<S, ServiceRequest> for Idempotency
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = IdempotencyMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(IdempotencyMiddleware {
            service: Rc::new(service),
        }))
    }
}

pub struct IdempotencyMiddleware<S> {
    service: Rc<S>,
}

fn applies(req: &ServiceRequest) -> bool {
    req.method() == Method::POST
        && req.path().starts_with("/api/v1/")
        && !req.path().starts_with("/api/v1/auth/")
        && req.headers().contains_key(HEADER)
}

/// The caller's principal, from a valid access token (`None` lets the request
/// through to be refused by authentication).
fn principal(req: &ServiceRequest, roster: &Roster) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let claims =
        roster_domain::tokens::verify_access_token(&roster.auth, token.trim(), roster.now())
            .ok()?;
    Some(format!("user:{}", claims.sub))
}

/// Answers that a retry must get again: successes, and refusals of the request
/// itself (its body, its target), which no retry can change.
fn worth_keeping(status: StatusCode) -> bool {
    status.is_success()
        || matches!(
            status.as_u16(),
            400 | 404 | 405 | 409 | 410 | 412 | 413 | 415 | 422
        )
}

fn replay(saved: SavedResponse) -> HttpResponse {
    let mut res = HttpResponse::build(
        StatusCode::from_u16(saved.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    );
    for (name, value) in saved.headers {
        res.insert_header((name, value));
    }
    res.insert_header((REPLAYED, "true"));
    res.body(saved.body)
}

impl<S, B> Service<ServiceRequest> for IdempotencyMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        Box::pin(async move {
            let roster = req.app_data::<web::Data<Roster>>().cloned();
            let (Some(roster), true) = (roster, applies(&req)) else {
                return service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_boxed_body);
            };
            let Some(principal) = principal(&req, &roster) else {
                return service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_boxed_body);
            };
            let key = req
                .headers()
                .get(HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .trim()
                .to_string();
            if let Err(e) = idempotency::check_key(&key) {
                return Ok(req.error_response(ApiError::from(e)));
            }
            // The body is read here (to fingerprint it) and handed on as it was.
            let mut body = BytesMut::new();
            let mut payload = req.take_payload();
            while let Some(chunk) = payload.next().await {
                let chunk = match chunk {
                    Ok(chunk) => chunk,
                    // A body cut off or malformed on the wire: answered here,
                    // so the response carries the request id like any other.
                    Err(error) => return Ok(req.error_response(error)),
                };
                if body.len() + chunk.len() > MAX_BODY {
                    return Ok(req.error_response(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "body_too_large",
                        "The request body is too large.",
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            let body: Bytes = body.freeze();
            let target = match req.query_string() {
                "" => req.path().to_string(),
                q => format!("{}?{q}", req.path()),
            };
            let fingerprint = idempotency::fingerprint(req.method().as_str(), &target, &body);
            req.set_payload(Payload::from(body));
            match idempotency::begin(&roster, &principal, &key, &fingerprint).await {
                Err(e) => Ok(req.error_response(ApiError::from(e))),
                Ok(Begin::Replay(saved)) => {
                    let (http, _) = req.into_parts();
                    Ok(ServiceResponse::new(http, replay(saved)))
                }
                Ok(Begin::Proceed) => {
                    let res = match service.call(req).await {
                        Ok(res) => res,
                        Err(e) => {
                            let _ = idempotency::abandon(&roster, &principal, &key).await;
                            return Err(e);
                        }
                    };
                    if !worth_keeping(res.status()) {
                        // Our fault (5xx), or an answer that may differ on a
                        // retry (401 after a refresh, 403 after a promotion,
                        // 429 and 503 after a pause): the retry deserves a
                        // real attempt.
                        let _ = idempotency::abandon(&roster, &principal, &key).await;
                        return Ok(res.map_into_boxed_body());
                    }
                    let (http, res) = res.into_parts();
                    let status = res.status();
                    let headers: Vec<(String, String)> = KEPT_HEADERS
                        .iter()
                        .filter_map(|name| {
                            let value = res.headers().get(name)?.to_str().ok()?;
                            Some((name.as_str().to_string(), value.to_string()))
                        })
                        .collect();
                    let (mut head, body) = res.into_parts();
                    let bytes = match to_bytes(body).await {
                        Ok(bytes) => bytes,
                        Err(_) => {
                            let _ = idempotency::abandon(&roster, &principal, &key).await;
                            return Ok(ServiceResponse::new(
                                http,
                                actix_web::ResponseError::error_response(&ApiError::internal()),
                            ));
                        }
                    };
                    let saved = SavedResponse {
                        status: status.as_u16(),
                        headers,
                        body: String::from_utf8_lossy(&bytes).into_owned(),
                    };
                    if let Err(e) = idempotency::complete(&roster, &principal, &key, &saved).await {
                        tracing::warn!(error = %e, "cannot keep the answer of an idempotent request");
                    }
                    head.headers_mut().remove(header::CONTENT_LENGTH);
                    Ok(ServiceResponse::new(
                        http,
                        head.set_body(BoxBody::new(bytes)),
                    ))
                }
            }
        })
    }
}
