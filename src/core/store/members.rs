//! Members: their profiles, pending confirmations, welcome dialogue, erasure, and the
//! committee log about them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::result::StoreResult;

/// What a member chose to share. Every field is optional: nothing is assumed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    pub society: String,
    pub user_id: String,
    pub name: String,
    pub timezone: Option<Tz>,
    pub stage: Option<String>,
    pub specialty: Option<String>,
    pub hospital: Option<String>,
    pub img: Option<bool>,
    /// How colleagues' shout-outs about them are handled; None is `Ask`.
    pub shoutouts: Option<ShoutoutPreference>,
}

/// How colleagues' shout-outs about a member are handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShoutoutPreference {
    /// Posted once the member approves.
    Ask,
    /// Posted straight away.
    Auto,
    /// Never posted.
    Never,
}

impl ShoutoutPreference {
    pub const ALL: [ShoutoutPreference; 3] = [
        ShoutoutPreference::Ask,
        ShoutoutPreference::Auto,
        ShoutoutPreference::Never,
    ];

    /// As stored, and as `!profile shoutouts` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            ShoutoutPreference::Ask => "ask",
            ShoutoutPreference::Auto => "auto",
            ShoutoutPreference::Never => "never",
        }
    }

    /// The inverse of [`ShoutoutPreference::as_str`], exactly.
    pub fn parse(text: &str) -> Option<ShoutoutPreference> {
        ShoutoutPreference::ALL
            .into_iter()
            .find(|preference| preference.as_str() == text)
    }
}

/// What `!forget me` removed, so the member can be told.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Erasure {
    pub profile: bool,
    pub reminders: u64,
    pub other_rows: u64,
}

/// A society's members: what they shared, what they were asked, and forgetting them.
#[async_trait]
pub trait MemberStore: Send + Sync {
    async fn profile(&self, society: &str, user_id: &str) -> StoreResult<Option<Profile>>;
    async fn save_profile(&self, profile: &Profile, now: DateTime<Utc>) -> StoreResult<()>;

    /// Every profile in the society (a pairing round reads them all at once).
    async fn profiles(&self, society: &str) -> StoreResult<Vec<Profile>>;

    /// Remembers that a member was asked to confirm something until `expires_at`.
    async fn ask_confirmation(
        &self,
        society: &str,
        user_id: &str,
        what: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// True (and forgets the question) if it was asked and has not expired.
    async fn take_confirmation(
        &self,
        society: &str,
        user_id: &str,
        what: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Removes every row about the member in this society.
    async fn erase_member(&self, society: &str, user_id: &str) -> StoreResult<Erasure>;

    /// Records that the member was welcomed, on question `step`; false (and nothing changes)
    /// if they were welcomed before.
    async fn start_onboarding(
        &self,
        society: &str,
        user_id: &str,
        platform: &str,
        step: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// The welcome question the member is on: None if never welcomed, Some(None) once finished.
    async fn onboarding_step(
        &self,
        society: &str,
        user_id: &str,
    ) -> StoreResult<Option<Option<String>>>;
    /// Moves the member to another question (None: finished), welcoming them if needed.
    async fn set_onboarding_step(
        &self,
        society: &str,
        user_id: &str,
        platform: &str,
        step: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    async fn admin_log(
        &self,
        society: &str,
        member: Option<&str>,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The society's newest committee-log entries, newest first.
    async fn admin_log_entries(
        &self,
        society: &str,
        limit: i64,
    ) -> StoreResult<Vec<(DateTime<Utc>, String)>>;
}
