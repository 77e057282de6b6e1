//! Credentials: passwords, opaque tokens, JWTs, and limits on login attempts.

pub mod jwt;
pub mod limiter;
pub mod password;
pub mod sealed;
pub mod secrets;
mod verified;
