//! What is particular to each platform: how its channels are configured (and, as the
//! connectors arrive, how its deliveries are verified and parsed).

pub mod config;
pub mod parse;
pub mod schema;
pub mod verify;
