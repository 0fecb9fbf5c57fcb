//! Writing a society's events as a VCALENDAR, with a generated VTIMEZONE per zone used.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::text::{escape_text, strip_controls};
use super::values::{format_offset, utc_stamp};

/// RFC 5545 limits a content line to 75 octets, excluding the line break.
const FOLD_OCTETS: usize = 75;

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
    /// When the file was made (DTSTAMP).
    pub stamp: DateTime<Utc>,
    /// When the event last changed (LAST-MODIFIED).
    pub modified: DateTime<Utc>,
}

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
    w.raw("BEGIN", "VEVENT");
    w.text("UID", &event.uid);
    w.raw("DTSTAMP", &utc_stamp(event.stamp));
    w.raw("LAST-MODIFIED", &utc_stamp(event.modified));
    w.raw("SEQUENCE", &event.sequence.max(0).to_string());
    write_time(w, "DTSTART", event.starts_at, event.zone);
    // DTEND must be later than DTSTART, so a zero or negative length is written as a duration.
    match event.starts_at.checked_add_signed(event.duration) {
        Some(end) if event.duration > Duration::zero() => {
            write_time(w, "DTEND", end, event.zone);
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
        write_time(w, "EXDATE", *exdate, event.zone);
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

/// `at` as its wall time in `zone` with the zone's TZID; but an instant in the second pass of a
/// repeated hour (the hour clocks go back) has a wall time that means its first pass (RFC 5545
/// 3.3.5), so it is written in UTC instead.
fn write_time(w: &mut Writer<'_>, name: &str, at: DateTime<Utc>, zone: Tz) {
    let wall = at.with_timezone(&zone).naive_local();
    if zone
        .from_local_datetime(&wall)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        == Some(at)
    {
        w.with_tzid(name, zone.name(), &wall.format("%Y%m%dT%H%M%S").to_string());
    } else {
        w.raw(name, &utc_stamp(at));
    }
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
}
