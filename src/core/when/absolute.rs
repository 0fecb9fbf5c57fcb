//! One-off times: "in 3 days" counted from now, and "next Tuesday 09:00", "tonight",
//! "1 December 14:30" read on the member's wall clock.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

use super::duration::parse_span;
use super::error::{Ambiguity, WhenError, clip};
use super::words::{
    DEFAULT_HOUR, DaySpec, Period, Spoken, both_date_orders, hm, month_name, try_day, try_period,
    try_spoken, try_time,
};
use super::zone::{HORIZON_MONTHS, add_days, local_date, resolve_local};

const TONIGHT_HOUR: u32 = 20;

/// The span after "in" ("3 days", "half an hour", "a fortnight"), counted from now.
pub(super) fn parse_in(
    ws: &[&str],
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<DateTime<Utc>, WhenError> {
    let rest = ws.join(" ");
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
    let mut period: Option<Period> = None;
    // An hour without am/pm ("tomorrow 8", "half past 8"), settled once the rest is read.
    let mut bare: Option<Spoken> = None;
    let mut needs_day = false;
    let both_orders = both_date_orders(tz);
    let mut i = 0;
    while i < ws.len() {
        if day.is_none()
            && let Some((spec, with_time, used)) = try_day(ws, i, both_orders)?
        {
            if let Some(t) = with_time {
                if time.is_some() || bare.is_some() {
                    return Err(unrecognised());
                }
                time = Some((t, true));
            }
            day = Some(spec);
            i += used;
            continue;
        }
        if time.is_none()
            && bare.is_none()
            && let Some((t, said_meridiem, used)) = try_time(ws, i)?
        {
            time = Some((t, said_meridiem));
            i += used;
            continue;
        }
        if period.is_none()
            && let Some((p, said, used)) = try_period(ws, i)
        {
            if said.today {
                if day.is_some() {
                    return Err(unrecognised());
                }
                day = Some(DaySpec::Today);
            }
            needs_day = said.needs_day;
            period = Some(p);
            i += used;
            continue;
        }
        if time.is_none()
            && bare.is_none()
            && let Some(spoken) = try_spoken(ws, i)
        {
            i = spoken.start + spoken.len;
            match spoken.pm {
                Some(pm) => time = Some((spoken.time(pm), true)),
                None => bare = Some(spoken),
            }
            continue;
        }
        return Err(unrecognised());
    }

    if needs_day && day.is_none() {
        return Err(unrecognised());
    }
    // Whether an hour without am/pm is after noon: the period or "tonight" settles it.
    let pm = period.and_then(Period::pm).or(match day {
        Some(DaySpec::Tonight) => Some(true),
        _ => None,
    });
    if let Some(spoken) = bare {
        // A lone number is a time only beside a day or a period ("call 5 people" stays text).
        if !spoken.plainly && day.is_none() && period.is_none() {
            return Err(unrecognised());
        }
        match pm {
            Some(pm) => time = Some((spoken.time(pm), true)),
            None => return Err(ambiguous(ws, &spoken)),
        }
    }
    if let (Some((t, false)), Some(true)) = (time, pm)
        && (1..12).contains(&t.hour())
    {
        // "tonight at 8", "this evening at 7:30": the afternoon reading.
        time = Some((t.overflowing_add_signed(Duration::hours(12)).0, false));
    }

    let today = local_date(now, tz);
    let default = match (period, &day) {
        (Some(p), _) => p.default_time(),
        (None, Some(DaySpec::Tonight)) => hm(TONIGHT_HOUR, 0),
        _ => hm(DEFAULT_HOUR, 0),
    };
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
            if time.is_none() && period.is_none() {
                return Err(unrecognised());
            }
            let t = on(Some(today))?;
            if t > now {
                Ok(t)
            } else {
                on(add_days(today, 1))
            }
        }
        Some(DaySpec::Today | DaySpec::Tonight) => future(on(Some(today))?),
        Some(DaySpec::Tomorrow) => on(add_days(today, 1)),
        Some(DaySpec::DayAfterTomorrow) => on(add_days(today, 2)),
        Some(DaySpec::NextWeek) => on(add_days(
            today,
            u64::from(7 - today.weekday().num_days_from_monday()),
        )),
        Some(DaySpec::Weekday {
            day,
            next,
            week_after,
        }) => {
            let ahead =
                (7 + day.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
            let coming = u64::from(if ahead == 0 { 7 } else { ahead });
            if week_after {
                on(add_days(today, coming + 7))
            } else if next {
                on(add_days(today, coming))
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

/// "tomorrow 8" asked back: 08:00 or 20:00, with the member's words spelled out each way.
pub(super) fn ambiguous(ws: &[&str], spoken: &Spoken) -> WhenError {
    let clock = |pm: bool| spoken.time(pm).format("%H:%M").to_string();
    let said = |suffix: &str| match spoken.minute {
        0 => format!("{}{suffix}", spoken.hour),
        m => format!("{}:{m:02}{suffix}", spoken.hour),
    };
    Ambiguity::between(
        ws,
        spoken.start,
        spoken.len,
        [clock(false), clock(true)],
        [said("am"), said("pm")],
    )
}
