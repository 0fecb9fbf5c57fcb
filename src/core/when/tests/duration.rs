//! Durations for snoozes and offsets.

use chrono::Duration;

use crate::core::when::duration::parse_duration;
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
