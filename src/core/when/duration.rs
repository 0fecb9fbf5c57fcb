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
    // The last unit's length in seconds, for "an hour and a half".
    let mut last: Option<i64> = None;
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
        if let Some(per) = last
            && let Some(r) = rest
                .strip_prefix("a half")
                .filter(|r| r.is_empty() || r.starts_with([' ', ',']))
        {
            rest = r;
            span.seconds = span.seconds.checked_add(per / 2).ok_or(WhenError::TooFar)?;
            last = None;
            continue;
        }
        let mut half = false;
        let digit_len = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
        let count: u64 = if digit_len > 0 {
            let (number, r) = rest.split_at(digit_len);
            rest = r;
            // Too many digits to count is still a (silly) duration: too far, not unreadable.
            number.parse().map_err(|_| WhenError::TooFar)?
        } else if let Some(r) = rest
            .strip_prefix("half an ")
            .or_else(|| rest.strip_prefix("half a "))
        {
            rest = r;
            half = true;
            1
        } else if let Some(r) = rest.strip_prefix("an ").or_else(|| rest.strip_prefix("a ")) {
            rest = r;
            1
        } else if !any && lone_unit(rest) {
            // "fortnight", "week": one of them, as people say "pause for a week".
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
            "fortnight" | "fortnights" => 1_209_600,
            "mo" | "mos" | "month" | "months" if !half => {
                span.months = count.checked_add(span.months).ok_or(WhenError::TooFar)?;
                any = true;
                last = None;
                continue;
            }
            "y" | "yr" | "yrs" | "year" | "years" if !half => {
                span.months = count
                    .checked_mul(12)
                    .and_then(|m| m.checked_add(span.months))
                    .ok_or(WhenError::TooFar)?;
                any = true;
                last = None;
                continue;
            }
            _ => return Err(bad()),
        };
        let amount = if half {
            Some(per / 2)
        } else {
            i64::try_from(count).ok().and_then(|c| c.checked_mul(per))
        };
        span.seconds = amount
            .and_then(|s| s.checked_add(span.seconds))
            .ok_or(WhenError::TooFar)?;
        any = true;
        last = (!half).then_some(per);
    }
    if any { Ok(span) } else { Err(bad()) }
}

/// A unit said alone, meaning one of it: only whole words, so "in minutes" stays unreadable.
fn lone_unit(text: &str) -> bool {
    let word = text.split_whitespace().next().unwrap_or("");
    matches!(
        word,
        "fortnight" | "week" | "month" | "year" | "day" | "hour"
    )
}

/// Durations for snooze, pauses and offsets: "10m", "1h30m", "3 days", "2 weeks", "half an
/// hour", "a fortnight", "3 months", "1 year", "1 day 2 hours"; a leading "in" is accepted.
///
/// A month counts as `DAYS_PER_MONTH` days and a year as `DAYS_PER_YEAR` (see
/// `parse_setting_span`): a length, not a calendar date. Errors name lengths of time ("Try:
/// `10 minutes`"), not "in ..." times, since the command that asked wants a length.
pub fn parse_duration(text: &str) -> Result<Duration, WhenError> {
    let trimmed = text.trim();
    let body = match trimmed.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("in ") => &trimmed[3..],
        _ => trimmed,
    };
    parse_setting_span(body)
}

/// Days a month counts for in a span; see `parse_setting_span`.
pub const DAYS_PER_MONTH: i64 = 30;
/// Days a year counts for in a span.
pub const DAYS_PER_YEAR: i64 = 365;

/// Spans written in configuration ("3 months", "1 year", "6 weeks", "90d").
///
/// A setting such as `stay_in_touch` is a length added to many different instants, not a date
/// on someone's calendar, so a month is 30 days and a year 365 days here: "3 months" after a
/// round on 31 January is 1 May, not an impossible 31 April. Members' own "in 2 months"
/// (`parse`) keeps counting calendar months. Anything over 5 years of 366 days is refused.
pub fn parse_setting_span(text: &str) -> Result<Duration, WhenError> {
    if text.trim().is_empty() {
        return Err(WhenError::Empty);
    }
    let span = parse_span(text).map_err(|e| match e {
        WhenError::BadDuration(what) => WhenError::BadSpan(what),
        WhenError::TooFar => WhenError::SpanTooLong,
        other => other,
    })?;
    let years = i64::try_from(span.months / 12).map_err(|_| WhenError::SpanTooLong)?;
    let months = i64::try_from(span.months % 12).map_err(|_| WhenError::SpanTooLong)?;
    let seconds = years
        .checked_mul(DAYS_PER_YEAR)
        .and_then(|d| d.checked_add(months * DAYS_PER_MONTH))
        .and_then(|d| d.checked_mul(86_400))
        .and_then(|s| s.checked_add(span.seconds))
        .ok_or(WhenError::SpanTooLong)?;
    if seconds == 0 {
        return Err(WhenError::ZeroSpan);
    }
    if seconds > 5 * 366 * 86_400 {
        return Err(WhenError::SpanTooLong);
    }
    Duration::try_seconds(seconds).ok_or(WhenError::SpanTooLong)
}
