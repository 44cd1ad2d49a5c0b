//! From an HTTP request to the domain's [`Context`]: the request id, the client's
//! address and user agent, and (for [`Authenticated`]) the bearer access token
//! turned into a principal with its session.

use std::future::{Future, Ready, ready};
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, http::header, web};
use roster_domain::{Context, RequestInfo, Roster};

use crate::error::ApiError;
use crate::routes::HttpSettings;

/// The request's id, put in its extensions by the request-id middleware.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The longest `X-Request-Id` taken from a client.
const MAX_REQUEST_ID: usize = 64;

/// The client's `X-Request-Id` when it is 1-64 characters of `[A-Za-z0-9._-]`,
/// else a fresh one.
pub fn request_id_for(incoming: Option<&str>) -> String {
    incoming
        .filter(|id| {
            (1..=MAX_REQUEST_ID).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string())
}

/// Where the request came from, for the domain.
pub fn request_info(req: &HttpRequest) -> RequestInfo {
    let trust = req
        .app_data::<web::Data<HttpSettings>>()
        .is_some_and(|s| s.trust_proxy_headers);
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    RequestInfo::new(request_id, client_ip(req, trust), user_agent)
}

/// The authenticated caller of a request, as the domain's context.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Context);

/// The context of a request made without signing in (sign-in itself, emailed
/// links, forgot password).
#[derive(Debug, Clone)]
pub struct Anonymous(pub Context);

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let roster = req.app_data::<web::Data<Roster>>().cloned();
        let token = bearer(req);
        let request = request_info(req);
        Box::pin(async move {
            let roster = roster.ok_or_else(ApiError::internal)?;
            let token = token.ok_or_else(|| {
                ApiError::unauthenticated(
                    "Sign in first: send Authorization: Bearer <access token>.",
                )
            })?;
            let ctx = roster_domain::auth::authenticate(&roster, &token, request).await?;
            Ok(Authenticated(ctx))
        })
    }
}

impl FromRequest for Anonymous {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Anonymous(Context::anonymous(request_info(req)))))
    }
}

/// The client's address, for throttling: the peer, or, when configured to trust
/// a proxy, the address that proxy appended to `X-Forwarded-For` (the last one:
/// anything before it came from the client and may be forged).
pub fn client_ip(req: &HttpRequest, trust_proxy_headers: bool) -> Option<String> {
    if trust_proxy_headers {
        let last_hop = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .last()
            .and_then(|hop| {
                let hop = hop.trim();
                // A bare address, or one with a port ("203.0.113.9:4711",
                // "[2001:db8::1]:4711").
                hop.parse::<std::net::IpAddr>()
                    .or_else(|_| hop.parse::<std::net::SocketAddr>().map(|a| a.ip()))
                    .ok()
            });
        if let Some(ip) = last_hop {
            return Some(ip.to_string());
        }
    }
    req.peer_addr().map(|a| a.ip().to_string())
}

/// Refuses a request that a browser made on behalf of another site: the
/// endpoints authenticated by the refresh cookie (refresh, sign-out) must only
/// be reached from Roster's own pages. `Sec-Fetch-Site: cross-site` says so
/// outright; otherwise an `Origin` must be this site's (the public URL, or the
/// host the request was sent to).
pub async fn refuse_cross_site(
    roster: &Roster,
    ctx: &Context,
    req: &HttpRequest,
    settings: &HttpSettings,
    action: &'static str,
) -> Result<(), ApiError> {
    if is_cross_site(req, settings) {
        // A refusal, so it is on the trail like every other.
        if let Err(error) =
            roster_domain::audit::record_refusal(roster, ctx, action, "cross-site request").await
        {
            tracing::error!(error = %error, "cannot record a refusal");
        }
        return Err(ApiError::new(
            actix_web::http::StatusCode::FORBIDDEN,
            "cross_site_request",
            "This request came from another site and was refused.",
        ));
    }
    Ok(())
}

fn is_cross_site(req: &HttpRequest, settings: &HttpSettings) -> bool {
    if req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
    {
        return true;
    }
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return false;
    };
    let Ok(origin) = origin.to_str().map(|o| o.trim_end_matches('/')) else {
        return true;
    };
    if settings
        .public_origin
        .as_deref()
        .is_some_and(|own| own.eq_ignore_ascii_case(origin))
    {
        return false;
    }
    // The host the browser sent the request to (forwarding headers are not
    // consulted: a page of another site cannot set them without a preflight).
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    host.is_empty() || !origin_host.eq_ignore_ascii_case(host)
}
