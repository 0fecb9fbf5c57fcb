//! How times are shown to members: always in the reader's zone, with the zone's abbreviation.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::core::io::Stamp;

/// "Mon 30 Mar 08:00 AEDT", with the year added when it is not the current one.
pub fn local(at: DateTime<Utc>, zone: Tz, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&zone);
    if local.year() == now.with_timezone(&zone).year() {
        local.format("%a %-d %b %H:%M %Z").to_string()
    } else {
        local.format("%a %-d %b %Y %H:%M %Z").to_string()
    }
}

/// `local`'s text together with the instant, for a message to name in `Message::times`, so
/// that a platform able to show each reader their own time can (Discord).
pub fn stamp(at: DateTime<Utc>, zone: Tz, now: DateTime<Utc>) -> Stamp {
    Stamp {
        text: local(at, zone, now),
        at,
    }
}

/// "2h 5m", "3 days", for snoozes and lateness.
pub fn span(duration: chrono::Duration) -> String {
    let total = duration.num_seconds().max(0);
    let (days, hours, minutes, seconds) = (
        total / 86_400,
        total % 86_400 / 3600,
        total % 3600 / 60,
        total % 60,
    );
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days}d"));
    }
    if hours > 0 {
        parts.push(format!("{hours}h"));
    }
    if minutes > 0 {
        parts.push(format!("{minutes}m"));
    }
    if seconds > 0 && days == 0 {
        parts.push(format!("{seconds}s"));
    }
    if parts.is_empty() {
        "0s".to_string()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shows_reader_zone() {
        let at = Utc.with_ymd_and_hms(2026, 3, 29, 21, 0, 0).unwrap();
        let sydney: Tz = "Australia/Sydney".parse().unwrap();
        assert_eq!(local(at, sydney, at), "Mon 30 Mar 08:00 AEDT");
        assert_eq!(span(chrono::Duration::seconds(3 * 3600 + 300)), "3h 5m");
    }
}
