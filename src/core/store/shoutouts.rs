//! Shout-outs about members' news, and the digest that lists the posted ones.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::queue::NewJob;
use super::result::StoreResult;
use crate::core::command::MilestoneKind;
use crate::core::io::UserRef;

/// Where a shout-out stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShoutoutStatus {
    /// Waiting for the member it is about.
    Pending,
    Posted,
    Declined,
}

impl ShoutoutStatus {
    pub const ALL: [ShoutoutStatus; 3] = [
        ShoutoutStatus::Pending,
        ShoutoutStatus::Posted,
        ShoutoutStatus::Declined,
    ];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ShoutoutStatus::Pending => "pending",
            ShoutoutStatus::Posted => "posted",
            ShoutoutStatus::Declined => "declined",
        }
    }

    /// The inverse of [`ShoutoutStatus::as_str`], exactly.
    pub fn parse(text: &str) -> Option<ShoutoutStatus> {
        ShoutoutStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// A member's news.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shoutout {
    pub id: i64,
    pub society: String,
    pub platform: String,
    /// Where it was asked for; the celebrations room falls back to it.
    pub room: String,
    pub author: UserRef,
    pub subject: UserRef,
    pub kind: MilestoneKind,
    pub text: String,
    /// The looked-up publication line (`“Title”, Journal (2024)`), for a DOI.
    pub publication: Option<String>,
    pub status: ShoutoutStatus,
    pub created_at: DateTime<Utc>,
    pub posted_at: Option<DateTime<Utc>>,
}

/// Where a society's shout-out digest goes on one platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    pub id: i64,
    pub society: String,
    pub platform: String,
    /// Used where the platform has no celebrations room configured.
    pub room: String,
}

/// Shout-outs waiting for consent or posted, and each society's digest.
#[async_trait]
pub trait ShoutoutStore: Send + Sync {
    /// Stores a shout-out (its `id` is ignored) and returns it with its id.
    async fn create_shoutout(&self, shoutout: &Shoutout) -> StoreResult<Shoutout>;
    async fn shoutout(&self, id: i64) -> StoreResult<Option<Shoutout>>;
    /// Moves a pending shout-out to `Posted` (stamped `now`) or `Declined`; false if it was
    /// no longer pending, so a double click posts once.
    async fn decide_shoutout(
        &self,
        id: i64,
        status: ShoutoutStatus,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Shout-outs posted in the society on the platform in `[since, until)`, oldest first.
    async fn posted_shoutouts(
        &self,
        society: &str,
        platform: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<Shoutout>>;
    /// Shout-outs about the member still waiting for their answer, oldest first.
    async fn pending_shoutouts(&self, society: &str, subject: &str) -> StoreResult<Vec<Shoutout>>;
    /// The society's digest on the platform, created with its job (`job`, whose subject is
    /// filled in) if it had none.
    async fn ensure_digest(&self, digest: &Digest, job: &NewJob) -> StoreResult<Digest>;
    async fn digest(&self, id: i64) -> StoreResult<Option<Digest>>;
}
