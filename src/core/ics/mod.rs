//! iCalendar (RFC 5545) export of a society's events, and import of hospital and society feeds.
//!
//! Export writes local times with a `TZID` and a generated `VTIMEZONE`, so a weekly series keeps
//! its wall-clock time across daylight-saving changes in every client.
//!
//! Import reads what Outlook/Exchange, Google and hand-made feeds produce and expands recurring
//! events into the occurrences that fall in a window, each with a stable key. It never fails on
//! one bad event: such an event is skipped, and only a text that is not a calendar at all (or is
//! too large, or cut off) is an error.
//!
//! Content lines are read and written here rather than through the `icalendar` crate: its writer
//! adds `DTSTAMP` and `UID` to every component (which is invalid inside a `VTIMEZONE`), may leave
//! whitespace at a fold point that line-trimming readers lose, and does not escape a carriage
//! return; its parser recurses once per nested `BEGIN`, so a hostile feed could overflow the stack,
//! and it rejects a whole feed over one malformed line.

mod components;
mod error;
mod export;
mod import;
mod recurrence;
mod text;
mod values;
mod vtimezone;
mod zone;

pub use error::IcsError;
pub use export::{CalendarEvent, calendar};
pub use import::{ImportedEvent, MAX_FEED_BYTES, parse};
