//! The vocabulary of time expressions: weekday, month, ordinal and year words, clock times, and
//! the days a one-off expression can name ("tomorrow", "next Tuesday", "1 December", "2026-12-01").

use chrono::{NaiveDate, NaiveTime, Weekday};

use super::error::{Ambiguity, WhenError, clip};

pub(super) const DEFAULT_HOUR: u32 = 9;

pub(super) fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)
}

pub(super) const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

pub(super) fn weekday_code(d: Weekday) -> &'static str {
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

pub(super) fn weekday_name(d: Weekday) -> &'static str {
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

pub(super) fn ordinal_suffix(n: u32) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

pub(super) fn join_names(days: &[Weekday]) -> String {
    let names: Vec<&str> = days.iter().map(|d| weekday_name(*d)).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

pub(super) fn sorted_days(mut days: Vec<Weekday>) -> Vec<Weekday> {
    days.sort_by_key(|d| d.num_days_from_monday());
    days.dedup();
    days
}

pub(super) fn weekday_word(w: &str) -> Option<Weekday> {
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

pub(super) fn digits(w: &str, max_len: usize) -> Option<u32> {
    if w.is_empty() || w.len() > max_len || !w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    w.parse().ok()
}

pub(super) fn ordinal_word(w: &str) -> Option<u32> {
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
pub(super) fn try_time(
    ws: &[&str],
    i: usize,
) -> Result<Option<(NaiveTime, bool, usize)>, WhenError> {
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
    // "at 8 o'clock" is spoken, 12-hour: `try_spoken` reads it.
    if pm.is_none() && !body.contains(':') && matches!(ws.get(end), Some(&"o'clock" | &"oclock")) {
        return Ok(None);
    }
    let label = ws[j..end].join(" ");
    let found = clock(body, pm, at, &label)?;
    Ok(found.map(|t| (t, pm.is_some(), end - i)))
}

/// A part of the day named in words, with the hour it stands for when no time is given.
///
/// The hours are documented defaults that every confirmation states: morning and "first thing"
/// 08:00, afternoon 14:00, evening 18:00, night 20:00, end of the day (EOD, COB) 17:00.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Period {
    Morning,
    Afternoon,
    Evening,
    Night,
    EndOfDay,
}

impl Period {
    pub(super) fn default_time(self) -> NaiveTime {
        match self {
            Period::Morning => hm(8, 0),
            Period::Afternoon => hm(14, 0),
            Period::Evening => hm(18, 0),
            Period::Night => hm(20, 0),
            Period::EndOfDay => hm(17, 0),
        }
    }

    /// Whether an hour said with this period is after noon ("this evening at 7" is 19:00);
    /// None when the period does not settle it.
    pub(super) fn pm(self) -> Option<bool> {
        match self {
            Period::Morning => Some(false),
            Period::Afternoon | Period::Evening | Period::Night => Some(true),
            Period::EndOfDay => None,
        }
    }
}

/// A period at `ws[i..]`: "morning", "this evening", "in the afternoon", "tomorrow night"'s
/// "night", "first thing", "end of the day", "by EOD", "COB". Returns the period, how it
/// was said, and the words used.
pub(super) fn try_period(ws: &[&str], i: usize) -> Option<(Period, PeriodSaid, usize)> {
    let mut j = i;
    let mut this = false;
    match ws.get(j) {
        Some(&"this") => {
            this = true;
            j += 1;
        }
        Some(&"in") if ws.get(j + 1) == Some(&"the") => j += 2,
        Some(&"by") | Some(&"at") => {
            j += 1;
            if ws.get(j) == Some(&"the") {
                j += 1;
            }
        }
        Some(&"the") => j += 1,
        _ => {}
    }
    let word = |k: usize| ws.get(k).copied().unwrap_or("");
    let (period, end) = match word(j) {
        "morning" => (Period::Morning, j + 1),
        "afternoon" | "arvo" => (Period::Afternoon, j + 1),
        "evening" => (Period::Evening, j + 1),
        "night" => (Period::Night, j + 1),
        "first" if word(j + 1) == "thing" => (Period::Morning, j + 2),
        "eod" | "cob" | "eob" => (Period::EndOfDay, j + 1),
        "end" | "close" if word(j + 1) == "of" => {
            let k = if word(j + 2) == "the" { j + 3 } else { j + 2 };
            match word(k) {
                "day" | "business" | "play" => (Period::EndOfDay, k + 1),
                _ => return None,
            }
        }
        _ => return None,
    };
    // A plain "morning" or "night" with no day is too often the start of the text ("night
    // shift", "morning handover") to be read as a time: it needs a day, "this" or "in the".
    let plain = j == i
        && matches!(
            word(j),
            "morning" | "afternoon" | "arvo" | "evening" | "night"
        );
    Some((
        period,
        PeriodSaid {
            today: this,
            needs_day: plain,
        },
        end - i,
    ))
}

/// How a period was said: "this evening" names today; a plain "evening" needs a day beside it.
pub(super) struct PeriodSaid {
    pub(super) today: bool,
    pub(super) needs_day: bool,
}

/// A time of day in words: "8", "8 o'clock", "half past 8", "quarter to 9", "half 8" (British
/// for 8:30), each maybe with am/pm. A 24-hour "at 8" or "8:30" is `try_time`'s.
pub(super) struct Spoken {
    /// 1..=12, on the 12-hour clock.
    pub(super) hour: u32,
    pub(super) minute: u32,
    /// Whether am/pm was said, and which.
    pub(super) pm: Option<bool>,
    /// Where the time's own words start (after any "at") and how many there are.
    pub(super) start: usize,
    pub(super) len: usize,
    /// Whether the words are plainly a time ("at", "o'clock", "half past"), not a lone number.
    pub(super) plainly: bool,
}

impl Spoken {
    pub(super) fn time(&self, pm: bool) -> NaiveTime {
        hm(self.hour % 12 + if pm { 12 } else { 0 }, self.minute)
    }
}

pub(super) fn try_spoken(ws: &[&str], i: usize) -> Option<Spoken> {
    let word = |k: usize| ws.get(k).copied().unwrap_or("");
    let at = word(i) == "at";
    let start = if at { i + 1 } else { i };
    let (minute, to, k) = match (word(start), word(start + 1)) {
        ("half", "past") => (30, false, start + 2),
        ("quarter", "past") => (15, false, start + 2),
        ("quarter", "to") => (45, true, start + 2),
        ("half", _) => (30, false, start + 1),
        _ => (0, false, start),
    };
    let mut w = word(k);
    let mut pm = None;
    for (suffix, is_pm) in [("a.m", false), ("p.m", true), ("am", false), ("pm", true)] {
        if let Some(b) = w.strip_suffix(suffix) {
            w = b;
            pm = Some(is_pm);
            break;
        }
    }
    let clock_word = w.ends_with("o'clock") || w.ends_with("oclock");
    let body = w
        .strip_suffix("o'clock")
        .or_else(|| w.strip_suffix("oclock"))
        .unwrap_or(w);
    let said = digits(body, 2).filter(|h| (1..=12).contains(h))?;
    let mut end = k + 1;
    let oclock = clock_word || matches!(word(end), "o'clock" | "oclock");
    if !clock_word && oclock {
        end += 1;
    }
    if pm.is_none()
        && let Some(p) = meridiem_word(word(end))
    {
        pm = Some(p);
        end += 1;
    }
    // "quarter to 1" is 12:45.
    let hour = if to { (said + 10) % 12 + 1 } else { said };
    Some(Spoken {
        hour,
        minute,
        pm,
        start,
        len: end - start,
        plainly: at || oclock || k > start,
    })
}

pub(super) enum DaySpec {
    Today,
    Tonight,
    Tomorrow,
    DayAfterTomorrow,
    /// The Monday that starts next week.
    NextWeek,
    Weekday {
        day: Weekday,
        next: bool,
        /// "Monday week", "a week on Monday": the Monday after the coming one.
        week_after: bool,
    },
    Date {
        day: u32,
        month: u32,
        year: Option<i32>,
    },
}

pub(super) type DayMatch = (DaySpec, Option<NaiveTime>, usize);

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

pub(super) fn month_name(month: u32) -> &'static str {
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

/// "1/12", "12/1/2026": day first, as in Australia and the UK. Where both orders are written
/// (`both_orders`: the United States and Canada) a date that reads both ways is asked back, and
/// one that reads only one way ("12/25", "25/12") takes that one.
fn slash_date(ws: &[&str], j: usize, both_orders: bool) -> Result<Option<DaySpec>, WhenError> {
    let w = ws.get(j).copied().unwrap_or("");
    let parts: Vec<&str> = w.split('/').collect();
    let (a, b, y) = match parts.as_slice() {
        [a, b] => (digits(a, 2), digits(b, 2), None),
        [a, b, y] => match year_word(y) {
            Some(y) => (digits(a, 2), digits(b, 2), Some(y)),
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    let (Some(a), Some(b)) = (a, b) else {
        return Ok(None);
    };
    let month = |n: u32| (1..=12).contains(&n);
    let (d, m) = if !both_orders || a == b {
        (a, b)
    } else if month(a) && month(b) {
        let name = |day: u32, month: u32| match y {
            Some(y) => format!("{day} {} {y}", month_name(month)),
            None => format!("{day} {}", month_name(month)),
        };
        // Month first is listed first: it is the commoner reading where both are written.
        let readings = [name(b, a), name(a, b)];
        return Err(Ambiguity::between(ws, j, 1, readings.clone(), readings));
    } else if month(a) && !month(b) {
        (b, a)
    } else {
        (a, b)
    };
    if !month(m) {
        return Err(WhenError::NoSuchDate(clip(w)));
    }
    date_spec(d, m, y, w.to_string()).map(Some)
}

/// A day at `ws[i..]`: the day, a time if the same word carried one, and the words used.
pub(super) fn try_day(
    ws: &[&str],
    i: usize,
    both_orders: bool,
) -> Result<Option<DayMatch>, WhenError> {
    let j = if ws.get(i) == Some(&"on") { i + 1 } else { i };
    let Some(&w) = ws.get(j) else {
        return Ok(None);
    };
    let used = |n: usize| n - i;
    let word = |k: usize| ws.get(k).copied().unwrap_or("");
    // "the day after tomorrow", "day after tomorrow"
    let d = if w == "the" { j + 1 } else { j };
    if word(d) == "day" && word(d + 1) == "after" && matches!(word(d + 2), "tomorrow" | "tmrw") {
        return Ok(Some((DaySpec::DayAfterTomorrow, None, used(d + 3))));
    }
    // "a week on Monday", "a week Monday"
    if w == "a" && word(j + 1) == "week" {
        let k = if word(j + 2) == "on" { j + 3 } else { j + 2 };
        if let Some(day) = weekday_word(word(k)) {
            let spec = DaySpec::Weekday {
                day,
                next: false,
                week_after: true,
            };
            return Ok(Some((spec, None, used(k + 1))));
        }
    }
    if w == "next" && word(j + 1) == "week" {
        return Ok(Some((DaySpec::NextWeek, None, used(j + 2))));
    }
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
                        week_after: false,
                    },
                    None,
                    used(j + 2),
                )));
            }
            None => return Ok(None),
        },
        _ => match weekday_word(w) {
            // "Monday week": the Monday a week after the coming one.
            Some(day) if word(j + 1) == "week" => {
                let spec = DaySpec::Weekday {
                    day,
                    next: false,
                    week_after: true,
                };
                return Ok(Some((spec, None, used(j + 2))));
            }
            day => day.map(|day| DaySpec::Weekday {
                day,
                next: false,
                week_after: false,
            }),
        },
    };
    if let Some(spec) = simple {
        return Ok(Some((spec, None, used(j + 1))));
    }
    if let Some((spec, time, n)) = iso_date(w)? {
        return Ok(Some((spec, time, used(j + n))));
    }
    if let Some(spec) = slash_date(ws, j, both_orders)? {
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

/// Zones where dates are written both month first and day first: the United States and Canada.
pub(super) fn both_date_orders(tz: chrono_tz::Tz) -> bool {
    const ZONES: [&str; 24] = [
        "America/New_York",
        "America/Detroit",
        "America/Chicago",
        "America/Denver",
        "America/Boise",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "America/Juneau",
        "America/Adak",
        "Pacific/Honolulu",
        "America/Toronto",
        "America/Montreal",
        "America/Vancouver",
        "America/Edmonton",
        "America/Winnipeg",
        "America/Regina",
        "America/Halifax",
        "America/St_Johns",
        "America/Moncton",
        "America/Whitehorse",
        "America/Iqaluit",
        "America/Yellowknife",
        "America/Puerto_Rico",
    ];
    let name = tz.name();
    ZONES.contains(&name)
        || [
            "US/",
            "Canada/",
            "America/Indiana/",
            "America/Kentucky/",
            "America/North_Dakota/",
        ]
        .iter()
        .any(|p| name.starts_with(p))
}
