//! Members' reminders; each fires through its job in the queue.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::result::StoreResult;
use crate::core::io::UserRef;
use crate::core::when::Rule;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Privately to the member who asked.
    Me,
    /// Posted in the room where it was asked.
    Here,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Me => "me",
            Delivery::Here => "here",
        }
    }

    /// The inverse of [`Delivery::as_str`], exactly.
    pub fn parse(text: &str) -> Option<Delivery> {
        [Delivery::Me, Delivery::Here]
            .into_iter()
            .find(|delivery| delivery.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReminder {
    pub platform: String,
    pub society: String,
    pub owner: UserRef,
    pub delivery: Delivery,
    pub room: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub zone: Tz,
    pub rule: Option<Rule>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    pub id: i64,
    pub platform: String,
    pub society: String,
    pub owner: UserRef,
    pub delivery: Delivery,
    pub room: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    /// The next time it fires (or last fired, once done).
    pub due_at: DateTime<Utc>,
    pub zone: Tz,
    pub rule: Option<Rule>,
    pub active: bool,
}

/// Reminders a member set, with the job that fires each.
#[async_trait]
pub trait ReminderStore: Send + Sync {
    /// Stores the reminder and its job together.
    async fn create_reminder(&self, reminder: &NewReminder) -> StoreResult<Reminder>;
    async fn reminder(&self, id: i64) -> StoreResult<Option<Reminder>>;
    /// The member's reminders that will still fire, soonest first.
    async fn active_reminders(&self, society: &str, user_id: &str) -> StoreResult<Vec<Reminder>>;
    /// Reminders that will still be posted in this room, whoever set them.
    async fn count_active_room_reminders(&self, platform: &str, room: &str) -> StoreResult<usize>;
    async fn cancel_reminder(&self, id: i64) -> StoreResult<bool>;
    /// Sets the next firing time and makes the reminder active again.
    async fn reschedule_reminder(&self, id: i64, due_at: DateTime<Utc>) -> StoreResult<bool>;
    /// Notes that the reminder names `member_id` (a follow-up about them): if they erase their
    /// data, the reminder keeps firing for its owner with `anonymised_text` as its text.
    async fn add_reminder_subject(
        &self,
        reminder: i64,
        society: &str,
        member_id: &str,
        anonymised_text: &str,
    ) -> StoreResult<()>;
}
