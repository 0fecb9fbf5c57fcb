//! Committee-only commands: allowed for the configured committee members and role holders,
//! refused for everyone else, whatever the platform's own permissions say.

mod support;

use chrono::Duration;
use rounds::core::io::{Inbound, Origin};
use support::*;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;

fn with_roles(member: &Member, text: &str, roles: &[&str]) -> Inbound {
    match member.says(text) {
        Inbound::Message {
            origin,
            sender,
            text,
        } => Inbound::Message {
            origin: Origin {
                roles: roles.iter().map(|r| r.to_string()).collect(),
                ..origin
            },
            sender,
            text,
        },
        other => other,
    }
}

#[tokio::test]
async fn the_committee_log_is_for_the_committee_only() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    let chair = Member::new("chair");

    assert_eq!(
        h.say(chair.says("!committee log"), now).await,
        vec!["The committee log is empty: no missed reminders or failed deliveries."]
    );
    // A reminder missed by more than the catch-up window lands in the log.
    h.say(ana.says("!remind me tomorrow 8am to sign the roster"), now)
        .await;
    let later = now + Duration::days(10);
    h.tick(later).await;

    let log = h.say(chair.says("!committee log"), later).await.remove(0);
    assert!(
        log.starts_with("The committee log of Test Society, newest first:"),
        "{log}"
    );
    assert!(log.contains("Missed reminder R1 of ana"), "{log}");

    // The configured committee role counts; other roles and no role do not.
    let by_role = h
        .say(with_roles(&ana, "!committee log", &["900"]), later)
        .await
        .remove(0);
    assert!(by_role.contains("Missed reminder R1"), "{by_role}");
    for roles in [&[][..], &["901"][..]] {
        let refused = h
            .say(with_roles(&ana, "!committee log", roles), later)
            .await
            .remove(0);
        assert_eq!(
            refused,
            "Only the committee of Test Society can use `!committee`."
        );
    }
}
