//! What `!event import` fetches, and what it says about it: public addresses only (loopback in
//! every spelling, link-local and redirects to them refused unless the operator allows the
//! host), one generic reply whatever went wrong, a total timeout, and feed addresses shown and
//! logged without their secrets. The feed servers here all listen on 127.0.0.1.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use rounds::core::Bot;
use rounds::core::events::Fetcher;
use rounds::core::store::Store;
use rounds::http::{FETCH_FAILED, FetchPolicy, HttpFetcher};

use support::*;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;

const FEED: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:journal-club-1@test\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261126T013000Z\r\nDTEND:20261126T023000Z\r\nSUMMARY:Journal club\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[derive(Clone, Default)]
struct Served {
    hits: Arc<AtomicUsize>,
    secret_hits: Arc<AtomicUsize>,
    redirect_to: Arc<Mutex<String>>,
}

/// A feed server on 127.0.0.1: `/feed.ics` (and any `/private-…/basic.ics`) is a calendar,
/// `/missing` is 404, `/bounce` redirects to whatever `redirect_to` holds, `/secret` counts.
async fn feed_server() -> (String, Served) {
    let served = Served::default();
    async fn feed(State(s): State<Served>) -> impl IntoResponse {
        s.hits.fetch_add(1, Ordering::SeqCst);
        ([(header::CONTENT_TYPE, "text/calendar")], FEED)
    }
    async fn missing(State(s): State<Served>) -> impl IntoResponse {
        s.hits.fetch_add(1, Ordering::SeqCst);
        StatusCode::NOT_FOUND
    }
    async fn bounce(State(s): State<Served>) -> impl IntoResponse {
        s.hits.fetch_add(1, Ordering::SeqCst);
        let to = s.redirect_to.lock().unwrap().clone();
        (StatusCode::FOUND, [(header::LOCATION, to)])
    }
    async fn secret(State(s): State<Served>) -> impl IntoResponse {
        s.secret_hits.fetch_add(1, Ordering::SeqCst);
        ([(header::CONTENT_TYPE, "text/calendar")], FEED)
    }
    let app = Router::new()
        .route("/feed.ics", get(feed))
        .route("/{private}/basic.ics", get(feed))
        .route("/missing", get(missing))
        .route("/bounce", get(bounce))
        .route("/secret", get(secret))
        .with_state(served.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("{port}"), served)
}

fn loopback_allowed() -> HttpFetcher {
    HttpFetcher::with_policy(&FetchPolicy::allowing(&["127.0.0.1"])).unwrap()
}

