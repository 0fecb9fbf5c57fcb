//! Zones and daylight saving: gaps, ambiguous hours, rules stepping across changes, zone names.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use super::fixtures::{AKL, LON, NYC, SYD, local, t, utc};
use crate::core::when::error::WhenError;
use crate::core::when::recurrence::Rule;
use crate::core::when::zone::{parse_zone, resolve_local};

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

/// Cities and abbreviations members type; a shared abbreviation is asked back, never guessed.
#[test]
fn zones_as_members_type_them() {
    for (typed, zone) in [
        ("Sydney", "Australia/Sydney"),
        ("sydney", "Australia/Sydney"),
        ("Melbourne", "Australia/Melbourne"),
        ("Brisbane", "Australia/Brisbane"),
        ("Perth", "Australia/Perth"),
        ("Adelaide", "Australia/Adelaide"),
        ("Darwin", "Australia/Darwin"),
        ("Hobart", "Australia/Hobart"),
        ("Canberra", "Australia/Sydney"),
        ("Auckland", "Pacific/Auckland"),
        ("Wellington", "Pacific/Auckland"),
        ("London", "Europe/London"),
        ("Edinburgh", "Europe/London"),
        ("Glasgow", "Europe/London"),
        ("Dublin", "Europe/Dublin"),
        ("New York", "America/New_York"),
        ("new_york", "America/New_York"),
        ("NYC", "America/New_York"),
        ("Boston", "America/New_York"),
        ("Chicago", "America/Chicago"),
        ("Denver", "America/Denver"),
        ("Los Angeles", "America/Los_Angeles"),
        ("San Francisco", "America/Los_Angeles"),
        ("Toronto", "America/Toronto"),
        ("Vancouver", "America/Vancouver"),
        ("Singapore", "Asia/Singapore"),
        ("Hong Kong", "Asia/Hong_Kong"),
        ("AEDT", "Australia/Sydney"),
        ("AWST", "Australia/Perth"),
        ("ACDT", "Australia/Adelaide"),
        ("NZDT", "Pacific/Auckland"),
        ("BST", "Europe/London"),
        ("UK", "Europe/London"),
        ("PST", "America/Los_Angeles"),
        ("EDT", "America/New_York"),
        ("UTC", "UTC"),
    ] {
        assert_eq!(parse_zone(typed).map(|z| z.name()), Ok(zone), "{typed}");
    }
    for (typed, first, second) in [
        ("EST", "America/New_York", "Australia/Brisbane"),
        ("est", "America/New_York", "Australia/Brisbane"),
        ("IST", "Europe/Dublin", "Asia/Kolkata"),
        ("CST", "America/Chicago", "Australia/Adelaide"),
        ("AEST", "Australia/Sydney", "Australia/Brisbane"),
        ("ACST", "Australia/Adelaide", "Australia/Darwin"),
        ("MST", "America/Denver", "America/Phoenix"),
        ("GMT", "Europe/London", "UTC"),
    ] {
        let err = parse_zone(typed).expect_err(typed);
        assert!(
            matches!(err, WhenError::AmbiguousZone { .. }),
            "{typed}: {err:?}"
        );
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!(
                "\"{typed}\" is used in more than one place. Which do you mean: `"
            )),
            "{shown}"
        );
        assert!(
            shown.contains(&format!("`{first}`")) && shown.contains(&format!("`{second}`")),
            "{shown}"
        );
    }
    assert_eq!(
        parse_zone("IST").expect_err("IST").to_string(),
        "\"IST\" is used in more than one place. Which do you mean: `Europe/Dublin` (Ireland), `Asia/Kolkata` (India) or `Asia/Jerusalem` (Israel)?"
    );
    // A town two countries share is not guessed either.
    assert!(matches!(
        parse_zone("Newcastle"),
        Err(WhenError::UnknownZone(_))
    ));
}
