//! One-off times: "in 3 days" counted from now, and "next Tuesday 09:00", "tonight",
//! "1 December 14:30" read on the member's wall clock.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

use super::duration::parse_span;
use super::error::{WhenError, clip};
use super::words::{DEFAULT_HOUR, DaySpec, hm, month_name, try_day, try_time};
use super::zone::{HORIZON_MONTHS, add_days, local_date, resolve_local};

const TONIGHT_HOUR: u32 = 20;

pub(super) fn parse_in(
    ws: &[&str],
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<DateTime<Utc>, WhenError> {
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

pub(super) fn parse_absolute(
    ws: &[&str],
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<DateTime<Utc>, WhenError> {
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
