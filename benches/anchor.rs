//! Issue 19's side-by-side: `!help` round trips to Rounds and to the anchor bot
//! (matrix-reminder-bot 0.4.0, Python, matrix-nio) through one Synapse in one run, and Rounds'
//! own time per command read from its debug log.
//!
//! Run under the Synapse harness, on a release build of `rounds` if there is one:
//!   python3 scripts/synapse/harness.py run -- cargo bench --bench anchor
//! The harness's `anchor-install` puts the anchor into its cached venv the first time.
//! `ROUNDS_BENCH_ANCHOR_ROUNDS` (default 100) and `ROUNDS_BENCH_ANCHOR_WARMUP` (default 10) set
//! the sizes; `ROUNDS_BENCH_BIN` measures another build of `rounds`.
//! Under `cargo test` (no `--bench` argument) it does nothing.
//!
//! Each round asks both bots once, in alternating order, so whatever else the machine does
//! falls on both alike. Rounds' own time pairs, per command, the `/sync` response that brought
//! it (matrix-sdk's `Got response`), the moment it reached the handler (`timeline event reached
//! the handler`, event_id) and the outbox's `send started` for its reply
//! (key `in:matrix:<event id>:0`), all from Rounds' JSON log with microsecond timestamps.

#[path = "../tests/support/matrix_member.rs"]
mod matrix_member;
#[path = "support/measure.rs"]
mod measure;

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use matrix_member::{Member, Synapse};
use matrix_sdk::Room;
use matrix_sdk::ruma::OwnedEventId;
use measure::{Bot, env_number, percentile, rounds_binary, rss_kib};

/// Debug only where the three lines come from; the rest stays at warn, so the log costs the
/// measured path a few lines per command.
const ROUNDS_LOG: &str = "warn,rounds::platform::matrix::inbound=debug,rounds::outbox=debug,\
                          matrix_sdk::http_client=debug,matrix_sdk_crypto::backups=error";
const ANCHOR_HELP: &str = "Hello, I am a reminder bot!";

fn main() {
    measure::run(bench());
}

async fn bench() {
    let synapse = Synapse::from_env();
    let rounds = env_number("ROUNDS_BENCH_ANCHOR_ROUNDS", 100) as usize;
    let warmup = env_number("ROUNDS_BENCH_ANCHOR_WARMUP", 10) as usize;
    let anchor_launcher = anchor_install();
    let (rounds_user, rounds_pass) = synapse.register("anchorrounds");
    let (anchor_user, anchor_pass) = synapse.register("anchorremind");
    let (member_user, member_pass) = synapse.register("anchormember");
    let data = tempfile::tempdir().unwrap();

    let binary = rounds_binary(env!("CARGO_BIN_EXE_rounds"));
    let mut child = Command::new(&binary)
        .arg("run")
        .env("ROUNDS_MATRIX_HOMESERVER", &synapse.url)
        .env("ROUNDS_MATRIX_USER", &rounds_user)
        .env("ROUNDS_MATRIX_PASSWORD", &rounds_pass)
        .env("ROUNDS_DATA_DIR", data.path().join("rounds"))
        .env("RUST_LOG", ROUNDS_LOG)
        .env("ROUNDS_LOG_FORMAT", "json")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rounds run");
    let log = RoundsLog::follow(child.stderr.take().unwrap());
    let rounds_bot = Bot(child);

    let anchor_dir = data.path().join("anchor");
    std::fs::create_dir_all(&anchor_dir).unwrap();
    let config = anchor_dir.join("config.yaml");
    std::fs::write(
        &config,
        anchor_config(&anchor_dir, &synapse.url, &anchor_user, &anchor_pass),
    )
    .unwrap();
    let anchor_bot = Bot(Command::new(&anchor_launcher)
        .arg(&config)
        .current_dir(&anchor_dir)
        .stdin(Stdio::null())
        // Its console log (warnings and up) goes where ours does, not into the report.
        .stdout(Stdio::from(std::io::stderr()))
        .spawn()
        .expect("start matrix-reminder-bot"));

    let mut member = Member::login(&synapse, &member_user, &member_pass).await;
    let rounds_room = member.room_with(&rounds_user, false).await;
    let anchor_room = member.room_with(&anchor_user, false).await;
    let bots = [
        Asked {
            name: "Rounds",
            user: &rounds_user,
            room: &rounds_room,
            replies_in_thread: true,
        },
        Asked {
            name: "anchor",
            user: &anchor_user,
            room: &anchor_room,
            replies_in_thread: false,
        },
    ];

    for _ in 0..warmup {
        for bot in &bots {
            bot.ask(&mut member).await;
        }
    }
    let mut times: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    let mut rounds_asked = Vec::with_capacity(rounds);
    for n in 0..rounds {
        // Who goes first alternates, so neither always follows the other's reply.
        let order = if n % 2 == 0 { [0, 1] } else { [1, 0] };
        for which in order {
            let (took, asked) = bots[which].ask(&mut member).await;
            times[which].push(took);
            if which == 0 {
                rounds_asked.push(asked);
            }
        }
    }

    let binary_kind = if binary.contains("/debug/") {
        "debug build"
    } else {
        "release build"
    };
    println!(
        "!help round trip through one Synapse, plain rooms, {rounds} interleaved rounds after {warmup} warm-up ({binary}, {binary_kind}):"
    );
    let mut summary = Vec::new();
    for (bot, took) in bots.iter().zip(&mut times) {
        took.sort();
        let (p50, p95) = (percentile(took, 50.0), percentile(took, 95.0));
        println!(
            "  {:<7} p50 {:6.1} ms  p95 {:6.1} ms  min {:6.1} ms  max {:6.1} ms",
            bot.name,
            ms(p50),
            ms(p95),
            ms(took[0]),
            ms(took[took.len() - 1])
        );
        summary.push((p50, p95));
    }
    println!(
        "  ratio Rounds/anchor: p50 {:.2}, p95 {:.2}",
        ms(summary[0].0) / ms(summary[1].0),
        ms(summary[0].1) / ms(summary[1].1)
    );
    println!(
        "  RSS after the run: Rounds {} KiB, anchor {} KiB",
        rss_kib(rounds_bot.0.id()).unwrap_or(0),
        rss_kib(anchor_bot.0.id()).unwrap_or(0)
    );

    // The reply to the last command was seen, so its log line was written; the reader thread
    // may still be a line behind.
    tokio::time::sleep(Duration::from_millis(500)).await;
    log.report(&rounds_asked);
}

