//! Zones and local time: wall-clock times in a member's zone as UTC instants, zone names, local
//! dates, and the horizon nothing may be scheduled beyond.

use std::str::FromStr;

use chrono::{
    DateTime, Days, Duration, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc,
};
use chrono_tz::Tz;

use super::error::{WhenError, clip};

/// How far ahead anything may be scheduled.
pub(super) const HORIZON_MONTHS: u32 = 60;

/// A local wall-clock time in `tz` as a UTC instant: a time in a DST gap moves forward by the gap
/// (02:30 on a spring-forward night becomes 03:30); an ambiguous time takes the earlier instant.
pub fn resolve_local(date: NaiveDate, time: NaiveTime, tz: Tz) -> Option<DateTime<Utc>> {
    let naive = date.and_time(time);
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.with_timezone(&Utc).min(b.with_timezone(&Utc))),
        LocalResult::None => resolve_gap(naive, tz),
    }
}

fn resolve_gap(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    // Reading the skipped wall time with the offset in force before the gap lands exactly one
    // gap-length later on the far side. 36 h back is before any gap yet after the previous change.
    let probe = naive.checked_sub_signed(Duration::hours(36))?;
    let before = tz.offset_from_utc_datetime(&probe).fix();
    let instant = naive
        .checked_sub_signed(Duration::seconds(i64::from(before.local_minus_utc())))?
        .and_utc();
    if instant.with_timezone(&tz).naive_local() > naive {
        return Some(instant);
    }
    // Zones with odd histories: settle for the first wall time that exists.
    (1..=48 * 60).find_map(|m| {
        let later = naive.checked_add_signed(Duration::minutes(m))?;
        match tz.from_local_datetime(&later) {
            LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(a, _) => Some(a.with_timezone(&Utc)),
            LocalResult::None => None,
        }
    })
}

/// Parse an IANA zone name ("Australia/Sydney", case-insensitive accepted), with a clear error.
pub fn parse_zone(text: &str) -> Result<Tz, WhenError> {
    let name = text.trim();
    if let Ok(tz) = Tz::from_str(name) {
        return Ok(tz);
    }
    chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(name))
        .copied()
        .ok_or_else(|| WhenError::UnknownZone(clip(name)))
}

pub(super) fn local_date(instant: DateTime<Utc>, tz: Tz) -> NaiveDate {
    instant.with_timezone(&tz).date_naive()
}

pub(super) fn add_days(date: NaiveDate, days: u64) -> Option<NaiveDate> {
    date.checked_add_days(Days::new(days))
}

pub(super) fn check_horizon(first: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), WhenError> {
    match now.checked_add_months(Months::new(HORIZON_MONTHS)) {
        Some(limit) if first <= limit => Ok(()),
        _ => Err(WhenError::TooFar),
    }
}
