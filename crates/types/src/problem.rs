//! RFC 9457 problem details: the body of every error response.

use serde::{Deserialize, Serialize};

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The request field (or query parameter) that is wrong, in snake_case.
    #[cfg_attr(feature = "openapi", schema(example = "email"))]
    pub field: String,
    /// What is wrong with it, written for the person who filled the form.
    #[cfg_attr(feature = "openapi", schema(example = "Enter a valid email address."))]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An error response (`application/problem+json`, RFC 9457).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    #[cfg_attr(
        feature = "openapi",
        schema(example = "urn:problem:roster:validation_failed")
    )]
    pub kind: String,
    /// A short summary of the kind of problem.
    #[cfg_attr(feature = "openapi", schema(example = "Invalid request"))]
    pub title: String,
    /// The HTTP status code.
    #[cfg_attr(feature = "openapi", schema(example = 422))]
    pub status: u16,
    /// What went wrong in this occurrence, readable by people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(example = "The request has 1 invalid field.")
    )]
    pub detail: Option<String>,
    /// A stable snake_case code that programs can branch on.
    #[cfg_attr(feature = "openapi", schema(example = "validation_failed"))]
    pub code: String,
    /// Field-level errors (validation problems only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The media type of problem responses.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

impl Problem {
    /// The message of the first error on `field`, if any.
    pub fn field_error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// The best sentence to show a person: the detail, else the title.
    pub fn message(&self) -> &str {
        self.detail.as_deref().unwrap_or(&self.title)
    }
}
