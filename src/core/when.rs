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

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Days, Duration, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime,
    Offset, TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

/// How far ahead anything may be scheduled.
const HORIZON_MONTHS: u32 = 60;
/// A larger interval could never fire inside the horizon, and bounds `next_after`'s day scan.
const MAX_EVERY_WEEKS: u32 = 260;
/// No real time expression is this long; the cap keeps `split_when` cheap on long messages.
const MAX_TOKENS: usize = 48;
/// The cron scan tolerates a whole ambiguous hour of every-second candidates.
const MAX_CRON_CANDIDATES: usize = 10_000;
const DEFAULT_HOUR: u32 = 9;
const TONIGHT_HOUR: u32 = 20;

/// What a member's time expression means: the first due instant, and a rule if it repeats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub first: DateTime<Utc>,
    pub rule: Option<Rule>,
}

/// A recurrence, computed in the member's zone so 08:00 stays 08:00 across DST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Every day at a wall-clock time.
    Daily { at: NaiveTime },
    /// On the given weekdays of every `every_weeks`-th week, counted in Monday-start weeks from
    /// the week containing `anchor`.
    Weekly {
        days: Vec<Weekday>,
        every_weeks: u32,
        at: NaiveTime,
        anchor: NaiveDate,
    },
    /// On a day of the month; months without that day are skipped.
    Monthly { day: u32, at: NaiveTime },
    /// A cron expression: 5 fields in Unix style, or 6/7 fields in the `cron` crate's style
    /// (leading seconds, optional trailing year).
    Cron(String),
}

/// Errors a member reads: what is wrong, then two examples that work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhenError {
    #[error("No time was given. Try: `in 20 minutes` or `tomorrow 8am`.")]
    Empty,
    #[error("I couldn't read \"{0}\" as a time. Try: `in 20 minutes` or `next Tuesday 09:00`.")]
    Unrecognised(String),
    #[error("That time has already passed. Try: `in 2 hours` or `tomorrow 9am`.")]
    Passed,
    #[error("{0} is not a date. Try: `1 December 14:30` or `28 February 9am`.")]
    NoSuchDate(String),
    #[error("\"{0}\" is not a time of day. Try: `at 17:00` or `tomorrow 5pm`.")]
    BadTime(String),
    #[error("\"{0}\" is not a duration I understand. Try: `in 10 minutes` or `in 1h30m`.")]
    BadDuration(String),
    #[error("A duration must be longer than zero. Try: `in 10 minutes` or `in 2 hours`.")]
    ZeroDuration,
    #[error("That is more than 5 years ahead. Try: `in 2 weeks` or `next Tuesday 09:00`.")]
    TooFar,
    #[error(
        "\"{0}\" is not a repeating time I understand. Try: `every Monday 08:00` or `every weekday at 7:30`."
    )]
    BadRecurrence(String),
    #[error(
        "A repeat interval must be at least 1. Try: `every 2 weeks on Friday 17:00` or `every Monday 08:00`."
    )]
    ZeroInterval,
    #[error("{0}. Try: `0 8 * * 1` or `every Monday at 08:00`.")]
    BadCron(String),
    #[error("\"{0}\" is not a time zone I know. Try: `Australia/Sydney` or `Europe/London`.")]
    UnknownZone(String),
    #[error("The stored rule \"{0}\" is damaged. Try: `every Monday 08:00` or `daily at 9`.")]
    BadRule(String),
}

impl WhenError {
    /// How much an error tells the member; `split_when` reports the most telling one.
    fn rank(&self) -> u8 {
        match self {
            WhenError::Empty => 0,
            WhenError::Unrecognised(_) => 1,
            WhenError::BadDuration(_) | WhenError::BadRecurrence(_) | WhenError::BadRule(_) => 2,
            _ => 3,
        }
    }
}

/// Member text quoted back in an error: bounded, and free of backticks so the examples stay
/// the only code spans.
fn clip(text: &str) -> String {
    let trimmed = text.trim();
    let mut out: String = trimmed
        .chars()
        .take(40)
        .map(|c| if c == '`' || c == '"' { '\'' } else { c })
        .collect();
    if trimmed.chars().count() > 40 {
        out.push('…');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Zones and local time

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

fn local_date(instant: DateTime<Utc>, tz: Tz) -> NaiveDate {
    instant.with_timezone(&tz).date_naive()
}

fn add_days(date: NaiveDate, days: u64) -> Option<NaiveDate> {
    date.checked_add_days(Days::new(days))
}

fn check_horizon(first: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), WhenError> {
    match now.checked_add_months(Months::new(HORIZON_MONTHS)) {
        Some(limit) if first <= limit => Ok(()),
        _ => Err(WhenError::TooFar),
    }
}

// ---------------------------------------------------------------------------------------------
// Rules

fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)
}

