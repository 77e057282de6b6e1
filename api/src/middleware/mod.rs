//! Cross-cutting request handling: request ids, idempotency, input limits, metrics, errors
//! of the edge, access checked before refused input is answered.

pub mod access_first;
pub mod edge_errors;
pub mod idempotency;
pub mod input_limits;
pub mod metrics;
pub mod request_id;
