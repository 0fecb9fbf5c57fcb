//! The feed and health server under abuse: a half-sent request is closed after the header
//! timeout, connections over the cap wait until a held one ends (and /healthz answers then),
//! and one address asking for feeds too often is answered 429.

mod support;

use std::sync::Arc;
use std::time::Duration;

use rounds::clock::Clock;
use rounds::core::Bot;
use rounds::http::ServeLimits;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;
/// Long enough for any slow machine; the tests never assert that something was quick.
const GENEROUS: Duration = Duration::from_secs(60);

async fn server(limits: ServeLimits) -> (String, tokio::sync::watch::Sender<bool>) {
    let bot = Arc::new(Bot::new(sqlite_memory().await, settings(SYDNEY)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(rounds::http::serve_with(
        listener,
        bot,
        Clock::wall(),
        limits,
        shutdown,
    ));
    (address, stop)
}

/// Sends `GET path` on a fresh connection and returns all the server wrote.
async fn get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    request_on(&mut stream, path).await
}

async fn request_on(stream: &mut TcpStream, path: &str) -> String {
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(GENEROUS, stream.read_to_end(&mut answer))
        .await
        .expect("an answer")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// Reads until the server closes the connection; what it sent before closing.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let closed = tokio::time::timeout(GENEROUS, async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server kept the connection open");
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_header_timeout() {
    let (address, _stop) = server(ServeLimits {
        header_timeout: Duration::from_millis(300),
        ..ServeLimits::default()
    })
    .await;
    let mut held = TcpStream::connect(&address).await.unwrap();
    held.write_all(b"GET /heal").await.unwrap();
    let sent = until_closed(&mut held).await;
    assert!(!sent.contains("200"), "{sent:?}");

    // A kept-alive connection that goes quiet after its request is closed the same way.
    let mut idle = TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let sent = until_closed(&mut idle).await;
    assert!(sent.starts_with("HTTP/1.1 200"), "{sent:?}");
}

#[tokio::test]
async fn connections_over_the_cap_wait_and_healthz_answers_once_held_ones_are_dropped() {
    let (address, _stop) = server(ServeLimits {
        header_timeout: Duration::from_secs(600),
        max_connections: 2,
        ..ServeLimits::default()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream.write_all(b"GET /heal").await.unwrap();
        held.push(stream);
    }
    let mut third = TcpStream::connect(&address).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    // Not served while both slots are held (this can only wrongly pass on a slow machine,
    // never wrongly fail).
    let mut byte = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(500), third.read(&mut byte)).await;
    assert!(early.is_err(), "connection 3 was served over the cap");
    drop(held);
    let mut answer = byte[..0].to_vec();
    tokio::time::timeout(GENEROUS, third.read_to_end(&mut answer))
        .await
        .expect("served once a slot is free")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn healthz_answers_once_held_connections_time_out() {
    let (address, _stop) = server(ServeLimits {
        header_timeout: Duration::from_millis(300),
        max_connections: 1,
        ..ServeLimits::default()
    })
    .await;
    let mut held = TcpStream::connect(&address).await.unwrap();
    held.write_all(b"GET /heal").await.unwrap();
    let answer = get(&address, "/healthz").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(held);
}

#[tokio::test]
async fn feed_requests_past_the_limit_get_429_and_healthz_does_not_count() {
    let (address, _stop) = server(ServeLimits {
        feed_requests_per_minute: 3,
        ..ServeLimits::default()
    })
    .await;
    let feed = format!("/calendar/{SOCIETY}/0123.ics");
    for _ in 0..3 {
        let answer = get(&address, &feed).await;
        assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    }
    let answer = get(&address, &feed).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 60"),
        "{answer}"
    );
    for _ in 0..5 {
        let answer = get(&address, "/healthz").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
}
