//! Repeating schedules: `Rule`, its stored text, its next occurrence in a zone, its description,
//! and the "every ..." words that make one.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use super::absolute::ambiguous;
use super::cron::{cron_next, cron_schedules};
use super::error::{WhenError, clip};
use super::words::{
    DEFAULT_HOUR, WEEKDAYS, digits, hm, join_names, ordinal_suffix, ordinal_word, sorted_days,
    try_period, try_spoken, try_time, weekday_code, weekday_word,
};
use super::zone::{add_days, local_date, resolve_local};

/// A larger interval could never fire inside the horizon, and bounds `next_after`'s day scan.
const MAX_EVERY_WEEKS: u32 = 260;

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

pub(super) fn weeks_between(anchor: NaiveDate, date: NaiveDate) -> i64 {
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

pub(super) fn parse_recurrence(
    ws: &[&str],
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<Schedule, WhenError> {
    let weekly = |every: u32, at: usize| -> Result<(Repeat, usize), WhenError> {
        // "every week", "every fortnight" with no day: the day it is today, in the member's zone.
        if ws
            .get(at)
            .is_none_or(|w| weekday_word(w).is_none() && *w != "on")
        {
            let days = vec![local_date(now, tz).weekday()];
            return Ok((Repeat::Weekly { days, every }, at));
        }
        let (days, next) = weekday_list(ws, skip(ws, at, "on"))?;
        Ok((Repeat::Weekly { days, every }, next))
    };
    let (repeat, mut i) = match ws[0] {
        "daily" => (Repeat::Daily, 1),
        "weekly" => weekly(1, 1)?,
        "fortnightly" => weekly(2, 1)?,
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
                "fortnight" => weekly(2, 2)?,
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
                        "fortnight" | "fortnights" => {
                            if n > MAX_EVERY_WEEKS / 2 {
                                return Err(WhenError::TooFar);
                            }
                            weekly(n * 2, 3)?
                        }
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
    let at = if let Some((t, _, used)) = try_time(ws, i)? {
        i += used;
        t
    } else if let Some((period, said, used)) = try_period(ws, i)
        && !said.today
    {
        // "every Monday morning", "every weekday at the end of the day".
        i += used;
        period.default_time()
    } else if let Some(spoken) = try_spoken(ws, i) {
        // "every Monday 8" reads both ways, as "tomorrow 8" does.
        match spoken.pm {
            Some(pm) => {
                i = spoken.start + spoken.len;
                spoken.time(pm)
            }
            None => return Err(ambiguous(ws, &spoken)),
        }
    } else {
        hm(DEFAULT_HOUR, 0)
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
