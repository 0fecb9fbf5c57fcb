//! Events, the answers to them (with the waitlist) and who checked in.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::result::StoreResult;
use crate::core::command::RsvpAnswer;
use crate::core::io::UserRef;

/// An event as stored. Times are UTC; `zone` is the organiser's, for showing the series.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub society: String,
    pub platform: String,
    /// Where it was created; answers about it go there.
    pub room: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub duration: Duration,
    pub zone: Tz,
    pub place: Option<String>,
    /// None: no limit.
    pub capacity: Option<i64>,
    pub kind: String,
    pub cpd_minutes: Option<i64>,
    /// Empty for the whole society.
    pub group: String,
    pub cancelled: bool,
    /// The series this is one date of.
    pub series: Option<i64>,
    /// How many times it was edited or cancelled (the iCalendar SEQUENCE).
    pub sequence: i64,
    /// When its details last changed (the iCalendar LAST-MODIFIED): its creation, until a
    /// change.
    pub modified_at: DateTime<Utc>,
    /// The import it came from, and its UID in that feed.
    pub import: Option<i64>,
    pub source_uid: Option<String>,
}

/// Where a member stands for an event. A member asks for an `RsvpAnswer`; `going` beyond the
/// capacity is kept as `Waitlist` until a place opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsvpState {
    Going,
    Waitlist,
    Maybe,
    No,
}

impl RsvpState {
    pub const ALL: [RsvpState; 4] = [
        RsvpState::Going,
        RsvpState::Waitlist,
        RsvpState::Maybe,
        RsvpState::No,
    ];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RsvpState::Going => "going",
            RsvpState::Waitlist => "waitlist",
            RsvpState::Maybe => "maybe",
            RsvpState::No => "no",
        }
    }

    /// The inverse of [`RsvpState::as_str`], exactly.
    pub fn parse(text: &str) -> Option<RsvpState> {
        RsvpState::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

impl From<RsvpAnswer> for RsvpState {
    fn from(answer: RsvpAnswer) -> Self {
        match answer {
            RsvpAnswer::Going => RsvpState::Going,
            RsvpAnswer::Maybe => RsvpState::Maybe,
            RsvpAnswer::No => RsvpState::No,
        }
    }
}

/// A member's answer to an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rsvp {
    pub user: UserRef,
    pub answer: RsvpState,
    pub answered_at: DateTime<Utc>,
}

/// What an RSVP changed: the member's own place, and who moved up from the waitlist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsvpOutcome {
    pub answer: RsvpState,
    /// 1-based place on the waitlist, when waitlisted.
    pub waitlist_place: Option<i64>,
    pub promoted: Vec<UserRef>,
}

/// One-off events: their details, RSVPs, check-in codes and attendance.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Stores the event and its reminder job (first due at `first_reminder`, if any).
    async fn create_event(
        &self,
        event: &Event,
        first_reminder: Option<DateTime<Utc>>,
        reminder_offsets: &[Duration],
        now: DateTime<Utc>,
    ) -> StoreResult<Event>;
    async fn event(&self, id: i64) -> StoreResult<Option<Event>>;
    /// The society's events not cancelled that end after `now`, soonest first.
    async fn upcoming_events(&self, society: &str, now: DateTime<Utc>) -> StoreResult<Vec<Event>>;
    /// Marks it cancelled (its SEQUENCE goes up) and stops its reminders; false if it already
    /// was.
    async fn cancel_event(&self, id: i64, now: DateTime<Utc>) -> StoreResult<bool>;

    /// Changes an event's details (its SEQUENCE goes up), moves its reminders to
    /// `first_reminder`, and fills any places a larger capacity opened from the waitlist, in
    /// order. Returns who was promoted.
    async fn update_event(
        &self,
        event: &Event,
        first_reminder: Option<DateTime<Utc>>,
        reminder_offsets: &[Duration],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<UserRef>>;
    /// Records an answer in one transaction: `going` beyond the capacity joins the waitlist;
    /// a place given up goes to the first on the waitlist. Concurrent answers never promote
    /// one member twice or fill a place twice.
    async fn rsvp(
        &self,
        event: i64,
        user: &UserRef,
        answer: RsvpAnswer,
        now: DateTime<Utc>,
    ) -> StoreResult<RsvpOutcome>;
    /// Every answer, in answer order.
    async fn rsvps(&self, event: i64) -> StoreResult<Vec<Rsvp>>;
    /// The society's events the member answered other than `no`, soonest first.
    async fn answered_events(&self, society: &str, user_id: &str) -> StoreResult<Vec<Event>>;
    async fn set_checkin_code(&self, event: i64, code: &str) -> StoreResult<()>;
    async fn checkin_code(&self, event: i64) -> StoreResult<Option<String>>;
    /// Wrong check-in codes the member has typed for the event.
    async fn checkin_failures(&self, event: i64, user_id: &str) -> StoreResult<u32>;
    /// Forgets every member's wrong codes for the event: an organiser has the code in hand.
    async fn clear_checkin_failures(&self, event: i64) -> StoreResult<()>;
    /// Counts one more wrong code from the member and returns their new total.
    async fn record_checkin_failure(&self, event: i64, user_id: &str) -> StoreResult<u32>;
    /// Records that the member attended; false if they had already checked in.
    async fn record_attendance(
        &self,
        event: i64,
        user: &UserRef,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Who checked in, in order.
    async fn attendance(&self, event: i64) -> StoreResult<Vec<(UserRef, DateTime<Utc>)>>;
    /// The events the member checked in to in this society, oldest first.
    async fn attended(&self, society: &str, user_id: &str) -> StoreResult<Vec<Event>>;
}
