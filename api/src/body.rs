//! Request bodies, read strictly: JSON only, within the size limit, and through
//! `earshot_core::input`, so every unknown field is refused and named (`422`) and no text
//! carries a NUL or control character (`400`).

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use earshot_core::Error;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::middleware::edge_errors::InputError;
use crate::middleware::input_limits;
use crate::problem::ApiError;

/// A JSON request body of type `T`.
pub struct Body<T>(pub T);

/// A JSON request body that may be left out altogether (an empty body reads as `None`).
pub struct OptionalBody<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = read(req, payload);
        Box::pin(async move {
            let bytes = bytes.await?;
            Ok(Body(parse(&bytes)?))
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for OptionalBody<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let empty = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0")
            || !req.headers().contains_key(header::CONTENT_TYPE);
        let bytes = read(req, payload);
        Box::pin(async move {
            if empty {
                // Drain what was sent, so the connection stays usable.
                let _ = bytes.await;
                return Ok(OptionalBody(None));
            }
            let bytes = bytes.await?;
            if bytes.is_empty() {
                return Ok(OptionalBody(None));
            }
            Ok(OptionalBody(Some(parse(&bytes)?)))
        })
    }
}

/// The body's bytes, after its content type is checked.
fn read(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, Result<Bytes, actix_web::Error>> {
    let is_json = is_json(req);
    let bytes = Bytes::from_request(req, payload);
    Box::pin(async move {
        let result = bytes.await;
        if !is_json {
            return Err(refused(Error::bad_request(
                "unsupported_media_type",
                "send the body as application/json",
            )));
        }
        result.map_err(|err| match err.as_error::<PayloadError>() {
            Some(payload) => InputError(payload_problem(payload)).into(),
            None => refused(Error::bad_request(
                "malformed_body",
                "the body could not be read",
            )),
        })
    })
}

fn payload_problem(err: &PayloadError) -> ApiError {
    match err {
        PayloadError::Overflow => {
            ApiError::bad_request("payload_too_large", "the request body is too large")
        }
        other => input_limits::payload_problem(other),
    }
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, actix_web::Error> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        refused(Error::bad_request(
            "malformed_json",
            format!("the body is not valid JSON: {e}"),
        ))
    })?;
    // Every body is an object; serde would also read a struct from an array of its values.
    if !value.is_object() {
        return Err(refused(Error::invalid(
            "",
            "invalid_type",
            "the body must be a JSON object",
        )));
    }
    earshot_core::input::from_value(value).map_err(refused)
}

fn refused(err: Error) -> actix_web::Error {
    InputError(ApiError(err)).into()
}

/// `application/json` or any `+json` type.
pub fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || v.ends_with("+json"))
}