/// One bot to ask `!help`, and how to recognise its answer.
struct Asked<'a> {
    name: &'static str,
    user: &'a str,
    room: &'a Room,
    /// Rounds answers as a reply to the command; the anchor posts a notice in the room.
    replies_in_thread: bool,
}

impl Asked<'_> {
    async fn ask(&self, member: &mut Member) -> (Duration, OwnedEventId) {
        // Nothing left over from an earlier round may pass for this round's answer.
        while member.seen.try_recv().is_ok() {}
        let started = Instant::now();
        let asked = member.say(self.room, "!help").await;
        let room = self.room.room_id();
        if self.replies_in_thread {
            member
                .expect(self.user, |s| s.reply_to.as_ref() == Some(&asked))
                .await;
        } else {
            member
                .expect(self.user, |s| {
                    s.room == room && s.body.starts_with(ANCHOR_HELP)
                })
                .await;
        }
        (started.elapsed(), asked)
    }
}

/// The harness installs matrix-reminder-bot into its venv (once) and names its launcher.
fn anchor_install() -> String {
    let out = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/synapse/harness.py"
        ))
        .arg("anchor-install")
        .stderr(Stdio::inherit())
        .output()
        .expect("run the harness");
    assert!(out.status.success(), "harness.py anchor-install failed");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The anchor's config.yaml, after its sample config: the default `!` prefix, SQLite, no
