//! The API's integration tests: one binary, a real server per test.

mod operations;
