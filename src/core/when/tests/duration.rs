//! Durations for snoozes and offsets.

use chrono::Duration;

use crate::core::when::duration::{parse_duration, parse_setting_span};
use crate::core::when::error::WhenError;

#[test]
fn durations() {
    let cases: [(&str, i64); 12] = [
        ("10m", 600),
        ("10 minutes", 600),
        ("2h", 7200),
        ("1h30m", 5400),
        ("3 days", 3 * 86_400),
        ("2 weeks", 14 * 86_400),
        ("90s", 90),
        ("1 day 2 hours", 86_400 + 7200),
        ("1 hr, 5 mins", 3900),
        ("in 15 min", 900),
        ("an hour", 3600),
        ("2 H 3 M", 7380),
    ];
    for (text, secs) in cases {
        assert_eq!(parse_duration(text), Ok(Duration::seconds(secs)), "{text}");
    }
    assert_eq!(parse_duration(""), Err(WhenError::Empty));
    assert_eq!(parse_duration("0m"), Err(WhenError::ZeroSpan));
    assert_eq!(
        parse_duration("99999999 years"),
        Err(WhenError::SpanTooLong)
    );
    assert_eq!(
        parse_duration("99999999 weeks"),
        Err(WhenError::SpanTooLong)
    );
    assert!(matches!(parse_duration("-5m"), Err(WhenError::BadSpan(_))));
    assert!(matches!(parse_duration("soon"), Err(WhenError::BadSpan(_))));
    assert!(matches!(parse_duration("10"), Err(WhenError::BadSpan(_))));
}

/// `!coffee pause 3 months`, `!reminders snooze R1 a fortnight`: months and years are lengths
/// of the documented day counts, and a refusal suggests lengths, not "in ..." times.
#[test]
fn durations_take_months_years_fortnights_and_halves() {
    let day = 86_400;
    for (text, secs) in [
        ("3 months", 90 * day),
        ("1 year", 365 * day),
        ("a year", 365 * day),
        ("366 days", 366 * day),
        ("in 2 months", 60 * day),
        ("a fortnight", 14 * day),
        ("fortnight", 14 * day),
        ("2 fortnights", 28 * day),
        ("half an hour", 1800),
        ("an hour and a half", 5400),
        ("week", 7 * day),
    ] {
        assert_eq!(parse_duration(text), Ok(Duration::seconds(secs)), "{text}");
    }
    assert_eq!(parse_duration("6 years"), Err(WhenError::SpanTooLong));
    for text in ["soon", "3 moons", "in minutes", "1.5 hours"] {
        let shown = parse_duration(text).expect_err(text).to_string();
        assert!(
            shown.ends_with("Try: `10 minutes` or `2 weeks`."),
            "{text}: {shown}"
        );
        assert!(!shown.contains("`in "), "{text}: {shown}");
    }
    assert_eq!(
        parse_duration("0 days").expect_err("zero").to_string(),
        "A length of time must be longer than zero. Try: `10 minutes` or `2 weeks`."
    );
}

#[test]
fn setting_spans_count_a_month_as_30_days_and_a_year_as_365() {
    let day = 86_400;
    for (text, secs) in [
        ("3 months", 90 * day),
        ("1 month", 30 * day),
        ("a year", 365 * day),
        ("1 year 2 months", (365 + 60) * day),
        ("2 weeks", 14 * day),
        ("90d", 90 * day),
    ] {
        assert_eq!(
            parse_setting_span(text),
            Ok(Duration::seconds(secs)),
            "{text}"
        );
    }
    assert_eq!(parse_setting_span(" "), Err(WhenError::Empty));
    assert_eq!(parse_setting_span("0 months"), Err(WhenError::ZeroSpan));
    assert_eq!(parse_setting_span("6 years"), Err(WhenError::SpanTooLong));
    assert_eq!(
        parse_setting_span("99999999999 years"),
        Err(WhenError::SpanTooLong)
    );
    assert!(matches!(
        parse_setting_span("in 3 months"),
        Err(WhenError::BadSpan(_))
    ));
}