fn fmt_time(t: NaiveTime) -> String {
    if t.nanosecond() != 0 {
        t.format("%H:%M:%S%.9f").to_string()
    } else if t.second() != 0 {
        t.format("%H:%M:%S").to_string()
    } else {
        t.format("%H:%M").to_string()
    }
}

fn parse_stored_time(text: &str) -> Option<NaiveTime> {
    ["%H:%M", "%H:%M:%S", "%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(text, f).ok())
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn weekday_code(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn ordinal_suffix(n: u32) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

fn join_names(days: &[Weekday]) -> String {
    let names: Vec<&str> = days.iter().map(|d| weekday_name(*d)).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

fn sorted_days(mut days: Vec<Weekday>) -> Vec<Weekday> {
    days.sort_by_key(|d| d.num_days_from_monday());
    days.dedup();
    days
}

fn weeks_between(anchor: NaiveDate, date: NaiveDate) -> i64 {
    let monday = |d: NaiveDate| d.num_days_from_ce() as i64 - d.weekday().num_days_from_monday() as i64;
    (monday(date) - monday(anchor)).div_euclid(7)
}

impl Rule {
    /// Canonical text stored in the database; `Rule::from_text(&r.to_text()) == Ok(r)` always.
    ///
    /// Formats: `daily at=09:00`, `weekly every=2 days=mon,thu at=12:30 anchor=2026-11-27`,
    /// `monthly day=1 at=09:00`, `cron 0 8 * * 1`.
    pub fn to_text(&self) -> String {
        match self {
            Rule::Daily { at } => format!("daily at={}", fmt_time(*at)),
            Rule::Weekly {
                days,
                every_weeks,
                at,
                anchor,
            } => {
                let codes: Vec<&str> = days.iter().map(|d| weekday_code(*d)).collect();
                format!(
                    "weekly every={every_weeks} days={} at={} anchor={}",
                    codes.join(","),
                    fmt_time(*at),
                    anchor.format("%Y-%m-%d")
                )
            }
            Rule::Monthly { day, at } => format!("monthly day={day} at={}", fmt_time(*at)),
            Rule::Cron(expr) => format!("cron {expr}"),
        }
    }

    pub fn from_text(text: &str) -> Result<Rule, WhenError> {
        let bad = || WhenError::BadRule(clip(text));
        // The expression is kept verbatim so that any stored cron rule round-trips exactly.
        if let Some(expr) = text.strip_prefix("cron ") {
            cron_schedules(expr).map_err(WhenError::BadCron)?;
            return Ok(Rule::Cron(expr.to_string()));
        }
        let mut words = text.split_whitespace();
        let kind = words.next().ok_or_else(bad)?;
        let mut fields: HashMap<&str, &str> = HashMap::new();
        for word in words {
            let (key, value) = word.split_once('=').ok_or_else(bad)?;
            if fields.insert(key, value).is_some() {
                return Err(bad());
            }
        }
        let mut take = |key: &str| fields.remove(key).ok_or_else(bad);
        let at = parse_stored_time(take("at")?).ok_or_else(bad)?;
        let rule = match kind {
            "daily" => Rule::Daily { at },
            "monthly" => {
                let day: u32 = take("day")?.parse().map_err(|_| bad())?;
                if !(1..=31).contains(&day) {
                    return Err(bad());
                }
                Rule::Monthly { day, at }
            }
            "weekly" => {
                let every_weeks: u32 = take("every")?.parse().map_err(|_| bad())?;
                if every_weeks == 0 || every_weeks > MAX_EVERY_WEEKS {
                    return Err(bad());
                }
                let days = take("days")?
                    .split(',')
                    .map(|c| WEEKDAYS.into_iter().find(|d| weekday_code(*d) == c))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(bad)?;
                if days.is_empty() {
                    return Err(bad());
                }
                let anchor =
                    NaiveDate::parse_from_str(take("anchor")?, "%Y-%m-%d").map_err(|_| bad())?;
                Rule::Weekly {
                    days,
                    every_weeks,
                    at,
                    anchor,
                }
            }
            _ => return Err(bad()),
        };
        if fields.is_empty() { Ok(rule) } else { Err(bad()) }
    }

    /// The first occurrence strictly after `after`, computed in `tz`. None if the rule has no future occurrence.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let start = local_date(after, tz);
        let on_day = |date: NaiveDate, at: NaiveTime| resolve_local(date, at, tz).filter(|t| *t > after);
        match self {
            Rule::Daily { at } => (0..=3).find_map(|k| on_day(add_days(start, k)?, *at)),
            Rule::Weekly {
                days,
                every_weeks,
                at,
                anchor,
            } => {
                if days.is_empty() || *every_weeks == 0 || *every_weeks > MAX_EVERY_WEEKS {
                    return None;
                }
                let every = i64::from(*every_weeks);
                let span = u64::from(*every_weeks) * 7 + 8;
                (0..=span).find_map(|k| {
                    let date = add_days(start, k)?;
                    let due = days.contains(&date.weekday())
                        && weeks_between(*anchor, date).rem_euclid(every) == 0;
                    if due { on_day(date, *at) } else { None }
                })
            }
            Rule::Monthly { day, at } => {
                let first_of_month = start.with_day(1)?;
                (0..=48).find_map(|k| {
                    let month = first_of_month.checked_add_months(Months::new(k))?;
                    let date = month.with_day(*day)?;
                    if date < start { None } else { on_day(date, *at) }
                })
            }
            Rule::Cron(expr) => {
                let schedules = cron_schedules(expr).ok()?;
                schedules
                    .iter()
                    .filter_map(|s| cron_next(s, after, tz))
                    .min()
            }
        }
    }

    /// Human text for listings, e.g. "every Monday at 08:00", "every weekday at 07:30", "every 2 weeks on Friday at 17:00", "cron 0 8 * * 1".
    pub fn describe(&self) -> String {
        match self {
            Rule::Daily { at } => format!("every day at {}", fmt_time(*at)),
            Rule::Weekly {
                days,
                every_weeks,
                at,
                ..
            } => {
                let sorted = sorted_days(days.clone());
                let at = fmt_time(*at);
                if *every_weeks != 1 {
                    return format!("every {every_weeks} weeks on {} at {at}", join_names(&sorted));
                }
                if sorted.len() == 7 {
                    format!("every day at {at}")
                } else if sorted == WEEKDAYS[..5] {
                    format!("every weekday at {at}")
                } else {
                    format!("every {} at {at}", join_names(&sorted))
                }
            }
            Rule::Monthly { day, at } => format!(
                "every month on the {day}{} at {}",
                ordinal_suffix(*day),
                fmt_time(*at)
            ),
            Rule::Cron(expr) => format!("cron {}", expr.split_whitespace().collect::<Vec<_>>().join(" ")),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cron

/// The `cron` crate's schedules for an expression; two when Unix cron would OR the day fields.
fn cron_schedules(expr: &str) -> Result<Vec<cron::Schedule>, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let sources = match fields.as_slice() {
        [minute, hour, dom, month, dow] => {
            let days = unix_days_of_week(dow)
                .map_err(|why| format!("\"{}\" is not a valid cron expression: {why}", clip(expr)))?;
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
            cron::Schedule::from_str(s).map_err(|e| {
                format!(
                    "\"{}\" is not a valid cron expression: {}",
                    clip(expr),
                    clip(&e.to_string())
                )
            })
        })
        .collect()
}

/// Unix day-of-week (0 or 7 = Sunday, 1 = Monday) as the crate's day names, which avoids its
/// 1 = Sunday numbering entirely.
fn unix_days_of_week(field: &str) -> Result<String, String> {
    if field == "*" || field == "?" {
        return Ok("*".to_string());
    }
    let value = |v: &str| -> Result<u32, String> {
        if let Ok(n) = v.parse::<u32>() {
            return if n <= 7 { Ok(n % 7) } else { Err(format!("day of week {n} is out of range 0-7")) };
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
                let step: u32 = step.parse().map_err(|_| format!("'{}' is not a step", clip(step)))?;
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

fn cron_next(schedule: &cron::Schedule, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
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

fn looks_like_cron(words: &[&str]) -> bool {
    words.len() == 5
        && words.iter().enumerate().all(|(i, w)| {
            w.chars().all(|c| {
                c.is_ascii_digit() || matches!(c, '*' | '/' | ',' | '-' | '?') || (i >= 3 && c.is_ascii_alphabetic())
            })
        })
        && words[..3].iter().any(|w| w.chars().any(|c| c.is_ascii_digit() || c == '*'))
}

// ---------------------------------------------------------------------------------------------
// Tokens

struct Token {
    end: usize,
    word: String,
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start = None;
    let ends = text.char_indices().chain(std::iter::once((text.len(), ' ')));
    for (i, c) in ends {
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                push_token(&mut out, text, s, i);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    out
}

fn push_token(out: &mut Vec<Token>, text: &str, start: usize, end: usize) {
    let raw = &text[start..end];
    // "in 5 minutes: call" — the colon belongs to the separator, not to the time.
    if raw.len() > 1 && raw.ends_with(':') {
        out.push(token(text, start, end - 1));
        out.push(token(text, end - 1, end));
    } else {
        out.push(token(text, start, end));
    }
}

fn token(text: &str, start: usize, end: usize) -> Token {
    let lower = text[start..end].to_lowercase();
    let trimmed = lower.trim_end_matches([',', '.']);
    let word = if trimmed.is_empty() { lower.clone() } else { trimmed.to_string() };
    Token { end, word }
}

// ---------------------------------------------------------------------------------------------
// Words

fn weekday_word(w: &str) -> Option<Weekday> {
    Some(match w {
        "mon" | "monday" | "mondays" => Weekday::Mon,
        "tue" | "tues" | "tuesday" | "tuesdays" => Weekday::Tue,
        "wed" | "weds" | "wednesday" | "wednesdays" => Weekday::Wed,
        "thu" | "thur" | "thurs" | "thursday" | "thursdays" => Weekday::Thu,
        "fri" | "friday" | "fridays" => Weekday::Fri,
        "sat" | "saturday" | "saturdays" => Weekday::Sat,
        "sun" | "sunday" | "sundays" => Weekday::Sun,
        _ => return None,
    })
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn month_word(w: &str) -> Option<u32> {
    Some(match w {
        "jan" | "january" => 1,
        "feb" | "february" => 2,
        "mar" | "march" => 3,
        "apr" | "april" => 4,
        "may" => 5,
        "jun" | "june" => 6,
        "jul" | "july" => 7,
        "aug" | "august" => 8,
        "sep" | "sept" | "september" => 9,
        "oct" | "october" => 10,
        "nov" | "november" => 11,
        "dec" | "december" => 12,
        _ => return None,
    })
}

fn digits(w: &str, max_len: usize) -> Option<u32> {
    if w.is_empty() || w.len() > max_len || !w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    w.parse().ok()
}

fn ordinal_word(w: &str) -> Option<u32> {
    let body = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| w.strip_suffix(s))
        .unwrap_or(w);
    digits(body, 2)
}

fn year_word(w: &str) -> Option<i32> {
    if w.len() == 4 {
        digits(w, 4).and_then(|y| i32::try_from(y).ok())
    } else {
        None
    }
}

fn meridiem_word(w: &str) -> Option<bool> {
    match w {
        "am" | "a.m" => Some(false),
        "pm" | "p.m" => Some(true),
        _ => None,
    }
}

/// Ok(None) when the text is not a clock time at all; Err when it looks like one but cannot be.
fn clock(body: &str, pm: Option<bool>, at: bool, label: &str) -> Result<Option<NaiveTime>, WhenError> {
    let parts: Vec<&str> = body.split(':').collect();
    if body.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Ok(None);
    }
    if parts.len() == 1 && pm.is_none() && !at {
        return Ok(None);
    }
    let bad = || WhenError::BadTime(clip(label));
    let hour = digits(parts[0], 2).ok_or_else(bad)?;
    let minute = match parts.get(1) {
        Some(m) if m.len() == 2 => digits(m, 2).ok_or_else(bad)?,
        Some(_) => return Err(bad()),
        None => 0,
    };
    let second = match parts.get(2) {
        Some(s) if s.len() == 2 => digits(s, 2).ok_or_else(bad)?,
        Some(_) => return Err(bad()),
        None => 0,
    };
    let hour = match pm {
        Some(pm) => {
            if !(1..=12).contains(&hour) {
                return Err(bad());
            }
            hour % 12 + if pm { 12 } else { 0 }
        }
        None => hour,
    };
    NaiveTime::from_hms_opt(hour, minute, second).map(Some).ok_or_else(bad)
}

/// A time at `ws[i..]`: the time, whether am/pm was said, and how many words it used.
fn try_time(ws: &[&str], i: usize) -> Result<Option<(NaiveTime, bool, usize)>, WhenError> {
    let at = ws.get(i) == Some(&"at");
    let j = if at { i + 1 } else { i };
    let Some(&w) = ws.get(j) else {
        return Ok(None);
    };
    if matches!(w, "noon" | "midday") {
        return Ok(Some((hm(12, 0), true, j + 1 - i)));
    }
    let (body, mut pm, mut end) = ("", None, j + 1);
    let mut body = body;
    for (suffix, is_pm) in [("a.m", false), ("p.m", true), ("am", false), ("pm", true)] {
        if let Some(b) = w.strip_suffix(suffix) {
            body = b;
            pm = Some(is_pm);
            break;
        }
    }
    if pm.is_none() {
        body = w;
        if let Some(p) = ws.get(j + 1).and_then(|n| meridiem_word(n)) {
            pm = Some(p);
            end = j + 2;
        }
    }
    let label = ws[j..end].join(" ");
    let found = clock(body, pm, at, &label)?;
    Ok(found.map(|t| (t, pm.is_some(), end - i)))
}

enum DaySpec {
    Today,
    Tonight,
    Tomorrow,
    Weekday { day: Weekday, next: bool },
    Date { day: u32, month: u32, year: Option<i32> },
}

type DayMatch = (DaySpec, Option<NaiveTime>, usize);

fn date_spec(day: u32, month: u32, year: Option<i32>, label: String) -> Result<DaySpec, WhenError> {
    let exists = match year {
        Some(y) => NaiveDate::from_ymd_opt(y, month, day).is_some(),
        // 2028 is a leap year, so this accepts 29 February without a year.
        None => NaiveDate::from_ymd_opt(2028, month, day).is_some(),
    };
    if exists {
        Ok(DaySpec::Date { day, month, year })
    } else {
        Err(WhenError::NoSuchDate(clip(&label)))
    }
}

fn named_date(day: u32, month: u32, year: Option<i32>) -> Result<DaySpec, WhenError> {
    let name = MONTH_NAMES.get(month as usize - 1).copied().unwrap_or("?");
    let label = match year {
        Some(y) => format!("{day} {name} {y}"),
        None => format!("{day} {name}"),
    };
    date_spec(day, month, year, label)
}

fn iso_date(w: &str) -> Result<Option<DayMatch>, WhenError> {
    let (date, time) = match w.split_once('t') {
        Some((d, t)) => (d, Some(t)),
        None => (w, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Ok(None);
    };
    let (Some(y), Some(m), Some(d)) = (year_word(y), digits(m, 2), digits(d, 2)) else {
        return Ok(None);
    };
    if !(1..=12).contains(&m) {
        return Err(WhenError::NoSuchDate(clip(date)));
    }
    let spec = date_spec(d, m, Some(y), date.to_string())?;
    let time = match time {
        Some(t) => Some(clock(t, None, true, t)?.ok_or_else(|| WhenError::BadTime(clip(t)))?),
        None => None,
    };
    Ok(Some((spec, time, 1)))
}

fn slash_date(w: &str) -> Result<Option<DaySpec>, WhenError> {
    let parts: Vec<&str> = w.split('/').collect();
    let (d, m, y) = match parts.as_slice() {
        [d, m] => (digits(d, 2), digits(m, 2), None),
        [d, m, y] => match year_word(y) {
            Some(y) => (digits(d, 2), digits(m, 2), Some(y)),
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    let (Some(d), Some(m)) = (d, m) else {
        return Ok(None);
    };
    if !(1..=12).contains(&m) {
        return Err(WhenError::NoSuchDate(clip(w)));
    }
    date_spec(d, m, y, w.to_string()).map(Some)
}

/// A day at `ws[i..]`: the day, a time if the same word carried one, and the words used.
fn try_day(ws: &[&str], i: usize) -> Result<Option<DayMatch>, WhenError> {
    let j = if ws.get(i) == Some(&"on") { i + 1 } else { i };
    let Some(&w) = ws.get(j) else {
        return Ok(None);
    };
    let used = |n: usize| n - i;
    let simple = match w {
        "today" => Some(DaySpec::Today),
        "tonight" => Some(DaySpec::Tonight),
        "tomorrow" | "tmrw" | "tmr" => Some(DaySpec::Tomorrow),
        "yesterday" => return Err(WhenError::Passed),
        "next" | "this" => match ws.get(j + 1).and_then(|n| weekday_word(n)) {
            Some(day) => {
                return Ok(Some((
                    DaySpec::Weekday { day, next: w == "next" },
                    None,
                    used(j + 2),
                )));
            }
            None => return Ok(None),
        },
        _ => weekday_word(w).map(|day| DaySpec::Weekday { day, next: false }),
    };
    if let Some(spec) = simple {
        return Ok(Some((spec, None, used(j + 1))));
    }
    if let Some((spec, time, n)) = iso_date(w)? {
        return Ok(Some((spec, time, used(j + n))));
    }
    if let Some(spec) = slash_date(w)? {
        return Ok(Some((spec, None, used(j + 1))));
    }
    // "1 December [2026]", "the 1st of December"
    let k = if w == "the" { j + 1 } else { j };
    if let Some(day) = ws.get(k).and_then(|n| ordinal_word(n)) {
        let m = if ws.get(k + 1) == Some(&"of") { k + 2 } else { k + 1 };
        if let Some(month) = ws.get(m).and_then(|n| month_word(n)) {
            let year = ws.get(m + 1).and_then(|n| year_word(n));
            let end = if year.is_some() { m + 2 } else { m + 1 };
            return Ok(Some((named_date(day, month, year)?, None, used(end))));
        }
    }
    // "December 1[st] [2026]"
    if let Some(month) = month_word(w)
        && let Some(day) = ws.get(j + 1).and_then(|n| ordinal_word(n))
    {
        let year = ws.get(j + 2).and_then(|n| year_word(n));
        let end = if year.is_some() { j + 3 } else { j + 2 };
        return Ok(Some((named_date(day, month, year)?, None, used(end))));
    }
    Ok(None)
}

// ---------------------------------------------------------------------------------------------
// Durations

struct Span {
    months: u64,
    seconds: i64,
}

fn parse_span(text: &str) -> Result<Span, WhenError> {
    let lower = text.trim().to_lowercase();
    let bad = || WhenError::BadDuration(clip(text));
    let mut rest = lower.as_str();
    let mut span = Span { months: 0, seconds: 0 };
    let mut any = false;
    loop {
        rest = rest.trim_start().trim_start_matches(',').trim_start();
        if rest.is_empty() {
            break;
        }
        if any && let Some(r) = rest.strip_prefix("and") && r.starts_with(char::is_whitespace) {
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
                span.months = count
                    .checked_add(span.months)
                    .ok_or(WhenError::TooFar)?;
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

// ---------------------------------------------------------------------------------------------
// Expressions

/// Parse a whole time expression relative to `now`, in the member's zone `tz`.
pub fn parse(text: &str, now: DateTime<Utc>, tz: Tz) -> Result<Schedule, WhenError> {
    let tokens = tokenize(text);
    if tokens.len() > MAX_TOKENS {
        return Err(WhenError::Unrecognised(clip(text)));
    }
    let words: Vec<&str> = tokens.iter().map(|t| t.word.as_str()).collect();
    parse_words(&words, now, tz, true)
}

/// Split "in 2 minutes to call the registrar" into the schedule and "call the registrar":
/// the longest leading run of words that parses as a time expression is the time; the rest,
/// with a leading "to", "that", ":" or "-" removed, is returned as the text (may be empty; the caller decides).
/// If no leading run parses, return the most specific error (e.g. "31 February is not a date", "that time has passed").
pub fn split_when(text: &str, now: DateTime<Utc>, tz: Tz) -> Result<(Schedule, String), WhenError> {
    let tokens = tokenize(text);
    let words: Vec<&str> = tokens.iter().map(|t| t.word.as_str()).collect();
    let mut best = WhenError::Empty;
    for n in (1..=words.len().min(MAX_TOKENS)).rev() {
        match parse_words(&words[..n], now, tz, false) {
            Ok(schedule) => {
                let rest = tokens.get(n - 1).map_or("", |t| &text[t.end..]);
                return Ok((schedule, strip_lead(rest).to_string()));
            }
            // Strictly greater: among equals, the longest run's error wins.
            Err(e) if e.rank() > best.rank() => best = e,
            Err(_) => {}
        }
    }
    Err(best)
}

fn strip_lead(rest: &str) -> &str {
    let r = rest.trim();
    for word in ["to", "that"] {
        if let Some(head) = r.get(..word.len())
            && head.eq_ignore_ascii_case(word)
        {
            let tail = &r[word.len()..];
            if tail.is_empty() || tail.starts_with(char::is_whitespace) {
                return tail.trim_start();
            }
        }
    }
    r.strip_prefix([':', '-']).map_or(r, str::trim_start)
}

fn parse_words(ws: &[&str], now: DateTime<Utc>, tz: Tz, whole: bool) -> Result<Schedule, WhenError> {
    let Some(&head) = ws.first() else {
        return Err(WhenError::Empty);
    };
    let schedule = if head == "cron" || looks_like_cron(ws) {
        let fields = if head == "cron" { &ws[1..] } else { ws };
        // Only a whole expression may use the crate's 6/7-field form: inside a message,
        // words after the fifth field are the reminder text.
        let usable = fields.len() == 5 || (whole && (fields.len() == 6 || fields.len() == 7));
        let expr = fields.join(" ");
        if !usable {
            return Err(WhenError::BadCron(format!(
                "\"{}\" is not a cron expression: it needs 5 fields (minute hour day month weekday)",
                clip(&expr)
            )));
        }
        cron_schedules(&expr).map_err(WhenError::BadCron)?;
        let rule = Rule::Cron(expr);
        let first = rule.next_after(now, tz).ok_or_else(|| {
            WhenError::BadCron(format!("\"{}\" never fires again", clip(&fields.join(" "))))
        })?;
        Schedule { first, rule: Some(rule) }
    } else if matches!(head, "every" | "daily" | "weekly" | "monthly") {
        parse_recurrence(ws, now, tz)?
    } else if head == "in" {
        Schedule { first: parse_in(ws, now, tz)?, rule: None }
    } else {
        Schedule { first: parse_absolute(ws, now, tz)?, rule: None }
    };
    check_horizon(schedule.first, now)?;
    Ok(schedule)
}

fn parse_in(ws: &[&str], now: DateTime<Utc>, tz: Tz) -> Result<DateTime<Utc>, WhenError> {
    let rest = ws[1..].join(" ");
    if rest.is_empty() {
        return Err(WhenError::BadDuration("in".to_string()));
    }
    let span = parse_span(&rest)?;
    if span.months == 0 && span.seconds == 0 {
        return Err(WhenError::ZeroDuration);
    }
    let base = if span.months > 0 {
        let months = u32::try_from(span.months)
            .ok()
            .filter(|m| *m <= HORIZON_MONTHS)
            .ok_or(WhenError::TooFar)?;
        // Months are calendar months on the member's wall clock, not a fixed length.
        let local = now.with_timezone(&tz).naive_local();
        let shifted = local.checked_add_months(Months::new(months)).ok_or(WhenError::TooFar)?;
        resolve_local(shifted.date(), shifted.time(), tz).ok_or(WhenError::TooFar)?
    } else {
        now
    };
    let offset = Duration::try_seconds(span.seconds).ok_or(WhenError::TooFar)?;
    base.checked_add_signed(offset).ok_or(WhenError::TooFar)
}

fn parse_absolute(ws: &[&str], now: DateTime<Utc>, tz: Tz) -> Result<DateTime<Utc>, WhenError> {
    let unrecognised = || WhenError::Unrecognised(clip(&ws.join(" ")));
    let mut day: Option<DaySpec> = None;
    let mut time: Option<(NaiveTime, bool)> = None;
    let mut i = 0;
    while i < ws.len() {
        if day.is_none()
            && let Some((spec, with_time, used)) = try_day(ws, i)?
        {
            if let Some(t) = with_time {
                if time.is_some() {
                    return Err(unrecognised());
                }
                time = Some((t, true));
            }
            day = Some(spec);
            i += used;
            continue;
        }
        if time.is_none()
            && let Some((t, said_meridiem, used)) = try_time(ws, i)?
        {
            time = Some((t, said_meridiem));
            i += used;
            continue;
        }
        return Err(unrecognised());
    }

    let today = local_date(now, tz);
    let default = hm(DEFAULT_HOUR, 0);
    let at = time.map_or(default, |(t, _)| t);
    let on = |date: Option<NaiveDate>| -> Result<DateTime<Utc>, WhenError> {
        date.and_then(|d| resolve_local(d, at, tz)).ok_or(WhenError::TooFar)
    };
    let future = |t: DateTime<Utc>| if t > now { Ok(t) } else { Err(WhenError::Passed) };
    match day {
        None => {
            if time.is_none() {
                return Err(unrecognised());
            }
            let t = on(Some(today))?;
            if t > now { Ok(t) } else { on(add_days(today, 1)) }
        }
        Some(DaySpec::Today) => future(on(Some(today))?),
        Some(DaySpec::Tonight) => {
            let at = match time {
                // "tonight at 8" means 20:00.
                Some((t, false)) if (1..12).contains(&t.hour()) => t.overflowing_add_signed(Duration::hours(12)).0,
                Some((t, _)) => t,
                None => hm(TONIGHT_HOUR, 0),
            };
            future(resolve_local(today, at, tz).ok_or(WhenError::TooFar)?)
        }
        Some(DaySpec::Tomorrow) => on(add_days(today, 1)),
        Some(DaySpec::Weekday { day, next }) => {
            let ahead = (7 + day.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
            if next {
                on(add_days(today, u64::from(if ahead == 0 { 7 } else { ahead })))
            } else {
                let t = on(add_days(today, u64::from(ahead)))?;
                if t > now { Ok(t) } else { on(add_days(today, u64::from(ahead) + 7)) }
            }
        }
        Some(DaySpec::Date { day, month, year: Some(y) }) => {
            future(on(NaiveDate::from_ymd_opt(y, month, day))?)
        }
        Some(DaySpec::Date { day, month, year: None }) => {
            // 8 years always contains a leap year, so 29 February is found too.
            (0..=8)
                .filter_map(|k| NaiveDate::from_ymd_opt(today.year() + k, month, day))
                .filter_map(|d| resolve_local(d, at, tz))
                .find(|t| *t > now)
                .ok_or_else(|| WhenError::NoSuchDate(format!("{day} {}", MONTH_NAMES.get(month as usize - 1).copied().unwrap_or("?"))))
        }
    }
}

/// Weekdays starting at `ws[i]`: "Monday", "Monday and Thursday", "mon, wed, fri".
fn weekday_list(ws: &[&str], i: usize) -> Result<(Vec<Weekday>, usize), WhenError> {
    let first = ws.get(i).copied().unwrap_or("every");
    let Some(day) = weekday_word(first) else {
        return Err(WhenError::BadRecurrence(clip(first)));
    };
    let mut days = vec![day];
    let mut k = i + 1;
    loop {
        if let Some(d) = ws.get(k).and_then(|w| weekday_word(w)) {
            days.push(d);
            k += 1;
        } else if matches!(ws.get(k), Some(&"and") | Some(&"&"))
            && let Some(d) = ws.get(k + 1).and_then(|w| weekday_word(w))
        {
            days.push(d);
            k += 2;
        } else {
            break;
        }
    }
    Ok((sorted_days(days), k))
}

fn skip(ws: &[&str], i: usize, word: &str) -> usize {
    if ws.get(i) == Some(&word) { i + 1 } else { i }
}

fn month_day(ws: &[&str], i: usize) -> Result<(u32, usize), WhenError> {
    let k = skip(ws, skip(ws, i, "on"), "the");
    let word = ws.get(k).copied().unwrap_or("month");
    let day = ordinal_word(word).ok_or_else(|| WhenError::BadRecurrence(clip(word)))?;
    if !(1..=31).contains(&day) {
        return Err(WhenError::NoSuchDate(format!("the {day}{} of a month", ordinal_suffix(day))));
    }
    Ok((day, k + 1))
}

enum Repeat {
    Daily,
    Weekly { days: Vec<Weekday>, every: u32 },
    Monthly(u32),
}

fn parse_recurrence(ws: &[&str], now: DateTime<Utc>, tz: Tz) -> Result<Schedule, WhenError> {
    let weekly = |every: u32, at: usize| -> Result<(Repeat, usize), WhenError> {
        let (days, next) = weekday_list(ws, skip(ws, at, "on"))?;
        Ok((Repeat::Weekly { days, every }, next))
    };
    let (repeat, mut i) = match ws[0] {
        "daily" => (Repeat::Daily, 1),
        "weekly" => weekly(1, 1)?,
        "monthly" => {
            let (d, n) = month_day(ws, 1)?;
            (Repeat::Monthly(d), n)
        }
        _ => {
            let w = ws.get(1).copied().unwrap_or("every");
            match w {
                "day" => (Repeat::Daily, 2),
                "weekday" | "weekdays" => (
                    Repeat::Weekly { days: WEEKDAYS[..5].to_vec(), every: 1 },
                    2,
                ),
                "weekend" | "weekends" => (
                    Repeat::Weekly { days: WEEKDAYS[5..].to_vec(), every: 1 },
                    2,
                ),
                "week" => weekly(1, 2)?,
                "other" => weekly(2, skip(ws, 2, "week"))?,
                "month" => {
                    let (d, n) = month_day(ws, 2)?;
                    (Repeat::Monthly(d), n)
                }
                _ if weekday_word(w).is_some() => weekly(1, 1)?,
                _ => {
                    let n = digits(w, 9).ok_or_else(|| WhenError::BadRecurrence(clip(w)))?;
                    let unit = ws.get(2).copied().unwrap_or("");
                    if n == 0 {
                        return Err(WhenError::ZeroInterval);
                    }
                    match unit {
                        "week" | "weeks" | "wk" | "wks" => {
                            if n > MAX_EVERY_WEEKS {
                                return Err(WhenError::TooFar);
                            }
                            weekly(n, 3)?
                        }
                        "day" | "days" if n == 1 => (Repeat::Daily, 3),
                        "month" | "months" if n == 1 => {
                            let (d, k) = month_day(ws, 3)?;
                            (Repeat::Monthly(d), k)
                        }
                        _ => return Err(WhenError::BadRecurrence(clip(&format!("every {n} {unit}")))),
                    }
                }
            }
        }
    };
    let at = match try_time(ws, i)? {
        Some((t, _, used)) => {
            i += used;
            t
        }
        None => hm(DEFAULT_HOUR, 0),
    };
    if let Some(extra) = ws.get(i) {
        return Err(WhenError::BadRecurrence(clip(extra)));
    }
    let unreachable = || WhenError::BadRecurrence(clip(&ws.join(" ")));
    let rule = match repeat {
        Repeat::Daily => Rule::Daily { at },
        Repeat::Monthly(day) => Rule::Monthly { day, at },
        Repeat::Weekly { days, every } => {
            // The anchor is the first occurrence's date, so "every 2 weeks" starts with the
            // nearest matching day rather than an arbitrary week parity.
            let probe = Rule::Weekly {
                days: days.clone(),
                every_weeks: 1,
                at,
                anchor: local_date(now, tz),
            };
            let first = probe.next_after(now, tz).ok_or_else(unreachable)?;
            Rule::Weekly {
                days,
                every_weeks: every,
                at,
                anchor: local_date(first, tz),
            }
        }
    };
    let first = rule.next_after(now, tz).ok_or_else(unreachable)?;
    Ok(Schedule { first, rule: Some(rule) })
}
