//! Errors produced by the framework itself (unknown routes, wrong methods, oversized or
//! malformed bodies) become problem documents too, so no text error reaches a client.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use earshot_core::Error;

use crate::middleware::input_limits;
use crate::problem::ApiError;

/// Replaces any error response that is not already a problem document.
pub async fn problem_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    // Middleware inside this one answers with responses, not errors: a clone of the
    // request held across the call would break routing.
    let response = next.call(req).await?;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if status.as_u16() < 400 || is_problem {
        return Ok(response.map_body(|_, body| EitherBody::left(body.boxed())));
    }
    let error = ApiError(error_for_status(status));
    let (req, _) = response.into_parts();
    let replaced = error.error_response();
    Ok(ServiceResponse::new(req, replaced).map_into_right_body())
}

fn error_for_status(status: StatusCode) -> Error {
    match status {
        StatusCode::NOT_FOUND => Error::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => Error::bad_request(
            "method_not_allowed",
            "this route does not accept that method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            Error::bad_request("payload_too_large", "the request body is too large")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Error::bad_request(
            "unsupported_media_type",
            "send the body as application/json",
        ),
        s if s.is_server_error() => {
            Error::Internal(anyhow::anyhow!("framework error with status {s}"))
        }
        _ => Error::bad_request("bad_request", "the request could not be understood"),
    }
}

/// The answer to an unknown route.
pub async fn not_found() -> HttpResponse {
    ApiError(Error::NotFound).error_response()
}

/// The answer to a known route called with a method it does not take.
pub async fn method_not_allowed() -> HttpResponse {
    ApiError(Error::bad_request(
        "method_not_allowed",
        "this route does not accept that method",
    ))
    .error_response()
}

/// JSON bodies that cannot be read: too large, not JSON, or not the expected shape.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let error = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            Error::bad_request("payload_too_large", "the request body is too large")
        }
        JsonPayloadError::ContentType => Error::bad_request(
            "unsupported_media_type",
            "send the body as application/json",
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => Error::bad_request(
            "invalid_body",
            format!("the body does not have the expected shape: {e}"),
        ),
        JsonPayloadError::Deserialize(e) => {
            Error::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
        }
        JsonPayloadError::Payload(e) if input_limits::is_too_deep(e) => {
            return InputError(input_limits::payload_problem(e)).into();
        }
        other => Error::bad_request(
            "malformed_json",
            format!("the body could not be read: {other}"),
        ),
    };
    InputError(ApiError(error)).into()
}

/// Query strings with unknown fields or values of the wrong type.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    InputError(ApiError(Error::bad_request(
        "invalid_query",
        format!("the query string is not valid: {err}"),
    )))
    .into()
}

/// Path segments that are not ids cannot name anything that exists.
pub fn path_error(_err: PathError, _req: &HttpRequest) -> actix_web::Error {
    InputError(ApiError(Error::NotFound)).into()
}

/// A request's input refused before its handler ran; answered as the error it holds, once
/// the caller's access has been checked (see `access_first`).
#[derive(Debug)]
pub struct InputError(pub ApiError);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for InputError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.0.error_response()
    }
}
