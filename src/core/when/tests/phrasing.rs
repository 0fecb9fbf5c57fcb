//! What doctors in Australia, the UK and the US really type, phrase by phrase: each is read to
//! one instant, or asked back when two readings are plausible; none is guessed silently.

use chrono::Duration;

use super::fixtures::{SYD, local, now, rule_of};
use crate::core::when::error::WhenError;
use crate::core::when::expression::{parse, split_when};

/// What a phrase must give: a local wall time in Sydney, a span from now, or a question.
enum Want {
    At(&'static str),
    After(Duration),
    Ask([&'static str; 2], [&'static str; 2]),
    Refused,
}

use Want::{After, Ask, At, Refused};

/// Now is Sunday 22 November 2026, 14:00 in Sydney.
fn phrases() -> Vec<(&'static str, Want)> {
    vec![
        // An hour with am/pm, minutes or "at" is clear.
        ("tomorrow 8am", At("2026-11-23 08:00")),
        ("tomorrow 08:00", At("2026-11-23 08:00")),
        ("tomorrow at 8 pm", At("2026-11-23 20:00")),
        ("tomorrow at 8:30", At("2026-11-23 08:30")),
        // A bare hour beside a day reads both ways: asked back, with both readings spelled out.
        (
            "tomorrow 8",
            Ask(["08:00", "20:00"], ["tomorrow 8am", "tomorrow 8pm"]),
        ),
        (
            "Tomorrow 8",
            Ask(["08:00", "20:00"], ["Tomorrow 8am", "Tomorrow 8pm"]),
        ),
        (
            "8 tomorrow",
            Ask(["08:00", "20:00"], ["8am tomorrow", "8pm tomorrow"]),
        ),
        (
            "Monday 7",
            Ask(["07:00", "19:00"], ["Monday 7am", "Monday 7pm"]),
        ),
        (
            "tomorrow 12",
            Ask(["00:00", "12:00"], ["tomorrow 12am", "tomorrow 12pm"]),
        ),
        (
            "tomorrow 8 o'clock",
            Ask(["08:00", "20:00"], ["tomorrow 8am", "tomorrow 8pm"]),
        ),
        // Spoken times: British "half 8" is 8:30; all of them read both ways without am/pm.
        (
            "tomorrow at half past 8",
            Ask(
                ["08:30", "20:30"],
                ["tomorrow at 8:30am", "tomorrow at 8:30pm"],
            ),
        ),
        (
            "tomorrow half 8",
            Ask(["08:30", "20:30"], ["tomorrow 8:30am", "tomorrow 8:30pm"]),
        ),
        (
            "tomorrow quarter to 9",
            Ask(["08:45", "20:45"], ["tomorrow 8:45am", "tomorrow 8:45pm"]),
        ),
        (
            "quarter to 1 tomorrow",
            Ask(["00:45", "12:45"], ["12:45am tomorrow", "12:45pm tomorrow"]),
        ),
        (
            "at half past 8",
            Ask(["08:30", "20:30"], ["at 8:30am", "at 8:30pm"]),
        ),
        (
            "tomorrow at 8 o'clock",
            Ask(["08:00", "20:00"], ["tomorrow at 8am", "tomorrow at 8pm"]),
        ),
        ("tomorrow at half past 8 pm", At("2026-11-23 20:30")),
        ("tomorrow quarter past 7am", At("2026-11-23 07:15")),
        ("this evening at half past 7", At("2026-11-22 19:30")),
        // Parts of the day: documented hours, stated in every confirmation.
        ("tomorrow morning", At("2026-11-23 08:00")),
        ("tomorrow afternoon", At("2026-11-23 14:00")),
        ("tomorrow arvo", At("2026-11-23 14:00")),
        ("tomorrow evening", At("2026-11-23 18:00")),
        ("tomorrow night", At("2026-11-23 20:00")),
        ("this evening", At("2026-11-22 18:00")),
        ("this evening at 7", At("2026-11-22 19:00")),
        ("this evening 7", At("2026-11-22 19:00")),
        ("tomorrow morning 7", At("2026-11-23 07:00")),
        ("tomorrow at 7 in the evening", At("2026-11-23 19:00")),
        ("tomorrow 7 in the evening", At("2026-11-23 19:00")),
        ("Friday afternoon", At("2026-11-27 14:00")),
        ("in the morning", At("2026-11-23 08:00")),
        ("first thing tomorrow", At("2026-11-23 08:00")),
        ("first thing Monday", At("2026-11-23 08:00")),
        ("end of the day", At("2026-11-22 17:00")),
        ("end of day", At("2026-11-22 17:00")),
        ("by end of day", At("2026-11-22 17:00")),
        ("EOD", At("2026-11-22 17:00")),
        ("at the end of the day", At("2026-11-22 17:00")),
        ("COB Friday", At("2026-11-27 17:00")),
        ("end of day tomorrow", At("2026-11-23 17:00")),
        ("this morning", Refused),
        // Weeks and fortnights.
        ("next week", At("2026-11-23 09:00")),
        ("next week 8am", At("2026-11-23 08:00")),
        ("Monday week", At("2026-11-30 09:00")),
        ("Monday week 10am", At("2026-11-30 10:00")),
        ("a week on Monday", At("2026-11-30 09:00")),
        ("day after tomorrow", At("2026-11-24 09:00")),
        ("the day after tomorrow at 8am", At("2026-11-24 08:00")),
        ("fortnight", After(Duration::days(14))),
        ("in a fortnight", After(Duration::days(14))),
        ("in 2 fortnights", After(Duration::days(28))),
        ("in half an hour", After(Duration::minutes(30))),
        ("in an hour and a half", After(Duration::minutes(90))),
        ("in 2 hours and a half", After(Duration::minutes(150))),
        ("in half a day", After(Duration::hours(12))),
        // Still not times: a lone number, a half month.
        ("8", Refused),
        // A plain part of the day with no day beside it is the start of the text.
        ("morning", Refused),
        ("night", Refused),
        ("in half a month", Refused),
    ]
}

#[test]
fn phrases_doctors_type_are_read_or_asked_back() {
    for (text, want) in phrases() {
        let got = parse(text, now(), SYD);
        match (want, got) {
            (At(wall), Ok(s)) => {
                assert_eq!(s.first, local(SYD, wall), "{text}");
                assert_eq!(s.rule, None, "{text}");
            }
            (After(span), Ok(s)) => assert_eq!(s.first, now() + span, "{text}"),
            (Ask(times, readings), Err(WhenError::Ambiguous(a))) => {
                assert_eq!(a.meanings, times.map(String::from), "{text}");
                assert_eq!(a.readings, readings.map(String::from), "{text}");
                // Each reading, sent back as it stands, is read as its own time.
                for (reading, time) in a.readings.iter().zip(times) {
                    let s = parse(reading, now(), SYD).expect(reading);
                    let wall = s.first.with_timezone(&SYD).format("%H:%M").to_string();
                    assert_eq!(wall, time, "{text}: {reading}");
                }
                let asked = WhenError::Ambiguous(a).to_string();
                assert_eq!(
                    asked,
                    format!(
                        "Did you mean {} or {}? Try: `{}` or `{}`.",
                        times[0], times[1], readings[0], readings[1]
                    ),
                    "{text}"
                );
            }
            (Refused, Err(e)) => assert!(!matches!(e, WhenError::Ambiguous(_)), "{text}: {e}"),
            (_, other) => panic!("{text:?} gave {other:?}"),
        }
    }
}

#[test]
fn every_fortnight_repeats_every_two_weeks() {
    for (text, describe, first) in [
        // Today is a Sunday and 09:00 has passed: the first is next Sunday.
        (
            "every fortnight",
            "every 2 weeks on Sunday at 09:00",
            "2026-11-29 09:00",
        ),
        (
            "fortnightly",
            "every 2 weeks on Sunday at 09:00",
            "2026-11-29 09:00",
        ),
        (
            "every fortnight on Friday at 5pm",
            "every 2 weeks on Friday at 17:00",
            "2026-11-27 17:00",
        ),
        (
            "fortnightly on Monday 8am",
            "every 2 weeks on Monday at 08:00",
            "2026-11-23 08:00",
        ),
        (
            "every 2 fortnights on Monday",
            "every 4 weeks on Monday at 09:00",
            "2026-11-23 09:00",
        ),
        ("every week", "every Sunday at 09:00", "2026-11-29 09:00"),
        (
            "every week at 3pm",
            "every Sunday at 15:00",
            "2026-11-22 15:00",
        ),
    ] {
        assert_eq!(rule_of(text, SYD).describe(), describe, "{text}");
        let s = parse(text, now(), SYD).expect(text);
        assert_eq!(s.first, local(SYD, first), "{text}");
    }
}

#[test]
fn an_ambiguous_hour_in_a_message_is_asked_back_with_the_whole_text() {
    match split_when("tomorrow 8 to call the registrar", now(), SYD) {
        Err(WhenError::Ambiguous(a)) => {
            assert_eq!(
                a.readings,
                [
                    "tomorrow 8am to call the registrar".to_string(),
                    "tomorrow 8pm to call the registrar".to_string()
                ]
            );
            assert_eq!(
                a.question("!remind me "),
                "Did you mean 08:00 or 20:00? Try: `!remind me tomorrow 8am to call the registrar` or `!remind me tomorrow 8pm to call the registrar`."
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(split_when("night shift tomorrow", now(), SYD).is_err());
    assert!(split_when("morning handover", now(), SYD).is_err());
    for (text, wall, rest) in [
        ("tomorrow morning to call", "2026-11-23 08:00", "call"),
        (
            "this evening: ring the ward",
            "2026-11-22 18:00",
            "ring the ward",
        ),
        (
            "in half an hour to check bloods",
            "2026-11-22 14:30",
            "check bloods",
        ),
        ("in a fortnight to renew", "2026-12-06 14:00", "renew"),
        (
            "Monday week 10am journal club",
            "2026-11-30 10:00",
            "journal club",
        ),
        ("next week to book leave", "2026-11-23 09:00", "book leave"),
        ("tomorrow to 2 forms", "2026-11-23 09:00", "2 forms"),
        (
            "tomorrow night shift swap",
            "2026-11-23 20:00",
            "shift swap",
        ),
    ] {
        let (s, got) = split_when(text, now(), SYD).expect(text);
        assert_eq!(s.first, local(SYD, wall), "{text}");
        assert_eq!(got, rest, "{text}");
    }
}

/// In the United States and Canada dates are written month first as well as day first: a date
/// that reads both ways is asked back there, one that reads one way takes it. Elsewhere "1/12"
/// stays 1 December.
#[test]
fn slash_dates_that_read_both_ways_are_asked_back_in_north_america() {
    use super::fixtures::{LON, NYC};
    match parse("12/1 9am", now(), NYC) {
        Err(WhenError::Ambiguous(a)) => {
            assert_eq!(
                a.meanings,
                ["1 December".to_string(), "12 January".to_string()]
            );
            assert_eq!(
                a.readings,
                ["1 December 9am".to_string(), "12 January 9am".to_string()]
            );
            for (reading, day) in a.readings.iter().zip(["2026-12-01", "2027-01-12"]) {
                let s = parse(reading, now(), NYC).expect(reading);
                assert_eq!(s.first, local(NYC, &format!("{day} 09:00")), "{reading}");
            }
        }
        other => panic!("{other:?}"),
    }
    match split_when("3/4/2027 clinic", now(), NYC) {
        Err(WhenError::Ambiguous(a)) => assert_eq!(
            a.readings,
            [
                "4 March 2027 clinic".to_string(),
                "3 April 2027 clinic".to_string()
            ]
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        parse("12/25 9am", now(), NYC).map(|s| s.first),
        Ok(local(NYC, "2026-12-25 09:00"))
    );
    assert_eq!(
        parse("25/12 9am", now(), NYC).map(|s| s.first),
        Ok(local(NYC, "2026-12-25 09:00"))
    );
    assert_eq!(
        parse("5/5 9am", now(), NYC).map(|s| s.first),
        Ok(local(NYC, "2027-05-05 09:00"))
    );
    assert_eq!(
        parse("12/1 9am", now(), LON).map(|s| s.first),
        Ok(local(LON, "2027-01-12 09:00"))
    );
    assert_eq!(
        parse("1/12 9am", now(), SYD).map(|s| s.first),
        Ok(local(SYD, "2026-12-01 09:00"))
    );
}
