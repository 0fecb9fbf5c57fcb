//! How the core reads a calendar feed for an import, without doing I/O of its own.

use async_trait::async_trait;

/// Reads a URL for an import. Kept behind a trait so the core does no I/O of its own and tests
/// can serve feeds from loopback.
#[async_trait]
pub trait Fetcher: Send + Sync {
    /// The body as text, or a short reason it could not be fetched.
    async fn fetch(&self, url: &str) -> Result<String, String>;
}
