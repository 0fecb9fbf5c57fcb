//! Shout-outs, follow-ups and onboarding through the core, the store and the scheduler, on
//! SQLite and PostgreSQL: consent before a colleague's news is posted, the identifier guard,
//! DOI lookups (through the real HTTP client against a local Crossref stand-in), the digest,
//! follow-up reminders and stay-in-touch nudges, the welcome dialogue, and erasure.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use chrono::Duration;
use rounds::core::Welcome;
use rounds::core::doi::DoiLookup;
use rounds::core::doi::{Doi, LookupError, Publication};
use rounds::core::io::Action;
use rounds::core::store::Store;
use rounds::store::{DatabaseUrl, SqlStore};
use support::*;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;

fn community_settings() -> rounds::core::Settings {
    let mut society = society(SYDNEY);
    society.welcome = Welcome {
        text: Some("We run grand rounds every Thursday.".into()),
        code_of_conduct: Some("be kind; no patient details.".into()),
        groups: vec![
            ("intern".into(), "interns".into()),
            ("emergency medicine".into(), "ed".into()),
        ],
    };
    society.stay_in_touch = Some(Duration::days(90));
    let mut settings = rounds::core::Settings::new(society.clone());
    settings.societies.insert(society.key.clone(), society);
    settings
}

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

fn dms(h: &Harness, to: &str) -> Vec<Action> {
    h.adapter
        .shown()
        .into_iter()
        .filter_map(|(_, a)| match &a {
            Action::Remind { user, .. } if user.name == to => Some(a),
            _ => None,
        })
        .collect()
}

