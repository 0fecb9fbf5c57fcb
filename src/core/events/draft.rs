//! An event's fields as members type them (`title | when | at <place> | capacity 40 | ...`),
//! checked once for `create` and `edit` alike.

use chrono::Duration;
use chrono_tz::Tz;

use super::series;
use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::store::Event;
use crate::core::time_format;
use crate::core::when::{self, Rule};

pub const KINDS: [&str; 6] = [
    "grand-rounds",
    "cpd",
    "journal-club",
    "social",
    "conference",
    "other",
];
const MAX_TITLE: usize = 200;
const MAX_PLACE: usize = 300;
const MAX_DURATION: Duration = Duration::days(14);
const MAX_CAPACITY: i64 = 100_000;
const DEFAULT_DURATION: Duration = Duration::hours(1);

pub(super) fn one_line(text: &str, what: &str, max: usize) -> Result<String, Refusal> {
    let text = text.trim();
    let length = text.chars().count();
    if length == 0 || length > max || text.chars().any(char::is_control) {
        return Err(Refusal::said(format!(
            "The {what} must be one line of 1 to {max} characters."
        )));
    }
    // Patient identifiers and direction characters: `Bot::run` checked every field already
    // (`Command::shared_texts`), before this command began.
    Ok(text.to_string())
}

/// Reads `create`'s fields: title, when, then `for`, `at`, `capacity`, `kind`, `cpd`, `group`,
/// `every`. A repeating time (in `when` or `every`) makes a series: the rule is returned too.
pub(super) fn draft(
    ctx: &Ctx<'_>,
    fields: &[String],
    zone: Tz,
) -> Result<(Event, Option<Rule>), Refusal> {
    let p = ctx.prefix();
    let title = one_line(&fields[0], "title", MAX_TITLE)?;
    let starts_at = when::parse(&fields[1], ctx.now, zone)?;
    let mut rule = starts_at.rule.clone();
    let mut event = Event {
        id: 0,
        society: ctx.society.key.clone(),
        platform: ctx.origin.platform.clone(),
        room: ctx.origin.room.clone(),
        title,
        starts_at: starts_at.first,
        duration: DEFAULT_DURATION,
        zone,
        place: None,
        capacity: None,
        kind: "other".to_string(),
        cpd_minutes: None,
        group: String::new(),
        cancelled: false,
        series: None,
        sequence: 0,
        modified_at: ctx.now,
        import: None,
        source_uid: None,
    };
    for field in &fields[2..] {
        let (key, value) = split_field(field);
        match key.as_str() {
            "group" => event.group = one_line(value, "group", 40)?.to_lowercase(),
            "every" => {
                let schedule = when::parse(&format!("every {value}"), ctx.now, zone)?;
                let Some(every) = schedule.rule else {
                    return Err(Refusal::said(format!(
                        "`every {value}` does not repeat; try `every Thursday 12:30`."
                    )));
                };
                // The series starts with its first date at or after the given time.
                event.starts_at = every
                    .next_after(event.starts_at - Duration::seconds(1), zone)
                    .unwrap_or(schedule.first);
                rule = Some(every);
            }
            _ => apply_field(&mut event, &key, value).map_err(|refusal| match refusal {
                FieldError::Unknown => Refusal::said(format!(
                    "I don't know the event field `{}`. Fields after the time: `for 1h`, `at <place>`, `capacity 40`, `kind cpd`, `cpd 1.5`, `group <name>`, `every Thursday 12:30`; e.g. `{p}event create Journal club | Friday 07:30 | at Library`.",
                    key.chars().take(30).collect::<String>()
                )),
                FieldError::Bad(refusal) => refusal,
            })?,
        }
    }
    check_cpd_hours(&event, &fields[2..])?;
    if let Some(rule) = &rule {
        series::check_rule(rule, p)?;
    }
    Ok((event, rule))
}

