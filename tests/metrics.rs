//! `/metrics`: a scripted session through the runtime and a recording adapter, scraped before
//! and after, on SQLite and PostgreSQL. The body is parsed whole as Prometheus text (a strict
//! parser below: any line it cannot read fails the test), and the counters must have moved by
//! exactly what the session did.
//!
//! The metrics recorder is process-wide, so the tests here take turns (`TURN`) and compare
//! differences between scrapes, never absolute values.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::Duration;
use rounds::clock::Clock;
use rounds::core::Bot;
use rounds::core::doi::DoiLookup;
use rounds::core::events::Fetcher;
use rounds::core::store::Store;
use rounds::http::{CrossrefLookup, HttpFetcher};
use rounds::telemetry::metrics as series;
use support::*;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;

/// One test at a time moves the process's counters.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// ---- A strict reader of the Prometheus text format (version 0.0.4) ----

/// One sample: its series name and its labels, sorted.
type SeriesKey = (String, BTreeMap<String, String>);

#[derive(Debug, Default)]
struct Scrape {
    samples: BTreeMap<SeriesKey, f64>,
    /// Family name to its declared type.
    types: BTreeMap<String, String>,
}

impl Scrape {
    /// The value of the sample with exactly these labels; 0 if absent (a counter not yet moved).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples
            .get(&(name.to_string(), labels))
            .copied()
            .unwrap_or(0.0)
    }

    fn has(&self, name: &str) -> bool {
        self.samples.keys().any(|(n, _)| n == name)
    }
}

fn parse_exposition(body: &str) -> Scrape {
    let mut scrape = Scrape::default();
    let mut helped = BTreeSet::new();
    for (number, line) in body.lines().enumerate() {
        let at = || format!("line {}: {line:?}", number + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix("# ") {
            let (keyword, rest) = comment.split_once(' ').unwrap_or((comment, ""));
            match keyword {
                "HELP" => {
                    let (name, _) = rest.split_once(' ').unwrap_or((rest, ""));
                    assert!(valid_name(name), "bad HELP name, {}", at());
                    assert!(helped.insert(name.to_string()), "HELP twice, {}", at());
                }
                "TYPE" => {
                    let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
                    assert!(valid_name(name), "bad TYPE name, {}", at());
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                        "unknown type, {}",
                        at()
                    );
                    let earlier = scrape.types.insert(name.to_string(), kind.to_string());
                    assert!(earlier.is_none(), "TYPE twice, {}", at());
                }
                _ => panic!("unknown comment keyword, {}", at()),
            }
            continue;
        }
        assert!(!line.starts_with('#'), "malformed comment, {}", at());
        let (name, labels, rest) = sample_parts(line).unwrap_or_else(|| panic!("{}", at()));
        let mut fields = rest.split(' ');
        let value = fields
            .next()
            .unwrap_or_else(|| panic!("no value, {}", at()));
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            number => number
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("bad value, {}", at())),
        };
        if let Some(timestamp) = fields.next() {
            timestamp
                .parse::<i64>()
                .unwrap_or_else(|_| panic!("bad timestamp, {}", at()));
        }
        assert!(fields.next().is_none(), "trailing text, {}", at());
        assert!(
            family_of(&name, &scrape.types).is_some(),
            "a sample before its TYPE, {}",
            at()
        );
        assert!(
            name.starts_with("rounds_"),
            "series not named rounds_*, {}",
            at()
        );
        let earlier = scrape.samples.insert((name, labels), value);
        assert!(earlier.is_none(), "the same series twice, {}", at());
    }
    scrape
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// The declared family a sample belongs to: its own name, or a histogram's or summary's
/// with `_bucket`, `_sum` or `_count` added.
fn family_of<'a>(name: &str, types: &'a BTreeMap<String, String>) -> Option<&'a str> {
    if let Some(kind) = types.get(name) {
        return Some(kind);
    }
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix)
            && let Some(kind) = types.get(base)
            && (kind == "histogram" || (kind == "summary" && suffix != "_bucket"))
        {
            return Some(kind);
        }
    }
    None
}

