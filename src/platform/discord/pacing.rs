//! Discord's global limit, kept before it is hit. Discord allows a bot 50 REST requests a
//! second across every route (interaction and webhook-token endpoints aside), and answers more
//! with a global 429. serenity's limiter follows each route's bucket from the `X-RateLimit-*`
//! headers, but of the global limit it learns only from such a 429, and then only the request
//! that got it waits: every other task keeps sending into the limit. A burst of reminders across
//! many channels would live there. So each request an action makes first takes a place in
//! `Pace`: no more than its limit in any window of a second, from this process.
//!
//! A request that serenity will hold for its route's bucket waits for that bucket here, before it
//! takes a place (`route_free`): a place taken and then spent seconds later, inside serenity,
//! would land in another second's window and overfill it.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::time::{Duration, SystemTime};

use serenity::all::Http;
use serenity::http::Route;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::config::ShardRange;

/// Discord's global limit for a bot, requests per second, unless Discord raised it.
pub const DISCORD_PER_SECOND: NonZeroU32 = NonZeroU32::new(50).expect("not zero");

/// Added to the second: Discord counts a request when it arrives, and two requests a second
/// apart here can arrive less than a second apart there when the first was the slower on its
/// way (a new connection, a busy core). Measured on the stand-in: with none, a pace of exactly
/// 50 a second drew a global 429 even from one request at a time. It costs 3% of the limit.
const SLACK: Duration = Duration::from_millis(30);

/// How late a request may come to its turn and still be counted at it: tokio's timer wakes on
/// whole milliseconds, and a busy core wakes a sleeper later still. Counted at its wake-up
/// instead, every late turn was lost for good: the burst ran at 46.2 a second against the
/// pace's 48.5 on a loaded machine. A third of `SLACK`, so a request counted early by this
/// much still arrives a whole second after the one fifty before it.
const LATE_TURN: Duration = Duration::from_millis(10);

/// This process's share of Discord's global limit, which is the bot's however many processes
/// share its token: its part of the shards, as guilds (and so sends) are spread by shard. One
/// process running every shard has the whole limit; a share never falls to nothing.
pub fn share(shards: ShardRange) -> NonZeroU32 {
    let own = u64::from(shards.last.saturating_sub(shards.first)) + 1;
    let share = u64::from(DISCORD_PER_SECOND.get()) * own / u64::from(shards.total.max(1));
    NonZeroU32::new(u32::try_from(share).unwrap_or(u32::MAX)).unwrap_or(NonZeroU32::MIN)
}

/// The last requests let through, spread evenly: one every `window / limit`, and the
/// `limit`-th newest a whole window old before another goes. Let through all at once, 50
/// requests reach Discord over a spread that grows with the load (TLS, a busy core), and the
/// slow end of one second's 50 meets the quick start of the next: with 64 sends in flight that
/// drew thousands of global 429s from the stand-in. Evenly spaced, each is on its way before the
/// next leaves. Waiters queue in turn (tokio's mutex is fair), so a channel whose reminders come
/// late in a burst is not starved by those that come early.
pub struct Pace {
    limit: usize,
    window: Duration,
    spacing: Duration,
    turn: Mutex<()>,
    /// When each of the last `limit` requests went (or, for a retry serenity will make after a
    /// global 429, will go), oldest first.
    sent: std::sync::Mutex<VecDeque<Instant>>,
}

impl Pace {
    /// At most `limit` in any second, with room for the way there (`SLACK`).
    pub fn per_second(limit: NonZeroU32) -> Pace {
        Pace::new(limit, Duration::from_secs(1) + SLACK)
    }

    pub fn new(limit: NonZeroU32, window: Duration) -> Pace {
        let limit = limit.get();
        Pace {
            limit: limit as usize,
            window,
            spacing: window / limit,
            turn: Mutex::new(()),
            sent: std::sync::Mutex::new(VecDeque::with_capacity(limit as usize)),
        }
    }

    fn sent(&self) -> std::sync::MutexGuard<'_, VecDeque<Instant>> {
        // Only instants are kept under this lock: one left half-changed is still a window.
        self.sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a request going at `at`, in time order, keeping the last `limit`.
    fn count(&self, sent: &mut VecDeque<Instant>, at: Instant) {
        let place = sent.partition_point(|t| *t <= at);
        sent.insert(place, at);
        while sent.len() > self.limit {
            sent.pop_front();
        }
    }

    /// Waits until one more request keeps to the pace, and counts it as sent now. A request
    /// after a quiet spell goes at once.
    pub async fn admit(&self) {
        let _turn = self.turn.lock().await;
        loop {
            let due = {
                let mut sent = self.sent();
                let now = Instant::now();
                let mut due = None;
                if let Some(last) = sent.back() {
                    due = Some(*last + self.spacing);
                }
                if sent.len() >= self.limit {
                    let window = sent[sent.len() - self.limit] + self.window;
                    due = Some(due.map_or(window, |due| due.max(window)));
                }
                match due {
                    Some(due) if due > now => due,
                    _ => {
                        // Counted at its turn, not at the wake-up (`LATE_TURN`).
                        let at = due.filter(|due| *due + LATE_TURN > now).unwrap_or(now);
                        self.count(&mut sent, at);
                        return;
                    }
                }
            };
            tokio::time::sleep_until(due).await;
        }
    }

