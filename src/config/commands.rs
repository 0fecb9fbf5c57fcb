//! The bodies of `rounds check-config` and `rounds migrate`, and the `--db` flag they share
//! with `rounds shell`.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::{Context, anyhow};

use super::Config;
use super::check::check;
use crate::store::{DatabaseUrl, SqlStore};

/// A `--db` value; an unknown scheme is refused, naming the flag.
pub fn db_flag(text: &str) -> anyhow::Result<DatabaseUrl> {
    DatabaseUrl::parse(text).map_err(|e| anyhow!("--db: {e}"))
}

/// `rounds check-config`: every finding printed (errors and warnings on stderr, the summary on
/// stdout); exit status 1 on any error.
pub async fn check_config(config: &Config) -> ExitCode {
    let env: HashMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("ROUNDS_"))
        .collect();
    let report = check(config, &env).await;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    if report.errors.is_empty() {
        println!("configuration is valid");
    } else {
        println!(
            "configuration has {} error{}",
            report.errors.len(),
            if report.errors.len() == 1 { "" } else { "s" }
        );
    }
    println!("  default timezone: {}", config.timezone.name());
    println!("  command prefix: {}", config.command_prefix);
    println!("  societies: {}", config.societies.len());
    for (label, value) in &report.facts {
        println!("  {label}: {value}");
    }
    if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `rounds migrate`: applies pending migrations and names each one.
pub async fn migrate(config: &Config, db: Option<&str>) -> anyhow::Result<ExitCode> {
    let database = match db {
        Some(db) => db_flag(db)?,
        None => config.database.clone(),
    };
    let (store, applied) = SqlStore::open_reporting(&database)
        .await
        .with_context(|| format!("migrating {}", database.redacted()))?;
    store.close().await;
    if applied.is_empty() {
        println!("database {} is already up to date", database.redacted());
    } else {
        println!(
            "applied {} migration{} to {}:",
            applied.len(),
            if applied.len() == 1 { "" } else { "s" },
            database.redacted()
        );
        for migration in &applied {
            println!("  {migration}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
