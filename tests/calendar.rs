//! Series, edits and calendars through the core, the store and the scheduler: a weekly series
//! with a skipped date and its own RSVPs per date, live counts edited into the announcement,
//! an edit that tells members and fills new places from the waitlist, `!event ics` read by an
//! independent parser, the society feed fetched over HTTP, and that feed imported by another
//! Rounds (deduplicated on re-sync, following cancellations and skipped dates).

mod support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rounds::clock::Clock;
use rounds::core::Bot;
use rounds::core::io::Action;
use rounds::core::store::Store;
use rounds::http::{FetchPolicy, HttpFetcher};

use support::*;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;

fn harness(store: Arc<dyn Store>, settings: rounds::core::Settings) -> (Harness, Arc<Bot>) {
    // The feeds these tests import are served on loopback, which only the operator's
    // allow-list opens.
    let fetcher = HttpFetcher::with_policy(&FetchPolicy::allowing(&["127.0.0.1"])).unwrap();
    let bot = Arc::new(Bot::new(store, settings).with_fetcher(Arc::new(fetcher)));
    (Harness::with_bot(bot.clone()), bot)
}

fn reminded(h: &Harness) -> Vec<(String, String)> {
    h.adapter
        .shown()
        .into_iter()
        .filter_map(|(_, a)| match a {
            Action::Remind { user, message } => Some((user.name, message.text)),
            _ => None,
        })
        .collect()
}

fn edits(h: &Harness) -> Vec<(String, String)> {
    h.adapter
        .shown()
        .into_iter()
        .filter_map(|(_, a)| match a {
            Action::Edit { topic, message, .. } => Some((topic, message.text)),
            _ => None,
        })
        .collect()
}

fn announced(h: &Harness) -> Vec<String> {
    h.adapter
        .shown()
        .into_iter()
        .filter_map(|(_, a)| match a {
            Action::Announce { message, .. } => Some(message.text),
            _ => None,
        })
        .collect()
}

fn attachment(h: &Harness) -> (String, String) {
    h.adapter
        .shown()
        .into_iter()
        .find_map(|(_, a)| match a {
            Action::Reply { message, .. } => {
                message.attachment.map(|file| (file.filename, file.content))
            }
            _ => None,
        })
        .expect("a file")
}

fn ical_events(text: &str) -> Vec<ical::parser::ical::component::IcalEvent> {
    let mut calendars = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let calendar = calendars.next().expect("a calendar").expect("parses");
    assert!(calendars.next().is_none());
    calendar.events
}

fn property<'a>(event: &'a ical::parser::ical::component::IcalEvent, name: &str) -> Vec<&'a str> {
    event
        .properties
        .iter()
        .filter(|p| p.name == name)
        .filter_map(|p| p.value.as_deref())
        .collect()
}

