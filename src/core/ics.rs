//! iCalendar (RFC 5545) export of a society's events, and import of hospital and society feeds.
//!
//! Export writes local times with a `TZID` and a generated `VTIMEZONE`, so a weekly series keeps
//! its wall-clock time across daylight-saving changes in every client.
//!
//! Import reads what Outlook/Exchange, Google and hand-made feeds produce and expands recurring
//! events into the occurrences that fall in a window, each with a stable key. It never fails on
//! one bad event: such an event is skipped, and only a text that is not a calendar at all (or is
//! too large, or cut off) is an error.
//!
//! Content lines are read and written here rather than through the `icalendar` crate: its writer
//! adds `DTSTAMP` and `UID` to every component (which is invalid inside a `VTIMEZONE`), may leave
//! whitespace at a fold point that line-trimming readers lose, and does not escape a carriage
//! return; its parser recurses once per nested `BEGIN`, so a hostile feed could overflow the stack,
//! and it rejects a whole feed over one malformed line.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// Larger feeds are refused before any parsing, so a hostile URL cannot exhaust memory or time.
pub const MAX_FEED_BYTES: usize = 2 * 1024 * 1024;

/// Occurrences of one series looked at before giving up on reaching the window.
const MAX_OCCURRENCES_EXAMINED: usize = 1000;

/// Occurrences looked at across the whole feed, so many hostile series cannot add up.
const MAX_OCCURRENCES_PER_FEED: usize = 100_000;

/// Deeper nesting than any real calendar uses is ignored rather than built.
const MAX_DEPTH: usize = 8;

const MAX_TITLE_CHARS: usize = 200;
const MAX_PLACE_CHARS: usize = 300;
const MAX_DESCRIPTION_CHARS: usize = 1000;

/// RFC 5545 limits a content line to 75 octets, excluding the line break.
const FOLD_OCTETS: usize = 75;

const UNTITLED: &str = "(untitled)";

/// One VEVENT to export. A series has `rrule` (the RRULE value without the "RRULE:" prefix,
/// e.g. "FREQ=WEEKLY;BYDAY=TH") and its first occurrence in `starts_at`.
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarEvent {
    pub uid: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub duration: Duration,
    pub zone: Tz,
    pub place: Option<String>,
    pub description: Option<String>,
    pub rrule: Option<String>,
    /// Occurrence start times (UTC) of the series that are skipped.
    pub exdates: Vec<DateTime<Utc>>,
    pub cancelled: bool,
    /// Bumped on each edit so subscribed calendars replace their copy.
    pub sequence: i64,
    /// DTSTAMP / LAST-MODIFIED.
    pub stamp: DateTime<Utc>,
}

/// One event read from a feed; a recurring VEVENT is expanded into one ImportedEvent per occurrence.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedEvent {
    /// The VEVENT's UID for a single event; for an occurrence of a recurring one,
    /// "<UID>/<occurrence start as YYYYMMDDTHHMMSSZ in UTC>" so each occurrence keeps a stable key.
    /// The start is the occurrence's original one (its RECURRENCE-ID), so a moved occurrence
    /// keeps its key.
    pub uid: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub duration: Duration,
    pub place: Option<String>,
    pub description: Option<String>,
    /// STATUS:CANCELLED on the event, its series, or its override. An EXDATE'd occurrence is
    /// absent instead.
    pub cancelled: bool,
    /// The zone named by DTSTART's TZID if chrono-tz knows it (else None).
    pub zone: Option<Tz>,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum IcsError {
    #[error("That is not an iCalendar (.ics) feed.")]
    NotCalendar,
    #[error("That calendar is larger than 2 MB, so I did not read it.")]
    TooLarge,
    #[error("That calendar is cut off before its end, so I did not read it.")]
    Truncated,
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

/// A whole VCALENDAR (PRODID "-//Rounds//Rounds//EN", VERSION 2.0, CALSCALE GREGORIAN, METHOD PUBLISH,
/// X-WR-CALNAME = name) with one VTIMEZONE per distinct zone used and one VEVENT per event.
pub fn calendar(name: &str, events: &[CalendarEvent]) -> String {
    let mut out = String::new();
    let mut w = Writer { out: &mut out };
    w.raw("BEGIN", "VCALENDAR");
    w.raw("PRODID", "-//Rounds//Rounds//EN");
    w.raw("VERSION", "2.0");
    w.raw("CALSCALE", "GREGORIAN");
    w.raw("METHOD", "PUBLISH");
    w.text("X-WR-CALNAME", name);

    // Sorted by name so the same events always give the same bytes.
    let mut zones: BTreeMap<&'static str, (Tz, DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
    for event in events {
        let entry = zones.entry(event.zone.name()).or_insert((
            event.zone,
            event.starts_at,
            event.starts_at,
        ));
        entry.1 = entry.1.min(event.starts_at);
        entry.2 = entry.2.max(event.starts_at);
    }
    for (zone, earliest, latest) in zones.values() {
        write_vtimezone(&mut w, *zone, *earliest, *latest);
    }
    for event in events {
        write_vevent(&mut w, event);
    }
    w.raw("END", "VCALENDAR");
    out
}

fn write_vevent(w: &mut Writer<'_>, event: &CalendarEvent) {
    let tzid = event.zone.name();
    w.raw("BEGIN", "VEVENT");
    w.text("UID", &event.uid);
    w.raw("DTSTAMP", &utc_stamp(event.stamp));
    w.raw("LAST-MODIFIED", &utc_stamp(event.stamp));
    w.raw("SEQUENCE", &event.sequence.max(0).to_string());
    w.with_tzid("DTSTART", tzid, &local_stamp(event.starts_at, event.zone));
    // DTEND must be later than DTSTART, so a zero or negative length is written as a duration.
    match event.starts_at.checked_add_signed(event.duration) {
        Some(end) if event.duration > Duration::zero() => {
            w.with_tzid("DTEND", tzid, &local_stamp(end, event.zone));
        }
        _ => w.raw("DURATION", "PT0S"),
    }
    if let Some(rule) = &event.rrule {
        let rule = strip_controls(rule.trim());
        let rule = rule.strip_prefix("RRULE:").unwrap_or(&rule).trim();
        if !rule.is_empty() {
            w.raw("RRULE", rule);
        }
    }
    for exdate in &event.exdates {
        w.with_tzid("EXDATE", tzid, &local_stamp(*exdate, event.zone));
    }
    w.text("SUMMARY", &event.title);
    if let Some(place) = &event.place {
        w.text("LOCATION", place);
    }
    if let Some(description) = &event.description {
        w.text("DESCRIPTION", description);
    }
    w.raw(
        "STATUS",
        if event.cancelled {
            "CANCELLED"
        } else {
            "CONFIRMED"
        },
    );
    w.raw("END", "VEVENT");
}

struct Writer<'a> {
    out: &'a mut String,
}

