//! What is particular to each platform: how its channels are configured, how its
//! deliveries are verified and parsed, and how replies are sent to it.

pub mod config;
pub mod parse;
pub mod poll;
pub mod probe;
pub mod route;
pub mod schema;
pub mod send;
pub mod verify;
