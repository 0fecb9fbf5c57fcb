//! The README's shell transcripts are replayed against `rounds shell`, so the docs cannot drift
//! from what Rounds really says.
//!
//! A transcript is a fenced block whose first line is `$ cargo run --release -- shell …`. In it,
//! lines starting with `[` are what the bot prints (stdout), lines starting with `# ` are the
//! shell's notes (stderr), and every other line is typed. Each stream must match exactly, in order.
//! A block that looks like a shell session (it sets the simulated clock) but lacks the `$` line
//! fails too: every example a reader may copy is checked.

mod support;

use std::io::Write;
use std::process::Stdio;

const COMMAND: &str = "$ cargo run --release -- shell";

struct Transcript {
    /// Where the block starts in the README, for the failure message.
    line: usize,
    args: Vec<String>,
    typed: Vec<String>,
    said: Vec<String>,
    notes: Vec<String>,
}

/// Every fenced block of the README, with the line its first content line is on.
fn fenced_blocks(readme: &str) -> Vec<(usize, Vec<String>)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, Vec<String>)> = None;
    for (n, line) in readme.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            match open.take() {
                Some(block) => blocks.push(block),
                None => open = Some((n + 2, Vec::new())),
            }
        } else if let Some((_, lines)) = open.as_mut() {
            lines.push(line.to_string());
        }
    }
    assert!(open.is_none(), "README.md has an unclosed code block");
    blocks
}

fn transcripts(readme: &str) -> Vec<Transcript> {
    let mut found = Vec::new();
    for (line, lines) in fenced_blocks(readme) {
        let Some(first) = lines.first() else { continue };
        let Some(args) = first.strip_prefix(COMMAND) else {
            assert!(
                !lines.iter().any(|l| l.starts_with("/clock ")),
                "README.md line {line}: this block looks like a shell session; start it with \
                 `{COMMAND} --db :memory:` so it is replayed and checked"
            );
            continue;
        };
        let args: Vec<String> = args.split_whitespace().map(str::to_string).collect();
        assert!(
            args.windows(2)
                .any(|w| w[0] == "--db" && w[1] == ":memory:"),
            "README.md line {line}: a transcript must run with `--db :memory:` so its ids repeat"
        );
        let mut transcript = Transcript {
            line,
            args,
            typed: Vec::new(),
            said: Vec::new(),
            notes: Vec::new(),
        };
        for text in &lines[1..] {
            if text.starts_with('[') {
                transcript.said.push(text.clone());
            } else if text.starts_with("# ") {
                transcript.notes.push(text.clone());
            } else {
                transcript.typed.push(text.clone());
            }
        }
        found.push(transcript);
    }
    found
}

fn replay(transcript: &Transcript) -> (Vec<String>, Vec<String>) {
    let data = tempfile::tempdir().expect("data directory");
    let mut command = support::rounds_command();
    command
        .arg("shell")
        .args(&transcript.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("ROUNDS_DATA_DIR", data.path());
    let mut child = command.spawn().expect("start rounds shell");
    let mut input = transcript.typed.join("\n");
    input.push('\n');
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("rounds output");
    assert!(
        output.status.success(),
        "README.md line {}: the shell failed: {}",
        transcript.line,
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let notes = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.starts_with("# "))
        .map(str::to_string)
        .collect();
    (said, notes)
}

/// The first line where two streams part, shown with both versions.
fn difference(what: &str, expected: &[String], actual: &[String]) -> Option<String> {
    let len = expected.len().max(actual.len());
    (0..len).find_map(|i| {
        let (e, a) = (expected.get(i), actual.get(i));
        (e != a).then(|| {
            format!(
                "{what} differ at line {} of the stream:\n  README: {}\n  shell:  {}\nwhole shell {what}:\n{}",
                i + 1,
                e.map_or("(nothing)", String::as_str),
                a.map_or("(nothing)", String::as_str),
                actual.join("\n")
            )
        })
    })
}

#[test]
fn every_shell_transcript_in_the_readme_replays_exactly() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read README.md");
    let transcripts = transcripts(&readme);
    assert!(
        transcripts.len() >= 4,
        "expected the README's four shell walkthroughs to be transcripts, found {}",
        transcripts.len()
    );
    let mut failures = Vec::new();
    for transcript in &transcripts {
        let (said, notes) = replay(transcript);
        for problem in [
            difference("bot lines", &transcript.said, &said),
            difference("shell notes", &transcript.notes, &notes),
        ]
        .into_iter()
        .flatten()
        {
            failures.push(format!("README.md line {}: {problem}", transcript.line));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_transcript_that_drifts_is_caught() {
    // The checker itself: a wrong bot line in a copy of a real transcript must be reported.
    let readme = "```text\n$ cargo run --release -- shell --db :memory:\n/clock 2026-03-30T07:00:00+11:00\n!remind me in 2 minutes to call the registrar\n[2026-03-30 07:00] #general rounds: Got it.\n```\n";
    let transcripts = transcripts(readme);
    assert_eq!(transcripts.len(), 1);
    let (said, _) = replay(&transcripts[0]);
    let problem = difference("bot lines", &transcripts[0].said, &said).expect("a difference");
    assert!(
        problem.contains("README: [2026-03-30 07:00] #general rounds: Got it."),
        "{problem}"
    );
    assert!(problem.contains("Got it (R1)"), "{problem}");
}
