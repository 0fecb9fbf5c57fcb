//! Natural-language time expressions and recurrence rules for reminders.
//!
//! Everything a member types is read relative to a `now` and in the member's own zone,
//! because "tomorrow 8am" and "every Monday 08:00" only mean something on a wall clock.
//! Recurrences are stepped in local calendar days and converted with [`resolve_local`], so
//! 08:00 stays 08:00 across daylight-saving changes.
//!
//! Decisions worth knowing:
//! - "Tuesday 9am" is the next Tuesday strictly in the future, today included if the time is
//!   still ahead. "next Tuesday" is the coming Tuesday, except on a Tuesday, when it is the
//!   Tuesday 7 days later (people say "next Tuesday" on a Tuesday to mean the following week).
//! - A bare number is never a time ("call 5 people"): a time needs a colon, am/pm, or "at".
//! - Dates are day-first ("1/12" is 1 December), a date without a year is the next such date.
//! - A wall time that does not exist (DST gap) moves forward by the gap; an ambiguous one takes
//!   the earlier instant.
//! - Raw cron uses Unix numbering (0 or 7 = Sunday) and Unix day matching: when both
//!   day-of-month and day-of-week are restricted, either may match.

mod absolute;
mod cron;
mod duration;
mod error;
mod expression;
mod recurrence;
mod tokens;
mod words;
mod zone;

pub use duration::{DAYS_PER_MONTH, DAYS_PER_YEAR, parse_duration, parse_setting_span};
pub use error::WhenError;
pub use expression::{parse, split_when};
pub use recurrence::{Rule, Schedule};
pub use zone::{parse_zone, resolve_local};

#[cfg(test)]
mod tests;
