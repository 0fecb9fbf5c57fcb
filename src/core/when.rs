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
            _ => SPECIFIC,
        }
    }
}

/// Errors at this rank name a concrete problem (a date, a time, a past instant).
const SPECIFIC: u8 = 3;

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
    let monday =
        |d: NaiveDate| d.num_days_from_ce() as i64 - d.weekday().num_days_from_monday() as i64;
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
        if fields.is_empty() {
            Ok(rule)
        } else {
            Err(bad())
        }
    }

    /// The first occurrence strictly after `after`, computed in `tz`. None if the rule has no future occurrence.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let start = local_date(after, tz);
        let on_day =
            |date: NaiveDate, at: NaiveTime| resolve_local(date, at, tz).filter(|t| *t > after);
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
                    if date < start {
                        None
                    } else {
                        on_day(date, *at)
                    }
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
                    return format!(
                        "every {every_weeks} weeks on {} at {at}",
                        join_names(&sorted)
                    );
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
            Rule::Cron(expr) => format!(
                "cron {}",
                expr.split_whitespace().collect::<Vec<_>>().join(" ")
            ),
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
                c.is_ascii_digit()
                    || matches!(c, '*' | '/' | ',' | '-' | '?')
                    || (i >= 3 && c.is_ascii_alphabetic())
            })
        })
        && words[..3]
            .iter()
            .any(|w| w.chars().any(|c| c.is_ascii_digit() || c == '*'))
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
    let ends = text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')));
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
    let word = if trimmed.is_empty() {
        lower.clone()
    } else {
        trimmed.to_string()
    };
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
fn clock(
    body: &str,
    pm: Option<bool>,
    at: bool,
    label: &str,
) -> Result<Option<NaiveTime>, WhenError> {
    let parts: Vec<&str> = body.split(':').collect();
    if body.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
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
    NaiveTime::from_hms_opt(hour, minute, second)
        .map(Some)
        .ok_or_else(bad)
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
    Weekday {
        day: Weekday,
        next: bool,
    },
    Date {
        day: u32,
        month: u32,
        year: Option<i32>,
    },
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

fn month_name(month: u32) -> &'static str {
    (month as usize)
        .checked_sub(1)
        .and_then(|i| MONTH_NAMES.get(i))
        .copied()
        .unwrap_or("?")
}

