//! Every command driven with hostile text, as a member trying to break Rounds would type it:
//! control and format characters, bidi overrides, NUL, fullwidth digits, mass mentions, huge
//! numbers, separators, ids that exist and ids that don't. Whatever the text, the core must not
//! panic, must not fail its store, and a command it refuses must change nothing.
//!
//! The commands come from the one `COMMANDS` table, so a new command is driven as soon as it
//! exists. Runs on SQLite and on PostgreSQL (whose text columns refuse what SQLite keeps).

mod support;

use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rounds::core::command::COMMANDS;
use rounds::core::store::{Counts, Store};
use rounds::core::{Bot, Outcome};
use rounds::store::{DatabaseUrl, SqlStore};
use support::{Member, PgDatabase, at, settings, sqlite_memory};

/// The words a form starts with (`event create`, `coffee setup`, `forget`), so hostile text
/// reaches each sub-command's own parser, not only the top level.
fn command_heads() -> Vec<String> {
    let mut heads: Vec<String> = COMMANDS
        .iter()
        .flat_map(|spec| {
            spec.forms.iter().map(|form| {
                form.usage
                    .split_whitespace()
                    .take_while(|word| {
                        !word.starts_with('<') && !word.starts_with('[') && !word.contains('|')
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        })
        .collect();
    heads.sort();
    heads.dedup();
    heads
}

/// Pieces a hostile member combines: each is harmless alone in some command and trouble in
/// another.
const PIECES: &[&str] = &[
    "E1",
    "E2",
    "R1",
    "S1",
    "G1",
    "E999999999999999999999",
    "0",
    "-1",
    "99999999999999999999",
    "1.5",
    "NaN",
    "inf",
    "|",
    "||",
    " | ",
    "@everyone",
    "@here",
    "<@123>",
    "<@&456>",
    "@chair",
    "@@",
    "`",
    "```",
    "**",
    "here",
    "me",
    "confirm",
    "series",
    "group",
    "every",
    "in",
    "at",
    "to",
    "for",
    "capacity",
    "kind",
    "cpd",
    "tomorrow",
    "8am",
    "25:61",
    "31/02/2026",
    "2026-02-30",
    "in 1 minute",
    "every minute",
    "every 0 days",
    "* * * * *",
    "* * * * * * *",
    "60 61 32 13 8",
    "Australia/Sydney",
    "Mars/Base",
    "UTC+99",
    "\u{0}",
    "\u{7}",
    "\u{1b}[31m",
    "\r\n",
    "\t",
    "\u{202e}",
    "\u{2066}",
    "\u{200b}",
    "\u{2060}",
    "\u{ad}",
    "\u{feff}",
    "\u{ff11}\u{ff12}\u{ff13}",
    "NHS 943 476 5919",
    "MRN 00123456",
    "DOB 3/4/1951",
    "🎉",
    "👩🏽‍⚕️",
    "مرحبا",
    "ﷺ",
    "𝕏",
    "%00",
    "%2e%2e/",
    "../",
    "http://127.0.0.1:1/x.ics",
    "doi:10.1234/../../x",
    "javascript:alert(1)",
    "=HYPERLINK(\"x\")",
    "'; DROP TABLE events;--",
];

fn hostile_tail() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(PIECES).prop_map(str::to_string),
        2 => "\\PC{1,12}",
        1 => any::<char>().prop_map(|c| c.to_string()),
        1 => (proptest::sample::select(PIECES), 1usize..400)
            .prop_map(|(piece, times)| piece.repeat(times)),
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|pieces| pieces.join(" "))
}

/// A store with something in it for hostile ids to hit: an event, a reminder, pairings.
async fn seeded(store: Arc<dyn Store>) -> Arc<Bot> {
    let bot = Arc::new(Bot::new(store, settings(chrono_tz::Australia::Sydney)));
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let ana = Member::new("ana");
    for (member, text) in [
        (
            &chair,
            "!event create Grand rounds | Thursday 12:30 | capacity 2",
        ),
        (&chair, "!coffee setup every Monday 09:00"),
        (&ana, "!remind me in 2 days to renew my registration"),
        (&ana, "!coffee join"),
    ] {
        let answer = bot.answer(&member.says(text), now).await;
        assert_eq!(
            answer.outcome,
            Outcome::Done,
            "{text}: {:?}",
            answer.actions
        );
    }
    bot
}

async fn counts(store: &dyn Store) -> Counts {
    store.counts().await.expect("counts")
}

/// What every command meets at least once, whatever the random cases pick.
const SWEEP: &[&str] = &[
    "x\u{0}y",
    "\u{202e}gnp.exe",
    "@everyone come",
    "E1 \u{0}",
    "in 1 minute to \u{0}",
    "Grand \u{0} rounds | tomorrow 8am",
];

/// One hostile line through the core, held to the three rules.
async fn check(bot: &Bot, inbound: &rounds::core::io::Inbound, text: &str) -> Result<(), String> {
    let store = bot.store().as_ref();
    let before = counts(store).await;
    let answer = bot.answer(inbound, at("2026-11-23T09:00:00+11:00")).await;
    let after = counts(store).await;
    if answer.outcome == Outcome::Failed {
        return Err(format!(
            "the store failed on {text:?}: {:?}",
            answer.actions
        ));
    }
    if answer.outcome == Outcome::Refused && before != after {
        return Err(format!(
            "{text:?} was refused but changed the store: {before:?} -> {after:?}"
        ));
    }
    if answer.actions.is_empty() {
        return Err(format!("{text:?} got no answer at all"));
    }
    Ok(())
}

fn drive(bot: Arc<Bot>, cases: u32) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let heads = command_heads();
    let members = [Member::new("chair"), Member::new("mallory")];
    let mut failures = Vec::new();
    for head in &heads {
        for piece in SWEEP {
            for member in &members {
                let text = format!("!{head} {piece}");
                let result = runtime.block_on(check(&bot, &member.says(&text), &text));
                failures.extend(result.err());
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        proptest::sample::select(heads),
        hostile_tail(),
        0usize..2,
        any::<bool>(),
    );
    runner
        .run(&strategy, |(head, tail, who, private)| {
            let text = format!("!{head} {tail}");
            let member = &members[who];
            let inbound = if private {
                member.says_privately(&text)
            } else {
                member.says(&text)
            };
            runtime
                .block_on(check(&bot, &inbound, &text))
                .map_err(TestCaseError::fail)
        })
        .unwrap();
}

#[test]
fn hostile_text_on_sqlite_never_panics_fails_or_changes_a_refusal() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let bot = runtime.block_on(async {
        let store: Arc<dyn Store> = sqlite_memory().await;
        seeded(store).await
    });
    drive(bot, 400);
}

#[test]
fn hostile_text_on_postgres_never_panics_fails_or_changes_a_refusal() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (bot, db) = runtime.block_on(async {
        let db = PgDatabase::create().await;
        let store: Arc<dyn Store> = Arc::new(
            SqlStore::open(&DatabaseUrl::parse(&db.url).expect("a database URL"))
                .await
                .expect("open postgres"),
        );
        (seeded(store).await, db)
    });
    drive(bot.clone(), 150);
    drop(bot);
    runtime.block_on(db.drop());
}
