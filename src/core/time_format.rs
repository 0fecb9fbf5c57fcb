//! How times are shown to members: always in the reader's zone, with the zone's abbreviation.

use std::cell::RefCell;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::core::io::{Message, Stamp};

tokio::task_local! {
    /// The instants shown while the core answers one event or fires one job (`stamping`).
    static SHOWN: RefCell<Vec<Stamp>>;
}

/// "Mon 30 Mar 08:00 AEDT", with the year added when it is not the current one. Inside
/// `stamping`, the text and its instant are noted, so every message that shows it can carry it
/// as a stamp without the feature that wrote the message doing anything.
pub fn local(at: DateTime<Utc>, zone: Tz, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&zone);
    let text = if local.year() == now.with_timezone(&zone).year() {
        local.format("%a %-d %b %H:%M %Z").to_string()
    } else {
        local.format("%a %-d %b %Y %H:%M %Z").to_string()
    };
    let _ = SHOWN.try_with(|shown| {
        shown.borrow_mut().push(Stamp {
            text: text.clone(),
            at,
        })
    });
    text
}

/// Runs `work` (the answer to an event, the firing of a job) and gives every message in the
/// actions it returns a stamp for each instant `local` showed in that message's text. One place
/// for every feature, so none can forget to let Discord show its times in each reader's zone.
pub async fn stamping<T>(
    work: impl Future<Output = T>,
    actions: impl FnOnce(&mut T) -> Vec<&mut Message>,
) -> T {
    SHOWN
        .scope(RefCell::new(Vec::new()), async {
            let mut out = work.await;
            let shown = SHOWN.with(|shown| shown.take());
            for message in actions(&mut out) {
                for stamp in &shown {
                    let named = message.text.contains(&stamp.text);
                    let known = message.times.iter().any(|t| t.text == stamp.text);
                    if named && !known {
                        message.times.push(stamp.clone());
                    }
                }
            }
            out
        })
        .await
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

    #[tokio::test]
    async fn every_time_a_message_shows_is_stamped_and_no_other() {
        let now = Utc.with_ymd_and_hms(2026, 3, 29, 21, 0, 0).unwrap();
        let later = now + chrono::Duration::days(2);
        let sydney: Tz = "Australia/Sydney".parse().unwrap();
        let messages = stamping(
            async {
                let shown = local(later, sydney, now);
                let unshown = local(now, sydney, now);
                assert_ne!(shown, unshown);
                vec![
                    Message::text(format!("Next round: {shown}.")),
                    Message::text("No time here."),
                ]
            },
            |messages| messages.iter_mut().collect(),
        )
        .await;
        assert_eq!(
            messages[0].times,
            vec![Stamp {
                text: "Wed 1 Apr 08:00 AEDT".to_string(),
                at: later
            }]
        );
        assert!(messages[1].times.is_empty());
        // Outside `stamping`, nothing is noted and nothing fails.
        assert_eq!(local(later, sydney, now), "Wed 1 Apr 08:00 AEDT");
    }
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
