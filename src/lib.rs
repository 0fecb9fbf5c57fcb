//! Rounds: a community bot for medical societies on Discord, Matrix and the terminal.
//!
//! `core` holds every rule and knows no platform or database; `store` persists on SQLite or
//! PostgreSQL; `scheduler` and `outbox` make the database the queue; `platform` holds adapters;
//! `telemetry` is what an operator sees: metrics and log lines.

pub mod clock;
pub mod config;
pub mod core;
pub mod crash;
pub mod health;
pub mod http;
pub mod outbox;
pub mod platform;
pub mod runtime;
pub mod scheduler;
pub mod stop;
pub mod store;
pub mod telemetry;
