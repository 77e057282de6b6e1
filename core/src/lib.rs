//! Earshot's domain, data and services: everything the API and the worker call.
//!
//! `entity` and `repo` are private to this crate, so no caller can build a query on a
//! tenant table; the public surface is `service`, the read models it returns and the
//! typed inputs it takes.

pub mod auth;
pub mod care;
pub mod channels;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod ids;
pub mod inbound;
pub mod input;
pub mod pagination;
pub mod platform_http;
pub mod schedule;
pub mod service;
pub mod signals;
pub mod sla;
pub mod tenancy;
pub mod views;

mod app;
mod entity;
mod repo;

pub use app::{Core, Readiness};
pub use config::Config;
pub use error::{Error, FieldError, Result};
