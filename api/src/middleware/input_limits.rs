//! Limits on what a request may carry before any handler sees it: the total size of its
//! headers (`431`), the nesting depth of a JSON body (`400 json_too_deep`), and a path,
//! query string and credential headers that are valid UTF-8 of a bounded length without NUL
//! or control characters (`400 invalid_path`, `invalid_query`, `invalid_header`), so that
//! such input never reaches a handler, let alone a query.
//!
//! actix itself refuses request heads over 128 KiB with a bare 431 before this code runs;
//! this lower limit answers with a problem document instead.

use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use futures_util::StreamExt;

use crate::problem::ApiError;

/// Largest total of header names and values a request may send.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Deepest nesting of arrays and objects accepted in a JSON body.
pub const MAX_JSON_DEPTH: u32 = 64;
/// Longest path, in bytes as sent.
pub const MAX_PATH_BYTES: usize = 2048;
/// Longest query string, in bytes as sent.
pub const MAX_QUERY_BYTES: usize = 4096;
/// Headers Earshot reads as text: they must be printable ASCII.
const TEXT_HEADERS: [&str; 4] = [
    "authorization",
    "idempotency-key",
    "x-request-id",
    "content-type",
];

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
    if let Err(error) = check_request_line(&req) {
        return Ok(req.error_response(error).map_into_right_body());
    }
    if crate::body::is_json(req.request()) {
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

/// The path, query string and text headers, checked before routing.
fn check_request_line(req: &ServiceRequest) -> Result<(), ApiError> {
    let path = req.uri().path();
    if path.len() > MAX_PATH_BYTES || !is_clean_text(path.as_bytes(), false) {
        return Err(ApiError::bad_request(
            "invalid_path",
            format!(
                "the path must be UTF-8 of at most {MAX_PATH_BYTES} bytes without control characters"
            ),
        ));
    }
    let query = req.query_string();
    if query.len() > MAX_QUERY_BYTES || !is_clean_text(query.as_bytes(), true) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!(
                "the query string must be UTF-8 of at most {MAX_QUERY_BYTES} bytes without control characters"
            ),
        ));
    }
    for name in TEXT_HEADERS {
        let printable = req.headers().get_all(name).all(|v| {
            v.as_bytes()
                .iter()
                .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
        });
        if !printable {
            return Err(ApiError::bad_request(
                "invalid_header",
                format!("the {name} header must be printable ASCII"),
            ));
        }
    }
    Ok(())
}

/// Whether percent-encoded text decodes to UTF-8 without NUL or control characters
/// (`+` is a space in a query string).
fn is_clean_text(raw: &[u8], form: bool) -> bool {
    let spaced: Vec<u8>;
    let raw = if form && raw.contains(&b'+') {
        spaced = raw
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        &spaced[..]
    } else {
        raw
    };
    match percent_encoding::percent_decode(raw).decode_utf8() {
        Ok(text) => !text.chars().any(char::is_control),
        Err(_) => false,
    }
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
    fn paths_and_queries_must_decode_to_clean_text() {
        assert!(is_clean_text(b"q=refund+please&limit=20", true));
        assert!(is_clean_text("q=caf%C3%A9".as_bytes(), true));
        assert!(!is_clean_text(b"q=%00", true));
        assert!(!is_clean_text(b"q=%1B%5B31m", true));
        assert!(!is_clean_text(b"q=%FF%FE", true));
        assert!(!is_clean_text(b"/v1/workspaces/%00", false));
        assert!(is_clean_text(b"/v1/workspaces/abc", false));
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
