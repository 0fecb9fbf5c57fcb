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
//!   "at 8" and "8:30" read the 24-hour clock. Beside a day, a bare hour ("tomorrow 8") reads
//!   both ways, so it is asked back (`WhenError::Ambiguous`: "08:00 or 20:00?") unless a part
//!   of the day settles it ("this evening 7", "tonight 8"). Spoken times ("half past 8",
//!   "quarter to 9", British "half 8" for 8:30, "8 o'clock") are 12-hour and asked back the
//!   same way unless am/pm is said.
//! - Parts of the day have documented hours, stated in every confirmation: morning and "first
//!   thing" 08:00, afternoon (arvo) 14:00, evening 18:00, night and tonight 20:00, end of the
//!   day (EOD, COB) 17:00. Without a day they are the next such time.
//! - "next week" is the Monday starting next week; "Monday week" and "a week on Monday" are
//!   the Monday after the coming one; a fortnight is 14 days, "every fortnight" every 2 weeks
//!   on today's weekday unless one is named.
//! - Zones may be typed as cities ("Sydney", "New York") or abbreviations that name one zone
//!   ("AEDT", "BST"); a shared one ("EST", "IST", "AEST", "GMT") is asked back.
//! - Lengths (`parse_duration`, `parse_setting_span`) count a month as 30 days and a year as
//!   365; "in 2 months" as a time is 2 calendar months on the wall clock.
//! - Dates are day-first ("1/12" is 1 December), a date without a year is the next such date.
//!   In US and Canadian zones, where month-first is written too, a date that reads both ways
//!   ("12/1") is asked back and one that reads one way ("12/25") takes it.
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
pub use error::{Ambiguity, WhenError};
pub use expression::{parse, split_when};
pub use recurrence::{Rule, Schedule};
pub use zone::{parse_zone, resolve_local};

#[cfg(test)]
mod tests;
