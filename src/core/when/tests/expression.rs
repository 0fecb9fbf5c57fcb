//! Whole expressions: relative, day words, errors, splitting off the message, odd edges.

use chrono::{Duration, NaiveDate, Weekday};

use super::fixtures::{LON, NYC, SYD, first, local, now, t, utc};
use crate::core::when::error::WhenError;
use crate::core::when::expression::{parse, split_when};
use crate::core::when::recurrence::Rule;

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
        "in 5 moons",
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
    assert!(matches!(err("in 5 moons"), WhenError::BadDuration(_)));
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

/// Words after five cron fields that could be more cron fields ("* * * * * * * hello") are not
/// read as every minute plus text: cron in a message has exactly five fields.
#[test]
fn split_when_refuses_cron_with_extra_fields() {
    for text in [
        "* * * * * * * hello",
        "* * * * * * hello",
        "cron * * * * * * * hello",
        "0 8 * * 1 */2 take the bins out",
        "0 8 * * 1 2026 take the bins out",
    ] {
        match split_when(text, now(), SYD) {
            Err(WhenError::BadCron(why)) => assert!(why.contains("5 fields"), "{text}: {why}"),
            other => panic!("{text:?} gave {other:?}"),
        }
    }
    // Five fields and a text that starts with a word still split; `to` separates a number.
    let (_, rest) = split_when("0 8 * * 1 to 2 people", now(), SYD).expect("to");
    assert_eq!(rest, "2 people");
    let (_, rest) = split_when("* * * * * hello", now(), SYD).expect("plain");
    assert_eq!(rest, "hello");
}
