//! Shout-outs and milestones end to end through the core, the store and the scheduler, on
//! SQLite and PostgreSQL: consent before a colleague's news is posted, the identifier guard,
//! DOI lookups (through the real HTTP client against a local Crossref stand-in), the digest,
//! pruning, and erasure.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::Duration;
use rounds::core::doi::DoiLookup;
use rounds::core::doi::{Doi, LookupError, Publication};
use rounds::core::io::Action;
use rounds::core::store::Store;
use rounds::store::{DatabaseUrl, SqlStore};
use support::*;

fn celebrations(h: &Harness) -> Vec<(String, Option<String>)> {
    h.adapter
        .shown()
        .into_iter()
        .filter_map(|(_, a)| match a {
            Action::Celebrate { message, emoji, .. } => Some((message.text, emoji)),
            _ => None,
        })
        .collect()
}

/// A lookup that answers from a table, counting calls.
struct Table(AtomicUsize);

#[async_trait]
impl DoiLookup for Table {
    async fn lookup(&self, doi: &Doi) -> Result<Publication, LookupError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        if doi.as_str().eq_ignore_ascii_case("10.5694/mja2.51234") {
            Ok(Publication {
                title: "Sepsis recognition in <i>junior</i> doctors".into(),
                journal: Some("Medical Journal of Australia".into()),
                year: Some(2026),
            })
        } else {
            Err(LookupError::Unreachable)
        }
    }
}