    /// Discord refused a request as over the global limit, and serenity will send it again
    /// after `retry_after` without asking the pace: that retry is counted here, and nothing
    /// else goes before it.
    pub fn refused(&self, retry_after: Duration) {
        self.count(&mut self.sent(), Instant::now() + retry_after);
    }
}

/// Waits while serenity's limiter knows `route`'s bucket to be spent, as its own pre-check
/// would (no request left, the reset still ahead). Without serenity's limiter (a test's
/// stand-in with the limiter off) there is nothing to wait for.
pub async fn route_free(http: &Http, route: Route<'_>) {
    let Some(limiter) = &http.ratelimiter else {
        return;
    };
    let bucket = {
        let routes = limiter.routes();
        let routes = routes.read().await;
        routes.get(&route.ratelimiting_bucket()).cloned()
    };
    let Some(bucket) = bucket else {
        return;
    };
    let wait = {
        let bucket = bucket.lock().await;
        if bucket.limit() == 0 || bucket.remaining() > 0 {
            None
        } else {
            bucket
                .reset()
                .and_then(|reset| reset.duration_since(SystemTime::now()).ok())
        }
    };
    if let Some(wait) = wait {
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    /// No window of `window` holds more than `limit` of `times` (sorted).
    fn most_in_any_window(times: &[Instant], window: Duration) -> usize {
        (0..times.len())
            .map(|i| {
                times[i..]
                    .iter()
                    .take_while(|t| **t < times[i] + window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn processes_sharing_the_shards_share_the_limit() {
        let range = |first, last, total| ShardRange { first, last, total };
        assert_eq!(share(ShardRange::ALL).get(), 50);
        assert_eq!(share(range(0, 3, 8)).get(), 25);
        assert_eq!(share(range(5, 5, 8)).get(), 6);
        assert_eq!(share(range(7, 7, 100)).get(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lone_request_goes_at_once() {
        let pace = Pace::per_second(DISCORD_PER_SECOND);
        let before = Instant::now();
        pace.admit().await;
        assert_eq!(Instant::now(), before);
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_many_tasks_keeps_to_the_limit_in_every_window() {
        let pace = std::sync::Arc::new(Pace::new(DISCORD_PER_SECOND, Duration::from_secs(1)));
        let start = Instant::now();
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let pace = pace.clone();
                tokio::spawn(async move {
                    let mut times = Vec::new();
                    for _ in 0..20 {
                        pace.admit().await;
                        times.push(Instant::now());
                    }
                    times
                })
            })
            .collect();
        let mut times = Vec::new();
        for task in tasks {
            times.extend(task.await.unwrap());
        }
        times.sort();
        assert_eq!(times.len(), 1280);
        assert_eq!(most_in_any_window(&times, Duration::from_secs(1)), 50);
        // Evenly spread, and no slower than the limit: one every 20 ms, the first at once.
        assert_eq!(times[0], start);
        for pair in times.windows(2) {
            assert_eq!(pair[1] - pair[0], Duration::from_millis(20));
        }
        assert_eq!(
            *times.last().unwrap(),
            start + Duration::from_millis(1279 * 20)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn discords_pace_leaves_room_for_the_way_there() {
        let pace = Pace::per_second(DISCORD_PER_SECOND);
        let mut times = Vec::new();
        for _ in 0..150 {
            pace.admit().await;
            times.push(Instant::now());
        }
        // Even a request 30 ms quicker on its way than the one 50 before it arrives a second
        // or more after it.
        assert_eq!(most_in_any_window(&times, Duration::from_millis(1030)), 50);
        assert_eq!(times[50] - times[0], Duration::from_millis(1030));
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_a_global_refusal_is_counted_and_goes_first() {
        let pace = Pace::new(limit(2), Duration::from_secs(1));
        pace.admit().await;
        let refused = Instant::now();
        // serenity will retry 300 ms from now: that is the window's second request.
        pace.refused(Duration::from_millis(300));
        pace.admit().await;
        assert_eq!(Instant::now(), refused + Duration::from_secs(1));
        // Half a second after the last, as ever.
        pace.admit().await;
        assert_eq!(Instant::now(), refused + Duration::from_millis(1500));
    }

    #[tokio::test(start_paused = true)]
    async fn a_turn_taken_a_little_late_is_not_lost() {
        let pace = Pace::new(limit(2), Duration::from_secs(1));
        let start = Instant::now();
        pace.admit().await;
        // The second comes 4 ms after its turn (a busy core): it goes at once, and is counted
        // at its turn, so the third keeps the schedule.
        tokio::time::sleep(Duration::from_millis(504)).await;
        pace.admit().await;
        pace.admit().await;
        assert_eq!(Instant::now(), start + Duration::from_secs(1));
        // Later than `LATE_TURN` it counts from when it came: a quiet spell is no credit.
        tokio::time::sleep(Duration::from_millis(520)).await;
        pace.admit().await;
        pace.admit().await;
        assert_eq!(Instant::now(), start + Duration::from_millis(2020));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_after_a_quiet_window_is_not_held() {
        let pace = Pace::new(limit(2), Duration::from_secs(1));
        pace.admit().await;
        pace.admit().await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let before = Instant::now();
        pace.admit().await;
        assert_eq!(Instant::now(), before);
        // The next keeps its half second's distance, and the one after that the window's.
        pace.admit().await;
        assert_eq!(Instant::now(), before + Duration::from_millis(500));
        pace.admit().await;
        assert_eq!(Instant::now(), before + Duration::from_secs(1));
    }
}
