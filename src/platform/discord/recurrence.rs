//! Discord's recurring Scheduled Events: which of the core's repeat rules Discord can show as
//! one repeating entry, and the `recurrence_rule` object that says so.
//!
//! Discord allows few shapes (its "system limitations"): daily; weekly on one weekday, every
//! week or every other week; daily on one of six fixed sets of weekdays; monthly only on the
//! nth weekday; yearly on one date. `count`, `end` and `by_year_day` can't be set by an app.
//! A Rounds monthly rule is a day of the month (Discord's monthly takes no `by_month_day`) and
//! a cron rule is anything, so neither is expressible; those series stay one entry per date.
//!
//! The rule carries no zone: Discord steps it from `start` in UTC. So the weekdays sent are the
//! UTC weekdays of the series' wall-clock days (a 09:00 Thursday in Sydney is a Wednesday in
//! UTC), and a date that daylight saving moves off the rule's UTC time is an exception that
//! reschedules that occurrence (see [`occurrence_near`]).

use chrono::{DateTime, Datelike, SecondsFormat, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::core::io::MirrorSeries;
use crate::core::when::Rule;

/// Discord's frequency numbers.
const WEEKLY: u8 = 2;
const DAILY: u8 = 3;

/// The only weekday sets a daily rule may carry (Monday is 0).
const DAILY_SETS: [&[u8]; 6] = [
    &[0, 1, 2, 3, 4],
    &[1, 2, 3, 4, 5],
    &[0, 1, 2, 3, 6],
    &[4, 5],
    &[5, 6],
    &[0, 6],
];

/// The `recurrence_rule` for a series whose next date is `start`, or None when Discord can't
/// express the series' rule (or the mirror names a rule or zone this build can't read).
pub fn recurrence_rule(series: &MirrorSeries, start: DateTime<Utc>) -> Option<Value> {
    let rule = Rule::from_text(&series.rule).ok()?;
    let zone: Tz = series.zone.parse().ok()?;
    let (frequency, interval, by_weekday) = shape(&rule, start, zone)?;
    Some(json!({
        "start": start.to_rfc3339_opts(SecondsFormat::Secs, true),
        "frequency": frequency,
        "interval": interval,
        "by_weekday": by_weekday,
    }))
}

/// Discord's frequency, interval and weekdays for `rule`, read in UTC from `start`.
fn shape(rule: &Rule, start: DateTime<Utc>, zone: Tz) -> Option<(u8, u32, Option<Vec<u8>>)> {
    // How many days a wall-clock weekday moves when read in UTC (-1, 0 or 1 around midnight).
    let local = start.with_timezone(&zone).weekday().num_days_from_monday() as i64;
    let utc = start.weekday().num_days_from_monday() as i64;
    let shift = utc - local;
    let in_utc = |days: &[Weekday]| -> Vec<u8> {
        let mut out: Vec<u8> = days
            .iter()
            .map(|d| (d.num_days_from_monday() as i64 + shift).rem_euclid(7) as u8)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    };
    match rule {
        Rule::Daily { .. } => Some((DAILY, 1, None)),
        Rule::Weekly {
            days, every_weeks, ..
        } => {
            let days = in_utc(days);
            match (days.len(), *every_weeks) {
                (1, 1 | 2) => Some((WEEKLY, *every_weeks, Some(days))),
                (7, 1) => Some((DAILY, 1, None)),
                (_, 1) if DAILY_SETS.contains(&days.as_slice()) => Some((DAILY, 1, Some(days))),
                _ => None,
            }
        }
        Rule::Monthly { .. } | Rule::Cron(_) => None,
    }
}

/// The occurrence of a Discord rule that started at `start` which stands for the Rounds date
/// `at`: the same UTC time of day as `start`, on the day that puts it nearest `at`. It differs
/// from `at` when daylight saving moved the wall-clock time in UTC.
pub fn occurrence_near(start: DateTime<Utc>, at: DateTime<Utc>) -> DateTime<Utc> {
    let time = start.time();
    let day = at.date_naive();
    [day.pred_opt(), Some(day), day.succ_opt()]
        .into_iter()
        .flatten()
        .map(|d| d.and_time(time).and_utc())
        .min_by_key(|candidate| (*candidate - at).abs())
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, NaiveDate, NaiveTime, TimeZone};

    fn series(rule: &Rule, zone: &str) -> MirrorSeries {
        MirrorSeries {
            topic: "series:1".into(),
            rule: rule.to_text(),
            zone: zone.into(),
            skipped: Vec::new(),
        }
    }

    fn weekly(days: &[Weekday], every_weeks: u32) -> Rule {
        Rule::Weekly {
            days: days.to_vec(),
            every_weeks,
            at: NaiveTime::from_hms_opt(12, 30, 0).unwrap(),
            anchor: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
        }
    }

    /// Thursday 10 December 2026, 12:30 in London (UTC in winter).
    fn thursday() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 10, 12, 30, 0).unwrap()
    }

    #[test]
    fn every_thursday_is_weekly_on_thursday() {
        let rule = recurrence_rule(
            &series(&weekly(&[Weekday::Thu], 1), "Europe/London"),
            thursday(),
        )
        .unwrap();
        assert_eq!(rule["frequency"], 2);
        assert_eq!(rule["interval"], 1);
        assert_eq!(rule["by_weekday"], json!([3]));
        assert_eq!(rule["start"], "2026-12-10T12:30:00Z");
    }

    #[test]
    fn every_other_week_is_interval_two_and_every_third_is_not_expressible() {
        let london = |r: &Rule| recurrence_rule(&series(r, "Europe/London"), thursday());
        assert_eq!(london(&weekly(&[Weekday::Thu], 2)).unwrap()["interval"], 2);
        assert_eq!(london(&weekly(&[Weekday::Thu], 3)), None);
    }

    #[test]
    fn two_weekdays_are_not_expressible_but_the_working_week_is_daily() {
        let london = |r: &Rule| recurrence_rule(&series(r, "Europe/London"), thursday());
        assert_eq!(london(&weekly(&[Weekday::Mon, Weekday::Thu], 1)), None);
        assert_eq!(london(&weekly(&[Weekday::Mon, Weekday::Thu], 2)), None);
        let weekdays = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ];
        let rule = london(&weekly(&weekdays, 1)).unwrap();
        assert_eq!(rule["frequency"], 3);
        assert_eq!(rule["by_weekday"], json!([0, 1, 2, 3, 4]));
    }

    #[test]
    fn weekdays_are_read_in_utc() {
        // 09:00 on a Thursday in Sydney is 22:00 on Wednesday in UTC.
        let start = chrono_tz::Australia::Sydney
            .with_ymd_and_hms(2026, 12, 10, 9, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        let rule = weekly(&[Weekday::Thu], 1);
        let sent = recurrence_rule(&series(&rule, "Australia/Sydney"), start).unwrap();
        assert_eq!(sent["by_weekday"], json!([2]), "Wednesday in UTC");
        let weekdays = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ];
        let sent = recurrence_rule(&series(&weekly(&weekdays, 1), "Australia/Sydney"), start);
        assert_eq!(
            sent.unwrap()["by_weekday"],
            json!([0, 1, 2, 3, 6]),
            "Sunday to Thursday"
        );
    }

    #[test]
    fn monthly_daily_and_cron_rules() {
        let at = NaiveTime::from_hms_opt(12, 30, 0).unwrap();
        let london = |r: &Rule| recurrence_rule(&series(r, "Europe/London"), thursday());
        assert_eq!(london(&Rule::Monthly { day: 10, at }), None);
        assert_eq!(london(&Rule::Cron("30 12 * * 4".into())), None);
        let daily = london(&Rule::Daily { at }).unwrap();
        assert_eq!(daily["frequency"], 3);
        assert_eq!(daily["by_weekday"], Value::Null);
    }

    #[test]
    fn a_date_moved_by_daylight_saving_is_found_near_the_rule_occurrence() {
        // 12:30 in London is 12:30 UTC in December and 11:30 UTC in June.
        let june = Utc.with_ymd_and_hms(2027, 6, 10, 11, 30, 0).unwrap();
        let near = occurrence_near(thursday(), june);
        assert_eq!(near, Utc.with_ymd_and_hms(2027, 6, 10, 12, 30, 0).unwrap());
        let next_week = thursday() + Duration::days(7);
        assert_eq!(occurrence_near(thursday(), next_week), next_week);
    }
}
