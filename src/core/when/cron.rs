//! Raw cron expressions: Unix-style 5-field checks and day numbering on top of the `cron` crate,
//! and stepping a cron schedule on the member's wall clock.

use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDateTime, Utc, Weekday};
use chrono_tz::Tz;

use super::error::clip;
use super::words::{WEEKDAYS, weekday_code, weekday_name};
use super::zone::resolve_local;

/// The cron scan tolerates a whole ambiguous hour of every-second candidates.
const MAX_CRON_CANDIDATES: usize = 10_000;

/// The `cron` crate's schedules for an expression; two when Unix cron would OR the day fields.
pub(super) fn cron_schedules(expr: &str) -> Result<Vec<cron::Schedule>, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let sources = match fields.as_slice() {
        [minute, hour, dom, month, dow] => {
            let invalid =
                |why: String| format!("\"{}\" is not a valid cron expression: {why}", clip(expr));
            for (field, name, low, high) in [
                (minute, "minute", 0, 59),
                (hour, "hour", 0, 23),
                (dom, "day of month", 1, 31),
                (month, "month", 1, 12),
            ] {
                check_cron_numbers(field, name, low, high).map_err(invalid)?;
            }
            let days = unix_days_of_week(dow).map_err(|why| {
                format!("\"{}\" is not a valid cron expression: {why}", clip(expr))
            })?;
            let dom_any = dom.starts_with('*') || *dom == "?";
            let dow_any = dow.starts_with('*') || *dow == "?";
            let dom = if *dom == "?" { "*" } else { dom };
            if dom_any || dow_any {
                vec![format!("0 {minute} {hour} {dom} {month} {days}")]
            } else {
                vec![
                    format!("0 {minute} {hour} {dom} {month} *"),
                    format!("0 {minute} {hour} * {month} {days}"),
                ]
            }
        }
        [_, _, _, _, _, _] | [_, _, _, _, _, _, _] => vec![fields.join(" ")],
        _ => {
            return Err(format!(
                "\"{}\" is not a cron expression: it needs 5 fields (minute hour day month weekday)",
                clip(expr)
            ));
        }
    };
    sources
        .iter()
        .map(|s| {
            // The crate's messages quote its own 6-field form, which would confuse a member.
            cron::Schedule::from_str(s).map_err(|_| {
                format!(
                    "\"{}\" is not a valid cron expression (minute hour day month weekday)",
                    clip(expr)
                )
            })
        })
        .collect()
}

/// Range-checks the numbers in a Unix cron field so the member hears which one is wrong.
fn check_cron_numbers(field: &str, name: &str, low: u32, high: u32) -> Result<(), String> {
    for item in field.split(',') {
        let range = item.split_once('/').map_or(item, |(r, _)| r);
        for part in range.split('-') {
            if let Ok(n) = part.parse::<u32>()
                && !(low..=high).contains(&n)
            {
                return Err(format!("{name} {n} is out of range {low}-{high}"));
            }
        }
    }
    Ok(())
}

/// Unix day-of-week (0 or 7 = Sunday, 1 = Monday) as the crate's day names, which avoids its
/// 1 = Sunday numbering entirely.
fn unix_days_of_week(field: &str) -> Result<String, String> {
    if field == "*" || field == "?" {
        return Ok("*".to_string());
    }
    let value = |v: &str| -> Result<u32, String> {
        if let Ok(n) = v.parse::<u32>() {
            return if n <= 7 {
                Ok(n % 7)
            } else {
                Err(format!("day of week {n} is out of range 0-7"))
            };
        }
        let lower = v.to_lowercase();
        WEEKDAYS
            .iter()
            .find(|d| weekday_code(**d) == lower || weekday_name(**d).eq_ignore_ascii_case(v))
            .map(|d| d.num_days_from_sunday())
            .ok_or_else(|| format!("'{}' is not a day of the week", clip(v)))
    };
    let mut set = [false; 7];
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step
                    .parse()
                    .map_err(|_| format!("'{}' is not a step", clip(step)))?;
                if step == 0 {
                    return Err("a step cannot be zero".to_string());
                }
                (range, step)
            }
            None => (item, 1),
        };
        // Ranges may end on 7 (Sunday), so they are walked on 0..=7 before folding 7 onto 0.
        let (low, high) = if range == "*" {
            (0, 6)
        } else if let Some((a, b)) = range.split_once('-') {
            let high = match value(b)? {
                0 if b.trim() != "0" => 7,
                h => h,
            };
            (value(a)?, high)
        } else {
            let v = value(range)?;
            if item.contains('/') { (v, 7) } else { (v, v) }
        };
        if low > high {
            return Err(format!("the range '{}' runs backwards", clip(range)));
        }
        let mut d = low;
        while d <= high {
            set[(d % 7) as usize] = true;
            d += step;
        }
    }
    let names: Vec<&str> = [
        Weekday::Sun,
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
    ]
    .iter()
    .zip(set)
    .filter(|(_, on)| *on)
    .map(|(d, _)| weekday_code(*d))
    .collect();
    Ok(names.join(","))
}

pub(super) fn cron_next(
    schedule: &cron::Schedule,
    after: DateTime<Utc>,
    tz: Tz,
) -> Option<DateTime<Utc>> {
    // The crate silently skips wall times inside a DST gap, so it runs on naive local time
    // (labelled UTC) and each candidate is resolved here, like every other rule.
    let local = after.with_timezone(&tz).naive_local().and_utc();
    let mut best: Option<DateTime<Utc>> = None;
    let mut window_end: Option<NaiveDateTime> = None;
    for candidate in schedule.after(&local).take(MAX_CRON_CANDIDATES) {
        let naive = candidate.naive_utc();
        if window_end.is_some_and(|end| naive > end) {
            break;
        }
        let Some(instant) = resolve_local(naive.date(), naive.time(), tz) else {
            continue;
        };
        if instant <= after {
            continue;
        }
        // A gap-shifted candidate can land after later wall times, so look a little further.
        if window_end.is_none() {
            window_end = naive.checked_add_signed(Duration::hours(3));
        }
        best = Some(best.map_or(instant, |b| b.min(instant)));
    }
    best
}

pub(super) fn looks_like_cron(words: &[&str]) -> bool {
    words.len() == 5
        && words.iter().enumerate().all(|(i, w)| {
            w.chars().all(|c| {
                c.is_ascii_digit()
                    || matches!(c, '*' | '/' | ',' | '-' | '?')
                    || (i >= 3 && c.is_ascii_alphabetic())
            })
        })
        && words[..3]
            .iter()
            .any(|w| w.chars().any(|c| c.is_ascii_digit() || c == '*'))
}

/// A word right after five cron fields that could itself be a field (`*`, `*/2`, `2026`): the
/// crate's 6/7-field forms would read it so, Unix cron would not, so the expression is
/// ambiguous and the member is asked to say which they meant.
pub(super) fn could_be_cron_field(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '*' | '/' | ',' | '-' | '?'))
        && word
            .chars()
            .any(|c| c.is_ascii_digit() || matches!(c, '*' | '?'))
}
