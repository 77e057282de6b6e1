//! The API's integration tests: one binary, a real server per test.

mod auth_edge;
mod graphql;
mod operations;
mod readme;
mod resources;
mod tenancy;
