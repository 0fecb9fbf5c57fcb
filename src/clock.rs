//! The time the running bot believes it is. Normally the wall clock; tests shift it forward
//! to see scheduled behaviour without waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, SubsecRound, Utc};

#[derive(Clone, Debug)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
    /// Bumped on every shift, so a loop asleep until a due time wakes when the time jumps.
    shifted: Arc<tokio::sync::watch::Sender<()>>,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock {
            offset_ms: Arc::default(),
            shifted: Arc::new(tokio::sync::watch::Sender::new(())),
        }
    }
}

impl Clock {
    pub fn wall() -> Clock {
        Clock::default()
    }

    pub fn now(&self) -> DateTime<Utc> {
        (Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed)))
            .trunc_subsecs(3)
    }

    /// Moves this clock (and every copy of it) forward.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
        self.shifted.send_replace(());
    }

    /// Changes each time the clock is shifted: a sleep measured on the wall clock is wrong
    /// after a shift and must be measured again.
    pub fn shifts(&self) -> tokio::sync::watch::Receiver<()> {
        self.shifted.subscribe()
    }

    /// How long, on the wall clock, until this clock reads `at` (zero if it already has).
    pub fn until(&self, at: DateTime<Utc>) -> std::time::Duration {
        (at - self.now()).to_std().unwrap_or_default()
    }
}
