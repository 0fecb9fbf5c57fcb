//! The log lines an operator reads, from the `rounds` binary itself: the shell driven through a
//! pipe with `RUST_LOG=info` gives one line per command (platform, society, kind, outcome,
//! latency), per delivery and per fired job, never a message's text; `ROUNDS_LOG_FORMAT=json`
//! gives one JSON object per line; stderr is a pipe here, so no colour codes; and an unknown
//! format is refused before anything runs.

mod support;

use std::io::Write;
use std::process::{Output, Stdio};

/// Typed lines whose words must never reach a log: a reminder's text and ordinary chat.
const SECRET_WORDS: [&str; 2] = ["call the registrar", "patient in bed four"];

const SESSION: &str = "/clock 2026-11-23T09:00:00+11:00\n\
    !remind me in 2 minutes to call the registrar\n\
    help\n\
    !remind me\n\
    the patient in bed four is improving\n\
    /advance 3m\n";

fn rounds(envs: &[(&str, &str)], stdin: &str) -> Output {
    let mut command = support::rounds_command();
    command
        .args(["shell", "--db", ":memory:"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // The tests decide the environment: nothing from the developer's shell leaks in.
        .env_remove("RUST_LOG");
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("start rounds");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("rounds output")
}

/// Log lines only: the shell's own notes on stderr start with `# `.
fn log_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| !line.starts_with("# "))
        .map(str::to_string)
        .collect()
}

/// The value of `field=` in a text log line, without its quotes.
fn text_field<'a>(line: &'a str, field: &str) -> Option<&'a str> {
    let start = line.find(&format!(" {field}="))? + field.len() + 2;
    let rest = &line[start..];
    if let Some(quoted) = rest.strip_prefix('"') {
        quoted.split('"').next()
    } else {
        rest.split(' ').next()
    }
}

#[test]
fn text_logs_have_one_line_per_command_delivery_and_job_and_no_message_text() {
    let output = rounds(&[("RUST_LOG", "info")], SESSION);
    assert!(output.status.success(), "{output:?}");
    assert!(
        !output.stderr.contains(&0x1b),
        "colour codes on a pipe:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = log_lines(&output);
    let all = lines.join("\n");
    for secret in SECRET_WORDS {
        assert!(!all.contains(secret), "{secret:?} logged:\n{all}");
    }

    let commands: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("command answered"))
        .collect();
    let kinds: Vec<(&str, &str)> = commands
        .iter()
        .map(|l| {
            assert!(l.contains(" INFO "), "{l}");
            assert_eq!(text_field(l, "platform"), Some("shell"), "{l}");
            assert!(
                text_field(l, "society").is_some_and(|s| !s.is_empty()),
                "{l}"
            );
            let latency = text_field(l, "latency_ms").expect("latency_ms");
            latency.parse::<u64>().expect("latency in whole ms");
            (
                text_field(l, "kind").unwrap(),
                text_field(l, "outcome").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("remind", "done"),
            ("help", "done"),
            ("remind", "refused"),
            ("text", "done"),
        ],
        "{all}"
    );

    let deliveries: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains(" delivery ") || l.ends_with(" delivery"))
        .collect();
    // Three replies (the reminder's also sent privately, its words kept out of #general) and
    // the reminder itself; chat gets no reply.
    assert_eq!(deliveries.len(), 5, "{all}");
    for line in &deliveries {
        assert_eq!(text_field(line, "platform"), Some("shell"), "{line}");
        assert_eq!(text_field(line, "outcome"), Some("sent"), "{line}");
        assert_eq!(text_field(line, "attempt"), Some("1"), "{line}");
        assert!(
            text_field(line, "key").is_some_and(|k| k.starts_with("in:") || k.starts_with("job:")),
            "{line}"
        );
    }

    let fired: Vec<&String> = lines.iter().filter(|l| l.contains("job fired")).collect();
    assert_eq!(fired.len(), 1, "{all}");
    assert_eq!(text_field(fired[0], "kind"), Some("reminder"), "{all}");
    assert!(text_field(fired[0], "id").is_some(), "{all}");
    text_field(fired[0], "lateness_ms")
        .expect("lateness")
        .parse::<i64>()
        .expect("lateness in whole ms");
}

#[test]
fn json_logs_are_one_object_per_line_with_the_same_fields() {
    let output = rounds(
        &[("RUST_LOG", "info"), ("ROUNDS_LOG_FORMAT", "json")],
        SESSION,
    );
    assert!(output.status.success(), "{output:?}");
    let lines = log_lines(&output);
    assert!(!lines.is_empty());
    let events: Vec<serde_json::Value> = lines
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let all = lines.join("\n");
    for secret in SECRET_WORDS {
        assert!(!all.contains(secret), "{secret:?} logged:\n{all}");
    }
    let commands: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["message"] == "command answered")
        .collect();
    assert_eq!(commands.len(), 4, "{all}");
    for event in &commands {
        assert_eq!(event["level"], "INFO");
        assert_eq!(event["platform"], "shell");
        assert!(event["society"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(event["kind"].is_string());
        assert!(event["outcome"].is_string());
        assert!(event["latency_ms"].is_u64(), "{event}");
    }
    assert_eq!(commands[0]["kind"], "remind");
    assert_eq!(commands[0]["outcome"], "done");
    let sent = events
        .iter()
        .filter(|e| e["message"] == "delivery" && e["outcome"] == "sent")
        .count();
    assert_eq!(sent, 5, "{all}");
    let fired: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["message"] == "job fired")
        .collect();
    assert_eq!(fired.len(), 1, "{all}");
    assert_eq!(fired[0]["kind"], "reminder");
    assert!(fired[0]["lateness_ms"].is_i64() || fired[0]["lateness_ms"].is_u64());
}

#[test]
fn the_shell_stays_quiet_without_rust_log() {
    let output = rounds(&[], SESSION);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(log_lines(&output), Vec::<String>::new());
}

#[test]
fn an_unknown_log_format_is_refused_at_start() {
    let output = rounds(&[("ROUNDS_LOG_FORMAT", "xml")], SESSION);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("ROUNDS_LOG_FORMAT must be `text` or `json`, not `xml`"),
        "{stderr}"
    );
}
