//! The API's integration tests: one binary, a real server per test.

mod auth_edge;
mod care_graphql;
mod channel_check;
mod contacts;
mod conversations;
mod degrade;
mod demo;
mod graphql;
mod hooks;
mod inbound_batch;
mod inbox;
mod ingest;
mod least_privilege;
mod listening;
mod operations;
mod outbox;
mod polling;
mod pushed;
mod readme;
mod replies_out;
mod resources;
mod strict_input;
mod subscriptions;
mod tenancy;
