//! Sends in doubt: a message whose earlier tries were cut off by a crash may already have been
//! shown. Whether it may be tried again, and what the committee is told when it may not, is a
//! rule of Rounds, not of any platform; the outbox asks here and does the writing.

use chrono::{DateTime, Duration, Utc};

use super::io::Action;
use super::store::PendingSend;

/// Tries cut off without an outcome (the process died each time) before a send is quarantined:
/// a message that kills its sender is not retried forever.
pub const QUARANTINE_AFTER: i64 = 3;

/// What to do with a claimed send whose earlier tries were cut off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doubt {
    /// Its tries keep dying with the process: stop trying.
    Quarantined,
    /// A cut-off try may have posted it and the platform no longer drops a repeat.
    PossiblyPosted,
}

/// Whether `send` may be tried again, given how long its platform drops a repeated key
/// (`window`, None: as long as it matters).
pub fn in_doubt(send: &PendingSend, window: Option<Duration>, now: DateTime<Utc>) -> Option<Doubt> {
    let unfinished = send.unfinished_tries();
    if unfinished == 0 {
        return None;
    }
    if unfinished >= QUARANTINE_AFTER {
        return Some(Doubt::Quarantined);
    }
    // The first try is the earliest a cut-off try can have been: measuring from it errs
    // towards reporting a message rather than showing it twice.
    match (window, send.first_tried_at) {
        (Some(window), Some(first)) if now - first >= window => Some(Doubt::PossiblyPosted),
        _ => None,
    }
}

/// What the outbox row records as the reason, and what the committee log says, for a send in
/// doubt.
pub fn report(send: &PendingSend, doubt: Doubt) -> (&'static str, String) {
    let first = send
        .first_tried_at
        .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "an unknown time".to_string());
    let what = describe(&send.action);
    match doubt {
        Doubt::Quarantined => (
            "quarantined",
            format!(
                "{what} was quarantined and will not be sent again: Rounds stopped during each of its last {} tries (first tried {first}). It may or may not have been shown; please check, and post it by hand if it is missing.",
                send.unfinished_tries()
            ),
        ),
        Doubt::PossiblyPosted => (
            "possibly posted",
            format!(
                "{what} was not sent again: Rounds stopped while sending it (first tried {first}), and it is now too late to resend it without risking showing it twice. It may or may not have been shown; please check, and post it by hand if it is missing."
            ),
        ),
    }
}

/// Which message a committee-log entry is about, in words: where it was going, and the start
/// of its text where it was public (a private message's text stays private).
fn describe(action: &Action) -> String {
    let quote = |text: &str| {
        let line = text.lines().next().unwrap_or_default();
        let short: String = line.chars().take(60).collect();
        let more = if short.len() < text.len() { "…" } else { "" };
        format!("\u{201c}{short}{more}\u{201d}")
    };
    match action {
        Action::Post { room, message } => format!("A post in {room} ({})", quote(&message.text)),
        Action::Reply {
            room,
            private: false,
            message,
            ..
        } => format!("A reply in {room} ({})", quote(&message.text)),
        Action::Reply { room, .. } => format!("A private reply in {room}"),
        Action::Announce { message, .. } => format!("An announcement ({})", quote(&message.text)),
        Action::Celebrate { message, .. } => format!("A celebration ({})", quote(&message.text)),
        Action::Edit { topic, .. } => format!("An edit of the announcement {topic}"),
        Action::MirrorEvent { topic, .. } => format!("A calendar update for {topic}"),
        Action::JoinGroup { user, group, .. } => format!("Adding {} to {group}", user.name),
        Action::Remind { user, .. } => format!("A private message to {}", user.name),
        Action::Introduce { members, .. } => {
            let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
            format!("An introduction of {}", names.join(", "))
        }
        Action::React { room, emoji, .. } => format!("A reaction {emoji} in {room}"),
        Action::AdminLog { .. } => "A committee-log message".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::io::Message;

    fn send(attempts: i64, tries_started: i64, first: Option<DateTime<Utc>>) -> PendingSend {
        PendingSend {
            id: 1,
            key: "k".to_string(),
            platform: "discord".to_string(),
            society: "ams".to_string(),
            action: Action::Post {
                room: "general".to_string(),
                message: Message::text("hello"),
            },
            attempts,
            tries_started,
            first_tried_at: first,
        }
    }

    #[test]
    fn only_a_cut_off_try_is_in_doubt() {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let window = Some(Duration::minutes(2));
        let late = t + Duration::minutes(10);
        // Every try ended with an answer: whatever the time, it is tried again.
        assert_eq!(in_doubt(&send(2, 2, Some(t)), window, late), None);
        // A try was cut off: again within the window, not after it.
        let cut = send(1, 2, Some(t));
        assert_eq!(in_doubt(&cut, window, t + Duration::seconds(119)), None);
        assert_eq!(
            in_doubt(&cut, window, t + Duration::minutes(2)),
            Some(Doubt::PossiblyPosted)
        );
        // A platform that remembers keys for as long as it matters: again, however late.
        assert_eq!(in_doubt(&cut, None, late), None);
    }

    #[test]
    fn tries_that_keep_dying_are_quarantined_whatever_the_window() {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let dying = send(0, QUARANTINE_AFTER, Some(t));
        assert_eq!(in_doubt(&dying, None, t), Some(Doubt::Quarantined));
        assert_eq!(
            in_doubt(&send(0, QUARANTINE_AFTER - 1, Some(t)), None, t),
            None
        );
    }

    #[test]
    fn a_private_message_is_described_without_its_text() {
        let user = crate::core::io::UserRef {
            id: "u1".to_string(),
            name: "ana".to_string(),
        };
        let private = Action::Remind {
            user,
            message: Message::text("your results are in"),
        };
        let told = describe(&private);
        assert_eq!(told, "A private message to ana");
        let public = describe(&send(0, 0, None).action);
        assert_eq!(public, "A post in general (\u{201c}hello\u{201d})");
    }
}
