//! Stopping `rounds run` in order on SIGTERM (`docker stop`, `systemctl stop`) or SIGINT
//! (Ctrl-C): inbound stops, the send in flight finishes, leases go back to the queue, the store
//! closes, and the process exits 0 within `STOP_DEADLINE`. A second signal exits at once.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::task::{Id, JoinSet};
use tokio::time::Instant;

use crate::runtime::Runtime;

/// From the signal to the exit, whatever is still running. Under `docker stop`'s 10 s and
/// systemd's 90 s, with room to spare.
pub const STOP_DEADLINE: Duration = Duration::from_secs(4);
/// How long the running tasks get to wind down; the rest of the deadline is the store's.
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(3);
/// How long each of the last store calls (release, count, close) may take.
const STORE_STEP: Duration = Duration::from_millis(400);

/// The two signals that ask Rounds to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopSignal {
    Term,
    Int,
}

impl StopSignal {
    pub fn name(self) -> &'static str {
        match self {
            StopSignal::Term => "SIGTERM",
            StopSignal::Int => "SIGINT",
        }
    }

    /// The status a shell reports for a process this signal killed (128 + its number), for an
    /// exit cut short by a second signal.
    pub fn exit_code(self) -> i32 {
        match self {
            StopSignal::Term => 128 + 15,
            StopSignal::Int => 128 + 2,
        }
    }
}

/// SIGTERM and SIGINT, caught from the moment this is made (until then they kill the process).
pub struct StopSignals {
    term: Signal,
    int: Signal,
}

impl StopSignals {
    pub fn install() -> std::io::Result<StopSignals> {
        Ok(StopSignals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// The next of either signal.
    pub async fn next(&mut self) -> StopSignal {
        tokio::select! {
            _ = self.term.recv() => StopSignal::Term,
            _ = self.int.recv() => StopSignal::Int,
        }
    }

    /// Waits for the first signal and starts the stop (`stop` turns true), or for a stop that
    /// started without one (an adapter ended), then guards it: a second signal exits at once
    /// with a non-zero status, and a stop still running at `STOP_DEADLINE` exits anyway (0 after
    /// a signal, 1 after an adapter failed). Run it in a task of its own for the process's life.
    pub async fn watch(mut self, stop: std::sync::Arc<tokio::sync::watch::Sender<bool>>) {
        let mut stopping = stop.subscribe();
        let late_exit = tokio::select! {
            first = self.next() => {
                tracing::info!("stopping on {}", first.name());
                stop.send_replace(true);
                0
            }
            _ = stopping.wait_for(|stop| *stop) => 1,
        };
        let deadline = Instant::now() + STOP_DEADLINE;
        tokio::select! {
            again = self.next() => {
                tracing::warn!("{} during the stop: exiting at once", again.name());
                std::process::exit(again.exit_code());
            }
            _ = tokio::time::sleep_until(deadline) => {
                tracing::warn!(
                    "the stop passed its {} s deadline; exiting with what was in flight abandoned \
                     (its leases run out and the next start sends it again under the same key)",
                    STOP_DEADLINE.as_secs()
                );
                std::process::exit(late_exit);
            }
        }
    }
}

/// The tasks of `rounds run`, each named for the lines a stop logs.
#[derive(Default)]
pub struct Tasks {
    set: JoinSet<anyhow::Result<()>>,
    names: HashMap<Id, &'static str>,
}

impl Tasks {
    pub fn spawn(
        &mut self,
        name: &'static str,
        task: impl Future<Output = anyhow::Result<()>> + Send + 'static,
    ) {
        let handle = self.set.spawn(task);
        self.names.insert(handle.id(), name);
    }

    /// Waits for one task to end; its name and how it ended (None: there is no task).
    pub async fn next_end(&mut self) -> Option<(&'static str, anyhow::Result<()>)> {
        let ended = self.set.join_next_with_id().await?;
        Some(match ended {
            Ok((id, result)) => (self.names.remove(&id).unwrap_or("a task"), result),
            Err(error) => {
                let name = self.names.remove(&error.id()).unwrap_or("a task");
                (
                    name,
                    Err(anyhow::anyhow!("{name} panicked or was cancelled: {error}")),
                )
            }
        })
    }

    /// Waits until every task has ended, or until `deadline`, when the rest are aborted. Errors
    /// are logged; the names of the tasks that were cut off are returned.
    pub async fn drain(&mut self, deadline: Instant) -> Vec<&'static str> {
        loop {
            match tokio::time::timeout_at(deadline, self.next_end()).await {
                Ok(None) => return Vec::new(),
                Ok(Some((_, Ok(())))) => {}
                Ok(Some((name, Err(error)))) => {
                    tracing::warn!(
                        task = name,
                        "ended with an error during the stop: {error:#}"
                    );
                }
                Err(_) => {
                    self.set.abort_all();
                    let mut left: Vec<&'static str> = self.names.values().copied().collect();
                    left.sort_unstable();
                    return left;
                }
            }
        }
    }
}

/// The stop's last steps, once inbound has stopped and the send loop has returned (or was cut
/// off): give back this process's leases, and log one line with what is left waiting.
pub async fn release_and_report(runtime: &Runtime, abandoned: &[&str]) {
    let released = match tokio::time::timeout(STORE_STEP, runtime.release_leases()).await {
        Ok(Ok(released)) => released,
        Ok(Err(error)) => {
            tracing::error!(%error, "could not release this process's leases; they run out by themselves");
            Default::default()
        }
        Err(_) => {
            tracing::error!(
                "releasing this process's leases took too long; they run out by themselves"
            );
            Default::default()
        }
    };
    let now = chrono::Utc::now();
    match tokio::time::timeout(STORE_STEP, runtime.waiting(now)).await {
        Ok(Ok(waiting)) => tracing::info!(
            released_sends = released.sends,
            released_jobs = released.jobs,
            abandoned = %abandoned.join(", "),
            "stopped; left pending: {} sends and {} jobs due now",
            waiting.sends,
            waiting.jobs
        ),
        Ok(Err(error)) => tracing::error!(%error, "stopped; could not count what is left pending"),
        Err(_) => tracing::error!("stopped; counting what is left pending took too long"),
    }
}

/// Closes the store's connections, waiting at most a moment.
pub async fn close_store(close: impl Future<Output = ()>) {
    if tokio::time::timeout(STORE_STEP, close).await.is_err() {
        tracing::warn!("the database connections did not close in time");
    }
}
