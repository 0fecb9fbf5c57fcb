//! Every Prometheus series Rounds exports, by name, and the functions that move them.
//!
//! The recorder is process-wide (the `metrics` crate's global); `handle()` installs it on first
//! use, so the binary, the HTTP router and tests all share one. `/metrics` is served by the
//! bot's own HTTP server (`routes`), not by a listener of the exporter's.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::clock::Clock;
use crate::core::Bot;

/// Inbound events answered, by `platform`, `kind` (command name, or `text`, `invalid`,
/// `choice`, `withdraw`, `join`) and `outcome` (`done`, `refused`, `failed`).
pub const COMMANDS: &str = "rounds_commands_total";
/// Seconds from an inbound event to its answer being queued, by `kind`.
pub const COMMAND_SECONDS: &str = "rounds_command_duration_seconds";
/// Send attempts, by `platform` and `outcome` (`sent`, `retry`, `failed`).
pub const DELIVERIES: &str = "rounds_deliveries_total";
/// Outbox rows waiting to be sent, read from the store at each scrape.
pub const OUTBOX_PENDING: &str = "rounds_outbox_pending";
/// Age in seconds of the oldest outbox row waiting to be sent (0 when none waits).
pub const OUTBOX_OLDEST_SECONDS: &str = "rounds_outbox_oldest_pending_seconds";
/// Now minus the due time of the oldest due job no process has claimed (0 when none).
pub const JOB_LAG_SECONDS: &str = "rounds_job_lag_seconds";
/// Scheduler passes, by `lane` (`main`, `fetching`, or `all` for the shell's single loop).
pub const SCHEDULER_TICKS: &str = "rounds_scheduler_ticks_total";
/// Jobs fired, by `kind` (`reminder`, `coffee_round`...).
pub const JOBS_FIRED: &str = "rounds_jobs_fired_total";
/// 1 while a platform's connection is up, 0 while it is down, by `platform`.
pub const PLATFORM_CONNECTED: &str = "rounds_platform_connected";
/// Calendar feed fetches, by `outcome` (`fetched`, `refused`, `failed`).
pub const IMPORTS: &str = "rounds_imports_total";
/// DOI lookups, by `outcome` (`found`, `not_found`, `unreachable`, `unreadable`).
pub const DOI_LOOKUPS: &str = "rounds_doi_lookups_total";
/// Encrypted messages whose room key came after them, by `outcome` (`decrypted`, `expired`
/// when the catch-up window closed first, `given_up` when too many waited).
pub const LATE_DECRYPTIONS: &str = "rounds_late_decryptions_total";

/// Latency buckets: a command answered from the store takes milliseconds; one that looks a DOI
/// up may take seconds.
const COMMAND_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram samples are folded in when nobody scrapes, so memory stays flat.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process's recorder handle, installing the recorder the first time.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(install)
}

fn install() -> PrometheusHandle {
    let builder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(COMMAND_SECONDS.to_string()), COMMAND_BUCKETS)
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "command latency buckets refused; exporting a summary");
            PrometheusBuilder::new()
        });
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    if let Err(error) = ::metrics::set_global_recorder(recorder) {
        tracing::warn!(%error, "another metrics recorder is installed; /metrics stays empty");
    }
    describe();
    let upkeep = handle.clone();
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".to_string())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "no metrics upkeep thread; histograms are folded at each scrape");
    }
    handle
}