/// Splits `name{a="x",b="y"} rest` into its name, labels and what follows.
fn sample_parts(line: &str) -> Option<(String, BTreeMap<String, String>, &str)> {
    let name_end = line.find(['{', ' '])?;
    let name = &line[..name_end];
    if !valid_name(name) {
        return None;
    }
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices().peekable();
        loop {
            // A label name, `=`, a quoted value with \\, \" and \n escapes, then `,` or `}`.
            let start = chars.peek()?.0;
            if inner[start..].starts_with('}') {
                chars.next();
                break;
            }
            let eq = inner[start..].find('=')? + start;
            let label = &inner[start..eq];
            if !valid_name(label) || label.contains(':') {
                return None;
            }
            while chars.peek()?.0 <= eq {
                chars.next();
            }
            if chars.next()?.1 != '"' {
                return None;
            }
            let mut value = String::new();
            loop {
                match chars.next()?.1 {
                    '\\' => match chars.next()?.1 {
                        '\\' => value.push('\\'),
                        '"' => value.push('"'),
                        'n' => value.push('\n'),
                        _ => return None,
                    },
                    '"' => break,
                    c => value.push(c),
                }
            }
            if labels.insert(label.to_string(), value).is_some() {
                return None;
            }
            match chars.next()?.1 {
                ',' => continue,
                '}' => break,
                _ => return None,
            }
        }
        let consumed = chars.peek().map_or(inner.len(), |(i, _)| *i);
        rest = &inner[consumed..];
    }
    Some((name.to_string(), labels, rest.strip_prefix(' ')?))
}

#[test]
fn the_reader_is_strict() {
    let good = "# HELP rounds_x_total Things.\n# TYPE rounds_x_total counter\nrounds_x_total{a=\"1\",b=\"q\\\"\"} 3\n\n# TYPE rounds_h histogram\nrounds_h_bucket{le=\"+Inf\"} 2\nrounds_h_sum 0.5\nrounds_h_count 2\n";
    let scrape = parse_exposition(good);
    assert_eq!(
        scrape.value("rounds_x_total", &[("a", "1"), ("b", "q\"")]),
        3.0
    );
    assert_eq!(scrape.value("rounds_h_count", &[]), 2.0);
    for bad in [
        "rounds_x_total 1\n",
        "# TYPE rounds_x counter\nrounds_x{a=1} 1\n",
        "# TYPE rounds_x counter\nrounds_x one\n",
        "# TYPE rounds_x counter\nrounds_x 1 2 3\n",
        "# TYPE rounds_x wobbly\n",
        "# TYPE rounds_x counter\nrounds_x{a=\"1\" 1\n",
    ] {
        let refused = std::panic::catch_unwind(|| parse_exposition(bad));
        assert!(refused.is_err(), "accepted {bad:?}");
    }
}

// ---- The session ----

async fn scrape(address: &str) -> Scrape {
    let response = reqwest::get(format!("http://{address}/metrics"))
        .await
        .expect("scrape");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    parse_exposition(&response.text().await.unwrap())
}

/// Serves the bot's router on 127.0.0.1 with `clock`; returns the address.
async fn serve(bot: Arc<Bot>, clock: Clock) -> (String, tokio::sync::watch::Sender<bool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(rounds::http::serve(listener, bot, clock, shutdown));
    (address, stop)
}

const COMMANDS: &str = series::COMMANDS;

fn commands(s: &Scrape, kind: &str, outcome: &str) -> f64 {
    s.value(
        COMMANDS,
        &[("kind", kind), ("outcome", outcome), ("platform", PLATFORM)],
    )
}

fn deliveries(s: &Scrape, outcome: &str) -> f64 {
    s.value(
        series::DELIVERIES,
        &[("outcome", outcome), ("platform", PLATFORM)],
    )
}

