//! The JSON body extractor of the API: like `actix_web::web::Json`, but a body of
//! the wrong shape is answered with the path of the offending field
//! (`teams[0].role`), so a form can show the message next to it.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::mime;
use actix_web::{FromRequest, HttpRequest, web};
use roster_types::FieldError;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest JSON body accepted, in bytes (set from the config at start-up).
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
}

fn malformed_json() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "malformed_json",
        "The request body is not valid JSON.",
    )
}

/// Turns a deserialization failure into a problem: broken JSON is 400; JSON of
/// the wrong shape is 422 naming the field.
fn shape_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    if !inner.is_data() {
        return malformed_json();
    }
    let message = inner.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message);
    // A missing field is reported on its parent; name the field itself.
    let field = match (message.strip_prefix("missing field `"), path.as_str()) {
        (Some(rest), ".") => rest.trim_end_matches('`').to_string(),
        (Some(rest), parent) => format!("{parent}.{}", rest.trim_end_matches('`')),
        (None, ".") => "body".to_string(),
        (None, p) => p.to_string(),
    };
    let mut sentence = message.to_string();
    if let Some(first) = sentence.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    ApiError::validation(vec![FieldError::new(field, sentence + ".")])
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<JsonLimit>().map_or(256 * 1024, |l| l.0);
        let json = is_json(req);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "Send the body as JSON with Content-Type: application/json.",
                ));
            }
            let too_large = || {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("The request body is larger than {limit} bytes."),
                )
            };
            if declared.is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            let bytes = body.await.map_err(|_| {
                if declared.is_some() {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        "The request body could not be read.",
                    )
                } else {
                    too_large()
                }
            })?;
            if bytes.len() > limit {
                return Err(too_large());
            }
            let mut de = serde_json::Deserializer::from_slice(&bytes);
            let value = serde_path_to_error::deserialize(&mut de).map_err(shape_error)?;
            // Anything after the value (`{...}xyz`) makes the body malformed.
            de.end().map_err(|_| malformed_json())?;
            Ok(Json(value))
        })
    }
}
