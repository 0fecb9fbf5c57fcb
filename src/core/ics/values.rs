//! RFC 5545 value formats read and written by both directions: DATE-TIME stamps, UTC offsets
//! and durations.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};

pub(super) fn utc_stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

pub(super) fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (hours, minutes, secs) = (abs / 3600, abs / 60 % 60, abs % 60);
    if secs == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{secs:02}")
    }
}

/// `+HHMM` or `+HHMMSS`, in seconds east of UTC.
pub(super) fn parse_offset(value: &str) -> Option<i32> {
    let value = value.trim();
    let (sign, digits) = match value.as_bytes().first()? {
        b'+' => (1, &value[1..]),
        b'-' => (-1, &value[1..]),
        _ => return None,
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digits.get(range)?.parse::<i32>().ok();
    let seconds = if digits.len() == 6 { number(4..6)? } else { 0 };
    let total = number(0..2)? * 3600 + number(2..4)? * 60 + seconds;
    (total < 24 * 3600).then_some(sign * total)
}

/// A DATE or DATE-TIME value as written (local), and whether it was a DATE and whether it ended
/// in `Z`. Returns (local, Kind).
pub(super) fn parse_naive(value: &str) -> Option<(NaiveDateTime, Kind)> {
    let value = value.trim();
    // RDATE;VALUE=PERIOD gives "start/end"; only the start matters here.
    let value = value.split('/').next().unwrap_or(value);
    if value.len() == 8 {
        let date = NaiveDate::parse_from_str(value, "%Y%m%d").ok()?;
        return Some((date.and_time(NaiveTime::MIN), Kind::Date));
    }
    let (body, utc) = match value.strip_suffix(['Z', 'z']) {
        Some(body) => (body, true),
        None => (value, false),
    };
    let local = NaiveDateTime::parse_from_str(body, "%Y%m%dT%H%M%S")
        .or_else(|_| NaiveDateTime::parse_from_str(body, "%Y%m%dt%H%M%S"))
        .ok()?;
    Some((local, if utc { Kind::Utc } else { Kind::Local }))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Date,
    Utc,
    Local,
}

/// ISO 8601 / RFC 5545 durations such as `PT1H30M`, `P1D`, `P2W`; None if malformed or negative.
pub(super) fn parse_duration(value: &str) -> Option<Duration> {
    let value = value.trim().to_ascii_uppercase();
    let value = value.strip_prefix('+').unwrap_or(&value);
    if value.starts_with('-') {
        return None;
    }
    let body = value.strip_prefix('P')?;
    let mut total = Duration::zero();
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in body.chars() {
        match c {
            '0'..='9' => number.push(c),
            'T' if !in_time && number.is_empty() => in_time = true,
            _ => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                let part = match (c, in_time) {
                    ('W', false) => Duration::try_weeks(n)?,
                    ('D', false) => Duration::try_days(n)?,
                    ('H', true) => Duration::try_hours(n)?,
                    ('M', true) => Duration::try_minutes(n)?,
                    ('S', true) => Duration::try_seconds(n)?,
                    _ => return None,
                };
                total = total.checked_add(&part)?;
                any = true;
            }
        }
    }
    (any && number.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("P2W"), Some(Duration::weeks(2)));
        assert_eq!(parse_duration("P1DT12H"), Some(Duration::hours(36)));
        assert_eq!(parse_duration("-PT1H"), None);
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("PT99999999999999999999H"), None);
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+1000"), Some(36000));
        assert_eq!(parse_offset("-0330"), Some(-12600));
        assert_eq!(format_offset(19800), "+0530");
        assert_eq!(format_offset(-12600), "-0330");
        assert_eq!(format_offset(0), "+0000");
    }
}