async fn session(store: Arc<dyn Store>) {
    let _turn = TURN.lock().await;
    let bot = Arc::new(Bot::new(store, settings(SYDNEY)));
    let clock = Clock::wall();
    let (address, _stop) = serve(bot.clone(), clock.clone()).await;
    let h = Harness::with_bot(bot);
    let ana = Member::new("ana");
    let before = scrape(&address).await;

    // Answers queued but not yet sent: the outbox gauges see them.
    let start = clock.now();
    let queued = h
        .runtime
        .receive(
            &ana.says_privately("!remind me in 2 minutes to call the registrar"),
            start,
        )
        .await
        .unwrap();
    assert_eq!(queued, 1);
    h.runtime.receive(&ana.says("!help"), start).await.unwrap();
    clock.advance(Duration::minutes(5));
    let waiting = scrape(&address).await;
    assert_eq!(waiting.value(series::OUTBOX_PENDING, &[]), 2.0);
    let age = waiting.value(series::OUTBOX_OLDEST_SECONDS, &[]);
    assert!((300.0..400.0).contains(&age), "oldest pending {age} s");
    // The reminder was due three minutes ago and no tick has claimed it.
    let lag = waiting.value(series::JOB_LAG_SECONDS, &[]);
    assert!((180.0..280.0).contains(&lag), "job lag {lag} s");

    // One send fails for now and is retried; the rest go out.
    let now = clock.now();
    h.adapter.fail_next(1);
    assert_eq!(h.runtime.deliver(h.adapter.as_ref(), now).await.unwrap(), 1);
    let later = now + Duration::minutes(1);
    assert_eq!(
        h.runtime.deliver(h.adapter.as_ref(), later).await.unwrap(),
        1
    );

    // A refusal, chat, an unknown command and a choice nobody offered.
    for text in ["!remind me", "good morning all", "!remnd me tomorrow"] {
        h.say(ana.says(text), later).await;
    }
    h.say(ana.chooses("nothing:here"), later).await;

    // The reminder fires on the next tick and is sent.
    let fired = h.tick(later).await;
    assert_eq!(fired.len(), 1, "{fired:?}");

    let after = scrape(&address).await;
    let moved = |f: &dyn Fn(&Scrape) -> f64| f(&after) - f(&before);
    assert_eq!(moved(&|s| commands(s, "remind", "done")), 1.0);
    assert_eq!(moved(&|s| commands(s, "help", "done")), 1.0);
    assert_eq!(moved(&|s| commands(s, "remind", "refused")), 1.0);
    assert_eq!(moved(&|s| commands(s, "text", "done")), 1.0);
    assert_eq!(moved(&|s| commands(s, "invalid", "refused")), 1.0);
    assert_eq!(moved(&|s| commands(s, "choice", "refused")), 1.0);
    assert_eq!(
        moved(&|s| s.value(
            &format!("{}_count", series::COMMAND_SECONDS),
            &[("kind", "remind")]
        )),
        2.0
    );
    // Two queued answers (one after a retry), three refusals (chat gets no reply), one reminder.
    assert_eq!(moved(&|s| deliveries(s, "retry")), 1.0);
    assert_eq!(moved(&|s| deliveries(s, "sent")), 2.0 + 3.0 + 1.0);
    assert_eq!(moved(&|s| deliveries(s, "failed")), 0.0);
    assert_eq!(
        moved(&|s| s.value(series::JOBS_FIRED, &[("kind", "reminder")])),
        1.0
    );
    assert_eq!(
        moved(&|s| s.value(series::SCHEDULER_TICKS, &[("lane", "all")])),
        1.0
    );
    // Everything was sent and no due job waits.
    assert_eq!(after.value(series::OUTBOX_PENDING, &[]), 0.0);
    assert_eq!(after.value(series::OUTBOX_OLDEST_SECONDS, &[]), 0.0);
    assert_eq!(after.value(series::JOB_LAG_SECONDS, &[]), 0.0);
    for gauge in [
        series::OUTBOX_PENDING,
        series::OUTBOX_OLDEST_SECONDS,
        series::JOB_LAG_SECONDS,
    ] {
        assert!(after.has(gauge), "{gauge} missing");
        assert_eq!(after.types[gauge], "gauge");
    }
    assert_eq!(after.types[COMMANDS], "counter");
    assert_eq!(after.types[series::COMMAND_SECONDS], "histogram");
}

#[tokio::test]
async fn a_session_moves_the_counters_by_what_it_did_on_sqlite() {
    session(sqlite_memory().await).await;
}

#[tokio::test]
async fn a_session_moves_the_counters_by_what_it_did_on_postgres() {
    on_postgres(session).await;
}

