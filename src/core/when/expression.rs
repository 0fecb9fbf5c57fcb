//! Whole time expressions: which kind a run of words is (cron, repeating, relative, absolute), and
//! finding the time at the start of a message.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::absolute::{parse_absolute, parse_in};
use super::cron::{could_be_cron_field, cron_schedules, looks_like_cron};
use super::error::{SPECIFIC, WhenError, clip};
use super::recurrence::{Rule, Schedule, parse_recurrence};
use super::tokens::{Token, tokenize};
use super::zone::check_horizon;

/// No real time expression is this long; the cap keeps `split_when` cheap on long messages.
const MAX_TOKENS: usize = 48;

/// Parse a whole time expression relative to `now`, in the member's zone `tz`.
pub fn parse(text: &str, now: DateTime<Utc>, tz: Tz) -> Result<Schedule, WhenError> {
    let tokens = tokenize(text);
    if tokens.len() > MAX_TOKENS {
        return Err(WhenError::Unrecognised(clip(text)));
    }
    let words: Vec<&str> = tokens.iter().map(|t| t.word.as_str()).collect();
    parse_words(&words, now, tz, true).map_err(|e| respell(e, text, &tokens))
}

/// Ambiguous words' readings in the member's own text (their case, their words after the
/// time), so each reading can be sent back as it stands.
fn respell(error: WhenError, text: &str, tokens: &[Token]) -> WhenError {
    match error {
        WhenError::Ambiguous(mut a) => {
            let first = tokens.get(a.word);
            let last = a.word.checked_add(a.words).and_then(|e| e.checked_sub(1));
            if let (Some(first), Some(last)) = (first, last.and_then(|l| tokens.get(l))) {
                let (before, after) = (&text[..first.start], &text[last.end..]);
                a.readings = a
                    .spelled
                    .clone()
                    .map(|hour| format!("{before}{hour}{after}").trim().to_string());
            }
            WhenError::Ambiguous(a)
        }
        other => other,
    }
}

/// Split "in 2 minutes to call the registrar" into the schedule and "call the registrar":
/// the longest leading run of words that parses as a time expression is the time; the rest,
/// with a leading "to", "that", ":" or "-" removed, is returned as the text (may be empty; the caller decides).
/// If no leading run parses, return the most specific error (e.g. "31 February is not a date", "that time has passed").
pub fn split_when(text: &str, now: DateTime<Utc>, tz: Tz) -> Result<(Schedule, String), WhenError> {
    let tokens = tokenize(text);
    let words: Vec<&str> = tokens.iter().map(|t| t.word.as_str()).collect();
    let mut best = WhenError::Empty;
    for n in (1..=words.len().min(MAX_TOKENS)).rev() {
        match parse_words(&words[..n], now, tz, false) {
            // A specific error from a longer run means the member meant those words as part of
            // the time ("tomorrow 13pm clinic"): scheduling the shorter run would hide a typo.
            Ok(_) if best.rank() >= SPECIFIC => break,
            Ok(schedule) => {
                if matches!(schedule.rule, Some(Rule::Cron(_)))
                    && let Some(next) = tokens.get(n)
                    && could_be_cron_field(&next.word)
                {
                    return Err(WhenError::BadCron(format!(
                        "\"{}\" has more than 5 fields; cron here takes exactly 5 (minute hour day month weekday). If your text starts with a number, put \"to\" before it",
                        clip(&words[..=n].join(" "))
                    )));
                }
                let rest = tokens.get(n - 1).map_or("", |t| &text[t.end..]);
                return Ok((schedule, strip_lead(rest).to_string()));
            }
            // Strictly greater: among equals, the longest run's error wins.
            Err(e) if e.rank() > best.rank() => best = e,
            Err(_) => {}
        }
    }
    Err(respell(best, text, &tokens))
}

fn strip_lead(rest: &str) -> &str {
    let r = rest.trim();
    for word in ["to", "that"] {
        if let Some(head) = r.get(..word.len())
            && head.eq_ignore_ascii_case(word)
        {
            let tail = &r[word.len()..];
            if tail.is_empty() || tail.starts_with(char::is_whitespace) {
                return tail.trim_start();
            }
        }
    }
    r.strip_prefix([':', '-']).map_or(r, str::trim_start)
}

fn parse_words(
    ws: &[&str],
    now: DateTime<Utc>,
    tz: Tz,
    whole: bool,
) -> Result<Schedule, WhenError> {
    let Some(&head) = ws.first() else {
        return Err(WhenError::Empty);
    };
    let schedule = if head == "cron" || looks_like_cron(ws) {
        let fields = if head == "cron" { &ws[1..] } else { ws };
        // Only a whole expression may use the crate's 6/7-field form: inside a message,
        // words after the fifth field are the reminder text.
        let usable = fields.len() == 5 || (whole && (fields.len() == 6 || fields.len() == 7));
        let expr = fields.join(" ");
        if !usable && !whole && fields.len() > 5 {
            return Err(WhenError::Unrecognised(clip(&ws.join(" "))));
        }
        if !usable {
            return Err(WhenError::BadCron(format!(
                "\"{}\" is not a cron expression: it needs 5 fields (minute hour day month weekday)",
                clip(&expr)
            )));
        }
        cron_schedules(&expr).map_err(WhenError::BadCron)?;
        let rule = Rule::Cron(expr);
        let first = rule.next_after(now, tz).ok_or_else(|| {
            WhenError::BadCron(format!("\"{}\" never fires again", clip(&fields.join(" "))))
        })?;
        Schedule {
            first,
            rule: Some(rule),
        }
    } else if matches!(
        head,
        "every" | "daily" | "weekly" | "fortnightly" | "monthly"
    ) {
        parse_recurrence(ws, now, tz)?
    } else if head == "in" && ws.get(1) != Some(&"the") {
        // "in the morning" is a part of the day, not a span.
        Schedule {
            first: parse_in(&ws[1..], now, tz)?,
            rule: None,
        }
    } else if head == "fortnight" {
        // A bare "fortnight" is how people say "in a fortnight".
        Schedule {
            first: parse_in(ws, now, tz)?,
            rule: None,
        }
    } else {
        Schedule {
            first: parse_absolute(ws, now, tz)?,
            rule: None,
        }
    };
    check_horizon(schedule.first, now)?;
    Ok(schedule)
}
