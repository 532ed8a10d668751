//! Aisle's sync server as a library: the storage backends and the HTTP API (`router`), so that
//! tests drive exactly what `aisle-server serve` runs.

#![forbid(unsafe_code)]

pub mod api;
pub mod books;
pub mod config;
pub mod error;
pub mod inventory;
pub mod leases;
pub mod schema;
pub mod shortfall;
pub mod sql;
pub mod storage;
pub mod tasks;
pub mod transport;
mod views;
pub mod waves;

pub use api::{AppState, router};

/// The OpenAPI 3 document of the API, served at `/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");