fn choice_ids(action: &Action) -> Vec<String> {
    match action {
        Action::Remind { message, .. } | Action::Reply { message, .. } => {
            message.choices.iter().map(|c| c.id.clone()).collect()
        }
        _ => Vec::new(),
    }
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
    assert!(again[0].contains("already answered S1"), "{again:?}");
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

async fn welcome_story(store: Arc<dyn Store>) {
    let h = Harness::new(store.clone(), community_settings());
    let now = at("2026-11-23T09:00:00+11:00");
    let newbie = Member::new("newbie");
    let chair = Member::new("chair");

    h.say(newbie.joins(), now).await;
    let welcome = dms(&h, "newbie");
    assert_eq!(welcome.len(), 2, "{welcome:?}");
    let first = text_of(&welcome[0]).unwrap();
    assert!(
        first.starts_with("Welcome to Test Society, newbie!"),
        "{first}"
    );
    assert!(first.contains("We run grand rounds every Thursday."));
    assert!(first.contains("Our code of conduct: be kind; no patient details."));
    assert!(
        text_of(&welcome[1])
            .unwrap()
            .starts_with("1/6 · What stage")
    );
    assert!(choice_ids(&welcome[1]).contains(&"onboard:stage:intern".to_string()));

    // A join Rounds only hears of long after (it was offline) is not answered at all.
    let mut late = Member::new("late").joins();
    if let rounds::core::io::Inbound::Join { origin, .. } = &mut late {
        origin.sent_at = Some(now - Duration::days(30));
    }
    assert!(h.say(late, now).await.is_empty());

    // Joining again (after leaving) is not a second welcome.
    assert!(h.say(newbie.joins(), now).await.is_empty());

    // Answers: a choice, typed text in the DM, a command, a skip.
    h.say(newbie.chooses("onboard:stage:intern"), now).await;
    let shown = h.adapter.shown();
    assert!(
        shown
            .iter()
            .any(|(_, a)| matches!(a, Action::JoinGroup { group, .. } if group == "interns")),
        "{shown:?}"
    );
    assert!(
        h.adapter
            .texts()
            .last()
            .unwrap()
            .starts_with("2/6 · What is your specialty")
    );
    // An answer to a question already answered changes nothing.
    let stale = h.say(newbie.chooses("onboard:stage:registrar"), now).await;
    assert!(stale[0].contains("already answered"), "{stale:?}");
    // Chat in a shared room is not an answer; in the DM it is.
    assert!(
        h.say(newbie.says("emergency medicine"), now)
            .await
            .is_empty()
    );
    h.say(newbie.says_privately("Emergency Medicine"), now)
        .await;
    let shown = h.adapter.shown();
    assert!(
        shown
            .iter()
            .any(|(_, a)| matches!(a, Action::JoinGroup { group, .. } if group == "ed")),
        "{shown:?}"
    );
    assert!(
        h.adapter
            .texts()
            .last()
            .unwrap()
            .starts_with("3/6 · Which timezone")
    );
    let bad = h.say(newbie.says_privately("Mars/Olympus_Mons"), now).await;
    assert_eq!(bad.len(), 1, "{bad:?}");
    h.say(newbie.says("!profile timezone Europe/London"), now)
        .await;
    assert!(
        h.adapter
            .texts()
            .last()
            .unwrap()
            .starts_with("4/6 · Which hospital")
    );
    h.say(newbie.chooses("onboard:hospital:skip"), now).await;
    let coffee = h.say(newbie.chooses("onboard:coffee:yes"), now).await;
    assert!(
        coffee[0].contains("has no coffee pairings yet"),
        "{coffee:?}"
    );
    let done = h.say(newbie.chooses("onboard:shoutouts:auto"), now).await;
    assert!(done[0].starts_with("All done"), "{done:?}");

    let profile = store
        .profile(SOCIETY, "@newbie:test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(profile.stage.as_deref(), Some("intern"));
    assert_eq!(profile.specialty.as_deref(), Some("Emergency Medicine"));
    assert_eq!(
        profile.timezone.map(|zone| zone.name()),
        Some("Europe/London")
    );
    assert_eq!(profile.hospital, None);
    assert_eq!(
        profile.shoutouts.map(|choice| choice.as_str()),
        Some("auto")
    );

    // Event titles and places are public too: the guard stops them for organisers as well.
    let refused = h
        .say(
            chair.says("!event create Case review UR 4459812 | tomorrow 12:30"),
            now,
        )
        .await;
    assert!(refused[1].contains("record number"), "{refused:?}");
    let refused = h
        .say(
            chair.says(
                "!event create Case review | tomorrow 12:30 | at Bed 4, Medicare 2123 45670 1",
            ),
            now,
        )
        .await;
    assert!(refused[1].contains("Medicare"), "{refused:?}");
    assert!(
        store
            .upcoming_events(SOCIETY, now)
            .await
            .unwrap()
            .is_empty()
    );

    // Preview is the committee's; skipping stops the questions.
    let refused = h.say(newbie.says("!welcome preview"), now).await;
    assert!(refused[0].contains("Only the committee"), "{refused:?}");
    let preview = h.say(chair.says("!welcome preview"), now).await;
    assert!(
        preview[0].contains("We run grand rounds every Thursday."),
        "{preview:?}"
    );
    assert!(preview[0].contains("Intern"), "{preview:?}");
    h.say(chair.says("!welcome"), now).await;
    h.say(chair.says("!welcome skip"), now).await;
    assert!(
        h.say(chair.says_privately("cardiology"), now)
            .await
            .is_empty()
    );
    let stale = h.say(chair.chooses("onboard:stage:consultant"), now).await;
    assert!(stale[0].contains("already answered"), "{stale:?}");
}

async fn followup_story(store: Arc<dyn Store>) {
    let h = Harness::new(store.clone(), community_settings());
    let now = at("2026-11-23T09:00:00+11:00");
    let [chair, ana, ben] = ["chair", "ana", "ben"].map(Member::new);

    let said = h
        .say(
            ana.says("!followup @ben:test in 3 days ask about the audit"),
            now,
        )
        .await;
    assert!(
        said[0].contains("to follow up with ben: ask about the audit"),
        "{said:?}"
    );
    let fired = h.tick(now + Duration::days(3)).await;
    assert_eq!(
        fired,
        ["⏰ Reminder: follow up with ben: ask about the audit"]
    );
    let refused = h.say(ana.says("!followup ben tomorrow"), now).await;
    assert!(refused[0].contains("@mention"), "{refused:?}");
    let refused = h
        .say(ana.says("!followup @ben:test every Monday 9am"), now)
        .await;
    assert!(refused[0].contains("happens once"), "{refused:?}");

    // After a coffee meeting: one follow-up choice, and the stay-in-touch nudge months later.
    h.say(
        chair.says("!coffee setup every Monday 09:00 checkin 2 days"),
        now,
    )
    .await;
    h.say(ana.says("!coffee join"), now).await;
    h.say(ben.says("!coffee join"), now).await;
    let monday = at("2026-11-30T09:00:00+11:00");
    h.tick(monday).await;
    let checkin = monday + Duration::days(2);
    h.tick(checkin).await;
    let group = store
        .coffee_groups(store.programmes(SOCIETY).await.unwrap()[0].id)
        .await
        .unwrap()[0]
        .id;
    h.say(ana.chooses(&format!("coffee:{group}:met")), checkin)
        .await;
    let offered = h.adapter.shown();
    let ids = choice_ids(&offered[0].1);
    assert_eq!(ids, [format!("followup:coffee:{group}")]);
    let said = h.say(ana.chooses(&ids[0]), checkin).await;
    assert!(
        said[0].contains("follow up with ben from your coffee (round 1)"),
        "{said:?}"
    );
    // ben's choice is not ana's.
    let refused = h.say(Member::new("cai").chooses(&ids[0]), checkin).await;
    assert!(refused[0].contains("not yours"), "{refused:?}");

    let nudged = h.tick(monday + Duration::days(90)).await;
    assert!(
        nudged
            .iter()
            .any(|t| t.contains("since you met ben over coffee")),
        "{nudged:?}"
    );
    assert!(
        !nudged.iter().any(|t| t.contains("since you met ana")),
        "ben did not say they met: {nudged:?}"
    );

    // After an event: checking in offers the follow-up.
    h.say(
        chair.says("!event create Grand rounds | 2026-12-10 12:30 | for 1h"),
        now,
    )
    .await;
    let during = at("2026-12-10T12:45:00+11:00");
    let code = h.say(chair.says("!event checkin-code E1"), during).await;
    let code = code[0]
        .split('`')
        .find(|w| w.starts_with("!event checkin E1 "))
        .map(|w| w.trim_start_matches("!event checkin E1 ").to_string())
        .unwrap_or_else(|| panic!("{code:?}"));
    h.say(ana.says(&format!("!event checkin E1 {code}")), during)
        .await;
    let ids = choice_ids(&h.adapter.shown()[0].1);
    assert_eq!(ids, ["followup:event:1"]);
    let said = h.say(ana.chooses("followup:event:1"), during).await;
    assert!(
        said[0].contains("follow up with the people you met at Grand rounds"),
        "{said:?}"
    );
    let refused = h.say(ben.chooses("followup:event:1"), during).await;
    assert!(
        refused[0].contains("not yours"),
        "ben did not attend: {refused:?}"
    );
}

#[tokio::test]
async fn shoutouts_on_sqlite() {
    shoutout_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn welcome_on_sqlite() {
    welcome_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn followups_on_sqlite() {
    followup_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn community_on_postgres() {
    // A fresh database each: the stories count on their own ids (S1, E1).
    for story in 0..3 {
        let db = PgDatabase::create().await;
        let store: Arc<dyn Store> =
            Arc::new(SqlStore::open(&DatabaseUrl::parse(&db.url)).await.unwrap());
        match story {
            0 => shoutout_story(store).await,
            1 => welcome_story(store).await,
            _ => followup_story(store).await,
        }
        db.drop().await;
    }
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