fn describe() {
    use ::metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        COMMANDS,
        "Inbound events answered, by platform, kind and outcome."
    );
    describe_histogram!(
        COMMAND_SECONDS,
        Unit::Seconds,
        "Time from an inbound event to its answer being queued."
    );
    describe_counter!(DELIVERIES, "Send attempts, by platform and outcome.");
    describe_gauge!(OUTBOX_PENDING, "Outbox rows waiting to be sent.");
    describe_gauge!(
        OUTBOX_OLDEST_SECONDS,
        Unit::Seconds,
        "Age of the oldest outbox row waiting to be sent."
    );
    describe_gauge!(
        JOB_LAG_SECONDS,
        Unit::Seconds,
        "Now minus the due time of the oldest due, unclaimed job."
    );
    describe_counter!(SCHEDULER_TICKS, "Scheduler passes, by lane.");
    describe_counter!(JOBS_FIRED, "Jobs fired, by kind.");
    describe_gauge!(
        PLATFORM_CONNECTED,
        "1 while a platform is connected, else 0."
    );
    describe_counter!(IMPORTS, "Calendar feed fetches, by outcome.");
    describe_counter!(DOI_LOOKUPS, "DOI lookups, by outcome.");
    describe_counter!(
        LATE_DECRYPTIONS,
        "Encrypted messages whose room key came after them, by outcome."
    );
}

pub fn command_answered(platform: &str, kind: &'static str, outcome: &'static str, took: Duration) {
    ::metrics::counter!(COMMANDS, "platform" => platform.to_string(), "kind" => kind, "outcome" => outcome)
        .increment(1);
    ::metrics::histogram!(COMMAND_SECONDS, "kind" => kind).record(took.as_secs_f64());
}

pub fn delivery(platform: &str, outcome: &'static str) {
    ::metrics::counter!(DELIVERIES, "platform" => platform.to_string(), "outcome" => outcome)
        .increment(1);
}

pub fn scheduler_tick(lane: &'static str) {
    ::metrics::counter!(SCHEDULER_TICKS, "lane" => lane).increment(1);
}

pub fn job_fired(kind: &'static str) {
    ::metrics::counter!(JOBS_FIRED, "kind" => kind).increment(1);
}

/// Called where an adapter learns its connection's state; one line at each place.
pub fn platform_connected(platform: &'static str, connected: bool) {
    ::metrics::gauge!(PLATFORM_CONNECTED, "platform" => platform).set(if connected {
        1.0
    } else {
        0.0
    });
}

pub fn import_fetched(outcome: &'static str) {
    ::metrics::counter!(IMPORTS, "outcome" => outcome).increment(1);
}

pub fn doi_looked_up(outcome: &'static str) {
    ::metrics::counter!(DOI_LOOKUPS, "outcome" => outcome).increment(1);
}

pub fn late_decryption(outcome: &'static str) {
    ::metrics::counter!(LATE_DECRYPTIONS, "outcome" => outcome).increment(1);
}

#[derive(Clone)]
struct Scraped {
    bot: Arc<Bot>,
    clock: Clock,
}

/// `GET /metrics`, to be merged into the HTTP server's router. Installs the recorder if nothing
/// has yet, so series recorded from then on are exported.
pub fn routes(bot: Arc<Bot>, clock: Clock) -> Router {
    handle();
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scraped { bot, clock })
}

/// The queue gauges are read from the store now, so they are right whichever process (of
/// several sharing one database) is scraped; if the store does not answer they keep their last
/// values and the counters are still served.
async fn scrape(State(scraped): State<Scraped>) -> Response {
    let now = scraped.clock.now();
    match scraped.bot.store().queue_health(now).await {
        Ok(health) => {
            let age = |since: Option<chrono::DateTime<chrono::Utc>>| {
                since.map_or(0.0, |at| {
                    ((now - at).num_milliseconds().max(0)) as f64 / 1000.0
                })
            };
            ::metrics::gauge!(OUTBOX_PENDING).set(health.outbox_pending as f64);
            ::metrics::gauge!(OUTBOX_OLDEST_SECONDS).set(age(health.oldest_pending_since));
            ::metrics::gauge!(JOB_LAG_SECONDS).set(age(health.oldest_unclaimed_due));
        }
        Err(error) => tracing::error!(%error, "metrics: the store did not answer"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle().render(),
    )
        .into_response()
}
