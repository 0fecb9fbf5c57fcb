//! What the calendar adds to events: repeating series, the subscription feed, and calendars
//! imported from a URL.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::events::Event;
use super::result::StoreResult;
use crate::core::when::Rule;

/// A repeating event: `template` holds what each date copies (its id and start are unused).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    pub id: i64,
    /// Computed in `template.zone`.
    pub rule: Rule,
    pub first_at: DateTime<Utc>,
    pub template: Event,
    pub cancelled: bool,
    /// Raised by each change to the series as a whole (the iCalendar SEQUENCE of its entry).
    pub sequence: i64,
    /// When the series as a whole last changed (LAST-MODIFIED).
    pub modified_at: DateTime<Utc>,
    /// When a cancelled series was ended: its dates starting up to then were held.
    pub ended_at: Option<DateTime<Utc>>,
}

/// A calendar imported from a URL and re-synced daily.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventImport {
    pub id: i64,
    pub society: String,
    pub platform: String,
    /// Where it was asked for; the first sync's summary goes there.
    pub room: String,
    pub url: String,
    pub synced_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// Series and their dates, feed tokens, and imported calendars with the events they made.
#[async_trait]
pub trait CalendarStore: Send + Sync {
    /// Stores a series, its job (due when `first` begins) and its first date, in one transaction.
    async fn create_series(
        &self,
        series: &Series,
        first: &Event,
        first_reminder: Option<DateTime<Utc>>,
        reminder_offsets: &[Duration],
        now: DateTime<Utc>,
    ) -> StoreResult<(Series, Event)>;
    async fn series(&self, id: i64) -> StoreResult<Option<Series>>;
    /// Every series of the society, cancelled ones too (a feed shows them as cancelled).
    async fn society_series(&self, society: &str) -> StoreResult<Vec<Series>>;
    /// Stores the template's details; the series' SEQUENCE goes up.
    async fn update_series(&self, series: &Series, now: DateTime<Utc>) -> StoreResult<()>;
    /// Ends a series at `now`: no more dates are made. False if it already was.
    async fn cancel_series(&self, id: i64, now: DateTime<Utc>) -> StoreResult<bool>;
    /// Marks one date of a series as not happening (the series' SEQUENCE goes up); false if it
    /// already was.
    async fn skip_date(
        &self,
        series: i64,
        starts_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
    async fn skipped_dates(&self, series: i64) -> StoreResult<Vec<DateTime<Utc>>>;
    /// The date of a series starting at `starts_at`, if it was made.
    async fn occurrence(&self, series: i64, starts_at: DateTime<Utc>)
    -> StoreResult<Option<Event>>;
    /// Events for a calendar feed: one-off ones (not dates of a series) ending after `since`.
    async fn feed_events(&self, society: &str, since: DateTime<Utc>) -> StoreResult<Vec<Event>>;
    /// The society's feed token, stored as `candidate` if it had none.
    async fn feed_token(
        &self,
        society: &str,
        candidate: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<String>;
    /// Replaces the token: the old feed URL stops working.
    async fn reset_feed_token(
        &self,
        society: &str,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The society's token if it has one (the HTTP server checks requests against it).
    async fn stored_feed_token(&self, society: &str) -> StoreResult<Option<String>>;
    /// Stores an import and its job (due now); if the society already imports that URL,
    /// returns the existing one and `false`.
    async fn save_import(
        &self,
        import: &EventImport,
        now: DateTime<Utc>,
    ) -> StoreResult<(EventImport, bool)>;
    async fn import(&self, id: i64) -> StoreResult<Option<EventImport>>;
    async fn imports(&self, society: &str) -> StoreResult<Vec<EventImport>>;
    /// Stops an import (its job ends); its events stay.
    async fn remove_import(&self, id: i64) -> StoreResult<()>;
    async fn mark_import(
        &self,
        id: i64,
        synced_at: DateTime<Utc>,
        error: Option<&str>,
    ) -> StoreResult<()>;
    /// The event this import made for a feed UID; a UID is scoped to its import, so one feed
    /// cannot reach another's events by reusing its UIDs.
    async fn event_by_source(&self, import: i64, uid: &str) -> StoreResult<Option<Event>>;
    /// The import's events not cancelled that start after `after`.
    async fn imported_events(&self, import: i64, after: DateTime<Utc>) -> StoreResult<Vec<Event>>;
}
