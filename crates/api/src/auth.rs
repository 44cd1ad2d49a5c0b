//! The `Authenticated` extractor: a bearer access token turned into the domain's
//! `Actor`, with the caller's roles read fresh from the database.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, http::header, web};
use roster_domain::{Actor, Roster};

use crate::error::ApiError;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Actor);

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
        Box::pin(async move {
            let roster = roster.ok_or_else(ApiError::internal)?;
            let token = token.ok_or_else(|| {
                ApiError::unauthenticated(
                    "Sign in first: send Authorization: Bearer <access token>.",
                )
            })?;
            let actor = roster_domain::auth::authenticate(&roster, &token).await?;
            Ok(Authenticated(actor))
        })
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
