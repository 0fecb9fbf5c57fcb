//! Repeating rules: what "every ..." parses to, stepping, stored text, descriptions, cron days.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

use super::fixtures::{LON, NYC, SYD, first, local, now, rule_of, t, utc};
use crate::core::when::expression::parse;
use crate::core::when::recurrence::Rule;
use crate::core::when::words::WEEKDAYS;

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