#[tokio::test]
async fn loopback_in_any_spelling_and_link_local_are_refused_unless_allowed() {
    let (port, served) = feed_server().await;
    let public_only = HttpFetcher::new().unwrap();
    for url in [
        format!("http://127.0.0.1:{port}/feed.ics"),
        format!("http://2130706433:{port}/feed.ics"),
        format!("http://0x7f000001:{port}/feed.ics"),
        format!("http://0177.0.0.1:{port}/feed.ics"),
        format!("http://127.1:{port}/feed.ics"),
        format!("http://[::1]:{port}/feed.ics"),
        format!("http://[::ffff:127.0.0.1]:{port}/feed.ics"),
        format!("http://localhost:{port}/feed.ics"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.0.0.1/feed.ics".to_string(),
        "http://100.64.0.1/feed.ics".to_string(),
        "http://[fd00::1]/feed.ics".to_string(),
        "http://0.0.0.0/feed.ics".to_string(),
    ] {
        assert_eq!(
            public_only.fetch(&url).await,
            Err(FETCH_FAILED.to_string()),
            "{url}"
        );
    }
    assert_eq!(
        served.hits.load(Ordering::SeqCst),
        0,
        "nothing reached the server"
    );

    // The operator's allow-list opens the host, in the spellings that parse to it.
    let allowed = loopback_allowed();
    for url in [
        format!("http://127.0.0.1:{port}/feed.ics"),
        format!("http://2130706433:{port}/feed.ics"),
    ] {
        assert_eq!(allowed.fetch(&url).await.as_deref(), Ok(FEED), "{url}");
    }
    let by_name = HttpFetcher::with_policy(&FetchPolicy::allowing(&["localhost"])).unwrap();
    let url = format!("http://localhost:{port}/feed.ics");
    assert_eq!(by_name.fetch(&url).await.as_deref(), Ok(FEED));
}

#[tokio::test]
async fn a_redirect_to_a_private_address_is_refused() {
    let (port, served) = feed_server().await;
    // The first hop is allowed by name; where it bounces to is not.
    let fetcher = HttpFetcher::with_policy(&FetchPolicy::allowing(&["localhost"])).unwrap();
    for target in [
        format!("http://127.0.0.1:{port}/secret"),
        format!("http://2130706433:{port}/secret"),
        format!("http://[::1]:{port}/secret"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
    ] {
        *served.redirect_to.lock().unwrap() = target.clone();
        let url = format!("http://localhost:{port}/bounce");
        assert_eq!(
            fetcher.fetch(&url).await,
            Err(FETCH_FAILED.to_string()),
            "{target}"
        );
    }
    assert!(
        served.hits.load(Ordering::SeqCst) >= 4,
        "the first hops were fetched"
    );
    assert_eq!(served.secret_hits.load(Ordering::SeqCst), 0);

    // Redirects between allowed hosts still work.
    *served.redirect_to.lock().unwrap() = format!("http://localhost:{port}/secret");
    let url = format!("http://localhost:{port}/bounce");
    assert_eq!(fetcher.fetch(&url).await.as_deref(), Ok(FEED));
}

#[tokio::test]
async fn closed_ports_other_services_and_errors_all_get_the_same_answer() {
    let (port, _served) = feed_server().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    // Something that is not HTTP, as a database port would be: it writes a line and hangs up.
    let other = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_port = other.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut stream, _)) = other.accept().await {
            let _ = stream.write_all(b"E\x00\x00\x00\x08FATAL\n").await;
        }
    });
    let fetcher = loopback_allowed();
    for url in [
        format!("http://127.0.0.1:{closed_port}/feed.ics"),
        format!("http://127.0.0.1:{other_port}/feed.ics"),
        format!("http://127.0.0.1:{port}/missing"),
    ] {
        assert_eq!(
            fetcher.fetch(&url).await,
            Err(FETCH_FAILED.to_string()),
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_drip_fed_feed_is_given_up_after_the_total_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt;
                let mut request = [0u8; 1024];
                let _ = stream.read(&mut request).await;
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\n")
                    .await;
                // One byte now and then, for ever: each read succeeds, the whole never ends.
                loop {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    if stream.write_all(b" ").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let fetcher = HttpFetcher::with_policy(&FetchPolicy {
        allowed_hosts: vec!["127.0.0.1".to_string()],
        total_timeout: Duration::from_secs(1),
    })
    .unwrap();
    let url = format!("http://127.0.0.1:{port}/feed.ics");
    let answer = tokio::time::timeout(Duration::from_secs(60), fetcher.fetch(&url))
        .await
        .expect("the fetch gives up by itself");
    assert_eq!(answer, Err(FETCH_FAILED.to_string()));
}

/// Log lines written while the tests run, to check what they leave out.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

/// One subscriber for the whole test binary: a per-test (thread-local) one misses events
/// whose callsite another test's thread registered first.
fn captured_log() -> Captured {
    static LOG: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let log = Captured::default();
        let writer = log.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .init();
        log
    })
    .clone()
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn secrets_story(store: Arc<dyn Store>) {
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let (port, served) = feed_server().await;
    let log = captured_log();

    let bot =
        Arc::new(Bot::new(store, settings(SYDNEY)).with_fetcher(Arc::new(loopback_allowed())));
    let h = Harness::with_bot(bot);
    let secret_url = format!(
        "http://rota:hunter2@127.0.0.1:{port}/private-0123456789abcdef/basic.ics?token=s3cr3t&key=k3y"
    );
    let shown = format!("http://***@127.0.0.1:{port}/private-***/basic.ics?token=***&key=***");
    let mut said = h
        .say(chair.says(&format!("!event import {secret_url}")), now)
        .await;
    said.extend(h.tick(now).await);
    said.extend(h.say(chair.says("!event import"), now).await);
    assert_eq!(
        served.hits.load(Ordering::SeqCst),
        1,
        "the whole address was fetched"
    );
    assert!(said.iter().any(|t| t.contains(&shown)), "{said:?}");
    assert!(
        said.iter().any(|t| t.starts_with("Imported 1 event from")),
        "{said:?}"
    );

    // Another feed that fails: its failure names it redacted, and says nothing of why.
    let failing = format!("http://127.0.0.1:{port}/missing?token=0ther");
    said.extend(
        h.say(chair.says(&format!("!event import {failing}")), now)
            .await,
    );
    let failed = h.tick(now).await;
    assert!(
        failed.iter().any(|t| t.contains(&format!(
            "Could not import http://127.0.0.1:{port}/missing?token=***: {FETCH_FAILED}"
        ))),
        "{failed:?}"
    );
    assert!(!failed.iter().any(|t| t.contains("404")), "{failed:?}");
    said.extend(failed);

    // Stopping by the address as listed finds the feed it stands for.
    let stopped = h
        .say(chair.says(&format!("!event import stop {shown}")), now)
        .await;
    assert!(
        stopped[0].starts_with(&format!("Stopped importing {shown}")),
        "{stopped:?}"
    );
    said.extend(stopped);

    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("calendar fetch failed"), "{logged}");
    assert!(logged.contains("404"), "the detail is in the log: {logged}");
    for secret in ["hunter2", "0123456789abcdef", "s3cr3t", "k3y", "0ther"] {
        assert!(
            !said.iter().any(|t| t.contains(secret)),
            "{secret} in {said:?}"
        );
        assert!(!logged.contains(secret), "{secret} logged: {logged}");
    }
}

