//! Limits on what a request may carry before any handler sees it: the total size of its
//! headers (`431`) and the nesting depth of a JSON body (`400 json_too_deep`).
//!
//! actix itself refuses request heads over 128 KiB with a bare 431 before this code runs;
//! this lower limit answers with a problem document instead.

use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use futures_util::StreamExt;

use crate::problem::ApiError;

/// Largest total of header names and values a request may send.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Deepest nesting of arrays and objects accepted in a JSON body.
pub const MAX_JSON_DEPTH: u32 = 64;

/// The error a guarded JSON body stream yields when it nests too deep.
#[derive(Debug, thiserror::Error)]
#[error("the JSON body nests deeper than {MAX_JSON_DEPTH} levels")]
pub struct JsonTooDeep;

/// The middleware function.
pub async fn limit_input(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if header_bytes(&req) > MAX_HEADER_BYTES {
        let error = ApiError::bad_request(
            "headers_too_large",
            format!("the request headers exceed {MAX_HEADER_BYTES} bytes"),
        );
        return Ok(req.error_response(error).map_into_right_body());
    }
    if is_json(&req) {
        let guarded = guard_depth(req.take_payload());
        req.set_payload(actix_http::Payload::from(guarded));
    }
    Ok(next.call(req).await?.map_into_left_body())
}

fn header_bytes(req: &ServiceRequest) -> usize {
    req.headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum()
}

fn is_json(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || v.ends_with("+json"))
}

fn guard_depth(payload: actix_web::dev::Payload) -> actix_http::BoxedPayloadStream {
    let mut scanner = DepthScanner::default();
    Box::pin(payload.map(move |chunk| {
        let chunk: Bytes = chunk?;
        if scanner.feed(&chunk) {
            Ok(chunk)
        } else {
            Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                JsonTooDeep,
            )))
        }
    }))
}

/// Whether a body read failed because the JSON nested too deep.
pub fn is_too_deep(err: &PayloadError) -> bool {
    match err {
        PayloadError::Io(io) => io.get_ref().is_some_and(|e| e.is::<JsonTooDeep>()),
        _ => false,
    }
}

/// The problem for a body that could not be read.
pub fn payload_problem(err: &PayloadError) -> ApiError {
    if is_too_deep(err) {
        ApiError::bad_request("json_too_deep", JsonTooDeep.to_string())
    } else {
        ApiError::bad_request(
            "malformed_body",
            format!("the body could not be read: {err}"),
        )
    }
}

/// Tracks the nesting depth of JSON text across chunks, without parsing it.
#[derive(Debug, Default)]
struct DepthScanner {
    depth: u32,
    in_string: bool,
    escaped: bool,
}

impl DepthScanner {
    /// Feeds the next bytes; `false` once the depth limit is passed.
    fn feed(&mut self, bytes: &[u8]) -> bool {
        for &b in bytes {
            if self.in_string {
                match (self.escaped, b) {
                    (true, _) => self.escaped = false,
                    (false, b'\\') => self.escaped = true,
                    (false, b'"') => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'[' | b'{' => {
                    self.depth += 1;
                    if self.depth > MAX_JSON_DEPTH {
                        return false;
                    }
                }
                b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(text: &str) -> bool {
        DepthScanner::default().feed(text.as_bytes())
    }

    #[test]
    fn nesting_is_counted_outside_strings_only() {
        let at_limit = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(depth_ok(&at_limit));
        assert!(!depth_ok(&format!("[{at_limit}]")));
        let brackets_in_a_string =
            format!("{{\"a\":\"{}\\\"{}\"}}", "[".repeat(100), "{".repeat(100));
        assert!(depth_ok(&brackets_in_a_string));
        let many_siblings = "[[]]".repeat(1000);
        assert!(depth_ok(&many_siblings));
    }

    #[test]
    fn depth_carries_across_chunks() {
        let mut scanner = DepthScanner::default();
        for _ in 0..64 {
            assert!(scanner.feed(b"{\"k\":"));
        }
        assert!(!scanner.feed(b"["));
    }
}
