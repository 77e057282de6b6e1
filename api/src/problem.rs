//! `application/problem+json` (RFC 9457) for every error a client can receive.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use earshot_core::{Error, FieldError};
use serde::Serialize;

use crate::middleware::request_id;

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem kind: `urn:earshot:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened, for a person.
    pub detail: String,
    /// The stable code clients act on.
    pub code: String,
    /// The request id, as in the `x-request-id` header.
    pub request_id: Option<String>,
    /// Field errors, for `validation_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// What `Retry-After` tells a client when a dependency cannot be reached.
pub const RETRY_UNAVAILABLE_SECS: u64 = 2;

/// A core error on its way to becoming an HTTP response.
#[derive(Debug)]
pub struct ApiError(pub Error);

/// What handlers return.
pub type ApiResult<T> = Result<T, ApiError>;

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        ApiError(err)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ApiError {
    /// A 400 with a code, for malformed requests caught at the edge.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError(Error::bad_request(code, message))
    }
}

/// The HTTP status of each core error.
pub fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::NotFound => StatusCode::NOT_FOUND,
        Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::BadRequest { code, .. } => match *code {
            "payload_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
            "unsupported_media_type" => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "method_not_allowed" => StatusCode::METHOD_NOT_ALLOWED,
            "invalid_body" => StatusCode::UNPROCESSABLE_ENTITY,
            "headers_too_large" => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        },
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) | Error::PeopleOnly(_) => StatusCode::FORBIDDEN,
        Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The problem document of a core error; server errors say nothing of their cause.
pub fn problem_of(err: &Error) -> Problem {
    let status = status_of(err);
    let detail = if status.is_server_error() && !matches!(err, Error::Unavailable(_)) {
        "the server could not complete the request; it has been logged".to_owned()
    } else {
        err.to_string()
    };
    Problem {
        kind: format!("urn:earshot:problem:{}", err.code()),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        code: err.code().to_owned(),
        request_id: request_id::current(),
        errors: match err {
            Error::Validation(fields) => Some(fields.clone()),
            _ => None,
        },
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status_of(&self.0)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = ?self.0, code = self.0.code(), "request failed");
        } else {
            tracing::debug!(error = %self.0, code = self.0.code(), "request refused");
        }
        tracing::Span::current().record("code", self.0.code());
        let mut response = HttpResponse::build(status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        match &self.0 {
            Error::RateLimited { retry_after } => {
                response.insert_header((
                    header::RETRY_AFTER,
                    retry_after.as_secs().max(1).to_string(),
                ));
            }
            Error::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, RETRY_UNAVAILABLE_SECS.to_string()));
            }
            Error::Unauthenticated { .. } => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&problem_of(&self.0)).unwrap_or_default())
    }
}
