//! Spans of time ("1h30m", "2 weeks", "3 months") and the durations used for snoozes and offsets.

use chrono::Duration;

use super::error::{WhenError, clip};

pub(super) struct Span {
    pub(super) months: u64,
    pub(super) seconds: i64,
}

pub(super) fn parse_span(text: &str) -> Result<Span, WhenError> {
    let lower = text.trim().to_lowercase();
    let bad = || WhenError::BadDuration(clip(text));
    let mut rest = lower.as_str();
    let mut span = Span {
        months: 0,
        seconds: 0,
    };
    let mut any = false;
    loop {
        rest = rest.trim_start().trim_start_matches(',').trim_start();
        if rest.is_empty() {
            break;
        }
        if any
            && let Some(r) = rest.strip_prefix("and")
            && r.starts_with(char::is_whitespace)
        {
            rest = r;
            continue;
        }
        let digit_len = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
        let count: u64 = if digit_len > 0 {
            let (number, r) = rest.split_at(digit_len);
            rest = r;
            // Too many digits to count is still a (silly) duration: too far, not unreadable.
            number.parse().map_err(|_| WhenError::TooFar)?
        } else if let Some(r) = rest.strip_prefix("an ").or_else(|| rest.strip_prefix("a ")) {
            rest = r;
            1
        } else {
            return Err(bad());
        };
        rest = rest.trim_start();
        let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        let (unit, r) = rest.split_at(unit_len);
        rest = r;
        let per: i64 = match unit {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "wk" | "wks" | "week" | "weeks" => 604_800,
            "mo" | "mos" | "month" | "months" => {
                span.months = count.checked_add(span.months).ok_or(WhenError::TooFar)?;
                any = true;
                continue;
            }
            "y" | "yr" | "yrs" | "year" | "years" => {
                span.months = count
                    .checked_mul(12)
                    .and_then(|m| m.checked_add(span.months))
                    .ok_or(WhenError::TooFar)?;
                any = true;
                continue;
            }
            _ => return Err(bad()),
        };
        span.seconds = i64::try_from(count)
            .ok()
            .and_then(|c| c.checked_mul(per))
            .and_then(|s| s.checked_add(span.seconds))
            .ok_or(WhenError::TooFar)?;
        any = true;
    }
    if any { Ok(span) } else { Err(bad()) }
}

/// Durations for snooze and offsets: "10m", "10 minutes", "2h", "1h30m", "3 days", "2 weeks", "90s", "1 day 2 hours".
///
/// A leading "in" is accepted; months and years are not durations (their length varies) and are
/// rejected; anything over 5 years is `TooFar`.
pub fn parse_duration(text: &str) -> Result<Duration, WhenError> {
    let trimmed = text.trim();
    let body = match trimmed.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("in ") => &trimmed[3..],
        _ => trimmed,
    };
    if body.trim().is_empty() {
        return Err(WhenError::Empty);
    }
    let span = parse_span(body)?;
    if span.months > 0 {
        return Err(WhenError::BadDuration(clip(body)));
    }
    if span.seconds == 0 {
        return Err(WhenError::ZeroDuration);
    }
    // 5 years of 366 days: the same horizon as schedules, without needing a start date.
    if span.seconds > 5 * 366 * 86_400 {
        return Err(WhenError::TooFar);
    }
    Duration::try_seconds(span.seconds).ok_or(WhenError::TooFar)
}

/// Days a month counts for in a setting's span; see `parse_setting_span`.
pub const DAYS_PER_MONTH: i64 = 30;
/// Days a year counts for in a setting's span.
pub const DAYS_PER_YEAR: i64 = 365;

/// Spans written in configuration ("3 months", "1 year", "6 weeks", "90d").
///
/// A setting such as `stay_in_touch` is a length added to many different instants, not a date
/// on someone's calendar, so a month is 30 days and a year 365 days here: "3 months" after a
/// round on 31 January is 1 May, not an impossible 31 April. Members' own "in 2 months"
/// (`parse`) keeps counting calendar months. The same 5-year limit as `parse_duration` holds.
pub fn parse_setting_span(text: &str) -> Result<Duration, WhenError> {
    if text.trim().is_empty() {
        return Err(WhenError::Empty);
    }
    let span = parse_span(text)?;
    let years = i64::try_from(span.months / 12).map_err(|_| WhenError::TooFar)?;
    let months = i64::try_from(span.months % 12).map_err(|_| WhenError::TooFar)?;
    let seconds = years
        .checked_mul(DAYS_PER_YEAR)
        .and_then(|d| d.checked_add(months * DAYS_PER_MONTH))
        .and_then(|d| d.checked_mul(86_400))
        .and_then(|s| s.checked_add(span.seconds))
        .ok_or(WhenError::TooFar)?;
    if seconds == 0 {
        return Err(WhenError::ZeroDuration);
    }
    if seconds > 5 * 366 * 86_400 {
        return Err(WhenError::TooFar);
    }
    Duration::try_seconds(seconds).ok_or(WhenError::TooFar)
}
