use super::*;

#[test]
fn nonces_are_short_and_stable() {
    let a = nonce("job:123456:1774900800:0");
    assert_eq!(a.len(), 17);
    assert_eq!(a, nonce("job:123456:1774900800:0"));
    assert_ne!(a, nonce("job:123456:1774900800:1"));
}

#[test]
fn a_member_known_only_by_id_is_pinged_wherever_the_id_appears() {
    let message = Message::text(
        "🎉 Award · 42\nTeaching award\n(shared by ana, with 42's blessing; ref 1425)",
    )
    .with_mentions(vec![UserRef {
        id: "42".into(),
        name: "42".into(),
    }]);
    let (text, users) = content(&message);
    assert_eq!(
        text,
        "🎉 Award · <@42>\nTeaching award\n(shared by ana, with <@42>'s blessing; ref 1425)"
    );
    assert_eq!(users, vec![UserId::new(42)]);
}

fn at(unix: i64) -> Stamp {
    Stamp {
        text: "Thu 10 Dec 12:30 AEDT".into(),
        at: chrono::DateTime::from_timestamp(unix, 0).unwrap(),
    }
}

#[test]
fn a_named_time_is_shown_in_each_readers_zone_and_how_far_off() {
    let message = Message::text("📅 Grand rounds (E1)\nWhen: Thu 10 Dec 12:30 AEDT (1h)")
        .with_times([at(1_765_330_200)]);
    let (text, _) = content(&message);
    assert_eq!(
        text,
        "📅 Grand rounds (E1)\nWhen: <t:1765330200:F>, <t:1765330200:R> (1h)"
    );
    let plain = Message::text("When: Thu 10 Dec 12:30 AEDT (1h)");
    assert_eq!(content(&plain).0, "When: Thu 10 Dec 12:30 AEDT (1h)");
}

#[test]
fn a_time_that_would_pass_the_limit_is_shortened_then_left_as_written() {
    let stamp = at(1_765_330_200);
    let short = "<t:1765330200:F>";
    let long = "<t:1765330200:F>, <t:1765330200:R>";
    // Room for the full time but not the relative one.
    let pad = "x".repeat(MAX_CONTENT_CHARS - short.len() - 1);
    let message = Message::text(format!("{pad} {}", stamp.text)).with_times([stamp.clone()]);
    let (text, _) = content(&message);
    assert_eq!(text, format!("{pad} {short}"));
    assert!(text.chars().count() <= MAX_CONTENT_CHARS);
    // A zone text shorter than even the full time (none `time_format` makes today): it stays.
    let stamp = Stamp {
        text: "12:30".into(),
        ..stamp
    };
    let pad = "x".repeat(MAX_CONTENT_CHARS - stamp.text.len() - 1);
    let message = Message::text(format!("{pad} {}", stamp.text)).with_times([stamp.clone()]);
    assert_eq!(content(&message).0, format!("{pad} 12:30"));
    assert!(long.len() > short.len());
}

#[test]
fn mentions_become_pings_of_those_members_only() {
    let message =
        Message::text("⏰ Reminder from ana: @everyone bring coffee").with_mentions(vec![
            UserRef {
                id: "42".into(),
                name: "ana".into(),
            },
        ]);
    let (text, users) = content(&message);
    assert_eq!(text, "⏰ Reminder from <@42>: @everyone bring coffee");
    assert_eq!(users, vec![UserId::new(42)]);
}