/// A `cpd` field's hours, and whether the organiser said `override` after them.
fn cpd_value(value: &str) -> (&str, bool) {
    match value.rsplit_once(char::is_whitespace) {
        Some((hours, word)) if word.eq_ignore_ascii_case("override") => (hours.trim(), true),
        _ => (value, false),
    }
}

/// CPD hours are at most the event's length: more is nearly always a slip (`cpd 100` for an
/// hour's talk), so it takes the organiser's explicit `cpd 3 override`. Checked whenever
/// `fields` set the hours or the length, so a later edit can't shrink the event under them
/// unnoticed either.
pub(super) fn check_cpd_hours(event: &Event, fields: &[String]) -> Result<(), Refusal> {
    let mut touched = false;
    let mut overridden = false;
    for field in fields {
        let (key, value) = split_field(field);
        match key.as_str() {
            "cpd" => {
                touched = true;
                overridden = cpd_value(value).1;
            }
            "for" => touched = true,
            _ => {}
        }
    }
    let Some(minutes) = event.cpd_minutes else {
        return Ok(());
    };
    if !touched || overridden || minutes <= event.duration.num_minutes() {
        return Ok(());
    }
    let hours = minutes as f64 / 60.0;
    Err(Refusal::said(format!(
        "CPD hours are at most the event's length ({}). If it really earns more, say so with `cpd {hours} override`.",
        time_format::span(event.duration)
    )))
}

/// `key value` of one `|`-separated field, the key lowercased.
pub(super) fn split_field(field: &str) -> (String, &str) {
    match field.split_once(char::is_whitespace) {
        Some((key, value)) => (key.to_lowercase(), value.trim()),
        None => (field.to_lowercase(), ""),
    }
}

pub(super) enum FieldError {
    Unknown,
    Bad(Refusal),
}

impl From<Refusal> for FieldError {
    fn from(refusal: Refusal) -> Self {
        FieldError::Bad(refusal)
    }
}

impl From<when::WhenError> for FieldError {
    fn from(error: when::WhenError) -> Self {
        FieldError::Bad(error.into())
    }
}

/// The fields `create` and `edit` share: `for`, `at`, `capacity`, `kind`, `cpd`.
pub(super) fn apply_field(event: &mut Event, key: &str, value: &str) -> Result<(), FieldError> {
    match key {
            "for" => {
                let span = when::parse_duration(value)?;
                if span > MAX_DURATION {
                    return Err(Refusal::said("An event can last at most 14 days.").into());
                }
                event.duration = span;
            }
            "at" => event.place = Some(one_line(value, "place", MAX_PLACE)?),
            "capacity" => {
                event.capacity = Some(
                    value
                        .parse::<i64>()
                        .ok()
                        .filter(|n| (1..=MAX_CAPACITY).contains(n))
                        .ok_or_else(|| {
                            Refusal::said(format!(
                                "The capacity must be a whole number from 1 to {MAX_CAPACITY}, e.g. `capacity 40`."
                            ))
                        })?,
                )
            }
            "kind" => {
                let kind = value.to_lowercase();
                if !KINDS.contains(&kind.as_str()) {
                    return Err(Refusal::said(format!(
                        "The kind must be one of {}.",
                        KINDS.map(|k| format!("`{k}`")).join(", ")
                    ))
                    .into());
                }
                event.kind = kind;
            }
            "cpd" => {
                let hours: f64 = cpd_value(value)
                    .0
                    .parse()
                    .ok()
                    .filter(|h: &f64| h.is_finite() && *h > 0.0 && *h <= 100.0)
                    .ok_or_else(|| {
                        Refusal::said("CPD hours must be a number above 0 and at most 100, e.g. `cpd 1.5` (add `override` for more than the event's length).")
                    })?;
                event.cpd_minutes = Some((hours * 60.0).round() as i64);
            }
            _ => return Err(FieldError::Unknown),
    }
    Ok(())
}
