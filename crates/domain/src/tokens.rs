//! Access tokens (JWT, HS256 pinned) and opaque random tokens, of which only a
//! SHA-256 is ever stored.

use base64::Engine;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{AuthSettings, Error, Result};

/// The `act` claim of RFC 8693: who is acting on the subject's behalf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActClaim {
    pub sub: String,
}

/// Claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// The session the token belongs to: when it ends, the token stops working.
    pub sid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<ActClaim>,
}

/// Signs an access token for `user_id` in session `session_id`, valid for the
/// configured TTL from `now`.
pub fn issue_access_token(
    settings: &AuthSettings,
    user_id: Uuid,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<String> {
    let claims = AccessClaims {
        sub: user_id.to_string(),
        iss: settings.issuer.clone(),
        aud: settings.audience.clone(),
        iat: now.timestamp(),
        exp: now.timestamp() + settings.access_ttl.as_secs() as i64,
        jti: Uuid::now_v7().to_string(),
        sid: session_id.to_string(),
        act: None,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&settings.jwt_secret),
    )
    .map_err(Error::internal)
}

/// Checks signature, algorithm, `exp`, `iss` and `aud` of an access token.
pub fn verify_access_token(
    settings: &AuthSettings,
    token: &str,
    now: DateTime<Utc>,
) -> Result<AccessClaims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    // `sid` is required by the claims type itself: a token without one fails to decode.
    // `exp` is checked below against the injected clock instead.
    validation.validate_exp = false;
    let data = jsonwebtoken::decode::<AccessClaims>(
        token,
        &DecodingKey::from_secret(&settings.jwt_secret),
        &validation,
    )
    .map_err(|_| Error::Unauthenticated("the access token is invalid"))?;
    if data.claims.exp <= now.timestamp() {
        return Err(Error::Unauthenticated("the access token has expired"));
    }
    Ok(data.claims)
}

/// 32 random bytes, URL-safe base64 without padding.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The refresh token that replaces `token` when it is swapped: derived from it
/// with a key only the server has, so a second presentation within the grace
/// period is answered with the very same successor, never a second live
/// branch of the session.
pub fn successor_token(settings: &AuthSettings, token: &str) -> String {
    use hmac::{Hmac, Mac};
    // HMAC accepts a key of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&settings.jwt_secret)
        .expect("HMAC takes keys of any length");
    mac.update(b"roster refresh successor\0");
    mac.update(token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Hex SHA-256 of a token, the only form in which tokens are stored.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