fn named_date(day: u32, month: u32, year: Option<i32>) -> Result<DaySpec, WhenError> {
    let name = month_name(month);
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
                    DaySpec::Weekday {
                        day,
                        next: w == "next",
                    },
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
        let m = if ws.get(k + 1) == Some(&"of") {
            k + 2
        } else {
            k + 1
        };
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
            // A specific error from a longer run means the member meant those words as part of
            // the time ("tomorrow 13pm clinic"): scheduling the shorter run would hide a typo.
            Ok(_) if best.rank() >= SPECIFIC => break,
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

fn parse_words(
    ws: &[&str],
    now: DateTime<Utc>,
    tz: Tz,
    whole: bool,
) -> Result<Schedule, WhenError> {
    let Some(&head) = ws.first() else {
        return Err(WhenError::Empty);
    };
    let schedule = if head == "cron" || looks_like_cron(ws) {
        let fields = if head == "cron" { &ws[1..] } else { ws };
        // Only a whole expression may use the crate's 6/7-field form: inside a message,
        // words after the fifth field are the reminder text.
        let usable = fields.len() == 5 || (whole && (fields.len() == 6 || fields.len() == 7));
        let expr = fields.join(" ");
        if !usable && !whole && fields.len() > 5 {
            return Err(WhenError::Unrecognised(clip(&ws.join(" "))));
        }
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
        Schedule {
            first,
            rule: Some(rule),
        }
    } else if matches!(head, "every" | "daily" | "weekly" | "monthly") {
        parse_recurrence(ws, now, tz)?
    } else if head == "in" {
        Schedule {
            first: parse_in(ws, now, tz)?,
            rule: None,
        }
    } else {
        Schedule {
            first: parse_absolute(ws, now, tz)?,
            rule: None,
        }
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
        let shifted = local
            .checked_add_months(Months::new(months))
            .ok_or(WhenError::TooFar)?;
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
        date.and_then(|d| resolve_local(d, at, tz))
            .ok_or(WhenError::TooFar)
    };
    let future = |t: DateTime<Utc>| {
        if t > now {
            Ok(t)
        } else {
            Err(WhenError::Passed)
        }
    };
    match day {
        None => {
            if time.is_none() {
                return Err(unrecognised());
            }
            let t = on(Some(today))?;
            if t > now {
                Ok(t)
            } else {
                on(add_days(today, 1))
            }
        }
        Some(DaySpec::Today) => future(on(Some(today))?),
        Some(DaySpec::Tonight) => {
            let at = match time {
                // "tonight at 8" means 20:00.
                Some((t, false)) if (1..12).contains(&t.hour()) => {
                    t.overflowing_add_signed(Duration::hours(12)).0
                }
                Some((t, _)) => t,
                None => hm(TONIGHT_HOUR, 0),
            };
            future(resolve_local(today, at, tz).ok_or(WhenError::TooFar)?)
        }
        Some(DaySpec::Tomorrow) => on(add_days(today, 1)),
        Some(DaySpec::Weekday { day, next }) => {
            let ahead =
                (7 + day.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
            if next {
                on(add_days(
                    today,
                    u64::from(if ahead == 0 { 7 } else { ahead }),
                ))
            } else {
                let t = on(add_days(today, u64::from(ahead)))?;
                if t > now {
                    Ok(t)
                } else {
                    on(add_days(today, u64::from(ahead) + 7))
                }
            }
        }
        Some(DaySpec::Date {
            day,
            month,
            year: Some(y),
        }) => future(on(NaiveDate::from_ymd_opt(y, month, day))?),
        Some(DaySpec::Date {
            day,
            month,
            year: None,
        }) => {
            // 8 years always contains a leap year, so 29 February is found too.
            (0..=8)
                .filter_map(|k| NaiveDate::from_ymd_opt(today.year() + k, month, day))
                .filter_map(|d| resolve_local(d, at, tz))
                .find(|t| *t > now)
                .ok_or_else(|| WhenError::NoSuchDate(format!("{day} {}", month_name(month))))
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
        return Err(WhenError::NoSuchDate(format!(
            "the {day}{} of a month",
            ordinal_suffix(day)
        )));
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
                    Repeat::Weekly {
                        days: WEEKDAYS[..5].to_vec(),
                        every: 1,
                    },
                    2,
                ),
                "weekend" | "weekends" => (
                    Repeat::Weekly {
                        days: WEEKDAYS[5..].to_vec(),
                        every: 1,
                    },
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
                        _ => {
                            return Err(WhenError::BadRecurrence(clip(&format!(
                                "every {n} {unit}"
                            ))));
                        }
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
    Ok(Schedule {
        first,
        rule: Some(rule),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Australia, Europe, Pacific};
    use proptest::prelude::*;

    const SYD: Tz = Australia::Sydney;
    const LON: Tz = Europe::London;
    const NYC: Tz = America::New_York;
    const AKL: Tz = Pacific::Auckland;

    /// A Sunday: 14:00 in Sydney, 03:00 in London, Saturday 22:00 in New York.
    fn now() -> DateTime<Utc> {
        utc("2026-11-22T03:00:00Z")
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().expect("test instant")
    }

    /// A local wall time in `tz` (earlier instant if ambiguous).
    fn local(tz: Tz, s: &str) -> DateTime<Utc> {
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test local time");
        tz.from_local_datetime(&naive)
            .earliest()
            .expect("test time exists")
            .with_timezone(&Utc)
    }

    fn first(text: &str, tz: Tz) -> DateTime<Utc> {
        match parse(text, now(), tz) {
            Ok(s) => s.first,
            Err(e) => panic!("{text:?} failed: {e}"),
        }
    }

    fn rule_of(text: &str, tz: Tz) -> Rule {
        match parse(text, now(), tz) {
            Ok(Schedule { rule: Some(r), .. }) => r,
            other => panic!("{text:?} gave no rule: {other:?}"),
        }
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        hm(h, m)
    }

    #[test]
    fn relative_expressions() {
        let cases: [(&str, i64); 12] = [
            ("in 20 minutes", 20 * 60),
            ("in 10 seconds", 10),
            ("in 3 days", 3 * 86_400),
            ("in 2 hours", 2 * 3600),
            ("in 1 week", 7 * 86_400),
            ("in 1h30m", 5400),
            ("in 2 hours 15 minutes", 2 * 3600 + 15 * 60),
            ("in 90s", 90),
            ("In 5 Mins", 300),
            ("in 2 hrs and 10 min", 2 * 3600 + 600),
            ("in 3 wks", 3 * 7 * 86_400),
            ("in an hour", 3600),
        ];
        for tz in [SYD, LON, NYC] {
            for (text, secs) in cases {
                let s = parse(text, now(), tz).expect(text);
                assert_eq!(s.first, now() + Duration::seconds(secs), "{text}");
                assert_eq!(s.rule, None);
            }
        }
        // Calendar months keep the wall time: Sydney moves from +11 to +10 in April.
        assert_eq!(first("in 5 months", SYD), local(SYD, "2027-04-22 14:00"));
        assert_eq!(first("in 5 years", LON), utc("2031-11-22T03:00:00Z"));
    }

    #[test]
    fn day_words_in_sydney() {
        let cases = [
            ("tomorrow 8am", "2026-11-23 08:00"),
            ("tomorrow at 8:30", "2026-11-23 08:30"),
            ("tomorrow", "2026-11-23 09:00"),
            ("Tomorrow 5 PM", "2026-11-23 17:00"),
            ("today 17:00", "2026-11-22 17:00"),
            ("tonight 8pm", "2026-11-22 20:00"),
            ("tonight at 8", "2026-11-22 20:00"),
            ("tonight", "2026-11-22 20:00"),
            ("next Tuesday 09:00", "2026-11-24 09:00"),
            ("next tuesday at 9am", "2026-11-24 09:00"),
            ("Tuesday 9am", "2026-11-24 09:00"),
            ("on Tuesday at 9am", "2026-11-24 09:00"),
            ("next Tuesday", "2026-11-24 09:00"),
            ("9am on Tuesday", "2026-11-24 09:00"),
            // Today is Sunday: "next Sunday" is a week away; "Sunday" is today while still ahead.
            ("next Sunday", "2026-11-29 09:00"),
            ("Sunday 17:00", "2026-11-22 17:00"),
            ("sunday 9am", "2026-11-29 09:00"),
            ("on 1 December at 14:30", "2026-12-01 14:30"),
            ("1 December 14:30", "2026-12-01 14:30"),
            ("1 Dec 2026 9am", "2026-12-01 09:00"),
            ("December 1 at 2:30pm", "2026-12-01 14:30"),
            ("the 1st of December at noon", "2026-12-01 12:00"),
            ("1/12 14:30", "2026-12-01 14:30"),
            ("1/12/2026 14:30", "2026-12-01 14:30"),
            ("2026-12-01 14:30", "2026-12-01 14:30"),
            ("2026-12-01T14:30", "2026-12-01 14:30"),
            ("2026-12-01", "2026-12-01 09:00"),
            ("1 November 10:00", "2027-11-01 10:00"),
            ("29 February", "2028-02-29 09:00"),
            ("22 November 15:00", "2026-11-22 15:00"),
            ("22 November 10:00", "2027-11-22 10:00"),
            ("at 17:00", "2026-11-22 17:00"),
            ("at 5pm", "2026-11-22 17:00"),
            ("at 9", "2026-11-23 09:00"),
            ("5:30 pm", "2026-11-22 17:30"),
            ("12am tomorrow", "2026-11-23 00:00"),
            ("tomorrow 12pm", "2026-11-23 12:00"),
        ];
        for (text, want) in cases {
            assert_eq!(first(text, SYD), local(SYD, want), "{text}");
        }
        assert_eq!(first("tomorrow 8am", SYD), utc("2026-11-22T21:00:00Z"));
        assert_eq!(first("2026-12-01T14:30", SYD), utc("2026-12-01T03:30:00Z"));
    }

    #[test]
    fn day_words_in_london_and_new_york() {
        let cases = [
            ("tomorrow 8am", "2026-11-23 08:00"),
            ("tomorrow", "2026-11-23 09:00"),
            ("today 17:00", "2026-11-22 17:00"),
            ("Sunday 9am", "2026-11-22 09:00"),
            ("next Sunday", "2026-11-29 09:00"),
            ("next Tuesday 09:00", "2026-11-24 09:00"),
            ("at 9", "2026-11-22 09:00"),
            ("at 2:59", "2026-11-23 02:59"),
            ("1 December 14:30", "2026-12-01 14:30"),
            ("2026-12-01", "2026-12-01 09:00"),
        ];
        for (text, want) in cases {
            assert_eq!(first(text, LON), local(LON, want), "{text}");
        }
        assert_eq!(first("tomorrow 8am", LON), utc("2026-11-23T08:00:00Z"));
        // In New York it is still Saturday evening.
        assert_eq!(first("tomorrow 8am", NYC), local(NYC, "2026-11-22 08:00"));
        assert_eq!(first("Sunday", NYC), local(NYC, "2026-11-22 09:00"));
        assert_eq!(first("next Saturday", NYC), local(NYC, "2026-11-28 09:00"));
        assert_eq!(first("tonight 11pm", NYC), utc("2026-11-22T04:00:00Z"));
        assert_eq!(first("at 23:30", NYC), local(NYC, "2026-11-21 23:30"));
    }

    #[test]
    fn recurrences() {
        let cases = [
            (
                "every Monday 08:00",
                "2026-11-23 08:00",
                "every Monday at 08:00",
            ),
            (
                "every monday at 8am",
                "2026-11-23 08:00",
                "every Monday at 08:00",
            ),
            ("every Monday", "2026-11-23 09:00", "every Monday at 09:00"),
            (
                "every weekday at 7:30",
                "2026-11-23 07:30",
                "every weekday at 07:30",
            ),
            ("every day at 9am", "2026-11-23 09:00", "every day at 09:00"),
            ("daily at 9", "2026-11-23 09:00", "every day at 09:00"),
            (
                "every day at 17:00",
                "2026-11-22 17:00",
                "every day at 17:00",
            ),
            (
                "every Monday and Thursday at 12:30",
                "2026-11-23 12:30",
                "every Monday and Thursday at 12:30",
            ),
            (
                "every mon, wed, fri 6pm",
                "2026-11-23 18:00",
                "every Monday, Wednesday and Friday at 18:00",
            ),
            (
                "every 2 weeks on Friday 17:00",
                "2026-11-27 17:00",
                "every 2 weeks on Friday at 17:00",
            ),
            (
                "every other Friday 17:00",
                "2026-11-27 17:00",
                "every 2 weeks on Friday at 17:00",
            ),
            (
                "weekly on Sunday at 18:00",
                "2026-11-22 18:00",
                "every Sunday at 18:00",
            ),
            (
                "every month on the 1st at 9am",
                "2026-12-01 09:00",
                "every month on the 1st at 09:00",
            ),
            (
                "monthly on the 22nd at 15:00",
                "2026-11-22 15:00",
                "every month on the 22nd at 15:00",
            ),
            ("0 8 * * 1", "2026-11-23 08:00", "cron 0 8 * * 1"),
            ("cron 30 7 * * 1-5", "2026-11-23 07:30", "cron 30 7 * * 1-5"),
            (
                "cron 0 0 8 * * Mon",
                "2026-11-23 08:00",
                "cron 0 0 8 * * mon",
            ),
        ];
        for (text, want, described) in cases {
            let s = parse(text, now(), SYD).expect(text);
            assert_eq!(s.first, local(SYD, want), "{text}");
            let rule = s.rule.expect(text);
            assert_eq!(rule.describe(), described, "{text}");
            assert_eq!(rule.next_after(now(), SYD), Some(s.first), "{text}");
        }
        assert_eq!(
            first("every day at 9am", LON),
            local(LON, "2026-11-22 09:00")
        );
        assert_eq!(
            first("every Sunday 9am", LON),
            local(LON, "2026-11-22 09:00")
        );
        assert_eq!(
            first("every Monday 08:00", NYC),
            local(NYC, "2026-11-23 08:00")
        );
        assert_eq!(first("0 8 * * 1", LON), utc("2026-11-23T08:00:00Z"));
    }

    #[test]
    fn fortnightly_anchor_is_first_occurrence() {
        let rule = rule_of("every 2 weeks on Friday 17:00", SYD);
        let Rule::Weekly {
            anchor,
            every_weeks,
            ..
        } = &rule
        else {
            panic!("not weekly: {rule:?}");
        };
        assert_eq!(*every_weeks, 2);
        assert_eq!(
            *anchor,
            NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
        );
        let a = local(SYD, "2026-11-27 17:00");
        let b = rule.next_after(a, SYD).expect("second");
        assert_eq!(b, local(SYD, "2026-12-11 17:00"));
        assert_eq!(
            rule.next_after(b, SYD),
            Some(local(SYD, "2026-12-25 17:00"))
        );
        assert_eq!(rule_of("every other Friday 17:00", SYD), rule);

        let pair = rule_of("every 2 weeks on Monday and Thursday at 12:30", SYD);
        let mut at = now();
        let mut seen = Vec::new();
        for _ in 0..4 {
            at = pair.next_after(at, SYD).expect("next");
            seen.push(at);
        }
        let want = [
            "2026-11-23 12:30",
            "2026-11-26 12:30",
            "2026-12-07 12:30",
            "2026-12-10 12:30",
        ];
        assert_eq!(seen, want.map(|w| local(SYD, w)));
    }

    #[test]
    fn monthly_skips_short_months() {
        let rule = rule_of("every month on the 31st at 9am", LON);
        let mut at = now();
        let mut seen = Vec::new();
        for _ in 0..4 {
            at = rule.next_after(at, LON).expect("next");
            seen.push(at);
        }
        let want = [
            "2026-12-31 09:00",
            "2027-01-31 09:00",
            "2027-03-31 09:00",
            "2027-05-31 09:00",
        ];
        assert_eq!(seen, want.map(|w| local(LON, w)));
    }

    /// Steps `rule` n times from `from`, checking each local time; returns the UTC gaps.
    fn walk(
        rule: &Rule,
        tz: Tz,
        from: DateTime<Utc>,
        n: usize,
        day: Option<Weekday>,
        at: NaiveTime,
    ) -> Vec<i64> {
        let mut prev = from;
        let mut gaps = Vec::new();
        for i in 0..n {
            let next = rule.next_after(prev, tz).expect("next occurrence");
            assert!(next > prev);
            let wall = next.with_timezone(&tz);
            assert_eq!(wall.time(), at, "{rule:?} in {tz} gave {wall}");
            if let Some(d) = day {
                assert_eq!(wall.weekday(), d, "{rule:?} in {tz} gave {wall}");
            }
            if i > 0 {
                gaps.push((next - prev).num_minutes());
            }
            prev = next;
        }
        gaps
    }

    const WEEK: i64 = 7 * 24 * 60;
    const DAY: i64 = 24 * 60;

    #[test]
    fn dst_weekly_and_daily_in_four_zones() {
        // (zone, spring-forward date, fall-back date)
        let zones = [
            (SYD, "2026-10-04", "2026-04-05"),
            (LON, "2026-03-29", "2026-10-25"),
            (NYC, "2026-03-08", "2026-11-01"),
            (AKL, "2026-09-27", "2026-04-05"),
        ];
        let monday = Rule::Weekly {
            days: vec![Weekday::Mon],
            every_weeks: 1,
            at: t(8, 0),
            anchor: NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"),
        };
        let daily = Rule::Daily { at: t(8, 0) };
        let cron = Rule::from_text("cron 0 8 * * 1").expect("cron");
        for (tz, spring, fall) in zones {
            for (date, shift) in [(spring, -60), (fall, 60)] {
                let start = local(tz, &format!("{date} 12:00")) - Duration::days(10);
                let gaps = walk(&monday, tz, start, 3, Some(Weekday::Mon), t(8, 0));
                assert!(gaps.contains(&(WEEK + shift)), "{tz} weekly {gaps:?}");
                let gaps = walk(&cron, tz, start, 3, Some(Weekday::Mon), t(8, 0));
                assert!(gaps.contains(&(WEEK + shift)), "{tz} cron {gaps:?}");
                let start = local(tz, &format!("{date} 12:00")) - Duration::days(3);
                let gaps = walk(&daily, tz, start, 6, None, t(8, 0));
                assert!(gaps.contains(&(DAY + shift)), "{tz} daily {gaps:?}");
            }
        }
        // The exact Sydney instants across the April change.
        let a = monday
            .next_after(utc("2026-03-29T00:00:00Z"), SYD)
            .expect("a");
        assert_eq!(
            a.with_timezone(&SYD).to_rfc3339(),
            "2026-03-30T08:00:00+11:00"
        );
        let b = monday.next_after(a, SYD).expect("b");
        assert_eq!(
            b.with_timezone(&SYD).to_rfc3339(),
            "2026-04-06T08:00:00+10:00"
        );
    }

    #[test]
    fn dst_gap_times_move_forward() {
        // (zone, spring-forward date, a wall time inside the gap)
        let zones = [
            (SYD, "2026-10-04", t(2, 30)),
            (LON, "2026-03-29", t(1, 30)),
            (NYC, "2026-03-08", t(2, 30)),
            (AKL, "2026-09-27", t(2, 30)),
        ];
        for (tz, date, at) in zones {
            let day = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date");
            let moved = resolve_local(day, at, tz)
                .expect("resolves")
                .with_timezone(&tz);
            assert_eq!(moved.date_naive(), day);
            assert_eq!(moved.time(), at + Duration::hours(1), "{tz}");

            let daily = Rule::Daily { at };
            let before = local(tz, &format!("{date} 00:00")) - Duration::hours(12);
            let hit = daily.next_after(before, tz).expect("gap day");
            assert_eq!(hit, moved.with_timezone(&Utc));
            let after = daily
                .next_after(hit, tz)
                .expect("day after")
                .with_timezone(&tz);
            assert_eq!(after.time(), at, "{tz}: back to the set time");

            let sunday = Rule::Weekly {
                days: vec![day.weekday()],
                every_weeks: 1,
                at,
                anchor: day,
            };
            assert_eq!(sunday.next_after(before, tz), Some(hit));
            let cron = Rule::Cron(format!("{} {} * * 0", at.minute(), at.hour()));
            assert_eq!(cron.next_after(before, tz), Some(hit), "{tz} cron");
        }
    }

    #[test]
    fn ambiguous_times_take_the_earlier_instant() {
        let day = NaiveDate::from_ymd_opt(2026, 4, 5).expect("date");
        let syd = resolve_local(day, t(2, 30), SYD).expect("syd");
        assert_eq!(syd, utc("2026-04-04T15:30:00Z"));
        let day = NaiveDate::from_ymd_opt(2026, 10, 25).expect("date");
        let lon = resolve_local(day, t(1, 30), LON).expect("lon");
        assert_eq!(lon, utc("2026-10-25T00:30:00Z"));
        // One occurrence per day, even though 01:30 happens twice.
        let daily = Rule::Daily { at: t(1, 30) };
        let next = daily.next_after(lon, LON).expect("next");
        assert_eq!(next, local(LON, "2026-10-26 01:30"));
    }

    #[test]
    fn unix_cron_day_numbers() {
        let from = now();
        let days_of = |expr: &str, n: usize| -> Vec<Weekday> {
            let rule = Rule::Cron(expr.to_string());
            let mut at = from;
            (0..n)
                .map(|_| {
                    at = rule.next_after(at, LON).expect(expr);
                    at.with_timezone(&LON).weekday()
                })
                .collect()
        };
        use Weekday::*;
        assert_eq!(days_of("0 8 * * 1", 3), [Mon, Mon, Mon]);
        assert_eq!(days_of("0 8 * * 0", 2), [Sun, Sun]);
        assert_eq!(days_of("0 8 * * 7", 2), [Sun, Sun]);
        assert_eq!(days_of("0 8 * * 1-5", 6), [Mon, Tue, Wed, Thu, Fri, Mon]);
        assert_eq!(days_of("0 8 * * 5-7", 4), [Sun, Fri, Sat, Sun]);
        assert_eq!(days_of("0 8 * * 1,3", 3), [Mon, Wed, Mon]);
        assert_eq!(days_of("0 8 * * mon-wed", 3), [Mon, Tue, Wed]);
        assert_eq!(days_of("0 8 * * */2", 4), [Sun, Tue, Thu, Sat]);
        assert_eq!(days_of("0 8 * * 1/3", 3), [Sun, Mon, Thu]);
        // Unix cron ORs restricted day fields: the 1st of December (a Tuesday) or any Monday.
        let rule = Rule::Cron("0 8 1 * 1".to_string());
        let a = rule.next_after(from, LON).expect("a");
        let b = rule.next_after(a, LON).expect("b");
        let c = rule.next_after(b, LON).expect("c");
        assert_eq!(
            [a, b, c],
            ["2026-11-23 08:00", "2026-11-30 08:00", "2026-12-01 08:00"].map(|w| local(LON, w))
        );
    }

    #[test]
    fn bad_inputs_explain_themselves() {
        let cases = [
            "",
            "   ",
            "gibberish",
            "call the registrar",
            "in 0 minutes",
            "in -5 minutes",
            "in 99999999 years",
            "in 99999999999999999999999 minutes",
            "in 6 years",
            "in minutes",
            "in 1.5 hours",
            "in 5 fortnights",
            "31 February",
            "2026-02-30 10:00",
            "30 February 2028",
            "1/13 10:00",
            "32 December",
            "25:00",
            "at 24:00",
            "tomorrow 13pm",
            "tomorrow at 9:75",
            "at 930",
            "yesterday 9am",
            "today 9am",
            "2020-01-01",
            "1 Dec 2020",
            "1 Dec 2099",
            "every 0 weeks on Monday",
            "every Funday",
            "every 500 weeks on Monday",
            "every month on the 32nd",
            "every 3 days",
            "every",
            "every monday at 25:00",
            "61 * * * *",
            "0 8 * * 8",
            "cron 0 25 * * *",
            "cron 0 8 * *",
            "cron 0 0 0 1 1 * 2020",
            "next funday",
            "at",
        ];
        for text in cases {
            let err = match parse(text, now(), SYD) {
                Ok(s) => panic!("{text:?} parsed as {s:?}"),
                Err(e) => e,
            };
            let shown = err.to_string();
            assert_eq!(shown.matches('`').count(), 4, "{text:?}: {shown}");
            let (reason, hint) = shown.split_once(" Try: `").expect("hint");
            assert!(
                reason.len() > 10 && reason.ends_with('.'),
                "{text:?}: {shown}"
            );
            assert!(hint.contains("` or `"), "{text:?}: {shown}");
            assert!(split_when(text, now(), SYD).is_err(), "{text:?} split");
        }
        let err = |text: &str| parse(text, now(), SYD).expect_err(text);
        assert_eq!(err(""), WhenError::Empty);
        assert_eq!(err("in 0 minutes"), WhenError::ZeroDuration);
        assert!(matches!(err("in -5 minutes"), WhenError::BadDuration(_)));
        assert_eq!(err("in 99999999 years"), WhenError::TooFar);
        assert_eq!(
            err("31 February"),
            WhenError::NoSuchDate("31 February".into())
        );
        assert_eq!(
            err("31 February").to_string().split(" Try").next(),
            Some("31 February is not a date.")
        );
        assert_eq!(
            err("2026-02-30 10:00"),
            WhenError::NoSuchDate("2026-02-30".into())
        );
        assert_eq!(err("25:00"), WhenError::BadTime("25:00".into()));
        assert_eq!(err("tomorrow 13pm"), WhenError::BadTime("13pm".into()));
        assert_eq!(err("every 0 weeks on Monday"), WhenError::ZeroInterval);
        assert_eq!(err("yesterday 9am"), WhenError::Passed);
        assert_eq!(err("2020-01-01"), WhenError::Passed);
        assert_eq!(
            err("every Funday"),
            WhenError::BadRecurrence("funday".into())
        );
        assert!(matches!(err("61 * * * *"), WhenError::BadCron(_)));
        assert!(matches!(err("in 5 fortnights"), WhenError::BadDuration(_)));
        assert!(matches!(err("gibberish"), WhenError::Unrecognised(_)));
        assert_eq!(err("1 Dec 2099"), WhenError::TooFar);
    }

    #[test]
    fn split_when_separates_the_text() {
        let cases = [
            ("in 2 minutes to call the registrar", "call the registrar"),
            ("tomorrow 8am call 5 people", "call 5 people"),
            ("in 5 minutes: check bloods", "check bloods"),
            ("in 5 minutes - check bloods", "check bloods"),
            ("next tuesday 9 am that the rota is due", "the rota is due"),
            ("every Monday 08:00 Ward round", "Ward round"),
            ("0 8 * * 1 take the bins out", "take the bins out"),
            ("cron 0 8 * * 1 take the bins out", "take the bins out"),
            ("1 December 14:30 journal club", "journal club"),
            ("tomorrow tomatoes", "tomatoes"),
            ("at 5pm", ""),
            (
                "in 1h30m    Multiple   spaces kept",
                "Multiple   spaces kept",
            ),
        ];
        for (text, want) in cases {
            let (_, rest) = split_when(text, now(), SYD).expect(text);
            assert_eq!(rest, want, "{text}");
        }
        let (s, _) = split_when("tomorrow 8am call 5 people", now(), SYD).expect("split");
        assert_eq!(s.first, local(SYD, "2026-11-23 08:00"));
        let (s, _) = split_when("every Monday 08:00 Ward round", now(), SYD).expect("split");
        assert_eq!(
            s.rule.map(|r| r.describe()),
            Some("every Monday at 08:00".to_string())
        );

        let err = |text: &str| split_when(text, now(), SYD).expect_err(text);
        assert_eq!(
            err("31 February to pay the rent"),
            WhenError::NoSuchDate("31 February".into())
        );
        assert_eq!(err("today 9am ring the ward"), WhenError::Passed);
        assert_eq!(err("in 0 minutes to call"), WhenError::ZeroDuration);
        assert_eq!(
            err("tomorrow 13pm clinic"),
            WhenError::BadTime("13pm".into())
        );
        assert!(matches!(err("buy milk"), WhenError::Unrecognised(_)));
        assert_eq!(err(""), WhenError::Empty);
    }

    #[test]
    fn durations() {
        let cases: [(&str, i64); 12] = [
            ("10m", 600),
            ("10 minutes", 600),
            ("2h", 7200),
            ("1h30m", 5400),
            ("3 days", 3 * 86_400),
            ("2 weeks", 14 * 86_400),
            ("90s", 90),
            ("1 day 2 hours", 86_400 + 7200),
            ("1 hr, 5 mins", 3900),
            ("in 15 min", 900),
            ("an hour", 3600),
            ("2 H 3 M", 7380),
        ];
        for (text, secs) in cases {
            assert_eq!(parse_duration(text), Ok(Duration::seconds(secs)), "{text}");
        }
        assert_eq!(parse_duration(""), Err(WhenError::Empty));
        assert_eq!(parse_duration("0m"), Err(WhenError::ZeroDuration));
        assert_eq!(
            parse_duration("99999999 years"),
            Err(WhenError::BadDuration("99999999 years".into()))
        );
        assert_eq!(parse_duration("99999999 weeks"), Err(WhenError::TooFar));
        assert!(matches!(
            parse_duration("-5m"),
            Err(WhenError::BadDuration(_))
        ));
        assert!(matches!(
            parse_duration("soon"),
            Err(WhenError::BadDuration(_))
        ));
        assert!(matches!(
            parse_duration("10"),
            Err(WhenError::BadDuration(_))
        ));
    }

    #[test]
    fn zones() {
        assert_eq!(parse_zone("Australia/Sydney"), Ok(SYD));
        assert_eq!(parse_zone("australia/sydney"), Ok(SYD));
        assert_eq!(parse_zone(" EUROPE/LONDON "), Ok(LON));
        assert_eq!(parse_zone("UTC"), Ok(chrono_tz::UTC));
        assert_eq!(parse_zone("utc"), Ok(chrono_tz::UTC));
        let err = parse_zone("Mars/Olympus").expect_err("mars");
        assert_eq!(err, WhenError::UnknownZone("Mars/Olympus".into()));
        let shown = err.to_string();
        assert!(
            shown.contains("`Australia/Sydney`") && shown.contains("`Europe/London`"),
            "{shown}"
        );
    }

    #[test]
    fn rule_text_round_trips() {
        let rules = [
            Rule::Daily { at: t(9, 0) },
            Rule::Daily {
                at: NaiveTime::from_hms_opt(7, 5, 9).expect("time"),
            },
            Rule::Weekly {
                days: vec![Weekday::Mon, Weekday::Thu],
                every_weeks: 1,
                at: t(12, 30),
                anchor: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
            },
            Rule::Weekly {
                days: vec![Weekday::Fri],
                every_weeks: 2,
                at: t(17, 0),
                anchor: NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
            },
            Rule::Monthly {
                day: 31,
                at: t(9, 0),
            },
            Rule::Cron("0 8 * * 1".to_string()),
            Rule::Cron("0 0 8 * * Mon".to_string()),
            rule_of("every weekday at 7:30", SYD),
            rule_of("every other Friday 17:00", SYD),
            rule_of("every month on the 1st at 9am", SYD),
            rule_of("cron 30 7 * * 1-5", SYD),
        ];
        for rule in rules {
            let text = rule.to_text();
            assert_eq!(Rule::from_text(&text), Ok(rule.clone()), "{text}");
        }
        assert_eq!(
            rule_of("every 2 weeks on Friday 17:00", SYD).to_text(),
            "weekly every=2 days=fri at=17:00 anchor=2026-11-27"
        );
        assert_eq!(rule_of("daily at 9", SYD).to_text(), "daily at=09:00");
        assert_eq!(
            rule_of("every month on the 1st at 9am", SYD).to_text(),
            "monthly day=1 at=09:00"
        );
        assert_eq!(rule_of("0 8 * * 1", SYD).to_text(), "cron 0 8 * * 1");
        for bad in [
            "",
            "daily",
            "daily at=25:00",
            "weekly every=0 days=mon at=08:00 anchor=2026-01-01",
            "weekly every=1 days= at=08:00 anchor=2026-01-01",
            "weekly every=1 days=fun at=08:00 anchor=2026-01-01",
            "weekly every=1 days=mon at=08:00",
            "monthly day=0 at=09:00",
            "daily at=09:00 extra=1",
            "daily at=09:00 at=10:00",
            "cron 61 * * * *",
            "hourly at=09:00",
        ] {
            let err = Rule::from_text(bad).expect_err(bad);
            assert_eq!(err.to_string().matches('`').count(), 4, "{bad}");
        }
    }

    #[test]
    fn odd_but_valid_edges() {
        let never = parse("0 0 30 2 *", now(), SYD).expect_err("30 February never comes");
        assert!(matches!(never, WhenError::BadCron(_)), "{never}");
        assert_eq!(
            first("every weekend at 10:00", SYD),
            local(SYD, "2026-11-28 10:00")
        );
        assert_eq!(first("in 1 month", NYC), local(NYC, "2026-12-21 22:00"));
        assert_eq!(first("tomorrow 8 am", SYD), local(SYD, "2026-11-23 08:00"));
        assert_eq!(first("TOMORROW 8AM", SYD), local(SYD, "2026-11-23 08:00"));
        assert_eq!(
            first("2026-12-01 14:30:15", LON),
            utc("2026-12-01T14:30:15Z")
        );
        // A huge interval in stored text must not make next_after loop for long.
        let huge = Rule::Weekly {
            days: vec![Weekday::Mon],
            every_weeks: u32::MAX,
            at: t(8, 0),
            anchor: NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"),
        };
        assert_eq!(huge.next_after(now(), SYD), None);
        assert_eq!(
            Rule::Monthly {
                day: 0,
                at: t(8, 0)
            }
            .next_after(now(), SYD),
            None
        );
        assert_eq!(Rule::Cron("nonsense".into()).next_after(now(), SYD), None);
    }

    #[test]
    fn describe_texts() {
        let at = t(8, 0);
        let anchor = NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
        let weekly = |days: Vec<Weekday>, every_weeks| Rule::Weekly {
            days,
            every_weeks,
            at,
            anchor,
        };
        assert_eq!(
            weekly(vec![Weekday::Mon], 1).describe(),
            "every Monday at 08:00"
        );
        assert_eq!(
            weekly(WEEKDAYS.to_vec(), 1).describe(),
            "every day at 08:00"
        );
        assert_eq!(
            weekly(WEEKDAYS[5..].to_vec(), 1).describe(),
            "every Saturday and Sunday at 08:00"
        );
        assert_eq!(
            weekly(vec![Weekday::Thu, Weekday::Mon], 3).describe(),
            "every 3 weeks on Monday and Thursday at 08:00"
        );
        assert_eq!(
            Rule::Monthly { day: 22, at }.describe(),
            "every month on the 22nd at 08:00"
        );
        assert_eq!(
            Rule::Monthly { day: 11, at }.describe(),
            "every month on the 11th at 08:00"
        );
    }

    const ZONES: [Tz; 8] = [
        SYD,
        LON,
        NYC,
        AKL,
        chrono_tz::UTC,
        chrono_tz::Asia::Kolkata,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::America::Santiago,
    ];

    fn vocabulary() -> impl Strategy<Value = String> {
        let words = prop::sample::select(vec![
            "in",
            "at",
            "on",
            "every",
            "next",
            "tomorrow",
            "today",
            "tonight",
            "2",
            "0",
            "31",
            "9am",
            "13pm",
            "17:00",
            "25:00",
            "monday",
            "and",
            "weeks",
            "other",
            "month",
            "the",
            "1st",
            "february",
            "2026-02-30",
            "1/12",
            "*",
            "*/5",
            "cron",
            "to",
            "minutes",
            "h",
            "-",
            ":",
            "99999999",
            "years",
            "é",
            "🙂",
            "\u{0}",
            "daily",
            "weekday",
            "T",
            "2026-12-01T14:30",
        ]);
        prop::collection::vec(words, 0..9).prop_map(|w| w.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,60}", tz in prop::sample::select(ZONES.to_vec())) {
            let _ = parse(&text, now(), tz);
            let _ = split_when(&text, now(), tz);
            let _ = parse_duration(&text);
            let _ = parse_zone(&text);
            let _ = Rule::from_text(&text);
        }

        #[test]
        fn word_salad_never_panics(text in vocabulary(), tz in prop::sample::select(ZONES.to_vec())) {
            let _ = parse(&text, now(), tz);
            let _ = split_when(&text, now(), tz);
            let _ = parse_duration(&text);
        }

        #[test]
        fn cron_like_fields_never_panic(
            fields in prop::collection::vec("[0-9*/,?a-z-]{1,6}", 5..=7),
            tz in prop::sample::select(ZONES.to_vec()),
        ) {
            let text = fields.join(" ");
            let _ = parse(&text, now(), tz);
            let _ = parse(&format!("cron {text}"), now(), tz);
            let _ = split_when(&text, now(), tz);
        }

        #[test]
        fn in_n_units_is_exact(
            n in 1i64..10_000,
            unit in prop::sample::select(vec![
                ("s", 1i64), ("sec", 1), ("secs", 1), ("seconds", 1),
                ("m", 60), ("min", 60), ("mins", 60), ("minutes", 60),
                ("h", 3600), ("hr", 3600), ("hrs", 3600), ("hours", 3600),
                ("d", 86_400), ("day", 86_400), ("days", 86_400),
                ("w", 604_800), ("wk", 604_800), ("weeks", 604_800),
            ]),
            tz in prop::sample::select(ZONES.to_vec()),
        ) {
            let (name, secs) = unit;
            let want = now() + Duration::seconds(n * secs);
            let limit = now().checked_add_months(Months::new(HORIZON_MONTHS)).expect("limit");
            let got = parse(&format!("in {n} {name}"), now(), tz);
            if want <= limit {
                prop_assert_eq!(got, Ok(Schedule { first: want, rule: None }));
            } else {
                prop_assert_eq!(got, Err(WhenError::TooFar));
            }
        }

        #[test]
        fn weekly_next_after_matches_the_rule(
            mask in 1u8..128,
            every_weeks in 1u32..5,
            hour in 0u32..24,
            minute in 0u32..60,
            anchor_offset in 0i64..3000,
            after_offset in 0i64..(4 * 365 * 86_400),
            tz in prop::sample::select(ZONES.to_vec()),
        ) {
            let days: Vec<Weekday> = WEEKDAYS.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, d)| *d).collect();
            let base = NaiveDate::from_ymd_opt(2024, 1, 1).expect("base");
            let anchor = base + Duration::days(anchor_offset - 1500);
            let at = t(hour, minute);
            let rule = Rule::Weekly { days: days.clone(), every_weeks, at, anchor };
            prop_assert_eq!(Rule::from_text(&rule.to_text()), Ok(rule.clone()));
            let after = utc("2025-01-01T00:00:00Z") + Duration::seconds(after_offset);
            let next = rule.next_after(after, tz).expect("weekly always recurs");
            prop_assert!(next > after);
            let wall = next.with_timezone(&tz);
            let date = wall.date_naive();
            prop_assert!(days.contains(&date.weekday()));
            prop_assert_eq!(weeks_between(anchor, date).rem_euclid(i64::from(every_weeks)), 0);
            if tz.from_local_datetime(&date.and_time(at)).earliest().is_some() {
                prop_assert_eq!(wall.time(), at);
            } else {
                prop_assert!(wall.time() > at, "a gap time moves forward");
            }
            // Nothing matching was skipped between `after` and `next`.
            let mut d = local_date(after, tz);
            while d < date {
                if days.contains(&d.weekday()) && weeks_between(anchor, d).rem_euclid(i64::from(every_weeks)) == 0 {
                    prop_assert!(resolve_local(d, at, tz).expect("resolves") <= after);
                }
                d = d.succ_opt().expect("date");
            }
        }

        #[test]
        fn split_keeps_trailing_text(
            day in prop::sample::select(WEEKDAYS.to_vec()),
            hour in 0u32..24,
            minute in 0u32..60,
            text in "[b-z]{5,8}( [b-zé]{1,8}){0,4}",
            tz in prop::sample::select(ZONES.to_vec()),
        ) {
            let input = format!("every {} {hour:02}:{minute:02} {text}", weekday_name(day));
            let (schedule, rest) = split_when(&input, now(), tz).expect("splits");
            prop_assert_eq!(rest, text);
            let Some(Rule::Weekly { days, at, .. }) = schedule.rule else {
                return Err(TestCaseError::fail("not weekly"));
            };
            prop_assert_eq!(days, vec![day]);
            prop_assert_eq!(at, t(hour, minute));
        }
    }
}
