//! Runs the identifier guard over the example lists in tests/data/identifiers.

use rounds::core::identifiers::{Identifier, check, guard};

fn lines(name: &str) -> Vec<String> {
    let path = format!(
        "{}/tests/data/identifiers/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(unescape)
        .collect()
}

/// Invisible characters are written `\u{200B}` in the lists, so a reader can see them.
fn unescape(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        let end = after
            .find('}')
            .unwrap_or_else(|| panic!("unclosed escape in {line:?}"));
        let code = u32::from_str_radix(&after[..end], 16)
            .ok()
            .and_then(char::from_u32)
            .unwrap_or_else(|| panic!("bad escape in {line:?}"));
        out.push(code);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn allowed_texts_pass() {
    let allowed = lines("allowed.txt");
    assert!(
        allowed.len() >= 25,
        "only {} allowed examples",
        allowed.len()
    );
    let failures: Vec<String> = allowed
        .iter()
        .filter_map(|line| check(line).map(|id| format!("  {line:?} was stopped: {id}")))
        .collect();
    assert!(
        failures.is_empty(),
        "allowed texts were stopped:\n{}",
        failures.join("\n")
    );
}

#[test]
fn stopped_texts_are_stopped_for_the_named_rule() {
    let stopped = lines("stopped.txt");
    assert!(
        stopped.len() >= 25,
        "only {} stopped examples",
        stopped.len()
    );
    let mut failures = Vec::new();
    for line in &stopped {
        let (rule, text) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("no tab in {line:?}"));
        let want = match rule {
            "dob" => Identifier::DateOfBirth,
            "record" => Identifier::RecordNumber,
            "medicare" => Identifier::Medicare,
            "ihi" => Identifier::Ihi,
            "nhs" => Identifier::Nhs,
            "ssn" => Identifier::Ssn,
            other => panic!("unknown rule {other:?} in {line:?}"),
        };
        let got = check(text);
        if got.as_ref() != Some(&want) {
            failures.push(format!("  {text:?}: want {want:?}, got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "stopped texts were not stopped as expected:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_stopped_examples() {
    let stopped = lines("stopped.txt");
    for rule in ["dob", "record", "medicare", "ihi", "nhs", "ssn"] {
        let n = stopped
            .iter()
            .filter(|l| l.split_once('\t').is_some_and(|(r, _)| r == rule))
            .count();
        assert!(n >= 3, "rule {rule} has only {n} examples");
    }
}

#[test]
fn the_reply_says_what_to_change() {
    let Err(refusal) = guard("Thanks for looking after NHS 943 476 5919", "shout-out") else {
        panic!("an NHS number was let through");
    };
    let reply = refusal.to_string();
    assert!(
        reply.contains("looks like an NHS number; remove it, or write it without the number"),
        "{reply}"
    );
    let Err(refusal) = guard("Mrs Jones DOB 3/4/1951", "shout-out") else {
        panic!("a date of birth was let through");
    };
    assert!(
        refusal
            .to_string()
            .contains("date of birth; remove the date"),
        "{refusal}"
    );
}

#[test]
fn escapes_in_the_lists_are_read_as_characters() {
    assert_eq!(unescape("D\\u{200B}OB"), "D\u{200B}OB");
}