async fn series_story(store: Arc<dyn Store>) {
    let (h, _) = harness(store, settings(SYDNEY));
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let [ana, ben, cai, dee] = ["ana", "ben", "cai", "dee"].map(Member::new);

    let created = h
        .say(
            chair.says("!event create Grand rounds | Thursday 12:30 | every Thursday 12:30 | for 1h | at Auditorium | capacity 2 | kind grand-rounds | cpd 1"),
            now,
        )
        .await;
    assert!(
        created
            .iter()
            .any(|t| t.contains("It repeats every Thursday at 12:30")),
        "{created:?}"
    );
    let first = announced(&h);
    assert!(first[0].starts_with("📅 Grand rounds (E1)"), "{first:?}");
    assert!(first[0].contains("Thu 26 Nov 12:30 AEDT"), "{first:?}");
    assert!(first[0].contains("Going: 0 of 2"), "{first:?}");

    // Each answer rewrites the announcement's counts.
    h.say(ana.chooses("event:1:going"), now).await;
    assert_eq!(
        edits(&h),
        vec![(
            "event:1".to_string(),
            first[0].replace("Going: 0 of 2", "Going: 1 of 2")
        )]
    );

    // 3 Dec is skipped; a date that is not in the series is refused.
    let wrong = h.say(chair.says("!event skip E1 2026-12-02"), now).await;
    assert!(
        wrong[0].contains("has no date on Wed 2 Dec 2026"),
        "{wrong:?}"
    );
    let refused = h.say(ana.says("!event skip E1 2026-12-03"), now).await;
    assert!(refused[0].contains("Only the organisers"), "{refused:?}");
    let skipped = h.say(chair.says("!event skip E1 2026-12-03"), now).await;
    assert!(
        skipped[0].starts_with("Skipped Thu 3 Dec 12:30 AEDT of Grand rounds"),
        "{skipped:?}"
    );

    // When E1 begins the next date is made and announced: 10 Dec, since 3 Dec is skipped.
    h.tick(at("2026-11-26T12:30:00+11:00")).await;
    let next = announced(&h);
    assert_eq!(next.len(), 1, "{next:?}");
    assert!(next[0].starts_with("📅 Grand rounds (E2)"), "{next:?}");
    assert!(next[0].contains("Thu 10 Dec 12:30 AEDT"), "{next:?}");
    // A second firing (a crash before the job moved on) makes no second date.
    assert!(
        h.store
            .occurrence(1, at("2026-12-10T12:30:00+11:00"))
            .await
            .unwrap()
            .is_some()
    );

    // E2 has its own answers: ben and cai go, dee waits.
    let later = at("2026-11-27T09:00:00+11:00");
    let show = h.say(ana.says("!event show E2"), later).await;
    assert!(show[0].contains("Going: 0 of 2"), "{show:?}");
    h.say(ben.says("!rsvp E2 going"), later).await;
    h.say(cai.says("!rsvp E2 going"), later + Duration::seconds(1))
        .await;
    let waiting = h
        .say(dee.says("!rsvp E2 going"), later + Duration::seconds(2))
        .await;
    assert!(
        waiting[0].contains("number 1 on the waitlist"),
        "{waiting:?}"
    );

    // An edit: members who answered hear of the new place, a third place goes to dee.
    let edited = h
        .say(
            chair.says("!event edit E2 | at Lecture theatre 3 | capacity 3"),
            later,
        )
        .await;
    assert!(
        edited.iter().any(|t| t.starts_with("Updated E2.")
            && t.contains("3 members who answered were told")
            && t.contains("1 moved up from the waitlist")),
        "{edited:?}"
    );
    let mut told = reminded(&h);
    told.sort();
    assert_eq!(
        told,
        vec![
            (
                "ben".to_string(),
                "Changed: Grand rounds (E2) is now at Lecture theatre 3.".to_string()
            ),
            (
                "cai".to_string(),
                "Changed: Grand rounds (E2) is now at Lecture theatre 3.".to_string()
            ),
            (
                "dee".to_string(),
                "Changed: Grand rounds (E2) is now at Lecture theatre 3.".to_string()
            ),
            (
                "dee".to_string(),
                "Good news: a place opened up and you're now going to Grand rounds (E2), Thu 10 Dec 12:30 AEDT."
                    .to_string()
            ),
        ]
    );
    let rewritten = edits(&h);
    assert_eq!(rewritten[0].0, "event:2");
    assert!(rewritten[0].1.contains("Where: Lecture theatre 3"));
    assert!(rewritten[0].1.contains("Going: 3 of 3 · waitlist: 0"));
    let bad = h
        .say(chair.says("!event edit E2 | colour blue"), later)
        .await;
    assert!(
        bad[0].contains("I don't know the event field `colour`"),
        "{bad:?}"
    );

    // The series as a calendar file: one VEVENT with its RRULE and the skipped date.
    h.say(ana.says("!event ics E2"), later).await;
    let (name, text) = attachment(&h);
    assert_eq!(name, "E2.ics");
    let events = ical_events(&text);
    assert_eq!(events.len(), 1);
    assert_eq!(
        property(&events[0], "RRULE"),
        ["FREQ=WEEKLY;INTERVAL=1;BYDAY=TH;WKST=MO"]
    );
    assert_eq!(property(&events[0], "EXDATE"), ["20261203T123000"]);
    // The skipped date changed the series' entry; editing one date (E2) did not.
    assert_eq!(property(&events[0], "SEQUENCE"), ["1"]);
    assert_eq!(property(&events[0], "DTSTART"), ["20261126T123000"]);
    assert_eq!(property(&events[0], "SUMMARY"), ["Grand rounds"]);
    // The series entry stands for every date, so it names no one event's id (it once said
    // "E0", which answers nothing).
    let description = property(&events[0], "DESCRIPTION").join("");
    assert!(
        description.contains("Answer on each date's announcement") && !description.contains("E0"),
        "{description}"
    );

    // Ending the series cancels the announced date, with notices, and makes no more.
    let ended = h.say(chair.says("!event cancel E2 series"), later).await;
    assert!(
        ended
            .iter()
            .any(|t| t.starts_with("Ended the series of Grand rounds") && t.contains("3 members")),
        "{ended:?}"
    );
    assert_eq!(reminded(&h).len(), 3);
    assert!(
        edits(&h)
            .iter()
            .any(|(topic, text)| topic == "event:2" && text.starts_with("📅 Cancelled"))
    );
    h.tick(at("2026-12-10T12:30:00+11:00")).await;
    assert!(announced(&h).is_empty());
    assert!(
        h.store
            .upcoming_events(SOCIETY, later)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn series_edits_and_ics_on_sqlite() {
    series_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn series_edits_and_ics_on_postgres() {
    on_postgres(series_story).await;
}

/// Serves a bot's feeds on `listener`, its clock set to `now`.
fn serve(
    listener: tokio::net::TcpListener,
    bot: Arc<Bot>,
    now: DateTime<Utc>,
) -> tokio::sync::watch::Sender<bool> {
    let clock = Clock::wall();
    clock.advance(now - Utc::now());
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(rounds::http::serve(listener, bot, clock, shutdown));
    stop
}

fn link_in(text: &str) -> String {
    let start = text.find("http://").expect("a link");
    text[start..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn the_feed_is_served_over_http_and_imported_by_another_rounds() {
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let ana = Member::new("ana");

    // Rounds A serves its society's feed.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let feed_base = format!("http://{}", listener.local_addr().unwrap());
    let mut a_settings = settings(SYDNEY);
    a_settings.feed_base = Some(feed_base.clone());
    let (a, a_bot) = harness(sqlite_memory().await, a_settings);
    let _stop = serve(listener, a_bot, now);

    let off = h_says(
        &a,
        &chair,
        "!event create Sim lab | Thursday 07:30 | for 2h | at Skills centre, level 2",
        now,
    )
    .await;
    assert!(off.iter().any(|t| t.starts_with("Created E1")), "{off:?}");
    h_says(
        &a,
        &chair,
        "!event create Grand rounds | Thursday 12:30 | every Thursday 12:30 | at Auditorium",
        now,
    )
    .await;
    let reply = h_says(&a, &ana, "!event feed", now).await;
    let url = link_in(&reply[0]);
    assert!(
        url.starts_with(&format!("{feed_base}/calendar/{SOCIETY}/")),
        "{url}"
    );
    assert!(url.ends_with(".ics"), "{url}");

    let client = reqwest::Client::new();
    let health = client
        .get(format!("{feed_base}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok\n");
    let wrong = client
        .get(format!(
            "{feed_base}/calendar/{SOCIETY}/{}.ics",
            "0".repeat(48)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = response.text().await.unwrap();
    let events = ical_events(&text);
    let mut summaries: Vec<&str> = events.iter().flat_map(|e| property(e, "SUMMARY")).collect();
    summaries.sort();
    assert_eq!(summaries, ["Grand rounds", "Sim lab"]);
    let sim = events
        .iter()
        .find(|e| property(e, "SUMMARY") == ["Sim lab"])
        .unwrap();
    assert_eq!(property(sim, "LOCATION"), ["Skills centre\\, level 2"]);

    // Rounds B imports A's feed: the one-off event and the series' dates in the next 60 days.
    let (b, _) = harness(sqlite_memory().await, settings(SYDNEY));
    let started = h_says(&b, &chair, &format!("!event import {url}"), now).await;
    assert!(started[0].starts_with("Importing "), "{started:?}");
    let again = h_says(&b, &chair, &format!("!event import {url}"), now).await;
    assert!(again[0].contains("already imports"), "{again:?}");
    let first_sync = b.tick(now).await;
    assert!(
        first_sync
            .iter()
            .any(|t| t.starts_with("Imported 10 events from ")),
        "{first_sync:?}"
    );
    // A feed's words are not an organiser's: its announcements never ping the whole society.
    let announcements: Vec<bool> = b
        .adapter
        .shown()
        .into_iter()
        .filter_map(|(_, a)| match a {
            Action::Announce { message, .. } => Some(message.mass_mentions),
            _ => None,
        })
        .collect();
    assert!(!announcements.is_empty());
    assert!(!announcements.contains(&true), "{announcements:?}");
    let imported = b.store.upcoming_events(SOCIETY, now).await.unwrap();
    assert_eq!(imported.len(), 10);
    assert_eq!(imported[0].title, "Sim lab");
    assert_eq!(imported[0].starts_at, at("2026-11-26T07:30:00+11:00"));
    assert_eq!(imported[0].duration, Duration::hours(2));
    assert_eq!(imported[0].place.as_deref(), Some("Skills centre, level 2"));
    let rounds: Vec<DateTime<Utc>> = imported[1..].iter().map(|e| e.starts_at).collect();
    let weekly: Vec<DateTime<Utc>> = (0..9)
        .map(|week| at("2026-11-26T12:30:00+11:00") + Duration::weeks(week))
        .collect();
    assert_eq!(rounds, weekly);
    assert!(imported[1..].iter().all(|e| e.title == "Grand rounds"));
    // Imported events are events like any other: members answer them.
    let answer = h_says(&b, &ana, "!rsvp E1 going", now).await;
    assert!(
        answer[0].starts_with("You're going to Sim lab (E1)"),
        "{answer:?}"
    );

    // A daily re-sync with nothing new changes nothing.
    let quiet = b.tick(now + Duration::days(1)).await;
    assert!(announced(&b).is_empty(), "{quiet:?}");
    assert_eq!(
        b.store.upcoming_events(SOCIETY, now).await.unwrap().len(),
        10
    );

    // A cancels the sim lab and skips a week of grand rounds; B follows on its next sync.
    h_says(&a, &chair, "!event cancel E1", now).await;
    h_says(&a, &chair, "!event skip E2 2026-12-03", now).await;
    b.tick(now + Duration::days(2)).await;
    let notices = reminded(&b);
    assert_eq!(
        notices,
        vec![(
            "ana".to_string(),
            "Cancelled: Sim lab (E1), which was on Thu 26 Nov 07:30 AEDT. Sorry for the change of plans."
                .to_string()
        )]
    );
    let left: Vec<DateTime<Utc>> = b
        .store
        .upcoming_events(SOCIETY, now)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.starts_at)
        .collect();
    assert!(!left.contains(&at("2026-11-26T07:30:00+11:00")));
    assert!(!left.contains(&at("2026-12-03T12:30:00+11:00")));
    assert_eq!(left.len(), 8);

    // A link that is not a calendar is refused before anything is stored.
    let bad = h_says(&b, &chair, "!event import ftp://example.org/x.ics", now).await;
    assert!(bad[0].contains("not a calendar link"), "{bad:?}");
}

async fn h_says(h: &Harness, member: &Member, text: &str, now: DateTime<Utc>) -> Vec<String> {
    h.say(member.says(text), now).await
}

#[tokio::test]
async fn a_feed_that_cannot_be_fetched_is_reported_once() {
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let (h, _) = harness(sqlite_memory().await, settings(SYDNEY));
    // Nothing listens on this port.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/feed.ics", listener.local_addr().unwrap());
    drop(listener);
    h.say(chair.says(&format!("!event import {url}")), now)
        .await;
    let first = h.tick(now).await;
    assert!(
        first
            .iter()
            .any(|t| t.starts_with("Could not import ") && t.contains("I'll try again tomorrow")),
        "{first:?}"
    );
    assert!(
        first
            .iter()
            .any(|t| t.starts_with("[admin log] Could not import"))
    );
    // The next day's failure is not reported again.
    assert!(h.tick(now + Duration::days(1)).await.is_empty());
    let listed = h
        .say(chair.says("!event import"), now + Duration::days(1))
        .await;
    assert!(listed[0].contains("last try failed"), "{listed:?}");
}

/// Serves a fixed body per URL, changed between syncs as a feed's owner would.
#[derive(Default)]
struct FeedsByUrl(std::sync::Mutex<std::collections::HashMap<String, String>>);

impl FeedsByUrl {
    fn set(&self, url: &str, body: String) {
        self.0.lock().unwrap().insert(url.to_string(), body);
    }
}

#[async_trait::async_trait]
impl rounds::core::events::fetch::Fetcher for FeedsByUrl {
    async fn fetch(&self, url: &str) -> Result<String, String> {
        self.0
            .lock()
            .unwrap()
            .get(url)
            .cloned()
            .ok_or_else(|| "not found".to_string())
    }
}

fn one_event_feed(uid: &str, title: &str, status: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
         DTSTAMP:20261120T000000Z\r\nDTSTART:20261126T203000Z\r\nDTEND:20261126T213000Z\r\n\
         SUMMARY:{title}\r\nSTATUS:{status}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// A UID belongs to the feed that published it: another feed reusing it makes its own event and
/// can neither rewrite nor cancel the first feed's.
async fn uids_are_scoped_to_their_import(store: Arc<dyn Store>) {
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let feeds = Arc::new(FeedsByUrl::default());
    let bot = Arc::new(Bot::new(store, settings(SYDNEY)).with_fetcher(feeds.clone()));
    let h = Harness::with_bot(bot);
    let (first, second) = (
        "https://one.example/feed.ics",
        "https://two.example/feed.ics",
    );
    feeds.set(
        first,
        one_event_feed("shared@uid", "Journal club", "CONFIRMED"),
    );
    feeds.set(
        second,
        one_event_feed("shared@uid", "Hijacked", "CONFIRMED"),
    );

    h_says(&h, &chair, &format!("!event import {first}"), now).await;
    h.tick(now).await;
    let later = now + Duration::minutes(5);
    h_says(&h, &chair, &format!("!event import {second}"), later).await;
    h.tick(later).await;
    let mut titles: Vec<String> = h
        .store
        .upcoming_events(SOCIETY, now)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.title)
        .collect();
    titles.sort();
    assert_eq!(titles, ["Hijacked", "Journal club"]);

    // The second feed cancels "its" event: only its own copy goes.
    feeds.set(
        second,
        one_event_feed("shared@uid", "Hijacked", "CANCELLED"),
    );
    h.tick(later + Duration::days(1)).await;
    let left: Vec<String> = h
        .store
        .upcoming_events(SOCIETY, now)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.title)
        .collect();
    assert_eq!(left, ["Journal club"]);
}

#[tokio::test]
async fn uids_are_scoped_to_their_import_on_sqlite() {
    uids_are_scoped_to_their_import(sqlite_memory().await).await;
}

#[tokio::test]
async fn uids_are_scoped_to_their_import_on_postgres() {
    on_postgres(uids_are_scoped_to_their_import).await;
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `!event ics` for the event `id`, asked at `now`, read by an independent parser.
async fn ics_of(
    h: &Harness,
    member: &Member,
    id: &str,
    now: DateTime<Utc>,
) -> ical::parser::ical::component::IcalEvent {
    h.say(member.says(&format!("!event ics {id}")), now).await;
    let mut events = ical_events(&attachment(h).1);
    assert_eq!(events.len(), 1);
    events.remove(0)
}

/// Calendar apps replace their copy only when SEQUENCE goes up: each edit and cancellation of
/// an event or a series raises it, LAST-MODIFIED says when that change was made (DTSTAMP says
/// when the file was), and ending a series keeps the dates already held: its RRULE stops at the
/// end instead of the whole series turning cancelled. One that never met is cancelled whole.
async fn calendar_changes_story(store: Arc<dyn Store>) {
    let (h, bot) = harness(store.clone(), settings(SYDNEY));
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let ana = Member::new("ana");
    h.say(
        chair.says("!event create Sim session | Wednesday 07:30 | at Skills lab"),
        now,
    )
    .await;
    let made = ics_of(&h, &ana, "E1", now + Duration::minutes(5)).await;
    assert_eq!(property(&made, "SEQUENCE"), ["0"]);
    assert_eq!(property(&made, "LAST-MODIFIED"), [stamp(now).as_str()]);
    assert_eq!(
        property(&made, "DTSTAMP"),
        [stamp(now + Duration::minutes(5)).as_str()]
    );
    let edited_at = now + Duration::hours(1);
    h.say(chair.says("!event edit E1 | at Library"), edited_at)
        .await;
    let edited = ics_of(&h, &ana, "E1", now + Duration::hours(2)).await;
    assert_eq!(property(&edited, "SEQUENCE"), ["1"]);
    assert_eq!(
        property(&edited, "LAST-MODIFIED"),
        [stamp(edited_at).as_str()]
    );
    let cancelled_at = now + Duration::hours(3);
    h.say(chair.says("!event cancel E1"), cancelled_at).await;
    let cancelled = ics_of(&h, &ana, "E1", now + Duration::hours(4)).await;
    assert_eq!(property(&cancelled, "STATUS"), ["CANCELLED"]);
    assert_eq!(property(&cancelled, "SEQUENCE"), ["2"]);
    assert_eq!(
        property(&cancelled, "LAST-MODIFIED"),
        [stamp(cancelled_at).as_str()]
    );

    // A weekly series: its first date (E2) is held, the second (E3) announced when it begins.
    h.say(
        chair.says(
            "!event create Grand rounds | Thursday 12:30 | every Thursday 12:30 | at Auditorium",
        ),
        now,
    )
    .await;
    h.tick(at("2026-11-26T12:30:00+11:00")).await;
    let series = ics_of(&h, &ana, "E3", at("2026-11-26T13:00:00+11:00")).await;
    assert_eq!(property(&series, "SEQUENCE"), ["0"]);
    assert_eq!(property(&series, "LAST-MODIFIED"), [stamp(now).as_str()]);
    let moved_at = at("2026-11-27T09:00:00+11:00");
    h.say(chair.says("!event edit E3 | at Library | all"), moved_at)
        .await;
    let moved = ics_of(&h, &ana, "E3", moved_at).await;
    assert_eq!(property(&moved, "SEQUENCE"), ["1"]);
    assert_eq!(
        property(&moved, "LAST-MODIFIED"),
        [stamp(moved_at).as_str()]
    );
    let ended_at = at("2026-11-28T09:00:00+11:00");
    h.say(chair.says("!event cancel E3 series"), ended_at).await;
    let ended = ics_of(&h, &ana, "E3", ended_at + Duration::hours(1)).await;
    // The 26 November date was held: the series stays, and stops at its end.
    assert_eq!(property(&ended, "STATUS"), ["CONFIRMED"]);
    assert_eq!(
        property(&ended, "RRULE"),
        [format!(
            "FREQ=WEEKLY;INTERVAL=1;BYDAY=TH;WKST=MO;UNTIL={}",
            stamp(ended_at)
        )
        .as_str()]
    );
    assert_eq!(property(&ended, "DTSTART"), ["20261126T123000"]);
    assert_eq!(property(&ended, "SEQUENCE"), ["2"]);
    assert_eq!(
        property(&ended, "LAST-MODIFIED"),
        [stamp(ended_at).as_str()]
    );

    // A series ended before it ever met is cancelled whole.
    h.say(
        chair.says("!event create Journal club | Friday 07:30 | every Friday 07:30"),
        ended_at,
    )
    .await;
    h.say(chair.says("!event cancel E4 series"), ended_at).await;
    let never = ics_of(&h, &ana, "E4", ended_at).await;
    assert_eq!(property(&never, "STATUS"), ["CANCELLED"]);
    assert_eq!(property(&never, "SEQUENCE"), ["1"]);

    // The subscription feed says the same as the files.
    let society = bot.society(SOCIETY);
    let feed = rounds::core::events::calendar::feed(
        store.as_ref(),
        bot.settings(),
        society,
        ended_at + Duration::hours(1),
    )
    .await
    .unwrap();
    let feed = ical_events(&feed);
    let by_summary = |title: &str| {
        feed.iter()
            .find(|e| property(e, "SUMMARY") == [title])
            .unwrap_or_else(|| panic!("{title} in the feed"))
    };
    assert_eq!(property(by_summary("Sim session"), "SEQUENCE"), ["2"]);
    assert_eq!(property(by_summary("Grand rounds"), "SEQUENCE"), ["2"]);
    assert_eq!(
        property(by_summary("Grand rounds"), "STATUS"),
        ["CONFIRMED"]
    );
    assert_eq!(
        property(by_summary("Journal club"), "STATUS"),
        ["CANCELLED"]
    );
}

#[tokio::test]
async fn calendar_changes_on_sqlite() {
    calendar_changes_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn calendar_changes_on_postgres() {
    on_postgres(calendar_changes_story).await;
}
