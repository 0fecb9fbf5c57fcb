//! A command that waits on another server (a shout-out's DOI, looked up for up to ten seconds)
//! holds back no one else on Matrix: matrix-sdk waits for every event handler before it syncs
//! again, so the lookup must not run on that path. Against a real Synapse (run scripts/test).

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use rounds::clock::Clock;
use rounds::config::MatrixConfig;
use rounds::core::Bot;
use rounds::core::doi::{Doi, DoiLookup, LookupError, Publication};
use rounds::platform::matrix::MatrixBot;
use rounds::runtime::Runtime;
use rounds::store::{DatabaseUrl, SqlStore};
use support::matrix_member::{Member, Synapse};
use tokio::sync::watch;

/// A DOI service that answers only when the test opens the gate.
struct GatedLookup {
    asked: AtomicBool,
    gate: tokio::sync::Semaphore,
}

#[async_trait]
impl DoiLookup for GatedLookup {
    async fn lookup(&self, _doi: &Doi) -> Result<Publication, LookupError> {
        self.asked.store(true, Ordering::SeqCst);
        let _open = self
            .gate
            .acquire()
            .await
            .map_err(|_| LookupError::Unreachable)?;
        Ok(Publication {
            title: "Sepsis recognition in junior doctors".into(),
            journal: Some("Medical Journal of Australia".into()),
            year: Some(2026),
        })
    }
}

async fn open_store(data: &Path) -> Arc<SqlStore> {
    Arc::new(
        SqlStore::open(
            &DatabaseUrl::parse(&data.join("rounds.db").to_string_lossy()).expect("a database URL"),
        )
        .await
        .unwrap(),
    )
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_slow_doi_lookup_holds_back_no_other_room() {
    let synapse = Synapse::from_env();
    let (bot_user, bot_pass) = synapse.register("rounds");
    let (alice_user, alice_pass) = synapse.register("alice");
    let data = tempfile::tempdir().unwrap();
    let lookup = Arc::new(GatedLookup {
        asked: AtomicBool::new(false),
        gate: tokio::sync::Semaphore::new(0),
    });
    let bot = Arc::new(
        Bot::new(
            open_store(data.path()).await,
            support::settings(chrono_tz::Australia::Sydney),
        )
        .with_doi_lookup(lookup.clone()),
    );
    let runtime = Arc::new(Runtime::new(bot));
    let config = MatrixConfig {
        homeserver: synapse.url.clone(),
        user: bot_user.clone(),
        password: Some(bot_pass),
        access_token: None,
        recovery_key: None,
    };
    let clock = Clock::wall();
    let matrix = MatrixBot::connect(
        &config,
        Vec::new(),
        data.path(),
        runtime.clone(),
        clock.clone(),
    )
    .await
    .unwrap();
    let adapter = matrix.adapter.clone();
    let (stop, shutdown) = watch::channel(false);
    let task = support::spawn_with_drive(
        matrix.run(shutdown.clone()),
        runtime,
        adapter,
        clock,
        shutdown,
    );

    let mut alice = Member::login(&synapse, &alice_user, &alice_pass).await;
    let research = alice.room_with(&bot_user, false).await;
    let other = alice.room_with(&bot_user, false).await;
    alice.ask(&other, "!help", &bot_user).await;

    let shared = alice
        .say(
            &research,
            "!milestone publication Our audit is out: https://doi.org/10.5694/mja2.51234",
        )
        .await;
    while !lookup.asked.load(Ordering::SeqCst) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The lookup waits until the gate opens, which is only after this answer: another room's
    // command is answered while it waits (before the fix, never: the sync waited with it).
    let asked = alice.say(&other, "!help").await;
    let help = alice
        .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&asked))
        .await;
    assert_eq!(help.room, other.room_id());

    lookup.gate.add_permits(1);
    let thanks = alice
        .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&shared))
        .await;
    assert_eq!(thanks.room, research.room_id());

    stop.send(true).unwrap();
    task.await.unwrap().unwrap();
}