async fn shoutout_story(store: Arc<dyn Store>) {
    let lookup = Arc::new(Table(AtomicUsize::new(0)));
    let bot =
        rounds::core::Bot::new(store.clone(), community_settings()).with_doi_lookup(lookup.clone());
    let h = Harness::with_bot(Arc::new(bot));
    let now = at("2026-11-23T09:00:00+11:00");
    let [ana, ben, cai] = ["ana", "ben", "cai"].map(Member::new);

    // A colleague's news waits for their consent: nothing is celebrated yet.
    let said = h
        .say(
            ana.says("!shoutout @ben:test award Best teaching registrar 2026"),
            now,
        )
        .await;
    assert!(celebrations(&h).is_empty(), "{said:?}");
    let asked = dms(&h, "ben");
    assert_eq!(asked.len(), 1, "{said:?}");
    let ids = choice_ids(&asked[0]);
    assert_eq!(ids, ["shoutout:approve:1", "shoutout:decline:1"]);
    assert!(
        said.iter().any(|t| t.contains("I've asked ben first (S1)")),
        "{said:?}"
    );

    // Nobody else can answer for ben.
    let refused = h.say(cai.chooses("shoutout:approve:1"), now).await;
    assert!(
        refused[0].contains("no shout-out S1 about you"),
        "{refused:?}"
    );
    let refused = h.say(cai.says("!shoutout approve S1"), now).await;
    assert!(
        refused[0].contains("no shout-out S1 about you"),
        "{refused:?}"
    );
    assert!(celebrations(&h).is_empty());

    // ben approves: posted once, with a reaction, and ana is told.
    h.say(ben.chooses("shoutout:approve:1"), now).await;
    let posted = celebrations(&h);
    assert_eq!(posted.len(), 1);
    assert!(
        posted[0]
            .0
            .starts_with("🎉 Award · ben\nBest teaching registrar 2026"),
        "{posted:?}"
    );
    assert_eq!(posted[0].1.as_deref(), Some("🎉"));
    let told: Vec<String> = dms(&h, "ana").iter().filter_map(text_of).collect();
    assert!(told[0].contains("ben said yes"), "{told:?}");
    // A second click changes nothing.
    let again = h.say(ben.chooses("shoutout:approve:1"), now).await;
    assert!(again[0].contains("already answered"), "{again:?}");
    assert!(celebrations(&h).is_empty());

    // Declined: never posted; the author is told kindly.
    h.say(cai.says("!shoutout @ben:test talk Spoke at ACEM"), now)
        .await;
    h.say(ben.says("!shoutout pending"), now).await;
    let pending = h.adapter.texts();
    assert!(
        pending[0].contains("S2 · from cai · Talk: Spoke at ACEM"),
        "{pending:?}"
    );
    h.say(ben.says("!shoutout decline S2"), now).await;
    assert!(celebrations(&h).is_empty());
    let told: Vec<String> = dms(&h, "cai").iter().filter_map(text_of).collect();
    assert!(told[0].contains("would rather keep S2 private"), "{told:?}");

    // Pre-approved: posted straight away. Opted out: refused.
    h.say(cai.says("!profile shoutouts auto"), now).await;
    h.say(
        ana.says("!shoutout @cai:test new-post ED registrar at Westmead"),
        now,
    )
    .await;
    assert_eq!(celebrations(&h).len(), 1);
    h.say(ben.says("!profile shoutouts never"), now).await;
    let refused = h
        .say(ana.says("!shoutout @ben:test award Another one"), now)
        .await;
    assert!(
        refused[0].contains("asked not to be the subject"),
        "{refused:?}"
    );

    // Exams are the member's own news; failures are never announced.
    let refused = h
        .say(ana.says("!shoutout @cai:test exam Passed part 1"), now)
        .await;
    assert!(refused[0].contains("own news to share"), "{refused:?}");
    let refused = h
        .say(
            ana.says("!milestone exam Failed the written, resitting in May"),
            now,
        )
        .await;
    assert!(refused[0].contains("only post good news"), "{refused:?}");
    assert!(celebrations(&h).is_empty());

    // The identifier guard: refused privately with the reason, nothing stored.
    let before = store.counts().await.unwrap().community;
    for (text, reason) in [
        (
            "!milestone other Thanks to the team for patient 943 476 5919",
            "NHS number",
        ),
        (
            "!milestone other Great save, MRN 4459812 home today",
            "record number",
        ),
        (
            "!shoutout @cai:test award for caring for Jane Citizen DOB 03/04/1950",
            "date of birth",
        ),
    ] {
        let refused = h.say(ana.says(text), now).await;
        // The room hears only that there was a reason; the reason goes to Ana alone.
        assert_eq!(refused.len(), 2, "{text}: {refused:?}");
        assert!(
            refused[0].contains("sent you the reason in a direct message")
                && !refused[0].contains(reason),
            "{text}: {refused:?}"
        );
        assert!(refused[1].contains(reason), "{text}: {refused:?}");
        let shown = h.adapter.shown();
        let Action::Reply { private, .. } = &shown[0].1 else {
            panic!("{shown:?}")
        };
        assert!(private);
        let Action::Remind { user, .. } = &shown[1].1 else {
            panic!("{shown:?}")
        };
        assert_eq!(user.id, ana.user.id);
        assert!(celebrations(&h).is_empty());
    }
    // In a direct room the answer is already private: one reply, with the reason.
    let refused = h
        .say(
            ana.says_privately("!milestone other Great save, MRN 4459812 home today"),
            now,
        )
        .await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].contains("record number"), "{refused:?}");
    assert_eq!(store.counts().await.unwrap().community, before);

    // A DOI is looked up and shown; a failed lookup still posts and says so privately.
    h.say(
        ana.says("!milestone publication Our audit is out: https://doi.org/10.5694/mja2.51234."),
        now,
    )
    .await;
    let posted = celebrations(&h);
    assert!(
        posted[0].0.contains("📄 “Sepsis recognition in junior doctors”, Medical Journal of Australia (2026) https://doi.org/10.5694/mja2.51234"),
        "{posted:?}"
    );
    let said = h
        .say(
            ana.says("!milestone publication Letter: doi:10.9999/unknown.1"),
            now,
        )
        .await;
    assert_eq!(celebrations(&h).len(), 1);
    assert!(
        said.iter()
            .any(|t| t.contains("could not look up the details of 10.9999/unknown.1")),
        "{said:?}"
    );
    assert_eq!(lookup.0.load(Ordering::Relaxed), 2);

    // The digest lists the week's shout-outs on Friday 16:00, in the society's zone.
    let friday = at("2026-11-27T16:00:00+11:00");
    assert!(h.tick(friday - Duration::minutes(1)).await.is_empty());
    let digest = h.tick(friday).await;
    assert_eq!(digest.len(), 1, "{digest:?}");
    assert!(
        digest[0].starts_with("🗓 Milestones in Test Society over the past 7d:"),
        "{digest:?}"
    );
    assert!(digest[0].contains("• ben · Award: Best teaching registrar 2026"));
    assert!(digest[0].contains("• cai · New post: ED registrar at Westmead"));
    assert!(
        !digest[0].contains("Spoke at ACEM"),
        "declined ones are not listed"
    );
    // A quiet week posts nothing.
    assert!(h.tick(friday + Duration::days(7)).await.is_empty());

    // Declined and unanswered shout-outs are pruned with the other expired rows; posted ones stay.
    h.say(
        ana.says("!shoutout @cai:test talk Grand rounds speaker"),
        now,
    )
    .await;
    h.say(cai.says("!profile shoutouts ask"), now).await;
    h.say(ana.says("!shoutout @cai:test talk Journal club lead"), now)
        .await;
    let waiting = store.pending_shoutouts(SOCIETY, "@cai:test").await.unwrap();
    assert_eq!(waiting.len(), 1);
    store
        .prune(now + Duration::days(31), now + Duration::days(31))
        .await
        .unwrap();
    assert!(store.shoutout(2).await.unwrap().is_none(), "declined");
    assert!(
        store.shoutout(waiting[0].id).await.unwrap().is_none(),
        "never answered"
    );
    assert!(store.shoutout(1).await.unwrap().is_some(), "posted");

    // Erasure takes a member's shout-outs, both ways.
    h.say(ben.says("!forget me confirm"), now).await;
    h.say(ben.says("!forget me"), now).await;
    h.say(ben.says("!forget me confirm"), now).await;
    assert!(store.shoutout(1).await.unwrap().is_none());
    assert!(store.shoutout(3).await.unwrap().is_some());
}

