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

/// This process's share of Discord's global limit, which is the bot's however many processes
/// share its token: its part of the shards, as guilds (and so sends) are spread by shard. One
/// process running every shard has the whole limit; a share never falls to nothing.
pub fn share(shards: ShardRange) -> NonZeroU32 {
    let own = u64::from(shards.last.saturating_sub(shards.first)) + 1;
    let share = u64::from(DISCORD_PER_SECOND.get()) * own / u64::from(shards.total.max(1));
    NonZeroU32::new(u32::try_from(share).unwrap_or(u32::MAX)).unwrap_or(NonZeroU32::MIN)
}

/// A sliding window over the last requests let through: the `limit`-th newest must be a whole
/// window old before another goes. Waiters queue in turn (tokio's mutex is fair), so a channel
/// whose reminders come late in a burst is not starved by those that come early.
pub struct Pace {
    limit: usize,
    window: Duration,
    /// When each of the last `limit` requests was let through, oldest first.
    sent: Mutex<VecDeque<Instant>>,
}

impl Pace {
    /// At most `limit` in any second, with room for the way there (`SLACK`).
    pub fn per_second(limit: NonZeroU32) -> Pace {
        Pace::new(limit, Duration::from_secs(1) + SLACK)
    }

    pub fn new(limit: NonZeroU32, window: Duration) -> Pace {
        let limit = limit.get() as usize;
        Pace {
            limit,
            window,
            sent: Mutex::new(VecDeque::with_capacity(limit)),
        }
    }

    /// Waits until one more request keeps every window within the limit, and counts it as
    /// sent now. Costs nothing while fewer than `limit` went in the last window.
    pub async fn admit(&self) {
        let mut sent = self.sent.lock().await;
        if sent.len() >= self.limit {
            let oldest = sent[sent.len() - self.limit];
            tokio::time::sleep_until(oldest + self.window).await;
        }
        sent.push_back(Instant::now());
        while sent.len() > self.limit {
            sent.pop_front();
        }
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
        // Not slower than the limit either: each second's 50 go at its start, so the 1,280th
        // (the 30th of the 26th second) goes 25 s in.
        assert_eq!(times[49], start);
        assert_eq!(times[50], start + Duration::from_secs(1));
        assert_eq!(*times.last().unwrap(), start + Duration::from_secs(25));
    }

    #[tokio::test(start_paused = true)]
    async fn discords_pace_leaves_room_for_the_way_there() {
        let pace = Pace::per_second(DISCORD_PER_SECOND);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..150 {
            pace.admit().await;
            times.push(Instant::now());
        }
        // Even a request 30 ms quicker on its way than the one 50 before it arrives a second
        // or more after it.
        assert_eq!(most_in_any_window(&times, Duration::from_millis(1030)), 50);
        assert_eq!(times[49], start);
        assert_eq!(times[50], start + Duration::from_millis(1030));
        assert_eq!(times[149], start + Duration::from_millis(2060));
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
        // The window now holds one: a second goes at once, a third waits for the window.
        pace.admit().await;
        assert_eq!(Instant::now(), before);
        pace.admit().await;
        assert_eq!(Instant::now(), before + Duration::from_secs(1));
    }
}
