//! Property tests: no input panics, and relative times and weekly rules hold for any values.

use chrono::{Datelike, Duration, Months, NaiveDate, TimeZone, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::fixtures::{AKL, LON, NYC, SYD, now, t, utc};
use crate::core::when::duration::{parse_duration, parse_setting_span};
use crate::core::when::error::WhenError;
use crate::core::when::expression::{parse, split_when};
use crate::core::when::recurrence::{Rule, Schedule, weeks_between};
use crate::core::when::words::{WEEKDAYS, weekday_name};
use crate::core::when::zone::{HORIZON_MONTHS, local_date, parse_zone, resolve_local};

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
        "8",
        "12",
        "half",
        "past",
        "quarter",
        "o'clock",
        "morning",
        "evening",
        "this",
        "by",
        "end",
        "of",
        "day",
        "eod",
        "first",
        "thing",
        "week",
        "fortnight",
        "fortnightly",
        "a",
        "an",
        "hour",
        "12/1",
        "after",
    ]);
    prop::collection::vec(words, 0..9).prop_map(|w| w.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// An hour without am/pm beside any day is asked back, never guessed, and each reading
    /// offered back is read as the time it names.
    #[test]
    fn a_bare_hour_beside_a_day_is_asked_back(
        day in prop::sample::select(vec![
            "tomorrow", "Monday", "next Friday", "Monday week", "1 December",
            "the day after tomorrow", "next week",
        ]),
        hour in 1u32..=12,
        spoken in prop::sample::select(vec!["", "half past ", "quarter past ", "at half past "]),
        tz in prop::sample::select(ZONES.to_vec()),
    ) {
        let text = format!("{day} {spoken}{hour} to call the ward");
        match split_when(&text, now(), tz) {
            Err(WhenError::Ambiguous(a)) => {
                for (reading, meaning) in a.readings.iter().zip(&a.meanings) {
                    let (s, rest) = split_when(reading, now(), tz).expect("a reading is a time");
                    prop_assert_eq!(rest, "call the ward");
                    let wall = s.first.with_timezone(&tz).format("%H:%M").to_string();
                    prop_assert_eq!(&wall, meaning, "{}", reading);
                }
            }
            other => return Err(TestCaseError::fail(format!("{text:?} gave {other:?}"))),
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,60}", tz in prop::sample::select(ZONES.to_vec())) {
        let _ = parse(&text, now(), tz);
        let _ = split_when(&text, now(), tz);
        let _ = parse_duration(&text);
        let _ = parse_setting_span(&text);
        let _ = parse_zone(&text);
        let _ = Rule::from_text(&text);
    }

    #[test]
    fn word_salad_never_panics(text in vocabulary(), tz in prop::sample::select(ZONES.to_vec())) {
        let _ = parse(&text, now(), tz);
        let _ = split_when(&text, now(), tz);
        let _ = parse_duration(&text);
        let _ = parse_setting_span(&text);
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