#[tokio::test]
async fn shoutouts_on_sqlite() {
    shoutout_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn shoutouts_on_postgres() {
    // A fresh database: the story counts on its own ids (S1, S2, S3).
    let db = PgDatabase::create().await;
    let store: Arc<dyn Store> = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&db.url).expect("a database URL"))
            .await
            .unwrap(),
    );
    shoutout_story(store).await;
    db.drop().await;
}

/// The real HTTP client against a local stand-in that answers like Crossref.
#[tokio::test]
async fn crossref_lookup_over_http() {
    use axum::Router;
    use axum::extract::Path;
    use axum::http::StatusCode;
    use axum::routing::get;
    use rounds::http::CrossrefLookup;

    async fn works(Path(rest): Path<String>) -> (StatusCode, String) {
        if rest == "10.1056/NEJMoa2034577" {
            (
                StatusCode::OK,
                r#"{"status":"ok","message":{"title":["Safety and Efficacy of the BNT162b2 mRNA Covid-19 Vaccine"],"container-title":["New England Journal of Medicine"],"issued":{"date-parts":[[2020,12,31]]}}}"#.to_string(),
            )
        } else {
            (StatusCode::NOT_FOUND, "Resource not found.".to_string())
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route("/works/{*rest}", get(works));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let lookup = CrossrefLookup::new(&base).unwrap();
    let found = rounds::core::doi::find("https://doi.org/10.1056/NEJMoa2034577").unwrap();
    let publication = lookup.lookup(&found).await.unwrap();
    assert_eq!(
        publication.describe(),
        "“Safety and Efficacy of the BNT162b2 mRNA Covid-19 Vaccine”, New England Journal of Medicine (2020)"
    );
    let missing = rounds::core::doi::find("doi:10.1234/nothing").unwrap();
    assert_eq!(lookup.lookup(&missing).await, Err(LookupError::NotFound));
    let nowhere = CrossrefLookup::new("http://127.0.0.1:9").unwrap();
    assert_eq!(nowhere.lookup(&found).await, Err(LookupError::Unreachable));
}