/// allow- or blocklist, console logging of warnings only.
fn anchor_config(dir: &Path, homeserver: &str, user: &str, password: &str) -> String {
    let json = |s: &str| serde_json::Value::from(s).to_string();
    format!(
        "command_prefix: \"!\"\n\
         matrix:\n  user_id: {user}\n  user_password: {password}\n  homeserver_url: {homeserver}\n  \
         device_id: ANCHORBENCH\n  device_name: anchor-bench\n\
         storage:\n  database: {db}\n  store_path: {store}\n\
         reminders:\n  timezone: Etc/UTC\n\
         allowlist:\n  enabled: false\n  regexes: []\n\
         blocklist:\n  enabled: false\n  regexes: []\n\
         logging:\n  level: WARNING\n  file_logging:\n    enabled: false\n  console_logging:\n    enabled: true\n",
        user = json(user),
        password = json(password),
        homeserver = json(homeserver),
        db = json(&format!("sqlite://{}", dir.join("bot.db").display())),
        store = json(&dir.join("store").display().to_string()),
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The lines of Rounds' JSON log the own-time figure needs, collected as they are written.
#[derive(Default)]
struct Lines {
    /// matrix-sdk's `Got response` for each `/sync`, in order.
    syncs: Vec<DateTime<Utc>>,
    /// `timeline event reached the handler`, first per event id.
    handled: HashMap<String, DateTime<Utc>>,
    /// The outbox's `send started`, first per key.
    send_started: HashMap<String, DateTime<Utc>>,
}

struct RoundsLog(Arc<Mutex<Lines>>);

impl RoundsLog {
    /// Reads the child's stderr on a thread of its own (a full pipe would stall Rounds),
    /// keeping what it needs and passing every other line on to ours.
    fn follow(stderr: std::process::ChildStderr) -> RoundsLog {
        let lines = Arc::new(Mutex::new(Lines::default()));
        let kept = lines.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if !kept.lock().unwrap().take(&line) {
                    eprintln!("rounds: {line}");
                }
            }
        });
        RoundsLog(lines)
    }

    fn report(&self, asked: &[OwnedEventId]) {
        let lines = self.0.lock().unwrap();
        let mut from_sync = Vec::new();
        let mut sdk = Vec::new();
        let mut from_handler = Vec::new();
        let mut reached = 0;
        for id in asked {
            let Some(&handled) = lines.handled.get(id.as_str()) else {
                continue;
            };
            reached += 1;
            // The sync that brought it: the last response read before its handler ran.
            let at = lines.syncs.partition_point(|t| *t <= handled);
            let synced = at.checked_sub(1).map(|at| lines.syncs[at]);
            if let Some(synced) = synced {
                sdk.push(micros(handled - synced));
            }
            let Some(&started) = lines.send_started.get(&format!("in:matrix:{id}:0")) else {
                continue;
            };
            from_handler.push(micros(started - handled));
            if let Some(synced) = synced {
                from_sync.push(micros(started - synced));
            }
        }
        println!(
            "Rounds' own time per command, from its log ({} of {} commands reached the handler, {} with a `send started`):",
            reached,
            asked.len(),
            from_handler.len(),
        );
        if lines.send_started.is_empty() {
            println!("  no `send started` line at all: this build's outbox does not write one");
        }
        for (what, values) in [
            ("/sync response read -> send started", &mut from_sync),
            ("  of which /sync read -> handler", &mut sdk),
            ("  of which handler -> send started", &mut from_handler),
        ] {
            if values.is_empty() {
                println!("  {what}: no pairs");
                continue;
            }
            values.sort();
            println!(
                "  {what}: p50 {:.2} ms, p95 {:.2} ms",
                ms(percentile(values, 50.0)),
                ms(percentile(values, 95.0))
            );
        }
    }
}

fn micros(d: chrono::TimeDelta) -> Duration {
    d.to_std().unwrap_or_default()
}

impl Lines {
    /// Keeps `line` if it is one of the three; says whether it was.
    fn take(&mut self, line: &str) -> bool {
        let Ok(serde_json::Value::Object(event)) = serde_json::from_str(line) else {
            return false;
        };
        let text = |key: &str| event.get(key).and_then(|v| v.as_str());
        let Some(at) = text("timestamp")
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
        else {
            return false;
        };
        // A field logged with `?` arrives with Debug's quotes.
        let field = |key: &str| text(key).map(|v| v.trim_matches('"').to_string());
        match text("message") {
            Some("timeline event reached the handler") => {
                if let Some(id) = field("event_id") {
                    self.handled.entry(id).or_insert(at);
                }
                true
            }
            Some("send started") => {
                if let Some(key) = field("key") {
                    self.send_started.entry(key).or_insert(at);
                }
                true
            }
            Some("Got response") => {
                let spans = event.get("spans").and_then(|s| s.as_array());
                let is_sync = spans.into_iter().flatten().any(|span| {
                    span.get("uri")
                        .and_then(|u| u.as_str())
                        .is_some_and(|u| u.trim_matches('"').ends_with("/sync"))
                });
                if is_sync {
                    self.syncs.push(at);
                }
                true
            }
            // The other debug lines of those targets are not needed.
            _ => text("level") == Some("DEBUG"),
        }
    }
}