#[tokio::test]
async fn imports_and_doi_lookups_are_counted_by_outcome() {
    let _turn = TURN.lock().await;
    let bot = Arc::new(Bot::new(sqlite_memory().await, settings(SYDNEY)));
    let (address, _stop) = serve(bot, Clock::wall()).await;
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/feed.ics"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_string("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
        )
        .mount(&server)
        .await;
    let before = scrape(&address).await;

    let fetcher =
        HttpFetcher::with_policy(&rounds::http::FetchPolicy::allowing(&["127.0.0.1"])).unwrap();
    assert!(
        fetcher
            .fetch(&format!("{}/feed.ics", server.uri()))
            .await
            .is_ok()
    );
    assert!(
        fetcher
            .fetch(&format!("{}/gone.ics", server.uri()))
            .await
            .is_err()
    );
    assert!(fetcher.fetch("http://10.1.2.3/feed.ics").await.is_err());
    assert!(fetcher.fetch("not a url").await.is_err());

    // Nothing is mounted for DOIs: the stand-in answers 404.
    let lookup = CrossrefLookup::new(&server.uri()).unwrap();
    let doi = rounds::core::doi::find("see 10.1000/xyz123").expect("a DOI");
    assert!(lookup.lookup(&doi).await.is_err());

    let after = scrape(&address).await;
    let moved = |name: &str, outcome: &str| {
        after.value(name, &[("outcome", outcome)]) - before.value(name, &[("outcome", outcome)])
    };
    assert_eq!(moved(series::IMPORTS, "fetched"), 1.0);
    assert_eq!(moved(series::IMPORTS, "failed"), 1.0);
    assert_eq!(moved(series::IMPORTS, "refused"), 2.0);
    assert_eq!(moved(series::DOI_LOOKUPS, "not_found"), 1.0);
    assert_eq!(moved(series::DOI_LOOKUPS, "found"), 0.0);
}

/// Scrapes until `discord`'s connection gauge reads `want`; the gateway's events arrive on
/// serenity's own tasks, so the gauge follows them a moment later.
async fn discord_gauge_reaches(address: &str, want: f64) -> Scrape {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let scrape = scrape(address).await;
        let label = [("platform", rounds::platform::discord::PLATFORM)];
        if scrape.samples.contains_key(&(
            series::PLATFORM_CONNECTED.to_string(),
            label
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )) && scrape.value(series::PLATFORM_CONNECTED, &label) == want
        {
            return scrape;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} never read {want}",
            series::PLATFORM_CONNECTED
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_discord_connection_is_a_gauge_that_reads_1_when_ready_and_0_when_stopped() {
    use rounds::config::{DiscordConfig, DiscordLink, ShardRange};
    use rounds::platform::discord::DiscordBot;
    use support::discord_standin::{FixtureGuild, FixtureUser, StandIn, World};

    let _turn = TURN.lock().await;
    const GUILD: u64 = 1_300_000_000_000_000_100;
    let standin = StandIn::start(World {
        application_id: 1_300_000_000_000_000_001,
        bot: FixtureUser::new(1_300_000_000_000_000_002, "Rounds"),
        guilds: vec![FixtureGuild {
            id: GUILD,
            name: "Medical Society".into(),
            channels: vec![(1_300_000_000_000_000_101, "general".into())],
            roles: vec![],
            members: vec![FixtureUser::new(1_300_000_000_000_000_201, "alice")],
        }],
    })
    .await;
    let bot = Arc::new(Bot::new(sqlite_memory().await, settings(SYDNEY)));
    let (address, _stop_http) = serve(bot.clone(), Clock::wall()).await;
    let runtime = Arc::new(rounds::runtime::Runtime::new(bot));
    let config = DiscordConfig {
        token: "test-token".into(),
        api_base: Some(standin.api_base()),
        shards: ShardRange::ALL,
    };
    let link = DiscordLink {
        society: SOCIETY.into(),
        guild: GUILD,
        ..DiscordLink::default()
    };
    let discord = DiscordBot::connect(&config, vec![link], runtime.clone(), Clock::wall())
        .await
        .unwrap();
    assert!(
        standin.saw_get_gateway(),
        "the gateway address came from elsewhere"
    );
    let adapter = discord.adapter.clone();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let task = spawn_with_drive(
        discord.run(shutdown.clone()),
        runtime,
        adapter,
        Clock::wall(),
        shutdown,
    );
    standin.wait_ready().await;
    let up = discord_gauge_reaches(&address, 1.0).await;
    assert_eq!(up.types[series::PLATFORM_CONNECTED], "gauge");

    stop.send(true).unwrap();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(30), task).await;
    assert!(ended.is_ok(), "the Discord adapter did not stop");
    discord_gauge_reaches(&address, 0.0).await;
}
