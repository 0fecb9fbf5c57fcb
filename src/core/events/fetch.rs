//! How the core reads a calendar feed for an import, without doing I/O of its own.

use async_trait::async_trait;

/// Reads a URL for an import. Kept behind a trait so the core does no I/O of its own and tests
/// can serve feeds from loopback.
#[async_trait]
pub trait Fetcher: Send + Sync {
    /// The body as text, or a short reason members may read: a fetcher that reaches other
    /// servers answers [`FETCH_FAILED`] whatever went wrong.
    async fn fetch(&self, url: &str) -> Result<String, String>;
}

/// What a fetcher answers whatever went wrong, and so what members read: telling a closed port
/// from a database or a web server would make `!event import` a port scanner. The detail goes
/// to the fetcher's log line only.
pub const FETCH_FAILED: &str =
    "I couldn't read that calendar (check that the address opens a public .ics feed)";