impl Writer<'_> {
    /// `value` must already be valid for its property: only control characters are removed,
    /// so nothing a caller passes can start a new content line.
    fn raw(&mut self, name: &str, value: &str) {
        fold_into(self.out, &format!("{name}:{}", strip_controls(value)));
    }

    fn text(&mut self, name: &str, value: &str) {
        fold_into(self.out, &format!("{name}:{}", escape_text(value)));
    }

    fn with_tzid(&mut self, name: &str, tzid: &str, value: &str) {
        fold_into(self.out, &format!("{name};TZID={tzid}:{value}"));
    }
}

/// RFC 5545 section 3.3.11; CR and other control characters, which TEXT may not contain, become
/// a line break or are dropped.
fn escape_text(value: &str) -> String {
    let value = value.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn strip_controls(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

/// Folds at 75 octets on a character boundary. A fold point next to whitespace is moved back
/// where possible, because some readers trim each physical line and would lose that space.
fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = FOLD_OCTETS;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let hard = cut;
        let mut soft = cut;
        while soft > limit / 2 && next_to_whitespace(rest, soft) {
            soft -= 1;
            while !rest.is_char_boundary(soft) {
                soft -= 1;
            }
        }
        if !next_to_whitespace(rest, soft) {
            cut = soft;
        } else {
            cut = hard;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // A continuation line's leading space counts towards its 75 octets.
        limit = FOLD_OCTETS - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

fn next_to_whitespace(text: &str, at: usize) -> bool {
    let before = text[..at]
        .chars()
        .next_back()
        .is_some_and(char::is_whitespace);
    let after = text[at..].chars().next().is_some_and(char::is_whitespace);
    before || after
}

fn utc_stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_stamp(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y%m%dT%H%M%S").to_string()
}

/// One observance per offset change from a year before `earliest` to three years after `latest`,
/// each starting at its local time before the change, as RFC 5545 section 3.6.5 describes.
fn write_vtimezone(w: &mut Writer<'_>, zone: Tz, earliest: DateTime<Utc>, latest: DateTime<Utc>) {
    let from = earliest
        .checked_sub_signed(Duration::days(366))
        .unwrap_or(earliest);
    let to = latest
        .checked_add_signed(Duration::days(3 * 366))
        .unwrap_or(latest);
    // A feed spanning centuries would otherwise mean a long scan; clients carry the last
    // observance forward past the end anyway.
    let to = from
        .checked_add_signed(Duration::days(100 * 366))
        .map_or(to, |cap| to.min(cap));

    w.raw("BEGIN", "VTIMEZONE");
    w.text("TZID", zone.name());
    let changes = transitions(zone, from, to);
    if changes.is_empty() {
        let offset = zone.offset_from_utc_datetime(&from.naive_utc());
        let seconds = offset.fix().local_minus_utc();
        w.raw("BEGIN", "STANDARD");
        w.raw("DTSTART", "19700101T000000");
        w.raw("TZOFFSETFROM", &format_offset(seconds));
        w.raw("TZOFFSETTO", &format_offset(seconds));
        w.text("TZNAME", &zone_abbreviation(&offset));
        w.raw("END", "STANDARD");
    }
    for (at, before) in changes {
        let after = zone.offset_from_utc_datetime(&at.naive_utc());
        let kind = if after.dst_offset() > Duration::zero() {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        let Some(local_before) = at
            .naive_utc()
            .checked_add_signed(Duration::seconds(i64::from(before)))
        else {
            continue;
        };
        w.raw("BEGIN", kind);
        w.raw("DTSTART", &local_before.format("%Y%m%dT%H%M%S").to_string());
        w.raw("TZOFFSETFROM", &format_offset(before));
        w.raw("TZOFFSETTO", &format_offset(after.fix().local_minus_utc()));
        w.text("TZNAME", &zone_abbreviation(&after));
        w.raw("END", kind);
    }
    w.raw("END", "VTIMEZONE");
}

/// Each instant at which `zone`'s UTC offset changes, with the offset (seconds) just before it.
/// Scans daily, then bisects to the second: no zone changes offset twice within a day.
fn transitions(zone: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, i32)> {
    let offset_at = |at: DateTime<Utc>| {
        zone.offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc()
    };
    let mut found = Vec::new();
    let mut day = from;
    let mut offset = offset_at(day);
    while day < to {
        let Some(next) = day.checked_add_signed(Duration::days(1)) else {
            break;
        };
        let next_offset = offset_at(next);
        if next_offset != offset {
            let (mut lo, mut hi) = (day, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset_at(mid) == offset {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            found.push((hi, offset));
            offset = next_offset;
        }
        day = next;
    }
    found
}

fn zone_abbreviation(offset: &<Tz as TimeZone>::Offset) -> String {
    match offset.abbreviation() {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => format_offset(offset.fix().local_minus_utc()),
    }
}

fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (hours, minutes, secs) = (abs / 3600, abs / 60 % 60, abs % 60);
    if secs == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{secs:02}")
    }
}

// ---------------------------------------------------------------------------------------------
// Import: content lines and components
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Prop {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Prop {
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
struct Comp {
    name: String,
    props: Vec<Prop>,
    children: Vec<Comp>,
}

impl Comp {
    fn prop(&self, name: &str) -> Option<&Prop> {
        self.props.iter().find(|p| p.name == name)
    }

    fn props<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Prop> + 'a {
        self.props.iter().filter(move |p| p.name == name)
    }
}

/// Unfolds (CRLF or bare LF, then a space or tab) into logical lines.
fn logical_lines(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines: Vec<String> = Vec::new();
    for physical in text.split('\n') {
        let physical = physical.strip_suffix('\r').unwrap_or(physical);
        if let Some(rest) = physical
            .strip_prefix(' ')
            .or_else(|| physical.strip_prefix('\t'))
            && let Some(last) = lines.last_mut()
        {
            last.push_str(rest);
            continue;
        }
        if !physical.trim().is_empty() {
            lines.push(physical.to_string());
        }
    }
    lines
}

/// `NAME;PARAM=value;PARAM="quoted:value":VALUE`; None for a line that is not a property.
fn parse_line(line: &str) -> Option<Prop> {
    let mut in_quotes = false;
    let mut colon = None;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = Vec::new();
    let mut start = 0;
    in_quotes = false;
    for (i, c) in head.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ';' if !in_quotes => {
                parts.push(&head[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&head[start..]);
    let mut parts = parts.into_iter();
    let name = parts.next()?.trim().to_ascii_uppercase();
    if name.is_empty() {
        return None;
    }
    let params = parts
        .filter_map(|part| {
            let (key, val) = part.split_once('=')?;
            Some((key.trim().to_ascii_uppercase(), val.replace('"', "")))
        })
        .collect();
    Some(Prop {
        name,
        params,
        value: value.to_string(),
    })
}

/// The top-level components, or why the text is not a calendar.
fn parse_components(text: &str) -> Result<Vec<Comp>, IcsError> {
    let mut roots: Vec<Comp> = Vec::new();
    let mut stack: Vec<Comp> = Vec::new();
    let mut ignored_depth = 0usize;
    for line in logical_lines(text) {
        let Some(prop) = parse_line(&line) else {
            continue;
        };
        match prop.name.as_str() {
            "BEGIN" => {
                if ignored_depth > 0 || stack.len() >= MAX_DEPTH {
                    ignored_depth += 1;
                } else {
                    stack.push(Comp {
                        name: prop.value.trim().to_ascii_uppercase(),
                        ..Comp::default()
                    });
                }
            }
            "END" => {
                if ignored_depth > 0 {
                    ignored_depth -= 1;
                    continue;
                }
                let name = prop.value.trim().to_ascii_uppercase();
                // A stray END closes the nearest matching component, and those left open inside it.
                if let Some(at) = stack.iter().rposition(|c| c.name == name) {
                    while stack.len() > at {
                        let Some(done) = stack.pop() else { break };
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(done),
                            None => roots.push(done),
                        }
                    }
                }
            }
            _ => {
                if let Some(current) = stack.last_mut() {
                    current.props.push(prop);
                }
            }
        }
    }
    let calendars: Vec<Comp> = roots
        .into_iter()
        .filter(|c| c.name == "VCALENDAR")
        .collect();
    if calendars.is_empty() {
        if stack.iter().any(|c| c.name == "VCALENDAR") {
            return Err(IcsError::Truncated);
        }
        return Err(IcsError::NotCalendar);
    }
    Ok(calendars)
}

fn unescape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other @ ('\\' | ';' | ',' | ':')) => out.push(other),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Titles and places are shown on one line: line breaks become spaces.
fn one_line(value: &str, max_chars: usize) -> String {
    let flat: String = unescape_text(value)
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .filter(|c| !c.is_control() || *c == '\t')
        .collect();
    truncate(flat.trim(), max_chars)
}

fn multi_line(value: &str, max_chars: usize) -> String {
    let text = unescape_text(value)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    truncate(clean.trim(), max_chars)
}

fn truncate(value: &str, max_chars: usize) -> String {
    if value.chars().count() <= max_chars {
        return value.to_string();
    }
    let kept: String = value.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

// ---------------------------------------------------------------------------------------------
// Import: zones and date-times
// ---------------------------------------------------------------------------------------------

/// Windows zone names that Outlook and Exchange put in TZID, mapped as CLDR does.
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("Romance Standard Time", "Europe/Paris"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("FLE Standard Time", "Europe/Kyiv"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Afghanistan Standard Time", "Asia/Kabul"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("West Asia Standard Time", "Asia/Tashkent"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Sri Lanka Standard Time", "Asia/Colombo"),
    ("Nepal Standard Time", "Asia/Kathmandu"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("Myanmar Standard Time", "Asia/Yangon"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("Malay Peninsula Standard Time", "Asia/Kuala_Lumpur"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Fiji Standard Time", "Pacific/Fiji"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time", "America/Denver"),
    ("Central Standard Time", "America/Chicago"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Canada Central Standard Time", "America/Regina"),
    ("Eastern Standard Time", "America/New_York"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Argentina Standard Time", "America/Argentina/Buenos_Aires"),
    ("UTC", "Etc/UTC"),
    ("Coordinated Universal Time", "Etc/UTC"),
];

/// A zone built from a feed's own VTIMEZONE: offset changes as (instant, offset after) in order.
#[derive(Debug, Default)]
struct CustomZone {
    initial: i32,
    changes: Vec<(DateTime<Utc>, i32)>,
}

impl CustomZone {
    fn offset_at(&self, at: DateTime<Utc>) -> i32 {
        let after = self.changes.partition_point(|(t, _)| *t <= at);
        match after.checked_sub(1) {
            Some(i) => self.changes.get(i).map_or(self.initial, |c| c.1),
            None => self.initial,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Zone<'a> {
    /// UTC, and floating times, which this importer reads as UTC.
    Utc,
    Named(Tz),
    Custom(&'a CustomZone),
}

impl Zone<'_> {
    fn to_utc(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            Zone::Utc => Some(local.and_utc()),
            // RFC 5545 3.3.5: an ambiguous local time is its first occurrence, and one in a
            // gap uses the offset from before the gap, as resolve_local reads them.
            Zone::Named(tz) => super::when::resolve_local(local.date(), local.time(), tz),
            Zone::Custom(zone) => {
                let shift = |offset: i32| {
                    local
                        .checked_sub_signed(Duration::seconds(i64::from(offset)))
                        .map(|at| at.and_utc())
                };
                let guess = shift(zone.offset_at(local.and_utc()))?;
                shift(zone.offset_at(guess))
            }
        }
    }

    fn to_local(self, at: DateTime<Utc>) -> Option<NaiveDateTime> {
        match self {
            Zone::Utc => Some(at.naive_utc()),
            Zone::Named(tz) => Some(at.with_timezone(&tz).naive_local()),
            Zone::Custom(zone) => at
                .naive_utc()
                .checked_add_signed(Duration::seconds(i64::from(zone.offset_at(at)))),
        }
    }

    fn named(self) -> Option<Tz> {
        match self {
            Zone::Named(tz) => Some(tz),
            _ => None,
        }
    }
}

fn known_zone(tzid: &str) -> Option<Tz> {
    let tzid = tzid.trim();
    if let Some(&(_, iana)) = WINDOWS_ZONES
        .iter()
        .find(|(windows, _)| windows.eq_ignore_ascii_case(tzid))
    {
        return Tz::from_str(iana).ok();
    }
    // Some producers prefix the IANA name, e.g. "/mozilla.org/20050126_1/Europe/London".
    let mut rest = tzid;
    loop {
        if let Ok(tz) = Tz::from_str(rest) {
            return Some(tz);
        }
        rest = rest.split_once('/')?.1;
    }
}

struct Zones {
    custom: HashMap<String, CustomZone>,
}

impl Zones {
    fn resolve(&self, tzid: Option<&str>) -> Zone<'_> {
        let Some(tzid) = tzid else {
            return Zone::Utc;
        };
        if let Some(tz) = known_zone(tzid) {
            return Zone::Named(tz);
        }
        match self.custom.get(tzid.trim()) {
            Some(zone) => Zone::Custom(zone),
            None => Zone::Utc,
        }
    }
}

/// Reads each VTIMEZONE whose TZID chrono-tz does not know, with its offsets up to `until`.
fn custom_zones(calendars: &[Comp], until: DateTime<Utc>, budget: &mut usize) -> Zones {
    let mut custom = HashMap::new();
    for vtimezone in calendars
        .iter()
        .flat_map(|c| &c.children)
        .filter(|c| c.name == "VTIMEZONE")
    {
        let Some(tzid) = vtimezone.prop("TZID").map(|p| p.value.trim().to_string()) else {
            continue;
        };
        if known_zone(&tzid).is_some() || custom.contains_key(&tzid) {
            continue;
        }
        let mut zone = CustomZone::default();
        let mut first: Option<(NaiveDateTime, i32)> = None;
        for observance in &vtimezone.children {
            let offset = |name| observance.prop(name).and_then(|p| parse_offset(&p.value));
            let (Some(from), Some(to)) = (offset("TZOFFSETFROM"), offset("TZOFFSETTO")) else {
                continue;
            };
            let Some(start) = observance
                .prop("DTSTART")
                .and_then(|p| parse_naive(&p.value))
                .map(|(local, _)| local)
            else {
                continue;
            };
            if first.is_none_or(|(at, _)| start < at) {
                first = Some((start, from));
            }
            let mut onsets = vec![start];
            if let Some(rule) = observance.prop("RRULE") {
                let until_local = until.naive_utc();
                onsets.extend(expand_local(
                    start,
                    &rule.value,
                    Zone::Utc,
                    None,
                    until_local,
                    budget,
                ));
            }
            for rdate in observance.props("RDATE") {
                onsets.extend(
                    rdate
                        .value
                        .split(',')
                        .filter_map(parse_naive)
                        .map(|(local, _)| local),
                );
            }
            for onset in onsets {
                if let Some(at) = onset.checked_sub_signed(Duration::seconds(i64::from(from))) {
                    zone.changes.push((at.and_utc(), to));
                }
            }
        }
        let Some((_, initial)) = first else {
            continue;
        };
        zone.initial = initial;
        zone.changes.sort_by_key(|c| c.0);
        custom.insert(tzid, zone);
    }
    Zones { custom }
}

/// `+HHMM` or `+HHMMSS`, in seconds east of UTC.
fn parse_offset(value: &str) -> Option<i32> {
    let value = value.trim();
    let (sign, digits) = match value.as_bytes().first()? {
        b'+' => (1, &value[1..]),
        b'-' => (-1, &value[1..]),
        _ => return None,
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digits.get(range)?.parse::<i32>().ok();
    let seconds = if digits.len() == 6 { number(4..6)? } else { 0 };
    let total = number(0..2)? * 3600 + number(2..4)? * 60 + seconds;
    (total < 24 * 3600).then_some(sign * total)
}

/// A DATE or DATE-TIME value as written (local), and whether it was a DATE and whether it ended
/// in `Z`. Returns (local, Kind).
fn parse_naive(value: &str) -> Option<(NaiveDateTime, Kind)> {
    let value = value.trim();
    // RDATE;VALUE=PERIOD gives "start/end"; only the start matters here.
    let value = value.split('/').next().unwrap_or(value);
    if value.len() == 8 {
        let date = NaiveDate::parse_from_str(value, "%Y%m%d").ok()?;
        return Some((date.and_time(NaiveTime::MIN), Kind::Date));
    }
    let (body, utc) = match value.strip_suffix(['Z', 'z']) {
        Some(body) => (body, true),
        None => (value, false),
    };
    let local = NaiveDateTime::parse_from_str(body, "%Y%m%dT%H%M%S")
        .or_else(|_| NaiveDateTime::parse_from_str(body, "%Y%m%dt%H%M%S"))
        .ok()?;
    Some((local, if utc { Kind::Utc } else { Kind::Local }))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Date,
    Utc,
    Local,
}

/// A DTSTART-like value resolved to an instant.
#[derive(Clone, Copy, Debug)]
struct When<'a> {
    utc: DateTime<Utc>,
    local: NaiveDateTime,
    all_day: bool,
    zone: Zone<'a>,
}

/// Reads a date-time property; `default_zone` is used for a value with no TZID and no `Z`
/// (floating for DTSTART, the series' zone for EXDATE, RDATE and RECURRENCE-ID).
fn when_values<'z>(prop: &Prop, zones: &'z Zones, default_zone: Zone<'z>) -> Vec<When<'z>> {
    let date_only = prop
        .param("VALUE")
        .is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    prop.value
        .split(',')
        .filter_map(|value| {
            let (local, kind) = parse_naive(value)?;
            let all_day = date_only || kind == Kind::Date;
            let zone = match (kind, prop.param("TZID")) {
                _ if all_day => Zone::Utc,
                (Kind::Utc, _) => Zone::Utc,
                (_, Some(tzid)) => zones.resolve(Some(tzid)),
                (_, None) => default_zone,
            };
            let local = if all_day {
                local.date().and_time(NaiveTime::MIN)
            } else {
                local
            };
            Some(When {
                utc: zone.to_utc(local)?,
                local,
                all_day,
                zone,
            })
        })
        .collect()
}

fn first_when<'z>(prop: Option<&Prop>, zones: &'z Zones, default: Zone<'z>) -> Option<When<'z>> {
    when_values(prop?, zones, default).into_iter().next()
}

/// ISO 8601 / RFC 5545 durations such as `PT1H30M`, `P1D`, `P2W`; None if malformed or negative.
fn parse_duration(value: &str) -> Option<Duration> {
    let value = value.trim().to_ascii_uppercase();
    let value = value.strip_prefix('+').unwrap_or(&value);
    if value.starts_with('-') {
        return None;
    }
    let body = value.strip_prefix('P')?;
    let mut total = Duration::zero();
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in body.chars() {
        match c {
            '0'..='9' => number.push(c),
            'T' if !in_time && number.is_empty() => in_time = true,
            _ => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                let part = match (c, in_time) {
                    ('W', false) => Duration::try_weeks(n)?,
                    ('D', false) => Duration::try_days(n)?,
                    ('H', true) => Duration::try_hours(n)?,
                    ('M', true) => Duration::try_minutes(n)?,
                    ('S', true) => Duration::try_seconds(n)?,
                    _ => return None,
                };
                total = total.checked_add(&part)?;
                any = true;
            }
        }
    }
    (any && number.is_empty()).then_some(total)
}

// ---------------------------------------------------------------------------------------------
// Import: events and recurrence
// ---------------------------------------------------------------------------------------------

/// A VEVENT as read, before expansion.
struct Source<'z> {
    uid: String,
    start: When<'z>,
    duration: Duration,
    title: String,
    place: Option<String>,
    description: Option<String>,
    cancelled: bool,
    sequence: i64,
    recurrence_id: Option<DateTime<Utc>>,
    rrule: Option<String>,
    rdates: Vec<When<'z>>,
    exdates: Vec<When<'z>>,
}

impl Source<'_> {
    fn imported(&self, uid: String, starts_at: DateTime<Utc>) -> ImportedEvent {
        ImportedEvent {
            uid,
            title: self.title.clone(),
            starts_at,
            duration: self.duration,
            place: self.place.clone(),
            description: self.description.clone(),
            cancelled: self.cancelled,
            zone: self.start.zone.named(),
        }
    }
}

/// An event of more than ten years is a mistake; keeping it bounded keeps the arithmetic safe.
fn max_duration() -> Duration {
    Duration::days(3660)
}

fn read_vevent<'z>(event: &Comp, zones: &'z Zones) -> Option<Source<'z>> {
    let uid = event.prop("UID")?.value.trim().to_string();
    if uid.is_empty() {
        return None;
    }
    let start = first_when(event.prop("DTSTART"), zones, Zone::Utc)?;
    let default_length = if start.all_day {
        Duration::days(1)
    } else {
        Duration::hours(1)
    };
    let duration = match (event.prop("DTEND"), event.prop("DURATION")) {
        (Some(end), _) => first_when(Some(end), zones, start.zone)
            .map(|end| end.utc - start.utc)
            .filter(|length| *length >= Duration::zero()),
        (None, Some(duration)) => parse_duration(&duration.value),
        (None, None) => None,
    }
    .unwrap_or(default_length)
    .min(max_duration());
    let text = |name| event.prop(name).map(|p| p.value.as_str());
    let title = text("SUMMARY")
        .map(|t| one_line(t, MAX_TITLE_CHARS))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| UNTITLED.to_string());
    let place = text("LOCATION")
        .map(|t| one_line(t, MAX_PLACE_CHARS))
        .filter(|t| !t.is_empty());
    let description = text("DESCRIPTION")
        .map(|t| multi_line(t, MAX_DESCRIPTION_CHARS))
        .filter(|t| !t.is_empty());
    let cancelled = text("STATUS").is_some_and(|s| s.trim().eq_ignore_ascii_case("CANCELLED"));
    let sequence = text("SEQUENCE")
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let recurrence_id = first_when(event.prop("RECURRENCE-ID"), zones, start.zone).map(|w| w.utc);
    let rrule = text("RRULE")
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let dates = |name| {
        event
            .props(name)
            .flat_map(|p| when_values(p, zones, start.zone))
            .collect::<Vec<_>>()
    };
    Some(Source {
        uid,
        start,
        duration,
        title,
        place,
        description,
        cancelled,
        sequence,
        recurrence_id,
        rrule,
        rdates: dates("RDATE"),
        exdates: dates("EXDATE"),
    })
}

/// Reads a feed. Only occurrences that END after `now` and START before `now + horizon` are returned
/// (so a weekly series from 2015 yields just the next few weeks). Sorted by starts_at, then uid.
pub fn parse(
    text: &str,
    now: DateTime<Utc>,
    horizon: Duration,
) -> Result<Vec<ImportedEvent>, IcsError> {
    if text.len() > MAX_FEED_BYTES {
        return Err(IcsError::TooLarge);
    }
    let calendars = parse_components(text)?;
    let window_end = now
        .checked_add_signed(horizon.max(Duration::zero()))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let mut budget = MAX_OCCURRENCES_PER_FEED;
    let zones_until = window_end
        .checked_add_signed(Duration::days(366))
        .unwrap_or(window_end);
    let zones = custom_zones(&calendars, zones_until, &mut budget);

    // Grouped by UID: the series itself, and its RECURRENCE-ID overrides.
    let mut groups: BTreeMap<String, (Vec<Source<'_>>, Vec<Source<'_>>)> = BTreeMap::new();
    for vevent in calendars
        .iter()
        .flat_map(|c| &c.children)
        .filter(|c| c.name == "VEVENT")
    {
        let Some(source) = read_vevent(vevent, &zones) else {
            continue;
        };
        let group = groups.entry(source.uid.clone()).or_default();
        if source.recurrence_id.is_some() {
            group.1.push(source);
        } else {
            group.0.push(source);
        }
    }

    let in_window = |start: DateTime<Utc>, duration: Duration| {
        start < window_end
            && start
                .checked_add_signed(duration)
                .is_none_or(|end| end > now)
    };
    let mut out = Vec::new();
    for (uid, (masters, overrides)) in groups {
        // A feed listing one UID twice means an edited copy; the highest SEQUENCE, then the last, wins.
        let master = masters
            .into_iter()
            .enumerate()
            .max_by_key(|(i, m)| (m.sequence, *i))
            .map(|(_, m)| m);
        let mut by_recurrence: BTreeMap<DateTime<Utc>, Source<'_>> = BTreeMap::new();
        for o in overrides {
            let Some(id) = o.recurrence_id else { continue };
            if by_recurrence
                .get(&id)
                .is_none_or(|old| o.sequence >= old.sequence)
            {
                by_recurrence.insert(id, o);
            }
        }
        let occurrence_key = |at: DateTime<Utc>| format!("{uid}/{}", utc_stamp(at));

        let Some(master) = master else {
            // Overrides without their series (e.g. one shared instance): each is its own event.
            for (id, o) in &by_recurrence {
                if in_window(o.start.utc, o.duration) {
                    out.push(o.imported(occurrence_key(*id), o.start.utc));
                }
            }
            continue;
        };
        if master.rrule.is_none() && master.rdates.is_empty() {
            if in_window(master.start.utc, master.duration) {
                out.push(master.imported(uid.clone(), master.start.utc));
            }
            continue;
        }

        let excluded = |at: DateTime<Utc>| {
            master.exdates.iter().any(|ex| {
                if ex.all_day && !master.start.all_day {
                    master.start.zone.to_local(at).map(|l| l.date()) == Some(ex.local.date())
                } else {
                    ex.utc == at
                }
            })
        };
        for at in occurrences(&master, now, window_end, &mut budget) {
            if excluded(at) || by_recurrence.contains_key(&at) {
                continue;
            }
            out.push(master.imported(occurrence_key(at), at));
        }
        for (id, o) in &by_recurrence {
            if excluded(*id) || !in_window(o.start.utc, o.duration) {
                continue;
            }
            let mut event = o.imported(occurrence_key(*id), o.start.utc);
            event.cancelled |= master.cancelled;
            out.push(event);
        }
    }
    out.sort_by(|a, b| (a.starts_at, &a.uid).cmp(&(b.starts_at, &b.uid)));
    Ok(out)
}

/// Original start instants of a series' occurrences that overlap [now, window_end): DTSTART,
/// RRULE and RDATE. EXDATE and overrides are applied by the caller, in UTC, so values written in
/// another zone than DTSTART still match.
fn occurrences(
    master: &Source<'_>,
    now: DateTime<Utc>,
    window_end: DateTime<Utc>,
    budget: &mut usize,
) -> BTreeSet<DateTime<Utc>> {
    let overlaps = |start: DateTime<Utc>| {
        start < window_end
            && start
                .checked_add_signed(master.duration)
                .is_none_or(|end| end > now)
    };
    let mut found = BTreeSet::new();
    // RFC 5545 counts DTSTART as the first instance even when the rule would not produce it.
    if overlaps(master.start.utc) {
        found.insert(master.start.utc);
    }
    for rdate in &master.rdates {
        if overlaps(rdate.utc) {
            found.insert(rdate.utc);
        }
    }
    let Some(rule) = &master.rrule else {
        return found;
    };
    let zone = master.start.zone;
    let earliest = now
        .checked_sub_signed(master.duration)
        .and_then(|at| zone.to_local(at));
    let until_local = zone.to_local(window_end).unwrap_or(NaiveDateTime::MAX);
    for local in expand_local(
        master.start.local,
        rule,
        zone,
        earliest,
        until_local,
        budget,
    ) {
        if let Some(at) = zone.to_utc(local)
            && overlaps(at)
        {
            found.insert(at);
        }
    }
    found
}

/// Expands `rule` from `start` in local wall-clock time, up to `until` (local), returning the
/// generated local times (DTSTART itself only if the rule produces it).
///
/// The rule runs in a stand-in UTC zone so that it works the same for chrono-tz zones, a feed's
/// own VTIMEZONE and floating times; the caller converts each result to UTC. A series that
/// started long before `earliest` (local) is started again at a later occurrence of the same
/// cycle when that cannot change its occurrences, so that reaching the window does not use up
/// the examination limit.
fn expand_local(
    start: NaiveDateTime,
    rule: &str,
    zone: Zone<'_>,
    earliest: Option<NaiveDateTime>,
    until: NaiveDateTime,
    budget: &mut usize,
) -> Vec<NaiveDateTime> {
    let Some(parts) = RuleParts::read(rule, zone, start) else {
        return Vec::new();
    };
    if !parts.can_match(start) {
        return Vec::new();
    }
    let mut dtstart = start;
    if let (Some(period), Some(earliest)) = (parts.fast_forward_period(), earliest) {
        let target = earliest
            .checked_sub_signed(period)
            .and_then(|t| t.checked_sub_signed(Duration::days(2)));
        if let Some(target) = target
            && target > dtstart
            && period.num_seconds() > 0
        {
            let steps = (target - dtstart).num_seconds() / period.num_seconds();
            let jump = i32::try_from(steps)
                .ok()
                .and_then(|steps| period.checked_mul(steps));
            if let Some(moved) = jump.and_then(|jump| dtstart.checked_add_signed(jump)) {
                dtstart = moved;
            }
        }
    }
    let rrule_start = dtstart.and_utc().with_timezone(&rrule::Tz::UTC);
    let Ok(unvalidated) = rrule::RRule::<rrule::Unvalidated>::from_str(&parts.text) else {
        return Vec::new();
    };
    let Ok(validated) = unvalidated.validate(rrule_start) else {
        return Vec::new();
    };
    let set = rrule::RRuleSet::new(rrule_start).rrule(validated).limit();
    let mut found = Vec::new();
    for (examined, occurrence) in (&set).into_iter().enumerate() {
        if examined >= MAX_OCCURRENCES_EXAMINED || *budget == 0 {
            break;
        }
        *budget -= 1;
        let local = occurrence.naive_utc();
        if local > until {
            break;
        }
        found.push(local);
    }
    found
}

/// An RRULE rewritten for the stand-in zone, with what the fast-forward needs.
struct RuleParts {
    text: String,
    freq: String,
    interval: i32,
    has_count: bool,
}

impl RuleParts {
    fn read(rule: &str, zone: Zone<'_>, start: NaiveDateTime) -> Option<RuleParts> {
        let rule = strip_controls(rule).to_ascii_uppercase();
        let rule = rule.strip_prefix("RRULE:").unwrap_or(&rule);
        let mut parts = Vec::new();
        let mut freq = String::new();
        let mut interval = 1;
        let mut has_count = false;
        for part in rule.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=')?;
            match key {
                // Calendar programs offer nothing finer than daily; finer rules are where a
                // hostile feed could make each occurrence cost millions of steps.
                "FREQ" if !matches!(value, "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY") => {
                    return None;
                }
                "FREQ" => freq = value.to_string(),
                "INTERVAL" => interval = value.parse().ok().filter(|i| *i > 0)?,
                "COUNT" => has_count = true,
                _ => {}
            }
            if key == "UNTIL" {
                // UNTIL is UTC (Z), a local time, or a date; it must become a stand-in local time.
                let (local, kind) = parse_naive(value)?;
                let local = match kind {
                    Kind::Utc => zone.to_local(local.and_utc())?,
                    Kind::Local => local,
                    Kind::Date if start.time() == NaiveTime::MIN => local,
                    Kind::Date => local.date().and_hms_opt(23, 59, 59)?,
                };
                // A series that ended before it began has only its DTSTART.
                if local < start {
                    return None;
                }
                parts.push(format!("UNTIL={}", local.format("%Y%m%dT%H%M%SZ")));
            } else {
                parts.push(format!("{key}={value}"));
            }
        }
        Some(RuleParts {
            text: parts.join(";"),
            freq,
            interval,
            has_count,
        })
    }

    /// The cycle by which DTSTART can move without changing later occurrences: whole periods of
    /// a rule whose periods are all the same length, and never with COUNT (counted from DTSTART).
    fn fast_forward_period(&self) -> Option<Duration> {
        if self.has_count {
            return None;
        }
        let unit = match self.freq.as_str() {
            "WEEKLY" => Duration::weeks(1),
            "DAILY" => Duration::days(1),
            _ => return None,
        };
        unit.checked_mul(self.interval)
    }

    /// Whether the rule produces any occurrence in the last years the rrule crate supports.
    ///
    /// The crate looks at up to 100,000 periods for a rule that never matches (the 30th of
    /// February), which for a yearly rule is tens of milliseconds; a feed full of such rules
    /// would take minutes. Thirteen years cover every month length and leap year, so a real
    /// rule matches in them, and the probe stops there.
    fn can_match(&self, start: NaiveDateTime) -> bool {
        let probe_rule: Vec<&str> = self
            .text
            .split(';')
            .filter(|part| !part.starts_with("UNTIL=") && !part.starts_with("COUNT="))
            .collect();
        let probe_start = NaiveDate::from_ymd_opt(9988, start.month(), start.day()).map(|date| {
            date.and_time(start.time())
                .and_utc()
                .with_timezone(&rrule::Tz::UTC)
        });
        let Some(probe_start) = probe_start else {
            return false;
        };
        let Ok(rule) = rrule::RRule::<rrule::Unvalidated>::from_str(&probe_rule.join(";")) else {
            return false;
        };
        let Ok(rule) = rule.validate(probe_start) else {
            return false;
        };
        let set = rrule::RRuleSet::new(probe_start).rrule(rule).limit();
        (&set).into_iter().next().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_lines_short_and_whole() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é a ".repeat(60));
        fold_into(&mut out, &long);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= FOLD_OCTETS, "{line:?}");
        }
        let unfolded = out
            .strip_suffix("\r\n")
            .unwrap_or(&out)
            .replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }

    #[test]
    fn windows_zones_are_all_known_to_chrono_tz() {
        for (windows, iana) in WINDOWS_ZONES {
            assert!(Tz::from_str(iana).is_ok(), "{windows} -> {iana}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(parse_duration("P2W"), Some(Duration::weeks(2)));
        assert_eq!(parse_duration("P1DT12H"), Some(Duration::hours(36)));
        assert_eq!(parse_duration("-PT1H"), None);
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("PT99999999999999999999H"), None);
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+1000"), Some(36000));
        assert_eq!(parse_offset("-0330"), Some(-12600));
        assert_eq!(format_offset(19800), "+0530");
        assert_eq!(format_offset(-12600), "-0330");
        assert_eq!(format_offset(0), "+0000");
    }
}
