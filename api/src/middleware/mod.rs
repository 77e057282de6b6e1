//! Cross-cutting request handling: request ids, idempotency, metrics, errors of the edge.

pub mod edge_errors;
pub mod idempotency;
pub mod metrics;
pub mod request_id;