#[tokio::test]
async fn secret_feed_addresses_are_shown_and_logged_redacted_on_sqlite() {
    secrets_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn secret_feed_addresses_are_shown_and_logged_redacted_on_postgres() {
    on_postgres(secrets_story).await;
}

async fn refused_story(store: Arc<dyn Store>) {
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let (port, served) = feed_server().await;
    // The default fetcher: what `rounds run` builds when no hosts are allowed.
    let bot = Arc::new(
        Bot::new(store, settings(SYDNEY)).with_fetcher(Arc::new(HttpFetcher::new().unwrap())),
    );
    let h = Harness::with_bot(bot);
    h.say(
        chair.says(&format!("!event import http://0x7f000001:{port}/feed.ics")),
        now,
    )
    .await;
    let told = h.tick(now).await;
    assert!(
        told.iter()
            .any(|t| t.contains(FETCH_FAILED) && t.contains("I'll try again tomorrow")),
        "{told:?}"
    );
    assert_eq!(served.hits.load(Ordering::SeqCst), 0);
    assert!(
        h.store
            .upcoming_events(SOCIETY, now)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_import_of_loopback_fetches_nothing_on_sqlite() {
    refused_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn an_import_of_loopback_fetches_nothing_on_postgres() {
    on_postgres(refused_story).await;
}

#[test]
fn the_allow_list_comes_from_the_file_or_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rounds.toml");
    std::fs::write(
        &path,
        "[http]\nallowed_import_hosts = [\"intranet.hospital.example\", \"10.1.2.3\"]\n",
    )
    .unwrap();
    let none = std::collections::HashMap::new();
    let config = rounds::config::Config::load(Some(&path), &none).unwrap();
    assert_eq!(
        config.import_fetch.allowed_hosts,
        ["intranet.hospital.example", "10.1.2.3"]
    );
    let env = std::collections::HashMap::from([(
        "ROUNDS_HTTP_ALLOWED_IMPORT_HOSTS".to_string(),
        "cal.example, 192.168.1.5".to_string(),
    )]);
    let config = rounds::config::Config::load(Some(&path), &env).unwrap();
    assert_eq!(
        config.import_fetch.allowed_hosts,
        ["cal.example", "192.168.1.5"]
    );
    let config = rounds::config::Config::load(None, &none).unwrap();
    assert!(config.import_fetch.allowed_hosts.is_empty());
}
