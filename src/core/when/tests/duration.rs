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
    assert_eq!(parse_duration("0m"), Err(WhenError::ZeroDuration));
    assert_eq!(
        parse_duration("99999999 years"),
        Err(WhenError::BadDuration("99999999 years".into()))
    );
    assert_eq!(parse_duration("99999999 weeks"), Err(WhenError::TooFar));
    assert!(matches!(
        parse_duration("-5m"),
        Err(WhenError::BadDuration(_))
    ));
    assert!(matches!(
        parse_duration("soon"),
        Err(WhenError::BadDuration(_))
    ));
    assert!(matches!(
        parse_duration("10"),
        Err(WhenError::BadDuration(_))
    ));
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
    assert_eq!(parse_setting_span("0 months"), Err(WhenError::ZeroDuration));
    assert_eq!(parse_setting_span("6 years"), Err(WhenError::TooFar));
    assert_eq!(
        parse_setting_span("99999999999 years"),
        Err(WhenError::TooFar)
    );
    assert!(matches!(
        parse_setting_span("in 3 months"),
        Err(WhenError::BadDuration(_))
    ));
    // Members' durations still refuse months: their "in 2 months" is a calendar date instead.
    assert!(matches!(
        parse_duration("3 months"),
        Err(WhenError::BadDuration(_))
    ));
}
